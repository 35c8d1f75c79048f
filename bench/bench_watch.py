"""Benchmark of ``navwatch watch`` on a live NMEA feed over TCP loopback.

    .venv/bin/python bench/bench_watch.py [--messages 300000] [--interval-s 1] [--state-url URL]

Streams the real SoCal NMEA file (``../shared/data/ais/simpleais-socal/sample.ais``, repeated with
shifted receive times so no copy is a duplicate) as fast as the watcher takes it, to a watcher
running as a separate process (TCP client source, webhook sink, SQLite state by default).
A departure is embedded in the stream, and another is sent once the stream is consumed.

Prints: lines streamed; lines durably buffered (no loss: equal to lines sent) and the sustained
ingest rate; the rate at which ticks consumed them (decode + detect + commit); and the latency
from the departure-making message to the webhook receiving the alert, under load and idle.
Goal: >= 20,000 messages/s and latency under one tick + 1 s.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "ais" / "simpleais-socal" / "sample.ais"
sys.path.insert(0, str(ROOT / "tests" / "alerts"))

from nmea_factory import DEPARTURE_FIX, PORTS_CSV, T0, departure_lines  # noqa: E402

from navwatch.alerts.store import Store  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stream_lines(n: int) -> list[str]:
    base = [ln for ln in SAMPLE.read_text().splitlines() if ln.strip()]
    out: list[str] = []
    k = 0
    while len(out) < n:
        shift = k * 600.0
        for ln in base:
            t, rest = ln.split(" ", 1)
            out.append(f"{float(t) + shift:.3f} {rest}")
        k += 1
    return out[:n]


class Hook:
    def __init__(self) -> None:
        self.port = free_port()
        self.got: list[tuple[float, dict]] = []
        hook = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.got.append((time.time(), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def wait_mmsi(self, mmsi: int, timeout: float) -> float | None:
        end = time.time() + timeout
        while time.time() < end:
            for t, b in self.got:
                if b["event"]["mmsi"] == mmsi:
                    return t
            time.sleep(0.005)
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--messages",
        type=int,
        default=300_000,
        help="lines of the capacity phase (sent as fast as taken)",
    )
    ap.add_argument("--rate", type=float, default=20_000, help="messages/s of the sustained phase")
    ap.add_argument("--seconds", type=float, default=20, help="duration of the sustained phase")
    ap.add_argument("--interval-s", type=float, default=1.0)
    ap.add_argument("--state-url", default=None, help="default: a SQLite file in a temp dir")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="navwatch-bench-"))
    (work / "ports.csv").write_text(PORTS_CSV)
    hook = Hook()
    port = free_port()
    state_url = args.state_url or f"sqlite:///{work / 'state.db'}"
    (work / "nw.toml").write_text(
        f'[watch]\ninterval_s = {args.interval_s}\n[state]\nurl = "{state_url}"\n[detect]\nports = "ports.csv"\nall_vessels = true\n'
        f'[[sources]]\ntype = "tcp"\nname = "rx"\nhost = "127.0.0.1"\nport = {port}\nreconnect_min_s = 0.1\n'
        f'[[sinks]]\ntype = "webhook"\nurl = "http://127.0.0.1:{hook.port}/hook"\nretries = 3\nbackoff_s = 0.1\n'
    )
    n_sustained = int(args.rate * args.seconds)
    lines = stream_lines(args.messages + n_sustained)
    blast, paced = lines[: args.messages], lines[args.messages :]
    # a departure inside the sustained stream: its port fixes early, the deciding fix half-way
    load_mmsi, idle_mmsi = 273900001, 273900002
    dep = departure_lines(load_mmsi, T0)
    paced[len(paced) // 10 : len(paced) // 10] = dep[:DEPARTURE_FIX]
    deciding_at = len(paced) // 2
    paced[deciding_at:deciding_at] = dep[DEPARTURE_FIX:]

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import navwatch.cli.watch; from navwatch.cli import main; main()", "watch", "--config", str(work / "nw.toml"), "--log-level", "WARNING"],
        cwd=work, stderr=open(work / "watch.log", "w"),
    )  # fmt: skip
    res: dict = {}
    try:
        srv.settimeout(60)
        conn, _ = srv.accept()
        store = Store(
            state_url
            if not state_url.startswith("postgresql://")
            else "postgresql+psycopg://" + state_url.split("://", 1)[1]
        )
        time.sleep(args.interval_s * 2)  # the start-up tick is over

        def counts() -> tuple[int, int]:
            inp = store.inputs()
            row = inp[(inp["source"] == "rx") & (inp["key"] == "feed")]
            return (int(row["lines"].iloc[0]) if len(row) else 0), store.feed_backlog()

        def wait_consumed(target: int, timeout: float = 600) -> float | None:
            end = time.time() + timeout
            while time.time() < end:
                if counts()[0] >= target:
                    return time.time()
                time.sleep(0.02)
            return None

        # 1. capacity: as fast as the watcher takes it
        c0, b0 = counts()
        t_start = time.time()
        for i in range(0, len(blast), 5000):
            conn.sendall("".join(ln + "\r\n" for ln in blast[i : i + 5000]).encode())
        t_buf = None
        while time.time() - t_start < 600:
            c, b = counts()
            if c + b - c0 - b0 >= len(blast):
                t_buf = time.time()
                break
            time.sleep(0.01)
        t_done = wait_consumed(c0 + len(blast))
        res["capacity"] = (
            len(blast),
            t_buf - t_start if t_buf else None,
            t_done - t_start if t_done else None,
        )

        # 2. sustained: paced at --rate, with a departure inside
        c1, _ = counts()
        slice_s = 0.05
        per = max(1, int(args.rate * slice_s))
        t_start = time.time()
        t_deciding = None
        max_backlog = 0
        for k, i in enumerate(range(0, len(paced), per)):
            conn.sendall("".join(ln + "\r\n" for ln in paced[i : i + per]).encode())
            if t_deciding is None and i + per > deciding_at:
                t_deciding = time.time()
            if k % 20 == 0:
                c, b = counts()
                max_backlog = max(max_backlog, c1 + i + per - c)
            pause = t_start + (k + 1) * slice_s - time.time()
            if pause > 0:
                time.sleep(pause)
        t_sent = time.time()
        t_done = wait_consumed(c1 + len(paced))
        c2, b2 = counts()
        res["sustained"] = (
            len(paced),
            t_sent - t_start,
            (t_done - t_sent) if t_done else None,
            c2 - c1,
            b2,
            max_backlog,
        )
        t_alert = hook.wait_mmsi(load_mmsi, 30)
        res["latency_load"] = t_alert - t_deciding if t_alert and t_deciding else None

        # 3. idle: the port fixes, two ticks, then the deciding fix alone
        dep2 = departure_lines(idle_mmsi, T0 + 86400)
        conn.sendall("".join(ln + "\r\n" for ln in dep2[:DEPARTURE_FIX]).encode())
        time.sleep(args.interval_s * 2.5)
        t0 = time.time()
        conn.sendall("".join(ln + "\r\n" for ln in dep2[DEPARTURE_FIX:]).encode())
        t_alert = hook.wait_mmsi(idle_mmsi, 30)
        res["latency_idle"] = t_alert - t0 if t_alert else None
    finally:
        proc.terminate()
        proc.wait(30)
        srv.close()

    goal = args.interval_s + 1
    print(
        f"navwatch watch benchmark: real SoCal AIS NMEA (repeated, times shifted) over TCP loopback to a watcher process; tick every {args.interval_s:g} s; state {state_url.split(':')[0]}"
    )
    n, tb, tc = res["capacity"]
    print(
        f"  capacity: {n:,} lines sent as fast as taken: durably buffered at {n / tb:,.0f} msg/s, consumed by ticks (decode + detect + commit) at {n / tc:,.0f} msg/s"
        if tb and tc
        else "  capacity: DID NOT FINISH"
    )
    n, dur, lag, consumed, backlog, maxb = res["sustained"]
    print(
        f"  sustained: {n:,} lines at {n / dur:,.0f} msg/s for {dur:.1f} s: {consumed:,} consumed ({'no loss' if consumed == n and backlog == 0 else 'LOSS/BACKLOG'}), max backlog {maxb:,} lines, drained {lag if lag is not None else float('nan'):.2f} s after the last line"
    )
    for label, key in (("under sustained load", "latency_load"), ("idle", "latency_idle")):
        v = res[key]
        print(
            f"  alert latency {label} (departure-making message sent -> webhook received): "
            + (
                f"{v:.2f} s (goal < {goal:.1f} s: {'met' if v < goal else 'NOT met'})"
                if v is not None
                else "NOT RECEIVED"
            )
        )
    dup = len(hook.got) - len({b["alert_id"] for _, b in hook.got})
    print(f"  webhook: {len(hook.got)} alert(s), {dup} duplicate(s); work dir {work}")


if __name__ == "__main__":
    main()
