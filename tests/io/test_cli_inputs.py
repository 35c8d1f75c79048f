"""What the CLI prints about each input: rows, quarantined, stations skipped as not vessels (by
class) and confidence values not understood."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from navwatch.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"


def test_detect_prints_skipped_classes_and_confidence_warnings(tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "detect",
            str(DATA / "dma" / "dma_from_nyharbor.csv"),
            str(DATA / "evidence" / "sightings.csv"),
            "--all-vessels",
            "-o",
            str(tmp_path / "events.csv"),
            "--no-progress",
        ],
    )
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "not vessels" in out
    assert (
        "dma_from_nyharbor.csv: skipped, not vessels (ITU-R M.585 MMSI class): "
        "aid_to_navigation 1, coast_station 1, divers_radio 1"
    ) in out
    assert (
        "sightings.csv: warning: confidence not understood, kept at the default reliability: '1.4' 1"
    ) in out
