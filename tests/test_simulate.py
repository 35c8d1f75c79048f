"""The scenario simulator (navwatch.simulate): determinism, a truth consistent with the evidence it
generated, the decoys and faults it promises; and small accuracy checks of the detector against
it (the goals of bench/bench_accuracy.py on a few small scenarios)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely

import navwatch as nw
import navwatch.detect.zoneindex  # noqa: F401  (nw.detect.zoneindex below)
from navwatch import simulate as sim
from navwatch.ports import ZONE_COLUMNS

SMALL = dict(n_vessels=24, days=4, n_ports=5)


@pytest.fixture(scope="module")
def sc() -> sim.Scenario:
    return sim.simulate(5, **SMALL)


@pytest.fixture(scope="module")
def polar_dateline() -> sim.Scenario:
    return sim.simulate(2, n_vessels=16, days=3, n_ports=4, high_latitude=True, antimeridian=True)


def zone_geom(sc: sim.Scenario, port: str, tier: str):
    z = sc.zones
    return z[(z["port"] == port) & (z["tier"] == tier)].geometry.iloc[0]


def ais_with_meta(sc: sim.Scenario) -> pd.DataFrame:
    return pd.concat([sc.ais, sc.ais_meta], axis=1)


# ----------------------------------------------------------------------------------------------
# the simulator itself


def test_same_seed_same_scenario_other_seed_other(sc):
    again = sim.simulate(5, **SMALL)
    for name in ("ais", "osint", "truth_events", "truth_visits", "contradictions"):
        assert getattr(sc, name).equals(getattr(again, name)), name
    other = sim.simulate(6, **SMALL)
    assert not other.truth_events["time"].equals(sc.truth_events["time"])


def test_zones_in_navwatch_format_and_nested(sc, polar_dateline):
    for s in (sc, polar_dateline):
        z = s.zones
        assert list(z.columns) == list(ZONE_COLUMNS)
        assert z.crs.to_epsg() == 4326
        assert z.geometry.is_valid.all()
        for _port, g in z.groupby("port"):
            g = g.sort_values("tier_rank")
            assert list(g["tier_rank"]) == list(range(len(g)))
            for inner, outer in zip(g.geometry.iloc[:-1], g.geometry.iloc[1:], strict=True):
                assert inner.within(outer)
        circles = z["radius_km"].dropna()
        assert ((circles >= 0.5) & (circles <= 15.0 * 1.5)).all()
    assert z["tier"].nunique() >= 2
    # a port at high latitude, and one straddling the antimeridian (split at +-180)
    z = polar_dateline.zones
    assert z.geometry.representative_point().y.abs().max() > 62
    b = z.geometry.bounds
    assert ((b["minx"] <= -179.99) & (b["maxx"] >= 179.99)).any()


def test_registry_aliases_classes_and_vessels_without_mmsi(sc):
    v = sc.vessels[sc.vessels["registry"]]
    reg = sc.registry
    assert len(reg) == len(v)
    assert (v["mmsi"] == "").any() and (v["mmsi"] != "").any()
    classes = v.loc[v["vessel_class"] != "", "vessel_class"].value_counts()
    assert (classes >= 2).any()
    n_alias = 0
    for vid, aliases in zip(v["vessel_id"], v["aliases"], strict=True):
        for a in [x for x in aliases.split("|") if x]:
            assert reg.lookup_name(a) == vid, (a, vid)
            n_alias += 1
    assert n_alias >= len(v)
    # transliterations of one name: Latin variants (Yel'nya/Elnya/Jel'nja) and Cyrillic
    assert (
        v["aliases"].str.contains("'").any() or v["aliases"].str.contains("[Jj]", regex=True).any()
    )
    assert v["aliases"].str.contains("[А-Яа-я]", regex=True).any()
    merchants = sc.vessels[~sc.vessels["registry"]]
    assert merchants["vessel_id"].str.match(r"mmsi:\d{9}$").all()


def test_ais_faults_and_variety(sc):
    a = ais_with_meta(sc)
    assert not a["time"].is_monotonic_increasing  # rows in random order
    dup = a[a["fault"] == "duplicate"]
    assert len(dup)
    orig = a[a["fault"] == ""].set_index(["mmsi", "lat", "lon"])["time"]
    for _, d in dup.head(20).iterrows():
        t = orig.loc[(d["mmsi"], d["lat"], d["lon"])]
        t = t if np.isscalar(t) or isinstance(t, pd.Timestamp) else t.iloc[0]
        assert pd.Timedelta(0) < d["time"] - t <= pd.Timedelta(seconds=1)
    jumps = a[a["fault"] == "jump"]
    assert len(jumps)
    per = a[a["fault"] != "duplicate"].sort_values(["mmsi", "time"])
    for _, j in jumps.head(10).iterrows():
        tr = per[per["mmsi"] == j["mmsi"]].reset_index(drop=True)
        k = tr.index[tr["time"] == j["time"]][0]
        assert 0 < k < len(tr) - 1
        for n in (k - 1, k + 1):
            d = nw.detect.zoneindex.haversine_km(j["lat"], j["lon"], tr["lat"][n], tr["lon"][n])
            assert d > 90
    # fix intervals from seconds to half an hour; some vessels without SOG
    dt = (
        per[per["fault"] == ""]
        .groupby("mmsi")["time"]
        .apply(lambda t: t.diff().dt.total_seconds().median())
    )
    assert dt.min() < 120 and dt.max() > 600
    nan_sog = a.groupby("mmsi")["sog_kn"].apply(lambda s: s.isna().all())
    assert nan_sog.any() and not nan_sog.all()


def test_call_visits_have_fixes_at_rest_inside_the_zone(sc):
    a = ais_with_meta(sc)
    a = a[a["visible"]]
    tv = sc.truth_visits
    calls = tv[
        tv["stopped"] & tv["evidenced_ais"] & tv["arrival"].notna() & tv["departure"].notna()
    ]
    assert len(calls) >= 10
    at_rest = 0
    for _, c in calls.iterrows():
        f = a[
            (a["vessel_id"] == c["vessel_id"])
            & (a["time"] >= c["arrival"])
            & (a["time"] <= c["departure"])
        ]
        inside = shapely.contains_xy(
            zone_geom(sc, c["port"], c["tier"]), f["lon"].to_numpy(), f["lat"].to_numpy()
        )
        assert inside.any(), c["visit_id"]
        at_rest += bool((inside & f["at_rest"].to_numpy()).any())
    assert at_rest >= 0.8 * len(calls)  # the others went dark for the whole stop (gap decoys)
    # a transit never rests in the zone
    tr = tv[tv["kind"] == "transit"]
    assert len(tr)
    for _, c in tr.head(40).iterrows():
        f = a[
            (a["vessel_id"] == c["vessel_id"])
            & (a["time"] >= c["arrival"])
            & (a["time"] <= c["departure"])
        ]
        inside = shapely.contains_xy(
            zone_geom(sc, c["port"], c["tier"]), f["lon"].to_numpy(), f["lat"].to_numpy()
        )
        assert not (inside & f["at_rest"].to_numpy()).any(), c["visit_id"]


def test_events_are_the_ends_of_calls(sc):
    te, tv = sc.truth_events, sc.truth_visits.set_index("visit_id")
    assert set(te["event"]) == {"arrival", "departure"}
    v = tv.loc[te["visit_id"]]
    assert (v["kind"].to_numpy() == "call").all()
    arr = te["event"] == "arrival"
    assert (te.loc[arr, "time"].to_numpy() == v.loc[arr.to_numpy(), "arrival"].to_numpy()).all()
    assert (te.loc[~arr, "time"].to_numpy() == v.loc[~arr.to_numpy(), "departure"].to_numpy()).all()
    assert ((te["time"] > sc.start) & (te["time"] < sc.end)).all()


def test_tight_windows_contain_the_true_time_and_rest_on_visible_evidence(sc):
    te = sc.truth_events
    for lo, hi in (("tight_earliest", "tight_latest"), ("tight_earliest_ais", "tight_latest_ais")):
        ok = te[lo].notna() & te[hi].notna()
        assert ok.sum() >= 0.5 * len(te)
        assert (te.loc[ok, lo] <= te.loc[ok, "time"]).all() and (
            te.loc[ok, "time"] <= te.loc[ok, hi]
        ).all()
    both = te["tight_earliest"].notna() & te["tight_earliest_ais"].notna()
    assert (te.loc[both, "tight_earliest"] >= te.loc[both, "tight_earliest_ais"]).all()
    both = te["tight_latest"].notna() & te["tight_latest_ais"].notna()
    assert (te.loc[both, "tight_latest"] <= te.loc[both, "tight_latest_ais"]).all()
    # an AIS bound is a visible fix on the right side of the zone's polygon
    a = ais_with_meta(sc)
    a = a[a["visible"]].set_index(["vessel_id", "time"])
    mmsi_of = sc.vessels.set_index("vessel_id")
    checked = 0
    for _, ev in te[te["earliest_kind"] == "ais"].head(60).iterrows():
        fix = a.loc[(ev["vessel_id"], ev["tight_earliest"])]
        inside = bool(
            shapely.contains_xy(zone_geom(sc, ev["port"], ev["tier"]), fix["lon"], fix["lat"])
        )
        assert inside == (ev["event"] == "departure")
        assert str(fix["mmsi"]) == mmsi_of.loc[ev["vessel_id"], "mmsi"]
        checked += 1
    assert checked
    assert set(te["evidence"]) <= {"ais", "osint", "mixed", "none"}


def test_decoys_present_either_side_of_thresholds():
    s = sim.simulate(8, n_vessels=30, days=5)
    assert set(sim.DECOYS) <= set(s.decoys["decoy"])
    tv = s.truth_visits
    labelled = tv[tv["decoys"] != ""]
    for lab in ("stop_5min", "anchor_sog_0.6", "gap_3.5h", "berth_edge", "berth_inside_50m"):
        vs = labelled[labelled["decoys"].str.contains(re.escape(lab))]
        assert (vs["kind"] == "call").any(), lab
    for lab in ("transit_20min", "transit_2h", "transit_1kn", "transit_pilot", "transit_gap_4.5h"):
        vs = labelled[labelled["decoys"].str.contains(re.escape(lab))]
        # never a stop; a call only when a sighting/survey saw it in port during the pass
        assert (
            len(vs)
            and (~vs["stopped"]).all()
            and ((vs["kind"] == "transit") | vs["osint_present"]).all()
        ), lab
    # a berth at the edge: fixes at rest on both sides of the polygon
    a = ais_with_meta(s)
    d = s.decoys[s.decoys["decoy"] == "berth_edge"]
    both = False
    for _, row in d.iterrows():
        f = a[
            (a["vessel_id"] == row["vessel_id"])
            & a["at_rest"]
            & (a["time"] > row["start"])
            & (a["time"] < row["end"])
        ]
        if len(f) < 5:
            continue
        geoms = s.zones[s.zones["port"] == row["port"]].geometry
        ins = np.column_stack(
            [shapely.contains_xy(g, f["lon"].to_numpy(), f["lat"].to_numpy()) for g in geoms]
        )
        both |= bool((ins.any(axis=0) & ~ins.all(axis=0)).any())
    assert both
    # a stop 50 m outside a zone's edge is no call at that zone
    d = s.decoys[s.decoys["decoy"] == "berth_outside_50m"]
    assert len(d)


def test_osint_words_tokens_surveys_and_contradictions(sc):
    o = sc.osint
    s = o[o["kind"] == "sighting"]
    text = s["confidence_text"].astype(str)
    assert text.str.endswith("%").any()
    assert text.str.lower().isin(list(sim.CONFIDENCE_WORDS)).any()
    assert pd.to_numeric(text, errors="coerce").notna().any()
    assert s["confidence"].between(0, 1).all()
    assert s["vessel"].str.contains(r"x\s*\d|\(\d\)", regex=True).any()
    v = o[o["kind"] == "survey"]
    assert set(v["coverage"]) == {"full", "partial"}
    assert v["notes"].str.extract(r"of (.*)/")[0].nunique() >= 2
    # every OSINT-only vessel is seen
    no_ais = sc.vessels.loc[sc.vessels["registry"] & ~sc.vessels["has_ais"], "vessel_id"]
    named = set("|".join(sc.osint_meta["vessel_ids"]).split("|"))
    assert set(no_ais) <= named
    # injected contradictions mark the events next to them
    assert len(sc.contradictions) >= 2
    assert set(sc.contradictions["kind"]) == {"false_absence", "false_presence"}
    assert (~sc.truth_events["consistent"]).any()
    assert sc.osint_meta["false"].any()


def test_written_inputs_read_back(sc, tmp_path):
    paths = sc.write_inputs(tmp_path)
    ais = nw.read_observations([paths["ais"]])
    assert len(ais) == len(sc.ais)
    assert set(ais["mmsi"].dropna().astype(int)) == set(sc.ais["mmsi"].dropna().astype(int))
    surveys = nw.read_observations([paths["surveys"]])
    assert len(surveys) == int((sc.osint["kind"] == "survey").sum())
    zones = nw.load_ports(paths["ports"], bundled=False)
    assert set(zones["port"]) == set(sc.zones["port"])
    assert len(nw.load_registry(paths["vessels"])) == len(sc.registry)


def test_builds_benchmark_sized_scenarios():
    # (its speed is measured by bench/bench_accuracy.py, which prints the simulation time)
    s = sim.simulate(9, n_vessels=40, days=5, fix_interval_s=60)
    assert len(s.ais) > 100_000


# ----------------------------------------------------------------------------------------------
# accuracy of the detector on small scenarios (goals of bench/bench_accuracy.py)

# Seed 12 still misses the recall goal (0.99): the remaining misses are dark departures and
# ships whose AIS is on only in port (see issue 9's closing note). Strict, so the marker has to
# go once it passes.
XFAIL = pytest.mark.xfail(reason="issue 9: remaining recall misses on seed 12", strict=True)
ACC = dict(n_vessels=14, days=3, n_ports=4)
_RESULTS: dict[int, dict] = {}


def accuracy(seed: int) -> dict:
    if seed not in _RESULTS:
        s = sim.simulate(seed, **ACC)
        ais = nw.detect_port_events(s.ais, s.zones, s.registry, all_vessels=True)
        mixed = nw.detect_port_events(s.observations(), s.zones, s.registry)
        _RESULTS[seed] = {
            "ais": sim.score(s, ais.events, run="ais"),
            "all": sim.score(s, mixed.events, run="all"),
        }
    return _RESULTS[seed]


def pooled(r: dict, cats) -> dict:
    m = r["matches"][r["matches"]["cat"].isin(cats)]
    f = sim.metrics(m, int(r["false_positives"]["cat"].isin(cats).sum()))
    # no events to score counts as meeting the goal
    return {
        k: (1.0 if f[k] != f[k] and k != "median_error_s" else (0.0 if f[k] != f[k] else f[k]))
        for k in ("precision", "recall", "median_error_s", "contain", "tight")
    }


AIS = ("AIS departures", "AIS arrivals")
ALL = sim.CATEGORIES


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_ais_precision(seed):
    assert pooled(accuracy(seed)["ais"], AIS)["precision"] >= 0.99


@pytest.mark.parametrize("seed", [11, pytest.param(12, marks=XFAIL), 13])
def test_ais_recall(seed):
    assert pooled(accuracy(seed)["ais"], AIS)["recall"] >= 0.99


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_ais_median_timing_error(seed):
    assert pooled(accuracy(seed)["ais"], AIS)["median_error_s"] <= 60


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_windows_contain_the_truth(seed):
    r = accuracy(seed)
    assert pooled(r["ais"], AIS)["contain"] == 1.0
    assert pooled(r["all"], ALL)["contain"] == 1.0


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_windows_as_tight_as_the_evidence_allows(seed):
    r = accuracy(seed)
    assert pooled(r["ais"], AIS)["tight"] >= 0.95
    assert pooled(r["all"], ALL)["tight"] >= 0.95


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_transits_make_no_events(seed):
    r = accuracy(seed)
    assert r["ais"]["transits"]["with_events"] == 0
    assert r["all"]["transits"]["with_events"] == 0


def test_a_scenario_without_osint_writes_its_inputs(tmp_path):
    """``osint=False``: the OSINT table has its usual columns (empty), so the files are written
    and read back with no sightings or surveys."""
    sc = sim.simulate(seed=3, n_vessels=3, days=2, osint=False)
    ref = sim.simulate(seed=3, n_vessels=3, days=2)
    assert list(sc.osint.columns) == list(ref.osint.columns) and not len(sc.osint)
    paths = sc.write_inputs(tmp_path)
    assert all(p.exists() for p in paths.values())
