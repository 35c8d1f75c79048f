"""The one duration parser of navwatch: every duration a user gives (a library parameter such as
``DispersalParams.every``, a configuration value, a command-line option) is read here.

A duration needs its unit: ``6h``, ``30min``, ``1D``, ``90s``, ``1 day 2h`` or ISO 8601
``PT6H``, or a :class:`pandas.Timedelta`, :class:`datetime.timedelta` or ``numpy.timedelta64``.
A bare number (``6``, ``"6"``, ``1.5``) is refused: pandas would read it as nanoseconds. Settings
whose unit is in their name (``stale_after_h``, ``interval_s``) are numbers and are not read here.

The time parser for values *in files* is :mod:`navwatch.io.times`; this module reads parameters,
not files, so that the model (:mod:`navwatch.dispersal`) can use it without importing :mod:`navwatch.io`.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["UNIT_HINT", "parse_duration"]

#: How a duration without a unit is refused.
UNIT_HINT = "add a unit: 6h, 30min, 1D"

_BARE_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _duration_or_reason(value: object) -> str | pd.Timedelta:
    """``value`` as a positive Timedelta, or the reason it is not one."""
    expected = f"expected a duration such as '6h' or '1D', got {value!r}"
    if isinstance(value, bool):
        return expected
    if isinstance(value, pd.Timedelta | dt.timedelta | np.timedelta64):
        td = pd.Timedelta(value)
    elif isinstance(value, numbers.Real):
        return f"{UNIT_HINT} (got {value!r})" if np.isfinite(float(value)) else expected
    elif isinstance(value, str):
        text = value.strip()
        if _BARE_NUMBER.fullmatch(text):
            return f"{UNIT_HINT} (got {value!r})"
        try:
            td = pd.Timedelta(text)
        except (ValueError, TypeError, OverflowError):
            return expected
    else:
        return expected
    if pd.isna(td):
        return expected
    if td <= pd.Timedelta(0):
        return f"must be a positive duration, got {value!r}"
    return td


def parse_duration(value: object, *, what: str) -> pd.Timedelta:
    """A positive duration with its unit, as a :class:`pandas.Timedelta`.

    Parameters
    ----------
    value
        Text with a unit (``"6h"``, ``"30min"``, ``"1D"``, ``"90s"``, ``"PT6H"``), or a
        :class:`pandas.Timedelta`, :class:`datetime.timedelta` or ``numpy.timedelta64``.
    what
        What the value is, for the message (``"DispersalParams.every"``, ``"[dispersal].every"``).

    Raises
    ------
    ConfigError
        ``"{what}: ..."``: a bare number (:data:`UNIT_HINT`), text that is not a duration, a
        zero or negative duration, or a value of another type.

    Examples
    --------
    >>> parse_duration("PT6H", what="every")
    Timedelta('0 days 06:00:00')
    >>> parse_duration("6", what="every")
    Traceback (most recent call last):
    ...
    navwatch.errors.ConfigError: every: add a unit: 6h, 30min, 1D (got '6')
    """
    got = _duration_or_reason(value)
    if isinstance(got, str):
        raise ConfigError(f"{what}: {got}")
    return got
