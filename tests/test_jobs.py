"""The job layer (navwatch.jobs): every engine gives the memory engine's outputs, and rejected
rows go where one rule says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from navwatch.cli import app
from navwatch.demo import demo_inputs
from navwatch.errors import ConfigError
from navwatch.jobs import detect_files, quarantine_path, run_detect, run_dispersal

DATA = Path(__file__).resolve().parent / "data"
# the Tartus evidence plus sightings with bad rows (quarantined) and an unknown vessel
TARTUS = [*map(str, demo_inputs()), str(DATA / "evidence" / "sightings.csv")]
NOAA = [str(DATA / "noaa" / "nyharbor_2020-06-30_head.csv")]
# a tiny working memory: the out-of-core engine splits these inputs into several buckets
SPLIT = ["--memory-limit-mb", "0.001"]


def _cli(*args: str) -> None:
    res = CliRunner().invoke(app, [*args, "--no-progress"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    "inputs, options",
    [(TARTUS, ["--port", "Tartus"]), (NOAA, ["--all-vessels", "--every", "10min"])],
    ids=["tartus", "noaa-all-vessels"],
)
def test_dispersal_out_of_core_equals_memory(tmp_path, inputs, options):
    for engine in ("memory", "out-of-core"):
        _cli(
            "dispersal",
            *inputs,
            *options,
            "--engine",
            engine,
            *SPLIT,
            "-o",
            str(tmp_path / f"{engine}.csv"),
        )
    for name in ("{}.csv", "{}.fleet.csv"):
        mem, ooc = (tmp_path / name.format(e) for e in ("memory", "out-of-core"))
        assert ooc.read_bytes() == mem.read_bytes(), name
    if inputs is TARTUS:
        assert (tmp_path / "out-of-core.quarantine.csv").read_bytes() == (
            tmp_path / "memory.quarantine.csv"
        ).read_bytes()


def test_report_out_of_core_equals_memory(tmp_path):
    det = detect_files(TARTUS, engine="out-of-core", memory_limit_mb=0.001)
    assert det.detection.stats["buckets"] > 1
    html = {}
    for engine in ("memory", "out-of-core"):
        out = tmp_path / f"{engine}.html"
        _cli(
            "report",
            *TARTUS,
            "--port",
            "Tartus",
            "--offline",
            "--engine",
            engine,
            *SPLIT,
            "-o",
            str(out),
        )
        html[engine] = re.sub(r"[0-9a-f]{32}", "ID", out.read_text())  # folium's random element ids
    assert "Yelnya" in html["memory"]
    assert html["out-of-core"] == html["memory"]


def test_quarantine_goes_next_to_the_output_unless_given(tmp_path):
    """The one rule (quarantine_path), as detect and dispersal jobs apply it."""
    assert quarantine_path(tmp_path / "e.parquet") == tmp_path / "e.quarantine.csv"
    assert quarantine_path(tmp_path / "e.parquet", tmp_path / "q.parquet") == tmp_path / "q.parquet"
    det = run_detect(TARTUS, output=tmp_path / "events.csv")
    disp = run_dispersal(TARTUS, port="Tartus", output=tmp_path / "d.geojson")
    given = run_dispersal(
        TARTUS, port="Tartus", output=tmp_path / "d2.csv", quarantine=tmp_path / "q.parquet"
    )
    assert (
        det.quarantine_output == tmp_path / "events.quarantine.csv"
        and det.quarantine_output.exists()
    )
    assert (
        disp.quarantine_output == tmp_path / "d.quarantine.csv" and disp.quarantine_output.exists()
    )
    assert given.quarantine_output == tmp_path / "q.parquet" and given.quarantine_output.exists()
    assert not (tmp_path / "d2.quarantine.csv").exists()
    clean = run_detect(demo_inputs(), output=tmp_path / "clean.csv")  # nothing rejected: no file
    assert clean.quarantine_output is None and not (tmp_path / "clean.quarantine.csv").exists()


def test_unknown_engine_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        detect_files(demo_inputs(), engine="spark")


def test_dispersal_and_report_reuse_a_previous_detection(tmp_path):
    """The demo detects once for its three outputs: a ``detected`` run gives the same tables as
    detecting again, and one made without states is refused with the reason."""
    from navwatch.dispersal import DispersalParams
    from navwatch.jobs import run_report

    det = run_detect(demo_inputs(), with_states=True)
    params = DispersalParams(every="6h")
    again = run_dispersal(demo_inputs(), port="Tartus", params=params).dispersal
    reused = run_dispersal(demo_inputs(), port="Tartus", params=params, detected=det)
    assert reused.detect is det
    assert reused.dispersal.fleet.equals(again.fleet)
    assert reused.dispersal.vessels.drop(columns="geometry").equals(
        again.vessels.drop(columns="geometry")
    )
    rep = run_report(
        demo_inputs(), port="Tartus", offline=True, output=tmp_path / "r.html", detected=det
    )
    assert rep.detect is det and rep.summary["vessels"] == 6
    with pytest.raises(ConfigError, match="states"):
        run_dispersal(demo_inputs(), port="Tartus", detected=run_detect(demo_inputs()))


def test_imagery_runs_read_the_ais_dimensions_detection_runs_do_not(tmp_path):
    """With satellite detections among the inputs the AIS is read with length_m/beam_m (the
    matcher's identity table carries them); without, the jobs skip them (ANALYSIS_COLUMNS)."""
    from navwatch.jobs import read_with_imagery
    from navwatch.ports import load_ports
    from navwatch.quarantine import Quarantine
    from navwatch.registry import load_registry

    ais = tmp_path / "ais.csv"
    ais.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,Length,Width\n"
        "367000140,2020-06-30T00:00:00,40.64,-74.07,0.0,94,21\n"
        "367000140,2020-06-30T00:10:00,40.64,-74.07,0.0,94,21\n"
    )
    det = tmp_path / "detections.csv"
    det.write_text(
        "time,lat,lon,length_m,score,scene_id\n2020-06-30T00:05:00Z,40.64,-74.07,90,0.9,s1\n"
    )
    scenes = tmp_path / "scenes.csv"
    scenes.write_text(
        "scene_id,time,footprint,source\n"
        's1,2020-06-30T00:05:00Z,"POLYGON((-74.2 40.5,-73.9 40.5,-73.9 40.8,-74.2 40.8,-74.2 40.5))",'
        "sentinel-1\n"
    )
    zones, reg = load_ports(), load_registry()
    obs, ev = read_with_imagery([ais, det, scenes], Quarantine(), zones, reg)
    assert ev is not None and obs.loc[obs["kind"] == "ais", "length_m"].tolist() == [94.0, 94.0]
    plain, none = read_with_imagery([ais], Quarantine(), zones, reg)
    assert none is None and "length_m" not in plain.columns
