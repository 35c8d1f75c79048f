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
