"""Geometry of the simulated world: local frames, zones and ports, and zone membership."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from ..geodesy import EARTH_RADIUS_KM

_NV = 128  # vertices per zone polygon
_STEP = 2 * math.pi / _NV


class _Frame:
    """A local azimuthal-equidistant frame (metres) centred on a region.

    Spherical (R = :data:`navwatch.geodesy.EARTH_RADIUS_KM`, the mean Earth radius): the
    simulated world is this sphere. Every point's local distance from the centre is its
    great-circle distance, and local distances between nearby points agree with spherical
    haversine distances to within 0.3 % over the 600 km of a region (with the detector's
    ellipsoidal :func:`navwatch.geodesy.distance_km`, to within about 0.5 %). Zone polygons and fixes go
    through the same mapping, so membership is exact whatever the projection's distortion.
    """

    R = EARTH_RADIUS_KM * 1000.0  # metres

    def __init__(self, lat0: float, lon0: float):
        self.lat0, self.lon0 = lat0, lon0
        self.p0, self.l0 = math.radians(lat0), math.radians(lon0)

    def lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        rho = np.hypot(x, y)
        c = rho / self.R
        sc, cc = np.sin(c), np.cos(c)
        sp0, cp0 = math.sin(self.p0), math.cos(self.p0)
        with np.errstate(invalid="ignore", divide="ignore"):
            lat = np.arcsin(np.clip(cc * sp0 + np.where(rho > 0, y * sc * cp0 / rho, 0.0), -1, 1))
        lon = self.l0 + np.arctan2(x * sc, rho * cp0 * cc - y * sp0 * sc)
        lon = np.degrees(lon)
        return (lon + 180.0) % 360.0 - 180.0, np.degrees(lat)

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        lam = np.radians(np.asarray(lon, dtype="float64")) - self.l0
        phi = np.radians(np.asarray(lat, dtype="float64"))
        sp0, cp0 = math.sin(self.p0), math.cos(self.p0)
        cosc = np.clip(sp0 * np.sin(phi) + cp0 * np.cos(phi) * np.cos(lam), -1, 1)
        c = np.arccos(cosc)
        k = np.where(c > 1e-12, c / np.sin(np.maximum(c, 1e-12)), 1.0)
        return (
            self.R * k * np.cos(phi) * np.sin(lam),
            self.R * k * (cp0 * np.sin(phi) - sp0 * np.cos(phi) * np.cos(lam)),
        )


@dataclass
class _Zone:
    idx: int
    port: int
    tier: str
    rank: int
    cx: float
    cy: float
    a: float
    b: float
    theta: float
    region: int
    local: shapely.Polygon | None = None
    geom: object = None

    def local_polygon(self) -> shapely.Polygon:
        """:attr:`local`, which is set when the world is built."""
        assert self.local is not None
        return self.local

    def norm(self, x, y):
        dx, dy = np.asarray(x) - self.cx, np.asarray(y) - self.cy
        c, s = math.cos(self.theta), math.sin(self.theta)
        return (dx * c + dy * s) / self.a, (-dx * s + dy * c) / self.b

    def margin(self, x, y) -> np.ndarray:
        """Signed distance-like margin to the polygon (positive inside); exact sign for the
        128-gon in the local frame, magnitude a lower bound of the distance in metres."""
        u, v = self.norm(x, y)
        phi = np.arctan2(v, u) % (2 * math.pi)
        mid = (np.floor(phi / _STEP) + 0.5) * _STEP
        proj = u * np.cos(mid) + v * np.sin(mid)
        return (math.cos(_STEP / 2) - proj) * min(self.a, self.b)

    def vertices(self) -> tuple[np.ndarray, np.ndarray]:
        t = np.arange(_NV) * _STEP
        u, v = self.a * np.cos(t), self.b * np.sin(t)
        c, s = math.cos(self.theta), math.sin(self.theta)
        return self.cx + u * c - v * s, self.cy + u * s + v * c

    @property
    def bound(self) -> float:
        return max(self.a, self.b)


@dataclass
class _Port:
    idx: int
    name: str
    aliases: list[str]
    region: int
    cx: float
    cy: float
    zones: list[_Zone]

    @property
    def harbour(self) -> _Zone:
        return self.zones[0]

    @property
    def outer(self) -> _Zone:
        return self.zones[-1]

    @property
    def bound(self) -> float:
        """Radius of a circle around the port centre containing every zone of the port."""
        z = self.outer
        return math.hypot(z.cx - self.cx, z.cy - self.cy) + z.bound


def _lonlat_polygon(lon: np.ndarray, lat: np.ndarray):
    """A lon/lat polygon from a ring, split at the antimeridian when it straddles it."""
    if lon.max() - lon.min() <= 180:
        return shapely.Polygon(np.column_stack([lon, lat]))
    lon = np.where(lon < 0, lon + 360.0, lon)
    poly = shapely.Polygon(np.column_stack([lon, lat]))
    west = shapely.intersection(poly, shapely.box(-180, -90, 180, 90))
    east = shapely.intersection(poly, shapely.box(180, -90, 540, 90))
    east = shapely.transform(east, lambda c: c - np.array([360.0, 0.0]))
    parts = [g for g in (west, east) if not g.is_empty]
    return shapely.MultiPolygon([p for g in parts for p in shapely.get_parts(g)])


def _ray_exit(z: _Zone, x: float, y: float, ux: float, uy: float) -> float:
    """Distance along the ray (x, y) + s (ux, uy) to the zone's ellipse (the point is inside)."""
    u0, v0 = z.norm(x, y)
    c, s = math.cos(z.theta), math.sin(z.theta)
    du, dv = (ux * c + uy * s) / z.a, (-ux * s + uy * c) / z.b
    A = du * du + dv * dv
    B = 2 * (u0 * du + v0 * dv)
    C = u0 * u0 + v0 * v0 - 1
    disc = max(B * B - 4 * A * C, 0.0)
    return (-B + math.sqrt(disc)) / (2 * A)


def _membership(
    x: np.ndarray,
    y: np.ndarray,
    zones: list[_Zone],
    region: int,
    frame: _Frame,
    lon: np.ndarray | None = None,
    lat: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Port index and innermost tier rank of the zone containing each point (-1, -1 outside),
    decided on the lon/lat polygons (the local test is exact up to a sub-metre band)."""
    port = np.full(len(x), -1, np.int32)
    rank = np.full(len(x), -1, np.int32)
    by_port: dict[int, list[_Zone]] = {}
    for z in zones:
        if z.region == region:
            by_port.setdefault(z.port, []).append(z)
    for pz in by_port.values():
        x0 = min(z.cx - z.bound for z in pz) - 10
        x1 = max(z.cx + z.bound for z in pz) + 10
        y0 = min(z.cy - z.bound for z in pz) - 10
        y1 = max(z.cy + z.bound for z in pz) + 10
        near_p = np.flatnonzero((x > x0) & (x < x1) & (y > y0) & (y < y1))
        if not len(near_p):
            continue
        xp, yp = x[near_p], y[near_p]
        for z in sorted(pz, key=lambda z: -z.rank):  # outer first: the innermost wins
            sub = np.flatnonzero(
                (np.abs(xp - z.cx) < z.bound + 10) & (np.abs(yp - z.cy) < z.bound + 10)
            )
            if not len(sub):
                continue
            near = near_p[sub]
            m = z.margin(xp[sub], yp[sub])
            inside = m > 0
            band = np.abs(m) < 1.0
            if band.any():
                b = near[band]
                if lon is None or lat is None:  # given together
                    blon, blat = frame.lonlat(x[b], y[b])
                else:
                    blon, blat = lon[b], lat[b]
                inside[band] = shapely.contains_xy(z.geom, blon, blat)
            hit = near[inside]
            port[hit] = z.port
            rank[hit] = z.rank
    return port, rank
