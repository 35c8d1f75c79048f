"""Benchmark: `detect` throughput and peak memory on >= 10 M AIS rows, against a floor.

Run:  make bench            (or)  .venv/bin/python bench/bench_detect.py [--rows 10000000]

It generates a synthetic AIS archive as Parquet (vessels sailing between 20 ports, mooring with
GPS jitter, transits, duplicates and position jumps), then measures, each in a fresh process:

* floor:  pyarrow read of the needed columns (mmsi, time, lat, lon, sog) + one numpy lexsort by
          vessel and time;
* detect: navwatch's Parquet reader + port-event detection with --all-vessels semantics.

It prints rows/s, the ratio detect/floor (goal <= 3x) and the peak RSS of each process compared
with the in-memory size of the needed columns (goal <= 2x).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NEEDED = ["mmsi", "time", "lat", "lon", "sog_kn"]


def generate(path: Path, ports_csv: Path, rows: int, vessels: int, seed: int = 0) -> None:
    """Write the synthetic archive (Parquet) and its ports file (CSV name,lat,lon,radius_km)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_ports = 20
    plat = rng.uniform(30, 45, n_ports)
    plon = rng.uniform(-10, 35, n_ports)
    ports_csv.write_text(
        "name,lat,lon,radius_km\n"
        + "".join(
            f"P{i},{a:.5f},{b:.5f},3\n" for i, (a, b) in enumerate(zip(plat, plon, strict=True))
        )
    )
    per = rows // vessels
    writer = None
    t0 = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    batch = max(1, 1_000_000 // per)
    for v0 in range(0, vessels, batch):
        cols = {k: [] for k in NEEDED}
        for v in range(v0, min(v0 + batch, vessels)):
            lat = np.empty(per)
            lon = np.empty(per)
            sog = np.empty(per)
            port = rng.integers(n_ports)
            i = 0
            while i < per:
                stay = min(int(rng.integers(60, 1500)), per - i)  # moored: 1 min fixes
                lat[i : i + stay] = plat[port] + rng.normal(0, 0.0003, stay)
                lon[i : i + stay] = plon[port] + rng.normal(0, 0.0003, stay)
                sog[i : i + stay] = np.abs(rng.normal(0.05, 0.05, stay))
                i += stay
                if i >= per:
                    break
                nxt = int(rng.integers(n_ports))
                dist_km = np.hypot((plat[nxt] - plat[port]) * 111, (plon[nxt] - plon[port]) * 90)
                full = max(int(dist_km / 0.37), 2)  # ~12 kn at 1-min fixes
                steps = min(full, per - i)  # the archive may end mid-voyage
                f = np.arange(steps) / (full - 1)
                lat[i : i + steps] = plat[port] + f * (plat[nxt] - plat[port])
                lon[i : i + steps] = plon[port] + f * (plon[nxt] - plon[port])
                sog[i : i + steps] = 12.0
                i += steps
                port = nxt
            t = t0 + np.arange(per) * 60 + rng.integers(0, 30, per)
            t = np.maximum.accumulate(t)
            jumps = rng.random(per) < 1e-4
            lat[jumps] += 1.5
            cols["mmsi"].append(np.full(per, 200000000 + v, dtype=np.int64))
            cols["time"].append(t)
            cols["lat"].append(lat)
            cols["lon"].append(lon)
            cols["sog_kn"].append(sog)
        arrays = {k: np.concatenate(v) for k, v in cols.items()}
        dup = rng.random(len(arrays["time"])) < 0.02  # the same fix heard twice
        for k in arrays:
            arrays[k] = np.concatenate([arrays[k], arrays[k][dup]])
        arrays["time"][-int(dup.sum()) :] += 1
        order = rng.permutation(len(arrays["time"]))  # archives are not sorted by vessel
        table = pa.table(
            {
                "mmsi": pa.array(arrays["mmsi"][order]),
                "time": pa.array(
                    arrays["time"][order].astype("datetime64[s]").astype("datetime64[ns]"),
                    pa.timestamp("ns", tz="UTC"),
                ),
                "lat": pa.array(arrays["lat"][order]),
                "lon": pa.array(arrays["lon"][order]),
                "sog_kn": pa.array(arrays["sog_kn"][order]),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
    writer.close()


# Every measured process prints one JSON line; ``peak_rss()`` is its own peak RSS (VmHWM: unlike
# ru_maxrss it is not inherited from the parent across exec). bench_scale.py reuses these.
PEAK = """
def peak_rss():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
"""

FLOOR = (
    PEAK
    + """
import json, sys, time
import numpy as np, pyarrow.parquet as pq
t = time.perf_counter()
tab = pq.read_table(sys.argv[1], columns=COLUMNS)
cols = {c: tab.column(c).to_numpy() for c in tab.column_names}
del tab
order = np.lexsort((cols["time"].astype("int64"), cols["mmsi"]))
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": len(order), "peak_rss": peak_rss()}))
""".replace("COLUMNS", repr(NEEDED))
)

DETECT = (
    PEAK
    + """
import json, sys, time
t = time.perf_counter()
import navwatch as nw
from navwatch.io import read_observations
obs = read_observations([sys.argv[1]])
zones = nw.load_ports(sys.argv[2], bundled=False)
det = nw.detect_port_events(obs, zones, None, all_vessels=True)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": len(obs), "events": len(det.events), "stats": det.stats,
                  "peak_rss": peak_rss()}))
"""
)

BASELINE = (
    PEAK
    + """
import json
import pyarrow, numpy, pandas, shapely, geopandas, navwatch
print(json.dumps({"peak_rss": peak_rss()}))
"""
)


def measure(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python process; return the JSON object of its last output line."""
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if res.returncode:
        raise SystemExit(f"benchmark process failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--rows",
        type=int,
        default=10_000_000,
        help="rows before duplicates are added (default 10 M)",
    )
    ap.add_argument("--vessels", type=int, default=2_000)
    ap.add_argument(
        "--workdir", type=Path, default=None, help="keep generated data here (default: a temp dir)"
    )
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="navwatch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data, ports = work / "ais.parquet", work / "ports.csv"
    if not data.exists():
        t = time.perf_counter()
        generate(data, ports, args.rows, args.vessels)
        print(
            f"generated {data} ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
        )
    base = measure(BASELINE)
    floor = measure(FLOOR, str(data))
    det = measure(DETECT, str(data), str(ports))
    rows = floor["rows"]
    needed_mb = rows * 8 * len(NEEDED) / 1e6
    print(
        f"\nrows: {rows:,}   needed columns in memory: {needed_mb:,.0f} MB ({', '.join(NEEDED)}, 8 B each)"
    )
    print(f"{'':18}{'seconds':>9}{'rows/s':>14}{'peak RSS MB':>13}{'RSS - imports':>15}")
    for name, r in (("floor", floor), ("detect", det)):
        print(
            f"{name:18}{r['seconds']:9.2f}{rows / r['seconds']:14,.0f}{r['peak_rss'] / 1e6:13,.0f}{(r['peak_rss'] - base['peak_rss']) / 1e6:15,.0f}"
        )
    print(
        f"\ndetect / floor time:             {det['seconds'] / floor['seconds']:.2f}x   (goal <= 3x)"
    )
    print(
        f"detect peak RSS / needed columns: {det['peak_rss'] / (needed_mb * 1e6):.2f}x   (goal <= 2x; "
        f"{(det['peak_rss'] - base['peak_rss']) / (needed_mb * 1e6):.2f}x without the {base['peak_rss'] / 1e6:.0f} MB of imported libraries)"
    )
    print(f"events: {det['events']:,}   stats: {det['stats']}")


if __name__ == "__main__":
    main()
