"""Affise's partner routes: list, get, create and edit affiliates (/3.0/admin/partner*)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import ValidationError as MarshmallowError
from marshmallow import fields, post_load

from ..billing.rules import PARTNER_STATUSES
from ..clock import format_timestamp
from ..models import Affiliate, Manager
from ..money import number, plain
from ..network import Page, partners
from ..network.bindings import BindingRequest
from ..network.partners import Partner, PartnerQuery
from ..numbers import is_index
from .endpoint import ADMIN, MANAGERS, Call, endpoint
from .params import Choice, Day, Flag, Int, ListOf, Money, Params, Scalar, Text

blueprint = Blueprint("partners", __name__)

ROLE_NAMES = {"admin": "ROLE_ADMIN", "affiliate_manager": "ROLE_MANAGER_AFFILIATE"}


# ----------------------------------------------------------------------------- parameters


class NonBlank(Text):
    """Text where an empty value means "not sent" (email, password, country)."""

    blank_is_absent = True


class Bindings(fields.Field):
    """payment_systems[n][...] in any array encoding: a list of (key, item) pairs."""

    default_error_messages = {"required": "is required", "null": "is required"}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> list[tuple[str, Any]]:
        if isinstance(value, dict):
            if not all(is_index(k, signed=False) for k in value):
                raise MarshmallowError("must be an array of payment systems")
            return [(str(k), value[k]) for k in sorted(value, key=int)]
        if isinstance(value, list):
            return [(str(i), item) for i, item in enumerate(value)]
        raise MarshmallowError("must be an array of payment systems")


def _binding(key: str, item: Any) -> BindingRequest:
    """Read one payment_systems[key] entry; raise a message naming the sub-field."""
    path = f"payment_systems[{key}]"
    if not isinstance(item, dict):
        raise MarshmallowError(f"{path}: must be an object with system_id, currency and fields")

    def scalar(name: str, reader: Scalar) -> Any:
        raw = item.get(name)
        if raw is None or raw == "":
            return None
        try:
            return reader.deserialize(raw, name, item)
        except MarshmallowError as exc:
            raise MarshmallowError(f"{path}[{name}]: {exc.messages[0]}") from exc

    system_id = scalar("system_id", Int(minimum=1))
    if system_id is None:
        raise MarshmallowError(f"{path}[system_id]: is required")
    raw_fields = item.get("fields")
    if raw_fields in (None, "", []):
        raw_fields = {}
    if not isinstance(raw_fields, dict):
        raise MarshmallowError(f"{path}[fields]: must be an object of field id to value")
    values = {}
    for field_id, raw in raw_fields.items():
        if isinstance(raw, dict | list) or raw is None or isinstance(raw, bool):
            raise MarshmallowError(f"{path}[fields][{field_id}]: must be a single value")
        values[str(field_id)] = str(raw)
    active = scalar("active", Flag())
    return BindingRequest(key, system_id, scalar("currency", NonBlank()), values,
                          1 if active is None else int(active))


class PartnerFields(Params):
    """What POST /3.0/admin/partner and POST /3.0/admin/partner/{id} take."""

    email = NonBlank(column=Affiliate.email)
    password = NonBlank()
    country = NonBlank()
    login = Text(column=Affiliate.login)
    contact_person = Text(column=Affiliate.contact_person)
    ref_percent = Money()
    notes = Text()
    status = Choice(list(PARTNER_STATUSES))
    manager_id = Text()
    ref = Int(minimum=0)
    payment_systems = Bindings()
    # Documented by Affise, accepted and ignored: the mock keeps none of these.
    custom_fields = fields.Raw()
    sub_account_1 = fields.Raw()
    sub_account_2 = fields.Raw()
    sub_account_1_except = fields.Raw()
    sub_account_2_except = fields.Raw()
    notify = fields.Raw()
    tipalti_payee_id = fields.Raw()
    tags = fields.Raw()
    enabled_offers = fields.Raw(data_key="enabledOffers")
    disabled_offers = fields.Raw(data_key="disabledOffers")
    enabled_advertisers = fields.Raw(data_key="enabledAdvertisers")
    disabled_advertisers = fields.Raw(data_key="disabledAdvertisers")
    enabled_smartlinks = fields.Raw(data_key="enabledSmartlinks")
    disabled_smartlinks = fields.Raw(data_key="disabledSmartlinks")
    level = fields.Raw()
    default_postback = fields.Raw()
    affiliate_trafficback_url = fields.Raw()
    subaccount_id = fields.Raw()

    @post_load
    def _read_bindings(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "payment_systems" in data:
            data["payment_systems"] = [_binding(k, v) for k, v in data["payment_systems"]]
        return data


class NewPartnerParams(PartnerFields):
    email = NonBlank(column=Affiliate.email, required=True)
    password = NonBlank(required=True)
    country = NonBlank(required=True)


class PageParams(Params):
    limit = Int(minimum=1, maximum=500, load_default=50)
    page = Int(minimum=1, maximum=1_000_000_000, load_default=1)  # offset fits 64 bits


class PartnerListParams(PageParams):
    id = ListOf(Int(minimum=1))
    with_balance = Flag(load_default=False)
    updated_at = Day()
    status = Choice(list(PARTNER_STATUSES))
    search = Text()
    manager = ListOf(Text())
    field = fields.Raw()  # custom-field filter: accepted, ignored (the mock keeps no custom fields)
    order = Choice(list(partners.ORDERS), load_default="id")
    order_type = Choice(["asc", "desc"], data_key="orderType")


# ----------------------------------------------------------------------------- rendering


def render_pagination(page: Page) -> dict[str, int]:
    """Render Affise's list pagination; next_page is left out on the last page.

    Affise's own recorded answers (the official Go SDK's test data) carry next_page only while
    a further page exists, so a client loops "while next_page is present".
    """
    body = {"per_page": page.limit, "total_count": page.total, "page": page.page}
    if page.has_next:
        body["next_page"] = page.page + 1
    return body


def render_manager(manager: Manager | None) -> dict[str, Any] | None:
    """Render a partner's manager as Affise's user object (its API key is never shown)."""
    if manager is None:
        return None
    return {
        "id": manager.id, "username": manager.id, "first_name": manager.first_name,
        "last_name": manager.last_name, "email": manager.email, "type": manager.role,
        "roles": [ROLE_NAMES.get(manager.role, manager.role.upper())], "avatar": None,
        "skype": None, "work_hours": None, "created_at": None, "updated_at": None,
        "last_login_at": None,
    }


def render_partner(partner: Partner) -> dict[str, Any]:
    """Render a partner with every field of Affise's partner object."""
    a = partner.affiliate
    return {
        "id": a.id,
        "created_at": format_timestamp(a.created_at),
        "updated_at": format_timestamp(a.updated_at),
        "email": a.email,
        # Always a string: the PHP SDK's typed DTO refuses null (a seeded login may be none).
        "login": a.login if a.login is not None else partners.login_from_email(a.email),
        "contactPerson": a.contact_person,
        "ref_percent": None if a.ref_percent is None else plain(a.ref_percent),
        "name": a.name,
        "notes": a.notes,
        "manager": render_manager(partner.manager),
        "status": a.status,
        "level": 0,
        "payment_systems": [
            # currency is the code: the Go SDK fails to parse a number there.
            {"id": b.id, "system_id": b.system_id, "system": b.system, "currency": b.currency,
             "active": b.active, "fields": b.fields}
            for b in partner.payment_systems
        ],
        "customFields": [],
        "balance": {
            code: {"balance": number(money.balance), "hold": number(money.hold),
                   "available": number(money.available)}
            for code, money in partner.balance.items()
        },
        "offersCount": 0,
        "api_key": partner.api_key,
        "address_1": None,
        "address_2": None,
        "city": None,
        "country": a.country,
        "zip_code": None,
        "phone": None,
        "work_hours": None,
        "created_by": None,
        "updated_by": None,
        "tipalti_payee_id": None,
        "tipalti_status": None,
        # The main affiliate's id as a string, "0" for none, as Affise answers and the PHP SDK
        # (whose DTO refuses null) expects.
        "ref": str(a.ref or 0),
        # An object, never []: the Go SDK reads sub_accounts into a map.
        "sub_accounts": {"1": {"value": "", "except": 0}, "2": {"value": "", "except": 0}},
        "tags": [],
        "lang": "en",
    }


def render_one(partner: Partner) -> dict[str, Any]:
    """Render the answer of a single-partner route: the partner, and its id beside it.

    Affise's schema and both official SDKs' recorded answers carry the top-level id (the PHP
    SDK warns without it).
    """
    return {"status": 1, "partner": render_partner(partner), "id": partner.affiliate.id}


# ----------------------------------------------------------------------------- routes


@blueprint.get("/3.0/admin/partners")
@endpoint(MANAGERS, params=PartnerListParams)
def partner_list(call: Call) -> dict[str, Any]:
    """List partners with filters, order and pagination."""
    params = call.load()
    query = PartnerQuery(
        ids=params.get("id"), status=params.get("status"), search=params.get("search"),
        managers=params.get("manager"), updated_since=params.get("updated_at"),
        with_balance=params["with_balance"], order=params["order"],
        order_type=params.get("order_type"), page=params["page"], limit=params["limit"],
    )
    page = partners.find_partners(call.session, call.tenant.id, call.now, query, call.audience)
    return {"status": 1, "partners": [render_partner(p) for p in page.items],
            "pagination": render_pagination(page)}


@blueprint.get("/3.0/admin/partner/<int:partner_id>")
@endpoint(MANAGERS)
def partner_get(call: Call, partner_id: int) -> dict[str, Any]:
    """Show one partner."""
    call.load()
    partner = partners.get_partner(call.session, call.tenant.id, call.now, partner_id,
                                   call.audience)
    return render_one(partner)


@blueprint.post("/3.0/admin/partner")
@endpoint(ADMIN, write=True, params=NewPartnerParams)
def partner_create(call: Call) -> dict[str, Any]:
    """Add a partner."""
    params = call.load()
    partner = partners.create_partner(call.session, call.tenant, call.now, params)
    return render_one(partner)


@blueprint.post("/3.0/admin/partner/<int:partner_id>")
@endpoint(ADMIN, write=True, params=PartnerFields)
def partner_edit(call: Call, partner_id: int) -> dict[str, Any]:
    """Edit a partner, its payment systems included."""
    params = call.load()
    partner = partners.edit_partner(call.session, call.tenant, call.now, partner_id, params)
    return render_one(partner)


@blueprint.get("/3.0/admin/partner/<int:partner_id>/referrals")
@endpoint(MANAGERS, params=PageParams)
def partner_referrals(call: Call, partner_id: int) -> dict[str, Any]:
    """List the partners a main affiliate referred."""
    params = call.load()
    page = partners.find_referrals(call.session, call.tenant.id, call.now, partner_id,
                                   params["page"], params["limit"], call.audience)
    return {"status": 1, "referrals": [render_partner(p) for p in page.items],
            "pagination": render_pagination(page)}
