""":func:`simulate_activity` and its result, :class:`ActivityScenario`."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ...errors import ConfigError
from ...registry import COLUMNS as REGISTRY_COLUMNS
from ...registry import Registry
from ..common import NS, _ts
from ..plans import _Track
from ..vessels import _make_vessels
from ..world import _make_ports, _zones_frame
from .common import EVENT_TYPES
from .emission import emit
from .labels import (
    Grid,
    clone_events,
    decoy_frame,
    displaced_events,
    gap_events,
    identity_events,
    jam_events,
    loiter_events,
    pair_events,
    truth_frame,
)
from .overlays import ais_name, callsign, imo_number
from .programme import lay_all, programme
from .stage import Stage


@dataclass
class ActivityScenario:
    """A simulated sea with activity events, the AIS about it, and the ground truth.

    Attributes
    ----------
    seed : int
        The seed (same seed and arguments -> identical scenario).
    start, end : pandas.Timestamp
        The observed period (UTC).
    obs : pandas.DataFrame
        Canonical AIS observations (:mod:`navwatch.schema`: ``time, lat, lon, kind, mmsi,
        name, callsign, imo, sog_kn, cog_deg, source, src_file, src_line``), in the order a
        feed delivered them (late positions after the silence they fall in).
    obs_meta : pandas.DataFrame
        Per row of ``obs`` (same index): ``vessel_id`` (the transmitter: a vessel, or
        ``ghost:<n>`` for a clone), ``fault`` (``''``, ``duplicate``, ``jump``, ``displaced``,
        ``jammed``, ``clone``, ``late``), ``received``, ``true_lat``, ``true_lon``.
    zones : geopandas.GeoDataFrame
        Port zones in navwatch's format (as :func:`navwatch.simulate.simulate` returns them).
    registry : navwatch.registry.Registry
        The registry vessels; ``type`` ``oiler`` or ``auxiliary`` for some.
    vessels : pandas.DataFrame
        Every vessel: registry columns plus ``registry``, ``auxiliary``, ``region``,
        ``fix_interval_s``, ``gps_error_m``, ``sog_missing``, ``cruise_kn``, ``mmsi_int``.
    tracks : pandas.DataFrame
        The true movement, one row per straight leg or rest: ``vessel_id, mmsi, ghost,
        region, t0, t1, x0, y0, x1, y1`` (local frame of the region, metres), ``lat0, lon0,
        lat1, lon1``, ``mode`` (``move``/``rest``), ``speed_kn``. Positions are linear in time
        along a leg.
    frames : pandas.DataFrame
        Each region's local frame: ``region, lat0, lon0`` (spherical azimuthal equidistant,
        R = 6371.0088 km).
    truth : pandas.DataFrame
        One row per true event (see :mod:`navwatch.simulate.activity`).
    decoys : pandas.DataFrame
        One row per decoy laid (see :mod:`navwatch.simulate.activity`).
    params : dict
        The arguments, plus ``not_laid`` (episodes the size did not allow) and ``late``
        (arrivals a plan missed; 0).
    """

    seed: int
    start: pd.Timestamp
    end: pd.Timestamp
    obs: pd.DataFrame
    obs_meta: pd.DataFrame
    zones: gpd.GeoDataFrame
    registry: Registry
    vessels: pd.DataFrame
    tracks: pd.DataFrame
    frames: pd.DataFrame
    truth: pd.DataFrame
    decoys: pd.DataFrame
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Counts: rows, vessels, true events per type, decoys laid."""
        counts = self.truth["event_type"].value_counts()
        return {
            "seed": self.seed,
            "days": round((self.end - self.start) / pd.Timedelta(days=1), 2),
            "vessels": len(self.vessels),
            "ports": int(self.zones["port"].nunique()),
            "rows": len(self.obs),
            "truth": {t: int(counts.get(t, 0)) for t in EVENT_TYPES},
            "decoys": len(self.decoys),
            "not_laid": list(self.params.get("not_laid", [])),
        }


def _habits(rng, vessels: pd.DataFrame, auxiliary_share: float) -> None:
    """Activity speeds and oilers/auxiliaries (whole classes), in place."""
    vessels["cruise_kn"] = rng.uniform(5, 22, len(vessels))
    reg = np.flatnonzero(vessels["registry"].to_numpy())
    k = max(2, int(round(len(reg) * auxiliary_share))) if len(reg) >= 4 else 0
    for i in rng.choice(reg, size=min(k, len(reg)), replace=False) if k else ():
        typ = "oiler" if rng.random() < 0.5 else "auxiliary"
        cls = vessels.at[i, "vessel_class"]
        same = vessels["vessel_class"] == cls if cls else vessels.index == i
        vessels.loc[same & vessels["registry"], "type"] = typ
    vessels["auxiliary"] = vessels["type"].isin(["oiler", "auxiliary"])


def _static_ids(rng, vessels: pd.DataFrame) -> list[dict]:
    """What each vessel's AIS static messages say at the start: name, call sign, IMO."""
    out = []
    for v in vessels.to_dict("records"):
        if v["registry"]:
            name = str(v["name"]).upper()
            cs = v["callsign"] or callsign(rng)
            imo = int(v["imo"]) if v["imo"] else None
        else:
            name, cs = ais_name(rng), callsign(rng)
            imo = imo_number(rng) if rng.random() < 0.85 else None
        out.append({"name": name, "callsign": cs, "imo": imo})
    return out


def simulate_activity(
    seed: int,
    *,
    n_vessels: int = 40,
    days: float = 6.0,
    n_ports: int = 4,
    fix_interval_s: float | tuple[float, float] = (10.0, 600.0),
    decoys: bool = True,
    events: float = 1.0,
    high_latitude: bool | None = None,
    antimeridian: bool | None = None,
    merchant_share: float = 0.3,
    auxiliary_share: float = 0.15,
    sog_missing_share: float = 0.1,
    static_missing_share: float = 0.15,
    faults: bool = True,
    duplicate_rate: float = 0.005,
    jump_rate: float = 0.0003,
) -> ActivityScenario:
    """Simulate vessels at sea with activity events, their AIS, and the ground truth.

    Parameters
    ----------
    seed : int
        Everything is drawn from generators seeded with it.
    n_vessels, days, n_ports : int, float, int
        Size: vessels (registry and merchant), observed days, ports (1-3 zones each; one
        region below 5 ports, two below 9, else three).
    fix_interval_s : float or (float, float)
        AIS fix interval, per vessel log-uniform between the two (jittered +-30 %, 2-3x
        sparser at rest for some).
    decoys : bool
        Lay every decoy of :data:`DECOYS` the size allows (``params['not_laid']`` lists the
        others).
    events : float
        Scales the number of true events drawn at random (about 5 encounters, 4
        replenishments, 4 loiterings, 8 gaps, 4 spoofings, 1-2 jammings, 4 identity changes
        and a fleet for 40 vessels over 6 days).
    high_latitude, antimeridian : bool, optional
        A region at 62-78 deg / a port straddling 180 deg; None draws each at random.
    merchant_share, auxiliary_share : float
        Vessels outside the registry; registry vessels that are oilers or auxiliaries (whole
        classes; at least two when the registry has four vessels).
    sog_missing_share, static_missing_share : float
        Vessels without SOG; rows without static data (name, call sign, IMO all missing).
    faults, duplicate_rate, jump_rate : bool, float, float
        Duplicates from a second receiver and single-fix jumps at random.

    Returns
    -------
    ActivityScenario
    """
    params = {k: v for k, v in locals().items() if k != "seed"}
    if int(n_vessels) < 2 or float(days) <= 0:
        raise ConfigError("simulate_activity needs n_vessels >= 2 and days > 0")
    rngs = [np.random.default_rng(np.random.SeedSequence([int(seed), 13, k])) for k in range(6)]
    r_world, r_plan, r_ais, r_fault = rngs[:4]
    high_latitude = bool(r_world.random() < 0.35) if high_latitude is None else high_latitude
    antimeridian = bool(r_world.random() < 0.3) if antimeridian is None else antimeridian
    start_ns = int(pd.Timestamp("2019-01-01", tz="UTC").value) + int(
        r_world.integers(0, 6 * 365 * 86400)
    ) * int(NS)
    span = float(days) * 86400.0
    frames, ports, zones = _make_ports(r_world, max(int(n_ports), 1), high_latitude, antimeridian)
    vessels = _make_vessels(
        r_world, int(n_vessels), ports, merchant_share, 0.0, sog_missing_share, fix_interval_s, 0.0
    )
    _habits(r_world, vessels, auxiliary_share)
    static = _static_ids(r_world, vessels)
    st = Stage(r_plan, frames, ports, zones, vessels.to_dict("records"), span)
    eps = programme(r_plan, span, int(n_vessels), float(days), events, decoys)
    lay_all(st, eps, static)
    opts = dict(faults=faults, duplicate_rate=duplicate_rate, jump_rate=jump_rate)
    opts["static_missing"] = static_missing_share
    (obs, meta), c = emit(st, vessels, static, start_ns, (r_ais, r_fault), opts)
    tracks = [_Track.of(s.plan) for s in st.ships]
    truth = _truth(st, tracks, c, static, vessels, eps, start_ns)
    params.update(
        not_laid=sorted(e.label or e.kind for e in eps if not e.laid),
        late=int(sum(s.late for s in st.ships)),
        high_latitude=high_latitude,
        antimeridian=antimeridian,
    )
    start = pd.Timestamp(start_ns, tz="UTC")
    return ActivityScenario(
        seed=int(seed),
        start=start,
        end=start + pd.Timedelta(seconds=span),
        obs=obs,
        obs_meta=meta,
        zones=_zones_frame(ports, zones),
        registry=Registry(
            vessels[vessels["registry"]]
            .reindex(columns=REGISTRY_COLUMNS, fill_value="")
            .reset_index(drop=True)
            .astype(str),
            path="<simulated>",
        ),
        vessels=vessels.drop(columns=["unlisted", "cyrillic", "home", "rest_factor"]),
        tracks=_tracks_frame(st, tracks, vessels, start_ns),
        frames=pd.DataFrame(
            {
                "region": range(len(frames)),
                "lat0": [f.lat0 for f in frames],
                "lon0": [f.lon0 for f in frames],
            }
        ),  # fmt: skip
        truth=truth,
        decoys=decoy_frame(eps, vessels, start_ns),
        params=params,
    )


def _truth(st, tracks, c, static, vessels, eps, start_ns) -> pd.DataFrame:
    grid = Grid(st, tracks)
    rows = pair_events(st, grid, vessels["auxiliary"].to_numpy())
    rows += loiter_events(st, grid)
    rows += gap_events(st, c)
    rows += clone_events(st, c, tracks) + displaced_events(st, c) + jam_events(st, c)
    rows += identity_events(st, c, static)
    return truth_frame(rows, eps, vessels, start_ns)


def _tracks_frame(st: Stage, tracks, vessels: pd.DataFrame, start_ns: int) -> pd.DataFrame:
    """The true legs of every vessel and ghost transmitter."""
    vid = vessels["vessel_id"].astype(str).tolist()
    mmsi = vessels["mmsi_int"].to_numpy()
    items = [(vid[i], int(mmsi[i]), False, st.ships[i].region, tr) for i, tr in enumerate(tracks)]
    for g in st.ghosts:
        tr = _Track.of(g["plan"])
        items.append((f"ghost:{g['id']}", int(mmsi[g["victim"]]), True, g["region"], tr))
    parts = []
    for name, m, ghost, region, tr in items:
        fr = st.frames[region]
        lon, lat = fr.lonlat(tr.X, tr.Y)
        parts.append(
            pd.DataFrame(
                {
                    "vessel_id": name,
                    "mmsi": m,
                    "ghost": ghost,
                    "region": region,
                    "t0": _ts(start_ns + np.round(tr.T[:-1] * NS).astype("int64")),
                    "t1": _ts(start_ns + np.round(tr.T[1:] * NS).astype("int64")),
                    "x0": tr.X[:-1],
                    "y0": tr.Y[:-1],
                    "x1": tr.X[1:],
                    "y1": tr.Y[1:],
                    "lat0": lat[:-1],
                    "lon0": lon[:-1],
                    "lat1": lat[1:],
                    "lon1": lon[1:],
                    "mode": np.where(tr.mode == 0, "move", "rest"),
                    "speed_kn": np.where(tr.mode == 0, tr.speed, 0.0),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
