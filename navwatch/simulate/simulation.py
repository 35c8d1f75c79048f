""":func:`simulate`: a world, its evidence and its ground truth from one seed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ConfigError
from ..registry import COLUMNS as REGISTRY_COLUMNS
from ..registry import Registry
from .ais import _sample_ais
from .common import _TEXT, DECOYS, MOVE, NS, H, _empty_evidence, _ts
from .osint import _make_osint
from .plans import _Planner, _Track
from .scenario import Scenario
from .truth import _truth_tables, _truth_visits
from .vessels import _make_vessels
from .world import _make_ports, _zones_frame


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
    tracks = _plan_tracks(r_plan, vessels, ports, zones, span, decoys)
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
        osint_df, osint_meta, osint_ev, contra = _no_osint()
    truth_visits, truth_events = _truth_tables(
        vessels, tracks, zones, ports, visits, fixes, osint_ev, contra, span, start_ns
    )
    zones_gdf = _zones_frame(ports, zones)
    names = np.array([p.name for p in ports] + [""], dtype=object)
    ais_meta = _ais_meta_ports(ais_meta, names)
    V = vessels.to_dict("records")
    reg_frame = _registry_frame(vessels)
    return Scenario(
        seed=int(seed),
        start=start,
        end=start + pd.Timedelta(seconds=span),
        zones=zones_gdf,
        vessels=_public_vessels(vessels),
        registry=Registry(reg_frame, path="<simulated>"),
        ais=ais,
        ais_meta=ais_meta,
        osint=osint_df,
        osint_meta=osint_meta,
        truth_visits=truth_visits,
        truth_events=truth_events,
        contradictions=_contradictions_frame(contra, ports, zones, start_ns),
        decoys=_decoy_log(tracks, V, names, start_ns),
        tracks=_tracks_frame(tracks, V, start_ns),
        params=params,
        regions=pd.DataFrame(
            {
                "region": np.arange(len(frames), dtype="int64"),
                "lat0": [f.lat0 for f in frames],
                "lon0": [f.lon0 for f in frames],
            }
        ),
    )


def _plan_tracks(r_plan, vessels, ports, zones, span, decoys) -> list[_Track]:
    """Every vessel's true track, the decoys laid by AIS vessels (one is made AIS-in-port-only)."""
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
    return tracks


#: The OSINT table's columns (as :mod:`navwatch.simulate.osint` builds it).
OSINT_COLUMNS = ["time", "lat", "lon", "kind", "vessel", "port", "coverage", "source"]
OSINT_COLUMNS += ["confidence", "confidence_text", "notes", "src_file", "src_line"]


def _registry_frame(vessels: pd.DataFrame) -> pd.DataFrame:
    """The registry vessels' rows in the registry's columns (missing ones empty)."""
    reg = vessels[vessels["registry"]].reindex(columns=REGISTRY_COLUMNS, fill_value="")
    return reg.reset_index(drop=True).astype(str)


def _no_osint():
    """Empty OSINT tables, evidence and contradictions (``osint=False``)."""
    osint_df, osint_meta = (
        schema.empty(
            ("time", "lat", "lon", "kind", "vessel", "port", "coverage", "source", "confidence")
            + ("notes", "src_file", "src_line")
        )
        .assign(confidence_text=pd.Series(dtype="string"))
        .reindex(columns=OSINT_COLUMNS),
        pd.DataFrame({"vessel_ids": pd.Series(dtype=object), "false": pd.Series(dtype=bool)}),
    )
    return osint_df, osint_meta, _empty_evidence(), []


def _ais_meta_ports(ais_meta: pd.DataFrame, names: np.ndarray) -> pd.DataFrame:
    """``ais_meta`` with the port index replaced by the port's name (``''`` at sea)."""
    ais_meta["port"] = pd.Categorical.from_codes(
        np.where(ais_meta["port_idx"] >= 0, ais_meta["port_idx"], len(names) - 1),
        categories=pd.Index(list(names), dtype=_TEXT),
    )
    return ais_meta.drop(columns="port_idx")


def _decoy_log(tracks, V, names, start_ns) -> pd.DataFrame:
    """Every decoy laid: ``vessel_id, decoy, port, start, end``."""
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
    return pd.DataFrame(decoy_rows, columns=["vessel_id", "decoy", "port", "start", "end"])


def _contradictions_frame(contra, ports, zones, start_ns) -> pd.DataFrame:
    """The injected contradictions: ``vessel_id, time, kind, port, zones``."""
    return pd.DataFrame(
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


def _tracks_frame(tracks, V, start_ns) -> pd.DataFrame:
    """The true plans, one row per leg."""
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
    return pd.concat(track_rows, ignore_index=True) if track_rows else pd.DataFrame()


def _public_vessels(vessels: pd.DataFrame) -> pd.DataFrame:
    """The vessels table without the simulator's own columns."""
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
    return vessels[keep].reset_index(drop=True)
