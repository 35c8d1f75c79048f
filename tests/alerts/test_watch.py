"""End to end: ``navwatch watch`` as a subprocess against real servers on 127.0.0.1 (webhook
receiver, aiosmtpd with STARTTLS + AUTH, PostgreSQL or SQLite state, NMEA over TCP/UDP)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from navwatch.alerts.store import Store

from .alert_servers import (
    CLI,
    SAMPLE_AIS,
    WEBHOOK_SECRET,
    NmeaTcpServer,
    cli_env,
    email_sink,
    free_port,
    run_once,
    wait_for,
    webhook_sink,
    write_config,
)
from .nmea_factory import DEPARTURE_FIX, T0, departure_lines


def _store(cfg_path: Path):
    from navwatch.alerts import load_config

    return Store(load_config(cfg_path, env=cli_env()).state_url.reveal())


def _ticks(cfg_path: Path) -> int:
    try:
        return _store(cfg_path).tick_count()
    except Exception:  # the watcher has not created its tables yet
        return 0


def _drop(path: Path, lines: list[str]) -> None:
    """Write-then-rename, as a well-behaved producer does."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)


def test_departure_dropped_in_directory_alerts_every_sink_once(
    tmp_path, state_url, webhook, smtp, tls_cert
):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    cfg = write_config(
        tmp_path / "nw.toml", state_url=state_url,
        sources=[{"type": "directory", "path": "incoming"}],
        sinks=[{"type": "console", "stream": "stdout"}, {"type": "jsonl", "path": "alerts.jsonl"}, webhook_sink(webhook), email_sink(smtp, tls_cert[0])],
    )  # fmt: skip
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    _drop(incoming / "track.nmea", departure_lines(273000001))
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    assert "1 alert(s) enqueued" in r.stdout
    # exactly one alert on every sink, within the one tick
    console = [ln for ln in r.stdout.splitlines() if ln.startswith("navwatch alert")]
    jsonl = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert (
        len(console) == 1 and len(jsonl) == 1 and len(webhook.ids()) == 1 and len(smtp.ids()) == 1
    )
    aid = jsonl[0]["alert_id"]
    assert aid in console[0] and webhook.ids() == [aid] and smtp.ids() == [aid]
    body = webhook.bodies()[0]
    assert body["kind"] == "new" and body["ref_alert_id"] is None
    ev = body["event"]
    assert (ev["event"], ev["port"], ev["mmsi"]) == ("departure", "Testport", 273000001)
    assert webhook.bad_signatures == 0
    hdr = webhook.received[0]["headers"]
    assert hdr["Idempotency-Key"] == aid and hdr["X-Navwatch-Signature"].startswith("sha256=")
    msg = smtp.messages[0]
    assert msg["Message-ID"] == f"<{aid}@navwatch>" and "Testport" in msg["Subject"]
    # nothing new: no second alert anywhere, secrets nowhere in the output
    r = run_once(cfg)
    assert r.returncode == 0 and "0 alert(s) enqueued" in r.stdout
    assert len(webhook.ids()) == 1 and len(smtp.ids()) == 1
    assert WEBHOOK_SECRET not in r.stdout + r.stderr and "smtp-pass" not in r.stdout + r.stderr


def test_growing_file_resumes_at_line_boundaries(tmp_path, webhook):
    """A file still being written is read up to its last complete line, never half-read; the
    rest is read when it grows, every line exactly once."""
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    cfg = write_config(
        tmp_path / "nw.toml",
        state_url=f"sqlite:///{tmp_path / 's.db'}",
        sources=[{"type": "directory", "path": "incoming"}],
        sinks=[webhook_sink(webhook)],
    )
    lines = departure_lines(273000002)
    text = "".join(ln + "\n" for ln in lines)
    cut = text.index(lines[DEPARTURE_FIX]) + 20  # mid-line, inside the departure-making sentence
    f = incoming / "live.nmea"
    f.write_text(text[:cut])
    assert run_once(cfg).returncode == 0
    assert webhook.ids() == []
    with open(f, "a") as fh:
        fh.write(text[cut:])
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    assert len(webhook.ids()) == 1
    inp = _store(cfg).inputs()
    row = inp[inp["key"] == "live.nmea"].iloc[0]
    assert (
        row["offset_bytes"] == len(text.encode())
        and row["lines"] == len(lines)
        and row["rows"] == len(lines)
    )
    assert _store(cfg).quarantine().empty


def test_bad_input_is_quarantined_and_watcher_keeps_running(tmp_path, webhook):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    cfg = write_config(
        tmp_path / "nw.toml",
        state_url=f"sqlite:///{tmp_path / 's.db'}",
        sources=[{"type": "directory", "path": "incoming"}],
        sinks=[webhook_sink(webhook)],
        watch={"quarantine_csv": "quarantine.csv"},
    )
    (incoming / "garbage.bin").write_bytes(b"\x00\x01\x02 not a format \xff" * 50)
    (incoming / "notes.txt").write_text("hello, this is not AIS\nnor CSV of positions\n")
    lines = departure_lines(273000003)
    lines.insert(3, "1733119300.000 !AIVDM,1,1,,A,this-is-broken,0*00")
    _drop(incoming / "mixed.nmea", lines)
    (incoming / "broken.parquet").write_bytes(b"PAR1 truncated")
    os.utime(incoming / "broken.parquet", (time.time() - 60, time.time() - 60))
    os.utime(incoming / "garbage.bin", (time.time() - 60, time.time() - 60))
    os.utime(incoming / "notes.txt", (time.time() - 60, time.time() - 60))
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    assert len(webhook.ids()) == 1  # the good departure still alerts
    q = _store(cfg).quarantine()
    by_file = {Path(f).name: set(g["code"]) for f, g in q.groupby("file")}
    assert by_file["garbage.bin"] == {"unreadable_file"}
    assert by_file["notes.txt"] == {"unreadable_file"}
    assert by_file["broken.parquet"] == {"unreadable_file"}
    assert by_file["mixed.nmea"] <= {"bad_checksum", "parse_error"}
    assert all(q["reason"].str.len() > 5)
    assert (tmp_path / "quarantine.csv").exists()
    assert "quarantined" in r.stderr
    # the watcher keeps running: the next tick neither re-quarantines nor fails
    r = run_once(cfg)
    assert r.returncode == 0 and len(_store(cfg).quarantine()) == len(q)


def test_sink_outage_alerts_queued_then_delivered_in_order(tmp_path, webhook, smtp, tls_cert):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    cfg = write_config(
        tmp_path / "nw.toml",
        state_url=f"sqlite:///{tmp_path / 's.db'}",
        sources=[{"type": "directory", "path": "incoming"}],
        sinks=[webhook_sink(webhook), email_sink(smtp, tls_cert[0])],
    )
    webhook.stop()
    smtp.stop()
    expected = []
    for k in range(3):  # three ticks while both sinks are down, a departure in each
        _drop(incoming / f"t{k}.nmea", departure_lines(273000100 + k, T0 + k * 7200))
        r = run_once(cfg)
        assert r.returncode == 0, r.stderr
        assert "not delivered" in r.stderr
        expected += [a for a in _store(cfg).alerts()["alert_id"] if a not in expected]
    assert len(expected) == 3
    d = _store(cfg).deliveries()
    assert set(d["status"]) == {"pending"}
    head = d[d["seq"] == d["seq"].min()]
    assert (head["attempts"] >= 1).all()  # the oldest alert was tried; later ones wait behind it
    webhook.start()
    smtp.start()
    time.sleep(0.6)  # past backoff_max_s
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    assert webhook.ids() == expected  # all, once each, in enqueue order
    assert smtp.ids() == expected
    assert set(_store(cfg).deliveries()["status"]) == {"delivered"}


def test_webhook_rejection_is_not_retried_forever(tmp_path, webhook):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    cfg = write_config(
        tmp_path / "nw.toml",
        state_url=f"sqlite:///{tmp_path / 's.db'}",
        sources=[{"type": "directory", "path": "incoming"}],
        sinks=[webhook_sink(webhook)],
    )
    webhook.status = 400
    _drop(incoming / "a.nmea", departure_lines(273000200))
    r = run_once(cfg)
    assert "rejected" in r.stderr
    assert list(_store(cfg).deliveries()["status"]) == ["rejected"]


def _start_watch(cfg: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=cfg.parent,
    )


def _stop(p: subprocess.Popen) -> tuple[str, str]:
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return out, err


def test_tcp_feed_replaying_real_nmea_alerts_and_loses_nothing(tmp_path, state_url, webhook):
    """A TCP server replays the real SoCal NMEA file plus a departure; the watcher (a client,
    started before the server so it must reconnect with backoff) alerts once and consumes every
    line exactly once."""
    sample = [ln for ln in SAMPLE_AIS.read_text().splitlines() if ln.strip()]
    dep = departure_lines(273000300)
    port = free_port()
    cfg = write_config(
        tmp_path / "nw.toml", state_url=state_url, watch={"interval_s": 1},
        sources=[{"type": "tcp", "name": "rx", "host": "127.0.0.1", "port": port, "reconnect_min_s": 0.2, "reconnect_max_s": 1.0}],
        sinks=[webhook_sink(webhook)],
    )  # fmt: skip
    p = _start_watch(cfg)
    server = NmeaTcpServer(sample + dep[:DEPARTURE_FIX], port=port)
    try:
        time.sleep(1.5)  # the watcher is already trying to connect
        server.start()
        assert server.accepted.wait(15), "watcher never connected"
        time.sleep(2.5)
        assert webhook.ids() == []
        server.send(dep[DEPARTURE_FIX:])
        # (how fast: bench/bench_watch.py measures departure -> webhook latency)
        wait_for(lambda: webhook.ids(), timeout=20, what="webhook alert")
        time.sleep(2.5)
    finally:
        server.stop()
        out, err = _stop(p)
    assert len(webhook.ids()) == 1, err
    inp = _store(cfg).inputs()
    row = inp[(inp["source"] == "rx") & (inp["key"] == "feed")].iloc[0]
    assert row["lines"] == len(sample) + len(dep)
    assert _store(cfg).feed_backlog() == 0


def test_udp_feed_alerts(tmp_path, webhook):
    port = free_port(socket.SOCK_DGRAM)
    cfg = write_config(
        tmp_path / "nw.toml", state_url=f"sqlite:///{tmp_path / 's.db'}", watch={"interval_s": 1},
        sources=[{"type": "udp", "name": "catcher", "host": "127.0.0.1", "port": port}], sinks=[webhook_sink(webhook)],
    )  # fmt: skip
    p = _start_watch(cfg)
    try:
        wait_for(lambda: _ticks(cfg) >= 1, timeout=30, what="first tick")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sample = [ln for ln in SAMPLE_AIS.read_text().splitlines() if ln.strip()][:2000]
        for ln in sample + departure_lines(273000400):
            # AIS-catcher style: bare sentences, no receive time (the watcher stamps them)
            s.sendto(
                (ln.split(" ", 1)[1] if ln[0].isdigit() else ln).encode() + b"\r\n",
                ("127.0.0.1", port),
            )
            time.sleep(0.0002)
        wait_for(lambda: webhook.ids(), timeout=20, what="webhook alert")
        time.sleep(1.5)
    finally:
        out, err = _stop(p)
    assert len(webhook.ids()) == 1, err
    assert webhook.bodies()[0]["event"]["mmsi"] == 273000400


def test_scheduler_survives_restart_with_buffered_lines(tmp_path, webhook):
    """Live lines buffered but not yet consumed survive a restart of the watcher."""
    port = free_port()
    cfg = write_config(
        tmp_path / "nw.toml", state_url=f"sqlite:///{tmp_path / 's.db'}", watch={"schedule": "cron", "cron": "0 0 1 1 *"},
        sources=[{"type": "tcp", "name": "rx", "host": "127.0.0.1", "port": port, "reconnect_min_s": 0.2}], sinks=[webhook_sink(webhook)],
    )  # fmt: skip
    server = NmeaTcpServer(departure_lines(273000500), port=port)
    server.start()
    p = _start_watch(cfg)  # cron far away: only the start-up tick runs, then lines are buffered
    try:
        assert server.accepted.wait(30)
        wait_for(
            lambda: _store(cfg).feed_backlog() == len(departure_lines(273000500)),
            timeout=20,
            what="buffered lines",
        )
    finally:
        p.send_signal(signal.SIGKILL)
        p.communicate()
        server.stop()
    assert webhook.ids() == []
    r = run_once(cfg)  # a restart consumes what was buffered
    assert r.returncode == 0, r.stderr
    assert len(webhook.ids()) == 1 and _store(cfg).feed_backlog() == 0
