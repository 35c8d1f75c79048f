"""Validation and finishing: the checks every reader runs on a converted frame (:func:`_process`)
and the canonical table it returns (:func:`_finish`), with its ``attrs['stats']``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import schema
from ...quarantine import Quarantine
from .._common import InMemory, position_problems, split_valid
from ..mmsi import NON_VESSEL_CLASSES, count_nonstandard
from .values import _CONF_UNKNOWN, _HIDDEN, _MMSI_CODE, _MMSI_REASON, _TIME_REASON


def _problems(df: pd.DataFrame, *, position: bool | np.ndarray = True) -> pd.DataFrame:
    """Time, position and MMSI problems; ``position`` False (or a mask) limits the position
    checks. Unreadable times get the reason :class:`TimeColumn` gave (column and value)."""
    if position is False:
        t = df["time"].isna().to_numpy()
        probs = pd.DataFrame(
            {
                "code": np.where(t, "bad_time", None).astype(object),  # type: ignore[call-overload]
                "reason": np.where(t, "time missing or unparseable", None).astype(object),  # type: ignore[call-overload]
            },
            index=df.index,
        )
    else:
        probs = position_problems(df["lat"], df["lon"], df["time"])
        if position is not True:
            only_time = (
                ~np.asarray(position) & (probs["code"] != "bad_time").fillna(True).to_numpy()
            )
            probs.loc[only_time, ["code", "reason"]] = None
    if _TIME_REASON in df.columns:
        reason = df[_TIME_REASON].to_numpy(dtype=object)
        m = (probs["code"] == "bad_time").to_numpy(dtype=bool, na_value=False) & pd.notna(reason)
        if m.any():
            probs.loc[m, "reason"] = reason[m]
    if _MMSI_REASON in df.columns:
        reason = df[_MMSI_REASON].to_numpy(dtype=object)
        _add_problem(probs, pd.notna(reason), "bad_mmsi", reason)
    return probs


def _skip_non_vessels(
    df: pd.DataFrame, skip: np.ndarray | None, stats: dict[str, Any]
) -> np.ndarray | None:
    """Mask of the rows to keep (None = all): drops rows of non-vessel stations, by the reader's
    own rule (``skip``: class name per row or None, e.g. DMA ``Type of mobile``) or by the MMSI
    (:mod:`navwatch.io.mmsi`), and counts them by class in ``stats``."""
    drop = np.zeros(len(df), dtype=bool)
    by_class = stats.setdefault("skipped_by_class", {})
    if skip is not None:
        skip = np.asarray(skip, dtype=object)
        drop = pd.notna(skip)
        for name, k in zip(*np.unique(skip[drop].astype(str), return_counts=True), strict=True):
            by_class[str(name)] = by_class.get(str(name), 0) + int(k)
    if _MMSI_CODE in df.columns:
        code = df[_MMSI_CODE].to_numpy()
        cls = (code > 0) & ~drop
        if cls.any():
            for c, k in zip(*np.unique(code[cls], return_counts=True), strict=True):
                name = NON_VESSEL_CLASSES[int(c) - 1]
                by_class[name] = by_class.get(name, 0) + int(k)
            drop |= cls
    if not drop.any():
        return None
    stats["skipped_non_vessel"] = stats.get("skipped_non_vessel", 0) + int(drop.sum())
    return ~drop


def _remapped(
    raw: Callable[[np.ndarray], list[str]], rows: np.ndarray
) -> Callable[[np.ndarray], list[str]]:
    """``raw`` for positions among the kept rows ``rows`` of the frame before skipping."""
    return lambda idx: raw(rows[idx])


def _process(
    df: pd.DataFrame,
    stats: dict[str, Any],
    local: Quarantine,
    path: str | Path | InMemory,
    raw: Callable[[np.ndarray], list[str]],
    *,
    skip: np.ndarray | None = None,
    position: bool | np.ndarray | Callable[[pd.DataFrame], bool | np.ndarray] = True,
    extra_checks: Callable[[pd.DataFrame, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """The checks every reader runs on a frame from :func:`_frame`: skip non-vessel stations
    (counted), quarantine bad rows (``raw(positions)`` gives their text), count the rows kept
    with a nonstandard MMSI and confidence values not understood; returns the good rows
    without the hidden columns."""
    keep = _skip_non_vessels(df, skip, stats)
    if keep is not None:
        df = df.loc[keep].reset_index(drop=True)
        rows = np.flatnonzero(keep)
        raw = _remapped(raw, rows)
    probs = _problems(df, position=position(df) if callable(position) else position)
    if extra_checks is not None:
        extra_checks(df, probs)
    out = _validate(df, probs, raw, local, path)
    if "mmsi" in out.columns:
        stats["nonstandard_mmsi"] = stats.get("nonstandard_mmsi", 0) + count_nonstandard(
            out["mmsi"]
        )
    if _CONF_UNKNOWN in out.columns:
        unknown = stats.setdefault("confidence_unknown", {})
        for value, k in out[_CONF_UNKNOWN].dropna().value_counts().items():
            unknown[str(value)] = unknown.get(str(value), 0) + int(k)
    hidden = [c for c in _HIDDEN if c in out.columns]
    return out.drop(columns=hidden) if hidden else out


def _add_problem(probs: pd.DataFrame, mask: np.ndarray, code: str, reason: Any) -> None:
    """Set ``code``/``reason`` where ``mask`` and no earlier problem (first problem wins)."""
    m = np.asarray(mask, dtype=bool) & probs["code"].isna().to_numpy()
    if m.any():
        probs.loc[m, "code"] = code
        probs.loc[m, "reason"] = reason[m] if isinstance(reason, np.ndarray) else reason


def _validate(
    df: pd.DataFrame,
    probs: pd.DataFrame,
    raw: Callable[[np.ndarray], list[str]],
    quarantine: Quarantine,
    path: str | Path | InMemory,
) -> pd.DataFrame:
    bad = probs["code"].notna().to_numpy()
    if not bad.any():
        return df
    texts = np.full(len(df), "", dtype=object)
    idx = np.flatnonzero(bad)
    texts[idx] = raw(idx)
    return split_valid(df, probs, quarantine, path, pd.Series(texts, index=df.index))


def _finish(
    frames: list[pd.DataFrame],
    path: str | Path | InMemory,
    local: Quarantine,
    quarantine: Quarantine | None,
    stats: dict[str, Any],
    *,
    kind: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        df = frames[0].reset_index(drop=True)  # no data copy under copy-on-write
    else:
        # (schema.concat unions the blocks' categories: pd.concat would make them text again)
        df = schema.concat(frames) if frames else pd.DataFrame({c: [] for c in schema.REQUIRED})
    if kind is not None:
        df["kind"] = _const_kind(kind, len(df))
    else:
        df = _default_kind(df)
    if source is not None:
        df["source"] = _const_str(source, len(df))
    if "src_file" not in df.columns:
        df["src_file"] = _const_str(str(path), len(df))
    if "src_line" not in df.columns:
        df["src_line"] = pd.array([], dtype="Int32")
    if not any(c in df.columns for c in schema.IDENTITY):
        df["vessel"] = pd.array([pd.NA] * len(df), dtype="string")
    df = schema.conform(df, where=str(path))
    stats["rows"] = len(df)
    stats["quarantined"] = len(local)
    df.attrs["stats"] = dict(stats)
    if quarantine is not None and len(local):
        # parse errors are found before value checks: hand the rows over in file-line order
        rows = local.to_frame().sort_values("line", kind="stable", na_position="last")
        quarantine.add_frame(rows.reset_index(drop=True))
    return df


def _tz_array(values: np.ndarray, dtype: pd.DatetimeTZDtype):
    """A tz-aware datetime array over int64 ``values`` (epoch units of ``dtype``), sharing them."""
    raw = values.view(f"M8[{dtype.unit}]")
    try:  # no copy (pandas' own constructor copies 80 MB per 10 M rows)
        return pd.arrays.DatetimeArray._simple_new(raw, dtype=dtype)
    except (AttributeError, TypeError):  # pragma: no cover - other pandas versions
        return pd.arrays.DatetimeArray._from_sequence(raw, dtype=dtype)


class _Assembler:
    """Concatenates frames into preallocated arrays (numeric and masked columns; others are
    concatenated at the end, categoricals by uniting their categories): peak memory stays near
    the size of the result instead of all the blocks plus their concatenation. ``capacity`` is
    the expected row count (exact for Parquet, estimated for CSV); it grows when exceeded."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.n = 0
        self.arrays: dict[str, Any] = {}
        self.parts: dict[str, list] = {}
        self.dtypes: dict[str, Any] = {}

    def _grow(self, need: int) -> None:
        """Room for ``need`` rows (capacity at least 1.5 times larger: amortised copies)."""
        self.capacity = max(need, int(self.capacity * 1.5) + 1024)
        for c, a in self.arrays.items():
            if isinstance(a, tuple):
                self.arrays[c] = (np.resize(a[0], self.capacity), np.resize(a[1], self.capacity))
            else:
                self.arrays[c] = np.resize(a, self.capacity)

    def add(self, df: pd.DataFrame) -> None:
        k = len(df)
        if self.n + k > self.capacity:
            self._grow(self.n + k)
        for c in df.columns:
            s = df[c]
            if c not in self.dtypes:
                self.dtypes[c] = s.dtype
                if isinstance(s.dtype, pd.DatetimeTZDtype) or (
                    isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiub"
                ):
                    self.arrays[c] = np.empty(
                        self.capacity,
                        dtype="int64" if isinstance(s.dtype, pd.DatetimeTZDtype) else s.dtype,
                    )
                elif isinstance(
                    s.array,
                    pd.arrays.IntegerArray | pd.arrays.BooleanArray | pd.arrays.FloatingArray,
                ):
                    self.arrays[c] = (
                        np.empty(self.capacity, dtype=s.array._data.dtype),
                        np.ones(self.capacity, dtype=bool),
                    )
                else:
                    self.parts[c] = []
                if self.n:  # a column missing from earlier frames
                    self._backfill(c)
            if c in self.parts:
                self.parts[c].append(s.reset_index(drop=True))
            elif isinstance(self.arrays[c], tuple):
                vals, mask = self.arrays[c]
                vals[self.n : self.n + k] = s.array._data
                mask[self.n : self.n + k] = s.array._mask
            elif isinstance(s.dtype, pd.DatetimeTZDtype):
                self.arrays[c][self.n : self.n + k] = s.array.asi8
            else:
                self.arrays[c][self.n : self.n + k] = s.to_numpy()
        self.n += k

    def _backfill(self, c: str) -> None:
        dtype = self.dtypes[c]
        self.parts.setdefault(c, []) if c in self.parts else None
        if c in self.parts:
            self.parts[c].append(
                pd.Series(
                    [pd.NA] * self.n,
                    dtype=dtype if not isinstance(dtype, pd.CategoricalDtype) else "object",
                )
            )
        elif isinstance(self.arrays[c], tuple):
            self.arrays[c][1][: self.n] = True
        else:
            self.arrays[c][: self.n] = np.nan if np.dtype(self.arrays[c].dtype).kind == "f" else 0

    def frame(self) -> pd.DataFrame:
        n = self.n
        cols: dict[str, Any] = {}
        for c, dtype in self.dtypes.items():
            if c in self.parts:
                parts = self.parts[c]
                if parts and all(isinstance(x.dtype, pd.CategoricalDtype) for x in parts):
                    cols[c] = (
                        pd.Series(
                            pd.api.types.union_categoricals(
                                [x.array for x in parts], ignore_order=True
                            )
                        )
                        if len(parts) > 1
                        else parts[0]
                    )
                else:
                    cols[c] = pd.concat(parts, ignore_index=True) if len(parts) != 1 else parts[0]
            elif isinstance(self.arrays[c], tuple):
                vals, mask = self.arrays[c]
                cols[c] = pd.Series(type(pd.array([], dtype=dtype))(vals[:n], mask[:n]), copy=False)
            elif isinstance(dtype, pd.DatetimeTZDtype):
                cols[c] = pd.Series(_tz_array(self.arrays[c][:n], dtype), copy=False)
            else:
                cols[c] = pd.Series(self.arrays[c][:n], copy=False)
        return pd.DataFrame(cols, copy=False)


def _const_str(value: str, n: int) -> pd.Categorical:
    """``n`` copies of ``value`` as a categorical (1 byte a row, fast for millions)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _const_kind(kind: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(
        np.full(n, schema.KINDS.index(kind), dtype=np.int8), dtype=schema.KIND_DTYPE
    )


def _new_stats(fmt: str) -> dict[str, Any]:
    """Reader stats; ``records = rows + quarantined + skipped_non_vessel`` once read (for
    ``.traj`` records are lines and the identity holds for ``points``)."""
    return {
        "format": fmt,
        "records": 0,
        "rows": 0,
        "quarantined": 0,
        "skipped_non_vessel": 0,
        "skipped_by_class": {},
        "nonstandard_mmsi": 0,
    }


def _kind_checks(df: pd.DataFrame, probs: pd.DataFrame) -> None:
    if "kind" in df.columns:
        k = df["kind"]
        bad = k.notna().to_numpy() & ~k.isin(schema.KINDS).to_numpy()
        _add_problem(probs, bad, "bad_kind", f"kind must be one of {list(schema.KINDS)}")


def _default_kind(df: pd.DataFrame) -> pd.DataFrame:
    if (
        "kind" in df.columns
        and df["kind"].dtype == schema.KIND_DTYPE
        and not df["kind"].isna().any()
    ):
        return df  # already canonical (no object-array round trip over millions of rows)
    if "kind" in df.columns:
        k = df["kind"].where(df["kind"].isin(schema.KINDS), None).fillna("ais")
        df["kind"] = pd.Categorical(k, categories=schema.KINDS)
    else:
        df["kind"] = _const_kind("ais", len(df))
    return df


def _position_mask(df: pd.DataFrame) -> bool | np.ndarray:
    """Survey rows (canonical tables written back out) have no position: check time only."""
    if "kind" in df.columns:
        return ~(df["kind"] == "survey").to_numpy(dtype=bool, na_value=False)
    return True
