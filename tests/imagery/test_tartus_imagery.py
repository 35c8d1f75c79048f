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
    hand = run_detect([SURVEYS, SIGHTINGS]).events
    run = run_detect([*IMAGERY, SIGHTINGS])
    # every departure, return and contradiction of the hand surveys, for all six ships, with
    # the same windows: the analysts' labels (frigate/oiler/submarine) and the lengths name the
    # classes on 30 Nov and 5 Dec (two hulls labelled oiler are both oilers), and the 1 Dec
    # Landsat hulls, too coarse to name, take the identities of the 30 Nov hulls at the same
    # berths (as the analysts carried them over)
    pd.testing.assert_frame_equal(_story(run.events), _story(hand))
    t = run.events[run.events["port"] == "Tartus"].sort_values(["vessel_id", "time_earliest"])
    h = hand[hand["port"] == "Tartus"].sort_values(["vessel_id", "time_earliest"])
    assert t["time_earliest"].tolist() == h["time_earliest"].tolist()
    d = run.imagery.detections
    landsat = d[d["scene_id"] == "LANDSAT-20241201"]
    assert (landsat["carried_from"] != "").all() and not landsat["token"].str.endswith("?").any()
    assert run.imagery.summary["dark"] == 18 and run.read_stats["imagery"]["surveys"] >= 10


def test_carry_over_needs_the_same_berth_and_a_compatible_length():
    from navwatch.imagery import ImageryParams, match_detections, read_imagery
    from navwatch.ports import load_ports
    from navwatch.registry import load_registry

    dets, scenes = read_imagery([IMAGERY[0]], [IMAGERY[1]])
    moved = dets.copy()
    ls = moved["scene_id"] == "LANDSAT-20241201"
    moved.loc[ls, "lat"] += 0.002  # 220 m north of every berth
    m = match_detections(moved, None, load_registry(), scenes=scenes, zones=load_ports())
    assert (m.loc[m["scene_id"] == "LANDSAT-20241201", "carried_from"] == "").all()
    off = match_detections(dets, None, load_registry(), scenes=scenes,
                           params=ImageryParams(carry_over_h=0))  # fmt: skip
    assert (off["carried_from"] == "").all()


def test_cli_imagery_writes_tables_that_detect_reads_back(tmp_path):
    det, sv = tmp_path / "det.csv", tmp_path / "sv.csv"
    r = subprocess.run(
        [sys.executable, "-m", "navwatch", "imagery", *map(str, IMAGERY), "-o", str(det),
         "--surveys", str(sv), "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (
        "18 detection(s): 0 matched to AIS, 0 ambiguous (two tracks about as near), 18 dark"
        in r.stdout
    )
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
