"""``navwatch demo``: the Tartus, late-2024 case from evidence shipped with navwatch."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo import demo_inputs
from ..io.writers import write_table
from ..pipeline import detect_files
from ._common import app, handle_errors, out, print_run_summary


@app.command()
@handle_errors
def demo(
    output_dir: Path = typer.Option(Path("demo-out"), "--output-dir", "-o", help="Folder for the demo outputs."),
) -> None:
    """Run the Tartus case: imagery 30 Nov 2024 shows all six ships in port, ... 10 Dec two
    frigates offshore. Writes events.csv (and the quarantine, if any) and prints a summary."""
    run = detect_files(demo_inputs())
    output_dir.mkdir(parents=True, exist_ok=True)
    write_table(run.events, output_dir / "events.csv")
    if len(run.quarantine):
        run.quarantine.write(output_dir / "quarantine.csv")
    print_run_summary(run, title="navwatch demo: Tartus, Nov-Dec 2024")
    out.print(f"outputs in {output_dir}/: events.csv", highlight=False)
