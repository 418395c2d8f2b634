"""Named checkpoints of a tenant, saved and restored as set-based copies of its rows."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Select, bindparam, select, union
from sqlalchemy.orm import Session

from ..clock import format_timestamp, host_now, parse_timestamp, tenant_now
from ..driver import driver_records
from ..entities import insert_row, parameters_insert
from ..errors import KeysTaken, NotFound
from ..models import SNAPSHOT_TABLES, Affiliate, Manager, Snapshot, Tenant
from ..network.keys import taken_keys
from . import copies

SEED = "__seed__"  # the hidden snapshot reset returns to
COUNTERS = ("next_payment_id", "next_correction_id", "next_affiliate_id", "next_binding_id")
# A template's copy keeps no rows for its seed: its seed's state names the template (TEMPLATE)
# and the keys its holders got (KEYS: by holder table, [id, key] pairs). Made and dropped per
# test, a copy then writes and deletes half the rows it did. A template referred to this way is
# copied into each seed that names it before it is dropped (part_from).
TEMPLATE, KEYS = "template", "keys"


def _tenant_state(tenant: Tenant) -> dict[str, Any]:
    state = {name: getattr(tenant, name) for name in COUNTERS}
    state.update(now=format_timestamp(tenant_now(tenant)), frozen=tenant.clock_frozen,
                 settings=dict(tenant.settings or {}))
    return state


def _drop_rows(session: Session, snapshot_id: int) -> None:
    copies.run(session, copies.of(session).drop_snapshot, {"snapshot": snapshot_id})


def save_snapshot(session: Session, tenant: Tenant, name: str, now: datetime) -> Snapshot:
    """Copy every row of the tenant under name, replacing a snapshot of that name."""
    old = session.scalar(select(Snapshot).where(Snapshot.tenant_id == tenant.id,
                                                Snapshot.name == name))
    if old is not None:
        _drop_rows(session, old.id)
        session.delete(old)
        session.flush()
    return session.get(Snapshot, save_state(session, tenant.id, name, now, _tenant_state(tenant)))


@functools.cache
def _new_snapshot() -> Insert:
    return parameters_insert(Snapshot.__table__, ("tenant_id", "name", "created_at", "state"))


def save_state(session: Session, tenant_id: int, name: str, now: datetime,
               state: dict[str, Any]) -> int:
    """Copy every row of the tenant under a new snapshot name (none of that name may exist),
    with the tenant's state (clock, counters, settings) as given; return its id."""
    session.flush()
    snapshot_id = insert_row(session, _new_snapshot, {
        "tenant_id": tenant_id, "name": name, "created_at": now, "state": state})
    copies.run(session, copies.of(session).save, {"snapshot": snapshot_id, "tenant": tenant_id})
    return snapshot_id


def save_reference(session: Session, tenant_id: int, now: datetime, state: dict[str, Any],
                   template_id: int, keys: dict[str, list[list[Any]]]) -> int:
    """Keep a template's copy's seed as a reference to the template, with the keys its holders
    got (see TEMPLATE); return its id."""
    return insert_row(session, _new_snapshot, {
        "tenant_id": tenant_id, "name": SEED, "created_at": now,
        "state": {**state, TEMPLATE: template_id, KEYS: keys}})


def holds_rows(session: Session, tenant_id: int) -> bool:
    """Tell whether any snapshot of the tenant holds rows (a copy's seed alone holds none)."""
    return any(TEMPLATE not in state for (state,) in driver_records(
        session, _states_statement, {"tenant_id": tenant_id}))


def _states_statement() -> Select:
    return select(Snapshot.state).where(Snapshot.tenant_id == bindparam("tenant_id"))


def part_from(session: Session, template_id: int) -> None:
    """Before template template_id is dropped, copy its rows into every seed that refers to it,
    each with its keys, so that each copy still resets to its seed."""
    statements = copies.of(session)
    for seed in session.scalars(select(Snapshot).where(Snapshot.name == SEED)):
        state = seed.state
        if state.get(TEMPLATE) != template_id:
            continue  # one statement finds them all; the loop is over tenants, rarely many
        copies.run(session, statements.clone, {"source": template_id, "snapshot": seed.id})
        copies.set_snapshot_keys(session, seed.id, state[KEYS])
        seed.state = {name: value for name, value in state.items() if name not in (TEMPLATE, KEYS)}


def clear_data(session: Session, tenant_id: int) -> None:
    """Delete the tenant's network data (not its snapshots, journal or faults)."""
    copies.run(session, copies.of(session).clear, {"tenant": tenant_id})


def restore_snapshot(session: Session, tenant: Tenant, name: str) -> None:
    """Put the tenant back exactly as it was when name was saved: rows, clock, counters.

    Refused with KeysTaken (409) when another tenant holds one of the snapshot's keys now.
    """
    if name == SEED:  # it may refer to a template: kept until this transaction ends
        copies.hold_templates(session, shared=True)
    snapshot = session.scalar(select(Snapshot).where(Snapshot.tenant_id == tenant.id,
                                                     Snapshot.name == name))
    if snapshot is None:
        raise NotFound(f"Snapshot '{name}' not found")
    state = snapshot.state
    # Keys the tenant let go of since may be another tenant's now: refuse rather than re-key,
    # since a restore promises the tenant exactly as saved, keys included.
    taken = taken_keys(session, _snapshot_keys(session, snapshot), other_than=tenant.id)
    if taken:
        raise KeysTaken(sorted(taken))
    statements = copies.of(session)
    copies.run(session, statements.clear, {"tenant": tenant.id})
    if TEMPLATE in state:
        copies.copy_in(session, tenant.id, state[TEMPLATE], state[KEYS])
    else:
        copies.run(session, statements.restore, {"tenant": tenant.id, "snapshot": snapshot.id})
    for counter in COUNTERS:
        setattr(tenant, counter, state[counter])
    tenant.clock_frozen = state["frozen"]
    tenant.clock_base = parse_timestamp(state["now"])
    tenant.clock_anchor = host_now()
    tenant.settings = dict(state.get("settings") or {})


def named(tenant_id: int) -> Select[tuple[Snapshot]]:
    """Return the query of the tenant's named snapshots (the hidden seed is not one)."""
    return select(Snapshot).where(Snapshot.tenant_id == tenant_id, Snapshot.name != SEED)


def _snapshot_keys(session: Session, snapshot: Snapshot) -> list[str]:
    if TEMPLATE in snapshot.state:
        return [key for held in snapshot.state[KEYS].values() for _, key in held]
    holders = (SNAPSHOT_TABLES[Manager], SNAPSHOT_TABLES[Affiliate])
    return list(session.scalars(union(*[
        select(shadow.c.api_key).where(shadow.c.snapshot_id == snapshot.id)
        for shadow in holders])))


def list_snapshots(session: Session, tenant_id: int) -> list[Snapshot]:
    """Return the tenant's named snapshots, oldest first."""
    return list(session.scalars(named(tenant_id).order_by(Snapshot.id)))


def delete_snapshot(session: Session, tenant_id: int, name: str) -> None:
    """Forget a named snapshot."""
    snapshot = session.scalar(select(Snapshot).where(Snapshot.tenant_id == tenant_id,
                                                     Snapshot.name == name))
    if snapshot is None or name == SEED:
        raise NotFound(f"Snapshot '{name}' not found")
    _drop_rows(session, snapshot.id)
    session.delete(snapshot)
