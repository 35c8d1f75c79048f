"""From detected events to alerts: new, update, retraction. Pure functions, no I/O.

Rules (``prior`` is what the store remembers about an ``event_id``):

Two families of events flow through the same rules: port events (``navwatch.detect``: departure,
arrival; the events table) and activity events at sea (``navwatch.activity``: gap, loitering,
encounter, replenishment, spoofing, identity_change; ``schema.ACTIVITY`` rows, with
``nearest_port``/``nearest_port_km`` added by the watcher). Both are keyed by ``event_id``.

* **new** -- an event that matches the :class:`~navwatch.alerts.config.AlertRules` (event kind or
  activity type, ``min_confidence``, vessels -- either vessel of a pair, any vessel of a jamming
  event --, ports -- port events only: activity events happen at sea and are not filtered by
  port) and has never been alerted. Its alert id is
  ``sha256("navwatch|<event_id>|0")[:24]``; every later alert about the event references it
  (``ref_alert_id``). An event seen before but not alerted (e.g. its confidence was below the
  minimum) raises its *new* alert when a later version first matches.
* **update** -- an alerted event re-reported with different signature fields (port events: time,
  window, confidence, flags; activity: start, end, confidence, flags, ``likely_intentional``,
  ``vessels``, ``new_value`` -- :data:`~navwatch.alerts.activity_alerts.ACTIVITY_SIG_FIELDS`),
  that is not a retraction; kind ``update``, ``ref_alert_id`` = the first alert's id.
* **retraction** -- an alerted (not already retracted) event that no longer matches the rules
  (confidence fell below the minimum), or is contradicted: a port event whose new version
  carries a flag it did not have (e.g. "reported absent, then present again with no sighting
  between"); an activity event re-reported with the ``retracted`` flag (it disappeared: late
  positions filled a gap, ...). Other activity flags (``oiler``, ...) describe, they do not
  contradict. A retracted event that changes again so that it matches, uncontradicted, gets an
  *update* (reason ``reinstated``).
* An event re-reported unchanged raises nothing.

Revision ``n`` of an event has alert id ``sha256("navwatch|<event_id>|<n>")[:24]``: ids depend
only on the event and the sequence of its committed versions, so a tick that crashed before its
commit and is run again produces the same ids, and receivers can de-duplicate by id.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..registry import normalise as _norm_name
from .activity_alerts import ACTIVITY_SIG_FIELDS, activity_summary, is_activity, is_retracted
from .config import AlertRules

__all__ = ["PAYLOAD_VERSION", "alert_id", "event_signature", "matches", "plan_alerts"]

_SIG_FIELDS = ("time", "time_earliest", "time_latest", "confidence", "flags")
_TIME_FIELDS = ("time", "time_earliest", "time_latest", "start", "end")
#: Version of the alert JSON. 2: ``event_kind`` (departure, arrival or an activity type) at the
#: top level; ``event`` is a port event row or an activity row (``schema.ACTIVITY`` plus
#: ``nearest_port``, ``nearest_port_km``). 1: port events only, no ``event_kind``.
PAYLOAD_VERSION = 2


def alert_id(event_id: str, revision: int) -> str:
    """Stable id of revision ``revision`` (0 = the *new* alert) of an event.

    >>> alert_id("5014fc1d25876432", 0)
    'c4574675466c1e6b09b9657c'
    """
    return hashlib.sha256(f"navwatch|{event_id}|{revision}".encode()).hexdigest()[:24]


def _iso(t: Any) -> str | None:
    if t is None or (not isinstance(t, str) and pd.isna(t)):
        return None
    return pd.Timestamp(t).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(x: Any) -> Any:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return None
    if hasattr(x, "item"):
        x = x.item()
    return x


def event_record(row: dict[str, Any]) -> dict[str, Any]:
    """An events-table row as JSON-ready data (ISO times, None for missing)."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in _TIME_FIELDS:
            out[k] = _iso(v)
        elif isinstance(v, str):
            out[k] = v
        else:
            v = _num(v)
            out[k] = None if v is None else v
    for k in ("mmsi", "other_mmsi", "positions_before"):
        if out.get(k) is not None:
            out[k] = int(out[k])
    out["flags"] = out.get("flags") or ""
    return out


def event_kind(rec: dict[str, Any]) -> str:
    """``departure``/``arrival`` for a port event, the activity type for an activity event."""
    return str(rec.get("event_type") if is_activity(rec) else rec.get("event"))


def _sig_fields(rec: dict[str, Any]) -> tuple[str, ...]:
    return ACTIVITY_SIG_FIELDS if is_activity(rec) else _SIG_FIELDS


def event_signature(rec: dict[str, Any]) -> str:
    return "|".join(str(rec.get(k)) for k in _sig_fields(rec))


def _vessel_keys(rec: dict[str, Any]) -> set[str]:
    """Every name the event's vessels go by: ids, names, MMSIs (both of a pair, every vessel
    of a jamming event)."""
    keys = set()
    for p in ("", "other_"):
        for k in ("vessel_id", "vessel_name"):
            if rec.get(p + k):
                keys.add(_norm_name(str(rec[p + k])))
        if rec.get(p + "mmsi") is not None:
            keys.add(str(rec[p + "mmsi"]))
    for v in str(rec.get("vessels") or "").split(";"):
        if v:
            keys.add(_norm_name(v))
            if v.startswith("mmsi:"):
                keys.add(v[5:])
    return keys


def matches(rec: dict[str, Any], rules: AlertRules) -> bool:
    """Whether an event (record) is one the rules alert on. ``ports`` filter port events only;
    an activity event flagged ``retracted`` never matches."""
    if event_kind(rec) not in rules.events:
        return False
    if float(rec.get("confidence") or 0.0) < rules.min_confidence:
        return False
    if rules.vessels:
        wanted = {_norm_name(v) if not v.isdigit() else v for v in rules.vessels}
        if not _vessel_keys(rec) & wanted:
            return False
    if is_activity(rec):
        return not is_retracted(rec)
    if rules.ports:
        if _norm_name(str(rec.get("port") or "")) not in {_norm_name(p) for p in rules.ports}:
            return False
    return True


def _summary(kind: str, rec: dict[str, Any]) -> str:
    if is_activity(rec):
        return activity_summary(kind, rec)
    who = rec.get("vessel_name") or rec.get("vessel_id")
    verb = "left" if rec.get("event") == "departure" else "arrived at"
    where = rec.get("port") or "?"
    if rec.get("tier") and rec.get("tier") != "harbour":
        where += f" ({rec['tier']})"
    when = f"{rec.get('time_earliest')} .. {rec.get('time_latest')}"
    head = {"new": "", "update": "UPDATE: ", "retraction": "RETRACTED: "}[kind]
    text = f"{head}{who} {verb} {where} between {when} (best estimate {rec.get('time')}, confidence {float(rec.get('confidence') or 0):.2f})"
    if rec.get("flags"):
        text += f" [{rec['flags']}]"
    return text


def _payload(
    kind: str,
    aid: str,
    ref: str | None,
    rev: int,
    rec: dict[str, Any],
    previous: dict[str, Any] | None,
    reason: str,
    detected_at: str,
) -> str:
    body = {
        "version": PAYLOAD_VERSION,
        "alert_id": aid,
        "kind": kind,
        "event_kind": event_kind(rec),
        "ref_alert_id": ref,
        "revision": rev,
        "event_id": rec["event_id"],
        "summary": _summary(kind, rec),
        "reason": reason,
        "detected_at": detected_at,
        "event": rec,
    }
    if previous is not None:
        body["changed"] = {
            k: {"from": previous.get(k), "to": rec.get(k)}
            for k in _sig_fields(rec)
            if previous.get(k) != rec.get(k)
        }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def plan_alerts(
    events: pd.DataFrame, rules: AlertRules, detected_at: str, activity: pd.DataFrame | None = None
) -> Callable[
    [Callable[[list[str]], dict[str, dict[str, Any]]]],
    tuple[list[dict[str, Any]], list[dict[str, Any]]],
]:
    """A planner for :meth:`Store.commit_tick`: given a lookup of stored event rows, the alerts
    to enqueue and the event rows to store. Port events (``events``) are handled in table order
    (time, vessel), then activity events (``activity``, ``schema.ACTIVITY`` rows: start, type,
    vessel)."""
    records = [event_record(r) for r in events.to_dict("records")]
    if activity is not None:
        records += [event_record(r) for r in activity.to_dict("records")]

    def plan(lookup: Callable[[list[str]], dict[str, dict[str, Any]]]):
        prior = lookup(sorted({r["event_id"] for r in records}))
        alerts: list[dict[str, Any]] = []
        rows: dict[str, dict[str, Any]] = {}
        for rec in records:
            eid = rec["event_id"]
            old = rows.get(eid) or prior.get(eid)
            sig = event_signature(rec)
            ok = matches(rec, rules)
            if old is None or old["first_alert_id"] is None:
                alert, row = _plan_unalerted(rec, old, sig, ok, detected_at)
            elif old["sig"] == sig:
                continue
            else:
                alert, row = _plan_changed(rec, old, sig, ok, detected_at)
            if alert is not None:
                alerts.append(alert)
            rows[eid] = row
        return alerts, list(rows.values())

    return plan


def _event_row(
    rec: dict[str, Any], first: str | None, rev: int, status: str, sig: str
) -> dict[str, Any]:
    """The store's row of an event after this tick."""
    return dict(
        event_id=rec["event_id"],
        first_alert_id=first,
        revision=rev,
        status=status,
        sig=sig,
        event=json.dumps(rec, sort_keys=True),
    )


def _alert(kind: str, aid: str, ref: str | None, rec: dict[str, Any], payload: str) -> dict:
    """An alert to enqueue."""
    return dict(
        alert_id=aid, event_id=rec["event_id"], kind=kind, ref_alert_id=ref, payload=payload
    )


def _plan_unalerted(
    rec: dict[str, Any], old: dict[str, Any] | None, sig: str, ok: bool, detected_at: str
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """An event never alerted: its *new* alert if it matches the rules now, and its row."""
    rev = 0 if old is None else int(old["revision"])
    if not ok:
        return None, _event_row(rec, None, rev, "seen", sig)
    aid = alert_id(rec["event_id"], 0)
    payload = _payload("new", aid, None, 0, rec, None, "new event", detected_at)
    return _alert("new", aid, None, rec, payload), _event_row(rec, aid, 0, "alerted", sig)


def _contradiction(rec: dict[str, Any], before: dict[str, Any]) -> str | None:
    """Why the new version of an alerted event contradicts it, or None: a port event's new flag;
    an activity event's ``retracted`` flag (other activity flags describe, they do not
    contradict)."""
    if is_activity(rec):
        if is_retracted(rec):
            return "retracted: the evidence no longer shows it (e.g. late positions filled a gap)"
        return None
    if rec["flags"] and rec["flags"] != (before.get("flags") or ""):
        return f"contradicted: {rec['flags']}"
    return None


def _update_reason(rec: dict[str, Any], before: dict[str, Any]) -> str:
    if not is_activity(rec):
        return "window, time or confidence changed"
    changed = [k for k in ACTIVITY_SIG_FIELDS if before.get(k) != rec.get(k)]
    return "changed: " + ", ".join(changed or ["content"])


def _plan_changed(
    rec: dict[str, Any], old: dict[str, Any], sig: str, ok: bool, detected_at: str
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """An alerted event re-reported changed: a retraction, an update or nothing; its row."""
    before = json.loads(old["event"])
    rev = int(old["revision"]) + 1
    first = old["first_alert_id"]
    why = _contradiction(rec, before)
    if old["status"] != "retracted" and (why is not None or not ok):
        kind, status = "retraction", "retracted"
        reason = why or "no longer matches the alert rules (e.g. confidence below min_confidence)"
    elif old["status"] == "retracted":
        clean = not is_retracted(rec) if is_activity(rec) else not rec["flags"]
        if ok and clean:
            kind, status, reason = (
                "update",
                "alerted",
                "reinstated: evidence no longer contradicts it",
            )
        else:
            return None, {**old, "sig": sig, "event": json.dumps(rec, sort_keys=True)}
    else:
        kind, status, reason = "update", "alerted", _update_reason(rec, before)
    aid = alert_id(rec["event_id"], rev)
    payload = _payload(kind, aid, first, rev, rec, before, reason, detected_at)
    return _alert(kind, aid, first, rec, payload), _event_row(rec, first, rev, status, sig)
