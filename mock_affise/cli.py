"""The mock-affise command: serve the mock, check fixture documents.

Every serve option is also read from MOCK_AFFISE_<NAME> in the environment; a flag wins over the
environment, which wins over the default. The other settings (STRICT, CONTROL_TOKEN, ...) are
read from the environment by mock_affise.config in the server itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .config import ConfigError, load_settings

ENV_PREFIX = "MOCK_AFFISE_"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_WORKERS = 1
# serve keeps its data in a file by default, so a restart finds it again; create_app and the
# tests default to memory instead (mock_affise.config).
SERVE_DATABASE_URL = "sqlite:///mock-affise.db"

EXIT_OK = 0
EXIT_PROBLEMS = 1  # a fixture or the database cannot be used
EXIT_USAGE = 2  # a bad option (argparse uses 2 as well)


class UsageError(Exception):
    """An option, from a flag or the environment, cannot be used as given."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args, os.environ)
    except UsageError as exc:
        print(f"mock-affise: {exc}", file=sys.stderr)
        return EXIT_USAGE


# ----------------------------------------------------------------------------- arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-affise",
        description="A stateful, wire-faithful emulator of the Affise affiliate billing API.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve", help="serve the mock over HTTP",
        description="Serve the mock under gunicorn. Each option falls back to its environment "
                    "variable, then to its default.")
    serve.add_argument("--host", help=f"address to listen on (${ENV_PREFIX}HOST, "
                                      f"default {DEFAULT_HOST})")
    serve.add_argument("--port", help=f"TCP port, 0 for any free one (${ENV_PREFIX}PORT, "
                                      f"default {DEFAULT_PORT})")
    serve.add_argument("--database", metavar="URL",
                       help=f"SQLAlchemy database URL (${ENV_PREFIX}DATABASE_URL, default "
                            f"{SERVE_DATABASE_URL}); data in a file or server database "
                            "survives a restart")
    serve.add_argument("--fixtures", metavar="FILE",
                       help=f"fixture document (JSON or YAML) seeding the first tenant when the "
                            f"database holds none (${ENV_PREFIX}FIXTURES, default the built-in "
                            "fixtures/default.json)")
    serve.add_argument("--workers", metavar="N",
                       help=f"worker processes (${ENV_PREFIX}WORKERS, default {DEFAULT_WORKERS}); "
                            "more than 1 needs a file or server database")
    serve.set_defaults(run=serve_command)

    check = commands.add_parser(
        "validate", help="check fixture documents",
        description="Check fixture documents; print every problem with its path.")
    check.add_argument("fixture", nargs="+", metavar="FIXTURE", help="a JSON or YAML file")
    check.set_defaults(run=validate_command)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mock-affise")
    except PackageNotFoundError:
        return "unknown"


def _option(value: str | None, env: Mapping[str, str], name: str, flag: str, default: Any,
            parse: Callable[[str], Any]) -> Any:
    """Return the flag's value, else MOCK_AFFISE_<name>'s (unset when empty), else default."""
    if value is not None:
        raw, source = value, flag
    elif env.get(ENV_PREFIX + name):
        raw, source = env[ENV_PREFIX + name], ENV_PREFIX + name
    else:
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise UsageError(f"{source}: {exc}") from None


def _host(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw.strip()


def _integer(low: int, high: int | None, what: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            number = int(raw.strip())
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise ValueError(f"must be {what} {bounds}, got {raw!r}")
        return number

    return parse


def _database_url(raw: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(raw)
    except ArgumentError:
        raise ValueError(f"not a database URL: {raw!r}") from None
    return raw


def _shown(url: str) -> str:
    """Render a database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ----------------------------------------------------------------------------- validate


def fixture_problems(path: str | Path) -> list[str]:
    """Return every problem of the fixture file at path, each starting with the file's name."""
    from .fixtures import FixtureError, read_document, validate

    try:
        document = read_document(path)
    except FixtureError as exc:
        return list(exc.problems)  # these already start with the file's name
    try:
        validate(document)
    except FixtureError as exc:
        return [f"{path}: {problem}" for problem in exc.problems]
    return []


def validate_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Print 'FILE: ok' for each valid fixture, every problem of the others; 1 if any failed."""
    status = EXIT_OK
    for path in args.fixture:
        problems = fixture_problems(path)
        for problem in problems or [f"{path}: ok"]:
            print(problem)
        if problems:
            status = EXIT_PROBLEMS
    sys.stdout.flush()
    return status


# ----------------------------------------------------------------------------- serve


def serve_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Prepare the database once, print where the mock listens and its admin key, serve."""
    from .db import is_memory_url

    host = _option(args.host, env, "HOST", "--host", DEFAULT_HOST, _host)
    port = _option(args.port, env, "PORT", "--port", DEFAULT_PORT,
                   _integer(0, 65535, "a port number"))
    workers = _option(args.workers, env, "WORKERS", "--workers", DEFAULT_WORKERS,
                      _integer(1, None, "a number of workers"))
    database = _option(args.database, env, "DATABASE_URL", "--database", SERVE_DATABASE_URL,
                       _database_url)
    fixtures = _option(args.fixtures, env, "FIXTURES", "--fixtures", None, str)
    memory = is_memory_url(database)
    if memory and workers > 1:
        raise UsageError(
            f"an in-memory database ({database}) lives inside one process, so {workers} workers "
            "would each serve a different one; use --workers 1, or a file database such as "
            f"--database {SERVE_DATABASE_URL}")
    try:
        settings = load_settings({"DATABASE_URL": database, "FIXTURES": fixtures}, env)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None

    if fixtures:
        problems = fixture_problems(fixtures)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"mock-affise: not serving: {fixtures} is not a valid fixture", file=sys.stderr)
            return EXIT_PROBLEMS

    prepared = _prepare(settings, memory)
    if prepared is None:
        return EXIT_PROBLEMS
    app_factory, keys, note = prepared

    def announce(server: Any) -> None:
        # Printed once gunicorn listens, so a reader of this line can connect at once.
        url = str(server.LISTENERS[0]) if server.LISTENERS else f"http://{host}:{port}"
        print(f"mock-affise serving {url}", flush=True)
        print(f"database: {_shown(database)} ({note})", flush=True)
        print(f"admin API key: {keys['admin'] if keys else '(none)'}", flush=True)

    from .serving import serve

    serve(app_factory, host, port, workers, preload=memory, when_ready=announce)
    return EXIT_OK


def _prepare(settings: dict[str, Any], memory: bool) -> tuple[Callable[[], Any], Any, str] | None:
    """Create and seed the database once, here, before any worker exists.

    Return the workers' app factory, the first tenant's keys and a note for the banner, or None
    after printing why the database cannot be used.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from . import create_app
    from .config import default_fixture_path
    from .db import Database
    from .fixtures import FixtureError, first_tenant_keys, prepare_database

    source = settings["FIXTURES"] or str(default_fixture_path())
    try:
        if memory:
            # One worker, forked from this process with the app already built (preload): the
            # in-memory database seeded here is the one it serves.
            app = create_app(settings)
            keys = first_tenant_keys(app.extensions["mock_affise"].db)
            seeded_from = f"seeded from {source}" if settings["SEED"] else "not seeded (SEED off)"
            return (lambda: app), keys, f"in memory, {seeded_from}"
        db = Database(settings["DATABASE_URL"])
        try:
            seeded = prepare_database(db, settings)
            keys = first_tenant_keys(db)
            tenants = _tenant_count(db)
        finally:
            db.dispose()  # no connection may cross the fork into the workers
    except FixtureError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"mock-affise: not serving: cannot seed the database from {source}",
              file=sys.stderr)
        return None
    except ModuleNotFoundError as exc:
        print(f"mock-affise: cannot use {_shown(settings['DATABASE_URL'])}: its driver "
              f"({exc.name}) is not installed; for PostgreSQL install mock-affise[postgres] and "
              "write the URL as postgresql+psycopg://...", file=sys.stderr)
        return None
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        print(f"mock-affise: cannot use {_shown(settings['DATABASE_URL'])}: {reason}",
              file=sys.stderr)
        return None

    if seeded is not None:
        note = f"seeded tenant {seeded['tenant']} from {source}"
    elif not tenants:
        note = "no tenant: seeding is off (SEED); make one with POST /_mock/tenants"
    else:
        note = f"reused: {tenants} tenant{'s' if tenants != 1 else ''} already there"
        if settings["FIXTURES"]:
            note += f", {settings['FIXTURES']} not loaded"
    # The CLI seeded already: workers must not race to do it again.
    worker_settings = {**settings, "SEED": False}
    return (lambda: create_app(worker_settings)), keys, note


def _tenant_count(db: Any) -> int:
    from sqlalchemy import func, select

    from .models import Tenant

    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Tenant)) or 0


if __name__ == "__main__":
    sys.exit(main())
