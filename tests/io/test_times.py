"""The one time parser (navwatch.io.times): every supported format round-trips random instants,
detection per column, bad values quarantined with the column and value, a column with no
readable value is one IngestError, and every tabular reader goes through it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from navwatch import schema
from navwatch.errors import IngestError
from navwatch.io import read_observations
from navwatch.io.evidence import read_sightings, read_surveys
from navwatch.io.tables import read_dma, read_generic_csv, read_noaa, read_parquet
from navwatch.io.times import TimeColumn, detect_time_format, parse_times, to_utc
from navwatch.quarantine import Quarantine

# ------------------------------------------------------------------ round trip (Hypothesis)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
AFTER_1973 = datetime(1973, 3, 4, tzinfo=UTC)  # ms and us epochs are read right from here on


def _ns(t: datetime, frac_ns: int = 0) -> int:
    return (t - EPOCH) // timedelta(seconds=1) * 10**9 + frac_ns


def _frac(frac_ns: int, digits: int) -> str:
    return "" if digits == 0 else "." + f"{frac_ns:09d}"[:digits]


def _offset(minutes: int, colon: bool = True) -> str:
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


# Each case: (name, formatter(utc datetime, ns fraction, offset minutes) -> text, dayfirst,
# digits of the fraction kept, whether the instant must be after 1973-03-04).
def _local(t: datetime, off: int) -> datetime:
    return (t + timedelta(minutes=off)).replace(tzinfo=None)


CASES = {
    "iso T naive": (lambda t, f, o: t.strftime("%Y-%m-%dT%H:%M:%S") + _frac(f, 9), False, 9, False),
    "iso space naive": (
        lambda t, f, o: t.strftime("%Y-%m-%d %H:%M:%S") + _frac(f, 3),
        False,
        3,
        False,
    ),
    "iso Z": (lambda t, f, o: t.strftime("%Y-%m-%dT%H:%M:%S") + _frac(f, 6) + "Z", False, 6, False),
    "iso +HH:MM": (
        lambda t, f, o: _local(t, o).strftime("%Y-%m-%dT%H:%M:%S") + _frac(f, 9) + _offset(o),
        False,
        9,
        False,
    ),
    "iso +HHMM space": (
        lambda t, f, o: _local(t, o).strftime("%Y-%m-%d %H:%M:%S") + _offset(o, colon=False),
        False,
        0,
        False,
    ),
    "aisstream": (
        lambda t, f, o: t.strftime("%Y-%m-%d %H:%M:%S") + _frac(f, 9) + " +0000 UTC",
        False,
        9,
        False,
    ),
    "YYYYMMDD_HHMMSS": (lambda t, f, o: t.strftime("%Y%m%d_%H%M%S"), False, 0, False),
    "YYYY/MM/DD": (lambda t, f, o: t.strftime("%Y/%m/%d %H:%M:%S"), False, 0, False),
    "dd/mm/YYYY (DMA)": (lambda t, f, o: t.strftime("%d/%m/%Y %H:%M:%S"), True, 0, False),
    "d/m/YYYY unpadded (DMA)": (
        lambda t, f, o: f"{t.day}/{t.month}/{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}",
        True,
        0,
        False,
    ),
    "mm/dd/YYYY": (lambda t, f, o: t.strftime("%m/%d/%Y %H:%M:%S"), False, 0, False),
    "epoch s text": (lambda t, f, o: str(_ns(t) // 10**9), False, 0, False),
    "epoch ms text": (lambda t, f, o: str(_ns(t, f) // 10**6), False, 3, True),
    "epoch us text": (lambda t, f, o: str(_ns(t, f) // 10**3), False, 6, True),
    "epoch s.fff text": (lambda t, f, o: str(_ns(t) // 10**9) + _frac(f, 3), False, 3, True),
}

_instants = st.lists(
    st.tuples(
        st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(2200, 12, 31)).map(
            lambda d: d.replace(microsecond=0, tzinfo=UTC)
        ),
        st.integers(0, 999_999_999),
        st.integers(-14 * 4, 14 * 4).map(lambda q: q * 15),  # offsets in quarter hours
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=40, deadline=None)
@given(values=_instants)
def test_property_every_format_round_trips(case, values):
    fmt, dayfirst, digits, after_1973 = CASES[case]
    if after_1973:
        values = [(max(t, AFTER_1973), f, o) for t, f, o in values]
    text = [fmt(t, f, o) for t, f, o in values]
    expected = [
        _ns(t, (f // 10 ** (9 - digits)) * 10 ** (9 - digits) if digits else 0)
        for t, f, o in values
    ]
    tc = TimeColumn("p.csv", "time", dayfirst=dayfirst)
    times, reasons = tc.parse(text)
    tc.finish()
    assert reasons is None, (text, reasons)
    if case.startswith("epoch s.fff"):  # float: the microsecond is rounded
        got = times.array.asi8
        assert np.abs(got - np.array(expected)).max() <= 1000, (text, times.tolist())
    else:
        assert times.array.asi8.tolist() == expected, (text, times.tolist())


@settings(max_examples=40, deadline=None)
@given(values=_instants.map(lambda v: [(max(t, AFTER_1973), f, o) for t, f, o in v]))
def test_property_numeric_epoch_columns(values):
    """Integer columns (not text) in s, ms and us: unit by magnitude, exact."""
    for div in (10**9, 10**6, 10**3):
        ns = [_ns(t, f) // div * div for t, f, o in values]
        arr = pa.array([v // div for v in ns], pa.int64())
        times, reasons = TimeColumn("p.parquet", "t").parse(arr)
        assert reasons is None and times.array.asi8.tolist() == ns


# ------------------------------------------------------------------ detection and reasons


@pytest.mark.parametrize(
    "sample,label",
    [
        (["2024-12-02T06:00:00Z", "2024-12-02 07:00"], "ISO 8601"),
        (["20210701_185151"], "YYYYMMDD_HHMMSS"),
        (["2021/07/01 18:51:51"], "YYYY/MM/DD HH:MM:SS"),
        (["03/12/2024 10:00:00"], "mm/dd/YYYY HH:MM:SS"),  # ambiguous: month first
        (["03/12/2024 10:00:00", "13/12/2024 10:00:00"], "dd/mm/YYYY HH:MM:SS"),  # proven
        (["1733212800", "1733212800123"], "epoch seconds/milliseconds/microseconds"),
        (["Dec 03 2024 10:00", "Dec 04 2024 11:00"], "%b %d %Y %H:%M (guessed)"),
    ],
)
def test_detection(sample, label):
    assert detect_time_format(sample).label == label


def test_dayfirst_never_tries_month_first():
    assert detect_time_format(["12/31/2024 10:00:00"], dayfirst=True) is None
    assert detect_time_format(["12/31/2024 10:00:00"]).label == "mm/dd/YYYY HH:MM:SS"


def test_one_format_per_column_and_reasons_name_column_and_value():
    tc = TimeColumn("f.csv", "BaseDateTime")
    times, reasons = tc.parse(
        [
            "2024-12-02T06:00:00",
            "20241202_060000",
            "2024-02-30T00:00:00",
            "2300-01-01T00:00:00",
            None,
        ]
    )
    assert tc.format == "ISO 8601"
    assert times[0] == pd.Timestamp("2024-12-02T06:00Z") and times[1:].isna().all()
    assert reasons.tolist() == [
        None,
        "column 'BaseDateTime': cannot read '20241202_060000' as a time (ISO 8601)",
        "column 'BaseDateTime': cannot read '2024-02-30T00:00:00' as a time (ISO 8601)",
        "column 'BaseDateTime': cannot read '2300-01-01T00:00:00' as a time (ISO 8601)",
        "column 'BaseDateTime' is empty",
    ]
    # the format found in the first block is kept for the next ones
    later, _ = tc.parse(["2024-12-03 06:00", "20241203_060000"])
    assert later[0] == pd.Timestamp("2024-12-03T06:00Z") and pd.isna(later[1])


def test_roll_over_days_are_bad_not_moved():
    for fmt, text in [
        (
            "dd/mm/YYYY HH:MM:SS",
            ["28/02/2023 00:00:00", "31/02/2023 00:00:00", "29/2/2023 0:00:00"],
        ),
        ("YYYYMMDD_HHMMSS", ["20230228_000000", "20230231_000000", "20230229_000000"]),
        (
            "YYYY/MM/DD HH:MM:SS",
            ["2023/02/28 00:00:00", "2023/02/31 00:00:00", "2023/2/29 00:00:00"],
        ),
    ]:
        tc = TimeColumn("f", "t", dayfirst=True)
        times, _ = tc.parse(text)
        assert tc.format == fmt
        assert times[0] == pd.Timestamp("2023-02-28T00:00Z") and times[1:].isna().all(), text


def test_unreadable_column_is_one_ingest_error_at_once_or_at_the_end():
    many = TimeColumn("big.csv", "Time")
    with pytest.raises(
        IngestError, match=r"big.csv: column 'Time': cannot read times such as 'soon'"
    ):
        many.parse(["soon"] * 2000)  # enough values: no need to read on
    few = TimeColumn("f.csv", "Time")
    times, _ = few.parse(["soon", "later"])
    assert times.isna().all()
    later, _ = few.parse(["2024-12-02T06:00Z"])  # a later block can still decide the format
    few.finish()
    assert later[0] == pd.Timestamp("2024-12-02T06:00Z")
    never = TimeColumn("f.csv", "Time")
    never.parse(["soon"])
    with pytest.raises(IngestError, match="cannot read times such as 'soon'"):
        never.finish()
    empty = TimeColumn("f.csv", "Time")
    assert empty.parse([None, None])[0].isna().all()
    empty.finish()  # no value at all: the rows are bad_time (empty), not an unreadable column


def test_parse_times_and_to_utc_api():
    assert parse_times(["2026-10-08 03:04:05.123456789 +0000 UTC"])[0] == pd.Timestamp(
        "2026-10-08T03:04:05.123456789Z"
    )
    s = pd.Series(["20210701_185151", "20210701_185152"], index=[10, 11], name="t")
    got = to_utc(s)
    assert list(got.index) == [10, 11] and str(got.dtype) == "datetime64[ns, UTC]"
    assert got[10] == pd.Timestamp("2021-07-01T18:51:51Z")
    assert schema.to_utc(["1733212800123"])[0] == pd.Timestamp("2024-12-03T08:00:00.123Z")
    mixed = pd.Series(
        [pd.Timestamp("2024-12-02 08:00", tz="Europe/Paris"), "2024-12-02T06:00Z", None]
    )
    assert to_utc(mixed).tolist()[:2] == [
        pd.Timestamp("2024-12-02T07:00Z"),
        pd.Timestamp("2024-12-02T06:00Z"),
    ]
    assert to_utc(["not a time"]).isna().all()  # the Python API never raises
    df = pd.DataFrame(
        {
            "time": ["2021/07/01 18:51:51"],
            "lat": [1.0],
            "lon": [2.0],
            "kind": ["ais"],
            "mmsi": [211000001],
        }
    )
    assert schema.conform(df)["time"][0] == pd.Timestamp("2021-07-01T18:51:51Z")


# ------------------------------------------------------------------ through the readers


def test_generic_csv_unreadable_time_column_names_file_column_value(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("Time,lat,lon,mmsi\n01.07.2021 um 18:51,34.9,35.8,211000001\n")
    with pytest.raises(IngestError) as err:
        read_generic_csv(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}: column 'Time': cannot read times such as '01.07.2021 um 18:51'")
    with pytest.raises(IngestError, match="column 'Time'"):
        read_observations(p)


def test_bad_time_rows_quarantined_with_column_and_value(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "Timestamp,lat,lon,mmsi\n"
        "20210701_185151,34.9,35.8,211000001\n"
        "2021-07-01T18:51:52,34.9,35.8,211000001\n"
        "20210732_185153,34.9,35.8,211000001\n"
        ",34.9,35.8,211000001\n"
        "20210701_185154,34.9,35.8,211000001\n"
    )
    q = Quarantine()
    df = read_generic_csv(p, quarantine=q)
    assert df["time"].tolist() == [
        pd.Timestamp("2021-07-01T18:51:51Z"),
        pd.Timestamp("2021-07-01T18:51:54Z"),
    ]
    qf = q.to_frame()
    assert qf[["line", "code"]].values.tolist() == [
        [3, "bad_time"],
        [4, "bad_time"],
        [5, "bad_time"],
    ]
    assert qf["reason"].tolist() == [
        "column 'Timestamp': cannot read '2021-07-01T18:51:52' as a time (YYYYMMDD_HHMMSS)",
        "column 'Timestamp': cannot read '20210732_185153' as a time (YYYYMMDD_HHMMSS)",
        "column 'Timestamp' is empty",
    ]


def test_noaa_bad_time_reason(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text(
        "MMSI,BaseDateTime,LAT,LON\n"
        "367000140,2020-06-30T00:00:00,40.6,-74.0\n"
        "367000140,2020-06-31T25:00:00,40.6,-74.0\n"
    )
    q = Quarantine()
    assert len(read_noaa(p, quarantine=q)) == 1
    assert q.to_frame()["reason"].tolist() == [
        "column 'BaseDateTime': cannot read '2020-06-31T25:00:00' as a time (ISO 8601)"
    ]


def test_dma_is_day_first_only(tmp_path):
    p = tmp_path / "dma.csv"
    p.write_text(
        "# Timestamp,Type of mobile,MMSI,Latitude,Longitude\n"
        "03/12/2024 10:00:00,Class A,219000001,55.7,12.6\n"
        "12/31/2024 10:00:00,Class A,219000001,55.7,12.6\n"
    )
    q = Quarantine()
    df = read_dma(p, quarantine=q)
    assert df["time"].tolist() == [pd.Timestamp("2024-12-03T10:00Z")]
    assert q.to_frame()["reason"].tolist() == [
        "column '# Timestamp': cannot read '12/31/2024 10:00:00' as a time (dd/mm/YYYY HH:MM:SS)"
    ]


def test_generic_csv_day_first_when_the_sample_proves_it(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "time,lat,lon,mmsi\n03/12/2024 10:00,1,2,211000001\n13/12/2024 10:00,1,2,211000001\n"
    )
    assert read_generic_csv(p)["time"].dt.day.tolist() == [3, 13]


def test_parquet_text_and_integer_time_columns(tmp_path):
    p = tmp_path / "a.parquet"
    pq.write_table(
        pa.table(
            {
                "time": ["2026-10-08 03:04:05.5 +0000 UTC", "2026-10-08 03:04:06 +0000 UTC"],
                "lat": [1.0, 1.0],
                "lon": [2.0, 2.0],
                "mmsi": [211000001, 211000001],
            }
        ),
        p,
    )
    assert read_parquet(p)["time"].tolist() == [
        pd.Timestamp("2026-10-08T03:04:05.5Z"),
        pd.Timestamp("2026-10-08T03:04:06Z"),
    ]
    p2 = tmp_path / "b.parquet"
    pq.write_table(
        pa.table(
            {
                "t": pa.array([1733212800123], pa.int64()),
                "lat": [1.0],
                "lon": [2.0],
                "mmsi": [211000001],
            }
        ),
        p2,
    )
    assert read_parquet(p2)["time"][0] == pd.Timestamp("2024-12-03T08:00:00.123Z")


def test_sightings_and_surveys_read_every_format(tmp_path):
    s = tmp_path / "s.csv"
    s.write_text(
        "time,vessel,lat,lon,source,confidence,notes\n"
        "20241202_060000,Yelnya,34.9,35.87,Maxar,,\n"
        "20241203_061500,Yelnya,34.9,35.87,Maxar,,\n"
    )
    assert read_sightings(s)["time"].tolist() == [
        pd.Timestamp("2024-12-02T06:00Z"),
        pd.Timestamp("2024-12-03T06:15Z"),
    ]
    v = tmp_path / "v.csv"
    v.write_text(
        "time,port,source,coverage,present,notes\n2024/12/10 09:00:00,Tartus,Planet,full,Yelnya,\n"
    )
    assert read_surveys(v)["time"][0] == pd.Timestamp("2024-12-10T09:00Z")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "time,port,source,coverage,present,notes\nlast week,Tartus,Planet,full,Yelnya,\n"
    )
    with pytest.raises(IngestError, match="column 'time': cannot read times such as 'last week'"):
        read_surveys(bad)


# ------------------------------------------------------------------ speed


@pytest.mark.parametrize(
    "fmt,dayfirst",
    [("%Y-%m-%dT%H:%M:%S", False), ("%Y-%m-%dT%H:%M:%SZ", False), ("%d/%m/%Y %H:%M:%S", True),
     ("%Y%m%d_%H%M%S", False)],
)  # fmt: skip
def test_many_values_parse_in_every_format(fmt, dayfirst):
    n = 100_000
    base = pd.Timestamp("2020-06-30") + pd.to_timedelta(np.arange(n) * 7, unit="s")
    text = pa.array(base.strftime(fmt).tolist(), pa.string())
    times, reasons = TimeColumn("big.csv", "t", dayfirst=dayfirst).parse(text)
    assert reasons is None and times.iloc[-1] == base[-1].tz_localize("UTC")
    assert (times.to_numpy() == base.tz_localize("UTC").to_numpy()).all()
