"""Advertiser invoices: GET /3.0/admin/advertiser-invoices, GET/POST /3.0/admin/advertiser-invoice*.

The document is the suite's network, tests/suite_fixture.json (clock frozen at 2024-06-15
12:00:00), with the advertiser and advertiser-invoice sections below.
"""

from __future__ import annotations

import json

import pytest

from tests.api.test_wire import assert_error, export
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, MANAGER_KEY, SUITE_FIXTURE

ACME = "62164a9a5a8b7e788f752f13"  # listed, and the advertiser of offers 4 and 6
CRYPTO = "62164a9a5a8b7e788f752f99"  # offer 5's advertiser, listed nowhere: no title
IDLE = "63aa00000000000000000001"  # listed, without offers
LIST = "/3.0/admin/advertiser-invoices"
NEW = "/3.0/admin/advertiser-invoice"
ONE = "/3.0/admin/advertiser-invoice/{}"
KEY = {"API-Key": ADMIN_KEY}

INVOICE_1 = {
    "number": 1, "supplier_id": ACME, "created_at": "2024-06-01", "updated_at": "2024-06-01",
    "start_date": "2024-05-01", "end_date": "2024-05-31", "status": "unpaid",
    "detail": [{"offer_id": 4, "payout_type": "RPA", "actions": 10, "amount": 220,
                "comment": None}],
    "currency": "USD", "comment": None,
}


def default_document() -> dict:
    return json.loads(SUITE_FIXTURE.read_text())


def advertiser_document() -> dict:
    document = default_document()
    document["advertisers"] = [
        {"id": ACME, "title": "Acme Ads", "email": "ads@acme.example"},
        {"id": IDLE, "title": "Idle Co"},
    ]
    document["advertiser_invoices"] = [
        {"number": 1, "supplier_id": ACME, "currency": "USD", "start_date": "2024-05-01",
         "end_date": "2024-05-31", "created_at": "2024-06-01 10:00:00",
         "detail": [{"offer_id": 4, "payout_type": "RPA", "actions": 10, "amount": 220}]},
        {"number": 2, "supplier_id": CRYPTO, "currency": "EUR", "status": "paid",
         "start_date": "2024-04-01", "end_date": "2024-04-30", "comment": "settled",
         "created_at": "2024-05-02 09:00:00", "updated_at": "2024-05-03 09:00:00",
         "detail": [{"offer_id": 5, "payout_type": "RPS", "actions": 3, "amount": 90,
                     "comment": "april"}]},
        {"number": 5, "supplier_id": ACME, "currency": "USD", "start_date": "2024-06-01",
         "end_date": "2024-06-10", "created_at": "2024-06-11 08:00:00"},
    ]
    return document


@pytest.fixture
def app(make_app):
    return make_app(advertiser_document())


def numbers(client, **query) -> list[int]:
    response = client.get(LIST, headers=KEY, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [invoice["number"] for invoice in response.get_json()["message"]]


def read(client, number: int) -> dict:
    response = client.get(ONE.format(number), headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["message"]


# ----------------------------------------------------------------------------- list


def test_the_list_sits_under_message_newest_number_first(client):
    body = client.get(LIST, headers=KEY).get_json()
    assert [i["number"] for i in body["message"]] == [5, 2, 1]
    assert body["message"][2] == INVOICE_1
    assert body["pagination"] == {"per_page": 100, "total_count": 3, "page": 1}
    assert body["status"] == 1


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "paid"}, [2]),
    ({"status": "unpaid"}, [5, 1]),
    ({"supplier_id": ACME}, [5, 1]),
    ({"supplier_id": IDLE}, []),
    ({"start_date": "2024-05-01"}, [5, 1]),
    ({"end_date": "2024-05-31"}, [2, 1]),
    ({"start_date": "2024-05-01", "end_date": "2024-05-31"}, [1]),
    ({"sort": "number", "sort_type": "asc"}, [1, 2, 5]),
    ({"sort": "start_date", "sort_type": "asc"}, [2, 1, 5]),
    ({"sort": "end_date"}, [5, 1, 2]),
    ({"sort": "created_at", "sort_type": "asc"}, [2, 1, 5]),
    ({"sort": "supplier_id", "sort_type": "asc"}, [1, 5, 2]),
    ({"sort": "status", "sort_type": "asc"}, [2, 1, 5]),
])
def test_the_list_filters_and_sorts(client, query, expected):
    assert numbers(client, **query) == expected


def test_the_list_pages_with_affise_pagination(client):
    first = client.get(LIST, headers=KEY, query_string={"limit": 2}).get_json()
    assert [i["number"] for i in first["message"]] == [5, 2]
    assert first["pagination"] == {"per_page": 2, "total_count": 3, "page": 1, "next_page": 2}
    second = client.get(LIST, headers=KEY, query_string={"limit": 2, "page": 2}).get_json()
    assert [i["number"] for i in second["message"]] == [1]
    assert second["pagination"] == {"per_page": 2, "total_count": 3, "page": 2}


@pytest.mark.parametrize(("query", "message"), [
    ({"limit": "501"}, "limit: must be at most 500"),
    ({"limit": "0"}, "limit: must be at least 1"),
    ({"status": "open"}, "status: must be one of paid, unpaid"),
    ({"sort": "amount"},
     "sort: must be one of number, supplier_id, created_at, start_date, end_date, status"),
    ({"sort_type": "up"}, "sort_type: must be one of asc, desc"),
    ({"start_date": "2024-13-01"}, "start_date: must be a real date in YYYY-MM-DD format"),
])
def test_the_list_refuses_bad_filters_naming_them(client, query, message):
    assert_error(client.get(LIST, headers=KEY, query_string=query), 400, message)


# ----------------------------------------------------------------------------- one


def test_one_invoice_sits_under_message(client):
    assert client.get(ONE.format(1), headers=KEY).get_json() == {"status": 1,
                                                                 "message": INVOICE_1}
    assert read(client, 2)["comment"] == "settled"
    assert read(client, 2)["detail"][0]["comment"] == "april"


def test_an_unknown_number_is_not_found(client):
    assert_error(client.get(ONE.format(3), headers=KEY), 404, "Resource Not Found")
    assert_error(client.post(ONE.format(3), headers=KEY, data={"comment": "x"}), 404,
                 "Resource Not Found")


# ----------------------------------------------------------------------------- create


def test_create_answers_affises_text_and_takes_the_next_number(client):
    response = client.post(NEW, headers=KEY, data={"supplier_id": ACME, "currency": "USD"})
    assert response.status_code == 200
    assert response.get_json() == {"status": 1, "message": "Invoice created."}
    # Both days missing: today on the tenant clock; the number follows the seed's highest (5).
    assert read(client, 6) == {
        "number": 6, "supplier_id": ACME, "created_at": "2024-06-15",
        "updated_at": "2024-06-15", "start_date": "2024-06-15", "end_date": "2024-06-15",
        "status": "unpaid", "detail": [], "currency": "USD", "comment": None}
    client.post(NEW, headers=KEY, data={"supplier_id": ACME, "currency": "EUR"})
    assert numbers(client)[:2] == [7, 6]


def test_create_reads_every_field_and_bracketed_detail_rows(client):
    response = client.post(NEW, headers=KEY, data={
        "supplier_id": CRYPTO, "currency": "RUB", "status": "paid", "comment": "May",
        "start_date": "2024-05-01", "end_date": "2024-05-31",
        "detail[1][offer_id]": "6", "detail[1][payout_type]": "RPA + RPS",
        "detail[1][actions]": "4", "detail[1][amount]": "1000", "detail[1][comment]": "late",
        "detail[0][offer_id]": "5", "detail[0][payout_type]": "RPM",
    })
    assert response.get_json() == {"status": 1, "message": "Invoice created."}
    invoice = read(client, 6)
    assert invoice["detail"] == [
        {"offer_id": 5, "payout_type": "RPM", "actions": 0, "amount": 0, "comment": None},
        {"offer_id": 6, "payout_type": "RPA + RPS", "actions": 4, "amount": 1000,
         "comment": "late"},
    ]
    assert (invoice["status"], invoice["comment"], invoice["currency"]) == ("paid", "May", "RUB")
    assert (invoice["start_date"], invoice["end_date"]) == ("2024-05-01", "2024-05-31")


def test_one_missing_day_takes_the_other(client):
    client.post(NEW, headers=KEY, data={"supplier_id": IDLE, "currency": "USD",
                                        "start_date": "2024-07-01"})
    client.post(NEW, headers=KEY, data={"supplier_id": IDLE, "currency": "USD",
                                        "end_date": "2024-03-31"})
    assert (read(client, 6)["start_date"], read(client, 6)["end_date"]) == ("2024-07-01",
                                                                            "2024-07-01")
    assert (read(client, 7)["start_date"], read(client, 7)["end_date"]) == ("2024-03-31",
                                                                            "2024-03-31")


def test_create_takes_a_json_body_with_a_detail_list(client):
    response = client.post(NEW, headers=KEY, json={
        "supplier_id": ACME, "currency": "USD",
        "detail": [{"offer_id": 4, "payout_type": "RPC", "actions": 2, "amount": 7}]})
    assert response.get_json() == {"status": 1, "message": "Invoice created."}
    assert read(client, 6)["detail"] == [
        {"offer_id": 4, "payout_type": "RPC", "actions": 2, "amount": 7, "comment": None}]


@pytest.mark.parametrize(("data", "message"), [
    ({"currency": "USD"}, "supplier_id: is required"),
    ({"supplier_id": ACME}, "currency: is required"),
    ({"supplier_id": "000000000000000000000000", "currency": "USD"},
     "supplier_id: unknown advertiser '000000000000000000000000'"),
    ({"supplier_id": ACME, "currency": "XYZ"}, "currency: unknown currency 'XYZ'"),
    ({"supplier_id": ACME, "currency": "GBP"}, "currency: currency 'GBP' is not active"),
    ({"supplier_id": ACME, "currency": "USD", "status": "open"},
     "status: must be one of paid, unpaid"),
    ({"supplier_id": ACME, "currency": "USD", "start_date": "2024-06-02",
      "end_date": "2024-06-01"}, "start_date: must not be after end_date (2024-06-02 > 2024-06-01)"),
    ({"supplier_id": ACME, "currency": "USD", "end_date": "06/01/2024"},
     "end_date: must be a date in YYYY-MM-DD format"),
    ({"supplier_id": ACME, "currency": "USD", "detail[0][offer_id]": "99",
      "detail[0][payout_type]": "RPA"}, "detail[0][offer_id]: unknown offer 99"),
    ({"supplier_id": ACME, "currency": "USD", "detail[0][payout_type]": "RPA"},
     "detail[0][offer_id]: is required"),
    ({"supplier_id": ACME, "currency": "USD", "detail[0][offer_id]": "4"},
     "detail[0][payout_type]: is required"),
    ({"supplier_id": ACME, "currency": "USD", "detail[0][offer_id]": "4",
      "detail[0][payout_type]": "CPA"},
     "detail[0][payout_type]: must be one of RPA, RPS, RPA + RPS, RPC, RPM"),
    ({"supplier_id": ACME, "currency": "USD", "detail[0][offer_id]": "4",
      "detail[0][payout_type]": "RPA", "detail[0][actions]": "-1"},
     "detail[0][actions]: must be at least 0"),
    ({"supplier_id": ACME, "currency": "USD", "detail[0][offer_id]": "4",
      "detail[0][payout_type]": "RPA", "detail[0][amount]": "2.5"},
     "detail[0][amount]: must be an integer"),
])
def test_a_refused_create_names_the_field_and_changes_nothing(app, client, data, message):
    before = export(app)
    assert_error(client.post(NEW, headers=KEY, data=data), 400, message)
    assert export(app) == before


def test_an_advertiser_only_an_offer_names_can_be_billed(client):
    client.post(NEW, headers=KEY, data={"supplier_id": CRYPTO, "currency": "USD"})
    assert read(client, 6)["supplier_id"] == CRYPTO


# ----------------------------------------------------------------------------- edit


def test_edit_answers_affises_text_and_changes_what_it_names(client):
    response = client.post(ONE.format(1), headers=KEY, data={"comment": "checked"})
    assert response.get_json() == {"status": 1, "message": "Invoice updated"}
    assert read(client, 1) == {**INVOICE_1, "comment": "checked", "updated_at": "2024-06-15"}


def test_a_given_detail_replaces_every_row(client):
    client.post(ONE.format(1), headers=KEY, data={
        "detail[0][offer_id]": "6", "detail[0][payout_type]": "RPS",
        "detail[0][actions]": "1", "detail[0][amount]": "15"})
    assert read(client, 1)["detail"] == [
        {"offer_id": 6, "payout_type": "RPS", "actions": 1, "amount": 15, "comment": None}]


def test_edit_moves_the_supplier_currency_and_period(client):
    client.post(ONE.format(5), headers=KEY, data={
        "supplier_id": IDLE, "currency": "EUR", "end_date": "2024-06-30"})
    invoice = read(client, 5)
    assert (invoice["supplier_id"], invoice["currency"]) == (IDLE, "EUR")
    assert (invoice["start_date"], invoice["end_date"]) == ("2024-06-01", "2024-06-30")


@pytest.mark.parametrize(("data", "message"), [
    ({"start_date": "2024-06-01"}, "start_date: must not be after end_date (2024-06-01 > 2024-05-31)"),
    ({"end_date": "2024-04-30"}, "start_date: must not be after end_date (2024-05-01 > 2024-04-30)"),
    ({"currency": "GBP"}, "currency: currency 'GBP' is not active"),
    ({"supplier_id": "000000000000000000000000"},
     "supplier_id: unknown advertiser '000000000000000000000000'"),
    ({"supplier_id": " "}, "supplier_id: must not be empty"),
    ({"detail[0][offer_id]": "77", "detail[0][payout_type]": "RPA"},
     "detail[0][offer_id]: unknown offer 77"),
])
def test_a_refused_edit_names_the_field_and_changes_nothing(app, client, data, message):
    before = export(app)
    assert_error(client.post(ONE.format(1), headers=KEY, data=data), 400, message)
    assert export(app) == before


@pytest.mark.parametrize("data", [{"comment": "late"}, {"status": "unpaid"}, {"status": "paid"},
                                  {}])
def test_a_paid_invoice_is_final(app, client, data):
    before = export(app)
    assert_error(client.post(ONE.format(2), headers=KEY, data=data), 400,
                 "You can edit only unpaid invoices")
    assert export(app) == before


def test_marking_an_invoice_paid_is_the_last_edit(client):
    assert client.post(ONE.format(1), headers=KEY, data={"status": "paid"}).status_code == 200
    assert read(client, 1)["status"] == "paid"
    assert_error(client.post(ONE.format(1), headers=KEY, data={"status": "unpaid"}), 400,
                 "You can edit only unpaid invoices")


# ----------------------------------------------------------------------------- keys


@pytest.mark.parametrize("key", [MANAGER_KEY, AFFILIATE_KEYS[2]])
@pytest.mark.parametrize(("method", "path"), [("GET", LIST), ("POST", NEW), ("GET", ONE.format(1)),
                                              ("POST", ONE.format(1))])
def test_only_admin_keys_reach_advertiser_invoices(app, client, key, method, path):
    before = export(app)
    response = client.open(path, method=method, headers={"API-Key": key},
                           data={"supplier_id": ACME, "currency": "USD", "comment": "x"})
    assert_error(response, 403, "Auth Denied")
    assert export(app) == before


def test_no_key_is_refused(client):
    assert_error(client.get(LIST), 401, "Token is necessary")


# ----------------------------------------------------------------------------- harness


def test_the_journal_names_the_created_number(client):
    client.post(NEW, headers=KEY, data={"supplier_id": ACME, "currency": "USD"})
    client.post(ONE.format(6), headers=KEY, data={"comment": "x"})
    entries = client.get("/_mock/requests", headers=KEY).get_json()["requests"]
    assert entries[0]["effects"] == {"created": {"advertiser_invoices": [6]}}
    assert entries[1]["effects"] == {"changed": {"advertiser_invoices": [6]}}


def test_export_lists_advertisers_and_invoices_and_loads_back(make_app, app, client):
    document = export(app)
    assert document["advertisers"] == [
        {"id": ACME, "title": "Acme Ads", "email": "ads@acme.example"},
        {"id": CRYPTO, "title": None, "email": None},
        {"id": IDLE, "title": "Idle Co", "email": None},
    ]
    assert [i["number"] for i in document["advertiser_invoices"]] == [1, 2, 5]
    assert document["advertiser_invoices"][0] == {
        "number": 1, "supplier_id": ACME, "currency": "USD", "status": "unpaid",
        "start_date": "2024-05-01", "end_date": "2024-05-31", "comment": None,
        "detail": [{"offer_id": 4, "payout_type": "RPA", "actions": 10, "amount": 220,
                    "comment": None}],
        "created_at": "2024-06-01 10:00:00", "updated_at": "2024-06-01 10:00:00"}
    again = make_app(document)
    assert export(again) == document
    assert again.test_client().get(ONE.format(1), headers=KEY).get_json()["message"] == INVOICE_1


def test_a_snapshot_restores_and_reset_returns_to_the_seed(client):
    client.post("/_mock/snapshots", headers=KEY, json={"name": "seed"})
    client.post(NEW, headers=KEY, data={"supplier_id": ACME, "currency": "USD"})
    client.post(ONE.format(1), headers=KEY, data={"status": "paid"})
    client.post("/_mock/snapshots/seed/restore", headers=KEY)
    assert numbers(client) == [5, 2, 1]
    assert read(client, 1) == INVOICE_1
    client.post(NEW, headers=KEY, data={"supplier_id": ACME, "currency": "USD"})
    assert numbers(client)[0] == 6
    client.post("/_mock/reset", headers=KEY)
    assert numbers(client) == [5, 2, 1]


@pytest.mark.parametrize(("section", "message"), [
    ({"number": 1, "supplier_id": "000000000000000000000000", "currency": "USD"},
     "advertiser_invoices[0].supplier_id: unknown advertiser '000000000000000000000000'"),
    ({"number": 1, "supplier_id": ACME, "currency": "USD",
      "detail": [{"offer_id": 99, "payout_type": "RPA"}]},
     "advertiser_invoices[0].detail[0].offer_id: unknown offer 99"),
    ({"number": 1, "supplier_id": ACME, "currency": "USD", "total": 5},
     "advertiser_invoices[0].total: unknown field"),
])
def test_the_fixture_refuses_a_bad_advertiser_invoice(client, section, message):
    document = default_document() | {"advertiser_invoices": [section]}
    response = client.post("/_mock/reset", headers=KEY, json=document)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_json()["message"]
