"""The port state machine: every transition, the faults it must absorb, windows and confidence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from navwatch import schema
from navwatch.detect import DetectParams, detect_port_events
from navwatch.quarantine import Quarantine
from navwatch.testing import T0, make_track
from tests.conftest import PORT_LAT, PORT_LON

KM_LON = 111.320 * np.cos(np.radians(PORT_LAT))


def east(km: float) -> tuple[float, float]:
    """(lat, lon) of a point ``km`` east of the test port's centre."""
    return PORT_LAT, PORT_LON + km / KM_LON


def leg(t0_min: float, km0: float, km1: float, speed_kn: float, step_min: float = 1.0):
    """Fixes moving east from km0 to km1 at speed_kn, one every step_min minutes."""
    speed_km_min = speed_kn * 1.852 / 60
    n = int(abs(km1 - km0) / speed_km_min / step_min)
    sign = 1 if km1 >= km0 else -1
    out = []
    for k in range(n + 1):
        km = km0 + sign * k * step_min * speed_km_min
        out.append((t0_min + k * step_min, *east(km), speed_kn))
    return out


def moored(
    t0_min: float,
    minutes: float,
    km: float = 0.0,
    step_min: float = 5.0,
    jitter_m: float = 0.0,
    seed: int = 0,
):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(int(minutes / step_min) + 1):
        lat, lon = east(km + rng.normal(0, jitter_m / 1000) if jitter_m else km)
        out.append((t0_min + k * step_min, lat, lon, 0.1))
    return out


def detect(obs, zones, **kw):
    return detect_port_events(obs, zones, all_vessels=True, **kw)


def test_moored_vessel_has_no_events(harbour_only):
    det = detect(make_track(moored(0, 600, km=1.0)), harbour_only)
    assert det.events.empty
    assert det.stats["rows_in"] == 121


def test_departure_window_brackets_interpolated_crossing(harbour_only):
    track = moored(0, 120, km=0.5) + leg(121, 0.5, 20, speed_kn=12)
    det = detect(make_track(track), harbour_only)
    assert list(det.events["event"]) == ["departure"]
    ev = det.events.iloc[0]
    assert ev["port"] == "Testport" and ev["tier"] == "harbour"
    assert ev["time_earliest"] <= ev["time"] <= ev["time_latest"]
    assert ev["time_method"] == "interpolated"
    # the ship crosses the 3 km circle 2.5 km after leaving at 12 kn from minute 121
    expected = T0 + pd.Timedelta(minutes=121 + 2.5 / (12 * 1.852 / 60))
    assert abs(ev["time"] - expected) < pd.Timedelta(seconds=30)
    assert ev["window_h"] <= 1 / 60 + 1e-3
    assert ev["confidence"] > 0.85
    assert "AIS" in ev["evidence"] and "track.csv:" in ev["evidence"]
    assert ev["vessel_id"] == "mmsi:273547800" and ev["mmsi"] == 273547800


def test_arrival_then_stay(harbour_only):
    track = leg(0, 20, 0.5, speed_kn=12) + moored(200, 120, km=0.5)
    det = detect(make_track(track), harbour_only)
    assert list(det.events["event"]) == ["arrival"]
    ev = det.events.iloc[0]
    assert ev["time_earliest"] <= ev["time"] <= ev["time_latest"]


def test_gps_noise_at_the_edge_never_departs(harbour_only):
    # moored 2.95 km out: inside the 3 km zone, the fixes scatter 150 m across the boundary
    det = detect(make_track(moored(0, 24 * 60, km=2.95, jitter_m=150, seed=1)), harbour_only)
    assert det.events.empty


def test_without_hysteresis_the_same_noise_would_flicker(harbour_only):
    # the test above can fail: with no exit margin the same track makes events
    det = detect(
        make_track(moored(0, 24 * 60, km=2.95, jitter_m=150, seed=1)),
        harbour_only,
        params=DetectParams(exit_margin_km=0),
    )
    assert len(det.events) > 0


def test_transit_is_not_a_port_call(harbour_only):
    track = leg(0, -20, 20, speed_kn=15)
    det = detect(make_track(track), harbour_only)
    assert det.events.empty
    assert det.stats["transits"] == 1


def test_slow_pass_is_a_call(harbour_only):
    track = leg(0, -20, 0, speed_kn=15) + moored(90, 60) + leg(151, 0, 20, speed_kn=15)
    det = detect(make_track(track), harbour_only)
    assert list(det.events["event"]) == ["arrival", "departure"]


def test_duplicates_from_several_receivers_change_nothing(harbour_only):
    track = moored(0, 120, km=0.5) + leg(121, 0.5, 20, speed_kn=12)
    obs = make_track(track)
    dup = obs.copy()
    dup["time"] = dup["time"] + pd.Timedelta(seconds=1)
    both = pd.concat([obs, dup], ignore_index=True)
    one = detect(obs, harbour_only)
    two = detect(both, harbour_only)
    assert two.stats["duplicates"] == len(obs)
    pd.testing.assert_frame_equal(
        one.events.drop(columns="evidence"), two.events.drop(columns="evidence")
    )


def test_single_fix_jump_is_quarantined_not_an_event(harbour_only):
    track = moored(0, 240, km=0.5)
    track[20] = (track[20][0], *east(60), 0.1)  # one fix 60 km away
    det = detect(make_track(track), harbour_only)
    assert det.events.empty
    q = det.quarantine.to_frame()
    assert list(q["code"]) == ["position_jump"]
    assert q["file"].iloc[0] == "track.csv" and q["line"].iloc[0] == 22


def test_out_of_order_rows_give_the_same_events(harbour_only):
    track = moored(0, 120, km=0.5) + leg(121, 0.5, 20, speed_kn=12)
    obs = make_track(track)
    shuffled = obs.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(
        detect(obs, harbour_only).events, detect(shuffled, harbour_only).events
    )


def test_dark_in_port_reappears_at_sea(harbour_only):
    # last fix in port at minute 120, dark, first fix 40 km out at minute 600 doing 10 kn
    track = moored(0, 120, km=0.5) + leg(600, 40, 60, speed_kn=10)
    det = detect(make_track(track), harbour_only)
    ev = det.events.iloc[0]
    assert ev["event"] == "departure"
    assert ev["time_earliest"] == T0 + pd.Timedelta(minutes=120)
    assert ev["time_latest"] == T0 + pd.Timedelta(minutes=600)
    assert ev["time_method"] == "projected"
    # 37 km from the boundary at 10 kn = 2.0 h before the first fix at sea
    assert abs(ev["time"] - (T0 + pd.Timedelta(minutes=600 - 37 / 18.52 * 60))) < pd.Timedelta(
        minutes=3
    )
    assert ev["confidence"] < 0.8  # an 8 h window is less certain than a fix-by-fix crossing


def test_tiers_say_which_tier_was_left_or_entered(zones):
    # harbour -> anchorage 8 km out (stays 10 h) -> sea 30 km out -> back into the harbour
    track = (
        moored(0, 120, km=0.5)
        + leg(121, 0.5, 8, speed_kn=10)
        + moored(200, 600, km=8)
        + leg(801, 8, 30, speed_kn=12)
        + leg(1000, 30, 0.5, speed_kn=12)
        + moored(1200, 120, km=0.5)
    )
    det = detect(make_track(track), zones)
    got = list(zip(det.events["event"], det.events["tier"], strict=True))
    # Each tier is a zone of its own and the anchorage holds the harbour: leaving the harbour
    # for the anchorage is a departure from the harbour only; the port call at the anchorage
    # tier lasts until the ship leaves it; coming back, it enters the anchorage, then the harbour.
    assert got == [
        ("departure", "harbour"),
        ("departure", "anchorage"),
        ("arrival", "anchorage"),
        ("arrival", "harbour"),
    ]


def test_between_two_ports(harbour_only):
    # Testport -> Otherport (91 km east)
    track = (
        moored(0, 120, km=0.5)
        + leg(121, 0.5, 91.3, speed_kn=15, step_min=5)
        + moored(1200, 120, km=91.3)
    )
    det = detect(make_track(track), harbour_only)
    got = list(zip(det.events["event"], det.events["port"], strict=True))
    assert got == [("departure", "Testport"), ("arrival", "Otherport")]


def _survey(time, present, coverage="full", port="Testport", line=2):
    return pd.DataFrame(
        {
            "time": [pd.Timestamp(time, tz="UTC")],
            "lat": [np.nan],
            "lon": [np.nan],
            "kind": ["survey"],
            "port": [port],
            "coverage": [coverage],
            "vessel": [present],
            "source": ["Imagery"],
            "src_file": ["surveys.csv"],
            "src_line": [line],
        }
    )


def test_full_survey_absence_brackets_a_departure(harbour_only, two_ship_registry):
    obs = schema.concat(
        [
            _survey("2024-11-30 08:30", "Alpha|Bravo", line=2),
            _survey("2024-12-03 08:30", "Bravo", line=3),
        ]
    )
    det = detect_port_events(obs, harbour_only, two_ship_registry)
    assert len(det.events) == 1
    ev = det.events.iloc[0]
    assert (ev["vessel_id"], ev["event"]) == ("alpha", "departure")
    assert ev["time_earliest"] == pd.Timestamp("2024-11-30 08:30", tz="UTC")
    assert ev["time_latest"] == pd.Timestamp("2024-12-03 08:30", tz="UTC")
    assert ev["time_method"] == "midpoint"
    assert "surveys.csv:2" in ev["evidence"] and "surveys.csv:3" in ev["evidence"]


def test_partial_survey_is_presence_only(harbour_only, two_ship_registry):
    obs = schema.concat(
        [_survey("2024-11-30", "Alpha|Bravo"), _survey("2024-12-03", "Bravo", coverage="partial")]
    )
    assert detect_port_events(obs, harbour_only, two_ship_registry).events.empty


def test_question_mark_token_is_neither_present_nor_absent(harbour_only, two_ship_registry):
    """``Alpha?`` (e.g. too small for the sensor of an imagery survey): a full survey listing it
    so says nothing about Alpha, and does not make it present either."""
    obs = schema.concat(
        [
            _survey("2024-11-30", "Alpha|Bravo", line=2),
            _survey("2024-12-03", "Bravo|Alpha?", line=3),
        ]
    )
    assert detect_port_events(obs, harbour_only, two_ship_registry).events.empty
    obs = schema.concat(
        [_survey("2024-11-30", "Bravo|Alpha?", line=2), _survey("2024-12-03", "Bravo", line=3)]
    )
    assert detect_port_events(obs, harbour_only, two_ship_registry).events.empty  # never present
    q = Quarantine()
    obs = schema.concat([_survey("2024-11-30", "Zulu?|Bravo", line=2)])
    detect_port_events(obs, harbour_only, two_ship_registry, quarantine=q)
    assert q.to_frame()["code"].tolist() == ["unknown_vessel"]


def test_contradiction_is_flagged_on_both_events(harbour_only, two_ship_registry):
    obs = schema.concat(
        [
            _survey("2024-11-30", "Alpha|Bravo"),
            _survey("2024-12-03", ""),
            _survey("2024-12-05", "frigate|oiler"),
        ]
    )
    det = detect_port_events(obs, harbour_only, two_ship_registry)
    assert len(det.events) == 4
    assert det.events["flags"].str.contains("contradiction").all()
    assert (det.events["confidence"] < 0.5).all()


def test_sighting_at_sea_then_back_is_not_a_contradiction(harbour_only, two_ship_registry):
    lat, lon = east(20)
    sighting = pd.DataFrame(
        {
            "time": [pd.Timestamp("2024-12-04", tz="UTC")],
            "lat": [lat],
            "lon": [lon],
            "kind": ["sighting"],
            "vessel": ["Alfa"],
            "source": ["spotter"],
        }
    )
    obs = schema.concat(
        [
            _survey("2024-11-30", "Alpha|Bravo"),
            _survey("2024-12-03", "Bravo"),
            sighting,
            _survey("2024-12-05", "Alpha|Bravo"),
        ]
    )
    det = detect_port_events(obs, harbour_only, two_ship_registry)
    assert list(det.events["event"]) == ["departure", "arrival"]
    assert (det.events["flags"] == "").all()


def test_unknown_survey_port_and_token_are_quarantined(harbour_only, two_ship_registry):
    obs = schema.concat(
        [
            _survey("2024-11-30", "Alpha|Zulu"),
            _survey("2024-12-01", "Alpha", port="Atlantis", line=3),
        ]
    )
    det = detect_port_events(obs, harbour_only, two_ship_registry)
    codes = sorted(det.quarantine.to_frame()["code"])
    assert codes == ["unknown_port", "unknown_vessel"]


def test_registry_only_mode_ignores_unregistered_mmsi(harbour_only, two_ship_registry):
    track = moored(0, 120, km=0.5) + leg(121, 0.5, 20, speed_kn=12)
    det = detect_port_events(make_track(track), harbour_only, two_ship_registry)
    assert det.events.empty and det.stats["rows_unmatched"] == len(track)


def test_registry_match_by_ais_name(harbour_only, two_ship_registry):
    obs = make_track(moored(0, 120, km=0.5) + leg(121, 0.5, 20, speed_kn=12))
    obs["name"] = pd.array(["ALFA"] * len(obs), dtype="string")
    det = detect_port_events(obs, harbour_only, two_ship_registry)
    assert list(det.events["vessel_id"]) == ["alpha"]
    assert det.events["vessel_name"].iloc[0] == "Alpha"


def test_incremental_equals_one_run(harbour_only):
    from navwatch.testing import assert_events_equal, merge_incremental

    track = (
        moored(0, 120, km=0.5)
        + leg(121, 0.5, 20, speed_kn=12)
        + leg(300, 20, 0.5, 12)
        + moored(400, 60, 0.5)
    )
    obs = make_track(track)
    full = detect(obs, harbour_only).events
    for cut in range(1, len(obs), 7):
        d1 = detect(obs.iloc[:cut], harbour_only)
        d2 = detect(obs.iloc[cut:], harbour_only, state=d1.state)
        assert_events_equal(merge_incremental([d1.events, d2.events]), full)


def test_absent_from_an_outer_tier_means_gone_from_the_inner_one(zones, two_ship_registry):
    obs = schema.concat(
        [
            _survey("2024-11-30", "Alpha|Bravo"),
            _survey("2024-12-03", "Bravo", port="Testport/anchorage"),
        ]
    )
    det = detect_port_events(obs, zones, two_ship_registry)
    # absent from the anchorage (which holds the harbour): gone from both tiers, one window
    got = det.events.sort_values("tier")
    assert list(zip(got["vessel_id"], got["event"], got["tier"], strict=True)) == [
        ("alpha", "departure", "anchorage"),
        ("alpha", "departure", "harbour"),
    ]
    assert (got["time_earliest"] == pd.Timestamp("2024-11-30", tz="UTC")).all()


def test_seen_in_the_outer_tier_does_not_move_a_ship_in_the_harbour(zones, two_ship_registry):
    obs = schema.concat(
        [
            _survey("2024-11-30", "Alpha|Bravo"),
            _survey("2024-12-01", "Alpha", port="Testport/anchorage", coverage="partial"),
            _survey("2024-12-03", "Bravo"),
        ]
    )
    ev = detect_port_events(obs, zones, two_ship_registry).events
    dep = ev[ev["vessel_id"] == "alpha"]
    # the 1 Dec anchorage survey holds the harbour too: the window is 30 Nov .. 3 Dec, no move on 1 Dec
    assert list(dep["event"]) == ["departure"]
    assert dep["time_earliest"].iloc[0] == pd.Timestamp("2024-11-30", tz="UTC")
    assert dep["time_latest"].iloc[0] == pd.Timestamp("2024-12-03", tz="UTC")
