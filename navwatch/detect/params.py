"""Detection parameters: one frozen, validated object, loadable from a TOML table."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError
from ..settings import check_keys, check_non_negative


@dataclass(frozen=True)
class DetectParams:
    """Thresholds of the port state machine. Units are in every name.

    Attributes
    ----------
    exit_margin_km : float
        Hysteresis: a vessel is *in* a zone when inside its polygon and *out* only once beyond
        the polygon buffered by this margin (GFW: in at 3 km, out at 4 km -> 1 km). Between the
        two it keeps its previous state, so GPS noise at a berth near the edge never "departs".
    stop_speed_kn : float, move_speed_kn : float
        Stop hysteresis (Global Fishing Watch: stopped at or below 0.2 kn, moving again at or
        above 0.5 kn; in between the vessel keeps its stop state). Speed is the AIS SOG, or the
        speed implied by neighbouring fixes when SOG is missing.
    min_stop_min : float
        A stop counts as evidence of a port call once it has lasted this long (a vessel first
        seen stopped has been stopped for an unknown time: its stop counts at once).
    stationary_min : float, stationary_radius_m : float
        A fix within ``stationary_radius_m`` of the vessel's fix ``stationary_min`` earlier is
        evidence of a stop whatever the SOG says (a ship swinging at anchor reports 0.3-0.6 kn;
        MovingPandas' stop detector uses the same diameter-and-duration idea).
    port_gap_h : float
        An AIS silence of at least this long inside a zone, across which the vessel moved
        slower than ``move_speed_kn``, counts as evidence of a port call (GFW: 4 h) -- the ship
        whose AIS is on only at sea or only in port. A reception gap in a slow pass through a
        large zone is not one.
    stop_noise_m : float
        GPS noise allowance for implied speeds: a fix this close to the previous one implies
        no movement (berthed ships wander 5-30 m between fixes). A fix that left a zone further
        than twice this from its fix inside has left its berth, whatever its speed reads.
    gps_error_m : float
        GPS error allowance of one fix (about ``stop_noise_m`` / sqrt 2). The evidence that a
        vessel was outside -- a departure's first fix out, an arrival's last fix out -- may have
        been inside when it lies this close to the boundary: that bound of the window moves out
        by the time the ship needs to cover the rest of the distance, at the speed between the
        window's two fixes (at least ``move_speed_kn``).
    edge_noise_m : float
        A vessel at rest this close outside a zone is taken to be at a berth on its edge (GPS
        noise puts its fixes on both sides): such fixes do not bracket a crossing.
    min_visit_level : int
        Visits below this evidence level (:func:`navwatch.detect.machine.visit_level`: 1 =
        entry/exit only, 2 = stop or gap only, 3 = entry or exit + stop or gap, 4 = both + stop
        or gap) produce no events and are counted as transits. Time in a zone alone never
        makes a port call.
    max_speed_kn : float
        A single fix that implies more than this speed both from the previous fix and to the next
        one (while those two agree) is a position jump: quarantined, not an event.
    jump_min_km : float
        Jumps shorter than this are never flagged (GPS noise over a 1-2 s interval).
    dup_window_s : float, dup_distance_m : float
        AIS fixes of one vessel closer than this in time and space are duplicates (the same
        message heard by several receivers); the first is kept.
    max_interp_gap_min : float
        When the fixes bracketing a boundary crossing are at most this far apart, the event time
        is interpolated between them; beyond it (an AIS gap) the time is back-projected from the
        first fix outside by distance and speed.
    assumed_speed_kn : float
        Speed used for back-projection when the fix has no usable SOG.
    """

    exit_margin_km: float = 1.0
    stop_speed_kn: float = 0.2
    move_speed_kn: float = 0.5
    min_stop_min: float = 3.0
    stationary_min: float = 30.0
    stationary_radius_m: float = 300.0
    port_gap_h: float = 4.0
    stop_noise_m: float = 30.0
    gps_error_m: float = 20.0
    edge_noise_m: float = 100.0
    min_visit_level: int = 2
    max_speed_kn: float = 50.0
    jump_min_km: float = 2.0
    dup_window_s: float = 2.0
    dup_distance_m: float = 100.0
    max_interp_gap_min: float = 30.0
    assumed_speed_kn: float = 10.0

    def __post_init__(self) -> None:
        check_non_negative(self)
        if self.assumed_speed_kn <= 0 or self.max_speed_kn <= 0:
            raise ConfigError("DetectParams: assumed_speed_kn and max_speed_kn must be > 0")
        if self.move_speed_kn < self.stop_speed_kn:
            raise ConfigError(
                f"DetectParams: move_speed_kn ({self.move_speed_kn}) must be >= stop_speed_kn ({self.stop_speed_kn})"
            )
        if self.min_visit_level not in (1, 2, 3, 4):
            raise ConfigError(
                f"DetectParams.min_visit_level: expected 1, 2, 3 or 4, got {self.min_visit_level}"
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "detect") -> DetectParams:
        """Build from a mapping (e.g. a TOML ``[detect]`` table), naming unknown keys.

        Examples
        --------
        >>> DetectParams.from_dict({"exit_margin_km": 2}).exit_margin_km
        2
        """
        data = dict(data)
        if "min_dwell_min" in data:  # navwatch 0.1: time in a zone no longer makes a port call
            data.pop("min_dwell_min")
            warnings.warn(
                f"[{where}] min_dwell_min is ignored since navwatch 0.2: a visit is a port call only with "
                "evidence of a stop, an in-port AIS gap or non-AIS evidence (see min_visit_level)",
                DeprecationWarning,
                stacklevel=2,
            )
        check_keys(cls, data, where)
        return cls(**data)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)
