"""The report's layers as data for its script: thinned tracks, vessels, events and zones.

Each builder returns plain JSON-ready values whose strings are already HTML-escaped (see
:mod:`navwatch.report._html`); nothing here touches folium.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..geodesy import NS_PER_S
from ._data import Inputs, located, registry_frame, seconds, str_values, tier_label
from ._html import esc, event_popup, fmt_time, vessel_popup
from ._thin import thin_tracks

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
_HOW_LABEL = {"ais": "AIS fix", "sighting": "sighting", "survey": "port survey: zone point"}


@dataclass
class Tracks:
    """Located rows (``loc``, in the order of ``Inputs.st``) and which of them are drawn."""

    loc: pd.DataFrame
    code: np.ndarray
    t: np.ndarray  # seconds
    lat: np.ndarray
    lon: np.ndarray
    kept: np.ndarray


def tracks(
    inp: Inputs,
    *,
    max_track_points: int,
    max_total_points: int,
    tolerance_m: float,
    bucket_min: float,
) -> Tracks:
    """Every located row, thinned per vessel by :func:`thin_tracks` around mandatory points."""
    loc = located(inp.st, inp.zi)
    code = inp.codes[loc.index.to_numpy()]
    t = seconds(loc["time"])
    lat, lon = loc["lat"].to_numpy(float), loc["lon"].to_numpy(float)
    keep = _mandatory(loc, code, t, inp)
    n_vessels = len(np.unique(code))
    per_vessel = min(max_track_points, max(20, max_total_points // max(n_vessels, 1)))
    kept = thin_tracks(
        code,
        t,
        lat,
        lon,
        keep,
        tolerance_m=tolerance_m,
        bucket_min=bucket_min,
        max_points=per_vessel,
    )
    return Tracks(loc, code, t, lat, lon, kept)


def _mandatory(loc: pd.DataFrame, code: np.ndarray, t: np.ndarray, inp: Inputs) -> np.ndarray:
    """Points thinning keeps: non-AIS evidence, both sides of every change of port state, and
    the fixes that bracket an event."""
    keep = loc["how"].to_numpy() != "ais"
    if len(loc) > 1:
        key = np.zeros(len(loc), dtype=np.int64)
        for c in ("state", "port", "tier"):
            if c in loc.columns:
                key = (
                    key * 1024
                    + pd.factorize(loc[c], use_na_sentinel=False)[0].astype(np.int64) % 1024
                )
        change = (key[1:] != key[:-1]) & (code[1:] == code[:-1])
        keep[1:] |= change
        keep[:-1] |= change
    ev = inp.ev
    if len(ev) and len(loc):
        ecode = inp.vessel_ids.get_indexer(str_values(ev["vessel_id"]).astype(str))
        span = int(t.max() - t.min() + 1)
        base = int(t.min())
        lkey = code.astype(np.int64) * span + (t - base)
        ekeys = []
        for c in ("time_earliest", "time_latest"):
            if c in ev.columns:
                es = pd.to_datetime(ev[c], utc=True)
                ok = (ecode >= 0) & es.notna().to_numpy()
                ekeys.append(ecode[ok].astype(np.int64) * span + (seconds(es[ok]) - base))
        if ekeys:
            keep |= np.isin(lkey, np.concatenate(ekeys))
    return keep


@dataclass
class TimeBase:
    """Slider range: times in the data are seconds after ``t0`` (a whole minute)."""

    t0: int
    tmin: int
    tmax: int
    first: pd.Timestamp | None  # the period shown
    final: pd.Timestamp | None
    age_ref: pd.Timestamp | None  # ages are measured to this time
    age_ref_label: str

    @property
    def period(self) -> str:
        if self.first is None and self.final is None:
            return "no evidence"
        return f"{fmt_time(self.first)} – {fmt_time(self.final)}"


def time_base(inp: Inputs, tr: Tracks, extra: np.ndarray | None = None) -> TimeBase:
    """The slider's range, the period and the reference time of ages (``until``, else the latest
    evidence: the report reads no clock); ``extra`` times (seconds) are on the slider too."""
    times = [tr.t]
    if len(inp.ev):
        times.append(seconds(inp.ev["time"].dropna()))
    if extra is not None:
        times.append(np.asarray(extra, dtype=np.int64))
    all_t = np.concatenate(times)
    if len(all_t):
        t0 = int(all_t.min()) // 60 * 60
        tmin, tmax = int(all_t.min()) - t0, int(all_t.max()) - t0
    else:
        t0, tmin, tmax = 0, 0, 0
    tmax = max(tmax, tmin + 60)
    last_evidence = pd.to_datetime(inp.st["time"], utc=True).max() if len(inp.st) else None
    if inp.until is not None:
        age_ref, label = inp.until, f"until ({fmt_time(inp.until)})"
    else:
        age_ref, label = last_evidence, f"the latest evidence ({fmt_time(last_evidence)})"
    first = inp.since
    if first is None and len(all_t):
        first = pd.Timestamp(t0 + tmin, unit="s", tz="UTC")
    final = inp.until
    if final is None and len(all_t):
        final = pd.Timestamp(t0 + tmax, unit="s", tz="UTC")
    return TimeBase(t0, tmin, tmax, first, final, age_ref, label)


#: Labels of the status codes the report's script uses (see :mod:`navwatch.report._js`).
STATUS_LABELS = [
    "in port",
    "offshore",
    "at sea",
    "in another port",
    "position unknown",
    "position unknown (evidence stale)",
    "position unknown (absent from a port survey)",
]
_WHY_CODE = {"stale": 5, "absence": 6}


def status_codes(inp: Inputs, registry, tb: TimeBase, stale_after_h: float) -> dict[str, tuple]:
    """Per vessel id: (times in seconds after ``tb.t0``, status codes) of every change of its
    status (:func:`navwatch.dispersal.status_changes`, the statuses of the dispersal table)."""
    from ..dispersal import STATUSES, status_changes

    ids = [str(x) for x in inp.vessel_ids]
    if not ids:
        return {}
    ch = status_changes(
        inp.st, inp.zi, registry, port=inp.port_name, vessels=ids, stale_after_h=stale_after_h
    )
    code = np.asarray(ch["status"].cat.codes, dtype=np.int64)
    why = ch["why"].astype(str).to_numpy()
    code = np.where(
        code == STATUSES.index("unknown"),
        [_WHY_CODE.get(w, 4) for w in why] if len(why) else code,
        code,
    )
    ns = ch["time"].astype("datetime64[ns, UTC]").astype("int64").to_numpy()
    t = -(-ns // NS_PER_S) - tb.t0  # whole seconds, rounded up: a stale moment is never early
    out = {}
    vid = ch["vessel_id"].astype(str).to_numpy()
    bounds = np.flatnonzero(np.r_[True, vid[1:] != vid[:-1], True]) if len(vid) else [0]
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        out[vid[a]] = (t[a:b].astype(int).tolist(), code[a:b].astype(int).tolist())
    return out


def vessels(
    inp: Inputs, tr: Tracks, tb: TimeBase, registry, statuses: dict[str, tuple]
) -> tuple[list[dict[str, Any]], int]:
    """One entry per located vessel (name, popup, colour, thinned track, status changes), and
    how many vessels have evidence but no position."""
    codes, st = inp.codes, inp.st
    if not len(codes):
        return [], 0
    reg = registry_frame(registry)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)].astype(np.int64)
    last_rows = st.iloc[ends - 1].to_dict("records")
    name_at, name_col = _last_names(st, starts)
    lbounds = (
        np.flatnonzero(np.r_[True, tr.code[1:] != tr.code[:-1], True]) if len(tr.code) else None
    )
    where_loc = {} if lbounds is None else {int(c): i for i, c in enumerate(tr.code[lbounds[:-1]])}
    loc_last = tr.loc.iloc[lbounds[1:] - 1].to_dict("records") if lbounds is not None else []

    out: list[dict[str, Any]] = []
    n_unlocated = 0
    for j, s0 in enumerate(starts):
        li = where_loc.get(int(codes[s0]))
        if li is None:
            n_unlocated += 1
            continue
        assert lbounds is not None
        vid = str(inp.vessel_ids[int(codes[s0])])
        nm = str(name_col.iloc[name_at[j]]) if name_col is not None and name_at[j] >= 0 else ""
        nm = nm or str(_reg_value(reg, vid, "name") or "") or vid
        info = _popup_info(vid, nm, last_rows[j], loc_last[li], reg, tb)
        a, b = int(lbounds[li]), int(lbounds[li + 1])
        sel = np.flatnonzero(tr.kept[a:b]) + a
        st_t, st_s = statuses.get(vid, ([], []))
        out.append(
            {
                "id": vid,
                "st": st_t,
                "ss": st_s,
                "n": esc(nm),
                "p": vessel_popup(info),
                "c": PALETTE[len(out) % len(PALETTE)],
                # delta-encoded integers (seconds; 1e-5 degrees, ~1 m): half the bytes of
                # decimals; the script sums them back
                "t": _deltas(tr.t[sel] - tb.t0),
                "la": _deltas(np.round(tr.lat[sel] * 1e5)),
                "lo": _deltas(np.round(tr.lon[sel] * 1e5)),
            }
        )
    return out, n_unlocated


def _deltas(values: np.ndarray) -> list[int]:
    """``values`` as integers, each after the first as the difference from the one before.

    >>> _deltas(np.array([3490012.0, 3490015.0, 3490001.0]))
    [3490012, 3, -14]
    """
    v = np.asarray(values).astype(np.int64)
    return np.diff(v, prepend=0).tolist()


def _last_names(st: pd.DataFrame, starts: np.ndarray) -> tuple[np.ndarray, pd.Series | None]:
    """Per vessel, the row of its last non-empty name (-1 if none), and the name column."""
    if "vessel_name" not in st.columns:
        return np.full(len(starts), -1), None
    has_name = (st["vessel_name"].astype("string").fillna("").str.len() > 0).to_numpy(bool)
    at = np.maximum.reduceat(np.where(has_name, np.arange(len(st)), -1), starts)
    return at, st["vessel_name"]


def _reg_value(reg: pd.DataFrame, vid: str, c: str):
    return reg.at[vid, c] if vid in reg.index and c in reg.columns else None


def _popup_info(vid: str, name: str, last: dict, pos: dict, reg: pd.DataFrame, tb: TimeBase):
    """Raw values of a vessel's popup: its last evidence (any kind) and last position."""
    last_kind = last.get("kind")
    present = last.get("present")
    if last_kind == "survey" and present is not None and not pd.isna(present):
        last_kind = (
            f"survey ({'present in' if present else 'absent from'} {last.get('surveyed') or ''})"
        )
    mmsi = last.get("mmsi")
    age = (
        (tb.age_ref - pd.Timestamp(last["time"])).total_seconds()
        if tb.age_ref is not None
        else float("nan")
    )
    return {
        "name": name,
        "vessel_id": vid,
        "mmsi": None if mmsi is None or pd.isna(mmsi) else mmsi,
        "vessel_class": _reg_value(reg, vid, "vessel_class"),
        "type": _reg_value(reg, vid, "type"),
        "last_time": last["time"],
        "age_s": age,
        "age_ref": tb.age_ref_label,
        "last_kind": last_kind,
        "last_source": last.get("source"),
        "last_file": last.get("src_file"),
        "last_line": last.get("src_line"),
        "state": last.get("state"),
        "port": last.get("port"),
        "tier": last.get("tier"),
        "pos_time": pos["time"],
        "pos_how": _HOW_LABEL.get(pos["how"], pos["how"]),
        "pos_kind": pos["how"],
        "pos_source": pos.get("source"),
        "pos_file": pos.get("src_file"),
        "pos_line": pos.get("src_line"),
        "sog_kn": pos.get("sog_kn"),
    }


def events(inp: Inputs, tb: TimeBase) -> list[dict[str, Any]]:
    """One entry per event with a position and time: kind, time, place and popup."""
    ev = inp.ev
    if not len(ev):
        return []
    elat = pd.to_numeric(ev["lat"], errors="coerce").to_numpy(float)
    elon = pd.to_numeric(ev["lon"], errors="coerce").to_numpy(float)
    et = pd.to_datetime(ev["time"], utc=True)
    ok = np.isfinite(elat) & np.isfinite(elon) & et.notna().to_numpy(bool)
    esec = np.where(ok, seconds(et.fillna(pd.Timestamp(0, tz="UTC"))), 0)
    out = []
    for i, rec in enumerate(ev.to_dict("records")):
        if ok[i]:
            kind = "departure" if rec.get("event") == "departure" else "arrival"
            name = rec.get("vessel_name") or rec.get("vessel_id")
            out.append(
                {
                    "k": kind,
                    "t": int(esec[i]) - tb.t0,
                    "la": round(float(elat[i]), 5),
                    "lo": round(float(elon[i]), 5),
                    "p": event_popup(rec),
                    "v": str(rec.get("vessel_id")),
                    "title": esc(
                        f"{name}: {kind} {rec.get('port') or ''}, {fmt_time(rec.get('time'))}"
                    ),
                    "row": i,
                }
            )
    order = sorted(range(len(out)), key=lambda j: (out[j]["t"], j))
    return [out[j] for j in order]


@dataclass
class ZoneLayer:
    """The zones drawn (near the data, and every zone of the focus port) and their tiers."""

    json: list[dict[str, Any]]
    tiers: list[Any]  # innermost first
    styles: list[dict[str, Any]]
    bounds: np.ndarray | None  # total bounds of the zones drawn (minx, miny, maxx, maxy)
    labels: list[dict[str, Any]]  # port names: n (escaped), la, lo
    shown: np.ndarray  # rows of the ZoneIndex drawn


def zones(inp: Inputs, lat: np.ndarray, lon: np.ndarray) -> ZoneLayer:
    """Zones whose bounds come within half a degree (or a quarter of the data's extent) of the
    points ``lat``/``lon``, plus every zone of the focus port; tiers innermost first, each at the
    lowest rank it has among the zones drawn."""
    zi = inp.zi
    zsel = _near(zi, lat, lon)
    if inp.port_name is not None and len(zsel):
        zsel |= zi.port == inp.port_name
    shown = np.flatnonzero(zsel)
    tiers = list(
        pd.Series(zi.rank[shown])
        .groupby(zi.tier[shown], sort=False)
        .min()
        .sort_values(kind="stable")
        .index
    )
    out = []
    if len(shown):
        geoms = shapely.transform(zi.zones.geometry.to_numpy()[shown], lambda c: np.round(c, 5))
        for p, t, gj in zip(zi.port[shown], zi.tier[shown], shapely.to_geojson(geoms), strict=True):
            out.append(
                {
                    "k": tiers.index(t),
                    "tip": f"<b>{esc(p)}</b> {esc(tier_label(t))}",
                    "g": json.loads(gj),
                }
            )
    styles = [TIER_STYLES.get(str(t), OTHER_TIER_STYLE) for t in tiers]
    bounds = zi.zones.iloc[shown].total_bounds if len(shown) else None
    return ZoneLayer(out, tiers, styles, bounds, _port_labels(zi, shown), shown)


def _port_labels(zi, shown: np.ndarray) -> list[dict[str, Any]]:
    """One label per port drawn, at the representative point of its innermost zone drawn."""
    labels: dict[str, dict[str, Any]] = {}
    for i in sorted(shown.tolist(), key=lambda i: (int(zi.rank[i]), i)):
        name = str(zi.port[i])
        if name not in labels:
            labels[name] = {
                "n": esc(name),
                "la": round(float(zi.rep_lat[i]), 5),
                "lo": round(float(zi.rep_lon[i]), 5),
            }
    return list(labels.values())


def _near(zi, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    n = len(zi.zones)
    if not n or not len(lat):
        return np.ones(n, dtype=bool)
    b = shapely.bounds(zi.zones.geometry.to_numpy())  # minx, miny, maxx, maxy
    s_, n_ = float(lat.min()), float(lat.max())
    w_, e_ = float(lon.min()), float(lon.max())
    pad_lat = max(0.5, 0.25 * (n_ - s_))
    pad_lon = max(0.5, 0.25 * (e_ - w_))
    return (
        (b[:, 0] <= e_ + pad_lon)
        & (b[:, 2] >= w_ - pad_lon)
        & (b[:, 1] <= n_ + pad_lat)
        & (b[:, 3] >= s_ - pad_lat)
    )
