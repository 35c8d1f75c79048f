"""Scoring a detector's events (and visits) against the ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ConfigError
from .common import NS
from .scenario import Scenario

#: Matching tolerance for event times: the longest AIS fix interval the simulator draws, so an
#: AIS-bracketed crossing cannot legitimately be estimated further away; events across longer
#: gaps (and OSINT events) also match when the true time lies inside the detected window.
MATCH_TOLERANCE_S = 1800.0

#: Categories :func:`score` reports, in print order.
CATEGORIES = (
    "AIS departures",
    "AIS arrivals",
    "OSINT departures",
    "OSINT arrivals",
    "mixed",
    "AIS in mixed run",
)


def _osint_times(sc: Scenario) -> dict[str, set[int]]:
    """Per vessel, the times (ns) of OSINT evidence about it (sightings naming it; every survey
    speaks about every registry vessel)."""
    o, m = sc.osint, sc.osint_meta
    t = o["time"].array.asi8 if len(o) else np.empty(0, "int64")
    surveys = set(t[(o["kind"] == "survey").to_numpy()].tolist()) if len(o) else set()
    out: dict[str, set[int]] = {v: set(surveys) for v in sc.registry.ids}
    for ti, ids in zip(t, m["vessel_ids"], strict=True):
        for v in str(ids).split("|"):
            if v:
                out.setdefault(v, set(surveys)).add(int(ti))
    return out


def metrics(matches: pd.DataFrame, n_false: int) -> dict:
    """Precision, recall, timing and window figures of matched truth events (``score``'s
    ``matches``, any subset, e.g. one category pooled over seeds) and ``n_false`` unmatched
    detections: ``n_truth, tp, fn, fp, precision, recall, median_error_s, contain, tight,
    n_windows`` (recall over scorable events; windows over consistent ones)."""
    sc_ = matches[matches["scorable"].astype(bool)]
    found = (sc_["det"] >= 0).to_numpy(bool)
    tp = int(found.sum())
    tp_all = int((matches["det"] >= 0).sum())
    win = sc_[found & sc_["consistent"].to_numpy(bool)]
    return {
        "n_truth": len(sc_),
        "tp": tp,
        "fn": len(sc_) - tp,
        "fp": n_false,
        "precision": tp_all / (tp_all + n_false) if tp_all + n_false else np.nan,
        "recall": tp / len(sc_) if len(sc_) else np.nan,
        "median_error_s": float(sc_.loc[found, "error_s"].median()) if tp else np.nan,
        "contain": float(win["contain"].astype(bool).mean()) if len(win) else np.nan,
        "tight": float(win["tight"].astype(bool).mean()) if len(win) else np.nan,
        "n_windows": len(win),
    }


def score(
    sc: Scenario, events: pd.DataFrame, *, run: str = "all", visits: pd.DataFrame | None = None
) -> dict:
    """Match detected events to the truth and measure them.

    Parameters
    ----------
    sc : Scenario
    events : DataFrame
        Detected events (:data:`navwatch.detect.api.EVENT_COLUMNS`).
    run : ``"all"`` or ``"ais"``
        ``"all"``: detection over AIS + OSINT with the registry (registry vessels; a call is a
        stop or OSINT presence; windows from all evidence). ``"ais"``: detection over AIS alone
        with ``all_vessels`` (every AIS vessel; a call is a stop; windows from AIS alone).
    visits : DataFrame, optional
        Detected visits (``vessel_id, port, tier, arrival_earliest, arrival_latest,
        departure_earliest, departure_latest, level``): also scored, level >= 2 = a call.

    Returns
    -------
    dict
        ``categories``: per category (:data:`CATEGORIES`) ``tp, fn, fp, n_truth, precision,
        recall, median_error_s, contain, tight, n_windows``; ``transits``: truth transit visits
        and those that produced events; ``contradiction_events``: detections explained by
        injected contradictions (neither right nor wrong); ``decoys``: per decoy label, events
        found/expected for calls and false events for the others; ``matches``: the truth events
        scored, with the matched detection; ``false_positives``: unmatched detections;
        ``visits``: visit-level figures when ``visits`` is given.

    Notes
    -----
    A detection matches a truth event of the same vessel, port, tier and kind when their times
    differ by at most :data:`MATCH_TOLERANCE_S` or the true time lies in the detected window
    (+- ``time_tol_s``); matching is one-to-one, events the evidence reveals first, then nearest
    first (several calls inside one dark period share one detection). Recall counts only the events
    the evidence can reveal: evidence on both sides (tight window bounds) and the call shown by
    it (``evidenced``/``evidenced_ais``). ``contain`` and ``tight`` use consistent events only:
    ``time_earliest - tol <= time <= time_latest + tol`` and ``[time_earliest, time_latest]``
    within the tight window +- ``tol``, where ``tol = time_tol_s`` (1 s plus the time the ship
    takes to cover its GPS error across the zone edge).
    """
    if run not in ("all", "ais"):
        raise ConfigError("run must be 'all' or 'ais'")
    truth, transits, contra = _truth_for_run(sc, run)
    det = events.reset_index(drop=True).copy()
    for c in ("time", "time_earliest", "time_latest"):
        det[c] = pd.to_datetime(det[c], utc=True)
    det["vessel_id"] = det["vessel_id"].astype(str)
    tol = pd.to_timedelta(truth["time_tol_s"], unit="s")
    t_match, d_match = _match(truth, det, tol)
    _add_matches(truth, det, t_match, tol)
    # unmatched detections
    fp = det[d_match < 0].copy()
    explained = _explained(fp, contra)
    contradiction_events = fp[explained]
    fp = fp[~explained].copy()
    fp["cat"] = _fp_categories(sc, fp, run)
    _mark_transits(sc, fp, transits)
    cats = {
        cat: metrics(truth[truth["cat"] == cat], int((fp["cat"] == cat).sum()))
        for cat in CATEGORIES
    }
    n_tr = len(transits)
    hit_tr = fp.loc[fp["transit"] != "", "transit"].nunique()
    out = {
        "categories": cats,
        "transits": {"n": n_tr, "with_events": int(hit_tr)},
        "contradiction_events": len(contradiction_events),
        "decoys": _decoy_figures(sc.truth_visits, truth, transits, fp),
        "matches": truth,
        "false_positives": fp,
        "n_detected": len(det),
    }
    if visits is not None:
        out["visits"] = _score_visits(sc, visits, run)
    return out


def _truth_for_run(sc: Scenario, run: str):
    """The truth events a run scores (category, window), its transits and its contradictions."""
    te = sc.truth_events
    tv = sc.truth_visits
    if run == "ais":
        truth = te.loc[(te["has_ais"] & te["stopped"]).astype(bool)].copy()
        truth["e"], truth["l"] = truth["tight_earliest_ais"], truth["tight_latest_ais"]
        truth["scorable"] = truth["e"].notna() & truth["l"].notna() & truth["evidenced_ais"]
        truth["consistent"] = True
        truth["cat"] = np.where(truth["event"] == "departure", "AIS departures", "AIS arrivals")
        transits = tv.loc[(tv["has_ais"] & ~tv["stopped"]).astype(bool)]
        contra = sc.contradictions.iloc[0:0]
    else:
        truth = te.loc[te["registry"].astype(bool)].copy()
        truth["e"], truth["l"] = truth["tight_earliest"], truth["tight_latest"]
        truth["scorable"] = truth["e"].notna() & truth["l"].notna() & truth["evidenced"]
        ev = truth["evidence"]
        truth["cat"] = np.select(
            [ev == "ais", (ev == "osint") & (truth["event"] == "departure"), ev == "osint"],
            ["AIS in mixed run", "OSINT departures", "OSINT arrivals"],
            "mixed",
        )
        transits = tv.loc[(tv["registry"] & (tv["kind"] == "transit")).astype(bool)]
        contra = sc.contradictions
    return truth.reset_index(drop=True), transits, contra


def _match(truth: pd.DataFrame, det: pd.DataFrame, tol: pd.Series):
    """One-to-one matches: the detection of each truth event and the truth event of each (-1)."""
    # candidate pairs
    key = ["vessel_id", "port", "tier", "event"]
    tk = truth[key].astype(str).assign(ti=np.arange(len(truth)))
    dk = det[key].astype(str).assign(di=np.arange(len(det)))
    pairs = tk.merge(dk, on=key)
    ti, di = pairs["ti"].to_numpy(), pairs["di"].to_numpy()
    t_true = truth["time"].array.asi8[ti] if len(ti) else np.empty(0, "int64")
    t_det = det["time"].array.asi8[di] if len(di) else np.empty(0, "int64")
    tol_ns = (tol.to_numpy().astype("int64"))[ti] if len(ti) else np.empty(0, "int64")
    e_det = det["time_earliest"].array.asi8[di] if len(di) else np.empty(0, "int64")
    l_det = det["time_latest"].array.asi8[di] if len(di) else np.empty(0, "int64")
    dt = np.abs(t_det - t_true)
    ok = (dt <= MATCH_TOLERANCE_S * NS) | ((e_det - tol_ns <= t_true) & (t_true <= l_det + tol_ns))
    # events the evidence reveals are matched first: when a ship made several calls inside one
    # dark period, the one detection it supports stands for the evidenced event
    unrevealed = ~truth["scorable"].to_numpy(bool)[ti] if len(ti) else np.empty(0, bool)
    order = np.lexsort((np.where(ok, dt, np.iinfo("int64").max), unrevealed))
    order = order[ok[order]]
    t_match = np.full(len(truth), -1)
    d_match = np.full(len(det), -1)
    for k in order:
        if t_match[ti[k]] < 0 and d_match[di[k]] < 0:
            t_match[ti[k]] = di[k]
            d_match[di[k]] = ti[k]
    return t_match, d_match


def _add_matches(truth: pd.DataFrame, det: pd.DataFrame, t_match, tol: pd.Series) -> None:
    """Add the matched detection, its error and whether its window contains/is tight (in place)."""
    truth["det"] = t_match
    m = t_match >= 0
    for c in ("time", "time_earliest", "time_latest"):
        truth["det_" + c] = pd.Series(pd.NaT, index=truth.index, dtype=schema.TIME_DTYPE)
        if m.any():
            truth.loc[m, "det_" + c] = det[c].to_numpy()[t_match[m]]
    truth["error_s"] = (truth["det_time"] - truth["time"]).dt.total_seconds().abs()
    truth["contain"] = (truth["det_time_earliest"] - tol <= truth["time"]) & (
        truth["time"] <= truth["det_time_latest"] + tol
    )
    truth["tight"] = (truth["det_time_earliest"] >= truth["e"] - tol) & (
        truth["det_time_latest"] <= truth["l"] + tol
    )


def _explained(fp: pd.DataFrame, contra: pd.DataFrame) -> np.ndarray:
    """Which unmatched detections an injected contradiction explains (its time in the window)."""
    explained = np.zeros(len(fp), bool)
    if len(fp) and len(contra):
        for vid, grp in contra.groupby("vessel_id"):
            mm = (fp["vessel_id"] == vid).to_numpy()
            if not mm.any():
                continue
            e = fp["time_earliest"].array.asi8[mm] - NS
            lt = fp["time_latest"].array.asi8[mm] + NS
            tf = pd.to_datetime(grp["time"], utc=True).array.asi8
            hit = ((e[:, None] <= tf[None]) & (tf[None] <= lt[:, None])).any(axis=1)
            explained[np.flatnonzero(mm)[hit]] = True
    return explained


def _fp_categories(sc: Scenario, fp: pd.DataFrame, run: str):
    """The category of each false detection, from the kind of evidence at its window's ends."""
    if run == "ais":
        return np.where(fp["event"] == "departure", "AIS departures", "AIS arrivals")
    ot = _osint_times(sc)

    def kind(v, t):
        return "osint" if int(pd.Timestamp(t).value) in ot.get(v, ()) else "ais"

    ke = [kind(v, t) for v, t in zip(fp["vessel_id"], fp["time_earliest"], strict=True)]
    kl = [kind(v, t) for v, t in zip(fp["vessel_id"], fp["time_latest"], strict=True)]
    return [
        "AIS in mixed run"
        if a == b == "ais"
        else ("OSINT departures" if ev_ == "departure" else "OSINT arrivals")
        if a == b == "osint"
        else "mixed"
        for a, b, ev_ in zip(ke, kl, fp["event"], strict=True)
    ]


def _mark_transits(sc: Scenario, fp: pd.DataFrame, transits: pd.DataFrame) -> None:
    """Add to each false detection the truth transit visit it falls in (``''``: none)."""
    fp["transit"] = ""
    if len(fp) and len(transits):
        tr = transits.copy()
        lo = tr["arrival"].fillna(sc.start) - pd.Timedelta(seconds=MATCH_TOLERANCE_S)
        hi = tr["departure"].fillna(sc.end) + pd.Timedelta(seconds=MATCH_TOLERANCE_S)
        tr = tr.assign(lo=lo, hi=hi)
        j = fp.reset_index().merge(
            tr[["vessel_id", "port", "tier", "visit_id", "lo", "hi", "decoys"]],
            on=["vessel_id", "port", "tier"],
        )
        j = j[(j["time"] >= j["lo"]) & (j["time"] <= j["hi"])]
        first = j.drop_duplicates("index").set_index("index")
        fp.loc[first.index, "transit"] = first["visit_id"]


def _decoy_figures(tv, truth, transits, fp) -> dict:
    """Per decoy label: scorable events and those found; transits and their false events."""
    dec = {}
    labels = sorted({d for s in tv["decoys"] for d in str(s).split("|") if d})
    for lab in labels:
        has = truth["decoys"].map(lambda x, lab=lab: lab in str(x).split("|")).astype(bool)
        t_ = truth.loc[has & truth["scorable"].astype(bool)]
        tvv = transits.loc[
            transits["decoys"].map(lambda x, lab=lab: lab in str(x).split("|")).astype(bool)
        ]
        f_ = fp[fp["transit"].isin(set(tvv["visit_id"]))]
        dec[lab] = {
            "events": len(t_),
            "found": int((t_["det"] >= 0).sum()),
            "transits": len(tvv),
            "false_events": len(f_),
        }
    return dec


def _score_visits(sc: Scenario, visits: pd.DataFrame, run: str) -> dict:
    tv = sc.truth_visits
    if run == "ais":
        pop = tv[tv["has_ais"]].copy()
        pop["call"] = pop["stopped"]
        pop["shown"] = pop["evidenced_ais"]
    else:
        pop = tv[tv["registry"]].copy()
        pop["call"] = pop["kind"] == "call"
        pop["shown"] = pop["evidenced"]
    v = visits.copy()
    need = ["vessel_id", "port", "tier", "level"]
    if any(c not in v.columns for c in need):
        return {"error": f"visits lack columns {[c for c in need if c not in v.columns]}"}
    v["vessel_id"] = v["vessel_id"].astype(str)

    def col(name, fill):
        s = (
            pd.to_datetime(v[name], utc=True)
            if name in v.columns
            else pd.Series(pd.NaT, index=v.index, dtype=schema.TIME_DTYPE)
        )
        return s.fillna(fill)

    v["lo"] = col("arrival_earliest", sc.start - pd.Timedelta(days=3650))
    v["hi"] = col("departure_latest", sc.end + pd.Timedelta(days=3650))
    v["vi"] = np.arange(len(v))
    pop["a"] = pop["arrival"].fillna(sc.start)
    pop["d"] = pop["departure"].fillna(sc.end)
    j = pop.merge(
        v[["vessel_id", "port", "tier", "level", "lo", "hi", "vi"]],
        on=["vessel_id", "port", "tier"],
    )
    j = j[(j["lo"] <= j["d"]) & (j["a"] <= j["hi"])]
    det_call = v[v["level"] >= 2]
    call_j = j[j["level"] >= 2]
    matched_truth_calls = set(call_j.loc[call_j["call"], "visit_id"])
    shown = pop[pop["call"] & pop["shown"]]
    good_det = set(call_j.loc[call_j["call"], "vi"])
    return {
        "truth_calls": len(shown),
        "found": int(shown["visit_id"].isin(matched_truth_calls).sum()),
        "recall": float(shown["visit_id"].isin(matched_truth_calls).mean())
        if len(shown)
        else np.nan,
        "detected_calls": len(det_call),
        "precision": len(good_det) / len(det_call) if len(det_call) else np.nan,
        "transits_as_calls": int(call_j.loc[~call_j["call"], "visit_id"].nunique()),
        "transits": int((~pop["call"]).sum()),
    }
