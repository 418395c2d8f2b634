"""The one path every Affise route takes: key, faults, role, parameters, transaction, journal."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Request, current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import tenant_now
from ..db import Database, lock_tenant
from ..effects import collected
from ..errors import AffiseError, Forbidden, ServerError, Unauthorized
from ..harness import faults, journal
from ..models import Affiliate, FaultRule, Manager, Tenant
from .params import Params, load
from .wire import api_key, json_response, request_params

ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"admin", "affiliate_manager"})
AFFILIATE = frozenset({"affiliate"})

log = logging.getLogger("mock_affise")


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
    settings: dict[str, Any]
    # Work to do in a fresh transaction if this call fails (its own was rolled back).
    on_failure: list[Callable[[Session, Tenant, AffiseError], None]] = field(default_factory=list)

    def load(self, schema: Params) -> dict[str, Any]:
        """Validate this call's parameters against schema."""
        return load(schema, self.params, self.strict)

    @property
    def generation_delay(self) -> int:
        """Seconds a generation takes on the tenant clock (0: invoices exist at once)."""
        value = (self.tenant.settings or {}).get("generation_delay_seconds")
        return int(self.settings["GENERATION_DELAY"] if value is None else value)


class ConnectionDropped(ConnectionAbortedError):
    """The drop_after_commit fault: the change is committed and no answer is sent."""


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


def _settings() -> dict[str, Any]:
    return current_app.extensions["mock_affise"].settings


def _due_fault(db: Database, tenant_id: int, candidates: list[FaultRule]) -> dict | None:
    rule = faults.matching(candidates, request.method, request.path)
    if rule is None:
        return None
    with db.transaction(write=True) as session:
        lock_tenant(session, tenant_id)
        fresh = session.get(FaultRule, rule.id)
        return faults.roll(fresh) if fresh is not None else None


def _fault_answer(action: dict[str, Any]) -> tuple[Any, int]:
    status = action["status"]
    if "body" in action:
        return action["body"], status
    known = {400: "Bad Request", 401: "Token is necessary", 403: "Auth Denied",
             404: "Resource Not Found", 500: ServerError.message, 502: "Bad Gateway"}
    text = known.get(status, ServerError.message if status >= 500 else "Bad Request")
    return {"status": 2, "message": text, "error": text}, status


def drop_connection(wsgi_request: Request) -> None:
    """Close the client's connection without an answer, under gunicorn or werkzeug alike."""
    environ = wsgi_request.environ
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    if sock is None:  # in-process clients (Flask's test client) see an exception instead
        raise ConnectionDropped("drop_after_commit: the change was committed, no answer sent")
    # Shut down, but leave closing to the server: its write then fails with EPIPE, which
    # gunicorn and werkzeug both take quietly as a client gone away.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def endpoint(roles: frozenset[str], write: bool = False) -> Callable:
    """Wrap a view: authenticate, apply faults, run it in one transaction, journal, answer JSON.

    A write takes the tenant's lock first, so two writes on one tenant never interleave; an
    error anywhere rolls the whole call back, and the journal still records it.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(**path: Any):
            db = database()
            settings = _settings()
            key = api_key(request)
            with db.transaction() as session:
                principal = resolve_key(session, key)
                candidates = faults.rules(session, principal.tenant_id)
            action = _due_fault(db, principal.tenant_id, candidates) if candidates else None
            params: dict[str, Any] = {}
            effects: dict[str, Any] = {}
            call: Call | None = None
            try:
                if action and "delay_ms" in action:
                    time.sleep(action["delay_ms"] / 1000)
                if action and "status" in action:
                    body, status = _fault_answer(action)
                else:
                    with db.transaction(write=write) as session:
                        if principal.role not in roles:
                            raise Forbidden()
                        params = request_params(request)
                        tenant = (lock_tenant(session, principal.tenant_id) if write
                                  else session.get(Tenant, principal.tenant_id))
                        if tenant is None:  # dropped between the two reads
                            raise Unauthorized()
                        call = Call(session, tenant, principal, params, tenant_now(tenant),
                                    bool(settings["STRICT"]), settings)
                        body, status = view(call, **path), 200
                        effects = collected(session)
            except AffiseError as error:
                body = {"status": 2, "message": error.message, "error": error.message}
                status = error.status_code
                if call is not None and call.on_failure:
                    with db.transaction(write=True) as session:
                        tenant = lock_tenant(session, principal.tenant_id)
                        for hook in call.on_failure:
                            hook(session, tenant, error)
            except Exception:
                log.exception("unhandled error on %s %s", request.method, request.path)
                error = ServerError()
                body = {"status": 2, "message": error.message, "error": error.message}
                status = 500
            _journal(db, settings, principal.tenant_id, params, status, body, effects, action)
            if action and action.get("drop_after_commit"):
                drop_connection(request)
            return json_response(body, status)

        return handle

    return decorate


def _journal(db: Database, settings: dict[str, Any], tenant_id: int, params: dict[str, Any],
             status: int, body: Any, effects: dict[str, Any], action: dict | None) -> None:
    fault = None
    if action:
        fault = next(name for name in ("status", "drop_after_commit", "delay_ms") if name in action)
    with db.transaction(write=True) as session:
        tenant = session.get(Tenant, tenant_id)
        if tenant is None:
            return
        journal.record(session, tenant_id, int(settings["JOURNAL_SIZE"]), tenant_now(tenant),
                       request.method, request.path, params or dict(request.args), status, body,
                       effects, fault)
