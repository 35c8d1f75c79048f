"""Activity at sea through the watcher (issue 13): real ticks over a directory source, real sinks
(webhook HTTP server and aiosmtpd on 127.0.0.1), state on SQLite and PostgreSQL.

Tracks are CSV positions written into the watched directory tick by tick, in open sea west of
Tartus (the bundled zones): a vessel that goes dark, one that loiters, two registry vessels
replenishing underway."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from navwatch.alerts import Store, Watcher, load_config
from navwatch.alerts.alerting import PAYLOAD_VERSION, alert_id
from navwatch.alerts.store import SCHEMA_VERSION, activity_t, lock_t
from navwatch.errors import StateError

from .alert_servers import CLI, cli_env, email_sink, webhook_sink, write_config
from .nmea_factory import departure_lines

T0 = pd.Timestamp("2024-12-04 00:00", tz="UTC")
KM_PER_DEG = 111.2
KN = 1.852  # km/h per knot
GAP_MMSI, LOITER_MMSI, LATE_MMSI = 273000021, 273000031, 273000041
YELNYA, GRIGOROVICH = 273000011, 273000012
REGISTRY = (
    "vessel_id,name,aliases,type,vessel_class,navy,home_port,mmsi,imo,callsign,notes\n"
    f"yelnya,Yelnya,,oiler,Altay class,Russian Navy,Tartus,{YELNYA},,,\n"
    f"admiral-grigorovich,Admiral Grigorovich,,frigate,Admiral Grigorovich class,Russian Navy,Tartus,{GRIGOROVICH},,,\n"
)


def fixes(
    mmsi: int,
    start_h: float,
    hours: float,
    lat0: float,
    lon0: float,
    *,
    step_min: float = 5.0,
    speed_kn: float = 0.0,
    course_deg: float = 0.0,
    east_m: float = 0.0,
    t0_h: float | None = None,
) -> pd.DataFrame:
    """Fixes every ``step_min`` from ``start_h`` hours after T0 for ``hours``, of a vessel on a
    straight course at ``speed_kn`` that was at (lat0, lon0 + east_m) at ``t0_h`` (default:
    the start), so pieces of one track can be written in separate files."""
    n = int(round(hours * 60 / step_min)) + 1
    th = start_h + np.arange(n) * step_min / 60.0
    d = (th - (start_h if t0_h is None else t0_h)) * speed_kn * KN
    c = np.radians(course_deg)
    lat = lat0 + d * np.cos(c) / KM_PER_DEG
    lon = lon0 + (d * np.sin(c) + east_m / 1000.0) / (KM_PER_DEG * np.cos(np.radians(lat)))
    t = T0 + pd.to_timedelta(np.round(th * 3600), unit="s")
    return pd.DataFrame({"time": t, "mmsi": mmsi, "lat": lat, "lon": lon, "sog_kn": speed_kn})


def gap_vessel(start_h: float, hours: float) -> pd.DataFrame:
    """Steaming east at 10 kn along 34N from 31.5E (T0): more than 50 nm from every port."""
    return fixes(GAP_MMSI, start_h, hours, 34.0, 31.5, speed_kn=10, course_deg=90, t0_h=0)


def loiterer(start_h: float, hours: float) -> pd.DataFrame:
    """Drifting north at 0.3 kn from 34.5N 33.5E (T0)."""
    return fixes(LOITER_MMSI, start_h, hours, 34.5, 33.5, speed_kn=0.3, t0_h=0)


def drop(incoming: Path, name: str, *frames: pd.DataFrame) -> None:
    """Write positions as CSV, write-then-rename (``*.tmp`` is ignored by the source)."""
    df = pd.concat(frames, ignore_index=True)
    df["time"] = df["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    tmp = incoming / (name + ".tmp")
    df.to_csv(tmp, index=False)
    os.replace(tmp, incoming / name)


def setup(tmp_path: Path, state_url: str, sinks: list[dict], events: list[str], **alerts):
    """A config watching ``tmp_path/in`` with the test registry; returns (config path, incoming)."""
    incoming = tmp_path / "in"
    incoming.mkdir(parents=True, exist_ok=True)
    (tmp_path / "vessels.csv").write_text(REGISTRY)
    cfg = write_config(
        tmp_path / "nw.toml", state_url=state_url,
        sources=[{"type": "directory", "path": "in", "settle_s": 0}], sinks=sinks,
        detect={"registry": "vessels.csv"}, alerts={"events": events, **alerts},
    )  # fmt: skip
    return cfg, incoming


def watcher(cfg: Path) -> Watcher:
    return Watcher(load_config(cfg, env=cli_env()))


def tick(w: Watcher) -> list[dict]:
    """One tick and delivery; the payloads of the alerts it enqueued."""
    rep = w.run_once()
    assert rep is not None
    return [json.loads(a["payload"]) for a in rep.alerts]


def kinds(payloads: list[dict]) -> list[tuple[str, str]]:
    return [(p["event_kind"], p["kind"]) for p in payloads]


# ----------------------------------------------------------------------------------------------


def test_gap_alerted_once_across_ticks(tmp_path, state_url, webhook):
    """A vessel goes dark for 14.5 h: one *new* alert, when it reappears, and none after, next
    to a departure alerted as before; the activity state lives in the database (SQLite and
    PostgreSQL)."""
    cfg, incoming = setup(tmp_path, state_url, [webhook_sink(webhook)], ["departure", "gap"])
    w = watcher(cfg)
    drop(incoming, "t1.csv", gap_vessel(0, 12))
    (incoming / "dep.nmea").write_text("\n".join(departure_lines(273000001)) + "\n")
    assert kinds(tick(w)) == [("departure", "new")]
    drop(incoming, "t2.csv", gap_vessel(26.5, 2))
    (gap,) = tick(w)
    assert (gap["event_kind"], gap["kind"], gap["version"]) == ("gap", "new", PAYLOAD_VERSION)
    ev = gap["event"]
    assert (ev["mmsi"], ev["start"], ev["end"]) == (
        GAP_MMSI,
        "2024-12-04T12:00:00Z",
        "2024-12-05T02:30:00Z",
    )
    assert ev["likely_intentional"] is True and ev["nearest_port"] == "Tartus"
    assert re.fullmatch(
        r"MMSI 273000021 went dark for 14\.5 h from 2024-12-04 12:00 UTC near 34\.00N 33\.\d\dE, "
        r"\d+ km from Tartus \(operating area\); reappeared 2024-12-05 02:30 UTC \d+ km away; "
        r"likely intentional \(confidence 0\.80\)",
        gap["summary"],
    ), gap["summary"]
    drop(incoming, "t3.csv", gap_vessel(28.5, 2))  # the track carries on: nothing new
    assert tick(w) == []
    assert tick(w) == []  # no input at all
    w.close()
    assert len(webhook.ids()) == 2 and len(set(webhook.ids())) == 2
    assert webhook.bodies()[1]["alert_id"] == alert_id(ev["event_id"], 0)
    assert webhook.bad_signatures == 0
    store = Store(load_config(cfg, env=cli_env()).state_url.reveal())
    assert store.snapshot().activity  # persisted with the ticks
    store.dispose()


def test_growing_loitering_is_one_new_then_updates(tmp_path, webhook):
    cfg, incoming = setup(
        tmp_path, f"sqlite:///{tmp_path / 's.db'}", [webhook_sink(webhook), {"type": "jsonl", "path": "a.jsonl"}], ["loitering"]
    )  # fmt: skip
    w = watcher(cfg)
    drop(incoming, "t1.csv", loiterer(0, 5))
    (first,) = tick(w)
    assert first["kind"] == "new" and first["ref_alert_id"] is None
    assert first["summary"].startswith(
        "MMSI 273000031: loitering for 5.0 h 2024-12-04 00:00-05:00 UTC near 34.5"
    )
    drop(incoming, "t2.csv", loiterer(5 + 5 / 60, 2))
    (up1,) = tick(w)
    drop(incoming, "t3.csv", loiterer(7 + 10 / 60, 2))
    (up2,) = tick(w)
    assert tick(w) == []
    w.close()
    eid = first["event_id"]
    assert [(p["kind"], p["revision"], p["ref_alert_id"]) for p in (up1, up2)] == [
        ("update", 1, first["alert_id"]),
        ("update", 2, first["alert_id"]),
    ]
    assert [p["alert_id"] for p in (first, up1, up2)] == [alert_id(eid, r) for r in range(3)]
    assert up1["changed"]["end"] == {"from": "2024-12-04T05:00:00Z", "to": "2024-12-04T07:05:00Z"}
    assert up2["event"]["end"] == "2024-12-04T09:10:00Z" and up2["reason"] == "changed: end"
    assert up2["summary"].startswith(
        "UPDATE: MMSI 273000031: loitering for 9.2 h 2024-12-04 00:00-09:10 UTC"
    )
    assert webhook.ids() == [first["alert_id"], up1["alert_id"], up2["alert_id"]]
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [x["alert_id"] for x in lines] == webhook.ids()


def test_late_positions_filling_a_gap_retract_it_once(tmp_path, webhook, smtp, tls_cert):
    """A 10 h gap is alerted; positions delivered late inside the silence leave no gap: exactly
    one retraction, referencing the first alert (the e-mail replies to it)."""
    cfg, incoming = setup(
        tmp_path, f"sqlite:///{tmp_path / 's.db'}", [webhook_sink(webhook), email_sink(smtp, tls_cert[0])], ["gap"]
    )  # fmt: skip
    track = fixes(LATE_MMSI, 0, 24, 34.2, 32.0, speed_kn=10, course_deg=90)
    hours = (track["time"] - T0).dt.total_seconds() / 3600
    w = watcher(cfg)
    drop(incoming, "t1.csv", track[(hours <= 12) | (hours >= 22)])
    (new,) = tick(w)
    assert new["kind"] == "new" and new["event"]["end"] == "2024-12-04T22:00:00Z"
    assert "went dark for 10.0 h" in new["summary"] and "likely intentional" not in new["summary"]
    drop(incoming, "late.csv", track[(hours - 17).abs() < 1e-6])  # 5 h either side: no gap
    (ret,) = tick(w)
    drop(incoming, "late2.csv", track[(hours - 16).abs() < 1e-6])
    assert tick(w) == []
    assert tick(w) == []
    w.close()
    assert (ret["kind"], ret["ref_alert_id"], ret["event_id"]) == (
        "retraction",
        new["alert_id"],
        new["event_id"],
    )
    assert ret["reason"].startswith("retracted") and "retracted" in ret["event"]["flags"]
    assert ret["summary"].startswith("RETRACTED: MMSI 273000041 went dark for 10.0 h")
    assert webhook.ids() == [new["alert_id"], ret["alert_id"]]
    assert smtp.ids() == webhook.ids()
    assert smtp.messages[1]["In-Reply-To"] == f"<{new['alert_id']}@navwatch>"


def test_replenishment_between_registry_vessels_readable_summary(tmp_path, webhook, smtp, tls_cert):
    """Yelnya (an oiler) alongside Admiral Grigorovich at 12 kn for 2.5 h. ``vessels`` names
    Yelnya, the pair's *other* vessel; a replenishment of two unregistered ships is not
    alerted."""
    cfg, incoming = setup(
        tmp_path, f"sqlite:///{tmp_path / 's.db'}", [webhook_sink(webhook), email_sink(smtp, tls_cert[0])],
        ["replenishment", "departure"], vessels=["Yelnya"],
    )  # fmt: skip
    lat, lon = 34.6, 34.9
    pair = [
        fixes(GRIGOROVICH, 6 + 10 / 60, 2.5, lat, lon, step_min=1, speed_kn=12),
        fixes(YELNYA, 6 + 10 / 60, 2.5, lat, lon, step_min=1, speed_kn=12, east_m=180),
    ]
    decoy = [
        fixes(m, 6, 2, 33.8, 32.0, step_min=1, speed_kn=12, east_m=e)
        for m, e in ((273000051, 0), (273000052, 150))
    ]
    w = watcher(cfg)
    drop(incoming, "t1.csv", *pair, *decoy)
    (rep,) = tick(w)
    assert tick(w) == []
    w.close()
    ev = rep["event"]
    assert (ev["vessel_id"], ev["other_vessel_id"], ev["flags"]) == (
        "admiral-grigorovich",
        "yelnya",
        "oiler",
    )
    assert (ev["vessel_name"], ev["other_vessel_name"]) == ("Admiral Grigorovich", "Yelnya")
    assert re.fullmatch(
        r"Admiral Grigorovich and Yelnya: replenishment at sea 2024-12-04 06:10-08:40 UTC near "
        r"34\.\d\dN 34\.90E, \d\d km from Tartus \(operating area\), 18\d m apart, 1[12]\.\d kn "
        r"\(confidence (0\.\d\d|1\.00)\) \[oiler\]",
        rep["summary"],
    ), rep["summary"]
    assert webhook.ids() == [rep["alert_id"]] and smtp.ids() == [rep["alert_id"]]
    subject = " ".join(str(smtp.messages[0]["Subject"]).split())  # unfolded
    assert subject == f"[navwatch] {rep['summary']}"
    assert webhook.received[0]["headers"]["X-Navwatch-Alert-Kind"] == "new"


def test_restart_mid_run_no_duplicate(tmp_path, webhook):
    """A new Watcher on the same SQLite file at every tick: the gap started before a restart is
    alerted after it, once; the loitering grows into updates, never a second *new*."""
    cfg, incoming = setup(
        tmp_path, f"sqlite:///{tmp_path / 's.db'}", [webhook_sink(webhook)], ["gap", "loitering"]
    )
    steps = [
        [gap_vessel(0, 12), loiterer(0, 5)],
        [gap_vessel(26.5, 2), loiterer(5 + 5 / 60, 2)],
        [gap_vessel(28.5 + 5 / 60, 1)],
        [],
    ]
    got = []
    for i, frames in enumerate(steps):
        if frames:
            drop(incoming, f"t{i}.csv", *frames)
        w = watcher(cfg)
        got.append(kinds(tick(w)))
        w.close()
    assert got == [
        [("loitering", "new")],
        [("loitering", "update"), ("gap", "new")],
        [],
        [],
    ]
    assert len(webhook.ids()) == 3 and len(set(webhook.ids())) == 3


def _inputs(incoming: Path) -> None:
    drop(incoming, "t1.csv", gap_vessel(0, 12), loiterer(0, 5))


def _inputs2(incoming: Path) -> None:
    drop(incoming, "t2.csv", gap_vessel(26.5, 2), loiterer(5 + 5 / 60, 2))


def test_crash_before_commit_rerun_gives_the_same_alert_ids(
    tmp_path, state_url, webhook, monkeypatch
):
    """A tick that fails inside its transaction, after planning its alerts, leaves the database
    (SQLite, PostgreSQL) as it was, activity state included; the re-run raises the alerts an
    uninterrupted run (on SQLite) raises, with the same ids."""
    ref_cfg, ref_in = setup(
        tmp_path / "ref", f"sqlite:///{tmp_path / 'ref.db'}", [], ["gap", "loitering"]
    )
    cfg, incoming = setup(tmp_path / "run", state_url, [webhook_sink(webhook)], ["gap", "loitering"])  # fmt: skip
    ref = watcher(ref_cfg)
    _inputs(ref_in)
    tick(ref)
    _inputs2(ref_in)
    want = [(p["alert_id"], p["kind"], p["ref_alert_id"]) for p in tick(ref)]
    ref.close()
    assert sorted(k for _, k, _ in want) == ["new", "update"]

    w = watcher(cfg)
    _inputs(incoming)
    tick(w)
    before = w.store.snapshot()
    sent = list(webhook.ids())
    _inputs2(incoming)
    real = Store._enqueue

    def crash(self, *a, **kw):
        real(self, *a, **kw)  # alerts and events written inside the transaction...
        raise RuntimeError("crash before commit")  # ...and rolled back

    monkeypatch.setattr(Store, "_enqueue", crash)
    with pytest.raises(RuntimeError, match="crash before commit"):
        w.tick()
    monkeypatch.setattr(Store, "_enqueue", real)
    w.deliver()
    w.close()
    after = Store(load_config(cfg, env=cli_env()).state_url.reveal())
    snap = after.snapshot()
    assert snap.tick == before.tick and snap.activity == before.activity
    assert len(after.alerts()) == len(sent) and webhook.ids() == sent
    after.dispose()

    w = watcher(cfg)  # the restarted watcher reads the same input again
    got = [(p["alert_id"], p["kind"], p["ref_alert_id"]) for p in tick(w)]
    w.close()
    assert got == want
    assert webhook.ids() == sent + [a for a, _, _ in want]


def test_activity_detection_runs_only_when_alerted_on(tmp_path):
    cfg, incoming = setup(tmp_path, f"sqlite:///{tmp_path / 's.db'}", [], ["departure"])
    w = watcher(cfg)
    drop(incoming, "t1.csv", gap_vessel(0, 12), gap_vessel(26.5, 2), loiterer(0, 5))
    rep = w.run_once()
    assert rep is not None and rep.rows > 0 and rep.activity_events == 0 and rep.alerts == []
    assert w.store.snapshot().activity is None
    w.close()
    cfg, incoming = setup(
        tmp_path / "b", f"sqlite:///{tmp_path / 'b.db'}", [], ["departure", "gap"]
    )
    w = watcher(cfg)
    drop(incoming, "t1.csv", gap_vessel(0, 12), gap_vessel(26.5, 2), loiterer(0, 5))
    rep = w.run_once()
    assert rep is not None and rep.activity_events == 1  # the gap; loitering is not asked for
    assert w.store.snapshot().activity is not None
    w.close()


def test_changed_activity_settings_restart_activity_detection(tmp_path, caplog):
    """The detectors refuse a state made with other types or thresholds: the watcher logs it
    and starts activity detection afresh instead of failing every tick."""
    cfg, incoming = setup(tmp_path, f"sqlite:///{tmp_path / 's.db'}", [], ["gap"])
    w = watcher(cfg)
    drop(incoming, "t1.csv", loiterer(0, 3))
    assert tick(w) == []
    w.close()
    cfg, _ = setup(tmp_path, f"sqlite:///{tmp_path / 's.db'}", [], ["gap", "loitering"])
    w = watcher(cfg)
    drop(incoming, "t2.csv", loiterer(3 + 5 / 60, 5))
    with caplog.at_level("WARNING", logger="navwatch.watch"):
        (p,) = tick(w)
    assert "activity settings changed" in caplog.text
    # from this tick's input only: the loitering starts at 03:05, not 00:00
    assert (p["event_kind"], p["kind"], p["event"]["start"]) == (
        "loitering",
        "new",
        "2024-12-04T03:05:00Z",
    )
    caplog.clear()
    drop(incoming, "t3.csv", loiterer(8 + 10 / 60, 1))
    with caplog.at_level("WARNING", logger="navwatch.watch"):
        assert kinds(tick(w)) == [("loitering", "update")]  # the new state is kept
    assert "afresh" not in caplog.text
    with w.store.write() as c:
        c.execute(sa.update(activity_t).values(state=b"not a state"))
    drop(incoming, "t4.csv", loiterer(9 + 15 / 60, 4.5))
    with caplog.at_level("WARNING", logger="navwatch.watch"):
        assert [k for _, k in kinds(tick(w))] == ["new"]  # from a fresh state, logged
    assert "activity state unreadable" in caplog.text
    w.close()


# ----------------------------------------------------------------------------------------------
# the store: activity state and schema versions


def _store(url: str) -> Store:
    from navwatch.alerts.config import _normalise_db_url

    s = Store(_normalise_db_url(url, Path("."), "test"))
    s.create()
    return s


def test_activity_state_committed_with_the_tick(state_url):
    s = _store(state_url)
    assert s.snapshot().activity is None
    s.commit_tick(s.snapshot(), activity=b"state-1\x00\xff")
    assert s.snapshot().activity == b"state-1\x00\xff"
    s.commit_tick(s.snapshot())  # a tick without activity detection keeps it
    assert s.snapshot().activity == b"state-1\x00\xff"
    stale = s.snapshot()
    s.commit_tick(s.snapshot(), activity=b"state-2")
    from navwatch.alerts import StateConflict

    with pytest.raises(StateConflict):  # a concurrent tick's state is never written
        s.commit_tick(stale, activity=b"stale")
    assert s.snapshot().activity == b"state-2" and s.tick_count() == 3
    s.dispose()


def _make_version_1(s: Store) -> None:
    """What a database of navwatch before activity alerts looks like."""
    with s.write() as c:
        c.execute(sa.update(lock_t).values(schema_version=1))
    activity_t.drop(s.engine)


def test_old_database_refused_with_how_to_upgrade_then_upgraded(state_url):
    s = _store(state_url)
    s.commit_tick(s.snapshot(), inputs=[{"source": "d", "key": "f", "status": "done"}])
    _make_version_1(s)
    with pytest.raises(StateError) as ei:
        Store(s.url).create()
    msg = str(ei.value)
    assert f"schema version 1, this navwatch expects {SCHEMA_VERSION}" in msg
    assert "--upgrade-state" in msg and "nw_activity_state" in msg
    assert Store(s.url).upgrade() == (1, SCHEMA_VERSION)
    again = Store(s.url)
    again.create()
    assert again.tick_count() == 1 and list(again.inputs()["key"]) == ["f"]
    assert again.snapshot().activity is None
    assert again.upgrade() == (SCHEMA_VERSION, SCHEMA_VERSION)
    with again.write() as c:
        c.execute(sa.update(lock_t).values(schema_version=SCHEMA_VERSION + 1))
    with pytest.raises(StateError, match="written by a newer navwatch"):
        Store(s.url).create()
    with pytest.raises(StateError, match="written by a newer navwatch"):
        Store(s.url).upgrade()
    again.dispose()
    s.dispose()


def test_upgrade_state_cli(tmp_path):
    cfg, _ = setup(tmp_path, f"sqlite:///{tmp_path / 's.db'}", [], ["gap"])
    s = _store(f"sqlite:///{tmp_path / 's.db'}")
    _make_version_1(s)
    s.dispose()
    run = [*CLI, "--config", str(cfg)]
    r = subprocess.run([*run, "--once"], capture_output=True, text=True, env=cli_env(), timeout=60)
    assert r.returncode == 1 and "--upgrade-state" in r.stderr
    r = subprocess.run(
        [*run, "--upgrade-state"], capture_output=True, text=True, env=cli_env(), timeout=60
    )
    assert r.returncode == 0 and f"upgraded from schema version 1 to {SCHEMA_VERSION}" in r.stdout
    r = subprocess.run([*run, "--once"], capture_output=True, text=True, env=cli_env(), timeout=60)
    assert r.returncode == 0, r.stderr
