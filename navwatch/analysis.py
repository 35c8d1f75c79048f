"""Analyses over detection results: port activity per period, AIS dark periods, vessel timelines.

Pure functions: ``Detection.events`` and ``Detection.states`` (from
``detect_port_events(..., with_states=True)``) in, DataFrames with stable columns and UTC times
out. They infer nothing new: they count, split and line up what the detector already decided,
so every number can be traced back to evidence rows.

* :func:`departures_per_day` -- departures (or arrivals) per port per day (or any fixed period);
* :func:`activity_per_day` -- activity events at sea per type per day (or any fixed period);
* :func:`dark_periods` -- silences between consecutive AIS fixes of a vessel, with where it was
  before and after, and whether the archive holds other vessels' fixes in the meantime;
* :func:`vessel_timeline` -- a vessel's spells of constant port state with the events between
  (and, given the activity table, what it did at sea).

Examples
--------
>>> import navwatch as nw
>>> from navwatch.demo import demo_inputs
>>> zones, reg = nw.load_ports(), nw.load_registry()
>>> det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
>>> departures_per_day(det.events)  # doctest: +NORMALIZE_WHITESPACE
port                       Tartus
period
2024-12-02 00:00:00+00:00       6
2024-12-04 00:00:00+00:00       0
2024-12-07 00:00:00+00:00       6
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import schema
from .activity.gaps import across, silences
from .errors import ConfigError, SchemaError
from .geodesy import NS_PER_H

__all__ = [
    "DARK_COLUMNS",
    "TIMELINE_COLUMNS",
    "activity_per_day",
    "dark_periods",
    "departures_per_day",
    "vessel_timeline",
]

#: Columns of :func:`dark_periods`, in order (:data:`navwatch.schema.DARK_PERIODS`).
DARK_COLUMNS = schema.DARK_COLUMNS

#: Columns of :func:`vessel_timeline`, in order (:data:`navwatch.schema.TIMELINE`).
TIMELINE_COLUMNS = schema.TIMELINE_COLUMNS

_EVENTS = ("departure", "arrival")
_BY = ("time", "time_earliest", "time_latest")


# ----------------------------------------------------------------------------------------------
# helpers


def _require(df: pd.DataFrame, cols: Iterable[str], where: str, expected: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(f"{where}: expected a DataFrame ({expected}), got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{where}: table lacks column(s) {', '.join(missing)} (expected {expected}); "
            f"have {list(df.columns)}"
        )


def _text(s: pd.Series) -> pd.Series:
    """``s`` as strings, missing values as ''."""
    return s.astype("string").fillna("")


def _tick(freq, where: str) -> pd.Timedelta:
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{where}: freq must be a fixed duration such as 'D', '6h' or '30min', got {freq!r}"
        ) from None
    if step <= pd.Timedelta(0):
        raise ConfigError(f"{where}: freq must be positive, got {freq!r}")
    return step


# ----------------------------------------------------------------------------------------------
# departures per port per period


def departures_per_day(
    events: pd.DataFrame,
    freq="D",
    *,
    event: str = "departure",
    by: str = "time",
    evidence: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Count departures (or arrivals) per port and per day (or other fixed period).

    Parameters
    ----------
    events : DataFrame
        ``Detection.events`` (at least ``port``, ``event`` and the ``by`` column).
    freq : str or Timedelta
        A fixed period: ``"D"`` (UTC days), ``"6h"``, ``"1h"``, ``"30min"``. Periods start at
        UTC midnight (multiples of ``freq`` since the epoch).
    event : {"departure", "arrival"}
        Which events to count.
    by : {"time", "time_earliest", "time_latest"}
        The time that places an event in a period: the best estimate (default), or either end
        of its window. A departure whose window straddles midnight may belong to either day;
        ``by="time_latest"`` counts ships *known to have left by* the end of a period.
    evidence : DataFrame, optional
        ``Detection.states`` (or any table with a ``time`` column). The rows are the periods
        holding at least one event of either kind, plus (with ``evidence``) those holding at
        least one evidence row, where a period with evidence and no events reads 0. Periods
        with no data at all are left out: no data is not zero departures. (A survey-based
        event's best estimate, the middle of its window, may fall on a day with no evidence.)

    Returns
    -------
    DataFrame
        Index ``period`` (UTC start of each period, ascending), one ``int64`` column per port
        named in ``events`` (sorted; the columns index is named ``port``).

    Raises
    ------
    SchemaError
        ``events`` (or ``evidence``) lacks a needed column.
    ConfigError
        Bad ``freq``, ``event`` or ``by``.

    Examples
    --------
    >>> ev = pd.DataFrame({
    ...     "port": ["Tartus", "Tartus", "Latakia", "Tartus"],
    ...     "event": ["departure", "departure", "arrival", "arrival"],
    ...     "time": pd.to_datetime(["2024-12-02 05:56", "2024-12-02 08:30",
    ...                             "2024-12-03 10:00", "2024-12-04 08:30"], utc=True)})
    >>> departures_per_day(ev)  # doctest: +NORMALIZE_WHITESPACE
    port                       Latakia  Tartus
    period
    2024-12-02 00:00:00+00:00        0       2
    2024-12-03 00:00:00+00:00        0       0
    2024-12-04 00:00:00+00:00        0       0
    >>> departures_per_day(ev, "12h", event="arrival").sum().to_dict()
    {'Latakia': 1, 'Tartus': 1}
    """
    where = "departures_per_day"
    if event not in _EVENTS:
        raise ConfigError(f"{where}: event must be one of {list(_EVENTS)}, got {event!r}")
    if by not in _BY:
        raise ConfigError(f"{where}: by must be one of {list(_BY)}, got {by!r}")
    step = _tick(freq, where)
    _require(events, ("port", "event", by), where, "Detection.events")
    t = schema.to_utc(events[by].reset_index(drop=True)).dt.floor(step)
    port = _text(events["port"].reset_index(drop=True))
    kind = _text(events["event"].reset_index(drop=True))
    ports = sorted(set(port[port != ""]))
    if evidence is not None:
        _require(evidence, ("time",), where, "Detection.states")
        periods = pd.concat(
            [t, schema.to_utc(evidence["time"].reset_index(drop=True)).dt.floor(step)]
        )
    else:
        periods = t
    index = pd.DatetimeIndex(sorted(set(periods.dropna())), name="period")
    if index.tz is None:
        index = index.tz_localize("UTC")
    sel = (kind == event) & t.notna() & (port != "")
    counts = (
        pd.DataFrame({"period": t[sel], "port": port[sel]})
        .groupby(["period", "port"])
        .size()
        .unstack("port")
    )
    out = (
        counts.reindex(index=index, columns=pd.Index(ports, name="port")).fillna(0).astype("int64")
    )
    out.index.name = "period"
    return out


def activity_per_day(activity: pd.DataFrame, freq="D", *, by: str = "start") -> pd.DataFrame:
    """Count activity events (``navwatch.activity.detect_activity``) per type and per day (or
    other fixed period).

    Parameters
    ----------
    activity : DataFrame
        The activity events table (at least ``event_type`` and the ``by`` column).
    freq : str or Timedelta
        A fixed period, as :func:`departures_per_day` (periods start at UTC midnight).
    by : {"start", "end"}
        The time that places an event in a period.

    Returns
    -------
    DataFrame
        Index ``period`` (UTC, ascending: every period from the first event's to the last
        event's, empty ones reading 0), one ``int64`` column per event type present (sorted;
        the columns index is named ``event_type``).

    Examples
    --------
    >>> ev = pd.DataFrame({"event_type": ["gap", "loitering", "gap"],
    ...     "start": pd.to_datetime(["2024-12-02 05:00", "2024-12-02 09:00", "2024-12-04 01:00"],
    ...                             utc=True)})
    >>> activity_per_day(ev)  # doctest: +NORMALIZE_WHITESPACE
    event_type                 gap  loitering
    period
    2024-12-02 00:00:00+00:00    1          1
    2024-12-03 00:00:00+00:00    0          0
    2024-12-04 00:00:00+00:00    1          0
    """
    where = "activity_per_day"
    if by not in ("start", "end"):
        raise ConfigError(f"{where}: by must be 'start' or 'end', got {by!r}")
    step = _tick(freq, where)
    _require(activity, ("event_type", by), where, "the activity events table")
    t = schema.to_utc(activity[by].reset_index(drop=True)).dt.floor(step)
    kind = _text(activity["event_type"].reset_index(drop=True))
    ok = t.notna() & (kind != "")
    types = pd.Index(sorted(set(kind[ok])), name="event_type")
    if not ok.any():
        return pd.DataFrame(
            columns=types, index=pd.DatetimeIndex([], tz="UTC", name="period"), dtype="int64"
        )
    index = pd.date_range(t[ok].min(), t[ok].max(), freq=step, name="period")
    counts = pd.DataFrame({"period": t[ok], "event_type": kind[ok]}).groupby(
        ["period", "event_type"]
    )
    out = counts.size().unstack("event_type").reindex(index=index, columns=types)
    return out.fillna(0).astype("int64")


# ----------------------------------------------------------------------------------------------
# dark periods


def dark_periods(
    states: pd.DataFrame, min_gap_h: float = 6.0, *, outage_min_h: float = 0.5
) -> pd.DataFrame:
    """Silences of at least ``min_gap_h`` hours between consecutive AIS fixes of a vessel.

    A view of the activity ``gap`` events (:mod:`navwatch.activity.gaps`, the one definition of
    a silence and of the distance and speed across it) over detection states: the same
    silences, with the port state either side and the archive's outages added, where the gap
    events add whether the silence looks intentional.

    Only AIS fixes count (sightings and surveys are sparse by nature). A silence is what the
    archive shows, not proof that a transmitter was switched off. ``outage_h`` says how much of
    it the archive itself was silent: the hours in which *no* vessel of ``states`` has a fix,
    counting stretches of at least ``outage_min_h`` (no receiver, a file boundary, a slice of
    a larger file). A silence that is mostly outage says nothing about the vessel; this is only
    meaningful over a table with many vessels (``all_vessels=True``). A silence in port
    (``state_start == state_end == "in"``) is common and mostly benign; one that starts and ends
    at sea, with the archive recording other ships meanwhile, is the kind worth a look.

    Parameters
    ----------
    states : DataFrame
        ``Detection.states``: at least ``vessel_id``, ``time``, ``lat``, ``lon`` and ``kind``;
        ``vessel_name``, ``mmsi``, ``state`` and ``port`` are carried over when present.
    min_gap_h : float
        Shortest silence reported, in hours (Global Fishing Watch uses 6 h and 12 h).
    outage_min_h : float
        Shortest stretch with no fix at all in ``states`` counted as an archive outage, hours.

    Returns
    -------
    DataFrame
        One row per silence, by vessel then time: the fixes before and after it, the gap, the
        distance and implied speed between them, the port state after each and the archive's
        outage; columns :data:`navwatch.schema.DARK_PERIODS`.

    Raises
    ------
    SchemaError
        ``states`` lacks a needed column.
    ConfigError
        ``min_gap_h`` or ``outage_min_h`` is not a non-negative number.

    Examples
    --------
    Vessel ``a`` is silent from 01:00 to 09:00 while ``b`` reports hourly until 04:00: the
    archive has nothing from 04:00 to 09:00, so 5 of the 8 hours are an outage.

    >>> st = pd.DataFrame({
    ...     "vessel_id": ["a"] * 3 + ["b"] * 5,
    ...     "time": pd.to_datetime(["2020-12-01 00:00", "2020-12-01 01:00", "2020-12-01 09:00"]
    ...                            + [f"2020-12-01 0{h}:00" for h in range(5)], utc=True),
    ...     "lat": [40.60, 40.61, 40.70] + [40.5] * 5, "lon": [-74.0] * 8, "kind": "ais",
    ...     "state": ["in", "out", "out"] + ["in"] * 5, "port": ["Newark"] + [""] * 7})
    >>> d = dark_periods(st, min_gap_h=6, outage_min_h=2)
    >>> d[["vessel_id", "time_start", "gap_h", "distance_km", "outage_h"]].round({"distance_km": 1})
      vessel_id                time_start  gap_h  distance_km  outage_h
    0         a 2020-12-01 01:00:00+00:00    8.0         10.0       5.0
    """
    where = "dark_periods"
    for name, value in (("min_gap_h", min_gap_h), ("outage_min_h", outage_min_h)):
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not np.isfinite(value)
            or value < 0
        ):
            raise ConfigError(f"{where}: {name} must be a number >= 0 (hours), got {value!r}")
    _require(states, ("vessel_id", "time", "lat", "lon", "kind"), where, "Detection.states")
    st = states.reset_index(drop=True)
    t_all = schema.to_utc(st["time"])
    lat_all = pd.to_numeric(st["lat"], errors="coerce").to_numpy(float)
    lon_all = pd.to_numeric(st["lon"], errors="coerce").to_numpy(float)
    ais = (
        (_text(st["kind"]) == "ais").to_numpy(bool)
        & t_all.notna().to_numpy(bool)
        & np.isfinite(lat_all)
        & np.isfinite(lon_all)
    )
    idx = np.flatnonzero(ais)
    t = t_all.to_numpy("datetime64[ns]")[idx].astype("int64")
    codes, _ = pd.factorize(_text(st["vessel_id"]).to_numpy(object)[idx], sort=True)
    order = np.lexsort((t, codes))
    idx, t, codes = idx[order], t[order], codes[order]
    pick = silences(codes, t, min_gap_h * NS_PER_H)  # the one definition, shared with gap events
    a, b = idx[pick], idx[pick + 1]
    gap_h, dist, speed = across(
        lat_all[a], lon_all[a], lat_all[b], lon_all[b], t[pick + 1] - t[pick]
    )
    outage = _outage_ns(np.sort(t), t[pick], t[pick + 1], outage_min_h * NS_PER_H)

    def carry(col: str, rows: np.ndarray, text: bool = True) -> pd.Series:
        if col not in st.columns:
            return pd.Series(
                [""] * len(rows) if text else [pd.NA] * len(rows),
                dtype="string" if text else "Int64",
            )
        s = st[col].iloc[rows].reset_index(drop=True)
        return _text(s) if text else pd.Series(pd.array(s, dtype="Int64"))

    out = pd.DataFrame(
        {
            "vessel_id": carry("vessel_id", a),
            "vessel_name": carry("vessel_name", a),
            "mmsi": carry("mmsi", a, text=False),
            "time_start": t_all.iloc[a].reset_index(drop=True).astype(schema.TIME_DTYPE),
            "time_end": t_all.iloc[b].reset_index(drop=True).astype(schema.TIME_DTYPE),
            "gap_h": gap_h,
            "lat_start": lat_all[a],
            "lon_start": lon_all[a],
            "lat_end": lat_all[b],
            "lon_end": lon_all[b],
            "distance_km": dist,
            "implied_speed_kn": speed,
            "state_start": carry("state", a),
            "port_start": carry("port", a),
            "state_end": carry("state", b),
            "port_end": carry("port", b),
            "outage_h": outage / NS_PER_H,
        }
    )
    return schema.validate(out[DARK_COLUMNS], schema.DARK_PERIODS, where=where)


def _outage_ns(
    t_sorted: np.ndarray, start: np.ndarray, end: np.ndarray, min_ns: float
) -> np.ndarray:
    """Per interval ``[start, end]``, the time (ns) covered by stretches of at least ``min_ns``
    between consecutive times of ``t_sorted`` (archive outages)."""
    if not len(start) or len(t_sorted) < 2:
        return np.zeros(len(start), dtype=np.float64)
    d = np.diff(t_sorted)
    k = np.flatnonzero((d > 0) & (d >= min_ns))
    if not len(k):
        return np.zeros(len(start), dtype=np.float64)
    o_s, o_e = t_sorted[k].astype(np.float64), t_sorted[k + 1].astype(np.float64)
    cum = np.concatenate([[0.0], np.cumsum(o_e - o_s)])

    def before(x: np.ndarray) -> np.ndarray:
        # outage time before x: the outages starting before it, the last one clipped at x
        j = np.searchsorted(o_s, x, side="right")
        last = np.maximum(j - 1, 0)
        part = np.clip(x - o_s[last], 0.0, o_e[last] - o_s[last])
        return np.where(j > 0, cum[last] + part, 0.0)

    x0, x1 = start.astype(np.float64), end.astype(np.float64)
    return before(x1) - before(x0)


# ----------------------------------------------------------------------------------------------
# vessel timeline


def _select(states: pd.DataFrame, vessel) -> list[str]:
    """Vessel ids matching ``vessel`` (an id, a name or an MMSI; or a list of them)."""
    ids = _text(states["vessel_id"])
    names = (
        _text(states["vessel_name"])
        if "vessel_name" in states.columns
        else pd.Series("", index=states.index)
    )
    if vessel is None:
        return sorted(set(ids))
    wanted = list(vessel) if isinstance(vessel, list | tuple | set) else [vessel]
    out: list[str] = []
    known = set(ids)
    for v in wanted:
        if isinstance(v, int | np.integer) and not isinstance(v, bool):
            hit = (
                sorted(set(ids[pd.array(states["mmsi"], dtype="Int64") == int(v)]))
                if "mmsi" in states.columns
                else []
            )
        elif str(v) in known:
            hit = [str(v)]
        else:
            key = str(v).strip().casefold()
            hit = sorted(set(ids[(names.str.strip().str.casefold() == key).to_numpy(bool)]))
            if len(hit) > 1:
                raise ConfigError(
                    f"vessel_timeline: the name {v!r} matches several vessels: {hit}; pass a vessel_id"
                )
        if not hit:
            choices = sorted(known | set(names[names != ""]))
            close = difflib.get_close_matches(str(v), choices, n=5)
            hint = f"; close: {', '.join(close)}" if close else ""
            raise ConfigError(
                f"vessel_timeline: no vessel {v!r} in the states table (ids, names or MMSIs){hint}"
            )
        out.extend(h for h in hit if h not in out)
    return out


def _join_unique(values: pd.Series, sep: str) -> str:
    return sep.join(dict.fromkeys(str(x) for x in values if isinstance(x, str) and x))


def vessel_timeline(
    states: pd.DataFrame,
    events: pd.DataFrame | None = None,
    vessel=None,
    *,
    activity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A vessel's history: spells of constant port state, and the events between them.

    A *spell* is a run of consecutive evidence rows of one vessel with the same port state
    (``in`` a port and tier, ``out``, or ``unknown``), from its first to its last evidence. The
    event reporting a change (from ``events``) is placed after the spell it ends, with its
    window as ``start``/``end``. For surveys and sightings that window is exactly the gap
    between the two spells. For AIS it brackets the crossing of the zone's edge, while the port
    state turns ``out`` only beyond the exit margin, so a departure's window can start before
    its ``in`` spell ends. A spell ``in`` a port with no event around it is a pass the detector
    did not count as a port call (a transit), or a visit still pending.

    Parameters
    ----------
    states : DataFrame
        ``Detection.states`` (at least ``vessel_id``, ``time``, ``kind``, ``state``, ``port``,
        ``tier``; ``vessel_name``, ``source`` and ``mmsi`` are used when present).
    events : DataFrame, optional
        ``Detection.events``; without it the timeline holds spells only.
    vessel : str, int or list, optional
        A ``vessel_id``, a vessel name (case-insensitive; must be unambiguous), an MMSI (int),
        or a list of them. Default: every vessel.
    activity : DataFrame, optional
        The activity events table (``navwatch.activity.detect_activity``): the vessel's events
        at sea join the timeline, ``entry`` their type (``gap``, ``encounter``, ...), ``detail``
        the other vessel of a pair (``with <name>``) and the evidence. An event of a pair
        appears for both vessels, a jamming event for every vessel it names.

    Returns
    -------
    DataFrame
        Spells and events, by vessel then ``start`` (a spell before an event starting at the
        same time); columns :data:`navwatch.schema.TIMELINE` (what each means for a spell and
        for an event).

    Raises
    ------
    SchemaError
        A table lacks a needed column.
    ConfigError
        ``vessel`` matches no vessel (close ids/names are suggested) or several.

    Examples
    --------
    >>> import navwatch as nw
    >>> from navwatch.demo import demo_inputs
    >>> zones, reg = nw.load_ports(), nw.load_registry()
    >>> det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
    >>> tl = vessel_timeline(det.states, det.events, "Yelnya")
    >>> print(tl[["entry", "tier", "start", "end", "n_evidence", "kinds"]].to_string(index=False))
    ... # doctest: +NORMALIZE_WHITESPACE
        entry      tier                     start                       end  n_evidence           kinds
           in   harbour 2024-11-30 08:30:00+00:00 2024-12-01 08:30:00+00:00           2          survey
    departure   harbour 2024-12-01 08:30:00+00:00 2024-12-02 06:00:00+00:00        <NA>       projected
           in anchorage 2024-12-02 06:00:00+00:00 2024-12-03 08:30:00+00:00           2 sighting+survey
      arrival   harbour 2024-12-03 08:30:00+00:00 2024-12-05 08:30:00+00:00        <NA>        midpoint
           in   harbour 2024-12-05 08:30:00+00:00 2024-12-05 08:30:00+00:00           1          survey
    departure   harbour 2024-12-05 08:30:00+00:00 2024-12-09 08:30:00+00:00        <NA>        midpoint
          out                     2024-12-09 08:30:00+00:00 2024-12-10 08:30:00+00:00           2          survey
    """
    where = "vessel_timeline"
    _require(
        states, ("vessel_id", "time", "kind", "state", "port", "tier"), where, "Detection.states"
    )
    if events is not None:
        _require(
            events,
            ("vessel_id", "port", "tier", "event", "time", "time_earliest", "time_latest"),
            where,
            "Detection.events",
        )
    ids = _select(states, vessel)
    spells = _spells(_timeline_rows(states, ids))
    parts = [spells]
    if events is not None and len(events):
        parts.append(_event_entries(events, ids, spells))
    if activity is not None and len(activity):
        _require(activity, ("event_type", "vessel_id", "start", "end"), where, "the activity table")
        parts.append(_activity_entries(activity, ids))
    return _timeline_table(parts, spells)


def _timeline_rows(states: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """The states rows of vessels ``ids`` with a time, by vessel then time (UTC)."""
    st = states[_text(states["vessel_id"]).isin(ids).to_numpy(bool)].reset_index(drop=True)
    st = st.assign(time=schema.to_utc(st["time"]))
    return (
        st[st["time"].notna()]
        .sort_values(["vessel_id", "time"], kind="stable")
        .reset_index(drop=True)
    )


def _spells(st: pd.DataFrame) -> pd.DataFrame:
    """Timeline entries for the runs of equal (vessel, state, port, tier) of sorted rows ``st``."""
    key = pd.DataFrame({c: _text(st[c]) for c in ("vessel_id", "state", "port", "tier")})
    change = (key != key.shift()).any(axis=1).to_numpy(bool)
    run = np.cumsum(change) - 1
    kind = _text(st["kind"])
    bits = np.zeros(len(st), dtype=np.int64)
    for i, k in enumerate(schema.KINDS):
        bits[(kind == k).to_numpy(bool)] = 1 << i
    g = pd.DataFrame(
        {
            "run": run,
            "vessel_id": key["vessel_id"],
            "vessel_name": _text(st["vessel_name"]) if "vessel_name" in st.columns else "",
            "entry": key["state"],
            "port": key["port"],
            "tier": key["tier"],
            "time": st["time"],
            "bits": bits,
            "source": _text(st["source"]) if "source" in st.columns else "",
        }
    ).groupby("run", sort=True)
    spells = g.agg(
        vessel_id=("vessel_id", "first"),
        vessel_name=("vessel_name", "first"),
        entry=("entry", "first"),
        port=("port", "first"),
        tier=("tier", "first"),
        start=("time", "min"),
        end=("time", "max"),
        n_evidence=("time", "size"),
        bits=("bits", lambda b: int(np.bitwise_or.reduce(b.to_numpy()))),
        detail=("source", lambda s: _join_unique(s, "; ")),
    ).reset_index(drop=True)
    spells["kinds"] = [
        "+".join(k for i, k in enumerate(schema.KINDS) if b & (1 << i)) for b in spells["bits"]
    ]
    spells = spells.drop(columns="bits")
    spells["time"] = pd.Series(pd.NaT, index=spells.index, dtype=schema.TIME_DTYPE)
    spells["confidence"] = np.nan
    spells["flags"] = ""
    spells["_rank"] = 0
    return spells


def _event_entries(events: pd.DataFrame, ids: list[str], spells: pd.DataFrame) -> pd.DataFrame:
    """Timeline entries for the events of vessels ``ids`` (names from ``spells`` if missing)."""
    ev = events[_text(events["vessel_id"]).isin(ids).to_numpy(bool)].reset_index(drop=True)
    names = dict(zip(spells["vessel_id"], spells["vessel_name"], strict=True))
    evt = pd.DataFrame(
        {
            "vessel_id": _text(ev["vessel_id"]),
            "vessel_name": _text(ev["vessel_name"]) if "vessel_name" in ev.columns else "",
            "entry": _text(ev["event"]),
            "port": _text(ev["port"]),
            "tier": _text(ev["tier"]),
            "start": schema.to_utc(ev["time_earliest"]),
            "end": schema.to_utc(ev["time_latest"]),
            "n_evidence": pd.NA,
            "detail": _text(ev["evidence"]) if "evidence" in ev.columns else "",
            "kinds": _text(ev["time_method"]) if "time_method" in ev.columns else "",
            "time": schema.to_utc(ev["time"]),
            "confidence": pd.to_numeric(ev["confidence"], errors="coerce")
            if "confidence" in ev.columns
            else np.nan,
            "flags": _text(ev["flags"]) if "flags" in ev.columns else "",
            "_rank": 1,
        }
    )
    missing_name = evt["vessel_name"] == ""
    evt.loc[missing_name, "vessel_name"] = evt.loc[missing_name, "vessel_id"].map(names).fillna("")
    return evt


def _activity_entries(activity: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Timeline entries for the activity events of vessels ``ids``: as the vessel, as the other
    vessel of a pair, or named in a jamming event's ``vessels``."""
    ev = activity.reset_index(drop=True)
    me, other = _column_text(ev, "vessel_id"), _column_text(ev, "other_vessel_id")
    named = _column_text(ev, "vessels").str.split(";")
    parts = []
    for who in ids:
        first = (me == who).to_numpy(bool)
        second = (other == who).to_numpy(bool) & ~first
        listed = named.apply(lambda v, w=who: w in v).to_numpy(bool) & ~first & ~second
        parts += [
            _activity_rows(ev[first], who, "vessel", "other_vessel"),
            _activity_rows(ev[second], who, "other_vessel", "vessel"),
            _activity_rows(ev[listed], who, "", ""),
        ]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _column_text(df: pd.DataFrame, c: str) -> pd.Series:
    """Column ``c`` as text ('' when missing), or all '' when ``df`` has no such column."""
    return _text(df[c]) if c in df.columns else pd.Series([""] * len(df), dtype="string")


def _activity_rows(sub: pd.DataFrame, who: str, name: str, partner: str) -> pd.DataFrame:
    """Timeline entries of activity rows ``sub`` seen from vessel ``who`` (its columns
    ``<name>_name``, the other vessel's ``<partner>_name`` or else ``<partner>_id``; '' for
    neither)."""
    blank = pd.Series([""] * len(sub), dtype="string", index=sub.index)
    with_ = blank
    if partner:
        pname = _column_text(sub, f"{partner}_name")
        with_ = pname.where(pname != "", _column_text(sub, f"{partner}_id"))
    evidence = _column_text(sub, "evidence")
    return pd.DataFrame(
        {
            "vessel_id": who,
            "vessel_name": _column_text(sub, f"{name}_name").to_numpy() if name else "",
            "entry": _column_text(sub, "event_type").to_numpy(),
            "port": "",
            "tier": "",
            "start": schema.to_utc(sub["start"]).to_numpy(),
            "end": schema.to_utc(sub["end"]).to_numpy(),
            "n_evidence": pd.NA,
            "detail": [f"with {w}; {e}" if w else e for w, e in zip(with_, evidence, strict=True)],
            "kinds": "activity",
            "time": pd.Series(pd.NaT, index=range(len(sub)), dtype=schema.TIME_DTYPE).to_numpy(),
            "confidence": pd.to_numeric(_column_text(sub, "confidence"), errors="coerce")
            .astype("float64")
            .to_numpy(),
            "flags": _column_text(sub, "flags").to_numpy(),
            "_rank": 2,
        }
    )


def _timeline_table(parts: list[pd.DataFrame], spells: pd.DataFrame) -> pd.DataFrame:
    """Spells and events in one table: by vessel, then start (a spell first), typed columns."""
    out = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else spells
    )
    out = out.sort_values(["vessel_id", "start", "_rank"], kind="stable").reset_index(drop=True)
    out["duration_h"] = (out["end"] - out["start"]).dt.total_seconds() / 3600.0
    out["n_evidence"] = pd.array(out["n_evidence"], dtype="Int64")
    out["confidence"] = out["confidence"].astype("float64")
    for c in ("start", "end", "time"):
        out[c] = out[c].astype(schema.TIME_DTYPE)
    for c in ("vessel_id", "vessel_name", "entry", "port", "tier", "kinds", "flags", "detail"):
        out[c] = _text(out[c])
    return schema.validate(out[TIMELINE_COLUMNS], schema.TIMELINE, where="vessel_timeline")
