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

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import schema
from .errors import ConfigError
from .geodesy import EARTH_RADIUS_KM, M_PER_S_PER_KN, NS_PER_S, S_PER_H
from .registry import COLUMNS as REGISTRY_COLUMNS
from .registry import Registry, name_key

__all__ = [
    "CATEGORIES",
    "CONFIDENCE_WORDS",
    "DECOYS",
    "MATCH_TOLERANCE_S",
    "Scenario",
    "score",
    "simulate",
]

KN = M_PER_S_PER_KN  # metres per second in one knot
NS = NS_PER_S
H = float(S_PER_H)
_NV = 128  # vertices per zone polygon
_STEP = 2 * math.pi / _NV

MOVE, REST, SWING = 0, 1, 2
# evidence status codes
POS, SURV_IN, SURV_OUT = 0, 1, 2

#: How sightings write confidence, and the number each word stands for in the canonical table.
CONFIDENCE_WORDS = {"confirmed": 0.95, "high": 0.85, "probable": 0.7, "medium": 0.6, "low": 0.35}

#: Decoy labels a scenario may contain (``truth_visits.decoys``), each just either side of a
#: threshold a port-call detector plausibly uses. Calls: ``stop_sog_0.15``, ``anchor_sog_0.3``,
#: ``anchor_sog_0.4``, ``anchor_sog_0.6`` (reported SOG at rest), ``stop_5min``, ``stop_15min``,
#: ``stop_30min``, ``stop_short`` (10 or 20 min) (rest durations), ``gap_3.5h``, ``gap_4.5h`` (AIS off for the whole stop),
#: ``berth_edge`` (GPS error crosses the polygon), ``berth_inside_50m``, ``anchorage_call``,
#: ``anchor_then_berth``, ``dark_departure``, ``ais_port_only``. Not calls at that zone:
#: ``berth_outside_50m`` (a call at the outer tier if there is one), ``transit_20min``,
#: ``transit_2h``, ``transit_1kn``, ``transit_3kn``, ``transit_slow``, ``transit_pilot``,
#: ``transit_gap_3.5h``, ``transit_gap_4.5h`` (a reception gap during a slow pass),
#: ``sea_stop`` (never in a zone, so it labels no visit).
DECOYS = (
    "stop_sog_0.15",
    "anchor_sog_0.3",
    "anchor_sog_0.4",
    "anchor_sog_0.6",
    "stop_5min",
    "stop_15min",
    "stop_30min",
    "stop_short",
    "gap_3.5h",
    "gap_4.5h",
    "berth_edge",
    "berth_inside_50m",
    "berth_outside_50m",
    "anchorage_call",
    "anchor_then_berth",
    "dark_departure",
    "ais_port_only",
    "transit_20min",
    "transit_2h",
    "transit_1kn",
    "transit_3kn",
    "transit_slow",
    "transit_pilot",
    "transit_gap_3.5h",
    "transit_gap_4.5h",
    "sea_stop",
)

_TYPES = (
    "frigate",
    "corvette",
    "destroyer",
    "oiler",
    "tug",
    "submarine",
    "landing ship",
    "patrol ship",
    "salvage ship",
    "intelligence ship",
)
_SOURCES = (
    "Maxar",
    "Planet",
    "Airbus",
    "Sentinel-2",
    "ICEYE",
    "spotter @strait_watch",
    "spotter @harbour_cam",
    "press (local)",
    "press (agency)",
)


# ----------------------------------------------------------------------------------------------
# the result


@dataclass
class Scenario:
    """A simulated world and the evidence about it, with ground truth.

    Attributes
    ----------
    seed : int
        The seed it was built from (same seed and arguments -> identical scenario).
    start, end : pandas.Timestamp
        The observed period (UTC).
    zones : geopandas.GeoDataFrame
        Port zones in navwatch's format (:data:`navwatch.ports.ZONE_COLUMNS`), tiers nested.
    vessels : pandas.DataFrame
        Every vessel: the registry columns plus ``registry`` (in the registry), ``has_ais``,
        ``fix_interval_s``, ``gps_error_m``, ``sog_missing``, ``ais_port_only``, ``region``.
    registry : navwatch.registry.Registry
        The registry vessels (``vessels[vessels.registry]``).
    ais : pandas.DataFrame
        Canonical AIS observations (:mod:`navwatch.schema`), rows in random order.
    ais_meta : pandas.DataFrame
        Per AIS row (same index): ``vessel_id``, ``at_rest``, ``fault`` (``''``,
        ``duplicate``, ``jump``), ``visible`` (a detector can use it), ``port``/``tier_rank``
        of the innermost zone containing the fix (``''``/-1 at sea).
    osint : pandas.DataFrame
        Canonical sightings and (unexpanded) surveys. Sightings keep the confidence as
        written in ``confidence_text``; ``confidence`` holds its number
        (:data:`CONFIDENCE_WORDS`, ``80%`` -> 0.8).
    osint_meta : pandas.DataFrame
        Per OSINT row (same index): ``vessel_ids`` it names attributably (``|``-separated),
        ``false`` (an injected contradiction).
    truth_visits : pandas.DataFrame
        ``visit_id, vessel_id, port, tier, tier_rank, arrival, departure, kind`` (``call`` or
        ``transit``), ``stopped``, ``rest_min``, ``osint_present``, ``evidenced_ais``,
        ``evidenced``, ``decoys``, ``registry``, ``has_ais``. ``arrival``/``departure`` are NaT
        when the visit runs past the start/end. ``evidenced_ais``: the visible AIS fixes show
        the stop (a fix at rest with SOG, or two fixes in the zone at least 10 min apart
        implying under 0.5 kn, which no transit can produce); ``evidenced``: that, or OSINT
        placing it in port.
    truth_events : pandas.DataFrame
        ``vessel_id, port, tier, tier_rank, event, time, visit_id, stopped, osint_present,
        evidenced_ais, evidenced, registry, has_ais``, the tight windows
        ``tight_earliest, tight_latest`` (all evidence; NaT where no evidence exists on that
        side) with the kind of the bounding evidence ``earliest_kind, latest_kind``,
        ``tight_earliest_ais, tight_latest_ais`` (AIS alone), ``evidence`` (``ais``,
        ``osint``, ``mixed`` or ``none``: the kinds bounding the all-evidence window),
        ``time_tol_s``, ``consistent`` and ``decoys``.
    contradictions : pandas.DataFrame
        Injected false evidence: ``vessel_id, time, kind, port, zones``.
    decoys : pandas.DataFrame
        Every decoy laid (:data:`DECOYS`): ``vessel_id, decoy, port, start, end`` (the rest or
        the pass), including those that label no visit (``sea_stop``, a stop 50 m outside a
        zone with no outer tier).
    tracks : pandas.DataFrame
        The true plan, one row per leg: ``vessel_id, t0, t1, x0, y0, x1, y1, mode``
        (``move``/``rest``/``swing``), ``speed_kn``, ``region`` (local frame, metres).
    params : dict
        The arguments of :func:`simulate`.
    """

    seed: int
    start: pd.Timestamp
    end: pd.Timestamp
    zones: gpd.GeoDataFrame
    vessels: pd.DataFrame
    registry: Registry
    ais: pd.DataFrame
    ais_meta: pd.DataFrame
    osint: pd.DataFrame
    osint_meta: pd.DataFrame
    truth_visits: pd.DataFrame
    truth_events: pd.DataFrame
    contradictions: pd.DataFrame
    decoys: pd.DataFrame
    tracks: pd.DataFrame
    params: dict = field(default_factory=dict)

    def observations(self) -> pd.DataFrame:
        """AIS and OSINT in one canonical observation table."""
        return schema.concat([self.ais, self.osint])

    def summary(self) -> dict:
        """Counts of what the scenario holds."""
        v, tv, te = self.vessels, self.truth_visits, self.truth_events
        return {
            "seed": self.seed,
            "days": round((self.end - self.start) / pd.Timedelta(days=1), 2),
            "ports": int(self.zones["port"].nunique()),
            "zones": len(self.zones),
            "vessels": len(v),
            "registry": int(v["registry"].sum()),
            "ais_vessels": int(v["has_ais"].sum()),
            "ais_rows": len(self.ais),
            "sightings": int((self.osint["kind"] == "sighting").sum()),
            "surveys": int((self.osint["kind"] == "survey").sum()),
            "calls": int((tv["kind"] == "call").sum()),
            "transits": int((tv["kind"] == "transit").sum()),
            "events": len(te),
            "contradictions": len(self.contradictions),
            "decoys": sorted(set(self.decoys["decoy"])),
        }

    def write_inputs(self, directory: str | Path) -> dict[str, Path]:
        """Write the evidence as files navwatch reads, as an analyst would hold them.

        ``ais.csv`` (NOAA MarineCadastre legacy layout, sorted by time), ``sightings.csv`` (with
        the confidence as written), ``surveys.csv``, ``ports.geojson`` and ``vessels.csv``.
        Returns the paths by name.
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {
            k: d / f
            for k, f in (
                ("ais", "ais.csv"),
                ("sightings", "sightings.csv"),
                ("surveys", "surveys.csv"),
                ("ports", "ports.geojson"),
                ("vessels", "vessels.csv"),
            )
        }
        a = self.ais.sort_values("time", kind="stable")
        noaa = pd.DataFrame(
            {
                "MMSI": a["mmsi"].astype("Int64"),
                "BaseDateTime": a["time"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
                "LAT": a["lat"].round(6),
                "LON": a["lon"].round(6),
                "SOG": a["sog_kn"].round(1),
                "COG": a["cog_deg"].round(1),
                "Heading": 511,
                "VesselName": "",
                "IMO": "",
                "CallSign": "",
                "VesselType": "",
                "Status": "",
                "Length": "",
                "Width": "",
                "Draft": "",
                "Cargo": "",
                "TransceiverClass": "A",
            }
        )
        noaa.to_csv(paths["ais"], index=False)
        o = self.osint
        s = o[o["kind"] == "sighting"]
        pd.DataFrame(
            {
                "time": s["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "vessel": s["vessel"],
                "lat": s["lat"].round(6),
                "lon": s["lon"].round(6),
                "source": s["source"].astype(str),
                "confidence": s["confidence_text"],
                "notes": s["notes"],
            }
        ).to_csv(paths["sightings"], index=False)
        v = o[o["kind"] == "survey"]
        pd.DataFrame(
            {
                "time": v["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "port": v["port"],
                "source": v["source"].astype(str),
                "coverage": v["coverage"],
                "present": v["vessel"].fillna(""),
                "notes": v["notes"],
            }
        ).to_csv(paths["surveys"], index=False)
        self.zones.to_file(paths["ports"], driver="GeoJSON")
        self.registry.frame[REGISTRY_COLUMNS].to_csv(paths["vessels"], index=False)
        return paths


# ----------------------------------------------------------------------------------------------
# geometry


class _Frame:
    """A local azimuthal-equidistant frame (metres) centred on a region.

    Spherical (R = :data:`navwatch.geodesy.EARTH_RADIUS_KM`, the mean Earth radius): the
    simulated world is this sphere. Every point's local distance from the centre is its
    great-circle distance, and local distances between nearby points agree with spherical
    haversine distances to within 0.3 % over the 600 km of a region (with the detector's
    ellipsoidal :func:`navwatch.geodesy.distance_km`, to within about 0.5 %). Zone polygons and fixes go
    through the same mapping, so membership is exact whatever the projection's distortion.
    """

    R = EARTH_RADIUS_KM * 1000.0  # metres

    def __init__(self, lat0: float, lon0: float):
        self.lat0, self.lon0 = lat0, lon0
        self.p0, self.l0 = math.radians(lat0), math.radians(lon0)

    def lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        rho = np.hypot(x, y)
        c = rho / self.R
        sc, cc = np.sin(c), np.cos(c)
        sp0, cp0 = math.sin(self.p0), math.cos(self.p0)
        with np.errstate(invalid="ignore", divide="ignore"):
            lat = np.arcsin(np.clip(cc * sp0 + np.where(rho > 0, y * sc * cp0 / rho, 0.0), -1, 1))
        lon = self.l0 + np.arctan2(x * sc, rho * cp0 * cc - y * sp0 * sc)
        lon = np.degrees(lon)
        return (lon + 180.0) % 360.0 - 180.0, np.degrees(lat)

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        lam = np.radians(np.asarray(lon, dtype="float64")) - self.l0
        phi = np.radians(np.asarray(lat, dtype="float64"))
        sp0, cp0 = math.sin(self.p0), math.cos(self.p0)
        cosc = np.clip(sp0 * np.sin(phi) + cp0 * np.cos(phi) * np.cos(lam), -1, 1)
        c = np.arccos(cosc)
        k = np.where(c > 1e-12, c / np.sin(np.maximum(c, 1e-12)), 1.0)
        return (
            self.R * k * np.cos(phi) * np.sin(lam),
            self.R * k * (cp0 * np.sin(phi) - sp0 * np.cos(phi) * np.cos(lam)),
        )


@dataclass
class _Zone:
    idx: int
    port: int
    tier: str
    rank: int
    cx: float
    cy: float
    a: float
    b: float
    theta: float
    region: int
    local: shapely.Polygon | None = None
    geom: object = None

    def local_polygon(self) -> shapely.Polygon:
        """:attr:`local`, which is set when the world is built."""
        assert self.local is not None
        return self.local

    def norm(self, x, y):
        dx, dy = np.asarray(x) - self.cx, np.asarray(y) - self.cy
        c, s = math.cos(self.theta), math.sin(self.theta)
        return (dx * c + dy * s) / self.a, (-dx * s + dy * c) / self.b

    def margin(self, x, y) -> np.ndarray:
        """Signed distance-like margin to the polygon (positive inside); exact sign for the
        128-gon in the local frame, magnitude a lower bound of the distance in metres."""
        u, v = self.norm(x, y)
        phi = np.arctan2(v, u) % (2 * math.pi)
        mid = (np.floor(phi / _STEP) + 0.5) * _STEP
        proj = u * np.cos(mid) + v * np.sin(mid)
        return (math.cos(_STEP / 2) - proj) * min(self.a, self.b)

    def vertices(self) -> tuple[np.ndarray, np.ndarray]:
        t = np.arange(_NV) * _STEP
        u, v = self.a * np.cos(t), self.b * np.sin(t)
        c, s = math.cos(self.theta), math.sin(self.theta)
        return self.cx + u * c - v * s, self.cy + u * s + v * c

    @property
    def bound(self) -> float:
        return max(self.a, self.b)


@dataclass
class _Port:
    idx: int
    name: str
    aliases: list[str]
    region: int
    cx: float
    cy: float
    zones: list[_Zone]

    @property
    def harbour(self) -> _Zone:
        return self.zones[0]

    @property
    def outer(self) -> _Zone:
        return self.zones[-1]

    @property
    def bound(self) -> float:
        """Radius of a circle around the port centre containing every zone of the port."""
        z = self.outer
        return math.hypot(z.cx - self.cx, z.cy - self.cy) + z.bound


def _lonlat_polygon(lon: np.ndarray, lat: np.ndarray):
    """A lon/lat polygon from a ring, split at the antimeridian when it straddles it."""
    if lon.max() - lon.min() <= 180:
        return shapely.Polygon(np.column_stack([lon, lat]))
    lon = np.where(lon < 0, lon + 360.0, lon)
    poly = shapely.Polygon(np.column_stack([lon, lat]))
    west = shapely.intersection(poly, shapely.box(-180, -90, 180, 90))
    east = shapely.intersection(poly, shapely.box(180, -90, 540, 90))
    east = shapely.transform(east, lambda c: c - np.array([360.0, 0.0]))
    parts = [g for g in (west, east) if not g.is_empty]
    return shapely.MultiPolygon([p for g in parts for p in shapely.get_parts(g)])


def _ray_exit(z: _Zone, x: float, y: float, ux: float, uy: float) -> float:
    """Distance along the ray (x, y) + s (ux, uy) to the zone's ellipse (the point is inside)."""
    u0, v0 = z.norm(x, y)
    c, s = math.cos(z.theta), math.sin(z.theta)
    du, dv = (ux * c + uy * s) / z.a, (-ux * s + uy * c) / z.b
    A = du * du + dv * dv
    B = 2 * (u0 * du + v0 * dv)
    C = u0 * u0 + v0 * v0 - 1
    disc = max(B * B - 4 * A * C, 0.0)
    return (-B + math.sqrt(disc)) / (2 * A)


# ----------------------------------------------------------------------------------------------
# names


_CYR_V = set("аеёиоуыэюя")
_SYL = (
    "ель",
    "ня",
    "вя",
    "зь",
    "ма",
    "ка",
    "сат",
    "нов",
    "гор",
    "ба",
    "ту",
    "ри",
    "ле",
    "на",
    "ду",
    "бра",
    "ва",
    "со",
    "кол",
    "дар",
    "ми",
    "ро",
    "тин",
    "за",
    "по",
    "лья",
    "ез",
    "ин",
    "ар",
    "то",
    "жу",
    "ку",
    "рай",
    "бе",
    "ре",
    "зи",
    "юг",
    "ян",
    "ме",
    "хо",
    "че",
    "шу",
    "ща",
    "во",
    "лга",
    "ол",
    "ён",
    "ки",
    "ев",
    "ог",
)
_SURN = ("ов", "ин", "ев", "ский", "ёв", "енко")
_ADJ_END = ("ый", "ий", "ой", "ая")
# Letters every romanisation writes alike. Deliberately not navwatch.registry's table: the
# simulator must not borrow the normaliser it tests.
_BASE = dict(
    zip("абвгдзиклмнопрстуфыэ", "a b v g d z i k l m n o p r s t u f y e".split(), strict=True)
)
_BASE.update({"ж": "zh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": ""})


#: Letters romanised differently by BGN/PCGN (``bgn``), the press (``press``) and German-style
#: (``j``) usage.
_BY_SYSTEM = {
    "ё": {"bgn": "yo", "press": "e", "j": "jo"},
    "й": {"bgn": "y", "press": "i", "j": "j"},
    "х": {"bgn": "kh", "press": "kh", "j": "h"},
    "ь": {"bgn": "'", "press": "", "j": "'"},
    "ю": {"bgn": "yu", "press": "yu", "j": "ju"},
    "я": {"bgn": "ya", "press": "ya", "j": "ja"},
}


def _translit(word: str, system: str) -> str:
    """Romanise Cyrillic: ``bgn`` (Yel'nya), ``press`` (Elnya) or ``j`` (Jel'nja)."""
    out = []
    prev = " "
    for ch in word:
        lo = ch.lower()
        start = prev == " " or prev in _CYR_V or prev in "ьъ"
        if lo == "е":  # ye/je at a word start or after a vowel, e elsewhere
            s = {"bgn": "ye", "press": "e", "j": "je"}[system] if start else "e"
        else:
            s = _BY_SYSTEM.get(lo, {}).get(system, _BASE.get(lo, lo))
        if ch != lo and s:
            s = s[0].upper() + s[1:]
        out.append(s)
        prev = lo
    return "".join(out)


def _cyr_name(rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.3:
        root = "".join(rng.choice(_SYL, size=rng.integers(1, 3)))
        return "Адмирал " + (root + str(rng.choice(_SURN))).capitalize()
    if r < 0.45:
        root = "".join(rng.choice(_SYL, size=rng.integers(2, 4)))
        return (root + str(rng.choice(_ADJ_END))).capitalize()
    return "".join(rng.choice(_SYL, size=rng.integers(2, 4))).capitalize()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _port_name(rng: np.random.Generator) -> tuple[str, list[str]]:
    root = _translit("".join(rng.choice(_SYL, size=rng.integers(2, 4))).capitalize(), "press")
    suffix = str(rng.choice(["", "", "sk", "vik", "haven", "polis", " Bay", "ovo"]))
    name = (root + suffix).replace("'", "")
    name = name[0].upper() + name[1:]
    aliases = []
    if rng.random() < 0.4:
        aliases.append(f"Port of {name}")
    if rng.random() < 0.3:
        aliases.append(
            name.replace("k", "c").replace("v", "w") if ("k" in name or "v" in name) else name + "a"
        )
    return name, [a for a in aliases if a != name]


# ----------------------------------------------------------------------------------------------
# the world: regions, ports, vessels


def _make_ports(rng, n_ports: int, high_latitude: bool, antimeridian: bool):  # noqa: C901 -- scenario generator: one branch per kind of port and decoy
    n_regions = 1 if n_ports < 5 else 2 if n_ports < 9 else 3
    frames, centres = [], []
    for r in range(n_regions):
        lat0 = float(rng.uniform(-50, 62))
        lon0 = float(rng.uniform(-180, 180))
        if antimeridian and r == 0:
            lon0 = float(180.0 - rng.uniform(-0.4, 0.4))
            lon0 = (lon0 + 180.0) % 360.0 - 180.0
        if high_latitude and r == (1 if n_regions > 1 and antimeridian else 0):
            lat0 = (
                float(rng.uniform(66, 78)) if rng.random() < 0.8 else float(rng.uniform(-70, -62))
            )
        frames.append(_Frame(lat0, lon0))
        centres.append((lat0, lon0))
    region_of = np.sort(np.arange(n_ports) % n_regions)
    ports: list[_Port] = []
    zones: list[_Zone] = []
    names: set[str] = set()
    region_radius = [float(rng.uniform(120e3, 450e3)) for _ in range(n_regions)]
    big_zone = False
    for i in range(n_ports):
        r = int(region_of[i])
        while True:
            name, aliases = _port_name(rng)
            key = re.sub(r"[^a-z]", "", name.lower())
            if key not in names and key not in ("harbour", "anchorage", "operatingarea"):
                names.add(key)
                break
        n_tiers = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
        shapes = []
        if n_tiers == 1:
            ra = float(np.exp(rng.uniform(np.log(0.5e3), np.log(15e3))))
        else:
            ra = float(np.exp(rng.uniform(np.log(0.5e3), np.log(4e3))))
        rb = ra * (float(rng.uniform(0.45, 0.9)) if rng.random() < 0.3 else 1.0)
        th = float(rng.uniform(0, math.pi))
        shapes.append(("harbour", 0.0, 0.0, ra, rb, th))
        inner_bound = ra
        for k in range(1, n_tiers):
            lo = inner_bound + 1.5e3
            if lo >= 14.5e3:
                break
            big = float(rng.uniform(lo, min(15e3, max(lo + 1e3, 3 * inner_bound + 3e3))))
            small = big * (float(rng.uniform(0.75, 1.0)) if rng.random() < 0.3 else 1.0)
            small = max(small, inner_bound + 1.2e3)
            big = max(big, small)
            # centre offset towards the sea, keeping the inner zones inside with >= 300 m to spare
            slack = small - inner_bound - 800.0
            off = float(rng.uniform(0, max(slack, 0.0)))
            ang = float(rng.uniform(0, 2 * math.pi))
            shapes.append(
                (
                    "anchorage" if k == 1 else "operating_area",
                    off * math.cos(ang),
                    off * math.sin(ang),
                    big,
                    small,
                    float(rng.uniform(0, math.pi)),
                )
            )
            inner_bound = off + big
        if max(s[3] for s in shapes) >= 6e3:
            big_zone = True
        # place the port in its region, away from the others
        bound = max(math.hypot(s[1], s[2]) + max(s[3], s[4]) for s in shapes)
        for attempt in range(500):
            if antimeridian and r == 0 and i == 0:
                lat_t = centres[0][0] + float(rng.uniform(-0.5, 0.5))
                lon_t = (
                    179.999 - float(rng.uniform(0, 0.6)) * bound / 111e3
                    if rng.random() < 0.5
                    else -179.999 + float(rng.uniform(0, 0.6)) * bound / 111e3
                )
                xa, ya = frames[r].xy(lon_t, lat_t)
                x, y = float(xa), float(ya)
            else:
                rad = region_radius[r] * math.sqrt(float(rng.random()))
                ang = float(rng.uniform(0, 2 * math.pi))
                x, y = rad * math.cos(ang), rad * math.sin(ang)
            ok = all(
                p.region != r
                or math.hypot(p.cx - x, p.cy - y) > p.bound + bound + 20e3 + 5e3 * attempt / 500
                for p in ports
            )
            if ok:
                break
        pz = []
        for rank, (tier, ox, oy, a, b, th_) in enumerate(shapes):
            z = _Zone(len(zones), i, tier, rank, x + ox, y + oy, a, b, th_, r)
            zones.append(z)
            pz.append(z)
        ports.append(_Port(i, name, aliases, r, x, y, pz))
    # at least one large zone, for long passes and gaps inside a zone
    if not big_zone and ports:
        z = ports[-1].outer
        grow = float(rng.uniform(8e3, 14e3)) / z.bound
        z.a *= grow
        z.b *= grow
    for z in zones:
        xs, ys = z.vertices()
        z.local = shapely.Polygon(np.column_stack([xs, ys]))
        lon, lat = frames[z.region].lonlat(xs, ys)
        z.geom = _lonlat_polygon(lon, lat)
    return frames, ports, zones


def _zones_frame(ports: list[_Port], zones: list[_Zone]) -> gpd.GeoDataFrame:
    rows = []
    for z in zones:
        p = ports[z.port]
        circle = abs(z.a - z.b) < 1e-6
        rows.append(
            {
                "port": p.name,
                "tier": z.tier,
                "tier_rank": z.rank,
                "country": "",
                "locode": "",
                "aliases": "|".join(p.aliases),
                "radius_km": z.a / 1000 if circle else np.nan,
                "source": f"navwatch.simulate ({'circle' if circle else 'ellipse'} {z.a / 1000:.2f} km)",
                "geometry": z.geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    for c in ("port", "tier", "country", "locode", "aliases", "source"):
        gdf[c] = gdf[c].astype(object)
    gdf["tier_rank"] = gdf["tier_rank"].astype("int64")
    return gdf


def _make_vessels(  # noqa: C901 -- scenario generator: one branch per kind of vessel
    rng,
    n_vessels: int,
    ports: list[_Port],
    merchant_share: float,
    no_mmsi_share: float,
    sog_missing_share: float,
    fix_interval_s,
    port_only_share: float,
):
    n_reg = max(1, int(round(n_vessels * (1 - merchant_share)))) if n_vessels else 0
    n_reg = min(n_reg, n_vessels)
    n_no_mmsi = int(round(n_reg * no_mmsi_share))
    if no_mmsi_share > 0 and n_reg >= 3:
        n_no_mmsi = max(n_no_mmsi, 1)
    regions = sorted({p.region for p in ports})
    used_keys: dict[str, int] = {}
    used_mmsi: set[int] = set()
    pennants: set[int] = set()
    rows = []
    # classes: groups of 2-4 registry vessels
    class_of = [""] * n_reg
    k = 0
    cls_id = 0
    while k < n_reg:
        size = int(rng.choice([1, 1, 2, 2, 3, 4]))
        if size > 1 and k + size <= n_reg:
            for j in range(size):
                class_of[k + j] = f"#{cls_id}"
            cls_id += 1
        k += max(size, 1)
    class_type: dict[str, str] = {}
    for i in range(n_vessels):
        registry = i < n_reg
        region = regions[i % len(regions)]
        home = [p.idx for p in ports if p.region == region]
        home_port = int(rng.choice(home))
        has_ais = not registry or i >= n_no_mmsi
        while True:
            mid = int(rng.choice([273, 273, 211, 232, 244, 257, 305, 351, 412, 538, 636]))
            mmsi = mid * 1_000_000 + int(rng.integers(0, 1_000_000))
            if mmsi not in used_mmsi:
                used_mmsi.add(mmsi)
                break
        if registry:
            cyr = ""  # always drawn below
            for _ in range(200):
                cyr = _cyr_name(rng)
                forms = {_translit(cyr, s) for s in ("bgn", "press", "j")}
                keys = {name_key(f) for f in forms} | {name_key(cyr)}
                if not any(kk in used_keys for kk in keys) and all(len(kk) >= 4 for kk in keys):
                    break
            name = _translit(cyr, "bgn").replace("'", "")
            variants = [
                v
                for v in dict.fromkeys(
                    [_translit(cyr, "bgn"), _translit(cyr, "press"), _translit(cyr, "j")]
                )
                if v != name
            ]
            listed = [v for v in variants if rng.random() < 0.5 or name_key(v) != name_key(name)]
            unlisted = [v for v in variants if v not in listed]
            aliases = [*listed, cyr] if rng.random() < 0.7 else listed
            typ = str(rng.choice(_TYPES))
            cls = class_of[i]
            if cls:
                if cls not in class_type:
                    class_type[cls] = typ
                typ = class_type[cls]
            pennant = ""
            if typ not in ("oiler", "tug", "submarine", "salvage ship") and rng.random() < 0.4:
                while True:
                    pn = int(rng.integers(100, 999))
                    if pn not in pennants:
                        pennants.add(pn)
                        break
                pennant = str(pn)
                aliases.append(pennant)
            for f in [name, *aliases, *unlisted]:
                used_keys[name_key(f)] = i
            vid = _slug(name)
            rows.append(
                dict(
                    vessel_id=vid,
                    name=name,
                    aliases="|".join(aliases),
                    type=typ,
                    vessel_class=cls,
                    navy="Simulated Navy",
                    home_port=ports[home_port].name,
                    mmsi=str(mmsi) if has_ais else "",
                    imo=str(int(rng.integers(1_000_000, 9_999_999)))
                    if has_ais and rng.random() < 0.3
                    else "",
                    callsign=f"R{int(rng.integers(100, 999))}{chr(65 + int(rng.integers(0, 26)))}"
                    if has_ais and rng.random() < 0.3
                    else "",
                    notes="simulated",
                    registry=True,
                    has_ais=has_ais,
                    unlisted="|".join(unlisted),
                    cyrillic=cyr,
                    mmsi_int=mmsi if has_ais else 0,
                    region=region,
                    home=home_port,
                )
            )
        else:
            rows.append(
                dict(
                    vessel_id=f"mmsi:{mmsi}",
                    name="",
                    aliases="",
                    type="merchant",
                    vessel_class="",
                    navy="",
                    home_port=ports[home_port].name,
                    mmsi=str(mmsi),
                    imo="",
                    callsign="",
                    notes="",
                    registry=False,
                    has_ais=True,
                    unlisted="",
                    cyrillic="",
                    mmsi_int=mmsi,
                    region=region,
                    home=home_port,
                )
            )
    v = pd.DataFrame(rows)
    # class names after the lead ship
    if len(v):
        lead = {}
        for cls, name in zip(v["vessel_class"], v["name"], strict=True):
            if cls and cls not in lead:
                lead[cls] = name
        style = {c: int(rng.integers(0, 3)) for c in lead}

        def cname(c):
            if not c:
                return ""
            return (
                f"Project {22000 + int(c[1:]) * 37 % 900}" if style[c] == 0 else f"{lead[c]} class"
            )

        v["vessel_class"] = [cname(c) for c in v["vessel_class"]]
        lo, hi = (fix_interval_s, fix_interval_s) if np.isscalar(fix_interval_s) else fix_interval_s
        v["fix_interval_s"] = np.exp(rng.uniform(np.log(lo), np.log(hi), len(v)))
        v["rest_factor"] = rng.choice([1, 1, 1, 2, 3], len(v))
        v["gps_error_m"] = rng.uniform(5, 30, len(v))
        v["sog_missing"] = rng.random(len(v)) < sog_missing_share
        v["ais_port_only"] = v["has_ais"] & (rng.random(len(v)) < port_only_share)
        v["cruise_kn"] = rng.uniform(8, 20, len(v))
        v["approach_kn"] = np.minimum(rng.uniform(3, 12, len(v)), v["cruise_kn"])
    return v


# ----------------------------------------------------------------------------------------------
# plans


class _Plan:
    """A vessel's true movement: waypoints with times; segment k runs from waypoint k to k+1."""

    def __init__(self, t: float, x: float, y: float):
        self.T, self.X, self.Y = [t], [x], [y]
        self.mode: list[int] = []
        self.speed: list[float] = []
        self.level: list[float] = []  # reported-SOG level at rest
        self.swing: list[tuple] = []  # (ax, ay, R, psi0, L, v) for SWING, else ()
        self.rport: list[int] = []  # port of a rest segment, else -1
        self.dark: list[tuple[float, float]] = []
        self.tags: list[tuple[float, float, str, int]] = []

    @property
    def t(self) -> float:
        return self.T[-1]

    @property
    def pos(self) -> tuple[float, float]:
        return self.X[-1], self.Y[-1]

    def move(self, x: float, y: float, kn: float) -> None:
        d = math.hypot(x - self.X[-1], y - self.Y[-1])
        if d < 0.5:
            return
        self._add(self.t + d / (kn * KN), x, y, MOVE, kn, 0.0, (), -1)

    def rest(self, dur: float, level: float, port: int, swing: tuple = ()) -> None:
        self._add(
            self.t + dur, self.X[-1], self.Y[-1], SWING if swing else REST, 0.0, level, swing, port
        )

    def _add(self, t, x, y, mode, kn, level, swing, port):
        self.T.append(t)
        self.X.append(x)
        self.Y.append(y)
        self.mode.append(mode)
        self.speed.append(kn)
        self.level.append(level)
        self.swing.append(swing)
        self.rport.append(port)


class _Planner:
    def __init__(
        self,
        rng,
        v: pd.Series,
        ports: list[_Port],
        zones: list[_Zone],
        t_end: float,
        required: list,
    ):
        self.rng, self.v, self.ports, self.t_end = (
            rng,
            v,
            [p for p in ports if p.region == v["region"]],
            t_end,
        )
        self.all_ports = ports
        self.required = required
        self.region_r = max(math.hypot(p.cx, p.cy) + p.bound for p in self.ports) + 30e3
        self.last_port = -1
        self.big = [z for p in self.ports for z in p.zones if min(z.a, z.b) >= 4.5e3]

    # -- helpers
    def u(self, a=0.0, b=1.0) -> float:
        return float(self.rng.uniform(a, b))

    def cruise(self) -> float:
        return float(np.clip(self.v["cruise_kn"] * self.u(0.9, 1.1), 8, 20))

    def sea_point(self, near=None) -> tuple[float, float]:
        for _ in range(200):
            if near is not None:
                r, a = self.u(20e3, 120e3), self.u(0, 2 * math.pi)
                x, y = near[0] + r * math.cos(a), near[1] + r * math.sin(a)
            else:
                r, a = self.region_r * math.sqrt(self.u()), self.u(0, 2 * math.pi)
                x, y = r * math.cos(a), r * math.sin(a)
            if all(
                math.hypot(x - p.cx, y - p.cy) > p.bound + 6e3
                for p in self.all_ports
                if p.region == self.v["region"]
            ):
                return x, y
        return x, y

    def around(self, plan: _Plan, port: _Port, x: float, y: float, kn: float) -> None:
        """If the straight line from here to (x, y) would cross ``port``'s zones, sail round
        them (4 km off their bounding circle) to the side facing (x, y)."""
        sx, sy = plan.pos
        R = port.bound + 4e3
        dx, dy = x - sx, y - sy
        L2 = dx * dx + dy * dy
        if L2 <= 0 or math.hypot(sx - port.cx, sy - port.cy) < 1.0:
            return
        f = max(0.0, min(1.0, ((port.cx - sx) * dx + (port.cy - sy) * dy) / L2))
        if math.hypot(sx + f * dx - port.cx, sy + f * dy - port.cy) >= port.bound + 1.5e3:
            return
        a0 = math.atan2(sy - port.cy, sx - port.cx)
        a1 = math.atan2(y - port.cy, x - port.cx)
        r0 = max(R, math.hypot(sx - port.cx, sy - port.cy))
        plan.move(port.cx + r0 * math.cos(a0), port.cy + r0 * math.sin(a0), kn)
        da = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
        n = max(1, int(abs(da) / (math.pi / 8)) + 1)
        for j in range(1, n + 1):
            a = a0 + da * j / n
            plan.move(port.cx + R * math.cos(a), port.cy + R * math.sin(a), kn)

    def route(self, plan: _Plan, port: _Port | None, x: float, y: float, kn: float) -> None:
        """Sail to (x, y), going round the port just left and the destination ``port`` rather
        than back through them (passes through other ports' zones happen: they are transits)."""
        sx, sy = plan.pos
        here = min(self.ports, key=lambda p: math.hypot(sx - p.cx, sy - p.cy) - p.bound)
        if (port is None or here.idx != port.idx) and math.hypot(
            sx - here.cx, sy - here.cy
        ) < here.bound + 8e3:
            self.around(plan, here, x, y, kn)
        if port is not None:
            self.around(plan, port, x, y, kn)
        plan.move(x, y, kn)

    def pick_port(self, plan: _Plan) -> _Port:
        ps = self.ports
        w = np.array([3.0 if p.idx == self.v["home"] else 1.0 for p in ps])
        if len(ps) > 1:
            w[[i for i, p in enumerate(ps) if p.idx == self.last_port]] *= 0.15
        return ps[int(self.rng.choice(len(ps), p=w / w.sum()))]

    def facing(self, port: _Port, plan: _Plan) -> float:
        sx, sy = plan.pos
        return math.atan2(sy - port.cy, sx - port.cx)

    def place(self, z: _Zone, clearance: float, inner: _Zone | None, towards: float | None):
        """A point inside ``z`` (outside ``inner``) at least ``clearance`` from their edges."""
        for _ in range(400):
            if towards is not None and self.rng.random() < 0.7:
                a = towards + self.u(-1.2, 1.2)
            else:
                a = self.u(0, 2 * math.pi)
            r = z.bound * math.sqrt(self.u())
            x, y = z.cx + r * math.cos(a), z.cy + r * math.sin(a)
            if z.margin(x, y) < clearance:
                continue
            if inner is not None and -inner.margin(x, y) < clearance:
                continue
            return x, y
        return None

    def edge_point(self, z: _Zone, dist: float, towards: float, outside: bool):
        """A point ``dist`` metres inside (or outside) ``z``'s polygon, and the outward normal."""
        xs, ys = z.vertices()
        ang = np.arctan2(ys - z.cy, xs - z.cx)
        k = int(np.argmin(np.abs((ang - towards + math.pi) % (2 * math.pi) - math.pi)))
        k2 = (k + 1) % _NV
        mx, my = (xs[k] + xs[k2]) / 2, (ys[k] + ys[k2]) / 2
        ex, ey = xs[k2] - xs[k], ys[k2] - ys[k]
        nx, ny = ey, -ex
        n = math.hypot(nx, ny)
        nx, ny = nx / n, ny / n
        if (mx - z.cx) * nx + (my - z.cy) * ny < 0:
            nx, ny = -nx, -ny
        sign = 1.0 if outside else -1.0
        s = dist
        ring = z.local_polygon().exterior
        for _ in range(30):  # the nearest edge may be a neighbour: correct to the true distance
            px, py = mx + sign * s * nx, my + sign * s * ny
            got = ring.distance(shapely.Point(px, py))
            if abs(got - dist) < 0.05:
                break
            s = s * dist / max(got, 1e-6)
        return (px, py), (nx, ny), got

    # -- activities
    def start(self, t0: float) -> _Plan:
        if self.rng.random() < 0.55:
            port = self.pick_port(_Plan(t0, 0, 0))
            z = port.harbour
            p = self.place(z, 100.0, None, None) or (z.cx, z.cy)
            plan = _Plan(t0, *p)
            plan.rest(self.u(0.5, 72) * H, self.rest_level(), port.idx)
            self.last_port = port.idx
            a = self.u(0, 2 * math.pi)
            self.leave(plan, port, (math.cos(a), math.sin(a)), None)
            return plan
        return _Plan(t0, *self.sea_point())

    def rest_level(self) -> float:
        return float(min(abs(self.rng.normal(0, 0.07)), 0.2))

    def leave(
        self, plan: _Plan, port: _Port, u: tuple[float, float], dark_dep: float | None
    ) -> None:
        """From the berth: the first 200-800 m at 1-3 kn, then out beyond the zones."""
        bx, by = plan.pos
        m = self.u(200, 800)
        plan.move(bx + u[0] * m, by + u[1] * m, self.u(1, 3))
        L = self.beyond(port, bx, by, u)
        plan.move(bx + u[0] * L, by + u[1] * L, float(self.v["approach_kn"]) * self.u(0.9, 1.1))
        if dark_dep is not None:
            plan.dark.append((dark_dep, plan.t + self.u(1, 12) * H))

    def beyond(self, port: _Port, x: float, y: float, u) -> float:
        """Distance along u from (x, y) to a point 2-5 km outside the port's bounding circle."""
        R = port.bound + self.u(2e3, 5e3)
        px, py = x - port.cx, y - port.cy
        b = px * u[0] + py * u[1]
        c = px * px + py * py - R * R
        return -b + math.sqrt(max(b * b - c, 0.0))

    def approach(
        self, plan: _Plan, port: _Port, bx: float, by: float, u, slow_last: float | None = None
    ) -> float:
        """Sail in to (bx, by) arriving from direction u; returns the duration of the last stretch."""
        L = self.beyond(port, bx, by, u)
        self.route(plan, port, bx + u[0] * L, by + u[1] * L, self.cruise())
        m = slow_last if slow_last is not None else self.u(200, 800)
        plan.move(bx + u[0] * m, by + u[1] * m, float(self.v["approach_kn"]) * self.u(0.9, 1.1))
        v_m = self.u(1, 3)
        t = plan.t
        plan.move(bx, by, v_m)
        return plan.t - t

    def call(self, plan: _Plan, port: _Port, spec: str | None) -> None:  # noqa: C901 -- scenario generator: one branch per kind of call and decoy
        rng = self.rng
        towards = self.facing(port, plan)
        tiered = len(port.zones) > 1
        labels = [] if spec is None else [spec]
        kind = spec or str(
            rng.choice(
                ["normal", "anchor", "edge", "inside50", "then", "short", "gap", "dark"],
                p=[0.55, 0.12, 0.07, 0.04, 0.04, 0.05, 0.05, 0.08],
            )
        )
        if not self.v["has_ais"] and kind in ("gap", "dark"):
            kind = "normal"  # AIS behaviours of a ship that never transmits
        if kind in ("then", "anchorage_call", "anchor_then_berth") and not tiered:
            kind = "normal"
            labels = []
        level = self.rest_level()
        dur = float(np.exp(rng.uniform(np.log(0.5 * H), np.log(96 * H))))
        swing = False
        z = port.harbour
        inner = None
        if (
            kind.startswith("anchor_sog")
            or kind == "anchor"
            or kind in ("anchorage_call", "then", "anchor_then_berth")
        ):
            swing = kind != "anchorage_call" or rng.random() < 0.5
            if tiered:
                z, inner = port.zones[1], port.harbour
            level = (
                float(spec.split("_")[-1])
                if spec and spec.startswith("anchor_sog")
                else float(min(abs(rng.normal(0, 0.15)), 0.6))
            )
            if kind in ("then", "anchor_then_berth"):
                dur = self.u(1, 12) * H
        elif kind == "stop_sog_0.15":
            level = 0.15
        elif kind.startswith("stop_") and kind.endswith("min"):
            dur = float(kind[5:-3]) * 60
        elif kind == "short":
            mins = int(rng.choice([5, 10, 15, 20, 30]))
            dur = mins * 60.0
            labels = [f"stop_{mins}min" if mins in (5, 15, 30) else "stop_short"]
        # where to rest
        ux = uy = None
        if kind in ("edge", "berth_edge", "inside50", "berth_inside_50m", "berth_outside_50m"):
            a = float(self.v["gps_error_m"])
            dist = {"berth_inside_50m": 50.0, "inside50": 50.0, "berth_outside_50m": 50.0}.get(
                kind, max(2.0, self.u(0.15, 0.8) * a)
            )
            outside = kind == "berth_outside_50m"
            zz = port.harbour if (outside or rng.random() < 0.6) else port.outer
            (bx, by), (ux, uy), got = self.edge_point(zz, dist, towards, outside)
            if outside and tiered and zz is port.harbour and -port.zones[1].margin(bx, by) > -200:
                pass
            labels = [
                kind
                if kind.startswith("berth")
                else ("berth_edge" if kind == "edge" else "berth_inside_50m")
            ]
        else:
            clearance = 100.0
            sw = None
            if swing:
                L = self.u(40, 150)
                R = L / self.u(0.5, 1.5)
                clearance = 2 * R + 100.0
                sw = (L, R)
            p = self.place(z, clearance, inner, towards)
            if p is None:
                z, inner, swing = port.harbour, None, False
                level = self.rest_level()
                p = self.place(z, 20.0, None, towards) or (z.cx, z.cy)
            bx, by = p
            if inner is not None:  # radially away from the harbour: the way in never crosses it
                ux, uy = bx - inner.cx, by - inner.cy
            else:
                a = towards + self.u(-1.0, 1.0)
                ux, uy = math.cos(a), math.sin(a)
            n = math.hypot(ux, uy)
            ux, uy = ux / n, uy / n
        if kind in ("anchor", "then") and not labels:
            labels = ["anchorage_call"] if tiered else []
        if kind == "then" or kind == "anchor_then_berth":
            labels = ["anchor_then_berth"]
        gap = None
        if kind in ("gap", "gap_3.5h", "gap_4.5h"):
            gap = {"gap_3.5h": 3.5, "gap_4.5h": 4.5}.get(
                kind, float(rng.choice([3.5, 4.5, self.u(4, 24)]))
            )
            if kind == "gap":
                labels = [f"gap_{gap:g}h"] if gap in (3.5, 4.5) else []
            # the last stretch must be inside the zone for a fix "in port, moving" before the gap
            room = _ray_exit(z, bx, by, ux, uy)
            slow = min(self.u(200, 800), 0.5 * room)
            last = self.approach(plan, port, bx, by, (ux, uy), slow_last=slow)
        else:
            last = self.approach(plan, port, bx, by, (ux, uy))
        self.last_port = port.idx
        t_berth = plan.t
        if gap is not None:
            d1 = self.u(0.2, 0.8) * last
            d2 = self.u(60, 300)
            dur = max(gap * H - d1 - d2, 60.0)
            plan.dark.append((t_berth - d1, t_berth + dur + d2))
        if swing:
            assert sw is not None  # drawn above with swing
            Ls, Rs = sw
            vs = max(level, 0.1) * KN
            cyc = 2 * Ls / vs
            n = max(1, int(round(dur / cyc)))
            dur = n * cyc
            psi0 = self.u(0, 2 * math.pi)
            ax, ay = bx - Rs * math.cos(psi0), by - Rs * math.sin(psi0)
            plan.rest(dur, level, port.idx, (ax, ay, Rs, psi0, Ls, vs))
        else:
            plan.rest(dur, level, port.idx)
        plan.tags.append((t_berth, plan.t, "|".join(labels), port.idx))
        if kind in ("then", "anchor_then_berth"):
            p = self.place(port.harbour, 100.0, None, None) or (port.harbour.cx, port.harbour.cy)
            plan.move(p[0], p[1], self.u(2, 6))
            t_b = plan.t
            plan.rest(
                float(np.exp(rng.uniform(np.log(1 * H), np.log(72 * H)))),
                self.rest_level(),
                port.idx,
            )
            plan.tags.append((t_b, plan.t, "anchor_then_berth", port.idx))
            a = self.u(0, 2 * math.pi)
            ux, uy = math.cos(a), math.sin(a)
        dark_dep = None
        if kind in ("dark", "dark_departure") and plan.t - t_berth > 20 * 60:
            dark_dep = plan.t - min(self.u(0.5, 6) * H, plan.t - t_berth - 10 * 60)
            plan.tags.append((t_berth, plan.t, "dark_departure", port.idx))
        if kind in (
            "normal",
            "short",
            "dark",
            "dark_departure",
            "gap",
            "gap_3.5h",
            "gap_4.5h",
            "stop_sog_0.15",
        ) or (kind.startswith("stop_") and inner is None):
            a = self.u(0, 2 * math.pi)  # leave in any direction
            ux, uy = math.cos(a), math.sin(a)
        self.leave(plan, port, (ux, uy), dark_dep)

    def transit(self, plan: _Plan, port: _Port, spec: str | None) -> bool:
        rng = self.rng
        kind = spec or str(
            rng.choice(
                ["fast", "medium", "slow", "pilot", "1kn", "3kn", "20min", "2h"],
                p=[0.45, 0.2, 0.1, 0.08, 0.04, 0.05, 0.04, 0.04],
            )
        )
        gap = None
        if kind.startswith("transit_gap"):
            gap = float(kind.split("_")[-1][:-1])
            big = [z for z in self.big if z.port == port.idx] or self.big
            if not big:
                return False
            z = big[int(rng.integers(0, len(big)))]
            port = self.all_ports[z.port]
        else:
            z = port.zones[int(rng.integers(0, len(port.zones)))]
        for _ in range(30):
            a = self.u(0, 2 * math.pi)
            dx, dy = math.cos(a), math.sin(a)
            off = (
                self.u(-0.8, 0.8) * min(z.a, z.b)
                if gap is None
                else self.u(-0.3, 0.3) * min(z.a, z.b)
            )
            cx, cy = z.cx - dy * off, z.cy + dx * off
            far = port.bound * 3 + 10e3
            line = shapely.LineString(
                [(cx - dx * far, cy - dy * far), (cx + dx * far, cy + dy * far)]
            )
            seg = shapely.intersection(line, z.local)
            if seg.is_empty or seg.length < 100:
                continue
            chord = seg.length
            v_in = {
                "fast": self.u(8, 25),
                "medium": self.u(3, 8),
                "slow": self.u(2, 5),
                "transit_slow": self.u(2, 5),
                "1kn": self.u(1.0, 1.2),
                "transit_1kn": self.u(1.0, 1.2),
                "3kn": self.u(2.8, 3.2),
                "transit_3kn": self.u(2.8, 3.2),
                "pilot": self.u(1.0, 2.0),
                "transit_pilot": self.u(1.0, 2.0),
            }.get(kind)
            if kind in ("20min", "transit_20min"):
                v_in = chord / (20 * 60) / KN
            elif kind in ("2h", "transit_2h"):
                v_in = chord / (2 * H) / KN
            elif gap is not None:
                v_in = chord / ((gap + self.u(1.0, 2.0)) * H) / KN
            if v_in is not None and 1.0 <= v_in <= 25.0:
                break
        else:
            return False
        # start on the side facing the ship
        sx, sy = plan.pos
        if (sx - cx) * dx + (sy - cy) * dy > 0:
            dx, dy = -dx, -dy
        (x0, y0), (x1, y1) = shapely.get_coordinates(seg)[[0, -1]]
        if (x1 - x0) * dx + (y1 - y0) * dy < 0:
            x0, y0, x1, y1 = x1, y1, x0, y0
        e = port.bound + self.u(2e3, 5e3)
        t_from_c = lambda px, py: (px - cx) * dx + (py - cy) * dy  # noqa: E731
        ex0, ey0 = cx + dx * -(e + abs(off)), cy + dy * -(e + abs(off))
        ex1, ey1 = cx + dx * (e + abs(off)), cy + dy * (e + abs(off))
        self.route(plan, port, ex0, ey0, self.cruise())
        v_out = max(v_in, float(self.v["approach_kn"]) if kind != "fast" else v_in)
        pad = 500.0 if kind not in ("pilot", "transit_pilot") else 0.0
        a0 = t_from_c(x0, y0) - pad
        a1 = t_from_c(x1, y1) + pad
        if kind in ("pilot", "transit_pilot"):  # slow only over the middle of the pass
            a0 = t_from_c(x0, y0) + 0.2 * chord
            a1 = t_from_c(x1, y1) - 0.2 * chord
            v_out = max(float(self.v["approach_kn"]), 6.0)
        plan.move(cx + dx * a0, cy + dy * a0, v_out)
        t_in0 = plan.t
        plan.move(cx + dx * a1, cy + dy * a1, v_in)
        t_in1 = plan.t
        plan.move(ex1, ey1, v_out)
        label = {
            "1kn": "transit_1kn",
            "3kn": "transit_3kn",
            "20min": "transit_20min",
            "2h": "transit_2h",
            "slow": "transit_slow",
            "pilot": "transit_pilot",
        }.get(kind, kind if kind.startswith("transit") else "")
        if gap is not None:
            mid = (t_in0 + t_in1) / 2
            plan.dark.append((mid - gap * H / 2, mid + gap * H / 2))
        plan.tags.append((t_in0, t_in1, label, port.idx))
        return True

    def sea_stop(self, plan: _Plan) -> None:
        x, y = self.sea_point(near=plan.pos)
        self.route(plan, None, x, y, self.cruise())
        t = plan.t
        plan.rest(self.u(1, 12) * H, self.u(0, 0.3), -1)
        plan.tags.append((t, plan.t, "sea_stop", -1))

    def run(self, t0: float) -> _Plan:
        plan = self.start(t0)
        rng = self.rng
        mine: list[str] = []
        failed: list[str] = []
        while self.required and len(mine) < 2 and rng.random() < 0.9:
            mine.append(self.required.pop())
        while plan.t < self.t_end:
            spec = mine.pop() if mine else None
            if spec is None:
                r = rng.random()
                act = (
                    "call"
                    if r < 0.5
                    else "transit"
                    if r < 0.78
                    else "sea_stop"
                    if r < 0.85
                    else "sea"
                )
            elif spec.startswith("transit"):
                act = "transit"
            elif spec == "sea_stop":
                act = "sea_stop"
            else:
                act = "call"
            if act == "call":
                self.call(plan, self.pick_port(plan), spec)
            elif act == "transit":
                ports = self.ports
                if not self.transit(plan, ports[int(rng.integers(0, len(ports)))], spec):
                    if spec is not None:
                        failed.append(spec)
                    self.sea_leg(plan)
            elif act == "sea_stop":
                self.sea_stop(plan)
            else:
                self.sea_leg(plan)
        self.required[:0] = (
            mine + failed
        )  # not laid (the period ended, or no zone fits): another ship's
        return plan

    def sea_leg(self, plan: _Plan) -> None:
        x, y = self.sea_point(near=plan.pos)
        self.route(plan, None, x, y, self.cruise())
        # sea legs never cross a zone on purpose; if one does, it is a genuine transit


@dataclass
class _Track:
    T: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    mode: np.ndarray
    speed: np.ndarray
    level: np.ndarray
    swing: np.ndarray  # (n_seg, 6): ax, ay, R, psi0, L, v (NaN for non-swing)
    rport: np.ndarray
    dark: np.ndarray  # (n, 2)
    tags: list

    @classmethod
    def of(cls, p: _Plan) -> _Track:
        sw = np.full((len(p.mode), 6), np.nan)
        for k, s in enumerate(p.swing):
            if s:
                sw[k] = s
        dark = np.array(sorted(p.dark), dtype="float64").reshape(-1, 2)
        return cls(
            np.array(p.T),
            np.array(p.X),
            np.array(p.Y),
            np.array(p.mode, dtype=np.int8),
            np.array(p.speed),
            np.array(p.level),
            sw,
            np.array(p.rport, dtype=np.int32),
            dark,
            p.tags,
        )

    def seg(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.T, t, side="right") - 1, 0, len(self.mode) - 1)

    def position(
        self, t: np.ndarray, seg: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """True positions (swinging at anchor included) at times ``t``."""
        seg = self.seg(t) if seg is None else seg
        x = np.interp(t, self.T, self.X)
        y = np.interp(t, self.T, self.Y)
        sw = self.mode[seg] == SWING
        if sw.any():
            s = self.swing[seg[sw]]
            tau = t[sw] - self.T[seg[sw]]
            cyc = 2 * s[:, 4] / s[:, 5]
            ph = (tau % cyc) / cyc
            arc = s[:, 4] * (1 - np.abs(1 - 2 * ph))
            psi = s[:, 3] + arc / s[:, 2]
            x[sw] = s[:, 0] + s[:, 2] * np.cos(psi)
            y[sw] = s[:, 1] + s[:, 2] * np.sin(psi)
        return x, y

    def dark_mask(self, t: np.ndarray) -> np.ndarray:
        if not len(self.dark):
            return np.zeros(len(t), dtype=bool)
        m = np.zeros(len(t), dtype=bool)
        for a, b in self.dark:
            i0, i1 = np.searchsorted(t, [a, b])
            m[i0:i1] = True
        return m


# ----------------------------------------------------------------------------------------------
# membership


def _membership(
    x: np.ndarray,
    y: np.ndarray,
    zones: list[_Zone],
    region: int,
    frame: _Frame,
    lon: np.ndarray | None = None,
    lat: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Port index and innermost tier rank of the zone containing each point (-1, -1 outside),
    decided on the lon/lat polygons (the local test is exact up to a sub-metre band)."""
    port = np.full(len(x), -1, np.int32)
    rank = np.full(len(x), -1, np.int32)
    by_port: dict[int, list[_Zone]] = {}
    for z in zones:
        if z.region == region:
            by_port.setdefault(z.port, []).append(z)
    for pz in by_port.values():
        x0 = min(z.cx - z.bound for z in pz) - 10
        x1 = max(z.cx + z.bound for z in pz) + 10
        y0 = min(z.cy - z.bound for z in pz) - 10
        y1 = max(z.cy + z.bound for z in pz) + 10
        near_p = np.flatnonzero((x > x0) & (x < x1) & (y > y0) & (y < y1))
        if not len(near_p):
            continue
        xp, yp = x[near_p], y[near_p]
        for z in sorted(pz, key=lambda z: -z.rank):  # outer first: the innermost wins
            sub = np.flatnonzero(
                (np.abs(xp - z.cx) < z.bound + 10) & (np.abs(yp - z.cy) < z.bound + 10)
            )
            if not len(sub):
                continue
            near = near_p[sub]
            m = z.margin(xp[sub], yp[sub])
            inside = m > 0
            band = np.abs(m) < 1.0
            if band.any():
                b = near[band]
                if lon is None or lat is None:  # given together
                    blon, blat = frame.lonlat(x[b], y[b])
                else:
                    blon, blat = lon[b], lat[b]
                inside[band] = shapely.contains_xy(z.geom, blon, blat)
            hit = near[inside]
            port[hit] = z.port
            rank[hit] = z.rank
    return port, rank


# ----------------------------------------------------------------------------------------------
# visits


def _visits(tr: _Track, zones: list[_Zone], region: int, t0: float, t1: float):
    """Per zone, the intervals the true track is inside its polygon (local frame)."""
    out: list[tuple[_Zone, float, float, bool, bool, float, float]] = []
    n = len(tr.mode)
    zs = [z for z in zones if z.region == region]
    if n == 0 or not zs:
        return out
    xs0, ys0, xs1, ys1 = tr.X[:-1], tr.Y[:-1], tr.X[1:], tr.Y[1:]
    moving = (np.hypot(xs1 - xs0, ys1 - ys0) > 0) & (tr.T[1:] > t0 - 1) & (tr.T[:-1] < t1 + 1)
    cx = np.array([z.cx for z in zs])
    cy = np.array([z.cy for z in zs])
    bd = np.array([z.bound + 10 for z in zs])
    near = (
        moving[:, None]
        & (np.maximum(xs0, xs1)[:, None] > (cx - bd)[None])
        & (np.minimum(xs0, xs1)[:, None] < (cx + bd)[None])
        & (np.maximum(ys0, ys1)[:, None] > (cy - bd)[None])
        & (np.minimum(ys0, ys1)[:, None] < (cy + bd)[None])
    )
    ks, js = np.nonzero(near)
    times_by_zone: dict[int, np.ndarray] = {}
    speed_at: dict[int, dict] = {}  # per zone: crossing time -> speed across the edge (kn)
    if len(ks):
        lines = shapely.linestrings(
            np.stack(
                [np.column_stack([xs0[ks], ys0[ks]]), np.column_stack([xs1[ks], ys1[ks]])], axis=1
            )
        )
        rings = np.array([z.local_polygon().exterior for z in zs], dtype=object)[js]
        hits = shapely.intersection(lines, rings)
        coords, idx = shapely.get_coordinates(hits, return_index=True)
        if len(idx):
            k = ks[idx]
            seglen = np.hypot(xs1[k] - xs0[k], ys1[k] - ys0[k])
            f = np.hypot(coords[:, 0] - xs0[k], coords[:, 1] - ys0[k]) / seglen
            times = tr.T[k] + f * (tr.T[k + 1] - tr.T[k])
            zj = js[idx]
            # how steeply the track crosses the edge: the normal of the ellipse at the point
            sin_cross = np.ones(len(k))
            for j in np.unique(zj):
                mj = zj == j
                z = zs[int(j)]
                c, s_ = math.cos(z.theta), math.sin(z.theta)
                u, v = z.norm(coords[mj, 0], coords[mj, 1])
                gu, gv = u / z.a, v / z.b  # gradient in the rotated frame
                nx, ny = gu * c - gv * s_, gu * s_ + gv * c
                dx, dy = (xs1 - xs0)[k[mj]], (ys1 - ys0)[k[mj]]
                sin_cross[mj] = np.abs(nx * dx + ny * dy) / (np.hypot(nx, ny) * np.hypot(dx, dy))
                times_by_zone[int(j)] = times[mj]
                speed_at[int(j)] = dict(
                    zip(
                        times[mj].tolist(),
                        (tr.speed[k[mj]] * np.maximum(sin_cross[mj], 0.05)).tolist(),
                        strict=True,
                    )
                )
    for j, z in enumerate(zs):
        times = times_by_zone.get(j)
        if times is None:
            # no crossing: inside for the whole period or never
            mx, my = np.interp([(t0 + t1) / 2], tr.T, tr.X), np.interp([(t0 + t1) / 2], tr.T, tr.Y)
            if z.margin(mx, my)[0] > 0:
                out.append((z, t0, t1, True, True, np.nan, np.nan))
            continue
        bps = np.unique(np.concatenate([[t0, t1], times]))
        bps = bps[(bps >= t0) & (bps <= t1)]
        mids = (bps[:-1] + bps[1:]) / 2
        inside = z.margin(np.interp(mids, tr.T, tr.X), np.interp(mids, tr.T, tr.Y)) > 0
        if not inside.any():
            continue
        edges = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
        for st, en in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            a, d = bps[st], bps[en]
            out.append(
                (z, a, d, a <= t0, d >= t1, speed_at[j].get(a, np.nan), speed_at[j].get(d, np.nan))
            )
    return out


# ----------------------------------------------------------------------------------------------
# the simulation


def simulate(
    seed: int,
    *,
    n_vessels: int = 40,
    days: float = 10.0,
    n_ports: int = 6,
    fix_interval_s: float | tuple[float, float] = (10.0, 1800.0),
    merchant_share: float = 0.35,
    no_mmsi_share: float = 0.2,
    sog_missing_share: float = 0.2,
    port_only_share: float = 0.05,
    osint: bool = True,
    decoys: bool = True,
    faults: bool = True,
    contradictions: bool = True,
    high_latitude: bool | None = None,
    antimeridian: bool | None = None,
    duplicate_rate: float = 0.005,
    jump_rate: float = 0.0005,
) -> Scenario:
    """Simulate a world of ports and vessels, the evidence about it, and the ground truth.

    Parameters
    ----------
    seed : int
        Everything is drawn from generators seeded with it: the same seed and arguments give
        the same scenario.
    n_vessels : int
        Vessels in the world, registry and other AIS traffic together.
    days : float
        Length of the observed period.
    n_ports : int
        Ports (one to three zones each), spread over 1 (< 5 ports), 2 (< 9) or 3 regions.
    fix_interval_s : float or (float, float)
        AIS fix interval; a pair draws each vessel's interval log-uniformly between the two
        (default 10 s to 30 min). Intervals are jittered by +-30 %; some vessels report 2-3x
        less often at rest.
    merchant_share : float
        Share of vessels that are not in the registry (AIS only, ``vessel_id`` ``mmsi:<n>``).
    no_mmsi_share : float
        Share of registry vessels without an MMSI: never on AIS, seen only by OSINT.
    sog_missing_share : float
        Share of AIS vessels whose SOG is missing (NaN) in every fix.
    port_only_share : float
        Share of AIS vessels whose AIS is on only while at rest in port.
    osint : bool
        Generate sightings and port surveys.
    decoys : bool
        Make sure every label of :data:`DECOYS` that the size allows appears at least once.
    faults : bool
        Duplicates, position jumps and shuffled rows.
    contradictions : bool
        Inject contradictory OSINT (see module docs).
    high_latitude, antimeridian : bool, optional
        Put a region at 62-78 deg latitude / a port straddling the antimeridian; None draws
        each at random (probability 0.35 / 0.3).
    duplicate_rate, jump_rate : float
        Share of fixes duplicated / turned into single-fix position jumps.

    Returns
    -------
    Scenario
    """
    params = {k: v for k, v in locals().items() if k != "seed"}
    if int(n_vessels) < 1 or float(days) <= 0:
        raise ConfigError("simulate needs n_vessels >= 1 and days > 0")
    rngs = [np.random.default_rng(np.random.SeedSequence([int(seed), k])) for k in range(8)]
    r_world, r_plan, r_ais, r_osint, r_fault = rngs[:5]
    if high_latitude is None:
        high_latitude = bool(r_world.random() < 0.35)
    if antimeridian is None:
        antimeridian = bool(r_world.random() < 0.3)
    start_ns = (
        int(pd.Timestamp("2019-01-01", tz="UTC").value)
        + int(r_world.integers(0, 6 * 365 * 86400)) * NS
    )
    start = pd.Timestamp(start_ns, tz="UTC")
    span = float(days) * 86400.0
    frames, ports, zones = _make_ports(r_world, max(int(n_ports), 1), high_latitude, antimeridian)
    vessels = _make_vessels(
        r_world,
        int(n_vessels),
        ports,
        merchant_share,
        no_mmsi_share,
        sog_missing_share,
        fix_interval_s,
        port_only_share,
    )
    # plans
    required = list(DECOYS) if decoys else []
    required = [d for d in required if d not in ("ais_port_only", "sea_stop")] + ["sea_stop"]
    required = [required[i] for i in r_plan.permutation(len(required))]
    if decoys and len(vessels) and vessels["has_ais"].any() and not vessels["ais_port_only"].any():
        j = int(np.flatnonzero(vessels["has_ais"].to_numpy())[-1])
        vessels.loc[j, "ais_port_only"] = True
    V = vessels.to_dict("records")
    tracks: list[_Track] = []
    for i in range(len(vessels)):
        v = V[i]
        req = required if (v["has_ais"] and not v["ais_port_only"]) else []
        plan = _Planner(r_plan, v, ports, zones, span, req).run(0.0)
        if v["has_ais"] and not v["ais_port_only"]:
            # reception gaps at random
            for _ in range(int(r_plan.poisson(span / 86400 * 0.15))):
                a = float(r_plan.uniform(0, span))
                plan.dark.append((a, a + float(r_plan.uniform(1, 8)) * H))
        if v["ais_port_only"]:
            for k, m in enumerate(plan.mode):
                if m != MOVE and plan.rport[k] >= 0:
                    plan.tags.append((plan.T[k], plan.T[k + 1], "ais_port_only", plan.rport[k]))
        tracks.append(_Track.of(plan))

    ais, ais_meta, fixes = _sample_ais(
        r_ais,
        r_fault,
        vessels,
        tracks,
        zones,
        frames,
        span,
        start_ns,
        faults,
        duplicate_rate,
        jump_rate,
    )
    visits = _truth_visits(vessels, tracks, zones, ports, span)
    if osint:
        osint_df, osint_meta, osint_ev, contra = _make_osint(
            r_osint, vessels, tracks, zones, ports, frames, span, start_ns, visits, contradictions
        )
    else:
        osint_df, osint_meta = (
            schema.empty(("time", "lat", "lon", "kind", "vessel")),
            pd.DataFrame({"vessel_ids": pd.Series(dtype=object), "false": pd.Series(dtype=bool)}),
        )
        osint_ev = _empty_evidence()
        contra = []
    truth_visits, truth_events = _truth_tables(
        vessels, tracks, zones, ports, visits, fixes, osint_ev, contra, span, start_ns
    )
    zones_gdf = _zones_frame(ports, zones)
    names = np.array([p.name for p in ports] + [""], dtype=object)
    ais_meta["port"] = pd.Categorical.from_codes(
        np.where(ais_meta["port_idx"] >= 0, ais_meta["port_idx"], len(ports)),
        categories=pd.Index(list(names), dtype=_TEXT),
    )
    ais_meta = ais_meta.drop(columns="port_idx")
    decoy_rows = [
        {
            "vessel_id": V[i]["vessel_id"],
            "decoy": part,
            "port": names[port],
            "start": pd.Timestamp(start_ns + int(round(ta * NS)), tz="UTC"),
            "end": pd.Timestamp(start_ns + int(round(tb * NS)), tz="UTC"),
        }
        for i, tr in enumerate(tracks)
        for ta, tb, lab, port in tr.tags
        for part in lab.split("|")
        if part
    ]
    decoy_log = pd.DataFrame(decoy_rows, columns=["vessel_id", "decoy", "port", "start", "end"])
    reg_frame = vessels[vessels["registry"]][REGISTRY_COLUMNS].reset_index(drop=True).astype(str)
    registry = Registry(reg_frame, path="<simulated>")
    contradictions_df = pd.DataFrame(
        [
            {
                "vessel_id": c["vessel_id"],
                "time": pd.Timestamp(start_ns + int(round(c["t"] * NS)), tz="UTC"),
                "kind": c["kind"],
                "port": ports[c["port"]].name,
                "zones": "|".join(
                    f"{ports[zones[z].port].name}/{zones[z].tier}" for z in c["zones"]
                ),
            }
            for c in contra
        ],
        columns=["vessel_id", "time", "kind", "port", "zones"],
    )
    track_rows = []
    for i, tr in enumerate(tracks):
        n = len(tr.mode)
        track_rows.append(
            pd.DataFrame(
                {
                    "vessel_id": V[i]["vessel_id"],
                    "t0": _ts(start_ns + np.round(tr.T[:-1] * NS).astype("int64")),
                    "t1": _ts(start_ns + np.round(tr.T[1:] * NS).astype("int64")),
                    "x0": tr.X[:-1],
                    "y0": tr.Y[:-1],
                    "x1": tr.X[1:],
                    "y1": tr.Y[1:],
                    "mode": np.array(["move", "rest", "swing"])[tr.mode] if n else [],
                    "speed_kn": tr.speed,
                    "region": int(V[i]["region"]),
                }
            )
        )
    tracks_df = pd.concat(track_rows, ignore_index=True) if track_rows else pd.DataFrame()
    keep = [
        c
        for c in vessels.columns
        if c
        not in (
            "unlisted",
            "cyrillic",
            "mmsi_int",
            "home",
            "rest_factor",
            "cruise_kn",
            "approach_kn",
        )
    ]
    return Scenario(
        seed=int(seed),
        start=start,
        end=start + pd.Timedelta(seconds=span),
        zones=zones_gdf,
        vessels=vessels[keep].reset_index(drop=True),
        registry=registry,
        ais=ais,
        ais_meta=ais_meta,
        osint=osint_df,
        osint_meta=osint_meta,
        truth_visits=truth_visits,
        truth_events=truth_events,
        contradictions=contradictions_df,
        decoys=decoy_log,
        tracks=tracks_df,
        params=params,
    )


# ----------------------------------------------------------------------------------------------
# AIS


def _sample_ais(
    rng, r_fault, vessels, tracks, zones, frames, span, start_ns, faults, dup_rate, jump_rate
):
    V = vessels.to_dict("records")
    cols = {k: [] for k in ("v", "t", "x", "y", "xo", "yo", "sog", "cog", "rest", "fault", "src")}
    for i in range(len(vessels)):
        v = V[i]
        if not v["has_ais"]:
            continue
        tr = tracks[i]
        dt = float(v["fix_interval_s"])
        n = int(span / (0.7 * dt)) + 2
        t = float(rng.uniform(0, dt)) + np.concatenate(
            [[0.0], np.cumsum(dt * rng.uniform(0.7, 1.3, n))]
        )
        t = t[t < span]
        seg = tr.seg(t)
        mode = tr.mode[seg]
        rest = mode != MOVE
        if v["rest_factor"] > 1 and rest.any():
            ri = np.flatnonzero(rest)
            drop = ri[(np.arange(len(ri)) % int(v["rest_factor"])) != 0]
            keep = np.ones(len(t), bool)
            keep[drop] = False
            t, seg, rest = t[keep], seg[keep], rest[keep]
        keep = ~tr.dark_mask(t)
        if v["ais_port_only"]:
            keep &= rest & (tr.rport[seg] >= 0)
        t, seg, rest = t[keep], seg[keep], rest[keep]
        x, y = tr.position(t, seg)
        a = float(v["gps_error_m"])
        r = np.minimum(np.abs(rng.normal(0, a / 2, len(t))) * math.sqrt(2), a)
        ang = rng.uniform(0, 2 * math.pi, len(t))
        xo, yo = x + r * np.cos(ang), y + r * np.sin(ang)
        sog = np.where(
            rest,
            tr.level[seg] + rng.normal(0, 0.04, len(t)),
            tr.speed[seg] + rng.normal(0, 0.08, len(t)),
        )
        sog = np.round(np.clip(sog, 0, None), 1)
        if v["sog_missing"]:
            sog[:] = np.nan
        hd = np.degrees(np.arctan2(tr.X[seg + 1] - tr.X[seg], tr.Y[seg + 1] - tr.Y[seg])) % 360
        cog = np.where(rest, rng.uniform(0, 360, len(t)), (hd + rng.normal(0, 2, len(t))) % 360)
        fault = np.zeros(len(t), np.int8)
        src = rng.integers(0, 2, len(t)).astype(np.int8)
        if faults and len(t) > 4:
            # single-fix jumps: neighbours within 30 min on both sides, never first/last
            cand = np.flatnonzero(
                (np.diff(t, prepend=-1e9) < 1800) & (np.diff(t, append=1e18) < 1800)
            )
            cand = cand[(cand > 0) & (cand < len(t) - 1)]
            nj = int(r_fault.binomial(len(t), jump_rate)) + (1 if r_fault.random() < 0.3 else 0)
            if len(cand) and nj:
                pick = np.sort(r_fault.choice(cand, size=min(nj, len(cand)), replace=False))
                pick = pick[np.concatenate([[True], np.diff(pick) > 2])]
                d = r_fault.uniform(100e3, 800e3, len(pick))
                ja = r_fault.uniform(0, 2 * math.pi, len(pick))
                xo[pick] = x[pick] + d * np.cos(ja)
                yo[pick] = y[pick] + d * np.sin(ja)
                fault[pick] = 2
        cols["v"].append(np.full(len(t), i, np.int32))
        for k, arr in (
            ("t", t),
            ("x", x),
            ("y", y),
            ("xo", xo),
            ("yo", yo),
            ("sog", sog),
            ("cog", cog),
            ("rest", rest),
            ("fault", fault),
            ("src", src),
        ):
            cols[k].append(arr)
    if not cols["t"]:
        empty = schema.conform(
            pd.DataFrame(
                {
                    "time": pd.Series(dtype=schema.TIME_DTYPE),
                    "lat": [],
                    "lon": [],
                    "kind": pd.Categorical([], categories=list(schema.KINDS)),
                    "mmsi": pd.Series(dtype="Int64"),
                    "sog_kn": [],
                    "cog_deg": [],
                }
            )
        )
        meta = pd.DataFrame(
            {
                "vessel_id": pd.Series(dtype=object),
                "at_rest": pd.Series(dtype=bool),
                "fault": pd.Series(dtype=object),
                "visible": pd.Series(dtype=bool),
                "port_idx": pd.Series(dtype=np.int32),
                "tier_rank": pd.Series(dtype=np.int32),
            }
        )
        return empty, meta, _empty_fixes()
    c = {k: np.concatenate(v) for k, v in cols.items()}
    # duplicates: the same message from the other receiver, 0.05-1 s later
    if faults:
        ok = np.flatnonzero(c["fault"] == 0)
        nd = int(r_fault.binomial(len(ok), dup_rate))
        if nd:
            src_i = np.sort(r_fault.choice(ok, size=nd, replace=False))
            dup = {k: a[src_i].copy() for k, a in c.items()}
            dup["t"] = dup["t"] + r_fault.uniform(0.05, 1.0, nd)
            dup["fault"][:] = 1
            dup["src"] = 1 - dup["src"]
            c = {k: np.concatenate([c[k], dup[k]]) for k in c}
    lon = np.empty(len(c["t"]))
    lat = np.empty(len(c["t"]))
    region = vessels["region"].to_numpy()[c["v"]]
    port = np.full(len(c["t"]), -1, np.int32)
    rank = np.full(len(c["t"]), -1, np.int32)
    for r, fr in enumerate(frames):
        m = region == r
        if not m.any():
            continue
        lon[m], lat[m] = fr.lonlat(c["xo"][m], c["yo"][m])
        ok = m & (c["fault"] != 2)
        p, k = _membership(c["xo"][ok], c["yo"][ok], zones, r, fr, lon[ok], lat[ok])
        port[ok], rank[ok] = p, k
    order = r_fault.permutation(len(c["t"])) if faults else np.lexsort((c["t"], c["v"]))
    mmsi = vessels["mmsi_int"].to_numpy()[c["v"]]
    t_ns = start_ns + np.round(c["t"] * NS).astype("int64")
    n = len(order)
    ais = pd.DataFrame(
        {
            "time": _ts(t_ns[order]),
            "lat": lat[order],
            "lon": lon[order],
            "kind": pd.Categorical.from_codes(np.zeros(n, np.int8), dtype=schema.KIND_DTYPE),
            "mmsi": pd.array(mmsi[order], dtype="Int64"),
            "sog_kn": c["sog"][order],
            "cog_deg": np.round(c["cog"][order], 1),
            "source": pd.Categorical.from_codes(
                c["src"][order], categories=pd.Index(["AIS-T", "AIS-S"], dtype=_TEXT)
            ),
            "src_file": pd.Categorical.from_codes(
                np.zeros(n, np.int8), categories=pd.Index(["sim_ais.csv"], dtype=_TEXT)
            ),
            "src_line": pd.array(np.arange(2, n + 2, dtype="int32"), dtype="Int32"),
        }
    )
    ais = schema.conform(ais)
    ids = pd.Index(vessels["vessel_id"].astype(str).tolist(), dtype=_TEXT)
    meta = pd.DataFrame(
        {
            "vessel_id": pd.Categorical.from_codes(c["v"][order], categories=ids),
            "at_rest": c["rest"][order].astype(bool),
            "fault": pd.Categorical.from_codes(
                c["fault"][order], categories=pd.Index(["", "duplicate", "jump"], dtype=_TEXT)
            ),
            "visible": c["fault"][order] == 0,
            "port_idx": port[order],
            "tier_rank": rank[order],
        }
    )
    fixes = {k: c[k] for k in ("v", "t", "xo", "yo", "sog", "rest", "fault")}
    fixes["port"], fixes["rank"] = port, rank
    return ais, meta, fixes


_TEXT = pd.Index(["x"]).dtype  # this pandas' default dtype for text


def _ts(ns: np.ndarray) -> pd.Series:
    """UTC timestamps from int64 nanoseconds (fast path)."""
    return (
        pd.Series(np.asarray(ns, dtype="int64").view("datetime64[ns]"))
        .dt.tz_localize("UTC")
        .astype(schema.TIME_DTYPE)
    )


def _empty_fixes():
    return {k: np.empty(0) for k in ("v", "t", "xo", "yo", "sog", "rest", "fault", "port", "rank")}


#: Dtypes of the evidence arrays the truth tables are built from (``t`` in seconds).
_EVIDENCE_DTYPES = {
    "v": np.int32,
    "t": np.float64,
    "status": np.int8,
    "port": np.int32,
    "rank": np.int32,
    "kind": np.int8,
    "false": bool,
}


def _empty_evidence():
    return {k: np.empty(0, dtype=d) for k, d in _EVIDENCE_DTYPES.items()}


# ----------------------------------------------------------------------------------------------
# truth: visits


def _truth_visits(vessels, tracks, zones, ports, span):
    """Every visit of every vessel to every zone, with what the ship did there."""
    V = vessels.to_dict("records")
    out = []
    for i, tr in enumerate(tracks):
        region = int(V[i]["region"])
        rest_k = np.flatnonzero(tr.mode != MOVE)
        inside_cache: dict[int, np.ndarray] = {}
        for z, a, d, open_a, open_d, v_a, v_d in _visits(tr, zones, region, 0.0, span):
            # rest legs overlapping the visit (their position is inside: the visit contains them)
            ra = np.maximum(tr.T[rest_k], a)
            rd = np.minimum(tr.T[rest_k + 1], d)
            ov = rd - ra
            if z.idx not in inside_cache:
                inside_cache[z.idx] = (
                    z.margin(tr.X[rest_k], tr.Y[rest_k]) > 0 if len(rest_k) else np.zeros(0, bool)
                )
            inside = inside_cache[z.idx]
            rest_s = float(np.sum(np.where((ov > 0) & inside, ov, 0.0)))
            labels = []
            for ta, tb, lab, port in tr.tags:
                if lab and port == z.port and tb >= a - 1 and ta <= d + 1:
                    for part in lab.split("|"):
                        if part and part not in labels:
                            labels.append(part)
            out.append(
                dict(
                    v=i,
                    zone=z.idx,
                    port=z.port,
                    rank=z.rank,
                    a=a,
                    d=d,
                    open_a=open_a,
                    open_d=open_d,
                    stopped=rest_s > 0,
                    rest_min=rest_s / 60.0,
                    labels=labels,
                    v_a=v_a,
                    v_d=v_d,
                )
            )
    return out


# ----------------------------------------------------------------------------------------------
# OSINT


def _confidence(rng) -> tuple[str, float]:
    r = rng.random()
    if r < 0.4:
        x = round(float(rng.uniform(0.5, 0.97)), 2)
        return f"{x:g}", x
    if r < 0.75:
        w = str(rng.choice(list(CONFIDENCE_WORDS)))
        w = w.capitalize() if rng.random() < 0.3 else w
        return w, CONFIDENCE_WORDS[w.lower()]
    p = int(rng.choice([50, 60, 65, 70, 75, 80, 85, 90, 95]))
    return f"{p}%", p / 100.0


def _token(rng, v: pd.Series) -> str:
    """How an observer names one vessel: name, registry alias, unlisted transliteration, pennant."""
    forms = [v["name"]] * 4
    al = [a for a in str(v["aliases"]).split("|") if a]
    forms += al
    forms += [u for u in str(v["unlisted"]).split("|") if u] * 2
    f = str(rng.choice(forms))
    r = rng.random()
    if r < 0.15:
        f = f.upper()
    elif r < 0.25:
        f = f.lower()
    return f


def _make_osint(rng, vessels, tracks, zones, ports, frames, span, start_ns, visits, contradictions):  # noqa: C901 -- scenario generator: one branch per kind of evidence, fault and contradiction
    V = vessels.to_dict("records")
    reg = np.flatnonzero(vessels["registry"].to_numpy())
    ev: dict[str, list] = {k: [] for k in _EVIDENCE_DTYPES}
    rows, meta = [], []
    n_ports = len(ports)

    def add_ev(i, t, status, port, rank, kind, false=False):
        for k, val in (
            ("v", i),
            ("t", t),
            ("status", status),
            ("port", port),
            ("rank", rank),
            ("kind", kind),
            ("false", false),
        ):
            ev[k].append(val)

    groups: dict[str, list[int]] = {}
    for i in reg:
        v = V[i]
        if v["vessel_class"]:
            groups.setdefault("class:" + v["vessel_class"], []).append(i)
        groups.setdefault("type:" + v["type"], []).append(i)

    def group_of(i) -> str:
        v = V[i]
        return "class:" + v["vessel_class"] if v["vessel_class"] else "type:" + v["type"]

    def group_token(g: str, n: int) -> str:
        name = g.split(":", 1)[1]
        r = rng.random()
        if r < 0.6:
            return f"{name} x{n}"
        if r < 0.8:
            return f"{n} x {name}"
        return f"{name} ({n})"

    def true_pos(i, t):
        tr = tracks[i]
        x, y = tr.position(np.atleast_1d(np.asarray(t, dtype="float64")))
        return x, y

    region_of = vessels["region"].to_numpy()

    def member(i, x, y):
        r = int(region_of[i])
        return _membership(np.atleast_1d(x), np.atleast_1d(y), zones, r, frames[r])

    def member_many(idx, x, y):
        idx = np.asarray(idx, dtype=np.int64)
        p_out = np.full(len(idx), -1, np.int32)
        k_out = np.full(len(idx), -1, np.int32)
        reg_ = region_of[idx] if len(idx) else np.empty(0, int)
        for r in np.unique(reg_):
            m = reg_ == r
            p_out[m], k_out[m] = _membership(
                np.asarray(x)[m], np.asarray(y)[m], zones, int(r), frames[int(r)]
            )
        return p_out, k_out

    def pos_many(idx, t):
        idx = np.asarray(idx, dtype=np.int64)
        t = np.asarray(t, dtype="float64")
        x, y = np.empty(len(idx)), np.empty(len(idx))
        for i in np.unique(idx):
            m = idx == i
            x[m], y[m] = tracks[int(i)].position(t[m])
        return x, y

    # --- surveys
    n_surv = max(min(2, n_ports), int(round(0.6 * n_ports)))
    surveyed = [
        ports[k] for k in sorted(rng.choice(n_ports, size=min(n_surv, n_ports), replace=False))
    ]
    surveys = []
    for p in surveyed:
        mean = float(rng.uniform(8, 48)) * H
        t = float(rng.uniform(0, mean))
        while t < span:
            z = (
                p.zones[0]
                if len(p.zones) == 1 or rng.random() < 0.8
                else p.zones[int(rng.integers(1, len(p.zones)))]
            )
            surveys.append((float(round(t)), p, z, "full" if rng.random() < 0.65 else "partial"))
            t += float(rng.exponential(mean))
    surveys.sort(key=lambda s: s[0])
    st = np.array([s[0] for s in surveys])
    inside = np.zeros((len(surveys), len(vessels)), bool)
    for i in reg:
        if not len(surveys):
            break
        x, y = true_pos(i, st)
        r = int(V[i]["region"])
        for j, (_, p, z, _) in enumerate(surveys):
            if p.region == r and z.margin(x[j], y[j]) > 0:
                inside[j, i] = True
    survey_recs = []
    for j, (t, p, z, cov) in enumerate(surveys):
        present = list(np.flatnonzero(inside[j]))
        listed = present if cov == "full" else [i for i in present if rng.random() < 0.6]
        named, counted = [], {}
        for i in listed:
            if rng.random() < 0.85:
                named.append(i)
            else:
                counted.setdefault(group_of(i), []).append(i)
        survey_recs.append(dict(t=t, p=p, z=z, cov=cov, named=named, counted=counted, omit=set()))

    # --- contradictions: a full survey omitting a vessel that is in port (seen there again later)
    contra = []
    n_contra = max(1, int(round(len(reg) / 20))) if contradictions and len(reg) else 0
    extra_sightings = []  # (i, t, x, y, token, conf_text, conf, false, note)
    if n_contra:
        cands = []
        for j, s in enumerate(survey_recs):
            if s["cov"] != "full" or s["z"].rank != 0:
                continue
            maybe = {
                m for g in s["counted"] for m in groups[g] if len(s["counted"][g]) < len(groups[g])
            }
            for i in s["named"]:
                if i in maybe:
                    continue
                tr = tracks[i]
                k = tr.seg(np.array([s["t"]]))[0]
                if tr.mode[k] != MOVE and tr.T[k + 1] - s["t"] > 8 * H:
                    cands.append((j, i, float(tr.T[k + 1])))
        for ci in rng.permutation(len(cands))[:n_contra]:
            j, i, rest_end = cands[ci]
            s = survey_recs[j]
            if i not in s["named"]:
                continue
            s["named"].remove(i)
            s["omit"].add(i)
            t2 = float(round(s["t"] + float(rng.uniform(2, 6)) * H))
            x, y = true_pos(i, t2)
            extra_sightings.append(
                (i, t2, float(x[0]), float(y[0]), None, False, "seen again at its berth")
            )
            contra.append(
                dict(
                    vessel_id=V[i]["vessel_id"],
                    v=i,
                    t=s["t"],
                    kind="false_absence",
                    port=s["p"].idx,
                    zones=[s["z"].idx],
                )
            )
        # a sighting placing in port a vessel that AIS shows at sea
        pre = []
        for vi in visits:
            i = vi["v"]
            if (
                not (V[i]["registry"] and V[i]["has_ais"])
                or vi["open_d"]
                or vi["rank"] != len(ports[vi["port"]].zones) - 1
            ):
                continue
            t_f = round(vi["d"] + float(rng.uniform(3, 10)) * H)
            if t_f < span - H:
                pre.append((i, vi["port"], t_f))
        cands = []
        if pre:
            pi = np.array([c[0] for c in pre])
            x, y = pos_many(pi, [c[2] for c in pre])
            p_, _ = member_many(pi, x, y)
            cands = [c for c, pp in zip(pre, p_, strict=True) if pp < 0]
        for ci in rng.permutation(len(cands))[:n_contra]:
            i, pidx, t_f = cands[ci]
            h = ports[pidx].harbour
            pt = _Planner.place(_PlaceHelper(rng), h, 30.0, None, None) or (h.cx, h.cy)
            extra_sightings.append((i, t_f, pt[0], pt[1], "probable", True, "reported in port"))
            contra.append(
                dict(
                    vessel_id=V[i]["vessel_id"],
                    v=i,
                    t=t_f,
                    kind="false_presence",
                    port=pidx,
                    zones=[z.idx for z in ports[pidx].zones],
                )
            )

    for s in survey_recs:
        toks = []
        for i in s["named"]:
            toks.append(_token(rng, V[i]))
        attributed = set(s["named"])
        maybe = set()
        for g, members in s["counted"].items():
            toks.append(group_token(g, len(members)))
            if len(members) >= len(groups[g]):
                attributed.update(groups[g])
            else:
                maybe.update(groups[g])
        maybe -= attributed
        toks = [toks[k] for k in rng.permutation(len(toks))]
        p, z = s["p"], s["z"]
        if z.rank > 0:
            port_txt = f"{p.name}/{z.tier}"
        elif p.aliases and rng.random() < 0.2:
            port_txt = str(rng.choice(p.aliases))
        else:
            port_txt = p.name
        rows.append(
            dict(
                time=s["t"],
                lat=np.nan,
                lon=np.nan,
                kind="survey",
                vessel="|".join(toks),
                port=port_txt,
                coverage=s["cov"],
                source=str(rng.choice(_SOURCES[:5])),
                confidence=np.nan,
                confidence_text="",
                notes=f"{s['cov']} survey of {p.name}/{z.tier}",
            )
        )
        meta.append(
            dict(
                vessel_ids="|".join(sorted(V[i]["vessel_id"] for i in attributed)),
                false=bool(s["omit"]),
            )
        )
        for i in attributed:
            add_ev(i, s["t"], SURV_IN, p.idx, z.rank, 2)
        if s["cov"] == "full":
            for i in reg:
                if i not in attributed and i not in maybe:
                    add_ev(i, s["t"], SURV_OUT, p.idx, z.rank, 2, i in s["omit"])

    # --- sightings: collected first, positions and zones resolved in one batch
    pending = []  # (i, t, x, y, token, conf, false, note, ids, jitter)

    def sighting(i, t, x, y, token=None, conf=None, false=False, note="", ids=None, true=True):
        pending.append((i, t, x, y, token, conf, false, note, [i] if ids is None else ids, true))

    for i in reg:
        v = V[i]
        rate = float(rng.uniform(0.4, 1.5)) if not v["has_ais"] else float(rng.uniform(0.05, 0.3))
        ts = np.sort(rng.uniform(0, span, int(rng.poisson(rate * span / 86400))))
        tr = tracks[i]
        if not v["has_ais"]:  # seen leaving or arriving
            rk = np.flatnonzero((tr.mode != MOVE) & (tr.rport >= 0))
            more = []
            for k in rk:
                if rng.random() < 0.3:
                    more.append(tr.T[k + 1] + float(rng.uniform(30, 900)))
                if rng.random() < 0.15:
                    more.append(tr.T[k] - float(rng.uniform(30, 900)))
            ts = np.sort(np.concatenate([ts, np.array(more)]))
            ts = ts[(ts > 0) & (ts < span)]
        ts = np.round(ts)
        if not len(ts):
            continue
        xs, ys = true_pos(i, ts)
        for t, x, y in zip(ts, xs, ys, strict=True):
            sighting(i, float(t), float(x), float(y), note="")
    for i, t, x, y, conf, false, note in extra_sightings:
        sighting(i, t, x, y, conf=conf, false=false, note=note, true=not false)
    # group sightings: a whole class together in one zone; and uncountable ones ("frigate x1")
    for _ in range(int(rng.poisson(span / 86400 * 0.6))):
        t = float(round(rng.uniform(0, span)))
        cls = [g for g in groups if g.startswith("class:") and len(groups[g]) >= 2]
        if not cls:
            break
        g = cls[int(rng.integers(0, len(cls)))]
        mem = groups[g]
        pos = [true_pos(i, t) for i in mem]
        where = [member(i, px, py) for i, (px, py) in zip(mem, pos, strict=True)]
        if len({(int(p[0]), int(k[0])) for p, k in where}) == 1 and int(where[0][0][0]) >= 0:
            j = int(rng.integers(0, len(mem)))
            sighting(
                mem[j],
                t,
                float(pos[j][0][0]),
                float(pos[j][1][0]),
                token=group_token(g, len(mem)),
                ids=list(mem),
                note="group",
            )
    for _ in range(int(rng.poisson(span / 86400 * 0.3))):
        multi = [g for g in groups if g.startswith("type:") and len(groups[g]) >= 2]
        if not multi:
            break
        g = multi[int(rng.integers(0, len(multi)))]
        i = groups[g][int(rng.integers(0, len(groups[g])))]
        t = float(round(rng.uniform(0, span)))
        x, y = true_pos(i, t)
        sighting(
            i,
            t,
            float(x[0]),
            float(y[0]),
            token=group_token(g, 1),
            ids=[],
            note="group, not identified",
        )

    if pending:
        pi = np.array([p[0] for p in pending])
        x = np.array([p[2] for p in pending], dtype="float64")
        y = np.array([p[3] for p in pending], dtype="float64")
        jit = np.array([p[9] for p in pending])
        d = rng.uniform(0, 50, len(pending)) * jit  # reported up to 50 m off ...
        a = rng.uniform(0, 2 * math.pi, len(pending))
        xr, yr = x + d * np.cos(a), y + d * np.sin(a)
        p0, k0 = member_many(pi, x, y)
        p1, k1 = member_many(pi, xr, yr)
        same = (p0 == p1) & (k0 == k1)  # ... never on the other side of a zone edge
        xr, yr = np.where(same, xr, x), np.where(same, yr, y)
        p1, k1 = np.where(same, p1, p0), np.where(same, k1, k0)
        lon, lat = np.empty(len(pending)), np.empty(len(pending))
        for r in np.unique(region_of[pi]):
            m = region_of[pi] == r
            lon[m], lat[m] = frames[int(r)].lonlat(xr[m], yr[m])
        for j, (i, t, _, _, token, conf, false, note, ids, _) in enumerate(pending):
            ct, cv = _confidence(rng) if conf is None else (conf, CONFIDENCE_WORDS.get(conf, 0.7))
            rows.append(
                dict(
                    time=t,
                    lat=float(lat[j]),
                    lon=float(lon[j]),
                    kind="sighting",
                    vessel=token if token is not None else _token(rng, V[i]),
                    port=None,
                    coverage=None,
                    source=str(rng.choice(_SOURCES)),
                    confidence=cv,
                    confidence_text=ct,
                    notes=note,
                )
            )
            meta.append(
                dict(vessel_ids="|".join(sorted(V[k]["vessel_id"] for k in ids)), false=false)
            )
            for k in ids:
                add_ev(k, t, POS, int(p1[j]), int(k1[j]), 1, false)

    df = pd.DataFrame(
        rows,
        columns=[
            "time",
            "lat",
            "lon",
            "kind",
            "vessel",
            "port",
            "coverage",
            "source",
            "confidence",
            "confidence_text",
            "notes",
        ],
    )
    meta = pd.DataFrame(meta, columns=["vessel_ids", "false"])
    order = rng.permutation(len(df))
    df, meta = df.iloc[order].reset_index(drop=True), meta.iloc[order].reset_index(drop=True)
    df["time"] = _ts(start_ns + np.round(df["time"].to_numpy(dtype="float64") * NS).astype("int64"))
    df["kind"] = pd.Categorical(df["kind"], categories=list(schema.KINDS))
    df["src_file"] = np.where(df["kind"] == "survey", "sim_surveys.csv", "sim_sightings.csv")
    line = np.zeros(len(df), dtype="int64")
    for f in ("sim_surveys.csv", "sim_sightings.csv"):
        m = (df["src_file"] == f).to_numpy()
        line[m] = np.arange(2, m.sum() + 2)
    df["src_line"] = pd.array(line, dtype="Int32")
    df["confidence_text"] = df["confidence_text"].astype("string")
    df = schema.conform(df)
    evd = {k: np.asarray(ev[k]).astype(_EVIDENCE_DTYPES[k]) for k in ev}
    return df, meta, evd, contra


class _PlaceHelper:
    """The bits of :class:`_Planner` that :meth:`_Planner.place` uses."""

    def __init__(self, rng):
        self.rng = rng

    def u(self, a=0.0, b=1.0) -> float:
        return float(self.rng.uniform(a, b))


# ----------------------------------------------------------------------------------------------
# truth tables


def _in_out(status, port, rank, pz, rz):
    """Whether each evidence row places the vessel in zone (pz, rz), and whether out of it."""
    placed = (port == pz) & (rank >= 0) & (rank <= rz)
    pos = status == POS
    sin = status == SURV_IN
    sout = status == SURV_OUT
    is_in = (pos | sin) & placed
    is_out = (pos & ~placed) | (sin & (port != pz)) | (sout & (port == pz) & (rank >= rz))
    return is_in, is_out


def _truth_tables(vessels, tracks, zones, ports, visits, fixes, osint_ev, contra, span, start_ns):  # noqa: C901 -- ground truth: one branch per evidence kind and event side
    vis = fixes["fault"] == 0 if len(fixes["t"]) else np.zeros(0, bool)
    # visible fixes are already in (vessel, time) order: vessels were sampled in turn, and the
    # duplicates appended at the end are not visible
    fx = (
        {k: fixes[k][vis] for k in ("v", "t", "xo", "yo", "sog", "rest", "port", "rank")}
        if len(vis)
        else _empty_fixes()
    )
    fx["v"] = fx["v"].astype(np.int32)
    o = np.lexsort((osint_ev["t"], osint_ev["v"]))
    oe = {k: arr[o] for k, arr in osint_ev.items()}
    nv = len(vessels)
    fb = np.searchsorted(fx["v"], np.arange(nv + 1, dtype=np.int32))
    ob = np.searchsorted(oe["v"], np.arange(nv + 1, dtype=oe["v"].dtype))

    vids = vessels["vessel_id"].to_numpy()
    has_ais = vessels["has_ais"].to_numpy()
    in_reg = vessels["registry"].to_numpy()
    gps_err = vessels["gps_error_m"].to_numpy()
    vrows, erows = [], []
    kinds = np.array(["ais", "sighting", "survey"])
    by_vessel: dict[int, list] = {}
    for n, vi in enumerate(visits):
        by_vessel.setdefault(vi["v"], []).append((n, vi))
    for i, vlist in by_vessel.items():
        f0, f1 = int(fb[i]), int(fb[i + 1])
        o0, o1 = int(ob[i]), int(ob[i + 1])
        ft = fx["t"][f0:f1]
        fport, frank = fx["port"][f0:f1], fx["rank"][f0:f1]
        n_f = f1 - f0
        ais_e = {
            "t": ft,
            "status": np.zeros(n_f, np.int8),
            "port": fport,
            "rank": frank,
            "kind": np.zeros(n_f, np.int8),
            "false": np.zeros(n_f, bool),
        }
        cat = {k: np.concatenate([ais_e[k], oe[k][o0:o1]]) for k in ais_e}
        order = np.argsort(cat["t"], kind="stable")
        all_e = {k: arr[order] for k, arr in cat.items()}
        cache: dict = {}

        def masks(which, z, _all=all_e, _ais=ais_e, _cache=cache):
            key = (which, z.idx)
            if key not in _cache:
                e = _all if which == "all" else _ais
                _cache[key] = _in_out(e["status"], e["port"], e["rank"], z.port, z.rank)
            return _cache[key]

        for n, vi in vlist:
            z = zones[vi["zone"]]
            a, d = vi["a"], vi["d"]
            ins, _ = masks("all", z)
            tt = all_e["t"]
            s0, s1 = (
                np.searchsorted(tt, [a, d], side="left")[0],
                np.searchsorted(tt, d, side="right"),
            )
            osint_present = bool(
                np.any(ins[s0:s1] & (all_e["kind"][s0:s1] > 0) & ~all_e["false"][s0:s1])
            )
            # does AIS show the stop?
            ev_ais = False
            if vi["stopped"] and has_ais[i] and n_f:
                k0, k1 = np.searchsorted(ft, a, side="left"), np.searchsorted(ft, d, side="right")
                m = (fport[k0:k1] == z.port) & (frank[k0:k1] >= 0) & (frank[k0:k1] <= z.rank)
                if m.any():
                    sog = fx["sog"][f0 + k0 : f0 + k1][m]
                    rest = fx["rest"][f0 + k0 : f0 + k1][m]
                    if np.any(rest & np.isfinite(sog)):
                        ev_ais = True
                    else:
                        tm = ft[k0:k1][m]
                        xm, ym = fx["xo"][f0 + k0 : f0 + k1][m], fx["yo"][f0 + k0 : f0 + k1][m]
                        j = np.searchsorted(tm, tm + 600.0)
                        ok = np.flatnonzero(j < len(tm))
                        for jj in (j[ok], np.full(len(ok), len(tm) - 1)):
                            dt = tm[jj] - tm[ok]
                            good = dt >= 600.0
                            sp = np.hypot(xm[jj] - xm[ok], ym[jj] - ym[ok])[good] / dt[good] / KN
                            if np.any(sp < 0.5):
                                ev_ais = True
                                break
            stopped = bool(vi["stopped"])
            kind = "call" if stopped or osint_present else "transit"
            vid = f"{vids[i]}@{ports[z.port].name}/{z.tier}#{n}"
            vrows.append(
                dict(
                    visit_id=vid,
                    vessel_id=vids[i],
                    port=ports[z.port].name,
                    tier=z.tier,
                    tier_rank=z.rank,
                    arrival=np.nan if vi["open_a"] else a,
                    departure=np.nan if vi["open_d"] else d,
                    kind=kind,
                    stopped=stopped,
                    rest_min=round(vi["rest_min"], 2),
                    osint_present=osint_present,
                    evidenced_ais=ev_ais,
                    evidenced=ev_ais or osint_present,
                    decoys="|".join(vi["labels"]),
                    registry=bool(in_reg[i]),
                    has_ais=bool(has_ais[i]),
                )
            )
            if kind != "call":
                continue
            gps = float(gps_err[i])
            for event, t_ev, open_, v_kn in (
                ("arrival", a, vi["open_a"], vi["v_a"]),
                ("departure", d, vi["open_d"], vi["v_d"]),
            ):
                if open_:
                    continue
                rec = dict(
                    vessel_id=vids[i],
                    port=ports[z.port].name,
                    tier=z.tier,
                    tier_rank=z.rank,
                    event=event,
                    time=t_ev,
                    visit_id=vid,
                    stopped=stopped,
                    osint_present=osint_present,
                    evidenced_ais=ev_ais,
                    evidenced=ev_ais or osint_present,
                    registry=bool(in_reg[i]),
                    has_ais=bool(has_ais[i]),
                    decoys="|".join(vi["labels"]),
                    time_tol_s=1.0 + (gps / (max(v_kn, 0.05) * KN) if has_ais[i] else 0.0),
                    consistent=True,
                    _v=i,
                    _z=z.idx,
                )
                for suffix, which, e in (("", "all", all_e), ("_ais", "ais", ais_e)):
                    ins, outs = masks(which, z)
                    tt = e["t"]
                    before, after = (ins, outs) if event == "departure" else (outs, ins)
                    cut = int(np.searchsorted(tt, t_ev, side="right"))
                    kb = np.flatnonzero(before[:cut])
                    cut2 = int(np.searchsorted(tt, t_ev, side="left"))
                    ka = np.flatnonzero(after[cut2:])
                    # evidence in the zone on the far side of the crossing (a later or an earlier
                    # call, the ship having left and come back unseen) hides it: no evidence
                    # tells this crossing from staying
                    if event == "departure" and len(ka) and ins[cut : cut2 + ka[0]].any():
                        ka = ka[:0]
                    if event == "arrival" and len(kb) and ins[kb[-1] + 1 : cut2].any():
                        kb = kb[:0]
                    rec["tight_earliest" + suffix] = tt[kb[-1]] if len(kb) else np.nan
                    rec["tight_latest" + suffix] = tt[cut2 + ka[0]] if len(ka) else np.nan
                    if not suffix:
                        rec["earliest_kind"] = kinds[e["kind"][kb[-1]]] if len(kb) else ""
                        rec["latest_kind"] = kinds[e["kind"][cut2 + ka[0]]] if len(ka) else ""
                erows.append(rec)
    ev_cols = [
        "vessel_id",
        "port",
        "tier",
        "tier_rank",
        "event",
        "time",
        "tight_earliest",
        "tight_latest",
        "earliest_kind",
        "latest_kind",
        "tight_earliest_ais",
        "tight_latest_ais",
        "evidence",
        "time_tol_s",
        "consistent",
        "visit_id",
        "stopped",
        "osint_present",
        "evidenced_ais",
        "evidenced",
        "registry",
        "has_ais",
        "decoys",
    ]
    te = pd.DataFrame(erows)
    if len(te):
        # contradictions: the events either side of false evidence, at the zones it is false about
        for c in contra:
            for zi in c["zones"]:
                m = (te["_v"] == c["v"]) & (te["_z"] == zi)
                if not m.any():
                    continue
                sub = te[m].sort_values("time")
                prev = sub[sub["time"] <= c["t"]]
                nxt = sub[sub["time"] >= c["t"]]
                for part in (prev.tail(1), nxt.head(1)):
                    te.loc[part.index, "consistent"] = False
        ek, lk = te["earliest_kind"], te["latest_kind"]
        ok = (ek != "") & (lk != "")
        both_ais = (ek == "ais") & (lk == "ais")
        both_os = ek.isin(["sighting", "survey"]) & lk.isin(["sighting", "survey"])
        te["evidence"] = np.select([~ok, both_ais, both_os], ["none", "ais", "osint"], "mixed")
        for c in (
            "time",
            "tight_earliest",
            "tight_latest",
            "tight_earliest_ais",
            "tight_latest_ais",
        ):
            te[c] = _to_ts(te[c].to_numpy(dtype="float64"), start_ns)
        te = te.sort_values(["time", "vessel_id", "event", "tier_rank"], kind="stable").reset_index(
            drop=True
        )
        te = te[ev_cols]
    else:
        te = pd.DataFrame({c: [] for c in ev_cols})
        for c in (
            "time",
            "tight_earliest",
            "tight_latest",
            "tight_earliest_ais",
            "tight_latest_ais",
        ):
            te[c] = pd.Series(dtype=schema.TIME_DTYPE)
    tv = pd.DataFrame(
        vrows,
        columns=[
            "visit_id",
            "vessel_id",
            "port",
            "tier",
            "tier_rank",
            "arrival",
            "departure",
            "kind",
            "stopped",
            "rest_min",
            "osint_present",
            "evidenced_ais",
            "evidenced",
            "decoys",
            "registry",
            "has_ais",
        ],
    )
    for c in ("arrival", "departure"):
        tv[c] = _to_ts(tv[c].to_numpy(dtype="float64"), start_ns)
    return tv, te


def _to_ts(sec: np.ndarray, start_ns: int) -> pd.Series:
    ok = np.isfinite(sec)
    ns = start_ns + np.round(np.where(ok, sec, 0.0) * NS).astype("int64")
    out = _ts(ns)
    out[~ok] = pd.NaT
    return out


# ----------------------------------------------------------------------------------------------
# scoring a detector against the truth

#: Matching tolerance for event times: the longest AIS fix interval the simulator draws, so an
#: AIS-bracketed crossing cannot legitimately be estimated further away; events across longer
#: gaps (and OSINT events) also match when the true time lies inside the detected window.
MATCH_TOLERANCE_S = 1800.0

#: Categories :func:`score` reports, in print order.
CATEGORIES = (
    "AIS departures",
    "AIS arrivals",
    "OSINT departures",
    "OSINT arrivals",
    "mixed",
    "AIS in mixed run",
)


def _osint_times(sc: Scenario) -> dict[str, set[int]]:
    """Per vessel, the times (ns) of OSINT evidence about it (sightings naming it; every survey
    speaks about every registry vessel)."""
    o, m = sc.osint, sc.osint_meta
    t = o["time"].array.asi8 if len(o) else np.empty(0, "int64")
    surveys = set(t[(o["kind"] == "survey").to_numpy()].tolist()) if len(o) else set()
    out: dict[str, set[int]] = {v: set(surveys) for v in sc.registry.ids}
    for ti, ids in zip(t, m["vessel_ids"], strict=True):
        for v in str(ids).split("|"):
            if v:
                out.setdefault(v, set(surveys)).add(int(ti))
    return out


def metrics(matches: pd.DataFrame, n_false: int) -> dict:
    """Precision, recall, timing and window figures of matched truth events (``score``'s
    ``matches``, any subset, e.g. one category pooled over seeds) and ``n_false`` unmatched
    detections: ``n_truth, tp, fn, fp, precision, recall, median_error_s, contain, tight,
    n_windows`` (recall over scorable events; windows over consistent ones)."""
    sc_ = matches[matches["scorable"].astype(bool)]
    found = (sc_["det"] >= 0).to_numpy(bool)
    tp = int(found.sum())
    tp_all = int((matches["det"] >= 0).sum())
    win = sc_[found & sc_["consistent"].to_numpy(bool)]
    return {
        "n_truth": len(sc_),
        "tp": tp,
        "fn": len(sc_) - tp,
        "fp": n_false,
        "precision": tp_all / (tp_all + n_false) if tp_all + n_false else np.nan,
        "recall": tp / len(sc_) if len(sc_) else np.nan,
        "median_error_s": float(sc_.loc[found, "error_s"].median()) if tp else np.nan,
        "contain": float(win["contain"].astype(bool).mean()) if len(win) else np.nan,
        "tight": float(win["tight"].astype(bool).mean()) if len(win) else np.nan,
        "n_windows": len(win),
    }


def score(  # noqa: C901 -- one branch per evidence category
    sc: Scenario, events: pd.DataFrame, *, run: str = "all", visits: pd.DataFrame | None = None
) -> dict:
    """Match detected events to the truth and measure them.

    Parameters
    ----------
    sc : Scenario
    events : DataFrame
        Detected events (:data:`navwatch.detect.api.EVENT_COLUMNS`).
    run : ``"all"`` or ``"ais"``
        ``"all"``: detection over AIS + OSINT with the registry (registry vessels; a call is a
        stop or OSINT presence; windows from all evidence). ``"ais"``: detection over AIS alone
        with ``all_vessels`` (every AIS vessel; a call is a stop; windows from AIS alone).
    visits : DataFrame, optional
        Detected visits (``vessel_id, port, tier, arrival_earliest, arrival_latest,
        departure_earliest, departure_latest, level``): also scored, level >= 2 = a call.

    Returns
    -------
    dict
        ``categories``: per category (:data:`CATEGORIES`) ``tp, fn, fp, n_truth, precision,
        recall, median_error_s, contain, tight, n_windows``; ``transits``: truth transit visits
        and those that produced events; ``contradiction_events``: detections explained by
        injected contradictions (neither right nor wrong); ``decoys``: per decoy label, events
        found/expected for calls and false events for the others; ``matches``: the truth events
        scored, with the matched detection; ``false_positives``: unmatched detections;
        ``visits``: visit-level figures when ``visits`` is given.

    Notes
    -----
    A detection matches a truth event of the same vessel, port, tier and kind when their times
    differ by at most :data:`MATCH_TOLERANCE_S` or the true time lies in the detected window
    (+- ``time_tol_s``); matching is one-to-one, events the evidence reveals first, then nearest
    first (several calls inside one dark period share one detection). Recall counts only the events
    the evidence can reveal: evidence on both sides (tight window bounds) and the call shown by
    it (``evidenced``/``evidenced_ais``). ``contain`` and ``tight`` use consistent events only:
    ``time_earliest - tol <= time <= time_latest + tol`` and ``[time_earliest, time_latest]``
    within the tight window +- ``tol``, where ``tol = time_tol_s`` (1 s plus the time the ship
    takes to cover its GPS error across the zone edge).
    """
    if run not in ("all", "ais"):
        raise ConfigError("run must be 'all' or 'ais'")
    te = sc.truth_events
    tv = sc.truth_visits
    if run == "ais":
        truth = te.loc[(te["has_ais"] & te["stopped"]).astype(bool)].copy()
        truth["e"], truth["l"] = truth["tight_earliest_ais"], truth["tight_latest_ais"]
        truth["scorable"] = truth["e"].notna() & truth["l"].notna() & truth["evidenced_ais"]
        truth["consistent"] = True
        truth["cat"] = np.where(truth["event"] == "departure", "AIS departures", "AIS arrivals")
        transits = tv.loc[(tv["has_ais"] & ~tv["stopped"]).astype(bool)]
        contra = sc.contradictions.iloc[0:0]
    else:
        truth = te.loc[te["registry"].astype(bool)].copy()
        truth["e"], truth["l"] = truth["tight_earliest"], truth["tight_latest"]
        truth["scorable"] = truth["e"].notna() & truth["l"].notna() & truth["evidenced"]
        ev = truth["evidence"]
        truth["cat"] = np.select(
            [ev == "ais", (ev == "osint") & (truth["event"] == "departure"), ev == "osint"],
            ["AIS in mixed run", "OSINT departures", "OSINT arrivals"],
            "mixed",
        )
        transits = tv.loc[(tv["registry"] & (tv["kind"] == "transit")).astype(bool)]
        contra = sc.contradictions
    truth = truth.reset_index(drop=True)
    det = events.reset_index(drop=True).copy()
    for c in ("time", "time_earliest", "time_latest"):
        det[c] = pd.to_datetime(det[c], utc=True)
    det["vessel_id"] = det["vessel_id"].astype(str)
    tol = pd.to_timedelta(truth["time_tol_s"], unit="s")
    # candidate pairs
    key = ["vessel_id", "port", "tier", "event"]
    tk = truth[key].astype(str).assign(ti=np.arange(len(truth)))
    dk = det[key].astype(str).assign(di=np.arange(len(det)))
    pairs = tk.merge(dk, on=key)
    ti, di = pairs["ti"].to_numpy(), pairs["di"].to_numpy()
    t_true = truth["time"].array.asi8[ti] if len(ti) else np.empty(0, "int64")
    t_det = det["time"].array.asi8[di] if len(di) else np.empty(0, "int64")
    tol_ns = (tol.to_numpy().astype("int64"))[ti] if len(ti) else np.empty(0, "int64")
    e_det = det["time_earliest"].array.asi8[di] if len(di) else np.empty(0, "int64")
    l_det = det["time_latest"].array.asi8[di] if len(di) else np.empty(0, "int64")
    dt = np.abs(t_det - t_true)
    ok = (dt <= MATCH_TOLERANCE_S * NS) | ((e_det - tol_ns <= t_true) & (t_true <= l_det + tol_ns))
    # events the evidence reveals are matched first: when a ship made several calls inside one
    # dark period, the one detection it supports stands for the evidenced event
    unrevealed = ~truth["scorable"].to_numpy(bool)[ti] if len(ti) else np.empty(0, bool)
    order = np.lexsort((np.where(ok, dt, np.iinfo("int64").max), unrevealed))
    order = order[ok[order]]
    t_match = np.full(len(truth), -1)
    d_match = np.full(len(det), -1)
    for k in order:
        if t_match[ti[k]] < 0 and d_match[di[k]] < 0:
            t_match[ti[k]] = di[k]
            d_match[di[k]] = ti[k]
    truth["det"] = t_match
    m = t_match >= 0
    for c in ("time", "time_earliest", "time_latest"):
        truth["det_" + c] = pd.Series(pd.NaT, index=truth.index, dtype=schema.TIME_DTYPE)
        if m.any():
            truth.loc[m, "det_" + c] = det[c].to_numpy()[t_match[m]]
    truth["error_s"] = (truth["det_time"] - truth["time"]).dt.total_seconds().abs()
    truth["contain"] = (truth["det_time_earliest"] - tol <= truth["time"]) & (
        truth["time"] <= truth["det_time_latest"] + tol
    )
    truth["tight"] = (truth["det_time_earliest"] >= truth["e"] - tol) & (
        truth["det_time_latest"] <= truth["l"] + tol
    )
    # unmatched detections
    fp = det[d_match < 0].copy()
    explained = np.zeros(len(fp), bool)
    if len(fp) and len(contra):
        for vid, grp in contra.groupby("vessel_id"):
            mm = (fp["vessel_id"] == vid).to_numpy()
            if not mm.any():
                continue
            e = fp["time_earliest"].array.asi8[mm] - NS
            lt = fp["time_latest"].array.asi8[mm] + NS
            tf = pd.to_datetime(grp["time"], utc=True).array.asi8
            hit = ((e[:, None] <= tf[None]) & (tf[None] <= lt[:, None])).any(axis=1)
            explained[np.flatnonzero(mm)[hit]] = True
    contradiction_events = fp[explained]
    fp = fp[~explained].copy()
    if run == "ais":
        fp["cat"] = np.where(fp["event"] == "departure", "AIS departures", "AIS arrivals")
    else:
        ot = _osint_times(sc)

        def kind(v, t):
            return "osint" if int(pd.Timestamp(t).value) in ot.get(v, ()) else "ais"

        ke = [kind(v, t) for v, t in zip(fp["vessel_id"], fp["time_earliest"], strict=True)]
        kl = [kind(v, t) for v, t in zip(fp["vessel_id"], fp["time_latest"], strict=True)]
        fp["cat"] = [
            "AIS in mixed run"
            if a == b == "ais"
            else ("OSINT departures" if ev_ == "departure" else "OSINT arrivals")
            if a == b == "osint"
            else "mixed"
            for a, b, ev_ in zip(ke, kl, fp["event"], strict=True)
        ]
    # detections inside transit visits
    fp["transit"] = ""
    if len(fp) and len(transits):
        tr = transits.copy()
        lo = tr["arrival"].fillna(sc.start) - pd.Timedelta(seconds=MATCH_TOLERANCE_S)
        hi = tr["departure"].fillna(sc.end) + pd.Timedelta(seconds=MATCH_TOLERANCE_S)
        tr = tr.assign(lo=lo, hi=hi)
        j = fp.reset_index().merge(
            tr[["vessel_id", "port", "tier", "visit_id", "lo", "hi", "decoys"]],
            on=["vessel_id", "port", "tier"],
        )
        j = j[(j["time"] >= j["lo"]) & (j["time"] <= j["hi"])]
        first = j.drop_duplicates("index").set_index("index")
        fp.loc[first.index, "transit"] = first["visit_id"]
    cats = {
        cat: metrics(truth[truth["cat"] == cat], int((fp["cat"] == cat).sum()))
        for cat in CATEGORIES
    }
    n_tr = len(transits)
    hit_tr = fp.loc[fp["transit"] != "", "transit"].nunique()
    # decoys
    dec = {}
    labels = sorted({d for s in tv["decoys"] for d in str(s).split("|") if d})
    for lab in labels:
        has = truth["decoys"].map(lambda x, lab=lab: lab in str(x).split("|")).astype(bool)
        t_ = truth.loc[has & truth["scorable"].astype(bool)]
        tvv = transits.loc[
            transits["decoys"].map(lambda x, lab=lab: lab in str(x).split("|")).astype(bool)
        ]
        f_ = fp[fp["transit"].isin(set(tvv["visit_id"]))]
        dec[lab] = {
            "events": len(t_),
            "found": int((t_["det"] >= 0).sum()),
            "transits": len(tvv),
            "false_events": len(f_),
        }
    out = {
        "categories": cats,
        "transits": {"n": n_tr, "with_events": int(hit_tr)},
        "contradiction_events": len(contradiction_events),
        "decoys": dec,
        "matches": truth,
        "false_positives": fp,
        "n_detected": len(det),
    }
    if visits is not None:
        out["visits"] = _score_visits(sc, visits, run)
    return out


def _score_visits(sc: Scenario, visits: pd.DataFrame, run: str) -> dict:
    tv = sc.truth_visits
    if run == "ais":
        pop = tv[tv["has_ais"]].copy()
        pop["call"] = pop["stopped"]
        pop["shown"] = pop["evidenced_ais"]
    else:
        pop = tv[tv["registry"]].copy()
        pop["call"] = pop["kind"] == "call"
        pop["shown"] = pop["evidenced"]
    v = visits.copy()
    need = ["vessel_id", "port", "tier", "level"]
    if any(c not in v.columns for c in need):
        return {"error": f"visits lack columns {[c for c in need if c not in v.columns]}"}
    v["vessel_id"] = v["vessel_id"].astype(str)

    def col(name, fill):
        s = (
            pd.to_datetime(v[name], utc=True)
            if name in v.columns
            else pd.Series(pd.NaT, index=v.index, dtype=schema.TIME_DTYPE)
        )
        return s.fillna(fill)

    v["lo"] = col("arrival_earliest", sc.start - pd.Timedelta(days=3650))
    v["hi"] = col("departure_latest", sc.end + pd.Timedelta(days=3650))
    v["vi"] = np.arange(len(v))
    pop["a"] = pop["arrival"].fillna(sc.start)
    pop["d"] = pop["departure"].fillna(sc.end)
    j = pop.merge(
        v[["vessel_id", "port", "tier", "level", "lo", "hi", "vi"]],
        on=["vessel_id", "port", "tier"],
    )
    j = j[(j["lo"] <= j["d"]) & (j["a"] <= j["hi"])]
    det_call = v[v["level"] >= 2]
    call_j = j[j["level"] >= 2]
    matched_truth_calls = set(call_j.loc[call_j["call"], "visit_id"])
    shown = pop[pop["call"] & pop["shown"]]
    good_det = set(call_j.loc[call_j["call"], "vi"])
    return {
        "truth_calls": len(shown),
        "found": int(shown["visit_id"].isin(matched_truth_calls).sum()),
        "recall": float(shown["visit_id"].isin(matched_truth_calls).mean())
        if len(shown)
        else np.nan,
        "detected_calls": len(det_call),
        "precision": len(good_det) / len(det_call) if len(det_call) else np.nan,
        "transits_as_calls": int(call_j.loc[~call_j["call"], "visit_id"].nunique()),
        "transits": int((~pop["call"]).sum()),
    }
