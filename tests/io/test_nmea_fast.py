"""The fast NMEA path (navwatch.io.nmea_fast) against the general path (navwatch.io.nmea, line by
line with pyais): the same rows, identities, quarantine rows and counts, on random logs encoded
with pyais and on every NMEA file of the test data; and the fast path does run."""

from __future__ import annotations

import copy
import math
from functools import reduce
from operator import xor

import numpy as np
import pandas as pd
import pyais
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navwatch.errors import IngestError
from navwatch.io import InMemory, nmea, nmea_fast
from navwatch.io.nmea import _Seen, parse_lines, read_nmea
from navwatch.quarantine import Quarantine
from tests.conftest import DATA, SHARED, needs_shared

NMEA_FILES = sorted(
    p
    for p in DATA.rglob("*")
    if p.is_file() and b"VDM," in p.read_bytes()[:20000] or p.suffix in (".ais", ".nmea", ".nm4")
)
SHARED_NMEA = [SHARED / "ais" / "simpleais-socal" / "sample.ais"]
T0 = 1_452_468_552


# ---- helpers ---------------------------------------------------------------------------------


def _xor(text: str) -> int:
    return reduce(xor, text.encode(), 0)


def tag(content: str, checksum: int | None = None) -> str:
    return f"\\{content}*{_xor(content) if checksum is None else checksum:02X}\\"


def assert_same(fast: pd.DataFrame, general: pd.DataFrame, q_fast: Quarantine, q_gen: Quarantine):
    """Rows (all columns and dtypes, identities included), quarantine and counts are equal."""
    pd.testing.assert_frame_equal(fast, general)
    pd.testing.assert_frame_equal(q_fast.to_frame(), q_gen.to_frame())
    s_fast, s_gen = copy.deepcopy(fast.attrs), copy.deepcopy(general.attrs)
    assert s_gen["nmea_stats"].pop("fast_lines") == 0
    s_fast["nmea_stats"].pop("fast_lines")
    assert s_fast == s_gen


def both_bytes(data: bytes, name: str = "log.ais") -> tuple[pd.DataFrame, Quarantine]:
    """read_nmea of ``data`` on both paths, checked equal; the fast result."""
    out = []
    for fast in (True, False):
        q = Quarantine()
        try:
            df = read_nmea(InMemory(data, name), quarantine=q, fast=fast)
        except IngestError as exc:
            df = exc  # type: ignore[assignment]
        out.append((df, q))
    (fast_df, q_fast), (gen_df, q_gen) = out
    if isinstance(gen_df, IngestError):
        assert isinstance(fast_df, IngestError) and str(fast_df) == str(gen_df)
        assert len(q_fast) == len(q_gen) == 0
        return fast_df, q_fast  # type: ignore[return-value]
    assert_same(fast_df, gen_df, q_fast, q_gen)
    return fast_df, q_fast


def both_lines(lines: list[str]) -> pd.DataFrame:
    """parse_lines of ``lines`` on both paths, checked equal; the fast result."""
    q_fast, q_gen = Quarantine(), Quarantine()
    fast = parse_lines(lines, file="t.ais", quarantine=q_fast, fast=True)
    general = parse_lines(lines, file="t.ais", quarantine=q_gen, fast=False)
    assert_same(fast, general, q_fast, q_gen)
    return fast


# ---- random logs -------------------------------------------------------------------------------


def _mostly(common: st.SearchStrategy, *rare: object) -> st.SearchStrategy:
    """``common``, or one of the ``rare`` values a quarter of the time."""
    return st.integers(0, 3).flatmap(lambda k: st.sampled_from(rare) if k == 0 else common)


_mmsi = _mostly(
    st.integers(201_000_000, 775_999_999),
    2190047, 992191234, 970010001, 111219001, 821900001, 12345, 1_073_741_823,
)  # fmt: skip
_lat = _mostly(st.integers(-90 * 600_000, 90 * 600_000).map(lambda v: v / 600_000), 91.0, 0.0)
_lon = _mostly(st.integers(-180 * 600_000, 180 * 600_000).map(lambda v: v / 600_000), 181.0, 0.0)
_speed = _mostly(st.integers(0, 1023).map(lambda v: v / 10), 102.3, 102.2)
_course = _mostly(st.integers(0, 4095).map(lambda v: v / 10), 360.0)
_heading = _mostly(st.integers(0, 359), 511, 360)
_text = st.text(alphabet="ABC XYZ@-0123", max_size=20)
_dim9 = _mostly(st.integers(1, 510), 0, 511)
_dim6 = _mostly(st.integers(1, 62), 0, 63)
_dimensions = st.fixed_dictionaries(
    {"to_bow": _dim9, "to_stern": _dim9, "to_port": _dim6, "to_starboard": _dim6}
)


@st.composite
def _message(draw) -> list[str]:
    """The sentence(s) of one message (pyais.encode_dict), of a random kind."""
    kind = draw(st.sampled_from(["pos"] * 6 + ["5", "24", "19", "27", "4", "8"]))
    mmsi = draw(_mmsi)
    if kind == "pos":
        fields = {"type": draw(st.sampled_from([1, 2, 3, 18])), "mmsi": mmsi, "lat": draw(_lat),
                  "lon": draw(_lon), "speed": draw(_speed), "course": draw(_course),
                  "heading": draw(_heading), "status": draw(st.integers(0, 15))}  # fmt: skip
    elif kind == "5":
        fields = {"type": 5, "mmsi": mmsi, "shipname": draw(_text), "callsign": draw(_text)[:7],
                  "imo": draw(st.integers(0, 2**30 - 1)), "ship_type": draw(st.integers(0, 255)),
                  **draw(_dimensions)}  # fmt: skip
    elif kind == "24":
        fields = {"type": 24, "mmsi": mmsi, "partno": draw(st.integers(0, 1)),
                  "shipname": draw(_text), "callsign": draw(_text)[:7], "ship_type": draw(st.integers(0, 255)),
                  **draw(_dimensions)}  # fmt: skip
    elif kind == "19":
        fields = {"type": 19, "mmsi": mmsi, "lat": draw(_lat), "lon": draw(_lon),
                  "speed": draw(_speed), "shipname": draw(_text), "ship_type": draw(st.integers(0, 255)),
                  **draw(_dimensions)}  # fmt: skip
    elif kind == "27":
        fields = {"type": 27, "mmsi": mmsi, "lat": draw(_lat), "lon": draw(_lon),
                  "speed": draw(st.integers(0, 63)), "course": draw(st.integers(0, 511))}  # fmt: skip
    elif kind == "4":
        fields = {"type": 4, "mmsi": mmsi, "lat": draw(_lat), "lon": draw(_lon)}
    else:
        fields = {"type": 8, "mmsi": mmsi, "data": draw(st.binary(max_size=40))}
    sentences = pyais.encode_dict(
        fields,
        talker_id=draw(st.sampled_from(["AI", "AB", "BS"])),
        sentence_type=draw(st.sampled_from(["VDM", "VDO"])),
        seq_id=draw(st.integers(0, 9)),
    )
    return [rechannel(s, draw(st.sampled_from(["A", "B", "1", ""]))) for s in sentences]


def rechannel(sentence: str, channel: str) -> str:
    """The sentence on another radio channel (pyais encodes A or B), checksum recomputed."""
    body = sentence[1 : sentence.index("*")].split(",")
    body[4] = channel
    text = ",".join(body)
    return f"!{text}*{_xor(text):02X}"


_FRAMINGS = {  # receive time framings: (sentence, unix s, ms, unix ms, receiver, separator)
    "tag": lambda s, sec, ms, t, r, sep: tag(f"c:{sec}") + s,
    "tag_s": lambda s, sec, ms, t, r, sep: tag(f"s:{r},c:{sec}.{ms:03d}") + s,
    "tag_ms": lambda s, sec, ms, t, r, sep: tag(f"c:{t},s:{r}") + s,
    "tag_nots": lambda s, sec, ms, t, r, sep: tag(f"g:1-2-{ms},s:{r}") + s,
    "tag_bad": lambda s, sec, ms, t, r, sep: tag(f"c:{sec}", checksum=_xor(f"c:{sec}") ^ 1) + s,
    "epoch": lambda s, sec, ms, t, r, sep: f"{sec}.{ms:03d} {s}",
    "epoch_sep": lambda s, sec, ms, t, r, sep: f"[{sec}]{sep}{s}",
    "iso": lambda s, sec, ms, t, r, sep: f"{pd.Timestamp(t, unit='ms').isoformat()}Z {s}",
    "uscg": lambda s, sec, ms, t, r, sep: f"{s},b003669710,{sec}",
    "both": lambda s, sec, ms, t, r, sep: f"{sec} " + tag(f"c:{sec + 1}") + s,
    "none": lambda s, sec, ms, t, r, sep: s,
}


@st.composite
def _framed(draw, sentence: str, t_ms: int) -> str:
    """``sentence`` with a random receive time framing, sometimes broken."""
    sec, ms = divmod(t_ms, 1000)
    how = draw(st.sampled_from(["tag", "tag", "tag_s", "tag_ms", "epoch", "epoch", *_FRAMINGS]))
    receiver = draw(st.sampled_from(["r1", "rcv-2", "x:y", ""]))
    sep = draw(st.sampled_from([",", ";", " |", " "]))
    line = _FRAMINGS[how](sentence, sec, ms, t_ms, receiver, sep)
    fault = draw(st.sampled_from(["none"] * 30 + ["checksum", "cut", "pad", "tab", "char"]))
    if fault == "checksum":
        line = line[:-2] + ("00" if line[-2:] != "00" else "11")
    elif fault == "cut":
        line = line[: draw(st.integers(0, len(line)))]
    elif fault == "pad":
        line = f"  {line} "
    elif fault == "tab":
        line = line.replace(" ", "\t", 1)
    elif fault == "char":
        i = draw(st.integers(0, len(line) - 1))
        line = line[:i] + draw(st.sampled_from(["~", "é", ",", "*", "!"])) + line[i + 1 :]
    return line


@st.composite
def nmea_logs(draw) -> list[str]:
    """Lines of a random log: messages (multi-part ones interleaved), copies of earlier
    messages some time later, lost fragments, junk and empty lines."""
    t_ms = draw(st.integers(1_300_000_000_000, 1_900_000_000_000))
    lines: list[str] = []
    sent: list[list[str]] = []
    for _ in range(draw(st.integers(0, 25))):
        t_ms += draw(st.integers(0, 4000))
        what = draw(st.sampled_from(["new"] * 6 + ["copy", "junk", "empty"]))
        if what == "copy" and sent:
            sentences = draw(st.sampled_from(sent))
        elif what == "junk":
            lines.append(draw(st.sampled_from(["garbage", "$GPGGA,1*00", "!AIVDM,2,2,9,A,0000,2*00",
                                               "\\c:1*00\\", "!AIVDM,1,1,,A,,0*26"])))  # fmt: skip
            continue
        elif what == "empty":
            lines.append(draw(st.sampled_from(["", "   "])))
            continue
        else:
            sentences = draw(_message())
            sent.append(sentences)
        framed = [draw(_framed(s, t_ms)) for s in sentences]
        if len(framed) > 1 and draw(st.integers(0, 5)) == 0:
            framed.pop(draw(st.integers(0, len(framed) - 1)))  # a lost fragment
        at = draw(st.integers(max(0, len(lines) - 3), len(lines)))  # interleave a little
        lines[at:at] = framed
    return lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nmea_logs())
def test_property_fast_equals_general_on_random_logs(lines):
    both_lines(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nmea_logs(), st.sampled_from([b"\n", b"\r\n", b"\r"]), st.booleans())
def test_property_fast_equals_general_on_random_files(lines, newline, final_newline):
    data = newline.join(line.encode("utf-8") for line in lines)
    both_bytes(data + (newline if final_newline else b""))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(-5000, 5000)), max_size=60),
    st.integers(1, 4),
)
def test_property_duplicates_equal_the_general_rule(messages, seen_max):
    """The vectorised duplicate rule equals the general path's, also where it forgets old
    payloads (a small memory bound here) and receive times jump back."""
    keys = np.array([k for k, _ in messages], dtype=np.uint64).reshape(-1, 1)
    times = np.array([t for _, t in messages], dtype=np.int64) * 10**9 // 1000
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nmea, "SEEN_MAX", seen_max)
        mp.setattr(nmea, "SEEN_KEEP_NS", 3 * nmea.DUPLICATE_WINDOW_NS)
        seen = _Seen()
        expected = [seen.duplicate(int(k), int(t)) for k, t in zip(keys[:, 0], times, strict=True)]
        got = nmea_fast.duplicates(np.full(len(times), 28), keys, times)
    assert got.tolist() == expected


# ---- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    NMEA_FILES + [pytest.param(p, marks=needs_shared(p)) for p in SHARED_NMEA],
    ids=lambda p: p.name,
)
def test_fast_equals_general_on_nmea_files(path):
    df, q = both_bytes(path.read_bytes(), name=str(path))
    s = df.attrs["nmea_stats"]
    assert len(df) > 0 and s["fast_lines"] == s["lines"]  # the real files: every line fast
    assert df["name"].notna().any() and df["ship_type"].notna().any()  # identities attached


def test_fast_path_runs_and_reports_what_it_read():
    """A silent fallback to the general path would fail here: fast_lines counts the lines read
    by the vectorised path; the line with a UTC offset and the garbled one are the general path's."""
    pos = pyais.encode_dict({"type": 1, "mmsi": 211000001, "lat": 54.3, "lon": 10.15})[0]
    pos2 = pyais.encode_dict({"type": 18, "mmsi": 338000001, "lat": 54.4, "lon": 10.2})[0]
    lines = [
        tag(f"s:rcv1,c:{T0}") + pos,
        f"{T0 + 3}.250 {pos2}",
        f"2024-12-02T08:00:00+02:00 {pos}",
        "junk",
    ]
    df = both_lines(lines)
    s = df.attrs["nmea_stats"]
    assert s["lines"] == 4 and s["fast_lines"] == 2
    assert df["source"].tolist() == ["AIS:rcv1", "AIS", "AIS"]
    assert parse_lines(lines, fast=False).attrs["nmea_stats"]["fast_lines"] == 0


def test_environment_variable_forces_the_general_path(monkeypatch, tmp_path):
    p = tmp_path / "x.ais"
    p.write_bytes(DATA.joinpath("nmea", "socal_sample_head.ais").read_bytes())
    assert read_nmea(p).attrs["nmea_stats"]["fast_lines"] == 1500
    monkeypatch.setenv("NAVWATCH_NMEA_FAST", "0")
    assert read_nmea(p).attrs["nmea_stats"]["fast_lines"] == 0
    assert parse_lines(p.read_text().splitlines()).attrs["nmea_stats"]["fast_lines"] == 0


def test_multipart_with_a_fragment_for_the_general_path():
    """A fragment in a framing the fast path leaves to the general path (a UTC offset): all
    multi-part messages are then assembled there, with the same result."""
    parts = pyais.encode_dict({"type": 5, "mmsi": 211000009, "shipname": "OFFSET"}, seq_id=1)
    other = pyais.encode_dict({"type": 5, "mmsi": 211000008, "shipname": "TAGGED"}, seq_id=2)
    pos = pyais.encode_dict({"type": 1, "mmsi": 211000009, "lat": 54.3, "lon": 10.15})[0]
    lines = [
        tag(f"c:{T0}") + other[0],
        f"2016-01-11T00:29:12+01:00 {parts[0]}",
        parts[1],
        other[1],
        tag(f"c:{T0 + 1}") + pos,
        tag(f"c:{T0 + 2}") + other[1],  # an orphan second part
    ]
    df = both_lines(lines)
    assert df["name"].tolist() == ["OFFSET"]


def test_text_lines_with_line_breaks_or_non_ascii_inside():
    pos = pyais.encode_dict({"type": 1, "mmsi": 211000001, "lat": 54.3, "lon": 10.15})[0]
    lines = [
        f"{T0} {pos}",
        f"{T0 + 3} {pos}\r",
        f"{T0 + 6} é{pos}",
        f"{T0 + 9} {pos}\nx",
        f"{T0 + 12} {pos}",
    ]
    df = both_lines(lines)
    assert df["src_line"].tolist() == [1, 2, 4, 5]  # 3: a non-ASCII character


def test_bytes_with_crlf_lone_cr_invalid_utf8_and_no_final_newline():
    pos = pyais.encode_dict({"type": 1, "mmsi": 211000001, "lat": 54.3, "lon": 10.15})[0].encode()
    data = b"\xef\xbb\xbf%d %s\r\n%d %s\r%d \xff%s\n\n%d %s" % (
        T0, pos, T0 + 3, pos, T0 + 6, pos, T0 + 9, pos,
    )  # fmt: skip
    df, q = both_bytes(data)
    assert df["src_line"].tolist() == [2, 5]
    assert q.to_frame()["line"].tolist() == [1, 3]


def test_rows_of_all_kinds_stay_in_line_order():
    """Type 19 reports (decoded with their static data) and types 1/18 interleave in line order,
    in the table and in the quarantine."""
    t19 = pyais.encode_dict(
        {"type": 19, "mmsi": 211000019, "lat": 91, "lon": 181, "shipname": "B"}
    )[0]
    t1 = pyais.encode_dict({"type": 1, "mmsi": 211000001, "lat": 91, "lon": 181})[0]
    t19b = pyais.encode_dict({"type": 19, "mmsi": 211000019, "lat": 54.2, "lon": 10.1})[0]
    t18 = pyais.encode_dict({"type": 18, "mmsi": 338000001, "lat": 54.4, "lon": 10.2})[0]
    lines = [tag(f"c:{T0 + 3 * i}") + s for i, s in enumerate([t19, t1, t19b, t18])]
    df = both_lines(lines)
    assert df["src_line"].tolist() == [3, 4] and df["name"].astype("string").fillna(
        "-"
    ).tolist() == ["B", "-"]


def test_payload_groups_stay_exact_when_hashes_collide(monkeypatch):
    """Equal hashes of different payloads (forced here) fall back to an exact grouping."""
    words = np.array([[1, 2], [3, 4], [1, 2], [3, 4], [5, 6]], dtype=np.uint64)
    length = np.full(5, 28)
    expected, n = nmea_fast._groups(length, words)
    monkeypatch.setattr(nmea_fast, "_hash", lambda length, words: np.zeros(len(length), np.uint64))
    gid, n_collided = nmea_fast._groups(length, words)
    assert n == n_collided == 3
    assert gid[0] == gid[2] != gid[1] == gid[3] != gid[4]
    assert (np.equal.outer(gid, gid) == np.equal.outer(expected, expected)).all()


def test_fragments_open_at_the_end_are_reported_in_the_general_order():
    """The general path reports them in the order their sequence key was first opened, even
    when a new first part replaced an open one."""
    a = pyais.encode_dict({"type": 5, "mmsi": 211000001, "shipname": "A"}, seq_id=1)
    b = pyais.encode_dict({"type": 5, "mmsi": 211000002, "shipname": "B"}, seq_id=2)
    lines = [tag(f"c:{T0}") + a[0], tag(f"c:{T0}") + b[0], tag(f"c:{T0 + 1}") + a[0]]
    q = Quarantine()
    df = parse_lines(lines, quarantine=q)
    both_lines(lines)
    assert df.attrs["nmea_stats"]["fast_lines"] == 3
    assert q.to_frame()["line"].tolist() == [1, 3, 2]


def test_iso_times_read_here_or_by_the_general_path():
    """Leading ISO 8601 times of the plain shapes are read here (UTC, fraction, leap second);
    the others (offsets, lower case, no seconds, impossible dates) by the general path."""
    shapes = [
        "2024-12-02T06:00:00Z", "2024-12-02 06:00:00.123", "2024-02-29T23:59:60",
        "[2024-12-02T06:00:05.123456789Z]", "2023-02-29T00:00:00", "2024-12-02T06:00:00+01:00",
        "2024-12-02t06:00:00z", "2024-12-02T06:00Z",
    ]  # fmt: skip
    lines = [
        f"{t} " + pyais.encode_dict({"type": 1, "mmsi": 211000000 + i, "lat": 54, "lon": 10})[0]
        for i, t in enumerate(shapes)
    ]
    df = both_lines(lines)
    assert df.attrs["nmea_stats"]["fast_lines"] == 4
    assert str(df["time"].iloc[2]) == "2024-03-01 00:00:00+00:00"  # 23:59:60 rolls over


# ---- AIS dimensions (types 5, 19, 24 part B) -------------------------------------------------


def _trimmed(sentences: list[str], drop: int) -> list[str]:
    """The message in one sentence with its payload cut ``drop`` characters short (fill bits
    0, checksum recomputed): a truncated message."""
    fields = [x[1 : x.index("*")].split(",") for x in sentences]
    payload = "".join(f[5] for f in fields)
    text = f"AIVDM,1,1,,{fields[0][4]},{payload[: max(1, len(payload) - drop)]},0"
    return [f"!{text}*{_xor(text):02X}"]


def _dims(a: int, b: int, c: int, d: int) -> dict:
    return {"to_bow": a, "to_stern": b, "to_port": c, "to_starboard": d}


def test_dimensions_carried_to_positions_on_both_paths():
    """A + B and C + D where both are > 0 (0 = not available), 511/63 kept, attached to every
    position row of the MMSI (before the static message too), the latest non-empty value
    winning; none from an auxiliary craft's 24 B or a message cut before its dimensions."""

    def pos(mmsi: int) -> list[str]:
        return pyais.encode_dict({"type": 1, "mmsi": mmsi, "lat": 54, "lon": 10})

    def msg(**f) -> list[str]:
        return pyais.encode_dict(f, seq_id=1)

    aux = 981234567  # 98MIDxxxx: a parent ship's craft, its 24 B holds the mother ship's MMSI
    messages = [
        pos(211000001),  # before its static message
        msg(type=5, mmsi=211000001, shipname="A", **_dims(100, 50, 10, 12)),
        msg(type=5, mmsi=211000002, shipname="B", **_dims(0, 30, 5, 5)),  # A = 0: no length
        msg(type=24, partno=1, mmsi=211000003, callsign="C", **_dims(511, 511, 63, 63)),
        msg(type=24, partno=1, mmsi=aux, callsign="X", mothership_mmsi=211000001),
        msg(type=19, mmsi=211000004, lat=54, lon=10, shipname="D", **_dims(20, 5, 3, 3)),
        _trimmed(msg(type=5, mmsi=211000005, shipname="E", **_dims(80, 20, 6, 6)), 27),
        msg(type=5, mmsi=211000001, shipname="A", **_dims(0, 0, 0, 0)),  # unknown: kept
        *(pos(m) for m in (211000001, 211000002, 211000003, aux, 211000005, 211000006)),
    ]
    lines = [tag(f"c:{T0 + i}") + s for i, m in enumerate(messages) for s in m]
    df = both_lines(lines)
    got = {
        int(m): (length, beam)
        for m, length, beam in df[["mmsi", "length_m", "beam_m"]].itertuples(index=False)
    }
    nan = float("nan")
    expected = {
        211000001: (150.0, 22.0), 211000002: (nan, 10.0), 211000003: (1022.0, 126.0),
        aux: (nan, nan), 211000004: (25.0, 6.0), 211000005: (nan, nan), 211000006: (nan, nan),
    }  # fmt: skip
    assert got.keys() == expected.keys()
    for m, (length, beam) in expected.items():
        assert got[m][0] == length or (math.isnan(got[m][0]) and math.isnan(length)), m
        assert got[m][1] == beam or (math.isnan(got[m][1]) and math.isnan(beam)), m
    assert df["length_m"].dtype == "float64" and df["beam_m"].dtype == "float64"
    first = df[df["mmsi"] == 211000001]  # the row before the static message has them too
    assert first["length_m"].tolist() == [150.0, 150.0]


_FLEET = [211000001, 211000002, 311000003, 981234567]  # one auxiliary craft


@st.composite
def _fleet_message(draw) -> list[str]:
    """A message of a small fleet (so static data meets positions): a position, or static data
    with random dimensions (0 and the 511/63 maxima often), sometimes cut short."""
    mmsi = draw(st.sampled_from(_FLEET))
    kind = draw(st.sampled_from(["pos", "pos", "5", "24", "19"]))
    dims = draw(_dimensions)
    if kind == "pos":
        fields = {"type": draw(st.sampled_from([1, 18])), "mmsi": mmsi, "lat": 54.0, "lon": 10.0}
    elif kind == "5":
        fields = {"type": 5, "mmsi": mmsi, "shipname": draw(_text), **dims}
    elif kind == "24":
        fields = {"type": 24, "partno": draw(st.sampled_from([1, 1, 0])), "mmsi": mmsi,
                  "shipname": draw(_text), "mothership_mmsi": 211000001, **dims}  # fmt: skip
    else:
        fields = {"type": 19, "mmsi": mmsi, "lat": 54.0, "lon": 10.0, "shipname": "N", **dims}
    sentences = pyais.encode_dict(fields, seq_id=draw(st.integers(0, 9)))
    if kind != "pos" and draw(st.integers(0, 4)) == 0:
        sentences = _trimmed(sentences, draw(st.integers(0, 40)))
    return sentences


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_fleet_message(), max_size=20), st.booleans())
def test_property_dimensions_fast_equals_general(messages, as_file):
    """Random type 5 / 19 / 24 (A and B) messages and positions of a few MMSIs, some cut short:
    both paths give the same table, dimensions included."""
    lines = [tag(f"c:{T0 + i}") + s for i, m in enumerate(messages) for s in m]
    df = both_bytes("\n".join(lines).encode()) if as_file else (both_lines(lines), None)
    df = df[0]
    if isinstance(df, pd.DataFrame) and len(df):
        for c in ("length_m", "beam_m"):
            v = df[c].dropna()
            assert (v >= 2).all() and (v <= (1022 if c == "length_m" else 126)).all()
