"""CSV readers: NOAA MarineCadastre, DMA and generic CSV, on the CSV engine (:mod:`.csv_engine`).

:func:`_read_csv_with` is the shared driver (also used by :mod:`navwatch.io.evidence`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ... import schema
from ...errors import IngestError
from ...quarantine import Quarantine
from .._common import COMPRESSED_SUFFIXES, InMemory, Source, as_source
from ..times import TimeColumn
from .columns import _require, normalise_name, recognise_columns
from .csv_engine import _Chunk, _csv_chunks
from .finish import _Assembler, _finish, _kind_checks, _new_stats, _position_mask, _process
from .values import _distinct, _frame


@dataclass
class _Ctx:
    """What a CSV reader's ``convert`` needs besides the columns: the file's time column
    parser (created when the header is known, so it can name the column)."""

    path: str | Path | InMemory
    dayfirst: bool = False
    times: TimeColumn | None = None


def _read_csv_with(
    path: str | Path | InMemory,
    fmt: str,
    select: Callable[[list[str]], dict[str, int]],
    convert: Callable[
        [dict[str, pa.ChunkedArray], int, _Ctx], tuple[pd.DataFrame, np.ndarray | None]
    ],
    quarantine: Quarantine | None,
    *,
    kind: str | None = None,
    source: str | None = None,
    position: bool | Callable[[pd.DataFrame], bool | np.ndarray] = True,
    extra_checks: Callable[[pd.DataFrame, pd.DataFrame], None] | None = None,
    dayfirst: bool = False,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Shared driver: CSV blocks -> ``convert`` -> :func:`_process` -> canonical table.

    ``select(header)`` returns {canonical: column index}; ``convert(cols, n, ctx)`` returns the
    frame and an optional array giving, per row, the non-vessel class to skip it as (or None).
    Only ``columns`` of the optional ones are read (:func:`navwatch.schema.projected`).
    """
    local = Quarantine()
    stats = _new_stats(fmt)
    mapping: dict[str, int] = {}
    ctx = _Ctx(path, dayfirst)

    def pick(header: list[str]) -> list[int]:
        mapping.update(schema.projected(select(header), columns))
        if "time" in mapping:
            ctx.times = TimeColumn(path, header[mapping["time"]], dayfirst=dayfirst)
        return sorted(set(mapping.values()))

    out: _Assembler | None = None
    for chunk in _csv_chunks(path, pick, local, stats):
        cols = {canon: chunk.cols[i] for canon, i in mapping.items()}
        df, skip = convert(cols, len(chunk), ctx)
        df["src_line"] = pd.array(chunk.lines, dtype="Int32")
        if out is None:
            out = _Assembler(_expected_rows(path, chunk))
        out.add(
            _process(
                df,
                stats,
                local,
                path,
                chunk.raw,
                skip=skip,
                position=position,
                extra_checks=extra_checks,
            )  # fmt: skip
        )
    if ctx.times is not None:
        ctx.times.finish()
    frames = [out.frame()] if out is not None else []
    return _finish(frames, path, local, quarantine, stats, kind=kind, source=source)


def _expected_rows(path: str | Path | InMemory, first: _Chunk) -> int:
    """Rows a CSV will give, from its size and its first block (an estimate: the assembler
    grows past it); the first block's rows when the size is unknown (compressed, in memory)."""
    if (
        isinstance(path, InMemory)
        or not first.nbytes
        or Path(path).suffix.lower() in COMPRESSED_SUFFIXES
    ):
        return max(len(first), 1024)
    try:
        size = Path(path).stat().st_size
    except OSError:
        return max(len(first), 1024)
    return max(int(size / first.nbytes * len(first) * 1.02) + 1024, len(first))


def _select_by_synonyms(
    path: object, what: str, needed: Sequence[str]
) -> Callable[[list[str]], dict[str, int]]:
    def select(header: list[str]) -> dict[str, int]:
        found = recognise_columns(header)
        _require(path, header, found, needed, what)
        if not any(c in found for c in schema.IDENTITY):
            raise IngestError(
                path,
                f"not a {what}: no identity column (expected one of mmsi, imo, callsign, name, vessel); "
                f"columns found: {header[:40]}",
            )
        pos = {h: i for i, h in reversed(list(enumerate(header)))}
        return {canon: pos[src] for canon, src in found.items()}

    return select


def read_noaa(
    path: Source, *, quarantine: Quarantine | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read a NOAA MarineCadastre AIS CSV: the legacy layout or the 2024+ ``csv2`` layout.

    Columns are found by name in any order (``BaseDateTime`` or ``base_date_time``, ``LAT`` or
    ``latitude``, ...); unknown columns (``ETA``, ``Draft``, ``TranscieverClass``) are ignored.
    Values: ``IMO9869693`` -> 9869693; ``VesselType`` ``60.0`` -> ``'60'``; ``Status`` (number or
    old text such as ``moored``) -> ``nav_status``; ``Length``/``Width`` (metres) ->
    ``length_m``/``beam_m``, 0, empty or not a number -> NaN (the row is kept, as for a bad
    SOG); Heading 511 -> NaN; SOG 102.3 -> NaN; COG is
    corrected for the signed-12-bit artefact (see :func:`_noaa_cog`: -204.8..-0.1 + 409.6) and
    360 -> NaN. ``kind='ais'``, ``source='AIS'``.

    Parameters
    ----------
    path : str, Path or InMemory
        The CSV, optionally ``.gz``/``.zst``/``.zip`` compressed.
    quarantine : Quarantine, optional
        Receives bad rows (``parse_error``, ``bad_time``, ``no_position``, ``bad_position``,
        ``bad_mmsi``); stations that are not vessels are skipped and counted instead.
    columns : sequence of str, optional
        Optional canonical columns to read (:func:`navwatch.schema.projected`); default all.

    Returns
    -------
    pandas.DataFrame
        Canonical observations; ``attrs['stats']`` has the counts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,IMO\\n"
    ...     "367000140,2020-06-30T00:00:00,40.64,-74.07,0.0,-60.6,511,IMO7702774\\n")
    >>> df = read_noaa(d / "a.csv")
    >>> float(df["cog_deg"][0]), bool(pd.isna(df["heading_deg"][0])), int(df["imo"][0])
    (349.0, True, 7702774)
    """
    path = as_source(path)
    return _read_csv_with(
        path,
        "noaa",
        _select_by_synonyms(path, "NOAA AIS CSV", ("time", "lat", "lon", "mmsi")),
        lambda cols, n, ctx: (_frame(cols, n, times=ctx.times, noaa_cog=True), None),
        quarantine,
        kind="ais",
        source="AIS",
        columns=columns,
    )


_DMA_COLUMNS = {
    "time": "timestamp",
    "mobile": "typeofmobile",
    "mmsi": "mmsi",
    "lat": "latitude",
    "lon": "longitude",
    "nav_status": "navigationalstatus",
    "sog_kn": "sog",
    "cog_deg": "cog",
    "heading_deg": "heading",
    "imo": "imo",
    "callsign": "callsign",
    "name": "name",
    "ship_type": "shiptype",
    "length_m": "length",
    "beam_m": "width",
}

#: DMA ``Type of mobile`` values (normalised) that are not vessels -> the class they are
#: skipped and counted as (see :mod:`navwatch.io.mmsi`).
DMA_NON_VESSEL = {
    "basestation": "coast_station",
    "aton": "aid_to_navigation",
    "sarairborne": "sar_aircraft",
}


def read_dma(
    path: Source, *, quarantine: Quarantine | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read a Danish Maritime Authority AIS CSV (``# Timestamp,Type of mobile,MMSI,...``).

    Times are day-first ``dd/mm/YYYY HH:MM:SS`` UTC (:mod:`navwatch.io.times`, day-first: a
    month-first reading is never tried). Text statuses (``Under way using engine``, ``Moored``,
    ``Unknown value``, ...) become AIS codes 0-15; IMO ``Unknown`` -> <NA>; ``Ship type`` text is
    kept; ``Length``/``Width`` (metres) -> ``length_m``/``beam_m`` (0, empty or text -> NaN). Rows whose ``Type of mobile`` is ``Base Station``, ``AtoN`` or ``SAR Airborne``, or whose
    MMSI is not a ship's (:mod:`navwatch.io.mmsi`), are not vessels: they are skipped, not
    quarantined, and counted in ``attrs['stats']['skipped_non_vessel']`` (by class in
    ``skipped_by_class``). Both the 22- and 26-column layouts are read.

    Parameters
    ----------
    path : str, Path or InMemory
        The CSV, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad rows.
    columns : sequence of str, optional
        Optional canonical columns to read (:func:`navwatch.schema.projected`); default all.

    Returns
    -------
    pandas.DataFrame
        Canonical observations with ``kind='ais'``, ``source='AIS'``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "dma.csv"
    >>> _ = p.write_text("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status\\n"
    ...     "03/12/2024 10:00:00,Class A,219000001,55.7,12.6,Moored\\n"
    ...     "03/12/2024 10:00:00,Base Station,2190047,55.6,12.5,Unknown value\\n")
    >>> df = read_dma(p)
    >>> str(df.loc[0, "time"]), int(df.loc[0, "nav_status"]), df.attrs["stats"]["skipped_non_vessel"]
    ('2024-12-03 10:00:00+00:00', 5, 1)
    """
    path = as_source(path)

    def select(header: list[str]) -> dict[str, int]:
        norm = [normalise_name(h) for h in header]
        found = {}
        for canon, key in _DMA_COLUMNS.items():
            if key in norm:
                found[canon] = norm.index(key)
        missing = [c for c in ("time", "mmsi", "lat", "lon") if c not in found]
        if missing:
            raise IngestError(
                path,
                f"not a DMA AIS CSV: missing {[_DMA_COLUMNS[c] for c in missing]} "
                f"(expected '# Timestamp,Type of mobile,MMSI,Latitude,Longitude,...'); columns found: {header[:30]}",
            )
        return found

    def convert(
        cols: dict[str, pa.ChunkedArray], n: int, ctx: _Ctx
    ) -> tuple[pd.DataFrame, np.ndarray | None]:
        mobile = cols.pop("mobile", None)
        df = _frame(cols, n, times=ctx.times)
        skip = None
        if mobile is not None:  # judged once per distinct text
            values, codes = _distinct(mobile)
            per = np.array(
                [DMA_NON_VESSEL.get(normalise_name(v)) for v in values.to_pylist()] + [None],
                dtype=object,
            )
            if pd.notna(per).any():
                skip = per[codes]  # (code -1: the None at the end)
        return df, skip

    return _read_csv_with(
        path,
        "dma",
        select,
        convert,
        quarantine,
        kind="ais",
        source="AIS",
        dayfirst=True,
        columns=columns,
    )


def read_generic_csv(
    path: Source, *, quarantine: Quarantine | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read any CSV with recognisable time, lat, lon and identity columns.

    Columns are matched by :func:`recognise_columns` (``time``/``timestamp``/``datetime``/
    ``BaseDateTime``/``t``; ``lat``/``latitude``/``y``; ``lon``/``lng``/``long``/``longitude``/``x``;
    ``mmsi``, ``imo``, ``callsign``, ``name``/``vessel_name``/``shipname``, ``vessel``; ``sog``/
    ``speed`` (knots); ``cog``/``course``; ``heading``; ...); other columns are dropped. Times may be
    in any format of :mod:`navwatch.io.times` (ISO 8601, naive = UTC; ``YYYYMMDD_HHMMSS``; slashed
    dates; epoch seconds/ms/us; ...). ``kind`` is taken from
    a ``kind`` column if there is one, else ``'ais'``. Only comma-separated files are read.

    Parameters
    ----------
    path : str, Path or InMemory
        The CSV, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad rows.
    columns : sequence of str, optional
        Optional canonical columns to read (:func:`navwatch.schema.projected`); default all.

    Returns
    -------
    pandas.DataFrame
        Canonical observations.

    Raises
    ------
    IngestError
        If no time, lat, lon or identity column is found (the message lists the columns seen).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
    >>> _ = p.write_text("Timestamp,Latitude,Lng,ShipName,Speed\\n1733212800,43.1,5.9,Yelnya,3\\n")
    >>> df = read_generic_csv(p)
    >>> str(df.loc[0, "time"]), df.loc[0, "name"], int(df.loc[0, "src_line"])
    ('2024-12-03 08:00:00+00:00', 'Yelnya', 2)
    """
    path = as_source(path)
    return _read_csv_with(
        path,
        "csv",
        _select_by_synonyms(path, "CSV of positions", ("time", "lat", "lon")),
        lambda cols, n, ctx: (_frame(cols, n, times=ctx.times), None),
        quarantine,
        position=_position_mask,
        extra_checks=_kind_checks,
        columns=columns,
    )
