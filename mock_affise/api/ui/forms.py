"""The dashboard's query filters, read like every other request: a schema, then plain values."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load

from ...billing.rules import INVOICE_STATUSES
from ..control.schemas import Digits, JournalQuery, parse
from ..params import EARLIEST, LATEST, Day

STATUS_PROBLEM = "must be one of " + ", ".join(map(str, INVOICE_STATUSES))


class Blankless(Schema):
    """A GET form's query: a field left empty is a field not given."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _drop_blanks(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}


class AffiliateFilter(Blankless):
    """?affiliate= of the network page: one affiliate's id."""

    affiliate = Digits(r"[0-9]{1,18}", "must be an affiliate id", 10**18 - 1, load_default=None)


class InvoiceFilters(AffiliateFilter):
    """?status=&affiliate=&currency=&date_from=&date_to= of the invoices page (dates as the
    Affise routes read them)."""

    status = Digits("|".join(map(str, INVOICE_STATUSES)), STATUS_PROBLEM, max(INVOICE_STATUSES),
                    load_default=None)
    currency = fields.String(load_default=None)
    date_from = Day(load_default=EARLIEST)
    date_to = Day(load_default=LATEST)


class JournalFilters(Blankless, JournalQuery):
    """?method=&path=&status= of the journal page: the control plane's journal query."""


def affiliate_filter(args: dict[str, Any]) -> int | None:
    """Read the network page's affiliate filter (a bad one is the 400 naming it)."""
    return parse(AffiliateFilter(), args)["affiliate"]


def invoice_filters(args: dict[str, Any]) -> dict[str, Any]:
    """Read the invoices page's filters (a bad one is the 400 naming it)."""
    return parse(InvoiceFilters(), args)


def journal_filters(args: dict[str, Any]) -> dict[str, Any]:
    """Read the journal page's filters (a bad one is the 400 naming it)."""
    return parse(JournalFilters(only=("method", "path", "status")), args)
