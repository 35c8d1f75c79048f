"""``navwatch detect``: inputs -> port departures and arrivals."""

from __future__ import annotations

from pathlib import Path

import typer

from ..detect import DetectParams
from ..jobs import run_detect
from ._common import (
    EngineOption,
    MemoryLimitOption,
    PortRadiusOption,
    PortsOption,
    ProgressOption,
    QuarantineOption,
    RegistryOption,
    SchedulerOption,
    StrictOption,
    app,
    err,
    exit_code,
    file_progress,
    handle_errors,
    positive,
    print_run_summary,
    table_path,
)

INPUTS = typer.Argument(
    ...,
    help="Observation files or Parquet dataset folders: NOAA/DMA/any CSV (.gz/.zst/.zip), NMEA, Parquet, GeoPackage/GeoJSON, sightings or port-survey CSV. Format is detected from content.",
    show_default=False,
)


@app.command()
@handle_errors
def detect(
    inputs: list[Path] = INPUTS,
    registry: RegistryOption = None,
    ports: PortsOption = None,
    port_radius_km: PortRadiusOption = None,
    all_vessels: bool = typer.Option(
        False, "--all-vessels", help="Track every MMSI in the data, not only registry vessels."
    ),
    output: Path = typer.Option(
        Path("events.csv"),
        "--output",
        "-o",
        callback=table_path,
        help="Events table: .csv, .parquet, .geojson or .gpkg.",
    ),
    quarantine: QuarantineOption = None,
    exit_margin_km: float = typer.Option(
        DetectParams.exit_margin_km,
        min=0,
        help="Hysteresis: out of a zone only this far beyond it.",
    ),
    min_visit_level: int = typer.Option(
        DetectParams.min_visit_level,
        "--min-visit-level",
        min=1,
        max=4,
        help="Visits below this evidence level make no events and count as transits: 1 entry/exit only, 2 stop or in-port gap or non-AIS evidence, 3 that plus entry or exit, 4 plus both.",
    ),
    stop_speed_kn: float = typer.Option(
        DetectParams.stop_speed_kn,
        "--stop-speed-kn",
        min=0,
        help=f"At or below this speed a vessel is stopped; it moves again at {DetectParams.move_speed_kn:g} kn, or at this speed if higher.",
    ),
    visits: Path | None = typer.Option(
        None,
        "--visits",
        callback=table_path,
        help="Also write the visits table (one row per visit to a zone, with its evidence level) here: .csv, .parquet, .geojson or .gpkg.",
    ),
    max_speed_kn: float = typer.Option(
        DetectParams.max_speed_kn,
        callback=positive,
        help="Single fixes implying more than this are position jumps.",
    ),
    engine: EngineOption = "memory",
    scheduler: SchedulerOption = None,
    memory_limit_mb: MemoryLimitOption = 2048,
    strict: StrictOption = False,
    progress: ProgressOption = True,
) -> None:
    """Detect port departures and arrivals, with time windows, confidence and evidence.

    Writes the events table, prints a summary (inputs, what happened to every row, events) and
    writes rejected rows to a quarantine file.
    """
    params = DetectParams(
        exit_margin_km=exit_margin_km,
        max_speed_kn=max_speed_kn,
        min_visit_level=min_visit_level,
        stop_speed_kn=stop_speed_kn,
        move_speed_kn=max(DetectParams.move_speed_kn, stop_speed_kn),
    )
    with file_progress(progress) as cb:
        run = run_detect(
            inputs, output=output, visits_output=visits, quarantine=quarantine, registry=registry, ports=ports,
            port_radius_km=port_radius_km, all_vessels=all_vessels, params=params, engine=engine,
            memory_limit_mb=memory_limit_mb, scheduler=scheduler, progress=cb,
        )  # fmt: skip
    print_run_summary(run)
    err.print(f"events written to {output}", highlight=False)
    if run.visits_output is not None:
        err.print(f"{len(run.visits):,} visits written to {visits}", highlight=False)
    if run.quarantine_output is not None:
        err.print(
            f"{len(run.quarantine):,} rejected rows written to {run.quarantine_output}",
            highlight=False,
        )
    raise typer.Exit(exit_code(run, strict))
