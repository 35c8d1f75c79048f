"""Scale-out: archives larger than memory (:func:`detect_partitioned`) and Dask clusters."""

from .dask_engine import detect_dask
from .partition import BYTES_PER_ROW, PartitionPlan, bucket_of, detect_partitioned

__all__ = ["BYTES_PER_ROW", "PartitionPlan", "bucket_of", "detect_dask", "detect_partitioned"]
