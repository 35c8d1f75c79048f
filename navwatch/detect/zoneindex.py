"""Moved to :mod:`navwatch.zones` (detection, dispersal and reports share one zones model)."""

from ..zones import EARTH_RADIUS_KM, KM_PER_DEG_LAT, ZoneIndex, haversine_km

__all__ = ["EARTH_RADIUS_KM", "KM_PER_DEG_LAT", "ZoneIndex", "haversine_km"]
