"""Satellite vessel detections as evidence: matching to AIS and the registry, and port surveys
derived from scene footprints (README *Satellite detections*)."""

from __future__ import annotations

from .match import MATCH_COLUMNS, length_fits, match_detections
from .params import ImageryParams
from .surveys import SURVEY_OUTPUT_COLUMNS, coverage_fractions, derive_surveys

__all__ = [
    "MATCH_COLUMNS",
    "SURVEY_OUTPUT_COLUMNS",
    "ImageryParams",
    "coverage_fractions",
    "derive_surveys",
    "length_fits",
    "match_detections",
]
