"""The dashboard's query filters, read like every other request: a schema, then plain values."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load
from marshmallow import ValidationError as MarshmallowError

from ...billing.rules import INVOICE_STATUSES
from ..control.schemas import Digits, parse
from ..params import EARLIEST, LATEST

STATUS_PROBLEM = "must be one of " + ", ".join(map(str, INVOICE_STATUSES))


class Day(fields.Date):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= day <= LATEST:
            raise MarshmallowError(f"must be between {EARLIEST} and {LATEST}")
        return day


class Blankless(Schema):
    """A GET form's query: a field left empty is a field not given."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _drop_blanks(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}


class InvoiceFilters(Blankless):
    """?status=&affiliate=&currency=&date_from=&date_to= of the invoices page."""

    status = Digits("|".join(map(str, INVOICE_STATUSES)), STATUS_PROBLEM, max(INVOICE_STATUSES),
                    load_default=None)
    affiliate = Digits(r"[0-9]{1,18}", "must be an affiliate id", 10**18 - 1, load_default=None)
    currency = fields.String(load_default=None)
    date_from = Day(format="%Y-%m-%d", load_default=EARLIEST)
    date_to = Day(format="%Y-%m-%d", load_default=LATEST)


class JournalFilters(Blankless):
    """?method=&path=&status= of the journal page."""

    method = fields.String(load_default=None)
    path = fields.String(load_default=None)
    status = Digits(r"[0-9]{1,3}", "must be an HTTP status code", 999, load_default=None)


def invoice_filters(args: dict[str, Any]) -> dict[str, Any]:
    """Read the invoices page's filters (a bad one is the 400 naming it)."""
    return parse(InvoiceFilters(), args)


def journal_filters(args: dict[str, Any]) -> dict[str, Any]:
    """Read the journal page's filters (a bad one is the 400 naming it)."""
    return parse(JournalFilters(), args)
