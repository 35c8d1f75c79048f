"""One function per activity type, for notebooks: each is :func:`detect_activity` with
``types=[<type>]``, so every type has one definition and one table (``schema.ACTIVITY``)."""

from __future__ import annotations

import pandas as pd

from ..registry import Registry
from .api import detect_activity
from .params import ActivityParams

__all__ = [
    "find_encounters",
    "find_gaps",
    "find_identity_changes",
    "find_loitering",
    "find_replenishments",
    "find_spoofing",
]


def _one(name: str, event_type: str, doc: str):
    def find(
        obs: pd.DataFrame,
        zones=None,
        registry: Registry | None = None,
        *,
        params: ActivityParams | None = None,
        all_vessels: bool = True,
    ) -> pd.DataFrame:
        return detect_activity(
            obs, zones, registry, types=[event_type], params=params, all_vessels=all_vessels
        )

    find.__doc__ = (
        f"{doc}: ``detect_activity(obs, zones, registry, types=[{event_type!r}], ...)``.\n\n"
        "Returns the activity events table (``navwatch.schema.ACTIVITY``) with only these "
        "events; parameters as :func:`navwatch.activity.detect_activity`."
    )
    find.__name__ = find.__qualname__ = name
    return find


find_encounters = _one(
    "find_encounters", "encounter", "Encounters: two vessels together, slow, away from ports"
)
find_replenishments = _one(
    "find_replenishments", "replenishment", "Underway replenishments: two vessels side by side"
)
find_loitering = _one(
    "find_loitering", "loitering", "Loitering: one vessel slow for hours away from ports"
)
find_gaps = _one(
    "find_gaps", "gap", "AIS gaps: silences of a vessel, and whether they look intentional"
)
find_spoofing = _one(
    "find_spoofing", "spoofing", "Spoofing: one MMSI in two places, displaced stretches, jamming"
)
find_identity_changes = _one(
    "find_identity_changes",
    "identity_change",
    "Identity changes: an MMSI's name, IMO or call sign changes",
)
