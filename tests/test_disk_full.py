"""A database out of space: a 507 in Affise's envelope, and service again once space returns."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.conftest import ADMIN_KEY, SERVER_URL

KEY = {"API-Key": ADMIN_KEY}
FULL = "Insufficient Storage: the database is out of space"
NOTES = "n" * 60_000  # a row of overflow pages: more than a full file has room for

pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="fills an SQLite file, not a server")


def _cap_at_current_size(dbapi_connection, _record) -> None:
    # max_page_count is per connection and cannot go below the file's size: the file is full.
    cursor = dbapi_connection.cursor()
    pages = cursor.execute("PRAGMA page_count").fetchone()[0]
    cursor.execute(f"PRAGMA max_page_count={pages}")
    cursor.close()


@pytest.fixture
def full_disk(make_app):
    """An app on an SQLite file that cannot grow, and a function giving it room again."""
    app = make_app(shared=True)
    db = app.extensions["mock_affise"].db
    db.dispose()  # every connection from now on is capped
    event.listen(db.engine, "connect", _cap_at_current_size)

    def free_space() -> None:
        event.remove(db.engine, "connect", _cap_at_current_size)
        db.dispose()

    return app, free_space


def test_a_write_on_a_full_database_answers_507_in_the_envelope(full_disk):
    app, _ = full_disk
    client = app.test_client()

    response = client.post("/3.0/admin/partner/3", headers=KEY, data={"notes": NOTES})

    assert response.status_code == 507
    assert response.json == {"status": 2, "message": FULL, "error": FULL}
    assert client.get("/3.0/admin/partner/3", headers=KEY).json["partner"]["notes"] != NOTES


def test_a_control_call_on_a_full_database_answers_507(full_disk):
    app, _ = full_disk

    response = app.test_client().post("/_mock/snapshots", headers=KEY, json={"name": "before"})

    assert response.status_code == 507
    assert response.json["message"] == FULL


def test_the_same_write_succeeds_once_space_returns(full_disk):
    app, free_space = full_disk
    client = app.test_client()
    assert client.post("/3.0/admin/partner/3", headers=KEY,
                       data={"notes": NOTES}).status_code == 507

    free_space()
    response = client.post("/3.0/admin/partner/3", headers=KEY, data={"notes": NOTES})

    assert response.status_code == 200
    assert client.get("/3.0/admin/partner/3", headers=KEY).json["partner"]["notes"] == NOTES
