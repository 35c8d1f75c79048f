"""Live positions received more than once reach detection once: repeats within a tick, across
ticks and across restarts (a provider replaying, AIS-catcher re-sending a push it got no answer
for), screened by the keys the tick commits (navwatch.alerts.dedup)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from navwatch.alerts.dedup import SeenPositions, position_keys

from .live_servers import Recorder, aiscatcher, aishub, aisstream, positions
from .nmea_factory import T0
from .test_live_sources import Run, _watcher


def _obs(rows):
    return pd.DataFrame(
        {
            "mmsi": pd.array([r[0] for r in rows], dtype="Int64"),
            "time": pd.to_datetime([r[1] for r in rows], unit="s", utc=True),
            "lat": [r[2] for r in rows],
            "lon": [r[3] for r in rows],
            "kind": "ais",
        }
    )


POOL = [(273000000 + i % 3, 1_700_000_000 + 60 * i, 35.0 + i * 1e-3, 35.8) for i in range(40)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(POOL) - 1), max_size=25), max_size=8))
def test_each_position_passes_once_however_batches_repeat_it(batches):
    seen = SeenPositions()
    out = []
    for b in batches:
        kept, n_dup, seen = seen.screen(_obs([POOL[i] for i in b]), window_s=10 * 86400)
        seen = SeenPositions.from_bytes(seen.to_bytes())  # as committed and read back
        assert n_dup == len(b) - len(kept)
        out += list(zip(kept["mmsi"], kept["time"], strict=True))
    want = {(POOL[i][0], pd.Timestamp(POOL[i][1], unit="s", tz="UTC")) for b in batches for i in b}
    assert len(out) == len(set(out)) == len(want) and set(out) == want


def test_keys_tell_apart_what_differs_and_window_bounds_memory():
    base = (273000001, 1_700_000_000, 35.123456, 35.8)
    rows = [base, (273000002, *base[1:]), (base[0], base[1] + 1, *base[2:]),
            (base[0], base[1], 35.123457, 35.8), base]  # fmt: skip
    k = position_keys(_obs(rows))
    assert len(set(k[:4].tolist())) == 4 and k[4] == k[0]
    nan = _obs([base, base])
    nan.loc[:, "lat"] = np.nan
    kept, n, seen = SeenPositions().screen(nan, 3600)
    assert n == 0 and len(kept) == 2 and len(seen) == 0  # no place: never screened
    seen = SeenPositions()
    for h in range(48):  # an hour's window keeps about an hour of keys
        _, _, seen = seen.screen(_obs([(273000001, 1_700_000_000 + h * 3600 + m * 60, 35, 35.8)
                                       for m in range(60)]), 3600)  # fmt: skip
    assert len(seen) <= 61
    old = _obs([(273000001, 1_700_000_000, 35, 35.8)])
    assert len(seen.screen(old, 3600)[0]) == 1  # older than the window: not recognised


def _post(port, body: bytes):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/ais", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status


def test_aiscatcher_push_sent_again_across_ticks_and_a_restart_is_consumed_once(tmp_path):
    from .alert_servers import free_port

    port = free_port()
    ps = positions(273000411, T0)
    src = [{"type": "aiscatcher", "name": "push", "mode": "http", "host": "127.0.0.1",
            "port": port, "path": "/ais"}]  # fmt: skip
    batches = [{"protocol": "jsonaiscatcher", "stationid": "t", "msgs": [aiscatcher(p) for p in ps[i : i + 5]]}
               for i in range(0, len(ps), 5)]  # fmt: skip
    half = len(batches) // 2
    w = _watcher(tmp_path, src)
    run = Run(w)
    w.start_feeds()
    try:
        for b in batches[:half]:
            assert _post(port, json.dumps(b).encode()) == 200
        run.tick()
        # the receiver died before its answer reached AIS-catcher: the same batch comes again
        assert _post(port, json.dumps(batches[half - 1]).encode()) == 200
        rep = run.tick()
        assert rep.rows == 0 and rep.repeats == len(batches[half - 1]["msgs"])
    finally:
        w.close()
    w2 = _watcher(tmp_path, src)  # a restarted watcher remembers what was consumed
    run2 = Run(w2)
    w2.start_feeds()
    try:
        for b in [batches[half - 1], *batches[half:], batches[-1]]:
            assert _post(port, json.dumps(b).encode()) == 200
        rep = run2.tick()
    finally:
        w2.close()
    assert run.rows + run2.rows == len(ps)
    assert rep.repeats == len(batches[half - 1]["msgs"]) + len(batches[-1]["msgs"])
    assert len(run.alerts) + len(run2.alerts) == 1


def test_websocket_provider_replaying_on_reconnect_is_consumed_once(tmp_path):
    from websockets.sync.server import serve

    ps = positions(273000412, T0)
    msgs = [aisstream(p) for p in ps]
    conns: list = []
    sent = threading.Event()

    def handler(ws):
        ws.recv(timeout=3)
        conns.append(ws)
        upto = len(msgs) // 2 if len(conns) == 1 else len(msgs)
        for m in msgs[:upto]:  # every connection replays from the start
            ws.send(m)
        if len(conns) == 1:
            return
        sent.set()
        try:
            ws.recv()
        except Exception:
            pass

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        w = _watcher(tmp_path, [{"type": "websocket", "name": "ais", "url": f"ws://127.0.0.1:{port}/",
                                 "reconnect_min_s": 0.5, "reconnect_max_s": 0.5}])  # fmt: skip
        run = Run(w)
        w.start_feeds()
        try:
            run.until(lambda: sent.is_set(), what="the replay")
            time.sleep(0.5)
            run.tick()
        finally:
            w.close()
            server.shutdown()
    assert run.rows == len(ps) and len(run.alerts) == 1


def test_aishub_csv_bodies_end_to_end(tmp_path):
    a = positions(273000413, T0)
    cols = list(aishub(a[0]))

    def body(ps):
        lines = [",".join(cols)] + [",".join(str(aishub(p)[c]) for c in cols) for p in ps]
        return ("\n".join(lines) + "\n").encode()

    # each poll the latest report (some unchanged), a body the decoder must quarantine, an error
    bodies = [body([p]) for p in a]
    bodies.insert(2, bodies[1])
    bodies.insert(
        4, b'MMSI,TIME,LONGITUDE,LATITUDE\n273000413,"2024-12-02 06:00:00 GMT",35.8,north\n'
    )
    srv = Recorder(bodies)
    try:
        w = _watcher(tmp_path, [{"type": "aishub", "name": "hub", "format": "csv", "username_env": "U",
                                 "url": f"http://127.0.0.1:{srv.port}/ws.php"}], env={"U": "me"})  # fmt: skip
        run = Run(w)
        for k in range(len(bodies)):
            run.tick(1_900_000_000.0 + 60 * k)
    finally:
        srv.stop()
    assert "output=csv" in srv.paths[0]
    assert run.rows == len(a) and len(run.alerts) == 1
    q = w.store.quarantine()
    assert q[q["source"] == "hub"]["code"].tolist() == ["parse_error"]


def test_once_with_listen_serves_health_while_listening(tmp_path, webhook):
    """``navwatch watch --once --listen-s S`` is a running watcher for S seconds: /healthz and
    /metrics answer meanwhile, then the tick consumes what was heard."""
    import subprocess

    from .alert_servers import CLI, NmeaTcpServer, cli_env, free_port, wait_for
    from .test_health import _config, _get, _lines

    server = NmeaTcpServer(_lines(6))
    server.start()
    port = free_port()
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", webhook, server.port, port)
    p = subprocess.Popen([*CLI, "--config", str(cfg), "--once", "--listen-s", "6"], text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(), cwd=cfg.parent)  # fmt: skip
    try:

        def counted():
            try:
                return (
                    json.loads(_get(f"http://127.0.0.1:{port}/healthz")[2])["sources"]["aisfeed"][
                        "messages"
                    ]
                    == 6
                )
            except (OSError, KeyError):
                return False

        wait_for(counted, timeout=30, what="/healthz counting 6 messages")
        assert "navwatch_feed_messages_total" in _get(f"http://127.0.0.1:{port}/metrics")[2]
        _out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
        server.stop()
    assert p.returncode == 0, err
    with pytest.raises(OSError):
        _get(f"http://127.0.0.1:{port}/healthz")  # gone with the process
