"""Benchmark: navwatch on the archive layouts users really hold (issue 12), against floors.

Run:  make bench-formats   (or)  .venv/bin/python bench/bench_formats.py [--rows 10000000]
          [--nmea-lines 1000000] [--vessels 2000] [--nmea-vessels 500] [--workdir DIR]
          [--formats noaa-parquet,noaa-csv,noaa-csv-zst,noaa-csv2,dma,nmea] [--quick]

It generates (bench/layouts.py; files in --workdir are reused) >= 10 M rows of each layout, the
same movement as bench/bench_detect.py (2000 vessels, 20 ports per region, moored with GPS
jitter, transits, 2 % duplicates, position jumps) plus each archive's own artefacts:

* noaa-parquet, noaa-csv, noaa-csv-zst, noaa-csv2: NOAA MarineCadastre (17 columns, text
  BaseDateTime, IMO ``IMO9869693``, Heading 511, legacy negative COG, class B rows) as Parquet
  (row groups of ~1 M), CSV, CSV in one zstd frame, and the 2024+ lower-case layout;
* dma: Danish Maritime Authority CSV (day-first times, text status, base-station rows,
  unavailable positions at latitude 91);
* nmea: >= 1 M raw ``!AIVDM`` lines behind ``\\s:rec1,c:<unix>*XX\\`` tag blocks (types 1/3/18,
  two-part type 5) with a second receiver ``rec2`` hearing 30 % of the messages again.

Then, per format, each in a fresh process run by a wrapper that times it (wall clock, process
start and imports included) and reads its peak RSS (``getrusage(RUSAGE_CHILDREN)``, one child):

* floor: pyarrow reads the needed columns (MMSI, time, lat, lon, SOG), parses the times
  (Parquet: cast of the text column; CSV: pyarrow's CSV reader with the column typed as a
  timestamp, ISO 8601 or day-first ``%d/%m/%Y %H:%M:%S``; zst through pyarrow's zstd stream),
  then one numpy lexsort by vessel and time. NMEA has two floors: pyais alone
  (``FileReaderStream`` + ``decode()`` of every message: tag blocks and two-part messages by
  pyais' own assembling; duplicates not dropped) and the bytes read by ``np.fromfile``;
* read: navwatch's reader alone, ``read_observations([FILE], columns=ANALYSIS_COLUMNS)`` as the
  CLI calls it (the goals on readers compare this with the floor);
* navwatch: the CLI as users run it, ``python -m navwatch detect FILE --ports PORTS
  --all-vessels -o OUT.parquet -q QUARANTINE.csv --no-progress`` (the bench ports are added to
  navwatch's 13 bundled zones, which lie far from the generated regions).

It prints per format: rows, floor and navwatch seconds and their ratio, navwatch's peak RSS and
the in-memory size of the needed columns (rows x 5 x 8 B) and their ratio, with the goals (Parquet
<= 2x the floor and peak RSS <= 2x the needed columns; CSV <= 2x the CSV floor; NMEA <= 0.2x
pyais); then what navwatch made of the rows (read, quarantined by reason, not vessels, duplicates,
vessels, events) next to what the generator planted, so a broken reader shows. The machine's
other load makes the figures indicative; ratios are measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_detect import BASELINE, measure  # noqa: E402

# name -> (generator layout, file name pattern, floor, needed columns: mmsi, time, lat, lon, sog)
NOAA_NEEDED = ["MMSI", "BaseDateTime", "LAT", "LON", "SOG"]
FORMATS = {
    "noaa-parquet": ("noaa", "noaa-{rows}x{vessels}.parquet", "parquet", NOAA_NEEDED),
    "noaa-csv": ("noaa", "noaa-{rows}x{vessels}.csv", "csv", NOAA_NEEDED),
    "noaa-csv-zst": ("noaa", "noaa-{rows}x{vessels}.csv.zst", "csv", NOAA_NEEDED),
    "noaa-csv2": (
        "noaa",
        "noaa2-{rows}x{vessels}.csv",
        "csv",
        ["mmsi", "base_date_time", "latitude", "longitude", "sog"],
    ),
    "dma": ("dma", "dma-{rows}x{vessels}.csv", "csv", ["MMSI", "# Timestamp", "Latitude", "Longitude", "SOG"]),
    "nmea": ("nmea", "ais-{lines}x{nmea_vessels}.nmea", "pyais", []),
}  # fmt: skip
NOAA_KIND = {
    "noaa-parquet": "parquet",
    "noaa-csv": "csv",
    "noaa-csv-zst": "csv-zst",
    "noaa-csv2": "csv2",
}
TIME_FORMAT = {"dma": "%d/%m/%Y %H:%M:%S"}  # the others: ISO 8601
GOALS = {"parquet": ("floor", 2.0), "csv": ("floor", 2.0), "pyais": ("pyais", 0.2)}

# The wrapper: runs exactly one child (argv as JSON), its output to a log file; prints wall time,
# exit code and the child's peak RSS (ru_maxrss of the waited-for children, in KiB on Linux).
RUN = """
import json, resource, subprocess, sys, time
argv = json.loads(sys.argv[1])
t = time.perf_counter()
with open(sys.argv[2], "wb") as log:
    rc = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": dt, "rc": rc, "peak_rss": rss}))
"""

PARQUET_FLOOR = """
import json, sys
import numpy as np, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
m, t, lat, lon, sog = json.loads(sys.argv[2])
tab = pq.read_table(sys.argv[1], columns=[m, t, lat, lon, sog])
ts = pc.cast(tab[t], pa.timestamp("s"))
order = np.lexsort((ts.to_numpy().astype("int64"), tab[m].to_numpy()))
print(json.dumps({"rows": len(order), "nulls": ts.null_count}))
"""

CSV_FLOOR = """
import json, sys
import numpy as np, pyarrow as pa, pyarrow.csv as pacsv
m, t, lat, lon, sog = json.loads(sys.argv[2])
parsers = [sys.argv[3]] if sys.argv[3] else [pacsv.ISO8601]
src = pa.input_stream(sys.argv[1], compression="zstd" if sys.argv[1].endswith(".zst") else None)
opts = pacsv.ConvertOptions(include_columns=[m, t, lat, lon, sog],
                            column_types={t: pa.timestamp("s")}, timestamp_parsers=parsers)
tab = pacsv.read_csv(src, convert_options=opts)
order = np.lexsort((tab[t].to_numpy().astype("int64"), tab[m].to_numpy()))
print(json.dumps({"rows": len(order), "nulls": tab[t].null_count}))
"""

PYAIS_FLOOR = """
import json, sys
from pyais.stream import FileReaderStream
n = 0
for msg in FileReaderStream(sys.argv[1]):
    msg.decode()
    n += 1
print(json.dumps({"rows": n}))
"""

IO_FLOOR = """
import json, sys
import numpy as np
buf = np.fromfile(sys.argv[1], dtype=np.uint8)
print(json.dumps({"rows": int(np.count_nonzero(buf == 10)), "bytes": len(buf)}))
"""

GENERATE = f"""
import json, sys, time
sys.path.insert(0, {str(HERE)!r})
import layouts
from pathlib import Path
layout, size, vessels = sys.argv[1], int(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
if layout == "noaa":
    m = layouts.write_noaa({{k: Path(p) for k, p in json.loads(sys.argv[2]).items()}}, size, vessels)
elif layout == "dma":
    m = layouts.write_dma(Path(sys.argv[2]), size, vessels)
else:
    m = layouts.write_nmea(Path(sys.argv[2]), size, vessels)
print(json.dumps({{"seconds": time.perf_counter() - t, "manifest": m}}))
"""


def generate(names: list[str], work: Path, sizes: dict) -> dict[str, float]:
    """Write the files of ``names`` that are missing (one pass for all NOAA ones); returns the
    generation time per layout."""
    took: dict[str, float] = {}
    paths = {n: work / FORMATS[n][1].format(**sizes) for n in names}
    noaa = {NOAA_KIND[n]: str(p) for n, p in paths.items() if n in NOAA_KIND and not p.exists()}
    if noaa:
        r = measure(GENERATE, "noaa", json.dumps(noaa), str(sizes["rows"]), str(sizes["vessels"]))
        took["noaa (" + ", ".join(noaa) + ")"] = r["seconds"]
    for n in ("dma", "nmea"):
        if n in paths and not paths[n].exists():
            size = sizes["rows"] if n == "dma" else sizes["lines"]
            vessels = sizes["vessels"] if n == "dma" else sizes["nmea_vessels"]
            r = measure(GENERATE, n, str(paths[n]), str(size), str(vessels))
            took[n] = r["seconds"]
            if n == "nmea":
                print(f"nmea self-check: {r['manifest']['self_check']}")
    for label, s in took.items():
        print(f"generated {label} in {s:.1f} s")
    return took


def run(argv: list[str], log: Path) -> dict:
    """Run ``argv`` under the wrapper: seconds, rc, peak_rss, and the child's last JSON line."""
    r = measure(RUN, json.dumps(argv), str(log))
    text = log.read_text(errors="replace")
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if last.startswith("{"):
        r |= json.loads(last)
    r["log"] = str(log)
    return r


def floors(name: str, path: Path, logs: Path) -> list[tuple[str, dict]]:
    """The floor(s) of one format, each in a fresh process."""
    py = sys.executable
    _, _, kind, needed = FORMATS[name]
    if kind == "parquet":
        return [
            (
                "floor",
                run(
                    [py, "-c", PARQUET_FLOOR, str(path), json.dumps(needed)],
                    logs / f"{name}.floor.log",
                ),
            )
        ]
    if kind == "csv":
        argv = [py, "-c", CSV_FLOOR, str(path), json.dumps(needed), TIME_FORMAT.get(name, "")]
        return [("floor", run(argv, logs / f"{name}.floor.log"))]
    return [
        ("pyais", run([py, "-c", PYAIS_FLOOR, str(path)], logs / f"{name}.pyais.log")),
        ("I/O", run([py, "-c", IO_FLOOR, str(path)], logs / f"{name}.io.log")),
    ]  # fmt: skip


READ = """
import json, sys
import navwatch as nw
obs = nw.read_observations([sys.argv[1]], columns=nw.schema.ANALYSIS_COLUMNS)
print(json.dumps({"rows": len(obs)}))
"""


def reader(name: str, path: Path, out: Path) -> dict:
    """navwatch's reader alone, as the CLI calls it (the columns detection reads)."""
    return run([sys.executable, "-c", READ, str(path)], out / f"{name}.read.log")


def navwatch(name: str, path: Path, ports: Path, out: Path) -> dict:
    """The CLI on one file; its summary, events and quarantine counts."""
    events, quarantine = out / f"{name}.events.parquet", out / f"{name}.quarantine.csv"
    for p in (events, quarantine):
        p.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "navwatch", "detect", str(path), "--ports", str(ports),
            "--all-vessels", "-o", str(events), "-q", str(quarantine), "--no-progress"]  # fmt: skip
    r = run(argv, out / f"{name}.navwatch.log")
    r["summary"] = parse_summary(Path(r["log"]).read_text(errors="replace"))
    r["events"] = _parquet_rows(events)
    r["quarantine"] = _codes(quarantine)
    return r


LABELS = {
    "observations used": "used",
    "duplicate fixes dropped": "duplicates",
    "position jumps quarantined": "jumps",
    "vessels tracked": "vessels",
    "departures": "departures",
    "arrivals": "arrivals",
}


def parse_summary(text: str) -> dict:
    """The numbers of ``navwatch detect``'s printed summary (Rich tables, 160 columns)."""
    num = r"([\d,]+)"
    s: dict = {}
    for label, key in LABELS.items():
        m = re.search(rf"│ {re.escape(label)}\s*│\s*{num}\s*│", text)
        if m:
            s[key] = int(m.group(1).replace(",", ""))
    m = re.search(rf"│ \S+\s*│ (\w+)\s*│\s*{num}\s*│\s*{num}\s*│\s*{num}\s*│", text)
    if m:
        s["format"] = m.group(1)
        s["read"], s["quarantined"], s["not_vessels"] = (
            int(g.replace(",", "")) for g in m.groups()[1:]
        )
    m = re.search(r"skipped, not vessels[^:]*: (.*)", text)
    if m:
        s["not_vessels_by_class"] = m.group(1).strip()
    return s


def _parquet_rows(path: Path) -> int | None:
    import pyarrow.parquet as pq

    return pq.read_metadata(path).num_rows if path.exists() else None


def _codes(path: Path) -> dict[str, int]:
    """Quarantined rows by code (empty when navwatch wrote no quarantine file)."""
    if not path.exists():
        return {}
    import pyarrow.csv as pacsv

    tab = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=["code"]))
    counts = tab["code"].value_counts().to_pylist()
    return {c["values"]: c["counts"] for c in sorted(counts, key=lambda c: -c["counts"])}


def _manifest(path: Path) -> dict:
    p = path.with_name(path.name + ".json")
    return json.loads(p.read_text()) if p.exists() else {}


def _warm(path: Path) -> None:
    """Read the file once so the floor and navwatch both find it in the page cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def _ok(r: dict) -> bool:
    return r.get("rc") == 0


def _failed(what: str, r: dict) -> None:
    tail = Path(r["log"]).read_text(errors="replace").strip().splitlines()[-5:]
    print(f"  {what} FAILED (exit {r.get('rc')}), log {r['log']}:")
    for line in tail:
        print(f"    {line}")


def _x(ratio: float | None) -> str:
    return "failed" if ratio is None else f"{ratio:.2f}x"


def print_table(results: dict) -> None:
    """The figures: one row per format, goals next to them."""
    head = (f"{'format':14}{'file MB':>9}{'rows':>13}{'floor s':>9}{'read s':>8}{'ratio':>7}{'navwatch s':>12}{'ratio':>8}"
            f"{'goal':>13}{'floor RSS':>11}{'navwatch RSS':>14}{'needed MB':>11}{'RSS ratio':>11}{'goal':>12}")  # fmt: skip
    print("\n" + head)
    for name, r in results.items():
        kind = FORMATS[name][2]
        base, goal = GOALS[kind]
        fl, nw = r["floors"][0][1], r["navwatch"]
        rows = r["manifest"].get("rows") if kind == "pyais" else fl.get("rows")
        rows = rows or nw["summary"].get("read") or 0
        needed = rows * 8 * 5 / 1e6
        ratio = nw["seconds"] / fl["seconds"] if _ok(fl) and _ok(nw) else None
        rd = r["read"]
        read_ratio = rd["seconds"] / fl["seconds"] if _ok(fl) and _ok(rd) else None
        rss = nw["peak_rss"] / (needed * 1e6) if _ok(nw) and needed else None
        time_goal = f"<= {goal:g}x " + ("-" if ratio is None else "met" if ratio <= goal else "no")
        rss_goal = (
            "-" if kind != "parquet" or rss is None else "<= 2x " + ("met" if rss <= 2 else "no")
        )
        print(
            f"{name:14}{r['size'] / 1e6:9,.0f}{rows:13,}{fl['seconds']:9.2f}{rd['seconds']:8.2f}"
            f"{_x(read_ratio):>7}{nw['seconds']:12.2f}"
            f"{_x(ratio):>8}{time_goal:>13}{fl['peak_rss'] / 1e6:11,.0f}{nw['peak_rss'] / 1e6:14,.0f}"
            f"{needed:11,.0f}{_x(rss):>11}{rss_goal:>12}"
        )
        for label, f in r["floors"][1:]:
            print(f"{'':14}{label} floor: {f['seconds']:.2f} s (navwatch / {label} = "
                  f"{nw['seconds'] / f['seconds']:.1f}x)")  # fmt: skip
    print("read = navwatch's reader alone (read_observations of the columns detection uses); "
          "navwatch = `navwatch detect --all-vessels` (read, detect, write)")  # fmt: skip
    print("ratio = navwatch s / floor s (NMEA: / pyais); RSS ratio = navwatch peak RSS / needed MB "
          "(rows x 5 columns x 8 B); MB = 1e6 bytes; whole processes, imports included")  # fmt: skip


def print_rows(results: dict) -> None:
    """What navwatch made of the rows, next to what the generator planted."""
    print("\nwhat navwatch made of the rows (planted = written by bench/layouts.py):")
    for name, r in results.items():
        nw, s, m = r["navwatch"], r["navwatch"]["summary"], r["manifest"]
        if not _ok(nw):
            _failed(f"{name}: navwatch", nw)
            continue
        q = ", ".join(f"{k} {v:,}" for k, v in nw["quarantine"].items()) or "none"
        print(
            f"  {name:13} read {s.get('read', '?'):,} as {s.get('format', '?')}, used "
            f"{s.get('used', '?'):,}; quarantined {s.get('quarantined', 0) + s.get('jumps', 0):,} "
            f"({q}); not vessels {s.get('not_vessels', '?'):,}"
            + (f" ({s['not_vessels_by_class']})" if "not_vessels_by_class" in s else "")
            + f"; duplicates dropped {s.get('duplicates', '?'):,}; vessels {s.get('vessels', '?'):,};"
            f" events {nw['events'] if nw['events'] is not None else '?':,} "
            f"({s.get('departures', '?'):,} departures, {s.get('arrivals', '?'):,} arrivals)"
        )
        extra = (f", lines {m['lines']:,}, type 5 messages {m['statics']:,}, rec2 copies of position "
                 f"reports {m['duplicates']:,} (dropped by the reader, not counted above)"
                 if m.get("layout") == "nmea" else f", duplicates {m.get('duplicates', 0):,}")  # fmt: skip
        print(
            f"  {'':13} planted: rows {m.get('rows', 0):,}{extra}, position jumps "
            f"{m.get('jumps', 0):,} (judged by the detector), unavailable positions "
            f"{m.get('bad_positions', 0):,}, non-vessel rows {m.get('non_vessel', 0):,}, vessels "
            f"{m.get('vessels', 0):,}"
        )
    print("  (quarantined = the reader's rejects + the detector's position jumps; logs and outputs"
          " are in the workdir's out/)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--rows",
        type=int,
        default=None,
        help="fixes per table layout before duplicates (default 10 M; --quick 1 M)",
    )
    ap.add_argument(
        "--nmea-lines", type=int, default=None, help="NMEA lines (default 1 M; --quick 200 k)"
    )
    ap.add_argument(
        "--vessels",
        type=int,
        default=None,
        help="vessels of the table layouts (default 2000; --quick 200)",
    )
    ap.add_argument(
        "--nmea-vessels",
        type=int,
        default=None,
        help="vessels of the NMEA file (default vessels / 4: ~25 h of 1-min fixes each)",
    )
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep generated data here, reuse it (default: a temp dir)",
    )
    ap.add_argument(
        "--formats", default=",".join(FORMATS), help=f"comma-separated, from {', '.join(FORMATS)}"
    )
    ap.add_argument(
        "--quick", action="store_true", help="a fast check: 1 M rows, 200 k NMEA lines, 200 vessels"
    )
    args = ap.parse_args()  # fmt: skip
    names = [n.strip() for n in args.formats.split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        ap.error(f"unknown format(s) {unknown}; choose from {list(FORMATS)}")
    vessels = args.vessels or (200 if args.quick else 2_000)
    sizes = dict(rows=args.rows or (1_000_000 if args.quick else 10_000_000), vessels=vessels,
                 lines=args.nmea_lines or (200_000 if args.quick else 1_000_000),
                 nmea_vessels=args.nmea_vessels or max(1, vessels // 4))  # fmt: skip
    work = args.workdir or Path(tempfile.mkdtemp(prefix="navwatch-bench-formats-"))
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    import layouts

    ports = work / "ports.csv"
    layouts.write_ports(ports)
    t = time.perf_counter()
    generate(names, work, sizes)
    print(f"workdir {work} (generation {time.perf_counter() - t:.1f} s); ports {ports}")
    base = measure(BASELINE)
    results = {}
    for name in names:
        path = work / FORMATS[name][1].format(**sizes)
        _warm(path)
        results[name] = dict(size=path.stat().st_size, manifest=_manifest(path),
                             floors=floors(name, path, out), read=reader(name, path, out),
                             navwatch=navwatch(name, path, ports, out))  # fmt: skip
        for label, f in results[name]["floors"]:
            if not _ok(f):
                _failed(f"{name}: {label} floor", f)
    print_table(results)
    print(
        f"imports alone (pyarrow, numpy, pandas, shapely, geopandas, navwatch): peak RSS {base['peak_rss'] / 1e6:,.0f} MB"
    )
    print_rows(results)


if __name__ == "__main__":
    main()
