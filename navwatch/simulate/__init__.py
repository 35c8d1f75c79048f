"""Scenario simulator with ground truth, for measuring port-event detection.

:func:`simulate` builds a random but reproducible *world* (ports, vessels and what every vessel
does, second by second) and then the *evidence* an analyst would hold about it: AIS fixes with
the faults of real feeds, sightings and port surveys. Ground truth comes from the world, never
from a detector's rules: the simulator knows nothing about how navwatch decides a port call.

World
-----
*Ports* sit at random places in one to three sea regions, including, at random or on request,
high latitudes (66-78 N or 62-70 S) and ports whose zones straddle the antimeridian (their polygons are
split at +-180 deg as GeoJSON requires). A port has one to three nested zones (harbour inside
anchorage inside operating area; outer polygons contain the inner ones), circles or ellipses of
0.5-15 km radius, 128 vertices each.

*Vessels* are registry vessels (naval, some without an MMSI: they never transmit) and, with
``merchant_share``, other AIS traffic that only ``all_vessels`` detection tracks (``vessel_id``
``mmsi:<n>``). Each follows a plan of piecewise-linear legs in a local (spherical)
azimuthal-equidistant frame of its region; ships going to a port sail round the port they leave
and the one they go to rather than through them (other zones on the way are genuine transits):

* port **calls**: a sea leg at 8-20 kn, an approach at 3-12 kn, the last 200-800 m at 1-3 kn,
  then the ship *rests*: at a berth (true speed 0; reported SOG 0-0.2 kn, AIS resolution 0.1 kn)
  or at anchor (swinging on its chain along an arc of up to 150 m; reported SOG mostly under
  0.3 kn, up to 0.6 kn) for 5 min to 4 days, and leaves. Some calls have the AIS go dark in port
  hours before leaving (back on at sea), or dark for the whole stop (an in-port gap). Berths are anywhere in the zone, right at its edge
  (inside by less than the GPS error, so fixes fall on both sides of the polygon), 50 m inside
  or 50 m outside the edge; anchorages lie in an outer tier; some ships anchor first and then
  berth in the harbour;
* **transits**: straight passes through a zone (harbour or outer tier) without ever stopping:
  3-25 kn, slow passes at 2-5 kn, passes at 1 and 3 kn, pilot-boat-like slowing to 1-2 kn,
  passes lasting 20 min or 2 h, passes of hours through large zones;
* stops at sea (never in a zone) and sea legs.

Ground-truth definitions
------------------------
visit
    A maximal interval during which the true (noise-free) position of a vessel is inside a
    zone polygon (per zone, i.e. per ``(port, tier)``; an outer tier contains the inner ones).
    Open at either end when it runs past the scenario's start or end.
call
    A visit during which the ship was **at rest** inside the zone (berthed or anchored:
    ``stopped``), or during which non-AIS evidence (a sighting inside the zone, a survey
    listing it) placed it **in port** (``osint_present``; a photograph cannot tell a pass from
    a stay). Every other visit is a **transit**. A transit never goes below 1 kn. A call in a
    harbour is a call at the outer tiers around it too (the ship rested inside them as well).
event
    A call's arrival (its start) and departure (its end), at the moment the true track crosses
    the zone polygon. Transits produce no events.

Evidence and its faults
-----------------------
AIS: fix intervals of 10 s to 30 min per vessel (jittered; sparser at rest for some), GPS error
of 5-30 m per vessel (Gaussian, capped at that radius), SOG present or missing (NaN) for the
whole vessel, COG; dark departures (AIS off in port, back on at sea hours later), in-port gaps
covering the whole stop (3.5 h, 4.5 h, 4-24 h), ships whose AIS is on only while at rest in
port (GFW's level-2 case), reception gaps; duplicates (the same fix from a second receiver
within 1 s), single-fix position jumps of 100-800 km, rows in random order.
OSINT (registry vessels only): sightings by name, registry alias, unlisted transliteration
(Yelnya/Yel'nya/Elnya/Jelnja), pennant number or class/type token with a count
(``Admiral Gorshkov class x2``, ``frigate x1``); confidence written as words (``high``,
``probable``, ...), percentages (``80%``) or numbers; full and partial port surveys at several
ports, listing vessels by name/alias or by class/type and count. A class/type token names
vessels only when its count covers every registry member of the group; otherwise it is not
evidence about any one of them. A full survey of zone X that does not list a vessel (and has no
token that could include it) says it is not in X, and nothing about other ports.
Contradictions are injected: a full survey omitting a vessel that is in port (and seen there
again later), a sighting placing in port a vessel that AIS shows at sea.

Tight windows
-------------
For each truth event and each evidence set (all evidence, or AIS alone) the simulator gives the
tightest window the evidence allows: for a departure from X, from the last evidence placing the
vessel in X at or before the true time to the first evidence after it that it is not in X (an
AIS fix or sighting outside X's polygon, a full survey of X not listing it, presence in another
port); for an arrival at Y, from the last evidence not in Y to the first in Y. Evidence a
detector cannot see (position jumps, duplicates) does not count. A crossing with evidence in the
zone on its far side before that bound (the ship left and came back unseen, between two calls)
has no tight bound there: no evidence tells it from staying. ``time_tol_s`` is 1 s plus how
long the ship takes to cover its GPS error *across* the edge at the crossing (its speed times the
sine of the crossing angle, at least a twentieth of the speed): noisy fixes near the boundary
cannot time the crossing better. ``consistent`` is False for the events either side of an
injected contradiction at the zones it is false about.

Scoring
-------
:func:`score` matches a detector's events to the truth and measures precision, recall, timing
error and windows per evidence type; ``bench/bench_accuracy.py`` prints it over several seeds.

Layout
------
One module per stage, each importing only those listed before it: ``common`` (units, codes,
decoy labels), ``geometry`` (local frames, zones, membership), ``names``, ``world`` (regions,
ports), ``vessels``, ``plans`` (itineraries), ``truth`` (visits, calls, events, tight windows),
``ais``, ``osint``, ``scenario`` (:class:`Scenario`), ``simulation`` (:func:`simulate`) and
``scoring`` (:func:`score`, :func:`metrics`). ``navwatch.simulate`` re-exports the public names.
Activity at sea (encounters, replenishments, loitering, gaps, spoofing, jamming, identity
changes) has its own simulator built on these stages: :mod:`navwatch.simulate.activity`.
Satellite scenes and vessel detections over a scenario's world, with their truth and scorers for
a detection matcher: :mod:`navwatch.simulate.imagery` (:func:`simulate_imagery`) and
:mod:`navwatch.simulate.imagery_scoring`.

Examples
--------
>>> sc = simulate(3, n_vessels=6, days=2, n_ports=3, fix_interval_s=300)
>>> sorted(sc.truth_events["event"].unique()) == ["arrival", "departure"] or sc.truth_events.empty
True
>>> set(sc.ais["kind"].astype(str)) <= {"ais"}, set(sc.osint["kind"].astype(str)) <= {"sighting", "survey"}
(True, True)
>>> simulate(3, n_vessels=6, days=2, n_ports=3, fix_interval_s=300).ais.equals(sc.ais)
True
"""

from __future__ import annotations

from .common import CONFIDENCE_WORDS, DECOYS
from .imagery import ImageryScenario, detection_probability, simulate_imagery
from .imagery_scoring import imageable_truth, score_matching, score_surveys, score_windows
from .scenario import Scenario
from .scoring import CATEGORIES, MATCH_TOLERANCE_S, metrics, score
from .simulation import simulate

__all__ = [
    "CATEGORIES",
    "CONFIDENCE_WORDS",
    "DECOYS",
    "ImageryScenario",
    "MATCH_TOLERANCE_S",
    "Scenario",
    "detection_probability",
    "metrics",
    "imageable_truth",
    "score",
    "score_matching",
    "score_surveys",
    "score_windows",
    "simulate",
    "simulate_imagery",
]
