"""MMSI rules shared by every reader with an MMSI column (tables and NMEA).

An MMSI (Maritime Mobile Service Identity) is nine digits; ITU-R M.585 gives the leading digits a
meaning. Written as an integer, the leading zeros of coast stations and group calls disappear,
so the number of digits matters too:

=====================  ==========================  ==========================================
class                  as written                  as an integer
=====================  ==========================  ==========================================
ship                   ``MIDxxxxxx`` (MID 2xx-7xx) 9 digits, first digit 2-7: **kept**
``coast_station``      ``00MIDxxxx``               6-7 digits
``group_call``         ``0MIDxxxxx``               8 digits
``sar_aircraft``       ``111MIDxxx``               9 digits starting 111
``aid_to_navigation``  ``99MIDxxxx``               AIS aids to navigation
``sart``               ``970xxyyyy``               AIS search-and-rescue transmitter
``mob``                ``972xxyyyy``               man-overboard device
``epirb``              ``974xxyyyy``               EPIRB-AIS
``amrd``               ``979xxyyyy``               autonomous maritime radio device, group B
=====================  ==========================  ==========================================

Other 9-digit numbers are **kept** as vessels: craft associated with a parent ship
(``98MIDxxxx``, a ship's boat is a vessel), and numbers of no ship class -- ``8MIDxxxxx``
(divers' radio in M.585) or starting 1 or 9 otherwise -- because real ships do broadcast them
from misconfigured transponders (the NY harbour tug MACKENZIE ROSE sends 896876500). The rows
kept with such a number (9 digits, first digit not 2-7) are counted as ``nonstandard_mmsi`` in
the reader stats (:func:`count_nonstandard`) so they can be reviewed.

Rows of the non-ship classes are **skipped**, not quarantined, and counted per class in the
reader's stats (``skipped_by_class``, total ``skipped_non_vessel``). Only the leading digits
are looked at, the MID itself is not checked against the ITU list.

Malformed values are ``bad_mmsi`` (quarantined): not a number, negative, not whole, more than 9
digits, fewer than 6 digits. An empty MMSI is not an error: the row is identified by its other
columns (name, call sign, vessel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._common import as_chunked, to_float, trimmed_text

__all__ = [
    "BAD",
    "KEEP",
    "NON_VESSEL_CLASSES",
    "MmsiCheck",
    "check_mmsi",
    "classify_mmsi",
    "count_nonstandard",
    "is_nonstandard",
]

#: Non-vessel station classes, in code order (code = index + 1).
NON_VESSEL_CLASSES = (
    "coast_station",
    "group_call",
    "sar_aircraft",
    "aid_to_navigation",
    "sart",
    "mob",
    "epirb",
    "amrd",
)
KEEP = 0  # a ship, or no MMSI
BAD = -1  # malformed: quarantine as bad_mmsi

_CLASS_CODE = {name: i + 1 for i, name in enumerate(NON_VESSEL_CLASSES)}
_BY_PREFIX3 = {111: "sar_aircraft", 970: "sart", 972: "mob", 974: "epirb", 979: "amrd"}
_BY_PREFIX2 = {99: "aid_to_navigation"}


def classify_mmsi(values: Any) -> np.ndarray:
    """Class code of each integer MMSI: :data:`KEEP`, :data:`BAD` or 1 + the index of its class
    in :data:`NON_VESSEL_CLASSES`. Vectorised.

    Examples
    --------
    >>> [NON_VESSEL_CLASSES[c - 1] if c > 0 else int(c) for c in classify_mmsi(
    ...     [273547800, 2190047, 21900470, 111219001, 992191234, 970123456, 123456789, 12345])]
    [0, 'coast_station', 'group_call', 'sar_aircraft', 'aid_to_navigation', 'sart', 0, -1]
    """
    v = np.asarray(values, dtype=np.int64)
    if len(v) and ((v >= 2 * 10**8) & (v < 8 * 10**8)).all():
        return np.zeros(len(v), dtype=np.int8)  # all ships (MID 2-7): the usual archive
    code = np.full(len(v), BAD, dtype=np.int8)
    p2 = v // 10**7
    p3 = v // 10**6
    nine = (v >= 10**8) & (v < 10**9)
    code[(v >= 10**5) & (v < 10**7)] = _CLASS_CODE["coast_station"]
    code[(v >= 10**7) & (v < 10**8)] = _CLASS_CODE["group_call"]
    code[nine] = KEEP  # ships (first digit 2-7), and nonstandard numbers real ships broadcast
    for prefix, name in _BY_PREFIX2.items():
        code[nine & (p2 == prefix)] = _CLASS_CODE[name]
    for prefix, name in _BY_PREFIX3.items():
        code[nine & (p3 == prefix)] = _CLASS_CODE[name]
    return code


def is_nonstandard(values: Any) -> np.ndarray:
    """Mask of the 9-digit MMSIs whose first digit is not 2-7 (not a ship's MID): the numbers
    of no vessel class that :func:`classify_mmsi` keeps (``8MIDxxxxx``, ``98MIDxxxx``, ``1...``
    but not ``111...``, other ``9...``). The skipped 9-digit classes (``111...``, ``99...``,
    ``97x...``) match too; the readers only ask about the rows they keep. Missing values (NaN,
    <NA>) are not nonstandard. Vectorised.

    Examples
    --------
    >>> is_nonstandard([273547800, 896876500, 982190001, 123456789, 2190047, None]).tolist()
    [False, True, True, True, False, False]
    """
    arr = values.array if isinstance(values, pd.Series) else values
    if isinstance(arr, pd.arrays.IntegerArray):  # a reader's mmsi column: no float round trip
        v = arr.to_numpy(dtype="int64", na_value=0)
    else:
        f = pd.array(arr, dtype="Float64").to_numpy(dtype="float64", na_value=0.0)
        v = np.where(np.isfinite(f) & (np.floor(f) == f), f, 0).astype(np.int64)
    first = v // 10**8
    return (v < 10**9) & ((first == 1) | (first == 8) | (first == 9))


def count_nonstandard(values: Any) -> int:
    """Number of nonstandard MMSIs (:func:`is_nonstandard`) among ``values``, the MMSIs of the
    rows a reader keeps: its ``nonstandard_mmsi`` statistic.

    Examples
    --------
    >>> count_nonstandard(pd.array([896876500, 273547800, None, 900527247], dtype="Int64"))
    2
    """
    return int(is_nonstandard(values).sum())


def bad_mmsi_reason(text: object, value: float) -> str:
    """Why one MMSI is malformed (``text`` as written, ``value`` its number or NaN)."""
    shown = repr(str(text)[:40])
    if value != value:  # NaN
        return f"MMSI {shown} is not a number"
    if value < 0:
        return f"MMSI {shown} is negative"
    if value != int(value):
        return f"MMSI {shown} is not a whole number"
    v = int(value)
    if v >= 10**9:
        return f"MMSI {shown} has more than 9 digits"
    return f"MMSI {shown} has fewer than 6 digits"


@dataclass
class MmsiCheck:
    """Result of :func:`check_mmsi`: ``mmsi`` (Int64; <NA> where missing or malformed),
    ``code`` (int8 class code per row) and ``reason`` (None, or an object array with the reason
    of each malformed row)."""

    mmsi: pd.Series
    code: np.ndarray
    reason: np.ndarray | None


def check_mmsi(values: Any) -> MmsiCheck:
    """Validate and classify an MMSI column (text or numbers, any arrow type). Vectorised.

    Examples
    --------
    >>> c = check_mmsi(["273547800", "002190047", "hello", "", "-5", "1234567890"])
    >>> c.mmsi.tolist(), c.code.tolist()
    ([273547800, <NA>, <NA>, <NA>, <NA>, <NA>], [0, 1, -1, 0, -1, -1])
    >>> [r for r in c.reason if r]
    ["MMSI 'hello' is not a number", "MMSI '-5' is negative", "MMSI '1234567890' has more than 9 digits"]
    """
    arr = as_chunked(values)
    numeric = (
        pa.types.is_integer(arr.type)
        or pa.types.is_floating(arr.type)
        or pa.types.is_decimal(arr.type)
    )
    if not numeric:
        arr = trimmed_text(arr)
    present = arr.is_valid().to_numpy(zero_copy_only=False)
    num = to_float(arr)
    if numeric:
        present &= ~np.isnan(num)  # NaN in a float column is a missing MMSI
    whole = np.isfinite(num) & (num >= 0) & (num < 1e15) & (np.floor(num) == num)
    ints = np.where(whole, num, 0).astype(np.int64)
    code = np.where(present, BAD, KEEP).astype(np.int8)
    code[whole & present] = classify_mmsi(ints[whole & present])
    mmsi = pd.array(ints, dtype="Int64")
    drop = (code != KEEP) | ~present
    if drop.any():
        mmsi[drop] = pd.NA
    reason = None
    bad = np.flatnonzero(code == BAD)
    if len(bad):
        reason = np.full(len(code), None, dtype=object)
        shown = pc.cast(arr.take(pa.array(bad)), pa.string()).to_pylist()
        reason[bad] = [bad_mmsi_reason(t, v) for t, v in zip(shown, num[bad], strict=True)]
    return MmsiCheck(pd.Series(mmsi), code, reason)
