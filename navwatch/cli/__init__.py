"""The ``navwatch`` command line. Each command parses arguments, calls one job of
:mod:`navwatch.jobs` (``demo``: several in turn; ``watch``: the watcher of
:mod:`navwatch.alerts`), prints what it did and turns a :class:`~navwatch.errors.NavwatchError`
into a clean message and exit code 1.

Exit codes: 0 success; 1 an input, registry, ports file or setting could not be used (the
message names it); 2 bad command-line usage: an unknown option or command, a missing argument, or
an option value that is not valid (an unknown choice, a duration without its unit, a number out
of range, an unknown output format), refused before any input is read, the message naming the
option (the parsers are in ``_common``); 3 ``--strict`` and some rows were quarantined.
"""

from __future__ import annotations

from . import activity as _activity  # noqa: F401
from . import demo as _demo  # noqa: F401
from . import detect as _detect  # noqa: F401  (registers commands)
from . import dispersal as _dispersal  # noqa: F401
from . import imagery as _imagery  # noqa: F401
from . import report as _report  # noqa: F401
from . import watch as _watch  # noqa: F401
from ._common import app


def main() -> None:
    """Entry point of the ``navwatch`` console script."""
    app(prog_name="navwatch")


__all__ = ["app", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
