"""The advertiser-invoice operations: what each route answers (requests come from requests.py)."""

from __future__ import annotations

from ..network.advertisers import INVOICE_STATUSES, PAYOUT_TYPES
from .blocks import (
    AFFISE_ERRORS,
    DAY,
    HEX24,
    STRING,
    WITH_ID,
    Schema,
    array,
    integer,
    link,
    nullable,
    obj,
    ok_response,
    operation,
    schema,
    success,
    text,
)
from .requests import Request

TAG = "advertiser invoices"
NOTES = {
    "supplier_id": "An advertiser's id",
    "currency": "An active currency code",
    "start_date": "Without it: end_date's day, else today",
    "end_date": "Without it: start_date's day, else today",
    "detail": "On edit, replaces every row",
}
REQUESTS = {
    "listAdvertiserInvoices": Request(notes={
        "start_date": "Invoices starting on or after this day",
        "end_date": "Invoices ending on or before this day",
        "supplier_id": "An advertiser's id"}),
    "createAdvertiserInvoice": Request(notes=NOTES),
    "editAdvertiserInvoice": Request(notes=NOTES),
}
# The path ids: (what the id names, ids a document may have).
PATH_IDS = {"number": ("advertiser invoice", [1, 2])}


def advertiser_invoice() -> Schema:
    """Affise's advertiser invoice object; comments are null when unset, as its examples show."""
    return obj({
        "number": integer(minimum=1), "supplier_id": HEX24, "created_at": DAY,
        "updated_at": DAY, "start_date": DAY, "end_date": DAY,
        "status": text(enum=list(INVOICE_STATUSES)),
        "detail": array(obj({
            "offer_id": integer(minimum=1), "payout_type": text(enum=list(PAYOUT_TYPES)),
            "actions": integer(minimum=0), "amount": integer(minimum=0),
            "comment": nullable(STRING)})),
        "currency": STRING, "comment": nullable(STRING)})


def advertiser_invoice_paths() -> dict[str, Schema]:
    """The /3.0/admin/advertiser-invoice* operations, their request side left to requests.py."""
    first = {"path.number": "$response.body#/message/0/number"}
    listed = ok_response(success(
        message=array(schema("AdvertiserInvoice"), description="The list, under message as "
                                                                "Affise documents it"),
        pagination=schema("PartnerPagination")), links={
            "GetAdvertiserInvoice": link("getAdvertiserInvoice", first),
            "EditAdvertiserInvoice": link("editAdvertiserInvoice", first)})
    return {
        "/3.0/admin/advertiser-invoices": {"get": operation(
            "listAdvertiserInvoices", "List advertiser invoices (highest number first)",
            tag=TAG, ok=listed, errors=AFFISE_ERRORS)},
        "/3.0/admin/advertiser-invoice": {"post": operation(
            "createAdvertiserInvoice", "Add an advertiser invoice", tag=TAG,
            errors=AFFISE_ERRORS, ok=ok_response(success(message={"const": "Invoice created."})))},
        "/3.0/admin/advertiser-invoice/{number}": {
            "get": operation("getAdvertiserInvoice", "Show one advertiser invoice", tag=TAG,
                             errors=WITH_ID, ok=ok_response(success(
                                 message=schema("AdvertiserInvoice")))),
            "post": operation("editAdvertiserInvoice", "Edit an unpaid advertiser invoice",
                              tag=TAG, errors=WITH_ID,
                              description="A paid invoice is final: 400 `You can edit only "
                                          "unpaid invoices`.",
                              ok=ok_response(success(message={"const": "Invoice updated"}))),
        },
    }
