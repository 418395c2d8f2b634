"""Referral billing services on a session, without HTTP; money worked out by hand."""

from __future__ import annotations

from decimal import Decimal

from mock_affise.billing import changes, invoices
from mock_affise.billing.generation import GenerateInvoices, generate_invoices
from mock_affise.billing.referrals import owed_referral_money
from mock_affise.network.balances import affiliate_balance
from tests.api.test_payments_referral import referral_document

# Main 2 (15%) is owed, in USD, 15% of invoices 1 (10.00000003) and 2 (20.00000003),
# rounded once: 4.500000009 -> 4.50000001; in EUR, 15% of invoice 4 (100): 15.
USD_OWED, EUR_OWED = Decimal("4.50000001"), Decimal("15")


def test_owed_referral_money_is_grouped_by_main_affiliate_and_currency(network):
    billing = network(referral_document())
    with billing.open() as (session, tenant, _):
        owed = owed_referral_money(session, tenant.id, tenant.settings, None)
    # main 5 has no percent of its own and the tenant's is 0: it is owed nothing
    assert {key: (o.ref_revenue, o.invoices) for key, o in owed.items()} == {
        (2, "USD"): (USD_OWED, 2), (2, "EUR"): (EUR_OWED, 1)}


def test_generation_hands_each_referral_invoice_to_one_main_invoice(network):
    billing = network(referral_document())
    with billing.open() as (session, tenant, now):
        made = generate_invoices(session, tenant, now, GenerateInvoices(aid=2))
    assert made.referrals == {8: [4], 9: [1, 2]}
    with billing.open() as (session, tenant, now):
        usd = invoices.read_invoice(session, tenant.id, 9, now)
        assert (usd.ref_revenue, usd.ref_ids, usd.revenue) == (USD_OWED, [1, 2],
                                                               Decimal("100") + USD_OWED)
        assert owed_referral_money(session, tenant.id, tenant.settings, None) == {}


def test_deleting_the_main_invoice_makes_its_referral_invoices_owed_again(network):
    billing = network(referral_document())
    with billing.open() as (session, tenant, now):
        generate_invoices(session, tenant, now, GenerateInvoices(aid=2, currencies=["USD"]))
    with billing.open() as (session, tenant, now):
        changes.delete_invoice(session, tenant, now, 8)
    with billing.open() as (session, tenant, now):
        owed = owed_referral_money(session, tenant.id, tenant.settings, None)
        assert owed[(2, "USD")].ref_revenue == USD_OWED


def test_the_main_affiliates_available_money_includes_what_it_is_owed(network):
    billing = network(referral_document())
    with billing.open() as (session, tenant, now):
        sheet = affiliate_balance(session, tenant.id, now, 2)
    assert (sheet["USD"].available, sheet["EUR"].available) == (Decimal("100") + USD_OWED,
                                                                EUR_OWED)
