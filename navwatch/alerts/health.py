"""Feed health: per-source counters, ``feed_silent``/``feed_recovered`` alerts, ``/healthz`` and
``/metrics``.

Every source keeps a row in the state database (``nw_feed_health``, schema version 3): when it
was first watched, its last message, total messages, reconnects and errors, messages per minute
and whether it is silent. Listener threads keep plain counters in memory (the
:class:`HealthSource` protocol: ``messages``, ``last_message_ns``, ``reconnects``, ``errors``,
and the source config as ``src`` with a ``name``); :class:`FeedHealth` adds what changed since
it last looked to the stored row in one short transaction at the start of every tick, when a
listener stops, and before ``/healthz`` or ``/metrics`` answer. Polled sources (directories,
HTTP) count the rows each tick read and the rows it quarantined.

Silence and recovery are decided **inside** the tick's commit transaction
(:meth:`~navwatch.alerts.store.Store.commit_tick` ``health=``) from the stored rows, so the row's
new status and the alerts are committed together:

* a source with no message for ``silent_after_s`` (per source, else ``[health] silent_after_s``)
  turns *silent*; its silence is the health event ``sha256("feed|<source>|<last message ns>")``
  (the first-watched time when it never sent anything) and, with ``feed_silent`` in
  ``[alerts] events``, raises the alert of revision 0 of that event;
* a silent source whose last message is newer than the silence turns *ok* again and, with
  ``feed_recovered`` in ``[alerts] events``, raises revision 1 of the same event (kind
  ``update`` referencing the ``feed_silent`` alert when that one is enabled).

Alert ids depend only on the source and the time of the message before the silence, so a tick
rerun after a crash before its commit produces the same ids; a restarted watcher reads the
stored status and raises nothing twice. A live feed (TCP, UDP, ...) is not judged silent before
the watcher has listened to it for ``silent_after_s``: the watcher's own downtime is not the
feed's silence.

**Bounding boxes.** A source may also be watched per bounding box (``health_boxes``, or
``silent_per_box = true`` for a websocket's ``bounding_boxes`` / an AISHub ``bounding_box``):
each box is a health row of its own, named ``<source>/box<i>`` (i from 1), with the source's
threshold. A box's messages are the decoded position rows of that source inside the box (latitude
between the corners' latitudes, longitude between their longitudes, edges included; a box never
crosses the antimeridian) counted by the tick (:func:`count_in_boxes`); its last message is the
newest such row's time, capped at the tick's time. A box row is live when its source is, and its
alerts name the box and carry ``box`` (the corners) and ``parent`` (the source) in ``event``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

import pandas as pd

from ..errors import ConfigError
from .alerting import PAYLOAD_VERSION, alert_id
from .config import HEALTH_EVENTS, Box, HealthConfig

__all__ = [
    "HEALTH_EVENTS",
    "FeedHealth",
    "HealthConfig",
    "HealthSource",
    "assess",
    "count_in_boxes",
    "health_event_id",
    "metrics_text",
    "parse_listen",
    "plan_health",
    "status_lines",
]

log = logging.getLogger("navwatch.health")

_NS = 1_000_000_000


class HealthSource(Protocol):
    """What a live-feed listener exposes (counters since it started; read without locks)."""

    messages: int
    last_message_ns: int | None
    reconnects: int
    errors: int
    src: Any  # the source config; ``src.name`` is the source name


def parse_listen(listen: str, allow_remote: bool) -> tuple[str, int]:
    """``host:port`` -> (host, port); a non-loopback host is refused unless ``allow_remote``."""
    host, sep, port_s = listen.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_s.isdigit() or not 0 <= int(port_s) <= 65535:
        raise ConfigError(f'[health].listen: expected "host:port", got {listen!r}')
    if not allow_remote and not _loopback(host):
        raise ConfigError(
            f"[health].listen: {host!r} is not a loopback address; the endpoints have no "
            "authentication: set [health] allow_remote = true to serve them beyond this machine"
        )
    return host, int(port_s)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def health_event_id(source: str, ref_ns: int) -> str:
    """The id of the silence of ``source`` that followed the message at ``ref_ns``."""
    return hashlib.sha256(f"feed|{source}|{ref_ns}".encode()).hexdigest()[:16]


def _ref_ns(row: Mapping[str, Any]) -> int:
    """The time silence is measured from: the last message, else when first watched."""
    return int(row.get("last_message_ns") or row["first_seen_ns"])


def assess(row: Mapping[str, Any], threshold_s: float, now_ns: int, since_ns: int = 0) -> str:
    """``silent`` or ``ok`` for a stored row at ``now_ns``. A stored silence lasts until a newer
    message; otherwise silent when nothing came for ``threshold_s`` (measured from
    ``since_ns`` at the earliest: when the watcher started listening)."""
    last = int(row.get("last_message_ns") or 0)
    if row.get("status") == "silent":
        return "ok" if last > int(row.get("silent_since_ns") or 0) else "silent"
    ref = max(_ref_ns(row), since_ns)
    return "silent" if now_ns - ref > threshold_s * _NS else "ok"


def _fmt_ns(ns: int | None) -> str:
    if not ns:
        return "never"
    return pd.Timestamp(ns, unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M UTC")


def _minutes(s: float) -> str:
    m = int(s // 60)
    return f"{m} min" if m < 120 else f"{m // 60} h {m % 60} min"


def count_in_boxes(
    frames: Iterable[tuple[str, pd.DataFrame | None]], boxes: Iterable[tuple[str, str, Box]],
    now: float,
) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:  # fmt: skip
    """The position rows of each watched box in one tick's ``frames`` ((source, decoded rows)):
    ``({sub-source: (rows, 0)}, {sub-source: newest row time in ns, capped at now})``, every box
    in the first (0 rows when none came). Edges are inside; a NaN latitude or longitude is in no
    box.

    >>> rows = pd.DataFrame({"time": pd.to_datetime([3, 5], unit="s", utc=True),
    ...                      "lat": [1.0, float("nan")], "lon": [2.0, 2.0]})
    >>> count_in_boxes([("a", rows)], [("a", "a/box1", ((1.0, 2.0), (0.0, 0.0)))], now=10)
    ({'a/box1': (1, 0)}, {'a/box1': 3000000000})
    """
    now_ns = int(now * _NS)
    got = [(n, f) for n, f in frames if f is not None and len(f)]
    counts: dict[str, tuple[int, int]] = {}
    last: dict[str, int] = {}
    for src, sub, ((a, b), (c, d)) in boxes:
        n, newest = 0, 0
        for obs in (f for name, f in got if name == src):
            lat = obs["lat"].to_numpy(dtype=float)
            lon = obs["lon"].to_numpy(dtype=float)
            inside = (
                (lat >= min(a, c)) & (lat <= max(a, c)) & (lon >= min(b, d)) & (lon <= max(b, d))
            )
            n += int(inside.sum())
            t = obs["time"][inside].dropna()
            if len(t):
                newest = max(newest, int(pd.Timestamp(t.max()).value))
        counts[sub] = (n, 0)
        if n:
            last[sub] = min(newest, now_ns) if newest else now_ns
    return counts, last


def _where(source: str, cfg: HealthConfig | None) -> tuple[str, str]:
    """(``feed 'src'``, ``""``); for a box row (``feed '<parent>'``, `` in box i (lat, lon)-(lat, lon)``)."""
    b = cfg.box_of(source) if cfg is not None else None
    if b is None:
        return f"feed {source!r}", ""
    parent, i, ((a, o), (c, d)) = b
    return f"feed {parent!r}", f" in box {i} ({a}, {o})-({c}, {d})"


def _summary(
    kind: str, source: str, row: Mapping[str, Any], now_ns: int, cfg: HealthConfig | None = None
) -> str:
    ref = _ref_ns(row)
    last = row.get("last_message_ns")
    feed, box = _where(source, cfg)
    if kind == "feed_silent":
        return (
            f"{feed} silent{box} since {_fmt_ns(ref)} ({_minutes((now_ns - ref) / _NS)}; "
            f"last message {_fmt_ns(last)}, {int(row.get('messages') or 0)} message(s) in all)"
        )
    since = int(row.get("silent_since_ns") or row["first_seen_ns"])
    return (
        f"{feed} recovered{box}: message at {_fmt_ns(last)} after "
        f"{_minutes(((last or now_ns) - since) / _NS)} of silence"
    )


def _health_alert(
    kind: str, source: str, row: Mapping[str, Any], event_id: str, events: tuple[str, ...],
    now_ns: int, detected_at: str, cfg: HealthConfig | None = None,
) -> dict[str, Any]:  # fmt: skip
    rev = 0 if kind == "feed_silent" else 1
    aid = alert_id(event_id, rev)
    ref = alert_id(event_id, 0) if rev and "feed_silent" in events else None
    akind = "update" if ref else "new"
    rec = {
        "source": source,
        "last_message": _fmt_ns(row.get("last_message_ns")),
        "last_message_ns": row.get("last_message_ns"),
        "messages": int(row.get("messages") or 0),
        "reconnects": int(row.get("reconnects") or 0),
        "errors": int(row.get("errors") or 0),
    }
    box = cfg.box_of(source) if cfg is not None else None
    if box is not None:
        rec["parent"], rec["box"] = box[0], [list(box[2][0]), list(box[2][1])]
    body = {
        "version": PAYLOAD_VERSION, "alert_id": aid, "kind": akind, "event_kind": kind,
        "ref_alert_id": ref, "revision": rev, "event_id": event_id,
        "summary": _summary(kind, source, row, now_ns, cfg), "reason": kind,
        "detected_at": detected_at, "event": rec,
    }  # fmt: skip
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return {
        "alert_id": aid,
        "event_id": event_id,
        "kind": akind,
        "ref_alert_id": ref,
        "payload": payload,
    }


def plan_health(
    rows: Mapping[str, Mapping[str, Any]], cfg: HealthConfig, events: tuple[str, ...],
    now_ns: int, since: Mapping[str, int], detected_at: str,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:  # fmt: skip
    """Transitions of the stored rows (pure): the alerts to enqueue and, per source, the columns
    to update. ``since``: per live source, when this watcher started listening."""
    alerts: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    for source in sorted(rows):
        row = rows[source]
        status = assess(row, cfg.threshold(source), now_ns, since.get(source, 0))
        if status == "silent" and row.get("status") != "silent":
            eid = health_event_id(source, _ref_ns(row))
            updates[source] = dict(
                status="silent",
                silent_event_id=eid,
                silent_since_ns=int(row.get("last_message_ns") or 0),
            )
            log.warning("%s", _summary("feed_silent", source, row, now_ns, cfg))
            if "feed_silent" in events:
                alerts.append(
                    _health_alert("feed_silent", source, row, eid, events, now_ns, detected_at, cfg)
                )
        elif status == "ok" and row.get("status") == "silent":
            eid = str(row.get("silent_event_id"))
            updates[source] = dict(status="ok")
            log.info("%s", _summary("feed_recovered", source, row, now_ns, cfg))
            if "feed_recovered" in events:
                alerts.append(
                    _health_alert(
                        "feed_recovered", source, row, eid, events, now_ns, detected_at, cfg
                    )
                )
    return alerts, updates


# ----------------------------------------------------------------------------------------------
# counters -> the state database


class FeedHealth:
    """Health bookkeeping of one watcher: turns listener counters into stored deltas, plans the
    health alerts of a tick, and serves ``/healthz`` and ``/metrics``."""

    def __init__(
        self, cfg: HealthConfig, sources: Iterable[str], store, *, live: Iterable[str],
        listeners: Callable[[], Iterable[HealthSource]] = tuple,
    ) -> None:  # fmt: skip
        self.cfg = cfg
        self.listeners = listeners
        self.sources = list(sources)
        self.live = set(live)
        # the watched bounding boxes of these sources: rows of their own, live when their source is
        self._boxes: dict[str, list[str]] = {}
        for parent, sub, _ in cfg.boxes:
            if parent in self.sources:
                self._boxes.setdefault(parent, []).append(sub)
                self.sources.append(sub)
                if parent in self.live:
                    self.live.add(sub)
        self.store = store
        self._seen: dict[int, tuple[int, int, int]] = {}  # id(listener) -> counters reported
        self._since: dict[str, int] = {}
        self._lock = threading.Lock()
        self.ticks = 0
        self.tick_failures = 0
        self.last_tick_ok: bool | None = None
        self.last_tick_at: float | None = None
        self.server: ThreadingHTTPServer | None = None

    def listening(self, names: Iterable[str], now: float | None = None) -> None:
        """Live listeners of these sources start now (silence is measured from here at most)."""
        ns = int((time.time() if now is None else now) * _NS)
        for n in names:
            for m in (n, *self._boxes.get(n, ())):
                self._since.setdefault(m, ns)

    def record(
        self,
        listeners: Iterable[HealthSource] = (),
        polled: Mapping[str, tuple[int, int]] | None = None,
        now: float | None = None,
        last: Mapping[str, int] | None = None,
    ) -> None:
        """Add what listeners counted since the last call, and ``polled`` (source -> (rows,
        errors)), to the stored rows, in one short transaction. A polled source's last message
        is ``last[source]`` (ns) when given, else ``now``."""
        now = time.time() if now is None else now
        deltas: dict[str, dict[str, int]] = {}
        with self._lock:
            for li in listeners:
                m, r, e = int(li.messages), int(li.reconnects), int(li.errors)
                pm, pr, pe = self._seen.get(id(li), (0, 0, 0))
                self._seen[id(li)] = (m, r, e)
                d = deltas.setdefault(li.src.name, dict(messages=0, reconnects=0, errors=0))
                d["messages"] += m - pm
                d["reconnects"] += r - pr
                d["errors"] += e - pe
                if li.last_message_ns:
                    d["last_message_ns"] = max(d.get("last_message_ns", 0), li.last_message_ns)
            for name, (rows, errs) in (polled or {}).items():
                d = deltas.setdefault(name, dict(messages=0, reconnects=0, errors=0))
                d["messages"] += rows
                d["errors"] += errs
                if rows:
                    d["last_message_ns"] = int((last or {}).get(name) or now * _NS)
            self.store.record_health(self.sources, deltas, int(now * _NS))

    def forget(self, listeners: Iterable[HealthSource]) -> None:
        with self._lock:
            for li in listeners:
                self._seen.pop(id(li), None)

    def planner(self, events: tuple[str, ...], now: float) -> Callable:
        """The ``health=`` callable of :meth:`Store.commit_tick` for a tick at ``now``."""
        now_ns = int(now * _NS)
        detected_at = pd.Timestamp(now, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        since = {n: ns for n, ns in self._since.items() if n in self.live}

        def plan(rows: Mapping[str, Mapping[str, Any]]):
            return plan_health(rows, self.cfg, events, now_ns, since, detected_at)

        return plan

    def tick_done(self, ok: bool, now: float | None = None) -> None:
        self.ticks += 1
        self.tick_failures += 0 if ok else 1
        self.last_tick_ok = ok
        self.last_tick_at = time.time() if now is None else now

    # -- reports ---------------------------------------------------------------------------------
    def report(self, now: float | None = None) -> dict[str, Any]:
        """Per source: status, last message, its age and the counters; overall ``healthy``."""
        now = time.time() if now is None else now
        return health_report(
            self.store.health_rows(), self.cfg, int(now * _NS), self._since, self.last_tick_ok
        )

    def serve(self) -> tuple[str, int] | None:
        """Start ``/healthz`` and ``/metrics`` on ``[health] listen`` (None: not configured)."""
        if self.cfg.listen is None or self.server is not None:
            return None
        host, port = parse_listen(self.cfg.listen, self.cfg.allow_remote)
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, name="navwatch-health", daemon=True
        ).start()
        addr = self.server.server_address
        log.info("health endpoints on http://%s:%s/healthz and /metrics", addr[0], addr[1])
        return str(addr[0]), int(addr[1])

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def health_report(
    rows: Mapping[str, Mapping[str, Any]], cfg: HealthConfig, now_ns: int,
    since: Mapping[str, int] | None = None, last_tick_ok: bool | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The ``/healthz`` document (also what ``--status`` prints)."""
    out: dict[str, Any] = {}
    for name in sorted(rows):
        r = rows[name]
        st = assess(r, cfg.threshold(name), now_ns, (since or {}).get(name, 0))
        last = r.get("last_message_ns")
        out[name] = {
            "status": st,
            "last_message": _fmt_ns(last) if last else None,
            "last_message_age_s": None if not last else round((now_ns - int(last)) / _NS, 3),
            "silent_after_s": cfg.threshold(name),
            "messages": int(r.get("messages") or 0),
            "messages_per_min": float(r.get("msgs_per_min") or 0.0),
            "reconnects": int(r.get("reconnects") or 0),
            "errors": int(r.get("errors") or 0),
        }
        box = cfg.box_of(name)
        if box is not None:
            out[name]["parent"], out[name]["box"] = box[0], [list(box[2][0]), list(box[2][1])]
    healthy = all(s["status"] == "ok" for s in out.values()) and last_tick_ok is not False
    return {"healthy": healthy, "last_tick_ok": last_tick_ok, "sources": out}


def status_lines(report: Mapping[str, Any]) -> list[str]:
    """``navwatch watch --status``: one line per source."""
    lines = []
    for name, s in report["sources"].items():
        age = (
            "" if s["last_message_age_s"] is None else f" ({_minutes(s['last_message_age_s'])} ago)"
        )
        lines.append(
            f"{name}: {s['status'].upper()}  last message {s['last_message'] or 'never'}{age}; "
            f"{s['messages']} message(s), {s['messages_per_min']:.1f}/min, "
            f"{s['reconnects']} reconnect(s), {s['errors']} error(s); silent after {s['silent_after_s']:g} s"
        )
    return lines or ["no source has health records yet (no tick has run)"]


# ----------------------------------------------------------------------------------------------
# Prometheus text exposition format 0.0.4


def _esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(v: float) -> str:
    return repr(float(v)) if isinstance(v, float) else str(int(v))


_FEED_METRICS = (
    ("navwatch_feed_messages_total", "counter", "Messages received per source.", "messages"),
    ("navwatch_feed_reconnects_total", "counter", "Reconnects per live source.", "reconnects"),
    ("navwatch_feed_errors_total", "counter", "Errors per source.", "errors"),
    ("navwatch_feed_messages_per_minute", "gauge", "Recent message rate.", "messages_per_min"),
    ("navwatch_feed_last_message_age_seconds", "gauge", "Seconds since the last message.", "age"),
    ("navwatch_feed_silent", "gauge", "1 when the source is silent.", "silent"),
)


def metrics_text(
    report: Mapping[str, Any], deliveries: Mapping[tuple[str, str], int], ticks: int,
    tick_failures: int,
) -> str:  # fmt: skip
    """The report and delivery counts (sink, status) -> count as Prometheus text."""
    out: list[str] = []
    for name, typ, help_, key in _FEED_METRICS:
        out += [f"# HELP {name} {help_}", f"# TYPE {name} {typ}"]
        for src, s in report["sources"].items():
            if key == "age":
                if s["last_message_age_s"] is None:
                    continue
                v: float = float(s["last_message_age_s"])
            elif key == "silent":
                v = 1 if s["status"] == "silent" else 0
            else:
                v = s[key]
            out.append(f'{name}{{source="{_esc(src)}"}} {_num(v)}')
    out += ["# HELP navwatch_ticks_total Ticks run by this process.", "# TYPE navwatch_ticks_total counter",
            f"navwatch_ticks_total {ticks}",
            "# HELP navwatch_tick_failures_total Ticks that failed in this process.",
            "# TYPE navwatch_tick_failures_total counter", f"navwatch_tick_failures_total {tick_failures}"]  # fmt: skip
    for metric, status, typ, help_ in (
        ("navwatch_alerts_queued", "pending", "gauge", "Alerts waiting for delivery per sink."),
        ("navwatch_alerts_delivered_total", "delivered", "counter", "Alerts delivered per sink."),
    ):
        out += [f"# HELP {metric} {help_}", f"# TYPE {metric} {typ}"]
        sinks = sorted({s for s, _ in deliveries})
        out += [f'{metric}{{sink="{_esc(s)}"}} {deliveries.get((s, status), 0)}' for s in sinks]
    return "\n".join(out) + "\n"


def _handler(fh: FeedHealth) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?", 1)[0]
            try:
                fh.record(fh_listeners())
                rep = fh.report()
            except Exception as exc:  # the database is unreachable: unhealthy, say why
                self._send(
                    503, "application/json", json.dumps({"healthy": False, "error": str(exc)})
                )
                return
            if path == "/healthz":
                self._send(200 if rep["healthy"] else 503, "application/json", json.dumps(rep))
            elif path == "/metrics":
                body = metrics_text(rep, fh.store.delivery_counts(), fh.ticks, fh.tick_failures)
                self._send(200, "text/plain; version=0.0.4; charset=utf-8", body)
            else:
                self._send(404, "text/plain; charset=utf-8", "not found: /healthz, /metrics\n")

        def _send(self, code: int, ctype: str, body: str) -> None:
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a: Any) -> None:
            pass

    def fh_listeners() -> list[HealthSource]:
        return list(fh.listeners())

    return Handler
