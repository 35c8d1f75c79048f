"""HTML pieces of the map report, built server-side from untrusted strings.

Every string that comes from data (vessel names, sources, evidence, port names, tiers...) goes
through :func:`esc` before it becomes HTML; data for the report's script goes through
:func:`script_json`, which never lets ``<``, ``>`` or ``&`` reach the page raw, so no value can
close a ``<script>`` element or open a tag.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..geodesy import NS_PER_S, S_PER_H

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
# A structural "{" in JSON is followed by '"' or '}', so "{" before "{", "%" or "#" is inside a
# string: escape it so no Jinja delimiter can appear in the page.
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def esc(value: object) -> str:
    """Text for HTML: ``None``/NaN/NA -> ``""``, everything else ``html.escape(str(value))``,
    with ``{`` and ``}`` as character references too (folium/branca re-parse some rendered
    output as Jinja templates: a name like ``{{ 7*7 }}`` must stay text there as well).

    Examples
    --------
    >>> esc('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> esc("{{ 7*7 }}")
    '&#123;&#123; 7*7 &#125;&#125;'
    >>> esc(None), esc(float("nan"))
    ('', '')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def script_json(obj: object) -> str:
    """JSON for a ``<script>`` element: compact, no NaN, with ``<``, ``>``, ``&``, U+2028/9 (and a
    ``{`` that would open a Jinja tag) as ``\\uXXXX`` escapes: valid JSON, and never
    ``</script>``, ``<!--`` or ``{{`` in the page.

    Examples
    --------
    >>> script_json({"name": "</script><b>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, rep in _JSON_ESCAPES.items():
        s = s.replace(ch, rep)
    return _JINJA_OPEN.sub(r"\\u007b", s)


def fmt_time(t: object) -> str:
    """``2024-12-10 08:30 UTC`` (empty for missing)."""
    if t is None or t is pd.NaT or (not isinstance(t, str) and pd.isna(t)):
        return ""
    return pd.Timestamp(t).strftime("%Y-%m-%d %H:%M UTC")


def fmt_age(seconds: float) -> str:
    """A duration as ``3 d 4 h``, ``5 h 12 min`` or ``42 min``.

    Examples
    --------
    >>> fmt_age(42 * 60), fmt_age(5 * 3600 + 720), fmt_age(3 * 86400 + 4 * 3600 + 60)
    ('42 min', '5 h 12 min', '3 d 4 h')
    """
    if seconds is None or not np.isfinite(seconds):
        return ""
    minutes = int(round(max(seconds, 0.0) / 60.0))
    d, rem = divmod(minutes, 1440)
    h, m = divmod(rem, 60)
    if d:
        return f"{d} d {h} h"
    if h:
        return f"{h} h {m} min"
    return f"{m} min"


def _num(x: object, fmt: str) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return format(v, fmt) if np.isfinite(v) else ""


def table(rows: Iterable[tuple[str, str]]) -> str:
    """``<table>`` of (label, already-escaped HTML) rows, skipping empty values."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows if v)
    return f"<table>{body}</table>"


def cite(kind: object, source: object, src_file: object, src_line: object) -> str:
    """``survey: Maxar (USNI) [surveys.csv:5]`` (escaped; the file as given)."""
    where = ""
    if isinstance(src_file, str) and src_file:
        name = src_file  # as the report names its inputs (see _data.display_paths)
        line = "" if src_line is None or pd.isna(src_line) else f":{int(src_line)}"  # type: ignore[call-overload]
        where = f" [{name}{line}]"
    text = f"{kind}: {source if isinstance(source, str) else ''}{where}".strip()
    return esc(text)


def vessel_popup(info: dict) -> str:
    """Popup of a vessel's last known position; ``info`` holds raw (unescaped) values."""
    state = info.get("state") or ""
    if state == "in":
        tier = info.get("tier") or ""
        state = f"in {info.get('port') or ''}" + (
            f" ({tier})" if tier and tier != "harbour" else ""
        )
    ids = " / ".join(x for x in (esc(info.get("vessel_id")), esc(info.get("mmsi"))) if x)
    rows = [
        ("class", esc(info.get("vessel_class"))),
        ("type", esc(info.get("type"))),
        ("id / MMSI", ids),
        (
            "last evidence",
            f"{esc(fmt_time(info.get('last_time')))}, {esc(fmt_age(info.get('age_s', float('nan'))))} before {esc(info.get('age_ref', ''))}",
        ),
        (
            "evidence",
            cite(
                info.get("last_kind"),
                info.get("last_source"),
                info.get("last_file"),
                info.get("last_line"),
            ),
        ),
        ("port state", esc(state)),
        ("position", f"{esc(fmt_time(info.get('pos_time')))} ({esc(info.get('pos_how'))})"),
        (
            "speed",
            esc(_num(info.get("sog_kn"), ".1f") + " kn") if _num(info.get("sog_kn"), ".1f") else "",
        ),
        (
            "source",
            cite(
                info.get("pos_kind"),
                info.get("pos_source"),
                info.get("pos_file"),
                info.get("pos_line"),
            ),
        ),
    ]
    return f'<div class="nw-pop"><b class="nw-name">{esc(info.get("name"))}</b>{table(rows)}</div>'


def event_popup(ev: dict) -> str:
    """Popup of a departure/arrival; ``ev`` is a row of the events table (raw values)."""
    tier = ev.get("tier") or ""
    where = f"{ev.get('port') or ''}" + (f" ({tier})" if tier and tier != "harbour" else "")
    verb = "departure from" if ev.get("event") == "departure" else "arrival at"
    window = f"{esc(fmt_time(ev.get('time_earliest')))} – {esc(fmt_time(ev.get('time_latest')))}"
    wh = _num(ev.get("window_h"), ".1f")
    if wh:
        window += f" ({esc(wh)} h)"
    rows = [
        ("time", f"{esc(fmt_time(ev.get('time')))} ({esc(ev.get('time_method'))})"),
        ("window", window),
        ("confidence", esc(_num(ev.get("confidence"), ".2f"))),
        (
            "flags",
            f'<span class="nw-flag">{esc(ev.get("flags"))}</span>'
            if isinstance(ev.get("flags"), str) and ev.get("flags")
            else "",
        ),
        ("evidence", f'<div class="nw-ev">{esc(ev.get("evidence"))}</div>'),
    ]
    name = (
        ev.get("vessel_name")
        if isinstance(ev.get("vessel_name"), str) and ev.get("vessel_name")
        else ev.get("vessel_id")
    )
    return (
        f'<div class="nw-pop"><b class="nw-name">{esc(name)}</b><br>'
        f"<span>{esc(verb)} {esc(where)}</span>{table(rows)}</div>"
    )


# ----------------------------------------------------------------------------------------------
# dispersal panel: a stacked step chart (inline SVG) and a small table, no JS library

STATUS_COLUMNS: Sequence[tuple[str, str, str]] = (
    ("n_in_port", "in port", "#08519c"),
    ("n_offshore", "offshore", "#6baed6"),
    ("n_at_sea", "at sea", "#fd8d3c"),
    ("n_in_other_port", "other port", "#756bb1"),
    ("n_unknown", "unknown", "#bdbdbd"),
)
_EVENT_COLOURS = {"departure": "#d7301f", "arrival": "#238b45"}
_SHORT = {
    "in port": "port",
    "offshore": "offsh.",
    "at sea": "sea",
    "other port": "other",
    "unknown": "unk.",
}


def change_points(counts: np.ndarray) -> np.ndarray:
    """Rows of a counts table where any count differs from the row before (the first and the
    last row always): the table tells every change and skips the steps that repeat.

    >>> change_points(np.array([[6, 0], [6, 0], [5, 1], [5, 1], [5, 1]])).tolist()
    [0, 2, 4]
    """
    if not len(counts):
        return np.empty(0, dtype=np.int64)
    changed = np.r_[True, (counts[1:] != counts[:-1]).any(axis=1)]
    changed[-1] = True
    return np.flatnonzero(changed)


def dispersal_panel(
    fleet: pd.DataFrame,
    *,
    title: str,
    t0_s: int,
    events: Sequence[dict] = (),
    svg_id: str = "nw-disp-svg",
) -> str:
    """``<details>`` panel: counts by status over time (stacked SVG, the ``events`` — dicts with
    ``t`` seconds after ``t0_s`` and ``k`` departure/arrival — marked under it) and a table of
    every change point."""
    cols = [(c, label, colour) for c, label, colour in STATUS_COLUMNS if c in fleet.columns]
    if not len(fleet) or not cols:
        return f'<details class="nw-box nw-panel" open><summary>{esc(title)}</summary><p>no data</p></details>'
    f = fleet.sort_values("time").reset_index(drop=True)
    t = pd.to_datetime(f["time"], utc=True)
    ts = (t.astype("int64").to_numpy() // NS_PER_S) - t0_s
    counts = np.column_stack(
        [pd.to_numeric(f[c], errors="coerce").fillna(0).to_numpy(float) for c, _, _ in cols]
    )
    svg = _chart_svg(t, ts, counts, cols, svg_id, events)
    keys = "".join(
        f'<span><i style="background:{colour}"></i>{esc(label)}</span> '
        for _, label, colour in cols
    )
    keys += (
        '<span><i style="background:#d7301f"></i>departure</span> '
        '<span><i style="background:#238b45"></i>arrival</span>'
        if len(events)
        else ""
    )
    pick = change_points(counts)
    extra = [c for c in ("median_distance_km", "max_distance_km") if c in f.columns]
    head = "<tr><th>UTC</th>" + "".join(
        f'<th title="{esc(label)}">{esc(_SHORT.get(label, label))}</th>' for _, label, _ in cols
    )
    head += "".join(
        f"<th>{esc(c.replace('_distance_km', ' km').replace('median', 'med'))}</th>" for c in extra
    )
    body = []
    for i in pick.tolist():
        cells = "".join(f"<td>{int(counts[i, j])}</td>" for j in range(len(cols)))
        cells += "".join(f"<td>{esc(_num(f[c].iloc[i], '.1f'))}</td>" for c in extra)
        body.append(f"<tr><td>{esc(t.iloc[i].strftime('%m-%d %H:%M'))}</td>{cells}</tr>")
    note = (
        f'<div class="nw-muted">{len(pick)} change points of {len(f)} steps: a step is listed '
        "when a count changes</div>"
    )
    return (
        f'<details class="nw-box nw-panel" open><summary>{esc(title)}</summary>'
        f'<div class="nw-keys">{keys}</div>{svg}<div class="nw-scroll"><table class="nw-disp">'
        f"<tr>{head}</tr>{''.join(body)}</table></div>{note}</details>"
    )


def _chart_svg(
    t: pd.Series,
    ts: np.ndarray,
    counts: np.ndarray,
    cols: list,
    svg_id: str,
    events: Sequence[dict],
) -> str:
    """Stacked step chart of ``counts`` (one column per status of ``cols``) at times ``ts``,
    with a tick under the axis at each event."""
    total = max(float(counts.sum(axis=1).max()), 1.0)
    w, h, left, bottom, top = 300.0, 100.0, 26.0, 16.0, 4.0
    t_lo, t_hi = float(ts.min()), float(ts.max())
    # one step beyond the last sample, so the last value has a width
    step = float(np.median(np.diff(ts))) if len(ts) > 1 else float(S_PER_H)
    t_end = t_hi + max(step, 1.0)

    def x(v: float) -> float:
        return left + (v - t_lo) / (t_end - t_lo) * (w - left)

    def y(v: float) -> float:
        return top + (1.0 - v / total) * (h - bottom - top)

    xs = [x(v) for v in ts] + [x(t_end)]
    cum = np.zeros(len(ts))
    shapes = []
    for j, (_, label, colour) in enumerate(cols):
        lower, upper = cum.copy(), cum + counts[:, j]
        cum = upper
        if not upper.any() and not lower.any():
            continue
        top_pts, bot_pts = [], []
        for i in range(len(ts)):
            top_pts += [(xs[i], y(upper[i])), (xs[i + 1], y(upper[i]))]
            bot_pts += [(xs[i], y(lower[i])), (xs[i + 1], y(lower[i]))]
        pts = top_pts + bot_pts[::-1]
        d = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
        shapes.append(
            f'<polygon points="{d}" fill="{colour}" stroke="none"><title>{esc(label)}</title></polygon>'
        )
    axis = (
        f'<line x1="{left}" y1="{h - bottom}" x2="{w}" y2="{h - bottom}" stroke="#444" stroke-width="0.5"/>'
        f'<text x="{left - 3}" y="{y(total) + 8}" text-anchor="end">{int(total)}</text>'
        f'<text x="{left - 3}" y="{h - bottom}" text-anchor="end">0</text>'
        f'<text x="{left}" y="{h - 3}">{esc(t.iloc[0].strftime("%Y-%m-%d %H:%M"))}</text>'
        f'<text x="{w}" y="{h - 3}" text-anchor="end">{esc(t.iloc[-1].strftime("%Y-%m-%d %H:%M"))}</text>'
    )
    ticks = "".join(
        f'<path d="M{x(e["t"]):.1f},{h - bottom + 0.5} l-3,6 h6 z" fill="{_EVENT_COLOURS.get(e["k"], "#555")}">'
        f"<title>{esc(e.get('title', e['k']))}</title></path>"
        for e in events
        if t_lo <= e["t"] <= t_end
    )
    cursor = f'<line class="nw-cursor" x1="{w}" y1="{top}" x2="{w}" y2="{h - bottom}" stroke="#d00" stroke-width="1"/>'
    return (
        f'<svg class="nw-chart" id="{esc(svg_id)}" width="{int(w)}" height="{int(h)}" viewBox="0 0 {int(w)} {int(h)}" '
        f'data-t0="{t_lo:.0f}" data-t1="{t_end:.0f}" data-x0="{left}" data-x1="{w}" font-size="9" font-family="sans-serif">'
        f"{''.join(shapes)}{axis}{ticks}{cursor}</svg>"
    )


#: How vessels are drawn by their status at the slider time (codes of the report's script).
STATUS_KEYS: Sequence[tuple[int, str]] = (
    (0, "in port (fill: the vessel's colour)"),
    (1, "offshore (anchorage, operating area)"),
    (2, "at sea"),
    (3, "in another port"),
    (4, "position unknown (where last seen)"),
)


#: Ring colours of vessel markers by status (as the report's script draws them).
STATUS_RINGS = ("#08306b", "#2171b5", "#e6550d", "#54278f")


def _status_symbol(code: int) -> str:
    """A small SVG of a vessel marker drawn with status ``code`` (grey fill)."""
    if code >= 4:
        ring = (
            'stroke="#777" stroke-width="2" stroke-dasharray="2 3" fill="#fff" fill-opacity="0.35"'
        )
    else:
        dash = ' stroke-dasharray="3 2"' if code == 1 else ""
        width = 2 if code == 0 else 3
        ring = f'stroke="{STATUS_RINGS[code]}" stroke-width="{width}"{dash} fill="#aaa"'
    return (
        '<svg class="nw-sym" width="14" height="14" viewBox="0 0 14 14">'
        f'<circle cx="7" cy="7" r="5" {ring}/></svg>'
    )


def legend(
    tiers: Sequence[tuple[str, dict]], vessels: Sequence[tuple[str, str]], activity: str = ""
) -> str:
    """Legend box: zone tiers, vessel statuses, tracks, events, the ``activity`` types drawn
    (HTML of :func:`activity_legend`), and each vessel by its colour (``vessels``: escaped name,
    colour) with a switch for name labels on the map."""
    items = [
        f'<div><i class="sq" style="background:{s["color"]};opacity:{max(s["fill"] * 2.5, 0.35):.2f}"></i>zone: {esc(name)}</div>'
        for name, s in tiers
    ]
    items += [f"<div>{_status_symbol(code)}{esc(label)}</div>" for code, label in STATUS_KEYS]
    items += [
        '<div><i class="ln" style="background:#777"></i>track (thinned)</div>',
        '<div><i style="background:#d7301f;border:2px solid #fff;box-shadow:0 0 0 1px #444"></i>departure</div>',
        '<div><i style="background:#238b45;border:2px solid #fff;box-shadow:0 0 0 1px #444"></i>arrival '
        '<span class="nw-muted">(a number: events at one place)</span></div>',
    ]
    names = "".join(f'<div><i style="background:{c}"></i>{n}</div>' for n, c in vessels)
    return (
        '<details class="nw-box nw-legend" open><summary>Legend</summary>'
        f'{"".join(items)}{activity}<div class="nw-vessels">{names}</div>'
        '<label><input type="checkbox" class="nw-labels-toggle"> vessel names on the map</label></details>'
    )


def _flag_words(flags: str) -> str:
    """The name of each flag (``contradiction: reported absent...`` -> ``contradiction``)."""
    return ", ".join(f.split(":", 1)[0].strip() for f in flags.split(";") if f.strip())


#: The events list starts open up to this many events.
EVENTS_LIST_OPEN_MAX = 40


def events_list(rows: Sequence[dict], activity: Sequence[tuple[int, str]] = ()) -> str:
    """The events panel: one row per event (``rows``: raw events-table records with ``i``, the
    event's index in the script's data, and ``_t`` its time), with the ``activity`` rows
    (time, HTML of :func:`activity_row`), oldest first; a click on a row shows it."""
    body: list[tuple[int, str]] = []
    for r in rows:
        name = (
            r.get("vessel_name")
            if isinstance(r.get("vessel_name"), str) and r.get("vessel_name")
            else r.get("vessel_id")
        )
        dep = r.get("event") == "departure"
        window = (
            f"{fmt_time(r.get('time_earliest'))[5:16]} – {fmt_time(r.get('time_latest'))[5:16]}"
        )
        flags = r.get("flags") if isinstance(r.get("flags"), str) else ""
        body.append(
            (
                int(r.get("_t", 0)),
                f'<tr data-e="{int(r["i"])}"><td>{esc(name)}</td>'
                f'<td class="{"dep" if dep else "arr"}">{"departure" if dep else "arrival"} {esc(r.get("port"))}</td>'
                f"<td>{esc(window)}</td><td>{esc(_num(r.get('confidence'), '.2f'))}</td>"
                f'<td class="nw-flag" title="{esc(flags)}">{esc(_flag_words(str(flags)))}</td></tr>',
            )
        )
    body = sorted([*body, *activity], key=lambda b: b[0])  # stable: port events first on ties
    n = len(body)
    head = "<tr><th>vessel</th><th>event</th><th>window (UTC)</th><th>conf.</th><th>flags</th></tr>"
    # open when it is short enough to read at a glance; a long list starts folded
    opened = " open" if n <= EVENTS_LIST_OPEN_MAX else ""
    return (
        f'<details class="nw-box nw-events"{opened}><summary>Events ({n})</summary>'
        f'<div class="nw-scroll"><table>{head}{"".join(h for _, h in body)}</table></div></details>'
    )


#: Colours of the timeline strips by status code (0-3 as the legend; 4-6 unknown).
TIMELINE_COLOURS = ("#08519c", "#6baed6", "#fd8d3c", "#756bb1", "#e0e0e0", "#e0e0e0", "#e0e0e0")


def timeline(strips: Sequence[dict], *, tmin: int, tmax: int, labels: Sequence[str]) -> str:
    """Per vessel, its status over the period as coloured spans, and its events as ticks.

    ``strips``: dicts with ``n`` (escaped name), ``st``/``ss`` (status change times, seconds,
    and codes) and ``ev`` (list of (t, kind)); ``labels`` the status names by code.
    """
    if not strips:
        return ""
    left, w, row = 92.0, 470.0, 13.0
    h = row * len(strips) + 4
    span = max(tmax - tmin, 1)

    def x(t: float) -> float:
        return left + (min(max(t, tmin), tmax) - tmin) / span * (w - left)

    parts = []
    for k, v in enumerate(strips):
        y = 2 + k * row
        parts.append(f'<text x="{left - 4}" y="{y + 9}" text-anchor="end">{v["n"]}</text>')
        bounds = [*v["st"], tmax]
        for a, b, code in zip(bounds[:-1], bounds[1:], v["ss"], strict=False):
            if b <= tmin or a >= tmax or x(b) - x(a) < 0.05:
                continue
            parts.append(
                f'<rect x="{x(a):.1f}" y="{y + 1}" width="{x(b) - x(a):.1f}" height="{row - 4}" '
                f'fill="{TIMELINE_COLOURS[code]}"><title>{esc(labels[code])}</title></rect>'
            )
        for t, kind in v["ev"]:
            parts.append(
                f'<path d="M{x(t):.1f},{y} v{row - 2}" stroke="{_EVENT_COLOURS.get(kind, "#555")}" stroke-width="2"/>'
            )
    cursor = f'<line class="nw-cursor" x1="{w}" y1="0" x2="{w}" y2="{h}" stroke="#d00" stroke-width="1"/>'
    svg = (
        f'<svg class="nw-chart" width="{int(w)}" height="{int(h)}" viewBox="0 0 {int(w)} {int(h)}" '
        f'data-t0="{tmin}" data-t1="{tmax}" data-x0="{left}" data-x1="{w}" font-size="9" font-family="sans-serif">'
        f"{''.join(parts)}{cursor}</svg>"
    )
    return f'<details class="nw-tl"><summary>Timeline by vessel</summary><div class="nw-timeline">{svg}</div></details>'


# ----------------------------------------------------------------------------------------------
# activity at sea (navwatch.report._activity): popups, tooltips, events-list rows, legend

_ACT_SPOOF = {
    "two_places": "two places at once",
    "displaced": "displaced position",
    "jamming": "jamming",
}


def _flag_set(rec: dict) -> set[str]:
    return {f.strip() for f in str(rec.get("flags") or "").split(";") if f.strip()}


def _vessel_ids(rec: dict) -> list[str]:
    """The vessels of an activity event: the vessel and the other one, or a jamming's list."""
    ids = [
        v for v in (rec.get("vessel_id"), rec.get("other_vessel_id")) if isinstance(v, str) and v
    ]
    if not ids and isinstance(rec.get("vessels"), str):
        ids = [v.strip() for v in rec["vessels"].split(";") if v.strip()]
    return ids


def activity_what(rec: dict, short: bool = False) -> str:
    """What an activity event is, in words (raw text); ``short``: without an identity change's
    values (the events list).

    >>> activity_what({"event_type": "gap", "likely_intentional": 1})
    'AIS gap, likely intentional'
    >>> activity_what({"event_type": "replenishment", "flags": "oiler"})
    'underway replenishment (oiler)'
    """
    kind, flags = str(rec.get("event_type")), _flag_set(rec)
    if kind == "gap":
        li = rec.get("likely_intentional")
        return "AIS gap" + {1: ", likely intentional", 0: ", not likely intentional"}.get(li, "")  # type: ignore[arg-type]
    if kind == "replenishment":
        return "underway replenishment" + (" (oiler)" if "oiler" in flags else "")
    if kind == "spoofing":
        how = next((v for k, v in _ACT_SPOOF.items() if k in flags), "")
        return "spoofing" + (f": {how}" if how else "")
    if kind == "identity_change":
        old, new = rec.get("old_value") or "?", rec.get("new_value") or "?"
        change = "" if short else f" {old} \u2192 {new}"
        return f"identity change: {rec.get('field') or 'value'}{change}"
    return kind.replace("_", " ")


def _names(rec: dict, names: dict[str, str]) -> list[str]:
    own = {
        rec.get("vessel_id"): rec.get("vessel_name"),
        rec.get("other_vessel_id"): rec.get("other_vessel_name"),
    }
    return [names.get(v) or own.get(v) or v for v in _vessel_ids(rec)]


def _who(rec: dict, names: dict[str, str]) -> str:
    ns = _names(rec, names)
    if "jamming" in _flag_set(rec) or len(ns) > 2:
        return f"{len(ns)} vessels: " + ", ".join(ns[:4]) + (", ..." if len(ns) > 4 else "")
    return " & ".join(ns) or "?"


def _duration(rec: dict) -> str:
    try:
        h = float(rec.get("duration_h"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return fmt_age(h * S_PER_H) if np.isfinite(h) else ""


def _km(v: object, what: str = "") -> str:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if np.isinf(x):
        return "none within ~1,000 km"
    return f"{x:,.1f} km{what}" if np.isfinite(x) else ""


def _unit(value: object, fmt: str, text: str) -> str:
    """``value`` formatted and followed by ``text`` (empty when missing)."""
    v = _num(value, fmt)
    return f"{v}{text}" if v else ""


_INTENTIONAL = {1: "yes (GFW rule)", 0: "no (GFW rule)"}


def _figures(rec: dict) -> list[tuple[str, str]]:
    """The per-type figures of an activity popup (label, raw text)."""
    kind, li = rec.get("event_type"), rec.get("likely_intentional")
    gap = kind == "gap"
    rows = [
        ("distance apart", _unit(rec.get("median_distance_m"), ",.0f", " m (median)")),
        ("area", _unit(rec.get("radius_m"), ",.0f", " m radius") if kind == "loitering" else ""),
        ("speed", _unit(rec.get("median_speed_kn"), ".1f", " kn (median)")),
        (
            "off to on" if gap else "between places",
            _km(rec.get("distance_km"), " between the fixes either side" if gap else ""),
        ),
        ("implied speed", _unit(rec.get("implied_speed_kn"), ",.0f", " kn")),
        ("likely intentional", _INTENTIONAL.get(li, "") if gap and li in _INTENTIONAL else ""),
        ("positions before", _unit(rec.get("positions_before"), ".0f", " in the window before")),
        ("from port", _km(rec.get("distance_from_port_km"), " to the nearest port zone")),
    ]
    return rows


def _vessel_line(vid: str, name: str, mmsi: object, reg: pd.DataFrame) -> str:
    """``NAME (oiler, Altay class) · MMSI 273...`` (escaped)."""
    info = [
        str(reg.at[vid, c])
        for c in ("type", "vessel_class")
        if vid in reg.index
        and c in reg.columns
        and isinstance(reg.at[vid, c], str)
        and reg.at[vid, c]
    ]
    m = _num(mmsi, ".0f")
    text = name + (f" ({', '.join(info)})" if info else "") + (f" \u00b7 MMSI {m}" if m else "")
    return esc(text)


#: Row labels of activity popups: the popups ship as escaped values with a label's index, and
#: the report's script puts them in the popup's fixed markup (a thousand popups as HTML inside
#: the page's JSON would weigh twice as much: every ``<`` is six bytes there).
ACTIVITY_LABELS = (
    "duration", "confidence", "flags", "distance apart", "area", "speed", "off to on",
    "between places", "implied speed", "likely intentional", "positions before", "from port",
    "evidence",
)  # fmt: skip
_LABEL = {k: i for i, k in enumerate(ACTIVITY_LABELS)}


def activity_popup(rec: dict, names: dict[str, str], reg: pd.DataFrame) -> dict:
    """Popup of an activity event, as escaped parts (``rec`` a row of the activity table, raw
    values; ``names`` raw vessel names by id; ``reg`` the registry frame: type and class by
    vessel id): ``h`` the vessel(s), ``w`` what happened, ``v`` a line per vessel, ``tm`` the
    time, ``r`` rows of (index in :data:`ACTIVITY_LABELS`, value). The report's script
    assembles them (:func:`activity_popup_html` does the same, here)."""
    ids, ns = _vessel_ids(rec), _names(rec, names)
    mmsis = [rec.get("mmsi"), rec.get("other_mmsi")] if rec.get("vessel_id") else []
    lines = [
        _vessel_line(v, n, mmsis[i] if i < len(mmsis) else None, reg)
        for i, (v, n) in enumerate(zip(ids, ns, strict=True))
    ]
    flags = rec.get("flags") if isinstance(rec.get("flags"), str) else ""
    rows = [
        ("duration", _duration(rec)),
        ("confidence", _num(rec.get("confidence"), ".2f")),
        ("flags", flags),
        *_figures(rec),
        ("evidence", rec.get("evidence") if isinstance(rec.get("evidence"), str) else ""),
    ]
    return {
        "h": esc(_who(rec, names)),
        "w": esc(activity_what(rec)),
        "v": lines,
        "tm": f"{esc(fmt_time(rec.get('start')))} – {esc(fmt_time(rec.get('end')))}",
        "r": [[_LABEL[k], esc(v)] for k, v in rows if v],
    }


def activity_popup_html(p: dict) -> str:
    """The popup HTML of :func:`activity_popup`'s parts, as the report's script builds it."""
    rows = [("vessels" if len(p["v"]) > 1 else "vessel", "<br>".join(p["v"])), ("time", p["tm"])]
    for i, v in p["r"]:
        label = ACTIVITY_LABELS[i]
        if label == "evidence":
            v = f'<div class="nw-ev">{v}</div>'
        elif label == "flags":
            v = f'<span class="nw-flag">{v}</span>'
        rows.append((label, v))
    return (
        f'<div class="nw-pop"><b class="nw-name">{p["h"]}</b><br><span>{p["w"]}</span>'
        f"{table(rows)}</div>"
    )


#: Colour of each activity type's name in the events list.
_ROW_COLOURS = {
    "encounter": "#7b3294",
    "replenishment": "#c51b7d",
    "loitering": "#d95f02",
    "gap": "#555555",
    "spoofing": "#8a6d00",
    "identity_change": "#01665e",
}


def activity_row(rec: dict, names: dict[str, str], index: int) -> str:
    """A row of the events list for activity event ``index`` of the script's data."""
    kind = str(rec.get("event_type"))
    colour = _ROW_COLOURS.get(kind, "#555")
    window = f"{fmt_time(rec.get('start'))[5:16]} – {fmt_time(rec.get('end'))[5:16]}"
    flags = rec.get("flags") if isinstance(rec.get("flags"), str) else ""
    return (
        f'<tr data-a="{int(index)}"><td>{esc(_who(rec, names))}</td>'
        f'<td style="color:{colour}">{esc(activity_what(rec, short=True))}</td>'
        f"<td>{esc(window)}</td><td>{esc(_num(rec.get('confidence'), '.2f'))}</td>"
        f'<td class="nw-flag" title="{esc(flags)}">{esc(_flag_words(str(flags)))}</td></tr>'
    )


def _activity_symbol(style: dict) -> str:
    """A small SVG of how an activity type is drawn: its line (or area) and its icon."""
    parts = []
    if "area" in style:
        a = style["area"]
        parts.append(
            f'<circle cx="13" cy="8" r="7" fill="{a["fillColor"]}" fill-opacity="0.3" stroke="#777" '
            f'stroke-width="1.5" stroke-dasharray="3 2"/>'
        )
    if "line" in style:
        ln = style["line"]
        dash = f' stroke-dasharray="{ln["dashArray"]}"' if ln.get("dashArray") else ""
        parts.append(
            f'<line x1="0" y1="8" x2="26" y2="8" stroke="{ln["color"]}" stroke-width="2.5"{dash}/>'
        )
    # the icon, at 14 px in the middle (its markup is constant: navwatch.report._activity)
    parts.append(
        f'<svg x="6" y="1" width="14" height="14" viewBox="0 0 18 18">'
        f"{style['icon']['html'].split('>', 1)[1].rsplit('</svg>', 1)[0]}</svg>"
    )
    return f'<svg class="nw-sym" width="26" height="16" viewBox="0 0 26 16">{"".join(parts)}</svg>'


def activity_legend(items: Sequence[tuple[str, dict]], capped: str = "") -> str:
    """Legend lines of the activity types drawn (``items``: legend text, style) and a note on
    the cap (escaped here)."""
    rows = "".join(f"<div>{_activity_symbol(s)}{esc(text)}</div>" for text, s in items)
    note = f'<div class="nw-muted">{esc(capped)}</div>' if capped else ""
    return f'<div class="nw-act-legend">{rows}{note}</div>' if rows else ""
