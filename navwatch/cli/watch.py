"""``navwatch watch``: scheduled departure alerts (see :mod:`navwatch.alerts`)."""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
from pathlib import Path

import typer
from rich.text import Text

from ..errors import NavwatchError
from ._common import EXIT_ERROR, app, err, out

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
CONFIG = typer.Option(
    ...,
    "--config",
    "-c",
    help="TOML configuration (see examples/navwatch.toml).",
    show_default=False,
)


def _plain_errors(fn):
    """Like ``_common.handle_errors``, but prints the message as plain text: config messages
    name keys like ``[watch].interval_s``, which rich markup would swallow."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NavwatchError as exc:
            err.print(Text.assemble(("error:", "bold red"), " ", str(exc)))
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper


@app.command()
@_plain_errors
def watch(
    config: Path = CONFIG,
    once: bool = typer.Option(
        False,
        "--once",
        help="Run one tick (consume input, enqueue alerts, deliver) and exit: for cron and tests.",
    ),
    listen_s: float | None = typer.Option(
        None,
        "--listen-s",
        min=0,
        help="With --once: listen to the live feeds this many seconds before the tick (default [watch].once_listen_s).",
    ),
    print_config: bool = typer.Option(
        False,
        "--print-config",
        help="Print the validated configuration (secrets redacted) as JSON and exit.",
    ),
    upgrade_state: bool = typer.Option(
        False,
        "--upgrade-state",
        help="Upgrade the state database of an older navwatch to this one's schema and exit "
        "(stop every watcher on it first).",
    ),
    status: bool = typer.Option(
        False,
        "--status",
        help="Print each source's health and the imagery files waiting for their partner from "
        "the state database (no network) and exit: 0 when every source is healthy, 1 when one "
        "is silent.",
    ),
    log_level: str = typer.Option("INFO", "--log-level", help=f"One of {', '.join(_LEVELS)}."),
) -> None:
    """Watch sources on a schedule and alert on port events and activity at sea ([alerts] events).

    Runs on the configured APScheduler schedule (interval or cron) until SIGINT/SIGTERM, or one
    tick with --once. State (consumed input, detector state, alert outbox) lives in the configured
    database; alerts are delivered at least once, each with a stable id.
    """
    level = log_level.upper()
    if level not in _LEVELS:
        raise typer.BadParameter(
            f"expected one of {list(_LEVELS)}, got {log_level!r}", param_hint="--log-level"
        )
    # the watcher's modules (SQLAlchemy, the imagery) load when `watch` runs, not with every
    # navwatch command
    from ..alerts import Store, Watcher, load_config, run_scheduled
    from ..alerts.config import redact_url

    cfg = load_config(config)
    if print_config:
        out.print_json(json.dumps(cfg.redacted()))
        return
    if status:
        _status(cfg)
        return
    if upgrade_state:
        store = Store(cfg.state_url.reveal())
        try:
            found, now = store.upgrade()
        finally:
            store.dispose()
        where = redact_url(cfg.state_url.reveal())
        typer.echo(
            f"{where}: schema version {found}, already current"
            if found == now
            else f"{where}: upgraded from schema version {found} to {now}"
        )
        return
    logging.basicConfig(
        level=getattr(logging, level),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    watcher = Watcher(cfg)
    if not once:
        run_scheduled(watcher)
        return
    try:
        rep = watcher.run_once(listen_s=cfg.once_listen_s if listen_s is None else listen_s)
    finally:
        watcher.close()
    if rep is not None:
        done = ", ".join(
            f"{k} {v.get('delivered', 0)}"
            + (
                f" ({v['queued'] + v['failed']} queued)"
                if v.get("queued") or v.get("failed")
                else ""
            )
            for k, v in rep.delivered.items()
        )
        typer.echo(
            f"tick {rep.tick}: {rep.rows} observation(s), {len(rep.alerts)} alert(s) enqueued; delivered: {done or 'no sinks'}"
        )


def _status(cfg) -> None:
    """``--status``: per-source health from the state database; exit 1 when a source is silent."""
    from ..alerts import Store
    from ..alerts.health import health_report, status_lines
    from ..alerts.imagery import pending_lines

    store = Store(cfg.state_url.reveal())
    try:
        store.create()
        rows = store.health_rows()
        pending = store.pending_imagery()
        scenes = store.scene_meta()
        buffered = store.ais_buffer_size()
    finally:
        store.dispose()
    rep = health_report(rows, cfg.health, time.time_ns())
    for line in status_lines(rep):
        typer.echo(line)
    im = cfg.imagery
    for line in pending_lines(pending, scenes, time.time(), im.pending_max_h, im.empty_scene_h):
        typer.echo(line)
    if pending or scenes or buffered:
        typer.echo(f"AIS buffer for late imagery: {buffered} position(s)")
    if not rep["healthy"]:
        raise typer.Exit(1)
