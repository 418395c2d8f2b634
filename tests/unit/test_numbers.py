"""Reading a client's numbers: ASCII digits only, integers of at most 18 digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mock_affise.money import MoneyError, parse_money
from mock_affise.numbers import NumberError, is_index, parse_int


@pytest.mark.parametrize(("value", "number"), [
    ("0", 0), ("-12", -12), ("+7", 7), (42, 42), ("9" * 18, 10**18 - 1),
    (-(10**18) + 1, -(10**18) + 1),
])
def test_ascii_integers_of_up_to_18_digits_are_read(value, number):
    assert parse_int(value) == number


@pytest.mark.parametrize("value", [
    "\u0662\u0669\u0662\u0661",  # Arabic-Indic 2921
    "\uff19\uff19",  # fullwidth 99
    "\u00b2",  # superscript two
    "1_000", " 5", "5\n", "--5", "", "1.0", True, None, 1.0, Decimal(1), [1],
])
def test_anything_else_is_not_an_integer(value):
    with pytest.raises(NumberError, match="^must be an integer$"):
        parse_int(value)


@pytest.mark.parametrize("value", ["1" * 19, "-" + "1" * 19, 10**18, "1" * 5000])
def test_more_than_18_digits_is_refused_by_name(value):
    with pytest.raises(NumberError, match="^must be an integer of at most 18 digits$"):
        parse_int(value)


def test_bounds_are_checked_with_their_own_words():
    assert parse_int("5", minimum=5, maximum=5) == 5
    with pytest.raises(NumberError, match="^must be at least 1$"):
        parse_int("0", minimum=1)
    with pytest.raises(NumberError, match="^must be at most 100$"):
        parse_int("101", maximum=100)


def test_an_index_is_ascii_digits_maybe_signed():
    assert is_index("0") and is_index("-1") and is_index("9" * 18)
    assert not is_index("-1", signed=False)
    assert not any(is_index(k) for k in ("\u00b2", "\u0661", "1" * 19, "", "a", "1_0", 1))


@pytest.mark.parametrize("text", ["1_000", "\u0661\u0660", "\uff11", "1_0.5"])
def test_an_amount_in_other_digits_or_with_underscores_is_not_money(text):
    with pytest.raises(MoneyError, match="^must be a decimal number$"):
        parse_money(text)


@pytest.mark.parametrize(("text", "amount"), [("1e2", "100"), (".5", "0.5"), ("-3.", "-3"),
                                              (" 12.25 ", "12.25")])
def test_ascii_amounts_still_read_exactly(text, amount):
    assert parse_money(text) == Decimal(amount)
