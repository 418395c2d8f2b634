"""Generation reports: what each generate/create call made and skipped (GET /_mock/generations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import format_timestamp
from ..models import GenerationReport


def generation_reports(session: Session, tenant_id: int) -> list[dict[str, Any]]:
    """Render the tenant's generation reports, oldest first."""
    reports = session.scalars(select(GenerationReport).where(
        GenerationReport.tenant_id == tenant_id).order_by(GenerationReport.id))
    return [{"id": r.id, "operation": r.operation, "created_at": format_timestamp(r.created_at),
             "parameters": r.parameters, "payments": r.payments, "skipped": r.skipped,
             "referrals": r.referrals or {}}
            for r in reports]
