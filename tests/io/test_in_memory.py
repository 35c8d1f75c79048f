"""In-memory input (bytes, binary file objects, InMemory): read as the same file would be, with the
given name in messages, quarantine rows and src_file."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from navwatch.errors import ConfigError, IngestError
from navwatch.io import READERS, InMemory, detect_format, read_observations
from navwatch.quarantine import Quarantine

DATA = Path(__file__).resolve().parents[1] / "data"
NOAA = DATA / "noaa" / "nyharbor_2020-06-30_head.csv"
SHIPPED = {
    "noaa": NOAA,
    "dma": DATA / "dma" / "dma_from_nyharbor.csv",
    "traj": DATA / "traj" / "nyharbor_2020-12_head.traj",
    "sightings": DATA / "evidence" / "sightings.csv",
    "surveys": DATA / "evidence" / "surveys.csv",
    "nmea": DATA / "nmea" / "socal_sample_head.ais",
}
BAD_CSV = (
    "time,mmsi,lat,lon\n"
    "2024-12-02T06:00:00Z,273000001,34.9,35.8\n"
    "2024-12-02T07:00:00Z,273000001,91,181\n"
    "2024-12-02T08:00:00Z,273000001,34.9\n"
)


class _Pipe(io.RawIOBase):
    """A binary stream that cannot seek (a socket, a pipe)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        chunk = self._data.read(len(buf))
        buf[: len(chunk)] = chunk
        return len(chunk)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Every format as a file: the shipped slices plus Parquet, GeoJSON, GeoPackage, generic CSV."""
    d = tmp_path_factory.mktemp("mem")
    df = pd.read_csv(NOAA).head(40)
    out = dict(SHIPPED)
    parquet = df.assign(BaseDateTime=pd.to_datetime(df["BaseDateTime"]))
    out["parquet"] = d / "a.parquet"
    parquet.to_parquet(out["parquet"], index=False)
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["LAT", "LON"]), geometry=gpd.points_from_xy(df["LON"], df["LAT"]), crs="EPSG:4326"
    )
    out["geojson"] = d / "a.geojson"
    gdf.to_file(out["geojson"], driver="GeoJSON")
    out["csv"] = d / "g.csv"
    out["csv"].write_text(BAD_CSV)
    return out


@pytest.mark.parametrize(
    "key", ["noaa", "dma", "traj", "sightings", "surveys", "nmea", "parquet", "geojson", "csv"]
)
def test_bytes_read_like_the_file(files, key):
    path = files[key]
    fmt = detect_format(path)
    assert detect_format(path.read_bytes()) == fmt
    q_file, q_mem = Quarantine(), Quarantine()
    from_file = READERS[fmt](path, quarantine=q_file)
    from_mem = READERS[fmt](path.read_bytes(), quarantine=q_mem, name=str(path))
    pd.testing.assert_frame_equal(from_mem, from_file)
    assert from_mem.attrs == from_file.attrs
    pd.testing.assert_frame_equal(q_mem.to_frame(), q_file.to_frame())


def test_quarantine_rows_and_src_file_name_the_input():
    q = Quarantine()
    df = read_observations(BAD_CSV.encode(), quarantine=q, name="https://feed.example/positions")
    assert df["src_file"].astype(str).unique().tolist() == ["https://feed.example/positions"]
    rows = q.to_frame()
    assert rows["file"].unique().tolist() == ["https://feed.example/positions"]
    assert rows["line"].tolist() == [3, 4] and rows["code"].tolist() == ["no_position", "parse_error"]
    stats = df.attrs["read_stats"]["files"][0]
    assert stats["file"] == "https://feed.example/positions" and stats["format"] == "csv"


def test_errors_name_the_input():
    with pytest.raises(IngestError, match=r"^feed: unrecognised format"):
        read_observations(b"hello\n", name="feed")
    with pytest.raises(IngestError, match=r"^feed: not a CSV of positions"):
        READERS["csv"](b"a,b\n1,2\n", name="feed")
    with pytest.raises(IngestError, match=r"^<bytes>: "):
        READERS["csv"](b"a,b\n1,2\n")


def test_file_objects_seekable_and_not():
    data = NOAA.read_bytes()
    whole = read_observations(NOAA)
    with open(NOAA, "rb") as fh:
        fh.read(10)
        fh.seek(0)
        a = read_observations(fh, name=str(NOAA))  # detection, then the reader: read twice
        assert not fh.closed  # the caller's file is left open
    b = read_observations(io.BufferedReader(_Pipe(data)), name=str(NOAA))
    c = read_observations([InMemory(data, str(NOAA))])
    for df in (a, b, c):
        pd.testing.assert_frame_equal(df, whole)


def test_in_memory_misuse():
    with pytest.raises(ConfigError, match="in-memory"):
        read_observations(NOAA, name="feed")
    with pytest.raises(ConfigError, match="in-memory"):
        READERS["noaa"](NOAA, name="feed")
    with pytest.raises(IngestError, match="binary mode"):
        READERS["csv"](io.StringIO(BAD_CSV), name="feed")
    assert str(InMemory(b"")) == "<bytes>" and str(InMemory(io.BytesIO(b""), "x")) == "x"
