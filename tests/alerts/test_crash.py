"""Crash safety: ``navwatch watch --once`` is killed with SIGKILL at random points of its ticks,
many times, while input keeps arriving. After a clean final run every expected alert has reached
the webhook receiver (counted by id at the server) and the JSONL file, no event has two *new*
alerts, and every input line was consumed exactly once."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections import Counter

import pytest

from navwatch.alerts import load_config
from navwatch.alerts.store import Store

from .alert_servers import CLI, cli_env, run_once, webhook_sink, write_config
from .nmea_factory import T0, departure_lines


def _kill_during_tick(cfg, rng: random.Random) -> str:
    """Start a one-tick watcher and SIGKILL it at a random point; returns where."""
    p = subprocess.Popen(
        [*CLI, "--config", str(cfg), "--once"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=cfg.parent,
    )
    where = "start-up"
    if rng.random() < 0.15:
        time.sleep(rng.uniform(0.1, 1.2))  # during start-up / schema creation
    else:
        for line in p.stderr:  # wait for the tick to begin, then kill somewhere inside it
            if ": start" in line:
                delay = rng.uniform(0.0, 0.25)
                time.sleep(delay)
                where = f"tick+{delay:.2f}s"
                break
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    return where if p.returncode == -signal.SIGKILL else f"{where} (finished first)"


def _csv_departure(mmsi: int, t0: float) -> list[str]:
    """The same departure as generic CSV rows (a line format with a header)."""
    rows = ["time,mmsi,lat,lon,sog_kn"]
    for ln in departure_lines(mmsi, t0):
        from navwatch.io.nmea import parse_lines

        r = parse_lines([ln]).iloc[0]
        rows.append(f"{r['time'].isoformat()},{mmsi},{r['lat']:.6f},{r['lon']:.6f},{r['sog_kn']}")
    return rows


@pytest.mark.parametrize("backend, iterations", [("sqlite", 16), ("postgresql", 8)])
def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path, webhook, backend, iterations, request
):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        from .alert_servers import new_pg_database

        url = new_pg_database(request.getfixturevalue("pg_server"))
    rng = random.Random(20241202 + iterations)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    cfg = write_config(
        tmp_path / "nw.toml", state_url=url, sources=[{"type": "directory", "path": "incoming", "settle_s": 0}],
        sinks=[webhook_sink(webhook, backoff_s=0.05, backoff_max_s=0.1), {"type": "jsonl", "path": "alerts.jsonl"}],
    )  # fmt: skip
    live = incoming / "live.nmea"
    pending = ""  # text of the growing file not yet written
    expected: set[int] = set()
    csv_rows = {}
    kills = []
    for i in range(iterations):
        mmsi = 273100000 + i
        text = "".join(ln + "\n" for ln in departure_lines(mmsi, T0 + i * 3 * 3600))
        pending += text
        expected.add(mmsi)
        cut = rng.randrange(len(pending) // 2, len(pending) + 1)  # often mid-line
        with open(live, "a") as fh:
            fh.write(pending[:cut])
        pending = pending[cut:]
        if i % 4 == 1:
            m = 273200000 + i
            rows = _csv_departure(m, T0 + i * 3 * 3600)
            (incoming / f"batch{i}.csv").write_text("\n".join(rows) + "\n")
            csv_rows[f"batch{i}.csv"] = len(rows) - 1
            expected.add(m)
        kills.append(_kill_during_tick(cfg, rng))
    with open(live, "a") as fh:
        fh.write(pending)
    for _ in range(2):  # restart cleanly: everything left is consumed and delivered
        r = run_once(cfg)
        assert r.returncode == 0, r.stderr

    store = Store(load_config(cfg, env=cli_env()).state_url.reveal())
    alerts = store.alerts()
    new = alerts[alerts["kind"] == "new"]
    mmsis = Counter(json.loads(p)["event"]["mmsi"] for p in new["payload"])
    assert set(mmsis) == expected, f"kills at {kills}"
    assert max(mmsis.values()) == 1, "an event got two 'new' alerts"
    assert set(alerts["kind"]) == {"new"}
    # at the receiving server: every alert id, none missing, none unexpected
    got = Counter(webhook.ids())
    assert set(got) == set(alerts["alert_id"]), f"kills at {kills}"
    # at-least-once: a re-send can only follow a kill between sending and recording it
    assert sum(got.values()) - len(got) <= iterations
    jsonl = Counter(
        json.loads(x)["alert_id"]
        for x in (tmp_path / "alerts.jsonl").read_text().splitlines()
        if x.strip().endswith("}")
    )
    assert set(jsonl) == set(alerts["alert_id"]) and max(jsonl.values()) == 1
    assert set(store.deliveries()["status"]) == {"delivered"}
    # no input skipped or consumed twice
    inp = store.inputs().set_index("key")
    n_lines = len(live.read_text().splitlines())
    assert inp.loc["live.nmea", "offset_bytes"] == live.stat().st_size
    assert inp.loc["live.nmea", "lines"] == n_lines
    assert inp.loc["live.nmea", "rows"] == n_lines  # every line is one position report
    for name, n in csv_rows.items():
        assert inp.loc[name, "rows"] == n
    assert store.quarantine().empty
    store.dispose()
