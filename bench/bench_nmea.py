"""Benchmark: reading a raw NMEA log, navwatch's fast path against pyais alone and the general path.

Run:  .venv/bin/python bench/bench_nmea.py [--lines 1200000] [--mix shore|positions] [--detect]

It writes a deterministic tag-blocked log (``\\s:rcvN,c:<unix s>*hh\\!AIVDM,...``, encoded with
numpy, no pyais) and measures, each best of ``--repeat`` runs in this process:

* pyais alone: ``pyais.stream.FileReaderStream`` over the file (it assembles multi-part
  messages), every message decoded and its tag block parsed (the receive time);
* navwatch fast: :func:`navwatch.io.nmea.read_nmea` (the default, :mod:`navwatch.io.nmea_fast`);
* navwatch general: ``read_nmea(..., fast=False)``, line by line with pyais (once);
* with ``--detect``, the ``navwatch detect --all-vessels`` command on the file (a subprocess,
  import and detection included), fast and general.

It checks that both navwatch paths give the same table, and prints messages/s and the ratio
fast / pyais alone (goal <= 0.2).

Mixes: ``shore`` (default) is like a shore receiver's log: two receivers (about 30 % of the
messages heard by both, a few hundred ms apart), position reports 1/2/3 (70 %) and 18 (10 %),
base stations 4 (5 %), static data 5 in two parts (7 %) and 24 A/B (8 %);
``positions`` is single-fragment reports 1/2/3/18 only.

Figures (one core of the development machine, 1.2 M lines, ``--repeat 3``), see the README of
the repository for the latest: pyais alone ~6-8 s; navwatch fast ~1 s; general ~20 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_700_000_000  # 2023-11-14T22:13:20Z

# ---------------------------------------------------------------------------------------------
# Vectorised encoding (numpy): bit fields -> 6-bit armoured payload -> sentences
# ---------------------------------------------------------------------------------------------


def _bits(fields: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Rows of bits (uint8) of the fields (values, width), most significant bit first."""
    cols = [
        (np.asarray(v, dtype=np.int64)[:, None] >> np.arange(w - 1, -1, -1)) & 1 for v, w in fields
    ]
    return np.concatenate(cols, axis=1).astype(np.uint8)


def _text(texts: np.ndarray, nchars: int) -> list[tuple[np.ndarray, int]]:
    """6-bit text fields (one per character) of fixed-width byte strings ('@' padded)."""
    raw = np.frombuffer(texts.astype(f"S{nchars}").tobytes(), dtype=np.uint8).reshape(-1, nchars)
    raw = np.where(raw == 0, 64, raw)  # '@' pads
    six = np.where(raw >= 64, raw - 64, raw)
    return [(six[:, j], 6) for j in range(nchars)]


def _armour(bits: np.ndarray) -> tuple[np.ndarray, int]:
    """(payload characters (rows), fill bits) of rows of bits."""
    n, nbits = bits.shape
    fill = -nbits % 6
    bits = np.concatenate([bits, np.zeros((n, fill), dtype=np.uint8)], axis=1)
    v = (bits.reshape(n, -1, 6) * np.array([32, 16, 8, 4, 2, 1], dtype=np.uint8)).sum(axis=2)
    return np.where(v < 40, v + 48, v + 56).astype(np.uint8), fill


def _join(parts: list[np.ndarray | bytes]) -> np.ndarray:
    """Concatenate byte columns (rows) and constant byte strings into rows."""
    n = next(len(p) for p in parts if isinstance(p, np.ndarray))
    cols = [
        p if isinstance(p, np.ndarray) else np.tile(np.frombuffer(p, dtype=np.uint8), (n, 1))
        for p in parts
    ]
    return np.concatenate(cols, axis=1)


def _hex(v: np.ndarray) -> np.ndarray:
    digits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    return np.stack([digits[v >> 4], digits[v & 15]], axis=1)


def _sentences(
    payload: np.ndarray, fill: int, cnt: int, num: int, seq: np.ndarray, chan: np.ndarray
) -> np.ndarray:
    """``!AIVDM,cnt,num,seq,chan,payload,fill*hh`` rows (seq: digit or b'' for single ones)."""
    seq_col = [] if cnt == 1 else [(48 + seq).astype(np.uint8)[:, None]]
    body = _join(
        [b"AIVDM,%d,%d," % (cnt, num), *seq_col, b",", chan[:, None], b",", payload, b",%d" % fill]
    )
    return _join([b"!", body, b"*", _hex(np.bitwise_xor.reduce(body, axis=1))])


def _tag(receiver: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``\\s:rcvN,c:<10 digits>*hh\\`` rows (N one digit)."""
    digits = ((t[:, None] // 10 ** np.arange(9, -1, -1)) % 10 + 48).astype(np.uint8)
    body = _join([b"s:rcv", (48 + receiver).astype(np.uint8)[:, None], b",c:", digits])
    return _join([b"\\", body, b"*", _hex(np.bitwise_xor.reduce(body, axis=1)), b"\\"])


# ---------------------------------------------------------------------------------------------
# A log: message kinds, receptions, lines in time order
# ---------------------------------------------------------------------------------------------

MIXES = {  # share of messages by kind
    "shore": {"pos123": 0.70, "pos18": 0.10, "base4": 0.05, "static5": 0.07, "static24": 0.08},
    "positions": {"pos123": 0.88, "pos18": 0.12},
}
NAMES = np.array(
    [b"ORION", b"NORDIC STAR", b"PILOT 7", b"KATHARINA B", b"SEA FALCON", b"MARE NOSTRUM"]
)


def _positions(
    rng: np.random.Generator, kind: str, mmsi: np.ndarray, t: np.ndarray, vessel: np.ndarray
) -> np.ndarray:
    """Position reports of vessels on straight tracks (each from its own start, course and
    speed, drawn from a seed of its own)."""
    n = len(mmsi)
    track = np.random.default_rng(7).uniform(size=(3000, 4))[vessel]
    knots = 20 * track[:, 2]
    course = 360 * track[:, 3]
    hours = (t - T0) / 3600
    lat_deg = 30 + 15 * track[:, 0] + knots * hours / 60 * np.cos(np.radians(course))
    lon_deg = -10 + 45 * track[:, 1] + knots * hours / 60 * np.sin(np.radians(course))
    lat = np.round(lat_deg * 600_000).astype(np.int64)
    lon = np.round(lon_deg * 600_000).astype(np.int64)
    speed = np.where(rng.random(n) < 0.02, 1023, np.round(knots * 10).astype(np.int64))
    course = np.where(rng.random(n) < 0.02, 3600, np.round(course * 10).astype(np.int64) % 3600)
    heading = np.where(rng.random(n) < 0.2, 511, (course // 10) % 360)
    sec, z = t % 60, np.zeros(n, dtype=np.int64)
    if kind == "pos18":
        f = [(z + 18, 6), (z, 2), (mmsi, 30), (z, 8), (speed, 10), (z, 1), (lon & (2**28 - 1), 28),
             (lat & (2**27 - 1), 27), (course, 12), (heading, 9), (sec, 6), (z, 2), (z + 1, 1),
             (z, 5), (z, 1), (z + 393222, 20)]  # fmt: skip
    else:
        mtype = rng.choice([1, 2, 3], n, p=[0.85, 0.05, 0.10])
        f = [(mtype, 6), (z, 2), (mmsi, 30), (rng.integers(0, 9, n), 4), (z + 128, 8), (speed, 10),
             (z, 1), (lon & (2**28 - 1), 28), (lat & (2**27 - 1), 27), (course, 12), (heading, 9),
             (sec, 6), (z, 2), (z, 3), (z, 1), (rng.integers(0, 2**19, n), 19)]  # fmt: skip
    return _bits(f)


def _base(rng: np.random.Generator, mmsi: np.ndarray, t: np.ndarray) -> np.ndarray:
    n, z = len(mmsi), np.zeros(len(mmsi), dtype=np.int64)
    day = t // 86400
    f = [(z + 4, 6), (z, 2), (mmsi, 30), (z + 2023, 14), (z + 11, 4), (14 + day - day[0], 5),
         ((t // 3600) % 24, 5), ((t // 60) % 60, 6), (t % 60, 6), (z + 1, 1),
         (rng.integers(-10 * 600_000, 35 * 600_000, n) & (2**28 - 1), 28),
         (rng.integers(30 * 600_000, 45 * 600_000, n), 27), (z + 7, 4), (z, 10), (z, 1),
         (rng.integers(0, 2**19, n), 19)]  # fmt: skip
    return _bits(f)


def _static5(rng: np.random.Generator, mmsi: np.ndarray, vessel: np.ndarray) -> np.ndarray:
    n, z = len(mmsi), np.zeros(len(mmsi), dtype=np.int64)
    name = NAMES[vessel % len(NAMES)]
    call = np.char.add(b"CALL", (vessel % 1000).astype("S3"))
    f = [(z + 5, 6), (z, 2), (mmsi, 30), (z, 2), (9_000_000 + vessel, 30), *_text(call, 7),
         *_text(name, 20), (60 + vessel % 30, 8), (z + 100, 9), (z + 20, 9), (z + 5, 6), (z + 5, 6),
         (z + 1, 4), (z + 11, 4), (z + 20, 5), (z + 12, 5), (z, 6), (z + 55, 8),
         *_text(np.full(n, b"ROTTERDAM"), 20), (z, 1), (z, 1)]  # fmt: skip
    return _bits(f)


def _static24(rng: np.random.Generator, mmsi: np.ndarray, vessel: np.ndarray) -> list[np.ndarray]:
    n, z = len(mmsi), np.zeros(len(mmsi), dtype=np.int64)
    a = _bits([(z + 24, 6), (z, 2), (mmsi, 30), (z, 2), *_text(NAMES[vessel % len(NAMES)], 20)])
    call = np.char.add(b"B", (vessel % 1000).astype("S3"))
    b = _bits([(z + 24, 6), (z, 2), (mmsi, 30), (z + 1, 2), (z + 37, 8), *_text(np.full(n, b"ACM"), 3),
               (z, 4), (z, 20), *_text(call, 7), (z + 8, 9), (z + 4, 9), (z + 2, 6), (z + 2, 6),
               (z, 6)])  # fmt: skip
    return [a, b]


def generate(n_lines: int, mix: str = "shore", seed: int = 0) -> bytes:
    """A deterministic tag-blocked NMEA log of about ``n_lines`` lines (see the module doc)."""
    rng = np.random.default_rng(seed)
    shares = MIXES[mix]
    kinds = list(shares)
    m = n_lines  # more messages than needed; cut below
    kind = rng.choice(len(kinds), m, p=list(shares.values()))
    copies = np.where(rng.random(m) < 0.3, 2, 1)
    frags = np.where(np.asarray(kinds)[kind] == "static5", 2, 1)
    keep = np.searchsorted(np.cumsum(copies * frags), n_lines) + 1
    kind, copies = kind[:keep], copies[:keep]
    t = T0 + np.cumsum(rng.exponential(1 / 300, keep)).astype(np.int64)  # ~300 messages/s
    vessel = rng.integers(0, 3000, keep)
    mmsi_a = rng.integers(201_000_000, 775_999_999, 3000)
    mmsi = np.where(np.asarray(kinds)[kind] == "base4", 2_010_000 + vessel % 40, mmsi_a[vessel])
    groups: list[tuple[np.ndarray, np.ndarray]] = []  # (sort keys, line rows)
    for k, name in enumerate(kinds):
        i = np.flatnonzero(kind == k)
        for sub, bits in _payload_bits(rng, name, mmsi[i], t[i], vessel[i]):
            j = i[sub]
            groups += _receptions(rng, j, t[j], copies[j], bits, name == "static5")
    return _emit(groups)


def _payload_bits(
    rng: np.random.Generator, name: str, mmsi: np.ndarray, t: np.ndarray, vessel: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(which messages, their payload bits) of one kind; type 24 alternates parts A and B."""
    every = np.ones(len(mmsi), dtype=bool)
    if name in ("pos123", "pos18"):
        return [(every, _positions(rng, name, mmsi, t, vessel))]
    if name == "base4":
        return [(every, _base(rng, mmsi, t))]
    if name == "static5":
        return [(every, _static5(rng, mmsi, vessel))]
    a, b = _static24(rng, mmsi, vessel)
    part_b = np.arange(len(mmsi)) % 2 == 1
    return [(~part_b, a[~part_b]), (part_b, b[part_b])]


def _receptions(
    rng: np.random.Generator,
    i: np.ndarray,
    t: np.ndarray,
    copies: np.ndarray,
    bits: np.ndarray,
    two_part: bool,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Lines of the messages ``i`` as heard by one or two receivers (the second 0-1 s later)."""
    payload, fill = _armour(bits)
    out = []
    for copy in (0, 1):
        j = np.flatnonzero(copies > copy)
        tt = t[j] + copy * rng.integers(0, 2, len(j))
        receiver = np.full(len(j), copy + 1)
        chan = np.frombuffer(b"AB", dtype=np.uint8)[rng.integers(0, 2, len(j))]
        tag = _tag(receiver, tt)
        key = (((tt - T0) << 22) + i[j]) * 4 + copy * 2
        if not two_part:
            out.append((key, _join([tag, _sentences(payload[j], fill, 1, 1, j, chan)])))
            continue
        seq = (i[j] + copy) % 10
        first = _sentences(payload[j, :60], 0, 2, 1, seq, chan)
        second = _sentences(payload[j, 60:], fill, 2, 2, seq, chan)
        out += [(key, _join([tag, first])), (key + 1, second)]  # the second part: no tag block
    return out


def _emit(groups: list[tuple[np.ndarray, np.ndarray]]) -> bytes:
    """The lines of all groups, one per row, in the order of their keys."""
    keys = np.concatenate([k for k, _ in groups])
    width = np.concatenate([np.full(len(k), rows.shape[1] + 1) for k, rows in groups])
    order = np.argsort(keys, kind="stable")
    offset = np.empty(len(keys), dtype=np.int64)
    offset[order] = np.concatenate([[0], np.cumsum(width[order])[:-1]])
    out = np.empty(int(width.sum()), dtype=np.uint8)
    at = 0
    for k, rows in groups:
        o = offset[at : at + len(k)]
        out[o[:, None] + np.arange(rows.shape[1])] = rows
        out[o + rows.shape[1]] = 10
        at += len(k)
    return out.tobytes()


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def pyais_alone(path: Path) -> int:
    """Decode every message of the file with pyais (and parse its tag block); return the count."""
    from pyais.stream import FileReaderStream

    n = 0
    for msg in FileReaderStream(str(path)):
        msg.decode()
        if msg.tag_block is not None:
            msg.tag_block.init()
        n += 1
    return n


def best(fn, repeat: int) -> tuple[float, object]:
    """(fastest wall time of ``repeat`` runs, the last result)."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def detect_seconds(path: Path, fast: bool, out_dir: Path) -> float:
    """Wall time of ``navwatch detect --all-vessels`` on the file, in a fresh process."""
    env = {"NAVWATCH_NMEA_FAST": "1" if fast else "0", "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "navwatch", "detect", str(path), "--all-vessels",
           "-o", str(out_dir / "events.csv")]  # fmt: skip
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_200_000)
    ap.add_argument("--mix", choices=sorted(MIXES), default="shore")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--detect", action="store_true", help="also time the navwatch detect command")
    args = ap.parse_args()

    import pandas as pd

    from navwatch.io.nmea import read_nmea

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.nmea"
        t = time.perf_counter()
        path.write_bytes(generate(args.lines, args.mix))
        print(f"generated {args.lines:,} lines ({args.mix}, {path.stat().st_size / 1e6:.1f} MB) "
              f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
        t_pyais, n_msgs = best(lambda: pyais_alone(path), args.repeat)
        t_fast, fast = best(lambda: read_nmea(path), args.repeat)
        t_general, general = best(lambda: read_nmea(path, fast=False), 1)
        pd.testing.assert_frame_equal(fast, general)
        s = fast.attrs["nmea_stats"]
        print(f"messages {s['messages']:,} (pyais: {n_msgs:,}), rows {len(fast):,}, "
              f"read by the fast path: {s['fast_lines']:,} of {s['lines']:,} lines")  # fmt: skip
        print(f"{'':22}{'seconds':>9}{'messages/s':>13}{'vs pyais':>10}")
        for name, secs in (("pyais alone", t_pyais), ("navwatch fast", t_fast),
                           ("navwatch general", t_general)):  # fmt: skip
            print(f"{name:22}{secs:9.2f}{n_msgs / secs:13,.0f}{secs / t_pyais:10.2f}")
        print(f"ratio fast / pyais alone: {t_fast / t_pyais:.3f} (goal <= 0.2)")
        if args.detect:
            for fast_path in (True, False):
                secs = detect_seconds(path, fast_path, Path(tmp))
                print(f"navwatch detect ({'fast' if fast_path else 'general'}): {secs:.2f} s, "
                      f"{secs / t_pyais:.2f} x pyais alone")  # fmt: skip


if __name__ == "__main__":
    main()
