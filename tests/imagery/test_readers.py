"""Satellite detections and scene footprints readers (imagery contract §1, §2)."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch.errors import IngestError
from navwatch.imagery import (
    DETECTION_COLUMNS,
    SCENE_COLUMNS,
    detect_imagery_format,
    read_detections,
    read_scenes,
)
from navwatch.io import IMAGERY_FORMATS, InMemory, detect_format, read_observations
from navwatch.quarantine import Quarantine

SQUARE = "POLYGON((33 44, 34 44, 34 45, 33 45, 33 44))"
S1 = "S1A_IW_GRDH_1SDV_20211104T170749_20211104T170814_040437_04CAD6_0A4B"
S2 = "S2A_MSIL1C_20211104T083141_N0301_R021_T36TXR_20211104T104224"

GFW = (
    "scene_id,detect_id,detect_timestamp,detect_lat,detect_lon,length_m,score,footprint_wkt,ssvid\n"
    f'{S1},d1,2021-11-04 17:07:50 UTC,44.61,33.52,150,0.93,"{SQUARE}",\n'
    f'{S1},d2,2021-11-04 17:07:52 UTC,44.62,33.53,80,0.5,"{SQUARE}",273000001\n'
    f'{S1},d3,2021-11-04 17:07:49 UTC,44.70,33.60,60,0.7,"{SQUARE}",\n'
)
GFW_S2 = (
    "scene_id,detect_id,detect_timestamp,detect_lat,detect_lon,length_m_inferred,presence\n"
    f"{S2},o1,2021-11-04T08:31:41Z,44.61,33.52,95.5,0.8\n"
    f"{S2},o2,2021-11-04T08:31:41Z,44.62,33.53,,0.6\n"
)
SKYLIGHT = (
    "lon,lat,score,vessel_length_m,vessel_width_m,vessel_speed_k,heading_bucket_0,"
    "heading_bucket_1,is_fishing_vessel,detect_id,scene_id\n"
    f"33.52,44.61,0.91,120.5,15.2,3.1,0.2,0.8,0.05,k1,{S1}\n"
    "33.53,44.62,0.85,60,9,0.0,0.5,0.5,0.9,k2,planet_20241202_a\n"
    "33.54,44.63,0.75,30,6,0.0,0.5,0.5,0.9,k3,unknown_scene\n"
)
GENERIC = (
    "time,lat,lon,length_m,score,scene_id,source,beam_m,sensor\n"
    "2024-12-02T06:00:00Z,34.90,35.87,130,0.9,sc1,planet,16,\n"
    "2024-12-02T06:00:00Z,34.91,35.88,,85%,sc1,maxar,,optical\n"
    "2024-12-02T06:01:00Z,34.92,35.89,250,,sc2,iceye,,\n"
)
SCENES = (
    "scene_id,time,source,footprint,cloud_cover\n"
    f'planet_20241202_a,2024-12-02T06:00:00Z,planet,"{SQUARE}",12\n'
    f'{S1},2021-11-04T17:07:49Z,sentinel-1,"{SQUARE}",\n'
    'gj,2024-12-02,maxar,"{""type"": ""Polygon"", ""coordinates"": '
    '[[[33, 44], [34, 44], [34, 45], [33, 45], [33, 44]]]}",50\n'
)

#: Cell values for the property tests.
_CELLS = ["", "0", "0.5", "1", "85%", "-3", "600", "91", "181", "nan", "x", "S1A_20211104T170749",
          "2024-12-02T06:00Z", "2024-12-02", "1733212800", "garbage", "44.6", "33.5"]  # fmt: skip


def _src(text: str, name: str = "f.csv") -> InMemory:
    return InMemory(text.encode(), name)


def _feature(geom: dict, **props: object) -> dict:
    return {"type": "Feature", "geometry": geom, "properties": props}


def _square(x: float = 33, y: float = 44) -> dict:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _check_detections(df: pd.DataFrame) -> None:
    assert tuple(df.columns) == DETECTION_COLUMNS
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    for c in ("lat", "lon", "length_m", "beam_m", "score"):
        assert df[c].dtype == "float64", c
    assert str(df["src_line"].dtype) == "Int64"
    assert df["score"].dropna().between(0, 1).all()


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------


def test_gfw_with_footprints_gives_scenes():
    df = read_detections(_src(GFW, "gfw.csv"))
    _check_detections(df)
    assert df.attrs["format"] == "gfw"
    assert df["detect_id"].tolist() == ["d1", "d2", "d3"]
    assert set(df["source"]) == {"gfw"} and set(df["sensor"]) == {"sar"}
    assert df["length_m"].tolist() == [150.0, 80.0, 60.0]
    assert df["time"].iloc[0] == pd.Timestamp("2021-11-04T17:07:50Z")
    assert df["src_line"].tolist() == [2, 3, 4]
    scenes = df.attrs["scenes"]
    assert isinstance(scenes, gpd.GeoDataFrame) and tuple(scenes.columns) == SCENE_COLUMNS
    assert scenes["scene_id"].tolist() == [S1]
    assert scenes["time"].iloc[0] == pd.Timestamp("2021-11-04T17:07:49Z")  # the earliest
    assert scenes["source"].iloc[0] == "sentinel-1" and scenes["sensor"].iloc[0] == "sar"
    assert scenes.crs.to_epsg() == 4326
    assert scenes.geometry.iloc[0].bounds == (33.0, 44.0, 34.0, 45.0)


def test_gfw_bad_footprint_leaves_the_scene_out_and_keeps_detections():
    text = GFW.replace(SQUARE, "POINT(1 2)")
    df = read_detections(_src(text))
    assert len(df) == 3 and len(df.attrs["scenes"]) == 0
    assert df.attrs["stats"]["scenes_bad_footprint"] == 1


def test_gfw_sentinel2_length_inferred_and_presence():
    df = read_detections(_src(GFW_S2))
    assert df.attrs["format"] == "gfw"
    assert df["sensor"].tolist() == ["optical", "optical"]
    assert df["length_m"].iloc[0] == 95.5 and np.isnan(df["length_m"].iloc[1])
    assert df["score"].tolist() == [0.8, 0.6]
    assert "scenes" not in df.attrs


def test_gfw_without_timestamp_takes_the_product_time():
    text = f"scene_id,detect_id,detect_lat,detect_lon,score\n{S2},x,44.6,33.5,0.5\n"
    df = read_detections(_src(text))
    assert df["time"].iloc[0] == pd.Timestamp("2021-11-04T08:31:41Z")


def test_skylight_without_scenes_times_from_product_names():
    df = read_detections(_src(SKYLIGHT, "predictions.csv"))
    _check_detections(df)
    assert df.attrs["format"] == "skylight"
    assert df["time"].iloc[0] == pd.Timestamp("2021-11-04T17:07:49Z")
    assert df["time"].iloc[1:].isna().all()
    assert df["beam_m"].tolist() == [15.2, 9.0, 6.0]
    assert df["sensor"].tolist() == ["sar", "optical", ""]  # planet_... names its provider
    stats = df.attrs["stats"]
    assert stats["no_time"] == 2 and stats["time_from_scene_id"] == 1
    assert stats["records"] == stats["rows"] == 3


def test_skylight_with_scenes_table():
    scenes = read_scenes(_src(SCENES, "scenes.csv"))
    df = read_detections(_src(SKYLIGHT, "predictions.csv"), scenes=scenes)
    assert df["time"].iloc[1] == pd.Timestamp("2024-12-02T06:00:00Z")
    assert df["sensor"].tolist() == ["sar", "optical", ""]
    assert df.attrs["stats"]["time_from_scenes"] == 2  # S1 is in the scenes table too
    assert df.attrs["stats"]["no_time"] == 1


def test_generic_csv():
    df = read_detections(_src(GENERIC, "gen.csv"))
    _check_detections(df)
    assert df.attrs["format"] == "generic"
    assert df["detect_id"].tolist() == ["gen.csv:2", "gen.csv:3", "gen.csv:4"]
    assert df["source"].tolist() == ["planet", "maxar", "iceye"]
    assert df["sensor"].tolist() == ["optical", "optical", "sar"]
    assert df["score"].iloc[1] == pytest.approx(0.85) and np.isnan(df["score"].iloc[2])
    assert df["beam_m"].iloc[0] == 16.0


def test_generic_geojson_points():
    data = _collection(
        [
            _feature(
                {"type": "Point", "coordinates": [35.87, 34.9]},
                time="2024-12-02T06:00:00Z",
                length_m=130,
                score=0.9,
                scene_id="sc1",
                source="umbra",
                detect_id="g1",
            ),
            _feature(
                None,
                time="2024-12-02T06:00:00Z",
                length_m=10,
                score=0.5,
                scene_id="sc1",
                source="umbra",
                detect_id="g2",
            ),  # fmt: skip
        ]
    )
    q = Quarantine()
    df = read_detections(InMemory(data, "d.geojson"), quarantine=q)
    _check_detections(df)
    assert df.attrs["format"] == "generic"
    assert df[["lat", "lon"]].values.tolist() == [[34.9, 35.87]]
    assert df["sensor"].tolist() == ["sar"]
    assert q.to_frame()[["line", "code"]].values.tolist() == [[2, "no_position"]]
    assert detect_imagery_format(InMemory(data)) == "generic"


def test_scenes_csv_wkt_and_geojson_text():
    q = Quarantine()
    sc = read_scenes(_src(SCENES, "scenes.csv"), quarantine=q)
    assert isinstance(sc, gpd.GeoDataFrame) and tuple(sc.columns) == SCENE_COLUMNS
    assert sc.crs.to_epsg() == 4326 and len(q) == 0
    assert sc["sensor"].tolist() == ["optical", "sar", "optical"]
    assert sc["cloud_cover"].iloc[0] == pytest.approx(0.12)
    assert sc["cloud_cover"].iloc[2] == pytest.approx(0.5)
    assert np.isnan(sc["cloud_cover"].iloc[1])
    assert all(g.geom_type == "Polygon" for g in sc.geometry)
    assert str(sc["time"].dtype) == "datetime64[ns, UTC]"
    assert sc["src_line"].tolist() == [2, 3, 4]


def test_scenes_geojson_and_geopackage(tmp_path):
    data = _collection(
        [
            _feature(
                _square(),
                scene_id="a",
                time="2024-12-02T06:00Z",
                source="Sentinel-2",
                cloud_cover=0.3,
            ),  # fmt: skip
            _feature(_square(40), scene_id="b", time="2024-12-02T07:00Z", source="capella"),
        ]
    )
    sc = read_scenes(InMemory(data, "scenes.geojson"))
    assert sc["scene_id"].tolist() == ["a", "b"]
    assert sc["sensor"].tolist() == ["optical", "sar"]
    assert sc["cloud_cover"].iloc[0] == pytest.approx(0.3)
    gpkg = tmp_path / "scenes.gpkg"
    sc[["scene_id", "time", "source", "cloud_cover", "geometry"]].assign(
        time=sc["time"].astype(str)
    ).to_file(gpkg)
    assert detect_imagery_format(gpkg) == "scenes" and detect_format(gpkg) == "scenes"
    back = read_scenes(gpkg)
    assert back["scene_id"].tolist() == ["a", "b"] and back["sensor"].tolist() == ["optical", "sar"]


def test_scenes_in_another_crs_are_reprojected(tmp_path):
    sc = read_scenes(_src(SCENES))
    p = tmp_path / "m.geojson"
    sc[["scene_id", "source", "geometry"]].assign(time=sc["time"].astype(str)).to_crs(3857).to_file(
        p, driver="GeoJSON"
    )
    back = read_scenes(p)
    assert back.geometry.iloc[0].bounds == pytest.approx((33.0, 44.0, 34.0, 45.0))


def test_antimeridian_footprints_are_split():
    text = (
        "scene_id,time,source,footprint\n"
        'a,2024-12-02T06:00Z,iceye,"POLYGON((179 0, -179 0, -179 1, 179 1, 179 0))"\n'
        'b,2024-12-02T06:00Z,iceye,"POLYGON((179 0, 181 0, 181 1, 179 1, 179 0))"\n'
    )
    sc = read_scenes(_src(text))
    for g in sc.geometry:
        assert g.geom_type == "MultiPolygon" and g.area == pytest.approx(2.0)
        assert g.bounds == (-180.0, 0.0, 180.0, 1.0)
    assert sc.attrs["stats"]["footprint_split"] == 2


def test_invalid_footprint_is_repaired():
    text = (
        "scene_id,time,source,footprint\n"
        'a,2024-12-02T06:00Z,iceye,"POLYGON((0 0,1 1,1 0,0 1,0 0))"\n'
    )
    sc = read_scenes(_src(text))
    assert sc.geometry.iloc[0].is_valid and sc.geometry.iloc[0].area == pytest.approx(0.5)
    assert sc.attrs["stats"]["footprint_repaired"] == 1


@pytest.mark.parametrize("kind", ["gz", "zip", "zst"])
def test_compressed_input(tmp_path, kind):
    p = tmp_path / f"gfw.csv.{kind}"
    if kind == "gz":
        p.write_bytes(gzip.compress(GFW.encode()))
    elif kind == "zip":
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("gfw.csv", GFW)
    else:
        import zstandard

        p.write_bytes(zstandard.ZstdCompressor().compress(GFW.encode()))
    df = read_detections(p)
    assert len(df) == 3 and df["src_file"].iloc[0] == str(p)
    assert detect_imagery_format(p) == "gfw" and detect_format(p) == "detections"
    s = tmp_path / f"scenes.csv.{kind}"
    if kind == "gz":
        s.write_bytes(gzip.compress(SCENES.encode()))
        assert len(read_scenes(s)) == 3


def test_geojson_compressed_and_file_object(tmp_path):
    data = _collection([_feature(_square(), scene_id="a", time="2024-12-02T06:00Z", source="x")])
    p = tmp_path / "s.geojson.gz"
    p.write_bytes(gzip.compress(data))
    assert read_scenes(p)["scene_id"].tolist() == ["a"]
    assert read_scenes(io.BytesIO(data))["scene_id"].tolist() == ["a"]


# --------------------------------------------------------------------------------------------
# Quarantine
# --------------------------------------------------------------------------------------------


def _codes(q: Quarantine) -> list[tuple[int, str]]:
    f = q.to_frame()
    for _, row in f.iterrows():
        assert row["reason"].startswith(f"{row['file']}:{row['line']}: "), row["reason"]
    return [(int(a), b) for a, b in f[["line", "code"]].values.tolist()]


def test_detection_quarantine_codes_name_file_and_line():
    text = (
        "scene_id,detect_id,detect_timestamp,detect_lat,detect_lon,length_m,score\n"
        "s,a,2024-12-02T06:00Z,44.6,33.5,100,0.5\n"  # 2 fine
        "s,b,yesterday,44.6,33.5,100,0.5\n"  # 3 bad_time
        "s,c,2024-12-02T06:00Z,,33.5,100,0.5\n"  # 4 no_position
        "s,d,2024-12-02T06:00Z,0,0,100,0.5\n"  # 5 no_position (0/0)
        "s,e,2024-12-02T06:00Z,95,33.5,100,0.5\n"  # 6 bad_position
        "s,f,2024-12-02T06:00Z,44.6,33.5,100,1.7\n"  # 7 bad_score
        "s,g,2024-12-02T06:00Z,44.6,33.5,100,high\n"  # 8 bad_score
        "s,a,2024-12-02T06:00Z,44.6,33.5,100,0.5\n"  # 9 duplicate_detect_id
        "s,h,2024-12-02T06:00Z,44.6,33.5,-5,0.5\n"  # 10 kept, length NaN
        "s,i,2024-12-02T06:00Z,44.6,33.5,900,0.5\n"  # 11 kept, length NaN
        "s,j,2024-12-02T06:00Z,44.6,33.5\n"  # 12 parse_error
    )
    q = Quarantine()
    df = read_detections(_src(text, "g.csv"), quarantine=q)
    assert sorted(_codes(q)) == [
        (3, "bad_time"),
        (4, "no_position"),
        (5, "no_position"),
        (6, "bad_position"),
        (7, "bad_score"),
        (8, "bad_score"),
        (9, "duplicate_detect_id"),
        (12, "parse_error"),
    ]
    assert df["detect_id"].tolist() == ["a", "h", "i"]
    assert df["length_m"].isna().tolist() == [False, True, True]
    stats = df.attrs["stats"]
    assert stats["bad_length"] == 2
    assert stats["records"] == stats["rows"] + stats["quarantined"] == 11


def test_percent_scores():
    text = "time,lat,lon,score,scene_id\n" + "".join(
        f"2024-12-02T06:00Z,44.6,33.5,{s},x\n" for s in ("93", "50", "150")
    )
    q = Quarantine()
    df = read_detections(_src(text), quarantine=q)
    assert df["score"].tolist() == [0.93, 0.5]
    assert df.attrs["stats"]["score_percent"] is True
    assert _codes(q) == [(4, "bad_score")]


def test_scene_quarantine_codes_name_file_and_line():
    text = (
        "scene_id,time,source,footprint\n"
        f'a,2024-12-02T06:00Z,planet,"{SQUARE}"\n'  # 2 fine
        f'a,2024-12-02T06:00Z,planet,"{SQUARE}"\n'  # 3 duplicate_scene
        f',2024-12-02T06:00Z,planet,"{SQUARE}"\n'  # 4 no_scene_id
        f'b,soon,planet,"{SQUARE}"\n'  # 5 bad_time
        'c,2024-12-02T06:00Z,planet,"LINESTRING(0 0, 1 1)"\n'  # 6 bad_footprint
        "d,2024-12-02T06:00Z,planet,not wkt\n"  # 7 bad_footprint
        'e,2024-12-02T06:00Z,planet,"POLYGON((0 89, 1 89, 1 91, 0 91, 0 89))"\n'  # 8 bad_footprint
        "f,2024-12-02T06:00Z,planet,\n"  # 9 bad_footprint
    )
    q = Quarantine()
    sc = read_scenes(_src(text, "s.csv"), quarantine=q)
    assert sc["scene_id"].tolist() == ["a"]
    assert sorted(_codes(q)) == [
        (3, "duplicate_scene"),
        (4, "no_scene_id"),
        (5, "bad_time"),
        (6, "bad_footprint"),
        (7, "bad_footprint"),
        (8, "bad_footprint"),
        (9, "bad_footprint"),
    ]
    assert sc.attrs["stats"]["records"] == 8


# --------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "layout"),
    [(GFW, "gfw"), (GFW_S2, "gfw"), (SKYLIGHT, "skylight"), (GENERIC, "generic"),
     (SCENES, "scenes"), ("time,mmsi,lat,lon\n", None), ("time,vessel,lat,lon,source\n", None),
     ("scene_id,detect_id,timestamp,lat,lon,presence_score,length_m,mmsi\n", "gfw")],
)  # fmt: skip
def test_detect_imagery_format(text, layout):
    assert detect_imagery_format(_src(text)) == layout
    if layout is not None:
        want = "scenes" if layout == "scenes" else "detections"
        assert detect_format(_src(text)) == want
        assert want in IMAGERY_FORMATS


def test_detect_format_unchanged_for_ais_and_geo():
    assert detect_format(_src("time,mmsi,lat,lon\n2024-12-02T06:00Z,273000001,1,2\n")) == "csv"
    pts = _collection(
        [_feature({"type": "Point", "coordinates": [5.9, 43.1]}, time="2024-12-03", mmsi=1)]
    )
    assert detect_format(InMemory(pts)) == "geo"
    assert detect_format(_src("time,port,source,coverage,present,notes\n")) == "surveys"
    sightings = "time,vessel,lat,lon,source,confidence,notes\n"
    assert detect_format(_src(sightings)) == "sightings"


def test_read_file_refuses_imagery():
    from navwatch.io import read_file

    with pytest.raises(IngestError, match="read_detections"):
        read_file(_src(GFW, "g.csv"), "detections")


_value = st.one_of(
    st.none(), st.integers(-5, 600), st.floats(allow_nan=True), st.sampled_from(_CELLS)
)
_point = st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]},
                   st.floats(-200, 200), st.floats(-100, 100))  # fmt: skip
_polygon = st.builds(lambda x, y: _square(x, y), st.floats(-200, 200), st.floats(-100, 100))
_geometry = st.one_of(st.none(), _point, _polygon)
_props = st.fixed_dictionaries(
    {"scene_id": _value, "time": _value},
    optional={"score": _value, "length_m": _value, "source": _value, "cloud_cover": _value,
              "detect_id": _value},
)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(features=st.lists(st.tuples(_geometry, _props), max_size=8))
def test_geojson_features_are_returned_or_quarantined(features):
    data = _collection([_feature(g, **p) for g, p in features])
    for reader in (read_detections, read_scenes):
        q = Quarantine()
        try:
            df = reader(InMemory(data, "r.geojson"), quarantine=q)
        except IngestError:
            continue
        assert df.attrs["stats"]["records"] == len(features) == len(df) + len(q)


def test_read_observations_refuses_imagery():
    with pytest.raises(
        IngestError,
        match="satellite detections, not observations.*navwatch imagery.*read_detections",
    ):
        read_observations(_src(GENERIC, "gen.csv"))
    with pytest.raises(IngestError, match="scene footprints, not observations.*read_scenes"):
        read_observations(_src(SCENES, "sc.csv"))


def test_unknown_layout_names_file_and_columns():
    with pytest.raises(IngestError) as err:
        read_detections(_src("a,b,c\n1,2,3\n", "odd.csv"))
    msg = str(err.value)
    assert msg.startswith("odd.csv:") and "['a', 'b', 'c']" in msg and "Skylight" in msg
    with pytest.raises(IngestError, match="read_scenes"):
        read_detections(_src(SCENES))
    with pytest.raises(IngestError, match="read_detections"):
        read_scenes(_src(GFW))
    with pytest.raises(IngestError, match="empty"):
        read_detections(_src(""))
    with pytest.raises(IngestError, match="not found"):
        read_detections(Path("/nonexistent/x.csv"))


# --------------------------------------------------------------------------------------------
# Properties: anything in -> IngestError or every data row accounted for
# --------------------------------------------------------------------------------------------

_cell = st.one_of(
    st.sampled_from(_CELLS),
    st.text(alphabet="abc019.,-:\" %TZ", max_size=8),
)  # fmt: skip
_headers = st.sampled_from(
    [
        GFW.splitlines()[0],
        GFW_S2.splitlines()[0],
        SKYLIGHT.splitlines()[0],
        GENERIC.splitlines()[0],
        SCENES.splitlines()[0],
    ]
)


def _data_lines(text: str) -> int:
    return sum(1 for line in text.splitlines()[1:] if line.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=_headers, rows=st.lists(st.lists(_cell, min_size=0, max_size=12), max_size=12))
def test_rows_are_returned_or_quarantined(header, rows):
    n = len(header.split(","))
    lines = [",".join((r + [""] * n)[: n if len(r) % 3 else len(r)]) for r in rows]
    text = header + "\n" + "\n".join(lines) + ("\n" if lines else "")
    for reader in (read_detections, read_scenes):
        q = Quarantine()
        try:
            df = reader(_src(text), quarantine=q)
        except IngestError:
            continue
        stats = df.attrs["stats"]
        assert stats["records"] == len(df) + len(q) == stats["rows"] + stats["quarantined"]
        if '"' not in text:  # no quoted field spans lines: one record a non-blank line
            assert stats["records"] == _data_lines(text)
        if "score" in df.columns:
            _check_detections(df)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_raise_only_ingest_error(data):
    for fn in (read_detections, read_scenes):
        try:
            fn(InMemory(data, "r.bin"), quarantine=Quarantine())
        except IngestError:
            pass
    detect_imagery_format(InMemory(data))


def test_geojson_with_a_crs_member_is_judged_by_its_features():
    """GDAL writes ``"crs": {"type": "name", "properties": {"name": ...}}`` before the
    features: those properties are not a feature's."""
    from navwatch.imagery import detect_imagery_format
    from navwatch.io import InMemory, detect_format

    body = (
        b'{"type": "FeatureCollection", "name": "scenes", "crs": {"type": "name", "properties": '
        b'{"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, "features": [{"type": "Feature", '
        b'"properties": {"scene_id": "S1A_X", "time": "2024-12-02T06:00:00Z", "source": "sentinel-1"}, '
        b'"geometry": {"type": "Polygon", "coordinates": [[[35, 34], [36, 34], [36, 35], [35, 34]]]}}]}'
    )
    assert detect_imagery_format(InMemory(body)) == "scenes"
    assert detect_format(InMemory(body)) == "scenes"
