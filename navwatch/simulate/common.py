"""Units, codes, decoy labels and the small table helpers every part of the simulator shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..geodesy import M_PER_S_PER_KN, NS_PER_S, S_PER_H

KN = M_PER_S_PER_KN  # metres per second in one knot
NS = NS_PER_S
H = float(S_PER_H)


MOVE, REST, SWING = 0, 1, 2
# evidence status codes
POS, SURV_IN, SURV_OUT = 0, 1, 2

#: How sightings write confidence, and the number each word stands for in the canonical table.
CONFIDENCE_WORDS = {"confirmed": 0.95, "high": 0.85, "probable": 0.7, "medium": 0.6, "low": 0.35}

#: Decoy labels a scenario may contain (``truth_visits.decoys``), each just either side of a
#: threshold a port-call detector plausibly uses. Calls: ``stop_sog_0.15``, ``anchor_sog_0.3``,
#: ``anchor_sog_0.4``, ``anchor_sog_0.6`` (reported SOG at rest), ``stop_5min``, ``stop_15min``,
#: ``stop_30min``, ``stop_short`` (10 or 20 min) (rest durations), ``gap_3.5h``, ``gap_4.5h`` (AIS off for the whole stop),
#: ``berth_edge`` (GPS error crosses the polygon), ``berth_inside_50m``, ``anchorage_call``,
#: ``anchor_then_berth``, ``dark_departure``, ``ais_port_only``. Not calls at that zone:
#: ``berth_outside_50m`` (a call at the outer tier if there is one), ``transit_20min``,
#: ``transit_2h``, ``transit_1kn``, ``transit_3kn``, ``transit_slow``, ``transit_pilot``,
#: ``transit_gap_3.5h``, ``transit_gap_4.5h`` (a reception gap during a slow pass),
#: ``sea_stop`` (never in a zone, so it labels no visit).
DECOYS = (
    "stop_sog_0.15",
    "anchor_sog_0.3",
    "anchor_sog_0.4",
    "anchor_sog_0.6",
    "stop_5min",
    "stop_15min",
    "stop_30min",
    "stop_short",
    "gap_3.5h",
    "gap_4.5h",
    "berth_edge",
    "berth_inside_50m",
    "berth_outside_50m",
    "anchorage_call",
    "anchor_then_berth",
    "dark_departure",
    "ais_port_only",
    "transit_20min",
    "transit_2h",
    "transit_1kn",
    "transit_3kn",
    "transit_slow",
    "transit_pilot",
    "transit_gap_3.5h",
    "transit_gap_4.5h",
    "sea_stop",
)


_TEXT = pd.Index(["x"]).dtype  # this pandas' default dtype for text


def _ts(ns: np.ndarray) -> pd.Series:
    """UTC timestamps from int64 nanoseconds (fast path)."""
    return (
        pd.Series(np.asarray(ns, dtype="int64").view("datetime64[ns]"))
        .dt.tz_localize("UTC")
        .astype(schema.TIME_DTYPE)
    )


def _empty_fixes():
    return {k: np.empty(0) for k in ("v", "t", "xo", "yo", "sog", "rest", "fault", "port", "rank")}


#: Dtypes of the evidence arrays the truth tables are built from (``t`` in seconds).
_EVIDENCE_DTYPES = {
    "v": np.int32,
    "t": np.float64,
    "status": np.int8,
    "port": np.int32,
    "rank": np.int32,
    "kind": np.int8,
    "false": bool,
}


def _empty_evidence():
    return {k: np.empty(0, dtype=d) for k, d in _EVIDENCE_DTYPES.items()}


def _to_ts(sec: np.ndarray, start_ns: int) -> pd.Series:
    ok = np.isfinite(sec)
    ns = start_ns + np.round(np.where(ok, sec, 0.0) * NS).astype("int64")
    out = _ts(ns)
    out[~ok] = pd.NaT
    return out
