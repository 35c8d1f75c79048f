"""navwatch's own tables read back from every format it writes, in the schema's dtypes."""

from __future__ import annotations

import pandas as pd
import pytest

import navwatch as nw
from navwatch.activity import detect_activity
from navwatch.errors import IngestError, SchemaError
from navwatch.io.writers import FORMATS, read_table, write_table
from navwatch.simulate.activity import simulate_activity


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    sc = simulate_activity(11, n_vessels=24, days=4, n_ports=3)
    det = nw.detect_port_events(sc.obs, sc.zones, sc.registry, all_vessels=True)
    act = detect_activity(sc.obs, sc.zones, sc.registry)
    assert act["likely_intentional"].notna().any() and act["other_mmsi"].notna().any()
    return {"activity": act, "events": det.events}


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("name", ["activity", "events"])
def test_a_written_table_reads_back_equal(tables, tmp_path, name, suffix):
    df = tables[name]
    back = read_table(write_table(df, tmp_path / f"t{suffix}", table=name), name)
    times = [c for c in df.columns if isinstance(df[c].dtype, pd.DatetimeTZDtype)]
    # CSV keeps microseconds, GeoJSON and GeoPackage (GDAL) milliseconds; Parquet every ns
    slack = {".parquet": "0ns", ".csv": "1us"}.get(suffix, "1ms")
    for c in times:
        assert ((back[c] - df[c]).abs() < pd.Timedelta(slack)).all() or slack == "0ns", c
    pd.testing.assert_frame_equal(
        back.drop(columns=times) if suffix != ".parquet" else back,
        df.drop(columns=times) if suffix != ".parquet" else df,
        check_exact=False,
        rtol=1e-12,
    )


def test_bad_files_are_named(tables, tmp_path):
    with pytest.raises(IngestError, match=r"t\.txt.*unknown table format"):
        read_table(tmp_path / "t.txt", "activity")
    with pytest.raises(IngestError, match=r"nope\.csv.*no such file"):
        read_table(tmp_path / "nope.csv", "activity")
    events = write_table(tables["events"], tmp_path / "events.csv", table="events")
    with pytest.raises(
        SchemaError, match=r"events\.csv: not a navwatch activity table: no column\(s\) event_type"
    ):
        read_table(events, "activity")
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    with pytest.raises(IngestError, match=r"junk\.parquet.*cannot read the activity table"):
        read_table(junk, "activity")
