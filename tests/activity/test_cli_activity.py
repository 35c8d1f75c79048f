"""``navwatch activity`` as users run it: real files in, a table out, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from navwatch import schema
from tests.conftest import DATA

NOAA = DATA / "noaa" / "nyharbor_2020-06-30_tugs_ferry.csv"
TRAJ = DATA / "traj" / "nyharbor_2020-12_head.traj"


def navwatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "navwatch", "activity", *args, "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_activity_on_real_files_writes_the_table(tmp_path):
    out = tmp_path / "activity.csv"
    res = navwatch(str(NOAA), str(TRAJ), "-o", str(out))
    assert res.returncode == 0, res.stderr
    df = pd.read_csv(out)
    assert list(df.columns) == schema.ACTIVITY_COLUMNS
    assert "activity events written to" in res.stderr
    assert set(df["event_type"]) <= {
        "gap",
        "loitering",
        "encounter",
        "replenishment",
        "spoofing",
        "identity_change",
    }
    # ISO UTC times, durations that match them
    start = pd.to_datetime(df["start"], utc=True)
    end = pd.to_datetime(df["end"], utc=True)
    assert (
        ((end - start).dt.total_seconds() / 3600 - df["duration_h"]).abs().max() < 1e-6
        if len(df)
        else True
    )


def test_activity_geojson_and_types(tmp_path):
    out = tmp_path / "gaps.geojson"
    res = navwatch(str(NOAA), "--types", "gap", "--gap-min-h", "0.05", "-o", str(out))
    assert res.returncode == 0, res.stderr
    import geopandas as gpd

    g = gpd.read_file(out)
    assert len(g) > 0 and set(g["event_type"]) == {"gap"}
    assert (g["duration_h"] >= 0.05).all()


def test_activity_bad_usage_exits_2(tmp_path):
    res = navwatch(str(NOAA), "--types", "gap,rendezvous", "-o", str(tmp_path / "a.csv"))
    assert res.returncode == 2
    assert "rendezvous" in res.stderr and "--types" in res.stderr
    res = navwatch(str(tmp_path / "missing.csv"), "-o", str(tmp_path / "a.csv"))
    assert res.returncode == 1 and "missing.csv" in res.stderr
    assert not Path(tmp_path / "a.csv").exists()
