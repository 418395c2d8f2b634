"""The fixture schema's direct row reader agrees with marshmallow on every row it reads."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from mock_affise.fixtures.fields import Rows, _quick_row
from mock_affise.fixtures.schema import (
    ConversionRow,
    CorrectionRow,
    CurrencyRow,
    ManagerRow,
    OfferRow,
    PaymentRow,
    keys_of,
)
from tests.budget import examples

ROWS = (ConversionRow, CorrectionRow, CurrencyRow, ManagerRow, OfferRow, PaymentRow)
# Values each field accepts or refuses, from every field's point of view.
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=10**19),
    st.sampled_from(["", "0", "1", "5", "-1", "USD", "active", "admin", "12.50", "-3",
                     "2024-05-01 10:00:00", "2024-05-01", "yesterday", "660000000000000000000001",
                     "a" * 32, "GGG", ["660000000000000000000001"], [], {}]),
    st.text(max_size=4))


@st.composite
def rows(draw: st.DrawFn) -> tuple[type, dict]:
    """Draw a row schema and a row for it: some keys missing, some values wrong, maybe a stray."""
    schema = draw(st.sampled_from(ROWS))
    keys = keys_of(schema())
    row = draw(st.fixed_dictionaries({}, optional={key: VALUES for key in keys}))
    if draw(st.booleans()):
        row["stray"] = 1
    return schema, row


@settings(max_examples=examples(400), deadline=None)
@given(drawn=rows())
def test_a_row_read_directly_is_the_row_marshmallow_loads(drawn):
    schema, row = drawn
    plan = Rows(schema)._plan()
    assert plan is not None, "a section of plain values is read directly"

    quick = _quick_row(plan, row)

    try:
        loaded = schema().load(row)
    except ValidationError:
        assert quick is None, "a row marshmallow refuses is never read directly"
    else:
        assert quick == loaded
