"""Port departure/arrival detection: a per-vessel port state machine over time-ordered evidence."""

from .api import EVENT_COLUMNS, STATE_COLUMNS, Detection, DetectorState, detect_port_events
from .params import DetectParams

__all__ = [
    "EVENT_COLUMNS",
    "STATE_COLUMNS",
    "DetectParams",
    "Detection",
    "DetectorState",
    "detect_port_events",
]
