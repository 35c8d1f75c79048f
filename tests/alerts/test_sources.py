"""Sources: growing files resumed at line boundaries (NMEA multi-part messages never cut, CSV
headers restored), whole-file formats read once complete, replaced files, HTTP polling; the live
feeds' shared reconnect backoff, the TCP client reconnecting, the UDP listener surviving errors."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from navwatch.alerts import Watcher, parse_config
from navwatch.alerts.config import TcpSource, UdpSource
from navwatch.alerts.sources import (
    FeedBuffer,
    TcpFeed,
    UdpFeed,
    decode_feed,
    incomplete_tail,
    next_delay,
)
from navwatch.io.nmea import parse_lines
from navwatch.quarantine import Quarantine

from .alert_servers import SAMPLE_AIS, free_port, wait_for
from .live_servers import DroppingServer, ListStore
from .nmea_factory import PORTS_CSV, T0, departure_lines


def _watcher(tmp_path, sources, **detect):
    (tmp_path / "ports.csv").write_text(PORTS_CSV)
    cfg = parse_config(
        {
            "state": {"url": "sqlite:///state.db"},
            "detect": {"ports": "ports.csv", "all_vessels": True, **detect},
            "sources": sources,
            "sinks": [{"type": "jsonl", "path": "a.jsonl"}],
        },
        base=tmp_path,
    )
    return Watcher(cfg)


def test_nmea_file_cut_inside_a_multipart_message_is_read_whole(tmp_path):
    """The real SoCal file, written in pieces cut inside two-part type-5 messages: the same
    rows and quarantine as reading it in one go."""
    lines = SAMPLE_AIS.read_text().splitlines()
    wq = Quarantine()
    whole = parse_lines(lines, quarantine=wq)
    multipart_starts = [i for i, ln in enumerate(lines) if ",2,1," in ln]
    cuts = [multipart_starts[k] + 1 for k in (3, 40, 90)]  # just after fragment 1
    (tmp_path / "in").mkdir()
    w = _watcher(tmp_path, [{"type": "directory", "path": "in"}])
    f = tmp_path / "in" / "sample.ais"
    prev, rows = 0, 0
    for c in [*cuts, len(lines)]:
        with open(f, "a") as fh:
            fh.write("".join(ln + "\n" for ln in lines[prev:c]))
        prev = c
        rows += w.tick().rows
    assert rows == len(whole)
    q = w.store.quarantine()
    q = q[q["source"] != "detect"]  # position jumps judged by the detector
    assert (
        q["code"].value_counts().to_dict() == wq.counts().to_dict()
    )  # the file's own lost fragments, no more
    assert sorted(q["line"]) == sorted(wq.to_frame()["line"])
    inp = w.store.inputs().iloc[0]
    assert inp["lines"] == len(lines) and inp["rows"] == len(whole)
    w.close()


def test_feed_carries_an_incomplete_multipart_message_to_the_next_tick():
    lines = [ln for ln in SAMPLE_AIS.read_text().splitlines() if ln.strip()][:400]
    k = next(i for i, ln in enumerate(lines) if ",2,1," in ln) + 1
    first = decode_feed([(1, "rx", 0, "\n".join(lines[:k]))], {})
    assert first[0].input["carry"] == lines[k - 1]
    known = {("rx", "feed"): first[0].input}
    second = decode_feed([(2, "rx", 0, "\n".join(lines[k:]))], known)
    assert len(first[0].obs) + len(second[0].obs) == len(parse_lines(lines))
    assert second[0].input["lines"] == len(lines) and second[0].input["carry"] == ""
    assert incomplete_tail([]) == 0


def test_growing_csv_keeps_header_and_line_numbers(tmp_path):
    (tmp_path / "in").mkdir()
    w = _watcher(tmp_path, [{"type": "directory", "path": "in"}])
    rows = ["time,mmsi,lat,lon,sog_kn"]
    for ln in departure_lines(273000010):
        r = parse_lines([ln]).iloc[0]
        rows.append(
            f"{r['time'].isoformat()},273000010,{r['lat']:.6f},{r['lon']:.6f},{r['sog_kn']}"
        )
    rows.insert(5, "2024-12-02T06:20:00Z,273000010,not-a-lat,-40.0,0")  # a bad row on line 6
    f = tmp_path / "in" / "pos.csv"
    f.write_text("\n".join(rows[:4]) + "\n" + rows[4][:10])
    assert w.tick().rows == 3
    with open(f, "a") as fh:
        fh.write(rows[4][10:] + "\n" + "\n".join(rows[5:]) + "\n")
    rep = w.tick()
    assert rep.rows == len(rows) - 2 - 3 and len(rep.alerts) == 1
    q = w.store.quarantine()
    assert list(q["line"]) == [6] and q["file"].iloc[0] == str(f)
    assert w.store.inputs().iloc[0]["rows"] == len(rows) - 2
    w.close()


def test_parquet_is_read_once_complete_and_again_when_replaced(tmp_path):
    (tmp_path / "in").mkdir()
    w = _watcher(tmp_path, [{"type": "directory", "path": "in", "settle_s": 30}])
    obs = parse_lines(departure_lines(273000020))
    f = tmp_path / "in" / "obs.parquet"
    obs.to_parquet(f)
    assert w.tick().rows == 0  # just written: not settled, not seen before
    rep = w.tick()  # unchanged since the previous tick: complete
    assert rep.rows == len(obs) and len(rep.alerts) == 1
    assert w.tick().rows == 0
    os.utime(f, None)  # touched, same content: not read again
    w.tick()
    assert w.tick().rows == 0
    obs2 = parse_lines(departure_lines(273000021, T0 + 86400))
    obs2.to_parquet(f)
    old = time.time() - 60
    os.utime(f, (old, old))
    rep = w.tick()
    assert rep.rows == len(obs2) and len(rep.alerts) == 1
    w.close()


def test_replaced_line_file_is_read_from_the_start(tmp_path):
    (tmp_path / "in").mkdir()
    w = _watcher(tmp_path, [{"type": "directory", "path": "in"}])
    f = tmp_path / "in" / "a.nmea"
    f.write_text("\n".join(departure_lines(273000030)) + "\n")
    assert len(w.tick().alerts) == 1
    f.write_text(
        "\n".join(departure_lines(273000031, T0 + 86400)[:5]) + "\n"
    )  # rotated: shorter, new content
    assert w.tick().rows == 5
    w.close()


class _Http:
    def __init__(self):
        self.body, self.ctype, self.etag, self.hits = b"", "text/csv", None, 0
        self.port = free_port()
        srv = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                srv.hits += 1
                if srv.etag and self.headers.get("If-None-Match") == srv.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", srv.ctype)
                if srv.etag:
                    self.send_header("ETag", srv.etag)
                self.send_header("Content-Length", str(len(srv.body)))
                self.end_headers()
                self.wfile.write(srv.body)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http():
    h = _Http()
    yield h
    h.close()


def _records(mmsi, t0=T0):
    df = parse_lines(departure_lines(mmsi, t0))
    return [
        {"time": t.isoformat(), "mmsi": mmsi, "lat": la, "lon": lo, "sog_kn": s}
        for t, la, lo, s in zip(df["time"], df["lat"], df["lon"], df["sog_kn"], strict=True)
    ]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_http_source_polls_new_rows_only(tmp_path, http, fmt):
    w = _watcher(
        tmp_path, [{"type": "http", "url": f"http://127.0.0.1:{http.port}/positions?key=abc"}]
    )
    recs = _records(273000040)

    def serve(rs):
        if fmt == "csv":
            http.body, http.ctype = pd.DataFrame(rs).to_csv(index=False).encode(), "text/csv"
        else:
            http.body, http.ctype = json.dumps({"observations": rs}).encode(), "application/json"

    serve(recs[:8])  # a sliding window of the latest positions
    assert w.tick().rows == 8
    assert w.tick().rows == 0  # same body
    serve(recs[4:])  # overlaps what was consumed
    rep = w.tick()
    assert rep.rows == len(recs) - 8 and len(rep.alerts) == 1
    http.etag = '"v3"'
    assert w.tick().rows == 0 and w.tick().rows == 0  # 304 Not Modified
    inp = w.store.inputs().iloc[0]
    assert inp["rows"] == len(recs) and "abc" not in inp["key"]
    w.close()


def test_http_source_down_or_bad_keeps_running(tmp_path, http):
    w = _watcher(
        tmp_path,
        [
            {"type": "http", "url": f"http://127.0.0.1:{free_port()}/down"},
            {"type": "http", "name": "bad", "url": f"http://127.0.0.1:{http.port}/x"},
        ],
    )
    http.body, http.ctype = b"{not json", "application/json"
    rep = w.tick()
    assert rep.rows == 0
    q = w.store.quarantine()
    assert list(q["code"]) == ["unreadable_response"] and "JSON" in q["reason"].iloc[0]
    w.close()


@pytest.mark.parametrize("fmt", ["csv", "json", "geojson"])
def test_http_body_read_in_memory_and_bad_rows_name_the_url(tmp_path, http, monkeypatch, fmt):
    w = _watcher(
        tmp_path, [{"type": "http", "url": f"http://127.0.0.1:{http.port}/positions?key=abc"}]
    )
    recs = _records(273000050)[:6]
    recs[2] = {
        **recs[2],
        "lat": 91.0,
        "lon": 181.0,
    }  # "not available": quarantined, line 4 of the CSV
    if fmt == "csv":
        http.body, http.ctype = pd.DataFrame(recs).to_csv(index=False).encode(), "text/csv"
    elif fmt == "json":
        http.body, http.ctype = json.dumps(recs).encode(), "application/json"
    else:
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                     "properties": {k: r[k] for k in ("time", "mmsi", "sog_kn")}} for r in recs]  # fmt: skip
        http.body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        http.ctype = "application/geo+json"

    def no_temp_files(*a, **k):
        raise AssertionError("the HTTP body must be read in memory")

    for f in ("TemporaryDirectory", "NamedTemporaryFile", "mkdtemp", "mkstemp"):
        monkeypatch.setattr(f"tempfile.{f}", no_temp_files)
    assert w.tick().rows == 5
    q = w.store.quarantine()
    where = f"http://127.0.0.1:{http.port}/positions?key=***"
    assert q["file"].tolist() == [where] and q["code"].tolist() == ["no_position"]
    assert q["line"].tolist() == [3 if fmt == "geojson" else 4]  # GeoJSON: the feature number
    w.close()


# ----------------------------------------------------------------------------------------------
# live feeds: one backoff, one reconnecting loop, counted alike


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.01, 10.0),
    st.floats(1.0, 100.0),
    st.floats(0.0, 400.0),
)
def test_next_delay_is_jittered_within_bounds_and_capped(lo, ratio, delay):
    hi = lo * ratio
    wait, nxt = next_delay(delay, lo, hi)
    d = min(max(delay, lo), hi)  # the delay as used: within [lo, hi]
    assert lo <= wait <= d
    assert nxt == min(2 * d, hi) and lo <= nxt <= hi


def test_next_delay_jitters():
    waits = {next_delay(8.0, 0.5, 60.0)[0] for _ in range(50)}
    assert len(waits) > 1 and min(waits) >= 4.0 and max(waits) <= 8.0


def _nmea_batches(n: int) -> list[list[str]]:
    lines = departure_lines(273000601, T0)
    k = -(-len(lines) // n)
    return [lines[i : i + k] for i in range(0, len(lines), k)]


def test_tcp_server_closing_three_times_reconnects_three_times_nothing_repeated():
    batches = _nmea_batches(4)
    server = DroppingServer(batches[:3]).start()  # the 4th connection stays open
    store = ListStore()
    buffer = FeedBuffer(store)
    feed = TcpFeed(TcpSource("t", "127.0.0.1", server.port, 0.05, 0.2), buffer)
    feed.start()
    try:
        wait_for(lambda: server.connections >= 4 and feed.connected.is_set(), what="4th connection")
        assert wait_for(lambda: feed.messages == sum(map(len, batches[:3])), what="3 batches")
    finally:
        feed.stop()
        feed.join(5)
        server.stop()
    assert not feed.is_alive()
    assert feed.reconnects == 3 and feed.connections == 4
    assert feed.errors == 0  # closed cleanly by the server: reconnects, not errors
    assert store.lines(buffer) == [ln for b in batches[:3] for ln in b]


def test_tcp_server_down_at_start_counts_errors_then_connects():
    batches = _nmea_batches(2)
    server = DroppingServer([])
    store = ListStore()
    buffer = FeedBuffer(store)
    feed = TcpFeed(TcpSource("t", "127.0.0.1", server.port, 0.05, 0.2), buffer)
    feed.start()
    try:
        wait_for(lambda: feed.errors >= 3, what="failed connection attempts")
        assert not feed.connected.is_set() and feed.connections == 0
        server.batches = [batches[0] + batches[1]]
        server.start()
        wait_for(lambda: feed.messages == len(batches[0] + batches[1]), what="messages")
        errors = feed.errors
    finally:
        feed.stop()
        feed.join(5)
        server.stop()
    assert errors >= 3 and feed.connections >= 1 and feed.reconnects == feed.connections - 1
    assert store.lines(buffer) == batches[0] + batches[1]


def test_udp_receive_error_is_counted_and_listening_goes_on():
    port = free_port(socket.SOCK_DGRAM)
    store = ListStore()
    buffer = FeedBuffer(store)
    feed = UdpFeed(UdpSource("u", "127.0.0.1", port), buffer)
    feed.start()
    lines = departure_lines(273000602, T0)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(lines[0].encode(), ("127.0.0.1", port))
            wait_for(lambda: feed.messages == 1, what="first datagram")
            broken = feed.sock
            broken.close()  # under the listener: its next receive fails
            wait_for(lambda: feed.errors >= 1 and feed.sock is not broken, what="new socket")
            assert feed.is_alive()
            for ln in lines[1:]:
                s.sendto(ln.encode(), ("127.0.0.1", port))
            s.sendto(b"\xff\xfe not ascii \x80", ("127.0.0.1", port))  # passed on, not dropped
            wait_for(lambda: feed.messages == len(lines) + 1, what="datagrams after the error")
    finally:
        feed.stop()
        feed.join(5)
    assert not feed.is_alive() and feed.errors == 1 and feed.reconnects == 0
    got = store.lines(buffer)
    assert got[:-1] == lines and "not ascii" in got[-1]


def test_watched_folder_keeps_imagery_detections_for_their_scenes(tmp_path):
    """Satellite detections dropped in a watched folder are consumed, not quarantined: without
    their scenes they wait in the state database (tests/alerts/test_imagery_watch.py)."""
    from navwatch.alerts import Watcher, parse_config
    from navwatch.demo import demo_dir

    from .nmea_factory import PORTS_CSV

    (tmp_path / "ports.csv").write_text(PORTS_CSV)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "detections.csv").write_bytes((demo_dir() / "imagery" / "detections.csv").read_bytes())
    cfg = parse_config(
        {"state": {"url": "sqlite:///s.db"}, "detect": {"ports": "ports.csv"},
         "sources": [{"type": "directory", "name": "drop", "path": "drop", "settle_s": 0}]},
        base=tmp_path, env={},
    )  # fmt: skip
    w = Watcher(cfg)
    try:
        w.tick(now=2e9)
        w.tick(now=2e9 + 10)
        q = w.store.quarantine()
        pending = w.store.pending_imagery()
        inputs = w.store.inputs()
    finally:
        w.close()
    assert len(q) == 0 and [(r["key"], r["kind"], r["rows"]) for r in pending] == [
        ("detections.csv", "detections", 18)
    ]
    assert inputs.set_index("key").loc["detections.csv", "status"] == "done"
