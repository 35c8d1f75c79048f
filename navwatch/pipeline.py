"""File-level jobs: read inputs, load registry and ports, detect, and report what happened.

These glue the pure core to I/O, for the CLI and for users who want one call from paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from .detect import Detection, DetectParams, detect_port_events
from .errors import ConfigError
from .io import read_observations
from .ports import load_ports
from .quarantine import Quarantine
from .registry import Registry, load_registry

#: How :func:`detect_files` runs: ``memory``, ``out-of-core`` or ``dask``.
Engine = Literal["memory", "out-of-core", "dask"]


@dataclass
class DetectRun:
    """Everything a detect job produced: the detection, the inputs' read statistics and the
    observations (kept for reports)."""

    detection: Detection
    observations: pd.DataFrame
    read_stats: dict
    registry: Registry | None
    zones: object

    @property
    def events(self) -> pd.DataFrame:
        return self.detection.events

    @property
    def visits(self) -> pd.DataFrame:
        return self.detection.visits

    @property
    def quarantine(self) -> Quarantine:
        return self.detection.quarantine


def detect_files(
    inputs: Sequence[str | Path],
    *,
    registry: str | Path | Registry | None = None,
    ports: str | Path | None = None,
    port_radius_km: float | None = None,
    all_vessels: bool = False,
    params: DetectParams | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    engine: Engine = "memory",
    memory_limit_mb: float = 2048,
    with_states: bool = False,
    scheduler: str | None = None,
) -> DetectRun:
    """Read every input (format auto-detected), then detect port events.

    ``registry`` None means the registry shipped with navwatch; ``ports`` None means the bundled
    port zones only (a given ports file is added to them). ``engine`` is ``memory`` (read
    everything, then detect) or ``out-of-core`` (split by vessel into buckets on disk and detect
    them in turn, each within ``memory_limit_mb``; see :mod:`navwatch.scale.partition`) or
    ``dask`` (the same split, detected by the workers of a Dask cluster at ``scheduler``; default
    a local cluster of 2 worker processes; ``pip install 'navwatch[dask]'``).
    """
    quarantine = Quarantine()
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    zones = load_ports(ports, default_radius_km=port_radius_km)
    if engine == "memory":
        obs = read_observations(list(inputs), quarantine=quarantine, progress=progress)
        det = detect_port_events(
            obs, zones, reg, params=params, all_vessels=all_vessels, quarantine=quarantine, with_states=with_states
        )
        return DetectRun(det, obs, dict(obs.attrs.get("read_stats", {})), reg, zones)
    if engine == "out-of-core":
        from .scale import detect_partitioned

        det = detect_partitioned(
            inputs, zones, reg, params=params, all_vessels=all_vessels, memory_limit_mb=memory_limit_mb,
            quarantine=quarantine, progress=(lambda stage, i, n: progress(stage, i, n)) if progress else None,
        )
        return DetectRun(det, None, {}, reg, zones)
    if engine == "dask":
        from .scale.dask_engine import detect_dask

        det = detect_dask(
            inputs, zones, reg, params=params, all_vessels=all_vessels, scheduler=scheduler,
            quarantine=quarantine, progress=(lambda stage, i, n: progress(stage, i, n)) if progress else None,
        )
        return DetectRun(det, None, {}, reg, zones)
    raise ConfigError(f"unknown engine {engine!r}; expected 'memory', 'out-of-core' or 'dask'")
