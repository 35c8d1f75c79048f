"""Satellite imagery (detections + scene footprints) dropped into a watched folder: paired in the
state database across ticks and restarts, matched to the AIS buffered by earlier ticks, derived
into port surveys and alerted once, through real servers (webhook receiver, SQLite/PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from navwatch.alerts import Watcher, load_config
from navwatch.alerts.store import Store
from navwatch.demo import demo_dir
from navwatch.jobs import run_detect

from .alert_servers import CLI, cli_env, run_once, webhook_sink, write_config
from .nmea_factory import position

IMAGERY = demo_dir() / "imagery"
DETECTIONS, SCENES = IMAGERY / "detections.csv", IMAGERY / "scenes.geojson"
VYAZMA_MMSI = 273547800  # the registry oiler with an MMSI; the 150 m hull of the 30 Nov image
VYAZMA_AT = (34.9035, 35.871126)  # that detection's position
SCENE_30NOV = pd.Timestamp("2024-11-30T08:30:00Z").timestamp()
#: Detections and their scenes delivered together: the scenes no detection names (the empty
#: harbour of 3, 9 and 10 Dec) are surveyed as empty in the tick they arrive, as `navwatch
#: detect` does with the same files (the default waits ``empty_scene_h`` 72 h for detections).
TOGETHER = {"empty_scene_h": 0}


def _drop(src: Path, folder: Path, name: str | None = None, data: bytes | None = None) -> Path:
    """Write-then-rename into the watched folder."""
    dst = folder / (name or src.name)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes(src.read_bytes() if data is None else data)
    os.replace(tmp, dst)
    return dst


def _config(tmp_path: Path, state_url: str, webhook, **kw) -> Path:
    (tmp_path / "incoming").mkdir(exist_ok=True)
    return write_config(
        tmp_path / "nw.toml", state_url=state_url,
        sources=[{"type": "directory", "name": "drop", "path": "incoming", "settle_s": 0}],
        sinks=[webhook_sink(webhook)] if webhook is not None else [], **kw,
    )  # fmt: skip


def _departures(events: pd.DataFrame) -> set[tuple]:
    e = events[events["event"] == "departure"]
    return {
        (r.vessel_id, r.port, r.tier, pd.Timestamp(r.time_earliest), pd.Timestamp(r.time_latest))
        for r in e.itertuples()
    }


def _alerted(webhook) -> set[tuple]:
    out = set()
    for b in webhook.bodies():
        e = b["event"]
        out.add((e["vessel_id"], e["port"], e["tier"], pd.Timestamp(e["time_earliest"]),
                 pd.Timestamp(e["time_latest"])))  # fmt: skip
    return out


def _expected(tmp_path: Path) -> set[tuple]:
    """The departures `navwatch detect` gives from the same files, ports and settings."""
    run = run_detect([DETECTIONS, SCENES], ports=tmp_path / "ports.csv", all_vessels=True)
    return _departures(run.events)


def _status(cfg: Path, *, silent: bool = False) -> str:
    """``--status`` (exit 1 allowed when ``silent``: a tick run hours ahead finds the folder
    silent)."""
    r = subprocess.run([*CLI, "--config", str(cfg), "--status"], capture_output=True, text=True,
                       env=cli_env(), timeout=120, cwd=cfg.parent)  # fmt: skip
    assert r.returncode in ((0, 1) if silent else (0,)), r.stderr
    return r.stdout


def test_demo_imagery_alerts_the_departures_of_navwatch_detect_once(tmp_path, state_url, webhook):
    """Both files in one tick: the 12 Tartus departures that `navwatch detect` finds in the same
    imagery, each alerted once to the webhook; nothing again on the next tick."""
    cfg = _config(tmp_path, state_url, webhook, imagery=TOGETHER)
    _drop(DETECTIONS, tmp_path / "incoming")
    _drop(SCENES, tmp_path / "incoming")
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    expected = _expected(tmp_path)
    assert len(expected) == 12 and _alerted(webhook) == expected, r.stderr[-3000:]
    assert len(webhook.ids()) == len(set(webhook.ids())) == 12 and webhook.bad_signatures == 0
    assert "18 detection(s) (0 matched to AIS, 0 ambiguous, 18 dark)" in r.stderr
    r = run_once(cfg)
    assert r.returncode == 0 and "0 alert(s) enqueued" in r.stdout and len(webhook.ids()) == 12
    st = Store(load_config(cfg, env=cli_env()).state_url.reveal())
    try:
        assert st.pending_imagery() == [] and len(st.quarantine()) == 0
    finally:
        st.dispose()


@pytest.mark.parametrize("first", ["detections", "scenes"])
def test_partner_a_tick_later_across_a_restart_loses_nothing(tmp_path, state_url, webhook, first):
    """One file, a watcher process that ends (a restart), the other file a tick later: the first
    waits in the state database (``--status`` says so), the pair then gives the same departures,
    each alerted once. Scenes first (the default ``empty_scene_h``, 72 h): the scenes the
    detections name are surveyed when they come, the three no detection names 72 h after the
    scenes came (a tick 73 h later), and only then are the 12 departures alerted, once each."""
    kw = {"imagery": TOGETHER} if first == "detections" else {}
    cfg = _config(tmp_path, state_url, webhook, **kw)
    a, b = (DETECTIONS, SCENES) if first == "detections" else (SCENES, DETECTIONS)
    _drop(a, tmp_path / "incoming")
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    assert webhook.ids() == []
    status = _status(cfg)
    if first == "detections":
        assert "imagery: 1 detections file(s) waiting for their scenes" in r.stderr
        assert (
            "imagery pending: drop/detections.csv (detections, 18 row(s), since tick 1, " in status
        )
        assert (
            "waiting for the scenes LANDSAT-20241201, MAXAR-20241205, MT-20241130-50cm; from "
            in status
        )
    else:
        assert "imagery pending" not in status
        assert (
            "imagery scenes held: 6 (0 surveyed, 6 not yet); 6 named by no detections file, "
            "surveyed as empty 72.0 h after first seen" in status
        )
    (tmp_path / "incoming" / a.name).unlink()  # the store holds it now: the file may go
    r = run_once(cfg)  # a new process: nothing new, nothing lost
    assert r.returncode == 0 and webhook.ids() == []
    _drop(b, tmp_path / "incoming")
    r = run_once(cfg)
    assert r.returncode == 0, r.stderr
    if first == "scenes":
        assert "imagery: 3 scene(s), 18 detection(s)" in r.stderr
        assert "3 named by no detections file" in _status(cfg)
        assert len(webhook.ids()) < 12
        w = _watcher(cfg)
        try:
            rep = w.tick(now=time.time() + 73 * 3600)
            w.deliver()
        finally:
            w.close()
        assert rep.imagery is not None and rep.imagery.summary["scenes"] == 3
        assert rep.imagery.summary["detections"] == 0
        # the empty 3 Dec harbour is late evidence to a state that has seen 5 Dec: its six
        # departures are alerted with a wider window (from 30 Nov, not 1 Dec) that holds the
        # one `navwatch detect` gives (README *Late evidence*)
        got, want = sorted(_alerted(webhook)), sorted(_expected(tmp_path))
        assert len(got) == len(want) == len(webhook.ids()) == 12
        for g, e in zip(got, want, strict=True):
            assert g[:3] == e[:3] and g[3] <= e[3] and g[4] == e[4]
        assert sum(g != e for g, e in zip(got, want, strict=True)) == 6
    else:
        assert _alerted(webhook) == _expected(tmp_path) and len(webhook.ids()) == 12
    r = run_once(cfg)
    assert r.returncode == 0 and "0 alert(s) enqueued" in r.stdout
    assert len(webhook.ids()) == len(set(webhook.ids())) == 12
    status = _status(cfg, silent=True)
    assert "imagery pending" not in status
    assert "imagery scenes held: 6 (6 surveyed, 0 not yet)" in status


def _watcher(cfg: Path) -> Watcher:
    return Watcher(load_config(cfg, env=cli_env()))


def test_malformed_detections_row_is_quarantined_with_file_line_and_reason(tmp_path):
    """A bad row of a detections file is quarantined (file, line, code, reason) when the file is
    consumed; the other rows wait for the scenes and are used with them, the bad one is not
    quarantined a second time."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None)
    lines = DETECTIONS.read_text().splitlines()
    lines[3] = lines[3].replace("34.903500,35.867625", "95.0,35.867625")  # latitude out of range
    path = _drop(DETECTIONS, tmp_path / "incoming", data=("\n".join(lines) + "\n").encode())
    w = _watcher(cfg)
    try:
        rep = w.tick()
        assert rep.quarantined == 1 and rep.imagery is None
        q = w.store.quarantine()
        row = q.iloc[0]
        assert (row["source"], row["file"], row["line"], row["code"]) == (
            "drop",
            str(path),
            4,
            "bad_position",
        )
        assert row["reason"] == f"{path}:4: latitude/longitude out of range"
        assert "95.0,35.867625" in row["raw"]
        assert [r["rows"] for r in w.store.pending_imagery()] == [17]
        _drop(SCENES, tmp_path / "incoming")
        rep = w.tick()
        assert rep.imagery is not None and rep.imagery.summary["detections"] == 17
        assert rep.quarantined == 0 and len(w.store.quarantine()) == 1
    finally:
        w.close()


def _vyazma_ais() -> bytes:
    """Vyazma moored at its 30 Nov berth, AIS at 06:30 and 10:30 (2 h either side of the scene)."""
    lat, lon = VYAZMA_AT
    fixes = [position(VYAZMA_MMSI, lat, lon, 0.0, SCENE_30NOV + dt, status=5)
             for dt in (-7200, -5400, 5400, 7200)]  # fmt: skip
    return ("\n".join(fixes) + "\n").encode()


@pytest.mark.parametrize("buffer_h", [102, 0])
def test_ais_of_an_earlier_tick_matches_late_imagery(tmp_path, state_url, buffer_h):
    """AIS read in one tick is buffered in the state database; imagery arriving in a later tick
    (a new watcher object on the same store) is matched to it: the 150 m hull of the 30 Nov
    image is Vyazma, listed present by name in that scene's survey. Without the buffer
    (``ais_buffer_h = 0``) the same hull stays dark (named by its label and length alone)."""
    cfg = _config(tmp_path, state_url, None, imagery={"ais_buffer_h": buffer_h})
    _drop(DETECTIONS, tmp_path / "incoming", name="vyazma.nmea", data=_vyazma_ais())
    w = _watcher(cfg)
    try:
        assert w.tick().rows == 4
        assert w.store.ais_buffer_size() == (4 if buffer_h else 0)
    finally:
        w.close()
    _drop(DETECTIONS, tmp_path / "incoming")
    _drop(SCENES, tmp_path / "incoming")
    w = _watcher(cfg)
    try:
        ev = w.tick().imagery
    finally:
        w.close()
    assert ev is not None
    d = ev.detections
    matched = d[d["status"] == "matched"]
    s = ev.surveys
    mt = s[(s["scene_id"] == "MT-20241130-50cm") & (s["port"] == "Tartus/harbour")]
    assert len(mt) == 1
    if buffer_h:
        assert matched["mmsi"].tolist() == [VYAZMA_MMSI] and ev.summary["matched"] == 1
        assert abs(matched["length_m"].iloc[0] - 150.0) < 1
        assert "Vyazma" in mt["present"].iloc[0].split("|")
    else:
        assert len(matched) == 0 and ev.summary["dark"] == 18
        # dark: only its "oiler" label and length speak for it (the one oiler it fits)
        hull = d[(d["scene_id"] == "MT-20241130-50cm") & ((d["length_m"] - 150.0).abs() < 1)]
        assert hull["status"].tolist() == ["dark"] and hull["candidates"].tolist() == ["vyazma"]


def _vyazma_moored_then_dark() -> bytes:
    """Vyazma's AIS at its berth every 30 min from 5 Dec 06:00 to 6 Dec 12:00, then nothing."""
    lat, lon = VYAZMA_AT
    t0 = pd.Timestamp("2024-12-05T06:00:00Z").timestamp()
    fixes = [position(VYAZMA_MMSI, lat, lon, 0.0, t0 + i * 1800, status=5) for i in range(61)]
    return ("\n".join(fixes) + "\n").encode()


def test_late_imagery_reveals_a_departure_after_the_ais_went_dark(tmp_path, webhook):
    """The detector state has moved on with AIS (Vyazma moored, then silent) before imagery of
    days earlier and later arrives: the departure the 9 Dec scenes reveal (gone since its last
    fix) is alerted, with the window `navwatch detect` gives when it reads everything at once."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", webhook, imagery=TOGETHER)
    ais = _drop(DETECTIONS, tmp_path / "incoming", name="vyazma.nmea",
                data=_vyazma_moored_then_dark())  # fmt: skip
    w = _watcher(cfg)
    try:
        w.run_once()
        assert webhook.ids() == []
        _drop(DETECTIONS, tmp_path / "incoming")
        _drop(SCENES, tmp_path / "incoming")
        rep = w.run_once()
        assert rep is not None and rep.imagery is not None
        assert rep.imagery.summary["matched"] == 1  # the 5 Dec 150 m hull: Vyazma, by its AIS
        assert w.run_once().alerts == []
    finally:
        w.close()
    run = run_detect([ais, DETECTIONS, SCENES], ports=tmp_path / "ports.csv", all_vessels=True)
    expected = _departures(run.events)
    vyazma = {e for e in expected if e[0] == "vyazma"}
    last_fix = pd.Timestamp("2024-12-06T12:00:00Z")
    assert ("vyazma", "Tartus", "harbour", last_fix, pd.Timestamp("2024-12-09T08:30:00Z")) in vyazma
    assert _alerted(webhook) == expected and len(webhook.ids()) == len(expected)


def test_sighting_before_late_imagery_closes_the_departure_it_reveals(tmp_path):
    """Yelnya seen outside Tartus on 2 Dec (sightings read in tick 1), in port on 30 Nov and
    1 Dec by imagery that arrives in tick 2: the departure 1 Dec 08:30 - 2 Dec 06:00 that
    `navwatch detect` gives from all the files is alerted by the later tick (the late surveys
    come before the sighting the detector state carried; tests/detect/test_incremental.py)."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None)
    sightings = _drop(demo_dir() / "sightings.csv", tmp_path / "incoming")
    w = _watcher(cfg)
    try:
        w.tick()
        _drop(DETECTIONS, tmp_path / "incoming")
        _drop(SCENES, tmp_path / "incoming")
        w.tick()
        alerted = {(e["vessel_id"], pd.Timestamp(e["time_earliest"]), pd.Timestamp(e["time_latest"]))
                   for e in (json.loads(p)["event"] for p in w.store.alerts()["payload"])}  # fmt: skip
    finally:
        w.close()
    run = run_detect([sightings, DETECTIONS, SCENES], ports=tmp_path / "ports.csv",
                     all_vessels=True)  # fmt: skip
    assert ("yelnya", pd.Timestamp("2024-12-01T08:30Z"), pd.Timestamp("2024-12-02T06:00Z")) in {
        (v, e, la) for v, _, _, e, la in _departures(run.events)
    }
    assert (
        "yelnya",
        pd.Timestamp("2024-12-01T08:30Z"),
        pd.Timestamp("2024-12-02T06:00Z"),
    ) in alerted


def _gfw_table(path: Path) -> Path:
    """The demo detections as a GFW table carrying each scene's footprint (``footprint_wkt``)."""
    import geopandas as gpd

    det = pd.read_csv(DETECTIONS)
    scenes = gpd.read_file(SCENES).set_index("scene_id")
    # a scene with no hull in port still needs a row to carry its footprint: a small boat in
    # its corner, outside every zone
    empty = [s for s in scenes.index if s not in set(det["scene_id"])]
    corner = [scenes.geometry[s].bounds for s in empty]
    det = pd.concat([det, pd.DataFrame({
        "scene_id": empty, "time": [scenes.loc[s, "time"] for s in empty],
        "lat": [b[1] + 0.002 for b in corner], "lon": [b[0] + 0.002 for b in corner],
        "length_m": 12.0, "score": 0.9,
    })], ignore_index=True)  # fmt: skip
    gfw = pd.DataFrame(
        {
            "scene_id": det["scene_id"],
            "detect_id": [f"gfw-{i}" for i in range(len(det))],
            "detect_timestamp": det["time"],
            "detect_lat": det["lat"],
            "detect_lon": det["lon"],
            "length_m": det["length_m"],
            "score": det["score"],
            "footprint_wkt": [scenes.geometry[s].wkt for s in det["scene_id"]],
        }
    )
    gfw.to_csv(path, index=False)
    return path


def test_gfw_table_with_footprints_needs_no_partner(tmp_path):
    """A GFW detections table with ``footprint_wkt`` is used in the tick that reads it, giving the
    surveys `navwatch detect` derives from that one file; nothing is left pending."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None)
    gfw = _gfw_table(tmp_path / "gfw.csv")
    _drop(gfw, tmp_path / "incoming")
    w = _watcher(cfg)
    try:
        rep = w.tick()
        assert w.store.pending_imagery() == []
    finally:
        w.close()
    assert rep.imagery is not None and rep.imagery.summary["scenes"] == 6
    run = run_detect([gfw], ports=tmp_path / "ports.csv", all_vessels=True)
    cols = ["scene_id", "port", "time", "coverage", "present"]
    got, want = rep.imagery.surveys[cols], run.imagery.surveys[cols]
    assert len(got) == 14
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_imagery_config_keys_and_errors(tmp_path):
    from navwatch.alerts import parse_config
    from navwatch.errors import ConfigError

    cfg = parse_config(
        {"imagery": {"ais_buffer_h": 48, "ais_near_km": 10, "ais_step_s": 0, "max_fix_gap_h": 3,
                     "scenes_keep_h": 240, "pending_max_h": 12, "empty_scene_h": 6}},
        base=tmp_path, env={},
    )  # fmt: skip
    im = cfg.imagery
    assert (im.ais_buffer_h, im.ais_near_km, im.ais_step_s, im.params.max_fix_gap_h) == (
        48, 10, 0, 3
    )  # fmt: skip
    assert (im.scenes_keep_h, im.pending_max_h, im.empty_scene_h) == (240, 12, 6)
    d = parse_config({}, base=tmp_path, env={}).imagery
    assert (d.scenes_keep_h, d.pending_max_h, d.empty_scene_h) == (720, 72, 72)
    assert cfg.redacted()["imagery"]["params"]["max_fix_gap_h"] == 3
    for bad, msg in (
        ({"max_fix_gap": 3}, "[imagery]: unknown key(s) ['max_fix_gap']"),
        ({"match_base_m": "near"}, "[imagery].match_base_m: expected a number"),
        ({"full_coverage": 2}, "[imagery]: need min_coverage <= full_coverage <= 1"),
        ({"ais_near_km": 0}, "[imagery].ais_near_km: expected a number > 0"),
        ({"pending_max_h": -1}, "[imagery].pending_max_h: expected a number >= 0"),
    ):
        with pytest.raises(ConfigError) as ei:
            parse_config({"imagery": bad}, base=tmp_path, env={})
        assert msg in str(ei.value)


def _older_store(tmp_path: Path, version: int, *drop: str) -> tuple[Path, str, Store]:
    """A state database as a navwatch of schema ``version`` left it: the tables it did not have
    (``drop``) dropped, its version written back."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None)
    url = load_config(cfg, env=cli_env()).state_url.reveal()
    st = Store(url)
    st.create()
    with st.write() as c:
        for table in drop:
            c.exec_driver_sql(f"DROP TABLE {table}")
        c.exec_driver_sql(f"UPDATE nw_lock SET schema_version = {version}")
    return cfg, url, st


def test_upgrade_from_schema_4_adds_the_imagery_tables(tmp_path):
    """A version 4 database (before imagery) is refused, then upgraded by --upgrade-state: the
    two tables are added and imagery is kept pending in it."""
    import sqlalchemy as sa

    from navwatch.alerts.store import SCHEMA_VERSION
    from navwatch.errors import StateError

    cfg, url, st = _older_store(tmp_path, 4, "nw_imagery_pending", "nw_ais_buffer")
    st.dispose()
    with pytest.raises(StateError, match="5: imagery in watched folders"):
        Store(url).create()
    r = subprocess.run([*CLI, "--config", str(cfg), "--upgrade-state"], capture_output=True,
                       text=True, env=cli_env(), timeout=120, cwd=cfg.parent)  # fmt: skip
    assert r.returncode == 0 and f"upgraded from schema version 4 to {SCHEMA_VERSION}" in r.stdout
    assert {"nw_imagery_pending", "nw_ais_buffer"} <= set(
        sa.inspect(sa.create_engine(url)).get_table_names()
    )
    _drop(DETECTIONS, tmp_path / "incoming")
    assert run_once(cfg).returncode == 0
    assert "drop/detections.csv" in _status(cfg)


# ----------------------------------------------------------------------------------------------
# scene footprints kept in the store (nw_scenes), surveyed once

MT, LANDSAT, MAXAR = "MT-20241130-50cm", "LANDSAT-20241201", "MAXAR-20241205"
HOUR = 3600.0


def _detections(*scenes: str, blank: int = 0, keep: int | None = None) -> bytes:
    """The demo detections of ``scenes`` (the first ``keep`` of each scene's rows), the
    ``scene_id`` of the first ``blank`` rows emptied."""
    rows = list(csv.reader(io.StringIO(DETECTIONS.read_text())))
    head, body = rows[0], rows[1:]
    i = head.index("scene_id")
    out = [r for r in body if r[i] in scenes]
    if keep is not None:
        out = [r for s in scenes for r in [r for r in out if r[i] == s][:keep]]
    for r in out[:blank]:
        r[i] = ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, *out])
    return buf.getvalue().encode()


def _scenes(
    without: tuple[str, ...] = (),
    cloud: dict[str, float] | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """The demo scenes file without the scenes ``without``, cloud cover set per ``cloud``, and
    per ``extra`` {new id: demo id} a scene 11 days after the demo one, with its footprint."""
    g = json.loads(SCENES.read_text())
    for new, old in (extra or {}).items():
        f = json.loads(
            json.dumps(next(f for f in g["features"] if f["properties"]["scene_id"] == old))
        )
        t = pd.Timestamp(f["properties"]["time"]) + pd.Timedelta(days=11)
        f["properties"].update(scene_id=new, time=t.strftime("%Y-%m-%dT%H:%M:%SZ"))
        g["features"].append(f)
    g["features"] = [f for f in g["features"] if f["properties"]["scene_id"] not in without]
    for f in g["features"]:
        f["properties"]["cloud_cover"] = (cloud or {}).get(f["properties"]["scene_id"], 0.0)
    return json.dumps(g).encode()


def _ids_alerted(webhook) -> list[str]:
    return sorted(b["event"]["event_id"] for b in webhook.bodies())


def test_scenes_once_then_two_detections_files_on_later_ticks_are_both_used(tmp_path, webhook):
    """The scenes file once (tick 1), then the detections of 30 Nov and 1 Dec (tick 2) and of
    5 Dec (tick 3) in two files: each is used in the tick it comes, against the footprints kept
    in the store (a scene is not used up by the first file); the scenes no detection names are
    surveyed as empty 72 h after they came (tick 4). The 12 departures are alerted once each,
    nothing more on a fifth tick."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", webhook)
    inc = tmp_path / "incoming"
    _drop(SCENES, inc)
    t0 = time.time() + 1  # after the file's mtime
    w = _watcher(cfg)
    try:
        assert w.tick(now=t0).imagery is None and set(w.store.scene_meta()) == {
            MT, LANDSAT, MAXAR, "IMG-20241203", "PLANET-20241209", "MAXAR-20241210"
        }  # fmt: skip
        _drop(SCENES, inc, name="d1.csv", data=_detections(MT, LANDSAT))
        ev = w.tick(now=t0 + HOUR).imagery
        assert ev is not None and (ev.summary["scenes"], ev.summary["detections"]) == (2, 12)
        _drop(SCENES, inc, name="d2.csv", data=_detections(MAXAR))
        ev = w.tick(now=t0 + 2 * HOUR).imagery
        assert ev is not None and (ev.summary["scenes"], ev.summary["detections"]) == (1, 6)
        assert w.store.pending_imagery() == [] and len(w.store.quarantine()) == 0
        ev = w.tick(now=t0 + 73 * HOUR).imagery
        assert ev is not None and (ev.summary["scenes"], ev.summary["detections"]) == (3, 0)
        w.deliver()
        assert w.tick(now=t0 + 74 * HOUR).alerts == []
        w.deliver()
        meta = w.store.scene_meta()
    finally:
        w.close()
    assert {m["surveyed_how"] for s, m in meta.items() if s in (MT, LANDSAT, MAXAR)} == {
        "detections"
    }
    assert sorted(m["surveyed_tick"] for m in meta.values()) == [2, 2, 3, 4, 4, 4]
    want = _expected(tmp_path)
    assert {e[:3] + e[4:] for e in _alerted(webhook)} == {e[:3] + e[4:] for e in want}
    assert len(webhook.ids()) == len(set(webhook.ids())) == len(want) == 12


def test_scenes_redelivered_with_an_extra_scene_release_a_waiting_detections_file(tmp_path):
    """Detections naming the 5 Dec scene wait while the scenes file lacks it (``--status`` names
    it); the scenes file delivered again whole, with that scene and a new cloud cover for
    another, lets them through in that tick: the latest version of each scene is kept. The
    scenes named by the waiting file are not surveyed as empty meanwhile (``empty_scene_h`` 0
    surveys the three others at once)."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None, imagery=TOGETHER)
    inc = tmp_path / "incoming"
    _drop(SCENES, inc, data=_scenes(without=(MAXAR,)))
    _drop(DETECTIONS, inc)
    w = _watcher(cfg)
    try:
        ev = w.tick().imagery
        assert ev is not None and (ev.summary["scenes"], ev.summary["detections"]) == (3, 0)
        assert MT not in set(ev.surveys["scene_id"]) and LANDSAT not in set(ev.surveys["scene_id"])
        assert [r["key"] for r in w.store.pending_imagery()] == ["detections.csv"]
        status = _status(cfg)
        assert "imagery pending: drop/detections.csv (detections, 18 row(s), since tick 1" in status
        assert f"waiting for the scenes {MAXAR}; from " in status
        _drop(SCENES, inc, data=_scenes(cloud={MT: 0.25}))
        ev = w.tick().imagery
        assert ev is not None and ev.summary["detections"] == 18 and ev.summary["scenes"] == 3
        assert w.store.pending_imagery() == [] and len(w.store.quarantine()) == 0
        stored = w.store.scenes().set_index("scene_id")
    finally:
        w.close()
    assert len(stored) == 6 and stored.loc[MT, "cloud_cover"] == 0.25
    assert stored.loc[MT, "updated_tick"] == 2 and stored.loc[MT, "first_tick"] == 1
    assert stored.loc[MAXAR, "first_tick"] == 2


def test_second_detections_file_for_a_surveyed_scene_is_quarantined(tmp_path, state_url, webhook):
    """A provider's re-run of the 30 Nov scene (three of its six hulls) after that scene was
    surveyed, in a new watcher process: its rows are quarantined (``scene_already_surveyed``,
    naming the tick that surveyed it), no survey is derived again, no alert sent again. A later
    file naming that scene and a new one (11 Dec): the new scene's rows are used, the others
    quarantined."""
    cfg = _config(tmp_path, state_url, webhook, imagery=TOGETHER)
    inc = tmp_path / "incoming"
    _drop(SCENES, inc)
    _drop(DETECTIONS, inc)
    r = run_once(cfg)
    assert r.returncode == 0 and len(webhook.ids()) == 12, r.stderr
    first = _ids_alerted(webhook)
    rerun = _drop(DETECTIONS, inc, name="rerun.csv", data=_detections(MT, keep=3))
    r = run_once(cfg)  # a new process: the store says the scene was surveyed
    assert r.returncode == 0, r.stderr
    assert "imagery:" not in r.stderr and "0 alert(s) enqueued" in r.stdout
    assert _ids_alerted(webhook) == first
    st = Store(load_config(cfg, env=cli_env()).state_url.reveal())
    try:
        q = st.quarantine()
        assert st.pending_imagery() == []
    finally:
        st.dispose()
    assert q["code"].tolist() == ["scene_already_surveyed"] * 3
    assert q["line"].tolist() == [2, 3, 4] and set(q["file"]) == {str(rerun)}
    assert q["reason"].iloc[0] == (
        f"{rerun}:2: scene '{MT}' was surveyed at tick 1 from the detections known then; a "
        "scene's surveys are derived once, so this later detection of it (a re-delivery or a "
        "provider's re-run) is not used"
    )
    new = b"\n".join(_detections(MT, keep=2).splitlines()[1:]).decode()
    new = new.replace(MT, "MT-20241211").replace("2024-11-30T", "2024-12-11T")
    _drop(SCENES, inc, name="s11.geojson", data=_scenes(extra={"MT-20241211": MT}))
    _drop(DETECTIONS, inc, name="rerun2.csv", data=_detections(MT, keep=2) + new.encode() + b"\n")
    r = run_once(cfg)
    assert r.returncode == 0 and "imagery: 1 scene(s), 2 detection(s)" in r.stderr, r.stderr
    assert "2 row(s) quarantined" in r.stdout + r.stderr
    assert len(webhook.ids()) == len(set(webhook.ids()))
    assert set(first) <= set(_ids_alerted(webhook))


def test_detections_naming_no_scene_are_quarantined_with_the_reason(tmp_path):
    """Rows naming no scene are quarantined when the file is read (``no_scene_id``: what they
    need and how to give it) and the others used; a file of such rows only is not kept
    waiting."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None)
    inc = tmp_path / "incoming"
    _drop(SCENES, inc)
    path = _drop(DETECTIONS, inc, data=_detections(MT, LANDSAT, MAXAR, blank=4))
    none = _drop(DETECTIONS, inc, name="none.csv", data=_detections(MAXAR, blank=6))
    w = _watcher(cfg)
    try:
        rep = w.tick()
        q = w.store.quarantine()
        pending = w.store.pending_imagery()
    finally:
        w.close()
    assert rep.imagery is not None and rep.imagery.summary["detections"] == 14
    assert pending == [] and rep.quarantined == 10
    assert q["code"].tolist() == ["no_scene_id"] * 10
    assert sorted(q[q["file"] == str(path)]["line"]) == [2, 3, 4, 5]
    assert len(q[q["file"] == str(none)]) == 6
    reason = q[q["file"] == str(path)]["reason"].iloc[0]
    assert reason.startswith(f"{path}:2: detection ") and "names no scene_id" in reason
    assert "scene_id of a row of a scenes file" in reason and "footprint_wkt" in reason
    assert "imagery pending" not in _status(cfg)


def test_detections_waiting_past_pending_max_h_use_the_scenes_held(tmp_path):
    """``pending_max_h``: detections naming a scene that never comes wait that long (wall clock
    since the file was first seen), then their rows of held scenes are used and the others
    quarantined (``no_scene``, naming the scene and how to give it); a file naming only scenes
    not held is then quarantined whole."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None,
                  imagery={"pending_max_h": 0.01})  # fmt: skip
    inc = tmp_path / "incoming"
    _drop(SCENES, inc, data=_scenes(without=(MAXAR,)))
    path = _drop(DETECTIONS, inc)
    orphan = _drop(DETECTIONS, inc, name="orphan.csv", data=_detections(MAXAR))
    t0 = time.time() + 1  # after the files' mtime
    w = _watcher(cfg)
    try:
        assert w.tick(now=t0).imagery is None
        assert w.tick(now=t0 + 35).imagery is None  # 0.01 h is 36 s
        assert len(w.store.pending_imagery()) == 2
        rep = w.tick(now=t0 + 37)
        q = w.store.quarantine()
        pending = w.store.pending_imagery()
    finally:
        w.close()
    assert rep.imagery is not None and rep.imagery.summary["detections"] == 12
    assert rep.imagery.summary["scenes"] == 2 and pending == []
    assert q["code"].tolist() == ["no_scene"] * 12  # orphan.csv names no scene held: all its rows
    assert set(q["file"]) == {str(path), str(orphan)}
    assert q["reason"].iloc[0].startswith(f"{path}:")
    assert f"scene '{MAXAR}' is not held" in q["reason"].iloc[0]
    assert "pending_max_h (0.01 h)" in q["reason"].iloc[0]


def test_scenes_older_than_scenes_keep_h_are_pruned_and_not_stored_again(tmp_path):
    """``scenes_keep_h`` 48: of the 30 Nov - 10 Dec scenes only those of 8 Dec on are kept
    (and, with ``empty_scene_h`` 0, surveyed at once), and the scenes file delivered again
    brings the older ones back neither to the store nor to a survey."""
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None,
                  imagery={"scenes_keep_h": 48, **TOGETHER})  # fmt: skip
    _drop(SCENES, tmp_path / "incoming")
    w = _watcher(cfg)
    try:
        ev = w.tick().imagery
        assert ev is not None and ev.summary["scenes"] == 2
        assert set(w.store.scene_meta()) == {"PLANET-20241209", "MAXAR-20241210"}
        _drop(SCENES, tmp_path / "incoming", data=_scenes(cloud={MT: 0.5}))
        assert w.tick().imagery is None
        meta = w.store.scene_meta()
    finally:
        w.close()
    assert set(meta) == {"PLANET-20241209", "MAXAR-20241210"}
    assert {m["surveyed_tick"] for m in meta.values()} == {1}


def test_upgrade_from_schema_5_keeps_a_pending_scenes_file(tmp_path):
    """A version 5 database (scenes files kept pending, no ``nw_scenes``) is refused, then
    upgraded by --upgrade-state; the scenes file it kept pending is moved to ``nw_scenes`` by
    the next tick, which pairs the detections dropped then with it."""
    import zlib

    import sqlalchemy as sa

    from navwatch.alerts.store import imagery_t
    from navwatch.errors import StateError

    cfg, url, st = _older_store(tmp_path, 5, "nw_scenes")
    with st.write() as c:
        c.execute(sa.insert(imagery_t).values(
            source="drop", key="scenes.geojson", kind="scenes", file=str(SCENES),
            scene_ids=json.dumps(sorted(["IMG-20241203", LANDSAT, MAXAR, "MAXAR-20241210", MT,
                                         "PLANET-20241209"])),
            self_contained=False, rows=6, data=zlib.compress(SCENES.read_bytes()), tick=1,
            created_at=time.time(),
        ))  # fmt: skip
    st.dispose()
    with pytest.raises(StateError, match="6: scene footprints kept and surveyed once"):
        Store(url).create()
    r = subprocess.run([*CLI, "--config", str(cfg), "--upgrade-state"], capture_output=True,
                       text=True, env=cli_env(), timeout=120, cwd=cfg.parent)  # fmt: skip
    assert r.returncode == 0 and "upgraded from schema version 5 to 6" in r.stdout, r.stderr
    assert "nw_scenes" in sa.inspect(sa.create_engine(url)).get_table_names()
    assert "drop/scenes.geojson (scenes, 6 row(s), since tick 1" in _status(cfg)
    _drop(DETECTIONS, tmp_path / "incoming")
    r = run_once(cfg)
    assert r.returncode == 0 and "imagery: 3 scene(s), 18 detection(s)" in r.stderr, r.stderr
    status = _status(cfg)
    assert "imagery pending" not in status
    assert "imagery scenes held: 6 (3 surveyed, 3 not yet)" in status


def test_an_earlier_scene_of_a_source_whose_later_detections_came_is_surveyed_empty_at_once(
    tmp_path,
):
    """Providers deliver detections in time order: with the 5 Dec Maxar detections in, a 3 Dec
    scene of the same source that no detections file names had none, and is surveyed as an
    empty harbour in the same tick (default ``empty_scene_h``, 72 h); the 10 Dec Maxar scene,
    later, and the scenes of other sources still wait."""
    g = json.loads(SCENES.read_text())
    maxar = next(f for f in g["features"] if f["properties"]["scene_id"] == MAXAR)
    for f in g["features"]:
        if f["properties"]["scene_id"] == "IMG-20241203":
            f["properties"]["source"] = maxar["properties"]["source"]
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None)
    inc = tmp_path / "incoming"
    _drop(SCENES, inc, data=json.dumps(g).encode())
    _drop(SCENES, inc, name="d.csv", data=_detections(MAXAR))
    w = _watcher(cfg)
    try:
        ev = w.tick(now=time.time() + 1).imagery
        meta = w.store.scene_meta()
    finally:
        w.close()
    assert ev is not None and ev.summary["scenes"] == 2
    assert {s: m["surveyed_how"] for s, m in meta.items() if m["surveyed_how"]} == {
        MAXAR: "detections",
        "IMG-20241203": "empty",
    }


def test_ais_buffer_keeps_the_length_vessels_broadcast(tmp_path):
    """The buffered AIS keeps each position's broadcast length (NOAA ``Length``; type 5 A+B):
    late imagery is matched with it as `navwatch detect` matches with the files."""
    lat, lon = VYAZMA_AT
    t0 = pd.Timestamp("2024-11-30T06:30:00Z")
    rows = [
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width"
    ]
    for k, mmsi, length in ((0, 636000001, "183"), (1, 636000002, "")):
        t = (t0 + pd.Timedelta(minutes=10 * k)).strftime("%Y-%m-%dT%H:%M:%S")
        rows.append(f"{mmsi},{t},{lat},{lon + 0.01},0.0,0.0,511,X,,,70,5,{length},30")
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", None)
    _drop(DETECTIONS, tmp_path / "incoming", name="ais.csv", data=("\n".join(rows) + "\n").encode())
    w = _watcher(cfg)
    try:
        assert w.tick().rows == 2
        buf = w.store.ais_window(0, 2**62).sort_values("mmsi")
    finally:
        w.close()
    assert buf["mmsi"].tolist() == [636000001, 636000002]
    assert buf["length_m"].iloc[0] == 183.0 and np.isnan(buf["length_m"].iloc[1])
