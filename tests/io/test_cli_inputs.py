"""What the CLI prints about each input: rows, quarantined, stations skipped as not vessels (by
class), rows kept with a nonstandard MMSI and confidence values not understood."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from navwatch.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"


def _detect_output(tmp_path, *files) -> str:
    """``navwatch detect FILES --all-vessels``: its output with white space folded."""
    args = [
        "detect",
        *(str(f) for f in files),
        "--all-vessels",
        "-o",
        str(tmp_path / "events.csv"),
        "--no-progress",
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return " ".join(res.output.split())


def test_detect_prints_skipped_classes_nonstandard_mmsi_and_confidence_warnings(tmp_path):
    out = _detect_output(
        tmp_path, DATA / "dma" / "dma_from_nyharbor.csv", DATA / "evidence" / "sightings.csv"
    )
    assert "not vessels" in out
    assert (
        "dma_from_nyharbor.csv: skipped, not vessels (ITU-R M.585 MMSI class): "
        "aid_to_navigation 1, coast_station 1"
    ) in out
    # MACKENZIE ROSE (MMSI 896876500) is kept: its one row is counted, not skipped
    assert "dma_from_nyharbor.csv: 1 row with a nonstandard MMSI (kept)" in out
    assert "sightings.csv: skipped" not in out and "sightings.csv: 1 row" not in out
    assert (
        "sightings.csv: warning: confidence not understood, kept at the default reliability: '1.4' 1"
    ) in out


def test_nonstandard_mmsi_note_plural_and_absent(tmp_path):
    out = _detect_output(
        tmp_path,
        DATA / "noaa" / "nyharbor_2020-06-30_head.csv",
        DATA / "noaa" / "nyharbor_2020-06-30_tugs_ferry.csv",
    )
    assert "nyharbor_2020-06-30_head.csv: 4 rows with a nonstandard MMSI (kept)" in out
    assert "tugs_ferry.csv: " not in out  # only ship MMSIs: no note
    assert "skipped, not vessels" not in out
