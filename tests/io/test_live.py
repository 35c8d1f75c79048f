"""Tests of navwatch.io.live: decoding live feed messages (aisstream, AIS-catcher, Digitraffic,
AISHub) into canonical observation tables, with every bad message quarantined."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from navwatch.errors import ConfigError
from navwatch.io import live
from navwatch.quarantine import Quarantine
from navwatch.schema import DTYPES

T0 = pd.Timestamp("2026-10-08 03:04:05.123456789", tz="UTC")
T0_S = 1791428645  # 2026-10-08 03:04:05 UTC

# --- realistic samples (field sets as the providers send them) ------------------------------

AISSTREAM_POS = {
    "Message": {
        "PositionReport": {
            "Cog": 308.2,
            "CommunicationState": 81982,
            "Latitude": 66.02695,
            "Longitude": 12.253821666666665,
            "MessageID": 1,
            "NavigationalStatus": 5,
            "PositionAccuracy": True,
            "Raim": False,
            "RateOfTurn": 4,
            "RepeatIndicator": 0,
            "Sog": 12.3,
            "Spare": 0,
            "SpecialManoeuvreIndicator": 0,
            "Timestamp": 31,
            "TrueHeading": 235,
            "UserID": 259000420,
            "Valid": True,
        }
    },
    "MessageType": "PositionReport",
    "MetaData": {
        "MMSI": 259000420,
        "MMSI_String": 259000420,
        "ShipName": "AUGUSTSON           ",
        "latitude": 66.02695,
        "longitude": 12.253821666666665,
        "time_utc": "2026-10-08 03:04:05.123456789 +0000 UTC",
    },
}

AISSTREAM_STATIC = {
    "Message": {
        "ShipStaticData": {
            "AisVersion": 2,
            "CallSign": "LAXY7  ",
            "Destination": "BODO@@@@",
            "Dimension": {"A": 20, "B": 30, "C": 5, "D": 5},
            "Dte": False,
            "Eta": {"Day": 8, "Hour": 12, "Minute": 0, "Month": 10},
            "FixType": 1,
            "ImoNumber": 9123456,
            "MaximumStaticDraught": 4.5,
            "MessageID": 5,
            "Name": "AUGUSTSON@@@@",
            "RepeatIndicator": 0,
            "Spare": False,
            "Type": 70,
            "UserID": 259000420,
            "Valid": True,
        }
    },
    "MessageType": "ShipStaticData",
    "MetaData": {
        "MMSI": 259000420,
        "ShipName": "AUGUSTSON",
        "latitude": 66.02695,
        "longitude": 12.25382,
        "time_utc": "2026-10-08 03:04:00.5 +0000 UTC",
    },
}

CATCHER = {
    "class": "AIS",
    "device": "AIS-catcher",
    "version": 61,
    "driver": 1,
    "hardware": "RTL2838UHIDIR",
    "rxtime": "20261008030405",
    "rxuxtime": T0_S,
    "scaled": True,
    "channel": "A",
    "nmea": ["!AIVDM,1,1,,A,15MgK45P3@G?fl0E`JbR0OwT0@MS,0*4E"],
    "signalpower": -38.6,
    "ppm": 0.3,
    "type": 1,
    "repeat": 0,
    "mmsi": 366968820,
    "status": 0,
    "status_text": "Under way using engine",
    "turn": -128,
    "speed": 7.4,
    "accuracy": True,
    "lon": -122.341618,
    "lat": 47.582833,
    "course": 287.0,
    "heading": 511,
    "second": 34,
    "maneuver": 0,
    "raim": False,
    "radio": 67427,
}

NMEA_POS = "!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E"  # 310327000 32.629032 -119.559832


def _dec(fmt, msgs, **kw):
    q = Quarantine()
    texts = [m if isinstance(m, str) else json.dumps(m) for m in msgs]
    df = live.decode(fmt, texts, file="feed:test", quarantine=q, **kw)
    return df, q.to_frame()


def _balanced(df):
    s = df.attrs["live_stats"]
    parts = ("rows", "statics", "other_types", "skipped_non_vessel", "empty", "quarantined")
    return s["records"] == sum(s[k] for k in parts) and s["rows"] == len(df)


def _schema_ok(df):
    for c in df.columns:
        assert str(df[c].dtype) == str(DTYPES[c]) or c == "time", (c, df[c].dtype)
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"


# --- aisstream ------------------------------------------------------------------------------


def test_aisstream_position_maps_every_field():
    df, q = _dec("aisstream", [AISSTREAM_POS])
    assert len(q) == 0 and len(df) == 1
    r = df.iloc[0]
    assert r["time"] == T0  # nanoseconds kept
    assert (r["lat"], r["lon"]) == (66.02695, 12.253821666666665)
    assert int(r["mmsi"]) == 259000420
    assert (r["sog_kn"], r["cog_deg"], r["heading_deg"]) == (12.3, 308.2, 235.0)
    assert int(r["nav_status"]) == 5
    assert r["name"] == "AUGUSTSON" and r["kind"] == "ais"
    assert (r["source"], r["src_file"], int(r["src_line"])) == ("AIS:aisstream", "feed:test", 1)
    _schema_ok(df)
    assert list(df.columns) == live._COLUMNS


def test_aisstream_static_feeds_identity_and_is_counted():
    df, q = _dec("aisstream", [AISSTREAM_STATIC, AISSTREAM_POS])
    assert len(df) == 1 and len(q) == 0
    r = df.iloc[0]
    assert (int(r["imo"]), r["callsign"], r["ship_type"]) == (9123456, "LAXY7", "70")
    assert df.attrs["live_stats"]["statics"] == 1 and _balanced(df)
    static = df.attrs["static"]
    assert static["mmsi"].tolist() == [259000420] and static["name"].tolist() == ["AUGUSTSON"]


def test_aisstream_static_only_gives_no_row_but_static_table():
    df, q = _dec("aisstream", [AISSTREAM_STATIC])
    assert len(df) == 0 and len(q) == 0
    assert df.attrs["static"]["imo"].tolist() == [9123456]
    assert df.attrs["live_stats"]["statics"] == 1


def test_aisstream_unavailable_values_missing_or_quarantined():
    m = json.loads(json.dumps(AISSTREAM_POS))
    m["Message"]["PositionReport"].update(Sog=102.3, Cog=360, TrueHeading=511)
    bad = json.loads(json.dumps(AISSTREAM_POS))
    bad["Message"]["PositionReport"].update(Latitude=91, Longitude=181)
    df, q = _dec("aisstream", [m, bad])
    assert len(df) == 1
    assert all(math.isnan(df.iloc[0][c]) for c in ("sog_kn", "cog_deg", "heading_deg"))
    assert q[["line", "code"]].values.tolist() == [[2, "no_position"]]


def test_aisstream_class_b_reports():
    std = {
        "MessageType": "StandardClassBPositionReport",
        "MetaData": {
            "MMSI": 244123456,
            "ShipName": "",
            "time_utc": AISSTREAM_POS["MetaData"]["time_utc"],
        },
        "Message": {
            "StandardClassBPositionReport": {
                "UserID": 244123456,
                "Latitude": 52.1,
                "Longitude": 4.2,
                "Sog": 3.1,
                "Cog": 90,
                "TrueHeading": 511,
            }
        },
    }
    ext = json.loads(json.dumps(std))
    ext["MessageType"] = "ExtendedClassBPositionReport"
    ext["Message"] = {
        "ExtendedClassBPositionReport": {
            **std["Message"]["StandardClassBPositionReport"],
            "Name": "SEA BREEZE",
            "Type": 37,
        }
    }
    df, q = _dec("aisstream", [std, ext])
    assert len(q) == 0 and len(df) == 2
    assert df["nav_status"].isna().all() and df["heading_deg"].isna().all()
    assert df["name"].tolist() == ["SEA BREEZE", "SEA BREEZE"]  # attached to both rows
    assert df["ship_type"].tolist() == ["37", "37"]


def test_aisstream_error_answer_is_feed_error():
    df, q = _dec("aisstream", [{"error": "Api Key Is Not Valid"}])
    assert len(df) == 0
    assert q["code"].tolist() == ["feed_error"]
    assert "Api Key Is Not Valid" in q["reason"].iloc[0] and q["line"].iloc[0] == 1
    assert df.attrs["live_stats"]["feed_errors"] == 1


def test_aisstream_other_types_counted():
    m = {"MessageType": "BaseStationReport", "MetaData": {"MMSI": 2573310}, "Message": {}}
    df, q = _dec("aisstream", [m])
    assert len(df) == 0 and len(q) == 0
    assert df.attrs["live_stats"]["other_types"] == 1 and _balanced(df)


# --- AIS-catcher ----------------------------------------------------------------------------


def test_aiscatcher_message_maps_every_field():
    m = {**CATCHER, "shipname": "ALKI", "callsign": "WDC1234", "imo": 0, "shiptype": 31}
    df, q = _dec("aiscatcher", [m])
    assert len(q) == 0
    r = df.iloc[0]
    assert r["time"] == pd.Timestamp(T0_S, unit="s", tz="UTC")
    assert (int(r["mmsi"]), r["lat"], r["lon"]) == (366968820, 47.582833, -122.341618)
    assert (r["sog_kn"], r["cog_deg"]) == (7.4, 287.0) and math.isnan(r["heading_deg"])
    assert int(r["nav_status"]) == 0 and pd.isna(r["imo"])
    assert (r["name"], r["callsign"], r["ship_type"]) == ("ALKI", "WDC1234", "31")
    assert r["source"] == "AIS:aiscatcher"
    _schema_ok(df)


def test_aiscatcher_envelope_with_many_messages():
    msgs = [{**CATCHER, "mmsi": 366968820 + k, "lat": 47.5 + k / 100} for k in range(5)] + [
        {**CATCHER, "mmsi": "nope"}
    ]
    env = {
        "protocol": "jsonaiscatcher",
        "encodetime": "20261008030406",
        "stationid": "SEA1",
        "station_lat": 47.6,
        "station_lon": -122.3,
        "receiver": {"description": "AIS-catcher"},
        "msgs": msgs,
    }
    df, q = _dec("aiscatcher", [CATCHER, env])
    assert len(df) == 6
    assert df["src_line"].tolist() == [1, 2, 2, 2, 2, 2]
    assert df["source"].tolist() == ["AIS:aiscatcher"] + ["AIS:aiscatcher:SEA1"] * 5
    assert q[["line", "code"]].values.tolist() == [[2, "bad_mmsi"]]
    assert q["reason"].iloc[0] == "message 2 msgs[5]: MMSI 'nope' is not a number"
    assert df.attrs["live_stats"]["records"] == 7 and _balanced(df)


def test_aiscatcher_empty_envelope_is_counted():
    df, q = _dec("aiscatcher", [{"protocol": "jsonaiscatcher", "msgs": []}])
    assert len(df) == 0 and len(q) == 0 and df.attrs["live_stats"]["empty"] == 1


def test_aiscatcher_without_decoded_position_uses_nmea():
    m = {k: v for k, v in CATCHER.items() if k not in ("lat", "lon", "speed", "mmsi")}
    m["nmea"] = [NMEA_POS]
    df, q = _dec("aiscatcher", [m])
    assert len(q) == 0 and len(df) == 1
    r = df.iloc[0]
    assert (int(r["mmsi"]), r["lat"], r["lon"], r["sog_kn"]) == (
        310327000,
        32.629032,
        -119.559832,
        16.3,
    )
    assert r["time"] == pd.Timestamp(T0_S, unit="s", tz="UTC")


def test_aiscatcher_position_without_position_is_quarantined():
    m = {k: v for k, v in CATCHER.items() if k not in ("lat", "lon", "nmea")}
    df, q = _dec("aiscatcher", [m])
    assert len(df) == 0 and q["code"].tolist() == ["no_position"]


def test_aiscatcher_static_and_other_types():
    static = {
        "class": "AIS",
        "rxuxtime": T0_S,
        "type": 5,
        "mmsi": 366968820,
        "imo": 9876543,
        "callsign": "WDC1234",
        "shipname": "ALKI",
        "shiptype": 31,
        "destination": "SEATTLE",
    }
    base = {"class": "AIS", "type": 4, "mmsi": 3669999, "lat": 47.0, "lon": -122.0}
    df, q = _dec("aiscatcher", [static, base, CATCHER])
    assert len(q) == 0 and len(df) == 1
    assert (int(df["imo"].iloc[0]), df["name"].iloc[0]) == (9876543, "ALKI")
    s = df.attrs["live_stats"]
    assert (s["statics"], s["other_types"]) == (1, 1) and _balanced(df)


# --- Digitraffic ----------------------------------------------------------------------------

DT_LOCATION = {
    "topic": "vessels-v2/230145250/location",
    "payload": {
        "time": T0_S,
        "sog": 10.7,
        "cog": 326.6,
        "navStat": 0,
        "rot": 0,
        "posAcc": True,
        "raim": False,
        "heading": 325,
        "lon": 24.9525,
        "lat": 60.1605,
    },
}
DT_META = {
    "topic": "vessels-v2/230145250/metadata",
    "payload": {
        "timestamp": T0_S * 1000,
        "destination": "FIHEL",
        "name": "FINNMAID",
        "draught": 72,
        "eta": 733376,
        "posType": 1,
        "refA": 120,
        "refB": 40,
        "refC": 10,
        "refD": 20,
        "callSign": "OJMS",
        "imo": 9468918,
        "type": 79,
    },
}


def test_digitraffic_location_and_metadata():
    df, q = _dec("digitraffic", [DT_META, DT_LOCATION])
    assert len(q) == 0 and len(df) == 1
    r = df.iloc[0]
    assert r["time"] == pd.Timestamp(T0_S, unit="s", tz="UTC")
    assert (int(r["mmsi"]), r["lat"], r["lon"]) == (230145250, 60.1605, 24.9525)
    assert (r["sog_kn"], r["cog_deg"], r["heading_deg"], int(r["nav_status"])) == (
        10.7,
        326.6,
        325.0,
        0,
    )
    assert (int(r["imo"]), r["callsign"], r["name"], r["ship_type"]) == (
        9468918,
        "OJMS",
        "FINNMAID",
        "79",
    )
    assert r["source"] == "AIS:digitraffic" and int(r["src_line"]) == 2


def test_digitraffic_payload_as_text_and_unavailable_values():
    m = {
        "topic": DT_LOCATION["topic"],
        "payload": json.dumps({**DT_LOCATION["payload"], "heading": 511, "cog": 360, "sog": 102.3}),
    }
    df, q = _dec("digitraffic", [m, {"topic": "vessels-v2/status", "payload": {"x": 1}}])
    assert len(df) == 1 and len(q) == 0
    assert df[["sog_kn", "cog_deg", "heading_deg"]].isna().all().all()
    assert df.attrs["live_stats"]["other_types"] == 1


def test_digitraffic_bad_topic_mmsi_quarantined():
    m = {**DT_LOCATION, "topic": "vessels-v2/abc/location"}
    df, q = _dec("digitraffic", [m])
    assert len(df) == 0 and q["code"].tolist() == ["bad_mmsi"]


# --- AISHub ---------------------------------------------------------------------------------

AISHUB_HEADER = {
    "ERROR": False,
    "USERNAME": "AH_0000_ABCDEF",
    "FORMAT": "HUMAN",
    "LATITUDE_MIN": 20,
    "LATITUDE_MAX": 30,
    "LONGITUDE_MIN": -10,
    "LONGITUDE_MAX": 40,
    "RECORDS": 2,
}
AISHUB_REC = {
    "MMSI": 636015042,
    "TIME": "2026-10-08 03:04:05 GMT",
    "LONGITUDE": 32.33825,
    "LATITUDE": 29.88675,
    "COG": 168.5,
    "SOG": 12.4,
    "HEADING": 169,
    "ROT": 0,
    "NAVSTAT": 0,
    "IMO": 9398400,
    "NAME": "MSC ALINA",
    "CALLSIGN": "D5NZ4",
    "TYPE": 71,
    "A": 300,
    "B": 66,
    "C": 24,
    "D": 24,
    "DRAUGHT": 14.5,
    "DEST": "PORT SAID",
    "ETA": "10-09 14:00",
}


def test_aishub_json_human():
    other = {**AISHUB_REC, "MMSI": 273547800, "NAME": "", "HEADING": 511, "SOG": 102.3}
    df, q = _dec("aishub", [[AISHUB_HEADER, [AISHUB_REC, other]]])
    assert len(q) == 0 and len(df) == 2
    r = df.iloc[0]
    assert r["time"] == pd.Timestamp("2026-10-08 03:04:05", tz="UTC")
    assert (int(r["mmsi"]), r["lat"], r["lon"], r["sog_kn"], r["cog_deg"]) == (
        636015042,
        29.88675,
        32.33825,
        12.4,
        168.5,
    )
    assert (r["heading_deg"], int(r["nav_status"]), int(r["imo"])) == (169.0, 0, 9398400)
    assert (r["name"], r["callsign"], r["ship_type"]) == ("MSC ALINA", "D5NZ4", "71")
    assert df["src_line"].tolist() == [1, 1] and r["source"] == "AIS:aishub"
    assert math.isnan(df.iloc[1]["heading_deg"]) and math.isnan(df.iloc[1]["sog_kn"])
    assert pd.isna(df.iloc[1]["name"])


def test_aishub_raw_mode_scaled_detected_and_forced():
    raw = {
        **AISHUB_REC,
        "TIME": T0_S,
        "LATITUDE": round(29.88675 * 600000),
        "LONGITUDE": round(32.33825 * 600000),
        "SOG": 124,
        "COG": 1685,
    }
    header = {k: v for k, v in AISHUB_HEADER.items() if k != "FORMAT"}
    for kw in ({}, {"aishub_raw": True}):
        df, q = _dec("aishub", [[header, [raw]]], **kw)
        r = df.iloc[0]
        assert (r["lat"], r["lon"], r["sog_kn"], r["cog_deg"]) == pytest.approx(
            (29.88675, 32.33825, 12.4, 168.5)
        )
        assert r["time"] == pd.Timestamp(T0_S, unit="s", tz="UTC")
    df, q = _dec("aishub", [[{**header, "FORMAT": "AIS"}, [raw]]])
    assert df["lat"].iloc[0] == pytest.approx(29.88675)
    df, q = _dec("aishub", [[header, [raw]]], aishub_raw=False)  # forced human: out of range
    assert len(df) == 0 and q["code"].tolist() == ["bad_position"]


def test_aishub_csv_body():
    cols = list(AISHUB_REC)
    body = ",".join(cols) + "\n" + ",".join(str(AISHUB_REC[c]) for c in cols) + "\n"
    df, q = _dec("aishub", [body])
    assert len(q) == 0 and len(df) == 1
    assert (int(df["mmsi"].iloc[0]), df["lat"].iloc[0], df["name"].iloc[0]) == (
        636015042,
        29.88675,
        "MSC ALINA",
    )


def test_aishub_error_and_bad_records():
    err = [{"ERROR": True, "ERROR_MESSAGE": "Too frequent requests!"}]
    bad_rec = {**AISHUB_REC, "LATITUDE": "north"}
    df, q = _dec("aishub", [err, [AISHUB_HEADER, [AISHUB_REC, bad_rec]], [AISHUB_HEADER, []]])
    assert len(df) == 1
    assert q[["line", "code"]].values.tolist() == [[1, "feed_error"], [2, "parse_error"]]
    assert "Too frequent requests!" in q["reason"].iloc[0]
    assert q["reason"].iloc[1].startswith("message 2 record 2: LATITUDE is 'north'")
    assert df.attrs["live_stats"]["empty"] == 1 and _balanced(df)


# --- malformed input, times, duplicates -----------------------------------------------------


def _pos(**kw):
    m = json.loads(json.dumps(AISSTREAM_POS))
    meta = {k: kw.pop(k) for k in list(kw) if k in ("MMSI", "time_utc")}
    m["MetaData"].update(meta)
    m["Message"]["PositionReport"].update(kw)
    return m


def test_malformed_messages_quarantined_with_codes_and_index():
    no_mmsi = _pos(MMSI=None)
    del no_mmsi["Message"]["PositionReport"]["UserID"]
    msgs = [
        AISSTREAM_POS,
        "{not json",
        [1, 2],
        _pos(Latitude="abc"),
        no_mmsi,
        _pos(Latitude=95.0),
        _pos(Latitude=0.0, Longitude=0.0),
        _pos(time_utc="yesterday"),
        _pos(MMSI=12345),
        {"MessageType": "PositionReport", "Message": "x"},
        _pos(time_utc="9999-01-01 00:00:00 +0000 UTC"),
        json.dumps(_pos(Latitude=12345)).replace("12345", "1" + "0" * 400),
    ]
    df, q = _dec("aisstream", msgs)
    assert df["src_line"].tolist() == [1]
    assert q[["line", "code"]].values.tolist() == [
        [2, "parse_error"],
        [3, "parse_error"],
        [4, "parse_error"],
        [5, "bad_mmsi"],
        [6, "bad_position"],
        [7, "no_position"],
        [8, "bad_time"],
        [9, "bad_mmsi"],
        [10, "parse_error"],
        [11, "bad_time"],
        [12, "parse_error"],
    ]
    assert [r.split(":")[0] for r in q["reason"]] == [f"message {k}" for k in range(2, 13)]
    assert (q["file"] == "feed:test").all() and _balanced(df)


def test_non_vessel_mmsi_skipped_and_counted():
    df, q = _dec("aisstream", [_pos(MMSI=992191234), AISSTREAM_POS])
    assert len(df) == 1 and len(q) == 0
    s = df.attrs["live_stats"]
    assert s["skipped_non_vessel"] == 1 and s["skipped_by_class"] == {"aid_to_navigation": 1}
    assert _balanced(df)


def test_received_time_used_when_message_has_none():
    m = {k: v for k, v in CATCHER.items() if k != "rxuxtime"}
    df, q = _dec("aiscatcher", [m, m], received_ns=[T0.value, T0.value + 5])
    assert df["time"].tolist() == [T0, T0 + pd.Timedelta(5, "ns")]
    df, q = _dec("aiscatcher", [m])
    assert len(df) == 0 and q["code"].tolist() == ["no_time"]


def test_duplicates_kept_as_rows():
    df, q = _dec("aisstream", [AISSTREAM_POS] * 3)
    assert len(df) == 3 and df["src_line"].tolist() == [1, 2, 3]


def test_unknown_format_raises():
    with pytest.raises(ConfigError, match="aisstream"):
        live.decode("nmea", [], file="x", quarantine=Quarantine())


def test_empty_batch():
    df, q = _dec("aishub", [])
    assert len(df) == 0 and list(df.columns) == live._COLUMNS and len(q) == 0


# --- invariants -----------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutated(base):
    """``base`` with some keys set to arbitrary JSON values (nested ones too)."""
    keys = st.sampled_from(sorted(base))
    return st.dictionaries(keys, _json, max_size=3).map(lambda d: {**base, **d})


_message = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("utf-8", "replace")),
    st.binary(max_size=40),  # bytes as received are decoded as UTF-8 (replacing errors)
    _json.map(json.dumps),
    _mutated(AISSTREAM_POS).map(json.dumps),
    _mutated(CATCHER).map(json.dumps),
    _mutated(DT_LOCATION).map(json.dumps),
    _mutated(AISHUB_REC).map(lambda r: json.dumps([AISHUB_HEADER, [r]])),
    _mutated(AISSTREAM_POS["Message"]["PositionReport"]).map(
        lambda r: json.dumps({**AISSTREAM_POS, "Message": {"PositionReport": r}})
    ),
    _mutated(DT_LOCATION["payload"]).map(lambda p: json.dumps({**DT_LOCATION, "payload": p})),
    _mutated(DT_META["payload"]).map(lambda p: json.dumps({**DT_META, "payload": p})),
    _mutated(AISSTREAM_STATIC["Message"]["ShipStaticData"]["Dimension"]).map(
        lambda d: json.dumps(
            {
                **AISSTREAM_STATIC,
                "Message": {
                    "ShipStaticData": {
                        **AISSTREAM_STATIC["Message"]["ShipStaticData"],
                        "Dimension": d,
                    }
                },
            }
        )
    ),  # fmt: skip
    st.lists(_mutated(CATCHER), max_size=3).map(
        lambda ms: json.dumps({"protocol": "jsonaiscatcher", "msgs": ms})
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(live.FORMATS), st.lists(_message, max_size=8))
@example("aishub", ["0\r0", 'MMSI,"x\n', "MMSI\x00,x\n1,2"])  # found by Hypothesis: csv errors
def test_any_input_never_raises_and_every_message_is_accounted(fmt, msgs):
    q = Quarantine()
    df = live.decode(fmt, msgs, file="feed:h", quarantine=q)
    assert _balanced(df)
    s = df.attrs["live_stats"]
    assert s["messages"] == len(msgs) and s["quarantined"] == len(q)
    seen = set(df["src_line"].astype(int)) | set(q.to_frame()["line"].dropna().astype(int))
    unseen = set(range(1, len(msgs) + 1)) - seen
    noop = s["statics"] + s["other_types"] + s["skipped_non_vessel"] + s["empty"]
    assert len(unseen) <= noop
    assert s["records"] >= len(msgs)
    _schema_ok(df)
    assert df["lat"].between(-90, 90).all() and df["lon"].between(-180, 180).all()
    for c in ("length_m", "beam_m"):  # metres > 0 or NaN (unknown), never 0 or negative
        assert not (df[c] <= 0).any() and not np.isinf(df[c]).any()


def test_aiscatcher_without_type_is_parse_error_and_nmea_takes_received_time():
    nmea_only = {"class": "AIS", "type": 1, "nmea": [NMEA_POS]}
    df, q = _dec("aiscatcher", [{"mmsi": 366968820}, nmea_only], received_ns=[0, T0.value])
    assert q[["line", "code"]].values.tolist() == [[1, "parse_error"]]
    assert df["time"].tolist() == [T0] and df["mmsi"].tolist() == [310327000]


def test_aishub_csv_header_only_is_empty_and_non_ascii_raw_is_kept_writable(tmp_path):
    cols = ",".join(AISHUB_REC)
    df, q = _dec("aishub", [cols + "\n", "NAME,LAT\n\ud800x,1\n"])
    assert df.attrs["live_stats"]["empty"] == 1
    assert q[["line", "code"]].values.tolist() == [[2, "parse_error"]]
    assert "\ufffd" in q["raw"].iloc[0] or "?" in q["raw"].iloc[0]
    q.to_csv(tmp_path / "q.csv")  # no lone surrogate left


def test_row_identity_wins_over_batch_static():
    renamed = json.loads(json.dumps(AISSTREAM_POS))
    renamed["MetaData"]["ShipName"] = "NEW NAME"
    df, q = _dec("aisstream", [AISSTREAM_POS, renamed, AISSTREAM_STATIC])
    assert df["name"].tolist() == ["AUGUSTSON", "NEW NAME"]
    assert df["callsign"].tolist() == ["LAXY7", "LAXY7"]  # from the static message


# --- AIS dimensions (length_m = A + B, beam_m = C + D) ---------------------------------------


def _nan_or(value):
    return "nan" if value is None or value != value else value


def test_aisstream_dimensions_carried_from_static_to_positions():
    """ShipStaticData's Dimension {A, B, C, D} reaches the MMSI's position rows before and after
    it; 0 is unknown (NaN), 511/63 are kept, a value that is not a number is unknown and the
    message is kept (as a bad IMO)."""
    static = json.loads(json.dumps(AISSTREAM_STATIC))
    other = json.loads(json.dumps(AISSTREAM_STATIC))
    other["MetaData"]["MMSI"] = 259000421
    other["Message"]["ShipStaticData"]["Dimension"] = {"A": 0, "B": 30, "C": 63, "D": 63}
    bad = json.loads(json.dumps(AISSTREAM_STATIC))
    bad["MetaData"]["MMSI"] = 259000422
    bad["Message"]["ShipStaticData"]["Dimension"] = {"A": "x", "B": 30, "C": True, "D": 1}
    pos = [json.loads(json.dumps(AISSTREAM_POS)) for _ in range(3)]
    for p, m in zip(pos, (259000421, 259000422, 259000423), strict=True):
        p["MetaData"]["MMSI"] = m
    df, q = _dec("aisstream", [AISSTREAM_POS, static, other, bad, *pos, AISSTREAM_POS])
    assert len(q) == 0 and df.attrs["live_stats"]["statics"] == 3 and _balanced(df)
    got = [tuple(_nan_or(x) for x in r) for r in df[["length_m", "beam_m"]].values.tolist()]
    assert got == [(50.0, 10.0), ("nan", 126.0), ("nan", "nan"), ("nan", "nan"), (50.0, 10.0)]
    _schema_ok(df)
    static_table = df.attrs["static"].set_index("mmsi")
    assert static_table.loc[259000420, "length_m"] == 50.0
    assert math.isnan(static_table.loc[259000421, "length_m"])


def test_aisstream_class_b_static_report_and_extended_position_dimensions():
    report = {
        "MessageType": "StaticDataReport",
        "MetaData": {"MMSI": 338058215, "time_utc": "2026-10-08 03:04:00 +0000 UTC"},
        "Message": {"StaticDataReport": {"UserID": 338058215, "PartNumber": True,
            "ReportB": {"Valid": True, "CallSign": "WDX", "ShipType": 37,
                        "Dimension": {"A": 8, "B": 5, "C": 2, "D": 3}}}},
    }  # fmt: skip
    pos = json.loads(json.dumps(AISSTREAM_POS))
    pos["MetaData"]["MMSI"] = 338058215
    ext = {
        "MessageType": "ExtendedClassBPositionReport",
        "MetaData": {**AISSTREAM_POS["MetaData"], "MMSI": 367000001},
        "Message": {"ExtendedClassBPositionReport": {"UserID": 367000001, "Latitude": 47.5,
            "Longitude": -122.3, "Name": "EXT", "Type": 37,
            "Dimension": {"A": 20, "B": 4, "C": 3, "D": 3}}},
    }  # fmt: skip
    df, q = _dec("aisstream", [pos, report, ext])
    assert len(q) == 0
    assert df[["length_m", "beam_m"]].values.tolist() == [[13.0, 5.0], [24.0, 6.0]]


def test_aiscatcher_dimensions_from_type_5():
    static = {"class": "AIS", "rxuxtime": T0_S, "type": 5, "mmsi": 366968820, "shipname": "ALKI",
              "to_bow": 40, "to_stern": 10, "to_port": 0, "to_starboard": 6}  # fmt: skip
    df, q = _dec("aiscatcher", [CATCHER, static])
    assert len(q) == 0 and df["length_m"].tolist() == [50.0]
    assert math.isnan(df["beam_m"].iloc[0])  # C = 0: unknown


def test_digitraffic_metadata_dimensions():
    df, q = _dec("digitraffic", [DT_LOCATION, DT_META])  # metadata after the location
    assert len(q) == 0
    assert (df["length_m"].iloc[0], df["beam_m"].iloc[0]) == (160.0, 30.0)  # refA-refD


def test_aishub_dimensions_on_the_record():
    unknown = {**AISHUB_REC, "MMSI": 273547800, "A": 0, "B": 0, "C": 0, "D": 0}
    bad = {**AISHUB_REC, "MMSI": 273547801, "A": "n/a", "B": 66, "C": -1, "D": 24}
    df, q = _dec("aishub", [[AISHUB_HEADER, [AISHUB_REC, unknown, bad]]])
    assert len(q) == 0 and len(df) == 3  # a bad dimension does not reject the record
    assert (df["length_m"].iloc[0], df["beam_m"].iloc[0]) == (366.0, 48.0)
    assert df["length_m"].iloc[1:].isna().all() and df["beam_m"].iloc[1:].isna().all()
    cols = ",".join(AISHUB_REC)
    csv = cols + "\n" + ",".join(str(v) for v in AISHUB_REC.values()) + "\n"
    df, q = _dec("aishub", [csv])
    assert len(q) == 0 and df["length_m"].tolist() == [366.0]
