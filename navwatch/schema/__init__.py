"""The canonical tables: the observation table every reader produces (:mod:`.observations`)
and every table navwatch emits, with :func:`validate` for the boundaries (:mod:`.tables`).

``from navwatch.schema import X`` reaches everything both define.
"""

from ..errors import SchemaError as SchemaError
from .observations import ALWAYS_READ as ALWAYS_READ
from .observations import ANALYSIS_COLUMNS as ANALYSIS_COLUMNS
from .observations import CONFIDENCE_MISSING as CONFIDENCE_MISSING
from .observations import CONFIDENCE_WORDS as CONFIDENCE_WORDS
from .observations import DEFAULT_RELIABILITY as DEFAULT_RELIABILITY
from .observations import DIMENSIONS as DIMENSIONS
from .observations import DTYPES as DTYPES
from .observations import IDENTITY as IDENTITY
from .observations import KIND_DTYPE as KIND_DTYPE
from .observations import KINDS as KINDS
from .observations import MOTION_DETAIL as MOTION_DETAIL
from .observations import OPTIONAL as OPTIONAL
from .observations import REQUIRED as REQUIRED
from .observations import TIME_DTYPE as TIME_DTYPE
from .observations import column as column
from .observations import concat as concat
from .observations import conform as conform
from .observations import empty as empty
from .observations import parse_confidence as parse_confidence
from .observations import projected as projected
from .observations import time_ns as time_ns
from .observations import to_utc as to_utc
from .tables import ACTIVITY as ACTIVITY
from .tables import ACTIVITY_COLUMNS as ACTIVITY_COLUMNS
from .tables import DARK_COLUMNS as DARK_COLUMNS
from .tables import DARK_PERIODS as DARK_PERIODS
from .tables import DETECTIONS as DETECTIONS
from .tables import DISPERSAL_FLEET as DISPERSAL_FLEET
from .tables import DISPERSAL_VESSELS as DISPERSAL_VESSELS
from .tables import EVENT_COLUMNS as EVENT_COLUMNS
from .tables import EVENT_CORE as EVENT_CORE
from .tables import EVENTS as EVENTS
from .tables import FLEET_COLUMNS as FLEET_COLUMNS
from .tables import IMAGERY_SURVEYS as IMAGERY_SURVEYS
from .tables import STATE_COLUMNS as STATE_COLUMNS
from .tables import STATES as STATES
from .tables import TABLES as TABLES
from .tables import TIMELINE as TIMELINE
from .tables import TIMELINE_COLUMNS as TIMELINE_COLUMNS
from .tables import VESSEL_COLUMNS as VESSEL_COLUMNS
from .tables import VISIT_COLUMNS as VISIT_COLUMNS
from .tables import VISITS as VISITS
from .tables import Column as Column
from .tables import Table as Table
from .tables import core_events as core_events
from .tables import validate as validate
