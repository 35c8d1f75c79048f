"""Satellite imagery in watched folders: detections and scene footprints as watcher evidence.

A directory source's file whose content is satellite detections (GFW, Skylight, generic) or scene
footprints (:data:`navwatch.io.IMAGERY_FORMATS`) is read once when complete
(:func:`read_pending_file`: bad rows quarantined with file, line, code and reason; a detection
naming no ``scene_id`` too, ``no_scene_id``, since without a footprint it cannot be used).

* **Scene footprints are kept** in the state database (``nw_scenes``, one row per scene id, the
  latest version read winning: a scenes catalogue delivered again whole with new rows updates
  and adds), from scenes files and from GFW tables with ``footprint_wkt``, for
  ``[imagery] scenes_keep_h`` (720 h) of scene time behind the newest scene; a scene older
  than that is neither kept nor stored again.
* A **detections file** is kept (``nw_imagery_pending``: its bytes and the scene ids it names)
  until every scene it names is held, then used (:func:`plan`), however many ticks after the
  footprints came and however many detections files used them before. A file naming a scene
  that does not come waits at most ``pending_max_h`` (72 h, wall clock since first seen); then
  its rows of held scenes are used and the others quarantined (``no_scene``).
* **A scene is surveyed once** (every zone it images, in one tick): from all its detections
  known then (every detections file used in that tick). A later detection of a surveyed scene
  (a file delivered again under another name, a provider's re-run) is quarantined
  (``scene_already_surveyed``), not merged: the surveys of a scene already fed to the
  incremental detector (and perhaps alerted) cannot be withdrawn, and a second, different survey
  of the same scene and zone would be contradictory evidence of one instant; quarantined, the
  rows stay visible for an analyst.
* A held scene that **no detections file names** (not even one still waiting) is surveyed as an
  empty port as soon as a later scene of the same source (``Sentinel-1``, ``Maxar``...) has its
  detections (used now, or before: providers deliver in time order, so an earlier scene they
  name nothing of had no detection), else once held ``empty_scene_h`` (72 h, wall clock): a
  detections file does not say which scenes it covers with no detection, so only order or time
  says that its detections are not coming. ``empty_scene_h = 0`` surveys such scenes in the tick they come (right when
  detections always come with or before their scenes; wrong for a catalogue delivered ahead of
  them: its scenes would be surveyed empty, their detections then quarantined). A scene surveyed
  empty after later scenes were surveyed is late evidence (README *Late evidence*).

The tick that uses imagery deletes the detections files' pending rows and marks their scenes
surveyed in the same commit as the detector state those surveys advanced, so a crash before it
leaves everything to be done again and a restart after it does nothing twice.

The surveys join the tick's observations as a chunk of ``kind='survey'`` rows, exactly as the rows
of a surveys CSV dropped into the folder, and go through the same incremental detection and
alerting.

Matching needs AIS at the scene time (``ImageryParams.max_fix_gap_h`` either side), and imagery
arrives days late: every tick appends its AIS positions within ``[imagery] ais_near_km`` of a
port zone to ``nw_ais_buffer`` and deletes those older than ``ais_buffer_h`` behind the newest
buffered one (:func:`ais_rows`). Imagery is matched with the buffered positions around its scene
times plus the tick's own (:func:`derive`); without AIS there the detections stay dark.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..imagery import (
    ImageryEvidence,
    ImageryParams,
    imagery_evidence,
    read_detections,
    read_scenes,
)
from ..io import IMAGERY_FORMATS, InMemory
from ..io._common import open_binary
from ..quarantine import Quarantine
from ..registry import Registry
from ..zones import ZoneIndex

__all__ = [
    "IMAGERY_FORMATS",
    "ais_rows",
    "buffered_ais",
    "Plan",
    "derive",
    "pending_lines",
    "plan",
    "read_pending_file",
    "read_ready",
    "scene_rows",
    "scene_window",
    "scenes_frame",
]

log = logging.getLogger("navwatch.watch")

_NS_PER_H = 3600 * 1_000_000_000
#: Identity columns kept with each buffered AIS position (and their longest text).
_TEXT_COLUMNS = {"callsign": 20, "name": 120}


def read_pending_file(
    path: Path, kind: str, source: str, key: str
) -> tuple[dict[str, Any], Quarantine]:
    """Read a complete imagery file of ``kind`` (``detections`` or ``scenes``): the
    ``nw_imagery_pending`` row to store (its ``scene_rows``: the ``nw_scenes`` rows of the
    footprints it carries, a scenes file's or a GFW table's) and the rows rejected (read
    without scenes: a detections row the scenes would give a time is kept, and judged when its
    scenes are there; a detections row naming no scene is quarantined, ``no_scene_id``).
    Raises :class:`IngestError` when the file cannot be read as that kind."""
    with open_binary(path) as fh:
        data = fh.read()  # decompressed: the stored bytes are read back as they are
    q = Quarantine()
    src = InMemory(data, str(path))
    if kind == "scenes":
        table = read_scenes(src, quarantine=q)
        own, n = table, len(table)
    else:
        table = read_detections(src, quarantine=q)
        own = table.attrs.get("scenes")  # GFW with footprint_wkt
        n = len(table) - _no_scene_id(table, q)
    names = sorted({str(x) for x in table["scene_id"].dropna() if str(x)})
    row = dict(source=source, key=key, kind=kind, file=str(path), scene_ids=json.dumps(names),
               self_contained=own is not None and kind == "detections", rows=n,
               data=zlib.compress(data, 6), scene_rows=scene_rows(own, str(path)))  # fmt: skip
    return row, q


def _no_scene_id(dets: pd.DataFrame, q: Quarantine) -> int:
    """Quarantine the detections that name no scene (``no_scene_id``); how many."""
    sid = dets["scene_id"].astype(object)
    bad = sid.isna() | (sid.astype(str).str.strip() == "")
    for r in dets[bad.to_numpy()].itertuples():
        q.add(r.src_file, r.src_line, "no_scene_id",
              f"{r.src_file}:{r.src_line}: detection {r.detect_id!r} names no scene_id: it needs "
              "the footprint of the scene it was seen in (what lets imagery say a vessel was "
              "absent); give it the scene_id of a row of a scenes file (scene_id, time, source, "
              "footprint) or deliver it as a GFW table with footprint_wkt, and drop the file "
              "again", str(r.detect_id))  # fmt: skip
    return int(bad.sum())


def scene_rows(table: Any, file: str) -> list[dict[str, Any]]:
    """``nw_scenes`` rows of a scenes table (:func:`navwatch.imagery.read_scenes`, or a GFW
    table's ``attrs['scenes']``): footprints as WKB; a scene without a time is left out."""
    if table is None or not len(table):
        return []
    t = pd.to_datetime(table["time"], utc=True)
    out = []
    for i in range(len(table)):
        if pd.isna(t.iloc[i]) or table.geometry.iloc[i] is None:
            continue
        out.append(dict(
            scene_id=str(table["scene_id"].iloc[i]), time_ns=int(t.iloc[i].value),
            source=_text(table, "source", i), sensor=_text(table, "sensor", i),
            cloud_cover=_number(table, "cloud_cover", i), resolution_m=_number(table, "resolution_m", i),
            footprint=shapely.to_wkb(table.geometry.iloc[i]), file=file,
        ))  # fmt: skip
    return out


def _text(table: Any, c: str, i: int) -> str | None:
    v = table[c].iloc[i] if c in table.columns else None
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _number(table: Any, c: str, i: int) -> float | None:
    v = pd.to_numeric(table[c].iloc[i], errors="coerce") if c in table.columns else None
    return None if v is None or pd.isna(v) else float(v)


def scenes_frame(rows: pd.DataFrame) -> Any:
    """``nw_scenes`` rows as a scenes table (:data:`navwatch.imagery.SCENE_COLUMNS`)."""
    import geopandas as gpd

    geom = [shapely.from_wkb(bytes(b)) for b in rows["footprint"]]
    return gpd.GeoDataFrame(
        {
            "scene_id": rows["scene_id"].astype(str).to_numpy(),
            "time": pd.to_datetime(rows["time_ns"].astype("int64"), unit="ns", utc=True).to_numpy(),
            "source": rows["source"].astype(object).to_numpy(),
            "sensor": rows["sensor"].fillna("").astype(str).to_numpy(),
            "cloud_cover": pd.to_numeric(rows["cloud_cover"], errors="coerce").to_numpy(float),
            "resolution_m": pd.to_numeric(rows["resolution_m"], errors="coerce").to_numpy(float),
            "src_file": rows["file"].astype(object).to_numpy(),
            "src_line": pd.array([pd.NA] * len(rows), dtype="Int64"),
        },
        geometry=geom,
        crs="EPSG:4326",
    )


def _ids(row: dict[str, Any]) -> set[str]:
    return set(json.loads(row["scene_ids"]))


@dataclass
class Plan:
    """What a tick does with the imagery (:func:`plan`): the detections files read now, per
    file the scene ids whose rows are used and those whose rows are quarantined (scene id ->
    ``scene_already_surveyed`` or ``no_scene``), the files that wait, and the scenes surveyed
    now: those the used rows name and the held scenes surveyed as empty."""

    use: list[dict] = field(default_factory=list)
    used_ids: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    dropped: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    wait: list[dict] = field(default_factory=list)
    survey: set[str] = field(default_factory=set)
    empty: set[str] = field(default_factory=set)


def plan(
    pending: Iterable[dict[str, Any]],
    held: dict[str, dict[str, Any]],
    now: float,
    pending_max_h: float,
    empty_scene_h: float,
) -> Plan:
    """Pair the pending detections files with the ``held`` scenes (``nw_scenes`` rows without
    footprints, by scene id, this tick's new ones included).

    A detections file is read when every scene it names is held, or once it has waited
    ``pending_max_h`` (then its rows of scenes not held are quarantined, ``no_scene``); its rows
    of a scene surveyed by an earlier tick are quarantined (``scene_already_surveyed``: a scene
    is surveyed once). A held scene no detections file names (not even a waiting one) is
    surveyed as empty once held ``empty_scene_h``.

    >>> d = dict(source="s", key="d", kind="detections", scene_ids='["A", "B"]', created_at=0.0)
    >>> held = {"A": dict(surveyed_tick=None, first_seen=0.0)}
    >>> p = plan([d], held, 3600.0, 2, 2)
    >>> (len(p.use), len(p.wait), p.survey)
    (0, 1, set())
    >>> held["B"] = dict(surveyed_tick=3, first_seen=0.0)
    >>> p = plan([d], held, 3600.0, 2, 2)
    >>> (p.used_ids[("s", "d")], p.dropped[("s", "d")], p.survey)
    ({'A'}, {'B': 'scene_already_surveyed'}, {'A'})
    >>> held["C"] = dict(surveyed_tick=None, first_seen=0.0)
    >>> sorted(plan([], held, 7200.0, 2, 2).empty)
    ['A', 'C']

    A scene no file names, earlier than one of its source whose detections came, had none:
    it is surveyed empty at once; a later one waits.

    >>> held = {k: dict(surveyed_tick=None, first_seen=0.0, time_ns=t, source="S1")
    ...         for k, t in (("t1", 1), ("t2", 2), ("t3", 3))}
    >>> d = dict(source="s", key="d", kind="detections", scene_ids='["t2"]', created_at=0.0)
    >>> p = plan([d], held, 60.0, 72, 72)
    >>> sorted(p.survey), sorted(p.empty)
    (['t1', 't2'], ['t1'])
    """
    out = Plan()
    named: set[str] = set()
    for r in sorted(pending, key=lambda r: (r.get("created_at") or now, r["source"], r["key"])):
        if r["kind"] != "detections":
            continue
        ids = _ids(r)
        named |= ids
        unknown = ids - held.keys()
        if unknown and now - (r.get("created_at") or now) < pending_max_h * 3600:
            out.wait.append(r)
            continue
        k = (r["source"], r["key"])
        drop = {i: "no_scene" for i in unknown}
        drop.update({i: "scene_already_surveyed" for i in ids - unknown
                     if held[i].get("surveyed_tick") is not None})  # fmt: skip
        out.use.append(r)
        out.used_ids[k] = ids - drop.keys()
        out.dropped[k] = drop
        out.survey |= out.used_ids[k]
    mark = _watermarks(held, out.survey)
    for sid, m in held.items():
        if m.get("surveyed_tick") is None and sid not in named:
            t, src = m.get("time_ns"), m.get("source") or ""
            behind = t is not None and src in mark and int(t) < mark[src]
            if behind or now - float(m["first_seen"]) >= empty_scene_h * 3600:
                out.empty.add(sid)
    out.survey |= out.empty
    return out


def _watermarks(held: dict[str, dict[str, Any]], used: set[str]) -> dict[str, int]:
    """Per scene source, the time of the latest scene whose detections came (used now, or
    surveyed from detections before): detections are delivered in time order per provider, so
    an earlier scene of that source no detections file names had none (an empty port)."""
    mark: dict[str, int] = {}
    for sid, m in held.items():
        if m.get("time_ns") is None or not (sid in used or m.get("surveyed_how") == "detections"):
            continue
        src = m.get("source") or ""
        mark[src] = max(mark.get(src, int(m["time_ns"])), int(m["time_ns"]))
    return mark


def pending_lines(
    pending: Iterable[dict[str, Any]],
    scenes: dict[str, dict[str, Any]] | None = None,
    now: float | None = None,
    pending_max_h: float = 72.0,
    empty_scene_h: float = 72.0,
) -> list[str]:
    """``navwatch watch --status``: one line per detections file waiting for its scenes (since
    when, and when it is used as far as it can be), and one about the scenes held."""
    scenes = scenes or {}
    now = time.time() if now is None else now
    rows = sorted(pending, key=lambda r: (r["source"], r["key"]))
    named = set().union(*(_ids(r) for r in rows if r["kind"] == "detections"))
    out = []
    for r in rows:
        ids = _ids(r)
        since = r.get("created_at") or now
        head = (f"imagery pending: {r['source']}/{r['key']} ({r['kind']}, {r['rows']} row(s), "
                f"since tick {r['tick']}, {_utc(since)}, {_hours(now - since)} ago)")  # fmt: skip
        if r["kind"] == "scenes":
            why = "a scenes file of schema 5: the next tick stores its footprints"
        else:
            why = (f"waiting for the scenes {_list(ids - scenes.keys())}; from "
                   f"{_utc(since + pending_max_h * 3600)} (pending_max_h {pending_max_h:g}) its "
                   "rows of held scenes are used, the others quarantined (no_scene)")  # fmt: skip
        out.append(f"{head}: {why}")
    if scenes:
        out.append(_scene_line(scenes, named, now, empty_scene_h))
    return out


def _scene_line(scenes: dict[str, dict], named: set[str], now: float, empty_h: float) -> str:
    done = [m for m in scenes.values() if m.get("surveyed_tick") is not None]
    waiting = [m for s, m in scenes.items() if m.get("surveyed_tick") is None and s not in named]
    line = (f"imagery scenes held: {len(scenes)} ({len(done)} surveyed, "
            f"{len(scenes) - len(done)} not yet)")  # fmt: skip
    if waiting:
        first = min(float(m["first_seen"]) for m in waiting)
        line += (f"; {len(waiting)} named by no detections file, surveyed as empty "
                 f"{_hours(empty_h * 3600)} after first seen (the first at "
                 f"{_utc(first + empty_h * 3600)})")  # fmt: skip
    return line


def _utc(t: float) -> str:
    return pd.Timestamp(t, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M UTC")


def _hours(s: float) -> str:
    return f"{max(s, 0.0) / 3600:.1f} h"


def _list(ids: set[str], most: int = 5) -> str:
    s = sorted(ids)
    return ", ".join(s[:most]) + (f" and {len(s) - most} more" if len(s) > most else "")


# ----------------------------------------------------------------------------------------------
# the AIS buffer


def ais_rows(
    obs: pd.DataFrame | None, zones: ZoneIndex, near_km: float, step_s: float = 0.0
) -> pd.DataFrame | None:
    """The AIS positions of ``obs`` (with an MMSI) within ``near_km`` of a port zone, as
    ``nw_ais_buffer`` rows (``time_ns, mmsi, lat, lon, sog_kn, length_m, imo, callsign,
    name``); with
    ``step_s`` > 0, the first position of each MMSI in each ``step_s`` of message time only."""
    if obs is None or not len(obs) or "mmsi" not in obs.columns:
        return None
    a = obs[(obs["kind"].astype(str) == "ais") & obs["mmsi"].notna()]
    lat, lon = a["lat"].to_numpy(float), a["lon"].to_numpy(float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.any():
        ok[ok] = zones.port_distances_km(lon[ok], lat[ok], within_km=near_km) <= near_km
    a = a[ok]
    if not len(a):
        return None
    out = pd.DataFrame(
        {
            "time_ns": schema.time_ns(a["time"]),
            "mmsi": a["mmsi"].astype("int64").to_numpy(),
            "lat": a["lat"].to_numpy(float),
            "lon": a["lon"].to_numpy(float),
        }
    )
    out["sog_kn"] = _column(a, "sog_kn", float)
    out["length_m"] = _column(a, "length_m", float)
    imo = pd.to_numeric(pd.Series(_column(a, "imo", object)), errors="coerce")
    out["imo"] = imo.astype("Int64")
    for c, n in _TEXT_COLUMNS.items():
        v = _column(a, c, object)
        out[c] = [None if x is None or pd.isna(x) else str(x)[:n] for x in v]
    if step_s > 0:
        out = out.sort_values(["mmsi", "time_ns"], kind="stable")
        bucket = out["time_ns"] // int(step_s * 1e9)
        out = out[~pd.DataFrame({"m": out["mmsi"], "b": bucket}).duplicated()]
    return out.reset_index(drop=True)


def _column(a: pd.DataFrame, c: str, dtype) -> np.ndarray:
    if c not in a.columns:
        return np.full(len(a), np.nan if dtype is float else None, dtype=dtype)
    s = a[c].astype(object).where(a[c].notna(), None)
    return s.to_numpy(dtype=float, na_value=np.nan) if dtype is float else s.to_numpy()


def buffered_ais(rows: pd.DataFrame) -> pd.DataFrame:
    """``nw_ais_buffer`` rows as canonical ``kind='ais'`` observations."""
    if not len(rows):
        return schema.empty()
    obs = pd.DataFrame(
        {
            "time": pd.to_datetime(rows["time_ns"].astype("int64"), unit="ns", utc=True),
            "lat": rows["lat"].astype(float),
            "lon": rows["lon"].astype(float),
            "kind": "ais",
            "mmsi": pd.to_numeric(rows["mmsi"]).astype("Int64"),
            "sog_kn": pd.to_numeric(rows["sog_kn"], errors="coerce").astype(float),
            "imo": pd.to_numeric(rows["imo"], errors="coerce").astype("Int64"),
            "callsign": rows["callsign"].astype(object),
            "name": rows["name"].astype(object),
            "length_m": pd.to_numeric(rows.get("length_m"), errors="coerce").astype(float)
            if "length_m" in rows
            else np.nan,
        }
    )
    return schema.conform(obs, where="nw_ais_buffer")


# ----------------------------------------------------------------------------------------------
# surveys


def read_ready(
    p: Plan,
    data: dict[tuple[str, str], bytes],
    catalogue: Any,
    held: dict[str, dict[str, Any]],
    q: Quarantine,
    pending_max_h: float,
) -> tuple[pd.DataFrame, Any]:
    """The detections of the files :func:`plan` uses (only their rows of the scenes used; the
    others quarantined with the reason :func:`plan` gave, the rows quarantined when the file was
    read left out again) and the scenes to survey, from ``catalogue`` (the held scenes needed,
    :func:`scenes_frame`)."""
    frames = []
    for r in p.use:
        k = (r["source"], r["key"])
        src = InMemory(zlib.decompress(data[k]), r["file"])
        d = read_detections(src, quarantine=None, scenes=catalogue if len(catalogue) else None)
        sid = d["scene_id"].astype(object).where(d["scene_id"].notna(), "").astype(str)
        for code, rows in d[sid.isin(p.dropped[k]).to_numpy()].groupby(sid.map(p.dropped[k])):
            _quarantine_rows(rows, str(code), held, q, pending_max_h)
        frames.append(d[sid.isin(p.used_ids[k]).to_numpy()])
    dets = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    scenes = catalogue[catalogue["scene_id"].isin(p.survey).to_numpy()].reset_index(drop=True)
    return dets, scenes


def _quarantine_rows(
    rows: pd.DataFrame, code: str, held: dict[str, dict], q: Quarantine, max_h: float
) -> None:
    for r in rows.itertuples():
        where, sid = f"{r.src_file}:{r.src_line}", str(r.scene_id)
        if code == "scene_already_surveyed":
            why = (f"{where}: scene {sid!r} was surveyed at tick {held[sid]['surveyed_tick']} "
                   "from the detections known then; a scene's surveys are derived once, so this "
                   "later detection of it (a re-delivery or a provider's re-run) is not used")  # fmt: skip
        else:
            why = (f"{where}: scene {sid!r} is not held: no scenes file gave its footprint "
                   f"within pending_max_h ({max_h:g} h) of this file's arrival (or it is older "
                   "than scenes_keep_h); drop a scenes file with a row for it (scene_id, time, "
                   "source, footprint), then this detections file again")  # fmt: skip
        q.add(r.src_file, r.src_line, code, why, str(r.detect_id))


def scene_window(dets: pd.DataFrame, scenes: Any, params: ImageryParams) -> tuple[int, int] | None:
    """(first, last) ns of AIS that can match these detections: their times and their scenes',
    widened by ``max_fix_gap_h``."""
    times = [pd.to_datetime(scenes["time"], utc=True)] if len(scenes) else []
    if len(dets):
        times.append(pd.to_datetime(dets["time"], utc=True))
    t = pd.concat(times).dropna() if times else pd.Series([], dtype="datetime64[ns, UTC]")
    if not len(t):
        return None
    gap = int(params.max_fix_gap_h * _NS_PER_H)
    return int(t.min().value) - gap, int(t.max().value) + gap


def derive(
    dets: pd.DataFrame,
    scenes: Any,
    ais: pd.DataFrame,
    zones: ZoneIndex,
    registry: Registry | None,
    params: ImageryParams,
    quarantine: Quarantine,
    exit_margin_km: float | None = None,
) -> ImageryEvidence:
    """Match ``dets`` to ``ais`` and derive the surveys of ``scenes``
    (:func:`navwatch.imagery.imagery_evidence`; ``exit_margin_km``: the detector's hysteresis
    band); raises :class:`IngestError` for detections without any footprint."""
    ev = imagery_evidence(
        dets, scenes, ais if len(ais) else None, zones, registry, params=params,
        quarantine=quarantine, exit_margin_km=exit_margin_km,
    )  # fmt: skip
    s = ev.summary
    log.info(
        "imagery: %d scene(s), %d detection(s) (%d matched to AIS, %d ambiguous, %d dark) -> %d survey(s) (%d full)",
        s["scenes"], s["detections"], s["matched"], s["ambiguous"], s["dark"], s["surveys"], s["full_surveys"],
    )  # fmt: skip
    return ev
