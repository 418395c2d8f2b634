"""Conversion routes: GET /3.0/stats/conversions, GET /3.0/stats/conversionsbyid and
POST /3.0/admin/conversion/edit, on fixtures/default.json (clock frozen at 2024-06-15 12:00:00).
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.api.test_wire import affise_ok, assert_affise_types, assert_error, export

NOW = "2024-06-15 12:00:00"
EDITED = "Conversion changes will take a few minutes"
# Every conversion of the fixture: without date_from the list starts a week before today.
SINCE = "date_from=2024-01-01"


def cid(suffix: str) -> str:
    """Return a default-fixture conversion id from its last hex digits: "0a" -> 66…0a."""
    return "66" + suffix.rjust(22, "0")


def listed(admin, query: str = "") -> list[dict]:
    response = admin.get(f"/3.0/stats/conversions?limit=500&{SINCE}&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["conversions"]


def listed_ids(admin, query: str = "") -> list[str]:
    return [c["id"] for c in listed(admin, query)]


def by_id(admin, suffix: str) -> dict:
    return next(c for c in listed(admin) if c["id"] == cid(suffix))


def partner_balance(admin, affiliate_id: int, code: str) -> dict:
    partner = admin.get(f"/3.0/admin/partner/{affiliate_id}").get_json()["partner"]
    return partner["balance"][code]


# ----------------------------------------------------------------------------- list


def test_the_list_shows_every_conversion_newest_first(admin):
    response = admin.get(f"/3.0/stats/conversions?{SINCE}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == 1
    assert body["pagination"] == {"per_page": 100, "total_count": 27, "page": 1}
    assert [c["id"] for c in body["conversions"][:7]] == [
        cid("10"), cid("0a"), cid("0f"), cid("0c"), cid("08"), cid("1b"), cid("07")]


def test_a_listed_conversion_renders_every_field(admin):
    # Held until 2024-06-10, so on 2024-06-15 it reads confirmed.
    assert by_id(admin, "09") == {
        "id": cid("09"), "action_id": cid("09"), "status": "confirmed", "currency": "USD",
        "goal": "1", "country": "US", "district": "", "city": "", "ip": "", "browser": "",
        "os": "", "device": "",
        "offer": {"id": 5, "title": "Crypto Wallet Install", "offer_id": "5", "url": ""},
        "offer_id": 5, "ios_idfa": "", "android_id": "",
        "sub1": "", "sub2": "", "sub3": "", "sub4": "", "sub5": "",
        "custom_field_1": "", "custom_field_2": "", "custom_field_3": "", "custom_field_4": "",
        "custom_field_5": "", "custom_field_6": "", "custom_field_7": "",
        "ua": "", "comment": "", "created_at": "2024-05-25 10:00:00",
        "updated_at": "2024-05-25 10:00:00", "click_time": "2024-05-25 10:00:00", "referrer": "",
        "payouts": 30, "clickid": cid("09"),
        "partner": {"id": 2, "email": "acme@example.com", "login": "acme", "name": "Acme Media"},
        "goal_value": "1", "sum": 0, "revenue": 0, "earnings": 0,
        "advertiser": {"id": "62164a9a5a8b7e788f752f99", "title": ""},
        "payment_status": "opened", "is_paid": "0", "forensiq": None, "payment_type": "fixed",
        "hold_date_expire": "2024-06-10 00:00:00", "fraud_risk_level": "not_analyzed",
        "decline_reason": "", "fraud_type": [],
    }


@pytest.mark.parametrize(("suffix", "status"), [
    ("04", "confirmed"), ("07", "pending"), ("08", "declined"), ("0a", "hold"), ("09", "confirmed"),
])
def test_status_reads_as_a_word(admin, suffix, status):
    assert by_id(admin, suffix)["status"] == status


@pytest.mark.parametrize(("suffix", "payment_status", "is_paid"), [
    ("04", "opened", "0"),   # in no invoice
    ("01", "closed", "1"),   # invoice 2921, completed
    ("03", "pending", "0"),  # invoice 2925, waiting
    ("0d", "pending", "0"),  # invoice 2922, paid partly
    ("13", "pending", "0"),  # invoice 2924, pending
    ("19", "pending", "0"),  # invoice 2923, declined
])
def test_payment_status_follows_the_invoice(admin, suffix, payment_status, is_paid):
    conversion = by_id(admin, suffix)

    assert (conversion["payment_status"], conversion["is_paid"]) == (payment_status, is_paid)


def test_money_renders_as_exact_json_numbers(admin):
    assert by_id(admin, "06")["payouts"] == 7.25
    assert by_id(admin, "16")["payouts"] == 9.99
    assert by_id(admin, "19")["payouts"] == 1500


@pytest.mark.parametrize(("query", "count"), [
    ("status[]=1", 21),                    # 20 approved + 1 expired hold
    ("status[]=5", 2),
    ("status[0]=2&status[1]=3", 4),
    ("partner[]=3", 4),
    ("partner[]=2&partner[]=6", 15),
    ("offer[]=5", 7),
    ("advertiser[]=62164a9a5a8b7e788f752f99", 7),
    ("country[]=de", 4),
    ("currency=USD", 18),
    ("currency=usd", 18),
    ("currency=2", 18),
    ("currency=3", 6),
    ("currency=RUB", 3),
    ("payment_status=opened", 20),
    ("payment_status=pending", 5),
    ("payment_status=closed", 2),
    ("date_from=2024-06-01&date_to=2024-06-02", 3),
    ("date_from=2024-06-05", 2),
    ("date_from=2024-01-01&date_to=2024-03-09", 2),
    ("partner[]=2&status[]=1&payment_status=opened&currency=USD", 4),
])
def test_filters(admin, query, count):
    since = "" if "date_from" in query else f"{SINCE}&"
    response = admin.get(f"/3.0/stats/conversions?{since}{query}")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["pagination"]["total_count"] == count
    assert len(response.get_json()["conversions"]) == count


def test_status_filter_reads_hold_expiry_on_the_tenant_clock(admin):
    assert listed_ids(admin, "status[]=5") == [cid("0a"), cid("1b")]
    assert cid("09") in listed_ids(admin, "status[]=1")


def test_payment_status_closed_lists_the_completed_invoice(admin):
    assert listed_ids(admin, "payment_status=closed") == [cid("02"), cid("01")]


def test_date_range_is_inclusive_by_day(admin):
    assert listed_ids(admin, "date_from=2024-06-01&date_to=2024-06-02") == \
        [cid("08"), cid("1b"), cid("07")]


def test_update_dates_filter_on_updated_at(admin):
    assert listed_ids(admin, "update_from_date=2024-06-15") == []
    admin.post("/3.0/admin/conversion/edit", data={"ids[]": cid("07"), "status": "confirmed"})

    assert listed_ids(admin, "update_from_date=2024-06-15") == [cid("07")]
    assert listed_ids(admin, "update_from_date=2024-06-15&update_from_hour=13") == []
    assert listed_ids(admin, "update_to_date=2024-06-14") == [
        c for c in listed_ids(admin) if c != cid("07")]
    assert listed_ids(admin, "update_from_date=2024-06-15&update_to_date=2024-06-15"
                             "&update_to_hour=12") == [cid("07")]


def test_pagination(admin):
    first = admin.get(f"/3.0/stats/conversions?{SINCE}&limit=10").get_json()
    last = admin.get(f"/3.0/stats/conversions?{SINCE}&limit=10&page=3").get_json()

    assert first["pagination"] == {"per_page": 10, "total_count": 27, "page": 1, "next_page": 2}
    assert last["pagination"] == {"per_page": 10, "total_count": 27, "page": 3}
    assert len(last["conversions"]) == 7
    pages = [c["id"] for p in (1, 2, 3) for c in admin.get(
        f"/3.0/stats/conversions?{SINCE}&limit=10&page={p}").get_json()["conversions"]]
    assert pages == listed_ids(admin)


@pytest.mark.parametrize(("query", "message"), [
    ("status[]=4", "status: item 0 must be one of 1, 2, 3, 5"),
    ("status[]=1&status[]=confirmed", "status: item 1 must be one of 1, 2, 3, 5"),
    ("partner[]=two", "partner: item 0 must be an integer"),
    ("offer[]=-1", "offer: item 0 must be at least 0"),
    ("currency=XYZ", "currency: unknown currency 'XYZ'"),
    ("currency=9", "currency: unknown currency '9'"),
    ("payment_status=paid", "payment_status: must be one of opened, pending, closed"),
    ("date_from=2024-13-01", "date_from: must be a real date in YYYY-MM-DD format"),
    ("date_to=yesterday", "date_to: must be a date in YYYY-MM-DD format"),
    ("date_from=2024-06-02&date_to=2024-06-01", "date_from: must not be after date_to"),
    ("update_from_hour=24", "update_from_hour: must be at most 23"),
    ("limit=0", "limit: must be at least 1"),
    ("limit=501", "limit: must be at most 500"),
    ("page=0", "page: must be at least 1"),
    ("sort=id", "Method does not allow extra fields: 'sort'"),
    ("filter[status]=1", "Method does not allow extra fields: 'filter'"),
])
def test_list_parameters_are_validated(admin, query, message):
    assert_error(admin.get(f"/3.0/stats/conversions?{query}"), 400, message)


def _statement_count(app, admin, path: str) -> int:
    engine = app.extensions["mock_affise"].db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert admin.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_the_list_runs_the_same_queries_for_one_conversion_or_all(app, admin):
    # Offer, partner, manager, currency and invoice come joined: no query per conversion.
    assert _statement_count(app, admin, f"/3.0/stats/conversions?{SINCE}&limit=1") == \
        _statement_count(app, admin, f"/3.0/stats/conversions?{SINCE}&limit=500")


# ----------------------------------------------------------------------------- by id


def test_conversion_by_id_renders_affise_fields_with_a_numeric_status(admin):
    response = admin.get(f"/3.0/stats/conversionsbyid?id={cid('0a')}")

    assert response.status_code == 200
    assert response.get_json() == {"status": 1, "conversion": {
        "id": cid("0a"), "action_id": cid("0a"), "status": 5, "conversion_id": cid("0a"),
        "cbid": cid("0a"), "currency": "USD",
        "offer": {"id": 5, "title": "Crypto Wallet Install", "offer_id": "5", "url": ""},
        "offer_id": 5, "goal": "1", "hold_date_expire": "2024-07-05 00:00:00", "ip": "",
        "country": "CA", "country_name": "", "district": None, "city": "", "city_id": 0,
        "isp_code": "", "ua": "", "browser": "", "os": "", "device": "", "device_type": "",
        "sub1": None, "sub2": None, "sub3": None, "sub4": None, "sub5": None, "sub6": None,
        "sub7": None, "sub8": None, "custom_field_1": None, "custom_field_2": None,
        "custom_field_3": None, "custom_field_4": None, "custom_field_5": None,
        "custom_field_6": None, "custom_field_7": None, "comment": None,
        "created_at": "2024-06-05 10:00:00", "click_time": "2024-06-05 10:00:00",
        "updated_at": "2024-06-05 10:00:00", "referrer": None, "landing_id": None,
        "prelanding_id": None, "currency_id": "2", "price": None, "clickid": cid("0a"),
        "partner": {"id": 2, "email": "acme@example.com", "login": "acme", "name": "Acme Media",
                    "manager": {"id": "5f2a9e0c1d2b3c4d5e6f7a8c", "title": "Bob Stone",
                                "first_name": "Bob", "last_name": "Stone"}},
        "supplier_id": "62164a9a5a8b7e788f752f99", "partner_id": 2, "goal_value": "1",
        "sum": 0, "revenue": 0, "payouts": 30, "earnings": 0,
        "advertiser": {"id": "62164a9a5a8b7e788f752f99", "title": ""},
        "payment_type": "fixed", "payment_status": "opened", "is_paid": "0", "charge": 0,
        "earning": 0, "click_id": cid("0a"), "fraud_risk_level": "not_analyzed",
        "decline_reason": "", "fraud_type": [], "createdAt": "2024-06-05 10:00:00",
        "updatedAt": "2024-06-05 10:00:00",
    }}


def test_conversion_by_id_shows_the_closed_state_and_a_partner_without_manager(admin):
    closed = admin.get(f"/3.0/stats/conversionsbyid?id={cid('01')}").get_json()["conversion"]
    cobalt = admin.get(f"/3.0/stats/conversionsbyid?id={cid('11')}").get_json()["conversion"]

    assert (closed["status"], closed["payment_status"], closed["is_paid"]) == (1, "closed", "1")
    assert cobalt["partner"]["manager"] is None


def test_conversion_by_id_errors(admin):
    assert_error(admin.get("/3.0/stats/conversionsbyid"), 400, "id: is required")
    assert_error(admin.get("/3.0/stats/conversionsbyid?id="), 400, "id: is required")
    assert_error(admin.get("/3.0/stats/conversionsbyid?id=ffffffffffffffffffffffff"), 404,
                 "Resource Not Found")


# ----------------------------------------------------------------------------- edit


def test_confirming_a_pending_conversion_makes_it_payable(admin):
    response = admin.post("/3.0/admin/conversion/edit",
                          data={"ids[0]": cid("07"), "status": "confirmed"})

    assert response.status_code == 200
    assert response.get_json() == {"status": 1, "data": {
        "ids": [cid("07")], "status": "confirmed", "currency": None, "payouts": None,
        "revenue": None}, "message": EDITED}
    conversion = by_id(admin, "07")
    assert (conversion["status"], conversion["updated_at"]) == ("confirmed", NOW)
    assert partner_balance(admin, 2, "USD") == {"balance": 133.25, "hold": 30,
                                                "available": 103.25}


def test_editing_payouts_changes_the_balance_exactly(admin):
    response = admin.post("/3.0/admin/conversion/edit",
                          data={"ids[]": cid("04"), "payouts": "25.50", "revenue": "30"})

    assert response.get_json()["data"] == {"ids": [cid("04")], "status": None, "currency": None,
                                           "payouts": 25.5, "revenue": 30}
    assert by_id(admin, "04")["payouts"] == 25.5
    assert by_id(admin, "04")["status"] == "confirmed"
    assert partner_balance(admin, 2, "USD")["available"] == 84.75


def test_holding_an_approved_conversion_holds_it_until_changed(admin):
    admin.post("/3.0/admin/conversion/edit", data={"ids[]": cid("04"), "status": "hold"})

    held = by_id(admin, "04")
    assert (held["status"], held["hold_date_expire"]) == ("hold", None)
    assert partner_balance(admin, 2, "USD") == {"balance": 111.25, "hold": 52,
                                                "available": 59.25}


def test_holding_keeps_a_future_release_and_drops_a_past_one(admin):
    admin.post("/3.0/admin/conversion/edit",
               data={"ids[0]": cid("0a"), "ids[1]": cid("09"), "status": "hold"})

    assert (by_id(admin, "0a")["status"], by_id(admin, "0a")["hold_date_expire"]) == \
        ("hold", "2024-07-05 00:00:00")
    assert (by_id(admin, "09")["status"], by_id(admin, "09")["hold_date_expire"]) == \
        ("hold", None)


def test_declining_and_changing_currency(admin):
    response = admin.post("/3.0/admin/conversion/edit",
                          data={"ids[]": cid("04"), "status": "declined", "currency": "eur"})

    assert response.get_json()["data"]["currency"] == "EUR"
    conversion = by_id(admin, "04")
    assert (conversion["status"], conversion["currency"]) == ("declined", "EUR")


def test_edit_accepts_repeated_ids_once(admin):
    response = admin.post("/3.0/admin/conversion/edit",
                          data={"ids": [cid("07"), cid("07")], "status": "confirmed"})

    assert response.get_json()["data"]["ids"] == [cid("07")]


@pytest.mark.parametrize(("data", "message"), [
    ({"status": "confirmed"}, "ids: is required"),
    ({"ids[]": cid("07"), "status": "approved"},
     "status: must be one of confirmed, pending, declined, hold"),
    ({"ids[]": cid("07"), "payouts": "ten"}, "payouts: must be a decimal number"),
    ({"ids[]": cid("07"), "payouts": "-1"}, "payouts: must not be negative"),
    ({"ids[]": cid("07"), "payouts": "1.123456789"}, "payouts: must have at most 8 decimal places"),
    ({"ids[]": cid("07"), "currency": "XYZ"}, "currency: unknown currency 'XYZ'"),
    ({"ids[]": cid("07"), "currency": "2"}, "currency: unknown currency '2'"),
    ({"ids[]": "ffffffffffffffffffffffff", "status": "confirmed"},
     "ids: unknown conversion ffffffffffffffffffffffff"),
    ({"ids": ["fffffffffffffffffffffff1", cid("07"), "fffffffffffffffffffffff2"],
      "status": "confirmed"},
     "ids: unknown conversions fffffffffffffffffffffff1, fffffffffffffffffffffff2"),
    ({"ids[]": cid("03"), "status": "declined"}, f"ids: conversion {cid('03')} is in payment 2925"),
    ({"ids": [cid("07"), cid("01")], "status": "confirmed"},
     f"ids: conversion {cid('01')} is in payment 2921"),
])
def test_edit_refusals_name_the_field_and_change_nothing(admin, app, data, message):
    before = export(app)

    assert_error(admin.post("/3.0/admin/conversion/edit", data=data), 400, message)

    assert export(app) == before


# ----------------------------------------------------------------------------- Affise's shape


def test_list_answer_has_affise_field_names_and_types(admin):
    schema, example = affise_ok("/3.0/stats/conversions")
    body = admin.get(f"/3.0/stats/conversions?{SINCE}&limit=3").get_json()
    affise = example["conversions"][0]

    assert set(body) == set(example)
    assert set(body["pagination"]) == set(example["pagination"])
    for conversion in body["conversions"]:
        assert set(conversion) == set(affise)
        for nested in ("offer", "partner", "advertiser"):
            assert set(conversion[nested]) == set(affise[nested])
    # Affise's list example quotes offer_id ('934'); its recorded answers and the Go SDK
    # (uint64) have a number, which the mock follows.
    assert_affise_types(schema, body, deviations=frozenset({".conversions[].offer_id"}))
    assert all(isinstance(c["offer_id"], int) for c in body["conversions"])


def test_by_id_answer_has_affise_field_names_and_types(admin):
    schema, example = affise_ok("/3.0/stats/conversionsbyid")
    body = admin.get(f"/3.0/stats/conversionsbyid?id={cid('0a')}").get_json()

    assert set(body) == set(example)
    assert set(body["conversion"]) == set(example["conversion"])
    for nested in ("offer", "partner", "advertiser"):
        assert set(body["conversion"][nested]) == set(example["conversion"][nested])
    # The schema types partner.manager as a string; Affise's recorded answers carry an object,
    # which is what the Go SDK parses.
    assert_affise_types(schema, body, deviations=frozenset({".conversion.partner.manager"}))


def test_edit_answer_has_affise_field_names(admin):
    _, example = affise_ok("/3.0/admin/conversion/edit", "post")
    body = admin.post("/3.0/admin/conversion/edit",
                      data={"ids[]": cid("07"), "status": "confirmed", "currency": "USD"}).get_json()

    assert set(body) == set(example)
    assert set(body["data"]) == set(example["data"])
    assert body["message"] == example["message"]
    assert body["data"]["currency"] == example["data"]["currency"] == "USD"
