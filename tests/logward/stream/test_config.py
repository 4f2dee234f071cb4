"""Settings: flags over LOGWARD_* environment over the config file, strictly validated."""

from __future__ import annotations

import argparse

import pytest

from logward.stream import add_arguments, load_config
from logward_base.errors import ConfigError

BASE = {
    "bootstrap_servers": "127.0.0.1:9092",
    "input_topic": ["raw"],
    "output_topic": "clean",
    "quarantine_topic": "quarantine",
}


def parse(argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_exact_flag_names_parse():
    """The flag names other tools depend on all exist and parse."""
    args = parse(
        [
            "--bootstrap-servers",
            "b:1",
            "--input-topic",
            "a",
            "--input-topic",
            "b",
            "--group-id",
            "g",
            "--output-topic",
            "o",
            "--quarantine-topic",
            "q",
            "--es-url",
            "http://e",
            "--es-index",
            "i",
            "--rules",
            "r",
            "--ner",
            "--exactly-once",
            "--metrics-port",
            "9100",
            "--max-poll-interval-ms",
            "3000",
            "--session-timeout-ms",
            "6000",
            "--heartbeat-interval-ms",
            "1000",
            "--batch-size",
            "10",
            "--linger-ms",
            "5",
            "--seal-key-file",
            "k",
        ]
    )
    cfg = load_config(args, env={})
    assert ("a", "b") == cfg.input_topic
    assert (True, True, 9100, 3000, 6000) == (
        cfg.ner,
        cfg.exactly_once,
        cfg.metrics_port,
        cfg.max_poll_interval_ms,
        cfg.session_timeout_ms,
    )


def test_precedence_flags_env_file(tmp_path):
    """A flag beats the environment, which beats the config file."""
    file = tmp_path / "stream.yaml"
    file.write_text("group_id: from-file\nbatch_size: 7\nlinger_ms: 9\n")
    env = {"LOGWARD_BATCH_SIZE": "8", "LOGWARD_LINGER_MS": "11"}
    cfg = load_config({**BASE, "config": str(file), "linger_ms": 12}, env=env)
    assert ("from-file", 8, 12) == (cfg.group_id, cfg.batch_size, cfg.linger_ms)


def test_toml_file_and_list_from_env(tmp_path):
    """TOML config files work and list settings come from comma-separated env values."""
    file = tmp_path / "stream.toml"
    file.write_text('[stream]\nbootstrap-servers = "k:1"\nquarantine-topic = "q"\n')
    cfg = load_config(
        {"config": str(file), "output_topic": "o"}, env={"LOGWARD_INPUT_TOPIC": "a, b"}
    )
    assert ("k:1", ("a", "b")) == (cfg.bootstrap_servers, cfg.input_topic)


def test_unknown_file_key_names_file_and_field(tmp_path):
    """An unknown setting in the file is an error naming the file and field."""
    file = tmp_path / "s.yaml"
    file.write_text("bootstrap_server: typo\n")
    with pytest.raises(ConfigError, match=r"s\.yaml: field 'bootstrap_server': unknown"):
        load_config({"config": str(file)}, env={})


def test_bad_integer_names_source():
    """A malformed number names the environment variable it came from."""
    with pytest.raises(ConfigError, match=r"\$LOGWARD_BATCH_SIZE"):
        load_config(BASE, env={"LOGWARD_BATCH_SIZE": "many"})


def test_quarantine_topic_required():
    """Without a quarantine topic the sidecar refuses to start."""
    with pytest.raises(ConfigError, match="--quarantine-topic is required"):
        load_config({**BASE, "quarantine_topic": None}, env={})


def test_needs_an_output():
    """Without an output topic or Elasticsearch there is nowhere to write."""
    with pytest.raises(ConfigError, match="nowhere to write"):
        load_config({**BASE, "output_topic": None}, env={})


def test_exactly_once_needs_kafka_output():
    """--exactly-once is Kafka to Kafka only."""
    with pytest.raises(ConfigError, match="exactly-once"):
        load_config(
            {**BASE, "output_topic": None, "es_url": "http://e", "exactly_once": True}, env={}
        )


def test_secrets_only_from_env_and_hidden_in_repr():
    """Passwords come from the environment and never show in the repr."""
    env = {"LOGWARD_SASL_PASSWORD": "s3cret-pw", "LOGWARD_ES_PASSWORD": "es-pw"}
    cfg = load_config({**BASE, "sasl_mechanism": "PLAIN", "sasl_username": "u"}, env=env)
    assert "s3cret-pw" == cfg.sasl_password
    assert "s3cret-pw" not in repr(cfg)
    assert "es-pw" not in repr(cfg)


def test_sasl_without_password_refused():
    """SASL without a password in the environment is a clear error."""
    with pytest.raises(ConfigError, match="LOGWARD_SASL_PASSWORD"):
        load_config({**BASE, "sasl_mechanism": "PLAIN"}, env={})


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("big.yaml", "batch_size: " + "9" * 5000 + "\n"),
        ("big.toml", "batch_size = " + "9" * 5000 + "\n"),
        ("deep.yaml", "[" * 20_000 + "\n"),
        ("deep.toml", "a = " + "[" * 20_000 + "\n"),
    ],
)
def test_hostile_config_file_is_a_config_error_naming_the_file(tmp_path, name, text):
    """Huge numbers or deep nesting in a config file give a ConfigError naming it."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=name) as info:
        load_config({**BASE, "config": str(path)}, env={})
    assert "9999" not in str(info.value)


def test_yaml_boolean_for_a_string_setting_refused(tmp_path):
    """`output_topic: off` (a YAML boolean) is an error, not a topic named "False"."""
    path = tmp_path / "s.yaml"
    path.write_text("output_topic: off\n")
    with pytest.raises(ConfigError, match=r"s\.yaml: field 'output_topic': expected a string"):
        load_config({**BASE, "output_topic": None, "config": str(path)}, env={})
