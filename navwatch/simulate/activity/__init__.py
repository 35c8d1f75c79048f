"""Activity-at-sea simulator with ground truth, for measuring activity detection (issue 13).

:func:`simulate_activity` builds a random but reproducible sea (the port-event simulator's
regions, ports and zones, registry and merchant vessels), lays *episodes* in it (true events at
random times and places, and decoys just either side of every threshold), and emits the AIS an
analyst would hold, with the faults of real feeds. The truth is what the simulated ships and
transmitters did, labelled by the definitions below: never by a detector's code. Detectors are
scored with :func:`score_activity` (see :mod:`.scoring` for the detected table it reads);
``bench/bench_activity.py`` prints the scores over several seeds.

World and plans
---------------
Ports (1-3 nested zones each) lie in one to three regions, sometimes at high latitude or across
the antimeridian. Every vessel transmits; some registry vessels are oilers or auxiliaries
(``type``). Ships sail between ports and at sea at 5-25 kn (cruise 5-22 kn +-10 %, legs at
25 kn). Each episode picks a place and the ships free and near enough to be there in time (it
starts later when none is), brings them there, and lays its legs; between episodes ships make
port calls (resting at a berth inside a harbour) and sea legs, and arrive by straight legs (a
dogleg at 7-12 kn when straight would be slower than 6 kn). Two ships just back from the same
episode are not paired again. Every leg is straight at a constant speed or a rest, so true
positions are piecewise linear (``tracks``). True events drawn at random, for 40 vessels and 6
days (scaled by ``events`` and the size): about 5 encounters (pairs 50-450 m apart drifting at
0-1.5 kn for 2.2-12 h, more than 15 km from the zones), 4 replenishments (pairs 30-180 m apart
at 9-14 kn on a common course for 32 min-4 h, with an oiler or auxiliary 60 % of the time),
4 loiterings (4.3-30 h at 0-1.8 kn, some more than 50 nm out), a fleet of 3-5 anchoring 7-13 km
off a port for 6-30 h each (some nearer than 10 km, some farther), 8 gaps (6.3-40 h: far out
after dense transmission, near port, from a berth, shortened by a late position), 2 cloned
identities (35 min-6 h), 2 displaced segments (30 min-6 h, 30-300 km), 1-2 jammings (3-8 ships
in an 8-20 km area, 30 min-6 h, all jumping to one point or a 2-8 km ring 30-150 km away) and
4 identity changes (name, IMO, call sign, or name and call sign).

Ground-truth definitions
------------------------
Thresholds are :data:`THRESHOLDS`. Distances from "port zones" are from the nearest zone
polygon of the region (0 inside one), in the region's local frame (spherical azimuthal
equidistant: within 0.3 % of great-circle distances). Events from the true tracks are found on
a 30 s grid: their bounds are good to 30 s.

encounter
    A maximal interval during which two vessels' true positions are at most 500 m apart and
    both more than 10 km from every port zone, lasting at least 2 h, over which each vessel's
    median true speed is below 2 kn.
replenishment
    A maximal interval during which two vessels are at most 200 m apart, both at 8-15 kn true
    speed, headings within 15 deg, lasting at least 30 min. ``auxiliary``: one of them is an
    oiler or auxiliary in the registry (a flag, not a condition).
loitering
    A maximal interval during which a vessel's true speed is below 2 kn and it is more than
    10 km from every port zone, lasting at least 4 h. Each vessel of a slow encounter of 4 h or
    more loiters too, and each fleet member anchored more than 10 km out.
gap
    Two consecutive messages of an MMSI in the final AIS at least 6 h apart: ``start`` the
    last message before, ``end`` the first after. Every row counts (late positions delivered
    out of order shorten or remove a gap), but a second receiver's copy (the same MMSI at most
    1 s after a row) is the same message. Silences at the period's ends are not gaps.
    ``likely_intentional``: at least 12 h, the vessel's true position at ``start`` at least
    50 nm from every port zone, and at least 14 messages from ``start`` - 12 h to ``start``
    (``positions_before``, its last message included).
spoofing
    ``clone``: a second transmitter with the vessel's MMSI and static data, at least 50 km from
    it throughout, while the vessel keeps transmitting, for at least 30 min (``start``/``end``:
    the second transmitter's first and last fix). ``displaced``: the vessel's own reported
    positions moved 30-300 km away (shifted with its track, or held at one point) for two fixes
    or more, with implied speeds out and back above 30 kn (its first and last displaced fix).
    Single-fix jumps are not spoofing, nor are fast but possible legs.
jamming
    At least 3 vessels in one area whose reported positions all jump, at the same time, to one
    point or ring elsewhere: one event, ``vessels`` all of them (``mmsi`` the first), from the
    first jammed fix to the last. Not spoofing by any of them.
identity_change
    An MMSI's name, call sign or IMO (its static data, carried on its rows) changes for good,
    compared after :func:`navwatch.registry.normalise` (case, '@' padding and spaces do not
    count): ``start`` the last row with the old value, ``end`` the first with the new one (rows
    without static data skipped); one event per field, with ``old_value``, ``new_value``.

Truth columns (``truth``, one row per event, by start): ``event_type, mmsi, other_mmsi`` (Int64,
NA for one-vessel events; pairs as smaller, larger MMSI), ``vessels`` (list of MMSIs),
``start, end`` (UTC), ``duration_h, lat, lon`` (mean true position; gaps: at the start; jamming:
the area's centre), ``near_port_km`` (least distance from a port zone during the event; gaps: at the start),
``likely_intentional, positions_before`` (gaps), ``field, old_value, new_value`` (identity),
``subtype`` (``clone``/``displaced``, ``point``/``ring``, the identity field), ``auxiliary``
(replenishments), ``median_speed_kn, max_distance_m``, ``spoof_lat, spoof_lon`` (where the
positions were sent), ``vessel_id, other_vessel_id`` and ``label``: the episode that made it (a
decoy's name, or the kind of a random event; ``''`` for an incidental one). Incidental events
are rare (ships doing by chance what a definition describes: two ships leaving one harbour
together for places a kilometre apart steam in company within 200 m for hours, a
replenishment); they are truth like the others.

Decoys
------
:data:`DECOYS` (``decoys`` table: ``decoy, event_type, threshold, side, expected,
expected_intentional, value, unit, mmsi, other_mmsi, vessel_id, start, end``), each laid once
when the size allows; ``expected`` says whether it is truth of ``event_type``:

* encounters: 420-470 m apart (truth) / 520-590 m / 950-1050 m for 3 h; 2.25 h (truth) /
  1.75 h / 1 h at 300-420 m; both at 1.4-1.7 kn (truth) / one circling the other at 3 kn /
  both at 3 kn; 11.8-12.2 km (truth) / 7.8-8.2 km from a port zone;
* replenishments at 130-160 m unless said: 170-185 m (truth) / 580-650 m for 1 h at 12 kn;
  40 min (truth) / 20 min; 14.5 kn (truth) / 17 kn; 8.5 kn (truth) / 6 kn;
* loitering: 4.5 h (truth) / 3 h at 0.5-1.5 kn; 1.4-1.7 kn (truth) / 2.4-2.8 kn for 6 h;
  anchored 10.8-11.2 km (truth) / 8.8-9.2 km from a zone for 6 h; 10 h at a berth in a
  harbour; each fleet member (``fleet_anchor``, its side from its distance);
* gaps: silences of 5 h and 5.9 h (not gaps), 6.5 h; 9 h split by a late position into two
  4.5 h silences (no gap); 14 h shortened by a late position to 9 h; 13 h from 44.7-45.3 nm
  (not intentional) and 54.7-55.3 nm (intentional); 11.5 h at 55 nm (not intentional), these
  three with at least 16 messages in the 12 h before whatever the fix interval; 13 h at 55 nm
  with only 10 (not) or 16 (intentional) messages in the 12 h before; 8 h from a berth;
* spoofing: a clone for 40 min (truth) / 20 min; single-fix jumps of 100-800 km; a run home at
  25 kn; AIS quiet 30-50 km out and next heard at the berth under 5.5 h later; each jammed
  vessel (``jam_member``: jamming, not spoofing);
* identity: a name now and then padded with '@' or spaces, or in title case (no change).

Evidence and its faults
-----------------------
``obs`` is a canonical observation table (:mod:`navwatch.schema`), every row ``kind`` ``ais``
with ``mmsi``, static data (``name``, ``callsign``, ``imo``; all three missing on 15 % of rows),
SOG (missing for 10 % of vessels) and COG, ``source`` (``AIS-T``, ``AIS-S`` for late satellite
positions) and provenance. The port-event simulator's emission samples it: fix intervals of
10 s-10 min per vessel (log-uniform, jittered +-30 %, 2-3x sparser at rest for some), GPS error
of 5-30 m, single-fix jumps, duplicates from a second receiver 0.05-1 s later, reception gaps of
0.5-4 h clear of every episode; rows come in the order a feed delivered them, late positions
hours after the silence they fall in. ``obs_meta`` says, per row, which transmitter sent it and
which fault it carries.

Layout
------
``common`` (types, thresholds, decoys, the episode record), ``motion`` (reaching a place at a
time, fillers, distances from zones), ``stage`` (ships and the choice of ships), ``scripts``
(episodes that move ships), ``overlays`` (episodes in the AIS only), ``programme`` (which
episodes, and laying them), ``emission`` (AIS), ``labels`` (truth and decoy tables),
``scenario`` (:func:`simulate_activity`, :class:`ActivityScenario`) and ``scoring``
(:func:`score_activity`, :func:`metrics_table`).

Examples
--------
>>> sc = simulate_activity(4, n_vessels=12, days=2, n_ports=2)
>>> sc.obs.equals(simulate_activity(4, n_vessels=12, days=2, n_ports=2).obs)
True
>>> set(sc.truth["event_type"]) <= set(EVENT_TYPES), set(sc.obs["kind"].astype(str))
(True, {'ais'})
>>> score_activity(sc.truth, sc)["overall"]["recall"]
1.0
"""

from __future__ import annotations

from .common import DECOYS, EVENT_TYPES, THRESHOLDS, Decoy
from .scenario import ActivityScenario, simulate_activity
from .scoring import metrics_table, score_activity

__all__ = [
    "DECOYS",
    "EVENT_TYPES",
    "THRESHOLDS",
    "ActivityScenario",
    "Decoy",
    "metrics_table",
    "score_activity",
    "simulate_activity",
]
