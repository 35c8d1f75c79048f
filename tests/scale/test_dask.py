"""Detection on a Dask cluster gives exactly the in-memory result, on data with the faults the
core handles (duplicates, jumps, gaps, noise at zone edges), sightings, surveys, NOAA CSV and
NMEA inputs with bad rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip(
    "distributed", reason="the Dask engine needs the dask extra: pip install 'navwatch[dask]'"
)

import navwatch as nw  # noqa: E402
from navwatch.demo import demo_inputs  # noqa: E402
from navwatch.errors import IngestError  # noqa: E402
from navwatch.scale import detect_partitioned  # noqa: E402
from navwatch.scale.dask_engine import detect_dask, read_units  # noqa: E402
from navwatch.testing import assert_events_equal  # noqa: E402
from tests.scale.test_partitioned import _archive  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
QKEY = ["file", "line", "code", "reason"]


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    archive = _archive(tmp_path_factory.mktemp("dask"))
    return [
        archive,  # hive-partitioned by day: one read task per day
        DATA / "noaa" / "nyharbor_2020-06-30_head.csv",  # names, IMO, call signs
        DATA / "nmea" / "socal_sample_head.ais",  # bad rows -> quarantine
        *demo_inputs(),  # Tartus surveys and sightings
        DATA / "evidence" / "sightings.csv",  # an unknown vessel, bad values
        DATA / "evidence" / "surveys.csv",
    ]


@pytest.fixture(scope="module")
def zones_registry():
    return nw.load_ports(), nw.load_registry()


def _in_memory(inputs, zones, reg, all_vessels):
    q = nw.Quarantine()
    return nw.detect_port_events(
        nw.read_observations(inputs, quarantine=q),
        zones,
        reg,
        all_vessels=all_vessels,
        quarantine=q,
    )


def _as_text(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return df.astype(str).sort_values(by).reset_index(drop=True)


def _assert_same(got, mem, state=True):
    assert_events_equal(got.events, mem.events)
    for k, v in mem.stats.items():
        assert got.stats[k] == v, k
    pd.testing.assert_frame_equal(
        got.quarantine.to_frame()[QKEY].sort_values(QKEY).reset_index(drop=True),
        mem.quarantine.to_frame()[QKEY].sort_values(QKEY).reset_index(drop=True),
    )
    if state:  # the carried state continues as the other one would
        _assert_same_state(got.state, mem.state)


def _assert_same_state(a, b, emitted=True):
    pd.testing.assert_frame_equal(
        _as_text(a.rows, ["vessel_id", "time", "kind", "src_line"]),
        _as_text(b.rows, ["vessel_id", "time", "kind", "src_line"]),
    )
    if emitted:
        pd.testing.assert_frame_equal(
            _as_text(a.emitted, ["event_id"]), _as_text(b.emitted, ["event_id"])
        )


@pytest.mark.parametrize("all_vessels", [True, False])
@pytest.mark.parametrize("buckets", [1, 7])
def test_dask_equals_in_memory(client, inputs, zones_registry, buckets, all_vessels):
    zones, reg = zones_registry
    mem = _in_memory(inputs, zones, reg, all_vessels)
    got = detect_dask(
        inputs, zones, reg, all_vessels=all_vessels, scheduler=client, buckets=buckets
    )
    _assert_same(got, mem, state=buckets == 1)
    # with several jobs the carried rows are the out-of-core engine's (same split; it does not
    # keep the emitted events)
    part = detect_partitioned(inputs, zones, reg, all_vessels=all_vessels, buckets=buckets)
    _assert_same_state(got.state, part.state, emitted=False)
    pd.testing.assert_frame_equal(
        _as_text(got.state.emitted, ["event_id"]), _as_text(mem.state.emitted, ["event_id"])
    )
    assert len(mem.events) > (100 if all_vessels else 20)
    assert (
        mem.quarantine.counts().get("position_jump", 0) > 0
        and mem.stats["duplicates"] > 0
        or not all_vessels
    )
    assert got.stats["buckets"] == buckets and got.stats["workers"] == 2
    assert got.stats["read_tasks"] > len(inputs)  # the dataset folder is read one part per task


def test_dask_state_equals_in_memory_for_any_split(client, inputs, zones_registry):
    zones, reg = zones_registry
    mem = _in_memory(inputs, zones, reg, True)
    got = detect_dask(inputs, zones, reg, all_vessels=True, scheduler=client, buckets=7)
    _assert_same_state(got.state, mem.state)


def test_default_local_cluster_and_parquet_output(inputs, zones_registry, tmp_path):
    zones, reg = zones_registry
    mem = _in_memory(inputs, zones, reg, True)
    out = tmp_path / "events"
    got = detect_dask(
        inputs, zones, reg, all_vessels=True, output=out, workdir=tmp_path / "dask"
    )  # LocalCluster(2)
    _assert_same(got, mem, state=False)
    assert got.stats["workers"] == 2
    written = pd.read_parquet(out)
    assert len(list(out.glob("part-*.parquet"))) > 1
    assert_events_equal(written, mem.events)


def test_scheduler_address(client, inputs, zones_registry):
    zones, reg = zones_registry
    mem = _in_memory(inputs, zones, reg, False)
    got = detect_dask(inputs, zones, reg, scheduler=client.scheduler.address, buckets=3)
    assert_events_equal(got.events, mem.events)


def test_unreadable_input_names_the_file(client, tmp_path, zones_registry):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1" + b"\x00" * 64)  # Parquet magic, then garbage: fails in the worker
    with pytest.raises(IngestError, match="bad.parquet"):
        detect_dask([bad], *zones_registry, scheduler=client)
    with pytest.raises(IngestError, match="missing.csv"):  # found before any work is sent
        detect_dask([tmp_path / "missing.csv"], *zones_registry, scheduler=client)


def test_dataset_read_as_one_task_when_parts_differ(tmp_path):
    folder = tmp_path / "ds"
    df = pd.DataFrame(
        {
            "mmsi": [273000001, 273000002],
            "time": pd.to_datetime(["2024-12-01", "2024-12-02"], utc=True),
            "lat": [34.9, 34.9],
            "lon": [35.8, 35.8],
        }
    )
    df.to_parquet(
        folder, partition_cols=["mmsi"], index=False
    )  # the hive key is a column navwatch reads
    assert read_units([folder]) == [(folder, "parquet")]
    other = tmp_path / "ds2"
    other.mkdir()
    df.to_parquet(other / "a.parquet", index=False)
    df.assign(sog=1.0).to_parquet(other / "b.parquet", index=False)  # different schemas
    assert read_units([other]) == [(other, "parquet")]
    same = tmp_path / "ds3"
    same.mkdir()
    df.to_parquet(same / "a.parquet", index=False)
    df.to_parquet(same / "b.parquet", index=False)
    assert [p.name for p, _ in read_units([same])] == ["a.parquet", "b.parquet"]


def test_dask_states_equal_in_memory(client, inputs, zones_registry):
    """``with_states``: the states the workers made, gathered in the in-memory order."""
    zones, reg = zones_registry
    q = nw.Quarantine()
    mem = nw.detect_port_events(
        nw.read_observations(inputs, quarantine=q),
        zones,
        reg,
        all_vessels=True,
        quarantine=q,
        with_states=True,
    )
    got = detect_dask(
        inputs, zones, reg, all_vessels=True, scheduler=client, buckets=7, with_states=True
    )
    pd.testing.assert_frame_equal(got.states, mem.states)
