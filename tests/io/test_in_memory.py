"""In-memory input (InMemory: bytes or a binary file object, and a name): read as the same file
would be, with the name in messages, quarantine rows and src_file."""

from __future__ import annotations

import gzip
import io
import json
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
        df.drop(columns=["LAT", "LON"]),
        geometry=gpd.points_from_xy(df["LON"], df["LAT"]),
        crs="EPSG:4326",
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
    from_mem = READERS[fmt](InMemory(path.read_bytes(), str(path)), quarantine=q_mem)
    pd.testing.assert_frame_equal(from_mem, from_file)
    assert from_mem.attrs == from_file.attrs
    pd.testing.assert_frame_equal(q_mem.to_frame(), q_file.to_frame())


def test_quarantine_rows_and_src_file_name_the_input():
    q = Quarantine()
    df = read_observations(
        InMemory(BAD_CSV.encode(), "https://feed.example/positions"), quarantine=q
    )
    assert df["src_file"].astype(str).unique().tolist() == ["https://feed.example/positions"]
    rows = q.to_frame()
    assert rows["file"].unique().tolist() == ["https://feed.example/positions"]
    assert rows["line"].tolist() == [3, 4] and rows["code"].tolist() == [
        "no_position",
        "parse_error",
    ]
    stats = df.attrs["read_stats"]["files"][0]
    assert stats["file"] == "https://feed.example/positions" and stats["format"] == "csv"


def test_errors_name_the_input():
    with pytest.raises(IngestError, match=r"^feed: unrecognised format"):
        read_observations(InMemory(b"hello\n", "feed"))
    with pytest.raises(IngestError, match=r"^feed: not a CSV of positions"):
        READERS["csv"](InMemory(b"a,b\n1,2\n", "feed"))
    with pytest.raises(IngestError, match=r"^<bytes>: "):
        READERS["csv"](b"a,b\n1,2\n")  # bare bytes


def test_file_objects_seekable_and_not():
    data = NOAA.read_bytes()
    whole = read_observations(NOAA)
    with open(NOAA, "rb") as fh:
        fh.read(10)
        fh.seek(0)
        a = read_observations(InMemory(fh, str(NOAA)))  # detection, then the reader: read twice
        assert not fh.closed  # the caller's file is left open
    with open(NOAA, "rb") as fh:
        b = read_observations(fh)  # a bare file object is named after its file
    c = read_observations(InMemory(io.BufferedReader(_Pipe(data)), str(NOAA)))
    d = read_observations([InMemory(data, str(NOAA))])
    for df in (a, b, c, d):
        pd.testing.assert_frame_equal(df, whole)


def test_in_memory_misuse():
    with pytest.raises(ConfigError, match="bytes or a binary file object"):
        InMemory("time,mmsi,lat,lon\n", "feed")
    with pytest.raises(IngestError, match="^feed: is a text stream"):
        READERS["csv"](InMemory(io.StringIO(BAD_CSV), "feed"))
    with pytest.raises(IngestError, match="text stream"):
        READERS["csv"](io.StringIO(BAD_CSV))
    assert str(InMemory(b"")) == "<bytes>" and str(InMemory(io.BytesIO(b""), "x")) == "x"


def test_geojson_without_a_layer_name_in_memory_and_gzipped(tmp_path):
    # GDAL names such a layer after the in-memory buffer, a new name each time it is opened
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [5.9, 43.1]},
                "properties": {"time": "2024-12-03T08:00:00Z", "mmsi": 273000001},
            }
        ],
    }
    body = json.dumps(fc).encode()
    (tmp_path / "a.geojson.gz").write_bytes(gzip.compress(body))
    for src in (InMemory(body, "feed"), tmp_path / "a.geojson.gz"):
        df = READERS["geo"](src)
        assert df[["lon", "lat", "mmsi"]].values.tolist() == [[5.9, 43.1, 273000001]]
