"""Network live sources against real local servers: an aisstream.io-like WebSocket server, an
AIS-catcher UDP sender and HTTP pusher, a mosquitto broker, an AISHub-like HTTP server. Every
position reaches detection exactly once (duplicates dropped, malformed messages quarantined)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest

from navwatch.alerts import Watcher, parse_config
from navwatch.alerts.feeds import one_line
from navwatch.alerts.sources import FeedBuffer
from navwatch.errors import ConfigError

from .alert_servers import wait_for
from .live_servers import (
    MOSQUITTO,
    DroppingServer,
    ListStore,
    Mosquitto,
    Recorder,
    aiscatcher,
    aishub,
    aisstream,
    digitraffic,
    nca_line,
    positions,
)
from .nmea_factory import PORTS_CSV, T0


def _watcher(tmp_path, sources, env=None):
    (tmp_path / "ports.csv").write_text(PORTS_CSV)
    cfg = parse_config(
        {
            "state": {"url": "sqlite:///state.db"},
            "watch": {"feed_flush_s": 0.05},
            "detect": {"ports": "ports.csv", "all_vessels": True},
            "sources": sources,
            "sinks": [{"type": "jsonl", "path": "a.jsonl"}],
        },
        base=tmp_path,
        env=env or {},
    )
    return Watcher(cfg)


class Run:
    """Ticks a watcher, adding up what reached detection."""

    def __init__(self, w):
        self.w, self.rows, self.alerts = w, 0, []

    def tick(self, now=None):
        rep = self.w.tick(now)
        self.rows += rep.rows
        self.alerts += [a for a in rep.alerts if a.get("kind", "new") == "new"]
        return rep

    def until(self, pred, timeout=20.0, what="condition"):
        end = time.time() + timeout
        while time.time() < end:
            self.tick()
            if pred():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}: rows={self.rows}")


def _feed_row(w, source):
    inp = w.store.inputs()
    r = inp[(inp["source"] == source) & (inp["key"] == "feed")]
    return None if r.empty else r.iloc[0]


def _quarantined(w, source):
    q = w.store.quarantine()
    return q[q["source"] == source]


# ----------------------------------------------------------------------------------------------


def test_websocket_aisstream_with_error_disconnect_duplicates_and_malformed(tmp_path):
    from websockets.sync.server import serve

    ps = positions(273000401, T0) + positions(273000402, T0 + 3 * 3600)
    msgs = [aisstream(p) for p in ps]
    half = len(msgs) // 2
    subs, conns = [], []

    def handler(ws):
        subs.append((json.loads(ws.recv(timeout=3)), time.monotonic()))
        conns.append(ws)
        n = len(conns)
        if n == 1:
            ws.send(json.dumps({"error": "Api Key Is Not Valid"}))
            return
        if n == 2:  # half the stream, a duplicate, a malformed message; then the link drops
            for m in msgs[:half]:
                ws.send(m.encode())  # aisstream sends binary frames
            ws.send(msgs[0])
            ws.send("{not json")
            ws.send(json.dumps({"MessageType": "PositionReport", "MetaData": {}}))
            return
        for m in msgs[half:]:
            ws.send(m)
        try:
            ws.recv()  # keep the connection until the client goes
        except Exception:
            pass

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        w = _watcher(tmp_path, [{"type": "websocket", "name": "ais", "url": f"ws://127.0.0.1:{port}/v0/stream",
                                 "api_key_env": "AISSTREAM_KEY", "bounding_boxes": [[[19, -41], [21, -39]]],
                                 "mmsi": ["273000401", "273000402"], "message_types": ["PositionReport"],
                                 "reconnect_min_s": 0.1, "reconnect_max_s": 0.5}],
                     env={"AISSTREAM_KEY": "sekrit-key"})  # fmt: skip
        run = Run(w)
        w.start_feeds()
        try:
            run.until(lambda: run.rows >= len(ps) and len(conns) >= 3, what="all positions")
            time.sleep(0.3)
            run.tick()
            feed = next(f for f in w.feeds if f.src.name == "ais")
        finally:
            w.stop_feeds()
            server.shutdown()
    assert run.rows == len(ps)  # each position once: the duplicate dropped
    assert len(run.alerts) == 2
    sub = subs[0][0]
    assert sub == {"APIKey": "sekrit-key", "BoundingBoxes": [[[19.0, -41.0], [21.0, -39.0]]],
                   "FiltersShipMMSI": ["273000401", "273000402"], "FilterMessageTypes": ["PositionReport"]}  # fmt: skip
    assert feed.errors == 1 and feed.reconnects >= 2 and feed.messages == len(ps) + 3
    assert feed.last_message_ns is not None
    assert len(_quarantined(w, "ais")) == 2
    assert _feed_row(w, "ais")["format"] == "aisstream"
    assert "sekrit" not in json.dumps(w.cfg.redacted())
    assert "sekrit" not in (tmp_path / "state.db").read_bytes().decode("latin-1")


def test_aiscatcher_udp_one_json_per_datagram(tmp_path):
    from .alert_servers import free_port

    port = free_port(socket.SOCK_DGRAM)
    ps = positions(273000403, T0)
    w = _watcher(
        tmp_path,
        [{"type": "aiscatcher", "name": "ac", "mode": "udp", "host": "127.0.0.1", "port": port}],
    )
    run = Run(w)
    w.start_feeds()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for p in ps:
                s.sendto(json.dumps(aiscatcher(p), indent=1).encode(), ("127.0.0.1", port))
            s.sendto(json.dumps(aiscatcher(ps[3])).encode(), ("127.0.0.1", port))  # duplicate
            s.sendto(b'{"mmsi": 1, "lat":', ("127.0.0.1", port))  # cut
        run.until(lambda: run.rows >= len(ps) and len(_quarantined(w, "ac")) >= 1, what="positions")
        time.sleep(0.3)
        run.tick()
    finally:
        w.stop_feeds()
    assert run.rows == len(ps) and len(run.alerts) == 1
    assert len(_quarantined(w, "ac")) == 1
    assert _feed_row(w, "ac")["lines"] == len(ps) + 2


def test_aiscatcher_http_push_answers_after_durable_store(tmp_path):
    from .alert_servers import free_port

    port = free_port()
    ps = positions(273000404, T0)
    w = _watcher(tmp_path, [{"type": "aiscatcher", "name": "push", "mode": "http", "host": "127.0.0.1",
                             "port": port, "path": "/ais"}])  # fmt: skip
    run = Run(w)
    w.start_feeds()

    def post(body: bytes, path="/ais"):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    try:
        for i in range(0, len(ps), 4):
            env = {"protocol": "jsonaiscatcher", "encodetime": "20241202060000", "stationid": "test",
                   "msgs": [aiscatcher(p) for p in ps[i : i + 4]]}  # fmt: skip
            assert post(json.dumps(env).encode()) == 200
            # acknowledged: already in the state database, without waiting for a flush
            assert w.store.feed_backlog() > 0
        assert post(b"{oops") == 400
        assert post(b"{}", path="/other") == 404
        env = {"protocol": "jsonaiscatcher", "msgs": [{"mmsi": 273000404, "lat": "north"}]}
        assert post(json.dumps(env).encode()) == 200
        run.until(lambda: run.rows >= len(ps), what="positions")
        run.tick()
    finally:
        w.stop_feeds()
    assert run.rows == len(ps) and len(run.alerts) == 1
    assert len(_quarantined(w, "push")) == 1
    feed_errors = _feed_row(w, "push")
    assert feed_errors["lines"] == len(ps) + 1


@pytest.mark.skipif(
    MOSQUITTO is None, reason="mosquitto binary not installed (apt-get install mosquitto)"
)
@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_mqtt_digitraffic_through_a_real_broker(tmp_path, transport):
    import paho.mqtt.client as mqtt

    broker = Mosquitto(tmp_path)
    port = broker.port if transport == "tcp" else broker.ws_port
    ps = positions(273000405, T0)
    w = _watcher(tmp_path, [{"type": "mqtt", "name": "dt", "host": "127.0.0.1", "port": port, "transport": transport,
                             "ws_path": "/", "topics": ["vessels-v2/+/location", "vessels-v2/+/metadata"], "qos": 1}])  # fmt: skip
    run = Run(w)
    w.start_feeds()
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    try:
        feed = w.feeds[0]
        assert feed.connected.wait(15), "never connected to the broker"
        time.sleep(0.3)  # subscription acknowledged
        pub.connect("127.0.0.1", broker.port)
        pub.loop_start()
        for p in ps:
            pub.publish(*digitraffic(p), qos=1).wait_for_publish(5)
        pub.publish("vessels-v2/273000405/location", "garbage", qos=1).wait_for_publish(5)
        meta = {
            "timestamp": int(T0 * 1000),
            "destination": "TESTPORT",
            "name": "TEST SHIP",
            "imo": 0,
        }
        pub.publish("vessels-v2/273000405/metadata", json.dumps(meta), qos=1).wait_for_publish(5)
        run.until(lambda: run.rows >= len(ps) and len(_quarantined(w, "dt")) >= 1, what="positions")
        time.sleep(0.3)
        run.tick()
    finally:
        pub.loop_stop()
        w.stop_feeds()
        broker.stop()
    assert run.rows == len(ps) and len(run.alerts) == 1
    assert len(_quarantined(w, "dt")) == 1
    assert feed.messages == len(ps) + 2


def test_aishub_polls_no_more_than_min_interval(tmp_path):
    a, b = positions(273000406, T0), positions(273000407, T0 + 3 * 3600)
    # each poll returns the latest report per vessel, as AISHub does; some repeat
    polls = [[a[i], b[i]] for i in range(len(a))]
    bodies = [json.dumps([{"ERROR": False, "USERNAME": "x", "FORMAT": "HUMAN", "RECORDS": 2},
                          [aishub(p) for p in ps]]).encode() for ps in polls]  # fmt: skip
    bodies.insert(3, bodies[2])  # an unchanged answer
    srv = Recorder(bodies)
    try:
        w = _watcher(tmp_path, [{"type": "aishub", "name": "hub", "url": f"http://127.0.0.1:{srv.port}/ws.php",
                                 "username_env": "AISHUB_USER", "bounding_box": [[19, -41], [21, -39]]}],
                     env={"AISHUB_USER": "me"})  # fmt: skip
        run = Run(w)
        now = 1_900_000_000.0
        for k in range(len(bodies)):
            for dt in (0, 20, 59):  # ticks more often than the provider allows
                run.tick(now + k * 60 + dt)
        assert len(srv.times) == len(bodies)
        w2 = _watcher(tmp_path, [{"type": "aishub", "name": "hub", "username_env": "AISHUB_USER",
                                            "url": f"http://127.0.0.1:{srv.port}/ws.php"}], env={"AISHUB_USER": "me"})  # fmt: skip
        run2 = Run(w2)
        run2.tick(now + (len(bodies) - 1) * 60 + 30)  # a restart does not poll early either
        assert len(srv.times) == len(bodies)
    finally:
        srv.stop()
    assert "username=me" in srv.paths[0] and "latmin=19" in srv.paths[0]
    assert run.rows == len(a) + len(b) and len(run.alerts) == 2


@pytest.mark.parametrize(
    "src, message",
    [
        ({"type": "websocket", "url": "http://x"}, "[[sources]][0].url: expected a wss:// or ws:// URL"),
        ({"type": "websocket", "url": "wss://x", "api_key_env": "NOPE"}, "[[sources]][0].api_key_env: environment variable NOPE is not set"),
        ({"type": "websocket", "url": "wss://x", "bounding_boxes": [[1, 2]]}, "[[sources]][0].bounding_boxes: expected [[lat, lon], [lat, lon]]"),
        ({"type": "websocket", "url": "wss://x", "mmsi": ["12"]}, "[[sources]][0].mmsi: expected 9-digit MMSIs"),
        ({"type": "websocket", "url": "wss://x", "api_key": "k"}, "[[sources]][0].api_key: secrets are not read from the config file"),
        ({"type": "aiscatcher", "port": 1}, "[[sources]][0].mode: required key is missing"),
        ({"type": "aiscatcher", "mode": "udp", "port": 1, "path": "/x"}, '[[sources]][0].path: only for mode = "http"'),
        ({"type": "mqtt", "host": "h"}, "[[sources]][0].topics: required"),
        ({"type": "mqtt", "host": "h", "topics": ["a"], "transport": "ws"}, "[[sources]][0].transport: expected one of"),
        ({"type": "mqtt", "host": "h", "topics": ["a"], "qos": 2}, "[[sources]][0].qos: expected an integer in [0, 1]"),
        ({"type": "aishub", "username_env": "U", "min_interval_s": 30}, "[[sources]][0].min_interval_s: AISHub allows one request a minute"),
        ({"type": "aishub"}, "[[sources]][0].username_env: required"),
        ({"type": "aishub", "username_env": "U", "format": "xml"}, "[[sources]][0].format: expected one of ['json', 'csv']"),
    ],
)  # fmt: skip
def test_network_source_config_errors_name_the_key(src, message):
    with pytest.raises(ConfigError) as ei:
        parse_config(
            {"sources": [src], "sinks": [{"type": "console"}], "detect": {"all_vessels": True}},
            env={"U": "u"},
        )
    assert message in str(ei.value)


def test_one_line_keeps_one_message_per_line():
    assert one_line('{\n "a": [1,\n 2]}') == '{"a":[1,2]}'
    assert "\n" not in one_line("bad\njson")


def test_tcp_reads_norwegian_coastal_administration_lines(tmp_path):
    """``\\s:2573310,c:1654088303*0B\\!BSVDM,...``: the tag block's time is the fix time, the
    ``BS`` talker is accepted, nothing is quarantined."""
    from .alert_servers import NmeaTcpServer

    ps = positions(273000408, T0)
    lines = [nca_line(p) for p in ps]
    assert lines[0].startswith("\\s:2573310,c:") and "!BSVDM," in lines[0]
    server = NmeaTcpServer(lines)
    server.start()
    w = _watcher(
        tmp_path, [{"type": "tcp", "name": "kystverket", "host": "127.0.0.1", "port": server.port}]
    )
    run = Run(w)
    w.start_feeds()
    try:
        run.until(lambda: run.rows >= len(ps), what="positions")
    finally:
        w.stop_feeds()
        server.stop()
    assert run.rows == len(ps) and len(run.alerts) == 1
    assert _quarantined(w, "kystverket").empty


def test_sigkill_mid_stream_loses_no_acknowledged_push(tmp_path):
    """AIS-catcher pushes to a watcher (a real ``navwatch watch`` process) that is SIGKILLed
    several times mid-stream; a push not answered 200 is sent again, as AIS-catcher does.
    After a clean restart every acknowledged position has reached detection once and every
    departure has exactly one 'new' alert."""
    import random
    import signal
    import subprocess
    from collections import Counter

    from navwatch.alerts import load_config
    from navwatch.alerts.store import Store

    from .alert_servers import CLI, cli_env, free_port, write_config

    port = free_port()
    url = f"sqlite:///{tmp_path / 'state.db'}"
    cfg = write_config(
        tmp_path / "nw.toml", state_url=url, watch={"interval_s": 0.5, "dedup_window_s": 30 * 86400},
        sources=[{"type": "aiscatcher", "name": "push", "mode": "http", "host": "127.0.0.1", "port": port}],
        sinks=[{"type": "jsonl", "path": "alerts.jsonl"}],
    )  # fmt: skip
    mmsis = [273000500 + i for i in range(6)]
    ps = [p for i, m in enumerate(mmsis) for p in positions(m, T0 + i * 3 * 3600)]
    batches = [ps[i : i + 3] for i in range(0, len(ps), 3)]
    rng = random.Random(14)

    def start():
        return subprocess.Popen([*CLI, "--config", str(cfg)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=cli_env(), cwd=tmp_path)  # fmt: skip

    def push(batch) -> bool:
        body = json.dumps(
            {"protocol": "jsonaiscatcher", "stationid": "t", "msgs": [aiscatcher(p) for p in batch]}
        )
        req = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body.encode(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    proc, kills, sent = start(), 0, 0
    deadline = time.time() + 60
    kill_at = sorted(rng.sample(range(2, len(batches) - 1), 4))
    try:
        while sent < len(batches):
            assert time.time() < deadline, (
                f"pushes not acknowledged: {sent}/{len(batches)}, kills {kills}"
            )
            if kills < len(kill_at) and sent == kill_at[kills]:
                time.sleep(rng.uniform(0.0, 0.6))  # sometimes during a tick
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
                kills += 1
                proc = start()
            if push(batches[sent]):
                sent += 1
            else:
                time.sleep(0.1)  # not acknowledged (not listening yet): send it again
        store = Store(load_config(cfg, env=cli_env()).state_url.reveal())
        end = time.time() + 30
        while time.time() < end:
            inp = store.inputs()
            row = inp[(inp["source"] == "push") & (inp["key"] == "feed")]
            if len(row) and row.iloc[0]["rows"] >= len(ps) and store.feed_backlog() == 0:
                break
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert kills == 4
    alerts = store.alerts()
    new = alerts[alerts["kind"] == "new"]
    got = Counter(json.loads(p)["event"]["mmsi"] for p in new["payload"])
    assert set(got) == set(mmsis) and max(got.values()) == 1
    row = store.inputs().set_index(["source", "key"]).loc[("push", "feed")]
    assert row["rows"] >= len(ps)  # nothing acknowledged was lost (a re-sent push may repeat)
    assert store.feed_backlog() == 0
    from navwatch.alerts.dedup import SeenPositions

    # each position reached detection once: the keys kept (a window wider than the test's
    # times) are exactly the distinct positions sent, however often a push was re-sent
    assert len(SeenPositions.from_bytes(store.snapshot().seen)) == len(ps)
    store.dispose()


# ----------------------------------------------------------------------------------------------
# reconnecting: the same loop, backoff and counters for every client feed


def _ws_feed(port, buffer):
    from navwatch.alerts.config import WebsocketSource
    from navwatch.alerts.feeds import WebsocketFeed

    return WebsocketFeed(WebsocketSource("ws", f"ws://127.0.0.1:{port}/v0/stream", reconnect_min_s=0.05,
                                         reconnect_max_s=0.2), buffer)  # fmt: skip


def test_websocket_server_closing_three_times_reconnects_three_times_nothing_repeated():
    msgs = [aisstream(p) for p in positions(273000411, T0)]
    batches = [msgs[i::3] for i in range(3)]
    server = DroppingServer(batches, websocket=True).start()  # the 4th connection stays open
    store = ListStore()
    buffer = FeedBuffer(store)
    feed = _ws_feed(server.port, buffer)
    feed.start()
    try:
        wait_for(lambda: server.connections >= 4 and feed.connected.is_set(), what="4th connection")
        wait_for(lambda: feed.messages == len(msgs), what="3 batches")
    finally:
        feed.stop()
        feed.join(5)
        server.stop()
    assert not feed.is_alive()
    assert feed.reconnects == 3 and feed.connections == 4
    assert feed.errors == 0  # closed cleanly by the server: reconnects, not errors
    assert store.lines(buffer) == [one_line(m) for b in batches for m in b]


def test_websocket_server_down_at_start_counts_errors_then_connects():
    msgs = [aisstream(p) for p in positions(273000412, T0)]
    server = DroppingServer([msgs], websocket=True)
    store = ListStore()
    buffer = FeedBuffer(store)
    feed = _ws_feed(server.port, buffer)
    feed.start()
    try:
        wait_for(lambda: feed.errors >= 3, what="failed connection attempts")
        assert not feed.connected.is_set() and feed.connections == 0
        server.start()
        wait_for(lambda: feed.messages == len(msgs), what="messages")
        errors = feed.errors
    finally:
        feed.stop()
        feed.join(5)
        server.stop()
    assert errors >= 3 and feed.connections >= 1 and feed.reconnects == feed.connections - 1
    assert store.lines(buffer) == [one_line(m) for m in msgs]


@pytest.mark.skipif(
    MOSQUITTO is None, reason="mosquitto binary not installed (apt-get install mosquitto)"
)
def test_mqtt_broker_restart_reconnects_once_and_resubscribes(tmp_path):
    import paho.mqtt.client as mqtt

    from navwatch.alerts.config import MqttSource
    from navwatch.alerts.feeds import MqttFeed

    broker = Mosquitto(tmp_path)
    before, after = positions(273000413, T0), positions(273000414, T0 + 3 * 3600)
    store = ListStore()
    buffer = FeedBuffer(store)
    feed = MqttFeed(MqttSource("dt", "127.0.0.1", broker.port, ("vessels-v2/+/location",), qos=1,
                               reconnect_min_s=0.1, reconnect_max_s=0.5), buffer)  # fmt: skip

    def publish(ps):
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        pub.connect("127.0.0.1", broker.port)
        pub.loop_start()
        for p in ps:
            pub.publish(*digitraffic(p), qos=1).wait_for_publish(5)
        pub.disconnect()
        pub.loop_stop()

    feed.start()
    try:
        assert feed.connected.wait(15), "never connected to the broker"
        time.sleep(0.3)  # subscription acknowledged
        publish(before)
        wait_for(lambda: feed.messages == len(before), what="messages before the restart")
        broker.restart()  # the same port
        wait_for(lambda: feed.connections == 2 and feed.connected.is_set(), what="reconnection")
        time.sleep(0.3)  # subscribed again
        publish(after)
        wait_for(lambda: feed.messages == len(before) + len(after), what="messages after it")
    finally:
        feed.stop()
        feed.join(5)
        broker.stop()
    assert not feed.is_alive()
    assert feed.reconnects == 1 and feed.errors >= 1  # the lost connection, refused attempts
    got = [json.loads(ln)["payload"]["lat"] for ln in store.lines(buffer)]
    assert got == [p["lat"] for p in before + after]


@pytest.mark.skipif(
    MOSQUITTO is None, reason="mosquitto binary not installed (apt-get install mosquitto)"
)
def test_mqtt_refused_connection_is_an_error_and_retried(tmp_path):
    from navwatch.alerts.config import MqttSource
    from navwatch.alerts.feeds import MqttFeed

    broker = Mosquitto(tmp_path, anonymous=False)
    feed = MqttFeed(MqttSource("dt", "127.0.0.1", broker.port, ("vessels-v2/+/location",),
                               reconnect_min_s=0.05, reconnect_max_s=0.1), FeedBuffer(ListStore()))  # fmt: skip
    feed.start()
    try:
        wait_for(lambda: feed.errors >= 3, what="refused attempts")
    finally:
        feed.stop()
        feed.join(5)
        broker.stop()
    assert not feed.is_alive() and feed.connections == 0 and feed.reconnects == 0


def test_aiscatcher_udp_counts_receive_errors_and_passes_undecodable_datagrams_on():
    from navwatch.alerts.config import AiscatcherSource
    from navwatch.alerts.feeds import AiscatcherUdpFeed

    from .alert_servers import free_port

    port = free_port(socket.SOCK_DGRAM)
    store = ListStore()
    buffer = FeedBuffer(store)
    feed = AiscatcherUdpFeed(AiscatcherSource("ac", "udp", "127.0.0.1", port), buffer)
    feed.start()
    ps = positions(273000415, T0)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(json.dumps(aiscatcher(ps[0])).encode(), ("127.0.0.1", port))
            wait_for(lambda: feed.messages == 1, what="first datagram")
            broken = feed.sock
            broken.close()  # under the listener: its next receive fails
            wait_for(lambda: feed.errors >= 1 and feed.sock is not broken, what="new socket")
            assert feed.is_alive()
            for p in ps[1:]:
                s.sendto(json.dumps(aiscatcher(p)).encode(), ("127.0.0.1", port))
            s.sendto(b'{"mmsi": "\xff\xfe"}', ("127.0.0.1", port))  # not UTF-8: still passed on
            s.sendto(b"[" * 60_000, ("127.0.0.1", port))  # too deep for json: kept as text
            wait_for(lambda: feed.messages == len(ps) + 2, what="datagrams after the error")
    finally:
        feed.stop()
        feed.join(5)
    assert not feed.is_alive() and feed.errors == 1 and feed.reconnects == 0
    got = store.lines(buffer)
    assert got[: len(ps)] == [one_line(aiscatcher(p)) for p in ps]
    assert "\ufffd" in got[-2] and got[-1] == "[" * 60_000
