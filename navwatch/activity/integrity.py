"""Position and identity integrity: ``spoofing`` and ``identity_change`` (issue 13).

Spoofing works on the fixes as broadcast (``ctx.tracks`` is not screened for jumps). A *jump*
is a step between consecutive fixes of a vessel whose implied speed exceeds
``spoof_max_speed_kn`` over at least ``spoof_min_displacement_km`` (GPS noise of tens of metres
never qualifies, whatever the time between the fixes). Three patterns are reported, all as
``event_type == "spoofing"`` with a flag:

``two_places``
    One MMSI in two places at once (a cloned identity, or two transmitters): a run of at least
    three jumps of at least ``spoof_min_distance_km``, each within ``spoof_max_interval_min``,
    chained (each jump no more than ``spoof_max_interval_min`` after the previous one landed),
    lasting at least ``spoof_min_duration_min`` (from the run's first fix after a jump to its
    last before one: the fixes bracketing it may be a rarely reporting transmitter's, minutes
    away from the conflict), which are ``start`` and ``end``. The run's fixes are split into two tracks by
    parity (every jump switches track); ``lat``/``lon`` is the first track's median position
    and ``distance_km`` the distance between the two tracks' medians, which must also be at
    least ``spoof_min_distance_km``. Shorter alternating runs are reported as nothing at all.
``displaced``
    A stretch of at least two fixes teleported away and back: a jump out, a jump back, and the
    step from the fix before the stretch to the fix after it plausible (at most
    ``spoof_max_speed_kn``). ``lat``/``lon`` is the stretch's mean position, ``distance_km``
    its distance from the fix before it. A single-fix jump is not spoofing (port detection
    quarantines it as ``position_jump``).
``jamming``
    GNSS jamming or area spoofing (SkyTruth circle spoofing; SeaSpoofFinder keeps only jumps
    several vessels make together): displacements (single fixes included) and alternating
    runs (as for ``two_places``, whatever their length) of at least
    ``jamming_min_vessels`` distinct vessels, starting within ``jamming_window_min`` of each
    other (chained) and near each other: places displaced to, or (stretches of two fixes or
    more: single-fix glitches sent to scattered places coincide by chance in busy waters) true
    positions, within ``jamming_max_distance_km``. One event for the area: ``vessels`` lists the vessel ids
    (``;``-joined), ``lat``/``lon`` is the vessels' mean true position, ``distance_km`` the
    median displacement. Those vessels' displacements are not reported one by one.

*Glitches* (single corrupt positions, port detection's ``position_jump``) are set aside
before jumps are paired out and back: a fix jumped to and away from, not next to another such
fix, whose neighbours agree. At the edge of a displaced stretch (the neighbours on either side
of the displacement) they agree when the step across is shorter than half of either jump:
these are dropped first, before conflict runs are looked for (a glitch just before a jump out
would otherwise take its place, and with the jumps out and back chain as a short conflict
run). Elsewhere (outside conflict runs) they agree when the step across is plausible: these
count as one-fix displacements (for jamming) and the stretches are paired without them, so a
glitch inside a long displaced stretch is not taken for the jump back (after hours, the
displaced place it returns to is within ``spoof_max_speed_kn`` of the fix before the stretch).

A plausible fast leg (25 kn back to port) has no jump; a long silence followed by a fix far
away is a gap, not a jump, when the implied speed is plausible.

Identity changes come from the observation rows carrying static data: per MMSI, in time order,
each of ``name``, ``imo`` and ``callsign`` (missing values ignored; names and call signs
compared in upper case with whitespace and ``@`` padding collapsed; IMO 0 is missing) is
compared with its previous non-missing value; every change is one event (a change back and
forth is two). ``start`` is the last time the old value was seen, ``end`` the first time the new
one was; ``lat``/``lon`` is where the new value was first seen (or the vessel's last fix before
then, when the static message has no position). MMSIs without any tracked fix are not reported
(the vessel is not tracked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..geodesy import NS_PER_S, distance_km
from .table import event_id
from .tracks import KN_PER_KMH, Tracks

MIN_NS = 60 * NS_PER_S
IDENTITY_FIELDS = ("name", "imo", "callsign")


def detect_spoofing(ctx) -> pd.DataFrame:
    """Spoofing events of ``ctx.tracks`` (see the module docs).

    Examples
    --------
    >>> from navwatch.activity import detect_activity
    >>> t = pd.date_range("2024-12-02 00:00", periods=30, freq="1min", tz="UTC")
    >>> lat = np.full(30, 40.0)
    >>> lat[10:16] = 40.8  # six fixes 89 km north, then back
    >>> obs = pd.DataFrame({"time": t, "lat": lat, "lon": 20.0, "kind": "ais",
    ...     "mmsi": pd.array([273000001] * 30, dtype="Int64")})
    >>> ev = detect_activity(obs, types=["spoofing"])
    >>> ev[["event_type", "flags"]].values.tolist(), round(float(ev["duration_h"][0]) * 60)
    ([['spoofing', 'displaced']], 5)
    """
    if len(ctx.tracks) < 3:
        return pd.DataFrame()
    js = jump_pairing(ctx.tracks, ctx.params)
    tr, p, seg, runs, disp = js.tracks, ctx.params, js.seg, js.runs, js.disp
    if tr is not ctx.tracks:
        ctx = ctx.with_tracks(tr)
    places = _run_places(tr, runs)
    # conflict runs and displacements together: several vessels at once are a jamming area
    cand = {k: np.concatenate([disp[k], places[k]]) for k in disp}
    label, jammed = _jamming_clusters(tr, p, cand)
    jam = _jamming_events(ctx, cand, label, jammed)
    free = ~np.isin(label, jammed)
    nd = len(disp["k0"])
    two = _two_places(ctx, seg, runs, places, free[nd:])
    keep = free[:nd] & (disp["n"] >= 2)
    disp = _displaced_events(ctx, {k: v[keep] for k, v in disp.items()})
    return pd.concat([f for f in (two, disp, jam) if len(f)] or [pd.DataFrame()], ignore_index=True)


@dataclass
class JumpPairing:
    """How :func:`detect_spoofing` reads a vessel's jumps, for it and for incremental runs
    (which must not cut a tail inside a pair): ``tracks`` without the glitches at the edge of a
    displaced stretch (``kept``: their indices in the tracks given), its steps ``seg`` and
    ``jump`` mask, the alternating ``runs`` (two places at once) with their steps in
    ``conflict``, and the displaced stretches ``disp`` (:func:`_displacements`), all indexed in
    ``tracks``."""

    tracks: Tracks
    kept: np.ndarray
    seg: dict[str, np.ndarray]
    jump: np.ndarray
    runs: list[np.ndarray]
    conflict: np.ndarray
    disp: dict[str, np.ndarray]


def jump_pairing(tr: Tracks, p) -> JumpPairing:
    """The jumps of ``tr`` paired as :func:`detect_spoofing` pairs them (see
    :class:`JumpPairing`); glitches at the edge of a displaced stretch go before anything else."""
    seg = _segments(tr)
    jump = _jump_mask(seg, p)
    kept = np.arange(len(tr))
    edge = _glitches(tr, p, jump, edge=True)
    if edge.any():
        kept = np.flatnonzero(~edge)
        seg, jump = _kept_steps(tr, p, seg, kept)
        tr = tr.subset(~edge)
    runs, conflict = _conflict_runs(tr, p, seg, jump)
    disp = _displacements(tr, p, seg, jump, conflict)
    return JumpPairing(tr, kept, seg, jump, runs, conflict, disp)


def _jump_mask(seg: dict[str, np.ndarray], p) -> np.ndarray:
    """Which steps (:func:`_segments`) are jumps."""
    far = seg["d"] >= p.spoof_min_displacement_km
    return seg["same"] & far & (seg["v"] > p.spoof_max_speed_kn)


def _segments(tr: Tracks) -> dict[str, np.ndarray]:
    """Per step ``k`` (fix ``k`` to ``k + 1``): same vessel, distance (km), duration (ns),
    implied speed (kn; infinite between distinct positions of the same instant)."""
    return _steps(tr, np.arange(len(tr) - 1), np.arange(1, len(tr)))


def _steps(tr: Tracks, i: np.ndarray, j: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`_segments` of the steps from fixes ``i`` to fixes ``j``."""
    same = tr.code[j] == tr.code[i]
    d = distance_km(tr.lat[i], tr.lon[i], tr.lat[j], tr.lon[j])
    dt = tr.t[j] - tr.t[i]
    hours = dt / (3600.0 * NS_PER_S)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(hours > 0, d / hours * KN_PER_KMH, np.where(d > 0, np.inf, 0.0))
    return {"same": same, "d": d, "dt": dt, "v": v}


def _kept_steps(tr: Tracks, p, seg, keep: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Steps and jumps between the consecutive fixes ``keep`` (sorted indices), from the steps
    of all the fixes ``seg``: only the steps across fixes left out are computed again."""
    a, b = keep[:-1], keep[1:]
    out = {k: v[a] for k, v in seg.items()}
    across = np.flatnonzero(b - a != 1)
    if len(across):
        new = _steps(tr, a[across], b[across])
        for k in out:
            out[k][across] = new[k]
    return out, _jump_mask(out, p)


def _conflict_runs(tr: Tracks, p, seg, jump) -> tuple[list[np.ndarray], np.ndarray]:
    """Chained runs of at least three large, quick jumps (candidate ``two_places``) as arrays of
    step indices, and a per-step mask of the jumps in them."""
    interval = p.spoof_max_interval_min * MIN_NS
    q = np.flatnonzero(jump & (seg["d"] >= p.spoof_min_distance_km) & (seg["dt"] <= interval))
    conflict = np.zeros(len(jump), bool)
    if len(q) < 3:
        return [], conflict
    link = _links(tr, p, q, interval)
    run_id = np.concatenate(([0], np.cumsum(~link)))
    bounds = np.flatnonzero(np.diff(np.concatenate(([-1], run_id, [run_id[-1] + 1]))))
    runs = [q[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b - a >= 3]
    for r in runs:
        conflict[r] = True
    return runs, conflict


def _links(tr: Tracks, p, q: np.ndarray, interval: float) -> np.ndarray:
    """Whether each jump ``q[i]`` chains to ``q[i + 1]`` (same vessel). Stretch ``i`` (fixes
    ``q[i] + 1 .. q[i + 1]``, at one place) chains when it lasts at most ``interval``, or,
    two places at once with one of them reported rarely, when it lasts at most
    ``spoof_max_silence_min``, the other place carries on plausibly across it (the fixes
    either side of it) and it carries on plausibly across a brief (at most ``interval``)
    visit to the other place next to it. A transmitter reporting every quarter of an hour
    next to one reporting every minute alternates this way; pairing its jumps as displaced
    stretches would report each stretch of one event."""
    same = tr.code[q[1:]] == tr.code[q[:-1]]
    span = tr.t[q[1:]] - tr.t[q[:-1] + 1]  # stretch i: fixes q[i] + 1 .. q[i + 1]
    link = span <= interval
    if len(q) >= 3:
        brief = link & same
        across = np.zeros(len(link), bool)  # stretch i carries on across a brief neighbour
        across[:-1] |= brief[1:] & _plausible(tr, p, q[1:-1], q[2:] + 1)
        across[1:] |= brief[:-1] & _plausible(tr, p, q[:-2], q[1:-1] + 1)
        other = _plausible(tr, p, q[:-1], q[1:] + 1)  # the other place carries on across i
        link |= (span <= p.spoof_max_silence_min * MIN_NS) & across & other
    return same & link


def _plausible(tr: Tracks, p, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether a vessel could sail from fix ``i`` to fix ``j`` (at most ``spoof_max_speed_kn``,
    or within ``spoof_min_displacement_km``)."""
    d = distance_km(tr.lat[i], tr.lon[i], tr.lat[j], tr.lon[j])
    hours = np.abs(tr.t[j] - tr.t[i]) / (3600.0 * NS_PER_S)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(hours > 0, d / hours * KN_PER_KMH, np.where(d > 0, np.inf, 0.0))
    return (v <= p.spoof_max_speed_kn) | (d < p.spoof_min_displacement_km)


def _run_places(tr: Tracks, runs: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Per conflict run: its fixes ``a..b``, the two tracks' median positions (parity split:
    the fix after each jump switches track) and the distance between them, as candidate
    displacements (``k0``/``k1``: first and last jump; ``lat``/``lon``: the second place)."""
    cols: dict[str, list] = {k: [] for k in ("k0", "k1", "n", "lat", "lon", "la", "lo")}
    for r in runs:
        a, b = int(r[0]), int(r[-1]) + 1
        is_jump = np.zeros(b - a + 1, np.int64)
        is_jump[r - a + 1] = 1
        side = np.cumsum(is_jump) % 2 == 1
        la, lo = tr.lat[a : b + 1], tr.lon[a : b + 1]
        vals = (r[0], r[-1], b - a + 1, np.median(la[side]), np.median(lo[side]))
        for k, v in zip(("k0", "k1", "n", "lat", "lon"), vals, strict=True):
            cols[k].append(v)
        cols["la"].append(np.median(la[~side]))
        cols["lo"].append(np.median(lo[~side]))
    out = {
        k: np.asarray(v, dtype=np.int64 if k in ("k0", "k1", "n") else float)
        for k, v in cols.items()
    }
    out["dist"] = distance_km(out["la"], out["lo"], out["lat"], out["lon"])
    out["first"], out["back"] = out["k0"] + 1, out["k1"] + 1
    return out


def _two_places(ctx, seg, runs: list[np.ndarray], places, keep: np.ndarray) -> pd.DataFrame:
    """``two_places`` events of the conflict runs (``keep``: not part of a jamming area) long
    enough and split into two far places."""
    tr, p = ctx.tracks, ctx.params
    rows = []
    for i, r in enumerate(runs):
        a, b = int(r[0]), int(r[-1]) + 1  # fixes a..b
        # both places seen: from the first fix at the second place to the last before the
        # final jump (the fixes bracketing the run may be a sparse transmitter's, minutes out)
        long = tr.t[b - 1] - tr.t[a + 1] >= p.spoof_min_duration_min * MIN_NS
        if not (keep[i] and long and places["dist"][i] >= p.spoof_min_distance_km):
            continue
        ev = ctx.evidence([tr.row[a], tr.row[a + 1], tr.row[b]], "")
        c = int(tr.code[a])
        rows.append(
            {
                "event_type": "spoofing",
                "vessel_id": tr.vessel_id[c],
                "vessel_name": tr.vessel_name[c],
                "mmsi": tr.mmsi[c],
                "start": tr.t[a + 1],
                "end": tr.t[b - 1],
                "lat": float(places["la"][i]),
                "lon": float(places["lo"][i]),
                "end_lat": float(places["lat"][i]),
                "end_lon": float(places["lon"][i]),
                "confidence": 0.9,
                "evidence": f"place A {ev[0]}; place B {ev[1]}; last {ev[2]}; "
                f"{len(r)} jumps in {b - a + 1} fixes",
                "flags": "two_places",
                "distance_km": float(places["dist"][i]),
                "implied_speed_kn": float(np.median(seg["v"][r])),
            }
        )
    return _frame(rows)


def _displacements(tr: Tracks, p, seg, jump, conflict) -> dict[str, np.ndarray]:
    """Every stretch of fixes jumped out to and back from, outside conflict runs: ``k0`` the
    fix before it (on the track), ``first`` and ``k1`` its first and last fixes, ``back`` the
    fix after it, ``n`` its fixes. Isolated single-fix glitches (:func:`_glitches`) are
    stretches of one fix; the other stretches are paired on the fixes without them (see
    :func:`_return_of`), so a glitch next to or inside a stretch neither hides the jump out
    nor passes for the jump back."""
    g = _glitches(tr, p, jump & ~conflict, edge=False)
    keep = np.flatnonzero(~g)
    sub = tr.subset(~g)
    _, sub_jump = _kept_steps(tr, p, seg, keep)
    # a step of the fixes kept is a conflict jump only as the same step of all the fixes
    sub_conflict = (np.diff(keep) == 1) & conflict[keep[:-1]]
    k0, k1 = _pair_jumps(sub, p, np.flatnonzero(sub_jump & ~sub_conflict))
    lat, lon = _mean_positions(sub, k0 + 1, k1)
    one = np.flatnonzero(g)  # glitch fixes: k0 = the fix before, k1 = the glitch itself
    out = {
        "k0": np.concatenate([keep[k0], one - 1]),
        "first": np.concatenate([keep[k0 + 1], one]),
        "k1": np.concatenate([keep[k1], one]),
        "back": np.concatenate([keep[k1 + 1], one + 1]),
        "lat": np.concatenate([lat, tr.lat[one]]),
        "lon": np.concatenate([lon, tr.lon[one]]),
    }
    out["n"] = out["k1"] - out["first"] + 1  # fixes as broadcast, glitches inside included
    order = np.argsort(out["first"], kind="stable")
    out = {k: v[order] for k, v in out.items()}
    out["dist"] = distance_km(tr.lat[out["k0"]], tr.lon[out["k0"]], out["lat"], out["lon"])
    return out


def _glitches(tr: Tracks, p, jump: np.ndarray, *, edge: bool) -> np.ndarray:
    """Per fix: an isolated single-fix glitch (a corrupt position; port detection's
    ``position_jump``): a fix jumped to and jumped away from whose neighbours agree, and
    not next to another such fix (a place held for two fixes is a stretch). The neighbours
    agree when the step across the fix is plausible (at most ``spoof_max_speed_kn``); with
    ``edge``, only glitches at the edge of a displaced stretch: the neighbours on either side
    of the displacement (the step across not plausible) but nearer each other than half of
    either jump (the fix belongs to neither place)."""
    cand = np.zeros(len(tr), bool)
    if len(tr) < 3:
        return cand
    i = np.flatnonzero(jump[:-1] & jump[1:]) + 1  # fix i: jumps i - 1 -> i and i -> i + 1
    agree = _plausible(tr, p, i - 1, i + 1)
    if edge:
        d_in = distance_km(tr.lat[i - 1], tr.lon[i - 1], tr.lat[i], tr.lon[i])
        d_out = distance_km(tr.lat[i], tr.lon[i], tr.lat[i + 1], tr.lon[i + 1])
        across = distance_km(tr.lat[i - 1], tr.lon[i - 1], tr.lat[i + 1], tr.lon[i + 1])
        agree = ~agree & (across < np.minimum(d_in, d_out) / 2)
    cand[i[agree]] = True
    lone = cand.copy()
    lone[1:] &= ~cand[:-1]
    lone[:-1] &= ~cand[1:]
    return lone


def _pair_jumps(tr: Tracks, p, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jumps ``j`` paired out and back per vessel (:func:`_return_of`): the steps out ``k0``
    and back ``k1`` (fixes ``k0 + 1 .. k1`` displaced)."""
    pairs = []
    for c in np.unique(tr.code[j]):
        jc = j[tr.code[j] == c]
        i = 0
        while i < len(jc) - 1:
            m = _return_of(tr, p, jc, i)
            if m < 0:
                i += 1
                continue
            pairs.append((jc[i], jc[m]))
            i = m + 1
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    k0, k1 = (np.asarray(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    return k0, k1


def _mean_positions(tr: Tracks, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean position (lat, lon) of fixes ``a[i] .. b[i]`` for every ``i`` (``a <= b``)."""
    cs = [np.concatenate(([0.0], np.cumsum(x))) for x in _unit_xyz(tr.lat, tr.lon)]
    xyz = [(x[b + 1] - x[a]) / np.maximum(b - a + 1, 1) for x in cs]
    lat = np.degrees(np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1])))
    return lat, np.degrees(np.arctan2(xyz[1], xyz[0]))


def _unit_xyz(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors of positions (their mean is a mean position, across 180 deg too)."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)


def _return_of(tr: Tracks, p, jc: np.ndarray, i: int) -> int:
    """Index in ``jc`` (one vessel's jumps, in time order) of the jump back from the stretch
    jump ``jc[i]`` leads out to, or -1. The jump back is the first later one that lands where
    the vessel could have sailed from the fix before the jump out (at most
    ``spoof_max_speed_kn``, or within ``spoof_min_displacement_km`` of it) and undoes at least
    half the displacement (its length at least half the jump out's). Jumps inside the stretch
    (between the points of a ring, or between two places it is sent to) are not returns, so a
    stretch may hold several; pairing each jump with the next would put the real track
    between them out of step and report it as displaced."""
    a, b = jc[i], jc[i + 1 :]
    back = distance_km(tr.lat[a], tr.lon[a], tr.lat[b + 1], tr.lon[b + 1])
    hours = (tr.t[b + 1] - tr.t[a]) / (3600.0 * NS_PER_S)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(hours > 0, back / hours * KN_PER_KMH, np.where(back > 0, np.inf, 0.0))
    out = distance_km(tr.lat[a], tr.lon[a], tr.lat[a + 1], tr.lon[a + 1])
    size = distance_km(tr.lat[b], tr.lon[b], tr.lat[b + 1], tr.lon[b + 1])
    ok = ((v <= p.spoof_max_speed_kn) | (back < p.spoof_min_displacement_km)) & (size >= out / 2)
    hit = np.flatnonzero(ok)
    return i + 1 + int(hit[0]) if len(hit) else -1


def _jamming_clusters(tr: Tracks, p, cand) -> tuple[np.ndarray, np.ndarray]:
    """Cluster label of each displacement (chained in time within ``jamming_window_min``, near
    each other), and the labels with at least ``jamming_min_vessels`` distinct vessels."""
    n = len(cand["k0"])
    label = np.arange(n)
    if n < max(p.jamming_min_vessels, 1):
        return label, np.zeros(0, np.int64)
    t = tr.t[cand["first"]]
    order = np.argsort(t, kind="stable")
    ts = t[order]
    hi = np.searchsorted(ts, ts + p.jamming_window_min * MIN_NS, side="right")
    cnt = hi - np.arange(n) - 1
    a = np.repeat(np.arange(n), cnt)
    b = a + 1 + (np.arange(len(a)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    a, b = order[a], order[b]
    k0 = cand["k0"]
    near_home = distance_km(tr.lat[k0[a]], tr.lon[k0[a]], tr.lat[k0[b]], tr.lon[k0[b]])
    near_spot = distance_km(cand["lat"][a], cand["lon"][a], cand["lat"][b], cand["lon"][b])
    r = p.jamming_max_distance_km
    # single-fix glitches of vessels near each other coincide by chance in busy waters: sent
    # to scattered places they are independent; near each other's true positions only
    # stretches of two fixes or more count
    lasting = (cand["n"][a] >= 2) & (cand["n"][b] >= 2)
    edge = ((near_home <= r) & lasting) | (near_spot <= r)
    label = _components(n, a[edge], b[edge])
    vessels = pd.DataFrame({"label": label, "code": tr.code[k0]}).drop_duplicates()
    per = vessels.groupby("label").size()
    jammed = per.index[per >= max(p.jamming_min_vessels, 1)].to_numpy()
    return label, jammed


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest member) of ``n`` nodes joined by edges a-b."""
    lab = np.arange(n)
    while len(a):
        m = np.minimum(lab[a], lab[b])
        new = lab.copy()
        np.minimum.at(new, a, m)
        np.minimum.at(new, b, m)
        new = new[new]
        if np.array_equal(new, lab):
            break
        lab = new
    return lab


def _jamming_events(ctx, cand, label: np.ndarray, jammed: np.ndarray) -> pd.DataFrame:
    """One ``jamming`` event per cluster of displacements with enough vessels."""
    tr = ctx.tracks
    rows = []
    for lab in jammed:
        i = np.flatnonzero(label == lab)
        k0, k1 = cand["k0"][i], cand["k1"][i]
        codes = tr.code[k0]
        ids = sorted(set(tr.vessel_id[codes].tolist()))
        start, end = int(tr.t[cand["first"][i]].min()), int(tr.t[k1].max())
        vessels = ";".join(ids)
        shown = i[:5]
        ev = ctx.evidence(tr.row[cand["first"][shown]], "")
        rows.append(
            {
                "event_id": event_id("spoofing", vessels, "", start),
                "event_type": "spoofing",
                "start": start,
                "end": end,
                "lat": float(tr.lat[k0].mean()),
                "lon": float(tr.lon[k0].mean()),
                "confidence": 0.8,
                "evidence": "; ".join(ev) + f"; {len(i)} displacements of {len(ids)} vessels",
                "flags": "jamming",
                "distance_km": float(np.median(cand["dist"][i])),
                "vessels": vessels,
            }
        )
    return _frame(rows)


def _displaced_events(ctx, cand) -> pd.DataFrame:
    """One ``displaced`` event per displaced stretch of at least two fixes."""
    tr = ctx.tracks
    k0, first, k1 = cand["k0"], cand["first"], cand["k1"]
    if not len(k0):
        return pd.DataFrame()
    c = tr.code[k0]
    hours = (tr.t[first] - tr.t[k0]) / (3600.0 * NS_PER_S)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(hours > 0, cand["dist"] / hours * KN_PER_KMH, np.inf)
    out, back = ctx.evidence(tr.row[first], "out "), ctx.evidence(tr.row[cand["back"]], "back ")
    return pd.DataFrame(
        {
            "event_type": "spoofing",
            "vessel_id": tr.vessel_id[c],
            "vessel_name": tr.vessel_name[c],
            "mmsi": pd.array(tr.mmsi[c], dtype="Float64").astype("Int64"),
            "start": pd.to_datetime(tr.t[first], utc=True),
            "end": pd.to_datetime(tr.t[k1], utc=True),
            "lat": cand["lat"],
            "lon": cand["lon"],
            "end_lat": tr.lat[k0],
            "end_lon": tr.lon[k0],
            "confidence": 0.7,
            "evidence": [
                f"{x}; {y}; {n} fixes" for x, y, n in zip(out, back, cand["n"], strict=True)
            ],
            "flags": "displaced",
            "distance_km": cand["dist"],
            "implied_speed_kn": speed,
        }
    )


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Event rows (times as int ns) as a frame for :func:`events_table`."""
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows)
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col].to_numpy(np.int64), utc=True)
    if "mmsi" in df.columns:
        df["mmsi"] = pd.array(df["mmsi"].to_numpy(float), dtype="Float64").astype("Int64")
    return df


def detect_identity_changes(ctx) -> pd.DataFrame:
    """Identity change events of ``ctx.obs`` (see the module docs).

    Examples
    --------
    >>> from navwatch.activity import detect_activity
    >>> t = pd.date_range("2024-12-02 00:00", periods=4, freq="1h", tz="UTC")
    >>> obs = pd.DataFrame({"time": t, "lat": 40.0, "lon": 20.0, "kind": "ais",
    ...     "mmsi": pd.array([273000001] * 4, dtype="Int64"),
    ...     "name": pd.Categorical(["YELNYA", None, "Yelnya ", "ELNYA"])})
    >>> ev = detect_activity(obs, types=["identity_change"])
    >>> ev[["field", "old_value", "new_value", "duration_h"]].values.tolist()
    [['name', 'YELNYA', 'ELNYA', 1.0]]
    """
    obs, tr = ctx.obs, ctx.tracks
    if not len(obs) or "mmsi" not in obs.columns or not len(tr):
        return pd.DataFrame()
    mmsi = obs["mmsi"].to_numpy(dtype="float64", na_value=np.nan)
    ais = (obs["kind"] == "ais").to_numpy(dtype=bool, na_value=False) if "kind" in obs else True
    pairs = pd.DataFrame({"mmsi": mmsi[tr.row], "code": tr.code}).drop_duplicates("mmsi")
    code_of = pd.Series(pairs["code"].to_numpy(), index=pairs["mmsi"].to_numpy())
    t = obs["time"].dt.as_unit("ns").array.asi8
    fields = [c for c in IDENTITY_FIELDS if c in obs.columns]
    if not fields:
        return pd.DataFrame()
    # rows by MMSI then time, sorted once for every field (two stable sorts)
    order = np.argsort(t, kind="stable")
    order = order[np.argsort(mmsi[order], kind="stable")]
    frames = []
    for col in fields:
        codes, values = _value_codes(obs[col], col)
        keep = (codes >= 0) & np.isfinite(mmsi) & ais
        ok = order[keep[order]]
        if len(ok) < 2:
            continue
        m, cd = mmsi[ok], codes[ok]
        ch = np.flatnonzero((m[1:] == m[:-1]) & (cd[1:] != cd[:-1]))
        old, new = ok[ch], ok[ch + 1]
        vessel = code_of.reindex(mmsi[new]).to_numpy()
        tracked = np.isfinite(vessel)
        if not tracked.any():
            continue
        old, new, vessel = old[tracked], new[tracked], vessel[tracked].astype(np.int64)
        frames.append(_identity_events(ctx, col, (codes, values), (old, new), vessel, t))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _value_codes(s: pd.Series, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row a code of the normalised value (-1 missing), and per code the raw value shown
    (the first raw spelling of it)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        raw_codes = s.cat.codes.to_numpy()
        cats = pd.Index(s.cat.categories)
    else:
        raw_codes, cats = pd.factorize(s, use_na_sentinel=True)
        cats = pd.Index(cats)
    if col == "imo":
        num = pd.to_numeric(pd.Series(cats), errors="coerce")
        norm = num.where(num > 0)
        shown = num.astype("Int64").astype(str).to_numpy()
    else:
        text = pd.Series(cats.astype(str)).str.replace("@", " ").str.upper()
        norm = text.str.split().str.join(" ").replace("", None)
        shown = pd.Series(cats.astype(str)).str.strip().to_numpy()
    lut, uniq = pd.factorize(norm, use_na_sentinel=True)
    first = pd.Series(np.arange(len(lut))).groupby(lut).first()
    values = np.array([shown[first.get(i)] for i in range(len(uniq))], dtype=object)
    codes = np.where(raw_codes >= 0, np.append(lut, -1)[raw_codes], -1)
    return codes, values


def _identity_events(ctx, col, coded, rows, vessel, t) -> pd.DataFrame:
    """One event per change: from row ``old`` (last old value) to row ``new`` (first new);
    ``coded`` is (per-row codes, per-code values)."""
    tr, obs = ctx.tracks, ctx.obs
    (codes, values), (old, new) = coded, rows
    lat = obs["lat"].to_numpy(dtype="float64", na_value=np.nan)[new]
    lon = obs["lon"].to_numpy(dtype="float64", na_value=np.nan)[new]
    for i in np.flatnonzero(~(np.isfinite(lat) & np.isfinite(lon))):
        c = vessel[i]
        seg = tr.t[tr.start[c] : tr.start[c + 1]]
        k = tr.start[c] + max(int(np.searchsorted(seg, t[new[i]], side="right")) - 1, 0)
        lat[i], lon[i] = tr.lat[k], tr.lon[k]
    ev_old, ev_new = ctx.evidence(old, "old "), ctx.evidence(new, "new ")
    return pd.DataFrame(
        {
            "event_type": "identity_change",
            "vessel_id": tr.vessel_id[vessel],
            "vessel_name": tr.vessel_name[vessel],
            "mmsi": obs["mmsi"].array[new],
            "start": pd.to_datetime(t[old], utc=True),
            "end": pd.to_datetime(t[new], utc=True),
            "lat": lat,
            "lon": lon,
            "confidence": 0.9,
            "evidence": [f"{a}; {b}" for a, b in zip(ev_old, ev_new, strict=True)],
            "field": col,
            "old_value": values[codes[old]],
            "new_value": values[codes[new]],
        }
    )
