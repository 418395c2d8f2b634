"""GET /3.0/stats/conversions filters and POST /3.0/admin/conversion/edit on a small document.

The clock stands at 2024-06-15 12:00:00, so the default window starts at 2024-06-08 00:00:00.
"""

from __future__ import annotations

import pytest

from tests.api.billing_fixtures import (
    Billing,
    affiliate,
    assert_error,
    cid,
    conversion,
    document,
    seeded_payment,
    webmoney,
)

SINCE = "date_from=2024-01-01"
EDIT = "/3.0/admin/conversion/edit"


def _conversion(number: int, affiliate_id: int, payouts: str, created_at: str,
                **extra: str) -> dict:
    status = int(extra.pop("status", 1))
    row = conversion(number, affiliate_id, payouts, created_at, status=status,
                     offer_id=int(extra.pop("offer_id", 1)))
    return {**row, **extra}


DOCUMENT = document(
    affiliates=[affiliate(1, "One", webmoney(1)), affiliate(2, "Two", webmoney(2))],
    conversions=[
        _conversion(1, 1, "10", "2024-06-14 23:30:00", revenue="15", clickid="clk-a"),
        _conversion(2, 1, "20", "2024-06-10 08:00:00", revenue="30", goal="2", status=2),
        _conversion(3, 2, "30", "2024-06-12 05:00:00", revenue="45", status=3, offer_id=2,
                    decline_reason="anti_fraud"),
        _conversion(4, 2, "5.5", "2024-06-01 10:00:00"),
        _conversion(5, 1, "20", "2024-06-09 00:30:00"),
    ],
    payments=[seeded_payment(7, 1, "USD", [cid(5)])],
)


@pytest.fixture
def api(make_app) -> Billing:
    return Billing(make_app(DOCUMENT))


def ids(api: Billing, query: str) -> list[str]:
    response = api.client.get(f"/3.0/stats/conversions?{query}",
                              headers={"API-Key": api.key})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["pagination"]["total_count"] == len(body["conversions"])
    return [c["id"] for c in body["conversions"]]


def listed(api: Billing, number: int) -> dict:
    return next(c for c in api.client.get(
        f"/3.0/stats/conversions?{SINCE}", headers={"API-Key": api.key}).get_json()["conversions"]
        if c["id"] == cid(number))


def edit(api: Billing, data: dict):
    return api.client.post(EDIT, data=data, headers={"API-Key": api.key})


# ----------------------------------------------------------------------------- the list


def test_without_date_from_the_list_starts_a_week_before_today(api):
    assert ids(api, "") == [cid(1), cid(3), cid(2), cid(5)]
    assert ids(api, "date_to=2024-06-05") == []


@pytest.mark.parametrize(("query", "numbers"), [
    ("payouts=20", [2, 5]),
    ("payouts_from=10&payouts_to=30", [2, 5]),       # both bounds exclusive
    ("payouts_from=5.5", [1, 3, 2, 5]),
    ("payouts_to=10", [4]),
    ("revenue=45", [3]),
    ("revenue_from=15&revenue_to=45", [2]),
    ("goal=2", [2]),
    ("goal_id[]=2", [2]),
    ("goal_id[0]=0", []),
    (f"action_id={cid(3)}", [3]),
    ("clickid=clk-a", [1]),
    (f"clickid={cid(2)}", [2]),                       # no click id: the conversion's id
    (f"clickid={cid(1)}", []),
    ("decline_reason[]=anti_fraud", [3]),
    ("decline_reason[0]=cap_reached", []),
    ("fraud_risk_level[]=not_analyzed", [1, 3, 2, 5, 4]),
    ("fraud_risk_level[]=high", []),
    ("fraud_type[]=bot", []),
    ("partner[0]=0&offer[0]=0", []),
    ("raw_export=0", [1, 3, 2, 5, 4]),
    ("date_from=2024-06-15&date_to=2024-06-15", []),
    ("date_from=2024-06-15&date_to=2024-06-15&timezone=Europe/Berlin", [1]),
    ("date_from=2024-06-14&date_to=2024-06-14&timezone=Europe/Berlin", []),
    ("date_from=2024-06-10&date_to=2024-06-10&hour=8", [2]),
    ("date_from=2024-06-10&date_to=2024-06-10&hour=9", []),
    ("date_from=2024-06-15&date_to=2024-06-15&hour=1&timezone=Europe/Berlin", [1]),
])
def test_each_documented_filter_is_applied(api, query, numbers):
    since = "" if "date_from" in query else f"{SINCE}&"
    assert ids(api, since + query) == [cid(n) for n in numbers]


@pytest.mark.parametrize(("query", "message"), [
    ("browser=Chrome", "browser: not supported by mock-affise"),
    ("os=Android", "os: not supported by mock-affise"),
    ("device=tablet", "device: not supported by mock-affise"),
    ("subid1=abc", "subid1: not supported by mock-affise"),
    ("smart_id=5", "smart_id: not supported by mock-affise"),
    ("promocode=SPRING", "promocode: not supported by mock-affise"),
    ("imp_id=9", "imp_id: not supported by mock-affise"),
    ("raw_export=1", "raw_export: not supported by mock-affise"),
    ("timezone=Mars/Olympus", "timezone: unknown timezone 'Mars/Olympus'"),
    ("date_from=2024-06-09&date_to=2024-06-10&hour=8",
     "hour: is allowed only for a one-day period (date_from equal to date_to)"),
    ("hour=8", "hour: is allowed only for a one-day period (date_from equal to date_to)"),
    ("decline_reason[]=tired", "decline_reason: item 0 must be one of anti_fraud, cap_reached, "
     "by_manager, payment_not_found, ip_duplicate, by_server_postback, partner_banned, "
     "partner_disabled, min_click_time_not_reached, click_time_expire, by_import, "
     "promocode_expired, promocode_not_available"),
    ("payouts_from=ten", "payouts_from: must be a decimal number"),
])
def test_a_filter_the_mock_cannot_honour_is_refused(api, query, message):
    assert_error(api.client.get(f"/3.0/stats/conversions?{query}",
                                headers={"API-Key": api.key}), 400, message)


def test_the_list_shows_what_the_fixture_sets(api):
    first, third = listed(api, 1), listed(api, 3)

    assert (first["clickid"], first["revenue"], first["sum"]) == ("clk-a", 15, 0)
    assert (third["decline_reason"], third["clickid"]) == ("anti_fraud", cid(3))


# ----------------------------------------------------------------------------- the edit


def test_only_ids_is_required_and_changes_nothing(api):
    before = listed(api, 2)

    response = edit(api, {"ids[0]": cid(2)})

    assert response.status_code == 200
    assert response.get_json()["data"] == {"ids": [cid(2)], "status": None, "currency": None,
                                           "payouts": None, "revenue": None}
    assert listed(api, 2) == before


def test_the_edit_stores_comment_sum_revenue_and_custom_fields(api):
    response = edit(api, {"ids[]": cid(2), "comment": "checked", "sum": "99.5",
                          "revenue": "31", "custom_field_3": "c3", "custom_field_7": "c7",
                          "custom_field_12": "c12"})

    assert response.get_json()["data"]["revenue"] == 31
    shown = listed(api, 2)
    assert (shown["comment"], shown["sum"], shown["revenue"], shown["payouts"]) == \
        ("checked", 99.5, 31, 20)
    assert (shown["custom_field_3"], shown["custom_field_7"], shown["custom_field_1"]) == \
        ("c3", "c7", "")
    assert shown["updated_at"] == "2024-06-15 12:00:00"
    by_id = api.client.get(f"/3.0/stats/conversionsbyid?id={cid(2)}",
                           headers={"API-Key": api.key}).get_json()["conversion"]
    assert (by_id["comment"], by_id["custom_field_3"], by_id["custom_field_1"],
            by_id["sum"], by_id["revenue"]) == ("checked", "c3", None, 99.5, 31)
    assert ids(api, f"{SINCE}&comment=checked") == [cid(2)]
    assert ids(api, f"{SINCE}&custom_field_3=c3") == [cid(2)]
    assert ids(api, f"{SINCE}&revenue=31") == [cid(2)]


def test_edit_by_filter_changes_what_the_filters_select(api):
    response = edit(api, {"ids[0]": cid(4), "status": "declined", "all": "1",
                          "params[date_from]": "2024-06-10", "params[date_to]": "2024-06-14",
                          "params[partner][0]": "1"})

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["data"]["ids"] == [cid(2), cid(1)]
    assert ids(api, f"{SINCE}&status[]=3") == [cid(1), cid(3), cid(2)]
    assert listed(api, 4)["status"] == "confirmed"  # ids are not read with all=1


def test_edit_by_filter_reads_status_words_and_payouts_bounds(api):
    response = edit(api, {"ids[0]": cid(1), "payouts": "12", "all": "1",
                          "params[date_from]": "2024-06-01", "params[date_to]": "2024-06-14",
                          "params[status]": "pending"})

    assert response.get_json()["data"]["ids"] == [cid(2)]
    assert (listed(api, 2)["payouts"], listed(api, 1)["payouts"]) == (12, 10)


@pytest.mark.parametrize(("data", "message"), [
    ({"all": "1"}, "params: is required when all=1"),
    ({"all": "1", "params[date_from]": "2024-06-01"}, "params[date_to]: is required when all=1"),
    ({"all": "1", "params[date_to]": "2024-06-01"}, "params[date_from]: is required when all=1"),
    ({"all": "1", "params[date_from]": "2024-06-01", "params[date_to]": "2024-06-14",
      "params[os]": "ios"}, "params[os]: not supported by mock-affise"),
    ({"all": "1", "params[date_from]": "2024-06-01", "params[date_to]": "2024-06-14",
      "params[sort]": "id"}, "Method does not allow extra fields: 'params[sort]'"),
    ({"all": "1", "params[date_from]": "June", "params[date_to]": "2024-06-14"},
     "params[date_from]: must be a date in YYYY-MM-DD format"),
    ({"all": "1", "params[date_from]": "2024-06-01", "params[date_to]": "2024-06-14"},
     f"ids: conversion {cid(5)} is in payment 7"),
    ({"sum": "-1"}, "sum: must not be negative"),
    ({"revenue": "-0.5"}, "revenue: must not be negative"),
])
def test_edit_refusals_change_nothing(api, data, message):
    before = [listed(api, n) for n in range(1, 6)]

    assert_error(edit(api, {"ids[0]": cid(2), "status": "confirmed", **data}), 400, message)

    assert [listed(api, n) for n in range(1, 6)] == before
