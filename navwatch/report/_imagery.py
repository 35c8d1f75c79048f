"""Satellite imagery on the map report (issue 15): scene footprints and vessel detections as
data for the report's script, three layers.

The inputs are the tables of ``/work/imagery_spec.md``: the scenes (§2, a GeoDataFrame from
:func:`navwatch.imagery.read_scenes`) and the matched detections (§4, from
:func:`navwatch.imagery.match_detections`, or a file ``navwatch imagery`` wrote, read with
:func:`read_detections`). They are checked (:func:`check_scenes`, :func:`check_detections`),
kept to the report's period, capped (:func:`select`) and turned into drawable entries
(:func:`draw`):

==============================  ===============================================================
layer                           drawn as
==============================  ===============================================================
Scene footprints (N)            the footprint polygon, light outline; popup: scene id, time,
                                source, sensor, cloud cover; tooltip: scene id and time
Detections: matched to AIS (N)  a small blue circle; popup: detection id, time, vessel (name,
                                id, MMSI), distance vs the limit, length vs the vessel's, score
Detections: dark (N)            a small red circle; popup: length, score, candidates, survey
                                token, port
==============================  ===============================================================

Each scene and detection appears on the time slider from its time on (a detection's
``scene_time``, else its own ``time``; one without any time from the start), as the activity
layers do. Every string reaching the page is escaped here (:func:`~navwatch.report._html.esc`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..errors import SchemaError
from ..schema import TIME_DTYPE
from ._activity import _shares
from ._data import display_paths, seconds, str_values
from ._html import _num, esc, fmt_time

#: Detection statuses, in layer order (``status`` of the matched detections table).
STATUSES = ("matched", "ambiguous", "dark")
#: At most this many detections are drawn by default: an equal share per status (see
#: :func:`select`); a month of SAR detections over a sea weighs megabytes otherwise.
MAX_DETECTIONS = 5000
#: At most this many scene footprints are drawn (the latest first).
MAX_SCENES = 2000
#: Footprints are simplified to this tolerance (degrees, ~100 m) before they are drawn.
FOOTPRINT_TOLERANCE_DEG = 0.001

#: Layer names (before the count) and how each layer is drawn (Leaflet path options).
LABELS = {
    "scenes": "Scene footprints",
    "matched": "Detections: matched to AIS",
    "ambiguous": "Detections: ambiguous AIS match",
    "dark": "Detections: dark",
}
STYLES: dict[str, dict[str, Any]] = {
    "scenes": {
        "color": "#4a6fa5", "weight": 1, "opacity": 0.7, "dashArray": "4 3",
        "fillColor": "#4a6fa5", "fillOpacity": 0.04,
    },
    "matched": {
        "radius": 4, "color": "#ffffff", "weight": 1, "opacity": 1,
        "fillColor": "#1f78b4", "fillOpacity": 0.95,
    },
    "ambiguous": {
        "radius": 4, "color": "#1f78b4", "weight": 2, "opacity": 1,
        "fillColor": "#ffffff", "fillOpacity": 0.95,
    },
    "dark": {
        "radius": 5, "color": "#111111", "weight": 1.5, "opacity": 1,
        "fillColor": "#e31a1c", "fillOpacity": 0.95,
    },
}  # fmt: skip
LEGEND = {
    "scenes": "satellite scene footprint",
    "matched": "detection matched to an AIS track",
    "ambiguous": "detection as near one AIS track as another (the nearest named)",
    "dark": "dark detection (no AIS match)",
}
#: Row labels of the popups: entries ship (label index, escaped value) pairs, the script
#: builds the markup (as the activity popups).
POPUP_LABELS = (
    "time", "detection", "vessel", "distance", "length", "beam", "score", "candidates",
    "token", "port", "scene", "source", "sensor", "cloud cover", "AIS fix gap", "file",
)  # fmt: skip
_LABEL = {k: i for i, k in enumerate(POPUP_LABELS)}

_DET_REQUIRED = ("detect_id", "lat", "lon", "status")
_DET_FLOATS = ("lat", "lon", "length_m", "beam_m", "score", "distance_m", "limit_m", "fix_gap_s")
_DET_TEXTS = (
    "detect_id", "scene_id", "source", "sensor", "src_file", "status", "vessel_id",
    "vessel_name", "length_fit", "candidates", "token", "port",
)  # fmt: skip
_SCENE_TEXTS = ("scene_id", "source", "sensor", "src_file")


# ----------------------------------------------------------------------------------------------
# the tables: read, checked


def read_detections(path: str | Path) -> pd.DataFrame:
    """A matched detections table as ``navwatch imagery`` writes it (the schema's
    ``detections`` table: ``.csv``, ``.parquet``, ``.geojson`` or ``.gpkg``), checked for the
    report (:func:`check_detections`). :class:`~navwatch.errors.IngestError` naming the file
    when it cannot be read; :class:`~navwatch.errors.SchemaError` when it is not that table."""
    from ..io.writers import read_table

    return check_detections(read_table(path, "detections"), where=str(path))


def check_detections(df: pd.DataFrame, *, where: str = "detections") -> pd.DataFrame:
    """``df`` (matched detections, spec §4) with the columns the report reads, typed: times
    UTC, figures float, ``mmsi`` float, texts as strings (missing ones empty).
    :class:`~navwatch.errors.SchemaError` naming ``where`` when detect_id, lat, lon or status
    is missing."""
    missing = [c for c in _DET_REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{where}: not a matched detections table: no column(s) {', '.join(missing)} "
            "(expected the output of navwatch.imagery.match_detections)"
        )
    df = df.reset_index(drop=True)
    out = pd.DataFrame(index=df.index)
    for c in ("time", "scene_time"):
        out[c] = _times(df[c]) if c in df.columns else pd.Series(pd.NaT, index=df.index)
        out[c] = out[c].astype(TIME_DTYPE)
    out["scene_time"] = out["scene_time"].fillna(out["time"])
    for c in (*_DET_FLOATS, "mmsi"):
        col = df[c] if c in df.columns else pd.Series(np.nan, index=df.index)
        out[c] = pd.to_numeric(col, errors="coerce").astype(float)
    for c in _DET_TEXTS:
        out[c] = _texts(df[c] if c in df.columns else None, len(df))
    out["src_line"] = _lines(df)
    out["status"] = [s.strip().lower() for s in out["status"]]
    return out


def check_scenes(gdf, *, where: str = "scenes") -> pd.DataFrame:
    """``gdf`` (scenes, spec §2: a GeoDataFrame in EPSG:4326) as a plain frame the report
    reads: typed columns and ``geometry`` (shapely polygons; empty or missing ones dropped).
    :class:`~navwatch.errors.SchemaError` naming ``where`` when scene_id or geometry is
    missing."""
    if "geometry" not in getattr(gdf, "columns", ()) or "scene_id" not in gdf.columns:
        raise SchemaError(
            f"{where}: not a scenes table: expected a GeoDataFrame with scene_id and a "
            "footprint geometry (navwatch.imagery.read_scenes)"
        )
    crs = getattr(gdf, "crs", None)
    if crs is not None and not crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    df = pd.DataFrame(gdf).reset_index(drop=True)
    geoms = np.asarray(df["geometry"].to_numpy(), dtype=object)
    ok = np.array([g is not None and not shapely.is_empty(g) for g in geoms], dtype=bool)
    df = df[ok].reset_index(drop=True)
    out = pd.DataFrame(index=df.index)
    out["time"] = (
        _times(df["time"]) if "time" in df.columns else pd.Series(pd.NaT, index=df.index)
    ).astype(TIME_DTYPE)
    for c in _SCENE_TEXTS:
        out[c] = _texts(df[c] if c in df.columns else None, len(df))
    cc = df["cloud_cover"] if "cloud_cover" in df.columns else pd.Series(np.nan, index=df.index)
    out["cloud_cover"] = pd.to_numeric(cc, errors="coerce").astype(float)
    out["src_line"] = _lines(df)
    out["geometry"] = geoms[ok]
    return out


def _times(col: pd.Series) -> pd.Series:
    """Times as UTC (ISO 8601 text as written in CSV; unreadable ones NaT)."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(col):
        return pd.to_datetime(col, utc=True)
    return pd.to_datetime(col.astype(object), utc=True, errors="coerce", format="ISO8601")


def _lines(df: pd.DataFrame) -> np.ndarray:
    """``src_line`` as floats (NaN unknown)."""
    if "src_line" not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df["src_line"], errors="coerce").astype(float).to_numpy()


def _texts(col: pd.Series | None, n: int) -> np.ndarray:
    """A text column as ``str`` values, missing ones ``""``."""
    if col is None:
        return np.full(n, "", dtype=object)
    v = str_values(col)
    return np.array(["" if pd.isna(x) else str(x) for x in v], dtype=object)


# ----------------------------------------------------------------------------------------------
# what the report draws


@dataclass
class ImageryLayer:
    """The scenes and detections drawn (``scenes``, ``detections``), their entries for the
    script, and counts of those in the period (``given``) and drawn (``drawn``) by layer key
    (``scenes``, ``matched``, ``dark``)."""

    scenes: pd.DataFrame = field(default_factory=pd.DataFrame)
    detections: pd.DataFrame = field(default_factory=pd.DataFrame)
    scene_json: list[dict[str, Any]] = field(default_factory=list)
    detection_json: list[dict[str, Any]] = field(default_factory=list)
    given: dict[str, int] = field(default_factory=dict)
    drawn: dict[str, int] = field(default_factory=dict)
    unknown_status: int = 0

    def label(self, key: str) -> str:
        """Layer name: ``Detections: dark (12)``, ``... (showing 2,500 of 9,000)`` when capped."""
        n, of = self.drawn.get(key, 0), self.given.get(key, 0)
        count = f"{n:,}" if n == of else f"showing {n:,} of {of:,}"
        return f"{LABELS[key]} ({count})"

    @property
    def keys(self) -> list[str]:
        """The layers drawn, in layer order."""
        return [k for k in ("scenes", *STATUSES) if self.drawn.get(k)]

    def times(self) -> np.ndarray:
        """The scenes' and detections' times (seconds), for the slider's range."""
        t = []
        if len(self.scenes):
            t.append(seconds(self.scenes["time"].dropna()))
        if len(self.detections):
            t.append(seconds(self.detections["scene_time"].dropna()))
        return np.concatenate(t) if t else np.empty(0, dtype=np.int64)

    def summary(self) -> dict[str, Any]:
        """What the map report says about its imagery layers (``navwatch_summary``)."""
        dets = {k: self.drawn.get(k, 0) for k in STATUSES if self.given.get(k)}
        return {
            "scenes": self.drawn.get("scenes", 0),
            "scenes_in_period": self.given.get("scenes", 0),
            "detections": sum(self.drawn.get(k, 0) for k in STATUSES),
            "detections_by_status": dets,
            "detections_in_period": sum(self.given.get(k, 0) for k in STATUSES),
            "detections_unknown_status": self.unknown_status,
        }


def pick(
    scenes, detections, *, since=None, until=None, max_detections: int = MAX_DETECTIONS,
    max_scenes: int = MAX_SCENES, full_paths: bool = False,
) -> ImageryLayer:  # fmt: skip
    """The scenes and detections of the report: checked, in the period (a detection by its
    ``scene_time``), located, capped (:func:`select`; scenes: the latest ``max_scenes``)."""
    out = ImageryLayer()
    if scenes is not None and len(scenes):
        sc = _in_period(check_scenes(scenes), "time", since, until)
        out.given["scenes"] = len(sc)
        keep = np.argsort(-seconds(sc["time"].fillna(pd.Timestamp(0, tz="UTC"))), kind="stable")
        out.scenes = sc.iloc[np.sort(keep[:max_scenes])].reset_index(drop=True)
        out.drawn["scenes"] = len(out.scenes)
    if detections is not None and len(detections):
        det = _in_period(check_detections(detections), "scene_time", since, until)
        ok = np.isfinite(det["lat"].to_numpy()) & np.isfinite(det["lon"].to_numpy())
        known = det["status"].isin(STATUSES).to_numpy()
        out.unknown_status = int((ok & ~known).sum())
        det = det[ok & known].reset_index(drop=True)
        out.given.update({k: int((det["status"] == k).sum()) for k in STATUSES})
        out.detections = det.iloc[select(det, max_detections)].reset_index(drop=True)
        out.drawn.update({k: int((out.detections["status"] == k).sum()) for k in STATUSES})
    if not full_paths:
        _hide_paths(out)
    return out


def _in_period(df: pd.DataFrame, col: str, since, until) -> pd.DataFrame:
    """Rows whose ``col`` is within the period (all, without a period; NaT ones only then)."""
    if since is None and until is None:
        return df
    t = df[col]
    keep = t.notna().to_numpy().copy()
    if since is not None:
        keep &= (t >= since).to_numpy(bool, na_value=False)
    if until is not None:
        keep &= (t <= until).to_numpy(bool, na_value=False)
    return df[keep].reset_index(drop=True)


def _hide_paths(il: ImageryLayer) -> None:
    """Input files named relative to their common folder (as the report's other inputs)."""
    files = [*il.scenes.get("src_file", []), *il.detections.get("src_file", [])]
    shown = display_paths(files)
    for df in (il.scenes, il.detections):
        if len(df):
            df["src_file"] = [shown.get(f, f) for f in df["src_file"]]


def select(det: pd.DataFrame, max_detections: int) -> np.ndarray:
    """Rows of ``det`` to draw, at most ``max_detections``: each status an equal share (a status
    with fewer gives the rest to the other), the highest scores first, then the latest.
    Sorted by time."""
    t = seconds(det["scene_time"].fillna(pd.Timestamp(0, tz="UTC")))
    if len(det) <= max_detections:
        return np.argsort(t, kind="stable")
    status = det["status"].to_numpy(dtype=object)
    counts = {k: int((status == k).sum()) for k in STATUSES}
    share = _shares(counts, max_detections)
    order = np.lexsort((-t, -det["score"].fillna(-1.0).to_numpy()))
    rank = np.empty(len(det), dtype=np.int64)
    for k in STATUSES:
        rows = order[status[order] == k]
        rank[rows] = np.arange(len(rows))
    keep = np.flatnonzero(rank < np.array([share.get(k, 0) for k in status]))
    return keep[np.argsort(t[keep], kind="stable")]


def points(il: ImageryLayer) -> tuple[np.ndarray, np.ndarray]:
    """Points the map's view should hold: the detections, and each footprint's centre."""
    lat = [il.detections["lat"].to_numpy(float)] if len(il.detections) else []
    lon = [il.detections["lon"].to_numpy(float)] if len(il.detections) else []
    if len(il.scenes):
        c = shapely.centroid(np.asarray(il.scenes["geometry"].to_numpy(), dtype=object))
        lat.append(shapely.get_y(c))
        lon.append(shapely.get_x(c))
    if not lat:
        return np.empty(0), np.empty(0)
    return np.concatenate(lat), np.concatenate(lon)


def draw(il: ImageryLayer, tb) -> None:
    """Fill ``il.scene_json`` and ``il.detection_json``: one entry per scene and detection,
    ``t`` its slider time (seconds after ``tb.t0``, within the slider; the start without a
    time), with its popup parts."""
    if len(il.scenes):
        ts = _slider_times(il.scenes["time"], tb)
        for i, rec in enumerate(il.scenes.to_dict("records")):
            il.scene_json.append({"t": ts[i], "g": _rings(rec["geometry"]), **scene_popup(rec)})
    if len(il.detections):
        ts = _slider_times(il.detections["scene_time"], tb)
        for i, rec in enumerate(il.detections.to_dict("records")):
            entry = {"k": rec["status"], "t": ts[i], "m": [round(rec["lat"], 5), round(rec["lon"], 5)]}  # fmt: skip
            il.detection_json.append({**entry, **detection_popup(rec)})


def _slider_times(t: pd.Series, tb) -> list[int]:
    s = seconds(t.fillna(pd.Timestamp(tb.t0 + tb.tmin, unit="s", tz="UTC")))
    return [int(x) for x in np.clip(s - tb.t0, tb.tmin, tb.tmax)]


def _rings(geom) -> list:
    """A footprint as Leaflet latlngs: polygons of rings of [lat, lon], simplified and rounded
    (a MultiPolygon's parts each a polygon)."""
    g = shapely.simplify(geom, FOOTPRINT_TOLERANCE_DEG, preserve_topology=True)
    parts = list(getattr(g, "geoms", [g]))
    out = []
    for p in parts:
        if not isinstance(p, shapely.Polygon) or p.is_empty:
            continue
        rings = [p.exterior, *p.interiors]
        out.append([[[round(y, 5), round(x, 5)] for x, y in r.coords[:-1]] for r in rings])
    return out


# ----------------------------------------------------------------------------------------------
# popups: escaped parts the script assembles (h heading, w what, tm time, r rows)


def _rows(pairs: list[tuple[str, str]]) -> list[list]:
    return [[_LABEL[k], esc(v)] for k, v in pairs if v]


def _file(rec: dict) -> str:
    f, line = rec.get("src_file") or "", rec.get("src_line")
    if not f:
        return ""
    return f + (f":{int(line)}" if line is not None and np.isfinite(line) else "")


def scene_popup(rec: dict) -> dict[str, Any]:
    """Popup parts of a scene (``rec``: a row of :func:`check_scenes`, raw values)."""
    cc = rec.get("cloud_cover")
    cloud = f"{cc * 100:.0f} %" if cc is not None and np.isfinite(cc) else ""
    rows = [
        ("source", rec["source"]), ("sensor", rec["sensor"]), ("cloud cover", cloud),
        ("file", _file(rec)),
    ]  # fmt: skip
    return {
        "h": esc(f"scene {rec['scene_id']}"),
        "w": "satellite scene footprint",
        "tm": esc(fmt_time(rec["time"])),
        "r": _rows(rows),
    }


def _vessel(rec: dict) -> str:
    """``NAME (id) · MMSI 273...``: what the detection was matched to."""
    mmsi = _num(rec.get("mmsi"), ".0f")
    name, vid = rec.get("vessel_name") or "", rec.get("vessel_id") or ""
    text = name or vid
    if name and vid and vid != name:
        text += f" ({vid})"
    return (text + (f" \u00b7 MMSI {mmsi}" if mmsi else "")).strip(" \u00b7")


def _metres(v: object) -> str:
    s = _num(v, ",.0f")
    return f"{s} m" if s else ""


def detection_popup(rec: dict) -> dict[str, Any]:
    """Popup parts of a detection (``rec``: a row of :func:`check_detections`, raw values):
    matched ones name the vessel, the distance against its limit and the length fit; dark
    ones the candidates, the survey token and the port. Its heading: the vessel, else the
    token, else the detection id."""
    matched = rec["status"] in ("matched", "ambiguous")
    length = _metres(rec["length_m"])
    fit = rec["length_fit"] if rec["length_fit"] and rec["length_fit"] != "unknown" else ""
    if length and fit:
        length += f" ({fit} the {'vessel' if matched else 'candidates'})"
    dist = _metres(rec["distance_m"])
    if dist and _metres(rec["limit_m"]):
        dist += f" (limit {_metres(rec['limit_m'])})"
    gap = _num(rec["fix_gap_s"] / 60.0, ",.0f") if np.isfinite(rec["fix_gap_s"]) else ""
    vessel = _vessel(rec) if matched else ""
    sensor = " ".join(x for x in (rec["source"], rec["sensor"]) if x)
    rows = [
        ("detection", rec["detect_id"]), ("vessel", vessel), ("distance", dist),
        ("AIS fix gap", f"{gap} min" if gap else ""), ("length", length),
        ("beam", _metres(rec["beam_m"])), ("score", _num(rec["score"], ".2f")),
        ("candidates", rec["candidates"].replace("|", ", ")), ("token", rec["token"]),
        ("port", rec["port"]), ("scene", rec["scene_id"]), ("source", sensor),
        ("file", _file(rec)),
    ]  # fmt: skip
    head = vessel or rec["token"] or f"detection {rec['detect_id']}"
    return {
        "h": esc(head),
        "w": "detection matched to AIS" if matched else "dark detection (no AIS match)",
        "tm": esc(fmt_time(rec["scene_time"])),
        "r": _rows(rows),
    }


def script_data(il: ImageryLayer) -> dict[str, Any]:
    """What the script reads: the entries, the layers' styles and the popups' row labels."""
    return {
        "scenes": il.scene_json,
        "detections": il.detection_json,
        "styles": STYLES,
        "labels": [esc(x) for x in POPUP_LABELS],
    }


def legend_html(il: ImageryLayer) -> str:
    """The legend's lines for the imagery layers drawn, and what the cap left out."""
    if not il.keys:
        return ""
    rows = []
    for k in il.keys:
        s = STYLES[k]
        if k == "scenes":
            sym = f'<i class="sq" style="border:1px dashed {s["color"]};background:none"></i>'
        else:
            sym = f'<i style="background:{s["fillColor"]};border:1px solid {s["color"]}"></i>'
        rows.append(f"<div>{sym}{esc(LEGEND[k])}</div>")
    capped = [il.label(k) for k in il.keys if il.drawn.get(k) != il.given.get(k)]
    note = f'<div class="nw-muted">{esc("; ".join(capped))}</div>' if capped else ""
    return f'<div class="nw-act-legend">{"".join(rows)}{note}</div>'
