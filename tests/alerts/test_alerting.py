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
