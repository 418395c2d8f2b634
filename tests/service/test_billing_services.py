"""Each billing service on a session, without HTTP; money expected is worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from mock_affise.billing import changes, invoices
from mock_affise.billing.create_for_affiliate import (
    CreateForAffiliate,
    create_invoice_for_affiliate,
)
from mock_affise.billing.generation import GenerateInvoices, generate_invoices
from mock_affise.billing.reports import GenerationRefused
from mock_affise.errors import NotFound, PaymentFinished, ValidationError
from mock_affise.models import Conversion, GenerationReport
from tests.api.billing_fixtures import (
    EUR,
    PAYPAL,
    USD,
    WEBMONEY,
    affiliate,
    binding,
    cid,
    conversion,
    document,
    webmoney,
)

# USD's minimum is 20, EUR's 50; PayPal (USD) has a threshold of 5, Webmoney none.
DOCUMENT = document(
    currencies=[USD, EUR], payment_systems=[WEBMONEY, PAYPAL],
    affiliates=[
        # an inactive Webmoney binding and an active PayPal one: PayPal bills USD
        affiliate(2, "Alice", webmoney(1, active=0), binding(2, 3, "USD", {"5": "a@pay.pal"})),
        affiliate(3, "Bob", webmoney(3, wmz="Z300")),
        affiliate(4, "Carol"),
    ],
    conversions=[
        conversion(1, 2, "12.50", "2024-05-10 10:00:00"),
        conversion(2, 2, "7.25", "2024-06-01 10:00:00"),
        conversion(3, 2, "3.00", "2024-05-20 10:00:00", status=5,
                   hold_until="2024-06-10 00:00:00"),  # hold expired before NOW: payable
        conversion(4, 2, "100", "2024-06-02 10:00:00", status=2),  # pending: never billed
        conversion(5, 3, "15.00", "2024-06-02 10:00:00"),  # below USD's minimum of 20
        conversion(6, 4, "30", "2024-06-03 10:00:00"),  # Carol has no payment system
        conversion(7, 3, "60", "2024-06-04 10:00:00", currency="EUR"),  # Bob: none for EUR
    ])
ALICE_USD = Decimal("22.75")  # 12.50 + 7.25 + 3.00


@pytest.fixture
def billing(network):
    return network(DOCUMENT)


def _generate(billing, **parameters):
    with billing.open() as (session, tenant, now):
        return generate_invoices(session, tenant, now, GenerateInvoices(**parameters))


def _invoice(billing, payment_id):
    with billing.open() as (session, tenant, now):
        return invoices.read_invoice(session, tenant.id, payment_id, now)


def _reports(billing):
    with billing.open() as (session, tenant, _):
        return list(session.scalars(select(GenerationReport).where(
            GenerationReport.tenant_id == tenant.id).order_by(GenerationReport.id)))


def test_generate_bills_each_payable_group_and_reports_the_rest(billing):
    made = _generate(billing, note="June")
    assert made.made == [1]
    assert [(s.affiliate_id, s.currency, s.reason) for s in made.skipped] == [
        (3, "EUR", "The affiliate Bob (3) does not have a payment system (EUR)"),
        (3, "USD", "Minimum payment - 20 USD"),
        (4, "USD", "The affiliate Carol (4) does not have a payment system (USD)"),
    ]
    invoice = _invoice(billing, 1)
    assert invoice.revenue == ALICE_USD
    assert invoice.conversion_ids == [cid(1), cid(3), cid(2)]  # oldest first
    assert (invoice.payment.pay_sys_name, invoice.payment.pay_acc) == ("PayPal", "Email: a@pay.pal")
    assert invoice.payment.notes == "June"
    [report] = _reports(billing)
    assert (report.operation, report.payments) == ("generate", [1])
    assert report.parameters == {"note": "June", "by_last_invoice": False,
                                 "by_last_unpaid_conversion": False}


def test_generate_from_date_from_bills_only_that_period(billing):
    made = _generate(billing, aid=2, date_from=date(2024, 6, 1), date_to=date(2024, 6, 15))
    assert made.made == [1]
    assert _invoice(billing, 1).revenue == Decimal("7.25")  # conversion 2 alone


def test_generate_refuses_date_from_after_the_end(billing):
    with pytest.raises(ValidationError) as refused:
        _generate(billing, date=date(2024, 5, 31), date_from=date(2024, 6, 1))
    assert refused.value.message == "date_from: must not be after the end date 2024-05-31"


def test_generate_for_one_affiliate_refuses_with_the_first_reason_and_its_report(billing):
    with pytest.raises(GenerationRefused) as refused:
        _generate(billing, aid=3)
    assert refused.value.status_code == 400
    assert refused.value.message == "The affiliate Bob (3) does not have a payment system (EUR)"
    report = refused.value.report
    assert (report.operation, report.parameters["aid"]) == ("generate", 3)
    assert [s.reason for s in report.generation.skipped] == [
        "The affiliate Bob (3) does not have a payment system (EUR)", "Minimum payment - 20 USD"]
    assert _reports(billing) == []  # the endpoint keeps it, in a transaction of its own


def test_generate_for_an_affiliate_without_paid_conversions_says_so(billing):
    with pytest.raises(GenerationRefused) as refused:
        _generate(billing, aid=4, date_to=date(2024, 6, 1))
    assert refused.value.message == "The affiliate Carol (4) does not have paid conversions"
    [skip] = refused.value.report.generation.skipped
    assert (skip.affiliate_id, skip.currency) == (4, None)


def test_by_last_invoice_skips_what_an_earlier_invoice_covered(billing):
    _generate(billing, aid=2, date_to=date(2024, 5, 31))  # conversions 1 and 3: 15.50
    assert _invoice(billing, 1).revenue == Decimal("15.50")
    made = _generate(billing, aid=2, by_last_invoice=True)
    assert _invoice(billing, made.made[0]).revenue == Decimal("7.25")


def _create(billing, **parameters):
    with billing.open() as (session, tenant, now):
        return create_invoice_for_affiliate(session, tenant, now, CreateForAffiliate(**parameters))


def test_create_for_affiliate_bills_the_oldest_conversions_until_the_sum(billing):
    made = _create(billing, aid=2, sum=Decimal("15"), currency=2, note="advance")
    invoice = _invoice(billing, made.made[0])
    assert invoice.conversion_ids == [cid(1), cid(3)]  # 12.50, then 3.00 reaches 15
    assert invoice.revenue == Decimal("15.50")
    [report] = _reports(billing)
    assert report.operation == "create-for-affiliate"
    assert report.parameters == {"aid": 2, "sum": "15", "currency": 2, "note": "advance"}


def test_create_for_affiliate_refuses_more_than_is_payable(billing):
    with pytest.raises(GenerationRefused) as refused:
        _create(billing, aid=2, sum=Decimal("30"), currency=2)
    assert refused.value.message == ("The affiliate Alice (2) has 22.75 USD of paid conversions, "
                                     "less than 30 USD")
    [skip] = refused.value.report.generation.skipped
    assert (skip.affiliate_id, skip.currency, skip.reason) == (2, None, refused.value.message)


def test_create_for_affiliate_refuses_below_the_threshold(billing):
    with pytest.raises(GenerationRefused) as refused:
        _create(billing, aid=3, sum=Decimal("19.99"), currency=2)
    assert refused.value.message == "Minimum payment - 20 USD"


@pytest.fixture
def invoiced(billing):
    """Alice's USD invoice 1 of 22.75, waiting."""
    assert _generate(billing, aid=2).made == [1]
    return billing


def test_update_changes_fields_and_completing_freezes_the_invoice(invoiced):
    with invoiced.open() as (session, tenant, now):
        changes.update_invoice(session, tenant, now, 1,
                               changes.InvoiceUpdate(status=2, comment="paid", note="n"))
    invoice = _invoice(invoiced, 1)
    assert (invoice.payment.status, invoice.payment.comment, invoice.payment.notes) == (
        2, "paid", "n")
    with pytest.raises(PaymentFinished) as refused, invoiced.open() as (session, tenant, now):
        changes.add_correction(session, tenant, now, 1, Decimal("1"), "late")
    assert refused.value.message == "Payment has status finished"


def test_a_correction_may_bring_revenue_to_zero_but_not_below(invoiced):
    with pytest.raises(ValidationError) as refused, invoiced.open() as (session, tenant, now):
        changes.add_correction(session, tenant, now, 1, Decimal("-22.76"), "too much")
    assert refused.value.message == ("revenue: this correction would make the payment's revenue "
                                     "negative (-0.01)")
    with invoiced.open() as (session, tenant, now):
        changes.add_correction(session, tenant, now, 1, Decimal("-22.75"), "all of it")
    assert _invoice(invoiced, 1).revenue == Decimal(0)


def test_deleting_a_correction_is_refused_when_it_leaves_revenue_negative(invoiced):
    with invoiced.open() as (session, tenant, now):
        bonus = changes.add_correction(session, tenant, now, 1, Decimal("5"), "bonus").id
        changes.add_correction(session, tenant, now, 1, Decimal("-27"), "fee")
    assert _invoice(invoiced, 1).revenue == Decimal("0.75")  # 22.75 + 5 - 27
    with pytest.raises(ValidationError) as refused, invoiced.open() as (session, tenant, now):
        changes.delete_correction(session, tenant, now, bonus)
    assert refused.value.message == (f"id: removing correction {bonus} would make the payment's "
                                     "revenue negative (-4.25)")


def test_deleting_a_correction_takes_it_off_the_revenue(invoiced):
    with invoiced.open() as (session, tenant, now):
        fee = changes.add_correction(session, tenant, now, 1, Decimal("-2.75"), "fee").id
    assert _invoice(invoiced, 1).revenue == Decimal("20.00")
    with invoiced.open() as (session, tenant, now):
        changes.delete_correction(session, tenant, now, fee)
    assert _invoice(invoiced, 1).revenue == ALICE_USD


def test_delete_releases_the_conversions_for_a_later_generation(invoiced):
    with invoiced.open() as (session, tenant, now):
        changes.delete_invoice(session, tenant, now, 1)
    with pytest.raises(NotFound):
        _invoice(invoiced, 1)
    with invoiced.open() as (session, _, _now):
        assert session.scalar(select(Conversion.payment_id).where(
            Conversion.id == cid(1))) is None
    made = _generate(invoiced, aid=2)
    assert _invoice(invoiced, made.made[0]).revenue == ALICE_USD


def test_bulk_delete_answers_per_id_and_keeps_completed_invoices(invoiced):
    with invoiced.open() as (session, tenant, now):
        assert changes.bulk_delete_invoices(session, tenant, now, [1, 99]) == {1: True, 99: False}
    second = _generate(invoiced, aid=2).made[0]
    with invoiced.open() as (session, tenant, now):
        changes.update_invoice(session, tenant, now, second, changes.InvoiceUpdate(status=2))
        assert changes.bulk_delete_invoices(session, tenant, now, [second]) == {second: False}


def test_remove_conversions_takes_them_out_of_the_revenue(invoiced):
    with invoiced.open() as (session, tenant, now):
        assert changes.remove_conversions(session, tenant, now, 1, [cid(1)], []) == 1
    assert _invoice(invoiced, 1).revenue == Decimal("10.25")  # 22.75 - 12.50
    with pytest.raises(ValidationError) as refused, invoiced.open() as (session, tenant, now):
        changes.remove_conversions(session, tenant, now, 1, [cid(5)], [])
    assert refused.value.message == f"conversion_ids: conversion {cid(5)} is not in payment 1"


def test_list_and_get_show_the_invoice_with_its_revenue(invoiced):
    with invoiced.open() as (session, tenant, now):
        where = invoices.InvoiceFilter(date_from=date(2024, 6, 15), date_to=date(2024, 6, 15),
                                       update_from_date=date(2024, 6, 15), update_from_hour=12,
                                       update_to_date=date(2024, 6, 15), update_to_hour=12)
        page, total = invoices.list_invoices(session, tenant.id, where, 1, 100, now)
        assert total == 1 and [i.payment.id for i in page] == [1]
        before = invoices.InvoiceFilter(date_from=date(2024, 6, 15), date_to=date(2024, 6, 15),
                                        update_to_date=date(2024, 6, 15), update_to_hour=11)
        assert invoices.list_invoices(session, tenant.id, before, 1, 100, now) == ([], 0)
    assert _invoice(invoiced, 1).revenue == ALICE_USD
