"""The imagery simulator (issue 15): determinism, written formats, truth consistency, decoys, scorers."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import navwatch as nw
from navwatch.geodesy import distance_km
from navwatch.imagery.readers import read_detections, read_scenes
from navwatch.simulate import (
    score_matching,
    score_surveys,
    score_windows,
    simulate,
    simulate_imagery,
)
from navwatch.simulate.imagery import (
    LABEL_ERROR,
    MERCHANT_TYPES,
    RESOLUTION_M,
    _Positions,
    _World,
    detection_probability,
    label_chance,
    size_error_sd,
)


@pytest.fixture(scope="module")
def sc():
    return simulate(7, n_vessels=14, days=3, n_ports=4, antimeridian=True)


@pytest.fixture(scope="module")
def im(sc):
    return simulate_imagery(sc, seed=2, scenes_per_day=5)


def test_deterministic_per_seed(sc, im):
    again = simulate_imagery(sc, seed=2, scenes_per_day=5)
    pd.testing.assert_frame_equal(again.detections, im.detections)
    pd.testing.assert_frame_equal(again.detections_truth, im.detections_truth)
    pd.testing.assert_frame_equal(again.scene_port_truth, im.scene_port_truth)
    assert list(again.detections["label"]) == list(im.detections["label"])
    assert list(again.scenes["scene_id"]) == list(im.scenes["scene_id"])
    assert list(again.scenes["resolution_m"]) == list(im.scenes["resolution_m"])
    other = simulate_imagery(sc, seed=3, scenes_per_day=5)
    assert list(other.scenes["scene_id"]) != list(im.scenes["scene_id"])


def test_sizes_by_type_and_class(im):
    v = im.vessels
    frig = v[v["type"] == "frigate"]
    assert frig["length_m"].between(110, 140).all()
    for _, g in v[v["vessel_class"].fillna("") != ""].groupby("vessel_class"):
        assert g["length_m"].max() - g["length_m"].min() <= 2.0
    reg = im.registry_sizes
    assert {"length_m", "beam_m"} <= set(reg.columns)
    assert len(reg) == int(im.scenario.vessels["registry"].sum())
    p = detection_probability([15.0, 60.0, 100.0], "sar")
    assert 0.1 < p[0] < 0.3 and p[1] > 0.9 and p[2] > 0.95
    assert detection_probability(60.0, "optical", 1.0) == 0.0


def test_formats_parse_back(im, tmp_path):
    g = im.write(tmp_path / "g", "gfw")
    gfw = pd.read_csv(g["detections"])
    assert list(gfw.columns) == [
        "scene_id",
        "detect_id",
        "detect_timestamp",
        "detect_lat",
        "detect_lon",
        "length_m",
        "score",
        "presence",
        "footprint_wkt",
    ]
    assert len(gfw) == len(im.detections)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00", t) for t in gfw["detect_timestamp"]
    )
    assert all(shapely.from_wkt(w).is_valid for w in gfw["footprint_wkt"].unique())
    s = im.write(tmp_path / "s", "skylight")
    pred = pd.read_csv(s["detections"])
    assert list(pred.columns) == [
        "lon",
        "lat",
        "score",
        "vessel_length_m",
        "vessel_width_m",
        "vessel_speed_k",
        "detect_id",
        "scene_id",
        "label",
    ]
    scenes = pd.read_csv(s["skylight_scenes"])
    assert list(scenes.columns) == ["scene_id", "time", "source", "resolution_m", "footprint"]
    assert set(pred["scene_id"]) <= set(scenes["scene_id"])
    n = im.write(tmp_path / "n", "generic")
    det = pd.read_csv(n["detections"])
    cols = ["time", "lat", "lon", "length_m", "score", "scene_id", "source", "label"]
    assert list(det.columns) == cols
    geo = gpd.read_file(n["scenes"])
    assert {"scene_id", "time", "source", "sensor", "cloud_cover"} <= set(geo.columns)
    assert len(geo) == len(im.scenes)
    assert set(geo.geom_type) <= {"Polygon", "MultiPolygon"}
    # the rest reads with navwatch's own readers
    ais = nw.read_observations([n["ais"]])
    assert len(ais) == len(im.ais)
    assert len(nw.load_registry(n["vessels"])) == len(im.registry_sizes)
    assert {"length_m", "beam_m"} <= set(pd.read_csv(n["vessels"]).columns)
    assert set(nw.load_ports(n["ports"], bundled=False)["port"]) == set(im.scenario.zones["port"])
    with pytest.raises(nw.errors.ConfigError):
        im.write(tmp_path / "x", "kml")


def test_scenes_have_resolution(im):
    res = im.scenes["resolution_m"]
    assert res.notna().all()
    for src, r in zip(im.scenes["source"], res, strict=True):
        lo, hi = RESOLUTION_M[src]
        assert lo <= r <= hi, (src, r)
    by = im.scenes.groupby("source")["resolution_m"]
    assert by.max().get("sentinel-1", 20.0) == 20.0 and by.max().get("maxar", 0.5) <= 0.5


def test_resolution_written_except_gfw(im, tmp_path):
    res = im.scenes.set_index("scene_id")["resolution_m"]
    geo = gpd.read_file(im.write(tmp_path / "n", "generic")["scenes"]).set_index("scene_id")
    assert np.allclose(geo["resolution_m"], res.loc[geo.index])
    s = im.write(tmp_path / "s", "skylight")
    sky = pd.read_csv(s["skylight_scenes"]).set_index("scene_id")
    assert np.allclose(sky["resolution_m"], res.loc[sky.index])
    g = im.write(tmp_path / "g", "gfw")
    assert not any("resolution" in c for c in pd.read_csv(g["detections"]).columns)
    # navwatch's reader takes the resolution from either scenes file
    assert np.allclose(read_scenes(s["skylight_scenes"])["resolution_m"], res)


def test_labels_written_except_gfw(im, tmp_path):
    lab = im.detections.set_index("detect_id")["label"]
    assert (lab != "").any() and (lab == "").any()
    s = im.write(tmp_path / "s", "skylight")
    pred = pd.read_csv(s["detections"], keep_default_na=False).set_index("detect_id")
    assert (pred["label"] == lab.loc[pred.index]).all()
    n = im.write(tmp_path / "n", "generic")
    gen = pd.read_csv(n["detections"], keep_default_na=False)
    assert list(gen["label"]) == list(im.detections["label"])
    g = im.write(tmp_path / "g", "gfw")
    assert "label" not in pd.read_csv(g["detections"]).columns
    # the written files still read with navwatch's readers
    for f in (s["detections"], n["detections"], g["detections"]):
        assert len(read_detections(f)) == len(im.detections)


def test_label_truth_columns(im):
    t = im.detections_truth
    lab = im.detections["label"].to_numpy()
    assert {"true_type", "label_correct"} <= set(t.columns)
    assert t["label_correct"].isna().to_numpy().tolist() == (lab == "").tolist()
    given = lab != ""
    assert (t["label_correct"][given] == (lab[given] == t["true_type"][given])).all()
    fa = t["truth"] == "false_alarm"
    assert (t.loc[fa, "true_type"] == "").all() and (t.loc[~fa, "true_type"] != "").all()
    assert set(lab[fa.to_numpy() & given]) <= {"cargo", "barge"}
    reg = t[t["registry"]].merge(im.vessels[["vessel_id", "type"]], on="vessel_id")
    assert (reg["true_type"] == reg["type"]).all()


@pytest.fixture(scope="module")
def labelled(sc) -> pd.DataFrame:
    """Detection truth with labels and scene resolution, optical and SAR runs together."""
    kw = dict(seed=5, scenes_per_day=150, departure_scenes=0, decoys=False)
    out = []
    for x in (0.0, 1.0):
        im = simulate_imagery(sc, sar_share=x, **kw)
        res = im.scenes.set_index("scene_id")["resolution_m"]
        t = im.detections_truth.assign(label=im.detections["label"].to_numpy())
        out.append(t.assign(res=res.loc[t["scene_id"]].to_numpy()))
    return pd.concat(out, ignore_index=True)


def test_labels_frequent_on_fine_scenes_and_mostly_right(labelled):
    t = labelled
    ves = t[t["truth"] != "false_alarm"]
    given = ves["label"] != ""
    fine, coarse = ves["res"] <= 1.0, ves["res"] >= 10.0
    assert fine.sum() >= 50 and coarse.sum() >= 50
    f_rate, c_rate = given[fine].mean(), given[coarse].mean()
    assert f_rate > 0.6 and c_rate < 0.12 and f_rate > 5 * c_rate, (f_rate, c_rate)
    n = int(given.sum())
    acc = ves.loc[given, "label_correct"].astype(bool).mean()
    assert n >= 200 and abs(acc - (1 - LABEL_ERROR)) < 0.05, (n, acc)
    assert float(label_chance(0.4, "optical")) == 0.8 and float(label_chance(20.0, "sar")) < 0.05
    # merchants are labelled with merchant words (but for the few cross errors), warships not
    merch = ves[given & ves["true_type"].isin(MERCHANT_TYPES)]
    assert len(merch) >= 30 and merch["label"].isin(MERCHANT_TYPES).mean() > 0.93
    war = ves[given & ves["registry"]]
    assert len(war) >= 30 and war["label"].isin(MERCHANT_TYPES).mean() < 0.1
    fa = t[t["truth"] == "false_alarm"]
    assert len(fa) and (fa["label"] != "").mean() < 0.1


def _length_errors(im) -> pd.DataFrame:
    d = im.detections.set_index("detect_id")
    t = im.detections_truth.set_index("detect_id")
    t = t[t["truth"] != "false_alarm"]
    res = im.scenes.set_index("scene_id")["resolution_m"]
    out = pd.DataFrame(
        {"source": d.loc[t.index, "source"], "true": t["true_length_m"]}
        | {"err": d.loc[t.index, "length_m"] - t["true_length_m"]}
        | {"res": res.loc[t["scene_id"]].to_numpy()}
    )
    return out.dropna()


def test_length_error_scales_with_resolution(sc):
    kw = dict(seed=11, scenes_per_day=40, departure_scenes=0, decoys=False, false_alarm_rate=0)
    e = pd.concat([_length_errors(simulate_imagery(sc, sar_share=x, **kw)) for x in (0, 1)])
    n = e.groupby("source").size()
    assert (n[list(RESOLUTION_M)] >= 20).all(), n
    med = e["err"].abs().groupby(e["source"]).median()
    rel = (e["err"].abs() / e["true"]).groupby(e["source"]).median()
    assert med["maxar"] < 3.0 and med["iceye"] < 5.0 and rel["planet"] < 0.08
    assert rel["sentinel-1"] > 0.05 and rel["sentinel-2"] > 0.05
    assert med["maxar"] < med["iceye"] < med["sentinel-2"] < med["sentinel-1"]
    assert med["maxar"] < med["planet"] < med["sentinel-2"]
    big = e[e["true"].between(80, 180) & (e["source"] == "sentinel-1")]
    small = e[(e["true"] < 50) & (e["source"] == "sentinel-1")]
    s1_big = (big["err"].abs() / big["true"]).median()
    s1_small = (small["err"].abs() / small["true"]).median()
    assert 0.08 < s1_big < 0.3 and s1_small > 1.5 * s1_big, (s1_big, s1_small)  # small hulls more
    # the heavy tail: some errors beyond 3 sd, most within 1 sd
    z = e["err"].abs() / size_error_sd(e["true"], e["res"])
    assert (z > 3.0).mean() > 0.01 and (z < 1.0).mean() > 0.5
    assert size_error_sd(100.0, 20.0) > 5 * size_error_sd(100.0, 0.4)


def test_detections_near_truth_and_in_footprint(im):
    d = im.detections.set_index("detect_id")
    t = im.detections_truth.set_index("detect_id")
    assert set(t["truth"].str.split(":").str[0]) == {"vessel", "ais", "dark", "false_alarm"}
    e = distance_km(d.loc[t.index, "lat"], d.loc[t.index, "lon"], t["true_lat"], t["true_lon"])
    assert np.allclose(np.asarray(e) * 1000, t["error_m"], atol=10)
    sigma = im.scenes.set_index("scene_id")["sigma_m"]
    assert (t["error_m"] <= 6 * 4 * sigma.loc[t["scene_id"]].to_numpy()).all()
    geom = im.scenes.set_index("scene_id").geometry
    ves = t[t["truth"] != "false_alarm"]
    inside = [
        shapely.contains_xy(geom[s], lo, la)
        for s, lo, la in zip(ves["scene_id"], ves["true_lon"], ves["true_lat"], strict=True)
    ]
    assert all(inside)
    # against the scenario's own AIS: a fix within a minute of the scene is near the truth
    ais = im.ais
    tm = d.loc[ves.index, "time"]
    near = 0
    for (i, r), when in zip(ves.iterrows(), tm, strict=True):
        if pd.isna(r["mmsi"]):
            continue
        a = ais[ais["mmsi"] == r["mmsi"]]
        k = (a["time"] - when).abs()
        if len(a) and k.min() <= pd.Timedelta(seconds=60):
            j = k.idxmin()
            dist = distance_km(a.at[j, "lat"], a.at[j, "lon"], r["true_lat"], r["true_lon"]) * 1000
            assert float(dist) < 30 + 60 * 13 + 10, (
                i,
                float(dist),
            )  # GPS error + a minute at 25 kn
            near += 1
    assert near >= 5


def test_false_alarms_away_from_vessels(im):
    w = _World.of(im.scenario)
    pos = _Positions(im.tracks, w.frames)
    t = im.detections_truth
    fa = t[t["truth"] == "false_alarm"]
    assert len(fa) and (fa["port"] != "").any()  # some are infrastructure in port
    times = im.scenes.set_index("scene_id")["time"]
    for sid, g in fa.groupby("scene_id"):
        p = pos.at(int(times[sid].value))
        for la, lo in zip(g["true_lat"], g["true_lon"], strict=True):
            assert np.asarray(distance_km(la, lo, p["lat"], p["lon"])).min() > 0.29


def test_scene_port_truth(im):
    spt = im.scene_port_truth
    assert len(spt) and spt["coverage_fraction"].between(0, 1).all()
    sc_ = im.scenes.set_index("scene_id")
    # coverage fraction matches the lon/lat polygons measured in a metric projection
    zones = im.scenario.zones.dissolve("port")
    for (sid, port), f in spt.groupby(["scene_id", "port"])["coverage_fraction"].first().items():
        z = gpd.GeoSeries([zones.geometry[port], sc_.geometry[sid]], crs="EPSG:4326")
        z = z.to_crs(z.iloc[:1].estimate_utm_crs()) if abs(z.iloc[0].centroid.x) < 179 else None
        if z is not None:
            assert abs(z.iloc[0].intersection(z.iloc[1]).area / z.iloc[0].area - f) < 0.02
    kinds = set(im.scenes["aim"])
    assert {"full", "departure_edge"} <= kinds and kinds & {"partial", "miss"}
    assert (spt["coverage_fraction"] >= 0.999).any() and (spt["coverage_fraction"] < 0.9).any()
    # in_port agrees with the scenario's truth visits
    tv = im.scenario.truth_visits
    rows = spt[spt["in_port"]].merge(tv, on=["vessel_id", "port"], suffixes=("", "_v"))
    ok = (rows["arrival"].isna() | (rows["arrival"] <= rows["time"])) & (
        rows["departure"].isna() | (rows["time"] <= rows["departure"])
    )
    assert ok.groupby([rows["scene_id"], rows["vessel_id"], rows["port"]]).any().all()
    assert spt["in_port"].any() and (~spt["in_port"]).any()


def test_decoys_present(im):
    dec = im.decoys
    labels = set(dec["decoy"])
    for lab in ("150m", "250m", "1.4km", "1.6km"):
        assert f"ais_offset_{lab}" in labels and f"dark_near_ais_{lab}" in labels
    assert {"dark_merchant", "side_by_side", "inside_edge", "outside_edge"} <= labels
    assert "departure_edge" in labels
    t = im.detections_truth
    seen = set(zip(t["scene_id"], t["vessel_id"], strict=True))
    for r in dec[dec["decoy"] != "departure_edge"].itertuples():
        assert ((r.scene_id, r.vessel_id) in seen) == (r.decoy != "outside_edge"), r
    gaps = t[t["decoy"].str.startswith("ais_offset")]["ais_gap_s"]
    assert len(gaps) == 4 and (gaps > 0.25 * 2 * 3600).all()
    pair = t[t["decoy"] == "side_by_side"]
    assert pair["scene_id"].duplicated().any()
    g = pair.groupby("scene_id").filter(lambda x: len(x) == 2).iloc[:2]
    gap = distance_km(
        g["true_lat"].iloc[0], g["true_lon"].iloc[0], g["true_lat"].iloc[1], g["true_lon"].iloc[1]
    )
    assert 0.039 < float(gap) < 0.061
    dark = t[t["decoy"] == "dark_merchant"]
    assert (dark["truth"].str.startswith("dark:") & (dark["port"] != "")).all()


def _perfect_matches(im) -> pd.DataFrame:
    t = im.detections_truth
    dark = ~t["has_ais"]
    return pd.DataFrame(
        {
            "detect_id": t["detect_id"],
            "status": np.where(dark, "dark", "matched"),
            "mmsi": t["mmsi"].where(~dark),
            "vessel_id": np.where(t["registry"] & ~dark, t["vessel_id"], pd.NA),
            "candidates": np.where(dark & t["registry"], t["vessel_id"], ""),
        }
    )


def test_score_matching(im):
    perfect = score_matching(_perfect_matches(im), im)
    assert perfect["ais_precision"] == 1.0 and perfect["ais_recall"] == 1.0
    assert perfect["dark_recall"] == 1.0 and perfect["n_missing"] == 0
    assert perfect["vessel_id_errors"] == 0 and perfect["false_alarms_matched"] == 0
    assert all(v["n"] == v["correct"] for v in perfect["by_decoy"].values())
    if perfect["n_candidate_cases"]:
        assert perfect["candidate_accuracy"] == 1.0
    all_dark = _perfect_matches(im).assign(status="dark", mmsi=pd.NA, candidates="")
    s = score_matching(all_dark, im)
    assert s["ais_recall"] == 0.0 and s["dark_recall"] == 1.0 and s["dark_precision"] < 1.0
    # generic reader ids are accepted
    gen = _perfect_matches(im).assign(detect_id=im.detections_truth["generic_id"])
    assert score_matching(gen, im)["ais_recall"] == 1.0


def test_score_surveys(im):
    spt = im.scene_port_truth
    pairs = spt.drop_duplicates(["scene_id", "port"])
    pairs = pairs[pairs["coverage_fraction"] >= 0.2]
    present = spt[spt["in_port"]].groupby(["scene_id", "port"])["name"].agg("|".join)
    surveys = pd.DataFrame(
        {
            "scene_id": pairs["scene_id"],
            "port": pairs["port"],
            "coverage": np.where(pairs["coverage_fraction"] >= 0.9, "full", "partial"),
            "present": [
                present.get((s, p), "")
                for s, p in zip(pairs["scene_id"], pairs["port"], strict=True)
            ],
            "coverage_fraction": pairs["coverage_fraction"],
        }
    )
    s = score_surveys(surveys, im)
    assert s["false_absences"] == 0 and s["coverage_errors"] == 0 and s["missing_surveys"] == 0
    assert s["present_precision"] == 1.0 or s["present_n"] == 0
    empty = surveys.assign(present="", coverage="full")
    s2 = score_surveys(empty, im)
    assert s2["false_absences"] == int(spt.merge(pairs[["scene_id", "port"]])["in_port"].sum())


def test_score_windows(im):
    te = im.truth_events[im.truth_events["registry"] & im.truth_events["time"].notna()]
    ev = te[["vessel_id", "port", "tier", "event", "time"]].assign(
        time_earliest=te["time"] - pd.Timedelta(minutes=5),
        time_latest=te["time"] + pd.Timedelta(minutes=5),
    )
    s = score_windows(ev, im.truth_events)
    assert s["recall"] == 1.0 and s["precision"] == 1.0 and s["contain"] == 1.0
    assert abs(s["median_window_h"] - 10 / 60) < 1e-6
    h2 = pd.Timedelta(days=10)
    late = ev.assign(
        time=ev["time"] + h2,
        time_earliest=ev["time_earliest"] + h2,
        time_latest=ev["time_latest"] + h2,
    )
    s2 = score_windows(late, im.truth_events)
    assert s2["tp"] == 0 and s2["recall"] == 0.0
    # the window alone matches: a late time whose window holds the truth
    h1 = pd.Timedelta(hours=1)
    wide = ev.assign(time=ev["time"] + h1, time_latest=ev["time_latest"] + h1)
    wide = wide.rename(columns={"time_earliest": "window_start", "time_latest": "window_end"})
    s3 = score_windows(wide, im.truth_events)
    assert s3["recall"] >= 0.9 and s3["contain"] == 1.0 and s3["median_abs_error_s"] == 3600.0


def test_imageable_truth_is_bracketed_by_scenes(im):
    from navwatch.simulate import imageable_truth

    te = imageable_truth(im)
    all_te = im.truth_events[im.truth_events["registry"].astype(bool)]
    assert 0 < len(te) < len(all_te)
    sp = im.scene_port_truth
    for e in te.itertuples():
        s = sp[(sp["vessel_id"] == e.vessel_id) & (sp["port"] == e.port)]
        inside = s[s["in_port"].astype(bool) & s["visible"].astype(bool)]
        out = s[~s["in_port"].astype(bool) & (s["coverage_fraction"] >= 0.9)]
        seen_first, gone_then = (inside, out) if e.event == "departure" else (out, inside)
        assert (seen_first["time"] < e.time).any() and (gone_then["time"] > e.time).any()


def test_reported_dimensions_mostly_true():
    from navwatch.simulate.imagery import AIS_DIMENSIONS_MISSING, reported_dimensions

    v = pd.DataFrame({"has_ais": True, "mmsi": [str(211000000 + i) for i in range(2000)],
                      "length_m": 100.0, "beam_m": 15.0})  # fmt: skip
    d = reported_dimensions(v, seed=3)
    assert abs(d["length_m"].isna().mean() - AIS_DIMENSIONS_MISSING) < 0.03
    known = d["length_m"].dropna()
    assert (known == 100.0).mean() > 0.95 and d.equals(reported_dimensions(v, seed=3))
