"""Registry loading and identity resolution: MMSI, IMO, call sign, then name/alias."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from navwatch.errors import RegistryError
from navwatch.registry import COLUMNS, load_registry, name_key, normalise, resolve_ids

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_registry_is_the_top_level_one():
    assert (ROOT / "vessels.csv").read_bytes() == (
        ROOT / "navwatch" / "data" / "vessels.csv"
    ).read_bytes()


def test_shipped_registry_has_the_tartus_flotilla():
    reg = load_registry(ROOT / "vessels.csv")
    assert list(reg.frame.columns[: len(COLUMNS)]) == COLUMNS
    assert set(reg.ids) == {
        "admiral-gorshkov",
        "admiral-golovko",
        "admiral-grigorovich",
        "yelnya",
        "vyazma",
        "novorossiysk",
    }
    assert reg.mmsi == {273547800: "vyazma"}  # the only identifier public reporting gives
    assert reg.imo == {} and reg.callsign == {}


@pytest.mark.parametrize(
    "spelling", ["Yelnya", "Yel'nya", "Elnya", "Jelnja", "YELNYA", "yel nya", "Ельня"]
)
def test_transliteration_variants_resolve(spelling):
    assert load_registry().lookup_name(spelling) == "yelnya"


@pytest.mark.parametrize(
    ("token", "ids", "attributed"),
    [
        ("Admiral Gorshkov class x2", ("admiral-golovko", "admiral-gorshkov"), True),
        ("Admiral Gorshkov-class", ("admiral-golovko", "admiral-gorshkov"), False),
        ("frigate x3", ("admiral-golovko", "admiral-gorshkov", "admiral-grigorovich"), True),
        ("2 x oiler", ("vyazma", "yelnya"), True),
        ("frigates (2)", ("admiral-golovko", "admiral-gorshkov", "admiral-grigorovich"), False),
        ("Improved Kilo", ("novorossiysk",), True),
        ("B-261", ("novorossiysk",), True),
        ("Kirov", (), False),
    ],
)
def test_group_tokens(token, ids, attributed):
    m = load_registry().resolve_token(token)
    assert m.vessel_ids == ids
    assert m.attributed is attributed


def _obs(**cols):
    n = max(len(v) for v in cols.values())
    df = pd.DataFrame({k: v for k, v in cols.items()})
    assert len(df) == n
    return df


def test_resolution_priority_mmsi_then_imo_then_callsign_then_name(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text(
        ",".join(COLUMNS) + "\n"
        "a,Alpha,,frigate,,,,111111111,IMO1234567,ABCD,\n"
        "b,Bravo,,frigate,,,,222222222,7654321,WXYZ,\n"
    )
    reg = load_registry(p)
    obs = _obs(
        mmsi=pd.array([111111111, None, None, None, 999999999], dtype="Int64"),
        imo=pd.array([7654321, 1234567, None, None, None], dtype="Int64"),
        callsign=pd.array(["WXYZ", "WXYZ", "ab cd", None, None], dtype="string"),
        name=pd.array(["Bravo", "Bravo", "Bravo", "BRAVO", None], dtype="string"),
    )
    vid, how = resolve_ids(obs, reg)
    assert list(vid.fillna("-")) == ["a", "a", "a", "b", "-"]
    assert list(how.fillna("-")) == ["mmsi", "imo", "callsign", "name", "-"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vessel_id,name,mmsi\na,A,12345\n", "line 2: mmsi '12345' is not 9 digits"),
        ("vessel_id,name\na,A\na,B\n", "duplicate vessel_id"),
        ("name\nA\n", "needs columns vessel_id and name"),
        ("vessel_id,name,mmsi\na,A,111111111\nb,B,111111111\n", "given to both"),
    ],
)
def test_bad_registry_names_file_and_problem(tmp_path, text, message):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(RegistryError, match=message) as exc:
        load_registry(p)
    assert str(p) in str(exc.value)


def test_missing_registry_file(tmp_path):
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "nope.csv")


@given(st.text(min_size=1, max_size=30))
def test_normalisation_is_idempotent_and_ascii(text):
    n = normalise(text)
    assert normalise(n) == n
    assert n.isascii()
    assert name_key(n) == name_key(text)


# ---- the per-MMSI identity table carries the AIS dimensions ----------------------------------


def test_identity_table_carries_median_ais_dimensions():
    """length_m/beam_m per MMSI: the median of its rows' known values (NaN skipped; a minority
    value does not move it), NaN when none is known; masked rows left out; the identity
    columns exactly as without dimensions."""
    import numpy as np

    from navwatch.registry import first_identities, identity_table

    nan = np.nan
    obs = pd.DataFrame(
        {
            "name": pd.Categorical(["A", "A", "A", "A", "B", None, "C"]),
            "imo": pd.array([None, 9000001, None, None, None, None, None], dtype="Int64"),
            "length_m": [150.0, 150.0, 12.0, nan, nan, 400.0, nan],
            "beam_m": [22.0, nan, 22.0, 22.0, 8.0, 60.0, nan],
        }
    )
    mmsi = np.array([211000001] * 4 + [211000002, 211000003, 211000004])
    valid = np.array([True] * 5 + [False, True])  # the row of 211000003 has no usable MMSI
    uniq = np.array([211000001, 211000002, 211000003, 211000004])
    per = identity_table(uniq, first_identities(obs, mmsi, valid))
    assert per["length_m"].dtype == "float64" and per["beam_m"].dtype == "float64"
    np.testing.assert_array_equal(per["length_m"], [150.0, nan, nan, nan])
    np.testing.assert_array_equal(per["beam_m"], [22.0, 8.0, nan, nan])
    without = identity_table(
        uniq, first_identities(obs.drop(columns=["length_m", "beam_m"]), mmsi, valid)
    )
    pd.testing.assert_frame_equal(per.drop(columns=["length_m", "beam_m"]), without)
    assert list(without.columns) == ["mmsi", "imo", "name"]  # nothing else added


def test_identity_table_of_real_nmea_has_the_broadcast_dimensions():
    """On the real SoCal NMEA head: every MMSI's table length is the one its type 5/19/24 B
    gave (the readers attach it to every row)."""
    import numpy as np

    from navwatch.io.nmea import read_nmea
    from navwatch.registry import first_identities, identity_table

    obs = read_nmea(Path(__file__).parent / "data" / "nmea" / "socal_sample_head.ais")
    mmsi = obs["mmsi"].astype("int64").to_numpy()
    uniq = np.unique(mmsi)
    per = identity_table(uniq, first_identities(obs, mmsi)).set_index("mmsi")
    rows = obs.groupby("mmsi")["length_m"].max()
    pd.testing.assert_series_equal(per["length_m"], rows, check_names=False, check_index_type=False)
    assert per.loc[367049470, "length_m"] == 13.0 and per["length_m"].notna().sum() > 5
