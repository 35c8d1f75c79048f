"""Moved to :mod:`navwatch.jobs` (one job layer); kept so existing imports keep working."""

from .jobs import DetectRun as DetectRun
from .jobs import Engine as Engine
from .jobs import detect_files as detect_files

__all__ = ["DetectRun", "Engine", "detect_files"]
