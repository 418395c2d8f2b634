"""The drift command: compare the shapes of Affise's answers with a mock's; 1 on differences."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..config import drift_settings
from . import EXIT_KEY_REFUSED, EXIT_OK, EXIT_PROBLEMS, EXIT_UNREACHABLE, UsageError
from .importing import moment, period, reader_settings

if TYPE_CHECKING:
    from ..importer import AffiseReader

DEFAULT_PERIOD_DAYS = 30


def drift_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Print the differences (a table, or JSON with --json); 1 when there are any."""
    from ..drift import probes, render_table, run_probes
    from ..importer import AffiseReader, KeyRefused, ReadFailed

    settings = reader_settings(args, env, drift_settings)
    if (settings["MOCK_URL"] is None) != (settings["MOCK_KEY"] is None):
        raise UsageError("--mock and --mock-key go together (or MOCK_AFFISE_MOCK_URL and "
                         "MOCK_AFFISE_MOCK_KEY)")
    now = moment(args.now)
    date_from, date_to = period(args, now, DEFAULT_PERIOD_DAYS)
    polite: dict[str, Any] = {"rate": settings["RATE"], "timeout": settings["TIMEOUT"],
                              "retries": settings["RETRIES"]}
    chosen = probes(date_from, date_to, settings["PAGE_SIZE"])
    try:
        with AffiseReader(settings["AFFISE_URL"], settings["AFFISE_KEY"], **polite) as affise, \
                _mock(settings, affise, date_from, date_to, now) as (url, key), \
                AffiseReader(url, key, **polite, name="the mock") as mock:
            report = run_probes(affise, mock, chosen)
    except KeyRefused as exc:
        print(f"mock-affise: drift failed: {exc}", file=sys.stderr)
        return EXIT_KEY_REFUSED
    except ReadFailed as exc:
        print(f"mock-affise: drift failed: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_table(report) + "\n")
    sys.stdout.flush()
    return EXIT_PROBLEMS if report.differences else EXIT_OK


@contextmanager
def _mock(settings: Mapping[str, Any], affise: AffiseReader, date_from: date, date_to: date,
          now: datetime) -> Iterator[tuple[str, str]]:
    """The mock to compare with: the one named, or one seeded by importing the network."""
    if settings["MOCK_URL"] is not None:
        yield settings["MOCK_URL"], settings["MOCK_KEY"]
        return
    from ..drift import started_mock
    from ..fixtures import FixtureError, validate
    from ..importer import Scope, import_network

    scope = Scope(date_from, date_to, None, settings["PAGE_SIZE"], settings["WINDOW_DAYS"])
    print("drift: importing the network to seed a mock...", file=sys.stderr)
    imported = import_network(affise, scope, now, lambda kind, count: None)
    try:
        validate(imported.document)
    except FixtureError as exc:
        raise UsageError("the network's import does not load into a mock ("
                         + "; ".join(exc.problems[:3]) + "); give --mock and --mock-key") \
            from None
    with started_mock(imported.document) as started:
        yield started
