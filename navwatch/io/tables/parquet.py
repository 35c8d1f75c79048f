"""Parquet / GeoParquet: files and (hive-partitioned) directory datasets, whole or in batches.

A GeoParquet point geometry (WKB or geoarrow ``point``) supplies lon/lat, reprojected to
EPSG:4326 when its CRS differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ... import schema
from ...errors import IngestError
from ...quarantine import Quarantine
from .._common import COMPRESSED_SUFFIXES, InMemory, Source, as_path, as_source, open_binary
from .._common import to_float as _float
from ..times import TimeColumn
from .columns import _require, recognise_columns
from .csv_engine import _read
from .finish import (
    _Assembler,
    _const_str,
    _default_kind,
    _finish,
    _kind_checks,
    _new_stats,
    _position_mask,
    _process,
)
from .values import _frame

_STRINGISH = ("callsign", "name", "vessel", "ship_type", "source", "port", "coverage", "kind")


def read_parquet(
    path: Source,
    *,
    quarantine: Quarantine | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a Parquet/GeoParquet file or a (hive-partitioned) directory of Parquet files.

    Columns may be canonical (a table navwatch wrote) or recognisable as in
    :func:`read_generic_csv`. A GeoParquet point geometry (WKB or geoarrow ``point``) supplies
    lon/lat, reprojected to EPSG:4326 if its CRS differs. Only the needed columns are read; text
    columns are read dictionary-encoded. ``src_file`` is the data file (for a dataset, the part
    file) and ``src_line`` the 1-based row within it.

    Parameters
    ----------
    path : str, Path or InMemory
        A ``.parquet`` file (optionally compressed) or a directory dataset.
    quarantine : Quarantine, optional
        Receives bad rows.
    columns : sequence of str, optional
        Optional canonical columns wanted besides the required, identity and provenance ones
        (:func:`navwatch.schema.projected`); default all recognisable.

    Returns
    -------
    pandas.DataFrame
        Canonical observations.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.parquet"
    >>> pd.DataFrame({"timestamp": pd.to_datetime(["2024-12-03 08:00"]), "lat": [43.1],
    ...               "lon": [5.9], "mmsi": [273000001]}).to_parquet(p)
    >>> read_parquet(p)[["time", "mmsi", "src_line"]].to_dict("records")[0]["src_line"]
    1
    """
    path = as_source(path)
    local = Quarantine()
    stats = _new_stats("parquet")
    out: _Assembler | None = None
    for df in _parquet_batches(path, columns, local, stats, _BATCH_ROWS):
        # batches go straight into preallocated columns: peak memory stays near the size of
        # the result instead of arrow table + pandas copy + concatenation
        if out is None:
            out = _Assembler(stats["capacity"])
        out.add(df)
    stats.pop("capacity", None)
    frames = [out.frame()] if out is not None else []
    return _finish(frames, as_path(path), local, quarantine, stats)


def iter_parquet(
    path: Source,
    *,
    quarantine: Quarantine | None = None,
    columns: Sequence[str] | None = None,
    batch_rows: int = 262_144,
) -> Iterator[pd.DataFrame]:
    """Read a Parquet file or dataset as canonical observation tables of at most ``batch_rows``
    rows each, for archives larger than memory. Bad rows go to ``quarantine`` as they are met.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.parquet"
    >>> pd.DataFrame({"time": pd.date_range("2024-12-01", periods=5, freq="h", tz="UTC"),
    ...               "lat": 34.9, "lon": 35.8, "mmsi": 273000001}).to_parquet(p)
    >>> [len(b) for b in iter_parquet(p, batch_rows=2)]
    [2, 2, 1]
    """
    path = as_source(path)
    stats = _new_stats("parquet")
    for df in _parquet_batches(
        path, columns, quarantine if quarantine is not None else Quarantine(), stats, batch_rows
    ):
        if "src_file" in df.columns:
            df["src_file"] = df["src_file"].astype("category")
        yield schema.conform(df, where=str(path))


def _parquet_batches(
    path, columns, local: Quarantine, stats: dict, batch_rows: int
) -> Iterator[pd.DataFrame]:
    """Canonical observation frames of a Parquet file or dataset, a record batch each (bad rows
    to ``local``); ``stats['capacity']`` is set to the total row count before the first."""
    p = as_path(path)
    parts, sch, meta, capacity = _parquet_parts(p, batch_rows)
    layout = _layout(p, sch, meta, columns)
    stats["capacity"] = capacity
    times = TimeColumn(p, layout.found["time"])
    for src, read in parts:
        line0 = 0
        try:
            for batch in read(layout.read_columns):
                n = batch.num_rows
                yield _batch_frame(batch, src, line0, layout, times, stats, local)
                line0 += n
        except (OSError, pa.ArrowException) as exc:
            raise IngestError(src, f"cannot read as Parquet: {exc}") from exc
    times.finish()
    pa.default_memory_pool().release_unused()


_Part = tuple[str, Callable[[list[str]], Any]]  # a data file and its batch reader over columns


def _parquet_parts(p, batch_rows: int) -> tuple[list[_Part], pa.Schema, dict, int]:
    """The data files to read (with a batch reader each), the schema, its metadata and the
    total row count of a Parquet file (possibly compressed, or in memory) or dataset folder."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    try:
        if not isinstance(p, InMemory) and p.is_dir():
            dataset = ds.dataset(
                p, format="parquet", partitioning="hive", ignore_prefixes=[".", "_"]
            )
            fragments = sorted(dataset.get_fragments(), key=lambda f: f.path)
            if not fragments:
                raise IngestError(p, "directory holds no Parquet files")
            sch = dataset.schema
            meta = pq.read_schema(fragments[0].path).metadata or {}
            parts: list[_Part] = [
                (
                    f.path,
                    lambda cols, f=f: f.to_batches(  # type: ignore[misc]
                        columns=cols,
                        schema=sch,
                        batch_size=batch_rows,
                        fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False),
                    ),
                )
                for f in fragments
            ]
            capacity = sum(f.count_rows() for f in fragments)
        else:
            if isinstance(p, InMemory) or p.suffix.lower() in COMPRESSED_SUFFIXES:
                with open_binary(p) as fh:
                    source: Any = pa.BufferReader(_read(fh, -1, p))
            elif not p.exists():
                raise IngestError(p, "file not found")
            else:
                source = str(p)
            pf = pq.ParquetFile(source, pre_buffer=False)  # pre-buffering holds whole row groups
            sch = pf.schema_arrow
            meta = sch.metadata or {}
            parts = [
                (str(p), lambda cols, pf=pf: pf.iter_batches(columns=cols, batch_size=batch_rows))  # type: ignore[misc]
            ]
            capacity = pf.metadata.num_rows
    except IngestError:
        raise
    except (OSError, pa.ArrowException) as exc:
        raise IngestError(p, f"cannot read as Parquet: {exc}") from exc
    return parts, sch, meta, capacity


@dataclass
class _Layout:
    """Where a Parquet schema holds the canonical columns."""

    found: dict[str, str]  # canonical name -> column name
    geo_col: str | None  # a point geometry column giving lon/lat
    geo_info: dict  # its GeoParquet metadata (encoding, crs)

    @property
    def read_columns(self) -> list[str]:
        """The columns to read."""
        geo = [self.geo_col] if self.geo_col else []
        return list(dict.fromkeys(list(self.found.values()) + geo))


def _layout(p, sch: pa.Schema, meta: dict, columns: Sequence[str] | None) -> _Layout:
    """Recognise the canonical columns of ``sch`` (time, a position, an identity, and
    ``columns`` when given, else every recognisable one)."""
    names = list(sch.names)
    geo_col, geo_info = _geo_column(sch, meta)
    found = recognise_columns([n for n in names if n != geo_col])
    if geo_col is not None:
        found.pop("lat", None)
        found.pop("lon", None)
        needed: Sequence[str] = ("time",)
    else:
        needed = ("time", "lat", "lon")
    _require(p, names, found, needed, "Parquet table of positions")
    if not any(c in found for c in schema.IDENTITY):
        raise IngestError(
            p, f"no identity column (mmsi, imo, callsign, name, vessel); columns found: {names}"
        )
    return _Layout(schema.projected(found, columns), geo_col, geo_info)


def _batch_frame(
    batch,
    src: str,
    line0: int,
    layout: _Layout,
    times: TimeColumn,
    stats: dict,
    local: Quarantine,
) -> pd.DataFrame:
    """One record batch of data file ``src`` (its rows ``line0 + 1`` on) as a canonical,
    checked observation frame."""
    table = pa.Table.from_batches([batch])
    n = table.num_rows
    stats["records"] += n
    cols = {canon: table.column(name) for canon, name in layout.found.items()}
    df = _frame(cols, n, times=times)
    if layout.geo_col is not None:
        df["lon"], df["lat"] = _points_from_arrow(
            src, table.column(layout.geo_col), layout.geo_info
        )
    df["src_line"] = pd.array(np.arange(line0 + 1, line0 + n + 1, dtype=np.int32), dtype="Int32")
    df["src_file"] = _const_str(src, n)

    def raw(idx: np.ndarray) -> list[str]:
        return [str(r) for r in table.take(pa.array(idx)).to_pylist()]

    return _default_kind(
        _process(df, stats, local, src, raw, position=_position_mask, extra_checks=_kind_checks)
    )


_BATCH_ROWS = 262_144


def _geo_column(sch: pa.Schema, meta: dict) -> tuple[str | None, dict]:
    """The GeoParquet primary geometry column and its metadata, or a binary ``geometry`` column."""
    raw = meta.get(b"geo") if meta else None
    if raw:
        try:
            geo = json.loads(raw)
            col = geo.get("primary_column") or next(iter(geo.get("columns", {})), None)
            if col in sch.names:
                return col, geo.get("columns", {}).get(col, {})
        except (ValueError, AttributeError):
            pass
    for name in ("geometry", "geom", "wkb_geometry"):
        if name in sch.names and pa.types.is_binary(sch.field(name).type):
            return name, {"encoding": "WKB"}
    return None, {}


def _points_from_arrow(src: str, arr: pa.ChunkedArray, info: dict) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if pa.types.is_struct(arr.type):  # geoarrow "point": struct<x, y>
        x = _float(arr.field("x"))
        y = _float(arr.field("y"))
        valid = arr.is_valid().to_numpy(zero_copy_only=False)
        x[~valid] = np.nan
        y[~valid] = np.nan
    else:
        geoms = shapely.from_wkb(
            np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object), on_invalid="ignore"
        )
        x, y = _xy(src, geoms)
    return _reproject(src, x, y, info.get("crs", "EPSG:4326") if "crs" in info else "EPSG:4326")


def _xy(src: object, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    types = shapely.get_type_id(geoms)
    ok = (types == 0) | (types == -1)  # Point, or missing
    if not ok.all():
        names = sorted({str(shapely.get_type_id(g)) for g in geoms[~ok][:5]})
        kinds = sorted({g.geom_type for g in geoms[~ok][:20] if g is not None})
        raise IngestError(src, f"geometries must be points, found {kinds or names}")
    empty = shapely.is_empty(geoms) | (types == -1)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    good = ~empty
    x[good] = shapely.get_x(geoms[good])
    y[good] = shapely.get_y(geoms[good])
    return x, y


def _reproject(
    src: object, x: np.ndarray, y: np.ndarray, crs: Any
) -> tuple[np.ndarray, np.ndarray]:
    if crs is None:
        return x, y
    from pyproj import CRS, Transformer

    try:
        c = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError (plain Exception subclass)
        raise IngestError(src, f"unknown CRS {str(crs)[:80]!r}: {exc}") from exc
    if c.equals(CRS.from_epsg(4326), ignore_axis_order=True) or c.equals(CRS("OGC:CRS84")):
        return x, y
    lon, lat = Transformer.from_crs(c, "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
