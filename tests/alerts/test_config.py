"""Config: the shipped example parses; bad configs name the key and what was expected; secrets
never appear in dumps, reprs or --print-config."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from navwatch.alerts.config import EmailSink, Secret, WebhookSink, load_config, parse_config
from navwatch.errors import ConfigError

from .alert_servers import CLI, ROOT, cli_env

EXAMPLE = ROOT / "examples" / "navwatch.toml"


def test_example_config_parses():
    cfg = load_config(EXAMPLE, env={})
    assert cfg.schedule.kind == "interval" and cfg.schedule.interval_s == 60
    assert cfg.state_url.reveal() == f"sqlite:///{EXAMPLE.parent / 'navwatch-state.db'}"
    assert [s.type for s in cfg.sources] == ["directory"]
    assert cfg.sources[0].path == EXAMPLE.parent / "incoming"
    assert [s.name for s in cfg.sinks] == ["console", "file"]
    assert cfg.alerts.events == ("departure",)


def test_example_config_commented_blocks_parse_too():
    """Every commented-out block of the example is valid once uncommented."""
    text = EXAMPLE.read_text()
    lines = []
    for ln in text.splitlines():
        s = ln.lstrip()
        if s.startswith("# [") or (
            s.startswith("# ")
            and "=" in s.split("#")[1]
            and not s.startswith("# #")
            and lines
            and (lines[-1].startswith("[") or "=" in lines[-1])
        ):
            ln = s[2:]
        lines.append(ln)
    uncommented = "\n".join(lines).replace('# cron = "*/5 * * * *"', "")
    import tomllib

    data = tomllib.loads(uncommented)
    env = {
        k: "x"
        for k in (
            "NAVWATCH_PARTNER_AUTH",
            "NAVWATCH_WEBHOOK_SECRET",
            "NAVWATCH_SMTP_USER",
            "NAVWATCH_SMTP_PASSWORD",
            "AISSTREAM_KEY",
            "AISHUB_USERNAME",
        )
    }
    cfg = parse_config(data, base=EXAMPLE.parent, env=env)
    assert {s.type for s in cfg.sources} == {
        "directory", "http", "tcp", "udp", "websocket", "aiscatcher", "mqtt", "aishub"
    }  # fmt: skip
    assert {s.type for s in cfg.sinks} == {"console", "jsonl", "webhook", "email"}
    assert cfg.activity.all_vessels is True and cfg.activity.params.gap_min_h == 6.0
    assert cfg.health.boxes == (
        ("receiver", "receiver/box1", ((59.0, 10.0), (60.0, 11.5))),
        ("aisstream", "aisstream/box1", ((59.0, 10.0), (60.0, 11.5))),
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"watch": {"interval_s": "often"}}, "[watch].interval_s: expected a number, got 'often'"),
        ({"watch": {"interval_s": 0}}, "[watch].interval_s: expected a number > 0"),
        (
            {"watch": {"schedule": "hourly"}},
            "[watch].schedule: expected one of ['interval', 'cron'], got 'hourly'",
        ),
        ({"watch": {"schedule": "cron"}}, "[watch].cron: required when schedule"),
        (
            {"watch": {"schedule": "cron", "cron": "*/5 * * *"}},
            "[watch].cron: expected 5 crontab fields",
        ),
        (
            {"watch": {"schedule": "cron", "cron": "99 * * * *"}},
            "[watch].cron: not a valid crontab expression",
        ),
        ({"watch": {"intervall_s": 5}}, "[watch]: unknown key(s) ['intervall_s']"),
        (
            {"state": {"url": "mysql://x"}},
            "[state].url: expected a sqlite:/// or postgresql:// URL",
        ),
        (
            {"state": {"url_env": "NO_SUCH_VAR_NW"}},
            "[state].url_env: environment variable NO_SUCH_VAR_NW is not set",
        ),
        (
            {"sources": [{"type": "ftp"}]},
            "[[sources]][0].type: expected one of ['directory', 'http', 'tcp', 'udp', 'websocket', 'aiscatcher', 'mqtt', 'aishub'], got 'ftp'",
        ),
        ({"sources": [{"type": "directory"}]}, "[[sources]][0].path: required key is missing"),
        (
            {"sources": [{"type": "tcp", "host": "h", "port": 70000}]},
            "[[sources]][0].port: expected an integer in [1, 65535], got 70000",
        ),
        (
            {"sources": [{"type": "http", "url": "ftp://x"}]},
            "[[sources]][0].url: expected an http:// or https:// URL",
        ),
        (
            {"sinks": [{"type": "webhook", "url": "https://h/x", "secret": "s3cr3t"}]},
            "[[sinks]][0].secret: secrets are not read from the config file; set secret_env",
        ),
        (
            {"sinks": [{"type": "email", "host": "h", "to": ["a@b"], "password": "pw"}]},
            "[[sinks]][0].password: secrets are not read from the config file",
        ),
        (
            {"sinks": [{"type": "webhook", "url": "https://h/x", "secret_env": "NO_SUCH_VAR_NW"}]},
            "[[sinks]][0].secret_env: environment variable NO_SUCH_VAR_NW is not set",
        ),
        ({"sinks": [{"type": "email", "host": "h", "to": []}]}, "[[sinks]][0].to: required"),
        (
            {"sinks": [{"type": "email", "host": "h", "to": ["nobody"]}]},
            "'nobody' is not an e-mail address",
        ),
        (
            {
                "sinks": [
                    {"type": "jsonl", "path": "a"},
                    {"type": "jsonl", "path": "b", "name": "jsonl-0"},
                ]
            },
            "[[sinks]]: names must be unique; repeated: ['jsonl-0']",
        ),
        (
            {"alerts": {"events": ["departure", "sinking"]}},
            "[alerts].events: unknown event 'sinking'; expected some of ['departure', 'arrival', "
            "'encounter', 'replenishment', 'loitering', 'gap', 'spoofing', 'identity_change']",
        ),
        (
            {"alerts": {"events": ["gap", "Loitering"]}},
            "[alerts].events: unknown event 'Loitering'; expected some of",
        ),
        (
            {"alerts": {"events": "gap, loitering"}},
            "[alerts].events: unknown event 'gap, loitering'",
        ),
        ({"activity": {"gap_min_h": -1}}, "[activity].gap_min_h: must be >= 0, got -1"),
        ({"activity": {"gap_min_h": "6 h"}}, "[activity].gap_min_h: expected a number, got '6 h'"),
        ({"activity": {"gap_min": 6}}, "[activity]: unknown key(s) ['gap_min']; expected some of"),
        (
            {"activity": {"replenishment_min_speed_kn": 16}},
            "[activity]: replenishment_max_speed_kn must be >= replenishment_min_speed_kn",
        ),
        ({"activity": {"all_vessels": "yes"}}, "[activity].all_vessels: expected true or false"),
        ({"activity": [1]}, "[activity]: expected a table"),
        ({"alerts": {"min_confidence": 2}}, "[alerts].min_confidence: expected a number in [0, 1]"),
        ({"detect": {"params": {"exit_margin_km": -1}}}, "exit_margin_km: must be >= 0"),
        ({"detect": {"params": {"margin": 1}}}, "[detect.params]: unknown key(s) ['margin']"),
        ({"sinks": {"type": "console"}}, "[[sinks]]: expected an array of tables"),
    ],
)
def test_bad_config_names_key_and_expectation(data, message):
    with pytest.raises(ConfigError) as ei:
        parse_config(data, base=Path("/srv"), env={})
    assert message in str(ei.value)


def test_bad_toml_and_missing_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[watch\ninterval_s = 1\n")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_config(p)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")


def test_secrets_never_in_dumps_or_reprs():
    env = {
        "WH": "webhook-SECRET-1",
        "PW": "smtp-SECRET-2",
        "U": "user-SECRET-3",
        "DB": "postgresql://nav:db-SECRET-4@db:5432/nav",
        "H": "Bearer http-SECRET-5",
    }
    cfg = parse_config(
        {
            "state": {"url_env": "DB"},
            "sources": [
                {"type": "http", "url": "https://h/x.csv", "headers_env": {"Authorization": "H"}}
            ],
            "sinks": [
                {"type": "webhook", "url": "https://h/hook", "secret_env": "WH"},
                {
                    "type": "email",
                    "host": "smtp",
                    "to": ["a@b.c"],
                    "username_env": "U",
                    "password_env": "PW",
                },
            ],
        },
        env=env,
    )
    wh, em = cfg.sinks
    assert isinstance(wh, WebhookSink) and wh.secret.reveal() == "webhook-SECRET-1"
    assert isinstance(em, EmailSink) and em.password.reveal() == "smtp-SECRET-2"
    text = json.dumps(cfg.redacted()) + repr(cfg) + str(cfg)
    assert "SECRET" not in text
    assert "postgresql+psycopg://nav:***@db:5432/nav" in text
    assert repr(Secret("x")) == "***"


def test_print_config_cli_redacts_and_bad_config_exits_1(tmp_path):
    p = tmp_path / "nw.toml"
    p.write_text(
        '[state]\nurl = "postgresql://u:pw-SECRET@h/db"\n[[sinks]]\ntype = "webhook"\nurl = "http://127.0.0.1:1/x?token=tok-SECRET"\nsecret_env = "NW_TEST_WEBHOOK_SECRET"\n'
    )
    r = subprocess.run(
        [*CLI, "--config", str(p), "--print-config"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "SECRET" not in r.stdout + r.stderr and "test-webhook-secret" not in r.stdout
    dumped = json.loads(r.stdout)
    assert dumped["sinks"][0]["secret"] == "***" and dumped["sinks"][0]["url"].endswith("token=***")
    p.write_text('[watch]\ninterval_s = "soon"\n')
    r = subprocess.run(
        [*CLI, "--config", str(p), "--once"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert r.returncode == 1
    assert "[watch].interval_s: expected a number, got 'soon'" in r.stderr


def test_alerts_events_accept_every_activity_type_and_activity_table_loads():
    from navwatch.activity import EVENT_TYPES, ActivityParams

    cfg = parse_config(
        {
            "detect": {"all_vessels": True},
            "alerts": {"events": ["departure", *EVENT_TYPES, "gap"]},
            "activity": {"gap_min_h": 8, "replenishment_min_duration_min": 20},
        },
        env={},
    )
    assert cfg.alerts.events == ("departure", *EVENT_TYPES)  # a repeated name once
    assert cfg.alerts.activity_types == EVENT_TYPES
    assert cfg.activity.params == ActivityParams(gap_min_h=8, replenishment_min_duration_min=20)
    assert cfg.activity.all_vessels is True  # from [detect] unless [activity] says otherwise
    assert cfg.redacted()["activity"]["params"]["gap_min_h"] == 8
    own = parse_config(
        {"detect": {"all_vessels": True}, "activity": {"all_vessels": False}}, env={}
    )
    assert own.activity.all_vessels is False and own.activity.params == ActivityParams()
    plain = parse_config({}, env={})
    assert plain.alerts.activity_types == () and plain.activity.all_vessels is False


def test_example_config_activity_block_parses():
    """The commented [activity] example, uncommented, is a valid configuration."""
    import tomllib

    text = EXAMPLE.read_text()
    start = text.index("# [activity]")
    block = []
    for ln in text[start:].splitlines():
        if not ln.startswith("# "):
            break
        block.append(ln[2:])
    data = tomllib.loads("\n".join(block))
    cfg = parse_config({"activity": data["activity"]}, env={})
    assert cfg.activity.params.gap_min_h == data["activity"]["gap_min_h"]
    assert "replenishment" in EXAMPLE.read_text().split("[alerts]")[1].split("\n\n")[0]


def test_health_boxes_and_silent_per_box():
    def boxes(*sources):
        return parse_config({"sources": list(sources)}, env={}).health.boxes

    ws = {
        "type": "websocket",
        "url": "ws://h/x",
        "bounding_boxes": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]],
    }
    assert boxes({**ws, "silent_per_box": True, "silent_after_s": 30}) == (
        ("websocket", "websocket/box1", ((1.0, 2.0), (3.0, 4.0))),
        ("websocket", "websocket/box2", ((5.0, 6.0), (7.0, 8.0))),
    )
    assert boxes(ws) == () and boxes({**ws, "silent_per_box": False}) == ()
    assert boxes({**ws, "silent_per_box": True, "health_boxes": [[[0, 0], [1, 1]]]})[2] == (
        "websocket", "websocket/box3", ((0.0, 0.0), (1.0, 1.0)),
    )  # fmt: skip
    hub = {"type": "aishub", "username_env": "U", "bounding_box": [[59, 11], [58, 10]]}
    cfg = parse_config({"sources": [{**hub, "silent_per_box": True}]}, env={"U": "u"})
    assert cfg.health.boxes == (("aishub", "aishub/box1", ((59.0, 11.0), (58.0, 10.0))),)
    tcp = {"type": "tcp", "name": "rx", "host": "h", "port": 1, "silent_after_s": 60,
           "health_boxes": [[[10, 170], [20, -170]]]}  # fmt: skip
    cfg = parse_config({"sources": [tcp]}, env={})
    assert cfg.health.boxes == (("rx", "rx/box1", ((10.0, 170.0), (20.0, -170.0))),)
    assert cfg.health.threshold("rx/box1") == 60 and cfg.health.box_of("rx") is None
    assert cfg.health.box_of("rx/box1") == ("rx", 1, ((10.0, 170.0), (20.0, -170.0)))


@pytest.mark.parametrize(
    "source, env, message",
    [
        ({"type": "tcp", "host": "h", "port": 1, "silent_per_box": True}, {},
         "[[sources]][0].silent_per_box: only for websocket and aishub sources"),
        ({"type": "websocket", "url": "ws://h/x", "silent_per_box": "yes"}, {},
         "[[sources]][0].silent_per_box: expected true or false, got 'yes'"),
        ({"type": "aishub", "username_env": "U", "silent_per_box": True}, {"U": "u"},
         "[[sources]][0].silent_per_box: this aishub source has no bounding_box"),
        ({"type": "tcp", "host": "h", "port": 1, "health_boxes": [[1, 2], [3, 4]]}, {},
         "[[sources]][0].health_boxes: expected [[lat, lon], [lat, lon]] corners, got [1, 2]"),
        ({"type": "tcp", "host": "h", "port": 1, "health_boxes": [[[91, 2], [3, 4]]]}, {},
         "[[sources]][0].health_boxes: latitude must be in [-90, 90]"),
        ({"type": "tcp", "host": "h", "port": 1, "health_boxes": "all"}, {},
         "[[sources]][0].health_boxes: expected a list of [[lat, lon], [lat, lon]], got 'all'"),
    ],
)  # fmt: skip
def test_bad_health_box_keys_name_the_key(source, env, message):
    with pytest.raises(ConfigError) as e:
        parse_config({"sources": [source]}, env=env)
    assert message in str(e.value)


def test_box_names_may_not_clash_with_source_names():
    with pytest.raises(ConfigError, match=r"names \['rx/box1'\] are also the names of watched"):
        parse_config({"sources": [
            {"type": "tcp", "name": "rx", "host": "h", "port": 1, "health_boxes": [[[0, 0], [1, 1]]]},
            {"type": "tcp", "name": "rx/box1", "host": "h", "port": 2},
        ]}, env={})  # fmt: skip
