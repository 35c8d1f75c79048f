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

Ports files (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet; a ``name,lat,lon,radius_km``
CSV; the NGA World Port Index CSV exactly as published) are read and checked by
:mod:`navwatch.io.zones`, whose docs list what each may hold. :func:`load_ports` builds the zones
table from the zones as read: names, tiers, aliases and LOCODEs in their canonical forms, each
point a circle of its radius (a World Port Index port's radius follows its ``Harbor Size``,
:data:`WPI_RADIUS_KM`), the tiers ranked and nested.

Circles
-------
:func:`circle` builds one circle exactly, in a local azimuthal-equidistant (AEQD) projection
centred on the point (distances from the centre of an AEQD projection are true geodesic
distances on the WGS84 ellipsoid). The zones table gets its thousands of circles at once from
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
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import geodesy
from .errors import PortsError
from .geodesy import WGS84 as _GEOD
from .geodesy import local_frame, meridional_radius_km, prime_vertical_radius_km
from .io._common import Source
from .io.zones import DEFAULT_RADIUS_KM as DEFAULT_RADIUS_KM  # re-export: part of this API
from .io.zones import WPI_RADIUS_KM as WPI_RADIUS_KM  # re-export: part of this API
from .io.zones import cell_text as _text
from .io.zones import is_missing as _is_missing
from .io.zones import read_bundled_zones, read_zones

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

#: Vertices per circle.
CIRCLE_VERTICES = 64

#: Above this radius, or poleward of :data:`_LOCAL_MAX_LAT`, :func:`circles` uses pyproj.Geod.
_LOCAL_MAX_RADIUS_KM = 50.0
_LOCAL_MAX_LAT = 80.0


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


# --------------------------------------------------------------------------------------------
# building the zones table
# --------------------------------------------------------------------------------------------


def _empty_zones() -> gpd.GeoDataFrame:
    return _zones_frame(pd.DataFrame({c: [] for c in ZONE_COLUMNS if c != "tier_rank"}))


def _zones_frame(raw: pd.DataFrame) -> gpd.GeoDataFrame:
    """Assemble a zones table (without computing ranks) from zones as read
    (:attr:`navwatch.io.zones.ZoneFile.zones`): text in its canonical forms, and each point the
    circle of its ``radius_km`` (:func:`circles`)."""
    radius = raw["radius_km"].to_numpy(dtype="float64")
    geoms = np.asarray(raw["geometry"].to_numpy(), dtype=object)
    points = shapely.get_type_id(geoms) == 0
    if points.any():
        geoms = geoms.copy()
        centres = geoms[points]
        geoms[points] = circles(shapely.get_x(centres), shapely.get_y(centres), radius[points])
    data = {
        "port": _text(raw["port"]),
        "tier": [_norm_tier(t) for t in raw["tier"]],
        "tier_rank": np.zeros(len(raw), dtype="int64"),
        "country": _text(raw["country"]),
        "locode": [_clean_locode(v) for v in raw["locode"]],
        "aliases": [_clean_aliases(v) for v in raw["aliases"]],
        "radius_km": radius,
        "source": _text(raw["source"]),
    }
    frame = pd.DataFrame(data)
    for c in ("port", "tier", "country", "locode", "aliases", "source"):
        frame[c] = frame[c].astype(object)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(list(geoms), crs="EPSG:4326"), crs="EPSG:4326"
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
# public API
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _bundled() -> gpd.GeoDataFrame:
    return _finalise(_zones_frame(read_bundled_zones()))


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
    path: Source | None = None,
    *,
    default_radius_km: float | None = None,
    bundled: bool = True,
) -> gpd.GeoDataFrame:
    """Load port zones from ``path`` (GeoJSON/GeoPackage/..., CSV, or NGA WPI CSV) and/or the bundled set.

    Parameters
    ----------
    path
        A ports file, or in-memory input (bytes, a binary file object or an
        :class:`~navwatch.io.InMemory`); its format is detected from the extension and content
        (:mod:`navwatch.io.zones`).
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
    kind = None
    if path is not None:
        file = read_zones(path, default_radius_km=default_radius_km)
        kind = file.kind
        parts.append(_finalise(_zones_frame(file.zones)))
    if bundled:
        b = _bundled()
        if parts and not parts[0].empty:
            user = parts[0]
            # Drawn or listed zones replace a bundled port of the same name; the World Port
            # Index's generic circles do not replace the curated bundled zones (with tiers).
            if kind == "wpi":
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
