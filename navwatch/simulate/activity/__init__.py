"""Activity at sea simulator (draft)."""

from __future__ import annotations

from .common import DECOYS, EVENT_TYPES, THRESHOLDS
from .scenario import ActivityScenario, simulate_activity
from .scoring import metrics_table, score_activity

__all__ = [
    "DECOYS",
    "EVENT_TYPES",
    "THRESHOLDS",
    "ActivityScenario",
    "metrics_table",
    "score_activity",
    "simulate_activity",
]
