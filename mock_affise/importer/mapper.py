"""Affise's answers, one object at a time, as rows of the fixture document (fixtures.schema).

Pure functions: each takes one object as Affise shows it and returns the row the fixture
schema reads, keyed by the schema's own field names. What Affise does not show is left out,
so the schema's default applies, and the summary names it (importer.summary).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..billing.rules import DECLINE_REASONS, STATUS_CODES
from ..clock import format_timestamp

MANAGER_ROLES = ("admin", "affiliate_manager")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _moment(value: Any) -> Any:
    """A timestamp as fixtures write it; Affise also shows ISO 8601 ("2021-05-15T04:07:42Z").

    A value that is no timestamp is passed on for validation to name.
    """
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return value
    return format_timestamp(moment.replace(tzinfo=None, microsecond=0))


def _id(value: Any) -> int | None:
    """A positive integer id, or None (Affise shows "0", "" or a word for none)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and int(text) > 0 else None


def _amount(value: Any) -> str | None:
    """An amount as the fixture takes it: a decimal string (never a float's rounding)."""
    return None if value is None or value == "" else str(value)


def currency_row(quote: dict[str, Any]) -> dict[str, Any]:
    """A row of `currencies` from GET /3.0/admin/currency?extended=1's quotes[]."""
    return {"id": int(quote["_id"]), "code": str(quote["code"]),
            "rate": _amount(quote.get("rate")) or "1",
            "min_payment": _amount(quote.get("min_payment")) or "0",
            "active": bool(quote.get("active", True)), "default": bool(quote.get("default")),
            "is_crypto": quote.get("is_crypto")}


def payment_system_row(system: dict[str, Any]) -> dict[str, Any]:
    """A row of `payment_systems` from GET /3.0/admin/payment_systems (no threshold shown)."""
    return {"id": int(system["id"]), "title": _text(system.get("lang_label", system.get("title"))),
            "currency": system.get("currency") or None, "threshold": None,
            "fields": [{"id": int(f["id"]), "label": _text(f.get("lang_label", f.get("label"))),
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
        "id": int(partner["id"]), "name": partner.get("name"), "email": _text(partner.get("email")),
        "login": partner.get("login"), "status": partner.get("status") or "active",
        "manager_id": str(manager["id"]) if isinstance(manager, dict) and manager.get("id")
        else None,
        "api_key": partner.get("api_key") or None,
        "ref": _id(partner.get("ref")),
        "ref_percent": _amount(partner.get("ref_percent")),
        "notes": _text(partner.get("notes")),
        "country": partner.get("country") or None,
        "contact_person": partner.get("contactPerson"),
        "created_at": _moment(partner.get("created_at")),
        "updated_at": _moment(partner.get("updated_at")),
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
    code = STATUS_CODES.get(status) if isinstance(status, str) and not status.isdigit() \
        else int(status)
    partner = conversion.get("partner") or {}
    affiliate_id = partner.get("id") if isinstance(partner, dict) and partner.get("id") \
        else conversion.get("partner_id")
    clickid = conversion.get("clickid")
    reason = _text(conversion.get("decline_reason"))
    return {
        "id": str(conversion["id"]), "affiliate_id": int(affiliate_id),
        "offer_id": int(conversion.get("offer_id") or (conversion.get("offer") or {})["id"]),
        "status": code, "payouts": _amount(conversion.get("payouts")) or "0",
        "currency": _text(conversion.get("currency")), "country": _text(conversion.get("country")),
        "goal": _text(conversion.get("goal")) or "1",
        "created_at": _moment(conversion["created_at"]),
        "updated_at": _moment(conversion.get("updated_at")),
        "hold_until": _moment(conversion.get("hold_date_expire")),
        # The mock shows a conversion's own id when it has no click id: keep that absent.
        "clickid": None if clickid in (None, "", conversion["id"]) else str(clickid),
        "revenue": _amount(conversion.get("revenue")) or "0",
        "sum": _amount(conversion.get("sum")) or "0",
        "comment": _text(conversion.get("comment")),
        "decline_reason": reason if reason in DECLINE_REASONS else "",
    }


def offer_row(conversion: dict[str, Any]) -> dict[str, Any]:
    """A row of `offers` from what a conversion shows of its offer and advertiser."""
    offer = conversion.get("offer") or {}
    advertiser = conversion.get("advertiser") or {}
    advertiser_id = advertiser.get("id") if isinstance(advertiser, dict) else None
    return {"id": int(conversion.get("offer_id") or offer["id"]),
            "title": _text(offer.get("title")),
            "advertiser_id": advertiser_id or conversion.get("advertiser_id")
            or conversion.get("supplier_id") or None}


def payment_row(payment: dict[str, Any]) -> dict[str, Any]:
    """A row of `payments` from /3.1/payments (list, or by id)."""
    return {
        "id": int(payment["id"]), "pid": int(payment["pid"]),
        "currency": _text(payment.get("currency_code")), "status": int(payment["status"]),
        "posted_date": _moment(payment["posted_date"]),
        "updated_at": _moment(payment.get("updated_at")),
        "pay_sys": _id(payment.get("pay_sys")),
        "pay_sys_name": payment.get("pay_sys_name"), "pay_acc": _text(payment.get("pay_acc")),
        "comment": _text(payment.get("comment")), "notes": _text(payment.get("notes")),
        "manager_id": payment.get("manager_id") or None,
        "cpa_actions": [str(c) for c in payment.get("cpa_actions") or []],
        "ref_ids": [int(r) for r in payment.get("ref_ids") or []],
        "ref_revenue": _amount(payment.get("ref_revenue")),
    }


def correction_rows(payment: dict[str, Any]) -> list[dict[str, Any]]:
    """The `corrections` of an invoice, from its additional_payments ([] or keyed by id)."""
    extra = payment.get("additional_payments") or {}
    if not isinstance(extra, dict):
        return []
    return [{"id": int(key), "payment_id": int(payment["id"]),
             "revenue": _amount(item.get("revenue")), "comment": _text(item.get("comment")),
             "posted_date": _moment(item.get("posted_date"))}
            for key, item in sorted(extra.items(), key=lambda pair: int(pair[0]))]


def detail_offers(payment: dict[str, Any]) -> dict[int, str]:
    """The offers an invoice's details name: {offer id: title}."""
    details = (payment.get("details") or {}).get("details") or {}
    if not isinstance(details, dict):
        return {}
    return {int(key): _text((value or {}).get("title")) for key, value in details.items()
            if str(key).isdigit()}


def advertiser_invoice_row(invoice: dict[str, Any]) -> dict[str, Any]:
    """A row of `advertiser_invoices` from GET /3.0/admin/advertiser-invoices' message[]."""
    return {
        "number": int(invoice["number"]), "supplier_id": str(invoice["supplier_id"]),
        "currency": _text(invoice.get("currency")), "status": invoice.get("status") or "unpaid",
        "start_date": invoice.get("start_date") or None,
        "end_date": invoice.get("end_date") or None,
        "comment": invoice.get("comment"),
        "created_at": _moment(invoice.get("created_at")),
        "updated_at": _moment(invoice.get("updated_at")),
        "detail": [{"offer_id": int(row["offer_id"]), "payout_type": row.get("payout_type"),
                    "actions": int(row.get("actions") or 0),
                    "amount": int(row.get("amount") or 0), "comment": row.get("comment")}
                   for row in invoice.get("detail") or []],
    }
