"""Our invoices against Affise's own OpenAPI `payment` schema and its response examples."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.api.billing_fixtures import Billing
from tests.conftest import AFFISE_SPEC

SPEC_FILE = AFFISE_SPEC / "affise-admin-payments-api-openapi.yml"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
WIDE = {"date_from": "2000-01-01", "date_to": "2099-12-31"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_FILE.is_file():
        pytest.skip("Affise spec folder ../shared/affise-spec not present")
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def nullable_to_union(schema: Any) -> Any:
    """Translate OpenAPI 3.0's `nullable: true` into JSON Schema's type union, everywhere."""
    if isinstance(schema, list):
        return [nullable_to_union(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: nullable_to_union(value) for key, value in schema.items()
              if key != "nullable"}
    if schema.get("nullable") is True and "type" in result:
        types = result["type"] if isinstance(result["type"], list) else [result["type"]]
        result["type"] = [*types, "null"]
    return result


@pytest.fixture(scope="module")
def payment_schema(spec) -> dict[str, Any]:
    schema = copy.deepcopy(spec["components"]["schemas"]["payment"])
    # Affise declares additional_payments an array, but its own list example sends an object
    # keyed by correction id ({"9": {...}}): PHP renders an empty array as [] and a keyed one as
    # an object. We follow the example, so the schema must allow both.
    schema["properties"]["additional_payments"] = {"type": ["array", "object"]}
    schema = nullable_to_union(schema)
    Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture(scope="module")
def list_schema(spec, payment_schema) -> dict[str, Any]:
    operation = spec["paths"]["/3.1/payments"]["get"]
    schema = copy.deepcopy(operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert schema["properties"]["payments"]["items"] == {"$ref": "#/components/schemas/payment"}
    schema["properties"]["payments"]["items"] = payment_schema
    return schema


@pytest.fixture(scope="module")
def example_payment(spec) -> dict[str, Any]:
    operation = spec["paths"]["/3.1/payments"]["get"]
    return operation["responses"]["200"]["content"]["application/json"]["example"]


def test_the_patched_schema_accepts_affises_own_examples(spec, payment_schema, list_schema,
                                                        example_payment):
    # Without the patch, the list example itself would fail on additional_payments.
    Draft202012Validator(list_schema).validate(example_payment)
    single = spec["paths"]["/3.1/payments/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"]["example"]["payment"]
    Draft202012Validator(payment_schema).validate(single)


def test_nullable_becomes_a_type_union(payment_schema):
    assert payment_schema["properties"]["manager_id"]["type"] == ["string", "null"]
    assert payment_schema["properties"]["ref_revenue"]["type"] == ["string", "null"]
    assert payment_schema["properties"]["pay_sys"]["type"] == "integer"


def check_payments(billing: Billing, payment_schema, list_schema, example_payment) -> int:
    """Validate the list answer and every invoice by id; return how many were checked."""
    body = billing.ok("GET", "/3.1/payments", query_string=WIDE)
    Draft202012Validator(list_schema).validate(body)
    assert set(body) == set(example_payment)
    assert set(body["pagination"]) == set(example_payment["pagination"])
    [example] = example_payment["payments"]
    validator = Draft202012Validator(payment_schema)
    for listed in body["payments"]:
        assert set(listed) == set(example), listed["id"]
        single = billing.ok("GET", f"/3.1/payments/{listed['id']}")
        assert set(single) == {"status", "payment"}
        validator.validate(single["payment"])
        assert single["payment"] == listed
        # The schema says format: date-time, but Affise writes "YYYY-MM-DD HH:MM:SS" (no T, no
        # zone), so the format is checked here rather than by a format checker.
        assert TIMESTAMP.match(listed["posted_date"]) and TIMESTAMP.match(listed["updated_at"])
        for correction in (listed["additional_payments"] or {}).values():
            assert set(correction) == set(example["additional_payments"]["9"])
        for offer in listed["details"]["details"].values():
            assert set(offer) == set(example["details"]["details"]["4"])
            for cost in offer["cost"].values():
                assert set(cost) == set(example["details"]["details"]["4"]["cost"][
                    "22.00000000"])
    return len(body["payments"])


def test_the_default_fixture_invoices_match_affises_schema(app, payment_schema, list_schema,
                                                          example_payment):
    billing = Billing(app)

    assert check_payments(billing, payment_schema, list_schema, example_payment) == 5


def test_generated_invoices_match_affises_schema(app, payment_schema, list_schema,
                                                 example_payment):
    billing = Billing(app)
    billing.generate(note="contract")
    billing.ok("POST", "/3.1/payments/2926/add-correction",
               {"status": 1, "result": True}, data={"revenue": "-1.5", "comment": "fee"})

    assert check_payments(billing, payment_schema, list_schema, example_payment) > 5
    assert isinstance(billing.payment(2926)["additional_payments"], dict)


@pytest.mark.parametrize(("method", "path", "params"), [
    ("POST", "/3.1/payments/generate", {}),
    ("POST", "/3.1/payments/2925", {"comment": "x"}),
    ("POST", "/3.1/payments/2925/add-correction", {"revenue": "1", "comment": "x"}),
    ("DELETE", "/3.1/payments/del-correction/10", {}),
    ("DELETE", "/3.1/payments/delete/2925", {}),
])
def test_simple_answers_equal_affises_examples(app, spec, method, path, params):
    template = path.replace("2925", "{id}").replace("/10", "/{id}")
    example = spec["paths"][template][method.lower()]["responses"]["200"]["content"][
        "application/json"]["example"]

    Billing(app).ok(method, path, example, data=params)


def test_invoices_with_referral_money_match_affises_schema(make_app, payment_schema, list_schema,
                                                           example_payment):
    from tests.api.test_payments_referral import referral_document

    billing = Billing(make_app(referral_document()))
    billing.generate(aid="2")
    assert billing.payment(9)["ref_ids"] == ["1", "2"]

    assert check_payments(billing, payment_schema, list_schema, example_payment) == 7
