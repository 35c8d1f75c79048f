"""Tabular AIS readers: NOAA (legacy + csv2), DMA, generic CSV, Parquet/GeoParquet, GeoPackage,
GeoJSON and Tracktable .traj, on real slices (tests/data, see its README.md) and the full shared
files when present."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import zstandard
from shapely.geometry import LineString, Point

from navwatch import schema
from navwatch.errors import IngestError
from navwatch.io import tables
from navwatch.io.tables import (
    read_dma,
    read_generic_csv,
    read_geo,
    read_noaa,
    read_parquet,
    read_traj,
    recognise_columns,
)
from navwatch.quarantine import Quarantine
from tests.conftest import SHARED, needs_shared

DATA = Path(__file__).resolve().parents[1] / "data"
NYHARBOR = SHARED / "ais" / "tracktable-data-nyharbor"  # ../shared/data beside the clone
NOAA = DATA / "noaa" / "nyharbor_2020-06-30_head.csv"
CSV2 = DATA / "noaa" / "csv2_from_nyharbor.csv"
DMA = DATA / "dma" / "dma_from_nyharbor.csv"
DMA22 = DATA / "dma" / "dma22_from_nyharbor.csv"
TRAJ = DATA / "traj" / "nyharbor_2020-12_head.traj"


@pytest.fixture(scope="module")
def raw_noaa() -> pd.DataFrame:
    """The slice as plain text columns, for checking values against the source."""
    return pd.read_csv(NOAA, dtype=str, keep_default_na=False)


#: MMSI 896876500 (MACKENZIE ROSE, a tug with a misconfigured MMSI) starts with 8 (a divers' radio
#: in ITU-R M.585), but real ships broadcast such numbers: its 4 rows in the slice are kept and
#: counted as ``nonstandard_mmsi``. No row of the slice is a non-vessel station.
NONSTANDARD_MMSI = "896876500"


@pytest.fixture(scope="module")
def noaa() -> pd.DataFrame:
    return read_noaa(NOAA)


@pytest.fixture(scope="module")
def kept(raw_noaa) -> pd.DataFrame:
    """The rows of the slice a reader returns: all of them (the tug's nonstandard MMSI too)."""
    return raw_noaa.reset_index(drop=True)


def kept_lines(raw: pd.DataFrame, first: int = 2) -> list[int]:
    """File lines of the rows returned: every row (none of the slice is skipped)."""
    return list(range(first, first + len(raw)))


def assert_canonical(df: pd.DataFrame) -> None:
    for c in df.columns:
        if c in schema.DTYPES:
            assert str(df[c].dtype) == str(schema.DTYPES[c]), c
    assert set(schema.REQUIRED) <= set(df.columns)


def file_lines(path: Path) -> list[str]:
    return path.read_text().split("\n")


def lines_match(df: pd.DataFrame, path: Path) -> None:
    """Every returned row's src_line is the file line that holds its MMSI and position."""
    lines = file_lines(path)
    for mmsi, lat, line in zip(df["mmsi"], df["lat"], df["src_line"], strict=True):
        text = lines[int(line) - 1]
        assert str(mmsi) in text and repr(float(lat))[:6] in text, (line, text)


# ------------------------------------------------------------------ column recognition


def test_recognise_columns_synonyms_and_case():
    found = recognise_columns(
        ["BaseDateTime", "LAT", "LON", "MMSI", "VesselName", "CallSign", "VesselType", "Status"]
    )
    assert found == {
        "time": "BaseDateTime",
        "lat": "LAT",
        "lon": "LON",
        "mmsi": "MMSI",
        "callsign": "CallSign",
        "name": "VesselName",
        "ship_type": "VesselType",
        "nav_status": "Status",
    }
    assert recognise_columns(["date_time", "y", "x", "ship_name"]) == {
        "time": "date_time",
        "lat": "y",
        "lon": "x",
        "name": "ship_name",
    }
    # the first matching column wins, a column is used once
    assert recognise_columns(["time", "timestamp", "lat", "lon"])["time"] == "time"


def test_recognise_ais_dimensions_in_pairs_and_only_without_length():
    abcd = ["time", "lat", "lon", "MMSI", "A", "B", "C", "D"]
    assert {k: v for k, v in recognise_columns(abcd).items() if k.startswith("_dim")} == {
        "_dim_a": "A",
        "_dim_b": "B",
        "_dim_c": "C",
        "_dim_d": "D",
    }
    # a length column wins over A + B; a lone A (no B) is no dimension
    found = recognise_columns(["time", "lat", "lon", "MMSI", "Length", "A", "B", "C"])
    assert found["length_m"] == "Length"
    assert not {"_dim_a", "_dim_b", "_dim_c", "_dim_d", "beam_m"} & set(found)
    found = recognise_columns(["t", "y", "x", "mmsi", "to_bow", "to_stern", "Width"])
    assert (found["_dim_a"], found["_dim_b"], found["beam_m"]) == ("to_bow", "to_stern", "Width")


# ------------------------------------------------------------------ NOAA legacy


def test_noaa_slice_rows_lines_and_dtypes(noaa, raw_noaa, kept):
    assert len(raw_noaa) == 599 and len(noaa) == len(kept) == 599
    assert noaa.attrs["stats"] == {
        "format": "noaa",
        "records": 599,
        "rows": 599,
        "quarantined": 0,
        "skipped_non_vessel": 0,
        "skipped_by_class": {},
        "nonstandard_mmsi": 4,
    }
    # the tug MACKENZIE ROSE and its 8... MMSI are kept, with the lines they came from
    tug = noaa[noaa["mmsi"] == int(NONSTANDARD_MMSI)]
    assert (raw_noaa["MMSI"] == NONSTANDARD_MMSI).sum() == len(tug) == 4
    assert tug["name"].eq("MACKENZIE ROSE").all() and tug["callsign"].eq("WDG6760").all()
    assert tug["src_line"].tolist() == [
        i + 2 for i in np.flatnonzero(raw_noaa["MMSI"] == NONSTANDARD_MMSI)
    ]
    assert_canonical(noaa)
    assert noaa["src_line"].tolist() == kept_lines(raw_noaa)
    assert (noaa["src_file"] == str(NOAA)).all()
    assert (noaa["kind"] == "ais").all() and (noaa["source"] == "AIS").all()
    assert noaa["time"].min() == pd.Timestamp("2020-06-30T00:00:00Z")
    assert noaa["mmsi"].tolist() == kept["MMSI"].astype(int).tolist()
    np.testing.assert_allclose(noaa["lat"], kept["LAT"].astype(float))
    np.testing.assert_allclose(noaa["lon"], kept["LON"].astype(float))
    # the misspelt TranscieverClass and the ETA column are not carried over
    assert not {"TranscieverClass", "ETA", "Length"} & set(noaa.columns)


def test_noaa_value_quirks(noaa, kept):
    raw_noaa = kept
    first = noaa.iloc[0]
    assert first["imo"] == 7702774  # 'IMO7702774'
    assert first["ship_type"] == "60"  # '60.0'
    assert first["nav_status"] == 0  # '0.0'
    assert first["name"] == "SAMUEL I NEWHOUSE" and first["callsign"] == "WYR3371"
    assert pd.isna(noaa["imo"][raw_noaa["IMO"] == ""]).all()
    # Heading 511 -> NaN, others kept
    h511 = (raw_noaa["Heading"] == "511.0").to_numpy()
    assert h511.sum() > 50
    assert noaa["heading_deg"][h511].isna().all() and noaa["heading_deg"][~h511].notna().all()
    # COG: -204.8..-0.1 is the signed-12-bit artefact (+409.6); -49.6 (=360) is 'not available'
    cog = raw_noaa["COG"].astype(float).to_numpy()
    assert cog.min() < -150 and first["cog_deg"] == pytest.approx(349.0)  # -60.6
    na = cog == -49.6
    assert noaa["cog_deg"][na].isna().all()
    ok = noaa["cog_deg"][~na]
    assert ok.notna().all() and ((ok >= 0) & (ok < 360)).all()
    np.testing.assert_allclose(ok[cog[~na] >= 0], cog[~na][cog[~na] >= 0])
    np.testing.assert_allclose(ok[cog[~na] < 0], cog[~na][cog[~na] < 0] + 409.6, atol=1e-9)
    # empty Status -> <NA>, codes are 0-15
    assert noaa["nav_status"][raw_noaa["Status"] == ""].isna().all()
    assert set(noaa["nav_status"].dropna().unique()) <= set(range(16))


def test_noaa_length_width(noaa, kept):
    """Length/Width (metres) -> length_m/beam_m; 0 and empty are unknown (NaN)."""
    for src, col in (("Length", "length_m"), ("Width", "beam_m")):
        raw = pd.to_numeric(kept[src], errors="coerce").to_numpy()
        known = raw > 0
        assert known.sum() > 100 and (~known).sum() > 10  # both kinds in the slice
        np.testing.assert_array_equal(noaa[col].to_numpy()[known], raw[known])
        assert noaa[col][~known].isna().all() and noaa[col].dtype == "float64"
    first = noaa.iloc[0]  # SAMUEL I NEWHOUSE, the Staten Island ferry: 94 x 21 m
    assert (first["length_m"], first["beam_m"]) == (94.0, 21.0)


def test_noaa_bad_length_width_are_nan_and_the_rows_kept(tmp_path):
    """A Length/Width that is not a number > 0 is NaN, the row kept and nothing quarantined:
    the readers' convention for a bad value in a numeric field (as for SOG, COG, heading)."""
    p = tmp_path / "dims.csv"
    rows = ["94.0,21.0", "0,0", ",", "-5,abc", " 30 ,7.5", "unknown,1e1"]
    p.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,Length,Width\n"
        + "".join(
            f"367000140,2020-06-30T00:00:{i:02d},40.6,-74.0,{'x' if i == 3 else 1},{r}\n"
            for i, r in enumerate(rows)
        )
    )
    q = Quarantine()
    df = read_noaa(p, quarantine=q)
    assert len(df) == len(rows) and len(q) == 0 and df.attrs["stats"]["quarantined"] == 0
    nan = float("nan")
    np.testing.assert_array_equal(df["length_m"], [94.0, nan, nan, nan, 30.0, nan])
    np.testing.assert_array_equal(df["beam_m"], [21.0, nan, nan, nan, 7.5, 10.0])
    assert np.isnan(df["sog_kn"][3])  # the same rule for a bad SOG
    only = read_noaa(p, columns=["sog_kn"])
    assert not {"length_m", "beam_m"} & set(only.columns)


def test_noaa_cog_artefact_agrees_with_heading(noaa):
    """+409.6 (not +360) is the right correction: moving ships' COG then matches their heading."""
    m = (noaa["sog_kn"] > 3) & noaa["heading_deg"].notna() & noaa["cog_deg"].notna()
    diff = np.abs((noaa["cog_deg"][m] - noaa["heading_deg"][m] + 180) % 360 - 180)
    assert diff.median() < 10


def test_noaa_any_column_order_and_sentinels(tmp_path, raw_noaa):
    df = raw_noaa.head(20).copy()
    df.loc[0, "SOG"] = "102.3"
    df.loc[1, "COG"] = "360.0"
    df = df[list(reversed(df.columns))]
    p = tmp_path / "reordered.csv"
    df.to_csv(p, index=False)
    out = read_noaa(p)
    assert len(out) == 20 and out["src_line"].tolist() == list(range(2, 22))
    assert np.isnan(out["sog_kn"][0]) and np.isnan(out["cog_deg"][1])
    assert out["mmsi"].tolist() == df["MMSI"].astype(int).tolist()


def test_noaa_2017_text_status_and_no_transceiver(tmp_path):
    p = tmp_path / "ais_2017.csv"
    p.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo\n"
        "367000150,2017-01-01T00:00:04,40.70,-74.01,0.0,0.0,511,ANDREW J BARBERI,IMO8512876,WCY6347,1012,moored,95,21,4,\n"
        "367000150,2017-01-01T00:01:04,40.69,-74.02,12.0,200.5,203,ANDREW J BARBERI,IMO8512876,WCY6347,1012,under way using engine,95,21,4,\n"
        "367000151,2017-01-01T00:01:05,40.60,-74.05,0.1,10.0,12,X,,,,at anchor,,,,\n"
        "367000152,2017-01-01T00:01:06,40.61,-74.06,0.1,10.0,12,Y,,,,power-driven vessel towing astern,,,,\n"
        "367000153,2017-01-01T00:01:07,40.62,-74.07,0.1,10.0,12,Z,,,,something odd,,,,\n"
    )
    out = read_noaa(p)
    assert out["nav_status"].tolist() == [5, 0, 1, 11, pd.NA]
    assert out["ship_type"].tolist()[:2] == ["1012", "1012"]


def test_noaa_csv2_layout(raw_noaa):
    out = read_noaa(CSV2)
    src = raw_noaa.head(200)
    assert len(out) == len(src) == 200 and out.attrs["stats"]["skipped_non_vessel"] == 0
    assert out.attrs["stats"]["nonstandard_mmsi"] == (src["MMSI"] == NONSTANDARD_MMSI).sum() == 1
    assert_canonical(out)
    # lon comes before lat in csv2: values must still land in the right columns
    np.testing.assert_allclose(out["lat"], src["LAT"].astype(float))
    np.testing.assert_allclose(out["lon"], src["LON"].astype(float))
    assert out["time"][0] == pd.Timestamp("2020-06-30T00:00:00Z")  # space-separated time
    legacy = read_noaa(NOAA).head(200)
    pd.testing.assert_series_equal(out["heading_deg"], legacy["heading_deg"])
    pd.testing.assert_series_equal(out["cog_deg"], legacy["cog_deg"])
    pd.testing.assert_series_equal(out["imo"], legacy["imo"])
    pd.testing.assert_series_equal(out["nav_status"], legacy["nav_status"])


@pytest.mark.parametrize("suffix", [".gz", ".zst", ".zip"])
def test_noaa_compressed(tmp_path, noaa, suffix):
    data = NOAA.read_bytes()
    p = tmp_path / f"slice.csv{suffix}"
    if suffix == ".gz":
        p.write_bytes(gzip.compress(data))
    elif suffix == ".zst":
        p.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("slice.csv", data)
    out = read_noaa(p)
    assert (out["src_file"] == str(p)).all()
    pd.testing.assert_frame_equal(out.drop(columns="src_file"), noaa.drop(columns="src_file"))


def _bad_file(tmp_path: Path, *, crlf: bool = False, quoted: bool = False) -> Path:
    lines = NOAA.read_text().split("\n")[:21]  # header + 20 real rows
    row = lines[5].split(",")  # a real row to damage
    bad_time = ",".join(["2020-06-31T25:00:00"] + row[1:])
    lat91 = ",".join(row[:2] + ["91.0"] + row[3:])  # header: BaseDateTime,LON,LAT,...
    zero = ",".join(row[:1] + ["0.0", "0.0"] + row[3:])
    lon200 = ",".join(row[:1] + ["200.0"] + row[2:])
    short = ",".join(row[:10])
    long = lines[6] + ",extra,fields"
    body = lines[:3] + [bad_time, lat91, "", zero] + lines[3:8] + [short, lon200, long] + lines[8:]
    if quoted:
        body[2] = body[2].replace("CG SHRIKE", '"CG SHRIKE, USCG"')
    text = "\n".join(body)
    if crlf:
        text = text.replace("\n", "\r\n")
    p = tmp_path / "bad.csv"
    p.write_text(text, newline="")
    return p


@pytest.mark.parametrize("variant", ["plain", "crlf", "quoted"])
def test_noaa_bad_rows_are_quarantined_with_lines(tmp_path, variant):
    p = _bad_file(tmp_path, crlf=variant == "crlf", quoted=variant == "quoted")
    q = Quarantine()
    out = read_noaa(p, quarantine=q)
    qf = q.to_frame()
    assert qf[["line", "code"]].values.tolist() == [
        [4, "bad_time"],
        [5, "no_position"],
        [7, "no_position"],
        [13, "parse_error"],
        [14, "bad_position"],
        [15, "parse_error"],
    ]
    assert (qf["file"] == str(p)).all()
    reasons = dict(zip(qf["line"], qf["reason"], strict=True))
    assert "lat 91" in reasons[5] and "0/0" in reasons[7] and "out of range" in reasons[14]
    assert reasons[13] == "expected 18 fields, found 10"
    assert reasons[15] == "expected 18 fields, found 20"
    assert qf["raw"][0].startswith("2020-06-31T25:00:00")
    assert len(out) == 20
    assert out.attrs["stats"]["records"] == 26 and out.attrs["stats"]["quarantined"] == 6
    lines_match(out, p)
    if variant == "quoted":
        assert out["name"][1] == "CG SHRIKE, USCG"


def test_noaa_small_blocks_give_same_result(tmp_path, monkeypatch):
    p = _bad_file(tmp_path)
    q1, q2 = Quarantine(), Quarantine()
    whole = read_noaa(p, quarantine=q1)
    monkeypatch.setattr(tables.csv_engine, "CHUNK_BYTES", 300)
    blocks = read_noaa(p, quarantine=q2)
    pd.testing.assert_frame_equal(whole, blocks)
    pd.testing.assert_frame_equal(q1.to_frame(), q2.to_frame())
    slice_blocks = read_noaa(NOAA)
    assert slice_blocks["src_line"].tolist() == kept_lines(pd.read_csv(NOAA, dtype=str))


def test_noaa_missing_columns_is_ingest_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("MMSI,When,LAT\n1,2,3\n")
    with pytest.raises(IngestError, match="x.csv") as err:
        read_noaa(p)
    assert "When" in str(err.value) and "basedatetime" in str(err.value)


@pytest.mark.parametrize(
    "content", [b"", b"\x1f\x8bnot really gzip at all" * 5], ids=["empty", "corrupt"]
)
def test_unreadable_file_is_one_ingest_error(tmp_path, content):
    p = tmp_path / ("empty.csv" if not content else "broken.csv.gz")
    p.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read_noaa(p)
    assert err.value.path == str(p)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(IngestError, match="not found"):
        read_noaa(tmp_path / "nope.csv")
    with pytest.raises(IngestError, match="directory"):
        read_noaa(tmp_path)


# ------------------------------------------------------------------ DMA


def test_dma_converted_rows(raw_noaa):
    out = read_dma(DMA)
    assert_canonical(out)
    assert len(out) == 150
    st = out.attrs["stats"]
    # the AtoN and the Base Station by 'Type of mobile'; the tug's 8... MMSI is kept and counted
    assert st["skipped_non_vessel"] == 2 and st["quarantined"] == 0 and st["records"] == 152
    assert st["skipped_by_class"] == {"aid_to_navigation": 1, "coast_station": 1}
    assert st["nonstandard_mmsi"] == 1
    assert out.loc[out["mmsi"] == int(NONSTANDARD_MMSI), "src_line"].tolist() == [127]
    # 03/12/2024 is 3 December (day first), not 12 March
    assert (out["time"].dt.month == 12).all() and (out["time"].dt.day == 3).all()
    assert out["time"][0] == pd.Timestamp("2024-12-03T00:00:00Z")
    # text statuses map back to the codes of the real rows they came from
    src = raw_noaa.head(150)
    expect = [int(float(s)) if s else 15 for s in src["Status"]]
    assert out["nav_status"].tolist() == expect
    assert out["mmsi"].tolist() == src["MMSI"].astype(int).tolist()
    assert out["imo"][0] == 7702774 and pd.isna(out["imo"][1])  # 'Unknown'
    assert out["ship_type"][0] == "Passenger"
    # Base Station / AtoN are not vessels and are not in the quarantine either
    assert not out["mmsi"].isin([3669999, 993669001]).any()
    # header line 1, 3 real rows, then the two constructed non-vessel rows: line 7 is row 4
    assert out["src_line"].tolist()[:5] == [2, 3, 4, 7, 8]
    legacy = read_noaa(NOAA).head(150)
    np.testing.assert_allclose(out["cog_deg"], legacy["cog_deg"])
    np.testing.assert_allclose(out["heading_deg"], legacy["heading_deg"])


def test_dma_length_width(raw_noaa):
    """DMA Length/Width -> length_m/beam_m (its A-D columns are not needed then)."""
    out = read_dma(DMA)
    raw = pd.read_csv(DMA, dtype=str, keep_default_na=False)
    kept = raw[~raw["Type of mobile"].isin(["AtoN", "Base Station"])].reset_index(drop=True)
    for src, col in (("Length", "length_m"), ("Width", "beam_m")):
        v = pd.to_numeric(kept[src], errors="coerce")
        expect = v.where(v > 0)
        pd.testing.assert_series_equal(out[col], expect, check_names=False)
    assert out["length_m"].notna().sum() > 50
    assert (out.loc[0, "length_m"], out.loc[0, "beam_m"]) == (94.0, 21.0)


def test_generic_csv_ais_dimensions_a_to_d(tmp_path):
    """A table with AIS dimensions A-D and no length column: A + B and C + D where both are
    > 0 (0 = not available); 511/63 kept (lower bounds); text -> NaN, row kept."""
    p = tmp_path / "abcd.csv"
    rows = ["100,50,10,12", "0,30,5,5", "511,511,63,63", "x,5,3,-1", ",,,"]
    p.write_text(
        "time,lat,lon,mmsi,A,B,C,D\n"
        + "".join(f"2024-12-03T00:00:0{i}Z,55.0,12.0,21900000{i},{r}\n" for i, r in enumerate(rows))
    )
    df = read_generic_csv(p)
    nan = float("nan")
    np.testing.assert_array_equal(df["length_m"], [150.0, nan, 1022.0, nan, nan])
    np.testing.assert_array_equal(df["beam_m"], [22.0, 10.0, 126.0, nan, nan])
    assert not {"A", "_dim_a"} & set(df.columns) and df.attrs["stats"]["quarantined"] == 0
    assert "length_m" not in read_generic_csv(p, columns=["sog_kn"]).columns


def test_dma_22_columns():
    out = read_dma(DMA22)
    assert len(out) == 40 and out.attrs["stats"]["skipped_non_vessel"] == 2
    assert out.attrs["stats"]["nonstandard_mmsi"] == 0  # the tug's row is not in this one


def test_dma_bad_day_first_time(tmp_path):
    lines = DMA.read_text().split("\n")
    lines[1] = "31/02/2024 00:00:00" + lines[1][19:]  # 31 February
    lines[2] = "3/12/2024 00:00:09" + lines[2][19:]  # short day: parsed day-first anyway
    p = tmp_path / "dma.csv"
    p.write_text("\n".join(lines))
    q = Quarantine()
    out = read_dma(p, quarantine=q)
    assert q.to_frame()[["line", "code"]].values.tolist() == [[2, "bad_time"]]
    assert out["time"][0] == pd.Timestamp("2024-12-03T00:00:09Z")


# ------------------------------------------------------------------ generic CSV


def test_generic_csv_synonyms_and_epoch(tmp_path, raw_noaa):
    src = raw_noaa.head(30)
    t = pd.to_datetime(src["BaseDateTime"], utc=True)
    df = pd.DataFrame(
        {
            "Timestamp": (
                (t - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta("1s")
            ).to_numpy(),
            "Latitude": src["LAT"],
            "Lng": src["LON"],
            "ShipName": src["VesselName"],
            "mmsi": src["MMSI"],
            "Speed": src["SOG"],
            "Course": src["COG"],
            "whatever": "x",
        }
    )
    p = tmp_path / "g.csv"
    df.to_csv(p, index=False)
    out = read_generic_csv(p)
    assert_canonical(out)
    assert out["time"].tolist() == t.tolist()
    assert out["mmsi"].tolist() == src["MMSI"].astype(int).tolist()
    assert "whatever" not in out.columns and (out["kind"] == "ais").all()
    # epoch milliseconds too
    df["Timestamp"] = df["Timestamp"] * 1000
    df.to_csv(p, index=False)
    assert read_generic_csv(p)["time"].tolist() == t.tolist()


def test_generic_csv_iso_with_zones_and_kind(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "datetime,lat,lon,vessel,kind\n"
        "2024-12-02T06:00:00+02:00,34.9,35.8,Yelnya,sighting\n"
        "2024-12-02 06:00,34.9,35.8,Yelnya,\n"
        "2024-12-02T06:00Z,34.9,35.8,Yelnya,boat\n"
    )
    q = Quarantine()
    out = read_generic_csv(p, quarantine=q)
    assert out["time"].tolist() == [
        pd.Timestamp("2024-12-02T04:00Z"),
        pd.Timestamp("2024-12-02T06:00Z"),
    ]
    assert out["kind"].tolist() == ["sighting", "ais"]
    assert q.to_frame()[["line", "code"]].values.tolist() == [[4, "bad_kind"]]


@pytest.mark.parametrize(
    "header,missing",
    [("when,lat,lon,mmsi", "time"), ("time,lat,mmsi", "lon"), ("time,lat,lon,colour", "identity")],
)
def test_generic_csv_unrecognised_columns(tmp_path, header, missing):
    p = tmp_path / "g.csv"
    p.write_text(header + "\n" + ",".join("1" * len(header.split(","))) + "\n")
    with pytest.raises(IngestError) as err:
        read_generic_csv(p)
    msg = str(err.value)
    assert str(p) in msg and missing in msg and header.split(",")[0] in msg


# ------------------------------------------------------------------ Parquet / GeoParquet


@pytest.fixture(scope="module")
def slice_frame(raw_noaa) -> pd.DataFrame:
    df = pd.read_csv(NOAA)
    df["BaseDateTime"] = pd.to_datetime(df["BaseDateTime"])
    return df


def test_parquet_source_columns(tmp_path, slice_frame, noaa):
    p = tmp_path / "slice.parquet"
    slice_frame.to_parquet(p, index=False)
    out = read_parquet(p)
    assert_canonical(out)
    assert out["src_line"].tolist() == kept_lines(slice_frame.astype({"MMSI": str}), first=1)
    for c in (
        "time",
        "lat",
        "lon",
        "mmsi",
        "imo",
        "heading_deg",
        "nav_status",
        "ship_type",
        "name",
        "length_m",
        "beam_m",
    ):
        pd.testing.assert_series_equal(out[c], noaa[c], check_names=False)
    only = read_parquet(p, columns=["sog_kn"])
    assert "sog_kn" in only.columns and "heading_deg" not in only.columns
    assert "length_m" not in only.columns


def test_parquet_roundtrip_of_canonical_table(tmp_path, noaa):
    p = tmp_path / "canon.parquet"
    noaa.to_parquet(p, index=False)
    out = read_parquet(p)
    cols = [c for c in noaa.columns if c not in ("src_file", "src_line")]
    pd.testing.assert_frame_equal(out[cols], noaa[cols])


def test_parquet_hive_dataset(tmp_path, slice_frame):
    d = tmp_path / "ds"
    small = slice_frame[slice_frame["MMSI"].isin(slice_frame["MMSI"].unique()[:5])]
    small.to_parquet(d, partition_cols=["MMSI"], index=False)
    out = read_parquet(d)
    assert len(out) == len(small)
    assert set(out["mmsi"]) == set(small["MMSI"])  # the partition key is read back
    assert out["src_file"].str.contains("MMSI=").all()
    for _, g in out.groupby("src_file"):
        assert g["src_line"].tolist() == list(range(1, len(g) + 1))


def test_parquet_quarantine_and_compressed(tmp_path, slice_frame):
    df = slice_frame.head(10).copy()
    df.loc[3, "LAT"] = 91.0
    df.loc[5, "BaseDateTime"] = pd.NaT
    p = tmp_path / "a.parquet"
    df.to_parquet(p, index=False)
    q = Quarantine()
    out = read_parquet(p, quarantine=q)
    assert len(out) == 8
    assert q.to_frame()[["line", "code"]].values.tolist() == [[4, "no_position"], [6, "bad_time"]]
    gz = tmp_path / "a.parquet.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    assert len(read_parquet(gz)) == 8


def test_geoparquet_and_reprojection(tmp_path, slice_frame):
    df = slice_frame.head(50)
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["LAT", "LON"]),
        geometry=gpd.points_from_xy(df["LON"], df["LAT"]),
        crs="EPSG:4326",
    )
    p = tmp_path / "g.parquet"
    gdf.to_parquet(p)
    out = read_parquet(p)
    np.testing.assert_allclose(out["lat"], df["LAT"])
    np.testing.assert_allclose(out["lon"], df["LON"])
    p2 = tmp_path / "g3857.parquet"
    gdf.to_crs(3857).to_parquet(p2)
    out2 = read_parquet(p2)
    np.testing.assert_allclose(out2["lat"], df["LAT"], atol=1e-7)
    np.testing.assert_allclose(out2["lon"], df["LON"], atol=1e-7)
    p3 = tmp_path / "lines.parquet"
    gpd.GeoDataFrame(
        {"time": ["2020-06-30"], "mmsi": [1]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326
    ).to_parquet(p3)
    with pytest.raises(IngestError, match="points"):
        read_parquet(p3)


# ------------------------------------------------------------------ GeoPackage / GeoJSON


@pytest.mark.parametrize("ext,driver", [("gpkg", "GPKG"), ("geojson", "GeoJSON")])
def test_geo_files(tmp_path, slice_frame, ext, driver):
    df = slice_frame.head(40).copy()
    df["BaseDateTime"] = df["BaseDateTime"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["LAT", "LON"]),
        geometry=gpd.points_from_xy(df["LON"], df["LAT"]),
        crs="EPSG:4326",
    )
    gdf.loc[7, "geometry"] = None
    p = tmp_path / f"pts.{ext}"
    gdf.to_file(p, driver=driver)
    q = Quarantine()
    out = read_geo(p, quarantine=q)
    assert_canonical(out)
    assert len(out) == 39
    assert q.to_frame()[["line", "code"]].values.tolist() == [[8, "no_position"]]
    keep = df.drop(index=7)
    np.testing.assert_allclose(out["lat"], keep["LAT"])
    assert out["mmsi"].tolist() == keep["MMSI"].tolist()
    assert out["time"][0] == pd.Timestamp("2020-06-30T00:00:00Z")


def test_geo_reprojects_and_rejects_non_points(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"time": ["2024-12-03T08:00:00Z"], "mmsi": [273000001]},
        geometry=[Point(5.9, 43.1)],
        crs="EPSG:4326",
    ).to_crs(32631)
    p = tmp_path / "utm.gpkg"
    gdf.to_file(p)
    out = read_geo(p)
    assert out["lon"][0] == pytest.approx(5.9) and out["lat"][0] == pytest.approx(43.1)
    lines = gpd.GeoDataFrame(
        {"time": ["2024-12-03"], "mmsi": [1]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326
    )
    p2 = tmp_path / "lines.geojson"
    lines.to_file(p2, driver="GeoJSON")
    with pytest.raises(IngestError, match="lines.geojson"):
        read_geo(p2)


# ------------------------------------------------------------------ Tracktable .traj


def test_traj_slice():
    out = read_traj(TRAJ)
    assert_canonical(out)
    assert len(out) == 3023 and out["mmsi"].nunique() == 19
    assert out.attrs["stats"]["records"] == 20
    first = TRAJ.read_text().split("\n")[0].split(",")
    assert out["mmsi"][0] == int(first[11])
    assert out["time"][0] == pd.Timestamp(first[12], tz="UTC")
    assert out["lon"][0] == float(first[13]) and out["lat"][0] == float(first[14])
    n_first = int(first[3])
    assert (out["src_line"][:n_first] == 1).all() and out["src_line"][n_first] == 2
    assert out["src_line"].max() == 20


def test_traj_malformed_lines(tmp_path):
    lines = TRAJ.read_text().split("\n")[:4]
    good2 = lines[1].split(",")
    bad_count = ",".join(good2[:3] + [str(int(good2[3]) + 1)] + good2[4:])  # announces one too many
    bad_point = lines[2].replace(lines[2].split(",")[12], "not a time", 1)
    p = tmp_path / "t.traj"
    p.write_text("\n".join([lines[0], bad_count, "garbage line", bad_point, lines[3]]) + "\n")
    q = Quarantine()
    out = read_traj(p, quarantine=q)
    qf = q.to_frame()
    assert qf[["line", "code"]].values.tolist()[:2] == [[2, "parse_error"], [3, "parse_error"]]
    assert "announces" in qf["reason"][0]
    assert qf["code"][2:].eq("bad_time").all() and qf["line"][2:].eq(4).all()
    assert set(out["src_line"]) == {1, 4, 5}


# ------------------------------------------------------------------ full real files


@needs_shared(NYHARBOR / "NYHarbor_2020_06_30_first_hour.csv")
def test_real_ny_hour():
    q = Quarantine()
    out = read_noaa(NYHARBOR / "NYHarbor_2020_06_30_first_hour.csv", quarantine=q)
    st = out.attrs["stats"]
    assert len(out) == 8689 - len(q) - st["skipped_non_vessel"] == 8689
    # MACKENZIE ROSE's 8... MMSI (a divers' radio in ITU-R M.585) is kept and counted
    assert st["skipped_non_vessel"] == 0 and st["skipped_by_class"] == {}
    assert st["nonstandard_mmsi"] == 48 == (out["mmsi"] == 896876500).sum()
    assert len(q) == 0 and out["mmsi"].nunique() == 295
    assert out["time"].min() == pd.Timestamp("2020-06-30T00:00:00Z")
    assert out["time"].max() == pd.Timestamp("2020-06-30T00:59:59Z")
    assert out["heading_deg"].isna().sum() == 3606


@needs_shared(NYHARBOR / "NYHarbor_2020_12_first_week.traj")
def test_real_traj_week():
    out = read_traj(NYHARBOR / "NYHarbor_2020_12_first_week.traj")
    assert len(out) == 172_679 and out["mmsi"].nunique() == 140
    assert out.attrs["stats"]["records"] == 513
    assert out["time"].min() == pd.Timestamp("2020-12-01T04:49:45Z")
    assert out["time"].max() == pd.Timestamp("2020-12-07T23:29:51Z")


def test_large_noaa_file(tmp_path):
    """~200k rows built from the slice: counts and line numbers hold at size (speed is measured in
    bench/, not here)."""
    lines = NOAA.read_text().split("\n")
    body = "\n".join(lines[1:600])
    p = tmp_path / "big.csv"
    with p.open("w") as fh:
        fh.write(lines[0] + "\n")
        for _ in range(334):
            fh.write(body + "\n")
    out = read_noaa(p)
    assert len(out) == 599 * 334 and out.attrs["stats"]["skipped_non_vessel"] == 0
    assert out.attrs["stats"]["nonstandard_mmsi"] == 4 * 334
    assert out["src_line"].iloc[-1] == 599 * 334 + 1


def test_stray_quote_falls_back_to_exact_parser(tmp_path, noaa):
    """A quote inside an unquoted field (O"NEIL) is literal text, as in Python's csv module."""
    text = NOAA.read_text().replace("SAMANTHA MILLER", 'SAMANTHA O"NEIL')
    p = tmp_path / "stray.csv"
    p.write_text(text)
    out = read_noaa(p)
    assert len(out) == 599 and out["src_line"].tolist() == kept_lines(pd.read_csv(NOAA, dtype=str))
    assert (out["name"] == 'SAMANTHA O"NEIL').sum() == (noaa["name"] == "SAMANTHA MILLER").sum() > 0
