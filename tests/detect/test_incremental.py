"""Incremental detection equals one batch run, for every kind of evidence.

The generated evidence mixes AIS fixes (stops, transits, in-port gaps, noise at the edge),
sightings, full and partial surveys of several ports and tiers, and contradictions (a ship
reported absent, then present again with nothing placing it elsewhere). It is split in time at
random points, with empty batches and batches of an unrelated vessel in between. The merged
incremental events (latest revision per ``event_id``) must equal the batch events on every
column, flags and confidence included; likewise the visits (latest revision per ``visit_id``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch import schema
from navwatch.detect import detect_port_events
from navwatch.registry import load_registry
from navwatch.testing import T0, assert_events_equal, merge_incremental
from tests.conftest import PORT_LAT, PORT_LON

KM_LON = 111.320 * np.cos(np.radians(PORT_LAT))
SHIPS = {"alpha": 273000001, "bravo": 273000002, "charlie": 273000003}
PLACES = {  # km east of Testport's centre: harbour (3 km), anchorage (12 km), Otherport (91 km)
    "harbour": 0.5,
    "edge": 2.95,
    "anchorage": 8.0,
    "sea": 40.0,
    "other": 91.3,
}
SURVEYED = ["Testport", "Testport/anchorage", "Otherport"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    p = tmp_path_factory.mktemp("reg") / "vessels.csv"
    lines = ["vessel_id,name,aliases,type,vessel_class,navy,home_port,mmsi,imo,callsign,notes"]
    for i, (vid, mmsi) in enumerate(SHIPS.items()):
        lines.append(
            f"{vid},{vid.title()},,{['frigate', 'oiler', 'frigate'][i]},C{i},X,Testport,{mmsi},,,"
        )
    p.write_text("\n".join(lines) + "\n")
    return load_registry(p)


def _row(
    minute,
    vessel,
    *,
    km=None,
    kind="ais",
    sog=np.nan,
    port=None,
    coverage=None,
    listed=None,
    conf=np.nan,
):
    lat = PORT_LAT if km is not None else np.nan
    lon = PORT_LON + km / KM_LON if km is not None else np.nan
    return {
        "time": T0 + pd.Timedelta(minutes=minute),
        "lat": lat,
        "lon": lon,
        "kind": kind,
        "mmsi": SHIPS[vessel] if kind == "ais" else pd.NA,
        "vessel": listed if kind == "survey" else (vessel.title() if kind == "sighting" else None),
        "sog_kn": sog,
        "port": port,
        "coverage": coverage,
        "confidence": conf,
        "source": kind,
        "src_file": f"{kind}.csv",
    }


@st.composite
def evidence(draw):
    rows = []
    where: dict[str, str] = {}
    t = 0
    for _ in range(draw(st.integers(2, 14))):
        t += draw(st.sampled_from([1, 3, 10, 30, 120, 300, 600]))
        what = draw(st.sampled_from(["ais", "ais", "ais", "sighting", "survey"]))
        if what == "survey":
            port = draw(st.sampled_from(SURVEYED))
            coverage = draw(st.sampled_from(["full", "full", "partial"]))
            listed = draw(st.lists(st.sampled_from(list(SHIPS)), max_size=3, unique=True))
            rows.append(
                _row(
                    t,
                    "alpha",
                    kind="survey",
                    port=port,
                    coverage=coverage,
                    listed="|".join(v.title() for v in listed),
                )
            )
            continue
        vessel = draw(st.sampled_from(list(SHIPS)))
        place = draw(st.sampled_from(list(PLACES)))
        if what == "sighting":
            rows.append(
                _row(
                    t,
                    vessel,
                    km=PLACES[place],
                    kind="sighting",
                    conf=draw(st.sampled_from([np.nan, 0.4, 0.9])),
                )
            )
            continue
        # an AIS episode: stay (stopped or drifting) or sail through, a few fixes
        moving = draw(st.booleans())
        step = draw(st.sampled_from([1, 5, 20, 300]))
        n = draw(st.integers(1, 6))
        start_km = PLACES[where.get(vessel, place)]
        for k in range(n):
            km = start_km + (PLACES[place] - start_km) * (k + 1) / n if moving else PLACES[place]
            jitter = draw(st.sampled_from([0.0, 0.0, 0.04, -0.04]))
            sog = draw(st.sampled_from([0.0, 0.1, 0.3, 0.6, 12.0, np.nan])) if not moving else 12.0
            rows.append(_row(t + k * step, vessel, km=km + jitter, sog=sog))
        t += n * step
        where[vessel] = place
    df = pd.DataFrame(rows)
    df["src_line"] = np.arange(2, len(df) + 2)
    return schema.conform(df)


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
VISIT_KEY = ["vessel_id", "port", "tier", "start"]


def _visits_equal(parts: list[pd.DataFrame], full: pd.DataFrame) -> None:
    got = pd.concat([p for p in parts if len(p)] or [full.iloc[0:0]], ignore_index=True)
    got = got.drop_duplicates("visit_id", keep="last")
    a = got.sort_values(VISIT_KEY, kind="stable").reset_index(drop=True)
    b = full.sort_values(VISIT_KEY, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


@SETTINGS
@given(obs=evidence(), cuts=st.lists(st.floats(0, 1), max_size=4), noise=st.booleans())
def test_any_split_of_mixed_evidence_equals_one_run(zones, registry, obs, cuts, noise):
    full = detect_port_events(obs, zones, registry)
    times = obs["time"].sort_values()
    span = times.iloc[-1] - times.iloc[0]
    bounds = sorted({times.iloc[0] + span * c for c in cuts})
    edges = [times.iloc[0] - pd.Timedelta(1, "s"), *bounds, times.iloc[-1] + pd.Timedelta(1, "s")]
    state, events, visits = None, [], []
    unrelated = schema.conform(
        pd.DataFrame(
            [
                {
                    "time": T0 - pd.Timedelta(days=1),
                    "lat": 10.0,
                    "lon": 10.0,
                    "kind": "ais",
                    "mmsi": 999000001,
                    "sog_kn": 5.0,
                }
            ]
        )
    )
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        batches = [obs[(obs["time"] >= lo) & (obs["time"] < hi)]]
        if noise:  # an empty batch and one of a vessel nobody tracks
            batches = [obs.iloc[0:0], *batches, unrelated]
        for b in batches:
            d = detect_port_events(b, zones, registry, state=state)
            state = d.state
            events.append(d.events)
            visits.append(d.visits)
    try:
        assert_events_equal(merge_incremental(events), full.events)
        _visits_equal(visits, full.visits)
    except AssertionError:
        import os
        import pickle

        if os.environ.get("NAVWATCH_DUMP"):
            pickle.dump((obs, cuts, noise), open(os.environ["NAVWATCH_DUMP"], "wb"))
        raise
    # and nothing reported twice unchanged
    ev = pd.concat([e for e in events if len(e)] or [full.events.iloc[0:0]], ignore_index=True)
    assert not ev.duplicated([c for c in ev.columns]).any()


@SETTINGS
@given(obs=evidence())
def test_windows_hold_the_time_and_events_alternate(zones, registry, obs):
    det = detect_port_events(obs, zones, registry)
    ev = det.events
    assert (ev["time_earliest"] <= ev["time"]).all() and (ev["time"] <= ev["time_latest"]).all()
    assert ev["confidence"].between(0, 1).all()
    for _, g in ev.sort_values("time", kind="stable").groupby(["vessel_id", "port", "tier"]):
        kinds = list(g["event"])
        assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False)), kinds
    v = det.visits
    assert v["level"].between(1, 4).all()
    assert (v["start"] <= v["end"]).all()
    # an event belongs to a visit that qualifies
    assert v.loc[v["call"], "level"].min() >= 2 if v["call"].any() else True


def test_tartus_contradiction_survives_any_later_batch():
    """Issue 9: after the demo evidence, an empty batch (or any later one) must not re-report the
    4 Dec arrivals without their contradiction flag and with twice the confidence."""
    import navwatch as nw
    from navwatch.demo import demo_inputs

    zones, reg = nw.load_ports(), nw.load_registry()
    demo = nw.read_observations(demo_inputs())
    d1 = detect_port_events(demo, zones, reg)
    flagged = d1.events[d1.events["flags"].astype(str).str.contains("contradiction")]
    assert len(flagged) >= 2  # the 3 Dec "gone" reports vs the 5 Dec Maxar image
    later = schema.conform(
        pd.DataFrame(
            [
                {
                    "time": pd.Timestamp("2024-12-20", tz="UTC"),
                    "lat": np.nan,
                    "lon": np.nan,
                    "kind": "survey",
                    "port": "Latakia",
                    "coverage": "full",
                    "vessel": "",
                    "source": "later image",
                }
            ]
        )
    )
    state = d1.state
    for batch in (demo.iloc[0:0], later, demo.iloc[0:0]):
        d = detect_port_events(batch, zones, reg, state=state)
        assert d.events.empty, d.events[["vessel_id", "event", "confidence", "flags"]]
        state = d.state
    kept = state.emitted.set_index("event_id")
    for eid, row in flagged.set_index("event_id").iterrows():
        if eid in kept.index:
            assert kept.loc[eid, "flags"] == row["flags"]
            assert kept.loc[eid, "confidence"] == row["confidence"]


def test_late_evidence_older_than_a_carried_row_makes_the_departure_it_reveals():
    """Evidence read late (satellite imagery days after the scene) that puts a vessel in port
    before a row an earlier batch judged (a sighting outside the harbour) reveals the departure
    between them: reported by the late batch as one run over both batches reports it. Here the
    demo sightings, then the demo surveys: Yelnya left Tartus harbour between the 1 Dec survey
    and the 2 Dec sighting."""
    import navwatch as nw
    from navwatch.demo import demo_dir

    zones, reg = nw.load_ports(), nw.load_registry()
    sightings = nw.read_observations([demo_dir() / "sightings.csv"])
    surveys = nw.read_observations([demo_dir() / "surveys.csv"])
    one = detect_port_events(schema.concat([sightings, surveys]), zones, reg).events
    first = detect_port_events(sightings, zones, reg)
    late = detect_port_events(surveys, zones, reg, state=first.state)
    merged = merge_incremental([first.events, late.events])
    assert_events_equal(merged, one)
    e = late.events
    yelnya = e[
        (e["vessel_id"] == "yelnya") & (e["event"] == "departure") & (e["tier"] == "harbour")
    ]
    assert pd.Timestamp("2024-12-02T06:00Z") in set(yelnya["time_latest"])
