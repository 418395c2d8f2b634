"""The mock-affise command: serve the mock, export a tenant, check and generate fixtures, import
a real network, and compare Affise's answers with the mock's (drift).

This module declares the flags; mock_affise.commands runs them. Every serve, export, import and
drift option is also read from MOCK_AFFISE_<NAME> in the environment, by mock_affise.config: a
flag the user typed wins over the environment, which wins over the default; an empty variable
counts as unset. generate-fixture reads flags only.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
from collections.abc import Sequence

from .commands import EXIT_USAGE, UsageError
from .commands.documents import DEFAULT_CURRENCIES, generate_command, validate_command
from .commands.drift import DEFAULT_PERIOD_DAYS as DRIFT_PERIOD_DAYS
from .commands.drift import drift_command
from .commands.export import export_command
from .commands.importing import DEFAULT_PERIOD_DAYS, import_command
from .commands.serve import serve_command
from .config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WORKERS,
    ENV_PREFIX,
    SERVE_DATABASE_URL,
)
from .fixturegen import CURRENCIES, NOW, format_timestamp


def run() -> None:
    """The mock-affise command: main(), and an exit without a last walk of the heap.

    At exit, the interpreter's garbage collector walks every object of the process it is about
    to free anyway: 0.27 s in a process that has built the app (0.02 s once frozen), paid by
    serve's master and by each worker when they stop. atexit runs this last.
    """
    atexit.register(gc.freeze)
    sys.exit(main())


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
    serve.add_argument("--fresh", action="store_true",
                       help="delete the SQLite database file and its side files first, so the "
                            "mock starts again from the fixture")
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

    reading = commands.add_parser(
        "import", help="read an Affise network (GET only) into a fixture document",
        description="Read a network through Affise's read-only routes and write a fixture "
                    "document that seeds a tenant reproducing its billing state. Only GET "
                    "requests are sent; the key is never printed or stored. Exit status: 0 "
                    "written, 1 the document would not load or cannot be written, 2 a bad "
                    "option, 3 the key was refused, 4 Affise failed every retry.")
    _reader_flags(reading, DEFAULT_PERIOD_DAYS)
    reading.add_argument("--affiliates", metavar="ID,...",
                         help="only these affiliates (and the ones they refer to)")
    reading.add_argument("--anonymize", action="store_true",
                         help="replace emails, names, logins, payment accounts and API keys "
                              "with deterministic stand-ins (keyed by "
                              f"${ENV_PREFIX}ANONYMIZE_SECRET, default derived from the key)")
    reading.add_argument("--window-days", metavar="N",
                         help=f"days of conversions per window (${ENV_PREFIX}WINDOW_DAYS, "
                              "default 7); each finished window is kept in FILE.partial so a "
                              "broken run resumes")
    reading.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    reading.set_defaults(run=import_command)

    drift = commands.add_parser(
        "drift", help="compare the shapes of Affise's answers with the mock's",
        description="Call the same read-only operations (GET only) on Affise and on a mock and "
                    "compare the answers' shapes: keys, types, nullability, the envelope, and "
                    "the status codes of a few deliberate errors. Without --mock, a mock seeded "
                    "by an import of the same network is started for the run. Exit status: 0 "
                    "no differences, 1 differences, 2 a bad option, 3 a key was refused, 4 a "
                    "side failed every retry.")
    _reader_flags(drift, DRIFT_PERIOD_DAYS)
    drift.add_argument("--mock", metavar="URL",
                       help=f"the mock to compare with (${ENV_PREFIX}MOCK_URL; default: start "
                            "one, seeded by importing the network)")
    drift.add_argument("--mock-key", metavar="KEY",
                       help=f"an admin key of that mock (${ENV_PREFIX}MOCK_KEY)")
    drift.add_argument("--json", action="store_true",
                       help="print the report as JSON instead of a table")
    drift.set_defaults(run=drift_command)
    return parser


def _reader_flags(parser: argparse.ArgumentParser, period_days: int) -> None:
    """The flags import and drift share: which network, which period, how politely to read."""
    parser.add_argument("--from", dest="date_from", metavar="DATE",
                        help="first day (YYYY-MM-DD) of the conversions and invoices read "
                             f"(default {period_days} days up to --to)")
    parser.add_argument("--to", dest="date_to", metavar="DATE",
                        help="last day (YYYY-MM-DD), inclusive (default the day of --now)")
    parser.add_argument("--now", metavar="TIMESTAMP",
                        help="the imported document's frozen clock, YYYY-MM-DD HH:MM:SS "
                             "(default now, UTC)")
    parser.add_argument("--url", metavar="URL",
                        help=f"the network's API, e.g. https://api-NETWORK.affise.com "
                             f"(${ENV_PREFIX}AFFISE_URL)")
    parser.add_argument("--key", metavar="KEY",
                        help=f"an admin API key (${ENV_PREFIX}AFFISE_KEY, which keeps it out "
                             "of the process list)")
    parser.add_argument("--rate", metavar="N",
                        help=f"requests a second at most (${ENV_PREFIX}RATE, default 4)")
    parser.add_argument("--timeout", metavar="SECONDS",
                        help=f"per request (${ENV_PREFIX}TIMEOUT, default 30)")
    parser.add_argument("--retries", metavar="N",
                        help=f"retries of a timeout, dropped connection, 429 or 5xx, with "
                             f"backoff (${ENV_PREFIX}RETRIES, default 5)")
    parser.add_argument("--page-size", metavar="N",
                        help=f"objects a page, 1 to 100 (${ENV_PREFIX}PAGE_SIZE, default 100)")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mock-affise")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    run()
