"""The report page: the folium map, the report's script and data island, its boxes (slider,
legend, dispersal panel) and the layer groups the script fills."""

from __future__ import annotations

from typing import Any, cast

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement

from ..errors import ConfigError
from . import _assets
from ._data import Inputs, seconds, status_counts, tier_label, window
from ._html import (
    activity_legend,
    dispersal_panel,
    esc,
    events_list,
    legend,
    script_json,
    timeline,
)
from ._js import REPORT_CSS, REPORT_JS
from ._layers import STATUS_LABELS, TimeBase, ZoneLayer


class Raw(Element):
    """Markup inserted as is: never parsed as a Jinja template (unlike ``branca.Element``)."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "NavwatchRaw"
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class ReportLayer(MacroElement):
    """The report's styles, script, data island and controls; groups filled by its script."""

    def __init__(self, data: dict, body: str, groups: dict):
        super().__init__()
        self._name = "NavwatchReport"
        self._data = data
        self._body = body
        self._groups = groups

    # branca's Element.render returns the HTML; a MacroElement's renders into its figure
    def render(self, **kwargs) -> None:  # type: ignore[override]
        figure = cast(Figure, self.get_root())
        name = self.get_name()
        css = REPORT_CSS
        if self._data.get("activity", {}).get("events"):
            from ._activity import icon_css

            css += icon_css()
        figure.header.add_child(
            Raw(f"<style>{css}</style>\n<script>{REPORT_JS}</script>"), name=name
        )
        data_id = f"{name}_data"
        island = (
            f'<script type="application/json" id="{data_id}">{script_json(self._data)}</script>'
        )
        figure.html.add_child(Raw(island + self._body), name=name)
        g = self._groups
        assert self._parent is not None  # rendered as a child of the map
        zones = ", ".join(z.get_name() for z in g["zones"])
        named = ", ".join(
            f"{k}: {g[k].get_name()}" for k in ("labels", "tracks", "events", "vessels")
        )
        # (activity types are fixed identifiers: navwatch.report._activity.TYPES)
        act = ", ".join(f"{k}: {v.get_name()}" for k, v in g.get("activity", {}).items())
        # (imagery layer keys are fixed identifiers: scenes, matched, dark)
        img = ", ".join(f"{k}: {v.get_name()}" for k, v in g.get("imagery", {}).items())
        script = (
            f"navwatchReport({self._parent.get_name()}, {{zones: [{zones}], {named}, "
            f"activity: {{{act}}}, imagery: {{{img}}}}}, "
            f'JSON.parse(document.getElementById("{data_id}").textContent));'
        )
        figure.script.add_child(Raw(script), name=name)


def panel(inp: Inputs, fleet: pd.DataFrame | None, tb: TimeBase, events: list[dict]) -> str:
    """The dispersal panel: ``fleet`` over the period, else port-state counts from the states;
    the events marked on its chart."""
    where = inp.port_name
    if fleet is not None:
        fl = window(fleet, "time", inp.since, inp.until)
        title = f"Fleet dispersal{' – ' + where if where else ''}"
    else:
        fl = status_counts(inp.st, inp.codes, seconds(inp.st["time"]), where)
        title = f"Port states{' – in ' + where if where else ''} (from detection)"
    marks = [{"t": e["t"] + tb.t0, "k": e["k"], "title": e["title"]} for e in events]
    return dispersal_panel(
        fl if fl is not None else pd.DataFrame(), title=title, t0_s=0, events=marks
    )


def bounds_of(lat: np.ndarray, lon: np.ndarray, zl: ZoneLayer) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the points, else of the zones drawn, else the world."""
    if len(lat):
        return [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]
    if zl.bounds is not None:
        zb = zl.bounds
        return [[float(zb[1]), float(zb[0])], [float(zb[3]), float(zb[2])]]
    return [[-60.0, -170.0], [70.0, 170.0]]


def base_map(bounds: list[list[float]]) -> folium.Map:
    """The folium map, self-contained: Leaflet inlined, no tiles (the script adds land, and
    tiles when asked for), no other library."""
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(location=centre, zoom_start=6, tiles=None, control_scale=True)
    m.default_js = []
    m.default_css = []
    cast(Figure, m.get_root()).header.add_child(
        Raw(_assets.inline_leaflet_html()), name="navwatch_leaflet", index=0
    )
    return m


def layer_groups(
    m: folium.Map,
    tiers: list[Any],
    activity: dict[str, str] | None = None,
    imagery: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The groups the script fills, added in drawing order (= layer-control order): scene
    footprints after the port names, one per activity type drawn (``activity``: type -> layer
    name) after the events, then the detections (``imagery``: key -> layer name), vessels
    last, so they stay clickable above everything."""
    img = {k: folium.FeatureGroup(name=esc(n)) for k, n in (imagery or {}).items()}
    groups: dict[str, Any] = {
        "zones": [folium.FeatureGroup(name=f"zones: {esc(tier_label(t))}") for t in tiers],
        "labels": folium.FeatureGroup(name="port names"),
        "tracks": folium.FeatureGroup(name="tracks"),
        "events": folium.FeatureGroup(name="departures and arrivals"),
        "activity": {k: folium.FeatureGroup(name=esc(n)) for k, n in (activity or {}).items()},
        "imagery": img,
        "vessels": folium.FeatureGroup(name="vessels"),
    }
    for g in [*groups["zones"], groups["labels"], *([img["scenes"]] if "scenes" in img else [])]:
        g.add_to(m)
    for g in [groups["tracks"], groups["events"], *groups["activity"].values()]:
        g.add_to(m)
    for g in [v for k, v in img.items() if k != "scenes"]:
        g.add_to(m)
    groups["vessels"].add_to(m)
    return groups


IDS = {
    "slider": "nw-slider",
    "legend": "nw-legend",
    "panel": "nw-panel",
    "events": "nw-events",
    "note": "nw-note",
}


def _with_id(html: str, cls: str, key: str) -> str:
    """Give the box of class ``cls`` its id, hidden until the script places it."""
    return html.replace(f'class="{cls}"', f'class="{cls}" id="{IDS[key]}" style="display:none"', 1)


def body(title: str, sub: str, parts: dict[str, str]) -> str:
    """The boxes the script turns into map controls (hidden until it does): the slider with
    the timeline, the legend, the dispersal panel, the events list and the note."""
    slider = (
        f'<div class="nw-box nw-slider" id="{IDS["slider"]}" style="display:none">'
        f'<div class="nw-title">{esc(title)}</div><div class="nw-sub">{esc(sub)}</div>'
        f'<div class="nw-row"><button class="nw-play" type="button">\u25b6 play</button>'
        f'<input type="range" aria-label="report time"></div><div class="nw-time"></div>'
        f"{parts['timeline']}</div>"
    )
    return (
        slider
        + _with_id(parts["legend"], "nw-box nw-legend", "legend")
        + _with_id(parts["panel"], "nw-box nw-panel", "panel")
        + (_with_id(parts["events"], "nw-box nw-events", "events") if parts["events"] else "")
        + f'<div class="nw-box nw-note" id="{IDS["note"]}" style="display:none"></div>'
    )


def data_island(
    tb: TimeBase, zl: ZoneLayer, vessels: list, events: list, extra: dict[str, Any]
) -> dict[str, Any]:
    """What the report's script reads."""
    ids = dict(IDS)
    if not extra.get("has_events_list"):
        ids["events"] = ""
    return {
        "t0": tb.t0,
        "tmin": tb.tmin,
        "tmax": tb.tmax,
        "ids": ids,
        "tiers": [{"name": esc(t), "style": s} for t, s in zip(zl.tiers, zl.styles, strict=True)],
        "zones": zl.json,
        "labels": zl.labels,
        "vessels": vessels,
        "events": events,
        **{k: v for k, v in extra.items() if k != "has_events_list"},
    }


_OSM = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
}


def tile_source(tiles: str | None) -> dict[str, str] | None:
    """The script's tile layer: None, ``osm`` or a URL template with ``{z}``, ``{x}``, ``{y}``."""
    if not tiles:
        return None
    if tiles.lower() in ("osm", "openstreetmap"):
        return dict(_OSM)
    if not all(k in tiles for k in ("{z}", "{x}", "{y}")) or not tiles.startswith(
        ("https://", "http://")
    ):
        raise ConfigError(
            f"tiles: expected 'osm' or a URL template such as https://host/{{z}}/{{x}}/{{y}}.png, got {tiles!r}"
        )
    return {"url": tiles, "attribution": esc(tiles.split("/")[2])}


#: Land is drawn in full detail this far (degrees, ~10 km) around every zone drawn.
DETAIL_PAD_DEG = 0.1
#: Land reaches at least this far (degrees across, before the land module's own padding), so a
#: reader who zooms out from a harbour still sees the coast around it.
LAND_MIN_SPAN_DEG = 2.0
#: Size budget of the land in a report (bytes of GeoJSON).
LAND_BUDGET_BYTES = 1_500_000


def _at_least(bounds: list[list[float]], span: float) -> list[list[float]]:
    """``bounds`` grown about their centre to at least ``span`` degrees each way."""
    (s_, w), (n, e) = bounds
    cy, cx = (s_ + n) / 2, (w + e) / 2
    hy, hx = max(n - s_, span) / 2, max(e - w, span) / 2
    return [[max(cy - hy, -85.0), cx - hx], [min(cy + hy, 85.0), cx + hx]]


def land_layer(bounds: list[list[float]], zi, zl: ZoneLayer) -> dict[str, Any]:
    """The land under the report (:mod:`navwatch.report._land`): GeoJSON clipped to what a
    reader may pan to, in full detail around the zones drawn; or why there is none."""
    from . import _land

    why = _land.why_no_land()
    if why:
        return {"land": None, "land_missing": f"No land drawn: {why}", "land_note": why}
    detail = None
    if len(zl.shown):
        b = shapely.bounds(zi.zones.geometry.to_numpy()[zl.shown])
        d = DETAIL_PAD_DEG
        detail = shapely.box(b[:, 0] - d, b[:, 1] - d, b[:, 2] + d, b[:, 3] + d)
    layer = _land.land_layer(
        _at_least(bounds, LAND_MIN_SPAN_DEG), detail_areas=detail, budget_bytes=LAND_BUDGET_BYTES
    )
    if layer is None:  # pragma: no cover - why_no_land said it was there
        return {"land": None, "land_missing": "No land drawn.", "land_note": "none"}
    note = (
        f"{layer.vertices:,} vertices, {layer.nbytes / 1e6:.2f} MB; simplified to "
        f"{layer.fine_m:.0f} m near the zones, {layer.coarse_m:.0f} m elsewhere"
    )
    return {"land": layer.geojson, "land_source": _land.LAND_SOURCE, "land_note": note}


def parts(
    inp: Inputs,
    fleet,
    tb: TimeBase,
    zl: ZoneLayer,
    vessels: list,
    events: list,
    activity=None,
    imagery: str = "",
) -> dict[str, str]:
    """The HTML of the boxes: legend (with ``imagery``: the imagery layers' legend lines),
    dispersal panel, events list (with the ``activity`` events drawn, an
    :class:`~navwatch.report._activity.ActivityLayer`) and timeline."""
    records = inp.ev.to_dict("records")
    rows = [{**records[e["row"]], "i": i, "_t": e["t"]} for i, e in enumerate(events)]
    act_rows = activity.rows if activity is not None else []
    by_vessel: dict[str, list] = {}
    for e in events:
        by_vessel.setdefault(e["v"], []).append((e["t"], e["k"]))
    strips = [
        {"n": v["n"], "st": v["st"], "ss": v["ss"], "ev": by_vessel.get(v["id"], [])}
        for v in vessels
    ]
    return {
        "legend": legend(
            [(tier_label(t), s) for t, s in zip(zl.tiers, zl.styles, strict=True)],
            [(v["n"], v["c"]) for v in vessels],
            activity_key(activity) + imagery,
        ),
        "panel": panel(inp, fleet, tb, events),
        "events": events_list(rows, act_rows) if rows or act_rows else "",
        "timeline": timeline(strips, tmin=tb.tmin, tmax=tb.tmax, labels=STATUS_LABELS),
    }


def activity_key(activity) -> str:
    """The legend's lines for the activity types drawn, and what the cap left out."""
    if activity is None or not activity.kinds:
        return ""
    from ._activity import STYLES

    note = ""
    if activity.capped:
        note = (
            f"activity: {sum(activity.drawn.values()):,} of {sum(activity.given.values()):,} "
            "events drawn (the most telling of each type)"
        )
    return activity_legend([(STYLES[k]["legend"], STYLES[k]) for k in activity.kinds], note)
