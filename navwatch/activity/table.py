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

#: The columns, in order: those of :data:`navwatch.schema.ACTIVITY` (the one definition).
COLUMNS = schema.ACTIVITY.names
_DTYPES = {c.name: c.dtype for c in schema.ACTIVITY.columns}


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
        dtype = _DTYPES[c] if c not in ("start", "end") else schema.TIME_DTYPE
        if c in df.columns:
            s = df[c]
            if c in ("start", "end"):
                out[c] = pd.to_datetime(s, utc=True).astype(schema.TIME_DTYPE)
            else:
                out[c] = s.astype(dtype)
        else:
            out[c] = pd.Series(pd.NA if dtype != "float64" else np.nan, index=df.index, dtype=dtype)
    out["duration_h"] = (out["end"] - out["start"]).dt.total_seconds() / 3600.0
    for c in ("flags", "evidence", "vessel_name"):  # '' when none, never missing
        out[c] = out[c].fillna("")
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
    return schema.validate(out.reset_index(drop=True), "activity", where="activity")
