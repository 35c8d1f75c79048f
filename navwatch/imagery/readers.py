"""Readers for satellite vessel detections (§1 of the imagery contract) and scene footprints (§2).

Layouts are recognised from the content (the CSV header, or the first GeoJSON feature's
properties and geometry type), never from the file name; ``.gz``/``.zst``/``.zip`` and in-memory
input (:class:`navwatch.io.InMemory`) are read as by every navwatch reader.

Detections (:func:`read_detections`):

* ``gfw``: Global Fishing Watch SAR / Sentinel-2 tables, ``scene_id, detect_lat, detect_lon``
  plus ``detect_id, detect_timestamp, length_m`` (or ``length_m_inferred``), ``score`` (or
  ``presence``), optional ``footprint_wkt``, ``ssvid``, ``width_m``/``width_m_inferred``.
* ``skylight``: Skylight ``predictions.csv``, ``lon, lat, scene_id`` and ``score,
  vessel_length_m, vessel_width_m, vessel_speed_k, detect_id`` without a time column.
* ``generic``: CSV or GeoJSON points, ``time, lat, lon`` plus at least one of ``scene_id,
  score, length_m, beam_m, detect_id`` and no AIS identity column (``mmsi``, ``imo``, ...).

Scenes (:func:`read_scenes`): CSV ``scene_id, time, source, footprint`` (WKT or GeoJSON geometry
text), or GeoJSON / GeoPackage polygons with those properties.

Every data row is returned or quarantined: ``attrs['stats']['records'] = rows + quarantined``.
Quarantine reasons start with ``<file>:<line>:``.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import IngestError
from ..io._common import (
    InMemory,
    Source,
    as_path,
    open_binary,
    to_float,
    trimmed_text,
)
from ..io.tables.columns import SYNONYMS, normalise_name
from ..io.tables.csv_engine import _csv_chunks, _read
from ..io.times import TimeColumn
from ..quarantine import Quarantine

__all__ = [
    "DETECTION_COLUMNS",
    "SCENE_COLUMNS",
    "detect_imagery_format",
    "read_detections",
    "read_scenes",
]

#: Columns of the detections table (imagery contract §1), in order.
DETECTION_COLUMNS = (
    "detect_id",
    "scene_id",
    "time",
    "lat",
    "lon",
    "length_m",
    "beam_m",
    "score",
    "label",
    "source",
    "sensor",
    "src_file",
    "src_line",
)
#: Columns of the scenes table (imagery contract §2), in order.
SCENE_COLUMNS = (
    "scene_id",
    "time",
    "source",
    "sensor",
    "cloud_cover",
    "resolution_m",
    "geometry",
    "src_file",
    "src_line",
)

#: Largest plausible length / beam in metres; larger (or <= 0) -> NaN, counted.
MAX_LENGTH_M = 500.0
MAX_BEAM_M = 100.0

#: Provider or satellite names (normalised: lower case, letters and digits) -> sensor.
SAR_SOURCES = frozenset(
    {"sentinel1", "s1", "s1a", "s1b", "s1c", "radarsat", "radarsat2", "rcm", "iceye", "capella",
     "umbra", "sar", "radar", "terrasarx", "cosmoskymed", "alos2", "palsar"}
)  # fmt: skip
OPTICAL_SOURCES = frozenset(
    {"sentinel2", "s2", "s2a", "s2b", "s2c", "landsat", "landsat8", "landsat9", "planet",
     "planetscope", "maxar", "worldview", "skysat", "optical", "eo", "pleiades", "viirs"}
)  # fmt: skip

_TIME_NAMES = frozenset(SYNONYMS["time"]) | {"detecttimestamp", "acquired", "acquisitiontime"}
_LAT_NAMES = ("lat", "latitude", "detectlat", "y")
_LON_NAMES = ("lon", "lng", "long", "longitude", "detectlon", "x")
_FOOTPRINT_NAMES = ("footprint", "footprintwkt", "wkt", "geometry", "geom", "footprintgeojson")
_IDENTITY_NAMES = frozenset(
    n for c in ("mmsi", "imo", "callsign", "name", "vessel") for n in SYNONYMS[c]
)
_SKYLIGHT_NAMES = frozenset({"vessellengthm", "vesselwidthm", "vesselspeedk"})
_GENERIC_NAMES = frozenset({"sceneid", "score", "lengthm", "beamm", "detectid"})
#: A detection's vessel type or class as the provider or analyst read it (optional).
_LABEL_NAMES = ("label", "vessellabel", "vesseltype", "vesselclass", "category", "class", "type")
#: The first ``YYYYMMDDTHHMMSS`` of a Sentinel (or Landsat-style) product name.
_PRODUCT_TIME = re.compile(r"(?<!\d)(\d{8}T\d{6})(?!\d)")

_EXPECTED = (
    "GFW (scene_id, detect_id, detect_timestamp, detect_lat, detect_lon, length_m, score), "
    "Skylight predictions (lon, lat, score, vessel_length_m, vessel_width_m, detect_id, "
    "scene_id; no time column) or generic detections (time, lat, lon and scene_id, score, "
    "length_m or detect_id; no mmsi/imo/callsign/name/vessel column)"
)
_EXPECTED_SCENES = (
    "scene_id, time, source, footprint (WKT or GeoJSON) [, sensor, cloud_cover, resolution_m]"
)


# --------------------------------------------------------------------------------------------
# Layout recognition
# --------------------------------------------------------------------------------------------


def classify_columns(names: Iterable[object]) -> str | None:
    """The imagery layout a set of column names belongs to: ``gfw``, ``skylight``, ``generic``,
    ``scenes`` or None. Names are compared after :func:`normalise_name`; a GeoJSON/GeoPackage
    layer counts its point geometry as ``lat``/``lon`` and its polygons as ``footprint``.

    Examples
    --------
    >>> classify_columns(["scene_id", "detect_timestamp", "detect_lat", "detect_lon", "score"])
    'gfw'
    >>> classify_columns(["time", "lat", "lon", "mmsi"]) is None
    True
    """
    s = {normalise_name(n) for n in names}
    if {"sceneid", "detectlat", "detectlon"} <= s or (
        {"sceneid", "detectid"} <= s and s & {"presence", "presencescore"}
    ):
        return "gfw"
    has_time = bool(s & _TIME_NAMES)
    has_pos = bool(s & set(_LAT_NAMES)) and bool(s & set(_LON_NAMES))
    if "sceneid" in s and has_time and not has_pos and s & set(_FOOTPRINT_NAMES):
        return "scenes"
    if has_pos and "sceneid" in s and not has_time and s & (_SKYLIGHT_NAMES | {"score"}):
        return "skylight"
    if has_time and has_pos and not s & _IDENTITY_NAMES and s & _GENERIC_NAMES:
        return "generic"
    return None


_PROPS_RE = re.compile(r'"properties"\s*:\s*\{([^{}]*)\}', re.DOTALL)
_KEY_RE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')
_GTYPE_RE = re.compile(r'"type"\s*:\s*"(Point|MultiPoint|Polygon|MultiPolygon)"')


def _geo_layout(props: Iterable[object], gtype: str) -> str | None:
    g = gtype.lower()
    if "polygon" in g:
        return classify_columns([*props, "footprint"])
    if "point" in g:
        return classify_columns([*props, "lat", "lon"])
    return None


def sniff_imagery(head: bytes, path: object = "<bytes>") -> str | None:
    """:func:`detect_imagery_format` on the first bytes of a file (``path`` for GeoPackage)."""
    if head.startswith(b"SQLite format 3\x00"):
        if isinstance(path, InMemory) or not isinstance(path, str | Path):
            return None
        try:
            import pyogrio

            info = pyogrio.read_info(str(path))
        except Exception:  # not a readable GeoPackage: not ours to judge
            return None
        return _geo_layout(list(info["fields"]), str(info["geometry_type"]))
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        at = text.find('"features"')  # past a "crs" member, whose "properties" are not a feature's
        body = text[at:] if at >= 0 else text
        props = _PROPS_RE.search(body)
        gtype = _GTYPE_RE.search(body)
        if props is None or gtype is None:
            return None
        return _geo_layout(_KEY_RE.findall(props.group(1)), gtype.group(1))
    first = text.splitlines()[0] if text else ""
    try:
        header = next(csv.reader([first]), [])
    except csv.Error:
        return None
    return classify_columns(header)


def detect_imagery_format(path: Source) -> str | None:
    """The imagery layout of a file judged by its content: ``gfw``, ``skylight``, ``generic``
    (detections), ``scenes``, or None when it is none of them.

    CSV is judged by its header; GeoJSON by the property names and geometry type of its first
    feature (points = detections, polygons = scenes); a GeoPackage by its layer's fields.

    Raises
    ------
    IngestError
        If the file is missing or unreadable.

    Examples
    --------
    >>> from navwatch.io import InMemory
    >>> detect_imagery_format(InMemory(b"lon,lat,score,vessel_length_m,detect_id,scene_id\\n"))
    'skylight'
    """
    p = as_path(path)
    with open_binary(p) as fh:
        head = _read(fh, 65536, p)
    return sniff_imagery(head, p)


# --------------------------------------------------------------------------------------------
# Loading: CSV or GeoJSON/GeoPackage -> text columns with line numbers
# --------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """A file's columns by normalised name, with 1-based lines and (geo files) geometries."""

    path: Path | InMemory
    layout: str
    header: list[str]
    cols: dict[str, pa.ChunkedArray]
    lines: np.ndarray
    records: int
    geometry: np.ndarray | None = None
    names: dict[str, str] = field(default_factory=dict)  # normalised -> name in the file

    def get(self, *names: str) -> pa.ChunkedArray | None:
        return next((self.cols[n] for n in names if n in self.cols), None)

    def name(self, *names: str) -> str:
        return next((self.names[n] for n in names if n in self.names), names[0])

    def raw(self, idx: np.ndarray) -> list[str]:
        if not len(idx):
            return []
        take = pa.array(np.asarray(idx, dtype=np.int64))
        values = [self.cols[n].take(take).to_pylist() for n in self.cols]
        if not values:
            return [""] * len(idx)
        return [
            ",".join("" if v is None else str(v) for v in row) for row in zip(*values, strict=True)
        ]


def _load(
    path: Path | InMemory, quarantine: Quarantine, accept: Callable[[list[str]], str]
) -> _Raw:
    """Read a CSV, GeoJSON or GeoPackage; ``accept(columns)`` names its layout or raises."""
    with open_binary(path) as fh:
        head = _read(fh, 4096, path)
    if not head.strip():
        raise IngestError(path, "empty file")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if head.startswith(b"SQLite format 3\x00") or text.startswith("{"):
        return _load_geo(path, accept)
    return _load_csv(path, quarantine, accept)


def _load_csv(
    path: Path | InMemory, quarantine: Quarantine, accept: Callable[[list[str]], str]
) -> _Raw:
    box: dict[str, Any] = {}

    def select(header: list[str]) -> list[int]:
        box["layout"] = accept(header)
        box["header"] = header
        first: dict[str, int] = {}
        for i, h in enumerate(header):
            first.setdefault(normalise_name(h), i)
        box["first"] = first
        return sorted(first.values())

    stats: dict[str, Any] = {"records": 0}
    engine = Quarantine()
    try:
        chunks = list(_csv_chunks(path, select, engine, stats))
    except csv.Error as exc:  # the engine reads the header with the csv module (a lone CR)
        raise IngestError(path, f"cannot read the CSV header: {exc}") from exc
    finally:
        rows = engine.to_frame()
        if len(rows):  # the engine's parse errors, with the file:line prefix of ours
            where = rows["file"] + ":" + rows["line"].astype("string") + ": "
            quarantine.add_frame(rows.assign(reason=where + rows["reason"]))
    header = cast(list[str], box["header"])
    cols = {
        norm: pa.chunked_array([c for ch in chunks for c in ch.cols[i].chunks], type=pa.string())
        for norm, i in cast(dict[str, int], box["first"]).items()
    }
    lines = np.concatenate([ch.lines for ch in chunks]) if chunks else np.zeros(0, np.int64)
    names = {normalise_name(h): h for h in reversed(header)}
    return _Raw(path, box["layout"], header, cols, lines, int(stats["records"]), names=names)


def _load_geo(path: Path | InMemory, accept: Callable[[list[str]], str]) -> _Raw:
    import pyogrio

    from ..io.tables.geo import geo_source

    try:
        src = geo_source(path)
        with warnings.catch_warnings():  # mixed-type properties stay text: read as such here
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            gdf = pyogrio.read_dataframe(src, layer=0)
    except IngestError:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise IngestError(
            path, f"cannot read with pyogrio/GDAL: {type(exc).__name__}: {exc}"
        ) from exc
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        try:
            gdf = gdf.to_crs("EPSG:4326")
        except Exception as exc:  # pyproj errors
            raise IngestError(path, f"cannot reproject from {gdf.crs}: {exc}") from exc
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    props = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    gtypes = {g.geom_type for g in geoms[:1000] if g is not None}
    virtual = ["footprint"] if any("Polygon" in t for t in gtypes) else ["lat", "lon"]
    layout = accept([*props, *virtual])
    cols: dict[str, pa.ChunkedArray] = {}
    names: dict[str, str] = {}
    for c in props:
        norm = normalise_name(c)
        if norm not in cols:
            cols[norm] = _text_array(gdf[c])
            names[norm] = c
    n = len(gdf)
    lines = np.arange(1, n + 1, dtype=np.int64)
    return _Raw(path, layout, props, cols, lines, n, geometry=geoms, names=names)


def _text_array(s: pd.Series) -> pa.ChunkedArray:
    try:
        arr = pa.array(s, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(s.astype("string"), from_pandas=True)
    return pa.chunked_array([arr])


# --------------------------------------------------------------------------------------------
# Value helpers
# --------------------------------------------------------------------------------------------


def _strings(arr: pa.ChunkedArray | None, n: int) -> pd.Series:
    """Trimmed text (empty -> <NA>) as a pandas string Series of length ``n``."""
    if arr is None:
        return pd.Series(pd.array([pd.NA] * n, dtype="string"))
    return pd.Series(trimmed_text(arr).to_pandas(), dtype="string").reset_index(drop=True)


def _numbers(arr: pa.ChunkedArray | None, n: int) -> np.ndarray:
    if arr is None:
        return np.full(n, np.nan)
    return to_float(arr)


def _bounded(values: np.ndarray, arr: pa.ChunkedArray | None, top: float) -> tuple[np.ndarray, int]:
    """Values in (0, top]; others (<= 0, > top, text that is no number) -> NaN, counted."""
    present = np.zeros(len(values), dtype=bool)
    if arr is not None:
        present = trimmed_text(arr).is_valid().to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        bad = present & (np.isnan(values) | (values <= 0) | (values > top))
    out = values.copy()
    out[bad] = np.nan
    return out, int(bad.sum())


def _fractions(arr: pa.ChunkedArray | None, n: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Scores or cloud cover in [0, 1]: ``(values, bad, percent)``. ``80%`` is 0.8. A column
    is a percentage column when one of its plain (``%``-free) values lies in (1, 100] and none
    strictly between 0 and 1; else plain values are fractions.
    ``bad``: a value present that is no number or falls outside [0, 1] once read so."""
    if arr is None:
        return np.full(n, np.nan), np.zeros(n, dtype=bool), False
    text = trimmed_text(arr)
    present = text.is_valid().to_numpy(zero_copy_only=False)
    strings = pd.Series(text.to_pandas(), dtype="string").reset_index(drop=True)
    pct = strings.str.endswith("%").to_numpy(dtype=bool, na_value=False)
    plain = to_float(arr) if not pct.any() else to_float(strings.str.rstrip("%").str.strip())
    with np.errstate(invalid="ignore"):
        ordinary = plain[~pct]
        fractional = bool(((ordinary > 0) & (ordinary < 1)).any())
        percent = bool(((ordinary > 1) & (ordinary <= 100)).any()) and not fractional
        values = np.where(pct | percent, plain / 100.0, plain)
        bad = present & (np.isnan(values) | (values < 0) | (values > 1))
    values = values.copy()
    values[bad] = np.nan
    return values, bad, percent


def _norm_text(v: object) -> str:
    return normalise_name(v) if isinstance(v, str) else ""


#: The names (longest first) also recognised as the start of a longer name.
_PREFIXES = tuple(
    sorted((n for n in SAR_SOURCES | OPTICAL_SOURCES if len(n) > 3), key=lambda n: (-len(n), n))
)


def sensor_of(value: object) -> str:
    """``sar``, ``optical`` or ``""`` for a provider/satellite name or a scene id.

    Examples
    --------
    >>> sensor_of("Sentinel-1"), sensor_of("S2A_MSIL1C_20211104T083141"), sensor_of("x")
    ('sar', 'optical', '')
    """
    key = _norm_text(value)
    if key in SAR_SOURCES:
        return "sar"
    if key in OPTICAL_SOURCES:
        return "optical"
    for name in _PREFIXES:  # e.g. "sentinel1grd", "planet_20241202_a"
        if key.startswith(name):
            return "sar" if name in SAR_SOURCES else "optical"
    text = value.strip().upper() if isinstance(value, str) else ""
    if text.startswith("S1"):
        return "sar"
    if text.startswith("S2") or re.match(r"L[COTE]0\d", text):
        return "optical"
    return ""


def _sensors(*candidates: pd.Series) -> pd.Series:
    """Per row, the sensor of the first candidate column that names one."""
    n = len(candidates[0])
    out = pd.Series([""] * n, dtype="object")
    for cand in candidates:
        todo = (out == "").to_numpy()
        if not todo.any():
            break
        vals = cand[todo].astype("object")
        cache: dict[Any, str] = {v: sensor_of(v) for v in pd.unique(vals.dropna())}
        out.loc[todo] = [cache.get(v, "") if isinstance(v, str) else "" for v in vals]
    return out.astype("string")


def _product_times(scene_ids: pd.Series) -> pd.Series:
    """The first ``YYYYMMDDTHHMMSS`` of each scene id as UTC (NaT when none)."""
    stamp = scene_ids.astype("string").str.extract(_PRODUCT_TIME, expand=False)
    out = pd.to_datetime(stamp, format="%Y%m%dT%H%M%S", errors="coerce", utc=True)
    return pd.Series(out, index=scene_ids.index).astype("datetime64[ns, UTC]")


def _times(raw: _Raw, names: tuple[str, ...]) -> tuple[pd.Series, np.ndarray | None]:
    """The first of ``names`` read by :class:`~navwatch.io.times.TimeColumn`: times, reasons."""
    arr = raw.get(*names)
    if arr is None:
        n = len(raw.lines)
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]"), None
    tc = TimeColumn(raw.path, raw.name(*names))
    times, reasons = tc.parse(arr)
    tc.finish()
    return times.reset_index(drop=True).astype("datetime64[ns, UTC]"), reasons


def _label(path: Path | InMemory) -> str:
    return path.name if isinstance(path, Path) else str(path)


# --------------------------------------------------------------------------------------------
# Detections
# --------------------------------------------------------------------------------------------


@dataclass
class _Parts:
    """A detections file's values before validation."""

    frame: pd.DataFrame  # the DETECTION_COLUMNS (src_file/src_line included)
    time_reasons: np.ndarray | None  # TimeColumn reasons (NaT rows) when time is required
    bad_score: np.ndarray
    stats: dict[str, Any]


def _positions(raw: _Raw) -> tuple[np.ndarray, np.ndarray]:
    lat = raw.get(*_LAT_NAMES)
    lon = raw.get(*_LON_NAMES)
    n = len(raw.lines)
    if raw.geometry is not None and (lat is None or lon is None):
        import shapely

        geoms = raw.geometry
        types = shapely.get_type_id(geoms)
        ok = (types == 0) & ~shapely.is_empty(geoms)
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        x[ok] = shapely.get_x(geoms[ok])
        y[ok] = shapely.get_y(geoms[ok])
        return y, x
    return _numbers(lat, n), _numbers(lon, n)


def _base(raw: _Raw, source: pd.Series | str) -> pd.DataFrame:
    """detect_id, scene_id, lat, lon, source and provenance of every row."""
    n = len(raw.lines)
    lat, lon = _positions(raw)
    src = source if isinstance(source, pd.Series) else pd.Series([source] * n, dtype="string")
    return pd.DataFrame(
        {
            "detect_id": _strings(raw.get("detectid", "id"), n),
            "scene_id": _strings(raw.get("sceneid"), n),
            "lat": lat,
            "lon": lon,
            "source": src.fillna("").astype("string").to_numpy(),
            "label": _strings(raw.get(*_LABEL_NAMES), n).fillna("").to_numpy(),
            "src_file": pd.Series([str(raw.path)] * n, dtype="string"),
            "src_line": pd.array(raw.lines, dtype="Int64"),
        }
    )


def _sizes(df: pd.DataFrame, raw: _Raw, length: tuple[str, ...], beam: tuple[str, ...],
           stats: dict[str, Any]) -> None:  # fmt: skip
    n = len(df)
    length_arr, beam_arr = raw.get(*length), raw.get(*beam)
    df["length_m"], stats["bad_length"] = _bounded(
        _numbers(length_arr, n), length_arr, MAX_LENGTH_M
    )
    df["beam_m"], stats["bad_beam"] = _bounded(_numbers(beam_arr, n), beam_arr, MAX_BEAM_M)


def _gfw(raw: _Raw, scenes: pd.DataFrame | None) -> _Parts:
    stats: dict[str, Any] = {}
    df = _base(raw, "gfw")
    times, reasons = _times(raw, ("detecttimestamp", "timestamp", "time"))
    if raw.get("detecttimestamp", "timestamp", "time") is None:
        times, df["_time_from"] = _scene_times(df["scene_id"], scenes)
    df["time"] = times
    _sizes(df, raw, ("lengthm", "lengthminferred"), ("widthm", "widthminferred", "beamm"), stats)
    score, bad, stats["score_percent"] = _fractions(
        raw.get("score", "presence", "presencescore"), len(df)
    )
    df["score"] = score
    n = len(df)
    df["sensor"] = _sensors(
        df["scene_id"], _strings(raw.get("sensor"), n), _strings(raw.get("source"), n)
    )
    return _Parts(df, reasons, bad, stats)


def _scene_times(scene_ids: pd.Series, scenes: pd.DataFrame | None) -> tuple[pd.Series, np.ndarray]:
    """Detection times from a scenes table, else from Sentinel product names in the scene id;
    NaT otherwise (kept: the matcher takes the scene's time). Returns the times and where each
    came from (``scenes``, ``scene_id`` or ``""``)."""
    times = pd.Series(pd.NaT, index=scene_ids.index, dtype="datetime64[ns, UTC]")
    if scenes is not None and len(scenes) and {"scene_id", "time"} <= set(scenes.columns):
        known = scenes.drop_duplicates("scene_id").set_index("scene_id")["time"]
        known = pd.to_datetime(known, utc=True, errors="coerce")
        got = scene_ids.astype("object").map(known.to_dict())
        times = pd.to_datetime(got, utc=True, errors="coerce").astype("datetime64[ns, UTC]")
    origin = np.where(times.notna().to_numpy(), "scenes", "").astype(object)
    todo = times.isna() & scene_ids.notna()
    if todo.any():
        times.loc[todo] = _product_times(scene_ids[todo])
    origin[(origin == "") & times.notna().to_numpy()] = "scene_id"
    return times, origin


def _skylight(raw: _Raw, scenes: pd.DataFrame | None) -> _Parts:
    stats: dict[str, Any] = {}
    df = _base(raw, "skylight")
    df["time"], df["_time_from"] = _scene_times(df["scene_id"], scenes)
    _sizes(df, raw, ("vessellengthm", "lengthm"), ("vesselwidthm", "beamm"), stats)
    score, bad, stats["score_percent"] = _fractions(raw.get("score"), len(df))
    df["score"] = score
    from_scenes = pd.Series([""] * len(df), dtype="string")
    if scenes is not None and len(scenes) and {"scene_id", "sensor"} <= set(scenes.columns):
        known = scenes.drop_duplicates("scene_id").set_index("scene_id")["sensor"].to_dict()
        from_scenes = df["scene_id"].astype("object").map(known).astype("string")
    df["sensor"] = _sensors(df["scene_id"], from_scenes)
    return _Parts(df, None, bad, stats)


def _generic(raw: _Raw, scenes: pd.DataFrame | None) -> _Parts:
    stats: dict[str, Any] = {}
    n = len(raw.lines)
    source = _strings(raw.get("source", "provider"), n)
    df = _base(raw, source)
    times, reasons = _times(raw, tuple(SYNONYMS["time"]))
    df["time"] = times
    _sizes(df, raw, ("lengthm", "length"), ("beamm", "beam", "widthm", "width"), stats)
    score, bad, stats["score_percent"] = _fractions(raw.get("score", "confidence"), n)
    df["score"] = score
    df["sensor"] = _sensors(_strings(raw.get("sensor"), n), source, df["scene_id"])
    return _Parts(df, reasons, bad, stats)


_BUILDERS: dict[str, Callable[[_Raw, pd.DataFrame | None], _Parts]] = {
    "gfw": _gfw,
    "skylight": _skylight,
    "generic": _generic,
}


class _Problems:
    """First problem of each row: code and reason (the first rule added wins)."""

    def __init__(self, n: int):
        self.code = np.full(n, None, dtype=object)
        self.reason = np.full(n, None, dtype=object)

    def add(self, mask: np.ndarray, code: str, reason: str | np.ndarray) -> None:
        new = np.asarray(mask, dtype=bool) & pd.isna(self.code)
        self.code[new] = code
        self.reason[new] = reason[new] if isinstance(reason, np.ndarray) else reason

    @property
    def ok(self) -> np.ndarray:
        return np.asarray(pd.isna(self.code), dtype=bool)


def _position_checks(probs: _Problems, lat: np.ndarray, lon: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):
        probs.add(np.isnan(lat) | np.isnan(lon), "no_position", "latitude/longitude missing")
        probs.add(
            (np.abs(lat) > 90) | (np.abs(lon) > 180),
            "bad_position",
            "latitude/longitude out of range",
        )
        probs.add((lat == 0) & (lon == 0), "no_position", "position 0/0 (no fix)")


def _quarantine_rows(
    frame: pd.DataFrame, probs: _Problems, raw: _Raw, quarantine: Quarantine
) -> pd.DataFrame:
    """Send the rows with a problem to ``quarantine`` (reason prefixed ``file:line:``)."""
    bad = ~probs.ok
    if not bad.any():
        return frame
    idx = np.flatnonzero(bad)
    lines = frame["src_line"].to_numpy()[idx]
    where = [f"{raw.path}:{int(line)}: " for line in lines]
    quarantine.add_frame(
        pd.DataFrame(
            {
                "file": str(raw.path),
                "line": lines,
                "code": probs.code[idx],
                "reason": [w + str(r) for w, r in zip(where, probs.reason[idx], strict=True)],
                "raw": raw.raw(idx),
            }
        )
    )
    return frame.loc[~bad].reset_index(drop=True)


def _accept_detections(path: object) -> Callable[[list[str]], str]:
    def accept(header: list[str]) -> str:
        layout = classify_columns(header)
        if layout in _BUILDERS:
            return cast(str, layout)
        what = "a scenes table: read it with read_scenes" if layout == "scenes" else "unknown"
        raise IngestError(
            path,
            f"not a satellite detections file ({what}); columns found: {list(header)[:40]}; "
            f"expected {_EXPECTED}",
        )

    return accept


def read_detections(
    path: Source, *, quarantine: Quarantine | None = None, scenes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read satellite vessel detections (GFW, Skylight or generic CSV/GeoJSON) into the §1 table.

    Parameters
    ----------
    path : str, Path or InMemory
        The file, optionally ``.gz``/``.zst``/``.zip``.
    quarantine : Quarantine, optional
        Receives bad rows: ``bad_time``, ``no_position``, ``bad_position``, ``bad_score``,
        ``duplicate_detect_id`` (and the CSV engine's ``parse_error``); each reason starts
        ``<file>:<line>:``.
    scenes : DataFrame, optional
        A scenes table (:func:`read_scenes`): Skylight rows (and GFW rows without
        ``detect_timestamp``) take their scene's time and sensor from it.

    Returns
    -------
    pandas.DataFrame
        :data:`DETECTION_COLUMNS`. ``attrs['format']`` is the layout; ``attrs['stats']`` counts
        ``records`` (= ``rows`` + ``quarantined``), ``bad_length``/``bad_beam`` (values set to
        NaN), ``no_time`` (rows kept without a time), ``time_from_scenes`` /
        ``time_from_scene_id`` (Skylight), ``score_percent``; ``attrs['scenes']`` is the scenes
        table of a GFW file with ``footprint_wkt`` (then ``scenes`` and
        ``scenes_bad_footprint``: scenes left out for an unusable footprint, their detections
        kept).

    Raises
    ------
    IngestError
        If the file is missing, unreadable or of no detections layout (naming the columns found
        and the layouts expected).

    Examples
    --------
    >>> from navwatch.io import InMemory
    >>> src = InMemory(b"time,lat,lon,length_m,score,scene_id,source\\n"
    ...     b"2024-12-02T06:00Z,34.9,35.87,130,0.9,S2A_X,planet\\n"
    ...     b"2024-12-02T06:00Z,0,0,130,0.9,S2A_X,planet\\n", "d.csv")
    >>> q = Quarantine()
    >>> df = read_detections(src, quarantine=q)
    >>> df[["detect_id", "length_m", "sensor"]].values.tolist(), q.to_frame()["reason"].tolist()
    ([['d.csv:2', 130.0, 'optical']], ['d.csv:3: position 0/0 (no fix)'])
    """
    p = as_path(path)
    local = Quarantine()
    raw = _load(p, local, _accept_detections(p))
    parts = _BUILDERS[raw.layout](raw, scenes)
    df = parts.frame
    probs = _Problems(len(df))
    if parts.time_reasons is not None:
        probs.add(df["time"].isna().to_numpy(), "bad_time", parts.time_reasons)
    _position_checks(probs, df["lat"].to_numpy(), df["lon"].to_numpy())
    probs.add(parts.bad_score, "bad_score", _score_reasons(raw, parts.bad_score))
    given = df["detect_id"]
    dup = np.zeros(len(df), dtype=bool)
    ok = probs.ok & given.notna().to_numpy()
    dup[ok] = given[ok].duplicated(keep="first").to_numpy()
    probs.add(dup, "duplicate_detect_id", _dup_reasons(given, dup, "detect_id"))
    label = _label(p)
    missing = given.isna().to_numpy()
    if missing.any():
        given = given.copy()
        given[missing] = [f"{label}:{v}" for v in raw.lines[missing]]
    df["detect_id"] = given
    scene_table = _gfw_scenes(raw, df, probs.ok) if raw.layout == "gfw" else None
    out = _quarantine_rows(df, probs, raw, local)
    stats = {"records": raw.records, "rows": len(out), "quarantined": len(local), **parts.stats}
    if "_time_from" in out.columns:
        stats["time_from_scenes"] = int((out["_time_from"] == "scenes").sum())
        stats["time_from_scene_id"] = int((out["_time_from"] == "scene_id").sum())
    stats["no_time"] = int(out["time"].isna().sum())
    out = out[list(DETECTION_COLUMNS)]
    out.attrs = {"format": raw.layout, "stats": stats}
    if scene_table is not None:
        out.attrs["scenes"] = scene_table
        stats["scenes"] = len(scene_table)
        stats["scenes_bad_footprint"] = scene_table.attrs["stats"]["bad_footprint"]
    if quarantine is not None:
        quarantine.extend(local)
    return out


def _score_reasons(raw: _Raw, bad: np.ndarray) -> np.ndarray:
    out = np.full(len(bad), None, dtype=object)
    arr = raw.get("score", "presence", "presencescore", "confidence")
    if arr is None or not bad.any():
        return out
    idx = np.flatnonzero(bad)
    shown = arr.take(pa.array(idx)).to_pylist()
    out[idx] = [f"score {str(v)[:40]!r} is not in [0, 1] nor a percentage" for v in shown]
    return out


def _dup_reasons(ids: pd.Series, dup: np.ndarray, what: str) -> np.ndarray:
    out = np.full(len(dup), None, dtype=object)
    idx = np.flatnonzero(dup)
    out[idx] = [f"{what} {str(v)[:60]!r} seen before in this file" for v in ids.iloc[idx]]
    return out


# --------------------------------------------------------------------------------------------
# Footprints
# --------------------------------------------------------------------------------------------


def _parse_geometry(value: object) -> Any:
    """WKT or GeoJSON geometry text -> a shapely geometry, or None."""
    import shapely

    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if text.startswith("{"):
            return shapely.from_geojson(text)
        return shapely.from_wkt(text)
    except Exception:  # shapely.errors.GEOSException, ValueError
        return None


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (Polygon / MultiPolygon), or None."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys: list[Any] = []
    for part in getattr(geom, "geoms", []):
        got = _polygonal(part)
        if got is not None:
            polys.extend(getattr(got, "geoms", [got]))
    if not polys:
        return None
    merged = shapely.union_all(polys)
    return merged if isinstance(merged, Polygon | MultiPolygon) else None


def _antimeridian(geom: Any) -> tuple[Any, bool]:
    """A footprint crossing the antimeridian as a MultiPolygon of its parts either side.

    Crossing is seen as longitudes above 180 or below -180 (0-360 coordinates), or a footprint
    wider than 180 degrees written in -180..180 (its vertices jump from 179 to -179): its
    negative longitudes are then taken as +360. The parts are cut at +-180 and shifted back
    into -180..180. Returns (geometry, split?)."""
    import shapely
    from shapely import affinity
    from shapely.geometry import MultiPolygon, Polygon, box

    minx, _, maxx, _ = geom.bounds
    if maxx - minx > 180 and minx >= -180 and maxx <= 180:
        geom = shapely.transform(
            geom,
            lambda xy: np.column_stack(
                [np.where(xy[:, 0] < 0, xy[:, 0] + 360, xy[:, 0]), xy[:, 1]]
            ),
        )
        minx, _, maxx, _ = geom.bounds
    if minx >= -180 and maxx <= 180:
        return geom, False
    parts: list[Any] = []
    for k in (-1, 0, 1):
        piece = _polygonal(geom.intersection(box(360 * k - 180, -90, 360 * k + 180, 90)))
        if piece is not None:
            piece = affinity.translate(piece, xoff=-360 * k)
            parts.extend(getattr(piece, "geoms", [piece]))
    polys = [g for g in parts if isinstance(g, Polygon) and not g.is_empty]
    if not polys:
        return geom, False
    return (polys[0] if len(polys) == 1 else MultiPolygon(polys)), len(polys) > 1


def clean_footprint(geom: Any) -> tuple[Any, str | None, str]:
    """``(footprint, reason, fix)``: a valid Polygon/MultiPolygon in -180..180, or None and why.

    Invalid geometry is repaired with :func:`shapely.make_valid` when that leaves polygons
    (``fix='repaired'``); footprints crossing the antimeridian are split (``fix='split'``, see
    :func:`_antimeridian`); latitudes beyond +-90, points, lines and empty geometry are refused.

    Examples
    --------
    >>> from shapely import from_wkt
    >>> g, why, fix = clean_footprint(from_wkt("POLYGON((179 0, -179 0, -179 1, 179 1, 179 0))"))
    >>> g.geom_type, fix, round(g.area, 6)
    ('MultiPolygon', 'split', 2.0)
    """
    import shapely

    if geom is None or geom.is_empty:
        return None, "footprint missing, empty or not WKT/GeoJSON geometry", ""
    fix = ""
    if not geom.is_valid:
        geom = _polygonal(shapely.make_valid(geom))
        if geom is None:
            return None, "invalid footprint; make_valid leaves no polygon", ""
        fix = "repaired"
    poly = _polygonal(geom)
    if poly is None:
        return None, f"footprint is a {geom.geom_type}, not a polygon", ""
    _, miny, _, maxy = poly.bounds
    if miny < -90 or maxy > 90:
        return None, "footprint latitude beyond +-90", ""
    poly, split = _antimeridian(poly)
    return poly, None, "split" if split else fix


def _footprints(values: list[Any]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Clean footprints: (geometries, reasons (None = fine), counts of repairs and splits)."""
    geoms = np.full(len(values), None, dtype=object)
    reasons = np.full(len(values), None, dtype=object)
    counts = {"footprint_repaired": 0, "footprint_split": 0}
    for i, v in enumerate(values):
        g = v if hasattr(v, "geom_type") or v is None else _parse_geometry(v)
        geoms[i], reasons[i], fix = clean_footprint(g)
        if fix:
            counts["footprint_" + fix] += 1
    return geoms, reasons, counts


def _scene_frame(data: dict[str, Any], geoms: np.ndarray) -> Any:
    """A §2 scenes table (columns in :data:`SCENE_COLUMNS` order, EPSG:4326)."""
    import geopandas as gpd

    out = gpd.GeoDataFrame(data, geometry=list(geoms), crs="EPSG:4326")
    return out[list(SCENE_COLUMNS)]


def _gfw_scenes(raw: _Raw, df: pd.DataFrame, ok: np.ndarray) -> Any:
    """The scenes of a GFW table with ``footprint_wkt``: one per scene id (its first footprint,
    its earliest detection time). Scenes whose footprint is unusable are left out, counted in
    ``attrs['stats']['bad_footprint']`` of the scenes table."""
    arr = raw.get("footprintwkt", "footprint")
    if arr is None:
        return None
    rows = pd.DataFrame(
        {
            "scene_id": df["scene_id"],
            "time": df["time"],
            "footprint": _strings(arr, len(df)),
            "src_line": df["src_line"],
        }
    )[ok & df["scene_id"].notna().to_numpy()]
    first = rows.drop_duplicates("scene_id").set_index("scene_id")
    earliest = rows.groupby("scene_id")["time"].min()
    geoms, reasons, counts = _footprints(first["footprint"].tolist())
    good = pd.isna(reasons)
    ids = first.index.to_numpy()[good]
    sensors = _sensors(pd.Series(ids, dtype="string"))
    source = np.where(
        sensors == "sar", "sentinel-1", np.where(sensors == "optical", "sentinel-2", "gfw")
    )
    out = _scene_frame(
        {
            "scene_id": pd.Series(ids, dtype="string"),
            "time": pd.Series(earliest.reindex(ids).to_numpy(), dtype="datetime64[ns, UTC]"),
            "source": pd.Series(source, dtype="string"),
            "sensor": sensors.to_numpy(),
            "cloud_cover": np.full(len(ids), np.nan),
            "resolution_m": np.full(len(ids), np.nan),
            "src_file": pd.Series([str(raw.path)] * len(ids), dtype="string"),
            "src_line": pd.array(first["src_line"].to_numpy()[good], dtype="Int64"),
        },
        geoms[good],
    )
    out.attrs = {"format": "scenes", "stats": {"bad_footprint": int((~good).sum()), **counts}}
    return out


# --------------------------------------------------------------------------------------------
# Scenes
# --------------------------------------------------------------------------------------------


def _accept_scenes(path: object) -> Callable[[list[str]], str]:
    def accept(header: list[str]) -> str:
        layout = classify_columns(header)
        if layout == "scenes":
            return layout
        what = f"a {layout} detections file: read it with read_detections" if layout else "unknown"
        raise IngestError(
            path,
            f"not a scenes table ({what}); columns found: {list(header)[:40]}; "
            f"expected {_EXPECTED_SCENES} (CSV), or GeoJSON/GeoPackage polygons with those "
            "properties",
        )

    return accept


def read_scenes(path: Source, *, quarantine: Quarantine | None = None) -> Any:
    """Read scene footprints into the §2 table (a GeoDataFrame in EPSG:4326).

    CSV: ``scene_id, time, source, footprint`` (WKT or GeoJSON geometry text; also named
    ``footprint_wkt``, ``wkt`` or ``geometry``) and optional ``sensor``, ``cloud_cover``
    (0-1, or percent when the column's largest value is above 1) and ``resolution_m`` (ground
    resolution in metres, also ``gsd``; it sets the length tolerance of matching; a value not
    in (0, 1000] is set to NaN and counted as ``bad_resolution``). GeoJSON / GeoPackage:
    polygon features with those properties (reprojected to EPSG:4326). ``sensor`` missing or
    empty is inferred from ``source`` (:data:`SAR_SOURCES`, :data:`OPTICAL_SOURCES`), else from
    the scene id (``S1...`` SAR, ``S2...``/``LC08...`` optical), else ``""``.

    Parameters
    ----------
    path : str, Path or InMemory
        The file, optionally compressed.
    quarantine : Quarantine, optional
        Receives ``no_scene_id``, ``bad_time``, ``bad_footprint`` and ``duplicate_scene`` rows
        (reasons start ``<file>:<line>:``); the first row of a scene id wins.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SCENE_COLUMNS`; ``attrs['stats']`` counts ``records``, ``rows``,
        ``quarantined``, ``footprint_repaired`` (by make_valid), ``footprint_split`` (across
        the antimeridian, see :func:`clean_footprint`) and ``bad_cloud_cover`` (set to NaN).

    Raises
    ------
    IngestError
        If the file is missing, unreadable or not a scenes table (naming the columns found and
        the columns expected).

    Examples
    --------
    >>> from navwatch.io import InMemory
    >>> src = InMemory(b"scene_id,time,source,footprint\\n"
    ...     b'S1A_1,2024-12-02T06:00Z,sentinel-1,"POLYGON((35 34,36 34,36 35,35 35,35 34))"\\n')
    >>> read_scenes(src)[["scene_id", "sensor"]].values.tolist()
    [['S1A_1', 'sar']]
    """
    p = as_path(path)
    local = Quarantine()
    raw = _load(p, local, _accept_scenes(p))
    n = len(raw.lines)
    scene_id = _strings(raw.get("sceneid"), n)
    times, time_reasons = _times(raw, (*SYNONYMS["time"], "acquired", "acquisitiontime"))
    source = _strings(raw.get("source", "provider", "satellite", "platform"), n)
    sensor = _sensors(_strings(raw.get("sensor"), n), source, scene_id)
    cloud, bad_cloud, _ = _fractions(raw.get("cloudcover", "cloud", "cloudpct"), n)
    res = _numbers(raw.get("resolutionm", "resolution", "gsdm", "gsd"), n)
    bad_res = ~np.isnan(res) & ~((res > 0) & (res <= 1000))
    res = np.where(bad_res, np.nan, res)
    if raw.geometry is not None:
        values: list[Any] = list(raw.geometry)
    else:
        values = _strings(raw.get(*_FOOTPRINT_NAMES), n).astype("object").tolist()
    geoms, fp_reasons, counts = _footprints([None if v is pd.NA else v for v in values])
    probs = _Problems(n)
    probs.add(scene_id.isna().to_numpy(), "no_scene_id", "scene_id is empty")
    if time_reasons is not None:
        probs.add(times.isna().to_numpy(), "bad_time", time_reasons)
    probs.add(~pd.isna(fp_reasons), "bad_footprint", fp_reasons)
    dup = np.zeros(n, dtype=bool)
    ok = probs.ok
    dup[ok] = scene_id[ok].duplicated(keep="first").to_numpy()
    probs.add(dup, "duplicate_scene", _dup_reasons(scene_id, dup, "scene_id"))
    frame = pd.DataFrame(
        {
            "scene_id": scene_id,
            "time": times,
            "source": source.fillna(""),
            "sensor": sensor,
            "cloud_cover": cloud,
            "resolution_m": res,
            "src_file": pd.Series([str(p)] * n, dtype="string"),
            "src_line": pd.array(raw.lines, dtype="Int64"),
            "_geom": geoms,
        }
    )
    frame = _quarantine_rows(frame, probs, raw, local)
    out = _scene_frame(
        {c: frame[c] for c in SCENE_COLUMNS if c != "geometry"}, frame["_geom"].to_numpy()
    )
    stats = {"records": raw.records, "rows": len(out), "quarantined": len(local), **counts,
             "bad_cloud_cover": int(bad_cloud.sum()), "bad_resolution": int(bad_res.sum())}  # fmt: skip
    out.attrs = {"format": "scenes", "stats": stats}
    if quarantine is not None:
        quarantine.extend(local)
    return out
