"""Value conversion: any arrow column -> canonical values (:func:`_frame`).

Times are read by :mod:`navwatch.io.times` (format detected once per column); MMSIs are checked
by :mod:`navwatch.io.mmsi`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ... import schema
from .._common import as_chunked as _chunked
from .._common import to_float as _float
from .._common import trimmed_text as _text
from ..mmsi import check_mmsi
from ..times import TimeColumn
from .columns import normalise_name

_TEXT = pd.Index(["x"]).dtype  # this pandas' default dtype for text


def _distinct(arr: Any) -> tuple[pa.Array, np.ndarray]:
    """The distinct values of a column and each row's index into them (-1 where null).

    Identity and code columns repeat a few values over millions of rows: they are converted on
    these distinct values, then spread to the rows by index (never row by row). A column read
    dictionary-encoded keeps its dictionary.
    """
    ca = arr if isinstance(arr, pa.ChunkedArray) else _chunked(arr)
    if not pa.types.is_dictionary(ca.type):
        if pa.types.is_large_string(ca.type) or pa.types.is_string_view(ca.type):
            ca = ca.cast(pa.string())
        ca = pc.dictionary_encode(ca)
    enc = ca.combine_chunks() if ca.num_chunks != 1 else ca.chunk(0)
    if isinstance(enc, pa.ChunkedArray):  # (an empty column)
        enc = pa.array([], type=ca.type)
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return enc.dictionary, codes


def _spread(per_value: np.ndarray, codes: np.ndarray, missing: Any) -> np.ndarray:
    """``per_value[codes]``, ``missing`` where a code is -1."""
    table = np.append(per_value, np.asarray([missing], dtype=per_value.dtype))
    return table[codes]


def _text_category(arr: Any) -> pd.Series:
    """A text column as a categorical: surrounding whitespace removed, empty text missing;
    the text is handled once per distinct value."""
    return _category_of(*_distinct(arr))


def _category_of(values: pa.Array, codes: np.ndarray) -> pd.Series:
    """The categorical of rows ``codes`` into distinct ``values`` (-1: missing), trimmed."""
    text = _text(values).to_numpy(zero_copy_only=False)
    inverse, cats = pd.factorize(pd.Series(text, dtype=_TEXT), use_na_sentinel=True)
    new = _spread(inverse.astype(np.int64), codes, -1)
    return pd.Series(pd.Categorical.from_codes(new, categories=pd.Index(cats, dtype=_TEXT)))


def _int(values: np.ndarray, lo: float, hi: float) -> pd.Series:
    """Int64 of the integral values in [lo, hi]; everything else <NA>."""
    ok = np.isfinite(values) & (values >= lo) & (values <= hi) & (np.floor(values) == values)
    out = pd.array(np.where(ok, values, 0).astype("int64"), dtype="Int64")
    out[~ok] = pd.NA
    return pd.Series(out)


#: AIS navigational status text (normalised with :func:`normalise_name`) -> code 0-15.
NAV_STATUS_TEXT: dict[str, int] = {
    "underwayusingengine": 0,
    "underwayusingengines": 0,
    "underwayengine": 0,
    "underway": 0,
    "atanchor": 1,
    "anchored": 1,
    "anchor": 1,
    "notundercommand": 2,
    "restrictedmanoeuverability": 3,
    "restrictedmanoeuvrability": 3,
    "restrictedmaneuverability": 3,
    "restrictedmanouverability": 3,
    "restrictedmanoeuvreability": 3,
    "constrainedbyherdraught": 4,
    "constrainedbydraught": 4,
    "constrainedbyherdraft": 4,
    "moored": 5,
    "aground": 6,
    "engagedinfishing": 7,
    "fishing": 7,
    "underwaysailing": 8,
    "sailing": 8,
    "reservedforfutureamendmenthsc": 9,
    "reservedforhsc": 9,
    "hsc": 9,
    "reservedforfutureamendmentwig": 10,
    "reservedforwig": 10,
    "wig": 10,
    "powerdrivenvesseltowingastern": 11,
    "towingastern": 11,
    "powerdrivenvesselpushingaheadortowingalongside": 12,
    "pushingaheadortowingalongside": 12,
    "reservedforfutureuse": 13,
    "aissart": 14,
    "aissartactive": 14,
    "sartactive": 14,
    "aissartmobaisepirbais": 14,
    "unknownvalue": 15,
    "unknown": 15,
    "undefined": 15,
    "notdefined": 15,
    "default": 15,
    "notdefineddefault": 15,
}


def _code_of(value: object) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        f = float(text)
    except ValueError:
        return NAV_STATUS_TEXT.get(normalise_name(text))
    return int(f) if f.is_integer() and 0 <= f <= 15 else None


def _nav_status(arr: Any) -> pd.Series:
    """Int16 status codes 0-15 from numbers or English text (DMA, old NOAA); else <NA>."""
    values, codes = _distinct(arr)
    if pa.types.is_string(values.type):
        per = [_code_of(x) for x in _text(values).to_pylist()]
        lookup = np.array([np.nan if c is None else c for c in per], dtype="float64")
    else:
        lookup = _float(values)
    return _int(_spread(lookup, codes, np.nan), 0, 15).astype("Int16")


_IMO_PREFIX = r"(?i)^\s*imo\s*[:#.-]?\s*"


def _imo(arr: Any) -> pd.Series:
    """IMO numbers (7 digits, ``IMO9869693`` accepted); 0, ``Unknown`` and junk -> <NA>."""
    values, codes = _distinct(arr)
    if pa.types.is_string(values.type):
        values = pc.replace_substring_regex(values, _IMO_PREFIX, "")
    return _int(_spread(_float(values), codes, np.nan), 1_000_000, 9_999_999)


def _ship_type(arr: Any) -> pd.Series:
    """Ship type as a text category: ``60.0`` -> ``'60'``; text (DMA ``Military``) kept."""
    values, codes = _distinct(arr)
    return _category_of(pc.replace_substring_regex(_text(values), r"^(\d+)\.0*$", r"\1"), codes)


def _angle(values: np.ndarray) -> np.ndarray:
    """Degrees in [0, 360), else NaN (511 / 360 'not available' included)."""
    return np.where((values >= 0) & (values < 360), values, np.nan)


def _noaa_cog(values: np.ndarray) -> np.ndarray:
    """Undo MarineCadastre's signed-12-bit COG artefact, then mask 'not available'.

    The legacy files store COG tenths as a signed 12-bit number, so true courses 204.8-409.5
    appear as -204.8..-0.1. A negative value in [-204.8, 0) is therefore mapped by **+409.6**
    (not +360: checked on the real NY-harbour hour, where +409.6 agrees with the heading to a
    median 2.4 degrees and +360 is off by 49); -49.6 becomes 360.0 = 'not available'. After the
    mapping anything outside [0, 360) is NaN.
    """
    v = np.where((values >= -204.8) & (values < 0), np.round(values + 409.6, 1), values)
    return _angle(v)


def _sog(values: np.ndarray) -> np.ndarray:
    """Knots; 102.3 ('not available') and negative values -> NaN."""
    return np.where((values < 0) | np.isclose(values, 102.3), np.nan, values)


def _metres(values: np.ndarray) -> np.ndarray:
    """A length or width column (NOAA/DMA ``Length``, ``Width``): metres > 0, else NaN (0 is
    "not available"; negative, infinite and text values, already NaN from the text, too)."""
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _ais_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """AIS dimensions A + B (or C + D) where both are > 0, else NaN; 511/63 (">= that") kept."""
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    return np.where(ok, a + b, np.nan)


#: Canonical dimension -> the AIS dimension columns it is summed from (when a table has no
#: length/width column; :data:`~navwatch.io.tables.columns.AIS_DIMENSIONS`).
_DIM_PARTS = {"length_m": ("_dim_a", "_dim_b"), "beam_m": ("_dim_c", "_dim_d")}


def _dimensions(cols: dict[str, Any], out: dict[str, Any]) -> None:
    """``length_m``/``beam_m`` from their own columns, else from AIS dimensions A-D."""
    for c, (p, q) in _DIM_PARTS.items():
        if c in cols:
            out[c] = _metres(_float(cols[c]))
        elif p in cols and q in cols:
            out[c] = _ais_sum(_float(cols[p]), _float(cols[q]))


#: Columns :func:`_frame` may add for :func:`_process` (consumed there, never returned).
_TIME_REASON = "_nw_time_reason"
_MMSI_CODE = "_nw_mmsi_code"
_MMSI_REASON = "_nw_mmsi_reason"
_CONF_UNKNOWN = "_nw_conf_unknown"
_HIDDEN = (_TIME_REASON, _MMSI_CODE, _MMSI_REASON, _CONF_UNKNOWN)


def _confidence(arr: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """(floats, text of each value not understood or None) of a confidence column."""
    arr = _chunked(arr)
    if (
        pa.types.is_floating(arr.type)
        or pa.types.is_integer(arr.type)
        or pa.types.is_decimal(arr.type)
    ):
        values = pd.Series(_float(arr))
    else:
        values = pd.Series(_text(arr).to_pandas(), dtype="object")
    conf, unknown = schema.parse_confidence(values)
    if not unknown:
        return conf, None
    shown = (
        values.astype("string").str.strip()
        if values.dtype == object
        else values.map(lambda v: f"{v:g}")
    )
    flagged = shown.isin(list(unknown)).to_numpy(dtype=bool, na_value=False) & np.isnan(conf)
    text = np.full(len(conf), None, dtype=object)
    text[flagged] = shown[flagged].to_numpy(dtype=object)
    return conf, text


def _frame(  # noqa: C901 -- one conversion per canonical column
    cols: dict[str, Any],
    n: int,
    *,
    times: TimeColumn | None = None,
    noaa_cog: bool = False,
) -> pd.DataFrame:
    """Canonical columns from source columns keyed by canonical name (any arrow type).

    ``times`` reads the time column (one per file, so its format is detected once). Rows that
    :func:`_process` must judge carry hidden columns (:data:`_HIDDEN`): the reason of an
    unreadable time, the MMSI class code and reason, a confidence value not understood.
    """
    out: dict[str, Any] = {}
    if "time" in cols:
        times = times if times is not None else TimeColumn("<table>", "time")
        out["time"], reason = times.parse(cols["time"])
        if reason is not None:
            out[_TIME_REASON] = reason
    for c in ("lat", "lon"):
        if c in cols:
            out[c] = _float(cols[c])
    if "kind" in cols:
        out["kind"] = pd.Series(pc.utf8_lower(_text(cols["kind"])).to_pandas(), dtype="object")
    if "mmsi" in cols:
        check = check_mmsi(cols["mmsi"])
        out["mmsi"] = check.mmsi
        if (check.code != 0).any():
            out[_MMSI_CODE] = check.code
        if check.reason is not None:
            out[_MMSI_REASON] = check.reason
    if "imo" in cols:
        out["imo"] = _imo(cols["imo"])
    for c in ("callsign", "name"):
        if c in cols:
            out[c] = _text_category(cols[c])
    for c in ("vessel", "port", "source", "notes"):
        if c in cols:
            out[c] = pd.Series(_text(cols[c]).to_pandas(), dtype="string").reset_index(drop=True)
    if "coverage" in cols:
        out["coverage"] = pd.Series(
            pc.utf8_lower(_text(cols["coverage"])).to_pandas(), dtype="string"
        )
    if "ship_type" in cols:
        out["ship_type"] = _ship_type(cols["ship_type"])
    if "sog_kn" in cols:
        out["sog_kn"] = _sog(_float(cols["sog_kn"]))
    if "cog_deg" in cols:
        v = _float(cols["cog_deg"])
        out["cog_deg"] = _noaa_cog(v) if noaa_cog else _angle(v)
    if "heading_deg" in cols:
        out["heading_deg"] = _angle(_float(cols["heading_deg"]))
    if "nav_status" in cols:
        out["nav_status"] = _nav_status(cols["nav_status"])
    _dimensions(cols, out)
    if "confidence" in cols:
        out["confidence"], unknown = _confidence(cols["confidence"])
        if unknown is not None:
            out[_CONF_UNKNOWN] = unknown
    df = pd.DataFrame({k: v for k, v in out.items() if v is not None}, index=pd.RangeIndex(n))
    return df
