"""The mock-affise command's subcommands, one module each; mock_affise.cli declares the flags.

Each command takes the parsed flags and the environment, gets its settings from
mock_affise.config (the one precedence engine) and returns an exit status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_PROBLEMS = 1  # a fixture or the database cannot be used
EXIT_USAGE = 2  # a bad option (argparse uses 2 as well)
EXIT_KEY_REFUSED = 3  # import, drift: Affise (or the mock) answered 401/403 to the key
# import, drift: a call failed every retry, or answered what cannot be used (an error, or an
# object lacking what the fixture needs: importer.client.Malformed)
EXIT_UNREACHABLE = 4


class UsageError(Exception):
    """An option, from a flag or the environment, cannot be used as given."""


def parsed(raw: str, source: str, parse: Callable[[str], Any]) -> Any:
    """Parse raw, or raise UsageError naming where it came from."""
    try:
        return parse(raw)
    except ValueError as exc:
        raise UsageError(f"{source}: {exc}") from None


def shown(url: str) -> str:
    """Render a database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cannot_use(url: str, error: Exception) -> str:
    """Say in one line why the database at url cannot be used."""
    if isinstance(error, ModuleNotFoundError):
        return (f"cannot use {shown(url)}: its driver ({error.name}) is not installed; for "
                "PostgreSQL install mock-affise[postgres] and write the URL as "
                "postgresql+psycopg://...")
    reason = " ".join(str(getattr(error, "orig", None) or error).split())
    return f"cannot use {shown(url)}: {reason}"
