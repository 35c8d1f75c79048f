"""The Tartus, Syria, late-2024 case, from evidence shipped with navwatch.

Sources for every row are in the files' ``source``/``notes`` columns and in
``navwatch/data/demo/README.md``.
"""

from __future__ import annotations

from pathlib import Path


def demo_dir() -> Path:
    """Folder holding the demo evidence shipped in the package."""
    return Path(__file__).resolve().parent / "data" / "demo"


def demo_inputs() -> list[Path]:
    """The demo evidence files: port surveys and sightings."""
    d = demo_dir()
    return [d / "surveys.csv", d / "sightings.csv"]
