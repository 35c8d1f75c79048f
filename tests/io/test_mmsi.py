"""MMSI validation in the tabular readers (navwatch.io.mmsi): malformed -> bad_mmsi, non-vessel
stations (ITU-R M.585) skipped and counted by class, and every row accounted for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from navwatch.io import read_observations
from navwatch.io.mmsi import BAD, KEEP, NON_VESSEL_CLASSES, check_mmsi, classify_mmsi
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
        (896876500, "divers_radio"),
        (982190001, "parent_ship_craft"),
        (992191234, "aid_to_navigation"),
        (970010001, "sart"),
        (972010001, "mob"),
        (974010001, "epirb"),
        (979010001, "amrd"),
        (123456789, "unallocated"),
        (900527247, "unallocated"),
        (12345, BAD),  # fewer than 6 digits
        (0, BAD),
        (1_000_000_000, BAD),  # more than 9 digits
    ],
)
def test_classify(mmsi, expected):
    assert cls(classify_mmsi([mmsi])[0]) == expected


def test_check_text_and_numbers():
    c = check_mmsi(["273547800", " 367000150.0 ", "002190047", "hello", "-5", "1234567890", "12345", "2.5e8", "211000001.5", None, ""])
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
    ("821900001", "divers_radio"),
    ("982190001", "parent_ship_craft"),
    ("992191234", "aid_to_navigation"),
    ("970010001", "sart"),
    ("972010001", "mob"),
    ("974010001", "epirb"),
    ("123456789", "unallocated"),
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
    want_kept = [i for i, (_, fate) in enumerate(ROWS) if fate == "ship"]
    assert df["src_line"].tolist() == [i + 2 for i in want_kept]
    assert df["mmsi"].tolist() == [273547800, pd.NA, 367000150]
    assert df["name"][1] == "VESSEL 16"
    qf = q.to_frame()
    assert qf["code"].eq("bad_mmsi").all() and qf["file"].eq(str(p)).all()
    assert qf["line"].tolist() == [3, 4, 5, 6]
    assert "'hello' is not a number" in qf["reason"][0] and qf["raw"][0].startswith("2024-12-02T06:01")
    st = df.attrs["stats"]
    expect = {}
    for _, fate in ROWS:
        if fate not in ("ship", "bad_mmsi"):
            expect[fate] = expect.get(fate, 0) + 1
    assert st["skipped_by_class"] == expect
    assert st["records"] == len(ROWS) == st["rows"] + st["quarantined"] + st["skipped_non_vessel"]
    # the same through read_observations
    rs = read_observations(p).attrs["read_stats"]
    assert rs["skipped_non_vessel"] == sum(expect.values()) == rs["files"][0]["skipped_non_vessel"]


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
    )
    q = Quarantine()
    df = read_noaa(p, quarantine=q)
    assert df["mmsi"].tolist() == [367000140]
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
                "time": pa.array([1733212800] * 5, pa.int64()),
                "lat": [1.0] * 5,
                "lon": [2.0] * 5,
                "mmsi": pa.array([211000001, 2190047, 12, 970010001, None], pa.int64()),
                "name": ["A", "B", "C", "D", "E"],
            }
        ),
        p,
    )
    q = Quarantine()
    df = read_parquet(p, quarantine=q)
    assert df["name"].tolist() == ["A", "E"]
    assert q.to_frame()[["line", "code"]].values.tolist() == [[3, "bad_mmsi"]]
    assert df.attrs["stats"]["skipped_by_class"] == {"coast_station": 1, "sart": 1}


def test_traj_numeric_ids_are_checked_named_ids_kept(tmp_path):
    p = tmp_path / "t.traj"
    pts = [
        ("367073680", "2020-12-01 11:31:39"),
        ("993669001", "2020-12-01 11:31:40"),
        ("12", "2020-12-01 11:31:41"),
        ("BLUE BOAT", "2020-12-01 11:31:42"),
    ]
    body = ",".join(f"{i},{t},-74.03,40.71" for i, t in pts)
    p.write_text(f"*T*,u1,terrestrial,{len(pts)},0,*P*,terrestrial,2,1,1,0,{body}\n")
    q = Quarantine()
    df = read_traj(p, quarantine=q)
    assert df["mmsi"].tolist() == [367073680, pd.NA]
    assert df["vessel"].tolist() == [pd.NA, "BLUE BOAT"]
    assert q.to_frame()["code"].tolist() == ["bad_mmsi"]
    st = df.attrs["stats"]
    assert st["skipped_by_class"] == {"aid_to_navigation": 1}
    assert st["points"] == len(df) + st["skipped_non_vessel"] + len(q)
