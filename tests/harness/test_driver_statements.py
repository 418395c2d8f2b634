"""Statements sent on the driver's own connection: the tenant lock, and errors as SQLAlchemy's."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from mock_affise import db as db_module
from mock_affise.db import driver_execute, lock_tenant
from mock_affise.models import Tenant
from tests.conftest import ADMIN_KEY


def test_the_lock_bumps_the_version_and_refreshes_a_tenant_the_session_holds(app):
    db = app.extensions["mock_affise"].db
    with db.transaction(write=True) as session:
        held = session.get(Tenant, 1)
        version = held.data_version
        held.next_correction_id += 5  # a change the session has not sent yet
        pending = held.next_correction_id
        locked = lock_tenant(session, 1)
        assert locked is held
        assert (locked.data_version, locked.next_correction_id) == (version + 1, pending)
        assert lock_tenant(session, 999_999) is None
    with db.transaction() as session:
        assert session.get(Tenant, 1).next_correction_id == pending


def test_writes_work_on_an_engine_without_update_returning(app, client, monkeypatch):
    # SQLite before 3.35 has no RETURNING: the lock reads the row after its UPDATE instead.
    monkeypatch.setattr(app.extensions["mock_affise"].db.engine.dialect, "update_returning",
                        False)
    reads = []

    def tenant_statement():
        reads.append(1)
        return original()

    original = db_module._tenant_statement
    monkeypatch.setattr(db_module, "_tenant_statement", tenant_statement)
    keyed = {"API-Key": ADMIN_KEY}
    assert client.get("/3.1/payments/2925", headers=keyed).json["payment"]["comment"] != "seen"
    answer = client.post("/3.1/payments/2925", headers=keyed, data={"comment": "seen"})
    assert answer.json == {"status": 1, "result": True}
    # the read after it is not an answer kept from before the write
    assert client.get("/3.1/payments/2925", headers=keyed).json["payment"]["comment"] == "seen"
    assert reads  # the lock took the way without RETURNING


def test_a_driver_error_comes_out_as_sqlalchemys(app):
    with app.extensions["mock_affise"].db.transaction() as session, \
            pytest.raises(DBAPIError) as caught:
        driver_execute(session, "SELECT * FROM no_such_table", {})
    assert "no_such_table" in str(caught.value.orig)
