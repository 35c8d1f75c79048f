"""Raw NMEA 0183 AIS reader (``!AIVDM``/``!AIVDO`` sentences, any talker).

Two paths give the same result: :mod:`navwatch.io.nmea_fast` (the default) reads the common
framings with numpy over the whole text and hands every other line to the general path here,
which reads line by line and decodes with pyais (``fast=False`` or ``NAVWATCH_NMEA_FAST=0``).
Both feed one finishing step (:meth:`_Parser.finish`).

A line is ``[receive time] [\\tag block\\] sentence [trailer]``:

* receive time (first that is present wins): tag block ``c:`` (Unix seconds, or milliseconds when
  > 1e11); a leading Unix time (``1452468552.938 !AIVDM,...``) or ISO 8601 time
  (``2024-12-02T06:00:00Z !AIVDM,...``, ``2024-12-02 06:00:00.123 ,!AIVDM,...``; naive = UTC;
  space, tab, ``,``, ``;`` or ``|`` as separator); a trailing Unix time after the checksum as in
  USCG NAIS logs (``!AIVDM,...,0*5C,b003669710,1428883199``);
* tag block ``s:`` names the receiver; rows then carry ``source = "AIS:<s>"``.

Multi-part messages are assembled by (fragment count, sequence id, channel), whatever the talker,
so interleaved messages on different sequence ids assemble independently. Position reports
(types 1, 2, 3, 18, 19, 27) become rows; static data (types 5, 24 and the static half of 19:
IMO, call sign, name, ship type and the dimensions ``length_m`` = A + B, ``beam_m`` = C + D) is
attached to every position row of the same MMSI in the file, the latest non-empty value of each
field. Everything else is counted.

Position reports from stations that are not vessels by their MMSI (ITU-R M.585: coast stations,
SAR aircraft, aids to navigation, AIS-SART/MOB/EPIRB, ...; see :mod:`navwatch.io.mmsi`) are skipped
and counted by class; malformed MMSIs (more than 9 or fewer than 6 digits, ...) are quarantined
as ``bad_mmsi``. Rows kept with a nonstandard 9-digit MMSI (first digit not 2-7, e.g. the ``8...``
of a misconfigured transponder) are counted as ``nonstandard_mmsi``.

Accounting (``df.attrs["nmea_stats"]``), which tests check on the real slice and random input::

    lines    = other_sentences + fragments + quarantined_lines
    lines    = sum(lines_by_fate.values())
    messages = positions + statics + other_types + duplicates_dropped + skipped_non_vessel
               + quarantined_messages
    quarantined = quarantined_lines + quarantined_messages + read_errors

``lines`` counts non-empty lines; ``fragments`` the lines that went into an assembled, timed
message; ``positions`` the rows returned. ``quarantined_lines`` are rejected line by line
(``parse_error``, ``bad_checksum``, ``empty_payload``, ``missing_fragment``, ``no_time``);
``quarantined_messages`` are assembled messages rejected whole (undecodable payload,
``no_position``/``bad_position``, ``bad_mmsi``). ``lines_by_fate`` gives every line one fate:
``position`` (in a returned row), ``static`` (types 5/24), ``other_type`` (counted by type in
``types``), ``duplicate``, ``non_vessel`` (skipped station), ``other_sentence`` (not AIS) or
``quarantined``. ``timed_lines`` counts the AIS sentences that carried a receive time: a file
where none does is one :class:`~navwatch.errors.IngestError` (:func:`read_nmea`), not a
quarantine row per line. ``fast_lines`` counts the lines decoded by the vectorised path
(:mod:`navwatch.io.nmea_fast`, the default; 0 on the general path): everything else in the
table, the quarantine and these counts is the same on both paths.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyais.messages import AISSentence

from ..errors import IngestError
from ..geodesy import NS_PER_S
from ..quarantine import Quarantine
from ..schema import conform
from ._common import (
    Source,
    as_source,
    open_binary,
    open_text,
    position_problems,
    split_valid,
)
from .mmsi import BAD, NON_VESSEL_CLASSES, bad_mmsi_reason, classify_mmsi, count_nonstandard
from .times import EPOCH_TEXT as _EPOCH
from .times import ISO_TEXT as _ISO
from .times import epoch_text_ns as _epoch_ns
from .times import iso_text_ns as _iso_ns

__all__ = ["looks_like_nmea", "parse_lines", "read_nmea"]

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})
#: Two copies of the same payload received at most this far apart are one message.
DUPLICATE_WINDOW_NS = 2 * NS_PER_S
#: Memory bound of the duplicate rule: with more payloads than this remembered, those kept more
#: than ``SEEN_KEEP_NS`` away from the current message are forgotten.
SEEN_MAX = 500_000
SEEN_KEEP_NS = 60 * NS_PER_S
#: Environment variable that, set to ``0``, makes :func:`read_nmea` and :func:`parse_lines` use
#: the general (line by line, pyais) path instead of :mod:`navwatch.io.nmea_fast`.
FAST_ENV = "NAVWATCH_NMEA_FAST"
NO_TIME_REASON = "no receive time (no tag block c: and no leading timestamp)"

_COLUMNS = [
    "time", "lat", "lon", "kind", "mmsi", "imo", "callsign", "name", "ship_type",
    "sog_kn", "cog_deg", "heading_deg", "nav_status", "length_m", "beam_m", "source", "src_file",
    "src_line",
]  # fmt: skip
#: Static fields kept per MMSI and attached to its position rows (latest non-empty value).
STATIC_FIELDS = ("imo", "callsign", "name", "ship_type", "length_m", "beam_m")
#: First bit of the AIS dimensions (A to bow 9 bits, B to stern 9, C to port 6, D to
#: starboard 6: 30 bits in all) by message type (24: part B). A message too short to hold all
#: four gives no dimensions (pyais would read a cut field as a smaller number).
DIMENSION_BITS = {5: 240, 19: 271, 24: 132}
_STATS_KEYS = [
    "lines", "other_sentences", "fragments", "messages", "positions", "statics", "other_types",
    "duplicates_dropped", "skipped_non_vessel", "nonstandard_mmsi", "quarantined", "quarantined_lines",
    "quarantined_messages", "read_errors", "timed_lines", "fast_lines",
]  # fmt: skip
_FATES = [
    "position",
    "static",
    "other_type",
    "duplicate",
    "non_vessel",
    "other_sentence",
    "quarantined",
]

_SENTENCE_START = re.compile(r"[!$\\]")
_PAYLOAD_OK = re.compile(rb"[0-W`-w]*")  # the 6-bit "armoured" ASCII alphabet
_TRAILING_EPOCH = re.compile(r"[,\s](\d{10}(?:\.\d+)?)\s*$")
_PREFIX_SEPARATORS = " \t,;|[]"
_NS = NS_PER_S
_TEXT_DTYPE = pd.Index(["x"]).dtype  # this pandas' default dtype for text (as navwatch.schema)


class _Reject(Exception):
    """A line that cannot be used: quarantine ``code`` with ``reason``; ``timed`` when it is an
    AIS sentence with a receive time (counted as such)."""

    def __init__(self, code: str, reason: str, *, timed: bool = False):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.timed = timed


@dataclass(slots=True)
class _Fragment:
    line: int
    text: str
    time_ns: int | None
    source: str | None
    sentence: AISSentence


# ---------------------------------------------------------------------------------------------
# Line level: split, checksum, time
# ---------------------------------------------------------------------------------------------


def _checksum(text: str) -> int:
    return reduce(xor, text.encode("ascii", "replace"), 0)


def _prefix_ns(prefix: str) -> int | None:
    """Receive time from the text before the sentence; None when there is no text."""
    text = prefix.strip(_PREFIX_SEPARATORS)
    if not text:
        return None
    if _EPOCH.fullmatch(text):
        ns = _epoch_ns(text)
        if ns is not None:
            return ns
    else:
        m = _ISO.fullmatch(text)
        if m:
            ns = _iso_ns(m)
            if ns is not None:
                return ns
    raise _Reject("parse_error", f"unrecognised text before the NMEA sentence: {text[:40]!r}")


def _tag_block(tag: str) -> tuple[int | None, str | None]:
    """(c: time in ns, s: source) of a tag block's content (between the backslashes)."""
    body, star, chk = tag.partition("*")
    if star:
        try:
            expected = int(chk, 16)
        except ValueError:
            raise _Reject("parse_error", f"tag block checksum {chk!r} is not hex") from None
        actual = _checksum(body)
        if len(chk) != 2 or actual != expected:
            raise _Reject(
                "bad_checksum", f"tag block checksum {chk} does not match computed {actual:02X}"
            )
    time_ns = source = None
    for field in body.split(","):
        code, _, value = field.partition(":")
        if code == "c":
            time_ns = _epoch_ns(value)
            if time_ns is None:
                raise _Reject("parse_error", f"tag block c:{value!r} is not a Unix time")
        elif code == "s" and value:
            source = value
    return time_ns, source


def _split(line: str) -> tuple[str, int | None, str | None]:
    """(sentence, receive time ns or None, tag-block source or None) of a stripped line.

    Raises :class:`_Reject` for garbled lines and bad checksums.
    """
    m = _SENTENCE_START.search(line)
    if m is None:
        raise _Reject("parse_error", "no NMEA sentence (!.../$...) found")
    i = m.start()
    prefix = line[:i]
    tag_ns = source = None
    if line[i] == "\\":
        j = line.find("\\", i + 1)
        if j < 0:
            raise _Reject("parse_error", "unterminated tag block")
        tag_ns, source = _tag_block(line[i + 1 : j])
        i = j + 1
        while i < len(line) and line[i] in " \t":
            i += 1
    rest = line[i:]
    if not rest or rest[0] not in "!$":
        raise _Reject("parse_error", "no NMEA sentence after the tag block")
    k = rest.find("*")
    if k < 0 or len(rest) < k + 3:
        raise _Reject("parse_error", "NMEA sentence has no *hh checksum (truncated?)")
    try:
        expected = int(rest[k + 1 : k + 3], 16)
    except ValueError:
        raise _Reject("parse_error", f"checksum {rest[k + 1 : k + 3]!r} is not hex") from None
    sentence, trailer = rest[: k + 3], rest[k + 3 :]
    if not sentence.isascii():
        raise _Reject("parse_error", "non-ASCII character in NMEA sentence")
    actual = _checksum(sentence[1:k])
    if actual != expected:
        raise _Reject(
            "bad_checksum", f"checksum {expected:02X} does not match computed {actual:02X}"
        )
    time_ns = tag_ns
    prefix_ns = _prefix_ns(prefix)  # validated even when the tag block has the time
    if time_ns is None:
        time_ns = prefix_ns
    if time_ns is None and trailer:
        t = _TRAILING_EPOCH.search(trailer)
        time_ns = _epoch_ns(t.group(1)) if t else None
    return sentence, time_ns, source


def _is_ais(sentence: str) -> bool:
    head = sentence[: sentence.find(",")]
    return len(head) == 6 and head[3:].upper() in ("VDM", "VDO")


def _read_line(lineno: int, line: str) -> _Fragment | None:
    """The AIS fragment of a stripped line; None for another NMEA sentence.

    Raises :class:`_Reject` for garbled lines, bad checksums and AIS sentences that pyais
    cannot use (``timed`` if such a sentence carried a receive time).
    """
    sentence, time_ns, source = _split(line)
    if not _is_ais(sentence):
        return None
    timed = time_ns is not None
    try:
        s = AISSentence(sentence.encode("ascii"))
    except Exception as exc:  # pyais raises several types for malformed fields
        raise _Reject("parse_error", f"malformed AIS sentence: {exc}", timed=timed) from None
    if not s.payload:
        raise _Reject(
            "empty_payload", "AIS sentence with an empty payload (no message)", timed=timed
        )
    if not _PAYLOAD_OK.fullmatch(s.payload):
        raise _Reject("parse_error", "invalid character in the 6-bit AIS payload", timed=timed)
    return _Fragment(lineno, line, time_ns, source, s)


def _lost_reason(frag_num: int, frag_cnt: int, seq_id: int | None, channel: str, why: str) -> str:
    return (
        f"fragment {frag_num} of {frag_cnt} (sequence {seq_id}, channel {channel or '-'}) "
        f"lost: {why}"
    )


# ---------------------------------------------------------------------------------------------
# Message level: assembly, de-duplication, decoding
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """AIS text without '@' padding and whitespace; None when empty."""
    if not value:
        return None
    out = str(value).split("@", 1)[0].strip()
    return out or None


def _sum(a: Any, b: Any) -> float | None:
    """A + B of two AIS dimensions when both are > 0 (0 = not available), else None. 511 (A,
    B) and 63 (C, D) mean "that or more": kept, so the sum is a lower bound."""
    return float(a + b) if a is not None and b is not None and a > 0 and b > 0 else None


def _dimensions(msg: Any, msg_type: int, nbits: int) -> dict[str, float | None]:
    """``length_m`` (A + B) and ``beam_m`` (C + D) of a type 5, 19 or 24 part B message of
    ``nbits`` bits; none when the message is too short (:data:`DIMENSION_BITS`) or is a 24 B of
    an auxiliary craft (pyais then reads the mother ship's MMSI there, not dimensions)."""
    if nbits < DIMENSION_BITS[msg_type] + 30 or getattr(msg, "to_bow", None) is None:
        return {}
    return {
        "length_m": _sum(msg.to_bow, msg.to_stern),
        "beam_m": _sum(msg.to_port, msg.to_starboard),
    }


def _float(value: Any, not_available: float) -> float:
    """``value`` as float, NaN when missing or at/above the 'not available' sentinel."""
    if value is None:
        return np.nan
    v = float(value)
    return np.nan if v >= not_available else v


class _Seen:
    """The duplicate rule: a message is a copy when the same payload was last *kept* at most
    :data:`DUPLICATE_WINDOW_NS` away. Keys are payloads (or any exact stand-in for them).

    To bound memory, once more than :data:`SEEN_MAX` payloads are remembered, those kept more
    than :data:`SEEN_KEEP_NS` away from the current message are forgotten; that can only change
    a decision where the receive times jump back by more than ``SEEN_KEEP_NS -
    DUPLICATE_WINDOW_NS`` (:func:`navwatch.io.nmea_fast.duplicates` relies on this).
    """

    def __init__(self) -> None:
        self.kept: dict[Hashable, int] = {}

    def duplicate(self, key: Hashable, time_ns: int) -> bool:
        """True if ``key`` at ``time_ns`` is a copy; otherwise it becomes the kept one."""
        first = self.kept.get(key)
        if first is not None and abs(time_ns - first) <= DUPLICATE_WINDOW_NS:
            return True
        if len(self.kept) > SEEN_MAX:
            self.kept = {p: t for p, t in self.kept.items() if abs(time_ns - t) <= SEEN_KEEP_NS}
        self.kept[key] = time_ns
        return False


@dataclass
class _Rows:
    """Position rows in message order, before the checks of :meth:`_Parser.finish`.

    ``source`` indexes ``sources`` (``"AIS"`` or ``"AIS:<s>"``); ``raw(i)`` gives the original
    text (fragments joined by newlines) of the rows at positions ``i``, asked only for the rows
    that go to the quarantine.
    """

    time: np.ndarray  # int64 ns
    lat: np.ndarray
    lon: np.ndarray
    mmsi: np.ndarray  # int64
    sog: np.ndarray
    cog: np.ndarray
    hdg: np.ndarray
    status: np.ndarray  # int16, with status_na
    status_na: np.ndarray
    source: np.ndarray  # int64 index into sources
    line: np.ndarray  # int64, of the last fragment
    nfrag: np.ndarray  # int64
    raw: Callable[[np.ndarray], list[str]]
    sources: list[str]

    _ARRAYS = ("time", "lat", "lon", "mmsi", "sog", "cog", "hdg", "status", "status_na",
               "source", "line", "nfrag")  # fmt: skip

    def __len__(self) -> int:
        return len(self.line)

    def take(self, i: np.ndarray) -> _Rows:
        """The rows at positions ``i``."""
        old = self.raw
        return _Rows(
            **{k: getattr(self, k)[i] for k in self._ARRAYS},
            raw=lambda j: old(i[j]),
            sources=self.sources,
        )

    def merged(self, other: _Rows) -> _Rows:
        """Both sets of rows, in line order (the order their messages were completed in)."""
        n = len(self)
        if n == 0:
            return other
        sources = list(self.sources)
        index = {name: k for k, name in enumerate(sources)}
        remap = np.asarray([index.setdefault(x, len(index)) for x in other.sources], dtype=np.int64)
        sources += list(index)[len(sources) :]
        order = np.argsort(np.concatenate([self.line, other.line]), kind="stable")
        fields = {
            k: np.concatenate([getattr(self, k), getattr(other, k)])[order] for k in self._ARRAYS
        }
        fields["source"] = np.concatenate([self.source, remap[other.source]])[order]

        def raw(i: np.ndarray) -> list[str]:
            j = order[i]
            out = np.empty(len(j), dtype=object)
            mine = j < n
            out[mine] = self.raw(j[mine])
            out[~mine] = other.raw(j[~mine] - n)
            return list(out)

        return _Rows(**fields, raw=raw, sources=sources)


class _Parser:
    """The general path: one line at a time, decoded with pyais.

    With ``defer=True`` complete messages are only collected (:attr:`deferred`) and
    :meth:`decode_deferred` decodes them once the duplicates are known; the fast path
    (:mod:`navwatch.io.nmea_fast`) feeds it the lines it does not decode itself.
    """

    def __init__(self, file: str, *, defer: bool = False) -> None:
        self.file = file
        self.defer = defer
        self.quarantine = Quarantine()
        self.stats = dict.fromkeys(_STATS_KEYS, 0)
        self.fates = dict.fromkeys(_FATES, 0)
        self.by_class: dict[str, int] = {}
        self.types: dict[int, int] = {}
        self.pending: dict[tuple[int, int | None, str], list[_Fragment]] = {}
        self.seen = _Seen()
        self.deferred: list[tuple[list[_Fragment], int, bytes]] = []
        # static data by MMSI and field: (line of the message, value)
        self.static: dict[int, dict[str, tuple[int, Any]]] = {}
        self.cols: dict[str, list[Any]] = {
            k: []
            for k in ("time", "lat", "lon", "mmsi", "sog", "cog", "hdg", "status", "source", "line", "nfrag")
        }  # fmt: skip
        self.raw: list[str] = []
        # quarantine rows with the line being read when they were found, put in that order
        self._events: list[tuple[int, tuple[int | None, str, str, str]]] = []
        self._at = 0

    # -- rejects ------------------------------------------------------------------------------
    def _reject_line(self, line: int, code: str, reason: str, text: str) -> None:
        if not text.isascii():  # lone surrogates from str input would break the quarantine frame
            text = text.encode("utf-8", "replace").decode("utf-8")
        self._events.append((self._at, (line, code, reason, text)))
        self.stats["quarantined_lines"] += 1
        self.fates["quarantined"] += 1

    def _reject_message(self, frags: list[_Fragment], code: str, reason: str) -> None:
        raw = "\n".join(f.text for f in frags)
        self._events.append((self._at, (frags[-1].line, code, reason, raw)))
        self.stats["quarantined_messages"] += 1
        self.fates["quarantined"] += len(frags)

    def _lost(self, frags: list[_Fragment], why: str) -> None:
        for f in frags:
            s = f.sentence
            reason = _lost_reason(s.frag_num, s.frag_cnt, s.seq_id, s.channel, why)
            self._reject_line(f.line, "missing_fragment", reason, f.text)

    # -- lines --------------------------------------------------------------------------------
    def feed(self, lineno: int, text: str) -> None:
        frag = self.fragment(lineno, text)
        if frag is not None:
            self.assemble(frag)

    def fragment(self, lineno: int, text: str) -> _Fragment | None:
        """The AIS sentence of one line, counted; None for an empty line, another sentence or
        a rejected line (quarantined)."""
        line = text.strip()
        if not line:
            return None
        self._at = lineno
        self.stats["lines"] += 1
        try:
            frag = _read_line(lineno, line)
        except _Reject as r:
            self.stats["timed_lines"] += r.timed
            self._reject_line(lineno, r.code, r.reason, line)
            return None
        if frag is None:
            self.stats["other_sentences"] += 1
            self.fates["other_sentence"] += 1
            return None
        if frag.time_ns is not None:
            self.stats["timed_lines"] += 1
        return frag

    def assemble(self, frag: _Fragment) -> None:
        """Complete a message with ``frag`` (multi-part messages by count, sequence id and
        channel, whatever the talker)."""
        self._at = lineno = frag.line
        s = frag.sentence
        if s.frag_cnt == 1:
            self._message([frag])
            return
        key = (s.frag_cnt, s.seq_id, s.channel)
        open_ = self.pending.get(key)
        if s.frag_num == 1:
            if open_ is not None:
                self._lost(open_, f"a new message with the same sequence id began on line {lineno}")
            self.pending[key] = [frag]
            return
        if open_ is None or open_[-1].sentence.frag_num != s.frag_num - 1:
            if open_ is not None:
                del self.pending[key]
                self._lost(open_, f"fragment {s.frag_num - 1} never arrived")
            self._lost([frag], "the earlier fragment(s) of this message are missing")
            return
        open_.append(frag)
        if s.frag_num == s.frag_cnt:
            del self.pending[key]
            self._message(open_)

    # -- messages -----------------------------------------------------------------------------
    def _message(self, frags: list[_Fragment]) -> None:
        time_ns = next((f.time_ns for f in frags if f.time_ns is not None), None)
        if time_ns is None:
            for f in frags:
                self._reject_line(f.line, "no_time", NO_TIME_REASON, f.text)
            return
        self.stats["messages"] += 1
        self.stats["fragments"] += len(frags)
        payload = b"".join(f.sentence.payload for f in frags)
        if self.defer:
            self.deferred.append((frags, time_ns, payload))
        elif self.seen.duplicate(payload, time_ns):
            self._duplicate(len(frags))
        else:
            self._decode(frags, time_ns)

    def _duplicate(self, nfrag: int) -> None:
        self.stats["duplicates_dropped"] += 1
        self.fates["duplicate"] += nfrag

    def decode_deferred(self, duplicate: np.ndarray) -> None:
        """Decode the :attr:`deferred` messages that are not copies (``duplicate`` is aligned)."""
        for (frags, time_ns, _), dup in zip(self.deferred, duplicate.tolist(), strict=True):
            if dup:
                self._duplicate(len(frags))
            else:
                self._at = frags[-1].line
                self._decode(frags, time_ns)
        self.deferred = []

    def _decode(self, frags: list[_Fragment], time_ns: int) -> None:
        sentence = (
            frags[0].sentence
            if len(frags) == 1
            else AISSentence.assemble_from_iterable([f.sentence for f in frags])
        )
        msg_type = sentence.ais_id
        self.types[msg_type] = self.types.get(msg_type, 0) + 1
        if msg_type not in POSITION_TYPES and msg_type not in STATIC_TYPES:
            self.stats["other_types"] += 1
            self.fates["other_type"] += len(frags)
            return
        try:
            msg = sentence.decode()
        except Exception as exc:  # e.g. type 24 with part number 2 or 3
            self._reject_message(frags, "parse_error", f"cannot decode AIS type {msg_type}: {exc}")
            return
        if msg_type in POSITION_TYPES:
            self._position(frags, msg_type, msg, time_ns, len(sentence.bv))
        else:
            self._static_message(frags, msg_type, msg, len(sentence.bv))

    def _position(
        self, frags: list[_Fragment], msg_type: int, msg: Any, time_ns: int, nbits: int
    ) -> None:
        if msg.mmsi is None or msg.lat is None or msg.lon is None:
            self._reject_message(
                frags, "parse_error", f"truncated AIS type {msg_type} payload: no position"
            )
            return
        c = self.cols
        c["time"].append(time_ns)
        c["lat"].append(float(msg.lat))
        c["lon"].append(float(msg.lon))
        c["mmsi"].append(int(msg.mmsi))
        if msg_type == 27:  # long range: whole knots/degrees, 63 and 511 = not available
            c["sog"].append(_float(msg.speed, 63))
            c["cog"].append(_float(msg.course, 360))
            c["hdg"].append(np.nan)
        else:
            c["sog"].append(_float(msg.speed, 102.3))
            c["cog"].append(_float(msg.course, 360))
            c["hdg"].append(_float(msg.heading, 360))
        status = getattr(msg, "status", None)
        c["status"].append(None if status is None else int(status))
        source = next((f.source for f in frags if f.source), None)
        c["source"].append("AIS" if source is None else f"AIS:{source}")
        c["line"].append(frags[-1].line)
        c["nfrag"].append(len(frags))
        self.raw.append("\n".join(f.text for f in frags))
        if msg_type == 19:
            self._remember(
                int(msg.mmsi),
                name=msg.shipname,
                ship_type=msg.ship_type,
                **_dimensions(msg, 19, nbits),
            )

    def _static_message(self, frags: list[_Fragment], msg_type: int, msg: Any, nbits: int) -> None:
        mmsi = msg.mmsi
        if msg_type == 5:
            fields = {
                "imo": msg.imo,
                "callsign": msg.callsign,
                "name": msg.shipname,
                "ship_type": msg.ship_type,
            }
        elif msg.partno != 1:  # part A, or cut before its part number (None: no static data)
            fields = {"name": msg.shipname}
        else:
            fields = {"callsign": msg.callsign, "ship_type": msg.ship_type}
        if mmsi is None or all(v is None for v in fields.values()):
            self._reject_message(
                frags, "parse_error", f"truncated AIS type {msg_type} payload: no static data"
            )
            return
        self.stats["statics"] += 1
        self.fates["static"] += len(frags)
        if msg_type == 5 or msg.partno == 1:
            fields.update(_dimensions(msg, msg_type, nbits))
        self._remember(int(mmsi), **fields)

    def _remember(self, mmsi: int, **fields: Any) -> None:
        """Keep the latest non-empty value of each static field per MMSI."""
        known = self.static.setdefault(mmsi, {})
        for key, value in fields.items():
            if key in ("length_m", "beam_m"):
                pass  # a float or None (:func:`_dimensions`)
            elif key in ("imo", "ship_type"):
                value = None if value is None or int(value) == 0 else int(value)
                if key == "ship_type" and value is not None:
                    value = str(value)
            else:
                value = _text(value)
            if value is not None:
                self.learn(mmsi, key, value, self._at, known)

    def learn(self, mmsi: int, key: str, value: Any, line: int, known: dict | None = None) -> None:
        """Static ``key`` = ``value`` of ``mmsi`` from the message completed on ``line``: kept
        unless a later message already gave one (messages may be decoded out of order)."""
        if known is None:
            known = self.static.setdefault(mmsi, {})
        if key not in known or known[key][0] <= line:
            known[key] = (line, value)

    # -- end ----------------------------------------------------------------------------------
    def rows(self) -> _Rows:
        """The position rows decoded here, as arrays."""
        c = self.cols
        status = c["status"]
        raw = self.raw
        index: dict[str, int] = {"AIS": 0}
        source = [index.setdefault(x, len(index)) for x in c["source"]]
        return _Rows(
            time=np.asarray(c["time"], dtype=np.int64),
            lat=np.asarray(c["lat"], dtype=np.float64),
            lon=np.asarray(c["lon"], dtype=np.float64),
            mmsi=np.asarray(c["mmsi"], dtype=np.int64),
            sog=np.asarray(c["sog"], dtype=np.float64),
            cog=np.asarray(c["cog"], dtype=np.float64),
            hdg=np.asarray(c["hdg"], dtype=np.float64),
            status=np.asarray([0 if v is None else v for v in status], dtype=np.int16),
            status_na=np.asarray([v is None for v in status], dtype=bool),
            source=np.asarray(source, dtype=np.int64),
            line=np.asarray(c["line"], dtype=np.int64),
            nfrag=np.asarray(c["nfrag"], dtype=np.int64),
            raw=lambda i: [raw[k] for k in i.tolist()],
            sources=list(index),
        )

    def finish(self, more: _Rows | None = None) -> pd.DataFrame:
        """The observation table: this parser's rows (and ``more``, merged in line order)
        checked, identities attached, and the counts in ``attrs``."""
        self._at = sys.maxsize  # fragments still open at the end are lost after everything else
        for frags in self.pending.values():
            self._lost(frags, "the message was never completed")
        self.pending.clear()
        self._events.sort(key=lambda e: e[0])  # stable: the order found within a line is kept
        for _, (line, code_, reason, raw) in self._events:
            self.quarantine.add(self.file, line, code_, reason, raw)
        self._events = []
        rows = self.rows() if more is None else self.rows().merged(more)
        rows, code = self._vessels(rows)
        frame, rows = self._checked(rows, code)
        frame = self._identities(frame, rows)
        frame = conform(frame[_COLUMNS], where=self.file)
        self.stats["positions"] = len(frame)
        self.stats["nonstandard_mmsi"] = count_nonstandard(frame["mmsi"])
        self.stats["quarantined"] = len(self.quarantine)
        frame.attrs["nmea_stats"] = {
            **self.stats,
            "skipped_by_class": dict(sorted(self.by_class.items())),
            "lines_by_fate": dict(self.fates),
            "types": dict(sorted(self.types.items())),
        }
        frame.attrs["stats"] = _reader_stats(frame.attrs["nmea_stats"])
        return frame

    def _vessels(self, rows: _Rows) -> tuple[_Rows, np.ndarray]:
        """The rows without the stations that are not vessels (counted by class), and the MMSI
        class of each (:func:`~navwatch.io.mmsi.classify_mmsi`)."""
        code = classify_mmsi(rows.mmsi)
        skip = code > 0  # not a vessel (ITU-R M.585): skipped and counted, not quarantined
        if not skip.any():
            return rows, code
        for k, n_k in zip(*np.unique(code[skip], return_counts=True), strict=True):
            name = NON_VESSEL_CLASSES[int(k) - 1]
            self.by_class[name] = self.by_class.get(name, 0) + int(n_k)
        self.stats["skipped_non_vessel"] += int(skip.sum())
        self.fates["non_vessel"] += int(rows.nfrag[skip].sum())
        keep = np.flatnonzero(~skip)
        return rows.take(keep), code[keep]

    def _checked(self, rows: _Rows, code: np.ndarray) -> tuple[pd.DataFrame, _Rows]:
        """The rows with a usable position and MMSI (a frame, and as rows); the others go to
        the quarantine."""
        n = len(rows)
        no = np.zeros(n, dtype=bool)
        frame = pd.DataFrame(
            {
                "time": pd.to_datetime(rows.time, unit="ns", utc=True),
                "lat": rows.lat,
                "lon": rows.lon,
                "kind": pd.Categorical(["ais"] * n, categories=["ais", "sighting", "survey"]),
                "mmsi": pd.arrays.IntegerArray(rows.mmsi, no),
                "sog_kn": rows.sog,
                "cog_deg": rows.cog,
                "heading_deg": rows.hdg,
                "nav_status": pd.arrays.IntegerArray(rows.status, rows.status_na),
                "src_line": pd.arrays.IntegerArray(rows.line.astype(np.int32), no.copy()),
            }
        )
        problems = position_problems(frame["lat"], frame["lon"], frame["time"])
        bad_mmsi = (code == BAD) & problems["code"].isna().to_numpy()
        if bad_mmsi.any():
            problems.loc[bad_mmsi, "code"] = "bad_mmsi"
            problems.loc[bad_mmsi, "reason"] = [bad_mmsi_reason(m, m) for m in rows.mmsi[bad_mmsi]]
        bad = problems["code"].notna().to_numpy()
        raw = np.full(n, None, dtype=object)
        if bad.any():
            raw[bad] = rows.raw(np.flatnonzero(bad))
        frame = split_valid(frame, problems, self.quarantine, self.file, raw=pd.Series(raw))
        self.stats["quarantined_messages"] += int(bad.sum())
        self.fates["quarantined"] += int(rows.nfrag[bad].sum())
        self.fates["position"] += int(rows.nfrag[~bad].sum())
        return frame.reset_index(drop=True), rows.take(np.flatnonzero(~bad))

    def _identities(self, frame: pd.DataFrame, rows: _Rows) -> pd.DataFrame:
        """Attach the source, the file and the static data of each MMSI (latest non-empty value
        per field), in their final dtypes."""
        used, code = np.unique(rows.source, return_inverse=True)
        names = [rows.sources[k] for k in used.tolist()]
        rank = np.argsort(np.asarray(names, dtype=object), kind="stable")
        frame["source"] = _categorical(np.argsort(rank)[code.ravel()], [names[k] for k in rank])
        frame["src_file"] = _categorical(
            np.zeros(len(frame), dtype=np.int64), [self.file] * (len(frame) > 0)
        )
        uniq, inv = np.unique(rows.mmsi, return_inverse=True)
        empty: dict[str, tuple[int, Any]] = {}
        known = [self.static.get(m, empty) for m in uniq.tolist()]
        for key in STATIC_FIELDS:
            values = [k[key][1] if key in k else None for k in known]
            if key in ("length_m", "beam_m"):
                per = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
                frame[key] = per[inv.ravel()]
            elif key == "imo":
                imo = np.asarray([0 if v is None else v for v in values], dtype=np.int64)
                na = np.asarray([v is None for v in values], dtype=bool)
                frame[key] = pd.arrays.IntegerArray(imo[inv.ravel()], na[inv.ravel()])
            else:
                dictionary = pa.array(values, type=pa.string())
                column = pa.DictionaryArray.from_arrays(
                    pa.array(inv.ravel().astype(np.int32)), dictionary
                )
                frame[key] = pd.array(column.dictionary_decode(), dtype="string")
        return frame


def _categorical(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    """A categorical with text categories in the default text dtype (as
    :func:`~navwatch.schema.conform` makes them)."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=_TEXT_DTYPE))


def _reader_stats(nmea: dict[str, Any]) -> dict[str, Any]:
    """The counts every reader reports (``records`` = non-empty lines here)."""
    return {
        "format": "nmea",
        "records": nmea["lines"],
        "rows": nmea["positions"],
        "quarantined": nmea["quarantined"],
        "skipped_non_vessel": nmea["skipped_non_vessel"],
        "skipped_by_class": dict(nmea["skipped_by_class"]),
        "nonstandard_mmsi": nmea["nonstandard_mmsi"],
        "other_sentences": nmea["other_sentences"],
        "other_types": nmea["other_types"],
        "duplicates_dropped": nmea["duplicates_dropped"],
        "statics": nmea["statics"],
    }


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _fast(fast: bool | None) -> bool:
    """Whether to use the fast path: ``fast`` if given, else unless ``NAVWATCH_NMEA_FAST=0``."""
    if fast is not None:
        return fast
    return os.environ.get(FAST_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def parse_lines(
    lines: Iterable[str],
    *,
    file: str = "<lines>",
    quarantine: Quarantine | None = None,
    fast: bool | None = None,
) -> pd.DataFrame:
    """Decode NMEA AIS lines into a canonical observation table.

    Parameters
    ----------
    lines : iterable of str
        The lines of a file, in order (line numbers start at 1).
    file : str
        Name recorded in ``src_file`` and in quarantine rows.
    quarantine : Quarantine, optional
        Receives the rejected lines and messages, each with file, line, code and reason.
    fast : bool, optional
        Decode the common single-fragment sentences vectorised (:mod:`navwatch.io.nmea_fast`;
        same result) or every line with pyais (``False``). Default: fast, unless the
        environment variable ``NAVWATCH_NMEA_FAST`` is ``0``.

    Returns
    -------
    pandas.DataFrame
        One row per position report (types 1, 2, 3, 18, 19, 27) with the columns ``time, lat,
        lon, kind, mmsi, imo, callsign, name, ship_type, sog_kn, cog_deg, heading_deg,
        nav_status, length_m, beam_m, source, src_file, src_line``; ``src_line`` is the line of
        the last fragment. ``length_m``/``beam_m`` are the MMSI's latest AIS dimensions (A + B,
        C + D of types 5, 19 and 24 part B; NaN when 0 = not available on either side).
        ``attrs["nmea_stats"]`` holds the counts described in the module docstring plus
        ``types`` (kept messages by AIS type).

    Examples
    --------
    >>> df = parse_lines([
    ...     "1452468552.938 !AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E",
    ...     "1452468553.100 !ABVDM,1,1,,A,14Wtnn002SGLde:BbrBmdTLF0Vql,0*66",
    ...     "no sentence here",
    ... ])
    >>> row = df.iloc[0]
    >>> int(row["mmsi"]), float(row["lat"]), float(row["lon"]), float(row["sog_kn"])
    (310327000, 32.629032, -119.559832, 16.3)
    >>> str(row["time"])
    '2016-01-10 23:29:12.938000+00:00'
    >>> {k: df.attrs["nmea_stats"][k] for k in ("positions", "duplicates_dropped", "quarantined")}
    {'positions': 1, 'duplicates_dropped': 1, 'quarantined': 1}
    """
    if _fast(fast):
        from .nmea_fast import parse_text_lines

        frame, local = parse_text_lines(list(lines), str(file))
    else:
        parser = _Parser(str(file))
        for lineno, text in enumerate(lines, start=1):
            parser.feed(lineno, text)
        frame, local = parser.finish(), parser.quarantine
    if quarantine is not None:
        quarantine.extend(local)
    return frame


def read_nmea(
    path: Source, *, quarantine: Quarantine | None = None, fast: bool | None = None
) -> pd.DataFrame:
    """Read a raw NMEA AIS log (optionally .gz/.zst/.zip) into a canonical observation table.

    ``path`` may also be the log in memory (:class:`~navwatch.io.InMemory`).

    See :func:`parse_lines` for the columns (and ``fast``) and the module docstring for the
    line formats and ``attrs["nmea_stats"]``. A file that cannot be opened raises
    :class:`~navwatch.errors.IngestError`; bad lines go to ``quarantine``. If the file breaks
    off mid-stream (truncated .gz), the lines read so far are kept and one ``read_error`` row
    is quarantined. A file in which no line carries a receive time raises one
    :class:`~navwatch.errors.IngestError` that says so (when only some lines lack one, those go
    to the quarantine as ``no_time``).

    Examples
    --------
    >>> read_nmea("/no/such/file.ais")
    Traceback (most recent call last):
    ...
    navwatch.errors.IngestError: /no/such/file.ais: file not found
    """
    path = as_source(path)
    file = str(path)
    errors: list[str] = []
    frame = None
    if _fast(fast):
        from .nmea_fast import parse_bytes

        with open_binary(path) as fh:
            try:
                data = fh.read()
            except Exception:  # breaks off: the general path keeps what it can read, as ever
                data = None
        if data is not None:
            frame, local = parse_bytes(data, file)
    if frame is None:
        with open_text(path) as fh:
            local = Quarantine()
            frame = parse_lines(_guarded(fh, errors), file=file, quarantine=local, fast=False)
    stats = frame.attrs["nmea_stats"]
    untimed = int(local.counts().get("no_time", 0))
    if untimed and not stats["timed_lines"]:
        raise IngestError(
            file,
            f"no line carries a receive time (tag block \\c:<unix time>\\, or a leading Unix or "
            f"ISO 8601 timestamp): its {untimed:,} AIS sentence(s) cannot be dated, since AIS "
            "payloads hold only the UTC second; add receive times (a tag block or a timestamp "
            "on each line, as receivers and logging tools can write them) and read it again",
        )
    if errors:
        local.add(file, None, "read_error", f"file breaks off: {errors[0]}", "")
        stats["read_errors"] = 1
        stats["quarantined"] += 1
        frame.attrs["stats"] = _reader_stats(stats)
    if quarantine is not None:
        quarantine.extend(local)
    return frame


def _guarded(lines: Iterable[str], errors: list[str]) -> Iterator[str]:
    """Yield lines until the stream fails (corrupt/truncated compression); record the error."""
    it = iter(lines)
    while True:
        try:
            line = next(it)
        except StopIteration:
            return
        except Exception as exc:  # OSError, EOFError, zlib.error, zstd errors
            errors.append(f"{type(exc).__name__}: {exc}")
            return
        yield line


def looks_like_nmea(head: str) -> bool:
    """True if the first non-empty lines of ``head`` are mostly NMEA with at least one AIS sentence.

    A line counts when it is an NMEA sentence, possibly after a tag block ``\\...\\`` and/or a
    leading Unix or ISO 8601 time. At most 20 non-empty lines are looked at; at least half must
    be NMEA and one must be ``!xxVDM``/``!xxVDO`` (any talker).

    Examples
    --------
    >>> looks_like_nmea("1452468552.938 !AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E\\n")
    True
    >>> looks_like_nmea("\\\\c:1452468552*53\\\\!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E")
    True
    >>> looks_like_nmea("mmsi,time,lat,lon\\n123,2024-01-01,1,2\\n")
    False
    """
    seen = nmea = ais = 0
    for raw in head.splitlines():
        line = raw.strip()
        if not line:
            continue
        seen += 1
        try:
            sentence, _, _ = _split(line)
        except _Reject:
            sentence = ""
        if sentence:
            nmea += 1
            ais += _is_ais(sentence)
        if seen >= 20:
            break
    return ais > 0 and 2 * nmea >= seen
