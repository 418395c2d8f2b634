"""What the dashboard (/_mock/ui) reads: bounded pages over a tenant, nothing it may change.

Each function reuses the service the API or the control plane answers with (partners and their
balances, invoices and their revenue, the journal's ring), adding only the paging a page of
HTML needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..billing.referrals import owed_referral_money
from ..billing.rules import EVERYONE
from ..models import (
    Affiliate,
    Conversion,
    Correction,
    JournalBody,
    JournalEntry,
    Payment,
    Tenant,
)
from ..network import Page, page_of_rows
from ..network.partners import Partner, PartnerQuery, find_partners
from . import journal
from .tenants import page_of_tenants

HISTORY_CALLS = 1000  # how far back an invoice's history looks in the journal


@dataclass(frozen=True)
class TenantSummary:
    """One row of the tenants page."""

    id: int
    admin_key: str | None
    affiliates: int
    conversions: int
    invoices: int
    tenant: Tenant


def tenant_summaries(session: Session, page: int, limit: int) -> Page[TenantSummary]:
    """Return one page of tenants with their counts, in a fixed number of queries."""
    tenants = page_of_tenants(session, page, limit)
    ids = [t["tenant"] for t in tenants.items]
    counts = {model: dict(session.execute(
        select(model.tenant_id, func.count()).where(model.tenant_id.in_(ids))
        .group_by(model.tenant_id)).all()) for model in (Affiliate, Conversion, Payment)}
    rows = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_(ids)))}
    return Page([TenantSummary(t["tenant"], t["admin"], counts[Affiliate].get(t["tenant"], 0),
                               counts[Conversion].get(t["tenant"], 0),
                               counts[Payment].get(t["tenant"], 0), rows[t["tenant"]])
                 for t in tenants.items if t["tenant"] in rows],
                tenants.total, tenants.page, tenants.limit)


def affiliates_page(session: Session, tenant: Tenant, now: datetime, page: int, limit: int,
                    affiliate_id: int | None = None
                    ) -> tuple[Page[Partner], dict[tuple[int, str], Decimal]]:
    """Return a page of affiliates (an admin key's view) and the referral money each is owed.

    The owed money is part of the available balance already; it is returned apart to show it.
    """
    query = PartnerQuery(ids=None if affiliate_id is None else [affiliate_id], page=page,
                         limit=limit)
    partners = find_partners(session, tenant.id, now, query, EVERYONE)
    ids = [p.affiliate.id for p in partners.items]
    owed = owed_referral_money(session, tenant.id, tenant.settings, None,
                               affiliate_ids=ids) if ids else {}
    return partners, {key: value.ref_revenue for key, value in owed.items()}


def invoice_conversions(session: Session, tenant_id: int, invoice_id: int, page: int,
                        limit: int) -> Page[Conversion]:
    """Return one page of an invoice's conversions, oldest first."""
    return page_of_rows(session, Conversion, [Conversion.tenant_id == tenant_id,
                                              Conversion.payment_id == invoice_id],
                        [Conversion.created_at, Conversion.id], page, limit)


def get_conversion_row(session: Session, tenant_id: int, conversion_id: str) -> Conversion | None:
    """Return a conversion as stored, or None."""
    return session.get(Conversion, (tenant_id, conversion_id))


def correction_invoice(session: Session, tenant_id: int, correction_id: int) -> int | None:
    """Return the invoice a correction belongs to, or None when there is no such correction."""
    return session.scalar(select(Correction.payment_id).where(
        Correction.tenant_id == tenant_id, Correction.id == correction_id))


def journal_page(session: Session, tenant_id: int, size: int, page: int, limit: int,
                 method: str | None = None, path: str | None = None,
                 status: int | None = None) -> Page[dict[str, Any]]:
    """Return one page of the tenant's journal (its newest size calls), newest first."""
    rows = page_of_rows(session, JournalEntry,
                        journal.entry_conditions(tenant_id, size, method, path, status),
                        journal.NEWEST_FIRST, page, limit)
    return Page([journal.render_entry(row, None) for row in rows.items], rows.total, page, limit)


def journal_entry(session: Session, tenant_id: int, size: int,
                  entry_id: int) -> dict[str, Any] | None:
    """Return one entry of the tenant's journal with its answer, or None once out of the ring."""
    row = session.execute(
        select(JournalEntry, JournalBody.body)
        .outerjoin(JournalBody, (JournalBody.tenant_id == JournalEntry.tenant_id)
                   & (JournalBody.digest == JournalEntry.response_digest))
        .where(*journal.entry_conditions(tenant_id, size), JournalEntry.id == entry_id)).first()
    return None if row is None else journal.render_entry(row[0], row[1])


def invoice_history(session: Session, tenant_id: int, size: int,
                    invoice_id: int) -> list[dict[str, Any]]:
    """Return the journal's calls that created, changed or deleted the invoice, oldest first.

    Only the newest HISTORY_CALLS calls are looked at, however large the ring is configured.
    """
    rows = list(session.execute(
        select(JournalEntry).where(*journal.entry_conditions(tenant_id, size))
        .order_by(*journal.NEWEST_FIRST).limit(HISTORY_CALLS)).scalars())
    history = []
    for row in reversed(rows):
        verbs = [verb for verb, kinds in (row.effects or {}).items()
                 if isinstance(kinds, dict) and invoice_id in (kinds.get("payments") or ())]
        if verbs:
            history.append({**journal.render_entry(row, None), "verbs": verbs})
    return history
