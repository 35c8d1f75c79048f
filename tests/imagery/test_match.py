"""Matching detections to AIS and the registry, and surveys derived from footprints: hand-built
cases on each side of every threshold (the simulator benchmark scores the whole)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from navwatch import detect_port_events, schema
from navwatch.geodesy import local_frame
from navwatch.imagery import coverage_fractions, derive_surveys, match_detections
from navwatch.imagery.evidence import imagery_evidence, surveys_as_observations
from navwatch.registry import COLUMNS, Registry
from navwatch.zones import ZoneIndex

LON0, LAT0 = 35.0, 34.9
F = local_frame(LON0, LAT0)
T = pd.Timestamp("2024-12-01 08:00", tz="UTC")


def at(x_m: float, y_m: float) -> tuple[float, float]:
    """lon, lat of a point x_m east, y_m north of the harbour centre."""
    lon, lat = F.lonlat(x_m / 1000, y_m / 1000)
    return float(lon), float(lat)


def circle_km(r_km: float, x_km: float = 0.0):
    return shapely.Polygon(
        np.column_stack(F.lonlat(*np.array(shapely.Point(x_km, 0).buffer(r_km, 64).exterior.xy)))
    )


@pytest.fixture
def zones():
    return gpd.GeoDataFrame(
        {"port": ["Testport", "Testport", "Otherport"], "tier": ["harbour", "anchorage", "harbour"]},
        geometry=[circle_km(2.0), circle_km(8.0), circle_km(2.0, x_km=40.0)], crs="EPSG:4326",
    )  # fmt: skip


def registry(rows) -> Registry:
    f = pd.DataFrame(rows)
    for c in COLUMNS:
        if c not in f.columns:
            f[c] = ""
    return Registry(f[COLUMNS].astype(str).replace("nan", ""))


@pytest.fixture
def reg():
    return registry([
        {"vessel_id": "alpha", "name": "Alpha", "type": "frigate", "vessel_class": "Alpha class", "length_m": 135},
        {"vessel_id": "bravo", "name": "Bravo", "type": "frigate", "vessel_class": "Alpha class", "length_m": 135},
        {"vessel_id": "charlie", "name": "Charlie", "type": "frigate", "vessel_class": "Charlie class", "length_m": 125},
        {"vessel_id": "delta", "name": "Delta", "type": "oiler", "vessel_class": "Delta class", "length_m": 106},
        {"vessel_id": "echo", "name": "Echo", "type": "oiler", "mmsi": "273000005"},
        {"vessel_id": "tug", "name": "Tuggy", "type": "tug", "length_m": 18},
    ])  # fmt: skip


def dets(points, lengths, *, scene="S1", time=T, score=0.9, labels=None):
    lon, lat = zip(*points, strict=True) if points else ((), ())
    n = len(points)
    return pd.DataFrame({
        "detect_id": [f"d{i}" for i in range(n)], "scene_id": scene, "time": time, "lat": lat, "lon": lon,
        "length_m": lengths, "beam_m": np.nan, "score": score, "label": labels or [""] * n,
        "source": "test", "sensor": "sar",
        "src_file": "dets.csv", "src_line": pd.array(range(2, n + 2), dtype="Int64"),
    })  # fmt: skip


def ais(tracks):
    """tracks: mmsi -> [(dt_min, x_m, y_m, sog)]"""
    rows = []
    for m, fixes in tracks.items():
        for dt, x, y, sog in fixes:
            lon, lat = at(x, y)
            rows.append(
                {
                    "mmsi": m,
                    "time": T + pd.Timedelta(minutes=dt),
                    "lat": lat,
                    "lon": lon,
                    "sog_kn": sog,
                    "kind": "ais",
                }
            )
    df = pd.DataFrame(rows)
    df["mmsi"] = df["mmsi"].astype("Int64")
    return df


def scenes(geoms=None, times=None, sensor="sar", **extra):
    geoms = geoms or [circle_km(60.0)]
    n = len(geoms)
    return gpd.GeoDataFrame({"scene_id": [f"S{i + 1}" for i in range(n)], "time": times or [T] * n,
                             "source": "sentinel-1", "sensor": sensor, "cloud_cover": np.nan, **extra},
                            geometry=geoms, crs="EPSG:4326")  # fmt: skip


# ----------------------------------------------------------------------------------------------
# matching


def test_distance_limit_either_side_of_200_m_when_well_timed(reg):
    a = ais(
        {
            273000001: [(-1, 0, 0, 0.0), (1, 0, 0, 0.0)],
            273000002: [(-1, 1000, 0, 0.0), (1, 1000, 0, 0.0)],
        }
    )
    d = dets([at(0, 190), at(1000, 230)], [np.nan, np.nan])
    m = match_detections(d, a, reg, scenes=scenes())
    assert m["status"].tolist() == ["matched", "dark"]
    assert m["mmsi"].iloc[0] == 273000001 and m["distance_m"].iloc[0] == pytest.approx(190, abs=1)
    assert m["limit_m"].iloc[0] == pytest.approx(
        200 + 0.5 * 1852 / 60, abs=0.1
    )  # 1 min at the 0.5 kn floor


def test_limit_grows_with_time_to_nearest_fix_up_to_1500_m(reg):
    # fixes 40 min either side at 10 kn: 200 + 10 kn x 40 min = 12.5 km -> capped at 1.5 km
    a = ais(
        {
            273000001: [(-40, -6000, 0, 10.0), (40, 6000, 0, 10.0)],
            273000002: [(-40, 5000, 3000, 10.0), (40, 17000, 3000, 10.0)],
        }
    )
    d = dets([at(0, 1450), at(11000, 3000 + 1550)], [np.nan, np.nan])
    m = match_detections(d, a, reg, scenes=scenes())
    assert m["status"].tolist() == ["matched", "dark"]
    assert m["limit_m"].iloc[0] == 1500 and m["fix_gap_s"].iloc[0] == 2400


def test_fix_beyond_max_gap_is_not_a_candidate(reg):
    a = ais({273000001: [(-7 * 60, 0, 0, 0.0)]})
    m = match_detections(dets([at(0, 0)], [np.nan]), a, reg, scenes=scenes())
    assert m["status"].tolist() == ["dark"]
    a = ais({273000001: [(-5 * 60, 0, 0, 0.0)]})
    assert match_detections(dets([at(0, 0)], [np.nan]), a, reg, scenes=scenes())[
        "status"
    ].tolist() == ["matched"]


def test_one_to_one_assignment_of_ships_berthed_side_by_side(reg):
    # two tracks 50 m apart, two detections: greedy nearest-first would give both to one side
    a = ais(
        {
            273000001: [(-2, 0, 0, 0.0), (2, 0, 0, 0.0)],
            273000002: [(-2, 50, 0, 0.0), (2, 50, 0, 0.0)],
        }
    )
    d = dets([at(30, 0), at(-40, 0)], [np.nan, np.nan])
    m = match_detections(d, a, reg, scenes=scenes())
    assert sorted(m["mmsi"].tolist()) == [273000001, 273000002]
    assert (
        m.set_index("detect_id").loc["d1", "mmsi"] == 273000001
    )  # the far-west one takes the west track


def test_length_plausibility_excludes_a_pair(reg):
    # echo (registry, MMSI 273000005) has no length: any detection may be it; a registry vessel
    # with a length refuses a detection far off it
    reg2 = registry(
        [
            {
                "vessel_id": "delta",
                "name": "Delta",
                "type": "oiler",
                "mmsi": "273000004",
                "length_m": 106,
            }
        ]
    )
    a = ais({273000004: [(-1, 0, 0, 0.0), (1, 0, 0, 0.0)]})
    assert (
        match_detections(dets([at(0, 0)], [60.0]), a, reg2, scenes=scenes())["status"].iloc[0]
        == "dark"
    )
    m = match_detections(dets([at(0, 0)], [120.0]), a, reg2, scenes=scenes())
    assert (m["status"].iloc[0], m["vessel_id"].iloc[0], m["length_fit"].iloc[0]) == (
        "matched",
        "delta",
        "fits",
    )


def test_dark_detection_candidates_and_tokens(reg):
    pts = [at(0, 0), at(100, 0), at(200, 0), at(300, 0), at(400, 0)]
    labelled = dets(
        pts, [135.0, 126.0, 106.0, 74.0, 120.0], labels=["frigate", "frigate", "oiler", "", "cargo"]
    )
    m = match_detections(labelled, None, reg, scenes=scenes(resolution_m=[0.5]))
    got = dict(zip(m["detect_id"], zip(m["candidates"], m["token"], strict=True), strict=True))
    assert got["d0"] == ("alpha|bravo", "Alpha class x1")  # a frigate of 135 m: that class
    assert got["d1"] == ("charlie", "Charlie class x1")
    assert got["d2"] == ("delta|echo", "oiler x1")  # echo's length is unknown: only the label
    assert got["d3"] == ("", "")  # 74 m: nothing in the registry that short (the tug is 18 m)
    assert got["d4"] == ("", "")  # a cargo ship: not a registry kind, explained
    # the same hulls unlabelled: a length alone could be a merchant ship: maybes
    m = match_detections(
        dets(pts[:3], [135.0, 126.0, 106.0]), None, reg, scenes=scenes(resolution_m=[0.5])
    )
    assert m["token"].tolist() == ["Alpha class x1?", "Charlie class x1?", "Delta class x1?"]
    coarse = match_detections(
        dets(pts[:2], [135.0, 126.0], labels=["frigate", ""]), None, reg, scenes=scenes()
    )
    assert coarse["token"].iloc[0] == "frigate x1"  # Sentinel-1 length: any frigate
    assert coarse["candidates"].iloc[1] == "alpha|bravo|charlie|delta"
    assert coarse["token"].iloc[1] == ""  # frigate or oiler by length: no single group


def test_detection_time_from_its_scene_and_no_time_quarantined(reg):
    from navwatch.quarantine import Quarantine

    d = dets([at(0, 0), at(10, 0)], [np.nan, np.nan], time=pd.NaT)
    d.loc[1, "scene_id"] = "NOPE"
    q = Quarantine()
    m = match_detections(d, None, reg, scenes=scenes(), quarantine=q)
    assert len(m) == 1 and m["scene_time"].iloc[0] == T
    f = q.to_frame()
    assert f[["file", "line", "code"]].values.tolist() == [["dets.csv", 3, "no_time"]]


# ----------------------------------------------------------------------------------------------
# surveys


def test_coverage_fraction_full_partial_none(zones):
    zi = ZoneIndex.of(zones)
    fps = [
        circle_km(30.0),
        shapely.Polygon(np.column_stack(F.lonlat([0, 10, 10, 0], [-10, -10, 10, 10]))),
        circle_km(1.0, x_km=20),
    ]
    fr = coverage_fractions(fps, zi)
    assert fr[0, 0] == pytest.approx(1.0) and fr[0, 2] == 0
    assert fr[1, 0] == pytest.approx(0.5, abs=0.01) and fr[1, 1] == pytest.approx(0.5, abs=0.01)
    assert (fr[2] == 0).all()


def test_derived_survey_lists_what_it_can_tell(zones, reg):
    a = ais(
        {273000005: [(-3, 500, 500, 0.0), (3, 500, 500, 0.0)]}
    )  # echo berthed, seen by AIS, missed by the sensor
    d = dets(
        [at(0, 0), at(100, 0), at(200, 0)],
        [135.0, 135.0, 106.0],
        labels=["frigate", "frigate", "tanker"],
    )
    sc = scenes(resolution_m=[0.5])
    m = match_detections(d, a, reg, scenes=sc, zones=zones)
    s = derive_surveys(sc, m, zones, reg, ais=a).set_index("port")
    row = s.loc["Testport/harbour"]
    assert row["coverage"] == "full" and row["confidence"] == pytest.approx(0.85)
    # the 106 m "tanker" is not a registry kind: Delta (106 m) is absent, not "maybe"; two
    # hulls labelled frigate that only the two Alpha-class ships fit name both; a 50 cm image
    # sees the 18 m tug: absent
    assert row["present"].split("|") == ["Alpha", "Bravo", "Echo?"]
    assert "Otherport/harbour" in s.index and s.loc["Otherport/harbour", "present"] == ""


def test_cloudy_optical_partial_footprint_lowers_confidence(zones, reg):
    half = shapely.Polygon(np.column_stack(F.lonlat([0, 10, 10, 0], [-10, -10, 10, 10])))
    sc = scenes([half], sensor="optical")
    sc["cloud_cover"] = 0.5
    s = derive_surveys(
        sc, match_detections(dets([at(500, 0)], [40.0]), None, reg, scenes=sc), zones, reg
    )
    row = s.set_index("port").loc["Testport/harbour"]
    assert row["coverage"] == "partial"
    assert row["confidence"] == pytest.approx(0.8 * (0.5 / 0.9) * 0.5, abs=0.01)


def test_imagery_surveys_give_a_departure_window_from_two_scenes(zones, reg):
    """Scene 1 shows Alpha class x2 in port (a 50 cm image), scene 2 (a day later) nothing:
    both frigates departed within the window between the scenes; Delta, never seen, has no
    event; the tug is too small for the SAR to say."""
    t2 = T + pd.Timedelta(days=1)
    sc = scenes([circle_km(30.0), circle_km(30.0)], times=[T, t2], resolution_m=[0.5, 0.5])
    d = pd.concat(
        [
            dets([at(0, 0), at(100, 0)], [134.0, 136.0], labels=["frigate"] * 2),
            dets([], [], scene="S2", time=t2),
        ],
        ignore_index=True,
    )
    ev = imagery_evidence(d, sc, None, zones, reg)
    obs = schema.concat([ev.observations])
    det = detect_port_events(obs, zones, reg)
    e = det.events
    assert set(e["vessel_id"]) == {"alpha", "bravo"} and set(e["event"]) == {"departure"}
    assert len(e) == 4  # from the harbour and from the anchorage around it
    assert (e["time_earliest"] == T).all() and (e["time_latest"] == t2).all()
    assert ev.summary["dark"] == 2 and ev.summary["full_surveys"] >= 2


def test_surveys_round_trip_as_observations(zones, reg):
    d = dets([at(0, 0)], [135.0])
    sc = scenes(resolution_m=[0.5])
    s = derive_surveys(sc, match_detections(d, None, reg, scenes=sc, zones=zones), zones, reg)
    o = surveys_as_observations(s)
    assert (o["kind"] == "survey").all() and len(o) == len(s)
    assert o["confidence"].tolist() == pytest.approx(s["confidence"].tolist())
    assert o["time"].iloc[0] == T


def test_carry_over_of_an_identity_to_the_same_berth(reg):
    """A sharp image names an Alpha-class frigate at a berth; a coarse one a day later shows a
    hull there: it takes the identity. A 60 m hull at that berth does not, nor a hull 200 m away
    or three days later."""
    t1, t2, t5 = (
        T + pd.Timedelta(days=1),
        T + pd.Timedelta(days=1, hours=1),
        T + pd.Timedelta(days=3),
    )
    sc = scenes([circle_km(60.0)] * 4, times=[T, t1, t2, t5], resolution_m=[0.5, 15.0, 15.0, 15.0])
    d = pd.concat(
        [
            dets([at(0, 0), at(500, 0)], [135.0, 135.0], labels=["frigate", "frigate"]),
            dets([at(5, 5), at(500, 200)], [130.0, 128.0], scene="S2", time=t1),
            dets([at(3, 0)], [60.0], scene="S3", time=t2),
            dets([at(0, 3)], [133.0], scene="S4", time=t5),
        ],
        ignore_index=True,
    )
    d["detect_id"] = [f"d{i}" for i in range(len(d))]
    m = match_detections(d, None, reg, scenes=sc).set_index("detect_id")
    assert (m.loc["d2", "carried_from"], m.loc["d2", "token"]) == ("d0", "Alpha class x1")
    assert m.loc["d3", "carried_from"] == ""  # 200 m from the berth
    assert m.loc["d4", "carried_from"] == ""  # 60 m long: another ship
    assert m.loc["d5", "carried_from"] == ""  # 2 days after the last naming: too old


@pytest.mark.parametrize(
    ("apart_m", "status"),
    [(12.0, "ambiguous"), (19.0, "ambiguous"), (21.0, "matched"), (50.0, "matched")],
)
def test_two_tracks_about_as_near_make_an_ambiguous_match(reg, zones, apart_m, status):
    # Alpha (a registry frigate) and a merchant berthed side by side; the hull is at Alpha's
    # AIS position: a track less than 20 m farther cannot be told from it
    a = ais({273000001: [(0, 0, 0, 0.0)], 636000001: [(0, apart_m, 0, 0.0)]})
    rows = reg.frame.to_dict("records")
    rows[0]["mmsi"] = "273000001"  # alpha
    reg2 = registry(rows)
    sc = scenes(resolution_m=[10.0])
    m = match_detections(dets([at(0, 0)], [135.0]), a, reg2, scenes=sc, zones=zones)
    assert m["status"].iloc[0] == status and m["mmsi"].iloc[0] == 273000001  # nearest named
    assert (str(m["candidates"].iloc[0]) == "alpha") == (status == "ambiguous")
    s = derive_surveys(sc, m, zones, reg2, ais=a).set_index("port")
    assert "Alpha?" in s.loc["Testport/harbour", "present"].split("|")  # AIS-current: never named


@pytest.mark.parametrize(
    ("ais_length", "status"), [(np.nan, "matched"), (140.0, "matched"), (60.0, "dark")]
)
def test_ais_reported_length_of_a_non_registry_vessel_gates_its_matches(reg, ais_length, status):
    # a merchant ship, not in the registry, 50 m from a 135 m hull: the length its AIS
    # broadcasts (type 5 A+B) decides whether the hull can be it
    a = ais({636000009: [(0, 50, 0, 0.0)]})
    a["length_m"] = ais_length
    m = match_detections(dets([at(0, 0)], [135.0]), a, reg, scenes=scenes(resolution_m=[10.0]))
    assert m["status"].tolist() == [status]
