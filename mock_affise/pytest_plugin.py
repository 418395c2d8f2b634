"""pytest plugin: one live mock-affise server per session, and a fresh tenant for every test.

Installing the package registers it (pytest11 entry point). Fixtures:

- ``mock_affise_server`` (session): the server. By default it runs in a thread of the test
  process, on 127.0.0.1 and a free port, over a temporary SQLite file. With MOCK_AFFISE_URL set,
  no thread starts and every fixture talks to that server instead (a container in CI);
  MOCK_AFFISE_CONTROL_TOKEN, when set, goes with every /_mock call as X-Mock-Control-Token.
- ``affise`` (function): a tenant of its own, made from the test's fixture document and dropped
  after the test, with an admin ``requests`` session and helpers for the control plane.
- ``affise_fixture_document`` (function, override it): the document for ``affise``; None means
  the server's default. The marker ``@pytest.mark.affise_fixture(document_or_path)`` wins over it.
- ``mock_affise_settings`` (session, override it): extra create_app settings for the in-thread
  server, e.g. ``{"STRICT": True}``.

This module imports only pytest and the standard library: werkzeug's server, the app and
requests load when a fixture first needs them (requests is only a test extra).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import requests
    from flask import Flask

URL_VARIABLE = "MOCK_AFFISE_URL"
TOKEN_VARIABLE = "MOCK_AFFISE_CONTROL_TOKEN"
TOKEN_HEADER = "X-Mock-Control-Token"  # as in mock_affise.api.control, which would import Flask
MARKER = "affise_fixture"
# An external server (a container) may still be starting when the session begins.
EXTERNAL_WAIT_SECONDS = 10.0
# Every HTTP call gives up after this long: a hung server fails a test instead of hanging CI.
HTTP_TIMEOUT_SECONDS = 30.0

Document = Mapping[str, Any] | str | os.PathLike[str]


class MockAffiseControlError(RuntimeError):
    """A /_mock control call failed; the message is the server's own (Affise's envelope)."""

    def __init__(self, method: str, url: str, status: int | None, message: str,
                 body: Any = None) -> None:
        answered = f"answered {status}" if status is not None else "failed"
        super().__init__(f"{method} {url} {answered}: {message}")
        self.method = method
        self.url = url
        self.status = status
        self.message = message
        self.body = body


def pytest_configure(config: pytest.Config) -> None:
    """Register the affise_fixture marker, so --strict-markers accepts it."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(document): the fixture document for the test's `affise` tenant: a dict, or "
        "the path of a JSON/YAML file (relative paths start at the test file's directory)",
    )


# ------------------------------------------------------------------------------ HTTP sessions


@cache
def _session_class() -> type[requests.Session]:
    import requests

    class AffiseSession(requests.Session):
        """A requests session that resolves "/path" against the mock's URL and sends one key."""

        def __init__(self, base_url: str, api_key: str | None = None) -> None:
            super().__init__()
            self.base_url = base_url
            if api_key:
                self.headers["API-Key"] = api_key

        def request(self, method: str | bytes, url: str | bytes, *args: Any,
                    **kwargs: Any) -> requests.Response:
            """Send the request; a URL starting with / is taken as a path on the mock."""
            if isinstance(url, str) and url.startswith("/"):
                url = self.base_url + url
            kwargs.setdefault("timeout", HTTP_TIMEOUT_SECONDS)
            return super().request(method, url, *args, **kwargs)

    return AffiseSession


def api_session(base_url: str, api_key: str | None = None) -> requests.Session:
    """Return a requests session on the mock at base_url that sends api_key as API-Key."""
    return _session_class()(base_url, api_key)


def _json_default(value: Any) -> Any:
    # Money stays exact and timestamps take the fixture format, so a document built with
    # Decimal and datetime values posts as the server reads it.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable in a fixture document")


def _document_body(document: Document | None) -> tuple[bytes, str] | None:
    """Return a fixture document as a control-call body and its content type (None: none)."""
    if document is None:
        return None
    if isinstance(document, Mapping):
        return json.dumps(document, default=_json_default).encode(), "application/json"
    path = Path(document)
    suffix = path.suffix.lower()
    # The file goes as it is, so the server parses it exactly as `mock-affise serve` would.
    content_type = "application/yaml" if suffix in (".yaml", ".yml") else "application/json"
    return path.read_bytes(), content_type


def resolve_document(document: Any, base_dir: Path, origin: str) -> Document | None:
    """Check a chosen fixture document; make a relative path absolute under base_dir."""
    if document is None or isinstance(document, Mapping):
        return document
    if not isinstance(document, str | os.PathLike):
        pytest.fail(f"{origin}: expected a dict or the path of a JSON/YAML file, "
                    f"got {type(document).__name__}", pytrace=False)
    path = Path(document)
    if not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        pytest.fail(f"{origin}: fixture file {path} does not exist", pytrace=False)
    return path


# ------------------------------------------------------------------------------ the server


class AffiseServer:
    """A running mock: its base URL, and its Flask app when it runs in this process."""

    def __init__(self, url: str, control_token: str | None = None,
                 app: Flask | None = None) -> None:
        self.url = url.rstrip("/")
        self.control_token = control_token
        self.app = app
        self._http: requests.Session | None = None

    def __repr__(self) -> str:
        where = "in-thread" if self.app is not None else "external"
        return f"<AffiseServer {self.url} ({where})>"

    @property
    def http(self) -> requests.Session:
        """The session control calls go through (it carries the control token, no API key)."""
        if self._http is None:
            self._http = api_session(self.url)
            if self.control_token:
                self._http.headers[TOKEN_HEADER] = self.control_token
        return self._http

    def control(self, method: str, path: str, *, json_body: Any = None,
                document: Document | None = None, params: Mapping[str, Any] | None = None,
                ) -> dict[str, Any]:
        """Call the control plane at path; return its answer or raise MockAffiseControlError."""
        __tracebackhide__ = True  # a failure reads as the caller's line and the server's message
        import requests

        kwargs: dict[str, Any] = {"params": params}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body, default=_json_default).encode()
            kwargs["headers"] = {"Content-Type": "application/json"}
        body = _document_body(document)
        if body is not None:
            kwargs["data"] = body[0]
            kwargs["headers"] = {"Content-Type": body[1]}
        try:
            response = self.http.request(method, path, **kwargs)
        except requests.RequestException as exc:
            reason = f"cannot reach mock-affise at {self.url} ({exc})"
            raise MockAffiseControlError(method, self.url + path, None, reason) from None
        return _control_answer(response, method, path)

    def wait_until_ready(self, seconds: float) -> None:
        """Poll /_mock/health until it answers, for at most seconds; raise when it never does."""
        __tracebackhide__ = True
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.control("GET", "/_mock/health")
                return
            except MockAffiseControlError as exc:
                if exc.status is not None or time.monotonic() >= deadline:
                    raise
            time.sleep(0.2)

    def create_tenant(self, document: Document | None = None,
                      base_dir: Path | None = None) -> AffiseTenant:
        """Make a tenant from document (None: the server's default document).

        base_dir is where the tenant's reset() looks for relative paths (default: the cwd).
        """
        __tracebackhide__ = True
        made = self.control("POST", "/_mock/tenants", document=document)
        return AffiseTenant(self, made, base_dir)

    def delete_tenant(self, tenant_id: int) -> None:
        """Drop a tenant; one already gone is fine."""
        __tracebackhide__ = True
        try:
            self.control("DELETE", f"/_mock/tenants/{tenant_id}")
        except MockAffiseControlError as exc:
            if exc.status != 404:
                raise

    def close(self) -> None:
        """Close the control session's connections."""
        if self._http is not None:
            self._http.close()
            self._http = None


def _control_answer(response: requests.Response, method: str, path: str) -> dict[str, Any]:
    __tracebackhide__ = True
    try:
        body = response.json()
    except ValueError:
        body = None
    failed = isinstance(body, dict) and body.get("status") == 2
    if response.ok and isinstance(body, dict) and not failed:
        return body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = body["message"]
    else:
        message = f"not a mock-affise answer: {response.text[:200]!r}"
    raise MockAffiseControlError(method, path, response.status_code, message, body)


@contextmanager
def serve_in_thread(settings: Mapping[str, Any]) -> Iterator[tuple[str, Flask]]:
    """Serve create_app(settings) on 127.0.0.1 and a free port in a thread; yield URL and app."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from . import create_app

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Skip the access log: the tenant's journal records every call."""

    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    # A short poll interval: shutdown() waits for the loop's next look at its flag.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"mock-affise-{server.port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["mock_affise"].db.dispose()


# ------------------------------------------------------------------------------ a tenant


class AffiseTenant:
    """One test's Affise network on the mock: keys, an admin session, control-plane helpers.

    Control calls go to /_mock/tenants/{id}/...; a failed one raises MockAffiseControlError
    with the server's message.
    """

    def __init__(self, server: AffiseServer, made: Mapping[str, Any],
                 base_dir: Path | None = None) -> None:
        self.server = server
        self.url = server.url
        self.tenant_id: int = made["tenant"]
        self.base_dir = base_dir or Path.cwd()
        self._sessions: list[requests.Session] = []
        self._take_keys(made)
        self.session = self._session(self.admin_key)

    def __repr__(self) -> str:
        return f"<AffiseTenant {self.tenant_id} at {self.url}>"

    def _take_keys(self, made: Mapping[str, Any]) -> None:
        keys = made["api_keys"]
        self.admin_key: str = keys["admin"]
        self.manager_keys: dict[str, str] = dict(keys["managers"])
        self.affiliate_keys: dict[int, str] = {int(a): k for a, k in keys["affiliates"].items()}

    def _session(self, key: str | None) -> requests.Session:
        session = api_session(self.url, key)
        self._sessions.append(session)
        return session

    # --------------------------------------------------------------- Affise calls as admin

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send an Affise call with the admin key; path starts with /."""
        return self.session.request(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET path with the admin key."""
        return self.session.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST to path with the admin key."""
        return self.session.post(path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE path with the admin key."""
        return self.session.delete(path, **kwargs)

    def as_affiliate(self, affiliate_id: int) -> requests.Session:
        """Return a session that sends this affiliate's key."""
        try:
            key = self.affiliate_keys[int(affiliate_id)]
        except KeyError:
            known = ", ".join(str(a) for a in sorted(self.affiliate_keys)) or "none"
            raise KeyError(f"affiliate {affiliate_id} is not in tenant {self.tenant_id} "
                           f"(its affiliates: {known})") from None
        return self._session(key)

    def as_manager(self, manager_id: str) -> requests.Session:
        """Return a session that sends this manager's key (admin or affiliate_manager)."""
        try:
            key = self.manager_keys[manager_id]
        except KeyError:
            known = ", ".join(sorted(self.manager_keys)) or "none"
            raise KeyError(f"manager {manager_id} is not in tenant {self.tenant_id} "
                           f"(its managers: {known})") from None
        return self._session(key)

    # --------------------------------------------------------------- control plane

    def control(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Call /_mock/tenants/{id}{path}; see AffiseServer.control."""
        __tracebackhide__ = True
        return self.server.control(method, f"/_mock/tenants/{self.tenant_id}{path}", **kwargs)

    def clock(self) -> dict[str, Any]:
        """Return the tenant clock: {"now": "YYYY-MM-DD HH:MM:SS", "frozen": bool}."""
        return _without_status(self.control("GET", "/clock"))

    def set_clock(self, when: str | datetime, frozen: bool | None = None) -> dict[str, Any]:
        """Set the tenant clock to when ("2024-07-01 00:00:00"); return the clock."""
        body: dict[str, Any] = {"set": when}
        if frozen is not None:
            body["frozen"] = frozen
        return _without_status(self.control("POST", "/clock", json_body=body))

    def advance(self, duration: str | int | timedelta) -> dict[str, Any]:
        """Move the tenant clock on by "3d", "90m"..., a timedelta or seconds; return the clock."""
        if isinstance(duration, timedelta):
            duration = int(duration.total_seconds())
        body = ({"advance_seconds": duration} if isinstance(duration, int)
                else {"advance": duration})
        return _without_status(self.control("POST", "/clock", json_body=body))

    def snapshot(self, name: str) -> dict[str, Any]:
        """Save the tenant's state as name; return {"name": ..., "created_at": ...}."""
        return self.control("POST", "/snapshots", json_body={"name": name})["snapshot"]

    def restore(self, name: str) -> None:
        """Put the tenant back exactly as snapshot name has it."""
        self.control("POST", f"/snapshots/{name}/restore")

    def reset(self, document: Document | None = None) -> None:
        """Go back to the seed, or reseed from document; clock, journal and faults are cleared.

        A new document may change the API keys: the admin session follows, affiliate and
        manager sessions made before do not.
        """
        document = resolve_document(document, self.base_dir, "reset")
        made = self.control("POST", "/reset", document=document)
        self._take_keys(made)
        self.session.headers["API-Key"] = self.admin_key

    def export(self) -> dict[str, Any]:
        """Return the tenant's whole state as a fixture document."""
        return self.control("GET", "/export")

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Return the journal, oldest first; filters: method, path (trailing * = prefix),
        status, since, limit."""
        return self.control("GET", "/requests", params=filters)["requests"]

    def clear_requests(self) -> None:
        """Empty the journal."""
        self.control("DELETE", "/requests")

    def fault(self, match: Mapping[str, Any] | None = None,
              action: Mapping[str, Any] | None = None, *, times: int | None = None,
              probability: float | None = None, seed: int | None = None) -> dict[str, Any]:
        """Add a fault rule (first match wins) and return it as the server stored it.

        match: {"method": "POST", "path": "/3.1/payments/generate"} (None: every call);
        action: {"status": 500} | {"delay_ms": 800} | {"drop_after_commit": True} |
        {"status": 502, "body": {...}}.
        """
        rule: dict[str, Any] = {"match": dict(match or {}), "action": dict(action or {})}
        for name, value in (("times", times), ("probability", probability), ("seed", seed)):
            if value is not None:
                rule[name] = value
        return self.control("POST", "/faults", json_body=rule)["fault"]

    def faults(self) -> list[dict[str, Any]]:
        """Return the fault rules in matching order, with how often each was seen and fired."""
        return self.control("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        """Delete every fault rule."""
        self.control("DELETE", "/faults")

    def generations(self) -> list[dict[str, Any]]:
        """Return one report per generate/create call: invoices made, affiliates skipped, why."""
        return self.control("GET", "/generations")["generations"]

    def set_generation_delay(self, seconds: int) -> None:
        """Make generations take seconds on the tenant clock (0: invoices exist at once)."""
        self.control("POST", "/config", json_body={"generation_delay_seconds": seconds})

    def close(self) -> None:
        """Close every session made for this tenant."""
        for session in self._sessions:
            session.close()
        self._sessions.clear()


def _without_status(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "status"}


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def mock_affise_settings() -> dict[str, Any]:
    """Extra create_app settings for the in-thread server (override to change them)."""
    return {}


@pytest.fixture(scope="session")
def mock_affise_server(tmp_path_factory: pytest.TempPathFactory,
                       mock_affise_settings: dict[str, Any]) -> Iterator[AffiseServer]:
    """The mock for this session: in a thread, or the server MOCK_AFFISE_URL names."""
    token = os.environ.get(TOKEN_VARIABLE) or None
    external = os.environ.get(URL_VARIABLE)
    if external:
        server = AffiseServer(external, token)
        try:
            server.wait_until_ready(EXTERNAL_WAIT_SECONDS)
            yield server
        finally:
            server.close()
        return
    # A file, not memory: every server thread then gets a connection of its own.
    database = tmp_path_factory.mktemp("mock-affise") / "mock-affise.db"
    settings = {"DATABASE_URL": f"sqlite:///{database.as_posix()}", **mock_affise_settings}
    with serve_in_thread(settings) as (url, app):
        server = AffiseServer(url, token, app)
        try:
            yield server
        finally:
            server.close()


@pytest.fixture
def affise_fixture_document() -> Document | None:
    """The fixture document for the test's tenant: None for the server's default (override)."""
    return None


@pytest.fixture
def affise(request: pytest.FixtureRequest, mock_affise_server: AffiseServer,
           affise_fixture_document: Document | None) -> Iterator[AffiseTenant]:
    """A fresh tenant for this test, dropped after it."""
    base_dir = request.path.parent
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if len(marker.args) + len(marker.kwargs) != 1 or set(marker.kwargs) - {"document"}:
            pytest.fail(f"@pytest.mark.{MARKER} takes one argument: a dict or a path",
                        pytrace=False)
        chosen = marker.args[0] if marker.args else marker.kwargs["document"]
        document = resolve_document(chosen, base_dir, f"@pytest.mark.{MARKER}")
    else:
        document = resolve_document(affise_fixture_document, base_dir, "affise_fixture_document")
    tenant = mock_affise_server.create_tenant(document, base_dir)
    try:
        yield tenant
    finally:
        tenant.close()
        mock_affise_server.delete_tenant(tenant.tenant_id)
