"""Control views of the journal and the generation reports."""

from __future__ import annotations

from flask import current_app, request

from ...errors import ValidationError
from ...harness import journal
from ...harness.reports import generation_reports
from .base import control, route, settings
from .schemas import JournalQuery, parse


@route("/requests", ["GET"])
@control()
def list_requests(session, tenant):
    """Return the journal, oldest first, filtered by method, path, status, since."""
    query = parse(JournalQuery(), request.args.to_dict())
    ceiling = settings()["JOURNAL_MAX_LIMIT"]
    if query["limit"] and query["limit"] > ceiling:
        raise ValidationError("limit", f"must be at most {ceiling}")
    size = current_app.extensions["mock_affise"].journal.size
    return {"status": 1, "requests": journal.entries(
        session, tenant.id, size, query["method"], query["path"], query["status"],
        query["since"], query["limit"] or settings()["JOURNAL_LIMIT"])}


@route("/requests", ["DELETE"])
@control(write=True)
def clear_requests(session, tenant):
    """Empty the journal."""
    journal.clear(session, tenant.id)
    return {"status": 1, "result": True}


@route("/generations", ["GET"])
@control()
def list_generations(session, tenant):
    """One report per generate/create call: invoices made, affiliates skipped and why."""
    return {"status": 1, "generations": generation_reports(session, tenant.id)}
