"""The canonical observation table: column names, dtypes and validation.

Every reader maps its source onto these columns; everything downstream (registry join, detection,
dispersal, reports) reads only these names. Times are timezone-aware UTC.

An observation table has the *required* columns and any subset of the *optional* ones: a 10 M-row
AIS file does not carry eight columns of empty strings. Use :func:`column` to read an optional
column with a default.

Columns
-------
time : datetime64[ns, UTC]
    When the observation was made (AIS: receive/base time; imagery: acquisition time). Text
    times are read by :mod:`navwatch.io.times`, the one time parser (:func:`to_utc`).
lat, lon : float64
    WGS84 degrees. NaN only for survey rows (the surveyed port is named in ``port``).
kind : category
    ``ais`` (any AIS-derived fix), ``sighting`` (imagery, spotter, press) or ``survey``.
mmsi, imo : Int64 (optional)
callsign, name : category (optional)
    Identity as broadcast or recorded in the source. Categorical: a few names repeat over
    millions of fixes, so readers convert them once per distinct value and the table holds a
    small code per row.
vessel : string (optional)
    Free-text vessel reference for sightings/surveys: a registry id, name, alias, or a class/type
    token such as ``Admiral Gorshkov class x2``. For survey rows before expansion, the raw
    ``present`` list (``|``-separated).
ship_type : category (optional)
    AIS ship type code (``"35"``) or the source's text (DMA ``"Military"``).
sog_kn, cog_deg, heading_deg : float64 (optional)
    Speed and course over ground, true heading. NaN when not available (511/360/102.3 sentinels
    are mapped to NaN by the readers).
nav_status : Int16 (optional)
    AIS navigational status code 0-15 (text statuses are mapped to codes).
length_m, beam_m : float64 (optional)
    The vessel's hull length and beam in metres **as the source reports them** (AIS static
    data, NOAA/DMA ``Length``/``Width``); NaN unknown. From AIS dimensions A (to bow), B (to
    stern), C (to port), D (to starboard): ``length_m = A + B`` when both are > 0, ``beam_m =
    C + D`` when both are > 0, else NaN (0 means "not available"). A = 511 / B = 511 and C = 63
    / D = 63 mean "that many metres or more": the sums are kept as they are, so they are
    **lower bounds** for the largest hulls. Table columns: a value that is not a number > 0 is
    NaN. AIS static messages carry no position, so the readers attach an MMSI's dimensions to
    its position rows as they do its name. See :data:`DIMENSIONS`.
port, coverage : string (optional)
    Survey rows: the surveyed port (a port name, or ``port/tier``) and ``full`` or ``partial``.
present : boolean (optional)
    Survey rows after expansion: True = seen in port, False = not there (full coverage only).
source : category (optional)
    Who made the observation (``AIS``, ``Maxar``, ``Planet``, a spotter's handle, a receiver).
confidence : float64 (optional)
    Reliability of this observation, 0-1. NaN means the default for its kind
    (see :data:`DEFAULT_RELIABILITY`). Text (``high``, ``80%``, ...) is converted by
    :func:`parse_confidence` (:func:`conform` does it for tables built in Python).
notes : string (optional)
src_file : category (optional), src_line : Int32 (optional)
    Provenance: the file and the 1-based line (CSV/NMEA) or row (Parquet, GeoPackage) it came
    from. Events cite these in their ``evidence``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError

TIME_DTYPE = pd.DatetimeTZDtype("ns", "UTC")

KINDS = ("ais", "sighting", "survey")
KIND_DTYPE = pd.CategoricalDtype(list(KINDS))

#: Canonical dtype of every column navwatch knows.
DTYPES: dict[str, Any] = {
    "time": TIME_DTYPE,
    "lat": "float64",
    "lon": "float64",
    "kind": KIND_DTYPE,
    "mmsi": "Int64",
    "imo": "Int64",
    "callsign": "category",
    "name": "category",
    "vessel": "string",
    "ship_type": "category",
    "sog_kn": "float64",
    "cog_deg": "float64",
    "heading_deg": "float64",
    "nav_status": "Int16",
    "length_m": "float64",
    "beam_m": "float64",
    "port": "string",
    "coverage": "string",
    "present": "boolean",
    "source": "category",
    "confidence": "float64",
    "notes": "string",
    "src_file": "category",
    "src_line": "Int32",
}

REQUIRED = ("time", "lat", "lon", "kind")
IDENTITY = ("mmsi", "imo", "callsign", "name", "vessel")
OPTIONAL = tuple(c for c in DTYPES if c not in REQUIRED)
#: Columns every reader keeps whatever was asked for (:func:`projected`).
ALWAYS_READ = (*REQUIRED, *IDENTITY, "src_file", "src_line")
#: The optional columns that motion detail only (course, heading, status, type): no analysis of
#: navwatch reads them, so the jobs skip them (:data:`ANALYSIS_COLUMNS`).
MOTION_DETAIL = ("cog_deg", "heading_deg", "nav_status", "ship_type")
#: The vessel's self-reported dimensions (AIS static data, NOAA/DMA ``Length``/``Width``): read
#: only where a vessel's size is compared with something (satellite detections: the jobs add
#: them to :data:`ANALYSIS_COLUMNS` when imagery is among the inputs); the per-MMSI identity
#: table carries them (:func:`navwatch.registry.identity_table`).
DIMENSIONS = ("length_m", "beam_m")
#: The optional columns navwatch's analyses read (detection, dispersal, reports, the watcher):
#: what the jobs ask the readers for. Notebooks read everything by default.
ANALYSIS_COLUMNS = tuple(c for c in OPTIONAL if c not in MOTION_DETAIL and c not in DIMENSIONS)


def projected(found: dict[str, Any], columns: Iterable[str] | None) -> dict[str, Any]:
    """``found`` (canonical name -> where a source holds it) without the optional canonical
    columns not in ``columns``; None keeps all. Required, identity and provenance columns, and
    keys that are not canonical columns (a reader's own, such as DMA's type of mobile), stay,
    except the parts of a canonical column left out (AIS dimensions A-D of ``length_m``).

    Examples
    --------
    >>> projected({"time": 0, "cog_deg": 5, "sog_kn": 4, "mobile": 1}, ["sog_kn"])
    {'time': 0, 'sog_kn': 4, 'mobile': 1}
    >>> projected({"time": 0, "_dim_a": 3, "_dim_b": 4}, ["sog_kn"])
    {'time': 0}
    """
    if columns is None:
        return dict(found)
    keep = set(ALWAYS_READ) | set(columns)
    return {
        k: v
        for k, v in found.items()
        if (k not in DTYPES and _PART_OF.get(k, "") not in DTYPES) or _PART_OF.get(k, k) in keep
    }


#: Reader keys that are parts of a canonical column (AIS dimensions A-D of ``length_m`` and
#: ``beam_m``): :func:`projected` keeps them only when it keeps that column.
_PART_OF = {"_dim_a": "length_m", "_dim_b": "length_m", "_dim_c": "beam_m", "_dim_d": "beam_m"}


#: Reliability of an observation when its ``confidence`` is NaN, by kind. AIS is not 1.0:
#: warship AIS is optional and has been spoofed (REFERENCE.md section 5).
DEFAULT_RELIABILITY = {"ais": 0.95, "sighting": 0.7, "survey": 0.9}

#: Defaults returned by :func:`column` for a missing optional column.
_MISSING: dict[str, Any] = {
    "mmsi": pd.NA,
    "imo": pd.NA,
    "nav_status": pd.NA,
    "present": pd.NA,
    "src_line": pd.NA,
    "sog_kn": np.nan,
    "cog_deg": np.nan,
    "heading_deg": np.nan,
    "length_m": np.nan,
    "beam_m": np.nan,
    "confidence": np.nan,
}


def empty(columns: Iterable[str] = REQUIRED) -> pd.DataFrame:
    """An empty observation table with the given canonical columns.

    Examples
    --------
    >>> list(empty().columns)
    ['time', 'lat', 'lon', 'kind']
    """
    return pd.DataFrame({c: pd.Series(dtype=DTYPES[c]) for c in columns})


def column(obs: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` of ``obs``, or a Series of its missing-value default if absent.

    Examples
    --------
    >>> column(empty(), "sog_kn").dtype
    dtype('float64')
    """
    if name in obs.columns:
        return obs[name]
    return pd.Series(_MISSING.get(name, pd.NA), index=obs.index, dtype=DTYPES[name])


def time_ns(values: Any) -> np.ndarray:
    """Times as int64 nanoseconds since the epoch (NaT: int64 min), whatever their resolution
    or type (parsed by :func:`to_utc` unless already ``datetime64[ns, UTC]``).

    >>> time_ns(pd.Series(pd.to_datetime([0, None], unit="s", utc=True))).tolist()
    [0, -9223372036854775808]
    """
    s = values if isinstance(values, pd.Series) and values.dtype == TIME_DTYPE else to_utc(values)
    if s.dtype != TIME_DTYPE:
        s = s.dt.as_unit("ns")
    return np.asarray(s.array.asi8)


def to_utc(values: Any, *, dayfirst: bool = False, unit: str | None = None) -> pd.Series:
    """Parse times to ``datetime64[ns, UTC]``; naive times are taken as UTC, bad ones become NaT.

    The one time parser lives in :mod:`navwatch.io.times` (see there for the formats); this is
    its entry point for tables built in Python.

    Examples
    --------
    >>> to_utc(["2024-12-02T08:00:00+02:00", "20241202_060000", "nonsense"]).tolist()
    [Timestamp('2024-12-02 06:00:00+0000', tz='UTC'), NaT, NaT]
    """
    from ..io.times import to_utc as _to_utc

    return _to_utc(values, dayfirst=dayfirst, unit=unit)


#: Confidence words (lower case, single spaces) -> reliability 0-1, for sightings, surveys and
#: any ``confidence`` column given as text. Sources: the probability terms of US ICD 203
#: (*Analytic Standards*, 2015: almost certain 95-99 %, very likely 80-95 %, likely 55-80 %,
#: roughly even chance 45-55 %, unlikely 20-45 %, very unlikely 5-20 %, remote 1-5 %) and the
#: information-credibility words of the NATO "Admiralty" scale (STANAG 2511 / AJP-2.1:
#: 1 confirmed, 2 probably true, 3 possibly true, 4 doubtful); the analyst's words (high,
#: medium, low, unconfirmed, rumour) sit between them. A trailing "confidence" is ignored
#: ("high confidence" = "high").
CONFIDENCE_WORDS: dict[str, float] = {
    "confirmed": 0.95,
    "certain": 0.95,
    "almost certain": 0.9,
    "nearly certain": 0.9,
    "very high": 0.9,
    "very likely": 0.85,
    "highly likely": 0.85,
    "highly probable": 0.85,
    "high": 0.85,
    "probable": 0.7,
    "likely": 0.7,
    "probably true": 0.7,
    "medium": 0.6,
    "moderate": 0.6,
    "even chance": 0.5,
    "roughly even chance": 0.5,
    "roughly even odds": 0.5,
    "possible": 0.4,
    "possibly true": 0.4,
    "low": 0.3,
    "unconfirmed": 0.25,
    "rumour": 0.25,
    "rumor": 0.25,
    "unlikely": 0.2,
    "improbable": 0.2,
    "doubtful": 0.2,
    "very unlikely": 0.1,
    "highly improbable": 0.1,
    "very low": 0.1,
    "remote": 0.05,
    "almost no chance": 0.05,
}

#: Text that means "no confidence given": NaN (the default of the kind), no warning.
CONFIDENCE_MISSING = frozenset({"", "na", "n/a", "nan", "none", "null", "unknown", "-", "?"})

_PERCENT = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%")


def _confidence_of(text: str) -> float | None:
    """Reliability of one confidence text; NaN when empty, None when not understood."""
    t = " ".join(str(text).strip().lower().split())
    if re.search("[a-z]", t):
        t = " ".join(t.replace("_", " ").replace("-", " ").split())
        if t.endswith(" confidence"):
            t = t[: -len(" confidence")]
    if t in CONFIDENCE_MISSING:
        return np.nan
    if t in CONFIDENCE_WORDS:
        return CONFIDENCE_WORDS[t]
    m = _PERCENT.fullmatch(t)
    if m:
        v = float(m.group(1))
        return v / 100 if 0 <= v <= 100 else None
    try:
        v = float(t)
    except ValueError:
        return None
    return v if 0 <= v <= 1 else None  # 'nan'/'inf' fail this too


def parse_confidence(values: Any) -> tuple[np.ndarray, dict[str, int]]:
    """Confidence values (numbers, words or percentages) as floats in [0, 1].

    Accepted, case-insensitive and trimmed: numbers in [0, 1]; percentages ``80%`` / ``80 %``
    (0-100); the words of :data:`CONFIDENCE_WORDS`. Empty values (and :data:`CONFIDENCE_MISSING`)
    are NaN, i.e. the default reliability of the row's kind (:data:`DEFAULT_RELIABILITY`).
    Anything else (``1.4``, ``80`` without ``%``, ``sure-ish``) is NaN too and is counted in
    the second result, by value as written (trimmed). Vectorised over the distinct values.

    Returns
    -------
    (numpy.ndarray, dict)
        float64 values, and ``{value not understood: number of rows}``.

    Examples
    --------
    >>> conf, unknown = parse_confidence(["High", " 80 %", "0.5", "", "sure-ish", "1.4", "likely"])
    >>> conf.tolist(), unknown
    ([0.85, 0.8, 0.5, nan, nan, nan, 0.7], {'sure-ish': 1, '1.4': 1})
    """
    s = (
        values
        if isinstance(values, pd.Series)
        else pd.Series(list(values) if not hasattr(values, "__len__") else values)
    )
    s = s.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isnan(v) & ~((v >= 0) & (v <= 1))
        unknown: dict[str, int] = {}
        for x in v[bad]:
            key = f"{x:g}"
            unknown[key] = unknown.get(key, 0) + 1
        return np.where(bad, np.nan, v), unknown
    codes, uniques = pd.factorize(s.astype("object"), use_na_sentinel=True)
    mapped = [_confidence_of(u) for u in uniques]
    lookup = np.array([np.nan if m is None else m for m in mapped] + [np.nan], dtype="float64")
    out = lookup[np.where(codes < 0, len(mapped), codes)]
    unknown = {}
    not_understood = [i for i, m in enumerate(mapped) if m is None]
    if not_understood:
        counts = np.bincount(codes[codes >= 0], minlength=len(mapped))
        for i in not_understood:
            key = str(uniques[i]).strip()
            unknown[key] = unknown.get(key, 0) + int(counts[i])
    return out, unknown


_TEXT = pd.Index(["x"]).dtype  # this pandas' default dtype for text


def _category(s: pd.Series) -> pd.Series:
    """``s`` as a categorical whose categories have the default text dtype."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype("category")
    if s.cat.categories.dtype != _TEXT:
        s = s.cat.rename_categories(pd.Index([str(x) for x in s.cat.categories], dtype=_TEXT))
    return s


def _conforms(s: pd.Series, c: str) -> bool:
    if c == "time":
        return s.dtype == TIME_DTYPE
    if str(DTYPES[c]) == "category":
        return isinstance(s.dtype, pd.CategoricalDtype) and s.cat.categories.dtype == _TEXT
    return str(s.dtype) == str(DTYPES[c])


def _confidence_column(s: pd.Series, where: str) -> pd.Series:
    """A text confidence column as float64 via :func:`parse_confidence`; warns about values
    not understood (kept as NaN = the default reliability of the row's kind)."""
    values, unknown = parse_confidence(s)
    if unknown:
        warnings.warn(
            f"{where}: confidence not understood, kept with the default reliability of its "
            f"kind: {unknown}",
            UserWarning,
            stacklevel=3,
        )
    return pd.Series(values, index=s.index, name=s.name)


def conform(obs: pd.DataFrame, *, where: str = "observations") -> pd.DataFrame:
    """Cast the canonical columns of ``obs`` to their dtypes and check the required ones.

    Unknown extra columns are kept (a reader may pass through source columns). Raises
    :class:`~navwatch.errors.SchemaError` naming what is missing.

    Examples
    --------
    >>> df = pd.DataFrame({"time": ["2024-12-02T06:00Z"], "lat": [34.9], "lon": [35.87],
    ...                    "kind": ["sighting"], "vessel": ["Yelnya"]})
    >>> conform(df)["time"].dtype
    datetime64[ns, UTC]
    """
    missing = [c for c in REQUIRED if c not in obs.columns]
    if missing:
        raise SchemaError(
            f"{where}: missing required column(s) {missing}; have {list(obs.columns)}"
        )
    if not any(c in obs.columns for c in IDENTITY):
        raise SchemaError(f"{where}: needs at least one identity column of {list(IDENTITY)}")
    if all(c not in DTYPES or _conforms(obs[c], c) for c in obs.columns):
        return obs
    out = {}
    for c in obs.columns:
        dtype = DTYPES.get(c)
        s = obs[c]
        if dtype is None:
            out[c] = s
        elif c == "time":
            out[c] = s if s.dtype == TIME_DTYPE else to_utc(s)
        elif c == "confidence" and not pd.api.types.is_numeric_dtype(s.dtype):
            out[c] = _confidence_column(s, where)
        elif str(dtype) == "category":
            out[c] = _category(s)
        elif str(s.dtype) != str(dtype):
            try:
                out[c] = s.astype(dtype)
            except (TypeError, ValueError) as exc:
                raise SchemaError(
                    f"{where}: column {c!r} cannot be read as {dtype}: {exc}"
                ) from exc
        else:
            out[c] = s
    return pd.DataFrame(out, index=obs.index)


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate observation tables with different optional columns, keeping dtypes."""
    frames = [f for f in frames if f is not None and len(f.columns)]
    if not frames:
        return empty()
    if len(frames) == 1:
        return frames[0]
    cols: list[str] = []
    for f in frames:
        cols += [c for c in f.columns if c not in cols]
    filled = []
    for f in frames:
        f = f.copy() if any(c not in f.columns for c in cols) else f
        for c in cols:
            if c not in f.columns:
                f[c] = pd.Series(
                    _MISSING.get(c, pd.NA), index=f.index, dtype=DTYPES.get(c, "object")
                )
        filled.append(f[cols])
    cats = [c for c in cols if str(DTYPES.get(c)) == "category"]
    out = (
        pd.concat([f.drop(columns=cats) for f in filled], ignore_index=True)
        if cats
        else pd.concat(filled, ignore_index=True)
    )
    for c in cats:
        parts = []
        for f in filled:
            cat = (
                f[c].array if isinstance(f[c].dtype, pd.CategoricalDtype) else pd.Categorical(f[c])
            )
            # categories of one dtype (an all-missing part has float or empty ones)
            parts.append(
                cat.rename_categories(pd.Index([str(x) for x in cat.categories], dtype=_TEXT))
            )
        out[c] = pd.Series(
            pd.api.types.union_categoricals(parts, ignore_order=True), index=out.index
        )
    for c in cols:
        if c in DTYPES and not _conforms(out[c], c):
            if c in cats:
                out[c] = _category(out[c])
            elif c == "time":
                out[c] = to_utc(out[c])
            elif c == "confidence" and not pd.api.types.is_numeric_dtype(out[c].dtype):
                out[c] = _confidence_column(out[c], "observations")
            else:
                out[c] = out[c].astype(DTYPES[c])
    return out[cols]
