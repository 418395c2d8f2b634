"""Settings: built-in defaults < MOCK_AFFISE_* environment < explicit values."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_affise.config import ConfigError, default_fixture_path, load_settings, serve_settings


def test_defaults_apply_when_nothing_is_set():
    settings = load_settings(environ={})

    assert settings == {
        "DATABASE_URL": "sqlite://",
        "FIXTURES": None,
        "STRICT": False,
        "MAX_BODY_BYTES": 1024 * 1024,
        "GENERATION_DELAY": 0,
        "CONTROL_TOKEN": None,
        "JOURNAL_SIZE": 1000,
        "JOURNAL_VALUE_BYTES": 16 * 1024,
        "JOURNAL_BODY_BYTES": 128 * 1024,
        "JOURNAL_LIMIT": 100,
        "JOURNAL_MAX_LIMIT": 1000,
        "READ_CACHE_BYTES": 32 * 1024 * 1024,
        "SEED": True,
        "MAX_TENANTS": 1000,
        "MAX_SNAPSHOTS": 100,
        "MAX_FAULT_RULES": 100,
    }


def test_environment_overrides_the_defaults_with_typed_values():
    environ = {
        "MOCK_AFFISE_DATABASE_URL": "sqlite:////tmp/x.db",
        "MOCK_AFFISE_FIXTURES": "/tmp/fixture.yaml",
        "MOCK_AFFISE_STRICT": "yes",
        "MOCK_AFFISE_MAX_BODY_BYTES": "2048",
        "MOCK_AFFISE_GENERATION_DELAY": "120",
        "MOCK_AFFISE_CONTROL_TOKEN": "s3cret",
        "MOCK_AFFISE_JOURNAL_SIZE": "50",
        "MOCK_AFFISE_JOURNAL_VALUE_BYTES": "100",
        "MOCK_AFFISE_JOURNAL_BODY_BYTES": "1000",
        "MOCK_AFFISE_JOURNAL_LIMIT": "10",
        "MOCK_AFFISE_JOURNAL_MAX_LIMIT": "20",
        "MOCK_AFFISE_READ_CACHE_BYTES": "0",
        "MOCK_AFFISE_SEED": "off",
        "MOCK_AFFISE_MAX_TENANTS": "7",
        "MOCK_AFFISE_MAX_SNAPSHOTS": "8",
        "MOCK_AFFISE_MAX_FAULT_RULES": "9",
    }

    settings = load_settings(environ=environ)

    assert settings == {
        "DATABASE_URL": "sqlite:////tmp/x.db",
        "FIXTURES": "/tmp/fixture.yaml",
        "STRICT": True,
        "MAX_BODY_BYTES": 2048,
        "GENERATION_DELAY": 120,
        "CONTROL_TOKEN": "s3cret",
        "JOURNAL_SIZE": 50,
        "JOURNAL_VALUE_BYTES": 100,
        "JOURNAL_BODY_BYTES": 1000,
        "JOURNAL_LIMIT": 10,
        "JOURNAL_MAX_LIMIT": 20,
        "READ_CACHE_BYTES": 0,
        "SEED": False,
        "MAX_TENANTS": 7,
        "MAX_SNAPSHOTS": 8,
        "MAX_FAULT_RULES": 9,
    }


def test_explicit_values_override_the_environment():
    environ = {"MOCK_AFFISE_STRICT": "1", "MOCK_AFFISE_GENERATION_DELAY": "120",
               "MOCK_AFFISE_DATABASE_URL": "sqlite:////tmp/env.db"}

    settings = load_settings(
        {"STRICT": False, "GENERATION_DELAY": "0", "DATABASE_URL": "sqlite://"}, environ)

    assert settings["STRICT"] is False
    assert settings["GENERATION_DELAY"] == 0
    assert settings["DATABASE_URL"] == "sqlite://"


def test_an_explicit_none_leaves_the_environment_value():
    settings = load_settings({"CONTROL_TOKEN": None}, {"MOCK_AFFISE_CONTROL_TOKEN": "from-env"})

    assert settings["CONTROL_TOKEN"] == "from-env"


def test_the_process_environment_is_read_when_none_is_given(monkeypatch):
    monkeypatch.setenv("MOCK_AFFISE_JOURNAL_SIZE", "7")

    assert load_settings()["JOURNAL_SIZE"] == 7


def test_explicit_settings_the_mock_does_not_know_pass_through():
    settings = load_settings({"TESTING_FLAG": 1}, {})

    assert settings["TESTING_FLAG"] == 1


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", False),
])
def test_booleans_accept_the_usual_spellings(raw, expected):
    assert load_settings(environ={"MOCK_AFFISE_STRICT": raw})["STRICT"] is expected


@pytest.mark.parametrize(("environ", "overrides", "message"), [
    ({"MOCK_AFFISE_STRICT": "maybe"}, None,
     "MOCK_AFFISE_STRICT: expected a boolean (1/0, true/false), got 'maybe'"),
    ({"MOCK_AFFISE_MAX_BODY_BYTES": "1MB"}, None,
     "MOCK_AFFISE_MAX_BODY_BYTES: expected int, got '1MB'"),
    ({"MOCK_AFFISE_JOURNAL_SIZE": "ten"}, None, "MOCK_AFFISE_JOURNAL_SIZE: expected int, got 'ten'"),
    ({}, {"SEED": "sometimes"}, "SEED: expected a boolean (1/0, true/false), got 'sometimes'"),
    ({}, {"GENERATION_DELAY": "soon"}, "GENERATION_DELAY: expected int, got 'soon'"),
    ({}, {"MAX_BODY_BYTES": 0}, "MAX_BODY_BYTES: must be a positive number of bytes"),
    ({"MOCK_AFFISE_MAX_BODY_BYTES": "-5"}, None,
     "MAX_BODY_BYTES: must be a positive number of bytes"),
    ({}, {"GENERATION_DELAY": -1},
     "GENERATION_DELAY: must be zero or a positive number of seconds"),
])
def test_a_bad_value_raises_config_error_naming_the_setting(environ, overrides, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(overrides, environ)

    assert str(caught.value) == message


def test_the_default_fixture_ships_inside_the_package_and_the_repository_links_to_it():
    path = default_fixture_path()

    assert path.parent.name == "mock_affise" and path.is_file()
    assert (Path(__file__).parent.parent / "fixtures" / "default.json").resolve() == path


def test_an_empty_variable_counts_as_unset():
    environ = {"MOCK_AFFISE_SEED": "", "MOCK_AFFISE_JOURNAL_SIZE": "",
               "MOCK_AFFISE_DATABASE_URL": "", "MOCK_AFFISE_FIXTURES": ""}

    assert load_settings(environ=environ) == load_settings(environ={})


@pytest.mark.parametrize(("environ", "overrides", "message"), [
    ({"MOCK_AFFISE_CONTROL_TOKEN": ""}, None, "MOCK_AFFISE_CONTROL_TOKEN: is set but empty"),
    ({"MOCK_AFFISE_CONTROL_TOKEN": "  "}, None, "MOCK_AFFISE_CONTROL_TOKEN: is set but empty"),
    ({}, {"CONTROL_TOKEN": ""}, "CONTROL_TOKEN: is set but empty"),
])
def test_an_empty_control_token_is_refused_not_taken_as_no_lock(environ, overrides, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(overrides, environ)

    assert str(caught.value) == (f"{message}, which would leave /_mock open to anyone; "
                                 "give a token, or unset it for an open control plane")


SERVE_FLAGS = {"HOST": "--host", "PORT": "--port", "WORKERS": "--workers",
               "DATABASE_URL": "--database"}


def test_serve_defaults_listen_on_localhost_8080_with_a_database_file():
    settings = serve_settings({}, SERVE_FLAGS, {})

    assert (settings["HOST"], settings["PORT"], settings["WORKERS"]) == ("127.0.0.1", 8080, 1)
    assert settings["DATABASE_URL"] == "sqlite:///mock-affise.db"
    assert settings["SEED"] is True  # the app's settings come along


def test_serve_reads_the_environment_and_a_flag_wins_over_it():
    environ = {"MOCK_AFFISE_HOST": "0.0.0.0", "MOCK_AFFISE_PORT": "9000",
               "MOCK_AFFISE_WORKERS": "3", "MOCK_AFFISE_DATABASE_URL": "sqlite:////data/m.db",
               "MOCK_AFFISE_STRICT": "1"}

    from_env = serve_settings({}, SERVE_FLAGS, environ)
    flagged = serve_settings({"PORT": "9100", "DATABASE_URL": "sqlite:///here.db"},
                             SERVE_FLAGS, environ)

    assert (from_env["HOST"], from_env["PORT"], from_env["WORKERS"]) == ("0.0.0.0", 9000, 3)
    assert from_env["DATABASE_URL"] == "sqlite:////data/m.db"
    assert (flagged["PORT"], flagged["DATABASE_URL"]) == (9100, "sqlite:///here.db")
    assert (flagged["HOST"], flagged["STRICT"]) == ("0.0.0.0", True)


@pytest.mark.parametrize(("flags", "environ", "message"), [
    ({"PORT": "70000"}, {}, "--port: must be a port number from 0 to 65535, got '70000'"),
    ({}, {"MOCK_AFFISE_PORT": "http"},
     "MOCK_AFFISE_PORT: must be a port number from 0 to 65535, got 'http'"),
    ({"HOST": " "}, {}, "--host: must not be empty"),
    ({}, {"MOCK_AFFISE_DATABASE_URL": "nonsense"},
     "MOCK_AFFISE_DATABASE_URL: not a database URL: 'nonsense'"),
])
def test_a_bad_serve_setting_names_the_flag_or_variable_it_came_from(flags, environ, message):
    with pytest.raises(ConfigError) as caught:
        serve_settings(flags, SERVE_FLAGS, environ)

    assert str(caught.value) == message
