"""The fixture-document commands: validate (check files) and generate-fixture (write one).

generate-fixture reads flags only: its output must follow from its command line alone (and
MOCK_AFFISE_SEED already means "seed the database").
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from ..config import bounded_integer
from ..fixturegen import CURRENCIES
from . import EXIT_OK, EXIT_PROBLEMS, parsed

DEFAULT_CURRENCIES = 3


def fixture_problems(path: str | Path) -> list[str]:
    """Return every problem of the fixture file at path, each starting with the file's name."""
    from ..fixtures import FixtureError, read_document, validate

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


def generate_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Write a generated fixture document to stdout, or to --output."""
    from ..fixturegen import dump_fixture, generate_fixture

    affiliates = parsed(args.affiliates, "--affiliates",
                        bounded_integer(1, None, "a number of affiliates"))
    conversions = parsed(args.conversions, "--conversions",
                         bounded_integer(0, None, "a number of conversions"))
    seed = parsed(args.seed, "--seed", bounded_integer(0, None, "a seed"))
    currencies = DEFAULT_CURRENCIES if args.currencies is None else parsed(
        args.currencies, "--currencies",
        bounded_integer(1, len(CURRENCIES), "a number of currencies"))
    if args.invoices is None:
        invoices = 0
    elif args.invoices == "":
        invoices = max(5, affiliates // 20)
    else:
        invoices = parsed(args.invoices, "--invoices",
                          bounded_integer(0, None, "a number of invoices"))
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
