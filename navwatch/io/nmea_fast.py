"""Vectorised NMEA 0183 AIS decoding: numpy over the bytes of a log, no Python per line.

:func:`parse_bytes` (used by :func:`navwatch.io.nmea.read_nmea`) and :func:`parse_text_lines`
(used by :func:`navwatch.io.nmea.parse_lines`, the watcher's path) give **the same table,
quarantine and** ``nmea_stats`` as the general path of :mod:`navwatch.io.nmea`, which reads
line by line with pyais; only ``nmea_stats["fast_lines"]`` (the lines read here) differs.

Lines read here
---------------
The AIS sentences of the common framing; every other line goes to the general path's parser::

    [time S] [\\tag block*hh\\] !ttVDM,n,k,[seq],[channel],payload,fill*hh [trailer]

* all bytes printable ASCII (no tab, no non-ASCII), no space at either end of the line;
* the leading time, if any, is a Unix time (9-13 digits, optional fraction) or an ISO 8601
  UTC time ``YYYY-MM-DD[T ]HH:MM:SS[.f][Z]`` (1-9 decimals, years 1900-2199), with separators
  ``S`` from `` ,;|[]`` around it (other ISO forms, e.g. with an offset, go to the general
  path);
* the tag block, if any, has a valid ``*hh`` checksum, at most four fields, at most one ``c:``
  (digits, optional fraction: Unix seconds or milliseconds) and at most one ``s:`` of at most
  48 characters; the sentence follows it directly;
* the sentence: ``!``, any two-character talker, ``VDM``/``VDO``; exactly seven fields;
  fragment count 1-9 and number 1-count as one digit; a sequence id of at most three digits;
  a channel of at most three characters; a payload of 1-80 characters of the 6-bit alphabet;
  fill bits 0-5; a valid checksum;
* the receive time, if any: from the tag block, else the leading time, else a trailing
  USCG-style ``,<10-digit Unix time>`` after the checksum.

Multi-part messages are assembled here (the general path's rule, vectorised over the sequence
keys: :func:`_assemble`) unless a line left to the general path is itself a fragment of one;
then all fragments are assembled there, in line order. Messages are decoded here when they are
position reports 1, 2, 3, 18 of 168 bits, type 19 with its name, ship type and dimensions, static
data of types 5 and 24 (parts A and B; dimensions as :func:`navwatch.io.nmea._dimensions` reads
them), or types that are only counted (4, 8, 20, 21, ...); the rest
(type 27, truncated or odd-length reports, type 24 parts 2-3) are decoded by the general path
with pyais. Duplicates are found once over the messages of both paths (:func:`duplicates`, the
general path's rule vectorised), and all rows, static data and quarantine rows go through one
finishing step (:meth:`navwatch.io.nmea._Parser.finish`).

All choices that could differ are taken from the general path or pyais itself: the duplicate
rule is :class:`~navwatch.io.nmea._Seen` (run as it is when its memory bound could matter),
pyais' ``ShipType``/``NavigationStatus`` conversions are tables built from pyais, latitudes and
longitudes use pyais' exact integer rounding, and equal payloads are grouped by a hash that is
checked (an exact sort when two payloads collide).

Speed (``bench/bench_nmea.py``, 1.2 M tag-blocked lines, one core of a 2-core machine): a
shore-receiver mix read in 1.4 s against 10.1 s for pyais alone (0.14x) and 17.6 s for the
general path; single-fragment position reports only: 1.26 s against 7.2 s (0.18x).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from pyais.constants import NavigationStatus, ShipType

from ..quarantine import Quarantine
from . import nmea as _nmea
from .nmea import (
    DUPLICATE_WINDOW_NS,
    POSITION_TYPES,
    STATIC_TYPES,
    _lost_reason,
    _Parser,
    _read_line,
    _Rows,
    _Seen,
)

__all__ = ["duplicates", "parse_bytes", "parse_text_lines"]

#: Longest payload (characters) read here, of a sentence and of an assembled message's key.
MAX_PAYLOAD = 80
#: Lines per vectorised block (bounds the memory of the intermediate arrays).
BLOCK_LINES = 1 << 17
#: Group ranks processed together by :func:`duplicates`; longer groups finish in a loop.
_RANKS = 256
_BIG = np.int64(1) << 62
_MAX_SOURCE = 48
_MAX_FRAGS = 9
_LATEST_S = 9 * 10**9  # Unix seconds (year 2255): later times are left to the general path
_PAD = 128  # zero bytes after a buffer, for windows that reach past its end


def _table(pairs: dict[int, int], default: int = -1) -> np.ndarray:
    t = np.full(256, default, dtype=np.int16)
    for k, v in pairs.items():
        t[k] = v
    return t


# the 6-bit "armoured" alphabet ('0'..'W' -> 0..39, '`'..'w' -> 40..63), as pyais
_SIX = _table({c: c - 48 for c in range(48, 88)} | {c: c - 56 for c in range(96, 120)})
_SIX_OK = _SIX >= 0
_SIX_VALUE = np.where(_SIX_OK, _SIX, 0).astype(np.uint8)
_HEX = _table(
    {c: c - 48 for c in range(48, 58)}
    | {c: c - 55 for c in range(65, 71)}
    | {c: c - 87 for c in range(97, 103)}
)
_POWERS = 10.0 ** np.arange(13, -1, -1)  # 1e13 .. 1
_DIGIT = _table({c: c - 48 for c in range(48, 58)}).astype(np.int8)
_SEP = _table({ord(c): 1 for c in " \t,;|[]"}, 0).astype(bool)
# 6-bit text: 0..31 -> '@'..'_', 32..63 -> ' '..'?'
_TEXT = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)
# pyais' conversions of coded fields, as tables
_SHIP_TYPE = np.array([int(ShipType.from_value(v)) for v in range(256)], dtype=np.int64)  # type: ignore[arg-type]
_STATUS = np.array([int(NavigationStatus.from_value(v)) for v in range(16)], dtype=np.int16)  # type: ignore[arg-type]
_COUNTED_ONLY = np.ones(64, dtype=bool)
_COUNTED_ONLY[sorted(POSITION_TYPES | STATIC_TYPES)] = False


# ---------------------------------------------------------------------------------------------
# Bytes: lines and a block of them
# ---------------------------------------------------------------------------------------------


def _windows(padded: np.ndarray, width: int) -> np.ndarray:
    """Row ``i`` = ``padded[i : i + width]`` (a view; ``padded`` ends in :data:`_PAD` zeros)."""
    return np.lib.stride_tricks.sliding_window_view(padded, width)


def _lines(buf: np.ndarray, has_cr: bool) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of every line, split at ``\\n``, ``\\r\\n`` or ``\\r`` as Python's text files
    split them (``newline=""``); a final terminator opens no further line."""
    n = len(buf)
    if has_cr:
        pos = np.flatnonzero((buf == 10) | (buf == 13))
        crlf = (buf[pos] == 10) & (pos > 0) & (buf[np.maximum(pos - 1, 0)] == 13)
        ends = pos[~crlf]
        after = buf[np.minimum(ends + 1, max(n - 1, 0))]
        nxt = ends + 1 + ((buf[ends] == 13) & (ends + 1 < n) & (after == 10))
    else:
        ends = np.flatnonzero(buf == 10)
        nxt = ends + 1
    starts = np.concatenate([[0], nxt]).astype(np.int64)
    ends = np.concatenate([ends, [n]]).astype(np.int64)
    if starts[-1] >= n:  # the text ends with a terminator (or is empty)
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


class _Block:
    """A run of lines: the bytes, sorted positions of the structural characters, and a prefix
    XOR for checksums over any range."""

    def __init__(self, b: np.ndarray, in_lines: int) -> None:
        self.b = b
        self.n = len(b)
        zeros = np.zeros(_PAD, dtype=np.uint8)
        self.padded = np.concatenate([zeros, b, zeros])  # windows may start before or end after
        self.xor0 = np.concatenate([np.zeros(1, dtype=np.uint8), np.bitwise_xor.accumulate(b)])
        end = np.array([_BIG])  # every list of positions ends with _BIG: "none after this"
        self.comma = np.concatenate([np.flatnonzero(b == 44), end])
        self.star = np.concatenate([np.flatnonzero(b == 42), end])
        self.bslash = np.concatenate([np.flatnonzero(b == 92), end])
        self.start = np.concatenate([np.flatnonzero((b == 33) | (b == 36) | (b == 92)), end])
        # control and non-ASCII bytes (none when those below 32 are the line ends between the
        # ``in_lines`` bytes of the lines)
        clean = self.n == 0 or (b.max() <= 126 and np.count_nonzero(b < 32) == self.n - in_lines)
        self.odd = end if clean else np.concatenate([np.flatnonzero((b < 32) | (b > 126)), end])

    def at(self, i: np.ndarray) -> np.ndarray:
        """The bytes at positions ``i`` (clipped into the block)."""
        return self.b[np.clip(i, 0, self.n - 1)]

    def xor(self, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """XOR of the bytes in ``[a, z)``."""
        return self.xor0[np.clip(z, 0, self.n)] ^ self.xor0[np.clip(a, 0, self.n)]

    @staticmethod
    def next(pos: np.ndarray, i: np.ndarray) -> np.ndarray:
        """The first of the sorted positions ``pos`` at or after ``i`` (``_BIG`` if none)."""
        return pos[np.minimum(np.searchsorted(pos, i), len(pos) - 1)]

    @staticmethod
    def count(pos: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """How many of the sorted positions ``pos`` lie in ``[a, z)``."""
        return np.searchsorted(pos, z) - np.searchsorted(pos, a)

    def gather(self, a: np.ndarray, width: int) -> np.ndarray:
        """``width`` bytes from each position of ``a`` (rows; zeros outside the block)."""
        return _windows(self.padded, width)[np.clip(a, -_PAD, self.n) + _PAD]

    def hex2(self, i: np.ndarray) -> np.ndarray:
        """The two hex digits at ``i`` as a number, -1 if either is not a hex digit."""
        hi, lo = _HEX[self.at(i)], _HEX[self.at(i + 1)]
        return np.where((hi >= 0) & (lo >= 0), hi * 16 + lo, -1)


# ---------------------------------------------------------------------------------------------
# Line framing, vectorised
# ---------------------------------------------------------------------------------------------


def _framing(k: _Block, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ok, first special character, sentence start, has tag block, tag block '*', sentence
    '*') of lines ``[s, e)``; the '*' found as the first (second after a tag block) of the line."""
    ok = (e - s >= 17) & (k.at(s) != 32) & (k.at(e - 1) != 32)
    if len(k.odd) > 1:
        ok &= k.count(k.odd, s, e) == 0
    p = k.start[np.searchsorted(k.start, s)]
    ok &= p < e
    ch = k.at(p)
    tag = ok & (ch == 92)
    ok &= tag | (ch == 33)
    q = k.bslash[np.minimum(np.searchsorted(k.bslash, p) + 1, len(k.bslash) - 1)]
    i = np.searchsorted(k.star, s)
    ts, st = k.star[i], k.star[np.minimum(i + tag, len(k.star) - 1)]
    good_tag = (ts > p) & (q < e) & (q == ts + 3) & (k.hex2(ts + 1) == k.xor(p + 1, ts))
    ok &= ~tag | good_tag
    ss = np.where(tag, q + 1, p)
    ok &= k.at(ss) == 33  # '!' right after the tag block ('$' sentences are not AIS here)
    return ok, p, ss, tag, ts, st


def _sentence(k: _Block, ss: np.ndarray, st: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, dict]:
    """(ok, fields) of ``!ttVDM,cnt,num,seq,channel,payload,fill*hh`` sentences at ``ss``
    (``st``: the first '*' after ``ss``)."""
    ok = (st > ss + 10) & (st + 2 < e) & (k.hex2(st + 1) == k.xor(ss + 1, st))
    h = k.gather(ss, 11)  # "!ttVDM,c,n,"
    ok &= (h[:, 1] != 44) & (h[:, 2] != 44) & (h[:, 3] == 86) & (h[:, 4] == 68)  # 'VD'
    ok &= ((h[:, 5] == 77) | (h[:, 5] == 79)) & (h[:, 6] == 44)  # 'M' or 'O', ','
    cnt, num = h[:, 7].astype(np.int64) - 48, h[:, 9].astype(np.int64) - 48
    ok &= (h[:, 8] == 44) & (h[:, 10] == 44) & (cnt >= 1) & (cnt <= 9) & (num >= 1) & (num <= cnt)
    ic = np.searchsorted(k.comma, st)
    c = [k.comma[np.clip(ic - 4 + j, 0, len(k.comma) - 1)] for j in range(4)]
    ok &= (ic >= 4) & (c[0] == ss + 10)  # the last four commas: the third to the sixth
    seq_len, chan_len = c[1] - c[0] - 1, c[2] - c[1] - 1
    ok &= (seq_len <= 3) & (chan_len <= 3)
    seq = np.where(seq_len > 0, 0, -1)
    chan = chan_len.copy()
    seq_text, chan_text = (
        k.gather(c[0] + 1, 3).astype(np.int64),
        k.gather(c[1] + 1, 3).astype(np.int64),
    )
    for j in range(3):
        d = _DIGIT[seq_text[:, j]].astype(np.int64)
        ok &= (j >= seq_len) | (d >= 0)
        seq = np.where(j < seq_len, seq * 10 + d, seq)
        chan |= np.where(j < chan_len, chan_text[:, j] << (2 + 7 * j), 0)
    fill = k.at(c[3] + 1).astype(np.int64) - 48
    ok &= (st == c[3] + 2) & (fill >= 0) & (fill <= 5)
    a = c[2] + 1
    length = c[3] - a
    ok &= (length >= 1) & (length <= MAX_PAYLOAD)
    return ok, {"st": st, "cnt": cnt, "num": num, "seq": seq, "chan": chan, "pa": a,
                "plen": length, "fill": fill, "ic": ic}  # fmt: skip


def _tag_fields(
    k: _Block, p: np.ndarray, ts: np.ndarray, i_ts: np.ndarray
) -> tuple[np.ndarray, ...]:
    """(ok, c: value start, end, s: value start, end, has c:) of tag blocks ``p..ts`` (``i_ts``:
    index of the first comma after ``ts``); a missing field has an empty range."""
    comma, last = k.comma, len(k.comma) - 1
    i0 = np.searchsorted(k.comma, p + 1)
    nf = i_ts - i0 + 1
    ok = nf <= 4
    ca = cz = sa = sz = np.zeros(len(p), dtype=np.int64)
    n_c = n_s = np.zeros(len(p), dtype=np.int64)
    for j in range(int(np.minimum(nf, 4).max(initial=0))):
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


def _number(k: _Block, a: np.ndarray, z: np.ndarray, width: int = 24) -> tuple[np.ndarray, ...]:
    """(ok, integer part, its digit count, first 9 decimals as an integer, has a dot, decimals)
    of ``digits[.digits]`` text in ``[a, z)`` (at most 14 digits before the dot)."""
    length = z - a
    width = int(np.clip(length.max(initial=1), 1, width))  # the longest text, up to width
    m = k.gather(a, width)
    not_digit = ((m - np.uint8(48)) > 9) & (np.arange(width) < length[:, None])
    others = np.count_nonzero(not_digit, axis=1)
    nint = np.where(others > 0, not_digit.argmax(axis=1), length)  # digits before the dot
    dot = nint < length
    ok = (length >= 1) & (length <= 24) & (nint >= 1) & (nint <= 14) & (others == dot)
    ok &= ~dot | (m[np.arange(len(a)), np.minimum(nint, width - 1)] == 46)
    decimals = length - nint - 1
    ival = _digits(k, a + nint - 14, 14, np.arange(14) >= (14 - nint)[:, None])
    frac = _digits(k, a + nint + 1, 9, np.arange(9) < decimals[:, None])
    return ok, ival, nint, frac, dot, decimals


def _digits(k: _Block, a: np.ndarray, width: int, use: np.ndarray | None = None) -> np.ndarray:
    """The decimal number of the digits in ``width`` bytes from each of ``a``, reading the
    columns not in ``use`` and any byte that is not a digit as 0."""
    d = k.gather(a, width) - np.uint8(48)
    keep = d <= 9 if use is None else use & (d <= 9)
    # exact in float64: every product and partial sum is an integer below 2**53
    return (np.where(keep, d, np.uint8(0)) @ _POWERS[-width:]).astype(np.int64)


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
    only, or a Unix or ISO 8601 time with separators around it."""
    width = 40
    length = p - s
    # usually the time starts the line and one separator follows it
    lead = np.zeros(len(s), dtype=np.int64)
    tail = length - 1
    has = np.ones(len(s), dtype=bool)
    other = np.flatnonzero(
        _SEP[k.at(s)] | ~_SEP[k.at(p - 1)] | _SEP[k.at(p - 2)] | (length < 2) | (length > width)
    )
    if len(other):
        text = (np.arange(width) < length[other][:, None]) & ~_SEP[k.gather(s[other], width)]
        has[other] = text.any(axis=1)
        lead[other] = text.argmax(axis=1)
        tail[other] = width - text[:, ::-1].argmax(axis=1)
    ok, ival, nint, frac, dot, decimals = _number(k, s + lead, s + tail)
    ok &= (nint >= 9) & (nint <= 13) & (~dot | (decimals >= 1))
    good, ns = _epoch_ns(ival, frac)
    ok &= good
    iso = ~ok & has
    if iso.any():
        i = np.flatnonzero(iso)
        ok[i], ns[i] = _iso_ns(k, (s + lead)[i], (tail - lead)[i])
    return (length <= width) & (~has | ok), has, ns


def _iso_ns(k: _Block, a: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ok, ns) of ``YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z]`` text (UTC; years 1900-2199) as
    :func:`navwatch.io.times.iso_text_ns` reads it; other ISO forms go to the general path."""
    m = k.gather(a, 32)
    d = m.astype(np.int64) - 48
    digit = (d >= 0) & (d <= 9)
    ok = digit[:, [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]].all(axis=1)
    ok &= (m[:, 4] == 45) & (m[:, 7] == 45) & (m[:, 13] == 58) & (m[:, 16] == 58)  # - - : :
    ok &= (m[:, 10] == 84) | (m[:, 10] == 32)  # T or space
    rows = np.arange(len(a))
    zulu = m[rows, np.clip(length - 1, 0, 31)] == 90  # a final Z
    end = length - zulu  # after the seconds and the fraction
    ok &= (end == 19) | ((end >= 21) & (end <= 29) & (m[:, 19] == 46))  # '.' and 1-9 digits
    col = np.arange(32)
    ok &= ~((col >= 20) & (col < end[:, None]) & ~digit).any(axis=1)
    frac = _digits(k, a + 20, 9, np.arange(9) < (end - 20)[:, None])
    num = d * 10
    year = d[:, 0] * 1000 + d[:, 1] * 100 + num[:, 2] + d[:, 3]
    month, day = num[:, 5] + d[:, 6], num[:, 8] + d[:, 9]
    hour, minute, second = num[:, 11] + d[:, 12], num[:, 14] + d[:, 15], num[:, 17] + d[:, 18]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[
        np.clip(month - 1, 0, 11)
    ]
    month_days = month_days + (leap & (month == 2))
    ok &= (year >= 1900) & (year < 2200) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= (day <= month_days) & (hour <= 23) & (minute <= 59) & (second <= 60)
    # days since 1970-01-01 of the civil date (H. Hinnant's algorithm; March-based years)
    y = year - (month <= 2)
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = y * 365 + y // 4 - y // 100 + y // 400 + day_of_year - 719468
    return ok, ((days * 86400 + hour * 3600 + minute * 60 + second) * 10**9 + frac)


def _trailer_time(k: _Block, st: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(has, ns) of a trailing ``,<10-digit Unix time>`` (USCG NAIS) after the checksum."""
    sep = k.at(e - 11)
    has = (e - (st + 3) >= 11) & ((sep == 44) | (sep == 32))
    has &= ((k.gather(e - 10, 10) - np.uint8(48)) <= 9).all(axis=1)
    v = _digits(k, e - 10, 10)
    has &= (v >= 10**8) & (v < _LATEST_S)
    return has, v * 10**9


def _times(k: _Block, c: dict) -> tuple[np.ndarray, ...]:
    """(ok, has a time, ns, source value start, end) of candidate lines: the receive time by the
    general path's precedence (tag block c:, leading time, USCG trailer)."""
    n = len(c["s"])
    ok = np.ones(n, dtype=bool)
    timed = np.zeros(n, dtype=bool)
    ns, sa, sz = (np.zeros(n, dtype=np.int64) for _ in range(3))
    t = np.flatnonzero(c["tag"])
    if len(t):
        ok[t], ca, cz, sa[t], sz[t], has_c = _tag_fields(k, c["p"][t], c["ts"][t], c["ic"][t] - 6)
        tc = t[has_c]
        good, cval, cint, cfrac, _, _ = _number(k, ca[has_c], cz[has_c])
        fine, ns[tc] = _epoch_ns(cval, cfrac)
        ok[tc] &= good & fine & (cint <= 14)
        timed[tc] = True
    pre = np.flatnonzero(c["p"] > c["s"])  # validated even when the tag block has the time
    if len(pre):
        good, has_p, p_ns = _prefix_time(k, c["s"][pre], c["p"][pre])
        ok[pre] &= good
        use = has_p & ~timed[pre]
        ns[pre[use]], timed[pre[use]] = p_ns[use], True
    last = np.flatnonzero(~timed & (c["e"] - c["st"] >= 14))
    if len(last):
        has_t, t_ns = _trailer_time(k, c["st"][last], c["e"][last])
        ns[last[has_t]], timed[last[has_t]] = t_ns[has_t], True
    return ok, timed, ns, sa, sz


def _source_codes(k: _Block, sa: np.ndarray, sz: np.ndarray, sources: dict[str, int]) -> np.ndarray:
    """Index of ``"AIS:<s>"`` in ``sources`` (which grows); 0 without ``s:``."""
    code = np.zeros(len(sa), dtype=np.int64)
    has = np.flatnonzero(sz > sa)
    if len(has):
        length = (sz - sa)[has]
        width = -(-int(length.max()) // 8) * 8
        m = k.gather(sa[has], width) * (np.arange(width) < length[:, None])
        gid, n = _groups(length, np.ascontiguousarray(m).view(np.uint64))
        first = np.zeros(n, dtype=np.int64)
        first[gid] = np.arange(len(gid))  # a row of each group (all rows of a group are equal)
        names = [bytes(m[i, : length[i]]).decode("ascii") for i in first.tolist()]
        ids = np.asarray([sources.setdefault(f"AIS:{v}", len(sources)) for v in names])
        code[has] = ids[gid]
    return code


# ---------------------------------------------------------------------------------------------
# Scan: the lines read here, as fragment records
# ---------------------------------------------------------------------------------------------


@dataclass
class _Frags:
    """AIS sentences read here, one per line, in line order."""

    line: np.ndarray  # 0-based
    time: np.ndarray  # ns (0 where not timed)
    timed: np.ndarray
    source: np.ndarray  # index into the sources, 0 = no s:
    cnt: np.ndarray
    num: np.ndarray
    seq: np.ndarray  # -1 = none
    chan: np.ndarray  # length | characters << 2 + 7 j
    pa: np.ndarray  # payload start (byte offset)
    plen: np.ndarray
    fill: np.ndarray
    start: np.ndarray  # the line's bytes
    end: np.ndarray
    first: np.ndarray  # 6-bit value of the first payload character

    def take(self, i: np.ndarray) -> _Frags:
        return _Frags(*(getattr(self, f.name)[i] for f in fields(self)))

    @staticmethod
    def concat(parts: list[_Frags]) -> _Frags:
        empty = np.zeros(0, dtype=np.int64)
        return _Frags(
            *(
                np.concatenate([getattr(p, f.name) for p in parts] or [empty])
                for f in fields(_Frags)
            )
        )


def _scan_block(
    b: np.ndarray, s: np.ndarray, e: np.ndarray, sources: dict[str, int]
) -> tuple[np.ndarray, _Frags]:
    """(indices of the non-empty lines for the general path, the sentences read here) of the
    lines ``[s, e)`` of the block ``b`` (block-local indices and offsets)."""
    k = _Block(b, int((e - s).sum()))
    ok, p, ss, tag, ts, st = _framing(k, s, e)
    good, f = _sentence(k, ss, st, e)
    i = np.flatnonzero(ok & good)
    c = {"s": s[i], "e": e[i], "p": p[i], "tag": tag[i], "ts": ts[i]}
    c |= {key: v[i] for key, v in f.items()}
    ok, timed, ns, sa, sz = _times(k, c)
    first = np.zeros(len(ok), dtype=np.int64)
    for lo, hi in ((0, 32), (32, MAX_PAYLOAD)):  # the payload in the 6-bit alphabet
        r = np.flatnonzero((c["plen"] > lo) & (c["plen"] <= hi))
        m = k.gather(c["pa"][r], hi)
        outside = np.arange(hi, dtype=np.uint8) >= c["plen"][r].astype(np.uint8)[:, None]
        ok[r] &= (_armoured(m) | outside).all(axis=1)
        first[r] = _SIX[m[:, 0]]
    j = np.flatnonzero(ok)
    frags = _Frags(
        line=i[j], time=np.where(timed, ns, 0)[j], timed=timed[j],
        source=_source_codes(k, sa[j], sz[j], sources), cnt=c["cnt"][j], num=c["num"][j],
        seq=c["seq"][j], chan=c["chan"][j], pa=c["pa"][j], plen=c["plen"][j], fill=c["fill"][j],
        start=c["s"][j], end=c["e"][j], first=first[j],
    )  # fmt: skip
    slow = e > s
    slow[frags.line] = False
    return np.flatnonzero(slow), frags


def _scan(
    buf: np.ndarray, has_cr: bool, sources: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Frags]:
    """(line starts, ends, lines for the general path, sentences read here) of a text: line
    indices 0-based, offsets into ``buf``; in blocks of :data:`BLOCK_LINES` lines."""
    starts, ends = _lines(buf, has_cr)
    slow: list[np.ndarray] = []
    found: list[_Frags] = []
    for k0 in range(0, len(starts), BLOCK_LINES):
        s, e = starts[k0 : k0 + BLOCK_LINES], ends[k0 : k0 + BLOCK_LINES]
        b0, b1 = int(s[0]), int(e[-1])
        if b1 <= b0:  # empty lines only
            continue
        lines, fr = _scan_block(buf[b0:b1], s - b0, e - b0, sources)
        slow.append(lines + k0)
        fr.line += k0
        for name in ("pa", "start", "end"):
            getattr(fr, name)[:] += b0
        found.append(fr)
    empty = np.zeros(0, dtype=np.int64)
    return starts, ends, np.concatenate(slow or [empty]), _Frags.concat(found)


# ---------------------------------------------------------------------------------------------
# Multi-part assembly, vectorised
# ---------------------------------------------------------------------------------------------


def _assemble(fr: _Frags) -> tuple[np.ndarray, list[tuple[int, int, str]], list[int]]:
    """Assemble multi-part fragments (``fr``, in line order) as the general path does.

    Returns the complete messages (rows of fragment indices, -1 padded), the fragments lost on
    the way as (line found at, fragment, why) in the order the general path reports them, and
    the fragments still open at the end, in its order.
    """
    n = len(fr.line)
    if n == 0:
        return np.zeros((0, 1), dtype=np.int64), [], []
    key = (fr.cnt << 40) | ((fr.seq + 1) << 24) | fr.chan
    _, gid = np.unique(key, return_inverse=True)
    order = np.argsort(gid.ravel() * n + np.arange(n))  # by key, in line order within a key
    g, num, cnt = gid.ravel()[order], fr.num[order], fr.cnt[order]
    pos = np.arange(n)
    # a fragment continues an open message when the ones before it (same key) are 1 .. num-1
    intact = np.ones(n, dtype=bool)
    for j in range(1, _MAX_FRAGS):
        back = np.maximum(pos - j, 0)
        follows = (pos >= j) & (g[back] == g) & (num[back] == num - j)
        intact &= (num <= j) | follows
    open_after = np.where(intact & (num < cnt), num, 0)  # fragments of the key's open message
    prev = np.maximum(pos - 1, 0)
    open_before = np.where((pos > 0) & (g[prev] == g), open_after[prev], 0)
    done = np.flatnonzero(intact & (num == cnt))
    width = int(cnt.max())
    members = np.full((len(done), width), -1, dtype=np.int64)
    for j in range(width):
        has = cnt[done] > j
        members[has, j] = order[done[has] - cnt[done[has]] + 1 + j]
    lost = _lost_events(fr, order, num, open_before, intact)
    last = np.flatnonzero(np.append(g[1:] != g[:-1], True))
    still = last[open_after[last] > 0]
    # the general path lists them by when their key entered its dict of open messages
    entered = np.maximum.accumulate(np.where(open_before == 0, pos, 0))[still]
    at_end = [
        int(order[i])
        for grp in np.argsort(fr.line[order[entered]], kind="stable").tolist()
        for i in range(still[grp] - open_after[still[grp]] + 1, still[grp] + 1)
    ]
    return members, lost, at_end


def _lost_events(
    fr: _Frags, order: np.ndarray, num: np.ndarray, open_before: np.ndarray, intact: np.ndarray
) -> list[tuple[int, int, str]]:
    """(line found at, fragment, why) of the fragments lost while assembling (see
    :func:`_assemble`; positions are in key order ``order``)."""
    out: list[tuple[int, int, str]] = []
    for i in np.flatnonzero(((num == 1) & (open_before > 0)) | ~intact).tolist():
        at = int(fr.line[order[i]]) + 1
        n_open, k = int(open_before[i]), int(num[i])
        if k == 1:
            why = f"a new message with the same sequence id began on line {at}"
        else:
            why = f"fragment {k - 1} never arrived"
        out += [(at, int(order[j]), why) for j in range(i - n_open, i)]
        if k > 1 and not intact[i]:
            out.append((at, int(order[i]), "the earlier fragment(s) of this message are missing"))
    out.sort(key=lambda ev: ev[0])  # stable: within a line, the order above
    return out


# ---------------------------------------------------------------------------------------------
# Messages: members, payload characters, keys
# ---------------------------------------------------------------------------------------------


@dataclass
class _Msgs:
    """Messages of the fragments read here, in the order they were completed."""

    members: np.ndarray  # fragment indices, -1 padded
    nfrag: np.ndarray
    line: np.ndarray  # of the last fragment, 0-based
    time: np.ndarray  # of the first fragment that has one
    timed: np.ndarray
    source: np.ndarray  # of the first fragment that has one
    length: np.ndarray  # payload characters
    bits: np.ndarray  # payload bits (without the fill bits of the last fragment)
    mtype: np.ndarray  # first 6 bits

    def take(self, i: np.ndarray) -> _Msgs:
        return _Msgs(*(getattr(self, f.name)[i] for f in fields(self)))


def _messages(fr: _Frags, members: np.ndarray) -> _Msgs:
    """The messages of single fragments and of the complete multi-part ``members``."""
    single = np.flatnonzero(fr.cnt == 1)
    width = members.shape[1]
    rows = np.full((len(single) + len(members), width), -1, dtype=np.int64)
    rows[: len(single), 0] = single
    rows[len(single) :] = members
    nfrag = (rows >= 0).sum(axis=1)
    last = rows[np.arange(len(rows)), nfrag - 1]
    order = np.argsort(fr.line[last], kind="stable")
    rows, nfrag, last = rows[order], nfrag[order], last[order]
    first = rows[:, 0]
    time, timed, source, length = fr.time[first], fr.timed[first], fr.source[first], fr.plen[first]
    for j in range(1, width):
        m = rows[:, j]
        has = m >= 0
        fj = np.maximum(m, 0)
        use = has & fr.timed[fj] & ~timed
        time = np.where(use, fr.time[fj], time)
        timed = timed | use
        source = np.where((source == 0) & has, fr.source[fj], source)
        length = length + np.where(has, fr.plen[fj], 0)
    return _Msgs(
        members=rows, nfrag=nfrag, line=fr.line[last], time=time, timed=timed, source=source,
        length=length, bits=6 * length - fr.fill[last], mtype=fr.first[first],
    )  # fmt: skip


def _chars(padded: np.ndarray, fr: _Frags, members: np.ndarray, width: int) -> np.ndarray:
    """The payload characters of messages (rows of ``width``, zeros after the payload), the
    fragments' payloads one after another."""
    first = members[:, 0]
    col = np.arange(width)
    off = fr.plen[first][:, None]
    out = _windows(padded, width)[fr.pa[first]] * (col < off)
    for j in range(1, members.shape[1]):
        rows = np.flatnonzero(members[:, j] >= 0)
        if not len(rows):
            break
        m = members[rows, j]
        part = _windows(padded, width)[fr.pa[m]]
        o = off[rows]
        shifted = np.take_along_axis(part, np.clip(col - o, 0, width - 1), axis=1)
        here = (col >= o) & (col < o + fr.plen[m][:, None])
        out[rows] = np.where(here, shifted, out[rows])
        off[rows] += fr.plen[m][:, None]
    return out


def _key_rows(chars: np.ndarray) -> np.ndarray:
    """Payload characters (rows, zeros after the payload) as uint64 words."""
    width = chars.shape[1]
    padded = np.zeros((len(chars), -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = chars
    return padded.view(np.uint64)


def _hash(length: np.ndarray, words: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each (length, words) row."""
    h = length.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for j in range(words.shape[1]):
        h = (h ^ words[:, j]) * np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    return h


def _groups(length: np.ndarray, words: np.ndarray) -> tuple[np.ndarray, int]:
    """(group id, number of groups) of exactly equal (length, words) rows: by a 64-bit hash,
    checked; on a hash collision, by a full sort."""
    n = len(length)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    h = _hash(length, words)
    order = np.argsort(h)
    hs = h[order]
    new = np.concatenate([[True], hs[1:] != hs[:-1]])
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    size = np.diff(np.append(starts, n))
    check = np.flatnonzero(np.repeat(size > 1, size))  # rows sharing a hash with another
    a, b = order[check], order[starts[group[check]]]
    rows = np.ascontiguousarray(words).view(f"V{8 * words.shape[1]}").ravel()
    gid = np.empty(n, dtype=np.int64)
    if ((length[a] == length[b]) & (rows[a] == rows[b])).all():
        gid[order] = group
        return gid, len(starts)
    keys = np.ascontiguousarray(np.column_stack([length.astype(np.uint64), words]))
    _, inv = np.unique(keys.view([("", np.uint64)] * keys.shape[1]).ravel(), return_inverse=True)
    gid[:] = inv.ravel()
    return gid, int(gid.max()) + 1


def _payload_groups(
    length: np.ndarray,
    chars: Callable[[np.ndarray, int], np.ndarray],
    payloads: Callable[[np.ndarray], list[bytes]],
) -> tuple[np.ndarray, int]:
    """Group ids of equal payloads: ``chars(rows, width)`` gives the characters of the
    payloads at ``rows``, ``payloads(rows)`` the payloads themselves (for those over
    :data:`MAX_PAYLOAD` characters); payloads of different length classes differ."""
    gid = np.zeros(len(length), dtype=np.int64)
    total = 0
    for lo, hi in ((0, 32), (32, MAX_PAYLOAD)):
        rows = np.flatnonzero((length > lo) & (length <= hi))
        if len(rows):
            g, n = _groups(length[rows], _key_rows(chars(rows, hi)))
            gid[rows] = g + total
            total += n
    rows = np.flatnonzero(length > MAX_PAYLOAD)
    ids: dict[bytes, int] = {}
    for r, payload in zip(rows.tolist(), payloads(rows), strict=True):
        gid[r] = total + ids.setdefault(payload, len(ids))
    return gid, total + len(ids)


# ---------------------------------------------------------------------------------------------
# Duplicates over all messages
# ---------------------------------------------------------------------------------------------


def duplicates(length: np.ndarray, words: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Which messages (in arrival order) are copies by the general path's rule
    (:class:`navwatch.io.nmea._Seen`): the same payload (``length`` and ``words``, any exact
    encoding of it) last kept at most :data:`~navwatch.io.nmea.DUPLICATE_WINDOW_NS` away.

    Examples
    --------
    >>> w = np.array([[1], [1], [2], [1]], dtype=np.uint64)
    >>> duplicates(np.full(4, 28), w, np.array([0, 10**9, 10**9, 4 * 10**9])).tolist()
    [False, True, False, False]
    """
    gid, ngroups = _groups(length, words)
    return _duplicates(gid, ngroups, time)


def _duplicates(gid: np.ndarray, ngroups: int, time: np.ndarray) -> np.ndarray:
    """:func:`duplicates` of payload groups. Vectorised over the groups, one rank at a time.

    The general path forgets old payloads when it holds more than
    :data:`~navwatch.io.nmea.SEEN_MAX`; that can change a decision only where receive times
    jump back by more than ``SEEN_KEEP_NS - DUPLICATE_WINDOW_NS``: then its own rule is run,
    message by message.
    """
    n = len(gid)
    if n and ngroups > _nmea.SEEN_MAX:
        back = np.maximum.accumulate(time)[:-1] - time[1:]
        if back.max(initial=0) > _nmea.SEEN_KEEP_NS - DUPLICATE_WINDOW_NS:
            seen = _Seen()
            return np.fromiter(
                (seen.duplicate(g, t) for g, t in zip(gid.tolist(), time.tolist(), strict=True)),
                dtype=bool,
                count=n,
            )
    return _last_kept(gid, ngroups, time)


def _last_kept(gid: np.ndarray, ngroups: int, time: np.ndarray) -> np.ndarray:
    """:func:`_duplicates` without forgetting: the ``r``-th message of every group at once
    (ranks beyond :data:`_RANKS` one by one)."""
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
# Decoding: bit fields, positions, static data
# ---------------------------------------------------------------------------------------------


def _armoured(m: np.ndarray) -> np.ndarray:
    """Which bytes are characters of the 6-bit alphabet ('0'..'W', '`'..'w')."""
    return ((m - np.uint8(48)) < 40) | ((m - np.uint8(96)) < 24)


def _six(chars: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Payload characters (rows) as 6-bit values, zeros after the payload; the width rounded up
    to a multiple of 10."""
    n, width = chars.shape
    v = np.zeros((n, -(-width // 10) * 10), dtype=np.uint8)
    v[:, :width] = _SIX_VALUE[chars] * (np.arange(width) < length[:, None])
    return v


def _words(v: np.ndarray) -> np.ndarray:
    """6-bit values (rows, :func:`_six`) as 60-bit words of 10 values, the first in the high
    bits (as pyais' word bit vector)."""
    w = np.zeros((len(v), v.shape[1] // 10), dtype=np.uint64)
    for j in range(10):
        w = (w << np.uint64(6)) | v[:, j::10]
    return w


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
    """Columns of position reports of types 1-3 and 18/19 (the same layout), with pyais'
    conversions and the general path's "not available" rules
    (:meth:`navwatch.io.nmea._Parser._position`)."""
    class_b = mtype >= 18

    def field(off: int, off_b: int, width: int, signed: bool = False) -> np.ndarray:
        v = np.where(class_b, _bits(w, off_b, width), _bits(w, off, width))
        return _signed(v, width) if signed else v

    lon, lat = field(61, 57, 28, True), field(89, 85, 27, True)
    sog = field(50, 46, 10) / 10.0
    cog = field(116, 112, 12) / 10.0
    hdg = field(128, 124, 9).astype(np.float64)
    return {
        "mmsi": _bits(w, 8, 30),
        # pyais: round(v / 600000, 6), computed exactly as ((10 v + 3) // 6) / 1e6
        "lat": ((10 * lat + 3) // 6) / 1e6,
        "lon": ((10 * lon + 3) // 6) / 1e6,
        "sog": np.where(sog >= 102.3, np.nan, sog),
        "cog": np.where(cog >= 360, np.nan, cog),
        "hdg": np.where(hdg >= 360, np.nan, hdg),
        "status": _STATUS[_bits(w, 38, 4)],
        "status_na": class_b,
    }


def _text(v: np.ndarray, off: int, nchars: int) -> tuple[np.ndarray, np.ndarray]:
    """(text, non-empty) of the 6-bit text field at bit ``off`` of 6-bit values ``v`` (rows), as
    the general path keeps it (pyais' ``get_str``, then :func:`navwatch.io.nmea._text`): up to
    the first '@', spaces stripped."""
    c, r = divmod(off, 6)
    six = v[:, c : c + nchars]
    if r:
        six = ((six << np.uint8(r)) | (v[:, c + 1 : c + nchars + 1] >> np.uint8(6 - r))) & np.uint8(
            63
        )
    ch = _TEXT[six]
    col = np.arange(nchars)
    at = six == 0
    cut = np.where(at.any(axis=1), at.argmax(axis=1), nchars)
    word = (ch != 32) & (col < cut[:, None])
    has = word.any(axis=1)
    lead = word.argmax(axis=1)
    tail = nchars - word[:, ::-1].argmax(axis=1)
    out = np.take_along_axis(ch, np.minimum(col + lead[:, None], nchars - 1), axis=1)
    out[col >= (tail - lead)[:, None]] = 0
    return np.ascontiguousarray(out).view(f"S{nchars}").ravel(), has


def _statics(
    v: np.ndarray, w: np.ndarray, mtype: np.ndarray, bits: np.ndarray
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(field, rows, values) of the non-empty static fields of type 5, 24 (parts A and B) and 19
    messages (6-bit values ``v``, words ``w``, ``bits`` long), normalised as
    :meth:`navwatch.io.nmea._Parser._remember` keeps them."""
    part = _bits(w, 38, 2)
    t5, t19 = np.flatnonzero(mtype == 5), np.flatnonzero(mtype == 19)
    a24, b24 = (
        np.flatnonzero((mtype == 24) & (part == 0)),
        np.flatnonzero((mtype == 24) & (part == 1)),
    )
    out = []
    for key, rows, off, n in (("name", t5, 112, 20), ("name", t19, 143, 20), ("name", a24, 40, 20),
                              ("callsign", t5, 70, 7), ("callsign", b24, 90, 7)):  # fmt: skip
        text, has = _text(v[rows], off, n)
        out.append((key, rows[has], text[has]))
    # types 5 and 19 map the ship type code through pyais' ShipType (unknown -> 0); 24 keeps it
    for key, rows, value in (
        ("imo", t5, _bits(w[t5], 40, 30)),
        ("ship_type", t5, _SHIP_TYPE[_bits(w[t5], 232, 8)]),
        ("ship_type", t19, _SHIP_TYPE[_bits(w[t19], 263, 8)]),
        ("ship_type", b24, _bits(w[b24], 40, 8)),
    ):
        out.append((key, rows[value != 0], value[value != 0]))
    mmsi = _bits(w, 8, 30)
    aux = (mmsi >= 980_000_000) & (mmsi <= 989_999_999)  # 24 B: the mother ship's MMSI there
    for rows in (t5, t19, b24[~aux[b24]]):
        out += _dimensions(w[rows], rows, int(mtype[rows[0]]), bits[rows]) if len(rows) else []
    return out


def _dimensions(
    w: np.ndarray, rows: np.ndarray, msg_type: int, bits: np.ndarray
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``length_m`` (A + B) and ``beam_m`` (C + D) of messages ``rows`` of one type, as
    :func:`navwatch.io.nmea._dimensions` gives them: both parts > 0, and only from messages long
    enough to hold all four fields."""
    at = _nmea.DIMENSION_BITS[msg_type]
    whole = bits >= at + 30
    a, b = _bits(w, at, 9), _bits(w, at + 9, 9)
    c, d = _bits(w, at + 18, 6), _bits(w, at + 24, 6)
    out = []
    for key, x, y in (("length_m", a, b), ("beam_m", c, d)):
        ok = whole & (x > 0) & (y > 0)
        out.append((key, rows[ok], (x + y)[ok].astype(np.float64)))
    return out


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
    >>> line = b"\\\\c:1452468552*53\\\\!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E\\n"
    >>> df, q = parse_bytes(line, "x")
    >>> int(df["mmsi"].iloc[0]), df.attrs["nmea_stats"]["fast_lines"], len(q)
    (310327000, 1, 0)
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    sources = {"AIS": 0}
    starts, ends, slow, fr = _scan(buf, b"\r" in data, sources)
    parser = _Parser(file, defer=True)

    def text(i: int) -> str:
        if forced and i in forced:
            return forced[i]
        return data[starts[i] : ends[i]].decode("utf-8", "replace")

    lines = slow.tolist()
    if forced:
        lines = sorted(set(lines) | set(forced))
    held = [f for f in (parser.fragment(i + 1, text(i)) for i in lines) if f is not None]
    multi = fr.cnt > 1
    if multi.any() and any(f.sentence.frag_cnt > 1 for f in held):
        # a fragment the general path reads: it assembles every multi-part message
        held += [f for i in fr.line[multi].tolist() if (f := parser.fragment(i + 1, text(i)))]
        held.sort(key=lambda f: f.line)
        fr = fr.take(np.flatnonzero(~multi))
    for f in held:
        parser.assemble(f)
    padded = np.concatenate([buf, np.zeros(_PAD, dtype=np.uint8)])
    msgs = _fast_messages(parser, data, fr)
    dup_fast, dup_slow = _duplicates_of(data, padded, fr, msgs, parser.deferred)
    parser.decode_deferred(dup_slow)
    rows = _decode(parser, data, padded, fr, msgs.take(np.flatnonzero(~dup_fast)), sources)
    _count(parser, msgs, dup_fast)
    frame = parser.finish(more=rows)
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


def _fast_messages(parser: _Parser, data: bytes, fr: _Frags) -> _Msgs:
    """Assemble the fragments read here; report lost fragments and messages without a time to
    the parser (as the general path would, at the same lines) and count the lines."""
    multi = np.flatnonzero(fr.cnt > 1)
    sub = fr.take(multi)
    members, lost, at_end = _assemble(sub)
    members = np.where(members >= 0, multi[np.maximum(members, 0)], -1)

    def report(i: int, code: str, why: str) -> None:
        text = data[fr.start[i] : fr.end[i]].decode("ascii")
        if code == "missing_fragment":
            seq = int(fr.seq[i])
            chan = int(fr.chan[i])
            channel = "".join(chr((chan >> (2 + 7 * j)) & 127) for j in range(chan & 3))
            why = _lost_reason(
                int(fr.num[i]), int(fr.cnt[i]), None if seq < 0 else seq, channel, why
            )
        parser._reject_line(int(fr.line[i]) + 1, code, why, text)

    for at, i, why in lost:
        parser._at = at
        report(int(multi[i]), "missing_fragment", why)
    msgs = _messages(fr, members)
    for m in np.flatnonzero(~msgs.timed).tolist():
        parser._at = int(msgs.line[m]) + 1
        for i in msgs.members[m, : msgs.nfrag[m]].tolist():
            report(i, "no_time", _nmea.NO_TIME_REASON)
    parser._at = sys.maxsize  # open at the end: reported after everything else
    for i in at_end:
        report(int(multi[i]), "missing_fragment", "the message was never completed")
    n = len(fr.line)
    for key, value in (("lines", n), ("fast_lines", n), ("timed_lines", int(fr.timed.sum()))):
        parser.stats[key] += value
    return msgs.take(np.flatnonzero(msgs.timed))


def _duplicates_of(
    data: bytes,
    padded: np.ndarray,
    fr: _Frags,
    msgs: _Msgs,
    deferred: list[tuple[list, int, bytes]],
) -> tuple[np.ndarray, np.ndarray]:
    """Copies among the messages read here and those the general path holds, in line order
    (each message at the line of its last fragment)."""
    slow = [payload for _, _, payload in deferred]
    n_slow = np.fromiter(map(len, slow), dtype=np.int64, count=len(slow))
    slow_buf = np.frombuffer(b"".join(slow) + bytes(_PAD), dtype=np.uint8)
    slow_at = np.concatenate([[0], np.cumsum(n_slow)[:-1]]).astype(np.int64)
    nf = len(msgs.line)
    length, time = msgs.length, msgs.time
    order = None
    if deferred:  # both kinds of messages, in line order
        line = np.concatenate([msgs.line, [frags[-1].line - 1 for frags, _, _ in deferred]])
        order = np.argsort(line, kind="stable")
        length = np.concatenate([length, n_slow])[order]
        time = np.concatenate([time, [t for _, t, _ in deferred]]).astype(np.int64)[order]

    def chars(rows: np.ndarray, width: int) -> np.ndarray:
        i = rows if order is None else order[rows]
        mine = i < nf
        if mine.all():
            return _chars(padded, fr, msgs.members[i], width)
        out = np.zeros((len(rows), width), dtype=np.uint8)
        out[mine] = _chars(padded, fr, msgs.members[i[mine]], width)
        theirs = i[~mine] - nf
        got = _windows(slow_buf, width)[slow_at[theirs]]
        out[~mine] = np.where(np.arange(width) < n_slow[theirs][:, None], got, 0)
        return out

    def payloads(rows: np.ndarray) -> list[bytes]:
        i = rows if order is None else order[rows]
        return [
            slow[k - nf] if k >= nf else _payload(data, fr, msgs.members[k]) for k in i.tolist()
        ]

    gid, ngroups = _payload_groups(length, chars, payloads)
    dup = _duplicates(gid, ngroups, time)
    if order is not None:
        dup[order] = dup.copy()
    return dup[:nf], dup[nf:]


def _payload(data: bytes, fr: _Frags, members: np.ndarray) -> bytes:
    """The joined payload of one message."""
    return b"".join(data[fr.pa[i] : fr.pa[i] + fr.plen[i]] for i in members[members >= 0].tolist())


def _text_of(data: bytes, fr: _Frags, members: np.ndarray) -> str:
    """The lines of a message's fragments, joined by newlines (its quarantine ``raw``)."""
    return "\n".join(
        data[fr.start[i] : fr.end[i]].decode("ascii") for i in members[members >= 0].tolist()
    )


def _count(parser: _Parser, msgs: _Msgs, dup: np.ndarray) -> None:
    """Add the (timed) messages read here and their copies to the parser's accounting."""
    st = parser.stats
    st["messages"] += len(msgs.line)
    st["fragments"] += int(msgs.nfrag.sum())
    st["duplicates_dropped"] += int(dup.sum())
    parser.fates["duplicate"] += int(msgs.nfrag[dup].sum())


def _decode(
    parser: _Parser,
    data: bytes,
    padded: np.ndarray,
    fr: _Frags,
    msgs: _Msgs,
    sources: dict[str, int],
) -> _Rows:
    """Decode the kept messages read here: positions become rows, static data goes to the
    parser (with the line it came from), other types are counted; the rest are decoded by the
    general path (pyais)."""
    bits, mtype = msgs.bits, msgs.mtype
    position = np.isin(mtype, (1, 2, 3, 18)) & (bits == 168)
    wide = np.flatnonzero(
        ((mtype == 19) & (bits >= 271)) | ((mtype == 5) & (bits >= 240)) | (mtype == 24)
    )
    v_wide = _six(_chars(padded, fr, msgs.members[wide], MAX_PAYLOAD), msgs.length[wide])
    w_wide = _words(v_wide)
    part = _bits(w_wide, 38, 2)
    ok24 = ((part == 0) & (bits[wide] >= 160)) | ((part == 1) & (bits[wide] >= 132))
    keep = (mtype[wide] != 24) | ok24
    wide, v_wide, w_wide = wide[keep], v_wide[keep], w_wide[keep]
    static = np.zeros(len(mtype), dtype=bool)
    static[wide] = mtype[wide] != 19
    counted = _COUNTED_ONLY[mtype] & (bits >= 6)
    done = position | counted
    done[wide] = True
    by_type = np.bincount(mtype[done], minlength=64)
    for t in np.flatnonzero(by_type).tolist():
        parser.types[t] = parser.types.get(t, 0) + int(by_type[t])
    for key, n in (("statics", static), ("other_types", counted)):
        parser.stats[key] += int(n.sum())
    parser.fates["static"] += int(msgs.nfrag[static].sum())
    parser.fates["other_type"] += int(msgs.nfrag[counted].sum())
    _learn(parser, msgs.take(wide), v_wide, w_wide)
    for m in np.flatnonzero(~done).tolist():  # the general path decodes these with pyais
        frags = [_read_line(int(fr.line[i]) + 1, data[fr.start[i] : fr.end[i]].decode("ascii"))
                 for i in msgs.members[m, : msgs.nfrag[m]].tolist()]  # fmt: skip
        parser._at = int(msgs.line[m]) + 1
        parser._decode([f for f in frags if f is not None], int(msgs.time[m]))
    pos = np.flatnonzero(position)
    t19 = wide[mtype[wide] == 19]
    single = msgs.nfrag[pos] == 1  # 28 characters from the payload's start; no need to join
    v = np.empty((len(pos), 30), dtype=np.uint8)
    v[single] = _SIX_VALUE[_windows(padded, 30)[fr.pa[msgs.members[pos[single], 0]]]]
    v[~single] = _six(_chars(padded, fr, msgs.members[pos[~single]], 30), msgs.length[pos[~single]])
    w = np.concatenate([_words(v), w_wide[mtype[wide] == 19][:, :3]])
    rows = np.concatenate([pos, t19])
    order = np.argsort(rows, kind="stable")  # messages are in line order
    return _rows(data, fr, msgs.take(rows[order]), w[order], list(sources))


def _learn(parser: _Parser, msgs: _Msgs, v: np.ndarray, w: np.ndarray) -> None:
    """Give the parser the latest value of each static field per MMSI among ``msgs``."""
    mmsi = _bits(w, 8, 30)
    found: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for key, rows, values in _statics(v, w, msgs.mtype, msgs.bits):
        found.setdefault(key, []).append((rows, values))
    for key, parts in found.items():
        rows = np.concatenate([r for r, _ in parts])
        values = np.concatenate([x for _, x in parts])
        order = np.lexsort((msgs.line[rows], mmsi[rows]))
        rows, values = rows[order], values[order]
        last = np.append(mmsi[rows][1:] != mmsi[rows][:-1], True) if len(rows) else rows > 0
        for m, x, line in zip(
            mmsi[rows[last]].tolist(),
            values[last].tolist(),
            msgs.line[rows[last]].tolist(),
            strict=True,
        ):
            value = (
                x.decode("ascii") if isinstance(x, bytes) else (str(x) if key == "ship_type" else x)
            )
            parser.learn(m, key, value, line + 1)


def _rows(data: bytes, fr: _Frags, msgs: _Msgs, w: np.ndarray, sources: list[str]) -> _Rows:
    """Position rows of messages (``w``: their first three words)."""
    c = _positions(w, msgs.mtype)
    members = msgs.members

    def raw(i: np.ndarray) -> list[str]:
        return [_text_of(data, fr, members[k]) for k in i.tolist()]

    return _Rows(
        time=msgs.time,
        **c,
        source=msgs.source,
        line=msgs.line + 1,
        nfrag=msgs.nfrag.astype(np.int64),
        raw=raw,
        sources=sources,
    )
