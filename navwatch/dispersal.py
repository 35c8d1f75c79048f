"""Fleet dispersal: where every vessel of a fleet is, step by step, and how spread out they are.

:func:`fleet_dispersal` turns the per-row port states of a detection
(``detect_port_events(..., with_states=True).states``) into two tables:

* ``vessels``: one row per (time step, vessel) with a **status**, the evidence it rests on and
  its age, a position (observed, interpolated, the zone's point, or none) and the distance from
  the vessel's home port;
* ``fleet``: one row per time step with counts by status, median and max distance from home and
  the spread of the located vessels.

Statuses
--------
At step ``t`` a vessel's status uses only its evidence rows with ``time <= t`` (what an analyst
at ``t`` could have said; positions may interpolate towards the next fix, see below):

============== ==============================================================================
in_port        port state ``in`` at the innermost tier (``tier_rank`` 0) of its home port
offshore       port state ``in`` at an outer tier of its home port (anchorage, operating area)
at_sea         port state ``out``, and the newest evidence of where it *is* is a positional
               fix (AIS or sighting) outside every zone
in_other_port  port state ``in`` at another port (``other_port`` names it); also any port for
               a vessel with no home port
unknown        no evidence yet; or ``out`` known only from an *absent* survey (it says where the
               vessel is not, never where it is: ``note`` gives the window it left in); or the
               status above rests on evidence older than ``stale_after_h`` (``note`` 'stale')
============== ==============================================================================

With hindsight, a located status whose *next* evidence shows another port state gets the note
``next evidence (...) shows it ...``: the vessel changed state inside that window, so the
status is the last known one, not a certainty (the status itself never uses later evidence).

The **basis** of a status is the newest row that says where the vessel *is*: a positional fix
or a *present* survey. ``last_evidence_*`` describe it, and staleness is its age: a later
absent survey (of another tier or port) does not make an old sighting fresh. When the status is
unknown because of an absent survey, ``last_evidence_*`` describe that survey.

Zones
-----
Ports, tier ranks, representative points and port names are those of
:class:`navwatch.zones.ZoneIndex`, as in detection and reports: ranks are the table's
``tier_rank``, or for a table without one the rule of :func:`navwatch.ports.tier_ranks` (known
tiers harbour, anchorage, operating area... in that order, then other tiers by area); home ports
match as :func:`navwatch.ports.find_port` matches names (aliases too: ``port="Tartous"``).

Positions
---------
``position_method`` is, in order of preference: ``observed`` (the newest positional fix, if it
is less than one step old), ``interpolated`` (linearly in lon/lat between the fixes bracketing
``t``, when they are at most ``interpolate_max_gap_h`` apart), ``last_fix`` (the newest fix,
older than a step, while the status still rests on it: positions and distances change only
with new evidence), ``zone`` (the representative point of the zone a vessel is in when it is
known there only from a survey newer than its last fix; for an outer tier, the point lies in
the tier's own part, outside its inner tiers) or ``none`` (also for every ``unknown`` status
without an observed or interpolated fix).

Fleet and steps
---------------
The fleet is every vessel of the registry plus every vessel in ``states``, narrowed by ``port``
(vessels whose home port it is) or given by ``vessels``. A vessel's home port is its registry
``home_port``, else ``port``. Rows come time-major, vessels in id order (or in the order of
``vessels``). Steps run from ``start`` (default: the first evidence floored to ``every``) to
``end`` (default: the first step at or after the last evidence, so the last evidence is shown),
inclusive, in UTC.

Distances
---------
``distance_home_km`` is the haversine distance from the vessel's position to the *home point*:
the representative point (:func:`shapely.point_on_surface`) of the innermost tier of its home
port. The sphere's radius is WGS84's radius of curvature along the line at the mean latitude
(:func:`navwatch.geodesy.distance_km`), which keeps it within 0.04 % of the ellipsoidal geodesic
(``pyproj.Geod``) up to 3000 km; a vessel with no home port (or one not among the zones) has
no distance. ``spread_km`` is the largest distance of a located vessel from the fleet's centroid
(the normalised mean of the vessels' unit vectors), 0 for a single located vessel.

Examples
--------
>>> import navwatch as nw
>>> from navwatch.demo import demo_inputs
>>> obs = nw.read_observations(demo_inputs())
>>> zones, reg = nw.load_ports(), nw.load_registry()
>>> det = nw.detect_port_events(obs, zones, reg, with_states=True)
>>> d = fleet_dispersal(det.states, zones, reg, port="Tartus")
>>> d.fleet.set_index("time").loc["2024-12-01 12:00", ["n_in_port", "n_unknown"]].tolist()
[6, 0]
>>> d.at("2024-12-10 12:00").query("status == 'offshore'")[["vessel_id", "distance_home_km"]].round(1)
          vessel_id  distance_home_km
0   admiral-golovko               9.5
1  admiral-gorshkov               9.5
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import schema
from .durations import parse_duration
from .errors import ConfigError, NotFoundError, SchemaError
from .geodesy import NS_PER_H as _NS_PER_H
from .geodesy import distance_km
from .ports import normalise_name
from .settings import check_keys, check_non_negative
from .zones import ZoneIndex

__all__ = [
    "FLEET_COLUMNS",
    "status_changes",
    "STATUSES",
    "VESSEL_COLUMNS",
    "Dispersal",
    "DispersalParams",
    "dispersal_from_observations",
    "distance_km",
    "fleet_dispersal",
]

#: Statuses, in the order of the fleet counts.
STATUSES = ("in_port", "offshore", "at_sea", "in_other_port", "unknown")
IN_PORT, OFFSHORE, AT_SEA, IN_OTHER, UNKNOWN = range(5)
#: A home-port code meaning "every port": in port / offshore wherever the vessel is.
ANY_PORT = -2

#: Position methods.
POSITION_METHODS = ("observed", "interpolated", "zone", "none", "last_fix")
_OBSERVED, _INTERPOLATED, _ZONE, _NONE, _LAST_FIX = range(5)

#: Columns of :attr:`Dispersal.vessels`, in order (:data:`navwatch.schema.DISPERSAL_VESSELS`).
VESSEL_COLUMNS = schema.VESSEL_COLUMNS

#: Columns of :attr:`Dispersal.fleet`, in order (:data:`navwatch.schema.DISPERSAL_FLEET`).
FLEET_COLUMNS = schema.FLEET_COLUMNS

#: Refuse to build more output rows than this (steps x vessels): choose a coarser ``every``.
MAX_OUTPUT_ROWS = 10_000_000

_REQUIRED = ("vessel_id", "time", "lat", "lon", "kind", "state", "port", "tier")

# port state codes of the states table
_S_IN, _S_OUT, _S_UNKNOWN = 0, 1, 2


# ----------------------------------------------------------------------------------------------
# parameters


@dataclass(frozen=True)
class DispersalParams:
    """Settings of :func:`fleet_dispersal`. Units are in every name.

    Attributes
    ----------
    every : str or Timedelta
        Time step (``"6h"``, ``"1D"``, ``"30min"``); stored as a :class:`pandas.Timedelta`.
    stale_after_h : float
        A status resting on evidence older than this becomes ``unknown`` (note ``stale``).
    interpolate_max_gap_h : float
        Interpolate a position between two positional fixes at most this far apart.

    Raises
    ------
    ConfigError
        A value is not a positive duration / a non-negative number.

    Examples
    --------
    >>> DispersalParams(every="12h").every
    Timedelta('0 days 12:00:00')
    >>> DispersalParams.from_dict({"every": "1D", "stale_after_h": 72}).stale_after_h
    72
    >>> DispersalParams(every="soon")
    Traceback (most recent call last):
    ...
    navwatch.errors.ConfigError: DispersalParams.every: expected a duration such as '6h' or '1D', got 'soon'
    """

    every: str | pd.Timedelta = "6h"
    stale_after_h: float = 48.0
    interpolate_max_gap_h: float = 6.0

    def __post_init__(self) -> None:
        every = parse_duration(self.every, what="DispersalParams.every")
        object.__setattr__(self, "every", every)
        check_non_negative(self, ("stale_after_h", "interpolate_max_gap_h"))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "dispersal") -> DispersalParams:
        """Build from a mapping (e.g. a TOML ``[dispersal]`` table), naming unknown keys."""
        check_keys(cls, data, where)
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (``every`` as an ISO 8601 duration, which ``from_dict`` reads back)."""
        return {
            "every": pd.Timedelta(self.every).isoformat(),
            "stale_after_h": self.stale_after_h,
            "interpolate_max_gap_h": self.interpolate_max_gap_h,
        }


# ----------------------------------------------------------------------------------------------
# result


@dataclass
class Dispersal:
    """Result of :func:`fleet_dispersal`.

    ``vessels`` (GeoDataFrame, EPSG:4326) has one row per (time, vessel), sorted by time then
    vessel, columns :data:`navwatch.schema.DISPERSAL_VESSELS`; ``fleet`` one row per time step,
    columns :data:`navwatch.schema.DISPERSAL_FLEET`. Text columns with few values (ids, names,
    statuses, sources, notes) are categoricals, which keeps a million rows light.
    """

    vessels: gpd.GeoDataFrame
    fleet: pd.DataFrame
    params: DispersalParams

    @property
    def times(self) -> pd.DatetimeIndex:
        """The time steps."""
        return pd.DatetimeIndex(self.fleet["time"])

    def at(self, time) -> gpd.GeoDataFrame:
        """The vessels' rows at one time step (index reset).

        Raises
        ------
        KeyError
            ``time`` is not one of the steps.
        """
        t = _utc(time, "time")
        rows = self.vessels[self.vessels["time"] == t]
        if rows.empty:
            raise NotFoundError(
                f"{t} is not a time step (steps: {self.times.min()} .. {self.times.max()} every {self.params.every})"
            )
        return rows.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# zones


class _FleetPorts:
    """The zones as the fleet sees them, all from one :class:`navwatch.zones.ZoneIndex` (tier
    ranks, ports, representative points and name matching live there).

    Adds what only dispersal needs: the zone of a states row's (port, tier); a *port code* for
    any port name -- a zone's port has its ZoneIndex port code, a name that is no zone's port a
    code of its own (by normalised name, so states and registry rows naming it still match) --
    and home points (the representative point of a port's innermost tier)."""

    def __init__(self, zones):
        self.zi = ZoneIndex.of(zones)
        self.rep_lon, self.rep_lat = self.zi.own_points()  # an outer tier's point: in its own part
        self.index = {
            (p, t): i for i, (p, t) in enumerate(zip(self.zi.port, self.zi.tier, strict=True))
        }
        self._n_ports = int(self.zi.port_code.max()) + 1 if len(self.zi) else 0
        self._other: dict[str, int] = {}
        self._home_cache: dict[str, tuple[int, float, float, str]] = {}

    def _other_code(self, name: str) -> int:
        """Code of a port name that no zone matches."""
        return self._other.setdefault(normalise_name(name), self._n_ports + len(self._other))

    def home(self, name: object) -> tuple[int, float, float, str]:
        """(port code, home lat, home lon, display name) of a home-port name; -1 code when empty.

        A name not among the zones keeps a code of its own (so states naming it still match) but
        has no home point (NaN distances)."""
        if name is None or (not isinstance(name, str) and pd.isna(name)) or not str(name).strip():
            return -1, np.nan, np.nan, ""
        name = str(name).strip()
        hit = self._home_cache.get(name)
        if hit is None:
            z = self.zi.find(name)
            if z < 0:
                hit = (self._other_code(name), np.nan, np.nan, name)
            else:
                inner = self.zi.innermost(z)
                code = int(self.zi.port_code[inner])
                hit = (
                    code,
                    float(self.rep_lat[inner]),
                    float(self.rep_lon[inner]),
                    str(self.zi.port[inner]),
                )
            self._home_cache[name] = hit
        return hit

    def lookup(
        self, port: np.ndarray, tier: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For unique (port, tier) pairs: zone row (-1 if not a zone here), port code, tier rank."""
        n = len(port)
        zone = np.full(n, -1, np.int64)
        pkey = np.full(n, -1, np.int64)
        rank = np.zeros(n, np.int64)
        for i, (p, t) in enumerate(zip(port, tier, strict=True)):
            if not isinstance(p, str) or not p:
                continue
            z = self.index.get((p, t if isinstance(t, str) and t else "harbour"), -1)
            zone[i] = z
            pkey[i] = self.zi.port_code[z] if z >= 0 else self.home(p)[0]
            rank[i] = self.zi.rank[z] if z >= 0 else 0
        return zone, pkey, rank


# ----------------------------------------------------------------------------------------------
# geometry helpers


def _unit(lat, lon) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


# ----------------------------------------------------------------------------------------------
# input preparation


def _utc(value, what: str) -> pd.Timestamp:
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ConfigError(
            f"fleet_dispersal: {what} {value!r} is not a time (ISO 8601, e.g. 2024-12-01T00:00Z)"
        ) from None
    if pd.isna(t):
        raise ConfigError(f"fleet_dispersal: {what} {value!r} is not a time")
    return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")


def _time_ns(s: pd.Series) -> np.ndarray:
    s = s if s.dtype == schema.TIME_DTYPE else schema.to_utc(s)
    if s.isna().any():
        raise SchemaError(
            f"fleet_dispersal: states has {int(s.isna().sum())} row(s) without a time"
        )
    return (
        s.array.asi8
        if hasattr(s.array, "asi8")
        else s.to_numpy().astype("datetime64[ns]").astype(np.int64)
    )


@dataclass
class _Rows:
    """States rows of the fleet, sorted by (vessel code, time), as arrays."""

    v: np.ndarray
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    kind: np.ndarray  # 0 ais, 1 sighting, 2 survey, -1 other
    present: np.ndarray  # 1 present, 0 absent, -1 n/a
    state: np.ndarray  # _S_*
    zone: np.ndarray  # zone row (ZoneIndex), -1 unknown (or not 'in')
    pkey: np.ndarray  # port key of the 'in' zone (-1 if not 'in')
    rank: np.ndarray  # tier rank of the 'in' zone
    zlabel: np.ndarray  # 'port/tier' of the 'in' zone, per row (object)
    src: pd.Series  # source text, sorted (lazy use)
    surveyed: pd.Series  # 'port/tier' a survey is about, sorted (lazy use)

    def __len__(self) -> int:
        return len(self.v)


def _factor(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques as an object array) with missing values coded as ''."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    uniq = np.append(np.asarray(uniq, dtype=object), "")
    return np.where(codes >= 0, codes, len(uniq) - 1), uniq


def _prepare(states: pd.DataFrame, codes: dict[str, int], zt: _FleetPorts) -> _Rows:
    vcode, vuniq = _factor(states["vessel_id"])
    lut = np.array([codes.get(str(x), -1) if x != "" else -1 for x in vuniq], dtype=np.int64)
    v_all = lut[vcode]
    rows = np.flatnonzero(v_all >= 0)
    v = v_all[rows]
    t = _time_ns(states["time"])[rows]
    order = np.lexsort((t, v))  # stable: the detector's order is kept for equal times
    rows, v, t = rows[order], v[order], t[order]
    n = len(rows)

    def num(col: str) -> np.ndarray:
        return pd.to_numeric(states[col], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )[rows]

    lat, lon = num("lat"), num("lon")
    kind = states["kind"].astype(schema.KIND_DTYPE).cat.codes.to_numpy().astype(np.int8)[rows]
    if "present" in states.columns:
        pres = states["present"].astype("boolean")
        present = np.where(
            pres.isna().to_numpy(), -1, pres.fillna(False).to_numpy(dtype=bool)
        ).astype(np.int8)[rows]
    else:
        present = np.full(n, -1, np.int8)
    scode, suniq = _factor(states["state"])
    known = {"in": _S_IN, "out": _S_OUT, "unknown": _S_UNKNOWN, "": _S_UNKNOWN}
    bad = [str(x) for x in suniq if x not in known]
    if bad:
        raise SchemaError(
            f"fleet_dispersal: states column 'state' must be 'in', 'out' or 'unknown'; found {bad[:5]}"
        )
    state = np.array([known[x] for x in suniq], dtype=np.int8)[scode[rows]]
    # zones of the 'in' rows, through the few unique (port, tier) pairs
    pcodes, puniq = _factor(states["port"])
    tcodes, tuniq = _factor(states["tier"])
    width = len(tuniq)
    pair = pcodes[rows].astype(np.int64) * width + tcodes[rows]
    pu = np.flatnonzero(np.bincount(pair, minlength=1)) if n else np.empty(0, np.int64)
    slot = np.zeros(len(puniq) * width + 1, np.int64)
    slot[pu] = np.arange(len(pu))
    inv = slot[pair]
    pu_p, pu_t = puniq[pu // width], tuniq[pu % width]
    zone_u, pkey_u, rank_u = zt.lookup(pu_p, pu_t)
    label_u = np.array(
        [f"{p}/{tt or 'harbour'}" if p else "" for p, tt in zip(pu_p, pu_t, strict=True)],
        dtype=object,
    )
    is_in = state == _S_IN
    zone = np.where(is_in, zone_u[inv], -1) if n else np.empty(0, np.int64)
    pkey = np.where(is_in, pkey_u[inv], -1) if n else np.empty(0, np.int64)
    rank = np.where(is_in, rank_u[inv], 0) if n else np.empty(0, np.int64)
    zlabel = label_u[inv] if n else np.empty(0, object)
    src = (
        states["source"].iloc[rows]
        if "source" in states.columns
        else pd.Series([""] * n, dtype=object)
    )
    surveyed = (
        states["surveyed"].iloc[rows]
        if "surveyed" in states.columns
        else pd.Series([""] * n, dtype=object)
    )
    return _Rows(
        v,
        t,
        lat,
        lon,
        kind,
        present,
        state,
        zone,
        pkey,
        rank,
        zlabel,
        src.reset_index(drop=True),
        surveyed.reset_index(drop=True),
    )


def _last_where(mask: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per row: index of the last row at or before it (same vessel) where ``mask``; -1 if none."""
    idx = np.where(mask, np.arange(len(mask)), -1)
    idx = np.maximum.accumulate(idx) if len(idx) else idx
    ok = idx >= 0
    ok[ok] = v[idx[ok]] == v[ok]
    return np.where(ok, idx, -1)


def _next_where(mask: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Length n+1: index of the first row at or after i where ``mask`` (any vessel); n if none."""
    n = len(mask)
    idx = np.append(np.where(mask, np.arange(n), n), n)
    return np.minimum.accumulate(idx[::-1])[::-1]


# ----------------------------------------------------------------------------------------------
# the fleet


@dataclass
class _Fleet:
    """The fleet's vessels in output order, with their display names and home ports."""

    ids: list[str]
    names: list[str]  # display names
    home_names: list[str]  # home port as the zones name it ('' for none)
    home_key: np.ndarray  # port code of the home port (-1: none)
    home_lat: np.ndarray  # home point (NaN: no home port, or not among the zones)
    home_lon: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def _blank(x: object) -> bool:
    """Whether a registry value is missing or empty text."""
    return x is None or (not isinstance(x, str) and pd.isna(x)) or not str(x).strip()


def _registry_maps(registry) -> tuple[dict[str, object], dict[str, object]]:
    """(home port by vessel id, name by vessel id) of the registry; empty without one."""
    reg = getattr(registry, "frame", registry)
    reg_home: dict[str, object] = {}
    reg_name: dict[str, object] = {}
    if reg is not None:
        if not isinstance(reg, pd.DataFrame) or "vessel_id" not in reg.columns:
            raise ConfigError(
                "fleet_dispersal: registry must be a navwatch Registry or a DataFrame with vessel_id[, name, home_port]"
            )
        ids = reg["vessel_id"].astype(str).tolist()
        if "home_port" in reg.columns:
            reg_home = dict(zip(ids, reg["home_port"].tolist(), strict=True))
        if "name" in reg.columns:
            reg_name = dict(zip(ids, reg["name"].tolist(), strict=True))
    return reg_home, reg_name


def _listed_vessels(vessels, known: set[str], registry) -> list[str]:
    """The ids of ``vessels`` (ids, or names the registry knows), in order, each once."""
    ids = []
    for x in vessels:
        x = str(x)
        if x not in known and registry is not None and hasattr(registry, "lookup_name"):
            x = registry.lookup_name(x) or x
        if x not in known:
            raise ConfigError(
                f"fleet_dispersal: unknown vessel {x!r}: not in the states nor the registry"
            )
        ids.append(x)
    return list(dict.fromkeys(ids))


def _display_names(states, ids: list[str], reg_name: dict[str, object]) -> list[str]:
    """Per vessel: its registry name, else its first name in the states, else its id."""
    names = {}
    if len(states) and "vessel_name" in states.columns:
        first = states[["vessel_id", "vessel_name"]].dropna().drop_duplicates("vessel_id")
        names = dict(
            zip(first["vessel_id"].astype(str), first["vessel_name"].astype(str), strict=True)
        )
    disp = []
    for x in ids:
        n = reg_name.get(x)
        if _blank(n):
            n = names.get(x) or x
        disp.append(str(n))
    return disp


def _fleet(states, zt: _FleetPorts, registry, port, vessels) -> _Fleet:
    """The fleet: ``vessels``, else every vessel of the registry and the states (of ``port``'s
    fleet when given), with names and home ports (the registry's, else ``port``)."""
    reg_home, reg_name = _registry_maps(registry)
    in_states = (
        pd.unique(states["vessel_id"].dropna().astype(str)) if len(states) else np.empty(0, object)
    )
    port_key = -1
    if port is not None:
        zt.zi.find(str(port), strict=True)  # an unknown port is an error that lists close names
        port_key = zt.home(port)[0]
    if vessels is not None:
        ids = _listed_vessels(vessels, set(in_states) | set(reg_home) | set(reg_name), registry)
    else:
        ids = sorted(set(reg_name) | set(reg_home) | {str(x) for x in in_states})
    homes = [port if _blank(reg_home.get(x)) else reg_home.get(x) for x in ids]
    info = [zt.home(h) for h in homes]
    hkey = np.array([i[0] for i in info], dtype=np.int64)
    if vessels is None and port is not None:
        sel = hkey == port_key
        ids = [x for x, s in zip(ids, sel, strict=True) if s]
        info = [i for i, s in zip(info, sel, strict=True) if s]
        hkey = hkey[sel]
    return _Fleet(
        ids=ids,
        names=_display_names(states, ids, reg_name),
        home_names=[i[3] for i in info],
        home_key=hkey,
        home_lat=np.array([i[1] for i in info], dtype="float64"),
        home_lon=np.array([i[2] for i in info], dtype="float64"),
    )


def _steps(t_rows: np.ndarray, start, end, every: pd.Timedelta, n_vessels: int) -> np.ndarray:
    if start is not None:
        t0 = _utc(start, "start")
    elif len(t_rows):
        t0 = pd.Timestamp(int(t_rows.min()), tz="UTC").floor(every)
    else:
        t0 = None
    if end is not None:
        t1 = _utc(end, "end")
    elif len(t_rows):
        last = pd.Timestamp(int(t_rows.max()), tz="UTC")
        t1 = last if t0 is None else t0 + every * int(np.ceil((last - t0) / every))
    else:
        t1 = t0
    if t0 is None or t1 is None:
        return np.empty(0, np.int64)
    if t1 < t0:
        raise ConfigError(f"fleet_dispersal: end {t1} is before start {t0}")
    n = int((t1 - t0) // every) + 1
    if n * max(n_vessels, 1) > MAX_OUTPUT_ROWS:
        raise ConfigError(
            f"fleet_dispersal: {n:,} steps x {n_vessels:,} vessels = {n * max(n_vessels, 1):,} rows is more than "
            f"{MAX_OUTPUT_ROWS:,}; use a coarser step (every), a shorter period or fewer vessels"
        )
    return t0.value + np.arange(n, dtype=np.int64) * every.value


# ----------------------------------------------------------------------------------------------
# notes


def _fmt_times(ns: np.ndarray) -> np.ndarray:
    """'2024-12-01 08:30Z' for int64 ns times (vectorised)."""
    txt = np.datetime_as_string(np.asarray(ns, dtype=np.int64).astype("datetime64[ns]"), unit="m")
    return np.char.add(np.char.replace(txt, "T", " "), "Z").astype(object)


def _desc(r: _Rows, idx: np.ndarray, *, about: bool = True) -> np.ndarray:
    """'present survey of Tartus/harbour 2024-12-01 08:30Z', 'sighting 2024-12-02 06:00Z', ...
    for rows ``idx`` (vectorised; object array)."""
    idx = np.asarray(idx, dtype=np.int64)
    kind = r.kind[idx]
    what = np.array(["AIS fix", "sighting", "survey", "evidence"], dtype=object)[
        np.where(kind >= 0, kind, 3)
    ]
    pres = r.present[idx]
    survey = kind == 2
    what[survey & (pres == 1)] = "present survey"
    what[survey & (pres == 0)] = "absent survey"
    if about and survey.any():
        zone = (
            r.surveyed.take(idx[survey])
            .astype(object)
            .where(lambda x: x.notna(), "")
            .to_numpy(dtype=object)
        )
        what[survey] = np.where(zone != "", what[survey] + " of " + zone, what[survey])
    return what + " " + _fmt_times(r.t[idx])


def _where(r: _Rows, idx: np.ndarray) -> np.ndarray:
    """'in Tartus/anchorage' / 'out of port' / ... for rows ``idx`` (vectorised)."""
    st = r.state[idx]
    out = np.where(st == _S_OUT, "out of port", "in an undetermined state").astype(object)
    out[st == _S_IN] = "in " + r.zlabel[idx][st == _S_IN]
    return out


def _note_codes(keys: np.ndarray, fmt) -> tuple[np.ndarray, list[str]]:
    """Integer keys -> codes of their unique values and the notes ``fmt(unique keys)`` gives."""
    uniq, inv = np.unique(keys, return_inverse=True)
    return inv.ravel(), [str(x) for x in fmt(uniq)]


# ----------------------------------------------------------------------------------------------
# main entry


def fleet_dispersal(
    states: pd.DataFrame,
    zones,
    registry=None,
    *,
    port: str | None = None,
    vessels: list[str] | None = None,
    start=None,
    end=None,
    params: DispersalParams | None = None,
) -> Dispersal:
    """Where each vessel of a fleet is at each time step, and how dispersed the fleet is.

    Parameters
    ----------
    states : DataFrame
        ``Detection.states`` from ``detect_port_events(..., with_states=True)``: per evidence
        row the vessel, time, position, kind, survey presence and the port state after it.
    zones : GeoDataFrame
        The port zones the detection used (:func:`navwatch.load_ports`).
    registry : Registry or DataFrame, optional
        Gives each vessel's ``home_port`` and name; its vessels belong to the fleet even with no
        evidence at all (they are ``unknown``).
    port : str, optional
        The fleet: vessels whose home port is this port (all vessels if None). It is also the
        home port of vessels the registry gives none (so they belong to its fleet).
    vessels : list of str, optional
        Exactly these vessels (ids or registry names) instead of selecting by ``port``.
    start, end : time, optional
        First and last step (UTC; naive times are UTC). Default: the first evidence floored to
        ``every`` and the first step at or after the last evidence.
    params : DispersalParams, optional
        Step, staleness and interpolation limits.

    Returns
    -------
    Dispersal
        ``vessels`` (one row per time and vessel) and ``fleet`` (one row per time), columns
        :data:`navwatch.schema.DISPERSAL_VESSELS` and ``DISPERSAL_FLEET``; see the module
        documentation for the statuses, positions and distances.

    Raises
    ------
    SchemaError
        ``states`` lacks a needed column.
    ConfigError
        Bad times or vessels, or more than :data:`MAX_OUTPUT_ROWS` output rows.
    PortsError
        ``port`` is not a known port.

    Examples
    --------
    >>> import navwatch as nw
    >>> from navwatch.demo import demo_inputs
    >>> zones, reg = nw.load_ports(), nw.load_registry()
    >>> det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
    >>> d = fleet_dispersal(det.states, zones, reg, port="Tartus", start="2024-12-03 12:00", end="2024-12-03 12:00")
    >>> print(d.vessels[["vessel_id", "status", "position_method", "last_evidence_kind"]].to_string(index=False))
              vessel_id   status position_method last_evidence_kind
        admiral-golovko  unknown            none             survey
       admiral-gorshkov  unknown            none             survey
    admiral-grigorovich  unknown            none             survey
           novorossiysk  unknown            none             survey
                 vyazma  unknown            none             survey
                 yelnya offshore        last_fix           sighting
    >>> print(d.vessels["note"].iloc[0])
    not in Tartus/harbour: left between present survey 2024-12-01 08:30Z and absent survey 2024-12-03 08:30Z
    """
    params = params or DispersalParams()
    every = pd.Timedelta(params.every)
    states = _checked_states(states)
    zt = _FleetPorts(zones)
    fleet = _fleet(states, zt, registry, port, vessels)
    r = _prepare(states, {x: i for i, x in enumerate(fleet.ids)}, zt)
    steps = _steps(r.t, start, end, every, len(fleet))
    q = _at_steps(r, steps, len(fleet))
    status = _statuses(r, q, fleet.home_key, params.stale_after_h)
    lat, lon, method = _positions(r, q, status.code, zt, params.interpolate_max_gap_h, every)
    dist = distance_km(lat, lon, fleet.home_lat[q.v], fleet.home_lon[q.v])
    notes = _notes(r, q, status, params.stale_after_h)
    vessels_gdf = _vessels_table(
        r, q, fleet, zt, status.code, _basis(q, status.absence), (lat, lon, method), dist, notes
    )
    fleet_t = _fleet_table(steps, status.code, lat, lon, dist, len(fleet), len(steps))
    schema.validate(vessels_gdf, "dispersal_vessels", where="fleet_dispersal")
    schema.validate(fleet_t, "dispersal_fleet", where="fleet_dispersal")
    return Dispersal(vessels=vessels_gdf, fleet=fleet_t, params=params)


def status_changes(
    states: pd.DataFrame,
    zones,
    registry=None,
    *,
    port: str | None = None,
    vessels: list[str] | None = None,
    stale_after_h: float = DispersalParams.stale_after_h,
) -> pd.DataFrame:
    """Each vessel's status (the module's table) as it changes over time: the status after
    every evidence row, and when the evidence it rests on turns stale, one row per change.

    The same statuses as :func:`fleet_dispersal`, without a time step: what a report's slider
    shows at any moment. The fleet is ``vessels`` (default: every vessel in ``states``). A
    vessel's home port is its registry ``home_port``, else ``port``; with neither, every port
    is home (``in_port`` / ``offshore`` wherever it is).

    Returns
    -------
    DataFrame
        ``vessel_id``, ``time`` (UTC), ``status`` (a name of :data:`STATUSES`) and ``why``:
        for ``unknown``, ``stale``, ``absence`` (an absent survey is the newest word) or
        ``none`` (nothing places it); empty otherwise. Rows by vessel, then time.

    Examples
    --------
    >>> import navwatch as nw
    >>> from navwatch.demo import demo_inputs
    >>> det = nw.detect_port_events(nw.read_observations(demo_inputs()), nw.load_ports(),
    ...                             nw.load_registry(), with_states=True)
    >>> ch = status_changes(det.states, nw.load_ports(), nw.load_registry(), port="Tartus")
    >>> y = ch[ch.vessel_id == "yelnya"].head(3)
    >>> [(str(t)[:16], s, w) for t, s, w in zip(y.time, y.status, y.why)]
    [('2024-11-30 08:30', 'in_port', ''), ('2024-12-02 06:00', 'offshore', ''), ('2024-12-04 06:00', 'unknown', 'stale')]
    """
    states = _checked_states(states)
    zt = _FleetPorts(zones)
    if vessels is None:
        vessels = sorted(pd.unique(states["vessel_id"].dropna().astype(str)))
    fleet = _fleet(states, zt, registry, port, vessels)
    home = np.where([not h for h in fleet.home_names], ANY_PORT, fleet.home_key)
    if port is not None or any(fleet.home_names):
        home = fleet.home_key
    r = _prepare(states, {x: i for i, x in enumerate(fleet.ids)}, zt)
    q = _query(r, *_change_times(r, stale_after_h))
    st = _statuses(r, q, home, stale_after_h)
    code = st.code.astype(np.int64)
    why = np.where(st.stale, 1, np.where(st.absence, 2, np.where(code == UNKNOWN, 3, 0)))
    key = code * 4 + why
    keep = (
        np.r_[True, (key[1:] != key[:-1]) | (q.v[1:] != q.v[:-1])] if len(q) else np.empty(0, bool)
    )
    return pd.DataFrame(
        {
            "vessel_id": pd.Series(np.asarray(fleet.ids, dtype=object)[q.v[keep]], dtype="string"),
            "time": pd.to_datetime(q.t[keep], utc=True),
            "status": pd.Categorical.from_codes(code[keep], categories=list(STATUSES)),
            "why": pd.Categorical.from_codes(
                why[keep], categories=["", "stale", "absence", "none"]
            ),
        }
    )


def _placing(r: _Rows) -> tuple[np.ndarray, np.ndarray]:
    """Per row: a positional fix (AIS or sighting with a position), and a row that says where
    the vessel *is* (such a fix, or a present survey)."""
    positional = (r.kind <= 1) & (r.kind >= 0) & np.isfinite(r.lat) & np.isfinite(r.lon)
    return positional, positional | ((r.kind == 2) & (r.present == 1))


def _change_times(r: _Rows, stale_after_h: float) -> tuple[np.ndarray, np.ndarray]:
    """(vessel, time) of every moment a status may change, by vessel then time: each row that
    differs from the vessel's previous one in what a status reads (port state, zone, kind of
    evidence) or places it again after it went stale, and the moment the newest row placing a
    vessel becomes stale (when no other such row follows within ``stale_after_h``). A run of
    fixes in one state is one moment."""
    positional, seen = _placing(r)
    n = len(r)
    new = np.ones(n, bool)
    if n > 1:
        same = r.v[1:] == r.v[:-1]
        for col in (r.state, r.zone, r.kind, r.present, positional):
            same &= col[1:] == col[:-1]
        new[1:] = ~same
    stale_ns = int(stale_after_h * _NS_PER_H) + 1
    s_idx = np.flatnonzero(seen)
    last_of_run = np.ones(len(s_idx), bool)
    if len(s_idx) > 1:
        follows = r.v[s_idx[1:]] == r.v[s_idx[:-1]]
        soon = r.t[s_idx[1:]] - r.t[s_idx[:-1]] < stale_ns
        last_of_run[:-1] = ~(follows & soon)
        new[s_idx[1:]] |= ~(follows & soon)  # seen again after going stale: fresh again
    goes_stale = s_idx[last_of_run]
    qv = np.concatenate([r.v[new], r.v[goes_stale]])
    qt = np.concatenate([r.t[new], r.t[goes_stale] + stale_ns])
    order = np.lexsort((qt, qv))
    return qv[order], qt[order]


def _checked_states(states) -> pd.DataFrame:
    """``states`` checked for the needed columns; a frame without columns is no evidence."""
    if not isinstance(states, pd.DataFrame):
        raise SchemaError(
            f"fleet_dispersal: states must be a DataFrame (Detection.states), got {type(states).__name__}"
        )
    missing = [c for c in _REQUIRED if c not in states.columns]
    if missing and len(states.columns):
        raise SchemaError(
            f"fleet_dispersal: states lacks column(s) {missing}; pass Detection.states from detect_port_events(..., with_states=True)"
        )
    if missing:  # an empty frame without columns: no evidence
        states = pd.DataFrame({c: pd.Series([], dtype=object) for c in _REQUIRED})
        states["time"] = pd.Series([], dtype=schema.TIME_DTYPE)
    return states


# ----------------------------------------------------------------------------------------------
# the fleet at the steps


@dataclass
class _Query:
    """The fleet at the steps: one query per (vessel, step), vessel-major, with the rows that
    answer it (indices into :class:`_Rows`, -1 for none). A status uses only rows at or before
    its step; ``j`` and ``next_fix`` look ahead (interpolation, hindsight notes)."""

    v: np.ndarray  # vessel code
    t: np.ndarray  # step time (ns)
    i: np.ndarray  # the vessel's last row at or before the step
    j: np.ndarray  # the first row after the step (any vessel; len(rows) if none)
    has: np.ndarray  # bool: the vessel has a row at or before the step
    seen: np.ndarray  # last row saying where it is (a positional fix or a present survey)
    fix: np.ndarray  # last positional fix
    absent: np.ndarray  # newest absent survey
    took_out: np.ndarray  # the absent survey that took it out of port (the end of its window)
    next_fix: np.ndarray  # first positional fix after the step (any vessel; len(rows) if none)
    has_next_fix: np.ndarray  # bool: ``next_fix`` is the vessel's own
    state: np.ndarray  # port state after row ``i`` (_S_*; unknown without one)
    zone: np.ndarray  # its zone (-1)
    pkey: np.ndarray  # its port code (-1)
    rank: np.ndarray  # its tier rank
    positional: np.ndarray  # per *row* (not per query): a fix with a position (AIS, sighting)

    def __len__(self) -> int:
        return len(self.v)


def _at_steps(r: _Rows, steps: np.ndarray, n_v: int) -> _Query:
    """For every (vessel, step): the last row at or before the step, the newest rows of each
    kind a status rests on, and the port state."""
    n_s = len(steps)
    return _query(r, np.repeat(np.arange(n_v, dtype=np.int64), n_s), np.tile(steps, n_v))


def _query(r: _Rows, qv: np.ndarray, qt: np.ndarray) -> _Query:
    """:func:`_at_steps` for any (vessel ``qv``, time ``qt``) pairs."""
    n = len(r)
    tu = np.sort(np.concatenate([r.t, qt]))  # equal times get equal ranks (searchsorted left)
    k = len(tu) + 1
    key_rows = r.v * k + np.searchsorted(tu, r.t)
    key_q = qv * k + np.searchsorted(tu, qt)
    j = np.searchsorted(key_rows, key_q, side="right")  # first row after the step (any vessel)
    i = j - 1
    has = i >= 0
    has[has] = r.v[i[has]] == qv[has]
    i = np.where(has, i, -1)
    ic = np.maximum(i, 0)  # safe index; masked by ``has``

    positional, seen = _placing(r)
    absent = (r.kind == 2) & (r.present == 0)
    # the absent survey that took the vessel out (the end of its departure window)
    first_of_vessel = np.ones(n, bool)
    first_of_vessel[1:] = r.v[1:] != r.v[:-1]
    prev_state = np.concatenate([[_S_UNKNOWN], r.state[:-1]]) if n else r.state
    took_out = absent & (r.state != _S_IN) & (first_of_vessel | (prev_state == _S_IN))
    last_seen = _last_where(seen, r.v)
    last_pos = _last_where(positional, r.v)
    last_abs = _last_where(absent, r.v)
    last_took_out = _last_where(took_out, r.v)
    next_pos = _next_where(positional, r.v)

    nx = next_pos[j] if n else np.zeros(len(j), np.int64)
    has_nx = nx < n
    has_nx[has_nx] = r.v[nx[has_nx]] == qv[has_nx]
    return _Query(
        v=qv,
        t=qt,
        i=i,
        j=j,
        has=has,
        seen=np.where(has, last_seen[ic] if n else -1, -1),
        fix=np.where(has, last_pos[ic] if n else -1, -1),
        absent=np.where(has, last_abs[ic] if n else -1, -1),
        took_out=np.where(has, last_took_out[ic] if n else -1, -1),
        next_fix=nx,
        has_next_fix=has_nx,
        state=np.where(has, r.state[ic] if n else _S_UNKNOWN, _S_UNKNOWN),
        zone=np.where(has, r.zone[ic] if n else -1, -1),
        pkey=np.where(has, r.pkey[ic] if n else -1, -1),
        rank=np.where(has, r.rank[ic] if n else 0, 0),
        positional=positional,
    )


# ----------------------------------------------------------------------------------------------
# statuses and what they rest on


@dataclass
class _Status:
    """Per query: the status (index into :data:`STATUSES`) and why an unknown one is unknown."""

    code: np.ndarray  # int8
    located: np.ndarray  # the status before stale ones became unknown
    stale: np.ndarray  # bool: located on evidence older than stale_after_h
    absence: np.ndarray  # bool: unknown because the newest word is an absent survey


def _statuses(r: _Rows, q: _Query, home_key: np.ndarray, stale_after_h: float) -> _Status:
    """Each query's status from its rows at or before the step (the module's table)."""
    n = len(r)
    s, a, qt, cur_state = q.seen, q.absent, q.t, q.state
    sc = np.maximum(s, 0)
    hk = home_key[q.v]
    status = np.full(len(q), UNKNOWN, np.int8)
    is_in = cur_state == _S_IN
    home_here = is_in & (((q.pkey == hk) & (hk >= 0)) | (hk == ANY_PORT))
    status[home_here & (q.rank == 0)] = IN_PORT
    status[home_here & (q.rank > 0)] = OFFSHORE
    status[is_in & ~home_here] = IN_OTHER
    s_ok = s >= 0
    at_sea = (cur_state == _S_OUT) & s_ok
    if n:
        at_sea &= q.positional[sc] & (r.state[sc] == _S_OUT)
    status[at_sea] = AT_SEA
    status[is_in & ~s_ok] = UNKNOWN  # 'in' with nothing that says so: never a guess
    age_h = np.where(s_ok, (qt - (r.t[sc] if n else 0)) / _NS_PER_H, np.nan)
    located = status != UNKNOWN
    stale = located & (age_h > stale_after_h)
    located_status = status.copy()
    status[stale] = UNKNOWN
    # unknown because the newest word is an absent survey (after anything that placed it)
    absence = (status == UNKNOWN) & ~stale & q.has & ~is_in & (a >= 0) & (a > s)
    return _Status(code=status, located=located_status, stale=stale, absence=absence)


def _basis(q: _Query, absence: np.ndarray) -> np.ndarray:
    """Per query, the row its status rests on (``last_evidence_*``); -1 for none."""
    s_ok = q.seen >= 0
    is_in = q.state == _S_IN
    ev = np.where(s_ok, q.seen, -1)
    ev = np.where(absence & (q.absent >= 0), q.absent, ev)
    return np.where(q.has & ~is_in & ~s_ok & ~absence, q.i, ev)


# ----------------------------------------------------------------------------------------------
# positions


def _positions(
    r: _Rows, q: _Query, status: np.ndarray, zt: _FleetPorts, max_gap_h: float, every
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per query: lat, lon and position method (observed, interpolated, last fix, zone point
    or none)."""
    n, qt = len(r), q.t
    lat = np.full(len(q), np.nan)
    lon = np.full(len(q), np.nan)
    method = np.full(len(q), _NONE, np.int8)
    if not n:
        return lat, lon, method
    p = q.fix
    pc = np.maximum(p, 0)
    nc = np.clip(q.next_fix, 0, max(n - 1, 0))
    p_ok = p >= 0
    tp = r.t[pc]
    exact = p_ok & (tp == qt)
    gap_ns = max_gap_h * _NS_PER_H
    interp = p_ok & q.has_next_fix & ~exact & ((r.t[nc] - tp) <= gap_ns) & (r.t[nc] > tp)
    recent = p_ok & ~exact & ~interp & ((qt - tp) < every.value)
    obs = exact | recent
    lat[obs], lon[obs] = r.lat[pc[obs]], r.lon[pc[obs]]
    method[obs] = _OBSERVED
    if interp.any():
        f = (qt[interp] - tp[interp]) / (r.t[nc[interp]] - tp[interp])
        la0, lo0 = r.lat[pc[interp]], r.lon[pc[interp]]
        dlo = (r.lon[nc[interp]] - lo0 + 540.0) % 360.0 - 180.0
        lat[interp] = la0 + f * (r.lat[nc[interp]] - la0)
        lon[interp] = (lo0 + f * dlo + 540.0) % 360.0 - 180.0
        method[interp] = _INTERPOLATED
    located = np.isin(status, (IN_PORT, OFFSHORE, AT_SEA, IN_OTHER))
    last = (method == _NONE) & located & p_ok & (q.seen == p)  # the status rests on that fix
    lat[last], lon[last] = r.lat[pc[last]], r.lon[pc[last]]
    method[last] = _LAST_FIX
    zpos = (method == _NONE) & np.isin(status, (IN_PORT, OFFSHORE, IN_OTHER)) & (q.zone >= 0)
    zc = q.zone[zpos]
    lat[zpos], lon[zpos] = zt.rep_lat[zc], zt.rep_lon[zc]
    method[zpos] = _ZONE
    return lat, lon, method


# ----------------------------------------------------------------------------------------------
# notes


class _Notes:
    """Per query a note code; the note texts in the order first used (the categories)."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, -1, np.int64)
        self.cats: dict[str, int] = {}

    def add(self, mask: np.ndarray, codes: np.ndarray, texts: list[str]) -> None:
        """Queries ``mask`` get the notes ``texts[codes]``."""
        lut = np.array([self.cats.setdefault(x, len(self.cats)) for x in texts], dtype=np.int64)
        self.code[mask] = lut[codes]

    def add_const(self, mask: np.ndarray, text: str) -> None:
        """Queries ``mask`` get the note ``text``."""
        if mask.any():
            self.code[mask] = self.cats.setdefault(text, len(self.cats))


def _notes(r: _Rows, q: _Query, st: _Status, stale_after_h: float) -> _Notes:
    """Why a status is unknown, or, with hindsight, that the next evidence shows a change."""
    notes = _Notes(len(q))
    status, stale, absence = st.code, st.stale, st.absence
    notes.add_const(~q.has, "no evidence yet")
    if stale.any():
        notes.add(
            stale,
            st.located[stale].astype(np.int64),
            [
                f"stale: last seen {STATUSES[c]} more than {stale_after_h:g} h before"
                for c in range(4)
            ],
        )
    if absence.any():
        s, a, a_out = q.seen[absence], q.absent[absence], q.took_out[absence]
        a_note = np.where(a_out > s, a_out, a)
        width = len(r) + 1
        codes, texts = _note_codes(
            (a_note + 1) * width + (s + 1), lambda keys: _absence_texts(r, keys, width)
        )
        notes.add(absence, codes, texts)
    rest = (status == UNKNOWN) & q.has & ~stale & ~absence
    notes.add_const(
        rest & (q.state == _S_UNKNOWN),
        "port state not determined by the evidence so far (e.g. a first fix near a zone edge)",
    )
    notes.add_const(rest & (q.state == _S_OUT), "out of port; no evidence of where it is")
    notes.add_const(
        (status == UNKNOWN) & (q.state == _S_IN) & ~(q.seen >= 0),
        "in a zone with no evidence of presence",
    )
    if len(r):
        _hindsight_notes(r, q, status, notes)
    return notes


def _absence_texts(r: _Rows, keys: np.ndarray, width: int) -> np.ndarray:
    """Notes for keys ``(absent survey + 1) * width + (last sighting + 1)``: where the vessel
    is not, and the window it left in."""
    ai, si = keys // width - 1, keys % width - 1
    out = np.full(len(keys), "out of port; no evidence of where it is", dtype=object)
    ok = ai >= 0
    if ok.any():
        zone = (
            r.surveyed.take(ai[ok])
            .astype(object)
            .where(lambda x: x.notna() & (x != ""), "the surveyed port")
        )
        zone = zone.to_numpy(dtype=object)
        absent_desc = _desc(r, ai[ok], about=False)
        seen_ok = si[ok] >= 0
        seen_desc = np.full(int(ok.sum()), "", dtype=object)
        if seen_ok.any():
            seen_desc[seen_ok] = _desc(r, si[ok][seen_ok], about=False)
        out[ok] = np.where(
            seen_ok,
            "not in " + zone + ": left between " + seen_desc + " and " + absent_desc,
            "not in " + zone + " (" + absent_desc + "); not seen before",
        )
    return out


def _hindsight_notes(r: _Rows, q: _Query, status: np.ndarray, notes: _Notes) -> None:
    """Located statuses whose next evidence after the step shows another port state (a window)."""
    n, j = len(r), q.j
    nxt_ok = (j < n) & q.has & (status != UNKNOWN)
    jc = np.minimum(j, n - 1)
    nxt_ok &= r.v[jc] == q.v
    changed = nxt_ok & ((r.state[jc] != q.state) | (r.zone[jc] != q.zone))
    if changed.any():
        codes, texts = _note_codes(
            j[changed], lambda x: "next evidence (" + _desc(r, x) + ") shows it " + _where(r, x)
        )
        notes.add(changed, codes, texts)


# ----------------------------------------------------------------------------------------------
# the vessels table


def _vessels_table(
    r: _Rows,
    q: _Query,
    fleet: _Fleet,
    zt: _FleetPorts,
    status: np.ndarray,
    ev: np.ndarray,
    position: tuple[np.ndarray, np.ndarray, np.ndarray],
    dist: np.ndarray,
    notes: _Notes,
) -> gpd.GeoDataFrame:
    """The vessels table, time-major, from the vessel-major per-query arrays."""
    n, n_v, qv = len(r), len(fleet), q.v
    n_s = len(q) // n_v if n_v else 0
    lat, lon, method = position
    order = (
        np.arange(n_v * n_s).reshape(n_v, n_s).T.ravel() if n_v and n_s else np.empty(0, np.int64)
    )
    ev_ok = ev >= 0
    evc = np.maximum(ev, 0)
    ev_t = np.where(ev_ok, r.t[evc] if n else 0, np.iinfo(np.int64).min)
    ev_age = np.where(ev_ok, (q.t - ev_t) / _NS_PER_H, np.nan)
    src_codes, src_uniq = (
        pd.factorize(r.src.astype(object).where(r.src.notna(), ""))
        if n
        else (np.empty(0, np.int64), [])
    )
    ev_src = np.where(ev_ok, src_codes[evc] if n else -1, -1)
    ev_kind = np.where(ev_ok, r.kind[evc] if n else -1, -1)
    other_code, port_cats = _other_ports(zt, np.where(status == IN_OTHER, q.zone, -1))
    home_cats = list(dict.fromkeys(fleet.home_names))
    home_code = np.array([home_cats.index(h) for h in fleet.home_names], dtype=np.int64)
    names = fleet.names

    def cat(codes: np.ndarray, categories) -> pd.Categorical:
        return pd.Categorical.from_codes(
            codes[order].astype(np.int64),
            categories=pd.Index(list(categories), dtype=object).astype(str)
            if len(categories)
            else pd.Index([], dtype=str),
        )

    lat_o, lon_o = lat[order], lon[order]
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(q.t[order], utc=True).astype(schema.TIME_DTYPE),
            "vessel_id": pd.Categorical.from_codes(qv[order], dtype=pd.CategoricalDtype(fleet.ids)),
            "vessel_name": cat(qv, names)
            if len(set(names)) == len(names)
            else pd.Categorical(np.asarray(names, dtype=object)[qv[order]]),
            "home_port": cat(home_code[qv], home_cats),
            "status": cat(status.astype(np.int64), STATUSES),
            "other_port": cat(other_code, port_cats),
            "last_evidence_time": pd.to_datetime(
                np.where(ev_ok, ev_t, np.iinfo(np.int64).min)[order], utc=True
            ).astype(schema.TIME_DTYPE),
            "last_evidence_age_h": ev_age[order],
            "last_evidence_source": cat(ev_src.astype(np.int64), [str(x) for x in src_uniq]),
            "last_evidence_kind": cat(ev_kind.astype(np.int64), schema.KINDS),
            "position_method": cat(method.astype(np.int64), POSITION_METHODS),
            "lat": lat_o,
            "lon": lon_o,
            "distance_home_km": dist[order],
            "note": cat(notes.code, list(notes.cats)),
        }
    )
    geom = np.full(len(order), None, dtype=object)
    okxy = np.isfinite(lat_o) & np.isfinite(lon_o)
    geom[okxy] = shapely.points(lon_o[okxy], lat_o[okxy])
    vessels_gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(geom, crs="EPSG:4326"), crs="EPSG:4326"
    )
    return vessels_gdf[VESSEL_COLUMNS]


def _other_ports(zt: _FleetPorts, zone: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(port codes of zone rows ``zone``, -1 where -1; the port names those codes index)."""
    port_cats = list(dict.fromkeys(zt.zi.port))
    port_code_of = {pname: c for c, pname in enumerate(port_cats)}
    zone_port_code = np.array([port_code_of[pname] for pname in zt.zi.port], dtype=np.int64)
    other_code = np.where(
        zone >= 0, zone_port_code[np.maximum(zone, 0)] if len(zone_port_code) else -1, -1
    )
    return other_code, port_cats


def _fleet_table(steps, status, lat, lon, dist, n_v: int, n_s: int) -> pd.DataFrame:
    """Per step (column of the vessel-major (n_v, n_s) arrays): counts and distances."""
    shape = (n_v, n_s)
    st = status.reshape(shape)
    la, lo, d = lat.reshape(shape), lon.reshape(shape), dist.reshape(shape)
    okxy = np.isfinite(la) & np.isfinite(lo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(d, axis=0) if n_v else np.full(n_s, np.nan)
        mx = np.nanmax(d, axis=0) if n_v else np.full(n_s, np.nan)
        u = _unit(np.where(okxy, la, 0.0), np.where(okxy, lo, 0.0)) * okxy  # (3, n_v, n_s)
        c = u.sum(axis=1)
        norm = np.linalg.norm(c, axis=0)
        c = c / np.where(norm > 0, norm, np.nan)
        clat = np.degrees(np.arcsin(np.clip(c[2], -1, 1)))
        clon = np.degrees(np.arctan2(c[1], c[0]))
        spread_all = distance_km(la, lo, clat[None, :], clon[None, :])
        spread = (
            np.nanmax(np.where(okxy, spread_all, np.nan), axis=0) if n_v else np.full(n_s, np.nan)
        )
        spread = np.where(spread < 1e-6, 0.0, spread)  # rounding noise of co-located vessels
    fleet = pd.DataFrame(
        {
            "time": pd.to_datetime(steps, utc=True).astype(schema.TIME_DTYPE),
            "n_vessels": np.full(n_s, n_v, np.int64),
            **{
                f"n_{name}": (st == code).sum(axis=0).astype(np.int64)
                for code, name in enumerate(STATUSES)
            },
            "median_distance_km": med,
            "max_distance_km": mx,
            "spread_km": spread,
            "n_located": okxy.sum(axis=0).astype(np.int64),
        }
    )
    return fleet[FLEET_COLUMNS]


def dispersal_from_observations(
    obs: pd.DataFrame,
    zones,
    registry=None,
    *,
    all_vessels: bool = False,
    detect_params=None,
    **kw,
) -> Dispersal:
    """Detect port states from raw observations in memory, then
    :func:`navwatch.jobs.disperse_states` (:func:`fleet_dispersal`, keywords ``kw``; with
    ``all_vessels`` and neither ``port`` nor ``vessels``, every vessel with evidence). From
    files, with any engine: :func:`navwatch.jobs.run_dispersal`.

    Examples
    --------
    >>> import navwatch as nw
    >>> from navwatch.demo import demo_inputs
    >>> d = dispersal_from_observations(nw.read_observations(demo_inputs()), nw.load_ports(),
    ...     nw.load_registry(), port="Tartus", params=DispersalParams(every="1D"))
    >>> print(d.fleet[["time", "n_in_port", "n_offshore", "n_unknown"]].head(4).to_string(index=False))
                         time  n_in_port  n_offshore  n_unknown
    2024-11-30 00:00:00+00:00          0           0          6
    2024-12-01 00:00:00+00:00          6           0          0
    2024-12-02 00:00:00+00:00          6           0          0
    2024-12-03 00:00:00+00:00          5           1          0
    """
    from .detect import detect_port_events
    from .jobs import disperse_states  # the fleet chosen as every dispersal job chooses it

    det = detect_port_events(
        obs, zones, registry, params=detect_params, all_vessels=all_vessels, with_states=True
    )
    return disperse_states(det.states, zones, registry, all_vessels=all_vessels, **kw)
