"""Rules of surveys derived from imagery, each on both sides of its threshold: a hull at the
zone's edge, the shortest hull a scene sees, vessels named by counting labelled hulls, and a
lone absence between two sightings taken for a miss."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from navwatch import detect_port_events
from navwatch.imagery import derive_surveys, match_detections
from navwatch.imagery.evidence import surveys_as_observations
from navwatch.imagery.params import ImageryParams

from .test_match import T, at, dets, reg, scenes, zones  # noqa: F401  (fixtures)


def calls(reg, zones, d, sc, params=None):  # noqa: F811
    """zone -> present list of the surveys of ``sc`` given detections ``d``."""
    m = match_detections(d, None, reg, scenes=sc, zones=zones, params=params)
    s = derive_surveys(sc, m, zones, reg, params=params)
    return s, {(r.scene_id, r.port): r.present.split("|") for r in s.itertuples()}


@pytest.mark.parametrize(
    ("outside_m", "absent"), [(60.0, False), (95.0, False), (140.0, True), (400.0, True)]
)
def test_hull_just_outside_the_edge_stops_an_absence(reg, zones, outside_m, absent):  # noqa: F811
    # the harbour is a 2 km circle; an unlabelled 125 m hull outside it, in the anchorage
    d = dets([at(2000.0 + outside_m, 0)], [125.0])
    _, c = calls(reg, zones, d, scenes(resolution_m=[10.0]))
    harbour = c[("S1", "Testport/harbour")]
    assert ("Charlie?" not in harbour) == absent
    assert "Charlie class x1?" not in harbour  # a hull outside names nothing inside


def test_edge_reach_grows_with_coarse_pixels(reg, zones):  # noqa: F811
    d = dets([at(2140.0, 0)], [125.0])
    _, fine = calls(reg, zones, d, scenes(resolution_m=[10.0]))
    _, coarse = calls(reg, zones, d, scenes(resolution_m=[60.0]))  # 3 pixels = 180 m
    assert "Charlie?" not in fine[("S1", "Testport/harbour")]
    assert "Charlie?" in coarse[("S1", "Testport/harbour")]


@pytest.mark.parametrize(
    ("sensor", "resolution", "tug_blind"),
    [("sar", np.nan, True), ("sar", 8.0, False), ("sar", 9.5, True), ("optical", np.nan, True),
     ("optical", 3.0, False), ("optical", 0.5, False)],
)  # fmt: skip
def test_shortest_hull_seen_is_two_pixels(reg, zones, sensor, resolution, tug_blind):  # noqa: F811
    # the 18 m tug: SAR's typical 20 m and Sentinel-2's 10 m cannot see it, 8 m and finer can
    sc = scenes(sensor=sensor, resolution_m=[resolution])
    _, c = calls(reg, zones, dets([], []), sc)
    assert ("Tuggy?" in c[("S1", "Testport/harbour")]) == tug_blind


def test_labelled_hulls_counted_against_their_candidates(reg, zones):  # noqa: F811
    sc = scenes(resolution_m=[0.5])
    one = dets([at(0, 0)], [125.0], labels=["frigate"])  # only Charlie is a 125 m frigate
    _, c = calls(reg, zones, one, sc)
    assert c[("S1", "Testport/harbour")][0] == "Charlie"
    one_of_two = dets([at(0, 0)], [135.0], labels=["frigate"])  # Alpha or Bravo
    _, c = calls(reg, zones, one_of_two, sc)
    h = c[("S1", "Testport/harbour")]
    assert "Alpha" not in h and "Bravo" not in h and "Alpha class x1" in h
    unlabelled = dets([at(0, 0)], [125.0])  # a 125 m merchant ship would look the same
    _, c = calls(reg, zones, unlabelled, sc)
    assert "Charlie" not in c[("S1", "Testport/harbour")]


def _sequence(reg, zones, seen, hours, params=None):  # noqa: F811
    """Scenes ``hours`` after T; in each, a hull labelled frigate of Charlie's length when
    ``seen``, else an empty harbour."""
    times = [T + pd.Timedelta(hours=h) for h in hours]
    sc = scenes(
        [scenes().geometry.iloc[0]] * len(hours), times=times, resolution_m=[0.5] * len(hours)
    )
    parts = [
        dets([at(0, 0)], [125.0], scene=f"S{i + 1}", time=t, labels=["frigate"])
        for i, (t, s) in enumerate(zip(times, seen, strict=True)) if s
    ]  # fmt: skip
    d = pd.concat(parts, ignore_index=True)
    d["detect_id"] = [f"d{i}" for i in range(len(d))]
    s, c = calls(reg, zones, d, sc, params)
    return s, [c[(f"S{i + 1}", "Testport/harbour")] for i in range(len(hours))]


def test_lone_absence_between_sightings_is_a_miss(reg, zones):  # noqa: F811
    s, h = _sequence(reg, zones, [True, False, True], [0, 8, 16])
    row = s[(s["scene_id"] == "S2") & (s["port"] == "Testport/harbour")]
    assert h[1] == ["Charlie?"] and "taken for a miss" in row["notes"].iloc[0]
    obs = surveys_as_observations(s)
    ev = detect_port_events(obs, zones, reg).events
    assert not len(ev[ev["vessel_id"] == "charlie"])  # no departure and return


@pytest.mark.parametrize(
    ("seen", "hours", "departs"),
    [
        ([True, False, False, True], [0, 8, 12, 16], True),  # two absences in a row stand
        ([True, False, True], [0, 8, 40], True),  # seen again 32 h later: a trip, not a miss
        ([True, False, True], [0, 25, 30], True),  # last seen 25 h before
        ([True, False], [0, 8], True),  # nothing after: the absence stands
    ],
)
def test_absences_that_stand(reg, zones, seen, hours, departs):  # noqa: F811
    s, h = _sequence(reg, zones, seen, hours)
    assert "Charlie?" not in h[1]
    ev = detect_port_events(surveys_as_observations(s), zones, reg).events
    dep = ev[(ev["vessel_id"] == "charlie") & (ev["event"] == "departure")]
    assert (len(dep) > 0) == departs


def test_lone_absence_rule_can_be_turned_off(reg, zones):  # noqa: F811
    _, h = _sequence(reg, zones, [True, False, True], [0, 8, 16], ImageryParams(lone_absence_h=0))
    assert "Charlie?" not in h[1]


@pytest.mark.parametrize(
    ("off_m", "named"), [(150.0, True), (190.0, True), (260.0, False), (900.0, False)]
)
def test_match_across_an_ais_silence_names_the_vessel_at_its_berth_only(reg, zones, off_m, named):  # noqa: F811
    from .test_match import ais, registry

    rows = reg.frame.to_dict("records")
    rows[2]["mmsi"] = "273000003"  # charlie, silent for 3 h at its berth
    reg2 = registry(rows)
    a = ais({273000003: [(-180, 0, 0, 0.0), (-200, 0, 0, 0.0)]})
    sc = scenes(resolution_m=[10.0])
    m = match_detections(dets([at(off_m, 0)], [125.0]), a, reg2, scenes=sc, zones=zones)
    assert m["status"].tolist() == ["matched"] and m["vessel_id"].tolist() == ["charlie"]
    s = derive_surveys(sc, m, zones, reg2, ais=a).set_index("port")
    h = s.loc["Testport/harbour", "present"].split("|")
    assert ("Charlie" in h) == named and ("Charlie?" in h) == (not named)


def test_a_hull_number_read_from_the_image_names_the_vessel(zones):  # noqa: F811
    from .test_match import registry

    reg2 = registry([
        {"vessel_id": "alpha", "name": "Alpha", "aliases": "128", "type": "frigate", "vessel_class": "Alpha class", "length_m": 135},
        {"vessel_id": "bravo", "name": "Bravo", "aliases": "131", "type": "frigate", "vessel_class": "Alpha class", "length_m": 135},
    ])  # fmt: skip
    sc = scenes(resolution_m=[0.5])
    _, c = calls(reg2, zones, dets([at(0, 0)], [135.0], labels=["131"]), sc)
    assert c[("S1", "Testport/harbour")] == ["Bravo"]  # her sister Alpha: absent
    _, c = calls(reg2, zones, dets([at(0, 0)], [135.0], labels=["frigate"]), sc)
    assert c[("S1", "Testport/harbour")] == ["Alpha class x1"]  # one of the two sisters
