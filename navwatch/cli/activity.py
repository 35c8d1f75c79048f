"""``navwatch activity``: inputs -> activity at sea (encounters, loitering, gaps, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import typer
from rich.table import Table

from ..activity import EVENT_TYPES, ActivityParams
from ..jobs import run_activity
from ._common import (
    PortRadiusOption,
    PortsOption,
    ProgressOption,
    QuarantineOption,
    RegistryOption,
    StrictOption,
    _print_inputs,
    app,
    err,
    file_progress,
    fmt_time,
    handle_errors,
    out,
    table_path,
)
from .detect import INPUTS

EXIT_QUARANTINED = 3


def _types(value: str | list[str] | None) -> list[str] | None:
    """The ``--types`` list, checked while parsing (an unknown type is bad usage: exit 2)."""
    if value is None or isinstance(value, list):
        return value
    types = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise typer.BadParameter(f"unknown type(s) {unknown}; expected some of {list(EVENT_TYPES)}")
    return types


@app.command()
@handle_errors
def activity(
    inputs: list[Path] = INPUTS,
    registry: RegistryOption = None,
    ports: PortsOption = None,
    port_radius_km: PortRadiusOption = None,
    all_vessels: bool = typer.Option(
        True,
        "--all-vessels/--registry-only",
        help="Every MMSI in the data (default), or only registry vessels.",
    ),
    types: str | None = typer.Option(
        None,
        "--types",
        callback=_types,
        help=f"Comma-separated event types (default: every type with a detector). One or more of: {', '.join(EVENT_TYPES)}.",
    ),
    output: Path = typer.Option(
        Path("activity.csv"),
        "--output",
        "-o",
        callback=table_path,
        help="Activity table: .csv, .parquet, .geojson or .gpkg.",
    ),
    quarantine: QuarantineOption = None,
    gap_min_h: float = typer.Option(
        ActivityParams.gap_min_h, min=0, help="Shortest AIS silence reported as a gap, hours."
    ),
    loitering_min_duration_h: float = typer.Option(
        ActivityParams.loitering_min_duration_h, min=0, help="Shortest loitering, hours."
    ),
    port_exclusion_km: float = typer.Option(
        ActivityParams.port_exclusion_km,
        min=0,
        help="Encounters and loitering count only this far from every port zone.",
    ),
    strict: StrictOption = False,
    progress: ProgressOption = True,
) -> None:
    """Detect activity at sea: encounters, underway replenishment, loitering, AIS gaps,
    spoofing and identity changes (the types navwatch has detectors for).

    Writes one table (event_id, event_type, vessel, other vessel, start, end, duration, position,
    confidence, evidence, flags and each type's fields) and prints counts by type.
    """
    params = ActivityParams(
        gap_min_h=gap_min_h,
        loitering_min_duration_h=loitering_min_duration_h,
        port_exclusion_km=port_exclusion_km,
    )
    wanted = cast("list[str] | None", types)  # (the callback made it a list)
    with file_progress(progress) as cb:
        run = run_activity(
            inputs, output=output, quarantine=quarantine, registry=registry, ports=ports,
            port_radius_km=port_radius_km, all_vessels=all_vessels, types=wanted, params=params,
            progress=cb,
        )  # fmt: skip
    _print_inputs(run.read_stats.get("files", []), "navwatch activity")
    _print_activity(run.events)
    err.print(f"{len(run.events):,} activity events written to {output}", highlight=False)
    if run.quarantine_output is not None:
        err.print(
            f"{len(run.quarantine):,} rejected rows written to {run.quarantine_output}",
            highlight=False,
        )
    raise typer.Exit(EXIT_QUARANTINED if strict and len(run.quarantine) else 0)


def _print_activity(ev, max_rows: int = 25) -> None:
    if not len(ev):
        out.print("no activity events", highlight=False)
        return
    counts = ev["event_type"].value_counts()
    out.print(
        "activity by type: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), highlight=False
    )
    t = Table(title=f"activity ({len(ev):,})", title_justify="left")
    for c in ("type", "vessel", "other", "start (UTC)", "hours", "flags"):
        t.add_column(c, no_wrap=c not in ("vessel", "other"))
    for _, r in ev.head(max_rows).iterrows():
        name = (
            r["vessel_name"]
            if isinstance(r["vessel_name"], str) and r["vessel_name"]
            else r["vessel_id"]
        )
        other = (
            r["other_vessel_name"]
            if isinstance(r["other_vessel_name"], str) and r["other_vessel_name"]
            else (r["other_vessel_id"] if isinstance(r["other_vessel_id"], str) else "")
        )
        t.add_row(
            str(r["event_type"]),
            str(name),
            str(other),
            fmt_time(r["start"]),
            f"{r['duration_h']:.1f}",
            str(r["flags"]),
        )
    out.print(t)
    if len(ev) > max_rows:
        out.print(f"... {len(ev) - max_rows:,} more in the output file", highlight=False)
