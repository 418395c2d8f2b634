"""The request schemas of Affise's conversion routes: the list's filters, by id, the edit."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError as MarshmallowError
from marshmallow import fields, pre_load, validates

from ..billing.rules import (
    CONVERSION_STATUSES,
    DECLINE_REASONS,
    FRAUD_RISK_LEVELS,
    PAYMENT_STATES,
    STATUS_CODES,
    STATUS_WORDS,
)
from ..errors import ExtraFields, ValidationError
from ..network.conversion_filters import ConversionQuery
from .params import Choice, Day, Flag, Int, ListOf, Money, Params, Refused, Text, load
from .partners import NonBlank

# Click attributes beyond browser, os and device: the mock keeps no clicks to filter by.
_ClickFilters = Params.from_dict(
    {name: Refused() for name in ("subid1", "subid2", "subid3", "subid4", "subid5", "smart_id",
                                  "promocode", "imp_id")}, name="ClickFilters")
_CustomFieldFilters = Params.from_dict(
    {f"custom_field_{n}": Text() for n in range(1, 8)}, name="CustomFieldFilters")


class ConversionFilterParams(Params):
    """The conversion filters Affise documents that an edit by filter shares with the list."""

    date_from = Day()
    date_to = Day()
    timezone = Text()
    update_from_date = Day()
    update_from_hour = Int(minimum=0, maximum=23)
    update_to_date = Day()
    update_to_hour = Int(minimum=0, maximum=23)
    status = ListOf(Choice([str(code) for code in CONVERSION_STATUSES]))
    offer = ListOf(Int(minimum=0))
    advertiser = ListOf(Text())
    partner = ListOf(Int(minimum=0))
    country = ListOf(Text())
    currency = Text()
    action_id = Text()
    clickid = Text()
    payouts_from = Money()
    payouts_to = Money()
    revenue_from = Money()
    revenue_to = Money()
    decline_reason = ListOf(Choice(list(DECLINE_REASONS)))
    fraud_risk_level = ListOf(Choice(list(FRAUD_RISK_LEVELS)))
    fraud_type = ListOf(Text())
    browser = Refused()
    os = Refused()
    device = Refused()


class ConversionListParams(ConversionFilterParams, _CustomFieldFilters, _ClickFilters):
    """Every parameter Affise documents for the route; anything else is a 400, as on Affise.

    Filters on click attributes (browser, os, device, subs, smart link, promocode, impression)
    are refused with 400: the mock keeps no clicks.
    """

    always_strict = True
    admin_only = ("update_from_date", "update_from_hour", "update_to_date", "update_to_hour",
                  "partner", "revenue", "revenue_from", "revenue_to")

    goal = ListOf(Text())
    goal_id = ListOf(Int(minimum=0))
    payouts = Money()
    hour = Int(minimum=0, maximum=23)
    payment_status = Choice(list(PAYMENT_STATES))
    revenue = Money()
    comment = Text()
    raw_export = Int(choices=(0, 1), load_default=0)
    page = Int(minimum=1, maximum=1_000_000_000, load_default=1)  # offset fits 64 bits
    limit = Int(minimum=1, maximum=500, load_default=100)

    @validates("raw_export")
    def _mapped_only(self, value: int, **kwargs: Any) -> None:
        # raw_export=1 drops the related entities from each conversion; the mock always maps them.
        if value:
            raise MarshmallowError("not supported by mock-affise")


class EditFilterParams(ConversionFilterParams):
    """params[...] of an edit by filter: the filters Affise lists for it."""

    status = ListOf(Choice([*map(str, CONVERSION_STATUSES), *STATUS_WORDS.values()]))
    goal = ListOf(Text())
    payment_status = ListOf(Choice(list(PAYMENT_STATES)))
    affiliate_manager_id = ListOf(Text())
    invoice_id = ListOf(Int(minimum=0))
    user_id = Refused()
    advertiser_manager_id = Refused()


class ConversionByIdParams(Params):
    id = NonBlank(required=True)
    ID = fields.Raw()  # the official Go SDK sends the id as ID=

    @pre_load
    def _read_upper_id(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "ID" in data and "id" not in data:
            data = {**data, "id": data["ID"]}
        return {k: v for k, v in data.items() if k != "ID"}


_EditCustomFields = Params.from_dict(
    {f"custom_field_{n}": Text() for n in range(1, 16)}, name="EditCustomFields")


class ConversionEditParams(_EditCustomFields):
    """Affise's edit parameters: only ids is required; all=1 edits what params[...] selects."""

    ids = ListOf(Text(), required=True)
    status = Choice(list(STATUS_WORDS.values()))
    currency = Text()
    payouts = Money()
    revenue = Money()
    comment = Text()
    sum = Money()
    all = Flag(load_default=False)
    params = fields.Raw()  # the filters of all=1, read by EditFilterParams


def filter_query(p: dict[str, Any], page: int = 1, limit: int = 100) -> ConversionQuery:
    """Return the ConversionQuery of loaded filter parameters."""
    statuses = p.get("status")
    payment_status = p.get("payment_status")
    return ConversionQuery(
        statuses=None if statuses is None else [
            int(s) if s.isdigit() else STATUS_CODES[s] for s in statuses],
        affiliate_ids=p.get("partner"), offer_ids=p.get("offer"),
        advertiser_ids=p.get("advertiser"), countries=p.get("country"),
        currency=p.get("currency") or None,
        payment_statuses=[payment_status] if isinstance(payment_status, str) else payment_status,
        date_from=p.get("date_from"), date_to=p.get("date_to"),
        timezone=p.get("timezone") or None, hour=p.get("hour"),
        update_from_date=p.get("update_from_date"), update_from_hour=p.get("update_from_hour"),
        update_to_date=p.get("update_to_date"), update_to_hour=p.get("update_to_hour"),
        action_id=p.get("action_id") or None, clickid=p.get("clickid") or None,
        goals=p.get("goal"), goal_ids=p.get("goal_id"),
        payouts=p.get("payouts"), payouts_from=p.get("payouts_from"),
        payouts_to=p.get("payouts_to"), revenue=p.get("revenue"),
        revenue_from=p.get("revenue_from"), revenue_to=p.get("revenue_to"),
        decline_reasons=p.get("decline_reason"), fraud_risk_levels=p.get("fraud_risk_level"),
        fraud_types=p.get("fraud_type"), comment=p.get("comment"),
        custom_fields=custom_fields(p, range(1, 8)),
        affiliate_manager_ids=p.get("affiliate_manager_id"), invoice_ids=p.get("invoice_id"),
        page=page, limit=limit,
    )


def custom_fields(p: dict[str, Any], numbers: range) -> dict[int, str]:
    """Return the custom_field_N values given, by N."""
    return {n: p[f"custom_field_{n}"] for n in numbers if f"custom_field_{n}" in p}


def edit_filter(raw: Any) -> ConversionQuery:
    """Return the ConversionQuery of an edit's params[...] (all=1); problems name params[NAME]."""
    if not isinstance(raw, dict) or not raw:
        raise ValidationError("params", "is required when all=1")
    schema = EditFilterParams()
    known = {f.data_key or name for name, f in schema.fields.items()}
    for name in raw:
        if name not in known:
            raise ExtraFields(f"params[{name}]")
    try:
        return filter_query(load(schema, raw))
    except ValidationError as exc:
        raise ValidationError(f"params[{exc.field}]", exc.problem) from exc
