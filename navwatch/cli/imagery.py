"""``navwatch imagery``: satellite detections + scenes (+ AIS) -> matched detections and the
port surveys their footprints give."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..imagery import ImageryParams
from ..jobs import run_imagery
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

EXIT_QUARANTINED = 3

IMAGERY_INPUTS = typer.Argument(
    ...,
    help="Satellite detections (GFW SAR/optical tables, Skylight predictions.csv, generic CSV/GeoJSON), scenes (CSV with WKT/GeoJSON footprints, GeoJSON, GeoPackage) and any AIS to match them with. Each file's kind is detected from its content.",
    show_default=False,
)


def _surveys_path(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in (".csv", ".parquet"):
        raise typer.BadParameter(
            f"{value}: the surveys table is .csv or .parquet (it has no position)"
        )
    return value


@app.command()
@handle_errors
def imagery(
    inputs: list[Path] = IMAGERY_INPUTS,
    registry: RegistryOption = None,
    ports: PortsOption = None,
    port_radius_km: PortRadiusOption = None,
    output: Path = typer.Option(
        Path("detections.csv"), "--output", "-o", callback=table_path,
        help="Matched detections: .csv, .parquet, .geojson or .gpkg.",
    ),
    surveys: Path = typer.Option(
        Path("imagery_surveys.csv"), "--surveys", callback=_surveys_path,
        help="The port surveys derived from the footprints (.csv or .parquet); `navwatch detect` reads the CSV like hand surveys.",
    ),
    quarantine: QuarantineOption = None,
    match_base_m: float = typer.Option(ImageryParams.match_base_m, min=0, help="Distance limit when the AIS fix is at the scene time, metres."),
    match_max_m: float = typer.Option(ImageryParams.match_max_m, min=0, help="Largest distance limit, however old the nearest fix, metres."),
    max_fix_gap_h: float = typer.Option(ImageryParams.max_fix_gap_h, min=0, help="AIS tracks with no fix this close to the scene time are not matched."),
    full_coverage: float = typer.Option(ImageryParams.full_coverage, min=0, max=1, help="Share of a zone a footprint must cover for a full survey (absence counts)."),
    strict: StrictOption = False,
    progress: ProgressOption = True,
) -> None:  # fmt: skip
    """Match satellite detections to AIS and the registry, and derive port surveys from the
    scene footprints.

    Writes the detections (matched vessel or, for dark ones, the registry vessels their length
    fits), the surveys (one per scene and port zone imaged: what was there, what could not be
    told, with a confidence from sensor, coverage and cloud) and the rejected rows.
    """
    params = ImageryParams(match_base_m=match_base_m, match_max_m=max(match_max_m, match_base_m),
                           max_fix_gap_h=max_fix_gap_h, full_coverage=full_coverage,
                           min_coverage=min(ImageryParams.min_coverage, full_coverage))  # fmt: skip
    with file_progress(progress) as cb:
        run = run_imagery(
            inputs, output=output, surveys_output=surveys, quarantine=quarantine, registry=registry,
            ports=ports, port_radius_km=port_radius_km, params=params, progress=cb,
        )  # fmt: skip
    _print_inputs(run.read_stats.get("files", []), "navwatch imagery")
    _print_imagery(run.evidence)
    err.print(f"{len(run.evidence.detections):,} detections written to {output}", highlight=False)
    err.print(f"{len(run.evidence.surveys):,} surveys written to {surveys}", highlight=False)
    if run.quarantine_output is not None:
        err.print(
            f"{len(run.quarantine):,} rejected rows written to {run.quarantine_output}",
            highlight=False,
        )
    raise typer.Exit(EXIT_QUARANTINED if strict and len(run.quarantine) else 0)


def _print_imagery(ev, max_rows: int = 25) -> None:
    s = ev.summary
    out.print(
        f"{s['scenes']:,} scene(s), {s['detections']:,} detection(s): {s['matched']:,} matched to "
        f"AIS, {s.get('ambiguous', 0):,} ambiguous (two tracks about as near), {s['dark']:,} dark; "
        f"{s['surveys']:,} survey(s) ({s['full_surveys']:,} full coverage)",
        highlight=False,
    )
    sv = ev.surveys
    if not len(sv):
        return
    t = Table(title=f"surveys from imagery ({len(sv):,})", title_justify="left")
    for c in ("time (UTC)", "zone", "coverage", "confidence", "present"):
        t.add_column(c, no_wrap=c != "present")
    for _, r in sv.head(max_rows).iterrows():
        t.add_row(fmt_time(r["time"]), str(r["port"]), f"{r['coverage']} ({r['coverage_fraction']:.0%})",
                  f"{r['confidence']:.2f}", str(r["present"]) or "(nothing)")  # fmt: skip
    out.print(t)
    if len(sv) > max_rows:
        out.print(f"... {len(sv) - max_rows:,} more in the surveys file", highlight=False)
