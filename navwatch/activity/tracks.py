"""AIS tracks for the activity detectors: one sorted array set over all vessels, and resampling.

:func:`tracks` takes a canonical observation table (any reader's) and keeps the AIS fixes of the
vessels navwatch tracks (registry vessels, or every MMSI with ``all_vessels``), resolved to
vessels exactly as port-event detection does (:func:`navwatch.detect.api.resolve_vessel_codes`),
sorted by vessel and time, exact repeats of one fix (a second receiver) dropped. Positions are not
screened for jumps here: the spoofing detector needs them as broadcast; loitering uses
:meth:`Tracks.screened`.

:func:`resample` puts tracks on a grid of slots (GFW encounters: 10 minutes), interpolating only
across silences shorter than a limit, so two vessels can be compared slot by slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..geodesy import NS_PER_S, distance_km
from ..registry import Registry

KN_PER_KMH = 1 / 1.852
#: Fixes per block of :func:`resample_positions`, slots per block of :func:`slot_motion`
#: (bound their temporaries).
_BLOCK_FIXES = 1 << 20
_BLOCK_SLOTS = 1 << 18


@dataclass
class Tracks:
    """AIS fixes of every tracked vessel, sorted by vessel code then time.

    Row arrays: ``code`` (vessel code), ``t`` (int64 ns UTC), ``lat``, ``lon``, ``sog``
    (knots, NaN when not broadcast), ``row`` (the fix's row in the observation table, for
    evidence). Per code: ``vessel_id``, ``vessel_name``, ``mmsi`` (float, NaN without one);
    ``start[c]:start[c + 1]`` are the rows of vessel ``c``.
    """

    code: np.ndarray
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    sog: np.ndarray
    row: np.ndarray
    start: np.ndarray
    vessel_id: np.ndarray
    vessel_name: np.ndarray
    mmsi: np.ndarray
    _segment_km: np.ndarray | None = field(default=None, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.t)

    @property
    def n_vessels(self) -> int:
        return len(self.vessel_id)

    def vessels(self, codes: np.ndarray) -> dict[str, object]:
        """The event table's vessel columns (``vessel_id``, ``vessel_name``, ``mmsi``) for
        vessel ``codes``."""
        codes = np.asarray(codes, dtype=np.int64)
        return {
            "vessel_id": self.vessel_id[codes],
            "vessel_name": self.vessel_name[codes],
            "mmsi": pd.array(self.mmsi[codes], dtype="Float64").astype("Int64"),
        }

    def screened(self, max_speed_kn: float) -> Tracks:
        """These tracks without single-fix position jumps: a fix that implies more than
        ``max_speed_kn`` both from the fix before it and to the fix after it, while those two
        agree (implying at most ``max_speed_kn`` between them). Port detection quarantines the
        same fixes as ``position_jump``; the spoofing detector reads the tracks unscreened.

        Examples
        --------
        >>> t = np.arange(4) * 60 * NS_PER_S
        >>> tr = Tracks(np.zeros(4, np.int64), t, np.array([0, 0, 3.0, 0]), np.zeros(4),
        ...             np.full(4, np.nan), np.arange(4), np.array([0, 4]), np.array(["v"]),
        ...             np.array([""]), np.array([1.0]))
        >>> [float(x) for x in tr.screened(30).lat]
        [0.0, 0.0, 0.0]
        """
        n = len(self)
        if n < 3:
            return self
        v = self.implied_speed_kn()  # fix i -> i + 1
        fast = v > max_speed_kn
        # fix i, between two fast steps of one vessel (fast[i - 1] and fast[i] hold only within
        # a vessel: the last fix's speed is NaN); the speed across it only there
        i = np.flatnonzero(fast[:-1] & fast[1:]) + 1
        if not len(i):
            return self
        dt_h = (self.t[i + 1] - self.t[i - 1]) / (NS_PER_S * 3600.0)
        d = distance_km(self.lat[i - 1], self.lon[i - 1], self.lat[i + 1], self.lon[i + 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            across = np.where(dt_h > 0, d / dt_h * KN_PER_KMH, np.inf)
        jump = i[across <= max_speed_kn]
        if not len(jump):
            return self
        keep = np.ones(n, bool)
        keep[jump] = False
        return self.subset(keep)

    def subset(self, keep: np.ndarray) -> Tracks:
        """These tracks with only the fixes where ``keep`` is True (vessel codes unchanged)."""
        if keep.all():
            return self
        code = self.code[keep]
        out = Tracks(
            code=code,
            t=self.t[keep],
            lat=self.lat[keep],
            lon=self.lon[keep],
            sog=self.sog[keep],
            row=self.row[keep],
            start=np.searchsorted(code, np.arange(self.n_vessels + 1)),
            vessel_id=self.vessel_id,
            vessel_name=self.vessel_name,
            mmsi=self.mmsi,
        )
        if self._segment_km is not None and len(out) > 1:
            # a step between fixes that were consecutive here keeps its distance (the steps
            # from the kept fixes, in order); only the steps across dropped fixes are measured
            seg = self._segment_km[keep[:-1]][: len(out) - 1]
            dropped = np.flatnonzero(~keep)
            before = np.flatnonzero(keep[:-1] & ~keep[1:])  # kept fixes followed by a drop
            new = before - np.searchsorted(dropped, before)  # ...their rows here
            new = new[new < len(out) - 1]
            seg[new] = distance_km(out.lat[new], out.lon[new], out.lat[new + 1], out.lon[new + 1])
            out._segment_km = seg
        return out

    def segment_km(self) -> np.ndarray:
        """Distance from each fix to the next (any vessel's: mask with equal codes), length
        ``len - 1``; computed once and kept, since several detectors read it."""
        if self._segment_km is None:
            self._segment_km = distance_km(self.lat[:-1], self.lon[:-1], self.lat[1:], self.lon[1:])
        return self._segment_km

    def implied_speed_kn(self) -> np.ndarray:
        """Speed from each fix to the next of the same vessel (NaN at a vessel's last fix and
        between fixes of the same second)."""
        n = len(self)
        out = np.full(n, np.nan)
        if n < 2:
            return out
        dt_h = (self.t[1:] - self.t[:-1]) / (NS_PER_S * 3600.0)
        v = out[:-1]  # (in place: no temporaries of the tracks' length but these)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(self.segment_km(), dt_h, out=v)
        v *= KN_PER_KMH
        v[(self.code[1:] != self.code[:-1]) | ~(dt_h > 0)] = np.nan
        return out


def tracks(
    obs: pd.DataFrame, registry: Registry | None = None, *, all_vessels: bool = True
) -> Tracks:
    """The AIS tracks of ``obs`` (see the module docs).

    Examples
    --------
    >>> obs = pd.DataFrame({"time": pd.to_datetime(["2024-12-02 06:00", "2024-12-02 06:00",
    ...     "2024-12-02 05:00"], utc=True), "lat": [34.9, 34.9, 34.8], "lon": [35.8, 35.8, 35.7],
    ...     "kind": "ais", "mmsi": pd.array([273000001] * 3, dtype="Int64")})
    >>> tr = tracks(obs)
    >>> len(tr), tr.n_vessels, tr.vessel_id[0], [float(x) for x in tr.lat]
    (2, 1, 'mmsi:273000001', [34.8, 34.9])
    """
    from ..detect.api import _registry_names, resolve_vessel_codes

    base = None  # positions of the AIS rows in ``obs`` (None: every row is one)
    if len(obs) and "kind" in obs.columns:
        ais = (obs["kind"] == "ais").to_numpy(dtype=bool, na_value=False)
        if not ais.all():  # (no copy of an all-AIS table)
            base = np.flatnonzero(ais)
            obs = obs[ais]
    code, ids, names, mmsis = resolve_vessel_codes(obs, registry, all_vessels)
    _registry_names(ids, names, mmsis, registry, with_mmsi=False)  # names as detection gives
    t = obs["time"].dt.as_unit("ns").array.asi8 if len(obs) else np.zeros(0, np.int64)
    lat = obs["lat"].to_numpy(dtype="float64", na_value=np.nan)
    lon = obs["lon"].to_numpy(dtype="float64", na_value=np.nan)
    sog = (
        obs["sog_kn"].to_numpy(dtype="float64", na_value=np.nan)
        if "sog_kn" in obs.columns
        else np.full(len(obs), np.nan)
    )
    keep = (code >= 0) & np.isfinite(lat) & np.isfinite(lon)
    if keep.all():
        row = _vessel_time_order(code, t)
    else:
        row = np.flatnonzero(keep)
        row = row[_vessel_time_order(code[row], t[row])]
    # by vessel, then time (ties in their rows' order: a second receiver's exact copy of a fix
    # is next to it); each column gathered once
    c, tt, la, lo = code[row], t[row], lat[row], lon[row]
    repeat = np.zeros(len(row), bool)
    repeat[1:] = (c[1:] == c[:-1]) & (tt[1:] == tt[:-1]) & (la[1:] == la[:-1]) & (lo[1:] == lo[:-1])
    if repeat.any():
        new = ~repeat
        row, c, tt, la, lo = row[new], c[new], tt[new], la[new], lo[new]
    c = c.astype(np.int64)
    start = np.searchsorted(c, np.arange(len(ids) + 1))
    return Tracks(
        code=c,
        t=tt,
        lat=la,
        lon=lo,
        sog=sog[row],
        row=row if base is None else base[row],  # positions in the table given (evidence)
        start=start,
        vessel_id=ids,
        vessel_name=names,
        mmsi=mmsis,
    )


def _vessel_time_order(code: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The stable order of rows by ``code`` then ``t``: an argsort of the composite int64 key
    ``code * span + (t - t.min())`` when it cannot overflow (unstable, which is 2.5 times
    faster, then rows of equal keys put back in their order), else two stable sorts.

    Examples
    --------
    >>> _vessel_time_order(np.array([1, 0, 1, 0, 1]), np.array([5, 9, 5, 2, 1])).tolist()
    [3, 1, 4, 0, 2]
    """
    if not len(t):
        return np.zeros(0, np.int64)
    t0 = int(t.min())
    span = int(t.max()) - t0 + 1
    if (int(code.max()) + 1) * span >= 2**62:
        order = np.argsort(t, kind="stable")
        return order[np.argsort(code[order], kind="stable")]
    return stable_argsort(code.astype(np.int64) * span + (t - t0))


def stable_argsort(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")``, faster on keys with few ties: an unstable argsort
    (2.5 times faster on 10 M int64 keys), then the rows of equal keys put back in their
    order.

    Examples
    --------
    >>> stable_argsort(np.array([3, 1, 3, 0, 1, 3])).tolist()
    [3, 1, 4, 0, 2, 5]
    """
    order = np.argsort(key)
    sk = key[order]
    tie = sk[1:] == sk[:-1]
    if tie.any():
        member = np.zeros(len(sk), bool)
        member[1:] = tie
        member[:-1] |= tie
        sub = np.flatnonzero(member)
        order[sub] = order[sub][np.lexsort((order[sub], sk[sub]))]
    return order


@dataclass
class Slots:
    """Tracks on a grid: one row per (vessel, slot) the vessel covers, sorted by slot then
    vessel. ``slot`` counts ``step_s`` from ``t0_s`` (Unix seconds); ``lat``/``lon`` are
    interpolated at the slot time; ``speed_kn`` and ``course_deg`` are those of the segment
    the slot lies on (implied by its two fixes), or over a longer baseline about the slot (see
    :func:`resample`; NaN from :func:`resample_positions`). ``seg``, when known, is the first
    fix of the segment each slot lies on (its row in the tracks resampled), for
    :func:`slot_motion`."""

    code: np.ndarray
    slot: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    speed_kn: np.ndarray
    course_deg: np.ndarray
    t0_s: int
    step_s: int
    seg: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.slot)

    def time_ns(self, slot: np.ndarray) -> np.ndarray:
        return (self.t0_s + np.asarray(slot, dtype=np.int64) * self.step_s) * NS_PER_S


def resample(
    tr: Tracks, step_s: float, max_gap_s: float, baseline_s: float = 0.0, path_step_s: float = 0.0
) -> Slots:
    """``tr`` on slots of ``step_s`` seconds, interpolated linearly between consecutive fixes of
    a vessel less than ``max_gap_s`` apart (a slot exactly on a fix takes it; across longer
    silences there are no slots: the vessel was not seen).

    Speed and course are implied by the slot's segment, widened to at least ``baseline_s``
    seconds centred on the slot (shifted to stay within the vessel's stretch of track without a
    silence of ``max_gap_s``): the course from its start to its end, the speed along the path
    through positions interpolated every ``path_step_s`` or so across it (at least one step),
    so a ship circling in the window still reads its speed. Between fixes seconds apart GPS
    error dominates the implied speed (30 m in 10 s reads as 6 kn); over minutes it is a
    fraction of a knot. With the default 0 the speed and course are the segment's.

    Examples
    --------
    >>> obs = pd.DataFrame({"time": pd.to_datetime(["2024-12-02 06:00", "2024-12-02 06:30"],
    ...     utc=True), "lat": [0.0, 0.0], "lon": [0.0, 0.1], "kind": "ais",
    ...     "mmsi": pd.array([273000001] * 2, dtype="Int64")})
    >>> s = resample(tracks(obs), 600, 3600)
    >>> [round(float(x), 3) for x in s.lon], round(float(s.speed_kn[0]), 1)
    ([0.0, 0.033, 0.067, 0.1], 12.0)
    """
    s = resample_positions(tr, step_s, max_gap_s)
    s.speed_kn, s.course_deg = slot_motion(tr, s, max_gap_s, baseline_s, path_step_s)
    return s


def resample_positions(tr: Tracks, step_s: float, max_gap_s: float) -> Slots:
    """:func:`resample` without speeds and courses (NaN): the slots and their positions, with
    ``seg`` for :func:`slot_motion` of the rows that need them."""
    step = int(round(step_s))
    t0 = int(tr.t.min() // NS_PER_S // step * step) if len(tr) else 0
    if len(tr) < 2:
        return _empty_slots(t0, step)
    a, first, n = _slot_segments(tr, step, t0, max_gap_s)
    if not n.sum():
        return _empty_slots(t0, step)
    seg = np.repeat(np.arange(len(a)), n)
    slot = first[seg] + (np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n))
    i = a[seg]
    del seg, a, first, n
    code = tr.code[i]
    # by slot, then vessel (one row per vessel and slot: the composite key is unique)
    order = stable_argsort((slot - slot.min()) * (tr.n_vessels + 1) + code)
    slot, code, i = slot[order], code[order], i[order]
    ts = t0 + slot * step
    t_a, t_b = tr.t[i] // NS_PER_S, tr.t[i + 1] // NS_PER_S
    f = (ts - t_a) / np.maximum(t_b - t_a, 1)
    lat = tr.lat[i] + f * (tr.lat[i + 1] - tr.lat[i])
    dlon = (tr.lon[i + 1] - tr.lon[i] + 180.0) % 360.0 - 180.0
    lon = (tr.lon[i] + f * dlon + 180.0) % 360.0 - 180.0
    nan = np.full(len(i), np.nan)
    return Slots(code, slot, lat, lon, nan, nan.copy(), t0, step, seg=i)


def _slot_segments(tr: Tracks, step: int, t0: int, max_gap_s: float):
    """The segments (fix ``a`` to ``a + 1`` of one vessel, less than ``max_gap_s`` apart) with
    slots on them: ``a``, the first slot and the number of slots of each; in blocks of fixes,
    so no temporary is of the tracks' length."""
    out_a, out_first, out_n = [], [], []
    for b0 in range(0, len(tr) - 1, _BLOCK_FIXES):
        b1 = min(b0 + _BLOCK_FIXES, len(tr) - 1)  # segments b0 .. b1 - 1, and one more
        t_s = tr.t[b0 : b1 + 2] // NS_PER_S
        code = tr.code[b0 : b1 + 2]
        same = (code[1:] == code[:-1]) & ((t_s[1:] - t_s[:-1]) < max_gap_s)
        same = np.append(same, False)  # (after the last fix: no segment)
        k = np.flatnonzero(same[: b1 - b0])  # (block-local) segments k -> k + 1
        first = -((t0 - t_s[k]) // step)  # first slot at or after the segment's start
        last = (t_s[k + 1] - t0) // step  # last slot at or before its end
        n = np.maximum(last - first + 1, 0)
        # a slot on a fix that ends one segment and starts the next is counted once: the
        # later one
        on_end = (t_s[k + 1] - t0) % step == 0
        nxt = same[k + 1]
        n = n - (on_end & nxt & (n > 0))
        has = n > 0
        out_a.append(b0 + k[has])
        out_first.append(first[has])
        out_n.append(n[has])
    return np.concatenate(out_a), np.concatenate(out_first), np.concatenate(out_n)


def slot_motion(
    tr: Tracks,
    s: Slots,
    max_gap_s: float,
    baseline_s: float = 0.0,
    path_step_s: float = 0.0,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Speed (kn) and course (deg) of the slots ``s`` of :func:`resample_positions` (only
    ``rows`` of them if given), as :func:`resample` computes them (same arguments)."""
    if s.seg is None:
        raise ValueError("slot_motion needs the slots of resample_positions")
    i = s.seg if rows is None else s.seg[rows]
    if not len(i):
        return np.zeros(0), np.zeros(0)
    ts = s.t0_s + (s.slot if rows is None else s.slot[rows]) * s.step_s
    if baseline_s > 0:
        # in track order (the searches over the fixes then run through them in order), in
        # blocks (bounded temporaries)
        order = np.argsort(i)
        speed, course = np.empty(len(i)), np.empty(len(i))
        motion = _BaselineMotion(tr, max_gap_s, baseline_s, path_step_s)
        for b0 in range(0, len(i), _BLOCK_SLOTS):
            r = order[b0 : b0 + _BLOCK_SLOTS]
            speed[r], course[r] = motion(i[r], ts[r])
        return speed, course
    t_a, t_b = tr.t[i] // NS_PER_S, tr.t[i + 1] // NS_PER_S
    span = np.maximum(t_b - t_a, 1)
    d_km = distance_km(tr.lat[i], tr.lon[i], tr.lat[i + 1], tr.lon[i + 1])
    speed = d_km / (span / 3600.0) * KN_PER_KMH
    return speed, _course_deg(tr.lat[i], tr.lon[i], tr.lat[i + 1], tr.lon[i + 1])


class _BaselineMotion:
    """Speed (kn) and course (deg) at slot times on segments over at least ``baseline_s``
    seconds (see :func:`resample`), for blocks of slots: the stretches of track (a new one at
    each vessel's first fix and after each silence of ``max_gap_s``) and a search key over
    the fixes, built once."""

    def __init__(self, tr: Tracks, max_gap_s: float, baseline_s: float, path_step_s: float):
        self.tr = tr
        self.first_fix = _stretch_starts(tr, max_gap_s)
        self.last_fix = np.append(self.first_fix[1:], len(tr)) - 1
        self.half = baseline_s / 2.0
        self.k = max(1, int(round(baseline_s / path_step_s))) if path_step_s > 0 else 1
        # (vessel, time) composite key: the last fix at or before a time, by searchsorted
        self.t0 = int(tr.t.min())
        self.width = int(tr.t.max()) - self.t0 + 1
        self.key = None
        if (tr.n_vessels + 1) * self.width + 2 * NS_PER_S < 2**62:
            self.key = tr.code * self.width
            self.key += tr.t - self.t0

    def __call__(self, i: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Speed and course of slots at times ``ts`` (s) on segments ``i -> i + 1``."""
        tr = self.tr
        piece = np.searchsorted(self.first_fix, i, side="right") - 1
        lo_fix, hi_fix = self.first_fix[piece], self.last_fix[piece]
        ps, pe = tr.t[lo_fix] // NS_PER_S, tr.t[hi_fix] // NS_PER_S
        lo, hi = ts - self.half, ts + self.half
        hi = np.where(lo < ps, np.minimum(pe, hi + (ps - lo)), hi)
        lo = np.maximum(np.where(hi > pe, lo - (hi - pe), lo), ps)
        hi = np.minimum(hi, pe)
        lo = np.minimum(lo, tr.t[i] // NS_PER_S)
        hi = np.maximum(hi, tr.t[i + 1] // NS_PER_S)
        k = self.k
        pts = [self._position_at(i, lo_fix, hi_fix, lo + (hi - lo) * q / k) for q in range(k + 1)]
        d_km = sum(
            distance_km(p[0], p[1], q[0], q[1]) for p, q in zip(pts[:-1], pts[1:], strict=True)
        )
        speed = d_km / (np.maximum(hi - lo, 1) / 3600.0) * KN_PER_KMH
        return speed, _course_deg(pts[0][0], pts[0][1], pts[-1][0], pts[-1][1])

    def _before(self, i, lo_fix, hi_fix, tq) -> np.ndarray:
        """Per query time ``tq`` (s, float), the last fix ``a`` of its stretch (``lo_fix..
        hi_fix``) with ``t_s[a] <= tq`` (``t_s``: whole seconds), at most ``hi_fix - 1``."""
        if self.key is None:
            return _search_stretch(self.tr, lo_fix, hi_fix, tq)
        # t_s <= tq  <=>  t_s <= floor(tq)  <=>  t <= (floor(tq) + 1) s - 1 ns (integers);
        # the vessel's fixes before its stretch are earlier, after it later than its end
        q = np.floor(tq).astype(np.int64) + 1
        q *= NS_PER_S
        q += self.tr.code[i] * self.width - 1 - self.t0
        a = np.searchsorted(self.key, q, side="right") - 1
        return np.minimum(a, hi_fix - 1)

    def _position_at(self, i, lo_fix, hi_fix, tq) -> tuple[np.ndarray, np.ndarray]:
        """Positions interpolated at times ``tq`` (s), each within its stretch of track."""
        tr = self.tr
        a = self._before(i, lo_fix, hi_fix, tq)
        b = a + 1  # t_s[a] <= tq <= t_s[b]
        t_a, t_b = tr.t[a] // NS_PER_S, tr.t[b] // NS_PER_S
        span = np.maximum(t_b - t_a, 1)
        f = np.clip((tq - t_a) / span, 0.0, 1.0)
        lat = tr.lat[a] + f * (tr.lat[b] - tr.lat[a])
        dlon = (tr.lon[b] - tr.lon[a] + 180.0) % 360.0 - 180.0
        lon = (tr.lon[a] + f * dlon + 180.0) % 360.0 - 180.0
        return lat, lon


def _stretch_starts(tr: Tracks, max_gap_s: float) -> np.ndarray:
    """The first fix of each stretch of track: each vessel's first, and each after a silence of
    at least ``max_gap_s`` (whole seconds apart); in blocks of fixes."""
    out = [np.zeros(1, np.int64)] if len(tr) else []
    for b0 in range(0, len(tr) - 1, _BLOCK_FIXES):
        b1 = min(b0 + _BLOCK_FIXES, len(tr) - 1)
        t_s = tr.t[b0 : b1 + 1] // NS_PER_S
        code = tr.code[b0 : b1 + 1]
        brk = (code[1:] != code[:-1]) | ((t_s[1:] - t_s[:-1]) >= max_gap_s)
        out.append(b0 + 1 + np.flatnonzero(brk))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _search_stretch(tr: Tracks, lo_fix, hi_fix, tq) -> np.ndarray:
    """:meth:`_BaselineMotion._before` by a binary search per query within its own stretch,
    all queries at once (where the composite key would overflow)."""
    a, b = lo_fix.astype(np.int64).copy(), hi_fix.astype(np.int64).copy()
    while True:
        open_ = b - a > 1
        if not open_.any():
            return a
        m = (a + b) // 2
        right = tr.t[m] // NS_PER_S <= tq
        a = np.where(open_ & right, m, a)
        b = np.where(open_ & ~right, m, b)


def _course_deg(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Initial great-circle bearing, degrees clockwise from north."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    x = np.sin(dl) * np.cos(p2)
    y = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(x, y)) % 360.0


def _empty_slots(t0: int, step: int) -> Slots:
    z = np.zeros(0)
    e = np.zeros(0, np.int64)
    return Slots(e, e, z, z, z, z, t0, step, seg=e)
