from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import settings

from navwatch.ports import circle

# CI runs the property tests on a fixed example sequence (reproducible results); local runs keep
# exploring new random examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
# NW_BLOB=1: a failing property prints the @reproduce_failure blob that replays it
settings.register_profile("blob", print_blob=True)
if os.environ.get("NW_BLOB"):
    settings.load_profile("blob")
if os.environ.get("CI"):
    settings.load_profile("ci")

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def needs_shared(*files: Path):
    """Skip a test (with the reason) unless these files of ../shared/data, the third-party data
    beside the clone, are present: a fresh clone has none of them."""
    import pytest

    missing = [f for f in files if not f.exists()]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"../shared/data is not beside the clone (needs {', '.join(f.name for f in missing)})",
    )


# A named test port: a 3 km circle, with an anchorage tier 3-12 km out.
PORT_LAT, PORT_LON = 34.90, 35.00


@pytest.fixture(scope="session")
def zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "port": ["Testport", "Testport", "Otherport"],
            "tier": ["harbour", "anchorage", "harbour"],
            "aliases": ["", "", ""],
        },
        geometry=[
            circle(PORT_LON, PORT_LAT, 3.0),
            circle(PORT_LON, PORT_LAT, 12.0),
            circle(PORT_LON + 1.0, PORT_LAT, 3.0),
        ],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="session")
def harbour_only(zones) -> gpd.GeoDataFrame:
    return zones[zones["tier"] == "harbour"].reset_index(drop=True)


@pytest.fixture
def two_ship_registry(tmp_path):
    from navwatch.registry import load_registry

    p = tmp_path / "vessels.csv"
    p.write_text(
        "vessel_id,name,aliases,type,vessel_class,navy,home_port,mmsi,imo,callsign,notes\n"
        "alpha,Alpha,Alfa,frigate,Test class,X,Testport,,,,\n"
        "bravo,Bravo,,oiler,Tanker class,X,Testport,,,,\n"
    )
    return load_registry(p)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium driven by Playwright (one for the whole run); the report
    tests open their pages in it with the network blocked. Skips when it is not installed."""
    pytest.importorskip("playwright.sync_api")
    from navwatch.report._png import chromium, chromium_executable

    if not chromium_executable():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with chromium() as b:
        yield b
