"""The serve command: prepare the database once, print where the mock listens, run gunicorn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..config import ENV_PREFIX, SERVE_DATABASE_URL, ConfigError, serve_settings
from . import EXIT_OK, EXIT_PROBLEMS, UsageError, cannot_use, shown
from .documents import fixture_problems

FLAGS = {"HOST": "--host", "PORT": "--port", "WORKERS": "--workers",
         "DATABASE_URL": "--database", "FIXTURES": "--fixtures"}
LISTENING = ("HOST", "PORT", "WORKERS")
# Beside an SQLite file the mock keeps its write-ahead log and shared memory (SQLite's) and its
# own cross-process files (filelocks.py, harness/deferred.py): all are named after the database file.
SIDE_FILE_PATTERNS = ("-wal", "-shm", "-mock-*")


def serve_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Prepare the database once, print where the mock listens and its admin key, serve."""
    from ..engines import is_memory_url

    flags = {name: getattr(args, flag.lstrip("-")) for name, flag in FLAGS.items()}
    try:
        settings = serve_settings(flags, FLAGS, env)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    host, port, workers = (settings.pop(name) for name in LISTENING)
    database, fixtures = settings["DATABASE_URL"], settings["FIXTURES"]
    memory = is_memory_url(database)
    if memory and workers > 1:
        raise UsageError(
            f"an in-memory database ({database}) lives inside one process, so {workers} workers "
            "would each serve a different one; use --workers 1, or a file database such as "
            f"--database {SERVE_DATABASE_URL}")
    if args.fresh and not memory:
        _remove_database(database)

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
        print(f"database: {shown(database)} ({note})", flush=True)
        # The dashboard's line first: a reader waiting for the key line has both.
        print(f"dashboard: {url}/_mock/ui/", flush=True)
        print(f"admin API key: {keys['admin'] if keys else '(none)'}", flush=True)

    from ..serving import serve

    serve(app_factory, host, port, workers, preload=memory, when_ready=announce)
    return EXIT_OK


def _listen_problem(host: str, port: int) -> str | None:
    """Say why serve cannot listen on host and port, and which option to change; else None."""
    import errno

    from ..serving import bind_address, listen_error

    error = listen_error(host, port)
    if error is None:
        return None
    if error.errno == errno.EADDRINUSE:
        return (f"port {port} is already in use on {host}; pick another port with --port or "
                f"{ENV_PREFIX}PORT (0 picks any free one)")
    return (f"cannot listen on {bind_address(host, port)}: {error.strerror or error}; check "
            f"--host ({ENV_PREFIX}HOST) and --port ({ENV_PREFIX}PORT)")


def database_files(url: str) -> list[Path]:
    """Return the SQLite file url names and every side file beside it that exists now."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise UsageError(f"--fresh removes an SQLite database file; {shown(url)} is not one "
                         "(empty a server database with its own tools)")
    path = Path(parsed.database)
    found = [path] if path.exists() else []
    for pattern in SIDE_FILE_PATTERNS:
        found += sorted(path.parent.glob(path.name + pattern))
    return found


def _remove_database(url: str) -> None:
    """Delete the SQLite database at url and its side files, so serve starts from the seed."""
    for path in database_files(url):
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise UsageError(f"--fresh: cannot remove {path} ({exc.strerror})") from None


def _prepare(settings: dict[str, Any], memory: bool) -> tuple[Callable[[], Any], Any, str] | None:
    """Create and seed the database once, here, before any worker exists.

    Return the workers' app factory, the first tenant's keys and a note for the banner, or None
    after printing why the database cannot be used.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .. import create_app
    from ..config import default_fixture_path
    from ..db import Database
    from ..fixtures import FixtureError
    from ..harness.tenants import first_tenant_keys, prepare_database

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
        print(f"mock-affise: {cannot_use(settings['DATABASE_URL'], exc)}", file=sys.stderr)
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

    from ..models import Tenant

    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Tenant)) or 0
