"""Episodes laid on finished tracks, in the AIS only: cloned identities (a second transmitter
elsewhere), displaced segments, single-fix jumps, identity changes, name spellings, and short
reception gaps. Each keeps an hour clear of every other episode of its ship."""

from __future__ import annotations

import math

import numpy as np

from ..common import KN, H
from ..plans import _Plan
from .common import Episode
from .motion import Ship
from .scripts import _done, _rand_unit, decoy_row
from .stage import Stage


def _free_time(st: Stage, ship: Ship, dur: float, margin: float = H) -> float | None:
    """A start for ``dur`` s in the period clear of the ship's episodes by ``margin``."""
    lo, hi = 2 * H + margin, st.span - dur - 2 * H - margin
    if hi <= lo:
        return None
    for _ in range(40):
        a = float(st.rng.uniform(lo, hi))
        if ship.is_free(a - margin, a + dur + margin):
            return a
    return None


def _pick(st: Stage, dur: float, pred=None) -> tuple[Ship, float] | None:
    ships = [s for s in st.ships if pred is None or pred(s)]
    for j in st.rng.permutation(len(ships))[:25]:
        a = _free_time(st, ships[int(j)], dur)
        if a is not None:
            return ships[int(j)], a
    return None


def _ghost(st: Stage, ship: Ship, c0: float, C: float) -> dict | None:
    """A second transmitter with ``ship``'s MMSI, at least 55 km from it from ``c0`` for ``C`` s:
    a ship steaming straight at 6-12 kn somewhere else in the region."""
    tr = st.track(ship.i)
    tt = np.arange(c0 - 600.0, c0 + C + 601.0, 60.0)
    vx, vy = tr.position(tt)
    R = st.coast[ship.region].reach_m + 100e3
    rng = st.rng
    for _ in range(60):
        r, a = R * math.sqrt(float(rng.uniform())), float(rng.uniform(0, 2 * math.pi))
        g0 = (r * math.cos(a), r * math.sin(a))
        if math.hypot(g0[0] - vx[0], g0[1] - vy[0]) < 80e3:
            continue
        u, kn = _rand_unit(rng), float(rng.uniform(6, 12))
        gx = g0[0] + u[0] * kn * KN * (tt - tt[0])
        gy = g0[1] + u[1] * kn * KN * (tt - tt[0])
        if np.hypot(gx - vx, gy - vy).min() < 55e3:
            continue
        plan = _Plan(float(tt[0]), *g0)
        plan.move(float(gx[-1]), float(gy[-1]), kn)
        plan.dark += [(-1.0, c0), (c0 + C + 1e-3, st.span + H)]
        v = dict(
            fix_interval_s=float(np.exp(rng.uniform(np.log(10), np.log(300)))),
            rest_factor=1,
            ais_port_only=False,
            gps_error_m=float(rng.uniform(5, 30)),
            sog_missing=False,
            region=ship.region,
        )
        return dict(victim=ship.i, plan=plan, v=v, t0=c0, t1=c0 + C, region=ship.region)
    return None


def clone(st: Stage, ep: Episode) -> bool:
    """A cloned identity: another transmitter with the ship's MMSI elsewhere for a while."""
    C = ep.p["dur"]
    for _ in range(12):
        got = _pick(st, C)
        if got is None:
            return False
        ship, c0 = got
        ghost = _ghost(st, ship, c0, C)
        if ghost is not None:
            ghost["id"] = len(st.ghosts)
            st.ghosts.append(ghost)
            ship.reserve(c0 - H, c0 + C + H)
            ep.ships, ep.region = [ship.i], ship.region
            return _done(ep, c0, c0 + C)
    return False


def displaced(st: Stage, ep: Episode) -> bool:
    """The ship's own reported positions moved 30-300 km away for a while (shifted with its
    track, or held at one point), then back."""
    D = ep.p["dur"]
    got = _pick(st, D)
    if got is None:
        return False
    ship, d0 = got
    x0, y0 = st.track(ship.i).position(np.array([d0]))
    u, off = _rand_unit(st.rng), float(st.rng.uniform(30e3, 300e3))
    rec = dict(t0=d0, t1=d0 + D, mode=ep.p["mode"], dx=off * u[0], dy=off * u[1])
    rec.update(px=float(x0[0]) + off * u[0], py=float(y0[0]) + off * u[1])
    ship.displaced.append(rec)
    ship.extra += [(d0, 0, 0.0), (d0 + D, 0, 0.0)]
    ship.reserve(d0 - H, d0 + D + H)
    ep.ships, ep.region = [ship.i], ship.region
    return _done(ep, d0, d0 + D)


def single_jump(st: Stage, ep: Episode) -> bool:
    """One fix 100-800 km away (a glitch: not a displaced segment)."""
    got = _pick(st, 0.0)
    if got is None:
        return False
    ship, t = got
    ship.extra.append((t, 2, 0.0))
    ship.reserve(t - H, t + H)
    ep.ships, ep.region = [ship.i], ship.region
    return _done(ep, t, t)


def identity(st: Stage, ep: Episode, static: list[dict]) -> bool:
    """The ship's name, IMO and/or call sign change for good at one moment."""
    fields = ep.p["fields"]

    def ok(s: Ship) -> bool:
        has = "imo" not in fields or static[s.i]["imo"] is not None
        return has and not s.identity and not s.name_variants

    got = _pick(st, 0.0, ok)
    if got is None:
        return False
    ship, t = got
    for f in fields:
        ship.identity.append((t, f, new_value(st.rng, f, static[ship.i][f])))
    ship.reserve(t - H, t + H)
    ep.ships, ep.region = [ship.i], ship.region
    return _done(ep, t, t)


def name_format(st: Stage, ep: Episode) -> bool:
    """A ship whose name comes padded with '@' or spaces, or in other case, now and then."""
    cands = [s for s in st.ships if not s.identity and not s.name_variants]
    if not cands:
        return False
    ship = cands[int(st.rng.integers(0, len(cands)))]
    ship.name_variants = True
    ep.ships, ep.region = [ship.i], ship.region
    decoy_row(ep, [ship.i], 0.0, st.span)
    return _done(ep, 0.0, st.span)


def reception_gaps(st: Stage, per_day: float = 0.15) -> None:
    """Silences of 0.5-4 h at random (reception), clear of every episode."""
    for ship in st.ships:
        for _ in range(int(st.rng.poisson(st.span / 86400 * per_day))):
            dur = float(st.rng.uniform(0.5, 4)) * H
            a = _free_time(st, ship, dur)
            if a is not None:
                ship.plan.dark.append((a, a + dur))
                ship.reserve(a - H, a + dur + H)


_LETTERS = "ABCDEFGHIJKLMNOPRSTUVWYZ"
_WORDS: tuple[str, ...] = (
    "NORD",
    "STAR",
    "OCEAN",
    "POLAR",
    "BALTIC",
    "CAPE",
    "SEA",
    "WIND",
    "GULF",
    "AURORA",
)
_WORDS += ("PIONEER", "ATLANT", "VEGA", "ORION", "NEPTUN", "LIRA", "KAPITAN", "BRIZ", "VOLNA")


def ais_name(rng) -> str:
    """A merchant-style AIS name (upper case)."""
    w = [str(x) for x in rng.choice(_WORDS, size=int(rng.integers(1, 3)), replace=False)]
    if rng.random() < 0.4:
        w.append(str(int(rng.integers(1, 30))))
    return " ".join(w)


def callsign(rng) -> str:
    return "".join(rng.choice(list(_LETTERS), size=4)) + str(int(rng.integers(0, 10)))


def imo_number(rng) -> int:
    """A 7-digit IMO number with a valid check digit."""
    d = [int(x) for x in rng.integers(0, 10, 6)]
    d[0] = max(d[0], 1)
    check = sum(x * (7 - k) for k, x in enumerate(d)) % 10
    return int("".join(map(str, d)) + str(check))


def new_value(rng, field: str, old):
    """A value of ``field`` other than ``old``."""
    while True:
        if field == "name":
            v: object = ais_name(rng)
        elif field == "imo":
            v = imo_number(rng)
        else:
            v = callsign(rng)
        if v != old:
            return v
