"""Generation reports, and the asynchronous generation Affise really does."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
DAY = {"date_from": "2024-06-15", "date_to": "2024-06-15"}


def test_each_generation_call_leaves_a_report_with_its_skips(client):
    client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15",
                                                             "note": "June"})
    client.post("/3.1/payments/generate", headers=KEY, data={"aid": "4"})
    client.post("/3.1/payments/create-for-affiliate", headers=KEY,
                data={"aid": "3", "sum": "5", "currency": "2"})
    reports = client.get("/_mock/generations", headers=KEY).json["generations"]
    assert [r["operation"] for r in reports] == ["generate", "generate", "create-for-affiliate"]
    assert reports[0]["payments"] == [2926, 2927, 2928, 2929]
    assert reports[0]["skipped"] == [
        {"affiliate_id": 4, "currency": "EUR",
         "reason": "The affiliate Cobalt Traffic (4) does not have a payment system (EUR)"},
        {"affiliate_id": 4, "currency": "USD",
         "reason": "The affiliate Cobalt Traffic (4) does not have a payment system (USD)"},
        {"affiliate_id": 5, "currency": "EUR", "reason": "Minimum payment - 50 EUR"},
        {"affiliate_id": 6, "currency": "RUB", "reason": "Minimum payment - 1000 RUB"}]
    assert reports[0]["parameters"]["note"] == "June"
    assert reports[1]["payments"] == []
    # aid=4 makes nothing: the call answers the first currency's reason, the report has all
    assert reports[1]["skipped"] == [
        {"affiliate_id": 4, "currency": "EUR",
         "reason": "The affiliate Cobalt Traffic (4) does not have a payment system (EUR)"},
        {"affiliate_id": 4, "currency": "USD",
         "reason": "The affiliate Cobalt Traffic (4) does not have a payment system (USD)"}]
    assert reports[2]["skipped"][0]["reason"] == "Minimum payment - 10 USD"


def test_a_delayed_generation_shows_its_invoices_once_the_clock_passes_the_delay(client):
    assert client.post("/_mock/config", headers=KEY,
                       json={"generation_delay_seconds": 120}).json == {
        "status": 1, "config": {"generation_delay_seconds": 120, "referral_percent": "0"}}
    made = client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    assert made.json == {"status": 1, "message": "Payment generates will take a few minutes"}
    assert client.get("/3.1/payments", headers=KEY, query_string=DAY).json["payments"] == []
    assert client.get("/3.1/payments/2926", headers=KEY).status_code == 404
    running = client.post("/3.1/payments/create-for-affiliate", headers=KEY,
                          data={"aid": "2", "sum": "20", "currency": "2"})
    assert (running.status_code, running.json["message"]) == (400, "Generation is running...")
    again = client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    assert again.json["message"] == "Generation is running..."
    client.post("/_mock/clock", headers=KEY, json={"advance_seconds": 119})
    assert client.get("/3.1/payments", headers=KEY, query_string=DAY).json["payments"] == []
    client.post("/_mock/clock", headers=KEY, json={"advance_seconds": 1})
    shown = client.get("/3.1/payments", headers=KEY, query_string=DAY).json["payments"]
    assert [p["id"] for p in shown] == [2929, 2928, 2927, 2926]
    assert shown[0]["posted_date"] == "2024-06-15 12:00:00"
    # the window is over: a new generation runs (and finds nothing left to bill in USD)
    later = client.post("/3.1/payments/create-for-affiliate", headers=KEY,
                        data={"aid": "2", "sum": "20", "currency": "2"})
    assert later.json["message"] == "The affiliate Acme Media (2) does not have paid conversions"


def test_the_generation_delay_setting_is_validated(client):
    bad = client.post("/_mock/config", headers=KEY, json={"generation_delay_seconds": -1})
    assert bad.json["message"] == ("generation_delay_seconds: must be a whole number of "
                                   "seconds from 0 to 31622400")
    unknown = client.post("/_mock/config", headers=KEY, json={"speed": 2})
    assert unknown.json["message"] == (
        "speed: is not a setting (expected generation_delay_seconds or referral_percent)")


def test_the_configured_default_delay_applies_to_every_tenant(make_app):
    client = make_app(GENERATION_DELAY=60).test_client()
    assert client.get("/_mock/config", headers=KEY).json["config"] == {
        "generation_delay_seconds": 60, "referral_percent": "0"}
    client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    assert client.get("/3.1/payments", headers=KEY, query_string=DAY).json["payments"] == []


def test_a_control_token_locks_the_control_plane(make_app):
    client = make_app(CONTROL_TOKEN="s3cret").test_client()
    missing = client.get("/_mock/clock", headers=KEY)
    assert (missing.status_code, missing.json["message"]) == (
        401, "Control token is necessary: send it in X-Mock-Control-Token")
    wrong = client.get("/_mock/clock", headers={**KEY, "X-Mock-Control-Token": "nope"})
    assert (wrong.status_code, wrong.json["message"]) == (403, "Control token is wrong")
    good = client.get("/_mock/clock", headers={**KEY, "X-Mock-Control-Token": "s3cret"})
    assert good.status_code == 200
    assert client.get("/_mock/health").status_code == 200
    assert client.post("/_mock/tenants").status_code == 401
    # the Affise routes are not behind the token
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200
