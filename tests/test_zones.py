"""One zones model (navwatch.zones.ZoneIndex) for detection, dispersal and reports: the same tier
ranks everywhere, also for a table without ``tier_rank``, and port names (aliases too) matched
the same way by fleet_dispersal and map_report."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import navwatch as nw
from navwatch import schema
from navwatch.demo import demo_inputs
from navwatch.dispersal import DispersalParams, fleet_dispersal
from navwatch.errors import ConfigError
from navwatch.ports import circle, load_ports, port_keys, tier_ranks
from navwatch.registry import COLUMNS as REGISTRY_COLUMNS
from navwatch.registry import Registry
from navwatch.report import map_report
from navwatch.testing import T0
from navwatch.zones import ZoneIndex
from tests.conftest import PORT_LAT, PORT_LON

KM_LON = 111.320 * np.cos(np.radians(PORT_LAT))
HARBOUR_AT = (PORT_LAT, PORT_LON)  # centre of a 3 km harbour circle
ANCHORAGE_AT = (PORT_LAT, PORT_LON + 6.0 / KM_LON)  # centre of a 1.5 km anchorage circle, 6 km east


def harbour_anchorage(order: tuple[str, ...] = ("harbour", "anchorage")) -> gpd.GeoDataFrame:
    """A port with a 3 km harbour and a *smaller* (1.5 km) anchorage beside it, no ``tier_rank``:
    ranking by area would put the anchorage inside the harbour."""
    where = {"harbour": (HARBOUR_AT, 3.0), "anchorage": (ANCHORAGE_AT, 1.5)}
    return gpd.GeoDataFrame(
        {
            "port": ["Testport"] * len(order),
            "tier": list(order),
            "aliases": ["Portus"] * len(order),
        },
        geometry=[circle(where[t][0][1], where[t][0][0], where[t][1]) for t in order],
        crs="EPSG:4326",
    )


def registry(*vessels: str) -> Registry:
    rows = [
        {c: "" for c in REGISTRY_COLUMNS}
        | {"vessel_id": v, "name": v.title(), "home_port": "Testport", "type": "frigate"}
        for v in vessels
    ]
    return Registry(pd.DataFrame(rows, columns=REGISTRY_COLUMNS))


def sightings(*rows: tuple[str, tuple[float, float]]) -> pd.DataFrame:
    return schema.conform(
        pd.DataFrame(
            {
                "time": [T0] * len(rows),
                "lat": [w[0] for _, w in rows],
                "lon": [w[1] for _, w in rows],
                "kind": ["sighting"] * len(rows),
                "vessel": [v.title() for v, _ in rows],
                "source": ["Spotter"] * len(rows),
                "src_file": ["sightings.csv"] * len(rows),
                "src_line": list(range(2, len(rows) + 2)),
            }
        )
    )


def loaded_ranks(table: gpd.GeoDataFrame, tmp_path) -> list[int]:
    """The ``tier_rank`` load_ports gives the zones of ``table`` (written to GeoJSON, read back)."""
    path = tmp_path / "zones.geojson"
    table.rename(columns={"port": "name"}).to_file(path, driver="GeoJSON")
    return load_ports(path, bundled=False)["tier_rank"].tolist()


def report_tiers(m) -> list[str]:
    """Tier names of a map report's layers, in its (innermost first) order."""
    html = m.get_root().render()
    island = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    return [t["name"] for t in json.loads(island.group(1))["tiers"]]


# ----------------------------------------------------------------------------------------------
# tier ranks


def test_the_rank_rule_is_the_load_time_rule(tmp_path):
    z = load_ports()
    assert tier_ranks(z).tolist() == z["tier_rank"].tolist()
    assert ZoneIndex(z).rank.tolist() == z["tier_rank"].tolist()
    # a table without tier_rank: known tiers in TIERS order, whatever their areas or row order
    for order, ranks in ((("harbour", "anchorage"), [0, 1]), (("anchorage", "harbour"), [1, 0])):
        table = harbour_anchorage(order)
        assert tier_ranks(table).tolist() == ZoneIndex(table).rank.tolist() == ranks
        assert loaded_ranks(table, tmp_path) == ranks


def test_the_old_import_path_is_the_same_model():
    from navwatch.detect.zoneindex import ZoneIndex as OldPath

    assert OldPath is ZoneIndex


@pytest.mark.parametrize("order", [("harbour", "anchorage"), ("anchorage", "harbour")])
def test_zone_ranks_agree_in_detection_dispersal_and_report(order):
    table = harbour_anchorage(order)
    assert "tier_rank" not in table.columns
    zi = ZoneIndex(table)
    rank = dict(zip(zi.tier, zi.rank.tolist(), strict=True))
    assert rank == {"harbour": 0, "anchorage": 1}
    # detection: the anchorage holds the harbour (a vessel in the harbour is in the anchorage)
    h, a = order.index("harbour"), order.index("anchorage")
    assert zi.holds(np.array([h, a]), np.array([a, h])).tolist() == [True, False]

    reg = registry("alpha", "bravo")
    obs = sightings(("alpha", HARBOUR_AT), ("bravo", ANCHORAGE_AT))
    det = nw.detect_port_events(obs, table, reg, with_states=True)
    where = det.states.set_index("vessel_id")[["state", "port", "tier"]]
    assert where.loc["alpha"].tolist() == ["in", "Testport", "harbour"]
    assert where.loc["bravo"].tolist() == ["in", "Testport", "anchorage"]

    # dispersal: rank 0 of the home port is in_port, an outer rank offshore
    d = fleet_dispersal(det.states, table, reg, port="Testport", params=DispersalParams(every="1h"))
    status = d.at(T0).set_index("vessel_id")["status"].astype(str).to_dict()
    assert status == {"alpha": "in_port", "bravo": "offshore"}

    # report: tier layers innermost first, in the same ranks
    m = map_report(det.states, det.events, table, reg, port="Testport", offline=True)
    assert report_tiers(m) == sorted(rank, key=rank.get) == ["harbour", "anchorage"]


def test_ranks_agree_for_the_nested_test_port(zones):
    """The shared fixture (harbour inside an anchorage, no tier_rank) ranks as before."""
    zi = ZoneIndex(zones)
    assert zi.rank.tolist() == [0, 1, 0]
    assert port_keys(zones).tolist() == ["testport", "testport", "otherport"]


def test_own_points_of_an_outer_tier_lie_outside_its_inner_tiers(zones):
    zi = ZoneIndex(zones)
    lon, lat = zi.own_points()
    harbour, anchorage = zi.find("Testport/harbour"), zi.find("Testport/anchorage")
    assert zi.entry_contains(anchorage, lon[anchorage], lat[anchorage])
    assert not zi.entry_contains(harbour, lon[anchorage], lat[anchorage])
    assert (lon[harbour], lat[harbour]) == (zi.rep_lon[harbour], zi.rep_lat[harbour])
    assert zi.innermost(anchorage) == harbour


def test_one_port_is_one_port_keys_key_everywhere(tmp_path):
    """Rows of one normalised name are one port; a name used in two countries is two ports."""
    table = gpd.GeoDataFrame(
        {
            "port": ["Alexandria", "Alexandria", "ALEXANDRIA"],
            "tier": ["harbour", "harbour", "anchorage"],
            "country": ["Egypt", "United States", "Egypt"],
        },
        geometry=[circle(29.87, 31.19, 3.0), circle(-77.04, 38.80, 3.0), circle(29.87, 31.19, 8.0)],
        crs="EPSG:4326",
    )
    zi = ZoneIndex(table)
    assert zi.same_port(np.array([0, 0]), np.array([1, 2])).tolist() == [False, True]
    assert zi.rank.tolist() == [0, 0, 1]
    assert zi.rank.tolist() == loaded_ranks(table, tmp_path)


# ----------------------------------------------------------------------------------------------
# port names


@pytest.fixture(scope="module")
def tartus():
    zones, reg = nw.load_ports(), nw.load_registry()
    det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
    return det, zones, reg


def test_fleet_dispersal_and_map_report_take_an_alias(tartus):
    det, zones, reg = tartus
    by_name = fleet_dispersal(det.states, zones, reg, port="Tartus")
    by_alias = fleet_dispersal(det.states, zones, reg, port="Tartous")
    pd.testing.assert_frame_equal(by_alias.fleet, by_name.fleet)
    pd.testing.assert_frame_equal(pd.DataFrame(by_alias.vessels), pd.DataFrame(by_name.vessels))

    m_name = map_report(
        det.states, det.events, zones, reg, fleet=by_name.fleet, port="Tartus", offline=True
    )
    m_alias = map_report(
        det.states, det.events, zones, reg, fleet=by_alias.fleet, port="Tartous", offline=True
    )
    assert m_alias.navwatch_summary == m_name.navwatch_summary
    assert m_alias.navwatch_summary["events"] > 0
    html = m_alias.get_root().render()
    assert "Fleet dispersal – Tartus" in html and "events at Tartus" in html


def test_map_report_unknown_port_lists_close_names(tartus):
    det, zones, _ = tartus
    with pytest.raises(ConfigError, match="close names: Tartus"):
        map_report(det.states, det.events, zones, port="Tartuss")
    with pytest.raises(ConfigError, match="no port zones are loaded"):
        map_report(det.states, det.events, None, port="Tartus")
