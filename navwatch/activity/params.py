"""Activity parameters: one frozen, validated object, loadable from a TOML ``[activity]`` table.

Every threshold has its unit in its name. Defaults follow the anchors' published definitions
(``REFERENCE.md`` section 10: Global Fishing Watch encounters, loitering and gaps; Skylight;
naval underway replenishment) and the issue's choices where they differ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError
from ..settings import check_keys, check_non_negative

#: The activity event types, in the order they are reported.
EVENT_TYPES = ("encounter", "replenishment", "loitering", "gap", "spoofing", "identity_change")


@dataclass(frozen=True)
class ActivityParams:
    """Thresholds of the activity detectors. Units are in every name.

    Attributes
    ----------
    port_exclusion_km : float
        Encounters and loitering count only more than this far from every port zone (GFW drops
        encounters < 10 km from a port).
    resample_step_min : float, interpolate_max_gap_h : float
        Two-vessel events compare tracks resampled to slots of this many minutes (GFW: 10),
        interpolating only across silences shorter than ``interpolate_max_gap_h`` (GFW: 1 h).
    speed_baseline_min, speed_path_step_min : float
        Two-vessel events take a vessel's speed and course over at least this many minutes
        about each slot (its segment between fixes, widened to this): between fixes seconds
        apart, GPS error of 5-30 m reads as knots (30 m in 10 s is 6 kn). The course is the
        baseline's chord (1 degree of error at 8 kn over 10 min); the speed is measured along
        the path through positions about ``speed_path_step_min`` apart across it, so a ship
        circling within the baseline reads its speed (GPS error over 2 minutes adds a fraction
        of a knot, in quadrature). 0: the segment's own speed and course.
    encounter_max_distance_m, encounter_min_duration_h, encounter_max_median_speed_kn : float
        An encounter: two vessels within this distance in consecutive slots for at least this
        long, their median speed below this (GFW: 0.5 km, 2 h, 2 kn).
    encounter_merge_gap_h : float
        Runs of the same pair closer in time than this are one encounter (GFW: 4 h).
    replenishment_max_distance_m, replenishment_min_speed_kn, replenishment_max_speed_kn : float
        Underway replenishment: two vessels this close, both between these speeds...
    replenishment_max_course_diff_deg, replenishment_min_duration_min : float
        ...on courses within this many degrees of each other, for at least this long.
    replenishment_tolerance_slots : int
        A replenishment run broken by at most this many slots failing a condition is one run
        (slots are 5 min: one position interpolated between sparse fixes with GPS error of
        5-30 m reads a few metres over the distance, or a degree over the course). 0: none.
    loitering_max_speed_kn, loitering_min_duration_h : float
        Loitering: one vessel slower than this (speed implied by its fixes, GFW-style) for at
        least this long, beyond ``port_exclusion_km`` of every port zone.
    loitering_speed_window_min : float
        The implied speed of a fix is taken over this long before and after it (GFW: hourly
        implied speeds): GPS error between fixes seconds apart would read as knots.
    gap_min_h : float
        An AIS silence at least this long is a gap (GFW: 6 h).
    intentional_min_h, intentional_min_port_distance_nm : float
        A gap may be intentional (GFW's current rule) only if at least this long and starting at
        least this far from every port zone...
    intentional_min_positions_before : int, intentional_window_h : float
        ...with at least this many positions in this many hours before it (dense reception:
        the silence is the transmitter's, not the receivers').
    spoof_min_distance_km, spoof_max_interval_min, spoof_min_duration_min : float
        Two places at once: fixes of one MMSI this far apart within this interval, the
        conflict lasting at least this long (a cloned identity, or two transmitters).
    spoof_max_silence_min : float
        Two places at once with one of them reported rarely (a transmitter every quarter of
        an hour next to one every minute): a stretch at one place this long at most, with the
        other place carrying on plausibly across it and it carrying on across a brief visit
        to the other place, still chains the run (it is not a displaced stretch).
    spoof_max_speed_kn : float
        A displaced segment: the implied speed out to it and back both exceed this.
    spoof_min_displacement_km : float
        ...and it lies at least this far from the track (GPS noise and a few fixes with a bad
        time stamp stay below it).
    jamming_min_vessels : int, jamming_window_min : float
        At least this many vessels displaced within this window near each other: a jamming or
        spoofing area, reported once, not blamed on one vessel.
    jamming_max_distance_km : float
        Displacements are *near each other* when the vessels' true positions (or the places
        they were displaced to) are within this distance.
    """

    port_exclusion_km: float = 10.0
    resample_step_min: float = 10.0
    interpolate_max_gap_h: float = 1.0
    speed_baseline_min: float = 10.0
    speed_path_step_min: float = 2.0
    encounter_max_distance_m: float = 500.0
    encounter_min_duration_h: float = 2.0
    encounter_max_median_speed_kn: float = 2.0
    encounter_merge_gap_h: float = 4.0
    replenishment_max_distance_m: float = 200.0
    replenishment_min_speed_kn: float = 8.0
    replenishment_max_speed_kn: float = 15.0
    replenishment_max_course_diff_deg: float = 20.0
    replenishment_min_duration_min: float = 30.0
    replenishment_tolerance_slots: int = 1
    loitering_max_speed_kn: float = 2.0
    loitering_min_duration_h: float = 4.0
    loitering_speed_window_min: float = 30.0
    gap_min_h: float = 6.0
    intentional_min_h: float = 12.0
    intentional_min_port_distance_nm: float = 50.0
    intentional_min_positions_before: int = 14
    intentional_window_h: float = 12.0
    spoof_min_distance_km: float = 50.0
    spoof_max_interval_min: float = 10.0
    spoof_min_duration_min: float = 30.0
    spoof_max_silence_min: float = 60.0
    spoof_max_speed_kn: float = 30.0
    spoof_min_displacement_km: float = 5.0
    jamming_min_vessels: int = 3
    jamming_window_min: float = 10.0
    jamming_max_distance_km: float = 100.0

    def __post_init__(self) -> None:
        check_non_negative(self)
        if self.resample_step_min <= 0:
            raise ConfigError("ActivityParams.resample_step_min must be > 0")
        if self.replenishment_max_speed_kn < self.replenishment_min_speed_kn:
            raise ConfigError(
                "ActivityParams: replenishment_max_speed_kn must be >= replenishment_min_speed_kn"
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "activity") -> ActivityParams:
        """Build from a mapping (e.g. a TOML ``[activity]`` table), naming unknown keys.

        Examples
        --------
        >>> ActivityParams.from_dict({"gap_min_h": 8}).gap_min_h
        8
        """
        check_keys(cls, data, where)
        return cls(**data)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)
