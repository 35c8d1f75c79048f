"""``navwatch report``: inputs -> an HTML map report (zones, tracks, positions, events, replay)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import pandas as pd
import typer

from ..activity import EVENT_TYPES
from ..detect import DetectParams
from ..jobs import run_report
from ._common import (
    EngineOption,
    MemoryLimitOption,
    PortRadiusOption,
    PortsOption,
    ProgressOption,
    RegistryOption,
    SchedulerOption,
    app,
    err,
    file_progress,
    handle_errors,
    out,
    table_path,
    time_option,
)
from .activity import _types

INPUTS_HELP = "Observation files or Parquet dataset folders (any format `navwatch detect` reads)."


@app.command()
@handle_errors
def report(
    inputs: Annotated[list[Path], typer.Argument(help=INPUTS_HELP, show_default=False)],
    registry: RegistryOption = None,
    ports: PortsOption = None,
    port_radius_km: PortRadiusOption = None,
    all_vessels: Annotated[
        bool,
        typer.Option(
            "--all-vessels", help="Track every MMSI in the data, not only registry vessels."
        ),
    ] = False,
    port: Annotated[
        str | None,
        typer.Option(
            "--port", help="Focus port: its events, its zones, and the dispersal panel for it."
        ),
    ] = None,
    since: Annotated[
        pd.Timestamp | None,
        time_option(
            "--since", "Start of the report period (UTC, e.g. 2024-12-01 or 2024-12-01T06:00Z)."
        ),
    ] = None,
    until: Annotated[
        pd.Timestamp | None,
        time_option(
            "--until", "End of the report period; ages of last evidence are measured to it."
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Refuse anything that would use the network (--tiles). Every report is "
            "self-contained already: Leaflet inlined, land drawn from installed data.",
        ),
    ] = False,
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles",
            metavar="<osm|url>",
            help="Also draw online map tiles above the land: 'osm' (OpenStreetMap) or a URL "
            "template https://host/{z}/{x}/{y}.png. The page notes when they fail to load.",
        ),
    ] = None,
    full_paths: Annotated[
        bool,
        typer.Option(
            "--full-paths",
            help="Name input files by their full paths in the report (default: relative to "
            "the inputs' common folder, so a shared report shows no local folders).",
        ),
    ] = False,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            metavar="<file.png>",
            help="Also write a picture of the map (headless Chromium via Playwright: "
            "pip install 'navwatch[png]').",
        ),
    ] = None,
    at: Annotated[
        pd.Timestamp | None,
        time_option(
            "--at", "The slider time of the --png picture (default: the end of the period)."
        ),
    ] = None,
    activity: Annotated[
        bool,
        typer.Option(
            "--activity",
            help="Also detect activity at sea over the same observations (every MMSI; see "
            "`navwatch activity`) and draw it: one layer per type.",
        ),
    ] = False,
    activity_types: Annotated[
        str | None,
        typer.Option(
            "--activity-types",
            callback=_types,
            metavar="<types>",
            help="Comma-separated activity types to detect (implies --activity; default every "
            f"type): {', '.join(EVENT_TYPES)}.",
        ),
    ] = None,
    activity_events: Annotated[
        Path | None,
        typer.Option(
            "--activity-events",
            callback=table_path,
            metavar="<file>",
            help="Draw the activity table in this file (written by `navwatch activity`: .csv, "
            ".parquet, .geojson or .gpkg).",
        ),
    ] = None,
    max_activity_events: Annotated[
        int,
        typer.Option(
            "--max-activity-events",
            min=0,
            help="At most this many activity events drawn: an equal share per type, the most "
            "telling first.",
        ),
    ] = 1000,
    detections: Annotated[
        Path | None,
        typer.Option(
            "--detections",
            metavar="<file>",
            help="Draw the matched satellite detections in this file (written by `navwatch "
            "imagery`: .csv or .parquet): layers of detections matched to AIS and dark ones.",
        ),
    ] = None,
    scenes: Annotated[
        Path | None,
        typer.Option(
            "--scenes",
            metavar="<file>",
            help="Draw the footprints of the satellite scenes in this file (any scenes file "
            "`navwatch imagery` reads).",
        ),
    ] = None,
    max_detections: Annotated[
        int,
        typer.Option(
            "--max-detections",
            min=0,
            help="At most this many satellite detections drawn: an equal share per status "
            "(matched, dark), the highest scores first.",
        ),
    ] = 5000,
    max_track_points: Annotated[
        int,
        typer.Option(
            "--max-track-points",
            min=2,
            help="At most this many points per vessel track (evidence of events always kept).",
        ),
    ] = 1000,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    engine: EngineOption = "memory",
    scheduler: SchedulerOption = None,
    memory_limit_mb: MemoryLimitOption = 2048,
    progress: ProgressOption = True,
) -> None:
    """Write an HTML map report: land and port zones, thinned tracks, vessels drawn by their
    status at the slider time (in port, offshore, at sea, another port, or unknown where last
    seen), departures/arrivals with windows and evidence, an events list, a timeline per
    vessel, a legend and a dispersal panel; with --activity or --activity-events, activity at
    sea (encounters, replenishments, loitering, AIS gaps, spoofing, identity changes); with
    --scenes and --detections, satellite scene footprints and vessel detections (matched to
    AIS, dark). The file is self-contained: it opens without a network. With --png, also a
    picture of the map."""
    from ..report import read_detections  # folium: imported only for reports

    det_table = read_detections(detections) if detections is not None else None
    scene_table = _read_scenes(scenes) if scenes is not None else None
    wanted = cast("list[str] | None", activity_types)  # (the callback made it a list)
    detect_activity: bool | list[str] | None = wanted if wanted else (True if activity else None)
    with file_progress(progress) as cb:
        run = run_report(
            inputs, output=output, registry=registry, ports=ports, port_radius_km=port_radius_km, all_vessels=all_vessels,
            port=port, since=since, until=until, offline=offline, tiles=tiles, full_paths=full_paths,
            max_track_points=max_track_points, activity=detect_activity, activity_events=activity_events,
            max_activity_events=max_activity_events, scenes=scene_table, detections=det_table,
            max_detections=max_detections,
            detect_params=DetectParams(), engine=engine, memory_limit_mb=memory_limit_mb, scheduler=scheduler, progress=cb,
        )  # fmt: skip
    for note in run.notes:
        err.print(f"note: {note}", highlight=False)
    s = run.summary
    out.print(
        f"{run.detect.rows_in:,} observations, {s['vessels']:,} vessels located ({s['vessels_unlocated']:,} without position), "
        f"{s['events']:,} events, {s['zones']:,} zones; track points {s['points_kept']:,} of {s['points_in']:,}",
        highlight=False,
    )
    if s["activity_in_period"] or detect_activity or activity_events is not None:
        by_type = ", ".join(f"{k} {v:,}" for k, v in s["activity_by_type"].items()) or "none"
        out.print(
            f"activity at sea drawn: {s['activity']:,} of {s['activity_in_period']:,} ({by_type})",
            highlight=False,
        )
    if scene_table is not None or det_table is not None:
        by_status = ", ".join(f"{k} {v:,}" for k, v in s["detections_by_status"].items()) or "none"
        out.print(
            f"satellite imagery drawn: {s['scenes']:,} of {s['scenes_in_period']:,} scenes, "
            f"{s['detections']:,} of {s['detections_in_period']:,} detections ({by_status})",
            highlight=False,
        )
    if len(run.quarantine):
        out.print(
            f"{len(run.quarantine):,} input rows quarantined (see `navwatch detect` for the file)",
            highlight=False,
        )
    path = run.output
    mb = path.stat().st_size / 1e6
    online = f", tiles from {tiles}" if tiles else ", self-contained"
    err.print(f"report written to {path} ({mb:.1f} MB{online})", highlight=False)
    if png is not None:
        from ..report import screenshot

        screenshot(path, png, at=at, network=bool(tiles))
        err.print(f"picture written to {png}", highlight=False)


def _read_scenes(path: Path):
    """The scenes file as a GeoDataFrame (``navwatch.imagery.read_scenes``)."""
    from ..imagery import read_scenes

    return read_scenes(path)
