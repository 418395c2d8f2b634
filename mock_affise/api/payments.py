"""The ten /3.1/payments operations: parse, call one billing service, render Affise's JSON.

Views and schemas take the name of Affise's operation (listPayments -> list_payments,
ListPaymentsParams); the services they call say invoice, as the billing domain does.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import ValidationError as MarshmallowError
from marshmallow import validates_schema

from ..billing import changes, generation, invoices
from ..billing import create_for_affiliate as creation
from ..billing.invoices import Invoice
from ..billing.rules import INVOICE_STATUSES
from ..clock import format_timestamp
from ..countries import to_alpha2
from ..money import eight
from .endpoint import ADMIN, Call, endpoint
from .params import Day, Flag, Int, ListOf, Money, Params, Text

blueprint = Blueprint("payments", __name__)

GENERATING = "Payment generates will take a few minutes"
RESULT_TRUE = {"status": 1, "result": True}


def render_payment(invoice: Invoice) -> dict[str, Any]:
    """Render an invoice exactly as Affise's `payment` schema and examples show it."""
    payment = invoice.payment
    details: dict[str, Any] = {}
    for cost in invoice.costs:
        offer = details.setdefault(str(cost.offer_id), {"title": cost.title, "cost": {}})
        offer["cost"][eight(cost.payout)] = {"count": cost.count, "currency": payment.currency_id}
    corrections: dict[str, Any] | list = {
        str(c.id): {"posted_date": format_timestamp(c.posted_date), "revenue": eight(c.revenue),
                    "currency": str(payment.currency_id), "comment": c.comment}
        for c in invoice.corrections
    } or []  # PHP's habit, as in Affise's example: [] when empty, an object otherwise
    return {
        "id": payment.id,
        "pid": payment.pid,
        "manager_id": payment.manager_id,
        "posted_date": format_timestamp(payment.posted_date),
        "pay_sys": payment.pay_sys,
        "pay_sys_name": payment.pay_sys_name,
        "pay_acc": payment.pay_acc,
        "status": str(payment.status),
        "revenue": eight(invoice.revenue),
        "ref_revenue": None if invoice.ref_revenue is None else eight(invoice.ref_revenue),
        "currency": str(payment.currency_id),
        "currency_code": invoice.currency_code,
        "comment": payment.comment,
        "notes": payment.notes,
        "cpa_actions": invoice.conversion_ids,
        "ref_ids": [str(referral_id) for referral_id in invoice.ref_ids],
        "details": {"details": details, "count": sum(c.count for c in invoice.costs)},
        "additional_payments": corrections,
        "updated_at": format_timestamp(payment.updated_at),
    }


def _fail(field: str, problem: str) -> MarshmallowError:
    return MarshmallowError(f"{field}: {problem}")


class ListPaymentsParams(Params):
    date_from = Day(required=True)
    date_to = Day(required=True)
    id = ListOf(Int(minimum=1))
    status = ListOf(Int(choices=INVOICE_STATUSES))
    aid = ListOf(Int(minimum=1))
    manager_id = ListOf(Text())
    payment_system = ListOf(Text())
    payment_account = ListOf(Text())
    update_from_date = Day()
    update_to_date = Day()
    update_from_hour = Int(minimum=0, maximum=23)
    update_to_hour = Int(minimum=0, maximum=23)
    page = Int(minimum=1, maximum=1_000_000_000, load_default=1)
    limit = Int(minimum=1, maximum=100, load_default=100)

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["date_from"] > data["date_to"]:
            raise _fail("date_from", "must not be after date_to")
        for side in ("from", "to"):
            if f"update_{side}_hour" in data and f"update_{side}_date" not in data:
                raise _fail(f"update_{side}_hour", f"needs update_{side}_date")


@blueprint.get("/3.1/payments")
@endpoint(ADMIN, params=ListPaymentsParams)
def list_payments(call: Call):
    args = call.load()
    where = invoices.InvoiceFilter(
        date_from=args["date_from"], date_to=args["date_to"],
        ids=args.get("id", []), statuses=args.get("status", []),
        affiliate_ids=args.get("aid", []), manager_ids=args.get("manager_id", []),
        payment_systems=args.get("payment_system", []),
        payment_accounts=args.get("payment_account", []),
        update_from_date=args.get("update_from_date"),
        update_from_hour=args.get("update_from_hour"),
        update_to_date=args.get("update_to_date"), update_to_hour=args.get("update_to_hour"))
    page, total = invoices.list_invoices(call.session, call.tenant.id, where, args["page"],
                                         args["limit"], call.now)
    return {"status": 1, "payments": [render_payment(i) for i in page],
            "pagination": {"page": args["page"], "limit": args["limit"], "total": total}}


@blueprint.get("/3.1/payments/<int:payment_id>")
@endpoint(ADMIN)
def get_payment(call: Call, payment_id: int):
    invoice = invoices.read_invoice(call.session, call.tenant.id, payment_id, call.now)
    return {"status": 1, "payment": render_payment(invoice)}


class UpdatePaymentParams(Params):
    payment_account = Text()
    status = Int(choices=INVOICE_STATUSES)
    comment = Text()
    note = Text()

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise _fail("payment_account, status, comment, note", "at least one is required")


@blueprint.post("/3.1/payments/<int:payment_id>")
@endpoint(ADMIN, write=True, params=UpdatePaymentParams)
def update_payment(call: Call, payment_id: int):
    args = call.load()
    changes.update_invoice(call.session, call.tenant, call.now, payment_id,
                           changes.InvoiceUpdate(**args))
    return RESULT_TRUE


class CreateForAffiliateParams(Params):
    aid = Int(required=True, minimum=1)
    sum = Money(required=True)
    currency = Int(required=True, minimum=1)
    note = Text(load_default="")

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["sum"] <= 0:
            raise _fail("sum", "must be greater than 0")


@blueprint.post("/3.1/payments/create-for-affiliate")
@endpoint(ADMIN, write=True, params=CreateForAffiliateParams)
def create_for_affiliate(call: Call):
    args = call.load()
    creation.create_invoice_for_affiliate(call.session, call.tenant, call.now,
                                          creation.CreateForAffiliate(**args),
                                          delay=call.generation_delay)
    return {"status": 1, "message": GENERATING}


class Countries(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return to_alpha2(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as exc:
            raise MarshmallowError(str(exc)) from exc


class GeneratePaymentsParams(Params):
    date = Day()
    date_from = Day()
    date_to = Day()
    aid = Int(minimum=1)
    note = Text(load_default="")
    exclude_aids = ListOf(Int(minimum=1))
    include_aids = ListOf(Int(minimum=1))
    by_last_unpaid_conversion = Flag(load_default=False)
    by_last_invoice = Flag(load_default=False)
    offer_ids = ListOf(Int(minimum=1))
    advertiser_ids = ListOf(Text())
    currencies = ListOf(Text())
    countries = ListOf(Countries())

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "date" in data and "date_to" in data and data["date"] != data["date_to"]:
            raise _fail("date_to", "differs from date; give one end date (date or date_to)")


@blueprint.post("/3.1/payments/generate")
@endpoint(ADMIN, write=True, params=GeneratePaymentsParams)
def generate_payments(call: Call):
    args = call.load()
    generation.generate_invoices(call.session, call.tenant, call.now,
                                 generation.GenerateInvoices(**args), delay=call.generation_delay)
    return {"status": 1, "message": GENERATING}


class AddCorrectionParams(Params):
    revenue = Money(required=True)
    comment = Text(required=True)

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data["comment"].strip():
            raise _fail("comment", "is required")


@blueprint.post("/3.1/payments/<int:payment_id>/add-correction")
@endpoint(ADMIN, write=True, params=AddCorrectionParams)
def add_correction(call: Call, payment_id: int):
    args = call.load()
    changes.add_correction(call.session, call.tenant, call.now, payment_id, args["revenue"],
                           args["comment"])
    return RESULT_TRUE


@blueprint.delete("/3.1/payments/del-correction/<int:correction_id>")
@endpoint(ADMIN, write=True)
def delete_correction(call: Call, correction_id: int):
    changes.delete_correction(call.session, call.tenant, call.now, correction_id)
    return RESULT_TRUE


@blueprint.delete("/3.1/payments/delete/<int:payment_id>")
@endpoint(ADMIN, write=True)
def delete_payment(call: Call, payment_id: int):
    changes.delete_invoice(call.session, call.tenant, call.now, payment_id)
    return RESULT_TRUE


class BulkDeletePaymentsParams(Params):
    ids = ListOf(Int(minimum=1), required=True)

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data["ids"]:
            raise _fail("ids", "is required")


@blueprint.post("/3.1/payments/bulk-delete")
@endpoint(ADMIN, write=True, params=BulkDeletePaymentsParams)
def bulk_delete_payments(call: Call):
    args = call.load()
    result = changes.bulk_delete_invoices(call.session, call.tenant, call.now, args["ids"])
    return {"status": 1, "result": {str(k): v for k, v in result.items()}}


class RemoveConversionsParams(Params):
    conversion_ids = ListOf(Text())
    offer_ids = ListOf(Int(minimum=1))

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("conversion_ids") and not data.get("offer_ids"):
            raise _fail("conversion_ids, offer_ids", "at least one is required")


@blueprint.post("/3.1/payments/<int:invoice_id>/conversions/delete")
@endpoint(ADMIN, write=True, params=RemoveConversionsParams)
def remove_conversions(call: Call, invoice_id: int):
    args = call.load()
    changes.remove_conversions(call.session, call.tenant, call.now, invoice_id,
                               args.get("conversion_ids", []), args.get("offer_ids", []))
    return {"status": 1, "message": "Conversions successfully deleted from payment"}
