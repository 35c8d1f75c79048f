"""Positions already consumed: live providers repeat messages, and a receiver that acknowledges
what it stored (AIS-catcher's HTTP push) is sent the same batch again when the watcher died
between storing it and answering. So that every position reaches detection once, each tick
screens the positions of its live and AISHub input against the keys of those consumed
recently, and commits the new keys with the tick (table ``nw_seen_positions``).

A position's key is a 64-bit hash of its vessel identity (the first of ``mmsi``, ``imo``,
``callsign``, ``name``, ``vessel`` given), its kind, its time to the nanosecond and its
latitude and longitude rounded to 1e-6 degree (0.1 m): the same report received twice, from
one source or two, has one key. Keys are kept for ``window_s`` of message time behind the
newest position consumed; a repeat older than that is not recognised and goes on to the
detectors, whose own duplicate screening treats it as a repeated fix.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..schema.observations import IDENTITY, time_ns

__all__ = ["SeenPositions", "position_keys"]

_NS = 1_000_000_000


def position_keys(obs: pd.DataFrame) -> np.ndarray:
    """The key of every row (uint64); rows without a time or place get distinct keys of their
    own (they are never screened: the decoders quarantine them)."""
    n = len(obs)
    ident = pd.Series([""] * n, index=obs.index, dtype=object)
    for c in reversed(IDENTITY):  # the first identity column given wins
        if c in obs.columns:
            v = obs[c].astype("string")
            ident = v.where(v.notna() & (v != ""), ident).astype(object)
    t = time_ns(obs["time"])
    frame = pd.DataFrame(
        {
            "id": ident.to_numpy(),
            "kind": obs["kind"].astype("string").fillna("").to_numpy()
            if "kind" in obs.columns
            else "",
            "t": t,
            "lat": np.round(pd.to_numeric(obs["lat"], errors="coerce").to_numpy() * 1e6),
            "lon": np.round(pd.to_numeric(obs["lon"], errors="coerce").to_numpy() * 1e6),
        }
    )
    keys = pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64)
    bad = _unplaced(frame)
    if bad.any():  # never equal to anything: a counter mixed into the hash
        keys = keys.copy()
        keys[bad] = np.uint64(0x9E3779B97F4A7C15) * np.arange(1, bad.sum() + 1, dtype=np.uint64)
    return keys


def _unplaced(frame: pd.DataFrame) -> np.ndarray:
    return (
        (frame["t"].to_numpy() == _NAT)
        | frame["lat"].isna().to_numpy()
        | frame["lon"].isna().to_numpy()
    )


_NAT = np.iinfo(np.int64).min


@dataclass
class SeenPositions:
    """Keys of the positions consumed recently (sorted) and their message times (ns)."""

    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    times: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def __len__(self) -> int:
        return len(self.keys)

    def screen(self, obs: pd.DataFrame, window_s: float) -> tuple[pd.DataFrame, int, SeenPositions]:
        """(the rows not consumed before and not repeated within ``obs``, how many were
        dropped, the keys to commit with the tick). ``self`` is not changed."""
        if not len(obs):
            return obs, 0, self
        keys = position_keys(obs)
        t = time_ns(obs["time"])
        _, first = np.unique(keys, return_index=True)
        keep = np.zeros(len(keys), bool)
        keep[first] = True
        keep &= ~self._has(keys)
        lat = pd.to_numeric(obs["lat"], errors="coerce").to_numpy(float)
        lon = pd.to_numeric(obs["lon"], errors="coerce").to_numpy(float)
        remember = keep & (t != _NAT) & ~np.isnan(lat) & ~np.isnan(lon)  # unplaced: no key
        all_keys = np.concatenate([self.keys, keys[remember]])
        all_times = np.concatenate([self.times, t[remember]])
        valid = np.ones(len(all_keys), bool)
        if len(all_times):
            valid = all_times >= all_times.max() - int(window_s * _NS)
        all_keys, all_times = all_keys[valid], all_times[valid]
        order = np.argsort(all_keys, kind="stable")  # kept sorted: lookups by binary search
        nxt = SeenPositions(all_keys[order], all_times[order])
        n_dup = int(len(obs) - keep.sum())
        out = obs if n_dup == 0 else obs[keep].reset_index(drop=True)
        if n_dup:
            out.attrs = obs.attrs
        return out, n_dup, nxt

    def _has(self, keys: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.zeros(len(keys), bool)
        i = np.searchsorted(self.keys, keys).clip(max=len(self.keys) - 1)
        return self.keys[i] == keys

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, keys=self.keys, times=self.times)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes | None) -> SeenPositions:
        if not blob:
            return cls()
        with np.load(io.BytesIO(blob)) as z:
            return cls(z["keys"].astype(np.uint64), z["times"].astype(np.int64))
