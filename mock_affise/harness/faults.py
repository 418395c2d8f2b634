"""Fault rules: answer with an error, slow down, or drop the connection after committing."""

from __future__ import annotations

import fnmatch
import math
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import FaultRule
from ..numbers import NumberError, parse_int

ACTIONS = ("status", "delay_ms", "drop_after_commit", "body")
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")


def _int(value: Any, field: str, minimum: int, maximum: int) -> int:
    try:
        number = parse_int(value)
    except NumberError:
        raise ValidationError(field, "must be an integer") from None
    if not minimum <= number <= maximum:
        raise ValidationError(field, f"must be between {minimum} and {maximum}")
    return number


def parse_rule(spec: Any) -> dict[str, Any]:
    """Check a fault rule as POST /_mock/faults takes it; return the columns to store."""
    if not isinstance(spec, dict):
        raise ValidationError("body", "must be a JSON object with match and action")
    match = spec.get("match")
    if match is None:
        match = {}
    if not isinstance(match, dict):
        raise ValidationError("match", "must be an object with method and/or path")
    method = match.get("method")
    if method is not None:
        method = str(method).upper()
        if method not in METHODS:
            raise ValidationError("match.method", "must be one of " + ", ".join(METHODS))
    path = match.get("path")
    if path is None or path == "":
        path = "*"
    if not isinstance(path, str) or (not path.startswith("/") and path != "*"):
        raise ValidationError("match.path", "must start with / (a * matches any run of text)")
    action = spec.get("action")
    if not isinstance(action, dict) or not action:
        raise ValidationError("action", "must be an object with one of " + ", ".join(ACTIONS))
    unknown = [k for k in action if k not in ACTIONS]
    if unknown:
        raise ValidationError(f"action.{unknown[0]}", "is not a fault action (expected one of "
                                                      + ", ".join(ACTIONS) + ")")
    clean: dict[str, Any] = {}
    if "status" in action:
        clean["status"] = _int(action["status"], "action.status", 100, 599)
    if "delay_ms" in action:
        clean["delay_ms"] = _int(action["delay_ms"], "action.delay_ms", 0, 120_000)
    if "drop_after_commit" in action:
        if action["drop_after_commit"] is not True:
            raise ValidationError("action.drop_after_commit", "must be true")
        clean["drop_after_commit"] = True
    if "body" in action:
        if "status" not in clean:
            raise ValidationError("action.body", "needs a status to send it with")
        clean["body"] = _plain_json(action["body"], "action.body")
    if clean.get("drop_after_commit") and "status" in clean:
        raise ValidationError("action", "drop_after_commit cannot be combined with status")
    times = spec.get("times")
    if times is not None:
        times = _int(times, "times", 1, 1_000_000)
    probability = spec.get("probability", 1.0)
    try:
        if isinstance(probability, bool):
            raise TypeError("a boolean is no probability")
        probability = float(probability)
    except (TypeError, ValueError) as exc:
        raise ValidationError("probability", "must be a number from 0 to 1") from exc
    if not 0.0 <= probability <= 1.0:
        raise ValidationError("probability", "must be a number from 0 to 1")
    seed = _int(spec.get("seed", 0), "seed", -(2**31), 2**31 - 1)
    return {"method": method, "path": path, "action": clean, "times": times,
            "probability": probability, "seed": seed}


def _plain_json(value: Any, field: str) -> Any:
    """Return a JSON value the JSON column and the answer's encoder both take.

    The body parser reads fractions as Decimal (exact money); a fault body is sent back as it
    came, so they become floats, and integers must fit the 64 bits the encoder writes.
    """
    if isinstance(value, dict):
        return {key: _plain_json(item, field) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_json(item, field) for item in value]
    if isinstance(value, Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise ValidationError(field, "numbers must fit a 64-bit float")
        return number
    if isinstance(value, int) and not isinstance(value, bool) and \
            not -(2**63) <= value < 2**64:
        raise ValidationError(field, "integers must fit 64 bits")
    return value


def add_rule(session: Session, tenant_id: int, spec: Any) -> FaultRule:
    """Store a fault rule after the tenant's existing ones."""
    rule = FaultRule(tenant_id=tenant_id, **parse_rule(spec))
    session.add(rule)
    session.flush()
    return rule


def rules(session: Session, tenant_id: int) -> list[FaultRule]:
    """Return the tenant's rules in matching order."""
    return list(session.scalars(select(FaultRule).where(FaultRule.tenant_id == tenant_id)
                                .order_by(FaultRule.id)))


def _matches(rule: FaultRule, method: str, path: str) -> bool:
    if rule.times is not None and rule.times <= 0:
        return False
    if rule.method and rule.method != method.upper():
        return False
    return fnmatch.fnmatchcase(path, rule.path)


def matching(candidates: list[FaultRule], method: str, path: str) -> FaultRule | None:
    """Return the first rule that matches the request, before rolling its dice."""
    return next((r for r in candidates if _matches(r, method, path)), None)


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
