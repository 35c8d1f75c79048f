"""Benchmark: the HTML map report on 1 M AIS positions — build time, file size, browser load time.

Run:  .venv/bin/python bench/bench_report.py [--rows 1000000] [--vessels 200]

It generates a synthetic archive with bench_detect.py's generator (vessels sailing between 20
ports, mooring with GPS jitter, 2 % duplicates, rare position jumps: 200 vessels x 5000 fixes by
default), runs detection with ``with_states=True``, then measures:

* build:   ``navwatch.map_report(..., offline=True)`` (thinning, popups, data island);
* save:    ``navwatch.report.save_report`` (render + inline Leaflet + write);
* size:    the HTML file in MB (goal < 20 MB);
* load:    headless Debian Chromium (Playwright, network blocked) from navigation to the page's
           ``load`` event, to the report being drawn (``window.navwatchReady``) and to the page
           settled (no zoom animation left, two frames painted: what a reader waits for).

Then the same with activity at sea: :func:`navwatch.activity.detect_activity` over the same
positions (the generator's ships only moor in ports and sail between them: it finds almost
nothing), plus ``--activity-events`` synthetic events (default 5,000, as an --all-vessels
archive gives; gaps, loitering, encounters, replenishments, spoofing, identity changes at the
archive's own fixes), drawn under the report's cap (1,000). It prints the HTML size and the
settled time with and without them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_detect import generate  # noqa: E402  (same synthetic archive as the detect benchmark)

FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))))"


def browser_load(path: Path) -> dict:
    from navwatch.report._png import chromium, chromium_executable

    if not chromium_executable():
        return {}
    with chromium() as b:
        page = b.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        t = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
        t_load = time.perf_counter() - t
        page.wait_for_function("window.navwatchReady === true", timeout=120_000)
        t_ready = time.perf_counter() - t
        # settled: no zoom animation left and two frames painted (work Leaflet defers past "ready")
        page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')", timeout=120_000)
        page.evaluate(FRAMES)
        t_settled = time.perf_counter() - t
        t_script = page.evaluate("window.navwatchBuildMs") / 1000.0
        counts = page.evaluate("""() => ({vessels: document.querySelectorAll('path.nw-vessel').length,
            tracks: window.navwatchTrackCount(),
            event_markers: document.querySelectorAll('path.nw-event').length,
            activity: window.navwatchActivityCount(),
            land_canvas: document.querySelectorAll('.leaflet-nwLand-pane canvas').length})""")
        # one replay step: move the slider to the middle of the period
        t = time.perf_counter()
        page.evaluate("""() => { const r = document.querySelector('#nw-slider input[type=range]');
            r.value = (+r.min + +r.max) / 2; r.dispatchEvent(new Event('input')); }""")
        t_step = time.perf_counter() - t
        page.screenshot(path=str(path.with_suffix(".png")))
    return {
        "load": t_load,
        "ready": t_ready,
        "settled": t_settled,
        "script": t_script,
        "step": t_step,
        "counts": counts,
        "errors": errors,
    }


def synthetic_activity(obs, n: int, seed: int = 0):
    """``n`` activity events at random fixes of ``obs`` (an activity table, ``schema.ACTIVITY``
    columns the report reads): the volume an --all-vessels archive gives, for the layers' cost."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    kinds = np.array(
        ["gap", "loitering", "encounter", "replenishment", "spoofing", "identity_change"]
    )
    kind = rng.choice(kinds, size=n, p=[0.5, 0.2, 0.1, 0.05, 0.1, 0.05])
    rows = rng.integers(0, len(obs), n)
    mmsi = obs["mmsi"].to_numpy()[rows].astype(np.int64)
    other = obs["mmsi"].to_numpy()[rng.integers(0, len(obs), n)].astype(np.int64)
    start = pd.to_datetime(obs["time"].to_numpy()[rows], utc=True)
    hours = np.where(kind == "gap", rng.uniform(6, 30, n), rng.uniform(0.5, 12, n))
    lat, lon = obs["lat"].to_numpy()[rows], obs["lon"].to_numpy()[rows]
    pair = np.isin(kind, ["encounter", "replenishment"])
    return pd.DataFrame(
        {
            "event_id": [f"synthetic-{i}" for i in range(n)],
            "event_type": kind,
            "vessel_id": [f"mmsi:{m}" for m in mmsi],
            "vessel_name": "",
            "mmsi": mmsi,
            "other_vessel_id": np.where(pair, [f"mmsi:{m}" for m in other], ""),
            "other_mmsi": np.where(pair, other, -1),
            "start": start,
            "end": start + pd.to_timedelta(hours, unit="h"),
            "lat": lat,
            "lon": lon,
            "end_lat": np.where(
                np.isin(kind, ["gap", "spoofing"]), lat + rng.normal(0, 0.5, n), np.nan
            ),
            "end_lon": np.where(
                np.isin(kind, ["gap", "spoofing"]), lon + rng.normal(0, 0.5, n), np.nan
            ),
            "radius_m": np.where(kind == "loitering", rng.uniform(200, 5000, n), np.nan),
            "confidence": rng.uniform(0.5, 1.0, n).round(2),
            "evidence": [f"off ais.parquet:{r}; on ais.parquet:{r + 40}" for r in rows],
            "flags": np.where(kind == "spoofing", "displaced", ""),
            "median_distance_m": np.where(pair, rng.uniform(50, 500, n), np.nan),
            "median_speed_kn": rng.uniform(0, 12, n),
            "distance_km": rng.uniform(10, 200, n),
            "likely_intentional": np.where(kind == "gap", rng.random(n) < 0.2, None),
            "field": np.where(kind == "identity_change", "name", ""),
            "old_value": np.where(kind == "identity_change", "OLD NAME", ""),
            "new_value": np.where(kind == "identity_change", "NEW NAME", ""),
        }
    )


def measure(label: str, m, out: Path, t_build: float) -> dict:
    """Save the report, open it in Chromium, print what it costs; returns the figures."""
    from navwatch.report import save_report

    t = time.perf_counter()
    save_report(m, out)
    t_save = time.perf_counter() - t
    mb = out.stat().st_size / 1e6
    s = m.navwatch_summary
    print(f"--- {label}")
    print(
        f"track points kept: {s['points_kept']:,} of {s['points_in']:,}; vessels {s['vessels']}, events drawn {s['events']}, zones {s['zones']}; "
        f"activity drawn {s['activity']:,} of {s['activity_in_period']:,}"
    )
    print(f"report build:         {t_build:7.2f} s   (map_report, offline)")
    print(f"report save:          {t_save:7.2f} s   (render + inline Leaflet + write)")
    print(f"HTML size:            {mb:7.2f} MB  (goal < 20 MB)   {out}")
    b = browser_load(out)
    if not b:
        print("browser load:         skipped (no `chromium` on PATH)")
        return {"mb": mb}
    print(f"browser load event:   {b['load']:7.2f} s")
    print(f"browser report ready: {b['ready']:7.2f} s   (Leaflet drew every layer; goal: seconds)")
    print(f"  of which the script: {b['script']:7.2f} s   (navwatchReport: land, layers, boxes)")
    print(
        f"browser settled:      {b['settled']:7.2f} s   (+ no zoom animation left, two frames painted)"
    )
    print(f"slider step:          {b['step']:7.2f} s   (replay to mid-period)")
    print(
        f"DOM: {b['counts']}; console/page errors: {len(b['errors'])}; screenshot {out.with_suffix('.png')}"
    )
    return {"mb": mb, "settled": b["settled"]}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="positions before duplicates are added (default 1 M)",
    )
    ap.add_argument("--vessels", type=int, default=200)
    ap.add_argument(
        "--activity-events",
        type=int,
        default=5000,
        help="synthetic activity events added to those detected (default 5,000; 0: none)",
    )
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep generated data and the report here (default: a temp dir)",
    )
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="navwatch-bench-report-"))
    work.mkdir(parents=True, exist_ok=True)
    data, ports = work / "ais.parquet", work / "ports.csv"
    if not data.exists():
        generate(data, ports, args.rows, args.vessels)

    import pandas as pd

    import navwatch as nw
    from navwatch.activity import detect_activity
    from navwatch.report import map_report

    t = time.perf_counter()
    obs = nw.read_observations([data])
    zones = nw.load_ports(ports, bundled=False)
    det = nw.detect_port_events(obs, zones, None, all_vessels=True, with_states=True)
    t_detect = time.perf_counter() - t
    print(
        f"positions: {len(obs):,} ({args.vessels} vessels); states rows: {len(det.states):,}; events: {len(det.events):,}"
    )
    print(f"read + detect:        {t_detect:7.2f} s   (not part of the report)")

    t = time.perf_counter()
    m = map_report(det.states, det.events, zones, offline=True)
    plain = measure("without activity", m, work / "report.html", time.perf_counter() - t)

    t = time.perf_counter()
    found = detect_activity(obs, zones, None)
    t_activity = time.perf_counter() - t
    act = pd.concat([found, synthetic_activity(obs, args.activity_events)], ignore_index=True)
    print(
        f"activity detection:   {t_activity:7.2f} s   ({len(found):,} events found; "
        f"+ {args.activity_events:,} synthetic)"
    )
    t = time.perf_counter()
    m = map_report(det.states, det.events, zones, offline=True, activity=act)
    with_act = measure("with activity", m, work / "report_activity.html", time.perf_counter() - t)
    if "settled" in plain and "settled" in with_act:
        print(
            f"=== activity layers: +{with_act['mb'] - plain['mb']:.2f} MB "
            f"({plain['mb']:.2f} -> {with_act['mb']:.2f}), settled {plain['settled']:.2f} -> "
            f"{with_act['settled']:.2f} s"
        )


if __name__ == "__main__":
    main()
