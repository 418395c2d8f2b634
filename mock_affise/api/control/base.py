"""The control plane's shared machinery: token, tenant lookup, body, transaction, routing.

It lives outside Affise's paths and never changes their shape. A call names its tenant with
any of the tenant's API keys (API-Key header or api-key query), or by the path
/_mock/tenants/{id}/...; a CONTROL_TOKEN, when configured, must come in X-Mock-Control-Token.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...callers import find_caller
from ...db import lock_tenant
from ...errors import AffiseError, BadRequest, NotFound, Unauthorized, UnknownKey
from ...fixtures import FixtureError, parse_document
from ...models import Tenant
from ...network import Page
from ..endpoint import database
from ..wire import api_key, json_response, parse_json_body, read_body

blueprint = Blueprint("control", __name__, url_prefix="/_mock")
TOKEN_HEADER = "X-Mock-Control-Token"


class WrongControlToken(AffiseError):
    status_code = 403
    message = "Control token is wrong"


class TenantUnnamed(BadRequest):
    message = ("Name the tenant: send one of its API keys in the API-Key header, "
               "or call /_mock/tenants/{id}/...")


def settings() -> dict[str, Any]:
    """Return the app's settings."""
    return current_app.extensions["mock_affise"].settings


def check_token(given: str | None, where: str = f"send it in {TOKEN_HEADER}") -> None:
    """Refuse a control call without the configured CONTROL_TOKEN (none configured: no check)."""
    expected = settings().get("CONTROL_TOKEN")
    if not expected:
        return
    if not given:
        raise Unauthorized(f"Control token is necessary: {where}")
    if not hmac.compare_digest(given.encode(), str(expected).encode()):
        raise WrongControlToken()


@blueprint.before_request
def _check_token() -> None:
    if request.endpoint != "control.health":
        check_token(request.headers.get(TOKEN_HEADER))


@blueprint.get("/health")
def health():
    """Answer 200 once the database answers; no key needed."""
    with database().transaction() as session:
        session.execute(text("SELECT 1"))
    return json_response({"status": 1, "ready": True})


@blueprint.before_request
def _settle_journal() -> None:
    # Reads of the journal, and the calls that clear it (reset, tenant deletion), see every
    # call answered before them, whichever process answered it. Liveness never waits.
    if request.endpoint != "control.health":
        current_app.extensions["mock_affise"].journal.settle()


YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


def body() -> Any:
    """Return the JSON (or YAML) body of a control call; {} when there is none."""
    data = read_body(request)
    if not data.strip():
        return {}
    if request.mimetype in YAML_TYPES:
        return fixture_body()
    return parse_json_body(data)


def fixture_body() -> Any:
    """Return the fixture document a control call carries, JSON or YAML; {} when there is none.

    A document is held to the fixture's own size rule, the same for every way in, not to the
    wire's limits for request parameters.
    """
    data = read_body(request)
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


def fixture_error(error: FixtureError) -> BadRequest:
    """Return the 400 for a fixture document that does not validate, with every problem."""
    problem = BadRequest("Invalid fixture: " + "; ".join(error.problems))
    problem.problems = error.problems  # type: ignore[attr-defined]
    return problem


def _tenant_of_key(session: Session) -> int:
    key = api_key(request)
    if not key:
        raise TenantUnnamed()
    caller = find_caller(session, key, request.method)
    if caller is None:
        raise UnknownKey()
    return caller.principal.tenant_id


@contextmanager
def tenant_session(tenant_id: int | None, write: bool = False) -> Iterator[tuple[Session, Tenant]]:
    """Open one transaction on a tenant (by id, else by the request's API key), locked to write.

    A fixture document that does not validate inside it is the 400 naming every problem.
    """
    with database().transaction(write=write) as session:
        if tenant_id is None:
            tenant_id = _tenant_of_key(session)
        tenant = lock_tenant(session, tenant_id) if write else session.get(Tenant, tenant_id)
        if tenant is None:
            raise NotFound("Tenant not found")
        try:
            yield session, tenant
        except FixtureError as exc:
            raise fixture_error(exc) from exc


def control(write: bool = False) -> Callable:
    """Wrap a control view: find its tenant (by path id or API key), run in one transaction."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(tenant_id: int | None = None, **kwargs: Any):
            with tenant_session(tenant_id, write) as (session, tenant):
                answer = view(session, tenant, **kwargs)
            return json_response(answer)

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


def pagination(page: Page[Any]) -> dict[str, int]:
    """Render where a page of a control list sits, as the mock's invoice lists do."""
    return {"page": page.page, "limit": page.limit, "total": page.total}
