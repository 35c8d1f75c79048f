"""Writers for navwatch tables: CSV, Parquet or GeoJSON, chosen by the output file's extension."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import NavwatchError

FORMATS = (".csv", ".parquet", ".geojson", ".gpkg")


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table with ``lat``/``lon`` columns; GeoJSON/GeoPackage get point geometries.

    Times are written as ISO 8601 UTC (``2024-12-02T06:00:00Z``) in CSV and GeoJSON.

    Examples
    --------
    >>> import tempfile, os
    >>> df = pd.DataFrame({"lat": [34.9], "lon": [35.87], "time": pd.to_datetime(["2024-12-02"], utc=True)})
    >>> p = write_table(df, os.path.join(tempfile.mkdtemp(), "e.csv"))
    >>> p.read_text().splitlines()[1]
    '34.9,35.87,2024-12-02T00:00:00Z'
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
    for c in text.columns:
        if isinstance(text[c].dtype, pd.DatetimeTZDtype):
            text[c] = text[c].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str.replace(r"\.0+Z$", "Z", regex=True).str.replace(r"(\.\d*?)0+Z$", r"\1Z", regex=True)
    if suffix == ".csv":
        text.to_csv(path, index=False)
        return path
    gdf = gpd.GeoDataFrame(text, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    if path.exists():
        path.unlink()
    gdf.to_file(path, driver="GeoJSON" if suffix == ".geojson" else "GPKG")
    return path
