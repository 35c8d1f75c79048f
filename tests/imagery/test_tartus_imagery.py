"""The Tartus demo told by imagery (scenes + detections) gives the hand surveys' story, through
the CLI as users run it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from navwatch.demo import demo_dir
from navwatch.io.writers import read_table
from navwatch.jobs import run_detect

IMAGERY = sorted((demo_dir() / "imagery").glob("*.*[nv]"))  # detections.csv, scenes.geojson
SIGHTINGS = demo_dir() / "sightings.csv"
SURVEYS = demo_dir() / "surveys.csv"


def _story(events: pd.DataFrame) -> pd.DataFrame:
    e = events[events["port"] == "Tartus"]
    cols = ["vessel_id", "event", "tier", "time_latest", "flags"]
    return e[cols].sort_values(cols[:4]).reset_index(drop=True)


def test_demo_imagery_files_are_detections_and_scenes():
    assert [p.name for p in IMAGERY] == ["detections.csv", "scenes.geojson"]


def test_imagery_gives_the_hand_surveys_story():
    hand = _story(run_detect([SURVEYS, SIGHTINGS]).events)
    run = run_detect([*IMAGERY, SIGHTINGS])
    img = _story(run.events)
    # every departure, return and contradiction of the hand surveys, for all six ships (the
    # analysts' labels, frigate/oiler/submarine, and the lengths name the classes; two hulls
    # labelled oiler are both oilers); the windows open at the 30 Nov image, not 1 Dec
    pd.testing.assert_frame_equal(img, hand)
    # windows open at the 30 Nov 50 cm image (the 1 Dec Landsat image cannot name the ships)
    first = run.events[(run.events["event"] == "departure") & (run.events["port"] == "Tartus")]
    assert first["time_earliest"].min() == pd.Timestamp("2024-11-30 08:30", tz="UTC")
    assert run.imagery.summary["dark"] == 18 and run.read_stats["imagery"]["surveys"] >= 10


def test_cli_imagery_writes_tables_that_detect_reads_back(tmp_path):
    det, sv = tmp_path / "det.csv", tmp_path / "sv.csv"
    r = subprocess.run(
        [sys.executable, "-m", "navwatch", "imagery", *map(str, IMAGERY), "-o", str(det),
         "--surveys", str(sv), "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "18 detection(s): 0 matched to AIS, 18 dark" in r.stdout
    d = read_table(det, "detections")
    assert (d["status"] == "dark").all() and d["token"].str.contains("Admiral Gorshkov class").any()
    # the surveys CSV is read as hand surveys: the same events as reading the imagery directly
    via_csv = _story(run_detect([sv, SIGHTINGS]).events)
    direct = _story(run_detect([*IMAGERY, SIGHTINGS]).events)
    pd.testing.assert_frame_equal(via_csv, direct)
    bad = subprocess.run(
        [sys.executable, "-m", "navwatch", "imagery", str(SIGHTINGS), "--no-progress"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 1 and "no satellite detections or scenes" in bad.stderr


def test_detect_with_other_engines_refuses_imagery(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "navwatch", "detect", *map(str, IMAGERY), "--engine", "out-of-core",
         "-o", str(tmp_path / "e.csv"), "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 1 and "--engine memory" in r.stderr


def test_demo_dir_holds_the_imagery_readme_rows():
    text = (demo_dir() / "README.md").read_text()
    assert "imagery/" in text and "resolution_m" in text


def test_report_of_imagery_inputs_draws_footprints_and_detections(tmp_path):
    out = tmp_path / "tartus.html"
    r = subprocess.run(
        [sys.executable, "-m", "navwatch", "report", *map(str, IMAGERY), str(SIGHTINGS),
         "--offline", "-o", str(out), "--no-progress"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "Scene footprints (6)" in html and "Detections: dark (18)" in html
    assert "Admiral Gorshkov class" in html  # the dark detections' tokens in their popups
