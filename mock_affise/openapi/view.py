"""GET /openapi.json: the mock's own OpenAPI 3.1 document (no key needed)."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..api.wire import json_response
from .document import openapi_document

blueprint = Blueprint("docs", __name__)


@blueprint.get("/openapi.json")
def openapi_json():
    """Answer the document, built once per app on first request."""
    return json_response(openapi_document(current_app))
