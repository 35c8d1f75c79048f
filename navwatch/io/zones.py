"""Readers of port-zone files: vector files, a simple CSV and the NGA World Port Index.

These readers read and check a ports file and report its bad rows; they do not build the zones
model. :func:`read_zones` returns the zones *as read* (:class:`ZoneFile`), and
:func:`navwatch.ports.load_ports` turns them into the zones table
(:data:`navwatch.ports.ZONE_COLUMNS`): it puts names, tiers, aliases and LOCODEs in their
canonical forms, makes each point a circle of its radius, and ranks and nests the tiers.

Inputs accepted (the format is detected from the extension and content; in-memory input, bytes
or a binary file object, by its content alone):

* anything geopandas reads (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet) with a
  ``name`` (or ``port``) property and optional ``tier``, ``aliases``, ``country``, ``locode``,
  ``source``; polygon features are used as drawn, point features become circles of their
  ``radius_km`` property (or the default radius);
* a CSV with ``name,lat,lon,radius_km`` and optional ``tier,aliases,country,locode,source``;
* the NGA World Port Index (Pub. 150) CSV exactly as published (``UpdatedPub150.csv``): each port
  becomes a circle whose radius follows its ``Harbor Size`` (:data:`WPI_RADIUS_KM`: Very Small
  2 km, Small 3 km, Medium 4 km, Large 5 km, blank 3 km) unless ``default_radius_km`` is given.

Zones as read
-------------
:attr:`ZoneFile.zones` is a GeoDataFrame in EPSG:4326 with the columns :data:`RAW_COLUMNS`, one
row per zone of the file, in file order:

* ``port`` and ``source`` are text (:func:`cell_text`; a blank ``source`` is the file's name);
* ``tier``, ``country``, ``locode`` and ``aliases`` are the cells as the file holds them (the
  World Port Index's ``;``-separated alternate names become ``|``-separated aliases);
* ``radius_km`` is the radius of a circle, NaN for a drawn polygon;
* ``geometry`` is a valid lon/lat Polygon or MultiPolygon (repaired when needed), or a Point:
  the centre of a circle of ``radius_km``.

A file with bad rows raises one :class:`~navwatch.errors.PortsError` naming the file, each bad
row (CSV line or feature number) and the reason.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import IngestError, PortsError
from ._common import InMemory, Source, as_path

__all__ = [
    "DEFAULT_RADIUS_KM",
    "RAW_COLUMNS",
    "WPI_COLUMNS",
    "WPI_RADIUS_KM",
    "ZoneFile",
    "cell_text",
    "is_missing",
    "read_bundled_zones",
    "read_zones",
]

#: Columns of the zones as read (:attr:`ZoneFile.zones`), in order.
RAW_COLUMNS = ("port", "tier", "country", "locode", "aliases", "radius_km", "source", "geometry")

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

Problems = list[tuple[str, str]]


@dataclass(frozen=True)
class ZoneFile:
    """A ports file as read: its ``kind`` (``"wpi"``, ``"csv"``, ``"parquet"`` or ``"vector"``)
    and its ``zones`` (module docs: "Zones as read")."""

    kind: str
    zones: gpd.GeoDataFrame


# --------------------------------------------------------------------------------------------
# cells
# --------------------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """True for a missing cell: None, NaN, NaT, ``pd.NA`` (a list or array is not missing)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(values: Iterable[Any]) -> list[str]:
    """Cells as text: missing -> ``""``, runs of whitespace -> one space, trimmed.

    Examples
    --------
    >>> cell_text(["  Tartus  naval base ", None, float("nan"), 12])
    ['Tartus naval base', '', '', '12']
    """
    return ["" if is_missing(v) else " ".join(str(v).split()) for v in values]


def _pick(columns: Iterable[str], *candidates: str) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    return None


def _optional(frame: pd.DataFrame, *candidates: str) -> list[Any]:
    """The cells of the first of ``candidates`` that ``frame`` has (any case), else ``""``s."""
    c = _pick(frame.columns, *candidates)
    return frame[c].tolist() if c is not None else [""] * len(frame)


def _raw_zones(
    frame: pd.DataFrame, names: list[str], radius: np.ndarray, geoms: Any, file_name: str
) -> gpd.GeoDataFrame:
    """The zones as read, from a CSV or vector ``frame`` and its checked names, radii and
    geometries; the optional columns are looked up by name."""
    return gpd.GeoDataFrame(
        {
            "port": names,
            "tier": _optional(frame, "tier"),
            "country": _optional(frame, "country"),
            "locode": _optional(frame, "locode", "un/locode", "unlocode"),
            "aliases": _optional(frame, "aliases", "alias"),
            "radius_km": np.asarray(radius, dtype="float64"),
            "source": [s or file_name for s in cell_text(_optional(frame, "source"))],
        },
        geometry=gpd.GeoSeries(list(geoms), crs="EPSG:4326"),
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------------------------
# problems
# --------------------------------------------------------------------------------------------


def _problems_message(path: Path | InMemory, problems: Problems) -> str:
    shown = "; ".join(f"{where}: {why}" for where, why in problems[:_MAX_LISTED_PROBLEMS])
    more = len(problems) - _MAX_LISTED_PROBLEMS
    tail = f"; ... and {more} more" if more > 0 else ""
    return f"{path}: {len(problems)} bad row(s): {shown}{tail}"


def _merge_problems(a: Problems, b: Problems, labels: Sequence[str]) -> Problems:
    if not b:
        return a
    merged: dict[str, list[str]] = {}
    for where, why in a + b:
        merged.setdefault(where, []).append(why)
    order = {lab: i for i, lab in enumerate(labels)}
    return [(w, "; ".join(merged[w])) for w in sorted(merged, key=lambda w: order.get(w, 0))]


def _position_problems(
    labels: Sequence[str],
    names: Sequence[str],
    lat: np.ndarray,
    lon: np.ndarray,
    raw_lat: Sequence[Any],
    raw_lon: Sequence[Any],
) -> Problems:
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
) -> tuple[np.ndarray, Problems]:
    """Parse a radius column: blank -> default; non-numeric or <= 0 -> a problem."""
    if raw is None:
        return np.full(n, default_km), []
    texts = cell_text(raw)
    blank = np.array([t == "" for t in texts])
    values = pd.to_numeric(pd.Series(texts, dtype=object).where(~blank, None), errors="coerce")
    out = np.array(values.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    problems = []
    for i in np.flatnonzero(~blank & ~(np.isfinite(out) & (out > 0))):
        problems.append((labels[int(i)], f"radius_km {texts[i]!r} is not a positive number"))
    out[blank] = default_km
    return out, problems


# --------------------------------------------------------------------------------------------
# format detection
# --------------------------------------------------------------------------------------------


def _kind_by_suffix(path: Path) -> str | None:
    """``"parquet"`` or ``"vector"`` when the name says so; ``""`` for a CSV name (its header
    decides between CSV and the World Port Index); None when the content must decide."""
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
    return "" if suffix in _CSV_SUFFIXES else None


def _head(src: Path | InMemory, n: int = 4096) -> bytes:
    try:
        if isinstance(src, InMemory):
            with src.open() as fh:
                return fh.read(n)
        with open(src, "rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise PortsError(f"{src}: cannot read ports file: {exc}") from exc


def _sniff(src: Path | InMemory) -> str:
    """``"wpi"``, ``"csv"``, ``"parquet"`` or ``"vector"``."""
    kind = _kind_by_suffix(src) if isinstance(src, Path) else None
    if kind:
        return kind
    if kind is None:  # no telling suffix: look at the content
        head = _head(src)
        if head.startswith(b"SQLite format 3") or head.lstrip().startswith((b"{", b"<")):
            return "vector"
        if head.startswith(b"PAR1"):
            return "parquet"
    header = _read_csv_text(src, nrows=0)
    columns = {str(c).strip() for c in header.columns}
    if {WPI_COLUMNS["name"], WPI_COLUMNS["lat"], WPI_COLUMNS["lon"]} <= columns:
        return "wpi"
    return "csv"


# --------------------------------------------------------------------------------------------
# CSV and the World Port Index
# --------------------------------------------------------------------------------------------


def _read_csv_text(src: Path | InMemory, **kw: Any) -> pd.DataFrame:
    """Every cell as text (``""`` for blank); ``src`` may be compressed (by its suffix)."""
    try:
        if isinstance(src, InMemory):
            with src.open() as fh:
                return _csv_cells(fh, **kw)
        return _csv_cells(src, **kw)
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PortsError(f"{src}: cannot read ports file as CSV: {exc}") from exc


def _csv_cells(source: Path | IO[bytes], **kw: Any) -> pd.DataFrame:
    return pd.read_csv(source, dtype=str, keep_default_na=False, encoding_errors="replace", **kw)


def _read_wpi(src: Path | InMemory, default_radius_km: float | None) -> gpd.GeoDataFrame:
    wanted = set(WPI_COLUMNS.values())
    df = _read_csv_text(src, usecols=lambda c: c.strip() in wanted)
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
        raise PortsError(_problems_message(src, problems))
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
    return gpd.GeoDataFrame(
        {
            "port": names,
            "tier": [""] * len(df),  # the default tier
            "country": col["country"].tolist(),
            "locode": col["locode"].tolist(),
            "aliases": [a.replace(";", "|") for a in col["alt"]],
            "radius_km": radius,
            "source": source,
        },
        geometry=gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def _read_simple_csv(src: Path | InMemory, default_radius_km: float) -> gpd.GeoDataFrame:
    df = _read_csv_text(src, skipinitialspace=True)
    c_name = _pick(df.columns, "name", "port", "port_name")
    c_lat = _pick(df.columns, "lat", "latitude")
    c_lon = _pick(df.columns, "lon", "lng", "long", "longitude")
    if c_name is None or c_lat is None or c_lon is None:
        raise PortsError(
            f"{src}: a ports CSV needs columns name,lat,lon[,radius_km,tier,aliases,country,locode] "
            f"(or the NGA World Port Index header); found {[str(c) for c in df.columns]}"
        )
    labels = [f"line {i + 2}" for i in range(len(df))]
    names = cell_text(df[c_name])
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
        raise PortsError(_problems_message(src, problems))
    return _raw_zones(df, names, radius, shapely.points(lon, lat), src.name)


# --------------------------------------------------------------------------------------------
# vector files (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet)
# --------------------------------------------------------------------------------------------


def _open_vector(src: Path | InMemory, *, parquet: bool) -> gpd.GeoDataFrame:
    """The features of a vector file, in EPSG:4326."""
    try:
        where: Path | io.BytesIO = io.BytesIO(src.read()) if isinstance(src, InMemory) else src
        gdf = gpd.read_parquet(where) if parquet else gpd.read_file(where)
    except Exception as exc:  # pyogrio/pyarrow raise many types; all mean "cannot read"
        raise PortsError(f"{src}: cannot read ports file: {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise PortsError(f"{src}: no geometry column; expected polygon or point features")
    if gdf.crs is not None and not gdf.crs.equals(CRS.from_epsg(4326)):
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:  # pyproj raises CRSError/ProjError
            raise PortsError(f"{src}: cannot reproject from {gdf.crs} to EPSG:4326: {exc}") from exc
    return gdf


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


def _feature_geometry(g: Any) -> tuple[Any, str | None]:
    """A feature's zone geometry, a lon/lat point or a repaired polygon, or why it has none."""
    if g is None or g.is_empty:
        return None, "no geometry"
    if g.geom_type == "Point":
        x, y = g.x, g.y
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            return None, f"point ({x:g}, {y:g}) is not a lon/lat position"
        return g, None
    if g.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        minx, miny, maxx, maxy = g.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            return None, f"polygon bounds {g.bounds} are not lon/lat degrees"
        fixed = _polygonal(g)
        if fixed is None:
            return None, f"{g.geom_type} has no polygonal area"
        return fixed, None
    return None, f"geometry type {g.geom_type} not supported (need Polygon, MultiPolygon or Point)"


def _feature_geometries(
    geometry: Iterable[Any], names: Sequence[str], labels: Sequence[str]
) -> tuple[list[Any], Problems]:
    """Each feature's zone geometry (:func:`_feature_geometry`) and the features' problems
    (no port name, no usable geometry)."""
    geoms: list[Any] = []
    problems: Problems = []
    for label, name, g in zip(labels, names, geometry, strict=True):
        geom, why = _feature_geometry(g)
        reasons = [r for r in ("" if name else "no port name", why) if r]
        if reasons:
            problems.append((label, "; ".join(reasons)))
        geoms.append(geom)
    return geoms, problems


def _read_vector(
    src: Path | InMemory, default_radius_km: float, *, parquet: bool = False
) -> gpd.GeoDataFrame:
    gdf = _open_vector(src, parquet=parquet)
    c_name = _pick(gdf.columns, "name", "port", "port_name")
    if c_name is None:
        raise PortsError(
            f"{src}: features need a 'name' (or 'port') property; found {[str(c) for c in gdf.columns]}"
        )
    n = len(gdf)
    labels = [f"feature {i + 1}" for i in range(n)]
    names = cell_text(gdf[c_name])
    c_radius = _pick(gdf.columns, "radius_km", "radius")
    radius_raw = None if c_radius is None else gdf[c_radius].tolist()
    radius, radius_problems = _radius_column(radius_raw, n, default_radius_km, labels)
    geoms, feature_problems = _feature_geometries(gdf.geometry, names, labels)
    problems = _merge_problems(radius_problems, feature_problems, labels)
    if problems:
        raise PortsError(_problems_message(src, problems))
    points = shapely.get_type_id(np.asarray(geoms, dtype=object)) == 0
    radius = np.where(points, radius, np.nan)  # a drawn polygon has no radius
    return _raw_zones(gdf, names, radius, geoms, src.name)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def read_zones(source: Source, *, default_radius_km: float | None = None) -> ZoneFile:
    """Read a ports file (module docs) as :class:`ZoneFile`: its kind and its zones as read.

    Parameters
    ----------
    source
        A path, or in-memory input: bytes, a binary file object or an
        :class:`~navwatch.io.InMemory` (whose name stands for the file in messages and in a blank
        ``source``).
    default_radius_km
        Radius for point zones that carry none (default :data:`DEFAULT_RADIUS_KM`). For the
        World Port Index it replaces the per-``Harbor Size`` radii of :data:`WPI_RADIUS_KM`.
        Checked by the caller (:func:`navwatch.ports.load_ports`).

    Raises
    ------
    PortsError
        The file is missing or unreadable, lacks a name column, or has bad rows; the message
        names the file, each bad row (CSV line or feature number) and the reason.

    Examples
    --------
    >>> got = read_zones(b"name,lat,lon,radius_km\\nTartus,34.9139,35.8741,2.5\\n")
    >>> got.kind, got.zones.loc[0, "geometry"].wkt, got.zones.loc[0, "source"]
    ('csv', 'POINT (35.8741 34.9139)', '<bytes>')
    """
    try:
        src = as_path(source)
    except IngestError as exc:  # a text stream
        raise PortsError(str(exc)) from None
    if isinstance(src, Path):
        if not src.exists():
            raise PortsError(f"{src}: ports file not found")
        if src.is_dir() and src.suffix.lower() not in (".gdb",):
            raise PortsError(f"{src}: is a directory, expected a ports file")
    kind = _sniff(src)
    radius = DEFAULT_RADIUS_KM if default_radius_km is None else float(default_radius_km)
    if kind == "wpi":
        wpi_radius = None if default_radius_km is None else radius
        return ZoneFile(kind, _read_wpi(src, wpi_radius))
    if kind == "csv":
        return ZoneFile(kind, _read_simple_csv(src, radius))
    return ZoneFile(kind, _read_vector(src, radius, parquet=kind == "parquet"))


def read_bundled_zones() -> gpd.GeoDataFrame:
    """The zones shipped with navwatch (``navwatch/data/ports.geojson``), as read."""
    ref = resources.files("navwatch") / "data" / "ports.geojson"
    with resources.as_file(ref) as p:
        return _read_vector(Path(p), DEFAULT_RADIUS_KM)
