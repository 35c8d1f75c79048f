"""Benchmark: activity-at-sea detection against simulated ground truth (navwatch.simulate.activity).

Run:  .venv/bin/python bench/bench_activity.py [--seeds 5] [--vessels 40] [--days 6] [--ports 4]
      [--first-seed 1] [--check]

For each seed it builds a scenario with :func:`navwatch.simulate.activity.simulate_activity`
(encounters, replenishments, loitering, AIS gaps, spoofing, jamming and identity changes at
random places and times, high latitudes and the antimeridian at random; a decoy just either side
of every threshold; AIS faults) and, when ``navwatch.activity`` exists, runs
``navwatch.activity.detect_activity(obs, zones, registry)`` on the observations, then scores it
with :func:`~navwatch.simulate.activity.score_activity`:

* per event type, all seeds pooled: truth, found, false, missed, precision, recall, median and
  90th-percentile |start error| and median |end error| (minutes), the ``likely_intentional``
  accuracy of gaps, spoofing detections that were really jamming;
* per decoy: how many were laid, whether each is truth, and how many fooled the detector (an
  event where there is none, or none where there is one, or the wrong intent of a gap);
* the time to simulate and to detect.

``detect_activity`` may return the events table or an object with an ``events`` attribute; the
table needs ``event_type, mmsi, other_mmsi, start, end`` (and ``vessels`` for jamming,
``likely_intentional`` for gaps; see :mod:`navwatch.simulate.activity.scoring`).

Without a detector it prints what the scenarios hold (truth per type, decoys) and says so.

Goals (next to each figure): precision and recall >= 0.95 per type, median |start error|
<= 15 min. Exit status 0 (a benchmark), or with ``--check`` 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import navwatch  # noqa: E402
from navwatch.simulate.activity import EVENT_TYPES, score_activity, simulate_activity  # noqa: E402

GOALS = {"precision": 0.95, "recall": 0.95, "start_err_med_min": 15.0}


def detector():
    """``navwatch.activity.detect_activity``, or None when this checkout has none yet.

    A ``navwatch.activity`` outside the directory of the ``navwatch`` imported (an editable
    install's fallback to another checkout) is not this checkout's detector: not used.
    """
    spec = importlib.util.find_spec("navwatch.activity")
    if spec is None or spec.origin is None:
        return None
    here = Path(navwatch.__file__).resolve().parent
    if not Path(spec.origin).resolve().is_relative_to(here):
        print(f"(navwatch.activity at {spec.origin} is another checkout's: not used)")
        return None
    return getattr(importlib.import_module("navwatch.activity"), "detect_activity", None)


def events_of(result) -> pd.DataFrame:
    return result if isinstance(result, pd.DataFrame) else result.events


def run_seed(seed: int, args, detect) -> dict:
    t = time.perf_counter()
    sc = simulate_activity(seed, n_vessels=args.vessels, days=args.days, n_ports=args.ports)
    out = {"seed": seed, "sc": sc, "t_sim": time.perf_counter() - t, "rows": len(sc.obs)}
    if detect is not None:
        t = time.perf_counter()
        det = events_of(detect(sc.obs, sc.zones, sc.registry))
        out["t_det"] = time.perf_counter() - t
        out["score"] = score_activity(det, sc)
    return out


def pooled(results: list[dict]) -> pd.DataFrame:
    """Per event type, all seeds pooled."""
    rows = []
    matches = pd.concat([r["score"]["matches"] for r in results], ignore_index=True)
    for typ in EVENT_TYPES:
        per = [r["score"]["per_type"][typ] for r in results]
        tp, fp, fn = (sum(p[k] for p in per) for k in ("tp", "fp", "fn"))
        m = matches[matches["event_type"] == typ]
        se, ee = m["start_error_min"].abs(), m["end_error_min"].abs()
        row = {
            "event_type": typ,
            "truth": tp + fn,
            "found": tp,
            "false": fp,
            "missed": fn,
            "precision": tp / (tp + fp) if tp + fp else np.nan,
            "recall": tp / (tp + fn) if tp + fn else np.nan,
            "start_err_med_min": se.median() if len(m) else np.nan,
            "start_err_p90_min": se.quantile(0.9) if len(m) else np.nan,
            "end_err_med_min": ee.median() if len(m) else np.nan,
        }
        if typ == "gap":
            k = m.dropna(subset=["intentional_detected"])
            ok = k["intentional_truth"].astype(bool) == k["intentional_detected"].astype(bool)
            row["intent_acc"] = ok.mean() if len(k) else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("event_type")


def decoy_outcomes(results: list[dict]) -> pd.DataFrame:
    """Per decoy: laid, truth or not, fooled (pooled over seeds)."""
    d = pd.concat([r["score"]["decoys"] for r in results], ignore_index=True)
    return _by_decoy(d, fooled=("fooled", "sum")).reset_index()


def _by_decoy(d: pd.DataFrame, **more) -> pd.DataFrame:
    """Decoy rows counted per kind and side (fleet anchors lie either side of 10 km)."""
    d = d.assign(
        intent=d["expected_intentional"]
        .astype(object)
        .where(d["expected_intentional"].notna(), "-")
    )
    keys = ["event_type", "decoy", "side", "expected", "intent"]
    return d.groupby(keys, sort=True).agg(
        threshold=("threshold", "first"), laid=("decoy", "size"), **more
    )


def fmt(x, kind: str = "share") -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    if kind == "share":
        return f"{x:.3f}" if x < 1 else "1"
    if kind == "min":
        return f"{x:.1f}"
    return str(int(x))


def check(table: pd.DataFrame) -> list[str]:
    """Goals missed."""
    missed = []
    for typ, row in table.iterrows():
        if not row["truth"] and not row["false"]:
            continue
        for k, goal in GOALS.items():
            v = row[k]
            if v is None or np.isnan(v):
                continue
            if (v > goal) if k == "start_err_med_min" else (v < goal):
                missed.append(
                    f"{typ}: {k} {v:.4g} (goal {'<=' if k.endswith('min') else '>='} {goal:g})"
                )
    return missed


def print_scenarios(results: list[dict]) -> None:
    """What the scenarios hold: truth per type and decoys laid (no detector yet)."""
    counts = pd.DataFrame([r["sc"].summary()["truth"] for r in results]).sum()
    print("\nTruth per type, all seeds:")
    for typ in EVENT_TYPES:
        print(f"  {typ:<16} {int(counts.get(typ, 0)):>5}")
    d = pd.concat([r["sc"].decoys for r in results], ignore_index=True)
    g = _by_decoy(d)
    print(f"\nDecoys laid ({len(d)}):")
    print(g.to_string())
    not_laid = sorted({x for r in results for x in r["sc"].params["not_laid"]})
    if not_laid:
        print(f"\nNot laid (scenarios too small): {', '.join(not_laid)}")


def print_scores(results: list[dict]) -> pd.DataFrame:
    table = pooled(results)
    print("\nPer event type, all seeds pooled (goals in brackets)")
    print(
        f"{'type':<16} {'truth':>6} {'found':>6} {'false':>6} {'missed':>6} {'precision':>10} "
        f"{'recall':>8} {'start med':>10} {'start p90':>10} {'end med':>8} {'intent':>7}"
    )
    for typ, r in table.iterrows():
        print(
            f"{typ:<16} {fmt(r['truth'], 'n'):>6} {fmt(r['found'], 'n'):>6} {fmt(r['false'], 'n'):>6} "
            f"{fmt(r['missed'], 'n'):>6} {fmt(r['precision']):>10} {fmt(r['recall']):>8} "
            f"{fmt(r['start_err_med_min'], 'min'):>10} {fmt(r['start_err_p90_min'], 'min'):>10} "
            f"{fmt(r['end_err_med_min'], 'min'):>8} {fmt(r.get('intent_acc', np.nan)):>7}"
        )
    print(
        f"{'goals':<16} {'':>6} {'':>6} {'':>6} {'':>6} {'(>=0.95)':>10} {'(>=0.95)':>8} {'(<=15)':>10}"
    )
    sij = sum(r["score"]["spoofing_in_jamming"] for r in results)
    print(f"spoofing detections on jammed vessels (really jamming): {sij}")
    dec = decoy_outcomes(results)
    print(f"\nDecoys: {int(dec['fooled'].sum())} of {int(dec['laid'].sum())} fooled the detector")
    print(dec.to_string(index=False))
    return table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--vessels", type=int, default=40)
    ap.add_argument("--days", type=float, default=6.0)
    ap.add_argument("--ports", type=int, default=4)
    ap.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args(argv)
    detect = detector()
    print(
        f"navwatch activity benchmark: {args.seeds} seeds from {args.first_seed}, "
        f"{args.vessels} vessels, {args.days:g} days, {args.ports} ports"
    )
    print(
        f"{'seed':>5} {'rows':>9} {'sim s':>6} {'detect s':>8} {'|lat|max':>8} {'truth':>6} {'decoys':>7}"
    )
    results = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        r = run_seed(seed, args, detect)
        results.append(r)
        sc = r["sc"]
        lat = sc.zones.geometry.representative_point().y.abs().max()
        det_s = f"{r['t_det']:.2f}" if "t_det" in r else "-"
        print(
            f"{seed:>5} {r['rows']:>9,} {r['t_sim']:>6.1f} {det_s:>8} {lat:>8.1f} "
            f"{len(sc.truth):>6} {len(sc.decoys):>7}"
        )
    if detect is None:
        print_scenarios(results)
        print("\nno detector yet (navwatch.activity.detect_activity): nothing scored")
        return 0
    table = print_scores(results)
    missed = check(table)
    t_det = sum(r["t_det"] for r in results)
    print(f"\ndetection: {t_det:.2f} s for {sum(r['rows'] for r in results):,} rows")
    if missed:
        print("goals missed:\n  " + "\n  ".join(missed))
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
