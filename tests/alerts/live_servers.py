"""Local servers and message builders for the network live sources' tests: positions of the
``nmea_factory`` departures as aisstream.io, AIS-catcher, Digitraffic and AISHub JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
    """A real mosquitto broker on a free port (plain MQTT and MQTT over WebSockets)."""

    def __init__(self, tmp: Path) -> None:
        self.port, self.ws_port = free_port(), free_port()
        conf = tmp / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"listener {self.ws_port} 127.0.0.1\nprotocol websockets\n"
            "persistence false\n"
        )
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)  # fmt: skip
        import socket

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
