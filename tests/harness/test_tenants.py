"""Tenants: isolated networks in one server, selected by the key on each request."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import ADMIN_KEY, SERVER_URL

ALL = {"date_from": "2000-01-01", "date_to": "2100-01-01"}


def _payments(client, key):
    return client.get("/3.1/payments", query_string=ALL, headers={"API-Key": key}).json


def test_a_new_tenant_gets_fresh_keys_when_the_documents_keys_are_taken(client):
    made = client.post("/_mock/tenants").json
    assert made["status"] == 1
    assert made["tenant"] == 2
    keys = made["api_keys"]
    assert keys["admin"] != ADMIN_KEY and len(keys["admin"]) == 32
    assert set(keys["affiliates"]) == {"2", "3", "4", "5", "6"}
    assert keys["affiliates"]["2"] != "aff2" * 8
    listing = _payments(client, keys["admin"])
    assert [p["id"] for p in listing["payments"]] == [2925, 2924, 2923, 2922, 2921]


def test_a_tenant_keeps_the_keys_of_its_document_when_they_are_free(client):
    document = {"managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7a99", "role": "admin",
                              "api_key": "ownkey-0000000000000000000000000"}]}
    made = client.post("/_mock/tenants", json=document).json
    assert made["api_keys"]["admin"] == "ownkey-0000000000000000000000000"
    assert _payments(client, "ownkey-0000000000000000000000000")["payments"] == []


def test_a_bad_tenant_document_is_refused_with_every_problem_and_makes_nothing(client):
    response = client.post("/_mock/tenants", json={"currencies": [{"id": 1}], "offers": 5})
    assert response.status_code == 400
    assert response.json["message"] == (
        "Invalid fixture: currencies[0].code: is required; offers: must be a list")
    assert [t["tenant"] for t in client.get("/_mock/tenants").json["tenants"]] == [1]


def test_no_request_sees_another_tenants_data(client):
    other = client.post("/_mock/tenants").json["api_keys"]["admin"]
    generated = client.post("/3.1/payments/generate", headers={"API-Key": other},
                            data={"date": "2024-06-15"})
    assert generated.status_code == 200
    assert len(_payments(client, other)["payments"]) == 9
    assert len(_payments(client, ADMIN_KEY)["payments"]) == 5
    # the other tenant's invoice ids are not reachable with this tenant's key
    assert client.get("/3.1/payments/2926", headers={"API-Key": ADMIN_KEY}).status_code == 404


def test_tenants_stay_isolated_under_concurrent_use(make_app, tmp_path):
    app = make_app(shared=True)
    client = app.test_client()
    keys = [client.post("/_mock/tenants").json["api_keys"]["admin"] for _ in range(4)]
    errors: list[str] = []

    def work(key: str, rounds: int) -> None:
        local = app.test_client()
        for _ in range(rounds):
            response = local.post("/3.1/payments/generate", headers={"API-Key": key},
                                  data={"date": "2024-06-15"})
            if response.status_code != 200:
                errors.append(response.json["message"])

    threads = [threading.Thread(target=work, args=(key, n + 1)) for n, key in enumerate(keys)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for key in keys:  # each generated once for real; the repeats found nothing left to bill
        assert [p["id"] for p in _payments(client, key)["payments"]][:4] == [2929, 2928, 2927,
                                                                              2926]
    assert len(_payments(client, ADMIN_KEY)["payments"]) == 5


def test_a_deleted_tenant_is_gone_with_its_keys(client):
    made = client.post("/_mock/tenants").json
    assert client.delete(f"/_mock/tenants/{made['tenant']}").json == {"status": 1,
                                                                      "result": True}
    response = _payments(client, made["api_keys"]["admin"])
    assert response == {"status": 2, "message": "Token is necessary",
                        "error": "Token is necessary"}
    missing = client.delete(f"/_mock/tenants/{made['tenant']}")
    assert missing.status_code == 404
    assert missing.json["message"] == "Tenant not found"


def test_control_calls_must_name_their_tenant(client):
    response = client.get("/_mock/clock")
    assert response.status_code == 400
    assert response.json["message"] == (
        "Name the tenant: send one of its API keys in the API-Key header, "
        "or call /_mock/tenants/{id}/...")
    assert client.get("/_mock/tenants/1/clock").json["now"] == "2024-06-15 12:00:00"
    assert client.get("/_mock/clock", headers={"API-Key": "aff3" * 8}).status_code == 200
    assert client.get("/_mock/tenants/99/clock").status_code == 404


def _network(app):
    client = app.test_client()
    return (client.get("/_mock/export", headers={"API-Key": ADMIN_KEY}).json,
            client.get("/_mock/keys", headers={"API-Key": ADMIN_KEY}).json,
            client.get("/_mock/clock", headers={"API-Key": ADMIN_KEY}).json)


@pytest.mark.skipif(bool(SERVER_URL), reason="a test's apps share the one server database")
def test_apps_seeded_from_one_document_start_as_the_same_network_and_change_apart(make_app):
    first = make_app()
    pristine = _network(first)
    generated = first.test_client().post("/3.1/payments/generate", data={"date": "2024-06-15"},
                                         headers={"API-Key": ADMIN_KEY})
    assert generated.status_code == 200

    second = make_app()  # built after the first changed: still the document's network
    assert _network(second) == pristine
    assert _network(first) != pristine
    listed = _payments(second.test_client(), ADMIN_KEY)["payments"]
    assert [p["id"] for p in listed] == [2925, 2924, 2923, 2922, 2921]
    # and a reset puts the copy back to the document's seed, as it does a seeded app
    second.test_client().post("/3.1/payments/generate", data={"date": "2024-06-15"},
                              headers={"API-Key": ADMIN_KEY})
    assert second.test_client().post("/_mock/reset",
                                     headers={"API-Key": ADMIN_KEY}).status_code == 200
    assert _network(second) == pristine
