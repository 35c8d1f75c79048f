"""Network live sources beyond raw NMEA: aisstream.io-style WebSocket, AIS-catcher JSON (UDP and
HTTP push), Digitraffic-style MQTT, and AISHub polling.

Listener threads (:class:`WebsocketFeed`, :class:`AiscatcherUdpFeed`, :class:`AiscatcherHttpFeed`,
:class:`MqttFeed`) hand each message, re-serialised as one line of JSON, to the
:class:`~navwatch.alerts.sources.FeedBuffer`; the tick decodes them by the source's format
(:func:`~navwatch.alerts.sources.decode_feed`). A message that is not valid JSON is kept as its
text on one line, so the decoder quarantines it with a reason. Each feed counts ``messages``,
``last_message_ns``, ``reconnects`` and ``errors`` for the health report, as defined in
:class:`~navwatch.alerts.sources._Listener`; the WebSocket and MQTT clients reconnect through the
same loop as the TCP one (:class:`~navwatch.alerts.sources._Reconnecting`).

:func:`poll_aishub` is called by the tick like an HTTP source, never more often than the
source's ``min_interval_s``.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd

from ..errors import IngestError
from ..quarantine import Quarantine
from .config import (
    AiscatcherSource,
    AishubSource,
    MqttSource,
    TcpSource,
    UdpSource,
    WebsocketSource,
    redact_url,
)
from .sources import (
    Chunk,
    FeedBuffer,
    TcpFeed,
    UdpFeed,
    _Listener,
    _qframe,
    _Reconnecting,
    live_decode,
)

__all__ = [
    "AiscatcherHttpFeed",
    "AiscatcherUdpFeed",
    "MqttFeed",
    "WebsocketFeed",
    "make_feed",
    "poll_aishub",
]

log = logging.getLogger("navwatch.watch")

SUBSCRIBE_WITHIN_S = 3.0


def one_line(obj_or_text: Any) -> str:
    """A message as one line: JSON re-serialised compactly, other text with newlines escaped.

    >>> one_line(b'{"a": 1,\\n "b": [1, 2]}')
    '{"a":1,"b":[1,2]}'
    >>> one_line("not json\\nat all")
    'not json\\\\nat all'
    """
    if isinstance(obj_or_text, bytes | bytearray):
        obj_or_text = bytes(obj_or_text).decode("utf-8", "replace")
    if isinstance(obj_or_text, str):
        try:
            obj_or_text = json.loads(obj_or_text)
        except (ValueError, RecursionError):  # kept as text: the decoder quarantines it
            return obj_or_text.strip().replace("\r", "\\r").replace("\n", "\\n")
    return json.dumps(obj_or_text, separators=(",", ":"), ensure_ascii=False)


# ----------------------------------------------------------------------------------------------
# WebSocket (aisstream.io)


def subscription(src: WebsocketSource) -> dict[str, Any]:
    """The aisstream.io subscription message (the API key revealed: never log it)."""
    msg: dict[str, Any] = {
        "APIKey": src.api_key.reveal() if src.api_key is not None else "",
        "BoundingBoxes": [[list(a), list(b)] for a, b in src.bounding_boxes],
    }
    if src.mmsi:
        msg["FiltersShipMMSI"] = list(src.mmsi)
    if src.message_types:
        msg["FilterMessageTypes"] = list(src.message_types)
    return msg


class WebsocketFeed(_Reconnecting):
    """Client of an aisstream.io-style WebSocket; reconnects like every client feed
    (:class:`~navwatch.alerts.sources._Reconnecting`: capped, jittered backoff)."""

    src: WebsocketSource

    def __init__(self, src: WebsocketSource, buffer: FeedBuffer) -> None:
        super().__init__("ws", src, buffer)

    def _where(self) -> str:
        return redact_url(self.src.url)

    def _session(self) -> None:
        from websockets.exceptions import ConnectionClosedOK
        from websockets.sync.client import connect

        with connect(self.src.url, open_timeout=10, close_timeout=2) as ws:
            ws.send(json.dumps(subscription(self.src)))  # at once: well within 3 s
            self._opened()
            try:
                self._read(ws)
            except ConnectionClosedOK:  # a clean close by the server: reconnect, no error
                return

    def _read(self, ws: Any) -> None:
        while not self.stop_event.is_set():
            try:
                raw = ws.recv(timeout=0.5)
            except TimeoutError:
                continue
            line = one_line(raw)
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                obj = None
            if isinstance(obj, dict) and "error" in obj:
                self.errors += 1
                log.warning("feed %s: server answered an error: %s", self.src.name, obj["error"])
                continue
            self._got()
            self.buffer.add(self.src.name, [line])


# ----------------------------------------------------------------------------------------------
# AIS-catcher


class AiscatcherUdpFeed(UdpFeed):
    """AIS-catcher's ``-u host port JSON on``: one JSON object per datagram."""

    def __init__(self, src: AiscatcherSource, buffer: FeedBuffer) -> None:
        super().__init__(src, buffer)  # type: ignore[arg-type]
        self.name = f"navwatch-aiscatcher-udp-{src.name}"

    def _deliver(self, batch: list[bytes]) -> None:
        self.buffer.add(self.src.name, self._counted([one_line(d) for d in batch]))


class AiscatcherHttpFeed(_Listener):
    """Receiver of AIS-catcher's HTTP push (``{"protocol": "jsonaiscatcher", "msgs": [...]}``):
    answers 200 only once the messages are in the state database."""

    src: AiscatcherSource

    def __init__(self, src: AiscatcherSource, buffer: FeedBuffer) -> None:
        super().__init__("aiscatcher-http", src, buffer)
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                code, text = feed.receive(self.path, self.headers, self.rfile)
                body = text.encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        try:
            self.server = ThreadingHTTPServer((src.host, src.port), Handler)
        except OSError as exc:
            raise IngestError(
                f"http://{src.host}:{src.port}", f"feed {src.name}: cannot listen: {exc}"
            ) from None
        self.server.daemon_threads = True
        log.info("feed %s: receiving AIS-catcher pushes on http %s:%s%s", src.name, src.host,
                 src.port, src.path)  # fmt: skip

    def receive(self, path: str, headers: Any, rfile: Any) -> tuple[int, str]:
        if urllib.parse.urlsplit(path).path != self.src.path:
            return 404, "not found\n"
        data = rfile.read(int(headers.get("Content-Length") or 0))
        if headers.get("Content-Encoding", "") == "gzip":
            data = gzip.decompress(data)
        try:
            env = json.loads(data)
            msgs = env["msgs"]
            if not isinstance(msgs, list):
                raise ValueError("msgs is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            self.errors += 1
            log.warning("feed %s: rejected a push: %s", self.src.name, exc)
            return 400, f"expected a jsonaiscatcher envelope: {exc}\n"
        try:
            self.buffer.write_now(self.src.name, [one_line(m) for m in msgs])
        except Exception as exc:  # noqa: BLE001 - not stored: the sender must retry
            self.errors += 1
            log.warning("feed %s: cannot store a push (%s); answered 503", self.src.name, exc)
            return 503, "not stored, retry\n"
        self._got(len(msgs))
        return 200, "ok\n"

    def run(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------------------------------
# MQTT (Digitraffic)


class MqttFeed(_Reconnecting):
    """Subscriber to an MQTT broker; paho-mqtt is driven here (``connect`` and ``loop``, never
    its own reconnecting loop), so it reconnects and counts like every client feed
    (:class:`~navwatch.alerts.sources._Reconnecting`). The topics are subscribed on every
    connection; a refused connection and a lost one are errors."""

    src: MqttSource

    def __init__(self, src: MqttSource, buffer: FeedBuffer) -> None:
        super().__init__("mqtt", src, buffer)
        self.client = self._client()
        self._refused: Any = None
        self._dropped: Any = None

    def _client(self) -> Any:
        import paho.mqtt.client as mqtt

        src = self.src
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, transport=src.transport)  # type: ignore[arg-type]
        if src.transport == "websockets":
            c.ws_set_options(path=src.ws_path)
        if src.tls:
            c.tls_set()
        if src.username is not None:
            c.username_pw_set(
                src.username.reveal(), None if src.password is None else src.password.reveal()
            )
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        return c

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if getattr(reason, "is_failure", False):
            self._refused = reason
            return
        client.subscribe([(t, self.src.qos) for t in self.src.topics])
        self._opened()

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self._dropped = reason

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        text = msg.payload.decode("utf-8", "replace")
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError):
            payload = text  # kept as a string: the decoder quarantines it
        self._got()
        self.buffer.add(self.src.name, [one_line({"topic": msg.topic, "payload": payload})])

    def _session(self) -> None:
        c = self.client
        self._refused = self._dropped = None
        c.connect(self.src.host, self.src.port, keepalive=30)  # raises when it cannot connect
        while not self.stop_event.is_set():
            rc = c.loop(timeout=0.5)  # callbacks run here, in this thread
            if self._refused is not None:
                c.disconnect()
                raise ConnectionRefusedError(f"broker refused the connection: {self._refused}")
            if rc:
                if self._dropped is not None and not getattr(self._dropped, "is_failure", True):
                    return  # the broker closed the connection cleanly
                raise ConnectionError(f"{self._dropped or 'connection lost'} (paho rc {int(rc)})")
        c.disconnect()  # stopping: a clean DISCONNECT


def make_feed(src: Any, buffer: FeedBuffer) -> threading.Thread:
    """The listener thread for a live source (not started)."""
    if isinstance(src, TcpSource):
        return TcpFeed(src, buffer)
    if isinstance(src, UdpSource):
        return UdpFeed(src, buffer)
    if isinstance(src, WebsocketSource):
        return WebsocketFeed(src, buffer)
    if isinstance(src, MqttSource):
        return MqttFeed(src, buffer)
    if isinstance(src, AiscatcherSource):
        return (AiscatcherUdpFeed if src.mode == "udp" else AiscatcherHttpFeed)(src, buffer)
    raise TypeError(f"not a live source: {src!r}")


# ----------------------------------------------------------------------------------------------
# AISHub

_last_poll: dict[tuple[str, str], float] = {}


def aishub_url(src: AishubSource) -> str:
    """The request URL (with the username: never log it; :func:`redact_url` hides it)."""
    q = {
        "username": src.username.reveal(),
        "format": "1",
        "output": src.format,
        "compress": "0",
    }
    if src.bounding_box is not None:
        (a, b), (c, d) = src.bounding_box
        q.update(latmin=str(min(a, c)), latmax=str(max(a, c)), lonmin=str(min(b, d)),
                 lonmax=str(max(b, d)))  # fmt: skip
    return f"{src.url}?{urllib.parse.urlencode(q)}"


def poll_aishub(src: AishubSource, row: dict[str, Any] | None, now_s: float) -> Chunk | None:
    """Poll AISHub unless it was polled less than ``min_interval_s`` ago (also across
    restarts: the ``nw_inputs`` row keeps the poll time); the positions not seen before
    (per vessel, newer than its last consumed report)."""
    key = (src.name, src.url)
    last = max(_last_poll.get(key, 0.0), ((row or {}).get("mtime_ns") or 0) / 1e9)
    if now_s - last < src.min_interval_s:
        return None
    _last_poll[key] = now_s
    where = redact_url(src.url)
    base = dict(source=src.name, key="aishub", mtime_ns=int(now_s * 1e9))
    try:
        req = urllib.request.Request(aishub_url(src), headers={"User-Agent": "navwatch-watch"})
        with urllib.request.urlopen(req, timeout=src.timeout_s) as resp:
            body = resp.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("source %s: %s: %s (next poll in %.0f s)", src.name, where,
                    getattr(exc, "reason", exc), src.min_interval_s)  # fmt: skip
        return Chunk(
            src.name, "aishub", input={**base, "status": (row or {}).get("status") or "pending"}
        )
    local = Quarantine()
    obs = live_decode("aishub", [body], file=where, quarantine=local,
                      received_ns=int(now_s * 1e9))  # fmt: skip
    seen = json.loads((row or {}).get("carry") or "{}")
    obs, seen = _newer_per_vessel(obs, seen)
    return Chunk(src.name, "aishub", obs=obs, quarantine=_qframe(local, src.name),
                 input={**base, "status": "done", "format": src.format, "carry": json.dumps(seen),
                        "rows": int((row or {}).get("rows") or 0) + len(obs), "reason": None})  # fmt: skip


def _newer_per_vessel(
    obs: pd.DataFrame, seen: dict[str, int]
) -> tuple[pd.DataFrame, dict[str, int]]:
    if not len(obs):
        return obs, seen
    t = pd.to_datetime(obs["time"], utc=True).astype("int64").to_numpy()
    ids = obs["mmsi"].astype("string").fillna("").to_numpy()
    keep = [ti > seen.get(m, -1) for m, ti in zip(ids, t, strict=True)]
    obs = obs[keep].reset_index(drop=True)
    for m, ti in zip(ids, t, strict=True):
        seen[m] = max(seen.get(m, -1), int(ti))
    return obs, seen
