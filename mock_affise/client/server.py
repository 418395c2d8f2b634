"""The handle on a running mock: control calls, health, tenants made and dropped."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..inprocess import call_wsgi
from .http import (
    TOKEN_HEADER,
    Document,
    MockAffiseControlError,
    api_session,
    control_answer,
    document_body,
    json_default,
    resolve_document,
)
from .tenant import AffiseTenant

if TYPE_CHECKING:
    import requests


class MockAffise:
    """A running mock at url: makes and drops tenants, and sends the control calls.

    app is the Flask app when the server runs in this process (the pytest plugin's), else None.
    """

    def __init__(self, url: str, control_token: str | None = None, app: Any = None) -> None:
        self.url = url.rstrip("/")
        self.control_token = control_token
        self.app = app
        self._http: requests.Session | None = None

    def __repr__(self) -> str:
        where = "in-thread" if self.app is not None else "external"
        return f"<{type(self).__name__} {self.url} ({where})>"

    def __enter__(self) -> MockAffise:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

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
            kwargs["data"] = json.dumps(json_body, default=json_default).encode()
            kwargs["headers"] = {"Content-Type": "application/json"}
        body = document_body(document)
        if body is not None:
            kwargs["data"] = body[0]
            kwargs["headers"] = {"Content-Type": body[1]}
        if self.app is not None:
            return self._control_in_process(method, path, kwargs)
        try:
            response = self.http.request(method, path, **kwargs)
        except requests.RequestException as exc:
            reason = f"cannot reach mock-affise at {self.url} ({exc})"
            raise MockAffiseControlError(method, self.url + path, None, reason) from None
        return control_answer(response.status_code, response.content, method, path)

    def _control_in_process(self, method: str, path: str, kwargs: dict[str, Any]
                            ) -> dict[str, Any]:
        """Send a control call straight to the app in this process: the same WSGI app, no socket.

        The plugin's server lives in the test process; its tenants are made and dropped per
        test, and a round trip through a socket cost more than making one.
        """
        __tracebackhide__ = True
        headers = dict(kwargs.get("headers") or {})
        if self.control_token:
            headers[TOKEN_HEADER] = self.control_token
        params = {name: value for name, value in (kwargs["params"] or {}).items()
                  if value is not None}  # as requests leaves them out
        joined = "&" if "?" in path else "?"  # a path with a query of its own: one query
        url = f"{path}{joined}{urlencode(params, doseq=True)}" if params else path
        status, _, body = call_wsgi(self.app, method, url, kwargs.get("data") or b"", headers)
        return control_answer(status, body, method, path)

    def health(self) -> dict[str, Any]:
        """Return /_mock/health's answer: {"status": 1, "ready": True} when serving."""
        return self.control("GET", "/_mock/health")

    def wait_until_ready(self, seconds: float) -> None:
        """Poll /_mock/health until it answers, for at most seconds; raise when it never does."""
        __tracebackhide__ = True
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.health()
                return
            except MockAffiseControlError as exc:
                if exc.status is not None or time.monotonic() >= deadline:
                    raise
            time.sleep(0.2)

    def tenants(self) -> list[dict[str, Any]]:
        """Return every tenant as {"tenant": id, "admin": its admin key}."""
        return self.control("GET", "/_mock/tenants")["tenants"]

    def create_tenant(self, document: Document | None = None,
                      base_dir: Path | None = None) -> AffiseTenant:
        """Make a tenant from document (None: the server's default document).

        A relative path, and later the tenant's reset(), start at base_dir (default: the cwd).
        """
        __tracebackhide__ = True
        base_dir = base_dir or Path.cwd()
        document = resolve_document(document, base_dir, "create_tenant")
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
