"""Control views of a tenant's state: reset, export and named snapshots."""

from __future__ import annotations

from flask import request

from ...clock import format_timestamp, tenant_now
from ...errors import NotFound
from ...fixtures import export_tenant
from ...harness import snapshots, tenants
from .base import body, control, fixture_body, pagination, route, settings
from .schemas import PageQuery, SnapshotName, parse


@route("/reset", ["POST"])
@control(write=True)
def reset(session, tenant):
    """Back to the tenant's seed, or to the body's document; clock, journal, faults cleared."""
    made = tenants.reset_tenant(session, tenant, tenant_now(tenant), fixture_body() or None)
    return {"status": 1, **made}


@route("/export", ["GET"])
@control()
def export(session, tenant):
    """Return the tenant's whole state as a fixture document."""
    return export_tenant(session, tenant)


def _render(snapshot) -> dict:
    return {"name": snapshot.name, "created_at": format_timestamp(snapshot.created_at)}


def save_named_snapshot(session, tenant, request_body) -> dict:
    """Save the tenant's state under the name request_body gives; return the answer."""
    name = parse(SnapshotName(), request_body)["name"]
    snapshot = tenants.save_checkpoint(session, tenant, name, tenant_now(tenant),
                                       settings()["MAX_SNAPSHOTS"])
    return {"status": 1, "snapshot": _render(snapshot)}


@route("/snapshots", ["POST"])
@control(write=True)
def save_snapshot(session, tenant):
    """Save the tenant's state under a name (replacing one of that name)."""
    return save_named_snapshot(session, tenant, body())


@route("/snapshots", ["GET"])
@control()
def list_snapshots(session, tenant):
    """List the tenant's snapshots, oldest first, a page at a time."""
    query = parse(PageQuery(), request.args.to_dict())
    page = tenants.page_of_checkpoints(session, tenant.id, query["page"], query["limit"])
    return {"status": 1, "snapshots": [_render(s) for s in page.items],
            "pagination": pagination(page)}


def restore_named_snapshot(session, tenant, name: str) -> dict:
    """Put the tenant back exactly as the snapshot named name has it; return the answer."""
    if name == snapshots.SEED:  # the seed is reset's, not a snapshot a user named
        raise NotFound(f"Snapshot '{name}' not found")
    snapshots.restore_snapshot(session, tenant, name)
    return {"status": 1, "result": True}


@route("/snapshots/<name>/restore", ["POST"])
@control(write=True)
def restore_snapshot(session, tenant, name: str):
    """Put the tenant back exactly as the snapshot has it."""
    return restore_named_snapshot(session, tenant, name)


@route("/snapshots/<name>", ["DELETE"])
@control(write=True)
def delete_snapshot(session, tenant, name: str):
    """Forget a snapshot."""
    snapshots.delete_snapshot(session, tenant.id, name)
    return {"status": 1, "result": True}
