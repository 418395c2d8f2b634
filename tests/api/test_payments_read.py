"""GET /3.1/payments and GET /3.1/payments/{id}: filters, pagination, the wire shape."""

from __future__ import annotations

import pytest

from tests.api.billing_fixtures import (
    ADMIN_ID,
    MANAGER_ID,
    Billing,
    affiliate,
    binding,
    cid,
    conversion,
    document,
    seeded_payment,
    webmoney,
)
from tests.conftest import ADMIN_KEY, MANAGER_KEY

LIST = "/3.1/payments"


def read_document() -> dict:
    """Five invoices around a month boundary, each differing in one filterable field."""
    return document(
        affiliates=[
            affiliate(2, "Acme Media", webmoney(10)),
            affiliate(3, "Blue Leads", binding(20, 3, "USD", {"5": "blue@example.com"}),
                      manager_id=ADMIN_ID),
            affiliate(4, "Cobalt Traffic", binding(30, 2, "EUR", {"1": "DE1", "2": "BIC4"}),
                      manager_id=None),
        ],
        conversions=[
            conversion(1, 2, "22", "2024-04-20 10:00:00"),
            conversion(2, 2, "22", "2024-04-21 10:00:00"),
            conversion(3, 3, "12.5", "2024-05-20 10:00:00", offer_id=2),
            conversion(4, 4, "150", "2024-05-21 10:00:00", currency="EUR"),
            conversion(5, 2, "60", "2024-04-22 10:00:00", currency="EUR"),
        ],
        payments=[
            seeded_payment(101, 2, "USD", [cid(1), cid(2)], status=1,
                           posted_date="2024-05-01 00:00:00", pay_acc="WMZ: Z100",
                           comment="first", notes="April"),
            seeded_payment(102, 3, "USD", [cid(3)], status=2, posted_date="2024-05-31 23:59:59",
                           updated_at="2024-06-02 10:30:00", pay_sys=3,
                           pay_acc="Email: blue@example.com"),
            seeded_payment(103, 4, "EUR", [cid(4)], status=-1, posted_date="2024-06-01 00:00:00",
                           pay_sys=2, pay_acc="IBAN: DE1\nSwift: BIC4"),
            seeded_payment(104, 2, "EUR", [cid(5)], status=4, posted_date="2024-04-30 23:59:59",
                           updated_at="2024-06-02 11:00:00", pay_acc="WMZ: Z100"),
            seeded_payment(105, 3, "USD", [], status=3, posted_date="2024-06-10 08:00:00",
                           updated_at="2024-06-03 00:00:00", pay_sys=3,
                           pay_acc="Email: blue@example.com"),
        ],
        corrections=[
            {"id": 9, "payment_id": 101, "revenue": "5.02", "comment": "bonus",
             "posted_date": "2024-05-02 10:00:00"},
            {"id": 10, "payment_id": 105, "revenue": "7", "comment": "flat fee",
             "posted_date": "2024-06-10 09:00:00"},
        ],
    )


@pytest.fixture
def billing(make_app) -> Billing:
    return Billing(make_app(read_document()))


def listed(billing: Billing, **params) -> list[int]:
    return [p["id"] for p in billing.ok("GET", LIST, query_string=params)["payments"]]


def test_one_invoice_in_affises_shape(billing):
    assert billing.ok("GET", "/3.1/payments/101") == {"status": 1, "payment": {
        "id": 101, "pid": 2, "manager_id": MANAGER_ID,
        "posted_date": "2024-05-01 00:00:00", "pay_sys": 1, "pay_sys_name": "Webmoney",
        "pay_acc": "WMZ: Z100", "status": "1", "revenue": "49.02000000", "ref_revenue": None,
        "currency": "2", "currency_code": "USD", "comment": "first", "notes": "April",
        "cpa_actions": [cid(1), cid(2)], "ref_ids": [],
        "details": {"details": {"1": {"title": "Offer One",
                                      "cost": {"22.00000000": {"count": 2, "currency": 2}}}},
                    "count": 2},
        "additional_payments": {"9": {"posted_date": "2024-05-02 10:00:00",
                                      "revenue": "5.02000000", "currency": "2",
                                      "comment": "bonus"}},
        "updated_at": "2024-05-01 00:00:00",
    }}


def test_an_invoice_without_conversions_is_its_corrections(billing):
    invoice = billing.payment(105)

    assert invoice["revenue"] == "7.00000000"
    assert invoice["cpa_actions"] == []
    assert invoice["details"] == {"details": {}, "count": 0}
    assert invoice["manager_id"] == ADMIN_ID  # the affiliate's manager at seeding time


def test_an_invoice_without_corrections_shows_an_empty_list(billing):
    invoice = billing.payment(103)

    assert invoice["additional_payments"] == []
    assert (invoice["revenue"], invoice["currency"], invoice["currency_code"]) == (
        "150.00000000", "3", "EUR")
    assert invoice["pay_acc"] == "IBAN: DE1\nSwift: BIC4"
    assert invoice["manager_id"] is None


def test_the_list_is_newest_id_first_with_pagination(billing):
    body = billing.ok("GET", LIST, query_string={"date_from": "2024-01-01",
                                                 "date_to": "2024-12-31"})

    assert [p["id"] for p in body["payments"]] == [105, 104, 103, 102, 101]
    assert body["pagination"] == {"page": 1, "limit": 100, "total": 5}
    assert body["payments"][4] == billing.payment(101)
    assert set(body) == {"status", "payments", "pagination"}
    assert body["status"] == 1


@pytest.mark.parametrize(("params", "expected"), [
    ({"date_from": "2024-05-01", "date_to": "2024-05-31"}, [102, 101]),
    ({"date_from": "2024-04-30", "date_to": "2024-04-30"}, [104]),
    ({"date_from": "2024-06-01", "date_to": "2024-06-01"}, [103]),
    ({"date_from": "2024-05-31", "date_to": "2024-06-01"}, [103, 102]),
    ({"date_from": "2024-06-11", "date_to": "2024-12-31"}, []),
])
def test_date_from_and_date_to_filter_posted_date_by_whole_days(billing, params, expected):
    assert listed(billing, **params) == expected


WIDE = {"date_from": "2024-01-01", "date_to": "2024-12-31"}


@pytest.mark.parametrize(("params", "expected"), [
    ({"id[]": [101, 103]}, [103, 101]),
    ({"id[0]": 102}, [102]),
    ({"id": 104}, [104]),
    ({"status[]": [-1, 2]}, [103, 102]),
    ({"status[0]": 4}, [104]),
    ({"aid[]": 2}, [104, 101]),
    ({"aid[]": [3, 4]}, [105, 103, 102]),
    ({"manager_id[]": MANAGER_ID}, [104, 101]),
    ({"manager_id[]": ADMIN_ID}, [105, 102]),
    ({"payment_system[]": 3}, [105, 102]),
    ({"payment_system[]": "PayPal"}, [105, 102]),
    ({"payment_system[]": ["Webmoney", "2"]}, [104, 103, 101]),
    ({"payment_account[]": "WMZ: Z100"}, [104, 101]),
    ({"payment_account[]": "IBAN: DE1\nSwift: BIC4"}, [103]),
    ({"status[]": 1, "aid[]": 3}, []),
    ({"update_from_date": "2024-06-02"}, [105, 104, 102]),
    ({"update_from_date": "2024-06-02", "update_from_hour": 11}, [105, 104]),
    ({"update_to_date": "2024-06-02"}, [104, 103, 102, 101]),
    ({"update_to_date": "2024-06-02", "update_to_hour": 10}, [103, 102, 101]),
    ({"update_to_date": "2024-06-02", "update_to_hour": 9}, [103, 101]),
    ({"update_from_date": "2024-06-02", "update_from_hour": 10,
      "update_to_date": "2024-06-02", "update_to_hour": 10}, [102]),
])
def test_filters(billing, params, expected):
    assert listed(billing, **WIDE, **params) == expected


def test_filters_read_every_array_encoding(billing):
    for query in ("id[0]=101&id[1]=103", "id[]=101&id[]=103", "id=101&id=103",
                  "id%5B0%5D=101&id%5B1%5D=103"):
        body = billing.ok("GET", f"{LIST}?date_from=2024-01-01&date_to=2024-12-31&{query}")
        assert [p["id"] for p in body["payments"]] == [103, 101], query


@pytest.mark.parametrize(("page", "limit", "expected"), [
    (1, 2, [105, 104]),
    (2, 2, [103, 102]),
    (3, 2, [101]),
    (4, 2, []),
    (1, 100, [105, 104, 103, 102, 101]),
    (2, 1, [104]),
])
def test_page_and_limit(billing, page, limit, expected):
    body = billing.ok("GET", LIST, query_string={**WIDE, "page": page, "limit": limit})

    assert [p["id"] for p in body["payments"]] == expected
    assert body["pagination"] == {"page": page, "limit": limit, "total": 5}


def test_the_default_limit_is_100(make_app):
    many = [seeded_payment(n, 2, "USD", [], posted_date="2024-05-01 09:00:00")
            for n in range(1, 106)]
    billing = Billing(make_app(document(affiliates=[affiliate(2, "Acme Media", webmoney(10))],
                                        payments=many)))

    first = billing.ok("GET", LIST, query_string=WIDE)
    second = billing.ok("GET", LIST, query_string={**WIDE, "page": 2})

    assert [p["id"] for p in first["payments"]] == list(range(105, 5, -1))
    assert first["pagination"] == {"page": 1, "limit": 100, "total": 105}
    assert [p["id"] for p in second["payments"]] == [5, 4, 3, 2, 1]
    assert second["pagination"] == {"page": 2, "limit": 100, "total": 105}


@pytest.mark.parametrize(("params", "message"), [
    ({"date_to": "2024-12-31"}, "date_from: is required"),
    ({"date_from": "2024-01-01"}, "date_to: is required"),
    ({}, "date_from: is required"),
    ({"date_from": "", "date_to": "2024-12-31"}, "date_from: is required"),
    ({"date_from": "01/01/2024", "date_to": "2024-12-31"},
     "date_from: must be a date in YYYY-MM-DD format"),
    ({"date_from": "2024-12-31", "date_to": "2024-01-01"},
     "date_from: must not be after date_to"),
    ({**WIDE, "limit": 0}, "limit: must be at least 1"),
    ({**WIDE, "limit": 101}, "limit: must be at most 100"),
    ({**WIDE, "limit": "ten"}, "limit: must be an integer"),
    ({**WIDE, "page": 0}, "page: must be at least 1"),
    ({**WIDE, "status[]": 5}, "status: item 0 must be one of -1, 1, 2, 3, 4"),
    ({**WIDE, "id[]": "x"}, "id: item 0 must be an integer"),
    ({**WIDE, "update_from_date": "2024-06-02", "update_from_hour": 24},
     "update_from_hour: must be at most 23"),
    ({**WIDE, "update_to_hour": 5}, "update_to_hour: needs update_to_date"),
    ({**WIDE, "update_from_date": "June"},
     "update_from_date: must be a date in YYYY-MM-DD format"),
])
def test_bad_list_parameters_are_refused_naming_the_field(billing, params, message):
    billing.rejected("GET", LIST, 400, message, query_string=params)


@pytest.mark.parametrize("path", [LIST, "/3.1/payments/101"])
def test_reading_needs_an_admin_key(billing, path):
    billing.rejected("GET", path, 401, "Token is necessary", query_string=WIDE,
                     headers={"API-Key": ""})
    billing.rejected("GET", path, 401, "Token is necessary", query_string=WIDE,
                     headers={"API-Key": "not-a-key-anyone-has"})
    billing.rejected("GET", path, 403, "Auth Denied", query_string=WIDE,
                     headers={"API-Key": MANAGER_KEY})
    billing.rejected("GET", path, 403, "Auth Denied", query_string=WIDE,
                     headers={"API-Key": "aff2key" * 4})


def test_the_key_may_come_in_any_header_case_or_the_query(billing):
    for headers, query in (({"api-key": ADMIN_KEY}, WIDE), ({"Api-Key": ADMIN_KEY}, WIDE),
                           ({"API-KEY": ADMIN_KEY}, WIDE),
                           ({}, {**WIDE, "api-key": ADMIN_KEY})):
        response = billing.client.get(LIST, headers=headers, query_string=query)
        assert response.status_code == 200
        assert response.get_json()["pagination"]["total"] == 5


def test_an_unknown_invoice_is_not_found(billing):
    billing.rejected("GET", "/3.1/payments/999", 404, "Resource Not Found")


def test_the_default_fixture_reads_back_its_seeded_money(app):
    billing = Billing(app)

    assert {p["id"]: (p["status"], p["revenue"]) for p in billing.payments()} == {
        2925: ("1", "12.40000000"), 2924: ("4", "58.00000000"), 2923: ("-1", "1500.00000000"),
        2922: ("3", "12.00000000"), 2921: ("2", "49.02000000")}
