"""Out-of-core detection: archives larger than memory on one machine.

Vessels are independent, so the archive is split by vessel and each part is detected in turn:

1. **Spill.** Every input is read in bounded batches (Parquet files and datasets stream by row
   batches; other formats are read one file at a time) and each AIS row goes to one of ``B``
   buckets by a hash of its MMSI, written as Parquet under a work folder. Rows with no MMSI and
   all sightings and port surveys (small by nature) are kept aside. The first IMO, call sign and
   name of every MMSI are collected on the way.
2. **Plan.** MMSIs are resolved to vessels exactly as in memory; buckets holding MMSIs of the
   same registry vessel are merged into one job.
3. **Detect.** Each job reads its buckets plus the evidence kept aside and runs
   :func:`~navwatch.detect.detect_port_events` restricted to its vessels. Events, quarantine and
   counts are merged; evidence rows given to every job are quarantined once.

The number of buckets follows from ``memory_limit_mb``: a job holds about
:data:`BYTES_PER_ROW` bytes per row at its peak, so ``B = ceil(rows * BYTES_PER_ROW / limit)``.
The events are the same as the in-memory path's (a test checks it on data with faults).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import schema
from ..detect import Detection, DetectorState, DetectParams, detect_port_events
from ..detect.api import empty_events, empty_state_rows, empty_visits, resolve_vessel_codes
from ..io import detect_format, read_file
from ..io.tables import iter_parquet
from ..quarantine import Quarantine
from ..registry import Registry, first_identities, identity_table, merge_identities, resolve_ids
from ..zones import ZoneIndex

#: Peak working memory of one detection job per input row (measured about 320 B/row: the
#: observation table, reading and detection), plus about 130 MB fixed per process.
BYTES_PER_ROW = 350

_EVIDENCE_FORMATS = {"sightings", "surveys"}


@dataclass
class PartitionPlan:
    """How an archive was split: bucket count, rows per bucket and the jobs (bucket groups)."""

    buckets: int
    rows_per_bucket: list[int]
    jobs: list[list[int]]


def bucket_of(mmsi: np.ndarray, buckets: int) -> np.ndarray:
    """Bucket of each MMSI: a multiplicative hash, so neighbouring MMSIs spread out.

    Examples
    --------
    >>> bucket_of(np.array([273547800, 273547801]), 8).tolist()
    [0, 1]
    """
    h = (np.asarray(mmsi, dtype=np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)
    return (h % np.uint64(buckets)).astype(np.int64)


def estimate_rows(paths: Sequence[Path]) -> int:
    """Rough row count of the inputs: Parquet metadata, else file size / 80 bytes per line."""
    total = 0
    for p in paths:
        files = sorted(p.rglob("*.parquet")) if p.is_dir() else [p]
        for f in files:
            try:
                total += pq.ParquetFile(f).metadata.num_rows
            except (OSError, pa.ArrowException):
                total += max(1, f.stat().st_size // 80)
    return total


def detect_partitioned(
    inputs: Iterable[str | Path],
    zones,
    registry: Registry | None = None,
    *,
    params: DetectParams | None = None,
    all_vessels: bool = False,
    memory_limit_mb: float = 2048,
    buckets: int | None = None,
    workdir: str | Path | None = None,
    quarantine: Quarantine | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    with_states: bool = False,
) -> Detection:
    """Detect port events over inputs larger than memory, one group of vessels at a time.

    Parameters
    ----------
    inputs : paths
        Files or Parquet dataset folders of any format :func:`navwatch.read_observations` reads.
    memory_limit_mb : float
        Working-memory budget of one detection job; sets the number of buckets.
    buckets : int, optional
        Force the number of buckets instead.
    workdir : path, optional
        Where buckets are spilled (default: a temporary folder, removed afterwards).
    progress : callable, optional
        ``progress(stage, i, n)`` with stage ``"spill"`` (per input) or ``"detect"`` (per job).
    with_states : bool
        Also return ``states`` (as :func:`~navwatch.detect.detect_port_events`: the jobs'
        states, in the same order as a run in memory). They are held in memory: about the
        size of the evidence rows used.

    Returns
    -------
    Detection
        As :func:`~navwatch.detect.detect_port_events`; ``stats`` also has ``buckets``,
        ``jobs`` and ``max_job_rows``.
    """
    params = params or DetectParams()
    quarantine = quarantine if quarantine is not None else Quarantine()
    paths = [Path(p) for p in inputs]
    zi = ZoneIndex.of(zones, params.exit_margin_km)
    if buckets is None:
        buckets = max(1, math.ceil(estimate_rows(paths) * BYTES_PER_ROW / (memory_limit_mb * 1e6)))
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="navwatch-spill-")) if workdir is None else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        spill = _Spill(work, buckets)
        for i, path in enumerate(paths):
            if progress is not None:
                progress("spill", i, len(paths))
            for batch in _batches(path, quarantine):
                spill.add(batch)
        plan = spill.plan(registry, all_vessels)
        return _run_jobs(
            spill, plan, zi, registry, params, all_vessels, quarantine, progress, with_states
        )
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def _batches(path: Path, quarantine: Quarantine) -> Iterator[pd.DataFrame]:
    """The canonical rows of one input, in batches when it is Parquet; only the columns the
    analyses read (:data:`navwatch.schema.ANALYSIS_COLUMNS`)."""
    fmt = detect_format(path)
    if fmt == "parquet":
        yield from iter_parquet(path, quarantine=quarantine, columns=schema.ANALYSIS_COLUMNS)
    else:
        yield read_file(path, fmt, quarantine=quarantine, columns=schema.ANALYSIS_COLUMNS)


class _Spill:
    """Buckets of AIS rows on disk, evidence kept aside, and the identity of every MMSI."""

    def __init__(self, work: Path, buckets: int):
        self.work = work
        self.buckets = buckets
        self.rows = [0] * buckets
        self.parts = [0] * buckets
        self.aside: list[pd.DataFrame] = []
        self.identity: dict[str, pd.Series] = {}
        self.rows_in = 0
        self.mmsis: set[int] = set()
        self.unmatched_aside = 0  # rows kept aside that resolve to no vessel (set once read)

    def add(self, df: pd.DataFrame) -> None:
        self.rows_in += len(df)
        ais = (
            (df["kind"] == "ais").to_numpy(bool) if "kind" in df.columns else np.ones(len(df), bool)
        )
        has_mmsi = (
            df["mmsi"].notna().to_numpy() if "mmsi" in df.columns else np.zeros(len(df), bool)
        )
        spill = ais & has_mmsi
        if (~spill).any():
            self.aside.append(df[~spill])
        if not spill.any():
            return
        df = df[spill] if not spill.all() else df
        mmsi = df["mmsi"].to_numpy(dtype=np.int64)
        self.mmsis.update(pd.unique(mmsi).tolist())
        merge_identities(self.identity, first_identities(df, mmsi))  # each MMSI's first, anywhere
        b = bucket_of(mmsi, self.buckets)
        order = np.argsort(b, kind="stable")
        bounds = np.searchsorted(b[order], np.arange(self.buckets + 1))
        for k in range(self.buckets):
            lo, hi = bounds[k], bounds[k + 1]
            if hi > lo:
                part = df.iloc[order[lo:hi]]
                folder = self.work / f"bucket={k:05d}"
                folder.mkdir(exist_ok=True)
                part.to_parquet(folder / f"part-{self.parts[k]:06d}.parquet", index=False)
                self.parts[k] += 1
                self.rows[k] += hi - lo

    def read(self, k: int) -> pd.DataFrame:
        folder = self.work / f"bucket={k:05d}"
        frames = (
            [pd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))]
            if folder.exists()
            else []
        )
        return schema.concat([schema.conform(f) for f in frames]) if frames else schema.empty()

    def evidence(self) -> pd.DataFrame:
        return schema.concat(self.aside) if self.aside else schema.empty()

    def plan(self, registry: Registry | None, all_vessels: bool) -> PartitionPlan:
        """Resolve every MMSI to its vessel and merge buckets that share a vessel."""
        per = identity_table(np.array(sorted(self.mmsis), dtype=np.int64), self.identity)
        vid, _ = resolve_ids(per, registry)
        parent = list(range(self.buckets))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        first_bucket: dict[str, int] = {}
        b = (
            bucket_of(per["mmsi"].to_numpy(dtype=np.int64), self.buckets)
            if len(per)
            else np.empty(0, np.int64)
        )
        for v, k in zip(vid, b, strict=True):
            if v is None or pd.isna(v):
                continue
            if v in first_bucket:
                parent[find(int(k))] = find(first_bucket[v])
            else:
                first_bucket[v] = int(k)
        groups: dict[int, list[int]] = {}
        for k in range(self.buckets):
            groups.setdefault(find(k), []).append(k)
        self.vessel_bucket = {v: find(k) for v, k in first_bucket.items()}
        jobs = [g for g in groups.values() if sum(self.rows[k] for k in g) > 0]
        return PartitionPlan(self.buckets, list(self.rows), jobs or [[0]])


def _run_jobs(
    spill: _Spill,
    plan: PartitionPlan,
    zi,
    registry,
    params,
    all_vessels,
    quarantine,
    progress,
    with_states=False,
) -> Detection:
    evidence = spill.evidence()
    spill.unmatched_aside = _unmatched(evidence, registry, all_vessels)
    root_of = {k: min(job) for job in plan.jobs for k in job}
    first_root = min(plan.jobs[0])
    results = []
    for j, job in enumerate(plan.jobs):
        if progress is not None:
            progress("detect", j, len(plan.jobs))
        mine = VesselsOf(min(job), first_root, plan.buckets, root_of, spill.vessel_bucket)
        results.append(
            run_job(
                [spill.read(k) for k in job],
                evidence,
                zi,
                registry,
                params,
                all_vessels,
                mine,
                with_states=with_states,
            )
        )
    return merge_jobs(results, spill, plan, quarantine)


@dataclass
class VesselsOf:
    """``vessels=`` filter of one job: the vessels whose MMSIs hash into the job's buckets
    (registry vessels by the bucket their MMSIs were merged into); vessels known only from
    sightings and surveys go to the first job."""

    root: int
    first_root: int
    buckets: int
    root_of: dict[int, int]
    vessel_bucket: dict[str, int]

    def __call__(self, v: str) -> bool:
        k = self.vessel_bucket.get(v)
        if k is not None:
            return self.root_of[k] == self.root
        if v.startswith("mmsi:"):
            return (
                self.root_of[int(bucket_of(np.array([int(v[5:])]), self.buckets)[0])] == self.root
            )
        return self.root == self.first_root


def run_job(
    pieces: list[pd.DataFrame],
    evidence: pd.DataFrame,
    zi,
    registry,
    params: DetectParams,
    all_vessels: bool,
    vessels: Callable[[str], bool],
    output: str | None = None,
    with_states: bool = False,
) -> dict:
    """Detect one job: its bucket frames plus the evidence kept aside, restricted to ``vessels``.

    Returns the job's events, carried state rows and emitted events, stats, its quarantine
    split into position jumps (the job's own rows) and the rest (evidence every job was given),
    and with ``with_states`` its ``states`` (else None).
    """
    obs = schema.concat([*pieces, evidence])
    q = Quarantine()
    det = detect_port_events(
        obs,
        zi,
        registry,
        params=params,
        all_vessels=all_vessels,
        quarantine=q,
        vessels=vessels,
        with_states=with_states,
    )
    del obs
    qf = q.to_frame()
    jumps = (qf["code"] == "position_jump").to_numpy(bool)
    if output is not None and len(det.events):
        from ..io.writers import write_table

        write_table(det.events, output, table="events")
    return {
        "events": det.events,
        "visits": det.visits,
        "rows": det.state.rows,
        "emitted": det.state.emitted,
        "stats": det.stats,
        "jumps": qf[jumps],
        "evidence_q": qf[~jumps],
        "states": det.states,
    }


def merge_jobs(
    results: list[dict], spill: _Spill, plan: PartitionPlan, quarantine: Quarantine
) -> Detection:
    """One :class:`Detection` from the jobs' results, as :func:`detect_partitioned` merges them:
    position jumps from every job, the evidence's quarantine entries once, counts summed (rows
    kept aside counted once)."""
    evidence_q = Quarantine()
    for r in results:
        quarantine.add_frame(r["jumps"])
        evidence_q.add_frame(r["evidence_q"])
    eq = evidence_q.to_frame()
    if len(eq):
        quarantine.add_frame(eq.drop_duplicates().reset_index(drop=True))
    ev = pd.concat([r["events"] for r in results], ignore_index=True) if results else empty_events()
    ev = ev.sort_values(_EVENT_SORT, kind="stable").reset_index(drop=True)
    rows = (
        pd.concat([r["rows"] for r in results], ignore_index=True)
        if results
        else empty_state_rows()
    )
    emitted = [r["emitted"] for r in results if len(r["emitted"])]
    state = DetectorState(rows=rows)
    if emitted:
        state.emitted = (
            pd.concat(emitted, ignore_index=True)
            .sort_values(_EVENT_SORT, kind="stable")
            .reset_index(drop=True)
        )
    stats = _merge_stats([r["stats"] for r in results], spill, plan)
    vis = [r["visits"] for r in results if r.get("visits") is not None]
    visits = pd.concat(vis, ignore_index=True) if vis else empty_visits()
    visits = visits.sort_values(["start", "vessel_id", "port", "tier"], kind="stable").reset_index(
        drop=True
    )
    return Detection(
        events=ev,
        state=state,
        stats=stats,
        quarantine=quarantine,
        visits=visits,
        states=_merge_states(results),
    )


def _merge_states(results: list[dict]) -> pd.DataFrame | None:
    """The jobs' ``states`` in the order of a run in memory: by vessel id (each vessel is
    detected by one job, its rows already in order), or None if the jobs made none."""
    parts = [r["states"] for r in results if r.get("states") is not None]
    if not parts:
        return None
    # a job without evidence rows has an empty table of untyped columns: it must not widen dtypes
    st = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    order = np.argsort(st["vessel_id"].to_numpy(dtype=str, na_value=""), kind="stable")
    st = st.iloc[order].reset_index(drop=True)
    return st


_EVENT_SORT = ["time", "vessel_id", "event"]


def _unmatched(obs: pd.DataFrame, registry, all_vessels: bool) -> int:
    """Rows (other than sightings and surveys) that resolve to no vessel."""
    if not len(obs):
        return 0
    code = resolve_vessel_codes(obs, registry, all_vessels)[0]
    kind = obs["kind"].astype(str).to_numpy()
    return int(np.sum((code < 0) & (kind == "ais")))


def _merge_stats(stats_list: list[dict], spill: _Spill, plan: PartitionPlan) -> dict:
    summed = (
        "rows_unmatched",
        "duplicates",
        "position_jumps",
        "held_for_next_fix",
        "transits",
        "pending_visits",
        "events",
        "departures",
        "arrivals",
        "vessels",
        "visits",
    )
    once = ("sightings_unattributed", "survey_unknown_tokens")
    out: dict = {"rows_in": spill.rows_in}
    for k in summed:
        out[k] = int(sum(s.get(k, 0) for s in stats_list))
    n_aside = len(spill.evidence())
    # rows kept aside that match no vessel were counted as unmatched by every job: once only
    out["rows_unmatched"] -= (len(stats_list) - 1) * spill.unmatched_aside
    for k in once:
        if any(k in s for s in stats_list):
            out[k] = max(s.get(k, 0) for s in stats_list)
    out["buckets"] = plan.buckets
    out["jobs"] = len(plan.jobs)
    out["max_job_rows"] = int(
        max((sum(plan.rows_per_bucket[k] for k in job) for job in plan.jobs), default=0) + n_aside
    )
    return out
