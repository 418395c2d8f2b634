"""Reset, snapshots and export bring back exactly what they saved."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from mock_affise import create_app
from mock_affise.strategies import fixture_documents
from tests.budget import examples
from tests.conftest import ADMIN_KEY, fresh_database_url

KEY = {"API-Key": ADMIN_KEY}


def _export(client):
    return client.get("/_mock/export", headers=KEY).json


def _change_everything(client):
    assert client.post("/3.1/payments/generate", headers=KEY,
                       data={"date": "2024-06-15"}).status_code == 200
    assert client.post("/3.1/payments/2925/add-correction", headers=KEY,
                       data={"revenue": "4", "comment": "x"}).status_code == 200
    assert client.delete("/3.1/payments/delete/2924", headers=KEY).status_code == 200
    assert client.post("/3.0/admin/partner/3", headers=KEY,
                       data={"notes": "changed"}).status_code in (200, 404)
    assert client.post("/_mock/clock", headers=KEY, json={"advance": "2d"}).status_code == 200
    assert client.post("/_mock/config", headers=KEY,
                       json={"generation_delay_seconds": 60}).status_code == 200


def test_restore_brings_back_exactly_the_snapshot(client):
    before = _export(client)
    assert client.post("/_mock/snapshots", headers=KEY, json={"name": "clean"}).json == {
        "status": 1, "snapshot": {"name": "clean", "created_at": "2024-06-15 12:00:00"}}
    _change_everything(client)
    assert _export(client) != before
    assert client.post("/_mock/snapshots/clean/restore", headers=KEY).json == {
        "status": 1, "result": True}
    assert _export(client) == before
    assert client.get("/_mock/config", headers=KEY).json["config"] == {
        "generation_delay_seconds": 0, "referral_percent": "0"}
    # ids carry on from the snapshot's counters: the next invoice is 2926 again
    client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    ids = [p["id"] for p in client.get("/3.1/payments", headers=KEY, query_string={
        "date_from": "2024-06-15", "date_to": "2024-06-15"}).json["payments"]]
    assert ids == [2929, 2928, 2927, 2926]


def test_reset_returns_to_the_seed_and_clears_clock_journal_and_faults(client):
    seed = _export(client)
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"path": "/3.1/payments/2921"}, "action": {"status": 502}})
    _change_everything(client)
    made = client.post("/_mock/reset", headers=KEY).json
    assert made["status"] == 1 and made["api_keys"]["admin"] == ADMIN_KEY
    assert _export(client) == seed
    assert client.get("/_mock/clock", headers=KEY).json == {
        "status": 1, "now": "2024-06-15 12:00:00", "frozen": True}
    assert client.get("/_mock/requests", headers=KEY).json["requests"] == []
    assert client.get("/_mock/faults", headers=KEY).json["faults"] == []
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200


def test_reset_with_a_document_makes_it_the_new_seed(client):
    document = {"now": "2025-01-01 00:00:00",
                "currencies": [{"id": 2, "code": "USD", "min_payment": "0"}],
                "managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7a8b", "role": "admin",
                              "api_key": ADMIN_KEY}]}
    assert client.post("/_mock/reset", headers=KEY, json=document).status_code == 200
    assert client.get("/3.0/admin/currency", headers=KEY).json["quotes"] == {"USD": 1}
    client.post("/_mock/clock", headers=KEY, json={"advance": "1d"})
    client.post("/_mock/reset", headers=KEY)
    assert client.get("/_mock/clock", headers=KEY).json["now"] == "2025-01-01 00:00:00"
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 404


def test_a_bad_reset_document_changes_nothing(client):
    before = _export(client)
    response = client.post("/_mock/reset", headers=KEY,
                           json={"conversions": [{"id": "zz"}]})
    assert response.status_code == 400
    assert response.json["message"].startswith(
        "Invalid fixture: conversions[0].id: must be 24 lowercase hex characters, got 'zz'")
    assert _export(client) == before


def test_snapshots_are_listed_replaced_and_deleted(client):
    client.post("/_mock/snapshots", headers=KEY, json={"name": "a"})
    client.post("/_mock/clock", headers=KEY, json={"advance": "1h"})
    client.post("/_mock/snapshots", headers=KEY, json={"name": "b"})
    client.post("/_mock/snapshots", headers=KEY, json={"name": "a"})
    listed = client.get("/_mock/snapshots", headers=KEY).json["snapshots"]
    assert listed == [{"name": "b", "created_at": "2024-06-15 13:00:00"},
                      {"name": "a", "created_at": "2024-06-15 13:00:00"}]
    assert client.delete("/_mock/snapshots/b", headers=KEY).json == {"status": 1, "result": True}
    missing = client.post("/_mock/snapshots/b/restore", headers=KEY)
    assert (missing.status_code, missing.json["message"]) == (404, "Snapshot 'b' not found")
    bad = client.post("/_mock/snapshots", headers=KEY, json={"name": ""})
    assert bad.json["message"] == "name: must be a non-empty string of at most 255 characters"


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=fixture_documents())
def test_an_export_loads_back_to_an_equal_export(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("doc") / "fixture.json"
    path.write_text(json.dumps(document))
    first = create_app({"DATABASE_URL": fresh_database_url(), "FIXTURES": str(path)})
    exported = first.test_client().get("/_mock/export", headers={"API-Key": "a" * 32}).json
    path.write_text(json.dumps(exported))
    second = create_app({"DATABASE_URL": fresh_database_url(), "FIXTURES": str(path)})
    again = second.test_client().get("/_mock/export", headers={"API-Key": "a" * 32}).json
    assert again == exported
    for app in (first, second):
        app.extensions["mock_affise"].db.dispose()
