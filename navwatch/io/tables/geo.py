"""GeoPackage / GeoJSON / anything pyogrio (GDAL) reads: point features."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ... import schema
from ...errors import IngestError
from ...quarantine import Quarantine
from .._common import COMPRESSED_SUFFIXES, InMemory, Source, as_path, open_binary
from ..times import TimeColumn
from .columns import _require, recognise_columns
from .csv_engine import _read
from .finish import _finish, _kind_checks, _new_stats, _position_mask, _process
from .parquet import _reproject, _xy
from .values import _frame


def geo_source(p: Path | InMemory) -> Any:
    """What pyogrio reads: the path, or the bytes of in-memory or compressed input."""
    if isinstance(p, InMemory) or p.suffix.lower() in COMPRESSED_SUFFIXES:
        with open_binary(p) as fh:
            return io.BytesIO(_read(fh, -1, p))
    return str(p)


def read_geo(path: Source, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read point features from a GeoPackage, GeoJSON or any other file pyogrio (GDAL) reads.

    lon/lat come from the point geometry, reprojected to EPSG:4326 when the layer has another
    CRS (no CRS = EPSG:4326); other columns are mapped as in :func:`read_generic_csv`. For a
    multi-layer file the first point layer is read. ``src_line`` is the 1-based feature number.

    Parameters
    ----------
    path : str, Path or InMemory
        The file (``.gz``/``.zst``/``.zip`` compressed is accepted).
    quarantine : Quarantine, optional
        Receives bad rows (missing geometry -> ``no_position``, bad times, ...).

    Returns
    -------
    pandas.DataFrame
        Canonical observations.

    Raises
    ------
    IngestError
        If the file cannot be read, has no point layer, or holds non-point geometries.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.geojson"
    >>> _ = p.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
    ...     '"geometry": {"type": "Point", "coordinates": [5.9, 43.1]}, '
    ...     '"properties": {"time": "2024-12-03T08:00:00Z", "mmsi": 273000001}}]}')
    >>> read_geo(p)[["lon", "lat", "mmsi"]].values.tolist()
    [[5.9, 43.1, 273000001]]
    """
    import pyogrio

    p = as_path(path)
    if not isinstance(p, InMemory) and not p.exists():
        raise IngestError(p, "file not found")
    local = Quarantine()
    stats = _new_stats("geo")
    try:
        src = geo_source(p)
        layers = pyogrio.list_layers(src)
        if isinstance(src, io.BytesIO):
            src.seek(0)
        layer = None
        for i, (_, gtype) in enumerate(layers):
            if (
                gtype is not None
                and "point" in str(gtype).lower()
                and "multi" not in str(gtype).lower()
            ):
                layer = i
                break
        if layer is None:
            if len(layers) == 1:
                layer = 0
            else:
                raise IngestError(p, f"no point layer; layers found: {[tuple(x) for x in layers]}")
        # by index: GDAL names the layer of in-memory GeoJSON after a buffer that changes per open
        gdf = pyogrio.read_dataframe(src, layer=layer)
    except IngestError:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise IngestError(p, f"cannot read with pyogrio/GDAL: {type(exc).__name__}: {exc}") from exc

    n = len(gdf)
    stats["records"] = n
    geoms = np.asarray(gdf.geometry.values, dtype=object) if n else np.zeros(0, dtype=object)
    x, y = _xy(p, geoms)
    x, y = _reproject(p, x, y, gdf.crs)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    found = recognise_columns([c for c in attrs.columns])
    found.pop("lat", None)
    found.pop("lon", None)
    _require(p, list(attrs.columns), found, ("time",), "point layer with times")
    if not any(c in found for c in schema.IDENTITY):
        raise IngestError(
            p,
            f"no identity column (mmsi, imo, callsign, name, vessel); columns found: {list(attrs.columns)}",
        )
    cols = {canon: _arrow_of(attrs[name]) for canon, name in found.items()}
    times = TimeColumn(p, found["time"])
    df = _frame(cols, n, times=times)
    times.finish()
    df["lon"] = x
    df["lat"] = y
    df["src_line"] = pd.array(np.arange(1, n + 1, dtype=np.int32), dtype="Int32")

    def raw(idx: np.ndarray) -> list[str]:
        return [str(r) for r in attrs.iloc[idx].to_dict("records")]

    df = _process(df, stats, local, p, raw, position=_position_mask, extra_checks=_kind_checks)
    return _finish([df], p, local, quarantine, stats)


def _arrow_of(s: pd.Series) -> pa.ChunkedArray:
    try:
        return pa.chunked_array([pa.array(s, from_pandas=True)])
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.chunked_array([pa.array(s.astype("string"), from_pandas=True)])
