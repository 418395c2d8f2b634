"""What the official SDKs (affise/go-sdk, affise/php-sdk) send and decode, through HTTP."""

from __future__ import annotations

import pytest

from tests.api.test_stats import cid
from tests.api.test_wire import assert_error
from tests.conftest import ADMIN_KEY


@pytest.mark.parametrize("query", [f"ID={cid('0a')}", f"id={cid('0a')}"])
def test_conversionsbyid_takes_the_id_as_id_or_as_the_go_sdks_ID(admin, query):
    response = admin.get(f"/3.0/stats/conversionsbyid?{query}")

    assert response.status_code == 200
    conversion = response.get_json()["conversion"]
    assert (conversion["id"], conversion["status"], conversion["payouts"]) == (cid("0a"), 5, 30)


def test_id_wins_when_both_spellings_come(admin):
    response = admin.get(f"/3.0/stats/conversionsbyid?id={cid('01')}&ID={cid('0a')}")

    assert response.get_json()["conversion"]["id"] == cid("01")


@pytest.mark.parametrize(("query", "status", "message"), [
    ("ID=", 400, "id: is required"),
    ("ID=ffffffffffffffffffffffff", 404, "Resource Not Found"),
])
def test_a_missing_or_unknown_ID_is_refused_as_id_is(admin, query, status, message):
    assert_error(admin.get(f"/3.0/stats/conversionsbyid?{query}"), status, message)


def test_ID_is_a_known_parameter_on_a_strict_mock(make_app):
    client = make_app(STRICT=True).test_client()

    response = client.get(f"/3.0/stats/conversionsbyid?ID={cid('0a')}",
                          headers={"API-Key": ADMIN_KEY})

    assert response.status_code == 200
    assert response.get_json()["conversion"]["id"] == cid("0a")


def test_a_go_sdk_partner_create_answers_with_the_id_beside_the_partner(admin):
    # The Go SDK's form: payment_systems[i][...] keys, no login.
    response = admin.post("/3.0/admin/partner", data={
        "email": "go.client@example.com", "password": "pw", "country": "DE",
        "payment_systems[0][currency]": "USD", "payment_systems[0][system_id]": "1",
        "payment_systems[0][fields][4]": "Z000000000001"})

    body = response.get_json()
    assert response.status_code == 200
    assert (body["status"], body["id"], body["partner"]["id"]) == (1, 7, 7)
    assert (body["partner"]["login"], body["partner"]["ref"]) == ("go.client", "0")
