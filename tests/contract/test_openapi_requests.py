"""The document's request side against the routes: for every rule the app serves, the documented
path, query and body parameters are the ones its view's schema reads (names, required-ness, what
values they admit), and the schema the view records is the one it loads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from marshmallow import ValidationError, fields
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_affise.api.advertiser_invoices import DetailRows
from mock_affise.api.not_emulated import ENDPOINT_PREFIX
from mock_affise.api.params import Choice, Day, Flag, Int, ListOf, Money, Params, Refused, Text
from mock_affise.api.partners import Bindings, NonBlank
from mock_affise.openapi import build_document
from tests.conftest import ADMIN_KEY

AFFISE = re.compile(r"^/3\.[01]/")


def served(app) -> list[tuple[Any, str]]:
    """(rule, method) for every route but Flask's own HEAD and OPTIONS, the 501 answers and the
    dashboard's HTML pages."""
    return [(rule, method.lower()) for rule in app.url_map.iter_rules()
            if not rule.endpoint.startswith((ENDPOINT_PREFIX, "ui."))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def openapi_path(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)


def accepted(view) -> dict[str, fields.Field]:
    schema = getattr(view, "params", Params)
    return {f.data_key or name: f for name, f in schema().fields.items()}


def validator(document: dict[str, Any], value_schema: dict[str, Any]) -> Draft202012Validator:
    registry = Registry().with_resource(
        "urn:doc", Resource(contents=document, specification=DRAFT202012))
    rebased = _rebase(value_schema)
    return Draft202012Validator(rebased, registry=registry)


def _rebase(node: Any) -> Any:
    """Point the document's local $refs at the registered copy."""
    if isinstance(node, dict):
        return {k: (f"urn:doc{v}" if k == "$ref" else _rebase(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def _readings(value: Any) -> list[Any]:
    """A query value reaches the server as text: the ways a schema may type that text."""
    readings = [value]
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        readings.append(int(value))
    if value in ("true", "false"):
        readings.append(value == "true")
    return readings


def good_and_bad(f: fields.Field) -> tuple[Any, Any | None]:
    """A wire value the field reads, and one it refuses (None: it refuses nothing)."""
    if isinstance(f, ListOf):
        good, bad = good_and_bad(f.item)
        return [good], (None if bad is None else [bad])
    if isinstance(f, Int):
        good = f.choices[0] if f.choices else (f.minimum if f.minimum is not None else 1)
        return str(good), "x"
    if isinstance(f, Choice):
        return f.choices[0], "not one of them"
    readers = {Day: ("2024-05-01", "x"), Money: ("22.5", "x"), Flag: ("1", "x"),
               Bindings: ([{"system_id": 1}], "x"), Text: ("US", None), NonBlank: ("US", None),
               DetailRows: ([{"offer_id": 4, "payout_type": "RPA"}], "x"),
               fields.Raw: ("x", None)}
    return next(sample for kind, sample in readers.items() if isinstance(f, kind))


def check_values(document: dict[str, Any], where: str, f: fields.Field,
                 value_schema: dict[str, Any]) -> None:
    """The documented value admits what the field reads and refuses what it refuses."""
    if isinstance(f, Refused):  # a filter the mock cannot honour: no value is read
        with pytest.raises(ValidationError):
            f.deserialize("x")
        assert not validator(document, value_schema).is_valid("x"), value_schema
        return
    good, bad = good_and_bad(f)
    f.deserialize(good)  # the sample itself is one the view takes
    check = validator(document, value_schema)
    items = good if isinstance(f, ListOf) and where == "query" else [good]
    for item in items:
        assert any(check.is_valid(r) for r in _readings(item)), (good, value_schema)
    if bad is not None:
        with pytest.raises(ValidationError):
            f.deserialize(bad)
        for item in (bad if isinstance(f, ListOf) and where == "query" else [bad]):
            assert not any(check.is_valid(r) for r in _readings(item)), (bad, value_schema)


@pytest.fixture
def document(app) -> dict[str, Any]:
    return build_document(app)


def test_every_route_served_is_documented_and_nothing_else(app, document):
    routes = {(openapi_path(rule), method) for rule, method in served(app)}
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item}
    assert routes == documented


def test_path_parameters_are_the_rules_arguments(app, document):
    for rule, method in served(app):
        operation = document["paths"][openapi_path(rule)][method]
        parameters = [p if "$ref" not in p else document["components"]["parameters"][
            p["$ref"].rsplit("/", 1)[1]] for p in operation["parameters"]]
        in_path = {p["name"]: p for p in parameters if p["in"] == "path"}
        assert set(in_path) == set(rule.arguments), rule.rule
        for name, parameter in in_path.items():
            assert parameter["required"] is True
            converter = re.search(rf"<(?:([^:>]+):)?{name}>", rule.rule).group(1)
            expected = "integer" if converter == "int" else "string"
            assert parameter["schema"]["type"] == expected, (rule.rule, name)


def test_query_parameters_are_the_fields_the_view_reads(app, document):
    for rule, method in served(app):
        if method != "get" or not AFFISE.match(rule.rule):
            continue
        operation = document["paths"][openapi_path(rule)][method]
        documented = {p["name"].removesuffix("[]"): p for p in operation["parameters"]
                      if p["in"] == "query"}
        fields_read = accepted(app.view_functions[rule.endpoint])
        assert set(documented) == set(fields_read), rule.rule
        for name, f in fields_read.items():
            parameter = documented[name]
            assert parameter["required"] == f.required, (rule.rule, name)
            assert parameter["name"].endswith("[]") == isinstance(f, ListOf), (rule.rule, name)
            value = parameter["schema"]["items"] if isinstance(f, ListOf) else parameter["schema"]
            check_values(document, "query", f, value)


def test_bodies_are_the_fields_the_view_reads(app, document):
    for rule, method in served(app):
        if method != "post" or not AFFISE.match(rule.rule):
            continue
        operation = document["paths"][openapi_path(rule)][method]
        fields_read = accepted(app.view_functions[rule.endpoint])
        assert bool(fields_read) == ("requestBody" in operation), rule.rule
        assert not [p for p in operation["parameters"] if p["in"] == "query"], rule.rule
        if not fields_read:
            continue
        content = operation["requestBody"]["content"]
        assert set(content) == {"application/x-www-form-urlencoded", "multipart/form-data",
                                "application/json"}
        body = document["components"]["schemas"][
            content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
        assert set(body["properties"]) == set(fields_read), rule.rule
        assert set(body.get("required", [])) == {
            name for name, f in fields_read.items() if f.required}, rule.rule
        if any(f.required for f in fields_read.values()):
            assert operation["requestBody"]["required"] is True, rule.rule
        for name, f in fields_read.items():
            check_values(document, "body", f, body["properties"][name])


def test_a_field_added_to_a_views_schema_is_documented(app, monkeypatch):
    view = app.view_functions["payments.list_payments"]

    class Wider(view.params):
        currency_code = Text(required=True)

    monkeypatch.setattr(view, "params", Wider)
    parameters = build_document(app)["paths"]["/3.1/payments"]["get"]["parameters"]
    added = [p for p in parameters if p["name"] == "currency_code"]
    assert added == [{"name": "currency_code", "in": "query", "required": True,
                      "schema": {"type": "string"}}]


def test_the_schema_a_view_records_is_the_one_it_loads(client, monkeypatch):
    view = client.application.view_functions["payments.list_payments"]

    class Wider(view.params):
        currency_code = Text(required=True)

    monkeypatch.setattr(view, "params", Wider)
    answer = client.get("/3.1/payments", query_string={
        "date_from": "2000-01-01", "date_to": "2099-12-31"}, headers={"API-Key": ADMIN_KEY})
    assert answer.status_code == 400
    assert answer.get_json()["message"] == "currency_code: is required"
