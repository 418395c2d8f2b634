"""Settings: built-in defaults < MOCK_AFFISE_* environment < explicit values.

This is the one precedence engine: create_app, `serve` and `export` all read their settings
here. An empty environment variable counts as unset everywhere (`MOCK_AFFISE_PORT=` serves on
the default port), with one exception: an empty CONTROL_TOKEN is refused, since it would leave
the control plane open while its owner believes it locked.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "MOCK_AFFISE_"
MEMORY_DATABASE_URL = "sqlite://"
# serve and export keep their data in a file by default, so a restart finds it again;
# create_app and the tests default to memory instead.
SERVE_DATABASE_URL = "sqlite:///mock-affise.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_WORKERS = 1

Parser = Callable[[Any], Any]


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (1/0, true/false), got {raw!r}")


def _typed(kind: type) -> Parser:
    def parse(raw: Any) -> Any:
        try:
            return kind(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected {kind.__name__}, got {raw!r}") from None

    return parse


def bounded_integer(low: int, high: int | None, what: str) -> Parser:
    """Return a parser of whole numbers from low to high (None: no upper bound)."""

    def parse(raw: Any) -> int:
        try:
            number = int(str(raw).strip())
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise ValueError(f"must be {what} {bounds}, got {raw!r}")
        return number

    return parse


def _host(raw: Any) -> str:
    if not str(raw).strip():
        raise ValueError("must not be empty")
    return str(raw).strip()


def _database_url(raw: Any) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(raw)
    except ArgumentError:
        raise ValueError(f"not a database URL: {raw!r}") from None
    return str(raw)


def _token(raw: Any) -> str:
    if not str(raw).strip():
        raise ValueError("is set but empty, which would leave /_mock open to anyone; "
                         "give a token, or unset it for an open control plane")
    return str(raw)


# name -> (default, parser). Every name is also read from MOCK_AFFISE_<NAME>.
_SETTINGS: dict[str, tuple[Any, Parser]] = {
    "DATABASE_URL": (MEMORY_DATABASE_URL, str),
    "FIXTURES": (None, str),
    "STRICT": (False, _boolean),
    "MAX_BODY_BYTES": (1024 * 1024, _typed(int)),
    "GENERATION_DELAY": (0, _typed(int)),
    "CONTROL_TOKEN": (None, _token),
    "JOURNAL_SIZE": (1000, _typed(int)),
    "JOURNAL_VALUE_BYTES": (16 * 1024, _typed(int)),
    "JOURNAL_BODY_BYTES": (128 * 1024, _typed(int)),
    "JOURNAL_LIMIT": (100, _typed(int)),
    "JOURNAL_MAX_LIMIT": (1000, _typed(int)),
    "READ_CACHE_BYTES": (32 * 1024 * 1024, _typed(int)),
    "SEED": (True, _boolean),
    # Flood limits of the control plane: past them a create answers 409 naming the setting.
    "MAX_TENANTS": (1000, _typed(int)),
    "MAX_SNAPSHOTS": (100, _typed(int)),
    "MAX_FAULT_RULES": (100, _typed(int)),
}
# Set but empty is refused for these, not taken as unset (see the module's docstring).
_EMPTY_REFUSED = frozenset({"CONTROL_TOKEN"})
# What `serve` adds: where it listens and how many processes answer.
_SERVE_SETTINGS: dict[str, tuple[Any, Parser]] = {
    "HOST": (DEFAULT_HOST, _host),
    "PORT": (DEFAULT_PORT, bounded_integer(0, 65535, "a port number")),
    "WORKERS": (DEFAULT_WORKERS, bounded_integer(1, None, "a number of workers")),
    "DATABASE_URL": (SERVE_DATABASE_URL, _database_url),
}
_EXPORT_SETTINGS: dict[str, tuple[Any, Parser]] = {
    "DATABASE_URL": (SERVE_DATABASE_URL, _database_url),
    "TENANT": (None, bounded_integer(1, None, "a tenant id")),
}


def _positive_number(what: str) -> Parser:
    def parse(raw: Any) -> float:
        try:
            number = float(str(raw).strip())
        except ValueError:
            number = None
        if number is None or not number > 0 or number == float("inf"):
            raise ValueError(f"must be {what} above 0, got {raw!r}")
        return number

    return parse


def _nonblank(raw: Any) -> str:
    if not str(raw).strip():
        raise ValueError("must not be empty")
    return str(raw).strip()


def _http_url(raw: Any) -> str:
    """An http(s) URL httpx will send to: a host, and a port (if any) from 1 to 65535."""
    from urllib.parse import urlsplit

    import httpx

    url = str(raw).strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [IPv6 literal
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL, got {raw!r}")
    try:
        port = parts.port  # ValueError: not a number, or not from 0 to 65535
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        port = 0
    if port == 0:
        raise ValueError(f"must be an http:// or https:// URL with a port from 1 to 65535, "
                         f"got {raw!r}")
    return url


# What `import` and `drift` read: the Affise network (URL and key) and how politely to read it.
# The key is read like any setting and passed on in the API-Key header only: never printed.
_READER_SETTINGS: dict[str, tuple[Any, Parser]] = {
    "AFFISE_URL": (None, _http_url),
    "AFFISE_KEY": (None, _nonblank),
    "RATE": (4.0, _positive_number("a number of requests a second")),
    "TIMEOUT": (30.0, _positive_number("a number of seconds")),
    "RETRIES": (5, bounded_integer(0, 100, "a number of retries")),
    "PAGE_SIZE": (100, bounded_integer(1, 100, "a page size")),
    "WINDOW_DAYS": (7, bounded_integer(1, 366, "a number of days")),
    # The key of --anonymize's stand-ins (default: derived from AFFISE_KEY). Environment only:
    # a secret on a command line is seen by every process list.
    "ANONYMIZE_SECRET": (None, _nonblank),
}
_DRIFT_SETTINGS: dict[str, tuple[Any, Parser]] = {
    **_READER_SETTINGS,
    "MOCK_URL": (None, _http_url),
    "MOCK_KEY": (None, _nonblank),
}


def _resolve(table: Mapping[str, tuple[Any, Parser]], overrides: Mapping[str, Any] | None,
             environ: Mapping[str, str] | None, labels: Mapping[str, str] | None,
             ) -> dict[str, Any]:
    """Return each setting of table: its default, else its variable, else its explicit value.

    An error names where the bad value came from: the variable, the label given for an
    explicit value (a flag), else the setting's name.
    """
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name, (default, parse) in table.items():
        value, source, raw = default, None, env.get(ENV_PREFIX + name)
        if raw or (raw == "" and name in _EMPTY_REFUSED):  # else empty counts as unset
            source = ENV_PREFIX + name
        if overrides and overrides.get(name) is not None:
            source, raw = (labels or {}).get(name, name), overrides[name]
        if source is not None:
            try:
                value = parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        settings[name] = value
    return settings


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None,
                  labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the app's effective settings: defaults, then MOCK_AFFISE_* variables, then overrides.

    labels name explicit values in errors (a flag such as --fixtures); unknown overrides pass
    through unchanged.
    """
    settings = _resolve(_SETTINGS, overrides, environ, labels)
    for name, value in (overrides or {}).items():
        if name not in settings:
            settings[name] = value
    _check_ranges(settings)
    return settings


def serve_settings(flags: Mapping[str, Any], labels: Mapping[str, str],
                   environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the app settings plus HOST, PORT and WORKERS for `serve` (data in a file)."""
    listening = _resolve(_SERVE_SETTINGS, flags, environ, labels)
    return {**load_settings({**flags, "DATABASE_URL": listening["DATABASE_URL"]}, environ,
                            labels), **listening}


def export_settings(flags: Mapping[str, Any], labels: Mapping[str, str],
                    environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return DATABASE_URL and TENANT for `export`."""
    return _resolve(_EXPORT_SETTINGS, flags, environ, labels)


def import_settings(flags: Mapping[str, Any], labels: Mapping[str, str],
                    environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the Affise URL and key and the reading limits for `import`."""
    return _resolve(_READER_SETTINGS, flags, environ, labels)


def drift_settings(flags: Mapping[str, Any], labels: Mapping[str, str],
                   environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return what `import` reads, plus the mock to compare with (MOCK_URL, MOCK_KEY)."""
    return _resolve(_DRIFT_SETTINGS, flags, environ, labels)


def _check_ranges(settings: Mapping[str, Any]) -> None:
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
    for name in ("MAX_TENANTS", "MAX_SNAPSHOTS", "MAX_FAULT_RULES"):
        if settings[name] < 1:
            raise ConfigError(f"{name}: must be a positive number")
    if settings["GENERATION_DELAY"] < 0:
        raise ConfigError("GENERATION_DELAY: must be zero or a positive number of seconds")


@functools.cache
def default_fixture_path() -> Path:
    """Return the built-in default fixture (fixtures/default.json links to it)."""
    return Path(__file__).resolve().parent / "default_fixture.json"
