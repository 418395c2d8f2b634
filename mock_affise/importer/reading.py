"""Read a network through Affise's read-only routes into fixture rows (importer.mapper).

The order: currencies (extended), payment systems, partners (all pages), conversions in date
windows (all pages, each window checkpointed), payments in the period (all pages); then what
those name and the period left out, by id: conversions an invoice bills, referral invoices a
main invoice took, partners that are referred to; last, advertiser invoices and the
advertisers list, each when the server has it. Every route is GET.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import mapper
from .answers import ok_body, use
from .checkpoint import Checkpoint
from .client import AffiseReader, Malformed, Unexpected, listed

Progress = Callable[[str, int], None]  # a kind of object, and how many more were read

CURRENCY = "/3.0/admin/currency"
PAYMENT_SYSTEMS = "/3.0/admin/payment_systems"
PARTNERS = "/3.0/admin/partners"
PARTNER = "/3.0/admin/partner/{id}"
CONVERSIONS = "/3.0/stats/conversions"
CONVERSION = "/3.0/stats/conversionsbyid"
PAYMENTS = "/3.1/payments"
PAYMENT = "/3.1/payments/{id}"
ADVERTISER_INVOICES = "/3.0/admin/advertiser-invoices"
ADVERTISERS = "/3.0/admin/advertisers"


@dataclass(frozen=True)
class Scope:
    """What to read: the period (conversions by created_at, invoices by posted_date)."""

    date_from: date
    date_to: date
    affiliates: tuple[int, ...] | None = None
    page_size: int = 100
    window_days: int = 7

    def windows(self) -> list[tuple[date, date]]:
        """The period cut into windows of window_days days, oldest first."""
        found, start = [], self.date_from
        while start <= self.date_to:
            end = min(self.date_to, start + timedelta(days=self.window_days - 1))
            found.append((start, end))
            start = end + timedelta(days=1)
        return found


@dataclass
class Network:
    """The rows read so far, by section, and what the reading could not know."""

    currencies: list[dict[str, Any]] = field(default_factory=list)
    payment_systems: list[dict[str, Any]] = field(default_factory=list)
    managers: dict[str, dict[str, Any]] = field(default_factory=dict)
    affiliates: dict[int, dict[str, Any]] = field(default_factory=dict)
    advertisers: dict[str, dict[str, Any]] = field(default_factory=dict)
    offers: dict[int, dict[str, Any]] = field(default_factory=dict)
    conversions: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[int, dict[str, Any]] = field(default_factory=dict)
    corrections: dict[int, dict[str, Any]] = field(default_factory=dict)
    advertiser_invoices: dict[int, dict[str, Any]] = field(default_factory=dict)
    revenues: dict[int, str] = field(default_factory=dict)  # each invoice's revenue as shown
    not_served: list[str] = field(default_factory=list)  # "GET route (HTTP n): so what"
    not_found: list[str] = field(default_factory=list)  # named by a row, 404 by id
    counts: Counter = field(default_factory=Counter)


def read_network(reader: AffiseReader, scope: Scope, progress: Progress,
                 checkpoint: Checkpoint | None = None) -> Network:
    """Read everything the fixture needs within scope."""
    network = Network()

    def seen(kind: str, count: int) -> None:
        network.counts[kind] += count
        progress(kind, count)

    _currencies(reader, network, seen)
    _payment_systems(reader, network, seen)
    _partners(reader, scope, network, seen)
    _conversions(reader, scope, network, seen, checkpoint)
    _payments(reader, scope, network, seen)
    _what_they_name(reader, network, seen)
    _advertiser_invoices(reader, scope, network, seen)
    _advertisers(reader, scope, network, seen)
    return network


def _currencies(reader: AffiseReader, network: Network, seen: Progress) -> None:
    quotes = listed(CURRENCY, ok_body(reader, CURRENCY, {"extended": 1}), "quotes", reader.name)
    for quote in quotes:
        use(reader, CURRENCY, "currency", quote,
             lambda q: network.currencies.append(mapper.currency_row(q)))
    seen("currencies", len(network.currencies))


def _payment_systems(reader: AffiseReader, network: Network, seen: Progress) -> None:
    systems = listed(PAYMENT_SYSTEMS, ok_body(reader, PAYMENT_SYSTEMS), "payment_systems",
                     reader.name)
    for system in systems:
        use(reader, PAYMENT_SYSTEMS, "payment system", system,
             lambda s: network.payment_systems.append(mapper.payment_system_row(s)))
    seen("payment systems", len(network.payment_systems))


def _add_partner(network: Network, partner: dict[str, Any]) -> None:
    row = mapper.affiliate_row(partner)
    network.affiliates[row["id"]] = row
    manager = partner.get("manager")
    if isinstance(manager, dict) and manager.get("id"):
        network.managers.setdefault(str(manager["id"]), mapper.manager_row(manager))


def _every_page(reader: AffiseReader, scope: Scope, path: str, params: dict[str, Any],
                by: str, items: str, add: Callable[[dict[str, Any]], None],
                seen: Progress) -> None:
    """Read every page of a list, adding each row; scope.affiliates narrows it by filter `by`."""
    if scope.affiliates:
        params[by] = list(scope.affiliates)
    for page in reader.pages(path, params, items, scope.page_size):
        for row in page:
            use(reader, path, items.rstrip("s"), row, add)
        seen(items, len(page))


def _partners(reader: AffiseReader, scope: Scope, network: Network, seen: Progress) -> None:
    _every_page(reader, scope, PARTNERS, {}, "id[]", "partners",
                lambda partner: _add_partner(network, partner), seen)


def _add_conversion(network: Network, conversion: dict[str, Any]) -> None:
    row = mapper.conversion_row(conversion)
    network.conversions[row["id"]] = row
    offer = mapper.offer_row(conversion)
    known = network.offers.get(offer["id"])
    if known is None or (not known["title"] and offer["title"]):
        network.offers[offer["id"]] = offer


def _conversions(reader: AffiseReader, scope: Scope, network: Network, seen: Progress,
                 checkpoint: Checkpoint | None) -> None:
    params: dict[str, Any] = {}
    if scope.affiliates:
        params["partner[]"] = list(scope.affiliates)
    for start, end in scope.windows():
        window = f"{start.isoformat()}/{end.isoformat()}"
        kept = checkpoint.window(window) if checkpoint else None
        if kept is None:
            kept = []
            for page in reader.pages(CONVERSIONS, {**params, "date_from": start.isoformat(),
                                                   "date_to": end.isoformat()},
                                     "conversions", scope.page_size):
                kept.extend(page)
                seen("conversions", len(page))
            if checkpoint:
                checkpoint.keep(window, kept)
        else:
            seen("conversions", len(kept))
        for conversion in kept:
            use(reader, CONVERSIONS, "conversion", conversion,
                 lambda c: _add_conversion(network, c))


def _add_payment(network: Network, payment: dict[str, Any]) -> None:
    row = mapper.payment_row(payment)
    network.payments[row["id"]] = row
    network.revenues[row["id"]] = str(payment.get("revenue"))
    for correction in mapper.correction_rows(payment):
        network.corrections[correction["id"]] = correction
    for offer_id, title in mapper.detail_offers(payment).items():
        network.offers.setdefault(offer_id, {"id": offer_id, "title": title,
                                             "advertiser_id": None})


def _payments(reader: AffiseReader, scope: Scope, network: Network, seen: Progress) -> None:
    period = {"date_from": scope.date_from.isoformat(), "date_to": scope.date_to.isoformat()}
    _every_page(reader, scope, PAYMENTS, period, "aid[]", "payments",
                lambda payment: _add_payment(network, payment), seen)


def _what_they_name(reader: AffiseReader, network: Network, seen: Progress) -> None:
    """Read by id what the rows read so far name and the period or the scope left out.

    An id Affise answers 404 for is asked once: the document then goes without it (and the
    summary says where it was named).
    """
    gone: set[Any] = set()
    while True:
        payments = _missing(network.payments, gone, (r for p in network.payments.values()
                                                     for r in p["ref_ids"]))
        conversions = _missing(network.conversions, gone, (c for p in network.payments.values()
                                                           for c in p["cpa_actions"]))
        partners = _missing(network.affiliates, gone, [
            *(a["ref"] for a in network.affiliates.values() if a["ref"] is not None),
            *(p["pid"] for p in network.payments.values()),
            *(c["affiliate_id"] for c in network.conversions.values())])
        if not (payments or conversions or partners):
            return
        for payment_id in payments:
            _by_id(reader, network, gone, payment_id, PAYMENT.format(id=payment_id), None,
                   "payment", _add_payment)
        seen("payments", len(payments))
        for conversion_id in conversions:
            _by_id(reader, network, gone, conversion_id, CONVERSION, {"id": conversion_id},
                   "conversion", _add_conversion)
        seen("conversions", len(conversions))
        for partner_id in partners:
            _by_id(reader, network, gone, partner_id, PARTNER.format(id=partner_id), None,
                   "partner", _add_partner)
        seen("partners", len(partners))


def _by_id(reader: AffiseReader, network: Network, gone: set[Any], wanted: Any, path: str,
           params: dict[str, Any] | None, key: str,
           add: Callable[[Network, dict[str, Any]], None]) -> None:
    """Read one object by id and add it; a 404 leaves it out, noted, never asked again."""
    answer = reader.get(path, params)
    if answer.status == 404:
        gone.add(wanted)
        network.not_found.append(f"{key} {wanted}")
    elif not answer.ok:
        raise Unexpected(path, answer, reader.name)
    elif key not in answer.body:
        raise Malformed(path, f"status 1 but no {key!r} for {key} {wanted}", reader.name)
    else:
        use(reader, path, key, answer.body[key], lambda item: add(network, item))


def _missing(known: dict, gone: set[Any], named: Iterable[Any]) -> list[Any]:
    return sorted({value for value in named if value not in known and value not in gone})


def _served(reader: AffiseReader, path: str, scope: Scope, network: Network,
            otherwise: str) -> bool:
    """Tell whether the server answers a list route; note what is lost when it does not."""
    first = reader.get(path, {"page": 1, "limit": scope.page_size}, optional=True)
    if not first.ok:  # not served (the mock: 501), or not to this key (403)
        network.not_served.append(f"GET {path} (HTTP {first.status}): {otherwise}")
    return first.ok


def _advertiser_invoices(reader: AffiseReader, scope: Scope, network: Network,
                         seen: Progress) -> None:
    if not _served(reader, ADVERTISER_INVOICES, scope, network,
                   "advertiser invoices are not imported"):
        return
    for page in reader.pages(ADVERTISER_INVOICES, {}, "message", scope.page_size):
        for invoice in page:
            use(reader, ADVERTISER_INVOICES, "advertiser invoice", invoice,
                 lambda i: _add_advertiser_invoice(network, i))
        seen("advertiser invoices", len(page))


def _add_advertiser_invoice(network: Network, invoice: dict[str, Any]) -> None:
    row = mapper.advertiser_invoice_row(invoice)
    network.advertiser_invoices[row["number"]] = row


def _advertisers(reader: AffiseReader, scope: Scope, network: Network, seen: Progress) -> None:
    """Titles and emails of the advertisers offers and invoices name, when the server lists
    them."""
    wanted = {o["advertiser_id"] for o in network.offers.values() if o["advertiser_id"]} | {
        i["supplier_id"] for i in network.advertiser_invoices.values()}
    if not wanted or not _served(reader, ADVERTISERS, scope, network,
                                 "advertisers have no title or email"):
        return
    def add(advertiser: dict[str, Any]) -> None:
        advertiser_id = str(advertiser.get("id") or advertiser.get("_id") or "")
        if advertiser_id in wanted:
            network.advertisers[advertiser_id] = {
                "id": advertiser_id, "title": advertiser.get("title"),
                "email": advertiser.get("email")}

    for page in reader.pages(ADVERTISERS, {}, "advertisers", scope.page_size):
        for advertiser in page:
            use(reader, ADVERTISERS, "advertiser", advertiser, add)
        seen("advertisers", len(page))
