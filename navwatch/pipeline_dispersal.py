"""File-level dispersal job: read inputs, load registry and ports, detect port states, disperse.

The glue between files and the pure core (:func:`navwatch.dispersal.fleet_dispersal`), for the
CLI and for users who want one call from paths. See :mod:`navwatch.pipeline` for detection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .detect import Detection, DetectParams, detect_port_events
from .dispersal import Dispersal, DispersalParams, fleet_dispersal
from .io import read_observations
from .io.writers import fleet_path as fleet_path  # both moved to navwatch.io.writers
from .io.writers import write_dispersal as write_dispersal
from .ports import load_ports
from .quarantine import Quarantine
from .registry import Registry, load_registry


@dataclass
class DispersalRun:
    """What a dispersal job produced: the dispersal, the detection behind it (with ``states``)
    and the inputs' read statistics."""

    dispersal: Dispersal
    detection: Detection
    read_stats: dict
    registry: Registry | None
    zones: object

    @property
    def quarantine(self) -> Quarantine:
        return self.detection.quarantine


def dispersal_files(
    inputs: Sequence[str | Path],
    *,
    registry: str | Path | Registry | None = None,
    ports: str | Path | None = None,
    port_radius_km: float | None = None,
    all_vessels: bool = False,
    port: str | None = None,
    vessels: list[str] | None = None,
    start=None,
    end=None,
    params: DispersalParams | None = None,
    detect_params: DetectParams | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> DispersalRun:
    """Read every input (format auto-detected), detect port states, then measure dispersal.

    ``registry`` None means the registry shipped with navwatch; ``ports`` None the bundled zones
    only (a given ports file is added to them). The other keywords go to
    :func:`~navwatch.dispersal.fleet_dispersal`. With ``all_vessels`` and neither ``port`` nor
    ``vessels``, the fleet is every vessel with evidence (registry vessels without any are not
    listed).

    Examples
    --------
    >>> from navwatch.demo import demo_inputs
    >>> run = dispersal_files(demo_inputs(), port="Tartus", params=DispersalParams(every="1D"))
    >>> int(run.dispersal.fleet["n_vessels"].iloc[0]), len(run.quarantine)
    (6, 0)
    """
    quarantine = Quarantine()
    obs = read_observations(list(inputs), quarantine=quarantine, progress=progress)
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    zones = load_ports(ports, default_radius_km=port_radius_km)
    det = detect_port_events(
        obs,
        zones,
        reg,
        params=detect_params,
        all_vessels=all_vessels,
        quarantine=quarantine,
        with_states=True,
    )
    if all_vessels and port is None and vessels is None:
        # every MMSI in the data: list the vessels with evidence, not every registry entry too
        vessels = sorted(str(v) for v in det.states["vessel_id"].dropna().unique())
    disp = fleet_dispersal(
        det.states, zones, reg, port=port, vessels=vessels, start=start, end=end, params=params
    )
    return DispersalRun(disp, det, dict(obs.attrs.get("read_stats", {})), reg, zones)
