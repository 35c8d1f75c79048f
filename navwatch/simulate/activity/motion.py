"""Movement: a ship that is at a given place at a given time, the port calls and sea legs that
spend the time in between, and distances from the port zones.

Built on the port-event simulator's plans (:class:`~navwatch.simulate.plans._Plan`, its
:class:`~navwatch.simulate.plans._Planner` for sailing round ports, approaching a berth and
leaving it). Every leg is straight at a constant speed, or a rest (speed 0): true positions are
piecewise linear in the region's local frame.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ..common import KN, MOVE, H
from ..geometry import _Port, _Zone
from ..plans import _Plan, _Planner

#: Cruise speeds drawn per vessel (kn); legs vary by +-10 % (5-25 kn overall).
CRUISE_KN = (5.0, 22.0)
#: The speed the scheduler assumes a ship makes good on its way to an episode (kn).
TRAVEL_KN = 12.0
#: Spare time the scheduler keeps on the way to an episode (s).
MARGIN_S = 1800.0
#: Spare time above which a ship on its way makes a port call or a sea leg first (s).
FILL_S = 6 * H
_LISTS = ("T", "X", "Y", "mode", "speed", "level", "swing", "rport", "dark", "tags")


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def _unit(dx: float, dy: float, rng) -> tuple[float, float]:
    n = math.hypot(dx, dy)
    if n < 1e-6:
        a = float(rng.uniform(0, 2 * math.pi))
        return math.cos(a), math.sin(a)
    return dx / n, dy / n


def goto_at(plan: _Plan, x: float, y: float, t: float) -> None:
    """Sail straight to (x, y), arriving at time ``t`` (a rest when already there)."""
    dt = t - plan.t
    if dt <= 1e-6:
        return
    d = math.hypot(x - plan.X[-1], y - plan.Y[-1])
    if d < 0.01:
        plan.rest(dt, 0.0, -1)
        return
    plan._add(t, x, y, MOVE, d / dt / KN, 0.0, (), -1)


def _mark(plan: _Plan) -> tuple[int, ...]:
    return tuple(len(getattr(plan, k)) for k in _LISTS)


def _rollback(plan: _Plan, mark: tuple[int, ...]) -> None:
    for k, n in zip(_LISTS, mark, strict=True):
        del getattr(plan, k)[n:]


def _splice(plan: _Plan, sp: _Plan) -> None:
    """Append the legs of ``sp`` (which starts where ``plan`` ends), shifted to start now."""
    dt = plan.t - sp.T[0]
    for k in range(len(sp.mode)):
        plan._add(
            sp.T[k + 1] + dt,
            sp.X[k + 1],
            sp.Y[k + 1],
            sp.mode[k],
            sp.speed[k],
            sp.level[k],
            sp.swing[k],
            sp.rport[k],
        )


class _Pilot(_Planner):
    """The port-event planner with the activity simulator's speeds (5-25 kn)."""

    def __init__(self, rng, v: dict, ports: list[_Port], zones: list[_Zone], t_end: float):
        super().__init__(rng, v, ports, zones, t_end, [])

    def cruise(self) -> float:
        return float(np.clip(self.v["cruise_kn"] * self.u(0.9, 1.1), 5.0, 25.0))


class Ship:
    """A vessel being planned: its plan so far, whether it lies at a berth, its reservations.

    ``windows`` are the intervals (s) its episodes occupy, margins included: overlays (AIS
    faults, identity changes) keep clear of them. ``late`` counts arrivals the plan could not
    make on time (0 in a sound scenario).
    """

    def __init__(self, i: int, v: dict, pilot: _Pilot, plan: _Plan, berth: _Port | None):
        self.i, self.v, self.pilot, self.plan, self.berth = i, v, pilot, plan, berth
        self.region = int(v["region"])
        self.windows: list[tuple[float, float]] = []
        self.free = 0.0  # no reservation after this time
        self.late = 0
        self.last_ep = -1  # the last episode it was chosen for
        self.extra: list[tuple[float, int, float]] = []  # explicit fixes: (t, fault, delay s)
        self.displaced: list[dict] = []
        self.jams: list[tuple[float, float, int]] = []
        self.identity: list[tuple[float, str, object]] = []
        self.name_variants = False

    def reserve(self, a: float, b: float) -> None:
        self.windows.append((a, b))
        self.free = max(self.free, b)

    def is_free(self, a: float, b: float) -> bool:
        return all(b <= w0 or a >= w1 for w0, w1 in self.windows)

    def earliest(self, x: float, y: float) -> float:
        """The earliest time it can be at (x, y), by the scheduler's reckoning."""
        t = self.plan.t
        if self.berth is not None:
            t += (self.berth.bound + 5e3) / (0.9 * float(self.v["approach_kn"]) * KN) + 800 / KN
        return t + _dist(self.plan.pos, (x, y)) / (TRAVEL_KN * KN) + MARGIN_S


def reach(ship: Ship, x: float, y: float, t: float) -> None:
    """Be at (x, y) at time ``t``: leave the berth (after waiting there), spend spare time in
    port calls and sea legs, and arrive by a straight leg, or a dogleg at 7-12 kn when straight
    would be slower than 6 kn."""
    if ship.berth is not None:
        _leave_berth(ship, x, y, t)
    _fill(ship, x, y, t)
    _final(ship, x, y, t)


def _leave_berth(ship: Ship, x: float, y: float, t: float) -> None:
    plan, pilot, port = ship.plan, ship.pilot, ship.berth
    assert port is not None
    u = _unit(x - plan.pos[0], y - plan.pos[1], pilot.rng)
    sp = _Plan(0.0, *plan.pos)
    pilot.leave(sp, port, u, None)
    spare = t - plan.t - sp.t - _dist(sp.pos, (x, y)) / (TRAVEL_KN * KN) - MARGIN_S
    rest = spare if spare < 36 * H else pilot.u(6, 36) * H
    if rest > 1.0:
        plan.rest(rest, pilot.rest_level(), port.idx)
    _splice(plan, sp)
    pilot.last_port = port.idx
    ship.berth = None


def _fill(ship: Ship, x: float, y: float, t: float) -> None:
    plan, rng = ship.plan, ship.pilot.rng
    for _ in range(40):
        spare = t - plan.t - _dist(plan.pos, (x, y)) / (TRAVEL_KN * KN)
        if spare < FILL_S:
            return
        if rng.random() < 0.45 and _call_on_way(ship, x, y, t):
            continue
        if not _sea_leg_on_way(ship, x, y, t):
            return


def arrive(ship: Ship, port: _Port) -> tuple[float, float]:
    """Sail in to a berth in ``port``'s harbour (the port-event simulator's approach); returns
    the unit vector from the berth out along the way in."""
    plan, pilot = ship.plan, ship.pilot
    towards = pilot.facing(port, plan)
    z = port.harbour
    p = pilot.place(z, 100.0, None, towards) or (z.cx, z.cy)
    a = towards + pilot.u(-1.0, 1.0)
    u = (math.cos(a), math.sin(a))
    pilot.approach(plan, port, p[0], p[1], u)
    pilot.last_port = port.idx
    return u


def _call_on_way(ship: Ship, x: float, y: float, t: float) -> bool:
    """A port call that still leaves time to be at (x, y) at ``t``; False (nothing laid) if not."""
    plan, pilot = ship.plan, ship.pilot
    port = pilot.pick_port(plan)
    d1 = math.hypot(port.cx - plan.pos[0], port.cy - plan.pos[1])
    d2 = math.hypot(x - port.cx, y - port.cy)
    if (d1 + d2) / (TRAVEL_KN * KN) + 4 * H > t - plan.t:
        return False
    mark = _mark(plan)
    arrive(ship, port)
    sp = _Plan(0.0, *plan.pos)
    pilot.leave(sp, port, _unit(x - plan.pos[0], y - plan.pos[1], pilot.rng), None)
    spare = t - plan.t - sp.t - _dist(sp.pos, (x, y)) / (TRAVEL_KN * KN) - MARGIN_S
    if spare < 1 * H:
        _rollback(plan, mark)
        return False
    plan.rest(spare if spare < 48 * H else pilot.u(12, 48) * H, pilot.rest_level(), port.idx)
    _splice(plan, sp)
    return True


def _sea_leg_on_way(ship: Ship, x: float, y: float, t: float) -> bool:
    plan, pilot = ship.plan, ship.pilot
    for _ in range(8):
        p = pilot.sea_point(near=plan.pos)
        kn = pilot.cruise()
        need = _dist(plan.pos, p) / (kn * KN) + _dist(p, (x, y)) / (TRAVEL_KN * KN) + MARGIN_S
        if need > t - plan.t:
            continue
        mark = _mark(plan)
        pilot.route(plan, None, p[0], p[1], kn)
        if t - plan.t - _dist(p, (x, y)) / (TRAVEL_KN * KN) < MARGIN_S / 2:
            _rollback(plan, mark)
            continue
        return True
    return False


def _final(ship: Ship, x: float, y: float, t: float) -> None:
    plan, pilot = ship.plan, ship.pilot
    d = _dist(plan.pos, (x, y))
    avail = t - plan.t
    if avail < 1.0 or d / avail / KN > 25.0:
        if d > 1.0:
            ship.late += 1
            goto_at(plan, x, y, plan.t + d / (25.0 * KN))
        return
    if d / avail / KN >= 6.0 or avail < 600:
        goto_at(plan, x, y, t)
        return
    length = pilot.u(7, 12) * KN * avail
    if length <= d:
        goto_at(plan, x, y, t)
        return
    h = math.sqrt((length / 2) ** 2 - (d / 2) ** 2)
    ux, uy = _unit(x - plan.pos[0], y - plan.pos[1], pilot.rng)
    side = 1.0 if pilot.rng.random() < 0.5 else -1.0
    mx, my = (plan.pos[0] + x) / 2, (plan.pos[1] + y) / 2
    goto_at(plan, mx - side * uy * h, my + side * ux * h, plan.t + avail / 2)
    goto_at(plan, x, y, t)


def depart(ship: Ship, ux: float, uy: float) -> None:
    """Sail 6-15 km away along (ux, uy) at cruise speed: the end of an episode."""
    plan, pilot = ship.plan, ship.pilot
    d = pilot.u(6e3, 15e3)
    plan.move(plan.pos[0] + ux * d, plan.pos[1] + uy * d, pilot.cruise())


def leave_now(ship: Ship, u: tuple[float, float] | None = None) -> None:
    """Leave the berth now (the port-event simulator's way out)."""
    assert ship.berth is not None
    pilot = ship.pilot
    if u is None:
        u = _unit(0.0, 0.0, pilot.rng)
    pilot.leave(ship.plan, ship.berth, u, None)
    ship.berth = None


def finish(ship: Ship, t_end: float) -> None:
    """Port calls and sea legs until ``t_end`` (an hour past the observed period)."""
    plan, pilot, rng = ship.plan, ship.pilot, ship.pilot.rng
    while plan.t < t_end:
        if ship.berth is not None:
            rest = min(pilot.u(4, 60) * H, t_end - plan.t + 60.0)
            plan.rest(rest, pilot.rest_level(), ship.berth.idx)
            if plan.t < t_end:
                leave_now(ship)
        elif rng.random() < 0.45:
            arrive(ship, pilot.pick_port(plan))
            ship.berth = pilot.all_ports[pilot.last_port]
        else:
            pilot.sea_leg(plan)


class Coast:
    """The port zones of one region, and distances from them (local frame, metres)."""

    def __init__(self, zones: list[_Zone], ports: list[_Port], reach_m: float):
        self.zones, self.ports, self.reach_m = zones, ports, reach_m

    def dist(self, x, y, cap: float = math.inf) -> np.ndarray:
        """Distance of each point from the nearest zone polygon (0 inside one): exact below
        ``cap``, a lower bound of at least ``cap`` above it."""
        x = np.atleast_1d(np.asarray(x, dtype="float64"))
        y = np.atleast_1d(np.asarray(y, dtype="float64"))
        out = np.full(len(x), np.inf)
        for z in self.zones:
            lb = np.hypot(x - z.cx, y - z.cy) - z.bound
            need = (lb < cap) & (lb < out)
            out = np.where(need, out, np.minimum(out, np.maximum(lb, 0.0)))
            k = np.flatnonzero(need)
            if not len(k):
                continue
            d = np.zeros(len(k))
            outside = z.margin(x[k], y[k]) <= 0
            if outside.any():
                pts = shapely.points(x[k[outside]], y[k[outside]])
                d[outside] = shapely.distance(pts, z.local_polygon())
            out[k] = np.minimum(out[k], d)
        return out

    def site_at(self, rng, target: float, port: _Port | None = None, angle=None):
        """A point whose nearest zone is ``target`` metres away (near ``port`` if given)."""
        for _ in range(80):
            p = port or self.ports[int(rng.integers(0, len(self.ports)))]
            a = float(rng.uniform(0, 2 * math.pi)) if angle is None else angle
            ux, uy = math.cos(a), math.sin(a)
            lo, hi = 0.0, p.bound + target + 2e3
            if self.dist(p.cx + ux * hi, p.cy + uy * hi, cap=target + 1)[0] < target:
                angle = None
                continue
            for _ in range(50):
                mid = (lo + hi) / 2
                d = self.dist(p.cx + ux * mid, p.cy + uy * mid, cap=target + 1)[0]
                lo, hi = (mid, hi) if d < target else (lo, mid)
            return p.cx + ux * hi, p.cy + uy * hi
        raise RuntimeError("no point at that distance from the port zones")

    def site_in(self, rng, lo: float, hi: float = math.inf):
        """A point whose nearest zone is between ``lo`` and ``hi`` metres away."""
        if hi - lo < 30e3:
            return self.site_at(rng, float(rng.uniform(lo, hi)))
        r_max = self.reach_m + 150e3
        for _ in range(400):
            r = r_max * math.sqrt(float(rng.uniform()))
            a = float(rng.uniform(0, 2 * math.pi))
            x, y = r * math.cos(a), r * math.sin(a)
            if lo <= self.dist(x, y, cap=lo + 1.0)[0] and self.dist(x, y)[0] <= hi:
                return x, y
        return self.site_at(rng, float(rng.uniform(lo, lo + 20e3)))
