"""Format detection by content and read_observations over many files."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import zstandard

import navwatch.io as nio
from navwatch.errors import IngestError
from navwatch.io import FORMATS, READERS, detect_format, read_observations
from navwatch.quarantine import Quarantine

DATA = Path(__file__).resolve().parents[1] / "data"
NOAA = DATA / "noaa" / "nyharbor_2020-06-30_head.csv"
CSV2 = DATA / "noaa" / "csv2_from_nyharbor.csv"
DMA = DATA / "dma" / "dma_from_nyharbor.csv"
DMA22 = DATA / "dma" / "dma22_from_nyharbor.csv"
TRAJ = DATA / "traj" / "nyharbor_2020-12_head.traj"
SIGHTINGS = DATA / "evidence" / "sightings.csv"
SURVEYS = DATA / "evidence" / "surveys.csv"
NMEA_SAMPLE = DATA / "nmea" / "socal_sample_head.ais"


def nmea_available() -> bool:
    try:
        import navwatch.io.nmea  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """Parquet, hive dataset, GeoParquet, GeoPackage, GeoJSON and generic CSV built from the slice."""
    d = tmp_path_factory.mktemp("made")
    df = pd.read_csv(NOAA).head(60)
    df["BaseDateTime"] = pd.to_datetime(df["BaseDateTime"])
    out = {}
    out["parquet"] = d / "a.parquet"
    df.to_parquet(out["parquet"], index=False)
    out["dataset"] = d / "ds"
    df.to_parquet(out["dataset"], partition_cols=["VesselType"], index=False)
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["LAT", "LON"]),
        geometry=gpd.points_from_xy(df["LON"], df["LAT"]),
        crs="EPSG:4326",
    )
    out["geoparquet"] = d / "g.parquet"
    gdf.to_parquet(out["geoparquet"])
    text = gdf.assign(BaseDateTime=df["BaseDateTime"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    out["gpkg"] = d / "g.gpkg"
    text.to_file(out["gpkg"], driver="GPKG")
    out["geojson"] = d / "g.geojson"
    text.to_file(out["geojson"], driver="GeoJSON")
    out["csv"] = d / "generic.csv"
    df.rename(columns={"BaseDateTime": "timestamp", "LAT": "latitude", "LON": "lng"})[
        ["timestamp", "MMSI", "latitude", "lng", "SOG"]
    ].to_csv(out["csv"], index=False)
    return out


@pytest.mark.parametrize(
    "path,fmt",
    [
        (NOAA, "noaa"),
        (CSV2, "noaa"),
        (DMA, "dma"),
        (DMA22, "dma"),
        (TRAJ, "traj"),
        (SIGHTINGS, "sightings"),
        (SURVEYS, "surveys"),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_detect_shipped_files(path, fmt):
    assert detect_format(path) == fmt


@pytest.mark.parametrize(
    "key,fmt",
    [
        ("parquet", "parquet"),
        ("dataset", "parquet"),
        ("geoparquet", "parquet"),
        ("gpkg", "geo"),
        ("geojson", "geo"),
        ("csv", "csv"),
    ],
)
def test_detect_made_files(made, key, fmt):
    assert detect_format(made[key]) == fmt
    df = read_observations(made[key])
    assert len(df) == 60 and df["mmsi"].nunique() > 5
    assert df.attrs["read_stats"]["files"][0]["format"] == fmt


def test_detect_nmea():
    if not nmea_available() or not NMEA_SAMPLE.exists():
        pytest.skip("navwatch.io.nmea or its sample not present yet")
    assert detect_format(NMEA_SAMPLE) == "nmea"


def test_detect_by_content_not_extension(tmp_path):
    p = tmp_path / "looks_like.txt"
    p.write_bytes(NOAA.read_bytes())
    assert detect_format(p) == "noaa"
    t = tmp_path / "track.csv"
    t.write_bytes(TRAJ.read_bytes()[:5000])
    assert detect_format(t) == "traj"


@pytest.mark.parametrize("suffix", [".gz", ".zst", ".zip"])
def test_detect_compressed(tmp_path, suffix):
    for src, fmt in ((DMA, "dma"), (TRAJ, "traj")):
        p = tmp_path / (src.name + suffix)
        data = src.read_bytes()
        if suffix == ".gz":
            p.write_bytes(gzip.compress(data))
        elif suffix == ".zst":
            p.write_bytes(zstandard.ZstdCompressor().compress(data))
        else:
            with zipfile.ZipFile(p, "w") as zf:
                zf.writestr(src.name, data)
        assert detect_format(p) == fmt
        assert len(read_observations(p)) == len(READERS[fmt](src))


@pytest.mark.parametrize(
    "name,content,match",
    [
        ("empty.csv", b"", "empty"),
        ("junk.bin", bytes(range(256)) * 4, "binary"),
        ("fake.parquet", b"not parquet at all\n", "magic"),
        ("ports.csv", b"Port,Country,Latitude,Longitude\nTartus,Syria,34.9,35.87\n", "first line"),
        ("notes.txt", b"just some words\nand more\n", "unrecognised"),
    ],
)
def test_detect_unknown_is_ingest_error(tmp_path, name, content, match):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(IngestError, match=match) as err:
        detect_format(p)
    assert err.value.path == str(p)
    with pytest.raises(IngestError):
        read_observations(p)


def test_detect_missing_and_empty_dir(tmp_path):
    with pytest.raises(IngestError, match="not found"):
        detect_format(tmp_path / "nope.csv")
    with pytest.raises(IngestError, match="no .parquet"):
        detect_format(tmp_path)


def test_read_observations_many_files(made):
    q = Quarantine()
    calls = []
    paths = [NOAA, DMA, TRAJ, SIGHTINGS, SURVEYS, made["dataset"], made["gpkg"]]
    df = read_observations(paths, quarantine=q, progress=lambda p, i, n: calls.append((p, i, n)))
    assert calls == [(p, i, len(paths)) for i, p in enumerate(paths)]
    stats = df.attrs["read_stats"]
    assert [f["format"] for f in stats["files"]] == [
        "noaa",
        "dma",
        "traj",
        "sightings",
        "surveys",
        "parquet",
        "geo",
    ]
    assert [f["rows"] for f in stats["files"]] == [599, 150, 3023, 6, 3, 60, 60]
    assert stats["rows"] == len(df) == 599 + 150 + 3023 + 6 + 3 + 60 + 60
    assert stats["quarantined"] == len(q) == 1 + 3
    # DMA: its Base Station and AtoN rows; the tug MACKENZIE ROSE (896876500) is kept and counted
    assert [f["skipped_non_vessel"] for f in stats["files"]] == [0, 2, 0, 0, 0, 0, 0]
    assert stats["skipped_non_vessel"] == 2
    assert [f["nonstandard_mmsi"] for f in stats["files"]] == [4, 1, 0, 0, 0, 0, 0]
    assert (df["mmsi"] == 896876500).sum() == 4 + 1
    assert set(df["kind"].unique()) == {"ais", "sighting", "survey"}
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    assert df["src_file"].notna().all() and df["src_line"].notna().all()
    assert set(q.to_frame()["file"]) == {str(SIGHTINGS), str(SURVEYS)}


def test_read_observations_glob_format_and_errors(tmp_path):
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_bytes(NOAA.read_bytes())
    df = read_observations(str(tmp_path / "*.csv"))
    assert len(df) == 2 * 599
    assert [f["nonstandard_mmsi"] for f in df.attrs["read_stats"]["files"]] == [4, 4]
    forced = read_observations(tmp_path / "a.csv", format="csv")
    assert forced.attrs["read_stats"]["files"][0]["format"] == "csv" and len(forced) == 599
    assert forced.attrs["read_stats"]["files"][0]["nonstandard_mmsi"] == 4
    with pytest.raises(IngestError, match="unknown format"):
        read_observations(tmp_path / "a.csv", format="excel")
    with pytest.raises(IngestError, match="matched no files"):
        read_observations(str(tmp_path / "*.parquet"))
    with pytest.raises(IngestError, match="no input"):
        read_observations([])
    with pytest.raises(IngestError) as err:
        read_observations([tmp_path / "a.csv", tmp_path / "missing.csv"])
    assert "missing.csv" in str(err.value)


def test_readers_table_and_all():
    assert set(FORMATS) == {
        "nmea",
        "noaa",
        "dma",
        "sightings",
        "surveys",
        "csv",
        "parquet",
        "geo",
        "traj",
    }
    for name in nio.__all__:
        assert hasattr(nio, name)


def test_canonical_evidence_roundtrip_through_parquet(tmp_path):
    """A canonical table with survey rows (no position) reads back from Parquet unchanged."""
    df = read_observations([SIGHTINGS, SURVEYS])
    p = tmp_path / "evidence.parquet"
    df.to_parquet(p, index=False)
    back = read_observations(p)
    cols = [c for c in df.columns if c not in ("src_file", "src_line")]
    pd.testing.assert_frame_equal(back[cols], df[cols])
    assert back["lat"][back["kind"] == "survey"].isna().all()
