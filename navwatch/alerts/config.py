"""Watcher configuration: frozen dataclasses loaded from TOML, with errors that name the key.

Secrets (webhook HMAC secret, SMTP credentials, HTTP source headers, a database password) are
never read from the file: the file names an environment variable (``secret_env``,
``password_env``, ...) and the value is held in a :class:`Secret`, whose ``repr``/``str`` are
``'***'``. :meth:`Config.redacted` gives a dump safe to print or log.

See ``examples/navwatch.toml`` for a documented example of every key.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..activity import EVENT_TYPES, ActivityParams
from ..detect import DetectParams
from ..errors import ConfigError
from ..imagery.params import ImageryParams

__all__ = [
    "ALERT_EVENTS",
    "ActivityConfig",
    "AlertRules",
    "Config",
    "ConsoleSink",
    "DetectConfig",
    "DirectorySource",
    "EmailSink",
    "HttpSource",
    "ImageryConfig",
    "JsonlSink",
    "Schedule",
    "Secret",
    "TcpSource",
    "UdpSource",
    "WebsocketSource",
    "AiscatcherSource",
    "MqttSource",
    "AishubSource",
    "LiveSource",
    "WebhookSink",
    "load_config",
    "parse_config",
    "redact_url",
]

#: Port event kinds (``navwatch.detect``): the events table's ``event`` column.
EVENT_KINDS = ("departure", "arrival")
#: Feed health alerts (:mod:`navwatch.alerts.health`).
HEALTH_EVENTS = ("feed_silent", "feed_recovered")
#: The detected events ``[alerts] events`` accepts: the port event kinds, then every activity
#: type (:data:`navwatch.activity.EVENT_TYPES`); it also accepts :data:`HEALTH_EVENTS`.
ALERT_EVENTS = (*EVENT_KINDS, *EVENT_TYPES)
_SECRET_KEYS = {"secret", "password", "token", "api_key", "apikey", "auth", "authorization"}


class Secret:
    """A secret value: shows as ``***`` in repr, str, logs and config dumps.

    Examples
    --------
    >>> s = Secret("hunter2")
    >>> s, str(s), f"{s}", s.reveal()
    (***, '***', '***', 'hunter2')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def redact_url(url: str) -> str:
    """A URL with any password (and query string values) replaced by ``***``.

    Examples
    --------
    >>> redact_url("postgresql://nav:s3cret@db:5432/nav")
    'postgresql://nav:***@db:5432/nav'
    >>> redact_url("https://h/x?token=abc&a=1")
    'https://h/x?token=***&a=***'
    >>> redact_url("sqlite:////var/lib/navwatch/state.db")
    'sqlite:////var/lib/navwatch/state.db'
    """
    try:
        p = urlsplit(url)
    except ValueError:
        return "***"
    netloc = p.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    query = (
        "&".join(f"{kv.split('=', 1)[0]}=***" for kv in p.query.split("&") if kv) if p.query else ""
    )
    if netloc == p.netloc and query == p.query:
        return url  # nothing secret (urlunsplit would also turn sqlite://// into sqlite://)
    return urlunsplit((p.scheme, netloc, p.path, query, p.fragment))


# ----------------------------------------------------------------------------------------------
# dataclasses


@dataclass(frozen=True)
class Schedule:
    """When ticks run: every ``interval_s`` seconds, or on a 5-field ``cron`` expression."""

    kind: str = "interval"
    interval_s: float = 60.0
    cron: str = ""
    timezone: str = "UTC"


@dataclass(frozen=True)
class DirectorySource:
    """New or grown files in ``path`` matching ``pattern`` (any format the core reads)."""

    name: str
    path: Path
    pattern: str = "*"
    settle_s: float = 2.0
    type: str = "directory"


@dataclass(frozen=True)
class HttpSource:
    """An HTTP(S) URL polled each tick for CSV or JSON observations."""

    name: str
    url: str
    format: str = "auto"
    timeout_s: float = 10.0
    headers: tuple[tuple[str, Secret], ...] = ()
    type: str = "http"


@dataclass(frozen=True)
class TcpSource:
    """A live NMEA feed read as a TCP client, reconnecting with capped, jittered exponential backoff."""

    name: str
    host: str
    port: int
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    format: str = "nmea"
    type: str = "tcp"


@dataclass(frozen=True)
class UdpSource:
    """A live NMEA feed received as UDP datagrams (as AIS-catcher and most receivers send)."""

    name: str
    host: str
    port: int
    rcvbuf_bytes: int = 8 * 1024 * 1024
    format: str = "nmea"
    type: str = "udp"


@dataclass(frozen=True)
class WebsocketSource:
    """An aisstream.io-style WebSocket stream: subscription sent on connect, JSON messages."""

    name: str
    url: str
    api_key: Secret | None = None
    bounding_boxes: tuple[tuple[tuple[float, float], tuple[float, float]], ...] = (
        ((-90.0, -180.0), (90.0, 180.0)),
    )
    mmsi: tuple[str, ...] = ()
    message_types: tuple[str, ...] = ()
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 60.0
    format: str = "aisstream"
    type: str = "websocket"


@dataclass(frozen=True)
class AiscatcherSource:
    """AIS-catcher JSON: one object per UDP datagram (``mode = "udp"``), or its HTTP push
    protocol received on ``host:port/path`` (``mode = "http"``)."""

    name: str
    mode: str
    host: str
    port: int
    path: str = "/"
    format: str = "aiscatcher"
    type: str = "aiscatcher"


@dataclass(frozen=True)
class MqttSource:
    """A Digitraffic-style MQTT broker: JSON payloads on ``topics``."""

    name: str
    host: str
    port: int
    topics: tuple[str, ...]
    transport: str = "tcp"
    tls: bool = False
    ws_path: str = "/mqtt"
    qos: int = 0
    username: Secret | None = None
    password: Secret | None = None
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 60.0
    format: str = "digitraffic"
    type: str = "mqtt"


@dataclass(frozen=True)
class AishubSource:
    """AISHub's web service, polled by the tick at most every ``min_interval_s``."""

    name: str
    username: Secret
    url: str = "https://data.aishub.net/ws.php"
    format: str = "json"
    bounding_box: tuple[tuple[float, float], tuple[float, float]] | None = None
    min_interval_s: float = 60.0
    timeout_s: float = 20.0
    type: str = "aishub"


@dataclass(frozen=True)
class ConsoleSink:
    name: str
    stream: str = "stderr"
    type: str = "console"


@dataclass(frozen=True)
class JsonlSink:
    name: str
    path: Path
    type: str = "jsonl"


@dataclass(frozen=True)
class WebhookSink:
    name: str
    url: str
    secret: Secret | None = None
    signature_header: str = "X-Navwatch-Signature"
    timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 1.0
    backoff_max_s: float = 300.0
    type: str = "webhook"


@dataclass(frozen=True)
class EmailSink:
    name: str
    host: str
    to: tuple[str, ...]
    from_addr: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: Secret | None = None
    password: Secret | None = None
    ca_file: Path | None = None
    timeout_s: float = 20.0
    retries: int = 2
    backoff_s: float = 5.0
    backoff_max_s: float = 600.0
    type: str = "email"


@dataclass(frozen=True)
class AlertRules:
    """Which events raise alerts: port event kinds and activity types (:data:`ALERT_EVENTS`),
    a minimum confidence, vessels (either vessel of a pair) and ports (port events only)."""

    events: tuple[str, ...] = ("departure",)
    min_confidence: float = 0.0
    vessels: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()

    @property
    def activity_types(self) -> tuple[str, ...]:
        """The activity types alerted on, in :data:`navwatch.activity.EVENT_TYPES` order."""
        return tuple(t for t in EVENT_TYPES if t in self.events)


@dataclass(frozen=True)
class ActivityConfig:
    """The ``[activity]`` table: detector thresholds and which vessels' tracks are searched
    (``all_vessels``: default the ``[detect]`` setting)."""

    all_vessels: bool = False
    params: ActivityParams = field(default_factory=ActivityParams)


@dataclass(frozen=True)
class DetectConfig:
    registry: Path | None = None
    ports: Path | None = None
    port_radius_km: float | None = None
    all_vessels: bool = False
    params: DetectParams = field(default_factory=DetectParams)


@dataclass(frozen=True)
class ImageryConfig:
    """The ``[imagery]`` table: satellite detections and scenes dropped into watched folders
    (:mod:`navwatch.alerts.imagery`).

    ``ais_buffer_h``: AIS positions are kept this long (message time behind the newest one) to
    match imagery that arrives late (0: none kept); the default, 102 h, serves imagery up to 4 days late
    with the ``max_fix_gap_h`` (6 h) of AIS either side of the scene. ``ais_near_km``: only
    positions within this distance of a port zone are kept. ``ais_step_s``: of those, one per
    vessel in each this much message time (0: every one). ``params``: any
    :class:`~navwatch.imagery.ImageryParams` field.

    ``scenes_keep_h``: scene footprints are kept this long (scene time behind the newest scene)
    for detections files that arrive later (0: kept for ever). ``pending_max_h``: a detections
    file naming scenes not held waits at most this long (wall clock since first seen), then its
    rows of held scenes are used and the others quarantined (``no_scene``). ``empty_scene_h``: a
    held scene no detections file has named is surveyed as holding no hull (an empty port) once
    it has been held this long (wall clock; 0: in the tick it is stored)."""

    ais_buffer_h: float = 102.0
    ais_near_km: float = 25.0
    ais_step_s: float = 60.0
    scenes_keep_h: float = 720.0
    pending_max_h: float = 72.0
    empty_scene_h: float = 72.0
    params: ImageryParams = field(default_factory=ImageryParams)


#: Two ``(lat, lon)`` corners, in any order: latitudes between the two, longitudes between the
#: two (a box never crosses the antimeridian: use two boxes).
Box = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class HealthConfig:
    """The ``[health]`` table plus the per-source ``silent_after_s``, ``health_boxes`` and
    ``silent_per_box`` keys of ``[[sources]]``.

    ``boxes``: (source, sub-source name ``<source>/box<i>``, box) for every bounding box whose
    silence is watched on its own; a box uses its source's threshold."""

    silent_after_s: float = 900.0
    listen: str | None = None
    allow_remote: bool = False
    per_source: tuple[tuple[str, float], ...] = ()
    boxes: tuple[tuple[str, str, Box], ...] = ()

    def threshold(self, source: str) -> float:
        per = dict(self.per_source)
        if source in per:
            return per[source]
        b = self.box_of(source)
        return per.get(b[0], self.silent_after_s) if b else self.silent_after_s

    def box_of(self, name: str) -> tuple[str, int, Box] | None:
        """(source, index from 1, box) of a box sub-source name; None for any other name."""
        for parent, sub, box in self.boxes:
            if sub == name:
                return parent, int(sub.rsplit("/box", 1)[1]), box
        return None


Source = (
    DirectorySource
    | HttpSource
    | TcpSource
    | UdpSource
    | WebsocketSource
    | AiscatcherSource
    | MqttSource
    | AishubSource
)
LiveSource = TcpSource | UdpSource | WebsocketSource | AiscatcherSource | MqttSource
Sink = ConsoleSink | JsonlSink | WebhookSink | EmailSink


@dataclass(frozen=True)
class Config:
    """A whole watcher configuration (see ``examples/navwatch.toml``)."""

    state_url: Secret
    schedule: Schedule = field(default_factory=Schedule)
    detect: DetectConfig = field(default_factory=DetectConfig)
    alerts: AlertRules = field(default_factory=AlertRules)
    activity: ActivityConfig = field(default_factory=ActivityConfig)
    imagery: ImageryConfig = field(default_factory=ImageryConfig)
    sources: tuple[Source, ...] = ()
    sinks: tuple[Sink, ...] = ()
    once_listen_s: float = 0.0
    feed_flush_s: float = 0.1
    #: Live positions repeated within this much message time are consumed once (``[watch]``).
    dedup_window_s: float = 3600.0
    quarantine_csv: Path | None = None
    deliver_timeout_s: float = 60.0
    path: Path | None = None
    health: HealthConfig = field(default_factory=HealthConfig)

    def redacted(self) -> dict[str, Any]:
        """The configuration as plain data, secrets replaced by ``***`` (safe to print/log)."""
        return _plain(self)


def _plain(obj: Any) -> Any:
    if isinstance(obj, Secret):
        return "***"
    if isinstance(obj, Config):
        d = {k: _plain(getattr(obj, k)) for k in obj.__dataclass_fields__}
        d["state_url"] = redact_url(obj.state_url.reveal())
        return d
    if isinstance(obj, DetectParams | ActivityParams | ImageryParams):
        return obj.to_dict()
    if hasattr(obj, "__dataclass_fields__"):
        out = {k: _plain(getattr(obj, k)) for k in obj.__dataclass_fields__}
        if "url" in out and isinstance(out["url"], str):
            out["url"] = redact_url(out["url"])
        return out
    if isinstance(obj, tuple | list):
        return [_plain(x) for x in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


# ----------------------------------------------------------------------------------------------
# parsing


class _Table:
    """A TOML table being read: typed getters that name the key on error, and a check that
    no unknown key is left."""

    def __init__(self, data: Any, where: str, env: Mapping[str, str]) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a table, got {type(data).__name__} {data!r}")
        self.data = data
        self.where = where
        self.env = env
        self.used: set[str] = set()

    def key(self, k: str) -> str:
        return f"{self.where}.{k}"

    def has(self, k: str) -> bool:
        return k in self.data

    def get(self, k: str, default: Any = None) -> Any:
        self.used.add(k)
        return self.data.get(k, default)

    def req(self, k: str) -> Any:
        self.used.add(k)
        if k not in self.data:
            raise ConfigError(f"{self.key(k)}: required key is missing")
        return self.data[k]

    def str_(
        self, k: str, default: str | None = None, *, required: bool = False, choices=None
    ) -> str:
        v = self.req(k) if required else self.get(k, default)
        if not isinstance(v, str):
            raise ConfigError(f"{self.key(k)}: expected a string, got {v!r}")
        if choices is not None and v not in choices:
            raise ConfigError(f"{self.key(k)}: expected one of {list(choices)}, got {v!r}")
        return v

    def num(
        self,
        k: str,
        default: float | None = None,
        *,
        required: bool = False,
        min_: float = 0.0,
        positive: bool = False,
    ) -> float:
        v = self.req(k) if required else self.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ConfigError(f"{self.key(k)}: expected a number, got {v!r}")
        if positive and v <= 0:
            raise ConfigError(f"{self.key(k)}: expected a number > 0, got {v!r}")
        if v < min_:
            raise ConfigError(f"{self.key(k)}: expected a number >= {min_}, got {v!r}")
        return float(v)

    def int_(
        self,
        k: str,
        default: int | None = None,
        *,
        required: bool = False,
        lo: int = 0,
        hi: int | None = None,
    ) -> int:
        v = self.req(k) if required else self.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(f"{self.key(k)}: expected an integer, got {v!r}")
        if v < lo or (hi is not None and v > hi):
            raise ConfigError(
                f"{self.key(k)}: expected an integer in [{lo}, {hi if hi is not None else '...'}], got {v!r}"
            )
        return v

    def bool_(self, k: str, default: bool) -> bool:
        v = self.get(k, default)
        if not isinstance(v, bool):
            raise ConfigError(f"{self.key(k)}: expected true or false, got {v!r}")
        return v

    def strs(self, k: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        v = self.get(k, list(default))
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(
            isinstance(x, str | int) and not isinstance(x, bool) for x in v
        ):
            raise ConfigError(f"{self.key(k)}: expected a list of strings, got {v!r}")
        return tuple(str(x) for x in v)

    def secret_env(self, k: str, *, required: bool = False) -> Secret | None:
        """The value of the environment variable named by key ``k`` (e.g. ``secret_env``)."""
        name = self.get(k)
        if name is None:
            if required:
                raise ConfigError(
                    f"{self.key(k)}: required: the name of an environment variable holding the secret"
                )
            return None
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ConfigError(
                f"{self.key(k)}: expected the name of an environment variable, got {name!r}"
            )
        if name not in self.env:
            raise ConfigError(f"{self.key(k)}: environment variable {name} is not set")
        return Secret(self.env[name])

    def path(
        self, k: str, base: Path, default: str | None = None, *, required: bool = False
    ) -> Path | None:
        v = self.req(k) if required else self.get(k, default)
        if v is None or v == "":
            return None
        if not isinstance(v, str):
            raise ConfigError(f"{self.key(k)}: expected a path string, got {v!r}")
        p = Path(os.path.expandvars(os.path.expanduser(v)))
        return p if p.is_absolute() else base / p

    def done(self) -> None:
        for k in self.data:
            if k in self.used:
                continue
            if k.lower() in _SECRET_KEYS:
                raise ConfigError(
                    f"{self.key(k)}: secrets are not read from the config file; set {k}_env to the "
                    "name of an environment variable that holds it"
                )
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ConfigError(
                f"{self.where}: unknown key(s) {unknown}; expected some of {sorted(self.used)}"
            )


def _check_secret_keys(t: _Table) -> None:
    for k in t.data:
        if k.lower() in _SECRET_KEYS:
            raise ConfigError(
                f"{t.key(k)}: secrets are not read from the config file; set {k}_env to the name "
                "of an environment variable that holds it"
            )


def _schedule(t: _Table) -> Schedule:
    kind = t.str_("schedule", "interval", choices=("interval", "cron"))
    interval_s = t.num("interval_s", 60.0, positive=True)
    cron = t.str_("cron", "")
    tz = t.str_("timezone", "UTC")
    if kind == "cron":
        if not cron:
            raise ConfigError(
                f'{t.key("cron")}: required when schedule = "cron" (5 fields, e.g. "*/5 * * * *")'
            )
        if len(cron.split()) != 5:
            raise ConfigError(
                f"{t.key('cron')}: expected 5 crontab fields (minute hour day month weekday), got {cron!r}"
            )
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(cron, timezone=tz)
        except ValueError as exc:
            raise ConfigError(
                f"{t.key('cron')}: not a valid crontab expression {cron!r}: {exc}"
            ) from None
    return Schedule(kind=kind, interval_s=interval_s, cron=cron, timezone=tz)


def _source(t: _Table, i: int, base: Path, types: list[Any]) -> Source:
    typ = t.str_("type", required=True, choices=SOURCE_TYPES)
    name = t.str_("name", typ if types.count(typ) == 1 else f"{typ}-{i}")
    _check_secret_keys(t)
    if typ in _NETWORK_SOURCES:
        src: Source = _NETWORK_SOURCES[typ](t, name)
    elif typ == "directory":
        src = DirectorySource(
            name=name,
            path=t.path("path", base, required=True),  # type: ignore[arg-type]
            pattern=t.str_("pattern", "*"),
            settle_s=t.num("settle_s", 2.0),
        )
    elif typ == "http":
        url = t.str_("url", required=True)
        if urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(
                f"{t.key('url')}: expected an http:// or https:// URL, got {redact_url(url)!r}"
            )
        headers_env = t.get("headers_env", {})
        if not isinstance(headers_env, dict):
            raise ConfigError(
                f'{t.key("headers_env")}: expected a table header-name = "ENV_VAR", got {headers_env!r}'
            )
        hdrs = []
        for h, var in headers_env.items():
            if not isinstance(var, str) or var not in t.env:
                raise ConfigError(
                    f"{t.key('headers_env')}.{h}: environment variable {var!r} is not set"
                )
            hdrs.append((h, Secret(t.env[var])))
        src = HttpSource(
            name=name,
            url=url,
            format=t.str_("format", "auto", choices=("auto", "csv", "json")),
            timeout_s=t.num("timeout_s", 10.0, positive=True),
            headers=tuple(hdrs),
        )
    elif typ == "tcp":
        lo = t.num("reconnect_min_s", 0.5, positive=True)
        hi = t.num("reconnect_max_s", 30.0, positive=True)
        if hi < lo:
            raise ConfigError(
                f"{t.key('reconnect_max_s')}: must be >= reconnect_min_s ({lo}), got {hi}"
            )
        src = TcpSource(
            name=name,
            host=t.str_("host", required=True),
            port=t.int_("port", required=True, lo=1, hi=65535),
            reconnect_min_s=lo,
            reconnect_max_s=hi,
        )
    else:
        src = UdpSource(
            name=name,
            host=t.str_("host", "0.0.0.0"),
            port=t.int_("port", required=True, lo=1, hi=65535),
            rcvbuf_bytes=t.int_("rcvbuf_bytes", 8 * 1024 * 1024, lo=65536),
        )
    t.done()
    return src


def _reconnect(t: _Table, lo_default: float, hi_default: float) -> tuple[float, float]:
    lo = t.num("reconnect_min_s", lo_default, positive=True)
    hi = t.num("reconnect_max_s", hi_default, positive=True)
    if hi < lo:
        raise ConfigError(
            f"{t.key('reconnect_max_s')}: must be >= reconnect_min_s ({lo}), got {hi}"
        )
    return lo, hi


def _box(t: _Table, k: str, v: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """``[[lat, lon], [lat, lon]]`` (two corners) checked."""
    ok = (
        isinstance(v, list)
        and len(v) == 2
        and all(isinstance(c, list) and len(c) == 2 for c in v)
        and all(isinstance(x, int | float) and not isinstance(x, bool) for c in v for x in c)
    )
    if not ok:
        raise ConfigError(f"{t.key(k)}: expected [[lat, lon], [lat, lon]] corners, got {v!r}")
    (a, b), (c, d) = v
    if not (-90 <= a <= 90 and -90 <= c <= 90 and -180 <= b <= 180 and -180 <= d <= 180):
        raise ConfigError(
            f"{t.key(k)}: latitude must be in [-90, 90], longitude in [-180, 180]: {v!r}"
        )
    return (float(a), float(b)), (float(c), float(d))


def _websocket_source(t: _Table, name: str) -> WebsocketSource:
    url = t.str_("url", required=True)
    if urlsplit(url).scheme not in ("ws", "wss"):
        raise ConfigError(
            f"{t.key('url')}: expected a wss:// or ws:// URL, got {redact_url(url)!r}"
        )
    boxes = t.get("bounding_boxes", [[[-90, -180], [90, 180]]])
    if not isinstance(boxes, list) or not boxes:
        raise ConfigError(
            f"{t.key('bounding_boxes')}: expected a non-empty list of [[lat, lon], [lat, lon]]"
        )
    lo, hi = _reconnect(t, 0.5, 60.0)
    mmsi = t.strs("mmsi")
    bad = [m for m in mmsi if not (m.isdigit() and len(m) == 9)]
    if bad:
        raise ConfigError(f"{t.key('mmsi')}: expected 9-digit MMSIs, got {bad!r}")
    return WebsocketSource(
        name=name, url=url, api_key=t.secret_env("api_key_env"),
        bounding_boxes=tuple(_box(t, "bounding_boxes", b) for b in boxes), mmsi=mmsi,
        message_types=t.strs("message_types"), reconnect_min_s=lo, reconnect_max_s=hi,
    )  # fmt: skip


def _aiscatcher_source(t: _Table, name: str) -> AiscatcherSource:
    mode = t.str_("mode", required=True, choices=("udp", "http"))
    path = t.str_("path", "/")
    if mode == "udp" and t.has("path"):
        raise ConfigError(f'{t.key("path")}: only for mode = "http"')
    if not path.startswith("/"):
        raise ConfigError(f"{t.key('path')}: expected a path starting with /, got {path!r}")
    return AiscatcherSource(
        name=name, mode=mode, host=t.str_("host", "127.0.0.1"),
        port=t.int_("port", required=True, lo=1, hi=65535), path=path,
    )  # fmt: skip


def _mqtt_source(t: _Table, name: str) -> MqttSource:
    topics = t.strs("topics")
    if not topics:
        raise ConfigError(
            f'{t.key("topics")}: required: a list of topics, e.g. ["vessels-v2/+/location"]'
        )
    tls = t.bool_("tls", False)
    transport = t.str_("transport", "tcp", choices=("tcp", "websockets"))
    default_port = {("tcp", False): 1883, ("tcp", True): 8883}.get(
        (transport, tls), 443 if tls else 80
    )
    lo, hi = _reconnect(t, 0.5, 60.0)
    return MqttSource(
        name=name, host=t.str_("host", required=True), port=t.int_("port", default_port, lo=1, hi=65535),
        topics=topics, transport=transport, tls=tls, ws_path=t.str_("ws_path", "/mqtt"),
        qos=t.int_("qos", 0, lo=0, hi=1), username=t.secret_env("username_env"),
        password=t.secret_env("password_env"), reconnect_min_s=lo, reconnect_max_s=hi,
    )  # fmt: skip


def _aishub_source(t: _Table, name: str) -> AishubSource:
    url = t.str_("url", "https://data.aishub.net/ws.php")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(
            f"{t.key('url')}: expected an http:// or https:// URL, got {redact_url(url)!r}"
        )
    interval = t.num("min_interval_s", 60.0, positive=True)
    if interval < 60.0:
        raise ConfigError(
            f"{t.key('min_interval_s')}: AISHub allows one request a minute; expected >= 60, got {interval}"
        )
    box = t.get("bounding_box")
    return AishubSource(
        name=name, username=t.secret_env("username_env", required=True),  # type: ignore[arg-type]
        url=url, format=t.str_("format", "json", choices=("json", "csv")),
        bounding_box=None if box is None else _box(t, "bounding_box", box),
        min_interval_s=interval, timeout_s=t.num("timeout_s", 20.0, positive=True),
    )  # fmt: skip


_NETWORK_SOURCES: dict[str, Any] = {
    "websocket": _websocket_source,
    "aiscatcher": _aiscatcher_source,
    "mqtt": _mqtt_source,
    "aishub": _aishub_source,
}
SOURCE_TYPES = ("directory", "http", "tcp", "udp", *_NETWORK_SOURCES)


def _sink(t: _Table, i: int, base: Path, types: list[Any]) -> Sink:
    typ = t.str_("type", required=True, choices=("console", "jsonl", "webhook", "email"))
    name = t.str_("name", typ if types.count(typ) == 1 else f"{typ}-{i}")
    _check_secret_keys(t)
    if typ == "console":
        sink: Sink = ConsoleSink(
            name=name, stream=t.str_("stream", "stderr", choices=("stderr", "stdout"))
        )
    elif typ == "jsonl":
        sink = JsonlSink(name=name, path=t.path("path", base, required=True))  # type: ignore[arg-type]
    elif typ == "webhook":
        url = t.str_("url", required=True)
        if urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(
                f"{t.key('url')}: expected an http:// or https:// URL, got {redact_url(url)!r}"
            )
        sink = WebhookSink(
            name=name,
            url=url,
            secret=t.secret_env("secret_env"),
            signature_header=t.str_("signature_header", "X-Navwatch-Signature"),
            timeout_s=t.num("timeout_s", 10.0, positive=True),
            retries=t.int_("retries", 3, lo=1, hi=20),
            backoff_s=t.num("backoff_s", 1.0, positive=True),
            backoff_max_s=t.num("backoff_max_s", 300.0, positive=True),
        )
    else:
        to = t.strs("to")
        if not to:
            raise ConfigError(f"{t.key('to')}: required: a list of recipient addresses")
        for a in to:
            if "@" not in a:
                raise ConfigError(f"{t.key('to')}: {a!r} is not an e-mail address")
        ssl = t.bool_("ssl", False)
        starttls = t.bool_("starttls", not ssl)
        if ssl and starttls:
            raise ConfigError(
                f"{t.key('starttls')}: use either ssl (implicit TLS, port 465) or starttls, not both"
            )
        username = t.secret_env("username_env")
        if username is None and t.has("username"):
            u = t.str_("username")
            username = Secret(u)
        password = t.secret_env("password_env")
        if password is not None and username is None:
            raise ConfigError(
                f"{t.key('username_env')}: password_env is set but no username (username_env or username)"
            )
        sink = EmailSink(
            name=name,
            host=t.str_("host", required=True),
            port=t.int_("port", 465 if ssl else 587, lo=1, hi=65535),
            to=to,
            from_addr=t.str_("from_addr", "navwatch@localhost"),
            starttls=starttls,
            ssl=ssl,
            username=username,
            password=password,
            ca_file=t.path("ca_file", base),
            timeout_s=t.num("timeout_s", 20.0, positive=True),
            retries=t.int_("retries", 2, lo=1, hi=20),
            backoff_s=t.num("backoff_s", 5.0, positive=True),
            backoff_max_s=t.num("backoff_max_s", 600.0, positive=True),
        )
    t.done()
    return sink


def parse_config(
    data: Mapping[str, Any],
    *,
    base: Path | None = None,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Config:
    """Build a :class:`Config` from parsed TOML; relative paths are taken from ``base``.

    Raises :class:`~navwatch.errors.ConfigError` naming the key and what was expected.

    Examples
    --------
    >>> cfg = parse_config({"state": {"url": "sqlite:///s.db"}, "sinks": [{"type": "console"}]}, base=Path("/srv"))
    >>> cfg.schedule.kind, cfg.sinks[0].name, cfg.redacted()["state_url"]
    ('interval', 'console', 'sqlite:////srv/s.db')
    >>> parse_config({"watch": {"interval_s": "often"}})
    Traceback (most recent call last):
    ...
    navwatch.errors.ConfigError: [watch].interval_s: expected a number, got 'often'
    """
    env = os.environ if env is None else env
    base = base or Path.cwd()
    top = _Table(dict(data), "<config>", env)
    watch = _watch(_Table(top.get("watch", {}), "[watch]", env), base)
    url = _state_url(_Table(top.get("state", {}), "[state]", env), base)
    detect = _detect(_Table(top.get("detect", {}), "[detect]", env), base)
    rules = _alert_rules(_Table(top.get("alerts", {}), "[alerts]", env))
    activity = _activity(_Table(top.get("activity", {}), "[activity]", env), detect)
    imagery = _imagery(_Table(top.get("imagery", {}), "[imagery]", env))
    health, silent, box_specs = _health(top, env)
    sources = _tables(top, "sources", _source, base, env)
    sinks = _tables(top, "sinks", _sink, base, env)
    for what, items in (("sources", sources), ("sinks", sinks)):
        names = [x.name for x in items]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ConfigError(f"[[{what}]]: names must be unique; repeated: {dup}")
    top.done()
    return Config(
        state_url=Secret(url),
        schedule=watch.schedule,
        detect=detect,
        alerts=rules,
        activity=activity,
        imagery=imagery,
        sources=sources,
        sinks=sinks,
        once_listen_s=watch.once_listen_s,
        feed_flush_s=watch.feed_flush_s,
        dedup_window_s=watch.dedup_window_s,
        quarantine_csv=watch.quarantine_csv,
        deliver_timeout_s=watch.deliver_timeout_s,
        path=path,
        health=dataclasses.replace(
            health,
            per_source=tuple((x.name, v) for x, v in zip(sources, silent, strict=True) if v),
            boxes=_health_boxes(sources, box_specs),
        ),
    )


def _health(
    top: _Table, env: Mapping[str, str]
) -> tuple[HealthConfig, list[float | None], list[tuple[bool, tuple[Box, ...]]]]:
    """The ``[health]`` table, and each ``[[sources]]`` table's ``silent_after_s``,
    ``silent_per_box`` and ``health_boxes`` (taken out of the table, by position: the names are
    known once the sources are read)."""
    h = _Table(top.get("health", {}), "[health]", env)
    default = h.num("silent_after_s", 900.0, positive=True)
    listen = h.str_("listen", "") or None
    allow_remote = h.bool_("allow_remote", False)
    h.done()
    raw = top.data.get("sources", [])
    per: list[float | None] = []
    boxes: list[tuple[bool, tuple[Box, ...]]] = []
    if isinstance(raw, list):
        raw = [dict(x) if isinstance(x, dict) else x for x in raw]
        for i, x in enumerate(raw):
            v = x.pop("silent_after_s", None) if isinstance(x, dict) else None
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v <= 0):
                raise ConfigError(
                    f"[[sources]][{i}].silent_after_s: expected a positive number, got {v!r}"
                )
            per.append(None if v is None else float(v))
            boxes.append(_box_keys(x, i, env) if isinstance(x, dict) else (False, ()))
        top.data = {**top.data, "sources": raw}
    if listen is not None:
        from .health import parse_listen

        parse_listen(listen, allow_remote)
    return HealthConfig(default, listen, allow_remote), per, boxes


def _box_keys(x: dict[str, Any], i: int, env: Mapping[str, str]) -> tuple[bool, tuple[Box, ...]]:
    """``silent_per_box`` and ``health_boxes`` of the raw ``[[sources]]`` table ``x`` (popped)."""
    t = _Table({k: x.pop(k) for k in ("silent_per_box", "health_boxes") if k in x},
               f"[[sources]][{i}]", env)  # fmt: skip
    per_box = t.bool_("silent_per_box", False)
    if per_box and x.get("type") not in ("websocket", "aishub"):
        raise ConfigError(
            f"{t.key('silent_per_box')}: only for websocket and aishub sources (their own "
            f"bounding_boxes / bounding_box), not {x.get('type')!r}: list the boxes in health_boxes"
        )
    if per_box and x.get("type") == "aishub" and x.get("bounding_box") is None:
        raise ConfigError(
            f"{t.key('silent_per_box')}: this aishub source has no bounding_box to watch"
        )
    hb = t.get("health_boxes", [])
    if not isinstance(hb, list):
        raise ConfigError(
            f"{t.key('health_boxes')}: expected a list of [[lat, lon], [lat, lon]], got {hb!r}"
        )
    return per_box, tuple(_box(t, "health_boxes", b) for b in hb)


def _health_boxes(
    sources: tuple[Source, ...], specs: list[tuple[bool, tuple[Box, ...]]]
) -> tuple[tuple[str, str, Box], ...]:
    """(source, ``<source>/box<i>``, box): a source's own boxes (``silent_per_box``), then its
    ``health_boxes``."""
    out: list[tuple[str, str, Box]] = []
    for src, (per_box, extra) in zip(sources, specs, strict=True):
        own: tuple[Box, ...] = ()
        if per_box and isinstance(src, WebsocketSource):
            own = src.bounding_boxes
        elif per_box and isinstance(src, AishubSource) and src.bounding_box is not None:
            own = (src.bounding_box,)
        out += [(src.name, f"{src.name}/box{j}", b) for j, b in enumerate((*own, *extra), 1)]
    names = {s.name for s in sources}
    clash = sorted(sub for _, sub, _ in out if sub in names)
    if clash:
        raise ConfigError(
            f"[[sources]]: names {clash} are also the names of watched bounding boxes "
            "(<source>/box<i>, from silent_per_box / health_boxes): rename the sources"
        )
    return tuple(out)


class _Watch(NamedTuple):
    """The ``[watch]`` table: the schedule and the watcher's timings."""

    schedule: Schedule
    once_listen_s: float
    feed_flush_s: float
    dedup_window_s: float
    deliver_timeout_s: float
    quarantine_csv: Path | None


def _watch(w: _Table, base: Path) -> _Watch:
    """The ``[watch]`` table."""
    schedule = _schedule(w)
    once_listen_s = w.num("once_listen_s", 0.0)
    feed_flush_s = w.num("feed_flush_s", 0.1, positive=True)
    dedup_window_s = w.num("dedup_window_s", 3600.0, positive=True)
    deliver_timeout_s = w.num("deliver_timeout_s", 60.0, positive=True)
    quarantine_csv = w.path("quarantine_csv", base)
    w.done()
    return _Watch(
        schedule, once_listen_s, feed_flush_s, dedup_window_s, deliver_timeout_s, quarantine_csv
    )


def _state_url(s: _Table, base: Path) -> str:
    """The ``[state]`` table: the database URL (from ``url_env`` or ``url``), normalised."""
    _check_secret_keys(s)
    url_secret = s.secret_env("url_env")
    url = (
        url_secret.reveal()
        if url_secret is not None
        else s.str_("url", "sqlite:///navwatch-state.db")
    )
    s.done()
    return _normalise_db_url(
        url, base, "[state].url_env" if url_secret is not None else "[state].url"
    )


def _detect(d: _Table, base: Path) -> DetectConfig:
    """The ``[detect]`` table, with its ``params`` sub-table."""
    pd_ = d.get("params", {})
    if not isinstance(pd_, dict):
        raise ConfigError(f"[detect].params: expected a table, got {pd_!r}")
    detect = DetectConfig(
        registry=d.path("registry", base),
        ports=d.path("ports", base),
        port_radius_km=None
        if d.get("port_radius_km") is None
        else d.num("port_radius_km", positive=True),
        all_vessels=d.bool_("all_vessels", False),
        params=DetectParams.from_dict(pd_, where="detect.params"),
    )
    d.done()
    return detect


def _alert_rules(a: _Table) -> AlertRules:
    """The ``[alerts]`` table."""
    events = a.strs("events", ("departure",))
    for e in events:
        if e not in ALERT_EVENTS and e not in HEALTH_EVENTS:
            raise ConfigError(
                f"[alerts].events: unknown event {e!r}; expected some of {list(ALERT_EVENTS)} "
                f"or the feed health alerts {list(HEALTH_EVENTS)}"
            )
    events = tuple(dict.fromkeys(events))
    mc = a.num("min_confidence", 0.0)
    if mc > 1:
        raise ConfigError(f"[alerts].min_confidence: expected a number in [0, 1], got {mc}")
    rules = AlertRules(
        events=events, min_confidence=mc, vessels=a.strs("vessels"), ports=a.strs("ports")
    )
    a.done()
    return rules


def _activity(a: _Table, detect: DetectConfig) -> ActivityConfig:
    """The ``[activity]`` table: ``all_vessels`` and every :class:`ActivityParams` field."""
    all_vessels = a.bool_("all_vessels", detect.all_vessels)
    data = {k: v for k, v in a.data.items() if k != "all_vessels"}
    try:
        params = ActivityParams.from_dict(data, where="activity")
    except (ConfigError, TypeError, ValueError) as exc:
        # "ActivityParams.gap_min_h: must be >= 0" -> "[activity].gap_min_h: must be >= 0"
        msg = re.sub(r"^ActivityParams(\.|:)", lambda m: "[activity]" + m[1], str(exc))
        raise ConfigError(msg if msg.startswith("[activity]") else f"[activity]: {msg}") from None
    return ActivityConfig(all_vessels=all_vessels, params=params)


#: ``[imagery]`` keys of the watcher's imagery waits (hours) and their defaults.
_IMAGERY_WAITS = {"scenes_keep_h": 720.0, "pending_max_h": 72.0, "empty_scene_h": 72.0}


def _imagery(t: _Table) -> ImageryConfig:
    """The ``[imagery]`` table: ``ais_buffer_h``, ``ais_near_km`` and any ImageryParams field."""
    hours = t.num("ais_buffer_h", 102.0)
    near = t.num("ais_near_km", 25.0, positive=True)
    step = t.num("ais_step_s", 60.0)
    waits = {k: t.num(k, d) for k, d in _IMAGERY_WAITS.items()}
    own = ("ais_buffer_h", "ais_near_km", "ais_step_s", *_IMAGERY_WAITS)
    data = {k: v for k, v in t.data.items() if k not in own}
    fields = {f.name for f in dataclasses.fields(ImageryParams)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ConfigError(
            f"[imagery]: unknown key(s) {unknown}; expected {', '.join(own)} or "
            f"ImageryParams fields {sorted(fields)}"
        )
    for k, v in data.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ConfigError(f"[imagery].{k}: expected a number, got {v!r}")
    try:
        params = ImageryParams(**{k: float(v) for k, v in data.items()})
    except ConfigError as exc:
        msg = re.sub(r"^ImageryParams(\.|:)", lambda m: "[imagery]" + m[1], str(exc))
        raise ConfigError(msg if msg.startswith("[imagery]") else f"[imagery]: {msg}") from None
    return ImageryConfig(
        ais_buffer_h=hours, ais_near_km=near, ais_step_s=step, params=params, **waits
    )


_T = TypeVar("_T")


def _tables(
    top: _Table,
    what: str,
    parse: Callable[[_Table, int, Path, list[Any]], _T],
    base: Path,
    env: Mapping[str, str],
) -> tuple[_T, ...]:
    """An array of tables (``[[sources]]``, ``[[sinks]]``), each read by ``parse``."""
    raw = top.get(what, [])
    if not isinstance(raw, list):
        raise ConfigError(f"[[{what}]]: expected an array of tables ([[{what}]]), got {raw!r}")
    types = [x.get("type") if isinstance(x, dict) else None for x in raw]
    return tuple(
        parse(_Table(x, f"[[{what}]][{i}]", env), i, base, types) for i, x in enumerate(raw)
    )


def _normalise_db_url(url: str, base: Path, where: str) -> str:
    """sqlite paths relative to the config file; ``postgresql://`` uses psycopg 3."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("sqlite", "sqlite+pysqlite"):
        prefix = url.split(":///", 1)
        if len(prefix) != 2:
            raise ConfigError(f"{where}: expected sqlite:///path/to/state.db, got {url!r}")
        p = prefix[1]
        if p and p != ":memory:" and not p.startswith("/"):
            p = str(base / p)
        return f"sqlite:///{p}"
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg:" + url.split(":", 1)[1]
    if scheme.startswith("postgresql+"):
        return url
    raise ConfigError(
        f"{where}: expected a sqlite:/// or postgresql:// URL, got {redact_url(url)!r}"
    )


def load_config(path: str | Path, *, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a TOML config file; relative paths are relative to its folder."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read config: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    try:
        return parse_config(data, base=p.resolve().parent, env=env, path=p)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None
