"""Tracktable ``.traj`` text files: one trajectory per line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ...quarantine import Quarantine
from .._common import Source, as_path, open_binary
from .._common import trimmed_text as _text
from ..times import TimeColumn
from .csv_engine import _read
from .finish import _finish, _new_stats, _process
from .values import _MMSI_CODE, _MMSI_REASON, _frame


def read_traj(path: Source, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read a Tracktable ``.traj`` text file (one trajectory per line).

    Each line is ``*T*,<uuid>,terrestrial,<n>,0,*P*,terrestrial,2,1,1,0,`` then ``n`` groups of
    ``<object id>,<YYYY-MM-DD HH:MM:SS>,<lon>,<lat>``. The object id is the MMSI. A line that does
    not have this shape (or the announced number of points) goes to the quarantine as
    ``parse_error`` with its line number; ``src_line`` of every point is its trajectory's line.

    Parameters
    ----------
    path : str, Path or InMemory
        The file, optionally compressed.
    quarantine : Quarantine, optional
        Receives bad lines and points.

    Returns
    -------
    pandas.DataFrame
        Canonical observations with ``kind='ais'``, ``source='AIS'``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.traj"
    >>> _ = p.write_text("*T*,u1,terrestrial,2,0,*P*,terrestrial,2,1,1,0,"
    ...     "367073680,2020-12-01 11:31:39,-74.03917,40.71079,367073680,2020-12-01 11:34:20,-74.0335,40.71\\n")
    >>> df = read_traj(p)
    >>> len(df), int(df["mmsi"].iloc[0]), float(df["lat"].iloc[1])
    (2, 367073680, 40.71)
    """
    p = as_path(path)
    local = Quarantine()
    stats = _new_stats("traj")
    with open_binary(p) as fh:
        text = _read(fh, -1, p).decode("utf-8", errors="replace")
    values: list[str] = []
    lines: list[int] = []
    counts: list[int] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        stats["records"] += 1
        f = line.rstrip(",").split(",")
        reason = None
        if len(f) < 11 or f[0] != "*T*" or f[5] != "*P*":
            reason = "not a Tracktable trajectory line ('*T*,<id>,<domain>,<n>,0,*P*,...')"
        else:
            try:
                n = int(f[3])
                dims, has_id, has_ts, n_props = int(f[7]), int(f[8]), int(f[9]), int(f[10])
            except ValueError:
                reason = "trajectory header fields are not integers"
            else:
                if (dims, has_id, has_ts, n_props) != (2, 1, 1, 0):
                    reason = (
                        f"unsupported point layout: {dims} coords, id={has_id}, time={has_ts}, "
                        f"{n_props} properties (expected 2,1,1,0)"
                    )
                elif len(f) - 11 != 4 * n:
                    reason = f"header announces {n} points (4 fields each) but line has {len(f) - 11} point fields"
        if reason is not None:
            local.add(p, lineno, "parse_error", reason, line)
            continue
        values.extend(f[11:])
        lines.append(lineno)
        counts.append(n)
    ids = pa.chunked_array([pa.array(values[0::4], pa.string())])
    cols = {
        "mmsi": ids,
        "time": pa.chunked_array([pa.array(values[1::4], pa.string())]),
        "lon": pa.chunked_array([pa.array(values[2::4], pa.string())]),
        "lat": pa.chunked_array([pa.array(values[3::4], pa.string())]),
    }
    stats["points"] = len(values) // 4
    npts = len(values) // 4
    times = TimeColumn(p, "time")
    df = _frame(cols, npts, times=times)
    times.finish()
    if _MMSI_CODE in df.columns:
        # object ids that are not numbers are kept as the vessel reference, not bad MMSIs
        text = pd.Series(_text(ids).to_pandas(), dtype="object")
        named = ~text.str.fullmatch(r"[-+]?[0-9.eE]+").fillna(True).to_numpy(dtype=bool)
        if named.any():
            df["vessel"] = pd.Series(text.where(named, None), dtype="string").array
            df.loc[named, _MMSI_CODE] = 0
            if _MMSI_REASON in df.columns:
                df.loc[named, _MMSI_REASON] = None
    df["src_line"] = pd.array(np.repeat(np.asarray(lines, dtype=np.int64), counts), dtype="Int32")

    def raw(idx: np.ndarray) -> list[str]:
        return [",".join(values[4 * i : 4 * i + 4]) for i in idx]

    frames = [_process(df, stats, local, p, raw)]
    return _finish(frames, p, local, quarantine, stats, kind="ais", source="AIS")
