"""The billing rules, called directly: plain values in, plain values out."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from mock_affise.billing import rules
from mock_affise.billing.rules import ConversionStatus, InvoiceStatus, Period
from mock_affise.errors import ValidationError

NOW = datetime(2024, 6, 15, 12, 0, 0)
TODAY = NOW.date()


def test_rules_import_neither_flask_nor_sqlalchemy():
    code = ("import sys, mock_affise.billing.rules; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'flask', 'sqlalchemy', 'marshmallow'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_conversion_statuses_carry_affises_codes_and_words():
    assert [(int(s), s.word) for s in ConversionStatus] == [
        (1, "confirmed"), (2, "pending"), (3, "declined"), (5, "hold")]
    assert rules.STATUS_CODES == {"confirmed": 1, "pending": 2, "declined": 3, "hold": 5}
    assert rules.CONVERSION_STATUSES == (1, 2, 3, 5)


def test_invoice_statuses_carry_affises_codes_and_names():
    assert [(int(s), s.word) for s in InvoiceStatus] == [
        (-1, "declined"), (1, "waiting"), (2, "completed"), (3, "paid partly"), (4, "pending")]
    assert rules.INVOICE_STATUSES == (-1, 1, 2, 3, 4)


@pytest.mark.parametrize(("status", "hold_until", "expired"), [
    (5, datetime(2024, 6, 15, 12, 0, 0), True),  # exactly now: released
    (5, datetime(2024, 6, 15, 11, 59, 59), True),
    (5, datetime(2024, 6, 15, 12, 0, 1), False),
    (5, None, False),  # a hold without an end never expires
    (1, datetime(2024, 1, 1), False),  # not a hold at all
])
def test_a_hold_expires_once_the_tenant_clock_reaches_hold_until(status, hold_until, expired):
    assert rules.hold_expired(status, hold_until, NOW) is expired
    assert rules.effectively_approved(status, hold_until, NOW) is (expired or status == 1)
    assert rules.effective_status(status, hold_until, NOW) == (1 if expired else status)


def _binding(binding_id: int, currency: str, active: bool) -> SimpleNamespace:
    return SimpleNamespace(id=binding_id, currency=currency, active=active)


def test_the_active_binding_bills_its_currency():
    bindings = [_binding(1, "USD", False), _binding(2, "USD", True), _binding(3, "USD", True)]
    chosen = rules.choose_bindings(bindings, key=lambda b: b.currency, active=lambda b: b.active)
    assert chosen["USD"].id == 2


def test_without_an_active_binding_the_lowest_id_bills():
    bindings = [_binding(4, "EUR", False), _binding(7, "EUR", False), _binding(9, "USD", True)]
    chosen = rules.choose_bindings(bindings, key=lambda b: b.currency, active=lambda b: b.active)
    assert {code: b.id for code, b in chosen.items()} == {"EUR": 4, "USD": 9}


def test_invoice_revenue_is_payouts_plus_corrections():
    revenue = rules.invoice_revenue([Decimal("12.50"), Decimal("7.25")],
                                    [Decimal("-4.75"), Decimal("1.00000001")])
    assert revenue == Decimal("16.00000001")  # 19.75 - 4.75 + 1.00000001
    assert rules.invoice_revenue([], []) == Decimal(0)


def test_revenue_may_reach_zero_but_never_go_below():
    assert rules.revenue_allowed(Decimal(0))
    assert not rules.revenue_allowed(Decimal("-0.00000001"))


def test_the_payment_systems_threshold_wins_over_the_currency_minimum():
    assert rules.threshold(Decimal("5"), Decimal("20")) == Decimal("5")
    assert rules.threshold(Decimal("0"), Decimal("20")) == Decimal("0")
    assert rules.threshold(None, Decimal("20")) == Decimal("20")


@pytest.mark.parametrize(("day", "hour", "end", "bound"), [
    (None, None, False, None),
    (date(2024, 6, 1), None, False, datetime(2024, 6, 1, 0)),
    (date(2024, 6, 1), 7, False, datetime(2024, 6, 1, 7)),
    (date(2024, 6, 1), None, True, datetime(2024, 6, 2, 0)),  # the whole day
    (date(2024, 6, 1), 7, True, datetime(2024, 6, 1, 8)),  # through the end of hour 7
    (date(2024, 6, 1), 23, True, datetime(2024, 6, 2, 0)),
])
def test_the_update_window_runs_from_its_start_hour_through_its_end_hour(day, hour, end, bound):
    assert rules.update_bound(day, hour, end) == bound


def test_messages_name_an_affiliate_by_name_then_login_then_email():
    assert rules.display_name("Ann", "ann1", "ann@example.com") == "Ann"
    assert rules.display_name("", "ann1", "ann@example.com") == "ann1"
    assert rules.display_name(None, None, "ann@example.com") == "ann@example.com"


def test_pay_acc_lists_labels_in_the_systems_field_order():
    system = {"fields": [{"id": 7, "label": "WMR"}, {"id": 4, "label": "WMZ"}]}
    assert rules.format_pay_acc(system, {"4": "Z123", "7": "R456"}) == "WMR: R456\nWMZ: Z123"
    assert rules.format_pay_acc(system, {"4": "Z123"}) == "WMZ: Z123"
    assert rules.format_pay_acc(None, {"a": "1", "b": "2"}) == "a: 1\nb: 2"


def test_the_period_ends_after_date():
    period = rules.generation_period(TODAY, day=date(2024, 5, 31))
    assert period == Period(datetime(2024, 6, 1))


def test_the_period_ends_after_date_to_without_date():
    period = rules.generation_period(TODAY, date_to=date(2024, 5, 10))
    assert period == Period(datetime(2024, 5, 11))


def test_the_period_ends_after_today_without_an_end_date():
    assert rules.generation_period(TODAY) == Period(datetime(2024, 6, 16))


def test_date_from_starts_the_period():
    period = rules.generation_period(TODAY, date_to=date(2024, 5, 31), date_from=date(2024, 5, 1))
    assert period == Period(datetime(2024, 6, 1), start=datetime(2024, 5, 1))


def test_date_from_on_the_end_day_is_one_day():
    period = rules.generation_period(TODAY, day=date(2024, 5, 31), date_from=date(2024, 5, 31))
    assert period == Period(datetime(2024, 6, 1), start=datetime(2024, 5, 31))


def test_date_from_after_the_end_is_refused():
    with pytest.raises(ValidationError) as refused:
        rules.generation_period(TODAY, date_to=date(2024, 5, 31), date_from=date(2024, 6, 1))
    assert refused.value.message == "date_from: must not be after the end date 2024-05-31"


def test_by_last_invoice_starts_after_each_last_invoice_and_ignores_date_from():
    period = rules.generation_period(TODAY, date_from=date(2099, 1, 1), by_last_invoice=True)
    assert period == Period(datetime(2024, 6, 16), since_last_invoice=True)


def test_by_last_unpaid_conversion_bills_everything_up_to_the_end():
    period = rules.generation_period(TODAY, date_from=date(2099, 1, 1), by_last_invoice=True,
                                     by_last_unpaid_conversion=True)
    assert period == Period(datetime(2024, 6, 16))


def test_the_generation_delay_is_the_tenants_setting_else_the_default():
    assert rules.generation_delay({"generation_delay_seconds": 0}, 30) == 0
    assert rules.generation_delay({"generation_delay_seconds": 120}, 30) == 120
    assert rules.generation_delay({}, 30) == 30
    assert rules.generation_delay(None, 0) == 0


def test_a_conversion_reads_opened_pending_or_closed_by_its_invoice():
    assert rules.payment_state(None) == ("opened", "0")
    assert rules.payment_state(2) == ("closed", "1")
    assert rules.payment_state(1) == ("pending", "0")
    assert rules.payment_state(-1) == ("pending", "0")


def test_a_main_affiliates_own_percent_wins_over_the_tenants():
    assert rules.referral_percent(Decimal("7"), {"referral_percent": "2.5"}) == Decimal("7")
    assert rules.referral_percent(Decimal("0"), {"referral_percent": "2.5"}) == Decimal("0")
    assert rules.referral_percent(None, {"referral_percent": "2.5"}) == Decimal("2.5")
    assert rules.referral_percent(None, {}) == Decimal("0")


def test_referral_money_is_rounded_half_up_once_for_the_whole_invoice():
    # 15% of 10.00000003 and of 20.00000003 round to 1.5 and 3 apart; together 4.500000009.
    assert rules.referral_revenue([Decimal("10.00000003"), Decimal("20.00000003")],
                                  Decimal("15")) == Decimal("4.50000001")
    # exactly half a hundred-millionth rounds up: 0.00000001 x 50% = 0.000000005
    assert rules.referral_revenue([Decimal("0.00000001")], Decimal("50")) == \
        Decimal("0.00000001")
    assert rules.referral_revenue([], Decimal("15")) is None


def test_an_invoice_total_includes_its_referral_money():
    assert rules.invoice_revenue([Decimal("100")], [Decimal("-1")], Decimal("4.5")) == \
        Decimal("103.5")
    assert rules.invoice_revenue([Decimal("100")], [], None) == Decimal("100")


@pytest.mark.parametrize(("percent", "allowed"), [("0", True), ("100", True),
                                                  ("100.00000001", False), ("-1", False)])
def test_a_referral_percent_is_from_0_to_100(percent, allowed):
    assert rules.percent_allowed(Decimal(percent)) is allowed
