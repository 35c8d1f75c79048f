"""The notebook face of activity: one function per type, registry names, events per day and the
vessel timeline with what a ship did at sea."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import navwatch as nw
from navwatch import activity
from navwatch.analysis import activity_per_day, vessel_timeline
from navwatch.errors import ConfigError
from navwatch.registry import COLUMNS as REGISTRY_COLUMNS
from navwatch.registry import Registry

T0 = pd.Timestamp("2024-12-04 06:00", tz="UTC")


def _pair_obs() -> pd.DataFrame:
    """Yelnya alongside Admiral Grigorovich at 12 kn for 2 h (a replenishment), then Yelnya
    silent for 8 h."""
    t = T0 + pd.to_timedelta(np.arange(0, 121, 2), unit="min")
    lat = 34.0 + np.arange(len(t)) * (12 * 2 / 60 / 60)  # 12 kn north
    rows = [
        pd.DataFrame({"time": t, "lat": lat, "lon": 33.0, "mmsi": 273000001}),
        pd.DataFrame({"time": t, "lat": lat, "lon": 33.0015, "mmsi": 273000002}),
        pd.DataFrame({"time": [t[-1] + pd.Timedelta("8h")], "lat": [35.0], "lon": [33.0],
                      "mmsi": [273000001]}),
    ]  # fmt: skip
    obs = pd.concat(rows, ignore_index=True)
    obs["kind"] = "ais"
    obs["mmsi"] = obs["mmsi"].astype("Int64")
    return obs


@pytest.fixture(scope="module")
def registry() -> Registry:
    rows = [{c: "" for c in REGISTRY_COLUMNS} for _ in range(2)]
    rows[0].update(vessel_id="yelnya", name="Yelnya", type="oiler", mmsi="273000001")
    rows[1].update(vessel_id="grigorovich", name="Admiral Grigorovich", type="frigate",
                   mmsi="273000002")  # fmt: skip
    return Registry(pd.DataFrame(rows, columns=REGISTRY_COLUMNS))


def test_one_function_per_type_is_the_one_definition(registry):
    obs = _pair_obs()
    every = activity.detect_activity(obs, None, registry)
    for name, kind in (
        ("find_gaps", "gap"),
        ("find_loitering", "loitering"),
        ("find_encounters", "encounter"),
        ("find_replenishments", "replenishment"),
        ("find_spoofing", "spoofing"),
        ("find_identity_changes", "identity_change"),
    ):
        got = getattr(activity, name)(obs, None, registry)
        want = every[every["event_type"] == kind].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)
        assert getattr(activity, name).__name__ == name and kind in getattr(activity, name).__doc__
    assert set(every["event_type"]) == {"replenishment", "gap"}


def test_registry_vessels_carry_their_registry_names(registry):
    ev = activity.detect_activity(_pair_obs(), None, registry)
    rep = ev[ev["event_type"] == "replenishment"].iloc[0]
    assert {rep["vessel_name"], rep["other_vessel_name"]} == {"Yelnya", "Admiral Grigorovich"}
    assert "oiler" in rep["flags"]
    gap = ev[ev["event_type"] == "gap"].iloc[0]
    assert (gap["vessel_id"], gap["vessel_name"], gap["mmsi"]) == ("yelnya", "Yelnya", 273000001)


def test_vessel_timeline_holds_what_the_ship_did_at_sea(registry):
    obs = _pair_obs()
    ev = activity.detect_activity(obs, None, registry)
    det = nw.detect_port_events(obs, nw.load_ports(), registry, with_states=True)
    tl = vessel_timeline(det.states, det.events, "Admiral Grigorovich", activity=ev)
    rep = tl[tl["entry"] == "replenishment"]
    assert len(rep) == 1 and rep["detail"].iloc[0].startswith("with Yelnya; ")
    assert (
        rep["kinds"].iloc[0] == "activity" and rep["vessel_name"].iloc[0] == "Admiral Grigorovich"
    )
    assert "gap" not in set(tl["entry"])  # Yelnya's silence is not the frigate's
    yl = vessel_timeline(det.states, det.events, "Yelnya", activity=ev)
    assert list(yl.loc[yl["kinds"] == "activity", "entry"]) == ["replenishment", "gap"]
    assert yl["start"].is_monotonic_increasing
    nw.schema.validate(yl, "vessel_timeline", where="test")
    # without the activity table: spells and port events only, as before
    assert "replenishment" not in set(vessel_timeline(det.states, det.events, "Yelnya")["entry"])


def test_vessel_timeline_lists_a_jamming_event_for_every_vessel_it_names():
    st = pd.DataFrame(
        {"vessel_id": ["a", "b"], "time": [T0, T0], "kind": "ais", "state": "out", "port": "",
         "tier": "", "lat": 34.0, "lon": 33.0}
    )  # fmt: skip
    jam = activity.events_table(
        [pd.DataFrame({"event_type": ["spoofing"], "vessel_id": ["a"], "start": [T0],
                       "end": [T0 + pd.Timedelta("1h")], "flags": ["jamming"],
                       "vessels": ["a;b;c"]})]
    )  # fmt: skip
    tl = vessel_timeline(st, None, "b", activity=jam)
    assert list(tl["entry"]) == ["out", "spoofing"] and tl["flags"].iloc[1] == "jamming"


def test_activity_per_day_counts_every_period_between_first_and_last(registry):
    ev = activity.detect_activity(_pair_obs(), None, registry)
    days = activity_per_day(ev)
    assert days.to_dict("list") == {"gap": [1], "replenishment": [1]}
    by_hour = activity_per_day(ev, "1h", by="end")
    assert by_hour.sum().to_dict() == {"gap": 1, "replenishment": 1}
    assert len(by_hour) == 9 and by_hour.index.tz is not None  # 08:00 .. 16:00, zeros between
    assert activity_per_day(ev.iloc[:0]).empty
    with pytest.raises(ConfigError, match="by must be"):
        activity_per_day(ev, by="time")
    with pytest.raises(ConfigError, match="freq"):
        activity_per_day(ev, "monthly-ish")


def test_every_activity_parameter_is_documented_in_the_readme():
    import dataclasses
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Activity at sea") : readme.index("## Fleet dispersal")]
    missing = [
        f.name for f in dataclasses.fields(activity.ActivityParams) if f"`{f.name}`" not in section
    ]
    assert not missing, f"ActivityParams fields not in README's Activity at sea: {missing}"


def test_evidence_names_the_fix_rows_when_other_evidence_comes_first(registry):
    """Sightings before the AIS fixes in the table: evidence and identity changes still read
    the fixes' own rows (positions in the table given, not among the AIS rows)."""
    obs = _pair_obs()
    obs["src_file"], obs["src_line"] = "a.csv", np.arange(2, len(obs) + 2)
    obs["name"] = pd.array(["YELNYA"] * len(obs), dtype="string")
    obs.loc[obs.index[-1], "name"] = "ELNYA"  # Yelnya's last fix, after its silence
    sight = pd.DataFrame({"time": [T0], "lat": [34.0], "lon": [33.0], "kind": "sighting",
                          "src_file": "s.csv", "src_line": [2], "name": ["?"]})  # fmt: skip
    both = pd.concat([sight, sight, obs], ignore_index=True)
    ev = activity.detect_activity(both, None, registry)
    alone = activity.detect_activity(obs, None, registry)
    pd.testing.assert_frame_equal(ev, alone)
    gap = ev[ev["event_type"] == "gap"].iloc[0]
    assert gap["evidence"] == f"off a.csv:62; on a.csv:{len(obs) + 1}"  # its 61st fix, the last
    change = ev[ev["event_type"] == "identity_change"]
    assert change[["old_value", "new_value"]].values.tolist() == [["YELNYA", "ELNYA"]]
