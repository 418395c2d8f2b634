"""Control views of tenants: make, list, drop, and a tenant's keys."""

from __future__ import annotations

from flask import request

from ...errors import NotFound
from ...fixtures import FixtureError, validate
from ...harness import templates, tenants
from ..endpoint import database
from ..wire import json_response
from .base import blueprint, control, fixture_body, fixture_error, pagination, route, settings
from .schemas import PageQuery, parse


def make_tenant(document) -> dict:
    """Make a tenant from document (the configured one when empty); return the answer."""
    if document:
        template = templates.template_key(document)
    else:
        document, template = tenants.configured_template(settings())
    limit = settings()["MAX_TENANTS"]
    if template is not None:
        with database().transaction(write=True) as session:
            made = templates.copy_template(session, template, limit)
        if made is not None:
            return {"status": 1, **made}
    try:
        loaded = validate(document)  # before the write lock: a big document takes seconds
    except FixtureError as exc:
        raise fixture_error(exc) from exc
    with database().transaction(write=True) as session:
        made = tenants.new_tenant(session, loaded, limit, template)
    return {"status": 1, **made}


@blueprint.post("/tenants")
def create_tenant():
    """Make a new isolated tenant from the body's fixture document (the default when empty)."""
    return json_response(make_tenant(fixture_body()))


@blueprint.get("/tenants")
def list_tenants():
    """List the tenants with their admin keys, a page at a time."""
    query = parse(PageQuery(), request.args.to_dict())
    with database().transaction() as session:
        page = tenants.page_of_tenants(session, query["page"], query["limit"])
    return json_response({"status": 1, "tenants": page.items, "pagination": pagination(page)})


def drop_tenant(tenant_id: int) -> dict:
    """Drop a tenant and everything it holds; return the answer."""
    with database().transaction(write=True) as session:
        try:
            tenants.delete_tenant(session, tenant_id)
        except NotFound as exc:
            raise NotFound("Tenant not found") from exc
    return {"status": 1, "result": True}


@blueprint.delete("/tenants/<int:tenant_id>")
def delete_tenant(tenant_id: int):
    """Drop a tenant and everything it holds."""
    return json_response(drop_tenant(tenant_id))


@route("/keys", ["GET"])
@control()
def keys(session, tenant):
    """Return the tenant's id and API keys."""
    return {"status": 1, **tenants.keys_of(session, tenant.id)}
