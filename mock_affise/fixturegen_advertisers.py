"""The advertiser side of a generated fixture: advertisers and a few invoices to each."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from .network.advertisers import PAYOUT_TYPES

ADVERTISER_NAMES = ("Northwind", "Bluebird", "Orbital", "Lumen", "Crescent", "Harbor", "Vertex",
                    "Aurora", "Summit", "Meridian", "Quartz", "Cobalt")
INVOICES_PER_ADVERTISER = (1, 3)


def advertiser_sections(seed: int, offers: list[dict[str, Any]], codes: list[str],
                        now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the advertisers the offers name and a few monthly invoices to each.

    A generator of its own (from seed) keeps the rest of the document what it always was.
    """
    rng = random.Random(f"advertisers-{seed}")
    offers_of: dict[str, list[int]] = {}
    for offer in offers:
        offers_of.setdefault(offer["advertiser_id"], []).append(offer["id"])
    advertisers, invoices = [], []
    for index, advertiser_id in enumerate(sorted(offers_of), start=1):
        name = f"{rng.choice(ADVERTISER_NAMES)} {index}"
        advertisers.append({"id": advertiser_id, "title": name,
                            "email": f"billing{index}@advertiser.example"})
        month_end = now.date().replace(day=1) - timedelta(days=1)
        for _ in range(rng.randint(*INVOICES_PER_ADVERTISER)):
            start = month_end.replace(day=1)
            invoices.append(_invoice(rng, len(invoices) + 1, advertiser_id,
                                     offers_of[advertiser_id], codes, start, month_end))
            month_end = start - timedelta(days=1)
    return advertisers, invoices


def _invoice(rng: random.Random, number: int, advertiser_id: str, offer_ids: list[int],
             codes: list[str], start: date, end: date) -> dict[str, Any]:
    created = datetime.combine(end + timedelta(days=1), datetime.min.time()).replace(hour=9)
    paid = rng.random() < 0.6
    return {
        "number": number, "supplier_id": advertiser_id, "currency": rng.choice(codes),
        "status": "paid" if paid else "unpaid", "start_date": start.isoformat(),
        "end_date": end.isoformat(), "comment": None,
        "detail": [{"offer_id": offer_id, "payout_type": rng.choice(PAYOUT_TYPES),
                    "actions": (actions := rng.randint(1, 500)),
                    "amount": actions * rng.randint(1, 40), "comment": None}
                   for offer_id in rng.sample(offer_ids, min(len(offer_ids), 2))],
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "updated_at": created.strftime("%Y-%m-%d %H:%M:%S"),
    }
