"""Activity at sea (issue 13): what ships did between port calls.

One event model for every type (:mod:`.table`), computed from AIS tracks (:mod:`.tracks`),
vectorised, on any archive (``all_vessels``):

=================  ==========================================================================
type               definition (thresholds: :class:`ActivityParams`)
=================  ==========================================================================
gap                AIS silence of at least ``gap_min_h`` between two fixes of a vessel;
                   ``likely_intentional`` per GFW's current rule
loitering          one vessel slower than ``loitering_max_speed_kn`` for at least
                   ``loitering_min_duration_h``, beyond ``port_exclusion_km`` of every port zone
encounter          two vessels within ``encounter_max_distance_m`` for at least
                   ``encounter_min_duration_h``, median speed below
                   ``encounter_max_median_speed_kn``, away from ports (GFW)
replenishment      two vessels within ``replenishment_max_distance_m`` on a common course at
                   8-15 kn for at least ``replenishment_min_duration_min`` (underway
                   replenishment; flagged when one of them is an oiler or auxiliary)
spoofing           position integrity: one MMSI in two places at once, a displaced segment;
                   several vessels displaced together are one jamming event
identity_change    the same MMSI's name, IMO or call sign changes
=================  ==========================================================================

:func:`detect_activity` runs the detectors asked for and returns one table
(:data:`navwatch.activity.table.COLUMNS`); ``find_gaps``, ``find_loitering``,
``find_encounters``, ``find_replenishments``, ``find_spoofing`` and ``find_identity_changes``
run one type each; :func:`detect_activity_incremental` does it batch by batch from an
:class:`ActivityState` (:mod:`.incremental`), reporting new, changed and retracted events.
"""

from __future__ import annotations

from .api import DETECTORS, detect_activity
from .by_type import (
    find_encounters,
    find_gaps,
    find_identity_changes,
    find_loitering,
    find_replenishments,
    find_spoofing,
)
from .incremental import (
    ActivityBatch,
    ActivityState,
    detect_activity_incremental,
    horizons,
    lookback_h,
)
from .params import EVENT_TYPES, ActivityParams
from .table import COLUMNS, events_table
from .tracks import Tracks, resample, tracks

__all__ = [
    "COLUMNS",
    "ActivityBatch",
    "ActivityState",
    "DETECTORS",
    "EVENT_TYPES",
    "ActivityParams",
    "Tracks",
    "detect_activity",
    "detect_activity_incremental",
    "events_table",
    "find_encounters",
    "find_gaps",
    "find_identity_changes",
    "find_loitering",
    "find_replenishments",
    "find_spoofing",
    "horizons",
    "lookback_h",
    "resample",
    "tracks",
]
