"""Who holds an API key: the one statement every path asks (Flask, the replay, the control plane)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from .driver import driver_row
from .entities import detached_entity
from .harness import faults
from .models import Affiliate, FaultRule, Manager, Tenant


@dataclass(frozen=True)
class Principal:
    """Who holds the key: a manager (admin or affiliate_manager) or an affiliate."""

    tenant_id: int
    role: str
    manager_id: str | None = None
    affiliate_id: int | None = None


@dataclass(frozen=True)
class Caller:
    """A key's holder, their tenant (a detached row) and whether a fault rule may fire."""

    principal: Principal
    row: Mapping[str, Any]  # caller_statement()'s: the tenant's columns among the rest
    live_rules: bool

    @functools.cached_property
    def tenant(self) -> Tenant:
        """Return the caller's tenant as the row read it, made when first asked: a write
        locks and reads its tenant anew, and asks only to journal a call that failed first."""
        return detached_entity(Tenant, {column.key: self.row[column.key]
                                        for column in Tenant.__table__.columns})


@functools.cache
def caller_statement() -> CompoundSelect:
    """Return key -> holder, tenant row and whether a fault rule is live, for :key, :method."""
    tenants = Tenant.__table__
    live_rules = select(FaultRule.id).where(
        FaultRule.tenant_id == tenants.c.id, faults.live(bindparam("method")),
    ).exists().label("live_rules")
    managers, affiliates = Manager.__table__, Affiliate.__table__
    # A key both a manager and an affiliate hold is the manager's.
    held_by_manager = select(managers.c.id).where(managers.c.api_key == bindparam("key")).exists()
    by_manager = (select(managers.c.role, managers.c.id.label("manager_id"),
                         cast(null(), affiliates.c.id.type).label("affiliate_id"),
                         *tenants.c, live_rules)
                  .join_from(managers, tenants, managers.c.tenant_id == tenants.c.id)
                  .where(managers.c.api_key == bindparam("key")))
    by_affiliate = (select(cast(literal_column("'affiliate'"), String).label("role"),
                           cast(null(), managers.c.id.type).label("manager_id"),
                           affiliates.c.id.label("affiliate_id"), *tenants.c, live_rules)
                    .join_from(affiliates, tenants, affiliates.c.tenant_id == tenants.c.id)
                    .where(affiliates.c.api_key == bindparam("key"), ~held_by_manager))
    return union_all(by_manager, by_affiliate)


def caller_of(row: Mapping[str, Any]) -> Caller:
    """Read one row of caller_statement() (a mapping by column name)."""
    principal = Principal(row["id"], row["role"], manager_id=row["manager_id"],
                          affiliate_id=row["affiliate_id"])
    return Caller(principal, row, bool(row["live_rules"]))


def find_caller(session: Session, key: str | None, method: str = "GET") -> Caller | None:
    """Return who holds key (None for nobody), asking for rules that take method."""
    if not key:
        return None
    # As the driver's own SQL: SQLAlchemy's execution path cost more than the lookup itself.
    row = driver_row(session, caller_statement, {"key": key, "method": method.upper()})
    return None if row is None else caller_of(row)
