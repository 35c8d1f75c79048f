"""navwatch: a naval asset movement monitor.

Join position evidence (AIS, sightings, port surveys) to a registry of vessels, flag port
departures and arrivals with honest time windows and confidence, measure fleet dispersal and draw
map reports. Functions take and return (Geo)DataFrames; I/O lives in :mod:`navwatch.io`.

Examples
--------
>>> import navwatch as nw
>>> reg = nw.load_registry()
>>> sorted(reg.ids)[:2]
['admiral-golovko', 'admiral-gorshkov']
"""

from .detect import EVENT_COLUMNS, Detection, DetectorState, DetectParams, detect_port_events
from .dispersal import Dispersal, DispersalParams, fleet_dispersal
from .errors import ConfigError, IngestError, NavwatchError, PortsError, RegistryError, SchemaError
from .io import read_observations
from .ports import load_ports
from .quarantine import Quarantine
from .registry import Registry, load_registry

__version__ = "0.1.0"


def __getattr__(name: str):
    # folium is imported only when a map is asked for (it costs ~0.7 s at every CLI start)
    if name in ("map_report", "save_report"):
        from . import report

        return getattr(report, name)
    raise AttributeError(f"module 'navwatch' has no attribute {name!r}")


__all__ = [
    "EVENT_COLUMNS",
    "ConfigError",
    "DetectParams",
    "Detection",
    "DetectorState",
    "Dispersal",
    "DispersalParams",
    "IngestError",
    "NavwatchError",
    "PortsError",
    "Quarantine",
    "Registry",
    "RegistryError",
    "SchemaError",
    "detect_port_events",
    "fleet_dispersal",
    "load_ports",
    "load_registry",
    "map_report",
    "read_observations",
    "save_report",
]
