"""Satellite vessel detections as evidence (issue 15): readers for detections and scene
footprints (:mod:`navwatch.imagery.readers`)."""

from __future__ import annotations

from .readers import (
    DETECTION_COLUMNS,
    SCENE_COLUMNS,
    detect_imagery_format,
    read_detections,
    read_scenes,
)

__all__ = [
    "DETECTION_COLUMNS",
    "SCENE_COLUMNS",
    "detect_imagery_format",
    "read_detections",
    "read_scenes",
]
