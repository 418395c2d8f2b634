"""The tenant clock: frozen by the fixture, moved by the control plane, read by every rule."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
HOLD_DOC = {
    "now": "2024-06-15 12:00:00",
    "currencies": [{"id": 2, "code": "USD", "min_payment": "0", "default": True}],
    "payment_systems": [{"id": 1, "title": "Webmoney", "fields": [{"id": 4, "label": "WMZ",
                                                                   "required": True}]}],
    "managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7a8b", "role": "admin", "api_key": ADMIN_KEY}],
    "affiliates": [{"id": 2, "name": "Acme", "email": "a@example.com", "api_key": "aff2" * 8,
                    "payment_systems": [{"system_id": 1, "currency": "USD",
                                         "fields": {"4": "Z1"}}]}],
    "offers": [{"id": 4, "title": "Offer 4"}],
    "conversions": [{"id": "660000000000000000000001", "affiliate_id": 2, "offer_id": 4,
                     "status": 5, "payouts": "30", "currency": "USD",
                     "created_at": "2024-06-01 10:00:00", "hold_until": "2024-06-18 00:00:00"}],
}


def test_the_clock_is_set_advanced_and_frozen(client):
    assert client.get("/_mock/clock", headers=KEY).json == {
        "status": 1, "now": "2024-06-15 12:00:00", "frozen": True}
    assert client.post("/_mock/clock", headers=KEY, json={"advance": "3d"}).json["now"] == \
        "2024-06-18 12:00:00"
    assert client.post("/_mock/clock", headers=KEY, json={"advance": "2h"}).json["now"] == \
        "2024-06-18 14:00:00"
    assert client.post("/_mock/clock", headers=KEY,
                       json={"advance_seconds": 90}).json["now"] == "2024-06-18 14:01:30"
    assert client.post("/_mock/clock", headers=KEY,
                       json={"set": "2024-07-01 00:00:00"}).json["now"] == "2024-07-01 00:00:00"


def test_bad_clock_calls_are_refused_with_the_field(client):
    cases = [({"advance": "3 days"}, "advance: must be a duration like 30s, 15m, 2h, 3d or 1w"),
             ({"set": "yesterday"}, "set: must be a timestamp in YYYY-MM-DD HH:MM:SS format"),
             ({"advance_seconds": "x"}, "advance_seconds: must be an integer"),
             ({"set": "2024-01-01", "advance": "1d"}, "advance: cannot be combined with set"),
             ({}, "set: one of set, advance, advance_seconds or frozen is required")]
    for body, message in cases:
        response = client.post("/_mock/clock", headers=KEY, json=body)
        assert (response.status_code, response.json["message"]) == (400, message)
    assert client.get("/_mock/clock", headers=KEY).json["now"] == "2024-06-15 12:00:00"


def test_moving_the_clock_past_hold_until_makes_a_hold_conversion_payable(make_app):
    client = make_app(HOLD_DOC).test_client()
    refused = client.post("/3.1/payments/generate", headers=KEY, data={"aid": "2"})
    assert refused.json["message"] == "The affiliate Acme (2) does not have paid conversions"
    balance = client.get("/3.0/balance", headers={"API-Key": "aff2" * 8})
    if balance.status_code == 200:
        assert balance.json["balance"]["hold"]["USD"] == 30
    client.post("/_mock/clock", headers=KEY, json={"advance": "3d"})
    made = client.post("/3.1/payments/generate", headers=KEY, data={"aid": "2"})
    assert made.json == {"status": 1, "message": "Payment generates will take a few minutes"}
    invoice = client.get("/3.1/payments/1", headers=KEY).json["payment"]
    assert (invoice["revenue"], invoice["posted_date"]) == ("30.00000000", "2024-06-18 12:00:00")


def test_writes_stamp_the_tenant_clock(client):
    client.post("/_mock/clock", headers=KEY, json={"set": "2030-02-03 04:05:06"})
    client.post("/3.1/payments/2925", headers=KEY, data={"comment": "later"})
    assert client.get("/3.1/payments/2925", headers=KEY).json["payment"]["updated_at"] == \
        "2030-02-03 04:05:06"


def test_the_default_generation_date_is_today_on_the_tenant_clock(client):
    client.post("/_mock/clock", headers=KEY, json={"set": "2024-05-20 09:00:00"})
    client.post("/3.1/payments/generate", headers=KEY, data={"aid": "2"})
    invoice = client.get("/3.1/payments/2926", headers=KEY).json["payment"]
    # 2024-05-03 and 2024-05-10 are in; 2024-05-21 is after the clock's today
    assert (invoice["currency_code"], invoice["revenue"]) == ("USD", "44.00000000")
