"""Tests for navwatch.ports: formats, geometry accuracy, name lookup, errors, bundled data.

Also checks that the shipped evidence (``vessels.csv``, ``navwatch/data/demo``) parses with the
exact columns other modules rely on.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from navwatch.errors import NavwatchError, PortsError
from navwatch.ports import (
    WPI_RADIUS_KM,
    ZONE_COLUMNS,
    buffer_km,
    bundled_ports,
    circle,
    circles,
    find_port,
    load_ports,
    normalise_name,
)
from tests.conftest import SHARED, needs_shared

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "ports"
WPI_SLICE = DATA / "wpi_slice.csv"
WPI_FULL = SHARED / "ports" / "nga-wpi-uscg-nais-data" / "UpdatedPub150.csv"
DEMO = ROOT / "navwatch" / "data" / "demo"
GEOD = Geod(ellps="WGS84")

# The Russian naval piers at Tartus (Wikipedia infobox), the reference point of the demo data.
PIERS_LON, PIERS_LAT = 35.87408, 34.91385
REQUIRED_PORTS = [
    "Tartus",
    "Latakia",
    "Sevastopol",
    "Novorossiysk",
    "Baltiysk",
    "Severomorsk",
    "Tobruk",
    "Benghazi",
    "Port Said",
    "Alexandria",
    "Algiers",
]


# ------------------------------------------------------------------ helpers


def offset(lon: float, lat: float, azimuth_deg: float, km: float) -> shapely.Point:
    lo, la, _ = GEOD.fwd(lon, lat, azimuth_deg, km * 1000.0)
    return shapely.Point(lo, la)


def vertex_km(poly, lon: float, lat: float) -> np.ndarray:
    """Geodesic distance (km) from (lon, lat) to every exterior vertex of ``poly``."""
    xy = np.asarray(poly.exterior.coords)
    return GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])[2] / 1000.0


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def feature(geom, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def write_geojson(path: Path, *features: dict) -> Path:
    return write(path, json.dumps({"type": "FeatureCollection", "features": list(features)}))


def assert_zone_table(z: gpd.GeoDataFrame) -> None:
    assert list(z.columns) == list(ZONE_COLUMNS)
    assert z.crs.to_epsg() == 4326
    assert z.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert z.geometry.is_valid.all()
    assert z["tier_rank"].dtype == "int64"
    assert z["radius_km"].dtype == "float64"
    for c in ("port", "tier", "country", "locode", "aliases", "source"):
        assert all(isinstance(v, str) for v in z[c]), c


@pytest.fixture(scope="module")
def bundled() -> gpd.GeoDataFrame:
    return bundled_ports()


# ------------------------------------------------------------------ bundled zones


def test_bundled_has_required_ports_with_harbour_tier(bundled):
    assert_zone_table(bundled)
    for name in REQUIRED_PORTS:
        rows = find_port(bundled, name)
        harbour = rows[rows["tier"] == "harbour"]
        assert len(harbour) == 1, name
        assert harbour["tier_rank"].iloc[0] == 0, name
        assert harbour["source"].iloc[0], name
    assert (bundled["source"].str.len() > 10).all()


def test_bundled_tartus_identity(bundled):
    t = find_port(bundled, "Tartus")
    assert t["tier"].tolist() == ["harbour", "anchorage", "operating_area"]
    assert t["tier_rank"].tolist() == [0, 1, 2]
    assert set(t["locode"]) == {"SYTTS"} and set(t["country"]) == {"Syria"}
    assert "Tartous" in t["aliases"].iloc[0].split("|")
    assert np.isnan(t["radius_km"].iloc[0])  # drawn polygon


def test_tartus_anchorage_contains_offshore_point_harbour_does_not(bundled):
    t = find_port(bundled, "Tartus").set_index("tier").geometry
    piers = shapely.Point(PIERS_LON, PIERS_LAT)
    wnw_10km = offset(PIERS_LON, PIERS_LAT, 292.5, 10.0)
    assert t["harbour"].contains(piers)
    assert not t["harbour"].contains(wnw_10km)
    assert t["anchorage"].contains(wnw_10km)
    # the whole band reported in Dec 2024: 7-13 km W..NW is anchorage, not harbour
    for az in (270, 292.5, 315):
        for km in (7, 10, 13):
            p = offset(PIERS_LON, PIERS_LAT, az, km)
            assert t["anchorage"].contains(p) and not t["harbour"].contains(p), (az, km)
    # tiers nest
    assert t["harbour"].within(t["anchorage"])
    assert t["anchorage"].within(t["operating_area"])


def test_bundled_harbours_are_tight(bundled):
    """No harbour tier reaches 7 km from its own reference point (a ship 7 km off is outside)."""
    h = bundled[bundled["tier"] == "harbour"]
    for _, row in h.iterrows():
        c = row.geometry.centroid
        assert vertex_km(row.geometry, c.x, c.y).max() < 6.0, row["port"]


def test_bundled_ports_returns_a_copy():
    a = bundled_ports()
    a.loc[:, "port"] = "changed"
    assert "Tartus" in set(bundled_ports()["port"])


# ------------------------------------------------------------------ GeoJSON / GeoPackage


def test_geojson_polygons_with_tiers_nest_and_rank(tmp_path):
    harbour = shapely.box(10.0, 50.0, 10.02, 50.02)
    anchorage = shapely.box(9.9, 50.03, 10.1, 50.1)  # offshore, does not contain the harbour
    op_area = circle(10.01, 50.01, 40.0)
    f = write_geojson(
        tmp_path / "zones.geojson",
        feature(op_area, name="Portus", tier="Operating Area", aliases="Porto|Port-us"),
        feature(anchorage, name="Portus", tier="anchorage"),
        feature(harbour, name="Portus", tier="Harbor", country="Utopia", locode="UT PRT"),
    )
    z = load_ports(f, bundled=False)
    assert_zone_table(z)
    by_tier = z.set_index("tier")
    assert by_tier.loc["harbour", "tier_rank"] == 0
    assert by_tier.loc["anchorage", "tier_rank"] == 1
    assert by_tier.loc["operating_area", "tier_rank"] == 2
    assert by_tier.loc["harbour", "locode"] == "UTPRT"
    assert by_tier.loc["operating_area", "aliases"] == "Porto|Port-us"
    assert by_tier.loc["harbour", "source"] == "zones.geojson"
    assert z["radius_km"].isna().all()
    # nesting: the offshore anchorage now includes the harbour, the operating area both
    assert by_tier.loc["harbour", "geometry"].within(by_tier.loc["anchorage", "geometry"])
    assert by_tier.loc["anchorage", "geometry"].within(by_tier.loc["operating_area", "geometry"])
    assert find_port(z, "portus")["tier"].tolist() == ["harbour", "anchorage", "operating_area"]


def test_unknown_tier_ranks_outside_known_tiers(tmp_path):
    f = write_geojson(
        tmp_path / "z.geojson",
        feature(circle(5, 5, 1), name="P", tier="patrol_box"),
        feature(circle(5, 5, 2), name="P", tier="harbour"),
    )
    z = load_ports(f, bundled=False).set_index("tier")
    assert z.loc["harbour", "tier_rank"] == 0 and z.loc["patrol_box", "tier_rank"] == 1


def test_geojson_points_with_radius_and_default(tmp_path):
    f = write_geojson(
        tmp_path / "pts.geojson",
        feature(shapely.Point(35.0, 34.0), port="A", radius_km=2.5),
        feature(shapely.Point(36.0, 34.0), port="B"),  # no radius: default
    )
    z = load_ports(f, bundled=False).set_index("port")
    assert z.loc["A", "radius_km"] == 2.5 and z.loc["B", "radius_km"] == 3.0
    assert vertex_km(z.loc["A", "geometry"], 35.0, 34.0) == pytest.approx(2.5, rel=5e-3)
    z2 = load_ports(f, bundled=False, default_radius_km=1.0).set_index("port")
    assert z2.loc["A", "radius_km"] == 2.5 and z2.loc["B", "radius_km"] == 1.0


@pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")
def test_geopackage_detected_by_content(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": ["Gp"], "tier": ["harbour"], "radius_km": [4.0]},
        geometry=[shapely.Point(20.0, 40.0)],
        crs="EPSG:4326",
    )
    gpkg = tmp_path / "zones.gpkg"
    gdf.to_file(gpkg, driver="GPKG")
    renamed = gpkg.rename(tmp_path / "zones.data")  # no telling extension
    z = load_ports(renamed, bundled=False)
    assert z["port"].tolist() == ["Gp"] and z["radius_km"].tolist() == [4.0]


def test_projected_input_is_reprojected(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["Merc"]}, geometry=[circle(3.0, 45.0, 2.0)], crs="EPSG:4326")
    f = tmp_path / "merc.gpkg"
    gdf.to_crs(3857).to_file(f, driver="GPKG")
    z = load_ports(f, bundled=False)
    assert z.crs.to_epsg() == 4326
    assert z.geometry.iloc[0].centroid.distance(shapely.Point(3.0, 45.0)) < 1e-4


# ------------------------------------------------------------------ CSV


def test_simple_csv(tmp_path):
    f = write(
        tmp_path / "ports.csv",
        "name,lat,lon,radius_km,tier,aliases,country,locode\n"
        "Tartus,34.9139,35.8741,2.5,harbour,Tartous|Tartous naval base,Syria,SY TTS\n"
        "Tartus,34.9139,35.8741,15,anchorage,,Syria,SYTTS\n"
        "Latakia,35.5133,35.7706,,,,Syria,\n",
    )
    z = load_ports(f, bundled=False)
    assert_zone_table(z)
    assert z["port"].tolist() == ["Tartus", "Tartus", "Latakia"]
    assert z["tier"].tolist() == ["harbour", "anchorage", "harbour"]
    assert z["tier_rank"].tolist() == [0, 1, 0]
    assert z["radius_km"].tolist() == [2.5, 15.0, 3.0]  # blank radius -> default
    assert z["locode"].tolist() == ["SYTTS", "SYTTS", ""]
    assert z["aliases"].iloc[0] == "Tartous|Tartous naval base"
    assert vertex_km(z.geometry.iloc[1], 35.8741, 34.9139) == pytest.approx(15.0, rel=5e-3)


def test_csv_minimal_columns_with_port_header(tmp_path):
    f = write(tmp_path / "p.txt", "Port,Latitude,Longitude\nX,1.0,2.0\n")
    z = load_ports(f, bundled=False, default_radius_km=1.5)
    assert z["radius_km"].tolist() == [1.5]


# ------------------------------------------------------------------ World Port Index


def test_wpi_slice_exact_header():
    z = load_ports(WPI_SLICE, bundled=False)
    assert_zone_table(z)
    assert len(z) == 9
    z = z.set_index("port")
    assert z.loc["Los Angeles", "radius_km"] == 5.0  # Large
    assert z.loc["Newark", "radius_km"] == 4.0  # Medium
    assert z.loc["South Amboy", "radius_km"] == 3.0  # Small
    assert z.loc["New York City", "locode"] == "USNYC"
    assert z.loc["Tompkinsville SI", "locode"] == ""  # blank ' ' in the WPI
    assert z.loc["Los Angeles", "aliases"] == "San Pedro|Terminal Island|Wilmington"
    assert z.loc["San Diego", "country"] == "United States"
    assert z.loc["San Diego", "source"].startswith("NGA WPI #16010")
    assert z.loc["San Diego", "geometry"].contains(shapely.Point(-117.183333, 32.716667))
    assert vertex_km(z.loc["Los Angeles", "geometry"], -118.25, 33.75) == pytest.approx(
        5.0, rel=5e-3
    )
    assert set(z["tier"]) == {"harbour"}


def test_wpi_default_radius_override():
    z = load_ports(WPI_SLICE, bundled=False, default_radius_km=1.0)
    assert (z["radius_km"] == 1.0).all()


def test_wpi_radius_table_is_documented():
    assert WPI_RADIUS_KM == {"Very Small": 2.0, "Small": 3.0, "Medium": 4.0, "Large": 5.0, "": 3.0}


@needs_shared(WPI_FULL)
def test_full_wpi_loads_and_finds_ports():
    z = load_ports(WPI_FULL, bundled=False)
    assert len(z) == 3768
    assert z.geometry.is_valid.all()
    sizes = z["source"].str.extract(r"\((.*) harbour")[0].value_counts()
    assert sizes["Very Small"] == 2134 and sizes["Large"] == 171 and sizes["blank size"] == 71
    assert find_port(z, "Tartous")["locode"].tolist() == ["SYTTS"]
    assert find_port(z, "port said")["port"].tolist() == ["Bur Sa'id"]


def test_user_file_replaces_bundled_port_of_same_name(tmp_path):
    f = write(tmp_path / "mine.csv", "name,lat,lon,radius_km\nTARTUS,34.9,35.87,6\n")
    z = load_ports(f)
    t = find_port(z, "Tartus")
    assert len(t) == 1 and t["radius_km"].iloc[0] == 6.0  # bundled tiers gone
    assert z["port"].iloc[0] == "TARTUS"  # user zones first
    assert {"Latakia", "Algiers"} <= set(z["port"])


def test_same_name_other_country_kept(tmp_path):
    f = write(
        tmp_path / "us.csv",
        "name,lat,lon,radius_km,country\nAlexandria,38.8,-77.033333,3,United States\n",
    )
    z = load_ports(f)
    alex = find_port(z, "Alexandria")
    assert sorted(alex["country"]) == ["Egypt", "United States"]


def test_tiers_of_same_name_in_other_countries_do_not_merge(tmp_path):
    f = write(
        tmp_path / "two.csv",
        "name,lat,lon,radius_km,tier,country\n"
        "Alexandria,38.8,-77.03,3,harbour,United States\n"
        "Alexandria,31.17,29.83,20,anchorage,Egypt\n",
    )
    z = load_ports(f, bundled=False)
    assert z["tier_rank"].tolist() == [0, 0]
    assert z.geometry.iloc[1].bounds[0] > 29  # the Egyptian anchorage did not swallow Virginia


# ------------------------------------------------------------------ geometry accuracy


@pytest.mark.parametrize("lat", [-75.0, -33.9, 0.0, 34.91, 54.63, 69.07, 78.9])
@pytest.mark.parametrize("radius_km", [0.5, 3.0, 12.0, 49.0, 120.0])
def test_circle_radius_accuracy(lat, radius_km):
    lon = 35.87
    for poly in (circle(lon, lat, radius_km), circles([lon], [lat], [radius_km])[0]):
        assert poly.is_valid
        d = vertex_km(poly, lon, lat)
        assert np.abs(d / radius_km - 1).max() < 0.005
        assert poly.contains(shapely.Point(lon, lat))


def test_circles_vectorised_matches_single():
    lons, lats, radii = [0.0, 100.0, -170.0], [10.0, -45.0, 60.0], [2.0, 5.0, 30.0]
    many = circles(lons, lats, radii)
    for p, lo, la, r in zip(many, lons, lats, radii, strict=True):
        assert p.symmetric_difference(circle(lo, la, r)).area / p.area < 1e-3


@pytest.mark.parametrize(
    "bad", [(0, 91, 1), (181, 0, 1), (0, 0, 0), (0, 0, -1), (0, 0, float("nan"))]
)
def test_circle_rejects_bad_input(bad):
    with pytest.raises(PortsError):
        circle(*bad)


@pytest.mark.parametrize("lat", [0.0, 34.91, 69.07])
def test_buffer_km_point_and_negative(lat):
    lon = 33.4
    b = buffer_km(shapely.Point(lon, lat), 5.0)
    assert vertex_km(b, lon, lat) == pytest.approx(5.0, rel=1e-3)
    shrunk = buffer_km(circle(lon, lat, 5.0), -2.0)
    # the 64-gon's edges sag ~6 m inside the true circle, hence 0.5 % not 0.1 %
    assert vertex_km(shrunk, lon, lat) == pytest.approx(3.0, rel=5e-3)
    assert buffer_km(circle(lon, lat, 5.0), -6.0).is_empty


def test_buffer_km_line_distance():
    line = shapely.LineString([(35.80, 34.90), (35.95, 35.00)])
    buf = buffer_km(line, 3.0)
    dense = shapely.segmentize(line, 0.0005)
    lxy = np.asarray(dense.coords)
    for x, y in np.asarray(buf.exterior.coords)[::7]:
        d = (
            GEOD.inv(np.full(len(lxy), x), np.full(len(lxy), y), lxy[:, 0], lxy[:, 1])[2].min()
            / 1000
        )
        assert d == pytest.approx(3.0, rel=5e-3)
    assert buf.contains(line)


def test_buffer_km_rejects_non_geometry():
    with pytest.raises(PortsError):
        buffer_km((35.0, 34.0), 1.0)


# ------------------------------------------------------------------ find_port


@pytest.mark.parametrize(
    "query, port",
    [
        ("Tartus", "Tartus"),
        ("  tar-TOUS ", "Tartus"),
        ("Tartous Naval Base", "Tartus"),
        ("Bur Sa'id", "Port Said"),
        ("bursaid", "Port Said"),
        ("PILLAU", "Baltiysk"),
        ("Al Ladhiqiyah", "Latakia"),
        ("sévastopol", "Sevastopol"),
    ],
)
def test_find_port_names_and_aliases(bundled, query, port):
    assert find_port(bundled, query)["port"].unique().tolist() == [port]


def test_find_port_tier_selector(bundled):
    a = find_port(bundled, "Tartous/anchorage")
    assert a["tier"].tolist() == ["anchorage"]
    with pytest.raises(PortsError, match="no tier 'berth'.*harbour, anchorage, operating_area"):
        find_port(bundled, "Tartus/berth")


def test_find_port_unknown_lists_close_names(bundled):
    with pytest.raises(PortsError) as err:
        find_port(bundled, "Tartuss")
    assert "Tartuss" in str(err.value) and "close names: Tartus" in str(err.value)
    with pytest.raises(PortsError, match="Severomorsk"):
        find_port(bundled, "Severomorks")
    with pytest.raises(PortsError, match="none of the"):
        find_port(bundled, "Zzyzx")
    assert isinstance(err.value, NavwatchError) and isinstance(err.value, ValueError)


def test_find_port_rejects_empty(bundled):
    with pytest.raises(PortsError):
        find_port(bundled, " - ")


def test_normalise_name():
    assert normalise_name("Yel'nya") == normalise_name("YELNYA") == "yelnya"
    assert normalise_name("Ельня") == "ельня"


# ------------------------------------------------------------------ errors


def test_bad_csv_rows_name_file_line_and_reason(tmp_path):
    f = write(
        tmp_path / "bad.csv",
        "name,lat,lon,radius_km\n"
        "Good,34.9,35.87,3\n"
        "NoLat,,35.87,3\n"
        "Far,95.0,35.87,3\n"
        ",34.9,35.87,3\n"
        "BadR,34.9,35.87,-2\n",
    )
    with pytest.raises(PortsError) as err:
        load_ports(f, bundled=False)
    msg = str(err.value)
    assert str(f) in msg and "4 bad row(s)" in msg
    assert "line 3: missing or non-numeric latitude" in msg
    assert "line 4: latitude 95 out of range" in msg
    assert "line 5: no port name" in msg
    assert "line 6: radius_km '-2' is not a positive number" in msg
    assert "line 2" not in msg


def test_bad_wpi_row_names_line(tmp_path):
    with open(WPI_SLICE, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[3][rows[0].index("Latitude")] = " "  # third port, line 4 of the file
    bad = tmp_path / "wpi.csv"
    with open(bad, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(
        PortsError, match=r"wpi\.csv: 1 bad row\(s\): line 4: missing or non-numeric latitude"
    ):
        load_ports(bad, bundled=False)


def test_bad_geojson_feature_named(tmp_path):
    f = write_geojson(
        tmp_path / "g.geojson",
        feature(circle(5, 5, 1), name="ok"),
        feature(shapely.LineString([(0, 0), (1, 1)]), name="line"),
        feature(shapely.Point(5, 5), name="ok2", radius_km="wide"),
    )
    with pytest.raises(PortsError) as err:
        load_ports(f, bundled=False)
    msg = str(err.value)
    assert "feature 2: geometry type LineString not supported" in msg
    assert "feature 3: radius_km 'wide' is not a positive number" in msg


def test_missing_name_column(tmp_path):
    f = write(tmp_path / "x.csv", "city,lat,lon\nA,1,2\n")
    with pytest.raises(PortsError, match="needs columns name,lat,lon"):
        load_ports(f, bundled=False)
    g = write_geojson(tmp_path / "x.geojson", feature(circle(1, 1, 1), label="A"))
    with pytest.raises(PortsError, match="'name'"):
        load_ports(g, bundled=False)


def test_unreadable_and_missing_files(tmp_path):
    garbage = tmp_path / "garbage.geojson"
    garbage.write_bytes(b"{ this is not json")
    with pytest.raises(PortsError, match="garbage.geojson: cannot read"):
        load_ports(garbage, bundled=False)
    with pytest.raises(PortsError, match="not found"):
        load_ports(tmp_path / "nope.csv")
    with pytest.raises(PortsError, match="default_radius_km"):
        load_ports(default_radius_km=0)


def test_empty_when_nothing_requested():
    z = load_ports(bundled=False)
    assert len(z) == 0 and list(z.columns) == list(ZONE_COLUMNS)


# ------------------------------------------------------------------ shipped registry and demo


def read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_vessels_csv_columns_and_identifiers():
    v = read_text_csv(ROOT / "vessels.csv")
    assert list(v.columns) == [
        "vessel_id",
        "name",
        "aliases",
        "type",
        "vessel_class",
        "navy",
        "home_port",
        "mmsi",
        "imo",
        "callsign",
        "length_m",
        "beam_m",
        "notes",
    ]
    assert v["vessel_id"].is_unique
    # sizes: numbers from cited references, empty when unknown (Vyazma's class is not known)
    sizes = v.set_index("vessel_id")["length_m"]
    assert sizes["vyazma"] == "" and float(sizes["admiral-grigorovich"]) == 124.8
    assert set(v["vessel_id"]) == {
        "admiral-gorshkov",
        "admiral-golovko",
        "admiral-grigorovich",
        "yelnya",
        "vyazma",
        "novorossiysk",
    }
    assert set(v["type"]) == {"frigate", "oiler", "submarine"}
    assert (v["home_port"] == "Tartus").all()
    assert v.loc[v["mmsi"] != "", "vessel_id"].tolist() == ["vyazma"]
    assert v.set_index("vessel_id").loc["vyazma", "mmsi"] == "273547800"
    assert (v["imo"] == "").all() and (v["callsign"] == "").all()
    yel = v.set_index("vessel_id").loc["yelnya", "aliases"].split("|")
    assert {"Yel'nya", "Elnya", "Jelnja"} <= set(yel)
    assert (v["notes"].str.len() > 40).all()


def test_demo_surveys_parse():
    s = read_text_csv(DEMO / "surveys.csv")
    assert list(s.columns) == ["time", "port", "source", "coverage", "present", "notes"]
    t = pd.to_datetime(s["time"], utc=True, format="ISO8601")
    assert t.is_monotonic_increasing and t.notna().all()
    assert set(s["coverage"]) == {"full"}
    assert set(s["port"]) == {"Tartus"}
    first = s["present"].iloc[0].split("|")
    assert len(first) == 6
    assert (s["source"] != "").all() and (s["notes"].str.len() > 40).all()
    find_port(bundled_ports(), s["port"].iloc[0])  # the surveyed port exists


def test_demo_sightings_parse_and_sit_in_the_right_tiers(bundled):
    s = read_text_csv(DEMO / "sightings.csv")
    assert list(s.columns) == ["time", "vessel", "lat", "lon", "source", "confidence", "notes"]
    assert pd.to_datetime(s["time"], utc=True, format="ISO8601").notna().all()
    lat, lon = s["lat"].astype(float), s["lon"].astype(float)
    conf = s["confidence"].astype(float)
    assert conf.between(0, 1).all()
    t = find_port(bundled, "Tartus").set_index("tier").geometry
    for la, lo in zip(lat, lon, strict=True):
        p = shapely.Point(lo, la)
        assert not t["harbour"].contains(p)  # every sighting is outside the harbour
        assert t["anchorage"].contains(p)
    assert s["vessel"].iloc[0] == "Yelnya"
