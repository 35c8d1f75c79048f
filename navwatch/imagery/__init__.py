"""Satellite vessel detections as evidence: readers for detections and scene footprints
(:mod:`navwatch.imagery.readers`), matching to AIS and the registry (:mod:`.match`), and port
surveys derived from the footprints (:mod:`.surveys`); README *Satellite detections*."""

from __future__ import annotations

from .evidence import ImageryEvidence, imagery_evidence, read_imagery
from .match import MATCH_COLUMNS, length_fits, match_detections
from .params import ImageryParams
from .readers import (
    DETECTION_COLUMNS,
    SCENE_COLUMNS,
    detect_imagery_format,
    read_detections,
    read_scenes,
)
from .surveys import SURVEY_OUTPUT_COLUMNS, coverage_fractions, derive_surveys

__all__ = [
    "DETECTION_COLUMNS",
    "MATCH_COLUMNS",
    "SCENE_COLUMNS",
    "SURVEY_OUTPUT_COLUMNS",
    "ImageryEvidence",
    "ImageryParams",
    "coverage_fractions",
    "derive_surveys",
    "detect_imagery_format",
    "imagery_evidence",
    "length_fits",
    "match_detections",
    "read_detections",
    "read_imagery",
    "read_scenes",
]
