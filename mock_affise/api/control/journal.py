"""Control views of the journal and the generation reports."""

from __future__ import annotations

from flask import current_app, request

from ...harness import journal
from ...harness.reports import generation_reports
from .base import control, route
from .schemas import JournalQuery, parse


@route("/requests", ["GET"])
@control()
def list_requests(session, tenant):
    """Return the journal, oldest first, filtered by method, path, status, since."""
    query = parse(JournalQuery(), request.args.to_dict())
    size = current_app.extensions["mock_affise"].journal.size
    return {"status": 1, "requests": journal.entries(
        session, tenant.id, size, query["method"], query["path"], query["status"],
        query["since"], query["limit"])}


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
