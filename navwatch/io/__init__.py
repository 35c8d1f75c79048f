"""Readers (and writers) for observations. I/O lives here; the core never opens files.

:func:`read_observations` auto-detects each file's format by content and returns one canonical
observation table (see :mod:`navwatch.schema`). Bad rows go to a :class:`~navwatch.quarantine.Quarantine`.
"""

from __future__ import annotations
