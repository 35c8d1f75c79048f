"""Column recognition, in one place: :func:`recognise_columns`.

Source column names are compared case-insensitively with punctuation removed
(``base_date_time`` == ``BaseDateTime``, ``# Timestamp`` == ``timestamp``) against the synonym
lists in :data:`SYNONYMS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...errors import IngestError

#: Canonical column -> recognised source names, after :func:`normalise_name`, best first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "time": (
        "time",
        "timestamp",
        "datetime",
        "basedatetime",
        "datetimeutc",
        "timeutc",
        "timestamputc",
        "t",
    ),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "mmsi": ("mmsi",),
    "imo": ("imo", "imonumber", "imono"),
    "callsign": ("callsign", "call"),
    "name": ("name", "vesselname", "shipname"),
    "vessel": ("vessel",),
    "ship_type": ("shiptype", "vesseltype"),
    "sog_kn": ("sogkn", "sog", "speed", "speedkn", "speedknots"),
    "cog_deg": ("cogdeg", "cog", "course"),
    "heading_deg": ("headingdeg", "heading", "trueheading", "hdg"),
    "nav_status": ("navstatus", "navigationalstatus", "navigationstatus", "status"),
    "kind": ("kind",),
    "port": ("port",),
    "coverage": ("coverage",),
    "source": ("source",),
    "confidence": ("confidence",),
    "notes": ("notes", "note", "comment", "comments"),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(name: object) -> str:
    """A column name lower-cased with everything but letters and digits removed.

    Examples
    --------
    >>> normalise_name("# Timestamp"), normalise_name("base_date_time")
    ('timestamp', 'basedatetime')
    """
    return _NON_ALNUM.sub("", str(name).lower())


def recognise_columns(names: Iterable[object]) -> dict[str, str]:
    """Map canonical column names to the source columns that carry them.

    Each canonical column takes the first source column matching its best synonym; a source
    column is used at most once.

    Examples
    --------
    >>> recognise_columns(["Timestamp", "Lat", "LNG", "MMSI", "Speed", "extra"])
    {'time': 'Timestamp', 'lat': 'Lat', 'lon': 'LNG', 'mmsi': 'MMSI', 'sog_kn': 'Speed'}
    """
    texts = [str(n) for n in names]
    norm = [normalise_name(n) for n in texts]
    used: set[int] = set()
    out: dict[str, str] = {}
    for canon, synonyms in SYNONYMS.items():
        for syn in synonyms:
            hit = next((i for i, n in enumerate(norm) if n == syn and i not in used), None)
            if hit is not None:
                out[canon] = texts[hit]
                used.add(hit)
                break
    return out


def _require(
    path: object, names: Sequence[str], found: dict[str, str], needed: Sequence[str], what: str
) -> None:
    missing = [c for c in needed if c not in found]
    if missing:
        expect = "; ".join(f"{c}: one of {list(SYNONYMS[c])}" for c in missing)
        raise IngestError(
            path,
            f"not a {what}: no column for {missing} (expected {expect}); columns found: {list(names)[:40]}",
        )
