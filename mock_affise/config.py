"""Settings: built-in defaults < MOCK_AFFISE_* environment < explicit values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MEMORY_DATABASE_URL = "sqlite://"

# name -> (default, parser). Every name is also read from MOCK_AFFISE_<NAME>.
_SETTINGS: dict[str, tuple[Any, Any]] = {
    "DATABASE_URL": (MEMORY_DATABASE_URL, str),
    "FIXTURES": (None, str),
    "STRICT": (False, "bool"),
    "MAX_BODY_BYTES": (1024 * 1024, int),
    "GENERATION_DELAY": (0, int),
    "CONTROL_TOKEN": (None, str),
    "JOURNAL_SIZE": (1000, int),
    "JOURNAL_VALUE_BYTES": (16 * 1024, int),
    "JOURNAL_BODY_BYTES": (128 * 1024, int),
    "JOURNAL_LIMIT": (100, int),
    "JOURNAL_MAX_LIMIT": (1000, int),
    "READ_CACHE_BYTES": (32 * 1024 * 1024, int),
    "SEED": (True, "bool"),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def _parse(name: str, raw: Any, parser: Any) -> Any:
    if raw is None:
        return None
    if parser == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(f"{name}: expected a boolean (1/0, true/false), got {raw!r}")
    try:
        return parser(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: expected {parser.__name__}, got {raw!r}") from exc


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the effective settings: defaults, then MOCK_AFFISE_* variables, then overrides."""
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name, (default, parser) in _SETTINGS.items():
        value = default
        env_value = env.get(f"MOCK_AFFISE_{name}")
        if env_value is not None:
            # Name the variable, so a user knows where the bad value came from.
            value = _parse(f"MOCK_AFFISE_{name}", env_value, parser)
        if overrides and overrides.get(name) is not None:
            value = _parse(name, overrides[name], parser)
        settings[name] = value
    for name, value in (overrides or {}).items():
        if name not in settings:
            settings[name] = value
    if settings["MAX_BODY_BYTES"] is not None and settings["MAX_BODY_BYTES"] <= 0:
        raise ConfigError("MAX_BODY_BYTES: must be a positive number of bytes")
    if settings["JOURNAL_SIZE"] is not None and settings["JOURNAL_SIZE"] <= 0:
        raise ConfigError("JOURNAL_SIZE: must be a positive number of entries")
    for name in ("JOURNAL_VALUE_BYTES", "JOURNAL_BODY_BYTES", "JOURNAL_LIMIT",
                 "JOURNAL_MAX_LIMIT"):
        if settings[name] is not None and settings[name] <= 0:
            raise ConfigError(f"{name}: must be a positive number")
    if settings["JOURNAL_LIMIT"] > settings["JOURNAL_MAX_LIMIT"]:
        raise ConfigError("JOURNAL_LIMIT: must not be above JOURNAL_MAX_LIMIT")
    if settings["READ_CACHE_BYTES"] is not None and settings["READ_CACHE_BYTES"] < 0:
        raise ConfigError("READ_CACHE_BYTES: must be zero (no cache) or a number of bytes")
    if settings["GENERATION_DELAY"] < 0:
        raise ConfigError("GENERATION_DELAY: must be zero or a positive number of seconds")
    return settings


def default_fixture_path() -> Path:
    """Return the built-in default fixture (fixtures/default.json links to it)."""
    return Path(__file__).resolve().parent / "default_fixture.json"
