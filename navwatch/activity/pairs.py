"""Two-vessel activity: encounters (``encounter``) and underway replenishment (``replenishment``).

Both compare tracks slot by slot (:func:`navwatch.activity.tracks.resample`). Neighbours are
found per slot in a spatial grid, never by comparing all pairs (:func:`neighbour_pairs`): the
globe is cut into latitude bands at least the distance limit high, each band into longitude
cells at least the distance limit wide *at the band's poleward edge* (fewer, wider cells toward
the poles; one cell round a polar cap), the cells of a band tiling the whole circle so the
antimeridian is no edge. A vessel is compared only with the vessels of its own cell and of the
8 neighbouring cells (its band's and the two adjacent bands'), exactly by
:func:`navwatch.geodesy.distance_km`. All of it is sorted keys and ``searchsorted``: no Python
loop per slot. Encounters search only the pairs that could have one kept by the port exclusion
(:func:`_encounter_pairs`: an encounter during which one of the vessels stays within ~9 km of
one port zone's point never is), so the vessels moored in a busy port, most of an archive's
pairs, cost a distance to the port per slot; the events are those of a search of every pair.

Speeds and courses are taken over ``speed_baseline_min`` (10 min) about each slot, the speed
along the path through positions ``speed_path_step_min`` (2 min) apart: between fixes seconds
apart GPS error reads as knots. Displaced fixes (jumped out to and back from, as spoofing and
jamming do) are left out first: jammed vessels all report one point.

**encounter** (Global Fishing Watch, ``REFERENCE.md`` section 10): two vessels within
``encounter_max_distance_m`` in a slot are *adjacent*; consecutive adjacent slots of a pair form
a run; runs of the same pair less than ``encounter_merge_gap_h`` apart (end of one to start of
the next) are one encounter. It is kept when it lasts at least ``encounter_min_duration_h``
(first to last adjacent slot), *each* vessel's median speed over its adjacent slots is below
``encounter_max_median_speed_kn`` (``median_speed_kn`` reports the larger), and its mean
position is more than ``port_exclusion_km`` from every port zone.

**replenishment** (naval underway replenishment): two vessels within
``replenishment_max_distance_m``, both between ``replenishment_min_speed_kn`` and
``replenishment_max_speed_kn``, their courses within ``replenishment_max_course_diff_deg``, in
consecutive slots (a run broken by at most ``replenishment_tolerance_slots`` failing slots
is one) lasting at least ``replenishment_min_duration_min``. Its slots are finer than
the encounters' (at most a sixth of the minimum duration: 5 minutes by default) so a 30-minute
event spans enough of them. Flag ``oiler`` when the registry says one of the two is an oiler,
tanker, auxiliary, replenishment or supply ship (a flag, not a filter); ``median_speed_kn`` is
the mean of the two vessels' median speeds. There is no port exclusion (``distance_from_port_km``
is reported): at 8-15 kn alongside, two ships are not berthed.

The pair is reported in a stable order: ``vessel_id`` is the lower id, ``other_vessel_id`` the
higher. A duration is measured between slot times, so it may under-read the true one by up to
one slot.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from ..geodesy import NS_PER_S, distance_km
from .tracks import (
    KN_PER_KMH,
    Slots,
    Tracks,
    resample_positions,
    slot_motion,
    stable_argsort,
)

#: The smallest radius of curvature of WGS84 (meridional, at the equator), km: the haversine
#: radius :func:`distance_km` uses is never smaller, so cells sized with it are large enough.
_R_MIN_KM = 6335.0
#: Cells are never smaller than this (km): keeps the integer cell keys far from overflow.
_MIN_CELL_KM = 0.05
#: Rows of slots searched at once (bounds the memory of the neighbour join).
_CHUNK_ROWS = 1_000_000
_AUXILIARY = re.compile(r"oiler|tanker|auxiliary|replenishment|supply", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------
# neighbour search


def neighbour_pairs(
    slot: np.ndarray, lat: np.ndarray, lon: np.ndarray, max_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of rows ``i < j`` in the same slot within ``max_km`` of each other.

    ``slot`` must be sorted (rows are processed in chunks of whole slots). Returns ``(i, j,
    d_km)``, ordered by ``i`` then ``j``. Finds exactly the pairs an all-pairs comparison with
    :func:`distance_km` finds, at any latitude and across the antimeridian.

    Examples
    --------
    >>> i, j, d = neighbour_pairs(np.array([0, 0, 0, 1]), np.array([0.0, 0.0, 0.01, 0.0]),
    ...     np.array([179.999, -179.999, 0.0, 0.0]), 0.5)
    >>> i.tolist(), j.tolist(), [round(float(x), 3) for x in d]
    ([0], [1], [0.223])
    """
    return _pairs_within(slot, lat, lon, max_km)


def _pairs_within(
    slot: np.ndarray, lat: np.ndarray, lon: np.ndarray, max_km: float, query=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`neighbour_pairs`; with ``query`` (a bool per row) only the pairs with at least
    one query row (searched from the query rows only)."""
    slot = np.asarray(slot, dtype=np.int64)
    lat = np.asarray(lat, dtype="float64")
    lon = np.asarray(lon, dtype="float64")
    out_i, out_j, out_d = [], [], []
    n = len(slot)
    starts = [0]
    while starts[-1] < n:  # chunks of whole slots
        k = min(starts[-1] + _CHUNK_ROWS, n)
        if k < n:
            k = int(np.searchsorted(slot, slot[k], side="left"))
            if k <= starts[-1]:
                k = int(np.searchsorted(slot, slot[starts[-1]], side="right"))
        starts.append(k)
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        q = None if query is None else query[a:b]
        i, j = _chunk_pairs(slot[a:b] - slot[a], lat[a:b], lon[a:b], max_km, q)
        d = distance_km(lat[a + i], lon[a + i], lat[a + j], lon[a + j])
        keep = d <= max_km
        out_i.append(a + i[keep])
        out_j.append(a + j[keep])
        out_d.append(d[keep])
    if not out_i:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    i, j, d = np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)
    order = np.argsort(i * max(n, 1) + j)  # by i then j (each pair once: the key is unique)
    return i[order], j[order], d[order]


def _grid(max_km: float) -> tuple[float, np.ndarray]:
    """Band height (degrees) and the number of longitude cells of each band."""
    theta = max(max_km, _MIN_CELL_KM) / _R_MIN_KM  # the largest angle within max_km, radians
    dlat = float(np.degrees(theta)) * 1.0001
    nb = int(np.ceil(180.0 / dlat))
    b = np.arange(nb)
    # the most poleward latitude of a band and its two neighbours: any pair between them
    lo, hi = -90.0 + (b - 1) * dlat, -90.0 + (b + 2) * dlat
    phi = np.minimum(np.maximum(np.abs(lo), np.abs(hi)), 90.0)
    c = np.cos(np.radians(phi))
    # haversine: cos(lat1) cos(lat2) sin^2(dlon / 2) <= sin^2(theta / 2)
    with np.errstate(divide="ignore"):
        s = np.sin(theta / 2) / c
    dlon = np.where(s < 1, np.degrees(2 * np.arcsin(np.minimum(s, 1.0))), 360.0) * 1.0001
    ncell = np.maximum(np.floor(360.0 / dlon), 1).astype(np.int64)
    return dlat, ncell


def _chunk_pairs(slot, lat, lon, max_km, query=None) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``i < j`` (same slot, own or neighbouring cell) of one chunk; with
    ``query`` (bool per row) only those with a query row."""
    dlat, ncell = _grid(max_km)
    nb, nx = len(ncell), int(ncell.max())
    band = np.clip(np.floor((lat + 90.0) / dlat).astype(np.int64), 0, nb - 1)
    x = (lon + 180.0) % 360.0  # [0, 360)

    def cell(bands, xx):
        n = ncell[bands]
        return np.floor(xx * n / 360.0).astype(np.int64) % n, n

    own, _ = cell(band, x)
    key = (slot * nb + band) * nx + own
    order = np.argsort(key)  # (the pairs are sorted at the end)
    sk = key[order]
    qi, qk = [], []
    for dy in (-1, 0, 1):
        bb = band + dy
        ok = (bb >= 0) & (bb < nb)
        # queries in key order: the searches below then run through the keys nearly in order
        rows = order[(ok if query is None else ok & query)[order]]
        cx, n = cell(bb[rows], x[rows])
        for dx in (-1, 0, 1):
            # with fewer than 3 cells in a band, neighbours would repeat a cell
            use = (dx == 0) | ((dx == 1) & (n >= 2)) | ((dx == -1) & (n >= 3))
            r = rows[use]
            qi.append(r)
            qk.append((slot[r] * nb + bb[r]) * nx + (cx[use] + dx) % n[use])
    q_row, q_key = np.concatenate(qi), np.concatenate(qk)
    # the occupied cells: first row (in ``order``) and count of each
    first = np.flatnonzero(np.concatenate(([True], sk[1:] != sk[:-1])))
    cells, size = sk[first], np.diff(np.append(first, len(sk)))
    k = np.minimum(np.searchsorted(cells, q_key), len(cells) - 1)
    hit = cells[k] == q_key
    lo, cnt = first[k], np.where(hit, size[k], 0)
    i = np.repeat(q_row, cnt)
    pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
    j = order[pos]
    if query is None:
        keep = i < j
        return i[keep], j[keep]
    # each pair once: from its lower row when both are query rows, else from its query row
    keep = (i < j) | ((i > j) & ~query[j])
    i, j = i[keep], j[keep]
    return np.minimum(i, j), np.maximum(i, j)


# ----------------------------------------------------------------------------------------------
# encounters: only the pairs whose encounters could be kept


def _encounter_pairs(ctx, s: Slots, max_km: float, gap: int):
    """:func:`neighbour_pairs` of the slots ``s`` within ``max_km``, but only those of vessel
    pairs that could have an encounter outside the port exclusion (an encounter is a run of a
    pair's slots no more than ``gap`` slots apart).

    Slots within :func:`_cap_radius_km` of a port zone's representative point are *in its
    cap*. If vessel ``a`` of a pair is in one cap in every slot of an encounter, every
    position of it (``a``'s and ``b``'s, within ``max_km``) lies within the cap radius plus
    ``max_km`` of that point, so its mean position does too (a spherical cap is convex), and
    that is within the port exclusion of the zone: never kept. Along an encounter whose slots
    of ``a`` are each in a cap and not *marked* -- within ``gap`` slots before ``a``'s next
    slot in another cap (:func:`_cap_moves`) -- the cap cannot change (the next slot of the
    encounter is at most ``gap`` on). So only a pair with an adjacent slot where ``a`` is off
    caps or marked, and one where ``b`` is, can have an encounter kept: those slots are found
    by a neighbour search from the off-cap and marked slots alone, and then every adjacent slot
    of those pairs (:func:`_pair_slots`). Vessels moored in port, most of a busy archive's
    pairs, never leave their cap.
    """
    bad = _off_caps(ctx, s, max_km, gap)
    if bad.all():
        return neighbour_pairs(s.slot, s.lat, s.lon, max_km)
    i, j, _ = _pairs_within(s.slot, s.lat, s.lon, max_km, query=bad)
    a_first = s.code[i] < s.code[j]
    x, y = np.where(a_first, i, j), np.where(a_first, j, i)  # x: the lower vessel code
    nv = int(s.code.max()) + 1
    key = s.code[x] * nv + s.code[y]
    both = np.intersect1d(key[bad[x]], key[bad[y]])
    return _pair_slots(s, both // nv, both % nv, max_km)


def _cap_radius_km(ctx, max_km: float) -> float:
    """The radius of the port caps of :func:`_encounter_pairs`: a mean of positions within it
    plus ``max_km`` of a zone's representative point is within ``port_exclusion_km`` of the
    zone. Distances: haversine on radii of 6335-6400 km (:func:`distance_km`), the mean on
    the sphere, the port distance geodesic from the point (the zone's local frame): at most
    6400 / 6335 x 1.0004 = 1.0105 times the cap radius plus ``max_km``; taken as 1.02."""
    return ctx.params.port_exclusion_km / 1.02 - max_km


def _off_caps(ctx, s: Slots, max_km: float, gap: int) -> np.ndarray:
    """Per slot, whether it is off every port cap or marked (:func:`_encounter_pairs`)."""
    zi = ctx.zones
    radius = _cap_radius_km(ctx, max_km)
    if radius <= 0 or not len(zi) or not len(s):
        return np.ones(len(s), bool)
    label = _cap_labels(s.lat, s.lon, np.asarray(zi.rep_lat), np.asarray(zi.rep_lon), radius)
    return (label < 0) | _cap_moves(s, label, gap)


def _cap_labels(lat, lon, clat, clon, radius_km: float) -> np.ndarray:
    """Per position, the first cap (centre ``clat``, ``clon``) within ``radius_km``
    (:func:`distance_km`) of it, or -1: a latitude band per cap (by ``searchsorted``), then a
    longitude bound, then exact distances.

    Examples
    --------
    >>> _cap_labels(np.array([0.0, 0.05, 1.0]), np.zeros(3), np.array([0.0, 0.04]),
    ...             np.zeros(2), 10.0).tolist()
    [0, 0, -1]
    """
    out = np.full(len(lat), -1, np.int64)
    order = np.argsort(lat)
    slat = lat[order]
    theta = radius_km / _R_MIN_KM  # the largest angle within the radius
    dlat = float(np.degrees(theta)) * 1.0001
    for z in range(len(clat) - 1, -1, -1):  # the first cap last: it wins
        a = np.searchsorted(slat, clat[z] - dlat, side="left")
        b = np.searchsorted(slat, clat[z] + dlat, side="right")
        rows = order[a:b]
        c = np.cos(np.radians(min(abs(clat[z]) + dlat, 90.0)))
        if len(rows) and c > 0 and np.sin(theta / 2) / c < 1:
            # haversine: cos(lat1) cos(lat2) sin^2(dlon / 2) <= sin^2(theta / 2)
            dlon = np.degrees(2 * np.arcsin(np.sin(theta / 2) / c)) * 1.0001
            rows = rows[np.abs((lon[rows] - clon[z] + 180.0) % 360.0 - 180.0) <= dlon]
        d = distance_km(lat[rows], lon[rows], clat[z], clon[z])
        out[rows[d <= radius_km]] = z
    return out


def _cap_moves(s: Slots, label: np.ndarray, gap: int) -> np.ndarray:
    """Per slot, whether it is marked: its vessel's next slot in a cap is in another cap, no
    more than ``gap`` slots after its last in this one, and the slot is at most ``gap`` before
    that next one (and not after the last)."""
    n = len(s)
    width = int(s.slot.max() - s.slot.min()) + 1 + gap
    key = s.code * width + (s.slot - s.slot.min() + gap)  # (vessel, slot), room for -gap
    capped = np.flatnonzero(label >= 0)
    r = capped[stable_argsort(key[capped])]
    c, sl, lb = s.code[r], s.slot[r], label[r]
    t = np.flatnonzero((c[1:] == c[:-1]) & (lb[1:] != lb[:-1]) & (sl[1:] - sl[:-1] <= gap))
    if not len(t):
        return np.zeros(n, bool)
    order = stable_argsort(key)
    sk = key[order]
    lo = np.searchsorted(sk, key[r[t + 1]] - gap, side="left")  # from next - gap...
    hi = np.searchsorted(sk, key[r[t]], side="right")  # ...to the last slot in the cap
    cover = np.zeros(n + 1, np.int64)
    np.add.at(cover, lo, 1)
    np.add.at(cover, hi, -1)
    out = np.empty(n, bool)
    out[order] = np.cumsum(cover[:-1]) > 0
    return out


def _pair_slots(s: Slots, ca: np.ndarray, cb: np.ndarray, max_km: float):
    """:func:`neighbour_pairs` restricted to the vessel pairs ``(ca, cb)``: each slot of the
    vessel with fewer slots looked up in the other's by ``searchsorted`` on a (vessel, slot)
    key; distances as :func:`neighbour_pairs` measures them (rows in the same order)."""
    if not len(ca):
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    width = int(s.slot.max() - s.slot.min()) + 1
    key = s.code * width + (s.slot - s.slot.min())
    order = stable_argsort(key)
    sk = key[order]
    count = np.bincount(s.code, minlength=int(max(ca.max(), cb.max())) + 1)
    first = np.concatenate(([0], np.cumsum(count)))
    x = np.where(count[ca] <= count[cb], ca, cb)
    y = np.where(count[ca] <= count[cb], cb, ca)
    n = count[x]
    pair = np.repeat(np.arange(len(x)), n)
    rx = order[first[x][pair] + np.arange(len(pair)) - np.repeat(np.cumsum(n) - n, n)]
    q = y[pair] * width + (s.slot[rx] - s.slot.min())
    k = np.minimum(np.searchsorted(sk, q), len(sk) - 1)
    hit = sk[k] == q
    rx, ry = rx[hit], order[k[hit]]
    i, j = np.minimum(rx, ry), np.maximum(rx, ry)
    d = distance_km(s.lat[i], s.lon[i], s.lat[j], s.lon[j])
    keep = d <= max_km
    i, j, d = i[keep], j[keep], d[keep]
    order = np.lexsort((j, i))
    return i[order], j[order], d[order]


# ----------------------------------------------------------------------------------------------
# runs of adjacent slots


def _pair_rows(s: Slots, found, rank: np.ndarray) -> pd.DataFrame:
    """One row per (pair, slot) of ``found`` (``i, j, d_km`` of :func:`neighbour_pairs`):
    vessel codes ``a`` (lower id) and ``b``, the slot, the distance (m), both speeds and
    courses, the midpoint."""
    i, j, d = found
    swap = rank[s.code[i]] > rank[s.code[j]]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    return pd.DataFrame(
        {
            "a": s.code[i],
            "b": s.code[j],
            "slot": s.slot[i],
            "dist_m": d * 1000.0,
            "va": s.speed_kn[i],
            "vb": s.speed_kn[j],
            "ca": s.course_deg[i],
            "cb": s.course_deg[j],
            "lat_a": s.lat[i],
            "lon_a": s.lon[i],
            "lat_b": s.lat[j],
            "lon_b": s.lon[j],
        }
    )


def _runs(df: pd.DataFrame, merge_slots: float, tolerance: int = 0) -> pd.DataFrame:
    """Sort ``df`` by pair and slot and number its events in column ``event``: consecutive
    slots of a pair, runs less than ``merge_slots`` slots apart merged (0: no merging), and
    runs broken by at most ``tolerance`` failing slots joined (one interpolated position a few
    metres over the limit is GPS error, not the ships parting)."""
    df = df.sort_values(["a", "b", "slot"], kind="stable").reset_index(drop=True)
    a, b, sl = (df[c].to_numpy() for c in ("a", "b", "slot"))
    new = np.ones(len(df), bool)
    if len(df) > 1:
        same = (a[1:] == a[:-1]) & (b[1:] == b[:-1])
        gap = sl[1:] - sl[:-1]  # 1 when consecutive; runs merge when less than merge_slots apart
        new[1:] = ~same | ((gap > 1 + max(int(tolerance), 0)) & (gap >= merge_slots))
    df["event"] = np.cumsum(new) - 1
    return df


def _summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per event: pair, first/last slot, slot count, medians, mean position."""
    g = df.groupby("event", sort=True)
    out = g.agg(
        a=("a", "first"),
        b=("b", "first"),
        first=("slot", "min"),
        last=("slot", "max"),
        n=("slot", "size"),
        median_distance_m=("dist_m", "median"),
        va=("va", "median"),
        vb=("vb", "median"),
    )
    # mean position on the unit sphere (right across the antimeridian)
    lat = np.radians(np.concatenate([df["lat_a"], df["lat_b"]]))
    lon = np.radians(np.concatenate([df["lon_a"], df["lon_b"]]))
    ev = np.concatenate([df["event"], df["event"]])
    xyz = pd.DataFrame(
        {"x": np.cos(lat) * np.cos(lon), "y": np.cos(lat) * np.sin(lon), "z": np.sin(lat)}
    )
    m = xyz.groupby(ev, sort=True).mean()
    out["lat"] = np.degrees(np.arctan2(m["z"], np.hypot(m["x"], m["y"]))).to_numpy()
    out["lon"] = np.degrees(np.arctan2(m["y"], m["x"])).to_numpy()
    return out.reset_index(drop=True)


def _vessel_rank(tr) -> np.ndarray:
    """Per vessel code, its rank in ``vessel_id`` order (the pair's stable order)."""
    ids = np.asarray(tr.vessel_id, dtype=object).astype(str)
    rank = np.empty(len(ids), np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return rank


# ----------------------------------------------------------------------------------------------
# detectors


def detect_encounters(ctx) -> pd.DataFrame:
    """Encounter events (see the module docs).

    Examples
    --------
    >>> from navwatch.activity import detect_activity
    >>> t = pd.date_range("2024-12-09 00:00", periods=181, freq="1min", tz="UTC")
    >>> lat = 34.0 + np.arange(181) * 1e-6
    >>> obs = pd.DataFrame({"time": np.tile(t, 2), "lat": np.tile(lat, 2),
    ...     "lon": np.repeat([33.0, 33.003], 181), "kind": "ais",
    ...     "mmsi": pd.array(np.repeat([273000001, 273000002], 181), dtype="Int64")})
    >>> ev = detect_activity(obs, types=["encounter"])
    >>> ev[["event_type", "vessel_id", "other_vessel_id", "duration_h"]].values.tolist()
    [['encounter', 'mmsi:273000001', 'mmsi:273000002', 3.0]]
    >>> round(float(ev["median_distance_m"][0]))
    277
    """
    p = ctx.params
    s = _positions(ctx, p.resample_step_min)
    if len(s) < 2:
        return pd.DataFrame()
    max_km, merge = p.encounter_max_distance_m / 1000.0, p.encounter_merge_gap_h * 3600.0 / s.step_s
    i, j, d = _encounter_pairs(ctx, s, max_km, max(1, int(np.ceil(merge)) - 1))
    if not len(i):
        return pd.DataFrame()
    u = np.unique(np.concatenate([i, j]))  # speeds and courses of these slots only
    speed, course = np.full(len(s), np.nan), np.full(len(s), np.nan)
    speed[u], course[u] = _motion(ctx, s, u)
    s = dataclasses.replace(s, speed_kn=speed, course_deg=course)
    df = _runs(_pair_rows(s, (i, j, d), _vessel_rank(ctx.tracks)), merge)
    ev = _summary(df)
    ev["adjacent"] = ev["n"]
    ev["median_speed_kn"] = np.maximum(ev["va"], ev["vb"])
    long = (ev["last"] - ev["first"]) * s.step_s >= p.encounter_min_duration_h * 3600.0 - 1e-6
    ev = ev[long & (ev["median_speed_kn"] < p.encounter_max_median_speed_kn)]
    if not len(ev):
        return pd.DataFrame()
    port_km = ctx.zones.port_distances_km(ev["lon"].to_numpy(), ev["lat"].to_numpy())
    ev = ev[port_km > p.port_exclusion_km].assign(port_km=port_km[port_km > p.port_exclusion_km])
    if not len(ev):
        return pd.DataFrame()
    span = ev["last"] - ev["first"] + 1
    density = ev["n"] / span
    length = np.minimum(1.0, (span - 1) * s.step_s / (2 * p.encounter_min_duration_h * 3600.0))
    conf = 0.5 + 0.3 * length + 0.2 * density
    return _frame(ctx, s, ev, "encounter", conf.to_numpy(), _flags_port(ev["port_km"]))


def detect_replenishments(ctx) -> pd.DataFrame:
    """Underway replenishment events (see the module docs).

    Examples
    --------
    >>> from navwatch.activity import detect_activity
    >>> t = pd.date_range("2024-12-09 00:00", periods=61, freq="1min", tz="UTC")
    >>> lat = 34.0 + np.arange(61) * 12 * 1.852 / 60 / 111.0  # 12 kn north
    >>> obs = pd.DataFrame({"time": np.tile(t, 2), "lat": np.tile(lat, 2),
    ...     "lon": np.repeat([33.0, 33.0015], 61), "kind": "ais",
    ...     "mmsi": pd.array(np.repeat([273000001, 273000002], 61), dtype="Int64")})
    >>> ev = detect_activity(obs, types=["replenishment"])
    >>> ev[["event_type", "duration_h"]].values.tolist()
    [['replenishment', 1.0]]
    """
    p = ctx.params
    step_min = min(p.resample_step_min, p.replenishment_min_duration_min / 6.0)
    if step_min <= 0:
        step_min = p.resample_step_min
    s = _positions(ctx, step_min)
    speed, course = _motion(ctx, s)
    ok = (speed >= p.replenishment_min_speed_kn) & (speed <= p.replenishment_max_speed_kn)
    s = Slots(s.code[ok], s.slot[ok], s.lat[ok], s.lon[ok], speed[ok], course[ok], s.t0_s, s.step_s)
    ctx.release("pairs.")  # the last user: detect_activity runs encounters first
    if len(s) < 2:
        return pd.DataFrame()
    max_km = p.replenishment_max_distance_m / 1000.0
    found = neighbour_pairs(s.slot, s.lat, s.lon, max_km)
    df = _pair_rows(s, found, _vessel_rank(ctx.tracks))
    diff = np.abs((df["ca"] - df["cb"] + 180.0) % 360.0 - 180.0)
    df = df[diff <= p.replenishment_max_course_diff_deg]
    if not len(df):
        return pd.DataFrame()
    ev = _summary(_runs(df, 0, p.replenishment_tolerance_slots))
    long = (ev["last"] - ev["first"]) * s.step_s >= p.replenishment_min_duration_min * 60 - 1e-6
    ev = ev[long]
    if not len(ev):
        return pd.DataFrame()
    ev = ev.assign(
        median_speed_kn=(ev["va"] + ev["vb"]) / 2.0,
        port_km=ctx.zones.port_distances_km(ev["lon"].to_numpy(), ev["lat"].to_numpy()),
    )
    aux = _auxiliaries(ctx)
    is_aux = np.isin(np.asarray(ctx.tracks.vessel_id, dtype=object).astype(str), list(aux))
    oiler = is_aux[ev["a"].to_numpy()] | is_aux[ev["b"].to_numpy()]
    flags = np.where(oiler, "oiler", "")
    minutes = (ev["last"] - ev["first"]) * s.step_s / 60.0
    conf = np.where(oiler, 0.8, 0.6) + 0.2 * np.minimum(
        1.0, minutes / (4 * p.replenishment_min_duration_min)
    )
    return _frame(ctx, s, ev, "replenishment", conf, flags)


def _positions(ctx, step_min: float) -> Slots:
    """The screened tracks (:func:`_screened`) on slots of ``step_min``: positions only, once
    per run and step (:func:`navwatch.activity.tracks.resample_positions`)."""
    p = ctx.params

    def make() -> Slots:
        return resample_positions(_screened(ctx), step_min * 60.0, p.interpolate_max_gap_h * 3600.0)

    return ctx.shared(f"pairs.positions.{int(round(step_min * 60.0))}", make)


def _motion(ctx, s: Slots, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Speeds and courses of the slots ``s`` of :func:`_positions` (``rows`` of them), over
    ``speed_baseline_min`` (:func:`navwatch.activity.tracks.slot_motion`)."""
    p = ctx.params
    return slot_motion(
        _screened(ctx),
        s,
        p.interpolate_max_gap_h * 3600.0,
        baseline_s=p.speed_baseline_min * 60.0,
        path_step_s=p.speed_path_step_min * 60.0,
        rows=rows,
    )


def _screened(ctx) -> Tracks:
    """``ctx.tracks`` without displaced fixes: each stretch jumped out to and back from (steps
    over ``spoof_min_displacement_km`` faster than ``spoof_max_speed_kn``). The way back from
    a jump out is the first later jump of the vessel landing where it could have sailed from
    the fix before the way out and undoing at least half of it (:func:`_way_back`); jumps in between (hops between the points
    of a jamming ring) are inside the stretch. Taking each jump as a way out, the next
    plausible one as its way back, leaves a way out open after a ring (from a ring point), and
    a jump days later closes it (any place is within reach of days at the speed limit): the
    days between were dropped. Jammed vessels all report one point: left in, every pair of
    them would be an encounter. Computed once per run (``Context.shared``)."""
    return ctx.shared("pairs.screened", lambda: _screen(ctx))


def _screen(ctx) -> Tracks:
    """:func:`_screened`, computed."""
    tr, p = ctx.tracks, ctx.params
    if len(tr) < 3:
        return tr
    # the steps of the spoofing detector (integrity._segments), from the tracks' shared
    # segment distances: over the speed limit, or distinct positions in the same instant
    d = tr.segment_km()
    k = np.flatnonzero(d >= p.spoof_min_displacement_km)  # (few: the rest only there)
    d = d[k]
    hours = (tr.t[k + 1] - tr.t[k]) / (3600.0 * NS_PER_S)
    with np.errstate(divide="ignore", invalid="ignore"):
        fast = np.where(hours > 0, d / hours * KN_PER_KMH > p.spoof_max_speed_kn, d > 0)
    jumps = k[(tr.code[k + 1] == tr.code[k]) & fast]
    keep = np.ones(len(tr), bool)
    for c in np.unique(tr.code[jumps]).tolist():  # few jumps: a loop per jump
        jc = jumps[tr.code[jumps] == c]
        i = 0
        while i < len(jc) - 1:
            m = _way_back(tr, p, jc[i], jc[i + 1 :])
            if m < 0:
                i += 1
                continue
            keep[jc[i] + 1 : jc[i + 1 + m] + 1] = False
            i += m + 2
    return tr.subset(keep)


def _way_back(tr: Tracks, p, out: int, later: np.ndarray) -> int:
    """Index in ``later`` (the vessel's jumps after jump ``out``) of its way back, or -1: the
    first landing within ``spoof_min_displacement_km`` of the fix before the jump out or
    reachable from it at ``spoof_max_speed_kn`` that undoes at least half the jump out (as
    :func:`navwatch.activity.integrity._return_of`: hops between the points of a ring 30 km
    out become reachable after an hour or two, but are short); failing that, the first
    reachable landing (a ship sailing toward the point its AIS is sent to comes back a shorter
    way than it went)."""
    a = tr.lat[out], tr.lon[out]
    back = distance_km(a[0], a[1], tr.lat[later + 1], tr.lon[later + 1])
    hours = np.maximum(tr.t[later + 1] - tr.t[out], 1) / (3600.0 * 1e9)
    ok = (back < p.spoof_min_displacement_km) | (back / 1.852 / hours <= p.spoof_max_speed_kn)
    size = distance_km(tr.lat[later], tr.lon[later], tr.lat[later + 1], tr.lon[later + 1])
    away = float(distance_km(a[0], a[1], tr.lat[out + 1], tr.lon[out + 1]))
    hit = np.flatnonzero(ok & (size >= away / 2))
    if not len(hit):
        hit = np.flatnonzero(ok)
    return int(hit[0]) if len(hit) else -1


def _auxiliaries(ctx) -> set[str]:
    """Registry vessel ids whose type or class names an oiler or auxiliary."""
    reg = ctx.registry
    if reg is None or not len(reg.frame):
        return set()
    f = reg.frame
    text = pd.Series("", index=f.index, dtype=object)
    for col in ("type", "vessel_class"):
        if col in f.columns:
            text = text + " " + f[col].fillna("").astype(str)
    hit = text.str.contains(_AUXILIARY)
    return set(f.loc[hit.to_numpy(dtype=bool), "vessel_id"].astype(str))


def _flags_port(port_km: pd.Series) -> np.ndarray:
    return np.where(np.isfinite(port_km.to_numpy()), "", "no_port_nearby")


def _frame(ctx, s: Slots, ev: pd.DataFrame, kind: str, conf, flags) -> pd.DataFrame:
    """The events table rows of ``ev`` (from :func:`_summary`)."""
    tr = ctx.tracks
    a, b = ev["a"].to_numpy(), ev["b"].to_numpy()
    t_first, t_last = s.time_ns(ev["first"].to_numpy()), s.time_ns(ev["last"].to_numpy())
    # the fixes nearest the start and end of both vessels, for all events at once
    rows = _nearest_fixes(
        tr, np.concatenate([a, b, a, b]), np.concatenate([t_first] * 2 + [t_last] * 2)
    )
    lab = np.asarray(ctx.evidence(rows), dtype=object).reshape(4, len(ev))
    evidence = [
        f"{int(n)} of {int(last - first + 1)} slots within range ({s.step_s // 60} min); "
        f"start {sa} / {sb}; end {ea} / {eb}"
        for n, first, last, sa, sb, ea, eb in zip(
            ev["n"].to_numpy(), ev["first"].to_numpy(), ev["last"].to_numpy(), *lab, strict=True
        )
    ]
    port_km = ev["port_km"].to_numpy()

    def mmsi(c):
        return pd.array(tr.mmsi[c], dtype="Float64").astype("Int64")

    return pd.DataFrame(
        {
            "event_type": kind,
            "vessel_id": tr.vessel_id[a],
            "vessel_name": tr.vessel_name[a],
            "mmsi": mmsi(a),
            "other_vessel_id": tr.vessel_id[b],
            "other_vessel_name": tr.vessel_name[b],
            "other_mmsi": mmsi(b),
            "start": pd.to_datetime(t_first, utc=True),
            "end": pd.to_datetime(t_last, utc=True),
            "lat": ev["lat"].to_numpy(),
            "lon": ev["lon"].to_numpy(),
            "confidence": np.round(np.asarray(conf, dtype="float64"), 3),
            "evidence": evidence,
            "flags": flags,
            "distance_from_port_km": np.where(np.isfinite(port_km), port_km, np.nan),
            "median_distance_m": ev["median_distance_m"].to_numpy(),
            "median_speed_kn": ev["median_speed_kn"].to_numpy(),
        }
    )


def _nearest_fixes(tr, codes: np.ndarray, t_ns: np.ndarray) -> np.ndarray:
    """Per (vessel code, time): the observation row of that vessel's fix nearest in time (the
    earlier of two as near); one ``searchsorted`` per vessel.

    Examples
    --------
    >>> from navwatch.activity.tracks import Tracks
    >>> tr = Tracks(np.array([0, 0, 0, 1]), np.array([0, 10, 20, 5]), np.zeros(4), np.zeros(4),
    ...             np.zeros(4), np.array([7, 8, 9, 6]), np.array([0, 3, 4]), np.array(["a", "b"]),
    ...             np.array(["", ""]), np.ones(2))
    >>> _nearest_fixes(tr, np.array([0, 0, 1, 0]), np.array([14, 15, 99, -3])).tolist()
    [8, 8, 6, 7]
    """
    out = np.empty(len(codes), np.int64)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for idx in np.split(order, bounds):
        if not len(idx):
            continue
        c = int(codes[idx[0]])
        lo, hi = int(tr.start[c]), int(tr.start[c + 1])
        tq = np.asarray(t_ns[idx], dtype=np.int64)
        k = lo + np.searchsorted(tr.t[lo:hi], tq)
        before, after = np.maximum(k - 1, lo), np.minimum(k, hi - 1)
        use_before = (k - 1 >= lo) & (
            (k >= hi) | (np.abs(tr.t[before] - tq) <= np.abs(tr.t[after] - tq))
        )
        out[idx] = tr.row[np.where(use_before, before, after)]
    return out
