"""Tenants: isolated Affise networks in one server, made, reset and dropped."""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..clock import host_now
from ..config import default_fixture_path
from ..db import Database, lock_tenant
from ..errors import LimitReached, NotFound
from ..fixtures import create_tenant, read_document, seed_tenant, validate
from ..models import Manager, Snapshot, Tenant
from ..network import Page
from . import copies, snapshots, templates
from .config import seeded_settings


def configured_template(settings: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Return the document a tenant is made from when none is given (FIXTURES, else the
    default) and its template key (templates.template_key).

    Both worked out once per file version: the server makes many tenants from one file, and
    the key's digest walks the whole document.
    """
    path = Path(settings.get("FIXTURES") or default_fixture_path())
    try:
        stat = path.stat()
    except OSError:
        document = read_document(path)  # the read names the problem
        return document, templates.template_key(document)
    version = (str(path), stat.st_mtime_ns, stat.st_size)
    with _READ_LOCK:
        held = _READ.get(version[0])
    if held is None or held[0] != version:
        document = read_document(path)
        held = (version, document, templates.template_key(document))
        with _READ_LOCK:
            _READ[version[0]] = held
    return held[1], held[2]


# The configured documents by path: file version, document, template key.
_READ: dict[str, tuple[tuple[str, int, int], dict[str, Any], str | None]] = {}
_READ_LOCK = threading.Lock()


def new_tenant(session: Session, loaded: dict[str, Any], limit: int | None = None,
               template: str | None = None) -> dict[str, Any]:
    """Make a tenant from a validated fixture document (fixtures.validate's answer, made before
    the write transaction) and keep its seed for reset; return id and keys.

    template: the document's template key (templates.template_key), kept from this seed.
    Refused once the server holds limit tenants (MAX_TENANTS).
    """
    templates.refuse_past_limit(session, limit)
    named = {"managers": {m["id"]: m["api_key"] for m in loaded["managers"]},
             "affiliates": {a["id"]: a["api_key"] for a in loaded["affiliates"]}}
    if template is not None:  # before seeding takes the keys' lock (see hold_templates)
        copies.hold_templates(session, shared=False)
    made = create_tenant(session, loaded)
    tenant = session.get(Tenant, made["tenant"])
    snapshots.save_snapshot(session, tenant, snapshots.SEED, tenant.clock_base)
    if template is not None:  # its answer's order: the document's, a missing admin first
        order = {table: list(made["api_keys"][table]) for table in ("managers", "affiliates")}
        order["affiliates"] = [int(held) for held in order["affiliates"]]
        templates.keep_template(session, template, tenant, named, order)
    return made


def clear_harness(session: Session, tenant_id: int) -> None:
    """Forget the tenant's journal, fault rules and generation reports."""
    copies.run(session, copies.of(session).clear_harness, {"tenant": tenant_id})


def delete_tenant(session: Session, tenant_id: int) -> None:
    """Drop a tenant and everything it holds."""
    if lock_tenant(session, tenant_id) is None:
        raise NotFound()
    # A template being dropped copies its rows into the seeds that name it (part_from): not
    # into this tenant's while it goes (the tenant row's lock, then the templates', as a reset).
    copies.hold_templates(session, shared=True)
    statements = copies.of(session)
    if snapshots.holds_rows(session, tenant_id):  # a copy's seed alone holds none
        copies.run(session, statements.drop_tenant_snapshots, {"tenant": tenant_id})
    copies.run(session, statements.drop_tenant + statements.drop_tenant_row, {"tenant": tenant_id})


def reset_tenant(session: Session, tenant: Tenant, now: datetime,
                 document: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Put the tenant back to its seed, or reseed it from document (which becomes its seed).

    The clock, journal, fault rules, generation reports and settings go back with it.
    """
    if document is None:  # the restore holds the templates' lock: its seed may name one
        snapshots.restore_snapshot(session, tenant, snapshots.SEED)
        tenant.settings = seeded_settings(tenant.settings)
        made = keys_of(session, tenant.id)
    else:
        validate(document)  # refuse a bad document before anything is deleted
        # The old seed may name a template (see delete_tenant); taken after validating (a big
        # document takes seconds, and a template's keeper waits) and before the seeding's keys'.
        copies.hold_templates(session, shared=True)
        snapshots.clear_data(session, tenant.id)
        tenant.settings = {}
        made = seed_tenant(session, tenant, document)
        snapshots.save_snapshot(session, tenant, snapshots.SEED, now)
    clear_harness(session, tenant.id)
    return made


def keys_of(session: Session, tenant_id: int) -> dict[str, Any]:
    """Return a tenant's id and API keys, as POST /_mock/tenants answers them."""
    from ..models import Affiliate

    managers = session.execute(select(Manager.id, Manager.role, Manager.api_key).where(
        Manager.tenant_id == tenant_id).order_by(Manager.id)).mappings()
    affiliates = session.execute(select(Affiliate.id, Affiliate.api_key).where(
        Affiliate.tenant_id == tenant_id).order_by(Affiliate.id)).mappings()
    return templates.keys_answer(tenant_id, managers, affiliates)


def prepare_database(db: Database, settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """Create the schema; seed the first tenant unless the database already holds one.

    Return the seeded tenant's id and keys, or None when an existing tenant was reused.
    """
    seeding = settings.get("SEED", True)
    template = configured_template(settings)[1] if seeding and db.is_memory else None
    if template is not None and _from_template(db, template):
        with db.transaction(write=True) as session:
            # The clock is frozen at the document's now; its anchor is this app's start.
            session.execute(update(Tenant).values(clock_anchor=host_now()))
            return keys_of(session, session.scalar(select(func.min(Tenant.id))))
    db.create_schema()
    if not seeding:
        return None
    document, template = configured_template(settings)  # read once per file version
    loaded = validate(document)
    with db.transaction(write=True) as session:
        db.serialise_setup(session)  # two processes starting at once seed one tenant
        if session.scalar(select(func.count()).select_from(Tenant)):
            return None
        made = new_tenant(session, loaded, template=template)
    if template is not None and db.is_memory:
        _keep_template(template, db.memory_copy())
    return made


# Seeded in-memory databases, by their document's digest, copied page for page into the next
# in-memory database seeded from the same document: a test suite builds an app per test from
# one or a few documents, and seeding one (validation, about 40 statements) took most of an
# app's build. Only documents with a `now`: the tenant's clock and every date seeded are then
# the document's, not the host's at seeding. Keys the document leaves out are drawn once per
# document and process (each in-memory database is a network of its own).
_TEMPLATES: OrderedDict[str, sqlite3.Connection] = OrderedDict()
_TEMPLATES_LOCK = threading.Lock()
_TEMPLATES_KEPT = 8


def _from_template(db: Database, key: str) -> bool:
    with _TEMPLATES_LOCK:
        template = _TEMPLATES.get(key)
        if template is None:
            return False
        _TEMPLATES.move_to_end(key)
        db.load_memory_copy(template)  # under the lock: one reader of the template at a time
    return True


def _keep_template(key: str, copy: sqlite3.Connection) -> None:
    with _TEMPLATES_LOCK:
        old = _TEMPLATES.pop(key, None)
        _TEMPLATES[key] = copy
        while len(_TEMPLATES) > _TEMPLATES_KEPT:
            _TEMPLATES.popitem(last=False)[1].close()
    if old is not None:
        old.close()


def first_tenant_keys(db: Database) -> dict[str, Any] | None:
    """Return the id and admin key of the oldest tenant, for the serve banner."""
    with db.transaction() as session:
        tenant_id = session.scalar(select(func.min(Tenant.id)))
        if tenant_id is None:
            return None
        key = session.scalar(select(Manager.api_key).where(
            Manager.tenant_id == tenant_id, Manager.role == "admin").order_by(Manager.id).limit(1))
        return {"tenant": tenant_id, "admin": key}


def page_of_tenants(session: Session, page: int, limit: int) -> Page[dict[str, Any]]:
    """Return one page of the tenants, by id, each with its admin key (one query a page)."""
    total = session.scalar(select(func.count()).select_from(Tenant)) or 0
    ids = select(Tenant.id).order_by(Tenant.id).offset((page - 1) * limit).limit(limit).subquery()
    admin = (select(Manager.api_key).where(Manager.tenant_id == ids.c.id, Manager.role == "admin")
             .order_by(Manager.id).limit(1).scalar_subquery())
    rows = session.execute(select(ids.c.id, admin).order_by(ids.c.id)).all()
    return Page([{"tenant": tid, "admin": key} for tid, key in rows], total, page, limit)


def save_checkpoint(session: Session, tenant: Tenant, name: str, now: datetime,
                    limit: int) -> Snapshot:
    """Save a named snapshot, refused past limit snapshots (MAX_SNAPSHOTS) unless it replaces one."""
    named = snapshots.named(tenant.id)
    held = session.scalar(select(func.count()).select_from(named.subquery()))
    exists = session.scalar(named.where(Snapshot.name == name).exists().select())
    if held >= limit and not exists:
        raise LimitReached("snapshots per tenant", limit, "MAX_SNAPSHOTS")
    return snapshots.save_snapshot(session, tenant, name, now)


def page_of_checkpoints(session: Session, tenant_id: int, page: int,
                        limit: int) -> Page[Snapshot]:
    """Return one page of the tenant's named snapshots, oldest first."""
    named = snapshots.named(tenant_id)
    total = session.scalar(select(func.count()).select_from(named.subquery())) or 0
    items = session.scalars(named.order_by(Snapshot.id).offset((page - 1) * limit).limit(limit))
    return Page(list(items), total, page, limit)

