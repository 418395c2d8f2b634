"""Answer calls to an Affise URL with the mock running in this process, as moto does for AWS.

    import mock_affise

    with mock_affise.intercept("https://api-mynetwork.affise.com") as mock:  # also a decorator
        requests.get("https://api-mynetwork.affise.com/3.1/currency", headers={"API-Key": k})

Every `requests` call (any Session, a subclass, adapters mounted on it) goes through
HTTPAdapter.send, which the `responses` library patches; every `httpx` call (Client and
AsyncClient) goes through httpx's default transports, whose handle methods are patched here.
Calls to the intercepted URL run the Flask app in-process (no socket, no thread); other hosts
are left alone, or refused with the client's own connection error (others="refuse").
The module is not named `intercept`: importing it would then hide the package's function.

Faults behave as over a socket: drop_after_commit raises requests' ConnectionError, httpx's
RemoteProtocolError ("Server disconnected without sending a response."). delay_ms sleeps the
delay for real, once, as the server does: a client's timeout is not applied in-process.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import ContextDecorator, ExitStack
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from .inprocess import call_wsgi

if TYPE_CHECKING:
    from flask import Flask

CLIENTS = ("requests", "httpx")
# The helper each client library needs, and the extra that installs both.
HELPERS = {"requests": "responses"}
EXTRA = "mock-affise[intercept]"

Answer = tuple[int, list[tuple[str, str]], bytes]


class InterceptError(RuntimeError):
    """The interception cannot start: a client library or its helper is missing, or a bad URL."""


class ConnectionDropped(ConnectionError):
    """A drop_after_commit fault fired: the change is applied and no answer is sent."""


class _Connection:
    """The socket the app sees in-process: it only remembers being shut down."""

    dropped = False

    def shutdown(self, how: int) -> None:
        """Record that the app closed the connection without answering."""
        self.dropped = True


class Intercept(ContextDecorator):
    """Route calls to url into app (default: a fresh in-memory mock) while active."""

    def __init__(self, url: str, app: Flask | None = None, *,
                 settings: Mapping[str, Any] | None = None,
                 others: Literal["pass", "refuse"] = "pass",
                 clients: tuple[str, ...] | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InterceptError(f"intercept: expected an http(s) URL, got {url!r}")
        if others not in ("pass", "refuse"):
            raise InterceptError(f"intercept: others must be 'pass' or 'refuse', got {others!r}")
        self.url = f"{parts.scheme}://{parts.netloc}"
        self.others = others
        self.clients = clients
        self._app = app
        self._settings = dict(settings or {})
        self._owns_app = app is None
        self._stack: ExitStack | None = None
        self._pattern = re.compile(re.escape(self.url) + r"(?=[/?#]|$)", re.IGNORECASE)

    def __repr__(self) -> str:
        return f"<Intercept {self.url} others={self.others}>"

    @property
    def app(self) -> Flask:
        """The app answering the intercepted calls (made on first use when none was given)."""
        if self._app is None:
            from . import create_app

            self._app = create_app(self._settings)
        return self._app

    def matches(self, url: str) -> bool:
        """Tell whether url is on the intercepted scheme, host and port."""
        return bool(self._pattern.match(url))

    def __enter__(self) -> Intercept:
        if self._stack is not None:
            raise InterceptError(f"{self!r} is already active")
        chosen = self.clients if self.clients is not None else _installed(CLIENTS)
        stack = ExitStack()
        try:
            self.app  # noqa: B018 (made before the first call, not inside a patched send)
            for client in chosen:
                stack.enter_context(_PATCHERS[client](self))
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def __exit__(self, *exc_info: Any) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()
        if self._owns_app and self._app is not None:
            self._app.extensions["mock_affise"].db.dispose()
            self._app = None

    def answer(self, method: str, url: str, headers: Mapping[str, str] | list[tuple[str, str]],
               body: bytes | None) -> Answer:
        """Run the app on one call; raise ConnectionDropped when a fault drops the connection."""
        connection = _Connection()
        # drop_connection() shuts the server's socket down: this one records that it did.
        answer = call_wsgi(self.app, method, url, body or b"", headers,
                           {"werkzeug.socket": connection})
        if connection.dropped:
            raise ConnectionDropped(f"{method} {url}: the connection was closed, no answer sent")
        return answer


def _installed(names: tuple[str, ...]) -> list[str]:
    import importlib.util

    return [name for name in names if importlib.util.find_spec(name) is not None]


def _require(module: str, client: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InterceptError(f"intercepting {client} needs {module}: pip install '{EXTRA}'"
                             ) from None


# ------------------------------------------------------------------------------ requests


@contextlib.contextmanager
def _patch_requests(target: Intercept) -> Iterator[None]:
    requests = _require("requests", "requests")
    responses = _require("responses", "requests")

    def callback(request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        try:
            status, headers, content = target.answer(request.method, request.url,
                                                      dict(request.headers), body)
        except ConnectionDropped:
            raise requests.exceptions.ConnectionError(
                "Connection aborted: the server closed the connection without a response",
                request=request) from None
        return status, headers, content  # a list: a header sent twice (Set-Cookie) stays two

    # The send in place now (an outer intercept's, or the real one) answers every other host,
    # so intercepts of two networks nest.
    mock = responses.RequestsMock(assert_all_requests_are_fired=False,
                                  real_adapter_send=requests.adapters.HTTPAdapter.send)
    pattern = re.compile(target._pattern.pattern + ".*", re.IGNORECASE | re.DOTALL)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        mock.add_callback(method, pattern, callback=callback)
    if target.others == "pass":
        mock.add_passthru(re.compile(".*"))
    with mock:
        yield


# ------------------------------------------------------------------------------ httpx


@contextlib.contextmanager
def _patch_httpx(target: Intercept) -> Iterator[None]:
    httpx = _require("httpx", "httpx")

    def respond(request: Any) -> Any:
        if not target.matches(str(request.url)):
            if target.others == "refuse":
                raise httpx.ConnectError(f"intercept refuses {request.url.host}: only "
                                         f"{target.url} is served", request=request)
            return None
        try:
            status, headers, content = target.answer(request.method, str(request.url),
                                                     list(request.headers.multi_items()),
                                                     request.read())
        except ConnectionDropped:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request) from None
        return httpx.Response(status, headers=headers, content=content, request=request)

    sync_send: Callable[..., Any] = httpx.HTTPTransport.handle_request
    async_send: Callable[..., Any] = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(transport: Any, request: Any) -> Any:
        answer = respond(request)
        return answer if answer is not None else sync_send(transport, request)

    async def handle_async_request(transport: Any, request: Any) -> Any:
        await request.aread()
        answer = respond(request)
        return answer if answer is not None else await async_send(transport, request)

    httpx.HTTPTransport.handle_request = handle_request
    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request
    try:
        yield
    finally:
        httpx.HTTPTransport.handle_request = sync_send
        httpx.AsyncHTTPTransport.handle_async_request = async_send


_PATCHERS: dict[str, Callable[[Intercept], contextlib.AbstractContextManager[None]]] = {
    "requests": _patch_requests,
    "httpx": _patch_httpx,
}
