"""Reading the vessel registry (``vessels.csv``) into a :class:`~navwatch.registry.Registry`.

The registry model and identity resolution live in :mod:`navwatch.registry`; this module reads and
checks the file (columns, ids, MMSI/IMO formats, duplicates), naming file, line and problem.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import RegistryError
from ..registry import COLUMNS, SIZE_COLUMNS, Registry, split_ids

__all__ = ["load_registry"]


def load_registry(path: str | Path | None = None) -> Registry:  # noqa: C901 -- one check per registry rule, each with its own message
    """Load ``vessels.csv`` (or the copy shipped in the package when ``path`` is None).

    Raises :class:`~navwatch.errors.RegistryError` naming the file, row and problem.

    Examples
    --------
    >>> reg = load_registry()
    >>> reg.lookup_name("Jelnja")
    'yelnya'
    """
    if path is None:
        path = Path(__file__).resolve().parents[1] / "data" / "vessels.csv"
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise RegistryError(f"{path}: registry file not found") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot parse as CSV: {exc}") from exc
    frame.columns = [c.strip() for c in frame.columns]
    if "vessel_id" not in frame.columns or "name" not in frame.columns:
        raise RegistryError(
            f"{path}: needs columns vessel_id and name (expected {COLUMNS}); found {list(frame.columns)}"
        )
    for c in COLUMNS:
        if c not in frame.columns:
            frame[c] = ""
    frame = frame.apply(lambda s: s.str.strip())
    for i, row in frame.iterrows():
        line = i + 2
        if not row["vessel_id"]:
            raise RegistryError(f"{path}: line {line}: empty vessel_id")
        for m in split_ids(row["mmsi"]):
            if not re.fullmatch(r"\d{9}", m):
                raise RegistryError(f"{path}: line {line}: mmsi {m!r} is not 9 digits")
        for col in SIZE_COLUMNS:
            v = row[col]
            try:
                ok = v == "" or 0 < float(v) < 500
            except ValueError:
                ok = False
            if not ok:
                raise RegistryError(
                    f"{path}: line {line}: {col} {v!r} is not a length in metres (0-500; empty = unknown)"
                )
        for m in split_ids(row["imo"]):
            if not re.fullmatch(r"(IMO)?\s*\d{7}", m, flags=re.IGNORECASE):
                raise RegistryError(f"{path}: line {line}: imo {m!r} is not 7 digits")
    dup = frame["vessel_id"][frame["vessel_id"].duplicated()]
    if len(dup):
        raise RegistryError(f"{path}: duplicate vessel_id(s) {sorted(set(dup))}")
    for col in ("mmsi", "imo"):
        seen: dict[str, str] = {}
        for vid, cell in zip(frame["vessel_id"], frame[col], strict=True):
            for m in split_ids(cell):
                if m in seen:
                    raise RegistryError(
                        f"{path}: {col} {m} is given to both {seen[m]!r} and {vid!r}"
                    )
                seen[m] = vid
    return Registry(frame[COLUMNS + [c for c in frame.columns if c not in COLUMNS]], path=str(path))
