"""GET /_mock/coverage: the Affise operations the mock implements, and those it answers 501 to."""

from __future__ import annotations

from flask import Response, current_app

from ..not_emulated import coverage
from ..wire import json_response
from .base import blueprint


@blueprint.get("/coverage")
def coverage_view() -> Response:
    """List the implemented and the not-emulated operations, computed from the route table."""
    found = coverage(current_app)
    return json_response({"status": 1, **{
        name: [{"method": method, "path": path} for method, path in operations]
        for name, operations in found.items()}})
