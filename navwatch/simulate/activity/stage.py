"""The stage: every ship's plan in the making, the coasts of the regions, and the choice of the
ships that play an episode (those free and near enough to be there in time)."""

from __future__ import annotations

import math

import numpy as np

from ..common import H
from ..geometry import _Frame, _Port, _Zone
from ..plans import _Plan, _Track
from .common import Episode
from .motion import Coast, Ship, _Pilot


class Stage:
    """Ships (one per vessel, in the vessels table's order), coasts per region, the period
    (``span`` seconds) and what the episodes laid that the evidence needs (jammings, ghosts)."""

    def __init__(self, rng, frames: list[_Frame], ports: list[_Port], zones: list[_Zone], V, span):
        self.rng, self.frames, self.ports, self.zones, self.span = rng, frames, ports, zones, span
        self.coast: dict[int, Coast] = {}
        for r in sorted({p.region for p in ports}):
            pr = [p for p in ports if p.region == r]
            reach_m = max(math.hypot(p.cx, p.cy) + p.bound for p in pr) + 30e3
            self.coast[r] = Coast([z for z in zones if z.region == r], pr, reach_m)
        self.ships = [self._ship(i, v) for i, v in enumerate(V)]
        self.jams: list[dict] = []
        self.ghosts: list[dict] = []
        self._tracks: dict[int, _Track] = {}
        self.n_chosen = 0

    def _ship(self, i: int, v: dict) -> Ship:
        """Ship ``i`` at the start: at a berth (55 %) or at sea."""
        pilot = _Pilot(self.rng, v, self.ports, self.zones, self.span)
        if self.rng.random() < 0.55:
            port = pilot.pick_port(_Plan(0.0, 0.0, 0.0))
            z = port.harbour
            p = pilot.place(z, 100.0, None, None) or (z.cx, z.cy)
            pilot.last_port = port.idx
            return Ship(i, v, pilot, _Plan(0.0, *p), port)
        return Ship(i, v, pilot, _Plan(0.0, *pilot.sea_point()), None)

    def region_for(self, n: int) -> int | None:
        """A region with at least ``n`` ships (drawn in proportion to its ships)."""
        counts: dict[int, int] = {}
        for s in self.ships:
            counts[s.region] = counts.get(s.region, 0) + 1
        ok = [r for r, c in sorted(counts.items()) if c >= n]
        if not ok:
            return None
        w = np.array([counts[r] for r in ok], dtype="float64")
        return ok[int(self.rng.choice(len(ok), p=w / w.sum()))]

    def choose(self, ep: Episode, region: int, points, pred=None, pre: float = 0.0):
        """Ships of ``region`` to be at ``points`` (``(x, y, dt)``: there at ``t + dt``) and the
        start ``t`` (the episode's, or later when no ship can make it); None when none can
        within the period. ``pred(k, ship)`` restricts role ``k``; ``pre`` is how long before
        its time a ship must be free of other episodes (a gap's 12 h of transmission)."""
        pool_all = [s for s in self.ships if s.region == region]
        chosen: list[Ship] = []
        t_s = ep.t
        for k, (x, y, dt) in enumerate(points):
            # not two ships back from the same episode: they would sail on together
            last = {s.last_ep for s in chosen} - {-1}
            pool = [
                s
                for s in pool_all
                if s not in chosen and s.last_ep not in last and (pred is None or pred(k, s))
            ]
            if not pool:
                return None
            ea = np.array([max(s.earliest(x, y), s.free + pre) - dt for s in pool])
            ok = np.flatnonzero(ea <= t_s)
            j = int(ok[self.rng.integers(0, len(ok))]) if len(ok) else int(np.argmin(ea))
            t_s = max(t_s, float(ea[j]))
            chosen.append(pool[j])
        if t_s + ep.p.get("after", 0.0) > self.span - 2 * H:
            return None
        ep.ships = [s.i for s in chosen]
        ep.region = region
        self.n_chosen += 1
        for s in chosen:
            s.last_ep = self.n_chosen
        return t_s

    def track(self, i: int) -> _Track:
        """Ship ``i``'s finished track (after :func:`~.motion.finish`)."""
        if i not in self._tracks:
            self._tracks[i] = _Track.of(self.ships[i].plan)
        return self._tracks[i]
