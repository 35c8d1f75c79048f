"""The world: sea regions and the ports in them, with their nested zones."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import shapely

from .geometry import _Frame, _lonlat_polygon, _Port, _Zone
from .names import _port_name


def _make_ports(rng, n_ports: int, high_latitude: bool, antimeridian: bool):
    """The regions' local frames, the ports and their zones (polygons built)."""
    n_regions = 1 if n_ports < 5 else 2 if n_ports < 9 else 3
    frames, centres = _make_regions(rng, n_regions, high_latitude, antimeridian)
    region_of = np.sort(np.arange(n_ports) % n_regions)
    ports: list[_Port] = []
    zones: list[_Zone] = []
    names: set[str] = set()
    region_radius = [float(rng.uniform(120e3, 450e3)) for _ in range(n_regions)]
    big_zone = False
    for i in range(n_ports):
        r = int(region_of[i])
        name, aliases = _unique_port_name(rng, names)
        shapes = _port_shapes(rng)
        if max(s[3] for s in shapes) >= 6e3:
            big_zone = True
        x, y = _port_site(rng, i, r, shapes, frames, centres, region_radius, ports, antimeridian)
        pz = []
        for rank, (tier, ox, oy, a, b, th_) in enumerate(shapes):
            z = _Zone(len(zones), i, tier, rank, x + ox, y + oy, a, b, th_, r)
            zones.append(z)
            pz.append(z)
        ports.append(_Port(i, name, aliases, r, x, y, pz))
    # at least one large zone, for long passes and gaps inside a zone
    if not big_zone and ports:
        z = ports[-1].outer
        grow = float(rng.uniform(8e3, 14e3)) / z.bound
        z.a *= grow
        z.b *= grow
    for z in zones:
        xs, ys = z.vertices()
        z.local = shapely.Polygon(np.column_stack([xs, ys]))
        lon, lat = frames[z.region].lonlat(xs, ys)
        z.geom = _lonlat_polygon(lon, lat)
    return frames, ports, zones


def _make_regions(rng, n_regions: int, high_latitude: bool, antimeridian: bool):
    """Each region's local frame and centre (lat, lon): the first on the antimeridian on request."""
    frames, centres = [], []
    for r in range(n_regions):
        lat0 = float(rng.uniform(-50, 62))
        lon0 = float(rng.uniform(-180, 180))
        if antimeridian and r == 0:
            lon0 = float(180.0 - rng.uniform(-0.4, 0.4))
            lon0 = (lon0 + 180.0) % 360.0 - 180.0
        if high_latitude and r == (1 if n_regions > 1 and antimeridian else 0):
            lat0 = (
                float(rng.uniform(66, 78)) if rng.random() < 0.8 else float(rng.uniform(-70, -62))
            )
        frames.append(_Frame(lat0, lon0))
        centres.append((lat0, lon0))
    return frames, centres


def _unique_port_name(rng, names: set[str]) -> tuple[str, list[str]]:
    """A port name and aliases, unlike those in ``names`` (which it joins) and any tier's name."""
    while True:
        name, aliases = _port_name(rng)
        key = re.sub(r"[^a-z]", "", name.lower())
        if key not in names and key not in ("harbour", "anchorage", "operatingarea"):
            names.add(key)
            return name, aliases


def _port_shapes(rng) -> list[tuple[str, float, float, float, float, float]]:
    """A port's one to three nested zones: ``(tier, dx, dy, a, b, theta)`` from its centre."""
    n_tiers = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
    shapes = []
    if n_tiers == 1:
        ra = float(np.exp(rng.uniform(np.log(0.5e3), np.log(15e3))))
    else:
        ra = float(np.exp(rng.uniform(np.log(0.5e3), np.log(4e3))))
    rb = ra * (float(rng.uniform(0.45, 0.9)) if rng.random() < 0.3 else 1.0)
    th = float(rng.uniform(0, math.pi))
    shapes.append(("harbour", 0.0, 0.0, ra, rb, th))
    inner_bound = ra
    for k in range(1, n_tiers):
        lo = inner_bound + 1.5e3
        if lo >= 14.5e3:
            break
        big = float(rng.uniform(lo, min(15e3, max(lo + 1e3, 3 * inner_bound + 3e3))))
        small = big * (float(rng.uniform(0.75, 1.0)) if rng.random() < 0.3 else 1.0)
        small = max(small, inner_bound + 1.2e3)
        big = max(big, small)
        # centre offset towards the sea, keeping the inner zones inside with >= 300 m to spare
        slack = small - inner_bound - 800.0
        off = float(rng.uniform(0, max(slack, 0.0)))
        ang = float(rng.uniform(0, 2 * math.pi))
        shapes.append(
            (
                "anchorage" if k == 1 else "operating_area",
                off * math.cos(ang),
                off * math.sin(ang),
                big,
                small,
                float(rng.uniform(0, math.pi)),
            )
        )
        inner_bound = off + big
    return shapes


def _port_site(rng, i, r, shapes, frames, centres, region_radius, ports, antimeridian):
    """Where port ``i`` goes in region ``r``: away from the others (the first may straddle 180)."""
    bound = max(math.hypot(s[1], s[2]) + max(s[3], s[4]) for s in shapes)
    for attempt in range(500):
        if antimeridian and r == 0 and i == 0:
            lat_t = centres[0][0] + float(rng.uniform(-0.5, 0.5))
            lon_t = (
                179.999 - float(rng.uniform(0, 0.6)) * bound / 111e3
                if rng.random() < 0.5
                else -179.999 + float(rng.uniform(0, 0.6)) * bound / 111e3
            )
            xa, ya = frames[r].xy(lon_t, lat_t)
            x, y = float(xa), float(ya)
        else:
            rad = region_radius[r] * math.sqrt(float(rng.random()))
            ang = float(rng.uniform(0, 2 * math.pi))
            x, y = rad * math.cos(ang), rad * math.sin(ang)
        ok = all(
            p.region != r
            or math.hypot(p.cx - x, p.cy - y) > p.bound + bound + 20e3 + 5e3 * attempt / 500
            for p in ports
        )
        if ok:
            break
    return x, y


def _zones_frame(ports: list[_Port], zones: list[_Zone]) -> gpd.GeoDataFrame:
    rows = []
    for z in zones:
        p = ports[z.port]
        circle = abs(z.a - z.b) < 1e-6
        rows.append(
            {
                "port": p.name,
                "tier": z.tier,
                "tier_rank": z.rank,
                "country": "",
                "locode": "",
                "aliases": "|".join(p.aliases),
                "radius_km": z.a / 1000 if circle else np.nan,
                "source": f"navwatch.simulate ({'circle' if circle else 'ellipse'} {z.a / 1000:.2f} km)",
                "geometry": z.geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    for c in ("port", "tier", "country", "locode", "aliases", "source"):
        gdf[c] = gdf[c].astype(object)
    gdf["tier_rank"] = gdf["tier_rank"].astype("int64")
    return gdf
