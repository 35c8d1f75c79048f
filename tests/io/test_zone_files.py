"""Ports files read by navwatch.io.zones: the zones as read (points stay points, the model makes
the circles), in-memory input read as the same file would be, with its name in messages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from navwatch.errors import PortsError
from navwatch.io import InMemory
from navwatch.io.zones import RAW_COLUMNS, ZoneFile, read_bundled_zones, read_zones
from navwatch.ports import circle, load_ports

WPI_SLICE = Path(__file__).resolve().parents[1] / "data" / "ports" / "wpi_slice.csv"
CSV = (
    "name,lat,lon,radius_km,tier,aliases,country,locode\n"
    "Tartus,34.9139,35.8741,2.5,harbour,Tartous|Tartous naval base,Syria,SY TTS\n"
    "Tartus,34.9139,35.8741,15,anchorage,,Syria,SYTTS\n"
    "Latakia,35.5133,35.7706,,,,Syria,\n"
)


def geojson_bytes() -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"name": "Portus", "tier": "Harbor"},
            "geometry": shapely.geometry.mapping(circle(10.0, 50.0, 2.0)),
        },
        {
            "type": "Feature",
            "properties": {"name": "Portus", "tier": "anchorage", "radius_km": 8},
            "geometry": shapely.geometry.mapping(shapely.Point(10.1, 50.0)),
        },
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def assert_same_zones(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    cols = [c for c in a.columns if c not in ("geometry", "source")]
    pd.testing.assert_frame_equal(pd.DataFrame(a[cols]), pd.DataFrame(b[cols]))
    assert all(x.equals_exact(y, 0) for x, y in zip(a.geometry, b.geometry, strict=True))


def test_zones_as_read_keep_points_and_cells(tmp_path):
    f = tmp_path / "ports.csv"
    f.write_text(CSV, encoding="utf-8")
    got = read_zones(f)
    assert isinstance(got, ZoneFile) and got.kind == "csv"
    z = got.zones
    assert tuple(z.columns) == RAW_COLUMNS and z.crs.to_epsg() == 4326
    assert (z.geometry.geom_type == "Point").all()
    assert z["radius_km"].tolist() == [2.5, 15.0, 3.0]
    assert z["locode"].tolist() == ["SY TTS", "SYTTS", ""]  # as written: the model compacts
    assert z["source"].tolist() == ["ports.csv"] * 3


def test_vector_polygons_have_no_radius_points_do():
    got = read_zones(geojson_bytes())
    assert got.kind == "vector"
    assert got.zones.geometry.geom_type.tolist() == ["Polygon", "Point"]
    r = got.zones["radius_km"].tolist()
    assert np.isnan(r[0]) and r[1] == 8.0


def test_wpi_kind_and_default_radius():
    got = read_zones(WPI_SLICE, default_radius_km=1.0)
    assert got.kind == "wpi" and (got.zones["radius_km"] == 1.0).all()
    assert got.zones["source"].str.contains("default 1 km circle").all()


@pytest.mark.parametrize(
    "make",
    [
        lambda data, name: data,
        lambda data, name: io.BytesIO(data),
        lambda data, name: InMemory(data, name),
        lambda data, name: InMemory(io.BytesIO(data), name),
    ],
    ids=["bytes", "file-object", "InMemory", "InMemory-file-object"],
)
@pytest.mark.parametrize("name", ["ports.csv", "zones.geojson", "wpi_slice.csv", "zones.parquet"])
def test_in_memory_is_read_as_the_file(tmp_path, make, name):
    path = tmp_path / name
    if name == "ports.csv":
        path.write_text(CSV, encoding="utf-8")
    elif name == "zones.geojson":
        path.write_bytes(geojson_bytes())
    elif name == "wpi_slice.csv":
        path.write_bytes(WPI_SLICE.read_bytes())
    else:
        gpd.read_file(io.BytesIO(geojson_bytes())).to_parquet(path)
    from_file = load_ports(path, bundled=False)
    from_memory = load_ports(make(path.read_bytes(), name), bundled=False)
    assert_same_zones(from_file, from_memory)


def test_in_memory_name_in_messages_and_source():
    z = load_ports(InMemory(CSV.encode(), "https://example.org/ports.csv"), bundled=False)
    assert set(z["source"]) == {"https://example.org/ports.csv"}
    bad = b"name,lat,lon\nFar,95,35.87\n"
    with pytest.raises(PortsError, match=r"^<bytes>: 1 bad row\(s\): line 2: latitude 95"):
        load_ports(bad, bundled=False)
    with pytest.raises(PortsError, match="text stream"):
        load_ports(io.StringIO(CSV), bundled=False)  # type: ignore[arg-type]


def test_wpi_in_memory_does_not_replace_bundled_ports():
    """The kind read from in-memory input keeps the WPI rule: its circles yield to bundled ports."""
    rows = list(csv.reader(io.StringIO(WPI_SLICE.read_text(encoding="utf-8"))))
    head = rows[0]
    rows[1][head.index("Main Port Name")] = "Tartus"
    rows[1][head.index("Country Code")] = "Syria"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    z = load_ports(io.BytesIO(out.getvalue().encode()))
    tartus = z[z["port"] == "Tartus"]
    assert tartus["tier"].tolist() == ["harbour", "anchorage", "operating_area"]  # bundled kept
    assert not tartus["source"].str.startswith("NGA WPI #").any()  # the WPI entry dropped
    assert len(z) == len(load_ports()) + 8


def test_bundled_zones_as_read():
    raw = read_bundled_zones()
    assert tuple(raw.columns) == RAW_COLUMNS and len(raw) == len(load_ports())
