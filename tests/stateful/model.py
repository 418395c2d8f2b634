"""A plain-Python model of Affise's billing rules (contract section 4), for the state machine.

It knows nothing of HTTP or SQL: it holds conversions and invoices as dicts and says what
each operation should answer and leave behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal


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

    def revenue(self, invoice: Invoice) -> Decimal:
        total = sum((c["payouts"] for c in self.members(invoice.id)), Decimal(0))
        return total + sum(invoice.corrections.values(), Decimal(0))

    def _make(self, pid: int, code: str, period_end: datetime, chosen: list[dict]) -> int:
        invoice = Invoice(self.next_invoice, pid, code, period_end)
        self.next_invoice += 1
        self.invoices[invoice.id] = invoice
        for c in chosen:
            c["invoice"] = invoice.id
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
        if aid is not None and not groups:
            name = self.affiliates[aid]["name"]
            raise Refused(f"The affiliate {name} ({aid}) does not have paid conversions")
        plan, first_reason = [], None
        for (pid, code), chosen in sorted(groups.items()):
            system = self.payee(pid, code)
            name = self.affiliates[pid]["name"]
            total = sum((c["payouts"] for c in chosen), Decimal(0))
            if system is None:
                reason = f"The affiliate {name} ({pid}) does not have a payment system ({code})"
            elif total < self.minimum(system, code):
                reason = f"Minimum payment - {plain(self.minimum(system, code))} {code}"
            else:
                plan.append((pid, code, chosen))
                continue
            first_reason = first_reason or reason
        if aid is not None and not plan:
            raise Refused(first_reason)
        return [self._make(pid, code, end, chosen) for pid, code, chosen in plan]

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
        self._open(invoice_id).status = status

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
        return {k: (v[0], v[1]) for k, v in out.items()}
