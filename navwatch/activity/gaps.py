"""Gaps: AIS silences of a vessel (``gap``), and which may be intentional.

A gap is a silence of at least ``gap_min_h`` between two consecutive fixes of a vessel: it
starts at the last fix (``lat``/``lon`` are the position there, where the AIS went quiet) and
ends at the first fix after. ``likely_intentional`` follows Global Fishing Watch's current rule
(``REFERENCE.md`` section 1 and 10): at least ``intentional_min_h`` long, starting at least
``intentional_min_port_distance_nm`` from every port zone, with at least
``intentional_min_positions_before`` positions in the ``intentional_window_h`` before it (the
area had reception and the vessel was transmitting densely: the silence is the vessel's, not the
receivers'). The reception thresholds are parameters because they depend on the archive: GFW
counts satellite positions; a terrestrial archive far from shore sees nothing and then no gap
there is called intentional.

Late or out-of-order positions are no special case: the table is computed from the fixes as
they are, so a position delivered late that falls inside a silence shortens it (or removes it)
the next time the table is computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..geodesy import KM_PER_NM, NS_PER_S, distance_km

NS_PER_H = 3600 * NS_PER_S


def silences(code: np.ndarray, t: np.ndarray, min_ns: float) -> np.ndarray:
    """The one definition of an AIS silence, shared by :func:`detect_gaps` and
    :func:`navwatch.analysis.dark_periods`: index ``k`` of each pair of consecutive fixes
    ``k, k + 1`` of the same vessel (rows ordered by vessel ``code``, then time ``t`` in ns) at
    least ``min_ns`` apart (and more than 0).

    >>> silences(np.array([0, 0, 0, 1]), np.array([0, 5, 20, 40]), 10).tolist()
    [1]
    """
    if len(t) < 2:
        return np.zeros(0, np.int64)
    dt = t[1:] - t[:-1]
    return np.flatnonzero((code[1:] == code[:-1]) & (dt > 0) & (dt >= min_ns))


def across(
    lat0: np.ndarray, lon0: np.ndarray, lat1: np.ndarray, lon1: np.ndarray, dt_ns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hours, kilometres and the implied speed (knots) across silences from fix 0 to fix 1."""
    hours = dt_ns / NS_PER_H
    km = distance_km(lat0, lon0, lat1, lon1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return hours, km, km / KM_PER_NM / hours


def detect_gaps(ctx) -> pd.DataFrame:
    """Gap events of ``ctx.tracks`` (see the module docs).

    Examples
    --------
    >>> from navwatch.activity import detect_activity
    >>> t = pd.to_datetime(["2024-12-02 00:00", "2024-12-02 01:00", "2024-12-02 08:30"], utc=True)
    >>> obs = pd.DataFrame({"time": t, "lat": [40.0, 40.0, 40.5], "lon": [20.0, 20.1, 20.5],
    ...     "kind": "ais", "mmsi": pd.array([273000001] * 3, dtype="Int64")})
    >>> ev = detect_activity(obs, types=["gap"])
    >>> ev[["event_type", "duration_h", "likely_intentional"]].values.tolist()
    [['gap', 7.5, False]]
    """
    tr, p = ctx.tracks, ctx.params
    if len(tr) < 2:
        return pd.DataFrame()
    i = silences(tr.code, tr.t, p.gap_min_h * NS_PER_H)
    if not len(i):
        return pd.DataFrame()
    j = i + 1
    hours, d, speed = across(tr.lat[i], tr.lon[i], tr.lat[j], tr.lon[j], tr.t[j] - tr.t[i])
    port_km = ctx.zones.port_distances_km(tr.lon[i], tr.lat[i])
    window = int(p.intentional_window_h * NS_PER_H)
    before = np.array(
        [k - np.searchsorted(tr.t[tr.start[c] : k + 1], tr.t[k] - window) - tr.start[c] + 1
         for k, c in zip(i, tr.code[i], strict=True)],
        dtype=np.int64,
    )  # fmt: skip
    intentional = (
        (hours >= p.intentional_min_h)
        & (port_km >= p.intentional_min_port_distance_nm * KM_PER_NM)
        & (before >= p.intentional_min_positions_before)
    )
    c = tr.code[i]
    off, on = ctx.evidence(tr.row[i], "off "), ctx.evidence(tr.row[j], "on ")
    return pd.DataFrame(
        {
            "event_type": "gap",
            **tr.vessels(c),
            "start": pd.to_datetime(tr.t[i], utc=True),
            "end": pd.to_datetime(tr.t[j], utc=True),
            "lat": tr.lat[i],
            "lon": tr.lon[i],
            "end_lat": tr.lat[j],
            "end_lon": tr.lon[j],
            "confidence": np.where(intentional, 0.8, 0.5),
            "evidence": [f"{a}; {b}" for a, b in zip(off, on, strict=True)],
            "flags": np.where(np.isfinite(port_km), "", "no_port_nearby"),
            "distance_from_port_km": np.where(np.isfinite(port_km), port_km, np.nan),
            "distance_km": d,
            "implied_speed_kn": speed,
            "positions_before": before,
            "likely_intentional": intentional,
        }
    )
