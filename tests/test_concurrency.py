"""Concurrent writers on one tenant: serialised, never billing a conversion twice."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
ALL = {"date_from": "2000-01-01", "date_to": "2100-01-01"}


def test_concurrent_generations_never_bill_a_conversion_twice(make_app, tmp_path,
                                                               default_document):
    app = make_app(default_document, shared=True)
    conversions = {c["id"]: Decimal(c["payouts"]) for c in default_document["conversions"]}
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def worker(number: int) -> None:
        client = app.test_client()
        barrier.wait()
        for round_ in range(4):
            if (number + round_) % 3 == 0:
                response = client.post("/3.1/payments/generate", headers=KEY,
                                       data={"date": "2024-06-15"})
            elif (number + round_) % 3 == 1:
                response = client.post("/3.1/payments/create-for-affiliate", headers=KEY,
                                       data={"aid": "2", "sum": "20", "currency": "2"})
            else:
                listing = client.get("/3.1/payments", headers=KEY, query_string=ALL).json
                open_ids = [p["id"] for p in listing["payments"] if p["status"] != "2"]
                response = client.post("/3.1/payments/bulk-delete", headers=KEY,
                                       data={"ids[]": open_ids[:2] or [1]})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == 24
    assert set(statuses) <= {200, 400}, statuses
    payments = app.test_client().get("/3.1/payments", headers=KEY, query_string=ALL).json
    billed = Counter(c for p in payments["payments"] for c in p["cpa_actions"])
    assert [c for c, n in billed.items() if n > 1] == []
    for payment in payments["payments"]:
        corrections = payment["additional_payments"] or {}
        expected = sum((conversions[c] for c in payment["cpa_actions"]), Decimal(0))
        expected += sum((Decimal(c["revenue"]) for c in corrections.values()), Decimal(0))
        assert Decimal(payment["revenue"]) == expected
