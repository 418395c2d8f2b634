"""The client's HTTP layer: keyed sessions, document bodies, control answers and errors."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

TOKEN_HEADER = "X-Mock-Control-Token"  # as in mock_affise.api.control, which would import Flask
# Every HTTP call gives up after this long: a hung server fails a caller instead of hanging it.
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


class DocumentError(ValueError):
    """A fixture document given to the client is neither a dict nor an existing file."""


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


def json_default(value: Any) -> Any:
    # Money stays exact and timestamps take the fixture format, so a document built with
    # Decimal and datetime values posts as the server reads it.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable in a fixture document")


def resolve_document(document: Any, base_dir: Path, origin: str) -> Document | None:
    """Check a chosen fixture document; make a relative path absolute under base_dir.

    Raise DocumentError, its message starting with origin, when it cannot be used.
    """
    if document is None or isinstance(document, Mapping):
        return document
    if not isinstance(document, str | os.PathLike):
        raise DocumentError(f"{origin}: expected a dict or the path of a JSON/YAML file, "
                            f"got {type(document).__name__}")
    path = Path(document)
    if not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise DocumentError(f"{origin}: fixture file {path} does not exist")
    return path


def document_body(document: Document | None) -> tuple[bytes, str] | None:
    """Return a fixture document as a control-call body and its content type (None: none)."""
    if document is None:
        return None
    if isinstance(document, Mapping):
        return json.dumps(document, default=json_default).encode(), "application/json"
    path = Path(document)
    # The file goes as it is, so the server parses it exactly as `mock-affise serve` would.
    yaml = path.suffix.lower() in (".yaml", ".yml")
    return path.read_bytes(), "application/yaml" if yaml else "application/json"


def control_answer(status: int, content: bytes, method: str, path: str) -> dict[str, Any]:
    """Return a control call's answer (status, body), or raise MockAffiseControlError."""
    __tracebackhide__ = True
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    failed = isinstance(body, dict) and body.get("status") == 2
    if status < 400 and isinstance(body, dict) and not failed:
        return body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = body["message"]
    else:
        text = content.decode("utf-8", "replace")
        message = f"not a mock-affise answer: {text[:200]!r}"
    raise MockAffiseControlError(method, path, status, message, body)

