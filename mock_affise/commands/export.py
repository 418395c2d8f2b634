"""The export command: print a tenant's state as a fixture document, reading the database only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import ConfigError, export_settings
from . import EXIT_OK, EXIT_PROBLEMS, UsageError, cannot_use, shown

FLAGS = {"DATABASE_URL": "--database", "TENANT": "--tenant"}


class NothingToExport(Exception):
    """The database holds no tenant to export (or not the one asked for)."""


def export_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Print a tenant's state as a fixture document; 1 when there is none to print."""
    try:
        settings = export_settings({"DATABASE_URL": args.database, "TENANT": args.tenant},
                                   FLAGS, env)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        document = export_database(settings["DATABASE_URL"], settings["TENANT"])
    except NothingToExport as exc:
        print(f"mock-affise: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    from ..fixturegen import dump_fixture

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

    from ..db import Database
    from ..engines import is_memory_url
    from ..fixtures import export_tenant
    from ..models import Tenant

    name = shown(url)
    if is_memory_url(url):
        raise NothingToExport(f"nothing to export: an in-memory database ({name}) starts empty; "
                              "give the --database of the mock to export")
    parsed_url = make_url(url)
    # SQLite creates a missing file on connect: look before connecting.
    if parsed_url.get_backend_name() == "sqlite" and not parsed_url.query.get("uri") and \
            not Path(parsed_url.database).exists():
        raise NothingToExport(
            f"nothing to export: no database file {parsed_url.database} ({name})")
    try:
        db = Database(url)
        try:
            with db.transaction() as session:
                if not inspect(session.connection()).has_table(Tenant.__tablename__):
                    raise NothingToExport(f"nothing to export: {name} holds no mock-affise data")
                if tenant_id is None:
                    tenant_id = session.scalar(select(func.min(Tenant.id)))
                    if tenant_id is None:
                        raise NothingToExport(f"nothing to export: {name} holds no tenant")
                tenant = session.get(Tenant, tenant_id)
                if tenant is None:
                    raise NothingToExport(f"no tenant {tenant_id} in {name}")
                return export_tenant(session, tenant)
        finally:
            db.dispose()
    except (ModuleNotFoundError, SQLAlchemyError) as exc:
        raise NothingToExport(cannot_use(url, exc)) from None
