"""HTML map reports: zones, thinned tracks, last known positions, port events, a time slider
and a dispersal panel, as one folium map.

:func:`map_report` is pure: it takes the detection's ``states`` and ``events`` tables, the port
zones and optionally the registry and a fleet dispersal table, and returns a ``folium.Map``.
It reads no clock: the *age* of a vessel's last evidence is measured to ``until`` when given,
else to the latest evidence in the report. :func:`save_report` writes the HTML file.

What is drawn
-------------
* **zones** by tier (harbour, anchorage, operating area, ...), one layer per tier, only those
  near the data (plus every zone of ``port``);
* **tracks**: per vessel, every row of ``states`` that locates it — AIS fixes, sightings, and
  port surveys that list it as present (drawn at the surveyed zone's representative point,
  spread on a 250 m circle when several vessels share it) — thinned by :func:`thin_tracks`;
* **last known positions** as circle markers, with a popup: name, class, type, id/MMSI, time
  and age of the last evidence (of any kind, e.g. a survey that found it absent) and its source,
  port state, time and kind of the position, speed;
* **departures and arrivals** as markers with time, window, confidence, flags and evidence;
* a **time slider** (project-written JS, Leaflet only) that replays the movements: each vessel
  at its last located point at or before the slider time, its track up to there, the events up to
  there; a play button steps through the period;
* a **legend**, the **layer control** and a **dispersal panel**: counts by status over time as an
  inline SVG chart and a table, from ``fleet`` (:func:`navwatch.dispersal.fleet_dispersal`) or,
  without it, port-state counts (in port / other port / out / unknown) from ``states``.

Untrusted strings
-----------------
Names, sources, evidence, ports and tiers come from broadcasts and files. All of them are
HTML-escaped server-side before they become popup, tooltip or panel HTML; the data island the
script reads is JSON with ``<``, ``>``, ``&`` escaped as ``\\u003c`` etc.; and data never passes
through folium's Jinja templates (a name like ``{{ 7*7 }}`` stays text).

Offline
-------
``offline=True`` draws no tiles and inlines Leaflet's JS and CSS (with its images as data URIs)
from the ``xstatic-leaflet`` package; :func:`save_report` then removes every other external
``<script src>``/``<link href>`` folium emits (jQuery, Bootstrap, Font Awesome, awesome-markers:
the report uses none of them) and refuses to write a page that still refers to the network.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, cast

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement

from ..errors import ConfigError, PortsError, SchemaError
from ..geodesy import NS_PER_S
from ..zones import ZoneIndex
from . import _assets
from ._html import dispersal_panel, esc, event_popup, fmt_time, legend, script_json, vessel_popup
from ._js import REPORT_CSS, REPORT_JS
from ._thin import M_PER_DEG_LAT, M_PER_DEG_LON_EQUATOR, thin_tracks

__all__ = ["map_report", "save_report", "thin_tracks"]

TIER_STYLES = {
    "harbour": {"color": "#08306b", "weight": 2.0, "fill": 0.25, "dash": None},
    "anchorage": {"color": "#2171b5", "weight": 1.5, "fill": 0.12, "dash": "5 4"},
    "operating_area": {"color": "#6baed6", "weight": 1.0, "fill": 0.04, "dash": "2 5"},
}
OTHER_TIER_STYLE = {"color": "#6a51a3", "weight": 1.5, "fill": 0.12, "dash": None}
PALETTE = [
    "#e6ab02",
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#a6761d",
    "#1f78b4",
    "#b15928",
    "#6a3d9a",
    "#17becf",
    "#fb9a99",
]
SPREAD_KM = 0.25
_REQUIRED = ("vessel_id", "time", "lat", "lon", "kind")


class _Raw(Element):
    """Markup inserted as is: never parsed as a Jinja template (unlike ``branca.Element``)."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "NavwatchRaw"
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _ReportLayer(MacroElement):
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
            _Raw(f"<style>{REPORT_CSS}</style>\n<script>{REPORT_JS}</script>"), name=name
        )
        data_id = f"{name}_data"
        island = (
            f'<script type="application/json" id="{data_id}">{script_json(self._data)}</script>'
        )
        figure.html.add_child(_Raw(island + self._body), name=name)
        g = self._groups
        assert self._parent is not None  # rendered as a child of the map
        zones = ", ".join(z.get_name() for z in g["zones"])
        script = (
            f"navwatchReport({self._parent.get_name()}, {{zones: [{zones}], tracks: {g['tracks'].get_name()}, "
            f"vessels: {g['vessels'].get_name()}, departures: {g['departures'].get_name()}, "
            f"arrivals: {g['arrivals'].get_name()}}}, "
            f'JSON.parse(document.getElementById("{data_id}").textContent));'
        )
        figure.script.add_child(_Raw(script), name=name)


# ----------------------------------------------------------------------------------------------
# inputs


def _utc(value, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{what}: expected a date/time such as 2024-12-01T00:00Z, got {value!r}"
        ) from exc
    if ts is pd.NaT:
        raise ConfigError(f"{what}: expected a date/time, got {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _window(df: pd.DataFrame, col: str, since, until) -> pd.DataFrame:
    if df is None or not len(df) or (since is None and until is None):
        return df
    t = pd.to_datetime(df[col], utc=True)
    keep = np.ones(len(df), dtype=bool)
    if since is not None:
        keep &= (t >= since).to_numpy(bool, na_value=False)
    if until is not None:
        keep &= (t <= until).to_numpy(bool, na_value=False)
    return df[keep]


def _tier_label(tier: object) -> str:
    """``operating_area`` -> ``operating area`` (identifier-like names only; others as given)."""
    t = str(tier)
    return t.replace("_", " ") if re.fullmatch(r"[a-z][a-z0-9_]*", t) else t


def _str(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), "").to_numpy(dtype=object)


def _located(st: pd.DataFrame, zi: ZoneIndex) -> pd.DataFrame:
    """Rows of ``st`` that place a vessel somewhere, with ``lat``/``lon`` and ``how``."""
    lat = pd.to_numeric(st["lat"], errors="coerce").to_numpy(float, copy=True)
    lon = pd.to_numeric(st["lon"], errors="coerce").to_numpy(float, copy=True)
    kind = _str(st["kind"]).astype(str)
    has = np.isfinite(lat) & np.isfinite(lon)
    if "present" in st.columns and "surveyed" in st.columns:
        present = pd.array(st["present"], dtype="boolean").fillna(False).to_numpy(bool)
        surv = (kind == "survey") & present & ~has
        if surv.any():
            # ``port/tier`` -> (lat, lon) of the zone's representative point
            reps = dict(
                zip(
                    zi.label,
                    zip(zi.rep_lat.tolist(), zi.rep_lon.tolist(), strict=True),
                    strict=True,
                )
            )
            labels = _str(st["surveyed"])
            vids = _str(st["vessel_id"])
            idx = np.flatnonzero(surv)
            for label in pd.unique(labels[idx]):
                if label not in reps:
                    continue
                rows = idx[labels[idx] == label]
                members = sorted(set(vids[rows]))
                plat, plon = reps[label]
                for k, v in enumerate(members):
                    r = SPREAD_KM * 1000.0 if len(members) > 1 else 0.0
                    a = 2 * math.pi * k / len(members)
                    sel = rows[vids[rows] == v]
                    lat[sel] = plat + r * math.cos(a) / M_PER_DEG_LAT
                    lon[sel] = plon + r * math.sin(a) / (
                        M_PER_DEG_LON_EQUATOR * math.cos(math.radians(plat))
                    )
                    has[sel] = True
    loc = st.loc[has].copy()
    loc["lat"] = lat[has]
    loc["lon"] = lon[has]
    loc["how"] = kind[has]
    return loc


def _registry_frame(registry) -> pd.DataFrame:
    if registry is None:
        return pd.DataFrame(columns=["vessel_id", "name", "type", "vessel_class"]).set_index(
            "vessel_id"
        )
    frame = registry.frame if hasattr(registry, "frame") else registry
    cols = [c for c in ("vessel_id", "name", "type", "vessel_class") if c in frame.columns]
    return frame[cols].drop_duplicates("vessel_id").set_index("vessel_id")


def _seconds(t: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return (
        pd.to_datetime(t, utc=True).astype("datetime64[ns, UTC]").astype("int64").to_numpy()
        // NS_PER_S
    )


def _status_counts(
    st: pd.DataFrame, codes: np.ndarray, t_s: np.ndarray, port: str | None, n_steps: int = 48
) -> pd.DataFrame:
    """Fallback dispersal panel: per time step, vessels by port state as of that time.

    ``st`` is sorted by vessel code ``codes``, then time ``t_s`` (seconds). Steps are the
    distinct evidence times when there are at most 60, else ``n_steps`` even steps.
    """
    if not len(st):
        return pd.DataFrame(columns=["time"])
    distinct = np.unique(t_s)
    grid = (
        distinct
        if len(distinct) <= 60
        else np.linspace(t_s.min(), t_s.max(), n_steps).round().astype(np.int64)
    )
    state = (
        st["state"].astype("string").fillna("").to_numpy(dtype=object)
        if "state" in st.columns
        else np.full(len(st), "unknown", dtype=object)
    )
    pname = (
        st["port"].astype("string").fillna("").to_numpy(dtype=object)
        if "port" in st.columns
        else np.full(len(st), "", dtype=object)
    )
    # 0 in port (the focus port, or any port without one), 1 other port, 2 out, 3 unknown
    status = np.where(
        state == "in",
        np.where((pname == port) if port else True, 0, 1),
        np.where(state == "out", 2, 3),
    )
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    counts = np.zeros((len(grid), 4), dtype=np.int64)
    steps = np.arange(len(grid))
    for lo, hi in zip(starts, ends, strict=True):
        k = np.searchsorted(t_s[lo:hi], grid, side="right") - 1
        counts[steps, np.where(k >= 0, status[lo + np.maximum(k, 0)], 3)] += 1
    out = pd.DataFrame(
        {
            "time": pd.to_datetime(grid, unit="s", utc=True),
            "n_vessels": len(starts),
            "n_in_port": counts[:, 0],
            "n_in_other_port": counts[:, 1],
            "n_at_sea": counts[:, 2],
            "n_unknown": counts[:, 3],
        }
    )
    return out if port else out.drop(columns="n_in_other_port")


# ----------------------------------------------------------------------------------------------
# the report


def map_report(  # noqa: C901 -- to be split into layer builders (issue 10 follow-up)
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
        No tiles; Leaflet inlined from ``xstatic-leaflet`` (see module docs).
    max_track_points : int
        At most this many points per vessel track (mandatory points excepted).
    max_total_points : int
        Budget for all tracks: the per-vessel cap is lowered to fit it (not below 20).
    tolerance_m, bucket_min : float
        Douglas-Peucker tolerance (metres) and time bucket (minutes) of :func:`thin_tracks`.
    title : str, optional
        Heading of the slider box (default: ``navwatch report``).

    Returns
    -------
    folium.Map
        With ``navwatch_summary`` (a dict: vessels, tracks, zones, events, points in and kept,
        period) and ``navwatch_offline`` attributes.

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
    missing = [c for c in _REQUIRED if c not in states.columns]
    if missing:
        raise SchemaError(
            f"map_report: states table lacks column(s) {', '.join(missing)} (expected Detection.states)"
        )
    if max_track_points < 2 or max_total_points < 2:
        raise ConfigError("map_report: max_track_points and max_total_points must be at least 2")
    since_ts, until_ts = _utc(since, "since"), _utc(until, "until")
    if since_ts is not None and until_ts is not None and since_ts > until_ts:
        raise ConfigError(f"since ({since_ts}) is after until ({until_ts})")
    zi = ZoneIndex.of(zones)
    zones = zi.zones
    port_name = None
    if port:
        try:
            port_name = str(zi.port[zi.find(port, strict=True)])
        except PortsError as exc:
            raise ConfigError(f"map_report: {exc}") from exc

    st = _window(states, "time", since_ts, until_ts)
    st = st[pd.to_datetime(st["time"], utc=True).notna().to_numpy()]
    ev = events if events is not None else pd.DataFrame(columns=["vessel_id", "time"])
    ev = _window(ev, "time", since_ts, until_ts)
    if port_name is not None and len(ev):
        ev = ev[_str(ev["port"]) == port_name]
    ev = ev.reset_index(drop=True)

    # per-vessel order: vessel code (sorted ids), then time
    vid_all = _str(st["vessel_id"]).astype(str)
    codes, vessel_ids = pd.factorize(vid_all, sort=True)
    order = np.lexsort((_seconds(st["time"]), codes))
    st = st.iloc[order].reset_index(drop=True)
    codes = codes[order]

    loc = _located(st, zi)
    lcode = codes[loc.index.to_numpy()]
    lt = _seconds(loc["time"])
    llat, llon = loc["lat"].to_numpy(float), loc["lon"].to_numpy(float)

    # mandatory points: non-AIS evidence, both sides of every change of port state, event brackets
    keep = loc["how"].to_numpy() != "ais"
    if len(loc) > 1:
        key = np.zeros(len(loc), dtype=np.int64)
        for c in ("state", "port", "tier"):
            if c in loc.columns:
                key = (
                    key * 1024
                    + pd.factorize(loc[c], use_na_sentinel=False)[0].astype(np.int64) % 1024
                )
        change = (key[1:] != key[:-1]) & (lcode[1:] == lcode[:-1])
        keep[1:] |= change
        keep[:-1] |= change
    if len(ev) and len(loc):
        ecode = pd.Index(vessel_ids).get_indexer(_str(ev["vessel_id"]).astype(str))
        span = int(lt.max() - lt.min() + 1) if len(lt) else 1
        base = int(lt.min()) if len(lt) else 0
        lkey = lcode.astype(np.int64) * span + (lt - base)
        ekeys = []
        for c in ("time_earliest", "time_latest"):
            if c in ev.columns:
                es = pd.to_datetime(ev[c], utc=True)
                ok = (ecode >= 0) & es.notna().to_numpy()
                ekeys.append(ecode[ok].astype(np.int64) * span + (_seconds(es[ok]) - base))
        if ekeys:
            keep |= np.isin(lkey, np.concatenate(ekeys))

    n_loc_vessels = len(np.unique(lcode))
    per_vessel = min(max_track_points, max(20, max_total_points // max(n_loc_vessels, 1)))
    kept = thin_tracks(
        lcode,
        lt,
        llat,
        llon,
        keep,
        tolerance_m=tolerance_m,
        bucket_min=bucket_min,
        max_points=per_vessel,
    )

    # time base and slider range
    times = [lt]
    if len(ev):
        times.append(_seconds(ev["time"].dropna()))
    all_t = np.concatenate(times) if any(len(a) for a in times) else np.array([], dtype=np.int64)
    if len(all_t):
        t0 = int(all_t.min()) // 60 * 60
        tmin, tmax = int(all_t.min()) - t0, int(all_t.max()) - t0
    else:
        t0, tmin, tmax = 0, 0, 0
    tmax = max(tmax, tmin + 60)
    last_evidence = pd.to_datetime(st["time"], utc=True).max() if len(st) else None
    age_ref = until_ts if until_ts is not None else last_evidence
    age_ref_label = (
        f"until ({fmt_time(until_ts)})"
        if until_ts is not None
        else f"the latest evidence ({fmt_time(last_evidence)})"
    )

    # vessels: name, registry info, last evidence (any kind), last position, popup, track
    reg = _registry_frame(registry)
    starts = (
        np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        if len(codes)
        else np.array([], dtype=np.int64)
    )
    ends = (
        np.r_[starts[1:], len(codes)].astype(np.int64)
        if len(codes)
        else np.array([], dtype=np.int64)
    )
    # per vessel: its last evidence row, its last non-empty name, its last located row
    last_rows = st.iloc[ends - 1].to_dict("records")
    if "vessel_name" in st.columns:
        has_name = (st["vessel_name"].astype("string").fillna("").str.len() > 0).to_numpy(bool)
        name_at = (
            np.maximum.reduceat(np.where(has_name, np.arange(len(st)), -1), starts)
            if len(starts)
            else np.array([], dtype=np.int64)
        )
        name_col = st["vessel_name"]
    else:
        name_at = np.full(len(starts), -1)
        name_col = None
    lbounds = (
        np.flatnonzero(np.r_[True, lcode[1:] != lcode[:-1], True]) if len(lcode) else np.array([0])
    )
    lcodes_u = lcode[lbounds[:-1]] if len(lcode) else np.array([], dtype=np.int64)
    loc_last = loc.iloc[lbounds[1:] - 1].to_dict("records") if len(lcode) else []
    where_loc = {int(c): i for i, c in enumerate(lcodes_u)}
    how_label = {"ais": "AIS fix", "sighting": "sighting", "survey": "port survey: zone point"}

    def reg_value(vid: str, c: str):
        return reg.at[vid, c] if vid in reg.index and c in reg.columns else None

    vessels_json: list[dict[str, Any]] = []
    n_tracks = 0
    n_unlocated = 0
    for j, s0 in enumerate(starts):
        code = int(codes[s0])
        li = where_loc.get(code)
        if li is None:
            n_unlocated += 1
            continue
        a, b = int(lbounds[li]), int(lbounds[li + 1])
        vid = str(vessel_ids[code])
        nm = str(name_col.iloc[name_at[j]]) if name_col is not None and name_at[j] >= 0 else ""
        nm = nm or str(reg_value(vid, "name") or "") or vid
        last, pos = last_rows[j], loc_last[li]
        last_kind = last.get("kind")
        present = last.get("present")
        if last_kind == "survey" and present is not None and not pd.isna(present):
            last_kind = f"survey ({'present in' if present else 'absent from'} {last.get('surveyed') or ''})"
        mmsi = last.get("mmsi")
        info = {
            "name": nm,
            "vessel_id": vid,
            "mmsi": None if mmsi is None or pd.isna(mmsi) else mmsi,
            "vessel_class": reg_value(vid, "vessel_class"),
            "type": reg_value(vid, "type"),
            "last_time": last["time"],
            "age_s": (age_ref - pd.Timestamp(last["time"])).total_seconds()
            if age_ref is not None
            else float("nan"),
            "age_ref": age_ref_label,
            "last_kind": last_kind,
            "last_source": last.get("source"),
            "last_file": last.get("src_file"),
            "last_line": last.get("src_line"),
            "state": last.get("state"),
            "port": last.get("port"),
            "tier": last.get("tier"),
            "pos_time": pos["time"],
            "pos_how": how_label.get(pos["how"], pos["how"]),
            "pos_kind": pos["how"],
            "pos_source": pos.get("source"),
            "pos_file": pos.get("src_file"),
            "pos_line": pos.get("src_line"),
            "sog_kn": pos.get("sog_kn"),
        }
        sel = np.flatnonzero(kept[a:b]) + a
        n_tracks += int(len(sel) >= 2)
        vessels_json.append(
            {
                "n": esc(nm),
                "p": vessel_popup(info),
                "c": PALETTE[len(vessels_json) % len(PALETTE)],
                "t": (lt[sel] - t0).astype(int).tolist(),
                "la": np.round(llat[sel], 5).tolist(),
                "lo": np.round(llon[sel], 5).tolist(),
            }
        )

    events_json = []
    if len(ev):
        elat = pd.to_numeric(ev["lat"], errors="coerce").to_numpy(float)
        elon = pd.to_numeric(ev["lon"], errors="coerce").to_numpy(float)
        et = pd.to_datetime(ev["time"], utc=True)
        ok = np.isfinite(elat) & np.isfinite(elon) & et.notna().to_numpy(bool)
        esec = np.where(ok, _seconds(et.fillna(pd.Timestamp(0, tz="UTC"))), 0)
        for i, rec in enumerate(ev.to_dict("records")):
            if not ok[i]:
                continue
            events_json.append(
                {
                    "k": "departure" if rec.get("event") == "departure" else "arrival",
                    "t": int(esec[i]) - t0,
                    "la": round(float(elat[i]), 5),
                    "lo": round(float(elon[i]), 5),
                    "p": event_popup(rec),
                }
            )

    # zones near the data (and every zone of the focus port)
    pts_lat = (
        np.concatenate([llat, [e["la"] for e in events_json]])
        if len(llat) or events_json
        else np.array([])
    )
    pts_lon = (
        np.concatenate([llon, [e["lo"] for e in events_json]])
        if len(llon) or events_json
        else np.array([])
    )
    zsel = np.zeros(len(zones), dtype=bool)
    if len(zones):
        b = shapely.bounds(zones.geometry.to_numpy())  # minx, miny, maxx, maxy
        if len(pts_lat):
            s_, n_ = float(pts_lat.min()), float(pts_lat.max())
            w_, e_ = float(pts_lon.min()), float(pts_lon.max())
            pad_lat = max(0.5, 0.25 * (n_ - s_))
            pad_lon = max(0.5, 0.25 * (e_ - w_))
            zsel = (
                (b[:, 0] <= e_ + pad_lon)
                & (b[:, 2] >= w_ - pad_lon)
                & (b[:, 1] <= n_ + pad_lat)
                & (b[:, 3] >= s_ - pad_lat)
            )
        else:
            zsel[:] = True
        if port_name is not None:
            zsel |= zi.port == port_name
    zshow = zones[zsel] if len(zones) else zones
    shown = np.flatnonzero(zsel)
    # tiers innermost first: each at the lowest rank it has among the zones shown
    tiers = list(
        pd.Series(zi.rank[shown])
        .groupby(zi.tier[shown], sort=False)
        .min()
        .sort_values(kind="stable")
        .index
    )
    tier_styles = [TIER_STYLES.get(str(t), OTHER_TIER_STYLE) for t in tiers]
    zones_json = []
    if len(zshow):
        geoms = shapely.transform(zshow.geometry.to_numpy(), lambda c: np.round(c, 5))
        for p, t, gj in zip(zi.port[shown], zi.tier[shown], shapely.to_geojson(geoms), strict=True):
            zones_json.append(
                {
                    "k": tiers.index(t),
                    "tip": f"<b>{esc(p)}</b> {esc(_tier_label(t))}",
                    "g": json.loads(gj),
                }
            )

    # dispersal panel
    if fleet is not None:
        fl = _window(fleet, "time", since_ts, until_ts)
        panel_title = f"Fleet dispersal{' – ' + port_name if port_name else ''}"
    else:
        fl = _status_counts(st, codes, _seconds(st["time"]), port_name)
        panel_title = f"Port states{' – in ' + port_name if port_name else ''} (from detection)"
    panel = dispersal_panel(fl if fl is not None else pd.DataFrame(), title=panel_title, t0_s=t0)

    # the map
    if len(pts_lat):
        bounds = [
            [float(pts_lat.min()), float(pts_lon.min())],
            [float(pts_lat.max()), float(pts_lon.max())],
        ]
    elif len(zshow):
        zb = zshow.total_bounds
        bounds = [[float(zb[1]), float(zb[0])], [float(zb[3]), float(zb[2])]]
    else:
        bounds = [[-60.0, -170.0], [70.0, 170.0]]
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
            _Raw(_assets.inline_leaflet_html()), name="navwatch_leaflet", index=0
        )
    groups: dict[str, Any] = {
        "zones": [folium.FeatureGroup(name=f"zones: {esc(_tier_label(t))}") for t in tiers],
        "tracks": folium.FeatureGroup(name="tracks"),
        "vessels": folium.FeatureGroup(name="last known positions"),
        "departures": folium.FeatureGroup(name="departures"),
        "arrivals": folium.FeatureGroup(name="arrivals"),
    }
    # drawing order = layer-control order: vessels last, so they stay clickable above events
    for g in [
        *groups["zones"],
        groups["tracks"],
        groups["departures"],
        groups["arrivals"],
        groups["vessels"],
    ]:
        g.add_to(m)

    first = (
        since_ts
        if since_ts is not None
        else (pd.Timestamp(t0 + tmin, unit="s", tz="UTC") if len(all_t) else None)
    )
    final = (
        until_ts
        if until_ts is not None
        else (pd.Timestamp(t0 + tmax, unit="s", tz="UTC") if len(all_t) else None)
    )
    period = (
        f"{fmt_time(first)} – {fmt_time(final)}"
        if first is not None or final is not None
        else "no evidence"
    )
    sub = f"{len(vessels_json)} vessels located"
    if n_unlocated:
        sub += f" ({n_unlocated} more with evidence but no position)"
    sub += f", {len(events_json)} events{' at ' + port_name if port_name else ''}; {period}"
    slider = (
        f'<div class="nw-box nw-slider" id="nw-slider" style="display:none">'
        f'<div class="nw-title">{esc(title or "navwatch report")}</div><div class="nw-sub">{esc(sub)}</div>'
        f'<div class="nw-row"><button class="nw-play" type="button">\u25b6 play</button>'
        f'<input type="range" aria-label="report time"></div><div class="nw-time"></div></div>'
    )
    legend_html = legend(
        [(_tier_label(t), s) for t, s in zip(tiers, tier_styles, strict=True)], "colour per vessel"
    )
    body = (
        slider
        + legend_html.replace(
            '<div class="nw-box nw-legend">',
            '<div class="nw-box nw-legend" id="nw-legend" style="display:none">',
            1,
        )
        + panel.replace(
            '<details class="nw-box nw-panel"',
            '<details class="nw-box nw-panel" id="nw-panel" style="display:none"',
            1,
        )
    )
    data = {
        "t0": t0,
        "tmin": tmin,
        "tmax": tmax,
        "ids": {"slider": "nw-slider", "legend": "nw-legend", "panel": "nw-panel"},
        "tiers": [{"name": esc(t), "style": s} for t, s in zip(tiers, tier_styles, strict=True)],
        "zones": zones_json,
        "vessels": vessels_json,
        "events": events_json,
    }
    m.add_child(_ReportLayer(data, body, groups))
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds(bounds, padding=(30, 30), max_zoom=13)
    # what the map shows, for save_report and callers: attributes navwatch adds to the map
    m.navwatch_offline = offline  # type: ignore[attr-defined]
    m.navwatch_summary = {  # type: ignore[attr-defined]
        "vessels": len(vessels_json),
        "vessels_unlocated": n_unlocated,
        "tracks": n_tracks,
        "zones": len(zones_json),
        "events": len(events_json),
        "points_in": int(len(loc)),
        "points_kept": int(kept.sum()),
        "period": period,
    }
    return m


def save_report(m: folium.Map, path: str | Path, *, offline: bool = False) -> Path:
    """Write the report as one HTML file and return its path.

    With ``offline`` (or a map built with ``map_report(..., offline=True)``) every external
    ``<script src>``/``<link href>`` is removed, tile layers are left out and Leaflet is inlined;
    a page that would still fetch anything raises :class:`~navwatch.errors.ConfigError` instead
    of being written.
    """
    path = Path(path)
    offline = offline or bool(getattr(m, "navwatch_offline", False))
    # tiles are fetched at run time: an offline page of a map built online is drawn without them
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
    if offline:
        html = _assets.make_offline(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
