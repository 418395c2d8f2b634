"""Affise's conversion routes (/3.0/stats/conversions*, /3.0/admin/conversion/edit) and the
affiliate's own GET /3.0/balance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..billing.rules import STATUS_WORDS, payment_state
from ..clock import format_timestamp
from ..money import number
from ..network import balances, conversions
from ..network.conversion_filters import FRAUD_RISK_LEVEL
from ..network.conversions import ConversionChanges, ConversionView
from .conversion_params import (
    ConversionByIdParams,
    ConversionEditParams,
    ConversionListParams,
    custom_fields,
    edit_filter,
    filter_query,
)
from .endpoint import ADMIN, AFFILIATE, EVERY_ROLE, Call, endpoint
from .partners import render_pagination

blueprint = Blueprint("stats", __name__)

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

    The mock keeps no clicks: action_id is the conversion's id, clickid it too unless the
    fixture names one, click_time its created_at; device and sub fields are empty; earnings 0.
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
        **{f"custom_field_{n}": getattr(c, f"custom_field_{n}") for n in range(1, 8)},
        "ua": "", "comment": c.comment,
        "created_at": common["created_at"], "updated_at": common["updated_at"],
        "click_time": common["created_at"], "referrer": "",
        "payouts": number(c.payouts), "clickid": c.clickid or c.id,
        "partner": common["partner"],
        "goal_value": c.goal, "sum": number(c.sum), "revenue": number(c.revenue), "earnings": 0,
        "advertiser": common["advertiser"],
        "payment_status": common["payment_status"], "is_paid": common["is_paid"],
        "forensiq": None, "payment_type": "fixed", "hold_date_expire": common["hold"],
        "fraud_risk_level": FRAUD_RISK_LEVEL, "decline_reason": c.decline_reason,
        "fraud_type": [],
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
        **{f"custom_field_{n}": getattr(c, f"custom_field_{n}") or None for n in range(1, 8)},
        "comment": c.comment or None,
        "created_at": common["created_at"], "click_time": common["created_at"],
        "updated_at": common["updated_at"], "referrer": None, "landing_id": None,
        "prelanding_id": None,
        "currency_id": None if view.currency_id is None else str(view.currency_id),
        "price": None, "clickid": c.clickid or c.id,
        "partner": {
            **common["partner"],
            # An object (or null) as in Affise's recorded answers; the Go SDK reads a struct.
            "manager": None if manager is None else {
                "id": manager.id, "title": f"{manager.first_name} {manager.last_name}".strip(),
                "first_name": manager.first_name, "last_name": manager.last_name},
        },
        "supplier_id": common["advertiser_id"], "partner_id": c.affiliate_id,
        "goal_value": c.goal, "sum": number(c.sum), "revenue": number(c.revenue),
        "payouts": number(c.payouts),
        "earnings": 0, "advertiser": common["advertiser"], "payment_type": "fixed",
        "payment_status": common["payment_status"], "is_paid": common["is_paid"],
        "charge": 0, "earning": 0, "click_id": c.clickid or c.id,
        "fraud_risk_level": FRAUD_RISK_LEVEL, "decline_reason": c.decline_reason,
        "fraud_type": [],
        "createdAt": common["created_at"], "updatedAt": common["updated_at"],
    }


@blueprint.get("/3.0/stats/conversions")
@endpoint(EVERY_ROLE, params=ConversionListParams)
def conversion_list(call: Call) -> dict[str, Any]:
    """List conversions with top-level filters, newest first."""
    p = call.load()
    query = filter_query(p, page=p["page"], limit=p["limit"])
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
    """Change conversions: by ids, or with all=1 those params[...] selects."""
    p = call.load()
    changes = ConversionChanges(
        status=p.get("status"), payouts=p.get("payouts"), revenue=p.get("revenue"),
        sum=p.get("sum"), currency=p.get("currency") or None, comment=p.get("comment"),
        custom_fields=custom_fields(p, range(1, 16)))
    by_filter = edit_filter(p.get("params")) if p["all"] else None
    edit = conversions.edit_conversions(call.session, call.tenant.id, call.now, p["ids"],
                                        changes, by_filter)
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
