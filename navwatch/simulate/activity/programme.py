"""The programme: which episodes a scenario holds (true events drawn at random, and every
decoy), and laying them in time order, then the AIS overlays on the finished tracks."""

from __future__ import annotations

import math

from ..common import H
from .common import NM, Episode
from .motion import finish
from .overlays import clone, displaced, identity, name_format, reception_gaps, single_jump
from .scripts import SCRIPTS
from .stage import Stage

INF = math.inf
FAR = (15e3, INF)  # sites for events at sea
KEEP = (10.6e3, INF)  # slow episodes stay this far from the zones all along


def _ep(rng, span, kind, event, label, n, dur, pre=0.0, **p) -> Episode | None:
    """An episode of ``dur`` s wanted at a random time (None when the period is too short)."""
    after = p.pop("after", dur + 2 * H)
    lo, hi = 3 * H + pre, span - after - 3 * H
    if hi <= lo:
        return None
    p.update(dur=dur, after=after)
    return Episode(kind, event, label, n, float(rng.uniform(lo, hi)), p)


def _random_events(rng, span: float, f: float) -> list:
    """True events at random: about ``f`` times the counts of a 40-vessel, 6-day scenario."""
    out = []
    for _ in range(1 + int(rng.poisson(5 * f))):
        s_lo = float(rng.uniform(50, 350))
        kn = (0.0, 0.0) if rng.random() < 0.25 else (0.0, float(rng.uniform(0.2, 1.5)))
        sep = (s_lo, min(450.0, s_lo + float(rng.uniform(0, 100))))
        dur = float(rng.uniform(2.2, 12)) * H
        out.append(_ep(rng, span, "pair_slow", "encounter", "", 2, dur, sep=sep, kn=kn,
                       band=FAR, keep=KEEP))  # fmt: skip
    for _ in range(1 + int(rng.poisson(4 * f))):
        dur = float(rng.uniform(32, 240)) * 60
        out.append(_ep(rng, span, "alongside", "replenishment", "", 2, dur, sep=(30.0, 180.0),
                       kn=float(rng.uniform(9, 14)), aux=bool(rng.random() < 0.6)))  # fmt: skip
    for _ in range(1 + int(rng.poisson(4 * f))):
        band = (50 * NM, INF) if rng.random() < 0.4 else FAR
        dur = float(rng.uniform(4.3, 30)) * H
        kn = (0.0, float(rng.uniform(0, 1.8)))
        out.append(_ep(rng, span, "loiter", "loitering", "", 1, dur, kn=kn, band=band, keep=KEEP))
    n = int(rng.integers(3, 6))
    durs = [float(rng.uniform(6, 30)) * H for _ in range(n)]
    first = rng.random() < 0.5
    dists = [
        float(rng.uniform(10.3e3, 13e3) if (k % 2 == 0) == first else rng.uniform(7e3, 9.7e3))
        for k in range(n)
    ]
    out.append(_ep(rng, span, "fleet", "loitering", "", n, max(durs) + H, durs=durs, dists=dists))
    for _ in range(2 + int(rng.poisson(6 * f))):
        out.append(_random_gap(rng, span))
    for _ in range(1 + int(rng.poisson(0.4 * f))):
        ring = float(rng.uniform(2e3, 8e3)) if rng.random() < 0.5 else 0.0
        out.append(_ep(rng, span, "jamming", "jamming", "", int(rng.integers(3, 9)),
                       float(rng.uniform(0.5, 6)) * H, R=float(rng.uniform(8e3, 20e3)), ring=ring))  # fmt: skip
    for _ in range(1 + int(rng.poisson(1.5 * f))):
        out.append(_ep(rng, span, "clone", "spoofing", "", 1, float(rng.uniform(35, 360)) * 60))
    for _ in range(1 + int(rng.poisson(1.5 * f))):
        mode = "shift" if rng.random() < 0.5 else "point"
        dur = float(rng.uniform(30, 360)) * 60
        out.append(_ep(rng, span, "displaced", "spoofing", "", 1, dur, mode=mode))
    for _ in range(1 + int(rng.poisson(3 * f))):
        fields = [["name"], ["imo"], ["callsign"], ["name", "callsign"]][int(rng.integers(0, 4))]
        out.append(_ep(rng, span, "identity", "identity_change", "", 1, 0.0, fields=fields))
    return out


def _random_gap(rng, span: float) -> Episode | None:
    kind = ["far", "sea", "near", "port", "late"][
        int(rng.choice(5, p=[0.3, 0.25, 0.15, 0.15, 0.15]))
    ]
    p: dict = {"variant": kind}
    if kind == "far":
        p.update(band=(60 * NM, INF), G=float(rng.uniform(12.5, 40)) * H)
    elif kind == "near":
        p.update(band=(15e3, 40 * NM), G=float(rng.uniform(6.3, 24)) * H)
    elif kind == "port":
        p.update(G=float(rng.uniform(6.5, 20)) * H)
    elif kind == "late":
        p.update(band=FAR, G=float(rng.uniform(14, 30)) * H, late=[float(rng.uniform(2, 5)) * H])
    else:
        p.update(band=FAR, G=float(rng.uniform(6.3, 30)) * H)
    return _ep(rng, span, "gap", "gap", "", 1, p["G"], pre=13 * H, **p)


def _pair_decoys(rng, span: float) -> list:
    out = []
    slow = dict(band=FAR, keep=KEEP)
    for label, sep, dur, kn, extra in (
        ("enc_450m", (420, 470), 3.0, (0.0, 0.8), {}),
        ("enc_550m", (520, 590), 3.0, (0.0, 0.8), {}),
        ("enc_1km", (950, 1050), 3.0, (0.0, 0.8), {}),
        ("enc_2.25h", (300, 400), 2.25, (0.0, 0.8), {}),
        ("enc_1.75h", (300, 400), 1.75, (0.0, 0.8), {}),
        ("enc_1h", (380, 420), 1.0, (0.0, 0.8), {}),
        ("enc_1.5kn", (200, 350), 3.0, (1.4, 1.7), {}),
        ("enc_one_3kn", (300, 300), 3.0, (0.4, 0.6), {"mode": "circle"}),
        ("enc_both_3kn", (250, 350), 3.0, (2.8, 3.2), {"mode": "together"}),
        ("enc_port_12km", (200, 300), 3.0, (0.0, 0.1), {"band": (11.8e3, 12.2e3),
                                                        "keep": (10.6e3, 13.5e3)}),
        ("enc_port_8km", (200, 300), 3.0, (0.0, 0.1), {"band": (7.8e3, 8.2e3),
                                                       "keep": (6.5e3, 9.4e3)}),
    ):  # fmt: skip
        q: dict = {**slow, "sep": sep, "kn": kn, **extra}
        out.append(_ep(rng, span, "pair_slow", "encounter", label, 2, dur * H, **q))
    repl: tuple[tuple[str, tuple[float, float], float, float], ...] = (
        ("repl_180m", (170, 185), 60, float(rng.uniform(10, 13))),
        ("repl_600m", (580, 650), 60, 12.0),
        ("repl_40min", (130, 160), 40, 12.0),
        ("repl_20min", (130, 160), 20, 12.0),
        ("repl_14.5kn", (130, 160), 60, 14.5),
        ("repl_17kn", (130, 160), 60, 17.0),
        ("repl_8.5kn", (130, 160), 60, 8.5),
        ("repl_6kn", (130, 160), 60, 6.0),
    )
    for label, sep2, dur_min, v in repl:
        r: dict = dict(sep=sep2, kn=v, aux=bool(rng.random() < 0.5))
        out.append(_ep(rng, span, "alongside", "replenishment", label, 2, dur_min * 60.0, **r))
    return out


def _single_decoys(rng, span: float) -> list:
    out = []
    for label, dur, kn, band, keep in (
        ("loiter_4.5h", 4.5, (0.5, 1.5), (20e3, INF), KEEP),
        ("loiter_3h", 3.0, (0.5, 1.5), (20e3, INF), KEEP),
        ("loiter_1.5kn", 6.0, (1.4, 1.7), (40e3, INF), KEEP),
        ("loiter_2.5kn", 6.0, (2.4, 2.8), (40e3, INF), KEEP),
        ("loiter_11km", 6.0, (0.0, 0.0), (10.8e3, 11.2e3), (10.5e3, 11.5e3)),
        ("loiter_9km", 6.0, (0.0, 0.0), (8.8e3, 9.2e3), (8.5e3, 9.5e3)),
    ):
        q: dict = dict(kn=kn, band=band, keep=keep)
        out.append(_ep(rng, span, "loiter", "loitering", label, 1, dur * H, **q))
    out.append(_ep(rng, span, "port_rest", "loitering", "loiter_port_10h", 1, 10 * H,
                   after=16 * H))  # fmt: skip
    nm45, nm55 = (44.7 * NM, 45.3 * NM), (54.7 * NM, 55.3 * NM)
    gaps: tuple[tuple[str, float, dict], ...] = (
        ("gap_5h", 5.0, dict(band=FAR)),
        ("gap_5.9h", 5.9, dict(band=FAR)),
        ("gap_6.5h", 6.5, dict(band=FAR)),
        ("gap_late_removed", 9.0, dict(band=FAR, late=[4.5 * H])),
        ("gap_late_shortened", 14.0, dict(band=FAR, late=[5.0 * H])),
        ("gap_in_port", 8.0, dict(variant="port")),
        ("gap_45nm", 13.0, dict(band=nm45, floor=16)),
        ("gap_55nm", 13.0, dict(band=nm55, floor=16)),
        ("gap_11.5h", 11.5, dict(band=nm55, floor=16)),
        ("gap_10pos", 13.0, dict(band=nm55, before=10)),
        ("gap_16pos", 13.0, dict(band=nm55, before=16)),
    )
    for label, G, g in gaps:
        out.append(_ep(rng, span, "gap", "gap", label, 1, G * H, pre=13 * H, G=G * H, **g))
    for label, dur in (("clone_40min", 40 * 60.0), ("clone_20min", 20 * 60.0)):
        out.append(_ep(rng, span, "clone", "spoofing", label, 1, dur))
    for _ in range(2):
        out.append(_ep(rng, span, "single_jump", "spoofing", "single_jump", 1, 0.0))
    out.append(_ep(rng, span, "fast_return", "spoofing", "fast_return_25kn", 1, 3 * H))
    out.append(_ep(rng, span, "dark_return", "spoofing", "dark_return_port", 1, 6 * H))
    out.append(_ep(rng, span, "name_format", "identity_change", "name_format", 1, 0.0))
    return out


def programme(rng, span: float, n_vessels: int, days: float, events: float, decoys: bool):
    """Every episode of the scenario (true events at random, then the decoys)."""
    f = events * n_vessels * days / 240.0
    eps = _random_events(rng, span, f) if events > 0 else []
    if decoys:
        eps += _pair_decoys(rng, span) + _single_decoys(rng, span)
    return [e for e in eps if e is not None]


def lay_all(st: Stage, eps: list[Episode], static: list[dict]) -> None:
    """Lay the moving episodes in time order (those needing several ships at once first: they
    are the hardest to fit), finish every track, then the AIS overlays."""
    moving = [e for e in eps if e.kind in SCRIPTS]
    for ep in sorted(moving, key=lambda e: (e.kind not in ("jamming", "fleet"), e.t)):
        SCRIPTS[ep.kind](st, ep)
    for ship in st.ships:
        finish(ship, st.span + H)
    for ep in eps:
        if ep.kind == "clone":
            clone(st, ep)
        elif ep.kind == "displaced":
            displaced(st, ep)
        elif ep.kind == "single_jump":
            single_jump(st, ep)
    for ep in eps:
        if ep.kind == "identity":
            identity(st, ep, static)
    for ep in eps:
        if ep.kind == "name_format":
            name_format(st, ep)
    reception_gaps(st)
