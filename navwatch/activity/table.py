"""The activity events table: one model for every activity type (issue 13).

Every detector returns rows with the shared columns it knows and its own fields;
:func:`events_table` fills the rest, derives ``duration_h``, gives each event a stable
``event_id`` (the same event found again by a later run has the same id) and orders the table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import schema

#: Shared columns (every event type), then the per-type fields.
SHARED_COLUMNS = [
    "event_id",
    "event_type",
    "vessel_id",
    "vessel_name",
    "mmsi",
    "other_vessel_id",
    "other_vessel_name",
    "other_mmsi",
    "start",
    "end",
    "duration_h",
    "lat",
    "lon",
    "confidence",
    "evidence",
    "flags",
]
TYPE_COLUMNS = [
    "distance_from_port_km",
    "median_distance_m",
    "median_speed_kn",
    "distance_km",
    "implied_speed_kn",
    "positions_before",
    "likely_intentional",
    "field",
    "old_value",
    "new_value",
    "vessels",
]
COLUMNS = SHARED_COLUMNS + TYPE_COLUMNS

_DTYPES = {
    "event_id": "string",
    "event_type": "string",
    "vessel_id": "string",
    "vessel_name": "string",
    "mmsi": "Int64",
    "other_vessel_id": "string",
    "other_vessel_name": "string",
    "other_mmsi": "Int64",
    "start": schema.TIME_DTYPE,
    "end": schema.TIME_DTYPE,
    "duration_h": "float64",
    "lat": "float64",
    "lon": "float64",
    "confidence": "float64",
    "evidence": "string",
    "flags": "string",
    "distance_from_port_km": "float64",
    "median_distance_m": "float64",
    "median_speed_kn": "float64",
    "distance_km": "float64",
    "implied_speed_kn": "float64",
    "positions_before": "Int64",
    "likely_intentional": "boolean",
    "field": "string",
    "old_value": "string",
    "new_value": "string",
    "vessels": "string",
}


def event_id(event_type: str, vessel_id: str, other: str, start_ns: int) -> str:
    """A stable id: the type, the vessel(s) (a pair in either order) and the start.

    Examples
    --------
    >>> event_id("encounter", "a", "b", 0) == event_id("encounter", "b", "a", 0)
    True
    """
    pair = "|".join(sorted([vessel_id, other])) if other else vessel_id
    key = f"{event_type}|{pair}|{int(start_ns)}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def events_table(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One activity table from the detectors' frames: every column of :data:`COLUMNS` (missing
    ones empty), ``duration_h`` from start and end, ``event_id`` filled, ordered by start,
    type and vessel.

    Examples
    --------
    >>> t = pd.Timestamp("2024-12-02 06:00", tz="UTC")
    >>> ev = events_table([pd.DataFrame({"event_type": ["gap"], "vessel_id": ["mmsi:1"],
    ...     "start": [t], "end": [t + pd.Timedelta("7h")]})])
    >>> float(ev["duration_h"][0]), len(ev["event_id"][0]), list(ev.columns) == COLUMNS
    (7.0, 16, True)
    """
    frames = [f for f in parts if f is not None and len(f)]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    out = pd.DataFrame(index=df.index)
    for c in COLUMNS:
        dtype = _DTYPES[c]
        if c in df.columns:
            s = df[c]
            if c in ("start", "end"):
                out[c] = pd.to_datetime(s, utc=True).astype(schema.TIME_DTYPE)
            else:
                out[c] = s.astype(dtype)
        else:
            out[c] = pd.Series(pd.NA if dtype != "float64" else np.nan, index=df.index, dtype=dtype)
    out["duration_h"] = (out["end"] - out["start"]).dt.total_seconds() / 3600.0
    out["flags"] = out["flags"].fillna("")
    out["evidence"] = out["evidence"].fillna("")
    missing = out["event_id"].isna()
    if missing.any():
        out.loc[missing, "event_id"] = [
            event_id(str(ty), str(v), "" if pd.isna(o) else str(o), int(s.value))
            for ty, v, o, s in zip(
                out.loc[missing, "event_type"],
                out.loc[missing, "vessel_id"],
                out.loc[missing, "other_vessel_id"],
                out.loc[missing, "start"],
                strict=True,
            )
        ]
    out = out.sort_values(["start", "event_type", "vessel_id"], kind="stable")
    return out.reset_index(drop=True)
