"""Activity at sea on the HTML map report (issue 13): the data the page draws (positions from the
tracks, caps, focus, period, escaping, evidence paths), the table files it reads, the job and
the command line, and the layers in real headless Chromium (Debian ``chromium`` driven by
Playwright, network blocked): each layer drawn and toggled, popups, link and gap lines at the
right places, the slider and events list, hostile names shown as text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from navwatch import schema
from navwatch.activity import detect_activity
from navwatch.errors import ConfigError, IngestError, SchemaError
from navwatch.io import read_observations
from navwatch.io.writers import write_table
from navwatch.registry import load_registry
from navwatch.report import map_report, read_activity, save_report
from navwatch.report._activity import MIN_RADIUS_M, _shares, check_activity, select
from navwatch.report._html import activity_popup_html, esc

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>{{ 7*7 }}"
T0 = pd.Timestamp("2024-03-01T00:00:00", tz="UTC")
KM_LAT = 1 / 111.2
#: What the AIS file of :func:`write_ais` holds, by activity type.
EXPECTED = {
    "encounter": 1,
    "replenishment": 1,
    "loitering": 2,
    "gap": 1,
    "spoofing": 1,
    "identity_change": 1,
}
LAYER_NAMES = {
    "encounter": "Encounters (1)",
    "replenishment": "Replenishments (1)",
    "loitering": "Loitering (2)",
    "gap": "AIS gaps (1)",
    "spoofing": "Spoofing (1)",
    "identity_change": "Identity changes (1)",
}


# ----------------------------------------------------------------------------------------------
# a small AIS file with one event of every type, built deterministically


def _noaa(mmsi: int, name, times, lat, lon, sog: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "MMSI": mmsi,
            "BaseDateTime": [t.strftime("%Y-%m-%dT%H:%M:%S") for t in times],
            "LAT": np.round(lat, 6),
            "LON": np.round(lon, 6),
            "SOG": sog,
            "COG": 90.0,
            "Heading": 511,
            "VesselName": name,
            "IMO": "",
            "CallSign": "",
            "VesselType": 70,
            "Status": "",
            "Length": "",
            "Width": "",
            "Draft": "",
            "Cargo": "",
            "TransceiverClass": "A",
        }
    )


def _leg(start: str, n: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(T0 + pd.Timedelta(start), periods=n, freq=freq)


def write_ais(folder: Path) -> dict[str, Path]:
    """NOAA-layout AIS, Ionian Sea, far from every bundled port zone: ALPHA and BRAVO drift
    200 m apart for 5 h (an encounter; both loiter), CHARLIE goes silent for 13 h after 2 h of
    dense fixes (a likely intentional gap), DELTA's positions are displaced 100 km west for three
    fixes, ECHO is renamed (to a hostile name), FOXTROT and the oiler GOLF sail 100 m apart at
    12 kn for an hour (a replenishment). And a registry naming GOLF an oiler."""
    step5 = 1.852 / 12 / 91.0  # 12 kn east over 5 min, in degrees of longitude at 35 N
    drift = np.arange(61) * 0.0002
    charlie = 21.0 + np.arange(25) * step5
    delta_lat = 34.5 + np.arange(37) * (1.852 * 10 / 12 * KM_LAT)
    delta_lon = np.full(37, 21.5)
    delta_lon[15:18] -= 1.1
    gf = 35.2 + np.arange(61) * (1.852 * 12 / 60 * KM_LAT)
    parts = [
        _noaa(211000001, "ALPHA", _leg("0h", 61, "5min"), 35.0 + drift, 20.0, 0.3),
        _noaa(211000002, "BRAVO", _leg("0h", 61, "5min"), 35.0 + drift, 20.0022, 0.3),
        _noaa(211000003, "CHARLIE", _leg("0h", 25, "5min"), 35.5, charlie, 12.0),
        _noaa(
            211000003,
            "CHARLIE",
            _leg("15h", 13, "5min"),
            35.5,
            charlie[-1] + 1.6 + np.arange(13) * step5,
            12.0,
        ),  # fmt: skip
        _noaa(211000004, "DELTA", _leg("1h", 37, "5min"), delta_lat, delta_lon, 10.0),
        _noaa(
            211000005,
            np.where(np.arange(37) < 18, "ECHO", HOSTILE),
            _leg("0h", 37, "10min"),
            34.8,
            20.5 + np.arange(37) * 0.035,
            12.0,
        ),  # fmt: skip
        _noaa(211000006, "FOXTROT", _leg("3h", 61, "1min"), gf, 22.0, 12.0),
        _noaa(211000007, "GOLF", _leg("3h", 61, "1min"), gf, 22.0011, 12.0),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    ais = folder / "ais.csv"
    pd.concat(parts).sort_values("BaseDateTime", kind="stable").to_csv(ais, index=False)
    reg = folder / "vessels.csv"
    reg.write_text(
        "vessel_id,name,aliases,type,vessel_class,navy,home_port,mmsi,imo,callsign,notes\n"
        "golf,Golf,,oiler,Golf class,Test Navy,,211000007,,,\n"
    )
    return {"ais": ais, "registry": reg, "charlie_off": (35.5, charlie[-1])}  # type: ignore[dict-item]


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "navwatch", "report", *map(str, args), "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def data_island(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    assert m, "no data island"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def ais(tmp_path_factory) -> dict:
    return write_ais(tmp_path_factory.mktemp("ais") / "case")


@pytest.fixture(scope="module")
def detected(ais) -> pd.DataFrame:
    obs = read_observations([ais["ais"]], columns=schema.ANALYSIS_COLUMNS)
    return detect_activity(obs, None, load_registry(ais["registry"]))


@pytest.fixture(scope="module")
def cli_report(ais, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "activity.html"
    res = run_cli(
        ais["ais"], "--all-vessels", "-r", ais["registry"], "--activity", "--offline", "-o", out
    )
    return out, res


# ----------------------------------------------------------------------------------------------
# the table: checked, read from files, capped


def test_the_ais_file_holds_one_event_of_every_type(detected):
    """(The fixture the browser tests rely on.)"""
    assert detected["event_type"].value_counts().to_dict() == EXPECTED
    gap = detected[detected["event_type"] == "gap"].iloc[0]
    assert bool(gap["likely_intentional"]) and 12.9 < gap["duration_h"] < 13.1
    rep = detected[detected["event_type"] == "replenishment"].iloc[0]
    assert "oiler" in rep["flags"]


def test_check_activity_types_columns_and_names_the_table():
    df = pd.DataFrame(
        {
            "event_type": ["gap", "loitering"],
            "start": ["2024-03-01T02:00:00Z", "2024-03-01T03:00:00.500000Z"],
            "end": ["2024-03-01T15:00:00Z", None],
            "lat": ["35.5", 35.0],
            "lon": [21.0, 20.0],
            "likely_intentional": ["True", ""],
            "mmsi": [211000003, None],
        }
    )
    a = check_activity(df)
    assert str(a["start"].dtype) == "datetime64[ns, UTC]" and a["end"].isna().tolist() == [
        False,
        True,
    ]
    assert a["lat"].tolist() == [35.5, 35.0] and a["likely_intentional"].tolist() == [1, -1]
    assert a["vessel_id"].tolist() == ["", ""] and a["flags"].tolist() == ["", ""]
    assert check_activity(a)["likely_intentional"].tolist() == [1, -1]  # idempotent
    with pytest.raises(
        SchemaError, match=r"mine\.csv: not an activity table: no column\(s\) start"
    ):
        check_activity(df.drop(columns="start"), where="mine.csv")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".geojson", ".gpkg"])
def test_read_activity_reads_what_navwatch_activity_writes(detected, tmp_path, suffix):
    path = write_table(detected, tmp_path / f"activity{suffix}", table="activity")
    back = read_activity(path)
    assert back["event_id"].tolist() == detected["event_id"].tolist()
    assert (back["start"] == detected["start"]).all() and (back["end"] == detected["end"]).all()
    assert back["likely_intentional"].tolist() == [
        -1 if pd.isna(v) else int(bool(v)) for v in detected["likely_intentional"]
    ]
    assert (back["likely_intentional"] == 1).sum() == 1  # the gap
    assert np.allclose(back["end_lat"], detected["end_lat"], equal_nan=True)
    assert back["new_value"].tolist() == detected["new_value"].fillna("").tolist()


def test_read_activity_errors_name_the_file(tmp_path):
    with pytest.raises(IngestError, match=r"gone\.csv: no such file"):
        read_activity(tmp_path / "gone.csv")
    with pytest.raises(IngestError, match=r"a\.txt: unknown table format '\.txt'"):
        read_activity(tmp_path / "a.txt")
    (tmp_path / "events.csv").write_text("vessel_id,time,lat,lon\na,2024-01-01,1,2\n")
    with pytest.raises(SchemaError, match=r"events\.csv: not a navwatch activity table"):
        read_activity(tmp_path / "events.csv")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(IngestError, match=r"bad\.parquet: cannot read the activity table"):
        read_activity(tmp_path / "bad.parquet")


def _many(counts: dict[str, int], seed: int = 0) -> pd.DataFrame:
    """A synthetic activity table: ``counts`` events by type, random places and times."""
    rng = np.random.default_rng(seed)
    kinds = np.repeat(list(counts), list(counts.values()))
    n = len(kinds)
    start = T0 + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "event_type": kinds,
            "vessel_id": [f"mmsi:{211000000 + i % 500}" for i in range(n)],
            "vessel_name": [f"SHIP {i % 500}" for i in range(n)],
            "other_vessel_id": np.where(
                np.isin(kinds, ["encounter", "replenishment"]), "mmsi:299000001", ""
            ),
            "start": start,
            "end": start + pd.to_timedelta(rng.integers(3600, 20 * 3600, n), unit="s"),
            "lat": rng.uniform(30, 40, n),
            "lon": rng.uniform(10, 30, n),
            "end_lat": rng.uniform(30, 40, n),
            "end_lon": rng.uniform(10, 30, n),
            "radius_m": rng.uniform(100, 5000, n),
            "confidence": rng.uniform(0.3, 1.0, n),
            "likely_intentional": np.where(kinds == "gap", rng.random(n) < 0.02, pd.NA),
            "evidence": [
                f"first /home/analyst/cases/x/ais_{i % 3}.csv:{i}; last /home/analyst/cases/x/ais_{i % 3}.csv:{i + 9}"
                for i in range(n)
            ],
            "flags": "",
        }
    )


def test_cap_shares_types_and_prefers_intentional_confident_events():
    assert _shares({"gap": 900, "loitering": 30, "encounter": 200}, 300) == {
        "gap": 135,
        "loitering": 30,
        "encounter": 135,
    }
    assert _shares({"gap": 5}, 300) == {"gap": 5}
    act = check_activity(_many({"gap": 2400, "loitering": 500, "encounter": 40}))
    keep = select(act, 300)
    picked = act.iloc[keep]
    assert picked["event_type"].value_counts().to_dict() == {
        "gap": 130,
        "loitering": 130,
        "encounter": 40,
    }
    assert picked["start"].is_monotonic_increasing
    gaps = act[act["event_type"] == "gap"]
    n_intentional = int((gaps["likely_intentional"] == 1).sum())
    assert n_intentional < 130  # every intentional gap is drawn, then the most confident
    pg = picked[picked["event_type"] == "gap"]
    assert int((pg["likely_intentional"] == 1).sum()) == n_intentional
    rest = gaps[(gaps["likely_intentional"] != 1) & ~gaps.index.isin(pg.index)]
    assert pg[pg["likely_intentional"] != 1]["confidence"].min() >= rest["confidence"].max()


# ----------------------------------------------------------------------------------------------
# the data the page draws


def make_states(tracks: dict[str, list[tuple]], **cols) -> pd.DataFrame:
    """A states table from {vessel_id: [(time, lat, lon), ...]} (AIS fixes, out of port)."""
    rows = [
        {
            "vessel_id": vid,
            "vessel_name": vid.upper(),
            "mmsi": 1,
            "kind": "ais",
            "time": pd.Timestamp(t),
            "lat": lat,
            "lon": lon,
            "sog_kn": 0.5,
            "state": "out",
            "port": "",
            "tier": "",
            "source": "AIS",
            "src_file": "/home/analyst/cases/x/ais_0.csv",
            "src_line": 1,
        }  # fmt: skip
        for vid, pts in tracks.items()
        for t, lat, lon in pts
    ]
    df = pd.DataFrame(rows)
    for k, v in cols.items():
        df[k] = v
    return df


def _line(t0: str, n: int, lat0: float, lon0: float, dlat: float, dlon: float, every="10min"):
    times = pd.date_range(pd.Timestamp(t0, tz="UTC"), periods=n, freq=every)
    return [(t, lat0 + i * dlat, lon0 + i * dlon) for i, t in enumerate(times)]


def _event(kind: str, **values) -> dict:
    base = {
        "event_id": f"{kind}-{values.get('vessel_id', '')}", "event_type": kind,
        "vessel_id": "", "vessel_name": "", "other_vessel_id": "", "other_vessel_name": "",
        "confidence": 0.8, "evidence": "", "flags": "",
    }  # fmt: skip
    base.update(values)
    for c in ("start", "end"):
        base[c] = pd.Timestamp(base[c], tz="UTC") if c in base else pd.NaT
    return base


def _entries(m) -> list[dict]:
    """The activity entries of a report's data island, each with its popup as HTML (``html``:
    as the page's script assembles it)."""
    events = data_island(m.get_root().render())["activity"]["events"]
    return [{**e, "html": activity_popup_html(e["p"])} for e in events]


def test_link_line_joins_the_two_vessels_on_their_tracks():
    """The link runs between the vessels' positions interpolated at the event's middle time;
    a vessel without a track there is placed at the event's position."""
    st = make_states(
        {
            "a": _line("2024-03-01T00:00Z", 13, 35.0, 20.0, 0.001, 0.0),
            "b": _line("2024-03-01T00:00Z", 13, 35.0, 20.01, 0.001, 0.0),
        }
    )
    act = pd.DataFrame(
        [
            _event(
                "encounter", vessel_id="a", other_vessel_id="b", start="2024-03-01T00:00Z",
                end="2024-03-01T01:05Z", lat=35.3, lon=20.3,
            ),
            _event(
                "encounter", vessel_id="a", other_vessel_id="ghost", start="2024-03-01T01:00Z",
                end="2024-03-01T02:00Z", lat=35.2, lon=20.2,
            ),
        ]
    )  # fmt: skip
    e1, e2 = _entries(map_report(st, None, None, activity=act, offline=True))
    # middle time 00:32:30: a quarter of the way from the 00:30 fix to the 00:40 one
    assert e1["ln"] == [[35.00325, 20.0], [35.00325, 20.01]] and e1["m"] == [35.3, 20.3]
    assert e2["ln"] == [[35.009, 20.0], [35.2, 20.2]]  # a's 01:30 fix; ghost: the event's place
    # a day after the tracks end: both vessels at the event's position
    late = act.iloc[[0]].assign(
        start=pd.Timestamp("2024-03-02T05:00Z"), end=pd.Timestamp("2024-03-02T06:00Z")
    )
    (e3,) = _entries(map_report(st, None, None, activity=late))
    assert e3["ln"] == [[35.3, 20.3], [35.3, 20.3]]


def test_gap_spoofing_loitering_and_antimeridian_geometry():
    st = make_states({"v": _line("2024-03-01T00:00Z", 6, 10.0, 179.9, 0.0, 0.0)})
    act = pd.DataFrame(
        [
            _event("gap", vessel_id="v", start="2024-03-01T00:00Z", end="2024-03-01T14:00Z",
                   lat=10.0, lon=179.9, end_lat=10.5, end_lon=-179.8, likely_intentional=True),
            _event("spoofing", vessel_id="v", start="2024-03-01T00:10Z", end="2024-03-01T00:40Z",
                   lat=12.0, lon=179.0, end_lat=10.0, end_lon=179.9, flags="displaced"),
            _event("spoofing", start="2024-03-01T00:20Z", end="2024-03-01T00:40Z", lat=11.0,
                   lon=178.0, flags="jamming", vessels="v;w;x"),
            _event("loitering", vessel_id="v", start="2024-03-01T00:00Z",
                   end="2024-03-01T05:00Z", lat=10.0, lon=179.9, radius_m=20.0),
            _event("replenishment", vessel_id="v", other_vessel_id="w", flags="oiler",
                   start="2024-03-01T00:00Z", end="2024-03-01T01:00Z", lat=10.0, lon=179.9),
        ]
    )  # fmt: skip
    by = {(e["k"], e.get("s")): e for e in _entries(map_report(st, None, None, activity=act))}
    gap = by[("gap", "intentional")]
    assert gap["ln"] == [[10.0, 179.9], [10.5, 180.2]] and gap["m2"] == [10.5, 180.2]
    displaced = by[("spoofing", None)]
    assert displaced["m"] == [12.0, 179.0] and displaced["ln"][1] == [10.0, 179.9]
    jam = by[("spoofing", "jamming")]
    assert "ln" not in jam and jam["p"]["h"] == "3 vessels: v, w, x"
    loiter = by[("loitering", None)]
    assert loiter["r"] == MIN_RADIUS_M and loiter["c"] == "#e6ab02"  # the vessel's colour
    assert ("replenishment", "oiler") in by


def test_popups_hold_every_figure_escaped():
    st = make_states({"a": _line("2024-03-01T00:00Z", 3, 35.0, 20.0, 0, 0)})
    reg = pd.DataFrame(
        {"vessel_id": ["a"], "name": ["Alpha"], "type": ["oiler"], "vessel_class": ["Test class"]}
    )
    act = pd.DataFrame(
        [
            _event("gap", vessel_id="a", vessel_name=HOSTILE, mmsi=211000001,
                   start="2024-03-01T00:20Z", end="2024-03-01T13:50Z", lat=35.0, lon=20.0,
                   end_lat=35.1, end_lon=21.0, distance_km=91.4, implied_speed_kn=3.65,
                   positions_before=25, likely_intentional=False,
                   distance_from_port_km=float("inf"), evidence=HOSTILE, flags=HOSTILE),
            _event("encounter", vessel_id="a", other_vessel_id="b", other_vessel_name="Bravo",
                   start="2024-03-01T00:00Z", end="2024-03-01T03:00Z", lat=35, lon=20,
                   median_distance_m=212.4, median_speed_kn=0.43, distance_from_port_km=55.25),
            _event("identity_change", vessel_id="a", field="name", old_value="ALPHA",
                   new_value=HOSTILE, start="2024-03-01T00:00Z", end="2024-03-01T00:10Z",
                   lat=35, lon=20),
        ]
    )  # fmt: skip
    m = map_report(st, None, None, reg, activity=act)
    html = m.get_root().render()
    assert "<img src=x" not in html and "<script>window.__pwned" not in html
    by = {e["k"]: e for e in _entries(m)}
    gap, enc, ident = by["gap"], by["encounter"], by["identity_change"]
    assert gap["p"]["h"] == esc(HOSTILE) and esc(HOSTILE) in gap["html"]
    for text in (
        "AIS gap, not likely intentional", "2024-03-01 00:20 UTC – 2024-03-01 13:50 UTC",
        "13 h 30 min", "91.4 km between the fixes either side", "4 kn", "no (GFW rule)",
        "25 in the window before", "none within ~1,000 km", "(oiler, Test class) · MMSI 211000001",
    ):  # fmt: skip
        assert esc(text) in gap["html"], text
    for text in ("&amp; Bravo", "encounter", "212 m (median)", "0.4 kn (median)",
                 "55.2 km to the nearest port zone", "0.80"):  # fmt: skip
        assert text in enc["html"], text
    assert ident["p"]["w"] == esc(f"identity change: name ALPHA \u2192 {HOSTILE}")
    rows = html[html.index('id="nw-events"') :]
    assert rows.count("<tr data-a=") == 3 and esc(HOSTILE) in rows


def test_period_focus_port_and_paths(zones, two_ship_registry):
    """Events overlapping the period are drawn from the period's start; with a focus port,
    those of vessels that were in it or are based there; files named relative."""
    st = make_states(
        {
            "alpha": _line("2024-03-01T00:00Z", 10, 34.9, 35.0, 0.01, 0.0),
            "carol": _line("2024-03-01T00:00Z", 10, 34.0, 34.0, 0.01, 0.0),
            "dave": _line("2024-03-01T00:00Z", 10, 34.9, 35.0, 0.01, 0.0),
        }
    )
    st.loc[st["vessel_id"] == "dave", ["state", "port", "tier"]] = ["in", "Testport", "harbour"]
    ev = "first /home/analyst/cases/x/ais_0.csv:5; last /home/analyst/cases/y/more.csv:9"
    act = pd.DataFrame(
        [
            _event("loitering", vessel_id=v, start=s, end=e, lat=34.0, lon=34.0, evidence=ev)
            for v, s, e in (
                ("alpha", "2024-02-29T20:00Z", "2024-03-01T01:00Z"),  # based at Testport
                ("carol", "2024-03-01T00:30Z", "2024-03-01T05:00Z"),  # never there
                ("dave", "2024-03-01T00:40Z", "2024-03-01T05:00Z"),  # was in it
                ("dave", "2024-03-01T02:00Z", "2024-03-01T05:00Z"),  # after `until`
            )
        ]
    )
    kw = dict(since="2024-03-01T00:00Z", until="2024-03-01T01:30Z", activity=act)
    m = map_report(st, None, zones, two_ship_registry, **kw)
    assert m.navwatch_summary["activity"] == 3
    m = map_report(st, None, zones, two_ship_registry, port="Testport", **kw)
    d = data_island(m.get_root().render())
    assert [e["t"] for e in d["activity"]["events"]] == [0, 40 * 60]  # alpha's from `since`
    assert m.navwatch_summary["activity_in_period"] == 2
    popups = " ".join(activity_popup_html(e["p"]) for e in d["activity"]["events"])
    assert "/home/analyst" not in popups and "x/ais_0.csv:5" in popups and "y/more.csv:9" in popups
    full = map_report(st, None, zones, activity=act, full_paths=True)
    assert "/home/analyst/cases/x/ais_0.csv:5" in _entries(full)[0]["html"]


def test_thousands_of_events_are_capped_and_the_page_stays_small():
    st = make_states({"a": _line("2024-03-01T00:00Z", 50, 35.0, 20.0, 0.01, 0.0)})
    act = _many({"gap": 15000, "loitering": 4000, "encounter": 1000})
    base = len(map_report(st, None, None).get_root().render())
    m = map_report(st, None, None, activity=act)
    html = m.get_root().render()
    s = m.navwatch_summary
    assert s["activity"] == 1000 and s["activity_in_period"] == 20000
    assert s["activity_capped"] == 19000 and s["activity_by_type"] == {
        "gap": 334,
        "loitering": 333,
        "encounter": 333,
    }
    assert "AIS gaps (334 of 15,000)" in html and "1,000 of 20,000 events drawn" in html
    assert (len(html) - base) / 1e6 < 0.9, (len(html) - base) / 1e6  # about 0.7 KB an event
    small = map_report(st, None, None, activity=act, max_activity_events=10)
    assert small.navwatch_summary["activity"] == 10
    with pytest.raises(ConfigError, match="max_activity_events"):
        map_report(st, None, None, activity=act, max_activity_events=-1)


# ----------------------------------------------------------------------------------------------
# the job and the command line


def test_run_report_detects_reads_and_merges_activity(ais, detected, tmp_path):
    from navwatch.jobs import run_report

    kw = dict(registry=ais["registry"], all_vessels=True, offline=True)
    run = run_report([ais["ais"]], output=tmp_path / "a.html", activity=["gap", "spoofing"], **kw)
    assert run.summary["activity_by_type"] == {"gap": 1, "spoofing": 1}
    table = write_table(detected, tmp_path / "activity.parquet", table="activity")
    run = run_report(
        [ais["ais"]], output=tmp_path / "b.html", activity=True, activity_events=table, **kw
    )
    assert run.summary["activity"] == len(detected) == 7  # each event once
    # registry-only: only the events of registry vessels (the oiler's replenishment)
    run = run_report(
        [ais["ais"]], output=tmp_path / "c.html", registry=ais["registry"],
        activity_events=detected,
    )  # fmt: skip
    assert run.summary["activity_by_type"] == {"replenishment": 1}
    assert any("6 events involve no vessel of the report" in n for n in run.notes)
    with pytest.raises(ConfigError, match="rendezvous"):
        run_report([ais["ais"]], output=tmp_path / "d.html", activity=["rendezvous"], **kw)


def test_cli_bad_activity_options(ais, tmp_path):
    out = tmp_path / "r.html"
    res = run_cli(ais["ais"], "--activity-types", "gap,rendezvous", "-o", out)
    assert res.returncode == 2 and "rendezvous" in res.stderr and "--activity-types" in res.stderr
    res = run_cli(ais["ais"], "--activity-events", tmp_path / "a.txt", "-o", out)
    assert res.returncode == 2 and "--activity-events" in res.stderr and ".txt" in res.stderr
    res = run_cli(ais["ais"], "--activity-events", tmp_path / "missing.csv", "-o", out)
    assert res.returncode == 1 and "missing.csv: no such file" in res.stderr
    assert not out.exists()


def test_cli_activity_events_file_and_types(ais, detected, tmp_path):
    table = write_table(detected, tmp_path / "activity.geojson", table="activity")
    out = tmp_path / "r.html"
    res = run_cli(
        ais["ais"], "--all-vessels", "--activity-events", table, "--activity-types", "gap",
        "--max-activity-events", "6", "--offline", "-o", out,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "activity at sea drawn: 6 of 7" in res.stdout
    assert "note: activity: 6 of 7 events drawn (at most 6" in res.stderr
    assert "Loitering (1 of 2)" in out.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# in a real browser: Debian chromium via Playwright, network blocked


@pytest.fixture(scope="module")
def page(browser, cli_report):
    """The report ``navwatch report --activity`` wrote, open in Chromium (network blocked)."""
    from navwatch.report._png import open_report

    out, res = cli_report
    assert res.returncode == 0, res.stderr
    pg, problems, requests = open_report(browser, out, width=1400, height=900)
    yield pg, problems, requests, out
    pg.close()


def count(pg, kind: str | None = None) -> int:
    return pg.evaluate("(k) => window.navwatchActivityCount(k)", kind)


def drawn(pg, kind: str) -> list[dict]:
    return pg.evaluate("(k) => window.navwatchActivityDrawn(k)", kind)


def set_time(pg, when: str) -> None:
    pg.evaluate("(s) => window.navwatchSetTimeUTC(s)", int(pd.Timestamp(when).timestamp()))


def popup_of(pg, selector: str) -> str:
    pg.locator(selector).first.dispatch_event("click")
    popup = pg.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert pg.locator(".leaflet-popup-content img, .leaflet-popup-content script").count() == 0
    pg.locator(".leaflet-popup-close-button").dispatch_event("click")
    popup.wait_for(state="detached", timeout=5_000)
    return text


def layer_checkbox(pg, name: str):
    label = pg.locator(".leaflet-control-layers-overlays label", has_text=name)
    assert label.count() == 1, name
    return label.locator("input")


def test_cli_report_draws_a_layer_per_type(page, cli_report):
    pg, problems, requests, out = page
    assert "activity at sea drawn: 7 of 7" in cli_report[1].stdout
    for kind, n in EXPECTED.items():
        assert count(pg, kind) == n, kind
        assert pg.locator(f"div.nw-act-{kind}").count() == n, kind  # its markers
        assert layer_checkbox(pg, LAYER_NAMES[kind]).is_checked()
    assert count(pg) == sum(EXPECTED.values())
    assert pg.locator("path.nw-act-area.nw-act-loitering").count() == 2
    assert pg.locator("path.nw-act-line.nw-act-encounter").count() == 1
    assert pg.locator("path.nw-act-line.nw-act-gap").count() == 1
    assert pg.locator("path.nw-act-line.nw-act-spoofing").count() == 1
    legend = pg.locator("#nw-legend").inner_text()
    assert "AIS gap: dashed from AIS off to back on" in legend and "loitering" in legend
    assert "7 activity" in pg.locator("#nw-slider .nw-time").inner_text()
    assert problems == [] and requests == []


def test_browser_layer_toggle_hides_and_shows(page):
    pg, problems, _, _ = page
    box = layer_checkbox(pg, LAYER_NAMES["gap"])
    box.evaluate("(e) => e.click()")
    assert not box.is_checked() and count(pg, "gap") == 0
    assert pg.locator(".nw-act-gap").count() == 0  # marker, line and end dot gone
    assert count(pg, "encounter") == 1  # the others stay
    box.evaluate("(e) => e.click()")
    assert box.is_checked() and count(pg, "gap") == 1 and pg.locator(".nw-act-gap").count() == 3
    assert problems == []


def test_browser_lines_join_the_vessels_and_off_to_on(page, detected, ais):
    pg, problems, _, _ = page
    # encounter: ALPHA and BRAVO at 02:30, fix 30 of their drift (no fix is thinned away there
    # that would move the point: both drift in a straight line)
    (enc,) = drawn(pg, "encounter")
    (a, b) = enc["lines"][0]
    assert np.allclose(a, [35.006, 20.0], atol=2e-5) and np.allclose(
        b, [35.006, 20.0022], atol=2e-5
    )
    (gap,) = drawn(pg, "gap")
    g = detected[detected["event_type"] == "gap"].iloc[0]
    assert np.allclose(gap["lines"][0][0], ais["charlie_off"], atol=2e-5)
    assert np.allclose(
        gap["lines"][0], [[g["lat"], g["lon"]], [g["end_lat"], g["end_lon"]]], atol=2e-5
    )
    (sp,) = drawn(pg, "spoofing")
    s = detected[detected["event_type"] == "spoofing"].iloc[0]
    assert np.allclose(
        sp["lines"][0], [[s["lat"], s["lon"]], [s["end_lat"], s["end_lon"]]], atol=2e-5
    )
    assert abs(sp["lines"][0][0][1] - sp["lines"][0][1][1]) > 1.0  # displaced 100 km west
    circles = [c for e in drawn(pg, "loitering") for c in e["circles"]]
    assert len(circles) == 2 and all(c["r"] >= MIN_RADIUS_M for c in circles)
    # two vessels loitering at once: two areas, stroked and filled in their own colours
    colours = pg.evaluate(
        """() => [...document.querySelectorAll('path.nw-act-area')].map((p) => p.getAttribute('stroke'))"""
    )
    assert len(set(colours)) == 2
    assert problems == []


def test_browser_popups_say_what_happened(page, ais):
    pg, problems, _, out = page
    texts = {k: popup_of(pg, f"div.nw-act-{k}") for k in EXPECTED}
    assert "ALPHA & BRAVO" in texts["encounter"] and "m (median)" in texts["encounter"]
    assert "5 h 0 min" in texts["encounter"] and "confidence" in texts["encounter"]
    rep = texts["replenishment"]
    assert (
        "underway replenishment (oiler)" in rep
        and "(oiler, Golf class)" in rep
        and "FOXTROT" in rep
    )
    assert "m radius" in texts["loitering"] and "kn (median)" in texts["loitering"]
    gap = texts["gap"]
    assert "AIS gap, likely intentional" in gap and "yes (GFW rule)" in gap and "13 h 0 min" in gap
    assert "145.2 km between the fixes either side" in gap and "ais.csv:" in gap
    assert "displaced position" in texts["spoofing"] and "implied speed" in texts["spoofing"]
    assert f"ECHO \u2192 {HOSTILE}" in texts["identity_change"]  # as text
    html = out.read_text(encoding="utf-8")
    assert str(ais["ais"].parent) not in html  # input files named relative
    assert pg.evaluate("typeof window.__pwned") == "undefined"
    assert problems == []


def test_browser_slider_and_events_list_move_together(page):
    pg, problems, _, _ = page
    set_time(pg, "2024-03-01T01:00Z")
    assert count(pg, "encounter") == 1 and count(pg, "gap") == 0 and count(pg, "replenishment") == 0
    rows = pg.locator("#nw-events tr[data-a]")
    assert rows.count() == sum(EXPECTED.values())
    gap_row = pg.locator("#nw-events tr[data-a]", has_text="AIS gap")
    assert "nw-future" in (gap_row.get_attribute("class") or "")
    gap_row.click()
    assert "2024-03-01 02:00 UTC" in pg.locator("#nw-slider .nw-time").inner_text()
    assert count(pg, "gap") == 1 and "nw-future" not in (gap_row.get_attribute("class") or "")
    assert "AIS gap, likely intentional" in pg.locator(".leaflet-popup-content").last.inner_text()
    set_time(pg, "2024-03-01T23:59Z")
    assert count(pg) == sum(EXPECTED.values())
    assert problems == []


def test_browser_hostile_names_in_every_activity_string(browser, tmp_path):
    """Names, evidence, flags and values of a hostile table stay text: in popups, tooltips,
    the events list and the layer control; nothing runs."""
    from navwatch.report._png import open_report

    st = make_states(
        {
            "a": _line("2024-03-01T00:00Z", 13, 35.0, 20.0, 0.001, 0.0),
            "b": _line("2024-03-01T00:00Z", 13, 35.0, 20.01, 0.001, 0.0),
        },
    )
    st["vessel_name"] = HOSTILE
    evil = dict(vessel_name=HOSTILE, other_vessel_name=HOSTILE, evidence=HOSTILE, flags=HOSTILE)
    act = pd.DataFrame(
        [
            _event("encounter", vessel_id="a", other_vessel_id="b", start="2024-03-01T00:00Z",
                   end="2024-03-01T02:00Z", lat=35.005, lon=20.005, **evil),
            _event("identity_change", vessel_id="a", field=HOSTILE, old_value=HOSTILE,
                   new_value=HOSTILE, start="2024-03-01T01:00Z", end="2024-03-01T01:10Z",
                   lat=35.0, lon=20.0, **evil),
            _event(HOSTILE, vessel_id="a", start="2024-03-01T01:00Z", end="2024-03-01T01:10Z",
                   lat=35.0, lon=20.0),
        ]
    )  # fmt: skip
    m = map_report(st, None, None, activity=act, offline=True)
    assert m.navwatch_summary["activity_unknown_types"] == [HOSTILE]
    path = save_report(m, tmp_path / "hostile.html")
    pg, problems, requests = open_report(browser, path)
    try:
        assert count(pg) == 2
        for kind in ("encounter", "identity_change"):
            text = popup_of(pg, f"div.nw-act-{kind}")
            assert HOSTILE in text, text
        pg.locator("div.nw-act-encounter").hover()
        assert HOSTILE in pg.locator(".leaflet-tooltip").last.inner_text()
        assert HOSTILE in pg.locator("#nw-events").inner_text()
        assert pg.locator("#nw-events img, #nw-events script, .leaflet-tooltip img").count() == 0
        assert pg.evaluate("typeof window.__pwned") == "undefined"
        assert problems == [] and requests == []
    finally:
        pg.close()
