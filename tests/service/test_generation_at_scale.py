"""Generation over a network of 100,000 conversions built by the project's fixture generator."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from mock_affise.billing.generation import GenerateInvoices, generate_invoices
from mock_affise.fixturegen import generate_fixture
from mock_affise.models import Conversion, Currency, Payment

CONVERSIONS = 100_000


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _expected(document: dict) -> tuple[dict[tuple[int, str], Decimal], int]:
    """Work out, from the document alone, each billed (affiliate, currency)'s total and the skips.

    Payable: approved, or a hold past hold_until at the document's now. A group is billed when
    the affiliate has a binding for the currency (the active one, else the lowest id) and its
    total reaches the system's threshold, else the currency's minimum payment.
    """
    now = _moment(document["now"])
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for c in document["conversions"]:
        hold_over = c["status"] == 5 and c["hold_until"] and _moment(c["hold_until"]) <= now
        if c["status"] == 1 or hold_over:
            totals[(c["affiliate_id"], c["currency"])] += Decimal(c["payouts"])
    minimum = {c["code"]: Decimal(c["min_payment"]) for c in document["currencies"]}
    systems = {s["id"]: s for s in document["payment_systems"]}
    bindings = {a["id"]: a["payment_systems"] for a in document["affiliates"]}
    billed, skipped = {}, 0
    for (affiliate_id, code), total in totals.items():
        mine = sorted((b for b in bindings[affiliate_id] if b["currency"] == code),
                      key=lambda b: (not b["active"], b["id"]))
        if not mine:
            skipped += 1
            continue
        threshold = systems[mine[0]["system_id"]]["threshold"]
        if total < (minimum[code] if threshold is None else Decimal(threshold)):
            skipped += 1
            continue
        billed[(affiliate_id, code)] = total
    return billed, skipped


@pytest.fixture(scope="module")
def document() -> dict:
    return generate_fixture(affiliates=300, conversions=CONVERSIONS, seed=11)


@pytest.mark.first
def test_generation_over_100000_conversions_bills_each_group_once(network, document):
    # The fixture loader validates row by row; the conversions go in as one bulk insert.
    billing = network({**document, "conversions": []})
    with billing.open() as (session, tenant, _):
        session.execute(insert(Conversion), [
            {**c, "tenant_id": tenant.id, "payouts": Decimal(c["payouts"]),
             "created_at": _moment(c["created_at"]), "updated_at": _moment(c["created_at"]),
             "hold_until": _moment(c["hold_until"]), "payment_id": None}
            for c in document["conversions"]])
    billed, skipped = _expected(document)
    assert len(billed) > 100 and skipped > 0  # the network exercises both outcomes

    with billing.open() as (session, tenant, now):
        made = generate_invoices(session, tenant, now, GenerateInvoices())
    assert len(made.made) == len(billed)
    assert len(made.skipped) == skipped

    with billing.open() as (session, tenant, _):
        revenue = session.execute(
            select(Payment.pid, Currency.code, func.count(Payment.id).over(
                partition_by=(Payment.pid, Currency.code)), func.sum(Conversion.payouts))
            .join(Currency, (Currency.tenant_id == Payment.tenant_id)
                  & (Currency.id == Payment.currency_id))
            .join(Conversion, (Conversion.tenant_id == Payment.tenant_id)
                  & (Conversion.payment_id == Payment.id))
            .where(Payment.tenant_id == tenant.id)
            .group_by(Payment.id, Payment.pid, Currency.code)).all()
    assert {(pid, code): total for pid, code, _, total in revenue} == billed
    assert all(count == 1 for _, _, count, _ in revenue)  # one invoice per group
