"""Readers for tabular AIS and position files: NOAA MarineCadastre, DMA, generic CSV, Parquet,
GeoPackage/GeoJSON and Tracktable ``.traj``.

Every reader returns a canonical observation table (:mod:`navwatch.schema`) with ``src_file`` and
``src_line`` provenance, sends bad rows to a :class:`~navwatch.quarantine.Quarantine` and records
counts in ``df.attrs['stats']``: ``records`` seen = ``rows`` returned + ``quarantined`` +
``skipped_non_vessel`` (stations that are not vessels by their MMSI, by class in
``skipped_by_class``; see :mod:`navwatch.io.mmsi`), plus ``nonstandard_mmsi`` (rows kept whose
9-digit MMSI does not start 2-7, i.e. not a ship's MID) and ``confidence_unknown`` (value -> rows)
when confidence values were not understood. Times are read by :mod:`navwatch.io.times` (format
detected once per column); MMSIs are checked by :mod:`navwatch.io.mmsi` (``bad_mmsi``).

The modules, in the order a CSV row goes through them:

* :mod:`.columns`: column recognition (:func:`recognise_columns`, :data:`SYNONYMS`);
* :mod:`.csv_engine`: blocks of CSV text -> string columns with exact line numbers;
* :mod:`.values`: any arrow column -> canonical values;
* :mod:`.finish`: validation (bad rows to the quarantine) and the finished table;
* :mod:`.csv_readers`: NOAA, DMA and generic CSV;
* :mod:`.parquet`, :mod:`.geo`, :mod:`.traj`: Parquet/GeoParquet, GeoPackage/GeoJSON (pyogrio),
  Tracktable ``.traj``.
"""

from __future__ import annotations

# Besides __all__, the names importable from navwatch.io.tables before it was split: other public
# names (navwatch.scale imports iter_parquet) and the private helpers navwatch.io.evidence builds
# its CSV readers from.
from .._common import trimmed_text as _text  # noqa: F401
from .columns import SYNONYMS, normalise_name, recognise_columns
from .csv_engine import CHUNK_BYTES as CHUNK_BYTES
from .csv_readers import DMA_NON_VESSEL as DMA_NON_VESSEL
from .csv_readers import _Ctx as _Ctx
from .csv_readers import _read_csv_with as _read_csv_with
from .csv_readers import read_dma, read_generic_csv, read_noaa
from .finish import _add_problem as _add_problem
from .geo import read_geo
from .parquet import iter_parquet as iter_parquet
from .parquet import read_parquet
from .traj import read_traj
from .values import NAV_STATUS_TEXT as NAV_STATUS_TEXT
from .values import _frame as _frame

__all__ = [
    "SYNONYMS",
    "normalise_name",
    "read_dma",
    "read_generic_csv",
    "read_geo",
    "read_noaa",
    "read_parquet",
    "read_traj",
    "recognise_columns",
]
