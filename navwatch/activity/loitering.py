"""Loitering: one vessel slow for hours away from ports (``loitering``).

Speed is implied by the fixes, as GFW does (so a vessel that broadcasts no SOG is judged too),
over ``loitering_speed_window_min`` before and after each fix, the slower side counting
(:func:`windowed_speed_kn`; GFW uses hourly implied speeds). Between fixes seconds apart, GPS error (5-30 m a fix) alone reads as knots; over
30 minutes it is a few hundredths of a knot. A fix is *slow* when that speed is below
``loitering_max_speed_kn``. A run of consecutive slow fixes of one vessel, no two further apart
than ``gap_min_h`` (a longer silence is a gap, not loitering seen), every fix more than
``port_exclusion_km`` from every port zone, lasting at least ``loitering_min_duration_h`` from
its first fix to its last, is a loitering event. The side of the window facing the slow stretch keeps its ends slow, so a
run starts and ends within minutes of the ship stopping and leaving. Single-fix position jumps (:meth:`~navwatch.activity.tracks.Tracks.screened`) are left out, and
a slow stretch entered or left by a jump no ship makes (a displaced, spoofed or jammed position
held for hours) is not loitering. A
fleet anchored offshore of its base shows as several vessels loitering at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..geodesy import NS_PER_S, distance_km
from .tracks import KN_PER_KMH

_BLOCK = 1 << 15


def detect_loitering(ctx) -> pd.DataFrame:
    """Loitering events of ``ctx.tracks`` (see the module docs).

    Examples
    --------
    >>> from navwatch.activity import detect_activity
    >>> t = pd.date_range("2024-12-09 00:00", periods=61, freq="5min", tz="UTC")
    >>> obs = pd.DataFrame({"time": t, "lat": 34.95 + np.arange(61) * 1e-5, "lon": 35.75,
    ...     "kind": "ais", "mmsi": pd.array([273000001] * 61, dtype="Int64")})
    >>> ev = detect_activity(obs, types=["loitering"])
    >>> ev[["event_type", "duration_h"]].values.tolist()
    [['loitering', 5.0]]
    """
    p = ctx.params
    tr = ctx.tracks.screened(p.spoof_max_speed_kn)  # a single-fix jump is no movement
    if len(tr) < 2:
        return pd.DataFrame()
    v = windowed_speed_kn(tr, p.loitering_speed_window_min * 60.0)
    slow_fix = v < p.loitering_max_speed_kn
    idx = np.flatnonzero(slow_fix)
    if not len(idx):
        return pd.DataFrame()
    far = ctx.zones.port_distances_km(tr.lon[idx], tr.lat[idx], within_km=p.port_exclusion_km)
    slow_fix[idx] = far > p.port_exclusion_km
    same = tr.code[1:] == tr.code[:-1]
    short = (tr.t[1:] - tr.t[:-1]) <= p.gap_min_h * 3600 * NS_PER_S
    joined = same & short & slow_fix[:-1] & slow_fix[1:]  # segment k: fix k -> k + 1
    min_ns = p.loitering_min_duration_h * 3600 * NS_PER_S
    teleport = _teleports(tr, p)
    out = [
        (s0, s1)
        for s0, s1 in _runs(joined)
        if tr.t[s1] - tr.t[s0] >= min_ns and not (teleport[s0] or teleport[s1 + 1])
    ]
    if not out:
        return pd.DataFrame()
    a = np.array([x for x, _ in out], dtype=np.int64)
    b = np.array([y for _, y in out], dtype=np.int64)
    c = tr.code[a]
    lat = np.array([tr.lat[x : y + 1].mean() for x, y in out])
    lon = np.array([tr.lon[x : y + 1].mean() for x, y in out])
    med = np.array([np.nanmedian(v[x : y + 1]) for x, y in out])
    radius = np.array(
        [
            distance_km(tr.lat[x : y + 1], tr.lon[x : y + 1], la, lo).max() * 1000.0
            for (x, y), la, lo in zip(out, lat, lon, strict=True)
        ]
    )
    port_km = ctx.zones.port_distances_km(lon, lat)
    first, last = ctx.evidence(tr.row[a], "first "), ctx.evidence(tr.row[b], "last ")
    return pd.DataFrame(
        {
            "event_type": "loitering",
            **tr.vessels(c),
            "start": pd.to_datetime(tr.t[a], utc=True),
            "end": pd.to_datetime(tr.t[b], utc=True),
            "lat": lat,
            "lon": lon,
            "radius_m": radius,
            "confidence": 0.8,
            "evidence": [
                f"{x}; {y}; {n} fixes" for x, y, n in zip(first, last, b - a + 1, strict=True)
            ],
            "distance_from_port_km": np.where(np.isfinite(port_km), port_km, np.nan),
            "median_speed_kn": med,
        }
    )


def windowed_speed_kn(tr, window_s: float) -> np.ndarray:
    """Per fix, the lower of the speeds implied over the ``window_s`` before it (from the first
    fix in that window) and the ``window_s`` after it (to the last), of the same vessel; a side
    whose fixes span less than half a window is not used (NaN when neither is).

    A long baseline makes GPS error negligible; taking the slower side keeps the ends of a slow
    stretch slow (the side facing the stretch), so a run starts and ends within minutes of the
    ship stopping and leaving.

    Examples
    --------
    >>> from navwatch.activity.tracks import Tracks
    >>> t = np.arange(7) * 600 * NS_PER_S  # every 10 min, drifting 0.001 deg of latitude a fix
    >>> tr = Tracks(np.zeros(7, np.int64), t, np.arange(7) * 1e-3, np.zeros(7), np.full(7, np.nan),
    ...             np.arange(7), np.array([0, 7]), np.array(["v"]), np.array([""]), np.array([1.0]))
    >>> [round(float(x), 2) for x in windowed_speed_kn(tr, 1800)]
    [0.36, 0.36, 0.36, 0.36, 0.36, 0.36, 0.36]
    """
    span = int(window_s * NS_PER_S)
    n = len(tr)
    out = np.full(n, np.nan)
    ends = _window_ends(tr, span)
    t, lat, lon = tr.t, tr.lat, tr.lon
    for a in range(0, n, _BLOCK):  # blocks: the temporaries stay in the CPU cache
        b = min(a + _BLOCK, n)
        for end in (e[a:b] for e in ends):
            dt = np.abs(t[a:b] - t[end])
            d = distance_km(lat[a:b], lon[a:b], lat[end], lon[end])
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(dt >= span // 2, d / (dt / (3600.0 * NS_PER_S)) * KN_PER_KMH, np.nan)
            out[a:b] = np.fmin(out[a:b], v)
    return out


def _window_ends(tr, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Per fix, the first fix of its vessel at most ``span`` ns before it and the last at most
    ``span`` ns after it: two ``searchsorted`` over the composite key ``code * width + (t -
    t.min())`` (integers: exact; ``width`` exceeds the time range by ``span``, so a vessel's
    window never reaches another's keys), or two per vessel where the key would overflow."""
    n = len(tr)
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    t0 = int(tr.t.min())
    width = int(tr.t.max()) - t0 + 1 + span
    if tr.n_vessels * width < 2**62:
        key = tr.code * width + (tr.t - t0)
        lo = np.searchsorted(key, key - span, side="left")
        hi = np.searchsorted(key, key + span, side="right") - 1
        return lo, hi
    lo, hi = np.arange(n), np.arange(n)
    for c in range(tr.n_vessels):  # per vessel: two searchsorted calls over its fixes
        a, b = int(tr.start[c]), int(tr.start[c + 1])
        if b - a > 1:
            t = tr.t[a:b]
            lo[a:b] = a + np.searchsorted(t, t - span, side="left")
            hi[a:b] = a + np.searchsorted(t, t + span, side="right") - 1
    return lo, hi


def _teleports(tr, p) -> np.ndarray:
    """Per fix, whether the vessel reached it by a jump no ship makes (more than
    ``spoof_max_speed_kn`` over at least ``spoof_min_displacement_km`` from the fix before);
    one more slot at the end (False). A slow stretch entered or left that way is a displaced
    (spoofed or jammed) position, not a ship loitering there."""
    out = np.zeros(len(tr) + 1, bool)
    v = tr.implied_speed_kn()[:-1]
    same = tr.code[1:] == tr.code[:-1]
    d = tr.segment_km()
    out[1 : len(tr)] = same & (v > p.spoof_max_speed_kn) & (d >= p.spoof_min_displacement_km)
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of True in ``mask``: ``mask[start:end]`` all True."""
    m = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))
