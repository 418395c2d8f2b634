"""Generation reports: what each generate/create-for-affiliate call made and skipped, per tenant."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.orm import Session

from ..entities import insert_row, parameters_insert
from ..errors import AffiseError
from ..models import GenerationReport, Tenant


@dataclass
class Skip:
    """An (affiliate, currency) that got no invoice, and Affise's reason text."""

    affiliate_id: int | None
    currency: str | None
    reason: str


@dataclass
class Generation:
    """What one generate or create-for-affiliate call made and skipped."""

    made: list[int] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    # Per invoice made: the referral invoices it took (only invoices that took some).
    referrals: dict[int, list[int]] = field(default_factory=dict)

    def as_report(self) -> dict[str, Any]:
        """Return the report's payments and skipped entries as the control plane lists them."""
        return {
            "payments": self.made,
            "skipped": [{"affiliate_id": s.affiliate_id, "currency": s.currency,
                         "reason": s.reason} for s in self.skipped],
            "referrals": {str(k): v for k, v in sorted(self.referrals.items())},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass
class Report:
    """The report of one generation call, ready to keep."""

    operation: str
    parameters: dict[str, Any]
    now: datetime
    generation: Generation

    def keep(self, session: Session, tenant: Tenant) -> None:
        """Add this report to the tenant's generation reports (one INSERT on the driver: the
        ORM's flush of it at commit was a tenth of a generation's call)."""
        report = self.generation.as_report()
        insert_row(session, _new_report, {
            "tenant_id": tenant.id, "created_at": self.now, "operation": self.operation,
            "parameters": _plain(self.parameters), "payments": report["payments"],
            "skipped": report["skipped"], "referrals": report["referrals"]})


@functools.cache
def _new_report() -> Insert:
    return parameters_insert(GenerationReport.__table__, (
        "tenant_id", "created_at", "operation", "parameters", "payments", "skipped",
        "referrals"))


class GenerationRefused(AffiseError):
    """A generation call that made nothing: Affise's answer, and the report to keep of it.

    The call's own transaction is rolled back, so the endpoint keeps `report` in a new one.
    """

    report: Report

    def __init__(self, reason: AffiseError, report: Report) -> None:
        self.status_code = reason.status_code
        self.reason = reason
        self.report = report
        super().__init__(reason.message)
