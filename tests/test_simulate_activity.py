"""The activity simulator (navwatch.simulate.activity): determinism, a canonical observation
table, a truth that the definitions give on the true tracks and the final AIS (re-measured here
independently: tracks interpolated from the scenario's legs, zones projected with pyproj), decoys
on their documented side, and the scorer."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from navwatch import schema
from navwatch.ports import ZONE_COLUMNS
from navwatch.registry import normalise
from navwatch.simulate.activity import (
    DECOYS,
    EVENT_TYPES,
    THRESHOLDS,
    metrics_table,
    score_activity,
    simulate_activity,
)

SMALL = dict(n_vessels=24, days=4, n_ports=3, fix_interval_s=(30.0, 600.0))
KN = 1852.0 / 3600.0
NM = 1852.0
TH = THRESHOLDS


@pytest.fixture(scope="module")
def sc():
    return simulate_activity(2, **SMALL)


@pytest.fixture(scope="module")
def polar():
    """High latitude, a port across the antimeridian."""
    return simulate_activity(
        5, n_vessels=20, days=3, n_ports=3, high_latitude=True, antimeridian=True, decoys=False
    )


class Truthful:
    """Independent re-measurement of a scenario: true positions interpolated from its legs,
    distances from zones projected into each region's frame with pyproj."""

    def __init__(self, s):
        self.s = s
        self.legs = {}
        for vid, g in s.tracks.groupby("vessel_id", sort=False):
            t0 = (g["t0"] - s.start).dt.total_seconds().to_numpy()
            t1 = (g["t1"] - s.start).dt.total_seconds().to_numpy()
            T = np.append(t0, t1[-1])
            X = np.append(g["x0"].to_numpy(), g["x1"].iloc[-1])
            Y = np.append(g["y0"].to_numpy(), g["y1"].iloc[-1])
            self.legs[vid] = (T, X, Y, g["speed_kn"].to_numpy(), int(g["region"].iloc[0]))
        self.vid = dict(zip(s.vessels["mmsi_int"], s.vessels["vessel_id"], strict=True))
        self.zones = {}
        for _, f in s.frames.iterrows():
            crs = f"+proj=aeqd +lat_0={f.lat0} +lon_0={f.lon0} +R=6371008.8 +units=m +no_defs"
            tr = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
            parts = [
                shapely.transform(
                    g, lambda c, tr=tr: np.column_stack(tr.transform(c[:, 0], c[:, 1]))
                )
                for g in s.zones.geometry
            ]
            near = [p for p in parts if p.distance(shapely.Point(0, 0)) < 2e6]
            self.zones[int(f.region)] = shapely.union_all(near)

    def sec(self, ts) -> float:
        return (pd.Timestamp(ts) - self.s.start).total_seconds()

    def at(self, vid: str, t):
        """Position, speed (kn) and heading (deg, NaN at rest) of ``vid`` at times ``t`` (s)."""
        T, X, Y, S, _ = self.legs[vid]
        t = np.asarray(t, dtype="float64")
        k = np.clip(np.searchsorted(T, t, side="right") - 1, 0, len(S) - 1)
        hd = np.degrees(np.arctan2(X[k + 1] - X[k], Y[k + 1] - Y[k])) % 360
        return np.interp(t, T, X), np.interp(t, T, Y), S[k], np.where(S[k] > 0, hd, np.nan)

    def zone_km(self, vid: str, t) -> np.ndarray:
        x, y, _, _ = self.at(vid, t)
        return shapely.distance(shapely.points(x, y), self.zones[self.legs[vid][4]]) / 1e3

    def apart(self, a: str, b: str, t) -> np.ndarray:
        xa, ya, _, _ = self.at(a, t)
        xb, yb, _, _ = self.at(b, t)
        return np.hypot(xa - xb, ya - yb)

    def messages(self, mmsi: int) -> np.ndarray:
        """Times (s) of the MMSI's rows, a second receiver's copy (<= 1 s later) dropped."""
        o = self.s.obs
        t = np.sort((o.loc[o["mmsi"] == mmsi, "time"] - self.s.start).dt.total_seconds())
        return t[np.concatenate([[True], np.diff(t) > 1.0])] if len(t) else t


@pytest.fixture(scope="module")
def ts(sc):
    return Truthful(sc)


def _inside(t0: float, t1: float, step: float = 20.0, edge: float = 0.0) -> np.ndarray:
    """Times from ``t0`` to ``t1`` (s), ``edge`` seconds clear of both."""
    return np.append(np.arange(t0 + edge, t1 - edge, step), t1 - edge)


# ----------------------------------------------------------------------------------------------
# the simulator


def test_same_seed_same_scenario_other_seed_other(sc):
    again = simulate_activity(2, **SMALL)
    for name in ("obs", "obs_meta", "truth", "decoys", "tracks"):
        assert getattr(sc, name).equals(getattr(again, name)), name
    other = simulate_activity(3, **SMALL)
    assert not other.obs["time"].equals(sc.obs["time"])
    assert not other.truth["start"].equals(sc.truth["start"])


def test_obs_is_a_canonical_observation_table(sc, polar):
    for s in (sc, polar):
        o = s.obs
        cols = ["time", "lat", "lon", "kind", "mmsi", "name", "callsign", "imo", "sog_kn"]
        cols += ["cog_deg", "source", "src_file", "src_line"]
        assert list(o.columns) == cols
        assert schema.conform(o) is o  # every column already has its canonical dtype
        assert (o["kind"] == "ais").all() and o["mmsi"].notna().all()
        assert o["lat"].between(-90, 90).all() and o["lon"].between(-180, 180).all()
        assert list(s.zones.columns) == list(ZONE_COLUMNS)
        assert s.zones.geometry.is_valid.all()
        assert len(s.obs_meta) == len(o) and (s.obs_meta.index == o.index).all()
    assert polar.zones.geometry.representative_point().y.abs().max() > 62
    b = polar.zones.geometry.bounds
    assert ((b["minx"] <= -179.99) & (b["maxx"] >= 179.99)).any()
    # static data on most rows, some without; oilers/auxiliaries in the registry
    o = sc.obs
    assert 0.05 < o["name"].isna().mean() < 0.3
    assert o["imo"].notna().any() and o["callsign"].notna().any()
    assert set(sc.registry.frame["type"]) & {"oiler", "auxiliary"}


def test_ais_faults_and_delivery_order(sc):
    o, m = sc.obs, sc.obs_meta
    faults = set(m["fault"].astype(str))
    assert {"duplicate", "displaced", "jammed", "clone", "late", "jump"} <= faults
    assert (m["received"] >= o["time"]).all()
    assert m["received"].is_monotonic_increasing  # a feed, in the order it was delivered
    late = m["fault"] == "late"
    assert (m.loc[late, "received"] - o.loc[late, "time"] > pd.Timedelta(hours=1)).all()
    assert not o["time"].is_monotonic_increasing  # the late rows are out of order
    # fix intervals from tens of seconds to ten minutes, speeds 5-25 kn
    dt = (
        o[m["fault"] == ""].groupby("mmsi")["time"].apply(lambda t: t.sort_values().diff().median())
    )
    assert dt.min() < pd.Timedelta(minutes=2) and dt.max() > pd.Timedelta(minutes=5)
    moving = sc.tracks[(sc.tracks["mode"] == "move") & ~sc.tracks["ghost"]]["speed_kn"]
    assert moving.quantile(0.02) < 6 and 20 < moving.max() <= 25.0 + 1e-9


def test_every_type_and_many_decoys_present(sc):
    assert set(EVENT_TYPES) <= set(sc.truth["event_type"])
    laid = set(sc.decoys["decoy"])
    assert len(laid) >= 0.9 * len(DECOYS), sorted(set(DECOYS) - laid)
    assert sc.params["late"] == 0
    assert sc.truth["label"].ne("").mean() > 0.9  # almost every event is one the plans laid
    rep = sc.truth[sc.truth["event_type"] == "replenishment"]
    assert rep["auxiliary"].any()


# ----------------------------------------------------------------------------------------------
# the truth, re-measured from the true tracks and the final AIS


def _edges_fail(ok, t0: float, t1: float) -> bool:
    """The condition fails just outside the event (maximal), or the event meets the period's
    ends."""
    return all(not ok(t) for t in (t0 - 45.0, t1 + 45.0) if 0 < t < 86400 * SMALL["days"])


def _pair_ok(tt: Truthful, kind: str, a: str, b: str, x: float) -> bool:
    """The definition of ``kind`` holds for the pair at time ``x``, bar the duration."""
    d = tt.apart(a, b, [x])[0]
    if kind == "encounter":
        return d <= 500 and min(tt.zone_km(a, [x])[0], tt.zone_km(b, [x])[0]) > 10.0
    _, _, va, ca = tt.at(a, [x])
    _, _, vb, cb = tt.at(b, [x])
    same = abs((ca[0] - cb[0] + 180) % 360 - 180) <= 15
    return d <= 200 and 8 <= min(va[0], vb[0]) and max(va[0], vb[0]) <= 15 and same


def test_encounters_and_replenishments_from_the_tracks(sc, ts, polar):
    for s, tt in ((sc, ts), (polar, Truthful(polar))):
        aux = s.vessels.set_index("vessel_id")["auxiliary"]
        pairs = s.truth[s.truth["event_type"].isin(["encounter", "replenishment"])]
        assert len(pairs) >= 4
        for _, e in pairs.iterrows():
            a, b = e["vessel_id"], e["other_vessel_id"]
            t0, t1 = tt.sec(e["start"]), tt.sec(e["end"])
            t = _inside(t0, t1)
            d = tt.apart(a, b, t)
            _, _, sa, ha = tt.at(a, t)
            _, _, sb, hb = tt.at(b, t)
            if e["event_type"] == "encounter":
                assert t1 - t0 >= TH["encounter_min_h"] * 3600 - 1
                assert d.max() <= 500.0 + 1.0
                assert max(np.median(sa), np.median(sb)) < 2.0
                assert min(tt.zone_km(a, t).min(), tt.zone_km(b, t).min()) > 10.0 - 0.01
            else:
                assert t1 - t0 >= 30 * 60 - 1
                assert d.max() <= 200.0 + 1.0
                assert (np.minimum(sa, sb) >= 8.0).all() and (np.maximum(sa, sb) <= 15.0).all()
                assert (np.abs((ha - hb + 180) % 360 - 180) <= 15.0).all()
                assert e["auxiliary"] == bool(aux[a] or aux[b])
            assert _edges_fail(partial(_pair_ok, tt, e["event_type"], a, b), t0, t1), e.to_dict()


def _loiter_ok(tt: Truthful, v: str, x: float) -> bool:
    return tt.at(v, [x])[2][0] < 2.0 and tt.zone_km(v, [x])[0] > 10.0


def test_loitering_from_the_tracks(sc, ts):
    lo = sc.truth[sc.truth["event_type"] == "loitering"]
    assert len(lo) >= 5
    for _, e in lo.iterrows():
        v = e["vessel_id"]
        t0, t1 = ts.sec(e["start"]), ts.sec(e["end"])
        t = _inside(t0, t1)
        _, _, sp, _ = ts.at(v, t)
        assert t1 - t0 >= 4 * 3600 - 1
        assert sp.max() < 2.0
        assert ts.zone_km(v, t).min() > 10.0 - 0.01

        assert _edges_fail(partial(_loiter_ok, ts, v), t0, t1), e.to_dict()


def test_gaps_are_the_silences_of_the_final_ais(sc, ts):
    o = sc.obs
    found = []
    for mmsi in o["mmsi"].unique():
        t = ts.messages(int(mmsi))
        for k in np.flatnonzero(np.diff(t) >= 6 * 3600):
            found.append((int(mmsi), round(t[k]), round(t[k + 1])))
    gaps = sc.truth[sc.truth["event_type"] == "gap"]
    truth = {(int(g.mmsi), round(ts.sec(g.start)), round(ts.sec(g.end))) for g in gaps.itertuples()}
    assert truth == set(found)
    assert gaps["likely_intentional"].any() and not gaps["likely_intentional"].all()
    for g in gaps.itertuples():
        t = ts.messages(int(g.mmsi))
        s0 = ts.sec(g.start)
        before = int(((t >= s0 - 12 * 3600 - 1e-3) & (t <= s0 + 1e-3)).sum())
        assert before == g.positions_before
        far_nm = ts.zone_km(g.vessel_id, [s0])[0] * 1e3 / NM
        intent = (g.duration_h >= 12) and far_nm >= 50 and before >= 14
        assert intent == g.likely_intentional, g
    # a gap shortened by a late position starts at that position
    late = sc.obs[sc.obs_meta["fault"] == "late"]
    assert any(
        ((late["mmsi"] == g.mmsi) & (late["time"] == g.start)).any() for g in gaps.itertuples()
    )


def test_spoofing_and_jamming_from_the_transmitters(sc, ts):
    o, m = sc.obs, sc.obs_meta
    sp = sc.truth[sc.truth["event_type"] == "spoofing"]
    assert set(sp["subtype"]) == {"clone", "displaced"}
    for e in sp.itertuples():
        rows = o[(o["mmsi"] == e.mmsi) & (o["time"] >= e.start) & (o["time"] <= e.end)]
        meta = m.loc[rows.index]
        if e.subtype == "clone":
            ghost = rows[meta["vessel_id"].astype(str).str.startswith("ghost:")]
            assert ghost["time"].min() == e.start and ghost["time"].max() == e.end
            assert e.end - e.start >= pd.Timedelta(minutes=30)
            gx, gy, _, _ = ts.at(
                str(meta.loc[ghost.index, "vessel_id"].iloc[0]), [ts.sec(x) for x in ghost["time"]]
            )
            vx, vy, _, _ = ts.at(e.vessel_id, [ts.sec(x) for x in ghost["time"]])
            assert np.hypot(gx - vx, gy - vy).min() >= 50e3
            genuine = rows[meta["vessel_id"] == e.vessel_id]
            assert len(genuine) >= 2  # the ship itself kept transmitting
        else:
            own = o[(o["mmsi"] == e.mmsi) & (m["fault"] != "duplicate")].sort_values("time")
            away = own[(own["time"] >= e.start) & (own["time"] <= e.end)]
            assert len(away) >= 2 and (m.loc[away.index, "fault"] == "displaced").all()
            k0, k1 = own.index.get_loc(away.index[0]), own.index.get_loc(away.index[-1])
            for p, q in ((own.iloc[k0 - 1], own.iloc[k0]), (own.iloc[k1], own.iloc[k1 + 1])):
                d = shapely.distance(shapely.Point(p.lon, p.lat), shapely.Point(q.lon, q.lat))
                assert d > 0.2  # degrees: tens of km
    jam = sc.truth[sc.truth["event_type"] == "jamming"]
    assert len(jam)
    for e in jam.itertuples():
        assert len(e.vessels) >= 3
        rows = o[o["mmsi"].isin(e.vessels) & (o["time"] >= e.start) & (o["time"] <= e.end)]
        rows = rows[m.loc[rows.index, "fault"] == "jammed"]
        assert set(rows["mmsi"].astype(int)) == set(e.vessels)
        # they all jumped to one place, far from where they were
        spread = np.hypot(
            rows["lat"] - e.spoof_lat, (rows["lon"] - e.spoof_lon) * np.cos(np.radians(e.spoof_lat))
        )
        assert spread.max() < 0.1  # deg: within ~10 km of the spoofed point
        assert abs(e.spoof_lat - e.lat) + abs(e.spoof_lon - e.lon) > 0.2
    # no spoofing truth for a vessel in a jamming, nor for single-fix jumps
    for e in jam.itertuples():
        s = sp[sp["mmsi"].isin(e.vessels) & (sp["start"] <= e.end) & (sp["end"] >= e.start)]
        assert s.empty


def test_identity_changes_from_the_static_data(sc):
    o, m = sc.obs, sc.obs_meta
    got = set()
    for mmsi, g in o[m["fault"] != "duplicate"].sort_values("time").groupby("mmsi"):
        for field in ("name", "callsign", "imo"):
            s = g[field].dropna()
            if field == "imo":
                norm = s.astype("int64").astype(str)
            else:
                norm = s.astype(str).map(normalise)
            k = np.flatnonzero(norm.to_numpy()[1:] != norm.to_numpy()[:-1])
            for j in k:
                got.add(
                    (int(mmsi), field, norm.iloc[j], norm.iloc[j + 1], s.index[j], s.index[j + 1])
                )
    ids = sc.truth[sc.truth["event_type"] == "identity_change"]
    assert len(ids)
    want = set()
    for e in ids.itertuples():
        old = e.old_value if e.field == "imo" else normalise(e.old_value)
        new = e.new_value if e.field == "imo" else normalise(e.new_value)
        want.add((int(e.mmsi), e.field, old, new))
    assert {g[:4] for g in got} == want
    for g in got:
        e = ids[(ids["mmsi"] == g[0]) & (ids["field"] == g[1])].iloc[0]
        assert o.loc[g[4], "time"] == e["start"] and o.loc[g[5], "time"] == e["end"]


# ----------------------------------------------------------------------------------------------
# decoys


def test_decoys_are_truth_exactly_when_expected(sc):
    t = sc.truth
    tol = pd.Timedelta(minutes=30)
    for d in sc.decoys.itertuples():
        m = t[
            (t["event_type"] == d.event_type)
            & (t["start"] <= d.end + tol)
            & (t["end"] >= d.start - tol)
        ]
        if pd.isna(d.other_mmsi):
            m = m[m["vessels"].apply(lambda v, x=int(d.mmsi): x in v)]
        else:
            m = m[(m["mmsi"] == d.mmsi) & (m["other_mmsi"] == d.other_mmsi)]
        assert (len(m) > 0) == d.expected, d
        if d.expected and not pd.isna(d.expected_intentional):
            assert bool(m["likely_intentional"].iloc[0]) == bool(d.expected_intentional), d
    jammed = sc.decoys[sc.decoys["decoy"] == "jam_member"]
    jams = t[t["event_type"] == "jamming"]
    assert all(any(int(d.mmsi) in j for j in jams["vessels"]) for d in jammed.itertuples())


def _run_h(ts, a, b, t0, t1, thr) -> float:
    """Length (h) of the run within ``thr`` metres containing the decoy's middle."""
    t = np.arange(t0 - 3 * 3600, t1 + 3 * 3600, 30.0)
    close = ts.apart(a, b, t) <= thr
    mid = np.searchsorted(t, (t0 + t1) / 2)
    k0, k1 = mid, mid
    while k0 > 0 and close[k0 - 1]:
        k0 -= 1
    while k1 < len(t) - 1 and close[k1 + 1]:
        k1 += 1
    return (t[k1] - t[k0]) / 3600 if close[mid] else 0.0


def _measure(ts, d):
    """Whether the decoy's deciding quantity, re-measured, meets the threshold (all along
    the decoy for those inside it, anywhere for those outside)."""
    vid = ts.vid
    a = vid[int(d.mmsi)]
    b = None if pd.isna(d.other_mmsi) else vid[int(d.other_mmsi)]
    t0, t1 = ts.sec(d.start), ts.sec(d.end)
    t = _inside(t0, t1, 60.0, edge=1.0)  # the legs change at the decoy's ends
    thr = d.threshold
    if thr.startswith("distance"):
        dist = ts.apart(a, b, t)
        limit = 500.0 if "500" in thr else 200.0
        return (dist.max() <= limit) if d.side == "inside" else not (dist.min() > limit)
    if thr == "duration >= 2 h":
        return _run_h(ts, a, b, t0, t1, 500.0) >= 2.0
    if thr == "duration >= 30 min":
        return _run_h(ts, a, b, t0, t1, 200.0) >= 0.5
    if thr == "median speed < 2 kn":
        return max(np.median(ts.at(a, t)[2]), np.median(ts.at(b, t)[2])) < 2.0
    if thr == "speed 8-15 kn":
        sp = np.concatenate([ts.at(a, t)[2], ts.at(b, t)[2]])
        ok = (sp >= 8) & (sp <= 15)
        return bool(ok.all()) if d.side == "inside" else bool(ok.any())
    if thr == "> 10 km from port zones":
        km = np.concatenate([ts.zone_km(x, t) for x in (a, b) if x is not None])
        return km.min() > 10.0 if d.side == "inside" else km.max() > 10.0
    if thr == "duration >= 4 h":
        return (t1 - t0) >= 4 * 3600 and ts.at(a, t)[2].max() < 2
    if thr == "speed < 2 kn":
        sp = ts.at(a, t)[2]
        return sp.max() < 2.0 if d.side == "inside" else sp.min() < 2.0
    return _measure_ais(ts, d, a, t0, t1)


def _measure_ais(ts, d, a, t0, t1):
    s = ts.s
    msg = ts.messages(int(d.mmsi))
    sil = np.diff(msg)
    over = (msg[1:] >= t0) & (msg[:-1] <= t1)
    longest = sil[over].max() / 3600 if over.any() else 0.0
    thr = d.threshold
    if thr.startswith("silence"):
        return longest >= 6.0
    if thr == "intentional: >= 50 nm from port":
        return ts.zone_km(a, [t0])[0] * 1e3 / NM >= 50
    if thr == "intentional: >= 12 h":
        return longest >= 12.0
    if thr == "intentional: >= 14 positions":
        return int(((msg >= t0 - 12 * 3600 - 1e-3) & (msg <= t0 + 1e-3)).sum()) >= 14
    o, m = s.obs, s.obs_meta
    rows = o[(o["mmsi"] == d.mmsi) & (m["fault"] != "duplicate")].sort_values("time")
    if thr == "two places at once >= 30 min":
        ghost = rows[m.loc[rows.index, "vessel_id"].astype(str).str.startswith("ghost:")]
        ghost = ghost[(ghost["time"] >= d.start) & (ghost["time"] <= d.end)]
        return ghost["time"].max() - ghost["time"].min() >= pd.Timedelta(minutes=30)
    if thr == "a segment, not one fix":  # consecutive fixes away
        away = (m.loc[rows.index, "fault"] == "jump").to_numpy().astype(np.int8)
        k = int(np.flatnonzero((rows["time"] == d.start).to_numpy())[0])
        assert away[k]
        return bool(away[max(k - 1, 0)] or away[min(k + 1, len(away) - 1)])
    if thr == "implied speed > 30 kn":
        w = rows[(rows["time"] >= d.start) & (rows["time"] <= d.end)]
        w = w[m.loc[w.index, "fault"] == ""]
        x, y, _, _ = ts.at(a, (w["time"] - s.start).dt.total_seconds())
        kn = (
            np.hypot(np.diff(x), np.diff(y))
            / np.diff((w["time"] - s.start).dt.total_seconds())
            / KN
        )
        return bool(kn.max() > 30) if len(kn) else False
    if thr == "normalised name changes":
        names = rows["name"].dropna().astype(str)
        assert names.nunique() >= 2  # spelt differently
        return names.map(normalise).nunique() > 1
    assert thr == "several vessels together = jamming", thr
    jammed = o[(m["fault"] == "jammed") & (o["time"] >= d.start) & (o["time"] <= d.end)]
    assert int(d.mmsi) in set(jammed["mmsi"].astype(int))
    return jammed["mmsi"].nunique() < 3  # spoofing by one vessel only when it jumps alone


def test_decoys_are_on_their_documented_side(sc, ts):
    for d in sc.decoys.itertuples():
        assert _measure(ts, d) == (d.side == "inside"), d
    sides = sc.decoys.groupby("threshold")["side"].agg(set)
    assert (sides.apply(len) == 2).sum() >= 10  # thresholds with decoys either side
    fleet = sc.decoys[sc.decoys["decoy"] == "fleet_anchor"]
    for d in fleet.itertuples():
        km = ts.zone_km(ts.vid[int(d.mmsi)], [ts.sec(d.start) + 60])[0]
        assert km == pytest.approx(d.value, abs=0.01) and 7 <= km <= 13


# ----------------------------------------------------------------------------------------------
# the scorer


def test_scorer_perfect_on_the_truth(sc):
    r = score_activity(sc.truth, sc)
    for typ, m in r["per_type"].items():
        assert m["fp"] == m["fn"] == 0, typ
        if m["truth"]:
            assert m["precision"] == m["recall"] == 1.0, typ
            assert m["start_err_med_min"] == m["end_err_p90_min"] == 0.0
    assert r["per_type"]["gap"]["intentional_accuracy"] == 1.0
    assert r["per_type"]["jamming"]["vessel_recall"] == 1.0
    assert not r["decoys"]["fooled"].any()
    assert r["missed"].empty and r["false"].empty and r["spoofing_in_jamming"] == 0
    tab = metrics_table(r)
    assert list(tab.index) == [*EVENT_TYPES, "all"]
    assert tab.loc["all", "precision"] == tab.loc["all", "recall"] == 1.0


def _far_shift(t: pd.DataFrame, row: pd.Series) -> pd.Timedelta:
    """A shift past the tolerance that lands clear of every other event of the same key."""
    d = row["end"] - row["start"] + pd.Timedelta(minutes=31)
    same = t[(t["event_type"] == row["event_type"]) & (t["mmsi"] == row["mmsi"])]
    while (
        (same["start"] <= row["end"] + d + pd.Timedelta(minutes=31))
        & (same["end"] >= row["start"] + d - pd.Timedelta(minutes=31))
    ).any():
        d += pd.Timedelta(hours=1)
    return d


def test_scorer_counts_false_and_missed_events(sc):
    t = sc.truth
    enc = t.index[t["event_type"] == "encounter"][0]
    gap = t.index[t["event_type"] == "gap"][0]
    loi = t.index[t["event_type"] == "loitering"][0]
    idc = t.index[t["event_type"] == "identity_change"][0]
    det = t.drop(index=[enc]).copy()  # missed: one encounter
    shift = _far_shift(t, t.loc[gap])  # one gap shifted beyond the tolerance: missed + false
    det.loc[gap, ["start", "end"]] += shift
    extra = t.loc[[loi]].copy()  # a spurious loitering
    extra[["start", "end"]] += _far_shift(t, t.loc[loi])
    det.loc[idc, ["start", "end"]] += pd.Timedelta(minutes=20)  # within the tolerance: found
    det = pd.concat([det, extra], ignore_index=True)
    r = score_activity(det, sc)
    pt = r["per_type"]
    assert (pt["encounter"]["fn"], pt["encounter"]["fp"]) == (1, 0)
    assert (pt["gap"]["fn"], pt["gap"]["fp"]) == (1, 1)
    assert (pt["loitering"]["fn"], pt["loitering"]["fp"]) == (0, 1)
    assert (pt["identity_change"]["fn"], pt["identity_change"]["fp"]) == (0, 0)
    assert r["matches"].set_index("truth_index").loc[idc, "start_error_min"] == pytest.approx(20)
    assert r["overall"]["fn"] == 2 and r["overall"]["fp"] == 2
    assert pt["encounter"]["recall"] == pytest.approx(
        (pt["encounter"]["truth"] - 1) / pt["encounter"]["truth"]
    )
    assert set(r["missed"].index) == {enc, gap}
    # a pair named the other way round is the same pair
    swapped = t.copy()
    pair = swapped["event_type"].isin(["encounter", "replenishment"])
    swapped.loc[pair, ["mmsi", "other_mmsi"]] = swapped.loc[pair, ["other_mmsi", "mmsi"]].to_numpy()
    assert score_activity(swapped, sc)["overall"]["fn"] == 0


def test_scorer_jamming_gaps_and_decoys(sc):
    t = sc.truth
    j = t.index[t["event_type"] == "jamming"][0]
    vessels = t.loc[j, "vessels"]
    det = t.copy()
    det.at[j, "vessels"] = vessels[:2]  # two of the cluster: still the jamming
    g = det.index[(det["event_type"] == "gap") & det["likely_intentional"].fillna(False)][0]
    det.loc[g, "likely_intentional"] = False
    r = score_activity(det, sc)
    assert r["per_type"]["jamming"]["tp"] == 1
    assert r["per_type"]["jamming"]["vessel_recall"] == pytest.approx(2 / len(vessels))
    assert r["per_type"]["gap"]["intentional_fn"] == 1
    assert r["per_type"]["gap"]["intentional_accuracy"] < 1.0
    # one vessel is not a cluster; spoofing on jammed vessels is spoofing's false positive
    det.at[j, "vessels"] = vessels[:1]
    sp = pd.DataFrame(
        {"event_type": "spoofing", "mmsi": pd.array(vessels, dtype="Int64"),
         "other_mmsi": pd.array([pd.NA] * len(vessels), dtype="Int64"),
         "start": t.loc[j, "start"], "end": t.loc[j, "end"]}
    )  # fmt: skip
    r = score_activity(pd.concat([det, sp], ignore_index=True), sc)
    assert (r["per_type"]["jamming"]["tp"], r["per_type"]["jamming"]["fp"]) == (0, 1)
    assert r["per_type"]["spoofing"]["fp"] == len(vessels)
    assert r["spoofing_in_jamming"] == len(vessels)
    fooled = r["decoys"][r["decoys"]["fooled"]]
    assert (fooled["decoy"] == "jam_member").sum() == len(vessels)
    flipped = set(fooled["decoy"]) - {"jam_member"}  # the gap whose intent was flipped, if a decoy
    assert flipped <= {k for k, v in DECOYS.items() if v.expected_intentional}
    # one row per jammed vessel, as spoofing flagged jamming, naming vessels by id: one jamming
    ids = sc.vessels.set_index("mmsi_int")["vessel_id"]
    per_vessel = sp.assign(flags="displaced;jamming", vessels=[ids[m] for m in vessels])
    r = score_activity(pd.concat([t.drop(index=j), per_vessel], ignore_index=True), sc)
    assert (r["per_type"]["jamming"]["tp"], r["per_type"]["jamming"]["fp"]) == (1, 0)
    assert r["per_type"]["spoofing"]["fp"] == 0 and r["spoofing_in_jamming"] == 0
    assert not r["decoys"]["fooled"].any()
    one = per_vessel.iloc[[0]].assign(event_type="jamming", vessels=";".join(ids[vessels]))
    r = score_activity(pd.concat([t.drop(index=j), one], ignore_index=True), sc)
    assert r["per_type"]["jamming"]["tp"] == 1 and r["per_type"]["jamming"]["vessel_recall"] == 1
    # an encounter on a decoy's pair in its window is reported as fooling the detector
    d = sc.decoys[sc.decoys["decoy"] == "enc_550m"].iloc[0]
    fake = pd.DataFrame(
        {"event_type": ["encounter"], "mmsi": pd.array([d.mmsi], dtype="Int64"),
         "other_mmsi": pd.array([d.other_mmsi], dtype="Int64"), "start": [d.start], "end": [d.end]}
    )  # fmt: skip
    r = score_activity(pd.concat([t, fake], ignore_index=True), sc)
    out = r["decoys"].set_index("decoy")
    assert out.loc["enc_550m", "fooled"] and out.loc["enc_550m", "produced"]
    assert r["decoys"]["fooled"].sum() == 1
    assert r["per_type"]["encounter"]["fp"] == 1
