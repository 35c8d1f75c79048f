"""Moved to :mod:`navwatch.jobs` (one job layer); kept so existing imports keep working."""

from .io.writers import fleet_path as fleet_path
from .io.writers import write_dispersal as write_dispersal
from .jobs import DispersalRun as DispersalRun
from .jobs import dispersal_files as dispersal_files

__all__ = ["DispersalRun", "dispersal_files", "fleet_path", "write_dispersal"]
