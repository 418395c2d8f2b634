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
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, func, select, text
from sqlalchemy.orm import Session

from ..clock import host_now, parse_timestamp
from ..db import driver_row, insert_returning_id, run_driver
from ..errors import LimitReached
from ..fixtures import document_digest
from ..models import SNAPSHOT_TABLES, Snapshot, Tenant
from ..network.keys import assign_keys
from . import copies, snapshots

OWNER = 0  # templates are snapshots of no tenant: tenant ids start at 1
PREFIX = "__template__"
KEPT = 32  # templates one database keeps; the oldest goes first
# PostgreSQL advisory lock held while a template is kept: two first tenants of one document,
# made at once, must not both keep it.
_KEEPING_LOCK = 7_204_121


@functools.cache
def _schema_tag() -> str:
    """Tell template rows of another column layout apart (a database kept across versions)."""
    layout = ";".join(f"{shadow.name}:{','.join(shadow.c.keys())}"
                      for shadow in SNAPSHOT_TABLES.values())
    return hashlib.sha256(layout.encode()).hexdigest()[:12]


def template_key(document: Any) -> str | None:
    """Return the name of document's template, or None when it can have none (no `now`)."""
    if not isinstance(document, Mapping) or not document.get("now"):
        return None
    with _KEYS_LOCK:  # the configured document is one object, read once per file version
        known = _KEYS.get(id(document))
        if known is not None and known[0] is document:
            return known[1]
    digest = document_digest(document)
    key = None if digest is None else f"{PREFIX}{_schema_tag()}:{digest}"
    with _KEYS_LOCK:
        _KEYS[id(document)] = (document, key)
        while len(_KEYS) > _KEYS_KEPT:
            _KEYS.popitem(last=False)
    return key


# Recent documents' keys by object: a digest walks the whole document (2 ms for the default).
# Only the configured document comes back as the same object, and nothing changes it.
_KEYS: OrderedDict[int, tuple[Any, str | None]] = OrderedDict()
_KEYS_LOCK = threading.Lock()
_KEYS_KEPT = 8


def _template(session: Session, key: str) -> Snapshot | None:
    return session.scalar(select(Snapshot).where(Snapshot.tenant_id == OWNER,
                                                 Snapshot.name == key))


def _find_statement() -> Select:
    snapshots_table = Snapshot.__table__
    return select(snapshots_table.c.id, snapshots_table.c.state).where(
        snapshots_table.c.tenant_id == OWNER, snapshots_table.c.name == bindparam("name"))


def _count_statement() -> Select:
    return select(func.count()).select_from(Tenant.__table__)


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
    return insert_returning_id(Tenant.__table__, ("clock_frozen", "clock_base", "clock_anchor",
                                                  "settings", *snapshots.COUNTERS))


def copy_template(session: Session, key: str,
                  limit: int | None = None) -> dict[str, Any] | None:
    """Make a tenant as a copy of template key; return its id and API keys, as POST
    /_mock/tenants answers them, or None when there is no such template.

    Refused once the server holds limit tenants (MAX_TENANTS). Every statement is prepared
    once (see db.driver_statement): a test suite makes a tenant per test.
    """
    template = driver_row(session, _find_statement, {"name": key})
    if template is None:
        return None
    if limit is not None and run_driver(session, _count_statement, {})[0].fetchone()[0] >= limit:
        raise LimitReached("tenants", limit, "MAX_TENANTS")
    state = template["state"]
    now = parse_timestamp(state["now"])
    tenant_id = session.connection().execute(_new_tenant(), {
        "clock_frozen": state["frozen"], "clock_base": now, "clock_anchor": host_now(),
        "settings": dict(state.get("settings") or {}),
        **{name: state[name] for name in snapshots.COUNTERS}}).scalar_one()
    statements = copies.of(session)
    copies.run(session, statements.fresh_keys, {"tenant": tenant_id, "snapshot": template["id"]})
    holders = {}
    for table, build in _HOLDERS.items():
        cursor, read = run_driver(session, build, {"snapshot": template["id"]})
        holders[table] = [read.row(held) for held in cursor.fetchall()]
    assign_keys(session, [held for rows in holders.values() for held in rows])
    for table, rows in holders.items():
        copies.run_many(session, statements.set_keys[table],
                        [{"tenant": tenant_id, "id": held["id"], "api_key": held["api_key"]}
                         for held in rows])
    snapshots.save_state(session, tenant_id, snapshots.SEED, now, state)
    return keys_answer(tenant_id, holders["managers"], holders["affiliates"])


def keys_answer(tenant_id: int, managers: Iterable[Mapping[str, Any]],
                affiliates: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Return a tenant's id and API keys as POST /_mock/tenants answers them, from its
    managers (id, role, api_key) and affiliates (id, api_key)."""
    managers = sorted(managers, key=lambda held: held["id"])
    affiliates = sorted(affiliates, key=lambda held: held["id"])
    return {"tenant": tenant_id, "api_keys": {
        "admin": next((m["api_key"] for m in managers if m["role"] == "admin"), None),
        "managers": {m["id"]: m["api_key"] for m in managers},
        "affiliates": {str(a["id"]): a["api_key"] for a in affiliates}}}


def keep_template(session: Session, key: str, tenant: Tenant,
                  named: Mapping[str, Mapping[Any, str | None]]) -> None:
    """Keep tenant's seed (just made from the document) as template key, unless one is kept.

    named: by holder table, each holder's key as the document names it (None: no key named).
    """
    if session.get_bind().dialect.name == "postgresql":  # SQLite writes one at a time already
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _KEEPING_LOCK})
    if _template(session, key) is not None:
        return
    held = list(session.scalars(select(Snapshot.id).where(Snapshot.tenant_id == OWNER)
                                .order_by(Snapshot.id.desc()).offset(KEPT - 1)))
    for old in held:
        copies.run(session, copies.of(session).drop_snapshot, {"snapshot": old})
        session.delete(session.get(Snapshot, old))
    seed = session.scalar(select(Snapshot).where(Snapshot.tenant_id == tenant.id,
                                                 Snapshot.name == snapshots.SEED))
    template = Snapshot(tenant_id=OWNER, name=key, created_at=seed.created_at,
                        state=dict(seed.state))
    session.add(template)
    session.flush()
    statements = copies.of(session)
    # The template holds the keys the document names, not those the tenant got.
    copies.run(session, statements.clone + statements.forget_template_keys,
               {"source": seed.id, "snapshot": template.id})
    for table, keys in named.items():
        copies.run_many(session, statements.set_template_keys[table],
                        [{"snapshot": template.id, "id": holder, "key": named_key}
                         for holder, named_key in keys.items() if named_key])

