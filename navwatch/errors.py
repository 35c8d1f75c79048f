"""The navwatch error hierarchy.

Every error navwatch raises on purpose derives from :class:`NavwatchError`, so callers can catch
one type. Messages say what was expected, what arrived and where (file, line) when that is known.
"""

from __future__ import annotations


class NavwatchError(Exception):
    """Root of all navwatch errors."""


class SchemaError(NavwatchError, ValueError):
    """A table does not have the columns or dtypes navwatch expects."""


class IngestError(NavwatchError, OSError):
    """A file could not be read at all (missing, unknown format, unreadable, wrong encoding).

    Rows that are bad *inside* a readable file are not errors: they go to the quarantine.
    """

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):  # picklable, so a Dask worker's error reaches the client intact
        return (type(self), (self.path, self.reason))


class RegistryError(NavwatchError, ValueError):
    """The vessel registry is malformed (missing columns, duplicate ids, ...)."""


class PortsError(NavwatchError, ValueError):
    """The ports file is malformed or names an unknown port."""


class ConfigError(NavwatchError, ValueError):
    """A parameter or configuration value is invalid."""


class NotFoundError(NavwatchError, KeyError):
    """A lookup names something a result does not have (a time step, a vessel)."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class StateError(NavwatchError):
    """The watcher's state database cannot be used (unreachable, wrong schema version)."""


class StateConflict(NavwatchError):
    """Another watcher committed a tick since this one read its snapshot; nothing was written."""


class DeliveryError(NavwatchError):
    """An alert could not be sent; ``retryable`` False means the receiver rejected it for good."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
