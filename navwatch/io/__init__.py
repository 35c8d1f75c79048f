"""Readers (and writers) for observations. I/O lives here; the core never opens files.

:func:`read_observations` auto-detects each file's format by content and returns one canonical
observation table (see :mod:`navwatch.schema`). Bad rows go to a :class:`~navwatch.quarantine.Quarantine`.
Live feed messages (aisstream, AIS-catcher, Digitraffic, AISHub) are decoded by
:func:`decode_live` (:func:`navwatch.io.live.decode`).
"""

from __future__ import annotations

import csv
import glob
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import pandas as pd

from .. import schema
from ..errors import IngestError
from ..quarantine import Quarantine
from ._common import InMemory, Source, as_path, as_source, base_suffix, is_in_memory, open_binary
from .evidence import read_sightings, read_surveys
from .live import decode as decode_live
from .tables import (
    normalise_name,
    read_dma,
    read_generic_csv,
    read_geo,
    read_noaa,
    read_parquet,
    read_traj,
    recognise_columns,
)

__all__ = [
    "FORMATS",
    "IMAGERY_FORMATS",
    "READERS",
    "InMemory",
    "decode_live",
    "detect_format",
    "read_dma",
    "read_generic_csv",
    "read_geo",
    "read_nmea",
    "read_file",
    "read_noaa",
    "read_observations",
    "read_parquet",
    "read_sightings",
    "read_surveys",
    "read_traj",
]

_NMEA_RE = re.compile(r"^(?:\S+\s+|\\[^\\]*\\)?[!$][A-Z]{2}VD[MO],", re.MULTILINE)


def read_nmea(path: Source, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read raw NMEA 0183 AIS sentences; see :func:`navwatch.io.nmea.read_nmea`."""
    from .nmea import read_nmea as _read_nmea

    return _read_nmea(path, quarantine=quarantine)


def _looks_like_nmea(head: str) -> bool:
    try:
        from .nmea import looks_like_nmea
    except ImportError:  # the NMEA module is optional at import time
        return bool(_NMEA_RE.search(head))
    return bool(looks_like_nmea(head))


#: The formats whose readers take ``columns=`` (they skip the columns not wanted).
_PROJECTING = frozenset({"noaa", "dma", "csv", "parquet"})

#: Format name -> reader ``reader(path, *, quarantine=None) -> DataFrame``; ``path`` may also be
#: in-memory input (:class:`InMemory`).
READERS: dict[str, Callable[..., pd.DataFrame]] = {
    "nmea": read_nmea,
    "noaa": read_noaa,
    "dma": read_dma,
    "sightings": read_sightings,
    "surveys": read_surveys,
    "csv": read_generic_csv,
    "parquet": read_parquet,
    "geo": read_geo,
    "traj": read_traj,
}
FORMATS = tuple(READERS)

#: What :func:`detect_format` returns for satellite imagery files, which are not observations:
#: vessel detections (GFW, Skylight, generic) and scene footprints; read them with
#: :mod:`navwatch.imagery` (``read_detections``, ``read_scenes``).
IMAGERY_FORMATS = ("detections", "scenes")


def _imagery(head: bytes, path: Path | InMemory) -> str | None:
    """``detections``/``scenes`` when ``head`` is a satellite imagery file, else None."""
    from ..imagery.readers import sniff_imagery  # navwatch.imagery imports navwatch.io

    layout = sniff_imagery(head, path)
    if layout is None:
        return None
    return "scenes" if layout == "scenes" else "detections"


_GEO_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".kml", ".gml", ".gpx", ".sqlite"}


def detect_format(path: Source) -> str:  # noqa: C901 -- one branch per recognised format (content sniffing)
    """The format of a file, judged by its content; the extension only breaks ties.

    Parquet files start with ``PAR1`` and a directory is a Parquet dataset. GeoPackage (SQLite),
    GeoJSON, FlatGeobuf and shapefiles are ``geo``. ``.traj`` lines start with ``*T*``. Text whose
    lines carry ``!AIVDM``-style sentences is ``nmea``. Otherwise the CSV header decides: ``#
    Timestamp`` + ``Type of mobile`` = ``dma``; ``BaseDateTime``/``base_date_time`` with MMSI and
    lat/lon = ``noaa``; ``time,port,...,coverage,present`` = ``surveys``;
    ``time,vessel,lat,lon`` with ``confidence`` or ``source`` = ``sightings``; any other header
    with time, lat, lon and an identity column = ``csv``. Satellite vessel detections (GFW,
    Skylight, generic: time, lat, lon, scene_id/score/length_m and no vessel identity) are
    ``detections`` and scene footprint tables ``scenes`` (:data:`IMAGERY_FORMATS`,
    :func:`navwatch.imagery.detect_imagery_format`); :func:`read_observations` refuses them.

    Parameters
    ----------
    path : str, Path or InMemory
        A file (optionally ``.gz``/``.zst``/``.zip``) or a directory; in-memory input is judged
        by its content alone.

    Returns
    -------
    str
        One of :data:`FORMATS` or :data:`IMAGERY_FORMATS`.

    Raises
    ------
    IngestError
        If the file is missing, unreadable or of no known format (the message says what was seen).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("MMSI,BaseDateTime,LAT,LON,SOG\\n367000140,2020-06-30T00:00:00,40.6,-74.0,0\\n")
    >>> detect_format(p)
    'noaa'
    """
    p = as_path(path)
    if isinstance(p, Path) and p.is_dir():
        if any(p.rglob("*.parquet")) or any(p.rglob("*.parq")) or any(p.rglob("*.pq")):
            return "parquet"
        raise IngestError(
            p, "directory holds no .parquet files (only Parquet datasets are read as directories)"
        )
    if isinstance(p, Path) and not p.exists():
        raise IngestError(p, "file not found")
    with open_binary(p) as fh:
        try:
            head = fh.read(8192)
        except Exception as exc:  # gzip/zlib/zstandard/zipfile raise assorted types
            raise IngestError(p, f"cannot read: {type(exc).__name__}: {exc}") from exc
    suffix = base_suffix(p)
    if not head:
        raise IngestError(p, "empty file")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"SQLite format 3\x00") or head.startswith(b"fgb\x03"):
        return _imagery(head, p) or "geo"
    if head[:4] == b"\x00\x00\x27\x0a":  # ESRI shapefile
        return "geo"
    if suffix in (".parquet", ".parq", ".pq"):
        raise IngestError(
            p, f"named {suffix} but has no Parquet magic bytes (starts {head[:16]!r})"
        )
    text = head.decode("utf-8", errors="replace")
    if "\x00" in text or text.count("\ufffd") > len(text) // 10 + 1:
        raise IngestError(p, f"unrecognised binary content (starts {head[:16]!r})")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{") and ('"Feature' in text or '"type"' in text):
        return _imagery(head, p) or "geo"
    if stripped.startswith("<") and suffix in _GEO_SUFFIXES:
        return "geo"
    if stripped.startswith("*T*,"):
        return "traj"
    if _looks_like_nmea(stripped):
        return "nmea"
    first = stripped.splitlines()[0] if stripped else ""
    header = next(csv.reader([first]), [])
    norm = [normalise_name(h) for h in header]
    found = recognise_columns(header)
    has_pos = "lat" in found and "lon" in found
    if "timestamp" in norm and "typeofmobile" in norm:
        return "dma"
    if "basedatetime" in norm and "mmsi" in norm and has_pos:
        return "noaa"
    if {"time", "port", "coverage", "present"} <= set(norm):
        return "surveys"
    if (
        {"time", "vessel", "lat", "lon"} <= set(norm)
        and ("confidence" in norm or "source" in norm)
        and "mmsi" not in norm
    ):
        return "sightings"
    imagery = _imagery(head, p)
    if imagery is not None:
        return imagery
    if "time" in found and has_pos and any(c in found for c in schema.IDENTITY):
        return "csv"
    if suffix in _GEO_SUFFIXES:
        return "geo"
    if suffix == ".traj":
        return "traj"
    shown = first[:120]
    raise IngestError(
        p,
        "unrecognised format: expected Parquet, GeoPackage/GeoJSON, Tracktable .traj, NMEA AIS "
        "sentences, or a CSV whose header names time, lat, lon and a vessel id "
        f"(NOAA, DMA, sightings, surveys or generic); first line is {shown!r}",
    )


def _expand(paths: Source | Iterable[Source]) -> list[Path | InMemory]:
    items: list[Source]
    if isinstance(paths, (str, Path)) or is_in_memory(paths):
        items = [cast(Source, paths)]
    else:
        items = list(cast(Iterable[Source], paths))
    out: list[Path | InMemory] = []
    for item in items:
        if is_in_memory(item):
            out.append(as_path(item))  # an InMemory
            continue
        p = Path(cast("str | Path", item))
        if not p.exists() and glob.has_magic(str(item)):
            hits = sorted(glob.glob(str(item), recursive=True))
            if not hits:
                raise IngestError(item, "glob pattern matched no files")
            out.extend(Path(h) for h in hits)
        else:
            out.append(p)
    return out


def read_file(
    path: Path | InMemory,
    fmt: str,
    *,
    quarantine: Quarantine | None = None,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One file read by the reader of format ``fmt`` (:data:`READERS`), with only ``columns`` of
    the optional canonical columns (:func:`navwatch.schema.projected`; None: all). The tabular
    readers do not decode the others; the rest drop them after reading. A format of
    :data:`IMAGERY_FORMATS` raises :class:`IngestError` (not observations)."""
    if fmt in IMAGERY_FORMATS:
        raise _imagery_error(path, fmt)
    if columns is None:
        return READERS[fmt](path, quarantine=quarantine)
    if fmt in _PROJECTING:
        return READERS[fmt](path, quarantine=quarantine, columns=tuple(columns))
    df = READERS[fmt](path, quarantine=quarantine)
    keep = list(schema.projected(dict.fromkeys(df.columns), columns))
    return df[keep] if len(keep) < len(df.columns) else df


def _imagery_error(path: Path | InMemory, fmt: str) -> IngestError:
    what = "satellite scene footprints" if fmt == "scenes" else "satellite detections"
    return IngestError(
        path,
        f"{what}, not observations: give it to `navwatch imagery` or `navwatch detect` (which "
        "match detections to AIS and derive port surveys from the footprints), or read it with "
        f"navwatch.imagery.read_{'scenes' if fmt == 'scenes' else 'detections'}",
    )


def read_observations(
    paths: Source | Iterable[Source],
    *,
    quarantine: Quarantine | None = None,
    format: str | None = None,
    progress: Callable[[Path | InMemory, int, int], Any] | None = None,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read one or many observation files of any supported format into one canonical table.

    Parameters
    ----------
    paths : path or iterable of paths
        Files (optionally compressed), Parquet dataset directories, or glob patterns; or
        in-memory input (:class:`InMemory`, whose name stands for a path in ``read_stats``).
    quarantine : Quarantine, optional
        Receives every rejected row of every file.
    format : str, optional
        Force a format (one of :data:`FORMATS`) instead of detecting it per file.
    progress : callable, optional
        Called as ``progress(path, i, n)`` before reading file ``i`` (0-based) of ``n``.
    columns : iterable of str, optional
        The optional canonical columns wanted besides the required, identity and provenance
        ones (:func:`navwatch.schema.projected`); the tabular readers then do not even decode
        the others. Default: every column a file holds. navwatch's jobs ask for
        :data:`navwatch.schema.ANALYSIS_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        The concatenated canonical table. ``attrs['read_stats']`` holds ``files`` (per file:
        ``file``, ``format``, ``rows``, ``quarantined``, ``skipped_non_vessel`` and
        ``skipped_by_class`` (stations that are not vessels, see :mod:`navwatch.io.mmsi`),
        ``confidence_unknown`` (confidence values not understood -> rows) when there are any,
        and reader-specific counts), total ``rows``, ``quarantined`` and ``skipped_non_vessel``.

    Raises
    ------
    IngestError
        For a missing, unreadable or unrecognised file (naming it), when no path is given, or
        for a satellite detections or scenes file (:data:`IMAGERY_FORMATS`; read those with
        :mod:`navwatch.imagery`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("time,vessel,lat,lon,source,confidence,notes\\n"
    ...     "2024-12-02T06:00Z,Yelnya,34.9,35.87,Maxar,,\\n")
    >>> _ = (d / "b.csv").write_text("time,mmsi,lat,lon\\n2024-12-02T07:00Z,273000001,34.9,35.8\\n")
    >>> df = read_observations([d / "a.csv", d / "b.csv"])
    >>> df["kind"].tolist(), [f["format"] for f in df.attrs["read_stats"]["files"]]
    (['sighting', 'ais'], ['sightings', 'csv'])
    """
    if format is not None and format not in READERS:
        shown = as_source(cast(Source, paths)) if is_in_memory(paths) else paths
        raise IngestError(str(shown), f"unknown format {format!r}; expected one of {list(FORMATS)}")
    files = _expand(paths)
    wanted = None if columns is None else tuple(columns)
    if not files:
        raise IngestError("<none>", "no input paths given")
    frames = []
    per_file = []
    for i, path in enumerate(files):
        if progress is not None:
            progress(path, i, len(files))
        fmt = format or detect_format(path)
        if fmt in IMAGERY_FORMATS:
            raise _imagery_error(path, fmt)
        local = Quarantine()
        df = read_file(path, fmt, quarantine=local, columns=wanted)
        stats = dict(df.attrs.get("stats", {}))
        stats.update(file=str(path), format=fmt, rows=len(df), quarantined=len(local))
        per_file.append(stats)
        if quarantine is not None:
            quarantine.extend(local)
        frames.append(df)
    out = schema.concat(frames)
    out.attrs = {
        "read_stats": {
            "files": per_file,
            "rows": len(out),
            "quarantined": sum(s["quarantined"] for s in per_file),
            "skipped_non_vessel": sum(s.get("skipped_non_vessel", 0) for s in per_file),
        }
    }
    return out
