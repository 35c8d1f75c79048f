"""Raw NMEA 0183 AIS reader (``!AIVDM``/``!AIVDO`` sentences, any talker), decoded with pyais.

A line is ``[receive time] [\\tag block\\] sentence [trailer]``:

* receive time (first that is present wins): tag block ``c:`` (Unix seconds, or milliseconds when
  > 1e11); a leading Unix time (``1452468552.938 !AIVDM,...``) or ISO 8601 time
  (``2024-12-02T06:00:00Z !AIVDM,...``, ``2024-12-02 06:00:00.123 ,!AIVDM,...``; naive = UTC;
  space, tab, ``,``, ``;`` or ``|`` as separator); a trailing Unix time after the checksum as in
  USCG NAIS logs (``!AIVDM,...,0*5C,b003669710,1428883199``);
* tag block ``s:`` names the receiver; rows then carry ``source = "AIS:<s>"``.

Multi-part messages are assembled by (fragment count, sequence id, channel), whatever the talker,
so interleaved messages on different sequence ids assemble independently. Position reports
(types 1, 2, 3, 18, 19, 27) become rows; static data (types 5, 24 and the static half of 19) is
attached to every position row of the same MMSI in the file. Everything else is counted.

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
quarantine row per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Any

import numpy as np
import pandas as pd
from pyais.messages import AISSentence

from ..errors import IngestError
from ..geodesy import NS_PER_S
from ..quarantine import Quarantine
from ..schema import conform
from ._common import Source, as_source, open_text, position_problems, split_valid
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

_COLUMNS = [
    "time", "lat", "lon", "kind", "mmsi", "imo", "callsign", "name", "ship_type",
    "sog_kn", "cog_deg", "heading_deg", "nav_status", "source", "src_file", "src_line",
]  # fmt: skip
_STATS_KEYS = [
    "lines", "other_sentences", "fragments", "messages", "positions", "statics", "other_types",
    "duplicates_dropped", "skipped_non_vessel", "nonstandard_mmsi", "quarantined", "quarantined_lines",
    "quarantined_messages", "read_errors", "timed_lines",
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


class _Reject(Exception):
    """A line that cannot be used: quarantine ``code`` with ``reason``."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


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


# ---------------------------------------------------------------------------------------------
# Message level: assembly, de-duplication, decoding
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """AIS text without '@' padding and whitespace; None when empty."""
    if not value:
        return None
    out = str(value).split("@", 1)[0].strip()
    return out or None


def _float(value: Any, not_available: float) -> float:
    """``value`` as float, NaN when missing or at/above the 'not available' sentinel."""
    if value is None:
        return np.nan
    v = float(value)
    return np.nan if v >= not_available else v


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file
        self.quarantine = Quarantine()
        self.stats = dict.fromkeys(_STATS_KEYS, 0)
        self.fates = dict.fromkeys(_FATES, 0)
        self.by_class: dict[str, int] = {}
        self.types: dict[int, int] = {}
        self.pending: dict[tuple[int, int | None, str], list[_Fragment]] = {}
        self.seen: dict[bytes, int] = {}
        self.static: dict[int, dict[str, Any]] = {}
        self.cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "time",
                "lat",
                "lon",
                "mmsi",
                "sog",
                "cog",
                "hdg",
                "status",
                "source",
                "line",
                "nfrag",
            )
        }
        self.raw: list[str] = []

    # -- rejects ------------------------------------------------------------------------------
    def _reject_line(self, line: int, code: str, reason: str, text: str) -> None:
        if not text.isascii():  # lone surrogates from str input would break the quarantine frame
            text = text.encode("utf-8", "replace").decode("utf-8")
        self.quarantine.add(self.file, line, code, reason, text)
        self.stats["quarantined_lines"] += 1
        self.fates["quarantined"] += 1

    def _reject_message(self, frags: list[_Fragment], code: str, reason: str) -> None:
        raw = "\n".join(f.text for f in frags)
        self.quarantine.add(self.file, frags[-1].line, code, reason, raw)
        self.stats["quarantined_messages"] += 1
        self.fates["quarantined"] += len(frags)

    def _lost(self, frags: list[_Fragment], why: str) -> None:
        for f in frags:
            s = f.sentence
            reason = (
                f"fragment {s.frag_num} of {s.frag_cnt} (sequence {s.seq_id}, channel "
                f"{s.channel or '-'}) lost: {why}"
            )
            self._reject_line(f.line, "missing_fragment", reason, f.text)

    # -- lines --------------------------------------------------------------------------------
    def feed(self, lineno: int, text: str) -> None:
        line = text.strip()
        if not line:
            return
        self.stats["lines"] += 1
        try:
            sentence, time_ns, source = _split(line)
            if not _is_ais(sentence):
                self.stats["other_sentences"] += 1
                self.fates["other_sentence"] += 1
                return
            if time_ns is not None:
                self.stats["timed_lines"] += 1
            try:
                s = AISSentence(sentence.encode("ascii"))
            except Exception as exc:  # pyais raises several types for malformed fields
                raise _Reject("parse_error", f"malformed AIS sentence: {exc}") from None
            if not s.payload:
                raise _Reject("empty_payload", "AIS sentence with an empty payload (no message)")
            if not _PAYLOAD_OK.fullmatch(s.payload):
                raise _Reject("parse_error", "invalid character in the 6-bit AIS payload")
        except _Reject as r:
            self._reject_line(lineno, r.code, r.reason, line)
            return
        frag = _Fragment(lineno, line, time_ns, source, s)
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
                self._reject_line(
                    f.line,
                    "no_time",
                    "no receive time (no tag block c: and no leading timestamp)",
                    f.text,
                )
            return
        st = self.stats
        st["messages"] += 1
        st["fragments"] += len(frags)
        payload = b"".join(f.sentence.payload for f in frags)
        first = self.seen.get(payload)
        if first is not None and abs(time_ns - first) <= DUPLICATE_WINDOW_NS:
            st["duplicates_dropped"] += 1
            self.fates["duplicate"] += len(frags)
            return
        if len(self.seen) > 500_000:  # keep memory bounded on long files
            self.seen = {p: t for p, t in self.seen.items() if abs(time_ns - t) <= 60 * _NS}
        self.seen[payload] = time_ns
        sentence = (
            frags[0].sentence
            if len(frags) == 1
            else AISSentence.assemble_from_iterable([f.sentence for f in frags])
        )
        msg_type = sentence.ais_id
        self.types[msg_type] = self.types.get(msg_type, 0) + 1
        if msg_type not in POSITION_TYPES and msg_type not in STATIC_TYPES:
            st["other_types"] += 1
            self.fates["other_type"] += len(frags)
            return
        try:
            msg = sentence.decode()
        except Exception as exc:  # e.g. type 24 with part number 2 or 3
            self._reject_message(frags, "parse_error", f"cannot decode AIS type {msg_type}: {exc}")
            return
        if msg_type in POSITION_TYPES:
            self._position(frags, msg_type, msg, time_ns)
        else:
            self._static_message(frags, msg_type, msg)

    def _position(self, frags: list[_Fragment], msg_type: int, msg: Any, time_ns: int) -> None:
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
            self._remember(int(msg.mmsi), name=msg.shipname, ship_type=msg.ship_type)

    def _static_message(self, frags: list[_Fragment], msg_type: int, msg: Any) -> None:
        mmsi = msg.mmsi
        if msg_type == 5:
            fields = {
                "imo": msg.imo,
                "callsign": msg.callsign,
                "name": msg.shipname,
                "ship_type": msg.ship_type,
            }
        elif msg.partno == 0:
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
        self._remember(int(mmsi), **fields)

    def _remember(self, mmsi: int, **fields: Any) -> None:
        """Keep the latest non-empty value of each static field per MMSI."""
        known = self.static.setdefault(mmsi, {})
        for key, value in fields.items():
            if key in ("imo", "ship_type"):
                value = None if value is None or int(value) == 0 else int(value)
                if key == "ship_type" and value is not None:
                    value = str(value)
            else:
                value = _text(value)
            if value is not None:
                known[key] = value

    # -- end ----------------------------------------------------------------------------------
    def finish(self) -> pd.DataFrame:
        for frags in self.pending.values():
            self._lost(frags, "the message was never completed")
        self.pending.clear()
        c = self.cols
        n = len(c["time"])
        frame = pd.DataFrame(
            {
                "time": pd.to_datetime(np.asarray(c["time"], dtype="int64"), unit="ns", utc=True),
                "lat": np.asarray(c["lat"], dtype="float64"),
                "lon": np.asarray(c["lon"], dtype="float64"),
                "kind": pd.Categorical(["ais"] * n, categories=["ais", "sighting", "survey"]),
                "mmsi": pd.array(c["mmsi"], dtype="Int64"),
                "sog_kn": np.asarray(c["sog"], dtype="float64"),
                "cog_deg": np.asarray(c["cog"], dtype="float64"),
                "heading_deg": np.asarray(c["hdg"], dtype="float64"),
                "nav_status": pd.array(c["status"], dtype="Int16"),
                "source": pd.array(c["source"], dtype="string"),
                "src_file": pd.array([self.file] * n, dtype="string"),
                "src_line": pd.array(c["line"], dtype="Int32"),
            }
        )
        raw = pd.Series(self.raw, dtype="object")
        nfrag = np.asarray(c["nfrag"], dtype=np.int64)
        code = classify_mmsi(np.asarray(c["mmsi"], dtype=np.int64))
        skip = code > 0  # not a vessel (ITU-R M.585): skipped and counted, not quarantined
        if skip.any():
            for k, n_k in zip(*np.unique(code[skip], return_counts=True), strict=True):
                name = NON_VESSEL_CLASSES[int(k) - 1]
                self.by_class[name] = self.by_class.get(name, 0) + int(n_k)
            self.stats["skipped_non_vessel"] += int(skip.sum())
            self.fates["non_vessel"] += int(nfrag[skip].sum())
            frame, raw = frame[~skip].reset_index(drop=True), raw[~skip].reset_index(drop=True)
            nfrag, code = nfrag[~skip], code[~skip]
        problems = position_problems(frame["lat"], frame["lon"], frame["time"])
        bad_mmsi = (code == BAD) & problems["code"].isna().to_numpy()
        if bad_mmsi.any():
            problems.loc[bad_mmsi, "code"] = "bad_mmsi"
            problems.loc[bad_mmsi, "reason"] = [
                bad_mmsi_reason(m, m) for m in frame["mmsi"][bad_mmsi].astype("int64")
            ]
        bad = problems["code"].notna().to_numpy()
        frame = split_valid(frame, problems, self.quarantine, self.file, raw=raw)
        self.stats["quarantined_messages"] += int(bad.sum())
        self.fates["quarantined"] += int(nfrag[bad].sum())
        self.fates["position"] += int(nfrag[~bad].sum())
        mmsis = frame["mmsi"].to_numpy(dtype=object)
        empty: dict[str, Any] = {}
        for key, dtype in (("imo", "Int64"), ("callsign", "string"), ("name", "string"), ("ship_type", "string")):  # fmt: skip
            values = [self.static.get(m, empty).get(key) for m in mmsis]
            frame[key] = pd.array(values, dtype=dtype)
        frame = conform(frame[_COLUMNS].reset_index(drop=True), where=self.file)
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


def parse_lines(
    lines: Iterable[str], *, file: str = "<lines>", quarantine: Quarantine | None = None
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

    Returns
    -------
    pandas.DataFrame
        One row per position report (types 1, 2, 3, 18, 19, 27) with the columns ``time, lat,
        lon, kind, mmsi, imo, callsign, name, ship_type, sog_kn, cog_deg, heading_deg,
        nav_status, source, src_file, src_line``; ``src_line`` is the line of the last fragment.
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
    parser = _Parser(str(file))
    for lineno, text in enumerate(lines, start=1):
        parser.feed(lineno, text)
    frame = parser.finish()
    if quarantine is not None:
        quarantine.extend(parser.quarantine)
    return frame


def read_nmea(path: Source, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read a raw NMEA AIS log (optionally .gz/.zst/.zip) into a canonical observation table.

    ``path`` may also be the log in memory (:class:`~navwatch.io.InMemory`).

    See :func:`parse_lines` for the columns and the module docstring for the line formats and
    ``attrs["nmea_stats"]``. A file that cannot be opened raises
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
    with open_text(path) as fh:
        local = Quarantine()
        frame = parse_lines(_guarded(fh, errors), file=file, quarantine=local)
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
