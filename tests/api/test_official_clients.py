"""What the official SDKs (affise/go-sdk, affise/php-sdk) send and decode, through HTTP."""

from __future__ import annotations

import pytest

from tests.api.test_stats import cid
from tests.api.test_wire import assert_error
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS


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


# Where an SDK and Affise's published schema disagree, the mock answers as the schema says.


def test_an_extended_currency_rate_is_a_json_number_not_the_go_sdks_int(admin):
    quotes = admin.get("/3.0/admin/currency?extended=1").get_json()["quotes"]

    rub = next(q for q in quotes if q["code"] == "RUB")
    assert rub["rate"] == 90.5 and isinstance(rub["rate"], float)


def test_conversionsbyid_status_is_the_integer_code_not_the_go_sdks_string(admin):
    conversion = admin.get(f"/3.0/stats/conversionsbyid?ID={cid('01')}").get_json()["conversion"]

    assert conversion["status"] == 1


def test_a_partners_payment_system_currency_is_the_code_not_the_php_sdks_int(admin):
    partner = admin.get("/3.0/admin/partner/2").get_json()["partner"]

    assert [b["currency"] for b in partner["payment_systems"]] == ["USD", "EUR"]


def test_the_balance_is_keyed_by_measure_then_currency_as_affise_documents(client):
    response = client.get("/3.0/balance", headers={"API-Key": AFFILIATE_KEYS[3]})

    assert response.status_code == 200
    assert list(response.get_json()["balance"]) == ["balance", "hold", "available"]
    assert set(response.get_json()["balance"]["hold"]) == {"RUB", "USD", "EUR"}
