"""The emitted tables' schema (navwatch.schema.tables): every table a real run emits matches its
description, with either engine; the builders take their column lists from it; validate names
what is wrong; the writers refuse a table that does not match."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

import navwatch
import navwatch.activity
import navwatch.imagery
from navwatch import analysis, dispersal, schema
from navwatch.demo import demo_inputs
from navwatch.detect import api
from navwatch.errors import SchemaError
from navwatch.io.writers import write_dispersal, write_table
from navwatch.jobs import disperse_states, run_detect
from navwatch.simulate import simulate

README = Path(__file__).resolve().parents[1] / "README.md"
ENGINES = ("memory", "out-of-core")


def _tables(run, inputs, **dispersal_kw) -> dict[str, pd.DataFrame]:
    """Every table navwatch emits, from one detect run."""
    det = run.detection
    disp = disperse_states(det.states, run.zones, run.registry, **dispersal_kw)
    activity = _activity(run, inputs)
    return {
        "events": det.events,
        "visits": det.visits,
        "states": det.states,
        "dispersal_vessels": disp.vessels,
        "dispersal_fleet": disp.fleet,
        "dark_periods": analysis.dark_periods(det.states, min_gap_h=1),
        "vessel_timeline": analysis.vessel_timeline(det.states, det.events),
        "activity": activity,
        "event_core": schema.core_events(det.events, activity),
        **_imagery_tables(inputs),
    }


def _imagery_tables(inputs) -> dict[str, pd.DataFrame]:
    """The imagery tables: of the Tartus demo's scenes and detections, or of scenes simulated
    over the world the inputs come from (``simulate_imagery``)."""
    from navwatch.demo import demo_dir
    from navwatch.imagery import imagery_evidence, read_imagery
    from navwatch.io import read_observations
    from navwatch.ports import load_ports
    from navwatch.registry import load_registry

    p = {Path(x).name: Path(x) for x in inputs}
    if "ais.csv" not in p:  # the demo
        d = demo_dir() / "imagery"
        dets, scenes = read_imagery([d / "detections.csv"], [d / "scenes.geojson"])
        ev = imagery_evidence(dets, scenes, None, load_ports(), load_registry())
    else:
        from navwatch.simulate import simulate, simulate_imagery

        isc = simulate_imagery(simulate(5, n_vessels=10, days=3, n_ports=3), seed=5)
        w = isc.write(Path(p["ais.csv"]).parent / "imagery", format="gfw")
        dets, scenes = read_imagery([w["detections"]])
        ev = imagery_evidence(dets, scenes, read_observations([w["ais"]]), load_ports(w["ports"]),
                              load_registry(w["vessels"]))  # fmt: skip
    return {"detections": ev.detections, "imagery_surveys": ev.surveys}


def _activity(run, inputs) -> pd.DataFrame:
    """Activity events of the run's inputs (read again when the engine kept no table)."""
    from navwatch.activity import detect_activity
    from navwatch.io import read_observations

    obs = run.observations if run.observations is not None else read_observations(inputs)
    return detect_activity(obs, run.zones, run.registry)


@pytest.fixture(scope="module", params=ENGINES)
def demo(request) -> dict[str, pd.DataFrame]:
    """The Tartus demo (surveys and sightings)."""
    run = run_detect(demo_inputs(), with_states=True, engine=request.param)
    return _tables(run, demo_inputs(), port="Tartus")


@pytest.fixture(scope="module")
def sim_paths(tmp_path_factory) -> dict[str, Path]:
    sc = simulate(5, n_vessels=10, days=3, n_ports=3)
    return sc.write_inputs(tmp_path_factory.mktemp("sim"))


@pytest.fixture(scope="module", params=ENGINES)
def sim(request, sim_paths) -> dict[str, pd.DataFrame]:
    """A simulated world: AIS (merchants too), sightings and surveys; out of core in buckets."""
    p = sim_paths
    run = run_detect(
        [p["ais"], p["sightings"], p["surveys"]],
        ports=p["ports"],
        registry=p["vessels"],
        all_vessels=True,
        with_states=True,
        engine=request.param,
        memory_limit_mb=0.5,
    )
    if request.param == "out-of-core":
        assert run.detection.stats["buckets"] > 1
    return _tables(run, [p["ais"], p["sightings"], p["surveys"]], all_vessels=True)


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_demo_tables_match_their_schema(demo, name):
    df = demo[name]
    assert len(df) or name in ("dark_periods", "activity")  # the demo has no AIS: no silences
    schema.validate(df, name, where="demo", nulls=True)
    assert list(df.columns) == schema.TABLES[name].names


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_simulated_tables_match_their_schema(sim, name):
    df = sim[name]
    assert len(df)
    schema.validate(df, name, where="simulated", nulls=True)


def test_the_builders_take_their_columns_from_the_schema():
    pairs = {
        "events": [api.EVENT_COLUMNS, navwatch.detect.EVENT_COLUMNS, navwatch.EVENT_COLUMNS],
        "visits": [api.VISIT_COLUMNS],
        "states": [api.STATE_COLUMNS, navwatch.detect.STATE_COLUMNS],
        "dispersal_vessels": [dispersal.VESSEL_COLUMNS],
        "dispersal_fleet": [dispersal.FLEET_COLUMNS],
        "dark_periods": [analysis.DARK_COLUMNS],
        "vessel_timeline": [analysis.TIMELINE_COLUMNS],
        "activity": [navwatch.activity.COLUMNS],
        "event_core": [list(schema.core_events().columns)],
        "detections": [list(navwatch.imagery.MATCH_COLUMNS)],
        "imagery_surveys": [list(navwatch.imagery.SURVEY_OUTPUT_COLUMNS)],
    }
    assert set(pairs) == set(schema.TABLES)
    for name, lists in pairs.items():
        for cols in lists:
            assert cols == schema.TABLES[name].names, name
    # the events' internal frame: the schema's columns, then the bookkeeping ones
    internal = list(api._events_frame([]).columns)
    assert internal == [*schema.EVENT_COLUMNS, *api._INTERNAL]


def test_column_names_are_unique_and_documented():
    for t in schema.TABLES.values():
        assert len(set(t.names)) == len(t.names), t.name
        for c in t.columns:
            assert c.meaning and c.dtype and c.dtype not in c.also, (t.name, c.name)
        d = t.describe()
        assert list(d["column"]) == t.names and d["meaning"].str.len().gt(0).all()


def test_empty_tables_match_their_schema():
    schema.validate(api.empty_events(), schema.EVENTS, where="empty_events")
    schema.validate(api.empty_visits(), schema.VISITS, where="empty_visits")
    for t in schema.TABLES.values():
        e = t.empty()
        assert len(e) == 0
        schema.validate(e, t, where="empty")
    assert isinstance(schema.DISPERSAL_VESSELS.empty(), gpd.GeoDataFrame)


def test_tables_of_no_evidence_match_their_schema():
    zones, reg = navwatch.load_ports(), navwatch.load_registry()
    det = navwatch.detect_port_events(pd.DataFrame(), zones, reg, with_states=True)
    schema.validate(det.events, "events", where="no evidence")
    schema.validate(det.visits, "visits", where="no evidence")
    d = navwatch.fleet_dispersal(det.states, zones, reg, port="Tartus", start="2024-12-01")
    schema.validate(d.vessels, "dispersal_vessels", where="no evidence", nulls=True)
    schema.validate(d.fleet, "dispersal_fleet", where="no evidence", nulls=True)
    schema.validate(analysis.dark_periods(det.states), "dark_periods", where="no evidence")
    schema.validate(analysis.vessel_timeline(det.states), "vessel_timeline", where="no evidence")


def test_states_of_no_evidence_match_their_schema():
    det = navwatch.detect_port_events(
        pd.DataFrame(), navwatch.load_ports(), navwatch.load_registry(), with_states=True
    )
    schema.validate(det.states, "states", where="no evidence")


def test_states_without_provenance_match_their_schema():
    """Observations built in Python with no source/src_file/src_line: those states columns are
    all missing (object dtype, one of the dtypes the schema allows them)."""
    obs = pd.DataFrame(
        {
            "time": pd.to_datetime(["2024-12-01 08:30", "2024-12-03 08:30"], utc=True),
            "lat": [float("nan")] * 2,
            "lon": [float("nan")] * 2,
            "kind": ["survey"] * 2,
            "port": ["Tartus"] * 2,
            "coverage": ["full"] * 2,
            "vessel": ["Yelnya", ""],
        }
    )
    det = navwatch.detect_port_events(
        obs, navwatch.load_ports(), navwatch.load_registry(), with_states=True
    )
    assert len(det.states) and det.states["source"].isna().all()
    schema.validate(det.states, "states", where="python-built", nulls=True)


# ---- what validate says when a table does not match --------------------------------------------


def _fails(df, table="events", **kw) -> str:
    with pytest.raises(SchemaError) as err:
        schema.validate(df, table, where="out/events.csv", **kw)
    msg = str(err.value)
    assert msg.startswith("out/events.csv: ")
    return msg


def test_a_missing_column_is_named():
    msg = _fails(api.empty_events().drop(columns="window_h"))
    assert "events table" in msg and "'window_h' missing" in msg
    assert str(schema.EVENT_COLUMNS) in msg  # expected ..., found ...


def test_a_misordered_column_is_named():
    cols = schema.EVENTS.names
    cols[7], cols[8] = cols[8], cols[7]  # time_earliest before time
    msg = _fails(api.empty_events()[cols])
    assert "column 'time_earliest' at position 7, where 'time' belongs" in msg


def test_an_extra_column_is_named():
    msg = _fails(api.empty_events().assign(note=""))
    assert "unexpected column(s) 'note'" in msg


def test_a_wrong_dtype_is_named_with_expected_and_found():
    ev = api.empty_events()
    msg = _fails(ev.astype({"mmsi": "float64", "event": "object"}))
    assert "column 'mmsi': expected dtype Int64, found float64" in msg
    assert "column 'event': expected dtype string, found object" in msg
    ev["time"] = ev["time"].dt.tz_convert("Europe/Moscow")
    assert (
        "column 'time': expected dtype datetime64[ns, UTC], found datetime64[ns, Europe/Moscow]"
        in (_fails(ev))
    )


def test_a_wrong_dtype_in_a_real_table_fails(demo):
    v = demo["dispersal_vessels"].copy()
    v["status"] = v["status"].astype(str)
    msg = _fails(v, "dispersal_vessels")
    assert "dispersal_vessels table: column 'status': expected dtype category" in msg


def test_nulls_are_checked_only_when_asked(demo):
    ev = demo["events"].copy()
    ev.loc[0, "port"] = pd.NA
    schema.validate(ev, "events", where="x")  # dtypes only
    assert "column 'port': expected no missing values, found 1" in _fails(ev, nulls=True)


def test_unknown_tables_and_non_frames_are_refused():
    assert "no table 'event'" in _fails(api.empty_events(), "event")
    assert "expected a DataFrame, got list" in _fails([1, 2])


# ---- the writers check before they write -------------------------------------------------------


def test_write_table_checks_the_named_table(tmp_path, demo):
    out = write_table(demo["events"], tmp_path / "events.csv", table="events")
    assert len(pd.read_csv(out)) == len(demo["events"])
    bad = demo["events"].drop(columns="flags")
    with pytest.raises(SchemaError, match=r"bad\.csv: events table: column\(s\) 'flags' missing"):
        write_table(bad, tmp_path / "bad.csv", table=schema.EVENTS)
    assert not (tmp_path / "bad.csv").exists()
    write_table(bad, tmp_path / "free.csv")  # no table: any table is written, as before


def test_write_dispersal_checks_both_tables(tmp_path):
    run = run_detect(demo_inputs(), with_states=True)
    disp = disperse_states(run.detection.states, run.zones, run.registry, port="Tartus")
    write_dispersal(disp, tmp_path / "ok.csv")
    disp.fleet = disp.fleet.astype({"n_vessels": "float64"})
    with pytest.raises(
        SchemaError, match=r"bad\.fleet\.csv: dispersal_fleet table: column 'n_vessels'"
    ):
        write_dispersal(disp, tmp_path / "bad.csv")
    assert not (tmp_path / "bad.csv").exists()


def test_run_detect_writes_validated_tables(tmp_path):
    run = run_detect(
        demo_inputs(), output=tmp_path / "e.parquet", visits_output=tmp_path / "v.parquet"
    )
    schema.validate(pd.read_parquet(run.output), "events", where="read back")
    schema.validate(pd.read_parquet(run.visits_output), "visits", where="read back")


# ---- the README's tables list the schema's columns ---------------------------------------------


def _readme_columns(marker: str) -> list[str]:
    lines = README.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(marker))
    names: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("| column |") or line.startswith("| ---"):
            continue
        if line.startswith("|"):
            names += re.findall(r"`([a-z_]+)`", line.split("|")[1])
        elif names:
            break
    return names


@pytest.mark.parametrize(
    "marker, table",
    [("### Events table", schema.EVENTS), ("The **visits table**", schema.VISITS)],
)
def test_readme_lists_every_column_in_order(marker, table):
    assert _readme_columns(marker) == table.names


def test_core_events_hold_port_and_activity_events_alike(sim):
    core = sim["event_core"]
    ev, act = sim["events"], sim["activity"]
    assert len(core) == len(ev) + len(act)
    assert set(core["event_type"]) == set(ev["event"]) | set(act["event_type"])
    assert core["start"].is_monotonic_increasing
    dep = core.set_index("event_id").loc[ev["event_id"]]
    assert (dep["start"].to_numpy() == ev["time_earliest"].to_numpy()).all()
    assert (dep["port"].to_numpy() == ev["port"].to_numpy()).all()
    a = core.set_index("event_id").loc[act["event_id"]]
    assert (a["end"].to_numpy() == act["end"].to_numpy()).all() and a["port"].isna().all()
