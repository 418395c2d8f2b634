"""The Affise operations: what each route answers (its request side comes from requests.py)."""

from __future__ import annotations

from .blocks import (
    AFFISE_ERRORS,
    BOOLEAN,
    HEX24,
    NUMBER,
    STRING,
    WITH_ID,
    Schema,
    array,
    integer,
    link,
    map_of,
    nullable,
    obj,
    ok_response,
    operation,
    schema,
    success,
    text,
)
from .components import CONVERSION_WORDS
from .requests import Request

# The path ids: (what the id names, ids the default fixture has).
PATH_IDS = {
    "payment_id": ("invoice", [2925, 2924, 2921]),
    "invoice_id": ("invoice", [2925, 2924]),
    "correction_id": ("correction", [10, 9]),
    "partner_id": ("affiliate", [2, 3, 6]),
}

PARTNER_NOTES = {
    "email": {"examples": ["new@example.com"]},
    "country": {"examples": ["US"], "description": "ISO 3166-1 alpha-2"},
    "ref_percent": "0 to 100.",
    "manager_id": "A manager's id; empty unassigns",
    "ref": "The referring affiliate; 0 clears it",
}
# What the request schemas cannot say themselves: prose, examples, "at least one of" rules.
REQUESTS = {
    "listPayments": Request(notes={
        "date_from": "posted_date from this day", "date_to": "posted_date to this day",
        "aid": "Affiliate ids.", "payment_system": "A system id or title.",
        "status": "1 waiting, 2 completed, 3 paid partly, 4 pending, -1 declined.",
        "update_from_hour": "Needs update_from_date",
        "update_to_hour": "Needs update_to_date"}),
    "updatePayment": Request(
        notes={"status": "1 waiting, 2 completed, 3 paid partly, 4 pending, -1 declined"},
        body={"minProperties": 1,
              "description": "At least one of payment_account, status, comment, note"},
        body_required=True),
    "createForAffiliate": Request(notes={
        "sum": "Greater than 0.", "currency": "A currency id (not a code)"}),
    "generatePayments": Request(notes={
        "currencies": {"examples": [["USD"]]},
        "countries": {"description": "ISO 3166-1 alpha-2 or alpha-3, any case",
                      "examples": [["US", "deu"]]}}),
    "addCorrection": Request(notes={"revenue": "Signed; not 0."}),
    "removeConversions": Request(
        body={"description": "At least one of conversion_ids, offer_ids"},
        body_required=True),
    "createPartner": Request(notes=PARTNER_NOTES),
    "editPartner": Request(notes=PARTNER_NOTES),
    "listPartners": Request(notes={
        "updated_at": "Updated on or after this day", "search": "In email, login and name"}),
    "listConversions": Request(notes={
        "status": "1 confirmed, 2 pending, 3 declined, 5 hold.",
        "currency": "A currency id or code"}),
}

# ----------------------------------------------------------------------------- Affise paths


def payments_paths() -> dict[str, Schema]:
    """The /3.1/payments operations, their request side left to requests.py."""
    by_id = {"path.payment_id": "$response.body#/payment/id"}
    first = {"path.payment_id": "$response.body#/payments/0/id"}
    listed = ok_response(success(
        payments=array(schema("Payment")),
        pagination=obj({"page": integer(), "limit": integer(), "total": integer()})),
        links={
            "GetPayment": link("getPayment", first),
            "UpdatePayment": link("updatePayment", first),
            "AddCorrection": link("addCorrection", first),
            "RemoveConversions": link("removeConversions",
                                      {"path.invoice_id": "$response.body#/payments/0/id"}),
            "DeletePayment": link("deletePayment", first),
        })
    generating = ok_response(success(message={"const": "Payment generates will take a few "
                                                        "minutes"}),
                             links={"ListPayments": link("listPayments", {
                                 "query.date_from": "2000-01-01",
                                 "query.date_to": "2099-12-31"})})
    result = ok_response(schema("Result"))
    tag = "payments"
    return {
        "/3.1/payments": {"get": operation(
            "listPayments", "List invoices (newest first)", tag=tag, ok=listed,
            errors=AFFISE_ERRORS)},
        "/3.1/payments/{payment_id}": {
            "get": operation("getPayment", "Show one invoice", tag=tag, errors=WITH_ID,
                             ok=ok_response(
                                 success(payment=schema("Payment")), links={
                                     "UpdatePayment": link("updatePayment", by_id),
                                     "AddCorrection": link("addCorrection", by_id),
                                     "DeletePayment": link("deletePayment", by_id)})),
            "post": operation("updatePayment", "Change an invoice's account, status, comment "
                              "or note", tag=tag, ok=result, errors=WITH_ID,
                              description="A completed invoice (status 2) is final: 400 "
                                          "`Payment has status finished`."),
        },
        "/3.1/payments/create-for-affiliate": {"post": operation(
            "createForAffiliate", "Bill an affiliate for at least a sum (by sum)", tag=tag,
            ok=generating, errors=AFFISE_ERRORS)},
        "/3.1/payments/generate": {"post": operation(
            "generatePayments", "Bill payable conversions up to a date (by date)", tag=tag,
            ok=generating, errors=AFFISE_ERRORS)},
        "/3.1/payments/{payment_id}/add-correction": {"post": operation(
            "addCorrection", "Add a correction (additional payment) to an invoice", tag=tag,
            ok=result, errors=WITH_ID)},
        "/3.1/payments/del-correction/{correction_id}": {"delete": operation(
            "deleteCorrection", "Delete a correction", tag=tag, ok=result, errors=WITH_ID)},
        "/3.1/payments/delete/{payment_id}": {"delete": operation(
            "deletePayment", "Delete an invoice; its conversions become unbilled", tag=tag,
            ok=result, errors=WITH_ID)},
        "/3.1/payments/bulk-delete": {"post": operation(
            "bulkDeletePayments", "Delete several invoices", tag=tag, errors=AFFISE_ERRORS,
            ok=ok_response(success(result=map_of(BOOLEAN, propertyNames=text(
                pattern=r"^\d+$"))), "true per deleted invoice, false for an unknown or "
                                     "completed one"))},
        "/3.1/payments/{invoice_id}/conversions/delete": {"post": operation(
            "removeConversions", "Take conversions out of an invoice", tag=tag,
            errors=WITH_ID, ok=ok_response(success(message={
                "const": "Conversions successfully deleted from payment"})))},
    }


def network_paths() -> dict[str, Schema]:
    """The /3.0 operations (reference, partners, conversions, balance)."""
    to_partner = {"path.partner_id": "$response.body#/partner/id"}
    partner = ok_response(success(partner=schema("Partner"), id=integer()), links={
        "GetPartner": link("getPartner", to_partner),
        "EditPartner": link("editPartner", to_partner)})
    first_partner = {"path.partner_id": "$response.body#/partners/0/id"}
    return {
        "/3.0/admin/currency": {"get": operation(
            "listCurrencies", "List currencies", tag="reference", errors=AFFISE_ERRORS,
            ok=ok_response(success(quotes={"oneOf": [
                map_of(NUMBER, description="Plain: code to rate"),
                array(obj({"_id": integer(), "code": STRING, "active": BOOLEAN,
                           "default": BOOLEAN, "rate": NUMBER, "min_payment": NUMBER,
                           "is_crypto": nullable(BOOLEAN)}),
                      description="extended=1: Affise's currency records"),
            ]})))},
        "/3.0/admin/payment_systems": {"get": operation(
            "listPaymentSystems", "List the network's payment systems", tag="reference",
            errors=AFFISE_ERRORS, ok=ok_response(success(payment_systems=array(obj({
                "id": integer(), "lang_label": STRING, "currency": nullable(STRING),
                "fields": array(obj({"id": integer(), "lang_label": STRING,
                                     "required": BOOLEAN}))})))))},
        "/3.0/admin/partners": {"get": operation(
            "listPartners", "List partners (affiliates)", tag="partners", errors=AFFISE_ERRORS,
            ok=ok_response(success(partners=array(schema("Partner")),
                                   pagination=schema("PartnerPagination")), links={
                "GetPartner": link("getPartner", first_partner),
                "EditPartner": link("editPartner", first_partner)}))},
        "/3.0/admin/partner": {"post": operation(
            "createPartner", "Add a partner", tag="partners", ok=partner,
            errors=AFFISE_ERRORS)},
        "/3.0/admin/partner/{partner_id}": {
            "get": operation("getPartner", "Show a partner", tag="partners", ok=partner,
                             errors=WITH_ID),
            "post": operation("editPartner", "Edit a partner and its payment systems",
                              tag="partners", ok=partner, errors=WITH_ID,
                              description="payment_systems replaces the bindings; open "
                                          "invoices take the new system and account."),
        },
        "/3.0/admin/partner/{partner_id}/referrals": {"get": operation(
            "listReferrals", "List the partners a main affiliate referred", tag="partners",
            errors=WITH_ID, ok=ok_response(success(referrals=array(schema("Partner")),
                                                   pagination=schema("PartnerPagination"))))},
        "/3.0/stats/conversions": {"get": operation(
            "listConversions", "List conversions (newest first)", tag="conversions",
            errors=AFFISE_ERRORS, description="Any parameter not listed here is a 400 "
            "`Method does not allow extra fields: 'NAME'`, as on Affise. Without date_from the "
            "list starts a week before today on the tenant clock. Filters on click attributes "
            "are a 400 `NAME: not supported by mock-affise`. A manager's key lists "
            "its own affiliates' conversions; an affiliate's key its own, without partner, "
            "revenue and earnings, and the filters Affise marks ONLY FOR ADMIN (update_*, "
            "partner[], revenue*) are a 400 naming them.",
            ok=ok_response(success(conversions=array(schema("Conversion")),
                                   pagination=schema("PartnerPagination")), links={
                "GetConversion": link("getConversion",
                                      {"query.id": "$response.body#/conversions/0/id"})}))},
        "/3.0/stats/conversionsbyid": {"get": operation(
            "getConversion", "Show one conversion", tag="conversions", errors=WITH_ID,
            description="Available only for admin API-Key, as on Affise.",
            ok=ok_response(success(conversion=schema("ConversionById"))))},
        "/3.0/admin/conversion/edit": {"post": operation(
            "editConversions", "Change conversions: status, money, comment, custom fields",
            tag="conversions", errors=AFFISE_ERRORS,
            description="With all=1 the conversions params[...] selects are changed "
                        "(params[date_from] and params[date_to] required). A conversion inside "
                        "an invoice cannot be edited (400 naming it).",
            ok=ok_response(success(
                data=obj({"ids": array(HEX24), "status": nullable(text(enum=CONVERSION_WORDS)),
                          "currency": nullable(STRING), "payouts": nullable(NUMBER),
                          "revenue": nullable(NUMBER)}),
                message={"const": "Conversion changes will take a few minutes"})))},
        "/3.0/balance": {"get": operation(
            "getBalance", "Show the calling affiliate its own balance", tag="partners",
            errors=AFFISE_ERRORS, description="An affiliate's key only; managers get 403.",
            ok=ok_response(success(balance=obj({
                name: map_of(NUMBER, description="Keyed by currency code")
                for name in ("balance", "hold", "available")}))))},
    }


