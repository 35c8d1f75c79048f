"""Satellite vessel detections with ground truth, laid over a :class:`Scenario`'s world (issue 15).

:func:`simulate_imagery` takes a scenario (ports, vessels, their true tracks) and adds what a
satellite-detection provider would deliver about it: scene footprints over the ports and vessel
detections made from the **true** positions, never from any matcher's rules. The truth says, for
every detection, which vessel made it (or that it is a false alarm), and for every scene x port x
registry vessel whether the vessel was in port when the scene was taken.

World additions
---------------
*Sizes*: every vessel gets a true ``length_m``/``beam_m`` by type (frigates 110-140 m, destroyers
140-175, corvettes 60-100, submarines 70-75, oilers 100-170, tugs and patrol ships 20-40, merchant
ships 30-300 log-uniform); members of a class share the lead ship's length +- 1 m. The published
registry (``registry_sizes``) carries the true size rounded to the metre, empty for ~10 %.

*Scenes*: ``scenes_per_day`` scenes a day at random times, each aimed at a random port: ``full``
(the footprint holds the whole port where its size allows), ``partial`` (the port centre near a
footprint edge) or ``miss`` (1-20 km beyond the edge). Sensors and sizes: Sentinel-1 IW (SAR,
250 x 170 km), ICEYE (SAR, 10-30 km), Sentinel-2 (optical, 110 km), Planet (optical, 10-25 km),
Maxar (optical, 13-17 km); rectangles rotated by a near-polar orbit heading. Optical scenes have
a cloud cover (0-1): each vessel is hidden with that probability. Every scene has a ground
resolution ``resolution_m`` by platform (:data:`RESOLUTION_M`: Sentinel-1 IW GRD 20 m, ICEYE
spotlight/strip 1-3 m, Sentinel-2 10 m, Planet 3 m, Maxar/WorldView 0.3-0.5 m; drawn uniformly
where a range). Extra scenes are taken 2-10 min before or after true departures (label
``departure_edge``).

*Detections*: a vessel whose true position (the scenario's legs interpolated at the scene time)
lies inside the lon/lat footprint is detected with :func:`detection_probability` (SAR about 0.2
at 15 m and 0.95 over 60 m; optical sees small hulls a bit better but clouds hide), with a
position error of the scene's sigma (20-80 m, 5 % of errors 3-6x that), length and beam errors
set by the scene's resolution (below; 8 % of lengths and 15 % of beams unknown), a score rising
with the hull's size, the scene's time. *False alarms*: random points in the footprint at least
300 m from every vessel, plus infrastructure (cranes, piers: 20-150 m) inside the port zones the
scene covers; their scores are lower on average but overlap the vessels'; their lengths and beams
are measured with the same errors.

*Size errors* (:func:`size_error_sd`): a measured length (or beam) ``X`` of a true ``T`` is
``T + e``, ``e`` normal with ``sd = sqrt((k * resolution_m)^2 + (r * T)^2)``, ``k = 1.25``
pixels (:data:`SIZE_ERROR_PIXELS`; the hull's ends blur over about a pixel each) and ``r = 1 %``
(:data:`SIZE_ERROR_REL`; aspect, wakes, superstructure); 5 % of errors are 3x that (heavy tail:
a wake or a neighbour merged in). The result is clipped to ``[max(0.4 T, resolution_m),
1.8 T + 2 resolution_m]`` (nothing is measured shorter than a pixel) and rounded to 0.1 m. For
a 100 m hull: Sentinel-1 sd 25 m (median |error| about 17 %, a 30 m tug's far more), Sentinel-2
12.5 m (about 8 %), Planet 3.9 m (about 3 %), ICEYE 1.6-3.9 m, Maxar about 1.1 m (median
|error| under 1 m).

*Labels* (:func:`label_chance`): a detection carries the vessel type an analyst reads from the
hull's shape (``label``; ``""`` none) with a chance by the scene's resolution: 0.8 at 1 m or
finer, 0.4 to 3 m, 0.05 coarser (:data:`LABEL_CHANCE`), half that in SAR scenes. The label is the
vessel's true type in plain words (``true_type``: a registry vessel's own type, ``frigate``,
``oiler``..., a merchant's ``fishing``/``cargo``/``tanker`` drawn by its length), but 10 % of
labels are wrong (:data:`LABEL_ERROR`): 3 % call a warship a merchant (``fishing``, ``cargo``,
``tanker`` by size) or a merchant a warship (``patrol ship``, ``corvette``, ``frigate``), the rest
name a type of similar size (:data:`LABEL_CONFUSED`: frigate/destroyer/corvette, oiler/tanker,
cargo/tanker...). False alarms get one 0.15 times as often, ``cargo`` or ``barge``. Labels are
drawn from their own random stream (the other draws are those of a run without them) and are
written in the generic and Skylight detections (column ``label``), not in GFW's.

Decoys (``decoys`` table; vessels added only for them have ``vessel_id`` ``decoy:<n>`` and exist
only in their time window, except berthed ones which stay the whole period; each is detected
for certain in the scene it was laid for, by chance in any other scene that sees it):
``ais_offset_150m``, ``ais_offset_250m``, ``ais_offset_1.4km``, ``ais_offset_1.6km`` (an AIS
vessel detected that far from its own AIS position interpolated across a 2-6 h fix gap),
``dark_near_ais_*`` (a dark vessel detected that far from another AIS vessel's interpolated
position, while that vessel is truly 1 km outside the footprint: ``outside_edge``),
``dark_merchant`` (a merchant without AIS berthed in a naval port, as long as a registry class),
``side_by_side`` (two AIS vessels berthed 40-60 m apart), ``departure_edge`` (a scene minutes
before/after a departure; the label names the vessel), ``inside_edge`` (an AIS vessel 60-150 m
inside the footprint edge, its twin ``outside_edge`` as far outside).

Truth
-----
``detections_truth``: ``detect_id`` -> ``truth`` (``vessel:<vessel_id>`` registry vessel,
``ais:<mmsi>`` other AIS vessel, ``dark:<vessel_id>`` other vessel without AIS, ``false_alarm``)
with the true position/length, ``has_ais``, ``port`` (port whose zones hold the true position,
``""`` at sea), ``true_type`` (``""`` a false alarm) and ``label_correct`` (NA without a
label). ``scene_port_truth``: one row per scene x port (footprint touching any of its
zones) x registry vessel: ``coverage_fraction`` (footprint area over the port's area, the union of
its zones, in the region's local frame), ``in_port`` and ``tier`` at the scene time, ``visible``
(inside the footprint), ``p_detect``, ``detected``. ``truth_events`` is the scenario's.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ConfigError
from ..registry import COLUMNS as REGISTRY_COLUMNS
from .common import NS
from .geometry import _Frame, _lonlat_polygon
from .scenario import Scenario, write_noaa_ais

#: True size ranges by type: ``(length lo, length hi, length/beam lo, length/beam hi)``.
SIZES = {
    "frigate": (110.0, 140.0, 7.5, 8.5),
    "destroyer": (140.0, 175.0, 8.0, 9.0),
    "corvette": (60.0, 100.0, 7.0, 8.5),
    "submarine": (70.0, 75.0, 8.0, 10.0),
    "oiler": (100.0, 170.0, 6.0, 7.0),
    "tug": (20.0, 40.0, 3.0, 3.6),
    "patrol ship": (20.0, 40.0, 4.5, 6.0),
    "landing ship": (100.0, 140.0, 6.0, 7.5),
    "salvage ship": (50.0, 90.0, 5.0, 6.5),
    "intelligence ship": (60.0, 95.0, 6.0, 7.5),
    "merchant": (30.0, 300.0, 5.5, 7.5),
}

#: Scene kinds: ``source -> (sensor, width km lo/hi, length km lo/hi, weight)``.
SOURCES = {
    "sentinel-1": ("sar", 250.0, 250.0, 170.0, 170.0, 0.45),
    "iceye": ("sar", 10.0, 30.0, 10.0, 30.0, 0.15),
    "sentinel-2": ("optical", 110.0, 110.0, 110.0, 110.0, 0.1),
    "planet": ("optical", 10.0, 25.0, 15.0, 30.0, 0.15),
    "maxar": ("optical", 13.0, 17.0, 13.0, 30.0, 0.15),
}

#: Ground resolution (m) by source: ``(lo, hi)``, drawn uniformly per scene.
RESOLUTION_M = {
    "sentinel-1": (20.0, 20.0),
    "iceye": (1.0, 3.0),
    "sentinel-2": (10.0, 10.0),
    "planet": (3.0, 3.0),
    "maxar": (0.3, 0.5),
}

#: Size error model (:func:`size_error_sd`): pixels of blur, share of the true size, and the
#: heavy tail (share of errors, factor).
SIZE_ERROR_PIXELS = 1.25
SIZE_ERROR_REL = 0.01
SIZE_ERROR_TAIL = (0.05, 3.0)

#: Labels (the vessel type an analyst reads from the hull's shape, :func:`label_chance`): the
#: chance a detection carries one by the scene's resolution, ``(resolution_m up to, chance)``,
#: the first that applies; SAR scenes label ``LABEL_SAR_FACTOR`` times as often as optical ones.
LABEL_CHANCE = ((1.0, 0.8), (3.0, 0.4), (math.inf, 0.05))
LABEL_SAR_FACTOR = 0.5
#: Share of labels that are wrong, and the part of it that calls a warship a merchant or the
#: reverse (:data:`LABEL_CROSS`); the rest name a type of similar size (:data:`LABEL_CONFUSED`).
LABEL_ERROR = 0.10
LABEL_CROSS = 0.03
#: Wrong labels of similar size by true type (drawn uniformly).
LABEL_CONFUSED = {
    "frigate": ("destroyer", "corvette"),
    "destroyer": ("frigate",),
    "corvette": ("frigate", "patrol ship"),
    "submarine": ("corvette",),
    "oiler": ("tanker",),
    "tug": ("patrol ship", "fishing"),
    "patrol ship": ("corvette", "tug"),
    "landing ship": ("oiler", "frigate"),
    "salvage ship": ("tug", "intelligence ship"),
    "intelligence ship": ("corvette", "salvage ship"),
    "cargo": ("tanker",),
    "tanker": ("cargo",),
    "fishing": ("cargo",),
}
#: Merchant types (a merchant's true type is drawn by its length: :func:`_true_types`).
MERCHANT_TYPES = ("cargo", "tanker", "fishing")
#: False alarms carry a label this much less often than vessels, one of ``LABEL_FALSE_ALARM``.
LABEL_FALSE_ALARM_SHARE = 0.15
LABEL_FALSE_ALARM = ("cargo", "barge")

DETECTION_COLUMNS = ["detect_id", "scene_id", "time", "lat", "lon", "length_m", "beam_m"]
DETECTION_COLUMNS += ["score", "presence", "speed_kn", "source", "sensor", "label"]


def detection_probability(length_m, sensor, cloud_cover=0.0) -> np.ndarray:
    """Chance that a hull of ``length_m`` inside a footprint is detected by ``sensor``.

    SAR: ``0.97 / (1 + exp(-(L - 23) / 6))`` (0.2 at 15 m, 0.95 at 60 m); optical:
    ``0.98 / (1 + exp(-(L - 18) / 5))`` times ``1 - cloud_cover``. Unknown length: 0.
    """
    L = np.asarray(length_m, dtype="float64")
    sar = np.asarray(sensor) == "sar"
    p_sar = 0.97 / (1.0 + np.exp(-(L - 23.0) / 6.0))
    cc = np.nan_to_num(np.asarray(cloud_cover, dtype="float64"), nan=0.0)
    p_opt = 0.98 / (1.0 + np.exp(-(L - 18.0) / 5.0)) * (1.0 - cc)
    return np.nan_to_num(np.where(sar, p_sar, p_opt), nan=0.0)


def label_chance(resolution_m, sensor) -> np.ndarray:
    """Chance that a detection in a scene of ``resolution_m`` and ``sensor`` carries a label
    (:data:`LABEL_CHANCE`, SAR times :data:`LABEL_SAR_FACTOR`).

    >>> [float(x) for x in label_chance([0.4, 2.0, 10.0, 2.0], ["optical"] * 3 + ["sar"])]
    [0.8, 0.4, 0.05, 0.2]
    """
    res = np.asarray(resolution_m, dtype="float64")
    p = np.select([res <= lim for lim, _ in LABEL_CHANCE], [c for _, c in LABEL_CHANCE], 0.0)
    return np.where(np.asarray(sensor) == "sar", LABEL_SAR_FACTOR * p, p)


def size_error_sd(size_m, resolution_m) -> np.ndarray:
    """Standard deviation (m) of a measured length or beam of true ``size_m`` in a scene of
    ``resolution_m``: ``sqrt((1.25 * resolution_m)^2 + (0.01 * size_m)^2)`` (module docs).

    >>> [round(float(x), 1) for x in size_error_sd([100.0, 100.0, 100.0], [20.0, 3.0, 0.4])]
    [25.0, 3.9, 1.1]
    """
    res = np.asarray(resolution_m, dtype="float64")
    size = np.asarray(size_m, dtype="float64")
    return np.hypot(SIZE_ERROR_PIXELS * res, SIZE_ERROR_REL * size)


@dataclass
class ImageryScenario:
    """Satellite scenes and detections over a scenario's world, with ground truth.

    Attributes
    ----------
    scenario : Scenario
        The world it was laid over (its AIS does not include the decoy vessels' AIS: see ``ais``).
    seed : int
    scenes : geopandas.GeoDataFrame
        ``scene_id, time, source, sensor, cloud_cover, resolution_m, geometry`` (EPSG:4326)
        and, as truth,
        ``aim`` (``full``/``partial``/``miss``/``departure_edge``), ``aim_port``, ``region``,
        ``sigma_m`` (the scene's position error).
    detections : pandas.DataFrame
        :data:`DETECTION_COLUMNS`: what the provider delivers (before writing).
    detections_truth : pandas.DataFrame
        ``detect_id, generic_id, scene_id, truth, vessel_id, mmsi, registry, has_ais, true_lat,
        true_lon, true_length_m, error_m, port, tier, decoy, ais_gap_s, true_type,
        label_correct`` (``generic_id``: the reader's id of the row in the generic
        ``detections.csv``, ``detections.csv:<line>``; ``ais_gap_s``: seconds to the true
        vessel's nearest visible AIS fix, NaN without one; ``true_type``: the type a right
        ``label`` names, ``""`` for false alarms; ``label_correct``: NA without a label).
    scene_port_truth : pandas.DataFrame
        ``scene_id, time, port, coverage_fraction, sensor, cloud_cover, vessel_id, name,
        aliases, vessel_class, type, length_m, in_port, tier, visible, p_detect, detected``.
    truth_events : pandas.DataFrame
        The scenario's truth events (departures and arrivals).
    vessels : pandas.DataFrame
        Every vessel with its true ``length_m``/``beam_m`` and ``true_type`` (module docs):
        the scenario's and the decoys'.
    registry_sizes : pandas.DataFrame
        The registry columns plus the published ``length_m``/``beam_m`` (NaN unknown).
    ais : pandas.DataFrame
        The scenario's canonical AIS plus the decoy vessels' fixes.
    tracks : pandas.DataFrame
        The scenario's legs plus the decoy vessels' (same columns, local frames).
    decoys : pandas.DataFrame
        ``decoy, scene_id, vessel_id, detail``.
    params : dict
    """

    scenario: Scenario
    seed: int
    scenes: gpd.GeoDataFrame
    detections: pd.DataFrame
    detections_truth: pd.DataFrame
    scene_port_truth: pd.DataFrame
    truth_events: pd.DataFrame
    vessels: pd.DataFrame
    registry_sizes: pd.DataFrame
    ais: pd.DataFrame
    tracks: pd.DataFrame
    decoys: pd.DataFrame
    params: dict = field(default_factory=dict)

    def write(self, directory: str | Path, format: str = "generic") -> dict[str, Path]:
        """Write the detections in ``format`` (``gfw``, ``skylight``, ``generic``), the scenes,
        ``ais.csv`` (NOAA layout), ``vessels.csv`` (registry with ``length_m``, ``beam_m``) and
        ``ports.geojson``. Returns the paths by name."""
        return _write(self, Path(directory), format)


def simulate_imagery(
    scenario: Scenario,
    *,
    seed: int,
    scenes_per_day: float = 4.0,
    sar_share: float = 0.6,
    false_alarm_rate: float = 1.0,
    unknown_size_share: float = 0.1,
    departure_scenes: int = 4,
    decoys: bool = True,
) -> ImageryScenario:
    """Lay satellite scenes over ``scenario`` and detect its vessels from their true positions.

    Parameters
    ----------
    scenario : Scenario
        From :func:`navwatch.simulate.simulate` (needs its ``regions``).
    seed : int
        Same scenario, seed and arguments -> identical output.
    scenes_per_day : float
        Scenes at random times (plus ``departure_scenes``).
    sar_share : float
        Share of SAR scenes (Sentinel-1/ICEYE); the others are optical.
    false_alarm_rate : float
        Multiplies the false alarms' rates (0 turns them off).
    unknown_size_share : float
        Share of registry vessels whose published size is empty.
    departure_scenes : int
        Scenes taken 2-10 min before or after a true departure of a registry vessel.
    decoys : bool
        Add the decoy vessels (module docs).

    Examples
    --------
    >>> from navwatch.simulate import simulate
    >>> im = simulate_imagery(simulate(3, n_vessels=6, days=1, n_ports=2), seed=1)
    >>> set(im.detections_truth["truth"].str.split(":").str[0]) <= {"vessel", "ais", "dark", "false_alarm"}
    True
    >>> im.detections["detect_id"].is_unique and im.scenes["scene_id"].is_unique
    True
    """
    params = {k: v for k, v in locals().items() if k not in ("scenario", "seed")}
    if scenario.regions is None or not len(scenario.regions):
        raise ConfigError("simulate_imagery needs a Scenario from simulate() (with regions)")
    rng = [np.random.default_rng(np.random.SeedSequence([int(seed), 15, k])) for k in range(7)]
    w = _World.of(scenario)
    vessels, sizes = _vessel_sizes(rng[0], scenario, unknown_size_share)
    scenes = _make_scenes(rng[1], w, scenario, scenes_per_day, sar_share, departure_scenes)
    scenes.insert(5, "resolution_m", _resolutions(rng[4], scenes["source"]))
    dec = _Decoys(rng[2], w, scenario, scenes, sizes) if decoys else None
    if dec is not None:
        dec.lay()
        vessels = pd.concat([vessels, dec.vessels_frame()], ignore_index=True)
    tracks = scenario.tracks if dec is None else dec.tracks(scenario.tracks)
    ais = scenario.ais if dec is None else dec.ais(scenario.ais)
    det, truth, spt = _detect_all(rng[3], w, scenes, tracks, vessels, false_alarm_rate, dec)
    truth["ais_gap_s"] = _ais_gaps(ais, scenario, truth, det["time"])
    vessels["true_type"] = _true_types(rng[6], vessels)
    det["label"], truth["true_type"], truth["label_correct"] = _labels(
        rng[6], scenes, truth, vessels
    )
    decoy_log = dec.log() if dec is not None else _empty_decoys()
    decoy_log = pd.concat([decoy_log, _departure_log(scenes)], ignore_index=True)
    return ImageryScenario(
        scenario=scenario,
        seed=int(seed),
        scenes=scenes,
        detections=det,
        detections_truth=truth,
        scene_port_truth=spt,
        truth_events=scenario.truth_events,
        vessels=vessels,
        registry_sizes=sizes,
        ais=ais,
        tracks=tracks,
        decoys=decoy_log,
        params=params,
    )


# --------------------------------------------------------------------------- world geometry


@dataclass
class _PortGeom:
    name: str
    region: int
    local: shapely.Geometry  # union of the port's zones, local frame (m)
    cx: float
    cy: float
    bound: float
    harbour: shapely.Geometry  # innermost zone, local frame


@dataclass
class _World:
    frames: list[_Frame]
    ports: list[_PortGeom]
    zones: gpd.GeoDataFrame
    start_ns: int
    end_ns: int

    @classmethod
    def of(cls, sc: Scenario) -> _World:
        reg = sc.regions.sort_values("region")
        frames = [_Frame(float(a), float(b)) for a, b in zip(reg["lat0"], reg["lon0"], strict=True)]
        ports = []
        for name, g in sc.zones.groupby("port", sort=True):
            rp = shapely.get_coordinates(g.geometry.iloc[0])[0]
            region = int(np.argmin([math.hypot(*map(float, f.xy(rp[0], rp[1]))) for f in frames]))
            fr = frames[region]
            parts = [_to_local(fr, geom) for geom in g.sort_values("tier_rank").geometry]
            local = shapely.union_all(parts).buffer(0)
            c = local.centroid
            bound = float(
                shapely.hausdorff_distance(
                    c, local.exterior if hasattr(local, "exterior") else local
                )
            )
            ports.append(_PortGeom(str(name), region, local, c.x, c.y, bound, parts[0]))
        return cls(frames, ports, sc.zones, int(sc.start.value), int(sc.end.value))

    def port_at(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Port name and innermost tier of the zone holding each point (``""`` at sea)."""
        port = np.full(len(lon), "", dtype=object)
        tier = np.full(len(lon), "", dtype=object)
        rank = np.full(len(lon), 99)
        for z in self.zones.itertuples():
            inside = shapely.contains_xy(z.geometry, lon, lat) & (rank > z.tier_rank)
            port[inside], tier[inside], rank[inside] = z.port, z.tier, z.tier_rank
        return port, tier


def _to_local(fr: _Frame, geom) -> shapely.Geometry:
    """A lon/lat (multi)polygon in the local frame, parts split at 180 deg joined again."""
    parts = [
        shapely.Polygon(np.column_stack(fr.xy(*shapely.get_coordinates(p.exterior).T)))
        for p in shapely.get_parts(geom)
    ]
    return shapely.union_all([p.buffer(0.01) for p in parts]).buffer(-0.01)


def _rect(cx, cy, width, length, heading) -> np.ndarray:
    """Ring (closed, 8 points an edge) of a rectangle: ``width`` across, ``length`` along the
    ``heading`` (radians from north, clockwise)."""
    ux, uy = math.sin(heading), math.cos(heading)  # along track
    vx, vy = uy, -ux  # across
    t = np.linspace(-0.5, 0.5, 9)[:-1]
    sides = [
        (t, np.full(8, -0.5)),
        (np.full(8, 0.5), t),
        (-t, np.full(8, 0.5)),
        (np.full(8, -0.5), -t),
    ]
    a = np.concatenate([s[0] for s in sides]) * width
    b = np.concatenate([s[1] for s in sides]) * length
    xy = np.column_stack([cx + a * vx + b * ux, cy + a * vy + b * uy])
    return np.vstack([xy, xy[:1]])


# --------------------------------------------------------------------------- sizes


def _vessel_sizes(rng, sc: Scenario, unknown_share: float):
    """Every scenario vessel's true size, and the registry with the published sizes."""
    v = sc.vessels.copy()
    L = np.empty(len(v))
    B = np.empty(len(v))
    lead: dict[str, float] = {}
    for i, (typ, cls) in enumerate(zip(v["type"], v["vessel_class"], strict=True)):
        lo, hi, rlo, rhi = SIZES.get(str(typ), SIZES["merchant"])
        if typ == "merchant":
            L[i] = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        elif cls and cls in lead:
            L[i] = lead[cls] + rng.uniform(-1.0, 1.0)
        else:
            L[i] = rng.uniform(lo, hi)
            if cls:
                lead[cls] = L[i]
        B[i] = L[i] / rng.uniform(rlo, rhi)
    v["length_m"], v["beam_m"] = L.round(1), B.round(1)
    v["decoy"] = ""
    reg = v[v["registry"].astype(bool)].reset_index(drop=True)
    sizes = reg[REGISTRY_COLUMNS].astype(str).copy()
    unknown = rng.random(len(reg)) < unknown_share
    sizes["length_m"] = np.where(unknown, np.nan, reg["length_m"].round(0))
    sizes["beam_m"] = np.where(unknown, np.nan, reg["beam_m"].round(0))
    return v, sizes


# --------------------------------------------------------------------------- scenes


def _make_scenes(rng, w: _World, sc: Scenario, per_day, sar_share, n_dep) -> gpd.GeoDataFrame:
    """Scenes at random times over random ports, and scenes minutes around departures."""
    days = (w.end_ns - w.start_ns) / NS / 86400.0
    n = int(round(per_day * days)) if per_day > 0 else 0
    rows = []
    for _ in range(n):
        t = w.start_ns + int(rng.uniform(0, w.end_ns - w.start_ns) // NS) * NS
        aim = str(rng.choice(["full", "partial", "miss"], p=[0.6, 0.25, 0.15]))
        rows.append(_scene(rng, w, int(rng.integers(len(w.ports))), t, aim, sar_share, ""))
    te = sc.truth_events
    dep = te[(te["event"] == "departure") & te["registry"].astype(bool) & te["time"].notna()]
    dep = dep.drop_duplicates(["vessel_id", "port", "time"])
    pick = rng.permutation(len(dep))[: max(int(n_dep), 0)]
    names = [p.name for p in w.ports]
    for k in pick:
        e = dep.iloc[int(k)]
        shift = float(rng.uniform(120, 600)) * (1 if rng.random() < 0.5 else -1)
        t = (int(e["time"].value) // NS + int(round(shift))) * NS  # whole seconds
        t = min(max(t, w.start_ns), w.end_ns)
        detail = f"{e['vessel_id']} {'after' if shift > 0 else 'before'} {abs(shift) / 60:.0f} min"
        rows.append(_scene(rng, w, names.index(e["port"]), t, "departure_edge", 1.0, detail))
    rows.sort(key=lambda r: (r["time"], r["scene_id"]))
    seen: dict[str, int] = {}
    for r in rows:  # ids unique even when two draws collide
        k = seen[r["scene_id"]] = seen.get(r["scene_id"], 0) + 1
        if k > 1:
            r["scene_id"] = f"{r['scene_id']}_{k}"
    cols = ["scene_id", "time", "source", "sensor", "cloud_cover", "aim", "aim_port", "detail"]
    cols += ["region", "sigma_m", "local", "geometry"]
    g = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs="EPSG:4326")
    g["time"] = pd.to_datetime(g["time"], utc=True).astype("datetime64[ns, UTC]")
    return g


def _scene(rng, w: _World, port: int, t_ns: int, aim: str, sar_share: float, detail: str) -> dict:
    """One scene aimed at ``port`` (``aim``: full, partial, miss, departure_edge)."""
    p = w.ports[port]
    sar = rng.random() < sar_share
    srcs = [s for s, v in SOURCES.items() if (v[0] == "sar") == sar]
    wts = np.array([SOURCES[s][5] for s in srcs])
    src = str(rng.choice(srcs, p=wts / wts.sum()))
    sensor, wlo, whi, llo, lhi, _ = SOURCES[src]
    width, length = rng.uniform(wlo, whi) * 1e3, rng.uniform(llo, lhi) * 1e3
    heading = math.radians(rng.choice([-1.0, 1.0]) * rng.uniform(8, 15) + rng.choice([0.0, 180.0]))
    ax, ay = math.cos(heading), -math.sin(heading)  # across-track unit vector
    if aim in ("full", "departure_edge"):
        slack = max(min(width, length) / 2 - p.bound - 200.0, 0.0)
        off = rng.uniform(-slack, slack, 2)
        ux, uy = math.sin(heading), math.cos(heading)
        cx, cy = p.cx + off[0] * ax + off[1] * ux, p.cy + off[0] * ay + off[1] * uy
    else:
        edge = width / 2 + (rng.uniform(-0.7, 0.7) * p.bound if aim == "partial" else 0.0)
        if aim == "miss":
            edge += p.bound + rng.uniform(1e3, 20e3)
        s = rng.choice([-1.0, 1.0])
        cx, cy = p.cx - s * edge * ax, p.cy - s * edge * ay
    ring = _rect(cx, cy, width, length, heading)
    lon, lat = w.frames[p.region].lonlat(ring[:, 0], ring[:, 1])
    when = pd.Timestamp(t_ns, tz="UTC")
    return {
        "scene_id": _scene_id(rng, src, when),
        "time": when,
        "source": src,
        "sensor": sensor,
        "cloud_cover": float(rng.beta(0.7, 1.3)) if sensor == "optical" else np.nan,
        "aim": aim,
        "aim_port": p.name,
        "detail": detail,
        "region": p.region,
        "sigma_m": float(rng.uniform(20, 80)),
        "local": shapely.Polygon(ring),
        "geometry": _lonlat_polygon(lon[:-1], lat[:-1]),
    }


def _resolutions(rng, source: pd.Series) -> np.ndarray:
    """Each scene's ground resolution (m) by its source (:data:`RESOLUTION_M`)."""
    lo, hi = np.array([RESOLUTION_M[str(s)] for s in source], dtype="float64").reshape(-1, 2).T
    return np.round(rng.uniform(lo, hi), 2)


def _scene_id(rng, src: str, t: pd.Timestamp) -> str:
    """A scene id shaped like the provider's."""
    ts = t.strftime("%Y%m%dT%H%M%S")
    hexs = "".join(rng.choice(list("0123456789ABCDEF"), 6))
    if src == "sentinel-1":
        t1 = (t + pd.Timedelta(seconds=25)).strftime("%Y%m%dT%H%M%S")
        orbit = int(rng.integers(1000, 60000))
        return f"S1{rng.choice(['A', 'B'])}_IW_GRDH_1SDV_{ts}_{t1}_{orbit:06d}_{hexs}_{hexs[:4]}"
    if src == "sentinel-2":
        return f"S2{rng.choice(['A', 'B'])}_MSIL1C_{ts}_N0511_R{int(rng.integers(1, 143)):03d}_T{hexs[:5]}"
    if src == "iceye":
        return f"ICEYE_X{int(rng.integers(2, 40))}_GRD_SLH_{int(rng.integers(1e5, 1e6))}_{ts}"
    if src == "planet":
        return f"{t.strftime('%Y%m%d_%H%M%S')}_{int(rng.integers(10, 99))}_{hexs[:4].lower()}"
    return f"10300100{hexs}{int(rng.integers(10, 99))}"


def _ais_gaps(ais: pd.DataFrame, sc: Scenario, truth: pd.DataFrame, times: pd.Series):
    """Seconds from each detection's time to its true vessel's nearest visible AIS fix (NaN:
    no AIS, or none at all)."""
    vis = np.ones(len(ais), bool)
    vis[: len(sc.ais)] = sc.ais_meta["visible"].to_numpy(bool)  # decoy fixes come after
    a = ais[vis & ais["mmsi"].notna().to_numpy()]
    by = {int(m): np.sort(g.array.asi8) for m, g in a.groupby("mmsi")["time"]}
    out = np.full(len(truth), np.nan)
    t = times.array.asi8
    for i, m in enumerate(truth["mmsi"]):
        f = by.get(int(m)) if pd.notna(m) else None
        if f is None or not len(f):
            continue
        k = np.searchsorted(f, t[i])
        near = f[max(k - 1, 0) : k + 1]
        out[i] = np.abs(near - t[i]).min() / NS
    return out


def _departure_log(scenes: gpd.GeoDataFrame) -> pd.DataFrame:
    s = scenes[scenes["aim"] == "departure_edge"]
    return pd.DataFrame(
        {
            "decoy": "departure_edge",
            "scene_id": s["scene_id"].to_numpy(),
            "vessel_id": [d.split(" ")[0] for d in s["detail"]],
            "detail": s["detail"].to_numpy(),
        }
    )


def _empty_decoys() -> pd.DataFrame:
    return pd.DataFrame(columns=["decoy", "scene_id", "vessel_id", "detail"])


# --------------------------------------------------------------------------- decoys


class _Decoys:
    """Vessels added only to sit just either side of a matcher's thresholds (module docs)."""

    OFFSETS = ((150.0, "150m"), (250.0, "250m"), (1400.0, "1.4km"), (1600.0, "1.6km"))
    SPEED = 1.5  # m/s (about 3 kn)

    def __init__(self, rng, w: _World, sc: Scenario, scenes: gpd.GeoDataFrame, sizes):
        self.rng, self.w, self.sc, self.sizes = rng, w, sc, sizes
        full = scenes[scenes["aim"] == "full"]
        self.scenes = list(full.itertuples())
        self.rows: list[dict] = []  # vessels
        self.legs: list[dict] = []
        self.fixes: list[dict] = []
        self.entries: list[dict] = []  # the log
        self.forced: dict[str, set[str]] = {}
        self.used_mmsi = {int(m) for m in sc.vessels["mmsi"] if str(m).isdigit()}

    def lay(self) -> None:
        if not self.scenes:
            return
        for d, lab in self.OFFSETS:
            self._ais_offset(self._pick(), d, lab)
            self._dark_near_ais(self._pick(), d, lab)
        self._edge_pair(self._pick())
        self._side_by_side(self._pick())
        for _ in range(2):
            self._dark_merchant(self._pick())

    def _pick(self):
        return self.scenes[int(self.rng.integers(len(self.scenes)))]

    # --- vessels, legs, fixes
    def _vessel(self, s, label: str, length: float, ais: bool, detail: str, force=True) -> str:
        vid = f"decoy:{len(self.rows)}"
        mmsi = 0
        while ais and (mmsi == 0 or mmsi in self.used_mmsi):
            mmsi = int(self.rng.choice([229, 248, 351, 538, 636])) * 1_000_000
            mmsi += int(self.rng.integers(0, 1_000_000))
        self.used_mmsi.add(mmsi)
        self.rows.append(
            dict(
                vessel_id=vid,
                name="",
                type="merchant",
                registry=False,
                has_ais=ais,
                mmsi=str(mmsi) if ais else "",
                region=int(s.region),
                length_m=round(length, 1),
                beam_m=round(length / float(self.rng.uniform(5.5, 7.5)), 1),
                decoy=label,
            )
        )
        if force:
            self.forced.setdefault(s.scene_id, set()).add(vid)
        self.entries.append(dict(decoy=label, scene_id=s.scene_id, vessel_id=vid, detail=detail))
        return vid

    def _path(self, vid: str, region: int, pts: list[tuple[int, float, float]]) -> None:
        """Legs through ``(t_ns, x, y)`` points (a single point: berthed the whole period)."""
        if len(pts) == 1:
            pts = [(self.w.start_ns, pts[0][1], pts[0][2]), (self.w.end_ns, pts[0][1], pts[0][2])]
        for (ta, xa, ya), (tb, xb, yb) in zip(pts[:-1], pts[1:], strict=True):
            dt = max((tb - ta) / NS, 1e-9)
            self.legs.append(
                dict(vessel_id=vid, t0=ta, t1=tb, x0=xa, y0=ya, x1=xb, y1=yb, region=region)
                | dict(mode="move" if (xa, ya) != (xb, yb) else "rest")
                | dict(speed_kn=math.hypot(xb - xa, yb - ya) / dt / 0.514444)
            )

    def _fix(self, vid: str, region: int, t_ns: int, x: float, y: float, sog: float, cog: float):
        e = self.rng.normal(0, 3.0, 2)
        lon, lat = self.w.frames[region].lonlat(x + e[0], y + e[1])
        mmsi = int(next(r["mmsi"] for r in self.rows if r["vessel_id"] == vid))
        self.fixes.append(
            dict(time=t_ns, lat=float(lat), lon=float(lon), mmsi=mmsi, sog_kn=sog, cog_deg=cog)
        )

    def _gap_track(self, vid, s, C, I_, u) -> str:
        """A vessel truly at ``C`` at the scene time, fixes either side of a 2-6 h gap whose
        linear interpolation gives ``I_``; moving along ``u``. Returns a detail text."""
        t = int(s.time.value)
        gap = float(self.rng.uniform(2, 6)) * 3600.0
        g1 = gap * float(self.rng.uniform(0.3, 0.7))
        v = self.SPEED
        A = (I_[0] - u[0] * v * g1, I_[1] - u[1] * v * g1)
        B = (I_[0] + u[0] * v * (gap - g1), I_[1] + u[1] * v * (gap - g1))
        fr = self.w.frames[int(s.region)]
        for _ in range(3):  # the offset is from the lon/lat interpolation a reader makes
            (lo_a, lo_b), (la_a, la_b) = fr.lonlat([A[0], B[0]], [A[1], B[1]])
            f = g1 / gap
            ix, iy = fr.xy(lo_a + (lo_b - lo_a) * f, la_a + (la_b - la_a) * f)
            dx, dy = I_[0] - float(ix), I_[1] - float(iy)
            A, B = (A[0] + dx, A[1] + dy), (B[0] + dx, B[1] + dy)
        ta, tb = t - int(g1 * NS), t + int((gap - g1) * NS)
        pre = (A[0] - u[0] * v * 1200, A[1] - u[1] * v * 1200)
        post = (B[0] + u[0] * v * 1200, B[1] + u[1] * v * 1200)
        pts = [(ta - 1200 * NS, *pre), (ta, *A), (t, *C), (tb, *B), (tb + 1200 * NS, *post)]
        self._path(vid, int(s.region), pts)
        cog = math.degrees(math.atan2(u[0], u[1])) % 360
        for k in (0, 1, 2):
            f = k / 2
            self._fix(vid, s.region, ta - int((1 - f) * 1200 * NS), *_lerp(pre, A, f), 2.9, cog)
            self._fix(vid, s.region, tb + int(f * 1200 * NS), *_lerp(B, post, f), 2.9, cog)
        return f"gap {gap / 3600:.1f} h ({g1 / 3600:.1f} h before the scene)"

    # --- the decoys
    def _ais_offset(self, s, d: float, lab: str) -> None:
        C = self._inside(s, 2500.0)
        u = _unit(self.rng)
        n = (-u[1], u[0])
        I_ = (C[0] - n[0] * d, C[1] - n[1] * d)
        length = float(self.rng.uniform(80, 200))
        vid = self._vessel(s, f"ais_offset_{lab}", length, True, "")
        self.entries[-1]["detail"] = f"{d:.0f} m from its AIS interpolation; " + self._gap_track(
            vid, s, C, I_, u
        )

    def _dark_near_ais(self, s, d: float, lab: str) -> None:
        Q, e, n_in = self._edge_point(s)
        C = (Q[0] + n_in[0] * 2000, Q[1] + n_in[1] * 2000)
        I_ = (C[0] + e[0] * d, C[1] + e[1] * d)
        T = (I_[0] - n_in[0] * 3000, I_[1] - n_in[1] * 3000)  # 1 km outside the edge
        dark = self._vessel(s, f"dark_near_ais_{lab}", float(self.rng.uniform(50, 150)), False, "")
        self._path(dark, int(s.region), [(0, *C)])
        ais = self._vessel(s, "outside_edge", float(self.rng.uniform(60, 120)), True, "", False)
        self.entries[-2]["detail"] = f"{d:.0f} m from {ais}'s AIS interpolation"
        self.entries[-1]["detail"] = f"1 km outside, interpolated {d:.0f} m from {dark}; "
        self.entries[-1]["detail"] += self._gap_track(ais, s, T, I_, e)

    def _edge_pair(self, s) -> None:
        Q, e, n_in = self._edge_point(s)
        t = int(s.time.value)
        for sign, lab in ((1.0, "inside_edge"), (-1.0, "outside_edge")):
            off = float(self.rng.uniform(60, 150))
            P = (Q[0] + sign * n_in[0] * off, Q[1] + sign * n_in[1] * off)
            vid = self._vessel(s, lab, float(self.rng.uniform(60, 150)), True, "", sign > 0)
            self.entries[-1]["detail"] = f"{off:.0f} m {lab.split('_')[0]} the footprint edge"
            self._path(vid, int(s.region), [(t - 3 * 3600 * NS, *P), (t + 3 * 3600 * NS, *P)])
            for k in range(0, 6 * 3600, int(self.rng.uniform(300, 600))):
                self._fix(vid, s.region, t - 3 * 3600 * NS + k * NS, *P, 0.0, 0.0)

    def _side_by_side(self, s) -> None:
        C = self._in_harbour(s)
        u = _unit(self.rng)
        half = float(self.rng.uniform(20, 30))
        length = float(self.rng.uniform(80, 150))
        for sign in (1.0, -1.0):
            P = (C[0] + sign * u[1] * half, C[1] - sign * u[0] * half)
            L = length + float(self.rng.uniform(-5, 5))
            vid = self._vessel(
                s, "side_by_side", L, True, f"{2 * half:.0f} m apart at {s.aim_port}"
            )
            self._path(vid, int(s.region), [(0, *P)])
            step = int(self.rng.uniform(600, 1800))
            for k in range(0, int((self.w.end_ns - self.w.start_ns) // NS), step):
                self._fix(vid, s.region, self.w.start_ns + k * NS, *P, 0.0, 0.0)

    def _dark_merchant(self, s) -> None:
        z = self.sizes
        known = z[z["length_m"].notna()]
        cls = known[(known["vessel_class"] != "") & (known["length_m"] >= 50)]
        pick = cls if len(cls) else known
        L = float(pick["length_m"].iloc[int(self.rng.integers(len(pick)))]) if len(pick) else 120.0
        L += float(self.rng.uniform(-2, 2))
        vid = self._vessel(s, "dark_merchant", L, False, f"{L:.0f} m at {s.aim_port}")
        self._path(vid, int(s.region), [(0, *self._in_harbour(s))])

    # --- places
    def _inside(self, s, margin: float) -> tuple[float, float]:
        """A point ``margin`` inside the footprint, near the aim port when it can be."""
        p = next(p for p in self.w.ports if p.name == s.aim_port)
        area = s.local.buffer(-margin)
        near = area.intersection(shapely.Point(p.cx, p.cy).buffer(p.bound + 6000))
        return _random_point(self.rng, near if not near.is_empty else area)

    def _in_harbour(self, s) -> tuple[float, float]:
        p = next(p for p in self.w.ports if p.name == s.aim_port)
        return _random_point(self.rng, p.harbour.buffer(-30) if p.harbour.area > 1e5 else p.harbour)

    def _edge_point(self, s):
        """A point on the footprint edge, the edge's unit direction and the inward normal."""
        ring = np.asarray(s.local.exterior.coords)
        k = int(self.rng.integers(4)) * 8 + int(self.rng.integers(2, 6))  # away from corners
        a, b = ring[k], ring[k + 1]
        e = (b - a) / np.hypot(*(b - a))
        n_in = np.array([-e[1], e[0]])
        c = np.asarray(s.local.centroid.coords[0])
        if np.dot(c - a, n_in) < 0:
            n_in = -n_in
        f = float(self.rng.random())
        return tuple(a + f * (b - a)), tuple(e), tuple(n_in)

    # --- outputs
    def vessels_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def tracks(self, tracks: pd.DataFrame) -> pd.DataFrame:
        x = pd.DataFrame(self.legs)
        if not len(x):
            return tracks
        for c in ("t0", "t1"):
            x[c] = pd.to_datetime(x[c].astype("int64"), utc=True).astype(tracks[c].dtype)
        return pd.concat([tracks, x[tracks.columns]], ignore_index=True)

    def ais(self, ais: pd.DataFrame) -> pd.DataFrame:
        f = pd.DataFrame(self.fixes)
        if not len(f):
            return ais
        f["time"] = pd.to_datetime(f["time"].astype("int64"), utc=True)
        f = f.assign(kind="ais", source="ais", src_file="sim_imagery_ais.csv")
        f["src_line"] = np.arange(len(f)) + 2
        out = pd.concat([ais, f.reindex(columns=ais.columns)], ignore_index=True)
        for c in ais.columns:
            if isinstance(ais[c].dtype, pd.CategoricalDtype):
                out[c] = out[c].astype(str).astype("category")
            else:
                out[c] = out[c].astype(ais[c].dtype)
        return out

    def log(self) -> pd.DataFrame:
        return pd.DataFrame(self.entries, columns=["decoy", "scene_id", "vessel_id", "detail"])


def _unit(rng) -> tuple[float, float]:
    a = float(rng.uniform(0, 2 * math.pi))
    return math.cos(a), math.sin(a)


def _lerp(a, b, f: float) -> tuple[float, float]:
    return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f


def _random_point(rng, poly) -> tuple[float, float]:
    """A uniform random point of ``poly`` (local frame), by rejection."""
    x0, y0, x1, y1 = poly.bounds
    for _ in range(1000):
        x, y = float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))
        if shapely.contains_xy(poly, x, y):
            return x, y
    c = poly.representative_point()
    return float(c.x), float(c.y)


# --------------------------------------------------------------------------- detections


class _Positions:
    """True positions of every vessel at any time, from the legs (local frames)."""

    def __init__(self, tracks: pd.DataFrame, frames: list[_Frame]):
        self.frames = frames
        self.vid = tracks["vessel_id"].to_numpy(object)
        self.t0 = tracks["t0"].array.asi8
        self.t1 = tracks["t1"].array.asi8
        self.xy = tracks[["x0", "y0", "x1", "y1"]].to_numpy("float64")
        self.speed = tracks["speed_kn"].to_numpy("float64")
        self.region = tracks["region"].to_numpy("int64")

    def at(self, t: int) -> pd.DataFrame:
        """``vessel_id, region, x, y, lon, lat, speed_kn`` of the vessels that exist at ``t``."""
        k = np.flatnonzero((self.t0 <= t) & (t <= self.t1))
        k = k[~pd.Series(self.vid[k]).duplicated().to_numpy()]
        span = np.maximum(self.t1[k] - self.t0[k], 1)
        f = ((t - self.t0[k]) / span)[:, None]
        p = self.xy[k, :2] + (self.xy[k, 2:] - self.xy[k, :2]) * f
        lon, lat = np.full(len(k), np.nan), np.full(len(k), np.nan)
        reg = self.region[k]
        for r in np.unique(reg):
            m = reg == r
            lon[m], lat[m] = self.frames[int(r)].lonlat(p[m, 0], p[m, 1])
        return pd.DataFrame(
            {"vessel_id": self.vid[k], "region": reg, "x": p[:, 0], "y": p[:, 1]}
            | {"lon": lon, "lat": lat, "speed_kn": self.speed[k]}
        )


def _detect_all(rng, w: _World, scenes, tracks, vessels, fa_rate, dec):
    """Detections, their truth and the scene x port x registry-vessel truth of every scene."""
    pos = _Positions(tracks, w.frames)
    info = vessels.set_index("vessel_id")
    det, spt = [], []
    for s in scenes.itertuples():
        here = pos.at(int(s.time.value)).join(info[_INFO], on="vessel_id")
        here["inside"] = shapely.contains_xy(s.geometry, here["lon"], here["lat"])
        here["p_detect"] = detection_probability(here["length_m"], s.sensor, s.cloud_cover)
        hit = here["inside"].to_numpy() & (rng.random(len(here)) < here["p_detect"].to_numpy())
        forced = dec.forced.get(s.scene_id, set()) if dec is not None else set()
        hit |= here["inside"].to_numpy() & here["vessel_id"].isin(forced).to_numpy()
        here["detected"] = hit
        det.append(_vessel_detections(rng, w, s, here[hit]))
        det.append(_false_alarms(rng, w, s, here, fa_rate))
        spt.append(_scene_port_rows(w, s, here))
    return _finish(rng, w, scenes, det, spt, vessels)


_INFO = ["registry", "has_ais", "mmsi", "length_m", "beam_m", "decoy"]


def _vessel_detections(rng, w: _World, s, v: pd.DataFrame) -> pd.DataFrame:
    """Noisy detections of the vessels ``v`` (true positions) in scene ``s``."""
    n = len(v)
    err = rng.normal(0, s.sigma_m, (n, 2))
    err *= np.where(rng.random(n) < 0.05, rng.uniform(3, 6, n), 1.0)[:, None]
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    reg = v["region"].to_numpy("int64")
    x, y = v["x"].to_numpy() + err[:, 0], v["y"].to_numpy() + err[:, 1]
    for r in np.unique(reg):
        m = reg == r
        lon[m], lat[m] = w.frames[int(r)].lonlat(x[m], y[m])
    L = v["length_m"].to_numpy("float64")
    score = 0.35 + 0.5 * (1 - np.exp(-L / 80.0)) + rng.normal(0, 0.1, n)
    truth = [
        f"vessel:{i}" if reg_ else f"ais:{m}" if ais else f"dark:{i}"
        for i, reg_, ais, m in zip(
            v["vessel_id"], v["registry"], v["has_ais"], v["mmsi"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "length_m": _measured(rng, L, s.resolution_m, 0.08),
            "beam_m": _measured(rng, v["beam_m"].to_numpy("float64"), s.resolution_m, 0.15),
            "score": np.clip(score, 0.02, 0.999),
            "speed_kn": np.where(
                rng.random(n) < 0.3, np.nan, np.abs(v["speed_kn"] + rng.normal(0, 0.5, n))
            ),
            "truth": truth,
            "vessel_id": v["vessel_id"].to_numpy(object),
            "mmsi": v["mmsi"].to_numpy(object),
            "registry": v["registry"].astype(bool).to_numpy(),
            "has_ais": v["has_ais"].astype(bool).to_numpy(),
            "true_lat": v["lat"].to_numpy(),
            "true_lon": v["lon"].to_numpy(),
            "true_length_m": L,
            "error_m": np.hypot(err[:, 0], err[:, 1]),
            "decoy": v["decoy"].fillna("").to_numpy(object),
        }
    )


def _measured(rng, x: np.ndarray, resolution_m: float, unknown: float) -> np.ndarray:
    """Sizes ``x`` as measured in a scene of ``resolution_m`` (module docs), a share
    ``unknown`` of them NaN."""
    share, factor = SIZE_ERROR_TAIL
    e = rng.normal(0, 1, len(x)) * size_error_sd(x, resolution_m)
    e *= np.where(rng.random(len(x)) < share, factor, 1.0)
    out = np.clip(x + e, np.maximum(0.4 * x, resolution_m), 1.8 * x + 2 * resolution_m)
    return np.where(rng.random(len(x)) < unknown, np.nan, out.round(1))


def _false_alarms(rng, w: _World, s, here: pd.DataFrame, fa_rate: float) -> pd.DataFrame:
    """Random points in the footprint and infrastructure in the port zones it covers, all
    at least 300 m from every vessel."""
    if fa_rate <= 0:
        return pd.DataFrame()
    same = here[here["region"] == s.region]
    vxy = same[["x", "y"]].to_numpy("float64")
    pts: list[tuple[float, float, str]] = []
    n_sea = int(rng.poisson(fa_rate * (1.0 + s.local.area / 2e10)))
    pts += [(*_random_point(rng, s.local), "") for _ in range(n_sea)]
    for p in w.ports:
        if p.region != s.region or not p.local.intersects(s.local):
            continue
        cover = p.local.intersection(s.local)
        if cover.area > 0:
            n_in = int(rng.poisson(0.7 * fa_rate))
            pts += [(*_random_point(rng, cover), p.name) for _ in range(n_in)]
    keep = [
        q for q in pts if not len(vxy) or np.hypot(vxy[:, 0] - q[0], vxy[:, 1] - q[1]).min() > 300
    ]
    n = len(keep)
    if not n:
        return pd.DataFrame()
    lon, lat = w.frames[int(s.region)].lonlat([q[0] for q in keep], [q[1] for q in keep])
    infra = np.array([q[2] != "" for q in keep])
    L = np.where(infra, rng.uniform(20, 150, n), np.exp(rng.uniform(np.log(10), np.log(120), n)))
    return pd.DataFrame(
        {
            "lat": np.atleast_1d(lat),
            "lon": np.atleast_1d(lon),
            "length_m": _measured(rng, L, s.resolution_m, 0.05),
            "beam_m": _measured(rng, L / rng.uniform(3, 8, n), s.resolution_m, 0.3),
            "score": np.clip(rng.normal(0.4, 0.13, n), 0.02, 0.999),
            "speed_kn": np.where(rng.random(n) < 0.5, np.nan, np.abs(rng.normal(0, 1.0, n))),
            "truth": "false_alarm",
            "vessel_id": "",
            "mmsi": "",
            "registry": False,
            "has_ais": False,
            "true_lat": np.atleast_1d(lat),
            "true_lon": np.atleast_1d(lon),
            "true_length_m": L,
            "error_m": 0.0,
            "decoy": np.where(infra, "infrastructure", ""),
        }
    )


def _scene_port_rows(w: _World, s, here: pd.DataFrame) -> pd.DataFrame:
    """One row per port the footprint touches x registry vessel."""
    reg = here[here["registry"].astype(bool)]
    port, tier = w.port_at(reg["lon"].to_numpy(), reg["lat"].to_numpy())
    out = []
    for p in w.ports:
        if p.region != s.region or not p.local.intersects(s.local):
            continue
        frac = float(p.local.intersection(s.local).area / p.local.area)
        if frac <= 0:
            continue
        inp = port == p.name
        out.append(
            pd.DataFrame(
                {
                    "scene_id": s.scene_id,
                    "port": p.name,
                    "coverage_fraction": round(frac, 6),
                    "vessel_id": reg["vessel_id"].to_numpy(object),
                    "in_port": inp,
                    "tier": np.where(inp, tier, ""),
                    "visible": reg["inside"].to_numpy(bool),
                    "p_detect": np.where(reg["inside"], reg["p_detect"], 0.0),
                    "detected": reg["detected"].to_numpy(bool),
                }
            )
        )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _finish(rng, w: _World, scenes, det, spt, vessels):
    """Assemble the detections (ids, times, sources) and the two truth tables."""
    meta = scenes.set_index("scene_id")
    parts: list[pd.DataFrame] = []
    for k, s in enumerate(scenes.itertuples()):
        found = [x for x in det[2 * k : 2 * k + 2] if len(x)]
        if found:
            parts.append(pd.concat(found, ignore_index=True).assign(scene_id=s.scene_id))
    if not parts:
        parts = [_empty_detections()]
    d = pd.concat(parts, ignore_index=True)
    d = d.sample(frac=1.0, random_state=np.random.RandomState(int(rng.integers(2**31))))
    d = d.sort_values("scene_id", kind="stable").reset_index(drop=True)
    d["detect_id"] = [_detect_id(sid, k) for k, sid in enumerate(d["scene_id"])]
    d["time"] = meta.loc[d["scene_id"], "time"].to_numpy()
    d["time"] = pd.to_datetime(d["time"], utc=True).astype("datetime64[ns, UTC]")
    d["source"] = meta.loc[d["scene_id"], "source"].to_numpy()
    d["sensor"] = meta.loc[d["scene_id"], "sensor"].to_numpy()
    d["presence"] = np.clip(d["score"] + rng.normal(0, 0.05, len(d)), 0, 1).round(4)
    d["score"] = d["score"].round(4)
    d["lat"], d["lon"] = d["lat"].round(6), d["lon"].round(6)
    d["port"], d["tier"] = w.port_at(d["true_lon"].to_numpy(), d["true_lat"].to_numpy())
    d["generic_id"] = [f"detections.csv:{k + 2}" for k in range(len(d))]
    d["mmsi"] = pd.array([int(m) if str(m).isdigit() else pd.NA for m in d["mmsi"]], "Int64")
    truth_cols = ["detect_id", "generic_id", "scene_id", "truth", "vessel_id", "mmsi", "registry"]
    truth_cols += ["has_ais", "true_lat", "true_lon", "true_length_m", "error_m", "port", "tier"]
    truth = d[truth_cols + ["decoy"]].copy()
    spt_df = (
        pd.concat([x for x in spt if len(x)], ignore_index=True)
        if any(len(x) for x in spt)
        else pd.DataFrame()
    )
    cols = [c for c in DETECTION_COLUMNS if c != "label"]  # labels come later (own stream)
    return d[cols].copy(), truth, _scene_port_table(spt_df, scenes, vessels)


def _empty_detections() -> pd.DataFrame:
    num = ["lat", "lon", "length_m", "beam_m", "score", "speed_kn", "true_lat", "true_lon"]
    num += ["true_length_m", "error_m"]
    txt = ["truth", "vessel_id", "mmsi", "registry", "has_ais", "decoy", "scene_id"]
    cols = {c: pd.Series(dtype="float64") for c in num}
    return pd.DataFrame(cols | {c: pd.Series(dtype=object) for c in txt})


def _detect_id(scene_id: str, k: int) -> str:
    h = hashlib.sha1(f"{scene_id}/{k}".encode()).digest()
    return "".join("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[b % 32] for b in h[:13])


def _scene_port_table(spt: pd.DataFrame, scenes, vessels) -> pd.DataFrame:
    cols = ["scene_id", "time", "port", "coverage_fraction", "sensor", "cloud_cover", "vessel_id"]
    cols += ["name", "aliases", "vessel_class", "type", "length_m", "in_port", "tier", "visible"]
    cols += ["p_detect", "detected"]
    if not len(spt):
        return pd.DataFrame(columns=cols)
    sc = scenes.set_index("scene_id")[["time", "sensor", "cloud_cover"]]
    v = vessels.set_index("vessel_id")[["name", "aliases", "vessel_class", "type", "length_m"]]
    return spt.join(sc, on="scene_id").join(v, on="vessel_id")[cols]


# --------------------------------------------------------------------------- labels


def _true_types(rng, vessels: pd.DataFrame) -> np.ndarray:
    """Each vessel's type in plain words: its own for registry vessels, for a merchant one of
    :data:`MERCHANT_TYPES` by length (under 45 m mostly fishing, over 100 m cargo or tanker)."""
    L = vessels["length_m"].to_numpy("float64")
    u = rng.random(len(vessels))
    small = np.where(u < 0.8, "fishing", "cargo")
    mid = np.where(u < 0.3, "fishing", np.where(u < 0.8, "cargo", "tanker"))
    large = np.where(u < 0.6, "cargo", "tanker")
    merchant = np.where(L < 45, small, np.where(L <= 100, mid, large))
    own = vessels["type"].fillna("").astype(str).str.strip().str.lower().to_numpy(object)
    return np.where(own == "merchant", merchant, own).astype(object)


def _labels(rng, scenes, truth: pd.DataFrame, vessels: pd.DataFrame):
    """Each detection's label (``""`` none: module docs), the true type behind it (``""`` a
    false alarm) and whether the label is right (NA without a label)."""
    sc = scenes.set_index("scene_id")
    res = sc.loc[truth["scene_id"], "resolution_m"].to_numpy("float64")
    chance = label_chance(res, sc.loc[truth["scene_id"], "sensor"].to_numpy())
    info = vessels.drop_duplicates("vessel_id").set_index("vessel_id")
    fa = (truth["truth"] == "false_alarm").to_numpy()
    true_type = info["true_type"].reindex(truth["vessel_id"]).fillna("").to_numpy(object)
    true_type = np.where(fa, "", true_type).astype(object)
    merchant = info["type"].reindex(truth["vessel_id"]).to_numpy(object) == "merchant"
    n = len(truth)
    given = rng.random(n) < np.where(fa, LABEL_FALSE_ALARM_SHARE * chance, chance)
    wrong, pick = rng.random(n), rng.random(n)
    L = truth["true_length_m"].to_numpy("float64")
    label = np.array(
        [
            _label_for(*a) if g else ""
            for g, *a in zip(given, true_type, merchant, L, wrong, pick, strict=True)
        ],
        dtype=object,
    )
    correct = pd.array(np.where(given, label == true_type, False), dtype="boolean")
    correct[~given] = pd.NA
    return label, true_type, correct


def _label_for(true_type: str, merchant: bool, length: float, wrong: float, pick: float) -> str:
    """One label: the true type, or (``wrong`` below :data:`LABEL_ERROR`) a wrong one."""
    if not true_type:  # a false alarm
        return LABEL_FALSE_ALARM[int(pick * len(LABEL_FALSE_ALARM))]
    alts = LABEL_CONFUSED.get(true_type, ())
    if wrong < LABEL_CROSS or (wrong < LABEL_ERROR and not alts):
        return _cross_label(merchant, length, pick)
    if wrong < LABEL_ERROR:
        return alts[int(pick * len(alts))]
    return true_type


def _cross_label(merchant: bool, length: float, pick: float) -> str:
    """A warship's word for a merchant of ``length`` and a merchant's for a warship."""
    if merchant:
        return "patrol ship" if length < 50 else "corvette" if length < 100 else "frigate"
    return "fishing" if length < 50 else "cargo" if pick < 0.5 else "tanker"


# --------------------------------------------------------------------------- writing

#: AIS static data as broadcast (type 5 ``A+B``, ``C+D``): the share of AIS vessels that send
#: no dimensions (0: a blank ``Length`` in NOAA files) and the share that send wrong ones
#: (antenna offsets typed in wrong: 0.5-1.5 times the true length and beam).
AIS_DIMENSIONS_MISSING = 0.15
AIS_DIMENSIONS_WRONG = 0.03


def reported_dimensions(vessels: pd.DataFrame, seed: int) -> pd.DataFrame:
    """``mmsi, length_m, beam_m`` each AIS vessel broadcasts: its true ones to the metre, none
    (NaN) for :data:`AIS_DIMENSIONS_MISSING` of them, wrong ones for
    :data:`AIS_DIMENSIONS_WRONG` (own random stream: the other draws are unchanged)."""
    v = vessels[vessels["has_ais"].astype(bool) & (vessels["mmsi"].astype(str).str.strip() != "")]
    rng = np.random.default_rng([seed, 5005])
    u = rng.random(len(v))
    factor = np.where(
        u < AIS_DIMENSIONS_MISSING + AIS_DIMENSIONS_WRONG, rng.uniform(0.5, 1.5, len(v)), 1.0
    )
    factor = np.where(u < AIS_DIMENSIONS_MISSING, np.nan, factor)
    return pd.DataFrame({
        "mmsi": pd.to_numeric(v["mmsi"], errors="coerce").to_numpy(),
        "length_m": (v["length_m"].to_numpy(float) * factor).round(0),
        "beam_m": (v["beam_m"].to_numpy(float) * factor).round(0),
    })  # fmt: skip


def _write(im: ImageryScenario, d: Path, fmt: str) -> dict[str, Path]:
    if fmt not in ("gfw", "skylight", "generic"):
        raise ConfigError(f"unknown imagery format {fmt!r} (gfw, skylight, generic)")
    d.mkdir(parents=True, exist_ok=True)
    paths = {k: d / f for k, f in (("ais", "ais.csv"), ("vessels", "vessels.csv"))}
    paths |= {"ports": d / "ports.geojson", "scenes": d / "scenes.geojson"}
    write_noaa_ais(im.ais, paths["ais"], dims=reported_dimensions(im.vessels, im.seed))
    im.registry_sizes.to_csv(paths["vessels"], index=False)
    im.scenario.zones.to_file(paths["ports"], driver="GeoJSON")
    sc = im.scenes
    gpd.GeoDataFrame(
        {
            "scene_id": sc["scene_id"],
            "time": sc["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": sc["source"],
            "sensor": sc["sensor"],
            "cloud_cover": sc["cloud_cover"].round(3),
            "resolution_m": sc["resolution_m"],
        },
        geometry=sc.geometry,
        crs="EPSG:4326",
    ).to_file(paths["scenes"], driver="GeoJSON")
    det = im.detections
    wkt = dict(
        zip(sc["scene_id"], shapely.to_wkt(sc.geometry.values, rounding_precision=6), strict=True)
    )
    if fmt == "gfw":
        paths["detections"] = d / "gfw_detections.csv"
        pd.DataFrame(
            {
                "scene_id": det["scene_id"],
                "detect_id": det["detect_id"],
                "detect_timestamp": det["time"].dt.strftime("%Y-%m-%d %H:%M:%S+00:00"),
                "detect_lat": det["lat"],
                "detect_lon": det["lon"],
                "length_m": det["length_m"],
                "score": det["score"],
                "presence": det["presence"],
                "footprint_wkt": det["scene_id"].map(wkt),
            }
        ).to_csv(paths["detections"], index=False)
    elif fmt == "skylight":
        paths["detections"] = d / "predictions.csv"
        paths["skylight_scenes"] = d / "scenes.csv"
        pd.DataFrame(
            {
                "lon": det["lon"],
                "lat": det["lat"],
                "score": det["score"],
                "vessel_length_m": det["length_m"],
                "vessel_width_m": det["beam_m"],
                "vessel_speed_k": det["speed_kn"].round(1),
                "detect_id": det["detect_id"],
                "scene_id": det["scene_id"],
                "label": det["label"],
            }
        ).to_csv(paths["detections"], index=False)
        pd.DataFrame(
            {
                "scene_id": sc["scene_id"],
                "time": sc["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source": sc["source"],
                "resolution_m": sc["resolution_m"],
                "footprint": sc["scene_id"].map(wkt),
            }
        ).to_csv(paths["skylight_scenes"], index=False)
    else:
        paths["detections"] = d / "detections.csv"
        pd.DataFrame(
            {
                "time": det["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lat": det["lat"],
                "lon": det["lon"],
                "length_m": det["length_m"],
                "score": det["score"],
                "scene_id": det["scene_id"],
                "source": det["source"],
                "label": det["label"],
            }
        ).to_csv(paths["detections"], index=False)
    return paths
