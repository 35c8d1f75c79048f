"""Fleet dispersal: statuses, staleness, positions, distances, fleet aggregates, the Tartus case,
the CLI, and invariants (Hypothesis)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

import navwatch as nw
from navwatch import schema
from navwatch.demo import demo_inputs
from navwatch.dispersal import (
    FLEET_COLUMNS,
    STATUSES,
    VESSEL_COLUMNS,
    DispersalParams,
    dispersal_from_observations,
    fleet_dispersal,
)
from navwatch.errors import ConfigError, PortsError, SchemaError
from navwatch.registry import COLUMNS as REGISTRY_COLUMNS
from navwatch.registry import Registry
from navwatch.testing import T0, make_track
from tests.conftest import PORT_LAT, PORT_LON

GEOD = Geod(ellps="WGS84")
KM_LON = 111.320 * np.cos(np.radians(PORT_LAT))
KM_LAT = 110.574
TARTUS = [
    "admiral-golovko",
    "admiral-gorshkov",
    "admiral-grigorovich",
    "novorossiysk",
    "vyazma",
    "yelnya",
]


# ----------------------------------------------------------------------------------------------
# factories


def east(km: float) -> tuple[float, float]:
    return PORT_LAT, PORT_LON + km / KM_LON


def north(km: float) -> tuple[float, float]:
    return PORT_LAT + km / KM_LAT, PORT_LON


def make_registry(*vessels: tuple[str, str, str]) -> Registry:
    """Registry from (vessel_id, home_port, mmsi) tuples; name = id title-cased."""
    rows = [
        {c: "" for c in REGISTRY_COLUMNS}
        | {"vessel_id": v, "name": v.title(), "home_port": home, "mmsi": mmsi, "type": "frigate"}
        for v, home, mmsi in vessels
    ]
    return Registry(pd.DataFrame(rows, columns=REGISTRY_COLUMNS))


def ais(mmsi: int, fixes: list[tuple[float, tuple[float, float], float]]) -> pd.DataFrame:
    """AIS fixes from (hours after T0, (lat, lon), sog_kn)."""
    return make_track([(h * 60, lat, lon, sog) for h, (lat, lon), sog in fixes], mmsi=mmsi)


def survey(
    hours: float, present: str, *, port: str = "Testport", coverage: str = "full"
) -> pd.DataFrame:
    return schema.conform(
        pd.DataFrame(
            {
                "time": [T0 + pd.Timedelta(hours=hours)],
                "lat": [np.nan],
                "lon": [np.nan],
                "kind": ["survey"],
                "port": [port],
                "coverage": [coverage],
                "vessel": [present],
                "source": ["Imagery"],
                "src_file": ["surveys.csv"],
                "src_line": [2],
            }
        )
    )


def sighting(hours: float, vessel: str, where: tuple[float, float]) -> pd.DataFrame:
    return schema.conform(
        pd.DataFrame(
            {
                "time": [T0 + pd.Timedelta(hours=hours)],
                "lat": [where[0]],
                "lon": [where[1]],
                "kind": ["sighting"],
                "vessel": [vessel],
                "source": ["Spotter"],
                "src_file": ["sightings.csv"],
                "src_line": [2],
            }
        )
    )


def disperse(obs, zones, reg, *, hours: float, every: str = "1h", **kw):
    params = DispersalParams(every=every, **kw.pop("params", {}))
    return dispersal_from_observations(
        schema.concat(obs) if isinstance(obs, list) else obs,
        zones,
        reg,
        start=T0,
        end=T0 + pd.Timedelta(hours=hours),
        params=params,
        **kw,
    )


def at(d, vessel: str, hours: float) -> pd.Series:
    v = d.vessels
    row = v[(v["vessel_id"] == vessel) & (v["time"] == T0 + pd.Timedelta(hours=hours))]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture(scope="module")
def home_point(zones):
    harbour = zones[(zones["port"] == "Testport") & (zones["tier"] == "harbour")].geometry.iloc[0]
    p = shapely.point_on_surface(harbour)
    return p.y, p.x


def geod_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2] / 1000


REG = make_registry(
    ("alpha", "Testport", "273000001"),
    ("bravo", "Testport", "273000002"),
    ("charlie", "Testport", "273000003"),
)


# ----------------------------------------------------------------------------------------------
# parameters


def test_params_are_validated_and_round_trip():
    p = DispersalParams(every="12h", stale_after_h=24, interpolate_max_gap_h=2)
    assert p.every == pd.Timedelta("12h")
    assert DispersalParams.from_dict(p.to_dict()) == p
    for bad in (
        {"every": "soon"},
        {"every": "0h"},
        {"every": "-6h"},
        {"stale_after_h": -1},
        {"interpolate_max_gap_h": "x"},
        {"stale_after_h": float("nan")},
    ):
        with pytest.raises(ConfigError):
            DispersalParams(**bad)
    with pytest.raises(ConfigError, match="unknown key"):
        DispersalParams.from_dict({"every": "6h", "stale_h": 3})


# ----------------------------------------------------------------------------------------------
# statuses, one constructed case each


@pytest.mark.parametrize(
    ("where", "status", "other_port"),
    [
        (east(0.3), "in_port", None),
        (east(8.0), "offshore", None),
        (east(40.0), "at_sea", None),
        (east(1.0 * 111.320 * np.cos(np.radians(PORT_LAT))), "in_other_port", "Otherport"),
    ],
    ids=["in_port", "offshore", "at_sea", "in_other_port"],
)
def test_each_located_status_and_its_distance(zones, home_point, where, status, other_port):
    # moored in the harbour for 2 h, then fixes at `where` from 10 h on
    fixes = [(h, east(0.2), 0.0) for h in (0, 0.5, 1, 1.5, 2)] + [
        (h, where, 0.0) for h in (10, 10.5, 11, 11.5, 12)
    ]
    d = disperse(ais(273000001, fixes), zones, REG, hours=12, vessels=["alpha"])
    r = at(d, "alpha", 12)
    assert r["status"] == status
    assert (r["other_port"] if isinstance(r["other_port"], str) else None) == other_port
    assert r["position_method"] == "observed" and (r["lat"], r["lon"]) == pytest.approx(where)
    assert r["distance_home_km"] == pytest.approx(geod_km(home_point, where), rel=0.005)
    assert r["last_evidence_kind"] == "ais" and r["last_evidence_age_h"] == 0
    assert r["home_port"] == "Testport"
    assert r["geometry"].equals(shapely.Point(where[1], where[0]))


def test_no_evidence_yet_is_unknown(zones):
    d = disperse(
        ais(273000001, [(5, east(0.2), 0.0), (6, east(0.2), 0.0)]),
        zones,
        REG,
        hours=6,
        vessels=["alpha"],
    )
    r = at(d, "alpha", 2)
    assert (r["status"], r["note"], r["position_method"]) == ("unknown", "no evidence yet", "none")
    assert (
        pd.isna(r["last_evidence_time"])
        and pd.isna(r["distance_home_km"])
        and r["geometry"] is None
    )
    assert at(d, "alpha", 6)["status"] == "in_port"


def test_registry_vessel_without_any_evidence_is_unknown_throughout(zones):
    d = disperse(
        ais(273000001, [(0, east(0.2), 0.0), (3, east(0.2), 0.0)]),
        zones,
        REG,
        hours=3,
        port="Testport",
    )
    assert sorted(d.vessels["vessel_id"].unique()) == ["alpha", "bravo", "charlie"]
    others = d.vessels[d.vessels["vessel_id"] != "alpha"]
    assert (others["status"] == "unknown").all() and (others["note"] == "no evidence yet").all()
    assert (d.fleet["n_vessels"] == 3).all()


def test_survey_only_window_in_port_then_unknown_never_at_sea(zones):
    """Present on day 0, absent on day 2: in_port (the zone's point, 0 km) until the absent
    survey, then an honest unknown whose note gives the window; never at_sea."""
    obs = [survey(0, "Alpha|Bravo"), survey(48, "Bravo")]
    d = disperse(obs, zones, REG, hours=60, every="6h", params={"stale_after_h": 100})
    alpha = d.vessels[d.vessels["vessel_id"] == "alpha"].set_index("time")
    before = alpha.loc[T0 + pd.Timedelta(hours=6) : T0 + pd.Timedelta(hours=42)]
    assert (before["status"] == "in_port").all()
    assert (before["position_method"] == "zone").all() and (before["distance_home_km"] == 0).all()
    assert (
        before["note"]
        .str.startswith("next evidence (absent survey of Testport/harbour 2024-12-03 00:00Z)")
        .all()
    )
    after = alpha.loc[T0 + pd.Timedelta(hours=48) :]
    assert (after["status"] == "unknown").all()
    assert (after["position_method"] == "none").all() and after["distance_home_km"].isna().all()
    assert (
        after["note"]
        == "not in Testport/harbour: left between present survey 2024-12-01 00:00Z and absent survey 2024-12-03 00:00Z"
    ).all()
    assert (after["last_evidence_kind"] == "survey").all()
    assert after["last_evidence_time"].eq(T0 + pd.Timedelta(hours=48)).all()
    assert not (d.vessels["status"] == "at_sea").any()
    assert (at(d, "bravo", 60)["status"]) == "in_port"


def test_absence_window_starts_at_the_survey_that_took_it_out(zones):
    obs = [survey(0, "Alpha|Bravo"), survey(24, "Bravo"), survey(48, "Bravo")]
    d = disperse(obs, zones, REG, hours=54, every="6h")
    r = at(d, "alpha", 54)
    assert r["status"] == "unknown"
    assert "and absent survey 2024-12-02 00:00Z" in r["note"]  # the first absent survey
    assert r["last_evidence_time"] == T0 + pd.Timedelta(hours=48)  # the newest one
    assert r["last_evidence_age_h"] == 6


def test_absent_before_ever_seen(zones):
    d = disperse([survey(0, "Bravo")], zones, REG, hours=6, every="6h")
    r = at(d, "alpha", 6)
    assert (r["status"], r["position_method"], r["last_evidence_kind"]) == (
        "unknown",
        "none",
        "survey",
    )
    assert r["note"] == "not in Testport/harbour (absent survey 2024-12-01 00:00Z); not seen before"
    assert at(d, "charlie", 6)["status"] == "unknown"  # absent too (full coverage)
    assert at(d, "bravo", 6)["status"] == "in_port"


def test_staleness(zones):
    d = disperse(
        ais(273000001, [(0, east(0.2), 0.0), (0.5, east(0.2), 0.0)]),
        zones,
        REG,
        hours=24,
        every="6h",
        vessels=["alpha"],
        params={"stale_after_h": 12},
    )
    fresh, old = at(d, "alpha", 12), at(d, "alpha", 18)
    # no new evidence since the fix: it keeps the fix's position, so the distance does not jump
    # to the zone's point (issue 11: "no jump without a new observation")
    assert (fresh["status"], fresh["position_method"]) == ("in_port", "last_fix")
    assert fresh["distance_home_km"] == pytest.approx(at(d, "alpha", 0)["distance_home_km"])
    assert fresh["last_evidence_age_h"] == 11.5
    assert (
        old["status"] == "unknown"
        and old["note"] == "stale: last seen in_port more than 12 h before"
    )
    assert (
        old["last_evidence_time"] == T0 + pd.Timedelta(hours=0.5)
        and old["last_evidence_age_h"] == 17.5
    )
    assert old["last_evidence_kind"] == "ais" and old["position_method"] == "none"


def test_an_absent_survey_does_not_refresh_an_old_sighting(zones):
    """Tartus/Yelnya in small: seen in the anchorage, then a harbour survey without it. The
    status stays offshore (the survey agrees) but its age runs from the sighting."""
    obs = [survey(0, "Alpha|Bravo"), sighting(10, "Alpha", east(8.0)), survey(30, "Bravo")]
    d = disperse(obs, zones, REG, hours=72, every="6h", params={"stale_after_h": 48})
    r = at(d, "alpha", 36)
    assert (r["status"], r["last_evidence_kind"], r["last_evidence_age_h"]) == (
        "offshore",
        "sighting",
        26.0,
    )
    # the sighting's own position: no new evidence of where it is, so no jump (issue 11)
    assert r["position_method"] == "last_fix"
    assert r["distance_home_km"] == pytest.approx(at(d, "alpha", 12)["distance_home_km"])
    assert 3.0 < r["distance_home_km"] < 12.5
    assert at(d, "alpha", 54)["status"] == "offshore"
    assert at(d, "alpha", 60)["status"] == "unknown" and at(d, "alpha", 60)["note"].startswith(
        "stale: last seen offshore"
    )


def test_interpolation_and_its_gap_limit(zones, home_point):
    fixes = [(5.0, east(20.0), 12.0), (7.0, east(40.0), 12.0)]
    d = disperse(ais(273000001, fixes), zones, REG, hours=12, every="6h", vessels=["alpha"])
    r = at(d, "alpha", 6)
    assert (r["status"], r["position_method"]) == ("at_sea", "interpolated")
    mid = east(30.0)
    assert (r["lat"], r["lon"]) == pytest.approx(mid, abs=1e-9)
    assert r["distance_home_km"] == pytest.approx(geod_km(home_point, mid), rel=0.005)
    # gap beyond the limit: the last fix (1 h old, within the step) is used as observed
    d2 = disperse(
        ais(273000001, fixes),
        zones,
        REG,
        hours=12,
        every="6h",
        vessels=["alpha"],
        params={"interpolate_max_gap_h": 1},
    )
    r2 = at(d2, "alpha", 6)
    assert r2["position_method"] == "observed" and (r2["lat"], r2["lon"]) == pytest.approx(
        east(20.0)
    )
    # a fix older than a step and nothing to interpolate towards: at sea, position unknown
    r3 = at(d, "alpha", 12 + 0)
    assert (r3["status"], r3["position_method"], r3["last_evidence_age_h"]) == (
        "at_sea",
        "observed",
        5.0,
    )
    d3 = disperse(ais(273000001, fixes), zones, REG, hours=18, every="6h", vessels=["alpha"])
    r4 = at(d3, "alpha", 18)
    # the status still rests on that fix: its position is kept (it is the last known one)
    assert (r4["status"], r4["position_method"]) == ("at_sea", "last_fix")
    assert r4["distance_home_km"] == pytest.approx(r3["distance_home_km"])


def test_interpolation_across_the_antimeridian():
    states = pd.DataFrame(
        {
            "vessel_id": ["x", "x"],
            "time": [T0, T0 + pd.Timedelta(hours=2)],
            "lat": [0.0, 0.0],
            "lon": [179.9, -179.9],
            "kind": ["ais", "ais"],
            "state": ["out", "out"],
            "port": ["", ""],
            "tier": ["", ""],
        }
    )
    d = fleet_dispersal(
        states, nw.load_ports(), start=T0 + pd.Timedelta(hours=1), end=T0 + pd.Timedelta(hours=1)
    )
    r = d.vessels.iloc[0]
    assert r["position_method"] == "interpolated" and abs(abs(r["lon"]) - 180.0) < 1e-9


# ----------------------------------------------------------------------------------------------
# the fleet table


def test_fleet_counts_median_max_and_spread(zones, home_point):
    obs = [
        ais(273000001, [(h, east(0.2), 0.0) for h in (0, 1, 2)]),  # in port
        ais(
            273000002,
            [
                (0, east(0.2), 0.0),
                (1, east(0.2), 0.0),
                (5, east(40.0), 12.0),
                (6, east(40.0), 12.0),
            ],
        ),
        ais(
            273000003,
            [
                (0, east(0.2), 0.0),
                (1, east(0.2), 0.0),
                (5, north(30.0), 12.0),
                (6, north(30.0), 12.0),
            ],
        ),
    ]
    d = disperse(obs, zones, REG, hours=6, every="6h", port="Testport")
    f = d.fleet.set_index("time").loc[T0 + pd.Timedelta(hours=6)]
    assert f[
        [
            "n_vessels",
            "n_in_port",
            "n_at_sea",
            "n_offshore",
            "n_in_other_port",
            "n_unknown",
            "n_located",
        ]
    ].tolist() == [3, 1, 2, 0, 0, 0, 3]
    dists = sorted([0.0, geod_km(home_point, east(40.0)), geod_km(home_point, north(30.0))])
    assert f["median_distance_km"] == pytest.approx(dists[1], rel=0.005)
    assert f["max_distance_km"] == pytest.approx(dists[2], rel=0.005)
    # spread: the largest distance from the centroid, which lies between the three
    assert max(dists) / 2 < f["spread_km"] < max(dists)
    first = d.fleet.iloc[0]
    assert (first["n_in_port"], first["spread_km"]) == (3, 0.0)
    assert list(d.fleet.columns) == FLEET_COLUMNS and list(d.vessels.columns) == VESSEL_COLUMNS


def test_spread_of_two_vessels_is_half_their_distance():
    states = pd.DataFrame(
        {
            "vessel_id": ["a", "b"],
            "time": [T0, T0],
            "lat": [10.0, 10.5],
            "lon": [20.0, 20.3],
            "kind": ["ais", "ais"],
            "state": ["out", "out"],
            "port": ["", ""],
            "tier": ["", ""],
        }
    )
    d = fleet_dispersal(states, nw.load_ports())
    f = d.fleet.iloc[0]
    assert f["n_at_sea"] == 2 and f["n_located"] == 2
    assert f["spread_km"] == pytest.approx(geod_km((10.0, 20.0), (10.5, 20.3)) / 2, rel=0.005)
    assert np.isnan(f["median_distance_km"])  # no home port: no distances


def test_no_home_port_means_in_other_port_and_no_distance(zones):
    reg = make_registry(("alpha", "", "273000001"))
    d = disperse(ais(273000001, [(0, east(0.2), 0.0), (1, east(0.2), 0.0)]), zones, reg, hours=1)
    r = at(d, "alpha", 1)
    assert (r["status"], r["other_port"], r["home_port"]) == ("in_other_port", "Testport", "")
    assert np.isnan(r["distance_home_km"])
    # with a port, vessels without a registry home port take it as theirs
    d2 = disperse(
        ais(273000001, [(0, east(0.2), 0.0), (1, east(0.2), 0.0)]),
        zones,
        reg,
        hours=1,
        port="Testport",
    )
    assert at(d2, "alpha", 1)["status"] == "in_port"


# ----------------------------------------------------------------------------------------------
# selection, steps, errors


def test_port_selects_the_fleet(zones):
    reg = make_registry(("alpha", "Testport", "273000001"), ("bravo", "Otherport", "273000002"))
    obs = [ais(273000001, [(0, east(0.2), 0.0)]), ais(273000002, [(0, east(0.2), 0.0)])]
    d = disperse(obs, zones, reg, hours=1, port="testport")
    assert d.vessels["vessel_id"].unique().tolist() == ["alpha"]
    d2 = disperse(obs, zones, reg, hours=1, port="Otherport")
    assert at(d2, "bravo", 0)["status"] == "in_other_port"  # bravo is in Testport, not home
    d3 = disperse(obs, zones, reg, hours=1, vessels=["Bravo"])  # registry name
    assert d3.vessels["vessel_id"].unique().tolist() == ["bravo"]
    with pytest.raises(ConfigError, match="unknown vessel"):
        disperse(obs, zones, reg, hours=1, vessels=["zulu"])
    with pytest.raises(PortsError, match="close names"):
        disperse(obs, zones, reg, hours=1, port="Testprot")


def test_default_steps_cover_all_evidence(zones):
    obs = ais(273000001, [(1.5, east(0.2), 0.0), (14.2, east(0.2), 0.0)])
    d = dispersal_from_observations(obs, zones, REG, vessels=["alpha"])
    assert d.times[0] == T0 and d.times[-1] == T0 + pd.Timedelta(hours=18)
    assert (d.times.to_series().diff().dropna() == pd.Timedelta("6h")).all()
    assert str(d.vessels["time"].dtype) == "datetime64[ns, UTC]"


def test_bad_times_and_inputs_are_config_errors(zones):
    obs = ais(273000001, [(0, east(0.2), 0.0)])
    with pytest.raises(ConfigError, match="not a time"):
        dispersal_from_observations(obs, zones, REG, start="yesterday-ish")
    with pytest.raises(ConfigError, match="before start"):
        dispersal_from_observations(obs, zones, REG, start="2024-12-02", end="2024-12-01")
    with pytest.raises(ConfigError, match="coarser step"):
        dispersal_from_observations(
            obs,
            zones,
            REG,
            start="2000-01-01",
            end="2024-12-01",
            params=DispersalParams(every="1min"),
        )
    with pytest.raises(SchemaError, match="lacks column"):
        fleet_dispersal(pd.DataFrame({"vessel_id": ["a"]}), zones)


def test_empty_states_with_a_period_gives_unknown_rows(zones):
    d = fleet_dispersal(pd.DataFrame(), zones, REG, start=T0, end=T0 + pd.Timedelta("12h"))
    assert len(d.vessels) == 9 and (d.vessels["status"] == "unknown").all()
    assert (d.fleet["n_unknown"] == 3).all()
    assert len(fleet_dispersal(pd.DataFrame(), zones).vessels) == 0


def test_row_order_never_changes_the_result(zones):
    obs = [
        survey(0, "Alpha|Bravo"),
        ais(
            273000001,
            [(h, east(0.2), 0.0) for h in (1, 2)] + [(5, east(40.0), 12.0), (6, east(40.0), 12.0)],
        ),
        sighting(20, "Bravo", east(8.0)),
        survey(30, "Charlie"),
    ]
    det = nw.detect_port_events(schema.concat(obs), zones, REG, with_states=True)
    a = fleet_dispersal(det.states, zones, REG, params=DispersalParams(every="3h"))
    b = fleet_dispersal(
        det.states.sample(frac=1, random_state=3), zones, REG, params=DispersalParams(every="3h")
    )
    pd.testing.assert_frame_equal(pd.DataFrame(a.vessels), pd.DataFrame(b.vessels))
    pd.testing.assert_frame_equal(a.fleet, b.fleet)


# ----------------------------------------------------------------------------------------------
# the Tartus case


@pytest.fixture(scope="module")
def tartus():
    zones, reg = nw.load_ports(), nw.load_registry()
    det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
    return fleet_dispersal(det.states, zones, reg, port="Tartus")


def statuses(d, when: str) -> dict[str, str]:
    rows = d.at(when)
    return dict(zip(rows["vessel_id"], rows["status"].astype(str), strict=True))


def test_tartus_all_six_in_port_30_nov_to_1_dec(tartus):
    assert sorted(tartus.vessels["vessel_id"].unique()) == TARTUS
    for when in ("2024-11-30 12:00", "2024-12-01 00:00", "2024-12-01 12:00", "2024-12-02 00:00"):
        assert set(statuses(tartus, when).values()) == {"in_port"}, when


def test_tartus_3_dec_unknown_except_yelnya_offshore(tartus):
    s = statuses(tartus, "2024-12-03 12:00")
    assert s.pop("yelnya") == "offshore"  # sighted 2 Dec 06:00 in the anchorage tier
    assert set(s.values()) == {"unknown"}
    rows = tartus.at("2024-12-03 12:00").set_index("vessel_id")
    assert (
        rows.loc["vyazma", "note"]
        == "not in Tartus/harbour: left between present survey 2024-12-01 08:30Z and absent survey 2024-12-03 08:30Z"
    )
    y = rows.loc["yelnya"]
    assert (y["last_evidence_kind"], y["last_evidence_age_h"]) == ("sighting", 30.0)
    # Yelnya's sighting goes stale 48 h later; nothing is ever at sea (no positional evidence)
    assert statuses(tartus, "2024-12-04 06:00")["yelnya"] == "offshore"
    assert statuses(tartus, "2024-12-04 12:00")["yelnya"] == "unknown"
    assert not (tartus.vessels["status"] == "at_sea").any()


def test_tartus_5_dec_all_in_port(tartus):
    assert set(statuses(tartus, "2024-12-05 12:00").values()) == {"in_port"}
    f = tartus.fleet.set_index("time").loc[pd.Timestamp("2024-12-05 12:00", tz="UTC")]
    assert (f["n_in_port"], f["median_distance_km"], f["max_distance_km"]) == (6, 0.0, 0.0)


def test_tartus_10_dec_two_gorshkov_frigates_offshore(tartus):
    rows = tartus.at("2024-12-10 12:00").set_index("vessel_id")
    off = rows[rows["status"] == "offshore"]
    assert sorted(off.index) == ["admiral-golovko", "admiral-gorshkov"]
    piers = (34.91385, 35.87408)
    sighted = (34.94658, 35.778)
    assert geod_km(piers, sighted) == pytest.approx(9.5, abs=0.05)
    home = nw.load_ports()
    harbour = home[(home["port"] == "Tartus") & (home["tier"] == "harbour")].geometry.iloc[0]
    hp = shapely.point_on_surface(harbour)
    for _, r in off.iterrows():
        assert r["position_method"] == "observed"
        assert r["distance_home_km"] == pytest.approx(geod_km((hp.y, hp.x), sighted), rel=0.005)
        assert 9.0 < r["distance_home_km"] < 10.0
    assert set(rows.loc[~rows.index.isin(off.index), "status"]) == {"unknown"}
    f = tartus.fleet.iloc[-1]
    assert (f["n_offshore"], f["n_unknown"], f["n_located"], f["spread_km"]) == (2, 4, 2, 0.0)


# ----------------------------------------------------------------------------------------------
# the command line


def run_cli(*args) -> subprocess.CompletedProcess:
    code = "import navwatch.cli.dispersal; from navwatch.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "dispersal", *map(str, args)], capture_output=True, text=True
    )


def test_cli_on_the_demo(tmp_path):
    out = tmp_path / "disp.csv"
    res = run_cli(
        *demo_inputs(),
        "--port",
        "Tartus",
        "--every",
        "12h",
        "--since",
        "2024-11-30T12:00Z",
        "-o",
        out,
    )
    assert res.returncode == 0, res.stderr
    assert "in port" in res.stdout and "Admiral Golovko" in res.stdout and "every 12h" in res.stdout
    v = pd.read_csv(out)
    f = pd.read_csv(tmp_path / "disp.fleet.csv")
    assert list(v.columns) == [c for c in VESSEL_COLUMNS if c != "geometry"]
    assert list(f.columns) == FLEET_COLUMNS
    assert (
        f["time"].iloc[0] == "2024-11-30T12:00:00Z" and f["time"].iloc[-1] == "2024-12-10T12:00:00Z"
    )
    assert f.set_index("time").loc["2024-12-05T12:00:00Z", "n_in_port"] == 6
    last = v[v["time"] == "2024-12-10T12:00:00Z"]
    assert sorted(last.loc[last["status"] == "offshore", "vessel_id"]) == [
        "admiral-golovko",
        "admiral-gorshkov",
    ]
    assert set(v["status"]) <= set(STATUSES)


def test_cli_all_vessels_on_a_real_ais_slice(tmp_path):
    """The NOAA ferry slice: the Staten Island ferry ends the hour at St. George (WPI
    "Tompkinsville SI"); no home ports, so no distances; no registry vessels without evidence."""
    data = Path(__file__).parent / "data"
    out = tmp_path / "ny.csv"
    res = run_cli(
        data / "noaa" / "nyharbor_2020-06-30_tugs_ferry.csv",
        *("--all-vessels", "--ports", data / "ports" / "wpi_slice.csv", "--port-radius-km", "1.5"),
        *("--every", "10min", "-o", out),
    )
    assert res.returncode == 0, res.stderr
    v = pd.read_csv(out)
    assert v["vessel_id"].str.startswith("mmsi:").all()
    ferry = v[v["vessel_name"] == "ANDREW J BARBERI"].iloc[-1]
    assert (ferry["status"], ferry["other_port"]) == ("in_other_port", "Tompkinsville SI")
    assert v["distance_home_km"].isna().all()


@pytest.mark.parametrize("suffix", [".parquet", ".geojson"])
def test_cli_output_formats(tmp_path, suffix):
    out = tmp_path / f"disp{suffix}"
    res = run_cli(*demo_inputs(), "--port", "Tartus", "--every", "1D", "-o", out)
    assert res.returncode == 0, res.stderr
    if suffix == ".parquet":
        v = pd.read_parquet(out)
        assert str(v["time"].dtype) == "datetime64[ns, UTC]"
    else:
        import geopandas as gpd

        v = gpd.read_file(out)
    assert len(v) == 6 * 12 and (tmp_path / "disp.fleet.csv").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--port", "Tartsu"], 1, "close names: Tartus"),
        (["--every", "soon"], 2, "'--every'"),  # bad usage: the option is named
        (["--every", "6"], 2, "add a unit"),
        (["--since", "whenever"], 2, "not a time"),
    ],
)
def test_cli_errors_are_one_clear_line(tmp_path, args, code, message):
    res = run_cli(*demo_inputs(), *args, "-o", tmp_path / "d.csv")
    assert res.returncode == code
    assert message in res.stderr and "Traceback" not in res.stderr


def test_cli_help():
    from typer.testing import CliRunner

    import navwatch.cli.dispersal  # noqa: F401  (registers the command)
    from navwatch.cli import app

    res = CliRunner().invoke(app, ["dispersal", "--help"])
    assert res.exit_code == 0 and "--stale-after-h" in res.output


# ----------------------------------------------------------------------------------------------
# invariants (Hypothesis)

IDS = ["alpha", "bravo", "charlie", "delta"]
MMSI = {v: 273000001 + i for i, v in enumerate(IDS)}
REG4 = make_registry(*[(v, "Testport", str(MMSI[v])) for v in IDS])
KMS = [0.2, 2.5, 3.5, 8.0, 12.5, 14.0, 40.0, 91.3]


@st.composite
def evidence(draw):
    """Per vessel: AIS fixes and/or sightings at random ranges, or nothing; fleet surveys."""
    frames = []
    positional = set()
    for v in IDS:
        mode = draw(st.sampled_from(["ais", "sighting", "survey_only", "survey_only"]))
        if mode == "survey_only":
            continue
        items = draw(
            st.lists(st.tuples(st.integers(0, 96), st.sampled_from(KMS)), min_size=1, max_size=5)
        )
        positional.add(v)
        if mode == "ais":
            frames.append(ais(MMSI[v], [(h, east(km), 0.0) for h, km in items]))
        else:
            frames += [sighting(h, v.title(), east(km)) for h, km in items]
    for h in draw(st.lists(st.integers(0, 96), max_size=4, unique=True)):
        present = draw(st.lists(st.sampled_from(IDS), unique=True))
        frames.append(survey(h, "|".join(x.title() for x in present)))
    return frames, positional


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence(), st.sampled_from(["3h", "6h", "1D"]), st.sampled_from([6.0, 24.0, 48.0]))
def test_invariants(zones, ev, every, stale_after_h):
    frames, positional = ev
    if not frames:
        return
    d = dispersal_from_observations(
        schema.concat(frames),
        zones,
        REG4,
        port="Testport",
        params=DispersalParams(every=every, stale_after_h=stale_after_h),
    )
    v, f = d.vessels, d.fleet
    # counts per step sum to the fleet size, which is the registry's fleet
    assert (f[[f"n_{s}" for s in STATUSES]].sum(axis=1) == f["n_vessels"]).all()
    assert (f["n_vessels"] == len(IDS)).all()
    assert len(v) == len(f) * len(IDS)
    # no positional evidence: never at sea, never an observed or interpolated position
    blind = v[~v["vessel_id"].isin(positional)]
    assert not (blind["status"] == "at_sea").any()
    assert not blind["position_method"].isin(["observed", "interpolated"]).any()
    # at sea rests on a positional fix; located statuses are never stale
    sea = v[v["status"] == "at_sea"]
    assert sea["last_evidence_kind"].isin(["ais", "sighting"]).all()
    located = v[v["status"] != "unknown"]
    assert (located["last_evidence_age_h"] <= stale_after_h).all()
    # a distance exactly when there is a position (Testport is everyone's home)
    assert (v["distance_home_km"].notna() == v["lat"].notna()).all()
    assert (v["geometry"].notna() == v["lat"].notna()).all()
    assert (f["n_located"] == v.groupby("time", observed=True)["lat"].count().to_numpy()).all()


# ----------------------------------------------------------------------------------------------
# scale


def synthetic_states(n_rows: int, n_vessels: int, days: int = 28, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    v = np.sort(rng.integers(0, n_vessels, n_rows))
    t = (
        pd.Timestamp("2024-11-01", tz="UTC").value
        + rng.integers(0, days * 86400, n_rows) * 1_000_000_000
    )
    order = np.lexsort((t, v))
    v, t = v[order], t[order]
    kind = rng.choice(
        np.array(["ais", "sighting", "survey"], dtype=object), n_rows, p=[0.9, 0.05, 0.05]
    )
    surv = kind == "survey"
    state = rng.choice(
        np.array(["in", "out", "unknown"], dtype=object), n_rows, p=[0.5, 0.45, 0.05]
    )
    ids = [f"mmsi:{273000000 + i}" for i in range(n_vessels)]
    tier = rng.choice(np.array(["harbour", "anchorage"], dtype=object), n_rows)
    # low-cardinality text as categoricals (fast to build; fleet_dispersal takes any text dtype)
    return pd.DataFrame(
        {
            "vessel_id": pd.Categorical.from_codes(v, categories=ids),
            "time": pd.to_datetime(t, utc=True).astype(schema.TIME_DTYPE),
            "lat": np.where(surv, np.nan, 34.9 + rng.normal(0, 0.3, n_rows)),
            "lon": np.where(surv, np.nan, 35.5 + rng.normal(0, 0.3, n_rows)),
            "kind": pd.Categorical(kind, dtype=schema.KIND_DTYPE),
            "present": pd.array(np.where(surv, rng.random(n_rows) < 0.5, None), dtype="boolean"),
            "surveyed": pd.Categorical(np.where(surv, "Tartus/harbour", "")),
            "state": pd.Categorical(state),
            "port": pd.Categorical(np.where(state == "in", "Tartus", "")),
            "tier": pd.Categorical(np.where(state == "in", tier, "")),
            "source": pd.Categorical(np.where(kind == "ais", "AIS", "imagery")),
        }
    )


@pytest.mark.slow
def test_a_million_states_rows():
    states = synthetic_states(1_000_000, 300)
    d = fleet_dispersal(states, nw.load_ports(), port="Tartus")
    assert len(d.fleet) == 28 * 4 + 1 and len(d.vessels) == 300 * len(d.fleet)
    assert (d.fleet[[f"n_{s}" for s in STATUSES]].sum(axis=1) == 300).all()


# ----------------------------------------------------------------------------------------------
# status_changes: the statuses of the dispersal table without a time step (the report's slider)


def _every_row_times(r, stale_after_h):
    """The reference: query after every row and at every row's stale moment."""
    from navwatch import dispersal as D

    positional = (r.kind <= 1) & (r.kind >= 0) & np.isfinite(r.lat) & np.isfinite(r.lon)
    seen = positional | ((r.kind == 2) & (r.present == 1))
    ns = int(stale_after_h * D._NS_PER_H) + 1
    qv = np.concatenate([r.v, r.v[seen]])
    qt = np.concatenate([r.t, r.t[seen] + ns])
    o = np.lexsort((qt, qv))
    return qv[o], qt[o]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("stale_after_h", [1.0, 6.0, 48.0])
def test_status_changes_equal_a_query_after_every_row(seed, stale_after_h, monkeypatch):
    """Only rows that change what a status reads are queried; the result must equal querying
    after every row (simulated fleets: AIS, sightings, surveys, absences, gaps)."""
    from navwatch import dispersal as D
    from navwatch.simulate import simulate

    sc = simulate(seed=seed, n_vessels=15, days=5)
    det = nw.detect_port_events(
        sc.observations(), sc.zones, sc.registry, with_states=True, all_vessels=True
    )
    fast = D.status_changes(det.states, sc.zones, sc.registry, stale_after_h=stale_after_h)
    monkeypatch.setattr(D, "_change_times", _every_row_times)
    ref = D.status_changes(det.states, sc.zones, sc.registry, stale_after_h=stale_after_h)
    assert len(fast) > 20 and fast.equals(ref)


def test_status_changes_agree_with_the_dispersal_table():
    """At every step of fleet_dispersal, the status as of that time from status_changes is the
    table's status: one set of rules for the table and the report's slider."""
    from navwatch.dispersal import status_changes

    zones, reg = nw.load_ports(), nw.load_registry()
    det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
    d = nw.fleet_dispersal(
        det.states, zones, reg, port="Tartus", params=DispersalParams(every="3h")
    )
    ch = status_changes(det.states, zones, reg, port="Tartus")
    v = d.vessels
    for vid, rows in v.groupby("vessel_id"):
        c = ch[ch["vessel_id"] == vid]
        k = np.searchsorted(c["time"].to_numpy(), rows["time"].to_numpy(), side="right") - 1
        got = np.where(k >= 0, c["status"].astype(str).to_numpy()[np.maximum(k, 0)], "unknown")
        assert got.tolist() == rows["status"].astype(str).tolist(), vid
