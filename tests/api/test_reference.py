"""GET /3.0/admin/currency and GET /3.0/admin/payment_systems on the default fixture."""

from __future__ import annotations

import pytest

from tests.api.test_wire import affise_ok, assert_affise_types, assert_error
from tests.conftest import MANAGER_KEY

# ----------------------------------------------------------------------------- currency


def test_currency_list_maps_every_code_to_its_rate_as_a_json_number(admin):
    response = admin.get("/3.0/admin/currency")

    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.get_json() == {
        "status": 1, "quotes": {"RUB": 90.5, "USD": 1, "EUR": 0.92, "GBP": 0.79}}
    assert list(response.get_json()["quotes"]) == ["RUB", "USD", "EUR", "GBP"]


def test_currency_list_with_get_only_active_leaves_out_inactive_currencies(admin):
    response = admin.get("/3.0/admin/currency?get_only_active=1")

    assert response.status_code == 200
    assert response.get_json() == {"status": 1, "quotes": {"RUB": 90.5, "USD": 1, "EUR": 0.92}}


def test_extended_currency_list_gives_affise_records(admin):
    response = admin.get("/3.0/admin/currency?extended=1")

    assert response.status_code == 200
    assert response.get_json() == {"status": 1, "quotes": [
        {"_id": 1, "code": "RUB", "active": True, "default": False, "rate": 90.5,
         "min_payment": 1000, "is_crypto": None},
        {"_id": 2, "code": "USD", "active": True, "default": True, "rate": 1,
         "min_payment": 20, "is_crypto": None},
        {"_id": 3, "code": "EUR", "active": True, "default": False, "rate": 0.92,
         "min_payment": 50, "is_crypto": None},
        {"_id": 4, "code": "GBP", "active": False, "default": False, "rate": 0.79,
         "min_payment": 0, "is_crypto": None},
    ]}


def test_extended_and_only_active_combine(admin):
    response = admin.get("/3.0/admin/currency", query_string={"extended": "1",
                                                               "get_only_active": "1"})

    assert [q["code"] for q in response.get_json()["quotes"]] == ["RUB", "USD", "EUR"]


def test_currency_flags_read_zero_as_off(admin):
    response = admin.get("/3.0/admin/currency?extended=0&get_only_active=0")

    assert response.get_json()["quotes"] == {"RUB": 90.5, "USD": 1, "EUR": 0.92, "GBP": 0.79}


@pytest.mark.parametrize("name", ["extended", "get_only_active"])
def test_currency_flag_other_than_zero_or_one_is_refused(admin, name):
    response = admin.get(f"/3.0/admin/currency?{name}=yes")

    assert_error(response, 400, f"{name}: must be 0 or 1")


def test_affiliate_manager_may_read_currencies(client):
    response = client.get("/3.0/admin/currency", headers={"API-Key": MANAGER_KEY})

    assert response.status_code == 200
    assert response.get_json()["quotes"]["USD"] == 1


def test_currency_answers_have_affise_field_names_and_types(admin):
    schema, example = affise_ok("/3.0/admin/currency")
    plain = admin.get("/3.0/admin/currency").get_json()
    extended = admin.get("/3.0/admin/currency?extended=1").get_json()

    assert set(plain) == set(example["default"]["value"]) == {"status", "quotes"}
    assert all(isinstance(rate, int | float) and not isinstance(rate, bool)
               for rate in plain["quotes"].values())
    record_schema = schema["properties"]["quotes"]["oneOf"][1]["items"]
    affise_record = example["extended"]["value"]["quotes"][0]
    for record in extended["quotes"]:
        assert set(record) == set(affise_record) == set(record_schema["properties"])
        assert_affise_types(record_schema, record)
        assert isinstance(record["_id"], int)
        assert isinstance(record["code"], str)
        assert isinstance(record["active"], bool) and isinstance(record["default"], bool)
        assert isinstance(record["rate"], int | float)
        assert isinstance(record["min_payment"], int)
        assert record["is_crypto"] is None or isinstance(record["is_crypto"], bool)


# ----------------------------------------------------------------------------- payment systems


def test_payment_systems_list_every_system_with_its_fields(admin):
    response = admin.get("/3.0/admin/payment_systems")

    assert response.status_code == 200
    assert response.get_json() == {"status": 1, "payment_systems": [
        {"id": 1, "lang_label": "Webmoney", "currency": None,
         "fields": [{"id": 4, "lang_label": "WMZ", "required": True}]},
        {"id": 2, "lang_label": "Wire transfer", "currency": None,
         "fields": [{"id": 1, "lang_label": "IBAN/Account Number", "required": True},
                    {"id": 2, "lang_label": "Swift/BIC-Code", "required": True},
                    {"id": 3, "lang_label": "Bank name", "required": False}]},
        {"id": 3, "lang_label": "PayPal", "currency": "USD",
         "fields": [{"id": 5, "lang_label": "Email", "required": True}]},
        {"id": 4, "lang_label": "Payoneer", "currency": "EUR",
         "fields": [{"id": 6, "lang_label": "Payee ID", "required": True}]},
    ]}


def test_payment_systems_do_not_leak_the_mock_threshold(admin):
    systems = admin.get("/3.0/admin/payment_systems").get_json()["payment_systems"]

    assert all("threshold" not in system for system in systems)


def test_payment_systems_have_affise_field_names(admin):
    schema, example = affise_ok("/3.0/admin/payment_systems")
    systems = admin.get("/3.0/admin/payment_systems").get_json()["payment_systems"]
    item = schema["properties"]["payment_systems"]["items"]["properties"]

    for system in systems:
        assert set(system) == set(example["payment_systems"][0]) == set(item)
        assert_affise_types(schema["properties"]["payment_systems"]["items"], system)
        assert isinstance(system["id"], int) and isinstance(system["lang_label"], str)
        assert system["currency"] is None or isinstance(system["currency"], str)
        for field in system["fields"]:
            assert set(field) == set(example["payment_systems"][0]["fields"][0])
            assert isinstance(field["id"], int) and isinstance(field["required"], bool)
