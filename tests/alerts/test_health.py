"""Feed health: a real watcher reading a real TCP NMEA feed from a local server, a real webhook
sink, the state on SQLite and PostgreSQL; ``feed_silent`` and ``feed_recovered`` exactly once
across restarts and a crash before the commit; ``watch --status``; ``/healthz`` and
``/metrics`` over HTTP, the metrics parsed strictly."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from navwatch.alerts import Watcher, load_config
from navwatch.alerts.health import count_in_boxes, health_event_id, parse_listen
from navwatch.errors import ConfigError

from .alert_servers import (
    CLI,
    NmeaTcpServer,
    cli_env,
    free_port,
    wait_for,
    webhook_sink,
    write_config,
)
from .live_servers import aisstream
from .nmea_factory import T0, position

SILENT_S = 5.0
ODD_NAME = 'dir "q"\\x'  # a source name that must be escaped in the metrics labels


def _config(tmp_path: Path, state_url: str, webhook, feed_port: int, listen_port: int) -> Path:
    path = write_config(
        tmp_path / "navwatch.toml",
        state_url=state_url,
        sources=[
            {
                "type": "tcp",
                "name": "aisfeed",
                "host": "127.0.0.1",
                "port": feed_port,
                "reconnect_min_s": 0.1,
                "reconnect_max_s": 0.2,
                "silent_after_s": SILENT_S,
            },
            {"type": "directory", "name": ODD_NAME, "path": str(tmp_path / "drop")},
        ],  # fmt: skip
        sinks=[webhook_sink(webhook)],
        alerts={"events": ["departure", "feed_silent", "feed_recovered"]},
    )
    with path.open("a") as f:
        f.write(f'[health]\nsilent_after_s = 600\nlisten = "127.0.0.1:{listen_port}"\n')
    return path


def _lines(n: int, t0: float = T0) -> list[str]:
    return [position(211000001, 10.0 + i * 0.01, -30.0, 8.0, t0 + 60 * i) for i in range(n)]


def _health_alerts(webhook) -> list[dict]:
    return [b for b in webhook.bodies() if b["event_kind"] in ("feed_silent", "feed_recovered")]


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def _status(cfg: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "--config", str(cfg), "--status"], capture_output=True, text=True,
        env=cli_env(), timeout=120, cwd=cfg.parent,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# a strict parser of the Prometheus text format 0.0.4

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples by (name, labels); raises AssertionError on anything malformed: a sample of a
    metric with no TYPE before it, a bad label, an unescaped character, a repeated sample."""
    assert text.endswith("\n")
    types: dict[str, str] = {}
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for ln in text[:-1].split("\n"):
        if ln.startswith("# HELP "):
            assert re.fullmatch(rf"# HELP {_NAME} .*", ln), ln
            continue
        if ln.startswith("# TYPE "):
            m = re.fullmatch(rf"# TYPE ({_NAME}) (counter|gauge|histogram|summary|untyped)", ln)
            assert m and m.group(1) not in types, ln
            types[m.group(1)] = m.group(2)
            continue
        m = _SAMPLE.match(ln)
        assert m, f"malformed line {ln!r}"
        name, raw, value = m.groups()
        assert name in types, f"sample before its TYPE: {ln!r}"
        labels: list[tuple[str, str]] = []
        pos = 0
        while raw and pos < len(raw):
            lm = _LABEL.match(raw, pos)
            assert lm, f"bad labels in {ln!r}"
            v = re.sub(r"\\(.)", lambda x: {"n": "\n"}.get(x.group(1), x.group(1)), lm.group(2))
            labels.append((lm.group(1), v))
            pos = lm.end()
        key = (name, tuple(labels))
        assert key not in out, f"repeated sample {ln!r}"
        out[key] = float(value)
    return out


# ---------------------------------------------------------------------------------------------


def test_silent_feed_alerts_once_then_recovers_once_across_restart_and_crash(
    tmp_path, state_url, webhook, secrets_env
):
    server = NmeaTcpServer([])
    server.start()
    listen_port = free_port()
    cfg_path = _config(tmp_path, state_url, webhook, server.port, listen_port)
    cfg = load_config(cfg_path, env=cli_env())
    base = f"http://127.0.0.1:{listen_port}"
    w = Watcher(cfg)
    try:
        w.start_feeds()
        w.health.serve()
        wait_for(lambda: server.clients, what="feed connection")
        server.send(_lines(5))
        wait_for(lambda: w.feeds[0].messages >= 5, what="5 messages")  # type: ignore[attr-defined]
        w.run_once()
        assert _health_alerts(webhook) == []
        code, ctype, body = _get(base + "/healthz")
        rep = json.loads(body)
        assert code == 200 and ctype == "application/json", body
        assert rep["healthy"] and rep["sources"]["aisfeed"]["status"] == "ok"
        assert rep["sources"]["aisfeed"]["messages"] == 5
        assert rep["sources"]["aisfeed"]["last_message_age_s"] < 5
        assert _status(cfg_path).returncode == 0

        # silence: a crash before the commit first (the planned alert is rolled back), then ticks
        time.sleep(SILENT_S + 0.5)
        real_commit = w.store.commit_tick

        def crashing(snap, **kw):
            return real_commit(snap, **{**kw, "plan": _boom})

        w.store.commit_tick = crashing  # type: ignore[method-assign]
        with pytest.raises(RuntimeError, match="crash"):
            w.tick()
        assert w.store.health_rows()["aisfeed"]["status"] == "ok"
        code, _, body = _get(base + "/healthz")
        assert code == 503 and json.loads(body)["last_tick_ok"] is False
        w.store.commit_tick = real_commit  # type: ignore[method-assign]
        w.run_once()
        w.run_once()
        silent = _health_alerts(webhook)
        assert [b["event_kind"] for b in silent] == ["feed_silent"]
        last_ns = w.store.health_rows()["aisfeed"]["last_message_ns"]
        assert silent[0]["event_id"] == health_event_id("aisfeed", last_ns)
        assert silent[0]["summary"].startswith("feed 'aisfeed' silent since ")
        assert "last message" in silent[0]["summary"]
        code, _, body = _get(base + "/healthz")
        assert code == 503 and json.loads(body)["sources"]["aisfeed"]["status"] == "silent"
        st = _status(cfg_path)
        assert st.returncode == 1 and "aisfeed: SILENT" in st.stdout, st.stdout + st.stderr
        metrics = parse_metrics(_get(base + "/metrics")[2])
        assert metrics[("navwatch_feed_silent", (("source", "aisfeed"),))] == 1
        assert metrics[("navwatch_feed_silent", (("source", ODD_NAME),))] == 0
        assert metrics[("navwatch_feed_messages_total", (("source", "aisfeed"),))] == 5
        assert metrics[("navwatch_ticks_total", ())] == 4
        assert metrics[("navwatch_tick_failures_total", ())] == 1
        assert metrics[("navwatch_alerts_delivered_total", (("sink", "webhook"),))] == 1
    finally:
        w.close()

    # a restarted watcher: still silent, nothing raised again
    w = Watcher(cfg)
    try:
        w.start_feeds()
        wait_for(lambda: len(server.clients) >= 2, what="reconnection")
        time.sleep(SILENT_S + 0.5)
        w.run_once()
        w.run_once()
        assert len(_health_alerts(webhook)) == 1
        server.send(_lines(3, T0 + 3600))
        wait_for(lambda: w.feeds[0].messages >= 3, what="3 messages")  # type: ignore[attr-defined]
        w.run_once()
        w.run_once()
    finally:
        w.close()
        server.stop()
    got = _health_alerts(webhook)
    assert [b["event_kind"] for b in got] == ["feed_silent", "feed_recovered"]
    rec = got[1]
    assert rec["event_id"] == got[0]["event_id"] and rec["ref_alert_id"] == got[0]["alert_id"]
    assert rec["kind"] == "update" and rec["summary"].startswith("feed 'aisfeed' recovered")
    assert len(set(webhook.ids())) == len(webhook.ids())
    st = _status(cfg_path)
    assert st.returncode == 0 and "aisfeed: OK" in st.stdout, st.stdout + st.stderr
    assert "8 message(s)" in st.stdout and "1 reconnect(s)" not in st.stdout


def _boom(_prior):
    raise RuntimeError("crash before commit")


def test_metrics_exposition_is_strict_and_escaped(tmp_path, webhook, secrets_env):
    server = NmeaTcpServer(_lines(4))
    server.start()
    port = free_port()
    cfg = load_config(
        _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", webhook, server.port, port),
        env=cli_env(),
    )
    w = Watcher(cfg)
    try:
        w.start_feeds()
        w.health.serve()
        wait_for(lambda: w.feeds[0].messages >= 4, what="4 messages")  # type: ignore[attr-defined]
        w.run_once()
        code, ctype, text = _get(f"http://127.0.0.1:{port}/metrics")
        assert code == 200 and ctype == "text/plain; version=0.0.4; charset=utf-8"
        assert 'source="dir \\"q\\"\\\\x"' in text
        m = parse_metrics(text)
        assert m[("navwatch_feed_messages_total", (("source", "aisfeed"),))] == 4
        assert m[("navwatch_feed_messages_total", (("source", ODD_NAME),))] == 0
        assert m[("navwatch_feed_reconnects_total", (("source", "aisfeed"),))] == 0
        assert 0 <= m[("navwatch_feed_last_message_age_seconds", (("source", "aisfeed"),))] < 10
        assert ("navwatch_feed_last_message_age_seconds", (("source", ODD_NAME),)) not in m
        assert _get(f"http://127.0.0.1:{port}/nope")[0] == 404
    finally:
        w.close()
        server.stop()
    with pytest.raises(AssertionError):
        parse_metrics('x{a="b"} 1\n')  # no TYPE: the parser is strict
    with pytest.raises(AssertionError):
        parse_metrics('# TYPE x gauge\nx{a="b\\q"} 1\n')


def test_listen_refuses_non_loopback_unless_allowed():
    assert parse_listen("127.0.0.1:9108", False) == ("127.0.0.1", 9108)
    assert parse_listen("[::1]:9108", False) == ("::1", 9108)
    with pytest.raises(ConfigError, match="allow_remote"):
        parse_listen("0.0.0.0:9108", False)
    assert parse_listen("0.0.0.0:9108", True) == ("0.0.0.0", 9108)
    with pytest.raises(ConfigError, match="host:port"):
        parse_listen("9108", False)


def test_scheduled_cli_watcher_serves_health_and_goes_silent(tmp_path, webhook):
    """``navwatch watch`` (scheduled, a subprocess) serves /healthz and /metrics; its feed goes
    silent: 503 and one feed_silent delivered; SIGTERM stops it."""
    server = NmeaTcpServer(_lines(6))
    server.start()
    port = free_port()
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", webhook, server.port, port)
    p = subprocess.Popen(
        [*CLI, "--config", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=cli_env(), cwd=cfg.parent,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:

        def healthz():
            try:
                return _get(url + "/healthz")
            except OSError:
                return None

        first = wait_for(healthz, timeout=60, what="/healthz")
        assert first[0] == 200, first
        wait_for(
            lambda: json.loads(_get(url + "/healthz")[2])["sources"]["aisfeed"]["messages"] == 6,
            what="6 messages counted",
        )
        m = parse_metrics(_get(url + "/metrics")[2])
        assert m[("navwatch_feed_messages_total", (("source", "aisfeed"),))] == 6
        wait_for(lambda: _health_alerts(webhook), timeout=SILENT_S + 20, what="feed_silent")
        code, _, body = _get(url + "/healthz")
        assert code == 503 and json.loads(body)["sources"]["aisfeed"]["status"] == "silent"
        time.sleep(2.5)  # more ticks: nothing more
    finally:
        p.send_signal(15)
        try:
            _out, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            _out, err = p.communicate()
        server.stop()
    assert [b["event_kind"] for b in _health_alerts(webhook)] == ["feed_silent"], err
    assert p.returncode is not None


def test_schema_2_database_is_refused_then_upgraded_with_the_health_table(tmp_path):
    import sqlalchemy as sa

    from navwatch.alerts.store import SCHEMA_VERSION, Store
    from navwatch.errors import StateError

    url = f"sqlite:///{tmp_path / 'old.db'}"
    st = Store(url)
    st.create()
    with st.write() as c:
        c.exec_driver_sql("DROP TABLE nw_feed_health")
        c.exec_driver_sql("UPDATE nw_lock SET schema_version = 2")
    with pytest.raises(StateError, match="feed health: table nw_feed_health"):
        Store(url).create()
    assert Store(url).upgrade() == (2, SCHEMA_VERSION) and SCHEMA_VERSION >= 3
    Store(url).create()
    assert "nw_feed_health" in sa.inspect(st.engine).get_table_names()
    st.record_health(["a"], {"a": {"messages": 3, "last_message_ns": 5}}, 10)
    assert st.health_rows()["a"]["messages"] == 3


def test_polled_http_source_counts_failed_polls_and_goes_silent(tmp_path, webhook, secrets_env):
    """An HTTP source whose server is down: each tick's failed poll is an error; with no row for
    silent_after_s it is silent (polled sources have no listening grace)."""
    path = write_config(
        tmp_path / "nw.toml", state_url=f"sqlite:///{tmp_path / 's.db'}",
        sources=[{"type": "http", "name": "down", "url": f"http://127.0.0.1:{free_port()}/x.csv",
                  "timeout_s": 2, "silent_after_s": 0.5}],
        sinks=[webhook_sink(webhook)], alerts={"events": ["feed_silent"]},
    )  # fmt: skip
    w = Watcher(load_config(path, env=cli_env()))
    try:
        w.run_once()
        assert _health_alerts(webhook) == []
        time.sleep(0.8)
        w.run_once()
        w.run_once()
    finally:
        w.close()
    row = w.store.health_rows()["down"]
    assert row["errors"] == 3 and row["messages"] == 0 and row["status"] == "silent"
    got = _health_alerts(webhook)
    assert [b["event_kind"] for b in got] == ["feed_silent"]
    assert got[0]["kind"] == "new" and "last message never" in got[0]["summary"]


# ---------------------------------------------------------------------------------------------
# silence per bounding box

BOX1 = [[34.0, 35.0], [36.0, 36.5]]
BOX2 = [[11.0, -29.0], [10.0, -31.0]]  # corners in the other order: still lat 10..11, lon -31..-29
IN_BOX = {1: (35.0, 35.5), 2: (10.5, -30.0)}


class _AisstreamServer:
    """A real aisstream.io-like WebSocket server; ``send`` pushes positions to the newest
    connection, stamped with the current time."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.conns: list = []
        self.mmsi = 273000500

        def handler(ws):
            ws.recv(timeout=3)  # the subscription
            self.conns.append(ws)
            try:
                for _ in ws:
                    pass
            except Exception:
                pass

        self.server = serve(handler, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.socket.getsockname()[1]

    def send(self, box: int) -> float:
        self.mmsi += 1
        t = time.time()
        lat, lon = IN_BOX[box]
        self.conns[-1].send(aisstream(dict(mmsi=self.mmsi, t=t, lat=lat, lon=lon, sog=0.0)))
        return t

    def stop(self) -> None:
        self.server.shutdown()


def _box_config(tmp_path: Path, webhook, ws_port: int, listen_port: int) -> Path:
    path = write_config(
        tmp_path / "navwatch.toml",
        state_url=f"sqlite:///{tmp_path / 'state.db'}",
        watch={"feed_flush_s": 0.05},
        sources=[{"type": "websocket", "name": "aisstream", "url": f"ws://127.0.0.1:{ws_port}/v0/stream",
                  "bounding_boxes": [BOX1, BOX2], "silent_per_box": True, "silent_after_s": SILENT_BOX_S,
                  "reconnect_min_s": 0.1, "reconnect_max_s": 0.2}],
        sinks=[webhook_sink(webhook)],
        alerts={"events": ["departure", "feed_silent", "feed_recovered"]},
    )  # fmt: skip
    with path.open("a") as f:
        f.write(f'[health]\nsilent_after_s = 600\nlisten = "127.0.0.1:{listen_port}"\n')
    return path


SILENT_BOX_S = 3.0


def _tick_until_counted(w, server: _AisstreamServer, *boxes: int) -> None:
    """Send one position in each of ``boxes`` and tick until the box rows counted them."""
    rows = w.store.health_rows()
    want = {b: int(rows.get(f"aisstream/box{b}", {}).get("messages") or 0) + 1 for b in boxes}
    for b in boxes:
        server.send(b)

    def counted():
        w.run_once()
        rows = w.store.health_rows()
        return all(rows[f"aisstream/box{b}"]["messages"] >= n for b, n in want.items())

    wait_for(counted, every=0.1, what=f"positions in boxes {boxes} counted")


def test_silent_per_box_websocket_box_goes_silent_once_and_recovers_once_across_restarts(
    tmp_path, webhook, secrets_env
):
    """A websocket source with two boxes and ``silent_per_box``: positions keep coming in box 1
    while box 2 goes quiet: one feed_silent for ``aisstream/box2`` (none for the source or box
    1) through the real webhook; positions in box 2 again: one feed_recovered; restarted
    watchers on the same SQLite database raise nothing twice."""
    server = _AisstreamServer()
    listen_port = free_port()
    cfg_path = _box_config(tmp_path, webhook, server.port, listen_port)
    cfg = load_config(cfg_path, env=cli_env())
    w = Watcher(cfg)
    try:
        w.start_feeds()
        w.health.serve()
        wait_for(lambda: server.conns, what="websocket connection")
        _tick_until_counted(w, server, 1, 2)
        rows = w.store.health_rows()
        assert {"aisstream", "aisstream/box1", "aisstream/box2"} <= set(rows)
        assert rows["aisstream/box1"]["messages"] == 1 and rows["aisstream"]["messages"] == 2
        assert rows["aisstream/box2"]["last_message_ns"] <= time.time_ns()
        assert _health_alerts(webhook) == []
        end = time.time() + SILENT_BOX_S + 0.5
        while time.time() < end:  # box 1 keeps talking, box 2 is quiet
            _tick_until_counted(w, server, 1)
            time.sleep(0.3)
        _tick_until_counted(w, server, 1)
        w.run_once()
        got = _health_alerts(webhook)
        assert [(b["event_kind"], b["event"]["source"]) for b in got] == [
            ("feed_silent", "aisstream/box2")
        ]
        silent = got[0]
        last_ns = w.store.health_rows()["aisstream/box2"]["last_message_ns"]
        assert silent["event_id"] == health_event_id("aisstream/box2", last_ns)
        assert silent["summary"].startswith(
            "feed 'aisstream' silent in box 2 (11.0, -29.0)-(10.0, -31.0) since "
        ), silent["summary"]
        assert silent["event"]["box"] == BOX2 and silent["event"]["parent"] == "aisstream"
        rows = w.store.health_rows()
        assert [rows[n]["status"] for n in ("aisstream", "aisstream/box1", "aisstream/box2")] == [
            "ok", "ok", "silent",
        ]  # fmt: skip
        code, _, body = _get(f"http://127.0.0.1:{listen_port}/healthz")
        rep = json.loads(body)["sources"]
        assert code == 503 and rep["aisstream/box2"]["status"] == "silent"
        assert rep["aisstream/box2"]["box"] == BOX2 and rep["aisstream/box1"]["status"] == "ok"
        assert rep["aisstream/box2"]["silent_after_s"] == SILENT_BOX_S
        m = parse_metrics(_get(f"http://127.0.0.1:{listen_port}/metrics")[2])
        assert m[("navwatch_feed_silent", (("source", "aisstream/box2"),))] == 1
        assert m[("navwatch_feed_silent", (("source", "aisstream/box1"),))] == 0
        assert m[("navwatch_feed_silent", (("source", "aisstream"),))] == 0
        assert m[("navwatch_feed_messages_total", (("source", "aisstream/box2"),))] == 1
    finally:
        w.close()
    st = _status(cfg_path)
    assert st.returncode == 1 and "aisstream/box2: SILENT" in st.stdout, st.stdout + st.stderr
    assert "aisstream/box1: OK" in st.stdout

    # restarted while box 2 is silent: nothing again; then box 2 talks: one feed_recovered
    w = Watcher(cfg)
    try:
        w.start_feeds()
        wait_for(lambda: len(server.conns) >= 2, what="second connection")
        _tick_until_counted(w, server, 1)
        w.run_once()
        assert len(_health_alerts(webhook)) == 1
        _tick_until_counted(w, server, 1, 2)
        w.run_once()
    finally:
        w.close()
    got = _health_alerts(webhook)
    assert [(b["event_kind"], b["event"]["source"]) for b in got] == [
        ("feed_silent", "aisstream/box2"), ("feed_recovered", "aisstream/box2"),
    ]  # fmt: skip
    rec = got[1]
    assert rec["event_id"] == got[0]["event_id"] and rec["ref_alert_id"] == got[0]["alert_id"]
    assert rec["summary"].startswith("feed 'aisstream' recovered in box 2 "), rec["summary"]
    assert rec["event"]["box"] == BOX2

    # restarted again: everything ok, nothing raised twice
    w = Watcher(cfg)
    try:
        w.start_feeds()
        wait_for(lambda: len(server.conns) >= 3, what="third connection")
        _tick_until_counted(w, server, 1, 2)
        w.run_once()
    finally:
        w.close()
        server.stop()
    assert len(_health_alerts(webhook)) == 2
    assert len(set(webhook.ids())) == len(webhook.ids())
    assert {r["status"] for r in w.store.health_rows().values()} == {"ok"}


def test_count_in_boxes_edges_nan_and_other_sources():
    import pandas as pd

    boxes = [("a", "a/box1", ((0.0, 0.0), (1.0, 1.0))), ("a", "a/box2", ((5.0, 5.0), (4.0, 4.0))),
             ("b", "b/box1", ((0.0, 0.0), (1.0, 1.0)))]  # fmt: skip
    t = pd.to_datetime([10, 20, 30, 40, 50, 60, 70], unit="s", utc=True)
    rows = pd.DataFrame(
        {
            "time": t,
            "lat": [0.5, 1.0, 0.0, float("nan"), 0.5, 9.0, 4.5],
            "lon": [0.5, 1.0, 1.0, 0.5, float("nan"), 9.0, 4.5],
        }
    )  # in box 1 (two on the edge), NaN lat, NaN lon, outside every box, in box 2 (swapped corners)
    later = pd.DataFrame(
        {"time": pd.to_datetime([500], unit="s", utc=True), "lat": [0.2], "lon": [0.2]}
    )
    counts, last = count_in_boxes(
        [("a", rows), ("a", None), ("c", later), ("a", later)], boxes, now=100
    )
    assert counts == {"a/box1": (4, 0), "a/box2": (1, 0), "b/box1": (0, 0)}
    assert last == {"a/box1": 100 * 10**9, "a/box2": 70 * 10**9}  # capped at now
    nat = rows.iloc[:1].assign(time=pd.NaT)
    assert count_in_boxes([("a", nat)], boxes[:1], now=100) == (
        {"a/box1": (1, 0)},
        {"a/box1": 100 * 10**9},
    )
    assert count_in_boxes([], boxes, now=1)[1] == {}
