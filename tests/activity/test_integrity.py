"""Integrity detectors (issue 13): ``spoofing`` and ``identity_change`` on synthetic tracks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from navwatch.activity import ActivityParams, detect_activity

T0 = pd.Timestamp("2024-12-02 00:00", tz="UTC")
KM_PER_DEG = 111.2


def _obs(mmsi: int, minutes, lat, lon, **extra) -> pd.DataFrame:
    n = len(minutes)
    df = pd.DataFrame(
        {
            "time": T0 + pd.to_timedelta(np.asarray(minutes, dtype=float), unit="min"),
            "lat": np.asarray(lat, dtype=float),
            "lon": np.asarray(lon, dtype=float),
            "kind": "ais",
            "mmsi": pd.array([mmsi] * n, dtype="Int64"),
            "src_file": pd.Categorical([f"f{mmsi}.csv"] * n),
            "src_line": pd.array(np.arange(1, n + 1), dtype="Int32"),
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


def _cat(*frames: pd.DataFrame) -> pd.DataFrame:
    df = pd.concat(frames, ignore_index=True)
    for c in ("name", "callsign", "src_file"):
        if c in df.columns:
            df[c] = df[c].astype("category")
    return df


def _steady(mmsi: int, minutes: int = 120, lat0: float = 40.0, lon0: float = 20.0, kn=10.0):
    """A vessel steaming east at ``kn`` with one fix a minute."""
    m = np.arange(minutes)
    dlon = m * kn * 1.852 / 60 / (KM_PER_DEG * np.cos(np.radians(lat0)))
    return _obs(mmsi, m, np.full(minutes, lat0), lon0 + dlon)


def _spoof(obs: pd.DataFrame, params: ActivityParams | None = None) -> pd.DataFrame:
    return detect_activity(obs, types=["spoofing"], params=params)


def _clone(duration_min: float, seed: int = 1) -> pd.DataFrame:
    """One MMSI alternating between two places 200 km apart every 2-5 min, with a steady
    track before and after (at place A)."""
    rng = np.random.default_rng(seed)
    steps = np.cumsum(rng.uniform(2, 5, 200))
    steps = steps[steps <= duration_min]
    minutes = np.concatenate([np.arange(-60, 0, 1.0), steps, duration_min + np.arange(1, 60)])
    lat = np.full(len(minutes), 40.0)
    inside = np.arange(60, 60 + len(steps))
    lat[inside[::2]] = 40.0 + 200 / KM_PER_DEG  # every other fix at place B
    return _obs(273000001, minutes, lat, np.full(len(minutes), 20.0))


def test_clone_alternating_for_an_hour_is_two_places():
    ev = _spoof(_clone(60))
    assert ev["flags"].tolist() == ["two_places"]
    e = ev.iloc[0]
    assert e["vessel_id"] == "mmsi:273000001"
    assert 190 < e["distance_km"] < 210
    assert 0.8 <= e["duration_h"] <= 1.1 and e["mmsi"] == 273000001
    assert "f273000001.csv:" in e["evidence"]


def test_clone_alternating_for_20_min_is_nothing():
    assert len(_spoof(_clone(20))) == 0


def test_displaced_segment_of_six_fixes():
    obs = _steady(273000002)
    d_lat = 80 / KM_PER_DEG
    obs.loc[50:55, "lat"] += d_lat
    ev = _spoof(obs)
    assert ev["flags"].tolist() == ["displaced"]
    e = ev.iloc[0]
    assert e["start"] == T0 + pd.Timedelta("50min") and e["end"] == T0 + pd.Timedelta("55min")
    assert 75 < e["distance_km"] < 85
    assert abs(e["lat"] - (40.0 + d_lat)) < 0.01
    assert "6 fixes" in e["evidence"] and "out f273000002.csv:51" in e["evidence"]


def test_single_fix_jump_is_not_spoofing():
    obs = _steady(273000003)
    obs.loc[50, "lat"] += 80 / KM_PER_DEG
    assert len(_spoof(obs)) == 0


def test_plausible_fast_leg_is_not_spoofing():
    # 25 kn back to port, then a 3 h silence and a fix 120 km on (22 kn implied)
    obs = _steady(273000004, minutes=180, kn=25.0)
    late = obs.iloc[[-1]].copy()
    late["time"] += pd.Timedelta("3h")
    late["lon"] += 120 / (KM_PER_DEG * np.cos(np.radians(40.0)))
    assert len(_spoof(pd.concat([obs, late], ignore_index=True))) == 0


def _fleet(n: int) -> pd.DataFrame:
    """``n`` vessels a few km apart, all displaced to one point for 6 minutes."""
    frames = []
    for i in range(n):
        o = _steady(273100000 + i, lat0=40.0 + 0.03 * i)
        o.loc[60:65, ["lat", "lon"]] = [41.0, 21.0]
        frames.append(o)
    return pd.concat(frames, ignore_index=True)


def test_five_vessels_displaced_together_is_one_jamming_event():
    ev = _spoof(_fleet(5))
    assert ev["flags"].tolist() == ["jamming"]
    e = ev.iloc[0]
    assert e["vessels"].split(";") == [f"mmsi:{273100000 + i}" for i in range(5)]
    assert abs(e["lat"] - 40.06) < 0.05  # the vessels' area, not the spoofed point
    assert e["distance_km"] > 100
    assert e["start"] == T0 + pd.Timedelta("60min")


def test_two_vessels_displaced_together_are_displaced_events():
    ev = _spoof(_fleet(2))
    assert ev["flags"].tolist() == ["displaced", "displaced"]
    assert sorted(ev["vessel_id"]) == ["mmsi:273100000", "mmsi:273100001"]


def test_jamming_threshold_is_a_parameter():
    ev = _spoof(_fleet(2), ActivityParams(jamming_min_vessels=2))
    assert ev["flags"].tolist() == ["jamming"]


def test_displacements_far_apart_in_time_are_not_jamming():
    frames = []
    for i in range(3):
        o = _steady(273200000 + i, minutes=200, lat0=40.0 + 0.03 * i)
        o.loc[20 + 60 * i : 25 + 60 * i, ["lat", "lon"]] = [41.0, 21.0]
        frames.append(o)
    ev = _spoof(pd.concat(frames, ignore_index=True))
    assert ev["flags"].tolist() == ["displaced"] * 3


# identity


def _ident(col: str, values, mmsi: int = 273300000) -> pd.DataFrame:
    n = len(values)
    return _cat(
        _obs(
            mmsi, np.arange(n) * 60.0, np.full(n, 40.0), 20.0 + np.arange(n) * 0.1, **{col: values}
        )
    )


def _changes(obs: pd.DataFrame) -> pd.DataFrame:
    return detect_activity(obs, types=["identity_change"])


def test_name_change():
    ev = _changes(_ident("name", ["YELNYA", "YELNYA", None, "ELNYA", "ELNYA"]))
    assert ev[["field", "old_value", "new_value"]].values.tolist() == [["name", "YELNYA", "ELNYA"]]
    e = ev.iloc[0]
    assert e["start"] == T0 + pd.Timedelta("1h") and e["end"] == T0 + pd.Timedelta("3h")
    assert e["lon"] == 20.3 and e["mmsi"] == 273300000 and e["vessel_id"] == "mmsi:273300000"
    assert e["evidence"] == "old f273300000.csv:2; new f273300000.csv:4"


def test_name_case_and_space_only_change_is_nothing():
    assert len(_changes(_ident("name", ["YELNYA", "Yelnya", " yelnya  ", "YELNYA@@@"]))) == 0


def test_imo_change():
    ev = _changes(_ident("imo", pd.array([9000001, pd.NA, 9000001, 0, 9000002], dtype="Int64")))
    assert ev[["field", "old_value", "new_value"]].values.tolist() == [
        ["imo", "9000001", "9000002"]
    ]


def test_callsign_change():
    ev = _changes(_ident("callsign", ["UBCD", "ubcd", "UBXY"]))
    assert ev[["field", "old_value", "new_value"]].values.tolist() == [["callsign", "UBCD", "UBXY"]]


def test_back_and_forth_is_two_events():
    ev = _changes(_ident("name", ["ALPHA", "BRAVO", "BRAVO", "ALPHA"]))
    assert ev[["old_value", "new_value"]].values.tolist() == [
        ["ALPHA", "BRAVO"],
        ["BRAVO", "ALPHA"],
    ]


def test_changes_are_per_mmsi_and_static_rows_without_position_use_the_track():
    a = _ident("name", ["ALPHA", "ALPHA"], mmsi=273300001)
    b = _ident("name", ["BRAVO", "BRAVO"], mmsi=273300002)
    static = a.iloc[[1]].copy()
    static[["lat", "lon"]] = np.nan
    static["time"] = T0 + pd.Timedelta("90min")
    static["name"] = "CHARLIE"
    ev = _changes(_cat(a, b, static))
    assert ev[["vessel_id", "old_value", "new_value"]].values.tolist() == [
        ["mmsi:273300001", "ALPHA", "CHARLIE"]
    ]
    assert ev["lon"].iloc[0] == 20.1  # the last fix before the static message


def test_no_identity_columns_is_no_events():
    assert len(_changes(_steady(273300003))) == 0


# property: noise is never spoofing


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_vessels=st.integers(1, 6),
    kn=st.floats(0.0, 25.0),
    step_s=st.floats(1.0, 600.0),
)
def test_noise_only_tracks_give_no_spoofing(seed, n_vessels, kn, step_s):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_vessels):
        n = 100
        minutes = np.cumsum(rng.uniform(0.0, step_s, n)) / 60.0
        course = rng.uniform(0, 2 * np.pi)
        km = minutes / 60.0 * kn * 1.852
        noise = rng.uniform(-0.03, 0.03, (2, n)) / KM_PER_DEG  # <= 30 m a component
        lat = 40.0 + 0.05 * i + km * np.cos(course) / KM_PER_DEG + noise[0] / np.sqrt(2)
        lon = 20.0 + km * np.sin(course) / (KM_PER_DEG * np.cos(np.radians(40.0)))
        frames.append(_obs(273400000 + i, minutes, lat, lon + noise[1] / np.sqrt(2)))
    assert len(_spoof(pd.concat(frames, ignore_index=True))) == 0


def test_two_clone_periods_are_two_events_and_row_order_does_not_matter():
    first = _clone(60, seed=2)
    second = _clone(45, seed=3)
    second["time"] += pd.Timedelta("6h")
    obs = pd.concat([first, second], ignore_index=True)
    ev = _spoof(obs)
    assert ev["flags"].tolist() == ["two_places", "two_places"]
    shuffled = obs.sample(frac=1.0, random_state=0).reset_index(drop=True)
    again = _spoof(shuffled)
    assert again["event_id"].tolist() == ev["event_id"].tolist()


def test_vessels_far_apart_displaced_to_one_spot_is_jamming():
    # circle-spoofing style: three vessels 300 km apart all shown near one point
    frames = []
    for i in range(3):
        o = _steady(273500000 + i, lat0=36.0 + 3.0 * i)
        o.loc[60:64, ["lat", "lon"]] = [45.0 + 0.01 * i, 25.0]
        frames.append(o)
    ev = _spoof(pd.concat(frames, ignore_index=True))
    assert ev["flags"].tolist() == ["jamming"]
    assert len(ev["vessels"].iloc[0].split(";")) == 3


def test_clone_next_to_displaced_vessels_are_separate():
    ev = _spoof(pd.concat([_clone(60), _fleet(2)], ignore_index=True))
    assert sorted(ev["flags"]) == ["displaced", "displaced", "two_places"]


def test_several_vessels_alternating_together_are_one_jamming_event():
    frames = []
    for i in range(3):
        o = _clone(60, seed=10 + i)
        o["mmsi"] = pd.array([273600000 + i] * len(o), dtype="Int64")
        o["lat"] += 0.02 * i
        frames.append(o)
    ev = _spoof(pd.concat(frames, ignore_index=True))
    assert ev["flags"].tolist() == ["jamming"]
    assert ev["vessels"].iloc[0].count(";") == 2


def test_displaced_segment_after_a_single_fix_jump_and_an_earlier_one_is_found():
    # root cause 1: a single-fix jump, the real track, then two displaced stretches: the
    # stretch sharing the single jump's closing jump was dropped, and dropped the next in turn
    obs = _steady(273000010, minutes=300)
    obs.loc[20, "lat"] += 300 / KM_PER_DEG  # single-fix jump
    obs.loc[100:119, ["lat", "lon"]] = [38.0, 20.5]  # held at one point
    obs.loc[200:260, ["lat", "lon"]] = [37.5, 21.0]  # another point, 120 km from the first
    ev = _spoof(obs)
    assert ev["flags"].tolist() == ["displaced", "displaced"]
    assert ev["start"].tolist() == [T0 + pd.Timedelta("100min"), T0 + pd.Timedelta("200min")]
    assert ev["end"].tolist() == [T0 + pd.Timedelta("119min"), T0 + pd.Timedelta("260min")]


def test_ring_jamming_ends_at_the_last_displaced_fix_and_later_jumps_stay_out():
    # root cause 2: jumps between the points of a ring are jumps too; pairing each jump with
    # the next put the real track after the event out of step (reported as displaced, or as
    # the jamming's end hours later)
    rng = np.random.default_rng(3)
    frames = []
    for i in range(4):
        o = _steady(273200000 + i, minutes=600, lat0=40.0 + 0.03 * i)
        ang = rng.uniform(0, 2 * np.pi, 91)
        o.loc[60:150, "lat"] = 41.0 + 6 / KM_PER_DEG * np.sin(ang)
        o.loc[60:150, "lon"] = 21.0 + 6 / (KM_PER_DEG * np.cos(np.radians(41))) * np.cos(ang)
        o.loc[300 + 60 * i, "lat"] += 200 / KM_PER_DEG  # single-fix jumps, an hour apart
        frames.append(o)
    ev = _spoof(pd.concat(frames, ignore_index=True))
    assert ev["flags"].tolist() == ["jamming"]
    e = ev.iloc[0]
    assert len(e["vessels"].split(";")) == 4
    assert e["start"] == T0 + pd.Timedelta("60min") and e["end"] == T0 + pd.Timedelta("150min")


def test_displaced_segment_across_the_antimeridian_is_placed_there():
    # root cause 3: the stretch's position was a plain mean of longitudes (0 deg across 180)
    obs = _steady(273000011, lon0=179.5, minutes=120)
    obs["lon"] = (obs["lon"] + 180) % 360 - 180
    obs.loc[50:55, ["lat", "lon"]] = [[40.6, 179.99], [40.6, -179.99]] * 3
    ev = _spoof(obs)
    assert ev["flags"].tolist() == ["displaced"]
    assert abs(abs(ev["lon"].iloc[0]) - 180) < 0.05 and ev["distance_km"].iloc[0] < 100


def _sparse_and_clone(duration_min: float, every_min: float = 13.0, first: float = -0.5):
    """A vessel at a berth reporting every ``every_min`` minutes (one report at minute
    ``first``), and from minute 0 for ``duration_min`` a clone 380 km away steaming at 12 kn
    with a fix every 40 s (its stretches between the berth's fixes may last longer than the
    conflict interval)."""
    berth = first + every_min * np.arange(-10, (duration_min + 120) // every_min)
    clone = np.arange(0, duration_min, 40 / 60)
    km = clone * 12 * 1.852 / 60
    minutes = np.concatenate([berth, clone])
    lat = np.concatenate([np.full(len(berth), 58.5), 55.0 + km / KM_PER_DEG])
    lon = np.concatenate([np.full(len(berth), -6.0), np.full(len(clone), -1.5)])
    return _obs(273000001, minutes, lat, lon)


def test_clone_next_to_a_rarely_reporting_vessel_is_one_two_places_event():
    # root cause: every clone stretch between two berth fixes lasted more than
    # spoof_max_interval_min, breaking the run: each stretch was one ``displaced`` event
    ev = _spoof(_sparse_and_clone(180))
    assert ev["flags"].tolist() == ["two_places"]
    e = ev.iloc[0]
    assert 2.7 <= e["duration_h"] <= 3.0
    assert abs(e["start"] - T0) < pd.Timedelta(minutes=1)


def test_short_clone_next_to_a_rarely_reporting_vessel_is_nothing():
    # root cause: the run's duration was taken from the berth fixes bracketing it, up to one
    # report interval either side of the clone: this 20 min clone lasted 40 min
    assert len(_spoof(_sparse_and_clone(20.5, every_min=9.95, first=-9.9))) == 0


def test_single_fix_glitches_of_nearby_vessels_at_once_are_not_jamming():
    # root cause: coincident single-fix jumps of vessels within jamming_max_distance_km of
    # each other clustered by their true positions, although sent to scattered places
    frames = []
    for i, (dlat, dlon) in enumerate([(2.0, -5.0), (1.0, 8.0), (-5.0, 3.0), (-1.5, -9.0)]):
        o = _steady(273000010 + i, lat0=58.5 + 0.2 * i, lon0=-2.0 + 0.3 * i)
        o.loc[60 + i, "lat"] += dlat
        o.loc[60 + i, "lon"] += dlon
        frames.append(o)
    assert len(_spoof(_cat(*frames))) == 0


# single-fix glitches next to or inside displaced stretches (dense bench, seeds 303 and 1)


def _moved(obs: pd.DataFrame, rows, km_north: float, km_east: float) -> None:
    """Move fixes ``rows`` (labels) of ``obs`` by the given offsets, in place."""
    obs.loc[rows, "lat"] += km_north / KM_PER_DEG
    obs.loc[rows, "lon"] += km_east / (KM_PER_DEG * np.cos(np.radians(40.0)))


def _long_stretch_with_glitch(mmsi: int = 273000020) -> pd.DataFrame:
    """A vessel at 10 kn, one fix a minute for 12 h, displaced 100 km north from minute 60 to
    359 (5 h: the displaced place is within 30 kn reach of the last true fix by then), with a
    single-fix glitch 370 km further at minute 280."""
    obs = _steady(mmsi, minutes=720)
    obs.loc[60:359, "lat"] = 40.0 + 100 / KM_PER_DEG
    obs.loc[280, "lat"] += 370 / KM_PER_DEG
    return obs


def test_glitch_inside_a_long_displaced_stretch_does_not_end_it():
    # root cause: the glitch's jump back lands on the displaced place, which after hours is
    # within 30 kn of the fix before the stretch: it was taken for the return, and the real
    # return was paired with the next displacement's jump out, reporting the true track
    # between them (minutes 360-599) as displaced and missing the second stretch
    obs = _long_stretch_with_glitch()
    _moved(obs, slice(600, 659), 0.0, 90.0)
    ev = _spoof(obs)
    assert ev["flags"].tolist() == ["displaced", "displaced"]
    assert ev["start"].tolist() == [T0 + pd.Timedelta("60min"), T0 + pd.Timedelta("600min")]
    assert ev["end"].tolist() == [T0 + pd.Timedelta("359min"), T0 + pd.Timedelta("659min")]
    assert "300 fixes" in ev["evidence"].iloc[0]


def test_vessel_displaced_with_a_glitch_earlier_is_counted_in_a_later_jamming_area():
    # the same pairing error took the vessel's displacement out of the jamming area it was
    # part of: two vessels left, reported one by one, and the true track as displaced
    frames = [_long_stretch_with_glitch()]
    for i in range(1, 3):
        frames.append(_steady(273000020 + i, minutes=720, lat0=40.0 + 0.03 * i))
    for o in frames:
        o.loc[600:620, ["lat", "lon"]] = [41.0, 21.0]
    ev = _spoof(pd.concat(frames, ignore_index=True))
    assert ev["flags"].tolist() == ["displaced", "jamming"]
    assert ev["end"].iloc[0] == T0 + pd.Timedelta("359min")
    assert ev["vessels"].iloc[1].split(";") == [f"mmsi:{273000020 + i}" for i in range(3)]


def _glitch_then_stretch(
    mmsi: int = 273000030, glitch_km: float = 300.0, stretch_km: float = 80.0, every: int = 1
) -> pd.DataFrame:
    """A vessel at 10 kn with a fix every ``every`` minutes, displaced ``stretch_km`` north
    for six fixes (from minute ``50 * every``), with one fix ``glitch_km`` south just
    before."""
    obs = _steady(mmsi, minutes=120 * every).iloc[::every].reset_index(drop=True)
    _moved(obs, slice(50, 55), stretch_km, 0.0)
    _moved(obs, 49, -glitch_km, 0.0)
    return obs


@pytest.mark.parametrize("every", [1, 10])
def test_displaced_stretch_right_after_a_glitch_is_found_without_it(every):
    # root cause: the glitch took the place of the jump out. A fix every 10 minutes (bench
    # seed 1): the jump back (80 km) was less than half of the jump "out" (300 km, to the
    # glitch), so the stretch was not found; a fix a minute: the jumps to the glitch, to the
    # stretch and back chained as a "two places" run, too short to report. The glitch's
    # neighbours are on either side of the displacement, so they do not agree as plausible,
    # but they are much nearer each other than either is to the glitch
    ev = _spoof(_glitch_then_stretch(every=every))
    assert ev["flags"].tolist() == ["displaced"]
    e = ev.iloc[0]
    assert e["start"] == T0 + pd.Timedelta(minutes=50 * every)
    assert e["end"] == T0 + pd.Timedelta(minutes=55 * every)
    assert "6 fixes" in e["evidence"] and 75 < e["distance_km"] < 85


def test_glitch_right_after_the_jump_back_is_not_part_of_the_stretch():
    # the same at the other end (before: the jumps chained as a short "two places" run)
    obs = _steady(273000031)
    _moved(obs, slice(50, 55), 80.0, 0.0)
    _moved(obs, 56, -300.0, 0.0)
    ev = _spoof(obs)
    assert ev["flags"].tolist() == ["displaced"]
    assert ev["end"].iloc[0] == T0 + pd.Timedelta("55min")
    assert "6 fixes" in ev["evidence"].iloc[0]


def test_fix_between_two_far_places_belongs_to_the_stretch_not_a_glitch():
    # decoy: a fix 40 km south then a stretch 30 km north: its neighbours are 30 km apart,
    # more than half of either jump (40, 70 km): it starts the stretch
    ev = _spoof(_glitch_then_stretch(glitch_km=40.0, stretch_km=30.0))
    assert ev["flags"].tolist() == ["displaced"]
    assert ev["start"].iloc[0] == T0 + pd.Timedelta("49min")
    assert "7 fixes" in ev["evidence"].iloc[0]


def test_jamming_with_a_glitch_before_one_vessels_jump_out_names_every_vessel():
    # seed 1 of the default bench: a vessel reporting every 10 minutes, shown on a ring 8 km
    # round the jamming spot, had a glitch just before its jump out; its ring stretch was
    # found only as pieces between ring points (some ring steps are too short to be jumps),
    # and the pieces too late to chain with the other vessels' start were reported as its
    # own displacements
    ring = _steady(273000040, minutes=1200).iloc[::10].reset_index(drop=True)
    ang = np.radians(np.tile([0.0, 150.0, 180.0, 330.0], 4)[:13])  # rows 60-72: 600-720 min
    ring.loc[60:72, "lat"] = 42.0 + 8 * np.cos(ang) / KM_PER_DEG
    ring.loc[60:72, "lon"] = 21.0 + 8 * np.sin(ang) / (KM_PER_DEG * np.cos(np.radians(42.0)))
    _moved(ring, 59, -600.0, 0.0)  # the glitch, 10 minutes before
    frames = [ring]
    for i in range(1, 3):
        o = _steady(273000040 + i, minutes=1200, lat0=40.0 + 0.03 * i)
        o.loc[600:720, ["lat", "lon"]] = [42.0, 21.0 + 0.01 * i]
        frames.append(o)
    ev = _spoof(pd.concat(frames, ignore_index=True))
    assert ev["flags"].tolist() == ["jamming"]
    e = ev.iloc[0]
    assert e["vessels"].split(";") == [f"mmsi:{273000040 + i}" for i in range(3)]
    assert e["start"] == T0 + pd.Timedelta("600min") and e["end"] == T0 + pd.Timedelta("720min")
