"""Single-vessel activity: gaps and loitering, with decoys either side of every threshold."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from navwatch.activity import ActivityParams, detect_activity
from navwatch.errors import ConfigError
from navwatch.geodesy import local_frame

T0 = pd.Timestamp("2024-12-01 00:00", tz="UTC")
PORT = (35.85, 34.90)  # lon, lat


def zones(radius_km: float = 3.0) -> gpd.GeoDataFrame:
    f = local_frame(*PORT)
    x, y = f.xy(np.array([PORT[0]]), np.array([PORT[1]]))
    circle = Point(float(x[0]), float(y[0])).buffer(radius_km, 64)
    xs, ys = np.asarray(circle.exterior.xy)
    lon, lat = f.lonlat(xs, ys)
    from shapely.geometry import Polygon

    return gpd.GeoDataFrame(
        {"port": ["Tartus"]}, geometry=[Polygon(zip(lon, lat, strict=True))], crs=4326
    )


def at_km(east_km: float, north_km: float = 0.0) -> tuple[float, float]:
    """(lon, lat) this far from the port's centre."""
    f = local_frame(*PORT)
    x0, y0 = f.xy(np.array([PORT[0]]), np.array([PORT[1]]))
    lon, lat = f.lonlat(x0 + east_km, y0 + north_km)
    return float(lon[0]), float(lat[0])


def track(mmsi: int, times, lon, lat) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame(
        {
            "time": pd.DatetimeIndex(times),
            "lat": np.broadcast_to(np.asarray(lat, float), n),
            "lon": np.broadcast_to(np.asarray(lon, float), n),
            "kind": "ais",
            "mmsi": pd.array([mmsi] * n, dtype="Int64"),
            "src_file": "t.csv",
            "src_line": pd.array(np.arange(1, n + 1), dtype="Int32"),
        }
    )


def fixes_every(minutes: float, start, hours: float):
    n = int(round(hours * 60 / minutes)) + 1
    return start + pd.to_timedelta(np.arange(n) * minutes, unit="min")


def silence_track(mmsi: int, silence_h: float, *, where_km: float = 200.0, dense: bool = True):
    """Fixes every 5 min (or every 2 h) for 12 h, a silence, then 2 h of fixes."""
    lon, lat = at_km(where_km)
    before = fixes_every(5 if dense else 120, T0, 12)
    after = fixes_every(5, before[-1] + pd.Timedelta(hours=silence_h), 2)
    return track(mmsi, before.append(after), lon, lat)


def gaps(obs, **params):
    ev = detect_activity(obs, zones(), types=["gap"], params=ActivityParams(**params))
    return ev


@pytest.mark.parametrize(
    ("silence_h", "expected"), [(5.0, 0), (5.9, 0), (6.0, 1), (6.5, 1), (30.0, 1)]
)
def test_gap_threshold(silence_h, expected):
    ev = gaps(silence_track(273000001, silence_h))
    assert len(ev) == expected
    if expected:
        row = ev.iloc[0]
        assert row["start"] == T0 + pd.Timedelta(hours=12)
        assert row["duration_h"] == pytest.approx(silence_h)
        assert row["event_type"] == "gap" and row["vessel_id"] == "mmsi:273000001"
        assert "off t.csv:" in row["evidence"] and "on t.csv:" in row["evidence"]


@pytest.mark.parametrize(
    ("silence_h", "where_nm", "dense", "intentional"),
    [
        (13, 55, True, True),
        (11.5, 55, True, False),  # under 12 h
        (13, 45, True, False),  # starts within 50 nm of a port
        (13, 55, False, False),  # 7 positions in the 12 h before (< 14)
    ],
)
def test_gap_likely_intentional(silence_h, where_nm, dense, intentional):
    ev = gaps(silence_track(273000002, silence_h, where_km=where_nm * 1.852 + 3, dense=dense))
    assert len(ev) == 1
    assert bool(ev["likely_intentional"].iloc[0]) is intentional
    assert ev["positions_before"].iloc[0] == (145 if dense else 7)


def test_gap_fields_and_late_positions_shorten_it():
    obs = silence_track(273000003, 10)
    ev = gaps(obs)
    assert ev["distance_km"].iloc[0] == pytest.approx(0, abs=1e-6)
    assert ev["implied_speed_kn"].iloc[0] == pytest.approx(0, abs=1e-6)
    # a position delivered late, in the middle of the silence: two shorter silences
    lon, lat = at_km(200)
    late = track(273000003, [T0 + pd.Timedelta(hours=17)], lon, lat)
    ev2 = gaps(pd.concat([late, obs], ignore_index=True))
    assert len(ev2) == 0  # 5 h either side: no gap any more
    assert ev2.empty or ev2["event_id"].iloc[0] != ev["event_id"].iloc[0]


def loiter_track(mmsi: int, hours: float, speed_kn: float, east_km: float) -> pd.DataFrame:
    """Sailing north at ``speed_kn`` for ``hours``, fixes every 5 min, ``east_km`` from port."""
    t = fixes_every(5, T0, hours)
    step_km = speed_kn * 1.852 * 5 / 60
    lon0, _ = at_km(east_km)
    pts = [at_km(east_km, k * step_km) for k in range(len(t))]
    return track(mmsi, t, [p[0] for p in pts], [p[1] for p in pts])


@pytest.mark.parametrize(
    ("hours", "speed_kn", "east_km", "expected"),
    [
        (4.5, 0.5, 40, 1),
        (3.0, 0.5, 40, 0),  # too short
        (6.0, 2.5, 40, 0),  # too fast
        (10.0, 0.5, 1.0, 0),  # inside the port zone
        (10.0, 0.5, 8.0, 0),  # anchored 8 km out: within 10 km of the zone
        (10.0, 0.5, 14.0, 1),  # 14 km out (11 km from the zone's edge)
    ],
)
def test_loitering_thresholds(hours, speed_kn, east_km, expected):
    ev = detect_activity(
        loiter_track(273000004, hours, speed_kn, east_km), zones(), types=["loitering"]
    )
    assert len(ev) == expected
    if expected:
        assert ev["start"].iloc[0] == T0
        assert ev["duration_h"].iloc[0] == pytest.approx(hours)
        assert ev["median_speed_kn"].iloc[0] == pytest.approx(speed_kn, rel=0.05)
        assert ev["distance_from_port_km"].iloc[0] > 10


def test_fleet_anchored_offshore_is_several_loiterers():
    obs = pd.concat(
        [loiter_track(273000010 + k, 12, 0.2, 14 + k) for k in range(4)], ignore_index=True
    )
    ev = detect_activity(obs, zones(), types=["loitering"])
    assert sorted(ev["mmsi"].tolist()) == [273000010 + k for k in range(4)]


def test_unknown_type_and_bad_params():
    with pytest.raises(ConfigError, match="unknown activity type"):
        detect_activity(silence_track(1, 7), types=["rendezvous"])
    with pytest.raises(ConfigError):
        ActivityParams(gap_min_h=-1)
    with pytest.raises(ConfigError, match="unknown key"):
        ActivityParams.from_dict({"gap_hours": 6})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 40), min_size=1, max_size=12), st.floats(0.5, 12))
def test_gaps_are_exactly_the_long_silences(intervals_h, min_gap_h):
    """Property: every silence >= min_gap_h is one gap with the right bounds; none other."""
    t = T0 + pd.to_timedelta(np.cumsum([0.0, *intervals_h]), unit="h")
    lon, lat = at_km(300)
    obs = track(273000020, t.round("s"), lon, lat)
    ev = detect_activity(obs, zones(), types=["gap"], params=ActivityParams(gap_min_h=min_gap_h))
    times = obs["time"]
    long = [
        (a, b)
        for a, b in zip(times[:-1], times[1:], strict=True)
        if (b - a) >= pd.Timedelta(hours=min_gap_h)
    ]
    assert list(zip(ev["start"], ev["end"], strict=True)) == long


def noisy(obs: pd.DataFrame, metres: float, seed: int = 0) -> pd.DataFrame:
    """GPS error of ``metres`` (per axis, Gaussian) on every fix."""
    rng = np.random.default_rng(seed)
    out = obs.copy()
    out["lat"] = out["lat"] + rng.normal(0, metres / 111_320, len(out))
    out["lon"] = out["lon"] + rng.normal(
        0, metres / (111_320 * np.cos(np.radians(PORT[1]))), len(out)
    )
    return out


def drift(mmsi: int, hours: float, speed_kn: float, every_s: float, east_km: float = 60.0):
    t = T0 + pd.to_timedelta(np.arange(int(hours * 3600 / every_s) + 1) * every_s, unit="s")
    km = speed_kn * 1.852 * (t - T0).total_seconds() / 3600
    pts = [at_km(east_km, float(k)) for k in km]
    return track(mmsi, t, [p[0] for p in pts], [p[1] for p in pts])


@pytest.mark.parametrize(("speed_kn", "expected"), [(0.1, 1), (1.5, 1), (2.6, 0)])
def test_loitering_under_gps_noise_on_dense_fixes(speed_kn, expected):
    """30 m of GPS error between fixes 10 s apart reads as knots; over the speed window it does
    not: a 1.5 kn drift is loitering, 2.6 kn is not."""
    obs = noisy(drift(273000030, 6, speed_kn, 10), 30)
    ev = detect_activity(obs, zones(), types=["loitering"])
    assert len(ev) == expected
    if expected:
        assert abs((ev["start"].iloc[0] - T0).total_seconds()) < 15 * 60
        assert ev["duration_h"].iloc[0] == pytest.approx(6, abs=0.5)


def test_loitering_ignores_jumps_and_displaced_positions():
    obs = drift(273000031, 6, 0.2, 60)
    far = at_km(400)
    # a single-fix jump in the middle does not break the stretch
    jumped = obs.copy()
    jumped.loc[180, ["lon", "lat"]] = far
    ev = detect_activity(jumped, zones(), types=["loitering"])
    assert len(ev) == 1 and ev["duration_h"].iloc[0] == pytest.approx(6)
    # a ship sailing, whose AIS is then shown at one far point for 5 h and back: not loitering
    sail = loiter_track(273000032, 12, 12, 60)
    held = sail["time"].between(T0 + pd.Timedelta("3h"), T0 + pd.Timedelta("8h"))
    sail.loc[held, "lon"], sail.loc[held, "lat"] = far
    assert detect_activity(sail, zones(), types=["loitering"]).empty
