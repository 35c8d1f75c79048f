"""The transition table, visit levels, transits and port-specific absence.

Every row of :data:`navwatch.detect.machine.TRANSITIONS` is driven through the whole detector
with real evidence (AIS fixes, surveys), and the vectorised stepping is checked against the
table applied one element at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from navwatch import schema
from navwatch.detect import DetectParams, detect_port_events
from navwatch.detect.machine import (
    EMITS,
    NEXT_STATE,
    TRANSITIONS,
    Event,
    Evidence,
    ZoneState,
    step,
    visit_level,
)
from navwatch.testing import make_track
from tests.detect.test_detect import east, leg, moored

# ---------------------------------------------------------------------------------------------
# the table itself


@settings(max_examples=200, deadline=None)
@given(seq=st.lists(st.lists(st.sampled_from(list(Evidence)), max_size=12), min_size=1, max_size=5))
def test_vectorised_step_equals_the_table_applied_row_by_row(seq):
    ev = np.array([e for g in seq for e in g], dtype=np.int8)
    start = np.zeros(len(ev), bool)
    pos = 0
    for g in seq:
        if g:
            start[pos] = True
        pos += len(g)
    before, after = step(ev, start)
    k = 0
    for g in seq:
        s = ZoneState.UNKNOWN
        for e in g:
            nxt, emitted = TRANSITIONS[(s, Evidence(e))]
            assert before[k] == s and after[k] == nxt
            assert EMITS[before[k], ev[k]] == emitted
            s = nxt
            k += 1


def test_table_is_complete():
    assert set(TRANSITIONS) == {(s, e) for s in ZoneState for e in Evidence}
    assert (NEXT_STATE[ZoneState.OUT, Evidence.IN], EMITS[ZoneState.OUT, Evidence.IN]) == (
        ZoneState.IN,
        Event.ARRIVAL,
    )


# Evidence for the test port's harbour (3 km circle; exit margin 1 km), as real observations.
def _evidence_rows(e: Evidence, minute: float) -> list[tuple]:
    km = {Evidence.IN: 0.5, Evidence.BAND: 3.5, Evidence.OUT: 20.0}.get(e)
    if km is None:  # NONE: a report with no position (a survey of another port says nothing)
        return []
    return [(minute, *east(km), 0.0 if e == Evidence.IN else 12.0)]


PREFIX = {  # evidence that puts a vessel in each state, with a stop (so any visit is a call)
    ZoneState.UNKNOWN: [],
    ZoneState.OUT: [(0, *east(20.0), 12.0)],
    ZoneState.IN: [(0, *east(0.5), 0.0), (30, *east(0.5), 0.0)],
}


@pytest.mark.parametrize(("state", "evidence"), sorted(TRANSITIONS), ids=lambda x: x.name)
def test_every_transition_drives_the_detector(harbour_only, state, evidence):
    nxt, emitted = TRANSITIONS[(state, evidence)]
    rows = PREFIX[state] + _evidence_rows(evidence, 60)
    if evidence == Evidence.IN:  # the new visit needs its stop to be a call
        rows += [(80, *east(0.5), 0.0)]
    if not rows:
        return  # UNKNOWN + NONE: nothing to run
    det = detect_port_events(make_track(rows), harbour_only, all_vessels=True)
    want = {Event.NONE: [], Event.ARRIVAL: ["arrival"], Event.DEPARTURE: ["departure"]}[emitted]
    got = [e for e in det.events["event"] if not (state == ZoneState.OUT and e == "departure")]
    assert got == want
    last = det.states if det.states is not None else None
    assert last is None  # states only on request
    st_ = detect_port_events(
        make_track(rows), harbour_only, all_vessels=True, with_states=True
    ).states
    final = st_["state"].iloc[-1]
    assert (
        final == {ZoneState.IN: "in", ZoneState.OUT: "out", ZoneState.UNKNOWN: "unknown"}[nxt]
        or (nxt == ZoneState.UNKNOWN and final == "out" and evidence == Evidence.BAND)
        or (nxt == ZoneState.UNKNOWN and final == "unknown")
    )


def test_levels_follow_global_fishing_watch():
    got = visit_level([1, 0, 1, 0, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    assert got.tolist() == [4, 3, 3, 2, 1, 1, 1, 1]


# ---------------------------------------------------------------------------------------------
# port call or transit


def _events(track, zones, **params):
    return detect_port_events(
        make_track(track), zones, all_vessels=True, params=DetectParams(**params)
    )


@pytest.mark.parametrize("speed_kn", [2.0, 3.0, 6.0, 10.0, 16.0, 25.0])
def test_a_pass_at_any_speed_is_a_transit(harbour_only, speed_kn):
    det = _events(leg(0, -10, 10, speed_kn=speed_kn, step_min=2), harbour_only)
    assert det.events.empty
    assert det.stats["transits"] == 1
    v = det.visits
    assert list(v["level"]) == [1] and not v["call"].any()


def test_a_pass_lasting_hours_through_a_large_zone_is_a_transit(zones):
    # 24 km across the anchorage at 4 kn: over 3 h in the zone, never stopped
    det = _events(leg(0, -14, 14, speed_kn=4, step_min=5), zones)
    assert det.events.empty
    assert (det.visits["level"] == 1).all()


# a stop lasts from its first stopped fix to the first fix under way (one minute after the last)
@pytest.mark.parametrize(("stop_min", "call"), [(0, False), (1, False), (2, True), (60, True)])
def test_a_stop_makes_a_call_once_it_lasts(harbour_only, stop_min, call):
    inbound = leg(0, -20, 0.5, speed_kn=15)
    t = inbound[-1][0] + 1
    track = (
        inbound
        + moored(t, stop_min, km=0.5, step_min=1)
        + leg(t + stop_min + 1, 0.5, 20, speed_kn=15)
    )
    det = _events(track, harbour_only)
    assert list(det.events["event"]) == (["arrival", "departure"] if call else [])


# 0.3 kn: never stopped by SOG, but over 30 min it moves 280 m: within the 300 m "stationary"
# radius, so at rest (a ship swinging at anchor); 0.6 kn covers 560 m: under way
@pytest.mark.parametrize(("sog", "call"), [(0.15, True), (0.3, True), (0.6, False)])
def test_stop_threshold_with_hysteresis(harbour_only, sog, call):
    km_min = sog * 1.852 / 60
    inbound = leg(0, -20, 0.5, speed_kn=15)
    t = inbound[-1][0] + 1
    slow = [(t + k, *east(0.5 + k * km_min), sog) for k in range(60)]
    track = inbound + slow + leg(t + 60, 0.5 + 60 * km_min, 20, speed_kn=15)
    assert (len(_events(track, harbour_only).events) == 2) == call


def test_once_stopped_a_ship_stays_stopped_until_it_moves(harbour_only):
    # stops (0.1 kn), then drifts at 0.3 kn (below the 0.5 kn move threshold) for 40 min
    inbound = leg(0, -20, 0.5, speed_kn=15)
    t = inbound[-1][0] + 1
    slow = [(t + k, *east(0.5), 0.1 if k < 3 else 0.3) for k in range(40)]
    track = inbound + slow + leg(t + 41, 0.5, 20, speed_kn=15)
    det = _events(track, harbour_only)
    assert list(det.events["event"]) == ["arrival", "departure"]
    # stopped from the first 0.1 kn fix until it moves at 15 kn 41 min later
    assert det.visits["stopped_h"].iloc[0] == pytest.approx(41 / 60, abs=0.01)


# moving fixes 2 km apart in the harbour around an AIS silence: across hours that is a ship at
# rest in between (0.3 kn on average); across 20 min it is a ship under way (3.2 kn)
@pytest.mark.parametrize(("gap_h", "call"), [(20 / 60, False), (3.5, True), (4.5, True)])
def test_an_in_port_ais_silence_without_movement_makes_a_call(harbour_only, gap_h, call):
    inside = [(60, *east(-1.0), 3.0), (60 + gap_h * 60, *east(1.0), 3.0)]
    track = leg(0, -20, -2.5, speed_kn=15) + inside + leg(61 + gap_h * 60, 1.0, 20, speed_kn=15)
    det = _events(track, harbour_only)
    assert (list(det.events["event"]) == ["arrival", "departure"]) == call
    # gap_h counts silences of at least port_gap_h (4 h)
    assert det.visits["gap_h"].iloc[0] == (pytest.approx(gap_h) if gap_h >= 4 else 0)


def test_a_reception_gap_in_a_pass_is_not_a_call(zones):
    # 4.5 h without fixes while crossing the 24 km anchorage at 2 kn: it moved, so no rest
    before = leg(0, -14, -6, speed_kn=2, step_min=10)
    t = before[-1][0] + 270
    after = leg(t, -6 + 270 / 60 * 2 * 1.852, 14, speed_kn=2, step_min=10)
    det = _events(before + after, zones)
    assert det.events.empty


def test_speed_implied_by_fixes_when_sog_is_missing(harbour_only):
    track = (
        leg(0, -20, 0.5, speed_kn=15)
        + moored(90, 60, km=0.5, jitter_m=15, seed=3)
        + leg(151, 0.5, 20, speed_kn=15)
    )
    obs = make_track(track)
    obs["sog_kn"] = np.nan
    det = detect_port_events(obs, harbour_only, all_vessels=True)
    assert list(det.events["event"]) == ["arrival", "departure"]


def test_min_visit_level_4_needs_both_crossings(harbour_only):
    first_seen_in_port = moored(0, 60, km=0.5) + leg(61, 0.5, 20, speed_kn=15)
    assert list(_events(first_seen_in_port, harbour_only).events["event"]) == [
        "departure"
    ]  # level 3
    assert _events(first_seen_in_port, harbour_only, min_visit_level=4).events.empty
    det = _events(first_seen_in_port, harbour_only, min_visit_level=4)
    assert det.stats["transits"] == 1


# ---------------------------------------------------------------------------------------------
# absence is port-specific


def _survey(time, port, listed, coverage="full", line=2):
    return pd.DataFrame(
        {
            "time": [pd.Timestamp(time, tz="UTC")],
            "lat": [np.nan],
            "lon": [np.nan],
            "kind": ["survey"],
            "port": [port],
            "coverage": [coverage],
            "vessel": [listed],
            "source": ["Imagery"],
            "src_file": ["surveys.csv"],
            "src_line": [line],
        }
    )


def _sighting(time, vessel, km, line=2):
    lat, lon = east(km)
    return pd.DataFrame(
        {
            "time": [pd.Timestamp(time, tz="UTC")],
            "lat": [lat],
            "lon": [lon],
            "kind": ["sighting"],
            "vessel": [vessel],
            "source": ["spotter"],
            "confidence": ["high"],
            "src_file": ["sightings.csv"],
            "src_line": [line],
        }
    )


def test_absent_from_one_port_says_nothing_about_another(harbour_only, two_ship_registry):
    obs = schema.concat(
        [
            _survey("2024-12-01", "Testport", "Alpha|Bravo"),
            _sighting("2024-12-02", "Alpha", 91.3),  # Alpha in Otherport
            _survey(
                "2024-12-03", "Testport", "Bravo"
            ),  # Alpha absent from Testport: nothing about Otherport
            _survey("2024-12-04", "Otherport", "Alpha"),
        ]
    )
    det = detect_port_events(obs, harbour_only, two_ship_registry)
    ev = det.events.set_index(["port", "event"])
    # arrived at Otherport between its last evidence elsewhere (1 Dec in Testport) and the sighting
    arr = ev.loc[("Otherport", "arrival")]
    assert (arr["time_earliest"], arr["time_latest"]) == (
        pd.Timestamp("2024-12-01", tz="UTC"),
        pd.Timestamp("2024-12-02", tz="UTC"),
    )
    dep = ev.loc[("Testport", "departure")]
    assert (dep["time_earliest"], dep["time_latest"]) == (
        pd.Timestamp("2024-12-01", tz="UTC"),
        pd.Timestamp("2024-12-02", tz="UTC"),
    )
    assert not det.events["flags"].astype(bool).any()


def test_arrival_window_starts_at_the_last_evidence_outside_that_port(
    harbour_only, two_ship_registry
):
    # Alpha in Testport, then absent from Testport's survey, then present in Otherport:
    # it may have reached Otherport before the Testport survey, so the window starts when it
    # was last seen in Testport, not at the survey.
    obs = schema.concat(
        [
            _survey("2024-12-01", "Testport", "Alpha"),
            _survey("2024-12-03", "Testport", ""),
            _survey("2024-12-05", "Otherport", "Alpha"),
        ]
    )
    ev = detect_port_events(obs, harbour_only, two_ship_registry).events.set_index(
        ["port", "event"]
    )
    arr = ev.loc[("Otherport", "arrival")]
    assert arr["time_earliest"] == pd.Timestamp("2024-12-01", tz="UTC")
    assert arr["time_latest"] == pd.Timestamp("2024-12-05", tz="UTC")
    dep = ev.loc[("Testport", "departure")]
    assert (dep["time_earliest"], dep["time_latest"]) == (
        pd.Timestamp("2024-12-01", tz="UTC"),
        pd.Timestamp("2024-12-03", tz="UTC"),
    )


def test_first_seen_absent_then_present_elsewhere_is_no_arrival(harbour_only, two_ship_registry):
    # nothing ever said Alpha was outside Otherport: its arrival there was not seen
    obs = schema.concat(
        [_survey("2024-12-01", "Testport", "Bravo"), _survey("2024-12-05", "Otherport", "Alpha")]
    )
    ev = detect_port_events(obs, harbour_only, two_ship_registry).events
    assert ev[ev["vessel_id"] == "alpha"].empty


def test_word_confidence_of_a_sighting_is_used(harbour_only, two_ship_registry):
    obs = schema.concat(
        [_survey("2024-12-01", "Testport", "Alpha"), _sighting("2024-12-02", "Alpha", 40.0)]
    )
    ev = detect_port_events(obs, harbour_only, two_ship_registry).events
    assert list(ev["event"]) == ["departure"]
