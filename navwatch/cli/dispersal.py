"""``navwatch dispersal``: inputs -> per-vessel status over time and fleet dispersal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from ..detect import DetectParams
from ..dispersal import Dispersal, DispersalParams
from ..jobs import run_dispersal
from ._common import (
    EXIT_QUARANTINED,
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
    duration,
    err,
    file_progress,
    fmt_time,
    handle_errors,
    out,
    table_path,
    time_option,
)

INPUTS = typer.Argument(
    help="Observation files or Parquet dataset folders: NOAA/DMA/any CSV (.gz/.zst/.zip), NMEA, Parquet, GeoPackage/GeoJSON, sightings or port-survey CSV. Format is detected from content.",
    show_default=False,
)

#: At most this many time steps are printed (those where the fleet counts change).
MAX_PRINTED_STEPS = 40


@app.command()
@handle_errors
def dispersal(
    inputs: Annotated[list[Path], INPUTS],
    registry: RegistryOption = None,
    ports: PortsOption = None,
    port_radius_km: PortRadiusOption = None,
    port: Annotated[
        str | None,
        typer.Option(
            "--port",
            help="The fleet: vessels whose home port is this port (default: every vessel). Also the home port of vessels the registry gives none.",
        ),
    ] = None,
    vessel: Annotated[
        list[str] | None,
        typer.Option(
            "--vessel",
            help="Only this vessel (id or registry name); repeat for several. Overrides the --port selection.",
        ),
    ] = None,
    every: Annotated[
        pd.Timedelta,
        typer.Option(
            "--every",
            parser=duration,
            metavar="<duration>",
            help="Time step, with its unit: 6h, 1D, 30min, 90s, ...",
        ),
    ] = "6h",
    stale_after_h: Annotated[
        float,
        typer.Option(
            "--stale-after-h",
            min=0,
            help="A status resting on older evidence becomes 'unknown' (stale).",
        ),
    ] = DispersalParams.stale_after_h,
    interpolate_max_gap_h: Annotated[
        float,
        typer.Option(
            "--interpolate-max-gap-h",
            min=0,
            help="Interpolate positions between fixes at most this far apart.",
        ),
    ] = DispersalParams.interpolate_max_gap_h,
    since: Annotated[
        pd.Timestamp | None,
        time_option(
            "--since",
            "First time step (UTC, ISO 8601). Default: the first evidence, floored to the step.",
        ),
    ] = None,
    until: Annotated[
        pd.Timestamp | None,
        time_option(
            "--until",
            "Last time step (UTC, ISO 8601). Default: the first step at or after the last evidence.",
        ),
    ] = None,
    all_vessels: Annotated[
        bool,
        typer.Option(
            "--all-vessels",
            help="Track every MMSI in the data, not only registry vessels (without --port/--vessel: every vessel with evidence).",
        ),
    ] = False,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            callback=table_path,
            help="Per-vessel table: .csv, .parquet, .geojson or .gpkg. The fleet table goes next to it as <stem>.fleet.csv.",
        ),
    ] = Path("dispersal.csv"),
    quarantine: QuarantineOption = None,
    engine: EngineOption = "memory",
    scheduler: SchedulerOption = None,
    memory_limit_mb: MemoryLimitOption = 2048,
    strict: StrictOption = False,
    progress: ProgressOption = True,
) -> None:
    """Fleet dispersal over time: per vessel in_port / offshore / at_sea / in_other_port /
    unknown, with the evidence behind it, its age, a position and the distance from home; per
    step the counts, median and max distance from home and the fleet's spread.

    Writes the per-vessel table and <stem>.fleet.csv and prints the fleet counts over time.
    """
    params = DispersalParams(
        every=every, stale_after_h=stale_after_h, interpolate_max_gap_h=interpolate_max_gap_h
    )
    with file_progress(progress) as cb:
        run = run_dispersal(
            inputs,
            output=output,
            quarantine=quarantine,
            registry=registry,
            ports=ports,
            port_radius_km=port_radius_km,
            all_vessels=all_vessels,
            port=port,
            vessels=list(vessel) if vessel else None,
            start=since,
            end=until,
            params=params,
            detect_params=DetectParams(),
            engine=engine,
            memory_limit_mb=memory_limit_mb,
            scheduler=scheduler,
            progress=cb,
        )
    print_dispersal_summary(run.dispersal, title=f"navwatch dispersal: {port or 'all vessels'}")
    n_obs = int(run.detection.stats.get("rows_in", 0))
    err.print(
        f"{n_obs:,} observations from {len(inputs)} input(s); per-vessel table written to {run.output}, fleet table to {run.fleet_output}",
        highlight=False,
    )
    if run.quarantine_output is not None:
        err.print(
            f"{len(run.quarantine):,} rejected rows written to {run.quarantine_output}",
            highlight=False,
        )
    raise typer.Exit(EXIT_QUARANTINED if strict and len(run.quarantine) else 0)


def _km(x) -> str:
    return "" if x is None or pd.isna(x) else f"{x:.1f}"


def print_dispersal_summary(
    disp: Dispersal, *, title: str = "navwatch dispersal", max_steps: int = MAX_PRINTED_STEPS
) -> None:
    """The fleet counts over time (steps where they change) and every vessel at the last step."""
    fleet = disp.fleet
    if fleet.empty or int(fleet["n_vessels"].iloc[0]) == 0:
        out.print("no vessels in the fleet, or no time steps: nothing to show", highlight=False)
        return
    counts = ["n_in_port", "n_offshore", "n_at_sea", "n_in_other_port", "n_unknown"]
    key = fleet[counts].astype(str).agg(",".join, axis=1)
    show = fleet[(key != key.shift()) | (fleet.index == fleet.index[-1])]
    if len(show) > max_steps:
        show = pd.concat([show.head(max_steps - 1), show.tail(1)])
    n_v = int(fleet["n_vessels"].iloc[0])
    t = Table(
        title=f"{title}: {n_v} vessel(s), every {_every(disp.params.every)}, stale after {disp.params.stale_after_h:g} h",
        title_justify="left",
        caption=f"{len(fleet)} steps; showing {len(show)} where the counts change"
        if len(show) < len(fleet)
        else None,
        caption_justify="left",
    )
    for c in (
        "time (UTC)",
        "in port",
        "offshore",
        "at sea",
        "other port",
        "unknown",
        "median km",
        "max km",
        "spread km",
    ):
        t.add_column(c, justify="left" if c == "time (UTC)" else "right", no_wrap=True)
    for _, r in show.iterrows():
        t.add_row(
            fmt_time(r["time"]),
            *(str(int(r[c])) for c in counts),
            _km(r["median_distance_km"]),
            _km(r["max_distance_km"]),
            _km(r["spread_km"]),
        )
    out.print(t)

    last = disp.vessels[disp.vessels["time"] == fleet["time"].iloc[-1]]
    vt = Table(title=f"vessels at {fmt_time(fleet['time'].iloc[-1])} UTC", title_justify="left")
    for c in (
        "vessel",
        "status",
        "last evidence (UTC)",
        "age h",
        "position",
        "km from home",
        "note",
    ):
        vt.add_column(
            c,
            justify="right" if c in ("age h", "km from home") else "left",
            no_wrap=c not in ("note", "vessel"),
        )
    for _, r in last.iterrows():
        status = str(r["status"]) + (
            f" ({r['other_port']})" if isinstance(r["other_port"], str) and r["other_port"] else ""
        )
        evidence = (
            ""
            if pd.isna(r["last_evidence_time"])
            else f"{r['last_evidence_kind']} {fmt_time(r['last_evidence_time'])}"
        )
        age = "" if pd.isna(r["last_evidence_age_h"]) else f"{r['last_evidence_age_h']:.1f}"
        note = "" if pd.isna(r["note"]) else str(r["note"])
        vt.add_row(
            str(r["vessel_name"]),
            status,
            evidence,
            age,
            str(r["position_method"]),
            _km(r["distance_home_km"]),
            note,
        )
    out.print(vt)


def _every(td) -> str:
    td = pd.Timedelta(td)
    for unit, ns in (
        ("D", 86_400 * 10**9),
        ("h", 3_600 * 10**9),
        ("min", 60 * 10**9),
        ("s", 10**9),
    ):
        if td.value % ns == 0:
            return f"{td.value // ns}{unit}"
    return str(td)
