"""Shared helpers for readers: open compressed files or in-memory input, validate rows, send bad
rows to quarantine."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import IO, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError, IngestError
from ..quarantine import Quarantine

COMPRESSED_SUFFIXES = (".gz", ".zst", ".zip")


class InMemory:
    """Input held in memory rather than in a file: bytes, or a binary file object (read from its
    current position), with the ``name`` that stands for it where a path would: in error
    messages, quarantine rows (``file``) and ``src_file``. ``str()`` of it is the name.

    Every reader, :func:`~navwatch.io.detect_format` and :func:`~navwatch.io.read_observations`
    take one where they take a path (bare bytes or a file object too, named ``<bytes>`` or after
    the file object). The content is read as it is (no decompression) and its format is judged
    by content alone. A file object that cannot seek is read whole at once, so that the input can
    be read more than once (format detection, then the reader); a seekable one is read from where
    it stood each time and never closed.

    Examples
    --------
    >>> src = InMemory(b"time,mmsi,lat,lon\\n", "https://example.org/positions")
    >>> str(src), src.read()[:8]
    ('https://example.org/positions', b'time,mms')
    """

    def __init__(self, data: bytes | bytearray | memoryview | IO[bytes], name: str | None = None):
        self._start: int | None = None
        if isinstance(data, bytes | bytearray | memoryview):
            self.data: bytes | IO[bytes] = bytes(data)
            default = "<bytes>"
        elif callable(getattr(data, "read", None)):
            own = getattr(data, "name", None)
            default = own if isinstance(own, str) else "<stream>"
            if isinstance(data, io.TextIOBase):
                raise IngestError(
                    name or default, "is a text stream: open it in binary mode ('rb') or pass bytes"
                )
            self.data = data
            if getattr(data, "seekable", lambda: False)():
                self._start = data.tell()
            else:  # read once, so that it can be read again
                self.data = _read_all(data, name or default)
        else:
            raise ConfigError(
                f"in-memory input must be bytes or a binary file object, not {type(data).__name__}"
            )
        self.name = str(name) if name is not None else default

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"InMemory({self.name!r})"

    def open(self) -> IO[bytes]:
        """A binary reader from the start of the input (closing it leaves a caller's file open)."""
        if isinstance(self.data, bytes):
            return io.BytesIO(self.data)
        assert self._start is not None  # set for every seekable file object kept as it is
        self.data.seek(self._start)
        return cast(IO[bytes], _Borrowed(self.data))

    def read(self) -> bytes:
        """The whole input."""
        with self.open() as fh:
            return _read_all(fh, self.name)


class _Borrowed(io.BufferedIOBase):
    """A caller's binary file object, read through without being closed."""

    def __init__(self, fh: IO[bytes]):
        super().__init__()
        self._fh = fh

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._fh.read(-1 if size is None else size)

    read1 = read


def _read_all(fh: IO[bytes], name: object) -> bytes:
    try:
        return fh.read()
    except Exception as exc:  # whatever the caller's stream raises
        raise IngestError(name, f"cannot read: {type(exc).__name__}: {exc}") from exc


#: What a reader reads: a path, or in-memory input (bytes, a binary file object, :class:`InMemory`).
Source = str | Path | bytes | IO[bytes] | InMemory


def as_source(path: Source) -> str | Path | InMemory:
    """What a reader reads: a path as given, or in-memory input (bytes, a binary file object) as
    an :class:`InMemory`."""
    if is_in_memory(path) and not isinstance(path, InMemory | str | Path):
        return InMemory(path)
    return cast("str | Path | InMemory", path)


def as_path(path: Source) -> Path | InMemory:
    """:func:`as_source`, with a path as a :class:`~pathlib.Path`."""
    src = as_source(path)
    return src if isinstance(src, InMemory) else Path(src)


def is_in_memory(obj: object) -> bool:
    """True for in-memory input: bytes, a file object or an :class:`InMemory`."""
    return isinstance(obj, InMemory | bytes | bytearray | memoryview) or callable(
        getattr(obj, "read", None)
    )


def base_suffix(path: str | Path | InMemory) -> str:
    """The format suffix under any compression suffix: ``a.csv.zst`` -> ``.csv``; in-memory input
    has none."""
    if isinstance(path, InMemory):
        return ""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    while suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def open_binary(path: str | Path | InMemory) -> IO[bytes]:
    """Open a file for binary reading, transparently decompressing .gz, .zst and single-member .zip
    (or in-memory input, as it is)."""
    if isinstance(path, InMemory):
        return path.open()
    p = Path(path)
    if not p.exists():
        raise IngestError(p, "file not found")
    if p.is_dir():
        raise IngestError(p, "is a directory, expected a file")
    suffix = p.suffix.lower()
    try:
        if suffix == ".gz":
            return cast(IO[bytes], gzip.open(p, "rb"))
        if suffix == ".zst":
            import zstandard

            fh = open(p, "rb")
            return zstandard.ZstdDecompressor().stream_reader(fh, closefd=True)
        if suffix == ".zip":
            zf = zipfile.ZipFile(p)
            names = [
                n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")
            ]
            if len(names) != 1:
                raise IngestError(
                    p,
                    f"zip archive must hold exactly one data file, found {len(names)}: {names[:5]}",
                )
            return zf.open(names[0])
        return open(p, "rb")
    except IngestError:
        raise
    except (OSError, zipfile.BadZipFile) as exc:
        raise IngestError(p, f"cannot open: {exc}") from exc


def open_text(path: str | Path | InMemory) -> io.TextIOWrapper:
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
    out: pa.ChunkedArray
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
    ca = as_chunked(arr)
    if not pa.types.is_string(ca.type):
        ca = ca.cast(pa.string())
    ca = pc.utf8_trim_whitespace(ca)
    return pc.if_else(pc.equal(ca, ""), pa.scalar(None, pa.string()), ca)


NUMBER_RE = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


def to_float(arr: object) -> np.ndarray:
    """float64 values; anything that is not a number becomes NaN."""
    ca = as_chunked(arr)
    t = ca.type
    if (
        pa.types.is_floating(t)
        or pa.types.is_integer(t)
        or pa.types.is_decimal(t)
        or pa.types.is_boolean(t)
    ):
        return np.asarray(pc.cast(ca, pa.float64()).to_numpy(), dtype="float64")
    if pa.types.is_null(t):
        return np.full(len(ca), np.nan)
    if not pa.types.is_string(t):
        ca = ca.cast(pa.string())
    try:
        return np.asarray(pc.cast(ca, pa.float64()).to_numpy(), dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:  # null out the text that is not a number (e.g. DMA 'Unknown'), then cast
        trimmed = pc.utf8_trim_whitespace(ca)
        numeric = pc.match_substring_regex(trimmed, NUMBER_RE)
        kept = pc.if_else(numeric, trimmed, pa.scalar(None, pa.string()))
        return np.asarray(pc.cast(kept, pa.float64()).to_numpy(), dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        s = pd.Series(ca.to_numpy(zero_copy_only=False), dtype="object")
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
        (
            (np.abs(lat) > 90) | (np.abs(lon) > 180),
            "bad_position",
            "latitude/longitude out of range",
        ),
        ((lat == 0) & (lon == 0), "no_position", "position 0/0 (no fix)"),
    ]
    code = np.full(len(lat), None, dtype=object)
    for mask, c, text in reversed(conds):  # the first rule listed wins
        code[mask] = c
        reason[mask] = text
    index = getattr(time, "index", None)
    # object columns as they are (mostly None): inferring text would convert every row
    return pd.DataFrame(
        {
            "code": pd.Series(code, index=index, dtype=object, copy=False),
            "reason": pd.Series(reason, index=index, dtype=object, copy=False),
        }
    )


def split_valid(
    frame: pd.DataFrame,
    problems: pd.DataFrame,
    quarantine: Quarantine | None,
    file: str | Path | InMemory,
    raw: pd.Series | None = None,
) -> pd.DataFrame:
    """Move rows with a problem (``problems.code`` not null) to the quarantine; return the rest.

    ``frame`` must carry ``src_line``. ``raw`` is the original text of each row if available.
    """
    bad = problems["code"].notna().to_numpy()
    if not bad.any():
        return frame
    if quarantine is not None:
        lines = (
            frame["src_line"][bad]
            if "src_line" in frame.columns
            else pd.Series(pd.NA, index=frame.index[bad])
        )
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
