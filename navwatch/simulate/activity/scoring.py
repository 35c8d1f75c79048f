"""Scoring activity detections against a scenario's truth: :func:`score_activity` and
:func:`metrics_table`.

The detected table needs ``event_type, mmsi, start, end`` (UTC), and ``other_mmsi`` for
two-vessel events (Int64, NA for one-vessel events); optionally ``vessels`` (a list of MMSIs,
for jamming), ``likely_intentional`` (gaps) and ``field`` (identity changes). A detection
matches a truth event when

* the types are equal;
* the vessels are the same: the unordered pair ``{mmsi, other_mmsi}`` for encounters and
  replenishments, ``mmsi`` for one-vessel events; for jamming, the detected vessels
  (``vessels``, else ``{mmsi, other_mmsi}``) share at least two MMSIs with the jammed cluster;
  for identity changes, ``field`` too when the detection gives one;
* the intervals overlap (touching counts), or the starts are at most ``start_tol_min`` apart.

Matching is one-to-one, greedy by overlap (longest first, then nearest start). Spoofing
detections on a jammed vessel during its jamming are false positives (truth says jamming, not
spoofing by that vessel); ``spoofing_in_jamming`` counts them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import EVENT_TYPES, PAIR_TYPES

_MIN = pd.Timedelta(minutes=1)


def _utc(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True)


def _keys(df: pd.DataFrame) -> list:
    """Each row's vessel key: frozenset of MMSIs (pair, jamming) or an MMSI."""
    mm = pd.array(df["mmsi"], dtype="Int64")
    other = (
        pd.array(df["other_mmsi"], dtype="Int64")
        if "other_mmsi" in df
        else pd.array([pd.NA] * len(df), dtype="Int64")
    )
    vessels = df["vessels"] if "vessels" in df else pd.Series([None] * len(df), index=df.index)
    out: list = []
    for typ, m, o, vs in zip(df["event_type"], mm, other, vessels, strict=True):
        if typ in PAIR_TYPES or typ == "jamming":
            if typ == "jamming" and isinstance(vs, list | tuple | np.ndarray) and len(vs):
                out.append(frozenset(int(x) for x in vs))
            else:
                out.append(frozenset(int(x) for x in (m, o) if not pd.isna(x)))
        else:
            out.append(None if pd.isna(m) else int(m))
    return out


def _same(typ: str, kt, kd, ft: str, fd) -> bool:
    if typ == "jamming":
        return len(kt & kd) >= 2
    if typ == "identity_change" and isinstance(fd, str) and fd:
        return kt == kd and ft == fd
    return kt == kd


def _candidates(truth: pd.DataFrame, det: pd.DataFrame, tol: pd.Timedelta) -> list[tuple]:
    """``(overlap s, -|start error| s, truth index, detected index)`` of every admissible pair."""
    kt, kd = _keys(truth), _keys(det)
    ft = truth["field"] if "field" in truth else pd.Series("", index=truth.index)
    fd = det["field"] if "field" in det else pd.Series(None, index=det.index)
    out = []
    for typ in EVENT_TYPES:
        ti = np.flatnonzero((truth["event_type"] == typ).to_numpy())
        di = np.flatnonzero((det["event_type"] == typ).to_numpy())
        for a in ti:
            ts, te = truth["start"].iloc[a], truth["end"].iloc[a]
            for b in di:
                if not _same(typ, kt[a], kd[b], ft.iloc[a], fd.iloc[b]):
                    continue
                ds, de = det["start"].iloc[b], det["end"].iloc[b]
                ov = (min(te, de) - max(ts, ds)).total_seconds()
                err = abs((ds - ts).total_seconds())
                if ov >= 0 or err <= tol.total_seconds():
                    out.append((max(ov, 0.0), -err, int(a), int(b)))
    return out


def _match(truth: pd.DataFrame, det: pd.DataFrame, tol: pd.Timedelta) -> list[tuple[int, int]]:
    pairs, used_t, used_d = [], set(), set()
    for _, _, a, b in sorted(
        _candidates(truth, det, tol), key=lambda c: (-c[0], -c[1], c[2], c[3])
    ):
        if a not in used_t and b not in used_d:
            used_t.add(a)
            used_d.add(b)
            pairs.append((a, b))
    return pairs


def _type_metrics(typ, truth, det, matches: pd.DataFrame) -> dict:
    tp = int((matches["event_type"] == typ).sum())
    n_t = int((truth["event_type"] == typ).sum())
    n_d = int((det["event_type"] == typ).sum())
    m = matches[matches["event_type"] == typ]
    se, ee = m["start_error_min"].abs(), m["end_error_min"].abs()
    out = dict(
        truth=n_t,
        detected=n_d,
        tp=tp,
        fp=n_d - tp,
        fn=n_t - tp,
        precision=tp / n_d if n_d else np.nan,
        recall=tp / n_t if n_t else np.nan,
        start_err_med_min=float(se.median()) if tp else np.nan,
        start_err_p90_min=float(se.quantile(0.9)) if tp else np.nan,
        end_err_med_min=float(ee.median()) if tp else np.nan,
        end_err_p90_min=float(ee.quantile(0.9)) if tp else np.nan,
    )
    if typ == "gap":
        known = m.dropna(subset=["intentional_detected"])
        t_i = known["intentional_truth"].astype(bool)
        d_i = known["intentional_detected"].astype(bool)
        out.update(
            intentional_accuracy=float((t_i == d_i).mean()) if len(known) else np.nan,
            intentional_tp=int((t_i & d_i).sum()),
            intentional_fp=int((~t_i & d_i).sum()),
            intentional_fn=int((t_i & ~d_i).sum()),
        )
    if typ == "jamming":
        out["vessel_recall"] = float(m["vessel_recall"].mean()) if tp else np.nan
    return out


def _matches_frame(pairs, truth, det, kt, kd) -> pd.DataFrame:
    rows = []
    li = det["likely_intentional"] if "likely_intentional" in det else None
    for a, b in pairs:
        t, d = truth.iloc[a], det.iloc[b]
        rec = dict(
            truth_index=truth.index[a],
            detected_index=det.index[b],
            event_type=t["event_type"],
            label=t.get("label", ""),
            start_error_min=(d["start"] - t["start"]) / _MIN,
            end_error_min=(d["end"] - t["end"]) / _MIN,
            intentional_truth=t.get("likely_intentional", pd.NA),
            intentional_detected=pd.NA if li is None else li.iloc[b],
            vessel_recall=np.nan,
        )
        if t["event_type"] == "jamming":
            rec["vessel_recall"] = len(kt[a] & kd[b]) / len(kt[a])
        rows.append(rec)
    cols = ["truth_index", "detected_index", "event_type", "label", "start_error_min"]
    cols += ["end_error_min", "intentional_truth", "intentional_detected", "vessel_recall"]
    m = pd.DataFrame(rows, columns=cols)
    for c in ("intentional_truth", "intentional_detected"):
        m[c] = pd.array(m[c], dtype="boolean")
    return m


def _decoy_outcomes(decoys: pd.DataFrame, det: pd.DataFrame, tol: pd.Timedelta) -> pd.DataFrame:
    """Per decoy: did a detection of its type, on its vessel(s), fall in its window?"""
    kd = _keys(det)
    li = det["likely_intentional"] if "likely_intentional" in det else None
    produced, intent = [], []
    for _, d in decoys.iterrows():
        pair = not pd.isna(d["other_mmsi"])
        key = frozenset((int(d["mmsi"]), int(d["other_mmsi"]))) if pair else int(d["mmsi"])
        hit = pd.NA
        got = False
        for b in np.flatnonzero((det["event_type"] == d["event_type"]).to_numpy()):
            k = kd[b]
            ok = key == k if pair else (key == k or (isinstance(k, frozenset) and key in k))
            if (
                ok
                and det["start"].iloc[b] <= d["end"] + tol
                and det["end"].iloc[b] >= d["start"] - tol
            ):
                got = True
                hit = pd.NA if li is None else li.iloc[b]
                break
        produced.append(got)
        intent.append(hit)
    out = decoys[["decoy", "event_type", "threshold", "side", "expected"]].copy()
    out["expected_intentional"] = decoys["expected_intentional"]
    out["mmsi"], out["other_mmsi"] = decoys["mmsi"], decoys["other_mmsi"]
    out["start"], out["end"] = decoys["start"], decoys["end"]
    out["produced"] = produced
    out["intentional_detected"] = pd.array(intent, dtype="boolean")
    wrong_intent = (
        out["expected"]
        & out["produced"]
        & out["expected_intentional"].notna()
        & out["intentional_detected"].notna()
        & (out["expected_intentional"] != out["intentional_detected"]).fillna(False)
    )
    out["fooled"] = (out["produced"] != out["expected"]) | wrong_intent.astype(bool)
    return out


def _spoofing_in_jamming(truth: pd.DataFrame, det: pd.DataFrame) -> int:
    jams = truth[truth["event_type"] == "jamming"]
    sp = det[det["event_type"] == "spoofing"]
    n = 0
    for _, d in sp.iterrows():
        for _, j in jams.iterrows():
            if int(d["mmsi"]) in j["vessels"] and d["start"] <= j["end"] and d["end"] >= j["start"]:
                n += 1
                break
    return n


def score_activity(detected: pd.DataFrame, scenario, *, start_tol_min: float = 30.0) -> dict:
    """Score detected activity events against ``scenario.truth`` and its decoys.

    Parameters
    ----------
    detected : pandas.DataFrame
        ``event_type, mmsi, start, end`` and ``other_mmsi`` for pairs; optionally
        ``vessels``, ``likely_intentional``, ``field`` (see the module docstring).
    scenario : ActivityScenario
        What :func:`~navwatch.simulate.activity.simulate_activity` returned.
    start_tol_min : float
        Starts this close match even when the intervals do not overlap.

    Returns
    -------
    dict
        ``per_type`` (type -> ``truth, detected, tp, fp, fn, precision, recall``, median and
        90th-percentile absolute start and end errors in minutes; gaps add
        ``intentional_accuracy`` and its ``intentional_tp/fp/fn``, jamming
        ``vessel_recall``), ``overall`` (tp, fp, fn, precision, recall), ``matches``,
        ``missed`` (truth rows not detected), ``false`` (detections matching no truth),
        ``decoys`` (per decoy: ``produced`` an event, ``fooled`` the detector),
        ``spoofing_in_jamming``, ``unknown_types`` (detections of other types, ignored).

    Examples
    --------
    >>> from navwatch.simulate.activity import simulate_activity
    >>> sc = simulate_activity(2, n_vessels=10, days=2, n_ports=2, decoys=False)
    >>> r = score_activity(sc.truth, sc)
    >>> r["overall"]["precision"], r["overall"]["recall"]
    (1.0, 1.0)
    """
    tol = pd.Timedelta(minutes=start_tol_min)
    truth = scenario.truth
    det = detected.copy()
    for c in ("start", "end"):
        det[c] = _utc(det[c])
    unknown = int((~det["event_type"].isin(EVENT_TYPES)).sum())
    det = det[det["event_type"].isin(EVENT_TYPES)]
    pairs = _match(truth, det, tol)
    matches = _matches_frame(pairs, truth, det, _keys(truth), _keys(det))
    per_type = {t: _type_metrics(t, truth, det, matches) for t in EVENT_TYPES}
    tp, n_t, n_d = len(pairs), len(truth), len(det)
    hit_t = {a for a, _ in pairs}
    hit_d = {b for _, b in pairs}
    return {
        "per_type": per_type,
        "overall": dict(
            tp=tp,
            fp=n_d - tp,
            fn=n_t - tp,
            precision=tp / n_d if n_d else np.nan,
            recall=tp / n_t if n_t else np.nan,
        ),
        "matches": matches,
        "missed": truth.iloc[[a for a in range(n_t) if a not in hit_t]],
        "false": det.iloc[[b for b in range(n_d) if b not in hit_d]],
        "decoys": _decoy_outcomes(scenario.decoys, det, tol),
        "spoofing_in_jamming": _spoofing_in_jamming(truth, det),
        "unknown_types": unknown,
        "start_tol_min": start_tol_min,
    }


def metrics_table(result: dict) -> pd.DataFrame:
    """One row per event type (and ``all``) of a :func:`score_activity` result, for printing."""
    rows = []
    for typ, m in result["per_type"].items():
        rows.append({"event_type": typ, **m})
    o = result["overall"]
    rows.append(
        {"event_type": "all", "truth": o["tp"] + o["fn"], "detected": o["tp"] + o["fp"], **o}
    )
    cols = ["event_type", "truth", "detected", "tp", "fp", "fn", "precision", "recall"]
    cols += ["start_err_med_min", "start_err_p90_min", "end_err_med_min", "end_err_p90_min"]
    cols += ["intentional_accuracy"]
    return pd.DataFrame(rows).reindex(columns=cols).set_index("event_type")
