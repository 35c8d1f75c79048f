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

The Tartus case end to end (the walk-through of ``notebooks/tartus_2024.ipynb``):

>>> from navwatch.demo import demo_inputs
>>> zones = nw.load_ports()
>>> det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
>>> dep = det.events[det.events["event"] == "departure"]
>>> dep[["vessel_name", "window_h", "confidence"]].head(2).to_dict("records")
[{'vessel_name': 'Yelnya', 'window_h': 21.5, 'confidence': 0.301}, {'vessel_name': 'Admiral Golovko', 'window_h': 48.0, 'confidence': 0.203}]
>>> disp = nw.fleet_dispersal(det.states, zones, reg, port="Tartus")
>>> m = nw.map_report(det.states, det.events, zones, reg, fleet=disp.fleet, port="Tartus")
>>> type(m).__name__  # a folium.Map: the last expression of a notebook cell renders inline
'Map'
"""

# (names imported "as" themselves are reachable here for existing code, not part of __all__)
from .activity import ActivityParams, detect_activity
from .analysis import activity_per_day, dark_periods, departures_per_day, vessel_timeline
from .detect import EVENT_COLUMNS as EVENT_COLUMNS
from .detect import Detection as Detection
from .detect import DetectorState as DetectorState
from .detect import DetectParams, detect_port_events
from .dispersal import Dispersal as Dispersal
from .dispersal import DispersalParams, fleet_dispersal
from .errors import ConfigError as ConfigError
from .errors import IngestError as IngestError
from .errors import NavwatchError
from .errors import PortsError as PortsError
from .errors import RegistryError as RegistryError
from .errors import SchemaError as SchemaError
from .io import read_observations
from .ports import load_ports
from .quarantine import Quarantine as Quarantine
from .registry import Registry as Registry
from .registry import load_registry

__version__ = "0.1.0"


def __getattr__(name: str):
    # folium is imported only when a map is asked for (it costs ~0.7 s at every CLI start)
    if name in ("map_report", "save_report"):
        from . import report

        return getattr(report, name)
    raise AttributeError(f"module 'navwatch' has no attribute {name!r}")


#: The names a notebook needs. Everything else lives in its subpackage (``navwatch.errors``,
#: ``navwatch.detect``, ``navwatch.dispersal``, ``navwatch.registry``, ``navwatch.quarantine``,
#: ``navwatch.io``, ...); the classes imported above stay reachable here for existing code.
__all__ = [
    "ActivityParams",
    "DetectParams",
    "DispersalParams",
    "NavwatchError",
    "activity_per_day",
    "dark_periods",
    "departures_per_day",
    "detect_activity",
    "detect_port_events",
    "fleet_dispersal",
    "load_ports",
    "load_registry",
    "map_report",
    "read_observations",
    "save_report",
    "vessel_timeline",
]
