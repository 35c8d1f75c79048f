"""The checks every parameter object shares (``DetectParams``, ``DispersalParams``,
``ActivityParams``): numbers that must be non-negative, and mappings (TOML tables) whose unknown
keys are named. Durations given as text are read by :mod:`navwatch.durations`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

import numpy as np

from .errors import ConfigError


def check_non_negative(obj: Any, names: Iterable[str] | None = None) -> None:
    """Raise :class:`ConfigError` naming ``Class.field`` when a field (default: every field)
    is not a finite number (booleans are not numbers here) or is negative.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class P:
    ...     a_km: float = -1
    >>> check_non_negative(P())
    Traceback (most recent call last):
    navwatch.errors.ConfigError: P.a_km: must be >= 0, got -1
    """
    cls = type(obj).__name__
    for name in names if names is not None else (f.name for f in fields(obj)):
        value = getattr(obj, name)
        if not isinstance(value, int | float) or isinstance(value, bool) or not np.isfinite(value):
            raise ConfigError(f"{cls}.{name}: expected a number, got {value!r}")
        if value < 0:
            raise ConfigError(f"{cls}.{name}: must be >= 0, got {value}")


def check_keys(cls: type, data: dict[str, Any], where: str) -> None:
    """Raise :class:`ConfigError` naming the keys of ``data`` that are not fields of ``cls``
    (a misspelt setting must not be ignored silently)."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"[{where}]: unknown key(s) {unknown}; expected some of {sorted(known)}")
