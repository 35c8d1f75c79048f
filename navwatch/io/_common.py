"""Shared helpers for readers: open compressed files, validate rows, send bad rows to quarantine."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import IngestError
from ..quarantine import Quarantine

COMPRESSED_SUFFIXES = (".gz", ".zst", ".zip")


def base_suffix(path: str | Path) -> str:
    """The format suffix under any compression suffix: ``a.csv.zst`` -> ``.csv``."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    while suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a file for binary reading, transparently decompressing .gz, .zst and single-member .zip."""
    p = Path(path)
    if not p.exists():
        raise IngestError(p, "file not found")
    if p.is_dir():
        raise IngestError(p, "is a directory, expected a file")
    suffix = p.suffix.lower()
    try:
        if suffix == ".gz":
            return gzip.open(p, "rb")
        if suffix == ".zst":
            import zstandard

            fh = open(p, "rb")
            return zstandard.ZstdDecompressor().stream_reader(fh, closefd=True)
        if suffix == ".zip":
            zf = zipfile.ZipFile(p)
            names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
            if len(names) != 1:
                raise IngestError(p, f"zip archive must hold exactly one data file, found {len(names)}: {names[:5]}")
            return zf.open(names[0])
        return open(p, "rb")
    except IngestError:
        raise
    except (OSError, zipfile.BadZipFile) as exc:
        raise IngestError(p, f"cannot open: {exc}") from exc


def open_text(path: str | Path) -> io.TextIOWrapper:
    """Open (possibly compressed) text as UTF-8, replacing undecodable bytes rather than failing."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="replace", newline="")


def head_text(path: str | Path, n_bytes: int = 8192) -> str:
    """The first ``n_bytes`` of a (possibly compressed) file as text, for format sniffing."""
    with open_binary(path) as fh:
        data = fh.read(n_bytes)
    return data.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------------------------
# Arrow value helpers shared by the readers, the time parser and the MMSI rules
# --------------------------------------------------------------------------------------------


def as_chunked(arr: object) -> pa.ChunkedArray:
    """Any arrow array, pandas Series or sequence as a chunked array; dictionaries decoded and
    large/view strings cast to plain strings."""
    if isinstance(arr, pa.ChunkedArray):
        out = arr
    elif isinstance(arr, pa.Array):
        out = pa.chunked_array([arr])
    else:
        out = pa.chunked_array([pa.array(arr, from_pandas=True)])
    if pa.types.is_dictionary(out.type):
        out = out.cast(out.type.value_type)
    if pa.types.is_large_string(out.type) or pa.types.is_string_view(out.type):
        out = out.cast(pa.string())
    return out


def trimmed_text(arr: object) -> pa.ChunkedArray:
    """Text with surrounding whitespace removed; empty text -> null."""
    arr = as_chunked(arr)
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


NUMBER_RE = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


def to_float(arr: object) -> np.ndarray:
    """float64 values; anything that is not a number becomes NaN."""
    arr = as_chunked(arr)
    t = arr.type
    if (
        pa.types.is_floating(t)
        or pa.types.is_integer(t)
        or pa.types.is_decimal(t)
        or pa.types.is_boolean(t)
    ):
        return np.asarray(pc.cast(arr, pa.float64()).to_numpy(), dtype="float64")
    if pa.types.is_null(t):
        return np.full(len(arr), np.nan)
    if not pa.types.is_string(t):
        arr = arr.cast(pa.string())
    try:
        return np.asarray(pc.cast(arr, pa.float64()).to_numpy(), dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:  # null out the text that is not a number (e.g. DMA 'Unknown'), then cast
        trimmed = pc.utf8_trim_whitespace(arr)
        numeric = pc.match_substring_regex(trimmed, NUMBER_RE)
        kept = pc.if_else(numeric, trimmed, pa.scalar(None, pa.string()))
        return np.asarray(pc.cast(kept, pa.float64()).to_numpy(), dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        s = pd.Series(arr.to_numpy(zero_copy_only=False), dtype="object")
        return pd.to_numeric(s.str.strip(), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )


def position_problems(lat: pd.Series, lon: pd.Series, time: pd.Series) -> pd.Series:
    """Reason a row's time/position is unusable, or <NA> when it is fine.

    Rules (AIS conventions): lat 91 / lon 181 mean "not available"; |lat| > 90 or |lon| > 180 is
    impossible; exactly 0/0 is the null-island default of a receiver with no fix; NaN is missing;
    NaT is an unparseable time.
    """
    lat = pd.to_numeric(lat, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    lon = pd.to_numeric(lon, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    t = pd.isna(time).to_numpy() if hasattr(time, "to_numpy") else np.asarray(pd.isna(time))
    reason = np.full(len(lat), None, dtype=object)
    conds = [
        (t, "bad_time", "time missing or unparseable"),
        (np.isnan(lat) | np.isnan(lon), "no_position", "latitude/longitude missing"),
        ((lat == 91) | (lon == 181), "no_position", "position not available (lat 91 / lon 181)"),
        ((np.abs(lat) > 90) | (np.abs(lon) > 180), "bad_position", "latitude/longitude out of range"),
        ((lat == 0) & (lon == 0), "no_position", "position 0/0 (no fix)"),
    ]
    code = np.full(len(lat), None, dtype=object)
    for mask, c, text in reversed(conds):  # the first rule listed wins
        code[mask] = c
        reason[mask] = text
    return pd.DataFrame({"code": code, "reason": reason}, index=getattr(time, "index", None))


def split_valid(
    frame: pd.DataFrame,
    problems: pd.DataFrame,
    quarantine: Quarantine | None,
    file: str | Path,
    raw: pd.Series | None = None,
) -> pd.DataFrame:
    """Move rows with a problem (``problems.code`` not null) to the quarantine; return the rest.

    ``frame`` must carry ``src_line``. ``raw`` is the original text of each row if available.
    """
    bad = problems["code"].notna().to_numpy()
    if not bad.any():
        return frame
    if quarantine is not None:
        lines = frame["src_line"][bad] if "src_line" in frame.columns else pd.Series(pd.NA, index=frame.index[bad])
        quarantine.add_frame(
            pd.DataFrame(
                {
                    "file": str(file),
                    "line": lines.to_numpy(),
                    "code": problems["code"][bad].to_numpy(),
                    "reason": problems["reason"][bad].to_numpy(),
                    "raw": (raw[bad].to_numpy() if raw is not None else ""),
                }
            )
        )
    return frame.loc[~bad]
