"""Helpers for testing code that uses navwatch (and navwatch's own tests).

Examples
--------
>>> import pandas as pd
>>> t = make_track([(0, 34.90, 35.00), (60, 34.95, 35.00)], mmsi=273547800)
>>> list(t.columns[:4]), len(t)
(['time', 'lat', 'lon', 'kind'], 2)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import schema
from .detect.api import EVENT_COLUMNS
from .report._png import CHROMIUM_ARGS as CHROMIUM_ARGS  # the flags tests launch Chromium with

T0 = pd.Timestamp("2024-12-01T00:00:00Z")


def make_track(
    points: Iterable[tuple[float, float, float]] | Iterable[tuple[float, float, float, float]],
    *,
    mmsi: int | None = 273547800,
    t0: pd.Timestamp = T0,
    kind: str = "ais",
    source: str = "AIS",
    src_file: str = "track.csv",
) -> pd.DataFrame:
    """An observation table from ``(minutes_after_t0, lat, lon[, sog_kn])`` tuples."""
    rows = [tuple(p) for p in points]
    minutes = [r[0] for r in rows]
    df = pd.DataFrame(
        {
            "time": [t0 + pd.Timedelta(minutes=m) for m in minutes],
            "lat": [float(r[1]) for r in rows],
            "lon": [float(r[2]) for r in rows],
            "kind": kind,
            "mmsi": mmsi,
            "sog_kn": [float(r[3]) if len(r) > 3 else np.nan for r in rows],
            "source": source,
            "src_file": src_file,
            "src_line": np.arange(2, len(rows) + 2),
        }
    )
    return schema.conform(df)


def events_key(events: pd.DataFrame) -> pd.DataFrame:
    """Events sorted canonically, for comparisons independent of order."""
    cols = [c for c in EVENT_COLUMNS if c in events.columns]
    return (
        events[cols]
        .sort_values(["vessel_id", "time", "event", "port", "tier"], kind="stable")
        .reset_index(drop=True)
    )


def assert_events_equal(
    left: pd.DataFrame, right: pd.DataFrame, *, check_evidence: bool = True
) -> None:
    """Assert two events tables hold the same events (order ignored)."""
    a, b = events_key(left), events_key(right)
    if not check_evidence:
        a = a.drop(columns=["evidence"])
        b = b.drop(columns=["evidence"])
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def merge_incremental(batches: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Combine the events of successive incremental runs: a later event with the same
    ``event_id`` supersedes an earlier one (it is an update)."""
    frames = [b for b in batches if len(b)]
    if not frames:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates("event_id", keep="last").reset_index(drop=True)
