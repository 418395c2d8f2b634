"""Tenant templates: a document's seed kept once, then copied set-based into each new tenant.

A test suite makes a tenant per test from one or a few documents. Seeding one (validation, a
deep copy of the loaded document, an insert per table through SQLAlchemy) took most of the
time a test spent making its tenant. The first tenant made from a document is seeded; its seed
is then kept as the document's template, a snapshot owned by no tenant, holding the keys the
document names (none where it names none). Every later tenant from that document is a copy of
the template: one INSERT ... SELECT a table, then each key holder's key set by the one rule for
a document's keys (network.keys.assign_keys: kept while no one holds it, else fresh).

Only documents with a `now` have a template: without one, the seeded dates are the host's at
seeding, so each tenant must be seeded anew. A template's rows are the same whatever tenant it
came from, so one made by another process (or before a restart) serves as well.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, func, select
from sqlalchemy.orm import Session

from ..clock import host_now, parse_timestamp
from ..driver import driver_records, driver_row, driver_tuples
from ..entities import insert_row, parameters_insert
from ..errors import LimitReached
from ..fixtures import document_digest
from ..models import SNAPSHOT_TABLES, Snapshot, Tenant
from ..network.keys import assign_keys
from . import copies, snapshots

OWNER = 0  # templates are snapshots of no tenant: tenant ids start at 1
PREFIX = "__template__"
KEPT = 32  # templates one database keeps; the oldest goes first


@functools.cache
def _schema_tag() -> str:
    """Tell templates apart by what made them: the tables' columns, the tenant's counters, and
    the code that validates and seeds a document (a database outlives the code that wrote it)."""
    from .. import fixtures
    from ..network import keys

    made_by = [f"{table.name}:{','.join(table.c.keys())}"
               for table in (Tenant.__table__, *SNAPSHOT_TABLES.values())]
    made_by.append(",".join(snapshots.COUNTERS))
    sources = sorted(Path(fixtures.__file__).parent.glob("*.py")) + [Path(keys.__file__)]
    made_by += [source.read_text(encoding="utf-8") for source in sources]
    return hashlib.sha256("\n".join(made_by).encode()).hexdigest()[:12]


def template_key(document: Any) -> str | None:
    """Return the name of document's template, or None when it can have none (no `now`)."""
    if not isinstance(document, Mapping) or not document.get("now"):
        return None
    digest = document_digest(document)
    return None if digest is None else f"{PREFIX}{_schema_tag()}:{digest}"


def _find_statement() -> Select:
    snapshots_table = Snapshot.__table__
    return select(snapshots_table.c.id, snapshots_table.c.state).where(
        snapshots_table.c.tenant_id == OWNER, snapshots_table.c.name == bindparam("name"))


def _count_statement() -> Select:
    return select(func.count()).select_from(Tenant.__table__)


def refuse_past_limit(session: Session, limit: int | None) -> None:
    """Refuse a new tenant, seeded or copied, once the server holds limit (MAX_TENANTS)."""
    if limit is not None and driver_tuples(session, _count_statement, {})[0][0] >= limit:
        raise LimitReached("tenants", limit, "MAX_TENANTS")


def _holders_statement(shadow: Table) -> Callable[[], Select]:
    def build() -> Select:
        picked = [shadow.c.id, shadow.c.api_key]
        if "role" in shadow.c:
            picked.append(shadow.c.role)
        return select(*picked).where(shadow.c.snapshot_id == bindparam("snapshot"))
    return build


_HOLDERS = {live.name: _holders_statement(shadow) for live, shadow in copies.KEY_SHADOWS.items()}


@functools.cache
def _new_tenant() -> Insert:
    return parameters_insert(Tenant.__table__, ("clock_frozen", "clock_base", "clock_anchor",
                                                "settings", *snapshots.COUNTERS))


def copy_template(session: Session, key: str,
                  limit: int | None = None) -> dict[str, Any] | None:
    """Make a tenant as a copy of template key; return its id and API keys, as POST
    /_mock/tenants answers them, or None when there is no such template.

    Refused once the server holds limit tenants (MAX_TENANTS). Every statement is prepared
    once (see driver.driver_statement): a test suite makes a tenant per test.
    """
    copies.hold_templates(session, shared=True)
    template = driver_row(session, _find_statement, {"name": key})
    if template is None:
        return None
    refuse_past_limit(session, limit)
    state = {name: value for name, value in template["state"].items() if name != "order"}
    now = parse_timestamp(state["now"])
    tenant_id = insert_row(session, _new_tenant, {
        "clock_frozen": state["frozen"], "clock_base": now, "clock_anchor": host_now(),
        "settings": dict(state.get("settings") or {}),
        **{name: state[name] for name in snapshots.COUNTERS}})
    holders = {}
    for table, build in _HOLDERS.items():
        holders[table] = [held._asdict() for held in driver_records(
            session, build, {"snapshot": template["id"]})]
    assign_keys(session, [held for rows in holders.values() for held in rows])
    keys = {table: [[held["id"], held["api_key"]] for held in rows]
            for table, rows in holders.items()}
    copies.copy_in(session, tenant_id, template["id"], keys)
    # Its seed, for reset, is the template and these keys: no rows of its own.
    snapshots.save_reference(session, tenant_id, now, state, template["id"], keys)
    # Answered in the document's order, as its first tenant was (the first admin is "admin").
    order = template["state"].get("order", {})
    for table, rows in holders.items():
        position = {held: place for place, held in enumerate(order.get(table, ()))}
        rows.sort(key=lambda held: (position.get(held["id"], len(position)), held["id"]))
    return keys_answer(tenant_id, holders["managers"], holders["affiliates"])


def keys_answer(tenant_id: int, managers: Iterable[Mapping[str, Any]],
                affiliates: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Return a tenant's id and API keys as POST /_mock/tenants answers them, from its
    managers (id, role, api_key) and affiliates (id, api_key), in the order given."""
    managers, affiliates = list(managers), list(affiliates)
    return {"tenant": tenant_id, "api_keys": {
        "admin": next((m["api_key"] for m in managers if m["role"] == "admin"), None),
        "managers": {m["id"]: m["api_key"] for m in managers},
        "affiliates": {str(a["id"]): a["api_key"] for a in affiliates}}}


def keep_template(session: Session, key: str, tenant: Tenant,
                  named: Mapping[str, Mapping[Any, str | None]],
                  order: Mapping[str, list[Any]]) -> None:
    """Keep tenant's seed (just made from the document) as template key, unless one is kept.

    named: by holder table, each holder's key as the document names it (None: no key named);
    order: by holder table, the holders' ids in the order the tenant's answer listed them.
    """
    copies.hold_templates(session, shared=False)
    if driver_row(session, _find_statement, {"name": key}) is not None:
        return
    held = list(session.scalars(select(Snapshot.id).where(Snapshot.tenant_id == OWNER)
                                .order_by(Snapshot.id.desc()).offset(KEPT - 1)))
    for old in held:
        snapshots.part_from(session, old)
        copies.run(session, copies.of(session).drop_snapshot, {"snapshot": old})
        session.delete(session.get(Snapshot, old))
    seed = session.scalar(select(Snapshot).where(Snapshot.tenant_id == tenant.id,
                                                 Snapshot.name == snapshots.SEED))
    template = Snapshot(tenant_id=OWNER, name=key, created_at=seed.created_at,
                        state={**seed.state, "order": dict(order)})
    session.add(template)
    session.flush()
    statements = copies.of(session)
    # The template holds the keys the document names, not those the tenant got.
    copies.run(session, statements.clone + statements.forget_template_keys,
               {"source": seed.id, "snapshot": template.id})
    copies.set_snapshot_keys(session, template.id, {
        table: [(holder, key) for holder, key in keys.items() if key]
        for table, keys in named.items()})

