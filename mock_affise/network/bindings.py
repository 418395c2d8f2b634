"""An affiliate's payment systems ("bindings"): checking new ones, and swapping them in.

[mock] An edit replaces every binding; the affiliate's open invoices (any status but
Completed) take the new system and account for their currency, completed ones keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..billing.predicates import is_open
from ..billing.rules import choose_bindings, format_pay_acc
from ..effects import note
from ..errors import ValidationError
from ..models import AffiliatePaymentSystem, Currency, Payment, PaymentSystem, Tenant


@dataclass(frozen=True)
class BindingRequest:
    """One payment_systems[KEY] entry of a create or edit call, as the client sent it."""

    key: str
    system_id: int
    currency: str | None
    fields: dict[str, str] = field(default_factory=dict)
    active: int = 1


@dataclass(frozen=True)
class NewBinding:
    """A requested binding checked against the tenant's systems and currencies."""

    request: BindingRequest
    system: PaymentSystem
    currency: Currency
    fields: dict[str, str]


def resolve_bindings(session: Session, tenant_id: int,
                     requests: Sequence[BindingRequest] | None) -> list[NewBinding] | None:
    """Check each requested binding against the tenant's systems and currencies."""
    if requests is None:
        return None
    systems = {s.id: s for s in session.scalars(
        select(PaymentSystem).where(PaymentSystem.tenant_id == tenant_id))}
    currencies = {c.code: c for c in session.scalars(
        select(Currency).where(Currency.tenant_id == tenant_id))}
    resolved = []
    for request in requests:
        path = f"payment_systems[{request.key}]"
        system = systems.get(request.system_id)
        if system is None:
            raise ValidationError(f"{path}[system_id]", f"unknown payment system {request.system_id}")
        code = request.currency.strip().upper() if request.currency else system.currency
        if code is None:
            raise ValidationError(f"{path}[currency]", "is required")
        currency = currencies.get(code)
        if currency is None:
            raise ValidationError(f"{path}[currency]", f"unknown currency '{request.currency}'")
        if not currency.active:
            raise ValidationError(f"{path}[currency]", f"currency {code} is not active")
        if system.currency is not None and system.currency != code:
            raise ValidationError(f"{path}[currency]", f"payment system {system.id} "
                                  f"({system.title}) accepts only {system.currency}")
        known = {str(f["id"]): f for f in system.fields}
        for field_id in request.fields:
            if field_id not in known:
                raise ValidationError(f"{path}[fields][{field_id}]",
                                      f"payment system {system.id} has no field {field_id}")
        values = {k: v.strip() for k, v in request.fields.items() if v.strip()}
        for field_id, spec in known.items():
            if spec.get("required") and field_id not in values:
                raise ValidationError(f"{path}[fields][{field_id}]", f"is required by payment "
                                      f"system {system.id} ({spec['label']})")
        ordered = {k: values[k] for k in known if k in values}
        resolved.append(NewBinding(request, system, currency, ordered))
    return resolved


def replace_bindings(session: Session, tenant: Tenant, affiliate_id: int,
                     bindings: Sequence[NewBinding], now: datetime) -> None:
    """Swap the affiliate's bindings for new ones; re-point its open invoices to them."""
    session.execute(delete(AffiliatePaymentSystem).where(
        AffiliatePaymentSystem.tenant_id == tenant.id,
        AffiliatePaymentSystem.affiliate_id == affiliate_id))
    rows = []
    for binding in bindings:
        rows.append({"tenant_id": tenant.id, "id": tenant.next_binding_id,
                     "affiliate_id": affiliate_id, "system_id": binding.system.id,
                     "currency": binding.currency.code, "active": binding.request.active,
                     "fields": binding.fields})
        tenant.next_binding_id += 1
    if rows:
        session.execute(insert(AffiliatePaymentSystem), rows)
    # Ids follow the order sent, so the bindings are in id order here.
    chosen = choose_bindings(bindings, key=lambda b: b.currency.code,
                             active=lambda b: b.request.active)
    for binding in chosen.values():
        open_invoices = (Payment.tenant_id == tenant.id, Payment.pid == affiliate_id,
                         Payment.currency_id == binding.currency.id, is_open())
        note(session, "changed", "payments",
             session.scalars(select(Payment.id).where(*open_invoices).order_by(Payment.id)))
        session.execute(
            update(Payment)
            .where(*open_invoices)
            .values(pay_sys=binding.system.id, pay_sys_name=binding.system.title,
                    pay_acc=format_pay_acc({"fields": binding.system.fields}, binding.fields),
                    updated_at=now)
        )
