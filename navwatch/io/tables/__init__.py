"""Readers for tabular AIS and position files: NOAA MarineCadastre, DMA, generic CSV, Parquet,
GeoPackage/GeoJSON and Tracktable ``.traj``.

Every reader returns a canonical observation table (:mod:`navwatch.schema`) with ``src_file`` and
``src_line`` provenance, sends bad rows to a :class:`~navwatch.quarantine.Quarantine` and records
counts in ``df.attrs['stats']``: ``records`` seen = ``rows`` returned + ``quarantined`` +
``skipped_non_vessel`` (stations that are not vessels by their MMSI, by class in
``skipped_by_class``; see :mod:`navwatch.io.mmsi`), plus ``nonstandard_mmsi`` (rows kept whose
9-digit MMSI does not start 2-7, i.e. not a ship's MID) and ``confidence_unknown`` (value -> rows)
when confidence values were not understood. Times are read by :mod:`navwatch.io.times` (format
detected once per column); MMSIs are checked by :mod:`navwatch.io.mmsi` (``bad_mmsi``).

Column recognition lives in one place, :func:`recognise_columns`: source column names are
compared case-insensitively with punctuation removed (``base_date_time`` == ``BaseDateTime``,
``# Timestamp`` == ``timestamp``) against the synonym lists in :data:`SYNONYMS`.

CSV engine
----------
CSV text is read in blocks of :data:`CHUNK_BYTES` that end on a line break outside quotes. A block
without quote characters takes the fast path: pyarrow parses it as strings, and line numbers are
exact (rows with the wrong number of fields are found by counting commas per line, sent to the
quarantine as ``parse_error`` and cut out before parsing). A block with quotes is parsed with the
:mod:`csv` module; ``src_line`` is then the line on which a record *starts*, so it is still exact for
quoted multi-line fields. The header is line 1, so the first data row is line 2. Blank lines are
skipped and not counted as rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import schema
from ..errors import IngestError
from ..quarantine import Quarantine
from ._common import COMPRESSED_SUFFIXES, open_binary, position_problems, split_valid
from ._common import as_chunked as _chunked
from ._common import to_float as _float
from ._common import trimmed_text as _text
from .mmsi import NON_VESSEL_CLASSES, check_mmsi, count_nonstandard
from .times import TimeColumn

__all__ = [
    "SYNONYMS",
    "normalise_name",
    "read_dma",
    "read_generic_csv",
    "read_geo",
    "read_noaa",
    "read_parquet",
    "read_traj",
    "recognise_columns",
]

#: Bytes per CSV block; a block is parsed, converted and validated before the next is read.
CHUNK_BYTES = 32 << 20

# --------------------------------------------------------------------------------------------
# Column recognition
# --------------------------------------------------------------------------------------------

#: Canonical column -> recognised source names, after :func:`normalise_name`, best first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "time": (
        "time",
        "timestamp",
        "datetime",
        "basedatetime",
        "datetimeutc",
        "timeutc",
        "timestamputc",
        "t",
    ),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "mmsi": ("mmsi",),
    "imo": ("imo", "imonumber", "imono"),
    "callsign": ("callsign", "call"),
    "name": ("name", "vesselname", "shipname"),
    "vessel": ("vessel",),
    "ship_type": ("shiptype", "vesseltype"),
    "sog_kn": ("sogkn", "sog", "speed", "speedkn", "speedknots"),
    "cog_deg": ("cogdeg", "cog", "course"),
    "heading_deg": ("headingdeg", "heading", "trueheading", "hdg"),
    "nav_status": ("navstatus", "navigationalstatus", "navigationstatus", "status"),
    "kind": ("kind",),
    "port": ("port",),
    "coverage": ("coverage",),
    "source": ("source",),
    "confidence": ("confidence",),
    "notes": ("notes", "note", "comment", "comments"),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(name: object) -> str:
    """A column name lower-cased with everything but letters and digits removed.

    Examples
    --------
    >>> normalise_name("# Timestamp"), normalise_name("base_date_time")
    ('timestamp', 'basedatetime')
    """
    return _NON_ALNUM.sub("", str(name).lower())


def recognise_columns(names: Iterable[object]) -> dict[str, str]:
    """Map canonical column names to the source columns that carry them.

    Each canonical column takes the first source column matching its best synonym; a source
    column is used at most once.

    Examples
    --------
    >>> recognise_columns(["Timestamp", "Lat", "LNG", "MMSI", "Speed", "extra"])
    {'time': 'Timestamp', 'lat': 'Lat', 'lon': 'LNG', 'mmsi': 'MMSI', 'sog_kn': 'Speed'}
    """
    names = [str(n) for n in names]
    norm = [normalise_name(n) for n in names]
    used: set[int] = set()
    out: dict[str, str] = {}
    for canon, synonyms in SYNONYMS.items():
        for syn in synonyms:
            hit = next((i for i, n in enumerate(norm) if n == syn and i not in used), None)
            if hit is not None:
                out[canon] = names[hit]
                used.add(hit)
                break
    return out


def _require(
    path: object, names: Sequence[str], found: dict[str, str], needed: Sequence[str], what: str
) -> None:
    missing = [c for c in needed if c not in found]
    if missing:
        expect = "; ".join(f"{c}: one of {list(SYNONYMS[c])}" for c in missing)
        raise IngestError(
            path,
            f"not a {what}: no column for {missing} (expected {expect}); columns found: {list(names)[:40]}",
        )


# --------------------------------------------------------------------------------------------
# CSV engine: blocks of text -> string columns with exact line numbers
# --------------------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """String columns (by source column index) of one CSV block, with 1-based line numbers."""

    cols: dict[int, pa.ChunkedArray]
    lines: np.ndarray
    _raw: Callable[[np.ndarray], list[str]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.lines)

    def raw(self, idx: np.ndarray) -> list[str]:
        return self._raw(idx) if len(idx) else []


def _read(fh: Any, size: int, path: object) -> bytes:
    """``fh.read(size)``; any decompression or I/O failure becomes an :class:`IngestError`."""
    try:
        return fh.read(size)
    except Exception as exc:  # gzip/zlib/zstandard/zipfile raise assorted types
        raise IngestError(path, f"cannot read: {type(exc).__name__}: {exc}") from exc


def _blocks(fh: Any, size: int, path: object) -> Iterator[bytes]:
    """Blocks of ``fh`` that end after a newline with an even number of quote characters."""
    pending = b""
    while True:
        data = _read(fh, size, path)
        if not data:
            break
        pending += data
        cut = pending.rfind(b"\n") + 1
        if cut == 0 or pending.count(b'"', 0, cut) % 2:
            continue  # no full line yet, or inside a quoted field: read on
        yield pending[:cut]
        pending = pending[cut:]
    if pending:
        yield pending


def _csv_chunks(
    path: str | Path,
    select: Callable[[list[str]], list[int]],
    quarantine: Quarantine,
    stats: dict[str, Any],
) -> Iterator[_Chunk]:
    """Yield the columns ``select(header)`` of a CSV file, block by block.

    Records with the wrong number of fields go to ``quarantine`` as ``parse_error``.
    ``stats['records']`` counts data records (good and bad).
    """
    fh = open_binary(path)
    try:
        blocks = _blocks(fh, CHUNK_BYTES, path)
        header: list[str] | None = None
        line = 1
        for block in blocks:
            if header is None:
                if block.startswith(b"\xef\xbb\xbf"):
                    block = block[3:]
                # skip leading blank lines, then take the header line
                while block[:1] in (b"\n", b"\r") and block:
                    if block.startswith(b"\r\n"):
                        block = block[2:]
                    else:
                        block = block[1:]
                    line += 1
                if not block:
                    continue
                end = block.find(b"\n")
                end = len(block) if end < 0 else end
                text = block[:end].decode("utf-8", errors="replace").rstrip("\r")
                header = next(csv.reader([text]), [])
                if not any(h.strip() for h in header):
                    raise IngestError(path, "first line is empty, expected a CSV header")
                want = select(header)
                block = block[end + 1 :]
                line += 1
            yield _parse_block(block, line, header, want, quarantine, path, stats)
            line += block.count(b"\n")
        if header is None:
            raise IngestError(path, "empty file: expected a CSV header line")
    finally:
        fh.close()


class _NeedSlowPath(Exception):
    """A block the vectorised path cannot split exactly (multi-line or stray quotes)."""


def _parse_block(
    buf: bytes,
    first_line: int,
    header: list[str],
    want: list[int],
    quarantine: Quarantine,
    path: str | Path,
    stats: dict[str, Any],
) -> _Chunk:
    lone_cr = b"\r" in buf and b"\r" in buf.replace(b"\r\n", b"")
    if not lone_cr:
        records = stats["records"]
        try:
            return _fast_block(
                buf, first_line, len(header), want, quarantine, path, stats, quoted=b'"' in buf
            )
        except (pa.ArrowInvalid, UnicodeDecodeError, _NeedSlowPath):
            stats["records"] = records  # e.g. invalid UTF-8: the csv module replaces bad bytes
    return _slow_block(buf, first_line, len(header), want, quarantine, path, stats)


def _arrow_parse(
    buf: bytes, ncols: int, want: list[int], *, quoted: bool, handler: Callable | None = None
) -> pa.Table:
    names = [f"c{i}" for i in range(ncols)]
    cols = [names[i] for i in want]
    return pacsv.read_csv(
        pa.py_buffer(buf),
        read_options=pacsv.ReadOptions(column_names=names, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(
            quote_char='"' if quoted else False,
            double_quote=True,
            newlines_in_values=False,
            invalid_row_handler=handler,
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=cols,
            column_types={c: pa.string() for c in cols},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )


def _line_bounds(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    arr = np.frombuffer(buf, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    ends = nl if buf.endswith(b"\n") else np.append(nl, len(buf))
    starts = np.concatenate(([0], nl + 1))[: len(ends)]
    return starts, ends


def _decoder(buf: bytes, starts: np.ndarray, ends: np.ndarray) -> Callable[[np.ndarray], list[str]]:
    def raw(idx: np.ndarray) -> list[str]:
        return [
            buf[starts[i] : ends[i]].decode("utf-8", errors="replace").rstrip("\r") for i in idx
        ]

    return raw


def _fast_block(
    buf: bytes,
    first_line: int,
    ncols: int,
    want: list[int],
    quarantine: Quarantine,
    path: str | Path,
    stats: dict[str, Any],
    *,
    quoted: bool = False,
) -> _Chunk:
    """Parse a block with pyarrow; one record per physical line (raises _NeedSlowPath if not)."""
    if not buf:
        return _empty_chunk(want)
    n_lines = buf.count(b"\n") + (0 if buf.endswith(b"\n") else 1)
    has_blank = buf.startswith((b"\n", b"\r\n")) or b"\n\n" in buf or b"\n\r\n" in buf
    if not has_blank:
        bad_rows: list[Any] = []

        def handler(row: Any) -> str:
            bad_rows.append(row)
            return "skip"

        table = _arrow_parse(buf, ncols, want, quoted=quoted, handler=handler)
        if not bad_rows and table.num_rows == n_lines:
            stats["records"] += n_lines
            lazy: dict[str, Callable] = {}

            def raw(idx: np.ndarray) -> list[str]:
                if "f" not in lazy:
                    lazy["f"] = _decoder(buf, *_line_bounds(buf))
                return lazy["f"](idx)

            return _Chunk(
                {i: table.column(f"c{i}") for i in want},
                first_line + np.arange(n_lines, dtype=np.int64),
                raw,
            )
    # Slow-but-exact path: count fields per line, cut out blank and bad lines.
    starts, ends = _line_bounds(buf)
    arr = np.frombuffer(buf, dtype=np.uint8)
    commas = np.flatnonzero(arr == 44)
    if quoted:
        # Every line must hold an even number of quotes (no multi-line or stray quotes); then a
        # comma separates fields exactly when an even number of quotes precede it.
        quotes = np.flatnonzero(arr == 34)
        per_line = np.searchsorted(quotes, ends) - np.searchsorted(quotes, starts)
        if (per_line % 2).any():
            raise _NeedSlowPath
        commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    nfields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
    length = ends - starts
    last = np.where(length > 0, arr[np.maximum(ends - 1, 0)], 0)
    blank = (length == 0) | ((length == 1) & (last == 13))
    good = (nfields == ncols) & ~blank
    bad = ~good & ~blank
    good_idx = np.flatnonzero(good)
    if len(good_idx):
        if good.all():
            sub = buf
        else:
            seg = np.minimum(ends + 1, len(buf)) - starts
            sub = arr[np.repeat(good, seg)].tobytes()
            if not sub.endswith(b"\n"):
                sub += b"\n"
        table = _arrow_parse(sub, ncols, want, quoted=quoted)
        if table.num_rows != len(good_idx):  # e.g. a quoted field pyarrow reads differently
            raise _NeedSlowPath
    # only now (no fallback possible any more) record counts and parse errors
    stats["records"] += int((~blank).sum())
    if bad.any():
        bad_idx = np.flatnonzero(bad)
        quarantine.add_frame(
            pd.DataFrame(
                {
                    "file": str(path),
                    "line": first_line + bad_idx,
                    "code": "parse_error",
                    "reason": [
                        f"expected {ncols} fields, found {int(n)}" for n in nfields[bad_idx]
                    ],
                    "raw": _decoder(buf, starts, ends)(bad_idx),
                }
            )
        )
    if not len(good_idx):
        return _empty_chunk(want)
    return _Chunk(
        {i: table.column(f"c{i}") for i in want},
        first_line + good_idx.astype(np.int64),
        lambda idx: _decoder(buf, starts, ends)(good_idx[idx]),
    )


def _slow_block(
    buf: bytes,
    first_line: int,
    ncols: int,
    want: list[int],
    quarantine: Quarantine,
    path: str | Path,
    stats: dict[str, Any],
) -> _Chunk:
    text = buf.decode("utf-8", errors="replace").replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    while True:
        start = first_line + prev
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            prev = reader.line_num
            stats["records"] += 1
            quarantine.add(path, start, "parse_error", f"CSV syntax error: {exc}", "")
            continue
        prev = reader.line_num
        if not rec:
            continue
        stats["records"] += 1
        if len(rec) != ncols:
            quarantine.add(
                path,
                start,
                "parse_error",
                f"expected {ncols} fields, found {len(rec)}",
                ",".join(rec),
            )
            continue
        records.append(rec)
        lines.append(start)
    cols = {
        i: pa.chunked_array(
            [pa.array([r[i] if r[i] != "" else None for r in records], pa.string())]
        )
        for i in want
    }
    return _Chunk(
        cols, np.asarray(lines, dtype=np.int64), lambda idx: [",".join(records[i]) for i in idx]
    )


def _empty_chunk(want: list[int]) -> _Chunk:
    return _Chunk(
        {i: pa.chunked_array([pa.array([], pa.string())]) for i in want},
        np.zeros(0, dtype=np.int64),
        lambda idx: [],
    )


# --------------------------------------------------------------------------------------------
# Value conversion: any arrow column -> canonical values
# --------------------------------------------------------------------------------------------


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
    arr = _chunked(arr)
    if not pa.types.is_string(arr.type) and not pa.types.is_null(arr.type):
        v = _float(arr)
        return _int(v, 0, 15).astype("Int16")
    enc = pc.dictionary_encode(_text(arr)).combine_chunks()
    codes = [_code_of(x) for x in enc.dictionary.to_pylist()]
    lookup = np.array([np.nan if c is None else c for c in codes] + [np.nan], dtype="float64")
    idx = enc.indices.fill_null(len(codes)).to_numpy(zero_copy_only=False)
    return _int(lookup[idx], 0, 15).astype("Int16")


_IMO_PREFIX = r"(?i)^\s*imo\s*[:#.-]?\s*"


def _imo(arr: Any) -> pd.Series:
    """IMO numbers (7 digits, ``IMO9869693`` accepted); 0, ``Unknown`` and junk -> <NA>."""
    arr = _chunked(arr)
    if pa.types.is_string(arr.type):
        arr = pc.replace_substring_regex(arr, _IMO_PREFIX, "")
    return _int(_float(arr), 1_000_000, 9_999_999)


def _ship_type(arr: Any) -> pd.Series:
    """Ship type as text: ``60.0`` -> ``'60'``; text (DMA ``Military``) kept."""
    arr = _text(arr)
    arr = pc.replace_substring_regex(arr, r"^(\d+)\.0*$", r"\1")
    return pd.Series(arr.to_pandas(), dtype="string").reset_index(drop=True)


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


#: Columns :func:`_frame` may add for :func:`_process` (consumed there, never returned).
_TIME_REASON = "_nw_time_reason"
_MMSI_CODE = "_nw_mmsi_code"
_MMSI_REASON = "_nw_mmsi_reason"
_CONF_UNKNOWN = "_nw_conf_unknown"
_HIDDEN = (_TIME_REASON, _MMSI_CODE, _MMSI_REASON, _CONF_UNKNOWN)


def _confidence(arr: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """(floats, text of each value not understood or None) of a confidence column."""
    arr = _chunked(arr)
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_decimal(arr.type):
        values = pd.Series(_float(arr))
    else:
        values = pd.Series(_text(arr).to_pandas(), dtype="object")
    conf, unknown = schema.parse_confidence(values)
    if not unknown:
        return conf, None
    shown = values.astype("string").str.strip() if values.dtype == object else values.map(lambda v: f"{v:g}")
    flagged = shown.isin(list(unknown)).to_numpy(dtype=bool, na_value=False) & np.isnan(conf)
    text = np.full(len(conf), None, dtype=object)
    text[flagged] = shown[flagged].to_numpy(dtype=object)
    return conf, text


def _frame(
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
    for c in ("callsign", "name", "vessel", "port", "source", "notes"):
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
    if "confidence" in cols:
        out["confidence"], unknown = _confidence(cols["confidence"])
        if unknown is not None:
            out[_CONF_UNKNOWN] = unknown
    df = pd.DataFrame({k: v for k, v in out.items() if v is not None}, index=pd.RangeIndex(n))
    return df


# --------------------------------------------------------------------------------------------
# Validation and finishing
# --------------------------------------------------------------------------------------------


def _problems(df: pd.DataFrame, *, position: bool | np.ndarray = True) -> pd.DataFrame:
    """Time, position and MMSI problems; ``position`` False (or a mask) limits the position
    checks. Unreadable times get the reason :class:`TimeColumn` gave (column and value)."""
    if position is False:
        t = df["time"].isna().to_numpy()
        probs = pd.DataFrame(
            {
                "code": np.where(t, "bad_time", None).astype(object),
                "reason": np.where(t, "time missing or unparseable", None).astype(object),
            },
            index=df.index,
        )
    else:
        probs = position_problems(df["lat"], df["lon"], df["time"])
        if position is not True:
            only_time = ~np.asarray(position) & (probs["code"] != "bad_time").fillna(True).to_numpy()
            probs.loc[only_time, ["code", "reason"]] = None
    if _TIME_REASON in df.columns:
        reason = df[_TIME_REASON].to_numpy(dtype=object)
        m = (probs["code"] == "bad_time").to_numpy(dtype=bool, na_value=False) & pd.notna(reason)
        if m.any():
            probs.loc[m, "reason"] = reason[m]
    if _MMSI_REASON in df.columns:
        reason = df[_MMSI_REASON].to_numpy(dtype=object)
        _add_problem(probs, pd.notna(reason), "bad_mmsi", reason)
    return probs


def _skip_non_vessels(df: pd.DataFrame, skip: np.ndarray | None, stats: dict[str, Any]) -> np.ndarray | None:
    """Mask of the rows to keep (None = all): drops rows of non-vessel stations, by the reader's
    own rule (``skip``: class name per row or None, e.g. DMA ``Type of mobile``) or by the MMSI
    (:mod:`navwatch.io.mmsi`), and counts them by class in ``stats``."""
    drop = np.zeros(len(df), dtype=bool)
    by_class = stats.setdefault("skipped_by_class", {})
    if skip is not None:
        skip = np.asarray(skip, dtype=object)
        drop = pd.notna(skip)
        for name, k in zip(*np.unique(skip[drop].astype(str), return_counts=True), strict=True):
            by_class[str(name)] = by_class.get(str(name), 0) + int(k)
    if _MMSI_CODE in df.columns:
        code = df[_MMSI_CODE].to_numpy()
        cls = (code > 0) & ~drop
        if cls.any():
            for c, k in zip(*np.unique(code[cls], return_counts=True), strict=True):
                name = NON_VESSEL_CLASSES[int(c) - 1]
                by_class[name] = by_class.get(name, 0) + int(k)
            drop |= cls
    if not drop.any():
        return None
    stats["skipped_non_vessel"] = stats.get("skipped_non_vessel", 0) + int(drop.sum())
    return ~drop


def _process(
    df: pd.DataFrame,
    stats: dict[str, Any],
    local: Quarantine,
    path: str | Path,
    raw: Callable[[np.ndarray], list[str]],
    *,
    skip: np.ndarray | None = None,
    position: bool | np.ndarray | Callable[[pd.DataFrame], bool | np.ndarray] = True,
    extra_checks: Callable[[pd.DataFrame, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """The checks every reader runs on a frame from :func:`_frame`: skip non-vessel stations
    (counted), quarantine bad rows (``raw(positions)`` gives their text), count the rows kept
    with a nonstandard MMSI and confidence values not understood; returns the good rows
    without the hidden columns."""
    keep = _skip_non_vessels(df, skip, stats)
    if keep is not None:
        df = df.loc[keep].reset_index(drop=True)
        rows = np.flatnonzero(keep)
        raw = lambda idx, r=rows, f=raw: f(r[idx])  # noqa: E731
    probs = _problems(df, position=position(df) if callable(position) else position)
    if extra_checks is not None:
        extra_checks(df, probs)
    out = _validate(df, probs, raw, local, path)
    if "mmsi" in out.columns:
        stats["nonstandard_mmsi"] = stats.get("nonstandard_mmsi", 0) + count_nonstandard(out["mmsi"])
    if _CONF_UNKNOWN in out.columns:
        unknown = stats.setdefault("confidence_unknown", {})
        for value, k in out[_CONF_UNKNOWN].dropna().value_counts().items():
            unknown[str(value)] = unknown.get(str(value), 0) + int(k)
    hidden = [c for c in _HIDDEN if c in out.columns]
    return out.drop(columns=hidden) if hidden else out


def _add_problem(probs: pd.DataFrame, mask: np.ndarray, code: str, reason: Any) -> None:
    """Set ``code``/``reason`` where ``mask`` and no earlier problem (first problem wins)."""
    m = np.asarray(mask, dtype=bool) & probs["code"].isna().to_numpy()
    if m.any():
        probs.loc[m, "code"] = code
        probs.loc[m, "reason"] = reason[m] if isinstance(reason, np.ndarray) else reason


def _validate(
    df: pd.DataFrame,
    probs: pd.DataFrame,
    raw: Callable[[np.ndarray], list[str]],
    quarantine: Quarantine,
    path: str | Path,
) -> pd.DataFrame:
    bad = probs["code"].notna().to_numpy()
    if not bad.any():
        return df
    texts = np.full(len(df), "", dtype=object)
    idx = np.flatnonzero(bad)
    texts[idx] = raw(idx)
    return split_valid(df, probs, quarantine, path, pd.Series(texts, index=df.index))


def _finish(
    frames: list[pd.DataFrame],
    path: str | Path,
    local: Quarantine,
    quarantine: Quarantine | None,
    stats: dict[str, Any],
    *,
    kind: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        df = frames[0].reset_index(drop=True)  # no data copy under copy-on-write
    else:
        df = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame({c: [] for c in schema.REQUIRED})
        )
    if kind is not None:
        df["kind"] = _const_kind(kind, len(df))
    else:
        df = _default_kind(df)
    if source is not None:
        df["source"] = _const_str(source, len(df))
    if "src_file" not in df.columns:
        df["src_file"] = _const_str(str(path), len(df))
    if "src_line" not in df.columns:
        df["src_line"] = pd.array([], dtype="Int32")
    if not any(c in df.columns for c in schema.IDENTITY):
        df["vessel"] = pd.array([pd.NA] * len(df), dtype="string")
    df = schema.conform(df, where=str(path))
    stats["rows"] = len(df)
    stats["quarantined"] = len(local)
    df.attrs["stats"] = dict(stats)
    if quarantine is not None and len(local):
        # parse errors are found before value checks: hand the rows over in file-line order
        rows = local.to_frame().sort_values("line", kind="stable", na_position="last")
        quarantine.add_frame(rows.reset_index(drop=True))
    return df


def _const_str(value: str, n: int) -> pd.Categorical:
    """``n`` copies of ``value`` as a categorical (1 byte a row, fast for millions)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _const_kind(kind: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(
        np.full(n, schema.KINDS.index(kind), dtype=np.int8), dtype=schema.KIND_DTYPE
    )


def _new_stats(fmt: str) -> dict[str, Any]:
    """Reader stats; ``records = rows + quarantined + skipped_non_vessel`` once read (for
    ``.traj`` records are lines and the identity holds for ``points``)."""
    return {
        "format": fmt,
        "records": 0,
        "rows": 0,
        "quarantined": 0,
        "skipped_non_vessel": 0,
        "skipped_by_class": {},
        "nonstandard_mmsi": 0,
    }


# --------------------------------------------------------------------------------------------
# CSV readers
# --------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    """What a CSV reader's ``convert`` needs besides the columns: the file's time column
    parser (created when the header is known, so it can name the column)."""

    path: str | Path
    dayfirst: bool = False
    times: TimeColumn | None = None


def _read_csv_with(
    path: str | Path,
    fmt: str,
    select: Callable[[list[str]], dict[str, int]],
    convert: Callable[[dict[str, pa.ChunkedArray], int, _Ctx], tuple[pd.DataFrame, np.ndarray | None]],
    quarantine: Quarantine | None,
    *,
    kind: str | None = None,
    source: str | None = None,
    position: bool | Callable[[pd.DataFrame], bool | np.ndarray] = True,
    extra_checks: Callable[[pd.DataFrame, pd.DataFrame], None] | None = None,
    dayfirst: bool = False,
) -> pd.DataFrame:
    """Shared driver: CSV blocks -> ``convert`` -> :func:`_process` -> canonical table.

    ``select(header)`` returns {canonical: column index}; ``convert(cols, n, ctx)`` returns the
    frame and an optional array giving, per row, the non-vessel class to skip it as (or None).
    """
    local = Quarantine()
    stats = _new_stats(fmt)
    mapping: dict[str, int] = {}
    ctx = _Ctx(path, dayfirst)

    def pick(header: list[str]) -> list[int]:
        mapping.update(select(header))
        if "time" in mapping:
            ctx.times = TimeColumn(path, header[mapping["time"]], dayfirst=dayfirst)
        return sorted(set(mapping.values()))

    frames = []
    for chunk in _csv_chunks(path, pick, local, stats):
        cols = {canon: chunk.cols[i] for canon, i in mapping.items()}
        df, skip = convert(cols, len(chunk), ctx)
        df["src_line"] = pd.array(chunk.lines, dtype="Int32")
        frames.append(
            _process(
                df, stats, local, path, chunk.raw,
                skip=skip, position=position, extra_checks=extra_checks,
            )  # fmt: skip
        )
    if ctx.times is not None:
        ctx.times.finish()
    return _finish(frames, path, local, quarantine, stats, kind=kind, source=source)


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


def read_noaa(path: str | Path, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read a NOAA MarineCadastre AIS CSV: the legacy layout or the 2024+ ``csv2`` layout.

    Columns are found by name in any order (``BaseDateTime`` or ``base_date_time``, ``LAT`` or
    ``latitude``, ...); unknown columns (``ETA``, ``Length``, ``TranscieverClass``) are ignored.
    Values: ``IMO9869693`` -> 9869693; ``VesselType`` ``60.0`` -> ``'60'``; ``Status`` (number or
    old text such as ``moored``) -> ``nav_status``; Heading 511 -> NaN; SOG 102.3 -> NaN; COG is
    corrected for the signed-12-bit artefact (see :func:`_noaa_cog`: -204.8..-0.1 + 409.6) and
    360 -> NaN. ``kind='ais'``, ``source='AIS'``.

    Parameters
    ----------
    path : str or Path
        The CSV, optionally ``.gz``/``.zst``/``.zip`` compressed.
    quarantine : Quarantine, optional
        Receives bad rows (``parse_error``, ``bad_time``, ``no_position``, ``bad_position``,
        ``bad_mmsi``); stations that are not vessels are skipped and counted instead.

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
    return _read_csv_with(
        path,
        "noaa",
        _select_by_synonyms(path, "NOAA AIS CSV", ("time", "lat", "lon", "mmsi")),
        lambda cols, n, ctx: (_frame(cols, n, times=ctx.times, noaa_cog=True), None),
        quarantine,
        kind="ais",
        source="AIS",
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
}

#: DMA ``Type of mobile`` values (normalised) that are not vessels -> the class they are
#: skipped and counted as (see :mod:`navwatch.io.mmsi`).
DMA_NON_VESSEL = {
    "basestation": "coast_station",
    "aton": "aid_to_navigation",
    "sarairborne": "sar_aircraft",
}


def read_dma(path: str | Path, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read a Danish Maritime Authority AIS CSV (``# Timestamp,Type of mobile,MMSI,...``).

    Times are day-first ``dd/mm/YYYY HH:MM:SS`` UTC (:mod:`navwatch.io.times`, day-first: a
    month-first reading is never tried). Text statuses (``Under way using engine``, ``Moored``,
    ``Unknown value``, ...) become AIS codes 0-15; IMO ``Unknown`` -> <NA>; ``Ship type`` text is
    kept. Rows whose ``Type of mobile`` is ``Base Station``, ``AtoN`` or ``SAR Airborne``, or whose
    MMSI is not a ship's (:mod:`navwatch.io.mmsi`), are not vessels: they are skipped, not
    quarantined, and counted in ``attrs['stats']['skipped_non_vessel']`` (by class in
    ``skipped_by_class``). Both the 22- and 26-column layouts are read.

    Parameters
    ----------
    path : str or Path
        The CSV, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad rows.

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
        if mobile is not None:
            m = pc.utf8_lower(pc.replace_substring_regex(_text(mobile), r"[^0-9A-Za-z]+", ""))
            names = sorted(DMA_NON_VESSEL)
            idx = pc.index_in(m, value_set=pa.array(names)).to_numpy(zero_copy_only=False)
            if not np.isnan(idx.astype("float64")).all():
                lookup = np.array([DMA_NON_VESSEL[k] for k in names] + [None], dtype=object)
                skip = lookup[np.nan_to_num(idx.astype("float64"), nan=len(names)).astype(np.int64)]
        return df, skip

    return _read_csv_with(
        path, "dma", select, convert, quarantine, kind="ais", source="AIS", dayfirst=True
    )


def _kind_checks(df: pd.DataFrame, probs: pd.DataFrame) -> None:
    if "kind" in df.columns:
        k = df["kind"]
        bad = k.notna().to_numpy() & ~k.isin(schema.KINDS).to_numpy()
        _add_problem(probs, bad, "bad_kind", f"kind must be one of {list(schema.KINDS)}")


def _default_kind(df: pd.DataFrame) -> pd.DataFrame:
    if "kind" in df.columns and df["kind"].dtype == schema.KIND_DTYPE and not df["kind"].isna().any():
        return df  # already canonical (no object-array round trip over millions of rows)
    if "kind" in df.columns:
        k = df["kind"].where(df["kind"].isin(schema.KINDS), None).fillna("ais")
        df["kind"] = pd.Categorical(k, categories=schema.KINDS)
    else:
        df["kind"] = _const_kind("ais", len(df))
    return df


def _position_mask(df: pd.DataFrame) -> bool | np.ndarray:
    """Survey rows (canonical tables written back out) have no position: check time only."""
    if "kind" in df.columns:
        return ~(df["kind"] == "survey").to_numpy(dtype=bool, na_value=False)
    return True


def read_generic_csv(path: str | Path, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
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
    path : str or Path
        The CSV, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad rows.

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

    return _read_csv_with(
        path,
        "csv",
        _select_by_synonyms(path, "CSV of positions", ("time", "lat", "lon")),
        lambda cols, n, ctx: (_frame(cols, n, times=ctx.times), None),
        quarantine,
        position=_position_mask,
        extra_checks=_kind_checks,
    )


# --------------------------------------------------------------------------------------------
# Parquet / GeoParquet
# --------------------------------------------------------------------------------------------

_STRINGISH = ("callsign", "name", "vessel", "ship_type", "source", "port", "coverage", "kind")


def read_parquet(
    path: str | Path,
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
    path : str or Path
        A ``.parquet`` file (optionally compressed) or a directory dataset.
    quarantine : Quarantine, optional
        Receives bad rows.
    columns : sequence of str, optional
        Canonical columns wanted besides time/lat/lon/kind and identity; default all recognisable.

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
    return _finish(frames, Path(path), local, quarantine, stats)


def iter_parquet(
    path: str | Path,
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
    stats = _new_stats("parquet")
    for df in _parquet_batches(path, columns, quarantine if quarantine is not None else Quarantine(), stats, batch_rows):
        if "src_file" in df.columns:
            df["src_file"] = df["src_file"].astype("category")
        yield schema.conform(df, where=str(path))


def _parquet_batches(path, columns, local: Quarantine, stats: dict, batch_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    p = Path(path)
    try:
        if p.is_dir():
            dataset = ds.dataset(
                p, format="parquet", partitioning="hive", ignore_prefixes=[".", "_"]
            )
            fragments = sorted(dataset.get_fragments(), key=lambda f: f.path)
            if not fragments:
                raise IngestError(p, "directory holds no Parquet files")
            sch = dataset.schema
            meta = pq.read_schema(fragments[0].path).metadata or {}
            parts: list[tuple[str, Callable[[list[str]], Any]]] = [
                (
                    f.path,
                    lambda cols, f=f: f.to_batches(
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
            if p.suffix.lower() in COMPRESSED_SUFFIXES:
                with open_binary(p) as fh:
                    source: Any = pa.BufferReader(_read(fh, -1, p))
            elif not p.exists():
                raise IngestError(p, "file not found")
            else:
                source = str(p)
            pf = pq.ParquetFile(source, pre_buffer=False)  # pre-buffering holds whole row groups
            sch = pf.schema_arrow
            meta = sch.metadata or {}
            parts = [(str(p), lambda cols, pf=pf: pf.iter_batches(columns=cols, batch_size=batch_rows))]
            capacity = pf.metadata.num_rows
    except IngestError:
        raise
    except (OSError, pa.ArrowException) as exc:
        raise IngestError(p, f"cannot read as Parquet: {exc}") from exc

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
    if columns is not None:
        keep = set(schema.REQUIRED) | set(schema.IDENTITY) | set(columns)
        found = {k: v for k, v in found.items() if k in keep}
    read_cols = list(dict.fromkeys(list(found.values()) + ([geo_col] if geo_col else [])))

    stats["capacity"] = capacity
    times = TimeColumn(p, found["time"])
    for src, read in parts:
        line0 = 0
        try:
            batches = read(read_cols)
            for batch in batches:
                table = pa.Table.from_batches([batch])
                n = table.num_rows
                stats["records"] += n
                cols = {canon: table.column(name) for canon, name in found.items()}
                df = _frame(cols, n, times=times)
                if geo_col is not None:
                    df["lon"], df["lat"] = _points_from_arrow(src, table.column(geo_col), geo_info)
                df["src_line"] = pd.array(np.arange(line0 + 1, line0 + n + 1, dtype=np.int32), dtype="Int32")
                df["src_file"] = _const_str(src, n)
                line0 += n

                def raw(idx: np.ndarray, t: pa.Table = table) -> list[str]:
                    return [str(r) for r in t.take(pa.array(idx)).to_pylist()]

                yield _default_kind(
                    _process(df, stats, local, src, raw, position=_position_mask, extra_checks=_kind_checks)
                )
                del table, cols, df
        except (OSError, pa.ArrowException) as exc:
            raise IngestError(src, f"cannot read as Parquet: {exc}") from exc
    times.finish()
    pa.default_memory_pool().release_unused()


_BATCH_ROWS = 262_144


def _tz_array(values: np.ndarray, dtype: pd.DatetimeTZDtype):
    """A tz-aware datetime array over int64 ``values`` (epoch units of ``dtype``), sharing them."""
    raw = values.view(f"M8[{dtype.unit}]")
    try:  # no copy (pandas' own constructor copies 80 MB per 10 M rows)
        return pd.arrays.DatetimeArray._simple_new(raw, dtype=dtype)
    except (AttributeError, TypeError):  # pragma: no cover - other pandas versions
        return pd.arrays.DatetimeArray._from_sequence(raw, dtype=dtype)


class _Assembler:
    """Concatenates frames with the same columns into preallocated arrays (numeric and masked
    columns; others are concatenated at the end)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.n = 0
        self.arrays: dict[str, Any] = {}
        self.parts: dict[str, list] = {}
        self.dtypes: dict[str, Any] = {}

    def add(self, df: pd.DataFrame) -> None:
        k = len(df)
        for c in df.columns:
            s = df[c]
            if c not in self.dtypes:
                self.dtypes[c] = s.dtype
                if isinstance(s.dtype, pd.DatetimeTZDtype) or (isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiub"):
                    self.arrays[c] = np.empty(self.capacity, dtype="int64" if isinstance(s.dtype, pd.DatetimeTZDtype) else s.dtype)
                elif isinstance(s.array, pd.arrays.IntegerArray | pd.arrays.BooleanArray | pd.arrays.FloatingArray):
                    self.arrays[c] = (np.empty(self.capacity, dtype=s.array._data.dtype), np.ones(self.capacity, dtype=bool))
                else:
                    self.parts[c] = []
                if self.n:  # a column missing from earlier frames
                    self._backfill(c)
            if c in self.parts:
                self.parts[c].append(s.reset_index(drop=True))
            elif isinstance(self.arrays[c], tuple):
                vals, mask = self.arrays[c]
                vals[self.n : self.n + k] = s.array._data
                mask[self.n : self.n + k] = s.array._mask
            elif isinstance(s.dtype, pd.DatetimeTZDtype):
                self.arrays[c][self.n : self.n + k] = s.array.asi8
            else:
                self.arrays[c][self.n : self.n + k] = s.to_numpy()
        self.n += k

    def _backfill(self, c: str) -> None:
        dtype = self.dtypes[c]
        self.parts.setdefault(c, []) if c in self.parts else None
        if c in self.parts:
            self.parts[c].append(pd.Series([pd.NA] * self.n, dtype=dtype if not isinstance(dtype, pd.CategoricalDtype) else "object"))
        elif isinstance(self.arrays[c], tuple):
            self.arrays[c][1][: self.n] = True
        else:
            self.arrays[c][: self.n] = np.nan if np.dtype(self.arrays[c].dtype).kind == "f" else 0

    def frame(self) -> pd.DataFrame:
        n = self.n
        cols: dict[str, Any] = {}
        for c, dtype in self.dtypes.items():
            if c in self.parts:
                parts = self.parts[c]
                if parts and all(isinstance(x.dtype, pd.CategoricalDtype) for x in parts):
                    cols[c] = pd.Series(pd.api.types.union_categoricals([x.array for x in parts], ignore_order=True)) if len(parts) > 1 else parts[0]
                else:
                    cols[c] = pd.concat(parts, ignore_index=True) if len(parts) != 1 else parts[0]
            elif isinstance(self.arrays[c], tuple):
                vals, mask = self.arrays[c]
                cols[c] = pd.Series(type(pd.array([], dtype=dtype))(vals[:n], mask[:n]), copy=False)
            elif isinstance(dtype, pd.DatetimeTZDtype):
                cols[c] = pd.Series(_tz_array(self.arrays[c][:n], dtype), copy=False)
            else:
                cols[c] = pd.Series(self.arrays[c][:n], copy=False)
        return pd.DataFrame(cols, copy=False)


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


# --------------------------------------------------------------------------------------------
# GeoPackage / GeoJSON / anything pyogrio reads
# --------------------------------------------------------------------------------------------


def read_geo(path: str | Path, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read point features from a GeoPackage, GeoJSON or any other file pyogrio (GDAL) reads.

    lon/lat come from the point geometry, reprojected to EPSG:4326 when the layer has another
    CRS (no CRS = EPSG:4326); other columns are mapped as in :func:`read_generic_csv`. For a
    multi-layer file the first point layer is read. ``src_line`` is the 1-based feature number.

    Parameters
    ----------
    path : str or Path
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

    p = Path(path)
    if not p.exists():
        raise IngestError(p, "file not found")
    local = Quarantine()
    stats = _new_stats("geo")
    try:
        if p.suffix.lower() in COMPRESSED_SUFFIXES:
            with open_binary(p) as fh:
                src: Any = io.BytesIO(_read(fh, -1, p))
        else:
            src = str(p)
        layers = pyogrio.list_layers(src)
        if isinstance(src, io.BytesIO):
            src.seek(0)
        layer = None
        for name, gtype in layers:
            if (
                gtype is not None
                and "point" in str(gtype).lower()
                and "multi" not in str(gtype).lower()
            ):
                layer = name
                break
        if layer is None:
            if len(layers) == 1:
                layer = layers[0][0]
            else:
                raise IngestError(p, f"no point layer; layers found: {[tuple(x) for x in layers]}")
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


# --------------------------------------------------------------------------------------------
# Tracktable .traj
# --------------------------------------------------------------------------------------------


def read_traj(path: str | Path, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read a Tracktable ``.traj`` text file (one trajectory per line).

    Each line is ``*T*,<uuid>,terrestrial,<n>,0,*P*,terrestrial,2,1,1,0,`` then ``n`` groups of
    ``<object id>,<YYYY-MM-DD HH:MM:SS>,<lon>,<lat>``. The object id is the MMSI. A line that does
    not have this shape (or the announced number of points) goes to the quarantine as
    ``parse_error`` with its line number; ``src_line`` of every point is its trajectory's line.

    Parameters
    ----------
    path : str or Path
        The file, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad lines and points.

    Returns
    -------
    pandas.DataFrame
        Canonical observations with ``kind='ais'``, ``source='AIS'``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.traj"
    >>> _ = p.write_text("*T*,u1,terrestrial,2,0,*P*,terrestrial,2,1,1,0,"
    ...     "367073680,2020-12-01 11:31:39,-74.03917,40.71079,367073680,2020-12-01 11:34:20,-74.0335,40.71\\n")
    >>> df = read_traj(p)
    >>> len(df), int(df["mmsi"].iloc[0]), float(df["lat"].iloc[1])
    (2, 367073680, 40.71)
    """
    p = Path(path)
    local = Quarantine()
    stats = _new_stats("traj")
    with open_binary(p) as fh:
        text = _read(fh, -1, p).decode("utf-8", errors="replace")
    values: list[str] = []
    lines: list[int] = []
    counts: list[int] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        stats["records"] += 1
        f = line.rstrip(",").split(",")
        reason = None
        if len(f) < 11 or f[0] != "*T*" or f[5] != "*P*":
            reason = "not a Tracktable trajectory line ('*T*,<id>,<domain>,<n>,0,*P*,...')"
        else:
            try:
                n = int(f[3])
                dims, has_id, has_ts, n_props = int(f[7]), int(f[8]), int(f[9]), int(f[10])
            except ValueError:
                reason = "trajectory header fields are not integers"
            else:
                if (dims, has_id, has_ts, n_props) != (2, 1, 1, 0):
                    reason = (
                        f"unsupported point layout: {dims} coords, id={has_id}, time={has_ts}, "
                        f"{n_props} properties (expected 2,1,1,0)"
                    )
                elif len(f) - 11 != 4 * n:
                    reason = f"header announces {n} points (4 fields each) but line has {len(f) - 11} point fields"
        if reason is not None:
            local.add(p, lineno, "parse_error", reason, line)
            continue
        values.extend(f[11:])
        lines.append(lineno)
        counts.append(n)
    ids = pa.chunked_array([pa.array(values[0::4], pa.string())])
    cols = {
        "mmsi": ids,
        "time": pa.chunked_array([pa.array(values[1::4], pa.string())]),
        "lon": pa.chunked_array([pa.array(values[2::4], pa.string())]),
        "lat": pa.chunked_array([pa.array(values[3::4], pa.string())]),
    }
    stats["points"] = len(values) // 4
    npts = len(values) // 4
    times = TimeColumn(p, "time")
    df = _frame(cols, npts, times=times)
    times.finish()
    if _MMSI_CODE in df.columns:
        # object ids that are not numbers are kept as the vessel reference, not bad MMSIs
        text = pd.Series(_text(ids).to_pandas(), dtype="object")
        named = ~text.str.fullmatch(r"[-+]?[0-9.eE]+").fillna(True).to_numpy(dtype=bool)
        if named.any():
            df["vessel"] = pd.Series(text.where(named, None), dtype="string").array
            df.loc[named, _MMSI_CODE] = 0
            if _MMSI_REASON in df.columns:
                df.loc[named, _MMSI_REASON] = None
    df["src_line"] = pd.array(np.repeat(np.asarray(lines, dtype=np.int64), counts), dtype="Int32")

    def raw(idx: np.ndarray) -> list[str]:
        return [",".join(values[4 * i : 4 * i + 4]) for i in idx]

    frames = [_process(df, stats, local, p, raw)]
    return _finish(frames, p, local, quarantine, stats, kind="ais", source="AIS")
