"""Writers for navwatch tables: CSV, Parquet or GeoJSON, chosen by the output file's extension."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import NavwatchError

FORMATS = (".csv", ".parquet", ".geojson", ".gpkg")


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table with ``lat``/``lon`` columns; GeoJSON/GeoPackage get point geometries.

    Times are written as ISO 8601 UTC in CSV and GeoJSON, in one format per file: whole seconds
    (``2024-12-02T06:00:00Z``) when every time in the table is a whole second, else microseconds
    for all of them (``2024-12-02T05:56:31.124779Z``, ``2024-12-01T08:30:00.000000Z``), so that
    ``pd.read_csv(..., parse_dates=[...])`` reads every column in one go.

    Examples
    --------
    >>> import tempfile, os
    >>> df = pd.DataFrame({"lat": [34.9], "lon": [35.87], "time": pd.to_datetime(["2024-12-02"], utc=True)})
    >>> p = write_table(df, os.path.join(tempfile.mkdtemp(), "e.csv"))
    >>> p.read_text().splitlines()[1]
    '34.9,35.87,2024-12-02T00:00:00Z'
    >>> df["time"] += pd.Timedelta("1.5s")
    >>> df["t2"] = pd.to_datetime(["2024-12-03"], utc=True)
    >>> write_table(df, p).read_text().splitlines()[1]
    '34.9,35.87,2024-12-02T00:00:01.500000Z,2024-12-03T00:00:00.000000Z'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise NavwatchError(f"{path}: unknown output format {suffix!r}; use one of {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        df.to_parquet(path, index=False)
        return path
    text = df.copy()
    times = [c for c in text.columns if isinstance(text[c].dtype, pd.DatetimeTZDtype)]
    whole = all((text[c].dropna().dt.tz_convert("UTC").dt.floor("s") == text[c].dropna()).all() for c in times)
    fmt = "%Y-%m-%dT%H:%M:%SZ" if whole else "%Y-%m-%dT%H:%M:%S.%fZ"
    for c in times:
        text[c] = text[c].dt.tz_convert("UTC").dt.strftime(fmt)
    if suffix == ".csv":
        text.to_csv(path, index=False)
        return path
    gdf = gpd.GeoDataFrame(text, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    if path.exists():
        path.unlink()
    gdf.to_file(path, driver="GeoJSON" if suffix == ".geojson" else "GPKG")
    return path
