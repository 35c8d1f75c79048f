"""Port surveys derived from imagery: a scene footprint over a port zone is a survey of that
zone at the scene time (:func:`derive_surveys`), in the format of hand-written surveys so that
detection reads them like any other and an analyst can check them."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..geodesy import local_frame
from ..registry import Registry
from ..zones import ZoneIndex
from .match import _NS, _tracks
from .params import ImageryParams

__all__ = ["SURVEY_OUTPUT_COLUMNS", "derive_surveys"]

#: Columns of :func:`derive_surveys`' table (:data:`navwatch.schema.IMAGERY_SURVEYS`).
SURVEY_OUTPUT_COLUMNS = tuple(schema.IMAGERY_SURVEYS.names)


def coverage_fractions(footprints, zones: ZoneIndex) -> np.ndarray:
    """(scenes x zones) share of each zone's area inside each footprint, computed in a local
    azimuthal frame around the zone (lon/lat areas would shrink with latitude)."""
    fp = np.asarray(footprints, dtype=object)
    out = np.zeros((len(fp), len(zones)))
    if not len(fp) or not len(zones):
        return out
    fb = shapely.bounds(fp).reshape(-1, 4)
    zb = shapely.bounds(zones.entry).reshape(-1, 4)
    for z in range(len(zones)):
        hit = np.flatnonzero(
            (fb[:, 2] >= zb[z, 0])
            & (fb[:, 0] <= zb[z, 2])
            & (fb[:, 3] >= zb[z, 1])
            & (fb[:, 1] <= zb[z, 3])
        )
        if not len(hit):
            continue
        f = local_frame(float(zones.rep_lon[z]), float(zones.rep_lat[z]))
        zl = f.to_local(zones.entry[z])
        area = shapely.area(zl)
        if area <= 0:
            continue
        inter = shapely.intersection(shapely.make_valid(f.to_local(fp[hit])), zl)
        out[hit, z] = np.clip(shapely.area(inter) / area, 0.0, 1.0)
    return out


def derive_surveys(
    scenes: pd.DataFrame,
    matched: pd.DataFrame,
    zones,
    registry: Registry | None = None,
    *,
    ais: pd.DataFrame | None = None,
    params: ImageryParams | None = None,
) -> pd.DataFrame:
    """One survey per scene and port zone (each tier) it images enough of.

    Parameters
    ----------
    scenes : GeoDataFrame
        :func:`navwatch.imagery.read_scenes` (scene_id, time, source, sensor, cloud_cover,
        geometry).
    matched : DataFrame
        :func:`navwatch.imagery.match_detections` of the scenes' detections.
    zones : GeoDataFrame or ZoneIndex
    registry : Registry, optional
        Without it surveys list only dark detections' tokens (nothing to be absent).
    ais : DataFrame or AisTracks, optional
        The AIS the detections were matched with (or their tracks, built once): a registry vessel whose AIS places it in the
        zone at the scene time but that no detection matched is listed ``Name?`` (the sensor
        missed it; the scene cannot say it was gone).
    params : ImageryParams, optional

    Returns
    -------
    DataFrame
        :data:`SURVEY_OUTPUT_COLUMNS`, ready for :func:`navwatch.io.read_surveys` (written as
        CSV) or for detection as ``kind='survey'`` rows (:func:`as_observations`).
    """
    p = params or ImageryParams()
    zi = ZoneIndex.of(zones)
    sc = scenes.reset_index(drop=True)
    frac = coverage_fractions(sc.geometry.values, zi)
    tracks = _tracks(ais, registry)
    rows = []
    for s, z in zip(*np.nonzero(frac >= max(p.min_coverage, 1e-9)), strict=True):
        rows.append(_survey(sc.iloc[s], zi, z, float(frac[s, z]), matched, tracks, registry, p))
    if not rows:
        return schema.IMAGERY_SURVEYS.empty()
    out = pd.DataFrame(rows, columns=list(SURVEY_OUTPUT_COLUMNS))
    out = out.astype(
        {
            c.name: c.dtype
            for c in schema.IMAGERY_SURVEYS.columns
            if c.dtype != "datetime64[ns, UTC]"
        }
    )
    out["time"] = pd.to_datetime(out["time"], utc=True).dt.as_unit("ns")
    out = out.sort_values(["time", "port", "scene_id"], kind="stable").reset_index(drop=True)
    return schema.validate(out, schema.IMAGERY_SURVEYS, where="derive_surveys")


def _survey(scene, zi: ZoneIndex, z: int, frac: float, matched, tracks, registry, p) -> dict:
    sid = str(scene["scene_id"])
    sensor = str(scene.get("sensor", "") or "")
    geom = zi.entry[z]
    m = matched[matched["scene_id"].astype("string") == sid] if "scene_id" in matched else matched
    inside = (
        shapely.contains_xy(geom, m["lon"].to_numpy(float), m["lat"].to_numpy(float))
        if len(m)
        else np.zeros(0, bool)
    )
    here = m[inside]
    ids = here["vessel_id"].notna().to_numpy()
    # a vessel whose AIS is current at the scene time is placed by its AIS: the image agrees
    # and adds nothing (listing it present would turn an AIS transit into a call)
    current = ids & (here["fix_gap_s"].to_numpy(float) <= p.ais_current_s)
    on_ais = set(here.loc[current, "vessel_id"].astype(str))
    named = set(here.loc[ids & ~current, "vessel_id"].astype(str))
    dark = here[here["status"] == "dark"]
    strong = dark[dark["score"].fillna(1.0) >= p.presence_min_score] if "score" in dark else dark
    tokens = Counter(t for t in strong["token"].fillna("") if t)
    present = [_name(registry, v) for v in sorted(named)]
    present += [_count(t, n) for t, n in sorted(tokens.items())]
    sizes = registry.sizes() if registry is not None else None
    unsure = _could_not_tell(scene, geom, named, dark, tracks, sizes, p)
    covered = (
        {v for t in tokens for v in registry.resolve_token(t.rstrip("?")).vessel_ids}
        if registry is not None
        else set()
    )
    present += [f"{_name(registry, v)}?" for v in sorted((unsure | on_ais) - named - covered)]
    rel = p.reliability(sensor) * min(1.0, frac / p.full_coverage)
    cloud = scene.get("cloud_cover", np.nan)
    if sensor == "optical" and pd.notna(cloud):
        rel *= 1.0 - float(np.clip(cloud, 0, 1))
    n_match = int((here["status"] == "matched").sum())
    notes = (f"imagery: {len(here)} detection(s) in zone ({n_match} matched to AIS, {len(dark)} dark); "
             f"{frac:.0%} of the zone imaged"
             + (f"; matched to current AIS: {', '.join(sorted(_name(registry, v) for v in on_ais))}" if on_ais else ""))  # fmt: skip
    return dict(
        time=scene["time"], port=zi.label[z], source=f"imagery:{scene.get('source', '') or sensor or 'scene'}",
        coverage="full" if frac >= p.full_coverage else "partial", present="|".join(present),
        notes=notes, confidence=round(float(rel), 4), scene_id=sid, sensor=sensor, coverage_fraction=round(frac, 4),
    )  # fmt: skip


def _could_not_tell(scene, geom, named, dark, tracks, sizes, p) -> set[str]:
    """Registry vessels this scene cannot call absent: too small for the sensor; of unknown
    length while unexplained (dark) detections are in the zone; whose length a dark detection
    in the zone fits (whatever its score; a group token may also name them); or placed in the
    zone by AIS though no detection matched them."""
    if sizes is None:
        return set()
    lengths = sizes.set_index("vessel_id")["length_m"]
    small = set(lengths.index[lengths < p.min_length_m(str(scene.get("sensor", "") or ""))])
    unknown = set(lengths.index[lengths.isna()]) if len(dark) else set()
    by_ais: set[str] = set()
    if tracks is not None:
        pos = tracks.at(int(pd.Timestamp(scene["time"]).value), int(p.max_fix_gap_h * 3600 * _NS))
        if len(pos):
            inz = shapely.contains_xy(geom, pos["lon"].to_numpy(float), pos["lat"].to_numpy(float))
            by_ais = {
                v for mm in pos["mmsi"][inz] if isinstance(v := tracks.vessel_id.get(int(mm)), str)
            }
    fitting = {v for c in dark["candidates"].fillna("") for v in str(c).split("|") if v}
    return (small | unknown | by_ais | fitting) - named


def _name(registry: Registry | None, vid: str) -> str:
    """The registry name when it resolves back to the vessel, else its id."""
    if registry is None:
        return vid
    name = str(registry.info(vid)["name"])
    return name if name.strip() and registry.lookup_name(name) == vid else vid


def _count(token: str, n: int) -> str:
    """``frigate x1`` seen ``n`` times -> ``frigate xN`` (``?`` kept at the end)."""
    if token.endswith("?"):
        return _count(token[:-1], n) + "?"
    return token[: -len(" x1")] + f" x{n}" if token.endswith(" x1") else token
