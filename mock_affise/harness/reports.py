"""Generation reports: what each generate/create call made and skipped (GET /_mock/generations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import format_timestamp
from ..models import GenerationReport
from ..network import Page, page_of_rows


def generation_reports(session: Session, tenant_id: int) -> list[dict[str, Any]]:
    """Render the tenant's generation reports, oldest first."""
    reports = session.scalars(select(GenerationReport).where(
        GenerationReport.tenant_id == tenant_id).order_by(GenerationReport.id))
    return [_render(r) for r in reports]


def page_of_reports(session: Session, tenant_id: int, page: int,
                    limit: int) -> Page[dict[str, Any]]:
    """Return one page of the tenant's generation reports, newest first."""
    reports = page_of_rows(session, GenerationReport, [GenerationReport.tenant_id == tenant_id],
                           [GenerationReport.id.desc()], page, limit)
    return Page([_render(r) for r in reports.items], reports.total, page, limit)


def get_report(session: Session, tenant_id: int, report_id: int) -> dict[str, Any] | None:
    """Render one of the tenant's generation reports, or None."""
    report = session.get(GenerationReport, report_id)
    return None if report is None or report.tenant_id != tenant_id else _render(report)


def _render(report: GenerationReport) -> dict[str, Any]:
    return {"id": report.id, "operation": report.operation,
            "created_at": format_timestamp(report.created_at), "parameters": report.parameters,
            "payments": report.payments, "skipped": report.skipped,
            "referrals": report.referrals or {}}
