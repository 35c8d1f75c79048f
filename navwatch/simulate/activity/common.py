"""Event types, the thresholds of the truth definitions, the decoy catalogue and the episode
record the activity simulator's stages share."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...geodesy import M_PER_NM

#: The activity event types the truth labels (and the scorer scores), in print order.
EVENT_TYPES = (
    "encounter",
    "replenishment",
    "loitering",
    "gap",
    "spoofing",
    "jamming",
    "identity_change",
)
#: Types whose events concern two vessels (``other_mmsi`` set; the pair is unordered).
PAIR_TYPES = ("encounter", "replenishment")

#: The thresholds of the truth definitions (see :mod:`navwatch.simulate.activity`).
THRESHOLDS: dict[str, float] = {
    "encounter_distance_m": 500.0,
    "encounter_min_h": 2.0,
    "encounter_speed_kn": 2.0,  # each vessel's median speed below it
    "port_distance_km": 10.0,  # encounters and loitering: farther than this from every zone
    "replenishment_distance_m": 200.0,
    "replenishment_min_kn": 8.0,
    "replenishment_max_kn": 15.0,
    "replenishment_course_deg": 15.0,  # "a common course": headings within this
    "replenishment_min_min": 30.0,
    "loitering_speed_kn": 2.0,
    "loitering_min_h": 4.0,
    "gap_min_h": 6.0,
    "intentional_min_h": 12.0,
    "intentional_port_nm": 50.0,
    "intentional_positions": 14.0,  # in the 12 h before the gap (its last fix included)
    "intentional_window_h": 12.0,
    "clone_distance_km": 50.0,
    "clone_min_min": 30.0,
    "spoof_speed_kn": 30.0,  # implied speed out to and back from a displaced segment
    "jamming_min_vessels": 3.0,
    "duplicate_s": 1.0,  # a second receiver's copy of a message: same MMSI, <= 1 s later
}

NM = M_PER_NM


@dataclass(frozen=True)
class Decoy:
    """A decoy kind: an episode laid just inside or outside one threshold of one event type.

    ``expected`` says whether the episode is truth of ``event_type``; for gap decoys
    ``expected_intentional`` says whether that gap is ``likely_intentional``.
    """

    label: str
    event_type: str
    threshold: str
    side: str  # "inside" (it is truth) or "outside" (it is not)
    expected: bool
    value: float  # the nominal quantity, in ``unit``
    unit: str
    expected_intentional: bool | None = None


def _d(label, event_type, threshold, side, value, unit, intentional=None) -> Decoy:
    expected = side == "inside" if intentional is None else True
    return Decoy(label, event_type, threshold, side, expected, value, unit, intentional)


#: Every decoy the simulator lays (``decoys=True`` lays each one the scenario's size allows).
DECOYS: dict[str, Decoy] = {
    d.label: d
    for d in (
        _d("enc_450m", "encounter", "distance <= 500 m", "inside", 450, "m"),
        _d("enc_550m", "encounter", "distance <= 500 m", "outside", 550, "m"),
        _d("enc_1km", "encounter", "distance <= 500 m", "outside", 1000, "m"),
        _d("enc_2.25h", "encounter", "duration >= 2 h", "inside", 2.25, "h"),
        _d("enc_1.75h", "encounter", "duration >= 2 h", "outside", 1.75, "h"),
        _d("enc_1h", "encounter", "duration >= 2 h", "outside", 1.0, "h"),
        _d("enc_1.5kn", "encounter", "median speed < 2 kn", "inside", 1.5, "kn"),
        _d("enc_one_3kn", "encounter", "median speed < 2 kn", "outside", 3.0, "kn"),
        _d("enc_both_3kn", "encounter", "median speed < 2 kn", "outside", 3.0, "kn"),
        _d("enc_port_12km", "encounter", "> 10 km from port zones", "inside", 12, "km"),
        _d("enc_port_8km", "encounter", "> 10 km from port zones", "outside", 8, "km"),
        _d("repl_180m", "replenishment", "distance <= 200 m", "inside", 180, "m"),
        _d("repl_600m", "replenishment", "distance <= 200 m", "outside", 600, "m"),
        _d("repl_40min", "replenishment", "duration >= 30 min", "inside", 40, "min"),
        _d("repl_20min", "replenishment", "duration >= 30 min", "outside", 20, "min"),
        _d("repl_14.5kn", "replenishment", "speed 8-15 kn", "inside", 14.5, "kn"),
        _d("repl_17kn", "replenishment", "speed 8-15 kn", "outside", 17, "kn"),
        _d("repl_8.5kn", "replenishment", "speed 8-15 kn", "inside", 8.5, "kn"),
        _d("repl_6kn", "replenishment", "speed 8-15 kn", "outside", 6, "kn"),
        _d("loiter_4.5h", "loitering", "duration >= 4 h", "inside", 4.5, "h"),
        _d("loiter_3h", "loitering", "duration >= 4 h", "outside", 3, "h"),
        _d("loiter_1.5kn", "loitering", "speed < 2 kn", "inside", 1.5, "kn"),
        _d("loiter_2.5kn", "loitering", "speed < 2 kn", "outside", 2.5, "kn"),
        _d("loiter_11km", "loitering", "> 10 km from port zones", "inside", 11, "km"),
        _d("loiter_9km", "loitering", "> 10 km from port zones", "outside", 9, "km"),
        _d("loiter_port_10h", "loitering", "> 10 km from port zones", "outside", 0, "km"),
        # one row per fleet member, its side set by its distance (7-13 km)
        _d("fleet_anchor", "loitering", "> 10 km from port zones", "inside", 10, "km"),
        _d("gap_5h", "gap", "silence >= 6 h", "outside", 5, "h"),
        _d("gap_5.9h", "gap", "silence >= 6 h", "outside", 5.9, "h"),
        _d("gap_6.5h", "gap", "silence >= 6 h", "inside", 6.5, "h"),
        _d("gap_late_removed", "gap", "silence >= 6 h (late fixes)", "outside", 4.5, "h"),
        _d("gap_late_shortened", "gap", "silence >= 6 h (late fixes)", "inside", 9, "h", False),
        _d("gap_in_port", "gap", "intentional: >= 50 nm from port", "outside", 0, "nm", False),
        _d("gap_45nm", "gap", "intentional: >= 50 nm from port", "outside", 45, "nm", False),
        _d("gap_55nm", "gap", "intentional: >= 50 nm from port", "inside", 55, "nm", True),
        _d("gap_11.5h", "gap", "intentional: >= 12 h", "outside", 11.5, "h", False),
        _d("gap_10pos", "gap", "intentional: >= 14 positions", "outside", 10, "positions", False),
        _d("gap_16pos", "gap", "intentional: >= 14 positions", "inside", 16, "positions", True),
        _d("clone_40min", "spoofing", "two places at once >= 30 min", "inside", 40, "min"),
        _d("clone_20min", "spoofing", "two places at once >= 30 min", "outside", 20, "min"),
        _d("single_jump", "spoofing", "a segment, not one fix", "outside", 1, "fixes"),
        _d("fast_return_25kn", "spoofing", "implied speed > 30 kn", "outside", 25, "kn"),
        _d("dark_return_port", "spoofing", "implied speed > 30 kn", "outside", 15, "kn"),
        # one row per jammed vessel: jamming, not spoofing by that vessel
        _d("jam_member", "spoofing", "several vessels together = jamming", "outside", 3, "vessels"),
        _d("name_format", "identity_change", "normalised name changes", "outside", 0, ""),
    )
}


@dataclass
class Episode:
    """Something the plans lay: a true event drawn at random (``label`` ``''``) or a decoy.

    ``kind`` names the script that lays it; ``event`` the event type it is meant to be (or to
    imitate); ``p`` its parameters. Once laid: ``ships`` (vessel indexes, roles in order),
    ``t0``/``t1`` (s, the episode's main phase), ``rows`` (decoy rows, one per vessel or pair).
    """

    kind: str
    event: str
    label: str
    n: int
    t: float
    p: dict = field(default_factory=dict)
    ships: list[int] = field(default_factory=list)
    t0: float = float("nan")
    t1: float = float("nan")
    region: int = 0
    laid: bool = False
    rows: list[dict] = field(default_factory=list)
