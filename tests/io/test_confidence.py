"""Confidence words, percentages and numbers (navwatch.schema.CONFIDENCE_WORDS /
parse_confidence), through the sightings reader and schema.conform."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from navwatch import schema
from navwatch.io import read_observations
from navwatch.io.evidence import read_sightings
from navwatch.io.tables import read_generic_csv
from navwatch.quarantine import Quarantine
from navwatch.schema import CONFIDENCE_WORDS, DEFAULT_RELIABILITY, parse_confidence

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    "text,value",
    [
        ("confirmed", 0.95),
        ("Certain", 0.95),
        ("VERY HIGH", 0.9),
        ("almost certain", 0.9),
        ("very-high", 0.9),
        ("high", 0.85),
        ("  High  ", 0.85),
        ("high confidence", 0.85),
        ("probable", 0.7),
        ("likely", 0.7),
        ("medium", 0.6),
        ("moderate", 0.6),
        ("possible", 0.4),
        ("low", 0.3),
        ("unconfirmed", 0.25),
        ("rumour", 0.25),
        ("rumor", 0.25),
        ("unlikely", 0.2),
        ("doubtful", 0.2),
        ("80%", 0.8),
        ("80 %", 0.8),
        ("100%", 1.0),
        ("0%", 0.0),
        ("12.5%", 0.125),
        ("0.8", 0.8),
        ("1", 1.0),
        ("0", 0.0),
        (".5", 0.5),
    ],
)
def test_understood(text, value):
    conf, unknown = parse_confidence([text])
    assert unknown == {} and conf[0] == pytest.approx(value)


@pytest.mark.parametrize(
    "text", ["1.4", "80", "150%", "-0.1", "-5%", "sure-ish", "high-ish", "inf"]
)
def test_not_understood_is_nan_and_counted(text):
    conf, unknown = parse_confidence([text, text, "high"])
    assert np.isnan(conf[:2]).all() and conf[2] == 0.85
    assert unknown == {text: 2}


@pytest.mark.parametrize("text", ["", "  ", None, np.nan, "n/a", "unknown", "NaN"])
def test_empty_is_nan_without_warning(text):
    conf, unknown = parse_confidence([text])
    assert np.isnan(conf[0]) and unknown == {}


def test_numbers_in_a_numeric_column():
    conf, unknown = parse_confidence(pd.Series([0.2, 1.0, 1.5, np.nan, -1.0]))
    np.testing.assert_array_equal(conf, [0.2, 1.0, np.nan, np.nan, np.nan])
    assert unknown == {"1.5": 1, "-1": 1}


def test_words_are_ordered_and_in_range():
    assert all(0 < v < 1 for v in CONFIDENCE_WORDS.values())
    order = ["confirmed", "very high", "high", "probable", "medium", "possible", "low",
             "unconfirmed", "unlikely"]  # fmt: skip
    values = [CONFIDENCE_WORDS[w] for w in order]
    assert values == sorted(values, reverse=True)
    assert CONFIDENCE_WORDS["likely"] == CONFIDENCE_WORDS["probable"]
    assert (
        CONFIDENCE_WORDS["rumor"] == CONFIDENCE_WORDS["rumour"] == CONFIDENCE_WORDS["unconfirmed"]
    )


def test_readme_table_matches_the_mapping():
    """The README's Inputs section documents the table; keep them the same."""
    text = README.read_text()
    rows = dict(re.findall(r"^\| `([a-z /]+)` \| ([0-9.]+) \|", text, flags=re.MULTILINE))
    documented = {}
    for words, value in rows.items():
        for w in words.split(" / "):
            documented[w] = float(value)
    assert documented == CONFIDENCE_WORDS


def test_sightings_words_kept_unknown_counted_not_quarantined(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(
        "time,vessel,lat,lon,source,confidence,notes\n"
        "2024-12-02T06:00Z,Yelnya,34.9,35.87,Maxar,Confirmed,\n"
        "2024-12-02T06:10Z,Yelnya,34.9,35.87,spotter,rumour,\n"
        "2024-12-02T06:20Z,Yelnya,34.9,35.87,spotter,70 %,\n"
        "2024-12-02T06:30Z,Yelnya,34.9,35.87,spotter,fairly sure,\n"
        "2024-12-02T06:40Z,Yelnya,34.9,35.87,spotter,fairly sure,\n"
        "2024-12-02T06:50Z,Yelnya,,,spotter,fairly sure,\n"  # quarantined for its position
        "2024-12-02T07:00Z,Yelnya,34.9,35.87,spotter,,\n"
    )
    q = Quarantine()
    df = read_sightings(p, quarantine=q)
    np.testing.assert_array_equal(df["confidence"], [0.95, 0.25, 0.7, np.nan, np.nan, np.nan])
    # counted on the rows kept only (the quarantined row is reported for its position)
    assert df.attrs["stats"]["confidence_unknown"] == {"fairly sure": 2}
    assert q.to_frame()["code"].tolist() == ["no_position"]
    stats = read_observations(p).attrs["read_stats"]["files"][0]
    assert stats["confidence_unknown"] == {"fairly sure": 2}


def test_generic_csv_confidence_column(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "time,lat,lon,vessel,kind,confidence\n2024-12-02T06:00Z,34.9,35.8,Yelnya,sighting,likely\n"
    )
    assert read_generic_csv(p)["confidence"].tolist() == [0.7]


def test_conform_converts_text_confidence_and_warns_on_unknown():
    df = pd.DataFrame(
        {
            "time": ["2024-12-02T06:00Z"] * 3,
            "lat": [34.9] * 3,
            "lon": [35.8] * 3,
            "kind": ["sighting"] * 3,
            "vessel": ["Yelnya"] * 3,
            "confidence": ["High", "60%", "maybe"],
        }
    )
    with pytest.warns(UserWarning, match=r"confidence not understood.*'maybe': 1"):
        out = schema.conform(df)
    assert str(out["confidence"].dtype) == "float64"
    np.testing.assert_array_equal(out["confidence"], [0.85, 0.6, np.nan])
    assert DEFAULT_RELIABILITY["sighting"] == 0.7  # what the NaN stands for


def test_concat_converts_text_confidence():
    """Tables built in Python and concatenated (schema.concat) get words too."""
    a = pd.DataFrame(
        {
            "time": [pd.Timestamp("2024-12-02", tz="UTC")],
            "lat": [1.0],
            "lon": [2.0],
            "kind": ["sighting"],
            "vessel": ["Alpha"],
            "confidence": ["high"],
        }
    )
    b = a.assign(confidence=["probable"])
    out = schema.concat([a, b])
    assert out["confidence"].tolist() == [0.85, 0.7] and str(out["confidence"].dtype) == "float64"
