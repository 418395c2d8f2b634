"""A tenant's rows moved set-based, one statement a table, on the session's driver connection.

Snapshots (save, restore), tenant templates and a tenant's drop each move every row a tenant
holds. Through the ORM, building and running each of those thirty-odd statements cost more than
the database took to do the work (a tenant made and dropped: 60 statements, 30 ms, most of it
in SQLAlchemy). Here each statement is written once per dialect, as the driver takes it, and
runs inside the session's transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from ..driver import driver_execute, driver_execute_many, native_sql
from ..models import (
    HARNESS_MODELS,
    SNAPSHOT_TABLES,
    Affiliate,
    Manager,
    Snapshot,
    Tenant,
)

# The tables of API key holders, each with its snapshot table.
KEY_SHADOWS = {model.__table__: SNAPSHOT_TABLES[model] for model in (Manager, Affiliate)}
KEY_HOLDERS = tuple(KEY_SHADOWS)

# A fresh random API key (32 hex characters) made by the database, per dialect.
_FRESH_KEY = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(gen_random_uuid()::text)",
}


@dataclass(frozen=True)
class Statements:
    """Every statement, with :tenant, :snapshot and :source parameters, in one dialect."""

    save: tuple[str, ...]  # the tenant's rows -> snapshot :snapshot
    restore: tuple[str, ...]  # snapshot :snapshot -> the tenant's rows, keys as saved
    # The same, each holder with a fresh random key of the database's making, for a template's
    # copy; the keys the holders are to have are then set by set_keys().
    fresh_keys: tuple[str, ...]
    clone: tuple[str, ...]  # snapshot :source's rows -> snapshot :snapshot
    clear: tuple[str, ...]  # delete the tenant's rows
    clear_harness: tuple[str, ...]  # delete the tenant's journal, fault rules and reports
    drop_snapshot: tuple[str, ...]  # delete snapshot :snapshot's rows
    drop_tenant_snapshots: tuple[str, ...]  # delete the rows of the tenant's snapshots
    drop_tenant: tuple[str, ...]  # then everything else the tenant holds but the tenant row
    drop_tenant_row: tuple[str, ...]  # then the tenant row
    set_keys: dict[str, str]  # by holder table: one holder's :api_key by :tenant and :id
    forget_template_keys: tuple[str, ...]  # every key of snapshot :snapshot made NULL
    set_template_keys: dict[str, str]  # by holder table: a key (:key) by :snapshot and :id


def _columns(table: Table) -> list[str]:
    return [column.name for column in table.columns]


@functools.cache
def statements(dialect: str) -> Statements:
    """Return the statements for dialect (sqlite, postgresql), written once per process."""
    save, restore, fresh_keys, clone, clear, drop_snapshot = [], [], [], [], [], []
    for model, shadow in SNAPSHOT_TABLES.items():
        live = model.__table__
        names = _columns(live)
        listed = ", ".join(names)
        save.append(f"INSERT INTO {shadow.name} (snapshot_id, {listed})"
                    f" SELECT :snapshot, {listed} FROM {live.name} WHERE tenant_id = :tenant")
        clone.append(f"INSERT INTO {shadow.name} (snapshot_id, {listed})"
                     f" SELECT :snapshot, {listed} FROM {shadow.name} WHERE snapshot_id = :source")
        for into, key in ((restore, "s.api_key"), (fresh_keys, _FRESH_KEY[dialect])):
            picked = ", ".join(":tenant" if name == "tenant_id"
                               else key if name == "api_key" and live in KEY_HOLDERS
                               else f"s.{name}" for name in names)
            into.append(f"INSERT INTO {live.name} ({listed})"
                        f" SELECT {picked} FROM {shadow.name} s WHERE s.snapshot_id = :snapshot")
        clear.append(f"DELETE FROM {live.name} WHERE tenant_id = :tenant")
        drop_snapshot.append(f"DELETE FROM {shadow.name} WHERE snapshot_id = :snapshot")
    snapshots = Snapshot.__table__.name
    drop_tenant_snapshots = [f"DELETE FROM {shadow.name} WHERE snapshot_id IN"
                             f" (SELECT id FROM {snapshots} WHERE tenant_id = :tenant)"
                             for shadow in SNAPSHOT_TABLES.values()]
    drop_tenant = [*clear, f"DELETE FROM {snapshots} WHERE tenant_id = :tenant"]
    harness = [f"DELETE FROM {model.__table__.name} WHERE tenant_id = :tenant"
               for model in HARNESS_MODELS]
    drop_tenant += harness

    def native(written: Iterable[str]) -> tuple[str, ...]:
        return tuple(native_sql(sql, dialect) for sql in written)

    set_keys = {live.name: native_sql(
        f"UPDATE {live.name} SET api_key = :api_key WHERE tenant_id = :tenant AND id = :id",
        dialect) for live in KEY_HOLDERS}
    forget = [f"UPDATE {shadow.name} SET api_key = NULL WHERE snapshot_id = :snapshot"
              for shadow in KEY_SHADOWS.values()]
    set_template_keys = {live.name: native_sql(
        f"UPDATE {shadow.name} SET api_key = :key WHERE snapshot_id = :snapshot AND id = :id",
        dialect) for live, shadow in KEY_SHADOWS.items()}
    return Statements(native(save), native(restore), native(fresh_keys), native(clone),
                      native(clear), native(harness), native(drop_snapshot),
                      native(drop_tenant_snapshots), native(drop_tenant),
                      native([f"DELETE FROM {Tenant.__table__.name} WHERE id = :tenant"]),
                      set_keys, native(forget), set_template_keys)


def run(session: Session, chosen: tuple[str, ...], params: Mapping[str, Any]) -> None:
    """Run each statement of chosen (from statements()) with params, in session's transaction."""
    session.flush()  # what the session holds goes first, as the ORM's own statements would
    for sql in chosen:
        driver_execute(session, sql, params)


def run_many(session: Session, sql: str, rows: list[Mapping[str, Any]]) -> None:
    """Run one statement once per row of parameters, in session's transaction."""
    if rows:
        session.flush()
        driver_execute_many(session, sql, rows)


def of(session: Session) -> Statements:
    """Return the statements for session's database."""
    return statements(session.get_bind().dialect.name)


def copy_in(session: Session, tenant_id: int, template_id: int,
            keys: Mapping[str, list[list[Any]]]) -> None:
    """Copy template template_id's rows into the tenant, each key holder given its key from
    keys (by holder table: [id, key] pairs): a template's copy, and a copy's reset."""
    chosen = of(session)
    run(session, chosen.fresh_keys, {"tenant": tenant_id, "snapshot": template_id})
    for table, held in keys.items():
        run_many(session, chosen.set_keys[table],
                 [{"tenant": tenant_id, "id": holder, "api_key": key} for holder, key in held])


def set_snapshot_keys(session: Session, snapshot_id: int,
                      keys: Mapping[str, Iterable[Sequence[Any]]]) -> None:
    """Give snapshot snapshot_id's key holders their keys (by holder table: [id, key] pairs):
    a template's keys as its document names them, a copy's seed's when its template goes."""
    chosen = of(session)
    for table, held in keys.items():
        run_many(session, chosen.set_template_keys[table],
                 [{"snapshot": snapshot_id, "id": holder, "key": key} for holder, key in held])


# PostgreSQL advisory lock on the templates: two first tenants of one document, made at once,
# must not both keep it, and a template must not be dropped (the oldest, past templates.KEPT)
# while a copy, or a copy's reset, reads it statement by statement.
_TEMPLATES_LOCK = 7_204_121


def hold_templates(session: Session, shared: bool) -> None:
    """On PostgreSQL, take the templates' lock: shared to copy one, whole to keep or drop one
    (SQLite writes one transaction at a time already). Taken before the keys' lock
    (network.keys), by copies and first seeds alike: the other order would deadlock them."""
    if session.get_bind().dialect.name == "postgresql":
        lock = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        session.execute(text(f"SELECT {lock}(:key)"), {"key": _TEMPLATES_LOCK})
