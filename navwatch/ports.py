"""Port zones: named polygons around ports, in nested tiers.

A *zone* is one row of a GeoDataFrame in EPSG:4326 (lon/lat) with the columns of
:data:`ZONE_COLUMNS`:

port : str
    Display name of the port (``"Tartus"``).
tier : str
    ``harbour`` (the default), ``anchorage``, ``operating_area``, ... Known tiers, innermost
    first, are listed in :data:`TIERS`; any other name is allowed and ranks outside them.
tier_rank : int
    0 for the innermost tier of a port, 1 for the next one out, and so on (the rule of
    :func:`tier_ranks`, which :class:`navwatch.zones.ZoneIndex` also applies to a table that has
    no ``tier_rank``; which rows are one port is :func:`port_keys`). Tiers *nest*: the zone
    of rank ``k`` is the union of its own geometry and every zone of the same port (same
    normalised name; same country too when the name is used in several countries) with a lower
    rank, so "inside the anchorage" includes "inside the harbour".
country, locode : str
    Country name (as the World Port Index spells it) and UN/LOCODE without the space
    (``SYTTS``); empty when unknown.
aliases : str
    Other names, ``|``-separated (``Tartous|Tartous naval base``).
radius_km : float
    Radius of a circular zone; NaN for a drawn polygon.
source : str
    Where the geometry came from (``NGA WPI #45003 (Small harbour, 3 km circle)``, a file name,
    or the citation of a bundled zone).
geometry : Polygon or MultiPolygon

Inputs accepted by :func:`load_ports` (the format is detected from the extension and content):

* anything geopandas reads (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet) with a
  ``name`` (or ``port``) property and optional ``tier``, ``aliases``, ``country``, ``locode``,
  ``source``; polygon features are used as drawn, point features become circles of their
  ``radius_km`` property (or the default radius);
* a CSV with ``name,lat,lon,radius_km`` and optional ``tier,aliases,country,locode,source``;
* the NGA World Port Index (Pub. 150) CSV exactly as published (``UpdatedPub150.csv``): each port
  becomes a circle whose radius follows its ``Harbor Size`` (:data:`WPI_RADIUS_KM`: Very Small
  2 km, Small 3 km, Medium 4 km, Large 5 km, blank 3 km) unless ``default_radius_km`` is given.

Circles
-------
:func:`circle` builds one circle exactly, in a local azimuthal-equidistant (AEQD) projection
centred on the point (distances from the centre of an AEQD projection are true geodesic
distances on the WGS84 ellipsoid). Readers build thousands of circles at once with
:func:`circles`, which is vectorised in numpy: each vertex is the centre offset by
``(east, north)`` km, converted to degrees with the ellipsoid's meridional and prime-vertical
radii of curvature evaluated at the *mid-latitude* of the offset (one fixed-point iteration).
Against ``pyproj.Geod`` the vertex distances are within 0.01 % of the radius for radii up to
50 km and latitudes within +-80 deg; beyond that (rare) :func:`circles` falls back to
``pyproj.Geod.fwd``. Circles are not split at the antimeridian.

Examples
--------
>>> zones = load_ports()
>>> list(find_port(zones, "tartous")["tier"])
['harbour', 'anchorage', 'operating_area']
>>> find_port(zones, "Tartus/anchorage")["tier_rank"].tolist()
[1]
>>> from pyproj import Geod
>>> ring = circle(35.874, 34.914, 5.0).exterior.coords
>>> round(Geod(ellps="WGS84").inv(35.874, 34.914, *ring[0])[2] / 1000, 6)
5.0
"""

from __future__ import annotations

import difflib
import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import geodesy
from .errors import PortsError
from .geodesy import WGS84 as _GEOD
from .geodesy import local_frame, meridional_radius_km, prime_vertical_radius_km

__all__ = [
    "DEFAULT_RADIUS_KM",
    "TIERS",
    "WPI_RADIUS_KM",
    "ZONE_COLUMNS",
    "buffer_km",
    "bundled_ports",
    "circle",
    "circles",
    "find_port",
    "load_ports",
    "normalise_name",
    "port_keys",
    "tier_ranks",
]

#: Columns of a zones table, in order.
ZONE_COLUMNS = (
    "port",
    "tier",
    "tier_rank",
    "country",
    "locode",
    "aliases",
    "radius_km",
    "source",
    "geometry",
)

#: Known tiers, innermost first. Other tier names rank outside these (ordered by area).
TIERS = ("berth", "harbour", "anchorage", "roadstead", "operating_area")
DEFAULT_TIER = "harbour"
_TIER_SYNONYMS = {
    "harbor": "harbour",
    "port": "harbour",
    "operating": "operating_area",
    "oparea": "operating_area",
}

#: Radius of a point zone with no radius of its own and no ``default_radius_km``.
DEFAULT_RADIUS_KM = 3.0

#: World Port Index ``Harbor Size`` -> circle radius (km). Blank (71 ports) -> 3 km.
WPI_RADIUS_KM = {"Very Small": 2.0, "Small": 3.0, "Medium": 4.0, "Large": 5.0, "": 3.0}

#: The WPI columns navwatch reads (the file has 107).
WPI_COLUMNS = {
    "number": "World Port Index Number",
    "name": "Main Port Name",
    "alt": "Alternate Port Name",
    "locode": "UN/LOCODE",
    "country": "Country Code",
    "size": "Harbor Size",
    "lat": "Latitude",
    "lon": "Longitude",
}

#: Vertices per circle.
CIRCLE_VERTICES = 64

#: Above this radius, or poleward of :data:`_LOCAL_MAX_LAT`, :func:`circles` uses pyproj.Geod.
_LOCAL_MAX_RADIUS_KM = 50.0
_LOCAL_MAX_LAT = 80.0

_VECTOR_SUFFIXES = {
    ".geojson",
    ".json",
    ".gpkg",
    ".shp",
    ".fgb",
    ".gml",
    ".kml",
    ".gpx",
    ".sqlite",
}
_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_MAX_LISTED_PROBLEMS = 10


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------


def normalise_name(text: Any) -> str:
    """Case-, accent-, spacing- and punctuation-insensitive key for a port name.

    Examples
    --------
    >>> normalise_name("Bur Sa'id") == normalise_name("bursaid")
    True
    >>> normalise_name("  Tartous  Naval-Base ")
    'tartousnavalbase'
    """
    s = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in s if ch.isalnum() and not unicodedata.combining(ch)).casefold()


def _norm_tier(text: Any) -> str:
    s = "" if _is_missing(text) else str(text).strip().lower()
    s = "_".join(s.replace("-", " ").replace("_", " ").split())
    if not s:
        return DEFAULT_TIER
    return _TIER_SYNONYMS.get(s, s)


def _clean_aliases(text: Any, sep: str = "|") -> str:
    if isinstance(text, (list, tuple, np.ndarray)):
        text = sep.join(str(t) for t in text if not _is_missing(t))
    if _is_missing(text):
        return ""
    seen: dict[str, None] = {}
    for part in str(text).split(sep):
        part = " ".join(part.split())
        if part and part not in seen:
            seen[part] = None
    return "|".join(seen)


def _clean_locode(text: Any) -> str:
    """``"SY TTS"`` -> ``"SYTTS"``; anything that is not a 2+3 code is kept as written."""
    if _is_missing(text):
        return ""
    raw = str(text).strip()
    compact = raw.replace(" ", "").upper()
    if len(compact) == 5 and compact[:2].isalpha() and compact[2:].isalnum():
        return compact
    return raw


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(values: Iterable[Any]) -> list[str]:
    return ["" if _is_missing(v) else " ".join(str(v).split()) for v in values]


# --------------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------------


def _check_point(lon: float, lat: float, radius_km: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise PortsError(f"centre ({lon}, {lat}) is not a lon/lat position in degrees")
    if not (math.isfinite(radius_km) and radius_km > 0):
        raise PortsError(f"radius_km must be a positive number, got {radius_km!r}")


def circle(lon: float, lat: float, radius_km: float, n: int = CIRCLE_VERTICES) -> shapely.Polygon:
    """A circle of ``radius_km`` around (lon, lat), as an ``n``-vertex lon/lat polygon.

    Built in a local azimuthal-equidistant projection centred on the point, so every vertex is
    ``radius_km`` from the centre along the WGS84 geodesic.

    Examples
    --------
    >>> c = circle(35.874, 34.914, 3.0)
    >>> len(c.exterior.coords), c.contains(shapely.Point(35.874, 34.914))
    (65, True)
    """
    lon, lat, radius_km = float(lon), float(lat), float(radius_km)
    _check_point(lon, lat, radius_km)
    if n < 3:
        raise PortsError(f"a circle needs n >= 3 vertices, got {n}")
    t = np.linspace(0.0, 2.0 * np.pi, int(n), endpoint=False)
    lons, lats = local_frame(lon, lat).lonlat(radius_km * np.cos(t), radius_km * np.sin(t))
    return shapely.Polygon(np.column_stack([lons, lats]))


def circles(
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    radius_km: Sequence[float] | np.ndarray | float,
    n: int = CIRCLE_VERTICES,
) -> np.ndarray:
    """Many circles at once (vectorised); returns a numpy array of shapely Polygons.

    Vertices are offsets of ``radius_km`` in ``n`` directions, converted from km to degrees with
    the local scale (meridional and prime-vertical radii of curvature of WGS84 at the
    mid-latitude of each offset). Accurate to < 0.01 % for radii <= 50 km below 80 deg latitude;
    larger circles and polar ones use ``pyproj.Geod.fwd`` instead. Inputs are not validated.

    Examples
    --------
    >>> polys = circles([35.874, 3.067], [34.914, 36.767], [3.0, 4.0])
    >>> [round(p.centroid.y, 3) for p in polys]
    [34.914, 36.767]
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    lon, lat, r = np.broadcast_arrays(lon, lat, np.asarray(radius_km, dtype="float64"))
    if lon.size == 0:
        return np.empty(0, dtype=object)
    t = np.linspace(0.0, 2.0 * np.pi, int(n), endpoint=False)  # counter-clockwise from east
    east = r[:, None] * np.cos(t)[None, :]
    north = r[:, None] * np.sin(t)[None, :]
    phi0 = np.radians(lat)[:, None]
    dphi = north / meridional_radius_km(phi0)
    for _ in range(2):  # fixed point: evaluate the scale at the mid-latitude of the offset
        dphi = north / meridional_radius_km(phi0 + dphi / 2)
    phim = phi0 + dphi / 2
    lats = np.degrees(phi0 + dphi)
    lons = lon[:, None] + np.degrees(east / (prime_vertical_radius_km(phim) * np.cos(phim)))

    exact = (r > _LOCAL_MAX_RADIUS_KM) | (np.abs(lat) > _LOCAL_MAX_LAT)
    if exact.any():
        k = int(exact.sum())
        az = np.broadcast_to(90.0 - np.degrees(t), (k, t.size))
        glon, glat, _ = _GEOD.fwd(
            np.repeat(lon[exact], t.size),
            np.repeat(lat[exact], t.size),
            az.ravel(),
            np.repeat(r[exact] * 1000.0, t.size),
        )
        lons[exact] = np.asarray(glon).reshape(k, t.size)
        lats[exact] = np.asarray(glat).reshape(k, t.size)

    coords = np.stack([lons, lats], axis=-1)
    coords = np.concatenate([coords, coords[:, :1, :]], axis=1)  # close the rings
    return shapely.polygons(coords)


def buffer_km(geom: Any, km: float, *, quad_segs: int = 16) -> Any:
    """Buffer a lon/lat geometry by ``km`` kilometres (negative shrinks it).

    :func:`navwatch.geodesy.buffer_km`: the geometry is buffered in an azimuthal-equidistant
    frame centred on its centroid, so distances are geodesic to well under 0.1 % for geometries
    up to a few hundred km across. A negative buffer may return an empty geometry.

    Raises
    ------
    PortsError
        ``geom`` is not a shapely geometry, or ``km`` is not finite.

    Examples
    --------
    >>> harbour = circle(35.874, 34.914, 3.0)
    >>> outer = buffer_km(harbour, 10.0)
    >>> outer.contains(harbour), buffer_km(harbour, -1.0).within(harbour)
    (True, True)
    """
    try:
        return geodesy.buffer_km(geom, km, quad_segs=quad_segs)
    except (TypeError, ValueError) as exc:
        raise PortsError(str(exc)) from exc


def _polygonal(geom: Any) -> Any:
    """The polygonal part of ``geom`` after repair, or None if there is none."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return None if geom.is_empty else geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    out = shapely.union_all(parts)
    return None if out.is_empty else out


# --------------------------------------------------------------------------------------------
# building the zones table
# --------------------------------------------------------------------------------------------


def _empty_zones() -> gpd.GeoDataFrame:
    return _zones_frame({c: [] for c in ZONE_COLUMNS if c != "tier_rank"})


def _zones_frame(cols: dict[str, Any]) -> gpd.GeoDataFrame:
    """Assemble a zones table (without computing ranks) from column lists."""
    data = {
        "port": _text(cols["port"]),
        "tier": [_norm_tier(t) for t in cols["tier"]],
        "tier_rank": np.zeros(len(cols["port"]), dtype="int64"),
        "country": _text(cols["country"]),
        "locode": [_clean_locode(v) for v in cols["locode"]],
        "aliases": [_clean_aliases(v) for v in cols["aliases"]],
        "radius_km": np.asarray(cols["radius_km"], dtype="float64"),
        "source": _text(cols["source"]),
    }
    frame = pd.DataFrame(data)
    for c in ("port", "tier", "country", "locode", "aliases", "source"):
        frame[c] = frame[c].astype(object)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(list(cols["geometry"]), crs="EPSG:4326"), crs="EPSG:4326"
    )


def port_keys(zones: pd.DataFrame) -> np.ndarray:
    """Which rows of a zones table are tiers of one port: a key per row (object array).

    One port is one normalised name (:func:`normalise_name`), unless rows of that name carry
    different non-empty countries (the WPI's "Alexandria" in the US and Egypt): then one port
    per (name, country). A table without a ``country`` column has one port per name.

    Examples
    --------
    >>> t = pd.DataFrame({"port": ["Tartus", "TARTUS", "Alexandria", "Alexandria"],
    ...                   "country": ["Syria", "", "Egypt", "United States"]})
    >>> port_keys(t).tolist()
    ['tartus', 'tartus', 'alexandria|egypt', 'alexandria|unitedstates']
    """
    names = pd.Series([normalise_name(p) for p in zones["port"]], dtype=object)
    if "country" not in zones.columns:
        return names.to_numpy(dtype=object)
    countries = pd.Series(
        [normalise_name(c) if not _is_missing(c) else "" for c in zones["country"]], dtype=object
    )
    named = countries != ""
    n_countries = countries[named].groupby(names[named]).nunique()
    split = names.isin(set(n_countries.index[n_countries > 1]))
    return names.where(~split, names + "|" + countries).to_numpy(dtype=object)


def tier_ranks(zones: pd.DataFrame, keys: Sequence[str] | np.ndarray | None = None) -> np.ndarray:
    """``tier_rank`` per row: the one rule for ranking the tiers of a port (int64 array).

    Within a port (rows of one :func:`port_keys` key, or of ``keys`` when given), the known
    :data:`TIERS` come first in their order (berth, harbour, anchorage, roadstead,
    operating_area); other tier names rank outside them, smaller total area first (in square
    degrees, which only compares zones of one port). Rank 0 is the innermost tier; rows of one
    tier share its rank; a port with one tier has rank 0. A missing ``tier`` is ``harbour``, and
    tier names are matched after the same normalisation as the readers' (``Harbor`` is a
    harbour).

    :func:`load_ports` stores these ranks in the ``tier_rank`` column; a table that has the
    column keeps its ranks, and :class:`navwatch.zones.ZoneIndex` (detection, dispersal and
    reports) computes them with this function for a table that has none.

    Examples
    --------
    >>> t = gpd.GeoDataFrame({"port": ["P", "P", "P"], "tier": ["anchorage", "patrol_box", "harbour"]},
    ...                      geometry=[circle(0, 0, 1.0), circle(0, 0, 2.0), circle(0, 0, 3.0)])
    >>> tier_ranks(t).tolist()
    [1, 2, 0]
    """
    n = len(zones)
    if n == 0:
        return np.zeros(0, dtype="int64")
    keys = port_keys(zones) if keys is None else np.asarray(keys, dtype=object)
    tier_col = zones["tier"] if "tier" in zones.columns else [DEFAULT_TIER] * n
    rows = pd.DataFrame(
        {
            "key": keys,
            "tier": [_norm_tier(t) for t in tier_col],
            "area": shapely.area(np.asarray(zones.geometry.values, dtype=object)),
        }
    )
    known = {t: i for i, t in enumerate(TIERS)}
    per_tier = rows.groupby(["key", "tier"], sort=False)["area"].sum().reset_index()
    per_tier["known"] = per_tier["tier"].map(known).fillna(len(TIERS))
    per_tier = per_tier.sort_values(["key", "known", "area"], kind="stable")
    per_tier["rank"] = per_tier.groupby("key", sort=False).cumcount()
    rank = rows.merge(per_tier[["key", "tier", "rank"]], on=["key", "tier"], how="left")["rank"]
    return rank.to_numpy(dtype="int64")


def _finalise(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Compute ``tier_rank`` per port (:func:`tier_ranks`) and make the tiers nest (outer = outer ∪ inner)."""
    zones = zones.reset_index(drop=True)
    if zones.empty:
        return zones[list(ZONE_COLUMNS)]
    key = pd.Series(port_keys(zones), index=zones.index)
    ranks = tier_ranks(zones, key.to_numpy())
    geoms = zones.geometry.to_numpy().copy()
    multi = key[ranks > 0].unique()
    nested = key[key.isin(multi)]
    for _, idx in nested.groupby(nested).groups.items():
        rows = np.asarray(list(idx))
        row_rank = ranks[rows]
        for k in range(1, int(row_rank.max()) + 1):
            inner = shapely.union_all(geoms[rows[row_rank < k]])
            for r in rows[row_rank == k]:
                if not inner.within(geoms[r]):
                    geoms[r] = shapely.union(geoms[r], inner)
                if not inner.within(geoms[r]):  # floating-point slivers on shared edges
                    geoms[r] = shapely.union(
                        geoms[r], shapely.buffer(inner, 1e-9, join_style="mitre")
                    )
    zones = zones.copy()
    zones["tier_rank"] = ranks
    zones = zones.set_geometry(gpd.GeoSeries(geoms, index=zones.index, crs="EPSG:4326"))
    return zones[list(ZONE_COLUMNS)]


# --------------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------------


def _problems_message(path: Path, problems: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{where}: {why}" for where, why in problems[:_MAX_LISTED_PROBLEMS])
    more = len(problems) - _MAX_LISTED_PROBLEMS
    tail = f"; ... and {more} more" if more > 0 else ""
    return f"{path}: {len(problems)} bad row(s): {shown}{tail}"


def _position_problems(
    labels: Sequence[str],
    names: Sequence[str],
    lat: np.ndarray,
    lon: np.ndarray,
    raw_lat: Sequence[Any],
    raw_lon: Sequence[Any],
) -> list[tuple[str, str]]:
    out = []
    for i, label in enumerate(labels):
        why = []
        if not names[i]:
            why.append("no port name")
        if not np.isfinite(lat[i]) or not np.isfinite(lon[i]):
            which = [
                n for n, v in (("latitude", lat[i]), ("longitude", lon[i])) if not np.isfinite(v)
            ]
            got = ", ".join(
                f"{n}={r!r}"
                for n, r in zip(("latitude", "longitude"), (raw_lat[i], raw_lon[i]), strict=True)
                if n in which
            )
            why.append(f"missing or non-numeric {' and '.join(which)} ({got})")
        else:
            if not -90 <= lat[i] <= 90:
                why.append(f"latitude {lat[i]:g} out of range [-90, 90]")
            if not -180 <= lon[i] <= 180:
                why.append(f"longitude {lon[i]:g} out of range [-180, 180]")
        if why:
            out.append((label, "; ".join(why)))
    return out


def _radius_column(
    raw: Sequence[Any] | None, n: int, default_km: float, labels: Sequence[str]
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Parse a radius column: blank -> default; non-numeric or <= 0 -> a problem."""
    if raw is None:
        return np.full(n, default_km), []
    texts = _text(raw)
    blank = np.array([t == "" for t in texts])
    values = pd.to_numeric(pd.Series(texts, dtype=object).where(~blank, None), errors="coerce")
    out = np.array(values.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    problems = []
    for i in np.flatnonzero(~blank & ~(np.isfinite(out) & (out > 0))):
        problems.append((labels[int(i)], f"radius_km {texts[i]!r} is not a positive number"))
    out[blank] = default_km
    return out, problems


def _sniff(path: Path) -> str:
    """``"wpi"``, ``"csv"``, ``"parquet"`` or ``"vector"``."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in (".gz", ".zip", ".bz2", ".xz", ".zst"):
        if suffixes[-1] == ".zip" and len(suffixes) == 1:
            return "vector"  # zipped shapefile
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    if suffix in _PARQUET_SUFFIXES:
        return "parquet"
    if suffix in _VECTOR_SUFFIXES:
        return "vector"
    if suffix not in _CSV_SUFFIXES:
        try:
            with open(path, "rb") as fh:
                head = fh.read(4096)
        except OSError as exc:
            raise PortsError(f"{path}: cannot read ports file: {exc}") from exc
        if head.startswith(b"SQLite format 3") or head.lstrip().startswith((b"{", b"<")):
            return "vector"
        if head.startswith(b"PAR1"):
            return "parquet"
    try:
        header = pd.read_csv(path, nrows=0, encoding_errors="replace")
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PortsError(f"{path}: cannot read ports file as CSV: {exc}") from exc
    columns = {str(c).strip() for c in header.columns}
    if {WPI_COLUMNS["name"], WPI_COLUMNS["lat"], WPI_COLUMNS["lon"]} <= columns:
        return "wpi"
    return "csv"


def _read_csv_text(path: Path, **kw: Any) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace", **kw)
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PortsError(f"{path}: cannot read ports file as CSV: {exc}") from exc


def _read_wpi(path: Path, default_radius_km: float | None) -> gpd.GeoDataFrame:
    wanted = set(WPI_COLUMNS.values())
    df = _read_csv_text(path, usecols=lambda c: c.strip() in wanted)
    df.columns = [c.strip() for c in df.columns]
    for c in wanted - set(df.columns):
        df[c] = ""
    col = {k: df[v].str.strip() for k, v in WPI_COLUMNS.items()}
    labels = [f"line {i + 2}" for i in range(len(df))]
    names = col["name"].tolist()
    lat = pd.to_numeric(col["lat"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    lon = pd.to_numeric(col["lon"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    problems = _position_problems(
        labels, names, lat, lon, df[WPI_COLUMNS["lat"]].tolist(), df[WPI_COLUMNS["lon"]].tolist()
    )
    if problems:
        raise PortsError(_problems_message(path, problems))
    sizes = col["size"].tolist()
    if default_radius_km is not None:
        radius = np.full(len(df), float(default_radius_km))
        how = [f"default {default_radius_km:g} km circle" for _ in sizes]
    else:
        radius = np.array([WPI_RADIUS_KM.get(s, WPI_RADIUS_KM[""]) for s in sizes], dtype="float64")
        how = [
            f"{s or 'blank size'} harbour, {r:g} km circle"
            for s, r in zip(sizes, radius, strict=True)
        ]
    numbers = col["number"].tolist()
    source = [
        f"NGA WPI #{num} ({h})" if num else f"NGA WPI ({h})"
        for num, h in zip(numbers, how, strict=True)
    ]
    aliases = [_clean_aliases(a.replace(";", "|")) for a in col["alt"]]
    frame = _zones_frame(
        {
            "port": names,
            "tier": [DEFAULT_TIER] * len(df),
            "country": col["country"].tolist(),
            "locode": col["locode"].tolist(),
            "aliases": aliases,
            "radius_km": radius,
            "source": source,
            "geometry": circles(lon, lat, radius),
        }
    )
    return frame


def _pick(columns: Iterable[str], *candidates: str) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    return None


def _read_simple_csv(path: Path, default_radius_km: float) -> gpd.GeoDataFrame:
    df = _read_csv_text(path, skipinitialspace=True)
    c_name = _pick(df.columns, "name", "port", "port_name")
    c_lat = _pick(df.columns, "lat", "latitude")
    c_lon = _pick(df.columns, "lon", "lng", "long", "longitude")
    if c_name is None or c_lat is None or c_lon is None:
        raise PortsError(
            f"{path}: a ports CSV needs columns name,lat,lon[,radius_km,tier,aliases,country,locode] "
            f"(or the NGA World Port Index header); found {[str(c) for c in df.columns]}"
        )
    labels = [f"line {i + 2}" for i in range(len(df))]
    names = _text(df[c_name])
    lat = pd.to_numeric(df[c_lat].str.strip(), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    lon = pd.to_numeric(df[c_lon].str.strip(), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    problems = _position_problems(labels, names, lat, lon, df[c_lat].tolist(), df[c_lon].tolist())
    c_radius = _pick(df.columns, "radius_km", "radius")
    radius, radius_problems = _radius_column(
        None if c_radius is None else df[c_radius], len(df), default_radius_km, labels
    )
    problems = _merge_problems(problems, radius_problems, labels)
    if problems:
        raise PortsError(_problems_message(path, problems))

    def opt(*cands: str, default: str = "") -> list[Any]:
        c = _pick(df.columns, *cands)
        return df[c].tolist() if c is not None else [default] * len(df)

    return _zones_frame(
        {
            "port": names,
            "tier": opt("tier"),
            "country": opt("country"),
            "locode": opt("locode", "un/locode", "unlocode"),
            "aliases": opt("aliases", "alias"),
            "radius_km": radius,
            "source": [s or path.name for s in _text(opt("source"))],
            "geometry": circles(lon, lat, radius),
        }
    )


def _merge_problems(
    a: list[tuple[str, str]], b: list[tuple[str, str]], labels: Sequence[str]
) -> list[tuple[str, str]]:
    if not b:
        return a
    merged: dict[str, list[str]] = {}
    for where, why in a + b:
        merged.setdefault(where, []).append(why)
    order = {lab: i for i, lab in enumerate(labels)}
    return [(w, "; ".join(merged[w])) for w in sorted(merged, key=lambda w: order.get(w, 0))]


def _read_vector(  # noqa: C901 -- one branch per vector-format quirk
    path: Path, default_radius_km: float, *, parquet: bool = False
) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_parquet(path) if parquet else gpd.read_file(path)
    except Exception as exc:  # pyogrio/pyarrow raise many types; all mean "cannot read"
        raise PortsError(f"{path}: cannot read ports file: {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise PortsError(f"{path}: no geometry column; expected polygon or point features")
    if gdf.crs is not None and not gdf.crs.equals(CRS.from_epsg(4326)):
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:  # pyproj raises CRSError/ProjError
            raise PortsError(
                f"{path}: cannot reproject from {gdf.crs} to EPSG:4326: {exc}"
            ) from exc
    c_name = _pick(gdf.columns, "name", "port", "port_name")
    if c_name is None:
        raise PortsError(
            f"{path}: features need a 'name' (or 'port') property; found {[str(c) for c in gdf.columns]}"
        )
    n = len(gdf)
    labels = [f"feature {i + 1}" for i in range(n)]
    names = _text(gdf[c_name])
    c_radius = _pick(gdf.columns, "radius_km", "radius")
    radius_raw = None if c_radius is None else gdf[c_radius].tolist()
    radius, problems = _radius_column(radius_raw, n, default_radius_km, labels)
    problems_by: dict[str, list[str]] = {}
    for where, why in problems:
        problems_by.setdefault(where, []).append(why)

    geoms: list[Any] = [None] * n
    radius_out = np.full(n, np.nan)
    point_rows: list[int] = []
    for i, g in enumerate(gdf.geometry):
        reasons = problems_by.setdefault(labels[i], [])
        if not names[i]:
            reasons.append("no port name")
        if g is None or g.is_empty:
            reasons.append("no geometry")
            continue
        if g.geom_type == "Point":
            x, y = g.x, g.y
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                reasons.append(f"point ({x:g}, {y:g}) is not a lon/lat position")
            else:
                point_rows.append(i)
        elif g.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
            minx, miny, maxx, maxy = g.bounds
            if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
                reasons.append(f"polygon bounds {g.bounds} are not lon/lat degrees")
                continue
            fixed = _polygonal(g)
            if fixed is None:
                reasons.append(f"{g.geom_type} has no polygonal area")
            else:
                geoms[i] = fixed
        else:
            reasons.append(
                f"geometry type {g.geom_type} not supported (need Polygon, MultiPolygon or Point)"
            )
    problems = [(w, "; ".join(problems_by[w])) for w in labels if problems_by.get(w)]
    if problems:
        raise PortsError(_problems_message(path, problems))
    if point_rows:
        pts = gdf.geometry.iloc[point_rows]
        polys = circles(pts.x.to_numpy(), pts.y.to_numpy(), radius[point_rows])
        for i, poly, r in zip(point_rows, polys, radius[point_rows], strict=True):
            geoms[i] = poly
            radius_out[i] = r

    def opt(*cands: str) -> list[Any]:
        c = _pick(gdf.columns, *cands)
        return gdf[c].tolist() if c is not None else [""] * n

    return _zones_frame(
        {
            "port": names,
            "tier": opt("tier"),
            "country": opt("country"),
            "locode": opt("locode", "un/locode", "unlocode"),
            "aliases": opt("aliases", "alias"),
            "radius_km": radius_out,
            "source": [s or path.name for s in _text(opt("source"))],
            "geometry": geoms,
        }
    )


def _read_zones(path: str | Path, default_radius_km: float | None) -> gpd.GeoDataFrame:
    p = Path(path)
    if not p.exists():
        raise PortsError(f"{p}: ports file not found")
    if p.is_dir() and p.suffix.lower() not in (".gdb",):
        raise PortsError(f"{p}: is a directory, expected a ports file")
    kind = _sniff(p)
    radius = DEFAULT_RADIUS_KM if default_radius_km is None else float(default_radius_km)
    if kind == "wpi":
        return _read_wpi(p, default_radius_km)
    if kind == "csv":
        return _read_simple_csv(p, radius)
    return _read_vector(p, radius, parquet=kind == "parquet")


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _bundled() -> gpd.GeoDataFrame:
    ref = resources.files("navwatch") / "data" / "ports.geojson"
    with resources.as_file(ref) as p:
        return _finalise(_read_vector(Path(p), DEFAULT_RADIUS_KM))


def bundled_ports() -> gpd.GeoDataFrame:
    """The zones shipped with navwatch (``navwatch/data/ports.geojson``; see ``data/PORTS.md``).

    Examples
    --------
    >>> z = bundled_ports()
    >>> sorted(set(z.loc[z["tier"] == "harbour", "port"]))[:3]
    ['Alexandria', 'Algiers', 'Baltiysk']
    """
    return _bundled().copy()


def load_ports(
    path: str | Path | None = None,
    *,
    default_radius_km: float | None = None,
    bundled: bool = True,
) -> gpd.GeoDataFrame:
    """Load port zones from ``path`` (GeoJSON/GeoPackage/..., CSV, or NGA WPI CSV) and/or the bundled set.

    Parameters
    ----------
    path
        A ports file; its format is detected from the extension and content (module docs).
    default_radius_km
        Radius for point zones that carry none. For the World Port Index it replaces the
        per-``Harbor Size`` radii of :data:`WPI_RADIUS_KM`. Defaults to 3 km.
    bundled
        Include :func:`bundled_ports`. With a ``path``, the file's zones come first and a bundled
        port is dropped when the file has a port of the same normalised name (and the same
        country, or either country empty): the user's zones replace it. The World Port Index
        is the exception: its generic circles never replace a curated bundled port (with its
        tiers); the WPI entry is dropped instead.

    Raises
    ------
    PortsError
        The file is missing or unreadable, lacks a name column, or has bad rows (no name,
        missing or out-of-range latitude/longitude, bad radius, unsupported geometry); the
        message names the file, each bad row (CSV line or feature number) and the reason.

    Examples
    --------
    >>> zones = load_ports()
    >>> sorted(zones.columns) == sorted(ZONE_COLUMNS)
    True
    >>> zones.crs.to_epsg()
    4326
    """
    if default_radius_km is not None:
        try:
            r = float(default_radius_km)
        except (TypeError, ValueError):
            r = float("nan")
        if not (math.isfinite(r) and r > 0):
            raise PortsError(
                f"default_radius_km must be a positive number, got {default_radius_km!r}"
            )
    parts: list[gpd.GeoDataFrame] = []
    if path is not None:
        parts.append(_finalise(_read_zones(path, default_radius_km)))
    if bundled:
        b = _bundled()
        if parts and not parts[0].empty:
            user = parts[0]
            # Drawn or listed zones replace a bundled port of the same name; the World Port
            # Index's generic circles do not replace the curated bundled zones (with tiers).
            if path is not None and _sniff(Path(path)) == "wpi":
                parts[0] = user[~_same_port(user, b)]
            else:
                b = b[~_same_port(b, user)]
        parts.append(b)
    if not parts:
        return _finalise(_empty_zones())
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")[list(ZONE_COLUMNS)]


def _same_port(zones: gpd.GeoDataFrame, other: gpd.GeoDataFrame) -> np.ndarray:
    """Rows of ``zones`` naming a port that ``other`` also has (same normalised name, and the
    same country or either country empty)."""
    taken: dict[str, set[str]] = {}
    for name, country in zip(other["port"], other["country"], strict=True):
        taken.setdefault(normalise_name(name), set()).add(normalise_name(country))
    hit = []
    for name, country in zip(zones["port"], zones["country"], strict=True):
        countries = taken.get(normalise_name(name))
        c = normalise_name(country)
        hit.append(countries is not None and (not c or "" in countries or c in countries))
    return np.asarray(hit, dtype=bool)


def find_port(zones: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """The zones (all tiers, innermost first) of the port called ``name``.

    Matching ignores case, accents, spacing and punctuation, and also tries each zone's
    ``aliases``; exact port-name matches win over alias matches. ``"Port/tier"`` selects one
    tier (``"Tartus/anchorage"``). Several ports may share a name (the WPI has a few): all of
    them are returned, check ``country``.

    Raises
    ------
    PortsError
        No port matches; the message lists close names.

    Examples
    --------
    >>> z = load_ports()
    >>> find_port(z, "TARTOUS")["port"].unique().tolist()
    ['Tartus']
    >>> find_port(z, "Tartsu")
    Traceback (most recent call last):
    ...
    navwatch.errors.PortsError: unknown port 'Tartsu'; close names: Tartus
    """
    if not isinstance(name, str) or not normalise_name(name):
        raise PortsError(f"find_port needs a port name, got {name!r}")
    if "port" not in zones.columns:
        raise PortsError(
            f"find_port: zones table has no 'port' column; columns {list(zones.columns)}"
        )
    hit = _match(zones, normalise_name(name))
    if hit is not None:
        return hit
    if "/" in name:
        port_part, _, tier_part = name.rpartition("/")
        hit = _match(zones, normalise_name(port_part))
        if hit is not None:
            tier = _norm_tier(tier_part)
            sel = hit[hit["tier"] == tier]
            if sel.empty:
                raise PortsError(
                    f"port {port_part.strip()!r} has no tier {tier!r}; its tiers: {', '.join(hit['tier'].unique())}"
                )
            return sel
    raise PortsError(_unknown_port_message(zones, name))


def _match(zones: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame | None:
    if not key:
        return None
    by_name = np.array([normalise_name(p) == key for p in zones["port"]], dtype=bool)
    if not by_name.any() and "aliases" in zones.columns:
        by_name = np.array(
            [
                key in {normalise_name(a) for a in str(al).split("|")} if al else False
                for al in zones["aliases"]
            ],
            dtype=bool,
        )
    if not by_name.any():
        return None
    hit = zones[by_name]
    if "tier_rank" in hit.columns:
        hit = hit.sort_values("tier_rank", kind="stable")
    return hit


def _unknown_port_message(zones: gpd.GeoDataFrame, name: str) -> str:
    key = normalise_name(name)
    display: dict[str, str] = {}  # normalised name or alias -> display port name
    aliases_col = zones["aliases"] if "aliases" in zones.columns else [""] * len(zones)
    for port, aliases in zip(zones["port"], aliases_col, strict=True):
        display.setdefault(normalise_name(port), str(port))
        for a in str(aliases).split("|") if aliases else []:
            display.setdefault(normalise_name(a), str(port))
    close = difflib.get_close_matches(key, list(display), n=5, cutoff=0.6)
    close += [
        k for k in display if key and (key in k or k in key) and k not in close and len(k) > 2
    ][: 5 - len(close)]
    names = list(dict.fromkeys(display[k] for k in close))
    if names:
        return f"unknown port {name!r}; close names: {', '.join(names)}"
    n_ports = len({normalise_name(p) for p in zones["port"]})
    if n_ports == 0:
        return f"unknown port {name!r}: no port zones are loaded"
    examples = ", ".join(sorted({str(p) for p in zones["port"]})[:8])
    return f"unknown port {name!r}; none of the {n_ports} loaded ports is close (e.g. {examples})"
