"""Edges found in review: currency codes in generate, order of checks, nameless affiliates."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
DAY = {"date_from": "2024-06-15", "date_to": "2024-06-15"}


def _export(client):
    return client.get("/_mock/export", headers=KEY).json


def test_generate_refuses_an_unknown_currency_code_and_changes_nothing(client):
    before = _export(client)
    response = client.post("/3.1/payments/generate", headers=KEY,
                           data={"currencies[]": ["USD", "XYZ"]})
    assert response.status_code == 400
    assert response.json["message"] == "currencies: unknown currency code 'XYZ'"
    assert _export(client) == before


def test_generate_reads_currency_codes_in_any_case(client):
    client.post("/3.1/payments/generate", headers=KEY, data={"currencies[]": "eur"})
    made = client.get("/3.1/payments", headers=KEY, query_string=DAY).json["payments"]
    assert [(p["pid"], p["currency_code"], p["revenue"]) for p in made] == [
        (2, "EUR", "105.00000000")]


def test_a_zero_correction_on_a_completed_invoice_answers_that_it_is_finished(client):
    response = client.post("/3.1/payments/2921/add-correction", headers=KEY,
                           data={"revenue": "0", "comment": "x"})
    assert response.json["message"] == "Payment has status finished"
    missing = client.post("/3.1/payments/999/add-correction", headers=KEY,
                          data={"revenue": "0", "comment": "x"})
    assert (missing.status_code, missing.json["message"]) == (404, "Resource Not Found")


def test_an_affiliate_without_a_name_is_named_by_its_login_in_messages(make_app,
                                                                       default_document):
    for affiliate in default_document["affiliates"]:
        if affiliate["id"] == 4:
            affiliate["name"] = None
    client = make_app(default_document).test_client()
    response = client.post("/3.1/payments/generate", headers=KEY, data={"aid": "4"})
    assert response.json["message"] == (
        "The affiliate cobalt (4) does not have a payment system (EUR)")
