"""The /_mock control plane: tenants, reset, snapshots, clock, journal, faults, reports.

It lives outside Affise's paths and never changes their shape. A call names its tenant with
any of the tenant's API keys (API-Key header or api-key query), or by the path
/_mock/tenants/{id}/...; a CONTROL_TOKEN, when configured, must come in X-Mock-Control-Token.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy import select, text

from ..clock import (
    advance_clock,
    format_timestamp,
    parse_duration,
    parse_timestamp,
    set_clock,
    tenant_now,
)
from ..db import lock_tenant
from ..errors import AffiseError, BadRequest, NotFound, Unauthorized, ValidationError
from ..fixtures import FixtureError, export_tenant, parse_document
from ..harness import faults, journal, snapshots, tenants
from ..models import GenerationReport, Tenant
from .endpoint import database, resolve_key
from .not_emulated import coverage
from .params import EARLIEST, LATEST
from .wire import KEY_NAME, api_key, json_response, parse_json_body, read_body

blueprint = Blueprint("control", __name__, url_prefix="/_mock")
TOKEN_HEADER = "X-Mock-Control-Token"


class WrongControlToken(AffiseError):
    status_code = 403
    message = "Control token is wrong"


class TenantUnnamed(BadRequest):
    message = ("Name the tenant: send one of its API keys in the API-Key header, "
               "or call /_mock/tenants/{id}/...")


def _settings() -> dict[str, Any]:
    return current_app.extensions["mock_affise"].settings


@blueprint.before_request
def _check_token() -> None:
    expected = _settings().get("CONTROL_TOKEN")
    if not expected or request.endpoint == "control.health":
        return
    given = request.headers.get(TOKEN_HEADER)
    if not given:
        raise Unauthorized(f"Control token is necessary: send it in {TOKEN_HEADER}")
    if not hmac.compare_digest(given.encode(), str(expected).encode()):
        raise WrongControlToken()


@blueprint.before_request
def _settle_journal() -> None:
    # Reads of the journal, and the calls that clear it (reset, tenant deletion), see every
    # call answered before them, whichever process answered it. Liveness never waits.
    if request.endpoint != "control.health":
        current_app.extensions["mock_affise"].journal.settle()


YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


def _body() -> Any:
    """The JSON (or YAML) body of a control call; {} when there is none."""
    data = read_body(request)
    if not data.strip():
        return {}
    if request.mimetype in YAML_TYPES:
        return _fixture_body()
    return parse_json_body(data)


def _fixture_body() -> Any:
    """The fixture document a control call carries, JSON or YAML; {} when there is none."""
    data = request.get_data(cache=True)
    if not data.strip():
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("Request body is not valid UTF-8") from exc
    try:
        return parse_document(text, "body", yaml=request.mimetype in YAML_TYPES)
    except FixtureError as exc:
        raise BadRequest(exc.problems[0]) from exc


def _fixture_error(error: FixtureError) -> BadRequest:
    problem = BadRequest("Invalid fixture: " + "; ".join(error.problems))
    problem.problems = error.problems  # type: ignore[attr-defined]
    return problem


def control(write: bool = False) -> Callable:
    """Wrap a control view: find its tenant (by path id or API key), run in one transaction."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(tenant_id: int | None = None, **kwargs: Any):
            with database().transaction(write=write) as session:
                if tenant_id is None:
                    key = api_key(request)
                    if not key:
                        raise TenantUnnamed()
                    tenant_id = resolve_key(session, key).tenant_id
                tenant = (lock_tenant(session, tenant_id) if write
                          else session.get(Tenant, tenant_id))
                if tenant is None:
                    raise NotFound("Tenant not found")
                try:
                    body = view(session, tenant, **kwargs)
                except FixtureError as exc:
                    raise _fixture_error(exc) from exc
            return json_response(body)

        return handle

    return decorate


def route(rule: str, methods: list[str]) -> Callable:
    """Register a control view at /_mock{rule} and /_mock/tenants/<id>{rule}."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        blueprint.add_url_rule(rule, view.__name__, view, methods=methods)
        blueprint.add_url_rule(f"/tenants/<int:tenant_id>{rule}", view.__name__, view,
                               methods=methods)
        return view

    return decorate


@blueprint.get("/health")
def health():
    """Answer 200 once the database answers; no key needed."""
    with database().transaction() as session:
        session.execute(text("SELECT 1"))
    return json_response({"status": 1, "ready": True})


@blueprint.get("/coverage")
def coverage_view():
    """List the Affise operations the mock implements and the ones it answers 501 to."""
    found = coverage(current_app)
    return json_response({"status": 1, **{
        name: [{"method": method, "path": path} for method, path in operations]
        for name, operations in found.items()}})


# ------------------------------------------------------------------------------ tenants


@blueprint.post("/tenants")
def create_tenant():
    """Make a new isolated tenant from the body's fixture document (the default when empty)."""
    document = _fixture_body()
    if not document:
        from ..config import default_fixture_path
        from ..fixtures import read_document

        document = read_document(_settings().get("FIXTURES") or default_fixture_path())
    with database().transaction(write=True) as session:
        try:
            made = tenants.new_tenant(session, document)
        except FixtureError as exc:
            raise _fixture_error(exc) from exc
    return json_response({"status": 1, **made})


@blueprint.get("/tenants")
def list_tenants():
    """List the tenants with their admin keys."""
    with database().transaction() as session:
        ids = list(session.scalars(select(Tenant.id).order_by(Tenant.id)))
        listed = [tenants.keys_of(session, tid) for tid in ids]
    return json_response({"status": 1, "tenants": [
        {"tenant": t["tenant"], "admin": t["api_keys"]["admin"]} for t in listed]})


@blueprint.delete("/tenants/<int:tenant_id>")
def delete_tenant(tenant_id: int):
    """Drop a tenant and everything it holds."""
    with database().transaction(write=True) as session:
        lock_tenant(session, tenant_id)
        try:
            tenants.delete_tenant(session, tenant_id)
        except NotFound as exc:
            raise NotFound("Tenant not found") from exc
    return json_response({"status": 1, "result": True})


@route("/keys", ["GET"])
@control()
def keys(session, tenant):
    """Return the tenant's id and API keys."""
    return {"status": 1, **tenants.keys_of(session, tenant.id)}


@route("/reset", ["POST"])
@control(write=True)
def reset(session, tenant):
    """Back to the tenant's seed, or to the body's document; clock, journal, faults cleared."""
    document = _fixture_body() or None
    made = tenants.reset_tenant(session, tenant, tenant_now(tenant), document)
    return {"status": 1, **made}


@route("/export", ["GET"])
@control()
def export(session, tenant):
    """Return the tenant's whole state as a fixture document."""
    return export_tenant(session, tenant)


# ------------------------------------------------------------------------------ snapshots


def _snapshot_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 255 or value == snapshots.SEED:
        raise ValidationError("name", "must be a non-empty string of at most 255 characters")
    return value


@route("/snapshots", ["POST"])
@control(write=True)
def save_snapshot(session, tenant):
    """Save the tenant's state under a name (replacing one of that name)."""
    body = _body()
    name = _snapshot_name(body.get("name") if isinstance(body, dict) else None)
    snapshot = snapshots.save_snapshot(session, tenant, name, tenant_now(tenant))
    return {"status": 1, "snapshot": {"name": snapshot.name,
                                      "created_at": format_timestamp(snapshot.created_at)}}


@route("/snapshots", ["GET"])
@control()
def list_snapshots(session, tenant):
    """List the tenant's snapshots, oldest first."""
    return {"status": 1, "snapshots": [
        {"name": s.name, "created_at": format_timestamp(s.created_at)}
        for s in snapshots.list_snapshots(session, tenant.id)]}


@route("/snapshots/<name>/restore", ["POST"])
@control(write=True)
def restore_snapshot(session, tenant, name: str):
    """Put the tenant back exactly as the snapshot has it."""
    if name == snapshots.SEED:
        raise NotFound(f"Snapshot '{name}' not found")
    snapshots.restore_snapshot(session, tenant, name)
    return {"status": 1, "result": True}


@route("/snapshots/<name>", ["DELETE"])
@control(write=True)
def delete_snapshot(session, tenant, name: str):
    """Forget a snapshot."""
    snapshots.delete_snapshot(session, tenant.id, name)
    return {"status": 1, "result": True}


# ------------------------------------------------------------------------------ clock


def _clock(tenant: Tenant) -> dict[str, Any]:
    return {"status": 1, "now": format_timestamp(tenant_now(tenant)),
            "frozen": tenant.clock_frozen}


@route("/clock", ["GET"])
@control()
def get_clock(session, tenant):
    """Return the tenant clock."""
    return _clock(tenant)


@route("/clock", ["POST"])
@control(write=True)
def move_clock(session, tenant):
    """Set, advance or (un)freeze the tenant clock: {"set": ...} | {"advance": "3d"} | ..."""
    body = _body()
    if not isinstance(body, dict):
        raise ValidationError("body", "must be a JSON object")
    given = [k for k in ("set", "advance", "advance_seconds") if k in body]
    if len(given) > 1:
        raise ValidationError(given[1], f"cannot be combined with {given[0]}")
    frozen = body.get("frozen")
    if frozen is not None and not isinstance(frozen, bool):
        raise ValidationError("frozen", "must be true or false")
    if not given and frozen is None:
        raise ValidationError("set", "one of set, advance, advance_seconds or frozen is required")
    if "set" in body:
        try:
            moment = parse_timestamp(str(body["set"]))
        except ValueError as exc:
            raise ValidationError("set", str(exc)) from exc
        _in_range("set", moment)
        set_clock(tenant, moment, frozen)
    else:
        if "advance" in body:
            try:
                seconds = parse_duration(body["advance"])
            except ValueError as exc:
                raise ValidationError("advance", str(exc)) from exc
        elif "advance_seconds" in body:
            raw = body["advance_seconds"]
            if isinstance(raw, bool) or not re.fullmatch(r"-?[0-9]{1,20}", str(raw)):
                raise ValidationError("advance_seconds", "must be an integer")
            seconds = int(raw)
        else:
            seconds = 0
        if abs(seconds) > 100 * 366 * 86400:
            raise ValidationError(given[0] if given else "advance", "must be within 100 years")
        _in_range(given[0] if given else "advance",
                  tenant_now(tenant) + timedelta(seconds=seconds))
        advance_clock(tenant, seconds)
        if frozen is not None:
            set_clock(tenant, tenant_now(tenant), frozen)
    return _clock(tenant)


def _in_range(field: str, moment: datetime) -> None:
    if not EARLIEST <= moment.date() <= LATEST:
        raise ValidationError(field, f"the clock must stay between {EARLIEST} and {LATEST}")


# ------------------------------------------------------------------------------ journal


@route("/requests", ["GET"])
@control()
def list_requests(session, tenant):
    """Return the journal, oldest first, filtered by method, path, status, since."""
    args = request.args
    status = args.get("status")
    # [0-9] with a bound, not isdigit(): "²" breaks int(), a huge number breaks the query.
    if status is not None and not re.fullmatch(r"[0-9]{1,3}", status):
        raise ValidationError("status", "must be an HTTP status code")
    since = None
    if args.get("since"):
        try:
            since = parse_timestamp(args["since"])
        except ValueError as exc:
            raise ValidationError("since", str(exc)) from exc
    limit = args.get("limit")
    if limit is not None and not re.fullmatch(r"[0-9]{1,9}", limit):
        raise ValidationError("limit", "must be a positive integer of at most 9 digits")
    size = current_app.extensions["mock_affise"].journal.size
    return {"status": 1, "requests": journal.entries(
        session, tenant.id, size, args.get("method"), args.get("path"),
        int(status) if status else None, since, int(limit) if limit else None)}


@route("/requests", ["DELETE"])
@control(write=True)
def clear_requests(session, tenant):
    """Empty the journal."""
    journal.clear(session, tenant.id)
    return {"status": 1, "result": True}


# ------------------------------------------------------------------------------ faults


@route("/faults", ["POST"])
@control(write=True)
def add_fault(session, tenant):
    """Add a fault rule after the existing ones (first match wins)."""
    rule = faults.add_rule(session, tenant.id, _body())
    return {"status": 1, "fault": faults.render(rule)}


@route("/faults", ["GET"])
@control()
def list_faults(session, tenant):
    """List the fault rules in matching order."""
    return {"status": 1, "faults": [faults.render(r) for r in faults.rules(session, tenant.id)]}


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


# ------------------------------------------------------------------------------ reports, config


@route("/generations", ["GET"])
@control()
def list_generations(session, tenant):
    """One report per generate/create call: invoices made, affiliates skipped and why."""
    reports = session.scalars(select(GenerationReport).where(
        GenerationReport.tenant_id == tenant.id).order_by(GenerationReport.id))
    return {"status": 1, "generations": [
        {"id": r.id, "operation": r.operation, "created_at": format_timestamp(r.created_at),
         "parameters": r.parameters, "payments": r.payments, "skipped": r.skipped}
        for r in reports]}


CONFIG_KEYS = ("generation_delay_seconds",)


def _config(tenant: Tenant) -> dict[str, Any]:
    delay = (tenant.settings or {}).get("generation_delay_seconds")
    if delay is None:
        delay = _settings()["GENERATION_DELAY"]
    return {"status": 1, "config": {"generation_delay_seconds": int(delay)}}


@route("/config", ["GET"])
@control()
def get_config(session, tenant):
    """Return the tenant's settings."""
    return _config(tenant)


@route("/config", ["POST"])
@control(write=True)
def set_config(session, tenant):
    """Change the tenant's settings: {"generation_delay_seconds": 120}."""
    body = _body()
    if not isinstance(body, dict) or not body:
        raise ValidationError("generation_delay_seconds", "is required")
    for name in body:
        if name not in CONFIG_KEYS and name.lower() != KEY_NAME:
            raise ValidationError(name, "is not a setting (expected generation_delay_seconds)")
    delay = body.get("generation_delay_seconds")
    if isinstance(delay, bool) or not re.fullmatch(r"[0-9]{1,9}", str(delay)) or \
            int(delay) > 366 * 86400:
        raise ValidationError("generation_delay_seconds",
                              "must be a whole number of seconds from 0 to 31622400")
    tenant.settings = {**(tenant.settings or {}), "generation_delay_seconds": int(delay)}
    return _config(tenant)
