"""Affise's advertiser billing: list, read, create and edit invoices (/3.0/admin/advertiser-invoice*)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import ValidationError as MarshmallowError
from marshmallow import fields, post_load

from ..models import AdvertiserInvoice
from ..network import advertisers
from ..network.advertisers import INVOICE_STATUSES, PAYOUT_TYPES, DetailRow, InvoiceQuery
from ..numbers import is_index
from .endpoint import ADMIN, Call, endpoint
from .params import Choice, Day, Int, Params, Scalar, Text
from .partners import render_pagination

blueprint = Blueprint("advertiser_invoices", __name__)

_DETAIL_READERS: dict[str, Scalar] = {
    "offer_id": Int(minimum=1), "payout_type": Choice(list(PAYOUT_TYPES)),
    "actions": Int(minimum=0), "amount": Int(minimum=0), "comment": Text(),
}


class DetailRows(fields.Field):
    """detail[n][...] in any array encoding: a list of (key, item) pairs."""

    default_error_messages = {"required": "is required", "null": "is required"}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> list[tuple[str, Any]]:
        if isinstance(value, dict) and all(is_index(k, signed=False) for k in value):
            return [(str(k), value[k]) for k in sorted(value, key=int)]
        if isinstance(value, list):
            return [(str(i), item) for i, item in enumerate(value)]
        raise MarshmallowError("must be an array of rows with offer_id, payout_type, actions, "
                               "amount and comment")


def _detail_row(key: str, item: Any) -> DetailRow:
    """Read one detail[key] entry; raise a message naming the sub-field."""
    path = f"detail[{key}]"
    if not isinstance(item, dict):
        raise MarshmallowError(f"{path}: must be an object with offer_id, payout_type, actions, "
                               "amount and comment")
    values: dict[str, Any] = {}
    for name, reader in _DETAIL_READERS.items():
        raw = item.get(name)
        if raw is None or (raw == "" and name != "comment"):
            continue
        try:
            values[name] = reader.deserialize(raw, name, item)
        except MarshmallowError as exc:
            raise MarshmallowError(f"{path}[{name}]: {exc.messages[0]}") from exc
    for name in ("offer_id", "payout_type"):
        if name not in values:
            raise MarshmallowError(f"{path}[{name}]: is required")
    return DetailRow(**values)


class InvoiceFields(Params):
    """What POST /3.0/admin/advertiser-invoice/{number} takes (none required)."""

    supplier_id = Text()
    currency = Text()
    start_date = Day()
    end_date = Day()
    status = Choice(list(INVOICE_STATUSES))
    comment = Text()
    detail = DetailRows()

    @post_load
    def _read_detail(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "detail" in data:
            data["detail"] = [_detail_row(k, v) for k, v in data["detail"]]
        for name in ("supplier_id", "currency"):
            if name in data:
                data[name] = data[name].strip()
                if not data[name]:
                    raise MarshmallowError(f"{name}: must not be empty")
        return data


class NewInvoiceParams(InvoiceFields):
    supplier_id = Text(required=True)
    currency = Text(required=True)


class InvoiceListParams(Params):
    page = Int(minimum=1, maximum=1_000_000_000, load_default=1)  # offset fits 64 bits
    limit = Int(minimum=1, maximum=500, load_default=100)
    status = Choice(list(INVOICE_STATUSES))
    start_date = Day()
    end_date = Day()
    supplier_id = Text()
    sort = Choice(list(advertisers.SORTS), load_default="number")
    sort_type = Choice(["asc", "desc"], load_default="desc")


def render_invoice(invoice: AdvertiserInvoice) -> dict[str, Any]:
    """Render an advertiser invoice as Affise's invoice object (every date YYYY-MM-DD)."""
    return {
        "number": invoice.number,
        "supplier_id": invoice.supplier_id,
        "created_at": invoice.created_at.date().isoformat(),
        "updated_at": invoice.updated_at.date().isoformat(),
        "start_date": invoice.start_date.isoformat() if invoice.start_date else None,
        "end_date": invoice.end_date.isoformat() if invoice.end_date else None,
        "status": invoice.status,
        "detail": [dict(row) for row in invoice.detail],
        "currency": invoice.currency,
        "comment": invoice.comment,
    }


@blueprint.get("/3.0/admin/advertiser-invoices")
@endpoint(ADMIN, params=InvoiceListParams)
def invoice_list(call: Call) -> dict[str, Any]:
    """List advertiser invoices with filters, sort and pagination."""
    params = call.load()
    query = InvoiceQuery(
        status=params.get("status"), starting_from=params.get("start_date"),
        ending_by=params.get("end_date"), supplier_id=params.get("supplier_id"),
        sort=params["sort"], sort_type=params["sort_type"], page=params["page"],
        limit=params["limit"])
    page = advertisers.find_invoices(call.session, call.tenant.id, query)
    # The list sits under "message", as Affise documents it.
    return {"status": 1, "message": [render_invoice(i) for i in page.items],
            "pagination": render_pagination(page)}


@blueprint.get("/3.0/admin/advertiser-invoice/<int:number>")
@endpoint(ADMIN)
def invoice_get(call: Call, number: int) -> dict[str, Any]:
    """Show one advertiser invoice."""
    call.load()
    return {"status": 1,
            "message": render_invoice(advertisers.get_invoice(call.session, call.tenant.id,
                                                              number))}


@blueprint.post("/3.0/admin/advertiser-invoice")
@endpoint(ADMIN, write=True, params=NewInvoiceParams)
def invoice_create(call: Call) -> dict[str, Any]:
    """Add an advertiser invoice."""
    advertisers.create_invoice(call.session, call.tenant.id, call.now, call.load())
    return {"status": 1, "message": "Invoice created."}


@blueprint.post("/3.0/admin/advertiser-invoice/<int:number>")
@endpoint(ADMIN, write=True, params=InvoiceFields)
def invoice_edit(call: Call, number: int) -> dict[str, Any]:
    """Edit an unpaid advertiser invoice."""
    advertisers.edit_invoice(call.session, call.tenant.id, call.now, number, call.load())
    return {"status": 1, "message": "Invoice updated"}
