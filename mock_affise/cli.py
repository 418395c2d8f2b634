"""The mock-affise command: serve the mock, export a tenant, check and generate fixtures.

Every serve and export option is also read from MOCK_AFFISE_<NAME> in the environment; a flag
wins over the environment, which wins over the default. The other settings (STRICT,
CONTROL_TOKEN, ...) are read from the environment by mock_affise.config in the server itself.
generate-fixture reads flags only: its output must follow from its command line alone (and
MOCK_AFFISE_SEED already means "seed the database").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .config import ConfigError, load_settings
from .fixturegen import CURRENCIES, NOW, format_timestamp

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
DEFAULT_CURRENCIES = 3


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

    export = commands.add_parser(
        "export", help="print a tenant's state as a fixture document",
        description="Print a tenant's whole state as a fixture document (JSON), the same as "
                    "GET /_mock/export; it loads back unchanged. Reads the database only: "
                    "nothing is created or seeded.")
    export.add_argument("--database", metavar="URL",
                        help=f"SQLAlchemy database URL (${ENV_PREFIX}DATABASE_URL, default "
                             f"{SERVE_DATABASE_URL})")
    export.add_argument("--tenant", metavar="ID",
                        help=f"tenant id (${ENV_PREFIX}TENANT, default the oldest tenant)")
    export.set_defaults(run=export_command)

    generate = commands.add_parser(
        "generate-fixture", help="generate a large, realistic fixture document",
        description="Generate a valid fixture document (JSON) for load tests and benchmarks: "
                    "the same options give the same bytes. The clock is frozen at "
                    f"{format_timestamp(NOW)}; conversions span the six months before it.")
    generate.add_argument("--affiliates", metavar="N", required=True,
                          help="number of affiliates (at least 1)")
    generate.add_argument("--conversions", metavar="M", required=True,
                          help="number of conversions")
    generate.add_argument("--seed", metavar="S", required=True,
                          help="random seed (an integer): one seed, one document")
    generate.add_argument("--currencies", metavar="K",
                          help=f"number of currencies, 1 to {len(CURRENCIES)} (default "
                               f"{DEFAULT_CURRENCIES}: "
                               f"{', '.join(c.code for c in CURRENCIES[:DEFAULT_CURRENCIES])})")
    generate.add_argument("--invoices", metavar="N", nargs="?", const="",
                          help="add seeded invoices in every status, N of them (default with "
                               "the flag alone: one per 20 affiliates, at least 5)")
    generate.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    generate.set_defaults(run=generate_command)
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
        return _parsed(value, flag, parse)
    if env.get(ENV_PREFIX + name):
        return _parsed(env[ENV_PREFIX + name], ENV_PREFIX + name, parse)
    return default


def _parsed(raw: str, source: str, parse: Callable[[str], Any]) -> Any:
    """Parse raw, or raise UsageError naming where it came from."""
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

    # Before _prepare, which would create the database file for a server that cannot start.
    problem = _listen_problem(host, port)
    if problem is not None:
        print(f"mock-affise: not serving: {problem}", file=sys.stderr)
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


def _listen_problem(host: str, port: int) -> str | None:
    """Say why serve cannot listen on host and port, and which option to change; else None."""
    import errno

    from .serving import bind_address, listen_error

    error = listen_error(host, port)
    if error is None:
        return None
    if error.errno == errno.EADDRINUSE:
        return (f"port {port} is already in use on {host}; pick another port with --port or "
                f"{ENV_PREFIX}PORT (0 picks any free one)")
    return (f"cannot listen on {bind_address(host, port)}: {error.strerror or error}; check "
            f"--host ({ENV_PREFIX}HOST) and --port ({ENV_PREFIX}PORT)")


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
    except (ModuleNotFoundError, SQLAlchemyError) as exc:
        print(f"mock-affise: {_cannot_use(settings['DATABASE_URL'], exc)}", file=sys.stderr)
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


def _cannot_use(url: str, error: Exception) -> str:
    """Say in one line why the database at url cannot be used."""
    if isinstance(error, ModuleNotFoundError):
        return (f"cannot use {_shown(url)}: its driver ({error.name}) is not installed; for "
                "PostgreSQL install mock-affise[postgres] and write the URL as "
                "postgresql+psycopg://...")
    reason = " ".join(str(getattr(error, "orig", None) or error).split())
    return f"cannot use {_shown(url)}: {reason}"


def _tenant_count(db: Any) -> int:
    from sqlalchemy import func, select

    from .models import Tenant

    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Tenant)) or 0


# ----------------------------------------------------------------------------- export


class NothingToExport(Exception):
    """The database holds no tenant to export (or not the one asked for)."""


def export_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Print a tenant's state as a fixture document; 1 when there is none to print."""
    database = _option(args.database, env, "DATABASE_URL", "--database", SERVE_DATABASE_URL,
                       _database_url)
    tenant = _option(args.tenant, env, "TENANT", "--tenant", None,
                     _integer(1, None, "a tenant id"))
    try:
        document = export_database(database, tenant)
    except NothingToExport as exc:
        print(f"mock-affise: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    from .fixturegen import dump_fixture

    sys.stdout.write(dump_fixture(document).decode("utf-8"))
    sys.stdout.flush()
    return EXIT_OK


def export_database(url: str, tenant_id: int | None = None) -> dict[str, Any]:
    """Return a tenant's fixture document (the oldest tenant's without an id), reading only.

    Raise NothingToExport when the database is missing, empty or unusable, or lacks the tenant:
    exporting never creates a database file, a table or a tenant.
    """
    from sqlalchemy import func, inspect, select
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from .db import Database, is_memory_url
    from .fixtures import export_tenant
    from .models import Tenant

    shown = _shown(url)
    if is_memory_url(url):
        raise NothingToExport(f"nothing to export: an in-memory database ({shown}) starts empty; "
                              "give the --database of the mock to export")
    parsed = make_url(url)
    # SQLite creates a missing file on connect: look before connecting.
    if parsed.get_backend_name() == "sqlite" and not parsed.query.get("uri") and \
            not Path(parsed.database).exists():
        raise NothingToExport(f"nothing to export: no database file {parsed.database} ({shown})")
    try:
        db = Database(url)
        try:
            with db.transaction() as session:
                if not inspect(session.connection()).has_table(Tenant.__tablename__):
                    raise NothingToExport(f"nothing to export: {shown} holds no mock-affise data")
                if tenant_id is None:
                    tenant_id = session.scalar(select(func.min(Tenant.id)))
                    if tenant_id is None:
                        raise NothingToExport(f"nothing to export: {shown} holds no tenant")
                tenant = session.get(Tenant, tenant_id)
                if tenant is None:
                    raise NothingToExport(f"no tenant {tenant_id} in {shown}")
                return export_tenant(session, tenant)
        finally:
            db.dispose()
    except (ModuleNotFoundError, SQLAlchemyError) as exc:
        raise NothingToExport(_cannot_use(url, exc)) from None


# ----------------------------------------------------------------------------- generate-fixture


def generate_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Write a generated fixture document to stdout, or to --output."""
    from .fixturegen import dump_fixture, generate_fixture

    affiliates = _parsed(args.affiliates, "--affiliates",
                         _integer(1, None, "a number of affiliates"))
    conversions = _parsed(args.conversions, "--conversions",
                          _integer(0, None, "a number of conversions"))
    seed = _parsed(args.seed, "--seed", _integer(0, None, "a seed"))
    currencies = DEFAULT_CURRENCIES if args.currencies is None else _parsed(
        args.currencies, "--currencies", _integer(1, len(CURRENCIES), "a number of currencies"))
    if args.invoices is None:
        invoices = 0
    elif args.invoices == "":
        invoices = max(5, affiliates // 20)
    else:
        invoices = _parsed(args.invoices, "--invoices", _integer(0, None, "a number of invoices"))
    data = dump_fixture(generate_fixture(affiliates, conversions, seed, currencies, invoices))
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return EXIT_OK
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"mock-affise: cannot write {args.output} ({exc.strerror})", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
