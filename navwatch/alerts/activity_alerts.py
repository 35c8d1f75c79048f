"""Activity events (``schema.ACTIVITY`` rows) as alerts: what identifies a change, which flags
retract, readable summaries per type, and the nearest port named for context.

Pure functions of a record (an activity row made JSON-ready by
:func:`navwatch.alerts.alerting.event_record`), except :func:`with_nearest_port`, which reads the
port zones. The planner (:mod:`navwatch.alerts.alerting`) decides new/update/retraction.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..activity import EVENT_TYPES
from ..zones import ZoneIndex

__all__ = [
    "ACTIVITY_SIG_FIELDS",
    "RETRACTED",
    "activity_summary",
    "is_activity",
    "is_retracted",
    "with_nearest_port",
]

#: An activity event's alert-worthy content: a change to any of these is an *update*. Type
#: specific: a gap's ``likely_intentional``, a jamming event's displaced ``vessels``, an identity
#: change's ``new_value``. (Positions, distances and speeds that move with every fix are not.)
ACTIVITY_SIG_FIELDS = (
    "start",
    "end",
    "confidence",
    "flags",
    "likely_intentional",
    "vessels",
    "new_value",
)
#: The flag incremental activity detection adds to an event that disappeared.
RETRACTED = "retracted"
#: Flags the summary already says in words.
_SAID = {"two_places", "displaced", "jamming", "no_port_nearby", RETRACTED}


def is_activity(rec: dict[str, Any]) -> bool:
    """Whether a record is an activity event (it has an ``event_type``), not a port event."""
    return rec.get("event_type") in EVENT_TYPES


def flag_set(flags: Any) -> set[str]:
    return {f.strip() for f in str(flags or "").split(";") if f.strip()}


def is_retracted(rec: dict[str, Any]) -> bool:
    """Whether the detector re-reported this activity event as gone."""
    return RETRACTED in flag_set(rec.get("flags"))


# ----------------------------------------------------------------------------------------------
# context added by the watcher: the nearest port


def with_nearest_port(events: pd.DataFrame, zones: ZoneIndex) -> pd.DataFrame:
    """``events`` with the zone nearest to ``lat``/``lon`` added (:meth:`ZoneIndex.nearest_zones`):
    ``nearest_port`` (its port; None when no zone is within ~1,000 km), ``nearest_port_tier``
    (harbour, anchorage, operating_area, ...) and ``nearest_port_km`` (0 inside it).

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> zi = ZoneIndex(gpd.GeoDataFrame({"port": ["A", "B"]},
    ...     geometry=[box(0, 0, 0.1, 0.1), box(1, 0, 1.1, 0.1)], crs=4326))
    >>> ev = with_nearest_port(pd.DataFrame({"lon": [0.3, 40.0], "lat": [0.05, 0.0]}), zi)
    >>> ev["nearest_port"].tolist(), ev["nearest_port_km"].round().tolist()
    (['A', <NA>], [22.0, nan])
    """
    out = events.copy()
    lon = pd.to_numeric(out["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(out["lat"], errors="coerce").to_numpy(float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    zone = np.full(len(out), -1, np.int64)
    km = np.full(len(out), np.nan)
    if ok.any() and len(zones):
        zone[ok], km[ok] = zones.nearest_zones(lon[ok], lat[ok])
    found = zone >= 0
    km[~found] = np.nan
    port: list[str | None] = [None] * len(out)
    tier: list[str | None] = [None] * len(out)
    for i in np.flatnonzero(found):
        port[i], tier[i] = str(zones.port[zone[i]]), str(zones.tier[zone[i]])
    out["nearest_port"] = pd.array(port, dtype="string")
    out["nearest_port_tier"] = pd.array(tier, dtype="string")
    out["nearest_port_km"] = km
    return out


# ----------------------------------------------------------------------------------------------
# summaries


def _f(v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return math.nan
    return x


def _t(iso: Any) -> pd.Timestamp | None:
    return None if not iso else pd.Timestamp(iso).tz_convert("UTC")


def _when(rec: dict[str, Any]) -> str:
    """``2024-12-04 06:10-08:40 UTC`` (one day) or ``2024-12-04 23:10 - 2024-12-05 01:40 UTC``."""
    a, b = _t(rec.get("start")), _t(rec.get("end"))
    if a is None:
        return "at an unknown time"
    if b is None or b == a:
        return f"{a:%Y-%m-%d %H:%M} UTC"
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}-{b:%H:%M} UTC"
    return f"{a:%Y-%m-%d %H:%M} - {b:%Y-%m-%d %H:%M} UTC"


def _latlon(lat: float, lon: float) -> str:
    return f"{abs(lat):.2f}{'N' if lat >= 0 else 'S'} {abs(lon):.2f}{'E' if lon >= 0 else 'W'}"


def _where(rec: dict[str, Any]) -> str:
    """``near 34.90N 35.40E, 42 km from Tartus`` (the nearest zone: ``Tartus (operating area)``
    when not a harbour; ``inside ...`` at 0 km)."""
    lat, lon = _f(rec.get("lat")), _f(rec.get("lon"))
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "at an unknown position"
    text = f"near {_latlon(lat, lon)}"
    port, km = rec.get("nearest_port"), _f(rec.get("nearest_port_km"))
    if port and math.isfinite(km):
        tier = str(rec.get("nearest_port_tier") or "harbour")
        zone = port if tier == "harbour" else f"{port} ({tier.replace('_', ' ')})"
        text += f", inside {zone}" if km == 0 else f", {km:.0f} km from {zone}"
    elif "nearest_port" in rec:
        text += ", no port within 1,000 km"
    return text


def _who(rec: dict[str, Any], other: bool = False) -> str:
    p = "other_" if other else ""
    name = rec.get(f"{p}vessel_name") or ""
    if name:
        return str(name)
    vid = str(rec.get(f"{p}vessel_id") or "")
    if vid.startswith("mmsi:"):
        return f"MMSI {vid[5:]}"
    return vid or "unknown vessel"


def _gap(rec: dict[str, Any]) -> str:
    a, b = _t(rec.get("start")), _t(rec.get("end"))
    text = f"{_who(rec)} went dark for {_f(rec.get('duration_h')):.1f} h"
    if a is not None:
        text += f" from {a:%Y-%m-%d %H:%M} UTC"
    text += f" {_where(rec)}"
    if b is not None:
        text += f"; reappeared {b:%Y-%m-%d %H:%M} UTC"
        km = _f(rec.get("distance_km"))
        if math.isfinite(km):
            text += f" {km:.0f} km away"
    if rec.get("likely_intentional") is True:
        text += "; likely intentional"
    return text


def _pair(rec: dict[str, Any], what: str) -> str:
    text = f"{_who(rec)} and {_who(rec, True)}: {what} {_when(rec)} {_where(rec)}"
    dist, kn = _f(rec.get("median_distance_m")), _f(rec.get("median_speed_kn"))
    if math.isfinite(dist):
        text += f", {dist:.0f} m apart"
    if math.isfinite(kn):
        text += f", {kn:.1f} kn"
    return text


def _loitering(rec: dict[str, Any]) -> str:
    text = (
        f"{_who(rec)}: loitering for {_f(rec.get('duration_h')):.1f} h {_when(rec)} {_where(rec)}"
    )
    radius, kn = _f(rec.get("radius_m")), _f(rec.get("median_speed_kn"))
    if math.isfinite(radius):
        text += f", within {radius:.0f} m"
    if math.isfinite(kn):
        text += f", {kn:.1f} kn"
    return text


def _spoofing(rec: dict[str, Any]) -> str:
    flags, km = flag_set(rec.get("flags")), _f(rec.get("distance_km"))
    apart = f", {km:.0f} km apart" if math.isfinite(km) else ""
    if "jamming" in flags:
        ids = [v for v in str(rec.get("vessels") or "").split(";") if v]
        shown = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
        return f"jamming or spoofing: {len(ids)} vessels displaced together ({shown}) {_when(rec)} {_where(rec)}"
    if "two_places" in flags:
        other = _latlon(_f(rec.get("end_lat")), _f(rec.get("end_lon")))
        return f"{_who(rec)}: in two places at once {_when(rec)}, {_where(rec)} and near {other}{apart}"
    off = f" {km:.0f} km off its track" if math.isfinite(km) else ""
    return f"{_who(rec)}: positions displaced{off} {_when(rec)} {_where(rec)}"


def _identity(rec: dict[str, Any]) -> str:
    a, b = _t(rec.get("start")), _t(rec.get("end"))
    span = f"between {a:%Y-%m-%d %H:%M} and {b:%Y-%m-%d %H:%M} UTC" if a and b else _when(rec)
    mmsi = f" (MMSI {rec['mmsi']})" if rec.get("mmsi") is not None else ""
    return (
        f"{_who(rec)}{mmsi}: {rec.get('field') or 'identity'} changed from "
        f"{rec.get('old_value')!r} to {rec.get('new_value')!r} {span} {_where(rec)}"
    )


def activity_summary(kind: str, rec: dict[str, Any]) -> str:
    """One line about an activity alert: who, what, when (UTC), where, confidence, flags.

    >>> activity_summary("new", {"event_type": "replenishment", "vessel_name": "Yelnya",
    ...     "other_vessel_name": "Admiral Grigorovich", "start": "2024-12-04T06:10:00Z",
    ...     "end": "2024-12-04T08:40:00Z", "lat": 34.9, "lon": 35.4, "median_distance_m": 180.0,
    ...     "median_speed_kn": 12.0, "confidence": 0.9, "flags": "oiler",
    ...     "nearest_port": "Tartus", "nearest_port_km": 42.4})
    'Yelnya and Admiral Grigorovich: replenishment at sea 2024-12-04 06:10-08:40 UTC near 34.90N 35.40E, 42 km from Tartus, 180 m apart, 12.0 kn (confidence 0.90) [oiler]'
    """
    et = rec.get("event_type")
    if et == "gap":
        text = _gap(rec)
    elif et == "replenishment":
        text = _pair(rec, "replenishment at sea")
    elif et == "encounter":
        text = _pair(rec, "encounter at sea")
    elif et == "loitering":
        text = _loitering(rec)
    elif et == "spoofing":
        text = _spoofing(rec)
    elif et == "identity_change":
        text = _identity(rec)
    else:
        text = f"{_who(rec)}: {et} {_when(rec)} {_where(rec)}"
    head = {"new": "", "update": "UPDATE: ", "retraction": "RETRACTED: "}[kind]
    text = f"{head}{text} (confidence {_f(rec.get('confidence') or 0):.2f})"
    shown = sorted(flag_set(rec.get("flags")) - _SAID)
    return text + (f" [{';'.join(shown)}]" if shown else "")
