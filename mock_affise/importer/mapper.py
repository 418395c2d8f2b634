"""Affise's answers, one object at a time, as rows of the fixture document (fixtures.schema).

Pure functions: each takes one object as Affise shows it and returns the row the fixture
schema reads, keyed by the schema's own field names. What Affise does not show is left out,
so the schema's default applies, and the summary names it (document.UNKNOWABLE). What the
fixture needs but an object lacks, or holds in a form that does not parse, raises (Unreadable,
or KeyError/TypeError on a shape further off): reading.py names the route and the object.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..billing.rules import DECLINE_REASONS, STATUS_CODES
from ..clock import format_timestamp
from ..numbers import NumberError, is_decimal, parse_int

MANAGER_ROLES = ("admin", "affiliate_manager")
ZERO_DATE = "0000-00-00"  # PHP's "no date": 0000-00-00 or 0000-00-00 00:00:00


class Unreadable(ValueError):
    """A value the fixture needs is missing from an object, or does not parse."""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any, name: str) -> int:
    """A required integer (an int, or ASCII digits: Affise sends ids both ways)."""
    if value is None or value == "":
        raise Unreadable(f"no {name!r}")
    try:
        return parse_int(value.strip() if isinstance(value, str) else value)
    except NumberError:
        raise Unreadable(f"{name!r} is {value!r}, not an integer") from None


def _moment(item: dict[str, Any], key: str, required: bool = False) -> str | None:
    """A timestamp as fixtures write it; Affise also shows ISO 8601 ("2021-05-15T04:07:42Z").

    Empty, or PHP's zero date, is none (refused where the fixture needs one).
    """
    value = item.get(key)
    text = "" if value is None else str(value).strip()
    if not text or text.startswith(ZERO_DATE):
        if required:
            raise Unreadable(f"no {key!r}")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Unreadable(f"{key!r} is {value!r}, not a timestamp") from None
    return format_timestamp(moment.replace(tzinfo=None, microsecond=0))


def _id(value: Any) -> int | None:
    """A positive integer id, or None (Affise shows "0", "" or a word for none)."""
    try:
        number = parse_int(value.strip() if isinstance(value, str) else value)
    except NumberError:
        return None
    return number if number > 0 else None


def _amount(item: dict[str, Any], key: str) -> str | None:
    """An amount as the fixture takes it: a decimal string (never a float's rounding).

    The client decodes JSON decimals as Decimal, so every digit Affise sent is kept.
    """
    value = item.get(key)
    if value is None or value == "":
        return None
    text = format(value, "f") if isinstance(value, Decimal) else \
        str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) \
        else ""
    if not is_decimal(text):
        raise Unreadable(f"{key!r} is {value!r}, not an amount")
    return text


def currency_row(quote: dict[str, Any]) -> dict[str, Any]:
    """A row of `currencies` from GET /3.0/admin/currency?extended=1's quotes[]."""
    return {"id": _int(quote.get("_id"), "_id"), "code": str(quote["code"]),
            "rate": _amount(quote, "rate") or "1",
            "min_payment": _amount(quote, "min_payment") or "0",
            "active": bool(quote.get("active", True)), "default": bool(quote.get("default")),
            "is_crypto": quote.get("is_crypto")}


def payment_system_row(system: dict[str, Any]) -> dict[str, Any]:
    """A row of `payment_systems` from GET /3.0/admin/payment_systems (no threshold shown)."""
    return {"id": _int(system.get("id"), "id"),
            "title": _text(system.get("lang_label", system.get("title"))),
            "currency": system.get("currency") or None, "threshold": None,
            "fields": [{"id": _int(f.get("id"), "fields[].id"),
                        "label": _text(f.get("lang_label", f.get("label"))),
                        "required": bool(f.get("required"))}
                       for f in system.get("fields") or []]}


def manager_row(manager: dict[str, Any]) -> dict[str, Any]:
    """A row of `managers` from a partner's `manager` object (its key is never shown)."""
    role = manager.get("type")
    return {"id": str(manager["id"]), "first_name": _text(manager.get("first_name")),
            "last_name": _text(manager.get("last_name")), "email": _text(manager.get("email")),
            "role": role if role in MANAGER_ROLES else "affiliate_manager", "api_key": None}


def affiliate_row(partner: dict[str, Any]) -> dict[str, Any]:
    """A row of `affiliates` from a partner object (list, or GET /3.0/admin/partner/{id})."""
    manager = partner.get("manager") or None
    return {
        "id": _int(partner.get("id"), "id"), "name": partner.get("name"),
        "email": _text(partner.get("email")),
        "login": partner.get("login"), "status": partner.get("status") or "active",
        "manager_id": str(manager["id"]) if isinstance(manager, dict) and manager.get("id")
        else None,
        "api_key": partner.get("api_key") or None,
        "ref": _id(partner.get("ref")),
        "ref_percent": _amount(partner, "ref_percent"),
        "notes": _text(partner.get("notes")),
        "country": partner.get("country") or None,
        "contact_person": partner.get("contactPerson"),
        "created_at": _moment(partner, "created_at"),
        "updated_at": _moment(partner, "updated_at"),
        # As shown: Affise's own examples give neither system_id nor currency, only the
        # system's title, and may key fields by name; document.py resolves them.
        "payment_systems": [
            {"id": _id(binding.get("id")), "system_id": _id(binding.get("system_id")),
             "system": binding.get("system"), "currency": binding.get("currency") or None,
             "active": 0 if str(binding.get("active", 1)) in ("0", "False", "false") else 1,
             "fields": {str(k): _text(v) for k, v in (binding.get("fields") or {}).items()}}
            for binding in partner.get("payment_systems") or []],
    }


def conversion_row(conversion: dict[str, Any]) -> dict[str, Any]:
    """A row of `conversions` from /3.0/stats/conversions (status a word) or conversionsbyid
    (status a code, the partner's id as partner_id)."""
    status = conversion.get("status")
    code = STATUS_CODES[status] if status in STATUS_CODES else _int(status, "status")
    partner = conversion.get("partner") or {}
    affiliate_id = partner.get("id") if isinstance(partner, dict) and partner.get("id") \
        else conversion.get("partner_id")
    clickid = conversion.get("clickid")
    reason = _text(conversion.get("decline_reason"))
    return {
        "id": str(conversion["id"]), "affiliate_id": _int(affiliate_id, "partner.id"),
        "offer_id": _offer_id(conversion),
        "status": code, "payouts": _amount(conversion, "payouts") or "0",
        "currency": _text(conversion.get("currency")), "country": _text(conversion.get("country")),
        "goal": _text(conversion.get("goal")) or "1",
        "created_at": _moment(conversion, "created_at", required=True),
        "updated_at": _moment(conversion, "updated_at"),
        "hold_until": _moment(conversion, "hold_date_expire"),
        # The mock shows a conversion's own id when it has no click id: keep that absent.
        "clickid": None if clickid in (None, "", conversion["id"]) else str(clickid),
        "revenue": _amount(conversion, "revenue") or "0",
        "sum": _amount(conversion, "sum") or "0",
        "comment": _text(conversion.get("comment")),
        "decline_reason": reason if reason in DECLINE_REASONS else "",
    }


def _offer_id(conversion: dict[str, Any]) -> int:
    offer = conversion.get("offer") or {}
    return _int(conversion.get("offer_id") or offer.get("id"), "offer.id")


def offer_row(conversion: dict[str, Any]) -> dict[str, Any]:
    """A row of `offers` from what a conversion shows of its offer and advertiser."""
    offer = conversion.get("offer") or {}
    advertiser = conversion.get("advertiser") or {}
    advertiser_id = advertiser.get("id") if isinstance(advertiser, dict) else None
    return {"id": _offer_id(conversion), "title": _text(offer.get("title")),
            "advertiser_id": advertiser_id or conversion.get("advertiser_id")
            or conversion.get("supplier_id") or None}


def payment_row(payment: dict[str, Any]) -> dict[str, Any]:
    """A row of `payments` from /3.1/payments (list, or by id)."""
    return {
        "id": _int(payment.get("id"), "id"), "pid": _int(payment.get("pid"), "pid"),
        "currency": _text(payment.get("currency_code")),
        "status": _int(payment.get("status"), "status"),
        "posted_date": _moment(payment, "posted_date", required=True),
        "updated_at": _moment(payment, "updated_at"),
        "pay_sys": _id(payment.get("pay_sys")),
        "pay_sys_name": payment.get("pay_sys_name"), "pay_acc": _text(payment.get("pay_acc")),
        "comment": _text(payment.get("comment")), "notes": _text(payment.get("notes")),
        "manager_id": payment.get("manager_id") or None,
        "cpa_actions": [str(c) for c in payment.get("cpa_actions") or []],
        "ref_ids": [_int(r, "ref_ids[]") for r in payment.get("ref_ids") or []],
        "ref_revenue": _amount(payment, "ref_revenue"),
    }


def correction_rows(payment: dict[str, Any]) -> list[dict[str, Any]]:
    """The `corrections` of an invoice, from its additional_payments ([] or keyed by id)."""
    extra = payment.get("additional_payments") or {}
    if not isinstance(extra, dict):
        return []
    rows = []
    for key, item in extra.items():
        where = f"additional_payments.{key}"
        revenue = _amount(item, "revenue")
        if revenue is None:
            raise Unreadable(f"{where} has no 'revenue'")
        rows.append({"id": _int(key, where), "payment_id": _int(payment.get("id"), "id"),
                     "revenue": revenue, "comment": _text(item.get("comment")),
                     "posted_date": _moment(item, "posted_date")})
    return sorted(rows, key=lambda row: row["id"])


def detail_offers(payment: dict[str, Any]) -> dict[int, str]:
    """The offers an invoice's details name: {offer id: title}."""
    details = (payment.get("details") or {}).get("details") or {}
    if not isinstance(details, dict):
        return {}
    return {offer_id: _text((value or {}).get("title")) for key, value in details.items()
            if (offer_id := _id(key)) is not None}


def advertiser_invoice_row(invoice: dict[str, Any]) -> dict[str, Any]:
    """A row of `advertiser_invoices` from GET /3.0/admin/advertiser-invoices' message[]."""
    return {
        "number": _int(invoice.get("number"), "number"),
        "supplier_id": str(invoice["supplier_id"]),
        "currency": _text(invoice.get("currency")), "status": invoice.get("status") or "unpaid",
        "start_date": invoice.get("start_date") or None,
        "end_date": invoice.get("end_date") or None,
        "comment": invoice.get("comment"),
        "created_at": _moment(invoice, "created_at"),
        "updated_at": _moment(invoice, "updated_at"),
        "detail": [{"offer_id": _int(row.get("offer_id"), "detail[].offer_id"),
                    "payout_type": row.get("payout_type"),
                    "actions": _int(row.get("actions") or 0, "detail[].actions"),
                    "amount": _int(row.get("amount") or 0, "detail[].amount"),
                    "comment": row.get("comment")}
                   for row in invoice.get("detail") or []],
    }
