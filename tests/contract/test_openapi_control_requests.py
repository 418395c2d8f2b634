"""The control plane's request side of the document is generated from its schemas."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from mock_affise.api.control import schemas
from mock_affise.api.control.faults import FaultRuleBody
from mock_affise.openapi import build_document
from tests.conftest import ADMIN_KEY

BODIES = [("/_mock/clock", "post", schemas.ClockMove), ("/_mock/config", "post",
                                                          schemas.ConfigChange),
          ("/_mock/snapshots", "post", schemas.SnapshotName)]


@pytest.fixture
def document(app):
    return build_document(app)


def _body(document, rule, method):
    return document["paths"][rule][method]["requestBody"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("rule", "method", "schema"), BODIES)
def test_each_control_body_names_exactly_the_fields_its_schema_reads(document, rule, method,
                                                                     schema):
    assert set(_body(document, rule, method)["properties"]) == set(schema().fields)


def test_the_fault_spec_names_exactly_the_fields_the_rule_schema_reads(document):
    assert set(document["components"]["schemas"]["FaultSpec"]["properties"]) == \
        set(FaultRuleBody().fields)
    assert document["components"]["schemas"]["FaultSpec"]["required"] == ["action"]


@pytest.mark.parametrize(("body", "valid"), [
    ({"advance": "3d"}, True), ({"set": "2024-07-01"}, True), ({"frozen": False}, True),
    ({"advance": "three days"}, False), ({}, False), ({"frozen": "yes"}, False)])
def test_the_clock_body_in_the_document_agrees_with_the_server(client, document, body, valid):
    schema = _body(document, "/_mock/clock", "post")
    assert Draft202012Validator(schema).is_valid(body) is valid
    answer = client.post("/_mock/clock", json=body,
                         headers={"API-Key": ADMIN_KEY})
    assert (answer.status_code == 200) is valid


def test_the_journal_query_lists_every_filter_with_its_bounds(document):
    parameters = {p["name"]: p for p in document["paths"]["/_mock/requests"]["get"]["parameters"]
                  if "name" in p}
    assert set(schemas.JournalQuery().fields) <= set(parameters)
    assert parameters["status"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 999}
    assert parameters["since"]["allowEmptyValue"] is True


def test_a_field_added_to_a_control_schema_is_documented(app, monkeypatch):
    monkeypatch.setattr(schemas.ClockMove, "_declared_fields", {
        **schemas.ClockMove._declared_fields, "tick": schemas.Whole(1, 60)})
    body = _body(build_document(app), "/_mock/clock", "post")
    assert body["properties"]["tick"] == {"type": ["integer", "string"], "pattern": "^-?[0-9]+$",
                                          "minimum": 1, "maximum": 60}
