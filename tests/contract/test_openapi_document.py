"""Our own OpenAPI document (GET /openapi.json): valid OpenAPI 3.1, one operation per route the
app serves and no other, and schemas that hold the mock's real answers."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_affise.api.not_emulated import ENDPOINT_PREFIX
from mock_affise.api.unemulated_routes import NOT_EMULATED
from mock_affise.openapi import build_document, openapi_document
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS

WIDE = {"date_from": "2000-01-01", "date_to": "2099-12-31"}
METHODS = ("get", "post", "delete", "put", "patch", "head", "options", "trace")


@pytest.fixture
def document(client) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    return answer.get_json()


def schema_validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator for components/schemas/NAME, its $refs resolved inside the document."""
    resource = Resource(contents=document, specification=DRAFT202012)
    registry = Registry().with_resource("urn:mock-affise", resource)
    return Draft202012Validator({"$ref": f"urn:mock-affise#/components/schemas/{name}"},
                                registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def schema_objects(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    """Every Schema Object of the document: components/schemas, parameters, media types."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" or (key == "schemas" and where == "#/components"):
                if key == "schema":
                    yield f"{where}/schema", value
                else:
                    for name, schema in value.items():
                        yield f"{where}/schemas/{name}", schema
            else:
                yield from schema_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schema_objects(value, f"{where}/{index}")


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], pointer: str) -> Any:
    assert pointer.startswith("#/"), pointer
    node: Any = document
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# ----------------------------------------------------------------------------- validity


def test_the_document_is_valid_openapi_3_1(document):
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    assert document["openapi"].startswith("3.1.")
    Draft202012Validator(OPENAPI_31).validate(document)


def test_every_schema_object_is_valid_json_schema_2020_12(document):
    checked = 0
    for where, schema in schema_objects(document):
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as exc:  # noqa: BLE001 - name the schema that failed
            pytest.fail(f"{where}: {exc}")
        checked += 1
    assert checked > 100


def test_every_reference_resolves(document):
    for pointer in set(refs(document)):
        assert resolve(document, pointer) is not None, pointer


def test_links_name_real_operations_and_their_parameters(document):
    by_id = {op["operationId"]: (path, op) for path, _, op in operations(document)}
    assert len(by_id) == len(list(operations(document))), "operationIds must be unique"
    linked = 0
    for _, _, operation in operations(document):
        for response in operation["responses"].values():
            for name, link in response.get("links", {}).items():
                assert link["operationId"] in by_id, name
                _, target = by_id[link["operationId"]]
                target_parameters = {
                    (p["in"], p["name"]) for p in
                    (resolve(document, p["$ref"]) if "$ref" in p else p
                     for p in target["parameters"])}
                for qualified in link["parameters"]:
                    where, _, parameter = qualified.partition(".")
                    assert (where, parameter) in target_parameters, (name, qualified)
                linked += 1
    assert linked >= 15


ERROR_RESPONSES = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden",
                   "404": "NotFound", "405": "MethodNotAllowed", "409": "LimitReached",
                   "413": "PayloadTooLarge",
                   "500": "ServerError"}


def test_every_error_answer_is_the_affise_envelope(document):
    for path, method, operation in operations(document):
        assert "200" in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if status != "200":
                assert response == {"$ref": f"#/components/responses/{ERROR_RESPONSES[status]}"}
    for response in document["components"]["responses"].values():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}
    envelope = document["components"]["schemas"]["Error"]
    assert envelope["properties"]["status"] == {"const": 2}
    assert envelope["required"] == ["status", "message", "error"]
    assert envelope["additionalProperties"] is False


def test_affise_routes_take_the_key_in_the_header_or_the_query(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyHeader"] == {**schemes["ApiKeyHeader"], "type": "apiKey",
                                       "in": "header", "name": "API-Key"}
    assert schemes["ApiKeyQuery"] == {"type": "apiKey", "in": "query", "name": "api-key"}
    for path, _, operation in operations(document):
        if path.startswith("/3."):
            assert operation["security"] == [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}], path
            assert {"400", "401", "403", "413", "500"} <= set(operation["responses"]), path


# ----------------------------------------------------------------------------- routes


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, method, _ in operations(document)}


def api_rules(app):
    """The app's routes the document describes: not the 501s, not the dashboard's HTML pages."""
    return [rule for rule in app.url_map.iter_rules()
            if not rule.endpoint.startswith((ENDPOINT_PREFIX, "ui."))]


def served_routes(app) -> set[tuple[str, str]]:
    served = set()
    for rule in api_rules(app):
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        served |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def test_every_route_the_app_serves_is_documented_and_nothing_else(app, document):
    served, documented = served_routes(app), documented_routes(document)
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"
    assert len(served) > 50


def test_operations_the_mock_answers_501_to_are_not_documented(app, document):
    listed = {(path, method) for method, path in NOT_EMULATED}
    assert listed & documented_routes(document) == set()


def test_path_parameters_match_the_route_converters(app, document):
    for rule in api_rules(app):
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            declared = {}
            for parameter in operation["parameters"]:
                parameter = resolve(document, parameter["$ref"]) if "$ref" in parameter \
                    else parameter
                if parameter["in"] == "path":
                    declared[parameter["name"]] = parameter["schema"].get("type")
            expected = {name: ("integer" if converter == "int" else "string")
                        for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>",
                                                          rule.rule)}
            assert declared == expected, (method, path)


# ----------------------------------------------------------------------------- caching


def test_the_document_is_built_once_per_app_and_needs_no_key(app, client):
    first = openapi_document(app)
    assert openapi_document(app) is first
    assert client.get("/openapi.json").get_json() == first
    assert client.get("/openapi.json", headers={"API-Key": "nobody"}).status_code == 200


def test_the_document_is_built_on_first_request(make_app):
    app = make_app()
    assert "openapi" not in app.extensions["mock_affise"].extra
    app.test_client().get("/openapi.json")
    assert "openapi" in app.extensions["mock_affise"].extra


def test_build_document_returns_an_independent_copy():
    one, two = build_document(), build_document()
    one["paths"].clear()
    assert two["paths"]


# ----------------------------------------------------------------------------- answers


def test_the_payment_schema_validates_every_listed_invoice(admin, document):
    validator = schema_validator(document, "Payment")
    answer = admin.get("/3.1/payments", query_string=WIDE).get_json()
    assert len(answer["payments"]) == 5
    shapes = {type(p["additional_payments"]).__name__ for p in answer["payments"]}
    assert shapes == {"list", "dict"}  # [] without corrections, keyed by id with them
    for payment in answer["payments"]:
        validator.validate(payment)


def test_the_payment_schema_validates_new_and_changed_invoices(admin, document):
    validator = schema_validator(document, "Payment")
    assert admin.post("/3.1/payments/generate", data={"date": "2024-06-14"}).status_code == 200
    assert admin.post("/3.1/payments/2925/add-correction",
                      data={"revenue": "-1.5", "comment": "fee"}).status_code == 200
    assert admin.post("/3.1/payments/2924", data={"status": "3", "note": "n"}).status_code == 200
    payments = admin.get("/3.1/payments", query_string=WIDE).get_json()["payments"]
    assert len(payments) > 5
    for payment in payments:
        validator.validate(payment)
        single = admin.get(f"/3.1/payments/{payment['id']}").get_json()
        schema_validator(document, "Payment").validate(single["payment"])


@pytest.mark.parametrize("change", [
    lambda p: p.update(status=int(p["status"])),
    lambda p: p.update(revenue=float(p["revenue"])),
    lambda p: p.update(currency=int(p["currency"])),
    lambda p: p.update(additional_payments={}),
    lambda p: p.update(extra="field"),
    lambda p: p.pop("ref_ids"),
    lambda p: p.update(posted_date="2024-04-01T09:00:00"),
], ids=["status-int", "revenue-float", "currency-int", "empty-object-corrections",
        "extra-field", "missing-field", "iso-timestamp"])
def test_the_payment_schema_is_exact(admin, document, change):
    payment = admin.get("/3.1/payments/2921").get_json()["payment"]
    schema_validator(document, "Payment").validate(payment)
    changed = copy.deepcopy(payment)
    change(changed)
    with pytest.raises(ValidationError):
        schema_validator(document, "Payment").validate(changed)


def test_other_answers_match_their_schemas(client, admin, document):
    def check(answer, path: str, method: str = "get", status: str = "200") -> None:
        response = document["paths"][path][method]["responses"][status]
        if "$ref" in response:
            response = resolve(document, response["$ref"])
        schema = _rebase(response["content"]["application/json"]["schema"])
        resource = Resource(contents=document, specification=DRAFT202012)
        registry = Registry().with_resource("urn:mock-affise", resource)
        Draft202012Validator(schema, registry=registry).validate(answer.get_json())

    check(admin.get("/3.0/admin/partners", query_string={"with_balance": 1}),
          "/3.0/admin/partners")
    check(admin.get("/3.0/admin/partner/2"), "/3.0/admin/partner/{partner_id}")
    check(admin.get("/3.0/admin/currency"), "/3.0/admin/currency")
    check(admin.get("/3.0/admin/currency", query_string={"extended": 1}), "/3.0/admin/currency")
    check(admin.get("/3.0/admin/payment_systems"), "/3.0/admin/payment_systems")
    check(admin.get("/3.0/stats/conversions"), "/3.0/stats/conversions")
    check(admin.get("/3.0/stats/conversionsbyid", query_string={"id": "660000000000000000000003"}),
          "/3.0/stats/conversionsbyid")
    check(client.get("/3.0/balance", headers={"API-Key": AFFILIATE_KEYS[2]}), "/3.0/balance")
    check(admin.get("/_mock/export"), "/_mock/export")
    check(admin.get("/_mock/keys"), "/_mock/keys")
    check(admin.get("/3.1/payments/999"), "/3.1/payments/{payment_id}", status="404")
    check(client.get("/3.1/payments", query_string=WIDE), "/3.1/payments", status="401")
    check(client.get("/3.1/payments", query_string={**WIDE, "api-key": ADMIN_KEY}),
          "/3.1/payments")


def _rebase(schema: Any) -> Any:
    """Point the document's local $refs at the registered document."""
    if isinstance(schema, dict):
        return {k: ("urn:mock-affise" + v if k == "$ref" and v.startswith("#") else _rebase(v))
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema
