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
    exit_margin_km: float | None = None,
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
    exit_margin_km : float, optional
        The detector's hysteresis band (:attr:`navwatch.DetectParams.exit_margin_km`; None:
        its default): a vessel whose AIS places it within this of the zone may still be in
        port for the detector, so the scene does not call it absent.

    Returns
    -------
    DataFrame
        :data:`SURVEY_OUTPUT_COLUMNS`, ready for :func:`navwatch.io.read_surveys` (written as
        CSV) or for detection as ``kind='survey'`` rows (:func:`as_observations`).
    """
    p = params or ImageryParams()
    if exit_margin_km is None:
        from ..detect.params import DetectParams

        exit_margin_km = DetectParams().exit_margin_km
    zi = ZoneIndex(ZoneIndex.of(zones).zones, exit_margin_km)
    sc = scenes.reset_index(drop=True)
    frac = coverage_fractions(sc.geometry.values, zi)
    tracks = _tracks(ais, registry)
    lengths = registry.sizes().set_index("vessel_id")["length_m"] if registry is not None else None
    rows = []
    by_scene = (
        dict(tuple(matched.groupby(matched["scene_id"].astype("string"), sort=False)))
        if "scene_id" in matched
        else None
    )
    for s, z in zip(*np.nonzero(frac >= max(p.min_coverage, 1e-9)), strict=True):
        sid = str(sc["scene_id"].iat[s])
        m = matched if by_scene is None else by_scene.get(sid, matched.iloc[:0])
        rows.append(_survey(sc.iloc[s], zi, z, float(frac[s, z]), m, tracks, registry, p, lengths))
    if not rows:
        return schema.IMAGERY_SURVEYS.empty()
    _lone_absences(rows, registry, p)
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


def _survey(
    scene, zi: ZoneIndex, z: int, frac: float, matched, tracks, registry, p, lengths
) -> dict:
    """The survey of zone ``z`` by one scene (``matched``: that scene's detections; ``lengths``:
    the registry's by vessel id)."""
    sid = str(scene["scene_id"])
    sensor = str(scene.get("sensor", "") or "")
    m = matched
    inside, near = _in_zone(m, zi, z, p)
    here, edge = m[inside], m[near]
    ids = (here["vessel_id"].notna() & (here["status"] == "matched")).to_numpy()
    # a vessel whose AIS is current at the scene time is placed by its AIS: the image agrees
    # and adds nothing (listing it present would turn an AIS transit into a call)
    current = ids & (here["fix_gap_s"].to_numpy(float) <= p.ais_current_s)
    on_ais = set(here.loc[current, "vessel_id"].astype(str))
    # across an AIS silence, a hull at the vessel's last berth is the vessel; one farther off
    # (the limit grows with the silence) may be another ship that took a berth it left
    at_berth = here["distance_m"].to_numpy(float) <= p.match_base_m
    named = set(here.loc[ids & ~current & at_berth, "vessel_id"].astype(str))
    on_ais |= set(here.loc[ids & ~current & ~at_berth, "vessel_id"].astype(str))
    dark = here[here["status"] == "dark"]
    strong = dark[dark["score"].fillna(1.0) >= p.presence_min_score] if "score" in dark else dark
    named |= _counted(strong) - on_ais
    # a hull whose candidates are all named, or whose group is, says nothing more
    tokens = Counter(
        t for t, c in zip(strong["token"].fillna(""), strong["candidates"].fillna(""), strict=True)
        if t and not (c and set(str(c).split("|")) <= named)
    )  # fmt: skip
    if registry is not None:
        tokens = Counter({t: n for t, n in tokens.items()
                          if not set(registry.resolve_token(t.rstrip("?")).vessel_ids) <= named})  # fmt: skip
    present = [_name(registry, v) for v in sorted(named)]
    present += [_count(t, n) for t, n in sorted(tokens.items())]
    dark_or_edge = m[(inside & m["status"].isin(["dark", "ambiguous"]).to_numpy()) | near]
    blind, hinted = _could_not_tell(scene, zi.exit_polygon(z), dark_or_edge, tracks, lengths, p)
    covered = (
        {v for t in tokens for v in registry.resolve_token(t.rstrip("?")).vessel_ids}
        if registry is not None
        else set()
    )
    present += [
        f"{_name(registry, v)}?" for v in sorted((blind | hinted | on_ais) - named - covered)
    ]
    rel = p.reliability(sensor) * min(1.0, frac / p.full_coverage)
    cloud = scene.get("cloud_cover", np.nan)
    if sensor == "optical" and pd.notna(cloud):
        rel *= 1.0 - float(np.clip(cloud, 0, 1))
    n_match = int(here["status"].isin(["matched", "ambiguous"]).sum())
    notes = (f"imagery: {len(here)} detection(s) in zone ({n_match} matched to AIS, {len(dark)} dark); "
             f"{frac:.0%} of the zone imaged"
             + (f"; {len(edge)} just outside its edge" if len(edge) else "")
             + (f"; matched to current AIS: {', '.join(sorted(_name(registry, v) for v in on_ais))}" if on_ais else ""))  # fmt: skip
    return dict(
        time=scene["time"], port=zi.label[z], source=f"imagery:{scene.get('source', '') or sensor or 'scene'}",
        coverage="full" if frac >= p.full_coverage else "partial", present="|".join(present),
        notes=notes, confidence=round(float(rel), 4), scene_id=sid, sensor=sensor, coverage_fraction=round(frac, 4),
        _seen=named | on_ais | covered | hinted, _mentioned=named | on_ais | covered | hinted | blind,
    )  # fmt: skip


def _in_zone(m: pd.DataFrame, zi: ZoneIndex, z: int, p) -> tuple[np.ndarray, np.ndarray]:
    """Detections inside zone ``z``, and those outside it but within ``edge_m`` (or 3 pixels
    of their image) of its edge: they may be a hull inside (geolocation error)."""
    if not len(m):
        return np.zeros(0, bool), np.zeros(0, bool)
    lon, lat = m["lon"].to_numpy(float), m["lat"].to_numpy(float)
    inside = shapely.contains_xy(zi.entry[z], lon, lat)
    res = m["resolution_m"].to_numpy(float) if "resolution_m" in m else np.full(len(m), np.nan)
    reach_m = np.fmax(p.edge_m, 3 * np.nan_to_num(res))
    d_km = zi.boundary_distances_km(z, lon, lat)  # outside, the distance to the zone
    return inside, ~inside & (d_km * 1000.0 <= reach_m)


def _counted(strong: pd.DataFrame) -> set[str]:
    """Registry vessels named by counting: dark detections that name a group (a label read from
    the image, or an identity carried over) and share the same candidates, as many as there
    are candidates, name them all (two hulls labelled frigate that only the two Gorshkov-class
    ships fit; one such hull that one vessel fits names it); then again with the vessels so
    named taken out of the other hulls' candidates (two hulls labelled oiler, one that only
    Vyazma fits: the other is Yelnya).

    >>> sorted(_counted(pd.DataFrame({"token": ["oiler x1", "oiler x1"],
    ...                               "candidates": ["vyazma", "yelnya|vyazma"]})))
    ['vyazma', 'yelnya']
    """
    hulls = [
        frozenset(v for v in str(c).split("|") if v)
        for t, c in zip(strong["token"].fillna(""), strong["candidates"].fillna(""), strict=True)
        if t and not str(t).endswith("?")
    ]
    named: set[str] = set()
    while True:
        groups = Counter(h - named for h in hulls if h and not h <= named)
        new = {v for c, n in groups.items() if c and n >= len(c) for v in c}
        if not new:
            return named
        named |= new


def _could_not_tell(scene, ais_geom, dark, tracks, lengths, p) -> tuple[set[str], set[str]]:
    """Registry vessels this scene cannot call absent, as (blind, hinted). Blind: too small
    for the sensor, or of unknown length while unexplained (dark) detections are in or at the
    edge of the zone. Hinted (a hull that may be them is there): their length such a detection
    fits (whatever its score; a group token may also name them), a detection just outside the
    edge was matched to them, or their AIS places them in the zone though no detection matched
    them."""
    if lengths is None:
        return set(), set()
    res = pd.to_numeric(scene.get("resolution_m", np.nan), errors="coerce")
    small_len = p.min_length_m(str(scene.get("sensor", "") or ""), float(res))
    small = set(lengths.index[lengths < small_len])
    unexplained = dark[dark["status"] == "dark"]
    unknown = set(lengths.index[lengths.isna()]) if len(unexplained) else set()
    by_ais: set[str] = set()
    if tracks is not None:
        pos = tracks.at(int(pd.Timestamp(scene["time"]).value), int(p.max_fix_gap_h * 3600 * _NS))
        if len(pos):
            lon, lat = pos["lon"].to_numpy(float), pos["lat"].to_numpy(float)
            inz = shapely.contains_xy(ais_geom, lon, lat)
            by_ais = {
                v for mm in pos["mmsi"][inz] if isinstance(v := tracks.vessel_id.get(int(mm)), str)
            }
    unsure = dark[dark["status"].isin(["dark", "ambiguous"])]
    fitting = {v for c in unsure["candidates"].fillna("") for v in str(c).split("|") if v}
    at_edge = set(dark.loc[dark["vessel_id"].notna(), "vessel_id"].astype(str))
    return small | unknown, by_ais | fitting | at_edge


def _lone_absences(rows: list[dict], registry: Registry | None, p) -> None:
    """A single scene's absence between two scenes of the same zone that show the vessel (or a
    hull it may be), both within ``lone_absence_h`` of it, is taken for a miss: listed
    ``Name?`` instead (in place; a detection chance of 0.8 makes one miss in five, while a
    departure and return between two close images is rare; two absences in a row stand)."""
    if registry is None or p.lone_absence_h <= 0:
        return
    span = pd.Timedelta(hours=p.lone_absence_h)
    by_zone: dict[str, list[tuple[pd.Timestamp, dict]]] = {}
    for r in rows:
        by_zone.setdefault(r["port"], []).append((pd.Timestamp(r["time"]), r))
    for zone_rows in by_zone.values():
        zone_rows.sort(key=lambda tr: tr[0])
        for v in registry.ids:
            calls = [(t, r, v in r["_seen"]) for t, r in zone_rows
                     if v in r["_seen"] or (r["coverage"] == "full" and v not in r["_mentioned"])]  # fmt: skip
            for (t0, _, s0), (t, r, s), (t1, _, s1) in zip(
                calls, calls[1:], calls[2:], strict=False
            ):
                if s0 and s1 and not s and t - t0 <= span and t1 - t <= span:
                    r["present"] = "|".join(
                        [x for x in r["present"].split("|") if x] + [f"{_name(registry, v)}?"]
                    )
                    r["notes"] += (
                        f"; not seen, taken for a miss (seen before and after): {_name(registry, v)}"
                    )
                    r["_mentioned"] = r["_mentioned"] | {v}


def _name(registry: Registry | None, vid: str) -> str:
    """The registry name when it resolves back to the vessel, else its id."""
    if registry is None:
        return vid
    return _display_names(registry).get(vid, vid)


_NAMES: dict[int, tuple[Registry, dict[str, str]]] = {}


def _display_names(registry: Registry) -> dict[str, str]:
    """vessel_id -> the name a survey lists it by (built once per registry)."""
    hit = _NAMES.get(id(registry))
    if hit is None or hit[0] is not registry:
        f = registry.frame
        names = {
            v: n if n.strip() and registry.lookup_name(n) == v else v
            for v, n in zip(f["vessel_id"], f["name"].fillna("").astype(str), strict=True)
        }
        _NAMES.clear()
        _NAMES[id(registry)] = hit = (registry, names)
    return hit[1]


def _count(token: str, n: int) -> str:
    """``frigate x1`` seen ``n`` times -> ``frigate xN`` (``?`` kept at the end)."""
    if token.endswith("?"):
        return _count(token[:-1], n) + "?"
    return token[: -len(" x1")] + f" x{n}" if token.endswith(" x1") else token
