"""The import command: read an Affise network (GET only) and write it as a fixture document."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, import_settings
from . import (
    EXIT_KEY_REFUSED,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_UNREACHABLE,
    UsageError,
)

if TYPE_CHECKING:
    from ..importer import AffiseReader, Checkpoint, Imported, Scope

# setting -> (flag, the argparse attribute it lands in); a command without the flag reads None
FLAGS = {"AFFISE_URL": ("--url", "url"), "AFFISE_KEY": ("--key", "key"),
         "RATE": ("--rate", "rate"), "TIMEOUT": ("--timeout", "timeout"),
         "RETRIES": ("--retries", "retries"), "PAGE_SIZE": ("--page-size", "page_size"),
         "WINDOW_DAYS": ("--window-days", "window_days"), "MOCK_URL": ("--mock", "mock"),
         "MOCK_KEY": ("--mock-key", "mock_key")}
DEFAULT_PERIOD_DAYS = 90
Settings = Callable[[Mapping[str, Any], Mapping[str, str], Mapping[str, str]], dict[str, Any]]


def reader_settings(args: argparse.Namespace, env: Mapping[str, str],
                    read: Settings = import_settings) -> dict[str, Any]:
    """The settings from flags and MOCK_AFFISE_*; the Affise URL and key are required."""
    flags = {name: getattr(args, attribute, None) for name, (_, attribute) in FLAGS.items()}
    try:
        settings = read(flags, {name: flag for name, (flag, _) in FLAGS.items()}, env)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    for name in ("AFFISE_URL", "AFFISE_KEY"):
        if settings[name] is None:
            raise UsageError(f"{FLAGS[name][0]} is required (or MOCK_AFFISE_{name})")
    return settings


def period(args: argparse.Namespace, now: datetime,
           days: int = DEFAULT_PERIOD_DAYS) -> tuple[date, date]:
    """--from and --to as dates: default the `days` days up to the day of now."""
    date_to = _day(args.date_to, "--to") if args.date_to else now.date()
    date_from = _day(args.date_from, "--from") if args.date_from else \
        date_to - timedelta(days=days - 1)
    if date_from > date_to:
        raise UsageError(f"--from {date_from} is after --to {date_to}")
    return date_from, date_to


def moment(raw: str | None) -> datetime:
    """--now as a timestamp (default: the host's UTC time)."""
    from ..clock import host_now, parse_timestamp

    if raw is None:
        return host_now()
    try:
        return parse_timestamp(raw)
    except ValueError:
        raise UsageError(f"--now: must be YYYY-MM-DD HH:MM:SS, got {raw!r}") from None


def _day(raw: str, flag: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise UsageError(f"{flag}: must be a date in YYYY-MM-DD format, got {raw!r}") from None


def _affiliates(raw: str | None) -> tuple[int, ...] | None:
    from ..numbers import NumberError, parse_int

    if raw is None:
        return None
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    try:
        ids = {parse_int(part, minimum=1) for part in parts}
    except NumberError:
        ids = set()
    if not ids:
        raise UsageError(f"--affiliates: must be affiliate ids separated by commas, got {raw!r}")
    return tuple(sorted(ids))


def _output(raw: str | None) -> Path | None:
    """--output as a path whose folder exists and is writable (checked before any request)."""
    if raw is None:
        return None
    output = Path(raw)
    folder = output.parent
    if output.is_dir():
        raise UsageError(f"--output: {raw!r} is a folder; name a file in it")
    if not folder.is_dir():
        raise UsageError(f"--output: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--output: the folder {str(folder)!r} is not writable")
    return output


class ProgressBar:
    """A progress bar on stderr counting what was read, per kind (tqdm; off when not a tty)."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.counts: dict[str, int] = {}
        self._bar = tqdm(file=sys.stderr, unit=" objects", desc="importing", disable=None,
                         leave=False)

    def __call__(self, kind: str, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count
        self._bar.update(count)
        # Drawn on every page: a few a second at the polite rate.
        self._bar.set_postfix_str(", ".join(f"{k} {v}" for k, v in self.counts.items()))

    def close(self) -> None:
        self._bar.close()


def import_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Import the network; write the document; print a summary on stderr."""
    from ..importer import (
        AffiseReader,
        Anonymizer,
        Checkpoint,
        KeyRefused,
        ReadFailed,
        Scope,
        import_network,
    )

    settings = reader_settings(args, env)
    now = moment(args.now)
    date_from, date_to = period(args, now)
    scope = Scope(date_from, date_to, _affiliates(args.affiliates), settings["PAGE_SIZE"],
                  settings["WINDOW_DAYS"])
    output = _output(args.output)
    checkpoint = None
    if output is not None:
        asked = {"url": settings["AFFISE_URL"], "from": str(date_from), "to": str(date_to),
                 "affiliates": scope.affiliates, "window_days": scope.window_days}
        checkpoint = Checkpoint(output.with_name(output.name + ".partial"), asked)
    anonymizer = None
    if args.anonymize:
        secret = settings["ANONYMIZE_SECRET"] or "mock-affise:" + hashlib.sha256(
            settings["AFFISE_KEY"].encode()).hexdigest()
        anonymizer = Anonymizer(secret.encode())
    progress = ProgressBar()
    reader = AffiseReader(settings["AFFISE_URL"], settings["AFFISE_KEY"],
                          rate=settings["RATE"], timeout=settings["TIMEOUT"],
                          retries=settings["RETRIES"])
    try:
        imported = import_network(reader, scope, now, progress, checkpoint=checkpoint,
                                  anonymizer=anonymizer)
    except KeyRefused as exc:
        return _failed(exc, EXIT_KEY_REFUSED, checkpoint)
    except ReadFailed as exc:
        return _failed(exc, EXIT_UNREACHABLE, checkpoint)
    finally:
        progress.close()
        reader.close()
    return _write(imported, output, checkpoint, reader, scope)


def _failed(error: Exception, code: int, checkpoint: Checkpoint | None) -> int:
    print(f"mock-affise: import failed: {error}", file=sys.stderr)
    if checkpoint is not None and checkpoint.path.exists():
        print(f"mock-affise: the windows read so far are kept in {checkpoint.path}; the same "
              "command resumes from there", file=sys.stderr)
    return code


def _write(imported: Imported, output: Path | None, checkpoint: Checkpoint | None,
           reader: AffiseReader, scope: Scope) -> int:
    from ..fixturegen import dump_fixture
    from ..fixtures import FixtureError, validate
    from ..importer import UNKNOWABLE

    try:
        validate(imported.document)
    except FixtureError as exc:
        print("mock-affise: the imported document does not load; nothing written:",
              file=sys.stderr)
        for problem in exc.problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    data = dump_fixture(imported.document)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            print(f"mock-affise: cannot write {output} ({exc.strerror})", file=sys.stderr)
            return EXIT_PROBLEMS
        if checkpoint is not None:
            checkpoint.finish()
    _summary(imported, reader, scope, output, UNKNOWABLE)
    return EXIT_OK


def _summary(imported: Imported, reader: AffiseReader, scope: Scope, output: Path | None,
             unknowable: tuple[str, ...]) -> None:
    document = imported.document
    lines = [f"imported {reader.base_url}, {scope.date_from} to {scope.date_to}"
             + (f" -> {output}" if output else "")]
    for section in ("currencies", "payment_systems", "managers", "affiliates", "offers",
                    "conversions", "payments", "corrections", "advertisers",
                    "advertiser_invoices"):
        lines.append(f"  {section.replace('_', ' ')}: {len(document.get(section, []))}")
    lines.append(f"  requests: {reader.requests} (GET only), retried: {reader.retried}")
    if imported.notes:
        lines.append("this network's answers left out or contradicted:")
        lines.extend(f"  - {note}" for note in imported.notes)
    lines.append("what Affise's read API does not show (the fixture takes a default):")
    lines.extend(f"  - {item}" for item in unknowable)
    print("\n".join(lines), file=sys.stderr)
