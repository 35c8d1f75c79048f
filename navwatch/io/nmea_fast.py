"""Vectorised NMEA 0183 AIS decoding: numpy over the bytes of a log, no Python per line.

:func:`parse_bytes` (used by :func:`navwatch.io.nmea.read_nmea`) and :func:`parse_text_lines`
(used by :func:`navwatch.io.nmea.parse_lines`, the watcher's path) give **the same table,
quarantine and** ``nmea_stats`` as the general path of :mod:`navwatch.io.nmea`, which decodes
line by line with pyais; only ``nmea_stats["fast_lines"]`` (lines decoded here) differs.

The lines this module decodes itself are the single-fragment AIS sentences of the common framing
(every other line goes to the general path's parser, unchanged)::

    [epoch S] [\\tag block*hh\\] !ttVDM,1,1,[seq],[channel],payload,fill*hh [trailer]

* all bytes printable ASCII (no tab, no non-ASCII), no space at either end of the line;
* the leading time, if any, is a Unix time (9-13 digits, optional fraction) with separators
  ``S`` from `` ,;|[]`` around it (ISO 8601 times go to the general path);
* the tag block, if any, has a valid ``*hh`` checksum, at most four fields, at most one ``c:``
  (digits with an optional fraction, Unix seconds or milliseconds) and at most one ``s:``;
  the sentence follows it directly;
* the sentence (``!``, any two-character talker, ``VDM``/``VDO``) has exactly seven fields,
  fragment count and number ``1``, a sequence id of at most three digits, a payload of 1-80
  characters of the 6-bit alphabet, fill bits 0-5, and a valid checksum;
* a receive time: from the tag block, else the leading time, else a trailing USCG-style
  ``,<10-digit Unix time>`` after the checksum;
* its message type is a position report 1, 2, 3 or 18 with the standard 168 bits (28
  characters, fill 0), decoded here from the bit fields (pyais' conversions, bit for bit); or a
  type that is neither a position nor static data (4, 8, 20, 21, ...), which is only counted.

Everything else goes to the general path line by line: multi-part sentences and their
assembly, static data (types 5, 24 and 19, whose name and ship type are kept per MMSI), type
27, nonstandard lengths, other framings (ISO times, tabs, spaces after the tag block, ...),
bad checksums and garbled lines (the quarantine rows are the general path's own). Duplicates
are found once over all messages of both paths (:func:`duplicates`, the general path's rule,
vectorised), then the general path decodes the messages it holds, and both sets of rows go
through one finishing step (:meth:`navwatch.io.nmea._Parser.finish`).

Speed (``bench/bench_nmea.py``, 1.2 M tag-blocked lines on one core): see the README of the
benchmark output; the file reader is about an order of magnitude faster than pyais alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..quarantine import Quarantine
from .nmea import (
    DUPLICATE_WINDOW_NS,
    POSITION_TYPES,
    SEEN_KEEP_NS,
    SEEN_MAX,
    STATIC_TYPES,
    _Parser,
    _Rows,
    _Seen,
)

__all__ = ["duplicates", "parse_bytes", "parse_text_lines"]

#: Longest single-fragment payload decoded here (characters; 10 per 60-bit word).
MAX_PAYLOAD = 80
_WORDS = MAX_PAYLOAD // 10
#: Lines per vectorised block (bounds the memory of the intermediate arrays).
BLOCK_LINES = 1 << 17
#: Group ranks processed together by :func:`duplicates`; longer groups finish in a loop.
_RANKS = 256
_BIG = np.int64(1) << 62
_NO_SOURCE = "AIS"
_MAX_SOURCE = 48
_LATEST_S = 9 * 10**9  # Unix seconds (year 2255): later times are left to the general path


def _table(pairs: dict[int, int], default: int = -1) -> np.ndarray:
    t = np.full(256, default, dtype=np.int16)
    for k, v in pairs.items():
        t[k] = v
    return t


# the 6-bit "armoured" alphabet ('0'..'W' -> 0..39, '`'..'w' -> 40..63), as pyais
_SIX = _table({c: c - 48 for c in range(48, 88)} | {c: c - 56 for c in range(96, 120)})
_HEX = _table(
    {c: c - 48 for c in range(48, 58)}
    | {c: c - 55 for c in range(65, 71)}
    | {c: c - 87 for c in range(97, 103)}
)
_DIGIT = _table({c: c - 48 for c in range(48, 58)})
_SEP = _table({ord(c): 1 for c in " \t,;|[]"}, 0).astype(bool)
_POW10 = 10 ** np.arange(19, dtype=np.int64)
_POSITION_FAST = np.zeros(64, dtype=bool)
_POSITION_FAST[[1, 2, 3, 18]] = True
_COUNTED_ONLY = np.ones(64, dtype=bool)
_COUNTED_ONLY[sorted(POSITION_TYPES | STATIC_TYPES)] = False


# ---------------------------------------------------------------------------------------------
# Bytes: lines and a block of them
# ---------------------------------------------------------------------------------------------


def _lines(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of every line, split at ``\\n``, ``\\r\\n`` or ``\\r`` as Python's text files
    split them (``newline=""``); a final terminator opens no further line."""
    n = len(buf)
    pos = np.flatnonzero((buf == 10) | (buf == 13))
    if len(pos):
        crlf = (buf[pos] == 10) & (pos > 0) & (buf[np.maximum(pos - 1, 0)] == 13)
        ends = pos[~crlf]
        after = np.minimum(ends + 1, n - 1)
        nxt = ends + 1 + ((buf[ends] == 13) & (ends + 1 < n) & (buf[after] == 10))
    else:
        ends = nxt = np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], nxt]).astype(np.int64)
    ends = np.concatenate([ends, [n]]).astype(np.int64)
    if starts[-1] >= n:  # the text ends with a terminator (or is empty)
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


class _Block:
    """A run of lines: the bytes, sorted positions of the structural characters, and a prefix
    XOR for checksums over any range."""

    def __init__(self, b: np.ndarray) -> None:
        self.b = b
        self.n = len(b)
        self.xor0 = np.concatenate([[0], np.bitwise_xor.accumulate(b)]).astype(np.uint8)
        self.comma = np.flatnonzero(b == 44)
        self.star = np.flatnonzero(b == 42)
        self.bslash = np.flatnonzero(b == 92)
        self.start = np.flatnonzero((b == 33) | (b == 36) | (b == 92))  # ! $ backslash
        self.odd = np.flatnonzero((b < 32) | (b > 126))  # control and non-ASCII bytes

    def at(self, i: np.ndarray) -> np.ndarray:
        """The bytes at positions ``i`` (clipped into the block)."""
        return self.b[np.clip(i, 0, self.n - 1)]

    def xor(self, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """XOR of the bytes in ``[a, z)``."""
        return self.xor0[np.clip(z, 0, self.n)] ^ self.xor0[np.clip(a, 0, self.n)]

    @staticmethod
    def next(pos: np.ndarray, i: np.ndarray) -> np.ndarray:
        """The first of the sorted positions ``pos`` at or after ``i`` (``_BIG`` if none)."""
        if not len(pos):
            return np.full(len(i), _BIG)
        j = np.searchsorted(pos, i)
        return np.where(j < len(pos), pos[np.minimum(j, len(pos) - 1)], _BIG)

    @staticmethod
    def count(pos: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """How many of the sorted positions ``pos`` lie in ``[a, z)``."""
        return np.searchsorted(pos, z) - np.searchsorted(pos, a)

    def gather(self, a: np.ndarray, width: int) -> np.ndarray:
        """``width`` bytes from each position of ``a`` (rows; clipped into the block)."""
        return self.at(a[:, None] + np.arange(width))

    def hex2(self, i: np.ndarray) -> np.ndarray:
        """The two hex digits at ``i`` as a number, -1 if either is not a hex digit."""
        hi, lo = _HEX[self.at(i)], _HEX[self.at(i + 1)]
        return np.where((hi >= 0) & (lo >= 0), hi * 16 + lo, -1)


# ---------------------------------------------------------------------------------------------
# Line framing, vectorised
# ---------------------------------------------------------------------------------------------


def _framing(k: _Block, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ok, first special character, sentence start, has tag block, tag block '*')."""
    ok = (e - s >= 17) & (k.at(s) != 32) & (k.at(e - 1) != 32)
    ok &= k.count(k.odd, s, e) == 0
    p = k.next(k.start, s)
    ok &= p < e
    ch = k.at(p)
    tag = ok & (ch == 92)
    ok &= tag | (ch == 33)
    q = k.next(k.bslash, p + 1)
    ts = k.next(k.star, p + 1)
    good_tag = (q < e) & (q == ts + 3) & (k.hex2(ts + 1) == k.xor(p + 1, ts))
    ok &= ~tag | good_tag
    ss = np.where(tag, q + 1, p)
    ok &= k.at(ss) == 33  # '!' right after the tag block ('$' sentences are not AIS here)
    return ok, p, ss, tag, ts


def _sentence(k: _Block, ss: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ok, '*' position, payload start, payload length, fill bits) of ``!ttVDM,1,1,...``."""
    st = k.next(k.star, ss + 1)
    ok = (st > ss + 6) & (st + 2 < e) & (k.hex2(st + 1) == k.xor(ss + 1, st))
    ok &= (k.at(ss + 1) != 44) & (k.at(ss + 2) != 44)
    ok &= (k.at(ss + 3) == 86) & (k.at(ss + 4) == 68)  # 'VD'
    ok &= ((k.at(ss + 5) == 77) | (k.at(ss + 5) == 79)) & (k.at(ss + 6) == 44)  # 'M'/'O' ','
    if not len(k.comma):
        return np.zeros(len(ss), dtype=bool), st, st, st, st
    i0 = np.searchsorted(k.comma, ss)
    ok &= np.searchsorted(k.comma, st) - i0 == 6
    c = [k.comma[np.clip(i0 + j, 0, len(k.comma) - 1)] for j in range(6)]
    ok &= (c[1] == c[0] + 2) & (k.at(c[0] + 1) == 49) & (c[2] == c[1] + 2) & (k.at(c[1] + 1) == 49)
    seq = c[3] - c[2] - 1
    ok &= seq <= 3
    for j in range(3):
        ok &= (j >= seq) | (_DIGIT[k.at(c[2] + 1 + j)] >= 0)
    fill = k.at(c[5] + 1).astype(np.int64) - 48
    ok &= (st == c[5] + 2) & (fill >= 0) & (fill <= 5)
    a = c[4] + 1
    length = c[5] - a
    ok &= (length >= 1) & (length <= MAX_PAYLOAD)
    return ok, st, a, length, fill


def _tag_fields(k: _Block, p: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ok, c: value start, end, s: value start, end, has c:) of tag blocks ``p..ts``; a missing
    field has an empty range."""
    i0 = np.searchsorted(k.comma, p + 1)
    nf = np.searchsorted(k.comma, ts) - i0 + 1
    ok = nf <= 4
    last = max(len(k.comma) - 1, 0)
    comma = k.comma if len(k.comma) else np.zeros(1, dtype=np.int64)
    ca = cz = sa = sz = np.zeros(len(p), dtype=np.int64)
    n_c = n_s = np.zeros(len(p), dtype=np.int64)
    for j in range(4):
        fs = p + 1 if j == 0 else comma[np.clip(i0 + j - 1, 0, last)] + 1
        fe = np.where(j == nf - 1, ts, comma[np.clip(i0 + j, 0, last)])
        here = j < nf
        first, colon = k.at(fs), k.at(fs + 1) == 58
        is_c = here & (fe - fs >= 2) & (first == 99) & colon
        is_s = here & (fe - fs >= 2) & (first == 115) & colon
        ok &= ~(here & (fe - fs == 1) & (first == 99))  # a bare "c": a time that is not one
        ca, cz = np.where(is_c, fs + 2, ca), np.where(is_c, fe, cz)
        sa, sz = np.where(is_s, fs + 2, sa), np.where(is_s, fe, sz)
        n_c, n_s = n_c + is_c, n_s + is_s
    ok &= (n_c <= 1) & (n_s <= 1) & (sz - sa <= _MAX_SOURCE)
    return ok, ca, cz, sa, sz, n_c == 1


def _decimal(k: _Block, a: np.ndarray, z: np.ndarray, width: int = 32) -> tuple[np.ndarray, ...]:
    """(ok, integer part, its digit count, fraction in ns = first 9 decimals, has a dot, decimals)
    of ``digits[.digits]`` text in ``[a, z)``."""
    length = z - a
    ok = (length >= 1) & (length <= width)
    col = np.arange(width)
    d = _DIGIT[k.gather(a, width)].astype(np.int64)
    inside = col < length[:, None]
    digit = (d >= 0) & inside
    not_digit = ~digit
    nint = np.where(not_digit.any(axis=1), not_digit.argmax(axis=1), width)
    nint = np.minimum(nint, length)
    dot = nint < length
    ok &= (nint >= 1) & (nint <= 18) & (~dot | (k.at(a + nint) == 46))
    frac_col = inside & (col > nint[:, None])
    ok &= ~(frac_col & not_digit).any(axis=1)
    d = np.where(digit, d, 0)
    power = nint[:, None] - 1 - col
    ival = (d * np.where(power >= 0, _POW10[np.clip(power, 0, 18)], 0)).sum(axis=1)
    fpos = col - nint[:, None] - 1
    frac = (d * np.where(frac_col & (fpos < 9), _POW10[np.clip(8 - fpos, 0, 18)], 0)).sum(axis=1)
    return ok, ival, nint, frac, dot, length - nint - 1


def _epoch_ns(ival: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ok, ns) as :func:`navwatch.io.times.epoch_text_ns`: seconds from 1e8, milliseconds
    from 1e11; times from 2255 on (near the end of int64 nanoseconds) are left to the general
    path."""
    sec = (ival >= 10**8) & (ival < _LATEST_S)
    ms = (ival >= 10**11) & (ival < _LATEST_S * 1000)
    ns = np.where(sec, ival * 10**9 + frac, ival * 10**6 + frac // 1000)
    return sec | ms, ns


def _prefix_time(k: _Block, s: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ok, has a time, ns) of the text before the tag block or sentence: nothing, separators
    only, or a Unix time with separators around it."""
    width = 40
    length = p - s
    col = np.arange(width)
    inside = col < length[:, None]
    text = inside & ~_SEP[k.gather(s, width)]
    has = text.any(axis=1)
    lead = text.argmax(axis=1)
    tail = width - text[:, ::-1].argmax(axis=1)
    ok, ival, nint, frac, dot, decimals = _decimal(k, s + lead, s + tail)
    ok &= (nint >= 9) & (nint <= 13) & (~dot | (decimals >= 1))
    good, ns = _epoch_ns(ival, frac)
    ok &= good
    return (length <= width) & (~has | ok), has, ns


def _trailer_time(k: _Block, st: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(has, ns) of a trailing ``,<10-digit Unix time>`` (USCG NAIS) after the checksum."""
    sep = k.at(e - 11)
    has = (e - (st + 3) >= 11) & ((sep == 44) | (sep == 32))
    d = _DIGIT[k.gather(e - 10, 10)].astype(np.int64)
    has &= (d >= 0).all(axis=1)
    v = (np.where(d >= 0, d, 0) * _POW10[9::-1]).sum(axis=1)
    has &= (v >= 10**8) & (v < _LATEST_S)
    return has, v * 10**9


# ---------------------------------------------------------------------------------------------
# Payloads: 6-bit values, 60-bit words, position reports
# ---------------------------------------------------------------------------------------------


def _six(k: _Block, a: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ok, 6-bit values) of the payloads ``[a, a + length)``: rows padded with 0 to a multiple
    of 10 characters; ok when every character is in the alphabet."""
    width = max(10, -(-int(length.max(initial=0)) // 10) * 10)
    v = _SIX[k.gather(a, width)].astype(np.int64)
    inside = np.arange(width) < length[:, None]
    ok = ~((v < 0) & inside).any(axis=1)
    return ok, np.where(inside, v, 0)


def _words(v: np.ndarray) -> np.ndarray:
    """6-bit values (rows of a multiple of 10) as 60-bit words, 10 characters each, first
    character in the high bits (as pyais' word bit vector)."""
    n, width = v.shape
    w = v.reshape(n, width // 10, 10).astype(np.uint64)
    shift = (6 * np.arange(9, -1, -1)).astype(np.uint64)
    return np.bitwise_or.reduce(w << shift, axis=2)


def _bits(w: np.ndarray, off: int, width: int) -> np.ndarray:
    """Unsigned ``width``-bit field at bit ``off`` of each row of words (width <= 60)."""
    k, r = divmod(off, 60)
    if r + width <= 60:
        v = (w[:, k] >> np.uint64(60 - r - width)) & np.uint64((1 << width) - 1)
    else:
        lo = r + width - 60
        hi = w[:, k] & np.uint64((1 << (60 - r)) - 1)
        v = (hi << np.uint64(lo)) | (w[:, k + 1] >> np.uint64(60 - lo))
    return v.astype(np.int64)


def _signed(v: np.ndarray, width: int) -> np.ndarray:
    return np.where(v >= 1 << (width - 1), v - (1 << width), v)


def _positions(w: np.ndarray, mtype: np.ndarray) -> dict[str, np.ndarray]:
    """Columns of 168-bit position reports of types 1-3 and 18, with pyais' conversions and the
    general path's "not available" rules (:meth:`navwatch.io.nmea._Parser._position`)."""
    b18 = mtype == 18

    def field(off: int, off18: int, width: int, signed: bool = False) -> np.ndarray:
        v = np.where(b18, _bits(w, off18, width), _bits(w, off, width))
        return _signed(v, width) if signed else v

    lon, lat = field(61, 57, 28, True), field(89, 85, 27, True)
    sog = field(50, 46, 10) / 10.0
    cog = field(116, 112, 12) / 10.0
    hdg = field(128, 124, 9).astype(np.float64)
    return {
        "mmsi": _bits(w, 8, 30),
        # pyais: round(v / 600000, 6) computed exactly as ((10 v + 3) // 6) / 1e6
        "lat": ((10 * lat + 3) // 6) / 1e6,
        "lon": ((10 * lon + 3) // 6) / 1e6,
        "sog": np.where(sog >= 102.3, np.nan, sog),
        "cog": np.where(cog >= 360, np.nan, cog),
        "hdg": np.where(hdg >= 360, np.nan, hdg),
        "status": _bits(w, 38, 4).astype(np.int16),
        "status_na": b18,
    }


# ---------------------------------------------------------------------------------------------
# A block of lines -> the lines decoded here, and the others
# ---------------------------------------------------------------------------------------------


@dataclass
class _Fast:
    """Single-fragment messages decoded here (block-local until :meth:`shifted`)."""

    line: np.ndarray  # line index, 0-based
    time: np.ndarray
    mtype: np.ndarray
    length: np.ndarray  # payload characters
    words: np.ndarray  # payload as 60-bit words (rows; width varies by block)
    source: np.ndarray  # index into the sources
    start: np.ndarray  # byte range of the line
    end: np.ndarray


def _candidates(k: _Block, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, dict]:
    """Indices of the lines with the fast framing and their positions of interest."""
    ok, p, ss, tag, ts = _framing(k, s, e)
    good, st, a, length, fill = _sentence(k, ss, e)
    i = np.flatnonzero(ok & good)
    return i, {
        "s": s[i], "e": e[i], "p": p[i], "tag": tag[i], "ts": ts[i], "st": st[i], "a": a[i],
        "length": length[i], "fill": fill[i],
    }  # fmt: skip


def _times(k: _Block, c: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ok, ns, source value start, end) of candidate lines: the receive time by the general
    path's precedence (tag block c:, leading time, USCG trailer)."""
    tag = c["tag"]
    ok, ca, cz, sa, sz, has_c = _tag_fields(k, c["p"], c["ts"])
    ok |= ~tag
    has_c &= tag
    good, cval, cint, cfrac, _, _ = _decimal(k, ca, cz)
    fine, c_ns = _epoch_ns(cval, cfrac)
    ok &= ~has_c | (good & fine & (cint <= 14))
    good, has_p, p_ns = _prefix_time(k, c["s"], c["p"])
    ok &= good
    has_t, t_ns = _trailer_time(k, c["st"], c["e"])
    ok &= has_c | has_p | has_t
    ns = np.where(has_c, c_ns, np.where(has_p, p_ns, t_ns))
    return ok, ns, np.where(tag, sa, 0), np.where(tag, sz, 0)


def _source_codes(k: _Block, sa: np.ndarray, sz: np.ndarray, sources: dict[str, int]) -> np.ndarray:
    """Index of ``"AIS:<s>"`` (or ``"AIS"`` without ``s:``) in ``sources``, which grows."""
    code = np.zeros(len(sa), dtype=np.int64)
    has = sz > sa
    if has.any():
        m = k.gather(sa[has], _MAX_SOURCE)
        m = np.where(np.arange(_MAX_SOURCE) < (sz - sa)[has][:, None], m, 0).astype(np.uint8)
        names, inv = np.unique(np.ascontiguousarray(m).view(f"S{_MAX_SOURCE}").ravel(), return_inverse=True)
        ids = [sources.setdefault(f"AIS:{v.decode('ascii')}", len(sources)) for v in names]
        code[has] = np.asarray(ids, dtype=np.int64)[inv]
    return code


def _scan_block(
    b: np.ndarray, s: np.ndarray, e: np.ndarray, sources: dict[str, int]
) -> tuple[np.ndarray, _Fast]:
    """(indices of the non-empty lines for the general path, the messages decoded here) of the
    lines ``[s, e)`` of the block ``b`` (block-local indices and offsets)."""
    k = _Block(b)
    i, c = _candidates(k, s, e)
    ok, ns, sa, sz = _times(k, c)
    good, v = _six(k, c["a"], c["length"])
    ok &= good
    length, fill = c["length"], c["fill"]
    mtype = v[:, 0]
    position = _POSITION_FAST[mtype] & (length == 28) & (fill == 0)
    counted = _COUNTED_ONLY[mtype] & (6 * length - fill >= 6)
    ok &= position | counted
    j = np.flatnonzero(ok)
    fast = _Fast(
        line=i[j], time=ns[j], mtype=mtype[j], length=length[j], words=_words(v[j]),
        source=_source_codes(k, sa[j], sz[j], sources), start=c["s"][j], end=c["e"][j],
    )  # fmt: skip
    slow = np.ones(len(s), dtype=bool)
    slow[fast.line] = False
    slow &= e > s
    return np.flatnonzero(slow), fast


def _scan(buf: np.ndarray, sources: dict[str, int]) -> tuple[np.ndarray, np.ndarray, _Fast]:
    """(line starts and ends, lines for the general path, messages decoded here) of a text:
    line indices are 0-based, offsets into ``buf``; done in blocks of :data:`BLOCK_LINES`."""
    starts, ends = _lines(buf)
    slow: list[np.ndarray] = []
    found: list[_Fast] = []
    for k0 in range(0, len(starts), BLOCK_LINES):
        s, e = starts[k0 : k0 + BLOCK_LINES], ends[k0 : k0 + BLOCK_LINES]
        b0, b1 = int(s[0]), int(e[-1])
        if b1 <= b0:  # empty lines only
            continue
        lines, fast = _scan_block(buf[b0:b1], s - b0, e - b0, sources)
        slow.append(lines + k0)
        fast.line += k0
        fast.start += b0
        fast.end += b0
        found.append(fast)
    width = max([3] + [f.words.shape[1] for f in found])  # >= the 168 bits of a position
    words = [np.pad(f.words, ((0, 0), (0, width - f.words.shape[1]))) for f in found]
    i64 = np.zeros(0, dtype=np.int64)
    fast = _Fast(
        *(np.concatenate([getattr(f, k) for f in found] or [i64]) for k in ("line", "time", "mtype", "length")),
        words=np.concatenate(words) if words else np.zeros((0, 3), dtype=np.uint64),
        **{k: np.concatenate([getattr(f, k) for f in found] or [i64]) for k in ("source", "start", "end")},
    )  # fmt: skip
    return np.stack([starts, ends]), np.concatenate(slow or [i64]), fast


# ---------------------------------------------------------------------------------------------
# Duplicates over all messages
# ---------------------------------------------------------------------------------------------


def _pack(payloads: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(length, words) of whole payloads (valid 6-bit text) as keys comparable with those of
    :func:`_scan`; payloads over :data:`MAX_PAYLOAD` characters get exact stand-in keys (an id
    in the first word, with their length, which no payload decoded here has)."""
    n = len(payloads)
    length = np.fromiter(map(len, payloads), dtype=np.int64, count=n)
    words = np.zeros((n, _WORDS), dtype=np.uint64)
    short = length <= MAX_PAYLOAD
    if short.any():
        buf = np.frombuffer(b"".join(p for p, ok in zip(payloads, short.tolist(), strict=True) if ok), dtype=np.uint8)
        k = _Block(np.concatenate([buf, np.zeros(1, dtype=np.uint8)]))
        starts = np.concatenate([[0], np.cumsum(length[short])[:-1]])
        _, v = _six(k, starts, length[short])
        w = _words(v)
        words[short, : w.shape[1]] = w[:, :_WORDS]
    ids: dict[bytes, int] = {}
    for i in np.flatnonzero(~short).tolist():
        words[i, 0] = ids.setdefault(payloads[i], len(ids))
    return length, words


def _groups(length: np.ndarray, words: np.ndarray) -> tuple[np.ndarray, int]:
    """(group id, number of groups) of exactly equal (length, words) rows: by a 64-bit hash,
    checked; on a hash collision, by a full sort."""
    n = len(length)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    h = length.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for j in range(words.shape[1]):
        h = (h ^ words[:, j]) * np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    order = np.argsort(h)
    hs = h[order]
    new = np.concatenate([[True], hs[1:] != hs[:-1]])
    group = np.cumsum(new) - 1
    head = order[np.flatnonzero(new)][group]
    same = (length[order] == length[head]) & (words[order] == words[head]).all(axis=1)
    gid = np.empty(n, dtype=np.int64)
    if same.all():
        gid[order] = group
        return gid, int(group[-1]) + 1
    keys = np.ascontiguousarray(np.column_stack([length.astype(np.uint64), words]))
    _, inv = np.unique(keys.view([("", np.uint64)] * keys.shape[1]).ravel(), return_inverse=True)
    gid[:] = inv.ravel()
    return gid, int(gid.max()) + 1


def duplicates(length: np.ndarray, words: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Which messages (in arrival order) are copies by the general path's rule
    (:class:`navwatch.io.nmea._Seen`): the same payload (``length``, ``words``) last kept at
    most :data:`~navwatch.io.nmea.DUPLICATE_WINDOW_NS` away.

    Vectorised over the groups of equal payloads, one rank at a time. The general path forgets
    old payloads when it holds more than :data:`~navwatch.io.nmea.SEEN_MAX`; that can change a
    decision only where receive times jump back by more than ``SEEN_KEEP_NS -
    DUPLICATE_WINDOW_NS``; then the general path's own rule is run message by message.

    Examples
    --------
    >>> w = np.array([[1], [1], [2], [1]], dtype=np.uint64)
    >>> duplicates(np.full(4, 28), w, np.array([0, 10**9, 10**9, 4 * 10**9])).tolist()
    [False, True, False, False]
    """
    gid, ngroups = _groups(length, words)
    n = len(gid)
    if n and ngroups > SEEN_MAX:
        back = np.maximum.accumulate(time)[:-1] - time[1:]
        if back.max(initial=0) > SEEN_KEEP_NS - DUPLICATE_WINDOW_NS:
            seen = _Seen()
            return np.fromiter(
                (seen.duplicate(g, t) for g, t in zip(gid.tolist(), time.tolist(), strict=True)),
                dtype=bool,
                count=n,
            )
    return _last_kept(gid, ngroups, time)


def _last_kept(gid: np.ndarray, ngroups: int, time: np.ndarray) -> np.ndarray:
    """:func:`duplicates` without forgetting: by group, the ``r``-th message of every group at
    once (ranks beyond :data:`_RANKS` one by one)."""
    n = len(gid)
    dup = np.zeros(n, dtype=bool)
    if n == 0:
        return dup
    order = np.argsort(gid * n + np.arange(n))  # by group, in arrival order within each
    g, t = gid[order], time[order]
    first = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]]))
    rank = np.arange(n) - np.repeat(first, np.diff(np.append(first, n)))
    last = np.zeros(ngroups, dtype=np.int64)  # time of the last kept copy of each group
    last[g[first]] = t[first]
    later = np.flatnonzero(rank > 0)
    top = int(rank.max())
    by_rank = later[np.argsort(rank[later], kind="stable")]
    bounds = np.searchsorted(rank[by_rank], np.arange(1, min(top, _RANKS) + 2))
    out = np.zeros(n, dtype=bool)
    for r in range(min(top, _RANKS)):
        sel = by_rank[bounds[r] : bounds[r + 1]]
        gg, tt = g[sel], t[sel]
        d = np.abs(tt - last[gg]) <= DUPLICATE_WINDOW_NS
        out[sel] = d
        last[gg[~d]] = tt[~d]
    if top > _RANKS:  # long groups: the rest one message at a time, in group order
        for i in np.flatnonzero(rank > _RANKS).tolist():
            gi, ti = int(g[i]), int(t[i])
            out[i] = abs(ti - int(last[gi])) <= DUPLICATE_WINDOW_NS
            if not out[i]:
                last[gi] = ti
    dup[order] = out
    return dup


# ---------------------------------------------------------------------------------------------
# The reader
# ---------------------------------------------------------------------------------------------


def parse_bytes(
    data: bytes, file: str, *, forced: dict[int, str] | None = None
) -> tuple[pd.DataFrame, Quarantine]:
    """Decode a whole NMEA log (bytes, lines split as Python's text files split them).

    Parameters
    ----------
    data : bytes
        The log; invalid UTF-8 is replaced as :func:`~navwatch.io._common.open_text` does.
    file : str
        Name recorded in ``src_file`` and in quarantine rows.
    forced : dict, optional
        Lines (0-based index -> text) to give to the general path as they are; ``data`` holds
        an empty line in their place.

    Returns
    -------
    (pandas.DataFrame, Quarantine)
        The table of :func:`navwatch.io.nmea.parse_lines` and the rejected lines and messages.

    Examples
    --------
    >>> df, q = parse_bytes(b"\\\\c:1452468552*53\\\\!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E\\n", "x")
    >>> int(df["mmsi"].iloc[0]), df.attrs["nmea_stats"]["fast_lines"], len(q)
    (310327000, 1, 0)
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    sources = {_NO_SOURCE: 0}
    spans, slow, fast = _scan(buf, sources)
    parser = _Parser(file, defer=True)
    lines = slow.tolist()
    if forced:
        lines = sorted(set(lines) | set(forced))
    for i in lines:
        text = forced[i] if forced and i in forced else None
        if text is None:
            text = data[spans[0, i] : spans[1, i]].decode("utf-8", "replace")
        parser.feed(i + 1, text)
    dup_fast, dup_slow = _duplicates_of(fast, parser.deferred)
    parser.decode_deferred(dup_slow)
    _count(parser, fast, dup_fast)
    frame = parser.finish(more=_rows(data, fast, ~dup_fast, list(sources)))
    return frame, parser.quarantine


def parse_text_lines(lines: list[str], file: str) -> tuple[pd.DataFrame, Quarantine]:
    """:func:`parse_bytes` of lines given as text, one element a line (whatever it holds)."""
    text = "\n".join(lines)
    if text.isascii() and "\r" not in text and text.count("\n") == len(lines) - 1:
        return parse_bytes(text.encode("ascii"), file)
    forced: dict[int, str] = {}
    clean: list[str] = []
    for i, line in enumerate(lines):
        if line.isascii() and "\r" not in line and "\n" not in line:
            clean.append(line)
        else:  # non-ASCII or with a line break inside: the general path reads it as it is
            forced[i] = line
            clean.append("")
    return parse_bytes("\n".join(clean).encode("ascii"), file, forced=forced)


def _duplicates_of(
    fast: _Fast, deferred: list[tuple[list, int, bytes]]
) -> tuple[np.ndarray, np.ndarray]:
    """Copies among the messages decoded here and those the general path holds, in line order
    (each message at the line of its last fragment)."""
    length, words = _pack([payload for _, _, payload in deferred])
    line = np.asarray([frags[-1].line - 1 for frags, _, _ in deferred], dtype=np.int64)
    time = np.asarray([t for _, t, _ in deferred], dtype=np.int64)
    width = max(fast.words.shape[1], words.shape[1])
    all_words = np.concatenate(
        [np.pad(w, ((0, 0), (0, width - w.shape[1]))) for w in (fast.words, words)]
    )
    all_line = np.concatenate([fast.line, line])
    order = np.argsort(all_line, kind="stable")
    dup = np.empty(len(all_line), dtype=bool)
    dup[order] = duplicates(
        np.concatenate([fast.length, length])[order],
        all_words[order],
        np.concatenate([fast.time, time])[order],
    )
    n = len(fast.line)
    return dup[:n], dup[n:]


def _count(parser: _Parser, fast: _Fast, dup: np.ndarray) -> None:
    """Add the messages decoded here to the parser's accounting."""
    st, fates = parser.stats, parser.fates
    n = len(fast.line)
    for key in ("lines", "timed_lines", "messages", "fragments", "fast_lines"):
        st[key] += n
    n_dup = int(dup.sum())
    st["duplicates_dropped"] += n_dup
    fates["duplicate"] += n_dup
    kept = fast.mtype[~dup]
    by_type = np.bincount(kept, minlength=64)
    for t in np.flatnonzero(by_type).tolist():
        parser.types[t] = parser.types.get(t, 0) + int(by_type[t])
    other = int(_COUNTED_ONLY[kept].sum())
    st["other_types"] += other
    fates["other_type"] += other


def _rows(data: bytes, fast: _Fast, keep: np.ndarray, sources: list[str]) -> _Rows:
    """The position rows of the messages decoded here that are not copies."""
    sel = keep & _POSITION_FAST[fast.mtype]
    c = _positions(fast.words[sel][:, :3], fast.mtype[sel])
    start, end = fast.start[sel], fast.end[sel]

    def raw(i: np.ndarray) -> list[str]:
        return [data[a:z].decode("ascii") for a, z in zip(start[i].tolist(), end[i].tolist(), strict=True)]

    return _Rows(
        time=fast.time[sel],
        **c,
        source=np.asarray(sources, dtype=object)[fast.source[sel]],
        line=fast.line[sel] + 1,
        nfrag=np.ones(int(sel.sum()), dtype=np.int64),
        raw=raw,
    )
