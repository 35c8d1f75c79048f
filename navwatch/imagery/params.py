"""Thresholds of detection matching and of the surveys derived from imagery."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError
from ..settings import check_non_negative

__all__ = ["ImageryParams"]


@dataclass(frozen=True)
class ImageryParams:
    """Matching and survey thresholds (README *Satellite detections* explains each rule).

    Matching a detection to an AIS track at the scene time:

    * the track's position is interpolated between the fixes either side of the scene time
      (or taken from the one fix within ``max_fix_gap_h`` when only one side has one);
    * the pair is allowed when the detection lies within ``limit = min(match_max_m,
      match_base_m + v * dt)``, ``dt`` the time to the nearest fix and ``v`` the fastest of
      the SOGs either side and the speed implied between them (at least ``min_drift_kn``):
      200 m for a well-timed fix, growing with what the vessel could have done since;
    * and when the lengths are plausible: ``|length_det - length_vessel| <= max(length_tol_m,
      length_tol_rel * length_vessel)`` (unknown lengths do not exclude a pair); when the
      scene gives its ground resolution ``resolution_m``, the tolerance is that of the image
      instead: ``max(length_tol_px * resolution_m, length_tol_rel_fine * length_vessel)``
      (a 50 cm image tells a 125 m frigate from a 135 m one; Sentinel-1 cannot);
    * pairs are assigned one-to-one per scene, minimising the summed distance
      (the Hungarian method on each group of detections and tracks that could pair).
    """

    match_base_m: float = 200.0
    match_max_m: float = 1500.0
    min_drift_kn: float = 0.5
    max_fix_gap_h: float = 6.0
    length_tol_m: float = 15.0
    length_tol_rel: float = 0.2
    length_tol_px: float = 3.0
    length_tol_rel_fine: float = 0.05
    #: A registry vessel matched to an AIS track with a fix within this of the scene time is
    #: listed ``Name?`` in the survey: its AIS already places it (the image adds nothing, and
    #: a presence would turn an AIS transit into a call); matched across a longer AIS silence,
    #: it is listed present.
    ais_current_s: float = 1800.0
    #: The same hull at the same berth: a dark detection naming no one takes the identity of
    #: an earlier one within this distance (or 3 pixels of the coarser image) and time whose
    #: length is compatible (0 h turns it off).
    carry_over_m: float = 60.0
    carry_over_h: float = 36.0
    #: Dark detections scoring below this make no presence token (they still stop absences of
    #: the vessels their length fits).
    presence_min_score: float = 0.5
    #: A footprint covering this share of a zone's area is full coverage; less down to
    #: ``min_coverage`` is partial (presence only); below that, no survey.
    full_coverage: float = 0.9
    min_coverage: float = 0.2
    #: Hulls shorter than this are not reliably seen by the sensor: a registry vessel known to
    #: be shorter is listed ``Name?`` (could not tell) instead of absent.
    #: (SAR at Sentinel-1's 20 m misses many hulls under ~40 m; a conservative default: a
    #: miss is not taken for a departure.)
    sar_min_length_m: float = 40.0
    optical_min_length_m: float = 15.0
    #: Reliability of an imagery survey by sensor (before coverage and cloud).
    sar_reliability: float = 0.85
    optical_reliability: float = 0.8
    unknown_sensor_reliability: float = 0.7

    def __post_init__(self) -> None:
        check_non_negative(self)
        if self.match_max_m < self.match_base_m:
            raise ConfigError("ImageryParams.match_max_m must be >= match_base_m")
        if not self.min_coverage <= self.full_coverage <= 1:
            raise ConfigError("ImageryParams: need min_coverage <= full_coverage <= 1")
        for name in ("sar_reliability", "optical_reliability", "unknown_sensor_reliability"):
            if getattr(self, name) > 1:
                raise ConfigError(f"ImageryParams.{name}: expected a value in [0, 1]")

    def min_length_m(self, sensor: str) -> float:
        return self.optical_min_length_m if sensor == "optical" else self.sar_min_length_m

    def reliability(self, sensor: str) -> float:
        return {"sar": self.sar_reliability, "optical": self.optical_reliability}.get(
            sensor, self.unknown_sensor_reliability
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
