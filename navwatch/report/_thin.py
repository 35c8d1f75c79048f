"""Track thinning for map reports: few points per vessel, the shape and the evidence kept.

A report draws every vessel's track and replays it with a time slider, so what it needs from a
track is its *shape* (where the vessel went) and its *timing* (when it was where), not every fix.
:func:`thin_tracks` keeps, per vessel:

1. **mandatory points**: the first and last fix and every row flagged in ``keep`` (the report
   flags the evidence that brackets a port event, every change of port state, and every
   sighting or survey — these are never thinned away);
2. **shape**: the vertices Douglas-Peucker keeps at ``tolerance_m`` (``shapely.simplify`` on the
   track projected to local metres, equirectangular about the vessel's mean latitude): a ship
   moored for days with GPS jitter collapses to a few points, a straight passage to its ends;
3. **timing**: the first fix of every ``bucket_min`` time bucket, so the replay never jumps more
   than one bucket at a time where the vessel was reporting.

A vessel still over ``max_points`` is thinned again with the tolerance and the bucket doubled
(up to 8 times), then by even subsampling of the non-mandatory points. All of it is vectorised
over vessels (one ``shapely.simplify`` call over an array of line strings per round).
"""

from __future__ import annotations

import numpy as np
import shapely

from ..errors import ConfigError
from ..geodesy import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR

M_PER_DEG_LAT = KM_PER_DEG_LAT * 1000.0
M_PER_DEG_LON_EQUATOR = KM_PER_DEG_LON_EQUATOR * 1000.0


def _group_bounds(vessel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of equal ``vessel`` codes."""
    n = len(vessel)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    cut = np.flatnonzero(vessel[1:] != vessel[:-1]) + 1
    starts = np.concatenate([[0], cut]).astype(np.int64)
    ends = np.concatenate([cut, [n]]).astype(np.int64)
    return starts, ends


def _dp_keep(
    x: np.ndarray, y: np.ndarray, group: np.ndarray, rows: np.ndarray, tolerance_m: float
) -> np.ndarray:
    """Row indices Douglas-Peucker keeps, per group of >= 2 points.

    The row index rides along as the Z coordinate (GEOS keeps Z on the vertices it keeps), so
    the kept vertices map back to rows exactly, duplicates and all.
    """
    if not len(rows):
        return np.empty(0, np.int64)
    coords = np.column_stack([x, y, rows.astype(np.float64)])
    compact = np.unique(group, return_inverse=True)[1]  # shapely wants indices 0..k-1
    lines = shapely.linestrings(coords, indices=compact)
    simple = shapely.simplify(lines, tolerance_m, preserve_topology=False)
    return shapely.get_coordinates(simple, include_z=True)[:, 2].astype(np.int64)


def thin_tracks(
    vessel: np.ndarray,
    time_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    keep: np.ndarray | None = None,
    *,
    tolerance_m: float = 50.0,
    bucket_min: float = 60.0,
    max_points: int = 1000,
) -> np.ndarray:
    """Boolean mask of the track points to draw.

    Parameters
    ----------
    vessel : array of int
        Vessel code of each point; rows must be sorted by vessel, then time.
    time_s : array of int or float
        Time of each point, in seconds (any epoch).
    lat, lon : arrays of float
        Position in degrees (WGS84).
    keep : array of bool, optional
        Points that must be kept (evidence of events, state changes, non-AIS evidence).
    tolerance_m : float
        Douglas-Peucker tolerance in metres.
    bucket_min : float
        Keep at least the first point of every time bucket of this many minutes.
    max_points : int
        Target maximum number of points per vessel (mandatory points are always kept, even
        beyond it).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> v = np.zeros(1000, dtype=int)
    >>> t = np.arange(1000) * 60
    >>> lat = np.full(1000, 34.9) + np.random.default_rng(0).normal(0, 1e-5, 1000)  # moored
    >>> lon = np.full(1000, 35.8)
    >>> m = thin_tracks(v, t, lat, lon, bucket_min=240)
    >>> bool(m[0] and m[-1]), int(m.sum()) <= 10
    (True, True)
    """
    n = len(vessel)
    vessel = np.asarray(vessel)
    time_s = np.asarray(time_s, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    if n == 0:
        return np.zeros(0, dtype=bool)
    if tolerance_m < 0 or bucket_min <= 0 or max_points < 2:
        raise ConfigError("thin_tracks: need tolerance_m >= 0, bucket_min > 0 and max_points >= 2")
    starts, ends = _group_bounds(vessel)
    sizes = ends - starts
    group = np.repeat(np.arange(len(starts)), sizes)

    mandatory = np.zeros(n, dtype=bool) if keep is None else np.asarray(keep, dtype=bool).copy()
    mandatory[starts] = True
    mandatory[ends - 1] = True

    # local metric projection per vessel (equirectangular about its mean latitude)
    mean_lat = np.add.reduceat(lat, starts) / sizes
    coslat = np.cos(np.radians(mean_lat))[group]
    x = lon * M_PER_DEG_LON_EQUATOR * coslat
    y = lat * M_PER_DEG_LAT
    rows = np.arange(n, dtype=np.int64)

    def select(sel_groups: np.ndarray, tol_m: float, bucket_s: float) -> np.ndarray:
        """Mask (over all rows) of DP + bucket points of the vessels in ``sel_groups``."""
        in_sel = np.isin(group, sel_groups)
        m = np.zeros(n, dtype=bool)
        multi = in_sel & (sizes[group] >= 2)
        if multi.any():
            m[_dp_keep(x[multi], y[multi], group[multi], rows[multi], float(tol_m))] = True
        # first point of each (vessel, bucket)
        b = np.floor(time_s / bucket_s)
        first_in_bucket = np.ones(n, dtype=bool)
        first_in_bucket[1:] = (b[1:] != b[:-1]) | (group[1:] != group[:-1])
        m |= first_in_bucket & in_sel
        return m

    kept = mandatory | select(np.arange(len(starts)), tolerance_m, bucket_min * 60.0)
    tol, bucket_s = tolerance_m, bucket_min * 60.0
    for _ in range(8):
        counts = np.bincount(group, weights=kept, minlength=len(starts))
        over = np.flatnonzero(counts > max_points)
        if not len(over):
            return kept
        tol, bucket_s = max(tol * 2.0, 10.0), bucket_s * 2.0
        redo = np.isin(group, over)
        kept[redo] = mandatory[redo] | select(over, tol, bucket_s)[redo]

    # last resort: even subsample of the optional points of vessels still over the cap
    counts = np.bincount(group, weights=kept, minlength=len(starts))
    for g in np.flatnonzero(counts > max_points):
        lo, hi = starts[g], ends[g]
        opt = np.flatnonzero(kept[lo:hi] & ~mandatory[lo:hi]) + lo
        room = max(max_points - int(mandatory[lo:hi].sum()), 0)
        kept[opt] = False
        if room and len(opt):
            kept[opt[np.linspace(0, len(opt) - 1, room).round().astype(np.int64)]] = True
    return kept
