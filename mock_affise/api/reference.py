"""Affise's reference routes: GET /3.0/admin/currency and GET /3.0/admin/payment_systems."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..money import number
from ..network import reference
from .endpoint import MANAGERS, Call, endpoint
from .params import Flag, Params

blueprint = Blueprint("reference", __name__)


class CurrencyParams(Params):
    get_only_active = Flag(load_default=False)
    extended = Flag(load_default=False)


@blueprint.get("/3.0/admin/currency")
@endpoint(MANAGERS, params=CurrencyParams)
def currency_list(call: Call) -> dict[str, Any]:
    """List currencies: {CODE: rate} plain, or Affise's extended records with extended=1."""
    params = call.load()
    currencies = reference.list_currencies(call.session, call.tenant.id,
                                           params["get_only_active"])
    if not params["extended"]:
        return {"status": 1, "quotes": {c.code: number(c.rate) for c in currencies}}
    return {"status": 1, "quotes": [
        {"_id": c.id, "code": c.code, "active": c.active, "default": c.is_default,
         "rate": number(c.rate), "min_payment": number(c.min_payment), "is_crypto": c.is_crypto}
        for c in currencies
    ]}


@blueprint.get("/3.0/admin/payment_systems")
@endpoint(MANAGERS)
def payment_system_list(call: Call) -> dict[str, Any]:
    """List the network's payment systems with their account fields."""
    call.load()
    systems = reference.list_payment_systems(call.session, call.tenant.id)
    return {"status": 1, "payment_systems": [
        {"id": s.id, "lang_label": s.title,
         "fields": [{"id": f["id"], "lang_label": f["label"], "required": bool(f["required"])}
                    for f in s.fields],
         "currency": s.currency}
        for s in systems
    ]}
