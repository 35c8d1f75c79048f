"""Scheduled departure alerts: ``navwatch watch``.

Sources (a watched directory, an HTTP(S) URL, live NMEA over TCP/UDP) feed incremental detection
of port events and, for the activity types ``[alerts] events`` names, of activity at sea
(:mod:`navwatch.activity`), whose states live in a database (SQLite by default, PostgreSQL by
URL); each tick commits what it consumed, the states and the alerts it raised in one
transaction, then delivers them
from the outbox to the sinks (console, JSONL, webhook, e-mail) at least once, keyed by a stable
alert id. See ``examples/navwatch.toml`` and the README section "Scheduled departure alerts".
"""

from .config import Config, Secret, load_config, parse_config
from .store import StateConflict, Store
from .watcher import TickReport, Watcher, run_scheduled

__all__ = [
    "Config",
    "Secret",
    "StateConflict",
    "Store",
    "TickReport",
    "Watcher",
    "load_config",
    "parse_config",
    "run_scheduled",
]
