"""The mock-affise command: serve the mock, export a tenant, check and generate fixtures.

This module declares the flags; mock_affise.commands runs them. Every serve and export option is
also read from MOCK_AFFISE_<NAME> in the environment, by mock_affise.config: a flag the user
typed wins over the environment, which wins over the default; an empty variable counts as unset.
generate-fixture reads flags only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .commands import EXIT_USAGE, UsageError
from .commands.documents import DEFAULT_CURRENCIES, generate_command, validate_command
from .commands.export import export_command
from .commands.serve import serve_command
from .config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WORKERS,
    ENV_PREFIX,
    SERVE_DATABASE_URL,
)
from .fixturegen import CURRENCIES, NOW, format_timestamp


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
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mock-affise")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
