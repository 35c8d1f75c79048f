"""Two-vessel activity detectors (issue 13): encounters, underway replenishment, grid search."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from navwatch.activity import ActivityParams, detect_activity
from navwatch.activity.pairs import neighbour_pairs
from navwatch.geodesy import distance_km
from navwatch.registry import COLUMNS as REGISTRY_COLUMNS
from navwatch.registry import Registry

T0 = pd.Timestamp("2024-12-09 00:00", tz="UTC")
KM_PER_DEG = 111.2  # of latitude, near enough for building tracks
KN = 1.852  # km/h per knot


def track(start_h, hours, lat0, lon0, *, speed_kn=0.3, course_deg=0.0, step_min=1.0, east_m=0.0):
    """Fixes of a ship on a straight course from (lat0, lon0 + east_m) starting at
    ``start_h`` hours after T0."""
    n = int(round(hours * 60 / step_min)) + 1
    t_h = start_h + np.arange(n) * step_min / 60.0
    dist = (t_h - start_h) * speed_kn * KN
    c = np.radians(course_deg)
    lat = lat0 + dist * np.cos(c) / KM_PER_DEG
    coslat = np.cos(np.radians(lat))
    lon = lon0 + (dist * np.sin(c) + east_m / 1000.0) / (KM_PER_DEG * coslat)
    lon = (lon + 180.0) % 360.0 - 180.0
    return pd.DataFrame({"time": T0 + pd.to_timedelta(t_h, unit="h"), "lat": lat, "lon": lon})


def obs(*ships: tuple[int, pd.DataFrame]) -> pd.DataFrame:
    parts = [f.assign(mmsi=m) for m, f in ships]
    df = pd.concat(parts, ignore_index=True)
    df["mmsi"] = df["mmsi"].astype("Int64")
    df["kind"] = "ais"
    df["src_file"] = "synthetic.csv"
    df["src_line"] = np.arange(len(df)) + 2
    return df


def pair(dist_m, hours, *, lat0=34.0, lon0=33.0, start_h=0.0, **kw) -> pd.DataFrame:
    """Two ships side by side ``dist_m`` apart (east-west) for ``hours``."""
    a = track(start_h, hours, lat0, lon0, **kw)
    b = track(start_h, hours, lat0, lon0, east_m=dist_m, **kw)
    return obs((273000001, a), (273000002, b))


def encounters(o, zones=None, **kw):
    ev = detect_activity(o, zones, types=["encounter"], **kw)
    assert (ev["event_type"] == "encounter").all()
    return ev


def replenishments(o, registry=None):
    ev = detect_activity(o, registry=registry, types=["replenishment"])
    assert (ev["event_type"] == "replenishment").all()
    return ev


# ----------------------------------------------------------------------------------------------
# encounters


def test_encounter_found_with_start_end_and_fields():
    # approach, 3 h drifting 300 m apart, part
    a = track(0, 6, 34.0, 33.0)
    b = pd.concat(
        [
            track(0, 1.5, 34.0, 33.0, east_m=5000),
            track(1.5, 3, 34.0 + 1.5 * 0.3 * KN / KM_PER_DEG, 33.0, east_m=300),
            track(4.5, 1.5, 34.0 + 4.5 * 0.3 * KN / KM_PER_DEG, 33.0, east_m=5000),
        ],
        ignore_index=True,
    ).drop_duplicates("time", keep="last")
    ev = encounters(obs((273000002, a), (273000001, b)))
    assert len(ev) == 1
    e = ev.iloc[0]
    assert (e["vessel_id"], e["other_vessel_id"]) == ("mmsi:273000001", "mmsi:273000002")
    assert int(e["mmsi"]) == 273000001 and int(e["other_mmsi"]) == 273000002
    slot = pd.Timedelta("10min")
    assert abs(e["start"] - (T0 + pd.Timedelta("1.5h"))) <= slot
    assert abs(e["end"] - (T0 + pd.Timedelta("4.5h"))) <= slot
    assert 2.8 <= e["duration_h"] <= 3.01
    assert e["median_distance_m"] == pytest.approx(300, abs=10)
    assert e["median_speed_kn"] < 1.0
    assert 34.0 < e["lat"] < 34.1 and e["lon"] == pytest.approx(33.0016, abs=1e-3)
    assert "slots within range" in e["evidence"] and "synthetic.csv:" in e["evidence"]
    assert 0.5 <= e["confidence"] <= 1.0
    assert e["flags"] == "no_port_nearby"


def test_encounter_decoys_each_side_of_the_thresholds():
    assert len(encounters(pair(300, 3))) == 1
    assert len(encounters(pair(600, 3))) == 0  # too far apart
    assert len(encounters(pair(400, 2.5))) == 1
    assert len(encounters(pair(400, 1))) == 0  # too short


def test_encounter_needs_both_vessels_slow():
    # B circles A at 200 m, about 3 kn: close all the time, but not drifting
    a = track(0, 3, 34.0, 33.0)
    t_h = np.arange(181) / 60.0
    ang = 2 * np.pi * t_h * 3 * KN / (2 * np.pi * 0.2)  # 3 kn on a 200 m circle
    b = a.copy()
    b["lat"] = a["lat"] + 0.2 * np.cos(ang) / KM_PER_DEG
    b["lon"] = a["lon"] + 0.2 * np.sin(ang) / (KM_PER_DEG * np.cos(np.radians(34.0)))
    assert len(encounters(obs((273000001, a), (273000002, b)))) == 0
    held = a.assign(lat=a["lat"] + 0.2 / KM_PER_DEG)  # B holding station 200 m north instead
    assert len(encounters(obs((273000001, a), (273000002, held)))) == 1


def test_encounter_near_a_port_is_dropped():
    zones = gpd.GeoDataFrame({"port": ["P"]}, geometry=[box(33.0, 33.9, 33.05, 33.95)], crs=4326)
    # the pair 8 km north of the zone's edge; then the same 12 km north
    near = pair(300, 3, lat0=33.95 + 8 / KM_PER_DEG, lon0=33.02)
    far = pair(300, 3, lat0=33.95 + 12 / KM_PER_DEG, lon0=33.02, speed_kn=0.0)
    assert len(encounters(near, zones)) == 0
    ev = encounters(far, zones)
    assert len(ev) == 1 and ev["distance_from_port_km"][0] == pytest.approx(12, abs=0.3)
    assert ev["flags"][0] == ""


def test_same_pair_twice_is_one_merged_encounter():
    first = pair(300, 2.5, speed_kn=0.0)
    second = pair(300, 2.5, speed_kn=0.0, start_h=5.5)
    ev = encounters(pd.concat([first, second], ignore_index=True))
    assert len(ev) == 1
    assert ev["start"][0] == T0 and ev["end"][0] == T0 + pd.Timedelta("8h")
    # 5 h apart: two encounters
    third = pair(300, 2.5, speed_kn=0.0, start_h=7.5)
    assert len(encounters(pd.concat([first, third], ignore_index=True))) == 2


def test_encounter_after_a_jamming_ring_and_before_a_later_jump():
    # A is jammed 0.5 h onto a 4 km ring 100 km north (hops of 7 km between its points), then
    # meets B for 4 h; at 10 h one fix of A jumps 100 km east. The jump out at 10 h must not
    # be taken for the way back from the ring (reachable in 8.5 h at 30 kn): that would drop
    # A's track from the ring to 10 h, and the encounter with it.
    a = track(0, 12, 34.0, 33.0, speed_kn=0.0)
    ring = (a["time"] > T0 + pd.Timedelta("1h")) & (a["time"] <= T0 + pd.Timedelta("1.5h"))
    ang = np.radians(120.0 * np.arange(int(ring.sum())))
    a.loc[ring, "lat"] = 34.0 + (100.0 + 4.0 * np.cos(ang)) / KM_PER_DEG
    a.loc[ring, "lon"] = 33.0 + 4.0 * np.sin(ang) / (KM_PER_DEG * np.cos(np.radians(35.0)))
    jump = a["time"] == T0 + pd.Timedelta("10h")
    a.loc[jump, "lon"] += 100.0 / (KM_PER_DEG * np.cos(np.radians(34.0)))
    b = track(4, 4, 34.0, 33.0, speed_kn=0.0, east_m=300.0)
    ev = encounters(obs((273000001, a), (273000002, b)))
    assert len(ev) == 1
    assert ev["start"][0] == T0 + pd.Timedelta("4h") and ev["end"][0] == T0 + pd.Timedelta("8h")


def test_encounter_straddling_the_antimeridian():
    ev = encounters(pair(300, 3, lat0=-16.0, lon0=179.9985))
    assert len(ev) == 1
    assert ev["median_distance_m"][0] == pytest.approx(300, abs=10)
    assert abs(ev["lon"][0]) > 179.99


def test_encounter_at_high_latitude():
    ev = encounters(pair(450, 3, lat0=70.0, lon0=20.0))
    assert len(ev) == 1 and ev["median_distance_m"][0] == pytest.approx(450, abs=15)
    assert len(encounters(pair(550, 3, lat0=70.0, lon0=20.0))) == 0


def test_encounter_near_the_pole():
    assert len(encounters(pair(300, 3, lat0=89.99, lon0=20.0, speed_kn=0.0))) == 1


# ----------------------------------------------------------------------------------------------
# replenishment


def test_replenishment_found_and_decoys():
    ev = replenishments(pair(150, 1, speed_kn=12, course_deg=0.0))
    assert len(ev) == 1
    e = ev.iloc[0]
    assert e["median_speed_kn"] == pytest.approx(12, abs=0.3)
    assert e["median_distance_m"] == pytest.approx(150, abs=5)
    assert 0.9 <= e["duration_h"] <= 1.0
    assert e["flags"] == ""
    assert len(replenishments(pair(600, 1, speed_kn=12))) == 0  # too far apart
    assert len(replenishments(pair(150, 20 / 60, speed_kn=12))) == 0  # too short
    assert len(replenishments(pair(150, 1, speed_kn=17))) == 0  # too fast
    assert len(replenishments(pair(150, 1, speed_kn=5))) == 0  # too slow
    assert len(replenishments(pair(150, 35 / 60, speed_kn=12))) == 1  # just long enough


def test_replenishment_on_a_common_course_only():
    # crossing at right angles, passing within 150 m
    a = track(0, 1, 34.0, 33.0, speed_kn=12, course_deg=0.0)
    mid = 34.0 + 0.5 * 12 * KN / KM_PER_DEG
    lon0 = 33.0 - 0.5 * 12 * KN / (KM_PER_DEG * np.cos(np.radians(mid)))
    b = track(0, 1, mid, lon0, speed_kn=12, course_deg=90.0, east_m=150)
    assert len(replenishments(obs((273000001, a), (273000002, b)))) == 0


@pytest.mark.parametrize(("weave_deg", "found"), [(10.0, 1), (30.0, 0)])
def test_replenishment_course_threshold(weave_deg, found):
    # B keeps alongside A but weaves +-weave_deg about the common course every 30 s, read
    # segment by segment (speed_baseline_min=0): the course threshold itself
    o = _weave(weave_deg)
    seg = ActivityParams(speed_baseline_min=0.0)
    assert len(detect_activity(o, types=["replenishment"], params=seg)) == found
    wide = ActivityParams(replenishment_max_course_diff_deg=40.0, speed_baseline_min=0.0)
    assert len(detect_activity(o, types=["replenishment"], params=wide)) == 1


def test_replenishment_run_broken_by_one_slot_over_the_distance():
    # B's fix at 20 min reads 260 m off (GPS error on a sparse track): the 5-minute slot on it
    # is over 200 m, the runs either side 15 min each; one failing slot does not part them
    def off(o, *minutes):
        o = o.copy()
        for m in minutes:
            at = (o["mmsi"] == 273000002) & (
                (o["time"] - (T0 + pd.Timedelta(minutes=m))).abs() < pd.Timedelta("1s")
            )
            o.loc[at, "lon"] += 0.11 / (KM_PER_DEG * np.cos(np.radians(o.loc[at, "lat"])))
        return o

    o = pair(150, 40 / 60, speed_kn=12)
    ev = replenishments(off(o, 20))
    assert len(ev) == 1
    assert ev["end"][0] - ev["start"][0] == pd.Timedelta("40min")
    # two failing slots in a row part them (each part too short), as does no tolerance
    assert len(replenishments(off(o, 20, 25))) == 0
    none = ActivityParams(replenishment_tolerance_slots=0)
    assert len(detect_activity(off(o, 20), types=["replenishment"], params=none)) == 0


def test_replenishment_course_over_the_baseline():
    # the same 30 s zigzag moves B 50 m sideways and back: GPS error does as much. Over the
    # default 10-minute baseline its course is the common course.
    assert len(replenishments(_weave(30.0))) == 1


def _weave(weave_deg):
    n = 121
    a = track(0, 1, 34.0, 33.0, speed_kn=12, step_min=0.5)
    leg_km = 12 * KN / 120 / np.cos(np.radians(weave_deg))
    east = 0.05 + (np.arange(n) % 2) * leg_km * np.sin(np.radians(weave_deg))
    b = a.assign(lon=a["lon"] + east / (KM_PER_DEG * np.cos(np.radians(a["lat"]))))
    return obs((273000001, a), (273000002, b))


def test_replenishment_with_an_oiler_is_flagged():
    rows = [{c: "" for c in REGISTRY_COLUMNS} for _ in range(2)]
    rows[0].update(vessel_id="yelnya", name="Yelnya", type="oiler", mmsi="273000001")
    rows[1].update(vessel_id="golovko", name="Golovko", type="frigate", mmsi="273000002")
    reg = Registry(pd.DataFrame(rows, columns=REGISTRY_COLUMNS))
    ev = replenishments(pair(150, 1, speed_kn=12), registry=reg)
    assert len(ev) == 1
    assert (ev["vessel_id"][0], ev["other_vessel_id"][0]) == ("golovko", "yelnya")
    assert ev["flags"][0] == "oiler"
    rows[0]["type"] = "frigate"
    rows[0]["vessel_class"] = "Fleet Auxiliary"
    reg = Registry(pd.DataFrame(rows, columns=REGISTRY_COLUMNS))
    assert replenishments(pair(150, 1, speed_kn=12), registry=reg)["flags"][0] == "oiler"


def test_a_coarser_step_still_finds_one_hour():
    p = ActivityParams(resample_step_min=10.0, replenishment_min_duration_min=60.0)
    ev = detect_activity(pair(150, 1.5, speed_kn=12), types=["replenishment"], params=p)
    assert len(ev) == 1


# ----------------------------------------------------------------------------------------------
# the grid search


def brute(slot, lat, lon, max_km):
    out = set()
    for i in range(len(slot)):
        for j in range(i + 1, len(slot)):
            if slot[i] == slot[j] and distance_km(lat[i], lon[i], lat[j], lon[j]) <= max_km:
                out.add((i, j))
    return out


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(0, 40),
    seed=st.integers(0, 2**32 - 1),
    centre=st.sampled_from([(0.0, 0.0), (70.0, 20.0), (-16.0, 180.0), (89.995, 0.0), (-89.9, 90)]),
    max_km=st.sampled_from([0.05, 0.2, 0.5, 2.0]),
    spread_km=st.sampled_from([0.3, 1.0, 5.0]),
)
def test_grid_finds_exactly_the_brute_force_pairs(n, seed, centre, max_km, spread_km):
    rng = np.random.default_rng(seed)
    lat = np.clip(centre[0] + rng.normal(0, spread_km / KM_PER_DEG, n), -90, 90)
    coslat = max(np.cos(np.radians(centre[0])), 1e-3)
    lon = (centre[1] + rng.normal(0, spread_km / KM_PER_DEG / coslat, n) + 180) % 360 - 180
    slot = np.sort(rng.integers(0, 3, n))
    i, j, d = neighbour_pairs(slot, lat, lon, max_km)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == brute(slot, lat, lon, max_km)
    assert len(set(zip(i.tolist(), j.tolist(), strict=True))) == len(i)  # no duplicates
    assert np.all(d <= max_km)


def test_grid_empty_and_one():
    for n in (0, 1):
        i, j, d = neighbour_pairs(np.zeros(n, int), np.zeros(n), np.zeros(n), 0.5)
        assert len(i) == len(j) == len(d) == 0


# ----------------------------------------------------------------------------------------------
# GPS noise and displaced positions


def _noisy(f: pd.DataFrame, sigma_m: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(f)
    dlat = rng.normal(0, sigma_m, n) / 1000.0 / KM_PER_DEG
    dlon = rng.normal(0, sigma_m, n) / 1000.0 / (KM_PER_DEG * np.cos(np.radians(f["lat"])))
    return f.assign(lat=f["lat"] + dlat, lon=f["lon"] + dlon)


def _noisy_pair(dist_m, hours, speed_kn, seed=1, sigma_m=30.0):
    step = 10 / 60  # fixes every 10 s, sigma_m of GPS error each (per axis)
    a = _noisy(track(0, hours, 34.0, 33.0, speed_kn=speed_kn, step_min=step), sigma_m, seed)
    b = track(0, hours, 34.0, 33.0, speed_kn=speed_kn, step_min=step, east_m=dist_m)
    return obs((273000001, a), (273000002, _noisy(b, sigma_m, seed + 1)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gps_noise_on_10_s_fixes_keeps_a_slow_encounter(seed):
    # 30 m in 10 s reads as 6 kn segment by segment: speed is taken over 10 minutes
    assert len(encounters(_noisy_pair(300, 3, 1.5, seed))) == 1
    assert len(encounters(_noisy_pair(300, 3, 0.1, seed))) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gps_noise_does_not_make_a_2_5_kn_pair_an_encounter(seed):
    assert len(encounters(_noisy_pair(300, 3, 2.5, seed))) == 0


@pytest.mark.parametrize(("speed_kn", "found"), [(14.5, 1), (8.5, 1), (16.0, 0), (7.0, 0)])
def test_gps_noise_on_10_s_fixes_keeps_replenishment_bounds(speed_kn, found):
    # 15 m per axis: at 30 m the distance of a slot (150 +- 42 m) itself crosses 200 m and
    # breaks the run (distances are still instantaneous)
    ev = replenishments(_noisy_pair(150, 1, speed_kn, sigma_m=15.0))
    assert len(ev) == found
    if found:
        assert ev["duration_h"].iloc[0] >= 0.8


def test_jammed_vessels_at_one_point_are_no_encounter():
    # three ships 20 km apart at 10 kn; for 3 h their AIS all report one point 90 km away
    ships = []
    for k in range(3):
        f = track(0, 5, 34.0, 33.0 + 0.2 * k, speed_kn=10, step_min=1.0)
        jam = (f["time"] >= T0 + pd.Timedelta("1h")) & (f["time"] < T0 + pd.Timedelta("4h"))
        f.loc[jam, "lat"], f.loc[jam, "lon"] = 35.0, 33.2
        ships.append((273000001 + k, _noisy(f, 10, k)))
    assert len(encounters(obs(*ships))) == 0
