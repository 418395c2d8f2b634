"""Referral billing (contract section 7) through the API, with the money worked out by hand."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.api.billing_fixtures import (
    RESULT_TRUE,
    SEPA,
    Billing,
    affiliate,
    binding,
    cid,
    conversion,
    document,
    seeded_payment,
    webmoney,
)

MAIN_PERCENT = "15"
# The referral invoices' revenues: conversions plus corrections (chosen so that rounding each
# invoice's share apart would lose a cent's hundred-millionth: see referral_money).
P1_PAYOUT, P1_CORRECTION = "9", "1.00000003"  # invoice 1 (referral 3, USD): 10.00000003
P2_PAYOUT = "20.00000003"  # invoice 2 (referral 4, USD)
P4_PAYOUT = "100"  # invoice 4 (referral 3, EUR)
MAIN_PAYOUT = "100"  # the main affiliate's own USD conversion


def eight(value: Decimal) -> str:
    """Half-up to 8 places, as the wire writes money."""
    return str(value.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP))


def referral_money(revenues: list[str], percent: str) -> Decimal:
    """The contract's rule: the sum of revenue x percent / 100, rounded once per invoice."""
    return Decimal(eight(sum(map(Decimal, revenues), Decimal(0)) * Decimal(percent) / 100))


def referral_document(*, main_percent: str | None = MAIN_PERCENT, settings: dict | None = None,
                      p2_completed: str = "2024-06-12 09:00:00") -> dict:
    """Main affiliate 2 with referrals 3 and 4; main 5 (no own percent) with referral 6."""
    main = affiliate(2, "Acme Media", webmoney(10), binding(11, SEPA["id"], "EUR", {"6": "AC2"}))
    main["ref_percent"] = main_percent
    referrals = [affiliate(3, "Blue Leads", webmoney(20), binding(21, 4, "EUR", {"6": "B3"})),
                 affiliate(4, "Cobalt Traffic", webmoney(30))]
    other_main = affiliate(5, "Dune Ads", webmoney(50, currency="GBP"))
    other_referral = affiliate(6, "Echo Clicks", webmoney(60, currency="GBP"))
    for row in referrals:
        row["ref"] = 2
    other_referral["ref"] = 5
    doc = document(
        affiliates=[main, *referrals, other_main, other_referral],
        conversions=[
            conversion(1, 3, P1_PAYOUT, "2024-05-02 10:00:00"),
            conversion(2, 4, P2_PAYOUT, "2024-05-03 10:00:00"),
            conversion(3, 4, "50", "2024-05-04 10:00:00"),
            conversion(4, 3, P4_PAYOUT, "2024-05-05 10:00:00", currency="EUR"),
            conversion(5, 2, MAIN_PAYOUT, "2024-06-01 10:00:00"),
            conversion(6, 6, "80", "2024-05-06 10:00:00", currency="GBP"),
        ],
        payments=[
            seeded_payment(1, 3, "USD", [cid(1)], status=2, updated_at="2024-06-10 09:00:00"),
            seeded_payment(2, 4, "USD", [cid(2)], status=2, updated_at=p2_completed),
            seeded_payment(3, 4, "USD", [cid(3)], status=1),
            seeded_payment(4, 3, "EUR", [cid(4)], status=2, pay_sys=4, pay_acc="Account: B3",
                           updated_at="2024-06-11 09:00:00"),
            seeded_payment(7, 6, "GBP", [cid(6)], status=2, updated_at="2024-06-11 09:00:00"),
        ],
        corrections=[{"id": 1, "payment_id": 1, "revenue": P1_CORRECTION, "comment": "bonus",
                      "posted_date": "2024-05-10 09:00:00"}],
    )
    if settings is not None:
        doc["settings"] = settings
    return doc


P1_REVENUE = str(Decimal(P1_PAYOUT) + Decimal(P1_CORRECTION))


@pytest.fixture
def billing(make_app) -> Billing:
    return Billing(make_app(referral_document()))


def test_generate_takes_owed_referral_money_into_the_main_affiliates_invoice(billing):
    billing.generate(aid="2")
    usd_referral = referral_money([P1_REVENUE, P2_PAYOUT], MAIN_PERCENT)
    # Rounding each invoice's share apart would give 1.50000000 + 3.00000000: once, it is more.
    assert usd_referral == Decimal("4.50000001")
    eur_referral = referral_money([P4_PAYOUT], MAIN_PERCENT)
    eur, usd = billing.payment(8), billing.payment(9)  # currency code order: EUR, then USD
    assert (usd["currency_code"], usd["ref_ids"], usd["ref_revenue"]) == (
        "USD", ["1", "2"], eight(usd_referral))
    assert usd["revenue"] == eight(Decimal(MAIN_PAYOUT) + usd_referral)
    assert usd["cpa_actions"] == [cid(5)]
    assert usd["details"]["count"] == 1  # referral money never shows in details
    # No payable EUR conversion: an invoice of referral money alone (SEPA threshold 12.5).
    assert (eur["currency_code"], eur["ref_ids"], eur["ref_revenue"], eur["revenue"]) == (
        "EUR", ["4"], eight(eur_referral), eight(eur_referral))
    assert (eur["cpa_actions"], eur["details"]) == ([], {"details": {}, "count": 0})
    # Each referral invoice is owed once: nothing is left for a second generation.
    assert billing.post("/3.1/payments/generate", data={"aid": "2"}).get_json()["message"] == (
        "The affiliate Acme Media (2) does not have paid conversions")
    reports = billing.ok("GET", "/_mock/generations")["generations"]
    assert reports[0]["referrals"] == {"8": [4], "9": [1, 2]}


def test_an_invoice_without_referral_money_shows_null_and_an_empty_list(billing):
    open_invoice = billing.payment(3)
    assert (open_invoice["ref_revenue"], open_invoice["ref_ids"]) == (None, [])


def test_only_invoices_completed_by_the_periods_end_are_owed(billing):
    billing.generate(aid="2", date="2024-06-11")  # invoice 2 was completed on 2024-06-12
    usd = next(p for p in billing.payments(aid=["2"]) if p["currency_code"] == "USD")
    assert (usd["ref_ids"], usd["ref_revenue"]) == (
        ["1"], eight(referral_money([P1_REVENUE], MAIN_PERCENT)))


def test_offer_filters_select_conversions_only_and_thresholds_apply_to_the_total(billing):
    billing.generate(aid="2", offer_ids=["2"])  # the main's own conversion is offer 1
    [eur] = billing.payments(aid=["2"])
    assert (eur["currency_code"], eur["ref_ids"], eur["revenue"]) == (
        "EUR", ["4"], eight(referral_money([P4_PAYOUT], MAIN_PERCENT)))
    # USD: referral money alone, 15% of 30.00000006, is below the minimum payment of 20.
    assert billing.ok("GET", "/_mock/generations")["generations"][0]["skipped"] == [
        {"affiliate_id": 2, "currency": "USD", "reason": "Minimum payment - 20 USD"}]


def test_currencies_select_referral_money(billing):
    billing.generate(aid="2", currencies=["EUR"])
    [eur] = billing.payments(aid=["2"])
    assert (eur["currency_code"], eur["ref_ids"]) == ("EUR", ["4"])


def test_excluding_the_main_affiliate_leaves_its_referral_money_owed(billing):
    billing.generate(exclude_aids=["2"], currencies=["USD"])
    assert billing.payments(aid=["2"]) == []


def test_a_referral_only_invoice_below_the_threshold_is_refused_and_changes_nothing(billing):
    # USD minimum payment is 20: the referral money alone (4.50000001) does not reach it.
    billing.rejected("POST", "/3.1/payments/generate", 400, "Minimum payment - 20 USD",
                     data={"aid": "2", "offer_ids[]": "2", "currencies[]": "USD"})


def test_referral_money_without_a_payment_system_is_refused(make_app):
    doc = referral_document()
    doc["affiliates"][0]["payment_systems"] = [webmoney(10)]  # no EUR binding
    billing = Billing(make_app(doc))
    billing.rejected("POST", "/3.1/payments/generate", 400,
                     "The affiliate Acme Media (2) does not have a payment system (EUR)",
                     data={"aid": "2", "currencies[]": "EUR"})


def test_create_for_affiliate_never_takes_referral_money(billing):
    billing.ok("POST", "/3.1/payments/create-for-affiliate",
               data={"aid": "2", "sum": "50", "currency": "2"})
    [made] = billing.payments(aid=["2"])
    assert (made["revenue"], made["ref_revenue"], made["ref_ids"]) == (
        eight(Decimal(MAIN_PAYOUT)), None, [])


@pytest.mark.parametrize("how", ["single", "bulk"])
def test_deleting_a_main_invoice_releases_its_referral_invoices(billing, how):
    billing.generate(aid="2", currencies=["USD"])
    if how == "single":
        billing.ok("DELETE", "/3.1/payments/delete/8", RESULT_TRUE)
    else:
        billing.ok("POST", "/3.1/payments/bulk-delete", {"status": 1, "result": {"8": True}},
                   data={"ids[]": ["8"]})
    billing.generate(aid="2", currencies=["USD"])
    assert billing.payment(9)["ref_ids"] == ["1", "2"]


def test_a_declined_main_invoice_keeps_its_referral_invoices(billing):
    billing.generate(aid="2", currencies=["USD"])
    billing.ok("POST", "/3.1/payments/8", RESULT_TRUE, data={"status": "-1"})
    billing.rejected("POST", "/3.1/payments/generate", 400,
                     "The affiliate Acme Media (2) does not have paid conversions",
                     data={"aid": "2", "currencies[]": "USD"})
    assert billing.payment(8)["ref_ids"] == ["1", "2"]


def test_the_tenant_percent_applies_to_a_main_affiliate_without_its_own(billing):
    # Default 0: main 5 is owed nothing, and has no conversion of its own.
    billing.rejected("POST", "/3.1/payments/generate", 400,
                     "The affiliate Dune Ads (5) does not have paid conversions", data={"aid": "5"})
    assert billing.ok("POST", "/_mock/config", json={"referral_percent": "2.5"})["config"] == {
        "generation_delay_seconds": 0, "referral_percent": "2.5"}
    billing.generate(aid="5")
    [made] = billing.payments(aid=["5"])
    assert (made["ref_ids"], made["revenue"]) == (["7"], eight(referral_money(["80"], "2.5")))


def test_the_fixture_setting_gives_the_percent_and_an_export_round_trips(make_app):
    billing = Billing(make_app(referral_document(settings={"referral_percent": "2.5"})))
    billing.generate(aid="5")
    exported = billing.export()
    assert exported["settings"] == {"referral_percent": "2.5"}
    [made] = [p for p in exported["payments"] if p["pid"] == 5]
    assert (made["ref_ids"], made["ref_revenue"]) == (["7"], "2")
    again = Billing(make_app(exported))
    assert again.export() == exported
    assert again.payment(made["id"])["ref_revenue"] == eight(referral_money(["80"], "2.5"))


def test_a_bad_referral_percent_setting_is_refused(billing):
    response = billing.post("/_mock/config", json={"referral_percent": "101"})
    assert (response.status_code, response.get_json()["message"]) == (
        400, "referral_percent: must be a decimal number from 0 to 100")


def test_owed_referral_money_counts_in_the_main_affiliates_balance(billing):
    usd = referral_money([P1_REVENUE, P2_PAYOUT], MAIN_PERCENT)
    eur = referral_money([P4_PAYOUT], MAIN_PERCENT)
    balance = billing.ok("GET", "/3.0/admin/partner/2")["partner"]["balance"]
    assert Decimal(str(balance["USD"]["available"])) == Decimal(MAIN_PAYOUT) + usd
    assert Decimal(str(balance["EUR"]["available"])) == eur
    own = Billing(billing.app, key="aff2key" * 4).ok("GET", "/3.0/balance")
    assert Decimal(str(own["balance"]["available"]["EUR"])) == eur
    assert Decimal(str(own["balance"]["balance"]["EUR"])) == eur
    billing.generate(aid="2", currencies=["EUR"])  # taken: no longer owed
    balance = billing.ok("GET", "/3.0/admin/partner/2")["partner"]["balance"]
    assert Decimal(str(balance["EUR"]["available"])) == 0


def test_the_referrals_route_lists_the_partners_a_main_affiliate_referred(billing):
    answer = billing.ok("GET", "/3.0/admin/partner/2/referrals", query_string={"limit": "1"})
    assert [p["id"] for p in answer["referrals"]] == [3]
    assert answer["pagination"] == {"per_page": 1, "total_count": 2, "page": 1, "next_page": 2}
    assert billing.ok("GET", "/3.0/admin/partner/3/referrals")["referrals"] == []
    billing.rejected("GET", "/3.0/admin/partner/99/referrals", 404, "Resource Not Found")
