"""navwatch.geodesy: known distances, the distance model against pyproj.Geod, local frames and
buffers (a zone drawn at high latitude measured back with pyproj.Geod)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from navwatch import geodesy
from navwatch.geodesy import KM_PER_NM, NS_PER_H, NS_PER_S, buffer_km, distance_km, local_frame

GEOD = Geod(ellps="WGS84")


def test_units():
    assert KM_PER_NM == 1.852 and geodesy.M_PER_NM == 1852.0
    assert geodesy.M_PER_S_PER_KN == pytest.approx(0.514444, abs=1e-6)
    assert NS_PER_H == 3600 * NS_PER_S == 3_600_000_000_000
    assert geodesy.EARTH_RADIUS_KM == 6371.0088


def test_one_degree_of_latitude():
    # the meridian degree grows from 110.574 km at the equator to 111.694 km at the poles
    assert float(distance_km(0.0, 0.0, 1.0, 0.0)) == pytest.approx(geodesy.KM_PER_DEG_LAT, abs=1e-3)
    assert float(distance_km(89.0, 0.0, 90.0, 0.0)) == pytest.approx(111.694, abs=2e-3)
    # one degree of longitude on the equator
    assert float(distance_km(0.0, 0.0, 0.0, 1.0)) == pytest.approx(
        geodesy.KM_PER_DEG_LON_EQUATOR, abs=1e-3
    )


def test_one_nautical_mile_is_a_minute_of_arc_at_mid_latitude():
    # the nautical mile was defined as one minute of latitude at about 45 deg
    d = float(distance_km(44.5 - 1 / 120, 10.0, 44.5 + 1 / 120, 10.0))
    assert d == pytest.approx(KM_PER_NM, rel=1e-3)


# (moved here from tests/test_dispersal.py, tightened from 0.5 % to 0.05 %)
@pytest.mark.parametrize("lat0", [-75.0, -60.0, -20.0, 0.0, 34.9, 55.0, 70.0, 78.0, 85.0])
def test_distance_within_0_05_percent_of_geod(lat0):
    rng = np.random.default_rng(int(lat0) + 500)
    n = 300
    lon0 = rng.uniform(-180, 180, n)
    az = rng.uniform(0, 360, n)
    dist_m = rng.choice([10.0, 50.0, 2_000.0, 9_500.0, 100_000.0, 1_000_000.0, 3_000_000.0], n)
    lon1, lat1, _ = GEOD.fwd(lon0, np.full(n, lat0), az, dist_m)
    got = distance_km(np.full(n, lat0), lon0, lat1, lon1)
    assert np.max(np.abs(got / (dist_m / 1000) - 1)) < 5e-4


def test_distance_vectorised_nan_and_antimeridian():
    d = distance_km([0.0, np.nan], [179.9, 0.0], [0.0, 1.0], [-179.9, 0.0])
    assert d.shape == (2,)
    assert d[0] == pytest.approx(GEOD.inv(179.9, 0.0, -179.9, 0.0)[2] / 1000, rel=1e-6)
    assert np.isnan(d[1])
    assert float(distance_km(12.3, 45.6, 12.3, 45.6)) == 0.0


def test_compatibility_names():
    import navwatch.detect.zoneindex as zi_mod
    import navwatch.dispersal as disp
    import navwatch.zones as zones

    assert zones.haversine_km is distance_km
    assert disp.distance_km is distance_km
    assert zi_mod.haversine_km is distance_km
    assert zones.EARTH_RADIUS_KM == zi_mod.EARTH_RADIUS_KM == geodesy.EARTH_RADIUS_KM


@pytest.mark.parametrize(
    ("lon", "lat"), [(33.4, 34.9), (33.1, 69.07), (-20.0, -70.0), (15.0, 78.5)]
)
def test_local_frame_distances_from_the_centre_are_geodesic(lon, lat):
    f = local_frame(lon, lat)
    az = np.arange(0, 360, 15.0)
    plon, plat, _ = GEOD.fwd(
        np.full(az.size, lon), np.full(az.size, lat), az, np.full(az.size, 25_000.0)
    )
    x, y = f.xy(plon, plat)
    assert np.hypot(x, y) == pytest.approx(25.0, rel=1e-9)
    back = f.lonlat(x, y)
    assert np.allclose(back[0], plon, atol=1e-9) and np.allclose(back[1], plat, atol=1e-9)
    assert local_frame(lon, lat) is f  # cached


@pytest.mark.parametrize("lat", [69.07, 78.5, -72.0])
def test_buffer_radius_at_high_latitude_measured_with_geod(lat):
    lon = 33.1
    zone = buffer_km(shapely.Point(lon, lat), 5.0)
    ring = np.asarray(zone.exterior.coords)
    d_km = (
        GEOD.inv(np.full(len(ring), lon), np.full(len(ring), lat), ring[:, 0], ring[:, 1])[2] / 1000
    )
    assert np.abs(d_km / 5.0 - 1).max() < 0.01
    assert (
        np.abs(d_km / 5.0 - 1).max() < 1e-6
    )  # in fact exact: AEQD keeps distances from the centre


def test_zone_exit_margin_at_high_latitude_measured_with_geod():
    import geopandas as gpd

    from navwatch.ports import circle
    from navwatch.zones import ZoneIndex

    lon, lat = 33.1, 69.07
    zones = gpd.GeoDataFrame({"port": ["Severomorsk"]}, geometry=[circle(lon, lat, 3.0)], crs=4326)
    zi = ZoneIndex(zones, exit_margin_km=2.0)
    ring = np.asarray(zi.exit_polygon(0).exterior.coords)
    d_km = (
        GEOD.inv(np.full(len(ring), lon), np.full(len(ring), lat), ring[:, 0], ring[:, 1])[2] / 1000
    )
    # 3 km circle (64-gon, edges sag ~3.6 m) grown by 2 km: every vertex ~5 km from the centre
    assert np.abs(d_km / 5.0 - 1).max() < 0.01
    # boundary distance of the centre: the circle's radius less the 64-gon's sag (3.6 m)
    sag = 3.0 * (1 - np.cos(np.pi / 64))
    assert zi.boundary_distance_km(0, lon, lat) == pytest.approx(3.0 - sag, abs=1e-3)


def test_buffer_across_the_antimeridian_is_split():
    b = buffer_km(shapely.Point(179.99, -16.5), 3.0)
    assert b.geom_type == "MultiPolygon"
    assert b.contains(shapely.Point(-179.99, -16.5)) and b.contains(shapely.Point(179.97, -16.5))
    assert not b.contains(shapely.Point(0.0, -16.5))


def test_buffer_errors():
    with pytest.raises(TypeError):
        buffer_km((1.0, 2.0), 1.0)
    with pytest.raises(ValueError):
        buffer_km(shapely.Point(1, 2), float("nan"))
    assert buffer_km(shapely.Point(), 1.0).is_empty


def test_zone_split_at_the_antimeridian_has_no_seam_boundary():
    import geopandas as gpd

    from navwatch.zones import ZoneIndex

    west, east = shapely.box(179.9, -40.2, 180.0, -39.8), shapely.box(-180.0, -40.2, -179.9, -39.8)
    zones = gpd.GeoDataFrame(
        {"port": ["Seam"]}, geometry=[shapely.MultiPolygon([west, east])], crs=4326
    )
    zi = ZoneIndex(zones, exit_margin_km=1.0)
    # a point next to the seam is ~8.5 km from the zone's real (east or west) edge, not 0
    want = GEOD.inv(179.999, -40.0, 179.9, -40.0)[2] / 1000
    assert zi.boundary_distance_km(0, 179.999, -40.0) == pytest.approx(want, rel=1e-3)
    # the exit polygon covers both sides of the seam and nothing far away
    assert zi.in_exit(
        0, np.array([179.895, -179.895, 179.999, 0.0]), np.array([-40.0, -40.0, -40.0, -40.0])
    ).tolist() == [True, True, True, False]
