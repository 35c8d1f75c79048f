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

    import navwatch as nw
    from navwatch.report import map_report, save_report

    t = time.perf_counter()
    obs = nw.read_observations([data])
    zones = nw.load_ports(ports, bundled=False)
    det = nw.detect_port_events(obs, zones, None, all_vessels=True, with_states=True)
    t_detect = time.perf_counter() - t

    t = time.perf_counter()
    m = map_report(det.states, det.events, zones, offline=True)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    out = save_report(m, work / "report.html")
    t_save = time.perf_counter() - t
    mb = out.stat().st_size / 1e6
    s = m.navwatch_summary

    print(
        f"positions: {len(obs):,} ({args.vessels} vessels); states rows: {len(det.states):,}; events: {len(det.events):,}"
    )
    print(
        f"track points kept: {s['points_kept']:,} of {s['points_in']:,}; vessels {s['vessels']}, events drawn {s['events']}, zones {s['zones']}"
    )
    print(f"read + detect:        {t_detect:7.2f} s   (not part of the report)")
    print(f"report build:         {t_build:7.2f} s   (map_report, offline)")
    print(f"report save:          {t_save:7.2f} s   (render + inline Leaflet + write)")
    print(f"HTML size:            {mb:7.2f} MB  (goal < 20 MB)   {out}")
    b = browser_load(out)
    if not b:
        print("browser load:         skipped (no `chromium` on PATH)")
        return
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


if __name__ == "__main__":
    main()
