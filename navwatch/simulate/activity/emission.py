"""AIS evidence: fixes sampled from the true tracks by the port-event simulator's emission
(jittered fix intervals, GPS error, SOG and COG, single-fix jumps, duplicates from a second
receiver), plus the episodes' explicit fixes, silences and late positions, displaced and jammed
positions, cloned transmitters, and static data (name, call sign, IMO) on every row."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ... import schema
from ..ais import _duplicates, _fix_times, _fixes_at
from ..common import _TEXT, MOVE, NS, _ts
from ..plans import _Track
from .stage import Stage

#: Fault codes of the rows (``obs_meta.fault``).
FAULTS = ("", "duplicate", "jump", "displaced", "jammed", "clone", "late")
JUMP, DISPLACED, JAMMED, CLONE, LATE = 2, 3, 4, 5, 6


def _times(rng, v: dict, tr: _Track, span: float, extra):
    """Fix times (natural, then the explicit ones merged in), legs, at rest, code, delay."""
    t, _, _ = _fix_times(rng, v, tr, span)
    code = np.zeros(len(t), np.int8)
    delay = np.zeros(len(t))
    if extra:
        ex = np.array(extra, dtype="float64").reshape(-1, 3)
        t = np.concatenate([t, ex[:, 0]])
        code = np.concatenate([code, ex[:, 1].astype(np.int8)])
        delay = np.concatenate([delay, ex[:, 2]])
        o = np.argsort(t, kind="stable")
        t, code, delay = t[o], code[o], delay[o]
    seg = tr.seg(t)
    return t, seg, tr.mode[seg] != MOVE, code, delay


def _displace(rng, fx: dict, ship, st: Stage, code: np.ndarray) -> None:
    """Explicit jumps, displaced segments and jammed positions (in place)."""
    t, xo, yo, fault = fx["t"], fx["xo"], fx["yo"], fx["fault"]
    j = np.flatnonzero(code == JUMP)
    if len(j):
        # a jump decoy is one fix: no random jump next to it (back to the true position)
        nb = np.setdiff1d(np.clip(np.concatenate([j - 1, j + 1]), 0, len(t) - 1), j)
        nb = nb[fault[nb] == JUMP]
        xo[nb], yo[nb], fault[nb] = fx["x"][nb], fx["y"][nb], 0
        d = rng.uniform(100e3, 800e3, len(j))
        a = rng.uniform(0, 2 * math.pi, len(j))
        xo[j], yo[j] = fx["x"][j] + d * np.cos(a), fx["y"][j] + d * np.sin(a)
        fault[j] = JUMP
    for rec in ship.displaced:
        m = (t >= rec["t0"]) & (t <= rec["t1"])
        if rec["mode"] == "shift":
            xo[m] += rec["dx"]
            yo[m] += rec["dy"]
        else:
            xo[m] = rec["px"] + rng.normal(0, 30, m.sum())
            yo[m] = rec["py"] + rng.normal(0, 30, m.sum())
            fx["sog"][m] = np.where(np.isnan(fx["sog"][m]), np.nan, 0.0)
        fault[m] = DISPLACED
    for a0, a1, jid in ship.jams:
        jam = st.jams[jid]
        m = (t >= a0) & (t <= a1)
        k = int(m.sum())
        ang = rng.uniform(0, 2 * math.pi, k)
        xo[m] = jam["sx"] + jam["ring"] * np.cos(ang) + rng.normal(0, 30, k)
        yo[m] = jam["sy"] + jam["ring"] * np.sin(ang) + rng.normal(0, 30, k)
        if not jam["ring"]:
            fx["sog"][m] = np.where(np.isnan(fx["sog"][m]), np.nan, 0.0)
        fault[m] = JAMMED


def _static(rng, t: np.ndarray, base: dict, changes, variants: bool, missing: float) -> dict:
    """Name, call sign and IMO of each fix (as the static messages last said)."""
    n = len(t)
    out = {
        "name": np.full(n, base["name"], dtype=object),
        "cs": np.full(n, base["callsign"], dtype=object),
        "imo": np.full(n, np.nan if base["imo"] is None else float(base["imo"])),
    }
    for tc, field, new in sorted(changes, key=lambda c: c[0]):
        key = {"name": "name", "callsign": "cs", "imo": "imo"}[field]
        out[key][t >= tc] = float(new) if key == "imo" else new
    if variants:
        m = np.flatnonzero(rng.random(n) < 0.3)
        forms = [lambda s: s + "@" * 4, lambda s: s + "   ", lambda s: s.title()]
        pick = rng.integers(0, len(forms), len(m))
        for k, f in zip(m, pick, strict=True):
            out["name"][k] = forms[int(f)](out["name"][k])
    gone = rng.random(n) < missing
    out["name"][gone] = None
    out["cs"][gone] = None
    out["imo"][gone] = np.nan
    return out


def _transmitters(st: Stage, V, static, r_ais, r_fault, faults, jump_rate, missing):
    """Every transmitter's rows as arrays: the vessels, then the ghosts (clones)."""
    parts = []
    for ship in st.ships:
        v = V[ship.i]
        tr = _Track.of(ship.plan)
        t, seg, rest, code, delay = _times(r_ais, v, tr, st.span, ship.extra)
        fx = _fixes_at(r_ais, r_fault, v, tr, t, seg, rest, faults, jump_rate)
        _displace(r_fault, fx, ship, st, code)
        fx["fault"][code == LATE] = LATE
        fx["src"][code == LATE] = 1
        fx["delay"] = delay
        fx.update(_static(r_ais, t, static[ship.i], ship.identity, ship.name_variants, missing))
        fx["v"] = np.full(len(t), ship.i, np.int32)
        fx["mmsi"] = np.full(len(t), int(v["mmsi_int"]), np.int64)
        parts.append(fx)
    for g in st.ghosts:
        victim = st.ships[g["victim"]]
        tr = _Track.of(g["plan"])
        t, seg, rest, _, delay = _times(
            r_ais, g["v"], tr, st.span, [(g["t0"], 0, 0), (g["t1"], 0, 0)]
        )
        fx = _fixes_at(r_ais, r_fault, g["v"], tr, t, seg, rest, False, 0.0)
        fx["fault"][:] = CLONE
        fx["delay"] = delay
        fx.update(_static(r_ais, t, static[victim.i], victim.identity, False, missing))
        fx["v"] = np.full(len(t), len(st.ships) + g["id"], np.int32)
        fx["mmsi"] = np.full(len(t), int(V[victim.i]["mmsi_int"]), np.int64)
        parts.append(fx)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def emit(st: Stage, vessels: pd.DataFrame, static: list[dict], start_ns: int, rngs, opts: dict):
    """The canonical observation table, its meta (per row) and the rows as arrays (obs order).

    ``opts``: ``faults``, ``duplicate_rate``, ``jump_rate``, ``static_missing_share``.
    """
    r_ais, r_fault = rngs
    V = vessels.to_dict("records")
    c = _transmitters(
        st, V, static, r_ais, r_fault, opts["faults"], opts["jump_rate"], opts["static_missing"]
    )
    if opts["faults"]:
        c = _duplicates(r_fault, c, opts["duplicate_rate"])
    region = np.array([s.region for s in st.ships] + [g["region"] for g in st.ghosts])[c["v"]]
    for k in ("lon", "lat", "tlon", "tlat"):
        c[k] = np.empty(len(c["t"]))
    for r, fr in enumerate(st.frames):
        m = region == r
        if m.any():
            c["lon"][m], c["lat"][m] = fr.lonlat(c["xo"][m], c["yo"][m])
            c["tlon"][m], c["tlat"][m] = fr.lonlat(c["x"][m], c["y"][m])
    c["region"] = region
    order = np.argsort(c["t"] + c["delay"], kind="stable")
    c = {k: a[order] for k, a in c.items()}
    ids = [str(x) for x in vessels["vessel_id"]] + [f"ghost:{g['id']}" for g in st.ghosts]
    return _tables(c, ids, start_ns), c


def _category(values: np.ndarray) -> pd.Categorical:
    s = pd.Series(values, dtype=object)
    cats = pd.Index(sorted({x for x in values if x is not None}), dtype=_TEXT)
    return pd.Categorical(s.where(s.notna(), None), categories=cats)


def _tables(c: dict, ids: list[str], start_ns: int):
    n = len(c["t"])
    t_ns = start_ns + np.round(c["t"] * NS).astype("int64")
    obs = pd.DataFrame(
        {
            "time": _ts(t_ns),
            "lat": c["lat"],
            "lon": c["lon"],
            "kind": pd.Categorical.from_codes(np.zeros(n, np.int8), dtype=schema.KIND_DTYPE),
            "mmsi": pd.array(c["mmsi"], dtype="Int64"),
            "name": _category(c["name"]),
            "callsign": _category(c["cs"]),
            "imo": pd.array(
                np.where(np.isnan(c["imo"]), 0, c["imo"]).astype("int64"), dtype="Int64"
            ),  # fmt: skip
            "sog_kn": c["sog"],
            "cog_deg": np.round(c["cog"], 1),
            "source": pd.Categorical.from_codes(
                c["src"].astype(np.int8), categories=pd.Index(["AIS-T", "AIS-S"], dtype=_TEXT)
            ),
            "src_file": pd.Categorical.from_codes(
                np.zeros(n, np.int8), categories=pd.Index(["sim_activity.csv"], dtype=_TEXT)
            ),
            "src_line": pd.array(np.arange(2, n + 2, dtype="int32"), dtype="Int32"),
        }
    )
    obs.loc[np.isnan(c["imo"]), "imo"] = pd.NA
    obs = schema.conform(obs)
    meta = pd.DataFrame(
        {
            "vessel_id": pd.Categorical.from_codes(c["v"], categories=pd.Index(ids, dtype=_TEXT)),
            "fault": pd.Categorical.from_codes(
                c["fault"].astype(np.int8), categories=pd.Index(list(FAULTS), dtype=_TEXT)
            ),
            "received": _ts(start_ns + np.round((c["t"] + c["delay"]) * NS).astype("int64")),
            "true_lat": c["tlat"],
            "true_lon": c["tlon"],
        }
    )
    return obs, meta
