"""Port zones prepared for use: the one zones model of detection, dispersal, reports and alerts.

:class:`ZoneIndex` wraps a zones table (:func:`navwatch.ports.load_ports`) and answers everything
navwatch asks about zones, so each answer has one home:

* **which rows are one port** (:attr:`ZoneIndex.port_code`): the rule of
  :func:`navwatch.ports.port_keys` (normalised name, split by country when the name is used in
  several countries);
* **tier ranks** (:attr:`ZoneIndex.rank`, 0 = innermost): the table's ``tier_rank`` column when it
  has one (every table :func:`~navwatch.ports.load_ports` returns has it), else the load-time rule
  :func:`navwatch.ports.tier_ranks` -- known tiers in :data:`~navwatch.ports.TIERS` order
  (harbour before anchorage before operating area), then other tiers by area. Tiers of one port
  nest by rank: being in a tier counts as being in every outer tier of its port;
* **representative points**: of the whole zone (:attr:`ZoneIndex.rep_lon`,
  :attr:`ZoneIndex.rep_lat`) and of the zone's own part outside its inner tiers
  (:meth:`ZoneIndex.own_points`);
* **membership** (:meth:`ZoneIndex.membership`) and **exit polygons**
  (:meth:`ZoneIndex.exit_polygon`) for hysteresis;
* **names** (:meth:`ZoneIndex.find`): as :func:`navwatch.ports.find_port` matches them (case,
  accents, punctuation, aliases, ``port/tier``).

Membership: each zone has an *entry* polygon (the port zone itself) and an *exit* polygon (the
entry polygon buffered by ``exit_margin_km``). :meth:`ZoneIndex.membership` tells, for arrays of
lon/lat, the zone whose entry polygon contains each point and the zone whose exit polygon does.
Where zones overlap (tiers of one port, or neighbouring ports), the zone with the smaller area
wins. No shapely Point objects are made (10 M of them take ~7 s): points are bucketed on a coarse
grid laid over the data's bounding box, only points in cells touched by a zone are tested, and
they are tested with the vectorised :func:`shapely.contains_xy`.

Examples
--------
>>> from navwatch.ports import load_ports
>>> zi = ZoneIndex(load_ports())
>>> z = zi.find("Tartous")  # an alias: the innermost tier of Tartus
>>> str(zi.label[z]), int(zi.rank[z])
('Tartus/harbour', 0)
>>> [str(zi.label[i]) for i in zi.holders(z)]
['Tartus/harbour', 'Tartus/anchorage', 'Tartus/operating_area']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .errors import PortsError
from .geodesy import EARTH_RADIUS_KM as EARTH_RADIUS_KM  # compatibility re-export
from .geodesy import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR, distance_km, local_frame
from .ports import find_port, load_ports, port_keys, tier_ranks

#: Compatibility name of :func:`navwatch.geodesy.distance_km` (distances live in navwatch.geodesy).
haversine_km = distance_km


class ZoneIndex:
    """Zones prepared for rank, point, membership and name queries (module docs).

    Parameters
    ----------
    zones : GeoDataFrame
        Port zones with ``port``, optional ``tier`` (missing: ``harbour``), ``tier_rank`` and
        ``aliases``, and polygon ``geometry`` in EPSG:4326 (see :func:`navwatch.ports.load_ports`).
    exit_margin_km : float
        Width of the hysteresis band around each zone (only exit polygons and the ``near``
        answer of :meth:`membership` use it).

    Raises
    ------
    PortsError
        ``zones`` is not a table with a ``port`` column and geometry.
    """

    def __init__(self, zones, exit_margin_km: float = 0.0):
        if (
            not isinstance(zones, pd.DataFrame)
            or "port" not in zones.columns
            or not hasattr(zones, "geometry")
        ):
            raise PortsError(
                "zones must be a GeoDataFrame with 'port' and geometry (navwatch.load_ports()), "
                f"got {type(zones).__name__}"
            )
        self.zones = zones.reset_index(drop=True)
        self.port = self.zones["port"].astype(str).to_numpy()
        tier = (
            self.zones["tier"]
            if "tier" in self.zones.columns
            else pd.Series("harbour", index=self.zones.index)
        )
        self.tier = tier.fillna("harbour").astype(str).to_numpy()
        self.label = np.array(
            [f"{p}/{t}" for p, t in zip(self.port, self.tier, strict=True)], dtype=object
        )
        self.entry = np.asarray(self.zones.geometry.values, dtype=object)
        self.exit_margin_km = exit_margin_km
        rep = shapely.point_on_surface(self.entry)
        self.rep_lon = shapely.get_x(rep)
        self.rep_lat = shapely.get_y(rep)
        lat_scale = np.cos(np.radians(self.rep_lat))
        # Exit polygons are built lazily (only zones near the data need them); their bounds are
        # the entry bounds widened by the margin, a little generously.
        self._exit: dict[int, object] = {}
        b = shapely.bounds(self.entry).reshape(-1, 4)
        pad_lat = exit_margin_km / KM_PER_DEG_LAT * 1.01
        pad_lon = (
            exit_margin_km
            / (
                KM_PER_DEG_LON_EQUATOR
                * np.cos(np.radians(np.clip(np.maximum(np.abs(b[:, 1]), np.abs(b[:, 3])), 0, 89)))
            )
            * 1.01
        )
        self.exit_bounds = np.column_stack(
            [b[:, 0] - pad_lon, b[:, 1] - pad_lat, b[:, 2] + pad_lon, b[:, 3] + pad_lat]
        )
        # Area in km^2 (local scale) decides priority: smaller zones win where zones overlap.
        self.area_km2 = (
            shapely.area(self.entry) * KM_PER_DEG_LAT * KM_PER_DEG_LON_EQUATOR * lat_scale
        )
        # One port = one key of navwatch.ports.port_keys; its tiers nest by rank (0 innermost).
        keys = port_keys(self.zones)
        self.port_code = np.unique(keys, return_inverse=True)[1].reshape(-1).astype(np.int32)
        if "tier_rank" in self.zones.columns:
            self.rank = self.zones["tier_rank"].fillna(0).astype("int64").to_numpy()
        else:
            self.rank = tier_ranks(self.zones, keys)
        self._local: dict[int, tuple] = {}
        self._holders: dict[int, np.ndarray] = {}
        self._own: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, zones, exit_margin_km: float = 0.0) -> ZoneIndex:
        """``zones`` itself if it is a ZoneIndex, else a ZoneIndex of the table (no zones for None)."""
        if isinstance(zones, cls):
            return zones
        return cls(load_ports(bundled=False) if zones is None else zones, exit_margin_km)

    def nested(self, inner: int, outer: int) -> bool:
        """Whether zone ``inner`` is a tier of the same port lying inside tier ``outer``."""
        return bool(inner != outer and self.holds(np.array([inner]), np.array([outer]))[0])

    def holds(self, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Vectorised: whether zone ``z`` holds zone ``a`` -- the same zone, or an outer tier of
        its port (tiers of one port nest by rank). -1 (no zone) is held by nothing."""
        ok = (a >= 0) & (z >= 0)
        a0, z0 = np.maximum(a, 0), np.maximum(z, 0)
        pc = self.port_code
        return ok & ((a0 == z0) | ((pc[a0] == pc[z0]) & (self.rank[a0] < self.rank[z0])))

    def same_port(self, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Vectorised: whether zones ``a`` and ``z`` are tiers of one port."""
        pc = self.port_code
        return (a >= 0) & (z >= 0) & (pc[np.maximum(a, 0)] == pc[np.maximum(z, 0)])

    def holders(self, z: int) -> np.ndarray:
        """The zones holding zone ``z``: itself and the outer tiers of its port."""
        if z not in self._holders:
            same = np.flatnonzero(self.port_code == self.port_code[z])
            self._holders[z] = same[self.holds(np.full(len(same), z), same)]
        return self._holders[z]

    def entry_contains(self, z: int, lon: float, lat: float) -> bool:
        """Whether zone ``z``'s polygon contains the point."""
        return bool(shapely.contains_xy(self.entry[z], lon, lat))

    def __len__(self) -> int:
        return len(self.entry)

    def find(self, name: str, *, strict: bool = False) -> int:
        """Index of the zone named ``port`` (its innermost tier) or ``port/tier``; -1 if unknown.

        Names match as in :func:`navwatch.ports.find_port` (case, accents, punctuation, aliases).
        With ``strict``, an unknown name raises find_port's :class:`~navwatch.errors.PortsError`
        (which lists close names) instead of returning -1.
        """
        try:
            hit = find_port(self.zones, str(name))
        except PortsError:
            if strict:
                raise
            return -1
        return int(min(hit.index, key=lambda i: (self.rank[i], self.area_km2[i])))

    def innermost(self, z: int) -> int:
        """The innermost tier of zone ``z``'s port (the lowest rank; the first such row)."""
        same = np.flatnonzero(self.port_code == self.port_code[z])
        return int(same[np.argmin(self.rank[same])])

    def own_points(self) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) per zone of a representative point of its *own part*: the zone minus the
        inner tiers of its port, so an outer tier's point lies outside its inner tiers. A zone
        with no inner tier, or nothing left outside them, has the point of the whole zone
        (:attr:`rep_lon`, :attr:`rep_lat`)."""
        if self._own is None:
            own = self.entry.copy()
            pc, rank = self.port_code, self.rank
            outer, inner = [], []
            for z in np.flatnonzero(rank > 0):
                below = (pc == pc[z]) & (rank < rank[z])
                if below.any():
                    outer.append(z)
                    inner.append(shapely.union_all(self.entry[below]))
            if outer:
                outer_idx = np.array(outer)
                part = shapely.difference(self.entry[outer_idx], np.array(inner, dtype=object))
                ok = ~shapely.is_empty(part) & (shapely.area(part) > 0)
                own[outer_idx[ok]] = part[ok]
            rep = shapely.point_on_surface(own)
            self._own = (shapely.get_x(rep), shapely.get_y(rep))
        return self._own

    def membership(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(inside, near): zone index per point whose entry / exit polygon contains it, else -1."""
        n = len(lon)
        inside = np.full(n, -1, dtype=np.int32)
        near = np.full(n, -1, dtype=np.int32)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if n == 0 or not ok.any() or len(self) == 0:
            return inside, near
        x0, x1 = float(np.min(lon[ok])), float(np.max(lon[ok]))
        y0, y1 = float(np.min(lat[ok])), float(np.max(lat[ok]))
        b = self.exit_bounds
        cand = np.flatnonzero((b[:, 2] >= x0) & (b[:, 0] <= x1) & (b[:, 3] >= y0) & (b[:, 1] <= y1))
        if len(cand) == 0:
            return inside, near
        # Larger zones first, so a smaller (more specific) zone overwrites where they overlap.
        cand = cand[np.argsort(-self.area_km2[cand], kind="stable")]
        extent = float(np.max(np.maximum(b[cand, 2] - b[cand, 0], b[cand, 3] - b[cand, 1])))
        cell = max(extent, 1e-3)
        nx = int((x1 - x0) / cell) + 1
        ny = int((y1 - y0) / cell) + 1
        while nx * ny > 20_000_000:
            cell *= 2
            nx = int((x1 - x0) / cell) + 1
            ny = int((y1 - y0) / cell) + 1
        lon_ok = np.where(ok, lon, x0)
        lat_ok = np.where(ok, lat, y0)
        key = ((lat_ok - y0) // cell).astype(np.int64) * nx + ((lon_ok - x0) // cell).astype(
            np.int64
        )
        zone_cells = []
        used = np.zeros(nx * ny, dtype=bool)
        for z in cand:
            cx0 = max(int((b[z, 0] - x0) // cell), 0)
            cx1 = min(int((b[z, 2] - x0) // cell), nx - 1)
            cy0 = max(int((b[z, 1] - y0) // cell), 0)
            cy1 = min(int((b[z, 3] - y0) // cell), ny - 1)
            cells = (
                np.arange(cy0, cy1 + 1)[:, None] * nx + np.arange(cx0, cx1 + 1)[None, :]
            ).ravel()
            zone_cells.append(cells)
            used[cells] = True
        pts = np.flatnonzero(used[key] & ok)
        if len(pts) == 0:
            return inside, near
        order = np.argsort(key[pts], kind="stable")
        pts = pts[order]
        pkey = key[pts]
        for z, cells in zip(cand, zone_cells, strict=True):
            lo = np.searchsorted(pkey, cells, side="left")
            hi = np.searchsorted(pkey, cells, side="right")
            idx = np.concatenate(
                [pts[a:c] for a, c in zip(lo, hi, strict=True) if c > a] or [np.empty(0, np.int64)]
            )
            if len(idx) == 0:
                continue
            xs, ys = lon[idx], lat[idx]
            in_exit = shapely.contains_xy(self.exit_polygon(int(z)), xs, ys)
            if not in_exit.any():
                continue
            idx, xs, ys = idx[in_exit], xs[in_exit], ys[in_exit]
            near[idx] = z
            in_entry = shapely.contains_xy(self.entry[z], xs, ys)
            inside[idx[in_entry]] = z
        return inside, near

    def exit_polygon(self, z: int):
        """Zone ``z`` buffered by the exit margin, in the zone's local frame
        (:class:`navwatch.geodesy.LocalFrame`, AEQD centred on its representative point, as
        :func:`navwatch.geodesy.buffer_km`): the margin is geodesic to well under 0.1 %."""
        if z not in self._exit:
            if self.exit_margin_km <= 0:
                self._exit[z] = self.entry[z]
            else:
                frame, geom, _ = self._projected(z)
                self._exit[z] = frame.to_lonlat(
                    shapely.buffer(geom, self.exit_margin_km, quad_segs=16)
                )
        return self._exit[z]

    def in_exit(self, z: int, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether points lie inside zone ``z``'s exit (entry + margin) polygon."""
        return shapely.contains_xy(self.exit_polygon(z), lon, lat)

    def _projected(self, z: int):
        """(frame, entry polygon in the frame, its boundary) of zone ``z``'s local frame."""
        if z not in self._local:
            frame = local_frame(self.rep_lon[z], self.rep_lat[z])
            geom = frame.to_local(self.entry[z])
            x0, _, x1, _ = shapely.bounds(self.entry[z])
            if x1 - x0 > 180:  # split at the antimeridian: its halves meet in the frame, and
                # the seam is no boundary (snapped to 1 mm so the halves merge)
                geom = shapely.union_all(shapely.get_parts(geom), grid_size=1e-6)
            self._local[z] = (frame, geom, shapely.boundary(geom))
        return self._local[z]

    def boundary_distances_km(self, z: int, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Distances (km) from points to zone ``z``'s boundary (in the zone's local frame)."""
        frame, _, boundary = self._projected(z)
        x, y = frame.xy(lon, lat)
        return shapely.distance(
            boundary, shapely.points(np.asarray(x, float), np.asarray(y, float))
        )

    def port_distances_km(
        self, lon: np.ndarray, lat: np.ndarray, *, within_km: float = 1000.0
    ) -> np.ndarray:
        """Distance (km) from each point to the nearest zone of any port (0 inside one).

        Only distances up to ``within_km`` are measured: a zone is skipped for the points
        outside its bounding box widened by that much (a bounding-box test per zone, then exact
        distances for the points near it), so a short ``within_km`` keeps millions of points
        cheap. A point with no zone that near gets inf.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> zi = ZoneIndex(gpd.GeoDataFrame({"port": ["P"]}, geometry=[box(0, 0, 0.1, 0.1)], crs=4326))
        >>> [round(float(d), 1) for d in zi.port_distances_km(np.array([0.05, 0.2]), np.array([0.05, 0.05]))]
        [0.0, 11.1]
        >>> zi.port_distances_km(np.array([0.2]), np.array([0.05]), within_km=5).tolist()
        [inf]
        """
        return self.nearest_zones(lon, lat, within_km=within_km)[1]

    def nearest_zones(
        self, lon: np.ndarray, lat: np.ndarray, *, within_km: float = 1000.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per point, the nearest zone (its index; -1 when none is within ``within_km``) and the
        distance to it in km (0 inside a zone, and then the innermost zone holding the point;
        inf for none). :meth:`port_distances_km` is its distances.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> zi = ZoneIndex(gpd.GeoDataFrame({"port": ["A", "B"]},
        ...     geometry=[box(0, 0, 0.1, 0.1), box(1, 0, 1.1, 0.1)], crs=4326))
        >>> z, km = zi.nearest_zones(np.array([0.3, 0.9, 0.05, 40.0]), np.full(4, 0.05))
        >>> [str(zi.port[i]) if i >= 0 else None for i in z], [round(float(k), 1) for k in km]
        (['A', 'B', 'A', None], [22.3, 11.1, 0.0, inf])
        """
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        zone = np.full(len(lon), -1, np.int64)
        out = np.full(len(lon), np.inf)
        if not len(self) or not len(lon):
            return zone, out
        member = self.membership(lon, lat)[0]  # (vectorised containment: 0 km, done)
        inside = member >= 0
        zone[inside], out[inside] = member[inside], 0.0
        if inside.all():
            return zone, out
        rest = np.flatnonzero(~inside)
        zone[rest], out[rest] = self._outside_nearest(lon[rest], lat[rest], within_km)
        return zone, out

    def _outside_nearest(
        self, lon: np.ndarray, lat: np.ndarray, within_km: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`nearest_zones` of points outside every zone."""
        zone = np.full(len(lon), -1, np.int64)
        out = np.full(len(lon), np.inf)
        b = self.exit_bounds
        pad_lat = within_km / KM_PER_DEG_LAT
        for z in range(len(self)):
            edge = min(max(abs(b[z, 1]), abs(b[z, 3])) + pad_lat, 89.0)
            pad_lon = within_km / (KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(edge)))
            half = (b[z, 2] - b[z, 0]) / 2 + pad_lon
            near = (
                (lat >= b[z, 1] - pad_lat)
                & (lat <= b[z, 3] + pad_lat)
                & (
                    (half >= 180)
                    | (np.abs(((lon - (b[z, 0] + b[z, 2]) / 2) + 180) % 360 - 180) <= half)
                )
            )
            if not near.any():
                continue
            frame, geom, _ = self._projected(z)
            x, y = frame.xy(lon[near], lat[near])
            d = shapely.distance(geom, shapely.points(np.asarray(x, float), np.asarray(y, float)))
            d = np.where(d <= within_km, d, np.inf)
            closer = d < out[near]
            idx = np.flatnonzero(near)[closer]
            out[idx], zone[idx] = d[closer], z
        return zone, out

    def boundary_distance_km(self, z: int, lon: float, lat: float) -> float:
        """Distance (km) from a point to zone ``z``'s boundary (in the zone's local frame)."""
        return float(self.boundary_distances_km(z, np.array([lon]), np.array([lat]))[0])
