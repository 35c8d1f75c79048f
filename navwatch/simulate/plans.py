"""Itineraries: each vessel's true movement (calls, transits, stops at sea) as timed legs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from .common import KN, MOVE, REST, SWING, H
from .geometry import _NV, _Port, _ray_exit, _Zone


class _Plan:
    """A vessel's true movement: waypoints with times; segment k runs from waypoint k to k+1."""

    def __init__(self, t: float, x: float, y: float):
        self.T, self.X, self.Y = [t], [x], [y]
        self.mode: list[int] = []
        self.speed: list[float] = []
        self.level: list[float] = []  # reported-SOG level at rest
        self.swing: list[tuple] = []  # (ax, ay, R, psi0, L, v) for SWING, else ()
        self.rport: list[int] = []  # port of a rest segment, else -1
        self.dark: list[tuple[float, float]] = []
        self.tags: list[tuple[float, float, str, int]] = []

    @property
    def t(self) -> float:
        return self.T[-1]

    @property
    def pos(self) -> tuple[float, float]:
        return self.X[-1], self.Y[-1]

    def move(self, x: float, y: float, kn: float) -> None:
        d = math.hypot(x - self.X[-1], y - self.Y[-1])
        if d < 0.5:
            return
        self._add(self.t + d / (kn * KN), x, y, MOVE, kn, 0.0, (), -1)

    def rest(self, dur: float, level: float, port: int, swing: tuple = ()) -> None:
        self._add(
            self.t + dur, self.X[-1], self.Y[-1], SWING if swing else REST, 0.0, level, swing, port
        )

    def _add(self, t, x, y, mode, kn, level, swing, port):
        self.T.append(t)
        self.X.append(x)
        self.Y.append(y)
        self.mode.append(mode)
        self.speed.append(kn)
        self.level.append(level)
        self.swing.append(swing)
        self.rport.append(port)


@dataclass
class _Call:
    """A port call as :meth:`_Planner.call` lays it out, stage by stage."""

    port: _Port
    kind: str  # a DECOYS label or a kind drawn at random ("normal", "anchor", "edge", ...)
    labels: list[str]  # the decoys it lays
    towards: float  # direction from the port to the ship when it heads in (rad)
    tiered: bool  # the port has zones outside its harbour
    z: _Zone  # the zone it rests in
    inner: _Zone | None = None  # a zone it rests outside of (the harbour, for an anchorage)
    level: float = 0.0  # reported SOG at rest (kn)
    dur: float = 0.0  # rest (s)
    swing: bool = False  # at anchor, swinging on its chain
    sw: tuple[float, float] | None = None  # the swing's arc length and radius (m)
    bx: float = 0.0  # where it rests
    by: float = 0.0
    ux: float = 0.0  # unit vector from the rest position out along the way in
    uy: float = 0.0


class _Planner:
    def __init__(
        self,
        rng,
        v: pd.Series,
        ports: list[_Port],
        zones: list[_Zone],
        t_end: float,
        required: list,
    ):
        self.rng, self.v, self.ports, self.t_end = (
            rng,
            v,
            [p for p in ports if p.region == v["region"]],
            t_end,
        )
        self.all_ports = ports
        self.required = required
        self.region_r = max(math.hypot(p.cx, p.cy) + p.bound for p in self.ports) + 30e3
        self.last_port = -1
        self.big = [z for p in self.ports for z in p.zones if min(z.a, z.b) >= 4.5e3]

    # -- helpers
    def u(self, a=0.0, b=1.0) -> float:
        return float(self.rng.uniform(a, b))

    def cruise(self) -> float:
        return float(np.clip(self.v["cruise_kn"] * self.u(0.9, 1.1), 8, 20))

    def sea_point(self, near=None) -> tuple[float, float]:
        for _ in range(200):
            if near is not None:
                r, a = self.u(20e3, 120e3), self.u(0, 2 * math.pi)
                x, y = near[0] + r * math.cos(a), near[1] + r * math.sin(a)
            else:
                r, a = self.region_r * math.sqrt(self.u()), self.u(0, 2 * math.pi)
                x, y = r * math.cos(a), r * math.sin(a)
            if all(
                math.hypot(x - p.cx, y - p.cy) > p.bound + 6e3
                for p in self.all_ports
                if p.region == self.v["region"]
            ):
                return x, y
        return x, y

    def around(self, plan: _Plan, port: _Port, x: float, y: float, kn: float) -> None:
        """If the straight line from here to (x, y) would cross ``port``'s zones, sail round
        them (4 km off their bounding circle) to the side facing (x, y)."""
        sx, sy = plan.pos
        R = port.bound + 4e3
        dx, dy = x - sx, y - sy
        L2 = dx * dx + dy * dy
        if L2 <= 0 or math.hypot(sx - port.cx, sy - port.cy) < 1.0:
            return
        f = max(0.0, min(1.0, ((port.cx - sx) * dx + (port.cy - sy) * dy) / L2))
        if math.hypot(sx + f * dx - port.cx, sy + f * dy - port.cy) >= port.bound + 1.5e3:
            return
        a0 = math.atan2(sy - port.cy, sx - port.cx)
        a1 = math.atan2(y - port.cy, x - port.cx)
        r0 = max(R, math.hypot(sx - port.cx, sy - port.cy))
        plan.move(port.cx + r0 * math.cos(a0), port.cy + r0 * math.sin(a0), kn)
        da = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
        n = max(1, int(abs(da) / (math.pi / 8)) + 1)
        for j in range(1, n + 1):
            a = a0 + da * j / n
            plan.move(port.cx + R * math.cos(a), port.cy + R * math.sin(a), kn)

    def route(self, plan: _Plan, port: _Port | None, x: float, y: float, kn: float) -> None:
        """Sail to (x, y), going round the port just left and the destination ``port`` rather
        than back through them (passes through other ports' zones happen: they are transits)."""
        sx, sy = plan.pos
        here = min(self.ports, key=lambda p: math.hypot(sx - p.cx, sy - p.cy) - p.bound)
        if (port is None or here.idx != port.idx) and math.hypot(
            sx - here.cx, sy - here.cy
        ) < here.bound + 8e3:
            self.around(plan, here, x, y, kn)
        if port is not None:
            self.around(plan, port, x, y, kn)
        plan.move(x, y, kn)

    def pick_port(self, plan: _Plan) -> _Port:
        ps = self.ports
        w = np.array([3.0 if p.idx == self.v["home"] else 1.0 for p in ps])
        if len(ps) > 1:
            w[[i for i, p in enumerate(ps) if p.idx == self.last_port]] *= 0.15
        return ps[int(self.rng.choice(len(ps), p=w / w.sum()))]

    def facing(self, port: _Port, plan: _Plan) -> float:
        sx, sy = plan.pos
        return math.atan2(sy - port.cy, sx - port.cx)

    def place(self, z: _Zone, clearance: float, inner: _Zone | None, towards: float | None):
        """A point inside ``z`` (outside ``inner``) at least ``clearance`` from their edges."""
        return _place(self.rng, z, clearance, inner, towards)

    def edge_point(self, z: _Zone, dist: float, towards: float, outside: bool):
        """A point ``dist`` metres inside (or outside) ``z``'s polygon, and the outward normal."""
        xs, ys = z.vertices()
        ang = np.arctan2(ys - z.cy, xs - z.cx)
        k = int(np.argmin(np.abs((ang - towards + math.pi) % (2 * math.pi) - math.pi)))
        k2 = (k + 1) % _NV
        mx, my = (xs[k] + xs[k2]) / 2, (ys[k] + ys[k2]) / 2
        ex, ey = xs[k2] - xs[k], ys[k2] - ys[k]
        nx, ny = ey, -ex
        n = math.hypot(nx, ny)
        nx, ny = nx / n, ny / n
        if (mx - z.cx) * nx + (my - z.cy) * ny < 0:
            nx, ny = -nx, -ny
        sign = 1.0 if outside else -1.0
        s = dist
        ring = z.local_polygon().exterior
        for _ in range(30):  # the nearest edge may be a neighbour: correct to the true distance
            px, py = mx + sign * s * nx, my + sign * s * ny
            got = ring.distance(shapely.Point(px, py))
            if abs(got - dist) < 0.05:
                break
            s = s * dist / max(got, 1e-6)
        return (px, py), (nx, ny), got

    # -- activities
    def start(self, t0: float) -> _Plan:
        if self.rng.random() < 0.55:
            port = self.pick_port(_Plan(t0, 0, 0))
            z = port.harbour
            p = self.place(z, 100.0, None, None) or (z.cx, z.cy)
            plan = _Plan(t0, *p)
            plan.rest(self.u(0.5, 72) * H, self.rest_level(), port.idx)
            self.last_port = port.idx
            a = self.u(0, 2 * math.pi)
            self.leave(plan, port, (math.cos(a), math.sin(a)), None)
            return plan
        return _Plan(t0, *self.sea_point())

    def rest_level(self) -> float:
        return float(min(abs(self.rng.normal(0, 0.07)), 0.2))

    def leave(
        self, plan: _Plan, port: _Port, u: tuple[float, float], dark_dep: float | None
    ) -> None:
        """From the berth: the first 200-800 m at 1-3 kn, then out beyond the zones."""
        bx, by = plan.pos
        m = self.u(200, 800)
        plan.move(bx + u[0] * m, by + u[1] * m, self.u(1, 3))
        L = self.beyond(port, bx, by, u)
        plan.move(bx + u[0] * L, by + u[1] * L, float(self.v["approach_kn"]) * self.u(0.9, 1.1))
        if dark_dep is not None:
            plan.dark.append((dark_dep, plan.t + self.u(1, 12) * H))

    def beyond(self, port: _Port, x: float, y: float, u) -> float:
        """Distance along u from (x, y) to a point 2-5 km outside the port's bounding circle."""
        R = port.bound + self.u(2e3, 5e3)
        px, py = x - port.cx, y - port.cy
        b = px * u[0] + py * u[1]
        c = px * px + py * py - R * R
        return -b + math.sqrt(max(b * b - c, 0.0))

    def approach(
        self, plan: _Plan, port: _Port, bx: float, by: float, u, slow_last: float | None = None
    ) -> float:
        """Sail in to (bx, by) arriving from direction u; returns the duration of the last stretch."""
        L = self.beyond(port, bx, by, u)
        self.route(plan, port, bx + u[0] * L, by + u[1] * L, self.cruise())
        m = slow_last if slow_last is not None else self.u(200, 800)
        plan.move(bx + u[0] * m, by + u[1] * m, float(self.v["approach_kn"]) * self.u(0.9, 1.1))
        v_m = self.u(1, 3)
        t = plan.t
        plan.move(bx, by, v_m)
        return plan.t - t

    def call(self, plan: _Plan, port: _Port, spec: str | None) -> None:
        """A port call: in, at rest at a berth or at anchor, and out; ``spec`` lays that decoy."""
        c = self._call_kind(plan, port, spec)
        if c.kind in ("edge", "berth_edge", "inside50", "berth_inside_50m", "berth_outside_50m"):
            self._edge_berth(c)
        else:
            self._open_berth(c)
        if c.kind in ("anchor", "then") and not c.labels:
            c.labels = ["anchorage_call"] if c.tiered else []
        if c.kind == "then" or c.kind == "anchor_then_berth":
            c.labels = ["anchor_then_berth"]
        gap, last = self._call_arrive(plan, c)
        self.last_port = port.idx
        t_berth = self._call_stay(plan, c, gap, last)
        if c.kind in ("then", "anchor_then_berth"):
            self._anchor_then_berth(plan, c)
        self._call_leave(plan, c, t_berth)

    def _call_kind(self, plan: _Plan, port: _Port, spec: str | None) -> _Call:
        """The kind of call (``spec`` or drawn), how long and how still it rests, in which zone."""
        rng = self.rng
        towards = self.facing(port, plan)
        tiered = len(port.zones) > 1
        labels = [] if spec is None else [spec]
        kind = spec or str(
            rng.choice(
                ["normal", "anchor", "edge", "inside50", "then", "short", "gap", "dark"],
                p=[0.55, 0.12, 0.07, 0.04, 0.04, 0.05, 0.05, 0.08],
            )
        )
        if not self.v["has_ais"] and kind in ("gap", "dark"):
            kind = "normal"  # AIS behaviours of a ship that never transmits
        if kind in ("then", "anchorage_call", "anchor_then_berth") and not tiered:
            kind = "normal"
            labels = []
        c = _Call(port, kind, labels, towards, tiered, z=port.harbour)
        c.level = self.rest_level()
        c.dur = float(np.exp(rng.uniform(np.log(0.5 * H), np.log(96 * H))))
        if (
            kind.startswith("anchor_sog")
            or kind == "anchor"
            or kind in ("anchorage_call", "then", "anchor_then_berth")
        ):
            c.swing = kind != "anchorage_call" or rng.random() < 0.5
            if tiered:
                c.z, c.inner = port.zones[1], port.harbour
            c.level = (
                float(spec.split("_")[-1])
                if spec and spec.startswith("anchor_sog")
                else float(min(abs(rng.normal(0, 0.15)), 0.6))
            )
            if kind in ("then", "anchor_then_berth"):
                c.dur = self.u(1, 12) * H
        elif kind == "stop_sog_0.15":
            c.level = 0.15
        elif kind.startswith("stop_") and kind.endswith("min"):
            c.dur = float(kind[5:-3]) * 60
        elif kind == "short":
            mins = int(rng.choice([5, 10, 15, 20, 30]))
            c.dur = mins * 60.0
            c.labels = [f"stop_{mins}min" if mins in (5, 15, 30) else "stop_short"]
        return c

    def _edge_berth(self, c: _Call) -> None:
        """A berth at a zone's edge (inside by less than the GPS error), or 50 m inside/outside."""
        kind, port = c.kind, c.port
        a = float(self.v["gps_error_m"])
        dist = {"berth_inside_50m": 50.0, "inside50": 50.0, "berth_outside_50m": 50.0}.get(
            kind, max(2.0, self.u(0.15, 0.8) * a)
        )
        outside = kind == "berth_outside_50m"
        zz = port.harbour if (outside or self.rng.random() < 0.6) else port.outer
        (c.bx, c.by), (c.ux, c.uy), _ = self.edge_point(zz, dist, c.towards, outside)
        c.labels = [
            kind
            if kind.startswith("berth")
            else ("berth_edge" if kind == "edge" else "berth_inside_50m")
        ]

    def _open_berth(self, c: _Call) -> None:
        """A berth or anchorage inside the zone (outside the harbour), clear of the edges."""
        clearance = 100.0
        if c.swing:
            L = self.u(40, 150)
            R = L / self.u(0.5, 1.5)
            clearance = 2 * R + 100.0
            c.sw = (L, R)
        p = self.place(c.z, clearance, c.inner, c.towards)
        if p is None:
            c.z, c.inner, c.swing = c.port.harbour, None, False
            c.level = self.rest_level()
            p = self.place(c.z, 20.0, None, c.towards) or (c.z.cx, c.z.cy)
        c.bx, c.by = p
        if c.inner is not None:  # radially away from the harbour: the way in never crosses it
            ux, uy = c.bx - c.inner.cx, c.by - c.inner.cy
        else:
            a = c.towards + self.u(-1.0, 1.0)
            ux, uy = math.cos(a), math.sin(a)
        n = math.hypot(ux, uy)
        c.ux, c.uy = ux / n, uy / n

    def _call_arrive(self, plan: _Plan, c: _Call) -> tuple[float | None, float]:
        """Sail in to the berth; returns the in-port gap (h, or None) and the last stretch (s)."""
        kind = c.kind
        gap = None
        if kind in ("gap", "gap_3.5h", "gap_4.5h"):
            gap = {"gap_3.5h": 3.5, "gap_4.5h": 4.5}.get(
                kind, float(self.rng.choice([3.5, 4.5, self.u(4, 24)]))
            )
            if kind == "gap":
                c.labels = [f"gap_{gap:g}h"] if gap in (3.5, 4.5) else []
            # the last stretch must be inside the zone for a fix "in port, moving" before the gap
            room = _ray_exit(c.z, c.bx, c.by, c.ux, c.uy)
            slow = min(self.u(200, 800), 0.5 * room)
            last = self.approach(plan, c.port, c.bx, c.by, (c.ux, c.uy), slow_last=slow)
        else:
            last = self.approach(plan, c.port, c.bx, c.by, (c.ux, c.uy))
        return gap, last

    def _call_stay(self, plan: _Plan, c: _Call, gap: float | None, last: float) -> float:
        """Rest (swinging at anchor), dark through an in-port gap; returns when the rest began."""
        t_berth = plan.t
        if gap is not None:
            d1 = self.u(0.2, 0.8) * last
            d2 = self.u(60, 300)
            c.dur = max(gap * H - d1 - d2, 60.0)
            plan.dark.append((t_berth - d1, t_berth + c.dur + d2))
        if c.swing:
            assert c.sw is not None  # drawn with swing
            Ls, Rs = c.sw
            vs = max(c.level, 0.1) * KN
            cyc = 2 * Ls / vs
            n = max(1, int(round(c.dur / cyc)))
            c.dur = n * cyc
            psi0 = self.u(0, 2 * math.pi)
            ax, ay = c.bx - Rs * math.cos(psi0), c.by - Rs * math.sin(psi0)
            plan.rest(c.dur, c.level, c.port.idx, (ax, ay, Rs, psi0, Ls, vs))
        else:
            plan.rest(c.dur, c.level, c.port.idx)
        plan.tags.append((t_berth, plan.t, "|".join(c.labels), c.port.idx))
        return t_berth

    def _anchor_then_berth(self, plan: _Plan, c: _Call) -> None:
        """From the anchorage to a berth in the harbour for 1-72 h; it leaves in any direction."""
        port = c.port
        p = self.place(port.harbour, 100.0, None, None) or (port.harbour.cx, port.harbour.cy)
        plan.move(p[0], p[1], self.u(2, 6))
        t_b = plan.t
        plan.rest(
            float(np.exp(self.rng.uniform(np.log(1 * H), np.log(72 * H)))),
            self.rest_level(),
            port.idx,
        )
        plan.tags.append((t_b, plan.t, "anchor_then_berth", port.idx))
        a = self.u(0, 2 * math.pi)
        c.ux, c.uy = math.cos(a), math.sin(a)

    def _call_leave(self, plan: _Plan, c: _Call, t_berth: float) -> None:
        """Leave, the AIS dark from some hours before for a dark departure."""
        kind = c.kind
        dark_dep = None
        if kind in ("dark", "dark_departure") and plan.t - t_berth > 20 * 60:
            dark_dep = plan.t - min(self.u(0.5, 6) * H, plan.t - t_berth - 10 * 60)
            plan.tags.append((t_berth, plan.t, "dark_departure", c.port.idx))
        if kind in (
            "normal",
            "short",
            "dark",
            "dark_departure",
            "gap",
            "gap_3.5h",
            "gap_4.5h",
            "stop_sog_0.15",
        ) or (kind.startswith("stop_") and c.inner is None):
            a = self.u(0, 2 * math.pi)  # leave in any direction
            c.ux, c.uy = math.cos(a), math.sin(a)
        self.leave(plan, c.port, (c.ux, c.uy), dark_dep)

    def transit(self, plan: _Plan, port: _Port, spec: str | None) -> bool:
        """A pass through one of the port's zones without stopping; False when none fits."""
        rng = self.rng
        kind = spec or str(
            rng.choice(
                ["fast", "medium", "slow", "pilot", "1kn", "3kn", "20min", "2h"],
                p=[0.45, 0.2, 0.1, 0.08, 0.04, 0.05, 0.04, 0.04],
            )
        )
        gap = None
        if kind.startswith("transit_gap"):
            gap = float(kind.split("_")[-1][:-1])
            big = [z for z in self.big if z.port == port.idx] or self.big
            if not big:
                return False
            z = big[int(rng.integers(0, len(big)))]
            port = self.all_ports[z.port]
        else:
            z = port.zones[int(rng.integers(0, len(port.zones)))]
        pass_ = self._transit_line(port, z, kind, gap)
        if pass_ is None:
            return False
        cx, cy, dx, dy, off, seg, chord, v_in = pass_
        # start on the side facing the ship
        sx, sy = plan.pos
        if (sx - cx) * dx + (sy - cy) * dy > 0:
            dx, dy = -dx, -dy
        (x0, y0), (x1, y1) = shapely.get_coordinates(seg)[[0, -1]]
        if (x1 - x0) * dx + (y1 - y0) * dy < 0:
            x0, y0, x1, y1 = x1, y1, x0, y0
        e = port.bound + self.u(2e3, 5e3)
        t_from_c = lambda px, py: (px - cx) * dx + (py - cy) * dy  # noqa: E731
        ex0, ey0 = cx + dx * -(e + abs(off)), cy + dy * -(e + abs(off))
        ex1, ey1 = cx + dx * (e + abs(off)), cy + dy * (e + abs(off))
        self.route(plan, port, ex0, ey0, self.cruise())
        v_out = max(v_in, float(self.v["approach_kn"]) if kind != "fast" else v_in)
        pad = 500.0 if kind not in ("pilot", "transit_pilot") else 0.0
        a0 = t_from_c(x0, y0) - pad
        a1 = t_from_c(x1, y1) + pad
        if kind in ("pilot", "transit_pilot"):  # slow only over the middle of the pass
            a0 = t_from_c(x0, y0) + 0.2 * chord
            a1 = t_from_c(x1, y1) - 0.2 * chord
            v_out = max(float(self.v["approach_kn"]), 6.0)
        plan.move(cx + dx * a0, cy + dy * a0, v_out)
        t_in0 = plan.t
        plan.move(cx + dx * a1, cy + dy * a1, v_in)
        t_in1 = plan.t
        plan.move(ex1, ey1, v_out)
        label = {
            "1kn": "transit_1kn",
            "3kn": "transit_3kn",
            "20min": "transit_20min",
            "2h": "transit_2h",
            "slow": "transit_slow",
            "pilot": "transit_pilot",
        }.get(kind, kind if kind.startswith("transit") else "")
        if gap is not None:
            mid = (t_in0 + t_in1) / 2
            plan.dark.append((mid - gap * H / 2, mid + gap * H / 2))
        plan.tags.append((t_in0, t_in1, label, port.idx))
        return True

    def _transit_line(self, port: _Port, z: _Zone, kind: str, gap: float | None):
        """A chord of ``z``, the speed over it: (cx, cy, dx, dy, off, seg, length, kn) or None."""
        for _ in range(30):
            a = self.u(0, 2 * math.pi)
            dx, dy = math.cos(a), math.sin(a)
            off = (
                self.u(-0.8, 0.8) * min(z.a, z.b)
                if gap is None
                else self.u(-0.3, 0.3) * min(z.a, z.b)
            )
            cx, cy = z.cx - dy * off, z.cy + dx * off
            far = port.bound * 3 + 10e3
            line = shapely.LineString(
                [(cx - dx * far, cy - dy * far), (cx + dx * far, cy + dy * far)]
            )
            seg = shapely.intersection(line, z.local)
            if seg.is_empty or seg.length < 100:
                continue
            chord = seg.length
            v_in = {
                "fast": self.u(8, 25),
                "medium": self.u(3, 8),
                "slow": self.u(2, 5),
                "transit_slow": self.u(2, 5),
                "1kn": self.u(1.0, 1.2),
                "transit_1kn": self.u(1.0, 1.2),
                "3kn": self.u(2.8, 3.2),
                "transit_3kn": self.u(2.8, 3.2),
                "pilot": self.u(1.0, 2.0),
                "transit_pilot": self.u(1.0, 2.0),
            }.get(kind)
            if kind in ("20min", "transit_20min"):
                v_in = chord / (20 * 60) / KN
            elif kind in ("2h", "transit_2h"):
                v_in = chord / (2 * H) / KN
            elif gap is not None:
                v_in = chord / ((gap + self.u(1.0, 2.0)) * H) / KN
            if v_in is not None and 1.0 <= v_in <= 25.0:
                return cx, cy, dx, dy, off, seg, chord, v_in
        return None

    def sea_stop(self, plan: _Plan) -> None:
        x, y = self.sea_point(near=plan.pos)
        self.route(plan, None, x, y, self.cruise())
        t = plan.t
        plan.rest(self.u(1, 12) * H, self.u(0, 0.3), -1)
        plan.tags.append((t, plan.t, "sea_stop", -1))

    def run(self, t0: float) -> _Plan:
        plan = self.start(t0)
        rng = self.rng
        mine: list[str] = []
        failed: list[str] = []
        while self.required and len(mine) < 2 and rng.random() < 0.9:
            mine.append(self.required.pop())
        while plan.t < self.t_end:
            spec = mine.pop() if mine else None
            if spec is None:
                r = rng.random()
                act = (
                    "call"
                    if r < 0.5
                    else "transit"
                    if r < 0.78
                    else "sea_stop"
                    if r < 0.85
                    else "sea"
                )
            elif spec.startswith("transit"):
                act = "transit"
            elif spec == "sea_stop":
                act = "sea_stop"
            else:
                act = "call"
            if act == "call":
                self.call(plan, self.pick_port(plan), spec)
            elif act == "transit":
                ports = self.ports
                if not self.transit(plan, ports[int(rng.integers(0, len(ports)))], spec):
                    if spec is not None:
                        failed.append(spec)
                    self.sea_leg(plan)
            elif act == "sea_stop":
                self.sea_stop(plan)
            else:
                self.sea_leg(plan)
        self.required[:0] = (
            mine + failed
        )  # not laid (the period ended, or no zone fits): another ship's
        return plan

    def sea_leg(self, plan: _Plan) -> None:
        x, y = self.sea_point(near=plan.pos)
        self.route(plan, None, x, y, self.cruise())


@dataclass
class _Track:
    T: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    mode: np.ndarray
    speed: np.ndarray
    level: np.ndarray
    swing: np.ndarray  # (n_seg, 6): ax, ay, R, psi0, L, v (NaN for non-swing)
    rport: np.ndarray
    dark: np.ndarray  # (n, 2)
    tags: list

    @classmethod
    def of(cls, p: _Plan) -> _Track:
        sw = np.full((len(p.mode), 6), np.nan)
        for k, s in enumerate(p.swing):
            if s:
                sw[k] = s
        dark = np.array(sorted(p.dark), dtype="float64").reshape(-1, 2)
        return cls(
            np.array(p.T),
            np.array(p.X),
            np.array(p.Y),
            np.array(p.mode, dtype=np.int8),
            np.array(p.speed),
            np.array(p.level),
            sw,
            np.array(p.rport, dtype=np.int32),
            dark,
            p.tags,
        )

    def seg(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.T, t, side="right") - 1, 0, len(self.mode) - 1)

    def position(
        self, t: np.ndarray, seg: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """True positions (swinging at anchor included) at times ``t``."""
        seg = self.seg(t) if seg is None else seg
        x = np.interp(t, self.T, self.X)
        y = np.interp(t, self.T, self.Y)
        sw = self.mode[seg] == SWING
        if sw.any():
            s = self.swing[seg[sw]]
            tau = t[sw] - self.T[seg[sw]]
            cyc = 2 * s[:, 4] / s[:, 5]
            ph = (tau % cyc) / cyc
            arc = s[:, 4] * (1 - np.abs(1 - 2 * ph))
            psi = s[:, 3] + arc / s[:, 2]
            x[sw] = s[:, 0] + s[:, 2] * np.cos(psi)
            y[sw] = s[:, 1] + s[:, 2] * np.sin(psi)
        return x, y

    def dark_mask(self, t: np.ndarray) -> np.ndarray:
        if not len(self.dark):
            return np.zeros(len(t), dtype=bool)
        m = np.zeros(len(t), dtype=bool)
        for a, b in self.dark:
            i0, i1 = np.searchsorted(t, [a, b])
            m[i0:i1] = True
        return m


def _place(rng, z: _Zone, clearance: float, inner: _Zone | None, towards: float | None):
    """A point inside ``z`` (outside ``inner``) at least ``clearance`` from their edges, or None."""
    for _ in range(400):
        if towards is not None and rng.random() < 0.7:
            a = towards + float(rng.uniform(-1.2, 1.2))
        else:
            a = float(rng.uniform(0, 2 * math.pi))
        r = z.bound * math.sqrt(float(rng.uniform(0.0, 1.0)))
        x, y = z.cx + r * math.cos(a), z.cy + r * math.sin(a)
        if z.margin(x, y) < clearance:
            continue
        if inner is not None and -inner.margin(x, y) < clearance:
            continue
        return x, y
    return None
