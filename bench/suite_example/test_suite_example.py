"""A test-suite-sized example: a few hundred tests of the kind users write, each on its own tenant.

`make bench` runs it with pytest and reports its wall time; `pytest bench/suite_example` runs
it alone. Every test uses the plugin's `affise` fixture on the default fixture document.
"""

from __future__ import annotations

import pytest

GENERATE = "/3.1/payments/generate"
EVER = {"date_from": "2000-01-01", "date_to": "2099-12-31"}
# What generate(date=2024-06-15) makes from the default document: id -> (affiliate, code, revenue).
JUNE_INVOICES = {2929: (5, "USD", "19.98000000"), 2928: (3, "USD", "12.50000000"),
                 2927: (2, "USD", "81.25000000"), 2926: (2, "EUR", "105.00000000")}
ROUNDS = range(60)


def ok(answer):
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("round_", ROUNDS)
def test_generate_then_correct_an_invoice(affise, round_):
    ok(affise.post(GENERATE, data={"date": "2024-06-15"}))
    listed = ok(affise.get("/3.1/payments", params=EVER))["payments"]
    assert [p["id"] for p in listed][:4] == list(JUNE_INVOICES)
    ok(affise.post("/3.1/payments/2927", data={"comment": f"checked {round_}"}))
    assert ok(affise.get("/3.1/payments/2927"))["payment"]["comment"] == f"checked {round_}"
    ok(affise.post("/3.1/payments/2927/add-correction",
                   data={"revenue": "1.50", "comment": "bonus"}))
    assert ok(affise.get("/3.1/payments/2927"))["payment"]["revenue"] == "82.75000000"
    assert ok(affise.get("/3.0/admin/partner/2"))["partner"]["id"] == 2
    assert {"USD", "EUR"} <= set(ok(affise.get("/3.0/admin/currency"))["quotes"])


@pytest.mark.parametrize("round_", ROUNDS)
def test_the_seed_invoices_read_back(affise, round_):
    listed = ok(affise.get("/3.1/payments", params=EVER))["payments"]
    assert [p["id"] for p in listed] == [2925, 2924, 2923, 2922, 2921]


@pytest.mark.parametrize("round_", ROUNDS)
def test_an_unknown_invoice_is_not_found(affise, round_):
    answer = affise.get(f"/3.1/payments/{9000 + round_}")
    assert answer.status_code == 404


@pytest.mark.parametrize("round_", ROUNDS)
def test_a_correction_needs_a_comment(affise, round_):
    answer = affise.post("/3.1/payments/2921/add-correction", data={"revenue": "1.00"})
    assert answer.status_code == 400


@pytest.mark.parametrize("round_", ROUNDS)
def test_nothing_at_all(affise, round_):
    assert affise.admin_key
