"""Benchmark: satellite detections as evidence, against simulated ground truth (issue 15).

Run:  .venv/bin/python bench/bench_imagery.py [--seeds 4] [--first-seed 1] [--vessels 40]
      [--days 8] [--ports 5] [--scenes-per-day 4] [--formats generic,gfw,skylight] [--check]

Per seed, :func:`navwatch.simulate.simulate` builds a world (ports with tiers, registry vessels
with and without AIS, merchants) and :func:`navwatch.simulate.simulate_imagery` lays scenes over
it (Sentinel-1, ICEYE, Sentinel-2, Planet, Maxar footprints; full, partial and missed ports;
clouds) and detects the vessels from their true positions (misses by size and sensor, position
and length noise, false alarms, and decoys either side of every matching threshold). The
simulator was written apart from the matcher and knows nothing of its rules. Each seed's files
are written in one of ``--formats`` in turn (GFW table with footprints, Skylight predictions +
scenes, generic CSV + GeoJSON scenes) and go through the user's path: ``navwatch.jobs`` reading
them (format judged by content), matching, surveys, detection.

Printed, all seeds pooled, measured in the same run:

* matching: AIS precision and recall (a detection matched to the right MMSI; ``ambiguous``
  detections are not matched), recall for detections with an AIS fix within 1 h, ambiguous
  calls (share, and how often the nearest track named was right), dark precision/recall,
  candidate accuracy (the true registry vessel among a dark detection's candidates), false
  alarms matched; per decoy;
* surveys: absent precision and recall (a false absence is the costly error), present
  precision/recall, coverage labels wrong;
* departure/arrival windows of registry vessels (``score_windows``): from imagery alone, from
  AIS alone, and from imagery + AIS: recall, precision, share of windows holding the true time,
  median window width and |time error|, for all events and for those of confidence >= 0.5
  (``_conf50``); imagery alone also against the events the scenes could show
  (``windows_imagery_imageable``, :func:`navwatch.simulate.imagery_scoring.imageable_truth`: a
  scene seeing the vessel in port on one side and one imaging the port without it on the
  other); the ratio imagery+AIS / AIS of recall;
* time: reading + matching + surveys per detection, and per scene.

Goals (next to each figure): AIS-match precision >= 0.95 and recall >= 0.9 (fix within 1 h);
absent precision >= 0.95; windows holding the true time >= 0.9. ``--check``: exit 1 when a goal
is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from navwatch.jobs import run_detect, run_imagery
from navwatch.simulate import (
    imageable_truth,
    score_matching,
    score_surveys,
    score_windows,
    simulate,
    simulate_imagery,
)

GOALS = {
    "ais_precision": 0.95,
    "ais_recall_1h": 0.9,
    "absent_precision": 0.95,
    "contain": 0.9,
}


def one_seed(seed: int, args, fmt: str, work: Path) -> dict:
    t0 = time.perf_counter()
    sc = simulate(seed, n_vessels=args.vessels, days=args.days, n_ports=args.ports, osint=False)
    isc = simulate_imagery(
        sc, seed=seed, scenes_per_day=args.scenes_per_day, sar_share=args.sar_share
    )
    d = work / f"seed{seed}-{fmt}"
    paths = isc.write(d, format=fmt)
    t_sim = time.perf_counter() - t0
    imagery_files = [p for k, p in paths.items() if k in ("detections", "scenes")]
    common = dict(registry=paths["vessels"], ports=paths["ports"])
    t1 = time.perf_counter()
    run = run_imagery([*imagery_files, paths["ais"]], **common)
    t_img = time.perf_counter() - t1
    ev = run.evidence
    res = {
        "seed": seed,
        "format": fmt,
        "scenes": len(ev.scenes),
        "detections": len(ev.detections),
        "t_sim": t_sim,
        "t_imagery": t_img,
        "matching": score_matching(ev.detections, isc),
        "surveys": score_surveys(ev.surveys, isc),
    }
    truth = isc.truth_events
    imageable = imageable_truth(isc)
    for name, inputs in (
        ("imagery", imagery_files),
        ("ais", [paths["ais"]]),
        ("imagery+ais", [*imagery_files, paths["ais"]]),
    ):
        det = run_detect(inputs, **common)
        res[f"windows_{name}"] = score_windows(det.events, truth)
        if name == "imagery":  # recall over what the scenes could show
            res["windows_imagery_imageable"] = score_windows(det.events, imageable)
        confident = det.events[det.events["confidence"] >= 0.5]
        res[f"windows_{name}_conf50"] = score_windows(confident, truth)
    return res


def _pool(rows: list[dict], key: str) -> dict:
    """Sum the counts and recompute the ratios of the scorer dicts under ``key``."""
    out: dict = {}
    for r in rows:
        for k, v in r[key].items():
            if isinstance(v, int | np.integer) and not isinstance(v, bool):
                out[k] = out.get(k, 0) + int(v)
    for k in list(rows[0][key]):
        if k not in out:
            vals = [
                r[key][k] for r in rows if isinstance(r[key][k], float) and np.isfinite(r[key][k])
            ]
            out[k] = float(np.mean(vals)) if vals else float("nan")
    return out


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if np.isfinite(v) else "n/a"
    return f"{v:,}" if isinstance(v, int) else str(v)


def report(rows: list[dict]) -> bool:
    ok = True
    print(f"seeds/format runs: {len(rows)}; scenes {sum(r['scenes'] for r in rows):,}, "
          f"detections {sum(r['detections'] for r in rows):,}")  # fmt: skip
    keys = ["matching", "surveys", "windows_imagery_imageable"] + [
        f"windows_{n}{c}" for n in ("imagery", "ais", "imagery+ais") for c in ("", "_conf50")
    ]
    for key in keys:
        pooled = _pool(rows, key)
        print(f"\n{key} (pooled; ratios are the mean over runs):")
        for k, v in pooled.items():
            if isinstance(v, dict):
                continue
            goal = GOALS.get(k) if key in ("matching", "surveys") or k == "contain" else None
            mark = ""
            if goal is not None and isinstance(v, float) and np.isfinite(v):
                met = v >= goal
                ok &= met or not key.startswith("windows_ais")
                mark = f"   (goal >= {goal}: {'met' if met else 'MISSED'})"
            print(f"  {k:32s} {_fmt(v)}{mark}")
    decoys: dict = {}
    for r in rows:
        for name, d in (r["matching"].get("by_decoy") or {}).items():
            acc = decoys.setdefault(name, [0, 0])
            acc[0] += int(d.get("n", 0))
            acc[1] += int(d.get("correct", 0))
    if decoys:
        print("\ndecoys (laid, handled as the truth says):")
        for name, (n, c) in sorted(decoys.items()):
            print(f"  {name:28s} {n:4d} {c:4d}")
    ra = _pool(rows, "windows_ais").get("recall", float("nan"))
    rb = _pool(rows, "windows_imagery+ais").get("recall", float("nan"))
    print(f"\nrecall imagery+AIS / AIS alone: {rb / ra if ra else float('nan'):.2f}x")
    n_det = sum(r["detections"] for r in rows)
    t_img = sum(r["t_imagery"] for r in rows)
    n_sc = sum(r["scenes"] for r in rows)
    print(f"time: read + match + surveys {t_img:.2f} s for {n_det:,} detections "
          f"({1e3 * t_img / max(n_det, 1):.2f} ms a detection, {1e3 * t_img / max(n_sc, 1):.1f} ms a scene); "
          f"simulation {sum(r['t_sim'] for r in rows):.1f} s")  # fmt: skip
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--vessels", type=int, default=40)
    ap.add_argument("--days", type=float, default=8.0)
    ap.add_argument("--ports", type=int, default=5)
    ap.add_argument("--scenes-per-day", type=float, default=4.0)
    ap.add_argument("--sar-share", type=float, default=0.6)
    ap.add_argument("--formats", default="generic,gfw,skylight")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    fmts = [f.strip() for f in args.formats.split(",") if f.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.seeds):
            seed = args.first_seed + i
            fmt = fmts[i % len(fmts)]
            r = one_seed(seed, args, fmt, Path(tmp))
            print(f"seed {seed} ({fmt}): {r['scenes']} scenes, {r['detections']} detections, "
                  f"AIS P {r['matching'].get('ais_precision', float('nan')):.3f} "
                  f"R(1h) {r['matching'].get('ais_recall_1h', float('nan')):.3f}, "
                  f"absent P {r['surveys'].get('absent_precision', float('nan')):.3f}", flush=True)  # fmt: skip
            rows.append(r)
    ok = report(rows)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    sys.exit(main())
