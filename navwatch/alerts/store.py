"""The watcher's state store: SQLAlchemy Core over SQLite (default) or PostgreSQL.

Tables (all prefixed ``nw_``):

``nw_lock``            one row: the tick counter. A tick's commit bumps it only if it still has
                       the value the tick started from (optimistic concurrency: two watchers on
                       one database never both commit the same tick).
``nw_inputs``          what has been consumed, per source and key: byte offset, size, mtime,
                       content hash, rows taken, status; for HTTP sources the newest row time and
                       ETag; for live feeds the carried-over incomplete multi-part sentence.
``nw_feed_buffer``     live-feed lines received between ticks (appended by the listener in short
                       transactions of their own, deleted by the tick that consumes them).
``nw_detector_state``  the detector's :class:`~navwatch.detect.DetectorState` as two Parquet blobs.
``nw_activity_state``  the activity detectors' state (``ActivityState.to_bytes()``), written only
                       by ticks that ran activity detection (schema version 2).
``nw_events``          every event seen: its first alert id, revision and last content.
``nw_alerts``          the outbox: alert id, event id, kind (new/update/retraction), JSON payload.
``nw_deliveries``      one row per (alert, sink): status, attempts, next attempt time.
``nw_quarantine``      rejected input rows and files with a reason.
``nw_seen_positions``  keys of the live positions consumed recently (schema version 4; see
                       :mod:`navwatch.alerts.dedup`), replaced by each tick that consumed some.
``nw_imagery_pending`` satellite detections files consumed from a watched folder and waiting
                       for their scenes (schema version 5; see :mod:`navwatch.alerts.imagery`):
                       the file's bytes (zlib), its kind and the scene ids it names; deleted by
                       the tick that uses or quarantines them. (Version 5 kept scenes files here
                       too; the first tick after the upgrade moves them to ``nw_scenes``.)
``nw_scenes``          satellite scene footprints, one row per scene id (schema version 6): the
                       latest version read (from a scenes file, or a GFW table's
                       ``footprint_wkt``) wins; when first seen, and the tick that derived the
                       scene's surveys (a scene is surveyed once). Kept ``[imagery] scenes_keep_h``
                       of scene time behind the newest, pruned by each tick's commit.
``nw_ais_buffer``      recent AIS positions near the port zones, kept ``[imagery]
                       ais_buffer_h`` to match late imagery (schema version 5): appended and
                       pruned by each tick's commit.
``nw_feed_health``     per source: first watched, last message, messages, reconnects, errors,
                       messages per minute, silent or ok (schema version 3; see
                       :mod:`navwatch.alerts.health`). Counters are added in short transactions
                       of their own (:meth:`Store.record_health`); silence and recovery change
                       in the tick's commit, with their alerts.

A tick reads a snapshot, computes outside any transaction, then commits everything it consumed,
the new detector and activity states and the alerts in **one** transaction
(:meth:`Store.commit_tick`).

Schema versions: 1 (port events), 2 (adds ``nw_activity_state``), 3 (adds ``nw_feed_health``),
4 (adds ``nw_seen_positions``), 5 (adds ``nw_imagery_pending`` and ``nw_ais_buffer``), 6 (adds ``nw_scenes``). A database of an older version
is refused with a message saying how to upgrade it (:meth:`Store.upgrade`,
``navwatch watch --upgrade-state``); one of a newer version is refused.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from ..detect import DetectorState
from ..errors import StateConflict, StateError
from .config import redact_url

__all__ = ["ImageryCommit", "Snapshot", "StateConflict", "Store", "decode_state", "encode_state"]

SCHEMA_VERSION = 6
#: What each schema version added (for the messages about old databases).
SCHEMA_HISTORY = {
    1: "port events",
    2: "activity alerts: table nw_activity_state",
    3: "feed health: table nw_feed_health",
    4: "live positions consumed once across ticks: table nw_seen_positions",
    5: "imagery in watched folders: tables nw_imagery_pending and nw_ais_buffer",
    6: "scene footprints kept and surveyed once: table nw_scenes",
}

md = sa.MetaData()
_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

lock_t = sa.Table(
    "nw_lock", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("tick", sa.BigInteger, nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.Float),
)  # fmt: skip
inputs_t = sa.Table(
    "nw_inputs", md,
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(2000), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),  # partial | done | quarantined | pending
    sa.Column("format", sa.String(20)),
    sa.Column("offset_bytes", sa.BigInteger, nullable=False, default=0),
    sa.Column("lines", sa.BigInteger, nullable=False, default=0),
    sa.Column("rows", sa.BigInteger, nullable=False, default=0),
    sa.Column("size", sa.BigInteger),
    sa.Column("mtime_ns", sa.BigInteger),
    sa.Column("sha256", sa.String(64)),
    sa.Column("seen_size", sa.BigInteger),
    sa.Column("seen_mtime_ns", sa.BigInteger),
    sa.Column("high_water_ns", sa.BigInteger),
    sa.Column("etag", sa.Text),
    sa.Column("carry", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("updated_at", sa.Float),
)  # fmt: skip
feed_t = sa.Table(
    "nw_feed_buffer", md,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("received_ns", sa.BigInteger, nullable=False),
    sa.Column("n_lines", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)  # fmt: skip


def _state_table(name: str, *blobs: str) -> sa.Table:
    """A single-row table (id 1) of binary state written by the tick that made it."""
    return sa.Table(
        name, md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        *(sa.Column(b, sa.LargeBinary, nullable=False) for b in blobs),
        sa.Column("tick", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.Float),
    )  # fmt: skip


detector_t = _state_table("nw_detector_state", "rows", "emitted")
activity_t = _state_table("nw_activity_state", "state")
seen_t = _state_table("nw_seen_positions", "data")
events_t = sa.Table(
    "nw_events", md,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("first_alert_id", sa.String(64)),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # seen | alerted | retracted
    sa.Column("sig", sa.Text, nullable=False),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Float),
)  # fmt: skip
alerts_t = sa.Table(
    "nw_alerts", md,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("alert_id", sa.String(64), nullable=False, unique=True),
    sa.Column("event_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("ref_alert_id", sa.String(64)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("tick", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)  # fmt: skip
deliveries_t = sa.Table(
    "nw_deliveries", md,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("sink", sa.String(200), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending | delivered | rejected
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.Float, nullable=False, default=0.0),
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", sa.Float),
    sa.Index("ix_nw_deliveries_sink_status_seq", "sink", "status", "seq"),
)  # fmt: skip
quarantine_t = sa.Table(
    "nw_quarantine", md,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("tick", sa.BigInteger, nullable=False),
    sa.Column("source", sa.String(200)),
    sa.Column("file", sa.Text),
    sa.Column("line", sa.BigInteger),
    sa.Column("code", sa.String(64)),
    sa.Column("reason", sa.Text),
    sa.Column("raw", sa.Text),
    sa.Column("created_at", sa.Float),
)  # fmt: skip
health_t = sa.Table(
    "nw_feed_health", md,
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("first_seen_ns", sa.BigInteger, nullable=False),
    sa.Column("last_message_ns", sa.BigInteger),
    sa.Column("messages", sa.BigInteger, nullable=False, default=0),
    sa.Column("reconnects", sa.BigInteger, nullable=False, default=0),
    sa.Column("errors", sa.BigInteger, nullable=False, default=0),
    sa.Column("msgs_per_min", sa.Float, nullable=False, default=0.0),
    sa.Column("rate_at_ns", sa.BigInteger, nullable=False),
    sa.Column("rate_base", sa.BigInteger, nullable=False, default=0),
    sa.Column("status", sa.String(20), nullable=False, default="ok"),  # ok | silent
    sa.Column("silent_event_id", sa.String(64)),
    sa.Column("silent_since_ns", sa.BigInteger),
    sa.Column("updated_at", sa.Float),
)  # fmt: skip
imagery_t = sa.Table(
    "nw_imagery_pending", md,
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(2000), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # detections | scenes
    sa.Column("file", sa.Text, nullable=False),  # the path it was read from (src_file, quarantine)
    sa.Column("scene_ids", sa.Text, nullable=False),  # JSON list: named (detections) or held (scenes)
    sa.Column("self_contained", sa.Boolean, nullable=False),  # a GFW table with its footprints
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),  # zlib of the file's bytes
    sa.Column("tick", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.Float),
)  # fmt: skip
scenes_t = sa.Table(
    "nw_scenes", md,
    sa.Column("scene_id", sa.String(500), primary_key=True),
    sa.Column("time_ns", sa.BigInteger, nullable=False, index=True),
    sa.Column("source", sa.Text),
    sa.Column("sensor", sa.String(40)),
    sa.Column("cloud_cover", sa.Float),
    sa.Column("resolution_m", sa.Float),
    sa.Column("footprint", sa.LargeBinary, nullable=False),  # WKB, EPSG:4326
    sa.Column("file", sa.Text),  # the file its latest version was read from
    sa.Column("first_seen", sa.Float, nullable=False),  # wall-clock time first stored
    sa.Column("first_tick", sa.BigInteger, nullable=False),
    sa.Column("updated_tick", sa.BigInteger, nullable=False),
    sa.Column("surveyed_tick", sa.BigInteger),  # the tick that derived its surveys (once)
    sa.Column("surveyed_how", sa.String(20)),  # detections | empty
)  # fmt: skip
#: ``nw_scenes`` columns a tick reads in its snapshot (not the footprint).
SCENE_META = (
    "scene_id",
    "time_ns",
    "source",
    "first_seen",
    "first_tick",
    "surveyed_tick",
    "surveyed_how",
)
ais_buffer_t = sa.Table(
    "nw_ais_buffer", md,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("time_ns", sa.BigInteger, nullable=False, index=True),
    sa.Column("mmsi", sa.BigInteger, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("sog_kn", sa.Float),
    sa.Column("imo", sa.BigInteger),
    sa.Column("callsign", sa.String(20)),
    sa.Column("name", sa.String(120)),
    sa.Column("length_m", sa.Float),  # as broadcast (A+B): matching checks hull lengths with it
)  # fmt: skip
#: Messages per minute are recomputed once this much time has passed since the last window.
RATE_WINDOW_NS = 60 * 1_000_000_000


# ----------------------------------------------------------------------------------------------
# detector state <-> bytes


def _to_parquet(df: pd.DataFrame) -> bytes:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object:
            vals = df[c].dropna()
            if len(vals) and all(isinstance(v, bool) for v in vals):
                df[c] = df[c].astype("boolean")
            elif len(vals) and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
                df[c] = df[c].astype("Int64")
            elif len(vals) and all(isinstance(v, float) for v in vals):
                df[c] = df[c].astype("float64")
            else:
                df[c] = df[c].astype("string")
    buf = io.BytesIO()
    df.reset_index(drop=True).to_parquet(buf, index=False)
    return buf.getvalue()


def _from_parquet(blob: bytes) -> pd.DataFrame:
    df = pd.read_parquet(io.BytesIO(blob))
    for c in df.columns:
        dt = df[c].dtype
        if isinstance(dt, pd.BooleanDtype) or (
            isinstance(dt, pd.Int64Dtype) and c in ("src_line",)
        ):
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def encode_state(state: DetectorState) -> tuple[bytes, bytes]:
    """The detector state as two Parquet blobs (``rows``, ``emitted``)."""
    return _to_parquet(state.rows), _to_parquet(state.emitted)


def decode_state(rows: bytes | None, emitted: bytes | None) -> DetectorState:
    """Inverse of :func:`encode_state`; no blobs give a fresh state."""
    if not rows:
        return DetectorState()
    st = DetectorState(rows=_from_parquet(rows), emitted=_from_parquet(emitted or b""))
    r = st.rows
    for c in ("kind", "port", "source", "src_file"):
        if c in r.columns:
            r[c] = r[c].astype(object).where(r[c].notna(), None)
    return st


# ----------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """What a tick reads before computing: tick counter, consumed inputs, detector state,
    buffered live-feed rows (``feed``: id, source, received_ns, data; in arrival order) and the
    activity state (``ActivityState.to_bytes()``; None before the first activity tick) and the
    keys of the live positions consumed recently (``SeenPositions.to_bytes()``)."""

    tick: int
    inputs: dict[tuple[str, str], dict[str, Any]]
    state: DetectorState
    feed: list[tuple[int, str, int, str]] = field(default_factory=list)
    activity: bytes | None = None
    seen: bytes | None = None
    #: Imagery files waiting for their partner (``nw_imagery_pending`` rows without the data).
    imagery: list[dict[str, Any]] = field(default_factory=list)
    #: The scenes held (``nw_scenes`` :data:`SCENE_META` columns), by scene id.
    scenes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ImageryCommit:
    """What a tick writes for imagery (:mod:`navwatch.alerts.imagery`): pending files to add
    (``nw_imagery_pending`` rows) and to delete (source, key), AIS positions to buffer
    (``nw_ais_buffer`` columns) and how long the buffer keeps them; scene footprints to store
    (``nw_scenes`` rows, the latest version of a scene wins), the scenes surveyed this tick
    (scene id -> ``detections`` or ``empty``) and how much scene time ``nw_scenes`` keeps."""

    add: list[dict[str, Any]] = field(default_factory=list)
    remove: list[tuple[str, str]] = field(default_factory=list)
    ais: pd.DataFrame | None = None
    keep_ns: int = 0
    scenes: list[dict[str, Any]] = field(default_factory=list)
    surveyed: dict[str, str] = field(default_factory=dict)
    scenes_keep_ns: int = 0


@dataclass
class Outgoing:
    """One alert waiting for one sink."""

    seq: int
    alert_id: str
    kind: str
    ref_alert_id: str | None
    payload: str
    attempts: int
    next_attempt_at: float


class Store:
    """State database access. ``url`` is a SQLAlchemy URL (``sqlite:///...`` or
    ``postgresql+psycopg://...``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        try:
            if self.is_sqlite:
                self.engine = sa.create_engine(
                    url, connect_args={"timeout": 60, "check_same_thread": False}
                )
                sa_event.listen(self.engine, "connect", _sqlite_connect)
                sa_event.listen(self.engine, "begin", _sqlite_begin)
            else:
                self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StateError(f"state database {redact_url(url)}: {exc}") from None

    def __repr__(self) -> str:
        return f"Store({redact_url(self.url)!r})"

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A write transaction (SQLite: ``BEGIN IMMEDIATE``, so writers queue instead of failing)."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(nw_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def create(self) -> None:
        """Create the tables if missing (idempotent, safe with concurrent watchers); refuse a
        database of another schema version (:meth:`upgrade` upgrades an older one)."""
        self._create_tables()
        try:
            with self.write() as c:
                row = c.execute(sa.select(lock_t.c.schema_version).where(lock_t.c.id == 1)).first()
                if row is None:
                    c.execute(
                        sa.insert(lock_t).values(
                            id=1, tick=0, schema_version=SCHEMA_VERSION, updated_at=time.time()
                        )
                    )
        except sa.exc.IntegrityError:  # another watcher inserted it first
            row = None
        if row is not None and row[0] != SCHEMA_VERSION:
            raise StateError(self._version_message(int(row[0])))

    def _version_message(self, found: int) -> str:
        where = f"state database {redact_url(self.url)}"
        if found > SCHEMA_VERSION:
            return (
                f"{where}: schema version {found} was written by a newer navwatch; this one "
                f"reads version {SCHEMA_VERSION}: upgrade navwatch"
            )
        added = "; ".join(f"{v}: {SCHEMA_HISTORY[v]}" for v in range(found + 1, SCHEMA_VERSION + 1))
        return (
            f"{where}: schema version {found}, this navwatch expects {SCHEMA_VERSION} ({added}). "
            "Stop every watcher on it, then run `navwatch watch --config FILE --upgrade-state` "
            "once: it adds what is missing and keeps the consumed inputs, states, events and "
            "alerts (activity detection then starts from the next tick's input)"
        )

    def upgrade(self) -> tuple[int, int]:
        """Bring an older database to :data:`SCHEMA_VERSION` (every change so far only adds
        tables); returns (version found, version now). Run it with no watcher on the database:
        an old watcher would keep committing ticks without the new state."""
        self._create_tables()
        with self.write() as c:
            row = c.execute(sa.select(lock_t.c.schema_version).where(lock_t.c.id == 1)).first()
            if row is None:
                c.execute(
                    sa.insert(lock_t).values(
                        id=1, tick=0, schema_version=SCHEMA_VERSION, updated_at=time.time()
                    )
                )
                return SCHEMA_VERSION, SCHEMA_VERSION
            found = int(row[0])
            if found > SCHEMA_VERSION:
                raise StateError(self._version_message(found))
            c.execute(
                sa.update(lock_t)
                .where(lock_t.c.id == 1)
                .values(schema_version=SCHEMA_VERSION, updated_at=time.time())
            )
        return found, SCHEMA_VERSION

    def _create_tables(self) -> None:
        try:
            md.create_all(self.engine, checkfirst=True)
        except sa.exc.OperationalError as exc:
            raise StateError(
                f"state database {redact_url(self.url)}: cannot connect or create tables: {exc.orig}"
            ) from None
        except sa.exc.IntegrityError:  # a concurrent create won the race
            pass
        except sa.exc.ProgrammingError as exc:  # PG: concurrent CREATE TABLE of the same name
            if "already exists" not in str(exc):
                raise

    # -- live feed buffer -------------------------------------------------------------------------
    def append_feed(self, rows: Iterable[tuple[str, int, int, str]]) -> None:
        """Append buffered live lines: (source, received_ns, n_lines, data) per row."""
        records = [dict(source=s, received_ns=t, n_lines=n, data=d) for s, t, n, d in rows]
        if records:
            with self.write() as c:
                c.execute(sa.insert(feed_t), records)

    def feed_backlog(self) -> int:
        with self.read() as c:
            return int(
                c.execute(
                    sa.select(sa.func.coalesce(sa.func.sum(feed_t.c.n_lines), 0))
                ).scalar_one()
            )

    # -- tick -------------------------------------------------------------------------------------
    def snapshot(self, *, feed_limit_lines: int | None = None) -> Snapshot:
        with self.read() as c:
            tick = int(c.execute(sa.select(lock_t.c.tick).where(lock_t.c.id == 1)).scalar_one())
            inputs = {(r.source, r.key): dict(r._mapping) for r in c.execute(sa.select(inputs_t))}
            st = c.execute(
                sa.select(detector_t.c.rows, detector_t.c.emitted).where(detector_t.c.id == 1)
            ).first()
            act = c.execute(sa.select(activity_t.c.state).where(activity_t.c.id == 1)).first()
            seen = c.execute(sa.select(seen_t.c.data).where(seen_t.c.id == 1)).first()
            cols = [col for col in imagery_t.c if col.name != "data"]
            pending = [dict(r._mapping) for r in c.execute(sa.select(*cols))]
            scenes = {r.scene_id: dict(r._mapping) for r in c.execute(_scene_meta())}
            feed = []
            total = 0
            for r in c.execute(
                sa.select(
                    feed_t.c.id,
                    feed_t.c.source,
                    feed_t.c.received_ns,
                    feed_t.c.data,
                    feed_t.c.n_lines,
                ).order_by(feed_t.c.id)
            ):
                feed.append((int(r.id), r.source, int(r.received_ns), r.data))
                total += int(r.n_lines)
                if feed_limit_lines is not None and total >= feed_limit_lines:
                    break
        state = decode_state(st[0], st[1]) if st is not None else DetectorState()
        return Snapshot(
            tick=tick,
            inputs=inputs,
            state=state,
            feed=feed,
            activity=None if act is None else bytes(act[0]),
            seen=None if seen is None else bytes(seen[0]),
            imagery=pending,
            scenes=scenes,
        )

    def commit_tick(
        self,
        snap: Snapshot,
        *,
        inputs: Iterable[dict[str, Any]] = (),
        feed_ids: Iterable[int] = (),
        state: DetectorState | None = None,
        activity: bytes | None = None,
        seen: bytes | None = None,
        quarantine: pd.DataFrame | None = None,
        plan=None,
        sinks: Iterable[str] = (),
        now: float | None = None,
        health=None,
        imagery: ImageryCommit | None = None,
    ) -> list[dict[str, Any]]:
        """Commit one tick atomically; returns the alerts enqueued.

        ``plan(prior_events) -> (alerts, event_rows)`` is called inside the transaction with the
        stored rows of the events it asks about (see :func:`navwatch.alerts.alerting.plan_alerts`).
        ``state``, ``activity`` (the activity state as bytes) and ``seen`` (the live positions
        consumed, :class:`~navwatch.alerts.dedup.SeenPositions` as bytes), when given, replace
        the stored ones.
        ``health(rows) -> (alerts, updates)`` (:meth:`navwatch.alerts.health.FeedHealth.planner`)
        is called inside the transaction with the stored ``nw_feed_health`` rows by source; its
        status updates and alerts are committed with the tick. ``imagery``: the pending imagery
        files added and removed and the AIS buffered (:class:`ImageryCommit`).
        Raises :class:`StateConflict` (writing nothing) if another tick committed meanwhile.
        """
        now = time.time() if now is None else now
        sinks = list(sinks)
        with self.write() as c:
            res = c.execute(
                sa.update(lock_t)
                .where(lock_t.c.id == 1, lock_t.c.tick == snap.tick)
                .values(tick=snap.tick + 1, updated_at=now)
            )
            if res.rowcount != 1:
                raise StateConflict(
                    f"tick {snap.tick} was committed by another watcher; nothing written"
                )
            tick = snap.tick + 1
            for row in inputs:
                key = {"source": row["source"], "key": row["key"]}
                vals = {k: v for k, v in row.items() if k not in key}
                vals["updated_at"] = now
                if (row["source"], row["key"]) in snap.inputs:
                    c.execute(
                        sa.update(inputs_t)
                        .where(inputs_t.c.source == key["source"], inputs_t.c.key == key["key"])
                        .values(**vals)
                    )
                else:
                    c.execute(
                        sa.insert(inputs_t).values(
                            **key, **{"offset_bytes": 0, "lines": 0, "rows": 0, **vals}
                        )
                    )
            ids = sorted(set(feed_ids))
            for i in range(0, len(ids), 500):
                c.execute(sa.delete(feed_t).where(feed_t.c.id.in_(ids[i : i + 500])))
            if state is not None:
                blob_rows, blob_emitted = encode_state(state)
                _upsert(
                    c,
                    detector_t,
                    dict(rows=blob_rows, emitted=blob_emitted, tick=tick, updated_at=now),
                )
            if activity is not None:
                _upsert(c, activity_t, dict(state=activity, tick=tick, updated_at=now))
            if seen is not None:
                _upsert(c, seen_t, dict(data=seen, tick=tick, updated_at=now))
            if imagery is not None:
                _commit_imagery(c, imagery, tick, now)
            if quarantine is not None and len(quarantine):
                q = quarantine
                c.execute(
                    sa.insert(quarantine_t),
                    [
                        dict(
                            tick=tick,
                            source=_s(s),
                            file=_s(f),
                            line=None if pd.isna(ln) else int(ln),
                            code=_s(cd),
                            reason=_s(rs),
                            raw=_s(rw),
                            created_at=now,
                        )
                        for s, f, ln, cd, rs, rw in zip(
                            q["source"],
                            q["file"],
                            q["line"],
                            q["code"],
                            q["reason"],
                            q["raw"],
                            strict=True,
                        )
                    ],
                )
            alerts: list[dict[str, Any]] = []
            extra = self._plan_health(c, health, now) if health is not None else []
            if plan is not None or extra:
                alerts = self._enqueue(c, plan, sinks, tick, now, extra)
        return alerts

    def _plan_health(self, c: sa.Connection, health, now: float) -> list[dict[str, Any]]:
        rows = {r.source: dict(r._mapping) for r in c.execute(sa.select(health_t))}
        alerts, updates = health(rows)
        for source, vals in updates.items():
            c.execute(
                sa.update(health_t)
                .where(health_t.c.source == source)
                .values(**vals, updated_at=now)
            )
        return list(alerts)

    def _enqueue(
        self, c: sa.Connection, plan, sinks: list[str], tick: int, now: float, extra=()
    ) -> list[dict[str, Any]]:
        def prior(event_ids: list[str]) -> dict[str, dict[str, Any]]:
            out: dict[str, dict[str, Any]] = {}
            for i in range(0, len(event_ids), 500):
                for r in c.execute(
                    sa.select(events_t).where(events_t.c.event_id.in_(event_ids[i : i + 500]))
                ):
                    out[r.event_id] = dict(r._mapping)
            return out

        alerts, event_rows = plan(prior) if plan is not None else ([], [])
        alerts = [*alerts, *extra]
        for ev in event_rows:
            vals = {k: v for k, v in ev.items() if k != "event_id"}
            vals["updated_at"] = now
            if (
                c.execute(
                    sa.update(events_t).where(events_t.c.event_id == ev["event_id"]).values(**vals)
                ).rowcount
                == 0
            ):
                c.execute(sa.insert(events_t).values(event_id=ev["event_id"], **vals))
        if not alerts:
            return []
        seq = int(
            c.execute(sa.select(sa.func.coalesce(sa.func.max(alerts_t.c.seq), 0))).scalar_one()
        )
        out = []
        for a in alerts:
            seq += 1
            row = dict(
                seq=seq,
                alert_id=a["alert_id"],
                event_id=a["event_id"],
                kind=a["kind"],
                ref_alert_id=a.get("ref_alert_id"),
                payload=a["payload"],
                tick=tick,
                created_at=now,
            )
            c.execute(sa.insert(alerts_t).values(**row))
            for s in sinks:
                c.execute(
                    sa.insert(deliveries_t).values(
                        alert_id=a["alert_id"],
                        sink=s,
                        seq=seq,
                        status="pending",
                        attempts=0,
                        next_attempt_at=0.0,
                    )
                )
            out.append(row)
        return out

    # -- imagery ----------------------------------------------------------------------------------
    def imagery_data(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
        """The stored bytes (zlib) of pending imagery files, by (source, key)."""
        out: dict[tuple[str, str], bytes] = {}
        with self.read() as c:
            for source, key in keys:
                r = c.execute(
                    sa.select(imagery_t.c.data).where(
                        imagery_t.c.source == source, imagery_t.c.key == key
                    )
                ).first()
                if r is not None:
                    out[(source, key)] = bytes(r[0])
        return out

    def ais_window(self, lo_ns: int, hi_ns: int) -> pd.DataFrame:
        """Buffered AIS positions with ``lo_ns <= time_ns <= hi_ns`` (``nw_ais_buffer``)."""
        t = ais_buffer_t
        q = sa.select(*[col for col in t.c if col.name != "id"]).where(
            t.c.time_ns >= lo_ns, t.c.time_ns <= hi_ns
        )
        with self.read() as c:
            return pd.read_sql(q, c)

    def pending_imagery(self) -> list[dict[str, Any]]:
        """The imagery files waiting for their partner (without their bytes)."""
        cols = [col for col in imagery_t.c if col.name != "data"]
        with self.read() as c:
            return [dict(r._mapping) for r in c.execute(sa.select(*cols))]

    def scenes(self, ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Stored scenes (``nw_scenes``; all, or those of ``ids``) with their footprints as
        WKB bytes."""
        q = sa.select(scenes_t)
        if ids is not None:
            q = q.where(scenes_t.c.scene_id.in_(sorted(set(ids))))
        with self.read() as c:
            rows = [dict(r._mapping) for r in c.execute(q)]
        return pd.DataFrame(rows, columns=[col.name for col in scenes_t.c])

    def scene_meta(self) -> dict[str, dict[str, Any]]:
        """The stored scenes without their footprints (:data:`SCENE_META`), by scene id."""
        with self.read() as c:
            return {r.scene_id: dict(r._mapping) for r in c.execute(_scene_meta())}

    def ais_buffer_size(self) -> int:
        with self.read() as c:
            return int(c.execute(sa.select(sa.func.count()).select_from(ais_buffer_t)).scalar_one())

    # -- feed health ------------------------------------------------------------------------------
    def record_health(
        self, sources: Iterable[str], deltas: dict[str, dict[str, int]], now_ns: int
    ) -> None:
        """One short transaction: create the rows of ``sources`` not stored yet, add each
        source's counter deltas (messages, reconnects, errors; ``last_message_ns`` keeps the
        newest) and recompute messages per minute once a minute."""
        with self.write() as c:
            rows = {r.source: r for r in c.execute(sa.select(health_t))}
            for name in dict.fromkeys([*sources, *deltas]):
                d = deltas.get(name, {})
                r = rows.get(name)
                if r is None:
                    c.execute(sa.insert(health_t).values(
                        source=name, first_seen_ns=now_ns, last_message_ns=d.get("last_message_ns"),
                        messages=d.get("messages", 0), reconnects=d.get("reconnects", 0),
                        errors=d.get("errors", 0), msgs_per_min=0.0, rate_at_ns=now_ns, rate_base=0,
                        status="ok", updated_at=now_ns / 1e9,
                    ))  # fmt: skip
                    continue
                if not any(d.values()) and now_ns - r.rate_at_ns < RATE_WINDOW_NS:
                    continue
                vals = _health_deltas(r, d, now_ns)
                c.execute(sa.update(health_t).where(health_t.c.source == name).values(**vals))

    def health_rows(self) -> dict[str, dict[str, Any]]:
        with self.read() as c:
            return {r.source: dict(r._mapping) for r in c.execute(sa.select(health_t))}

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        """(sink, status) -> deliveries."""
        q = sa.select(deliveries_t.c.sink, deliveries_t.c.status, sa.func.count()).group_by(
            deliveries_t.c.sink, deliveries_t.c.status
        )
        with self.read() as c:
            return {(r[0], r[1]): int(r[2]) for r in c.execute(q)}

    # -- delivery ---------------------------------------------------------------------------------
    def pending_count(self, sinks: Iterable[str]) -> int:
        """Undelivered (alert, sink) pairs for these sinks. A sink added to the config later
        receives only alerts enqueued after it was added."""
        with self.read() as c:
            return int(
                c.execute(
                    sa.select(sa.func.count())
                    .select_from(deliveries_t)
                    .where(deliveries_t.c.status == "pending", deliveries_t.c.sink.in_(list(sinks)))
                ).scalar_one()
            )

    def pending(self, sink: str, limit: int = 200) -> list[Outgoing]:
        """The oldest undelivered alerts for ``sink``, in enqueue order."""
        j = deliveries_t.join(alerts_t, deliveries_t.c.alert_id == alerts_t.c.alert_id)
        q = (
            sa.select(
                deliveries_t.c.seq,
                alerts_t.c.alert_id,
                alerts_t.c.kind,
                alerts_t.c.ref_alert_id,
                alerts_t.c.payload,
                deliveries_t.c.attempts,
                deliveries_t.c.next_attempt_at,
            )
            .select_from(j)
            .where(deliveries_t.c.sink == sink, deliveries_t.c.status == "pending")
            .order_by(deliveries_t.c.seq)
            .limit(limit)
        )
        with self.read() as c:
            return [Outgoing(*r) for r in c.execute(q)]

    def mark(
        self,
        alert_id: str,
        sink: str,
        *,
        status: str,
        attempts: int,
        next_attempt_at: float = 0.0,
        error: str | None = None,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        with self.write() as c:
            c.execute(
                sa.update(deliveries_t)
                .where(deliveries_t.c.alert_id == alert_id, deliveries_t.c.sink == sink)
                .values(
                    status=status,
                    attempts=attempts,
                    next_attempt_at=next_attempt_at,
                    last_error=error,
                    delivered_at=now if status == "delivered" else None,
                )
            )

    # -- inspection (CLI, tests) ------------------------------------------------------------------
    def alerts(self) -> pd.DataFrame:
        with self.read() as c:
            return pd.read_sql(sa.select(alerts_t).order_by(alerts_t.c.seq), c)

    def deliveries(self) -> pd.DataFrame:
        with self.read() as c:
            return pd.read_sql(
                sa.select(deliveries_t).order_by(deliveries_t.c.seq, deliveries_t.c.sink), c
            )

    def inputs(self) -> pd.DataFrame:
        with self.read() as c:
            return pd.read_sql(sa.select(inputs_t).order_by(inputs_t.c.source, inputs_t.c.key), c)

    def quarantine(self) -> pd.DataFrame:
        with self.read() as c:
            return pd.read_sql(sa.select(quarantine_t).order_by(quarantine_t.c.id), c)

    def tick_count(self) -> int:
        with self.read() as c:
            return int(c.execute(sa.select(lock_t.c.tick).where(lock_t.c.id == 1)).scalar_one())


def _commit_imagery(c: sa.Connection, im: ImageryCommit, tick: int, now: float) -> None:
    """Write a tick's imagery changes: pending files replaced, added and removed; AIS appended
    to the buffer, then positions older than ``keep_ns`` behind the newest one (or behind now,
    when a position claims a time after now) deleted."""
    t = imagery_t
    for source, key in [*im.remove, *((r["source"], r["key"]) for r in im.add)]:
        c.execute(sa.delete(t).where(t.c.source == source, t.c.key == key))
    for r in im.add:
        c.execute(sa.insert(t).values(**{k: v for k, v in r.items() if k in t.c}, tick=tick,
                                      created_at=now))  # fmt: skip
    if im.ais is not None and len(im.ais):
        recs = [
            {k: _plain_value(v) for k, v in rec.items()} for rec in im.ais.to_dict(orient="records")
        ]
        for i in range(0, len(recs), 5000):
            c.execute(sa.insert(ais_buffer_t), recs[i : i + 5000])
    b = ais_buffer_t
    newest = c.execute(sa.select(sa.func.max(b.c.time_ns))).scalar_one()
    if newest is not None and im.keep_ns > 0:
        cutoff = min(int(newest), int(now * 1e9)) - im.keep_ns
        c.execute(sa.delete(b).where(b.c.time_ns < cutoff))
    _commit_scenes(c, im, tick, now)


def _scene_meta() -> sa.Select:
    return sa.select(*[scenes_t.c[n] for n in SCENE_META])


def _commit_scenes(c: sa.Connection, im: ImageryCommit, tick: int, now: float) -> None:
    """Store scene footprints (the latest version of a scene wins; when it was first seen and
    whether it was surveyed are kept), mark the scenes surveyed this tick, then delete the
    scenes older than ``scenes_keep_ns`` of scene time behind the newest (or behind now)."""
    s = scenes_t
    for r in im.scenes:
        vals = {k: _plain_value(v) for k, v in r.items() if k in s.c and k != "scene_id"}
        done = c.execute(
            sa.update(s).where(s.c.scene_id == r["scene_id"]).values(**vals, updated_tick=tick)
        ).rowcount
        if not done:
            c.execute(sa.insert(s).values(scene_id=r["scene_id"], **vals, first_seen=now,
                                          first_tick=tick, updated_tick=tick))  # fmt: skip
    for sid, how in sorted(im.surveyed.items()):
        c.execute(
            sa.update(s)
            .where(s.c.scene_id == sid, s.c.surveyed_tick.is_(None))
            .values(surveyed_tick=tick, surveyed_how=how)
        )
    newest = c.execute(sa.select(sa.func.max(s.c.time_ns))).scalar_one()
    if newest is not None and im.scenes_keep_ns > 0:
        cutoff = min(int(newest), int(now * 1e9)) - im.scenes_keep_ns
        c.execute(sa.delete(s).where(s.c.time_ns < cutoff))


def _plain_value(v: Any) -> Any:
    """A DataFrame cell as a value the database drivers take (None for missing; numpy
    scalars as Python numbers)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def _upsert(c: sa.Connection, table: sa.Table, vals: dict[str, Any]) -> None:
    """Write the one row (id 1) of a single-row table."""
    if c.execute(sa.update(table).where(table.c.id == 1).values(**vals)).rowcount == 0:
        c.execute(sa.insert(table).values(id=1, **vals))


def _health_deltas(r: Any, d: dict[str, int], now_ns: int) -> dict[str, Any]:
    """New column values of a stored health row ``r`` after the deltas ``d``."""
    messages = int(r.messages) + d.get("messages", 0)
    vals: dict[str, Any] = dict(
        messages=messages,
        reconnects=int(r.reconnects) + d.get("reconnects", 0),
        errors=int(r.errors) + d.get("errors", 0),
        updated_at=now_ns / 1e9,
    )
    if d.get("last_message_ns"):
        vals["last_message_ns"] = max(int(r.last_message_ns or 0), d["last_message_ns"])
    if now_ns - int(r.rate_at_ns) >= RATE_WINDOW_NS:
        vals["msgs_per_min"] = (messages - int(r.rate_base)) * 60e9 / (now_ns - int(r.rate_at_ns))
        vals["rate_at_ns"], vals["rate_base"] = now_ns, messages
    return vals


def _s(v: Any) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return str(v)


def _sqlite_connect(dbapi_con, _record) -> None:
    dbapi_con.isolation_level = None  # transactions are begun explicitly (below)
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql(
        "BEGIN IMMEDIATE" if conn.get_execution_options().get("nw_write") else "BEGIN"
    )
