"""The HTML map report: escaping, track thinning, sizes, offline self-containedness, and the
report opened in real headless Chromium (Debian ``chromium`` driven by Playwright, network
blocked), including a hostile vessel name that must render as text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import navwatch as nw
from navwatch.demo import demo_inputs
from navwatch.errors import ConfigError, SchemaError
from navwatch.ports import circle
from navwatch.report import map_report, save_report, thin_tracks
from navwatch.report._html import esc, script_json

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
NY = DATA / "noaa" / "nyharbor_2020-06-30_head.csv"
WPI = DATA / "ports" / "wpi_slice.csv"
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>{{ 7*7 }}"
HOSTILE_TIER = "</script><img src=x onerror=window.__pwned=3>"


def data_island(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    assert m, "no data island"
    return json.loads(m.group(1))


def track(v: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A vessel's track from the data island: seconds after t0, lat, lon (decoded)."""
    return np.cumsum(v["t"]), np.cumsum(v["la"]) * 1e-5, np.cumsum(v["lo"]) * 1e-5


def make_states(tracks: dict[str, list[tuple[str, float, float]]], **cols) -> pd.DataFrame:
    """A states table from {vessel_id: [(time, lat, lon), ...]} (AIS fixes, out of port)."""
    rows = []
    for vid, pts in tracks.items():
        for t, lat, lon in pts:
            rows.append(
                {
                    "vessel_id": vid,
                    "vessel_name": vid.upper(),
                    "mmsi": 1,
                    "time": pd.Timestamp(t).tz_convert("UTC"),
                    "lat": lat,
                    "lon": lon,
                    "sog_kn": 10.0,
                    "kind": "ais",
                    "state": "out",
                    "port": "",
                    "tier": "",
                    "source": "AIS",
                    "src_file": "ais.csv",
                    "src_line": 1,
                }
            )
    df = pd.DataFrame(rows)
    for k, v in cols.items():
        df[k] = v
    return df


@pytest.fixture(scope="module")
def demo():
    """The Tartus demo with a hostile vessel name, source and zone (port and tier names)."""
    zones = nw.load_ports()
    reg = nw.load_registry()
    det = nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)
    states, events = det.states.copy(), det.events.copy()
    states["vessel_name"] = states["vessel_name"].astype(object)
    events["vessel_name"] = events["vessel_name"].astype(object)
    states.loc[states["vessel_id"] == "yelnya", "vessel_name"] = HOSTILE
    events.loc[events["vessel_id"] == "yelnya", "vessel_name"] = HOSTILE
    states.loc[states["vessel_id"] == "yelnya", "source"] = HOSTILE
    events.loc[events["vessel_id"] == "yelnya", "evidence"] = HOSTILE
    bad = zones.iloc[[0]].copy()
    bad["port"], bad["tier"], bad["tier_rank"] = HOSTILE, HOSTILE_TIER, 5
    bad["geometry"] = [circle(35.80, 34.80, 2.0)]
    zones = pd.concat([zones, bad], ignore_index=True)
    return {"states": states, "events": events, "zones": zones, "registry": reg}


# ----------------------------------------------------------------------------------------------
# escaping


def test_esc_and_script_json_never_let_markup_through():
    assert esc(HOSTILE) == (
        "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"
        "&#123;&#123; 7*7 &#125;&#125;"
    )
    s = script_json({"n": HOSTILE, "u": "\u2028", "nested": [{"a": "{% if %}{#"}]})
    for bad in ("<", ">", "&", "{{", "{%", "{#", "\u2028"):
        assert bad not in s
    assert json.loads(s) == {"n": HOSTILE, "u": "\u2028", "nested": [{"a": "{% if %}{#"}]}


def test_report_html_holds_hostile_strings_only_escaped(demo):
    m = map_report(demo["states"], demo["events"], demo["zones"], demo["registry"], offline=True)
    html = m.get_root().render()
    for raw in (
        "<img src=x",
        "window.__pwned=1</script>",
        "<script>window.__pwned",
        "onerror=window.__pwned=3>",
    ):
        assert raw not in html
    # layer-control names: escaped by navwatch, then JSON-encoded by folium
    assert "\\u0026lt;img src=x onerror=window.__pwned=3\\u0026gt;" in html
    data = data_island(html)
    names = [v["n"] for v in data["vessels"]]
    assert esc(HOSTILE) in names  # tooltips carry escaped HTML
    assert any(esc(HOSTILE) in v["p"] for v in data["vessels"])
    assert (
        sum(esc(HOSTILE) in e["p"] for e in data["events"])
        == (demo["events"]["vessel_id"] == "yelnya").sum()
    )


# ----------------------------------------------------------------------------------------------
# thinning


def test_thin_keeps_first_last_and_mandatory_points_and_caps():
    rng = np.random.default_rng(1)
    n = 5000
    v = np.repeat([0, 1], n)
    t = np.tile(np.arange(n) * 60, 2)
    lat = 34 + np.cumsum(rng.normal(0, 1e-3, 2 * n))
    lon = 35 + np.cumsum(rng.normal(0, 1e-3, 2 * n))
    keep = np.zeros(2 * n, dtype=bool)
    must = [17, 2500, 2501, 7777]
    keep[must] = True
    m = thin_tracks(v, t, lat, lon, keep, max_points=300)
    assert m[[0, n - 1, n, 2 * n - 1]].all()
    assert m[must].all()
    per = np.bincount(v, weights=m)
    assert (per <= 300).all() and (per >= 100).all()


def test_thin_moored_collapses_and_straight_line_keeps_ends():
    n = 2000
    t = np.arange(n) * 60
    moored = thin_tracks(
        np.zeros(n, int),
        t,
        34.9 + np.random.default_rng(0).normal(0, 2e-5, n),
        np.full(n, 35.8),
        bucket_min=600,
    )
    assert moored[0] and moored[-1] and moored.sum() <= n * 60 / 36000 + 5
    f = np.linspace(0, 1, n)
    straight = thin_tracks(np.zeros(n, int), t, 34 + f, 35 + f, bucket_min=1e9)
    assert np.flatnonzero(straight).tolist() == [0, n - 1]


def test_thin_empty_and_single_points():
    assert thin_tracks(np.array([], int), np.array([]), np.array([]), np.array([])).tolist() == []
    m = thin_tracks(
        np.array([0, 1, 1]), np.array([0, 0, 60]), np.array([1.0, 2, 2]), np.array([1.0, 2, 2])
    )
    assert m.tolist() == [True, True, True]


def test_report_tracks_keep_event_evidence_points():
    """A vessel with 3000 fixes leaving a port: the last fix inside and the first one outside
    (the event's window) survive thinning, as do the first and last fix."""
    n = 3000
    times = pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC")
    lat = np.where(
        np.arange(n) < 1500,
        34.90 + np.random.default_rng(0).normal(0, 1e-5, n),
        34.90 + (np.arange(n) - 1499) * 0.002,
    )
    st = make_states({"a": list(zip(times, lat, np.full(n, 35.0), strict=True))})
    st.loc[:1499, ["state", "port", "tier"]] = ["in", "Testport", "harbour"]
    ev = pd.DataFrame(
        [
            {
                "vessel_id": "a",
                "vessel_name": "A",
                "port": "Testport",
                "tier": "harbour",
                "event": "departure",
                "time": times[1499] + pd.Timedelta("30s"),
                "time_earliest": times[1499],
                "time_latest": times[1500],
                "window_h": 1 / 60,
                "confidence": 0.9,
                "time_method": "interpolated",
                "evidence": "e",
                "flags": "",
                "lat": 34.901,
                "lon": 35.0,
            }
        ]
    )
    m = map_report(st, ev, None, max_track_points=50, offline=True)
    d = data_island(m.get_root().render())
    (v,) = d["vessels"]
    kept_times = {d["t0"] + int(t) for t in track(v)[0]}
    for t in (times[0], times[1499], times[1500], times[-1]):
        assert int(t.timestamp()) in kept_times
    assert len(v["t"]) <= 50 + 4
    assert m.navwatch_summary["points_in"] == n and m.navwatch_summary["tracks"] == 1


def test_one_million_positions_stay_small():
    """200 vessels x 5000 fixes (random walks: the worst case for simplification) -> < 20 MB."""
    vessels, per = 200, 5000
    rng = np.random.default_rng(0)
    v = np.repeat(np.arange(vessels), per)
    st = pd.DataFrame(
        {
            "vessel_id": pd.array([f"v{i:03d}" for i in range(vessels)])[v],
            "vessel_name": "x",
            "mmsi": v,
            "kind": "ais",
            "state": "out",
            "port": "",
            "tier": "",
            "source": "AIS",
            "time": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(np.tile(np.arange(per) * 60, vessels), unit="s"),
            "lat": 34 + np.cumsum(rng.normal(0, 1e-3, v.size)),
            "lon": 30 + np.cumsum(rng.normal(0, 1e-3, v.size)),
            "sog_kn": 8.0,
        }
    )
    # (build time and size are measured by bench/bench_report.py)
    m = map_report(st, None, nw.load_ports(), offline=True)
    html = _assets_offline(m)
    assert len(html.encode()) < 20e6
    s = m.navwatch_summary
    assert (
        s["vessels"] == vessels and s["points_in"] == vessels * per and s["points_kept"] <= 250_000
    )


def _assets_offline(m) -> str:
    from navwatch.report._assets import make_offline

    return make_offline(m.get_root().render())


# ----------------------------------------------------------------------------------------------
# offline / online, options, errors


def test_html_is_self_contained(demo, tmp_path):
    m = map_report(demo["states"], demo["events"], demo["zones"], demo["registry"], offline=True)
    html = save_report(m, tmp_path / "r.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)\b[^>]*(src|href)=[\"']?(https?:)?//", html)
    assert 'data-navwatch="leaflet"' in html and data_island(html)["tiles"] is None
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


def test_tiles_when_asked_for(demo, tmp_path):
    m = map_report(demo["states"], demo["events"], demo["zones"], demo["registry"], tiles="osm")
    html = save_report(m, tmp_path / "on.html").read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in data_island(html)["tiles"]["url"]
    assert not re.search(r"<(script|link|img)\b[^>]*(src|href)=[\"']?(https?:)?//", html)
    with pytest.raises(ConfigError, match="offline"):
        map_report(demo["states"], None, demo["zones"], tiles="osm", offline=True)
    with pytest.raises(ConfigError, match="URL template"):
        map_report(demo["states"], None, demo["zones"], tiles="ftp://x/{z}/{x}/{y}.png")


def test_port_since_until_and_age_reference(demo):
    m = map_report(
        demo["states"],
        demo["events"],
        demo["zones"],
        demo["registry"],
        port="tartus",
        since="2024-12-04",
        until="2024-12-08T00:00",
        offline=True,
    )
    d = data_island(m.get_root().render())
    assert m.navwatch_summary["events"] == len(d["events"]) > 0
    t = [d["t0"] + e["t"] for e in d["events"]]
    assert min(t) >= pd.Timestamp("2024-12-04", tz="UTC").timestamp()
    assert max(t) <= pd.Timestamp("2024-12-08", tz="UTC").timestamp()
    # the last evidence in the window is the 5 Dec survey: 2 d 15 h 30 min before `until`
    assert any("2 d 15 h before until (2024-12-08 00:00 UTC)" in v["p"] for v in d["vessels"])
    with pytest.raises(ConfigError, match="Atlantis"):
        map_report(demo["states"], demo["events"], demo["zones"], port="Atlantis")
    with pytest.raises(ConfigError, match="after"):
        map_report(
            demo["states"], demo["events"], demo["zones"], since="2024-12-09", until="2024-12-01"
        )
    with pytest.raises(SchemaError, match="lat"):
        map_report(demo["states"].drop(columns="lat"))


def test_fleet_table_panel(demo):
    fleet = pd.DataFrame(
        {
            "time": pd.date_range("2024-11-30", periods=3, freq="6h", tz="UTC"),
            "n_vessels": 6,
            "n_in_port": [6, 3, 0],
            "n_offshore": [0, 2, 2],
            "n_at_sea": [0, 1, 3],
            "n_in_other_port": 0,
            "n_unknown": [0, 0, 1],
            "median_distance_km": [0.0, 4.5, 20.25],
            "max_distance_km": [0.1, 9.0, 40.0],
            "spread_km": 0.0,
            "n_located": 6,
        }
    )
    m = map_report(
        demo["states"],
        demo["events"],
        demo["zones"],
        demo["registry"],
        fleet=fleet,
        port="Tartus",
        offline=True,
    )
    html = m.get_root().render()
    panel = html[html.index('id="nw-panel"') :]
    panel = panel[: panel.index("</details>")]
    assert "Fleet dispersal – Tartus" in panel and "<svg" in panel and "<polygon" in panel
    assert (
        "<td>11-30 06:00</td><td>3</td><td>2</td><td>1</td><td>0</td><td>0</td><td>4.5</td>"
        in panel
    )


# ----------------------------------------------------------------------------------------------
# command line


def run_cli(*args) -> subprocess.CompletedProcess:
    code = "import navwatch.cli.report; from navwatch.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "report", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def ny_report(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("ny") / "ny.html"
    res = run_cli(NY, "--all-vessels", "--ports", WPI, "--offline", "-o", out, "--no-progress")
    return out, res


def test_cli_report_real_ais_offline(ny_report):
    out, res = ny_report
    assert res.returncode == 0, res.stderr
    assert "599 observations" in res.stdout and "246 vessels located" in res.stdout
    assert "report written to" in res.stderr and "self-contained" in res.stderr
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)\b[^>]*(src|href)=[\"']?(https?:)?//", html)


def test_cli_report_help_and_bad_port(tmp_path):
    res = run_cli("--help")
    assert res.returncode == 0 and "--offline" in res.stdout
    res = run_cli(*demo_inputs(), "--port", "Atlantis", "-o", tmp_path / "r.html")
    assert res.returncode == 1 and "Atlantis" in res.stderr and not (tmp_path / "r.html").exists()


# ----------------------------------------------------------------------------------------------
# in a real browser: Debian chromium via Playwright, network blocked


def open_offline(browser, path: Path, width: int = 1280, height: int = 800):
    """Open ``path`` with every non-file request blocked; returns (page, problems, requests)."""
    from navwatch.report._png import open_report

    return open_report(browser, path, width=width, height=height)


def set_time(page, when: str) -> None:
    page.evaluate("(s) => window.navwatchSetTimeUTC(s)", int(pd.Timestamp(when).timestamp()))


def status_counts(page) -> dict[str, int]:
    """Vessel markers on the map by the status they are drawn with (``nw-s-<code>``)."""
    return page.evaluate(
        """() => { const c = {}; document.querySelectorAll('path.nw-vessel').forEach(
             (e) => { const k = 'nw-s-' + e.getAttribute('data-status'); c[k] = (c[k] || 0) + 1; });
           return c; }"""
    )


def tracks_drawn(page) -> int:
    """Tracks on the map; they share one canvas, which must hold drawn pixels when any is on."""
    n = page.evaluate("window.navwatchTrackCount()")
    inked = page.evaluate(
        """() => { const c = document.querySelector('.leaflet-overlay-pane canvas');
           if (!c) return 0; const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           let k = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k++; return k; }"""
    )
    assert (inked > 0) == (n > 0), (n, inked)
    return n


def event_counts(page) -> list[int]:
    """Events per event marker on the map."""
    return page.evaluate(
        "() => [...document.querySelectorAll('path.nw-event')].map((e) => +e.getAttribute('data-n'))"
    )


def pixel(page, png: bytes, lat: float, lon: float) -> tuple[int, int, int]:
    """The colour of the screenshot ``png`` at (lat, lon) of the page's map."""
    import io

    from PIL import Image

    xy = page.evaluate(
        """([la, lo]) => { const m = Object.values(window).find((v) => v && v._container && v.latLngToContainerPoint);
                           const p = m.latLngToContainerPoint([la, lo]); return [p.x, p.y]; }""",
        [lat, lon],
    )
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel((round(xy[0]), round(xy[1])))


def test_browser_demo_offline_hostile_name(browser, demo, tmp_path):
    m = map_report(
        demo["states"], demo["events"], demo["zones"], demo["registry"], port="Tartus", offline=True
    )
    path = save_report(m, tmp_path / "demo.html")
    page, problems, requests = open_offline(browser, path)
    try:
        s = m.navwatch_summary
        assert s["vessels"] == len(demo["registry"].frame) == 6
        assert s["events"] == (demo["events"]["port"] == "Tartus").sum()
        assert s["zones"] == (demo["zones"]["port"] == "Tartus").sum() + 1  # + the hostile zone
        assert page.locator("path.nw-vessel").count() == s["vessels"]
        assert tracks_drawn(page) == s["tracks"]
        assert page.locator("path.nw-zone").count() == s["zones"]
        # zone tiers + port names, tracks, events, vessels
        assert page.locator(".leaflet-control-layers-overlays label").count() == 4 + 4

        texts = []
        for i in range(s["vessels"]):
            page.locator("path.nw-vessel").nth(i).dispatch_event("click")
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for(timeout=5_000)
            texts.append(popup.inner_text())
            assert (
                page.locator(".leaflet-popup-content img, .leaflet-popup-content script").count()
                == 0
            )
            page.locator(".leaflet-popup-close-button").dispatch_event("click")
            popup.wait_for(state="detached", timeout=5_000)
        hostile = [t for t in texts if HOSTILE in t]
        assert len(hostile) == 1, texts
        assert "Altay class" in hostile[0] and "oiler" in hostile[0]
        assert "last evidence" in hostile[0] and "before the latest evidence" in hostile[0]
        assert HOSTILE_TIER in page.locator(".leaflet-control-layers").text_content()
        assert HOSTILE in page.locator("#nw-legend").inner_text()  # the legend names every vessel
        assert (
            page.locator(".leaflet-control-layers img, .leaflet-control-layers script").count() == 0
        )

        # the time slider replays: at the start (30 Nov survey) every vessel is in port, no event yet
        page.evaluate("""() => { const r = document.querySelector('#nw-slider input[type=range]');
                                  r.value = r.min; r.dispatchEvent(new Event('input')); }""")
        assert page.locator("path.nw-event").count() == 0
        assert status_counts(page) == {"nw-s-0": 6}
        assert "2024-11-30 08:30 UTC" in page.locator("#nw-slider .nw-time").inner_text()
        page.evaluate("""() => { const r = document.querySelector('#nw-slider input[type=range]');
                                  r.value = r.max; r.dispatchEvent(new Event('input')); }""")
        assert sum(event_counts(page)) == s["events"]
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert problems == [] and requests == []
    finally:
        page.close()


@pytest.fixture(scope="module")
def demo_page(browser, tmp_path_factory):
    """The demo report as `navwatch demo` writes it, open in Chromium (network blocked)."""
    out = tmp_path_factory.mktemp("demo")
    from navwatch.jobs import run_report

    run = run_report(demo_inputs(), port="Tartus", offline=True, output=out / "report.html")
    page, problems, requests = open_offline(browser, run.output, width=1400, height=900)
    yield page, run, problems, requests
    page.close()


def test_browser_unknown_vessels_are_not_drawn_in_port(demo_page):
    """3 Dec 20:30 and 10 Dec: the surveys found five ships absent from Tartus. None of them may
    look like a ship in port: they are hollow markers where last seen, saying how long ago."""
    page, run, problems, _ = demo_page
    set_time(page, "2024-12-03T20:30Z")
    counts = status_counts(page)
    assert counts.get("nw-s-0", 0) == 0, counts
    assert sum(counts.get(f"nw-s-{k}", 0) for k in (4, 5, 6)) == 5 and counts.get("nw-s-1") == 1
    assert "5 position unknown" in page.locator("#nw-slider .nw-time").inner_text()
    hollow = page.locator('path.nw-vessel[data-status="6"]').first
    hollow.hover()
    tip = page.locator(".leaflet-tooltip").last.inner_text()
    assert "absent" in tip and "last seen here" in tip and "before" in tip
    set_time(page, "2024-12-10T12:00Z")
    counts = status_counts(page)
    assert counts.get("nw-s-0", 0) == 0 and counts.get("nw-s-1") == 2, counts
    set_time(page, "2024-12-05T12:00Z")
    assert status_counts(page) == {"nw-s-0": 6}  # the fleet is back
    assert problems == []


def test_browser_events_are_clustered_listed_and_port_labelled(demo_page):
    page, run, problems, _ = demo_page
    set_time(page, "2024-12-10T08:30Z")
    counts = event_counts(page)
    assert max(counts) > 1 and sum(counts) == run.summary["events"]  # coincident events: a count
    assert page.locator(".nw-count", has_text=str(max(counts))).count() == 1  # shown on the map
    page.locator(f'path.nw-event[data-n="{max(counts)}"]').dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    assert f"{max(counts)} events here" in popup.inner_text()
    page.locator(".leaflet-popup-close-button").dispatch_event("click")
    popup.wait_for(state="detached", timeout=5_000)
    # the events list: a row moves the slider to the event and shows it
    rows = page.locator("#nw-events tr[data-e]")
    assert rows.count() == run.summary["events"]
    assert "Yelnya" in rows.first.inner_text() and "departure" in rows.first.inner_text()
    rows.first.click()
    assert "2024-12-0" in page.locator("#nw-slider .nw-time").inner_text()
    assert "Yelnya" in page.locator(".leaflet-popup-content").last.inner_text()
    # port names on the map, inside the view
    label = page.locator(".nw-port-label span", has_text="Tartus")
    assert label.count() == 1 and label.is_visible()
    box, view = label.bounding_box(), page.viewport_size
    assert 0 <= box["x"] < view["width"] and 0 <= box["y"] < view["height"]
    # the timeline: a strip per vessel
    assert page.locator("#nw-slider svg.nw-chart text").count() == 6
    assert problems == []


def test_browser_land_and_sea_differ_and_no_local_paths(demo_page):
    page, run, problems, _ = demo_page
    html = run.output.read_text(encoding="utf-8")
    assert str(ROOT) not in html and "/navwatch/data/demo/" not in html  # names relative
    assert "[surveys.csv:" in html
    page.evaluate(
        """() => { const m = Object.values(window).find((v) => v && v._container && v.setView);
                   m.setView([34.9, 35.85], 9, {animate: false}); }"""
    )
    page.wait_for_timeout(300)
    png = page.screenshot()
    # inland Syria, 40 km from Tartus; open sea 55 km west of it: both outside every zone
    land, sea = pixel(page, png, 34.75, 36.30), pixel(page, png, 34.75, 35.25)
    assert land != sea, (land, sea)
    assert land[0] > land[2] and sea[2] > sea[0], (land, sea)  # sand-coloured land, blue sea
    assert problems == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report_demo_regional.png"))


def test_browser_tiles_that_fail_are_noted(browser, demo, tmp_path):
    m = map_report(demo["states"], demo["events"], demo["zones"], demo["registry"], tiles="osm")
    path = save_report(m, tmp_path / "tiles.html")
    page, problems, requests = open_offline(browser, path)
    try:
        page.wait_for_function(
            "() => document.getElementById('nw-note').style.display !== 'none'", timeout=10_000
        )
        assert "tiles could not be loaded" in page.locator("#nw-note").inner_text()
        assert requests and all("tile.openstreetmap.org" in u for u in requests)
        assert [p for p in problems if not p.startswith("console")] == []
    finally:
        page.close()


def test_browser_real_ais_report(browser, ny_report):
    out, res = ny_report
    assert res.returncode == 0, res.stderr
    page, problems, requests = open_offline(browser, out)
    try:
        d = data_island(out.read_text(encoding="utf-8"))
        assert page.locator("path.nw-vessel").count() == len(d["vessels"]) == 246
        assert tracks_drawn(page) == sum(len(v["t"]) >= 2 for v in d["vessels"]) > 0
        assert page.locator("path.nw-zone").count() == len(d["zones"]) > 0
        page.locator("path.nw-vessel").first.dispatch_event("click")
        assert "AIS fix" in page.locator(".leaflet-popup-content").inner_text()
        assert problems == [] and requests == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report_nyharbor.png"))
    finally:
        page.close()


def test_cli_png_picture(tmp_path):
    pytest.importorskip("playwright.sync_api")
    from navwatch.report._png import chromium_executable

    if not chromium_executable():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    png = tmp_path / "tartus.png"
    res = run_cli(
        *demo_inputs(), "--port", "Tartus", "-o", tmp_path / "r.html", "--png", png,
        "--at", "2024-12-02T12:00Z", "--no-progress",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (1400, 900) and len(im.getcolors(maxcolors=1 << 20) or []) > 50
    assert "picture written to" in res.stderr
