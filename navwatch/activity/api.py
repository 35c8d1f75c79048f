"""``detect_activity``: run the activity detectors on an observation table."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..registry import Registry
from ..zones import ZoneIndex
from .params import EVENT_TYPES, ActivityParams
from .table import events_table
from .tracks import Slots, Tracks, resample, tracks


@dataclass
class Context:
    """What every detector gets: the tracks, the zones, the parameters, the observation table
    (for static data and evidence) and the registry (vessel types)."""

    tracks: Tracks
    zones: ZoneIndex
    params: ActivityParams
    obs: pd.DataFrame
    registry: Registry | None
    _slots: Slots | None = field(default=None, repr=False)
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)

    def shared(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per run and kept under ``key`` for every detector that
        asks (screened tracks, slot positions: work two detectors would otherwise repeat)."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    def release(self, prefix: str) -> None:
        """Drop what :meth:`shared` keeps under keys starting with ``prefix`` (its memory),
        once its last user is done (a later ask computes it again)."""
        for key in [k for k in self._shared if k.startswith(prefix)]:
            del self._shared[key]

    def with_tracks(self, tracks: Tracks) -> Context:
        """This context over other ``tracks`` (a detector's subset of them): nothing computed
        from the old tracks is kept; subclasses keep what they add."""
        other = copy.copy(self)
        other.tracks, other._slots, other._shared = tracks, None, {}
        return other

    def slots(self) -> Slots:
        """The tracks resampled once for the two-vessel detectors."""
        if self._slots is None:
            p = self.params
            self._slots = resample(
                self.tracks, p.resample_step_min * 60.0, p.interpolate_max_gap_h * 3600.0
            )
        return self._slots

    def evidence(self, rows, label: str = "") -> list[str]:
        """``file:line`` of observation rows (by position in ``obs``), for the evidence text
        (each column read once for all rows)."""
        obs = self.obs
        rows = list(rows)
        take = np.asarray(rows, dtype=np.int64)
        files = obs["src_file"].iloc[take].tolist() if "src_file" in obs.columns else None
        lines = obs["src_line"].iloc[take].tolist() if "src_line" in obs.columns else None
        out = []
        for k, r in enumerate(rows):
            f = None if files is None else files[k]
            ln = None if lines is None else lines[k]
            where = f"{f}:{ln}" if f is not None and not pd.isna(f) else f"row {r}"
            out.append(f"{label}{where}")
        return out


#: Event type -> detector(ctx) -> DataFrame of rows for :func:`events_table`.
DETECTORS: dict[str, Callable[[Context], pd.DataFrame]] = {}


def _register() -> None:
    from . import gaps, integrity, loitering, pairs

    DETECTORS.setdefault("gap", gaps.detect_gaps)
    DETECTORS.setdefault("loitering", loitering.detect_loitering)
    DETECTORS.setdefault("encounter", pairs.detect_encounters)
    DETECTORS.setdefault("replenishment", pairs.detect_replenishments)
    DETECTORS.setdefault("spoofing", integrity.detect_spoofing)
    DETECTORS.setdefault("identity_change", integrity.detect_identity_changes)


def detect_activity(
    obs: pd.DataFrame,
    zones=None,
    registry: Registry | None = None,
    *,
    types: Iterable[str] | None = None,
    params: ActivityParams | None = None,
    all_vessels: bool = True,
) -> pd.DataFrame:
    """Activity events of the AIS fixes in ``obs`` (see :mod:`navwatch.activity`).

    Parameters
    ----------
    obs : DataFrame
        A canonical observation table (:func:`navwatch.read_observations`); only AIS rows are
        used.
    zones : GeoDataFrame or ZoneIndex, optional
        Port zones (:func:`navwatch.load_ports`); distances to ports use them. None: none.
    registry : Registry, optional
        Names vessels and says which are oilers or auxiliaries.
    types : iterable of str, optional
        The event types to detect (default: every type navwatch has a detector for).
    params : ActivityParams, optional
        Thresholds.
    all_vessels : bool
        Every MMSI (default), or only registry vessels.

    Returns
    -------
    DataFrame
        One row per event, columns :data:`navwatch.activity.table.COLUMNS`.
    """
    wanted = wanted_types(types)
    p = params if params is not None else ActivityParams()
    obs = obs.reset_index(drop=True)
    zi = ZoneIndex.of(zones) if zones is not None else ZoneIndex.of(_no_zones())
    ctx = Context(tracks(obs, registry, all_vessels=all_vessels), zi, p, obs, registry)
    return events_table(DETECTORS[t](ctx) for t in EVENT_TYPES if t in wanted)


def wanted_types(types: Iterable[str] | None) -> list[str]:
    """The event types asked for (None: every type with a detector), checked: a
    :class:`~navwatch.errors.ConfigError` names unknown ones."""
    _register()
    wanted = list(DETECTORS) if types is None else list(types)
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown:
        raise ConfigError(
            f"unknown activity type(s) {unknown}; expected some of {list(EVENT_TYPES)}"
        )
    missing = [t for t in wanted if t not in DETECTORS]
    if missing:
        raise ConfigError(f"no detector yet for activity type(s) {missing}")
    return wanted


def _no_zones():
    import geopandas as gpd

    return gpd.GeoDataFrame({"port": pd.Series([], dtype=str)}, geometry=[], crs=4326)
