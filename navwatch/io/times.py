"""The one time parser of navwatch: every tabular reader (NOAA, DMA, generic CSV, Parquet text
columns, GeoPackage/GeoJSON, ``.traj``, sightings, surveys) and :func:`navwatch.schema.to_utc`
read times through here.

Text columns
------------
The format of a column is **detected once**, from a sample of its non-empty values (the first
128 and 128 spread over the first block read), by trying the formats below in order and keeping
the one that reads the most sample values (the first one that reads them all wins at once).
Every value of the column is then parsed with that format, vectorised (arrow ``cast`` /
``strptime``, or pandas ``to_datetime`` with an explicit format): no Python code runs per row.

=====================  =============================================  =========================
format                 examples                                       notes
=====================  =============================================  =========================
epoch                  ``1733212800``, ``1733212800123``,             numbers; the magnitude
                       ``1733212800.5``                               decides the unit (below)
ISO 8601               ``2024-12-02T06:00:00Z``, ``2024-12-02         ``T`` or space; ``Z``,
                       06:00``, ``...+02:00``, ``...+0000``,          ``UTC``, numeric offsets;
                       ``...06:00:00.123456789``, aisstream's         fractions to the
                       ``2026-10-08 03:04:05.123456789 +0000 UTC``    nanosecond
``YYYYMMDD_HHMMSS``    ``20210701_185151``                            camera / file-name stamps
``YYYY/MM/DD ...``     ``2021/07/01 18:51:51``                        seconds optional
``dd/mm/YYYY ...``     ``03/12/2024 10:00:00``                        day first: where the
                                                                      format says so (DMA), or
                                                                      when the sample has a
                                                                      first field above 12
``mm/dd/YYYY ...``     ``12/03/2024 10:00:00``                        month first: never for
                                                                      DMA; wins ambiguous
                                                                      samples elsewhere
guessed                ``Dec 3 2024 10:00``                           pandas' format guess from
                                                                      the sample, then that
                                                                      explicit format
=====================  =============================================  =========================

Naive times are UTC; offsets are applied. A value the column's format cannot read (or a time
outside 1678-2261, the range of ``datetime64[ns]``) becomes NaT with a reason naming the column
and the value; the readers send such rows to the quarantine as ``bad_time``. When **no** value
can be read in any format, :meth:`TimeColumn.parse` (or :meth:`TimeColumn.finish`) raises one
:class:`~navwatch.errors.IngestError` naming the file, the column and a sample value, instead of
quarantining every row.

Numbers
-------
Numeric columns (and all-numeric text) are Unix epoch times. The unit is decided per value by its
magnitude: ``|v| < 1e11`` seconds (up to year 5138), ``< 1e14`` milliseconds, ``< 1e17``
microseconds, else nanoseconds. So milliseconds and microseconds are read right for times after
1973-03-03 (1e11 ms = 1e14 us = 1973-03-03T09:46:40Z), seconds for any time. Integers are
converted exactly; fractional values are rounded to the microsecond. Arrow timestamp columns
are taken as they are (naive = UTC) and dates as midnight UTC.

The scalar helpers :func:`epoch_text_ns` and :func:`iso_text_ns` are the per-value
counterparts used by the line-oriented NMEA reader for leading receive times;
:mod:`navwatch.io.nmea_fast` reads the common shapes of both from bytes, vectorised
(``_epoch_ns``, ``_iso_ns``; tested equal through the NMEA reader's two paths): change them
together.

Durations given as parameters or settings (``every="6h"``) are read by
:func:`navwatch.durations.parse_duration`, not here.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import IngestError
from ..geodesy import NS_PER_S
from ._common import as_chunked, to_float, trimmed_text

__all__ = [
    "EPOCH_MS_BELOW",
    "EPOCH_SECONDS_BELOW",
    "EPOCH_US_BELOW",
    "TimeColumn",
    "detect_time_format",
    "epoch_text_ns",
    "iso_text_ns",
    "parse_times",
    "to_utc",
]

#: Epoch values below these magnitudes are seconds, milliseconds, microseconds; above: ns.
EPOCH_SECONDS_BELOW = 1e11
EPOCH_MS_BELOW = 1e14
EPOCH_US_BELOW = 1e17

_NAT = np.datetime64("NaT", "ns")
_NS_LIMIT_S = 9_223_372_035  # |seconds| that fit in datetime64[ns]
_SAMPLE = 128  # sample = the first _SAMPLE non-empty values + _SAMPLE spread over the block
#: Values seen without any format reading one of them, after which a column is declared
#: unreadable at once (fewer, e.g. tiny files: decided at :meth:`TimeColumn.finish`).
RAISE_AFTER = 1000


# --------------------------------------------------------------------------------------------
# Conversions to datetime64[ns]
# --------------------------------------------------------------------------------------------


def _to_ns(values: np.ndarray) -> np.ndarray:
    """datetime64 of any unit -> datetime64[ns]; values outside the ns range become NaT."""
    values = np.asarray(values)
    if values.dtype.kind != "M":
        values = values.astype("datetime64[ns]")
    if values.dtype == np.dtype("datetime64[ns]"):
        return values
    sec = values.astype("datetime64[s]").astype(np.int64)
    ok = ~np.isnat(values) & (np.abs(sec) < _NS_LIMIT_S)
    out = np.full(len(values), _NAT)
    out[ok] = values[ok].astype("datetime64[ns]")
    return out


def _epoch_float_ns(values: np.ndarray) -> np.ndarray:
    """Epoch numbers (float) -> datetime64[ns], unit by magnitude; rounded to the microsecond."""
    a = np.abs(values)
    with np.errstate(invalid="ignore", over="ignore"):
        factor_us = np.select(
            [a < EPOCH_SECONDS_BELOW, a < EPOCH_MS_BELOW, a < EPOCH_US_BELOW], [1e6, 1e3, 1.0], 1e-3
        )
        us = values * factor_us  # whole microseconds: exact for float seconds/milliseconds
        ok = np.isfinite(us) & (np.abs(us) < 9.2e15)
    out = np.full(len(values), _NAT)
    out[ok] = (np.round(us[ok]).astype(np.int64) * 1000).view("datetime64[ns]")
    return out


def _epoch_int_ns(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Epoch integers -> datetime64[ns], unit by magnitude, exactly; out of range -> NaT."""
    v = values.astype(np.int64, copy=False)
    a = np.abs(v.astype(np.float64))
    out = np.full(len(v), _NAT)
    for lo, hi, factor, limit in (
        (0, EPOCH_SECONDS_BELOW, 10**9, _NS_LIMIT_S),
        (EPOCH_SECONDS_BELOW, EPOCH_MS_BELOW, 10**6, _NS_LIMIT_S * 1000),
        (EPOCH_MS_BELOW, EPOCH_US_BELOW, 10**3, _NS_LIMIT_S * 10**6),
    ):
        m = valid & (a >= lo) & (a < hi) & (np.abs(v) < limit)
        out[m] = (v[m] * factor).view("datetime64[ns]")
    m = valid & (a >= EPOCH_US_BELOW)
    out[m] = v[m].view("datetime64[ns]")
    return out


def _arrow_ts_ns(arr: pa.ChunkedArray) -> np.ndarray:
    """An arrow timestamp column (any unit, naive or tz-aware) as datetime64[ns] UTC values."""
    if arr.type.tz is not None:
        arr = arr.cast(pa.timestamp(arr.type.unit))  # the stored values are UTC instants
    return _to_ns(arr.to_numpy(zero_copy_only=False))


def _utc_series(ns: np.ndarray) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(ns).tz_localize("UTC")).astype(schema.TIME_DTYPE)


def _pandas_ns(result: Any) -> np.ndarray:
    """Naive UTC datetime64[ns] values of a pandas datetime result (any unit, NaT kept)."""
    s = pd.Series(result)
    if s.dtype.kind != "M" and not isinstance(s.dtype, pd.DatetimeTZDtype):
        return np.full(len(s), _NAT)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return _to_ns(s.to_numpy())


# --------------------------------------------------------------------------------------------
# Formats of text columns
# --------------------------------------------------------------------------------------------


def _from_parts(text: pa.ChunkedArray, pattern: str) -> np.ndarray:
    """Parse with a regex of named groups Y, m, d and optional H, M, S, f (fraction); validates
    every field (31 February is NaT, not 3 March). Vectorised; used for the rows a fast path
    could not settle (e.g. single-digit days)."""
    n = len(text)
    out = np.full(n, _NAT)
    if n == 0:
        return out
    parts = pc.extract_regex(text, pattern)
    parts = parts.combine_chunks() if isinstance(parts, pa.ChunkedArray) else parts
    valid = parts.is_valid().to_numpy(zero_copy_only=False)
    if not valid.any():
        return out
    names = {parts.type.field(i).name for i in range(parts.type.num_fields)}

    def num(name: str, default: int) -> np.ndarray:
        if name not in names:
            return np.full(n, default, dtype=np.int64)
        f = pc.struct_field(parts, name)
        f = pc.if_else(pc.equal(f, ""), pa.scalar(None, pa.string()), f)
        return pc.cast(f, pa.int64()).fill_null(default).to_numpy(zero_copy_only=False)

    y, m, d = num("Y", 1970), num("m", 1), num("d", 1)
    hh, mm, ss = num("H", 0), num("M", 0), num("S", 0)
    frac = np.zeros(n, dtype=np.int64)
    if "f" in names:
        f = pc.struct_field(parts, "f")
        f = pc.utf8_slice_codeunits(pc.utf8_rpad(f, width=9, padding="0"), 0, 9)
        frac = pc.cast(f, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    ok = valid & (y >= 1678) & (y <= 2261) & (m >= 1) & (m <= 12) & (d >= 1)
    ok &= (hh <= 23) & (mm <= 59) & (ss <= 59)
    y, m = np.where(ok, y, 1970), np.where(ok, m, 1)
    month = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    first = month.astype("datetime64[D]").astype(np.int64)
    days_in_month = (month + 1).astype("datetime64[D]").astype(np.int64) - first
    ok &= d <= days_in_month
    secs = (first + d - 1) * 86400 + hh * 3600 + mm * 60 + ss
    out[ok] = (secs[ok] * 10**9 + frac[ok]).view("datetime64[ns]")
    return out


_FIELD_WIDTH = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}


def _month_field(fmt: str) -> tuple[int, int] | None:
    """(position of the month digits, total length) of a fixed-width format, else None."""
    pos, month, i = 0, None, 0
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i + 1 : i + 2]
            if code not in _FIELD_WIDTH:
                return None
            if code == "m":
                month = pos
            pos += _FIELD_WIDTH[code]
            i += 2
        else:
            pos += 1
            i += 1
    return None if month is None else (month, pos)


class _Format:
    """A text time format: ``parse(text) -> datetime64[ns]`` (NaT where it cannot read)."""

    key = ""
    label = ""

    def parse(self, text: pa.ChunkedArray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class _Strptime(_Format):
    """A fixed-width format read by arrow's strptime; a parse counts only when the text has the
    format's width and its month digits equal the parsed month (arrow rolls 31/02 over to 2
    March; a roll-over always changes the month). Other rows go to the validating regex."""

    def __init__(self, key: str, label: str, fmt: str, regex: str):
        self.key, self.label, self.fmt, self.regex = key, label, fmt, regex
        self.field = _month_field(fmt)

    def parse(self, text: pa.ChunkedArray) -> np.ndarray:
        n = len(text)
        out = np.full(n, _NAT)
        present = text.is_valid().to_numpy(zero_copy_only=False)
        if not present.any():
            return out
        ts = pc.strptime(text, format=self.fmt, unit="s", error_is_null=True)
        ok = ts.is_valid().to_numpy(zero_copy_only=False)
        if ok.any() and self.field is not None:
            start, width = self.field
            same_len = pc.equal(pc.utf8_length(text), width).fill_null(False)
            ok &= same_len.to_numpy(zero_copy_only=False)
            digits = pc.if_else(
                pa.chunked_array([ok]), pc.utf8_slice_codeunits(text, start, start + 2), "0"
            )
            try:
                same_month = pc.equal(pc.cast(digits, pa.int64()), pc.month(ts)).fill_null(False)
                ok &= same_month.to_numpy(zero_copy_only=False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                ok[:] = False
        if ok.any():
            vals = _to_ns(ts.to_numpy(zero_copy_only=False))
            out[ok] = vals[ok]
        todo = np.flatnonzero(present & ~ok)
        if len(todo):
            out[todo] = _from_parts(text.take(pa.array(todo)), self.regex)
        return out


# Rewrites that turn ISO-like variants into what arrow/pandas read: (pattern, replacement).
_ISO_FIXES: tuple[tuple[str, str], ...] = (
    (r"^(.*\d)\s+([+-]\d{2}:?\d{2})\s+[A-Za-z]{2,5}$", r"\1\2"),  # Go: '... +0000 UTC'
    (r"(\d)\s*(?:[Zz]|UTC|GMT|utc|gmt)$", r"\1Z"),  # ' Z', ' UTC'
    (r"(\d)\s+([+-]\d{2}(?::?\d{2})?)$", r"\1\2"),  # space before the offset
    (r"^(\d{4}-\d{2}-\d{2})[t_]", r"\1T"),
    (r"(:\d{2}),(\d)", r"\1.\2"),  # decimal comma
)
_GO_SUFFIX = " UTC"  # aisstream/Go 'YYYY-MM-DD HH:MM:SS[.f] +0000 UTC': sliced, no regex


class _Iso(_Format):
    """ISO 8601 with ``T`` or a space, any zone (``Z``, ``UTC``, ``+02:00``, ``+0000``, none =
    UTC), fractions to the nanosecond.

    Fast path: one arrow cast, to a naive or a zoned timestamp as the sample showed (a cast that
    fails is slow in arrow, so it is not tried blindly). A block that does not cast whole is split
    into zoned and naive values, each cast; a part that still fails (bad values, odd variants) is
    rewritten by every fix and read by pandas' ISO 8601 parser, NaT where that fails."""

    key = "iso"
    label = "ISO 8601"

    def __init__(
        self, fixes: tuple[tuple[str, str], ...] = (), go: bool = False, zoned: bool | None = None
    ):
        self.fixes = fixes  # rewrites every value needs (found in the sample)
        self.go = go  # every value ends ' +HHMM UTC': slice instead of regex
        self.zoned = zoned  # the sample was all zoned (True), all naive (False), mixed (None)

    def _prepare(self, text: pa.ChunkedArray) -> pa.ChunkedArray:
        if self.go and pc.all(pc.ends_with(text, _GO_SUFFIX)).as_py() is not False:
            return pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(text, 0, -10), pc.utf8_slice_codeunits(text, -9, -4), ""
            )
        for pattern, repl in self.fixes:
            text = pc.replace_substring_regex(text, pattern, repl)
        return text

    @staticmethod
    def _cast(text: pa.ChunkedArray, zoned: bool) -> np.ndarray | None:
        try:
            return _arrow_ts_ns(
                text.cast(pa.timestamp("ns", "UTC") if zoned else pa.timestamp("ns"))
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None

    @staticmethod
    def _zoned(text: pa.ChunkedArray) -> np.ndarray:
        """Values with a zone: ending in Z, or with + or - after the date."""
        after_date = pc.utf8_slice_codeunits(text, 10)
        z = pc.or_(pc.ends_with(text, "Z"), pc.match_substring(after_date, "+"))
        z = pc.or_(z, pc.match_substring(after_date, "-"))
        return z.fill_null(False).to_numpy(zero_copy_only=False)

    def _pandas(self, text: pa.ChunkedArray) -> np.ndarray:
        # pandas reads 2021/07/01 as ISO; slashed dates belong to their own formats
        text = pc.if_else(pc.match_substring(text, "/"), pa.scalar(None, pa.string()), text)
        for pattern, repl in _ISO_FIXES:
            if (pattern, repl) not in self.fixes:
                text = pc.replace_substring_regex(text, pattern, repl)
        values = pd.Series(text.to_pandas(), dtype="object")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
        return _pandas_ns(got)

    def parse(self, text: pa.ChunkedArray) -> np.ndarray:
        text = self._prepare(text)
        if self.zoned is not None:
            out = self._cast(text, self.zoned)
            if out is not None:
                return out
        n = len(text)
        out = np.full(n, _NAT)
        present = text.is_valid().to_numpy(zero_copy_only=False)
        zoned = self._zoned(text)
        for want in (False, True):
            idx = np.flatnonzero(present & (zoned == want))
            if not len(idx):
                continue
            part = text if len(idx) == n else text.take(pa.array(idx))
            vals = self._cast(part, want)
            out[idx] = self._pandas(part) if vals is None else vals
        return out

    @classmethod
    def for_sample(cls, sample: pa.ChunkedArray) -> _Iso:
        if (
            pc.all(pc.ends_with(sample, _GO_SUFFIX)).as_py()
            and pc.all(pc.equal(pc.utf8_slice_codeunits(sample, -10, -9), " ")).as_py()
        ):
            return cls(go=True, zoned=True)
        zoned = cls._zoned(sample)
        if zoned.all() or not zoned.any():
            if cls._cast(sample, bool(zoned.all())) is not None:
                return cls(zoned=bool(zoned.all()))
        fixes = []
        for pattern, repl in _ISO_FIXES:  # the rewrites that change some value of the sample
            fixed = pc.replace_substring_regex(sample, pattern, repl)
            if not pc.all(pc.equal(fixed, sample)).as_py():
                fixes.append((pattern, repl))
                sample = fixed
        zoned = cls._zoned(sample)
        return cls(
            tuple(fixes), zoned=bool(zoned.all()) if zoned.all() or not zoned.any() else None
        )


class _Epoch(_Format):
    key = "epoch"
    label = "epoch seconds/milliseconds/microseconds"

    def parse(self, text: pa.ChunkedArray) -> np.ndarray:
        try:
            ints = pc.cast(text, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return _epoch_float_ns(to_float(text))
        valid = ints.is_valid().to_numpy(zero_copy_only=False)
        return _epoch_int_ns(ints.fill_null(0).to_numpy(zero_copy_only=False), valid)


class _Guessed(_Format):
    key = "guessed"

    def __init__(self, fmt: str):
        self.fmt = fmt
        self.label = f"{fmt} (guessed)"

    def parse(self, text: pa.ChunkedArray) -> np.ndarray:
        values = pd.Series(text.to_pandas(), dtype="object")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = pd.to_datetime(values, format=self.fmt, utc=True, errors="coerce")
        return _pandas_ns(got)


_TIME = r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?$"
_COMPACT = _Strptime(
    "compact",
    "YYYYMMDD_HHMMSS",
    "%Y%m%d_%H%M%S",
    r"^(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})_(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})$",
)
_YMD = _Strptime(
    "ymd",
    "YYYY/MM/DD HH:MM:SS",
    "%Y/%m/%d %H:%M:%S",
    r"^(?P<Y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})" + _TIME,
)
_DMY = _Strptime(
    "dmy",
    "dd/mm/YYYY HH:MM:SS",
    "%d/%m/%Y %H:%M:%S",
    r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<Y>\d{4})" + _TIME,
)
_MDY = _Strptime(
    "mdy",
    "mm/dd/YYYY HH:MM:SS",
    "%m/%d/%Y %H:%M:%S",
    r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<Y>\d{4})" + _TIME,
)
_EPOCH = _Epoch()

#: Labels of the formats tried, for messages.
TRIED = (
    "ISO 8601",
    "YYYYMMDD_HHMMSS",
    "YYYY/MM/DD HH:MM:SS",
    "dd/mm/YYYY or mm/dd/YYYY HH:MM:SS",
    "epoch seconds/ms/us",
)


def _guess(sample: pa.ChunkedArray, dayfirst: bool) -> _Format | None:
    from pandas.tseries.api import guess_datetime_format

    counts: dict[str, int] = {}
    for value in sample.to_pylist()[:20]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fmt = guess_datetime_format(value, dayfirst=dayfirst)
        if fmt and dayfirst and "%d" in fmt and "%m" in fmt and fmt.index("%m") < fmt.index("%d"):
            fmt = None  # day-first formats never read month first
        if fmt:
            counts[fmt] = counts.get(fmt, 0) + 1
    return _Guessed(max(counts, key=counts.__getitem__)) if counts else None


def _candidates(sample: pa.ChunkedArray, dayfirst: bool) -> list[Callable[[], _Format | None]]:
    day_month = [_DMY] if dayfirst else [_MDY, _DMY]
    return [
        lambda: _EPOCH,
        lambda: _Iso.for_sample(sample),
        *[(lambda f=f: f) for f in (_COMPACT, _YMD, *day_month)],
        lambda: _guess(sample, dayfirst),
    ]


def detect_time_format(sample: Any, *, dayfirst: bool = False) -> _Format | None:
    """The format that reads the most values of ``sample`` (text), or None if none reads any.

    Formats are tried in the order of the module docstring; the first one that reads every
    value wins at once, and ties go to the earlier one. With ``dayfirst`` (DMA) month-first
    slashes are not tried at all.

    Examples
    --------
    >>> detect_time_format(["20210701_185151", "20210701_185152"]).label
    'YYYYMMDD_HHMMSS'
    >>> detect_time_format(["03/12/2024 10:00:00", "13/12/2024 10:00:00"]).label
    'dd/mm/YYYY HH:MM:SS'
    >>> detect_time_format(["yesterday"]) is None
    True
    """
    sample = trimmed_text(sample)
    sample = sample.filter(sample.is_valid())
    n = len(sample)
    if n == 0:
        return None
    best, best_n = None, 0
    for make in _candidates(sample, dayfirst):
        fmt = make()
        if fmt is None:
            continue
        got = int((~np.isnat(fmt.parse(sample))).sum())
        if got > best_n:
            best, best_n = fmt, got
        if got == n:
            break
    return best


# --------------------------------------------------------------------------------------------
# One time column of one file
# --------------------------------------------------------------------------------------------


class TimeColumn:
    """The time column of one file: detects its format from the first non-empty values it is
    given, then parses every block of the file with that format.

    Parameters
    ----------
    file : str or Path
        The file, for messages.
    column : str
        The column's name in the file, for messages.
    dayfirst : bool
        Slashed dates are day first (DMA); month-first is then never tried.
    strict : bool
        Raise :class:`~navwatch.errors.IngestError` when no value of the column can be read
        (default). False: such values are NaT like any other unreadable value.

    Examples
    --------
    >>> tc = TimeColumn("f.csv", "Time")
    >>> times, reasons = tc.parse(["2024-12-02T06:00:00+02:00", "2024-02-31T00:00:00", None])
    >>> tc.format, str(times[0]), list(reasons)
    ('ISO 8601', '2024-12-02 04:00:00+00:00', [None, "column 'Time': cannot read '2024-02-31T00:00:00' as a time (ISO 8601)", "column 'Time' is empty"])
    >>> tc = TimeColumn("f.csv", "Time")
    >>> _ = tc.parse(["20210701185151x"])  # one value: the verdict waits for the end of the file
    >>> tc.finish()
    Traceback (most recent call last):
    ...
    navwatch.errors.IngestError: f.csv: column 'Time': cannot read times such as '20210701185151x' (tried ISO 8601, YYYYMMDD_HHMMSS, YYYY/MM/DD HH:MM:SS, dd/mm/YYYY or mm/dd/YYYY HH:MM:SS, epoch seconds/ms/us)
    """

    def __init__(
        self, file: object, column: str = "time", *, dayfirst: bool = False, strict: bool = True
    ):
        self.file = str(file)
        self.column = str(column)
        self.dayfirst = dayfirst
        self.strict = strict
        self.parser: _Format | None = None
        self._unread: str | None = None  # a value no format could read, before any was read
        self._unread_n = 0

    @property
    def format(self) -> str | None:
        """Label of the detected text format (None before detection or for typed columns)."""
        return None if self.parser is None else self.parser.label

    def error(self) -> IngestError:
        return IngestError(
            self.file,
            f"column {self.column!r}: cannot read times such as {self._unread!r} "
            f"(tried {', '.join(TRIED)})",
        )

    def finish(self) -> None:
        """End of the file: raise if values were seen and none could be read."""
        if self.strict and self.parser is None and self._unread is not None:
            raise self.error()

    def parse(self, values: Any) -> tuple[pd.Series, np.ndarray | None]:
        """``(times, reasons)``: UTC times (NaT where unreadable) and, when any is NaT, an object
        array with the reason of each NaT row (None elsewhere); else None."""
        arr = as_chunked(values)
        t = arr.type
        text = None
        if pa.types.is_date(t):
            arr = arr.cast(pa.timestamp("s"))
            t = arr.type
        if pa.types.is_timestamp(t):
            ns = _arrow_ts_ns(arr)
        elif pa.types.is_integer(t):
            valid = arr.is_valid().to_numpy(zero_copy_only=False)
            ns = _epoch_int_ns(
                arr.fill_null(0).cast(pa.int64()).to_numpy(zero_copy_only=False), valid
            )
        elif pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t):
            ns = _epoch_float_ns(to_float(arr))
        elif pa.types.is_null(t):
            ns = np.full(len(arr), _NAT)
        else:
            text = trimmed_text(arr)
            ns = self._parse_text(text)
        bad = np.isnat(ns)
        if not bad.any():
            return _utc_series(ns), None
        return _utc_series(ns), self._reasons(bad, arr, text)

    def _parse_text(self, text: pa.ChunkedArray) -> np.ndarray:
        if self.parser is None:
            present = text.is_valid().to_numpy(zero_copy_only=False)
            idx = np.flatnonzero(present)
            if not len(idx):
                return np.full(len(text), _NAT)
            if len(idx) > 2 * _SAMPLE:
                spread = idx[np.linspace(0, len(idx) - 1, _SAMPLE).astype(np.int64)]
                sample_idx = np.unique(np.concatenate([idx[:_SAMPLE], spread]))
            else:
                sample_idx = idx
            sample = text.take(pa.array(sample_idx))
            self.parser = detect_time_format(sample, dayfirst=self.dayfirst)
            if self.parser is None and len(idx) > len(sample_idx):  # look at every value
                self.parser = detect_time_format(text.take(pa.array(idx)), dayfirst=self.dayfirst)
            if self.parser is None:
                if self._unread is None:
                    self._unread = sample[0].as_py()
                self._unread_n += len(idx)
                if self.strict and self._unread_n >= RAISE_AFTER:
                    raise self.error()
                return np.full(len(text), _NAT)
        return self.parser.parse(text)

    def _reasons(
        self, bad: np.ndarray, arr: pa.ChunkedArray, text: pa.ChunkedArray | None
    ) -> np.ndarray:
        out = np.full(len(bad), None, dtype=object)
        idx = np.flatnonzero(bad)
        shown = (text if text is not None else arr).take(pa.array(idx)).to_pylist()
        how = f" ({self.parser.label})" if self.parser is not None else ""
        col = self.column
        out[idx] = [
            f"column {col!r} is empty"
            if v is None
            else f"column {col!r}: cannot read {str(v)[:60]!r} as a time{how}"
            if text is not None
            else f"column {col!r}: {v} is not a time from 1678 to 2261"
            for v in shown
        ]
        return out


def parse_times(
    values: Any,
    *,
    file: object = "<values>",
    column: str = "time",
    dayfirst: bool = False,
    strict: bool = True,
) -> pd.Series:
    """Parse one column of times to ``datetime64[ns, UTC]`` (NaT where unreadable).

    Examples
    --------
    >>> parse_times(["2026-10-08 03:04:05.123456789 +0000 UTC"]).iloc[0]
    Timestamp('2026-10-08 03:04:05.123456789+0000', tz='UTC')
    >>> parse_times([1733212800, 1733212800123]).dt.strftime("%H:%M:%S.%f").tolist()
    ['08:00:00.000000', '08:00:00.123000']
    """
    tc = TimeColumn(file, column, dayfirst=dayfirst, strict=strict)
    times, _ = tc.parse(values)
    tc.finish()
    return times


def to_utc(values: Any, *, dayfirst: bool = False, unit: str | None = None) -> pd.Series:
    """Anything time-like to ``datetime64[ns, UTC]``; naive = UTC, unreadable -> NaT (never raises).

    Datetime values are converted (naive taken as UTC); text is read by :class:`TimeColumn`;
    numbers are epoch times by magnitude unless ``unit`` is given. The index of a Series is kept.
    """
    index = values.index if isinstance(values, pd.Series) else None
    if unit is not None:
        out = pd.to_datetime(values, unit=unit, utc=True, errors="coerce")
        out = pd.Series(out) if not isinstance(out, pd.Series) else out
        return (
            pd.Series(_pandas_ns(out), index=index).dt.tz_localize("UTC").astype(schema.TIME_DTYPE)
        )
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or s.dtype.kind == "M":
        ns = _pandas_ns(s)
    elif (
        s.dtype.kind in "iufb"
        or isinstance(s.dtype, pd.StringDtype)
        or pd.api.types.is_numeric_dtype(s.dtype)
    ):
        tc = TimeColumn("<values>", str(s.name or "time"), dayfirst=dayfirst, strict=False)
        ns = tc.parse(pa.array(s, from_pandas=True))[0].array.asi8.view("datetime64[ns]")
    else:  # object: text, datetime objects, or a mix
        obj = s.astype("object")
        is_text = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)  # object column: small
        ns = np.full(len(obj), _NAT)
        if is_text.any():
            tc = TimeColumn("<values>", str(s.name or "time"), dayfirst=dayfirst, strict=False)
            parsed = tc.parse(pa.array(obj[is_text].tolist(), pa.string()))[0]
            ns[is_text] = parsed.array.asi8.view("datetime64[ns]")
        rest = ~is_text & obj.notna().to_numpy()
        if rest.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = pd.to_datetime(obj[rest], utc=True, errors="coerce", format="mixed")
            ns[rest] = _pandas_ns(got)
    return pd.Series(pd.DatetimeIndex(ns).tz_localize("UTC"), index=index).astype(schema.TIME_DTYPE)


# --------------------------------------------------------------------------------------------
# Scalar helpers for line-oriented readers (NMEA receive times)
# --------------------------------------------------------------------------------------------

_NS = NS_PER_S
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: A leading ISO 8601 time (``-`` or ``/`` in the date, ``T`` or space, optional zone).
ISO_TEXT = re.compile(
    r"(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
EPOCH_TEXT = re.compile(r"\d{9,13}(?:\.\d+)?")


def epoch_text_ns(text: str) -> int | None:
    """Unix seconds (1e8 <= s < 1e11) or milliseconds (< 1e14) text as integer nanoseconds,
    exactly; None when it is not such a number.

    Examples
    --------
    >>> epoch_text_ns("1452468552.938"), epoch_text_ns("1452468552938"), epoch_text_ns("12")
    (1452468552938000000, 1452468552938000000, None)
    """
    sec, _, frac = text.strip().partition(".")
    if not sec.isdigit() or (frac and not frac.isdigit()):
        return None
    v = int(sec)
    f = int(frac[:9].ljust(9, "0")) if frac else 0
    if 10**8 <= v < EPOCH_SECONDS_BELOW:
        return v * _NS + f
    if EPOCH_SECONDS_BELOW <= v < EPOCH_MS_BELOW:
        return v * 10**6 + f // 1000
    return None


def iso_text_ns(m: re.Match[str]) -> int | None:
    """Integer UTC nanoseconds of an :data:`ISO_TEXT` match; None for an impossible date."""
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        days = date(int(y), int(mo), int(d)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return None
    h_, mi_, s_ = int(h), int(mi), int(s or 0)
    if h_ > 23 or mi_ > 59 or s_ > 60:
        return None
    ns = (days * 86400 + h_ * 3600 + mi_ * 60 + s_) * _NS
    if frac:
        ns += int(frac[:9].ljust(9, "0"))
    if tz and tz[0] in "+-":
        digits = tz[1:].replace(":", "")
        offset_s = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0)
        ns -= (offset_s if tz[0] == "+" else -offset_s) * _NS
    return ns
