"""Application assembly: settings, database, blueprints, error rendering."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .api.answers import AnswerCache, FastReads
from .api.endpoint import ConnectionDropped
from .api.wire import error_response
from .config import load_settings
from .db import Database
from .errors import (
    AffiseError,
    BadRequest,
    MethodNotAllowed,
    PageNotFound,
    PayloadTooLarge,
    ServerError,
)
from .harness.journal import Journal
from .routing import LazyBuildRule, new_map

log = logging.getLogger("mock_affise")


@dataclass
class MockState:
    """What the app keeps between requests: settings, the database, the journal writer and
    this process's cache of read answers (no tenant state lives here)."""

    settings: dict[str, Any]
    db: Database
    journal: Journal
    answers: AnswerCache
    extra: dict[str, Any] = field(default_factory=dict)


def build_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and wire the Flask app (see mock_affise.create_app)."""
    from .api import register_blueprints
    from .harness.tenants import prepare_database
    from .openapi.view import blueprint as openapi_blueprint

    settings = load_settings(config)
    app = Flask("mock_affise", static_folder=None)  # no static files: no /static/ route
    app.url_rule_class = LazyBuildRule
    app.url_map = new_map()
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.config["MAX_FORM_PARTS"] = 50_000  # bulk-delete of thousands of ids[] is legitimate
    db = Database(settings["DATABASE_URL"])
    journal = Journal(db, settings["JOURNAL_SIZE"], settings["JOURNAL_VALUE_BYTES"],
                      settings["JOURNAL_BODY_BYTES"])
    state = MockState(settings, db, journal, AnswerCache(settings["READ_CACHE_BYTES"]))
    app.extensions["mock_affise"] = state
    prepare_database(db, settings)
    register_blueprints(app)
    app.register_blueprint(openapi_blueprint)
    app.url_map = app.url_map.shared_map()
    _register_error_handlers(app, settings)
    app.wsgi_app = FastReads(app.wsgi_app, db, state.journal, state.answers)  # type: ignore
    return app


def _register_error_handlers(app: Flask, settings: Mapping[str, Any]) -> None:
    @app.before_request
    def _no_double_slash():
        # werkzeug's router drops leading slashes: //3.1/x would be served as /3.1/x.
        if request.environ.get("PATH_INFO", "").startswith("//"):
            raise PageNotFound()

    @app.before_request
    def _no_options():
        # Affise answers GET, POST and DELETE only; OPTIONS gets the 405 envelope too.
        if request.method == "OPTIONS" and request.routing_exception is None:
            raise MethodNotAllowed()

    @app.errorhandler(AffiseError)
    def _affise(error: AffiseError):
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 404:
            return error_response(PageNotFound())
        if error.code == 405:
            response = error_response(MethodNotAllowed())
            if error.valid_methods:
                response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
            return response
        if error.code == 413:
            limit = settings["MAX_BODY_BYTES"]
            return error_response(
                PayloadTooLarge(f"Request Entity Too Large: the body exceeds {limit} bytes")
            )
        if error.code == 400:
            return error_response(BadRequest("Bad Request: the request body could not be read"))
        generic = AffiseError(error.name)
        generic.status_code = error.code or 500
        return error_response(generic)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, ConnectionDropped):
            raise error  # in-process clients see the dropped connection as this exception
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ServerError())
