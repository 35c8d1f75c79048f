"""Incremental activity runs (issue 13): batches cut anywhere, late rows included, give the events
of one run over all the data; what one batch changes is reported as an update or a retraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch.activity import (
    ActivityParams,
    ActivityState,
    detect_activity,
    detect_activity_incremental,
    horizons,
    lookback_h,
)
from navwatch.activity.incremental import LATE_CODE, RETRACTED
from navwatch.errors import ConfigError, StateError
from navwatch.quarantine import Quarantine
from navwatch.registry import COLUMNS as REGISTRY_COLUMNS
from navwatch.registry import Registry
from navwatch.simulate.activity import simulate_activity

T0 = pd.Timestamp("2024-12-01 00:00", tz="UTC")
H = pd.Timedelta("1h")
#: Short thresholds: a 23 h lookback needs days of data to cut; these need hours.
SMALL = ActivityParams(
    gap_min_h=2.0,
    intentional_window_h=3.0,
    intentional_min_h=4.0,
    loitering_min_duration_h=1.5,
    encounter_merge_gap_h=1.0,
    encounter_min_duration_h=1.0,
)
#: Columns whose last bits the detectors take from rows outside the event (a pandas group mean
#: over every encounter at once; spoofing's running sums over every fix before the stretch):
#: compared to 1e-9 relative, every other column exactly.
NOISY = {
    "encounter": {"lat", "lon", "distance_from_port_km"},
    "replenishment": {"lat", "lon", "distance_from_port_km"},
    "spoofing": {"lat", "lon", "end_lat", "end_lon", "distance_km", "implied_speed_kn"},
}


# ----------------------------------------------------------------------------------------------
# helpers


def key(ev: pd.DataFrame) -> list[str]:
    return [
        f"{i}|{'' if pd.isna(f) else f}" for i, f in zip(ev["event_id"], ev["field"], strict=True)
    ]


def run_batches(batches, *, roundtrip=True, **kw):
    """Every batch through :func:`detect_activity_incremental`; the union of the events at
    their last version without the retracted ones, the last state, the quarantine, results."""
    state, q, last, results = None, Quarantine(), {}, []
    for b in batches:
        r = detect_activity_incremental(b, state=state, quarantine=q, **kw)
        state = ActivityState.from_bytes(r.state.to_bytes()) if roundtrip else r.state
        results.append(r)
        last.update(zip(key(r.events), r.events.to_dict("records"), strict=True))
    rows = [e for e in last.values() if RETRACTED not in str(e["flags"]).split(";")]
    return pd.DataFrame(rows, columns=list(results[-1].events.columns)), state, q, results


def assert_same_events(one: pd.DataFrame, inc: pd.DataFrame) -> None:
    """Same event keys and every column equal (see :data:`NOISY`)."""
    a = dict(zip(key(one), one.to_dict("records"), strict=True))
    b = dict(zip(key(inc), inc.to_dict("records"), strict=True))
    assert sorted(a) == sorted(b), (
        f"only in one run: {sorted(set(a) - set(b))}; only incremental: {sorted(set(b) - set(a))}"
    )
    for k, x in a.items():
        y = b[k]
        for c in x:
            u, v = x[c], y[c]
            if pd.isna(u) if not isinstance(u, str) else False:
                assert pd.isna(v), (k, c, u, v)
            elif c in NOISY.get(x["event_type"], ()):
                assert np.isclose(u, v, rtol=1e-9, atol=0), (k, c, u, v)
            else:
                assert u == v, (k, x["event_type"], c, u, v)


def deliver(obs: pd.DataFrame, rng, late_share: float, max_delay_h: float) -> pd.DataFrame:
    """``obs`` in the order a feed delivers it when ``late_share`` of the rows arrive up to
    ``max_delay_h`` late."""
    delay = np.where(rng.random(len(obs)) < late_share, rng.uniform(0, max_delay_h, len(obs)), 0)
    at = obs["time"].array.asi8 + (delay * 3600e9).astype(np.int64)
    return obs.iloc[np.argsort(at, kind="stable")]


def cut(obs: pd.DataFrame, fractions) -> list[pd.DataFrame]:
    """``obs`` cut at these fractions of its rows (repeats give empty batches)."""
    at = sorted(int(f * len(obs)) for f in fractions)
    edges = [0, *at, len(obs)]
    return [obs.iloc[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


def without(obs: pd.DataFrame, q: Quarantine) -> pd.DataFrame:
    """``obs`` less the rows the quarantine holds (by file and line)."""
    f = q.to_frame()
    gone = set(zip(f["file"].astype(str), f["line"].astype("Int64"), strict=True))
    mine = zip(obs["src_file"].astype(str), obs["src_line"].astype("Int64"), strict=True)
    return obs[np.array([x not in gone for x in mine], dtype=bool)]


def track(mmsi: int, times, lat, lon, *, line0: int = 1, **cols) -> pd.DataFrame:
    n = len(times)
    out = pd.DataFrame(
        {
            "time": pd.DatetimeIndex(times),
            "lat": np.broadcast_to(np.asarray(lat, float), n),
            "lon": np.broadcast_to(np.asarray(lon, float), n),
            "kind": "ais",
            "mmsi": pd.array([mmsi] * n, dtype="Int64"),
            "src_file": "t.csv",
            "src_line": pd.array(np.arange(line0, line0 + n), dtype="Int32"),
        }
    )
    for c, v in cols.items():
        out[c] = v
    return out


def every(minutes: float, start, hours: float):
    n = int(round(hours * 60 / minutes)) + 1
    return start + pd.to_timedelta(np.arange(n) * minutes, unit="min")


# ----------------------------------------------------------------------------------------------
# properties on the activity simulator


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    n_vessels=st.integers(3, 5),
    days=st.floats(1.0, 1.8),
    fractions=st.lists(st.floats(0, 1), min_size=0, max_size=5),
    stranger_at=st.integers(0, 5),
)
def test_batches_cut_anywhere_give_one_run(seed, n_vessels, days, fractions, stranger_at):
    sc = simulate_activity(seed=seed, n_vessels=n_vessels, days=days)
    batches = cut(sc.obs, fractions)
    # an unrelated vessel far away in a batch of its own (after the batches before it), and an
    # empty frame
    at = min(stranger_at, len(batches))
    before = [b["time"].max() for b in batches[:at] if len(b)]
    t = max(before, default=sc.obs["time"].min()) + pd.to_timedelta(np.arange(12) * 20, unit="min")
    stranger = track(999000001, t, -60.0, 100.0, line0=10**7)
    for c in ("kind", "name", "callsign"):  # the feed's dtypes (names: the same categories)
        stranger[c] = pd.Series(stranger.get(c), dtype=sc.obs[c].dtype)
    batches.insert(at, stranger)
    batches.append(pd.DataFrame())
    inc, state, q, results = run_batches(
        batches, zones=sc.zones, registry=sc.registry, params=SMALL
    )
    one = detect_activity(pd.concat(batches[:-1]), sc.zones, sc.registry, params=SMALL)
    assert len(q) == 0  # rows in time order: none late
    assert_same_events(one, inc)
    assert len(state.rows) < len(sc.obs) or days * 24 < 2 * lookback_h(SMALL) + 1


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    fractions=st.lists(st.floats(0, 1), min_size=1, max_size=5),
    late_share=st.floats(0.01, 0.2),
)
def test_late_rows_within_the_horizon_are_folded_in_exactly(seed, fractions, late_share):
    sc = simulate_activity(seed=seed, n_vessels=4, days=1.5)
    rng = np.random.default_rng(seed)
    fed = deliver(sc.obs, rng, late_share, max_delay_h=2.5)  # late_h 3: none too late
    inc, _, q, results = run_batches(
        cut(fed, fractions), zones=sc.zones, registry=sc.registry, params=SMALL, late_h=3.0
    )
    assert len(q) == 0 and sum(r.stats["rows_late"] for r in results) == 0
    assert_same_events(detect_activity(fed, sc.zones, sc.registry, params=SMALL), inc)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    fractions=st.lists(st.floats(0, 1), min_size=2, max_size=5),
)
def test_rows_later_than_the_horizon_are_quarantined_and_the_rest_is_one_run(seed, fractions):
    sc = simulate_activity(seed=seed, n_vessels=4, days=1.5)
    rng = np.random.default_rng(seed + 1)
    fed = deliver(sc.obs, rng, 0.1, max_delay_h=8.0)  # late_h 1: many too late
    batches = cut(fed, fractions)
    inc, _, q, results = run_batches(
        batches, zones=sc.zones, registry=sc.registry, params=SMALL, late_h=1.0
    )
    f = q.to_frame()
    assert set(f["code"]) <= {LATE_CODE}
    assert len(f) == sum(r.stats["rows_late"] for r in results)
    # exactly the rows older than the latest time read before their batch, less late_h
    clock, expected = None, 0
    for b in batches:
        if clock is not None and len(b):
            expected += int((b["time"] < clock - pd.Timedelta(hours=1.0)).sum())
        if len(b):
            clock = b["time"].max() if clock is None else max(clock, b["time"].max())
    assert len(f) == expected
    one = detect_activity(without(fed, q), sc.zones, sc.registry, params=SMALL)
    assert_same_events(one, inc)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), fractions=st.lists(st.floats(0, 1), min_size=3, max_size=6))
def test_default_thresholds_over_days_give_one_run(seed, fractions):
    sc = simulate_activity(seed=seed, n_vessels=4, days=3.0)
    rng = np.random.default_rng(seed)
    fed = deliver(sc.obs, rng, 0.05, max_delay_h=12.0)
    inc, state, q, _ = run_batches(cut(fed, fractions), zones=sc.zones, registry=sc.registry)
    assert len(q) == 0  # 12 h late is within the default 23 h
    assert_same_events(detect_activity(fed, sc.zones, sc.registry), inc)


def test_registry_vessels_only_and_no_zones():
    sc = simulate_activity(seed=7, n_vessels=5, days=1.5)
    batches = cut(sc.obs, [0.2, 0.5, 0.5, 0.8])
    kw = {"registry": sc.registry, "params": SMALL, "all_vessels": False}
    inc, *_ = run_batches(batches, **kw)
    assert_same_events(detect_activity(sc.obs, **kw), inc)


# ----------------------------------------------------------------------------------------------
# gaps updated and retracted


def gap_track() -> pd.DataFrame:
    """Fixes every 10 min for 2 h, silent 10 h, then every 10 min for 2 h, far from ports."""
    a = track(273000001, every(10, T0, 2), 40.0, 20.0)
    b = track(273000001, every(10, T0 + 12 * H, 2), 40.05, 20.05, line0=100)
    return pd.concat([a, b], ignore_index=True)


def test_a_late_position_inside_a_gap_shortens_it_under_the_same_id():
    b1 = detect_activity_incremental(gap_track(), types=["gap"])
    assert b1.events[["duration_h"]].values.tolist() == [[10.0]]
    late = track(273000001, [T0 + 8 * H], 40.02, 20.02, line0=500)
    b2 = detect_activity_incremental(late, types=["gap"], state=b1.state)
    assert len(b2.events) == 1 and b2.stats["events_changed"] == 1
    ev = b2.events.iloc[0]
    assert ev["event_id"] == b1.events["event_id"].iloc[0]
    assert ev["end"] == T0 + 8 * H and ev["duration_h"] == 6.0 and RETRACTED not in ev["flags"]
    assert "t.csv:500" in ev["evidence"]
    one = detect_activity(pd.concat([gap_track(), late]), types=["gap"])
    assert_same_events(one, b2.events)


def test_a_gap_filled_by_late_positions_is_retracted_once():
    b1 = detect_activity_incremental(gap_track(), types=["gap"])
    fill = track(273000001, every(60, T0 + 3 * H, 8), 40.02, 20.02, line0=500)
    b2 = detect_activity_incremental(fill, types=["gap"], state=b1.state)
    assert b2.stats["events_retracted"] == 1 and len(b2.events) == 1
    ev = b2.events.iloc[0]
    assert ev["event_id"] == b1.events["event_id"].iloc[0]
    assert ev["flags"].split(";")[-1] == RETRACTED
    assert "retracted: positions received later fall inside the silence" in ev["evidence"]
    more = track(273000001, every(10, T0 + 14.5 * H, 1), 40.05, 20.05, line0=900)
    b3 = detect_activity_incremental(more, types=["gap"], state=b2.state)
    assert len(b3.events) == 0 and len(b3.state.events) == 0
    assert len(detect_activity(pd.concat([gap_track(), fill, more]), types=["gap"])) == 0


# ----------------------------------------------------------------------------------------------
# events across batches


def test_a_loitering_that_grows_across_batches_keeps_its_id():
    t = every(5, T0, 10)
    obs = track(273000001, t, 34.95 + np.arange(len(t)) * 1e-6, 35.75)
    parts = [obs[obs["time"] < T0 + 5 * H], obs[(obs["time"] >= T0 + 5 * H) & (obs["time"] < T0 + 8 * H)],
             obs[obs["time"] >= T0 + 8 * H]]  # fmt: skip
    state, ids, ends = None, set(), []
    for p in parts:
        b = detect_activity_incremental(p, types=["loitering"], state=state)
        state = b.state
        assert len(b.events) == 1
        ids.add(b.events["event_id"].iloc[0])
        ends.append(b.events["end"].iloc[0])
    assert len(ids) == 1 and ends == sorted(ends) and ends[0] < ends[-1]
    one = detect_activity(obs, types=["loitering"])
    assert one["event_id"].tolist() == list(ids) and one["end"].iloc[0] == ends[-1]


def test_an_encounter_whose_vessels_arrive_in_different_batches():
    t = every(1, T0, 3)
    lat = 34.0 + np.arange(len(t)) * 1e-6
    a = track(273000001, t, lat, 33.0)
    b = track(273000002, t, lat, 33.003, line0=1000)
    b1 = detect_activity_incremental(a, types=["encounter"])
    assert len(b1.events) == 0
    b2 = detect_activity_incremental(b, types=["encounter"], state=b1.state)
    assert b2.events[["vessel_id", "other_vessel_id"]].values.tolist() == [
        ["mmsi:273000001", "mmsi:273000002"]
    ]
    assert_same_events(detect_activity(pd.concat([a, b]), types=["encounter"]), b2.events)


def test_an_identity_change_across_a_batch_boundary_compares_with_a_value_seen_days_before():
    days = [track(273000001, every(60, T0 + d * 24 * H, 23), 40.0 + d * 0.1, 20.0, line0=100 * d)
            for d in range(6)]  # fmt: skip
    days[0]["name"] = pd.Categorical(["YELNYA"] * len(days[0]))  # a static message, then none
    days[5]["name"] = pd.Categorical(["ELNYA"] * len(days[5]))
    inc, state, _, results = run_batches(days, types=["identity_change"])
    assert sum(len(r.events) for r in results[:5]) == 0
    ev = results[5].events
    assert ev[["field", "old_value", "new_value"]].values.tolist() == [["name", "YELNYA", "ELNYA"]]
    assert ev["start"].iloc[0] == T0 + 23 * H  # the old name's last sighting, day 0
    assert len(state.rows) < sum(len(d) for d in days) / 2  # the days between were let go
    assert_same_events(detect_activity(pd.concat(days), types=["identity_change"]), inc)


def test_a_vessel_keeps_the_identity_its_first_rows_gave_it():
    """An MMSI is resolved by its first IMO anywhere in the data, here a registry vessel's, long
    before the tail; later rows broadcast another IMO."""
    row = dict.fromkeys(REGISTRY_COLUMNS, "")
    row.update(vessel_id="yelnya", name="Yelnya", imo="8705515")
    reg = Registry(pd.DataFrame([row], columns=REGISTRY_COLUMNS))
    days = []
    for d in range(6):
        t = every(60, T0 + d * 24 * H, 14)  # 10 h silent every night: a gap a day
        days.append(track(273000001, t, 40.0, 20.0 + d * 0.1, line0=100 * d))
    days[0]["imo"] = pd.array([8705515] * len(days[0]), dtype="Int64")
    for d in days[1:]:
        d["imo"] = pd.array([9999999] * len(d), dtype="Int64")
    kw = {"types": ["gap", "identity_change"], "registry": reg, "all_vessels": False}
    inc, state, _, results = run_batches(days, **kw)
    one = detect_activity(pd.concat(days), **kw)
    assert set(one["vessel_id"]) == {"yelnya"} and len(one) == 6  # 5 gaps, 1 IMO change
    assert len(results[-1].events) == 1  # the last night's gap, long after the first rows
    assert_same_events(one, inc)


# ----------------------------------------------------------------------------------------------
# late rows, state, settings


def test_a_fix_older_than_the_tail_is_quarantined_and_counted():
    obs = track(273000001, every(60, T0, 72), 40.0, 20.0)
    b1 = detect_activity_incremental(obs, types=["gap"])
    q = Quarantine()
    old = track(273000001, [T0 + 12 * H], 40.1, 20.1, line0=777)
    recent = track(273000001, [T0 + 60.5 * H], 40.1, 20.1, line0=778)  # late but within
    b2 = detect_activity_incremental(pd.concat([old, recent]), types=["gap"], state=b1.state,
                                     quarantine=q)  # fmt: skip
    f = q.to_frame()
    assert f[["file", "line", "code"]].values.tolist() == [["t.csv", 777, LATE_CODE]]
    assert "h before the activity horizon" in f["reason"].iloc[0]
    assert b2.stats["rows_late"] == 1 and b2.stats["rows_in"] == 2
    assert b2.state.rows["src_line"].tolist().count(778) == 1


def test_state_round_trips_through_bytes():
    sc = simulate_activity(seed=3, n_vessels=4, days=1.2)
    first, rest = cut(sc.obs, [0.6])
    b1 = detect_activity_incremental(first, sc.zones, sc.registry, params=SMALL)
    back = ActivityState.from_bytes(b1.state.to_bytes())
    for name in ("rows", "identities", "vessels", "events", "jumps"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(b1.state, name))
    assert (back.clock, back.rows_seen, back.config, back.spellings) == (
        b1.state.clock, b1.state.rows_seen, b1.state.config, b1.state.spellings
    )  # fmt: skip
    a = detect_activity_incremental(rest, sc.zones, sc.registry, params=SMALL, state=b1.state)
    b = detect_activity_incremental(rest, sc.zones, sc.registry, params=SMALL, state=back)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert len(ActivityState.from_bytes(None)) == 0 and len(ActivityState.from_bytes(b"")) == 0
    with pytest.raises(StateError):
        ActivityState.from_bytes(b"not a state")


def test_state_stays_bounded_for_a_vessel_that_transmits_forever():
    """30 days every 10 minutes with a 7 h silence (a gap event) and a fix sent 100 km away (a
    jump out and back) every day, in 6 h batches, next to a vessel silent after its first day:
    the tail stays about late_h + lookback_h of fixes, old events and jumps are forgotten."""
    types = ["gap", "loitering", "spoofing"]
    quiet = track(273000002, every(10, T0, 20), 41.0, 21.0, line0=10**6)
    quiet.loc[60, "lat"] = 41.9
    state, sizes, n_events, n_jumps, reported = None, [], [], [], 0
    for d in range(30):
        day = T0 + d * 24 * H
        t = every(10, day, 16.8)  # 7 h silent at the end of each day
        obs = track(273000001, t, 40.0 + 0.001 * np.arange(len(t)), 20.0, line0=1000 * d)
        obs.loc[50, "lat"] += 0.9
        if d == 0:
            obs = pd.concat([obs, quiet]).sort_values("time", kind="stable")
        for k in range(4):
            part = obs[(obs["time"] >= day + 6 * k * H) & (obs["time"] < day + 6 * (k + 1) * H)]
            b = detect_activity_incremental(part, types=types, state=state)
            state = b.state
            reported += len(b.events)
            sizes.append(len(state.rows))
            n_events.append(len(state.events))
            n_jumps.append(len(state.jumps))
    assert reported >= 30  # every day's gap was reported (and the quiet vessel's jump)
    h = horizons(ActivityParams(), types)
    bound = (2 * h.lookback_h + 24) * 6 + 130  # late_h + lookback_h of fixes, a day, the quiet
    assert max(sizes[20:]) <= bound and max(sizes[-8:]) <= max(sizes[8:16]) + 10
    assert max(n_events) <= 4, n_events
    assert max(n_jumps[20:]) <= 12 and n_jumps[-1] <= max(n_jumps[8:16])


def test_a_state_made_with_other_settings_is_refused():
    b1 = detect_activity_incremental(gap_track(), types=["gap"])
    with pytest.raises(ConfigError, match="fresh state"):
        detect_activity_incremental(gap_track(), types=["gap", "loitering"], state=b1.state)
    with pytest.raises(ConfigError, match="fresh state"):
        detect_activity_incremental(gap_track(), types=["gap"], state=b1.state,
                                    params=ActivityParams(gap_min_h=8))  # fmt: skip


def test_evidence_without_source_files_names_rows_as_one_run_does():
    obs = gap_track().drop(columns=["src_file", "src_line"])
    parts = [obs.iloc[:5], pd.DataFrame(), obs.iloc[5:9], obs.iloc[9:]]
    inc, *_ = run_batches(parts, types=["gap"])
    one = detect_activity(obs, types=["gap"])
    assert one["evidence"].tolist() == ["off row 12; on row 13"]
    assert_same_events(one, inc)


def test_evidence_names_the_input_row_when_other_kinds_of_rows_come_first():
    """``row N`` is the row of the input: a sighting before the fixes counts. (One run over
    the same rows cites ``row 12; row 13`` here, and with ``src_file`` the file lines of the
    rows one before: tracks() numbers fixes in the AIS rows only while the evidence reads the
    whole table; reported, not changed here.)"""
    obs = gap_track()
    sighting = pd.DataFrame({"time": [T0], "lat": [1.0], "lon": [1.0], "kind": "sighting"})
    inc, *_ = run_batches([sighting, obs.drop(columns=["src_file", "src_line"])], types=["gap"])
    assert inc["evidence"].tolist() == ["off row 13; on row 14"]
    inc, *_ = run_batches([sighting, obs], types=["gap"])
    assert inc["evidence"].tolist() == ["off t.csv:13; on t.csv:100"]


def test_lookback_is_derived_from_the_thresholds():
    assert lookback_h() == 23.0  # 12 h of positions before a gap + 11 h of loitering reach
    assert lookback_h(ActivityParams(intentional_window_h=24)) == 35.0
    assert lookback_h(types=["gap"]) == 12.0


# ----------------------------------------------------------------------------------------------
# jumps: the detectors pair a jump out with its way back in order from a vessel's first jump


def displaced_track(stretches, hours: float = 40.0) -> pd.DataFrame:
    """A vessel drifting north at 3 kn with a fix every 2 min, sent 100 km north (displaced)
    during each ``(from_h, to_h)`` stretch."""
    t = every(2, T0, hours)
    h = (t - T0) / H
    lat = 40.0 + h * 3 * 1.852 / 111.2
    for a, b in stretches:
        lat = np.where((h >= a) & (h < b), lat + 0.9, lat)
    return track(273000001, t, lat, 20.0)


def in_batches(obs: pd.DataFrame, every_h: float) -> list[pd.DataFrame]:
    edges = T0 + pd.to_timedelta(np.arange(0, 48 + every_h, every_h), unit="h")
    return [
        obs[(obs["time"] >= a) & (obs["time"] < b)]
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]


def test_a_displacement_whose_way_back_comes_many_batches_later_is_one_event():
    obs = displaced_track([(5.0, 25.0)])
    kw = {"types": ["spoofing"], "params": SMALL}
    one = detect_activity(obs, **kw)
    assert one[["flags", "start"]].values.tolist() == [["displaced", T0 + 5 * H]]
    inc, state, _, results = run_batches(in_batches(obs, 2.0), late_h=1.0, **kw)
    assert_same_events(one, inc)
    # while the way back is pending the jump out is kept (20 h > late_h + lookback_h)
    mid = results[9].state.rows  # clock 19:58
    assert mid["time"].min() <= T0 + 5 * H


def test_a_tail_is_never_cut_inside_a_displacement():
    """Cut between the way out and the way back, the next window would take the way back for
    a way out and pair it with the next jump out: a displacement the data do not have."""
    obs = displaced_track([(5.0, 9.0), (20.0, 20.04), (30.0, 30.04)])
    kw = {"types": ["spoofing"], "params": SMALL}
    one = detect_activity(obs, **kw)
    assert one["flags"].tolist() == ["displaced", "displaced", "displaced"]
    inc, *_ = run_batches(in_batches(obs, 2.0), late_h=1.0, **kw)
    assert_same_events(one, inc)


def test_a_jamming_cluster_is_not_reported_again_from_one_vessel_kept_longer():
    """Three vessels jammed to one point together: one jamming event. One of them jumped 300 km
    two hours before and never back, so its rows are kept (the way back may still come) while
    the others' are let go: its part of the jamming alone is not reported as a displacement."""

    def drifting(mmsi: int, lat0: float, lon0: float, line0: int) -> pd.DataFrame:
        t = every(2, T0, 30)
        h = ((t - T0) / H).to_numpy()
        out = track(mmsi, t, lat0 + h * 3 * 1.852 / 1112, lon0 + h * 0.001, line0=line0)
        jammed = (h >= 10) & (h < 10 + 1 / 3)
        out.loc[jammed, ["lat", "lon"]] = (43.2, 20.0)
        return out

    a = drifting(273000001, 42.7, 20.0, 1)
    before = ((a["time"] - T0) / H).to_numpy() < 8
    a.loc[before, "lat"] = 40.0  # 300 km south until 8:00
    obs = pd.concat(
        [a, drifting(273000002, 42.7, 20.3, 10**4), drifting(273000003, 42.6, 20.0, 2 * 10**4)]
    )
    obs = obs.sort_values("time", kind="stable")
    kw = {"types": ["spoofing"], "params": SMALL}
    one = detect_activity(obs, **kw)
    assert one["flags"].tolist() == ["jamming"]
    inc, state, *_ = run_batches(in_batches(obs, 2.0), late_h=1.0, **kw)
    kept = state.rows.groupby("mmsi")["time"].min()
    assert kept[273000001] <= T0 + 8 * H < T0 + 10 * H < kept[273000002]
    assert_same_events(one, inc)
