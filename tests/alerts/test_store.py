"""The state store and the tick transaction, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import navwatch as nw
from navwatch.alerts import StateConflict, Store, Watcher, parse_config
from navwatch.alerts.sources import FeedBuffer
from navwatch.alerts.store import decode_state, encode_state

DEMO = Path(nw.__file__).parent / "data" / "demo"


def _store(url: str) -> Store:
    from navwatch.alerts.config import _normalise_db_url

    s = Store(_normalise_db_url(url, Path("."), "test"))
    s.create()
    return s


def test_create_is_idempotent(state_url):
    s = _store(state_url)
    s.create()
    assert s.tick_count() == 0
    assert "***" in repr(Store("postgresql+psycopg://u:pw@h/db")) and "pw" not in repr(
        Store("postgresql+psycopg://u:pw@h/db")
    )


def _demo_obs() -> pd.DataFrame:
    return (
        nw.read_observations(sorted(DEMO.glob("*.csv")))
        .sort_values("time", kind="stable")
        .reset_index(drop=True)
    )


def test_detector_state_round_trips_through_the_database(state_url):
    """Incremental detection with the state stored in the database between batches gives the
    same events as keeping it in memory."""
    s = _store(state_url)
    obs = _demo_obs()
    zones, reg = nw.load_ports(), nw.load_registry()
    mem_state, got, want = None, [], []
    for lo in range(0, len(obs), 2):
        part = obs.iloc[lo : lo + 2]
        d_mem = nw.detect_port_events(part, zones, reg, state=mem_state)
        mem_state = d_mem.state
        want.append(d_mem.events)
        snap = s.snapshot()
        d_db = nw.detect_port_events(part, zones, reg, state=snap.state)
        s.commit_tick(snap, state=d_db.state)
        got.append(d_db.events)
    pd.testing.assert_frame_equal(
        pd.concat(got, ignore_index=True), pd.concat(want, ignore_index=True)
    )
    rows, emitted = encode_state(mem_state)
    back = decode_state(rows, emitted)
    assert len(back.rows) == len(mem_state.rows) and len(back.emitted) == len(mem_state.emitted)


def test_concurrent_tick_commits_once(state_url):
    s = _store(state_url)
    a, b = s.snapshot(), s.snapshot()
    s.commit_tick(a, inputs=[{"source": "d", "key": "f", "status": "done", "offset_bytes": 10}])
    with pytest.raises(StateConflict):
        s.commit_tick(b, inputs=[{"source": "d", "key": "f", "status": "done", "offset_bytes": 99}])
    inp = s.inputs()
    assert list(inp["offset_bytes"]) == [10] and s.tick_count() == 1


def test_feed_buffer_rows_survive_until_consumed(state_url):
    s = _store(state_url)
    buf = FeedBuffer(s, flush_s=0.05).start()
    buf.add("rx", ["1 !AIVDM,a", "2 !AIVDM,b"])
    buf.close()
    snap = s.snapshot()
    assert [r[3] for r in snap.feed] == ["1 !AIVDM,a\n2 !AIVDM,b"]
    s.append_feed([("rx", 3, 1, "3 !AIVDM,c")])  # arrives while the tick computes
    s.commit_tick(snap, feed_ids=[r[0] for r in snap.feed])
    left = s.snapshot().feed
    assert [r[3] for r in left] == ["3 !AIVDM,c"] and s.feed_backlog() == 1


def test_feed_buffer_concurrent_writers(state_url):
    s = _store(state_url)
    buf = FeedBuffer(s, flush_s=0.01).start()

    def producer(k):
        for i in range(200):
            buf.add(f"src{k}", [f"{k}-{i}"])

    ts = [threading.Thread(target=producer, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    buf.close()
    assert s.feed_backlog() == 800 and buf.written == 800


def _plan(alerts):
    def plan(lookup):
        lookup([a["event_id"] for a in alerts])
        return alerts, []

    return plan


def test_outbox_order_and_per_sink_status(state_url):
    s = _store(state_url)
    alerts = [
        dict(
            alert_id=f"a{i}",
            event_id=f"e{i}",
            kind="new",
            ref_alert_id=None,
            payload=json.dumps({"i": i}),
        )
        for i in range(5)
    ]
    snap = s.snapshot()
    enq = s.commit_tick(snap, plan=_plan(alerts), sinks=["hook", "mail"])
    assert [a["alert_id"] for a in enq] == [f"a{i}" for i in range(5)]
    assert [o.alert_id for o in s.pending("hook")] == [f"a{i}" for i in range(5)]
    s.mark("a0", "hook", status="delivered", attempts=1)
    s.mark("a1", "hook", status="pending", attempts=1, next_attempt_at=1e18, error="down")
    assert [o.alert_id for o in s.pending("hook")][:1] == ["a1"]
    assert len(s.pending("mail")) == 5 and s.pending_count(["hook", "mail"]) == 9
    with pytest.raises(sa.exc.IntegrityError):  # an alert id is enqueued once, ever
        s.commit_tick(s.snapshot(), plan=_plan(alerts[:1]), sinks=["hook"])
    assert len(s.alerts()) == 5


def test_tartus_reference_case_new_then_retraction(state_url, tmp_path):
    """The shipped Tartus evidence, one day per tick: departures alerted on 2-3 Dec are retracted
    (referencing the first alert) when Maxar shows the flotilla back on 5 Dec."""
    incoming = tmp_path / "in"
    incoming.mkdir()
    cfg = parse_config(
        {
            "state": {"url": state_url},
            "sources": [{"type": "directory", "path": "in", "settle_s": 0}],
            "sinks": [{"type": "jsonl", "path": "a.jsonl"}],
        },
        base=tmp_path,
    )
    w = Watcher(cfg)
    frames = {
        f: pd.read_csv(DEMO / f, dtype=str, keep_default_na=False)
        for f in ("sightings.csv", "surveys.csv")
    }
    days = sorted({t[:10] for df in frames.values() for t in df["time"]})
    by_day = {}
    for day in days:
        for f, df in frames.items():
            part = df[df["time"].str[:10] == day]
            if len(part):
                part.to_csv(incoming / f"{day}-{f}", index=False)
        rep = w.run_once()
        by_day[day] = [
            (json.loads(a["payload"])["event"]["vessel_id"], a["kind"], a["ref_alert_id"])
            for a in rep.alerts
        ]
    w.close()
    assert by_day["2024-12-02"] == [("yelnya", "new", None)]
    first = {v: k for v, k, _ in by_day["2024-12-03"]}
    assert first == dict.fromkeys(
        ["admiral-golovko", "admiral-gorshkov", "admiral-grigorovich", "novorossiysk", "vyazma"],
        "new",
    )
    retracted = by_day["2024-12-05"]
    assert {v for v, k, _ in retracted} == set(first) and {k for _, k, _ in retracted} == {
        "retraction"
    }
    alerts = Store(cfg.state_url.reveal()).alerts()
    new_ids = dict(
        zip(
            alerts[(alerts["kind"] == "new") & (alerts["tick"] == 4)]["event_id"],
            alerts[(alerts["kind"] == "new") & (alerts["tick"] == 4)]["alert_id"],
            strict=True,
        )
    )
    for _, r in alerts[alerts["kind"] == "retraction"].iterrows():
        assert r["ref_alert_id"] == new_ids[r["event_id"]]
        assert "contradiction" in json.loads(r["payload"])["reason"]
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [x["alert_id"] for x in lines] == list(alerts["alert_id"])
