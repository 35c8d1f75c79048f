"""Shared CLI pieces: the Typer app, consoles, progress, error handling, option parsers and
summaries."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..durations import parse_duration
from ..errors import ConfigError, NavwatchError
from ..io.writers import FORMATS as TABLE_FORMATS
from ..jobs import Engine

# Help is plain text, shown as written: Rich markup would eat bracketed words such as
# ``navwatch[dask]`` or ``[watch].once_listen_s``.
app = typer.Typer(
    help="navwatch: naval asset movement monitor. Port departures/arrivals from AIS, sightings and port surveys.",
    epilog="Exit codes: 0 success; 1 an input, registry, ports file or setting could not be used (the message names it); "
    "2 bad usage (an unknown option or command, a missing argument, an option value that is not valid); 3 --strict and some input rows were quarantined. Quick start: navwatch demo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Piped or redirected output is read later (logs, files): lay tables out 160 columns wide there.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

EXIT_ERROR = 1
EXIT_QUARANTINED = 3


def handle_errors(fn: Callable) -> Callable:
    """Turn a NavwatchError into one clear line on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NavwatchError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper


# ----------------------------------------------------------------------------------------------
# option values, checked while the command line is parsed, before any input is read: a value
# refused here is bad usage (click's exit code 2, the message names the option)

_DURATION = "value"


def duration(value: str | pd.Timedelta) -> pd.Timedelta:
    """``parser`` of every option that takes a duration: :func:`navwatch.durations.parse_duration`
    (a positive duration with its unit: ``6h``, ``30min``, ``1D``, ``90s``, ISO 8601 ``PT6H``; a
    bare number is refused, as pandas would read ``6`` as 6 nanoseconds), its refusal bad usage.

    >>> duration("30min")
    Timedelta('0 days 00:30:00')
    """
    try:
        return parse_duration(value, what=_DURATION)
    except ConfigError as exc:  # click names the option: the message need not say what
        raise typer.BadParameter(str(exc).removeprefix(f"{_DURATION}: ")) from None


def utc_time(value: str | pd.Timestamp) -> pd.Timestamp:
    """``parser`` of every option that takes a time: ISO 8601, naive times are UTC."""
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError):
        t = pd.NaT
    if pd.isna(t):
        raise typer.BadParameter(f"{value!r} is not a time (UTC, ISO 8601, e.g. 2024-12-01T00:00Z)")
    return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")


def time_option(flag: str, help: str) -> Any:
    """A ``--<flag> <time>`` option read by :func:`utc_time` (use as
    ``Annotated[pd.Timestamp | None, time_option("--since", "...")] = None``)."""
    return typer.Option(flag, parser=utc_time, metavar="<time>", help=help)


def positive(value: float | None) -> float | None:
    """``callback`` of number options that must be > 0 (``min=0`` admits 0)."""
    if value is not None and not value > 0:
        raise typer.BadParameter(f"must be a number > 0, got {value:g}")
    return value


def table_path(value: Path | None) -> Path | None:
    """``callback`` of options naming a table to write: its suffix must be a format navwatch
    writes (checked before the inputs are read, not after)."""
    if value is not None and value.suffix.lower() not in TABLE_FORMATS:
        raise typer.BadParameter(
            f"{str(value)!r}: unknown table format {value.suffix!r}; use one of {', '.join(TABLE_FORMATS)}"
        )
    return value


# ----------------------------------------------------------------------------------------------
# the same options on every command that detects (detect, dispersal, report)

RegistryOption = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        "-r",
        help="Vessel registry CSV: names, aliases, classes, MMSI/IMO, home ports (default: the registry shipped with navwatch).",
    ),
]
PortsOption = Annotated[
    Path | None,
    typer.Option(
        "--ports",
        "-p",
        help="Port zones: GeoJSON/GPKG polygons, CSV name,lat,lon,radius_km, or the NGA World Port Index CSV. Added to the bundled zones.",
    ),
]
PortRadiusOption = Annotated[
    float | None,
    typer.Option(
        "--port-radius-km",
        callback=positive,
        help="Radius of point zones (CSV without radius_km, World Port Index). Default: WPI radius by harbour size (2-5 km), else 3 km.",
    ),
]
QuarantineOption = Annotated[
    Path | None,
    typer.Option(
        "--quarantine",
        "-q",
        help="Write rejected input rows (file, line, code, reason, raw) here (.csv or .parquet). Default: <output stem>.quarantine.csv when any row was rejected.",
    ),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Exit with code 3 if any input row was quarantined.")
]
ProgressOption = Annotated[
    bool,
    typer.Option(
        "--progress/--no-progress", help="Show a progress bar on stderr (terminals only)."
    ),
]

EngineOption = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="memory: read all, then detect. out-of-core: split by vessel into buckets on disk and detect them in turn (archives larger than RAM). "
        "dask: the same split, detected by the workers of a Dask cluster (pip install 'navwatch[dask]'). Every engine gives the same results.",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="dask: scheduler address, e.g. tcp://host:8786 (the workers must read the inputs under the same paths). Default: a local cluster of 2 worker processes.",
    ),
]
MemoryLimitOption = Annotated[
    float,
    typer.Option(
        "--memory-limit-mb",
        callback=positive,
        help="out-of-core: working memory of one detection job; sets the number of buckets.",
    ),
]


@contextmanager
def file_progress(enabled: bool = True):
    """A progress bar over input files on stderr; yields a callback(path, i, n)."""
    if not enabled or not err.is_terminal and not _force_progress():
        yield None
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("reading", total=None)

        def cb(path, i, n):
            progress.update(
                task, total=n, completed=i, description=f"reading {Path(str(path)).name}"
            )

        yield cb


def _force_progress() -> bool:
    import os

    return os.environ.get("NAVWATCH_PROGRESS") == "1"


def fmt_time(t) -> str:
    if t is None or pd.isna(t):
        return ""
    return pd.Timestamp(t).strftime("%Y-%m-%d %H:%M")


def print_run_summary(run, *, max_events: int = 25, title: str = "navwatch detect") -> None:
    """Inputs, what happened to every row, and the events (first ``max_events``)."""
    det = run.detection
    _print_inputs(run.read_stats.get("files", []), title)
    _print_counts(det)
    _print_events(det.events, max_events)


def _print_inputs(files: list[dict], title: str) -> None:
    """One row per input file, then the readers' notes about it."""
    t = Table(title=f"{title}: inputs", title_justify="left")
    for c in ("file", "format", "rows", "quarantined", "not vessels"):
        t.add_column(c, justify="left" if c in ("file", "format") else "right")
    for s in files:
        t.add_row(
            Path(str(s["file"])).name,
            str(s.get("format", "")),
            f"{s.get('rows', 0):,}",
            f"{s.get('quarantined', 0):,}",
            f"{s.get('skipped_non_vessel', 0):,}",
        )
    if files:
        out.print(t)
    for s in files:  # reader notes: skipped stations, odd MMSIs, warnings
        name = Path(str(s["file"])).name
        if s.get("skipped_by_class"):
            by = ", ".join(f"{k} {v:,}" for k, v in sorted(s["skipped_by_class"].items()))
            out.print(
                f"{name}: skipped, not vessels (ITU-R M.585 MMSI class): {by}", highlight=False
            )
        if s.get("nonstandard_mmsi"):
            n = s["nonstandard_mmsi"]
            out.print(
                f"{name}: {n:,} row{'' if n == 1 else 's'} with a nonstandard MMSI (kept)",
                highlight=False,
            )
        if s.get("confidence_unknown"):
            by = ", ".join(f"{k!r} {v:,}" for k, v in sorted(s["confidence_unknown"].items()))
            out.print(
                f"{name}: warning: confidence not understood, kept at the default reliability: {by}",
                highlight=False,
            )


def _print_counts(det) -> None:
    """What happened to the rows, and the events counted."""
    s = det.stats
    counts = Table(title="rows and events", title_justify="left", show_header=False)
    counts.add_column("what")
    counts.add_column("n", justify="right")
    for label, key in [
        ("observations used", "rows_in"),
        ("rows matching no tracked vessel", "rows_unmatched"),
        ("duplicate fixes dropped", "duplicates"),
        ("position jumps quarantined", "position_jumps"),
        ("fixes held for the next fix", "held_for_next_fix"),
        ("sightings naming an ambiguous group", "sightings_unattributed"),
        ("vessels tracked", "vessels"),
        ("buckets (out-of-core / dask)", "buckets"),
        ("visits to port zones", "visits"),
        ("transits (visits below --min-visit-level)", "transits"),
        ("visits not yet qualified (open)", "pending_visits"),
        ("departures", "departures"),
        ("arrivals", "arrivals"),
    ]:
        if key in s:
            counts.add_row(label, f"{s[key]:,}")
    counts.add_row("rows quarantined (all reasons)", f"{len(det.quarantine):,}")
    out.print(counts)
    qc = det.quarantine.counts()
    if len(qc):
        out.print(
            "quarantine by reason: " + ", ".join(f"{k} {v:,}" for k, v in qc.items()),
            highlight=False,
        )


def _print_events(ev: pd.DataFrame, max_events: int) -> None:
    """The first ``max_events`` events, or that there are none."""
    if not len(ev):
        out.print("no port events", highlight=False)
        return
    et = Table(title=f"events ({len(ev):,})", title_justify="left")
    for c in ("vessel", "port", "event", "time (UTC)", "window (UTC)", "conf.", "flags"):
        et.add_column(c, no_wrap=c != "vessel")
    for _, r in ev.head(max_events).iterrows():
        name = (
            r["vessel_name"]
            if isinstance(r["vessel_name"], str) and r["vessel_name"]
            else r["vessel_id"]
        )
        port = r["port"] + ("" if r["tier"] == "harbour" else f" ({r['tier']})")
        et.add_row(
            str(name),
            port,
            str(r["event"]),
            fmt_time(r["time"]),
            f"{fmt_time(r['time_earliest'])} .. {fmt_time(r['time_latest'])[5:] if fmt_time(r['time_earliest'])[:4] == fmt_time(r['time_latest'])[:4] else fmt_time(r['time_latest'])}",
            f"{r['confidence']:.2f}",
            "conflict" if r["flags"] else "",
        )
    out.print(et)
    if len(ev) > max_events:
        out.print(f"... {len(ev) - max_events:,} more in the output file", highlight=False)


def exit_code(run, strict: bool) -> int:
    return EXIT_QUARANTINED if strict and len(run.quarantine) else 0


def stdout_is_pipe() -> bool:
    return not sys.stdout.isatty()
