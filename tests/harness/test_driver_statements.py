"""Statements sent on the driver's own connection: the tenant lock, reads as SQLAlchemy's, errors
as SQLAlchemy's."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import Integer, bindparam, column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from mock_affise import db as db_module
from mock_affise import driver as driver_module
from mock_affise.db import lock_tenant
from mock_affise.driver import driver_connection, driver_execute, driver_records, list_parameter
from mock_affise.entities import insert_entity, load_entity, update_entity
from mock_affise.models import Conversion, Correction, Payment, Tenant
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


def test_tenants_are_made_on_an_engine_without_insert_returning(app, client, monkeypatch):
    # SQLite before 3.35: a new row's id is the driver's last row id instead.
    dialect = app.extensions["mock_affise"].db.engine.dialect
    if dialect.name != "sqlite":
        pytest.skip("only SQLite (before 3.35) has no INSERT ... RETURNING")
    monkeypatch.setattr(dialect, "insert_returning", False)
    made = [client.post("/_mock/tenants").json for _ in range(2)]  # a seed, then a copy
    assert [m["status"] for m in made] == [1, 1]
    assert made[0]["tenant"] != made[1]["tenant"]
    for tenant in made:  # each found by its keys, and reset to its own seed, keys and all
        key = tenant["api_keys"]["admin"]
        assert client.get("/_mock/clock", headers={"API-Key": key}).json["now"] == \
            client.get("/_mock/clock", headers={"API-Key": ADMIN_KEY}).json["now"]
        reset = client.post("/_mock/reset", headers={"API-Key": key}).json
        assert (reset["tenant"], reset["api_keys"]) == (tenant["tenant"], tenant["api_keys"])


def test_a_driver_error_comes_out_as_sqlalchemys(app):
    with app.extensions["mock_affise"].db.transaction() as session, \
            pytest.raises(DBAPIError) as caught:
        driver_execute(session, "SELECT * FROM no_such_table", {})
    assert "no_such_table" in str(caught.value.orig)


def _conversions_statement():
    statuses, dropped = list_parameter("statuses"), list_parameter("dropped")
    return (select(Conversion.id, Conversion.payouts, Conversion.created_at)
            .where(Conversion.tenant_id == bindparam("tenant"), Conversion.status.in_(statuses),
                   Conversion.offer_id.not_in(dropped),
                   Conversion.payouts >= bindparam("least"),
                   Conversion.created_at >= bindparam("since"))
            .order_by(Conversion.id))


@pytest.mark.parametrize("statuses, dropped", [([], []), ([1], []), ([1, 2, 3, 5], [1]),
                                               ([1, 2, 3, 5], [])])
def test_a_driver_statement_reads_as_sqlalchemy_does(app, statuses, dropped):
    # Lists of every length (an empty IN matches nothing, an empty NOT IN everything), a money
    # and a timestamp parameter through their columns' processors, and values read back typed.
    params = {"tenant": 1, "statuses": statuses, "dropped": dropped, "least": Decimal("0.5"),
              "since": datetime(2000, 1, 1)}
    with app.extensions["mock_affise"].db.transaction() as session:
        expected = [tuple(row) for row in session.execute(_conversions_statement(), params)]
        read = driver_records(session, _conversions_statement, params)
    assert [tuple(row) for row in read] == expected
    assert bool(expected) == bool(statuses)  # the fixture has conversions of those statuses
    for row in read:
        assert isinstance(row.payouts, Decimal) and isinstance(row.created_at, datetime)


def test_the_driver_connection_follows_the_session_into_its_next_transaction(app):
    # A session that commits and goes on may hold another connection in its next transaction.
    with Session(app.extensions["mock_affise"].db.engine) as session:
        first = driver_connection(session)
        assert driver_connection(session) is first
        session.commit()
        assert driver_connection(session) is session.connection().connection.driver_connection
        assert session.info[driver_module._DRIVER_HELD][0] is session.get_transaction()


def test_an_entity_loaded_on_the_driver_is_the_sessions_own(app):
    db = app.extensions["mock_affise"].db
    with db.transaction(write=True) as session:
        invoice = load_entity(session, Payment, (1, 2925))
        assert load_entity(session, Payment, (1, 2925)) is invoice  # held: not read again
        assert session.get(Payment, (1, 2925)) is invoice
        assert load_entity(session, Payment, (1, 999_999)) is None
        assert load_entity(session, Payment, (2, 2925)) is None  # another tenant's id space
        assert not session.dirty  # loaded, not changed
        invoice.comment = "changed on a loaded row"
    with db.transaction() as session:
        assert session.get(Payment, (1, 2925)).comment == "changed on a loaded row"


def _overflowing_sums():
    rows = ("SELECT 1 AS g, 9223372036854775807 AS x UNION ALL"
            " SELECT 2, 9223372036854775807 UNION ALL SELECT 2, 1")
    return text(f"SELECT g, sum(x) AS total FROM ({rows}) AS r GROUP BY g").columns(
        column("g", Integer), column("total", Integer))


def test_an_error_while_rows_are_read_comes_out_as_sqlalchemys(app):
    # SQLite runs a statement as its rows are read: the second group's sum overflows then.
    if app.extensions["mock_affise"].db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite's integer sum overflows (PostgreSQL's sum of bigints is numeric)")
    with app.extensions["mock_affise"].db.transaction() as session, \
            pytest.raises(DBAPIError) as caught:
        driver_records(session, _overflowing_sums, {})
    assert "integer overflow" in str(caught.value.orig)


def test_a_driver_statement_refuses_a_missing_parameter_rather_than_send_null(app):
    with app.extensions["mock_affise"].db.transaction() as session, \
            pytest.raises(TypeError, match=r"a value is required for parameter\(s\) \['least'"):
        driver_records(session, _conversions_statement,
                       {"tenant": 1, "statuses": [1], "dropped": [], "since": datetime(2000, 1, 1)})


def test_an_entity_added_and_not_yet_sent_is_found_as_session_get_finds_it(app):
    with app.extensions["mock_affise"].db.transaction(write=True) as session:
        added = Correction(tenant_id=1, id=900_001, payment_id=2925, revenue=Decimal("1.5"),
                           comment="pending", posted_date=datetime(2024, 1, 1))
        session.add(added)
        assert load_entity(session, Correction, (1, 900_001)) is added
        session.rollback()


def test_an_entity_written_on_the_driver_leaves_nothing_to_flush(app):
    db = app.extensions["mock_affise"].db
    with db.transaction(write=True) as session:
        invoice = load_entity(session, Payment, (1, 2925))
        update_entity(session, invoice, {"comment": "written", "status": 3})
        added = insert_entity(session, Correction, {
            "tenant_id": 1, "id": 900_002, "payment_id": 2925, "revenue": Decimal("-0.25"),
            "comment": "on the driver", "posted_date": datetime(2024, 1, 2, 3, 4, 5)})
        assert (invoice.comment, invoice.status) == ("written", 3)
        assert not session.dirty and not session.new  # the flush at commit has nothing to send
        assert load_entity(session, Correction, (1, 900_002)) is added
    with db.transaction() as session:
        assert (session.get(Payment, (1, 2925)).comment,
                session.get(Payment, (1, 2925)).status) == ("written", 3)
        stored = session.get(Correction, (1, 900_002))
        assert (stored.revenue, stored.comment, stored.posted_date) == (
            Decimal("-0.25"), "on the driver", datetime(2024, 1, 2, 3, 4, 5))


def test_an_update_of_a_row_gone_is_refused_as_the_orm_refuses_it(app):
    with app.extensions["mock_affise"].db.transaction(write=True) as session:
        invoice = load_entity(session, Payment, (1, 2925))
        driver_execute(session, "DELETE FROM payments WHERE tenant_id = 1 AND id = 2925", {})
        with pytest.raises(StaleDataError, match="matched 0 rows"):
            update_entity(session, invoice, {"comment": "nobody's"})
        session.rollback()
