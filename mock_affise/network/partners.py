"""Partners (Affise's word for affiliates): list, read, create, and edit with payment systems."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from ..billing.predicates import seen_by
from ..billing.rules import EVERYONE, Audience, percent_allowed
from ..driver import builder, driver_records, list_parameter
from ..effects import note
from ..entities import load_entity
from ..errors import NotFound, ValidationError
from ..models import (
    Affiliate,
    AffiliatePaymentSystem,
    Manager,
    PaymentSystem,
    Tenant,
)
from . import Page
from .balances import Balance, affiliate_balances, has_balance
from .bindings import replace_bindings, resolve_bindings
from .keys import unused_key

ORDERS = ("id", "-id", "_id", "-_id", "created_at", "-created_at", "updated_at", "-updated_at")
_ORDER_COLUMNS = {"id": Affiliate.id, "_id": Affiliate.id, "created_at": Affiliate.created_at,
                  "updated_at": Affiliate.updated_at}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


@dataclass(frozen=True)
class PartnerQuery:
    """The filters, order and page of GET /3.0/admin/partners."""

    ids: Sequence[int] | None = None
    status: str | None = None
    search: str | None = None
    managers: Sequence[str] | None = None
    updated_since: date | None = None
    with_balance: bool = False
    order: str = "id"
    order_type: str | None = None
    page: int = 1
    limit: int = 50
    referred_by: int | None = None  # the main affiliate whose referrals these are


@dataclass(frozen=True)
class Binding:
    """An affiliate's payment system for one currency, with the system's title."""

    id: int
    system_id: int
    system: str
    currency: str
    active: int
    fields: dict[str, str]


@dataclass(frozen=True)
class Partner:
    """Everything GET /3.0/admin/partner/{id} shows about one affiliate."""

    affiliate: Affiliate
    manager: Any  # a row of managers (read only), or None
    payment_systems: list[Binding]
    balance: dict[str, Balance]
    api_key: str | None  # None for a caller who may not see it (contract section 2)


def find_partners(session: Session, tenant_id: int, now: datetime, query: PartnerQuery,
                  audience: Audience) -> Page[Partner]:
    """Return one page of the tenant's partners matching query that audience sees."""
    conditions = [Affiliate.tenant_id == tenant_id, seen_by(audience, tenant_id, Affiliate.id)]
    if query.ids is not None:
        conditions.append(Affiliate.id.in_(list(query.ids)))
    if query.status is not None:
        conditions.append(Affiliate.status == query.status)
    if query.search:
        pattern = "%" + _escape_like(query.search.lower()) + "%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\")
                                for column in (Affiliate.email, Affiliate.login, Affiliate.name))))
    if query.managers is not None:
        conditions.append(Affiliate.manager_id.in_(list(query.managers)))
    if query.updated_since is not None:
        conditions.append(Affiliate.updated_at >= datetime.combine(query.updated_since, time()))
    if query.with_balance:
        conditions.append(has_balance(tenant_id, now))
    if query.referred_by is not None:
        conditions.append(Affiliate.ref == query.referred_by)
    total = session.scalar(select(func.count()).select_from(Affiliate).where(*conditions)) or 0
    descending = _descending(query.order, query.order_type)
    column = _ORDER_COLUMNS[query.order.lstrip("-")]
    order = [column.desc(), Affiliate.id.desc()] if descending else [column.asc(), Affiliate.id]
    rows = list(session.scalars(
        select(Affiliate).where(*conditions).order_by(*order)
        .offset((query.page - 1) * query.limit).limit(query.limit)
    ))
    return Page(describe_partners(session, tenant_id, now, rows, audience), total, query.page,
                query.limit)


def _descending(order: str, order_type: str | None) -> bool:
    # orderType, when sent, decides the direction; otherwise a "-" prefix means descending.
    if order_type is not None:
        return order_type == "desc"
    return order.startswith("-")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_referrals(session: Session, tenant_id: int, now: datetime, affiliate_id: int,
                   page: int, limit: int, audience: Audience) -> Page[Partner]:
    """GET /3.0/admin/partner/{id}/referrals: the partners whose ref is affiliate_id, by id.

    An unknown main affiliate is a 404 (Affise's "Resource Not Found"), not an empty list.
    """
    main = load_entity(session, Affiliate, (tenant_id, affiliate_id))
    if main is None or not audience.sees(main.id, main.manager_id):
        raise NotFound()
    return find_partners(session, tenant_id, now, PartnerQuery(referred_by=affiliate_id,
                                                                page=page, limit=limit), audience)


def get_partner(session: Session, tenant_id: int, now: datetime, affiliate_id: int,
                audience: Audience) -> Partner:
    """Return one partner; raise NotFound when the tenant has none audience sees by that id.

    An affiliate a manager key may not see answers as if absent (contract section 2).
    """
    affiliate = load_entity(session, Affiliate, (tenant_id, affiliate_id))
    if affiliate is None or not audience.sees(affiliate.id, affiliate.manager_id):
        raise NotFound()
    return describe_partners(session, tenant_id, now, [affiliate], audience)[0]


def _describing(name: str) -> Callable[[], Select]:
    """Return the builder of describe_partners' query name, run on the driver (see
    driver.driver_records): read, never changed."""
    return builder(_described, name)


def _described(name: str) -> Select:
    return _descriptions()[name]


@functools.cache
def _descriptions() -> dict[str, Select]:
    """Build, once, the queries describe_partners runs (:tenant_id, :ids)."""
    tenant_id, ids = bindparam("tenant_id"), list_parameter("ids")
    bindings = AffiliatePaymentSystem.__table__
    return {
        "managers": select(Manager.__table__).where(Manager.tenant_id == tenant_id,
                                                    Manager.id.in_(ids)),
        "bindings": select(bindings, PaymentSystem.title)
        .outerjoin(PaymentSystem, and_(PaymentSystem.tenant_id == AffiliatePaymentSystem.tenant_id,
                                       PaymentSystem.id == AffiliatePaymentSystem.system_id))
        .where(AffiliatePaymentSystem.tenant_id == tenant_id,
               AffiliatePaymentSystem.affiliate_id.in_(ids))
        .order_by(AffiliatePaymentSystem.id),
    }


def describe_partners(session: Session, tenant_id: int, now: datetime,
                      affiliates: Sequence[Affiliate], audience: Audience) -> list[Partner]:
    """Attach managers, payment systems and balances to affiliates in a fixed number of queries."""
    if not affiliates:
        return []
    ids = [a.id for a in affiliates]
    manager_ids = {a.manager_id for a in affiliates if a.manager_id}
    managers = {m.id: m for m in driver_records(session, _describing("managers"), {
        "tenant_id": tenant_id, "ids": sorted(manager_ids)})} if manager_ids else {}
    bindings: dict[int, list[Binding]] = {aid: [] for aid in ids}
    for row in driver_records(session, _describing("bindings"), {"tenant_id": tenant_id,
                                                                 "ids": ids}):
        bindings[row.affiliate_id].append(Binding(row.id, row.system_id, row.title or "",
                                                  row.currency, row.active, dict(row.fields)))
    balances = affiliate_balances(session, tenant_id, now, ids)
    return [Partner(a, managers.get(a.manager_id) if a.manager_id else None, bindings[a.id],
                    balances[a.id], a.api_key if audience.sees_api_keys else None)
            for a in affiliates]


def login_from_email(email: str) -> str:
    """Return the login of a partner created without one: its email's part before the @."""
    return email.partition("@")[0]


def create_partner(session: Session, tenant: Tenant, now: datetime,
                   values: Mapping[str, Any]) -> Partner:
    """Add an affiliate from POST /3.0/admin/partner values; return it as a partner.

    email, password and country are required (the schema sees to it); the password is
    accepted and not kept, since the mock has no affiliate log-in. Without a login (or with an
    empty one) the partner takes one derived from its email, as Affise gives every partner one.
    """
    changes = _validated(session, tenant.id, None, values)
    bindings = resolve_bindings(session, tenant.id, values.get("payment_systems"))
    affiliate = Affiliate(
        tenant_id=tenant.id, id=tenant.next_affiliate_id, email=changes.pop("email"),
        login=None, name=None, status="active", manager_id=None, api_key=unused_key(session),
        ref=None, ref_percent=None, notes="", country=None, contact_person=None,
        created_at=now, updated_at=now,
    )
    for name, value in changes.items():
        setattr(affiliate, name, value)
    if not affiliate.login:
        affiliate.login = login_from_email(affiliate.email)
    tenant.next_affiliate_id += 1
    session.add(affiliate)
    session.flush()
    note(session, "created", "affiliates", [affiliate.id])
    if bindings is not None:
        replace_bindings(session, tenant, affiliate.id, bindings, now)
    return get_partner(session, tenant.id, now, affiliate.id, EVERYONE)


def edit_partner(session: Session, tenant: Tenant, now: datetime, affiliate_id: int,
                 values: Mapping[str, Any]) -> Partner:
    """Change an affiliate from POST /3.0/admin/partner/{id} values; return it as a partner.

    payment_systems, when sent, replaces every binding the affiliate has; its open invoices
    (any status but Completed) in a currency it now has a binding for take that binding's
    system and account. The call sets updated_at even when no value differs.
    """
    affiliate = load_entity(session, Affiliate, (tenant.id, affiliate_id))
    if affiliate is None:
        raise NotFound()
    changes = _validated(session, tenant.id, affiliate_id, values)
    bindings = resolve_bindings(session, tenant.id, values.get("payment_systems"))
    for name, value in changes.items():
        setattr(affiliate, name, value)
    affiliate.updated_at = now
    note(session, "changed", "affiliates", [affiliate_id])
    if bindings is not None:
        replace_bindings(session, tenant, affiliate_id, bindings, now)
    session.flush()
    return get_partner(session, tenant.id, now, affiliate_id, EVERYONE)


def _validated(session: Session, tenant_id: int, affiliate_id: int | None,
               values: Mapping[str, Any]) -> dict[str, Any]:
    """Check the plain partner fields; return them as Affiliate attribute values."""
    changes: dict[str, Any] = {}
    if "email" in values:
        email = values["email"].strip()
        if not _EMAIL.match(email):
            raise ValidationError("email", "must be an email address")
        owner = session.scalar(select(Affiliate.id).where(
            Affiliate.tenant_id == tenant_id, func.lower(Affiliate.email) == email.lower(),
            Affiliate.id != (affiliate_id or 0)))
        if owner is not None:
            raise ValidationError("email", f"is already used by partner {owner}")
        changes["email"] = email
    if "country" in values:
        country = values["country"].strip()
        if not _COUNTRY.match(country):
            raise ValidationError("country", "must be an ISO 3166-1 alpha-2 code like US")
        changes["country"] = country.upper()
    for name in ("login", "notes", "contact_person"):
        if name in values:
            changes[name] = values[name]
    if "ref_percent" in values:
        percent = values["ref_percent"]
        if not percent_allowed(percent):
            raise ValidationError("ref_percent", "must be between 0 and 100")
        changes["ref_percent"] = percent
    if "status" in values:
        changes["status"] = values["status"]
    if "manager_id" in values:
        manager_id = values["manager_id"].strip() or None  # an empty manager_id unassigns
        manager = None if manager_id is None else load_entity(session, Manager,
                                                              (tenant_id, manager_id))
        if manager_id is not None and manager is None:
            raise ValidationError("manager_id", f"unknown manager '{manager_id}'")
        changes["manager_id"] = manager_id
    if "ref" in values:
        ref = values["ref"] or None  # ref=0 clears the referrer, as Affise shows "0" for none
        if ref is not None and ref == affiliate_id:
            raise ValidationError("ref", "a partner cannot refer itself")
        if ref is not None and load_entity(session, Affiliate, (tenant_id, ref)) is None:
            raise ValidationError("ref", f"unknown partner {ref}")
        changes["ref"] = ref
    return changes

