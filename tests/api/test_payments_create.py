"""POST /3.1/payments/create-for-affiliate: bill whole conversions, oldest first, up to a sum."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api.billing_fixtures import (
    GENERATING,
    MANAGER_ID,
    NOW,
    Billing,
    affiliate,
    binding,
    cid,
    conversion,
    document,
    seeded_payment,
    webmoney,
)
from tests.conftest import MANAGER_KEY

CREATE = "/3.1/payments/create-for-affiliate"
USD_ID, EUR_ID = 2, 3


def three_dollar_conversions() -> list[dict]:
    # Forty $3 conversions, two per hour, numbered newest first: oldest-first order is
    # 39, 40, 37, 38, ... (created_at first, then id within the same second).
    start = datetime(2024, 5, 1)
    return [conversion(n, 2, "3", (start + timedelta(hours=(40 - n) // 2)).strftime(
        "%Y-%m-%d %H:%M:%S")) for n in range(1, 41)]


def oldest_first(count: int) -> list[str]:
    order = [m for pair in range(39, 0, -2) for m in (pair, pair + 1)]
    return [cid(n) for n in order[:count]]


def create_document() -> dict:
    return document(
        affiliates=[
            affiliate(2, "Acme Media", webmoney(10)),
            affiliate(3, "Blue Leads", binding(20, 3, "USD", {"5": "blue@example.com"}),
                      binding(21, 4, "EUR", {"6": "AC21"})),
            affiliate(4, "Cobalt Traffic", webmoney(30)),
        ],
        conversions=[
            *three_dollar_conversions(),
            conversion(41, 2, "3", "2024-04-01 10:00:00", status=2),  # pending
            conversion(42, 2, "3", "2024-04-01 10:00:00", status=3),  # declined
            conversion(43, 2, "3", "2024-04-01 10:00:00", status=5,
                       hold_until="2024-07-01 00:00:00"),  # still on hold
            conversion(44, 2, "50", "2024-04-01 10:00:00"),  # billed already, below
            conversion(45, 2, "500", "2024-04-01 10:00:00", currency="EUR"),
            conversion(51, 3, "4", "2024-06-01 10:00:00"),
            conversion(52, 3, "4", "2024-06-02 10:00:00"),
            conversion(53, 3, "20", "2024-06-03 10:00:00", currency="EUR"),
            conversion(61, 4, "100", status=2),
        ],
        payments=[seeded_payment(90, 2, "USD", [cid(44)])],
    )


def test_whole_conversions_are_taken_until_the_sum_is_reached(make_app):
    billing = Billing(make_app(create_document()))

    billing.ok("POST", CREATE, GENERATING,
               data={"aid": 2, "sum": "100", "currency": USD_ID, "note": "by sum"})

    # The help center's example: $3 conversions for a $100 invoice make $102.
    assert billing.payment(91) == {
        "id": 91, "pid": 2, "manager_id": MANAGER_ID, "posted_date": NOW,
        "pay_sys": 1, "pay_sys_name": "Webmoney", "pay_acc": "WMZ: Z100",
        "status": "1", "revenue": "102.00000000", "ref_revenue": None,
        "currency": "2", "currency_code": "USD", "comment": "", "notes": "by sum",
        "cpa_actions": oldest_first(34), "ref_ids": [],
        "details": {"details": {"1": {"title": "Offer One",
                                      "cost": {"3.00000000": {"count": 34, "currency": 2}}}},
                    "count": 34},
        "additional_payments": [],
        "updated_at": NOW,
    }
    assert [p["id"] for p in billing.payments()] == [91, 90]


@pytest.mark.parametrize(("amount", "count", "revenue"), [
    ("99", 33, "99.00000000"),  # reached exactly: no extra conversion
    ("20", 7, "21.00000000"),  # the minimum payment itself
    ("99.01", 34, "102.00000000"),
    ("120", 40, "120.00000000"),  # everything payable
])
def test_the_invoice_stops_at_the_first_conversion_that_reaches_the_sum(make_app, amount, count,
                                                                        revenue):
    billing = Billing(make_app(create_document()))

    billing.ok("POST", CREATE, GENERATING, data={"aid": 2, "sum": amount, "currency": USD_ID})

    invoice = billing.payment(91)
    assert invoice["cpa_actions"] == oldest_first(count)
    assert invoice["revenue"] == revenue
    assert invoice["notes"] == ""


def test_a_threshold_below_the_currency_minimum_allows_a_small_sum(make_app):
    billing = Billing(make_app(create_document()))

    # PayPal's threshold is 5 while USD's min_payment is 20.
    billing.ok("POST", CREATE, GENERATING, data={"aid": 3, "sum": "5", "currency": USD_ID})

    invoice = billing.payment(91)
    assert (invoice["pay_sys_name"], invoice["pay_acc"]) == ("PayPal", "Email: blue@example.com")
    assert (invoice["cpa_actions"], invoice["revenue"]) == ([cid(51), cid(52)], "8.00000000")


def test_the_currency_parameter_is_a_currency_id(make_app):
    billing = Billing(make_app(create_document()))

    billing.ok("POST", CREATE, GENERATING, data={"aid": 3, "sum": "12.5", "currency": EUR_ID})

    invoice = billing.payment(91)
    assert (invoice["currency"], invoice["currency_code"]) == ("3", "EUR")
    assert (invoice["pay_sys_name"], invoice["pay_acc"]) == ("SEPA", "Account: AC21")
    assert (invoice["cpa_actions"], invoice["revenue"]) == ([cid(53)], "20.00000000")


@pytest.mark.parametrize(("params", "message"), [
    ({"aid": 99, "sum": "100", "currency": USD_ID}, "aid: unknown affiliate 99"),
    ({"aid": 2, "sum": "100", "currency": 9}, "currency: unknown currency id 9"),
    ({"aid": 2, "sum": "100", "currency": EUR_ID},
     "The affiliate Acme Media (2) does not have a payment system (EUR)"),
    ({"aid": 2, "sum": "19.99", "currency": USD_ID}, "Minimum payment - 20 USD"),
    ({"aid": 3, "sum": "12.49", "currency": EUR_ID}, "Minimum payment - 12.5 EUR"),
    ({"aid": 4, "sum": "100", "currency": USD_ID},
     "The affiliate Cobalt Traffic (4) does not have paid conversions"),
    ({"aid": 2, "sum": "1000", "currency": USD_ID},
     "The affiliate Acme Media (2) has 120 USD of paid conversions, less than 1000 USD"),
    ({"aid": 3, "sum": "8.5", "currency": USD_ID},
     "The affiliate Blue Leads (3) has 8 USD of paid conversions, less than 8.5 USD"),
    ({"aid": 2, "sum": "0", "currency": USD_ID}, "sum: must be greater than 0"),
    ({"aid": 2, "sum": "-5", "currency": USD_ID}, "sum: must be greater than 0"),
    ({"sum": "100", "currency": USD_ID}, "aid: is required"),
    ({"aid": 2, "currency": USD_ID}, "sum: is required"),
    ({"aid": 2, "sum": "100"}, "currency: is required"),
    ({}, "aid: is required"),
    ({"aid": 2, "sum": "", "currency": USD_ID}, "sum: is required"),
    ({"aid": 2, "sum": "abc", "currency": USD_ID}, "sum: must be a decimal number"),
    ({"aid": 2, "sum": "1.123456789", "currency": USD_ID},
     "sum: must have at most 8 decimal places"),
    ({"aid": "two", "sum": "100", "currency": USD_ID}, "aid: must be an integer"),
    ({"aid": 2, "sum": "100", "currency": "USD"}, "currency: must be an integer"),
])
def test_create_for_affiliate_refusals(make_app, params, message):
    billing = Billing(make_app(create_document()))

    billing.rejected("POST", CREATE, 400, message, data=params)


def test_create_for_affiliate_needs_an_admin_key(make_app):
    billing = Billing(make_app(create_document()))
    params = {"aid": 2, "sum": "100", "currency": USD_ID}

    billing.rejected("POST", CREATE, 403, "Auth Denied", data=params,
                     headers={"API-Key": MANAGER_KEY})
    billing.rejected("POST", CREATE, 401, "Token is necessary", data=params, headers={"API-Key": ""})


def test_a_second_invoice_by_sum_continues_where_the_first_stopped(make_app):
    billing = Billing(make_app(create_document()))

    billing.ok("POST", CREATE, GENERATING, data={"aid": 2, "sum": "30", "currency": USD_ID})
    billing.ok("POST", CREATE, GENERATING, data={"aid": 2, "sum": "30", "currency": USD_ID})

    assert billing.payment(91)["cpa_actions"] == oldest_first(10)
    assert billing.payment(92)["cpa_actions"] == oldest_first(20)[10:]
    billing.rejected("POST", CREATE, 400,
                     "The affiliate Acme Media (2) has 60 USD of paid conversions, less than 61 USD",
                     data={"aid": 2, "sum": "61", "currency": USD_ID})
