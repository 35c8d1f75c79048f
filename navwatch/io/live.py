"""Decoding of live AIS feed messages (no networking): JSON from aisstream.io, AIS-catcher,
Digitraffic MQTT and AISHub, into one canonical observation table.

The network sources (:mod:`navwatch.alerts`) receive message texts and call :func:`decode` on a
batch of them. Each text is one message as received; its position in the batch (1-based) is its
``line``: rows carry it in ``src_line`` and quarantine rows in ``line``, with ``file`` the name
the caller gives (``feed:<source name>``). Nothing is dropped silently: every message ends as
position row(s), static data, a counted no-op or a quarantine row (see *Accounting*).

Formats and field mapping
-------------------------
``aisstream`` (aisstream.io WebSocket): one JSON object per message,
``{"MessageType", "MetaData": {...}, "Message": {<MessageType>: {...}}}``.

* ``PositionReport``, ``StandardClassBPositionReport``, ``ExtendedClassBPositionReport`` ->
  a row: ``time`` = ``MetaData.time_utc`` (``2026-10-08 03:04:05.123456789 +0000 UTC``, to the
  nanosecond); ``mmsi`` = ``MetaData.MMSI`` (else ``UserID``); ``lat``/``lon`` = ``Latitude``/
  ``Longitude`` (else ``MetaData.latitude``/``longitude``); ``sog_kn`` = ``Sog``; ``cog_deg`` =
  ``Cog``; ``heading_deg`` = ``TrueHeading``; ``nav_status`` = ``NavigationalStatus``;
  ``name`` = ``MetaData.ShipName`` (or the report's ``Name``); ``ship_type`` = ``Type``
  and the dimensions from ``Dimension`` (extended class B).
* ``ShipStaticData`` -> static: ``imo`` = ``ImoNumber``, ``callsign`` = ``CallSign``,
  ``name`` = ``Name``, ``ship_type`` = ``Type``, ``length_m``/``beam_m`` from ``Dimension:
  {A, B, C, D}``; ``StaticDataReport`` (type 24) -> static: ``ReportA.Name``,
  ``ReportB.CallSign``, ``ReportB.ShipType``, ``ReportB.Dimension``.
* Other message types are counted (``other_types``). ``{"error": "..."}`` -> ``feed_error``.

``aiscatcher`` (AIS-catcher JSON, UDP or HTTP push): an object ``{class, device, channel, nmea,
type, mmsi, status, speed, lon, lat, course, heading, rxuxtime, rxtime, shipname, callsign, imo,
shiptype, ...}``, or the push envelope ``{"protocol": "jsonaiscatcher", "stationid", ...,
"msgs": [...]}`` holding many (all get the envelope's line; reasons name the index in ``msgs``).
``time`` = ``rxuxtime`` (Unix s); ``sog_kn`` = ``speed``; ``cog_deg`` = ``course``;
``heading_deg`` = ``heading``; ``nav_status`` = ``status``; ``name``/``callsign``/``imo``/
``ship_type`` = ``shipname``/``callsign``/``imo``/``shiptype``; dimensions from ``to_bow``,
``to_stern``, ``to_port``, ``to_starboard``. Types 1, 2, 3, 18, 19, 27 are
positions; when their decoded fields lack a position, the ``nmea`` lines are decoded with
:func:`navwatch.io.nmea.parse_lines` (dated by ``rxuxtime``, else the receive time). Types 5 and
24 are static; others are counted; an object without a ``type`` is a ``parse_error``. ``source`` is ``AIS:aiscatcher`` (``AIS:aiscatcher:<stationid>`` in an envelope).

``digitraffic`` (Digitraffic MQTT): the network source wraps each MQTT message as
``{"topic": "vessels-v2/<mmsi>/location", "payload": {...}}`` (``payload`` an object, or its
JSON text). ``mmsi`` comes from the topic. ``location`` -> a row: ``time`` = ``time`` (Unix s),
``lat``/``lon``, ``sog_kn`` = ``sog``, ``cog_deg`` = ``cog``, ``heading_deg`` = ``heading``,
``nav_status`` = ``navStat`` (``rot``, ``posAcc``, ``raim`` are not mapped). ``metadata`` ->
static: ``name``, ``callSign``, ``imo``, ``type``, dimensions from ``refA`` .. ``refD``. Other topics (``vessels-v2/status``) are
counted.

``aishub`` (AISHub polling): a whole response body, JSON ``[{"ERROR": false, ...}, [{...},
...]]`` (an error header -> ``feed_error`` with ``ERROR_MESSAGE``) or CSV with a header line.
Every record is a row or quarantined (all carry the body's line; reasons name the record):
``MMSI``, ``TIME`` (``2026-10-08 03:04:05 GMT`` or Unix s), ``LATITUDE``, ``LONGITUDE``,
``SOG``, ``COG``, ``HEADING``, ``NAVSTAT``, ``IMO``, ``NAME``, ``CALLSIGN``, ``TYPE``, dimensions
from ``A``-``D`` (``DRAUGHT``, ``DEST``, ``ETA`` are not mapped). Raw mode (``format=0``) scales lat/lon by
600000 and SOG/COG by 10: ``aishub_raw=True``/``False`` says which; ``None`` (default) reads the
JSON header's ``FORMAT`` when present (``AIS``/``0`` = raw, ``HUMAN``/``1``) and otherwise takes
a body as raw when any coordinate exceeds 181 in absolute value (human mode's 91/181 "not
available" do not count).

Values
------
Not-available values become missing as in :mod:`navwatch.io.nmea`: speed >= 102.3 kn (raw 1023),
course >= 360, heading >= 360 (511); lat 91 / lon 181, 0/0 and out-of-range positions are
quarantined (``no_position`` / ``bad_position``). Time: the message's own time; else
``received_ns[i]`` when given; else ``no_time``. IMO 0 and ship type 0 are missing. Dimensions
(metres from the antenna to bow A, stern B, port C, starboard D): ``length_m`` = A + B and
``beam_m`` = C + D where both are > 0, else NaN (0 = not available); 511/63 ("that or more")
are kept, so those sums are lower bounds; a dimension that is not a number is NaN and, like a
bad IMO, never rejects the record.
MMSIs are checked by :func:`navwatch.io.mmsi.check_mmsi`: stations that are not vessels are
skipped and counted, malformed or missing ones are ``bad_mmsi``.

Static data (and identity fields carried by a position message) are attached to every position
row of the same MMSI in the batch (latest non-empty value per field), as the NMEA reader does
for type 5; ``attrs["static"]`` holds the batch's static data per MMSI (columns ``mmsi, imo,
callsign, name, ship_type, length_m, beam_m``) for a caller that keeps it across batches.

Quarantine codes: ``parse_error`` (not JSON, not the format's structure, a wrong-typed field),
``feed_error`` (the provider's error answer), ``no_time``, ``bad_time``, ``bad_mmsi``,
``no_position``, ``bad_position``.

Accounting
----------
``attrs["live_stats"]`` counts *records*: a message is one record, an AIS-catcher envelope one
per entry of ``msgs`` (one ``empty`` record when it has none), an AISHub body one per vessel
record (one when it is an error or holds none)::

    records = rows + statics + other_types + skipped_non_vessel + empty + quarantined

Duplicates are kept as rows (detection de-duplicates).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..geodesy import NS_PER_S
from ..quarantine import Quarantine
from ..schema import conform
from ._common import position_problems
from .mmsi import BAD, NON_VESSEL_CLASSES, check_mmsi
from .times import ISO_TEXT, iso_text_ns

__all__ = ["FORMATS", "decode"]

FORMATS = ("aisstream", "aiscatcher", "digitraffic", "aishub")

_COLUMNS = [
    "time", "lat", "lon", "kind", "mmsi", "imo", "callsign", "name", "ship_type",
    "sog_kn", "cog_deg", "heading_deg", "nav_status", "length_m", "beam_m", "source", "src_file",
    "src_line",
]  # fmt: skip
_STATIC_KEYS = ("imo", "callsign", "name", "ship_type", "length_m", "beam_m")
_DIMENSIONS = ("length_m", "beam_m")
_STAT_KEYS = ("messages", "records", "rows", "statics", "other_types", "skipped_non_vessel",
              "empty", "quarantined", "feed_errors")  # fmt: skip
_POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
_STATIC_TYPES = frozenset({5, 24})
_AISSTREAM_POSITIONS = (
    "PositionReport",
    "StandardClassBPositionReport",
    "ExtendedClassBPositionReport",
)
_RAW_DEG = 600000.0  # AISHub raw mode: 1/10000 minute
#: Times that fit in datetime64[ns] (exclusive bounds; NaT is the minimum).
_NS_MIN, _NS_MAX = int(pd.Timestamp.min.value), int(pd.Timestamp.max.value)


class _Bad(Exception):
    """A record that cannot be used: quarantine ``code`` with ``reason``."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Value helpers (one JSON value each)
# ---------------------------------------------------------------------------------------------


def _num(value: Any, what: str) -> float:
    """A JSON number (or numeric text) as float; NaN when absent; :class:`_Bad` when not a number."""
    if value is None or value == "":
        return math.nan
    if isinstance(value, bool):
        raise _Bad("parse_error", f"{what} is {value!r}, not a number")
    try:
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
    except (ValueError, OverflowError):
        pass
    raise _Bad("parse_error", f"{what} is {_shown(value)}, not a number")


def _capped(value: float, not_available: float) -> float:
    """NaN at or above the 'not available' sentinel (and for negative values)."""
    return math.nan if not value < not_available or value < 0 else value


def _code(value: Any, what: str) -> int | None:
    """A small whole-number code (nav status, type); None when absent or out of 0-32767."""
    v = _num(value, what)
    if not math.isfinite(v) or v != int(v) or not 0 <= v < 32768:
        return None
    return int(v)


def _text(value: Any) -> str | None:
    """Text without AIS '@' padding and whitespace; None when empty or not text/number."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    out = str(value).split("@", 1)[0].strip()
    return out or None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _unix_ns(value: Any, what: str) -> int | None:
    """Unix seconds (or milliseconds when > 1e11) as ns; None when absent."""
    v = _num(value, what)
    if math.isnan(v):
        return None
    if not math.isfinite(v) or not 0 < v < 1e14:
        raise _Bad("bad_time", f"{what} {_shown(value)} is not a Unix time")
    return int(round(v * NS_PER_S)) if v < 1e11 else int(round(v * 1e6))


def _text_ns(value: Any, what: str) -> int | None:
    """An ISO-like text time (``2026-10-08 03:04:05.123456789 +0000 UTC``, ``... GMT``) or a
    Unix time as ns; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and not value.strip().replace(".", "", 1).isdigit():
        m = ISO_TEXT.match(value.strip())
        ns = iso_text_ns(m) if m else None
        if ns is None:
            raise _Bad("bad_time", f"{what} {_shown(value)} is not a time")
        return ns
    return _unix_ns(value, what)


def _dims(a: Any, b: Any, c: Any, d: Any) -> dict[str, float | None]:
    """``length_m`` = A + B and ``beam_m`` = C + D (AIS dimensions to bow, stern, port and
    starboard, metres) where both are > 0, else None: 0 is "not available"; 511 and 63 ("that
    or more") are kept, so such sums are lower bounds. A value that is not a number is None too
    and the record is kept, as for a bad IMO or ship type (static data never rejects a record)."""

    def pair(x: Any, y: Any) -> float | None:
        try:
            v = _num(x, "dimension"), _num(y, "dimension")
        except _Bad:
            return None
        total = v[0] + v[1]
        return total if v[0] > 0 and v[1] > 0 and math.isfinite(total) else None

    return {"length_m": pair(a, b), "beam_m": pair(c, d)}


def _dimension(value: Any) -> dict[str, float | None]:
    """:func:`_dims` of an aisstream ``Dimension`` object ``{A, B, C, D}`` (else unknown)."""
    if not isinstance(value, dict):
        return dict.fromkeys(_DIMENSIONS)
    return _dims(value.get("A"), value.get("B"), value.get("C"), value.get("D"))


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad("parse_error", f"{what} is {type(value).__name__}, expected an object")
    return value


# ---------------------------------------------------------------------------------------------
# The batch being built
# ---------------------------------------------------------------------------------------------


@dataclass
class _Batch:
    file: str
    received: list[int] | None
    cols: dict[str, list[Any]] = field(
        default_factory=lambda: {
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
                "line",
                "raw",
                "what",
                "seq",
                "source",
                "imo",
                "callsign",
                "name",
                "ship_type",
                "length_m",
                "beam_m",
            )
        }  # fmt: skip
    )
    # quarantine rows: (record sequence number, line, code, reason, raw)
    bad: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    static: dict[int, dict[str, Any]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_STAT_KEYS, 0))
    by_class: dict[str, int] = field(default_factory=dict)

    def reject(self, line: int, code: str, reason: str, raw: str) -> None:
        if not raw.isascii():  # lone surrogates would break the quarantine's writers
            raw = raw.encode("utf-8", "replace").decode("utf-8")
        self.bad.append((self.stats["records"], line, code, reason, raw))
        self.stats["quarantined"] += 1
        self.stats["records"] += 1
        self.stats["feed_errors"] += code == "feed_error"

    def noop(self, what: str) -> None:
        self.stats[what] += 1
        self.stats["records"] += 1

    def received_at(self, line: int) -> int | None:
        """The caller's receive time of message ``line``, if given."""
        if self.received is not None and 0 < line <= len(self.received):
            return int(self.received[line - 1])
        return None

    def time_or_received(self, ns: int | None, line: int) -> int:
        if ns is None:
            ns = self.received_at(line)
        if ns is None:
            raise _Bad("no_time", "no time in the message and no receive time given")
        if not _NS_MIN < ns < _NS_MAX:
            raise _Bad("bad_time", f"time {ns} ns is outside 1678-2261")
        return ns

    def position(self, line: int, raw: str, source: str, what: str, **v: Any) -> None:
        """One position row of the record ``what`` (``v``: time, lat, lon, mmsi, sog, cog,
        hdg, status and optional identity fields)."""
        self.stats["records"] += 1
        c = self.cols
        c["line"].append(line)
        c["what"].append(what)
        c["seq"].append(self.stats["records"] - 1)
        c["raw"].append(raw)
        c["source"].append(source)
        for k in ("time", "lat", "lon", "mmsi", "sog", "cog", "hdg", "status"):
            c[k].append(v[k])
        for k in _STATIC_KEYS:
            c[k].append(v.get(k))

    def remember(self, mmsi: Any, **fields: Any) -> None:
        """Static data of ``mmsi`` (a later non-empty value replaces an earlier one)."""
        try:
            key = int(mmsi)
        except (TypeError, ValueError, OverflowError):
            return
        known = self.static.setdefault(key, {})
        for k, value in _clean_static(fields).items():
            if value is not None:
                known[k] = value

    def static_record(self, mmsi: Any, what: str, **fields: Any) -> None:
        """A message carrying only static data: remembered and counted, or ``bad_mmsi``."""
        m = _num(mmsi, "MMSI")
        if not math.isfinite(m) or m != int(m) or not 0 < m < 1e9:
            raise _Bad("bad_mmsi", f"{what} has MMSI {_shown(mmsi)}")
        self.remember(int(m), **fields)
        self.noop("statics")


def _clean_static(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, value in fields.items():
        if k in _DIMENSIONS:  # already checked by _dims
            out[k] = value if isinstance(value, float) and value > 0 else None
        elif k in ("imo", "ship_type"):
            try:
                v = _num(value, k)
            except _Bad:
                v = math.nan
            ok = math.isfinite(v) and v == int(v) and 0 < v < 1e10
            if not ok and k == "ship_type":
                out[k] = _text(value) if isinstance(value, str) else None
            else:
                out[k] = int(v) if ok and k == "imo" else (str(int(v)) if ok else None)
        else:
            out[k] = _text(value)
    return out


# ---------------------------------------------------------------------------------------------
# aisstream.io
# ---------------------------------------------------------------------------------------------


def _part(report: dict[str, Any], key: str) -> dict[str, Any]:
    """``report[key]`` when it is an object, else an empty one."""
    value = report.get(key)
    return value if isinstance(value, dict) else {}


def _aisstream(b: _Batch, line: int, text: str, doc: Any) -> None:
    doc = _obj(doc, "message")
    if "error" in doc:
        raise _Bad("feed_error", f"aisstream error: {_shown(doc['error'])}")
    kind = doc.get("MessageType")
    meta = _obj(doc.get("MetaData", {}), "MetaData")
    body = _obj(doc.get("Message", {}), "Message")
    if not isinstance(kind, str):
        raise _Bad("parse_error", f"MessageType is {_shown(kind)}")
    report = _obj(body.get(kind, {}), f"Message.{kind}")
    mmsi = meta.get("MMSI", report.get("UserID"))
    if kind == "ShipStaticData":
        b.static_record(
            mmsi,
            kind,
            imo=report.get("ImoNumber"),
            callsign=report.get("CallSign"),
            name=report.get("Name"),
            ship_type=report.get("Type"),
            **_dimension(report.get("Dimension")),
        )
    elif kind == "StaticDataReport":
        a, r_b = _part(report, "ReportA"), _part(report, "ReportB")
        b.static_record(
            mmsi,
            kind,
            name=a.get("Name") if a.get("Valid", True) else None,
            callsign=r_b.get("CallSign") if r_b.get("Valid", True) else None,
            ship_type=r_b.get("ShipType") if r_b.get("Valid", True) else None,
            **_dimension(r_b.get("Dimension") if r_b.get("Valid", True) else None),
        )
    elif kind in _AISSTREAM_POSITIONS:
        t = b.time_or_received(_text_ns(meta.get("time_utc"), "MetaData.time_utc"), line)
        b.position(
            line,
            text,
            "AIS:aisstream",
            f"message {line}",
            time=t,
            lat=_num(report.get("Latitude", meta.get("latitude")), "Latitude"),
            lon=_num(report.get("Longitude", meta.get("longitude")), "Longitude"),
            mmsi=mmsi,
            sog=_capped(_num(report.get("Sog"), "Sog"), 102.3),
            cog=_capped(_num(report.get("Cog"), "Cog"), 360),
            hdg=_capped(_num(report.get("TrueHeading"), "TrueHeading"), 360),
            status=_code(report.get("NavigationalStatus"), "NavigationalStatus"),
            name=report.get("Name") or meta.get("ShipName"),
            ship_type=report.get("Type"),
            **_dimension(report.get("Dimension")),  # extended class B reports carry them
        )
    else:
        b.noop("other_types")


# ---------------------------------------------------------------------------------------------
# AIS-catcher
# ---------------------------------------------------------------------------------------------


def _aiscatcher(b: _Batch, line: int, text: str, doc: Any) -> None:
    doc = _obj(doc, "message")
    if "msgs" not in doc:
        _catcher_one(b, line, text, doc, "AIS:aiscatcher", f"message {line}")
        return
    msgs = doc["msgs"]
    if not isinstance(msgs, list):
        raise _Bad("parse_error", f"envelope msgs is {type(msgs).__name__}, expected a list")
    station = _text(doc.get("stationid"))
    source = "AIS:aiscatcher" + (f":{station}" if station else "")
    if not msgs:
        b.noop("empty")
    for k, m in enumerate(msgs):
        what = f"message {line} msgs[{k}]"
        raw = json.dumps(m)[:300] if not isinstance(m, str) else m
        try:
            _catcher_one(b, line, raw, m, source, what)
        except _Bad as bad:
            b.reject(line, bad.code, f"{what}: {bad.reason}", raw)


def _catcher_one(b: _Batch, line: int, text: str, m: Any, source: str, what: str) -> None:
    m = _obj(m, "the entry")
    kind = _code(m.get("type"), "type")
    if kind is None:
        raise _Bad("parse_error", f"AIS message type is {_shown(m.get('type'))}")
    static = {
        "imo": m.get("imo"),
        "callsign": m.get("callsign"),
        "name": m.get("shipname"),
        "ship_type": m.get("shiptype"),
        **_dims(m.get("to_bow"), m.get("to_stern"), m.get("to_port"), m.get("to_starboard")),
    }
    if kind in _STATIC_TYPES:
        b.static_record(m.get("mmsi"), f"type {kind}", **static)
        return
    if kind not in _POSITION_TYPES:
        b.noop("other_types")
        return
    t = _unix_ns(m.get("rxuxtime"), "rxuxtime")
    lat, lon = _num(m.get("lat"), "lat"), _num(m.get("lon"), "lon")
    if (math.isnan(lat) or math.isnan(lon)) and isinstance(m.get("nmea"), list):
        t = b.received_at(line) if t is None else t
        lat, lon, t, extra = _catcher_nmea(b, line, m["nmea"], t)
        m = {**extra, **{k: v for k, v in m.items() if v is not None}}
    b.position(
        line,
        text,
        source,
        what,
        time=b.time_or_received(t, line),
        lat=lat,
        lon=lon,
        mmsi=m.get("mmsi"),
        sog=_capped(_num(m.get("speed"), "speed"), 102.3),
        cog=_capped(_num(m.get("course"), "course"), 360),
        hdg=_capped(_num(m.get("heading"), "heading"), 360),
        status=_code(m.get("status"), "status"),
        **static,
    )


def _catcher_nmea(
    b: _Batch, line: int, nmea: list[Any], t: int | None
) -> tuple[float, float, int | None, dict[str, Any]]:
    """Position of an AIS-catcher message from its ``nmea`` lines (dated by ``rxuxtime``)."""
    from .nmea import parse_lines

    stamp = f"{t // NS_PER_S}.{t % NS_PER_S:09d} " if t is not None else ""
    lines = [stamp + s for s in nmea if isinstance(s, str)]
    frame = parse_lines(lines, file=b.file, quarantine=Quarantine(), fast=False)
    if not len(frame):
        return math.nan, math.nan, t, {}
    row = frame.iloc[-1]
    extra = {
        "mmsi": int(row["mmsi"]),
        "speed": row["sog_kn"],
        "course": row["cog_deg"],
        "heading": row["heading_deg"],
        "status": None if pd.isna(row["nav_status"]) else int(row["nav_status"]),
    }
    extra = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in extra.items()}
    return float(row["lat"]), float(row["lon"]), int(row["time"].value), extra


# ---------------------------------------------------------------------------------------------
# Digitraffic
# ---------------------------------------------------------------------------------------------


def _digitraffic(b: _Batch, line: int, text: str, doc: Any) -> None:
    doc = _obj(doc, "message")
    topic = doc.get("topic")
    payload = doc.get("payload")
    if not isinstance(topic, str):
        raise _Bad("parse_error", f"topic is {_shown(topic)}, expected text")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise _Bad("parse_error", f"payload is not JSON: {exc}") from None
    payload = _obj(payload, "payload")
    parts = topic.strip("/").split("/")
    if len(parts) != 3 or parts[2] not in ("location", "metadata"):
        b.noop("other_types")
        return
    mmsi = parts[1]
    if parts[2] == "metadata":
        b.static_record(
            mmsi,
            "metadata",
            imo=payload.get("imo"),
            callsign=payload.get("callSign"),
            name=payload.get("name"),
            ship_type=payload.get("type"),
            **_dims(
                payload.get("refA"), payload.get("refB"), payload.get("refC"), payload.get("refD")
            ),
        )
        return
    b.position(
        line,
        text,
        "AIS:digitraffic",
        f"message {line}",
        time=b.time_or_received(_unix_ns(payload.get("time"), "time"), line),
        lat=_num(payload.get("lat"), "lat"),
        lon=_num(payload.get("lon"), "lon"),
        mmsi=mmsi,
        sog=_capped(_num(payload.get("sog"), "sog"), 102.3),
        cog=_capped(_num(payload.get("cog"), "cog"), 360),
        hdg=_capped(_num(payload.get("heading"), "heading"), 360),
        status=_code(payload.get("navStat"), "navStat"),
    )


# ---------------------------------------------------------------------------------------------
# AISHub
# ---------------------------------------------------------------------------------------------


def _aishub_records(text: str) -> tuple[dict[str, Any], list[Any]]:
    """(header, records) of an AISHub body, JSON or CSV."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("[", "{")):
        try:
            doc = json.loads(stripped)
        except ValueError as exc:
            raise _Bad("parse_error", f"AISHub body is not JSON: {exc}") from None
        if isinstance(doc, dict):
            doc = [doc]
        if not isinstance(doc, list) or not doc:
            raise _Bad("parse_error", "AISHub body is not [header, records]")
        header = _obj(doc[0], "AISHub header")
        records = doc[1] if len(doc) > 1 else []
        if not isinstance(records, list):
            raise _Bad("parse_error", "AISHub records are not a list")
        return header, records
    try:
        reader = csv.DictReader(io.StringIO(stripped, newline=None))
        if "MMSI" not in (reader.fieldnames or ()):
            raise _Bad("parse_error", "AISHub CSV body has no MMSI column")
        return {}, list(reader)
    except csv.Error as exc:
        raise _Bad("parse_error", f"AISHub CSV body cannot be read: {exc}") from None


def _aishub_is_raw(header: dict[str, Any], records: list[Any], raw: bool | None) -> bool:
    if raw is not None:
        return raw
    fmt = str(header.get("FORMAT", "")).strip().upper()
    if fmt in ("AIS", "0", "HUMAN", "1"):
        return fmt in ("AIS", "0")
    for r in records:
        if isinstance(r, dict):
            try:
                lat = abs(_num(r.get("LATITUDE"), "LATITUDE"))
                lon = abs(_num(r.get("LONGITUDE"), "LONGITUDE"))
            except _Bad:
                continue
            if lat > 181 or lon > 181:
                return True
    return False


def _aishub(b: _Batch, line: int, text: str, raw_mode: bool | None) -> None:
    header, records = _aishub_records(text)
    if header.get("ERROR") not in (None, False, "false", 0):
        message = header.get("ERROR_MESSAGE", header.get("ERROR"))
        raise _Bad("feed_error", f"AISHub error: {_shown(message)}")
    if not records:
        b.noop("empty")
        return
    is_raw = _aishub_is_raw(header, records, raw_mode)
    for k, r in enumerate(records):
        what = f"message {line} record {k + 1}"
        shown = json.dumps(r)[:300] if isinstance(r, dict) else _shown(r)
        try:
            _aishub_one(b, line, shown, _obj(r, "the record"), is_raw, what)
        except _Bad as bad:
            b.reject(line, bad.code, f"{what}: {bad.reason}", shown)


def _aishub_one(
    b: _Batch, line: int, text: str, r: dict[str, Any], is_raw: bool, what: str
) -> None:
    deg, tenth = (_RAW_DEG, 10.0) if is_raw else (1.0, 1.0)
    lat, lon = _num(r.get("LATITUDE"), "LATITUDE"), _num(r.get("LONGITUDE"), "LONGITUDE")
    b.position(
        line,
        text,
        "AIS:aishub",
        what,
        time=b.time_or_received(_text_ns(r.get("TIME"), "TIME"), line),
        lat=lat / deg,
        lon=lon / deg,
        mmsi=r.get("MMSI"),
        sog=_capped(_num(r.get("SOG"), "SOG") / tenth, 102.3),
        cog=_capped(_num(r.get("COG"), "COG") / tenth, 360),
        hdg=_capped(_num(r.get("HEADING"), "HEADING"), 360),
        status=_code(r.get("NAVSTAT"), "NAVSTAT"),
        imo=r.get("IMO"),
        callsign=r.get("CALLSIGN"),
        name=r.get("NAME"),
        ship_type=r.get("TYPE"),
        **_dims(r.get("A"), r.get("B"), r.get("C"), r.get("D")),
    )


# ---------------------------------------------------------------------------------------------
# Finishing: checks, identities, the table
# ---------------------------------------------------------------------------------------------


def _identities(b: _Batch, mmsi: pd.Series) -> dict[str, Any]:
    """imo/callsign/name/ship_type/length_m/beam_m per row: the row's own value, else the
    batch's static data for its MMSI (which the rows' own values also feed)."""
    c = b.cols
    ids = mmsi.to_numpy(dtype="float64", na_value=np.nan).tolist()
    none = dict.fromkeys(_STATIC_KEYS)
    own: list[dict[str, Any]] = []
    for k, m in enumerate(ids):
        given = {key: c[key][k] for key in _STATIC_KEYS if c[key][k] is not None}
        cleaned = {**none, **_clean_static(given)} if given else none
        own.append(cleaned)
        if given and m == m:
            b.remember(int(m), **given)
    known = {m: b.static.get(int(m), none) for m in set(ids) if m == m}
    out: dict[str, Any] = {}
    for key in _STATIC_KEYS:
        values = [
            o[key] if o[key] is not None or m != m else known[m].get(key)
            for o, m in zip(own, ids, strict=True)
        ]
        if key in _DIMENSIONS:
            out[key] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
        else:
            out[key] = pd.array(values, dtype="Int64") if key == "imo" else pd.Categorical(values)
    return out


def _frame(b: _Batch) -> pd.DataFrame:
    c = b.cols
    n = len(c["line"])
    check = check_mmsi(pd.array([_mmsi_text(m) for m in c["mmsi"]], dtype="string"))
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(np.asarray(c["time"], dtype=np.int64), unit="ns", utc=True),
            "lat": np.asarray(c["lat"], dtype=np.float64),
            "lon": np.asarray(c["lon"], dtype=np.float64),
            "kind": pd.Categorical(["ais"] * n, categories=["ais", "sighting", "survey"]),
            "mmsi": check.mmsi.array,
            "sog_kn": np.asarray(c["sog"], dtype=np.float64),
            "cog_deg": np.asarray(c["cog"], dtype=np.float64),
            "heading_deg": np.asarray(c["hdg"], dtype=np.float64),
            "nav_status": pd.array(c["status"], dtype="Int16"),
            "source": pd.Categorical(c["source"]),
            "src_file": pd.Categorical([b.file] * n),
            "src_line": pd.array(c["line"], dtype="Int32"),
        }
    )
    for key, values in _identities(b, check.mmsi).items():
        frame[key] = values
    skip = check.code > 0
    for k in check.code[skip].tolist():
        name = NON_VESSEL_CLASSES[k - 1]
        b.by_class[name] = b.by_class.get(name, 0) + 1
    b.stats["skipped_non_vessel"] += int(skip.sum())
    problems = position_problems(frame["lat"], frame["lon"], frame["time"])
    missing = check.mmsi.isna().to_numpy() & ~skip
    bad_mmsi = ((check.code == BAD) | missing) & problems["code"].isna().to_numpy()
    problems.loc[bad_mmsi, "code"] = "bad_mmsi"
    reasons = check.reason if check.reason is not None else np.full(n, None, dtype=object)
    problems.loc[bad_mmsi, "reason"] = [r or "MMSI missing" for r in reasons[bad_mmsi]]
    problems.loc[skip, "code"] = None
    bad = problems["code"].notna().to_numpy()
    b.stats["quarantined"] += int(bad.sum())
    if bad.any():
        what = pd.Series(c["what"], dtype=object)
        problems.loc[bad, "reason"] = what[bad].str.cat(problems.loc[bad, "reason"], sep=": ")
    return _kept(b, frame, problems, skip)


def _kept(b: _Batch, frame: pd.DataFrame, problems: pd.DataFrame, skip: np.ndarray) -> pd.DataFrame:
    """The rows with no problem and not skipped; the others' quarantine rows go to ``b.bad``."""
    bad = problems["code"].notna().to_numpy()
    c = b.cols
    for k, code, reason in zip(
        np.flatnonzero(bad).tolist(), problems["code"][bad], problems["reason"][bad], strict=True
    ):
        b.bad.append((c["seq"][k], c["line"][k], code, reason, c["raw"][k]))
    return frame.loc[~bad & ~skip].reset_index(drop=True)


def _mmsi_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None if value is None else "?" + _shown(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _static_table(b: _Batch) -> pd.DataFrame:
    keys = sorted(b.static)
    return pd.DataFrame(
        {
            "mmsi": pd.array(keys, dtype="Int64"),
            "imo": pd.array([b.static[k].get("imo") for k in keys], dtype="Int64"),
            **{
                k: pd.Categorical([b.static[m].get(k) for m in keys])
                for k in ("callsign", "name", "ship_type")
            },
            **{
                k: np.array([b.static[m].get(k, math.nan) for m in keys], dtype=np.float64)
                for k in _DIMENSIONS
            },
        }
    )


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------

_DECODERS: dict[str, Callable[[_Batch, int, str, Any], None]] = {
    "aisstream": _aisstream,
    "aiscatcher": _aiscatcher,
    "digitraffic": _digitraffic,
}


def _one(b: _Batch, fmt: str, line: int, text: Any, aishub_raw: bool | None) -> None:
    """Decode message ``line`` (1-based) into ``b``; a bad message is quarantined whole."""
    b.stats["messages"] += 1
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        b.reject(line, "parse_error", f"message {line} is {type(text).__name__}, not text", "")
        return
    try:
        if fmt == "aishub":
            _aishub(b, line, text, aishub_raw)
        else:
            try:
                doc = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise _Bad("parse_error", f"not JSON: {exc}") from None
            _DECODERS[fmt](b, line, text, doc)
    except _Bad as bad:  # raised before the message recorded anything
        b.reject(line, bad.code, f"message {line}: {bad.reason}", text)


def decode(
    fmt: str,
    messages: list[str],
    *,
    file: str,
    quarantine: Quarantine,
    received_ns: list[int] | None = None,
    aishub_raw: bool | None = None,
) -> pd.DataFrame:
    """Decode a batch of live feed messages into a canonical observation table.

    Parameters
    ----------
    fmt : str
        One of :data:`FORMATS` (see the module docstring for each format's fields).
    messages : list of str
        Message texts as received, one JSON document each (AISHub: a whole CSV or JSON body).
        Message ``i`` (0-based) is line ``i + 1`` in ``src_line`` and the quarantine.
    file : str
        Names the source in ``src_file`` and quarantine rows, e.g. ``feed:myws``.
    quarantine : Quarantine
        Receives every rejected message or record with a code and a reason naming it.
    received_ns : list of int, optional
        Receive time (Unix ns) of each message, used when a message carries no time.
    aishub_raw : bool, optional
        AISHub raw mode (lat/lon x600000, SOG/COG x10); None detects it.

    Returns
    -------
    pandas.DataFrame
        Columns ``time, lat, lon, kind, mmsi, imo, callsign, name, ship_type, sog_kn, cog_deg,
        heading_deg, nav_status, length_m, beam_m, source, src_file, src_line``; ``attrs["live_stats"]`` (counts,
        module docstring) and ``attrs["static"]`` (static data per MMSI of this batch).

    Examples
    --------
    >>> q = Quarantine()
    >>> df = decode("digitraffic", [
    ...     '{"topic": "vessels-v2/230145250/location", "payload": {"time": 1790823845,'
    ...     ' "sog": 10.7, "cog": 326.6, "navStat": 0, "heading": 325, "lon": 24.95, "lat": 60.16}}',
    ...     "not json"], file="feed:dt", quarantine=q)
    >>> df[["mmsi", "lat", "sog_kn", "src_line"]].values.tolist()
    [[230145250, 60.16, 10.7, 1]]
    >>> str(df["time"].iloc[0]), q.to_frame()[["line", "code"]].values.tolist()
    ('2026-10-01 03:04:05+00:00', [[2, 'parse_error']])
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown live feed format {fmt!r}; expected one of {list(FORMATS)}")
    b = _Batch(str(file), None if received_ns is None else list(received_ns))
    for i, text in enumerate(messages):
        _one(b, fmt, i + 1, text, aishub_raw)
    frame = conform(_frame(b)[_COLUMNS], where=b.file)
    b.bad.sort(key=lambda r: r[0])
    for _, line, code, reason, raw in b.bad:
        quarantine.add(b.file, line, code, reason, raw)
    b.stats["rows"] = len(frame)
    frame.attrs["live_stats"] = {**b.stats, "skipped_by_class": dict(sorted(b.by_class.items()))}
    frame.attrs["static"] = _static_table(b)
    return frame
