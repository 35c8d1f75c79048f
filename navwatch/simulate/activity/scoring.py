"""Scoring activity detections against a scenario's truth: :func:`score_activity` and
:func:`metrics_table`.

The detected table (one row per event) needs

``event_type``
    ``encounter``, ``replenishment``, ``loitering``, ``gap``, ``spoofing``, ``jamming`` or
    ``identity_change`` (other types are counted in ``unknown_types`` and ignored). A
    ``spoofing`` row with ``jamming`` in its ``flags`` or ``subtype`` is a jamming.
``mmsi`` (Int64), ``other_mmsi`` (Int64; NA for one-vessel events)
    The vessel; for encounters and replenishments the other one (the pair is unordered).
``start``, ``end``
    UTC (anything :func:`pandas.to_datetime` reads with ``utc=True``).

and may have ``vessels`` (jamming: the vessels that jumped together, as a list of MMSIs or a
string of MMSIs or vessel ids joined by ``;``, ``|`` or ``,``; without it, ``mmsi`` and
``other_mmsi``), ``likely_intentional`` (gaps) and ``field`` (identity changes: ``name``,
``imo`` or ``callsign``).

A detection matches a truth event when

* the types are equal;
* the vessels are the same: the unordered pair ``{mmsi, other_mmsi}`` for encounters and
  replenishments, ``mmsi`` for one-vessel events, and ``field`` too for an identity change when
  the detection gives one; a jamming's vessels share at least two MMSIs with the jammed cluster;
* the intervals overlap (touching counts), or the starts are at most ``start_tol_min`` apart.

Matching is one-to-one, greedy by overlap (longest first, then nearest start). A jamming may be
reported as one row listing its vessels or as rows per vessel: jamming rows on vessels of one
true jamming, at its time, are one detection (their vessels together); other jamming rows are
grouped by overlapping time, each group one (false) detection. Spoofing rows not flagged as
jamming on a jammed vessel during its jamming are spoofing's false positives (truth says
jamming, not spoofing by that vessel); ``spoofing_in_jamming`` counts them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .common import EVENT_TYPES, PAIR_TYPES

_MIN = pd.Timedelta(minutes=1)


def _utc(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True)


def _vessel_set(value, mmsi, other, ids: dict[str, int]) -> frozenset:
    """MMSIs of a ``vessels`` value (a list of MMSIs, or MMSIs or vessel ids joined by ``;``,
    ``|`` or ``,``), else of ``mmsi`` and ``other``."""
    if isinstance(value, str) and value.strip():
        parts = [p.strip() for p in re.split(r"[;|,]", value) if p.strip()]
        out = set()
        for p in parts:
            if p in ids:
                out.add(ids[p])
            elif re.fullmatch(r"(mmsi:)?\d{6,9}", p):
                out.add(int(p.split(":")[-1]))
        if out:
            return frozenset(out)
    if isinstance(value, list | tuple | set | frozenset | np.ndarray) and len(value):
        return frozenset(int(x) for x in value)
    return frozenset(int(x) for x in (mmsi, other) if not pd.isna(x))


def _keys(df: pd.DataFrame, ids: dict[str, int]) -> list:
    """Each row's vessel key: frozenset of MMSIs (pair, jamming) or an MMSI."""
    mm = pd.array(df["mmsi"], dtype="Int64")
    na = pd.array([pd.NA] * len(df), dtype="Int64")
    other = pd.array(df["other_mmsi"], dtype="Int64") if "other_mmsi" in df else na
    vessels = df["vessels"] if "vessels" in df else pd.Series([None] * len(df), index=df.index)
    out: list = []
    for typ, m, o, vs in zip(df["event_type"], mm, other, vessels, strict=True):
        if typ == "jamming":
            out.append(_vessel_set(vs, m, o, ids))
        elif typ in PAIR_TYPES:
            out.append(frozenset(int(x) for x in (m, o) if not pd.isna(x)))
        else:
            out.append(None if pd.isna(m) else int(m))
    return out


def _jamming_flagged(det: pd.DataFrame) -> np.ndarray:
    """Rows that say jamming: type ``jamming``, or ``spoofing`` with ``jamming`` in ``flags``
    or ``subtype``."""
    flag = np.zeros(len(det), bool)
    for col in ("flags", "subtype"):
        if col in det:
            flag |= det[col].astype("string").str.contains("jamming", na=False).to_numpy()
    typ = det["event_type"].to_numpy()
    return (typ == "jamming") | ((typ == "spoofing") & flag)


def _merge_jamming(det: pd.DataFrame, truth: pd.DataFrame, ids, tol) -> pd.DataFrame:
    """Jamming rows as one row per detected jamming: rows on vessels of one true jamming (at
    its time) are one detection, with their vessels together; the others are grouped by
    overlapping time."""
    jam = det[det["event_type"] == "jamming"]
    if jam.empty:
        return det
    keys = _keys(jam, ids)
    tj = truth[truth["event_type"] == "jamming"]
    group: list = []
    for k, (_, r) in zip(keys, jam.iterrows(), strict=True):
        best, score = None, 0
        for ti, t in tj.iterrows():
            near = r["start"] <= t["end"] + tol and r["end"] >= t["start"] - tol
            shared = len(k & set(t["vessels"]))
            if near and shared > score:
                best, score = ("truth", ti), shared
        group.append(best)
    order = np.argsort(jam["start"].to_numpy(), kind="stable")
    free_end, n_free = None, 0
    for j in order:
        if group[j] is None:
            if free_end is None or jam["start"].iloc[j] > free_end:
                n_free += 1
                free_end = jam["end"].iloc[j]
            free_end = max(free_end, jam["end"].iloc[j])
            group[j] = ("free", n_free)
    rows = []
    for g in dict.fromkeys(group):
        idx = [j for j in range(len(jam)) if group[j] == g]
        r = jam.iloc[idx[0]].copy()
        r["start"], r["end"] = jam["start"].iloc[idx].min(), jam["end"].iloc[idx].max()
        r["vessels"] = sorted(set().union(*(keys[j] for j in idx)))
        r["rows"] = len(idx)
        rows.append(r.rename(jam.index[idx[0]]))
    merged = pd.DataFrame(rows).astype({"start": det["start"].dtype, "end": det["end"].dtype})
    return pd.concat([det[det["event_type"] != "jamming"], merged])


def _same(typ: str, kt, kd, ft: str, fd) -> bool:
    if typ == "jamming":
        return len(kt & kd) >= 2
    if typ == "identity_change" and isinstance(fd, str) and fd:
        return kt == kd and ft == fd
    return kt == kd


def _candidates(truth, det, tol: pd.Timedelta, kt: list, kd: list) -> list[tuple]:
    """``(overlap s, -|start error| s, truth index, detected index)`` of every admissible pair."""
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


def _match(truth, det, tol: pd.Timedelta, kt: list, kd: list) -> list[tuple[int, int]]:
    pairs, used_t, used_d = [], set(), set()
    cands = _candidates(truth, det, tol, kt, kd)
    for _, _, a, b in sorted(cands, key=lambda c: (-c[0], -c[1], c[2], c[3])):
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


def _decoy_outcomes(decoys: pd.DataFrame, det: pd.DataFrame, tol, kd: list) -> pd.DataFrame:
    """Per decoy: did a detection of its type, on its vessel(s), fall in its window?"""
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
    v = scenario.vessels
    ids = dict(zip(v["vessel_id"].astype(str), v["mmsi_int"].astype(int), strict=True))
    det = detected.copy()
    for c in ("start", "end"):
        det[c] = _utc(det[c])
    det.loc[_jamming_flagged(det), "event_type"] = "jamming"
    unknown = int((~det["event_type"].isin(EVENT_TYPES)).sum())
    det = _merge_jamming(det[det["event_type"].isin(EVENT_TYPES)], truth, ids, tol)
    kt, kd = _keys(truth, ids), _keys(det, ids)
    pairs = _match(truth, det, tol, kt, kd)
    matches = _matches_frame(pairs, truth, det, kt, kd)
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
        "decoys": _decoy_outcomes(scenario.decoys, det, tol, kd),
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
