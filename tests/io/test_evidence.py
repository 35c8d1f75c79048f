"""Sightings and survey readers, plus a Hypothesis property: junk never crashes a CSV reader and
every data row is either returned or quarantined."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch import schema
from navwatch.errors import IngestError
from navwatch.io import tables
from navwatch.io.evidence import read_sightings, read_surveys
from navwatch.io.mmsi import BAD, check_mmsi, classify_mmsi
from navwatch.io.tables import read_generic_csv
from navwatch.quarantine import Quarantine

DATA = Path(__file__).resolve().parents[1] / "data" / "evidence"
SIGHTINGS = DATA / "sightings.csv"
SURVEYS = DATA / "surveys.csv"


def test_sightings_file():
    q = Quarantine()
    df = read_sightings(SIGHTINGS, quarantine=q)
    assert list(df["vessel"]) == [
        "Yelnya",
        "Admiral Gorshkov class x2",
        "Novorossiysk",
        "Yelnya",
        "Ivan Khurs",
        "Yelnya",
    ]
    assert (df["kind"] == "sighting").all()
    for c in df.columns:
        if c in schema.DTYPES:
            assert str(df[c].dtype) == str(schema.DTYPES[c]), c
    assert "mmsi" not in df.columns
    # naive = UTC; +02:00 converted
    assert df["time"][1] == pd.Timestamp("2024-12-02T08:30Z")
    assert df["time"][2] == pd.Timestamp("2024-12-03T09:15Z")
    # empty confidence -> NaN (kind default applies later); 1.4 is not understood: the row is
    # kept with NaN and the value counted as a warning, not quarantined
    assert np.isnan(df["confidence"][1]) and df["confidence"][0] == 0.9
    assert np.isnan(df["confidence"][3]) and df["src_line"][3] == 6
    assert df.attrs["stats"]["confidence_unknown"] == {"1.4": 1}
    assert df["notes"][1] == "two frigates, moored stern-to"
    assert df["source"][1] == "spotter:@osint_med"
    # quoted multi-line notes: the record starts on line 7, the next record is on line 9
    assert df["src_line"].tolist() == [2, 3, 4, 6, 7, 9]
    assert df["notes"][4] == "seen leaving\nheading west"
    qf = q.to_frame()
    assert qf[["line", "code"]].values.tolist() == [[5, "no_position"]]
    assert (qf["file"] == str(SIGHTINGS)).all()


def test_sightings_confidence_text_and_extra_columns(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(
        "time,vessel,lat,lon,source,confidence,notes,analyst\n"
        "2024-12-02T06:00Z,Yelnya,34.9,35.87,Maxar,high,,bob\n"
        "2024-12-02T06:00Z,Yelnya,34.9,35.87,Maxar,-0.1,,bob\n"
        "2024-12-02T06:00Z,,34.9,35.87,Maxar,0.5,,bob\n"
        "2024-12-02T06:00Z,Yelnya,34.9,35.87,Maxar,1,,bob\n"
    )
    q = Quarantine()
    df = read_sightings(p, quarantine=q)
    assert "analyst" not in df.columns
    assert df["src_line"].tolist() == [2, 3, 5]
    np.testing.assert_array_equal(df["confidence"], [0.85, np.nan, 1.0])
    assert df.attrs["stats"]["confidence_unknown"] == {"-0.1": 1}
    assert q.to_frame()[["line", "code"]].values.tolist() == [[4, "no_vessel"]]


def test_sightings_missing_column(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("time,vessel,lat,source\n2024-12-02,Yelnya,34.9,x\n")
    with pytest.raises(IngestError, match="lon") as err:
        read_sightings(p)
    assert str(p) in str(err.value)


def test_surveys_file():
    q = Quarantine()
    df = read_surveys(SURVEYS, quarantine=q)
    assert len(df) == 3  # one row per survey, not expanded
    assert (df["kind"] == "survey").all()
    assert df["port"].tolist() == ["Tartus", "Tartus/anchorage", "Tartus"]
    assert df["coverage"].tolist() == ["full", "partial", "full"]
    assert df["vessel"][0] == "Yelnya|Admiral Gorshkov class x2"
    assert pd.isna(df["vessel"][1]) and pd.isna(df["vessel"][2])  # nothing seen
    assert df["lat"].isna().all() and df["lon"].isna().all()
    assert df["source"].tolist() == ["Planet", "Maxar", "Planet"]
    assert df["src_line"].tolist() == [2, 3, 7]
    assert "present" not in df.columns
    qf = q.to_frame()
    assert qf[["line", "code"]].values.tolist() == [
        [4, "no_port"],
        [5, "bad_coverage"],
        [6, "bad_time"],
    ]
    assert "'most'" in qf["reason"][1]


# ------------------------------------------------------------------ Hypothesis property

_JUNK_ALPHABET = string.ascii_letters + string.digits + " ,.:-/+;#|_"
_names = st.sampled_from(["Yelnya", "Kilo class", "Admiral Gorshkov class x2", "A,B", ""])
_times = st.one_of(
    st.datetimes(
        min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
        max_value=pd.Timestamp("2030-01-01").to_pydatetime(),
    ).map(lambda t: t.isoformat()),
    st.sampled_from(["", "yesterday", "2024-13-01T00:00", "31/02/2024 00:00:00"]),
)
_coords = st.one_of(
    st.floats(-200, 200, allow_nan=False).map(lambda v: f"{v:.5f}"),
    st.sampled_from(["", "91", "abc", "0"]),
)
_conf = st.one_of(st.floats(-1, 2, allow_nan=False).map(str), st.sampled_from(["", "high"]))
_junk = st.text(_JUNK_ALPHABET, min_size=1, max_size=60).filter(lambda s: s.strip() != "")


_ISO_ROW = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _unreadable_column(err: IngestError, rows: list[str]) -> None:
    """A file whose time column holds no readable value is one IngestError naming the column,
    not a quarantine row per line: only possible when no row carries a real time."""
    assert "column 'time" in str(err) and "cannot read times such as" in str(err)
    assert not any(_ISO_ROW.match(r) for r in rows)


def _quote(value: str) -> str:
    return f'"{value}"' if "," in value else value


@st.composite
def sightings_files(draw):
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        if draw(st.booleans()) and draw(st.booleans()):
            rows.append(draw(_junk))
        else:
            fields = [
                draw(_times),
                _quote(draw(_names)),
                draw(_coords),
                draw(_coords),
                "Maxar",
                draw(_conf),
                _quote(draw(st.sampled_from(["", "note", "a, b"]))),
            ]
            rows.append(",".join(fields))
    return rows


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=sightings_files(), small_blocks=st.booleans())
def test_property_sightings_rows_conserved(tmp_path_factory, monkeypatch, rows, small_blocks):
    p = tmp_path_factory.mktemp("h") / "s.csv"
    p.write_text("time,vessel,lat,lon,source,confidence,notes\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(tables.csv_engine, "CHUNK_BYTES", 64 if small_blocks else 32 << 20)
    q = Quarantine()
    try:
        df = read_sightings(p, quarantine=q)
    except IngestError as err:
        _unreadable_column(err, rows)
        return
    st = df.attrs["stats"]
    assert len(df) + len(q) == len(rows) == st["records"]
    assert st["rows"] + st["quarantined"] + st["skipped_non_vessel"] == st["records"]
    lines = sorted(df["src_line"].tolist() + q.to_frame()["line"].tolist())
    assert lines == list(range(2, len(rows) + 2))
    assert df["confidence"].dropna().between(0, 1).all()
    # a confidence not understood keeps its row: counted, never quarantined
    assert "bad_confidence" not in set(q.to_frame()["code"])
    assert sum(st.get("confidence_unknown", {}).values()) <= df["confidence"].isna().sum()
    assert df["time"].notna().all() and df["lat"].between(-90, 90).all()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.one_of(
            _junk,
            st.tuples(_times, st.integers(0, 10**9), _coords, _coords).map(
                lambda t: f"{t[0]},{t[1]},{t[2]},{t[3]}"
            ),
        ),
        max_size=30,
    ),
    small_blocks=st.booleans(),
)
def test_property_generic_rows_conserved(tmp_path_factory, monkeypatch, rows, small_blocks):
    p = tmp_path_factory.mktemp("g") / "g.csv"
    p.write_text("timestamp,mmsi,latitude,longitude\n" + "\n".join(rows))
    monkeypatch.setattr(tables.csv_engine, "CHUNK_BYTES", 50 if small_blocks else 32 << 20)
    q = Quarantine()
    try:
        df = read_generic_csv(p, quarantine=q)
    except IngestError as err:
        _unreadable_column(err, rows)
        return
    st = df.attrs["stats"]
    skipped = st["skipped_non_vessel"]
    assert skipped == sum(st["skipped_by_class"].values())
    # every row is accounted for: returned, quarantined, or skipped as a non-vessel station
    assert len(df) + len(q) + skipped == len(rows) == st["records"]
    assert st["rows"] + st["quarantined"] + skipped == st["records"]
    lines = sorted(df["src_line"].tolist() + q.to_frame()["line"].tolist())
    assert set(lines) <= set(range(2, len(rows) + 2)) and len(set(lines)) == len(lines)
    mmsi = df["mmsi"].dropna().astype("int64")
    assert mmsi.between(100_000_000, 999_999_999).all()  # only 9-digit MMSIs come back
    assert not classify_mmsi(mmsi.to_numpy()).any()  # none of a non-vessel class
    # those not starting 2-7 (not a ship's MID) are kept and counted
    assert st["nonstandard_mmsi"] == int((~mmsi.between(200_000_000, 799_999_999)).sum())
    qf = q.to_frame()
    for raw, reason in zip(
        qf["raw"][qf["code"] == "bad_mmsi"], qf["reason"][qf["code"] == "bad_mmsi"], strict=True
    ):
        value = raw.split(",")[1]
        assert value in reason and check_mmsi([value]).code[0] == BAD  # really malformed
