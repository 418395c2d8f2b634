"""The whole document, and the copy each app keeps."""

from __future__ import annotations

from flask import Flask

from ..api import register_blueprints
from . import advertisers
from .affise import PATH_IDS, REQUESTS, network_paths, payments_paths
from .blocks import KEYED, OPEN, Schema, ok_response, operation
from .components import components
from .control import CONTROL_TAG, control_paths
from .requests import add_request_side


def build_document(app: Flask | None = None) -> Schema:
    """Build the whole OpenAPI 3.1 document (a fresh dict on every call).

    The Affise routes' parameters and bodies come from the schemas app's views load; without
    an app, from the blueprints on a bare Flask app (no database).
    """
    if app is None:
        app = Flask("mock_affise")
        register_blueprints(app)
    affise = {**payments_paths(), **network_paths(), **advertisers.advertiser_invoice_paths()}
    bodies = add_request_side(affise, app, {**REQUESTS, **advertisers.REQUESTS},
                              {**PATH_IDS, **advertisers.PATH_IDS})
    paths = {**affise, **control_paths(),
             "/openapi.json": {"get": operation(
                 "openapi", "This document", tag="documentation", security=OPEN,
                 errors=(500,), ok=ok_response({"type": "object", "required": ["openapi"]},
                                               "The OpenAPI 3.1 document"))}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mock-affise",
            "version": _version(),
            "summary": "A stateful, wire-faithful emulator of the Affise affiliate billing API",
            "description": (
                "The Affise routes the mock implements, in Affise's wire shapes, plus its "
                "/_mock control plane. Every answer is JSON; errors use Affise's envelope "
                "{status: 2, message, error}. POST parameters may be sent as a form, a "
                "multipart form, a JSON object or in the query string (query and body merge, "
                "the body wins). Fault rules (POST /_mock/faults) may answer any status on "
                "any route; this document describes the answers without them."),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [{"name": name} for name in ("payments", "partners", "reference",
                                              "conversions", advertisers.TAG, CONTROL_TAG,
                                              "documentation")],
        "security": KEYED,
        "paths": paths,
        "components": components(bodies),
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mock-affise")
    except PackageNotFoundError:
        return "0.0.0"


def openapi_document(app: Flask) -> Schema:
    """Return the app's document, built on first use and kept for the app's life."""
    extra = app.extensions["mock_affise"].extra
    if "openapi" not in extra:
        extra["openapi"] = build_document(app)
    return extra["openapi"]
