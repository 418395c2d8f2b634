"""Hypothesis strategies for property-testing clients of the mock (and the mock itself)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

NOW = datetime(2024, 6, 15, 12, 0, 0)
CODES = ("USD", "EUR", "RUB")
_CURRENCY_IDS = {"RUB": 1, "USD": 2, "EUR": 3}


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _hex(prefix: int, number: int) -> str:
    return f"{prefix:02x}{number:022x}"


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2,
                      allow_nan=False, allow_infinity=False)


@st.composite
def fixture_documents(draw: st.DrawFn, max_affiliates: int = 4,
                      max_conversions: int = 30) -> dict[str, Any]:
    """Draw a valid fixture document: consistent ids, currencies, payment systems, conversions.

    The clock is frozen at 2024-06-15 12:00:00; conversions fall in the six months before it,
    in every status, some on hold with hold_until on either side of now.
    """
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
    currencies = [
        {"id": _CURRENCY_IDS[code], "code": code, "rate": "1",
         "min_payment": str(draw(st.sampled_from([0, 5, 20, 50]))), "active": True,
         "default": index == 0}
        for index, code in enumerate(codes)]
    systems = []
    for system_id in range(1, draw(st.integers(1, 3)) + 1):
        systems.append({
            "id": system_id, "title": f"System {system_id}",
            "currency": draw(st.none() | st.sampled_from(codes)),
            "threshold": draw(st.none() | st.sampled_from(["0", "10", "30"])),
            "fields": [{"id": system_id * 10 + n, "label": f"Field {n}", "required": n == 1}
                       for n in range(1, draw(st.integers(1, 2)) + 1)]})
    manager = {"id": _hex(0x5f, 1), "first_name": "Ann", "last_name": "Lee",
               "email": "ann@example.com", "role": "admin", "api_key": "a" * 32}
    affiliates = []
    binding_id = 100
    for affiliate_id in range(1, draw(st.integers(1, max_affiliates)) + 1):
        bindings = []
        for _ in range(draw(st.integers(0, 2))):
            system = draw(st.sampled_from(systems))
            currency = system["currency"] or draw(st.sampled_from(codes))
            binding_id += 1
            bindings.append({
                "id": binding_id, "system_id": system["id"], "currency": currency,
                "active": draw(st.sampled_from([0, 1])),
                "fields": {str(f["id"]): f"acc-{binding_id}-{f['id']}" for f in system["fields"]}})
        affiliates.append({"id": affiliate_id, "name": f"Affiliate {affiliate_id}",
                           "email": f"a{affiliate_id}@example.com", "login": f"a{affiliate_id}",
                           "status": "active", "manager_id": manager["id"],
                           "api_key": f"{affiliate_id:032d}", "payment_systems": bindings})
    offers = [{"id": n, "title": f"Offer {n}", "advertiser_id": _hex(0x62, n)} for n in (1, 2)]
    conversions = []
    for number in range(1, draw(st.integers(0, max_conversions)) + 1):
        created = NOW - timedelta(hours=draw(st.integers(1, 24 * 180)))
        status = draw(st.sampled_from([1, 1, 1, 2, 3, 5]))
        hold_until = None
        if status == 5:
            hold_until = _ts(NOW + timedelta(days=draw(st.integers(-20, 20))))
        conversions.append({
            "id": _hex(0x66, number), "affiliate_id": draw(st.integers(1, len(affiliates))),
            "offer_id": draw(st.sampled_from([1, 2])), "status": status,
            "payouts": str(draw(amounts)), "currency": draw(st.sampled_from(codes)),
            "country": draw(st.sampled_from(["US", "DE", "GB"])), "goal": "1",
            "created_at": _ts(created), "hold_until": hold_until})
    return {"now": _ts(NOW), "currencies": currencies, "payment_systems": systems,
            "managers": [manager], "affiliates": affiliates, "offers": offers,
            "conversions": conversions}
