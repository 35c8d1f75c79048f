"""``navwatch demo``: the Tartus, late-2024 case from evidence shipped with navwatch."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo import demo_inputs
from ..dispersal import DispersalParams
from ..jobs import run_detect, run_dispersal, run_report
from ._common import app, handle_errors, out, print_run_summary


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
    )
    disp = run_dispersal(
        demo_inputs(),
        port="Tartus",
        params=DispersalParams(every="6h"),
        output=output_dir / "dispersal.csv",
        quarantine=q,
    ).dispersal
    run_report(demo_inputs(), port="Tartus", offline=True, output=output_dir / "report.html")
    print_run_summary(run, title="navwatch demo: Tartus, Nov-Dec 2024")
    _print_fleet(disp.fleet)
    out.print(
        f"outputs in {output_dir}/: events.csv, visits.csv, dispersal.csv, dispersal.fleet.csv, report.html (offline)",
        highlight=False,
    )


def _print_fleet(fleet) -> None:
    """Fleet status counts at the steps where they change."""
    from rich.table import Table

    cols = ["n_in_port", "n_offshore", "n_at_sea", "n_in_other_port", "n_unknown"]
    changed = fleet[cols].ne(fleet[cols].shift()).any(axis=1)
    t = Table(title="Tartus fleet, 6-hourly (rows where the counts change)", title_justify="left")
    for c in (
        "time (UTC)",
        "in port",
        "offshore",
        "at sea",
        "other port",
        "unknown",
        "max km from home",
    ):
        t.add_column(c, justify="left" if c.startswith("time") else "right")
    for _, r in fleet[changed].iterrows():
        km = "" if r["max_distance_km"] != r["max_distance_km"] else f"{r['max_distance_km']:.1f}"
        t.add_row(r["time"].strftime("%Y-%m-%d %H:%M"), *(str(int(r[c])) for c in cols), km)
    out.print(t)
