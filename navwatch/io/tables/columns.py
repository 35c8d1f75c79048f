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
    # NOAA/DMA ``Length``/``Width`` (metres); AIS dimensions A-D are read by :data:`AIS_DIMENSIONS`
    "length_m": ("lengthm", "length", "shiplength", "vessellength"),
    "beam_m": ("beamm", "beam", "width", "widthm", "shipwidth", "vesselwidth"),
    "kind": ("kind",),
    "port": ("port",),
    "coverage": ("coverage",),
    "source": ("source",),
    "confidence": ("confidence",),
    "notes": ("notes", "note", "comment", "comments"),
}

#: AIS dimension columns (metres from the position reference to bow, stern, port, starboard):
#: read into ``length_m``/``beam_m`` (A + B, C + D) when a table has no length/width column.
#: Keys are the reader's own (not canonical columns), values the recognised names.
AIS_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "_dim_a": ("a", "tobow", "dima", "dimensiona"),
    "_dim_b": ("b", "tostern", "dimb", "dimensionb"),
    "_dim_c": ("c", "toport", "dimc", "dimensionc"),
    "_dim_d": ("d", "tostarboard", "dimd", "dimensiond"),
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
    column is used at most once. A table with AIS dimensions (``A``, ``B``, ``C``, ``D`` or
    ``to_bow``, ...; :data:`AIS_DIMENSIONS`) and no length or width column gives them under
    the keys ``_dim_a`` .. ``_dim_d`` (both of a pair, or neither), for ``length_m``/``beam_m``.

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
    for canon, parts in (("length_m", ("_dim_a", "_dim_b")), ("beam_m", ("_dim_c", "_dim_d"))):
        hits = [_first(norm, AIS_DIMENSIONS[k], used) for k in parts]
        if canon not in out and None not in hits:
            for k, i in zip(parts, hits, strict=True):
                out[k] = texts[i]  # type: ignore[index]
                used.add(i)  # type: ignore[arg-type]
    return out


def _first(norm: list[str], synonyms: Sequence[str], used: set[int]) -> int | None:
    """Index of the first unused name matching the best synonym that matches; None if none."""
    for syn in synonyms:
        hit = next((i for i, n in enumerate(norm) if n == syn and i not in used), None)
        if hit is not None:
            return hit
    return None


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
