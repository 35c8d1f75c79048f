"""Local servers and message builders for the network live sources' tests: positions of the
``nmea_factory`` departures as aisstream.io, AIS-catcher, Digitraffic and AISHub JSON."""

from __future__ import annotations

import json
import shutil
import socket
import socketserver
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd

from navwatch.io.nmea import parse_lines

from .alert_servers import free_port
from .nmea_factory import departure_lines

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
)


def positions(mmsi: int, t0: float) -> list[dict]:
    """The departure's fixes: mmsi, epoch seconds, lat, lon, sog."""
    obs = parse_lines(departure_lines(mmsi, t0))
    return [
        dict(
            mmsi=mmsi, t=r.time.value / 1e9, lat=float(r.lat), lon=float(r.lon), sog=float(r.sog_kn)
        )
        for r in obs.itertuples()
    ]


def aisstream(p: dict) -> str:
    ts = pd.Timestamp(p["t"], unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M:%S.%f000 +0000 UTC")
    return json.dumps({
        "MessageType": "PositionReport",
        "MetaData": {"MMSI": p["mmsi"], "MMSI_String": p["mmsi"], "ShipName": "TEST SHIP   ",
                     "latitude": p["lat"], "longitude": p["lon"], "time_utc": ts},
        "Message": {"PositionReport": {"UserID": p["mmsi"], "Latitude": p["lat"], "Longitude": p["lon"],
                                       "Sog": p["sog"], "Cog": 90.0, "TrueHeading": 90,
                                       "NavigationalStatus": 0, "Valid": True, "MessageID": 1}},
    })  # fmt: skip


def aiscatcher(p: dict) -> dict:
    return {"class": "AIS", "device": "AIS-catcher", "rxuxtime": p["t"], "channel": "A", "type": 1,
            "mmsi": p["mmsi"], "status": 0, "lat": p["lat"], "lon": p["lon"], "speed": p["sog"],
            "course": 90.0, "heading": 90, "repeat": 0}  # fmt: skip


def digitraffic(p: dict) -> tuple[str, str]:
    payload = {"time": int(p["t"]), "sog": p["sog"], "cog": 90.0, "navStat": 0, "rot": 0,
               "posAcc": True, "raim": False, "heading": 90, "lon": p["lon"], "lat": p["lat"]}  # fmt: skip
    return f"vessels-v2/{p['mmsi']}/location", json.dumps(payload)


def aishub(p: dict) -> dict:
    ts = pd.Timestamp(p["t"], unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M:%S GMT")
    return {"MMSI": p["mmsi"], "TIME": ts, "LONGITUDE": p["lon"], "LATITUDE": p["lat"], "COG": 90.0,
            "SOG": p["sog"], "HEADING": 90, "NAVSTAT": 0, "IMO": 0, "NAME": "TEST SHIP"}  # fmt: skip


class Recorder(ThreadingHTTPServer):
    """An HTTP server answering GETs from ``bodies`` (the last one repeated) and recording
    when each request came."""

    def __init__(self, bodies: list[bytes]) -> None:
        self.bodies = bodies
        self.times: list[float] = []
        self.paths: list[str] = []
        srv = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                srv.times.append(time.monotonic())
                srv.paths.append(self.path)
                body = srv.bodies[min(len(srv.times), len(srv.bodies)) - 1]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), H)
        self.port = self.server_address[1]
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        ).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class Mosquitto:
    """A real mosquitto broker on a free port (plain MQTT and MQTT over WebSockets); without
    ``anonymous`` it refuses clients that have no password."""

    def __init__(self, tmp: Path, anonymous: bool = True) -> None:
        self.port, self.ws_port = free_port(), free_port()
        conf = tmp / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous {str(anonymous).lower()}\n"
            f"listener {self.ws_port} 127.0.0.1\nprotocol websockets\n"
            "persistence false\n"
        )
        self.conf = conf
        self.start()

    def start(self) -> None:
        """Start the broker (again: same configuration, same ports)."""
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)  # fmt: skip
        end = time.time() + 10
        while time.time() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def restart(self) -> None:
        self.stop()
        self.start()


def nca_line(p: dict, station: int = 2573310) -> str:
    """A Norwegian Coastal Administration-style line: tag block (station, time), ``BS`` talker."""
    from functools import reduce

    from pyais import encode_dict

    s = encode_dict(
        {"type": 1, "mmsi": p["mmsi"], "lat": p["lat"], "lon": p["lon"], "speed": p["sog"],
         "course": 90.0, "heading": 90, "status": 0},
        talker_id="BS",
    )[0].replace("!BSVDO", "!BSVDM")  # fmt: skip
    body = s[1 : s.index("*")]
    s = f"!{body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"
    tag = f"s:{station},c:{int(p['t'])}"
    return f"\\{tag}*{reduce(lambda a, c: a ^ ord(c), tag, 0):02X}\\{s}"


class DroppingServer:
    """A line server that closes the connection after each of ``batches`` (batch k on the k-th
    connection, then a clean close), and keeps the connection after that one open. TCP: lines
    end with CRLF; ``websocket=True``: one message per line. ``start()`` may come late: the
    port is chosen at once, so a client can be pointed at a server that is not up yet."""

    def __init__(self, batches: list[list[str]], websocket: bool = False) -> None:
        self.batches = batches
        self.websocket = websocket
        self.port = free_port()
        self.connections = 0
        self._server: Any = None

    def start(self) -> DroppingServer:
        if self.websocket:
            from websockets.sync.server import serve

            self._server = serve(self._ws, "127.0.0.1", self.port)
        else:
            self._server = _TcpLines(self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _batch(self) -> list[str] | None:
        k, self.connections = self.connections, self.connections + 1
        return self.batches[k] if k < len(self.batches) else None

    def _ws(self, ws) -> None:
        ws.recv(timeout=3)  # the subscription
        batch = self._batch()
        for m in batch or []:
            ws.send(m)
        if batch is None:
            try:
                ws.recv()  # keep the connection until the client goes
            except Exception:
                pass

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            if not self.websocket:
                self._server.server_close()


class _TcpLines(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: DroppingServer) -> None:
        class H(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                batch = owner._batch()
                if batch is not None:
                    self.request.sendall("".join(ln + "\r\n" for ln in batch).encode())
                    return  # the server closes: the client sees the end of the stream
                try:
                    while self.request.recv(1024):
                        pass
                except OSError:
                    pass

        super().__init__(("127.0.0.1", owner.port), H)


class ListStore:
    """The one method :class:`~navwatch.alerts.sources.FeedBuffer` needs of a store: rows kept
    in memory, so a test sees exactly what a feed handed over."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def append_feed(self, rows) -> None:
        self.rows.extend(rows)

    def lines(self, buffer) -> list[str]:
        buffer.flush()
        return [ln for r in self.rows for ln in r[3].split("\n")]
