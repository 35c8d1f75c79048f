"""Alert sinks and at-least-once delivery from the outbox.

Every sink gets the alert's JSON payload (see :mod:`navwatch.alerts.alerting`) and its stable
``alert_id``, which is the idempotency key:

* ``console`` -- one line per alert on stderr/stdout.
* ``jsonl`` -- one JSON object per line, fsynced; ids already in the file are skipped, so the
  file holds each alert once even after a crash between writing and recording the delivery.
* ``webhook`` -- HTTP POST of the JSON with headers ``Idempotency-Key`` and
  ``X-Navwatch-Alert-Id`` (the alert id), ``X-Navwatch-Alert-Kind`` and, when a secret is set,
  ``X-Navwatch-Signature: sha256=<hex HMAC-SHA256 of the body>``. 2xx = delivered; 408, 429,
  5xx and network errors are retried; other 4xx are rejected (logged, not retried).
* ``email`` -- SMTP (STARTTLS or implicit TLS, optional AUTH); ``Message-ID`` is
  ``<alert_id@navwatch>`` and updates/retractions are ``In-Reply-To`` the first alert.

:func:`deliver` sends each sink's queue in enqueue order: a sink that fails keeps its alert and
all later ones queued (with exponential backoff) and resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from ..errors import DeliveryError
from .config import ConsoleSink, EmailSink, JsonlSink, Sink, WebhookSink, redact_url
from .store import Outgoing, Store

__all__ = ["DeliveryError", "deliver", "make_sink"]

log = logging.getLogger("navwatch.watch")


class _Base:
    retries = 1
    backoff_s = 1.0
    backoff_max_s = 60.0

    def __init__(self, cfg: Sink) -> None:
        self.cfg = cfg
        self.name = cfg.name

    def send(self, item: Outgoing) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class _Console(_Base):
    cfg: ConsoleSink

    def send(self, item: Outgoing) -> None:
        body = json.loads(item.payload)
        stream = sys.stdout if self.cfg.stream == "stdout" else sys.stderr
        print(
            f"navwatch alert [{item.kind}] {item.alert_id}: {body.get('summary', '')}",
            file=stream,
            flush=True,
        )


class _Jsonl(_Base):
    def __init__(self, cfg: JsonlSink) -> None:
        super().__init__(cfg)
        self.path = Path(cfg.path)
        self._seen: set[str] | None = None

    def _load(self) -> set[str]:
        seen: set[str] = set()
        if self.path.exists():
            with open(self.path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    try:
                        seen.add(json.loads(line)["alert_id"])
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut short by a crash
        return seen

    def send(self, item: Outgoing) -> None:
        if self._seen is None:
            self._seen = self._load()
        if item.alert_id in self._seen:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as fh:
                if fh.tell() > 0:
                    with open(self.path, "rb") as r:
                        r.seek(-1, os.SEEK_END)
                        if r.read(1) != b"\n":
                            fh.write(b"\n")
                fh.write(item.payload.encode("utf-8") + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise DeliveryError(f"cannot append to {self.path}: {exc}") from None
        self._seen.add(item.alert_id)


class _Webhook(_Base):
    def __init__(self, cfg: WebhookSink) -> None:
        super().__init__(cfg)
        self.retries, self.backoff_s, self.backoff_max_s = (
            cfg.retries,
            cfg.backoff_s,
            cfg.backoff_max_s,
        )

    def send(self, item: Outgoing) -> None:
        cfg: WebhookSink = self.cfg  # type: ignore[assignment]
        body = item.payload.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "navwatch-watch",
            "Idempotency-Key": item.alert_id,
            "X-Navwatch-Alert-Id": item.alert_id,
            "X-Navwatch-Alert-Kind": item.kind,
        }
        if cfg.secret is not None:
            sig = hmac.new(cfg.secret.reveal().encode("utf-8"), body, hashlib.sha256).hexdigest()
            headers[cfg.signature_header] = f"sha256={sig}"
        req = urllib.request.Request(cfg.url, data=body, headers=headers, method="POST")
        where = redact_url(cfg.url)
        try:
            with urllib.request.urlopen(req, timeout=cfg.timeout_s) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            retry = exc.code in (408, 425, 429) or exc.code >= 500
            raise DeliveryError(f"POST {where}: HTTP {exc.code}", retryable=retry) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise DeliveryError(f"POST {where}: {getattr(exc, 'reason', exc)}") from None


class _Email(_Base):
    def __init__(self, cfg: EmailSink) -> None:
        super().__init__(cfg)
        self.retries, self.backoff_s, self.backoff_max_s = (
            cfg.retries,
            cfg.backoff_s,
            cfg.backoff_max_s,
        )

    def message(self, item: Outgoing) -> EmailMessage:
        cfg: EmailSink = self.cfg  # type: ignore[assignment]
        body = json.loads(item.payload)
        msg = EmailMessage()
        msg["Subject"] = f"[navwatch] {body.get('summary', item.kind)}"[:250]
        msg["From"] = cfg.from_addr
        msg["To"] = ", ".join(cfg.to)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = f"<{item.alert_id}@navwatch>"
        if item.ref_alert_id:
            msg["In-Reply-To"] = f"<{item.ref_alert_id}@navwatch>"
            msg["References"] = f"<{item.ref_alert_id}@navwatch>"
        msg["X-Navwatch-Alert-Id"] = item.alert_id
        msg["X-Navwatch-Alert-Kind"] = item.kind
        msg.set_content(
            f"{body.get('summary', '')}\n\n{json.dumps(body, indent=2, sort_keys=True)}\n"
        )
        return msg

    def send(self, item: Outgoing) -> None:
        cfg: EmailSink = self.cfg  # type: ignore[assignment]
        ctx = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
        where = f"smtp {cfg.host}:{cfg.port}"
        try:
            if cfg.ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout_s, context=ctx
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
            try:
                smtp.ehlo()
                if cfg.starttls:
                    smtp.starttls(context=ctx)
                    smtp.ehlo()
                if cfg.username is not None:
                    smtp.login(
                        cfg.username.reveal(),
                        cfg.password.reveal() if cfg.password is not None else "",
                    )
                smtp.send_message(self.message(item))
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"{where}: recipients refused: {sorted(exc.recipients)}", retryable=False
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{where}: authentication failed ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"{where}: {exc.smtp_code} {exc.smtp_error!r}",
                retryable=not 500 <= exc.smtp_code < 600,
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}") from None


def make_sink(cfg: Sink) -> _Base:
    return {ConsoleSink: _Console, JsonlSink: _Jsonl, WebhookSink: _Webhook, EmailSink: _Email}[
        type(cfg)
    ](cfg)


def _deliver_sink(
    store: Store, sink: _Base, deadline: float, stop: threading.Event | None
) -> dict[str, int]:
    counts = {"delivered": 0, "failed": 0, "rejected": 0, "queued": 0}
    while time.time() < deadline and not (stop is not None and stop.is_set()):
        batch = store.pending(sink.name)
        if not batch:
            return counts
        for item in batch:
            now = time.time()
            if item.next_attempt_at > now or now >= deadline:
                counts["queued"] += 1
                return counts
            attempts = item.attempts
            err: DeliveryError | None = None
            for k in range(sink.retries):
                attempts += 1
                try:
                    sink.send(item)
                    err = None
                    break
                except DeliveryError as exc:
                    err = exc
                    if not exc.retryable:
                        break
                    pause = min(sink.backoff_s * 2**k, sink.backoff_max_s)
                    if k + 1 < sink.retries and time.time() + pause < deadline:
                        time.sleep(pause)
                    else:
                        break
            if err is None:
                store.mark(item.alert_id, sink.name, status="delivered", attempts=attempts)
                counts["delivered"] += 1
                log.info("sink %s: delivered %s alert %s", sink.name, item.kind, item.alert_id)
            elif not err.retryable:
                store.mark(
                    item.alert_id, sink.name, status="rejected", attempts=attempts, error=str(err)
                )
                counts["rejected"] += 1
                log.error(
                    "sink %s: alert %s rejected, not retried: %s", sink.name, item.alert_id, err
                )
            else:
                wait = min(sink.backoff_s * 2 ** max(attempts - 1, 0), sink.backoff_max_s)
                store.mark(
                    item.alert_id,
                    sink.name,
                    status="pending",
                    attempts=attempts,
                    next_attempt_at=time.time() + wait,
                    error=str(err),
                )
                counts["failed"] += 1
                log.warning(
                    "sink %s: alert %s not delivered (%s); %d attempt(s), next in %.1f s; later alerts wait behind it",
                    sink.name,
                    item.alert_id,
                    err,
                    attempts,
                    wait,
                )
                return counts
    return counts


def deliver(
    store: Store,
    sinks: list[_Base],
    *,
    timeout_s: float = 60.0,
    stop: threading.Event | None = None,
) -> dict[str, dict[str, int]]:
    """Send queued alerts to every sink (sinks in parallel, each in order); returns counts."""
    if not sinks:
        return {}
    deadline = time.time() + timeout_s
    with ThreadPoolExecutor(max_workers=len(sinks), thread_name_prefix="navwatch-sink") as pool:
        futs = {s.name: pool.submit(_deliver_sink, store, s, deadline, stop) for s in sinks}
        out = {}
        for name, f in futs.items():
            try:
                out[name] = f.result()
            except Exception as exc:  # the database went away mid-delivery: retry next tick
                log.error("sink %s: delivery stopped: %s: %s", name, type(exc).__name__, exc)
                out[name] = {"error": 1}
        return out
