"""The report page: the folium map, the report's script and data island, its boxes (slider,
legend, dispersal panel) and the layer groups the script fills."""

from __future__ import annotations

from typing import Any, cast

import folium
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement

from . import _assets
from ._data import Inputs, seconds, status_counts, tier_label, window
from ._html import dispersal_panel, esc, legend, script_json
from ._js import REPORT_CSS, REPORT_JS
from ._layers import TimeBase, ZoneLayer


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
        figure.header.add_child(
            Raw(f"<style>{REPORT_CSS}</style>\n<script>{REPORT_JS}</script>"), name=name
        )
        data_id = f"{name}_data"
        island = (
            f'<script type="application/json" id="{data_id}">{script_json(self._data)}</script>'
        )
        figure.html.add_child(Raw(island + self._body), name=name)
        g = self._groups
        assert self._parent is not None  # rendered as a child of the map
        zones = ", ".join(z.get_name() for z in g["zones"])
        script = (
            f"navwatchReport({self._parent.get_name()}, {{zones: [{zones}], tracks: {g['tracks'].get_name()}, "
            f"vessels: {g['vessels'].get_name()}, departures: {g['departures'].get_name()}, "
            f"arrivals: {g['arrivals'].get_name()}}}, "
            f'JSON.parse(document.getElementById("{data_id}").textContent));'
        )
        figure.script.add_child(Raw(script), name=name)


def panel(inp: Inputs, fleet: pd.DataFrame | None, tb: TimeBase) -> str:
    """The dispersal panel: ``fleet`` over the period, else port-state counts from the states."""
    where = inp.port_name
    if fleet is not None:
        fl = window(fleet, "time", inp.since, inp.until)
        title = f"Fleet dispersal{' – ' + where if where else ''}"
    else:
        fl = status_counts(inp.st, inp.codes, seconds(inp.st["time"]), where)
        title = f"Port states{' – in ' + where if where else ''} (from detection)"
    return dispersal_panel(fl if fl is not None else pd.DataFrame(), title=title, t0_s=tb.t0)


def bounds_of(lat: np.ndarray, lon: np.ndarray, zl: ZoneLayer) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the points, else of the zones drawn, else the world."""
    if len(lat):
        return [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]
    if zl.bounds is not None:
        zb = zl.bounds
        return [[float(zb[1]), float(zb[0])], [float(zb[3]), float(zb[2])]]
    return [[-60.0, -170.0], [70.0, 170.0]]


def base_map(bounds: list[list[float]], *, offline: bool) -> folium.Map:
    """The folium map: OpenStreetMap tiles online; offline no tiles and Leaflet inlined."""
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(
        location=centre,
        zoom_start=6,
        tiles=None if offline else "OpenStreetMap",
        control_scale=True,
    )
    if offline:
        m.default_js = []
        m.default_css = []
        cast(Figure, m.get_root()).header.add_child(
            Raw(_assets.inline_leaflet_html()), name="navwatch_leaflet", index=0
        )
    return m


def layer_groups(m: folium.Map, tiers: list[Any]) -> dict[str, Any]:
    """The groups the script fills, added in drawing order (= layer-control order): vessels
    last, so they stay clickable above events."""
    groups: dict[str, Any] = {
        "zones": [folium.FeatureGroup(name=f"zones: {esc(tier_label(t))}") for t in tiers],
        "tracks": folium.FeatureGroup(name="tracks"),
        "vessels": folium.FeatureGroup(name="last known positions"),
        "departures": folium.FeatureGroup(name="departures"),
        "arrivals": folium.FeatureGroup(name="arrivals"),
    }
    for g in [*groups["zones"], groups["tracks"], groups["departures"], groups["arrivals"]]:
        g.add_to(m)
    groups["vessels"].add_to(m)
    return groups


def body(title: str, sub: str, zl: ZoneLayer, panel_html: str) -> str:
    """The boxes the script turns into map controls (hidden until it does)."""
    slider = (
        f'<div class="nw-box nw-slider" id="nw-slider" style="display:none">'
        f'<div class="nw-title">{esc(title)}</div><div class="nw-sub">{esc(sub)}</div>'
        f'<div class="nw-row"><button class="nw-play" type="button">\u25b6 play</button>'
        f'<input type="range" aria-label="report time"></div><div class="nw-time"></div></div>'
    )
    legend_html = legend(
        [(tier_label(t), s) for t, s in zip(zl.tiers, zl.styles, strict=True)], "colour per vessel"
    )
    return (
        slider
        + legend_html.replace(
            '<div class="nw-box nw-legend">',
            '<div class="nw-box nw-legend" id="nw-legend" style="display:none">',
            1,
        )
        + panel_html.replace(
            '<details class="nw-box nw-panel"',
            '<details class="nw-box nw-panel" id="nw-panel" style="display:none"',
            1,
        )
    )


def data_island(tb: TimeBase, zl: ZoneLayer, vessels: list, events: list) -> dict[str, Any]:
    """What the report's script reads."""
    return {
        "t0": tb.t0,
        "tmin": tb.tmin,
        "tmax": tb.tmax,
        "ids": {"slider": "nw-slider", "legend": "nw-legend", "panel": "nw-panel"},
        "tiers": [{"name": esc(t), "style": s} for t, s in zip(zl.tiers, zl.styles, strict=True)],
        "zones": zl.json,
        "vessels": vessels,
        "events": events,
    }
