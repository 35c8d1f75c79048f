"""navwatch.analysis: departures per period, AIS dark periods, vessel timelines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import navwatch as nw
from navwatch.analysis import (
    DARK_COLUMNS,
    TIMELINE_COLUMNS,
    dark_periods,
    departures_per_day,
    vessel_timeline,
)
from navwatch.demo import demo_inputs
from navwatch.errors import ConfigError, SchemaError

DATA = Path(__file__).parent / "data"
FERRY = DATA / "noaa" / "nyharbor_2020-06-30_tugs_ferry.csv"
WPI = DATA / "ports" / "wpi_slice.csv"
UTC = "datetime64[ns, UTC]"
TARTUS_SIX = {
    "admiral-golovko",
    "admiral-gorshkov",
    "admiral-grigorovich",
    "novorossiysk",
    "vyazma",
    "yelnya",
}


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def make_events(rows) -> pd.DataFrame:
    """Events from ``(port, event, time[, time_latest])`` tuples."""
    return pd.DataFrame(
        {
            "port": [r[0] for r in rows],
            "event": [r[1] for r in rows],
            "time": pd.to_datetime([r[2] for r in rows], utc=True),
            "time_latest": pd.to_datetime([r[3] if len(r) > 3 else r[2] for r in rows], utc=True),
        }
    )


def make_states(rows) -> pd.DataFrame:
    """A states table from ``(vessel_id, time, lat, lon[, kind, state, port])`` tuples."""
    full = [(*r, "ais", "out", "")[:7] if len(r) == 4 else r for r in rows]
    return pd.DataFrame(
        {
            "vessel_id": [r[0] for r in full],
            "time": pd.to_datetime([r[1] for r in full], utc=True),
            "lat": [float(r[2]) for r in full],
            "lon": [float(r[3]) for r in full],
            "kind": [r[4] for r in full],
            "state": [r[5] for r in full],
            "port": [r[6] for r in full],
        }
    )


@pytest.fixture(scope="module")
def tartus():
    zones, reg = nw.load_ports(), nw.load_registry()
    return nw.detect_port_events(nw.read_observations(demo_inputs()), zones, reg, with_states=True)


@pytest.fixture(scope="module")
def ferry():
    obs = nw.read_observations(FERRY)
    zones = nw.load_ports(WPI, default_radius_km=1.5)
    return nw.detect_port_events(obs, zones, None, all_vessels=True, with_states=True)


# ----------------------------------------------------------------------------------------------
# departures_per_day


def test_per_day_counts_by_port_with_zero_filled_ports():
    ev = make_events(
        [
            ("Tartus", "departure", "2024-12-02 05:56"),
            ("Tartus", "departure", "2024-12-02 23:59"),
            ("Latakia", "departure", "2024-12-03 00:00"),
            ("Sevastopol", "arrival", "2024-12-03 10:00"),
        ]
    )
    got = departures_per_day(ev)
    assert list(got.columns) == ["Latakia", "Sevastopol", "Tartus"]
    assert got.columns.name == "port" and got.index.name == "period"
    assert str(got.index.dtype) == UTC
    assert (got.dtypes == "int64").all()
    assert got.to_dict("index") == {
        ts("2024-12-02"): {"Latakia": 0, "Sevastopol": 0, "Tartus": 2},
        ts("2024-12-03"): {"Latakia": 1, "Sevastopol": 0, "Tartus": 0},
    }


def test_per_day_arrivals_and_other_periods():
    ev = make_events([("A", "arrival", "2024-12-02 05:00"), ("A", "arrival", "2024-12-02 07:00")])
    assert departures_per_day(ev, "6h", event="arrival")["A"].tolist() == [1, 1]
    assert departures_per_day(ev, "1D", event="arrival")["A"].tolist() == [2]
    assert departures_per_day(ev)["A"].tolist() == [0]


def test_per_day_by_end_of_window():
    # a departure between 23:00 on 1 Dec and 01:00 on 2 Dec: best estimate on the 1st, known by the 2nd
    ev = make_events([("A", "departure", "2024-12-01 23:59", "2024-12-02 01:00")])
    assert departures_per_day(ev).index.tolist() == [ts("2024-12-01")]
    assert departures_per_day(ev, by="time_latest").index.tolist() == [ts("2024-12-02")]


def test_per_day_evidence_gives_zero_days_and_leaves_out_days_without_data():
    ev = make_events([("A", "departure", "2024-12-02 10:00")])
    evidence = pd.DataFrame(
        {
            "time": pd.to_datetime(
                ["2024-12-01 12:00", "2024-12-02 09:00", "2024-12-05 00:00"], utc=True
            )
        }
    )
    got = departures_per_day(ev, evidence=evidence)
    assert got["A"].to_dict() == {ts("2024-12-01"): 0, ts("2024-12-02"): 1, ts("2024-12-05"): 0}


def test_per_day_tartus(tartus):
    got = departures_per_day(tartus.events, evidence=tartus.states)
    assert got["Tartus"].sum() == 12
    # the first six departures are placed on 2 Dec (1-3 Dec windows), the next six on 7 Dec
    assert got.loc[ts("2024-12-02"), "Tartus"] == 6 and got.loc[ts("2024-12-07"), "Tartus"] == 6
    # days with evidence and no departure read 0; days with neither are left out
    assert got.loc[ts("2024-12-05"), "Tartus"] == 0 and ts("2024-12-06") not in got.index
    by_latest = departures_per_day(tartus.events, by="time_latest", evidence=tartus.states)
    assert by_latest.loc[ts("2024-12-09"), "Tartus"] == 6


def test_per_day_empty_events():
    got = departures_per_day(make_events([]))
    assert got.empty and got.index.name == "period"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"freq": "W"}, "fixed duration"),
        ({"freq": "0h"}, "positive"),
        ({"freq": "fortnightly"}, "fixed duration"),
        ({"event": "departures"}, "event must be"),
        ({"by": "when"}, "by must be"),
    ],
)
def test_per_day_bad_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        departures_per_day(make_events([("A", "departure", "2024-12-01")]), **kwargs)


def test_per_day_missing_column():
    with pytest.raises(SchemaError, match="port"):
        departures_per_day(pd.DataFrame({"event": [], "time": []}))


# ----------------------------------------------------------------------------------------------
# dark_periods


def test_dark_period_found_with_positions_and_states():
    st = make_states(
        [
            ("a", "2020-12-01 00:00", 40.60, -74.0, "ais", "in", "Newark"),
            ("a", "2020-12-01 06:00", 40.60, -74.0, "ais", "in", "Newark"),
            ("a", "2020-12-01 12:30", 40.70, -74.0, "ais", "out", ""),
        ]
    )
    d = dark_periods(st, min_gap_h=6)
    assert list(d.columns) == DARK_COLUMNS
    # 00:00 -> 06:00 is exactly 6 h: a gap of min_gap_h is reported
    assert len(d) == 2
    row = d.iloc[1]
    assert row["time_start"] == ts("2020-12-01 06:00") and row["time_end"] == ts("2020-12-01 12:30")
    assert row["gap_h"] == pytest.approx(6.5)
    assert row["distance_km"] == pytest.approx(11.1, abs=0.05)
    assert row["implied_speed_kn"] == pytest.approx(11.1 / 1.852 / 6.5, rel=0.01)
    assert (row["state_start"], row["port_start"], row["state_end"], row["port_end"]) == (
        "in",
        "Newark",
        "out",
        "",
    )
    assert str(d["time_start"].dtype) == UTC and str(d["time_end"].dtype) == UTC


def test_dark_periods_ignore_sightings_and_surveys():
    st = make_states(
        [
            ("a", "2020-12-01 00:00", 40.6, -74.0),
            ("a", "2020-12-01 04:00", 40.6, -74.0, "sighting", "out", ""),
            ("a", "2020-12-01 09:00", 40.6, -74.0),
        ]
    )
    d = dark_periods(st, min_gap_h=6)
    assert d["gap_h"].tolist() == [9.0]


def test_dark_periods_do_not_depend_on_row_order():
    rng = np.random.default_rng(7)
    rows = [("a", f"2020-12-01 {h:02d}:00", 40.6 + h / 100, -74.0) for h in (0, 1, 8, 9, 20)]
    rows += [("b", f"2020-12-01 {h:02d}:00", 40.5, -74.1) for h in (0, 7, 8)]
    st = make_states(rows)
    a = dark_periods(st, min_gap_h=5)
    b = dark_periods(st.iloc[rng.permutation(len(st))], min_gap_h=5)
    pd.testing.assert_frame_equal(a, b)
    assert list(zip(a["vessel_id"], a["gap_h"], strict=True)) == [
        ("a", 7.0),
        ("a", 11.0),
        ("b", 7.0),
    ]


def test_dark_periods_outage_hours():
    # b reports every 15 min from 00:00 to 02:00; then nothing from anyone until a's fix at 10:00
    rows = [("a", "2020-12-01 00:00", 40.6, -74.0), ("a", "2020-12-01 10:00", 40.6, -74.0)]
    rows += [
        ("b", t.strftime("%Y-%m-%d %H:%M"), 40.5, -74.0)
        for t in pd.date_range("2020-12-01", periods=9, freq="15min")
    ]
    d = dark_periods(make_states(rows), min_gap_h=6)
    assert d["vessel_id"].tolist() == ["a"]
    assert d["outage_h"].iloc[0] == pytest.approx(8.0)
    # with a threshold above the 8 h silence, nothing counts as an outage
    assert dark_periods(make_states(rows), min_gap_h=6, outage_min_h=9)["outage_h"].iloc[0] == 0.0


def test_dark_periods_real_ais_slice(ferry):
    d = dark_periods(ferry.states, min_gap_h=0.25)
    # the tug CG HAWSER is silent ~18 min at its berth in Bayonne, with the archive recording others
    hawser = d[d["vessel_name"] == "CG HAWSER"]
    assert len(hawser) == 1
    assert hawser[["state_start", "port_start", "state_end", "port_end"]].iloc[0].tolist() == [
        "in",
        "Bayonne",
        "in",
        "Bayonne",
    ]
    assert hawser["outage_h"].iloc[0] == 0.0 and hawser["distance_km"].iloc[0] < 0.05


def test_dark_periods_empty_and_bad_arguments():
    d = dark_periods(make_states([("a", "2020-12-01 00:00", 40.6, -74.0)]))
    assert d.empty and list(d.columns) == DARK_COLUMNS
    for bad in (-1, float("nan"), "6h", True):
        with pytest.raises(ConfigError, match="min_gap_h"):
            dark_periods(make_states([]), min_gap_h=bad)
    with pytest.raises(SchemaError, match="kind"):
        dark_periods(pd.DataFrame({"vessel_id": [], "time": [], "lat": [], "lon": []}))


# ----------------------------------------------------------------------------------------------
# vessel_timeline


def test_timeline_columns_and_dtypes(tartus):
    tl = vessel_timeline(tartus.states, tartus.events, "yelnya")
    assert list(tl.columns) == TIMELINE_COLUMNS
    for c in ("start", "end", "time"):
        assert str(tl[c].dtype) == UTC
    assert str(tl["n_evidence"].dtype) == "Int64"
    assert tl["entry"].tolist() == ["in", "departure", "in", "arrival", "in", "departure", "out"]


def test_timeline_spells_cover_every_evidence_row_once(tartus):
    tl = vessel_timeline(tartus.states, tartus.events)
    spells = tl[tl["entry"].isin(["in", "out", "unknown"])]
    assert spells["n_evidence"].sum() == len(tartus.states)
    assert set(tl["vessel_id"]) == TARTUS_SIX
    assert (tl["entry"].isin(["departure", "arrival"])).sum() == len(tartus.events)


def test_timeline_flags_the_contradicted_departure(tartus):
    tl = vessel_timeline(tartus.states, tartus.events, "Admiral Golovko")
    dep = tl[tl["entry"] == "departure"].iloc[0]
    assert (dep["start"], dep["end"]) == (ts("2024-12-01 08:30"), ts("2024-12-03 08:30"))
    assert "contradiction" in dep["flags"] and dep["confidence"] == pytest.approx(0.203)
    # spells of surveys: the gap between two spells is the event's window
    before, after = tl.iloc[0], tl.iloc[2]
    assert (before["end"], after["start"]) == (dep["start"], dep["end"])


def test_timeline_events_between_spells_on_real_ais(ferry):
    """ANDREW J BARBERI (MMSI 367000150) leaves Whitehall (WPI "New York City") and arrives at St.
    George (WPI "Tompkinsville SI"), as in the CLI spot check."""
    tl = vessel_timeline(ferry.states, ferry.events, 367000150)
    assert list(zip(tl["entry"], tl["port"], strict=True)) == [
        ("in", "New York City"),
        ("departure", "New York City"),
        ("out", ""),
        ("arrival", "Tompkinsville SI"),
        ("in", "Tompkinsville SI"),
    ]
    assert set(tl.loc[tl["entry"].isin(["in", "out"]), "kinds"]) == {"ais"}
    assert tl.loc[tl["entry"] == "departure", "kinds"].iloc[0] == "interpolated"
    assert tl.equals(vessel_timeline(ferry.states, ferry.events, "andrew j barberi"))
    assert tl.equals(vessel_timeline(ferry.states, ferry.events, "mmsi:367000150"))


def test_timeline_without_events(tartus):
    tl = vessel_timeline(tartus.states, vessel=["vyazma", "novorossiysk"])
    assert set(tl["entry"]) <= {"in", "out", "unknown"}
    assert tl["vessel_id"].tolist() == sorted(tl["vessel_id"])
    assert tl["time"].isna().all() and tl["confidence"].isna().all()


def test_timeline_unknown_vessel_suggests_close_names(tartus):
    with pytest.raises(ConfigError, match="close: .*yelnya"):
        vessel_timeline(tartus.states, tartus.events, "yelnja")


def test_timeline_ambiguous_name():
    st = make_states([("mmsi:1", "2020-12-01", 40.6, -74.0), ("mmsi:2", "2020-12-01", 40.6, -74.0)])
    st["vessel_name"] = "TUG"
    st["tier"] = ""
    with pytest.raises(ConfigError, match="several"):
        vessel_timeline(st, None, "tug")


def test_timeline_missing_columns():
    with pytest.raises(SchemaError, match="state"):
        vessel_timeline(pd.DataFrame({"vessel_id": [], "time": [], "kind": []}))


def test_dark_periods_are_the_activity_gaps(ferry):
    """One concept, one home: the silences of dark_periods are exactly the gap events of the
    activity detectors on the same fixes (same vessels, same start and end, same distance)."""
    from navwatch.activity import ActivityParams, detect_activity

    obs = nw.read_observations(FERRY)
    zones = nw.load_ports(WPI, default_radius_km=1.5)
    dark = dark_periods(ferry.states, min_gap_h=0.1)
    gaps = detect_activity(
        obs, zones, types=["gap"], params=ActivityParams(gap_min_h=0.1), all_vessels=True
    )
    assert len(dark) >= 3
    key = ["mmsi", "start", "end"]
    a = dark.rename(columns={"time_start": "start", "time_end": "end"})[[*key, "distance_km"]]
    b = gaps[[*key, "distance_km"]]
    a, b = (x.sort_values(key).reset_index(drop=True) for x in (a, b))
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
