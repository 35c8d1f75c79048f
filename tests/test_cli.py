"""The command line, run as a user runs it: real files in, files and a summary out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import typer.main
from typer.testing import CliRunner

from navwatch.cli import app

DATA = Path(__file__).parent / "data"
WPI = DATA / "ports" / "wpi_slice.csv"
FERRY = DATA / "noaa" / "nyharbor_2020-06-30_tugs_ferry.csv"


def navwatch(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "navwatch", *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


# ----------------------------------------------------------------------------------------------
# help: every registered command, found on the app (not listed here), rendered as written

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)


def _squeezed(text: str) -> str:
    """Text without whitespace: help is re-wrapped (also at hyphens) when rendered."""
    return "".join(text.split())


def _written_help(cmd) -> list[str]:
    """The help as written in the code: docstring, epilog and the help of every parameter."""
    return [
        t
        for t in (
            cmd.help,
            cmd.epilog,
            *(p.help for p in cmd.params if not getattr(p, "hidden", False)),
        )
        if t
    ]


def test_commands_are_discovered():
    assert {"detect", "dispersal", "report", "demo", "watch"} <= set(COMMANDS)
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0 and "Commands:" in res.output, res.output
    listed = res.output.split("Commands:", 1)[1]
    for name in COMMANDS:
        assert f"\n  {name} " in listed


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_renders_as_written(name):
    cmd = GROUP.commands[name] if name else GROUP
    res = CliRunner().invoke(app, [*([name] if name else []), "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.output
    # no markup left over, nothing swallowed: every help text appears word for word, bracketed
    # words (navwatch[dask], [watch].once_listen_s) included
    for artefact in ("[/", "\\[", "[bold", "[dim", "[red", "\x1b["):
        assert artefact not in res.output, artefact
    shown = _squeezed(res.output)
    for text in _written_help(cmd):
        assert _squeezed(text) in shown, text


def test_bracketed_help_text_survives():
    """The two texts Rich markup used to garble."""
    assert "pip install 'navwatch[dask]'" in " ".join(
        CliRunner().invoke(app, ["detect", "--help"]).output.split()
    )
    assert "(default [watch].once_listen_s)" in " ".join(
        CliRunner().invoke(app, ["watch", "--help"]).output.split()
    )


# ----------------------------------------------------------------------------------------------
# bad usage exits 2 and names the option, before any input is read


def test_duration_without_unit_is_bad_usage(tmp_path):
    res = navwatch("dispersal", FERRY, "--every", "6", "-o", tmp_path / "d.csv")
    assert res.returncode == 2, res.stderr
    assert "--every" in res.stderr and "add a unit" in res.stderr and "6h" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "d.csv").exists()


def test_unknown_engine_is_bad_usage(tmp_path):
    res = navwatch("detect", FERRY, "--engine", "foo", "-o", tmp_path / "e.csv")
    assert res.returncode == 2, res.stderr
    assert "--engine" in res.stderr and "'foo'" in res.stderr and "out-of-core" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["dispersal", "--every", "1.5"], "--every", "add a unit"),
        (["dispersal", "--every", "soon"], "--every", "6h"),
        (["dispersal", "--every", "-6h"], "--every", "positive"),
        (["dispersal", "--since", "whenever"], "--since", "not a time"),
        (["dispersal", "--stale-after-h", "-1"], "--stale-after-h", ""),
        (["dispersal", "-o", "d.txt"], "--output", ".csv"),
        (["detect", "--max-speed-kn", "0"], "--max-speed-kn", "> 0"),
        (["detect", "--port-radius-km", "-2"], "--port-radius-km", "> 0"),
        (["detect", "--visits", "v.xlsx"], "--visits", "unknown table format"),
        (["report", "--until", "soon"], "--until", "not a time"),
        (["report", "--max-track-points", "1"], "--max-track-points", ""),
    ],
)
def test_bad_option_values_are_bad_usage(tmp_path, args, option, message):
    cmd, *opts = args
    # the input does not exist: a value checked only after reading would exit 1 ("not found")
    res = CliRunner().invoke(app, [cmd, str(tmp_path / "nope.csv"), *opts])
    assert res.exit_code == 2, res.output
    assert f"'{option}'" in res.output and message in res.output


@pytest.mark.parametrize("every", ["6h", "30min", "1D", "90s", "PT6H"])
def test_durations_with_units_are_read(every):
    from navwatch.cli._common import duration

    assert duration(every) == pd.Timedelta(every) > pd.Timedelta(0)


def test_detect_real_noaa_slice_spot_check(tmp_path):
    """Staten Island ferry ANDREW J BARBERI (367000150): moored at Whitehall, Manhattan, under way
    at 00:05:19, arrives at St. George (WPI "Tompkinsville SI") at about 00:18-00:21 (checked by
    hand in the data README)."""
    out = tmp_path / "events.csv"
    res = navwatch(
        "detect", FERRY, "--all-vessels", "--ports", WPI, "--port-radius-km", "1.5", "-o", out
    )
    assert res.returncode == 0, res.stderr
    assert "departures" in res.stdout and "ANDREW J BARBERI" in res.stdout
    ev = pd.read_csv(
        out, parse_dates=["time", "time_earliest", "time_latest"]
    )  # one time format per file
    ferry = ev[ev["mmsi"] == 367000150]
    assert list(zip(ferry["event"], ferry["port"], strict=True)) == [
        ("departure", "New York City"),
        ("arrival", "Tompkinsville SI"),
    ]
    dep = ferry.iloc[0]
    assert dep["time_earliest"] == pd.Timestamp("2020-06-30T00:05:19Z")
    assert pd.Timestamp("2020-06-30T00:05Z") < dep["time"] < pd.Timestamp("2020-06-30T00:07Z")
    arr = ferry.iloc[1]
    assert pd.Timestamp("2020-06-30T00:17Z") < arr["time"] < pd.Timestamp("2020-06-30T00:22Z")
    assert "nyharbor_2020-06-30_tugs_ferry.csv:" in dep["evidence"]


@pytest.mark.parametrize("suffix", [".parquet", ".geojson", ".gpkg"])
def test_detect_output_formats(tmp_path, suffix):
    out = tmp_path / f"events{suffix}"
    res = navwatch(
        "detect", FERRY, "--all-vessels", "--ports", WPI, "--port-radius-km", "1.5", "-o", out
    )
    assert res.returncode == 0, res.stderr
    if suffix == ".parquet":
        ev = pd.read_parquet(out)
        assert str(ev["time"].dtype) == "datetime64[ns, UTC]"
    else:
        import geopandas as gpd

        ev = gpd.read_file(out)
        assert (ev.geometry.geom_type == "Point").all()
    # the ferry's departure and arrival, and the tug MARY TURECAMO, which drifts into Newark's
    # circle at under 0.5 kn after waiting stopped at its edge (still at rest: level 3), and leaves
    assert len(ev) == 3


def test_detect_nmea_file(tmp_path):
    res = navwatch(
        "detect", DATA / "nmea" / "socal_sample_head.ais", "--all-vessels", "-o", tmp_path / "e.csv"
    )
    assert res.returncode == 0, res.stderr
    assert "nmea" in res.stdout


def test_missing_input_is_one_clear_error(tmp_path):
    res = navwatch("detect", tmp_path / "nope.csv", "-o", tmp_path / "e.csv")
    assert res.returncode == 1
    assert "nope.csv" in res.stderr and "not found" in res.stderr
    assert "Traceback" not in res.stderr


def test_unrecognised_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\nworld\n")
    res = navwatch("detect", bad, "-o", tmp_path / "e.csv")
    assert res.returncode == 1
    assert "notes.txt" in res.stderr and "Traceback" not in res.stderr


def test_bad_rows_are_quarantined_and_strict_exits_3(tmp_path):
    csv = tmp_path / "ais.csv"
    csv.write_text(
        "mmsi,time,lat,lon\n"
        "273547800,2024-12-01T00:00:00Z,34.91,35.87\n"
        "273547800,not a time,34.91,35.87\n"
        "273547800,2024-12-01T00:02:00Z,91,181\n"
    )
    out = tmp_path / "e.csv"
    res = navwatch("detect", csv, "-o", out)
    assert res.returncode == 0, res.stderr
    q = pd.read_csv(tmp_path / "e.quarantine.csv")
    assert list(q["line"]) == [3, 4]
    assert set(q["code"]) == {"bad_time", "no_position"}
    assert (q["file"] == str(csv)).all()
    assert "quarantine" in res.stdout
    strict = navwatch("detect", csv, "-o", out, "--strict", "-q", tmp_path / "q.csv")
    assert strict.returncode == 3
    assert (tmp_path / "q.csv").exists()


def test_demo_reproduces_the_tartus_case(tmp_path):
    res = navwatch("demo", "-o", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    ev = pd.read_csv(
        tmp_path / "out" / "events.csv", parse_dates=["time", "time_earliest", "time_latest"]
    )
    assert "Tartus" in res.stdout
    for name in ("dispersal.csv", "dispersal.fleet.csv", "report.html"):
        assert (tmp_path / "out" / name).stat().st_size > 1000
    fleet = pd.read_csv(tmp_path / "out" / "dispersal.fleet.csv")
    assert fleet["n_in_port"].max() == 6 and fleet["n_offshore"].max() == 2
    assert "<script src=" not in (tmp_path / "out" / "report.html").read_text()  # offline
    first = ev[ev["time_latest"] <= pd.Timestamp("2024-12-03T08:30:00Z")]
    departures = first[(first["event"] == "departure") & (first["tier"] == "harbour")]
    # all six leave the harbour between the 1 Dec image and the 3 Dec image ...
    assert sorted(departures["vessel_id"]) == sorted(
        [
            "admiral-gorshkov",
            "admiral-golovko",
            "admiral-grigorovich",
            "yelnya",
            "vyazma",
            "novorossiysk",
        ]
    )
    assert (departures["time_earliest"] == pd.Timestamp("2024-12-01T08:30:00Z")).all()
    # ... Yelnya inside [1 Dec image, the 2 Dec morning sighting]
    yelnya = departures[departures["vessel_id"] == "yelnya"].iloc[0]
    assert yelnya["time_latest"] == pd.Timestamp("2024-12-02T06:00:00Z")
    assert pd.isna(yelnya["flags"])
    # the others' departures, and their return by the 5 Dec Maxar image, contradict each other
    others = ev[
        (ev["vessel_id"] != "yelnya") & (ev["time_latest"] <= pd.Timestamp("2024-12-05T08:30:00Z"))
    ]
    assert len(others) == 10
    assert others["flags"].str.contains("contradiction").all()
    # everyone leaves again between 5 and 9 Dec; two Gorshkov-class frigates are offshore on 10 Dec
    last = ev[
        (ev["event"] == "departure") & (ev["time_earliest"] == pd.Timestamp("2024-12-05T08:30:00Z"))
    ]
    assert len(last) == 6 and (last["time_latest"] == pd.Timestamp("2024-12-09T08:30:00Z")).all()
    # the two Gorshkov-class frigates seen 7-13 km out on 10 Dec never left the anchorage tier
    # (which holds the harbour) as far as the evidence shows: their anchorage visit lasts to 10 Dec
    visits = pd.read_csv(tmp_path / "out" / "visits.csv")
    anch = visits[(visits["tier"] == "anchorage") & (visits["end"] >= "2024-12-10")]
    assert sorted(anch["vessel_id"]) == ["admiral-golovko", "admiral-gorshkov"]
    assert anch["open"].all() and (anch["level"] >= 2).all()
