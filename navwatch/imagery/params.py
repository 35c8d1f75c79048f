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
    #: A matched detection with another allowed track less than this much farther (or 2
    #: pixels of its image) is ``ambiguous``: the nearest track is named, the registry vessels
    #: of the tied tracks are its candidates, and no survey calls them present from it.
    ambiguous_m: float = 20.0
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
    #: it is listed present when the hull is within ``match_base_m`` of its interpolated
    #: position (at its last berth), else ``Name?`` (another ship may have taken the berth).
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
    #: A detection this far outside a zone's edge (or 3 pixels of its image, whichever is more)
    #: may still be a hull inside it (geolocation error, a ship at the quay edge): it stops the
    #: absence of the vessels it may be, and names no one present.
    edge_m: float = 100.0
    #: A hull spanning fewer than this many resolution cells is not reliably seen: a registry
    #: vessel shorter than ``min_hull_px x resolution`` is listed ``Name?`` (could not tell)
    #: instead of absent. The scene's ``resolution_m`` when given, else the sensor's typical
    #: one (Sentinel-1 IW ~20 m: hulls under 40 m; Sentinel-2 10 m: under 20 m).
    min_hull_px: float = 2.0
    sar_resolution_m: float = 20.0
    optical_resolution_m: float = 10.0
    #: One scene's absence between two scenes of the same zone that show the vessel (or a
    #: hull it may be), each within this many hours of it, is taken for a miss (``Name?``);
    #: two absences in a row, or a gap longer than this, stand (0 turns it off).
    lone_absence_h: float = 24.0
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

    def min_length_m(self, sensor: str, resolution_m: float = float("nan")) -> float:
        """Shortest hull the scene sees reliably (``min_hull_px`` cells of its resolution, or
        of the sensor's typical one when the scene gives none).

        >>> ImageryParams().min_length_m("sar"), ImageryParams().min_length_m("optical", 0.5)
        (40.0, 1.0)
        """
        res = (
            resolution_m
            if resolution_m == resolution_m and resolution_m > 0
            else (self.optical_resolution_m if sensor == "optical" else self.sar_resolution_m)
        )
        return self.min_hull_px * float(res)

    def reliability(self, sensor: str) -> float:
        return {"sar": self.sar_reliability, "optical": self.optical_reliability}.get(
            sensor, self.unknown_sensor_reliability
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
