"""Deterministic generators of the AIS archive layouts users really hold (issue 12).

Used by bench/bench_formats.py; runnable alone to write one layout:

    .venv/bin/python bench/layouts.py noaa|dma|nmea DIR [--rows N] [--vessels N] [--lines N]

Every layout carries the same kind of movement as bench/bench_detect.py's archive: vessels moored
in one of 20 ports with GPS jitter, sailing between them at ~12 kn, one fix a minute, plus the
artefacts of the real archives. Generation is vectorised (a movement plan per vessel, then any
(vessel, minute) pairs are evaluated at once) and written in chunks of ~1 M rows, so memory stays
modest whatever the size. Same arguments, same seed: same bytes.

* noaa:  NOAA MarineCadastre, 17 columns (MMSI, BaseDateTime as text ``2022-06-20T00:00:04``,
         LAT, LON, SOG, COG, Heading, VesselName, IMO ``IMO9869693``, CallSign, VesselType,
         Status, Length, Width, Draft, Cargo, TransceiverClass) as Parquet (row groups of ~1 M),
         CSV, CSV compressed with zstd (one frame, as ``zstd`` writes it) and the 2024+ "csv2"
         layout (lower-case names, lon before lat, ``2024-01-01 00:00:04`` times). Rows are in
         random order within each chunk of vessels. Heading 511 (not available), legacy negative
         COG, empty or missing IMO/name/call sign, class B rows with no status.
* dma:   Danish Maritime Authority CSV (``# Timestamp,Type of mobile,MMSI,...``, day-first times,
         text navigational status, ``Unknown`` IMO/call signs), sorted by time, with a few
         ``Base Station`` rows and a few unavailable positions (latitude 91).
* nmea:  raw ``!AIVDM`` sentences behind tag blocks (``\\s:rec1,c:1733212800*XX\\``): types 1/3
         (class A) and 18 (class B) position reports, two-part type 5 static messages, and a
         second receiver ``rec2`` hearing 30 % of the messages 0-1 s later (duplicates a reader
         must drop). Payloads are bit-packed with numpy; ``nmea_self_check`` compares a sample
         with pyais' own encoder and decoder.

Each file gets a ``<file>.json`` manifest: rows written and the artefacts planted in them.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

N_PORTS = 20
STEP_S = 60  # one fix a minute, as bench_detect.py
DUP_FRACTION = 0.02  # rows written twice (the same fix heard twice, 1 s later)
JUMP_FRACTION = 1e-4  # position jumps (+1.5 degrees of latitude)
CHUNK_ROWS = 1_000_000
# where each layout's fleet sails (lat_min, lat_max, lon_min, lon_max) and its first day
REGIONS = {
    "noaa": ((36.0, 41.0, -76.0, -70.0), "2022-06-20", (366, 367, 368, 338, 636, 538)),
    "dma": ((54.5, 57.7, 8.0, 13.0), "2023-03-01", (219, 220, 265, 257, 211, 636)),
    "nmea": ((57.0, 61.0, 17.0, 23.0), "2024-12-03", (265, 266, 230, 276, 275, 219)),
}
WORDS_A = "NORDIC ATLANTIC OCEAN SEA STAR POLAR SILVER GOLDEN CAPE BALTIC GULF WESTERN".split()
WORDS_B = "SPIRIT TRADER EXPRESS PIONEER QUEEN HAWK BREEZE VOYAGER CARRIER GRACE DAWN".split()


# ----------------------------------------------------------------------------------------------
# ports and fleets


def port_positions(region: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The 20 ports of a region (deterministic)."""
    (la0, la1, lo0, lo1), _, _ = REGIONS[region]
    rng = np.random.default_rng([seed, list(REGIONS).index(region)])
    return rng.uniform(la0, la1, N_PORTS), rng.uniform(lo0, lo1, N_PORTS)


def write_ports(path: Path, seed: int = 0) -> None:
    """Every region's ports as CSV ``name,lat,lon,radius_km`` (3 km circles)."""
    lines = ["name,lat,lon,radius_km"]
    for region in REGIONS:
        plat, plon = port_positions(region, seed)
        lines += [
            f"{region}-P{i},{a:.5f},{b:.5f},3"
            for i, (a, b) in enumerate(zip(plat, plon, strict=True))
        ]
    path.write_text("\n".join(lines) + "\n")


@dataclass
class Fleet:
    """Who sails where: per-vessel identity and a movement plan of alternating segments (a stay
    in port, then a transit to the next port), flattened over vessels."""

    region: str
    per: int  # fixes per vessel
    t0: int  # Unix seconds of minute 0
    mmsi: np.ndarray
    class_b: np.ndarray
    name: list
    callsign: list
    imo: list  # IMO numbers (int, 0 = none)
    ship_type: np.ndarray
    length: np.ndarray
    width: np.ndarray
    draft: np.ndarray
    plat: np.ndarray
    plon: np.ndarray
    seg_key: np.ndarray  # vessel * span + segment start (sorted)
    seg_start: np.ndarray
    seg_stay: np.ndarray  # True: moored in port seg_a; False: sailing seg_a -> seg_b
    seg_a: np.ndarray
    seg_b: np.ndarray
    seg_full: np.ndarray  # steps of the whole transit
    shift: np.ndarray  # per vessel: how far into its plan minute 0 is
    span: int

    @property
    def vessels(self) -> int:
        return len(self.mmsi)


def _identities(rng: np.random.Generator, n: int, mids: tuple) -> dict:
    """MMSIs, names, call signs, IMO numbers and dimensions of ``n`` vessels."""
    mid = rng.choice(np.array(mids), n, p=np.array([0.3, 0.25, 0.2, 0.1, 0.1, 0.05]))
    mmsi = mid.astype(np.int64) * 1_000_000 + rng.permutation(1_000_000)[:n]
    class_b = rng.random(n) < 0.2
    a, b, num = (
        rng.integers(0, len(WORDS_A), n),
        rng.integers(0, len(WORDS_B), n),
        rng.integers(1, 99, n),
    )
    name = [
        f"{WORDS_A[x]} {WORDS_B[y]}" + (f" {z}" if z < 40 else "")
        for x, y, z in zip(a, b, num, strict=True)
    ]
    letters = rng.integers(65, 91, (n, 4))
    callsign = [
        "".join(map(chr, row)) + str(d)
        for row, d in zip(letters, rng.integers(0, 10, n), strict=True)
    ]
    imo = np.where(class_b, 0, 9_000_000 + rng.permutation(999_999)[:n])
    for k in np.flatnonzero(rng.random(n) < 0.03):  # no name broadcast
        name[k] = None
    for k in np.flatnonzero(class_b & (rng.random(n) < 0.5)):  # small craft, no call sign
        callsign[k] = None
    ship_type = np.where(
        class_b, rng.choice([37, 36, 30], n), rng.choice([70, 79, 80, 60, 52, 31], n)
    )
    length = np.where(class_b, rng.uniform(8, 20, n), rng.uniform(60, 300, n)).round()
    return dict(mmsi=mmsi, class_b=class_b, name=name, callsign=callsign, imo=imo,
                ship_type=ship_type.astype(float), length=length, width=(length / 6.5).round(),
                draft=np.where(class_b, np.nan, (length / 25).round(1)))  # fmt: skip


def make_fleet(region: str, vessels: int, per: int, seed: int = 0) -> Fleet:
    """Identities and movement plans of ``vessels`` vessels with ``per`` fixes each."""
    rng = np.random.default_rng([seed, 100 + list(REGIONS).index(region)])
    plat, plon = port_positions(region, seed)
    k = (per + 1500) // 62 + 2  # stay/transit pairs: enough for the shortest (60 + 2 steps)
    p = (rng.integers(0, N_PORTS, vessels)[:, None] + np.concatenate(
        [np.zeros((vessels, 1), np.int64), np.cumsum(rng.integers(1, N_PORTS, (vessels, k)), axis=1)],
        axis=1)) % N_PORTS  # fmt: skip
    km = np.hypot((plat[p[:, 1:]] - plat[p[:, :-1]]) * 111.2,
                  (plon[p[:, 1:]] - plon[p[:, :-1]]) * 111.2 * np.cos(np.radians(plat.mean())))  # fmt: skip
    full = np.maximum((km / 0.37).astype(np.int64), 2)  # ~12 kn at 1-min fixes
    length = np.empty((vessels, 2 * k), np.int64)
    length[:, 0::2] = rng.integers(60, 1500, (vessels, k))  # moored 1 h .. 25 h
    length[:, 1::2] = full
    start = np.cumsum(length, axis=1) - length
    span = int(start[:, -1].max() + length[:, -1].max()) + 1
    stay = np.zeros((vessels, 2 * k), bool)
    stay[:, 0::2] = True
    seg_a = np.repeat(p[:, :-1], 2, axis=1)
    seg_b = seg_a.copy()
    seg_b[:, 1::2] = p[:, 1:]
    fulls = np.repeat(full, 2, axis=1)
    _, day, mids = REGIONS[region]
    t0 = int(np.datetime64(day, "s").astype(np.int64))
    return Fleet(
        region=region, per=per, t0=t0, **_identities(rng, vessels, mids), plat=plat, plon=plon,
        seg_key=(np.arange(vessels)[:, None] * span + start).ravel(), seg_start=start.ravel(),
        seg_stay=stay.ravel(), seg_a=seg_a.ravel(), seg_b=seg_b.ravel(), seg_full=fulls.ravel(),
        shift=rng.integers(0, length[:, 0]), span=span,
    )  # fmt: skip


def fixes(fleet: Fleet, v: np.ndarray, i: np.ndarray, rng: np.random.Generator) -> dict:
    """The fixes of vessels ``v`` at minutes ``i`` (same-length arrays): time (Unix s), lat, lon,
    sog, cog, heading, stay (moored), anchored, seg (segment index) and jump (planted)."""
    n = len(v)
    at = i + fleet.shift[v]
    seg = np.searchsorted(fleet.seg_key, v * fleet.span + at, side="right") - 1
    stay = fleet.seg_stay[seg]
    a, b = fleet.seg_a[seg], fleet.seg_b[seg]
    f = np.where(stay, 0.0, (at - fleet.seg_start[seg]) / (fleet.seg_full[seg] - 1))
    lat = fleet.plat[a] + f * (fleet.plat[b] - fleet.plat[a])
    lon = fleet.plon[a] + f * (fleet.plon[b] - fleet.plon[a])
    lat += np.where(stay, rng.normal(0, 0.0003, n), 0.0)
    lon += np.where(stay, rng.normal(0, 0.0003, n), 0.0)
    sog = np.where(stay, np.abs(rng.normal(0.05, 0.05, n)), 12.0 + rng.normal(0, 0.3, n))
    bearing = np.degrees(
        np.arctan2((fleet.plon[b] - fleet.plon[a]) * np.cos(np.radians(lat)), fleet.plat[b] - fleet.plat[a])
    ) % 360  # fmt: skip
    cog = np.where(stay, rng.uniform(0, 360, n), (bearing + rng.normal(0, 2, n)) % 360)
    heading = np.where(stay, rng.integers(0, 360, n), np.round(cog)) % 360
    jump = rng.random(n) < JUMP_FRACTION
    lat[jump] += 1.5
    return dict(
        v=v, i=i, time=fleet.t0 + i * STEP_S + rng.integers(0, 30, n), lat=lat, lon=lon,
        sog=sog, cog=cog, heading=heading.astype(np.int64), stay=stay,
        anchored=stay & (seg * 2654435761 % 10 == 0), seg=seg, jump=jump,
    )  # fmt: skip


def chunks(
    fleet: Fleet, order: str, rows: int = CHUNK_ROWS
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(vessel, minute) pairs in chunks of about ``rows``: ``order="vessel"`` takes whole tracks
    of a block of vessels, ``order="time"`` every vessel over a block of minutes."""
    nv, per = fleet.vessels, fleet.per
    if order == "vessel":
        step = max(1, rows // per)
        for v0 in range(0, nv, step):
            vs = np.arange(v0, min(v0 + step, nv))
            yield np.repeat(vs, per), np.tile(np.arange(per), len(vs))
    else:
        step = max(1, rows // nv)
        for i0 in range(0, per, step):
            ii = np.arange(i0, min(i0 + step, per))
            yield np.tile(np.arange(nv), len(ii)), np.repeat(ii, nv)


def with_duplicates(fx: dict, rng: np.random.Generator, order: str) -> tuple[dict, int]:
    """Add the same fix heard twice (1 s later) for 2 % of rows; shuffle (``order="shuffle"``,
    archives not sorted by vessel) or sort by time (``"time"``)."""
    dup = np.flatnonzero(rng.random(len(fx["v"])) < DUP_FRACTION)
    out = {k: np.concatenate([a, a[dup]]) for k, a in fx.items()}
    out["time"][len(fx["v"]) :] += 1
    perm = (
        rng.permutation(len(out["v"]))
        if order == "shuffle"
        else np.argsort(out["time"], kind="stable")
    )
    return {k: a[perm] for k, a in out.items()}, len(dup)


# ----------------------------------------------------------------------------------------------
# text: times and CSV


def time_text(t: np.ndarray, style: str):
    """Unix seconds as a pyarrow string array, built byte by byte (no per-row formatting):
    ``iso`` 2022-06-20T00:00:04, ``space`` 2022-06-20 00:00:04, ``dmy`` 20/06/2022 00:00:04."""
    import pyarrow as pa

    t = np.asarray(t, np.int64)
    days = t // 86400
    d64 = days.astype("datetime64[D]")
    year = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    sod = t - days * 86400
    parts = {"Y": (year, 4), "m": (month, 2), "d": (day, 2), "H": (sod // 3600, 2),
             "M": (sod // 60 % 60, 2), "S": (sod % 60, 2)}  # fmt: skip
    layout = {"iso": "Y-m-dTH:M:S", "space": "Y-m-d H:M:S", "dmy": "d/m/Y H:M:S"}[style]
    cols = []
    for ch in layout:
        if ch in parts:
            val, w = parts[ch]
            cols.append(digits(val, w))
        else:
            cols.append(np.full((len(t), 1), ord(ch), np.uint8))
    m = np.ascontiguousarray(np.hstack(cols))
    offsets = np.arange(len(t) + 1, dtype=np.int32) * m.shape[1]
    return pa.StringArray.from_buffers(len(t), pa.py_buffer(offsets), pa.py_buffer(m))


def digits(val: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ints as an (n, width) ASCII matrix."""
    pw = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(val, np.int64)[:, None] // pw % 10 + 48).astype(np.uint8)


def csv_bytes(table) -> bytes:
    """A table's rows as CSV without header or quotes (as NOAA and DMA write them); nulls and
    NaN as empty fields."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    cols = [
        pc.if_else(pc.is_nan(c), pa.scalar(None, c.type), c) if pa.types.is_floating(c.type) else c
        for c in table.columns
    ]
    buf = pa.BufferOutputStream()
    opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
    pacsv.write_csv(pa.table(cols, names=table.column_names), buf, opts)
    return buf.getvalue().to_pybytes()


def _floats(x: np.ndarray, decimals: int):
    import pyarrow as pa

    x = np.round(np.asarray(x, float), decimals)
    return pa.array(x, mask=np.isnan(x))


class _Outputs:
    """The files of one generation pass, written under temporary names and renamed when complete
    (an interrupted run leaves no file that looks finished), each with its JSON manifest."""

    def __init__(self, paths: dict[str, Path]):
        self.paths = paths
        self.tmp = {k: p.with_name(p.name + ".part") for k, p in paths.items()}

    def close(self, manifest: dict) -> None:
        for k, p in self.paths.items():
            self.tmp[k].rename(p)
            p.with_name(p.name + ".json").write_text(json.dumps(manifest, indent=1) + "\n")


# ----------------------------------------------------------------------------------------------
# NOAA MarineCadastre

NOAA_COLUMNS = ["MMSI", "BaseDateTime", "LAT", "LON", "SOG", "COG", "Heading", "VesselName", "IMO",
                "CallSign", "VesselType", "Status", "Length", "Width", "Draft", "Cargo",
                "TransceiverClass"]  # fmt: skip
NOAA2_COLUMNS = ["mmsi", "base_date_time", "longitude", "latitude", "sog", "cog", "heading",
                 "vessel_name", "imo", "call_sign", "vessel_type", "status", "length", "width",
                 "draft", "cargo", "transceiver"]  # fmt: skip
NOAA_KINDS = ("parquet", "csv", "csv-zst", "csv2")


def _noaa_statics(fleet: Fleet) -> dict:
    """Per-vessel columns as pyarrow arrays (taken per row)."""
    import pyarrow as pa

    imo = [f"IMO{x}" if x else None for x in fleet.imo]
    for k in range(0, len(imo), 17):  # some class A vessels broadcast no IMO: an empty field
        if imo[k] is not None:
            imo[k] = ""
    return {
        "VesselName": pa.array(fleet.name, pa.string()),
        "IMO": pa.array(imo, pa.string()),
        "CallSign": pa.array(fleet.callsign, pa.string()),
        "VesselType": pa.array(fleet.ship_type),
        "Length": _floats(fleet.length, 0),
        "Width": _floats(fleet.width, 0),
        "Draft": _floats(fleet.draft, 1),
        "Cargo": _floats(np.where(fleet.class_b, np.nan, fleet.ship_type), 0),
        "TransceiverClass": pa.array(np.where(fleet.class_b, "B", "A")),
    }


def noaa_table(fleet: Fleet, fx: dict, statics: dict, rng: np.random.Generator):
    """The legacy NOAA table of fixes ``fx``: Heading 511 for most class B rows and 3 % of the
    others, negative COG (the legacy ``cog - 409.6`` artefact) for 0.1 %, no Status for class B."""
    import pyarrow as pa

    n = len(fx["v"])
    class_b = fleet.class_b[fx["v"]]
    heading = np.where(class_b & (rng.random(n) < 0.8) | (rng.random(n) < 0.03), 511, fx["heading"])
    cog = np.round(fx["cog"], 1)
    legacy = rng.random(n) < 0.001
    cog[legacy] -= 409.6
    status = np.where(fx["stay"], np.where(fx["anchored"], 1.0, 5.0), 0.0)
    status[rng.random(n) < 0.01] = 15.0
    status[class_b] = np.nan
    take = pa.array(fx["v"])
    cols = {
        "MMSI": pa.array(fleet.mmsi[fx["v"]]),
        "BaseDateTime": time_text(fx["time"], "iso"),
        "LAT": _floats(fx["lat"], 5),
        "LON": _floats(fx["lon"], 5),
        "SOG": _floats(fx["sog"], 1),
        "COG": _floats(cog, 1),
        "Heading": pa.array(heading.astype(float)),
        "Status": _floats(status, 0),
    }
    cols.update({k: a.take(take) for k, a in statics.items()})
    return pa.table({c: cols[c] for c in NOAA_COLUMNS})


def noaa2_table(table):
    """The 2024+ "csv2" layout of a legacy table: renamed, lon before lat, space in the times."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = dict(zip(NOAA_COLUMNS, NOAA2_COLUMNS, strict=True)) | {
        "LAT": "latitude",
        "LON": "longitude",
    }
    t = table.set_column(1, "BaseDateTime", pc.replace_substring(table["BaseDateTime"], "T", " "))
    t = t.rename_columns([names[c] for c in t.column_names])
    return pa.table({c: t[c] for c in NOAA2_COLUMNS})


def write_noaa(paths: dict[str, Path], rows: int, vessels: int, seed: int = 0) -> dict:
    """Write the NOAA layouts named in ``paths`` (keys from ``NOAA_KINDS``) in one pass over the
    same ~``rows`` fixes (+ 2 % duplicates); returns the manifest."""
    import pyarrow.parquet as pq
    import zstandard

    fleet = make_fleet("noaa", vessels, max(1, rows // vessels), seed)
    statics = _noaa_statics(fleet)
    rng = np.random.default_rng([seed, 1])
    out = _Outputs(paths)
    pw, files, zw = None, {}, None
    header = {"csv": ",".join(NOAA_COLUMNS) + "\n", "csv2": ",".join(NOAA2_COLUMNS) + "\n"}
    for k in ("csv", "csv2", "csv-zst"):
        if k in paths:
            files[k] = open(out.tmp[k], "wb")  # noqa: SIM115 -- closed below
    if "csv-zst" in files:
        zw = zstandard.ZstdCompressor(level=3).stream_writer(files["csv-zst"])
    n = dups = jumps = 0
    for v, i in chunks(fleet, "vessel"):
        fx, d = with_duplicates(fixes(fleet, v, i, rng), rng, "shuffle")
        table = noaa_table(fleet, fx, statics, rng)
        n, dups, jumps = n + table.num_rows, dups + d, jumps + int(fx["jump"].sum())
        if "parquet" in paths:
            pw = pw or pq.ParquetWriter(out.tmp["parquet"], table.schema)
            pw.write_table(table, row_group_size=table.num_rows)
        if "csv" in files or zw is not None:
            body = csv_bytes(table)
            for f in (files.get("csv"), zw):
                if f is not None:
                    f.write((header["csv"] if n == table.num_rows else "").encode() + body)
        if "csv2" in files:
            head = header["csv2"].encode() if n == table.num_rows else b""
            files["csv2"].write(head + csv_bytes(noaa2_table(table)))
    if pw is not None:
        pw.close()
    if zw is not None:
        zw.close()
    for f in files.values():
        f.close()
    manifest = dict(layout="noaa", rows=n, vessels=vessels, class_b=int(fleet.class_b.sum()),
                    duplicates=dups, jumps=jumps, non_vessel=0, bad_positions=0)  # fmt: skip
    out.close(manifest)
    return manifest


# ----------------------------------------------------------------------------------------------
# DMA

DMA_COLUMNS = ["# Timestamp", "Type of mobile", "MMSI", "Latitude", "Longitude",
               "Navigational status", "ROT", "SOG", "COG", "Heading", "IMO", "Callsign", "Name",
               "Ship type", "Cargo type", "Width", "Length", "Type of position fixing device",
               "Draught", "Destination", "ETA", "Data source type", "A", "B", "C", "D"]  # fmt: skip
DMA_SHIP_TYPES = {70.0: "Cargo", 79.0: "Cargo", 80.0: "Tanker", 60.0: "Passenger", 52.0: "Tug",
                  31.0: "Towing", 37.0: "Pleasure", 36.0: "Sailing", 30.0: "Fishing"}  # fmt: skip
BASE_STATIONS = ((2190047, 55.71, 12.59), (2190064, 57.05, 9.93), (2190068, 55.47, 8.44))


def dma_table(fleet: Fleet, fx: dict, rng: np.random.Generator):
    """DMA rows of fixes ``fx``; 0.02 % class A rows have an unavailable position (lat 91, lon
    0), the way DMA files carry them."""
    import pyarrow as pa

    n, v = len(fx["v"]), fx["v"]
    class_b = fleet.class_b[v]
    status = np.where(
        fx["stay"], np.where(fx["anchored"], "At anchor", "Moored"), "Under way using engine"
    )
    status = np.where(class_b | (rng.random(n) < 0.02), "Unknown value", status)
    bad = ~class_b & (rng.random(n) < 0.0002)
    lat, lon = np.round(fx["lat"], 6), np.round(fx["lon"], 6)
    lat[bad], lon[bad] = 91.0, 0.0
    imo = np.array([str(x) if x else "Unknown" for x in fleet.imo], object)
    cs = np.array([c or "Unknown" for c in fleet.callsign], object)
    stype = np.array([DMA_SHIP_TYPES[x] for x in fleet.ship_type], object)
    heading = np.where(class_b & (rng.random(n) < 0.8), np.nan, fx["heading"])
    cols = {
        "# Timestamp": time_text(fx["time"], "dmy"),
        "Type of mobile": pa.array(np.where(class_b, "Class B", "Class A")),
        "MMSI": pa.array(fleet.mmsi[v]),
        "Latitude": pa.array(lat), "Longitude": pa.array(lon),
        "Navigational status": pa.array(status),
        "ROT": _floats(np.where(class_b | fx["stay"], np.nan, rng.normal(0, 2, n)), 1),
        "SOG": _floats(fx["sog"], 1), "COG": _floats(fx["cog"], 1), "Heading": _floats(heading, 0),
        "IMO": pa.array(imo[v], pa.string()), "Callsign": pa.array(cs[v], pa.string()),
        "Name": pa.array(np.array(fleet.name, object)[v], pa.string()),
        "Ship type": pa.array(stype[v], pa.string()),
        "Cargo type": pa.nulls(n, pa.string()),
        "Width": _floats(fleet.width[v], 0), "Length": _floats(fleet.length[v], 0),
        "Type of position fixing device": pa.array(np.where(class_b, "Undefined", "GPS")),
        "Draught": _floats(fleet.draft[v], 1),
        "Destination": pa.array(np.where(class_b, "Unknown", "DKAAR")),
        "ETA": pa.nulls(n, pa.string()),
        "Data source type": pa.array(np.full(n, "AIS")),
    }  # fmt: skip
    for k, frac in zip("ABCD", (0.45, 0.55, 0.5, 0.5), strict=True):
        cols[k] = _floats(fleet.length[v] * frac if k in "AB" else fleet.width[v] * frac, 0)
    return pa.table({c: cols[c] for c in DMA_COLUMNS}), int(bad.sum())


def base_station_table(minutes: np.ndarray, t0: int, like):
    """One row per base station per minute in ``minutes``, in ``like``'s schema."""
    import pyarrow as pa

    st = np.array(BASE_STATIONS)
    k, m = np.tile(np.arange(len(st)), len(minutes)), np.repeat(minutes, len(st))
    n = len(k)
    cols = {c: pa.nulls(n, like.schema.field(c).type) for c in DMA_COLUMNS}
    cols.update({
        "# Timestamp": time_text(t0 + m * STEP_S + 5 * k, "dmy"),
        "Type of mobile": pa.array(np.full(n, "Base Station")),
        "MMSI": pa.array(st[k, 0].astype(np.int64)),
        "Latitude": pa.array(st[k, 1]), "Longitude": pa.array(st[k, 2]),
        "Navigational status": pa.array(np.full(n, "Unknown value")),
        "IMO": pa.array(np.full(n, "Unknown")), "Callsign": pa.array(np.full(n, "Unknown")),
        "Ship type": pa.array(np.full(n, "Undefined")),
        "Type of position fixing device": pa.array(np.full(n, "Surveyed")),
        "Destination": pa.array(np.full(n, "Unknown")),
        "Data source type": pa.array(np.full(n, "AIS")),
    })  # fmt: skip
    return pa.table([cols[c] for c in DMA_COLUMNS], schema=like.schema)


def write_dma(path: Path, rows: int, vessels: int, seed: int = 0) -> dict:
    """Write the DMA CSV (~``rows`` vessel fixes + 2 % duplicates + base-station rows), sorted by
    time; returns the manifest."""
    import pyarrow as pa

    fleet = make_fleet("dma", vessels, max(1, rows // vessels), seed)
    rng = np.random.default_rng([seed, 2])
    out = _Outputs({"dma": path})
    n = dups = jumps = bad = stations = 0
    with open(out.tmp["dma"], "wb") as fh:
        fh.write((",".join(DMA_COLUMNS) + "\n").encode())
        for v, i in chunks(fleet, "time"):
            fx, d = with_duplicates(fixes(fleet, v, i, rng), rng, "time")
            table, b = dma_table(fleet, fx, rng)
            bs = base_station_table(np.unique(i), fleet.t0, table)
            both = pa.concat_tables([table, bs])
            ts = np.concatenate([fx["time"], fleet.t0 + np.repeat(np.unique(i), 3) * STEP_S
                                 + np.tile(5 * np.arange(3), len(np.unique(i)))])  # fmt: skip
            both = both.take(pa.array(np.argsort(ts, kind="stable")))
            fh.write(csv_bytes(both))
            n, dups, jumps = n + both.num_rows, dups + d, jumps + int(fx["jump"].sum())
            bad, stations = bad + b, stations + bs.num_rows
    manifest = dict(layout="dma", rows=n, vessels=vessels, class_b=int(fleet.class_b.sum()),
                    duplicates=dups, jumps=jumps, non_vessel=stations, bad_positions=bad)  # fmt: skip
    out.close(manifest)
    return manifest


# ----------------------------------------------------------------------------------------------
# NMEA


def _bits(fields: list[tuple[np.ndarray, int]], n: int) -> np.ndarray:
    """Pack (values, width) fields, most significant bit first, into an (n, bits) 0/1 matrix;
    negative values become two's complement."""
    total = sum(w for _, w in fields)
    out = np.empty((n, total), np.uint8)
    pos = 0
    for val, w in fields:
        x = np.broadcast_to(np.asarray(val, np.int64), (n,)) & ((1 << w) - 1)
        out[:, pos : pos + w] = (x[:, None] >> np.arange(w - 1, -1, -1, dtype=np.int64)) & 1
        pos += w
    return out


def _text_bits(text: list, chars: int, n_index: np.ndarray) -> np.ndarray:
    """AIS 6-bit text of per-vessel strings (upper case, padded with ``@``) for rows
    ``n_index``, as a (rows, 6 * chars) 0/1 matrix."""
    raw = np.array([(s or "").upper().encode()[:chars] for s in text], dtype=f"S{chars}")
    c = raw.view(np.uint8).reshape(len(text), chars).astype(np.int64)
    six = np.where(c >= 64, c - 64, c)  # '@'..'_' -> 0..31, ' '..'?' -> 32..63, NUL -> 0 ('@')
    bits = (six[:, :, None] >> np.arange(5, -1, -1)) & 1
    return bits.reshape(len(text), 6 * chars)[n_index].astype(np.uint8)


def armour(bits: np.ndarray) -> tuple[np.ndarray, int]:
    """6-bit ASCII armouring of an (n, bits) matrix: (n, chars) uint8 and the fill bits."""
    n, nb = bits.shape
    fill = -nb % 6
    if fill:
        bits = np.hstack([bits, np.zeros((n, fill), np.uint8)])
    v = bits.reshape(n, -1, 6) @ np.array([32, 16, 8, 4, 2, 1], np.uint8)
    return (v + 48 + (v >= 40) * 8).astype(np.uint8), fill


def position_payloads(
    fleet: Fleet, fx: dict, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Types 1/3 (class A, 10 % type 3) and 18 (class B) position reports: (n, 28) armoured."""
    n, v = len(fx["v"]), fx["v"]
    class_b = fleet.class_b[v]
    mtype = np.where(class_b, 18, np.where(rng.random(n) < 0.1, 3, 1))
    speed = np.minimum(np.round(fx["sog"] * 10), 1022).astype(np.int64)
    lon = np.round(fx["lon"] * 600000).astype(np.int64)
    lat = np.round(fx["lat"] * 600000).astype(np.int64)
    course = np.round(fx["cog"] * 10).astype(np.int64) % 3600
    heading = np.where(class_b & (rng.random(n) < 0.8) | (rng.random(n) < 0.03), 511, fx["heading"])
    second = fx["time"] % 60
    status = np.where(fx["stay"], np.where(fx["anchored"], 1, 5), 0)
    rot = rng.integers(-4, 5, n)  # deg/min; the field holds 4.733 * sqrt(rate), signed
    turn = np.sign(rot) * np.round(4.733 * np.sqrt(np.abs(rot))).astype(np.int64)
    turn = np.where(fx["stay"], 0, np.where(rng.random(n) < 0.2, -128, turn))
    radio = rng.integers(0, 1 << 19, n)
    a = _bits([(mtype, 6), (0, 2), (fleet.mmsi[v], 30), (status, 4), (turn, 8), (speed, 10),
               (1, 1), (lon, 28), (lat, 27), (course, 12), (heading, 9), (second, 6), (0, 2),
               (0, 3), (0, 1), (radio, 19)], n)  # fmt: skip
    b = _bits([(mtype, 6), (0, 2), (fleet.mmsi[v], 30), (0, 8), (speed, 10), (1, 1), (lon, 28),
               (lat, 27), (course, 12), (heading, 9), (second, 6), (0, 2), (1, 1), (0, 1), (1, 1),
               (1, 1), (1, 1), (0, 1), (0, 1), (radio | 1 << 19, 20)], n)  # fmt: skip
    return armour(np.where(class_b[:, None], b, a))[0], mtype


def static_payloads(fleet: Fleet, v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Type 5 static and voyage data of vessels ``v``: (n, 71) armoured (2 fill bits)."""
    n = len(v)
    length, width = fleet.length[v].astype(np.int64), fleet.width[v].astype(np.int64)
    eta = (t + 86400).astype("datetime64[s]")
    month = eta.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (eta.astype("datetime64[D]") - eta.astype("datetime64[M]")).astype(np.int64) + 1
    bits = np.hstack([
        _bits([(5, 6), (0, 2), (fleet.mmsi[v], 30), (0, 2), (np.asarray(fleet.imo)[v], 30)], n),
        _text_bits(fleet.callsign, 7, v), _text_bits(fleet.name, 20, v),
        _bits([(fleet.ship_type[v].astype(np.int64), 8), (length // 2, 9), (length - length // 2, 9),
               (width // 2, 6), (width - width // 2, 6), (1, 4), (month, 4), (day, 5), (12, 5),
               (0, 6), (np.nan_to_num(fleet.draft[v] * 10).astype(np.int64), 8)], n),
        _text_bits(["SEGOT"] * fleet.vessels, 20, v), _bits([(0, 1), (0, 1)], n),
    ])  # fmt: skip
    return armour(bits)[0]


TAG = b"\\s:rec0,c:0000000000*00\\"


def _hex2(x: np.ndarray) -> np.ndarray:
    hexdigits = np.frombuffer(b"0123456789ABCDEF", np.uint8)
    return np.stack([hexdigits[x >> 4], hexdigits[x & 15]], axis=1)


def nmea_lines(receiver, epoch, channel, payload, fill, part=(1, 1), seq=None) -> np.ndarray:
    """Fixed-width lines ``\\s:recR,c:EPOCH*XX\\!AIVDM,N,K,S,C,PAYLOAD,F*YY`` + newline as an
    (n, width) uint8 matrix, both checksums (XOR of the bytes between the delimiters) correct."""
    n, k = payload.shape
    body = f"!AIVDM,{part[0]},{part[1]},{'' if seq is None else '0'},A,".encode()
    tmpl = TAG + body + b"P" * k + f",{fill}*00\n".encode()
    m = np.tile(np.frombuffer(tmpl, np.uint8), (n, 1))
    m[:, 6] = 48 + np.asarray(receiver)
    m[:, 10:20] = digits(epoch, 10)
    m[:, 21:23] = _hex2(np.bitwise_xor.reduce(m[:, 1:20], axis=1))
    o = len(TAG)
    if seq is not None:
        m[:, o + 11] = 48 + np.asarray(seq)
    m[:, o + len(body) - 2] = np.asarray(channel)
    m[:, o + len(body) : o + len(body) + k] = payload
    star = len(tmpl) - 4
    m[:, star + 1 : star + 3] = _hex2(np.bitwise_xor.reduce(m[:, o + 1 : star], axis=1))
    return m


STATIC_EVERY = 30  # minutes between a class A vessel's type 5 messages
REC2_FRACTION = 0.3


def _nmea_events(fleet: Fleet, fx: dict, rng: np.random.Generator) -> dict:
    """The messages of a chunk of fixes, as heard: every position report and type 5 by rec1,
    30 % of them again by rec2 0-1 s later. Per event: time, receiver, kind (0 position, 1
    static), index into the position or static payloads, channel."""
    v, i = fx["v"], fx["i"]
    is_static = ~fleet.class_b[v] & ((i + v * 7) % STATIC_EVERY == 0)
    st = np.flatnonzero(is_static)
    n, ns = len(v), len(st)
    kind = np.concatenate([np.zeros(n, np.int8), np.ones(ns, np.int8)])
    idx = np.concatenate([np.arange(n), np.arange(ns)])
    t = np.concatenate([fx["time"], fx["time"][st] + 2])
    ch = np.where(rng.random(n + ns) < 0.5, ord("A"), ord("B")).astype(np.uint8)
    two = np.flatnonzero(rng.random(n + ns) < REC2_FRACTION)
    ev = dict(
        t=np.concatenate([t, t[two] + rng.integers(0, 2, len(two))]),
        receiver=np.concatenate([np.ones(n + ns, np.int8), np.full(len(two), 2, np.int8)]),
        kind=np.concatenate([kind, kind[two]]), idx=np.concatenate([idx, idx[two]]),
        ch=np.concatenate([ch, ch[two]]),
    )  # fmt: skip
    order = np.lexsort((ev["receiver"], ev["t"]))
    return {k: a[order] for k, a in ev.items()} | {"static_rows": st}


def nmea_chunk(fleet, fx, rng, seq_carry: dict) -> tuple[bytes, dict, dict]:
    """One chunk of the NMEA file: its bytes, its counts and what the self-check needs."""
    pos, mtype = position_payloads(fleet, fx, rng)
    ev = _nmea_events(fleet, fx, rng)
    st = ev["static_rows"]
    stat = static_payloads(fleet, fx["v"][st], fx["time"][st])
    p, s = ev["kind"] == 0, ev["kind"] == 1
    seq = np.zeros(len(ev["t"]), np.int64)
    for r in (1, 2):  # sequence ids cycle 0-9 per receiver
        m = s & (ev["receiver"] == r)
        seq[m] = (seq_carry.get(r, 0) + np.arange(m.sum())) % 10
        seq_carry[r] = seq_carry.get(r, 0) + int(m.sum())
    lines_p = nmea_lines(ev["receiver"][p], ev["t"][p], ev["ch"][p], pos[ev["idx"][p]], 0)
    k, rs, ts, cs = ev["idx"][s], ev["receiver"][s], ev["t"][s], ev["ch"][s]
    f1 = nmea_lines(rs, ts, cs, stat[k, :60], 0, (2, 1), seq[s])
    f2 = nmea_lines(rs, ts, cs, stat[k, 60:], 2, (2, 2), seq[s])
    block = np.zeros((len(ev["t"]), f1.shape[1] + f2.shape[1]), np.uint8)
    block[p, : lines_p.shape[1]] = lines_p
    block[s] = np.hstack([f1, f2])
    flat = block.ravel()
    counts = dict(
        lines=int(p.sum() + 2 * s.sum()), positions=len(pos), statics=len(st),
        duplicate_messages=int((ev["receiver"] == 2).sum()),
        duplicate_positions=int(((ev["receiver"] == 2) & p).sum()), jumps=int(fx["jump"].sum()),
    )  # fmt: skip
    sample = dict(fx=fx, mtype=mtype, lines_p=lines_p, idx_p=ev["idx"][p], f1=f1, f2=f2,
                  static_v=fx["v"][st][k])  # fmt: skip
    return flat[flat != 0].tobytes(), counts, sample


def write_nmea(path: Path, lines: int, vessels: int, seed: int = 0) -> dict:
    """Write ~``lines`` NMEA lines for ``vessels`` vessels, in time order; check a sample of the
    first chunk with pyais; returns the manifest."""
    per_vessel_minute = (1 + REC2_FRACTION) * (1 + 0.8 * 2 / STATIC_EVERY)
    fleet = make_fleet("nmea", vessels, max(1, round(lines / vessels / per_vessel_minute)), seed)
    rng = np.random.default_rng([seed, 3])
    out = _Outputs({"nmea": path})
    totals: dict = {}
    seq_carry: dict = {}
    check = None
    with open(out.tmp["nmea"], "wb") as fh:
        for v, i in chunks(fleet, "time", CHUNK_ROWS // 4):
            data, counts, sample = nmea_chunk(fleet, fixes(fleet, v, i, rng), rng, seq_carry)
            fh.write(data)
            totals = {k: totals.get(k, 0) + c for k, c in counts.items()}
            if check is None:
                check = nmea_self_check(fleet, sample)
    manifest = dict(layout="nmea", rows=totals["positions"], vessels=vessels,
                    class_b=int(fleet.class_b.sum()), duplicates=totals["duplicate_positions"],
                    non_vessel=0, bad_positions=0, self_check=check, **totals)  # fmt: skip
    out.close(manifest)
    return manifest


def _xor_ok(line: str) -> bool:
    """Both checksums of a tag-blocked line, recomputed char by char (independent of numpy)."""
    tag, sentence = line[1:].split("\\", 1)
    ok = True
    for text in (tag, sentence[1:]):
        body, cs = text.rsplit("*", 1)
        x = 0
        for c in body:
            x ^= ord(c)
        ok &= f"{x:02X}" == cs[:2]
    return ok


def nmea_self_check(fleet: Fleet, sample: dict, n: int = 200) -> str:
    """Decode ``n`` random generated position lines and 20 two-part type 5 messages with pyais
    and compare mmsi/lat/lon/sog/type (and names); compare 20 payloads with pyais' encoder;
    recompute both checksums. Raises on any mismatch; returns a one-line summary."""
    import pyais

    rng = np.random.default_rng(7)
    fx, lines = sample["fx"], sample["lines_p"]
    rows = rng.choice(len(lines), min(n, len(lines)), replace=False)
    for r in rows:
        line = lines[r].tobytes().decode().strip()
        j = sample["idx_p"][r]
        msg = pyais.decode(line, error_if_checksum_invalid=True)
        want = (int(fleet.mmsi[fx["v"][j]]), round(fx["lat"][j] * 600000) / 600000,
                round(fx["lon"][j] * 600000) / 600000, min(round(fx["sog"][j] * 10), 1022) / 10,
                int(sample["mtype"][j]))  # fmt: skip
        got = (msg.mmsi, msg.lat, msg.lon, msg.speed, msg.msg_type)
        if (
            got[0] != want[0]
            or got[4] != want[4]
            or not np.allclose(got[1:4], want[1:4], atol=2e-6)
        ):
            raise AssertionError(f"pyais decodes {line!r} as {got}, generated {want}")
        if not _xor_ok(line):
            raise AssertionError(f"bad checksum in {line!r}")
    for r in rows[:20]:  # the same payload from pyais' own encoder
        line = lines[r].tobytes().decode().strip()
        d = pyais.decode(line).asdict()
        again = pyais.encode_dict(
            d, talker_id="AI", sentence_type="VDM", radio_channel=line.split("!")[1].split(",")[4]
        )
        if again[0].split(",")[5] != line.split("!")[1].split(",")[5]:
            raise AssertionError(f"pyais encodes {d} as {again[0]}, generated {line}")
    for r in range(min(20, len(sample["f1"]))):
        a, b = (sample[k][r].tobytes().decode().strip() for k in ("f1", "f2"))
        msg = pyais.decode(a, b, error_if_checksum_invalid=True)
        v = sample["static_v"][r]
        if (
            msg.mmsi != fleet.mmsi[v]
            or msg.shipname != (fleet.name[v] or "")
            or msg.imo != fleet.imo[v]
        ):
            raise AssertionError(f"pyais decodes {a!r} {b!r} as {msg}, generated vessel {v}")
        if not (_xor_ok(a) and _xor_ok(b)):
            raise AssertionError(f"bad checksum in {a!r} / {b!r}")
    return f"pyais agrees on {len(rows)} position lines, 20 re-encoded payloads, {min(20, len(sample['f1']))} type 5 pairs"


# ----------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("layout", choices=["noaa", "dma", "nmea"])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--vessels", type=int, default=2_000)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    if args.layout == "noaa":
        names = {
            "parquet": "noaa.parquet",
            "csv": "noaa.csv",
            "csv-zst": "noaa.csv.zst",
            "csv2": "noaa2.csv",
        }
        m = write_noaa({k: args.dir / v for k, v in names.items()}, args.rows, args.vessels)
    elif args.layout == "dma":
        m = write_dma(args.dir / "dma.csv", args.rows, args.vessels)
    else:
        m = write_nmea(args.dir / "ais.nmea", args.lines, args.vessels)
    print(json.dumps(m), f"{time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
