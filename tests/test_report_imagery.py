"""Satellite imagery on the HTML map report (issue 15, spec §6): scene footprints and matched /
dark detections as layers (counts in their names, the cap, the period, escaping, empty inputs),
the matched detections file it reads, the command line, and the layers in real headless
Chromium (Debian ``chromium`` driven by Playwright, network blocked).

The scenes (spec §2) and matched detections (spec §4) are built here by hand, in the spec's
exact columns: their readers and the matcher are written concurrently."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from navwatch import schema
from navwatch.errors import IngestError, SchemaError
from navwatch.report import map_report, read_detections, save_report
from navwatch.report._imagery import check_detections, check_scenes, select

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>{{ 7*7 }}"
T0 = pd.Timestamp("2024-03-01T00:00:00", tz="UTC")

#: spec §1 + §4: the matched detections table's columns, in order
DETECTION_COLUMNS = list(schema.DETECTIONS.names)  # the table navwatch imagery writes


# ----------------------------------------------------------------------------------------------
# tables by hand


def make_states(n: int = 13) -> pd.DataFrame:
    """One vessel ("alpha") sailing north for two hours, AIS fixes every 10 min (out of port)."""
    times = pd.date_range(T0, periods=n, freq="10min")
    return pd.DataFrame(
        {
            "vessel_id": "alpha", "vessel_name": "ALPHA", "mmsi": 211000001, "kind": "ais",
            "time": times, "lat": 35.0 + np.arange(n) * 0.002, "lon": 20.0, "sog_kn": 7.0,
            "state": "out", "port": "", "tier": "", "source": "AIS",
            "src_file": "/home/analyst/case/ais.csv", "src_line": np.arange(n) + 2,
        }
    )  # fmt: skip


def make_scenes(*rows: dict) -> gpd.GeoDataFrame:
    """Scenes (spec §2): each row's ``box`` (west, south, east, north) its footprint."""
    recs = []
    for i, r in enumerate(rows):
        recs.append(
            {
                "scene_id": r.get("scene_id", f"S{i + 1}"),
                "time": pd.Timestamp(r.get("time", "2024-03-01T01:00Z")),
                "source": r.get("source", "sentinel-1"),
                "sensor": r.get("sensor", "sar"),
                "cloud_cover": r.get("cloud_cover", np.nan),
                "geometry": shapely.box(*r.get("box", (19.9, 34.95, 20.1, 35.1))),
                "src_file": "/home/analyst/case/scenes.geojson",
                "src_line": i + 1,
            }
        )
    gdf = gpd.GeoDataFrame(recs, geometry="geometry", crs="EPSG:4326")
    gdf["time"] = gdf["time"].astype("datetime64[ns, UTC]")
    for c in ("scene_id", "source", "sensor", "src_file"):
        gdf[c] = gdf[c].astype("string")
    gdf["src_line"] = gdf["src_line"].astype("Int64")
    return gdf[["scene_id", "time", "source", "sensor", "cloud_cover", "geometry", "src_file", "src_line"]]  # fmt: skip


def detection(status: str = "matched", **values) -> dict:
    """One matched detection (spec §4); a dark one has no vessel, distance or fix gap."""
    t = pd.Timestamp(values.pop("time", "2024-03-01T01:00Z"))
    rec = {
        "detect_id": "d1", "scene_id": "S1", "time": t, "lat": 35.01, "lon": 20.0,
        "length_m": 133.0, "beam_m": 16.0, "score": 0.9, "label": "", "source": "gfw", "sensor": "sar",
        "resolution_m": np.nan,
        "src_file": "/home/analyst/case/detections.csv", "src_line": 2, "scene_time": t,
        "status": status, "mmsi": 211000001, "vessel_id": "alpha", "vessel_name": "ALPHA",
        "distance_m": 140.0, "limit_m": 1500.0, "fix_gap_s": 300.0, "length_fit": "fits",
        "candidates": "", "token": "", "port": None,
    }  # fmt: skip
    if status == "dark":
        rec.update(
            mmsi=None, vessel_id=None, vessel_name="", distance_m=np.nan, fix_gap_s=np.nan,
            candidates="kulakov|gorshkov", token="Admiral Gorshkov class x1", port="Tartus",
        )  # fmt: skip
    rec.update(values)
    return rec


def make_detections(*recs: dict) -> pd.DataFrame:
    df = pd.DataFrame(list(recs), columns=DETECTION_COLUMNS)
    for c in ("time", "scene_time"):
        df[c] = pd.to_datetime(df[c], utc=True).astype("datetime64[ns, UTC]")
    for c in ("mmsi", "src_line"):
        df[c] = pd.to_numeric(df[c]).astype("Int64")
    for c in ("detect_id", "scene_id", "label", "source", "sensor", "src_file", "status", "vessel_id",
              "vessel_name", "length_fit", "candidates", "token", "port"):  # fmt: skip
        df[c] = df[c].astype("string")
    return df


def data_island(m) -> dict:
    html = m.get_root().render()
    found = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    assert found, "no data island"
    return json.loads(found.group(1))


def layer_names(m) -> list[str]:
    return [c.layer_name for c in m._children.values() if hasattr(c, "layer_name")]


def popup_html(entry: dict, labels: list[str]) -> str:
    """A popup as the page's script assembles it (navwatch.report._js imgPopup)."""
    rows = "".join(f"<tr><th>{labels[i]}</th><td>{v}</td></tr>" for i, v in entry["r"])
    return f"<b>{entry['h']}</b><br><span>{entry['w']}</span>time {entry['tm']}{rows}"


@pytest.fixture
def both():
    scenes = make_scenes({"scene_id": "S1"}, {"scene_id": "S2", "time": "2024-03-01T01:40Z",
                         "source": "planet", "sensor": "optical", "cloud_cover": 0.25})  # fmt: skip
    dets = make_detections(
        detection("matched", detect_id="m1"),
        detection(
            "matched",
            detect_id="m2",
            vessel_id=None,
            vessel_name="",
            lat=35.02,
            mmsi=273000000,
            length_fit="misfit",
            score=0.6,
        ),  # fmt: skip
        detection("dark", detect_id="k1", lat=35.03, lon=20.02),
    )
    return scenes, dets


# ----------------------------------------------------------------------------------------------
# layers, counts, popups


def test_layers_with_counts_and_summary(both):
    scenes, dets = both
    m = map_report(make_states(), scenes=scenes, detections=dets, offline=True)
    names = layer_names(m)
    for name in ("Scene footprints (2)", "Detections: matched to AIS (2)", "Detections: dark (1)"):
        assert name in names, names
    # footprints under the tracks in the layer control, detections after them, vessels last
    assert names.index("Scene footprints (2)") < names.index("tracks")
    assert names.index("tracks") < names.index("Detections: dark (1)") < names.index("vessels")
    s = m.navwatch_summary
    assert (s["scenes"], s["scenes_in_period"], s["detections"]) == (2, 2, 3)
    assert s["detections_by_status"] == {"matched": 2, "dark": 1}
    img = data_island(m)["imagery"]
    assert [e["k"] for e in img["detections"]] == ["matched", "matched", "dark"]
    # on the slider from their times: the scene at 01:40 after the one at 01:00
    t = {e["h"]: e["t"] for e in img["scenes"]}
    assert t["scene S2"] - t["scene S1"] == 40 * 60
    assert img["scenes"][0]["g"][0][0][:4] == [[34.95, 20.1], [35.1, 20.1], [35.1, 19.9], [34.95, 19.9]]  # fmt: skip
    legend = m.get_root().render()
    assert "dark detection (no AIS match)" in legend and "satellite scene footprint" in legend


def test_popups_say_what_was_matched(both):
    scenes, dets = both
    img = data_island(map_report(make_states(), scenes=scenes, detections=dets))["imagery"]
    labels = img["labels"]
    m1, m2, k1 = (popup_html(e, labels) for e in img["detections"])
    assert "ALPHA (alpha) · MMSI 211000001" in m1 and "140 m (limit 1,500 m)" in m1
    assert "133 m (fits the vessel)" in m1 and "0.90" in m1 and "m1" in m1 and "S1" in m1
    assert "5 min" in m1  # the fix gap
    assert "MMSI 273000000" in m2 and "misfit the vessel" in m2
    assert img["detections"][2]["h"] == "Admiral Gorshkov class x1"  # the token heads it
    assert "kulakov, gorshkov" in k1 and "Tartus" in k1 and "dark detection" in k1
    assert "limit" not in k1 and "detections.csv:2" in k1  # file named, not its folders
    s2 = popup_html(img["scenes"][1], labels)
    assert "scene S2" in s2 and "planet" in s2 and "optical" in s2 and "25 %" in s2
    assert "2024-03-01 01:40 UTC" in s2
    assert "/home/analyst" not in json.dumps(img)


def test_hostile_strings_stay_text():
    scenes = make_scenes({"scene_id": HOSTILE, "source": HOSTILE, "sensor": HOSTILE})
    dets = make_detections(
        detection("matched", detect_id=HOSTILE, vessel_name=HOSTILE, scene_id=HOSTILE),
        detection("dark", detect_id="k", token=HOSTILE, candidates=HOSTILE, port=HOSTILE),
    )
    m = map_report(make_states(), scenes=scenes, detections=dets)
    html = m.get_root().render()
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    assert "{{ 7*7 }}" not in html
    img = data_island(m)["imagery"]
    text = json.dumps(img)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text
    assert img["scenes"][0]["h"].startswith("scene &lt;img src=x")


def test_the_cap_shares_by_status_and_says_so():
    dets = make_detections(
        *[detection("matched", detect_id=f"m{i}", score=i / 10) for i in range(10)],
        *[detection("dark", detect_id=f"k{i}") for i in range(3)],
    )
    m = map_report(make_states(), detections=dets, max_detections=6)
    names = layer_names(m)
    assert "Detections: matched to AIS (showing 3 of 10)" in names, names
    assert "Detections: dark (3)" in names
    s = m.navwatch_summary
    assert (s["detections"], s["detections_in_period"]) == (6, 13)
    kept = [e["r"][0][1] for e in data_island(m)["imagery"]["detections"] if e["k"] == "matched"]
    assert sorted(kept) == ["m7", "m8", "m9"]  # the highest scores
    # an equal share: 2 of each when both have more
    dets2 = make_detections(*[detection(s, detect_id=f"{s}{i}") for s in ("matched", "dark") for i in range(5)])  # fmt: skip
    rows = select(check_detections(dets2), 4)
    assert sorted(check_detections(dets2)["status"].to_numpy()[rows]) == ["dark"] * 2 + ["matched"] * 2  # fmt: skip
    assert len(select(check_detections(dets2), 0)) == 0


def test_period_keeps_scenes_and_detections_in_it(both):
    scenes, dets = both
    m = map_report(make_states(), scenes=scenes, detections=dets, until="2024-03-01T01:30Z")
    s = m.navwatch_summary
    assert (s["scenes"], s["detections"]) == (1, 3)  # S2 at 01:40 is after the period
    m = map_report(make_states(), scenes=scenes, detections=dets, since="2024-03-01T01:30Z")
    assert m.navwatch_summary["detections"] == 0 and "Detections: dark (1)" not in layer_names(m)


@pytest.mark.parametrize("empty", [None, "empty"])
def test_none_or_empty_inputs_draw_nothing(empty):
    scenes = make_scenes({}).iloc[0:0] if empty else None
    dets = make_detections() if empty else None
    m = map_report(make_states(), scenes=scenes, detections=dets, offline=True)
    assert not any(n.startswith(("Scene", "Detections")) for n in layer_names(m))
    img = data_island(m)["imagery"]
    assert img["scenes"] == [] and img["detections"] == []
    assert m.navwatch_summary["detections"] == 0 and m.navwatch_summary["scenes"] == 0


def test_unlocated_unknown_status_and_empty_footprints_skipped():
    scenes = make_scenes({"scene_id": "S1"}, {"scene_id": "S2"})
    scenes.loc[1, "geometry"] = shapely.Polygon()
    dets = make_detections(
        detection("matched"), detection("dark", lat=np.nan), detection("maybe", detect_id="x")
    )
    m = map_report(make_states(), scenes=scenes, detections=dets)
    s = m.navwatch_summary
    assert (s["scenes"], s["detections"], s["detections_unknown_status"]) == (1, 1, 1)


def test_detection_without_time_takes_the_scene_time_and_times_as_text():
    dets = make_detections(detection("dark"))
    dets["time"] = pd.NaT
    raw = dets.astype({"scene_time": str})
    out = check_detections(raw)
    assert out["scene_time"].iloc[0] == pd.Timestamp("2024-03-01T01:00Z")
    dets["scene_time"] = pd.NaT  # no time at all: drawn from the start of the slider
    m = map_report(make_states(), detections=dets)
    assert data_island(m)["imagery"]["detections"][0]["t"] == 0


def test_check_tables_name_what_is_missing():
    with pytest.raises(SchemaError, match="detections.csv: not a matched detections table.*status"):
        check_detections(pd.DataFrame({"detect_id": ["a"], "lat": [1.0], "lon": [2.0]}),
                         where="detections.csv")  # fmt: skip
    with pytest.raises(SchemaError, match="not a scenes table"):
        check_scenes(pd.DataFrame({"scene_id": ["a"]}))
    moved = make_scenes({"box": (19.9, 34.95, 20.1, 35.1)}).to_crs("EPSG:3857")
    back = check_scenes(moved)
    assert np.allclose(back["geometry"].iloc[0].bounds, (19.9, 34.95, 20.1, 35.1))


def test_read_detections_csv_and_parquet(both, tmp_path):
    _, dets = both
    dets.to_csv(tmp_path / "d.csv", index=False)
    dets.to_parquet(tmp_path / "d.parquet")
    for name in ("d.csv", "d.parquet"):
        back = read_detections(tmp_path / name)
        assert list(back["status"]) == ["matched", "matched", "dark"]
        assert back["scene_time"].iloc[0] == pd.Timestamp("2024-03-01T01:00Z")
        assert back["mmsi"].iloc[1] == 273000000 and back["token"].iloc[0] == ""
    with pytest.raises(IngestError, match="no such file"):
        read_detections(tmp_path / "none.csv")
    with pytest.raises(IngestError, match="unknown table format"):
        read_detections(tmp_path / "d.txt")


def test_saved_report_is_self_contained(both, tmp_path):
    scenes, dets = both
    path = save_report(map_report(make_states(), scenes=scenes, detections=dets, offline=True),
                       tmp_path / "r.html")  # fmt: skip
    html = path.read_text(encoding="utf-8")
    assert "Scene footprints (2)" in html and "navwatchImageryCount" in html
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', html)


# ----------------------------------------------------------------------------------------------
# the command line


def write_ais(folder: Path) -> Path:
    """NOAA-layout AIS: ALPHA (MMSI 211000001) sailing north for two hours."""
    folder.mkdir(parents=True, exist_ok=True)
    st = make_states()
    ais = pd.DataFrame(
        {
            "MMSI": 211000001, "BaseDateTime": st["time"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "LAT": st["lat"].round(6), "LON": st["lon"], "SOG": 7.0, "COG": 0.0, "Heading": 511,
            "VesselName": "ALPHA", "IMO": "", "CallSign": "", "VesselType": 35, "Status": "",
            "Length": "", "Width": "", "Draft": "", "Cargo": "", "TransceiverClass": "A",
        }
    )  # fmt: skip
    path = folder / "ais.csv"
    ais.to_csv(path, index=False)
    return path


def write_scenes_geojson(scenes: gpd.GeoDataFrame, path: Path) -> Path:
    out = scenes.copy()
    out["time"] = out["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_file(path, driver="GeoJSON")
    return path


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "navwatch", "report", *map(str, args), "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def cli_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("imagery")
    ais = write_ais(folder / "case")
    scenes = make_scenes(
        {"scene_id": HOSTILE, "box": (19.95, 34.99, 20.05, 35.03)},
        {"scene_id": "S2", "time": "2024-03-01T01:40Z", "sensor": "optical", "cloud_cover": 0.1,
         "box": (19.98, 35.0, 20.1, 35.05)},
    )  # fmt: skip
    scenes_file = write_scenes_geojson(scenes, folder / "case" / "scenes.geojson")
    dets = make_detections(
        detection("matched", detect_id="m1", lat=35.012, vessel_name=HOSTILE),
        detection("matched", detect_id="m2", lat=35.02, time="2024-03-01T01:40Z"),
        detection("dark", detect_id="k1", lat=35.03, lon=20.02),
    )
    det_file = folder / "case" / "detections.csv"
    dets.to_csv(det_file, index=False)
    out = folder / "out" / "imagery.html"
    res = run_cli(
        ais, "--all-vessels", "--scenes", scenes_file, "--detections", det_file, "--offline",
        "-o", out,
    )  # fmt: skip
    return out, res


def test_cli_draws_scenes_and_detections(cli_report):
    out, res = cli_report
    assert res.returncode == 0, res.stderr
    assert "satellite imagery drawn: 2 of 2 scenes, 3 of 3 detections (matched 2, dark 1)" in res.stdout  # fmt: skip
    html = out.read_text(encoding="utf-8")
    for name in ("Scene footprints (2)", "Detections: matched to AIS (2)", "Detections: dark (1)"):
        assert name in html


def test_cli_cap_note_and_bad_files(tmp_path, cli_report):
    out, _ = cli_report
    case = out.parent.parent / "case"
    res = run_cli(case / "ais.csv", "--all-vessels", "--detections", case / "detections.csv",
                  "--max-detections", "2", "-o", tmp_path / "r.html")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "note: satellite detections: 2 of 3 drawn (at most 2" in res.stderr
    assert "Detections: matched to AIS (showing 1 of 2)" in (tmp_path / "r.html").read_text()
    res = run_cli(case / "ais.csv", "--detections", tmp_path / "missing.csv", "-o", tmp_path / "x.html")  # fmt: skip
    assert res.returncode != 0 and "missing.csv" in res.stderr and "Traceback" not in res.stderr


# ----------------------------------------------------------------------------------------------
# in a real browser: Debian chromium via Playwright, network blocked


def count(pg, key: str | None = None) -> int:
    return pg.evaluate("(k) => window.navwatchImageryCount(k)", key)


def popup_of(pg, selector: str) -> str:
    pg.locator(selector).first.dispatch_event("click")
    popup = pg.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert pg.locator(".leaflet-popup-content img, .leaflet-popup-content script").count() == 0
    pg.locator(".leaflet-popup-close-button").dispatch_event("click")
    popup.wait_for(state="detached", timeout=5_000)
    return text


def test_browser_footprints_and_both_detection_layers(browser, cli_report):
    from navwatch.report._png import open_report

    out, res = cli_report
    assert res.returncode == 0, res.stderr
    pg, problems, requests = open_report(browser, out, width=1400, height=900)
    try:
        assert (count(pg, "scenes"), count(pg, "matched"), count(pg, "dark")) == (2, 2, 1)
        assert pg.locator("path.nw-scene").count() == 2
        assert pg.locator("path.nw-det-matched").count() == 2
        assert pg.locator("path.nw-det-dark").count() == 1
        overlays = pg.locator(".leaflet-control-layers-overlays").inner_text()
        for name in ("Scene footprints (2)", "Detections: matched to AIS (2)", "Detections: dark (1)"):  # fmt: skip
            assert name in overlays
        dark = popup_of(pg, "path.nw-det-dark")
        assert "Admiral Gorshkov class x1" in dark and "kulakov, gorshkov" in dark
        matched = popup_of(pg, "path.nw-det-matched")
        assert HOSTILE in matched and "140 m (limit 1,500 m)" in matched  # as text
        scene = popup_of(pg, "path.nw-scene")
        assert ("scene " + HOSTILE) in scene or "scene S2" in scene
        # the slider: at 01:10 the 01:40 scene and detection are not drawn yet
        pg.evaluate("(s) => window.navwatchSetTimeUTC(s)", int(pd.Timestamp("2024-03-01T01:10Z").timestamp()))  # fmt: skip
        assert (count(pg, "scenes"), count(pg, "matched"), count(pg, "dark")) == (1, 1, 1)
        assert "2 detections" in pg.locator("#nw-slider .nw-time").inner_text()
        # a layer switched off hides its markers
        box = pg.locator(".leaflet-control-layers-overlays label", has_text="Detections: dark").locator("input")  # fmt: skip
        box.evaluate("(e) => e.click()")
        assert count(pg, "dark") == 0 and pg.locator("path.nw-det-dark").count() == 0
        assert pg.evaluate("typeof window.__pwned") == "undefined"
        assert problems == [] and requests == []
    finally:
        pg.close()


def test_ambiguous_detections_have_their_own_layer(both):
    scenes, dets = both
    amb = make_detections(detection("ambiguous", detect_id="a1", candidates="alpha|bravo"))
    m = map_report(make_states(), scenes=scenes, detections=pd.concat([dets, amb]), offline=True)
    names = layer_names(m)
    assert "Detections: ambiguous AIS match (1)" in names, names
    assert m.navwatch_summary["detections_by_status"] == {"matched": 2, "ambiguous": 1, "dark": 1}
    e = next(e for e in data_island(m)["imagery"]["detections"] if e["k"] == "ambiguous")
    assert e["h"].startswith("ALPHA (alpha)")  # the nearest track's vessel, as a matched one
    assert "as near one AIS track as another" in m.get_root().render()
