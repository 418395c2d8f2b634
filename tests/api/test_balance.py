"""GET /3.0/balance (an affiliate's own money) and the partner balances it shares its rule with.

available = payable now (approved or hold expired, in no invoice); hold = unexpired holds in no
invoice; balance = both. Numbers come from fixtures/default.json, now = 2024-06-15 12:00:00.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.api.test_wire import affise_ok, assert_affise_types, assert_error
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, MANAGER_KEY


def balance_of(client, affiliate_id: int) -> dict:
    response = client.get("/3.0/balance", headers={"API-Key": AFFILIATE_KEYS[affiliate_id]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"status", "balance"} and body["status"] == 1
    return body["balance"]


def set_now(client, moment: str) -> None:
    """Move the tenant clock through the control plane."""
    response = client.post("/_mock/clock", json={"set": moment}, headers={"API-Key": ADMIN_KEY})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize(("affiliate_id", "expected"), [
    # USD 22 + 22 + 7.25 approved and 30 whose hold ended 2024-06-10; 30 held to 2024-07-05.
    (2, {"balance": {"RUB": 0, "USD": 111.25, "EUR": 105},
         "hold": {"RUB": 0, "USD": 30, "EUR": 0},
         "available": {"RUB": 0, "USD": 81.25, "EUR": 105}}),
    # 12 USD is in invoice 2922; the pending 10 USD is not money yet.
    (3, {"balance": {"RUB": 0, "USD": 12.5, "EUR": 0},
         "hold": {"RUB": 0, "USD": 0, "EUR": 0},
         "available": {"RUB": 0, "USD": 12.5, "EUR": 0}}),
    (4, {"balance": {"RUB": 0, "USD": 40, "EUR": 25},
         "hold": {"RUB": 0, "USD": 0, "EUR": 0},
         "available": {"RUB": 0, "USD": 40, "EUR": 25}}),
    # 18 + 40 EUR sit in invoice 2924; the declined 9.99 USD never counts.
    (5, {"balance": {"RUB": 0, "USD": 19.98, "EUR": 35},
         "hold": {"RUB": 0, "USD": 0, "EUR": 0},
         "available": {"RUB": 0, "USD": 19.98, "EUR": 35}}),
    # 1500 RUB is in the declined invoice 2923: a declined invoice keeps its conversions.
    (6, {"balance": {"RUB": 1500, "USD": 0, "EUR": 0},
         "hold": {"RUB": 700, "USD": 0, "EUR": 0},
         "available": {"RUB": 800, "USD": 0, "EUR": 0}}),
])
def test_each_affiliate_sees_its_own_balance_in_every_active_currency(client, affiliate_id,
                                                                     expected):
    balance = balance_of(client, affiliate_id)

    assert balance == expected
    assert list(balance["balance"]) == ["RUB", "USD", "EUR"]


def test_the_affiliate_balance_agrees_with_the_partner_record(client, admin):
    partner = admin.get("/3.0/admin/partner/2").get_json()["partner"]
    balance = balance_of(client, 2)

    for code, money in partner["balance"].items():
        assert money == {part: balance[part][code] for part in ("balance", "hold", "available")}


def test_an_expired_hold_becomes_available_on_the_tenant_clock(client):
    set_now(client, "2024-07-05 00:00:00")

    assert balance_of(client, 2)["available"]["USD"] == 111.25
    assert balance_of(client, 2)["hold"]["USD"] == 0
    assert balance_of(client, 6) == {"balance": {"RUB": 1500, "USD": 0, "EUR": 0},
                                     "hold": {"RUB": 0, "USD": 0, "EUR": 0},
                                     "available": {"RUB": 1500, "USD": 0, "EUR": 0}}


def test_a_hold_is_still_a_hold_one_second_before_it_ends(client):
    set_now(client, "2024-07-04 23:59:59")

    assert balance_of(client, 2)["hold"]["USD"] == 30


def test_conversion_edits_move_money_between_hold_and_available(client, admin):
    admin.post("/3.0/admin/conversion/edit",
               data={"ids[]": "660000000000000000000007", "status": "confirmed"})
    admin.post("/3.0/admin/conversion/edit",
               data={"ids[]": "660000000000000000000005", "status": "hold"})

    balance = balance_of(client, 2)
    assert balance["available"]["USD"] == 81.25  # + 22 confirmed, - 22 held
    assert balance["hold"]["USD"] == 52
    assert balance["balance"]["USD"] == 133.25


def test_money_in_an_inactive_currency_still_shows(make_app, default_document):
    default_document["conversions"].append({
        "id": "6600000000000000000000ff", "affiliate_id": 4, "offer_id": 4, "status": 1,
        "payouts": "12.345", "currency": "GBP", "created_at": "2024-06-01 10:00:00"})
    client = make_app(default_document).test_client()

    assert balance_of(client, 4) == {
        "balance": {"RUB": 0, "USD": 40, "EUR": 25, "GBP": 12.345},
        "hold": {"RUB": 0, "USD": 0, "EUR": 0, "GBP": 0},
        "available": {"RUB": 0, "USD": 40, "EUR": 25, "GBP": 12.345}}
    assert "GBP" not in balance_of(client, 2)["balance"]


@pytest.mark.parametrize("key", [ADMIN_KEY, MANAGER_KEY])
def test_manager_keys_have_no_affiliate_balance(client, key):
    assert_error(client.get("/3.0/balance", headers={"API-Key": key}), 403, "Auth Denied")


def test_balance_answer_has_affise_field_names_and_types(client):
    schema, example = affise_ok("/3.0/balance")
    body = client.get("/3.0/balance", headers={"API-Key": AFFILIATE_KEYS[2]}).get_json()

    assert set(body) == set(example)
    assert set(body["balance"]) == set(example["balance"]) == {"balance", "hold", "available"}
    assert_affise_types(schema, body)


def _conversion_queries(app, client, path: str) -> list[str]:
    """Return the SQL statements touching conversions that one GET runs."""
    engine = app.extensions["mock_affise"].db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "conversions" in statement.lower():
            seen.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path, headers={"API-Key": ADMIN_KEY}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_partner_balances_take_one_grouped_query_whatever_the_page_size(app, client):
    one = _conversion_queries(app, client, "/3.0/admin/partners?limit=1")
    five = _conversion_queries(app, client, "/3.0/admin/partners?limit=5")
    with_balance = _conversion_queries(app, client, "/3.0/admin/partners?with_balance=1")

    # Never a query per partner: the page's balances come from one GROUP BY.
    assert len(one) == len(five)
    grouped = [q for q in five if "group by conversions.affiliate_id, conversions.currency" in q]
    assert len(grouped) == 1
    # with_balance adds its subquery to the count and to the page query, nothing per partner.
    assert len(with_balance) == len(five) + 2
