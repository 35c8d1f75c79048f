"""Readers convert identity columns once per distinct value, and read only the columns asked for.

The conversions on distinct values must give exactly what a row-by-row conversion gives; the
projection (``read_observations(columns=...)``) must drop only the columns not asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv  # noqa: F401  (pa.csv)
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from navwatch import schema
from navwatch.io import read_observations
from navwatch.io.tables.values import _imo, _nav_status, _ship_type, _text_category

texts = st.lists(
    st.one_of(
        st.none(),
        st.sampled_from(
            [
                "",
                " ",
                "YELNYA",
                " YELNYA ",
                "Yelnya",
                "IMO8705515",
                "imo 8705515",
                "0",
                "Unknown",
                "60.0",
                "60",
                "Military",
                "Moored",
                "moored",
                "5",
                "5.0",
            ]
        ),
        st.text(alphabet=" abcIMO0123456789.", max_size=10),
    ),
    max_size=60,
)


def _row_by_row_text(values: list) -> list:
    out = []
    for v in values:
        t = None if v is None else v.strip()
        out.append(t if t else None)
    return out


@given(texts, st.booleans())
def test_text_category_is_the_row_by_row_trim(values, as_dictionary):
    arr = pa.array(values, type=pa.string())
    if as_dictionary:
        arr = arr.dictionary_encode()
    got = _text_category(arr)
    assert isinstance(got.dtype, pd.CategoricalDtype)
    assert [None if pd.isna(x) else x for x in got.tolist()] == _row_by_row_text(values)
    # no unused or duplicate categories
    assert got.cat.categories.is_unique
    assert set(got.cat.categories) == {x for x in got.dropna()}


@given(texts)
def test_identity_codes_are_the_row_by_row_values(values):
    arr = pa.array(values, type=pa.string())
    one_by_one = [pa.array([v], type=pa.string()) for v in values]
    assert _imo(arr).tolist() == [_imo(a).iloc[0] for a in one_by_one]
    assert _nav_status(arr).tolist() == [_nav_status(a).iloc[0] for a in one_by_one]
    st_all = _ship_type(arr)
    assert [None if pd.isna(x) else x for x in st_all] == [
        None if pd.isna(_ship_type(a).iloc[0]) else _ship_type(a).iloc[0] for a in one_by_one
    ]


def test_numeric_identity_columns():
    assert _imo(pa.array([9869693, 0, None, 123], type=pa.int64())).tolist() == [
        9869693,
        pd.NA,
        pd.NA,
        pd.NA,
    ]
    assert list(_ship_type(pa.array([60.0, None, 35.0, 60.0]))) == ["60", np.nan, "35", "60"]
    assert _nav_status(pa.array([5.0, 16.0, None])).tolist() == [5, pd.NA, pd.NA]


NOAA_HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width"


@pytest.fixture
def noaa_files(tmp_path):
    rows = [
        "367000140,2020-06-30T00:00:00,40.64,-74.07,0.0,-60.6,511,ANDREW J BARBERI ,IMO7702774,WDE3433,60.0,5.0,95,21",
        "367000140,2020-06-30T00:01:00,40.65,-74.06,12.5,100.0,99,ANDREW J BARBERI,IMO7702774,WDE3433,60.0,0.0,95,21",
        "366999973,2020-06-30T00:00:30,40.66,-74.10,0.1,360,511,,,,,,,",
        "366999973,bad time,40.66,-74.10,0.1,360,511,CG HAWSER,,NAVY,35,5,0,8",
    ]
    csv = tmp_path / "noaa.csv"
    csv.write_text(NOAA_HEADER + "\n" + "\n".join(rows) + "\n")
    table = pa.csv.read_csv(
        csv,
        convert_options=pa.csv.ConvertOptions(
            column_types={"BaseDateTime": pa.string()}, strings_can_be_null=True
        ),
    )
    parquet = tmp_path / "noaa.parquet"
    pq.write_table(table, parquet)
    return csv, parquet


@pytest.mark.parametrize("which", [0, 1], ids=["csv", "parquet"])
def test_projection_reads_only_what_is_asked(noaa_files, which):
    from navwatch.quarantine import Quarantine

    path = noaa_files[which]
    q_all, q_some = Quarantine(), Quarantine()
    full = read_observations([path], quarantine=q_all)
    some = read_observations([path], quarantine=q_some, columns=schema.ANALYSIS_COLUMNS)
    dropped = [c for c in full.columns if c not in some.columns]
    not_asked = (*schema.MOTION_DETAIL, *schema.DIMENSIONS)
    assert sorted(dropped) == sorted(c for c in not_asked if c in full.columns)
    assert full["length_m"].tolist()[:2] == [95.0, 95.0] and "beam_m" in dropped
    assert "cog_deg" in dropped and "sog_kn" in some.columns
    pd.testing.assert_frame_equal(some, full[list(some.columns)])
    # the same rows rejected for the same reasons (a Parquet row's raw text shows the columns read)
    keys = ["file", "line", "code", "reason"]
    assert q_all.to_frame()[keys].equals(q_some.to_frame()[keys]) and len(q_all) == 1
    assert some["name"].tolist()[:2] == ["ANDREW J BARBERI"] * 2
    assert isinstance(some["name"].dtype, pd.CategoricalDtype)
    assert some["imo"].tolist()[:2] == [7702774, 7702774]


@given(
    st.lists(st.text(alphabet="ab,\r\x00é", max_size=30), min_size=1, max_size=200),
    st.booleans(),
    st.sampled_from([1, 3, 16, 64, 1 << 20]),
    st.data(),
)
def test_lines_text_finds_the_lines_an_index_finds(lines, trailing, piece, data):
    """The quarantine's raw text: a few lines found without indexing the whole block."""
    from navwatch.io.tables import csv_engine as ce

    buf = bytearray(("\n".join(lines) + ("\n" if trailing else "")).encode())
    n = buf.count(b"\n") + (0 if buf.endswith(b"\n") else 1)
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=12))), dtype=int)
    expected = ce._decoder(buf, *ce._line_bounds(buf))(rows)
    old = ce._PIECE
    ce._PIECE = piece
    try:
        assert ce._lines_text(buf, rows) == expected
    finally:
        ce._PIECE = old
