"""Distributed detection on a Dask cluster (``pip install navwatch[dask]``).

The same split as the out-of-core engine (:mod:`navwatch.scale.partition`), with the work done by
the workers of a ``distributed`` cluster and the data kept in their memory (Dask spills it to disk
when a worker runs short):

1. **Read.** Every input is one read task (a Parquet dataset folder is split into one task per
   part file when that reads exactly as the folder does). A task reads with navwatch's own
   readers (same validation, quarantine and ``src_file``/``src_line`` as in memory) and routes
   each AIS row to one of ``B`` buckets by :func:`~navwatch.scale.bucket_of` of its MMSI; rows
   with no MMSI, sightings and surveys are kept aside. It returns a small summary (row counts per
   bucket, the MMSIs and their first IMO, call sign and name, the quarantine, the rows kept
   aside) and one frame per bucket, both left on the worker.
2. **Plan.** The client merges the summaries in input order and plans exactly as the
   out-of-core engine (:meth:`_Spill.plan`): MMSIs are resolved to vessels as in memory, and
   buckets holding MMSIs of one registry vessel are merged into one job.
3. **Detect.** Zones, registry and the evidence kept aside are scattered to every worker once.
   Each job is one task that receives its buckets' frames from every read task (Dask moves them
   between workers: the shuffle by vessel) and runs :func:`~navwatch.detect.detect_port_events`
   restricted to its vessels. Events, carried state, counts and quarantine are gathered and
   merged as the out-of-core engine merges its jobs, so the result equals the in-memory one.

Worker-side functions are module-level so workers import them (navwatch must be installed on
the workers, and the inputs readable from them under the same paths).
"""

from __future__ import annotations

import logging
import math
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..detect import Detection, DetectParams
from ..errors import ConfigError, IngestError
from ..io import detect_format
from ..quarantine import Quarantine
from ..registry import Registry, first_identities, merge_identities
from ..zones import ZoneIndex
from .partition import (
    BYTES_PER_ROW,
    VesselsOf,
    _batches,
    _Spill,
    _unmatched,
    bucket_of,
    estimate_rows,
    merge_jobs,
    run_job,
)

#: Default number of buckets per worker thread (more jobs than threads balance the load).
BUCKETS_PER_THREAD = 4


def detect_dask(
    inputs: Iterable[str | Path],
    zones,
    registry: Registry | None = None,
    *,
    params: DetectParams | None = None,
    all_vessels: bool = False,
    scheduler=None,
    n_workers: int = 2,
    buckets: int | None = None,
    workdir: str | Path | None = None,
    quarantine: Quarantine | None = None,
    output: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    with_states: bool = False,
) -> Detection:
    """Detect port events on a Dask cluster: data partitioned by vessel, detection in the workers.

    Parameters
    ----------
    inputs : paths
        Files, Parquet dataset folders or glob patterns of any format
        :func:`navwatch.read_observations` reads, readable by the workers under the same paths.
    scheduler : str, distributed.Client or None
        A scheduler address (``tcp://host:8786``), a connected ``Client``, or None for a local
        cluster of ``n_workers`` worker processes (one thread each), closed afterwards.
    n_workers : int
        Worker processes of the local cluster (``scheduler=None`` only).
    buckets : int, optional
        Number of MMSI hash buckets. Default: :data:`BUCKETS_PER_THREAD` per worker thread, more
        if a job would need more than half a worker's memory limit per thread
        (:data:`~navwatch.scale.partition.BYTES_PER_ROW` per row; :func:`default_buckets`).
    workdir : path, optional
        The local cluster's ``local_directory`` (where its workers spill to disk).
    output : path, optional
        A folder: each job writes its events there as ``part-NNNNN.parquet`` from the worker
        (a shared filesystem with remote workers). The events are returned as well.
    progress : callable, optional
        ``progress(stage, i, n)`` with stage ``"read"`` (per read task done) or ``"detect"``
        (per job done).
    with_states : bool
        Also return ``states`` (as :func:`~navwatch.detect.detect_port_events`), gathered from
        the workers into this process.

    Returns
    -------
    Detection
        Equal to :func:`~navwatch.detect.detect_port_events` on all inputs read in memory;
        ``stats`` also has ``buckets``, ``jobs``, ``max_job_rows``, ``read_tasks`` and
        ``workers``.
    """
    try:
        import distributed  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError("the dask engine needs Dask: pip install 'navwatch[dask]'") from exc
    params = params or DetectParams()
    quarantine = quarantine if quarantine is not None else Quarantine()
    zi = ZoneIndex.of(zones, params.exit_margin_km)
    units = read_units(inputs)
    out_dir = _prepare_output(output)
    tag = uuid.uuid4().hex[:8]
    with _connect(scheduler, n_workers, workdir) as client:
        threads = sum(client.nthreads().values()) or 1
        if buckets is None:
            buckets = default_buckets(
                estimate_rows([p for p, _ in units]), threads, _thread_memory(client)
            )
        # 1. read and route by bucket; summaries come back, the bucket frames stay on the workers
        reads, summaries = _read_and_route(client, units, buckets, tag, progress)
        spill = _merge_summaries(summaries, buckets)
        for s in summaries:
            quarantine.add_frame(s["quarantine"])
        plan = spill.plan(registry, all_vessels)
        evidence = spill.evidence()
        spill.unmatched_aside = _unmatched(evidence, registry, all_vessels)
        # 2. shared inputs once per worker
        zi_f = client.scatter(zi, broadcast=True, hash=False)
        reg_f = (
            client.scatter(registry, broadcast=True, hash=False) if registry is not None else None
        )
        ev_f = client.scatter(evidence, broadcast=True, hash=False)
        # 3. one task per job, fed the job's bucket frames of every read task (the shuffle)
        root_of = {k: min(job) for job in plan.jobs for k in job}
        first_root = min(plan.jobs[0])
        jobs = []
        for j, job in enumerate(plan.jobs):
            mine = VesselsOf(min(job), first_root, plan.buckets, root_of, dict(spill.vessel_bucket))
            part = str(out_dir / f"part-{min(job):05d}.parquet") if out_dir is not None else None
            jobs.append(
                client.submit(
                    run_job,
                    _job_pieces(client, reads, summaries, job, tag),
                    ev_f,
                    zi_f,
                    reg_f,
                    params,
                    all_vessels,
                    mine,
                    part,
                    with_states=with_states,
                    key=f"navwatch-detect-{j}-{tag}",
                )
            )
        del reads
        results = client.gather(_tick(jobs, "detect", progress))
        workers = len(client.nthreads())
    det = merge_jobs(results, spill, plan, quarantine)
    det.stats["read_tasks"] = len(units)
    det.stats["workers"] = workers
    return det


def _read_and_route(client, units, buckets: int, tag: str, progress) -> tuple[list, list[dict]]:
    """Submit one read task per unit (it routes its rows to ``buckets`` and keeps the bucket
    frames on its worker); return the read futures and their gathered summaries (an input
    that failed to read raises its :class:`IngestError` here)."""
    reads = client.map(
        _read_unit,
        [str(p) for p, _ in units],
        [f for _, f in units],
        buckets=buckets,
        key=[f"navwatch-read-{i}-{tag}" for i in range(len(units))],
    )
    sums = client.map(
        operator.getitem,
        reads,
        [0] * len(reads),
        key=[f"navwatch-summary-{i}-{tag}" for i in range(len(reads))],
    )
    summaries = client.gather(_tick(sums, "read", progress))
    for s in summaries:
        if "error" in s:
            raise IngestError(*s["error"])
    return reads, summaries


def _job_pieces(client, reads: list, summaries: list[dict], job, tag: str) -> list:
    """Futures of the bucket frames of ``job`` from every read task that has rows in them."""
    return [
        client.submit(operator.getitem, reads[i], 1 + k, key=f"navwatch-piece-{i}-{k}-{tag}")
        for k in job
        for i, s in enumerate(summaries)
        if s["rows"][k]
    ]


# ----------------------------------------------------------------------------------------------
# client side


def read_units(inputs: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """The read tasks: ``(path, format)`` per input file; a Parquet dataset folder gives one
    task per part file when each part, read alone, gives exactly the rows, columns and
    provenance the folder read gives (same schema, and no hive partition key that navwatch
    would read as a column), else one task for the folder. Formats are detected here, so an
    unreadable or unknown input fails before any work is sent.
    """
    from ..io import _expand

    units: list[tuple[Path, str]] = []
    for p in _expand(list(inputs) if not isinstance(inputs, (str, Path)) else [inputs]):
        if not isinstance(p, Path):
            # workers read files; bytes in this process cannot be shipped to them by name
            raise ConfigError(f"the dask engine reads files only, not in-memory input ({p})")
        fmt = detect_format(p)
        parts = _dataset_parts(p) if fmt == "parquet" and p.is_dir() else None
        if parts:
            units.extend((f, "parquet") for f in parts)
        else:
            units.append((p, fmt))
    if not units:
        raise IngestError("<none>", "no input paths given")
    return units


def _dataset_parts(folder: Path) -> list[Path] | None:
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from ..io.tables import recognise_columns

    try:
        dataset = ds.dataset(
            folder, format="parquet", partitioning="hive", ignore_prefixes=[".", "_"]
        )
        frags = sorted(dataset.get_fragments(), key=lambda f: f.path)
        if len(frags) < 2:
            return None
        full = recognise_columns(dataset.schema.names)
        first = pq.read_schema(frags[0].path)
        geo = (first.metadata or {}).get(b"geo")
        base = first.remove_metadata()
        for f in frags:
            s = pq.read_schema(f.path)
            if not s.remove_metadata().equals(base) or (s.metadata or {}).get(b"geo") != geo:
                return None
        if recognise_columns(base.names) != full:  # a partition key is read as a column
            return None
    except (OSError, pa.ArrowException):
        return None  # the folder read reports it
    return [Path(f.path) for f in frags]


def default_buckets(rows: int, threads: int, thread_memory: float | None) -> int:
    """:data:`BUCKETS_PER_THREAD` per worker thread, or more so that a job (about
    :data:`~navwatch.scale.partition.BYTES_PER_ROW` per row) fits in half the memory a worker
    has per thread (jobs of one worker run side by side).

    Examples
    --------
    >>> default_buckets(10_000_000, 2, 12e9), default_buckets(10_000_000, 2, 0.25e9)
    (8, 28)
    """
    b = BUCKETS_PER_THREAD * max(threads, 1)
    if thread_memory:
        b = max(b, math.ceil(rows * BYTES_PER_ROW / (thread_memory / 2)))
    return b


def _thread_memory(client) -> float | None:
    """The smallest memory limit per thread among the workers (None: no limits)."""
    per = [
        (w.get("memory_limit") or 0) / max(w.get("nthreads") or 1, 1)
        for w in client.scheduler_info().get("workers", {}).values()
    ]
    return float(min(per)) if per and min(per) > 0 else None


@contextmanager
def _connect(scheduler, n_workers: int, workdir) -> Iterator:
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is not None and not isinstance(scheduler, str):
        raise ConfigError(
            f"scheduler must be an address, a distributed.Client or None, not {type(scheduler).__name__}"
        )
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with local_cluster(n_workers, local_directory=workdir) as cluster, Client(cluster) as client:
        yield client


def local_cluster(n_workers: int = 2, **kwargs):
    """The local cluster ``detect_dask`` starts by default: ``n_workers`` worker processes of one
    thread each, no dashboard, quiet logs, and glibc's default ``malloc`` trimming in the workers.

    Dask starts workers with ``MALLOC_TRIM_THRESHOLD_`` set, which also switches off glibc's
    adaptive ``mmap`` threshold: every large numpy temporary is then a fresh ``mmap`` whose
    pages are faulted in again. Detection allocates many; it ran about 1.6x slower so.
    """
    import dask
    from distributed import LocalCluster

    kw = {
        "processes": True,
        "threads_per_worker": 1,
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
    }
    kw.update(
        {k: (str(v) if k == "local_directory" else v) for k, v in kwargs.items() if v is not None}
    )
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(n_workers=n_workers, **kw)


def _tick(futures: list, stage: str, progress) -> list:
    """Wait for ``futures``, reporting ``progress(stage, done, n)``; returns them in order."""
    if progress is not None and futures:
        from distributed import as_completed

        progress(stage, 0, len(futures))
        for i, _ in enumerate(as_completed(futures), 1):
            progress(stage, i, len(futures))
    return futures


def _prepare_output(output) -> Path | None:
    if output is None:
        return None
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise ConfigError(
            f"{out}: the dask engine writes events as a folder of Parquet parts; give a folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.parquet"):  # parts of an earlier run
        old.unlink()
    return out


def _merge_summaries(summaries: list[dict], buckets: int) -> _Spill:
    """One :class:`_Spill` (no files) holding what the read tasks saw, in input order."""
    spill = _Spill(Path(), buckets)
    for s in summaries:
        spill.rows_in += s["rows_in"]
        spill.rows = [a + b for a, b in zip(spill.rows, s["rows"], strict=True)]
        spill.mmsis.update(s["mmsis"].tolist())
        spill.aside.extend(s["aside"])
        merge_identities(spill.identity, s["identity"])
    return spill


# ----------------------------------------------------------------------------------------------
# worker side (module level: workers import them)


def _read_unit(path: str, fmt: str, buckets: int) -> tuple:
    """Read one input and route its rows: ``(summary, bucket_0, ..., bucket_{B-1})``."""
    q = Quarantine()
    spill = _MemSpill(buckets)
    try:
        for batch in _batches(Path(path), q) if fmt == "parquet" else [_read_other(path, fmt, q)]:
            spill.add(batch)
    except IngestError as exc:  # it does not unpickle (two-argument constructor): send its parts
        return ({"error": (exc.path, exc.reason)}, *([None] * buckets))
    frames = spill.bucket_frames()
    summary = {
        "rows_in": spill.rows_in,
        "rows": list(spill.rows),
        "mmsis": np.fromiter(spill.mmsis, dtype=np.int64, count=len(spill.mmsis)),
        "identity": spill.identity,
        "aside": spill.aside,
        "quarantine": q.to_frame(),
    }
    return (summary, *frames)


def _read_other(path: str, fmt: str, q: Quarantine) -> pd.DataFrame:
    from .. import schema
    from ..io import read_file

    return read_file(Path(path), fmt, quarantine=q, columns=schema.ANALYSIS_COLUMNS)


class _MemSpill(_Spill):
    """A :class:`_Spill` of one input whose buckets are frames in memory, not Parquet files:
    rows are collected as read, then split once by bucket (:meth:`buckets_frames`)."""

    def __init__(self, buckets: int):
        super().__init__(Path(), buckets)
        self.kept: list[pd.DataFrame] = []

    def add(self, df: pd.DataFrame) -> None:
        # _Spill.add up to the bucket write (see the report: a hook in _Spill.add would let this
        # class override only the write)
        self.rows_in += len(df)
        ais = (
            (df["kind"] == "ais").to_numpy(bool) if "kind" in df.columns else np.ones(len(df), bool)
        )
        has_mmsi = (
            df["mmsi"].notna().to_numpy() if "mmsi" in df.columns else np.zeros(len(df), bool)
        )
        keep = ais & has_mmsi
        if (~keep).any():
            self.aside.append(df[~keep])
        if keep.any():
            self.kept.append(df[keep] if not keep.all() else df)

    def bucket_frames(self) -> list[pd.DataFrame | None]:
        """The rows of each bucket (None when empty), in input order within a bucket."""
        df = (
            schema.concat(self.kept)
            if len(self.kept) > 1
            else (self.kept[0] if self.kept else None)
        )
        self.kept = []
        if df is None:
            return [None] * self.buckets
        mmsi = df["mmsi"].to_numpy(dtype=np.int64)
        self.mmsis.update(pd.unique(mmsi).tolist())
        merge_identities(self.identity, first_identities(df, mmsi))
        b = bucket_of(mmsi, self.buckets).astype(np.uint16 if self.buckets < 2**16 else np.int64)
        order = np.argsort(b, kind="stable")  # a radix sort for uint16
        bounds = np.searchsorted(b[order], np.arange(self.buckets + 1))
        out: list[pd.DataFrame | None] = []
        for k in range(self.buckets):
            lo, hi = bounds[k], bounds[k + 1]
            self.rows[k] += int(hi - lo)
            out.append(df.take(order[lo:hi]).reset_index(drop=True) if hi > lo else None)
        return out
