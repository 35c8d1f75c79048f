"""The port state machine as data: states, evidence, transitions and visit levels.

navwatch keeps, for every vessel and every port zone it has been seen in, one timeline of what is
known about *that zone*: the vessel is ``IN`` it, known ``OUT`` of it, or ``UNKNOWN``. Each piece
of evidence says one of four things about a zone:

===========  ==========================================================================
``IN``       a position inside the zone's polygon; a survey or sighting placing the vessel
             in it (or in an inner tier of the same port, which lies inside it)
``OUT``      a position beyond the zone's exit margin; presence in another port; absence
             from a full-coverage survey of the zone (or of an outer tier around it)
``BAND``     a position outside the polygon but within the exit margin (hysteresis band):
             it brackets a crossing in time but decides nothing
``NONE``     says nothing about this zone (a survey of another port, a report without a
             position, a survey of an outer tier that lists the vessel: it may be inside)
===========  ==========================================================================

Absence is port-specific: being absent from port X's survey says nothing about port Y.
:data:`TRANSITIONS` maps (state, evidence) to (next state, event); the vectorised engine applies
it to whole arrays (:func:`step`) and the tests run it row by row to prove the two agree.

A *visit* is a run of ``IN`` on one zone's timeline. Its evidence level follows Global Fishing
Watch's port-visit confidence (``anchorages_pipeline``): :func:`visit_level`.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class ZoneState(IntEnum):
    """What is known of a vessel with respect to one zone."""

    UNKNOWN = 0
    OUT = 1
    IN = 2


class Evidence(IntEnum):
    """What one piece of evidence says about one zone."""

    NONE = 0
    BAND = 1
    OUT = 2
    IN = 3


class Event(IntEnum):
    """What a transition emits."""

    NONE = 0
    ARRIVAL = 1
    DEPARTURE = 2


#: (state, evidence) -> (next state, event). Read it as the specification of the detector.
TRANSITIONS: dict[tuple[ZoneState, Evidence], tuple[ZoneState, Event]] = {
    (ZoneState.UNKNOWN, Evidence.NONE): (ZoneState.UNKNOWN, Event.NONE),
    (ZoneState.UNKNOWN, Evidence.BAND): (ZoneState.UNKNOWN, Event.NONE),
    (ZoneState.UNKNOWN, Evidence.OUT): (ZoneState.OUT, Event.NONE),
    # first seen inside: a visit whose arrival nobody saw
    (ZoneState.UNKNOWN, Evidence.IN): (ZoneState.IN, Event.NONE),
    (ZoneState.OUT, Evidence.NONE): (ZoneState.OUT, Event.NONE),
    (ZoneState.OUT, Evidence.BAND): (ZoneState.OUT, Event.NONE),
    (ZoneState.OUT, Evidence.OUT): (ZoneState.OUT, Event.NONE),
    (ZoneState.OUT, Evidence.IN): (ZoneState.IN, Event.ARRIVAL),
    (ZoneState.IN, Evidence.NONE): (ZoneState.IN, Event.NONE),
    # GPS noise at a berth near the edge never departs: the band only brackets
    (ZoneState.IN, Evidence.BAND): (ZoneState.IN, Event.NONE),
    (ZoneState.IN, Evidence.IN): (ZoneState.IN, Event.NONE),
    (ZoneState.IN, Evidence.OUT): (ZoneState.OUT, Event.DEPARTURE),
}

_NS, _NE = len(ZoneState), len(Evidence)
#: :data:`TRANSITIONS` as lookup arrays indexed ``[state, evidence]``.
NEXT_STATE = np.zeros((_NS, _NE), np.int8)
EMITS = np.zeros((_NS, _NE), np.int8)
for (_s, _e), (_n, _ev) in TRANSITIONS.items():
    NEXT_STATE[_s, _e] = _n
    EMITS[_s, _e] = _ev


def sticky() -> bool:
    """Whether every transition keeps the state on ``NONE``/``BAND`` and sets it to the
    evidence on ``IN``/``OUT`` -- the property that lets :func:`step` run as a forward fill."""
    for (s, e), (n, _) in TRANSITIONS.items():
        want = {Evidence.IN: ZoneState.IN, Evidence.OUT: ZoneState.OUT}.get(e, s)
        if n != want:
            return False
    return True


def step(
    evidence: np.ndarray, group_start: np.ndarray, initial: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Apply :data:`TRANSITIONS` along arrays of evidence, independently per group.

    Parameters
    ----------
    evidence : int array of :class:`Evidence`
    group_start : bool array, True where a new timeline (vessel and zone) begins
    initial : int array of :class:`ZoneState` per element, optional
        State before the element where its group starts (default ``UNKNOWN``).

    Returns
    -------
    (state_before, state_after) : int8 arrays

    Examples
    --------
    >>> ev = np.array([Evidence.IN, Evidence.BAND, Evidence.OUT, Evidence.NONE, Evidence.IN])
    >>> before, after = step(ev, np.array([True, False, False, False, False]))
    >>> [ZoneState(s).name for s in after]
    ['IN', 'IN', 'OUT', 'OUT', 'IN']
    >>> [Event(e).name for e in EMITS[before, ev]]
    ['NONE', 'NONE', 'DEPARTURE', 'NONE', 'ARRIVAL']
    """
    assert sticky(), "TRANSITIONS lost the property step() relies on"
    n = len(evidence)
    init = np.full(n, ZoneState.UNKNOWN, np.int8) if initial is None else initial.astype(np.int8)
    decisive = (evidence == Evidence.IN) | (evidence == Evidence.OUT)
    value = np.where(evidence == Evidence.IN, ZoneState.IN, ZoneState.OUT).astype(np.int8)
    # forward fill the last decisive evidence within each group; a group's start falls back to
    # its initial state
    anchor = decisive | group_start
    idx = np.where(anchor, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    start_val = np.where(decisive, value, NEXT_STATE[init, evidence])
    after = start_val[idx].astype(np.int8)
    before = np.empty(n, np.int8)
    if n:
        before[1:] = after[:-1]
        before[group_start] = init[group_start]
    return before, after


def visit_level(
    entry_seen: np.ndarray, exit_seen: np.ndarray, stop_or_gap: np.ndarray
) -> np.ndarray:
    """Evidence level of visits, as Global Fishing Watch grades port visits.

    ====  =================================================
    1     entry and/or exit only (mostly transits)
    2     stop or gap only (or other evidence of being in port)
    3     (entry or exit) and (stop or gap)
    4     entry and exit and (stop or gap)
    ====  =================================================

    "Stop or gap" is a stop in the zone (speed at or below the stop threshold for at least
    the minimum stop time), an AIS gap in the zone of at least the port-gap time, or non-AIS
    evidence (a survey or sighting) placing the vessel there.

    Examples
    --------
    >>> visit_level(np.array([1, 1, 0, 1]), np.array([1, 0, 0, 1]), np.array([1, 1, 1, 0])).tolist()
    [4, 3, 2, 1]
    """
    entry = np.asarray(entry_seen, bool)
    exit_ = np.asarray(exit_seen, bool)
    sg = np.asarray(stop_or_gap, bool)
    return np.select([sg & entry & exit_, sg & (entry | exit_), sg], [4, 3, 2], 1).astype(np.int8)
