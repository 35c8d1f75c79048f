"""``navwatch demo``: the Tartus, late-2024 case from evidence shipped with navwatch."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo import demo_inputs
from ..dispersal import DispersalParams
from ..jobs import run_detect, run_dispersal, run_report
from ._common import app, handle_errors, out, print_run_summary
from .dispersal import print_dispersal_summary


@app.command()
@handle_errors
def demo(
    output_dir: Path = typer.Option(
        Path("demo-out"), "--output-dir", "-o", help="Folder for the demo outputs."
    ),
) -> None:
    """Run the Tartus case: imagery 30 Nov 2024 shows all six ships in port, ... 10 Dec two
    frigates offshore. Writes the events table, the fleet dispersal (per vessel and per fleet,
    every 6 h) and a self-contained HTML map report, and prints a summary."""
    q = output_dir / "quarantine.csv"  # the demo's one quarantine file, if any row is rejected
    output_dir.mkdir(parents=True, exist_ok=True)
    run = run_detect(
        demo_inputs(),
        output=output_dir / "events.csv",
        visits_output=output_dir / "visits.csv",
        quarantine=q,
        with_states=True,
    )
    disp = run_dispersal(  # one detection for the three outputs
        demo_inputs(),
        detected=run,
        port="Tartus",
        params=DispersalParams(every="6h"),
        output=output_dir / "dispersal.csv",
        quarantine=q,
    ).dispersal
    run_report(
        demo_inputs(), detected=run, port="Tartus", offline=True, output=output_dir / "report.html"
    )
    print_run_summary(run, title="navwatch demo: Tartus, Nov-Dec 2024")
    print_dispersal_summary(disp, title="Tartus fleet")
    out.print(
        f"outputs in {output_dir}/: events.csv, visits.csv, dispersal.csv, dispersal.fleet.csv, report.html (self-contained)",
        highlight=False,
    )
