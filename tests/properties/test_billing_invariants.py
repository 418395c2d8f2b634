"""Billing invariants under any fixture and any sequence of generate / create / delete calls."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_affise import create_app
from mock_affise.strategies import fixture_documents
from tests.budget import examples
from tests.conftest import fresh_database_url

KEY = {"API-Key": "a" * 32}
ALL = {"date_from": "2000-01-01", "date_to": "2100-01-01"}

operations = st.lists(
    st.one_of(
        st.tuples(st.just("generate"), st.fixed_dictionaries(
            {}, optional={"date_from": st.sampled_from(["2024-03-01", "2024-05-15"]),
                          "date": st.sampled_from(["2024-04-30", "2024-06-15"]),
                          "by_last_invoice": st.just("1"),
                          "aid": st.integers(1, 4).map(str)})),
        st.tuples(st.just("create"), st.fixed_dictionaries(
            {"aid": st.integers(1, 4).map(str), "sum": st.sampled_from(["1", "25", "80"]),
             "currency": st.sampled_from(["1", "2", "3"])})),
        st.tuples(st.just("delete"), st.integers(0, 5)),
        st.tuples(st.just("bulk-delete"), st.lists(st.integers(0, 5), min_size=1, max_size=3)),
        st.tuples(st.just("correct"), st.tuples(st.integers(0, 5),
                                                st.sampled_from(["5", "-3.50", "-1000"]))),
        st.tuples(st.just("complete"), st.integers(0, 5)),
    ),
    max_size=8,
)


def _invoices(client) -> list[dict]:
    return client.get("/3.1/payments", query_string=ALL, headers=KEY).json["payments"]


def _pick(client, index: int) -> int | None:
    ids = sorted(p["id"] for p in _invoices(client))
    return ids[index % len(ids)] if ids else None


def _apply(client, operation: str, argument) -> None:
    if operation == "generate":
        response = client.post("/3.1/payments/generate", data=argument, headers=KEY)
    elif operation == "create":
        response = client.post("/3.1/payments/create-for-affiliate", data=argument, headers=KEY)
    elif operation == "bulk-delete":
        ids = [i for i in (_pick(client, n) for n in argument) if i is not None] or [1]
        response = client.post("/3.1/payments/bulk-delete", data={"ids[]": ids}, headers=KEY)
    else:
        index = argument[0] if operation == "correct" else argument
        payment_id = _pick(client, index)
        if payment_id is None:
            return
        if operation == "delete":
            response = client.delete(f"/3.1/payments/delete/{payment_id}", headers=KEY)
        elif operation == "complete":
            response = client.post(f"/3.1/payments/{payment_id}", data={"status": "2"},
                                   headers=KEY)
        else:
            response = client.post(f"/3.1/payments/{payment_id}/add-correction",
                                   data={"revenue": argument[1], "comment": "c"}, headers=KEY)
    assert response.status_code in (200, 400), response.json
    assert response.json["status"] == (1 if response.status_code == 200 else 2)


@settings(max_examples=examples(25, long=200), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=fixture_documents(), steps=operations)
def test_no_conversion_is_billed_twice_and_revenue_is_conversions_plus_corrections(
        tmp_path_factory, document, steps):
    path = tmp_path_factory.mktemp("fixture") / "doc.json"
    path.write_text(json.dumps(document))
    app = create_app({"DATABASE_URL": fresh_database_url(), "FIXTURES": str(path)})
    client = app.test_client()
    conversions = {c["id"]: c for c in document["conversions"]}
    codes = {str(c["id"]): c["code"] for c in document["currencies"]}
    try:
        for operation, argument in steps:
            _apply(client, operation, argument)
        billed = Counter()
        for invoice in _invoices(client):
            billed.update(invoice["cpa_actions"])
            members = [conversions[c] for c in invoice["cpa_actions"]]
            assert all(c["affiliate_id"] == invoice["pid"] for c in members)
            assert all(c["currency"] == codes[invoice["currency"]] for c in members)
            assert all(c["status"] in (1, 5) for c in members)
            corrections = invoice["additional_payments"] or {}
            expected = sum((Decimal(c["payouts"]) for c in members), Decimal(0))
            expected += sum((Decimal(c["revenue"]) for c in corrections.values()), Decimal(0))
            assert Decimal(invoice["revenue"]) == expected
            assert expected >= 0
        assert not [c for c, n in billed.items() if n > 1]
    finally:
        app.extensions["mock_affise"].db.dispose()
