"""Moved to :mod:`navwatch.zones` (detection, dispersal and reports share one zones model) and,
for distances and constants, to :mod:`navwatch.geodesy`."""

from ..geodesy import EARTH_RADIUS_KM, KM_PER_DEG_LAT
from ..zones import ZoneIndex, haversine_km

__all__ = ["EARTH_RADIUS_KM", "KM_PER_DEG_LAT", "ZoneIndex", "haversine_km"]
