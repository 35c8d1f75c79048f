"""navwatch's own tables as files: CSV, Parquet, GeoJSON or GeoPackage, chosen by the file's
extension; the dispersal tables (:func:`write_dispersal`) and the quarantine
(:func:`write_quarantine`); and :func:`read_table`, which reads a table navwatch wrote back in
its schema's dtypes (a report drawing an activity table written earlier).

An emitted table is checked against its schema (:func:`navwatch.schema.validate`) before it is
written: ``write_table(df, path, table="events")``; :func:`write_dispersal` always checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from .. import schema
from ..errors import IngestError, NavwatchError, SchemaError

if TYPE_CHECKING:
    from ..dispersal import Dispersal
    from ..quarantine import Quarantine

FORMATS = (".csv", ".parquet", ".geojson", ".gpkg")


def write_table(
    df: pd.DataFrame, path: str | Path, *, table: schema.Table | str | None = None
) -> Path:
    """Write a table with ``lat``/``lon`` columns; GeoJSON/GeoPackage get point geometries.

    With ``table`` (a :class:`navwatch.schema.Table` or its name, e.g. ``"events"``), ``df`` is
    first validated against it (:func:`navwatch.schema.validate`, dtypes only: cheap), and a
    :class:`~navwatch.errors.SchemaError` naming ``path`` is raised, with nothing written, if it
    does not match.

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
    if table is not None:
        schema.validate(df, table, where=str(path))
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise NavwatchError(
            f"{path}: unknown output format {suffix!r}; use one of {', '.join(FORMATS)}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        df.to_parquet(path, index=False)
        return path
    text = df.copy()
    times = [c for c in text.columns if isinstance(text[c].dtype, pd.DatetimeTZDtype)]
    whole = all(
        (text[c].dropna().dt.tz_convert("UTC").dt.floor("s") == text[c].dropna()).all()
        for c in times
    )
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


def fleet_path(output: str | Path) -> Path:
    """Where the fleet table goes: ``<stem>.fleet.csv`` next to the per-vessel output."""
    output = Path(output)
    return output.with_name(output.stem + ".fleet.csv")


def write_dispersal(disp: Dispersal, output: str | Path) -> tuple[Path, Path]:
    """Write the per-vessel table to ``output`` (.csv, .parquet, .geojson, .gpkg; points from
    ``lat``/``lon``) and the fleet table to :func:`fleet_path` (CSV). Returns both paths.

    Both are validated first (:data:`navwatch.schema.DISPERSAL_VESSELS`, ``DISPERSAL_FLEET``)."""
    schema.validate(disp.vessels, schema.DISPERSAL_VESSELS, where=str(output))
    schema.validate(disp.fleet, schema.DISPERSAL_FLEET, where=str(fleet_path(output)))
    table = pd.DataFrame(disp.vessels.drop(columns="geometry"))
    for c in table.columns:
        if isinstance(table[c].dtype, pd.CategoricalDtype):
            table[c] = table[c].astype(object).where(table[c].notna(), None)
    out = write_table(table, output)
    fleet = write_table(disp.fleet, fleet_path(output))
    return out, fleet


def write_quarantine(quarantine: Quarantine, path: str | Path) -> Path:
    """Write the rejected rows as CSV (or Parquet if the name ends in ``.parquet``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = quarantine.to_frame()
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def read_table(path: str | Path, table: schema.Table | str) -> pd.DataFrame:
    """Read a table :func:`write_table` wrote (``.csv``, ``.parquet``, ``.geojson``, ``.gpkg``)
    back in the schema's columns and dtypes (ISO times to UTC, numbers, texts; a GeoJSON's or
    GeoPackage's geometry dropped: ``lat``/``lon`` are columns).

    Raises
    ------
    IngestError
        Naming the file: an unknown extension, no such file, or a file no reader can read.
    SchemaError
        Naming the file and the columns: it is not that table (columns missing).

    Examples
    --------
    >>> import tempfile, os
    >>> from navwatch.activity import events_table
    >>> t = pd.Timestamp("2024-12-02 06:00", tz="UTC")
    >>> ev = events_table([pd.DataFrame({"event_type": ["gap"], "vessel_id": ["mmsi:1"],
    ...     "start": [t], "end": [t + pd.Timedelta("7h")], "lat": [34.9], "lon": [35.8]})])
    >>> p = write_table(ev, os.path.join(tempfile.mkdtemp(), "a.geojson"), table="activity")
    >>> back = read_table(p, "activity")
    >>> back.equals(ev)
    True
    """
    path = Path(path)
    t = table if isinstance(table, schema.Table) else schema.TABLES[table]
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise IngestError(path, f"unknown table format {suffix!r}; use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise IngestError(path, f"no such file (a {t.name} table)")
    try:
        if suffix == ".parquet":
            raw = pd.read_parquet(path)
        elif suffix == ".csv":
            texts = [c.name for c in t.columns if c.dtype == "string"]
            raw = pd.read_csv(path, dtype={c: "string" for c in texts}, keep_default_na=True)
        else:
            import pyogrio

            raw = pd.DataFrame(pyogrio.read_dataframe(path, read_geometry=False))
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise IngestError(path, f"cannot read the {t.name} table: {first}") from exc
    missing = [c.name for c in t.columns if c.name not in raw.columns and c.dtype != "geometry"]
    if missing:
        raise SchemaError(
            f"{path}: not a navwatch {t.name} table: no column(s) {', '.join(missing)}; expected {t.names}"
        )
    out = pd.DataFrame({c.name: _typed(raw[c.name], c.dtype) for c in t.columns})
    for c in t.columns:  # CSV reads an empty text as missing: '' where the schema has no nulls
        if c.dtype == "string" and not c.nullable:
            out[c.name] = out[c.name].fillna("")
    return schema.validate(out, t, where=str(path))


def _typed(col: pd.Series, dtype: str) -> pd.Series:
    """A column read from a file in the schema's ``dtype``."""
    if dtype == "string":
        return col.astype("string")
    if dtype == "float64":
        return pd.to_numeric(col, errors="coerce").astype("float64")
    if dtype == "Int64":
        return pd.to_numeric(col, errors="coerce").astype("Int64")
    if dtype == "boolean":
        if pd.api.types.is_bool_dtype(col) or isinstance(col.dtype, pd.BooleanDtype):
            return col.astype("boolean")
        text = col.astype("string").str.strip().str.lower()
        yes_no = {"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False}
        mapped = text.map(yes_no)  # GeoJSON and GeoPackage hold booleans as numbers
        return mapped.astype("boolean")
    if dtype.startswith("datetime64"):
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            return col.dt.tz_convert("UTC").astype(dtype)
        return pd.to_datetime(col.astype(object), utc=True, format="ISO8601").astype(dtype)
    return col.astype(dtype)
