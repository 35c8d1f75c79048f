"""Activity at sea on the map report (issue 13): the events of :mod:`navwatch.activity` as data
for the report's script, one layer per type.

An activity table (``schema.ACTIVITY``: :func:`navwatch.activity.detect_activity`, or a file
written by ``navwatch activity``, read with :func:`read_activity`) is checked
(:func:`check_activity`), kept to the report's period and focus (:func:`focus`), capped
(:func:`select`) and turned into drawable entries (:func:`layer`):

=================  ==========================================================================
type               drawn as
=================  ==========================================================================
encounter          a link line between the two vessels' positions at the event's middle time
replenishment      (from the report's tracks; the event's position for a vessel without a
                   track there) and a marker at the event's position; ``oiler`` ringed
loitering          the area it stayed in (``radius_m``, at least :data:`MIN_RADIUS_M`) ringed in
                   the vessel's colour, and a marker at its centre filled with that colour
gap                a dashed line from where AIS went off to where it came back on (red: likely
                   intentional), a marker at "off" and a hollow dot at "on"
spoofing           a flagged marker: ``two_places`` both places linked, ``displaced`` the
                   displaced position linked to the track it left, ``jamming`` one marker
                   naming the vessels
identity_change    a marker; old -> new value in its tooltip and popup
=================  ==========================================================================

Every string reaching the page is escaped here or in :mod:`navwatch.report._html`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..schema import TIME_DTYPE
from ._data import registry_frame, seconds, str_values
from ._html import ACTIVITY_LABELS, activity_popup, activity_row, esc

#: The activity types the report draws, in layer order.
TYPES = ("encounter", "replenishment", "loitering", "gap", "spoofing", "identity_change")
#: At most this many activity events are drawn by default (the most telling of each type; see
#: :func:`select`): thousands of events from an --all-vessels archive would weigh megabytes.
MAX_EVENTS = 1000
#: Loitering areas are drawn at least this large (metres), around a marker of fixed size.
MIN_RADIUS_M = 250.0
#: A vessel's position for a link line comes from its fixes at most this far outside the event.
TRACK_SLACK_S = 3600

_REQUIRED = ("event_type", "start", "end", "lat", "lon")
_FLOATS = (
    "duration_h", "lat", "lon", "end_lat", "end_lon", "radius_m", "confidence",
    "distance_from_port_km", "median_distance_m", "median_speed_kn", "distance_km",
    "implied_speed_kn", "positions_before",
)  # fmt: skip
_TEXTS = (
    "event_id", "vessel_id", "vessel_name", "other_vessel_id", "other_vessel_name", "evidence",
    "flags", "field", "old_value", "new_value", "vessels",
)  # fmt: skip


def _icon(name: str, shape: str, size: int = 18, css: str = "") -> dict[str, Any]:
    """A marker icon: constant SVG markup (never data), ``size`` CSS pixels square. The map
    draws it as an empty ``div`` of class ``nw-ai-<name>`` whose background is the SVG (or
    ``css``): a thousand markers with SVG inside them take the browser twice as long to lay out
    (see :func:`icon_css`); the legend shows the SVG."""
    return {
        "html": f'<svg width="{size}" height="{size}" viewBox="0 0 18 18">{shape}</svg>',
        "size": size,
        "cls": f"nw-ai-{name}",
        "css": css,
    }


_DIAMOND = '<path d="M9 1.2 16.8 9 9 16.8 1.2 9Z" fill="{f}" stroke="#fff" stroke-width="1.6"/>'
_HULLS = (
    '<ellipse cx="5.6" cy="9" rx="4.2" ry="7" fill="{f}" stroke="{s}" stroke-width="1.6"/>'
    '<ellipse cx="12.4" cy="9" rx="4.2" ry="7" fill="{f}" stroke="{s}" stroke-width="1.6"/>'
)
_SQUARE = '<rect class="nw-fill" x="2.5" y="2.5" width="13" height="13" rx="2" fill="#999" stroke="#ff7f00" stroke-width="3"/>'
#: The loitering marker as a box: filled with the vessel's colour by the script.
_SQUARE_CSS = "background:#999;border:3px solid #ff7f00;border-radius:3px;box-sizing:border-box"
_PAUSE = (
    '<circle cx="9" cy="9" r="7.8" fill="{f}" stroke="#fff" stroke-width="1.4"/>'
    '<rect x="5.6" y="5" width="2.3" height="8" fill="#fff"/><rect x="10.1" y="5" width="2.3" height="8" fill="#fff"/>'
)
_WARNING = (
    '<path d="M9 1.3 17 16.5H1Z" fill="#ffd92f" stroke="#111" stroke-width="1.6" stroke-linejoin="round"/>'
    '<rect x="8.1" y="6" width="1.8" height="5.6" fill="#111"/><rect x="8.1" y="12.8" width="1.8" height="1.8" fill="#111"/>'
)
_ID = (
    '<rect x="0.8" y="3" width="16.4" height="12" rx="3" fill="#01665e" stroke="#fff" stroke-width="1.2"/>'
    '<text x="9" y="12.3" font-size="8.5" font-weight="bold" fill="#fff" text-anchor="middle" '
    'font-family="sans-serif">ID</text>'
)

#: Layer names, legend wording, and how each type is drawn (the script's styles): ``icon`` the
#: marker (constant SVG), ``line``/``end``/``area`` Leaflet path options; a ``variant`` of an
#: event (``oiler``, ``intentional``, ``jamming``) overrides some of them.
STYLES: dict[str, dict[str, Any]] = {
    "encounter": {
        "label": "Encounters",
        "legend": "encounter: two vessels stopped together (line between them)",
        "icon": _icon("encounter", _DIAMOND.format(f="#7b3294")),
        "line": {"color": "#7b3294", "weight": 3, "opacity": 0.9},
    },
    "replenishment": {
        "label": "Replenishments",
        "legend": "underway replenishment (black outline: an oiler or auxiliary)",
        "icon": _icon("replenishment", _HULLS.format(f="#c51b7d", s="#fff")),
        "line": {"color": "#c51b7d", "weight": 3, "opacity": 0.9, "dashArray": "8 3"},
        "variants": {"oiler": {"icon": _icon("oiler", _HULLS.format(f="#c51b7d", s="#111"))}},
    },
    "loitering": {
        "label": "Loitering",
        "legend": "loitering: the area it stayed in (filled: the vessel's colour)",
        "icon": _icon("loitering", _SQUARE, 16, css=_SQUARE_CSS),
        "area": {"weight": 2, "dashArray": "5 4", "fillColor": "#ff7f00", "fillOpacity": 0.15},
    },
    "gap": {
        "label": "AIS gaps",
        "legend": "AIS gap: dashed from AIS off to back on (red: likely intentional)",
        "icon": _icon("gap", _PAUSE.format(f="#737373")),
        "line": {"color": "#737373", "weight": 2.5, "opacity": 0.9, "dashArray": "6 6"},
        "end": {"radius": 4, "color": "#737373", "weight": 2, "fillColor": "#ffffff"},
        "variants": {
            "intentional": {
                "icon": _icon("intentional", _PAUSE.format(f="#e31a1c")),
                "line": {"color": "#e31a1c"},
                "end": {"color": "#e31a1c"},
            }
        },
    },
    "spoofing": {
        "label": "Spoofing",
        "legend": "spoofing: flagged position (dotted: the other place, or the track it left)",
        "icon": _icon("spoofing", _WARNING),
        "line": {"color": "#111111", "weight": 2, "opacity": 0.8, "dashArray": "2 5"},
        "end": {"radius": 5, "color": "#111111", "weight": 2, "fillColor": "#ffd92f"},
        "variants": {"jamming": {"icon": _icon("jamming", _WARNING, 26)}},
    },
    "identity_change": {
        "label": "Identity changes",
        "legend": "identity change (name, IMO or call sign)",
        "icon": _icon("identity", _ID),
    },
}


def icon_css() -> str:
    """The markers' styles: each icon of :data:`STYLES` as the background of its class (an SVG
    data URI; constant markup)."""
    icons = [st["icon"] for st in STYLES.values()]
    icons += [v["icon"] for st in STYLES.values() for v in st.get("variants", {}).values() if "icon" in v]  # fmt: skip
    rules = []
    for ic in icons:
        css = ic["css"]
        if not css:
            svg = ic["html"].replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
            data = base64.b64encode(svg.encode()).decode()
            css = f'background:url("data:image/svg+xml;base64,{data}") center/contain no-repeat'
        rules.append(f".nw-act.{ic['cls']}{{{css}}}")
    return "\n".join(rules)


# ----------------------------------------------------------------------------------------------
# the table: read, checked, focused, capped


def read_activity(path: str | Path) -> pd.DataFrame:
    """An activity table as ``navwatch activity`` writes it (``.csv``, ``.parquet``,
    ``.geojson`` or ``.gpkg``), read by :func:`navwatch.io.writers.read_table` and checked for
    the report. :class:`~navwatch.errors.IngestError` naming the file when it cannot be read;
    :class:`~navwatch.errors.SchemaError` when it is not an activity table."""
    from ..io.writers import read_table

    return check_activity(read_table(path, "activity"), where=str(path))


def check_activity(df: pd.DataFrame, *, where: str = "activity") -> pd.DataFrame:
    """``df`` with the columns the report reads, typed: times UTC, figures float, texts as
    strings (missing ones empty). :class:`~navwatch.errors.SchemaError` naming ``where`` when a
    required column (event_type, start, end, lat, lon) is missing."""
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{where}: not an activity table: no column(s) {', '.join(missing)} "
            f"(expected the columns of navwatch.schema.ACTIVITY, as `navwatch activity` writes)"
        )
    df = df.reset_index(drop=True)
    out = pd.DataFrame(index=df.index)
    for c in ("start", "end"):
        out[c] = _times(df[c])
    for c in _FLOATS:
        col = df[c] if c in df.columns else pd.Series(np.nan, index=df.index)
        out[c] = pd.to_numeric(col, errors="coerce").astype(float)
    hours = (out["end"] - out["start"]).dt.total_seconds() / 3600.0
    out["duration_h"] = out["duration_h"].fillna(hours)
    for c in ("event_type", *_TEXTS):
        v = str_values(df[c]) if c in df.columns else np.full(len(df), "", dtype=object)
        out[c] = np.array([x if isinstance(x, str) else str(x) for x in v], dtype=object)
    for c in ("mmsi", "other_mmsi"):
        col = df[c] if c in df.columns else pd.Series(np.nan, index=df.index)
        out[c] = pd.to_numeric(col, errors="coerce").astype(float)
    li = df["likely_intentional"] if "likely_intentional" in df.columns else None
    out["likely_intentional"] = _booleans(li, len(df))
    return out


def _times(col: pd.Series) -> pd.Series:
    """Times as UTC (ISO 8601 text as written in CSV and GeoJSON; unreadable ones NaT)."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(col):
        t = pd.to_datetime(col, utc=True)
    else:
        t = pd.to_datetime(col.astype(object), utc=True, errors="coerce", format="ISO8601")
    return t.astype(TIME_DTYPE)


def _booleans(col: pd.Series | None, n: int) -> np.ndarray:
    """``likely_intentional`` as 1 (True), 0 (False) or -1 (unknown), from booleans or text."""
    if col is None:
        return np.full(n, -1, dtype=np.int8)
    text = pd.Series(str_values(col)).astype(str).str.strip().str.lower()
    return np.where(
        text.isin(["true", "1", "1.0", "yes"]),
        1,
        np.where(text.isin(["false", "0", "0.0", "no"]), 0, -1),
    ).astype(np.int8)


def involved(act: pd.DataFrame, ids: set[str]) -> np.ndarray:
    """Rows of ``act`` that involve one of the vessels ``ids``: the vessel, the other vessel,
    or one of a jamming event's ``vessels``."""
    if not len(act):
        return np.zeros(0, dtype=bool)
    hit = act["vessel_id"].isin(ids).to_numpy() | act["other_vessel_id"].isin(ids).to_numpy()
    many = act["vessels"].to_numpy(dtype=object)
    for i in np.flatnonzero(~hit & (act["vessels"] != "").to_numpy()):
        hit[i] = any(v.strip() in ids for v in str(many[i]).split(";"))
    return hit


def overlapping(act: pd.DataFrame, since, until) -> pd.DataFrame:
    """Events overlapping the period: ending at or after ``since``, starting at or before
    ``until`` (an event without an end counts from its start)."""
    if not len(act) or (since is None and until is None):
        return act
    start, end = act["start"], act["end"].fillna(act["start"])
    keep = start.notna().to_numpy().copy()
    if since is not None:
        keep &= (end >= since).to_numpy(bool, na_value=False)
    if until is not None:
        keep &= (start <= until).to_numpy(bool, na_value=False)
    return act[keep]


def focus(act: pd.DataFrame, st: pd.DataFrame, port: str | None, registry) -> pd.DataFrame:
    """With a focus ``port``: the events of the vessels that were in that port during the
    report period (a state ``in`` it) or that the registry gives it as home port."""
    if port is None or not len(act):
        return act
    ids: set[str] = set()
    if len(st) and "state" in st.columns and "port" in st.columns:
        inside = (str_values(st["state"]) == "in") & (str_values(st["port"]) == port)
        ids |= {str(v) for v in pd.unique(str_values(st["vessel_id"])[inside])}
    frame = getattr(registry, "frame", registry)
    if frame is not None and {"home_port", "vessel_id"} <= set(frame.columns):
        ids |= {str(v) for v in frame.loc[frame["home_port"] == port, "vessel_id"]}
    return act[involved(act, ids)]


def select(act: pd.DataFrame, max_events: int) -> np.ndarray:
    """Rows of ``act`` to draw, at most ``max_events``: each type gets an equal share (a type
    with fewer events gives the rest to the others), and within a type the likely intentional
    gaps come first, then by confidence, then by duration. Sorted by start."""
    if len(act) <= max_events:
        return np.argsort(act["start"].to_numpy(), kind="stable")
    kinds = act["event_type"].to_numpy(dtype=object)
    counts = {k: int((kinds == k).sum()) for k in pd.unique(kinds)}
    share = _shares(counts, max_events)
    order = np.lexsort(
        (
            act["start"].to_numpy(),
            -act["duration_h"].fillna(0).to_numpy(),
            -act["confidence"].fillna(0).to_numpy(),
            act["likely_intentional"].to_numpy() != 1,
        )
    )
    rank = np.empty(len(act), dtype=np.int64)
    for k in counts:
        rows = order[kinds[order] == k]
        rank[rows] = np.arange(len(rows))
    keep = np.flatnonzero(rank < np.array([share[k] for k in kinds]))
    return keep[np.argsort(act["start"].to_numpy()[keep], kind="stable")]


def _shares(counts: dict[str, int], total: int) -> dict[str, int]:
    """Water-filling: ``total`` split equally, a type never getting more than it has.

    >>> _shares({"gap": 900, "loitering": 30, "encounter": 200}, 300)
    {'gap': 135, 'loitering': 30, 'encounter': 135}
    """
    share = dict.fromkeys(counts, 0)
    left, open_ = total, [k for k in counts if counts[k]]
    while left > 0 and open_:
        each = max(left // len(open_), 1)
        for k in list(open_):
            add = min(each, counts[k] - share[k], left)
            share[k] += add
            left -= add
            if share[k] >= counts[k]:
                open_.remove(k)
            if left <= 0:
                break
    return share


# ----------------------------------------------------------------------------------------------
# what the script draws


@dataclass
class ActivityLayer:
    """The activity events drawn (``table``), their entries for the script (``json``) and rows
    for the events list, and counts by type of the events in the period and focus (``given``)
    and drawn (``drawn``)."""

    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    json: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[int, str]] = field(default_factory=list)
    given: dict[str, int] = field(default_factory=dict)
    drawn: dict[str, int] = field(default_factory=dict)
    unknown_types: list[str] = field(default_factory=list)

    def label(self, kind: str) -> str:
        """Layer name: ``Encounters (3)``, or ``AIS gaps (1,000 of 5,400)`` when capped."""
        n, of = self.drawn.get(kind, 0), self.given.get(kind, 0)
        count = f"{n:,}" if n == of else f"{n:,} of {of:,}"
        return f"{STYLES[kind]['label']} ({count})"

    @property
    def kinds(self) -> list[str]:
        """The types drawn, in layer order."""
        return [k for k in TYPES if self.drawn.get(k)]

    @property
    def capped(self) -> int:
        """Events in the period and focus that are not drawn (the cap)."""
        return sum(self.given.values()) - sum(self.drawn.values())

    def summary(self) -> dict[str, Any]:
        """What the map report says about its activity layers (``navwatch_summary``)."""
        return {
            "activity": len(self.json),
            "activity_by_type": dict(self.drawn),
            "activity_in_period": sum(self.given.values()),
            "activity_capped": self.capped,
            "activity_unknown_types": list(self.unknown_types),
        }

    def times(self, since, until) -> np.ndarray:
        """When the events drawn appear on the slider: their starts, within the period."""
        if not len(self.table):
            return np.empty(0, dtype=np.int64)
        t = seconds(self.table["start"])
        lo = seconds(pd.Series([since]))[0] if since is not None else None
        hi = seconds(pd.Series([until]))[0] if until is not None else None
        return np.clip(t, lo, hi) if lo is not None or hi is not None else t


def pick(inp, registry, *, max_events: int) -> ActivityLayer:
    """The activity events of the report: ``inp.act`` (already in the period) of the types the
    report draws, kept to the focus port (:func:`focus`), capped (:func:`select`)."""
    out = ActivityLayer()
    act = inp.act
    if act is None or not len(act):
        return out
    known = act["event_type"].isin(TYPES).to_numpy()
    out.unknown_types = sorted(set(act.loc[~known, "event_type"]) - {""})
    ok = known & act["start"].notna().to_numpy() & np.isfinite(act["lat"].to_numpy(float))
    ok &= np.isfinite(act["lon"].to_numpy(float))
    act = focus(act[ok], inp.st, inp.port_name, registry).reset_index(drop=True)
    out.given = {str(k): int(v) for k, v in act["event_type"].value_counts().items()}
    out.table = act.iloc[select(act, max_events)].reset_index(drop=True)
    out.drawn = {str(k): int(v) for k, v in out.table["event_type"].value_counts().items()}
    return out


def points(al: ActivityLayer) -> tuple[np.ndarray, np.ndarray]:
    """Every point the activity layers draw (markers and line ends), for the map's bounds."""
    pts = [p for e in al.json for p in (e["m"], *e.get("ln", ()))]
    if not pts:
        return np.empty(0), np.empty(0)
    arr = np.asarray(pts, dtype=float)
    return arr[:, 0], ((arr[:, 1] + 180.0) % 360.0) - 180.0


def names_of(act: pd.DataFrame, registry) -> dict[str, str]:
    """Raw vessel names by id: the activity table's, else the registry's."""
    names: dict[str, str] = {}
    reg = registry_frame(registry)
    if "name" in reg.columns:
        names.update({str(k): str(v) for k, v in reg["name"].items() if isinstance(v, str) and v})
    for idc, nc in (("vessel_id", "vessel_name"), ("other_vessel_id", "other_vessel_name")):
        for vid, nm in zip(act[idc], act[nc], strict=True):
            if vid and nm:
                names[vid] = nm
    return names


def draw(al: ActivityLayer, inp, tr, tb, registry, colours: dict[str, str]) -> None:
    """Fill ``al.json`` and ``al.rows``: each event drawn placed on the report's tracks, with its
    popup, tooltip and events-list row (``colours``: the report's vessel colours by id)."""
    act = al.table
    if not len(act):
        return
    names, reg = names_of(act, registry), registry_frame(registry)
    t_start = seconds(act["start"])
    t_end = seconds(act["end"].fillna(act["start"]))
    t_show = np.clip(t_start, tb.t0 + tb.tmin, tb.t0 + tb.tmax) - tb.t0
    pos = _pair_positions(inp, tr, act, t_start, t_end)
    for i, rec in enumerate(act.to_dict("records")):
        entry = _entry(rec, pos[i], int(t_show[i]), colours)
        entry["p"] = activity_popup(rec, names, reg)
        al.rows.append((entry["t"], activity_row(rec, names, len(al.json))))
        al.json.append(entry)


def _finite(*values: float) -> bool:
    return all(v is not None and np.isfinite(v) for v in values)


def _pt(lat: float, lon: float) -> list[float]:
    return [round(float(lat), 5), round(float(lon), 5)]


def _towards(a: list[float], lat: float, lon: float) -> list[float]:
    """(lat, lon) with its longitude unwrapped to within 180 degrees of ``a``'s, so a line
    across the antimeridian is drawn the short way."""
    lon = a[1] + ((lon - a[1] + 180.0) % 360.0) - 180.0
    return _pt(lat, lon)


def _entry(rec: dict, pair, t_show: int, colours: dict[str, str]) -> dict[str, Any]:
    """The script's entry of one event (without popup and title): ``k`` type, ``t`` slider time,
    ``m`` marker, ``ln`` line, ``m2`` the other end's dot, ``r`` area radius, ``c`` vessel
    colour, ``s`` style variant."""
    kind = rec["event_type"]
    m = _pt(rec["lat"], rec["lon"])
    e: dict[str, Any] = {"k": kind, "t": t_show, "m": m}
    flags = {f.strip() for f in str(rec.get("flags") or "").split(";")}
    end = (rec["end_lat"], rec["end_lon"])
    if kind in ("encounter", "replenishment"):
        a, b = pair
        e["ln"] = [_pt(*a), _towards(_pt(*a), *b)]
        if kind == "replenishment" and "oiler" in flags:
            e["s"] = "oiler"
    elif kind == "loitering":
        r = rec["radius_m"]
        e["r"] = round(max(float(r) if _finite(r) else 0.0, MIN_RADIUS_M))
        e["c"] = colours.get(rec["vessel_id"], "#ff7f00")
    elif kind == "gap":
        if _finite(*end):
            e["ln"] = [m, _towards(m, *end)]
            e["m2"] = e["ln"][1]
        if rec["likely_intentional"] == 1:
            e["s"] = "intentional"
    elif kind == "spoofing":
        if "jamming" in flags:
            e["s"] = "jamming"
        elif _finite(*end):
            e["ln"] = [m, _towards(m, *end)]
            e["m2"] = e["ln"][1]
    return e


def _pair_positions(inp, tr, act: pd.DataFrame, t_start, t_end) -> list:
    """Per event, the two vessels' positions at the event's middle time from the report's
    tracks (two-vessel events; each falls back to the event's position)."""
    out: list = [None] * len(act)
    two = np.flatnonzero(act["event_type"].isin(["encounter", "replenishment"]).to_numpy())
    if not len(two):
        return out
    mid = (t_start + t_end) // 2
    lat, lon = act["lat"].to_numpy(float), act["lon"].to_numpy(float)
    for col, side in (("vessel_id", 0), ("other_vessel_id", 1)):
        codes = inp.vessel_ids.get_indexer(act[col].to_numpy(dtype=object)[two].astype(str))
        for j, i in enumerate(two):
            p = _track_at(tr, int(codes[j]), int(mid[i]), int(t_start[i]), int(t_end[i]))
            if out[i] is None:
                out[i] = [None, None]
            out[i][side] = p if p is not None else (lat[i], lon[i])
    return out


def _track_at(tr, code: int, t: int, lo_t: int, hi_t: int) -> tuple[float, float] | None:
    """Vessel ``code``'s position at ``t`` (seconds) from its located points: interpolated
    between the fixes either side, or the nearer one, using only fixes within
    :data:`TRACK_SLACK_S` of the event (``lo_t`` .. ``hi_t``); None without any."""
    if code < 0 or not len(tr.code):
        return None
    a = int(np.searchsorted(tr.code, code, side="left"))
    b = int(np.searchsorted(tr.code, code, side="right"))
    if a == b:
        return None
    ts = tr.t[a:b]
    k = int(np.searchsorted(ts, t, side="right")) - 1
    ok = [j for j in (k, k + 1) if 0 <= j < len(ts) and lo_t - TRACK_SLACK_S <= ts[j] <= hi_t + TRACK_SLACK_S]  # fmt: skip
    if not ok:
        return None
    if len(ok) == 2 and ts[k + 1] > ts[k]:
        f = (t - ts[k]) / (ts[k + 1] - ts[k])
        la = tr.lat[a + k] + f * (tr.lat[a + k + 1] - tr.lat[a + k])
        dlo = ((tr.lon[a + k + 1] - tr.lon[a + k] + 180.0) % 360.0) - 180.0
        return float(la), float(tr.lon[a + k] + f * dlo)
    j = min(ok, key=lambda j: abs(int(ts[j]) - t))
    return float(tr.lat[a + j]), float(tr.lon[a + j])


def _for_script(style: dict[str, Any]) -> dict[str, Any]:
    """A type's style as the script reads it: no wording, icons by class and size only."""
    out: dict[str, Any] = {}
    for k, v in style.items():
        if k == "icon":
            out[k] = {"cls": v["cls"], "size": v["size"]}
        elif k == "variants":
            out[k] = {name: _for_script(var) for name, var in v.items()}
        elif k not in ("label", "legend"):
            out[k] = v
    return out


def script_data(al: ActivityLayer) -> dict[str, Any]:
    """What the script reads: the entries, the styles of the types drawn and the popups' row
    labels."""
    return {
        "events": al.json,
        "styles": {k: _for_script(STYLES[k]) for k in al.kinds},
        "labels": [esc(x) for x in ACTIVITY_LABELS] if al.json else [],
    }
