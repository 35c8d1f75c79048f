"""Hypothesis invariants of the detector: row order never changes events, a batch split never
changes events, and per vessel and port the events alternate arrival/departure."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch import schema
from navwatch.detect import detect_port_events
from navwatch.testing import T0, assert_events_equal, merge_incremental
from tests.conftest import PORT_LAT, PORT_LON

KM_LON = 111.320 * np.cos(np.radians(PORT_LAT))

# A voyage is a list of legs: (minutes, km east of the port centre at the end, speed_kn, gap?)
leg = st.tuples(
    st.integers(1, 240),  # duration in minutes
    st.sampled_from([0.5, 2.5, 2.9, 3.2, 3.8, 4.5, 8.0, 15.0, 40.0, 91.3]),  # km east at the end
    st.booleans(),  # dark during this leg (no fixes)
)


@st.composite
def voyages(draw):
    """Fixes of 1-3 vessels, with duplicates, jumps, noise, surveys and sightings mixed in."""
    rows = []
    n_vessels = draw(st.integers(1, 3))
    for v in range(n_vessels):
        mmsi = 273000000 + v
        km = draw(st.sampled_from([0.5, 20.0]))
        t = draw(st.integers(0, 60))
        for minutes, target, dark in draw(st.lists(leg, min_size=1, max_size=6)):
            step = draw(st.sampled_from([1, 3, 10]))
            n = max(minutes // step, 1)
            for k in range(1, n + 1):
                t_k = t + k * step
                km_k = km + (target - km) * k / n
                if dark and k < n:
                    continue
                speed = abs(target - km) / (minutes / 60) / 1.852 if minutes else 0.0
                noise = draw(st.sampled_from([0.0, 0.0, 0.05, -0.05]))
                rows.append(
                    (
                        mmsi,
                        t_k,
                        PORT_LAT + noise / 110.574,
                        PORT_LON + (km_k + noise) / KM_LON,
                        speed,
                        "ais",
                    )
                )
                fault = draw(st.sampled_from(["none"] * 8 + ["dup", "jump"]))
                if fault == "dup":
                    rows.append(
                        (mmsi, t_k + 1 / 60, PORT_LAT, PORT_LON + km_k / KM_LON, speed, "ais")
                    )
                elif fault == "jump":
                    rows.append(
                        (mmsi, t_k + 0.5, PORT_LAT + 1.0, PORT_LON + km_k / KM_LON, speed, "ais")
                    )
            t += minutes
            km = target
    df = pd.DataFrame(rows, columns=["mmsi", "minute", "lat", "lon", "sog_kn", "kind"])
    df["time"] = T0 + pd.to_timedelta(df["minute"], unit="min")
    df["src_file"] = "prop.csv"
    df["src_line"] = np.arange(2, len(df) + 2)
    obs = schema.conform(df.drop(columns="minute"))
    # surveys of the port by MMSI-less evidence are registry-based; see test_detect for those
    return obs


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(obs=voyages(), seed=st.integers(0, 2**32 - 1))
def test_row_order_never_changes_events(harbour_only, obs, seed):
    a = detect_port_events(obs, harbour_only, all_vessels=True)
    b = detect_port_events(
        obs.sample(frac=1, random_state=seed % (2**32)), harbour_only, all_vessels=True
    )
    assert_events_equal(a.events, b.events)
    assert a.stats == b.stats


@SETTINGS
@given(obs=voyages(), split=st.floats(0, 1))
def test_batch_split_never_changes_events(harbour_only, obs, split):
    full = detect_port_events(obs, harbour_only, all_vessels=True)
    times = obs["time"].sort_values()
    cut = times.iloc[int(split * (len(times) - 1))]
    first, second = obs[obs["time"] < cut], obs[obs["time"] >= cut]
    d1 = detect_port_events(first, harbour_only, all_vessels=True)
    d2 = detect_port_events(second, harbour_only, all_vessels=True, state=d1.state)
    try:
        assert_events_equal(merge_incremental([d1.events, d2.events]), full.events)
    except AssertionError:
        import os
        import pickle

        if os.environ.get("NAVWATCH_DUMP"):
            with open(os.environ["NAVWATCH_DUMP"], "wb") as f:
                pickle.dump((obs, [split]), f)
        raise


@SETTINGS
@given(obs=voyages(), splits=st.lists(st.floats(0, 1), min_size=2, max_size=4))
def test_many_batches_equal_one_run(harbour_only, obs, splits):
    full = detect_port_events(obs, harbour_only, all_vessels=True)
    times = obs["time"].sort_values()
    cuts = sorted({times.iloc[int(s * (len(times) - 1))] for s in splits})
    bounds = [times.iloc[0] - pd.Timedelta(1, "s"), *cuts, times.iloc[-1] + pd.Timedelta(1, "s")]
    state, batches = None, []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        d = detect_port_events(
            obs[(obs["time"] >= lo) & (obs["time"] < hi)],
            harbour_only,
            all_vessels=True,
            state=state,
        )
        state = d.state
        batches.append(d.events)
    try:
        assert_events_equal(merge_incremental(batches), full.events)
    except AssertionError:
        import os
        import pickle

        if os.environ.get("NAVWATCH_DUMP"):
            with open(os.environ["NAVWATCH_DUMP"], "wb") as f:
                pickle.dump((obs, splits), f)
        raise


@SETTINGS
@given(obs=voyages())
def test_events_alternate_and_windows_hold_the_time(harbour_only, obs):
    ev = detect_port_events(obs, harbour_only, all_vessels=True).events
    assert (ev["time_earliest"] <= ev["time"]).all() and (ev["time"] <= ev["time_latest"]).all()
    assert ev["confidence"].between(0, 1).all()
    for _, g in ev.sort_values("time", kind="stable").groupby(["vessel_id", "port", "tier"]):
        kinds = list(g["event"])
        assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False)), kinds


@SETTINGS
@given(obs=voyages(), chunk=st.integers(1, 80))
def test_processing_in_vessel_chunks_never_changes_events(harbour_only, obs, chunk):
    whole = detect_port_events(obs, harbour_only, all_vessels=True)
    chunked = detect_port_events(obs, harbour_only, all_vessels=True, chunk_rows=chunk)
    assert_events_equal(chunked.events, whole.events)
    assert chunked.stats == whole.stats
    pd.testing.assert_frame_equal(chunked.quarantine.to_frame(), whole.quarantine.to_frame())
