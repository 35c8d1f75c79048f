"""The port state machine, vectorised over vessel-sorted arrays.

States of a vessel: ``IN(z)`` (zone index ``z >= 0``), ``OUT`` (at sea, or known not to be in
the zone it was in) and ``UNKNOWN`` (no evidence yet). Transitions:

================  =================================  =====================================
from              evidence                            to / event
================  =================================  =====================================
UNKNOWN           fix inside zone z / present survey  IN(z), no event (arrival not seen)
UNKNOWN           fix beyond every exit region        OUT, no event
OUT               fix inside z / present survey       IN(z) + **arrival** at z
IN(a)             fix inside another zone b           IN(b) + **departure** a + **arrival** b
IN(a)             fix beyond a's exit region          OUT + **departure** from a
IN(a)             full-coverage survey of a, absent   OUT + **departure** from a
any               fix in the hysteresis band          unchanged
================  =================================  =====================================

A visit (a run of ``IN(z)``) that is shorter than ``min_dwell_min`` with every fix faster than
``stop_speed_kn`` and only AIS evidence is a *transit*: neither its arrival nor its departure is
an event. An arrival is emitted once its visit qualifies; until then it is *pending*.

Inputs are plain numpy arrays sorted by (vessel code, time) with ties broken deterministically;
:mod:`navwatch.detect.api` builds them from observation tables. Nothing here reads files or the
clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import DetectParams
from .zoneindex import KM_PER_DEG_LAT, ZoneIndex, haversine_km

UNDET = -3  # no decision from this row alone (hysteresis band, undecided absence)
UNKNOWN = -2
OUT = -1

KIND_AIS, KIND_SIGHTING, KIND_SURVEY = 0, 1, 2
ROW_OK, ROW_DUP, ROW_JUMP, ROW_PENDING = 0, 1, 2, 3

NS_PER_S = 1_000_000_000
NS_PER_H = 3600 * NS_PER_S


@dataclass
class Arrays:
    """Column arrays of the evidence, sorted by (v, t). ``fixed`` is the state carried over from
    an earlier batch (``UNDET`` for new rows); ``carried`` marks such rows."""

    v: np.ndarray  # int32 vessel code
    t: np.ndarray  # int64 ns since epoch
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64
    sog: np.ndarray  # float64, NaN = unknown
    kind: np.ndarray  # int8
    present: np.ndarray  # int8: -1 n/a, 0 absent, 1 present
    szone: np.ndarray  # int32 surveyed zone, -1
    rel: np.ndarray  # float64 reliability
    fixed: np.ndarray  # int32
    carried: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.t)

    def take(self, idx: np.ndarray) -> Arrays:
        return Arrays(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})


@dataclass
class RawEvent:
    """An event located in the effective-row arrays; :mod:`api` turns it into a table row."""

    v: int
    zone: int
    event: str  # 'departure' | 'arrival'
    before: int  # effective-row index of the last evidence in the old state
    after: int  # effective-row index of the first evidence in the new state
    time_ns: int
    lat: float
    lon: float
    method: str  # 'interpolated' | 'projected' | 'midpoint'
    conflict: str = ""
    decided: int = -1  # effective-row index of the evidence that confirmed the event


@dataclass
class EngineResult:
    status: np.ndarray  # per input row: ROW_OK / ROW_DUP / ROW_JUMP / ROW_PENDING
    eff: np.ndarray  # input-row index of each effective row
    state: np.ndarray  # state per effective row
    inside: np.ndarray  # zone whose entry polygon holds each effective row (or survey zone)
    events: list[RawEvent]
    carry: np.ndarray  # input-row indices to carry to the next batch
    carry_state: np.ndarray  # their fixed state (UNDET for pending rows)
    carry_sog: np.ndarray  # their effective speed (SOG or implied), so the next batch agrees
    carry_open: np.ndarray  # which of them start their vessel's open (last) run
    n_transits: int
    n_pending_visits: int
    jump_speed_kn: np.ndarray  # per input row, implied speed for ROW_JUMP rows


def group_starts(v: np.ndarray) -> np.ndarray:
    start = np.ones(len(v), dtype=bool)
    if len(v) > 1:
        start[1:] = v[1:] != v[:-1]
    return start


def ffill(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Forward-fill ``UNDET`` entries within groups; every group start must be determined."""
    idx = np.where(values != UNDET, np.arange(len(values)), 0)
    np.maximum.accumulate(idx, out=idx)
    return values[idx]


def run(a: Arrays, zi: ZoneIndex, p: DetectParams) -> EngineResult:
    n = len(a)
    status = np.zeros(n, dtype=np.int8)
    jump_speed = np.full(n, np.nan)
    start = group_starts(a.v)
    positional = np.isfinite(a.lat) & np.isfinite(a.lon)
    ais = a.kind == KIND_AIS

    # 1. duplicates: an AIS fix right after another AIS fix of the same vessel, same place.
    if n > 1:
        same = ~start[1:] & ais[1:] & ais[:-1] & ~(a.carried[1:] & a.carried[:-1])
        dt = a.t[1:] - a.t[:-1]
        close_t = same & (dt <= p.dup_window_s * NS_PER_S)
        if close_t.any():
            i = np.flatnonzero(close_t)
            d_m = haversine_km(a.lat[i], a.lon[i], a.lat[i + 1], a.lon[i + 1]) * 1000
            dup = i[d_m <= p.dup_distance_m] + 1
            status[dup] = ROW_DUP

    # 2. single-fix position jumps among the remaining AIS fixes.
    pi = np.flatnonzero((status == ROW_OK) & ais & positional)
    if len(pi) >= 2:
        pv = a.v[pi]
        samev = pv[1:] == pv[:-1]
        plat, plon, pt = a.lat[pi], a.lon[pi], a.t[pi]
        # cheap upper bound of the distance first (no trigonometry): most pairs are close
        dlat = np.abs(plat[1:] - plat[:-1])
        dlon = np.abs(plon[1:] - plon[:-1])
        far = samev & ((dlat * KM_PER_DEG_LAT > p.jump_min_km) | (np.minimum(dlon, 360 - dlon) * 111.32 > p.jump_min_km))
        bad = np.zeros(len(samev), bool)  # bad[k]: the pair (k, k+1) implies an impossible speed
        spd = np.full(len(samev), np.nan)
        kk = np.flatnonzero(far)
        if len(kk):
            d = haversine_km(plat[kk], plon[kk], plat[kk + 1], plon[kk + 1])
            dt_h = (pt[kk + 1] - pt[kk]) / NS_PER_H
            with np.errstate(divide="ignore", invalid="ignore"):
                s_k = np.where(dt_h > 0, d / 1.852 / dt_h, np.inf)
            spd[kk] = s_k
            bad[kk] = (d > p.jump_min_km) & (s_k > p.max_speed_kn)
        m = len(pi)
        bad_in = np.zeros(m, bool)
        bad_in[1:] = bad
        bad_out = np.zeros(m, bool)
        bad_out[:-1] = bad
        spd_in = np.full(m, np.nan)
        spd_in[1:] = spd
        jump = bad_in & bad_out
        if jump.any():
            k = np.flatnonzero(jump)
            d2 = haversine_km(a.lat[pi[k - 1]], a.lon[pi[k - 1]], a.lat[pi[k + 1]], a.lon[pi[k + 1]])
            dt2 = (a.t[pi[k + 1]] - a.t[pi[k - 1]]) / NS_PER_H
            with np.errstate(divide="ignore", invalid="ignore"):
                spd2 = np.where(dt2 > 0, d2 / 1.852 / dt2, np.inf)
            keep_rule = (d2 <= p.jump_min_km) | (spd2 <= p.max_speed_kn)
            jump[k[~keep_rule]] = False
        settled = a.carried & (a.fixed != UNDET)  # carried rows already judged in their batch
        jump &= ~settled[pi]
        status[pi[jump]] = ROW_JUMP
        jump_speed[pi[jump]] = spd_in[jump]
        # The last fix of a vessel that is impossibly far from the previous one cannot be judged
        # until the next fix arrives: hold it (the same happens in one run and in batches).
        # (judged against the previous fix that is not itself a jump)
        kept = pi[~jump]
        if len(kept) >= 2:
            kv = a.v[kept]
            last = np.flatnonzero(np.r_[kv[1:] != kv[:-1], True])
            last = last[last > 0]
            last = last[kv[last] == kv[last - 1]]
            i1, i0 = kept[last], kept[last - 1]
            d_last = haversine_km(a.lat[i0], a.lon[i0], a.lat[i1], a.lon[i1])
            dt_last = (a.t[i1] - a.t[i0]) / NS_PER_H
            with np.errstate(divide="ignore", invalid="ignore"):
                s_last = np.where(dt_last > 0, d_last / 1.852 / dt_last, np.inf)
            pend = (d_last > p.jump_min_km) & (s_last > p.max_speed_kn) & ~settled[i1]
            status[i1[pend]] = ROW_PENDING

    eff = np.flatnonzero(status == ROW_OK)
    e = a.take(eff)
    m = len(eff)
    est = group_starts(e.v)
    epos = np.isfinite(e.lat) & np.isfinite(e.lon)

    # 3. zone membership of positional rows; surveys name their zone.
    inside = np.full(m, -1, np.int32)
    near = np.full(m, -1, np.int32)
    if epos.any():
        pin, pnear = zi.membership(e.lon[epos], e.lat[epos])
        inside[epos] = pin
        near[epos] = pnear
    survey = e.kind == KIND_SURVEY
    present = survey & (e.present == 1)
    absent = survey & (e.present == 0)
    inside[present] = e.szone[present]
    near[present] = e.szone[present]

    # 4. states: determined rows, then hysteresis by forward fill, to a fixed point.
    det = np.full(m, UNDET, np.int32)
    det[epos & (near < 0)] = OUT
    det[inside >= 0] = inside[inside >= 0]
    has_fixed = e.fixed != UNDET
    det[has_fixed] = e.fixed[has_fixed]
    # A survey that sees a vessel in an outer tier (the anchorage, which holds the harbour) says
    # nothing new about a vessel already in an inner tier: decided in order, below.
    outer = present & ~has_fixed & (zi.rank[np.maximum(e.szone, 0)] > 0) & ~est
    det[outer] = UNDET
    det[est & (det == UNDET)] = UNKNOWN
    band = np.flatnonzero((det == UNDET) & epos)
    todo_absent = np.flatnonzero((det == UNDET) & absent)
    pending = np.flatnonzero(outer)
    gid = np.cumsum(est) - 1
    n_groups = int(gid[-1]) + 1 if m else 0
    while True:
        state = ffill(det, est)
        changed = False
        # rows after a pending survey of an outer tier wait until that survey is decided
        first_pending = np.full(n_groups, m, np.int64)
        if len(pending):
            np.minimum.at(first_pending, gid[pending], pending)
        if len(todo_absent):
            ready = first_pending[gid[todo_absent]] > todo_absent
            rows = todo_absent[ready]
            prev = state[rows - 1]
            sz = e.szone[rows]
            # absent from the surveyed zone, or from an outer tier around the current one
            hit = (prev == sz) | np.array(
                [p_ >= 0 and s_ >= 0 and zi.nested(int(p_), int(s_)) for p_, s_ in zip(prev, sz, strict=True)], dtype=bool
            )
            if hit.any():
                det[rows[hit]] = OUT
                changed = True
                todo_absent = np.setdiff1d(todo_absent, rows[hit])
        if len(band):
            ready = first_pending[gid[band]] > band
            z = state[band]
            check = ready & (z >= 0) & (near[band] != z)
            if check.any():
                bad = np.zeros(len(band), bool)
                for zz in np.unique(z[check]):
                    sel = np.flatnonzero(check & (z == zz))
                    outside = ~zi.in_exit(int(zz), e.lon[band[sel]], e.lat[band[sel]])
                    bad[sel[outside]] = True
                if bad.any():
                    det[band[bad]] = OUT
                    band = band[~bad]
                    changed = True
        if changed:
            continue
        if len(pending):
            first = first_pending[first_pending < m]
            for i in first:
                prev = int(state[i - 1])
                sz = int(e.szone[i])
                if not (prev >= 0 and (prev == sz or zi.nested(prev, sz))):
                    det[i] = sz
                    inside[i] = sz
            pending = np.setdiff1d(pending, first)
            changed = True
        if not changed:
            break

    # 5. runs of equal state, and their aggregates.
    prev_state = np.empty(m, np.int32)
    if m:
        prev_state[0] = UNKNOWN
        prev_state[1:] = state[:-1]
    brk = est | (state != prev_state)
    run_id = np.cumsum(brk) - 1
    run_first = np.flatnonzero(brk)
    n_runs = len(run_first)
    run_last = np.append(run_first[1:] - 1, m - 1) if n_runs else run_first
    run_state = state[run_first] if n_runs else np.empty(0, np.int32)
    # speed: SOG where known, else implied by the neighbouring AIS fixes of the same vessel
    ais_e = e.kind == KIND_AIS
    need = ais_e & epos & ~np.isfinite(e.sog)
    if need.any():
        ap = np.flatnonzero(ais_e & epos)
        if len(ap) >= 2:
            same = e.v[ap[1:]] == e.v[ap[:-1]]
            d = haversine_km(e.lat[ap[:-1]], e.lon[ap[:-1]], e.lat[ap[1:]], e.lon[ap[1:]])
            dt_h = (e.t[ap[1:]] - e.t[ap[:-1]]) / NS_PER_H
            with np.errstate(divide="ignore", invalid="ignore"):
                spd = np.where(same & (dt_h > 0), d / 1.852 / dt_h, np.nan)
            implied = np.full(len(ap), np.nan)
            implied[1:] = spd
            implied[:-1] = np.where(np.isfinite(implied[:-1]), implied[:-1], spd)
            sog = e.sog.copy()
            fill = ~np.isfinite(sog[ap])
            sog[ap[fill]] = implied[fill]
            e.sog = sog
    t_first = e.t[run_first]
    t_last = e.t[run_last]
    slow = ais_e & (e.sog <= p.stop_speed_kn)
    nan_sog = ais_e & ~np.isfinite(e.sog)
    non_ais = ~ais_e
    has_slow = np.bincount(run_id, weights=slow, minlength=n_runs) > 0
    has_nan = np.bincount(run_id, weights=nan_sog, minlength=n_runs) > 0
    has_non_ais = np.bincount(run_id, weights=non_ais, minlength=n_runs) > 0
    has_pos = np.bincount(run_id, weights=epos, minlength=n_runs) > 0
    # last row of each run whose evidence is inside the run's zone
    in_own = (inside == state) & (state >= 0)
    last_in = np.full(n_runs, -1, np.int64)
    if in_own.any():
        rows = np.flatnonzero(in_own)
        last_in[run_id[rows]] = rows  # later rows overwrite earlier ones
    run_group_end = np.append(est[1:], True) if m else est
    open_run = run_group_end[run_last]
    dwell_ns = t_last - t_first
    transit_like = (
        (run_state >= 0)
        & ~has_slow
        & ~has_nan
        & ~has_non_ais
        & (dwell_ns < p.min_dwell_min * 60 * NS_PER_S)
    )
    # A run that started from the carried/unknown start of a vessel is a visit whose arrival
    # we did not see: its departure is still an event unless it is transit-like.

    # 6. events at state changes.
    events: list[RawEvent] = []
    n_transits = int(np.sum(transit_like & ~open_run))
    n_pending = int(np.sum(transit_like & open_run))
    change = np.flatnonzero(brk & ~est)
    for i in change:
        r_prev = run_id[i - 1]
        r_new = run_id[i]
        s_prev, s_new = int(state[i - 1]), int(state[i])
        if s_prev == UNKNOWN:
            continue
        # Between tiers of one port only one thing happens: moving out of an inner tier is a
        # departure from it; moving in from an outer tier is an arrival at the inner one.
        inward = s_prev >= 0 and s_new >= 0 and zi.nested(s_new, s_prev)
        outward = s_prev >= 0 and s_new >= 0 and zi.nested(s_prev, s_new)
        if s_prev >= 0 and not inward and not transit_like[r_prev]:
            L = int(last_in[r_prev])
            if L < 0:
                L = int(run_first[r_prev])
            F = next((k for k in range(L + 1, i) if _outside(e, zi, s_prev, k, inside)), i)
            events.append(_departure(e, zi, p, s_prev, L, F))
            events[-1].decided = int(i)
        if s_new >= 0 and not outward and not transit_like[r_new]:
            events.append(_arrival(e, zi, p, s_new, i - 1, i))
            events[-1].decided = int(i)

    # 7. contradictions: gone by a survey, back again with no evidence of being anywhere else.
    by_after = {(ev.after, ev.event): ev for ev in events}
    for ev in events:
        if ev.event != "arrival":
            continue
        r_out = run_id[ev.before]
        if run_state[r_out] != OUT or has_pos[r_out]:
            continue
        f = run_first[r_out]
        if est[f] or not absent[f]:
            continue
        r_in = run_id[f - 1]
        if run_state[r_in] != ev.zone:
            continue
        dep = by_after.get((int(f), "departure"))
        text = "contradiction: reported absent, then present again with no sighting between"
        ev.conflict = text
        if dep is not None:
            dep.conflict = text

    # 8. what to carry to the next batch: the rows the last three runs of each vessel need.
    keep = np.zeros(m, bool)
    if m:
        r_group = e.v[run_first]
        gnum = np.cumsum(np.r_[True, r_group[1:] != r_group[:-1]]) - 1
        gend_idx = np.flatnonzero(np.r_[r_group[1:] != r_group[:-1], True])
        r_last3 = (gend_idx[gnum] - np.arange(n_runs)) < 3
        sel = np.flatnonzero(r_last3)
        keep[run_first[sel]] = True
        keep[run_last[sel]] = True
        li = last_in[sel]
        li = li[li >= 0]
        keep[li] = True
        nxt = np.minimum(li + 1, m - 1)
        keep[nxt[e.v[nxt] == e.v[li]]] = True  # the fix after the last one inside, same vessel
        # the row before each carried run, so an arrival into it keeps its window
        before = run_first[sel] - 1
        before = before[(before >= 0) & ~est[run_first[sel]]]
        keep[before] = True
        # both bracketing rows of every event decided inside the carried runs
        for ev in events:
            if r_last3[run_id[ev.decided]]:
                keep[ev.before] = True
                keep[ev.after] = True
                keep[ev.decided] = True
        for flag in (slow, nan_sog, non_ais, epos):
            rows = np.flatnonzero(flag & r_last3[run_id])
            if len(rows):
                # first such row of each run
                _, first = np.unique(run_id[rows], return_index=True)
                keep[rows[first]] = True
        # the last two AIS fixes of each vessel (duplicate/jump checks of the next batch)
        ais_rows = np.flatnonzero(ais_e & epos)
        if len(ais_rows):
            gv = e.v[ais_rows]
            last1 = np.append(gv[1:] != gv[:-1], True)
            keep[ais_rows[last1]] = True
            last2 = np.zeros(len(ais_rows), bool)
            last2[:-1] = last1[1:] & (gv[:-1] == gv[1:])
            keep[ais_rows[last2]] = True
    carry_eff = np.flatnonzero(keep)
    # the first row of each vessel's last (open) run: an arrival decided there may still be
    # pending (its visit has not qualified yet) and is reported once it does
    open_first = np.zeros(m, bool)
    if m:
        open_first[run_first[np.flatnonzero(np.r_[r_group[1:] != r_group[:-1], True])]] = True
    pending_rows = np.flatnonzero(status == ROW_PENDING)
    carry = np.concatenate([eff[carry_eff], pending_rows])
    carry_sog = np.concatenate([e.sog[carry_eff], a.sog[pending_rows]])
    carry_state = np.concatenate([state[carry_eff], np.full(len(pending_rows), UNDET, np.int32)])
    carry_open = np.concatenate([open_first[carry_eff], np.zeros(len(pending_rows), bool)])
    order = np.argsort(carry, kind="stable")
    return EngineResult(
        status=status,
        eff=eff,
        state=state,
        inside=inside,
        events=events,
        carry=carry[order],
        carry_state=carry_state[order],
        carry_sog=carry_sog[order],
        carry_open=carry_open[order],
        n_transits=n_transits,
        n_pending_visits=n_pending,
        jump_speed_kn=jump_speed,
    )


def _outside(e: Arrays, zi: ZoneIndex, z: int, k: int, inside: np.ndarray) -> bool:
    """Whether effective row ``k`` is evidence that the vessel was outside zone ``z``."""
    if e.kind[k] == KIND_SURVEY:
        sz = int(e.szone[k])
        if sz < 0:
            return False
        if e.present[k] == 1:  # seen in sz: outside z unless sz and z are one, or nest
            return sz != z and not zi.nested(sz, z) and not zi.nested(z, sz)
        return sz == z or zi.nested(z, sz)  # absent from z, or from an outer tier around it
    if not np.isfinite(e.lat[k]):
        return False
    if inside[k] == z or (inside[k] >= 0 and zi.nested(int(inside[k]), z)):
        return False
    return not zi.entry_contains(z, e.lon[k], e.lat[k])


def _speed_kn(e: Arrays, i: int, p: DetectParams) -> float:
    s = e.sog[i]
    return float(s) if np.isfinite(s) and s >= 1.0 else p.assumed_speed_kn


def _crossing(e, zi, z, i_in, i_out):
    """Interpolate the boundary crossing between a fix inside zone z and one outside it."""
    d_in = zi.boundary_distance_km(z, e.lon[i_in], e.lat[i_in])
    d_out = zi.boundary_distance_km(z, e.lon[i_out], e.lat[i_out])
    frac = d_in / (d_in + d_out) if (d_in + d_out) > 0 else 0.5
    return frac


def _departure(e: Arrays, zi: ZoneIndex, p: DetectParams, z: int, L: int, F: int) -> RawEvent:
    t0, t1 = int(e.t[L]), int(e.t[F])
    pos_L = np.isfinite(e.lat[L])
    pos_F = np.isfinite(e.lat[F])
    if pos_L and pos_F and (t1 - t0) <= p.max_interp_gap_min * 60 * NS_PER_S:
        frac = _crossing(e, zi, z, L, F)
        t = t0 + int(round(frac * (t1 - t0)))
        lat = e.lat[L] + frac * (e.lat[F] - e.lat[L])
        lon = e.lon[L] + frac * (e.lon[F] - e.lon[L])
        method = "interpolated"
    elif pos_F:
        d = zi.boundary_distance_km(z, e.lon[F], e.lat[F])
        back = int(d / 1.852 / _speed_kn(e, F, p) * NS_PER_H)
        t = min(max(t1 - back, t0), t1)
        lat, lon = e.lat[F], e.lon[F]
        method = "projected"
    else:
        t = t0 + (t1 - t0) // 2
        lat, lon = zi.rep_lat[z], zi.rep_lon[z]
        method = "midpoint"
    return RawEvent(int(e.v[L]), z, "departure", L, F, t, float(lat), float(lon), method)


def _arrival(e: Arrays, zi: ZoneIndex, p: DetectParams, z: int, P: int, i: int) -> RawEvent:
    t0, t1 = int(e.t[P]), int(e.t[i])
    pos_P = np.isfinite(e.lat[P])
    pos_i = np.isfinite(e.lat[i]) and e.kind[i] != KIND_SURVEY
    if pos_P and pos_i and (t1 - t0) <= p.max_interp_gap_min * 60 * NS_PER_S:
        frac = _crossing(e, zi, z, i, P)  # fraction of the way back from i
        t = t1 - int(round(frac * (t1 - t0)))
        lat = e.lat[i] + frac * (e.lat[P] - e.lat[i])
        lon = e.lon[i] + frac * (e.lon[P] - e.lon[i])
        method = "interpolated"
    elif pos_P:
        d = zi.boundary_distance_km(z, e.lon[P], e.lat[P])
        fwd = int(d / 1.852 / _speed_kn(e, P, p) * NS_PER_H)
        t = min(max(t0 + fwd, t0), t1)
        lat, lon = (e.lat[i], e.lon[i]) if pos_i else (zi.rep_lat[z], zi.rep_lon[z])
        method = "projected"
    else:
        t = t0 + (t1 - t0) // 2
        lat, lon = (e.lat[i], e.lon[i]) if pos_i else (zi.rep_lat[z], zi.rep_lon[z])
        method = "midpoint"
    return RawEvent(int(e.v[i]), z, "arrival", P, i, t, float(lat), float(lon), method)
