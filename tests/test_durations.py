"""The one duration parser (navwatch.durations): a unit is required wherever a duration is asked,
in the library (DispersalParams), in a configuration mapping and on the command line."""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from navwatch.cli import app
from navwatch.dispersal import DispersalParams
from navwatch.durations import UNIT_HINT, parse_duration
from navwatch.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6h", pd.Timedelta(hours=6)),
        (" 30min ", pd.Timedelta(minutes=30)),
        ("1D", pd.Timedelta(days=1)),
        ("90s", pd.Timedelta(seconds=90)),
        ("PT6H", pd.Timedelta(hours=6)),
        ("1 day 2h", pd.Timedelta(hours=26)),
        (pd.Timedelta("2h"), pd.Timedelta(hours=2)),
        (dt.timedelta(minutes=5), pd.Timedelta(minutes=5)),
        (np.timedelta64(3, "h"), pd.Timedelta(hours=3)),
    ],
)
def test_durations_with_units_are_read(value, expected):
    got = parse_duration(value, what="x")
    assert isinstance(got, pd.Timedelta) and got == expected


@pytest.mark.parametrize("value", ["6", " 6 ", "1.5", "+2", "1e3", 6, 6.0, 1.5, np.int64(6)])
def test_bare_numbers_are_refused_with_the_unit_hint(value):
    with pytest.raises(ConfigError) as err:
        parse_duration(value, what="[dispersal].every")
    assert str(err.value) == f"[dispersal].every: {UNIT_HINT} (got {value!r})"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "expected a duration such as '6h' or '1D', got 'soon'"),
        ("", "expected a duration such as '6h' or '1D', got ''"),
        ("NaT", "expected a duration such as '6h' or '1D', got 'NaT'"),
        (None, "expected a duration such as '6h' or '1D', got None"),
        (True, "expected a duration such as '6h' or '1D', got True"),
        (float("nan"), "expected a duration such as '6h' or '1D', got nan"),
        ("0h", "must be a positive duration, got '0h'"),
        ("-6h", "must be a positive duration, got '-6h'"),
        (pd.Timedelta(0), "must be a positive duration, got Timedelta('0 days 00:00:00')"),
    ],
)
def test_other_refusals_name_what(value, message):
    with pytest.raises(ConfigError) as err:
        parse_duration(value, what="step")
    assert str(err.value) == f"step: {message}"


# ---------------------------------------------------------------------------------- library


def test_dispersal_params_every_needs_a_unit():
    with pytest.raises(
        ConfigError, match=r"DispersalParams\.every: add a unit: 6h, 30min, 1D \(got '6'\)"
    ):
        DispersalParams(every="6")
    with pytest.raises(
        ConfigError, match=r"DispersalParams\.every: add a unit: 6h, 30min, 1D \(got 6\)"
    ):
        DispersalParams(every=6)
    assert DispersalParams(every="PT6H").every == pd.Timedelta(hours=6)
    assert DispersalParams(every=dt.timedelta(days=1)).every == pd.Timedelta(days=1)


def test_dispersal_round_trip_through_to_dict():
    p = DispersalParams(every="90min")
    assert DispersalParams.from_dict(p.to_dict()).every == pd.Timedelta(minutes=90)


def test_toml_dispersal_table_with_a_unitless_every_names_the_key():
    table = tomllib.loads("[dispersal]\nevery = 6\nstale_after_h = 72\n")["dispersal"]
    with pytest.raises(ConfigError) as err:
        DispersalParams.from_dict(table)
    assert "every" in str(err.value) and UNIT_HINT in str(err.value)
    table = tomllib.loads('[dispersal]\nevery = "6"\n')["dispersal"]
    with pytest.raises(ConfigError, match=r"every: add a unit.*\(got '6'\)"):
        DispersalParams.from_dict(table)


# ---------------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("every", ["6", "1.5"])
def test_cli_every_without_unit_is_bad_usage(tmp_path, every):
    # the input does not exist: a value refused only after reading would exit 1 ("not found")
    res = CliRunner().invoke(app, ["dispersal", str(tmp_path / "nope.csv"), "--every", every])
    assert res.exit_code == 2, res.output
    assert "'--every'" in res.output and f"{UNIT_HINT} (got '{every}')" in res.output
    assert "value:" not in res.output  # click names the option; the message does not repeat it
