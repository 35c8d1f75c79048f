"""Loitering: one vessel slow for hours away from ports (``loitering``).

Speed is implied between consecutive fixes (as GFW does, so a vessel that broadcasts no SOG is
judged too): a segment between two fixes no further apart in time than ``gap_min_h`` is *slow*
when its implied speed is below ``loitering_max_speed_kn`` (a ship at anchor swinging on its
chain, or drifting). A run of consecutive slow segments of one vessel, every fix of it more than
``port_exclusion_km`` from every port zone, lasting at least ``loitering_min_duration_h`` from
its first fix to its last, is a loitering event. A fleet anchored offshore of its base shows as
several vessels loitering at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..geodesy import NS_PER_S


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
    tr, p = ctx.tracks, ctx.params
    if len(tr) < 2:
        return pd.DataFrame()
    v = tr.implied_speed_kn()[:-1]
    same = tr.code[1:] == tr.code[:-1]
    short = (tr.t[1:] - tr.t[:-1]) <= p.gap_min_h * 3600 * NS_PER_S
    slow = same & short & (v < p.loitering_max_speed_kn)  # segment k: fix k -> k + 1
    k = np.flatnonzero(slow)
    if not len(k):
        return pd.DataFrame()
    # fixes on slow segments near a port break the runs
    idx = np.unique(np.concatenate([k, k + 1]))
    near = np.zeros(len(tr), bool)
    near[idx] = ctx.zones.port_distances_km(tr.lon[idx], tr.lat[idx]) <= p.port_exclusion_km
    slow &= ~near[:-1] & ~near[1:]
    runs = _runs(slow)
    out = []
    min_ns = p.loitering_min_duration_h * 3600 * NS_PER_S
    for s0, s1 in runs:  # segments s0..s1-1: fixes s0..s1
        if tr.t[s1] - tr.t[s0] >= min_ns:
            out.append((s0, s1))
    if not out:
        return pd.DataFrame()
    a = np.array([x for x, _ in out], dtype=np.int64)
    b = np.array([y for _, y in out], dtype=np.int64)
    c = tr.code[a]
    lat = np.array([tr.lat[x : y + 1].mean() for x, y in out])
    lon = np.array([tr.lon[x : y + 1].mean() for x, y in out])
    med = np.array([np.nanmedian(v[x:y]) for x, y in out])
    port_km = ctx.zones.port_distances_km(lon, lat)
    first, last = ctx.evidence(tr.row[a], "first "), ctx.evidence(tr.row[b], "last ")
    return pd.DataFrame(
        {
            "event_type": "loitering",
            "vessel_id": tr.vessel_id[c],
            "vessel_name": tr.vessel_name[c],
            "mmsi": pd.array(tr.mmsi[c], dtype="Float64").astype("Int64"),
            "start": pd.to_datetime(tr.t[a], utc=True),
            "end": pd.to_datetime(tr.t[b], utc=True),
            "lat": lat,
            "lon": lon,
            "confidence": 0.8,
            "evidence": [
                f"{x}; {y}; {n} fixes" for x, y, n in zip(first, last, b - a + 1, strict=True)
            ],
            "distance_from_port_km": np.where(np.isfinite(port_km), port_km, np.nan),
            "median_speed_kn": med,
        }
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of True in ``mask``: ``mask[start:end]`` all True."""
    m = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))
