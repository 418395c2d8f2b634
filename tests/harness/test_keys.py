"""API keys stay with one holder across tenants, whatever restore or reset brings back."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY

ALL = {"date_from": "2000-01-01", "date_to": "2100-01-01"}
OTHER_KEY = "fedcba9876543210fedcba9876543210"


def _reset_without_keys(client, key):
    """Reseed the tenant from a document naming no key; return its new admin key."""
    made = client.post("/_mock/reset", headers={"API-Key": key}, json={"offers": []})
    assert made.status_code == 200
    return made.json["api_keys"]["admin"]


def test_a_restore_whose_key_an_affiliate_of_another_tenant_took_is_refused(client):
    assert client.post("/_mock/snapshots", headers={"API-Key": ADMIN_KEY},
                       json={"name": "s"}).status_code == 200
    new_admin = _reset_without_keys(client, ADMIN_KEY)
    other = client.post("/_mock/tenants", json={"affiliates": [
        {"id": 7, "email": "p7@example.com", "api_key": ADMIN_KEY}]}).json
    assert other["api_keys"]["affiliates"] == {"7": ADMIN_KEY}

    refused = client.post("/_mock/snapshots/s/restore", headers={"API-Key": new_admin})
    assert refused.status_code == 409
    assert refused.json == {"status": 2, "message": f"API keys taken by another tenant: {ADMIN_KEY}",
                            "error": f"API keys taken by another tenant: {ADMIN_KEY}"}
    # Nothing changed: the key still names the other tenant's affiliate, A kept its new data.
    assert client.get("/_mock/keys", headers={"API-Key": ADMIN_KEY}).json["tenant"] == other["tenant"]
    assert client.get("/3.1/payments", query_string=ALL,
                      headers={"API-Key": new_admin}).json["payments"] == []


def test_a_restore_clashing_with_another_tenants_manager_is_a_409_not_a_500(client):
    assert client.post("/_mock/snapshots", headers={"API-Key": ADMIN_KEY},
                       json={"name": "s"}).status_code == 200
    new_admin = _reset_without_keys(client, ADMIN_KEY)
    client.post("/_mock/tenants", json={"managers": [
        {"id": "5f2a9e0c1d2b3c4d5e6f7a99", "role": "admin", "api_key": ADMIN_KEY}]})
    for _ in range(2):  # refused the same way every time, the tenant still usable
        refused = client.post("/_mock/snapshots/s/restore", headers={"API-Key": new_admin})
        assert refused.status_code == 409
        assert refused.json["message"] == f"API keys taken by another tenant: {ADMIN_KEY}"
    assert client.get("/_mock/keys", headers={"API-Key": new_admin}).status_code == 200


def test_a_reset_to_a_seed_whose_key_another_tenant_took_is_refused(client):
    assert client.post("/_mock/snapshots", headers={"API-Key": ADMIN_KEY},
                       json={"name": "original"}).status_code == 200
    seed_admin = _reset_without_keys(client, ADMIN_KEY)  # the seed now holds seed_admin
    assert client.post("/_mock/snapshots/original/restore",
                       headers={"API-Key": seed_admin}).status_code == 200
    client.post("/_mock/tenants", json={"managers": [
        {"id": "5f2a9e0c1d2b3c4d5e6f7a99", "role": "admin", "api_key": seed_admin}]})

    refused = client.post("/_mock/reset", headers={"API-Key": ADMIN_KEY})
    assert refused.status_code == 409
    assert refused.json["message"] == f"API keys taken by another tenant: {seed_admin}"
    assert client.get("/_mock/keys", headers={"API-Key": ADMIN_KEY}).json["tenant"] == 1


def test_a_restore_lists_every_taken_key_in_order(client):
    assert client.post("/_mock/snapshots", headers={"API-Key": ADMIN_KEY},
                       json={"name": "s"}).status_code == 200
    partner_keys = client.get("/_mock/keys", headers={"API-Key": ADMIN_KEY}).json["api_keys"]
    taken = sorted([ADMIN_KEY, partner_keys["affiliates"]["2"]])
    new_admin = _reset_without_keys(client, ADMIN_KEY)
    client.post("/_mock/tenants", json={
        "managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7a99", "role": "admin", "api_key": taken[1]}],
        "affiliates": [{"id": 1, "email": "p1@example.com", "api_key": taken[0]}]})

    refused = client.post("/_mock/snapshots/s/restore", headers={"API-Key": new_admin})
    assert refused.status_code == 409
    assert refused.json["message"] == f"API keys taken by another tenant: {taken[0]}, {taken[1]}"


def test_a_restore_of_keys_still_free_brings_them_back(client):
    assert client.post("/_mock/snapshots", headers={"API-Key": ADMIN_KEY},
                       json={"name": "s"}).status_code == 200
    new_admin = _reset_without_keys(client, ADMIN_KEY)
    assert client.post("/_mock/snapshots/s/restore", headers={"API-Key": new_admin}).json == {
        "status": 1, "result": True}
    assert client.get("/_mock/keys", headers={"API-Key": ADMIN_KEY}).json["tenant"] == 1
    assert client.get("/_mock/keys", headers={"API-Key": new_admin}).status_code == 401
