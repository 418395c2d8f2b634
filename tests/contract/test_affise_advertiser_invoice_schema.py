"""Our advertiser invoices against Affise's admin-billing OpenAPI schemas and examples."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.api.test_advertiser_invoices import advertiser_document
from tests.conftest import ADMIN_KEY, AFFISE_SPEC

SPEC_FILE = AFFISE_SPEC / "affise-admin-billing-api-openapi.yml"
KEY = {"API-Key": ADMIN_KEY}
LIST, NEW, ONE = ("/3.0/admin/advertiser-invoices", "/3.0/admin/advertiser-invoice",
                  "/3.0/admin/advertiser-invoice/{number}")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_FILE.is_file():
        pytest.skip("Affise spec folder ../shared/affise-spec not present")
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def answer(spec: dict[str, Any], path: str, method: str) -> tuple[dict[str, Any], Any]:
    """Return the 200 schema of an operation (comments nullable) and its example."""
    body = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    schema = copy.deepcopy(body["schema"])
    # Affise types the comments as strings, but its examples answer null for an unset one: the
    # example wins (README, Fidelity notes).
    for invoice in _invoices(schema):
        invoice["properties"]["comment"] = {"type": ["string", "null"]}
        invoice["properties"]["detail"]["items"]["properties"]["comment"] = {
            "type": ["string", "null"]}
    Draft202012Validator.check_schema(schema)
    return schema, body["example"]


def _invoices(schema: dict[str, Any]) -> list[dict[str, Any]]:
    message = schema["properties"]["message"]
    if message.get("type") == "array":
        return [message["items"]]
    return [message] if message.get("type") == "object" else []


@pytest.fixture
def app(make_app):
    return make_app(advertiser_document())


def test_affises_own_examples_fit_the_schemas_we_validate_with(spec):
    for path, method in ((LIST, "get"), (ONE, "get"), (NEW, "post"), (ONE, "post")):
        schema, example = answer(spec, path, method)
        Draft202012Validator(schema).validate(example)


def test_the_list_fits_affises_schema_with_the_keys_of_its_example(spec, client):
    schema, example = answer(spec, LIST, "get")
    body = client.get(LIST, headers=KEY).get_json()
    Draft202012Validator(schema).validate(body)
    assert set(body) == set(example)
    assert all(set(invoice) == set(example["message"][0]) for invoice in body["message"])
    assert all(set(row) == set(example["message"][0]["detail"][0])
               for invoice in body["message"] for row in invoice["detail"])
    assert set(body["pagination"]) == set(example["pagination"])


def test_one_invoice_fits_affises_schema_with_the_keys_of_its_example(spec, client):
    schema, example = answer(spec, ONE, "get")
    for number in (1, 2, 5):
        body = client.get(ONE.format(number=number), headers=KEY).get_json()
        Draft202012Validator(schema).validate(body)
        assert set(body["message"]) == set(example["message"])


def test_create_and_edit_answer_affises_examples_exactly(spec, client):
    created = client.post(NEW, headers=KEY, data={"supplier_id": advertiser_document()[
        "advertisers"][0]["id"], "currency": "USD"}).get_json()
    assert created == answer(spec, NEW, "post")[1]
    updated = client.post(ONE.format(number=1), headers=KEY, data={"comment": "x"}).get_json()
    assert updated == answer(spec, ONE, "post")[1]
