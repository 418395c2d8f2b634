"""The public strategies in use: a small billing client property-tested against the mock."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_affise.db import Database
from mock_affise.fixtures import FixtureSchema, create_tenant, export_tenant, validate
from mock_affise.models import Tenant
from mock_affise.strategies import (
    ENCODINGS,
    advertiser_invoice_params,
    bulk_delete_params,
    encode,
    fixture_documents,
    generate_params,
    invalid_params,
)
from tests.budget import examples
from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
ALL = {"date_from": "2000-01-01", "date_to": "2100-01-01"}


class BillingClient:
    """The kind of client a team writes: sends one encoding, reads Affise's envelope."""

    def __init__(self, http, encoding: str):
        self.http, self.encoding = http, encoding

    def call(self, path: str, params: dict):
        body = encode(params, self.encoding)
        if self.encoding == "json":
            response = self.http.post(path, json=body, headers=KEY)
        else:
            # raw brackets for ids[]=, percent-encoded for ids[0]=: clients send both
            text = urlencode(body, safe="[]" if self.encoding == "brackets" else "")
            response = self.http.post(path, data=text, headers=KEY,
                                      content_type="application/x-www-form-urlencoded")
        envelope = response.json
        return response.status_code, envelope["status"] == 1, envelope.get("message")


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@pytest.mark.first
@given(params=generate_params())
def test_every_array_encoding_generates_the_same_invoices(make_app, params):
    outcomes = []
    for encoding in ENCODINGS:
        app = make_app()
        http = app.test_client()
        status, ok, message = BillingClient(http, encoding).call("/3.1/payments/generate", params)
        listing = http.get("/3.1/payments", headers=KEY, query_string=ALL).json["payments"]
        outcomes.append((status, ok, message, [(p["id"], p["revenue"]) for p in listing]))
        app.extensions["mock_affise"].db.dispose()
    assert all(outcome == outcomes[0] for outcome in outcomes)


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(params=bulk_delete_params(), encoding=st.sampled_from(ENCODINGS))
def test_bulk_delete_answers_one_boolean_per_distinct_id_in_any_encoding(client, params,
                                                                         encoding):
    status, ok, _ = BillingClient(client, encoding).call("/3.1/payments/bulk-delete", params)
    assert (status, ok) == (200, True)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(["generate", "create-for-affiliate", "bulk-delete"]).flatmap(
    lambda op: st.tuples(st.just(op), invalid_params(op))), encoding=st.sampled_from(ENCODINGS))
def test_invalid_parameters_are_refused_with_a_400_in_the_envelope(client, case, encoding):
    operation, (params, message) = case
    status, ok, answered = BillingClient(client, encoding).call(f"/3.1/payments/{operation}",
                                                                params)
    assert (status, ok) == (400, False)
    if message is not None:
        assert answered == message


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(params=advertiser_invoice_params(["62164a9a5a8b7e788f752f13", "62164a9a5a8b7e788f752f99"],
                                        [4, 5, 6]))
def test_a_drawn_advertiser_invoice_is_created_and_reads_back_as_sent(client, params):
    created = client.post("/3.0/admin/advertiser-invoice", json=params, headers=KEY)
    assert created.json == {"status": 1, "message": "Invoice created."}
    newest = client.get("/3.0/admin/advertiser-invoices", headers=KEY,
                        query_string={"limit": 1}).json["message"][0]
    assert newest["supplier_id"] == params["supplier_id"]
    assert newest["currency"] == params["currency"]
    assert newest["status"] == params.get("status", "unpaid")
    assert newest["comment"] == params.get("comment")
    assert newest["detail"] == [{"actions": 0, "amount": 0, "comment": None, **row}
                                for row in params.get("detail", [])]
    if "start_date" in params:
        assert (newest["start_date"], newest["end_date"]) == (params["start_date"],
                                                              params["end_date"])


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(case=invalid_params("advertiser-invoice"), encoding=st.sampled_from(ENCODINGS))
def test_invalid_advertiser_invoice_parameters_are_refused_naming_the_field(client, case,
                                                                            encoding):
    params, message = case
    status, ok, answered = BillingClient(client, encoding).call("/3.0/admin/advertiser-invoice",
                                                                params)
    assert (status, ok, answered) == (400, False, message)


@settings(max_examples=examples(25), deadline=None)
@given(document=fixture_documents())
def test_every_drawn_fixture_document_validates_and_round_trips_load_export(document):
    validate(document)
    database = Database("sqlite://")
    try:
        database.create_schema()
        with database.transaction(write=True) as session:
            made = create_tenant(session, validate(document))
            exported = export_tenant(session, session.get(Tenant, made["tenant"]))
    finally:
        database.dispose()

    assert FixtureSchema().dump(validate(exported)) == exported
    assert len(exported["conversions"]) == len(document["conversions"])
    assert [i["number"] for i in exported["advertiser_invoices"]] == \
        [i["number"] for i in document["advertiser_invoices"]]
    assert {p["id"]: sorted(p["cpa_actions"]) for p in exported["payments"]} == \
        {p["id"]: sorted(p.get("cpa_actions", [])) for p in document.get("payments", [])}
