"""Port-event detection from observation tables: identity join, survey expansion, events table.

:func:`detect_port_events` is the one entry point. It resolves observations to vessels (registry
or, with ``all_vessels``, every MMSI), expands port surveys into per-vessel presence/absence,
sorts the evidence and runs the state machine of :mod:`navwatch.detect.engine`, then builds the
events table. It is usable incrementally: pass the returned ``state`` with the next batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import schema
from ..quarantine import Quarantine
from ..registry import Registry, resolve_ids
from . import engine
from .engine import OUT, UNDET, UNKNOWN, Arrays
from .params import DetectParams
from .zoneindex import ZoneIndex

#: Columns of the events table, in order.
EVENT_COLUMNS = [
    "event_id",
    "vessel_id",
    "vessel_name",
    "mmsi",
    "port",
    "tier",
    "event",
    "time",
    "time_earliest",
    "time_latest",
    "window_h",
    "confidence",
    "time_method",
    "evidence",
    "flags",
    "lat",
    "lon",
]

_KIND_CODE = {"ais": engine.KIND_AIS, "sighting": engine.KIND_SIGHTING, "survey": engine.KIND_SURVEY}
_STATE_LABEL_OUT = "@out"
_STATE_LABEL_UNKNOWN = "@unknown"

# Columns kept for evidence rows that are not AIS fixes and for carried rows.
_EVIDENCE_COLUMNS = [
    "time",
    "lat",
    "lon",
    "kind",
    "sog_kn",
    "present",
    "port",
    "confidence",
    "source",
    "src_file",
    "src_line",
]


@dataclass
class DetectorState:
    """What a detector must remember between batches, per vessel.

    ``rows`` holds a few evidence rows per vessel (the first and last of its recent visits, the
    last fix inside a zone and the one after it, the last two AIS fixes, a fix held back for the
    position-jump check) with the state they had; ``emitted`` maps event ids already reported to
    a signature of their content, so a re-run reports only new or changed events.
    """

    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    emitted: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Detection:
    """Result of :func:`detect_port_events`.

    ``events`` is the events table (new or changed events when a ``state`` was passed in);
    ``state`` continues detection with the next batch; ``stats`` counts what happened to every
    input row; ``quarantine`` holds rejected rows (position jumps, unknown ports/vessels).
    """

    events: pd.DataFrame
    state: DetectorState
    stats: dict
    quarantine: Quarantine


def detect_port_events(
    obs: pd.DataFrame,
    zones,
    registry: Registry | None = None,
    *,
    params: DetectParams | None = None,
    all_vessels: bool = False,
    state: DetectorState | None = None,
    quarantine: Quarantine | None = None,
) -> Detection:
    """Detect port departures and arrivals.

    Parameters
    ----------
    obs : DataFrame
        Canonical observations (:mod:`navwatch.schema`): AIS fixes, sightings, surveys.
    zones : GeoDataFrame
        Port zones (:func:`navwatch.ports.load_ports`).
    registry : Registry, optional
        Vessels to track. Observations are resolved by MMSI, IMO, call sign, then name/alias.
    params : DetectParams, optional
        Thresholds; defaults documented on :class:`DetectParams`.
    all_vessels : bool
        Track every MMSI in the data, not only registry vessels (registry entries still
        annotate theirs).
    state : DetectorState, optional
        State returned by a previous call: continue from there (incremental detection).
    quarantine : Quarantine, optional
        Collector for rejected rows; a new one is made if not given.

    Returns
    -------
    Detection
        ``events`` sorted by time, then vessel.

    Examples
    --------
    >>> import navwatch as nw
    >>> obs = pd.DataFrame({
    ...     "time": pd.to_datetime(["2024-11-30 08:30", "2024-12-03 08:30"], utc=True),
    ...     "lat": [float("nan")] * 2, "lon": [float("nan")] * 2, "kind": ["survey"] * 2,
    ...     "port": ["Tartus"] * 2, "coverage": ["full"] * 2, "vessel": ["Yelnya", ""]})
    >>> det = detect_port_events(obs, nw.load_ports(), nw.load_registry())
    >>> det.events[["vessel_id", "event", "time_earliest", "time_latest"]].iloc[0].tolist()
    ['yelnya', 'departure', Timestamp('2024-11-30 08:30:00+0000', tz='UTC'), Timestamp('2024-12-03 08:30:00+0000', tz='UTC')]
    """
    params = params or DetectParams()
    quarantine = quarantine if quarantine is not None else Quarantine()
    state = state or DetectorState()
    zi = zones if isinstance(zones, ZoneIndex) else ZoneIndex(zones, params.exit_margin_km)
    obs = schema.conform(obs) if len(obs.columns) else schema.empty()
    stats: dict = {"rows_in": int(len(obs))}

    ev = _build_evidence(obs, zi, registry, all_vessels, state, quarantine, stats)
    res = engine.run(ev.arrays, zi, params)
    stats["duplicates"] = int(np.sum(res.status == engine.ROW_DUP))
    stats["position_jumps"] = int(np.sum(res.status == engine.ROW_JUMP))
    stats["held_for_next_fix"] = int(np.sum((res.status == engine.ROW_PENDING) & ~ev.arrays.carried))
    stats["transits"] = res.n_transits
    stats["pending_visits"] = res.n_pending_visits
    _quarantine_jumps(ev, res, quarantine)

    events = _events_table(ev, res, zi)
    new_state = _next_state(ev, res, zi, events)
    if len(state.emitted):
        sig = events["_sig"] if len(events) else pd.Series(dtype=str)
        keep = [state.emitted.get(i) != s for i, s in zip(events["event_id"], sig, strict=True)]
        events = events[np.asarray(keep, dtype=bool)]
    events = events.drop(columns="_sig").reset_index(drop=True)
    stats["events"] = int(len(events))
    stats["departures"] = int((events["event"] == "departure").sum())
    stats["arrivals"] = int((events["event"] == "arrival").sum())
    stats["vessels"] = int(len(ev.vessel_ids))
    return Detection(events=events, state=new_state, stats=stats, quarantine=quarantine)


# ----------------------------------------------------------------------------------------------
# evidence: resolve identities, expand surveys and group sightings, sort


@dataclass
class _Evidence:
    arrays: Arrays  # sorted
    base: pd.DataFrame  # observation rows referenced by ids < n_base
    extra: pd.DataFrame  # expanded/carried rows, ids >= n_base (evidence columns + vessel info)
    row_id: np.ndarray  # sorted position -> id
    vessel_ids: np.ndarray  # code -> vessel_id
    vessel_names: np.ndarray  # code -> display name
    vessel_mmsi: np.ndarray  # code -> mmsi (float, NaN if unknown)

    @property
    def n_base(self) -> int:
        return len(self.base)

    def records(self, sorted_pos: np.ndarray) -> pd.DataFrame:
        """Evidence columns of the rows at the given sorted positions (vectorised)."""
        rid = self.row_id[np.asarray(sorted_pos, dtype=np.int64)]
        out = pd.DataFrame(index=range(len(rid)), columns=_EVIDENCE_COLUMNS, dtype=object)
        in_base = rid < self.n_base
        for mask, frame, ids in (
            (in_base, self.base, rid[in_base]),
            (~in_base, self.extra, rid[~in_base] - self.n_base),
        ):
            if not mask.any():
                continue
            where = np.flatnonzero(mask)
            for c in _EVIDENCE_COLUMNS:
                if c in frame.columns:
                    out.loc[where, c] = frame[c].to_numpy(dtype=object)[ids] if len(frame) < 1_000_000 else frame[c].iloc[ids].to_numpy(dtype=object)
        return out

    def record(self, sorted_pos: int) -> dict:
        return self.records(np.array([sorted_pos])).iloc[0].to_dict()


def _build_evidence(obs, zi, registry, all_vessels, state, quarantine, stats) -> _Evidence:
    kcodes = _kind_codes(obs["kind"])
    is_survey = kcodes == engine.KIND_SURVEY
    is_sighting = kcodes == engine.KIND_SIGHTING

    vid = _resolve_base(obs, registry, all_vessels, stats)
    extra_parts: list[pd.DataFrame] = []

    # sightings naming a group: attribute when the count covers the group, else unattributed
    if registry is not None and is_sighting.any() and "vessel" in obs.columns:
        todo = np.flatnonzero(is_sighting & vid.isna().to_numpy() & obs["vessel"].notna().to_numpy())
        expanded = []
        unattributed = 0
        for i in todo:
            match = registry.resolve_token(obs["vessel"].iloc[i])
            if match.attributed:
                for v in match.vessel_ids:
                    row = obs.iloc[i][[c for c in _EVIDENCE_COLUMNS if c in obs.columns]].to_dict()
                    row["vessel_id"] = v
                    expanded.append(row)
            elif match.vessel_ids:
                unattributed += 1
            else:
                quarantine.add(
                    obs["src_file"].iloc[i] if "src_file" in obs.columns else "<observations>",
                    _line(obs, i),
                    "unknown_vessel",
                    f"sighting names {obs['vessel'].iloc[i]!r}: no registry vessel, class or type matches",
                    obs["vessel"].iloc[i],
                )
        stats["sightings_unattributed"] = unattributed
        if expanded:
            extra_parts.append(pd.DataFrame(expanded))

    # surveys -> one row per registry vessel: present / absent (full coverage) / nothing
    if is_survey.any():
        extra_parts.append(_expand_surveys(obs[is_survey], registry, zi, quarantine, stats))

    # observations that could not be resolved to a vessel are not tracked; say how many
    unresolved = vid.isna().to_numpy() & ~is_survey
    stats["rows_unmatched"] = int(np.sum(unresolved & ~is_sighting))

    base_rows = np.flatnonzero(~unresolved & ~is_survey & ~(is_sighting & vid.isna().to_numpy()))
    extra = pd.concat([p for p in extra_parts if len(p)], ignore_index=True) if any(len(p) for p in extra_parts) else pd.DataFrame()

    carried = state.rows if len(state.rows) else pd.DataFrame()
    n_extra_new = len(extra)
    if len(carried):
        extra = pd.concat([extra, carried], ignore_index=True) if len(extra) else carried.reset_index(drop=True)

    # vessel codes over base + extra
    base_vid = vid.to_numpy(dtype=object)[base_rows]
    extra_vid = extra["vessel_id"].to_numpy(dtype=object) if len(extra) else np.empty(0, dtype=object)
    codes, uniques = pd.factorize(np.concatenate([base_vid, extra_vid]), sort=True)
    uniques = np.asarray(uniques, dtype=object)
    names, mmsis = _vessel_info(uniques, registry, obs, vid, extra)

    n_b = len(base_rows)
    t = np.concatenate([_ns(obs["time"])[base_rows], _ns(extra["time"]) if len(extra) else np.empty(0, np.int64)])
    lat = np.concatenate([obs["lat"].to_numpy("float64")[base_rows], _f(extra, "lat")])
    lon = np.concatenate([obs["lon"].to_numpy("float64")[base_rows], _f(extra, "lon")])
    sog = np.concatenate([_f(obs, "sog_kn")[base_rows], _f(extra, "sog_kn")])
    kcode = np.concatenate(
        [
            kcodes[base_rows],
            _kind_codes(extra["kind"]) if len(extra) else np.empty(0, np.int8),
        ]
    )
    present = np.concatenate(
        [
            np.full(n_b, -1, np.int8),
            extra["present"].astype("Int8").fillna(-1).to_numpy("int8") if len(extra) and "present" in extra else np.full(len(extra), -1, np.int8),
        ]
    )
    szone = np.concatenate(
        [np.full(n_b, -1, np.int32), _zone_codes(extra, zi) if len(extra) else np.empty(0, np.int32)]
    )
    rel = np.concatenate(
        [
            _reliability(_f(obs, "confidence")[base_rows], kcodes[base_rows]),
            _reliability(_f(extra, "confidence"), _kind_codes(extra["kind"])) if len(extra) else np.empty(0),
        ]
    )
    fixed = np.concatenate(
        [np.full(n_b + n_extra_new, UNDET, np.int32), _state_codes(carried, zi) if len(carried) else np.empty(0, np.int32)]
    )
    is_carried = np.zeros(len(t), bool)
    is_carried[n_b + n_extra_new :] = True

    row_id = np.concatenate([base_rows, len(obs) + np.arange(len(extra))]).astype(np.int64)
    order = _order(codes, t, lat, lon, kcode, present, szone, sog)
    arrays = Arrays(
        v=codes.astype(np.int32)[order],
        t=t[order],
        lat=lat[order],
        lon=lon[order],
        sog=sog[order],
        kind=kcode[order],
        present=present[order],
        szone=szone[order],
        rel=rel[order],
        fixed=fixed[order],
        carried=is_carried[order],
    )
    extra = extra.copy()
    extra["_vid"] = extra_vid
    base = obs
    return _Evidence(arrays, base, extra, row_id[order], uniques, names, mmsis)


def _resolve_base(obs: pd.DataFrame, registry: Registry | None, all_vessels: bool, stats: dict) -> pd.Series:
    """vessel_id of each observation (before group/survey expansion), <NA> if none."""
    vid = pd.Series(pd.NA, index=obs.index, dtype=object)
    if not len(obs):
        return vid
    if "mmsi" in obs.columns and obs["mmsi"].notna().any():
        mm = obs["mmsi"]
        codes, uniq = pd.factorize(mm.to_numpy(dtype="float64", na_value=np.nan), use_na_sentinel=True)
        per = pd.DataFrame({"mmsi": pd.array(np.asarray(uniq, dtype="float64"), dtype="Float64").astype("Int64")})
        # identity of each MMSI: its first non-null IMO / call sign / name anywhere in the data
        for col in ("imo", "callsign", "name"):
            if col in obs.columns:
                s = obs[col]
                ok = s.notna().to_numpy() & (codes >= 0)
                if ok.any():
                    first = pd.Series(s.to_numpy()[ok]).groupby(codes[ok]).first()
                    per[col] = pd.Series(first, index=range(len(uniq))).astype(schema.DTYPES[col])
        pv, _ = resolve_ids(per, registry)
        per_vid = pv.to_numpy(dtype=object)
        if all_vessels:
            miss = pd.isna(per_vid)
            per_vid[miss] = np.array([f"mmsi:{int(m)}" for m in np.asarray(uniq)[miss]], dtype=object)
        lookup = np.append(per_vid, pd.NA)
        vid = pd.Series(lookup[np.where(codes >= 0, codes, len(per_vid))], index=obs.index, dtype=object)
    todo = vid.isna().to_numpy()
    if todo.any():
        sub = obs[todo]
        sv, _ = resolve_ids(sub.drop(columns=[c for c in ("mmsi",) if c in sub.columns]), registry)
        vid[todo] = sv.to_numpy(dtype=object)
    vid = vid.where(~pd.isna(vid), pd.NA)
    return vid


def _expand_surveys(surveys: pd.DataFrame, registry: Registry | None, zi: ZoneIndex, quarantine: Quarantine, stats: dict) -> pd.DataFrame:
    rows = []
    unknown_tokens = 0
    ids = registry.ids if registry is not None else []
    for i in range(len(surveys)):
        s = surveys.iloc[i]
        file = s.get("src_file", "<surveys>")
        line = s.get("src_line", None)
        port = s.get("port", None)
        if port is None or pd.isna(port) or zi.find(str(port)) < 0:
            quarantine.add(file, line, "unknown_port", f"survey port {port!r} is not a known port zone", port)
            continue
        coverage = str(s.get("coverage", "partial") or "partial").strip().lower()
        text = s.get("vessel", "")
        tokens = [] if text is None or pd.isna(text) else [x.strip() for x in str(text).split("|") if x.strip()]
        seen: set[str] = set()
        maybe: set[str] = set()
        for tok in tokens:
            if registry is None:
                break
            m = registry.resolve_token(tok)
            if m.attributed:
                seen.update(m.vessel_ids)
            elif m.vessel_ids:
                maybe.update(m.vessel_ids)
            else:
                unknown_tokens += 1
                quarantine.add(file, line, "unknown_vessel", f"survey token {tok!r} matches no registry vessel, class or type (the rest of the survey is used)", tok)
        base = {c: s.get(c, None) for c in _EVIDENCE_COLUMNS if c not in ("present",)}
        base.update(lat=np.nan, lon=np.nan, kind="survey", port=str(port))
        for v in ids:
            if v in seen:
                rows.append({**base, "vessel_id": v, "present": True})
            elif coverage == "full" and v not in maybe:
                rows.append({**base, "vessel_id": v, "present": False})
    stats["survey_unknown_tokens"] = unknown_tokens
    return pd.DataFrame(rows)


def _vessel_info(uniques, registry, obs, vid, extra):
    names = np.array([""] * len(uniques), dtype=object)
    mmsis = np.full(len(uniques), np.nan)
    pos = {v: i for i, v in enumerate(uniques)}
    if registry is not None:
        f = registry.frame
        for v, name, mm in zip(f["vessel_id"], f["name"], f["mmsi"], strict=True):
            if v in pos:
                names[pos[v]] = name
                first = str(mm).split("|")[0].strip()
                if first.isdigit():
                    mmsis[pos[v]] = float(first)
    for v, i in pos.items():
        if isinstance(v, str) and v.startswith("mmsi:"):
            mmsis[i] = float(v[5:])
    # AIS names for vessels not in the registry (and MMSIs of registry vessels found by name)
    if "mmsi" in obs.columns and len(obs):
        need = [i for i, v in enumerate(uniques) if not names[i] or np.isnan(mmsis[i])]
        if need:
            want = set(uniques[need])
            mask = vid.isin(want).to_numpy()
            if mask.any():
                sub = pd.DataFrame({"v": vid[mask].to_numpy(), "mmsi": obs["mmsi"][mask].to_numpy()})
                if "name" in obs.columns:
                    sub["name"] = obs["name"][mask].to_numpy()
                g = sub.groupby("v", sort=False)
                first_mmsi = g["mmsi"].first()
                first_name = g["name"].agg(lambda s: s.dropna().mode().iloc[0] if s.notna().any() else "") if "name" in sub else None
                for v in want:
                    i = pos[v]
                    if np.isnan(mmsis[i]) and v in first_mmsi.index and pd.notna(first_mmsi[v]):
                        mmsis[i] = float(first_mmsi[v])
                    if not names[i] and first_name is not None and v in first_name.index:
                        names[i] = first_name[v]
    if len(extra) and "vessel_name" in extra.columns:
        for v, nm in zip(extra["vessel_id"], extra["vessel_name"], strict=True):
            if v in pos and not names[pos[v]] and isinstance(nm, str):
                names[pos[v]] = nm
    return names, mmsis


def _order(codes, t, lat, lon, kind, present, szone, sog) -> np.ndarray:
    """Sort by (vessel, time); ties broken by content so input row order never matters."""
    order = np.lexsort((t, codes))
    if len(order) < 2:
        return order
    ts, cs = t[order], codes[order]
    tie = (ts[1:] == ts[:-1]) & (cs[1:] == cs[:-1])
    if tie.any():
        in_tie = np.zeros(len(order), bool)
        in_tie[1:] |= tie
        in_tie[:-1] |= tie
        slots = np.flatnonzero(in_tie)
        sub = order[slots]
        keys = (
            np.nan_to_num(sog[sub], nan=-1.0),
            szone[sub],
            present[sub],
            np.nan_to_num(lon[sub], nan=999.0),
            np.nan_to_num(lat[sub], nan=999.0),
            kind[sub],
            t[sub],
            codes[sub],
        )
        order[slots] = sub[np.lexsort(keys)]
    return order


def _ns(s: pd.Series) -> np.ndarray:
    s = s if s.dtype == schema.TIME_DTYPE else schema.to_utc(s)
    return s.array.asi8 if hasattr(s.array, "asi8") else s.to_numpy().astype("datetime64[ns]").astype(np.int64)


def _f(df: pd.DataFrame, col: str) -> np.ndarray:
    if not len(df):
        return np.empty(0)
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _kind_codes(kind: pd.Series) -> np.ndarray:
    """int8 kind codes (engine.KIND_*) of a kind column, without making Python strings."""
    if not isinstance(kind.dtype, pd.CategoricalDtype):
        kind = kind.astype(schema.KIND_DTYPE)
    lut = np.array([_KIND_CODE.get(str(c), engine.KIND_SIGHTING) for c in kind.cat.categories] + [engine.KIND_SIGHTING], dtype=np.int8)
    codes = kind.cat.codes.to_numpy()
    return lut[np.where(codes >= 0, codes, len(lut) - 1)]


def _reliability(conf: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Per-row reliability: the row's confidence, else the default for its kind."""
    default = np.array([schema.DEFAULT_RELIABILITY[k] for k in ("ais", "sighting", "survey")])
    rel = default[kinds]
    return np.where(np.isfinite(conf), np.clip(conf, 0, 1), rel)


def _zone_codes(extra: pd.DataFrame, zi: ZoneIndex) -> np.ndarray:
    if "port" not in extra.columns:
        return np.full(len(extra), -1, np.int32)
    cache: dict = {}
    out = np.full(len(extra), -1, np.int32)
    for i, (k, p) in enumerate(zip(extra["kind"].astype(str), extra["port"], strict=True)):
        if k == "survey" and isinstance(p, str):
            if p not in cache:
                cache[p] = zi.find(p)
            out[i] = cache[p]
    return out


def _state_codes(carried: pd.DataFrame, zi: ZoneIndex) -> np.ndarray:
    labels = {lab: i for i, lab in enumerate(zi.label)}
    special = {_STATE_LABEL_OUT: OUT, _STATE_LABEL_UNKNOWN: UNKNOWN, "": UNDET}
    out = []
    for s in carried["_state"].fillna(""):
        if s in special:
            out.append(special[s])
        else:
            out.append(labels.get(s, UNKNOWN))  # a zone that no longer exists: start afresh
    return np.asarray(out, dtype=np.int32)


def _state_label(code: int, zi: ZoneIndex) -> str:
    if code >= 0:
        return str(zi.label[code])
    return {OUT: _STATE_LABEL_OUT, UNKNOWN: _STATE_LABEL_UNKNOWN}.get(int(code), "")


def _line(obs: pd.DataFrame, i: int):
    if "src_line" in obs.columns:
        v = obs["src_line"].iloc[i]
        return None if pd.isna(v) else int(v)
    return None


# ----------------------------------------------------------------------------------------------
# outputs


def _quarantine_jumps(ev: _Evidence, res: engine.EngineResult, quarantine: Quarantine) -> None:
    rows = np.flatnonzero(res.status == engine.ROW_JUMP)
    recs = ev.records(rows)
    for j, k in enumerate(rows):
        rec = recs.iloc[j]
        quarantine.add(
            rec.get("src_file") or "<observations>",
            None if pd.isna(rec.get("src_line")) else int(rec["src_line"]),
            "position_jump",
            f"{ev.vessel_ids[ev.arrays.v[k]]}: fix implies {res.jump_speed_kn[k]:.0f} kn from the previous fix and back",
            f"{pd.Timestamp(int(ev.arrays.t[k]), tz='UTC').isoformat()} {ev.arrays.lat[k]:.5f},{ev.arrays.lon[k]:.5f}",
        )


def _describe(rec: dict) -> str:
    """'AIS 2020-06-30T00:05:19Z [file.csv:140]' for an evidence record."""
    kind = str(rec.get("kind"))
    src = rec.get("source")
    src = "" if src is None or pd.isna(src) else str(src)
    label = {"ais": "AIS", "sighting": "sighting", "survey": "survey"}.get(kind, kind)
    if kind == "survey":
        label += " (present)" if rec.get("present") is True else " (absent)"
    if src and src.upper() != "AIS":
        label += f" {src}"
    when = pd.Timestamp(rec["time"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    where = ""
    f = rec.get("src_file")
    if f is not None and not pd.isna(f):
        line = rec.get("src_line")
        where = f" [{f}" + (f":{int(line)}" if line is not None and not pd.isna(line) else "") + "]"
    return f"{label} {when}{where}"


def _window_factor(window_h: float) -> float:
    if window_h <= 1:
        return 1.0
    return max(0.5, 1.0 - 0.1 * np.log2(window_h))


def _events_table(ev: _Evidence, res: engine.EngineResult, zi: ZoneIndex) -> pd.DataFrame:
    rows = []
    e_pos = res.eff  # effective row -> sorted position
    a = ev.arrays
    pos_before = np.array([e_pos[r.before] for r in res.events], dtype=np.int64)
    pos_after = np.array([e_pos[r.after] for r in res.events], dtype=np.int64)
    rec_before = ev.records(pos_before).to_dict("records")
    rec_after = ev.records(pos_after).to_dict("records")
    for j, r in enumerate(res.events):
        before, after = int(pos_before[j]), int(pos_after[j])
        t0, t1 = int(a.t[before]), int(a.t[after])
        window_h = (t1 - t0) / engine.NS_PER_H
        conf = float(a.rel[before] * a.rel[after] * _window_factor(window_h))
        if r.conflict:
            conf *= 0.5
        vid = ev.vessel_ids[r.v]
        key = f"{vid}|{zi.label[r.zone]}|{r.event}|{t1 if r.event == 'departure' else t1}"
        event_id = hashlib.sha1(key.encode()).hexdigest()[:16]
        eb, ea = _describe(rec_before[j]), _describe(rec_after[j])
        if r.event == "departure":
            evidence = f"last in {zi.port[r.zone]}: {eb}; first outside: {ea}"
        else:
            evidence = f"last outside {zi.port[r.zone]}: {eb}; first in: {ea}"
        rows.append(
            {
                "event_id": event_id,
                "vessel_id": vid,
                "vessel_name": ev.vessel_names[r.v],
                "mmsi": ev.vessel_mmsi[r.v],
                "port": zi.port[r.zone],
                "tier": zi.tier[r.zone],
                "event": r.event,
                "time": r.time_ns,
                "time_earliest": t0,
                "time_latest": t1,
                "window_h": round(window_h, 4),
                "confidence": round(conf, 3),
                "time_method": r.method,
                "evidence": evidence,
                "flags": r.conflict,
                "lat": r.lat,
                "lon": r.lon,
            }
        )
    df = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    for c in ("time", "time_earliest", "time_latest"):
        df[c] = pd.to_datetime(df[c].astype("int64"), utc=True).astype(schema.TIME_DTYPE)
    df["mmsi"] = pd.array(df["mmsi"].astype("float64"), dtype="Float64").astype("Int64")
    for c in ("event_id", "vessel_id", "vessel_name", "port", "tier", "event", "time_method", "evidence", "flags"):
        df[c] = df[c].astype("string")
    for c in ("window_h", "confidence", "lat", "lon"):
        df[c] = df[c].astype("float64")
    df["_sig"] = [
        f"{t}|{a_}|{b}|{c}|{f}" for t, a_, b, c, f in zip(df["time"], df["time_earliest"], df["time_latest"], df["confidence"], df["flags"], strict=True)
    ]
    df = df.sort_values(["time", "vessel_id", "event"], kind="stable").reset_index(drop=True)
    return df


def _next_state(ev: _Evidence, res: engine.EngineResult, zi: ZoneIndex, events: pd.DataFrame) -> DetectorState:
    carry = res.carry
    rows = ev.records(carry)
    rows["sog_kn"] = res.carry_sog
    codes = ev.arrays.v[carry]
    rows["vessel_id"] = ev.vessel_ids[codes]
    rows["vessel_name"] = ev.vessel_names[codes]
    rows["_state"] = [_state_label(int(st), zi) for st in res.carry_state]
    if len(rows):
        rows["time"] = pd.to_datetime(rows["time"], utc=True).astype(schema.TIME_DTYPE)
        for c in ("lat", "lon", "sog_kn", "confidence"):
            rows[c] = pd.to_numeric(rows[c], errors="coerce").astype("float64")
    emitted = dict(zip(events["event_id"], events["_sig"], strict=True)) if len(events) else {}
    return DetectorState(rows=rows, emitted=emitted)
