"""The dashboard's actions: each posts a form to the control plane's own action and goes back.

A form's fields become the JSON body the control route would take (a field left empty is
left out); the control plane checks it, acts, or refuses with its own message.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for

from ...clock import tenant_now
from ...fixtures import FixtureError, parse_document
from ...harness import faults, journal, snapshots, tenants
from ..control import clock, config, state
from ..control import faults as control_faults
from ..control import tenants as control_tenants
from ..control.base import fixture_error, tenant_session
from .base import act, blueprint, tenant_url


def _given(*names: str) -> dict[str, str]:
    """Return the named form fields that were filled in."""
    return {n: request.form[n].strip() for n in names if request.form.get(n, "").strip()}


def _back(tenant_id: int) -> Any:
    return lambda: tenant_url("controls", tenant_id)


@blueprint.post("/tenants")
def make_tenant() -> Response:
    """Make a tenant from the pasted document, or the server's fixture when none is pasted."""
    made: dict[str, Any] = {}

    def action() -> str:
        text = request.form.get("document", "").strip()
        try:
            document = parse_document(text, "document") if text else None
        except FixtureError as exc:
            raise fixture_error(exc) from exc
        made.update(control_tenants.make_tenant(document))
        return f"Made tenant {made['tenant']}."

    return act(action, lambda: (tenant_url("network", made["tenant"]) if made
                                else url_for("ui.tenants")))


@blueprint.post("/tenants/<int:tenant_id>/drop")
def drop_tenant(tenant_id: int) -> Response:
    """Drop a tenant and everything it holds."""

    def action() -> str:
        control_tenants.drop_tenant(tenant_id)
        return f"Dropped tenant {tenant_id}."

    return act(action, lambda: url_for("ui.tenants"))


@blueprint.post("/tenants/<int:tenant_id>/reset")
def reset_tenant(tenant_id: int) -> Response:
    """Put a tenant back to its seed: clock, journal, faults and reports cleared."""

    def action() -> str:
        with tenant_session(tenant_id, write=True) as (session, row):
            tenants.reset_tenant(session, row, tenant_now(row))
        return f"Tenant {tenant_id} is back to its seed."

    from_tenants = request.form.get("from") == "tenants"  # the tenants page's own button
    return act(action, lambda: url_for("ui.tenants") if from_tenants
               else tenant_url("controls", tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/clock")
def move_clock(tenant_id: int) -> Response:
    """Set, advance, freeze or unfreeze the tenant clock."""

    def action() -> str:
        move = request.form.get("move", "")
        body: dict[str, Any] = {}
        if move in ("set", "advance"):  # an empty value too: the control plane says what is wrong
            body[move] = request.form.get(move, "").strip()
        if move in ("freeze", "unfreeze"):
            body["frozen"] = move == "freeze"
        elif request.form.get("frozen"):
            body["frozen"] = True
        with tenant_session(tenant_id, write=True) as (_, row):
            answer = clock.move_tenant_clock(row, body)
        return f"Clock: {answer['now']}" + (" (frozen)." if answer["frozen"] else " (running).")

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/config")
def change_config(tenant_id: int) -> Response:
    """Change the generation delay and the referral percent."""

    def action() -> str:
        body = _given("generation_delay_seconds", "referral_percent")
        with tenant_session(tenant_id, write=True) as (_, row):
            answer = config.change_config(row, body)["config"]
        return (f"Settings: generation delay {answer['generation_delay_seconds']} s, "
                f"referral percent {answer['referral_percent']}.")

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/faults")
def add_fault(tenant_id: int) -> Response:
    """Add a fault rule after the existing ones."""

    def action() -> str:
        match = _given("method", "path")
        kind = request.form.get("action", "status")
        value: Any = True if kind == "drop_after_commit" else request.form.get("value", "").strip()
        body: dict[str, Any] = {"match": match, "action": {kind: value}, **_given(
            "times", "probability", "seed")}
        with tenant_session(tenant_id, write=True) as (session, row):
            answer = control_faults.add_fault_rule(session, row, body)["fault"]
        return f"Added fault rule {answer['id']}."

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/faults/<int:rule_id>/delete")
def delete_fault(tenant_id: int, rule_id: int) -> Response:
    """Delete one fault rule."""

    def action() -> str:
        with tenant_session(tenant_id, write=True) as (session, _):
            faults.delete_rules(session, tenant_id, rule_id)
        return f"Deleted fault rule {rule_id}."

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/faults/clear")
def clear_faults(tenant_id: int) -> Response:
    """Delete every fault rule."""

    def action() -> str:
        with tenant_session(tenant_id, write=True) as (session, _):
            faults.delete_rules(session, tenant_id)
        return "Deleted every fault rule."

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/snapshots")
def save_snapshot(tenant_id: int) -> Response:
    """Save the tenant's state under a name."""

    def action() -> str:
        with tenant_session(tenant_id, write=True) as (session, row):
            answer = state.save_named_snapshot(session, row, _given("name"))["snapshot"]
        return f"Saved snapshot '{answer['name']}'."

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/snapshots/restore")
def restore_snapshot(tenant_id: int) -> Response:
    """Put the tenant back as a snapshot has it."""

    def action() -> str:
        name = request.form.get("name", "")
        with tenant_session(tenant_id, write=True) as (session, row):
            state.restore_named_snapshot(session, row, name)
        return f"Restored snapshot '{name}'."

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/snapshots/delete")
def delete_snapshot(tenant_id: int) -> Response:
    """Forget a snapshot."""

    def action() -> str:
        name = request.form.get("name", "")
        with tenant_session(tenant_id, write=True) as (session, _):
            snapshots.delete_snapshot(session, tenant_id, name)
        return f"Deleted snapshot '{name}'."

    return act(action, _back(tenant_id))


@blueprint.post("/tenants/<int:tenant_id>/journal/clear")
def clear_journal(tenant_id: int) -> Response:
    """Empty the tenant's journal."""

    def action() -> str:
        with tenant_session(tenant_id, write=True) as (session, _):
            journal.clear(session, tenant_id)
        return "Emptied the journal."

    return act(action, lambda: tenant_url("journal", tenant_id))
