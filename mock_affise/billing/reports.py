"""Generation reports: what each generate/create call made and skipped, kept per tenant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ..models import GenerationReport, Tenant
from .generation import Generation


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


def record_generation(session: Session, tenant: Tenant, now: datetime, operation: str,
                      parameters: dict[str, Any], generation: Generation) -> None:
    """Keep the report of one generation call."""
    report = generation.as_report()
    session.add(GenerationReport(
        tenant_id=tenant.id, created_at=now, operation=operation,
        parameters=_plain(parameters), payments=report["payments"], skipped=report["skipped"]))
