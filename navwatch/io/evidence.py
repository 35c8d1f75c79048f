"""Readers for non-AIS evidence: sightings (imagery, spotters, press) and port surveys.

Both are small hand-made CSV files, read with the same CSV engine as the AIS tables
(:mod:`navwatch.io.tables`): exact 1-based line numbers (header = line 1), bad rows quarantined.

Sightings (``time,vessel,lat,lon,source,confidence,notes``) become ``kind='sighting'`` rows with
``vessel`` kept as text; resolving it against the registry happens elsewhere.

Surveys (``time,port,source,coverage,present,notes`` and optionally ``confidence``) become one ``kind='survey'`` row per survey,
with the raw ``|``-separated ``present`` list in ``vessel`` and no position (lat/lon NaN);
expansion into per-vessel present/absent rows happens elsewhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import IngestError
from ..quarantine import Quarantine
from ._common import Source, as_source
from .tables import (
    _add_problem,
    _Ctx,
    _frame,
    _read_csv_with,
    _text,
    normalise_name,
    recognise_columns,
)

__all__ = ["read_sightings", "read_surveys", "SIGHTING_COLUMNS", "SURVEY_COLUMNS"]

SIGHTING_COLUMNS = ("time", "vessel", "lat", "lon", "source", "confidence", "notes")
SURVEY_COLUMNS = ("time", "port", "source", "coverage", "present", "notes", "confidence")
COVERAGES = ("full", "partial")


def _columns(
    path: object, header: list[str], wanted: tuple[str, ...], needed: tuple[str, ...], what: str
) -> dict[str, int]:
    found = recognise_columns(header)
    norm = [normalise_name(h) for h in header]
    if "present" in wanted and "present" in norm:
        found["present"] = header[norm.index("present")]
    if "vessel" in wanted and "vessel" not in found and "name" in found:
        found["vessel"] = found["name"]
    found = {k: v for k, v in found.items() if k in wanted}
    missing = [c for c in needed if c not in found]
    if missing:
        raise IngestError(
            path,
            f"not a {what} file: missing column(s) {missing}; expected header "
            f"{','.join(wanted)}; columns found: {header[:30]}",
        )
    pos = {h: i for i, h in reversed(list(enumerate(header)))}
    return {canon: pos[src] for canon, src in found.items()}


def read_sightings(path: Source, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read a sightings CSV: ``time,vessel,lat,lon,source,confidence,notes``.

    ``time`` is read by :mod:`navwatch.io.times` (ISO 8601 with or without a zone, naive = UTC,
    and the other formats listed there). ``vessel`` is kept as text. ``confidence`` is a number
    in [0, 1], a percentage (``80%``) or a word (``high``, ``probable``, ``rumour``, ...; see
    :data:`navwatch.schema.CONFIDENCE_WORDS`); empty means NaN, i.e. the default reliability for
    sightings. A confidence that cannot be interpreted also becomes NaN: the row is kept and the
    value is counted in ``attrs['stats']['confidence_unknown']`` (value -> rows), not
    quarantined. Rows without lat/lon go to the quarantine (``no_position``), as do rows with
    an empty ``vessel`` (``no_vessel``). Extra columns are ignored.

    Parameters
    ----------
    path : str, Path or InMemory
        The CSV, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad rows with file, line, code and reason.

    Returns
    -------
    pandas.DataFrame
        Canonical observations with ``kind='sighting'``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("time,vessel,lat,lon,source,confidence,notes\\n"
    ...     "2024-12-02T06:00Z,Yelnya,34.9,35.87,Maxar,High,\\n"
    ...     "2024-12-02T07:00,Admiral Gorshkov class x2,34.9,35.87,spotter,1.5,\\n"
    ...     "2024-12-02T08:00,,34.9,35.87,spotter,80 %,\\n")
    >>> q = Quarantine()
    >>> df = read_sightings(p, quarantine=q)
    >>> df["confidence"].tolist(), df.attrs["stats"]["confidence_unknown"]
    ([0.85, nan], {'1.5': 1})
    >>> q.to_frame()[["line", "code"]].values.tolist()
    [[4, 'no_vessel']]
    """
    path = as_source(path)

    def select(header: list[str]) -> dict[str, int]:
        return _columns(
            path, header, SIGHTING_COLUMNS, ("time", "vessel", "lat", "lon"), "sightings"
        )

    def checks(df: pd.DataFrame, probs: pd.DataFrame) -> None:
        _add_problem(probs, df["vessel"].isna().to_numpy(), "no_vessel", "vessel is empty")

    def convert(cols: dict[str, pa.ChunkedArray], n: int, ctx: _Ctx) -> tuple[pd.DataFrame, None]:
        return _frame(cols, n, times=ctx.times), None

    return _read_csv_with(
        path, "sightings", select, convert, quarantine, kind="sighting", extra_checks=checks
    )


def read_surveys(path: Source, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read a port-survey CSV: ``time,port,source,coverage,present,notes`` (and optionally
    ``confidence``, read as for sightings; empty = the default reliability of surveys); one row
    per survey.

    Output rows have ``kind='survey'``, ``port``, ``coverage`` (``full`` or ``partial``,
    lower-cased; anything else -> quarantine ``bad_coverage``), ``vessel`` = the raw ``present``
    text (empty = nothing seen), lat/lon NaN, ``source`` and ``notes``. Only the time is checked
    (``bad_time``, read as in :func:`read_sightings`), not a position; an empty port ->
    ``no_port``.

    Parameters
    ----------
    path : str, Path or InMemory
        The CSV, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad rows.

    Returns
    -------
    pandas.DataFrame
        Canonical observations with ``kind='survey'``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "v.csv"
    >>> _ = p.write_text("time,port,source,coverage,present,notes\\n"
    ...     "2024-12-10T09:00Z,Tartus,Planet,FULL,Yelnya|Kilo x1,\\n")
    >>> read_surveys(p)[["port", "coverage", "vessel"]].values.tolist()
    [['Tartus', 'full', 'Yelnya|Kilo x1']]
    """
    path = as_source(path)

    def select(header: list[str]) -> dict[str, int]:
        return _columns(
            path, header, SURVEY_COLUMNS, ("time", "port", "coverage", "present"), "surveys"
        )

    def convert(cols: dict[str, pa.ChunkedArray], n: int, ctx: _Ctx) -> tuple[pd.DataFrame, None]:
        present = cols.pop("present")
        df = _frame(cols, n, times=ctx.times)
        df["vessel"] = pd.Series(_text(present).to_pandas(), dtype="string").array
        df["lat"] = np.nan
        df["lon"] = np.nan
        return df, None

    def checks(df: pd.DataFrame, probs: pd.DataFrame) -> None:
        _add_problem(probs, df["port"].isna().to_numpy(), "no_port", "port is empty")
        cov = df["coverage"]
        bad = ~cov.isin(COVERAGES).to_numpy(dtype=bool, na_value=False)
        reason = np.array(
            [f"coverage {c!r} is not 'full' or 'partial'" for c in cov.fillna("").tolist()],
            dtype=object,
        )
        _add_problem(probs, bad, "bad_coverage", reason)

    return _read_csv_with(
        path,
        "surveys",
        select,
        convert,
        quarantine,
        kind="survey",
        position=False,
        extra_checks=checks,
    )
