"""Alert planning: new / update / retraction, stable ids, rules."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from navwatch.alerts.alerting import alert_id, matches, plan_alerts
from navwatch.alerts.config import AlertRules


def make_event(
    eid="e1",
    *,
    event="departure",
    conf=0.9,
    t0="2024-12-02T06:00Z",
    t1="2024-12-02T07:00Z",
    flags="",
    vessel="yelnya",
    port="Tartus",
    mmsi=273000001,
):
    t0, t1 = pd.Timestamp(t0), pd.Timestamp(t1)
    return {"event_id": eid, "vessel_id": vessel, "vessel_name": vessel.title(), "mmsi": mmsi, "port": port, "tier": "harbour", "event": event,
            "time": t0 + (t1 - t0) / 2, "time_earliest": t0, "time_latest": t1, "window_h": (t1 - t0).total_seconds() / 3600,
            "confidence": conf, "time_method": "midpoint", "evidence": "...", "flags": flags, "lat": 34.9, "lon": 35.8}  # fmt: skip


class Memory:
    """The store's event bookkeeping, in memory."""

    def __init__(self):
        self.rows = {}

    def run(self, events, rules=None):
        plan = plan_alerts(pd.DataFrame(events), rules or AlertRules(), "2026-01-01T00:00:00Z")
        alerts, rows = plan(lambda ids: {i: self.rows[i] for i in ids if i in self.rows})
        for r in rows:
            self.rows[r["event_id"]] = r
        return [(a["kind"], a["alert_id"], a["ref_alert_id"]) for a in alerts], alerts


def test_new_then_update_references_first_alert():
    m = Memory()
    ((k, first, ref),) = m.run([make_event(conf=0.7, t0="2024-12-02T04:00Z")])[0]
    assert (k, ref) == ("new", None) and first == alert_id("e1", 0)
    got, alerts = m.run([make_event(conf=0.9)])  # window narrowed, confidence raised
    assert got == [("update", alert_id("e1", 1), first)]
    body = json.loads(alerts[0]["payload"])
    assert body["changed"]["confidence"] == {"from": 0.7, "to": 0.9}
    assert "time_earliest" in body["changed"]
    assert m.run([make_event(conf=0.9)])[0] == []  # re-reported unchanged: nothing


def test_contradiction_retracts_then_reinstates():
    m = Memory()
    first = m.run([make_event()])[0][0][1]
    got, alerts = m.run(
        [make_event(conf=0.45, flags="contradiction: reported absent, then present again")]
    )
    assert got == [("retraction", alert_id("e1", 1), first)]
    assert json.loads(alerts[0]["payload"])["reason"].startswith("contradicted")
    assert (
        m.run([make_event(conf=0.4, flags="contradiction: reported absent, then present again")])[0]
        == []
    )
    got, alerts = m.run([make_event(conf=0.9)])
    assert (
        got == [("update", alert_id("e1", 2), first)]
        and "reinstated" in json.loads(alerts[0]["payload"])["reason"]
    )


def test_min_confidence_new_only_once_it_qualifies_and_retracts_below():
    m = Memory()
    rules = AlertRules(min_confidence=0.5)
    assert m.run([make_event(conf=0.3)], rules)[0] == []
    got = m.run([make_event(conf=0.8)], rules)[0]
    assert got == [("new", alert_id("e1", 0), None)]  # the first alert of this event
    got = m.run([make_event(conf=0.4)], rules)[0]
    assert got[0][0] == "retraction" and got[0][2] == alert_id("e1", 0)


@pytest.mark.parametrize(
    "rules, alerted",
    [
        (AlertRules(), {"d1"}),
        (AlertRules(events=("departure", "arrival")), {"d1", "a1", "d2"}),
        (AlertRules(events=("departure", "arrival"), vessels=("Yelnya",)), {"d1", "a1"}),
        (AlertRules(events=("departure", "arrival"), vessels=("273000002",)), {"d2"}),
        (AlertRules(events=("departure", "arrival"), ports=("latakia",)), {"d2"}),
    ],
)
def test_rules_select_events(rules, alerted):
    events = [
        make_event("d1"),
        make_event("a1", event="arrival"),
        make_event("d2", event="arrival", vessel="vyazma", mmsi=273000002, port="Latakia"),
    ]
    got, alerts = Memory().run(events, rules)
    assert {a["event_id"] for a in alerts} == alerted


def test_ids_are_deterministic_functions_of_the_event_history():
    a = Memory().run([make_event()])[1][0]
    b = Memory().run([make_event()])[1][0]
    assert a["alert_id"] == b["alert_id"]
    pa, pb = json.loads(a["payload"]), json.loads(b["payload"])
    assert pa == pb and pa["event"]["time_earliest"] == "2024-12-02T06:00:00Z"


def test_rule_ports_are_matched_like_every_port_name(tmp_path):
    """Alert rules name ports as analysts write them: aliases and other spellings resolve to the
    zone's name (navwatch.ports.find_port); an unknown port stops the watcher at start."""
    from navwatch.alerts import Watcher, parse_config
    from navwatch.errors import ConfigError

    (tmp_path / "in").mkdir()

    def watcher(ports):
        cfg = parse_config(
            {"state": {"url": f"sqlite:///{tmp_path / 's.db'}"}, "alerts": {"ports": ports},
             "sources": [{"type": "directory", "path": "in"}], "sinks": [{"type": "jsonl", "path": "a.jsonl"}]},
            base=tmp_path,
        )  # fmt: skip
        return Watcher(cfg)

    w = watcher(["TARTOUS", "Tartus/anchorage"])
    assert w.rules.ports == ("Tartus",)
    assert matches({"event": "departure", "confidence": 0.9, "port": "Tartus"}, w.rules)
    with pytest.raises(ConfigError, match="close names: Tartus"):
        watcher(["Tartsu"])


# ----------------------------------------------------------------------------------------------
# activity events (schema.ACTIVITY rows) through the same planner


def make_activity(
    eid="g1",
    *,
    type_="gap",
    start="2024-12-04T12:00Z",
    end="2024-12-05T02:30Z",
    conf=0.8,
    flags="",
    vessel="mmsi:273000021",
    name="",
    mmsi=273000021,
    other=None,
    **extra,
):
    from navwatch import schema

    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    row = {c: None for c in schema.ACTIVITY.names}
    row.update(event_id=eid, event_type=type_, vessel_id=vessel, vessel_name=name, mmsi=mmsi, start=t0, end=t1,
               duration_h=(t1 - t0).total_seconds() / 3600, lat=34.0, lon=33.35, confidence=conf, evidence="t.csv:1",
               flags=flags, nearest_port="Tartus", nearest_port_tier="operating_area", nearest_port_km=182.0)  # fmt: skip
    if other is not None:
        row.update(other_vessel_id=other[0], other_vessel_name=other[1], other_mmsi=other[2])
    row.update(extra)
    return row


class ActivityMemory(Memory):
    def run(self, events, rules=None):
        rules = rules or AlertRules(events=("gap", "loitering", "replenishment", "spoofing"))
        plan = plan_alerts(pd.DataFrame(), rules, "2026-01-01T00:00:00Z", pd.DataFrame(events))
        alerts, rows = plan(lambda ids: {i: self.rows[i] for i in ids if i in self.rows})
        for r in rows:
            self.rows[r["event_id"]] = r
        return [(a["kind"], a["alert_id"], a["ref_alert_id"]) for a in alerts], alerts


def test_activity_new_update_and_unchanged():
    m = ActivityMemory()
    ((k, first, ref),), alerts = m.run([make_activity(type_="loitering", end="2024-12-04T17:00Z")])
    assert (k, first, ref) == ("new", alert_id("g1", 0), None)
    body = json.loads(alerts[0]["payload"])
    assert (body["version"], body["event_kind"]) == (2, "loitering")
    assert body["event"]["start"] == "2024-12-04T12:00:00Z"
    # positions, distances and speeds move with every fix: not news
    assert (
        m.run(
            [
                make_activity(
                    type_="loitering", end="2024-12-04T17:00Z", lat=34.01, median_speed_kn=0.4
                )
            ]
        )[0]
        == []
    )
    got, alerts = m.run([make_activity(type_="loitering", end="2024-12-04T19:00Z")])
    assert got == [("update", alert_id("g1", 1), first)]
    body = json.loads(alerts[0]["payload"])
    assert body["changed"] == {
        "end": {"from": "2024-12-04T17:00:00Z", "to": "2024-12-04T19:00:00Z"}
    }
    assert body["reason"] == "changed: end" and body["summary"].startswith("UPDATE: ")
    got, _ = m.run([make_activity(type_="loitering", end="2024-12-04T19:00Z", conf=0.9)])
    assert got == [("update", alert_id("g1", 2), first)]


def test_activity_type_specific_fields_update():
    m = ActivityMemory()
    first = m.run([make_activity(likely_intentional=False, conf=0.5)])[0][0][1]
    got, alerts = m.run([make_activity(likely_intentional=True, conf=0.5)])
    assert got == [("update", alert_id("g1", 1), first)]
    assert json.loads(alerts[0]["payload"])["changed"]["likely_intentional"] == {
        "from": False,
        "to": True,
    }
    m.run([make_activity("j1", type_="spoofing", flags="jamming", vessels="mmsi:1;mmsi:2;mmsi:3")])
    got = m.run(
        [
            make_activity(
                "j1", type_="spoofing", flags="jamming", vessels="mmsi:1;mmsi:2;mmsi:3;mmsi:4"
            )
        ]
    )[0]
    assert [k for k, _, _ in got] == ["update"]


def test_activity_retracted_flag_retracts_other_flags_update():
    m = ActivityMemory()
    pair = ("yelnya", "Yelnya", 273000011)
    kw = dict(
        type_="replenishment", vessel="admiral-grigorovich", name="Admiral Grigorovich", other=pair
    )
    first = m.run([make_activity("r1", **kw)])[0][0][1]
    got = m.run([make_activity("r1", flags="oiler", **kw)])[0]  # a describing flag: an update
    assert got == [("update", alert_id("r1", 1), first)]
    got, alerts = m.run([make_activity("r1", flags="oiler;retracted", **kw)])
    assert got == [("retraction", alert_id("r1", 2), first)]
    body = json.loads(alerts[0]["payload"])
    assert body["reason"].startswith("retracted") and body["summary"].startswith("RETRACTED: ")
    assert m.run([make_activity("r1", flags="oiler;retracted", **kw)])[0] == []  # once
    got, alerts = m.run([make_activity("r1", flags="oiler", **kw)])  # found again
    assert got == [("update", alert_id("r1", 3), first)]
    assert json.loads(alerts[0]["payload"])["reason"].startswith("reinstated")


def test_activity_never_alerted_then_retracted_raises_nothing():
    m = ActivityMemory()
    rules = AlertRules(events=("gap",), min_confidence=0.7)
    assert m.run([make_activity(conf=0.5)], rules)[0] == []
    assert m.run([make_activity(conf=0.8, flags="retracted")], rules)[0] == []
    assert m.run([make_activity("g2", flags="retracted")], rules)[0] == []


def test_activity_min_confidence_and_rules_retract():
    m = ActivityMemory()
    rules = AlertRules(events=("gap",), min_confidence=0.6)
    assert m.run([make_activity(conf=0.5)], rules)[0] == []
    assert [k for k, _, _ in m.run([make_activity(conf=0.8)], rules)[0]] == ["new"]
    got, alerts = m.run([make_activity(conf=0.5)], rules)
    assert [k for k, _, _ in got] == ["retraction"]
    assert "no longer matches" in json.loads(alerts[0]["payload"])["reason"]


@pytest.mark.parametrize(
    "rules, alerted",
    [
        (AlertRules(events=("gap", "replenishment")), {"g1", "r1"}),
        (AlertRules(events=("departure",)), set()),
        (AlertRules(events=("replenishment",), vessels=("Yelnya",)), {"r1"}),  # the other vessel
        (AlertRules(events=("replenishment",), vessels=("273000011",)), {"r1"}),
        (AlertRules(events=("gap", "replenishment"), vessels=("admiral grigorovich",)), {"r1"}),
        (AlertRules(events=("gap",), vessels=("273000021",)), {"g1"}),
        (AlertRules(events=("spoofing",), vessels=("273000099",)), {"j1"}),  # in a jamming event
        # ports filter port events only: activity at sea is not filtered by port
        (AlertRules(events=("gap", "replenishment"), ports=("Latakia",)), {"g1", "r1"}),
    ],
)
def test_activity_rules_select_events(rules, alerted):
    pair = ("yelnya", "Yelnya", 273000011)
    events = [
        make_activity("g1"),
        make_activity("r1", type_="replenishment", vessel="admiral-grigorovich", name="Admiral Grigorovich", mmsi=None, other=pair),
        make_activity("j1", type_="spoofing", vessel="mmsi:273000001", flags="jamming", vessels="mmsi:273000001;mmsi:273000099;mmsi:273000100"),
    ]  # fmt: skip
    _, alerts = ActivityMemory().run(events, rules)
    assert {a["event_id"] for a in alerts} == alerted


def test_port_event_signature_unchanged():
    """Port events keep the signature stored by earlier versions (no spurious updates after an
    upgrade)."""
    from navwatch.alerts.alerting import event_record, event_signature

    rec = event_record(make_event(conf=0.7))
    assert event_signature(rec) == (
        "2024-12-02T06:30:00Z|2024-12-02T06:00:00Z|2024-12-02T07:00:00Z|0.7|"
    )
    body = json.loads(Memory().run([make_event()])[1][0]["payload"])
    assert body["event_kind"] == "departure" and body["version"] == 2


@pytest.mark.parametrize(
    "row, summary",
    [
        (
            make_activity(likely_intentional=True, distance_km=269.0),
            "MMSI 273000021 went dark for 14.5 h from 2024-12-04 12:00 UTC near 34.00N 33.35E, "
            "182 km from Tartus (operating area); reappeared 2024-12-05 02:30 UTC 269 km away; "
            "likely intentional (confidence 0.80)",
        ),
        (
            make_activity(
                type_="loitering",
                name="Vyazma",
                end="2024-12-04T18:30Z",
                radius_m=850.0,
                median_speed_kn=0.42,
                nearest_port=None,
            ),
            "Vyazma: loitering for 6.5 h 2024-12-04 12:00-18:30 UTC near 34.00N 33.35E, no port "
            "within 1,000 km, within 850 m, 0.4 kn (confidence 0.80)",
        ),
        (
            make_activity(
                type_="encounter",
                name="A",
                other=("b", "B", 2),
                end="2024-12-05T01:00Z",
                median_distance_m=310.0,
                median_speed_kn=0.8,
                flags="no_port_nearby",
                nearest_port_km=0.0,
                nearest_port_tier="harbour",
            ),
            "A and B: encounter at sea 2024-12-04 12:00 - 2024-12-05 01:00 UTC near 34.00N 33.35E, "
            "inside Tartus, 310 m apart, 0.8 kn (confidence 0.80)",
        ),
        (
            make_activity(
                type_="spoofing",
                flags="two_places",
                end="2024-12-04T13:00Z",
                end_lat=35.5,
                end_lon=-2.25,
                distance_km=120.0,
                conf=0.9,
            ),
            "MMSI 273000021: in two places at once 2024-12-04 12:00-13:00 UTC, near 34.00N 33.35E, "
            "182 km from Tartus (operating area) and near 35.50N 2.25W, 120 km apart (confidence 0.90)",
        ),
        (
            make_activity(
                type_="spoofing",
                flags="displaced",
                end="2024-12-04T13:00Z",
                distance_km=35.0,
                conf=0.7,
            ),
            "MMSI 273000021: positions displaced 35 km off its track 2024-12-04 12:00-13:00 UTC near "
            "34.00N 33.35E, 182 km from Tartus (operating area) (confidence 0.70)",
        ),
        (
            make_activity(
                type_="spoofing",
                flags="jamming",
                vessel=None,
                mmsi=None,
                vessels="a;b;c",
                end="2024-12-04T12:10Z",
            ),
            "jamming or spoofing: 3 vessels displaced together (a, b, c) 2024-12-04 12:00-12:10 UTC "
            "near 34.00N 33.35E, 182 km from Tartus (operating area) (confidence 0.80)",
        ),
        (
            make_activity(
                type_="identity_change",
                name="Sparta IV",
                field="name",
                old_value="SPARTA IV",
                new_value="SPARTA 4",
                conf=0.9,
            ),
            "Sparta IV (MMSI 273000021): name changed from 'SPARTA IV' to 'SPARTA 4' between "
            "2024-12-04 12:00 and 2024-12-05 02:30 UTC near 34.00N 33.35E, 182 km from Tartus "
            "(operating area) (confidence 0.90)",
        ),
    ],
)
def test_activity_summaries(row, summary):
    from navwatch.alerts.activity_alerts import activity_summary
    from navwatch.alerts.alerting import event_record

    assert activity_summary("new", event_record(row)) == summary
    assert activity_summary("retraction", event_record(row)) == "RETRACTED: " + summary
