"""Satellite imagery in watched folders: detections and scene footprints as watcher evidence.

A directory source's file whose content is satellite detections (GFW, Skylight, generic) or scene
footprints (:data:`navwatch.io.IMAGERY_FORMATS`) is read once when complete
(:func:`read_pending_file`: bad rows quarantined with file, line, code and reason) and kept in the
state database (``nw_imagery_pending``: the file's bytes, its kind and the scene ids it names or
holds) until it can be used:

* a detections file is **ready** when every scene id it names is held by a pending scenes file,
  or at once when it carries its own footprints (a GFW table with ``footprint_wkt``);
* the ready detections files and the scenes files holding the scenes they name are then read
  together (:func:`navwatch.imagery.read_imagery`), matched to AIS and turned into port surveys
  (:func:`navwatch.imagery.imagery_evidence`), and their pending rows are deleted in the same
  commit as the detector state those surveys advanced. Every scene of a used scenes file makes
  its surveys (a scene with no detection in it is an empty port), so detections for one scenes
  file must arrive in one file, or in files pending together (later ones would find the scenes
  used and wait);
* a detections file naming scenes that never arrive, a detections file naming no scene, and a
  scenes file no detections file names stay pending (``navwatch watch --status`` lists them).

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
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from .. import schema
from ..imagery import (
    ImageryEvidence,
    ImageryParams,
    imagery_evidence,
    read_detections,
    read_imagery,
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
    "derive",
    "pair",
    "pending_lines",
    "read_pending_file",
    "read_ready",
    "scene_window",
]

log = logging.getLogger("navwatch.watch")

_NS_PER_H = 3600 * 1_000_000_000
#: Identity columns kept with each buffered AIS position (and their longest text).
_TEXT_COLUMNS = {"callsign": 20, "name": 120}


def read_pending_file(
    path: Path, kind: str, source: str, key: str
) -> tuple[dict[str, Any], Quarantine]:
    """Read a complete imagery file of ``kind`` (``detections`` or ``scenes``): the
    ``nw_imagery_pending`` row to store and the rows rejected (read without scenes: a
    detections row the scenes would give a time is kept, and judged when its scenes are there).
    Raises :class:`IngestError` when the file cannot be read as that kind."""
    with open_binary(path) as fh:
        data = fh.read()  # decompressed: the stored bytes are read back as they are
    q = Quarantine()
    src = InMemory(data, str(path))
    if kind == "scenes":
        table = read_scenes(src, quarantine=q)
        ids = table["scene_id"]
        self_contained = False
    else:
        table = read_detections(src, quarantine=q)
        ids = table["scene_id"]
        self_contained = table.attrs.get("scenes") is not None  # GFW with footprint_wkt
    names = sorted({str(x) for x in ids.dropna() if str(x)})
    row = dict(source=source, key=key, kind=kind, file=str(path), scene_ids=json.dumps(names),
               self_contained=bool(self_contained), rows=len(table), data=zlib.compress(data, 6))  # fmt: skip
    return row, q


def _ids(row: dict[str, Any]) -> set[str]:
    return set(json.loads(row["scene_ids"]))


def pair(pending: Iterable[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """(ready detections files, the scenes files they use) among ``pending`` rows.

    >>> d = dict(kind="detections", scene_ids='["A", "B"]', self_contained=False)
    >>> s1 = dict(kind="scenes", scene_ids='["A", "C"]', self_contained=False)
    >>> s2 = dict(kind="scenes", scene_ids='["B"]', self_contained=False)
    >>> pair([d, s1]) == ([], [])
    True
    >>> pair([d, s1, s2]) == ([d], [s1, s2])
    True
    """
    rows = list(pending)
    scenes = [r for r in rows if r["kind"] == "scenes"]
    held = set().union(*(_ids(s) for s in scenes)) if scenes else set()
    ready, named = [], set()
    for r in rows:
        if r["kind"] != "detections":
            continue
        ids = _ids(r)
        if r["self_contained"] or (ids and ids <= held):
            ready.append(r)
            if not r["self_contained"]:
                named |= ids
    used = [s for s in scenes if _ids(s) & named]
    return ready, used


def pending_lines(pending: Iterable[dict[str, Any]]) -> list[str]:
    """``navwatch watch --status``: one line per imagery file waiting for its partner."""
    rows = sorted(pending, key=lambda r: (r["source"], r["key"]))
    held = set().union(*(_ids(r) for r in rows if r["kind"] == "scenes"))
    named = set().union(*(_ids(r) for r in rows if r["kind"] == "detections"))
    out = []
    for r in rows:
        ids = _ids(r)
        head = f"imagery pending: {r['source']}/{r['key']} ({r['kind']}, {r['rows']} row(s), since tick {r['tick']})"
        if r["kind"] == "scenes":
            why = "no detections file names its scenes " + _list(ids - named or ids)
        elif not ids:
            why = "names no scene_id: it cannot be paired with a scenes file"
        else:
            why = "waiting for the scenes " + _list(ids - held)
        out.append(f"{head}: {why}")
    return out


def _list(ids: set[str], most: int = 5) -> str:
    s = sorted(ids)
    return ", ".join(s[:most]) + (f" and {len(s) - most} more" if len(s) > most else "")


# ----------------------------------------------------------------------------------------------
# the AIS buffer


def ais_rows(
    obs: pd.DataFrame | None, zones: ZoneIndex, near_km: float, step_s: float = 0.0
) -> pd.DataFrame | None:
    """The AIS positions of ``obs`` (with an MMSI) within ``near_km`` of a port zone, as
    ``nw_ais_buffer`` rows (``time_ns, mmsi, lat, lon, sog_kn, imo, callsign, name``); with
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
        }
    )
    return schema.conform(obs, where="nw_ais_buffer")


# ----------------------------------------------------------------------------------------------
# surveys


def read_ready(
    ready: list[dict], used: list[dict], data: dict[tuple[str, str], bytes]
) -> tuple[pd.DataFrame, Any]:
    """The detections and scenes of the ready files (their rows quarantined when they were
    consumed are left out again, not quarantined twice)."""

    def src(r: dict) -> Any:
        return InMemory(zlib.decompress(data[(r["source"], r["key"])]), r["file"])

    dets, scenes = read_imagery(
        cast(Any, [src(r) for r in ready]), cast(Any, [src(r) for r in used]), quarantine=None
    )
    return dets, scenes


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
) -> ImageryEvidence:
    """Match ``dets`` to ``ais`` and derive the surveys of ``scenes``
    (:func:`navwatch.imagery.imagery_evidence`); raises :class:`IngestError` for detections
    without any footprint."""
    ev = imagery_evidence(
        dets, scenes, ais if len(ais) else None, zones, registry, params=params,
        quarantine=quarantine,
    )  # fmt: skip
    s = ev.summary
    log.info(
        "imagery: %d scene(s), %d detection(s) (%d matched to AIS, %d dark) -> %d survey(s) (%d full)",
        s["scenes"], s["detections"], s["matched"], s["dark"], s["surveys"], s["full_surveys"],
    )  # fmt: skip
    return ev
