"""AIS: fixes sampled from the true tracks, with the faults of real feeds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import schema
from .common import _TEXT, MOVE, NS, _empty_fixes, _ts
from .geometry import _membership
from .plans import _Track


def _sample_ais(
    rng, r_fault, vessels, tracks, zones, frames, span, start_ns, faults, dup_rate, jump_rate
):
    """The AIS table, its meta (per row) and the fixes as arrays (for the truth)."""
    V = vessels.to_dict("records")
    cols = {k: [] for k in ("v", "t", "x", "y", "xo", "yo", "sog", "cog", "rest", "fault", "src")}
    for i in range(len(vessels)):
        v = V[i]
        if not v["has_ais"]:
            continue
        fx = _vessel_fixes(rng, r_fault, v, tracks[i], span, faults, jump_rate)
        cols["v"].append(np.full(len(fx["t"]), i, np.int32))
        for k, arr in fx.items():
            cols[k].append(arr)
    if not cols["t"]:
        return _empty_ais()
    c = {k: np.concatenate(v) for k, v in cols.items()}
    if faults:
        c = _duplicates(r_fault, c, dup_rate)
    lon, lat, port, rank = _locate_fixes(c, vessels, zones, frames)
    order = r_fault.permutation(len(c["t"])) if faults else np.lexsort((c["t"], c["v"]))
    ais, meta = _ais_tables(c, order, lon, lat, port, rank, vessels, start_ns)
    fixes = {k: c[k] for k in ("v", "t", "xo", "yo", "sog", "rest", "fault")}
    fixes["port"], fixes["rank"] = port, rank
    return ais, meta, fixes


def _fix_times(rng, v: dict, tr: _Track, span: float):
    """When vessel ``v`` reports: jittered intervals, sparser at rest for some, never while dark."""
    dt = float(v["fix_interval_s"])
    n = int(span / (0.7 * dt)) + 2
    t = float(rng.uniform(0, dt)) + np.concatenate(
        [[0.0], np.cumsum(dt * rng.uniform(0.7, 1.3, n))]
    )
    t = t[t < span]
    seg = tr.seg(t)
    mode = tr.mode[seg]
    rest = mode != MOVE
    if v["rest_factor"] > 1 and rest.any():
        ri = np.flatnonzero(rest)
        drop = ri[(np.arange(len(ri)) % int(v["rest_factor"])) != 0]
        keep = np.ones(len(t), bool)
        keep[drop] = False
        t, seg, rest = t[keep], seg[keep], rest[keep]
    keep = ~tr.dark_mask(t)
    if v["ais_port_only"]:
        keep &= rest & (tr.rport[seg] >= 0)
    return t[keep], seg[keep], rest[keep]


def _vessel_fixes(rng, r_fault, v: dict, tr: _Track, span, faults, jump_rate) -> dict:
    """One vessel's fixes: true and reported positions, SOG, COG, at rest, fault, receiver."""
    t, seg, rest = _fix_times(rng, v, tr, span)
    return _fixes_at(rng, r_fault, v, tr, t, seg, rest, faults, jump_rate)


def _fixes_at(rng, r_fault, v: dict, tr: _Track, t, seg, rest, faults, jump_rate) -> dict:
    """Fixes of vessel ``v`` at times ``t`` (legs ``seg``, ``rest`` at rest): true and reported
    positions (GPS error), SOG, COG, fault (single-fix jumps when ``faults``), receiver."""
    x, y = tr.position(t, seg)
    a = float(v["gps_error_m"])
    r = np.minimum(np.abs(rng.normal(0, a / 2, len(t))) * math.sqrt(2), a)
    ang = rng.uniform(0, 2 * math.pi, len(t))
    xo, yo = x + r * np.cos(ang), y + r * np.sin(ang)
    sog = np.where(
        rest,
        tr.level[seg] + rng.normal(0, 0.04, len(t)),
        tr.speed[seg] + rng.normal(0, 0.08, len(t)),
    )
    sog = np.round(np.clip(sog, 0, None), 1)
    if v["sog_missing"]:
        sog[:] = np.nan
    hd = np.degrees(np.arctan2(tr.X[seg + 1] - tr.X[seg], tr.Y[seg + 1] - tr.Y[seg])) % 360
    cog = np.where(rest, rng.uniform(0, 360, len(t)), (hd + rng.normal(0, 2, len(t))) % 360)
    fault = np.zeros(len(t), np.int8)
    src = rng.integers(0, 2, len(t)).astype(np.int8)
    if faults and len(t) > 4:
        _jumps(r_fault, t, x, y, xo, yo, fault, jump_rate)
    return dict(t=t, x=x, y=y, xo=xo, yo=yo, sog=sog, cog=cog, rest=rest, fault=fault, src=src)


def _jumps(r_fault, t, x, y, xo, yo, fault, jump_rate) -> None:
    """Turn some fixes into single-fix position jumps of 100-800 km (in place)."""
    # neighbours within 30 min on both sides, never first/last
    cand = np.flatnonzero((np.diff(t, prepend=-1e9) < 1800) & (np.diff(t, append=1e18) < 1800))
    cand = cand[(cand > 0) & (cand < len(t) - 1)]
    nj = int(r_fault.binomial(len(t), jump_rate)) + (1 if r_fault.random() < 0.3 else 0)
    if len(cand) and nj:
        pick = np.sort(r_fault.choice(cand, size=min(nj, len(cand)), replace=False))
        pick = pick[np.concatenate([[True], np.diff(pick) > 2])]
        d = r_fault.uniform(100e3, 800e3, len(pick))
        ja = r_fault.uniform(0, 2 * math.pi, len(pick))
        xo[pick] = x[pick] + d * np.cos(ja)
        yo[pick] = y[pick] + d * np.sin(ja)
        fault[pick] = 2


def _empty_ais():
    """The AIS table, its meta and the fixes when no vessel transmits."""
    empty = schema.conform(
        pd.DataFrame(
            {
                "time": pd.Series(dtype=schema.TIME_DTYPE),
                "lat": [],
                "lon": [],
                "kind": pd.Categorical([], categories=list(schema.KINDS)),
                "mmsi": pd.Series(dtype="Int64"),
                "sog_kn": [],
                "cog_deg": [],
            }
        )
    )
    meta = pd.DataFrame(
        {
            "vessel_id": pd.Series(dtype=object),
            "at_rest": pd.Series(dtype=bool),
            "fault": pd.Series(dtype=object),
            "visible": pd.Series(dtype=bool),
            "port_idx": pd.Series(dtype=np.int32),
            "tier_rank": pd.Series(dtype=np.int32),
        }
    )
    return empty, meta, _empty_fixes()


def _duplicates(r_fault, c: dict, dup_rate: float) -> dict:
    """``c`` with duplicates appended: the same message from the other receiver, 0.05-1 s later."""
    ok = np.flatnonzero(c["fault"] == 0)
    nd = int(r_fault.binomial(len(ok), dup_rate))
    if nd:
        src_i = np.sort(r_fault.choice(ok, size=nd, replace=False))
        dup = {k: a[src_i].copy() for k, a in c.items()}
        dup["t"] = dup["t"] + r_fault.uniform(0.05, 1.0, nd)
        dup["fault"][:] = 1
        dup["src"] = 1 - dup["src"]
        c = {k: np.concatenate([c[k], dup[k]]) for k in c}
    return c


def _locate_fixes(c: dict, vessels, zones, frames):
    """Each fix's lon/lat, and port and tier rank of the innermost zone holding it (jumps: none)."""
    lon = np.empty(len(c["t"]))
    lat = np.empty(len(c["t"]))
    region = vessels["region"].to_numpy()[c["v"]]
    port = np.full(len(c["t"]), -1, np.int32)
    rank = np.full(len(c["t"]), -1, np.int32)
    for r, fr in enumerate(frames):
        m = region == r
        if not m.any():
            continue
        lon[m], lat[m] = fr.lonlat(c["xo"][m], c["yo"][m])
        ok = m & (c["fault"] != 2)
        p, k = _membership(c["xo"][ok], c["yo"][ok], zones, r, fr, lon[ok], lat[ok])
        port[ok], rank[ok] = p, k
    return lon, lat, port, rank


def _ais_tables(c: dict, order, lon, lat, port, rank, vessels, start_ns):
    """The canonical AIS table and its meta, rows in ``order``."""
    mmsi = vessels["mmsi_int"].to_numpy()[c["v"]]
    t_ns = start_ns + np.round(c["t"] * NS).astype("int64")
    n = len(order)
    ais = pd.DataFrame(
        {
            "time": _ts(t_ns[order]),
            "lat": lat[order],
            "lon": lon[order],
            "kind": pd.Categorical.from_codes(np.zeros(n, np.int8), dtype=schema.KIND_DTYPE),
            "mmsi": pd.array(mmsi[order], dtype="Int64"),
            "sog_kn": c["sog"][order],
            "cog_deg": np.round(c["cog"][order], 1),
            "source": pd.Categorical.from_codes(
                c["src"][order], categories=pd.Index(["AIS-T", "AIS-S"], dtype=_TEXT)
            ),
            "src_file": pd.Categorical.from_codes(
                np.zeros(n, np.int8), categories=pd.Index(["sim_ais.csv"], dtype=_TEXT)
            ),
            "src_line": pd.array(np.arange(2, n + 2, dtype="int32"), dtype="Int32"),
        }
    )
    ais = schema.conform(ais)
    ids = pd.Index(vessels["vessel_id"].astype(str).tolist(), dtype=_TEXT)
    meta = pd.DataFrame(
        {
            "vessel_id": pd.Categorical.from_codes(c["v"][order], categories=ids),
            "at_rest": c["rest"][order].astype(bool),
            "fault": pd.Categorical.from_codes(
                c["fault"][order], categories=pd.Index(["", "duplicate", "jump"], dtype=_TEXT)
            ),
            "visible": c["fault"][order] == 0,
            "port_idx": port[order],
            "tier_rank": rank[order],
        }
    )
    return ais, meta
