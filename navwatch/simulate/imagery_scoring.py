"""Scores of an imagery matcher against :func:`navwatch.simulate.simulate_imagery`'s truth.

The scorers read only public output columns (the issue-15 contract: matched detections
``detect_id, status, mmsi, vessel_id, candidates``; derived surveys ``scene_id, port, coverage,
present``; navwatch's events ``vessel_id, port, tier, event, time, time_earliest,
time_latest``) and the truth tables, so any matcher can be scored.

* :func:`score_matching`: AIS matching precision/recall (a detection is right when its
  ``mmsi`` is the true vessel's), dark precision/recall (called ``dark`` and truly without AIS),
  candidate accuracy (a registry vessel's dark detection lists it in ``candidates``), per decoy.
* :func:`score_surveys`: per scene x port x registry vessel, the call a survey makes (``present``
  by name or by a class/type token covering the whole group, ``maybe`` for ``Name?`` or a token
  that could include it, ``absent`` when a full survey lists nothing that could be it, ``none``
  otherwise) against ``in_port``; absent precision first (a false absence is the costly error).
* :func:`score_windows`: event recall/precision, windows holding the true time, window widths,
  timing errors.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..registry import name_key

_COUNT = re.compile(r"^(?P<body>.*?)\s*[x×*]\s*(?P<n>\d+)$", re.IGNORECASE)


def _table(truth, attr: str) -> pd.DataFrame:
    """``truth`` itself or its attribute ``attr`` (an :class:`ImageryScenario`)."""
    return getattr(truth, attr) if hasattr(truth, attr) else truth


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


# --------------------------------------------------------------------------- matching


def score_matching(matched: pd.DataFrame, truth) -> dict:
    """Score matched detections (``detect_id, status, mmsi, vessel_id, candidates``).

    ``truth``: ``detections_truth`` or the :class:`ImageryScenario`. Detections are joined on
    ``detect_id`` (the provider's id, else the generic reader's ``detections.csv:<line>``).
    Returns ``n, n_unknown`` (ids not in the truth), ``n_missing`` (truth detections absent from
    ``matched``), ``ais_precision, ais_recall`` (over truth detections of AIS vessels),
    ``vessel_id_errors`` (right MMSI, wrong registry id), ``dark_precision`` (called dark and
    without AIS, false alarms included), ``dark_vessel_precision`` (false alarms excluded),
    ``dark_recall`` (over vessels without AIS), ``false_alarms_matched``,
    ``ambiguous_n`` (detections called ``ambiguous``: not counted as matched), ``ambiguous_share_ais``
    (over truth detections of AIS vessels), ``ambiguous_nearest_right`` (the nearest track named
    is the true one), ``candidate_accuracy, n_candidate_cases, mean_candidates`` and ``by_decoy``
    (``{label: {"n", "correct"}}``; an AIS vessel's detection called ambiguous counts as handled).
    """
    t = _table(truth, "detections_truth")
    row = {str(k): i for i, k in enumerate(t["detect_id"])}
    row |= {str(k): i for i, k in enumerate(t["generic_id"])}
    idx = np.array([row.get(str(k), -1) for k in matched["detect_id"]], dtype="int64")
    known = idx >= 0
    m = matched[known].reset_index(drop=True)
    tt = t.iloc[idx[known]].reset_index(drop=True)
    status = m["status"].astype(str).to_numpy()
    called_ais = status == "matched"
    called_dark = status == "dark"
    called_amb = status == "ambiguous"
    p_mmsi = pd.to_numeric(m["mmsi"], errors="coerce").to_numpy("float64")
    t_mmsi = pd.to_numeric(tt["mmsi"], errors="coerce").to_numpy("float64")
    has_ais = tt["has_ais"].astype(bool).to_numpy()
    fa = (tt["truth"] == "false_alarm").to_numpy()
    right = called_ais & has_ais & (p_mmsi == t_mmsi)
    p_vid = m["vessel_id"].astype("string").fillna("").to_numpy(object)
    t_vid = np.where(tt["registry"].astype(bool), tt["vessel_id"].astype(str), "")
    dark_v = ~has_ais & ~fa
    gap = pd.to_numeric(tt["ais_gap_s"], errors="coerce").to_numpy("float64")
    fix_1h, fix_6h = has_ais & (gap <= 3600), has_ais & (gap <= 6 * 3600)
    cand = _candidate_hits(m, tt, called_dark)
    return {
        "n": len(matched),
        "n_unknown": int((~known).sum()),
        "n_missing": int(len(t) - len(set(idx[known].tolist()))),
        "ais_precision": _ratio(right.sum(), called_ais.sum()),
        "ais_recall": _ratio(right.sum(), has_ais.sum()),
        "ais_recall_1h": _ratio((right & fix_1h).sum(), fix_1h.sum()),
        "dark_called_ais_silent": int((called_dark & has_ais & ~fix_6h).sum()),
        "vessel_id_errors": int((right & (p_vid != t_vid)).sum()),
        "dark_precision": _ratio((called_dark & ~has_ais).sum(), called_dark.sum()),
        "dark_vessel_precision": _ratio((called_dark & dark_v).sum(), (called_dark & ~fa).sum()),
        "dark_recall": _ratio((called_dark & dark_v).sum(), dark_v.sum()),
        "false_alarms_matched": int((called_ais & fa).sum()),
        "ambiguous_n": int(called_amb.sum()),
        "ambiguous_share_ais": _ratio((called_amb & has_ais).sum(), has_ais.sum()),
        "ambiguous_nearest_right": _ratio(
            (called_amb & has_ais & (p_mmsi == t_mmsi)).sum(), called_amb.sum()
        ),
        **cand,
        "by_decoy": _by_decoy(tt, right | (called_dark & ~has_ais) | (called_amb & has_ais)),
    }


def _candidate_hits(m: pd.DataFrame, tt: pd.DataFrame, called_dark: np.ndarray) -> dict:
    """Dark detections of registry vessels: is the true vessel among the candidates?"""
    case = called_dark & tt["truth"].astype(str).str.startswith("vessel:").to_numpy()
    cands = (
        m["candidates"].astype("string").fillna("")
        if "candidates" in m
        else pd.Series([""] * len(m), dtype="string")
    )
    lists = [str(c).split("|") if str(c) else [] for c in cands]
    hit = [str(v) in lists[i] for i, v in enumerate(tt["vessel_id"])]
    n = int(case.sum())
    return {
        "candidate_accuracy": _ratio(int(np.sum(np.array(hit, bool) & case)), n),
        "n_candidate_cases": n,
        "mean_candidates": float(np.mean([len(lists[i]) for i in np.flatnonzero(case)]))
        if n
        else float("nan"),
    }


def _by_decoy(tt: pd.DataFrame, correct: np.ndarray) -> dict:
    out = {}
    lab = tt["decoy"].astype(str).to_numpy()
    for d in sorted(set(lab) - {""}):
        k = lab == d
        out[d] = {"n": int(k.sum()), "correct": int((correct & k).sum())}
    return out


# --------------------------------------------------------------------------- surveys


def survey_calls(surveys: pd.DataFrame, truth) -> pd.DataFrame:
    """The truth rows of every surveyed scene x port with the survey's ``call`` per vessel
    (``present``, ``maybe``, ``absent``, ``none``) and its ``coverage``."""
    t = _table(truth, "scene_port_truth")
    groups = _group_sizes(t)
    out = []
    for s in surveys.itertuples():
        port, rank = _port_tier(s.port)
        rows = t[(t["scene_id"] == s.scene_id) & (t["port"] == port)]
        if not len(rows):
            continue
        # a survey of one tier ("Port/harbour") speaks of that zone and the tiers inside it:
        # a vessel in an outer tier is not in the surveyed zone
        inner = np.array([_tier_rank(x) <= rank for x in rows["tier"].fillna("")], dtype=bool)
        rows = rows.assign(
            in_port=rows["in_port"].astype(bool).to_numpy() & inner, port=str(s.port)
        )
        tokens = [x.strip() for x in str(s.present if pd.notna(s.present) else "").split("|")]
        calls = [_call(r, [x for x in tokens if x], groups) for r in rows.itertuples()]
        full = str(s.coverage) == "full"
        calls = [c if c != "none" or not full else "absent" for c in calls]
        out.append(rows.assign(call=calls, coverage=str(s.coverage)))
    cols = [*t.columns, "call", "coverage"]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=cols)


def _tier_rank(tier: str) -> int:
    """Rank of a tier name, innermost first (navwatch.ports.TIERS); unknown tiers outermost."""
    from ..ports import TIERS

    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def _port_tier(label: str) -> tuple[str, int]:
    """``Port/tier`` -> (port, tier rank); a bare port name is the whole port (every tier)."""
    port, sep, tier = str(label).rpartition("/")
    return (port, _tier_rank(tier)) if sep else (str(label), 10**6)


def _group_sizes(t: pd.DataFrame) -> dict[str, int]:
    v = t.drop_duplicates("vessel_id")
    sizes: dict[str, int] = {}
    for col in ("vessel_class", "type"):
        for k, n in v[col].fillna("").map(name_key).value_counts().items():
            if k:
                sizes[str(k)] = sizes.get(str(k), 0) + int(n)
    return sizes


def _call(r, tokens: list[str], groups: dict[str, int]) -> str:
    """What the tokens say about the vessel of truth row ``r``: present, maybe or none."""
    names = {name_key(r.name)} | {name_key(a) for a in str(r.aliases or "").split("|") if a}
    names.discard("")
    gkeys = {name_key(r.vessel_class or ""), name_key(r.type or "")} - {""}
    call = "none"
    for tok in tokens:
        maybe = tok.endswith("?")
        body = tok.rstrip("?").strip()
        m = _COUNT.match(body)
        if m and name_key(m["body"]) in gkeys:
            whole = int(m["n"]) >= groups.get(name_key(m["body"]), 10**9)
            call = "present" if whole and not maybe else call if call == "present" else "maybe"
        elif name_key(body) in names or (m and name_key(m["body"]) in names):  # "Name" or "Name x1"
            call = "maybe" if maybe and call != "present" else "present"
    return call


def score_surveys(surveys: pd.DataFrame, truth) -> dict:
    """Score derived surveys (``scene_id, port, coverage, present``, optional
    ``coverage_fraction``) against ``scene_port_truth`` (or the :class:`ImageryScenario`).

    Returns ``n_surveys, n_calls`` and per call ``present_n, present_precision``,
    ``absent_n, absent_precision`` (not in port), ``false_absences`` with how many were
    ``false_absences_undetected_visible`` (in the footprint, not detected) and
    ``false_absences_outside`` (in a part of the port the footprint missed),
    ``false_absences_small`` (detection chance under 0.5: too small or clouded), ``absent_recall``
    (truly absent vessels called absent, over full surveys), ``maybe_n, maybe_in_port``,
    ``present_recall`` (in-port vessels called present), ``coverage_errors`` (survey ``full``
    with true coverage < 0.9, or ``partial`` with >= 0.9 or < 0.2), ``coverage_fraction_mae``,
    ``missing_surveys`` (scene x port with true coverage >= 0.2 and no survey).
    """
    t = _table(truth, "scene_port_truth")
    c = survey_calls(surveys, truth)
    inp = c["in_port"].astype(bool).to_numpy()
    call = c["call"].astype(str).to_numpy()
    full = (c["coverage"] == "full").to_numpy()
    absent, present, maybe = call == "absent", call == "present", call == "maybe"
    false_abs = absent & inp
    return {
        "n_surveys": len(surveys),
        "n_calls": len(c),
        "present_n": int(present.sum()),
        "present_precision": _ratio((present & inp).sum(), present.sum()),
        "present_recall": _ratio((present & inp).sum(), inp.sum()),
        "absent_n": int(absent.sum()),
        "absent_precision": _ratio((absent & ~inp).sum(), absent.sum()),
        "absent_recall": _ratio((absent & ~inp).sum(), (full & ~inp).sum()),
        "false_absences": int(false_abs.sum()),
        "false_absences_undetected_visible": int(
            (false_abs & c["visible"].astype(bool).to_numpy()).sum()
        ),
        "false_absences_outside": int((false_abs & ~c["visible"].astype(bool).to_numpy()).sum()),
        "false_absences_small": int((false_abs & (c["p_detect"].to_numpy("float64") < 0.5)).sum()),
        "maybe_n": int(maybe.sum()),
        "maybe_in_port": int((maybe & inp).sum()),
        **_coverage_scores(surveys, t),
    }


def _coverage_scores(surveys: pd.DataFrame, t: pd.DataFrame) -> dict:
    pairs = t.drop_duplicates(["scene_id", "port"])[["scene_id", "port", "coverage_fraction"]]
    # the truth's coverage is of the whole port (the union of its tiers): compare it with each
    # scene's survey of the port's outermost tier surveyed (a bare port name is the whole port)
    sv = surveys.assign(
        _port=[_port_tier(x)[0] for x in surveys["port"]],
        _rank=[_port_tier(x)[1] for x in surveys["port"]],
    )
    sv = sv.sort_values("_rank").drop_duplicates(["scene_id", "_port"], keep="last")
    surveys = sv.drop(columns=["port", "_rank"]).rename(columns={"_port": "port"})
    j = surveys.merge(pairs, on=["scene_id", "port"], how="left", suffixes=("", "_true"))
    f = j["coverage_fraction_true"].fillna(0.0).to_numpy("float64")
    cov = j["coverage"].astype(str).to_numpy()
    wrong = ((cov == "full") & (f < 0.9)) | ((cov == "partial") & ((f >= 0.9) | (f < 0.2)))
    mae = float("nan")
    if "coverage_fraction" in j and len(j):
        mae = float(np.nanmean(np.abs(pd.to_numeric(j["coverage_fraction"]) - f)))
    have = set(zip(surveys["scene_id"].astype(str), surveys["port"].astype(str), strict=True))
    want = pairs[pairs["coverage_fraction"] >= 0.2]
    missing = sum((s, p) not in have for s, p in zip(want["scene_id"], want["port"], strict=True))
    return {
        "coverage_errors": int(wrong.sum()),
        "coverage_fraction_mae": mae,
        "missing_surveys": int(missing),
    }


# --------------------------------------------------------------------------- windows


def score_windows(
    events: pd.DataFrame,
    truth_events: pd.DataFrame,
    *,
    tolerance_s: float = 1800.0,
    registry_only: bool = True,
) -> dict:
    """Score navwatch events (``vessel_id, port, [tier], event, time, time_earliest,
    time_latest``; ``window_start``/``window_end`` are accepted for the window) against the
    truth events (``registry_only``: registry vessels' only).

    A detected event matches a true one of the same vessel, port, event (and tier when both
    tables have it) when the true time lies in its window or within ``tolerance_s`` of its
    time; one-to-one, nearest first. Returns ``n_truth, n_events, tp, recall, precision,
    contain`` (matched windows holding the true time), ``median_window_h``,
    ``median_abs_error_s``.
    """
    te = truth_events[truth_events["time"].notna()]
    if registry_only and "registry" in te:
        te = te[te["registry"].astype(bool)]
    ev = events.rename(columns={"window_start": "time_earliest", "window_end": "time_latest"})
    key = ["vessel_id", "port", "event"] + (["tier"] if "tier" in ev and "tier" in te else [])
    a = te[key].astype(str).assign(ti=np.arange(len(te)), tt=te["time"].array.asi8)
    b = (
        ev[key]
        .astype(str)
        .assign(
            di=np.arange(len(ev)),
            dt=pd.to_datetime(ev["time"], utc=True).array.asi8,
            lo=pd.to_datetime(ev["time_earliest"], utc=True).array.asi8,
            hi=pd.to_datetime(ev["time_latest"], utc=True).array.asi8,
        )
    )
    p = a.merge(b, on=key)
    nat = np.iinfo("int64").min
    p["err"] = (p["dt"] - p["tt"]).abs() / 1e9
    p["inside"] = (p["lo"] != nat) & (p["hi"] != nat) & (p["lo"] <= p["tt"]) & (p["tt"] <= p["hi"])
    p = p[(p["err"] <= tolerance_s) | p["inside"]].sort_values("err", kind="stable")
    used_t: set[int] = set()
    used_d: set[int] = set()
    keep = []
    for r in p.itertuples():
        if r.ti not in used_t and r.di not in used_d:
            used_t.add(r.ti)
            used_d.add(r.di)
            keep.append(r.Index)
    mt = p.loc[keep]
    width = (mt["hi"] - mt["lo"])[(mt["lo"] != nat) & (mt["hi"] != nat)] / 3.6e12
    return {
        "n_truth": len(te),
        "n_events": len(ev),
        "tp": len(mt),
        "recall": _ratio(len(mt), len(te)),
        "precision": _ratio(len(mt), len(ev)),
        "contain": _ratio(int(mt["inside"].sum()), len(mt)),
        "median_window_h": float(width.median()) if len(width) else float("nan"),
        "median_abs_error_s": float(mt["err"].median()) if len(mt) else float("nan"),
    }


def imageable_truth(truth, *, full_coverage: float = 0.9) -> pd.DataFrame:
    """The registry vessels' true events that the scenes could have told: a departure with a
    scene seeing the vessel in that tier (``visible``) after its arrival and before the
    departure, and a scene imaging the port (``coverage_fraction >= full_coverage``) without it
    after the departure and before its next arrival there; an arrival the other way round.
    Tiers are taken as nested (a vessel in the harbour is in the anchorage too). Score imagery
    alone against these for a recall that does not count what no scene could show."""
    te = _table(truth, "truth_events")
    sp = _table(truth, "scene_port_truth")
    te = te[te["time"].notna() & te["registry"].astype(bool)].reset_index(drop=True)
    if not len(te) or not len(sp):
        return te.iloc[:0]
    rank = {(str(p), str(t)): int(r) for p, t, r in te[["port", "tier", "tier_rank"]].itertuples(index=False)}  # fmt: skip
    sp = sp.assign(
        rank=[
            rank.get((str(p), str(t)), 10**6) if inp else 10**6
            for p, t, inp in zip(sp["port"], sp["tier"], sp["in_port"].astype(bool), strict=True)
        ],
        t=pd.to_datetime(sp["time"], utc=True).array.asi8,
    )
    groups = {k: g for k, g in sp.groupby(["vessel_id", "port"], sort=False)}
    keep = np.zeros(len(te), bool)
    te_t = pd.to_datetime(te["time"], utc=True).array.asi8
    for (_, _, _), idx in te.groupby(["vessel_id", "port", "tier"], sort=False).indices.items():
        idx = idx[np.argsort(te_t[idx], kind="stable")]
        g = groups.get((te["vessel_id"].iat[idx[0]], te["port"].iat[idx[0]]))
        if g is None:
            continue
        r = int(te["tier_rank"].iat[idx[0]])
        inside = (g["rank"].to_numpy() <= r) & g["visible"].astype(bool).to_numpy()
        gone = (g["rank"].to_numpy() > r) & (
            g["coverage_fraction"].to_numpy(float) >= full_coverage
        )
        st = g["t"].to_numpy()
        for k, i in enumerate(idx):
            lo = te_t[idx[k - 1]] if k > 0 else np.iinfo("int64").min
            hi = te_t[idx[k + 1]] if k + 1 < len(idx) else np.iinfo("int64").max
            before = (st > lo) & (st < te_t[i])
            after = (st > te_t[i]) & (st < hi)
            first, then = (inside, gone) if te["event"].iat[i] == "departure" else (gone, inside)
            keep[i] = bool((first & before).any() and (then & after).any())
    return te[keep].reset_index(drop=True)
