"""The port detector, vectorised over vessel-sorted evidence arrays.

The rules live in :mod:`navwatch.detect.machine` (states, evidence, transitions, visit levels);
this module applies them to whole arrays in named stages:

1. :func:`screen` -- duplicates, single-fix position jumps, a held last fix;
2. :func:`locate` -- which zone each position lies in (entry polygon) or near (exit polygon);
3. :func:`motion` -- speed (SOG or implied), stop hysteresis, stop age, stopped and gap time;
4. :func:`segments` -- runs of rows that say the same thing about every zone;
5. :func:`timelines` -- per (vessel, zone) timelines through the transition table;
6. :func:`visits` -- runs of ``IN``, their evidence and level;
7. :func:`events` -- arrivals and departures with bracketing evidence, contradictions;
8. :func:`row_states` and :func:`carry` -- the state after each row; what the next batch needs.

Inputs are plain numpy arrays sorted by (vessel code, time) with ties broken deterministically;
:mod:`navwatch.detect.api` builds them from observation tables. Nothing here reads files or the
clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geodesy import (
    KM_PER_DEG_LAT,
    KM_PER_DEG_LON_EQUATOR,
    KM_PER_NM,
    NS_PER_H,
    NS_PER_MIN,
    NS_PER_S,
    distance_km,
)
from ..zones import ZoneIndex
from .machine import EMITS, Event, Evidence, ZoneState, step, visit_level
from .params import DetectParams

UNDET = -3  # no decision from this row alone
UNKNOWN = -2
OUT = -1

KIND_AIS, KIND_SIGHTING, KIND_SURVEY = 0, 1, 2
ROW_OK, ROW_DUP, ROW_JUMP, ROW_PENDING = 0, 1, 2, 3


@dataclass
class Arrays:
    """Column arrays of the evidence, sorted by (v, t). Rows carried over from an earlier batch
    (``carried``) bring what that batch computed for them: the stop state, the start of their
    stop, and the vessel's cumulative stopped and gap time (``c_*``); ``held`` marks a fix that
    was held back for the position-jump check."""

    v: np.ndarray  # int32 vessel code
    t: np.ndarray  # int64 ns since epoch
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64
    sog: np.ndarray  # float64, NaN = unknown
    kind: np.ndarray  # int8
    present: np.ndarray  # int8: -1 n/a, 0 absent, 1 present
    szone: np.ndarray  # int32 surveyed zone, -1
    rel: np.ndarray  # float64 reliability
    carried: np.ndarray  # bool
    held: np.ndarray  # bool
    pending: np.ndarray  # bool: first row of a visit whose arrival waits for the visit to qualify
    c_stop: np.ndarray  # int8: -1 not known / 0 moving / 1 stopped
    c_since: np.ndarray  # int64 ns: start of the stop a stopped row is part of, -1
    c_stop_q: np.ndarray  # int8: -1 not known / 0 / 1 evidence of a stop at this row
    c_cum_stop: np.ndarray  # int64 ns, -1 where not carried
    c_cum_gap: np.ndarray  # int64 ns, -1 where not carried

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
    before: int  # effective row of the last evidence in the old state
    after: int  # effective row of the first evidence in the new state
    time_ns: int
    lat: float
    lon: float
    method: str  # 'interpolated' | 'projected' | 'midpoint'
    conflict: str = ""
    conflict_by: int = -1  # effective row that revealed the contradiction (the reappearance)
    decided: int = -1  # effective row of the evidence that decided the event
    visit: int = -1  # index into the visits arrays
    qualified: bool = True  # its visit reaches ``min_visit_level``
    # GPS error at the edge: an arrival's earliest bound moves this much earlier, a departure's
    # latest bound this much later (:func:`_noise_slack`)
    slack0_ns: int = 0
    slack1_ns: int = 0


@dataclass
class Visits:
    """One entry per visit (a run of ``IN`` on one vessel's timeline of one zone); row indices
    are effective rows, -1 where there is none."""

    v: np.ndarray
    zone: np.ndarray
    first: np.ndarray  # first evidence in the zone
    last: np.ndarray  # last evidence in the zone
    arr_before: np.ndarray  # last evidence outside before it (entry seen), -1
    dep_after: np.ndarray  # first evidence outside after it (exit seen), -1
    decided: np.ndarray  # row that closed it, -1 while open
    stopped_s: np.ndarray  # float s
    gap_s: np.ndarray  # float s
    has_stop: np.ndarray
    has_gap: np.ndarray
    non_ais: np.ndarray
    level: np.ndarray
    rel: np.ndarray  # best reliability of its evidence in the zone

    def __len__(self) -> int:
        return len(self.v)


@dataclass
class EngineResult:
    status: np.ndarray  # per input row: ROW_OK / ROW_DUP / ROW_JUMP / ROW_PENDING
    eff: np.ndarray  # input-row index of each effective row
    state: np.ndarray  # state per effective row: zone (innermost IN), OUT or UNKNOWN
    inside: np.ndarray  # zone whose entry polygon holds each effective row (or survey zone)
    events: list[RawEvent]
    visits: Visits
    carry: np.ndarray  # input-row indices to carry to the next batch
    carry_sog: np.ndarray  # their effective speed (SOG or implied)
    carry_stop: np.ndarray
    carry_since: np.ndarray
    carry_stop_q: np.ndarray
    carry_cum_stop: np.ndarray
    carry_cum_gap: np.ndarray
    carry_held: np.ndarray
    carry_pending: np.ndarray
    n_transits: int
    n_pending_visits: int
    jump_speed_kn: np.ndarray  # per input row, implied speed for ROW_JUMP rows


def group_starts(v: np.ndarray) -> np.ndarray:
    start = np.ones(len(v), dtype=bool)
    if len(v) > 1:
        start[1:] = v[1:] != v[:-1]
    return start


def ffill_index(mask: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index of the last ``mask`` element at or before each element within its group (-1)."""
    n = len(mask)
    idx = np.where(mask, np.arange(n), -1)
    # a group start resets: mark it with a sentinel that the running max cannot cross
    base = np.where(start, np.arange(n), 0)
    np.maximum.accumulate(base, out=base)  # index of each element's group start
    np.maximum.accumulate(idx, out=idx)
    return np.where(idx >= base, idx, -1)


def bfill_index(mask: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index of the first ``mask`` element at or after each element within its group (-1)."""
    n = len(mask)
    if not n:
        return np.empty(0, np.int64)
    end = np.append(start[1:], True)
    r = ffill_index(mask[::-1], end[::-1])
    return np.where(r >= 0, n - 1 - r, -1)[::-1]


def run(a: Arrays, zi: ZoneIndex, p: DetectParams) -> EngineResult:
    """All stages over one chunk of whole vessels."""
    status, jump_speed = screen(a, p)
    eff = np.flatnonzero(status == ROW_OK)
    e = a.take(eff)
    est = group_starts(e.v)
    loc = locate(e, zi)
    mo = motion(e, est, loc, p)
    # later stages see the effective speed (SOG, else implied), as rows carried to a later batch
    # do: what a batch decides never depends on where the run was cut
    e.sog = mo.sog
    sg = segments(e, est, loc, mo, zi, p)
    tl = timelines(sg, zi)
    vis = visits(e, mo, sg, tl, p)
    evs = events(e, zi, p, sg, tl, vis)
    state = row_states(e, est, zi, sg, tl)
    keep = carry(e, est, mo, sg, tl, vis, p)
    pend = np.zeros(len(e), bool)
    waiting = (vis.decided < 0) & (vis.arr_before >= 0) & (vis.level < p.min_visit_level)
    pend[vis.first[waiting]] = True
    pending_rows = np.flatnonzero(status == ROW_PENDING)
    carry_rows = np.concatenate([eff[keep], pending_rows])
    order = np.argsort(carry_rows, kind="stable")
    npend = len(pending_rows)

    def with_pending(x: np.ndarray, fill) -> np.ndarray:
        return np.concatenate([x[keep], np.full(npend, fill, dtype=x.dtype)])[order]

    closed = vis.decided >= 0
    qualifies = vis.level >= p.min_visit_level
    return EngineResult(
        status=status,
        eff=eff,
        state=state,
        inside=loc.inside,
        events=evs,
        visits=vis,
        carry=carry_rows[order],
        carry_sog=np.concatenate([mo.sog[keep], a.sog[pending_rows]])[order],
        carry_stop=with_pending(mo.stop, -1),
        carry_since=with_pending(mo.since, -1),
        carry_stop_q=with_pending(mo.stop_q.astype(np.int8), -1),
        carry_cum_stop=with_pending(mo.cum_stop, -1),
        carry_cum_gap=with_pending(mo.cum_gap, -1),
        carry_held=np.concatenate([np.zeros(len(keep), bool)[keep], np.ones(npend, bool)])[order],
        carry_pending=with_pending(pend, False),
        n_transits=int(np.sum(closed & ~qualifies)),
        n_pending_visits=int(np.sum(~closed & ~qualifies & (vis.arr_before >= 0))),
        jump_speed_kn=jump_speed,
    )


# ----------------------------------------------------------------------------------------------
# 1. screening


def screen(a: Arrays, p: DetectParams) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1: duplicates, single-fix position jumps and held last fixes (``ROW_*`` per row)."""
    n = len(a)
    status = np.zeros(n, dtype=np.int8)
    jump_speed = np.full(n, np.nan)
    positional = np.isfinite(a.lat) & np.isfinite(a.lon)
    ais = a.kind == KIND_AIS

    # 1. duplicates: an AIS fix right after another AIS fix of the same vessel, same place.
    _mark_duplicates(a, p, ais, status)

    # 2. single-fix position jumps among the remaining AIS fixes.
    pi = np.flatnonzero((status == ROW_OK) & ais & positional)
    if len(pi) >= 2:
        jump, spd_in = _position_jumps(a, p, pi)
        settled = a.carried & ~a.held  # carried rows already judged in their batch
        jump &= ~settled[pi]
        status[pi[jump]] = ROW_JUMP
        jump_speed[pi[jump]] = spd_in[jump]
        # 3. held last fixes (judged against the previous fix that is not itself a jump)
        _hold_far_last_fixes(a, p, pi[~jump], settled, status)
    return status, jump_speed


def _mark_duplicates(a: Arrays, p: DetectParams, ais: np.ndarray, status: np.ndarray) -> None:
    """Mark ``ROW_DUP`` an AIS fix within ``dup_window_s`` and ``dup_distance_m`` of the
    vessel's previous AIS fix (two rows carried from an earlier batch are never compared)."""
    n = len(a)
    start = group_starts(a.v)
    if n > 1:
        same = ~start[1:] & ais[1:] & ais[:-1] & ~(a.carried[1:] & a.carried[:-1])
        dt = a.t[1:] - a.t[:-1]
        close_t = same & (dt <= p.dup_window_s * NS_PER_S)
        if close_t.any():
            i = np.flatnonzero(close_t)
            d_m = distance_km(a.lat[i], a.lon[i], a.lat[i + 1], a.lon[i + 1]) * 1000
            dup = i[d_m <= p.dup_distance_m] + 1
            status[dup] = ROW_DUP


def _position_jumps(a: Arrays, p: DetectParams, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the positional AIS fixes ``pi`` (at least two): :func:`single_fix_jumps`."""
    return single_fix_jumps(a.v[pi], a.t[pi], a.lat[pi], a.lon[pi], p)


def single_fix_jumps(
    v: np.ndarray, t: np.ndarray, lat: np.ndarray, lon: np.ndarray, p: DetectParams
) -> tuple[np.ndarray, np.ndarray]:
    """Fixes sorted by vessel code ``v`` then time ``t`` (ns): whether each is a single-fix
    jump (impossibly fast, over ``max_speed_kn`` and farther than ``jump_min_km``, to reach and
    to leave, while its neighbours are mutually reachable), and the implied speed (kn) from
    the previous fix where the per-axis estimate flagged it. The one definition of a position
    jump: port detection quarantines them, imagery matching interpolates across them."""
    samev = v[1:] == v[:-1]
    plat, plon, pt = lat, lon, t
    # cheap per-axis estimate of the distance first (no trigonometry): most pairs are close
    dlat = np.abs(plat[1:] - plat[:-1])
    dlon = np.abs(plon[1:] - plon[:-1])
    far = samev & (
        (dlat * KM_PER_DEG_LAT > p.jump_min_km)
        | (np.minimum(dlon, 360 - dlon) * KM_PER_DEG_LON_EQUATOR > p.jump_min_km)
    )
    bad = np.zeros(len(samev), bool)  # bad[k]: the pair (k, k+1) implies an impossible speed
    spd = np.full(len(samev), np.nan)
    kk = np.flatnonzero(far)
    if len(kk):
        d = distance_km(plat[kk], plon[kk], plat[kk + 1], plon[kk + 1])
        dt_h = (pt[kk + 1] - pt[kk]) / NS_PER_H
        with np.errstate(divide="ignore", invalid="ignore"):
            s_k = np.where(dt_h > 0, d / KM_PER_NM / dt_h, np.inf)
        spd[kk] = s_k
        bad[kk] = (d > p.jump_min_km) & (s_k > p.max_speed_kn)
    m = len(v)
    bad_in = np.zeros(m, bool)
    bad_in[1:] = bad
    bad_out = np.zeros(m, bool)
    bad_out[:-1] = bad
    spd_in = np.full(m, np.nan)
    spd_in[1:] = spd
    jump = bad_in & bad_out
    if jump.any():
        k = np.flatnonzero(jump)
        d2 = distance_km(lat[k - 1], lon[k - 1], lat[k + 1], lon[k + 1])
        dt2 = (t[k + 1] - t[k - 1]) / NS_PER_H
        with np.errstate(divide="ignore", invalid="ignore"):
            spd2 = np.where(dt2 > 0, d2 / KM_PER_NM / dt2, np.inf)
        keep_rule = (d2 <= p.jump_min_km) | (spd2 <= p.max_speed_kn)
        jump[k[~keep_rule]] = False
    return jump, spd_in


def _hold_far_last_fixes(
    a: Arrays, p: DetectParams, kept: np.ndarray, settled: np.ndarray, status: np.ndarray
) -> None:
    """Mark ``ROW_PENDING`` a vessel's last fix (among ``kept``, the fixes that are not jumps)
    that is impossibly far from its previous one, and every later row of that vessel."""
    # The last fix of a vessel that is impossibly far from the previous one cannot be judged
    # until the next fix arrives: hold it (the same happens in one run and in batches).
    if len(kept) >= 2:
        kv = a.v[kept]
        last = np.flatnonzero(np.r_[kv[1:] != kv[:-1], True])
        last = last[last > 0]
        last = last[kv[last] == kv[last - 1]]
        i1, i0 = kept[last], kept[last - 1]
        d_last = distance_km(a.lat[i0], a.lon[i0], a.lat[i1], a.lon[i1])
        dt_last = (a.t[i1] - a.t[i0]) / NS_PER_H
        with np.errstate(divide="ignore", invalid="ignore"):
            s_last = np.where(dt_last > 0, d_last / KM_PER_NM / dt_last, np.inf)
        pend = (d_last > p.jump_min_km) & (s_last > p.max_speed_kn) & ~settled[i1]
        status[i1[pend]] = ROW_PENDING
        # whatever comes after a held fix (a report, a survey) waits with it: once the fix
        # is judged it may change what that evidence decides
        if pend.any():
            hv, ht = a.v[i1[pend]], a.t[i1[pend]]
            lut = np.full(int(a.v.max()) + 1, np.iinfo(np.int64).max, np.int64)
            np.minimum.at(lut, hv, ht)
            status[(status == ROW_OK) & (a.t >= lut[a.v])] = ROW_PENDING


# ----------------------------------------------------------------------------------------------
# 2. where each row is


@dataclass
class Located:
    pos: np.ndarray  # bool: has a position
    inside: np.ndarray  # zone whose polygon holds the position (innermost), or present-survey zone
    near: np.ndarray  # zone whose exit polygon holds the position (innermost), -1
    present_zone: np.ndarray  # zone a survey lists the vessel in, -1
    absent_zone: np.ndarray  # zone a full-coverage survey does not list it in, -1
    ais: np.ndarray  # bool


def locate(e: Arrays, zi: ZoneIndex) -> Located:
    m = len(e)
    pos = np.isfinite(e.lat) & np.isfinite(e.lon)
    inside = np.full(m, -1, np.int32)
    near = np.full(m, -1, np.int32)
    if pos.any():
        pin, pnear = zi.membership(e.lon[pos], e.lat[pos])
        inside[pos] = pin
        near[pos] = pnear
    survey = e.kind == KIND_SURVEY
    present_zone = np.where(survey & (e.present == 1), e.szone, -1).astype(np.int32)
    absent_zone = np.where(survey & (e.present == 0), e.szone, -1).astype(np.int32)
    # a survey row is about its zone only, even if it also carries a position
    pos &= ~survey
    inside = np.where(present_zone >= 0, present_zone, np.where(pos, inside, -1)).astype(np.int32)
    near = np.where(pos, near, -1).astype(np.int32)
    return Located(pos, inside, near, present_zone, absent_zone, e.kind == KIND_AIS)


# ----------------------------------------------------------------------------------------------
# 3. motion: speed, stops, gaps


@dataclass
class Motion:
    sog: np.ndarray  # effective speed: SOG, else implied
    stop: np.ndarray  # int8 per row: 1 stopped, 0 moving, -1 not an AIS fix / unknown
    since: np.ndarray  # int64 ns: start of the current stop, -1
    stop_q: np.ndarray  # bool: stopped for at least min_stop_min at this row
    cum_stop: np.ndarray  # int64 ns: the vessel's stopped time up to this row
    cum_gap: np.ndarray  # int64 ns: its AIS-gap time (gaps >= port_gap_h) up to this row
    rest: np.ndarray  # bool: at rest at this fix (stopped by SOG, or stationary)


def motion(e: Arrays, est: np.ndarray, loc: Located, p: DetectParams) -> Motion:
    """Stage 3: effective speeds, stops, stop evidence, rest and cumulative stopped/gap time."""
    m = len(e)
    sog = e.sog.copy()
    ap = np.flatnonzero(loc.ais & loc.pos)
    sel = slice(None) if len(ap) == m else ap  # views, not copies, when every row is a fix
    # rows an earlier batch judged (a held fix and what waited with it are judged now)
    settled = e.carried & ~e.held
    new = ~settled
    _fill_implied_sog(e, sog, ap, sel, new, p)
    # stop hysteresis over each vessel's AIS fixes
    s = sog[sel]
    gs = group_starts(e.v[sel])
    t_ap = e.t[sel]
    stop_ap, prev_stop, since_ap = _stops(e, s, sel, settled, gs, t_ap, p)
    # time between consecutive fixes: stopped (short intervals) or an AIS gap (long ones)
    dt = np.zeros(len(ap), np.int64)
    if len(ap) > 1:
        dt[1:] = t_ap[1:] - t_ap[:-1]
    dt[gs] = 0
    lat_ap, lon_ap = e.lat[sel], e.lon[sel]
    min_stop = int(p.min_stop_min * NS_PER_MIN)
    gap_ns = int(p.port_gap_h * NS_PER_H)
    still = _still_across(lat_ap, lon_ap, dt, p)
    still_gap = (dt >= gap_ns) & still
    c_stop_ap = np.where((prev_stop == 1) & (dt < gap_ns), dt, 0)
    c_gap_ap = np.where(still_gap, dt, 0)
    # stop evidence: stopped for min_stop_min (counting to the fix that shows it moving again),
    # or stationary: within stationary_radius_m of where it was stationary_min before
    prev_since = np.full(len(ap), -1, np.int64)
    prev_since[1:] = since_ap[:-1]
    prev_since[gs] = -1
    # the fix that shows it under way again ends the stop: how long it lasted is known there
    ended_ap = (prev_stop == 1) & (prev_since >= 0) & (t_ap - prev_since >= min_stop)
    q_ap = ((stop_ap == 1) & (since_ap >= 0) & (t_ap - since_ap >= min_stop)) | ended_ap
    # at rest whatever the SOG says (swinging at anchor), unless clearly under way
    # (only slow fixes can be stationary: the look-back is skipped for ships under way)
    # (a fix already stopped by its SOG needs no look-back either)
    slow = ~(sog[sel] >= 2 * p.move_speed_kn) & (stop_ap != 1)
    stationary = _stationary(e.v[sel], t_ap, lat_ap, lon_ap, p, slow)
    q_ap |= stationary & ~(sog[sel] >= 2 * p.move_speed_kn)
    # at rest at this very fix (a berth at the edge): stopped, or stationary and slow -- unless
    # it has just come out of the zone, further from the fix inside than GPS noise on both fixes
    # allows (a ship that has just cast off can still read as stopped over a long interval)
    rest_ap = (stop_ap == 1) | (stationary & (sog[sel] < p.move_speed_kn))
    if len(ap) > 1:
        _not_at_rest_coming_out(rest_ap, loc, sel, gs, lat_ap, lon_ap, p)
    # a silence across which it did not move: at rest in between
    q_ap |= still
    if settled.any():
        stored_q = settled[sel] & (e.c_stop_q[sel] >= 0)
        q_ap = np.where(stored_q, e.c_stop_q[sel] == 1, q_ap)
    stop = np.full(m, -1, np.int8)
    since = np.full(m, -1, np.int64)
    stop[sel] = stop_ap
    since[sel] = since_ap
    stop_q = np.zeros(m, bool)
    stop_q[sel] = q_ap
    rest = np.zeros(m, bool)
    rest[sel] = rest_ap
    c_stop = np.zeros(m, np.int64)
    c_gap = np.zeros(m, np.int64)
    c_stop[sel] = c_stop_ap
    c_gap[sel] = c_gap_ap
    cum_stop, cum_gap = _cumulative(e, est, settled, c_stop, c_gap)
    return Motion(sog, stop, since, stop_q, cum_stop, cum_gap, rest)


def _fill_implied_sog(
    e: Arrays, sog: np.ndarray, ap: np.ndarray, sel, new: np.ndarray, p: DetectParams
) -> None:
    """Fill ``sog`` where it is missing on the new AIS fixes ``ap`` with an implied speed."""
    # implied speed where SOG is missing: from the fix at least IMPLIED_BASE_S earlier (dense
    # fixes a few metres apart say nothing through GPS noise), less a GPS noise allowance
    need = ~np.isfinite(sog[sel]) & new[sel]
    if need.any() and len(ap) >= 2:
        va, ta = e.v[sel], e.t[sel]
        j = _lookback(va, ta, IMPLIED_BASE_S)
        k = np.arange(len(ap))
        prev_ok = np.r_[False, va[1:] == va[:-1]]
        # (a vessel's first fix has no speed: looking ahead would make a run depend on the
        # next batch)
        base = np.where(j >= 0, j, np.where(prev_ok, k - 1, -1))
        ok = base >= 0
        b = np.maximum(base, 0)
        d_km = np.maximum(
            distance_km(e.lat[ap[b]], e.lon[ap[b]], e.lat[sel], e.lon[sel]) - p.stop_noise_m / 1000,
            0,
        )
        dt_h = np.abs(ta - ta[b]) / NS_PER_H
        with np.errstate(divide="ignore", invalid="ignore"):
            implied = np.where(ok & (dt_h > 0), d_km / KM_PER_NM / dt_h, np.nan)
        sog[ap[need]] = implied[need]


def _stops(
    e: Arrays,
    s: np.ndarray,
    sel,
    settled: np.ndarray,
    gs: np.ndarray,
    t_ap: np.ndarray,
    p: DetectParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per AIS fix (speeds ``s``): stopped (hysteresis between stop_speed_kn and
    move_speed_kn; carried fixes keep their state), stopped at the previous fix, and when the
    current stop began (-1 when moving; 0 for a vessel first seen stopped)."""
    raw = np.where(s <= p.stop_speed_kn, 1, np.where(s >= p.move_speed_kn, 0, -1)).astype(np.int8)
    cst = e.c_stop[sel]
    raw = np.where(settled[sel] & (cst >= 0), cst, raw)
    known = (raw >= 0) | gs
    k = np.where(known, np.arange(len(s)), 0)
    np.maximum.accumulate(k, out=k)
    stop_ap = np.where(raw[k] >= 0, raw[k], 0).astype(np.int8)
    prev_stop = np.zeros(len(s), np.int8)
    prev_stop[1:] = stop_ap[:-1]
    prev_stop[gs] = 0
    begins = (stop_ap == 1) & (prev_stop == 0)
    csince = e.c_since[sel]
    stored = settled[sel] & (stop_ap == 1) & (csince >= 0)
    # a vessel first seen stopped has been stopped for an unknown time: its stop counts at once
    censored = begins & gs & ~settled[sel]
    anchor = begins | stored
    anchor_val = np.where(stored, csince, np.where(censored, 0, t_ap))
    j = ffill_index(anchor, gs | begins)
    since_ap = np.where((stop_ap == 1) & (j >= 0), anchor_val[np.maximum(j, 0)], -1)
    return stop_ap, prev_stop, since_ap


def _still_across(
    lat_ap: np.ndarray, lon_ap: np.ndarray, dt: np.ndarray, p: DetectParams
) -> np.ndarray:
    """Per AIS fix: whether the silence of at least stationary_min before it hid no movement
    (the ship lay still while its AIS was quiet)."""
    long_ = np.flatnonzero(dt >= int(p.stationary_min * NS_PER_MIN))
    across_kn = np.full(len(dt), np.inf)
    if len(long_):
        d_km = distance_km(lat_ap[long_ - 1], lon_ap[long_ - 1], lat_ap[long_], lon_ap[long_])
        across_kn[long_] = (
            np.maximum(d_km - p.stop_noise_m / 1000, 0) / KM_PER_NM / (dt[long_] / NS_PER_H)
        )
    return across_kn < p.move_speed_kn


def _not_at_rest_coming_out(
    rest_ap: np.ndarray,
    loc: Located,
    sel,
    gs: np.ndarray,
    lat_ap: np.ndarray,
    lon_ap: np.ndarray,
    p: DetectParams,
) -> None:
    """Clear ``rest_ap`` at a fix that has just come out of a zone further from the fix inside
    than GPS noise on both fixes allows."""
    inside_ap, near_ap = loc.inside[sel], loc.near[sel]
    came_out = np.r_[False, (inside_ap[:-1] == near_ap[1:]) & (inside_ap[1:] != near_ap[1:])]
    came_out &= (near_ap >= 0) & ~gs
    c = np.flatnonzero(came_out & rest_ap)
    if len(c):
        step_m = distance_km(lat_ap[c - 1], lon_ap[c - 1], lat_ap[c], lon_ap[c]) * 1000
        rest_ap[c[step_m > 2 * p.stop_noise_m]] = False


def _cumulative(
    e: Arrays, est: np.ndarray, settled: np.ndarray, c_stop: np.ndarray, c_gap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the vessel's stopped and gap time (ns) since its first row, from the per-row
    increments ``c_stop``/``c_gap`` (between two carried rows: what was measured there)."""
    m = len(e)
    # between two rows carried from an earlier batch, what was measured there (rows in between
    # were not carried)
    cr = np.flatnonzero(settled[1:] & settled[:-1]) + 1 if m > 1 else np.empty(0, np.int64)
    if len(cr):
        i = cr[~est[cr] & (e.c_cum_stop[cr] >= 0) & (e.c_cum_stop[cr - 1] >= 0)]
        c_stop[i] = e.c_cum_stop[i] - e.c_cum_stop[i - 1]
        c_gap[i] = e.c_cum_gap[i] - e.c_cum_gap[i - 1]
    # per vessel, from its first row (so the values do not depend on the other vessels in a chunk)
    g0 = np.where(est, np.arange(m), 0)
    np.maximum.accumulate(g0, out=g0)
    cum_stop, cum_gap = np.cumsum(c_stop), np.cumsum(c_gap)
    return cum_stop - cum_stop[g0], cum_gap - cum_gap[g0]


def _stationary(
    v: np.ndarray,
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    p: DetectParams,
    which: np.ndarray | None = None,
) -> np.ndarray:
    """Per fix (sorted by vessel and time): whether the vessel's last fix at least
    ``stationary_min`` earlier lies within ``stationary_radius_m`` -- at rest whatever its SOG
    says (a ship swinging at anchor reports 0.3-0.6 kn)."""
    n = len(t)
    out = np.zeros(n, bool)
    if n < 2 or p.stationary_min <= 0:
        return out
    j = _lookback(v, t, int(np.ceil(p.stationary_min * 60)), which)
    k = np.flatnonzero(j >= 0)
    d_km = distance_km(lat[j[k]], lon[j[k]], lat[k], lon[k])
    out[k] = d_km * 1000 <= p.stationary_radius_m
    return out


#: Baseline (s) of implied speeds: dense fixes a few metres apart say nothing through GPS noise.
IMPLIED_BASE_S = 120


def _lookback(
    v: np.ndarray, t: np.ndarray, lag_s: int, which: np.ndarray | None = None
) -> np.ndarray:
    """Per fix (sorted by vessel and time): index of the vessel's last fix at least ``lag_s``
    seconds earlier, -1 where there is none (or where ``which`` is False)."""
    n = len(t)
    out = np.full(n, -1, np.int64)
    if n == 0:
        return out
    ts = t // NS_PER_S
    t0 = int(ts.min())
    width = np.int64(int(ts.max()) - t0 + lag_s + 2)
    key = v.astype(np.int64) * width + (ts - t0)
    k = np.arange(n) if which is None else np.flatnonzero(which)
    j = np.searchsorted(key, key[k] - lag_s, side="right") - 1
    ok = (j >= 0) & (v[np.maximum(j, 0)] == v[k]) & (j < k)
    out[k[ok]] = j[ok]
    return out


def stationary_window(v: np.ndarray, t: np.ndarray, p: DetectParams) -> np.ndarray:
    """Fixes a later batch needs for :func:`_stationary`: each vessel's last ``stationary_min``
    of fixes and the one before them."""
    n = len(t)
    keep = np.zeros(n, bool)
    if not n:
        return keep
    lag = int(np.ceil(p.stationary_min * 60)) * NS_PER_S
    gend = np.append(v[1:] != v[:-1], True)
    last_t = np.empty(n, np.int64)
    # broadcast each vessel's last time backwards
    idx = np.flatnonzero(gend)
    counts = np.diff(np.r_[-1, idx])
    last_t[:] = np.repeat(t[idx], counts)
    win = t >= last_t - lag
    keep |= win
    first_win = win & np.r_[True, ~win[:-1] | (v[1:] != v[:-1])]
    before = np.flatnonzero(first_win) - 1
    before = before[(before >= 0)]
    before = before[v[before] == v[before + 1]]
    keep[before] = True
    return keep


# ----------------------------------------------------------------------------------------------
# 4. segments: runs of rows that say the same about every zone


@dataclass
class Segments:
    first: np.ndarray  # first effective row
    last: np.ndarray  # last effective row
    of_row: np.ndarray  # segment of each effective row
    v: np.ndarray
    pos: np.ndarray
    inside: np.ndarray
    near: np.ndarray
    present_zone: np.ndarray
    absent_zone: np.ndarray
    ais: np.ndarray
    rest_near: np.ndarray  # at rest in a zone's hysteresis band
    vfirst: np.ndarray  # per vessel code: first segment
    vend: np.ndarray  # per vessel code: one past its last segment

    def __len__(self) -> int:
        return len(self.first)


def segments(
    e: Arrays, est: np.ndarray, loc: Located, mo: Motion, zi: ZoneIndex, p: DetectParams
) -> Segments:
    m = len(e)
    brk = est.copy()
    # at rest just outside a zone: a berth at the edge, where GPS noise puts fixes on both sides
    rest_near = mo.rest & (loc.near >= 0) & (loc.near != loc.inside)
    if rest_near.any():
        r = np.flatnonzero(rest_near)
        for z in np.unique(loc.near[r]):
            rz = r[loc.near[r] == z]
            rest_near[rz] = (
                zi.boundary_distances_km(int(z), e.lon[rz], e.lat[rz]) * 1000 <= p.edge_noise_m
            )
    if m > 1:
        for col in (
            loc.pos,
            loc.inside,
            loc.near,
            loc.present_zone,
            loc.absent_zone,
            loc.ais,
            rest_near,
        ):
            brk[1:] |= col[1:] != col[:-1]
    first = np.flatnonzero(brk)
    last = np.append(first[1:] - 1, m - 1) if len(first) else first
    of_row = np.cumsum(brk) - 1
    sv = e.v[first]
    nv = int(e.v.max()) + 1 if m else 0
    vfirst = np.full(nv, 0, np.int64)
    vend = np.full(nv, 0, np.int64)
    if len(first):
        gstart = np.flatnonzero(group_starts(sv))
        vfirst[sv[gstart]] = gstart
        vend[sv[gstart]] = np.append(gstart[1:], len(first))
    return Segments(
        first,
        last,
        of_row,
        sv,
        loc.pos[first],
        loc.inside[first],
        loc.near[first],
        loc.present_zone[first],
        loc.absent_zone[first],
        loc.ais[first],
        rest_near[first],
        vfirst,
        vend,
    )


# ----------------------------------------------------------------------------------------------
# 5. timelines: one per (vessel, zone it was ever in), through the transition table


@dataclass
class _Links:
    """Per timeline element: the nearest elements of each kind (indices, -1 where none)."""

    last_in: np.ndarray  # last IN evidence (or at rest in the band) at or before
    next_in: np.ndarray  # first such evidence at or after
    last_bracket: np.ndarray  # last BAND/OUT evidence at or before
    next_bracket: np.ndarray  # first BAND/OUT evidence at or after
    last_out: np.ndarray  # last OUT evidence at or before
    visit: np.ndarray  # visit the element belongs to (IN state), -1
    vstart: np.ndarray  # element indices where visits start
    vend: np.ndarray  # per visit: its departure element, -1 while open
    out_start: np.ndarray  # where the OUT run holding each element began
    elsewhere: np.ndarray  # running count of OUT evidence other than absence from a survey


def _links(
    sg: Segments,
    seg: np.ndarray,
    ev: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    emits: np.ndarray,
    st: np.ndarray,
) -> _Links:
    # for windows, a ship at rest in the band is still at its berth (noise at the edge): only
    # evidence outside the polygon while under way brackets a crossing
    in_like = (ev == Evidence.IN) | ((ev == Evidence.BAND) & sg.rest_near[seg])
    bracket = ((ev == Evidence.BAND) | (ev == Evidence.OUT)) & ~in_like
    vstart_mask = (after == ZoneState.IN) & (before != ZoneState.IN)
    vstart = np.flatnonzero(vstart_mask)
    visit = np.where(after == ZoneState.IN, np.cumsum(vstart_mask) - 1, -1)
    dep = np.flatnonzero(emits == Event.DEPARTURE)
    vend = np.full(len(vstart), -1, np.int64)
    if len(dep):
        vend[visit[dep - 1]] = dep  # a departure closes the visit of the element before it
    return _Links(
        ffill_index(ev == Evidence.IN, st),
        bfill_index(ev == Evidence.IN, st),
        ffill_index(bracket, st),
        bfill_index(bracket, st),
        ffill_index(ev == Evidence.OUT, st),
        visit,
        vstart,
        vend,
        ffill_index((after == ZoneState.OUT) & (before != ZoneState.OUT), st),
        np.cumsum((ev == Evidence.OUT) & (sg.absent_zone[seg] < 0)),
    )


@dataclass
class Timelines:
    pair_v: np.ndarray
    pair_z: np.ndarray
    # per element: one segment of the pair's vessel, as seen from the pair's zone
    pair: np.ndarray
    seg: np.ndarray
    ev: np.ndarray  # Evidence
    before: np.ndarray  # ZoneState before the element
    after: np.ndarray  # ZoneState after it
    emits: np.ndarray  # Event
    start: np.ndarray  # bool: first element of its pair
    links: _Links  # the nearest elements of each kind, for windows, visits and contradictions


def evidence(zi: ZoneIndex, sg: Segments, seg: np.ndarray, z: np.ndarray) -> np.ndarray:
    """What segments ``seg`` say about zones ``z`` (:class:`Evidence`)."""
    ev = np.full(len(seg), Evidence.NONE, np.int8)
    pos = sg.pos[seg]
    ins, nr = sg.inside[seg], sg.near[seg]
    pz, az = sg.present_zone[seg], sg.absent_zone[seg]
    at = np.where(
        zi.holds(ins, z), Evidence.IN, np.where(zi.holds(nr, z), Evidence.BAND, Evidence.OUT)
    )
    ev = np.where(pos, at, ev)
    # listed in a survey: in it and every outer tier; out of every other port; nothing about
    # the inner tiers of the surveyed zone
    listed = np.where(
        zi.holds(pz, z), Evidence.IN, np.where(zi.same_port(pz, z), Evidence.NONE, Evidence.OUT)
    )
    ev = np.where(pz >= 0, listed, ev)
    # absent from a full survey: out of that zone and of its inner tiers, nothing else
    ev = np.where(az >= 0, np.where(zi.holds(z, az), Evidence.OUT, Evidence.NONE), ev)
    return ev.astype(np.int8)


def timelines(sg: Segments, zi: ZoneIndex) -> Timelines:
    # pairs: every (vessel, zone) with evidence of being in the zone (and its outer tiers)
    base = np.flatnonzero(sg.inside >= 0)
    width = np.int64(len(zi) + 1)
    seen = np.unique(sg.v[base].astype(np.int64) * width + sg.inside[base])
    if len(seen):
        keys = [
            v * width + zi.holders(int(z)) for v, z in zip(seen // width, seen % width, strict=True)
        ]
        key = np.unique(np.concatenate(keys))
    else:
        key = np.empty(0, np.int64)
    pair_v = (key // width).astype(np.int32)
    pair_z = (key % width).astype(np.int32)
    n_pairs = len(pair_v)
    s0 = sg.vfirst[pair_v] if n_pairs else np.empty(0, np.int64)
    lens = (sg.vend[pair_v] - s0) if n_pairs else np.empty(0, np.int64)
    total = int(lens.sum()) if n_pairs else 0
    pair = np.repeat(np.arange(n_pairs), lens)
    offs = np.cumsum(lens) - lens
    seg = (s0[pair] + np.arange(total) - offs[pair]).astype(np.int64)
    start = np.zeros(total, bool)
    start[offs[lens > 0]] = True
    ev = evidence(zi, sg, seg, pair_z[pair])
    before, after = step(ev, start)
    emits = EMITS[before, ev]
    return Timelines(
        pair_v,
        pair_z,
        pair,
        seg,
        ev,
        before,
        after,
        emits,
        start,
        _links(sg, seg, ev, before, after, emits, start),
    )


# ----------------------------------------------------------------------------------------------
# 6. visits


def visits(e: Arrays, mo: Motion, sg: Segments, tl: Timelines, p: DetectParams) -> Visits:
    lk = tl.links
    s_el = lk.vstart
    n = len(s_el)
    pair = tl.pair[s_el]
    pair_end = (
        np.flatnonzero(np.append(tl.start[1:], True)) if len(tl.pair) else np.empty(0, np.int64)
    )
    closed = lk.vend >= 0
    l_el = np.where(
        closed, lk.last_in[np.maximum(lk.vend - 1, 0)], lk.last_in[pair_end[pair]] if n else 0
    )
    last = sg.last[tl.seg[l_el]]
    entry = tl.before[s_el] == ZoneState.OUT
    # the visit began with the first evidence in (or at rest at the edge) after the last
    # evidence outside
    pstart = np.flatnonzero(tl.start)[pair] if n else np.empty(0, np.int64)
    prev = np.maximum(s_el - 1, 0)
    pb = np.where(s_el > pstart, lk.last_bracket[prev], -1)
    i_el = lk.next_in[np.where(pb >= 0, pb + 1, pstart)] if n else np.empty(0, np.int64)
    i_el = np.where((i_el >= 0) & (i_el <= s_el), i_el, s_el)
    first = sg.first[tl.seg[i_el]]
    arr_before = np.where(entry & (pb >= 0), sg.last[tl.seg[np.maximum(pb, 0)]], -1)
    f_el = (
        lk.next_bracket[np.minimum(l_el + 1, max(len(tl.ev) - 1, 0))]
        if n
        else np.empty(0, np.int64)
    )
    dep_after = np.where(closed, sg.first[tl.seg[np.maximum(f_el, 0)]], -1)
    decided = np.where(closed, sg.first[tl.seg[np.maximum(lk.vend, 0)]], -1)
    cq = np.cumsum(mo.stop_q)
    has_stop = (cq[last] - cq[first] + mo.stop_q[first]) > 0
    # a stop under way at its last fix in the zone that lasted min_stop_min by the first fix
    # outside (from what is stored at those rows, so that a later batch decides the same)
    da = np.maximum(dep_after, 0)
    min_stop = int(p.min_stop_min * NS_PER_MIN)
    has_stop |= (
        closed
        & (dep_after >= 0)
        & (mo.stop[last] == 1)
        & (mo.since[last] >= 0)
        & (e.t[da] - mo.since[last] >= min_stop)
    )
    gap_s = (mo.cum_gap[last] - mo.cum_gap[first]) / NS_PER_S
    stopped_s = (mo.cum_stop[last] - mo.cum_stop[first]) / NS_PER_S
    non_ais_el = (tl.ev == Evidence.IN) & ~sg.ais[tl.seg]
    cn = np.cumsum(non_ais_el)
    non_ais = (cn[l_el] - cn[s_el] + non_ais_el[s_el]) > 0 if n else np.zeros(0, bool)
    has_gap = gap_s > 0
    level = visit_level(entry, closed, has_stop | has_gap | non_ais)
    rel = np.maximum(e.rel[first], e.rel[last]) if n else np.empty(0)
    return Visits(
        tl.pair_v[pair],
        tl.pair_z[pair],
        first,
        last,
        arr_before,
        dep_after,
        decided,
        stopped_s,
        gap_s,
        has_stop,
        has_gap,
        non_ais,
        level,
        rel,
    )


# ----------------------------------------------------------------------------------------------
# 7. events


CONTRADICTION = "contradiction: reported absent, then present again with no sighting between"


def events(
    e: Arrays, zi: ZoneIndex, p: DetectParams, sg: Segments, tl: Timelines, vis: Visits
) -> list[RawEvent]:
    lk = tl.links
    out: list[RawEvent] = []
    qualifies = vis.level >= p.min_visit_level
    by_dep: dict[int, RawEvent] = {}
    for k in np.flatnonzero(vis.dep_after >= 0):
        z = int(vis.zone[k])
        ev = _departure(e, zi, p, z, int(vis.last[k]), int(vis.dep_after[k]))
        ev.decided, ev.visit, ev.qualified = int(vis.decided[k]), int(k), bool(qualifies[k])
        out.append(ev)
        by_dep[int(lk.vend[k])] = ev
    # contradictions: gone by a survey, back again with nothing placing the vessel elsewhere
    out_start, elsewhere = lk.out_start, lk.elsewhere
    for k in np.flatnonzero(vis.arr_before >= 0):
        z = int(vis.zone[k])
        ev = _arrival(e, zi, p, z, int(vis.arr_before[k]), int(vis.first[k]))
        ev.decided, ev.visit, ev.qualified = int(vis.first[k]), int(k), bool(qualifies[k])
        j = int(lk.vstart[k])
        o = int(out_start[j - 1]) if j > 0 else -1
        if (
            o >= 0
            and tl.emits[o] == Event.DEPARTURE
            and elsewhere[j - 1] - (elsewhere[o - 1] if o > 0 else 0) == 0
        ):
            ev.conflict, ev.conflict_by = CONTRADICTION, ev.decided
            if o in by_dep:
                by_dep[o].conflict, by_dep[o].conflict_by = CONTRADICTION, ev.decided
        out.append(ev)
    return out


# ----------------------------------------------------------------------------------------------
# 8. the state after each row, and what to carry


def row_states(
    e: Arrays, est: np.ndarray, zi: ZoneIndex, sg: Segments, tl: Timelines
) -> np.ndarray:
    """Per effective row: the innermost zone the vessel is in, else ``OUT`` (at sea, or known out
    of the zones it was in) or ``UNKNOWN``."""
    ns = len(sg)
    seg_state = np.full(ns, UNDET, np.int32)
    at_sea = sg.pos & (sg.inside < 0) & (sg.near < 0)
    out_any = np.zeros(ns, bool)
    out_any[tl.seg[tl.after == ZoneState.OUT]] = True
    seg_state[at_sea | out_any] = OUT
    el = np.flatnonzero(tl.after == ZoneState.IN)
    el = el[~_outdated(zi, sg, tl, el)]
    if len(el):
        segs, zs = tl.seg[el], tl.pair_z[tl.pair[el]]
        o = np.lexsort((zi.area_km2[zs], zi.rank[zs], segs))
        segs, zs = segs[o], zs[o]
        firsts = np.r_[True, segs[1:] != segs[:-1]]
        seg_state[segs[firsts]] = zs[firsts]
    vstart = group_starts(sg.v)
    seg_state[vstart & (seg_state == UNDET)] = UNKNOWN
    idx = np.where(seg_state != UNDET, np.arange(ns), 0)
    np.maximum.accumulate(idx, out=idx)
    return seg_state[idx][sg.of_row] if ns else np.empty(0, np.int32)


def _outdated(zi: ZoneIndex, sg: Segments, tl: Timelines, el: np.ndarray) -> np.ndarray:
    """Which ``IN`` elements rest only on evidence older than a departure from an inner tier.

    A ship seen in the harbour is in the anchorage that holds it; once it is known to have left
    the harbour (absent from a survey, say), that old sighting no longer places it in the
    anchorage: where it is stays unknown until new evidence says so."""
    lk = tl.links
    out_el = np.flatnonzero(tl.after == ZoneState.OUT)
    bad = np.zeros(len(el), bool)
    if not len(el) or not len(out_el):
        return bad
    pc = zi.port_code
    out_start = lk.out_start
    z_in = tl.pair_z[tl.pair[el]]
    z_out = tl.pair_z[tl.pair[out_el]]
    since = sg.first[tl.seg[np.maximum(out_start[out_el], 0)]]
    # the latest departure from a tier of each port, per segment and tier rank
    key_out = tl.seg[out_el].astype(np.int64) * (len(zi) + 1) + pc[z_out]
    key_in = tl.seg[el].astype(np.int64) * (len(zi) + 1) + pc[z_in]
    common = np.isin(key_in, key_out)
    if not common.any():
        return bad
    last_in_row = sg.last[tl.seg[np.maximum(lk.last_in[el], 0)]]
    o = np.argsort(key_out, kind="stable")
    key_out, r_out, since = key_out[o], zi.rank[z_out[o]], since[o]
    lo = np.searchsorted(key_out, key_in, side="left")
    hi = np.searchsorted(key_out, key_in, side="right")
    for k in np.flatnonzero(common):
        inner = r_out[lo[k] : hi[k]] < zi.rank[z_in[k]]
        if inner.any() and since[lo[k] : hi[k]][inner].max() > last_in_row[k]:
            bad[k] = True
    return bad


def carry(
    e: Arrays,
    est: np.ndarray,
    mo: Motion,
    sg: Segments,
    tl: Timelines,
    vis: Visits,
    p: DetectParams,
) -> np.ndarray:
    """Which effective rows the next batch needs so that it decides exactly as one run would."""
    m = len(e)
    keep = np.zeros(m, bool)
    if not m:
        return keep
    gend = np.append(est[1:], True)
    keep[gend] = True  # each vessel's last row
    # the last evidence of each kind that a zone never visited yet may need as "outside": the
    # last fix at sea, and per surveyed zone the last survey listing or not listing the vessel
    sea = np.flatnonzero(np.isfinite(e.lat) & (sg.near[sg.of_row] < 0) & (sg.inside[sg.of_row] < 0))
    if len(sea):
        keep[sea[np.append(e.v[sea][1:] != e.v[sea][:-1], True)]] = True
    sv = np.flatnonzero(e.kind == KIND_SURVEY)
    if len(sv):
        key = (
            (e.v[sv].astype(np.int64) * 4 + (e.present[sv] + 1)) * (int(e.szone.max()) + 2)
            + e.szone[sv]
            + 1
        )
        _, last_of = np.unique(key[::-1], return_index=True)
        keep[sv[len(sv) - 1 - last_of]] = True
    ap = np.flatnonzero((e.kind == KIND_AIS) & np.isfinite(e.lat))
    keep[ap[stationary_window(e.v[ap], e.t[ap], p)]] = True
    for mask in (
        np.isfinite(e.lat),
        (e.kind == KIND_AIS) & np.isfinite(e.lat),
        (e.kind == KIND_SURVEY) & (e.present == 1),
    ):
        r = np.flatnonzero(mask)
        if len(r):
            rv = e.v[r]
            last1 = np.append(rv[1:] != rv[:-1], True)
            keep[r[last1]] = True
            last2 = np.zeros(len(r), bool)
            last2[:-1] = last1[1:] & (rv[:-1] == rv[1:])
            keep[r[last2]] = True  # the last two (duplicate and jump checks)
    lk = tl.links
    if len(tl.pair):
        pe = np.flatnonzero(np.append(tl.start[1:], True))  # each timeline's last element
        for idx in (lk.last_in[pe], lk.last_bracket[pe], lk.last_out[pe]):
            idx = idx[idx >= 0]
            keep[sg.last[tl.seg[idx]]] = True
        li = lk.last_in[pe]
        nxt = np.minimum(li + 1, len(tl.ev) - 1)
        fb = lk.next_bracket[nxt]
        ok = (li >= 0) & (fb >= 0) & (tl.pair[np.maximum(fb, 0)] == tl.pair[pe])
        keep[sg.first[tl.seg[fb[ok]]]] = True
        # open visits: where they began and how, their first stop and first non-AIS evidence
        open_v = np.flatnonzero(vis.decided < 0)
        keep[vis.first[open_v]] = True
        ab = vis.arr_before[open_v]
        keep[ab[ab >= 0]] = True
        s_el = lk.vstart[open_v]
        lo = lk.last_out[np.maximum(s_el - 1, 0)]
        ok = (s_el > 0) & (lo >= 0) & (tl.pair[np.maximum(lo, 0)] == tl.pair[s_el])
        keep[sg.last[tl.seg[lo[ok]]]] = True
        nq = bfill_index(mo.stop_q, est)
        fq = nq[vis.first[open_v]]
        keep[fq[fq >= 0]] = True
        nonais = (tl.ev == Evidence.IN) & ~sg.ais[tl.seg]
        nn = bfill_index(nonais, tl.start)
        fn = nn[s_el]
        ok = (fn >= 0) & (tl.pair[np.maximum(fn, 0)] == tl.pair[s_el])
        keep[sg.first[tl.seg[fn[ok]]]] = True
        # a departure decided by an absence alone may yet be contradicted: keep its evidence
        # while nothing has placed the vessel elsewhere
        out_start, elsewhere = lk.out_start, lk.elsewhere
        o = out_start[pe]
        ok = (tl.after[pe] == ZoneState.OUT) & (o > 0)
        o = np.where(ok, o, 0)
        ok &= (tl.emits[o] == Event.DEPARTURE) & (
            elsewhere[pe] - elsewhere[np.maximum(o - 1, 0)] == 0
        )
        dv = lk.visit[o[ok] - 1]
        dv = dv[dv >= 0]
        keep[vis.last[dv]] = True
        keep[vis.dep_after[dv]] = True
        keep[vis.decided[dv]] = True
    return keep


# ----------------------------------------------------------------------------------------------
# event times


def _speed_kn(e: Arrays, i: int, p: DetectParams) -> float:
    """The effective speed at row ``i`` (SOG, else implied), if it says the vessel was under way."""
    s = e.sog[i]
    return float(s) if np.isfinite(s) and s >= 1.0 else p.assumed_speed_kn


def _crossing(e, zi, z, i_in, i_out):
    """Interpolate the boundary crossing between a fix inside zone z and one outside it: the
    fraction of the way from ``i_in``, and both fixes' distances (km) to the boundary."""
    d_in = zi.boundary_distance_km(z, e.lon[i_in], e.lat[i_in])
    d_out = zi.boundary_distance_km(z, e.lon[i_out], e.lat[i_out])
    frac = d_in / (d_in + d_out) if (d_in + d_out) > 0 else 0.5
    return frac, d_in, d_out


def _noise_slack(e: Arrays, p: DetectParams, a: int, b: int, d_km: float, row: int) -> int:
    """How much further out the window's bound at ``row`` must go when that fix, the evidence
    that the vessel was outside, lies within ``gps_error_m`` of the boundary: it may have been
    inside. The rest of the error distance, covered at the speed between the window's two fixes
    ``a`` and ``b`` (at least ``move_speed_kn``), in ns."""
    rest_m = p.gps_error_m - d_km * 1000
    if rest_m <= 0 or e.kind[row] != KIND_AIS:
        return 0
    dt_h = abs(int(e.t[b]) - int(e.t[a])) / NS_PER_H
    v_kn = (
        distance_km(e.lat[a], e.lon[a], e.lat[b], e.lon[b]) / KM_PER_NM / dt_h if dt_h > 0 else 0.0
    )
    return int(rest_m / 1000 / KM_PER_NM / max(float(v_kn), p.move_speed_kn) * NS_PER_H)


def _departure(e: Arrays, zi: ZoneIndex, p: DetectParams, z: int, L: int, F: int) -> RawEvent:
    t0, t1 = int(e.t[L]), int(e.t[F])
    pos_L = np.isfinite(e.lat[L])
    pos_F = np.isfinite(e.lat[F])
    s0 = s1 = 0
    if pos_L and pos_F and (t1 - t0) <= p.max_interp_gap_min * NS_PER_MIN:
        frac, d_in, d_out = _crossing(e, zi, z, L, F)
        t = t0 + int(round(frac * (t1 - t0)))
        lat = e.lat[L] + frac * (e.lat[F] - e.lat[L])
        lon = e.lon[L] + frac * (e.lon[F] - e.lon[L])
        method = "interpolated"
        s1 = _noise_slack(e, p, L, F, d_out, F)
    elif pos_F:
        d = zi.boundary_distance_km(z, e.lon[F], e.lat[F])
        back = int(d / KM_PER_NM / _speed_kn(e, F, p) * NS_PER_H)
        t = min(max(t1 - back, t0), t1)
        lat, lon = e.lat[F], e.lon[F]
        method = "projected"
    else:
        t = t0 + (t1 - t0) // 2
        lat, lon = zi.rep_lat[z], zi.rep_lon[z]
        method = "midpoint"
    return RawEvent(
        int(e.v[L]),
        z,
        "departure",
        L,
        F,
        t,
        float(lat),
        float(lon),
        method,
        slack0_ns=s0,
        slack1_ns=s1,
    )


def _arrival(e: Arrays, zi: ZoneIndex, p: DetectParams, z: int, P: int, i: int) -> RawEvent:
    t0, t1 = int(e.t[P]), int(e.t[i])
    pos_P = np.isfinite(e.lat[P])
    pos_i = np.isfinite(e.lat[i]) and e.kind[i] != KIND_SURVEY
    s0 = s1 = 0
    if pos_P and pos_i and (t1 - t0) <= p.max_interp_gap_min * NS_PER_MIN:
        frac, d_in, d_out = _crossing(e, zi, z, i, P)  # fraction of the way back from i
        t = t1 - int(round(frac * (t1 - t0)))
        lat = e.lat[i] + frac * (e.lat[P] - e.lat[i])
        lon = e.lon[i] + frac * (e.lon[P] - e.lon[i])
        method = "interpolated"
        s0 = _noise_slack(e, p, P, i, d_out, P)
    elif pos_P:
        d = zi.boundary_distance_km(z, e.lon[P], e.lat[P])
        fwd = int(d / KM_PER_NM / _speed_kn(e, P, p) * NS_PER_H)
        t = min(max(t0 + fwd, t0), t1)
        lat, lon = (e.lat[i], e.lon[i]) if pos_i else (zi.rep_lat[z], zi.rep_lon[z])
        method = "projected"
    else:
        t = t0 + (t1 - t0) // 2
        lat, lon = (e.lat[i], e.lon[i]) if pos_i else (zi.rep_lat[z], zi.rep_lon[z])
        method = "midpoint"
    return RawEvent(
        int(e.v[i]),
        z,
        "arrival",
        P,
        i,
        t,
        float(lat),
        float(lon),
        method,
        slack0_ns=s0,
        slack1_ns=s1,
    )
