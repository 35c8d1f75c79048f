"""Out-of-core detection gives exactly the in-memory events, on data with the faults the core
handles (duplicates, jumps, gaps, noise at zone edges), sightings and surveys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import navwatch as nw
from navwatch.scale import bucket_of, detect_partitioned
from navwatch.testing import assert_events_equal


def _archive(tmp_path, n_vessels=40, seed=1):
    """A Parquet dataset (hive-partitioned by day) of vessels around the bundled ports, plus
    sightings and surveys of the Tartus demo."""
    rng = np.random.default_rng(seed)
    zones = nw.load_ports()
    harbours = zones[zones["tier"] == "harbour"]
    pts = harbours.geometry.representative_point()
    rows = []
    for v in range(n_vessels):
        mmsi = 273_000_000 + v * 7919
        a, b = rng.choice(len(pts), 2, replace=False)
        lat0, lon0, lat1, lon1 = pts.iloc[a].y, pts.iloc[a].x, pts.iloc[b].y, pts.iloc[b].x
        t = pd.Timestamp("2024-12-01", tz="UTC") + pd.Timedelta(minutes=int(rng.integers(0, 600)))
        for k in range(300):  # moored, with GPS noise
            rows.append(
                (
                    mmsi,
                    t + pd.Timedelta(minutes=5 * k),
                    lat0 + rng.normal(0, 2e-4),
                    lon0 + rng.normal(0, 2e-4),
                    0.1,
                )
            )
        t = rows[-1][1]
        steps = 200
        for k in range(1, steps + 1):  # sail to the other port, with a dark gap in the middle
            if 80 < k < 120:
                continue
            f = k / steps
            rows.append(
                (
                    mmsi,
                    t + pd.Timedelta(minutes=10 * k),
                    lat0 + f * (lat1 - lat0),
                    lon0 + f * (lon1 - lon0),
                    12.0,
                )
            )
        t = rows[-1][1]
        for k in range(1, 100):
            rows.append(
                (
                    mmsi,
                    t + pd.Timedelta(minutes=5 * k),
                    lat1 + rng.normal(0, 2e-4),
                    lon1 + rng.normal(0, 2e-4),
                    0.0,
                )
            )
    df = pd.DataFrame(rows, columns=["mmsi", "time", "lat", "lon", "sog_kn"])
    dup = df.sample(frac=0.02, random_state=seed).assign(
        time=lambda d: d["time"] + pd.Timedelta(seconds=1)
    )
    jump = df.sample(n=30, random_state=seed + 1).assign(
        lat=lambda d: d["lat"] + 2.0, time=lambda d: d["time"] + pd.Timedelta(seconds=30)
    )
    df = pd.concat([df, dup, jump]).sample(frac=1, random_state=seed)
    df.loc[df.index[:5], "mmsi"] = 273_547_800  # the registry's Vyazma appears too
    df["day"] = df["time"].dt.strftime("%Y-%m-%d")
    folder = tmp_path / "archive"
    df.to_parquet(folder, partition_cols=["day"], index=False)
    return folder


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return _archive(tmp_path_factory.mktemp("scale"))


@pytest.mark.parametrize("all_vessels", [True, False])
@pytest.mark.parametrize("buckets", [1, 3, 16])
def test_partitioned_equals_in_memory(archive, buckets, all_vessels):
    from navwatch.demo import demo_inputs

    inputs = [archive, *demo_inputs()]
    zones, reg = nw.load_ports(), nw.load_registry()
    q1, q2 = nw.Quarantine(), nw.Quarantine()
    mem = nw.detect_port_events(
        nw.read_observations(inputs, quarantine=q1),
        zones,
        reg,
        all_vessels=all_vessels,
        quarantine=q1,
        with_states=True,
    )
    part = detect_partitioned(
        inputs,
        zones,
        reg,
        all_vessels=all_vessels,
        buckets=buckets,
        quarantine=q2,
        with_states=True,
    )
    assert_events_equal(part.events, mem.events)
    pd.testing.assert_frame_equal(part.states, mem.states)  # same rows, same order
    assert len(mem.events) > 20 or not all_vessels
    for k, v in mem.stats.items():
        assert part.stats[k] == v, k
    key = ["file", "line", "code", "reason"]
    pd.testing.assert_frame_equal(
        q2.to_frame()[key].sort_values(key).reset_index(drop=True),
        q1.to_frame()[key].sort_values(key).reset_index(drop=True),
    )
    assert part.stats["buckets"] == buckets


def test_memory_limit_sets_bucket_count(archive):
    det = detect_partitioned([archive], nw.load_ports(), None, all_vessels=True, memory_limit_mb=1)
    assert det.stats["buckets"] > 1
    assert det.stats["max_job_rows"] < det.stats["rows_in"]


def test_bucket_hash_spreads_neighbouring_mmsis():
    counts = np.bincount(bucket_of(np.arange(273_000_000, 273_010_000), 16), minlength=16)
    assert counts.min() > 400


def test_cli_out_of_core_engine(archive, tmp_path):
    import subprocess
    import sys

    def run(*extra):
        out = tmp_path / f"e{len(extra)}.csv"
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "navwatch",
                "detect",
                str(archive),
                "--all-vessels",
                "-o",
                str(out),
                *extra,
            ],
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stderr
        return pd.read_csv(out), res.stdout

    mem, _ = run()
    ooc, stdout = run("--engine", "out-of-core", "--memory-limit-mb", "1")
    assert "buckets" in stdout
    pd.testing.assert_frame_equal(
        mem.sort_values(["vessel_id", "time"]).reset_index(drop=True),
        ooc.sort_values(["vessel_id", "time"]).reset_index(drop=True),
    )
