"""A fixture's payment system must have at least one field, as Affise requires."""

from __future__ import annotations

import pytest

from mock_affise.fixtures import FixtureError, validate

CURRENCIES = [{"id": 1, "code": "USD", "default": True}]
MESSAGE = "must hold at least one field, as Affise wants for every payment system"


@pytest.mark.parametrize("system", [
    {"id": 1, "title": "Cash", "fields": []},
    {"id": 1, "title": "Cash"},
])
def test_a_tenant_document_with_a_fieldless_payment_system_is_refused_naming_it(client, system):
    document = {"currencies": CURRENCIES, "payment_systems": [
        {"id": 2, "title": "Webmoney", "fields": [{"id": 4, "label": "WMZ", "required": True}]},
        system]}

    response = client.post("/_mock/tenants", json=document)

    assert response.status_code == 400
    assert response.json == {"status": 2,
                             "message": f"Invalid fixture: payment_systems[1].fields: {MESSAGE}",
                             "error": f"Invalid fixture: payment_systems[1].fields: {MESSAGE}"}
    assert [t["tenant"] for t in client.get("/_mock/tenants").json["tenants"]] == [1]


def test_every_fieldless_payment_system_is_named():
    with pytest.raises(FixtureError) as caught:
        validate({"payment_systems": [{"id": 1, "title": "A", "fields": []},
                                      {"id": 2, "title": "B",
                                       "fields": [{"id": 1, "label": "L"}]},
                                      {"id": 3, "title": "C", "fields": []}]})

    assert caught.value.problems == [f"payment_systems[0].fields: {MESSAGE}",
                                      f"payment_systems[2].fields: {MESSAGE}"]


def test_a_payment_system_with_one_optional_field_is_accepted():
    validate({"payment_systems": [{"id": 1, "title": "A",
                                   "fields": [{"id": 1, "label": "Note", "required": False}]}]})
