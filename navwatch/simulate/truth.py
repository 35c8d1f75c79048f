"""Ground truth: visits of the true tracks to the zones, calls, events and tight windows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from .. import schema
from .common import KN, MOVE, POS, SURV_IN, SURV_OUT, _empty_fixes, _to_ts
from .geometry import _Zone
from .plans import _Track


def _visits(tr: _Track, zones: list[_Zone], region: int, t0: float, t1: float):
    """Per zone, the intervals the true track is inside its polygon (local frame)."""
    out: list[tuple[_Zone, float, float, bool, bool, float, float]] = []
    n = len(tr.mode)
    zs = [z for z in zones if z.region == region]
    if n == 0 or not zs:
        return out
    xs0, ys0, xs1, ys1 = tr.X[:-1], tr.Y[:-1], tr.X[1:], tr.Y[1:]
    moving = (np.hypot(xs1 - xs0, ys1 - ys0) > 0) & (tr.T[1:] > t0 - 1) & (tr.T[:-1] < t1 + 1)
    cx = np.array([z.cx for z in zs])
    cy = np.array([z.cy for z in zs])
    bd = np.array([z.bound + 10 for z in zs])
    near = (
        moving[:, None]
        & (np.maximum(xs0, xs1)[:, None] > (cx - bd)[None])
        & (np.minimum(xs0, xs1)[:, None] < (cx + bd)[None])
        & (np.maximum(ys0, ys1)[:, None] > (cy - bd)[None])
        & (np.minimum(ys0, ys1)[:, None] < (cy + bd)[None])
    )
    ks, js = np.nonzero(near)
    times_by_zone: dict[int, np.ndarray] = {}
    speed_at: dict[int, dict] = {}  # per zone: crossing time -> speed across the edge (kn)
    if len(ks):
        lines = shapely.linestrings(
            np.stack(
                [np.column_stack([xs0[ks], ys0[ks]]), np.column_stack([xs1[ks], ys1[ks]])], axis=1
            )
        )
        rings = np.array([z.local_polygon().exterior for z in zs], dtype=object)[js]
        hits = shapely.intersection(lines, rings)
        coords, idx = shapely.get_coordinates(hits, return_index=True)
        if len(idx):
            k = ks[idx]
            seglen = np.hypot(xs1[k] - xs0[k], ys1[k] - ys0[k])
            f = np.hypot(coords[:, 0] - xs0[k], coords[:, 1] - ys0[k]) / seglen
            times = tr.T[k] + f * (tr.T[k + 1] - tr.T[k])
            zj = js[idx]
            # how steeply the track crosses the edge: the normal of the ellipse at the point
            sin_cross = np.ones(len(k))
            for j in np.unique(zj):
                mj = zj == j
                z = zs[int(j)]
                c, s_ = math.cos(z.theta), math.sin(z.theta)
                u, v = z.norm(coords[mj, 0], coords[mj, 1])
                gu, gv = u / z.a, v / z.b  # gradient in the rotated frame
                nx, ny = gu * c - gv * s_, gu * s_ + gv * c
                dx, dy = (xs1 - xs0)[k[mj]], (ys1 - ys0)[k[mj]]
                sin_cross[mj] = np.abs(nx * dx + ny * dy) / (np.hypot(nx, ny) * np.hypot(dx, dy))
                times_by_zone[int(j)] = times[mj]
                speed_at[int(j)] = dict(
                    zip(
                        times[mj].tolist(),
                        (tr.speed[k[mj]] * np.maximum(sin_cross[mj], 0.05)).tolist(),
                        strict=True,
                    )
                )
    for j, z in enumerate(zs):
        times = times_by_zone.get(j)
        if times is None:
            # no crossing: inside for the whole period or never
            mx, my = np.interp([(t0 + t1) / 2], tr.T, tr.X), np.interp([(t0 + t1) / 2], tr.T, tr.Y)
            if z.margin(mx, my)[0] > 0:
                out.append((z, t0, t1, True, True, np.nan, np.nan))
            continue
        bps = np.unique(np.concatenate([[t0, t1], times]))
        bps = bps[(bps >= t0) & (bps <= t1)]
        mids = (bps[:-1] + bps[1:]) / 2
        inside = z.margin(np.interp(mids, tr.T, tr.X), np.interp(mids, tr.T, tr.Y)) > 0
        if not inside.any():
            continue
        edges = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
        for st, en in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            a, d = bps[st], bps[en]
            out.append(
                (z, a, d, a <= t0, d >= t1, speed_at[j].get(a, np.nan), speed_at[j].get(d, np.nan))
            )
    return out


def _truth_visits(vessels, tracks, zones, ports, span):
    """Every visit of every vessel to every zone, with what the ship did there."""
    V = vessels.to_dict("records")
    out = []
    for i, tr in enumerate(tracks):
        region = int(V[i]["region"])
        rest_k = np.flatnonzero(tr.mode != MOVE)
        inside_cache: dict[int, np.ndarray] = {}
        for z, a, d, open_a, open_d, v_a, v_d in _visits(tr, zones, region, 0.0, span):
            # rest legs overlapping the visit (their position is inside: the visit contains them)
            ra = np.maximum(tr.T[rest_k], a)
            rd = np.minimum(tr.T[rest_k + 1], d)
            ov = rd - ra
            if z.idx not in inside_cache:
                inside_cache[z.idx] = (
                    z.margin(tr.X[rest_k], tr.Y[rest_k]) > 0 if len(rest_k) else np.zeros(0, bool)
                )
            inside = inside_cache[z.idx]
            rest_s = float(np.sum(np.where((ov > 0) & inside, ov, 0.0)))
            labels = []
            for ta, tb, lab, port in tr.tags:
                if lab and port == z.port and tb >= a - 1 and ta <= d + 1:
                    for part in lab.split("|"):
                        if part and part not in labels:
                            labels.append(part)
            out.append(
                dict(
                    v=i,
                    zone=z.idx,
                    port=z.port,
                    rank=z.rank,
                    a=a,
                    d=d,
                    open_a=open_a,
                    open_d=open_d,
                    stopped=rest_s > 0,
                    rest_min=rest_s / 60.0,
                    labels=labels,
                    v_a=v_a,
                    v_d=v_d,
                )
            )
    return out


def _in_out(status, port, rank, pz, rz):
    """Whether each evidence row places the vessel in zone (pz, rz), and whether out of it."""
    placed = (port == pz) & (rank >= 0) & (rank <= rz)
    pos = status == POS
    sin = status == SURV_IN
    sout = status == SURV_OUT
    is_in = (pos | sin) & placed
    is_out = (pos & ~placed) | (sin & (port != pz)) | (sout & (port == pz) & (rank >= rz))
    return is_in, is_out


#: Columns of ``truth_events`` and ``truth_visits``, in order.
_EVENT_COLUMNS = [
    "vessel_id",
    "port",
    "tier",
    "tier_rank",
    "event",
    "time",
    "tight_earliest",
    "tight_latest",
    "earliest_kind",
    "latest_kind",
    "tight_earliest_ais",
    "tight_latest_ais",
    "evidence",
    "time_tol_s",
    "consistent",
    "visit_id",
    "stopped",
    "osint_present",
    "evidenced_ais",
    "evidenced",
    "registry",
    "has_ais",
    "decoys",
]
_VISIT_COLUMNS = [
    "visit_id",
    "vessel_id",
    "port",
    "tier",
    "tier_rank",
    "arrival",
    "departure",
    "kind",
    "stopped",
    "rest_min",
    "osint_present",
    "evidenced_ais",
    "evidenced",
    "decoys",
    "registry",
    "has_ais",
]
_EVENT_TIMES = ("time", "tight_earliest", "tight_latest", "tight_earliest_ais", "tight_latest_ais")
_KINDS = np.array(["ais", "sighting", "survey"])  # evidence kind codes


def _truth_tables(vessels, tracks, zones, ports, visits, fixes, osint_ev, contra, span, start_ns):
    """The truth visits and the events of calls, with tight windows, from visits and evidence."""
    fx, oe, fb, ob = _evidence_by_vessel(fixes, osint_ev, len(vessels))
    vids = vessels["vessel_id"].to_numpy()
    has_ais = vessels["has_ais"].to_numpy()
    in_reg = vessels["registry"].to_numpy()
    gps_err = vessels["gps_error_m"].to_numpy()
    vrows, erows = [], []
    by_vessel: dict[int, list] = {}
    for n, vi in enumerate(visits):
        by_vessel.setdefault(vi["v"], []).append((n, vi))
    for i, vlist in by_vessel.items():
        ev = _Evidence(fx, oe, int(fb[i]), int(fb[i + 1]), int(ob[i]), int(ob[i + 1]))
        for n, vi in vlist:
            z = zones[vi["zone"]]
            a, d = vi["a"], vi["d"]
            osint_present = ev.osint_present(z, a, d)
            # does AIS show the stop?
            ev_ais = False
            if vi["stopped"] and has_ais[i] and ev.n_f:
                ev_ais = ev.ais_shows_stop(z, a, d)
            stopped = bool(vi["stopped"])
            kind = "call" if stopped or osint_present else "transit"
            vid = f"{vids[i]}@{ports[z.port].name}/{z.tier}#{n}"
            vrow = dict(
                visit_id=vid,
                vessel_id=vids[i],
                port=ports[z.port].name,
                tier=z.tier,
                tier_rank=z.rank,
                arrival=np.nan if vi["open_a"] else a,
                departure=np.nan if vi["open_d"] else d,
                kind=kind,
                stopped=stopped,
                rest_min=round(vi["rest_min"], 2),
                osint_present=osint_present,
                evidenced_ais=ev_ais,
                evidenced=ev_ais or osint_present,
                decoys="|".join(vi["labels"]),
                registry=bool(in_reg[i]),
                has_ais=bool(has_ais[i]),
            )
            vrows.append(vrow)
            if kind == "call":
                erows += _call_events(vrow, vi, z, ev, float(gps_err[i]))
    te = _events_frame(erows, contra, start_ns)
    tv = pd.DataFrame(vrows, columns=_VISIT_COLUMNS)
    for c in ("arrival", "departure"):
        tv[c] = _to_ts(tv[c].to_numpy(dtype="float64"), start_ns)
    return tv, te


def _evidence_by_vessel(fixes, osint_ev, nv: int):
    """Visible fixes and OSINT evidence in (vessel, time) order, and where each vessel's start."""
    vis = fixes["fault"] == 0 if len(fixes["t"]) else np.zeros(0, bool)
    # visible fixes are already in (vessel, time) order: vessels were sampled in turn, and the
    # duplicates appended at the end are not visible
    fx = (
        {k: fixes[k][vis] for k in ("v", "t", "xo", "yo", "sog", "rest", "port", "rank")}
        if len(vis)
        else _empty_fixes()
    )
    fx["v"] = fx["v"].astype(np.int32)
    o = np.lexsort((osint_ev["t"], osint_ev["v"]))
    oe = {k: arr[o] for k, arr in osint_ev.items()}
    fb = np.searchsorted(fx["v"], np.arange(nv + 1, dtype=np.int32))
    ob = np.searchsorted(oe["v"], np.arange(nv + 1, dtype=oe["v"].dtype))
    return fx, oe, fb, ob


class _Evidence:
    """One vessel's visible AIS fixes, alone (``ais``) and with its OSINT (``all``), by time."""

    def __init__(self, fx: dict, oe: dict, f0: int, f1: int, o0: int, o1: int):
        self.fx = {k: arr[f0:f1] for k, arr in fx.items()}
        self.n_f = n_f = f1 - f0
        self.ais = {
            "t": self.fx["t"],
            "status": np.zeros(n_f, np.int8),
            "port": self.fx["port"],
            "rank": self.fx["rank"],
            "kind": np.zeros(n_f, np.int8),
            "false": np.zeros(n_f, bool),
        }
        cat = {k: np.concatenate([self.ais[k], oe[k][o0:o1]]) for k in self.ais}
        order = np.argsort(cat["t"], kind="stable")
        self.all = {k: arr[order] for k, arr in cat.items()}
        self._masks: dict = {}

    def masks(self, which: str, z: _Zone):
        """Per row of ``which`` evidence: does it place the vessel in ``z``, and out of it."""
        key = (which, z.idx)
        if key not in self._masks:
            e = self.all if which == "all" else self.ais
            self._masks[key] = _in_out(e["status"], e["port"], e["rank"], z.port, z.rank)
        return self._masks[key]

    def osint_present(self, z: _Zone, a: float, d: float) -> bool:
        """Whether OSINT (not injected as false) places the vessel in ``z`` from ``a`` to ``d``."""
        ins, _ = self.masks("all", z)
        e = self.all
        tt = e["t"]
        s0, s1 = (
            np.searchsorted(tt, [a, d], side="left")[0],
            np.searchsorted(tt, d, side="right"),
        )
        return bool(np.any(ins[s0:s1] & (e["kind"][s0:s1] > 0) & ~e["false"][s0:s1]))

    def ais_shows_stop(self, z: _Zone, a: float, d: float) -> bool:
        """A fix in ``z`` at rest with SOG, or two 10+ min apart implying under 0.5 kn."""
        fx = self.fx
        ft, fport, frank = fx["t"], fx["port"], fx["rank"]
        k0, k1 = np.searchsorted(ft, a, side="left"), np.searchsorted(ft, d, side="right")
        m = (fport[k0:k1] == z.port) & (frank[k0:k1] >= 0) & (frank[k0:k1] <= z.rank)
        if not m.any():
            return False
        sog = fx["sog"][k0:k1][m]
        rest = fx["rest"][k0:k1][m]
        if np.any(rest & np.isfinite(sog)):
            return True
        tm = ft[k0:k1][m]
        xm, ym = fx["xo"][k0:k1][m], fx["yo"][k0:k1][m]
        j = np.searchsorted(tm, tm + 600.0)
        ok = np.flatnonzero(j < len(tm))
        for jj in (j[ok], np.full(len(ok), len(tm) - 1)):
            dt = tm[jj] - tm[ok]
            good = dt >= 600.0
            sp = np.hypot(xm[jj] - xm[ok], ym[jj] - ym[ok])[good] / dt[good] / KN
            if np.any(sp < 0.5):
                return True
        return False

    def bounds(self, which: str, z: _Zone, event: str, t_ev: float) -> tuple[int, int]:
        """Rows of ``which`` evidence bounding the tight window of crossing ``t_ev`` (-1: none)."""
        ins, outs = self.masks(which, z)
        tt = (self.all if which == "all" else self.ais)["t"]
        before, after = (ins, outs) if event == "departure" else (outs, ins)
        cut = int(np.searchsorted(tt, t_ev, side="right"))
        kb = np.flatnonzero(before[:cut])
        cut2 = int(np.searchsorted(tt, t_ev, side="left"))
        ka = np.flatnonzero(after[cut2:])
        # evidence in the zone on the far side of the crossing (a later or an earlier call, the
        # ship having left and come back unseen) hides it: no evidence tells this crossing from
        # staying
        if event == "departure" and len(ka) and ins[cut : cut2 + ka[0]].any():
            ka = ka[:0]
        if event == "arrival" and len(kb) and ins[kb[-1] + 1 : cut2].any():
            kb = kb[:0]
        return (int(kb[-1]) if len(kb) else -1), (cut2 + int(ka[0]) if len(ka) else -1)


def _call_events(vrow: dict, vi: dict, z: _Zone, ev: _Evidence, gps: float) -> list[dict]:
    """The arrival and departure of a call (those inside the period), with tight windows."""
    out = []
    for event, t_ev, open_, v_kn in (
        ("arrival", vi["a"], vi["open_a"], vi["v_a"]),
        ("departure", vi["d"], vi["open_d"], vi["v_d"]),
    ):
        if open_:
            continue
        rec = dict(
            vessel_id=vrow["vessel_id"],
            port=vrow["port"],
            tier=vrow["tier"],
            tier_rank=vrow["tier_rank"],
            event=event,
            time=t_ev,
            visit_id=vrow["visit_id"],
            stopped=vrow["stopped"],
            osint_present=vrow["osint_present"],
            evidenced_ais=vrow["evidenced_ais"],
            evidenced=vrow["evidenced"],
            registry=vrow["registry"],
            has_ais=vrow["has_ais"],
            decoys=vrow["decoys"],
            time_tol_s=1.0 + (gps / (max(v_kn, 0.05) * KN) if vrow["has_ais"] else 0.0),
            consistent=True,
            _v=vi["v"],
            _z=z.idx,
        )
        for suffix, which in (("", "all"), ("_ais", "ais")):
            e = ev.all if which == "all" else ev.ais
            lo, hi = ev.bounds(which, z, event, t_ev)
            rec["tight_earliest" + suffix] = e["t"][lo] if lo >= 0 else np.nan
            rec["tight_latest" + suffix] = e["t"][hi] if hi >= 0 else np.nan
            if not suffix:
                rec["earliest_kind"] = _KINDS[e["kind"][lo]] if lo >= 0 else ""
                rec["latest_kind"] = _KINDS[e["kind"][hi]] if hi >= 0 else ""
        out.append(rec)
    return out


def _events_frame(erows: list[dict], contra: list[dict], start_ns: int) -> pd.DataFrame:
    """``truth_events``: the events in time order, marked next to contradictions, timestamped."""
    te = pd.DataFrame(erows)
    if not len(te):
        te = pd.DataFrame({c: [] for c in _EVENT_COLUMNS})
        for col in _EVENT_TIMES:
            te[col] = pd.Series(dtype=schema.TIME_DTYPE)
        return te
    # contradictions: the events either side of false evidence, at the zones it is false about
    for c in contra:
        for zi in c["zones"]:
            m = (te["_v"] == c["v"]) & (te["_z"] == zi)
            if not m.any():
                continue
            sub = te[m].sort_values("time")
            prev = sub[sub["time"] <= c["t"]]
            nxt = sub[sub["time"] >= c["t"]]
            for part in (prev.tail(1), nxt.head(1)):
                te.loc[part.index, "consistent"] = False
    ek, lk = te["earliest_kind"], te["latest_kind"]
    ok = (ek != "") & (lk != "")
    both_ais = (ek == "ais") & (lk == "ais")
    both_os = ek.isin(["sighting", "survey"]) & lk.isin(["sighting", "survey"])
    te["evidence"] = np.select([~ok, both_ais, both_os], ["none", "ais", "osint"], "mixed")
    for col in _EVENT_TIMES:
        te[col] = _to_ts(te[col].to_numpy(dtype="float64"), start_ns)
    te = te.sort_values(["time", "vessel_id", "event", "tier_rank"], kind="stable").reset_index(
        drop=True
    )
    return te[_EVENT_COLUMNS]
