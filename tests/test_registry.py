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
