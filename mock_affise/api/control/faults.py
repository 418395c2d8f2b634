"""Control views of fault rules."""

from __future__ import annotations

from flask import request

from ...harness import faults
from .base import body, control, pagination, route, settings
from .schemas import FaultRuleBody, PageQuery, parse


@route("/faults", ["POST"])
@control(write=True)
def add_fault(session, tenant):
    """Add a fault rule after the existing ones (first match wins)."""
    rule = faults.add_rule(session, tenant.id, parse(FaultRuleBody(), body()),
                           settings()["MAX_FAULT_RULES"])
    return {"status": 1, "fault": faults.render(rule)}


@route("/faults", ["GET"])
@control()
def list_faults(session, tenant):
    """List the fault rules in matching order, a page at a time."""
    query = parse(PageQuery(), request.args.to_dict())
    page = faults.page_of_rules(session, tenant.id, query["page"], query["limit"])
    return {"status": 1, "faults": [faults.render(r) for r in page.items],
            "pagination": pagination(page)}


@route("/faults", ["DELETE"])
@control(write=True)
def clear_faults(session, tenant):
    """Delete every fault rule."""
    faults.delete_rules(session, tenant.id)
    return {"status": 1, "result": True}


@route("/faults/<int:rule_id>", ["DELETE"])
@control(write=True)
def delete_fault(session, tenant, rule_id: int):
    """Delete one fault rule."""
    faults.delete_rules(session, tenant.id, rule_id)
    return {"status": 1, "result": True}
