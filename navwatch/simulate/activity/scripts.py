"""The episodes that move ships: pairs drifting together or steaming alongside, ships loitering,
a fleet anchoring off its base, AIS silences, a jammed area, fast and dark returns to port.

Each script picks a place, lets :meth:`Stage.choose` pick the ships (and delay the start when
none is free in time), brings them there (:func:`~.motion.reach`), lays the legs and records
the window (``Episode.t0``/``t1``), the ships' reservations and the decoy rows.
"""

from __future__ import annotations

import math

import numpy as np

from ..common import KN, H
from .common import DECOYS, Episode
from .motion import Coast, Ship, _dist, arrive, depart, goto_at, leave_now, reach
from .stage import Stage

TAU = 900.0  # run-in: the last 15 min before an episode, on a set course at 10 kn
RUN_KN = 10.0


def decoy_row(ep: Episode, ships: list[int], t0: float, t1: float, **over) -> None:
    """Record a decoy laid by ``ep`` (the catalogue's entry, fields overridden by ``over``)."""
    d = DECOYS[over.pop("label", ep.label)]
    row = dict(
        decoy=d.label,
        event_type=d.event_type,
        threshold=d.threshold,
        side=d.side,
        expected=d.expected,
        expected_intentional=d.expected_intentional,
        value=ep.p.get("value", d.value),
        unit=d.unit,
        ships=list(ships),
        t0=t0,
        t1=t1,
    )
    row.update(over)
    ep.rows.append(row)


def _done(ep: Episode, t0: float, t1: float) -> bool:
    ep.t0, ep.t1, ep.laid = t0, t1, True
    if ep.label and ep.label in DECOYS and not ep.rows:
        decoy_row(ep, ep.ships, t0, t1)
    return True


def _rand_unit(rng) -> tuple[float, float]:
    a = float(rng.uniform(0, 2 * math.pi))
    return math.cos(a), math.sin(a)


def _run_in(x: float, y: float, u: tuple[float, float], dt: float = 0.0):
    """Where a ship sailing along ``u`` at 10 kn is TAU before reaching (x, y) at ``dt``."""
    L = RUN_KN * KN * TAU
    return x - u[0] * L, y - u[1] * L, dt - TAU


def _slow_paths(rng, p: dict):
    """Waypoints ``(t, dx, dy)`` of a slow ship (and of its partner) from the site, over
    ``p['dur']``: drifting legs (``p['kn']`` range, 0 = at rest), moving together, or the
    partner circling at 3 kn; and the partner's offset direction."""
    D, mode = p["dur"], p.get("mode", "drift")
    (lo, hi), (s_lo, s_hi) = p["kn"], p.get("sep", (0.0, 0.0))
    n = _rand_unit(rng)
    if mode in ("circle", "together"):
        u, v = _rand_unit(rng), float(rng.uniform(lo, hi))
        end = (v * KN * D * u[0], v * KN * D * u[1])
        a = [(0.0, 0.0, 0.0), (D, *end)]
        if mode == "together":
            s = float(rng.uniform(s_lo, s_hi))
            return a, [(t, x + s * n[0], y + s * n[1]) for t, x, y in a], n
        s = (s_lo + s_hi) / 2
        period = 2 * math.pi * s / (3.0 * KN)
        ts = np.append(np.arange(0.0, D, period / 16), D)
        phi = float(rng.uniform(0, 2 * math.pi)) + 2 * math.pi * ts / period
        b = [
            (float(t), end[0] * t / D + s * math.cos(f), end[1] * t / D + s * math.sin(f))
            for t, f in zip(ts, phi, strict=True)
        ]
        return a, b, n
    k = max(1, int(math.ceil(D / (2.5 * H))))
    ts = np.linspace(0.0, D, k + 1)
    s0 = float(rng.uniform(s_lo, s_hi))
    a, b = [(0.0, 0.0, 0.0)], [(0.0, s0 * n[0], s0 * n[1])]
    x = y = 0.0
    for j in range(k):
        v = float(rng.uniform(lo, hi)) if hi > 0 else 0.0
        u = _rand_unit(rng)
        x += v * KN * (ts[j + 1] - ts[j]) * u[0]
        y += v * KN * (ts[j + 1] - ts[j]) * u[1]
        s = float(rng.uniform(s_lo, s_hi))
        a.append((float(ts[j + 1]), x, y))
        b.append((float(ts[j + 1]), x + s * n[0], y + s * n[1]))
    return a, b, n


def _slow_site(st: Stage, coast: Coast, p: dict):
    """A site in ``p['band']`` and paths from it that stay within ``p['keep']`` of the zones."""
    keep_lo, keep_hi = p["keep"]
    cap = keep_hi + 1.0 if math.isfinite(keep_hi) else keep_lo + 1.0
    for _ in range(25):
        sx, sy = coast.site_in(st.rng, *p["band"])
        a, b, n = _slow_paths(st.rng, p)
        ok = True
        for path in (a, b):
            t = np.array([w[0] for w in path])
            ts = np.linspace(0.0, p["dur"], 80)
            x = sx + np.interp(ts, t, [w[1] for w in path])
            y = sy + np.interp(ts, t, [w[2] for w in path])
            d = coast.dist(x, y, cap=cap)
            ok = ok and bool(d.min() > keep_lo and d.max() < keep_hi)
        if ok:
            return (sx, sy), a, b, n
    return None


def _follow(ship: Ship, sx: float, sy: float, t0: float, path) -> None:
    for t, dx, dy in path[1:]:
        goto_at(ship.plan, sx + dx, sy + dy, t0 + t)


def pair_slow(st: Stage, ep: Episode) -> bool:
    """Two ships slow side by side (encounters and their decoys)."""
    region = st.region_for(2)
    geo = None if region is None else _slow_site(st, st.coast[region], ep.p)
    if region is None or geo is None:
        return False
    (sx, sy), a, b, n = geo
    u = _rand_unit(st.rng)
    ra = _run_in(sx + a[0][1], sy + a[0][2], u)
    rb = _run_in(sx + b[0][1], sy + b[0][2], (-u[0], -u[1]))
    t_s = st.choose(ep, region, [ra, rb])
    if t_s is None:
        return False
    D = ep.p["dur"]
    for k, (r, path) in enumerate(((ra, a), (rb, b))):
        ship = st.ships[ep.ships[k]]
        reach(ship, r[0], r[1], t_s - TAU)
        goto_at(ship.plan, sx + path[0][1], sy + path[0][2], t_s)
        _follow(ship, sx, sy, t_s, path)
        depart(ship, n[0] * (2 * k - 1), n[1] * (2 * k - 1))
        ship.reserve(t_s - H, t_s + D + H)
    return _done(ep, t_s, t_s + D)


def alongside(st: Stage, ep: Episode) -> bool:
    """Two ships on a common course close abeam (replenishments and their decoys)."""
    p, rng = ep.p, st.rng
    region = st.region_for(2)
    if region is None:
        return False
    sx, sy = st.coast[region].site_in(rng, 20e3)
    d = _rand_unit(rng)
    side = 1.0 if rng.random() < 0.5 else -1.0
    n = (-d[1] * side, d[0] * side)
    v, D, sep = p["kn"], p["dur"], float(rng.uniform(*p["sep"]))
    a0 = (sx - v * KN * TAU * d[0], sy - v * KN * TAU * d[1], -TAU)
    vb = v + 2.0
    b0 = (sx - vb * KN * TAU * d[0] + sep * n[0], sy - vb * KN * TAU * d[1] + sep * n[1], -TAU)
    has_aux = any(s.v["auxiliary"] for s in st.ships if s.region == region)
    want = bool(p.get("aux")) and has_aux

    def pred(k: int, s: Ship) -> bool:
        return bool(s.v["auxiliary"]) == want if (k == 0 or not want) else True

    t_s = st.choose(ep, region, [a0, b0], pred)
    if t_s is None:
        return False
    A, B = (st.ships[i] for i in ep.ships)
    reach(A, a0[0], a0[1], t_s - TAU)
    reach(B, b0[0], b0[1], t_s - TAU)
    ex, ey = sx + v * KN * D * d[0], sy + v * KN * D * d[1]
    for ship, off in ((A, 0.0), (B, sep)):
        goto_at(ship.plan, sx + off * n[0], sy + off * n[1], t_s)
        goto_at(ship.plan, ex + off * n[0], ey + off * n[1], t_s + D)
    goto_at(A.plan, ex + v * KN * 1200 * d[0], ey + v * KN * 1200 * d[1], t_s + D + 1200)
    c, s_ = math.cos(math.pi / 6), math.sin(math.pi / 6)
    away = (c * d[0] + s_ * n[0], c * d[1] + s_ * n[1])
    bx, by = ex + sep * n[0], ey + sep * n[1]
    L = (v + 3.0) * KN * 1200
    goto_at(B.plan, bx + L * away[0], by + L * away[1], t_s + D + 1200)
    depart(A, *d)
    depart(B, *away)
    for ship in (A, B):
        ship.reserve(t_s - H, t_s + D + H)
    p["aux"] = bool(A.v["auxiliary"] or B.v["auxiliary"])
    return _done(ep, t_s, t_s + D)


def loiter(st: Stage, ep: Episode) -> bool:
    """One ship slow at sea (loitering and its decoys)."""
    region = st.region_for(1)
    geo = None if region is None else _slow_site(st, st.coast[region], ep.p)
    if region is None or geo is None:
        return False
    (sx, sy), a, _, _ = geo
    u = _rand_unit(st.rng)
    r = _run_in(sx, sy, u)
    t_s = st.choose(ep, region, [r])
    if t_s is None:
        return False
    ship = st.ships[ep.ships[0]]
    reach(ship, r[0], r[1], t_s - TAU)
    goto_at(ship.plan, sx, sy, t_s)
    _follow(ship, sx, sy, t_s, a)
    depart(ship, *u)
    ship.reserve(t_s - H, t_s + ep.p["dur"] + H)
    return _done(ep, t_s, t_s + ep.p["dur"])


def port_rest(st: Stage, ep: Episode) -> bool:
    """A ship at rest in a port's harbour (slow inside a zone: not loitering)."""
    region = st.region_for(1)
    if region is None:
        return False
    ports = st.coast[region].ports
    port = ports[int(st.rng.integers(0, len(ports)))]
    u = _rand_unit(st.rng)
    b = (port.cx + u[0] * (port.bound + 4e3), port.cy + u[1] * (port.bound + 4e3), 0.0)
    t_s = st.choose(ep, region, [b])
    if t_s is None:
        return False
    ship = st.ships[ep.ships[0]]
    reach(ship, b[0], b[1], t_s)
    arrive(ship, port)
    t0 = ship.plan.t
    ship.plan.rest(ep.p["dur"], ship.pilot.rest_level(), port.idx)
    ship.berth = port
    leave_now(ship)
    ship.reserve(t0 - H, t0 + ep.p["dur"] + H)
    return _done(ep, t0, t0 + ep.p["dur"])


def fleet(st: Stage, ep: Episode) -> bool:
    """Several ships anchoring 7-13 km off their base port, each for hours."""
    p, rng = ep.p, st.rng
    region = st.region_for(len(p["dists"]))
    if region is None:
        return False
    coast = st.coast[region]
    port = coast.ports[int(rng.integers(0, len(coast.ports)))]
    a0 = float(rng.uniform(0, 2 * math.pi))
    pts: list[tuple[float, float]] = []
    for dist in p["dists"]:
        for _ in range(30):
            pt = coast.site_at(rng, dist, port=port, angle=a0 + float(rng.uniform(-1.2, 1.2)))
            if all(_dist(pt, q) > 1500 for q in pts):
                break
        pts.append(pt)
    lag = [float(rng.uniform(0, H)) for _ in pts]
    outs = [_unit_from(port.cx, port.cy, *pt) for pt in pts]
    runs = [_run_in(*pt, u, dt) for pt, u, dt in zip(pts, outs, lag, strict=True)]
    t_s = st.choose(ep, region, runs)
    if t_s is None:
        return False
    t1 = t_s
    for k, i in enumerate(ep.ships):
        ship = st.ships[i]
        reach(ship, runs[k][0], runs[k][1], t_s + lag[k] - TAU)
        goto_at(ship.plan, *pts[k], t_s + lag[k])
        ship.plan.rest(p["durs"][k], float(rng.uniform(0, 0.3)), -1)
        depart(ship, *outs[k])
        a, b = t_s + lag[k], t_s + lag[k] + p["durs"][k]
        ship.reserve(a - H, b + H)
        t1 = max(t1, b)
        far = p["dists"][k] > 10e3
        side = "inside" if far else "outside"
        decoy_row(
            ep, [i], a, b, label="fleet_anchor", value=p["dists"][k] / 1e3, side=side, expected=far
        )
    return _done(ep, t_s, t1)


def _unit_from(x0: float, y0: float, x: float, y: float) -> tuple[float, float]:
    n = math.hypot(x - x0, y - y0) or 1.0
    return (x - x0) / n, (y - y0) / n


def roam_until(st: Stage, ship: Ship, t: float) -> None:
    """Sail about (port calls, sea legs) to be somewhere at sea at ``t``."""
    plan = ship.plan
    rem = t - plan.t
    if rem <= 600 or ship.berth is not None:
        return
    coast = st.coast[ship.region]
    ex, ey = plan.pos
    for _ in range(20):
        r = min(float(st.rng.uniform(20e3, 120e3)), 0.6 * rem * 12.0 * KN)
        u = _rand_unit(st.rng)
        ex, ey = plan.pos[0] + r * u[0], plan.pos[1] + r * u[1]
        if coast.dist(ex, ey, cap=3e3 + 1)[0] > 3e3:
            break
    reach(ship, ex, ey, t)


def gap_fixes(ship: Ship, t_g: float, G: float, p: dict) -> None:
    """The AIS of a silence: a fix at ``t_g`` and at ``t_g + G``, dark between; in the 12 h
    before, ``before`` fixes only, or ``floor`` fixes besides the ship's own (11 h spread);
    late fixes in the silence."""
    ship.extra += [(t_g, 0, 0.0), (t_g + G, 0, 0.0)]
    ship.plan.dark.append((t_g, t_g + G))
    n = p.get("before") or p.get("floor")
    if n:
        if p.get("before"):
            ship.plan.dark.append((t_g - 12 * H - 120.0, t_g))
        step = 11 * H / (n - 1)
        ship.extra += [(t_g - k * step, 0, 0.0) for k in range(1, n)]
    for late in p.get("late", ()):
        delay = G - late + float(ship.pilot.u(1, 6)) * H
        ship.extra.append((t_g + late, 6, delay))


def gap(st: Stage, ep: Episode) -> bool:
    """AIS silent for ``p['G']`` s from a place at sea (in ``p['band']``) or from a berth."""
    p = ep.p
    region = st.region_for(1)
    if region is None:
        return False
    if p.get("variant") == "port":
        return _gap_in_port(st, ep, region)
    sx, sy = st.coast[region].site_in(st.rng, *p["band"])
    t_g = st.choose(ep, region, [(sx, sy, 0.0)], pre=13 * H)
    if t_g is None:
        return False
    ship = st.ships[ep.ships[0]]
    reach(ship, sx, sy, t_g)
    roam_until(st, ship, t_g + p["G"])
    gap_fixes(ship, t_g, p["G"], p)
    ship.reserve(t_g - 13 * H, t_g + p["G"] + H)
    return _done(ep, t_g, t_g + p["G"])


def _gap_in_port(st: Stage, ep: Episode, region: int) -> bool:
    p, rng = ep.p, st.rng
    ports = st.coast[region].ports
    port = ports[int(rng.integers(0, len(ports)))]
    u = _rand_unit(rng)
    b = (port.cx + u[0] * (port.bound + 4e3), port.cy + u[1] * (port.bound + 4e3), 0.0)
    t_s = st.choose(ep, region, [b], pre=13 * H)
    if t_s is None:
        return False
    ship = st.ships[ep.ships[0]]
    reach(ship, b[0], b[1], t_s)
    arrive(ship, port)
    t_g = ship.plan.t + float(rng.uniform(1, 3)) * H
    ship.plan.rest(t_g - ship.plan.t + float(rng.uniform(1, 3)) * H, 0.1, port.idx)
    ship.berth = port
    leave_now(ship)
    roam_until(st, ship, t_g + p["G"])
    gap_fixes(ship, t_g, p["G"], p)
    ship.reserve(t_g - 13 * H, t_g + p["G"] + H)
    return _done(ep, t_g, t_g + p["G"])


def _patrol(ship: Ship, cx: float, cy: float, R: float, t_end: float, kn: float) -> None:
    """Legs at ``kn`` between points of the circle (cx, cy, R) until ``t_end``."""
    plan, rng = ship.plan, ship.pilot.rng
    while True:
        rem = t_end - plan.t
        if rem * kn * KN <= 1.8 * R:
            u = _unit_from(plan.pos[0], plan.pos[1], cx, cy)
            L = rem * kn * KN
            goto_at(plan, plan.pos[0] + u[0] * L, plan.pos[1] + u[1] * L, t_end)
            return
        for _ in range(20):
            r, a = R * math.sqrt(float(rng.uniform())), float(rng.uniform(0, 2 * math.pi))
            q = (cx + r * math.cos(a), cy + r * math.sin(a))
            if _dist(plan.pos, q) > R / 2:
                break
        plan.move(q[0], q[1], kn)


def jamming(st: Stage, ep: Episode) -> bool:
    """Several ships in one area whose positions all jump to one point or ring together."""
    p, rng = ep.p, st.rng
    region = st.region_for(3)
    if region is None:
        return False
    ep.n = min(ep.n, max(3, sum(s.region == region for s in st.ships) // 4))
    coast = st.coast[region]
    cx, cy = coast.site_in(rng, 25e3)
    R, D = p["R"], p["dur"]
    pts: list[tuple[float, float]] = []
    while len(pts) < ep.n:
        r, a = R * math.sqrt(float(rng.uniform())), float(rng.uniform(0, 2 * math.pi))
        q = (cx + r * math.cos(a), cy + r * math.sin(a))
        if all(_dist(q, o) > 1500 for o in pts):
            pts.append(q)
    t_j = st.choose(ep, region, [(*q, 0.0) for q in pts])
    if t_j is None:
        return False
    u, dS = _rand_unit(rng), float(rng.uniform(30e3, 150e3))
    jam = dict(id=len(st.jams), cx=cx, cy=cy, sx=cx + dS * u[0], sy=cy + dS * u[1])
    jam.update(ring=p["ring"], t0=t_j, t1=t_j + D, ships=list(ep.ships), region=region)
    st.jams.append(jam)
    for k, i in enumerate(ep.ships):
        ship = st.ships[i]
        reach(ship, *pts[k], t_j)
        _patrol(ship, cx, cy, R, t_j + D, float(rng.uniform(6, 14)))
        depart(ship, *_rand_unit(rng))
        ship.jams.append((t_j, t_j + D, jam["id"]))
        ship.reserve(t_j - H, t_j + D + H)
        decoy_row(ep, [i], t_j, t_j + D, label="jam_member", value=float(ep.n))
    return _done(ep, t_j, t_j + D)


def _to_port(st: Stage, ep: Episode, km: tuple[float, float]):
    """A ship at a place ``km`` from a port's zones at the start: (ship, port, start) or None."""
    region = st.region_for(1)
    if region is None:
        return None
    coast = st.coast[region]
    port = coast.ports[int(st.rng.integers(0, len(coast.ports)))]
    f = coast.site_at(st.rng, float(st.rng.uniform(*km)) * 1e3, port=port)
    t_s = st.choose(ep, region, [(*f, 0.0)])
    if t_s is None:
        return None
    ship = st.ships[ep.ships[0]]
    reach(ship, f[0], f[1], t_s)
    return ship, port, t_s


def _run_home(ship: Ship, port, kn: float) -> float:
    """Sail at ``kn`` to 2-5 km off the port's zones, then in to a berth; returns the arrival
    off the port."""
    plan = ship.plan
    u = _unit_from(port.cx, port.cy, *plan.pos)
    r = port.bound + ship.pilot.u(2e3, 5e3)
    x, y = port.cx + u[0] * r, port.cy + u[1] * r
    goto_at(plan, x, y, plan.t + _dist(plan.pos, (x, y)) / (kn * KN))
    t = plan.t
    arrive(ship, port)
    ship.berth = port
    return t


def fast_return(st: Stage, ep: Episode) -> bool:
    """A ship back to port from 40-60 km out at 25 kn, AIS on (fast but not spoofing)."""
    got = _to_port(st, ep, (40, 60))
    if got is None:
        return False
    ship, port, t_s = got
    t1 = _run_home(ship, port, 25.0)
    ship.reserve(t_s - H, t1 + H)
    return _done(ep, t_s, t1)


def dark_return(st: Stage, ep: Episode) -> bool:
    """A ship whose AIS goes quiet 30-50 km out and is next heard at its berth (< 5.5 h)."""
    got = _to_port(st, ep, (30, 50))
    if got is None:
        return False
    ship, port, t_s = got
    _run_home(ship, port, 15.0)
    t_back = min(ship.plan.t + 600.0, t_s + 5.5 * H)
    ship.plan.rest(H, ship.pilot.rest_level(), port.idx)
    ship.extra += [(t_s, 0, 0.0), (t_back, 0, 0.0)]
    ship.plan.dark.append((t_s, t_back))
    ship.reserve(t_s - H, t_back + H)
    return _done(ep, t_s, t_back)


SCRIPTS = {
    "pair_slow": pair_slow,
    "alongside": alongside,
    "loiter": loiter,
    "port_rest": port_rest,
    "fleet": fleet,
    "gap": gap,
    "jamming": jamming,
    "fast_return": fast_return,
    "dark_return": dark_return,
}
