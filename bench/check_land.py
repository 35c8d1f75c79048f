"""Quality check: the offline report's land layer against GSHHG's full-resolution shoreline.

Run:  .venv/bin/python bench/check_land.py [--budget 3000000] [--repeat 3]

For each extent (Tartus harbour, Tartus with its anchorage, the Eastern Mediterranean, Boston
harbour, the English Channel, Fiji across the antimeridian, the world) it builds the land layer
with :func:`navwatch.report._land.land_layer` -- the Tartus, Eastern-Mediterranean and Boston
extents with a detail area (the port's harbour zone buffered by 5 km), as a report would --
and prints:

* time:      wall time of a later call (best of ``--repeat``) and of the first call in this
             process (which also reads GSHHG's metadata: ~0.4 s for the full resolution);
* size:      vertices and bytes of the compact JSON the page embeds, against the budget;
* tolerance: the coarse one (outside the detail areas) and the fine one, ground metres;
* Hausdorff: between the land's boundary and the reference's -- GSHHG's full resolution (the
             high one for the world) clipped to the same window, every polygon of every level,
             no overlay -- in metres: the largest distance from a vertex of either to the
             other's boundary, in the local azimuthal-equidistant frame of the window's centre
             (``navwatch.geodesy``; for the world Web Mercator scaled by the cosine of the
             latitude). Printed: over everything, with its 99th percentile (islands and lakes
             dropped under a tolerance square make the maximum); for the sea coast of the
             polygons over 4 tolerance squares (what simplification should keep: above 100 m
             Douglas-Peucker also drops inlets narrower than the tolerance, e.g. the Golden
             Horn); and inside the detail areas (200 m clear of their edge).

For Tartus it then checks the harbour at zoom-12 detail: the water basin between the two moles
(the point 35.870 E 34.9086 N, ~280 m from each) is water, 2 km inland is land, 3 km offshore is
water, and it prints the basin's water area in the layer against the full resolution.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely

from navwatch.geodesy import KM_PER_DEG_LON_EQUATOR, buffer_km, local_frame
from navwatch.report import _land

HARBOUR = shapely.box(35.848, 34.88, 35.886, 34.925)  # navwatch/data/ports.geojson, Tartus
BOSTON = shapely.box(-71.06, 42.33, -70.98, 42.37)
CASES = [
    ("Tartus harbour", [[34.88, 35.848], [34.925, 35.886]], [buffer_km(HARBOUR, 5.0)]),
    ("Tartus + anchorage", [[34.81, 35.70], [35.06, 35.89]], [buffer_km(HARBOUR, 5.0)]),
    ("East Mediterranean", [[30.0, 25.0], [38.0, 37.0]], [buffer_km(HARBOUR, 5.0)]),
    ("Boston harbour", [[42.30, -71.08], [42.40, -70.90]], [buffer_km(BOSTON, 5.0)]),
    ("English Channel", [[50.0, -1.0], [52.0, 1.0]], None),
    ("Fiji (antimeridian)", [[-20.0, 175.0], [-14.0, -178.0]], None),
    ("world", [[-60.0, -170.0], [70.0, 170.0]], None),
]
BASIN = (35.8700, 34.9086)  # between the moles
INLAND = (35.8980, 34.9086)  # 2 km east of the harbour's shore
OFFSHORE = (35.8310, 34.9086)  # 3 km west of the north mole's tip


def _to_metric(geom, window: _land.Window):
    """``geom`` in metres: the window's AEQD frame, or for a world window Web Mercator scaled by
    the cosine of each point's latitude (distances then hold locally, which is what we need)."""
    if window.width < 60:
        f = local_frame((window.west + window.east) / 2, (window.south + window.north) / 2)
        return shapely.transform(f.to_local(geom), lambda c: c * 1000.0)

    def merc(c: np.ndarray) -> np.ndarray:
        k = KM_PER_DEG_LON_EQUATOR * 1000.0
        y = np.degrees(np.log(np.tan(np.radians(c[:, 1]) / 2 + np.pi / 4)))
        return np.column_stack([c[:, 0] * k, y * k])

    return shapely.transform(geom, merc)


def directed_m(pts, segs, window: _land.Window) -> np.ndarray:
    """Per point (lon/lat shapely points), its distance in metres to the nearest segment."""
    if not len(pts):
        return np.zeros(0)
    if not len(segs):
        return np.full(len(pts), np.inf)
    lat = shapely.get_coordinates(pts)[:, 1]
    tree = shapely.STRtree(_to_metric(segs, window))
    _, d = tree.query_nearest(_to_metric(pts, window), return_distance=True, all_matches=False)
    if window.width >= 60:
        d = d * np.cos(np.radians(lat))
    return d


def _vertices(geoms, within=None, most: int = 0) -> np.ndarray:
    pts = shapely.points(shapely.get_coordinates(shapely.boundary(geoms)))
    if within is not None:
        pts = pts[shapely.contains(within, pts)]
    if most and len(pts) > most:  # a random sample (the world's reference has ~2 M)
        pts = np.random.default_rng(0).choice(pts, most, replace=False)
    return pts


def compare(layer: _land.LandLayer, ref_res: str) -> dict[str, float]:
    """Distances between the layer's boundary and the reference's (GSHHG ``ref_res`` clipped to
    the window: every polygon of every level, no overlay), metres."""
    w = layer.window
    levels = _land._clipped_parts(w, ref_res, 0.0, None)
    parts = np.concatenate(list(levels.values()))
    parts = parts[~shapely.is_empty(parts)]
    ref_segs, out_segs = _segments(parts), _segments(layer.geometry)
    # the sea coast (land and Antarctica, not lakes) of the polygons over 4 tolerance squares
    tol = layer.coarse_m / (
        KM_PER_DEG_LON_EQUATOR * 1000.0 * np.cos(np.radians((w.south + w.north) / 2))
    )
    coast = np.concatenate([levels.get(k, np.empty(0, object)) for k in (1, 5)])
    coast = shapely.get_parts(coast[~shapely.is_empty(coast)])
    coast = coast[shapely.area(_land._to_merc(coast)) >= 4 * tol * tol]
    to_ref = directed_m(_vertices(layer.geometry), ref_segs, w)
    from_all = directed_m(_vertices(parts, most=200_000), out_segs, w)
    from_coast = directed_m(_vertices(coast, most=200_000), out_segs, w)
    out = {
        "all": float(max(to_ref.max(initial=0), from_all.max(initial=0))),
        "all_p99": float(np.percentile(np.concatenate([to_ref, from_all]), 99)),
        "coast": float(max(to_ref.max(initial=0), from_coast.max(initial=0))),
        "coast_p99": float(np.percentile(np.concatenate([to_ref, from_coast]), 99)),
        "ref_vertices": int(shapely.get_num_coordinates(parts).sum()),
    }
    if not layer.detail.is_empty:
        inner = buffer_km(layer.detail, -0.2)  # clear of the detail areas' edge
        a = directed_m(_vertices(layer.geometry, inner), ref_segs, w)
        b = directed_m(_vertices(parts, inner), out_segs, w)
        out["detail"] = float(max(a.max(initial=0), b.max(initial=0)))
    return out


def _segments(geoms) -> np.ndarray:
    """The boundaries of ``geoms`` as an array of two-point linestrings."""
    out = []
    for ring in shapely.get_parts(shapely.get_parts(shapely.boundary(geoms))):
        c = shapely.get_coordinates(ring)
        if len(c) > 1:
            out.append(np.stack([c[:-1], c[1:]], axis=1))
    if not out:
        return np.empty(0, dtype=object)
    return shapely.linestrings(np.concatenate(out))


def timed(bounds, detail, budget: int, repeat: int) -> tuple[_land.LandLayer, float]:
    best = np.inf
    layer = None
    for _ in range(repeat):
        t = time.perf_counter()
        layer = _land.land_layer(bounds, detail_areas=detail, budget_bytes=budget)
        best = min(best, time.perf_counter() - t)
    assert layer is not None
    return layer, best


def tartus_harbour(layer: _land.LandLayer) -> None:
    geom = layer.geometry
    full = _land.clipped_land(layer.window)

    def land(p) -> str:
        return "land" if shapely.contains_xy(geom, *p) else "water"

    print(f"  basin between the moles {BASIN}: {land(BASIN)} (want water)")
    print(f"  2 km inland {INLAND}: {land(INLAND)} (want land)")
    print(f"  3 km offshore {OFFSHORE}: {land(OFFSHORE)} (want water)")
    # the basin: water in the box spanning the moles, the part connected to BASIN
    box = shapely.box(35.862, 34.9035, 35.8775, 34.9125)
    for name, g in (("layer", geom), ("full", full)):
        water = [p for p in shapely.get_parts(box - g) if shapely.contains_xy(p, *BASIN)]
        area = sum(float(shapely.area(_to_metric(p, layer.window))) for p in water)
        print(f"  basin water in the moles' box, {name}: {area / 1e4:.1f} ha")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=_land.DEFAULT_BUDGET_BYTES)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    why = _land.why_no_land()
    if why:
        raise SystemExit(why)
    for name, bounds, detail in CASES:
        t = time.perf_counter()
        _land.land_layer(bounds, detail_areas=detail, budget_bytes=args.budget)
        first = time.perf_counter() - t
        layer, best = timed(bounds, detail, args.budget, args.repeat)
        ref = "h" if name == "world" else "f"
        c = compare(layer, ref)
        print(
            f"{name}: {best:.3f} s (first {first:.3f} s), {layer.vertices:,} vertices, "
            f"{layer.nbytes:,} B of {args.budget:,}; GSHHG '{layer.res}', tolerance "
            f"{layer.coarse_m:,.0f} m (detail areas {layer.fine_m:,.0f} m)"
        )
        line = (
            f"  vs GSHHG '{ref}' ({c['ref_vertices']:,} vertices): Hausdorff {c['all']:,.0f} m "
            f"(p99 {c['all_p99']:,.0f} m); sea coast of features over 4 tolerance squares "
            f"{c['coast']:,.0f} m (p99 {c['coast_p99']:,.0f} m)"
        )
        if "detail" in c:
            line += f"; in the detail areas {c['detail']:,.0f} m"
        print(line)
        if name == "Tartus harbour":
            tartus_harbour(layer)


if __name__ == "__main__":
    main()
