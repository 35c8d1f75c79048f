"""Benchmark of the scale-out engines (issue 5), measured in one run.

Run:  .venv/bin/python bench/bench_scale.py [--rows 10000000] [--workdir DIR]
Needs the Dask extra and MovingPandas (benchmark only):
      .venv/bin/pip install -e '.[dask]' movingpandas

It generates a synthetic AIS archive with bench/bench_detect.py's generator (>= 10 M rows:
vessels moored with GPS jitter, sailing between 20 ports, duplicates, position jumps) as a
Parquet dataset folder of 10 part files (200 vessels each, rows in random order), then
measures, each in a fresh process, detection with --all-vessels semantics on it:

* in-memory:   navwatch.read_observations + detect_port_events;
* out-of-core: detect_partitioned with --memory-limit-mb set to a quarter of the in-memory size
               of the observation table (so the dataset is >= 3x the bound); prints the bound,
               that size and the peak RSS of the process;
* dask:        detect_dask on a LocalCluster(n_workers=2, processes=True), the cluster start
               included;

and checks that the three give identical events. Then on the first part file (>= 1 M rows,
200 complete vessel tracks) it compares navwatch (read + detect) with MovingPandas, which has no
port concept: TrajectoryCollection + TrajectoryStopDetector.get_stop_points (max_diameter 3 km,
min_duration 30 min = navwatch's min_dwell_min, n_processes=2, i.e. both cores) + a spatial join
of the stop points with the same port zones. A stop inside a port is a port call: its start is
an arrival and its end a departure (the documented way to get port calls out of MovingPandas).
Reading the Parquet file is timed for both; imports are not.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_detect import PEAK, generate, measure  # noqa: E402

VESSELS_PER_PART = 200

# Every measured process prints one JSON line (PEAK, measure: bench_detect.py). DIGEST: a hash of
# the events table in a canonical order, so engines can be compared across processes.

DIGEST = (
    PEAK
    + """
def digest(events):
    import hashlib
    from navwatch.testing import events_key
    return hashlib.sha1(events_key(events).to_csv(index=False).encode()).hexdigest()[:12]
"""
)

MEMORY = (
    DIGEST
    + """
import json, sys, time
t = time.perf_counter()
import navwatch as nw
obs = nw.read_observations([sys.argv[1]])
zones = nw.load_ports(sys.argv[2], bundled=False)
det = nw.detect_port_events(obs, zones, None, all_vessels=True)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": len(obs), "events": len(det.events), "digest": digest(det.events),
                  "table_bytes": int(obs.memory_usage(deep=True).sum()),
                  "peak_rss": peak_rss()}))
"""
)

OUT_OF_CORE = (
    DIGEST
    + """
import json, sys, time
t = time.perf_counter()
import navwatch as nw
from navwatch.scale import detect_partitioned
zones = nw.load_ports(sys.argv[2], bundled=False)
det = detect_partitioned([sys.argv[1]], zones, None, all_vessels=True, memory_limit_mb=float(sys.argv[3]))
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": det.stats["rows_in"], "events": len(det.events), "digest": digest(det.events),
                  "buckets": det.stats["buckets"], "jobs": det.stats["jobs"], "max_job_rows": det.stats["max_job_rows"],
                  "peak_rss": peak_rss()}))
"""
)

DASK = (
    DIGEST
    + """
import json, sys, time

if __name__ == "__main__":
    t = time.perf_counter()
    import navwatch as nw
    from distributed import Client
    from navwatch.scale.dask_engine import detect_dask, local_cluster
    with local_cluster(2) as cluster, Client(cluster) as client:  # detect_dask's default cluster
        started = time.perf_counter() - t
        zones = nw.load_ports(sys.argv[2], bundled=False)
        det = detect_dask([sys.argv[1]], zones, None, all_vessels=True, scheduler=client)
        dt = time.perf_counter() - t
        peaks = sorted(client.run(peak_rss).values())
    print(json.dumps({"seconds": dt, "startup": started, "rows": det.stats["rows_in"], "events": len(det.events),
                      "digest": digest(det.events), "buckets": det.stats["buckets"], "jobs": det.stats["jobs"],
                      "read_tasks": det.stats["read_tasks"], "worker_peak_rss": peaks,
                      "peak_rss": peak_rss()}))
"""
)

NAVWATCH_SLICE = """
import json, sys, time
import navwatch as nw
zones = nw.load_ports(sys.argv[2], bundled=False)
t = time.perf_counter()
obs = nw.read_observations([sys.argv[1]])
det = nw.detect_port_events(obs, zones, None, all_vessels=True)
dt = time.perf_counter() - t
ev = det.events
print(json.dumps({"seconds": dt, "rows": len(obs), "departures": int((ev["event"] == "departure").sum()),
                  "arrivals": int((ev["event"] == "arrival").sum())}))
"""

MOVINGPANDAS = """
import json, sys, time, warnings
from datetime import timedelta
warnings.simplefilter("ignore")
import geopandas as gpd, pandas as pd, movingpandas as mpd
import navwatch as nw

if __name__ == "__main__":
    zones = nw.load_ports(sys.argv[2], bundled=False)[["port", "geometry"]]
    t = time.perf_counter()
    df = pd.read_parquet(sys.argv[1], columns=["mmsi", "time", "lat", "lon", "sog_kn"])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    tc = mpd.TrajectoryCollection(gdf, traj_id_col="mmsi", t="time")
    stops = mpd.TrajectoryStopDetector(tc, n_processes=2).get_stop_points(max_diameter=3000, min_duration=timedelta(minutes=30))
    calls = gpd.sjoin(stops.reset_index(drop=True), zones, predicate="within")  # stops in a port = port calls
    dt = time.perf_counter() - t
    print(json.dumps({"seconds": dt, "rows": len(df), "stops": len(stops), "port_calls": len(calls)}))
"""

BASELINE = (
    PEAK
    + """
import json
import pyarrow, numpy, pandas, shapely, geopandas, navwatch
print(json.dumps({"peak_rss": peak_rss()}))
"""
)


def make_dataset(work: Path, rows: int, vessels: int) -> tuple[Path, Path, Path]:
    """The archive as a folder of part files of VESSELS_PER_PART vessels each, and its ports."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder, ports, single = work / "ais", work / "ports.csv", work / "ais.parquet"
    if not folder.exists():
        t = time.perf_counter()
        generate(single, ports, rows, vessels)
        table = pq.read_table(single)
        folder.mkdir()
        mmsi0 = 200_000_000  # the generator's first MMSI
        for i, v0 in enumerate(range(0, vessels, VESSELS_PER_PART)):
            m = table.column("mmsi")
            part = table.filter(
                pc.and_(pc.greater_equal(m, mmsi0 + v0), pc.less(m, mmsi0 + v0 + VESSELS_PER_PART))
            )
            pq.write_table(part, folder / f"part-{i:03d}.parquet", row_group_size=1_000_000)
        del table
        single.unlink()
        size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
        print(f"generated {folder} ({size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    return folder, ports, folder / "part-000.parquet"


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
    ap.add_argument(
        "--vessels", type=int, default=2_000, help="vessels (default 2,000; part files of 200)"
    )
    ap.add_argument(
        "--workdir", type=Path, default=None, help="keep generated data here (default: a temp dir)"
    )
    ap.add_argument(
        "--skip-movingpandas", action="store_true", help="skip the MovingPandas comparison"
    )
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="navwatch-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    data, ports, part0 = make_dataset(work, args.rows, args.vessels)
    t_all = time.perf_counter()
    load0 = os.getloadavg()[0]

    base = measure(BASELINE)
    mem = measure(MEMORY, str(data), str(ports))
    table_mb = mem["table_bytes"] / 1e6
    limit_mb = int(table_mb / 4)
    ooc = measure(OUT_OF_CORE, str(data), str(ports), str(limit_mb))
    dsk = measure(DASK, str(data), str(ports))
    rows = mem["rows"]

    print(
        f"\n== engines on {rows:,} rows ({data}, {len(list(data.glob('*.parquet')))} part files), {os.cpu_count()} CPUs =="
    )
    print(f"{'':14}{'seconds':>9}{'rows/s':>13}{'peak RSS MB':>13}   notes")
    print(
        f"{'in-memory':14}{mem['seconds']:9.2f}{rows / mem['seconds']:13,.0f}{mem['peak_rss'] / 1e6:13,.0f}"
    )
    print(
        f"{'out-of-core':14}{ooc['seconds']:9.2f}{rows / ooc['seconds']:13,.0f}{ooc['peak_rss'] / 1e6:13,.0f}   "
        f"--memory-limit-mb {limit_mb}: {ooc['buckets']} buckets, {ooc['jobs']} jobs, largest {ooc['max_job_rows']:,} rows"
    )
    print(
        f"{'dask':14}{dsk['seconds']:9.2f}{rows / dsk['seconds']:13,.0f}{dsk['peak_rss'] / 1e6:13,.0f}   "
        f"LocalCluster(2 workers x 1 thread), start {dsk['startup']:.1f} s incl.; {dsk['read_tasks']} read tasks, "
        f"{dsk['jobs']} jobs; worker peak RSS {', '.join(f'{p / 1e6:,.0f}' for p in dsk['worker_peak_rss'])} MB"
    )
    print("(seconds from process start: imports, reading the Parquet folder, detection)")
    same = (
        mem["digest"] == ooc["digest"] == dsk["digest"]
        and mem["events"] == ooc["events"] == dsk["events"]
    )
    print(
        f"events: {mem['events']:,}; identical across the three engines: {'yes' if same else 'NO'} "
        f"(digests {mem['digest']} / {ooc['digest']} / {dsk['digest']})"
    )
    print(
        f"dask / in-memory throughput: {mem['seconds'] / dsk['seconds']:.2f}x;  "
        f"out-of-core / in-memory: {mem['seconds'] / ooc['seconds']:.2f}x"
    )

    print("\n== out-of-core peak memory ==")
    print(f"observation table in memory (in-memory run): {table_mb:,.0f} MB")
    print(
        f"memory bound (--memory-limit-mb):            {limit_mb:,} MB   -> dataset = {table_mb / limit_mb:.1f}x the bound"
    )
    above = (ooc["peak_rss"] - base["peak_rss"]) / 1e6
    print(
        f"out-of-core peak RSS:                        {ooc['peak_rss'] / 1e6:,.0f} MB total, {above:,.0f} MB above the "
        f"{base['peak_rss'] / 1e6:,.0f} MB of imported libraries (= {above / limit_mb:.1f}x the bound, "
        f"{above / table_mb:.2f}x the dataset)"
    )
    print(f"in-memory peak RSS, for comparison:          {mem['peak_rss'] / 1e6:,.0f} MB")

    if not args.skip_movingpandas:
        nav = measure(NAVWATCH_SLICE, str(part0), str(ports))
        mp = measure(MOVINGPANDAS, str(part0), str(ports))
        assert nav["rows"] == mp["rows"], (nav["rows"], mp["rows"])
        print(
            f"\n== MovingPandas on identical input: {part0.name}, {mp['rows']:,} rows, {VESSELS_PER_PART} vessels =="
        )
        print(
            f"navwatch read + detect:                         {nav['seconds']:8.2f} s  {nav['rows'] / nav['seconds']:12,.0f} rows/s  "
            f"({nav['departures']:,} departures, {nav['arrivals']:,} arrivals)"
        )
        print(
            f"MovingPandas read + TrajectoryCollection\n  + TrajectoryStopDetector(n_processes=2) + sjoin: {mp['seconds']:8.2f} s  "
            f"{mp['rows'] / mp['seconds']:12,.0f} rows/s  ({mp['stops']:,} stops, {mp['port_calls']:,} in a port)"
        )
        print(
            f"navwatch / MovingPandas speed: {mp['seconds'] / nav['seconds']:,.0f}x   (goal >= 100x)"
        )
    print(
        f"\nbenchmark wall time (without data generation): {time.perf_counter() - t_all:.0f} s; "
        f"1-min load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs "
        "(other work on the machine slows every figure)"
    )


if __name__ == "__main__":
    main()
