"""The one path every Affise route takes: key, role, parameters, transaction, JSON answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import tenant_now
from ..db import Database, lock_tenant
from ..errors import Forbidden, Unauthorized
from ..models import Affiliate, Manager, Tenant
from .params import Params, load
from .wire import api_key, json_response, request_params

ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"admin", "affiliate_manager"})
AFFILIATE = frozenset({"affiliate"})


@dataclass(frozen=True)
class Principal:
    """Who holds the key: a manager (admin or affiliate_manager) or an affiliate."""

    tenant_id: int
    role: str
    manager_id: str | None = None
    affiliate_id: int | None = None


@dataclass
class Call:
    """What a view gets: the open session, the caller's tenant and its parameters."""

    session: Session
    tenant: Tenant
    principal: Principal
    params: dict[str, Any]
    now: datetime
    strict: bool

    def load(self, schema: Params) -> dict[str, Any]:
        """Validate this call's parameters against schema."""
        return load(schema, self.params, self.strict)


def resolve_key(session: Session, key: str | None) -> Principal:
    """Find the manager or affiliate holding key; raise 401 when nobody does."""
    if not key:
        raise Unauthorized()
    manager = session.execute(
        select(Manager.tenant_id, Manager.role, Manager.id).where(Manager.api_key == key)
    ).first()
    if manager is not None:
        return Principal(manager.tenant_id, manager.role, manager_id=manager.id)
    affiliate = session.execute(
        select(Affiliate.tenant_id, Affiliate.id).where(Affiliate.api_key == key)
    ).first()
    if affiliate is not None:
        return Principal(affiliate.tenant_id, "affiliate", affiliate_id=affiliate.id)
    raise Unauthorized()


def database() -> Database:
    """Return the app's database."""
    return current_app.extensions["mock_affise"].db


def endpoint(roles: frozenset[str], write: bool = False) -> Callable:
    """Wrap a view: authenticate, parse parameters, run it in one transaction, answer JSON.

    A write takes the tenant's lock first, so two writes on one tenant never interleave; an
    error anywhere rolls the whole call back.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(**path: Any):
            key = api_key(request)
            with database().transaction(write=write) as session:
                principal = resolve_key(session, key)
                if principal.role not in roles:
                    raise Forbidden()
                params = request_params(request)
                if write:
                    tenant = lock_tenant(session, principal.tenant_id)
                else:
                    tenant = session.get(Tenant, principal.tenant_id)
                if tenant is None:  # the tenant was dropped between the two reads
                    raise Unauthorized()
                settings = current_app.extensions["mock_affise"].settings
                call = Call(session, tenant, principal, params, tenant_now(tenant),
                            bool(settings["STRICT"]))
                body = view(call, **path)
            return json_response(body)

        return handle

    return decorate
