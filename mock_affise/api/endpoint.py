"""The one path every Affise route takes: key, faults, role, parameters, transaction, journal."""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

import orjson
from flask import Request, Response, current_app, request
from sqlalchemy.orm import Session

from ..billing.reports import GenerationRefused
from ..billing.rules import ADMIN_ROLE, AFFILIATE_ROLE, MANAGER_ROLE, Audience, audience
from ..callers import Caller, Principal, find_caller
from ..clock import tenant_now
from ..db import Database, lock_tenant
from ..driver import driver_connection
from ..effects import collected
from ..errors import AffiseError, Forbidden, ServerError, Unauthorized, envelope
from ..harness import faults, journal
from ..harness.config import generation_delay
from ..models import Tenant
from .answers import REQUEST_KEY, TICKET, Ticket
from .params import Params, load
from .wire import JSON_TYPE, api_key, request_params

ADMIN = frozenset({ADMIN_ROLE})
MANAGERS = frozenset({ADMIN_ROLE, MANAGER_ROLE})
AFFILIATE = frozenset({AFFILIATE_ROLE})
EVERY_ROLE = MANAGERS | AFFILIATE

log = logging.getLogger("mock_affise")


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
    schema: type[Params] = Params  # what the endpoint declared it reads (see endpoint)

    def load(self) -> dict[str, Any]:
        """Validate this call's parameters against the endpoint's schema."""
        return load(_schema(self.schema), self.params, self.strict, self.audience.admin_api)

    @property
    def audience(self) -> Audience:
        """Which affiliates the caller sees: the one scoping rule every service applies."""
        p = self.principal
        return audience(p.role, p.manager_id, p.affiliate_id)

    @property
    def generation_delay(self) -> int:
        """Seconds a generation takes on the tenant clock (0: invoices exist at once)."""
        return generation_delay(self.tenant, self.settings["GENERATION_DELAY"])


@functools.cache
def _schema(kind: type[Params]) -> Params:
    """Return the one instance of a request schema: loading keeps no state on it, and making
    one per request was 3% of a simple read."""
    return kind()


class ConnectionDropped(ConnectionAbortedError):
    """The drop_after_commit fault: the change is committed and no answer is sent."""


def database() -> Database:
    """Return the app's database."""
    return current_app.extensions["mock_affise"].db


def _due_fault(db: Database, tenant_id: int) -> dict | None:
    """Roll the dice of the first rule matching this request; return its action if it fires."""
    with db.transaction(write=True) as session:
        lock_tenant(session, tenant_id)
        rule = faults.first_match(session, tenant_id, request.method, request.path)
        return faults.roll(rule) if rule is not None else None


def _fault_answer(action: dict[str, Any]) -> tuple[Any, int]:
    status = action["status"]
    if "body" in action:
        return action["body"], status
    known = {400: "Bad Request", 401: Unauthorized.message, 403: Forbidden.message,
             404: "Resource Not Found", 500: ServerError.message, 502: "Bad Gateway"}
    text = known.get(status, ServerError.message if status >= 500 else "Bad Request")
    return envelope(text), status


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


def _who(session: Session, key: str | None) -> Caller:
    """Find who holds key; raise 401 when nobody does."""
    caller = find_caller(session, key, request.method)
    if caller is None:
        raise Unauthorized()
    return caller


class _FaultRulesToCheck(Exception):
    """The tenant has fault rules: leave the fast path for the one that applies them."""


@dataclass
class _Outcome:
    """What one call answered, for the response and the journal."""

    body: Any = None
    status: int = 200
    params: dict[str, Any] = field(default_factory=dict)
    effects: dict[str, Any] = field(default_factory=dict)
    journaled: bool = False
    call: Call | None = None  # set once the view is about to run
    _payload: bytes | None = None

    def fail(self, error: AffiseError) -> None:
        self.body = envelope(error.message)
        self.status = error.status_code
        self._payload = None

    def payload(self) -> bytes:
        """The body as sent, serialised once for the answer and the journal."""
        if self._payload is None:
            self._payload = orjson.dumps(self.body)
        return self._payload


def endpoint(roles: frozenset[str], write: bool = False,
             params: type[Params] = Params) -> Callable:
    """Wrap a view: authenticate, apply faults, run it in one transaction, journal, answer JSON.

    params is the request schema the view loads (call.load()); the view carries it as
    `params`, which the OpenAPI document's request side is generated from.

    A write takes the tenant's lock first, so two writes on one tenant never interleave; an
    error anywhere rolls the whole call back, and the journal still records it. Without a fault
    rule that can fire the key lookup, the view and (for a write) the journal share one transaction. A read
    answered without faults or a crash is offered to the answer cache (api.answers).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        def run(session: Session, principal: Principal, tenant: Tenant | None,
                outcome: _Outcome, path: dict[str, Any], settings: dict[str, Any]) -> None:
            if principal.role not in roles:
                raise Forbidden()
            outcome.params = request_params(request)
            if write or tenant is None:
                tenant = (lock_tenant(session, principal.tenant_id) if write
                          else session.get(Tenant, principal.tenant_id))
                if tenant is None:  # dropped meanwhile
                    raise Unauthorized()
            outcome.call = Call(session, tenant, principal, outcome.params, tenant_now(tenant),
                                bool(settings["STRICT"]), settings, schema=handle.params)
            outcome.body = view(outcome.call, **path)
            outcome.effects = collected(session)

        @wraps(view)
        def handle(**path: Any):
            state = current_app.extensions["mock_affise"]
            db, settings = state.db, state.settings
            key = api_key(request)
            outcome, caller, principal, tenant = _Outcome(), None, None, None
            action: dict | None = None
            cacheable = not write
            try:
                try:
                    with db.transaction(write=write) as session:
                        caller = _who(session, key)
                        principal = caller.principal
                        # A write locks its tenant and reads it anew (run), not from here.
                        tenant = None if write else caller.tenant
                        # Only a rule that can fire here takes the write path (and its lock).
                        if caller.live_rules and faults.first_match(session, principal.tenant_id,
                                                             request.method, request.path):
                            raise _FaultRulesToCheck()
                        run(session, principal, tenant, outcome, path, settings)
                        if write:  # journaled with the change, in its transaction
                            state.journal.append(driver_connection(session),
                                                 principal.tenant_id,
                                                 tenant_now(outcome.call.tenant),
                                                 _journal_entry(outcome, None))
                            outcome.journaled = True
                except _FaultRulesToCheck:
                    cacheable = False
                    action = _due_fault(db, principal.tenant_id)
                    if action and "delay_ms" in action:
                        time.sleep(action["delay_ms"] / 1000)
                    if action and "status" in action:
                        outcome.body, outcome.status = _fault_answer(action)
                    else:
                        with db.transaction(write=write) as session:
                            run(session, principal, None, outcome, path, settings)
            except AffiseError as error:
                if principal is None:
                    raise  # no key, or nobody's: there is no tenant to journal for
                outcome.fail(error)
                if isinstance(error, GenerationRefused):  # its transaction was rolled back
                    with db.transaction(write=True) as session:
                        locked = lock_tenant(session, principal.tenant_id)
                        if locked is not None:  # not dropped meanwhile
                            error.report.keep(session, locked)
            except Exception:
                log.exception("unhandled error on %s %s", request.method, request.path)
                if principal is None:
                    raise
                outcome.fail(ServerError())
                cacheable = False
            if not outcome.journaled:
                # the time the answer was rendered at (on a running clock, later is too late)
                if tenant is None:
                    tenant = caller.tenant
                now = outcome.call.now if outcome.call is not None else tenant_now(tenant)
                entry = _journal_entry(outcome, action)
                state.journal.record(principal.tenant_id, now, entry)
                if cacheable and REQUEST_KEY in request.environ:
                    request.environ[TICKET] = Ticket(principal.tenant_id,
                                                     (tenant.data_version, now), entry)
            if action and action.get("drop_after_commit"):
                drop_connection(request)
            return Response(outcome.payload(), status=outcome.status, mimetype=JSON_TYPE)

        handle.params = params  # type: ignore[attr-defined]
        return handle

    return decorate


def _journal_entry(outcome: _Outcome, action: dict | None) -> journal.Entry:
    fault = None
    if action:
        fault = next(name for name in ("status", "drop_after_commit", "delay_ms") if name in action)
    return current_app.extensions["mock_affise"].journal.entry(
        request.method, request.path, outcome.params or dict(request.args), outcome.status,
        outcome.body, outcome.effects, fault, outcome.payload())
