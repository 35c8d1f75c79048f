"""Quarantine: where rejected input goes, with file, line and reason.

Nothing navwatch reads is dropped silently. A reader that meets a bad row (unparseable line, bad
NMEA checksum, lat 91 / lon 181 "not available", 0/0, unparseable time, ...) records it here and
carries on; the run reports counts by ``code`` and can write the rows to a file
(:func:`navwatch.io.writers.write_quarantine`).

Columns: ``file``, ``line`` (1-based line, or row for tabular formats), ``code`` (a short stable
key such as ``bad_checksum``), ``reason`` (human text) and ``raw`` (the offending text, truncated).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import SchemaError

COLUMNS = ["file", "line", "code", "reason", "raw"]
_RAW_MAX = 300


class Quarantine:
    """Collector of rejected rows.

    Examples
    --------
    >>> q = Quarantine()
    >>> q.add("a.csv", 3, "bad_time", "time 'yesterday' is not a date", "yesterday,1,2")
    >>> len(q), q.counts().to_dict()
    (1, {'bad_time': 1})
    """

    def __init__(self) -> None:
        self._rows: list[tuple] = []
        self._frames: list[pd.DataFrame] = []

    def add(self, file: object, line: int | None, code: str, reason: str, raw: object = "") -> None:
        """Record one rejected row."""
        self._rows.append((str(file), line, code, reason, _clip(raw)))

    def add_frame(self, frame: pd.DataFrame) -> None:
        """Record many rejected rows at once; ``frame`` has the :data:`COLUMNS`."""
        if len(frame):
            missing = [c for c in COLUMNS if c not in frame.columns]
            if missing:
                raise SchemaError(f"quarantine frame lacks {missing}")
            f = frame[COLUMNS].copy()
            f["raw"] = f["raw"].astype("string").str.slice(0, _RAW_MAX)
            self._frames.append(f)

    def extend(self, other: Quarantine) -> None:
        """Take every row of another collector."""
        self._rows.extend(other._rows)
        self._frames.extend(other._frames)

    def to_frame(self) -> pd.DataFrame:
        """All rejected rows, in the order they were recorded."""
        parts = list(self._frames)
        if self._rows:
            parts.append(pd.DataFrame(self._rows, columns=COLUMNS))
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).astype(
                {
                    "file": "string",
                    "line": "Int64",
                    "code": "string",
                    "reason": "string",
                    "raw": "string",
                }
            )
        out = pd.concat(parts, ignore_index=True)
        return out.astype(
            {
                "file": "string",
                "line": "Int64",
                "code": "string",
                "reason": "string",
                "raw": "string",
            }
        )

    def counts(self) -> pd.Series:
        """Number of rejected rows by ``code``, largest first."""
        f = self.to_frame()
        return (
            f["code"].value_counts().rename("rows")
            if len(f)
            else pd.Series(dtype="int64", name="rows")
        )

    def __len__(self) -> int:
        return len(self._rows) + sum(len(f) for f in self._frames)

    def write(self, path: str | Path) -> Path:
        """Write the rejected rows as CSV (or Parquet if the name ends in ``.parquet``); see
        :func:`navwatch.io.writers.write_quarantine`."""
        from .io.writers import write_quarantine  # navwatch.io imports this module

        return write_quarantine(self, path)


def _clip(raw: object) -> str:
    text = "" if raw is None else str(raw)
    return text if len(text) <= _RAW_MAX else text[: _RAW_MAX - 1] + "…"
