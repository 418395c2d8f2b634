"""A client for a running mock-affise: tenants, their Affise calls and every control call.

It needs only `requests` and the standard library (no Flask, no pytest), so a script, another
test runner or a notebook can drive the mock as the pytest plugin does:

    from mock_affise.client import MockAffise

    mock = MockAffise("http://127.0.0.1:8080")  # control_token="..." when the server has one
    with mock.create_tenant() as affise:         # a fresh tenant, dropped at the end
        affise.post("/3.1/payments/generate", data={"date": "2024-06-15"})
        print(affise.generations())

requests is imported when the first session is made, so importing this module stays cheap.
"""

from __future__ import annotations

from .http import (
    HTTP_TIMEOUT_SECONDS,
    TOKEN_HEADER,
    Document,
    DocumentError,
    MockAffiseControlError,
    api_session,
    resolve_document,
)
from .server import MockAffise
from .tenant import AffiseTenant

__all__ = [
    "HTTP_TIMEOUT_SECONDS",
    "TOKEN_HEADER",
    "AffiseTenant",
    "Document",
    "DocumentError",
    "MockAffise",
    "MockAffiseControlError",
    "api_session",
    "resolve_document",
]
