"""Detection parameters: one frozen, validated object, loadable from a TOML table."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import ConfigError


@dataclass(frozen=True)
class DetectParams:
    """Thresholds of the port state machine. Units are in every name.

    Attributes
    ----------
    exit_margin_km : float
        Hysteresis: a vessel is *in* a zone when inside its polygon and *out* only once beyond
        the polygon buffered by this margin (GFW: in at 3 km, out at 4 km -> 1 km). Between the
        two it keeps its previous state, so GPS noise at a berth near the edge never "departs".
    stop_speed_kn : float
        A fix at or below this speed over ground counts as stopped (GFW: 0.2-0.5 kn).
    min_dwell_min : float
        A pass through a zone that lasted less than this, with every fix faster than
        ``stop_speed_kn`` and only AIS evidence, is a *transit*, not a port call: no events.
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
    stop_speed_kn: float = 0.5
    min_dwell_min: float = 30.0
    max_speed_kn: float = 50.0
    jump_min_km: float = 2.0
    dup_window_s: float = 2.0
    dup_distance_m: float = 100.0
    max_interp_gap_min: float = 30.0
    assumed_speed_kn: float = 10.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ConfigError(f"DetectParams.{f.name}: expected a number, got {value!r}")
            if value < 0:
                raise ConfigError(f"DetectParams.{f.name}: must be >= 0, got {value}")
        if self.assumed_speed_kn <= 0 or self.max_speed_kn <= 0:
            raise ConfigError("DetectParams: assumed_speed_kn and max_speed_kn must be > 0")

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "detect") -> DetectParams:
        """Build from a mapping (e.g. a TOML ``[detect]`` table), naming unknown keys.

        Examples
        --------
        >>> DetectParams.from_dict({"exit_margin_km": 2}).exit_margin_km
        2
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"[{where}]: unknown key(s) {unknown}; expected some of {sorted(known)}")
        return cls(**data)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)
