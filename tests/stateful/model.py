"""A plain-Python model of Affise's billing rules (contract sections 4 and 7), for the machine.

It knows nothing of HTTP or SQL: it holds conversions and invoices as dicts and says what
each operation should answer and leave behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal


def plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


class Refused(Exception):
    """The operation must answer 400 with this message and change nothing."""


@dataclass
class Invoice:
    id: int
    pid: int
    currency: str
    period_end: datetime
    status: int = 1
    corrections: dict[int, Decimal] = field(default_factory=dict)
    completed_at: datetime | None = None
    taken_by: int | None = None  # a referral invoice: the main invoice that took it
    ref_ids: list[int] = field(default_factory=list)
    ref_revenue: Decimal | None = None


def referral_share(revenues: list[Decimal], percent: Decimal) -> Decimal:
    """Section 7: revenue x percent / 100 summed, rounded half-up to 8 places once."""
    owed = sum(revenues, Decimal(0)) * percent / 100
    return owed.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)


class BillingModel:
    def __init__(self, document: dict) -> None:
        self.now = datetime.strptime(document["now"], "%Y-%m-%d %H:%M:%S")
        self.currencies = {c["code"]: c for c in document["currencies"]}
        self.currency_by_id = {c["id"]: c for c in document["currencies"]}
        self.systems = {s["id"]: s for s in document["payment_systems"]}
        self.affiliates = {a["id"]: a for a in document["affiliates"]}
        self.conversions = {}
        for c in document["conversions"]:
            self.conversions[c["id"]] = {
                **c, "payouts": Decimal(c["payouts"]),
                "created": datetime.strptime(c["created_at"], "%Y-%m-%d %H:%M:%S"),
                "hold": datetime.strptime(c["hold_until"], "%Y-%m-%d %H:%M:%S")
                if c["hold_until"] else None,
                "invoice": None}
        self.invoices: dict[int, Invoice] = {}
        self.tenant_percent = Decimal((document.get("settings") or {}).get("referral_percent")
                                      or 0)
        self.next_invoice = 1
        self.next_correction = 1

    # ------------------------------------------------------------------ rules

    def approved(self, c: dict) -> bool:
        return c["status"] == 1 or (c["status"] == 5 and c["hold"] is not None
                                    and c["hold"] <= self.now)

    def payable(self, c: dict) -> bool:
        return self.approved(c) and c["invoice"] is None

    def payee(self, aid: int, code: str) -> dict | None:
        bindings = [b for b in self.affiliates[aid]["payment_systems"] if b["currency"] == code]
        bindings.sort(key=lambda b: (not b["active"], b["id"]))
        return self.systems[bindings[0]["system_id"]] if bindings else None

    def minimum(self, system: dict, code: str) -> Decimal:
        if system["threshold"] is not None:
            return Decimal(system["threshold"])
        return Decimal(self.currencies[code]["min_payment"])

    def members(self, invoice_id: int) -> list[dict]:
        return [c for c in self.conversions.values() if c["invoice"] == invoice_id]

    def own_revenue(self, invoice: Invoice) -> Decimal:
        total = sum((c["payouts"] for c in self.members(invoice.id)), Decimal(0))
        return total + sum(invoice.corrections.values(), Decimal(0))

    def revenue(self, invoice: Invoice) -> Decimal:
        return self.own_revenue(invoice) + (invoice.ref_revenue or 0)

    def percent(self, main: int) -> Decimal:
        own = self.affiliates[main].get("ref_percent")
        return Decimal(own) if own is not None else self.tenant_percent

    def owed(self, before: datetime | None) -> dict[tuple[int, str], list[Invoice]]:
        """Completed referral invoices not yet taken, by (main affiliate, currency)."""
        groups: dict[tuple[int, str], list[Invoice]] = {}
        for invoice in sorted(self.invoices.values(), key=lambda i: i.id):
            main = self.affiliates[invoice.pid].get("ref")
            if invoice.status != 2 or invoice.taken_by is not None or main is None:
                continue
            if before is not None and invoice.completed_at >= before:
                continue
            if main in self.affiliates and self.percent(main) > 0:
                groups.setdefault((main, invoice.currency), []).append(invoice)
        return groups

    def share(self, main: int, taken: list[Invoice]) -> Decimal:
        return referral_share([self.own_revenue(i) for i in taken], self.percent(main))

    def _make(self, pid: int, code: str, period_end: datetime, chosen: list[dict],
              taken: list[Invoice] = ()) -> int:
        invoice = Invoice(self.next_invoice, pid, code, period_end)
        self.next_invoice += 1
        self.invoices[invoice.id] = invoice
        for c in chosen:
            c["invoice"] = invoice.id
        if taken:
            invoice.ref_ids = [i.id for i in taken]
            invoice.ref_revenue = self.share(pid, taken)
            for referral in taken:
                referral.taken_by = invoice.id
        return invoice.id

    # ------------------------------------------------------------------ operations

    def generate(self, aid: int | None, end_day: str | None, start_day: str | None,
                 by_last_invoice: bool) -> list[int]:
        end = (datetime.strptime(end_day, "%Y-%m-%d") if end_day
               else self.now.replace(hour=0, minute=0, second=0)) + timedelta(days=1)
        start = datetime.strptime(start_day, "%Y-%m-%d") if start_day and not by_last_invoice \
            else None
        if start is not None and start >= end:
            last_day = (end - timedelta(days=1)).date().isoformat()
            raise Refused(f"date_from: must not be after the end date {last_day}")
        if aid is not None and aid not in self.affiliates:
            raise Refused(f"aid: unknown affiliate {aid}")
        groups: dict[tuple[int, str], list[dict]] = {}
        for c in self.conversions.values():
            if not self.payable(c) or c["created"] >= end or (start and c["created"] < start):
                continue
            if aid is not None and c["affiliate_id"] != aid:
                continue
            if by_last_invoice and any(
                    i.pid == c["affiliate_id"] and i.currency == c["currency"]
                    and i.period_end > c["created"] for i in self.invoices.values()):
                continue
            groups.setdefault((c["affiliate_id"], c["currency"]), []).append(c)
        owed = {key: taken for key, taken in self.owed(end).items()
                if aid is None or key[0] == aid}
        if aid is not None and not groups and not owed:
            name = self.affiliates[aid]["name"]
            raise Refused(f"The affiliate {name} ({aid}) does not have paid conversions")
        plan, first_reason = [], None
        for pid, code in sorted({*groups, *owed}):
            chosen, taken = groups.get((pid, code), []), owed.get((pid, code), [])
            system = self.payee(pid, code)
            name = self.affiliates[pid]["name"]
            total = sum((c["payouts"] for c in chosen), Decimal(0))
            if taken:
                total += self.share(pid, taken)
            if system is None:
                reason = f"The affiliate {name} ({pid}) does not have a payment system ({code})"
            elif total < self.minimum(system, code):
                reason = f"Minimum payment - {plain(self.minimum(system, code))} {code}"
            else:
                plan.append((pid, code, chosen, taken))
                continue
            first_reason = first_reason or reason
        if aid is not None and not plan:
            raise Refused(first_reason)
        return [self._make(pid, code, end, chosen, taken) for pid, code, chosen, taken in plan]

    def create(self, aid: int, amount: Decimal, currency_id: int) -> int:
        if aid not in self.affiliates:
            raise Refused(f"aid: unknown affiliate {aid}")
        if currency_id not in self.currency_by_id:
            raise Refused(f"currency: unknown currency id {currency_id}")
        code = self.currency_by_id[currency_id]["code"]
        name = self.affiliates[aid]["name"]
        system = self.payee(aid, code)
        if system is None:
            raise Refused(f"The affiliate {name} ({aid}) does not have a payment system ({code})")
        if amount < self.minimum(system, code):
            raise Refused(f"Minimum payment - {plain(self.minimum(system, code))} {code}")
        payable = sorted((c for c in self.conversions.values()
                          if self.payable(c) and c["affiliate_id"] == aid
                          and c["currency"] == code), key=lambda c: (c["created"], c["id"]))
        if not payable:
            raise Refused(f"The affiliate {name} ({aid}) does not have paid conversions")
        available = sum((c["payouts"] for c in payable), Decimal(0))
        if available < amount:
            raise Refused(f"The affiliate {name} ({aid}) has {plain(available)} {code} of paid "
                          f"conversions, less than {plain(amount)} {code}")
        chosen, running = [], Decimal(0)
        for c in payable:
            if running >= amount:
                break
            chosen.append(c)
            running += c["payouts"]
        day = self.now.replace(hour=0, minute=0, second=0) + timedelta(days=1)
        return self._make(aid, code, day, chosen)

    def _open(self, invoice_id: int) -> Invoice:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise LookupError(invoice_id)
        if invoice.status == 2:
            raise Refused("Payment has status finished")
        return invoice

    def update_status(self, invoice_id: int, status: int) -> None:
        invoice = self._open(invoice_id)
        invoice.status = status
        if status == 2:
            invoice.completed_at = self.now

    def add_correction(self, invoice_id: int, amount: Decimal) -> int:
        invoice = self._open(invoice_id)
        after = self.revenue(invoice) + amount
        if after < 0:
            raise Refused("revenue: this correction would make the payment's revenue negative "
                          f"({plain(after)})")
        correction_id = self.next_correction
        self.next_correction += 1
        invoice.corrections[correction_id] = amount
        return correction_id

    def delete_correction(self, correction_id: int) -> None:
        invoice = next(i for i in self.invoices.values() if correction_id in i.corrections)
        self._open(invoice.id)
        after = self.revenue(invoice) - invoice.corrections[correction_id]
        if after < 0:
            raise Refused(f"id: removing correction {correction_id} would make the payment's "
                          f"revenue negative ({plain(after)})")
        del invoice.corrections[correction_id]

    def remove_conversions(self, invoice_id: int, conversion_ids: list[str]) -> None:
        invoice = self._open(invoice_id)
        removed = sum((self.conversions[c]["payouts"] for c in conversion_ids), Decimal(0))
        after = self.revenue(invoice) - removed
        if after < 0:
            raise Refused("conversion_ids: removing these conversions would make the payment's "
                          f"revenue negative ({plain(after)})")
        for c in conversion_ids:
            self.conversions[c]["invoice"] = None

    def delete(self, invoice_id: int) -> None:
        self._open(invoice_id)
        for c in self.members(invoice_id):
            c["invoice"] = None
        for referral in self.invoices.values():  # released: owed again
            if referral.taken_by == invoice_id:
                referral.taken_by = None
        del self.invoices[invoice_id]

    def bulk_delete(self, ids: list[int]) -> dict[str, bool]:
        result = {}
        for invoice_id in ids:
            invoice = self.invoices.get(invoice_id)
            ok = invoice is not None and invoice.status != 2
            if ok:
                self.delete(invoice_id)
            result[str(invoice_id)] = ok
        return result

    def edit_conversions(self, ids: list[str], status: int) -> None:
        billed = [c for c in ids if self.conversions[c]["invoice"] is not None]
        if billed:
            invoice = self.conversions[billed[0]]["invoice"]
            raise Refused(f"ids: conversion {billed[0]} is in payment {invoice}")
        for c in ids:
            self.conversions[c]["status"] = status

    def balance(self, aid: int) -> dict[str, tuple[Decimal, Decimal]]:
        """(available, hold) per currency: payable, and unexpired hold not in an invoice."""
        out: dict[str, list[Decimal]] = {}
        for c in self.conversions.values():
            if c["affiliate_id"] != aid or c["invoice"] is not None:
                continue
            entry = out.setdefault(c["currency"], [Decimal(0), Decimal(0)])
            if self.approved(c):
                entry[0] += c["payouts"]
            elif c["status"] == 5:
                entry[1] += c["payouts"]
        for (main, code), taken in self.owed(None).items():
            if main == aid:
                out.setdefault(code, [Decimal(0), Decimal(0)])[0] += self.share(main, taken)
        return {k: (v[0], v[1]) for k, v in out.items()}
