"""The watcher: ticks that consume input, update detector state and enqueue alerts, then deliver.

A tick (:meth:`Watcher.tick`):

1. reads a snapshot of the state database (tick counter, consumed inputs, detector and activity
   states, buffered live lines, detections files waiting for their scenes, the scenes held) in a short read
   transaction;
2. outside any transaction: reads new input from every source, decodes the live lines, pairs
   detections files with the scenes held and turns the usable ones into survey rows matched to the buffered AIS
   (:mod:`navwatch.alerts.imagery`), runs incremental port-event detection from the stored state and, when ``[alerts] events`` names
   an activity type, incremental activity detection (those types only) from the stored activity
   state, and plans alerts for both;
3. commits, in **one** transaction, what it consumed (offsets, hashes, buffer rows deleted), the
   imagery kept or used, the scenes stored and surveyed and the AIS buffered, the new detector and activity states, the event bookkeeping and the alerts with one delivery row
   per sink. The commit first bumps the tick counter only if it still holds the snapshot's
   value, so a concurrent watcher's tick cannot be applied twice; a crash anywhere before the
   commit leaves the database as it was, and the next tick reads the same input again.

Then :meth:`Watcher.deliver` sends queued alerts outside the transaction and marks each
delivery; a crash between sending and marking re-sends the same alert id (at-least-once).
The heavy work happens outside the write transaction so that live-feed listeners, which append
to the buffer in their own short transactions, never wait long.
"""

from __future__ import annotations

import dataclasses
import logging
import signal
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import schema
from ..activity import ActivityState, detect_activity_incremental
from ..detect import DetectorState, detect_port_events
from ..errors import ConfigError, IngestError, PortsError, StateError
from ..imagery import ImageryEvidence, read_scenes
from ..io import InMemory
from ..ports import load_ports
from ..quarantine import Quarantine
from ..registry import load_registry
from ..zones import ZoneIndex
from . import imagery
from .activity_alerts import with_nearest_port
from .alerting import plan_alerts
from .config import AishubSource, Config, DirectorySource, HttpSource, LiveSource, redact_url
from .dedup import SeenPositions
from .feeds import make_feed, poll_aishub
from .health import FeedHealth, count_in_boxes
from .sinks import deliver, make_sink
from .sources import (
    Chunk,
    FeedBuffer,
    _qframe,
    decode_feed,
    fetch_http,
    poll_errors,
    read_directory,
)
from .store import ImageryCommit, StateConflict, Store

__all__ = ["TickReport", "Watcher", "run_scheduled"]

log = logging.getLogger("navwatch.watch")

#: At most this many buffered live lines are consumed by one tick (the rest by the next).
MAX_FEED_LINES_PER_TICK = 2_000_000


@dataclass
class TickReport:
    tick: int
    rows: int = 0
    #: Live positions left out because they were consumed before (or repeated in this tick).
    repeats: int = 0
    events: int = 0
    #: Activity events reported by the activity detectors this tick (new, changed, retracted).
    activity_events: int = 0
    alerts: list[dict] = field(default_factory=list)
    quarantined: int = 0
    inputs: int = 0
    seconds: float = 0.0
    #: Per sink, what the delivery after the tick did (:meth:`Watcher.run_once`), e.g.
    #: ``{"delivered": 2, "queued": 0, "failed": 0}``.
    delivered: dict = field(default_factory=dict)
    #: Imagery used this tick (:mod:`navwatch.alerts.imagery`): the
    #: :class:`~navwatch.imagery.ImageryEvidence` (matched detections, scenes, surveys), or None.
    imagery: ImageryEvidence | None = None


class Watcher:
    """Runs ticks for one configuration. ``start_feeds()`` starts the live-feed listeners."""

    def __init__(self, cfg: Config, *, store: Store | None = None) -> None:
        self.cfg = cfg
        self.store = store or Store(cfg.state_url.reveal())
        self.store.create()
        d = cfg.detect
        self.registry = load_registry(d.registry)
        self.zones = ZoneIndex(
            load_ports(d.ports, default_radius_km=d.port_radius_km), d.params.exit_margin_km
        )
        # rule ports named as analysts write them (aliases, other spellings) -> the zones' names;
        # an unknown port stops the watcher at start, naming close ones
        try:
            ports = tuple(
                dict.fromkeys(
                    self.zones.port[self.zones.find(p, strict=True)] for p in cfg.alerts.ports
                )
            )
        except PortsError as exc:
            raise ConfigError(f"[alerts].ports: {exc}") from None
        self.rules = dataclasses.replace(cfg.alerts, ports=ports)
        self.sinks = [make_sink(s) for s in cfg.sinks]
        self.buffer: FeedBuffer | None = None
        self.feeds: list[threading.Thread] = []
        self._stop = threading.Event()
        self._tick_lock = threading.Lock()
        live = [s.name for s in cfg.sources if not isinstance(s, DirectorySource | HttpSource)]
        self.health = FeedHealth(
            cfg.health, [s.name for s in cfg.sources], self.store, live=live,
            listeners=lambda: list(self.feeds),  # type: ignore[arg-type]
        )  # fmt: skip

    # -- live feeds -------------------------------------------------------------------------------
    def start_feeds(self) -> None:
        feeds = [s for s in self.cfg.sources if isinstance(s, LiveSource)]
        if not feeds or self.buffer is not None:
            return
        self.buffer = FeedBuffer(self.store, self.cfg.feed_flush_s).start()
        for s in feeds:
            t = make_feed(s, self.buffer)
            t.start()
            self.feeds.append(t)
        self.health.listening(s.name for s in feeds)

    def stop_feeds(self) -> None:
        for t in self.feeds:
            t.stop()  # type: ignore[attr-defined]
        for t in self.feeds:
            t.join(timeout=5)
        feeds, self.feeds = self.feeds, []
        self.health.record(feeds)  # type: ignore[arg-type]
        self.health.forget(feeds)  # type: ignore[arg-type]
        if self.buffer is not None:
            self.buffer.close()
            self.buffer = None

    # -- one tick ---------------------------------------------------------------------------------
    def tick(self, now: float | None = None) -> TickReport:
        with self._tick_lock:
            now = time.time() if now is None else now
            try:
                rep = self._tick(now)
            except StateConflict:
                raise
            except Exception:
                self.health.tick_done(False, now)
                raise
            self.health.tick_done(True, now)
            return rep

    def _tick(self, now: float) -> TickReport:
        t0 = time.perf_counter()
        self.health.record(self.feeds, now=now)  # type: ignore[arg-type]
        snap = self.store.snapshot(feed_limit_lines=MAX_FEED_LINES_PER_TICK)
        log.info("tick %d: start", snap.tick + 1)
        chunks = self._read(snap, now)
        boxes, box_last = count_in_boxes(
            [(c.source, c.obs) for c in chunks], self.cfg.health.boxes, now
        )
        self.health.record(
            polled={**_polled(chunks, self.cfg.sources), **boxes}, now=now, last=box_last
        )
        seen, n_dup = self._screen_repeats(chunks, snap.seen)
        imagery, evidence = self._imagery(snap, chunks, now)  # derived surveys join ``chunks``
        frames = [c.obs for c in chunks if c.obs is not None and len(c.obs)]
        obs = schema.concat(frames) if frames else None
        qparts = [c.quarantine for c in chunks if c.quarantine is not None and len(c.quarantine)]
        state, events = None, pd.DataFrame()
        act_state, activity = None, None
        if obs is not None and len(obs):
            state, events = self._detect(obs, snap.state, qparts)
            if self.rules.activity_types:
                act_state, activity = self._detect_activity(obs, snap.activity, qparts)
        quarantine = pd.concat(qparts, ignore_index=True) if qparts else None
        detected_at = pd.Timestamp(now, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        n_act = 0 if activity is None else len(activity)
        plan = (
            plan_alerts(events, self.rules, detected_at, activity) if len(events) or n_act else None
        )
        feed_ids = [i for c in chunks for i in c.feed_ids]
        alerts = self.store.commit_tick(
            snap, inputs=[c.input for c in chunks if c.input is not None], feed_ids=feed_ids, state=state,
            activity=act_state, seen=seen, quarantine=quarantine, plan=plan, sinks=[s.name for s in self.sinks], now=now,
            health=self.health.planner(self.rules.events, now), imagery=imagery,
        )  # fmt: skip
        rep = TickReport(
            tick=snap.tick + 1, rows=0 if obs is None else len(obs), repeats=n_dup, events=len(events), activity_events=n_act,
            alerts=alerts, quarantined=0 if quarantine is None else len(quarantine), inputs=len(chunks),
            seconds=time.perf_counter() - t0, imagery=evidence,
        )  # fmt: skip
        log.info(
            "tick %d: committed: %d input(s), %d observation(s) (%d live repeat(s) consumed before left out), %d event(s), %d activity event(s), %d alert(s) enqueued, %d row(s) quarantined (%.2f s)",
            rep.tick, rep.inputs, rep.rows, rep.repeats, rep.events, n_act, len(alerts), rep.quarantined, rep.seconds,
        )  # fmt: skip
        if quarantine is not None and len(quarantine):
            for code, n in quarantine["code"].value_counts().items():
                log.warning("tick %d: quarantined %d row(s): %s", rep.tick, n, code)
            if self.cfg.quarantine_csv is not None:
                _append_csv(quarantine, self.cfg.quarantine_csv)
        return rep

    def _read(self, snap, now: float) -> list[Chunk]:
        """New input from every source (directories, HTTP, the buffered live lines)."""
        chunks: list[Chunk] = []
        for src in self.cfg.sources:
            if isinstance(src, DirectorySource):
                chunks.extend(read_directory(src, snap.inputs, now))
            elif isinstance(src, HttpSource):
                c = fetch_http(src, snap.inputs.get((src.name, redact_url(src.url))))
                if c is not None:
                    chunks.append(c)
            elif isinstance(src, AishubSource):
                c = poll_aishub(src, snap.inputs.get((src.name, "aishub")), now)
                if c is not None:
                    chunks.append(c)
        if snap.feed or any(
            k == "feed" and (r.get("carry") or "") for (_, k), r in snap.inputs.items()
        ):
            fmts = {s.name: s.format for s in self.cfg.sources if isinstance(s, LiveSource)}
            chunks.extend(decode_feed(snap.feed, snap.inputs, fmts))
        return chunks

    def _screen_repeats(self, chunks: list[Chunk], blob: bytes | None) -> tuple[bytes | None, int]:
        """Drop, from the live and AISHub chunks, the positions consumed before or repeated in
        this tick (:mod:`navwatch.alerts.dedup`); the keys to commit (None: unchanged) and how
        many were dropped."""
        live = [
            c for c in chunks if c.key in ("feed", "aishub") and c.obs is not None and len(c.obs)
        ]
        if not live:
            return None, 0
        seen = SeenPositions.from_bytes(blob)
        n = 0
        for c in live:
            c.obs, k, seen = seen.screen(c.obs, self.cfg.dedup_window_s)
            n += k
        if n:
            log.info("live input: %d position(s) received again, consumed once", n)
        return seen.to_bytes(), n

    def _imagery(
        self, snap, chunks: list[Chunk], now: float
    ) -> tuple[ImageryCommit, ImageryEvidence | None]:
        """Imagery read this tick and kept in the store: scene footprints join ``nw_scenes``;
        the detections files that can be used now (:func:`navwatch.alerts.imagery.plan`) are
        matched to the buffered and this tick's AIS and the surveys of their scenes (and of the
        held scenes surveyed as empty) appended to ``chunks`` as one chunk of survey rows; what
        to commit (pending files added and removed, scenes stored and surveyed, AIS to buffer)
        and the evidence derived."""
        ic = self.cfg.imagery
        parts = [imagery.ais_rows(c.obs, self.zones, ic.ais_near_km, ic.ais_step_s) for c in chunks]
        parts = [x for x in parts if x is not None]
        commit = ImageryCommit(
            ais=pd.concat(parts, ignore_index=True) if parts and ic.ais_buffer_h > 0 else None,
            keep_ns=int(ic.ais_buffer_h * 3600 * 1e9),
            scenes_keep_ns=int(ic.scenes_keep_h * 3600 * 1e9),
        )
        new = [c.imagery for c in chunks if c.imagery is not None]
        new_scenes = [
            *self._schema5_scenes(snap, commit),
            *(x for r in new for x in r["scene_rows"]),
        ]
        commit.scenes = _fresh(new_scenes, snap.scenes, commit.scenes_keep_ns, now)
        held = {**snap.scenes}
        for x in commit.scenes:
            held.setdefault(x["scene_id"], dict(first_seen=now, surveyed_tick=None,
                                                time_ns=x["time_ns"], source=x["source"]))  # fmt: skip
        dets = [r for r in new if r["kind"] == "detections" and r["rows"] > 0]
        pending = {(r["source"], r["key"]): r for r in snap.imagery if r["kind"] == "detections"}
        pending.update({(r["source"], r["key"]): r for r in dets})
        p = imagery.plan(pending.values(), held, now, ic.pending_max_h, ic.empty_scene_h)
        used = [(r["source"], r["key"]) for r in p.use]
        commit.add = [r for r in dets if (r["source"], r["key"]) not in used]
        if p.wait:
            log.info("imagery: %d detections file(s) waiting for their scenes", len(p.wait))
        if not p.use and not p.empty:
            return commit, None
        commit.remove.extend(used)
        data = {(r["source"], r["key"]): r["data"] for r in dets}
        data.update(self.store.imagery_data([k for k in used if k not in data]))
        q = Quarantine()
        ev = self._imagery_surveys(p, data, held, commit, q)
        source = p.use[0]["source"] if p.use else "imagery"
        obs = None if ev is None else ev.observations
        chunks.append(Chunk(source, "imagery", obs=obs, quarantine=_qframe(q, source)))
        return commit, ev

    def _schema5_scenes(self, snap, commit: ImageryCommit) -> list[dict]:
        """The footprints of the scenes files a schema 5 database kept pending (moved to
        ``nw_scenes`` by this tick)."""
        old = [(r["source"], r["key"], r["file"]) for r in snap.imagery if r["kind"] == "scenes"]
        if not old:
            return []
        data = self.store.imagery_data([(s, k) for s, k, _ in old])
        out = []
        for s, k, f in old:
            table = read_scenes(InMemory(zlib.decompress(data[(s, k)]), f))
            out.extend(imagery.scene_rows(table, f))
            commit.remove.append((s, k))
        return out

    def _imagery_surveys(
        self, p: imagery.Plan, data: dict, held: dict, commit: ImageryCommit, q: Quarantine
    ) -> ImageryEvidence | None:
        """The evidence of the imagery used (None when the detections have no footprint at
        all: the files are quarantined with that reason); the scenes surveyed are recorded in
        ``commit``."""
        ic = self.cfg.imagery
        ids = set(p.survey).union(*p.used_ids.values(), *p.dropped.values()) & held.keys()
        catalogue = _catalogue(self.store.scenes(ids), commit.scenes, ids)
        dets, scenes = imagery.read_ready(p, data, catalogue, held, q, ic.pending_max_h)
        if not len(scenes):  # every row read was quarantined: nothing to survey
            return None
        frames = [] if commit.ais is None else [commit.ais]
        win = imagery.scene_window(dets, scenes, ic.params)
        if win is not None and ic.ais_buffer_h > 0:
            frames.append(self.store.ais_window(*win))
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        ais = imagery.buffered_ais(rows) if len(rows) else schema.empty()
        try:
            margin = self.cfg.detect.params.exit_margin_km  # the detector's hysteresis band
            ev = imagery.derive(dets, scenes, ais, self.zones, self.registry, ic.params, q, margin)
        except IngestError as exc:
            for r in p.use:
                q.add(r["file"], None, "imagery_unusable", f"{r['file']}: {exc.reason}")
            log.warning("imagery not used: %s", exc.reason)
            return None
        commit.surveyed = {sid: "empty" if sid in p.empty else "detections"
                           for sid in scenes["scene_id"].astype(str)}  # fmt: skip
        return ev

    def _detect(
        self, obs: pd.DataFrame, state: DetectorState, qparts: list[pd.DataFrame]
    ) -> tuple[DetectorState, pd.DataFrame]:
        """Incremental port-event detection; rows it rejects are appended to ``qparts``."""
        dq = Quarantine()
        det = detect_port_events(
            obs, self.zones, self.registry, params=self.cfg.detect.params, all_vessels=self.cfg.detect.all_vessels,
            state=state, quarantine=dq,
        )  # fmt: skip
        _quarantined(dq, "detect", qparts)
        return det.state, det.events

    def _detect_activity(
        self, obs: pd.DataFrame, blob: bytes | None, qparts: list[pd.DataFrame]
    ) -> tuple[bytes, pd.DataFrame]:
        """Incremental activity detection of the alerted types from the stored state: the new
        state as bytes and the events reported (new, changed, retracted), with the nearest
        port.

        A stored state that cannot be read, or that was made with other activity types,
        thresholds or ``all_vessels`` (the detectors refuse it), is replaced by a fresh one
        (logged): detection starts again from this tick's input; events already alerted keep
        their bookkeeping, but those the old state followed get no more updates or retractions.
        """
        aq = Quarantine()
        act = self.cfg.activity

        def run(state: ActivityState | None):
            return detect_activity_incremental(
                obs, self.zones, self.registry, types=list(self.rules.activity_types), params=act.params,
                all_vessels=act.all_vessels, state=state, quarantine=aq,
            )  # fmt: skip

        try:
            state = ActivityState.from_bytes(blob)
        except (StateError, ValueError) as exc:
            log.warning("activity state unreadable (%s): activity detection starts afresh", exc)
            state, blob = None, None
        try:
            batch = run(state)
        except ConfigError as exc:
            if blob is None:
                raise
            log.warning(
                "activity settings changed ([alerts] events, [activity]): %s; activity detection "
                "starts afresh from this tick's input",
                exc,
            )
            aq = Quarantine()
            batch = run(None)
        _quarantined(aq, "activity", qparts)
        events = batch.events
        if len(events):
            events = with_nearest_port(events, self.zones)
        log.debug("activity: %s", batch.stats)
        return batch.state.to_bytes(), events

    def deliver(self, timeout_s: float | None = None) -> dict:
        return deliver(
            self.store,
            self.sinks,
            timeout_s=timeout_s or self.cfg.deliver_timeout_s,
            stop=self._stop,
        )

    def run_once(self, listen_s: float = 0.0) -> TickReport | None:
        """One tick then delivery (what it did in ``delivered``). A tick that lost a race with
        another watcher is skipped (None; queued alerts are delivered all the same).

        ``listen_s`` > 0: first listen to the live feeds that long (``navwatch watch --once``),
        serving ``/healthz`` and ``/metrics`` meanwhile when ``[health] listen`` is set; the
        listeners are stopped before the tick.
        """
        if listen_s > 0:
            self.start_feeds()
            self.health.serve()
            time.sleep(listen_s)
            self.stop_feeds()
        try:
            rep = self.tick()
        except StateConflict as exc:
            log.warning("%s", exc)
            rep = None
        sent = self.deliver()
        if rep is not None:
            rep.delivered = sent
        return rep

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.stop_feeds()
        self.health.close()
        for s in self.sinks:
            s.close()
        self.store.dispose()


def _fresh(rows: list[dict], held: dict[str, dict], keep_ns: int, now: float) -> list[dict]:
    """The scene rows to store: those no older than ``nw_scenes`` keeps (``keep_ns`` of scene
    time behind the newest scene, or behind now), so that a scene pruned is never stored (and
    surveyed) again; of a scene given twice, the last."""
    if keep_ns <= 0 or not rows:
        return list({r["scene_id"]: r for r in rows}.values())
    times = [int(m["time_ns"]) for m in held.values() if m.get("time_ns") is not None]
    cutoff = min(max([*times, *(r["time_ns"] for r in rows)]), int(now * 1e9)) - keep_ns
    return list({r["scene_id"]: r for r in rows if r["time_ns"] >= cutoff}.values())


def _catalogue(stored: pd.DataFrame, new: list[dict], ids: set[str]):
    """The scenes ``ids`` as a scenes table: the stored rows, replaced by this tick's."""
    fresh = pd.DataFrame([r for r in new if r["scene_id"] in ids], columns=list(stored.columns))
    rows = pd.concat([stored.astype(object), fresh.astype(object)], ignore_index=True)
    return imagery.scenes_frame(rows.drop_duplicates("scene_id", keep="last"))


def _quarantined(q: Quarantine, source: str, qparts: list[pd.DataFrame]) -> None:
    if len(q):
        f = q.to_frame()
        f.insert(0, "source", source)
        qparts.append(f)


def _polled(chunks: list[Chunk], sources) -> dict[str, tuple[int, int]]:
    """Rows read, and rows quarantined plus failed polls, per polled source (directories, HTTP)
    this tick."""
    polled = {s.name for s in sources if isinstance(s, DirectorySource | HttpSource)}
    out: dict[str, tuple[int, int]] = {n: (0, poll_errors.pop(n, 0)) for n in polled}
    for c in chunks:
        if c.source in polled:
            n, e = out.get(c.source, (0, 0))
            nq = 0 if c.quarantine is None else len(c.quarantine)
            out[c.source] = (n + (0 if c.obs is None else len(c.obs)), e + nq)
    return out


def _append_csv(q: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    q.to_csv(path, mode="a", header=not path.exists() or path.stat().st_size == 0, index=False)


def _job(watcher: Watcher) -> None:
    try:
        watcher.run_once()
    except Exception:  # keep the schedule running; the next tick retries from the database
        log.exception("tick failed; the next tick retries from the last commit")


def run_scheduled(watcher: Watcher) -> None:
    """Run ticks on the configured APScheduler 3 schedule until SIGINT/SIGTERM."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    sch = watcher.cfg.schedule
    trigger = (
        CronTrigger.from_crontab(sch.cron, timezone=sch.timezone)
        if sch.kind == "cron"
        else IntervalTrigger(seconds=sch.interval_s, timezone=sch.timezone)
    )
    scheduler = BlockingScheduler(timezone=sch.timezone)
    scheduler.add_job(
        _job, trigger, args=[watcher], id="navwatch-tick", max_instances=1, coalesce=True,
        misfire_grace_time=None, next_run_time=pd.Timestamp.now(tz="UTC").to_pydatetime(),
    )  # fmt: skip

    def _shutdown(signum, _frame) -> None:
        log.info("signal %s: stopping after the current tick", signum)
        watcher.stop()
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    old = {s: signal.signal(s, _shutdown) for s in (signal.SIGINT, signal.SIGTERM)}
    watcher.start_feeds()
    watcher.health.serve()
    log.info(
        "watching: %s; state %s",
        sch.cron if sch.kind == "cron" else f"every {sch.interval_s:g} s",
        redact_url(watcher.cfg.state_url.reveal()),
    )
    try:
        scheduler.start()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        watcher.close()
