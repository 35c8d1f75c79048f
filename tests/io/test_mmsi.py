"""MMSI validation in the tabular readers (navwatch.io.mmsi): malformed -> bad_mmsi, non-vessel
stations (ITU-R M.585) skipped and counted by class, nonstandard 9-digit numbers (first digit not
2-7) kept and counted as ``nonstandard_mmsi``, and every row accounted for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from navwatch.io import read_observations
from navwatch.io.mmsi import (
    BAD,
    KEEP,
    NON_VESSEL_CLASSES,
    check_mmsi,
    classify_mmsi,
    count_nonstandard,
    is_nonstandard,
)
from navwatch.io.tables import read_generic_csv, read_noaa, read_parquet, read_traj
from navwatch.quarantine import Quarantine


def cls(code: int) -> str | int:
    return NON_VESSEL_CLASSES[code - 1] if code > 0 else int(code)


@pytest.mark.parametrize(
    "mmsi,expected",
    [
        (273547800, KEEP),
        (211000001, KEEP),
        (775999999, KEEP),
        (2190047, "coast_station"),  # 002190047 written as an integer
        (219004, "coast_station"),  # six digits: the smallest accepted
        (21900470, "group_call"),  # 021900470
        (111219001, "sar_aircraft"),
        (896876500, KEEP),  # 8...: divers' radio in M.585, but the tug MACKENZIE ROSE sends it
        (982190001, KEEP),  # 98MID...: craft of a parent ship, a vessel
        (992191234, "aid_to_navigation"),
        (970010001, "sart"),
        (972010001, "mob"),
        (974010001, "epirb"),
        (979010001, "amrd"),
        (123456789, KEEP),  # no M.585 class: a transponder left at a default, still a ship
        (900527247, KEEP),
        (111999999, "sar_aircraft"),
        (110000000, KEEP),
        (990000000, "aid_to_navigation"),
        (971010001, KEEP),  # 97x other than 970/972/974/979
        (12345, BAD),  # fewer than 6 digits
        (0, BAD),
        (1_000_000_000, BAD),  # more than 9 digits
    ],
)
def test_classify(mmsi, expected):
    assert cls(classify_mmsi([mmsi])[0]) == expected


def test_removed_classes_are_gone():
    assert not {"divers_radio", "parent_ship_craft", "unallocated"} & set(NON_VESSEL_CLASSES)
    assert len(NON_VESSEL_CLASSES) == 8


@pytest.mark.parametrize(
    "mmsi,expected",
    [
        (273547800, False),
        (211000001, False),
        (775999999, False),
        (200000000, False),
        (799999999, False),
        (199999999, True),
        (100000000, True),
        (800000000, True),
        (896876500, True),
        (982190001, True),
        (123456789, True),
        (999999999, True),
        (2190047, False),  # coast station: not 9 digits
        (21900470, False),  # group call
        (99999999, False),
        (1_000_000_000, False),
    ],
)
def test_is_nonstandard(mmsi, expected):
    assert is_nonstandard([mmsi]).tolist() == [expected]
    assert is_nonstandard(pd.array([mmsi], dtype="Int64")).tolist() == [expected]
    assert is_nonstandard(np.array([float(mmsi)])).tolist() == [expected]


def test_count_nonstandard_ignores_missing():
    assert count_nonstandard(pd.Series([896876500, None, 273547800, 123456789], dtype="Int64")) == 2
    assert count_nonstandard([np.nan, None]) == 0
    assert count_nonstandard(pd.array([], dtype="Int64")) == 0


def test_check_text_and_numbers():
    c = check_mmsi(
        [
            "273547800",
            " 367000150.0 ",
            "002190047",
            "hello",
            "-5",
            "1234567890",
            "12345",
            "2.5e8",
            "211000001.5",
            None,
            "",
        ]
    )
    assert c.mmsi.tolist()[:2] == [273547800, 367000150]
    assert [cls(x) for x in c.code] == [0, 0, "coast_station", -1, -1, -1, -1, 0, -1, 0, 0]
    assert [r for r in c.reason if r] == [
        "MMSI 'hello' is not a number",
        "MMSI '-5' is negative",
        "MMSI '1234567890' has more than 9 digits",
        "MMSI '12345' has fewer than 6 digits",
        "MMSI '211000001.5' is not a whole number",
    ]
    floats = check_mmsi(pa.array([273547800.0, np.nan, None]))
    assert floats.code.tolist() == [0, 0, 0] and floats.mmsi.isna().tolist() == [False, True, True]


ROWS = [
    ("273547800", "ship"),
    ("hello", "bad_mmsi"),
    ("-5", "bad_mmsi"),
    ("1234567890", "bad_mmsi"),
    ("12345", "bad_mmsi"),
    ("2190047", "coast_station"),
    ("002190047", "coast_station"),
    ("21900470", "group_call"),
    ("111219001", "sar_aircraft"),
    ("821900001", "nonstandard"),  # kept and counted
    ("982190001", "nonstandard"),
    ("992191234", "aid_to_navigation"),
    ("970010001", "sart"),
    ("972010001", "mob"),
    ("974010001", "epirb"),
    ("123456789", "nonstandard"),
    ("", "ship"),  # no MMSI: identified by name, fine
    ("367000150.0", "ship"),
]


def _csv(tmp_path, rows=ROWS):
    p = tmp_path / "g.csv"
    body = "".join(
        f"2024-12-02T06:{i:02d}:00Z,34.9,35.8,{m},VESSEL {i}\n" for i, (m, _) in enumerate(rows)
    )
    p.write_text("time,lat,lon,mmsi,name\n" + body)
    return p


def test_generic_csv_mmsi_rules_and_accounting(tmp_path):
    p = _csv(tmp_path)
    q = Quarantine()
    df = read_generic_csv(p, quarantine=q)
    want_kept = [i for i, (_, fate) in enumerate(ROWS) if fate in ("ship", "nonstandard")]
    assert df["src_line"].tolist() == [i + 2 for i in want_kept]
    assert df["mmsi"].tolist() == [273547800, 821900001, 982190001, 123456789, pd.NA, 367000150]
    assert df["name"][4] == "VESSEL 16"
    qf = q.to_frame()
    assert qf["code"].eq("bad_mmsi").all() and qf["file"].eq(str(p)).all()
    assert qf["line"].tolist() == [3, 4, 5, 6]
    assert "'hello' is not a number" in qf["reason"][0] and qf["raw"][0].startswith(
        "2024-12-02T06:01"
    )
    st = df.attrs["stats"]
    expect = {}
    for _, fate in ROWS:
        if fate not in ("ship", "nonstandard", "bad_mmsi"):
            expect[fate] = expect.get(fate, 0) + 1
    assert st["skipped_by_class"] == expect
    assert st["nonstandard_mmsi"] == sum(fate == "nonstandard" for _, fate in ROWS) == 3
    assert st["records"] == len(ROWS) == st["rows"] + st["quarantined"] + st["skipped_non_vessel"]
    # the same through read_observations
    rs = read_observations(p).attrs["read_stats"]
    assert rs["skipped_non_vessel"] == sum(expect.values()) == rs["files"][0]["skipped_non_vessel"]
    assert rs["files"][0]["nonstandard_mmsi"] == 3


def test_nonstandard_counts_only_kept_rows(tmp_path):
    """A nonstandard MMSI on a row quarantined for another reason is not counted; rows with
    only ship MMSIs count 0."""
    p = tmp_path / "g.csv"
    p.write_text(
        "time,lat,lon,mmsi\n"
        "2024-12-02T06:00Z,34.9,35.8,896876500\n"
        "2024-12-02T06:01Z,91,35.8,896876500\n"  # bad position: quarantined, not counted
        "soon,34.9,35.8,123456789\n"  # bad time: quarantined, not counted
        "2024-12-02T06:02Z,34.9,35.8,992191234\n"  # AtoN: skipped, not counted
        "2024-12-02T06:03Z,34.9,35.8,211000001\n"
    )
    q = Quarantine()
    df = read_generic_csv(p, quarantine=q)
    st = df.attrs["stats"]
    assert df["mmsi"].tolist() == [896876500, 211000001]
    assert st["nonstandard_mmsi"] == 1 and st["quarantined"] == 2 and st["skipped_non_vessel"] == 1
    ships = tmp_path / "s.csv"
    ships.write_text("time,lat,lon,mmsi\n2024-12-02T06:00Z,34.9,35.8,211000001\n")
    assert read_generic_csv(ships).attrs["stats"]["nonstandard_mmsi"] == 0
    no_mmsi = tmp_path / "n.csv"
    no_mmsi.write_text("time,lat,lon,name\n2024-12-02T06:00Z,34.9,35.8,BLUE BOAT\n")
    assert read_generic_csv(no_mmsi).attrs["stats"]["nonstandard_mmsi"] == 0


def test_bad_time_wins_over_bad_mmsi_and_skipped_rows_are_not_judged(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "time,lat,lon,mmsi\n"
        "soon,34.9,35.8,hello\n"  # both bad: the time is reported
        "2024-12-02T06:00Z,91,181,992191234\n"  # an AtoN with no position: skipped, not quarantined
        "2024-12-02T06:00Z,34.9,35.8,211000001\n"
    )
    q = Quarantine()
    df = read_generic_csv(p, quarantine=q)
    assert len(df) == 1 and q.to_frame()["code"].tolist() == ["bad_time"]
    assert df.attrs["stats"]["skipped_by_class"] == {"aid_to_navigation": 1}


def test_noaa_mmsi_rules(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text(
        "MMSI,BaseDateTime,LAT,LON\n"
        "367000140,2020-06-30T00:00:00,40.6,-74.0\n"
        "3669999,2020-06-30T00:00:00,40.6,-74.0\n"
        "993669001,2020-06-30T00:00:00,40.6,-74.0\n"
        "36700014,2020-06-30T00:00:00,40.6,-74.0\n"
        "9999999999,2020-06-30T00:00:00,40.6,-74.0\n"
        "896876500,2020-06-30T00:00:00,40.6,-74.0\n"
    )
    q = Quarantine()
    df = read_noaa(p, quarantine=q)
    assert df["mmsi"].tolist() == [367000140, 896876500]
    assert df.attrs["stats"]["nonstandard_mmsi"] == 1
    assert q.to_frame()[["line", "code"]].values.tolist() == [[6, "bad_mmsi"]]
    assert df.attrs["stats"]["skipped_by_class"] == {
        "coast_station": 1,
        "aid_to_navigation": 1,
        "group_call": 1,
    }


def test_parquet_integer_and_float_mmsi(tmp_path):
    p = tmp_path / "a.parquet"
    pq.write_table(
        pa.table(
            {
                "time": pa.array([1733212800] * 6, pa.int64()),
                "lat": [1.0] * 6,
                "lon": [2.0] * 6,
                "mmsi": pa.array([211000001, 2190047, 12, 970010001, None, 982190001], pa.int64()),
                "name": ["A", "B", "C", "D", "E", "F"],
            }
        ),
        p,
    )
    q = Quarantine()
    df = read_parquet(p, quarantine=q)
    assert df["name"].tolist() == ["A", "E", "F"]
    assert q.to_frame()[["line", "code"]].values.tolist() == [[3, "bad_mmsi"]]
    assert df.attrs["stats"]["skipped_by_class"] == {"coast_station": 1, "sart": 1}
    assert df.attrs["stats"]["nonstandard_mmsi"] == 1
    floats = tmp_path / "f.parquet"
    pd.DataFrame(
        {
            "time": ["2024-12-03T08:00Z"] * 3,
            "lat": 1.0,
            "lon": 2.0,
            "mmsi": [896876500.0, np.nan, 211000001.0],
        }
    ).to_parquet(floats)
    assert read_parquet(floats).attrs["stats"]["nonstandard_mmsi"] == 1


def test_traj_numeric_ids_are_checked_named_ids_kept(tmp_path):
    p = tmp_path / "t.traj"
    pts = [
        ("367073680", "2020-12-01 11:31:39"),
        ("993669001", "2020-12-01 11:31:40"),
        ("12", "2020-12-01 11:31:41"),
        ("BLUE BOAT", "2020-12-01 11:31:42"),
        ("896876500", "2020-12-01 11:31:43"),
    ]
    body = ",".join(f"{i},{t},-74.03,40.71" for i, t in pts)
    p.write_text(f"*T*,u1,terrestrial,{len(pts)},0,*P*,terrestrial,2,1,1,0,{body}\n")
    q = Quarantine()
    df = read_traj(p, quarantine=q)
    assert df["mmsi"].tolist() == [367073680, pd.NA, 896876500]
    assert df["vessel"].tolist() == [pd.NA, "BLUE BOAT", pd.NA]
    assert q.to_frame()["code"].tolist() == ["bad_mmsi"]
    st = df.attrs["stats"]
    assert st["skipped_by_class"] == {"aid_to_navigation": 1}
    assert st["nonstandard_mmsi"] == 1
    assert st["points"] == len(df) + st["skipped_non_vessel"] + len(q)
