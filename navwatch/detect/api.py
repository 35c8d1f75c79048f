"""Port-event detection from observation tables: identity join, survey expansion, events table.

:func:`detect_port_events` is the one entry point. It resolves observations to vessels (registry
or, with ``all_vessels``, every MMSI), expands port surveys into per-vessel presence/absence,
sorts the evidence and runs the state machine of :mod:`navwatch.detect.engine`, then builds the
events table. It is usable incrementally: pass the returned ``state`` with the next batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..geodesy import NS_PER_H, S_PER_H
from ..quarantine import Quarantine
from ..registry import Registry, first_identities, identity_table, resolve_ids
from ..zones import ZoneIndex
from . import engine
from .engine import OUT, Arrays
from .params import DetectParams

#: Columns of the events table, in order (:data:`navwatch.schema.EVENTS` describes them).
EVENT_COLUMNS = schema.EVENT_COLUMNS

_KIND_CODE = {
    "ais": engine.KIND_AIS,
    "sighting": engine.KIND_SIGHTING,
    "survey": engine.KIND_SURVEY,
}

# Columns kept for evidence rows that are not AIS fixes and for carried rows.
_EVIDENCE_COLUMNS = [
    "time",
    "lat",
    "lon",
    "kind",
    "sog_kn",
    "present",
    "port",
    "confidence",
    "source",
    "src_file",
    "src_line",
]


@dataclass
class DetectorState:
    """What a detector must remember between batches, per vessel.

    ``rows`` holds a few evidence rows per vessel and zone timeline (the last evidence in and out
    of each zone it was in, where its open visit began and how, the first stop and non-AIS
    evidence of that visit, the evidence of a departure that a later report may contradict, the
    last two AIS fixes, a fix held back for the position-jump check) with what was measured at
    them (stop state, stop start, cumulative stopped and gap time); ``emitted`` holds the events
    already reported that those rows decide, so the next batch re-reports one only when it
    changes (a contradiction found later) and reports a pending arrival once its visit
    qualifies.
    """

    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    emitted: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=[*EVENT_COLUMNS, "_sig", "_base_conf"])
    )

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Detection:
    """Result of :func:`detect_port_events`.

    ``events`` is the events table (new or changed events when a ``state`` was passed in);
    ``visits`` the visits table (one row per run of evidence in a zone, with its evidence level;
    with a ``state``, the visits this batch added to or changed); ``states`` the per-row states
    (``with_states``). Their columns: :data:`navwatch.schema.EVENTS`, ``VISITS``, ``STATES``;
    ``state`` continues detection with the next batch; ``stats`` counts what happened to every
    input row; ``quarantine`` holds rejected rows (position jumps, unknown ports/vessels).
    """

    events: pd.DataFrame
    state: DetectorState
    stats: dict
    quarantine: Quarantine
    states: pd.DataFrame | None = None
    visits: pd.DataFrame | None = None


def detect_port_events(
    obs: pd.DataFrame,
    zones,
    registry: Registry | None = None,
    *,
    params: DetectParams | None = None,
    all_vessels: bool = False,
    state: DetectorState | None = None,
    quarantine: Quarantine | None = None,
    chunk_rows: int = 500_000,
    with_states: bool = False,
    vessels: Callable[[str], bool] | None = None,
) -> Detection:
    """Detect port departures and arrivals.

    Parameters
    ----------
    obs : DataFrame
        Canonical observations (:mod:`navwatch.schema`): AIS fixes, sightings, surveys.
    zones : GeoDataFrame
        Port zones (:func:`navwatch.ports.load_ports`).
    registry : Registry, optional
        Vessels to track. Observations are resolved by MMSI, IMO, call sign, then name/alias.
    params : DetectParams, optional
        Thresholds; defaults documented on :class:`DetectParams`.
    all_vessels : bool
        Track every MMSI in the data, not only registry vessels (registry entries still
        annotate theirs).
    state : DetectorState, optional
        State returned by a previous call: continue from there (incremental detection).
    quarantine : Quarantine, optional
        Collector for rejected rows; a new one is made if not given.
    chunk_rows : int
        The state machine runs over groups of whole vessels of about this many rows at a time,
        which bounds its working memory (about 150 bytes a row) whatever the input size.
    with_states : bool
        Also return ``states``: every evidence row the state machine used (duplicates and
        jumps removed), per vessel in time order, with the port state after it. Dispersal,
        timelines and maps are built from it.
    vessels : callable, optional
        ``vessels(vessel_id) -> bool``: track only these vessels (surveys and group sightings
        are expanded for them only). Partitioned and distributed runs give each partition
        its share this way.

    Returns
    -------
    Detection
        ``events`` sorted by time, then vessel. The columns of the events, visits and states
        tables, their dtypes and meanings: :data:`navwatch.schema.EVENTS`, ``VISITS``,
        ``STATES``.

    Examples
    --------
    >>> import navwatch as nw
    >>> obs = pd.DataFrame({
    ...     "time": pd.to_datetime(["2024-11-30 08:30", "2024-12-03 08:30"], utc=True),
    ...     "lat": [float("nan")] * 2, "lon": [float("nan")] * 2, "kind": ["survey"] * 2,
    ...     "port": ["Tartus"] * 2, "coverage": ["full"] * 2, "vessel": ["Yelnya", ""]})
    >>> det = detect_port_events(obs, nw.load_ports(), nw.load_registry())
    >>> det.events[["vessel_id", "event", "time_earliest", "time_latest"]].iloc[0].tolist()
    ['yelnya', 'departure', Timestamp('2024-11-30 08:30:00+0000', tz='UTC'), Timestamp('2024-12-03 08:30:00+0000', tz='UTC')]
    """
    params = params or DetectParams()
    quarantine = quarantine if quarantine is not None else Quarantine()
    state = state or DetectorState()
    zi = ZoneIndex.of(zones, params.exit_margin_km)
    obs = schema.conform(obs) if len(obs.columns) else schema.empty()
    stats: dict = {"rows_in": int(len(obs))}

    ev = _build_evidence(obs, zi, registry, all_vessels, state, quarantine, stats, vessels)
    counts = dict.fromkeys(
        ("duplicates", "position_jumps", "held_for_next_fix", "transits", "pending_visits"), 0
    )
    tables, vtables, carried, states = [], [], [], []
    # Vessels are independent: run the state machine over groups of whole vessels at a time so
    # memory stays bounded by ``chunk_rows`` whatever the size of the input.
    for lo, hi in _chunks(ev.v_sorted, chunk_rows):
        a = ev.arrays(lo, hi)
        res = engine.run(a, zi, params)
        counts["duplicates"] += int(np.sum(res.status == engine.ROW_DUP))
        counts["position_jumps"] += int(np.sum(res.status == engine.ROW_JUMP))
        counts["held_for_next_fix"] += int(np.sum((res.status == engine.ROW_PENDING) & ~a.carried))
        counts["transits"] += res.n_transits
        counts["pending_visits"] += res.n_pending_visits
        _quarantine_jumps(ev, a, res, lo, quarantine)
        tables.append(_events_table(ev, a, res, lo, zi))
        vtables.append(_visits_table(ev, a, res, zi, params))
        carried.append(_carry_rows(ev, a, res, lo, zi))
        if with_states:
            states.append(_states_table(ev, a, res, lo, zi))
        del a, res
    stats.update(counts)
    events = pd.concat(tables, ignore_index=True) if tables else _events_frame([])
    events, emitted = _reconcile(events, state.emitted)
    events = events.sort_values(["time", "vessel_id", "event"], kind="stable").reset_index(
        drop=True
    )
    rows = pd.concat(carried, ignore_index=True) if carried else _carry_frame([])
    new_state = DetectorState(rows=rows, emitted=emitted)
    visits_all = pd.concat(vtables, ignore_index=True) if vtables else _visits_frame([])
    visits_out = visits_all[visits_all["_touched"]].drop(columns="_touched")
    visits_out = visits_out.sort_values(
        ["start", "vessel_id", "port", "tier"], kind="stable"
    ).reset_index(drop=True)
    stats["events"] = int(len(events))
    stats["departures"] = int((events["event"] == "departure").sum())
    stats["arrivals"] = int((events["event"] == "arrival").sum())
    stats["visits"] = int(len(visits_out))
    v = ev.v_sorted
    stats["vessels"] = int(len(v) and 1 + np.count_nonzero(v[1:] != v[:-1]))
    st = None
    if with_states:
        st = (
            pd.concat(states, ignore_index=True) if states else _states_table(ev, None, None, 0, zi)
        )
    where = "detect_port_events"  # the tables leave as their schemas say (dtypes only: cheap)
    schema.validate(events, "events", where=where)
    schema.validate(visits_out, "visits", where=where)
    if st is not None:
        schema.validate(st, "states", where=where)
    return Detection(
        events=events,
        state=new_state,
        stats=stats,
        quarantine=quarantine,
        states=st,
        visits=visits_out,
    )


_INTERNAL = ["_sig", "_base_conf", "_qualified", "_kept", "_settled", "_news"]


def _reconcile(events: pd.DataFrame, emitted: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decide which events to report, given those reported by earlier batches.

    Returns the events to report and the new ``emitted`` table. An event seen for the first
    time is reported once its visit qualifies (``min_visit_level``); an arrival whose visit has
    not qualified yet is *pending* and reported by the batch in which it does. An event
    reported before is reported again only when it gains a flag (a contradiction that later
    evidence revealed), with its earlier content: flags are never lost, since later batches see
    only the rows carried for them.
    """
    known = emitted.set_index("event_id") if len(emitted) else None
    ids = events["event_id"].to_numpy(dtype=object)
    seen = np.array([known is not None and i in known.index for i in ids], dtype=bool)
    # decided by a row an earlier batch judged: reported then, unless its visit had not qualified
    # yet (a pending arrival); else what the carried rows say is not news
    report = ~seen & events["_qualified"].to_numpy(bool) & ~events["_settled"].to_numpy(bool)
    if known is not None and seen.any():  # seen only where known holds the row
        events = events.copy()
        for i in np.flatnonzero(seen):
            old = known.loc[ids[i]]
            new_flags = events.at[i, "flags"] or ""
            # a flag is news only when evidence of this batch revealed it: the carried rows alone
            # can lack what placed the vessel elsewhere
            gained = bool(new_flags) and not (old["flags"] or "") and bool(events.at[i, "_news"])
            for c in [*EVENT_COLUMNS[1:], "_sig", "_base_conf"]:
                events.at[i, c] = old[c]
            if gained:
                events.at[i, "flags"] = new_flags
                events.at[i, "confidence"] = round(float(old["_base_conf"]) * CONFLICT_FACTOR, 3)
                report[i] = True
    keep = (report | seen) & events["_kept"].to_numpy(bool)
    new_emitted = (
        events[keep]
        .drop(columns=["_qualified", "_kept", "_settled", "_news"])
        .reset_index(drop=True)
    )
    out = events[report].drop(columns=_INTERNAL).reset_index(drop=True)
    return out, new_emitted


#: Confidence factor of an event whose evidence contradicts itself.
CONFLICT_FACTOR = 0.5


def _chunks(v_sorted: np.ndarray, chunk_rows: int):
    """(lo, hi) slices of the sorted rows holding whole vessels, about ``chunk_rows`` each."""
    n = len(v_sorted)
    lo = 0
    while lo < n:
        hi = min(lo + max(chunk_rows, 1), n)
        if hi < n:
            # extend to the end of the vessel that straddles the cut
            hi = int(np.searchsorted(v_sorted, v_sorted[hi - 1], side="right"))
        yield lo, hi
        lo = hi


# ----------------------------------------------------------------------------------------------
# evidence: resolve identities, expand surveys and group sightings, sort


@dataclass
class _Evidence:
    """Evidence rows, ordered by (vessel, time) without copying the observation table.

    Row ids: ``0 .. len(base)-1`` are rows of the observation table, ``len(base) + j`` row ``j``
    of ``extra`` (expanded surveys and group sightings, then carried rows). ``row_id[k]`` is the
    id of the ``k``-th row in sorted order; ``v_sorted[k]`` its vessel code.
    """

    base: pd.DataFrame
    extra: pd.DataFrame
    row_id: np.ndarray
    v_sorted: np.ndarray
    vessel_ids: np.ndarray  # code -> vessel_id
    vessel_names: np.ndarray  # code -> display name
    vessel_mmsi: np.ndarray  # code -> mmsi (float, NaN if unknown)
    cols: dict  # per-source column arrays: name -> (base array, extra array)
    n_new_extra: int

    @property
    def n_base(self) -> int:
        return len(self.base)

    def gather(self, name: str, rid: np.ndarray) -> np.ndarray:
        """Column ``name`` of the rows with ids ``rid``. A base column may be an array, a
        scalar (the same for every observation) or a function of the row ids."""
        base, extra = self.cols[name]
        in_base = rid < self.n_base
        all_base = not len(extra) or in_base.all()
        ids = rid if all_base else rid[in_base]
        if callable(base):
            got = base(ids)
        elif isinstance(base, np.ndarray):
            got = base[ids]
        else:
            got = np.full(len(ids), base, dtype=extra.dtype)
        if all_base:
            return got
        out = np.empty(len(rid), dtype=np.result_type(got.dtype, extra.dtype))
        out[in_base] = got
        out[~in_base] = extra[rid[~in_base] - self.n_base]
        return out

    def arrays(self, lo: int, hi: int) -> Arrays:
        """Engine input for sorted rows ``lo:hi``."""
        rid = self.row_id[lo:hi]
        carried = rid >= self.n_base + self.n_new_extra
        return Arrays(
            v=self.v_sorted[lo:hi],
            t=self.gather("t", rid),
            lat=self.gather("lat", rid),
            lon=self.gather("lon", rid),
            sog=self.gather("sog", rid),
            kind=self.gather("kind", rid),
            present=self.gather("present", rid),
            szone=self.gather("szone", rid),
            rel=self.gather("rel", rid),
            carried=carried,
            held=self.gather("held", rid),
            pending=self.gather("pending", rid),
            c_stop=self.gather("c_stop", rid),
            c_since=self.gather("c_since", rid),
            c_stop_q=self.gather("c_stop_q", rid),
            c_cum_stop=self.gather("c_cum_stop", rid),
            c_cum_gap=self.gather("c_cum_gap", rid),
        )

    def take(self, name: str, rid: np.ndarray) -> np.ndarray:
        """Column ``name`` (any dtype) of the rows with ids ``rid``, as an object array."""
        out = np.full(len(rid), None, dtype=object)
        in_base = rid < self.n_base
        for mask, frame, ids in (
            (in_base, self.base, rid[in_base]),
            (~in_base, self.extra, rid[~in_base] - self.n_base),
        ):
            if mask.any() and name in frame.columns:
                out[mask] = frame[name].iloc[ids].to_numpy(dtype=object)
        return out

    def records(self, sorted_pos: np.ndarray) -> pd.DataFrame:
        """Evidence columns of the rows at the given sorted positions (vectorised; each column
        keeps its dtype when both tables hold it alike: no Python object per value)."""
        rid = self.row_id[np.asarray(sorted_pos, dtype=np.int64)].astype(np.int64)
        in_base = rid < self.n_base
        parts = [
            (np.flatnonzero(m), frame, ids)
            for m, frame, ids in (
                (in_base, self.base, rid[in_base]),
                (~in_base, self.extra, rid[~in_base] - self.n_base),
            )
            if m.any()
        ]
        where = np.concatenate([w for w, _, _ in parts]) if parts else np.zeros(0, np.int64)
        order = np.argsort(where, kind="stable")
        cols: dict[str, Any] = {}
        for c in _EVIDENCE_COLUMNS:
            pieces = [
                frame[c].iloc[ids].reset_index(drop=True)
                if c in frame.columns
                else pd.Series(np.nan, index=range(len(ids)), dtype=object)
                for _, frame, ids in parts
            ]
            if not pieces:
                cols[c] = pd.Series([], dtype=object)
                continue
            joined = pieces[0] if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)
            cols[c] = joined.iloc[order].reset_index(drop=True)
        return pd.DataFrame(cols, columns=_EVIDENCE_COLUMNS)


def _build_evidence(
    obs, zi, registry, all_vessels, state, quarantine, stats, wanted=None
) -> _Evidence:
    """The evidence of ``obs`` and of the carried ``state`` rows, ordered by vessel then time:
    a vessel code per row, the rows that surveys and group sightings add, and the column
    sources the engine reads."""
    n_obs = len(obs)
    kcodes = _kind_codes(obs["kind"])
    is_survey = kcodes == engine.KIND_SURVEY
    is_sighting = kcodes == engine.KIND_SIGHTING

    # 1. a vessel code for every observation row (-1: not tracked), without per-row strings
    row_code, vessel_ids, names, mmsis = resolve_vessel_codes(obs, registry, all_vessels)
    n_elsewhere = 0
    if wanted is not None and len(vessel_ids):
        mine = np.array([bool(wanted(v)) for v in vessel_ids] + [True])
        elsewhere = ~mine[row_code]  # rows of vessels another partition tracks
        n_elsewhere = int(np.sum(elsewhere & ~is_survey & ~is_sighting))
        row_code[elsewhere] = -1
    extra_parts: list[pd.DataFrame] = []

    # sightings naming a group: attribute when the count covers the group, else unattributed
    todo = np.flatnonzero(is_sighting & (row_code < 0))
    if registry is not None and len(todo) and "vessel" in obs.columns:
        expanded = _group_sightings(obs, todo, registry, quarantine, stats, wanted)
        if expanded:
            extra_parts.append(pd.DataFrame(expanded))

    # surveys -> one row per registry vessel: present / absent (full coverage) / nothing
    if is_survey.any():
        extra_parts.append(_expand_surveys(obs[is_survey], registry, zi, quarantine, stats, wanted))

    # observations that could not be resolved to a vessel are not tracked; say how many
    stats["rows_unmatched"] = int(np.sum((row_code < 0) & ~is_survey & ~is_sighting)) - n_elsewhere

    n_new = sum(len(p) for p in extra_parts)
    carried = state.rows
    extra = (
        pd.concat([p for p in [*extra_parts, carried] if len(p)], ignore_index=True)
        if n_new or len(carried)
        else _carry_frame([])
    )
    vessel_ids, names, mmsis, extra_code = _extra_vessels(extra, vessel_ids, names, mmsis)
    _registry_names(vessel_ids, names, mmsis, registry)

    # 2. vessel codes in sorted order of vessel_id, so the processing order is stable
    rank = np.empty(len(vessel_ids), dtype=np.int32)
    rank[np.argsort(vessel_ids.astype(str), kind="stable")] = np.arange(
        len(vessel_ids), dtype=np.int32
    )
    vessel_ids, names, mmsis = _permute(rank, vessel_ids, names, mmsis)
    lut = np.append(rank, -1).astype(np.int32)  # -1 (untracked) indexes the last slot
    row_code = lut[row_code]
    row_code[is_survey] = -1
    extra_code = rank[extra_code] if len(extra_code) else extra_code

    # 3. column sources: base (the observation table, zero-copy where possible) and extra
    cols = _column_sources(obs, extra, kcodes, zi, carried, n_new)

    # 4. the order: by vessel code, then time; ties broken by content
    row_id = _row_order(row_code, extra_code, cols["t"], n_obs)
    ev = _Evidence(
        obs,
        extra,
        row_id,
        _sorted_codes(row_code, extra_code, row_id, n_obs),
        vessel_ids,
        names,
        mmsis,
        cols,
        n_new,
    )
    _break_ties(ev)
    return ev


def _group_sightings(obs, todo, registry, quarantine, stats, wanted) -> list[dict]:
    """Evidence rows for sightings ``todo`` that name a group (a class, a type, several
    vessels): one per vessel when the count covers the group; the others are counted as
    unattributed, or quarantined when nothing in the registry matches."""
    expanded = []
    unattributed = 0
    for i in todo:
        token = obs["vessel"].iloc[i]
        if token is None or pd.isna(token):
            continue
        match = registry.resolve_token(token)
        if match.attributed:
            for v in match.vessel_ids:
                if wanted is not None and not wanted(v):
                    continue
                row = {c: obs[c].iloc[i] for c in _EVIDENCE_COLUMNS if c in obs.columns}
                row["vessel_id"] = v
                expanded.append(row)
        elif match.vessel_ids:
            unattributed += 1
        else:
            quarantine.add(
                obs["src_file"].iloc[i] if "src_file" in obs.columns else "<observations>",
                _line(obs, int(i)),
                "unknown_vessel",
                f"sighting names {token!r}: no registry vessel, class or type matches",
                token,
            )
    stats["sightings_unattributed"] = unattributed
    return expanded


def _extra_vessels(extra: pd.DataFrame, vessel_ids, names, mmsis):
    """The vessel tables grown by the vessels only ``extra`` rows name (with the names those
    rows give), and the vessel code of every ``extra`` row."""
    code_of = {v: i for i, v in enumerate(vessel_ids)}
    extra_vid = (
        extra["vessel_id"].astype(object).to_numpy() if len(extra) else np.empty(0, dtype=object)
    )
    for v in extra_vid:
        if v not in code_of:
            code_of[v] = len(vessel_ids)
            vessel_ids = np.append(vessel_ids, v)
            names = np.append(names, "")
            mmsis = np.append(mmsis, np.nan)
    if len(extra) and "vessel_name" in extra.columns:
        for v, nm in zip(extra_vid, extra["vessel_name"], strict=True):
            if not names[code_of[v]] and isinstance(nm, str):
                names[code_of[v]] = nm
    extra_code = np.array([code_of[v] for v in extra_vid], dtype=np.int32)
    return vessel_ids, names, mmsis, extra_code


def _column_sources(obs, extra, kcodes, zi, carried, n_new) -> dict:
    """Per engine column, its (base, extra) sources: the observation table's column (an array,
    a scalar or a lazy function of row ids; zero-copy where possible) and the extra rows'."""
    return {
        "t": (_ns(obs["time"]), _ns(extra["time"]) if len(extra) else np.empty(0, np.int64)),
        "lat": (_f(obs, "lat"), _f(extra, "lat")),
        "lon": (_f(obs, "lon"), _f(extra, "lon")),
        "sog": (_f(obs, "sog_kn"), _f(extra, "sog_kn")),
        "kind": (kcodes, _kind_codes(extra["kind"]) if len(extra) else np.empty(0, np.int8)),
        "present": (
            np.int8(-1),
            extra["present"].astype("boolean").astype("Int8").fillna(-1).to_numpy("int8")
            if len(extra) and "present" in extra
            else np.full(len(extra), -1, np.int8),
        ),
        "szone": (np.int32(-1), _zone_codes(extra, zi) if len(extra) else np.empty(0, np.int32)),
        "rel": (
            _lazy_reliability(
                _f(obs, "confidence") if "confidence" in obs.columns else None, kcodes
            ),
            _reliability(_f(extra, "confidence"), _kind_codes(extra["kind"]))
            if len(extra)
            else np.empty(0),
        ),
        **_carried_columns(carried, n_new),
    }


def _row_order(row_code, extra_code, t_cols, n_obs: int) -> np.ndarray:
    """Row ids (``n_obs + j``: extra row ``j``) of the tracked rows by vessel code, then time
    (ties in no particular order yet); int32 when they fit, for the index kept all run."""
    t_base, t_extra = t_cols
    if not len(extra_code) and (row_code >= 0).all():
        codes_all, t_all, ids_all = row_code, t_base, None
    else:
        base_rows = np.flatnonzero(row_code >= 0)
        codes_all = np.concatenate([row_code[base_rows], extra_code])
        t_all = np.concatenate([t_base[base_rows], t_extra])
        ids_all = np.concatenate([base_rows, n_obs + np.arange(len(extra_code))]).astype(np.int64)
    order = _vessel_time_order(codes_all, t_all)
    row_id = order if ids_all is None else ids_all[order]
    del order, t_all, codes_all
    if len(row_id) < 2**31 - 1:
        row_id = row_id.astype(np.int32)  # half the memory of the index kept for the whole run
    return row_id


def _vessel_time_order(codes: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Indices that sort rows by vessel code (>= 0), then time. Rows tied on both come in no
    particular order: :func:`_break_ties` orders them.

    One int64 key (code * time span + time) and numpy's unstable sort is about 5x faster than
    ``np.lexsort`` over 10 M rows; when the key would overflow, a time sort then a stable radix
    sort of 16-bit codes, else ``np.lexsort``."""
    if not len(codes):
        return np.empty(0, np.int64)
    t0 = int(t.min())
    span = int(t.max()) - t0 + 1
    n_codes = int(codes.max()) + 1
    if n_codes * span < 2**62:
        return np.argsort(codes.astype(np.int64) * span + (t - t0))
    if n_codes <= 2**16:
        o = np.argsort(t)
        return o[np.argsort(codes[o].astype(np.uint16), kind="stable")]
    return np.lexsort((t, codes))


def _sorted_codes(row_code, extra_code, row_id, n_obs) -> np.ndarray:
    if not len(extra_code):
        return row_code[row_id]
    out = np.empty(len(row_id), np.int32)
    in_base = row_id < n_obs
    out[in_base] = row_code[row_id[in_base]]
    out[~in_base] = extra_code[row_id[~in_base] - n_obs]
    return out


def _break_ties(ev: _Evidence) -> None:
    """Rows of one vessel with the same time are ordered by their content, so that the input
    row order never changes the result."""
    rid = ev.row_id
    v = ev.v_sorted
    block = 1 << 20
    for lo in range(0, max(len(rid) - 1, 0), block):
        hi = min(lo + block + 1, len(rid))  # blocks overlap by one row
        t = ev.gather("t", rid[lo:hi])
        vb = v[lo:hi]
        tie = (t[1:] == t[:-1]) & (vb[1:] == vb[:-1])
        if not tie.any():
            continue
        in_tie = np.zeros(hi - lo, bool)
        in_tie[1:] |= tie
        in_tie[:-1] |= tie
        # extend the block's tie runs that continue into the next block
        slots = np.flatnonzero(in_tie)
        end = hi
        while (
            end < len(rid)
            and in_tie[-1]
            and v[end] == v[end - 1]
            and ev.gather("t", rid[end : end + 1])[0] == t[-1]
        ):
            end += 1
        if end > hi:
            slots = np.concatenate([slots, np.arange(hi - lo, end - lo)])
        slots = slots + lo
        sub = rid[slots]
        keys = [ev.gather(c, sub) for c in ("sog", "szone", "present", "lon", "lat", "kind")]
        keys = [np.nan_to_num(k, nan=-999.0) if k.dtype.kind == "f" else k for k in keys]
        # (rows alike in all of these keep their input order: the row id decides last)
        rid[slots] = sub[np.lexsort((sub, *keys, ev.gather("t", sub), v[slots]))]


def _permute(rank, *arrays):
    out = []
    for a in arrays:
        b = np.empty_like(a)
        b[rank] = a
        out.append(b)
    return out


def resolve_vessel_codes(obs: pd.DataFrame, registry: Registry | None, all_vessels: bool):
    """Per observation row a vessel code (-1 if not tracked) and, per code, the vessel id,
    display name and MMSI. AIS rows are resolved per distinct MMSI (an MMSI's first IMO, call
    sign and name anywhere in the data identify all its fixes); other rows one by one."""
    n = len(obs)
    row_code = np.full(n, -1, np.int32)
    ids: list[str] = []
    names: list[str] = []
    mmsis: list[float] = []
    code_of: dict[str, int] = {}

    def code(vid: str, name: str = "", mmsi: float = np.nan) -> int:
        if vid not in code_of:
            code_of[vid] = len(ids)
            ids.append(vid)
            names.append(name)
            mmsis.append(mmsi)
        c = code_of[vid]
        if not names[c] and name:
            names[c] = name
        if np.isnan(mmsis[c]) and not np.isnan(mmsi):
            mmsis[c] = mmsi
        return c

    if n and "mmsi" in obs.columns and obs["mmsi"].notna().any():
        codes, uniq = _mmsi_codes(obs["mmsi"].array)
        ok = codes >= 0
        per = identity_table(uniq, first_identities(obs, codes, ok), keys=np.arange(len(uniq)))
        pv, _ = resolve_ids(per, registry)
        per_name = per["name"] if "name" in per.columns else pd.Series(pd.NA, index=per.index)
        lut = np.full(len(uniq) + 1, -1, np.int32)  # the last slot is for rows with no MMSI
        for j, (vid, m, nm) in enumerate(zip(pv, uniq, per_name, strict=True)):
            nm = "" if nm is None or pd.isna(nm) else str(nm)
            if vid is not None and not pd.isna(vid):
                lut[j] = code(str(vid), "", m)
            elif all_vessels:
                lut[j] = code(f"mmsi:{int(m)}", nm, m)
        codes[~ok] = len(uniq)
        del ok
        row_code = lut[codes]
        del codes
    todo = np.flatnonzero(row_code < 0)
    if len(todo):
        sub = obs.iloc[todo]
        sv, _ = resolve_ids(sub.drop(columns=[c for c in ("mmsi",) if c in sub.columns]), registry)
        for k, vid in zip(todo, sv, strict=True):
            if vid is not None and not pd.isna(vid):
                row_code[k] = code(str(vid))
    return (
        row_code,
        np.array(ids, dtype=object),
        np.array(names, dtype=object),
        np.array(mmsis, dtype="float64"),
    )


def _mmsi_codes(arr) -> tuple[np.ndarray, np.ndarray]:
    """int32 code of each row's MMSI into the sorted distinct MMSIs (-1 where missing), built in
    blocks so no 8-byte-a-row temporary is made."""
    if isinstance(arr, pd.arrays.IntegerArray):
        values, mask = arr._data, arr._mask
    else:
        values = pd.array(arr, dtype="Int64")._data
        mask = pd.isna(arr)
    uniq = np.sort(pd.unique(values[~mask])) if mask.any() else np.sort(pd.unique(values))
    codes = np.empty(len(values), np.int32)
    block = 1 << 20
    for lo in range(0, len(values), block):
        codes[lo : lo + block] = np.searchsorted(uniq, values[lo : lo + block])
    codes[mask] = -1
    return codes, uniq.astype("float64")


def _registry_names(vessel_ids, names, mmsis, registry, *, with_mmsi: bool = True) -> None:
    """Registry names (and, ``with_mmsi``, MMSIs) for registry vessels, in place."""
    if registry is None:
        return
    pos = {v: i for i, v in enumerate(vessel_ids)}
    f = registry.frame
    for v, name, mm in zip(f["vessel_id"], f["name"], f["mmsi"], strict=True):
        if v in pos:
            names[pos[v]] = name
            first = str(mm).split("|")[0].strip()
            if with_mmsi and first.isdigit():
                mmsis[pos[v]] = float(first)


def _expand_surveys(
    surveys: pd.DataFrame,
    registry: Registry | None,
    zi: ZoneIndex,
    quarantine: Quarantine,
    stats: dict,
    wanted=None,
) -> pd.DataFrame:
    rows = []
    unknown_tokens = 0
    ids = registry.ids if registry is not None else []
    if wanted is not None:
        ids = [v for v in ids if wanted(v)]
    for i in range(len(surveys)):
        s = surveys.iloc[i]
        file = s.get("src_file", "<surveys>")
        line = s.get("src_line", None)
        port = s.get("port", None)
        if port is None or pd.isna(port) or zi.find(str(port)) < 0:
            quarantine.add(
                file, line, "unknown_port", f"survey port {port!r} is not a known port zone", port
            )
            continue
        coverage = str(s.get("coverage", "partial") or "partial").strip().lower()
        text = s.get("vessel", "")
        tokens = (
            []
            if text is None or pd.isna(text)
            else [x.strip() for x in str(text).split("|") if x.strip()]
        )
        seen: set[str] = set()
        maybe: set[str] = set()
        for tok in tokens:
            if registry is None:
                break
            maybe_tok = tok.endswith("?")  # "Novorossiysk?": could not be told either way
            m = registry.resolve_token(tok.rstrip("?").strip() if maybe_tok else tok)
            if m.vessel_ids and m.attributed and not maybe_tok:
                seen.update(m.vessel_ids)
            elif m.vessel_ids:  # a group not covered by its count, or a "?" token: maybe
                maybe.update(m.vessel_ids)
            else:
                unknown_tokens += 1
                quarantine.add(
                    file,
                    line,
                    "unknown_vessel",
                    f"survey token {tok!r} matches no registry vessel, class or type (the rest of the survey is used)",
                    tok,
                )
        base = {c: s.get(c, None) for c in _EVIDENCE_COLUMNS if c not in ("present",)}
        base.update(lat=np.nan, lon=np.nan, kind="survey", port=str(port))
        for v in ids:
            if v in seen:
                rows.append({**base, "vessel_id": v, "present": True})
            elif coverage == "full" and v not in maybe:
                rows.append({**base, "vessel_id": v, "present": False})
    stats["survey_unknown_tokens"] = unknown_tokens
    return pd.DataFrame(rows)


_ns = schema.time_ns


def _f(df: pd.DataFrame, col: str) -> np.ndarray:
    """A float64 column as numpy, without a copy when it already is one."""
    if not len(df):
        return np.empty(0)
    if col not in df.columns:
        return np.full(len(df), np.nan)
    s = df[col]
    if s.dtype == np.float64:
        return s.to_numpy()
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _kind_codes(kind: pd.Series) -> np.ndarray:
    """int8 kind codes (engine.KIND_*) of a kind column, without making Python strings."""
    if not isinstance(kind.dtype, pd.CategoricalDtype):
        kind = kind.astype(schema.KIND_DTYPE)
    lut = np.array(
        [_KIND_CODE.get(str(c), engine.KIND_SIGHTING) for c in kind.cat.categories]
        + [engine.KIND_SIGHTING],
        dtype=np.int8,
    )
    codes = kind.cat.codes.to_numpy()
    return lut[np.where(codes >= 0, codes, len(lut) - 1)]


def _lazy_reliability(conf: np.ndarray | None, kinds: np.ndarray):
    """Reliability of observation rows, computed for the rows asked for (no full-size array)."""

    def rel(ids: np.ndarray) -> np.ndarray:
        c = conf[ids] if conf is not None else np.full(len(ids), np.nan)
        return _reliability(c, kinds[ids])

    return rel


def _reliability(conf: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Per-row reliability: the row's confidence, else the default for its kind."""
    default = np.array([schema.DEFAULT_RELIABILITY[k] for k in ("ais", "sighting", "survey")])
    rel = default[kinds]
    return np.where(np.isfinite(conf), np.clip(conf, 0, 1), rel)


def _zone_codes(extra: pd.DataFrame, zi: ZoneIndex) -> np.ndarray:
    if "port" not in extra.columns:
        return np.full(len(extra), -1, np.int32)
    cache: dict = {}
    out = np.full(len(extra), -1, np.int32)
    for i, (k, p) in enumerate(zip(extra["kind"].astype(str), extra["port"], strict=True)):
        if k == "survey" and isinstance(p, str):
            if p not in cache:
                cache[p] = zi.find(p)
            out[i] = cache[p]
    return out


def _carried_columns(carried: pd.DataFrame, n_new: int) -> dict:
    """Engine columns that rows carried from an earlier batch bring along (base rows and new
    extra rows get the neutral value)."""
    spec = {
        "held": ("_held", np.bool_(False), bool),
        "pending": ("_pending", np.bool_(False), bool),
        "c_stop": ("_stop", np.int8(-1), np.int8),
        "c_since": ("_since", np.int64(-1), np.int64),
        "c_stop_q": ("_stop_q", np.int8(-1), np.int8),
        "c_cum_stop": ("_cum_stop", np.int64(-1), np.int64),
        "c_cum_gap": ("_cum_gap", np.int64(-1), np.int64),
    }
    out = {}
    for name, (col, neutral, dtype) in spec.items():
        if len(carried) and col in carried.columns:
            got = pd.to_numeric(carried[col], errors="coerce").fillna(neutral).to_numpy(dtype)
        else:
            got = np.full(len(carried), neutral, dtype)
        out[name] = (neutral, np.concatenate([np.full(n_new, neutral, dtype), got]))
    return out


def _line(obs: pd.DataFrame, i: int):
    if "src_line" in obs.columns:
        v = obs["src_line"].iloc[i]
        return None if pd.isna(v) else int(v)
    return None


# ----------------------------------------------------------------------------------------------
# outputs


def _quarantine_jumps(
    ev: _Evidence, a: Arrays, res: engine.EngineResult, lo: int, quarantine: Quarantine
) -> None:
    rows = np.flatnonzero(res.status == engine.ROW_JUMP)
    if not len(rows):
        return
    recs = ev.records(rows + lo)
    quarantine.add_frame(
        pd.DataFrame(
            {
                "file": [
                    f if f is not None and not pd.isna(f) else "<observations>"
                    for f in recs["src_file"]
                ],
                "line": pd.array(
                    [None if pd.isna(x) else int(x) for x in recs["src_line"]], dtype="Int64"
                ),
                "code": "position_jump",
                "reason": [
                    f"{ev.vessel_ids[a.v[k]]}: fix implies {res.jump_speed_kn[k]:.0f} kn from the previous fix and back"
                    for k in rows
                ],
                "raw": [
                    f"{pd.Timestamp(int(a.t[k]), tz='UTC').isoformat()} {a.lat[k]:.5f},{a.lon[k]:.5f}"
                    for k in rows
                ],
            }
        )
    )


def _describe(rec: dict) -> str:
    """'AIS 2020-06-30T00:05:19Z [file.csv:140]' for an evidence record."""
    kind = str(rec.get("kind"))
    src = rec.get("source")
    src = "" if src is None or pd.isna(src) else str(src)
    label = {"ais": "AIS", "sighting": "sighting", "survey": "survey"}.get(kind, kind)
    if kind == "survey":
        label += " (present)" if rec.get("present") is True else " (absent)"
    if src and src.upper() != "AIS":
        label += f" {src}"
    when = pd.Timestamp(rec["time"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    where = ""
    f = rec.get("src_file")
    if f is not None and not pd.isna(f):
        line = rec.get("src_line")
        where = f" [{f}" + (f":{int(line)}" if line is not None and not pd.isna(line) else "") + "]"
    return f"{label} {when}{where}"


def _window_factor(window_h: float) -> float:
    if window_h <= 1:
        return 1.0
    return max(0.5, 1.0 - 0.1 * np.log2(window_h))


def _events_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*EVENT_COLUMNS, *_INTERNAL])
    for c in ("_qualified", "_kept", "_settled", "_news"):
        df[c] = df[c].astype(bool)
    for c in ("time", "time_earliest", "time_latest"):
        df[c] = pd.to_datetime(df[c].astype("int64"), utc=True).astype(schema.TIME_DTYPE)
    df["mmsi"] = pd.array(df["mmsi"].astype("float64"), dtype="Float64").astype("Int64")
    for c in (
        "event_id",
        "vessel_id",
        "vessel_name",
        "port",
        "tier",
        "event",
        "time_method",
        "evidence",
        "flags",
        "_sig",
    ):
        df[c] = df[c].astype("string")
    for c in ("window_h", "confidence", "lat", "lon", "_base_conf"):
        df[c] = df[c].astype("float64")
    return df


def _event_id(vessel_id: str, zone_label: str, event: str, t_ns: int) -> str:
    return hashlib.sha1(f"{vessel_id}|{zone_label}|{event}|{t_ns}".encode()).hexdigest()[:16]


def _events_table(
    ev: _Evidence, a: Arrays, res: engine.EngineResult, lo: int, zi: ZoneIndex
) -> pd.DataFrame:
    if not res.events:
        return _events_frame([])
    pos_before = np.array([res.eff[r.before] for r in res.events], dtype=np.int64)
    pos_after = np.array([res.eff[r.after] for r in res.events], dtype=np.int64)
    rec_before = ev.records(pos_before + lo).to_dict("records")
    rec_after = ev.records(pos_after + lo).to_dict("records")
    pos_decided = np.array([res.eff[r.decided] for r in res.events], dtype=np.int64)
    kept = np.isin(pos_decided, res.carry) | np.isin(pos_after, res.carry)
    # decided by a row an earlier batch judged (a held fix is judged now; a pending arrival is
    # decided when its visit qualifies), on evidence that batch had: late evidence of this batch
    # older than the carried row (imagery read days late) makes the event news
    settled = (
        a.carried[pos_decided]
        & ~a.held[pos_decided]
        & ~a.pending[pos_decided]
        & a.carried[pos_before]
    )
    by = np.array(
        [res.eff[r.conflict_by] if r.conflict_by >= 0 else -1 for r in res.events], dtype=np.int64
    )
    news = (by >= 0) & ~(a.carried[np.maximum(by, 0)] & ~a.held[np.maximum(by, 0)])
    rows = []
    for j, r in enumerate(res.events):
        before, after = int(pos_before[j]), int(pos_after[j])
        t0, t1 = int(a.t[before]) - r.slack0_ns, int(a.t[after]) + r.slack1_ns
        window_h = (t1 - t0) / NS_PER_H
        base = round(float(a.rel[before] * a.rel[after] * _window_factor(window_h)), 3)
        conf = round(base * CONFLICT_FACTOR, 3) if r.conflict else base
        vid = ev.vessel_ids[r.v]
        eb, ea = _describe(rec_before[j]), _describe(rec_after[j])
        if r.event == "departure":
            evidence = f"last in {zi.port[r.zone]}: {eb}; first outside: {ea}"
        else:
            evidence = f"last outside {zi.port[r.zone]}: {eb}; first in: {ea}"
        rows.append(
            {
                "event_id": _event_id(vid, zi.label[r.zone], r.event, t1),
                "vessel_id": vid,
                "vessel_name": ev.vessel_names[r.v],
                "mmsi": ev.vessel_mmsi[r.v],
                "port": zi.port[r.zone],
                "tier": zi.tier[r.zone],
                "event": r.event,
                "time": r.time_ns,
                "time_earliest": t0,
                "time_latest": t1,
                "window_h": round(window_h, 4),
                "confidence": conf,
                "time_method": r.method,
                "evidence": evidence,
                "flags": r.conflict,
                "lat": r.lat,
                "lon": r.lon,
                "_sig": f"{r.time_ns}|{t0}|{t1}|{conf}|{r.conflict}",
                "_base_conf": base,
                "_qualified": bool(r.qualified),
                "_kept": bool(kept[j]),
                "_settled": bool(settled[j]),
                "_news": bool(news[j]),
            }
        )
    return _events_frame(rows)


#: Columns of ``Detection.visits`` (:data:`navwatch.schema.VISITS` describes them).
VISIT_COLUMNS = schema.VISIT_COLUMNS

#: Confidence of a visit by evidence level (times the best reliability of its evidence).
LEVEL_CONFIDENCE = {1: 0.2, 2: 0.6, 3: 0.8, 4: 0.95}


def _visits_frame(rows: dict | list) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*VISIT_COLUMNS, "_touched"])
    for c in (
        "start",
        "end",
        "arrival_earliest",
        "arrival_latest",
        "departure_earliest",
        "departure_latest",
    ):
        df[c] = pd.to_datetime(df[c], utc=True).astype(schema.TIME_DTYPE)
    df["mmsi"] = pd.array(df["mmsi"].astype("float64"), dtype="Float64").astype("Int64")
    for c in ("visit_id", "vessel_id", "vessel_name", "port", "tier"):
        df[c] = df[c].astype("string")
    for c in ("duration_h", "stopped_h", "gap_h", "confidence", "lat", "lon"):
        df[c] = df[c].astype("float64")
    df["level"] = df["level"].astype("int8")
    for c in ("non_ais", "call", "open", "_touched"):
        df[c] = df[c].astype(bool)
    return df


def _visits_table(
    ev: _Evidence, a: Arrays, res: engine.EngineResult, zi: ZoneIndex, params: DetectParams
) -> pd.DataFrame:
    """One row per visit. ``_touched``: the visit holds evidence new in this batch (the others
    were reported by an earlier one and have not changed)."""
    vis = res.visits
    if not len(vis):
        return _visits_frame([])
    t = a.t[res.eff]
    new = ~a.carried[res.eff] | a.held[res.eff]  # a held fix was not used by its own batch
    cnew = np.cumsum(new)
    end_row = np.where(vis.decided >= 0, vis.decided, vis.last)
    touched = (cnew[end_row] - cnew[vis.first] + new[vis.first]) > 0

    def at(rows: np.ndarray) -> pd.DatetimeIndex:
        """Times of effective rows, NaT where there is no row (-1)."""
        return pd.to_datetime(
            np.where(rows >= 0, t[np.maximum(rows, 0)], np.iinfo(np.int64).min), utc=True
        )

    # the events' windows, widened for GPS error at the edge (engine._noise_slack)
    arr_slack = np.zeros(len(vis), np.int64)
    dep_slack = np.zeros(len(vis), np.int64)
    for r in res.events:
        if r.visit >= 0:
            if r.event == "arrival":
                arr_slack[r.visit] = r.slack0_ns
            else:
                dep_slack[r.visit] = r.slack1_ns
    vids = ev.vessel_ids[vis.v]
    labels = zi.label[vis.zone]
    t_first = t[vis.first]
    level = vis.level.astype(int)
    conf = np.array([LEVEL_CONFIDENCE[int(x)] for x in level]) * vis.rel
    df = _visits_frame(
        {
            "visit_id": [
                hashlib.sha1(f"{v}|{z}|{tf}".encode()).hexdigest()[:16]
                for v, z, tf in zip(vids, labels, t_first, strict=True)
            ],
            "vessel_id": vids,
            "vessel_name": ev.vessel_names[vis.v],
            "mmsi": ev.vessel_mmsi[vis.v],
            "port": zi.port[vis.zone],
            "tier": zi.tier[vis.zone],
            "start": pd.to_datetime(t_first, utc=True),
            "end": pd.to_datetime(t[vis.last], utc=True),
            "arrival_earliest": at(vis.arr_before) - pd.to_timedelta(arr_slack),
            "arrival_latest": at(np.where(vis.arr_before >= 0, vis.first, -1)),
            "departure_earliest": at(np.where(vis.dep_after >= 0, vis.last, -1)),
            "departure_latest": at(vis.dep_after) + pd.to_timedelta(dep_slack),
            "duration_h": np.round((t[vis.last] - t_first) / NS_PER_H, 4),
            "stopped_h": np.round(vis.stopped_s / S_PER_H, 4),
            "gap_h": np.round(vis.gap_s / S_PER_H, 4),
            "non_ais": vis.non_ais,
            "level": level,
            "call": level >= params.min_visit_level,
            "open": vis.decided < 0,
            "confidence": np.round(conf, 3),
            # where it was first seen in the zone, else the zone's representative point
            "lat": np.where(
                np.isfinite(a.lat[res.eff[vis.first]]),
                a.lat[res.eff[vis.first]],
                zi.rep_lat[vis.zone],
            ),
            "lon": np.where(
                np.isfinite(a.lon[res.eff[vis.first]]),
                a.lon[res.eff[vis.first]],
                zi.rep_lon[vis.zone],
            ),
            "_touched": touched,
        }
    )
    return df


#: Columns of ``Detection.states`` (:data:`navwatch.schema.STATES` describes them).
STATE_COLUMNS = schema.STATE_COLUMNS


def _states_table(ev: _Evidence, a: Arrays | None, res, lo: int, zi: ZoneIndex) -> pd.DataFrame:
    """Per effective evidence row: who, when, where, what, and the port state after it
    (columns: :data:`navwatch.schema.STATES`)."""
    if a is None or not len(res.eff):
        return schema.STATES.empty()
    pos = res.eff
    rid = ev.row_id[lo + pos]
    st = res.state
    zone = np.where(st >= 0, st, 0)
    has = st >= 0
    port = np.where(has, zi.port[zone], "")
    tier = np.where(has, zi.tier[zone], "")
    sz = a.szone[pos]
    kinds = np.array(schema.KINDS, dtype=object)[a.kind[pos]]
    present = pd.array(np.where(a.present[pos] < 0, None, a.present[pos] == 1), dtype="boolean")
    df = pd.DataFrame(
        {
            "vessel_id": ev.vessel_ids[a.v[pos]],
            "vessel_name": ev.vessel_names[a.v[pos]],
            "mmsi": pd.array(ev.vessel_mmsi[a.v[pos]], dtype="Float64").astype("Int64"),
            "time": pd.to_datetime(a.t[pos], utc=True).astype(schema.TIME_DTYPE),
            "lat": a.lat[pos],
            "lon": a.lon[pos],
            "sog_kn": a.sog[pos],
            "kind": pd.Categorical(kinds, dtype=schema.KIND_DTYPE),
            "present": present,
            "surveyed": np.where(sz >= 0, zi.label[np.maximum(sz, 0)], ""),
            "state": np.select([st >= 0, st == OUT], ["in", "out"], "unknown"),
            "port": port,
            "tier": tier,
            "confidence": a.rel[pos],
        }
    )
    for c in ("source", "src_file", "src_line"):
        df[c] = ev.take(c, rid)
    for c in (
        "vessel_id",
        "vessel_name",
        "surveyed",
        "state",
        "port",
        "tier",
        "source",
        "src_file",
    ):
        df[c] = df[c].astype("string")
    df["src_line"] = pd.array(pd.to_numeric(df["src_line"], errors="coerce"), dtype="Int32")
    return df[STATE_COLUMNS]


_CARRY_COLUMNS = [
    *_EVIDENCE_COLUMNS,
    "vessel_id",
    "vessel_name",
    "_held",
    "_pending",
    "_stop",
    "_since",
    "_stop_q",
    "_cum_stop",
    "_cum_gap",
]


def empty_events() -> pd.DataFrame:
    """An events table with no rows (:data:`EVENT_COLUMNS`, their dtypes)."""
    return _events_frame([]).drop(columns=_INTERNAL)


def empty_visits() -> pd.DataFrame:
    """A visits table with no rows (:data:`VISIT_COLUMNS`, their dtypes)."""
    return _visits_frame([]).drop(columns="_touched")


def empty_state_rows() -> pd.DataFrame:
    """The rows of a :class:`DetectorState` with none in it (the carried-row columns)."""
    return _carry_frame([])


def _carry_frame(recs) -> pd.DataFrame:
    return pd.DataFrame(recs, columns=_CARRY_COLUMNS)


def _carry_rows(
    ev: _Evidence, a: Arrays, res: engine.EngineResult, lo: int, zi: ZoneIndex
) -> pd.DataFrame:
    """The rows the next batch needs (see :class:`DetectorState`), with what was measured there."""
    carry = res.carry
    rows = ev.records(carry + lo)
    rows["sog_kn"] = res.carry_sog
    codes = a.v[carry]
    rows["vessel_id"] = ev.vessel_ids[codes]
    rows["vessel_name"] = ev.vessel_names[codes]
    rows["_held"] = res.carry_held
    rows["_pending"] = res.carry_pending
    rows["_stop"] = res.carry_stop
    rows["_since"] = res.carry_since
    rows["_stop_q"] = res.carry_stop_q
    rows["_cum_stop"] = res.carry_cum_stop
    rows["_cum_gap"] = res.carry_cum_gap
    rows = rows[_CARRY_COLUMNS]
    if len(rows):
        rows["time"] = pd.to_datetime(rows["time"], utc=True).astype(schema.TIME_DTYPE)
        for c in ("lat", "lon", "sog_kn", "confidence"):
            rows[c] = pd.to_numeric(rows[c], errors="coerce").astype("float64")
    return rows
