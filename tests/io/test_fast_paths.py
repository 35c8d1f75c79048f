"""The CSV engine's fast path (pyarrow over whole blocks) gives exactly what its exact path (the
csv module, record by record) gives: rows, identities, line numbers, quarantine and counts, on
every CSV in tests/data and on generated files with the faults real exports have."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch.io import read_observations
from navwatch.io.tables import csv_engine
from navwatch.quarantine import Quarantine

DATA = Path(__file__).resolve().parent.parent / "data"
CSVS = sorted(p for p in DATA.rglob("*.csv") if p.parent.name in ("noaa", "dma", "evidence"))


def _read(path: Path, *, exact: bool, monkeypatch) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    with monkeypatch.context() as m:
        if exact:

            def never(*a, **k):
                raise csv_engine._NeedSlowPath

            m.setattr(csv_engine, "_fast_block", never)
        q = Quarantine()
        df = read_observations([path], quarantine=q)
        stats = dict(df.attrs["read_stats"]["files"][0])
        stats.pop("file", None)
        return df, q.to_frame(), stats


def _same(path: Path, monkeypatch) -> None:
    fast = _read(path, exact=False, monkeypatch=monkeypatch)
    exact = _read(path, exact=True, monkeypatch=monkeypatch)
    pd.testing.assert_frame_equal(fast[0], exact[0])
    pd.testing.assert_frame_equal(fast[1], exact[1])
    assert fast[2] == exact[2]


def test_every_csv_in_tests_data_is_found():
    assert len(CSVS) >= 6, CSVS


@pytest.mark.parametrize("path", CSVS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_csv_path_equals_exact_path_on_real_files(path, monkeypatch):
    _same(path, monkeypatch)


HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status"
GOOD = [
    "367000140,2020-06-30T00:00:{s:02d},40.64,-74.07,0.0,-60.6,511,ANDREW J BARBERI,IMO7702774,WDE3433,60.0,5",
    "366999973,2020-06-30T00:01:{s:02d},40.66,-74.10,0.1,360,511,, ,,,",
    '367304010,2020-06-30T00:02:{s:02d},40.70,-74.12,3.2,12.5,13,"MARY TURECAMO, TUG",,WDB,31,0',
]
FAULTS = [
    "",  # blank line
    "367000140,2020-06-30T00:03:00,40.64",  # too few fields
    "367000140,2020-06-31T25:00:00,40.64,-74.07,0,0,0,X,,,,",  # bad time
    "367000140,2020-06-30T00:04:00,91,181,0,0,0,X,,,,",  # not available
    "12,2020-06-30T00:05:00,40.6,-74.0,0,0,0,X,,,,",  # bad MMSI
    "2190047,2020-06-30T00:06:00,40.6,-74.0,0,0,0,BASE,,,,",  # not a vessel
    "367000140,2020-06-30T00:07:00,40.64,-74.07,0,0,0,X,,,,,",  # too many fields
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.one_of(st.sampled_from(GOOD), st.sampled_from(FAULTS)), min_size=1, max_size=40),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.sampled_from([64, 300, 1 << 20]),
)
def test_fast_csv_path_equals_exact_path_on_generated_files(
    tmp_path_factory, monkeypatch, lines, newline, trailing, block
):
    body = [line.format(s=i % 60) for i, line in enumerate(lines)]
    text = newline.join([HEADER, *body]) + (newline if trailing else "")
    path = tmp_path_factory.mktemp("csv") / "noaa.csv"
    path.write_bytes(text.encode())
    with monkeypatch.context() as m:
        m.setattr(csv_engine, "CHUNK_BYTES", block)
        try:
            _same(path, monkeypatch)
        except Exception as exc:  # an unreadable file must be unreadable both ways
            with pytest.raises(type(exc)):
                _read(path, exact=True, monkeypatch=monkeypatch)


#: Length/Width cells as exports write them: numbers, blanks, 0 (unknown), negatives, text.
DIMENSION_CELLS = ["94.0", "94", " 21.5 ", "", "0", "0.0", "-5", "abc", "NaN", "511", "1e2", "3.25"]


def _metres(text: str) -> float:
    """The rule: a number > 0 is metres; anything else (0, blank, negative, text) is NaN."""
    try:
        v = float(text.strip())
    except ValueError:
        return float("nan")
    return v if 0 < v < float("inf") else float("nan")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(DIMENSION_CELLS), st.sampled_from(DIMENSION_CELLS)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([64, 1 << 20]),
)
def test_noaa_length_width_on_both_paths(tmp_path_factory, monkeypatch, cells, block):
    """NOAA ``Length``/``Width`` text -> ``length_m``/``beam_m`` by the rule, on the fast and
    the exact path; a bad value is NaN and its row is kept (as a bad SOG), nothing quarantined."""
    rows = [
        f"367000140,2020-06-30T00:{i // 60:02d}:{i % 60:02d},40.64,-74.07,0.0,1.0,511,X,,,60,0,"
        f"{length},{width}"
        for i, (length, width) in enumerate(cells)
    ]
    path = tmp_path_factory.mktemp("csv") / "noaa.csv"
    path.write_text("\n".join([HEADER + ",Length,Width", *rows]) + "\n")
    with monkeypatch.context() as m:
        m.setattr(csv_engine, "CHUNK_BYTES", block)
        _same(path, monkeypatch)
        df, q, stats = _read(path, exact=False, monkeypatch=monkeypatch)
    assert len(df) == len(cells) and len(q) == 0 and stats["quarantined"] == 0
    expect = pd.DataFrame([[_metres(a), _metres(b)] for a, b in cells], columns=["l", "b"])
    pd.testing.assert_series_equal(df["length_m"], expect["l"], check_names=False)
    pd.testing.assert_series_equal(df["beam_m"], expect["b"], check_names=False)
