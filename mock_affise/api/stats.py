"""Affise's conversion routes (/3.0/stats/conversions*, /3.0/admin/conversion/edit) and the
affiliate's own GET /3.0/balance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import fields, pre_load

from ..billing.rules import CONVERSION_STATUSES, PAYMENT_STATES, STATUS_WORDS, payment_state
from ..clock import format_timestamp
from ..money import number
from ..network import balances, conversions
from ..network.conversions import ConversionQuery, ConversionView
from .endpoint import ADMIN, AFFILIATE, EVERY_ROLE, Call, endpoint
from .params import Choice, Day, Flag, Int, ListOf, Money, Params, Text
from .partners import NonBlank, render_pagination

blueprint = Blueprint("stats", __name__)

_IGNORED_FILTERS = (
    "browser", "action_id", "clickid", "os", "goal", "goal_id", "device", "payouts",
    "payouts_from", "payouts_to", "hour", "timezone", "subid1", "subid2", "subid3", "subid4",
    "subid5", "smart_id", "promocode", "imp_id", "revenue", "revenue_from", "revenue_to",
    "raw_export", "decline_reason", "fraud_risk_level", "fraud_type", "comment",
    *(f"custom_field_{n}" for n in range(1, 8)),
)


def _ignored(names: tuple[str, ...]) -> type[Params]:
    """Return a schema taking names as raw values: parameters Affise documents, not emulated."""
    return Params.from_dict({name: fields.Raw() for name in names}, name="Ignored")


class ConversionListParams(_ignored(_IGNORED_FILTERS)):
    """Every parameter Affise documents for the route; anything else is a 400, as on Affise.

    The filters the mock cannot apply (it keeps no clicks, subs or revenue) are accepted and
    ignored.
    """

    always_strict = True
    admin_only = ("update_from_date", "update_from_hour", "update_to_date", "update_to_hour",
                  "partner", "revenue", "revenue_from", "revenue_to")

    status = ListOf(Choice([str(code) for code in CONVERSION_STATUSES]))
    partner = ListOf(Int(minimum=1))
    offer = ListOf(Int(minimum=1))
    advertiser = ListOf(Text())
    country = ListOf(Text())
    currency = Text()
    payment_status = Choice(list(PAYMENT_STATES))
    date_from = Day()
    date_to = Day()
    update_from_date = Day()
    update_from_hour = Int(minimum=0, maximum=23)
    update_to_date = Day()
    update_to_hour = Int(minimum=0, maximum=23)
    page = Int(minimum=1, maximum=1_000_000_000, load_default=1)  # offset fits 64 bits
    limit = Int(minimum=1, maximum=500, load_default=100)


class ConversionByIdParams(Params):
    id = NonBlank(required=True)
    ID = fields.Raw()  # the official Go SDK sends the id as ID=

    @pre_load
    def _read_upper_id(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "ID" in data and "id" not in data:
            data = {**data, "id": data["ID"]}
        return {k: v for k, v in data.items() if k != "ID"}


class ConversionEditParams(_ignored(("comment", "sum", "params",
                                      *(f"custom_field_{n}" for n in range(1, 16))))):
    """Affise's edit parameters; comment, sum, params and custom fields are accepted, ignored."""

    ids = ListOf(Text(), required=True)
    status = Choice(list(STATUS_WORDS.values()))
    payouts = Money()
    currency = Text()
    revenue = Money()  # echoed back; the mock keeps no advertiser revenue
    all = Flag(load_default=False)


def _shared(view: ConversionView) -> dict[str, Any]:
    """Return the parts both conversion shapes carry alike."""
    c = view.conversion
    payment_status, is_paid = payment_state(view.invoice_status)
    advertiser_id = view.offer.advertiser_id if view.offer else None
    affiliate = view.affiliate
    return {
        "offer": {"id": c.offer_id, "title": view.offer.title if view.offer else "",
                  "offer_id": str(c.offer_id), "url": ""},
        "advertiser": {"id": advertiser_id, "title": ""},
        "advertiser_id": advertiser_id,
        "payment_status": payment_status,
        "is_paid": is_paid,
        "created_at": format_timestamp(c.created_at),
        "updated_at": format_timestamp(c.updated_at),
        "hold": format_timestamp(c.hold_until),
        "partner": {"id": c.affiliate_id, "email": affiliate.email if affiliate else "",
                    "login": affiliate.login if affiliate else "",
                    "name": affiliate.name if affiliate else ""},
    }


# What an affiliate's key is not shown: the fields of the filters Affise marks "ONLY FOR ADMIN"
# (partner[], revenue*), and earnings, which would give the revenue away.
ADMIN_ONLY_FIELDS = ("partner", "revenue", "earnings")


def render_conversion(view: ConversionView, admin_api: bool = True) -> dict[str, Any]:
    """Render a conversion as GET /3.0/stats/conversions lists it (status as a word).

    The mock keeps no clicks: action_id, clickid are the conversion's id and click_time its
    created_at; device, sub and custom fields are empty; revenue, sum and earnings are 0.
    Without admin_api (an affiliate's key) the ADMIN_ONLY_FIELDS are left out.
    """
    body = _conversion_fields(view)
    if not admin_api:
        for name in ADMIN_ONLY_FIELDS:
            del body[name]
    return body


def _conversion_fields(view: ConversionView) -> dict[str, Any]:
    c, common = view.conversion, _shared(view)
    return {
        "id": c.id, "action_id": c.id, "status": STATUS_WORDS[view.status],
        "currency": c.currency, "goal": c.goal, "country": c.country, "district": "", "city": "",
        "ip": "", "browser": "", "os": "", "device": "",
        "offer": common["offer"],
        # A number, as Affise's recorded answers have it: the Go SDK reads offer_id as uint64.
        "offer_id": c.offer_id,
        "ios_idfa": "", "android_id": "",
        **{f"sub{n}": "" for n in range(1, 6)},
        **{f"custom_field_{n}": "" for n in range(1, 8)},
        "ua": "", "comment": "",
        "created_at": common["created_at"], "updated_at": common["updated_at"],
        "click_time": common["created_at"], "referrer": "",
        "payouts": number(c.payouts), "clickid": c.id,
        "partner": common["partner"],
        "goal_value": c.goal, "sum": 0, "revenue": 0, "earnings": 0,
        "advertiser": common["advertiser"],
        "payment_status": common["payment_status"], "is_paid": common["is_paid"],
        "forensiq": None, "payment_type": "fixed", "hold_date_expire": common["hold"],
        "fraud_risk_level": "not_analyzed", "decline_reason": "", "fraud_type": [],
    }


def render_conversion_by_id(view: ConversionView) -> dict[str, Any]:
    """Render a conversion as GET /3.0/stats/conversionsbyid shows it (status as its code)."""
    c, common, manager = view.conversion, _shared(view), view.manager
    return {
        "id": c.id, "action_id": c.id, "status": view.status, "conversion_id": c.id,
        "cbid": c.id, "currency": c.currency,
        "offer": common["offer"], "offer_id": c.offer_id, "goal": c.goal,
        "hold_date_expire": common["hold"], "ip": "", "country": c.country,
        "country_name": "", "district": None, "city": "", "city_id": 0, "isp_code": "",
        "ua": "", "browser": "", "os": "", "device": "", "device_type": "",
        **{f"sub{n}": None for n in range(1, 9)},
        **{f"custom_field_{n}": None for n in range(1, 8)},
        "comment": None,
        "created_at": common["created_at"], "click_time": common["created_at"],
        "updated_at": common["updated_at"], "referrer": None, "landing_id": None,
        "prelanding_id": None,
        "currency_id": None if view.currency_id is None else str(view.currency_id),
        "price": None, "clickid": c.id,
        "partner": {
            **common["partner"],
            # An object (or null) as in Affise's recorded answers; the Go SDK reads a struct.
            "manager": None if manager is None else {
                "id": manager.id, "title": f"{manager.first_name} {manager.last_name}".strip(),
                "first_name": manager.first_name, "last_name": manager.last_name},
        },
        "supplier_id": common["advertiser_id"], "partner_id": c.affiliate_id,
        "goal_value": c.goal, "sum": 0, "revenue": 0, "payouts": number(c.payouts),
        "earnings": 0, "advertiser": common["advertiser"], "payment_type": "fixed",
        "payment_status": common["payment_status"], "is_paid": common["is_paid"],
        "charge": 0, "earning": 0, "click_id": c.id, "fraud_risk_level": "not_analyzed",
        "decline_reason": "", "fraud_type": [],
        "createdAt": common["created_at"], "updatedAt": common["updated_at"],
    }


@blueprint.get("/3.0/stats/conversions")
@endpoint(EVERY_ROLE, params=ConversionListParams)
def conversion_list(call: Call) -> dict[str, Any]:
    """List conversions with top-level filters, newest first."""
    p = call.load()
    query = ConversionQuery(
        statuses=[int(s) for s in p["status"]] if "status" in p else None,
        affiliate_ids=p.get("partner"), offer_ids=p.get("offer"),
        advertiser_ids=p.get("advertiser"), countries=p.get("country"),
        currency=p.get("currency") or None, payment_status=p.get("payment_status"),
        date_from=p.get("date_from"), date_to=p.get("date_to"),
        update_from_date=p.get("update_from_date"), update_from_hour=p.get("update_from_hour"),
        update_to_date=p.get("update_to_date"), update_to_hour=p.get("update_to_hour"),
        page=p["page"], limit=p["limit"],
    )
    page = conversions.find_conversions(call.session, call.tenant.id, call.now, query,
                                        call.audience)
    admin_api = call.audience.admin_api
    return {"status": 1, "conversions": [render_conversion(v, admin_api) for v in page.items],
            "pagination": render_pagination(page)}


@blueprint.get("/3.0/stats/conversionsbyid")
@endpoint(ADMIN, params=ConversionByIdParams)
def conversion_by_id(call: Call) -> dict[str, Any]:
    """Show one conversion by its id."""
    p = call.load()
    view = conversions.get_conversion(call.session, call.tenant.id, call.now, p["id"].strip())
    return {"status": 1, "conversion": render_conversion_by_id(view)}


@blueprint.post("/3.0/admin/conversion/edit")
@endpoint(ADMIN, write=True, params=ConversionEditParams)
def conversion_edit(call: Call) -> dict[str, Any]:
    """Change the status, payouts or currency of conversions."""
    p = call.load()
    edit = conversions.edit_conversions(
        call.session, call.tenant.id, call.now, p["ids"], status=p.get("status"),
        payouts=p.get("payouts"), currency=p.get("currency") or None, by_filter=p["all"])
    revenue = p.get("revenue")
    return {
        "status": 1,
        "data": {"ids": edit.ids, "status": edit.status, "currency": edit.currency,
                 "payouts": None if edit.payouts is None else number(edit.payouts),
                 "revenue": None if revenue is None else number(revenue)},
        "message": "Conversion changes will take a few minutes",
    }


@blueprint.get("/3.0/balance")
@endpoint(AFFILIATE)
def affiliate_balance(call: Call) -> dict[str, Any]:
    """Show the calling affiliate its own balance, hold and available money per currency."""
    call.load()
    sheet = balances.affiliate_balance(call.session, call.tenant.id, call.now,
                                       call.principal.affiliate_id)
    return {"status": 1, "balance": {
        "balance": {code: number(money.balance) for code, money in sheet.items()},
        "hold": {code: number(money.hold) for code, money in sheet.items()},
        "available": {code: number(money.available) for code, money in sheet.items()},
    }}
