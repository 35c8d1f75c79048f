"""The tables navwatch emits: one :class:`Table` each, and :func:`validate` for the boundaries.

A :class:`Table` names the table, gives what one row is, and lists its columns in order, each
with its dtype, whether it may be null and what it means. The modules that build the tables
take their column lists from here (``EVENT_COLUMNS`` ... below), so a table and its
description cannot drift apart; how a value is measured is documented where it is measured
(:mod:`navwatch.detect`, :mod:`navwatch.dispersal`, :mod:`navwatch.analysis`, README).

* :data:`EVENTS` (``Detection.events``, :data:`EVENT_COLUMNS`),
* :data:`VISITS` (``Detection.visits``, :data:`VISIT_COLUMNS`),
* :data:`STATES` (``Detection.states``, :data:`STATE_COLUMNS`),
* :data:`DISPERSAL_VESSELS` (``Dispersal.vessels``, :data:`VESSEL_COLUMNS`),
* :data:`DISPERSAL_FLEET` (``Dispersal.fleet``, :data:`FLEET_COLUMNS`),
* :data:`DARK_PERIODS` (``analysis.dark_periods``, :data:`DARK_COLUMNS`),
* :data:`TIMELINE` (``analysis.vessel_timeline``, :data:`TIMELINE_COLUMNS`);

:data:`TABLES` holds them by name, ``TABLES[name].describe()`` lists a table's columns.

Dtypes are written as pandas names them (``str(series.dtype)``): ``string`` is
:class:`pandas.StringDtype` (missing is ``<NA>``), ``str`` pandas' default text dtype (pandas
3), times are ``datetime64[ns, UTC]``. A column's ``also`` lists the other dtypes its builder
produces today; each is a known inconsistency, said in the column's meaning. *Nullable* means
the column may hold missing values (NaN, NaT, ``<NA>``, None); text that is "empty" by design
is ``''``, not missing (the ``flags`` of an event without any; a text column taken from an
input column the input did not have).

Examples
--------
>>> EVENTS.names[:4]
['event_id', 'vessel_id', 'vessel_name', 'mmsi']
>>> EVENTS["mmsi"].dtype, EVENTS["mmsi"].nullable
('Int64', True)
>>> validate(EVENTS.empty(), "events", where="example").shape
(0, 17)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import SchemaError
from .observations import KINDS, TIME_DTYPE

__all__ = [
    "ACTIVITY",
    "ACTIVITY_COLUMNS",
    "DARK_COLUMNS",
    "DARK_PERIODS",
    "DISPERSAL_FLEET",
    "DISPERSAL_VESSELS",
    "EVENTS",
    "EVENT_COLUMNS",
    "FLEET_COLUMNS",
    "STATES",
    "STATE_COLUMNS",
    "TABLES",
    "TIMELINE",
    "TIMELINE_COLUMNS",
    "VESSEL_COLUMNS",
    "VISITS",
    "VISIT_COLUMNS",
    "DETECTIONS",
    "IMAGERY_SURVEYS",
    "Column",
    "Table",
    "validate",
]

_TIME = str(TIME_DTYPE)  # 'datetime64[ns, UTC]'


@dataclass(frozen=True)
class Column:
    """One column: its name, dtype (as pandas names it), whether it may be null, its meaning,
    and ``also``: other dtypes its builder produces today (known inconsistencies)."""

    name: str
    dtype: str
    meaning: str
    nullable: bool = False
    also: tuple[str, ...] = ()

    @property
    def dtypes(self) -> tuple[str, ...]:
        """Every dtype accepted by :func:`validate`: ``dtype``, then ``also``."""
        return (self.dtype, *self.also)


@dataclass(frozen=True)
class Table:
    """An emitted table: ``name``, what one ``row`` is, and its ``columns`` in order."""

    name: str
    row: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """The column names, in order (a new list)."""
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} table has no column {name!r}")

    def empty(self) -> pd.DataFrame:
        """A table with no rows, every column of its dtype (a GeoDataFrame if it has a
        ``geometry`` column)."""
        geo = any(c.dtype == "geometry" for c in self.columns)
        frame = pd.DataFrame(
            {c.name: pd.Series([], dtype=c.dtype) for c in self.columns if c.dtype != "geometry"}
        )
        if not geo:
            return frame
        import geopandas as gpd  # only the dispersal vessels have a geometry

        frame["geometry"] = gpd.GeoSeries([], crs="EPSG:4326")
        return gpd.GeoDataFrame(frame[self.names], geometry="geometry", crs="EPSG:4326")

    def describe(self) -> pd.DataFrame:
        """One row per column: ``column``, ``dtype``, ``nullable``, ``meaning``."""
        return pd.DataFrame(
            {
                "column": self.names,
                "dtype": [" or ".join(c.dtypes) for c in self.columns],
                "nullable": [c.nullable for c in self.columns],
                "meaning": [c.meaning for c in self.columns],
            }
        )


def _text(name: str, meaning: str, nullable: bool = False) -> Column:
    return Column(name, "string", meaning, nullable)


def _float(name: str, meaning: str, nullable: bool = False) -> Column:
    return Column(name, "float64", meaning, nullable)


def _time(name: str, meaning: str, nullable: bool = False) -> Column:
    return Column(name, _TIME, meaning, nullable)


def _id_columns() -> tuple[Column, ...]:
    return (
        _text("vessel_id", "registry id, or mmsi:<n> for a vessel tracked with all_vessels"),
        _text("vessel_name", "registry name, else the name broadcast on AIS; '' when unknown"),
        Column("mmsi", "Int64", "the vessel's MMSI; <NA> when unknown", nullable=True),
    )


EVENTS = Table(
    "events",
    "a departure or arrival, sorted by time, vessel, event (detect_port_events)",
    (
        _text("event_id", "stable id: hash of vessel, zone, event and the deciding evidence"),
        *_id_columns(),
        _text("port", "port of the zone left or entered"),
        _text("tier", "tier of that zone (harbour, anchorage, operating area, ...)"),
        _text("event", "departure or arrival"),
        _time("time", "best estimate of the boundary crossing (how: time_method)"),
        _time("time_earliest", "window start: last evidence in the old state"),
        _time("time_latest", "window end: first evidence in the new state"),
        _float("window_h", "window width, hours"),
        _float("confidence", "0-1: reliabilities of the two bracketing rows x window factor"),
        _text("time_method", "interpolated, projected (across an AIS gap) or midpoint"),
        _text("evidence", "the two bracketing observations: kind, source, time, [file:line]"),
        _text("flags", "a contradiction found in the evidence; '' when none"),
        _float("lat", "interpolated crossing, else first fix outside, else the zone's point"),
        _float("lon", "longitude of the same point"),
    ),
)

VISITS = Table(
    "visits",
    "a run of evidence in one zone, with its evidence level, sorted by start, vessel, port, tier",
    (
        _text("visit_id", "stable id: hash of vessel, zone and the time of its first evidence"),
        *_id_columns(),
        _text("port", "port of the zone"),
        _text("tier", "tier of the zone"),
        _time("start", "first evidence in the zone"),
        _time("end", "last evidence in the zone"),
        _time("arrival_earliest", "arrival window start; NaT when the arrival was not seen", True),
        _time("arrival_latest", "arrival window end; NaT when the arrival was not seen", True),
        _time("departure_earliest", "departure window start; NaT while the visit is open", True),
        _time("departure_latest", "departure window end; NaT while the visit is open", True),
        _float("duration_h", "hours from first to last evidence"),
        _float("stopped_h", "hours stopped"),
        _float("gap_h", "hours in AIS gaps of at least port_gap_h"),
        Column("non_ais", "bool", "a sighting or survey placed the vessel there"),
        Column("level", "int8", "evidence level 1-4 (README: visits and evidence levels)"),
        Column("call", "bool", "a port call: level >= min_visit_level"),
        Column("open", "bool", "no departure yet"),
        _float("confidence", "level's confidence x the best reliability of its evidence"),
        _float("lat", "where it was first seen in the zone, else the zone's point"),
        _float("lon", "longitude of the same point"),
    ),
)

STATES = Table(
    "states",
    "an evidence row the state machine used, per vessel in time order (with_states=True)",
    (
        *_id_columns(),
        _time("time", "when the observation was made"),
        _float("lat", "WGS84 degrees; NaN for survey rows", True),
        _float("lon", "WGS84 degrees; NaN for survey rows", True),
        _float("sog_kn", "speed over ground used, knots; NaN when not known", True),
        Column("kind", "category", f"kind of evidence: {', '.join(KINDS)}"),
        Column("present", "boolean", "survey rows: seen in port or not; <NA> otherwise", True),
        _text("surveyed", "survey rows: the port/tier surveyed; '' otherwise"),
        _text("state", "port state after this row: in, out or unknown"),
        _text("port", "state in: port of the innermost zone it is in; '' otherwise"),
        _text("tier", "state in: tier of that zone; '' otherwise"),
        _text("source", "who made the observation", True),
        _float("confidence", "reliability used: the row's confidence, else its kind's default"),
        _text("src_file", "file the row came from", True),
        Column("src_line", "Int32", "1-based line or row in that file", True),
    ),
)

DISPERSAL_VESSELS = Table(
    "dispersal_vessels",
    "a vessel at a time step, by time then vessel (GeoDataFrame, EPSG:4326; fleet_dispersal)",
    (
        _time("time", "the time step"),
        Column("vessel_id", "category", "registry id, or mmsi:<n>"),
        Column("vessel_name", "category", "registry name, else the AIS name"),
        Column("home_port", "category", "the vessel's home port; '' when none"),
        Column("status", "category", "in_port, offshore, at_sea, in_other_port or unknown"),
        Column("other_port", "category", "status in_other_port: that port; NaN otherwise", True),
        _time("last_evidence_time", "time of the evidence the status rests on", True),
        _float("last_evidence_age_h", "its age at the step, hours", True),
        Column("last_evidence_source", "category", "its source", True),
        Column("last_evidence_kind", "category", f"its kind: {', '.join(KINDS)}", True),
        Column("position_method", "category", "observed, interpolated, last_fix, zone or none"),
        _float("lat", "position, WGS84 degrees; NaN when position_method is none", True),
        _float("lon", "position, WGS84 degrees; NaN when position_method is none", True),
        _float("distance_home_km", "from the home port's innermost tier; NaN if unknown", True),
        Column("geometry", "geometry", "the position as a point; None when not located", True),
        Column("note", "category", "why unknown (stale, absent survey) or hindsight; NaN", True),
    ),
)

_STATUS_COUNTS = (
    ("n_in_port", "in its home port's innermost tier"),
    ("n_offshore", "in an outer tier of its home port"),
    ("n_at_sea", "at sea"),
    ("n_in_other_port", "in another port"),
    ("n_unknown", "of unknown whereabouts"),
)

DISPERSAL_FLEET = Table(
    "dispersal_fleet",
    "a time step of the fleet (fleet_dispersal)",
    (
        _time("time", "the time step"),
        Column("n_vessels", "int64", "vessels in the fleet"),
        *(Column(name, "int64", f"vessels {what}") for name, what in _STATUS_COUNTS),
        _float("median_distance_km", "median distance from home; NaN when none known", True),
        _float("max_distance_km", "largest distance from home; NaN when none known", True),
        _float(
            "spread_km", "largest distance from the fleet's centroid; NaN if none located", True
        ),
        Column("n_located", "int64", "vessels with a position"),
    ),
)

DARK_PERIODS = Table(
    "dark_periods",
    "a silence between two AIS fixes of a vessel, by vessel then time (dark_periods)",
    (
        *_id_columns(),
        _time("time_start", "the fix before the silence"),
        _time("time_end", "the fix after it"),
        _float("gap_h", "hours between them"),
        _float("lat_start", "position of the fix before"),
        _float("lon_start", "position of the fix before"),
        _float("lat_end", "position of the fix after"),
        _float("lon_end", "position of the fix after"),
        _float("distance_km", "distance between the two fixes"),
        _float("implied_speed_kn", "distance over gap, knots"),
        _text("state_start", "port state after the fix before: in, out or unknown"),
        _text("port_start", "port it was in after the fix before; '' when not in one"),
        _text("state_end", "port state after the fix after"),
        _text("port_end", "port it was in after the fix after; '' when not in one"),
        _float("outage_h", "hours of the silence in which the archive has no fix at all"),
    ),
)

TIMELINE = Table(
    "vessel_timeline",
    "a spell of constant port state, or the event between two, by vessel then start",
    (
        _text("vessel_id", "registry id, or mmsi:<n>"),
        _text("vessel_name", "registry name, else the AIS name; '' when unknown"),
        _text(
            "entry",
            "spells: in, out or unknown; events: departure or arrival; activity: its event_type",
        ),
        _text("port", "the spell's or event's port; '' when out or unknown"),
        _text("tier", "its tier; '' when out or unknown"),
        _time("start", "spells: first evidence; events: window start"),
        _time("end", "spells: last evidence; events: window end"),
        _float("duration_h", "end - start, hours"),
        _time("time", "events: best estimate; NaT for spells", True),
        Column("n_evidence", "Int64", "spells: evidence rows; <NA> for events", True),
        _text(
            "kinds",
            "spells: kinds of evidence (sighting+survey); events: time method; activity: activity",
        ),
        _float("confidence", "events: confidence; NaN for spells", True),
        _text("flags", "events: flags; '' for spells"),
        _text("detail", "spells: sources; events: the bracketing evidence"),
    ),
)

#: Every emitted table by name.
ACTIVITY = Table(
    "activity",
    "an activity event at sea (navwatch.activity.detect_activity), by start, type, vessel",
    (
        _text("event_id", "stable id: hash of the type, the vessel(s) and the start"),
        _text(
            "event_type", "encounter, replenishment, loitering, gap, spoofing or identity_change"
        ),
        _text(
            "vessel_id",
            "registry id, or mmsi:<n>; <NA> for a jamming event (no one vessel: see vessels)",
            True,
        ),
        *_id_columns()[1:],
        _text("other_vessel_id", "the other vessel of an encounter or replenishment", True),
        _text("other_vessel_name", "its name", True),
        Column("other_mmsi", "Int64", "its MMSI", nullable=True),
        _time("start", "when the event began (a gap: the last fix before the silence)"),
        _time("end", "when it ended (a gap: the first fix after)"),
        _float("duration_h", "end - start, hours"),
        _float("lat", "where: a mean position, or where the AIS went quiet (gap)", True),
        _float("lon", "where", True),
        _float(
            "end_lat",
            "gap: where the vessel reappeared (the first fix after); spoofing: the other place "
            "(two_places: the second track; displaced: the track it was displaced from)",
            True,
        ),
        _float("end_lon", "with end_lat", True),
        _float(
            "radius_m",
            "loitering: the farthest fix from lat/lon (the area it stayed in), metres",
            True,
        ),
        _float("confidence", "0-1: how sure the evidence makes the event", True),
        _text("evidence", "the fixes that decide it, as file:line"),
        _text("flags", "';'-joined: oiler, two_places, displaced, jamming, no_port_nearby, ..."),
        _float(
            "distance_from_port_km", "to the nearest port zone (inf: none within ~1,000 km)", True
        ),
        _float("median_distance_m", "two-vessel events: median distance between them", True),
        _float("median_speed_kn", "median speed during the event", True),
        _float(
            "distance_km",
            "gap: distance between the fixes either side; spoofing: between the places",
            True,
        ),
        _float(
            "implied_speed_kn", "gap: speed implied across it; spoofing: the impossible speed", True
        ),
        Column(
            "positions_before", "Int64", "gap: positions in the window before it", nullable=True
        ),
        Column(
            "likely_intentional",
            "boolean",
            "gap: GFW's rule for intentional disabling",
            nullable=True,
        ),
        _text("field", "identity_change: name, imo or callsign", True),
        _text("old_value", "identity_change: the value before", True),
        _text("new_value", "identity_change: the value after", True),
        _text("vessels", "spoofing/jamming: ';'-joined vessel ids displaced together", True),
    ),
)

EVENT_CORE = Table(
    "event_core",
    "what every event shares, port (departure, arrival) or activity at sea, by start, type, vessel",
    (
        _text("event_id", "the event's own stable id (events or activity table)"),
        _text("event_type", "departure, arrival, or an activity type (gap, encounter, ...)"),
        _text("vessel_id", "registry id, or mmsi:<n>; <NA> for a jamming event", True),
        *_id_columns()[1:],
        _text("other_vessel_id", "two-vessel activity: the other vessel", True),
        _time("start", "port events: window start (time_earliest); activity: start"),
        _time("end", "port events: window end (time_latest); activity: end"),
        _float("lat", "where (port events: the crossing; activity: see the activity table)", True),
        _float("lon", "where", True),
        _float("confidence", "0-1", True),
        _text("evidence", "the deciding evidence"),
        _text("flags", "';'-joined flags; '' when none"),
        _text("port", "port events: the zone's port; activity: <NA>", True),
    ),
)

DETECTIONS = Table(
    "detections",
    "a satellite vessel detection matched to AIS or sized up against the registry "
    "(navwatch.imagery.match_detections), by scene time",
    (
        _text("detect_id", "the provider's id, else <file name>:<line>"),
        _text("scene_id", "the scene it came from", True),
        _time("time", "the detection's own time (NaT when only the scene knows it)", True),
        _time("scene_time", "the time used for matching: the detection's, else its scene's"),
        _float("lat", "where"),
        _float("lon", "where"),
        _float("length_m", "estimated length, metres", True),
        _float("beam_m", "estimated beam, metres", True),
        _float("score", "detection confidence 0-1", True),
        _text("label", "the vessel type or class the provider or analyst read ('' unknown)"),
        _text("source", "provider: gfw, skylight, or the file's source column"),
        _text("sensor", "sar, optical, or '' when unknown"),
        _float(
            "resolution_m",
            "the scene's ground resolution, metres (sets the length tolerance)",
            True,
        ),
        _text(
            "status", "matched (to an AIS track), ambiguous (another track about as near) or dark"
        ),
        Column("mmsi", "Int64", "the AIS vessel matched", nullable=True),
        _text("vessel_id", "registry id of the matched vessel", True),
        _text("vessel_name", "registry name, else the AIS name; '' when none"),
        _float("distance_m", "to the AIS position interpolated at scene_time", True),
        _float("limit_m", "the distance limit of the pair (grows with fix_gap_s)", True),
        _float("fix_gap_s", "seconds from scene_time to the matched track's nearest fix", True),
        _text("length_fit", "fits, misfit or unknown"),
        _text("candidates", "dark: '|'-joined registry ids whose length fits; '' when none"),
        _text("token", "dark: the survey token it becomes (Admiral Gorshkov class x1); ''"),
        _text("port", "the innermost port zone label (Tartus/harbour) holding it", True),
        _text(
            "carried_from",
            "dark: the earlier detection at the same berth whose identity it took; ''",
        ),
        _text("src_file", "the file read"),
        Column("src_line", "Int64", "1-based line (header = 1) or feature number", nullable=True),
    ),
)

IMAGERY_SURVEYS = Table(
    "imagery_surveys",
    "a port survey derived from a scene footprint over a zone (navwatch.imagery.derive_surveys), "
    "readable as a hand survey",
    (
        _time("time", "the scene's time"),
        _text("port", "the zone surveyed (port/tier)"),
        _text("source", "imagery:<scene source>"),
        _text("coverage", "full or partial (presence only)"),
        _text(
            "present",
            "'|'-joined tokens: names, class/type tokens with counts, Name? (could not tell)",
        ),
        _text("notes", "detections in the zone and the share imaged"),
        _float("confidence", "reliability of the survey 0-1: sensor x coverage x cloud"),
        _text("scene_id", "the scene"),
        _text("sensor", "sar, optical or ''"),
        _float("coverage_fraction", "share of the zone's area inside the footprint"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        EVENTS,
        VISITS,
        STATES,
        DISPERSAL_VESSELS,
        DISPERSAL_FLEET,
        DARK_PERIODS,
        TIMELINE,
        ACTIVITY,
        EVENT_CORE,
        DETECTIONS,
        IMAGERY_SURVEYS,
    )
}

#: Column lists, in order (the builders' names for them, also importable from the builders).
EVENT_COLUMNS = EVENTS.names
VISIT_COLUMNS = VISITS.names
STATE_COLUMNS = STATES.names
VESSEL_COLUMNS = DISPERSAL_VESSELS.names
FLEET_COLUMNS = DISPERSAL_FLEET.names
DARK_COLUMNS = DARK_PERIODS.names
TIMELINE_COLUMNS = TIMELINE.names
ACTIVITY_COLUMNS = ACTIVITY.names


def core_events(events: pd.DataFrame | None = None, activity: pd.DataFrame | None = None):
    """Port events and activity events in one table of what they share (:data:`EVENT_CORE`):
    a port event's window is its ``start``/``end``, its ``event`` its ``event_type``. For lists,
    maps and alerts that treat every event alike; each table keeps its own fields.

    Examples
    --------
    >>> t = pd.Timestamp("2024-12-02 06:00", tz="UTC")
    >>> ev = EVENTS.empty()
    >>> ev.loc[0, ["event_id", "vessel_id", "event", "port", "time_earliest", "time_latest"]] = [
    ...     "e1", "yelnya", "departure", "Tartus", t, t + pd.Timedelta("2h")]
    >>> core_events(ev)[["event_type", "port", "start", "end"]].iloc[0].tolist()
    ['departure', 'Tartus', Timestamp('2024-12-02 06:00:00+0000', tz='UTC'), Timestamp('2024-12-02 08:00:00+0000', tz='UTC')]
    """
    parts = []
    if events is not None and len(events):
        parts.append(
            events.rename(
                columns={"event": "event_type", "time_earliest": "start", "time_latest": "end"}
            )
        )
    if activity is not None and len(activity):
        parts.append(activity.assign(port=pd.NA))
    out = EVENT_CORE.empty()
    if parts:
        both = pd.concat([p.reindex(columns=EVENT_CORE.names) for p in parts], ignore_index=True)
        out = both.astype({c.name: c.dtype for c in EVENT_CORE.columns})
        out = out.sort_values(["start", "event_type", "vessel_id"], kind="stable")
    return validate(out.reset_index(drop=True), EVENT_CORE, where="core_events")


def _column_problem(have: list[str], want: list[str]) -> str:
    missing = [c for c in want if c not in have]
    if missing:
        return f"column(s) {', '.join(map(repr, missing))} missing"
    extra = [c for c in have if c not in want]
    if extra:
        return f"unexpected column(s) {', '.join(map(repr, extra))}"
    i = next(i for i, (h, w) in enumerate(zip(have, want, strict=False)) if h != w)
    return f"column {have[i]!r} at position {i}, where {want[i]!r} belongs"


def validate(
    df: pd.DataFrame, table: Table | str, *, where: str, nulls: bool = False
) -> pd.DataFrame:
    """Check that ``df`` is a ``table``: exactly its columns, in order, each of its dtype.

    O(columns): it reads dtypes, never values, so it is cheap on any size. With ``nulls`` it
    also checks that no column that may not be null holds a missing value (O(rows)).

    Returns
    -------
    DataFrame
        ``df`` itself, unchanged.

    Raises
    ------
    SchemaError
        Naming ``where``, the table, each column at fault, what was expected and what was found.

    Examples
    --------
    >>> df = EVENTS.empty().drop(columns="flags")
    >>> validate(df, EVENTS, where="events.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    navwatch.errors.SchemaError: events.csv: events table: column(s) 'flags' missing; expected columns [...]
    >>> validate(EVENTS.empty().astype({"mmsi": "float64"}), "events", where="events.csv")
    Traceback (most recent call last):
    ...
    navwatch.errors.SchemaError: events.csv: events table: column 'mmsi': expected dtype Int64, found float64
    """
    t = table if isinstance(table, Table) else TABLES.get(table)
    if t is None:
        raise SchemaError(f"{where}: no table {table!r}; tables: {', '.join(TABLES)}")
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(f"{where}: {t.name} table: expected a DataFrame, got {type(df).__name__}")
    have, want = [str(c) for c in df.columns], t.names
    if have != want:
        raise SchemaError(
            f"{where}: {t.name} table: {_column_problem(have, want)}; expected columns {want}, "
            f"found {have}"
        )
    problems = []
    for c, dtype in zip(t.columns, df.dtypes, strict=True):
        if str(dtype) not in c.dtypes:
            expected = " or ".join(c.dtypes)
            problems.append(f"column {c.name!r}: expected dtype {expected}, found {dtype}")
    if nulls:
        for c in t.columns:
            n = 0 if c.nullable else int(df[c.name].isna().sum())
            if n:
                problems.append(f"column {c.name!r}: expected no missing values, found {n}")
    if problems:
        raise SchemaError(f"{where}: {t.name} table: " + "; ".join(problems))
    return df
