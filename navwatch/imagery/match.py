"""Satellite detections matched to AIS tracks at the scene time, and dark detections sized up
against the registry (:func:`match_detections`; rules in :class:`ImageryParams`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..geodesy import distance_km, local_frame
from ..quarantine import Quarantine
from ..registry import Registry, first_identities, identity_table, resolve_ids
from ..schema import time_ns
from ..zones import ZoneIndex
from .params import ImageryParams

__all__ = ["MATCH_COLUMNS", "AisTracks", "match_detections", "length_fits"]

KN = 1852.0 / 3600.0  # m/s per knot
_NS = 1_000_000_000

#: Columns of :func:`match_detections`' table (:data:`navwatch.schema.DETECTIONS`).
MATCH_COLUMNS = tuple(schema.DETECTIONS.names)


def length_fits(
    det_len: np.ndarray, ves_len: np.ndarray, p: ImageryParams, resolution_m: Any = np.nan
) -> np.ndarray:
    """True where a detection length is plausible for a vessel length (or either is unknown);
    ``resolution_m`` (the scene's ground resolution, NaN unknown) tightens the tolerance.

    >>> p = ImageryParams()
    >>> length_fits(np.array([110.0, 100.0, np.nan]), np.array([135.0, 135.0, 135.0]), p)
    array([ True, False,  True])
    >>> length_fits(np.array([125.0, 125.0]), np.array([135.0, 124.8]), p, resolution_m=0.5)
    array([False,  True])
    """
    d, v = np.asarray(det_len, float), np.asarray(ves_len, float)
    res = np.asarray(resolution_m, float)
    coarse = np.maximum(p.length_tol_m, p.length_tol_rel * v)
    fine = np.maximum(p.length_tol_px * res, p.length_tol_rel_fine * v)
    tol = np.where(np.isnan(res), coarse, fine)
    with np.errstate(invalid="ignore"):
        ok = np.abs(d - v) <= tol
    return ok | np.isnan(d) | np.isnan(v)


def match_detections(
    detections: pd.DataFrame,
    ais: pd.DataFrame | None = None,
    registry: Registry | None = None,
    *,
    scenes: pd.DataFrame | None = None,
    zones=None,
    params: ImageryParams | None = None,
    quarantine: Quarantine | None = None,
) -> pd.DataFrame:
    """Match detections to AIS tracks; size up the rest (dark) against the registry.

    Parameters
    ----------
    detections : DataFrame
        :func:`navwatch.imagery.read_detections` output (``detect_id, scene_id, time, lat,
        lon, length_m, score, sensor, ...``).
    ais : DataFrame or AisTracks, optional
        Canonical observations; the ``kind == 'ais'`` rows with an MMSI are the tracks (or the
        :class:`AisTracks` of them, built once for several calls).
    registry : Registry, optional
        Names matched MMSIs, and gives the lengths dark detections are compared with.
    scenes : DataFrame, optional
        Scenes (:func:`navwatch.imagery.read_scenes`): the time of detections that carry
        none, and the sensor when the detection does not say.
    zones : GeoDataFrame or ZoneIndex, optional
        Port zones: ``port`` is the innermost zone label (``Tartus/harbour``) holding the
        detection.
    params : ImageryParams, optional
    quarantine : Quarantine, optional
        Receives detections with no time at all (``no_time``).

    Returns
    -------
    DataFrame
        The detections with :data:`MATCH_COLUMNS` (``status`` ``matched``/``dark``; see the
        README's table). Detections without a time are dropped into the quarantine.
    """
    p = params or ImageryParams()
    det = _with_scene_time(detections, scenes, quarantine)
    out = _empty_match(det)
    if not len(det):
        return _as_table(out)
    tracks = _tracks(ais, registry)
    pairs = [
        pair
        for _, idx in out.groupby("scene_time", sort=True).indices.items()
        for pair in _match_one_time(out, idx, tracks, p)
    ]
    if pairs:
        rows = [r[0] for r in pairs]
        for k, col in enumerate(_PAIR_COLUMNS, start=1):
            out.loc[rows, col] = pd.array([r[k] for r in pairs], dtype=out[col].dtype)
    _sized_dark(out, tracks, registry, p)
    _carry_over(out, registry, p)
    if zones is not None and len(out):
        zi = ZoneIndex.of(zones)
        inside, _ = zi.membership(out["lon"].to_numpy(float), out["lat"].to_numpy(float))
        out["port"] = pd.array([zi.label[z] if z >= 0 else None for z in inside], dtype="string")
    return _as_table(out)


def _as_table(out: pd.DataFrame) -> pd.DataFrame:
    """The :data:`navwatch.schema.DETECTIONS` table: its columns, in order, of its dtypes,
    sorted by scene time."""
    t = schema.DETECTIONS
    df = out.reindex(columns=t.names)
    for c in t.columns:
        if c.dtype == "string":
            df[c.name] = df[c.name].astype("string")
            if not c.nullable:
                df[c.name] = df[c.name].fillna("")
        elif c.dtype == "float64":
            df[c.name] = pd.to_numeric(df[c.name], errors="coerce").astype("float64")
        elif c.dtype == "Int64":
            df[c.name] = pd.to_numeric(df[c.name], errors="coerce").astype("Int64")
        else:
            df[c.name] = pd.to_datetime(df[c.name], utc=True).dt.as_unit("ns")
    df = df.sort_values(["scene_time", "detect_id"], kind="stable").reset_index(drop=True)
    return schema.validate(df, t, where="match_detections")


# ----------------------------------------------------------------------------------------------


def _with_scene_time(det: pd.DataFrame, scenes, quarantine) -> pd.DataFrame:
    det = det.reset_index(drop=True).copy()
    t = (
        pd.to_datetime(det["time"], utc=True)
        if "time" in det
        else pd.Series(pd.NaT, index=det.index)
    )
    if scenes is not None and len(scenes) and "scene_id" in det.columns:
        by = scenes.drop_duplicates("scene_id").set_index("scene_id")
        st = pd.to_datetime(det["scene_id"].map(by["time"]), utc=True)
        t = t.fillna(st)
        if "resolution_m" in by.columns:
            det["resolution_m"] = pd.to_numeric(
                det["scene_id"].map(by["resolution_m"]), errors="coerce"
            )
        if "sensor" in by.columns:
            sensor = det.get("sensor", pd.Series("", index=det.index)).fillna("").astype(str)
            det["sensor"] = sensor.where(sensor != "", det["scene_id"].map(by["sensor"]).fillna(""))
    det["scene_time"] = t.dt.as_unit("ns")
    bad = det["scene_time"].isna().to_numpy()
    if bad.any():
        q = quarantine if quarantine is not None else Quarantine()
        for r in det[bad].itertuples():
            q.add(getattr(r, "src_file", "<detections>"), getattr(r, "src_line", None), "no_time",
                  f"detection {r.detect_id!r} has no time and its scene {getattr(r, 'scene_id', None)!r} "
                  "is not in the scenes given", str(r.detect_id))  # fmt: skip
        det = det[~bad].reset_index(drop=True)
    if "sensor" not in det.columns:
        det["sensor"] = ""
    if "resolution_m" not in det.columns:
        det["resolution_m"] = np.nan
    det["resolution_m"] = (
        pd.to_numeric(det["resolution_m"], errors="coerce")
        .astype("Float64")
        .to_numpy(float, na_value=np.nan)
    )
    return det


def _empty_match(det: pd.DataFrame) -> pd.DataFrame:
    out = det.copy()
    n = len(out)
    out["status"] = pd.array(["dark"] * n, dtype="string")
    out["mmsi"] = pd.array([None] * n, dtype="Int64")
    out["vessel_id"] = pd.array([None] * n, dtype="string")
    out["vessel_name"] = pd.array([""] * n, dtype="string")
    for c in ("distance_m", "limit_m", "fix_gap_s"):
        out[c] = np.nan
    out["length_fit"] = pd.array(["unknown"] * n, dtype="string")
    out["candidates"] = pd.array([""] * n, dtype="string")
    out["token"] = pd.array([""] * n, dtype="string")
    out["port"] = pd.array([None] * n, dtype="string")
    out["carried_from"] = pd.array([""] * n, dtype="string")
    return out


class AisTracks:
    """AIS fixes sorted by time, with per-MMSI identity (registry id, name, length: the
    registry's, else the AIS-reported ``length_m`` when the observations carry it): built once
    from canonical observations and shared by :func:`match_detections` and
    :func:`~navwatch.imagery.derive_surveys` (both take one where they take ``ais``); the
    positions at a scene time are computed once per time."""

    def __init__(self, ais: pd.DataFrame, registry: Registry | None) -> None:
        a = ais[(ais["kind"].astype(str) == "ais") & ais["mmsi"].notna()] if len(ais) else ais
        a = _without_jumps(a)
        t = time_ns(a["time"])
        order = np.argsort(t, kind="stable")
        self.t = t[order]
        self.mmsi = a["mmsi"].astype("int64").to_numpy()[order]
        self.lat = a["lat"].to_numpy(float)[order]
        self.lon = a["lon"].to_numpy(float)[order]
        sog = a["sog_kn"] if "sog_kn" in a.columns else pd.Series(np.nan, index=a.index)
        self.sog = pd.to_numeric(sog, errors="coerce").to_numpy(float)[order]
        uniq = np.unique(self.mmsi)
        first = first_identities(a.iloc[order], self.mmsi) if len(a) else {}
        per = identity_table(uniq, first)
        vid, _ = resolve_ids(per, registry)
        name = per["name"] if "name" in per.columns else pd.Series("", index=per.index)
        self.vessel_id = dict(zip(uniq.tolist(), vid.tolist(), strict=True))
        self.name = dict(zip(uniq.tolist(), name.fillna("").astype(str).tolist(), strict=True))
        lengths = {}
        if registry is not None:
            sz = registry.sizes().set_index("vessel_id")
            lengths = sz["length_m"].to_dict()
            rnames = sz["name"].to_dict()
            for m, v in self.vessel_id.items():
                if isinstance(v, str) and v in rnames:
                    self.name[m] = rnames[v]
        # the registry's length when it has one, else the one the vessel broadcasts (AIS type
        # 5/24 A+B: a merchant ship's track then only takes hulls of its size)
        ais_len = (
            dict(zip(uniq.tolist(), per["length_m"].to_numpy(float), strict=True))
            if "length_m" in per.columns
            else {}
        )
        reg_len = {m: float(lengths.get(v, np.nan)) if isinstance(v, str) else np.nan
                   for m, v in self.vessel_id.items()}  # fmt: skip
        self.length = {
            m: x if np.isfinite(x) else float(ais_len.get(m, np.nan)) for m, x in reg_len.items()
        }
        self._at: dict[tuple[int, int], pd.DataFrame] = {}

    def at(self, t_ns: int, gap_ns: int) -> pd.DataFrame:
        """Per MMSI with a fix within ``gap_ns`` of ``t_ns``: position at ``t_ns``, the time to
        the nearest fix, and the speed bound (kn) of the limit (computed once per time; do not
        modify it)."""
        key = (t_ns, gap_ns)
        if key not in self._at:
            self._at[key] = self._positions(t_ns, gap_ns)
        return self._at[key]

    def _positions(self, t_ns: int, gap_ns: int) -> pd.DataFrame:
        lo, hi = np.searchsorted(self.t, [t_ns - gap_ns, t_ns + gap_ns + 1])
        if hi <= lo:
            return pd.DataFrame(columns=["mmsi", "lat", "lon", "dt_s", "v_kn"])
        w = pd.DataFrame(
            {"mmsi": self.mmsi[lo:hi], "t": self.t[lo:hi], "lat": self.lat[lo:hi],
             "lon": self.lon[lo:hi], "sog": self.sog[lo:hi]}
        )  # fmt: skip
        before = w[w["t"] <= t_ns].groupby("mmsi").tail(1)
        after = w[w["t"] > t_ns].groupby("mmsi").head(1)
        j = before.merge(after, on="mmsi", how="outer", suffixes=("_b", "_a")).set_index("mmsi")
        return _interpolate(j, t_ns)


def _without_jumps(a: pd.DataFrame) -> pd.DataFrame:
    """AIS fixes without the single-fix position jumps port detection quarantines
    (:func:`navwatch.detect.engine.single_fix_jumps`, its default thresholds): a corrupt fix
    would drag the position interpolated at a scene time kilometres away."""
    if len(a) < 3:
        return a
    from ..detect.engine import single_fix_jumps
    from ..detect.params import DetectParams

    m = a["mmsi"].astype("int64").to_numpy()
    t = time_ns(a["time"])
    lat, lon = a["lat"].to_numpy(float), a["lon"].to_numpy(float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    order = np.flatnonzero(ok)[np.lexsort((t[ok], m[ok]))]
    jump, _ = single_fix_jumps(m[order], t[order], lat[order], lon[order], DetectParams())
    keep = ok.copy()
    keep[order[jump]] = False
    return a if keep.all() else a[keep]


def _interpolate(j: pd.DataFrame, t_ns: int) -> pd.DataFrame:
    has_b, has_a = j["t_b"].notna().to_numpy(), j["t_a"].notna().to_numpy()
    tb, ta = j["t_b"].to_numpy(float), j["t_a"].to_numpy(float)
    both = has_b & has_a
    f = np.where(both, (t_ns - tb) / np.where(both, ta - tb, 1.0), 0.0)
    lat = np.where(
        both, j["lat_b"] + f * (j["lat_a"] - j["lat_b"]), np.where(has_b, j["lat_b"], j["lat_a"])
    )
    lon_b, lon_a = j["lon_b"].to_numpy(float), j["lon_a"].to_numpy(float)
    dlon = (lon_a - lon_b + 180.0) % 360.0 - 180.0  # the short way, across the antimeridian too
    lon = np.where(both, _wrap(lon_b + f * dlon), np.where(has_b, lon_b, lon_a))
    dt = np.fmin(np.where(has_b, t_ns - tb, np.inf), np.where(has_a, ta - t_ns, np.inf)) / _NS
    implied = np.zeros(len(j))
    if both.any():
        d_km = distance_km(j["lat_b"].to_numpy(float), j["lon_b"].to_numpy(float),
                           j["lat_a"].to_numpy(float), j["lon_a"].to_numpy(float))  # fmt: skip
        implied = np.where(both, d_km * 1000 / np.maximum((ta - tb) / _NS, 1.0) / KN, 0.0)
    v = np.fmax(np.fmax(j["sog_b"].to_numpy(float), j["sog_a"].to_numpy(float)), implied)
    return pd.DataFrame(
        {"mmsi": j.index.to_numpy(), "lat": lat, "lon": lon, "dt_s": dt, "v_kn": np.nan_to_num(v)}
    )


def _wrap(lon: np.ndarray) -> np.ndarray:
    return (lon + 180.0) % 360.0 - 180.0


def _mean_lon(lon: np.ndarray) -> float:
    """The circular mean of longitudes (a scene across the antimeridian centres near 180)."""
    r = np.radians(lon)
    return float(np.degrees(np.arctan2(np.sin(r).mean(), np.cos(r).mean())))


def _tracks(ais, registry) -> AisTracks | None:
    """The tracks of ``ais`` (observations, or tracks already built: returned as they are)."""
    if isinstance(ais, AisTracks):
        return ais
    if ais is None or not len(ais) or "mmsi" not in ais.columns:
        return None
    return AisTracks(ais, registry)


#: What :func:`_match_one_time` sets of each detection it pairs, in its tuples' order (after
#: the row).
_PAIR_COLUMNS = ("status", "mmsi", "vessel_name", "vessel_id", "candidates", "distance_m",
                 "limit_m", "fix_gap_s", "length_fit")  # fmt: skip


def _match_one_time(out: pd.DataFrame, idx: np.ndarray, tracks, p: ImageryParams) -> list[tuple]:
    """The pairs of the detections ``idx`` (one scene time) with the tracks there: a tuple per
    paired detection, its row then :data:`_PAIR_COLUMNS`."""
    if tracks is None:
        return []
    t_ns = int(out["scene_time"].iloc[idx[0]].value)
    pos = tracks.at(t_ns, int(p.max_fix_gap_h * 3600 * _NS))
    if not len(pos):
        return []
    d = out.iloc[idx]
    f = local_frame(_mean_lon(d["lon"].to_numpy(float)), float(d["lat"].mean()))
    dx, dy = f.xy(d["lon"].to_numpy(float), d["lat"].to_numpy(float))
    vx, vy = f.xy(pos["lon"].to_numpy(float), pos["lat"].to_numpy(float))
    limit = np.minimum(
        p.match_max_m,
        p.match_base_m
        + np.maximum(pos["v_kn"].to_numpy(), p.min_drift_kn) * KN * pos["dt_s"].to_numpy(),
    )
    near = (np.abs(vx) < 1e4) & (np.abs(vy) < 1e4)  # within 10,000 km of the scene (frame sanity)
    vi = np.flatnonzero(near)
    if not len(vi):
        return []
    dist = np.hypot(dx[:, None] - vx[None, vi], dy[:, None] - vy[None, vi]) * 1000.0
    mmsis, gaps = pos["mmsi"].to_numpy(), pos["dt_s"].to_numpy(float)
    vlen = np.array([tracks.length.get(m, np.nan) for m in mmsis[vi]])
    dlen = d["length_m"].to_numpy(float) if "length_m" in d.columns else np.full(len(d), np.nan)
    res_d = d["resolution_m"].to_numpy(float)
    ok = (dist <= limit[vi][None, :]) & length_fits(dlen[:, None], vlen[None, :], p, res_d[:, None])
    found = []
    for di, vj in _assign(dist, ok):
        k = vi[vj]
        m = int(mmsis[k])
        vid = tracks.vessel_id.get(m)
        # another track this detection could pair with, about as near: which is which cannot
        # be told (two ships berthed side by side)
        margin = max(p.ambiguous_m, float(np.nan_to_num(res_d[di])))
        tied = np.flatnonzero(ok[di] & (dist[di] - dist[di, vj] < margin))
        ids = [tracks.vessel_id.get(int(mmsis[vi[j]])) for j in tied] if len(tied) > 1 else []
        fit = "unknown" if np.isnan(dlen[di]) or np.isnan(vlen[vj]) else "fits"
        found.append((
            int(idx[di]), "ambiguous" if len(tied) > 1 else "matched", m, tracks.name.get(m, ""),
            vid if isinstance(vid, str) else None, "|".join(sorted({v for v in ids if isinstance(v, str)})),
            float(dist[di, vj]), float(limit[k]), float(gaps[k]), fit,
        ))  # fmt: skip
    return found


def _assign(cost: np.ndarray, ok: np.ndarray) -> list[tuple[int, int]]:
    """One-to-one pairs among the allowed ones minimising the summed cost, solved on each
    connected group of detections and tracks that could pair."""
    di, vj = np.nonzero(ok)
    if not len(di):
        return []
    # imported here: scipy costs every navwatch command 0.3 s of start-up otherwise
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nd, nv = ok.shape
    g = coo_matrix((np.ones(len(di)), (di, nd + vj)), shape=(nd + nv, nd + nv))
    _, comp = connected_components(g, directed=False)
    pairs: list[tuple[int, int]] = []
    for c in np.unique(comp[di]):
        rows = np.flatnonzero(comp[:nd] == c)
        cols = np.flatnonzero(comp[nd:] == c)
        sub = np.where(ok[np.ix_(rows, cols)], cost[np.ix_(rows, cols)], 1e9)
        r, k = linear_sum_assignment(sub)
        pairs += [
            (int(rows[a]), int(cols[b])) for a, b in zip(r, k, strict=True) if sub[a, b] < 1e9
        ]
    return pairs


def _sized_dark(out: pd.DataFrame, tracks, registry, p: ImageryParams) -> None:
    """Dark detections: the registry vessels they may be (length fits, the label's group when
    labelled, not placed elsewhere by AIS at that time) and the survey token that says as
    much as that allows (:func:`_dark_token`)."""
    if registry is None or not len(registry):
        return
    dark = np.flatnonzero((out["status"] == "dark").to_numpy())
    if not len(dark):
        return
    sizes = registry.sizes()
    placed = _placed_by_ais(out, tracks, p)
    lens = out["length_m"].to_numpy(float)
    labels = out["label"].fillna("").astype(str).to_numpy() if "label" in out else [""] * len(out)
    cands, tokens = out["candidates"].to_numpy(object).copy(), out["token"].to_numpy(object).copy()
    for i in dark:
        group: tuple[str, ...] | None = None
        if labels[i].strip():
            group = registry.resolve_token(labels[i]).vessel_ids  # () = not a registry kind
        pool = sizes if group is None else sizes[sizes["vessel_id"].isin(group)]
        pool = pool[~pool["vessel_id"].isin(placed.get(out["scene_time"].iloc[i].value, set()))]
        if np.isnan(lens[i]) and group is None:
            continue
        res = float(out["resolution_m"].iloc[i])
        fit = length_fits(np.full(len(pool), lens[i]), pool["length_m"].to_numpy(float), p, res)
        # unknown registry lengths fit nothing by size alone: only a label includes them
        cand = pool[fit & (pool["length_m"].notna().to_numpy() | (group is not None))]
        cands[i] = "|".join(cand["vessel_id"])
        tokens[i] = _dark_token(cand, labelled=group is not None)
    out["candidates"] = pd.array(cands, dtype="string")
    out["token"] = pd.array(tokens, dtype="string")


def _named(tok: str) -> bool:
    return bool(tok) and not tok.endswith("?")


def _carry_over(out: pd.DataFrame, registry, p: ImageryParams) -> None:
    """The same hull at the same berth: a dark detection that names no one (no token, or a
    ``?`` one) takes the identity of an earlier detection within ``carry_over_m`` and
    ``carry_over_h`` whose length is compatible and that named a class or type, or was matched
    to a registry vessel (``carried_from`` says which); the vessels its own length fits stay
    candidates (a survey lists them as could-not-tell). Analysts carry identities over this
    way from a sharp image to a coarse one; a hull that moved, a berth taken by a ship of
    another size, or too long a wait breaks the chain. Detections are taken in time order, so
    a carried identity can be carried again."""
    if p.carry_over_h <= 0 or not len(out):
        return
    t = time_ns(out["scene_time"])
    order = np.argsort(t, kind="stable")
    ts = t[order]
    lat, lon = out["lat"].to_numpy(float), out["lon"].to_numpy(float)
    lens, res = out["length_m"].to_numpy(float), out["resolution_m"].to_numpy(float)
    ident: list[tuple[str, str] | None] = [_identity(out, j, registry) for j in range(len(out))]
    window = int(p.carry_over_h * 3600 * _NS)
    col = {c: out.columns.get_loc(c) for c in ("candidates", "token", "carried_from")}
    for i in order:
        if out["status"].iat[i] != "dark" or ident[i] is not None:
            continue
        lo = int(np.searchsorted(ts, t[i] - window, side="left"))
        hi = int(np.searchsorted(ts, t[i], side="left"))  # strictly earlier scenes
        prev = np.array([j for j in order[lo:hi] if ident[j] is not None], dtype=np.int64)
        if not len(prev):
            continue
        d = (
            distance_km(
                np.full(len(prev), lat[i]), np.full(len(prev), lon[i]), lat[prev], lon[prev]
            )
            * 1000
        )
        res_i = np.fmax(np.nan_to_num(res[prev]), np.nan_to_num(res[i]))
        ok = (d <= np.maximum(p.carry_over_m, 3 * res_i)) & length_fits(
            np.full(len(prev), lens[i]), lens[prev], p, np.where(res_i > 0, res_i, np.nan)
        )
        if ok.any():
            j = int(prev[ok][np.argmin(d[ok])])
            cand, tok = ident[j]  # type: ignore[misc]
            own = [v for v in str(out["candidates"].iat[i]).split("|") if v]
            out.iat[i, col["candidates"]] = "|".join(dict.fromkeys([*cand.split("|"), *own]))
            out.iat[i, col["token"]] = tok
            out.iat[i, col["carried_from"]] = str(out["detect_id"].iat[j])
            ident[i] = (cand, tok)


def _identity(out: pd.DataFrame, j: int, registry) -> tuple[str, str] | None:
    """(candidates, token) a detection hands on: its named token, or the name of the registry
    vessel it was matched to (its id when the name names another too); None when it names no
    one."""
    tok = str(out["token"].iat[j])
    if _named(tok):
        return str(out["candidates"].iat[j]), tok
    vid = out["vessel_id"].iat[j]
    if out["status"].iat[j] == "matched" and isinstance(vid, str) and vid:
        name = str(out["vessel_name"].iat[j] or "")
        ok = registry is not None and name.strip() and registry.lookup_name(name) == vid
        return vid, name if ok else vid
    return None


def _dark_token(cand: pd.DataFrame, *, labelled: bool) -> str:
    """The survey token of a dark detection. Labelled (a type or class read from the image
    by a provider or analyst) and sized: the group the candidates share (presence of that
    class or type, as a hand survey's ``frigate x1``). A length alone cannot tell a frigate
    from a merchant ship of the same size: the token then ends in ``?`` (could not tell)."""
    tok = _token(cand)
    return tok if labelled or not tok else tok + "?"


def _placed_by_ais(out: pd.DataFrame, tracks, p: ImageryParams) -> dict[int, set[str]]:
    """Per scene time, the registry vessels an AIS track places somewhere at that time."""
    if tracks is None:
        return {}
    gap = int(p.max_fix_gap_h * 3600 * _NS)
    res: dict[int, set[str]] = {}
    for t in out.loc[out["status"] == "dark", "scene_time"].unique():
        pos = tracks.at(int(pd.Timestamp(t).value), gap)
        res[int(pd.Timestamp(t).value)] = {
            v for m in pos["mmsi"] if isinstance(v := tracks.vessel_id.get(int(m)), str)
        }
    return res


def _token(cand: pd.DataFrame) -> str:
    """The group a dark detection is evidence of: one vessel class when all candidates share
    it, else one type; several types: no single token (the survey lists them as ``Name?``)."""
    if not len(cand):
        return ""
    classes = cand["vessel_class"].fillna("").astype(str).str.strip()
    if classes.ne("").all() and classes.nunique() == 1:
        c = classes.iloc[0]
        return f"{c} x1" if "class" in c.lower() else f"{c} class x1"
    types = cand["type"].fillna("").astype(str).str.strip()
    if types.ne("").all() and types.nunique() == 1:
        return f"{types.iloc[0]} x1"
    return ""
