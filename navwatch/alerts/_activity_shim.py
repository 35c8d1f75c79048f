"""TEMPORARY stand-in for ``navwatch.activity.detect_activity_incremental`` (branch act-incr).

Same contract, done simply: the state keeps every AIS fix seen so far and the last reported
version of every event; each batch re-runs :func:`navwatch.activity.detect_activity` on all the
fixes and reports, by ``event_id``, the events that are new or changed since the state, and once
more (with ``retracted`` added to their flags) those that disappeared. As the real one, it
refuses (:class:`ConfigError`) a state made with other types, thresholds or ``all_vessels``, and
(:class:`StateError`) bytes that are not a state. The state grows with the archive: fine for the
watcher's tests, not for production; delete this module when the real function is in main.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .. import schema
from ..activity import EVENT_TYPES, ActivityParams, detect_activity
from ..errors import ConfigError, StateError
from ..quarantine import Quarantine
from ..registry import Registry

__all__ = ["ActivityBatch", "ActivityState", "detect_activity_incremental"]

_MAGIC = b"NWAS2"


def _parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.reset_index(drop=True).to_parquet(buf, index=False)
    return buf.getvalue()


@dataclass
class ActivityState:
    """The fixes seen so far and the last reported version of every live event."""

    fixes: pd.DataFrame = field(default_factory=lambda: schema.empty())
    events: pd.DataFrame = field(default_factory=lambda: schema.ACTIVITY.empty())
    config: str = ""

    def to_bytes(self) -> bytes:
        c, a, b = self.config.encode(), _parquet(self.fixes), _parquet(self.events)
        return _MAGIC + struct.pack(">QQ", len(c), len(a)) + c + a + b

    @classmethod
    def from_bytes(cls, blob: bytes | None) -> ActivityState:
        if not blob:
            return cls()
        if not blob.startswith(_MAGIC):
            raise StateError("not an activity state (unknown header)")
        nc, na = struct.unpack(">QQ", blob[5:21])
        at = 21
        config = blob[at : at + nc].decode()
        fixes = schema.conform(pd.read_parquet(io.BytesIO(blob[at + nc : at + nc + na])))
        events = pd.read_parquet(io.BytesIO(blob[at + nc + na :]))
        return cls(fixes=fixes, events=_typed(events), config=config)


def _typed(events: pd.DataFrame) -> pd.DataFrame:
    """An activity table with :data:`schema.ACTIVITY`'s dtypes (after Parquet)."""
    out = schema.ACTIVITY.empty() if not len(events) else events.copy()
    for c in schema.ACTIVITY.columns:
        if c.name in out.columns:
            out[c.name] = out[c.name].astype(c.dtype)
    return out[schema.ACTIVITY.names].reset_index(drop=True)


@dataclass
class ActivityBatch:
    events: pd.DataFrame
    state: ActivityState
    stats: dict = field(default_factory=dict)


def _key(row: pd.Series) -> tuple:
    return tuple("<NA>" if pd.isna(v) else str(v) for v in row.to_numpy(dtype=object))


def detect_activity_incremental(
    obs: pd.DataFrame,
    zones=None,
    registry: Registry | None = None,
    *,
    types: Iterable[str] | None = None,
    params: ActivityParams | None = None,
    all_vessels: bool = True,
    state: ActivityState | None = None,
    quarantine: Quarantine | None = None,
) -> ActivityBatch:
    """Activity events new or changed since ``state`` (see the module docs)."""
    state = state or ActivityState()
    wanted = list(types) if types is not None else list(EVENT_TYPES)
    params = params if params is not None else ActivityParams()
    config = json.dumps(
        {"params": params.to_dict(), "types": sorted(wanted), "all_vessels": bool(all_vessels)},
        sort_keys=True,
    )
    if state.config and state.config != config:
        raise ConfigError(
            "this activity state was made with other types, thresholds or all_vessels; start "
            "from a fresh state (state=None) after changing them"
        )
    ais = obs[(obs["kind"] == "ais").to_numpy(dtype=bool, na_value=False)] if len(obs) else obs
    fixes = schema.concat([state.fixes, ais]) if len(state.fixes) else ais.reset_index(drop=True)
    now = _typed(
        detect_activity(
            fixes, zones, registry, types=wanted, params=params, all_vessels=all_vessels
        )
    )
    before = state.events
    old = {eid: _key(r) for eid, (_, r) in zip(before["event_id"], before.iterrows(), strict=True)}
    changed = [
        eid not in old or old[eid] != _key(r)
        for eid, (_, r) in zip(now["event_id"], now.iterrows(), strict=True)
    ]
    gone = before[~before["event_id"].isin(set(now["event_id"]))].copy()
    gone["flags"] = [f"{f};retracted" if f else "retracted" for f in gone["flags"]]
    parts = [x for x in (now[changed], gone) if len(x)]
    reported = _typed(pd.concat(parts, ignore_index=True)) if parts else _typed(now.iloc[:0])
    stats = {
        "fixes": len(fixes),
        "events": len(now),
        "reported": len(reported),
        "retracted": len(gone),
    }
    nxt = ActivityState(fixes=fixes, events=now, config=config)
    return ActivityBatch(events=reported, state=nxt, stats=stats)
