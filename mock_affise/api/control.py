"""The /_mock control plane: outside Affise's paths, never changing their shape."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from .endpoint import database
from .wire import json_response

blueprint = Blueprint("control", __name__, url_prefix="/_mock")


@blueprint.get("/health")
def health():
    """Answer 200 once the database answers; no key needed."""
    with database().transaction() as session:
        session.execute(text("SELECT 1"))
    return json_response({"status": 1, "ready": True})
