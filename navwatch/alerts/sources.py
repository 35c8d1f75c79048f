"""Watcher inputs: a watched directory, an HTTP(S) URL, live NMEA over TCP or UDP.

* **Directory** (:func:`read_directory`): files of any format the core reads. Uncompressed line
  formats (NMEA, NOAA/DMA/generic CSV, sightings, surveys) are read up to the last complete line
  and resumed from that byte offset when they grow (a CSV chunk gets the header back; NMEA never
  cuts a multi-part message in two), so a file still being written is never half-read. Other
  formats (Parquet, GeoPackage, ``.traj``, compressed files) are read whole once the file is
  complete: unchanged in size and mtime since the previous tick, or not modified for
  ``settle_s``; satellite detections and scene footprints too, kept for the tick to pair
  (:mod:`navwatch.alerts.imagery`). A file replaced by another version is read again; a file that cannot be read is
  quarantined with the reason and skipped until it changes. Hidden files and ``*.tmp``,
  ``*.part``, ``*.partial`` and ``*~`` are ignored, so writers can write-then-rename.
* **HTTP** (:func:`fetch_http`): polled each tick for CSV or JSON (a list of records, an object
  holding one, or GeoJSON); an unchanged body (ETag or SHA-256) is skipped, and only rows newer
  than the newest row already consumed from that URL are used.
* **Live feeds** (:class:`TcpFeed`, :class:`UdpFeed`): listener threads hand the lines to a
  :class:`FeedBuffer`, which appends them to the ``nw_feed_buffer`` table every
  ``feed_flush_s`` in short transactions of its own; the tick consumes them
  (:func:`decode_feed`). Lines without a receive time get the time of receipt as a prefix.
  Client feeds reconnect through one loop (:class:`_Reconnecting`, backoff :func:`next_delay`)
  and every listener counts ``reconnects`` and ``errors`` alike (see :class:`_Listener`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import IngestError
from ..geodesy import NS_PER_S
from ..io import READERS, InMemory, detect_format, read_file, read_observations
from ..io._common import base_suffix
from ..io.nmea import parse_lines
from ..quarantine import Quarantine
from ..schema.observations import concat
from .config import DirectorySource, HttpSource, TcpSource, UdpSource, redact_url
from .imagery import IMAGERY_FORMATS, read_pending_file

__all__ = [
    "Chunk",
    "FeedBuffer",
    "TcpFeed",
    "UdpFeed",
    "decode_feed",
    "fetch_http",
    "next_delay",
    "read_directory",
]

log = logging.getLogger("navwatch.watch")

#: Failed polls per source (HTTP errors, network errors) since the watcher last took them
#: (feed health: :func:`navwatch.alerts.watcher._polled` pops them each tick).
poll_errors: Counter[str] = Counter()

LINE_FORMATS = frozenset({"nmea", "noaa", "dma", "csv", "sightings", "surveys"})
IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp", "~")
_HEAD_BYTES = 4096


@dataclass
class Chunk:
    """New input from one source key: observations, rejected rows, and the ``nw_inputs`` row to
    store when the tick commits (``input`` None: nothing to record)."""

    source: str
    key: str
    obs: pd.DataFrame | None = None
    quarantine: pd.DataFrame | None = None
    input: dict[str, Any] | None = None
    feed_ids: list[int] = field(default_factory=list)
    #: An imagery file read (its ``nw_imagery_pending`` row; :mod:`navwatch.alerts.imagery`).
    imagery: dict[str, Any] | None = None


def _qframe(q: Quarantine, source: str, *, line_offset: int = 0) -> pd.DataFrame:
    f = q.to_frame()
    if len(f) and line_offset:
        f["line"] = f["line"] + line_offset
    f.insert(0, "source", source)
    return f


def _qrow(source: str, file: str, code: str, reason: str, raw: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": [source],
            "file": [file],
            "line": pd.array([None], dtype="Int64"),
            "code": [code],
            "reason": [reason],
            "raw": [raw[:300]],
        }
    )


# ----------------------------------------------------------------------------------------------
# NMEA multi-part messages must not be cut


def _frag(line: str) -> tuple[int, int, str] | None:
    i = line.find("VDM,")
    if i < 0:
        i = line.find("VDO,")
    if i < 0:
        return None
    parts = line[i + 4 :].split(",", 3)
    try:
        return int(parts[0]), int(parts[1]), parts[2]
    except (ValueError, IndexError):
        return None


def incomplete_tail(lines: list[str]) -> int:
    """Index where a trailing, not yet complete multi-part NMEA message starts (``len(lines)``
    if the lines end with a complete message).

    >>> incomplete_tail(["!AIVDM,2,1,3,A,x,0*00", "!AIVDM,1,1,,A,y,0*00", "!AIVDM,2,1,4,B,z,0*00"])
    2
    >>> incomplete_tail(["!AIVDM,2,1,3,A,x,0*00", "!AIVDM,2,2,3,A,w,0*00"])
    2
    """
    n = len(lines)
    j = n - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0:
        return n
    f = _frag(lines[j])
    if f is None or f[0] <= 1 or f[1] >= f[0]:
        return n
    cnt, _, seq = f
    k = j
    while k >= 0 and j - k < 10:
        g = _frag(lines[k])
        if g is not None and g[0] == cnt and g[2] == seq and g[1] == 1:
            return k
        k -= 1
    return n


def _shift_lines(obs: pd.DataFrame, n: int) -> pd.DataFrame:
    if n and "src_line" in obs.columns and len(obs):
        obs["src_line"] = obs["src_line"] + n
    return obs


# ----------------------------------------------------------------------------------------------
# directory


def _ignored(p: Path) -> bool:
    return p.name.startswith(".") or p.name.endswith(IGNORED_SUFFIXES)


def read_directory(
    src: DirectorySource, known: dict[tuple[str, str], dict[str, Any]], now_s: float
) -> list[Chunk]:
    """New input in a watched directory since what ``known`` (the ``nw_inputs`` rows) records."""
    root = src.path
    if not root.is_dir():
        log.warning("source %s: directory %s does not exist (yet)", src.name, root)
        return []
    out = []
    for p in sorted(root.glob(src.pattern)):
        if not p.is_file() or _ignored(p):
            continue
        key = p.relative_to(root).as_posix()
        try:
            chunk = _file_chunk(src, p, key, known.get((src.name, key)), now_s)
        except OSError as exc:  # vanished or unreadable between listing and reading
            log.warning("source %s: %s: %s (will retry)", src.name, p, exc)
            continue
        if chunk is not None:
            out.append(chunk)
    return out


def _sha_head(p: Path, n: int) -> str:
    with open(p, "rb") as fh:
        return hashlib.sha256(fh.read(min(n, _HEAD_BYTES))).hexdigest()


def _sha_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_chunk(
    src: DirectorySource, p: Path, key: str, row: dict[str, Any] | None, now_s: float
) -> Chunk | None:
    st = p.stat()
    size, mtime = st.st_size, st.st_mtime_ns
    seen = dict(source=src.name, key=key, seen_size=size, seen_mtime_ns=mtime)
    settled = now_s - mtime / NS_PER_S >= src.settle_s
    unchanged = row is not None and row["seen_size"] == size and row["seen_mtime_ns"] == mtime
    stable = settled or unchanged  # whole-file formats: complete once either holds
    if (
        row is not None
        and row["size"] == size
        and row["mtime_ns"] == mtime
        and row["status"] in ("done", "quarantined", "partial")
    ):
        if row["status"] != "partial" or row["offset_bytes"] >= size or not stable:
            return None
    fmt = row["format"] if row is not None and row["status"] == "partial" else None
    if fmt is None:
        if size == 0:
            return _wait(src, key, row, seen)
        try:
            fmt = detect_format(p)
        except Exception as exc:  # IngestError, or a library failing on odd content
            if not stable:
                return _wait(src, key, row, seen)
            reason = (
                exc.reason
                if isinstance(exc, IngestError)
                else f"cannot detect the format: {type(exc).__name__}: {exc}"
            )
            return _quarantine_file(src, p, key, size, mtime, reason)
    compressed = base_suffix(p) != p.suffix.lower()
    if fmt in LINE_FORMATS and not compressed:
        # an unterminated last line is taken only when the file is settled AND was seen unchanged
        return _line_chunk(src, p, key, fmt, row, size, mtime, settled and unchanged)
    if not stable:
        return _wait(src, key, row, seen)
    sha = _sha_file(p)
    if row is not None and row["sha256"] == sha and row["status"] in ("done", "quarantined"):
        return Chunk(src.name, key, input={**seen, "size": size, "mtime_ns": mtime})
    if fmt in IMAGERY_FORMATS:
        return _imagery_chunk(src, p, key, fmt, seen, sha)
    local = Quarantine()
    try:
        obs = read_file(p, fmt, quarantine=local)
    except IngestError as exc:
        return _quarantine_file(src, p, key, size, mtime, exc.reason, sha)
    except Exception as exc:  # a reader failing on malformed content must not stop the watcher
        return _quarantine_file(
            src, p, key, size, mtime, f"cannot read as {fmt}: {type(exc).__name__}: {exc}", sha
        )
    if row is not None and row["status"] == "done":
        log.warning(
            "source %s: %s changed after it was consumed; reading the new version whole",
            src.name,
            p,
        )
    return Chunk(
        src.name, key, obs=obs, quarantine=_qframe(local, src.name),
        input={**seen, "status": "done", "format": fmt, "size": size, "mtime_ns": mtime, "sha256": sha,
               "offset_bytes": size, "rows": int((row or {}).get("rows") or 0) + len(obs), "reason": None},
    )  # fmt: skip


def _imagery_chunk(src, p: Path, key: str, fmt: str, seen: dict[str, Any], sha: str) -> Chunk:
    """A complete satellite detections or scenes file: read once (bad rows quarantined) and
    handed to the tick to keep until its partner is there (:mod:`navwatch.alerts.imagery`)."""
    size, mtime = seen["seen_size"], seen["seen_mtime_ns"]
    try:
        pending, local = read_pending_file(p, fmt, src.name, key)
    except IngestError as exc:
        return _quarantine_file(src, p, key, size, mtime, exc.reason, sha)
    except Exception as exc:  # a reader failing on malformed content must not stop the watcher
        return _quarantine_file(
            src, p, key, size, mtime, f"cannot read as {fmt}: {type(exc).__name__}: {exc}", sha
        )
    log.info("source %s: %s: %s file, %d row(s)", src.name, p, fmt, pending["rows"])
    return Chunk(
        src.name, key, quarantine=_qframe(local, src.name), imagery=pending,
        input={**seen, "status": "done", "format": fmt, "size": size, "mtime_ns": mtime, "sha256": sha,
               "offset_bytes": size, "rows": pending["rows"], "reason": None},
    )  # fmt: skip


def _wait(src, key: str, row: dict[str, Any] | None, seen: dict[str, Any]) -> Chunk:
    """Not ready yet: only remember what was seen (for the two-observation stability rule)."""
    return Chunk(src.name, key, input=seen if row is not None else {**seen, "status": "pending"})


def _quarantine_file(
    src, p: Path, key: str, size: int, mtime: int, reason: str, sha: str | None = None
) -> Chunk:
    log.warning("source %s: quarantined %s: %s", src.name, p, reason)
    return Chunk(
        src.name, key, quarantine=_qrow(src.name, str(p), "unreadable_file", reason),
        input=dict(source=src.name, key=key, status="quarantined", size=size, mtime_ns=mtime, seen_size=size,
                   seen_mtime_ns=mtime, sha256=sha, reason=reason),
    )  # fmt: skip


def _line_chunk(
    src, p: Path, key: str, fmt: str, row, size: int, mtime: int, stable: bool
) -> Chunk | None:
    offset = int(row["offset_bytes"]) if row is not None and row["status"] == "partial" else 0
    lines_before = int(row["lines"]) if offset else 0
    rows_before = int(row["rows"]) if offset else 0
    if offset and (size < offset or _sha_head(p, offset) != row["sha256"]):
        log.warning(
            "source %s: %s was truncated or replaced; reading it again from the start", src.name, p
        )
        offset = lines_before = rows_before = 0
    with open(p, "rb") as fh:
        fh.seek(offset)
        data = fh.read(size - offset)
    cut = data.rfind(b"\n") + 1
    if stable and cut < len(data) and data[cut:].strip():
        cut = len(data)  # a complete file whose last line has no newline
    parts = data[:cut].split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    text = [x.decode("utf-8", errors="replace").rstrip("\r") for x in parts]
    if fmt == "nmea":
        k = incomplete_tail(text)
        if k < len(text):
            cut = sum(len(x) + 1 for x in parts[:k])
            text = text[:k]
    seen = dict(source=src.name, key=key, seen_size=size, seen_mtime_ns=mtime)
    if not text:
        if row is not None and row["seen_size"] == size and row["seen_mtime_ns"] == mtime:
            return None
        return Chunk(
            src.name, key, input=seen if row is not None else {**seen, "status": "pending"}
        )
    local = Quarantine()
    file = str(p)
    if fmt == "nmea":
        obs = parse_lines(text, file=file, quarantine=local)
        obs = _shift_lines(obs, lines_before)
        q = _qframe(local, src.name, line_offset=lines_before)
    else:
        header = b""
        if offset:  # a chunk from the middle of the file: the header line goes first
            with open(p, "rb") as orig:
                header = orig.readline()
        try:
            obs = READERS[fmt](InMemory(header + data[:cut], file), quarantine=local)
        except IngestError as exc:
            return _quarantine_file(src, p, key, size, mtime, exc.reason)
        except Exception as exc:
            return _quarantine_file(
                src, p, key, size, mtime, f"cannot read as {fmt}: {type(exc).__name__}: {exc}"
            )
        shift = lines_before - 1 if offset else 0
        if "src_file" in obs.columns:
            obs["src_file"] = pd.array([file] * len(obs), dtype="string")
        obs = _shift_lines(obs, shift)
        q = _qframe(local, src.name, line_offset=shift)
    new_offset = offset + cut
    return Chunk(
        src.name, key, obs=obs, quarantine=q,
        input={**seen, "status": "partial", "format": fmt, "offset_bytes": new_offset, "lines": lines_before + len(text),
               "rows": rows_before + len(obs), "size": size, "mtime_ns": mtime, "sha256": _sha_head(p, new_offset), "reason": None},
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# HTTP


def fetch_http(src: HttpSource, row: dict[str, Any] | None) -> Chunk | None:
    """Poll an HTTP(S) URL; new rows (newer than any consumed before) or None."""
    where = redact_url(src.url)
    headers = {
        "User-Agent": "navwatch-watch",
        "Accept": "text/csv, application/json;q=0.9, */*;q=0.1",
    }
    headers.update({k: v.reveal() for k, v in src.headers})
    if row is not None and row.get("etag"):
        headers["If-None-Match"] = row["etag"]
    req = urllib.request.Request(src.url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=src.timeout_s) as resp:
            body = resp.read()
            ctype = resp.headers.get("Content-Type", "")
            etag = resp.headers.get("ETag")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return None
        poll_errors[src.name] += 1
        log.warning(
            "source %s: GET %s: HTTP %s %s (will retry next tick)",
            src.name,
            where,
            exc.code,
            exc.reason,
        )
        return None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        poll_errors[src.name] += 1
        log.warning(
            "source %s: GET %s failed: %s (will retry next tick)",
            src.name,
            where,
            getattr(exc, "reason", exc),
        )
        return None
    sha = hashlib.sha256(body).hexdigest()
    base = dict(source=src.name, key=where, etag=etag)
    if row is not None and row.get("sha256") == sha:
        return Chunk(src.name, where, input=base) if etag != row.get("etag") else None
    fmt = src.format
    if fmt == "auto":
        head = body.lstrip()[:1]
        fmt = "json" if "json" in ctype or head in (b"[", b"{") else "csv"
    local = Quarantine()
    try:
        source, body_format = _http_body(body, fmt, where)
        obs = read_observations(source, quarantine=local, format=body_format)
    except (IngestError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, IngestError) else str(exc)
        log.warning("source %s: %s: quarantined response: %s", src.name, where, reason)
        return Chunk(
            src.name,
            where,
            quarantine=_qrow(
                src.name,
                where,
                "unreadable_response",
                reason,
                body[:300].decode("utf-8", "replace"),
            ),
            input={**base, "status": "quarantined", "sha256": sha, "reason": reason},
        )
    hw = None if row is None else row.get("high_water_ns")
    if hw is not None and len(obs):
        t = (
            obs["time"].array.asi8
            if hasattr(obs["time"].array, "asi8")
            else obs["time"].astype("int64").to_numpy()
        )
        obs = obs[t > hw].reset_index(drop=True)
    if len(obs):
        hw = max(hw or 0, int(pd.Timestamp(obs["time"].max()).value))
    if "src_file" in obs.columns:
        obs["src_file"] = pd.array([where] * len(obs), dtype="string")
    return Chunk(
        src.name, where, obs=obs, quarantine=_qframe(local, src.name),
        input={**base, "status": "done", "format": fmt, "sha256": sha, "high_water_ns": hw, "size": len(body),
               "rows": int((row or {}).get("rows") or 0) + len(obs), "reason": None},
    )  # fmt: skip


def _http_body(body: bytes, fmt: str, where: str) -> tuple[InMemory, str | None]:
    """The response body as in-memory input called ``where``, and its format when the body
    says (GeoJSON); a JSON list of records becomes CSV text."""
    if fmt == "csv":
        return InMemory(body, where), None
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise IngestError("response", f"not valid JSON: {exc}") from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return InMemory(body, where), "geo"
    if isinstance(data, dict):
        for k in ("observations", "positions", "records", "data", "items", "results"):
            if isinstance(data.get(k), list):
                data = data[k]
                break
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise IngestError(
            "response",
            "JSON must be a list of records, an object with one (observations/records/data/...), or GeoJSON",
        )
    return InMemory(pd.DataFrame(data).to_csv(index=False).encode("utf-8"), where), None


# ----------------------------------------------------------------------------------------------
# live feeds


def stamp(lines: list[str], now_s: float) -> list[str]:
    """Prefix a receive time to sentences that carry none (a leading time or a tag block).

    >>> stamp(["!AIVDM,1,1,,A,x,0*00", "1452468552.938 !AIVDM,1,1,,B,y,0*00", ""], 1700000000.5)
    ['1700000000.500 !AIVDM,1,1,,A,x,0*00', '1452468552.938 !AIVDM,1,1,,B,y,0*00']
    """
    pre = f"{now_s:.3f} "
    out = []
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        out.append(pre + ln if ln[0] in "!$\\" else ln)
    return out


class FeedBuffer:
    """Collects live lines in memory and appends them to the state database every
    ``flush_s`` seconds, one row per source and flush (durable before the next tick)."""

    def __init__(self, store, flush_s: float = 0.1) -> None:
        self.store = store
        self.flush_s = flush_s
        self._lock = threading.Lock()
        self._pending: dict[str, list[str]] = defaultdict(list)
        self._first_ns: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="navwatch-feed-buffer", daemon=True)
        self.received = 0
        self.written = 0

    def start(self) -> FeedBuffer:
        self._thread.start()
        return self

    def add(self, source: str, lines: list[str]) -> None:
        if not lines:
            return
        with self._lock:
            self._pending[source].extend(lines)
            self._first_ns.setdefault(source, time.time_ns())
            self.received += len(lines)

    def write_now(self, source: str, lines: list[str]) -> None:
        """Append ``lines`` to the durable store before returning (raises if it cannot): for
        receivers that acknowledge what they got (AIS-catcher's HTTP push)."""
        if lines:
            self.store.append_feed([(source, time.time_ns(), len(lines), "\n".join(lines))])
            with self._lock:
                self.received += len(lines)
                self.written += len(lines)

    def flush(self) -> int:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(list)
            first, self._first_ns = self._first_ns, {}
        rows = [(s, first[s], len(ls), "\n".join(ls)) for s, ls in pending.items() if ls]
        if not rows:
            return 0
        n = sum(r[2] for r in rows)
        attempt = 0
        while True:
            try:
                self.store.append_feed(rows)
                break
            except Exception as exc:  # database briefly unavailable: keep the lines, retry
                attempt += 1
                if self._stop.is_set() and attempt > 30:
                    log.error(
                        "feed buffer: state database unavailable while stopping; %d received line(s) not stored",
                        n,
                    )
                    return 0
                log.warning(
                    "feed buffer: cannot write %d line(s) to the state database (%s: %s); retrying",
                    n,
                    type(exc).__name__,
                    getattr(exc, "orig", exc),
                )
                time.sleep(1.0)
        self.written += n
        return n

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            self.flush()
        self.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        else:
            self.flush()


def next_delay(delay: float, lo: float, hi: float) -> tuple[float, float]:
    """(seconds to wait now, the next delay) for a reconnecting client: exponential, capped at
    ``hi``, jittered to 50-100 % of ``delay`` (never below ``lo``) so many clients do not
    reconnect in step. The one backoff every live feed uses.

    >>> wait, nxt = next_delay(4.0, 0.5, 5.0)
    >>> 2.0 <= wait <= 4.0, nxt
    (True, 5.0)
    """
    delay = min(max(delay, lo), hi)
    wait = max(lo, delay * random.uniform(0.5, 1.0))
    return wait, min(delay * 2, hi)


class _Listener(threading.Thread):
    """A live-feed listener thread for source ``src`` handing what it receives to ``buffer``,
    with the health counters :class:`navwatch.alerts.health.HealthSource` reads, the same for
    every feed:

    * ``messages``, ``last_message_ns``: messages (lines) received, and when the last came;
    * ``reconnects``: connections made after the first successful one (a client connected
      4 times has 3; a listener that does not connect out, UDP or HTTP push, has none);
    * ``errors``: failed connection attempts (refused, timed out, handshake or broker refusal),
      connections lost through an error (a clean close by the server is a reconnect only, a
      close because the listener stops is neither), error answers from the server, rejected
      pushes, and receive errors on a listening socket.
    """

    messages = 0
    last_message_ns: int | None = None
    reconnects = 0
    errors = 0

    def __init__(self, kind: str, src: Any, buffer: FeedBuffer) -> None:
        super().__init__(name=f"navwatch-{kind}-{src.name}", daemon=True)
        self.src = src
        self.buffer = buffer
        self.stop_event = threading.Event()
        self.connected = threading.Event()
        self.connections = 0

    def _got(self, n: int = 1) -> None:
        """``n`` messages received now."""
        self.messages += n
        self.last_message_ns = time.time_ns()

    def _counted(self, lines: list[str]) -> list[str]:
        if lines:
            self._got(len(lines))
        return lines

    def stop(self) -> None:
        self.stop_event.set()


class _Reconnecting(_Listener):
    """A client that keeps a connection to a server: :meth:`_session` connects, calls
    :meth:`_opened` once connected and reads until the connection ends (returning when the
    server closed it cleanly or the listener stops, raising on any failure). :meth:`run`
    counts, waits with :func:`next_delay` between ``src.reconnect_min_s`` and
    ``src.reconnect_max_s`` and connects again; the delay starts over after a session that
    delivered messages or lasted longer than ``reconnect_max_s``."""

    def _session(self) -> None:
        raise NotImplementedError

    def _where(self) -> str:
        return f"{self.src.host}:{self.src.port}"

    def _opened(self) -> None:
        self.connections += 1
        self.reconnects += int(self.connections > 1)
        self.connected.set()
        log.info("feed %s: connected to %s", self.src.name, self._where())

    def _attempt(self) -> tuple[int, str]:
        """One session: (log level, how it ended); a failure counted in ``errors``."""
        try:
            self._session()
            return logging.INFO, "connection closed by the server"
        except Exception as exc:  # noqa: BLE001 - any failure: count it, connect again later
            if self.stop_event.is_set():
                return logging.DEBUG, "stopped"
            self.errors += 1
            what = "connection lost" if self.connected.is_set() else "cannot connect"
            return logging.WARNING, f"{what}: {type(exc).__name__}: {exc}"
        finally:
            self.connected.clear()

    def run(self) -> None:
        lo, hi = self.src.reconnect_min_s, self.src.reconnect_max_s
        delay = lo
        while not self.stop_event.is_set():
            before, began = self.messages, time.monotonic()
            level, how = self._attempt()
            if self.stop_event.is_set():
                break
            if self.messages > before or time.monotonic() - began > hi:
                delay = lo
            wait, delay = next_delay(delay, lo, hi)
            log.log(level, "feed %s: %s: %s; reconnecting in %.1f s", self.src.name,
                    self._where(), how, wait)  # fmt: skip
            self.stop_event.wait(wait)


class TcpFeed(_Reconnecting):
    """TCP client of an NMEA feed; reconnects with capped, jittered exponential backoff."""

    def __init__(self, src: TcpSource, buffer: FeedBuffer) -> None:
        super().__init__("tcp", src, buffer)

    def _session(self) -> None:
        with socket.create_connection((self.src.host, self.src.port), timeout=5) as sock:
            self._opened()
            self._read(sock)

    def _read(self, sock: socket.socket) -> None:
        sock.settimeout(0.5)
        buf = b""
        while not self.stop_event.is_set():
            try:
                data = sock.recv(1 << 18)
            except TimeoutError:
                continue
            if not data:
                break
            buf += data
            i = buf.rfind(b"\n")
            if i >= 0:
                chunk, buf = buf[: i + 1], buf[i + 1 :]
                lines = stamp(chunk.decode("ascii", "replace").split("\n"), time.time())
                self.buffer.add(self.src.name, self._counted(lines))
        if buf.strip():
            lines = stamp([buf.decode("ascii", "replace")], time.time())
            self.buffer.add(self.src.name, self._counted(lines))


class UdpFeed(_Listener):
    """UDP listener for NMEA datagrams (one or more sentences each). A receive error is counted,
    logged, and listening goes on (on a new socket if this one is closed or broken)."""

    def __init__(self, src: UdpSource, buffer: FeedBuffer) -> None:
        super().__init__("udp", src, buffer)
        try:
            self.sock = self._bind()
        except OSError as exc:
            raise IngestError(
                f"udp://{src.host}:{src.port}", f"feed {src.name}: cannot listen: {exc}"
            ) from None
        log.info("feed %s: listening on udp %s:%s", src.name, src.host, src.port)

    def _bind(self) -> socket.socket:
        src = self.src
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_RCVBUF, getattr(src, "rcvbuf_bytes", 1 << 23)
            )
        except OSError:
            pass
        try:
            sock.bind((src.host, src.port))
        except OSError:
            sock.close()
            raise
        sock.settimeout(0.5)
        return sock

    def _receive(self) -> list[bytes]:
        """A datagram, then what is already queued (without blocking)."""
        sock = self.sock
        batch = [sock.recv(65535)]
        sock.setblocking(False)
        try:
            for _ in range(4096):
                batch.append(sock.recv(65535))
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            sock.settimeout(0.5)
        return batch

    def _deliver(self, batch: list[bytes]) -> None:
        text = b"\n".join(batch).decode("ascii", "replace")
        self.buffer.add(self.src.name, self._counted(stamp(text.split("\n"), time.time())))

    def _recover(self, exc: OSError, delay: float) -> float:
        """Count and log a receive error, wait, and listen on a new socket if this one is
        closed or broken; the next delay."""
        self.errors += 1
        wait, delay = next_delay(delay, 0.1, 5.0)
        log.warning("feed %s: receive error on udp %s:%s: %s; listening again in %.1f s",
                    self.src.name, self.src.host, self.src.port, exc, wait)  # fmt: skip
        if self.stop_event.wait(wait):
            return delay
        if self.sock.fileno() < 0 or exc.errno in (errno.EBADF, errno.ENOTSOCK, errno.EINVAL):
            self.sock.close()
            try:
                self.sock = self._bind()
            except OSError as bind_exc:  # stays closed: the next receive fails and retries
                log.warning("feed %s: cannot listen again: %s", self.src.name, bind_exc)
        return delay

    def run(self) -> None:
        delay = 0.1
        while not self.stop_event.is_set():
            try:
                batch = self._receive()
            except TimeoutError:
                continue
            except OSError as exc:
                if self.stop_event.is_set():
                    break
                delay = self._recover(exc, delay)
                continue
            delay = 0.1
            self._deliver(batch)
        self.sock.close()


def decode_feed(
    snapshot_feed: list[tuple[int, str, int, str]],
    known: dict[tuple[str, str], dict[str, Any]],
    formats: Mapping[str, str] | None = None,
) -> list[Chunk]:
    """Decode buffered live lines per source (the ``nw_inputs`` row ``(source, "feed")`` holds
    its counters). ``formats`` maps a source to its format (``nmea`` when absent: rows written
    before sources had formats are NMEA). NMEA keeps a trailing incomplete multi-part message
    (``carry``) for the next tick instead of cutting it; JSON formats hold one message a line
    and go through :func:`navwatch.io.live.decode`."""
    formats = formats or {}
    by_src: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for fid, source, received_ns, data in snapshot_feed:
        by_src[source].append((fid, received_ns, data))
    carried = {s: (r.get("carry") or "") for (s, k), r in known.items() if k == "feed"}
    out = []
    for source in sorted(set(by_src) | {s for s, c in carried.items() if c}):
        fmt = formats.get(source, "nmea")
        row = known.get((source, "feed")) or {}
        parts = by_src.get(source, [])
        local = Quarantine()
        if fmt == "nmea":
            obs, n_lines, keep = _decode_nmea(source, carried.get(source) or "", parts, local)
        else:
            obs, n_lines = _decode_json(source, fmt, parts, int(row.get("lines") or 0), local)
            keep = ""
        out.append(
            Chunk(source, "feed", obs=obs, quarantine=_qframe(local, source), feed_ids=[p[0] for p in parts],
                  input=dict(source=source, key="feed", status="partial", format=fmt, carry=keep, reason=None,
                             lines=int(row.get("lines") or 0) + n_lines, rows=int(row.get("rows") or 0) + (0 if obs is None else len(obs))))
        )  # fmt: skip
    return out


def _decode_nmea(
    source: str, carry: str, parts: list[tuple[int, int, str]], q: Quarantine
) -> tuple[pd.DataFrame | None, int, str]:
    text = "\n".join(([carry] if carry else []) + [d for _, _, d in parts])
    lines = text.split("\n") if text else []
    k = incomplete_tail(lines)
    keep = "\n".join(lines[k:])
    lines = lines[:k]
    obs = parse_lines(lines, file=f"feed:{source}", quarantine=q) if lines else None
    return obs, sum(1 for ln in lines if ln.strip()), keep


def _decode_json(
    source: str, fmt: str, parts: list[tuple[int, int, str]], lines_before: int, q: Quarantine
) -> tuple[pd.DataFrame | None, int]:
    """One buffer row (one flush: messages received within ``feed_flush_s``) at a time, so
    messages without a time of their own get the time they were received."""
    frames = []
    n = lines_before
    for _, received_ns, data in parts:
        msgs = [m for m in data.split("\n") if m.strip()]
        local = Quarantine()
        obs = live_decode(
            fmt, msgs, file=f"feed:{source}", quarantine=local, received_ns=received_ns
        )
        frames.append(_shift_lines(obs, n))
        f = local.to_frame()
        if len(f):
            f["line"] = f["line"] + n
            q.add_frame(f)
        n += len(msgs)
    if not frames:
        return None, 0
    # the same message received twice is left out by the tick (navwatch.alerts.dedup)
    return _concat_keeping_attrs(frames), n - lines_before


def _concat_keeping_attrs(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate decoded batches; table-valued ``attrs`` (e.g. static data) concatenated too,
    others from the last batch (pandas cannot compare table-valued attrs itself)."""
    attrs: dict[str, list[Any]] = {}
    for f in frames:
        for k, v in f.attrs.items():
            attrs.setdefault(k, []).append(v)
        f.attrs = {}
    obs = concat(frames)
    for k, vs in attrs.items():
        dfs = [v for v in vs if isinstance(v, pd.DataFrame)]
        obs.attrs[k] = pd.concat(dfs, ignore_index=True) if len(dfs) == len(vs) else vs[-1]
    return obs


def live_decode(
    fmt: str, messages: list[str], *, file: str, quarantine: Quarantine, received_ns: int | None
) -> pd.DataFrame:
    """:func:`navwatch.io.live.decode` (the JSON feed decoders)."""
    from ..io.live import decode

    recv = None if received_ns is None else [received_ns] * len(messages)
    return decode(fmt, messages, file=file, quarantine=quarantine, received_ns=recv)
