"""Fault rules: answer with an error, slow down, or drop the connection after committing."""

from __future__ import annotations

import fnmatch
import random
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from ..errors import LimitReached, NotFound
from ..models import FaultRule
from ..network import Page, page_of_rows


def live(method: Any) -> ColumnElement[bool]:
    """Return the SQL test of a rule that may still fire on method: times left, method taken.

    Its path, a glob the database would read differently, is matched in Python.
    """
    return and_(or_(FaultRule.times.is_(None), FaultRule.times > 0),
                or_(FaultRule.method.is_(None), FaultRule.method == method))


def add_rule(session: Session, tenant_id: int, rule: dict[str, Any], limit: int) -> FaultRule:
    """Store a checked rule (see the control plane's schema) after the tenant's existing ones."""
    held = session.scalar(select(func.count()).select_from(FaultRule)
                          .where(FaultRule.tenant_id == tenant_id))
    if held >= limit:
        raise LimitReached("fault rules per tenant", limit, "MAX_FAULT_RULES")
    added = FaultRule(tenant_id=tenant_id, **rule)
    session.add(added)
    session.flush()
    return added


def page_of_rules(session: Session, tenant_id: int, page: int, limit: int) -> Page[FaultRule]:
    """Return one page of the tenant's rules in matching order."""
    return page_of_rows(session, FaultRule, [FaultRule.tenant_id == tenant_id], [FaultRule.id],
                        page, limit)


def first_match(session: Session, tenant_id: int, method: str, path: str) -> FaultRule | None:
    """Return the first live rule (times left, method taken) whose path matches the request.

    Spent rules stay listed (with their counts) but are never loaded here.
    """
    rules = session.scalars(select(FaultRule).where(
        FaultRule.tenant_id == tenant_id, live(method.upper())).order_by(FaultRule.id))
    return next((rule for rule in rules if fnmatch.fnmatchcase(path, rule.path)), None)


def roll(rule: FaultRule) -> dict[str, Any] | None:
    """Count a matching request; return the action if it fires (seeded, so repeatable)."""
    dice = random.Random(f"{rule.seed}:{rule.id}:{rule.seen}").random()
    rule.seen += 1
    if dice >= rule.probability:
        return None
    rule.fired += 1
    if rule.times is not None:
        rule.times -= 1
    return dict(rule.action)


def delete_rules(session: Session, tenant_id: int, rule_id: int | None = None) -> None:
    """Delete one rule, or all of the tenant's."""
    query = delete(FaultRule).where(FaultRule.tenant_id == tenant_id)
    if rule_id is not None:
        found = session.get(FaultRule, rule_id)
        if found is None or found.tenant_id != tenant_id:
            raise NotFound()
        query = query.where(FaultRule.id == rule_id)
    session.execute(query)


def render(rule: FaultRule) -> dict[str, Any]:
    """Render a rule for GET /_mock/faults."""
    return {"id": rule.id, "match": {"method": rule.method, "path": rule.path},
            "action": rule.action, "times": rule.times, "probability": rule.probability,
            "seed": rule.seed, "seen": rule.seen, "fired": rule.fired}
