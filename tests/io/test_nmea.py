"""Tests for the raw NMEA AIS reader (navwatch.io.nmea)."""

from __future__ import annotations

import gzip
from functools import reduce
from operator import xor
from pathlib import Path

import numpy as np
import pandas as pd
import pyais
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch.errors import IngestError
from navwatch.io import read_observations
from navwatch.io.nmea import looks_like_nmea, parse_lines, read_nmea
from navwatch.quarantine import Quarantine
from navwatch.schema import DTYPES
from tests.conftest import SHARED, needs_shared

DATA = Path(__file__).resolve().parents[1] / "data" / "nmea"
HEAD = DATA / "socal_sample_head.ais"  # first 1,500 lines of the real simpleais file
FULL = SHARED / "ais" / "simpleais-socal" / "sample.ais"  # ../shared/data beside the clone
HEAD_LINES = HEAD.read_text().splitlines()

COLUMNS = [
    "time", "lat", "lon", "kind", "mmsi", "imo", "callsign", "name", "ship_type",
    "sog_kn", "cog_deg", "heading_deg", "nav_status", "length_m", "beam_m", "source", "src_file",
    "src_line",
]  # fmt: skip


# ---- helpers ---------------------------------------------------------------------------------


def _xor(text: str) -> int:
    return reduce(xor, text.encode(), 0)


def sentence(body: str, start: str = "!") -> str:
    """An NMEA sentence with a correct checksum: sentence('AIVDM,1,1,,A,...,0')."""
    return f"{start}{body}*{_xor(body):02X}"


def tag(content: str) -> str:
    """A tag block with a correct checksum: tag('c:1452468552,s:rcv1')."""
    return f"\\{content}*{_xor(content):02X}\\"


def encode(talker: str = "AI", seq_id: int | None = None, **fields) -> list[str]:
    return pyais.encode_dict(fields, talker_id=talker, sentence_type="VDM", seq_id=seq_id)


def stats(df: pd.DataFrame) -> dict:
    return df.attrs["nmea_stats"]


def check_accounting(df: pd.DataFrame) -> None:
    """The identities documented in navwatch.io.nmea."""
    s = stats(df)
    assert s["lines"] == s["other_sentences"] + s["fragments"] + s["quarantined_lines"]
    # every non-empty line has exactly one fate
    assert sum(s["lines_by_fate"].values()) == s["lines"]
    fate = s["lines_by_fate"]
    assert fate["other_sentence"] == s["other_sentences"]
    assert fate["position"] >= s["positions"] and fate["non_vessel"] >= s["skipped_non_vessel"]
    assert s["messages"] == (
        s["positions"]
        + s["statics"]
        + s["other_types"]
        + s["duplicates_dropped"]
        + s["skipped_non_vessel"]
        + s["quarantined_messages"]
    )
    assert s["skipped_non_vessel"] == sum(s["skipped_by_class"].values())
    assert s["quarantined"] == s["quarantined_lines"] + s["quarantined_messages"] + s["read_errors"]
    assert s["positions"] == len(df)
    assert sum(s["types"].values()) == s["messages"] - s["duplicates_dropped"]
    rs = df.attrs["stats"]  # what read_observations reports per file
    assert (rs["format"], rs["records"], rs["rows"]) == ("nmea", s["lines"], len(df))
    assert rs["skipped_non_vessel"] == s["skipped_non_vessel"]
    # kept rows whose 9-digit MMSI does not start 2-7 (not a ship's MID)
    mmsi = df["mmsi"].dropna().astype("int64")
    assert (
        s["nonstandard_mmsi"]
        == rs["nonstandard_mmsi"]
        == int((~mmsi.between(200_000_000, 799_999_999)).sum())
    )


def epoch(ts: str) -> int:
    return int(pd.Timestamp(ts).timestamp())


T0 = 1452468552  # 2016-01-10T23:29:12Z
POS = encode(type=1, mmsi=211000001, lat=54.3, lon=10.15, speed=12.3, course=45.6, heading=44)[0]
POS2 = encode(type=1, mmsi=211000002, lat=54.4, lon=10.25, speed=0.1, course=0, heading=0)[0]


# ---- the real slice ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def head() -> tuple[pd.DataFrame, Quarantine]:
    q = Quarantine()
    return read_nmea(HEAD, quarantine=q), q


def test_head_schema_and_counts(head):
    df, q = head
    assert list(df.columns) == COLUMNS
    for c in COLUMNS:
        assert str(df[c].dtype) == str(DTYPES[c]), c
    assert (df["kind"] == "ais").all()
    assert (df["source"] == "AIS").all()
    assert (df["src_file"] == str(HEAD)).all()
    s = stats(df)
    assert s["lines"] == 1500 and s["fragments"] == 1500 and s["timed_lines"] == 1500
    assert s["messages"] == 1404
    assert s["duplicates_dropped"] == 416
    assert s["positions"] == len(df) == 753
    assert s["types"] == {1: 667, 3: 66, 4: 54, 5: 61, 8: 16, 18: 64, 20: 8, 21: 7, 24: 45}
    assert s["other_types"] == 54 + 16 + 8 + 7  # base stations, binary, ... : counted, no rows
    assert s["statics"] == 61 + 45
    # position reports from 7-digit MMSIs (coast stations by ITU-R M.585): skipped
    assert s["skipped_by_class"] == {"coast_station": 12} and s["skipped_non_vessel"] == 12
    # 9-digit MMSIs of no ship class (900..., 122..., 123456789: misconfigured or unconfigured
    # transponders on real vessels): kept, and counted
    mmsi = df["mmsi"].astype("int64")
    odd = mmsi[~mmsi.between(200_000_000, 799_999_999)]
    assert s["nonstandard_mmsi"] == len(odd) == 39
    assert odd.value_counts().to_dict() == {
        122292919: 6,
        900527247: 4,
        900545553: 4,
        900566843: 4,
        900572773: 4,
        900579698: 4,
        900584417: 4,
        900587358: 4,
        900587678: 4,
        123456789: 1,
    }
    # the only rejects in the slice are position reports with lat 91 / lon 181
    assert q.counts().to_dict() == {"no_position": s["quarantined"]} == {"no_position": 32}
    # every one of the 1,500 lines is accounted for
    assert s["lines_by_fate"] == {
        "position": 753,
        "static": 167,
        "other_type": 102,
        "duplicate": 434,
        "non_vessel": 12,
        "other_sentence": 0,
        "quarantined": 32,
    }
    check_accounting(df)


def test_head_rows_are_valid_positions(head):
    df, _ = head
    assert df["lat"].between(-90, 90).all() and df["lon"].between(-180, 180).all()
    assert not ((df["lat"] == 0) & (df["lon"] == 0)).any()
    assert df["mmsi"].notna().all() and df["src_line"].notna().all()
    assert not (df["sog_kn"] >= 102.3).any()
    assert not (df["cog_deg"] >= 360).any() and not (df["heading_deg"] >= 360).any()
    assert df["src_line"].is_monotonic_increasing


def test_head_times_are_utc_from_epoch_prefix(head):
    df, _ = head
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    assert df["time"].iloc[0] == pd.Timestamp("2016-01-10T23:29:12.938Z")
    prefix = {i: line.split(" ", 1)[0] for i, line in enumerate(HEAD_LINES, start=1)}
    ms = [int(prefix[n].replace(".", "")) for n in df["src_line"]]  # all have 3 decimals
    expected = pd.to_datetime(ms, unit="ms", utc=True).as_unit("ns")
    # the epoch prefix is parsed exactly to the millisecond, no float rounding
    assert (df["time"].to_numpy() == expected.to_numpy()).all()


def test_head_static_attached_to_all_rows_of_the_mmsi(head):
    df, _ = head
    # PILOTBOAT WHITE: type 5 on lines 112-113, position rows before (line 94) and after it
    pilot = df[df["mmsi"] == 367049470]
    assert len(pilot) == 6 and pilot["src_line"].min() < 112
    assert (pilot["name"] == "PILOTBOAT WHITE").all()
    assert (pilot["callsign"] == "WCU6542").all()
    assert (pilot["ship_type"] == "90").all()
    # its dimensions A=10, B=3, C=2, D=2 (pyais) -> 13 x 4 m on every row, the first included
    assert (pilot["length_m"] == 13.0).all() and (pilot["beam_m"] == 4.0).all()
    # MOONDANCE: class B, name from type 24A, ship type from 24B, no IMO/callsign
    moon = df[df["mmsi"] == 338058215]
    assert len(moon) == 1
    row = moon.iloc[0]
    assert row["name"] == "MOONDANCE" and row["ship_type"] == "37"
    assert pd.isna(row["callsign"]) and pd.isna(row["imo"])
    assert (row["length_m"], row["beam_m"]) == (13.0, 5.0)  # from its 24B
    # IMO 0 -> NA, no '@' padding anywhere
    assert not (df["imo"] == 0).any()
    for c in ("name", "callsign"):
        values = df[c].dropna()
        assert not values.str.contains("@").any()
        assert (values == values.str.strip()).all()


def test_head_duplicates_dropped(head):
    df, _ = head
    # lines 2 (ABVDM, channel B) and 3 (AIVDM, channel A) carry the same payload 11 ms apart
    assert HEAD_LINES[1].split(",")[5] == HEAD_LINES[2].split(",")[5]
    assert 2 in set(df["src_line"]) and 3 not in set(df["src_line"])
    # no two kept rows share a payload within 2 s
    payload = df["src_line"].map(lambda n: HEAD_LINES[n - 1].split(",")[5])
    kept = pd.DataFrame({"p": payload.to_numpy(), "t": df["time"].to_numpy()})
    gaps = kept.sort_values(["p", "t"]).groupby("p")["t"].diff().dropna()
    assert (gaps > pd.Timedelta(seconds=2)).all()


def test_gz_gives_same_result(tmp_path, head):
    df, _ = head
    gz = tmp_path / "head.ais.gz"
    gz.write_bytes(gzip.compress(HEAD.read_bytes()))
    out = read_nmea(gz)
    assert (out["src_file"] == str(gz)).all()
    pd.testing.assert_frame_equal(out.drop(columns="src_file"), df.drop(columns="src_file"))
    assert stats(out) == stats(df)


def test_truncated_gz_keeps_rows_and_quarantines_read_error(tmp_path):
    data = gzip.compress(HEAD.read_bytes())
    bad = tmp_path / "cut.ais.gz"
    bad.write_bytes(data[: len(data) // 2])
    q = Quarantine()
    out = read_nmea(bad, quarantine=q)
    assert 0 < len(out) < 765
    assert stats(out)["read_errors"] == 1
    assert "read_error" in q.counts()
    check_accounting(out)


# ---- the full real file -------------------------------------------------------------------------


@needs_shared(FULL)
def test_full_real_file():
    q = Quarantine()
    df = read_nmea(FULL, quarantine=q)
    s = stats(df)
    check_accounting(df)
    # README: 10,000 lines, pyais decodes 9,471 messages with 0 errors
    assert s["lines"] == 10_000 and s["messages"] == 9471
    codes = q.counts().to_dict()
    assert "parse_error" not in codes and "bad_checksum" not in codes and "no_time" not in codes
    # the real file has a few genuinely lost second fragments of type 5 messages
    assert set(codes) <= {"no_position", "missing_fragment"}
    # README: 8,283 position-bearing reports, of which 6,836 + 840 + 440 are types 1/3/18
    # (the rest are base stations and aids to navigation); ~a third are duplicates
    assert 0.55 * 8116 < s["positions"] <= 8116
    assert s["duplicates_dropped"] > 2000
    # README bounding box and time range
    assert df["lat"].min() >= 32.03255 - 1e-5 and df["lat"].max() <= 34.58817 + 1e-5
    assert df["lon"].min() >= -121.14177 - 1e-5 and df["lon"].max() <= -117.10650 + 1e-5
    assert df["time"].min() == pd.Timestamp("2016-01-10T23:29:12.938Z")
    assert df["time"].max() <= pd.Timestamp("2016-01-10T23:36:20.590Z")
    rsc = df[df["mmsi"] == 369970762]
    assert len(rsc) > 10
    assert (rsc["name"] == "RSC-1").all() and (rsc["ship_type"] == "35").all()
    assert rsc["lat"].sub(32.687).abs().max() < 0.01 and rsc["lon"].sub(-117.236).abs().max() < 0.01


# ---- constructed faults ---------------------------------------------------------------------------


def _parse(lines: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    q = Quarantine()
    df = parse_lines(lines, file="t.ais", quarantine=q)
    check_accounting(df)
    qf = q.to_frame()
    assert qf["file"].eq("t.ais").all() and qf["reason"].str.len().gt(0).all()
    return df, qf


def test_bad_checksum_and_garbled_lines_are_quarantined_and_reading_goes_on():
    bad = POS[:-2] + ("00" if POS[-2:] != "00" else "11")
    lines = [
        f"{T0} {bad}",
        f"{T0} {POS[:20]}",  # truncated
        "@@@ total garbage @@@",
        f"{T0}.5 !AIVDM,1,1,,A,11mg=5OP1WLho:P79hp>4?v1P000",  # no checksum
        f"{T0} " + sentence("AIVDM,1,1,,A,1~~~~~~~~~~~~~~~~~~~~~~~~~~~,0"),  # bad 6-bit chars
        f"{T0} " + sentence("AIVDM,X,1,,A,11mg=5OP1WLho:P79hp>4?v1P000,0"),  # bad field
        f"yesterday {POS}",  # unrecognised prefix
        f"{T0 + 1} {POS}",
    ]
    df, qf = _parse(lines)
    assert qf["line"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert qf["code"].tolist() == ["bad_checksum"] + ["parse_error"] * 6
    assert qf["raw"].iloc[0] == lines[0]
    assert df["src_line"].tolist() == [8]
    assert df["mmsi"].tolist() == [211000001]


def test_orphan_fragments_lose_only_their_message():
    part1, _ = encode(seq_id=3, type=5, mmsi=211000009, shipname="LOST", imo=9000001)
    _, part2 = encode(seq_id=4, type=5, mmsi=211000008, shipname="ORPHAN")
    lines = [
        f"{T0} {part1}",  # its part 2 never comes
        f"{T0 + 1} {POS}",
        f"{T0 + 2} {part2}",  # part 2 of another message, alone
        f"{T0 + 3} {POS2}",
        f"{T0 + 4} {part1}",  # part 1 ...
        f"{T0 + 5} {part1.replace('LOST', 'X')}",  # ... then a new part 1 for the same key
    ]
    df, qf = _parse(lines)
    assert df["mmsi"].tolist() == [211000001, 211000002]
    assert df["name"].isna().all()
    assert set(qf["code"]) == {"missing_fragment"}
    assert sorted(qf["line"]) == [1, 3, 5, 6]
    s = stats(df)
    assert s["positions"] == 2 and s["statics"] == 0


def test_new_part1_before_completion_loses_the_first_only():
    a1, a2 = encode(seq_id=3, type=5, mmsi=211000009, shipname="FIRST")
    b1, b2 = encode(seq_id=3, type=5, mmsi=211000001, shipname="SECOND")
    df, qf = _parse([f"{T0} {a1}", f"{T0} {b1}", f"{T0} {b2}", f"{T0 + 1} {POS}"])
    assert qf["code"].tolist() == ["missing_fragment"] and qf["line"].tolist() == [1]
    assert df["name"].tolist() == ["SECOND"]


def test_interleaved_multipart_messages_assemble_by_talker_independent_key():
    a1, a2 = encode(seq_id=1, type=5, mmsi=211000001, shipname="ALPHA", callsign="DA1", imo=9123456)
    b1, b2 = encode(seq_id=2, type=5, mmsi=211000002, shipname="BRAVO@@@", ship_type=35)
    a2 = sentence("BS" + a2[3:-3])  # part 2 arrives from a different talker
    lines = [
        f"{T0} {a1}",
        f"{T0} {b1}",
        f"{T0} {a2}",
        f"{T0} {b2}",
        f"{T0 + 1} {POS}",
        f"{T0 + 1} {POS2}",
    ]
    df, qf = _parse(lines)
    assert qf.empty
    assert stats(df)["statics"] == 2
    by = df.set_index(df["mmsi"].astype("int64"))
    assert by.loc[211000001, "name"] == "ALPHA" and by.loc[211000001, "imo"] == 9123456
    assert by.loc[211000001, "callsign"] == "DA1"
    assert by.loc[211000002, "name"] == "BRAVO" and by.loc[211000002, "ship_type"] == "35"
    assert pd.isna(by.loc[211000002, "imo"])


def test_multipart_position_src_line_is_last_fragment():
    payload = POS.split(",")[5]
    p1 = sentence(f"AIVDM,2,1,7,B,{payload[:14]},0")
    p2 = sentence(f"AIVDM,2,2,7,B,{payload[14:]},0")
    df, qf = _parse(["", f"{T0} {p1}", "   ", f"{T0} {p2}"])
    assert qf.empty and df["src_line"].tolist() == [4]
    assert df["mmsi"].tolist() == [211000001]
    s = stats(df)
    assert s["lines"] == 2 and s["fragments"] == 2 and s["messages"] == 1


def test_tag_block_times_and_source():
    lines = [
        tag(f"s:rcv1,c:{T0}") + POS,
        tag(f"c:{T0}250,s:rcv2") + POS2,  # milliseconds
        "\\c:1452468552*00\\" + POS,  # bad tag block checksum
        tag("c:yesterday") + POS,
        tag(f"g:1-2-77,c:{T0 + 10}") + sentence(f"AIVDM,2,1,7,B,{POS.split(',')[5][:14]},0"),
        tag("g:2-2-77") + sentence(f"AIVDM,2,2,7,B,{POS.split(',')[5][14:]},0"),  # no c: of its own
    ]
    df, qf = _parse(lines)
    assert df["time"].tolist() == [
        pd.Timestamp(T0, unit="s", tz="UTC"),
        pd.Timestamp(T0 * 1000 + 250, unit="ms", tz="UTC"),
        pd.Timestamp(T0 + 10, unit="s", tz="UTC"),  # time of a group comes from its first part
    ]
    assert df["source"].tolist() == ["AIS:rcv1", "AIS:rcv2", "AIS"]
    assert qf["code"].tolist() == ["bad_checksum", "parse_error"]
    assert qf["line"].tolist() == [3, 4]


def test_iso_and_other_leading_times():
    lines = [
        f"2024-12-02T06:00:00Z {POS}",
        f"2024-12-02 06:00:00.123 ,{POS2}",
        f"2024-12-02T08:00:05+02:00\t{POS}",
        f"2024-12-02 06:00:10;{POS2}",
        f"1733119215123 {POS}",  # epoch milliseconds
        f"{POS2},b003669710,1733119220",  # USCG NAIS trailer
        f"2024-13-45 06:00:00 {POS}",  # impossible date
    ]
    df, qf = _parse(lines)
    assert df["time"].tolist() == [
        pd.Timestamp(t)
        for t in (
            "2024-12-02T06:00:00Z",
            "2024-12-02T06:00:00.123Z",
            "2024-12-02T06:00:05Z",
            "2024-12-02T06:00:10Z",
            "2024-12-02T06:00:15.123Z",
            "2024-12-02T06:00:20Z",
        )
    ]
    assert qf["code"].tolist() == ["parse_error"] and qf["line"].tolist() == [7]


def test_lines_without_time_are_quarantined():
    df, qf = _parse([POS, f"{T0} {POS2}"])
    assert df["mmsi"].tolist() == [211000002]
    assert qf["code"].tolist() == ["no_time"] and qf["line"].tolist() == [1]
    assert qf["reason"].iloc[0] == "no receive time (no tag block c: and no leading timestamp)"


def test_empty_payload_is_quarantined_not_a_message():
    empty = "!AIVDM,1,1,,B,,0*25"  # a real checksum over an empty payload
    assert empty == sentence("AIVDM,1,1,,B,,0")
    df, qf = _parse([f"{T0} {empty}", f"{T0} {POS}", tag(f"c:{T0 + 5}") + empty])
    assert qf[["line", "code"]].values.tolist() == [[1, "empty_payload"], [3, "empty_payload"]]
    s = stats(df)
    assert s["messages"] == 1 and s["types"] == {1: 1}  # not counted as a message of type 0
    assert s["lines_by_fate"] == {
        "position": 1, "static": 0, "other_type": 0, "duplicate": 0, "non_vessel": 0,
        "other_sentence": 0, "quarantined": 2,
    }  # fmt: skip


def test_file_without_any_receive_time_is_one_ingest_error(tmp_path):
    p = tmp_path / "x.nmea"
    untimed = [POS, POS2, HEAD_LINES[0].split(" ", 1)[1], "$GPGGA,1*00"]
    p.write_text("\n".join(untimed) + "\n")
    q = Quarantine()
    with pytest.raises(IngestError) as err:
        read_nmea(p, quarantine=q)
    msg = str(err.value)
    assert err.value.path == str(p) and msg.startswith(f"{p}: no line carries a receive time")
    assert "tag block" in msg and "leading" in msg and "3 AIS sentence(s)" in msg
    assert len(q) == 0  # one error, not a quarantine row per line
    with pytest.raises(IngestError, match="no line carries a receive time"):
        read_observations(p)


def test_file_with_some_untimed_lines_quarantines_them(tmp_path):
    p = tmp_path / "some.nmea"
    p.write_text(f"{POS}\n{T0} {POS2}\n\n{POS}\n")
    q = Quarantine()
    df = read_nmea(p, quarantine=q)
    assert df["mmsi"].tolist() == [211000002]
    assert q.to_frame()[["line", "code"]].values.tolist() == [[1, "no_time"], [4, "no_time"]]
    assert stats(df)["timed_lines"] == 1
    check_accounting(df)


_MMSI_CASES = [
    (211000001, "ship"),  # kept
    (821900001, "nonstandard"),  # 8...: divers' radio in M.585, sent by misconfigured ships: kept
    (982190001, "nonstandard"),  # 98MIDxxxx: craft of a parent ship, a vessel: kept
    (123456789, "nonstandard"),  # no M.585 class (a default left in a transponder): kept
    (2190047, "coast_station"),  # 00MIDxxxx
    (21900470, "group_call"),  # 0MIDxxxxx
    (111219001, "sar_aircraft"),
    (992191234, "aid_to_navigation"),
    (970010001, "sart"),
    (972010001, "mob"),
    (974010001, "epirb"),
    (979010001, "amrd"),
    (12345, "fewer than 6 digits"),
    (1_073_741_823, "more than 9 digits"),  # the largest 30-bit MMSI field
]


def test_position_reports_of_non_vessels_are_skipped_by_class_and_bad_mmsi_quarantined():
    lines = [
        f"{T0 + 3 * i} " + encode(type=1, mmsi=m, lat=54.3, lon=10.15)[0]
        for i, (m, _) in enumerate(_MMSI_CASES)
    ]
    df, qf = _parse(lines)
    assert df["mmsi"].tolist() == [211000001, 821900001, 982190001, 123456789]
    s = stats(df)
    assert s["nonstandard_mmsi"] == df.attrs["stats"]["nonstandard_mmsi"] == 3
    classes = {c: 1 for _, c in _MMSI_CASES[4:-2]}
    assert len(classes) == 8
    assert s["skipped_by_class"] == classes and s["skipped_non_vessel"] == len(classes)
    assert qf[["line", "code"]].values.tolist() == [[13, "bad_mmsi"], [14, "bad_mmsi"]]
    assert "fewer than 6 digits" in qf["reason"][0] and "more than 9 digits" in qf["reason"][1]
    assert s["lines_by_fate"]["non_vessel"] == len(classes)
    assert s["lines_by_fate"]["position"] == 4 and s["lines_by_fate"]["quarantined"] == 2
    assert sum(s["lines_by_fate"].values()) == len(lines)
    check_accounting(df)


def test_nonstandard_mmsi_counts_kept_rows_only():
    """A nonstandard MMSI whose report is quarantined (no position) or a duplicate is not
    counted; a file of ships' MMSIs counts 0."""
    ok = encode(type=1, mmsi=896876500, lat=40.8, lon=-73.97)[0]
    nopos = encode(type=1, mmsi=896876501, lat=91, lon=181)[0]
    df, qf = _parse([f"{T0} {ok}", f"{T0} {ok}", f"{T0 + 3} {nopos}", f"{T0 + 6} {POS}"])
    s = stats(df)
    assert df["mmsi"].tolist() == [896876500, 211000001] and qf["code"].tolist() == ["no_position"]
    assert s["nonstandard_mmsi"] == 1 and s["duplicates_dropped"] == 1
    check_accounting(df)
    ships, _ = _parse([f"{T0} {POS}", f"{T0 + 3} {POS2}"])
    assert stats(ships)["nonstandard_mmsi"] == ships.attrs["stats"]["nonstandard_mmsi"] == 0


def test_multipart_non_vessel_counts_all_its_lines():
    payload = encode(type=1, mmsi=992191234, lat=54.3, lon=10.15)[0].split(",")[5]
    p1 = sentence(f"AIVDM,2,1,3,A,{payload[:10]},0")
    p2 = sentence(f"AIVDM,2,2,3,A,{payload[10:]},0")
    df, qf = _parse([f"{T0} {p1}", f"{T0} {p2}", f"{T0} {POS}"])
    s = stats(df)
    assert qf.empty and len(df) == 1
    assert s["skipped_by_class"] == {"aid_to_navigation": 1}
    assert s["lines_by_fate"]["non_vessel"] == 2 and s["lines_by_fate"]["position"] == 1


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [(91, 181, "no_position"), (91, 10, "no_position"), (0, 0, "no_position"),
     (54.0, 200.0, "bad_position"), (-95.0, 10.0, "bad_position")],
)  # fmt: skip
def test_unusable_positions_are_quarantined(lat, lon, code):
    bad = encode(type=1, mmsi=211000003, lat=lat, lon=lon)[0]
    df, qf = _parse([f"{T0} {bad}", f"{T0} {POS}"])
    assert df["mmsi"].tolist() == [211000001]
    assert qf["code"].tolist() == [code] and qf["line"].tolist() == [1]
    assert stats(df)["quarantined_messages"] == 1


def test_not_available_sentinels_become_nan():
    a = encode(type=1, mmsi=211000004, lat=1, lon=2, speed=102.3, course=360, heading=511)[0]
    b = encode(type=18, mmsi=338000001, lat=1, lon=2, speed=102.3, course=360, heading=511)[0]
    c = encode(type=27, mmsi=211000005, lat=1, lon=2, speed=63, course=511, status=5)[0]
    d = encode(type=27, mmsi=211000006, lat=1.5, lon=2.5, speed=12, course=90, status=1)[0]
    df, qf = _parse([f"{T0} {x}" for x in (a, b, c, d)])
    assert qf.empty
    assert df.iloc[:3][["sog_kn", "cog_deg", "heading_deg"]].isna().all().all()
    assert df["nav_status"].tolist()[1:] == [pd.NA, 5, 1]
    last = df.iloc[3]
    assert (last["sog_kn"], last["cog_deg"], last["lat"], last["lon"]) == (12.0, 90.0, 1.5, 2.5)


def test_other_sentences_and_types_are_counted_not_quarantined():
    base = encode(type=4, mmsi=3669999, lat=12.5, lon=-45.2)[0]
    gga = sentence("GPGGA,060000.00,3342.000,N,11812.000,W,1,08,0.9,10.0,M,,M,,", "$")
    df, qf = _parse([f"{T0} {gga}", f"{T0} {base}", f"{T0} {POS}", ""])
    assert qf.empty
    s = stats(df)
    assert s["other_sentences"] == 1 and s["other_types"] == 1 and s["types"] == {1: 1, 4: 1}
    assert s["lines"] == 3 and len(df) == 1


def test_duplicates_within_two_seconds_only():
    dup = sentence("AB" + POS[3:-3])  # same payload, another talker
    df, _ = _parse([f"{T0}.0 {POS}", f"{T0}.9 {dup}", f"{T0 + 2}.0 {POS}", f"{T0 + 3}.5 {POS}"])
    assert df["src_line"].tolist() == [1, 4]
    assert stats(df)["duplicates_dropped"] == 2


def test_static_latest_wins_and_fills_empty_fields():
    old = encode(
        seq_id=1, type=5, mmsi=211000001, shipname="OLD NAME", callsign="OLD1", imo=9000001
    )
    new = encode(seq_id=2, type=5, mmsi=211000001, shipname="NEW NAME", imo=0)
    lines = [f"{T0} {x}" for x in (*old, POS, *new)]
    df, _ = _parse(lines)
    row = df.iloc[0]
    assert row["name"] == "NEW NAME" and row["callsign"] == "OLD1" and row["imo"] == 9000001


def test_missing_file_and_directory_raise_ingest_error(tmp_path):
    missing = tmp_path / "nope.ais"
    with pytest.raises(IngestError, match="nope.ais"):
        read_nmea(missing)
    with pytest.raises(IngestError, match=str(tmp_path.name)):
        read_nmea(tmp_path)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.ais"
    p.write_text("\n\n")
    df = read_nmea(p)
    assert len(df) == 0 and list(df.columns) == COLUMNS
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    check_accounting(df)


def test_looks_like_nmea():
    assert looks_like_nmea("\n".join(HEAD_LINES[:50]))
    assert looks_like_nmea("\n\n" + tag(f"s:x,c:{T0}") + sentence("BSVDM" + POS[6:-3]) + "\n")
    assert looks_like_nmea(f"2024-12-02T06:00:00Z {sentence('WSVDO' + POS[6:-3])}\n")
    assert looks_like_nmea(f"2024-12-02 06:00:00.123 ,{POS}\n{HEAD_LINES[0][:30]}")  # cut last line
    assert not looks_like_nmea("mmsi,time,lat,lon\n211000001,2024-12-02,54.3,10.1\n")
    assert not looks_like_nmea(f"211000001,2024-12-02,{POS}\n")  # CSV with a raw column
    gga = sentence("GPGGA,060000.00,3342.000,N,11812.000,W,1,08,0.9,10.0,M,,M,,", "$")
    assert not looks_like_nmea(gga + "\n")
    assert not looks_like_nmea("")


# ---- properties -------------------------------------------------------------------------------------


def _corrupt(line: str, i: int) -> str:
    i = i % len(line)
    return line[:i] + ("x" if line[i] != "x" else "y") + line[i + 1 :]


_junk_text = st.text(st.characters(blacklist_characters="\r\n"), max_size=80)
_real = st.sampled_from(HEAD_LINES)
_item = st.one_of(
    _real,
    _real,
    _real,
    _junk_text,
    st.tuples(_real, st.integers(0, 200)).map(lambda t: _corrupt(*t)),
    st.tuples(_real, st.integers(0, 90)).map(lambda t: t[0][: t[1]]),
    st.sampled_from(["", "   ", "$GPGGA,1*00", "\\c:1*00\\", "!AIVDM,2,2,9,A,0000,2*00"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_item, max_size=60))
def test_property_nothing_is_silently_dropped(lines):
    q = Quarantine()
    df = parse_lines(lines, file="p.ais", quarantine=q)
    check_accounting(df)
    s = stats(df)
    assert s["lines"] == sum(1 for x in lines if x.strip())
    qf = q.to_frame()
    assert len(qf) == s["quarantined"]
    assert qf["line"].notna().all() and qf["reason"].str.len().gt(0).all()
    assert qf["line"].between(1, len(lines)).all()
    # each line has one fate: a row never comes from a line that was quarantined
    assert not set(df["src_line"]) & set(qf["line"])
    assert list(df.columns) == COLUMNS


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(200_000_000, 775_999_999),  # mmsi
            st.integers(-90 * 600_000, 90 * 600_000),  # lat in 1/10000 minute
            st.integers(-180 * 600_000, 180 * 600_000),  # lon
            st.integers(0, 1022),  # speed in 0.1 kn
            st.integers(1, 3),  # message type
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(10**9, 2 * 10**9),
)
def test_property_encode_round_trip(reports, t_start):
    lines, expected = [], []
    for i, (mmsi, lat_u, lon_u, speed_u, msg_type) in enumerate(reports):
        lat, lon, speed = lat_u / 600_000, lon_u / 600_000, speed_u / 10
        t = t_start + 3 * i  # > 2 s apart: no de-duplication
        s = encode(type=msg_type, mmsi=mmsi, lat=lat, lon=lon, speed=speed)[0]
        lines.append(tag(f"c:{t}") + s)
        if not (lat_u == 0 and lon_u == 0):
            expected.append((t, mmsi, lat, lon, speed))
    df, qf = _parse(lines)
    assert len(df) == len(expected)
    assert len(qf) == len(reports) - len(expected)
    if not expected:
        return
    t, mmsi, lat, lon, speed = map(np.array, zip(*expected, strict=True))
    assert (df["time"].to_numpy() == pd.to_datetime(t, unit="s", utc=True).to_numpy()).all()
    assert (df["mmsi"].to_numpy() == mmsi).all()
    resolution = 1 / 600_000  # 1/10000 minute
    assert np.abs(df["lat"].to_numpy() - lat).max() <= resolution
    assert np.abs(df["lon"].to_numpy() - lon).max() <= resolution
    assert np.abs(df["sog_kn"].to_numpy() - speed).max() <= 0.05 + 1e-9
    assert (df["source"] == "AIS").all()


def test_type_24_cut_before_its_part_number_is_quarantined_not_a_crash():
    """A type 24 of 36 bits (no part number: pyais reads part A with partno None) has no
    static data: one parse_error, on both paths (found by Hypothesis)."""
    line = "\\c:1452468552*53\\!AIVDM,1,1,,A,H39>Jh,0*78"
    for fast in (True, False):
        q = Quarantine()
        df = parse_lines([line], quarantine=q, fast=fast)
        assert len(df) == 0
        assert q.to_frame()["code"].tolist() == ["parse_error"]
        check_accounting(df)
