"""Flood a journal with megabyte parameters, and measure what it keeps."""

from __future__ import annotations

from sqlalchemy import Text, cast, func, select

from mock_affise.models import JournalBody, JournalEntry
from tests.conftest import ADMIN_KEY

MEGABYTE = 1024 * 1024
PER_CALL = 16384 + 1024  # the default value bound, with room for the rest of an entry


def stored_bytes(app) -> int:
    """Return the bytes the journal's parameters and bodies take in the database."""
    with app.extensions["mock_affise"].db.transaction() as session:
        parameters = session.scalar(select(func.sum(func.length(cast(JournalEntry.parameters, Text)))))
        bodies = session.scalar(select(func.sum(func.length(cast(JournalBody.body, Text)))))
    return (parameters or 0) + (bodies or 0)


def flood(app, calls: int) -> int:
    """Send calls requests with a megabyte parameter each; return the journal answer's size."""
    client = app.test_client()
    for n in range(calls):
        client.get("/3.1/payments", headers={"API-Key": ADMIN_KEY},
                   query_string={"blob": str(n % 10) * MEGABYTE})
    answer = client.get("/_mock/requests", headers={"API-Key": ADMIN_KEY},
                        query_string={"limit": str(calls)})
    assert len(answer.json["requests"]) == calls
    return len(answer.data)
