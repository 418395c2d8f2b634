"""The request journal: what each call sent, got and changed, keys redacted, bounded."""

from __future__ import annotations

from sqlalchemy import func, select

from mock_affise.harness.journal import TRIM_EVERY
from mock_affise.models import JournalBody, JournalEntry
from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}


def test_the_journal_records_parameters_answer_and_effects_with_keys_redacted(client):
    client.post("/3.1/payments/2925/add-correction?api-key=" + ADMIN_KEY,
                data={"revenue": "2.50", "comment": "bonus", "password": "hunter2"})
    [entry] = client.get("/_mock/requests", headers=KEY).json["requests"]
    assert entry["method"] == "POST"
    assert entry["path"] == "/3.1/payments/2925/add-correction"
    assert entry["parameters"] == {"revenue": "2.50", "comment": "bonus", "password": "***"}
    assert ADMIN_KEY not in str(entry)
    assert entry["status"] == 200
    assert entry["response"] == {"status": 1, "result": True}
    assert entry["effects"] == {"created": {"corrections": [11]}, "changed": {"payments": [2925]}}
    assert entry["at"] == "2024-06-15 12:00:00"


def test_the_journal_records_refused_calls_and_filters(client):
    client.get("/3.1/payments/999", headers=KEY)
    client.post("/3.1/payments/2921", headers=KEY, data={"status": "1"})
    client.post("/_mock/clock", headers=KEY, json={"advance": "1h"})
    client.delete("/3.1/payments/delete/2925", headers=KEY)
    entries = client.get("/_mock/requests", headers=KEY).json["requests"]
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 404), ("POST", 400),
                                                             ("DELETE", 200)]
    assert entries[1]["response"]["message"] == "Payment has status finished"
    assert entries[1]["effects"] == {}
    assert entries[2]["effects"]["deleted"] == {"payments": [2925]}
    only = client.get("/_mock/requests", headers=KEY, query_string={"status": "400"}).json
    assert [e["path"] for e in only["requests"]] == ["/3.1/payments/2921"]
    by_path = client.get("/_mock/requests", headers=KEY,
                         query_string={"path": "/3.1/payments/delete/*"}).json["requests"]
    assert [e["method"] for e in by_path] == ["DELETE"]
    since = client.get("/_mock/requests", headers=KEY,
                       query_string={"since": "2024-06-15 12:30:00"}).json["requests"]
    assert [e["path"] for e in since] == ["/3.1/payments/delete/2925"]
    by_method = client.get("/_mock/requests", headers=KEY, query_string={"method": "get"}).json
    assert len(by_method["requests"]) == 1
    bad = client.get("/_mock/requests", headers=KEY, query_string={"status": "x"})
    assert bad.json["message"] == "status: must be an HTTP status code"


def test_partner_answers_are_journaled_without_api_keys(client):
    client.get("/3.0/admin/partner/2", headers=KEY)
    [entry] = client.get("/_mock/requests", headers=KEY).json["requests"]
    if entry["status"] == 200:
        assert entry["response"]["partner"]["api_key"] == "***"


def test_the_journal_is_a_bounded_ring_and_can_be_cleared(make_app):
    client = make_app(JOURNAL_SIZE=5).test_client()
    for number in range(8):
        client.get(f"/3.1/payments/{2921 + number % 5}", headers=KEY)
    entries = client.get("/_mock/requests", headers=KEY).json["requests"]
    assert [e["path"] for e in entries] == [f"/3.1/payments/{2921 + n % 5}" for n in range(3, 8)]
    assert client.delete("/_mock/requests", headers=KEY).json == {"status": 1, "result": True}
    assert client.get("/_mock/requests", headers=KEY).json["requests"] == []


def test_each_tenant_has_its_own_journal(client):
    other = client.post("/_mock/tenants").json["api_keys"]["admin"]
    client.get("/3.1/payments/2921", headers={"API-Key": other})
    assert client.get("/_mock/requests", headers=KEY).json["requests"] == []
    assert len(client.get("/_mock/requests", headers={"API-Key": other}).json["requests"]) == 1


def test_since_the_very_second_of_a_call_includes_it(client):
    client.get("/3.1/payments/2921", headers=KEY)
    client.post("/3.1/payments/2925", headers=KEY, data={"comment": "x"})
    since = client.get("/_mock/requests", headers=KEY,
                       query_string={"since": "2024-06-15 12:00:00"}).json["requests"]
    assert [e["method"] for e in since] == ["GET", "POST"]
    later = client.get("/_mock/requests", headers=KEY,
                       query_string={"since": "2024-06-15 12:00:01"}).json["requests"]
    assert later == []


def test_the_ring_keeps_the_newest_answers_and_drops_the_bodies_of_the_rest(make_app):
    app = make_app(JOURNAL_SIZE=5)
    client = app.test_client()
    for page in range(1, 201):  # 200 calls, each with parameters of its own
        client.get("/3.1/payments", headers=KEY, query_string={
            "date_from": "2000-01-01", "date_to": "2100-01-01", "limit": "1", "page": page,
            "date": page})
    entries = client.get("/_mock/requests", headers=KEY).json["requests"]
    assert [e["parameters"]["date"] for e in entries] == [str(n) for n in range(196, 201)]
    assert all(e["response"]["status"] == 1 for e in entries)
    with app.extensions["mock_affise"].db.transaction() as session:
        stored = session.scalar(select(func.count()).select_from(JournalBody))
        rows = session.scalar(select(func.count()).select_from(JournalEntry))
    assert rows <= 5 + TRIM_EVERY
    assert stored <= rows
