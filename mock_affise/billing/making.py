"""What generate and create-for-affiliate share: who pays whom, new invoice rows, the delay."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from ..clock import format_timestamp, parse_timestamp
from ..driver import builder, driver_records, driver_tuples, list_parameter
from ..effects import MAX_IDS, note
from ..entities import update_entity
from ..errors import AffiseError, GenerationRunning
from ..models import (
    AffiliatePaymentSystem,
    Conversion,
    Payment,
    PaymentSystem,
    Tenant,
)
from . import rules
from .reports import Generation, GenerationRefused, Report, Skip

# Above this many ids, load a tenant's rows whole instead of binding a huge IN list.
_IN_LIMIT = 500


def display_name(affiliate: Any) -> str:
    """The name Affise's messages show for an affiliate (rules.display_name)."""
    return rules.display_name(affiliate.name, affiliate.login, affiliate.email)


def rows_by_id(session: Session, model: type, tenant_id: int, column: Any,
               ids: Iterable[Any]) -> list[Any]:
    """Read a tenant's rows of model whose column is in ids, as rows (attributes by column
    name), not ORM objects: a generation only reads them, and loading objects cost more."""
    ids = set(ids)
    listed = len(ids) <= _IN_LIMIT
    query = builder(_rows_statement, model, column.key, listed)
    return [row for row in driver_records(session, query, {"tenant_id": tenant_id,
                                                           "ids": list(ids)})
            if getattr(row, column.key) in ids]


def tenant_rows(session: Session, model: type, tenant_id: int) -> list[Any]:
    """Read all of a tenant's rows of model by id, as rows (see rows_by_id)."""
    return driver_records(session, builder(_rows_statement, model, "tenant_id", False),
                          {"tenant_id": tenant_id})


@functools.cache
def _rows_statement(model: type, column: str, listed: bool) -> Select:
    """Build, once, the query of a tenant's rows of model (:tenant_id), only those whose
    column is in :ids when listed (building them per call cost more than running them)."""
    table = model.__table__
    query = select(table).where(table.c.tenant_id == bindparam("tenant_id")).order_by(table.c.id)
    if listed:
        query = query.where(table.c[column].in_(list_parameter("ids")))
    return query


@dataclass
class Payee:
    """How an affiliate is paid in one currency (rows of its binding and its system)."""

    binding: Any  # a row of affiliate_payment_systems (a named tuple)
    system: Any  # a row of payment_systems

    @property
    def pay_acc(self) -> str:
        """Return the account as the invoice shows it."""
        return rules.format_pay_acc({"fields": self.system.fields}, self.binding.fields)


def payees(session: Session, tenant_id: int,
           affiliate_ids: Iterable[int]) -> dict[tuple[int, str], Payee]:
    """Map (affiliate, currency) to the payment system that bills it (rules.choose_bindings)."""
    bindings = rows_by_id(session, AffiliatePaymentSystem, tenant_id,
                          AffiliatePaymentSystem.affiliate_id, affiliate_ids)
    systems = {s.id: s for s in tenant_rows(session, PaymentSystem, tenant_id)}
    candidates = [Payee(b, systems[b.system_id])
                  for b in sorted(bindings, key=lambda b: b.id) if b.system_id in systems]
    return rules.choose_bindings(candidates, key=lambda p: (p.binding.affiliate_id,
                                                            p.binding.currency),
                                 active=lambda p: p.binding.active)


def ensure_idle(tenant: Tenant, now: datetime) -> None:
    """Refuse a generation while a delayed one is still running on the tenant clock."""
    until = (tenant.settings or {}).get("generation_running_until")
    if until and parse_timestamp(until) > now:
        raise GenerationRunning()


@functools.cache
def _billed() -> Select:
    """Build the query of the conversions the invoices :made bill (:tenant_id), once."""
    return (select(Conversion.id).where(Conversion.tenant_id == bindparam("tenant_id"),
                                        Conversion.payment_id.in_(list_parameter("made")))
            .order_by(Conversion.id).limit(MAX_IDS))


def finish(session: Session, tenant: Tenant, now: datetime, delay: int,
           made: list[int]) -> None:
    """Note what was made; with a delay, hide it until the clock passes the delay."""
    if delay > 0:
        ready = now + timedelta(seconds=delay)
        tenant.settings = {**(tenant.settings or {}),
                           "generation_running_until": format_timestamp(ready)}
        if made:
            session.execute(update(Payment).where(Payment.tenant_id == tenant.id,
                                                  Payment.id.in_(made))
                            .values(visible_at=ready).execution_options(synchronize_session=False))
    if made:
        note(session, "created", "payments", made)
        note(session, "changed", "conversions", [billed for (billed,) in driver_tuples(
            session, _billed, {"tenant_id": tenant.id, "made": made})])


def new_payment(tenant: Tenant, payment_id: int, affiliate: Any, currency: Any,
                payee: Payee, now: datetime, note: str,
                period_end: datetime | None) -> dict[str, Any]:
    """Return the row of a new waiting invoice of id payment_id (see take_payment_ids)."""
    return {
        "tenant_id": tenant.id, "id": payment_id, "pid": affiliate.id,
        "manager_id": affiliate.manager_id, "currency_id": currency.id,
        "status": int(rules.WAITING), "posted_date": now, "updated_at": now,
        "pay_sys": payee.system.id, "pay_sys_name": payee.system.title,
        "pay_acc": payee.pay_acc, "comment": "", "notes": note, "period_end": period_end,
        "ref_revenue": None,
    }


def take_payment_ids(session: Session, tenant: Tenant, count: int) -> None:
    """Take the tenant's next count invoice ids (from tenant.next_payment_id on), written on
    the driver: the ORM's flush of the counter was a third of a generation's own time."""
    update_entity(session, tenant, {"next_payment_id": tenant.next_payment_id + count})


class NothingMade(Exception):
    """A generation that made no invoice for one affiliate: the first reason, and the skips."""

    reason: AffiseError
    generation: Generation

    def __init__(self, reason: AffiseError, generation: Generation) -> None:
        super().__init__(reason.message)
        self.reason = reason
        self.generation = generation


def reported(session: Session, tenant: Tenant, now: datetime, operation: str,
             parameters: dict[str, Any], affiliate_id: int | None,
             make: Callable[[], Generation]) -> Generation:
    """Run make and keep its report; a refusal carries its report in GenerationRefused."""
    try:
        generation = make()
    except NothingMade as nothing:
        raise GenerationRefused(nothing.reason, Report(operation, parameters, now,
                                                       nothing.generation)) from nothing.reason
    except AffiseError as error:
        skipped = Generation(skipped=[Skip(affiliate_id, None, error.message)])
        raise GenerationRefused(error, Report(operation, parameters, now, skipped)) from error
    Report(operation, parameters, now, generation).keep(session, tenant)
    return generation
