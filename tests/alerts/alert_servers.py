"""Helpers and fixtures of the alerts tests (re-exported by ``conftest.py``).

Real servers on 127.0.0.1, started by the tests: webhook receiver (http.server), SMTP
(aiosmtpd, STARTTLS + AUTH), PostgreSQL (initdb + pg_ctl in a temp dir), NMEA TCP server; and
helpers to write configs and run ``navwatch watch`` as a subprocess."""

from __future__ import annotations

import glob
import hashlib
import hmac
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .nmea_factory import PORTS_CSV

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
# the first 1,500 lines of the real SoCal receiver log, kept in the clone (tests/data/README.md)
SAMPLE_AIS = ROOT / "tests" / "data" / "nmea" / "socal_sample_head.ais"
WEBHOOK_SECRET = "test-webhook-secret-8f2c"
SMTP_USER, SMTP_PASSWORD = "navwatch-user", "smtp-pass-55e1"
CLI = [
    sys.executable,
    "-c",
    "import navwatch.cli.watch; from navwatch.cli import main; main()",
    "watch",
]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout: float = 20.0, every: float = 0.05, what: str = "condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# ---------------------------------------------------------------------------------------------
# webhook receiver


class WebhookReceiver:
    """A real HTTP server that records POSTed alerts; ``stop()``/``start()`` simulate an outage
    (same port). Checks the HMAC signature of every request."""

    def __init__(self, secret: str = WEBHOOK_SECRET) -> None:
        self.port = free_port()
        self.secret = secret
        self.received: list[dict] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        recv = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                sig = self.headers.get("X-Navwatch-Signature", "")
                good = "sha256=" + hmac.new(recv.secret.encode(), body, hashlib.sha256).hexdigest()
                with recv.lock:
                    if not hmac.compare_digest(sig, good):
                        recv.bad_signatures += 1
                    recv.received.append(
                        {"headers": dict(self.headers), "body": json.loads(body), "t": time.time()}
                    )
                self.send_response(recv.status)
                self.end_headers()

            def log_message(self, *a):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> list[str]:
        with self.lock:
            return [r["body"]["alert_id"] for r in self.received]

    def bodies(self) -> list[dict]:
        with self.lock:
            return [r["body"] for r in self.received]


@pytest.fixture
def webhook():
    w = WebhookReceiver()
    w.start()
    yield w
    w.stop()


# ---------------------------------------------------------------------------------------------
# SMTP (aiosmtpd) with STARTTLS and AUTH


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    key, cert = d / "key.pem", d / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class SmtpReceiver:
    def __init__(self, cert: Path, key: Path) -> None:
        self.port = free_port()
        self.cert, self.key = cert, key
        self.messages: list = []
        self.controller = None

    def start(self) -> None:
        import ssl
        from email import message_from_bytes

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        recv = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                recv.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        def auth(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login == SMTP_USER.encode()
                and auth_data.password == SMTP_PASSWORD.encode()
            )
            return AuthResult(success=ok)

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.cert), str(self.key))
        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, tls_context=ctx, require_starttls=True,
            authenticator=auth, auth_required=True, auth_require_tls=True,
        )  # fmt: skip
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def ids(self) -> list[str]:
        return [m["X-Navwatch-Alert-Id"] for m in list(self.messages)]


@pytest.fixture
def smtp(tls_cert):
    s = SmtpReceiver(*tls_cert)
    s.start()
    yield s
    s.stop()


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def _pg_bin() -> Path | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    w = shutil.which("initdb")
    return Path(w).parent if w and shutil.which("pg_ctl") else None


@pytest.fixture(scope="session")
def pg_server():
    """A throw-away PostgreSQL cluster on a free port; yields its base URL (no database)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not installed: apt-get install -y postgresql"
        )
    root = Path(tempfile.mkdtemp(prefix="navwatch-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = "postgres" if _user_exists("postgres") else "nobody"
        prefix = ["runuser", "-u", user, "--"]
        shutil.chown(root, user)
        shutil.chown(sock, user)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "navwatch",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c max_connections=100"
    r = subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        capture_output=True,
        env=env,
        text=True,
    )
    if r.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {r.stderr}\n{log}")
    try:
        yield f"postgresql://navwatch@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
        )
        shutil.rmtree(root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def new_pg_database(base_url: str) -> str:
    import psycopg

    name = "nw_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base_url + "/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return f"{base_url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request, tmp_path) -> str:
    """A fresh state database URL: the same tests run on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return new_pg_database(request.getfixturevalue("pg_server"))


# ---------------------------------------------------------------------------------------------
# NMEA replay over TCP


class NmeaTcpServer:
    """Accepts clients and sends them ``lines`` (then keeps the connection open)."""

    def __init__(self, lines: list[str], port: int | None = None) -> None:
        self.lines = lines
        self.port = port or free_port()
        self.sock: socket.socket | None = None
        self.clients: list[socket.socket] = []
        self.sent = 0
        self.accepted = threading.Event()

    def start(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.sock is not None:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(c)
            self.accepted.set()
            data = "".join(ln + "\r\n" for ln in self.lines).encode()
            c.sendall(data)
            self.sent += len(self.lines)

    def send(self, lines: list[str]) -> None:
        data = "".join(ln + "\r\n" for ln in lines).encode()
        for c in self.clients:
            c.sendall(data)

    def stop(self) -> None:
        s, self.sock = self.sock, None
        if s is not None:
            s.close()
        for c in self.clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        self.clients = []


# ---------------------------------------------------------------------------------------------
# config + CLI helpers


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(str(v))


def write_config(
    path: Path,
    *,
    state_url: str,
    sources: list[dict],
    sinks: list[dict],
    watch: dict | None = None,
    alerts: dict | None = None,
    detect: dict | None = None,
    activity: dict | None = None,
    imagery: dict | None = None,
) -> Path:
    """A TOML config in ``path.parent`` with the Testport zones and all_vessels on."""
    (path.parent / "ports.csv").write_text(PORTS_CSV)
    parts = ["[watch]"] + [
        f"{k} = {toml_value(v)}" for k, v in ({"interval_s": 1, **(watch or {})}).items()
    ]
    parts += ["[state]", f"url = {toml_value(state_url)}"]
    parts += ["[detect]"] + [
        f"{k} = {toml_value(v)}"
        for k, v in ({"ports": "ports.csv", "all_vessels": True, **(detect or {})}).items()
    ]
    if alerts:
        parts += ["[alerts]"] + [f"{k} = {toml_value(v)}" for k, v in alerts.items()]
    if activity:
        parts += ["[activity]"] + [f"{k} = {toml_value(v)}" for k, v in activity.items()]
    if imagery:
        parts += ["[imagery]"] + [f"{k} = {toml_value(v)}" for k, v in imagery.items()]
    for s in sources:
        parts += ["[[sources]]"] + [f"{k} = {toml_value(v)}" for k, v in s.items()]
    for s in sinks:
        parts += ["[[sinks]]"] + [f"{k} = {toml_value(v)}" for k, v in s.items()]
    path.write_text("\n".join(parts) + "\n")
    return path


def webhook_sink(w: WebhookReceiver, **kw) -> dict:
    return {
        "type": "webhook",
        "url": w.url,
        "secret_env": "NW_TEST_WEBHOOK_SECRET",
        "timeout_s": 5,
        "retries": 2,
        "backoff_s": 0.1,
        "backoff_max_s": 0.5,
        **kw,
    }


def email_sink(s: SmtpReceiver, cert: Path, **kw) -> dict:
    return {"type": "email", "host": "127.0.0.1", "port": s.port, "starttls": True, "ca_file": str(cert), "username_env": "NW_TEST_SMTP_USER",
            "password_env": "NW_TEST_SMTP_PASSWORD", "from_addr": "navwatch@test.invalid", "to": ["ops@test.invalid"], "timeout_s": 10,
            "retries": 1, "backoff_s": 0.1, "backoff_max_s": 0.5, **kw}  # fmt: skip


def cli_env() -> dict:
    return {
        **os.environ,
        "NW_TEST_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "NW_TEST_SMTP_USER": SMTP_USER,
        "NW_TEST_SMTP_PASSWORD": SMTP_PASSWORD,
        "PYTHONUNBUFFERED": "1",
    }


def run_once(config: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "--config", str(config), "--once", *extra],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=timeout,
        cwd=config.parent,
    )


@pytest.fixture
def secrets_env(monkeypatch):
    for k, v in cli_env().items():
        if k.startswith("NW_TEST_"):
            monkeypatch.setenv(k, v)
