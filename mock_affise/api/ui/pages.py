"""The dashboard's pages: each reads through one harness or billing service and renders."""

from __future__ import annotations

from flask import Response, redirect, request

from ...billing.invoices import InvoiceFilter, list_invoices, read_invoice
from ...billing.rules import INVOICE_STATUSES, ConversionStatus, InvoiceStatus, effective_status
from ...clock import clock_state, format_timestamp, tenant_now
from ...errors import NotFound, ValidationError
from ...harness import dashboard, faults, tenants
from ...harness.config import tenant_config
from ...harness.reports import get_report, page_of_reports
from ...network import Page
from ...network.reference import find_currency, page_of_currencies, page_of_payment_systems
from ..control.base import settings, tenant_session
from ..endpoint import database
from .base import blueprint, journal_size, page, paging, tenant_url
from .forms import affiliate_filter, invoice_filters, journal_filters

STATUS_WORDS = {code: InvoiceStatus(code).word for code in INVOICE_STATUSES}


def _tenant_page(template: str, tenant, **context) -> Response:
    return page(template, tenant=tenant, clock=clock_state(tenant), statuses=STATUS_WORDS,
                **context)


CURRENCY_CHOICES = 1000  # the currency filter's choices: a tenant's first thousand

@blueprint.get("/")
def tenants_page() -> Response:
    """List the tenants: admin key (masked), counts, clock; make, reset, drop."""
    number, limit = paging()
    with database().transaction() as session:
        listed = dashboard.tenant_summaries(session, number, limit)
        clocks = {t.id: clock_state(t.tenant) for t in listed.items}
        return page("tenants.html", listed=listed, clocks=clocks)


blueprint.add_url_rule("/tenants", "tenants", tenants_page)


@blueprint.get("/tenants/<int:tenant_id>")
def tenant(tenant_id: int) -> Response:
    """Open a tenant at its network."""
    return redirect(tenant_url("network", tenant_id), 303)


@blueprint.get("/tenants/<int:tenant_id>/network")
def network(tenant_id: int) -> Response:
    """Affiliates with balances, bindings and manager; currencies and payment systems."""
    (number, limit), (currencies_at, _), (systems_at, _) = (
        paging(), paging("currencies_page"), paging("systems_page"))
    only = affiliate_filter(request.args.to_dict())
    with tenant_session(tenant_id) as (session, row):
        partners, owed = dashboard.affiliates_page(
            session, row, tenant_now(row), number, limit, only)
        return _tenant_page(
            "network.html", row, partners=partners, owed=owed, only=only,
            currencies=page_of_currencies(session, tenant_id, currencies_at, limit),
            systems=page_of_payment_systems(session, tenant_id, systems_at, limit))


@blueprint.get("/tenants/<int:tenant_id>/invoices")
def invoices(tenant_id: int) -> Response:
    """The invoices, newest first, filtered by status, affiliate, currency and date."""
    number, limit = paging()
    filters = invoice_filters(request.args.to_dict())
    with tenant_session(tenant_id) as (session, row):
        currency_ids = []
        if filters["currency"] is not None:
            currency = find_currency(session, tenant_id, filters["currency"])
            if currency is None:
                raise ValidationError("currency", "is not one of the tenant's currencies")
            currency_ids = [currency.id]
        where = InvoiceFilter(
            filters["date_from"], filters["date_to"],
            statuses=[] if filters["status"] is None else [filters["status"]],
            affiliate_ids=[] if filters["affiliate"] is None else [filters["affiliate"]],
            currency_ids=currency_ids)
        found, total = list_invoices(session, tenant_id, where, number, limit, tenant_now(row))
        listed = Page(found, total, number, limit)
        return _tenant_page("invoices.html", row, listed=listed, filters=filters,
                            currencies=page_of_currencies(session, tenant_id, 1,
                                                          CURRENCY_CHOICES).items)


@blueprint.get("/tenants/<int:tenant_id>/invoices/<int:invoice_id>")
def invoice(tenant_id: int, invoice_id: int) -> Response:
    """One invoice: its conversions, corrections, referral part, account and history."""
    number, limit = paging()
    with tenant_session(tenant_id) as (session, row):
        shown = read_invoice(session, tenant_id, invoice_id, tenant_now(row))
        conversions = dashboard.invoice_conversions(session, tenant_id, invoice_id, number, limit)
        history = dashboard.invoice_history(session, tenant_id, journal_size(), invoice_id)
        return _tenant_page("invoice.html", row, invoice=shown, conversions=conversions,
                            history=history, words=_conversion_words(row, conversions.items))


def _conversion_words(row, conversions) -> dict[str, str]:
    now = tenant_now(row)
    return {c.id: ConversionStatus(effective_status(c.status, c.hold_until, now)).word
            for c in conversions}


@blueprint.get("/tenants/<int:tenant_id>/conversions/<conversion_id>")
def conversion(tenant_id: int, conversion_id: str) -> Response:
    """One conversion as stored, with its status on the tenant clock."""
    with tenant_session(tenant_id) as (session, row):
        found = dashboard.get_conversion_row(session, tenant_id, conversion_id)
        if found is None:
            raise NotFound("Conversion not found")
        return _tenant_page("conversion.html", row, conversion=found,
                            words=_conversion_words(row, [found]))


@blueprint.get("/tenants/<int:tenant_id>/corrections/<int:correction_id>")
def correction(tenant_id: int, correction_id: int) -> Response:
    """Open the invoice a correction belongs to."""
    with tenant_session(tenant_id) as (session, _):
        invoice_id = dashboard.correction_invoice(session, tenant_id, correction_id)
    if invoice_id is None:
        raise NotFound("Correction not found")
    return redirect(tenant_url("invoice", tenant_id, invoice_id=invoice_id), 303)


@blueprint.get("/tenants/<int:tenant_id>/journal")
def journal(tenant_id: int) -> Response:
    """The journal, newest first, filtered by method, path and status."""
    number, limit = paging()
    filters = journal_filters(request.args.to_dict())
    with tenant_session(tenant_id) as (session, row):
        listed = dashboard.journal_page(session, tenant_id, journal_size(), number, limit,
                                        filters["method"], filters["path"], filters["status"])
        return _tenant_page("journal.html", row, listed=listed, filters=filters)


@blueprint.get("/tenants/<int:tenant_id>/journal/<int:entry_id>")
def entry(tenant_id: int, entry_id: int) -> Response:
    """One call: parameters (keys masked), answer, and the rows it touched."""
    with tenant_session(tenant_id) as (session, row):
        found = dashboard.journal_entry(session, tenant_id, journal_size(), entry_id)
        if found is None:
            raise NotFound("Journal entry not found (the journal keeps the newest "
                           f"{journal_size()} calls)")
        return _tenant_page("entry.html", row, entry=found)


@blueprint.get("/tenants/<int:tenant_id>/generations")
def generations(tenant_id: int) -> Response:
    """The generation reports, newest first, each with its skipped affiliates and why."""
    number, limit = paging()
    with tenant_session(tenant_id) as (session, row):
        listed = page_of_reports(session, tenant_id, number, limit)
        return _tenant_page("generations.html", row, listed=listed)


@blueprint.get("/tenants/<int:tenant_id>/generations/<int:report_id>")
def generation(tenant_id: int, report_id: int) -> Response:
    """One generation report: every invoice it made and every affiliate it skipped, paged."""
    number, limit = paging()
    with tenant_session(tenant_id) as (session, row):
        report = get_report(session, tenant_id, report_id)
        if report is None:
            raise NotFound("Generation report not found")
        start = (number - 1) * limit
        skipped = Page(report["skipped"][start:start + limit], len(report["skipped"]), number,
                       limit)
        return _tenant_page("generation.html", row, report=report, skipped=skipped)


@blueprint.get("/tenants/<int:tenant_id>/controls")
def controls(tenant_id: int) -> Response:
    """Clock, settings, fault rules and snapshots, with the forms that change them."""
    (rules_at, limit), (snapshots_at, _) = paging("faults_page"), paging("snapshots_page")
    with tenant_session(tenant_id) as (session, row):
        rules = faults.page_of_rules(session, tenant_id, rules_at, limit)
        snapshots = tenants.page_of_checkpoints(session, tenant_id, snapshots_at, limit)
        return _tenant_page(
            "controls.html", row, rules=[faults.render(r) for r in rules.items],
            rules_page=rules, snapshots=[(s.name, format_timestamp(s.created_at))
                                         for s in snapshots.items],
            snapshots_page=snapshots, config=tenant_config(row, settings()["GENERATION_DELAY"]))
