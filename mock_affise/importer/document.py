"""The rows read from Affise as one fixture document, and what the reading could not know.

Affise's read API does not show everything a fixture holds. What it never shows is listed
once (UNKNOWABLE, also in the README); what a particular network's answers leave out or
contradict is repaired the way that keeps the document loadable, and each repair is noted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..billing.rules import effectively_approved, invoice_revenue
from ..clock import format_timestamp, parse_timestamp
from .reading import Network

# What Affise's read routes never show: the fixture takes the default written beside each.
UNKNOWABLE = (
    "payment systems' thresholds (not in GET /3.0/admin/payment_systems): imported as none, so "
    "the currency's min_payment applies",
    "managers: only those a partner names, with the name, email and type its `manager` object "
    "shows; their API keys are never shown (the mock gives each a fresh one)",
    "invoices' period end (period_to, which by_last_invoice reads): imported as none",
    "the network's referral percent (Settings > Affiliates > Referral payments): imported as "
    "unset; partners' own ref_percent is imported",
    "offers no imported conversion or invoice names, and every offer field but id, title and "
    "advertiser",
    "conversions' click data (ip, user agent, subs, custom fields)",
    "advertiser invoices' times of day (Affise shows the days they were created and updated)",
)


@dataclass
class Built:
    """The document, and the notes the summary prints about this network."""

    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def build_document(network: Network, now: datetime) -> Built:
    """Assemble the fixture document from what was read, repairing what would not load."""
    built = Built({})
    systems = {s["id"]: s for s in network.payment_systems}
    _resolve_bindings(network, systems, built.notes)
    _check_invoices(network, systems, now, built.notes)
    managers = dict(network.managers)
    for payment in network.payments.values():
        manager_id = payment["manager_id"]
        if manager_id and manager_id not in managers:
            managers[manager_id] = {"id": manager_id, "first_name": "", "last_name": "",
                                    "email": "", "role": "affiliate_manager", "api_key": None}
            built.notes.append(f"manager {manager_id}: named by invoices only; its id alone "
                               "is known")
    _invoiced_offers_and_advertisers(network, built.notes)
    offers = sorted(network.offers.values(), key=lambda o: o["id"])
    built.document = {
        "now": format_timestamp(now),
        "currencies": sorted(network.currencies, key=lambda c: c["id"]),
        "payment_systems": sorted(network.payment_systems, key=lambda s: s["id"]),
        "managers": sorted(managers.values(), key=lambda m: m["id"]),
        "affiliates": _sorted(network.affiliates),
        "advertisers": _sorted(network.advertisers),
        "offers": offers,
        "conversions": sorted(network.conversions.values(),
                              key=lambda c: (c["created_at"], c["id"])),
        "payments": _sorted(network.payments),
        "corrections": _sorted(network.corrections),
        "advertiser_invoices": _sorted(network.advertiser_invoices),
    }
    built.notes.extend(network.not_served)
    built.notes.extend(f"{what}: named, but Affise answered 404 for it; left out"
                       for what in network.not_found)
    return built


def _invoiced_offers_and_advertisers(network: Network, notes: list[str]) -> None:
    """Give the offers and advertisers only advertiser invoices name a row of their own."""
    for invoice in network.advertiser_invoices.values():
        for line in invoice["detail"]:
            if line["offer_id"] not in network.offers:
                network.offers[line["offer_id"]] = {"id": line["offer_id"], "title": "",
                                                    "advertiser_id": None}
                notes.append(f"offer {line['offer_id']}: named by advertiser invoice "
                             f"{invoice['number']} only; its title is unknown")
        known = {o["advertiser_id"] for o in network.offers.values()}
        if invoice["supplier_id"] not in known:
            network.advertisers.setdefault(invoice["supplier_id"], {
                "id": invoice["supplier_id"], "title": None, "email": None})


def _sorted(rows: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    return [rows[key] for key in sorted(rows)]


def _resolve_bindings(network: Network, systems: dict[int, dict], notes: list[str]) -> None:
    """Give each binding its system's id, a currency and field ids; leave out what cannot be.

    Affise's partner answers may name the system by title only, give no currency, and key
    the account fields by name: the payment systems list resolves all three.
    """
    by_title = {str(s["title"]).strip().lower(): s for s in systems.values()}
    default = next((c["code"] for c in network.currencies if c["default"]), None)
    for affiliate in network.affiliates.values():
        where, kept = f"affiliate {affiliate['id']}", []
        for binding in affiliate["payment_systems"]:
            shown = binding.pop("system", None)
            system = systems.get(binding["system_id"]) or by_title.get(
                str(shown or "").strip().lower())
            if system is None:
                notes.append(f"{where}: its binding to payment system "
                             f"{binding['system_id'] or shown!r}, which Affise does not list, "
                             "is left out")
                continue
            binding["system_id"] = system["id"]
            if not binding["currency"]:
                binding["currency"] = system["currency"] or default
                if not system["currency"]:
                    notes.append(f"{where}: its {system['title']} binding shows no currency; "
                                 f"imported in the default one, {default}")
            fields, problem = _field_ids(binding["fields"], system)
            if problem:
                notes.append(f"{where}: its {system['title']} binding {problem}; left out")
                continue
            binding["fields"] = fields
            kept.append(binding)
        affiliate["payment_systems"] = kept


def _field_ids(values: dict[str, str], system: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The values keyed by the system's field ids (Affise may key them by label)."""
    ids = {str(f["id"]): f for f in system["fields"]}
    labels = {str(f["label"]).strip().lower(): str(f["id"]) for f in system["fields"]}
    found = {}
    for key, value in values.items():
        field_id = key if key in ids else labels.get(key.strip().lower())
        if field_id is None:
            return {}, f"has a field {key!r} the system does not list"
        found[field_id] = value
    missing = [f["label"] for f in system["fields"]
               if f["required"] and not found.get(str(f["id"]))]
    return found, f"lacks the required {', '.join(missing)}" if missing else ""


def _check_invoices(network: Network, systems: dict[int, dict], now: datetime,
                    notes: list[str]) -> None:
    """Keep only billable conversions in each invoice; note where its revenue will differ."""
    for payment in network.payments.values():
        where = f"invoice {payment['id']}"
        if payment["pay_sys"] is not None and payment["pay_sys"] not in systems:
            notes.append(f"{where}: payment system {payment['pay_sys']} is not listed; "
                         "imported without one")
            payment["pay_sys"] = None
        kept = []
        for conversion_id in payment["cpa_actions"]:
            conversion = network.conversions.get(conversion_id)
            problem = _not_billable(conversion, payment, now)
            if problem:
                notes.append(f"{where}: conversion {conversion_id} left out ({problem})")
            else:
                kept.append(conversion_id)
        payment["cpa_actions"] = kept
        shown = network.revenues.get(payment["id"])
        derived = invoice_revenue(
            (Decimal(network.conversions[c]["payouts"]) for c in kept),
            (Decimal(c["revenue"]) for c in network.corrections.values()
             if c["payment_id"] == payment["id"]),
            None if payment["ref_revenue"] is None else Decimal(payment["ref_revenue"]))
        try:
            differs = shown is not None and Decimal(shown) != derived
        except InvalidOperation:
            differs = True
        if differs:
            notes.append(f"{where}: Affise shows revenue {shown}; the mock derives {derived} "
                         "from its conversions, corrections and referral money")


def _not_billable(conversion: dict[str, Any] | None, payment: dict[str, Any],
                  now: datetime) -> str | None:
    if conversion is None:
        return "not found"
    hold_until = conversion["hold_until"]
    if not effectively_approved(conversion["status"],
                                parse_timestamp(hold_until) if hold_until else None, now):
        return f"status {conversion['status']}, not approved"
    if conversion["affiliate_id"] != payment["pid"]:
        return f"of affiliate {conversion['affiliate_id']}"
    if conversion["currency"] != payment["currency"]:
        return f"in {conversion['currency']}"
    return None
