"""CSV engine: blocks of text -> string columns with exact line numbers.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ...errors import IngestError
from ...quarantine import Quarantine
from .._common import InMemory, open_binary

#: Bytes per CSV block; a block is parsed, converted and validated before the next is read.
CHUNK_BYTES = 32 << 20


@dataclass
class _Chunk:
    """String columns (by source column index) of one CSV block, with 1-based line numbers."""

    cols: dict[int, pa.ChunkedArray]
    lines: np.ndarray
    _raw: Callable[[np.ndarray], list[str]] = field(repr=False)
    #: line breaks in the block when the parser knows them (else they are counted)
    breaks: int | None = None
    #: bytes of the block (set by :func:`_csv_chunks`)
    nbytes: int = 0

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


def _read_into(fh: Any, buf: bytearray, start: int, path: object) -> int:
    """Fill ``buf`` from ``start`` with ``fh``'s next bytes; how many were read (0: the end).
    Decompression or I/O failures become an :class:`IngestError`."""
    view = memoryview(buf)[start:]
    try:
        total = 0
        while total < len(view):
            n = fh.readinto(view[total:])
            if not n:
                break
            total += n
        return total
    except Exception as exc:  # gzip/zlib/zstandard/zipfile raise assorted types
        raise IngestError(path, f"cannot read: {type(exc).__name__}: {exc}") from exc
    finally:
        view.release()


def _blocks(fh: Any, size: int, path: object) -> Iterator[bytearray]:
    """Blocks of ``fh`` that end after a newline with an even number of quote characters.

    Each block is a new buffer the file is read straight into, after the previous block's
    unfinished line: its bytes are copied once."""
    pending = b""
    while True:
        buf = bytearray(len(pending) + size)
        buf[: len(pending)] = pending
        n = _read_into(fh, buf, len(pending), path)
        if not n:
            break
        del buf[len(pending) + n :]  # (truncates in place)
        cut = buf.rfind(b"\n") + 1
        if cut == 0 or (b'"' in buf and buf.count(b'"', 0, cut) % 2):
            pending = bytes(buf)  # no full line yet, or inside a quoted field: read on
            continue
        pending = bytes(buf[cut:])
        del buf[cut:]
        yield buf
    if pending:
        yield bytearray(pending)


def _csv_chunks(
    path: str | Path | InMemory,
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
            chunk = _parse_block(block, line, header, want, quarantine, path, stats)
            chunk.nbytes = len(block)
            yield chunk
            line += chunk.breaks if chunk.breaks is not None else block.count(b"\n")
        if header is None:
            raise IngestError(path, "empty file: expected a CSV header line")
    finally:
        fh.close()


class _NeedSlowPath(Exception):
    """A block the vectorised path cannot split exactly (multi-line or stray quotes)."""


def _parse_block(
    buf: bytes | bytearray,
    first_line: int,
    header: list[str],
    want: list[int],
    quarantine: Quarantine,
    path: str | Path | InMemory,
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
    buf: bytes | bytearray,
    ncols: int,
    want: list[int],
    *,
    quoted: bool,
    handler: Callable | None = None,
) -> pa.Table:
    """The ``want`` columns of a block as strings (blank lines skipped; records with the wrong
    number of fields to ``handler``)."""
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


def _line_bounds(buf: bytes | bytearray) -> tuple[np.ndarray, np.ndarray]:
    arr = np.frombuffer(buf, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    ends = nl if buf.endswith(b"\n") else np.append(nl, len(buf))
    starts = np.concatenate(([0], nl + 1))[: len(ends)]
    return starts, ends


_PIECE = 1 << 20  # bytes per piece whose line breaks are counted to find a few lines


def _piece_breaks(buf: bytes | bytearray) -> list[int]:
    """Line breaks in each piece of :data:`_PIECE` bytes of ``buf``."""
    return [buf.count(b"\n", i, i + _PIECE) for i in range(0, len(buf), _PIECE)]


def _lines_text(
    buf: bytes | bytearray, rows: np.ndarray, counts: list[int] | None = None
) -> list[str]:
    """The text of lines ``rows`` (0-based) of ``buf``. Finds only those lines: the line
    breaks are counted per piece of the block (``counts``, from :func:`_piece_breaks`), then
    located in the pieces that hold them (a few bad rows in a 32 MB block do not index all
    its lines)."""
    if not len(rows):
        return []
    counts = _piece_breaks(buf) if counts is None else counts
    before = np.concatenate(([0], np.cumsum(counts)))  # line breaks before each piece
    found: dict[int, np.ndarray] = {}
    out = []
    for r in np.asarray(rows, dtype=np.int64):
        start = 0
        if r > 0:  # after line break number r - 1 (0-based)
            p = int(np.searchsorted(before, r - 1, side="right")) - 1
            if p not in found:
                piece = np.frombuffer(buf, dtype=np.uint8, count=min(_PIECE, len(buf) - p * _PIECE),
                                      offset=p * _PIECE)  # fmt: skip
                found[p] = np.flatnonzero(piece == 10) + p * _PIECE
            start = int(found[p][r - 1 - before[p]]) + 1
        end = buf.find(b"\n", start)
        end = len(buf) if end < 0 else end
        out.append(bytes(buf[start:end]).decode("utf-8", errors="replace").rstrip("\r"))
    return out


def _decoder(
    buf: bytes | bytearray, starts: np.ndarray, ends: np.ndarray
) -> Callable[[np.ndarray], list[str]]:
    def raw(idx: np.ndarray) -> list[str]:
        return [
            buf[starts[i] : ends[i]].decode("utf-8", errors="replace").rstrip("\r") for i in idx
        ]

    return raw


def _fast_block(
    buf: bytes | bytearray,
    first_line: int,
    ncols: int,
    want: list[int],
    quarantine: Quarantine,
    path: str | Path | InMemory,
    stats: dict[str, Any],
    *,
    quoted: bool = False,
) -> _Chunk:
    """Parse a block with pyarrow; one record per physical line (raises _NeedSlowPath if not)."""
    if not buf:
        return _empty_chunk(want)
    # every physical line one record: no record with the wrong number of fields (the handler
    # sees those, and lines a quoted line break merged) and as many records as lines (pyarrow
    # skips blank lines); else the exact path below
    pieces = _piece_breaks(buf)
    n_lines = sum(pieces) + (0 if buf.endswith(b"\n") else 1)
    bad_rows: list[Any] = []

    def handler(row: Any) -> str:
        bad_rows.append(row)
        return "skip"

    table = _arrow_parse(buf, ncols, want, quoted=quoted, handler=handler)
    if not bad_rows and table.num_rows == n_lines:
        stats["records"] += n_lines

        def raw(idx: np.ndarray) -> list[str]:
            return _lines_text(buf, idx, pieces)

        return _Chunk(
            {i: table.column(f"c{i}") for i in want},
            first_line + np.arange(n_lines, dtype=np.int64),
            raw,
            n_lines - (0 if buf.endswith(b"\n") else 1),
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
    buf: bytes | bytearray,
    first_line: int,
    ncols: int,
    want: list[int],
    quarantine: Quarantine,
    path: str | Path | InMemory,
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
