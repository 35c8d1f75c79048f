"""Incremental activity runs (issue 13): state in, batch in -> the same events as one run.

:func:`detect_activity_incremental` re-runs the detectors of
:func:`~navwatch.activity.detect_activity` on a *tail* of the AIS rows read before (kept in
:class:`ActivityState`) plus the new batch, and reconciles what they find with the events
already reported, by ``event_id``: an event is new, changed (same id, another end, confidence,
flag, field...), or *retracted* (re-reported once with the flag ``retracted``: a gap filled by
positions received later). The union of every batch's events, each at its last version,
retracted ones removed, is the table one run over all the data gives.

Horizons (``clock`` = the latest AIS time read so far; hours from :func:`horizons`, derived
from :class:`~navwatch.activity.ActivityParams`):

``before_h``
    how far before an event's start the fixes that decide it reach (the gap's
    ``intentional_window_h`` of positions before it, loitering's ``gap_min_h`` plus two speed
    windows, an encounter's merge gap plus interpolation and speed baseline, ...);
``reach_h``
    how far before a fix an event it creates or changes may start (a loitering of just under
    ``loitering_min_duration_h`` that one more slow fix qualifies, plus ``gap_min_h`` and the
    speed windows; an encounter run merged across ``encounter_merge_gap_h``, ...).

``lookback_h = before_h + reach_h`` (23 h with the defaults: 12 h gap context + 11 h loitering
reach). A row is *late* when its time is before the horizon ``A = clock - late_h`` (``late_h``
defaults to ``lookback_h``): it cannot be judged exactly and goes to the quarantine (code
``late_for_activity``), counted. Per vessel, events starting at or after ``E = min(A -
reach_h, its latest fix, the start of its events still open)`` are *judged* (found again
exactly in the next window: their context is kept; an identity change is judged while its new
value is in the tail); rows from ``T = E - before_h`` are kept, plus the last
:data:`ANCHOR_FIXES` fixes before ``T`` (what came just before: a loitering entered by a jump
after a long silence) and, per MMSI and identity field, the last row with a value (identity
changes compare with the previous value, however old). An event is *open* while a row at or
after the horizon could still change it (its end plus the type's ``after_h`` reaches the
horizon; see :func:`_open`); open events hold ``E`` back to their start, so the tail of an
active vessel is about ``late_h + lookback_h`` of fixes, plus its open events, at most
``max_tail_h`` (an event longer than that is *frozen*: no longer followed, counted in
``stats``). Events no longer judged can no longer change and are forgotten.

Jumps (consecutive fixes implying more than ``spoof_max_speed_kn`` over at least
``spoof_min_displacement_km``) are where the detectors look furthest: spoofing pairs a jump out
with its way back in order from a vessel's first jump, the two-vessel detectors screen out the
fixes between, and displacements of several vessels together form one jamming event. So a
vessel's tail is never cut inside a pair or after a jump not paired yet (:class:`_Jumps`); a
jump not paired yet holds ``E`` at its landing (a displacement may still start there) for its
vessel and the vessels whose jumps may cluster with it; and a spoofing event is judged only
if it starts after the ``E`` of those vessels too (a log of jumps outlives the tails).

First identities (an MMSI's first IMO, call sign and name anywhere in the data resolve its
vessel, as one run does) are remembered per MMSI and put at the head of every window.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ConfigError, StateError
from ..quarantine import Quarantine
from ..registry import Registry, first_identities, identity_table, resolve_ids
from ..zones import ZoneIndex
from .api import DETECTORS, Context, _no_zones, wanted_types
from .integrity import IDENTITY_FIELDS, _value_codes
from .params import EVENT_TYPES, ActivityParams
from .table import COLUMNS, events_table
from .tracks import Tracks, tracks

NS_PER_H = 3600 * 10**9
LATE_CODE = "late_for_activity"
RETRACTED = "retracted"
#: Fixes kept per vessel before its tail: what an event at the tail's start may look back to.
ANCHOR_FIXES = 3
#: Default cap on a vessel's tail (hours): an open event longer than this is no longer followed.
MAX_TAIL_H = 7 * 24.0
_MAGIC = b"NWACTST1"
_VERSION = 1
_NEVER = np.iinfo(np.int64).min  # "no horizon yet": every row and event of a new vessel counts
#: Significant digits of the numbers compared to tell a changed event, spoofing's (see
#: :func:`_keyed`).
SIG_DIGITS, SPOOF_DIGITS = 12, 9

#: The observation columns the detectors read (identity and provenance included).
ROW_COLUMNS = (
    "time",
    "lat",
    "lon",
    "mmsi",
    "imo",
    "callsign",
    "name",
    "vessel",
    "sog_kn",
    "src_file",
    "src_line",
)
_ROW_DTYPES: dict[str, object] = {
    "time": schema.TIME_DTYPE,
    "lat": "float64",
    "lon": "float64",
    "mmsi": "Int64",
    "imo": "Int64",
    "callsign": "string",
    "name": "string",
    "vessel": "string",
    "sog_kn": "float64",
    "src_file": "string",
    "src_line": "Int64",
    "_seq": "int64",
}
_EVENT_DTYPES = {c.name: c.dtype for c in schema.ACTIVITY.columns}
#: The detectors that pair a vessel's jumps (a jump out with its way back).
_PAIRING = frozenset({"spoofing", "encounter", "replenishment"})


# ----------------------------------------------------------------------------------------------
# horizons


@dataclass(frozen=True)
class Horizons:
    """The hours an incremental run looks back (see the module docs), for some event types:
    ``before_h`` (context before an event's start), ``reach_h`` (how far before a fix an event
    it changes may start), ``after_h`` per type (how long after an event's end a row may still
    change it), ``chain_h`` (how long after a jump a tail may not be cut: alternating runs
    chain across ``spoof_max_silence_min``, jamming clusters across ``jamming_window_min``)."""

    before_h: float
    reach_h: float
    after_h: dict[str, float]
    chain_h: float = 0.0

    @property
    def lookback_h(self) -> float:
        return self.before_h + self.reach_h


def horizons(params: ActivityParams | None = None, types: Iterable[str] | None = None) -> Horizons:
    """Context before an event, reach back from a fix, and per type the time after an event's
    end in which a row can still change it, in hours, from the thresholds.

    Examples
    --------
    >>> h = horizons()
    >>> h.before_h, h.reach_h, h.lookback_h
    (12.0, 11.0, 23.0)
    """
    p = params if params is not None else ActivityParams()
    wanted = list(EVENT_TYPES) if types is None else list(types)
    w = p.loitering_speed_window_min / 60.0
    g = p.gap_min_h
    step = p.resample_step_min / 60.0
    step_r = min(p.resample_step_min, p.replenishment_min_duration_min / 6.0) / 60.0 or step
    slots = p.interpolate_max_gap_h + max(p.speed_baseline_min / 60.0, step) + step
    slots_r = p.interpolate_max_gap_h + max(p.speed_baseline_min / 60.0, step_r) + step_r
    tol_r = (p.replenishment_tolerance_slots + 1) * step_r
    spoof = (p.spoof_max_silence_min + 2 * p.spoof_max_interval_min + p.jamming_window_min) / 60
    before = {
        "gap": p.intentional_window_h,
        "loitering": g + 2 * w,
        "encounter": p.encounter_merge_gap_h + slots,
        "replenishment": tol_r + slots_r,
        "spoofing": spoof,
        "identity_change": 0.0,
    }
    reach = {
        "gap": 0.0,
        "loitering": g + 2 * w + p.loitering_min_duration_h,
        "encounter": slots + p.encounter_merge_gap_h + p.encounter_min_duration_h,
        "replenishment": slots_r + tol_r + p.replenishment_min_duration_min / 60.0,
        "spoofing": spoof + p.spoof_min_duration_min / 60.0,
        "identity_change": 0.0,
    }
    after = {**before, "gap": 0.0}
    return Horizons(
        before_h=float(max([before[t] for t in wanted] + [0.0])),
        reach_h=float(max([reach[t] for t in wanted] + [0.0])),
        after_h={t: float(after[t]) for t in wanted},
        chain_h=float(spoof),
    )


def lookback_h(params: ActivityParams | None = None, types: Iterable[str] | None = None) -> float:
    """The longest context any wanted detector needs around a fix (hours): :func:`horizons`'
    ``before_h + reach_h``."""
    return horizons(params, types).lookback_h


# ----------------------------------------------------------------------------------------------
# state


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in _ROW_DTYPES.items()})  # type: ignore[call-overload]


def _empty_identities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mmsi": pd.Series([], dtype="int64"),
            "imo": pd.Series([], dtype="Int64"),
            "callsign": pd.Series([], dtype="string"),
            "name": pd.Series([], dtype="string"),
            "registry": pd.Series([], dtype=bool),
        }
    )


def _empty_vessels() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vessel_id": pd.Series([], dtype="string"),
            **{c: pd.Series([], dtype="int64") for c in ("latest", "judged_from", "kept_from")},
        }
    )


def _empty_jumps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vessel_id": pd.Series([], dtype="string"),
            "t0": pd.Series([], dtype="int64"),
            "t1": pd.Series([], dtype="int64"),
            **{c: pd.Series([], dtype="float64") for c in ("lat0", "lon0", "lat1", "lon1")},
        }
    )


def _empty_events() -> pd.DataFrame:
    out = events_table([])
    out["_key"] = pd.Series([], dtype="string")
    out["_sig"] = pd.Series([], dtype="uint64")
    return out


@dataclass
class ActivityState:
    """What an incremental activity run remembers between batches (see the module docs).

    ``rows``: the tail of AIS rows per vessel (:data:`ROW_COLUMNS` and ``_seq``, the row's
    position in all the data read), the anchor fixes before it and the last row with each
    identity value; ``identities``: per MMSI its first IMO, call sign and name (and whether
    they resolve to a registry vessel); ``vessels``: per vessel its latest time and its
    horizons (``judged_from`` = E, ``kept_from`` = T, ns); ``events``: the events reported that
    may still change (every activity column, ``_key`` = event id and field, ``_sig`` = a hash
    of the row); ``jumps``: the jumps seen (vessel, times and positions of the fixes either
    side) as long as an event about then may still be judged; ``spellings``: every spelling of names and call signs seen (which spelling of
    one name an identity change shows follows their sorted order); ``clock``: the latest AIS
    time read (ns); ``rows_seen``: rows read so far (all kinds); ``config``: the settings the
    state was made with.
    """

    rows: pd.DataFrame = field(default_factory=_empty_rows)
    identities: pd.DataFrame = field(default_factory=_empty_identities)
    vessels: pd.DataFrame = field(default_factory=_empty_vessels)
    events: pd.DataFrame = field(default_factory=_empty_events)
    jumps: pd.DataFrame = field(default_factory=_empty_jumps)
    spellings: dict[str, list[str]] = field(default_factory=dict)
    clock: int | None = None
    rows_seen: int = 0
    config: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def to_bytes(self) -> bytes:
        """One blob for a state database: a header (JSON) and one Parquet file per table."""
        blobs = []
        for name in ("rows", "identities", "vessels", "events", "jumps"):
            buf = io.BytesIO()
            getattr(self, name).reset_index(drop=True).to_parquet(buf, index=False)
            blobs.append((name, buf.getvalue()))
        meta = {
            "version": _VERSION,
            "clock": self.clock,
            "rows_seen": int(self.rows_seen),
            "config": self.config,
            "spellings": self.spellings,
            "parts": [[n, len(b)] for n, b in blobs],
        }
        head = json.dumps(meta).encode()
        return b"".join([_MAGIC, len(head).to_bytes(8, "little"), head, *(b for _, b in blobs)])

    @classmethod
    def from_bytes(cls, b: bytes | None) -> ActivityState:
        """The state :meth:`to_bytes` wrote; None or empty: a fresh state."""
        if not b:
            return cls()
        if not bytes(b[: len(_MAGIC)]) == _MAGIC:
            raise StateError("not an activity state (unknown header)")
        at = len(_MAGIC)
        n = int.from_bytes(b[at : at + 8], "little")
        meta = json.loads(bytes(b[at + 8 : at + 8 + n]))
        if meta.get("version") != _VERSION:
            raise StateError(f"activity state version {meta.get('version')}, expected {_VERSION}")
        at += 8 + n
        parts = {}
        for name, size in meta["parts"]:
            parts[name] = pd.read_parquet(io.BytesIO(bytes(b[at : at + size])))
            at += size
        return cls(
            rows=_conform(parts["rows"], _ROW_DTYPES),
            identities=_conform(parts["identities"], _empty_identities().dtypes.to_dict()),
            vessels=_conform(parts["vessels"], _empty_vessels().dtypes.to_dict()),
            events=_conform(parts["events"], {**_EVENT_DTYPES, "_key": "string", "_sig": "uint64"}),
            jumps=_conform(parts["jumps"], _empty_jumps().dtypes.to_dict()),
            spellings=meta.get("spellings", {}),
            clock=meta["clock"],
            rows_seen=int(meta["rows_seen"]),
            config=meta["config"],
        )


def _conform(df: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    """``df`` with exactly these columns and dtypes (missing ones empty)."""
    out = pd.DataFrame(index=df.index)
    for c, d in dtypes.items():
        out[c] = (df[c] if c in df.columns else _missing(d, df.index)).astype(d)
    return out.reset_index(drop=True)


def _missing(dtype, index) -> pd.Series:
    """An all-missing column of ``dtype``."""
    if str(dtype) in ("float64", "int64", "uint64"):
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.Series(pd.NA, index=index, dtype="string" if dtype is object else dtype)


@dataclass
class ActivityBatch:
    """What :func:`detect_activity_incremental` returns for one batch.

    ``events``: activity rows (:data:`navwatch.schema.ACTIVITY`) new or changed since
    ``state`` (a later row with the same ``event_id`` is an update), and events the batch made
    disappear, re-reported once with ``retracted`` added to ``flags`` and the reason at the end
    of ``evidence``. ``state``: pass it with the next batch. ``stats``: ``rows_in`` (all kinds),
    ``rows_ais``, ``rows_late`` (quarantined as ``late_for_activity``), ``rows_window`` (the
    rows the detectors ran on), ``rows_tail`` (kept in the state), ``vessels`` (in the state),
    ``events_new``, ``events_changed``, ``events_retracted``, ``events_frozen`` (open longer
    than ``max_tail_h``: no longer followed), ``tails_capped`` (vessels whose tail reached it),
    ``events_followed`` (reported events the state still follows).
    """

    events: pd.DataFrame
    state: ActivityState
    stats: dict


# ----------------------------------------------------------------------------------------------
# the run


class _WindowContext(Context):
    """A detector context over a window whose ``row N`` evidence names the row's position in
    all the data read (as one run over it would), not in the window."""

    def __init__(self, *args, seq: np.ndarray, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seq = seq

    def evidence(self, rows, label: str = "") -> list[str]:
        f, ln = self.obs["src_file"], self.obs["src_line"]
        out = []
        for r in rows:
            fr = f.iloc[r]
            where = f"{fr}:{ln.iloc[r]}" if fr is not None and not pd.isna(fr) else None
            out.append(f"{label}{where if where else f'row {self.seq[r]}'}")
        return out


def detect_activity_incremental(
    obs: pd.DataFrame,
    zones=None,
    registry: Registry | None = None,
    *,
    types: Iterable[str] | None = None,
    params: ActivityParams | None = None,
    all_vessels: bool = True,
    state: ActivityState | None = None,
    quarantine: Quarantine | None = None,
    late_h: float | None = None,
    max_tail_h: float = MAX_TAIL_H,
) -> ActivityBatch:
    """Activity events of a new batch of observations, continuing from ``state``.

    Parameters
    ----------
    obs : DataFrame
        The new batch (canonical observations; only AIS rows are used). May be empty.
    zones, registry, types, params, all_vessels
        As for :func:`navwatch.activity.detect_activity`; keep them the same from batch to
        batch (a state made with other ``types``, ``params`` or ``all_vessels`` is refused).
    state : ActivityState, optional
        What the previous call returned (None: the first batch).
    quarantine : Quarantine, optional
        Receives late rows (code ``late_for_activity``); a new one is made if not given.
    late_h : float, optional
        How far behind the latest time read a row may be and still be judged exactly (default
        :func:`lookback_h`, 23 h with the default thresholds). Older rows are quarantined.
    max_tail_h : float
        Cap on one vessel's tail: an event open longer than this is no longer followed.

    Returns
    -------
    ActivityBatch
        ``events`` new, changed or retracted; the next ``state``; ``stats``.

    Examples
    --------
    >>> t = pd.to_datetime(["2024-12-02 00:00", "2024-12-02 01:00", "2024-12-02 08:30"], utc=True)
    >>> obs = pd.DataFrame({"time": t, "lat": [40.0, 40.0, 40.5], "lon": [20.0, 20.1, 20.5],
    ...     "kind": "ais", "mmsi": pd.array([273000001] * 3, dtype="Int64")})
    >>> b1 = detect_activity_incremental(obs.iloc[:2], types=["gap"])
    >>> b2 = detect_activity_incremental(obs.iloc[2:], types=["gap"], state=b1.state)
    >>> len(b1.events), b2.events[["event_type", "duration_h"]].values.tolist()
    (0, [['gap', 7.5]])
    """
    wanted = wanted_types(types)
    p = params if params is not None else ActivityParams()
    hz = horizons(p, wanted)
    late = hz.lookback_h if late_h is None else float(late_h)
    config = json.dumps(
        {"params": {k: float(v) for k, v in p.to_dict().items()}, "types": sorted(wanted),
         "all_vessels": bool(all_vessels),
         "late_h": late, "max_tail_h": float(max_tail_h)},
        sort_keys=True,
    )  # fmt: skip
    st = state if state is not None else ActivityState()
    if st.config and st.config != config:
        raise ConfigError(
            "this activity state was made with other types, thresholds, all_vessels, late_h or "
            "max_tail_h; start from a fresh state (state=None) after changing them"
        )
    q = quarantine if quarantine is not None else Quarantine()
    zi = ZoneIndex.of(zones) if zones is not None else ZoneIndex.of(_no_zones())
    rows, n_in, cats = _batch_rows(obs, st.rows_seen)
    horizon = _NEVER if st.clock is None else st.clock - int(late * NS_PER_H)
    is_late = (rows["time"].array.asi8 < horizon) if len(rows) else np.zeros(0, bool)
    n_late = _quarantine_late(rows[is_late], st, registry, all_vessels, q, horizon, late)
    rows = rows[~is_late]
    run = _Run(st, rows, cats, registry, all_vessels, wanted)
    run.chain_h = hz.chain_h
    found = run.detect(zi, p)
    out, kept, counts = _reconcile(found, run, st)
    clock = _clock(st.clock, rows)
    nxt, cut = _advance(run, kept, hz, clock, late, max_tail_h)
    nxt.config = config
    nxt.rows_seen = st.rows_seen + n_in
    stats = {
        "rows_in": n_in,
        "rows_ais": len(rows) + int(is_late.sum()),
        "rows_late": n_late,
        "rows_window": len(run.body),
        "rows_tail": len(nxt.rows),
        "vessels": len(nxt.vessels),
        **counts,
        **cut,
        "events_followed": len(nxt.events),
    }
    return ActivityBatch(events=out, state=nxt, stats=stats)


def _batch_rows(obs: pd.DataFrame, seq0: int) -> tuple[pd.DataFrame, int, dict[str, list[str]]]:
    """The batch's AIS rows in the state's columns and dtypes, with ``_seq`` (their position in
    all the data read), in their order; the number of rows in the batch; the categories of its
    categorical name and call sign columns."""
    n = len(obs)
    obs = obs.reset_index(drop=True)
    seq = np.arange(seq0, seq0 + n, dtype=np.int64)
    if n and "kind" in obs.columns:
        ais = (obs["kind"] == "ais").to_numpy(dtype=bool, na_value=False)
        obs, seq = obs[ais], seq[ais]
    out = pd.DataFrame(index=obs.index)
    for c in ROW_COLUMNS:
        d = _ROW_DTYPES[c]
        s = obs[c] if c in obs.columns else _missing(d, obs.index)
        if c == "time":
            out[c] = pd.to_datetime(s, utc=True).astype(schema.TIME_DTYPE)
        else:
            out[c] = s.astype(d)  # type: ignore[call-overload]
    out["_seq"] = seq
    cats = {
        c: [str(x) for x in obs[c].cat.categories]
        for c in ("name", "callsign")
        if c in obs.columns and isinstance(obs[c].dtype, pd.CategoricalDtype)
    }
    return out.reset_index(drop=True), n, cats


def _clock(old: int | None, rows: pd.DataFrame) -> int | None:
    if not len(rows):
        return old
    m = int(rows["time"].array.asi8.max())
    return m if old is None else max(old, m)


class _Run:
    """One window: the state's rows and the batch's, headed by one row per MMSI carrying its
    first identities (no position: no fix), and the detectors' results on it."""

    def __init__(self, st: ActivityState, rows: pd.DataFrame, cats, registry, all_vessels, wanted):
        from ..detect.api import resolve_vessel_codes

        self.st, self.registry, self.all_vessels, self.wanted = st, registry, all_vessels, wanted
        body = pd.concat([st.rows, rows], ignore_index=True) if len(rows) else st.rows
        self.body = _conform(body, _ROW_DTYPES)
        self.identities = _merge_identities(st.identities, rows, registry)
        self.spellings = _spellings(st.spellings, rows, cats)
        prefix = _prefix(self.identities, self.body)
        self.n_prefix = len(prefix)
        win = pd.concat([prefix, self.body], ignore_index=True) if len(prefix) else self.body
        win = win.drop(columns="_seq")
        for c in ("name", "callsign"):
            cats_c = set(self.spellings.get(c, [])) | set(win[c].dropna().unique().tolist())
            win[c] = pd.Categorical(win[c], categories=sorted(cats_c))
        self.seq = np.concatenate([np.full(self.n_prefix, -1, np.int64), self.body["_seq"]])
        self.win = win
        ident = win.copy()
        if self.n_prefix:  # identity changes read only the real rows
            for c in ("mmsi", "imo", "name", "callsign"):
                ident.iloc[: self.n_prefix, ident.columns.get_loc(c)] = pd.NA
        self.win_id = ident
        code, ids, _, _ = resolve_vessel_codes(win, registry, all_vessels)
        code = code[self.n_prefix :]
        self.row_vessel = _ids_of(code, ids)
        self.tracked = code >= 0
        self.tracks: Tracks | None = None
        self._jumps: _Jumps | None = None
        self.chain_h = 0.0

    def detect(self, zi: ZoneIndex, p: ActivityParams) -> pd.DataFrame:
        """The wanted detectors' events on the window."""
        tr = tracks(self.win, self.registry, all_vessels=self.all_vessels)
        self.tracks = tr
        self.zi, self.params = zi, p
        ctx = _WindowContext(tr, zi, p, self.win, self.registry, seq=self.seq)
        ctx_id = _WindowContext(tr, zi, p, self.win_id, self.registry, seq=self.seq)
        return events_table(
            DETECTORS[t](ctx_id if t == "identity_change" else ctx)
            for t in EVENT_TYPES
            if t in self.wanted
        )

    def jump_info(self) -> _Jumps:
        """The window's jumps as the detectors pair them (computed once)."""
        if self._jumps is None:
            self._jumps = _jumps(self, self.chain_h)
        return self._jumps

    def next_fix_after(self, vessel_id: str, t_ns: int) -> int | None:
        """Time of the vessel's first fix after ``t_ns`` in the window, or None."""
        tr = self.tracks
        if tr is None:
            return None
        hit = np.flatnonzero(np.asarray(tr.vessel_id, dtype=object) == vessel_id)
        if not len(hit):
            return None
        c = int(hit[0])
        t = tr.t[tr.start[c] : tr.start[c + 1]]
        k = int(np.searchsorted(t, t_ns, side="right"))
        return int(t[k]) if k < len(t) else None


def _ids_of(code: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Vessel id of each vessel code (None for -1: not tracked)."""
    lut = np.empty(len(ids) + 1, dtype=object)
    lut[: len(ids)] = ids
    return lut[code]


def _merge_identities(ident: pd.DataFrame, rows: pd.DataFrame, registry) -> pd.DataFrame:
    """Per MMSI its first IMO, call sign and name anywhere in the data read (a value seen before
    is kept), and whether they resolve to a registry vessel."""
    ok = rows["mmsi"].notna().to_numpy(dtype=bool) if len(rows) else np.zeros(0, bool)
    if not ok.any():
        return ident
    keys = rows["mmsi"].to_numpy(dtype="float64", na_value=np.nan)
    keys = np.where(ok, keys, -1).astype(np.int64)
    first = first_identities(rows, keys, ok)
    mm = pd.Index(np.unique(keys[ok]), dtype="int64")
    old = ident.set_index("mmsi")
    merged = old.reindex(old.index.union(mm))
    for c in IDENTITY_FIELDS:
        if c in first:
            new = first[c].reindex(merged.index).astype(merged[c].dtype)
            merged[c] = merged[c].where(merged[c].notna(), new)
    per = identity_table(
        mm.to_numpy(dtype="float64"), {c: merged.loc[mm, c].dropna() for c in IDENTITY_FIELDS}
    )
    vid, _ = resolve_ids(per, registry)
    reg = merged["registry"].astype("boolean")
    reg.loc[mm] = vid.notna().to_numpy()
    merged["registry"] = reg.fillna(False).astype(bool)
    merged.index.name = "mmsi"
    return merged.reset_index().astype({"mmsi": "int64"})


def _spellings(old: dict[str, list[str]], rows: pd.DataFrame, cats: dict) -> dict[str, list[str]]:
    """Every spelling of names and call signs seen in the batches' categories (the window's
    categories: which spelling of one name an identity change shows follows their order)."""
    out = {}
    for c in ("name", "callsign"):
        s = set(old.get(c, [])) | set(cats.get(c, []))
        s |= set(rows[c].dropna().unique().tolist()) if len(rows) else set()
        out[c] = sorted(str(x) for x in s)
    return out


def _prefix(ident: pd.DataFrame, body: pd.DataFrame) -> pd.DataFrame:
    """One row per MMSI of the window (and per MMSI resolving to a registry vessel) with its
    first identities and no position, to head the window."""
    present = body["mmsi"].dropna().astype("int64").unique()
    use = ident[ident["mmsi"].isin(present) | ident["registry"]]
    if not len(use):
        return _empty_rows()
    t0 = body["time"].min() if len(body) else pd.Timestamp(0, tz="UTC")
    out = pd.DataFrame(
        {
            "time": t0,
            "mmsi": use["mmsi"].to_numpy(),
            **{c: use[c].to_numpy() for c in IDENTITY_FIELDS},
            "_seq": -1,
        }
    )
    return _conform(out, _ROW_DTYPES)


# ----------------------------------------------------------------------------------------------
# reconciling with the events reported before


def _event_vessels(ev: pd.DataFrame) -> list[list[str]]:
    """Per event, its vessels: ``vessel_id`` and ``other_vessel_id``, or the ``vessels`` list
    (a jamming area)."""
    out = []
    for v, o, vs in zip(ev["vessel_id"], ev["other_vessel_id"], ev["vessels"], strict=True):
        if not pd.isna(vs) and str(vs):
            out.append(str(vs).split(";"))
        else:
            out.append([str(x) for x in (v, o) if not pd.isna(x)])
    return out


def _judged(ev: pd.DataFrame, trust: dict, tail: dict, jumps: _Jumps) -> np.ndarray:
    """Which events of a window are judged exactly (see the module docs): starting at or after
    the ``E`` of their vessels (spoofing: and of every vessel that jumped about then, which may
    join a jamming cluster), identity changes whose new value is in the tail."""
    start, end = ev["start"].array.asi8, ev["end"].array.asi8
    out = np.zeros(len(ev), bool)
    for i, (ty, vs) in enumerate(zip(ev["event_type"], _event_vessels(ev), strict=True)):
        if ty == "identity_change":
            out[i] = all(end[i] >= tail.get(u, _NEVER) for u in vs)
            continue
        if ty == "spoofing":
            vs = [*vs, *jumps.near(vs, int(start[i]))]
        out[i] = all(start[i] >= trust.get(u, _NEVER) for u in vs)
    return out


def _keyed(ev: pd.DataFrame) -> pd.DataFrame:
    """``ev`` with ``_key`` (event id and field: two identity changes of one vessel at one time
    share an id) and ``_sig`` (a hash of every column, numbers to :data:`SIG_DIGITS`
    significant digits, spoofing's to :data:`SPOOF_DIGITS`), one row per key.

    Numbers are rounded because two detectors leave their last bits to rows outside an event:
    spoofing takes a displaced stretch's mean position as a difference of running sums over
    every fix before it (about 1e-11 relative), and the two-vessel detectors take an
    encounter's mean position with a pandas group mean, whose last bit depends on the other
    groups. Without rounding, such an event would be re-reported as changed whenever the
    window moved; a change smaller than that is not re-reported."""
    ev = ev.reset_index(drop=True)
    field_ = ev["field"].astype("string").fillna("")
    ev["_key"] = (ev["event_id"].astype("string") + "|" + field_).astype("string")
    ev = ev.drop_duplicates("_key").reset_index(drop=True)
    cols = ev[COLUMNS].copy()
    spoof = (ev["event_type"] == "spoofing").to_numpy(dtype=bool, na_value=False)
    for c in COLUMNS:
        if str(cols[c].dtype) == "float64":
            x = cols[c].to_numpy(dtype="float64")
            cols[c] = np.where(spoof, _round_sig(x, SPOOF_DIGITS), _round_sig(x, SIG_DIGITS))
    ev["_sig"] = pd.util.hash_pandas_object(cols, index=False).to_numpy(np.uint64)
    return ev


def _round_sig(x: np.ndarray, digits: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(np.isfinite(x) & (x != 0), np.floor(np.log10(np.abs(x))), 0.0)
    scale = 10.0 ** (digits - 1 - mag)
    return np.where(np.isfinite(x), np.round(x * scale) / scale, x)


def _vessel_dicts(v: pd.DataFrame) -> tuple[dict, dict]:
    ids = v["vessel_id"].astype(str)
    return (
        dict(zip(ids, v["judged_from"].astype("int64"), strict=True)),
        dict(zip(ids, v["kept_from"].astype("int64"), strict=True)),
    )


def _reconcile(found: pd.DataFrame, run: _Run, st: ActivityState):
    """The rows to report (new, changed, retracted), the judged events with their keys and
    signatures, and counts."""
    trust, tail = _vessel_dicts(st.vessels)
    f = _keyed(found[_judged(found, trust, tail, run.jump_info())])
    prev = st.events
    sig = dict(zip(prev["_key"].astype(str), prev["_sig"], strict=True))
    keys = f["_key"].astype(str)
    known = keys.isin(sig.keys()).to_numpy(dtype=bool)
    old_sig = np.array([sig.get(k, 0) for k in keys], dtype=np.uint64)
    changed = known & (old_sig != f["_sig"].to_numpy(np.uint64))
    gone = prev[~prev["_key"].astype(str).isin(set(keys))]
    out = events_table([f.loc[~known | changed, COLUMNS], _retract(gone, run)])
    counts = {
        "events_new": int((~known).sum()),
        "events_changed": int(changed.sum()),
        "events_retracted": len(gone),
    }
    return out, f, counts


def _retract(gone: pd.DataFrame, run: _Run) -> pd.DataFrame:
    """The last version of events no longer found, ``retracted`` added to ``flags`` and the
    reason to ``evidence``."""
    if not len(gone):
        return pd.DataFrame()
    g = gone[COLUMNS].copy()
    reasons = []
    for ty, vid, s, e in zip(
        g["event_type"], g["vessel_id"], g["start"].array.asi8, g["end"].array.asi8, strict=True
    ):
        nf = None if pd.isna(vid) else run.next_fix_after(str(vid), int(s))
        if ty == "gap" and nf is not None and nf < e:
            reasons.append("positions received later fall inside the silence")
        else:
            reasons.append("no longer found once later or late positions were read")
    g["flags"] = [f"{x};{RETRACTED}" if x else RETRACTED for x in g["flags"].fillna("")]
    g["evidence"] = [
        f"{x}; {RETRACTED}: {r}" if x else f"{RETRACTED}: {r}"
        for x, r in zip(g["evidence"].fillna(""), reasons, strict=True)
    ]
    return g


# ----------------------------------------------------------------------------------------------
# the next state


def _advance(run: _Run, kept, hz: Horizons, clock, late: float, cap: float):
    """The state after this batch (horizons per vessel, the events that may still change, the
    rows they and the next batches need) and counts: events no longer followed because a tail
    reached ``max_tail_h``, tails cut there."""
    nxt = ActivityState(identities=run.identities, spellings=run.spellings, clock=clock)
    if clock is None:  # nothing read yet
        return nxt, {"events_frozen": 0, "tails_capped": 0}
    horizon = clock - int(late * NS_PER_H)
    before, reach = int(hz.before_h * NS_PER_H), int(hz.reach_h * NS_PER_H)
    jumps = run.jump_info()
    latest = _latest(run)
    trust = np.minimum(latest, horizon - reach)
    opened = _open(kept, run, hz, horizon, jumps)
    start = kept["start"].array.asi8
    holds = [  # (time, vessels): an open event, a jump out not paired yet
        (int(start[i]), vs + (jumps.near(vs, int(start[i])) if ty == "spoofing" else []))
        for i, ty, vs in zip(
            range(len(kept)), kept["event_type"], _event_vessels(kept), strict=True
        )
        if opened[i]
    ]
    holds += [(t, [v, *jumps.near([v], t)]) for v, t in jumps.unpaired]
    for t, vs in holds:
        for u in vs:
            if u in trust.index:
                trust[u] = min(trust[u], t)
    old_tail = run.st.vessels.set_index("vessel_id")["kept_from"].astype("Int64")
    old_tail = old_tail.reindex(trust.index).fillna(_NEVER).astype("int64")
    tail = _safe_cuts(run, np.maximum(trust - before, old_tail), old_tail, jumps)
    capped = tail < latest - int(cap * NS_PER_H)
    tail = tail.where(~capped, latest - int(cap * NS_PER_H))
    trust = np.maximum(trust, tail + before)
    nxt.vessels = pd.DataFrame(
        {
            "vessel_id": trust.index.astype("string"),
            "latest": latest.to_numpy(np.int64),
            "judged_from": trust.to_numpy(np.int64),
            "kept_from": tail.to_numpy(np.int64),
        }
    )
    keep = _judged(kept, trust.to_dict(), tail.to_dict(), jumps)
    nxt.events = kept[keep].reset_index(drop=True)
    nxt.rows = _prune_rows(run, tail)
    nxt.jumps = _jumps_to_keep(jumps, trust, latest)
    return nxt, {"events_frozen": int((opened & ~keep).sum()), "tails_capped": int(capped.sum())}


def _jumps_to_keep(jumps: _Jumps, trust: pd.Series, latest: pd.Series) -> pd.DataFrame:
    """The jumps a later window may need to judge a spoofing event: those landing about the
    time some vessel's events are still judged (from its ``E`` to its latest fix)."""
    log = jumps.log[list(_empty_jumps().columns)]
    if not len(log):
        return log.reset_index(drop=True)
    lo = trust.to_numpy(np.int64) - jumps.chain
    hi = np.maximum(latest.to_numpy(np.int64), trust.to_numpy(np.int64)) + jumps.chain
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], np.maximum.accumulate(hi[order])  # reach of the intervals so far
    t = log["t1"].to_numpy(np.int64)
    k = np.searchsorted(lo, t, side="right") - 1
    inside = (k >= 0) & (t <= hi[np.maximum(k, 0)])
    return log[inside].reset_index(drop=True)


def _safe_cuts(run: _Run, tail: pd.Series, old_tail: pd.Series, jumps: _Jumps) -> pd.Series:
    """``tail`` moved back, per vessel, to where the next window pairs its jumps as one run
    over all the data does (see :class:`_Jumps`)."""
    tr = run.tracks
    if tr is None or not jumps.spans:
        return tail
    out = tail.copy()
    code_of = {str(v): c for c, v in enumerate(tr.vessel_id)}
    for vid in tail.index[tail > old_tail]:
        c = code_of.get(str(vid))
        if c is None or c not in jumps.spans:
            continue
        lo, hi = int(tr.start[c]), int(tr.start[c + 1])
        f = lo + int(np.searchsorted(tr.t[lo:hi], tail[vid], side="left"))
        w = f - ANCHOR_FIXES  # the window would start at its earliest anchor
        spans = jumps.spans[c]
        moved = True
        while moved and w >= lo:
            hit = [a for a, b in spans if a <= w <= b]
            moved = bool(hit)
            if hit:
                w = min(hit) - 1
        if w + ANCHOR_FIXES < f:
            k = w + ANCHOR_FIXES
            out[vid] = max(int(old_tail[vid]), int(tr.t[k]) if lo <= k < hi else old_tail[vid])
    return out


@dataclass
class _Jumps:
    """A window's jumps as the detectors pair them.

    The spoofing detector pairs a jump out with its way back in order from a vessel's first
    jump, and so does the two-vessel detectors' screen of displaced fixes: a window starting
    between the two, or after a jump out not paired yet, would pair its jumps differently
    from there on. ``spans``: per vessel code, the fix indices a window may not start at (its
    earliest anchor): inside a pair, an alternating run or a stretch screened out; after a jump
    still unpaired; with a jump among its anchors or within ``chain`` before it (runs chain and
    jamming clusters grow over that long). ``unpaired``: (vessel id, landing time) of jumps
    not paired yet: a displacement may still start there. ``log``: the window's jumps and
    those of windows before (a vessel's jumps are remembered after its tail has moved past
    them), with ``group`` (:func:`_groups`): whose displacements may form a jamming
    cluster."""

    spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    unpaired: list[tuple[str, int]] = field(default_factory=list)
    chain: int = 0
    log: pd.DataFrame = field(default_factory=_empty_jumps)

    def near(self, vessels: list[str], t: int) -> list[str]:
        """The vessels whose jumps are grouped with the jump of one of ``vessels`` landing at
        ``t`` (where a displacement, an alternating run or a jamming cluster starts): they may
        form a jamming cluster together."""
        log = self.log
        if not len(log) or "group" not in log.columns:
            return []
        mine = log["vessel_id"].isin(vessels).to_numpy(dtype=bool)
        groups = set(log.loc[mine & (log["t1"].to_numpy(np.int64) == t), "group"].tolist())
        return sorted(set(log.loc[log["group"].isin(groups), "vessel_id"].astype(str)))


def _jumps(run: _Run, chain_h: float) -> _Jumps:
    """The window's :class:`_Jumps` (none when no detector that pairs jumps is run)."""
    from .integrity import _segments, jump_pairing
    from .pairs import _screened

    tr, p = run.tracks, run.params
    if tr is None or len(tr) < 3 or not (_PAIRING & set(run.wanted)):
        return _Jumps(log=run.st.jumps)
    chain = int(chain_h * NS_PER_H)
    seg = _segments(tr)
    jump = (
        seg["same"] & (seg["d"] >= p.spoof_min_displacement_km) & (seg["v"] > p.spoof_max_speed_kn)
    )
    ks = np.flatnonzero(jump)
    new = {"vessel_id": tr.vessel_id[tr.code[ks]], "t0": tr.t[ks], "t1": tr.t[ks + 1]}
    new |= {"lat0": tr.lat[ks], "lon0": tr.lon[ks], "lat1": tr.lat[ks + 1], "lon1": tr.lon[ks + 1]}
    log = pd.concat(
        [run.st.jumps, pd.DataFrame(new).astype(_empty_jumps().dtypes.to_dict())],
        ignore_index=True,
    ).drop_duplicates(ignore_index=True)
    window = int(p.jamming_window_min * 60 * 10**9) + 10**9
    log["group"] = _groups(log, window, 2 * p.jamming_max_distance_km)
    if not len(ks):
        return _Jumps(chain=chain, log=log)
    js = jump_pairing(tr, p)  # indexed in the tracks without edge glitches: map them back
    fix = js.kept
    conflict = np.zeros(len(jump), bool)
    for q in np.flatnonzero(js.conflict).tolist():
        conflict[fix[q] : fix[q + 1]] = True
    disp = {"k0": fix[js.disp["k0"]], "k1": fix[js.disp["k1"]]}
    spans = [(int(a) + 1, int(b)) for a, b in zip(disp["k0"], disp["k1"], strict=True)]
    spans += [(int(fix[r[0] + 1]), int(fix[r[-1]])) for r in js.runs]
    inside = np.zeros(len(tr), bool)
    for a, b in spans:
        inside[a : b + 1] = True
    kept = np.isin(tr.row, _screened(Context(tr, run.zi, p, run.win, run.registry)).row)
    spans += _screened_out(tr, kept)
    paired_out = set(disp["k0"].tolist())
    end = np.append(tr.start[1:], len(tr))[tr.code]  # per fix, one past its vessel's last fix
    unpaired = []
    for k in ks.tolist():
        out_alone = not (conflict[k] or inside[k] or k in paired_out)
        if out_alone or (kept[k] and kept[k + 1]):
            spans.append((k + 1, int(end[k])))
            unpaired.append((str(tr.vessel_id[tr.code[k]]), int(tr.t[k + 1])))
        last = k + 1 + int(np.searchsorted(tr.t[k + 1 : end[k]], tr.t[k + 1] + chain, side="left"))
        spans.append((k + 1, max(k + 1 + ANCHOR_FIXES, last)))
    by_code: dict[int, list[tuple[int, int]]] = {}
    for a, b in spans:
        by_code.setdefault(int(tr.code[min(a, len(tr) - 1)]), []).append((a, b))
    return _Jumps(by_code, unpaired, chain, log)


def _screened_out(tr: Tracks, kept: np.ndarray) -> list[tuple[int, int]]:
    """Runs of fixes the two-vessel detectors' screen left out (a jump out before the first,
    the way back after the last), as fix index ranges."""
    dropped = np.flatnonzero(~kept)
    if not len(dropped):
        return []
    brk = np.flatnonzero((np.diff(dropped) != 1) | (tr.code[dropped[1:]] != tr.code[dropped[:-1]]))
    starts, ends = np.r_[dropped[0], dropped[brk + 1]], np.r_[dropped[brk], dropped[-1]]
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _groups(log: pd.DataFrame, window: int, max_km: float) -> np.ndarray:
    """Group number of each jump, as the spoofing detector chains displacements into jamming
    clusters, widened: jumps landing less than ``window`` apart, an end of one within
    ``max_km`` of an end of the other, chained."""
    from ..geodesy import distance_km
    from .integrity import _components

    n = len(log)
    if n < 2:
        return np.arange(n)
    order = np.argsort(log["t1"].to_numpy(np.int64), kind="stable")
    t1 = log["t1"].to_numpy(np.int64)[order]
    lat0, lon0, lat1, lon1 = (
        log[c].to_numpy(float)[order] for c in ("lat0", "lon0", "lat1", "lon1")
    )
    ends = ((lat0, lon0), (lat1, lon1))
    a_list, b_list = [], []
    for i in range(n):  # jumps are few: pairs within the window only
        j = np.arange(i + 1, int(np.searchsorted(t1, t1[i] + window, side="right")))
        if not len(j):
            continue
        d = np.full(len(j), np.inf)
        for la, lo in ends:
            for lb, ob in ends:
                d = np.fmin(d, distance_km(la[i], lo[i], lb[j], ob[j]))
        near = j[d <= max_km]
        a_list.append(np.full(len(near), i))
        b_list.append(near)
    label = np.arange(n)
    if a_list:
        label = _components(n, np.concatenate(a_list), np.concatenate(b_list))
    out = np.empty(n, np.int64)
    out[order] = label
    return out


def _latest(run: _Run) -> pd.Series:
    """Per vessel of the window, the time of its latest fix (of its latest row without one)."""
    b = run.body
    t = b["time"].array.asi8[run.tracked]
    v = run.row_vessel[run.tracked]
    fix = np.isfinite(b["lat"].to_numpy(float)) & np.isfinite(b["lon"].to_numpy(float))
    df = pd.DataFrame({"v": v.astype(str), "t": t, "fix": fix[run.tracked]})
    any_row = df.groupby("v", sort=True)["t"].max()
    with_fix = df[df["fix"]].groupby("v", sort=True)["t"].max()
    with_fix = with_fix.astype("Int64").reindex(any_row.index)  # int64 ns: never via floats
    return with_fix.fillna(any_row.astype("Int64")).astype("int64")


def _open(kept: pd.DataFrame, run: _Run, hz: Horizons, horizon: int, jumps: _Jumps) -> np.ndarray:
    """Which events a row at or after the horizon could still change: their end plus the
    type's ``after`` time reaches it; a loitering also while its vessel has no fix since its end
    before the horizon (the fix that ends it decides whether it was left by a jump); a
    two-vessel event also while one of its vessels has a jump before its end not paired yet
    (the way back would screen out the fixes between)."""
    out = np.zeros(len(kept), bool)
    end = kept["end"].array.asi8
    out_since: dict[str, int] = {}
    for v, t in jumps.unpaired:
        out_since[v] = min(t, out_since.get(v, t))
    vessels = _event_vessels(kept)
    for i, (ty, vid) in enumerate(zip(kept["event_type"], kept["vessel_id"], strict=True)):
        if ty == "identity_change":
            continue
        out[i] = end[i] + int(hz.after_h.get(str(ty), 0.0) * NS_PER_H) >= horizon
        if not out[i] and ty == "loitering":
            nf = run.next_fix_after(str(vid), int(end[i]))
            out[i] = nf is None or nf >= horizon
        if not out[i] and ty in ("encounter", "replenishment"):
            out[i] = any(out_since.get(u, end[i] + 1) <= end[i] for u in vessels[i])
    return out


def _prune_rows(run: _Run, tail: pd.Series) -> pd.DataFrame:
    """The rows the next window needs: each vessel's rows from its tail start, its last
    :data:`ANCHOR_FIXES` fixes before it (and each MMSI's last fix), and per MMSI and identity
    field the last row with a value (kept without its position unless it is an anchor fix)."""
    b = run.body
    v = run.row_vessel
    t = b["time"].array.asi8
    at = pd.Index(tail.index.astype(str)).get_indexer(pd.Index(v.astype(str)))
    cut = np.where(at >= 0, tail.to_numpy(np.int64)[at], np.iinfo(np.int64).max)
    in_tail = run.tracked & (t >= cut)
    old = run.tracked & ~in_tail
    fix = np.isfinite(b["lat"].to_numpy(float)) & np.isfinite(b["lon"].to_numpy(float))
    by_time = np.argsort(t, kind="stable")  # rows are in the order read: ties stay in it
    mmsi = b["mmsi"].to_numpy(dtype="float64", na_value=np.nan)
    anchor = np.zeros(len(b), bool)
    i = by_time[(old & fix)[by_time]]
    anchor[pd.Series(i).groupby(v[i]).tail(ANCHOR_FIXES).to_numpy(dtype=np.int64)] = True
    i = by_time[(old & fix & np.isfinite(mmsi))[by_time]]
    anchor[pd.Series(i).groupby(mmsi[i]).tail(1).to_numpy(dtype=np.int64)] = True
    ident = np.zeros(len(b), bool)
    for c in IDENTITY_FIELDS:
        has = _value_codes(b[c], c)[0] >= 0
        i = by_time[(old & has & np.isfinite(mmsi))[by_time]]
        ident[pd.Series(i).groupby(mmsi[i]).tail(1).to_numpy(dtype=np.int64)] = True
    keep = in_tail | anchor | ident
    out = b[keep].copy()
    strip = (ident & ~anchor & ~in_tail)[keep]
    out.loc[strip, ["lat", "lon", "sog_kn"]] = np.nan
    return out.reset_index(drop=True)


def _quarantine_late(
    late_rows: pd.DataFrame, st: ActivityState, registry, all_vessels, q: Quarantine,
    horizon: int, late_h: float,
) -> int:  # fmt: skip
    """Send the late rows of tracked vessels to the quarantine; their count."""
    from ..detect.api import resolve_vessel_codes

    if not len(late_rows):
        return 0
    prefix = _prefix(st.identities, late_rows)
    win = pd.concat([prefix, late_rows], ignore_index=True) if len(prefix) else late_rows
    code, ids, _, _ = resolve_vessel_codes(win.drop(columns="_seq"), registry, all_vessels)
    code = code[len(prefix) :]
    rows = late_rows[code >= 0]
    vessel = _ids_of(code[code >= 0], ids)
    when = pd.Timestamp(horizon, tz="UTC").isoformat()
    hours = (horizon - rows["time"].array.asi8) / NS_PER_H
    q.add_frame(
        pd.DataFrame(
            {
                "file": rows["src_file"].fillna("<activity batch>").astype(str).to_numpy(),
                "line": rows["src_line"].astype("Int64").to_numpy(),
                "code": LATE_CODE,
                "reason": [
                    f"{vid}: position {h:.2f} h before the activity horizon {when} (the latest "
                    f"time read minus late_h {late_h:g} h): too late to judge incrementally"
                    for vid, h in zip(vessel, hours, strict=True)
                ],
                "raw": [
                    f"{tm.isoformat()},{la},{lo},{m}"
                    for tm, la, lo, m in zip(
                        rows["time"], rows["lat"], rows["lon"], rows["mmsi"], strict=True
                    )
                ],
            }
        )
    )
    return len(rows)
