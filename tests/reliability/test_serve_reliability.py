"""Reliability under `mock-affise serve`: concurrent clients on several workers, and kill -9."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
import requests

from tests.conftest import ADMIN_KEY, SERVER_URL, SUITE_FIXTURE, fresh_database_url
from tests.serving import clean_environment, mock_affise_command

pytestmark = pytest.mark.serve
KEY = {"API-Key": ADMIN_KEY}
# These servers hold the suite's network: the invoices and keys below are its.
SUITE = ("--fixtures", str(SUITE_FIXTURE))
EVER = {"date_from": "1900-01-01", "date_to": "9000-12-31"}
LONG = os.environ.get("MOCK_AFFISE_FUZZ") == "long"
CALLS = Counter()


def _database(tmp_path) -> str:
    """The shared database under test: PostgreSQL when configured, else an SQLite file."""
    return fresh_database_url(tmp_path / "shared.db") if SERVER_URL else \
        f"sqlite:///{tmp_path / 'shared.db'}"


def _hammer(url: str, number: int, rounds: int, statuses: list, bodies: list) -> None:
    session = requests.Session()
    session.headers.update(KEY)
    for round_ in range(rounds):
        kind = (number + round_) % 6
        if kind == 0:
            response = session.post(f"{url}/3.1/payments/generate", data={"date": "2024-06-15"})
        elif kind == 1:
            response = session.post(f"{url}/3.1/payments/create-for-affiliate",
                                    data={"aid": 2 + round_ % 4, "sum": "20", "currency": "2"})
        else:
            listing = session.get(f"{url}/3.1/payments", params=EVER).json()["payments"]
            open_ids = [p["id"] for p in listing if p["status"] != "2"]
            target = open_ids[(number * 7 + round_) % len(open_ids)] if open_ids else 1
            if kind == 2:
                response = session.delete(f"{url}/3.1/payments/delete/{target}")
            elif kind == 3:
                response = session.post(f"{url}/3.1/payments/bulk-delete",
                                        data={"ids[]": open_ids[:2] or [1]})
            elif kind == 4:
                response = session.post(f"{url}/3.1/payments/{target}/add-correction",
                                        data={"revenue": "1.25", "comment": "load"})
            else:
                response = session.post(f"{url}/3.1/payments/{target}",
                                        data={"status": [1, 3, 4, 2][round_ % 4]})
        statuses.append(response.status_code)
        bodies.append(response.text)
        CALLS["concurrent"] += 1


@pytest.mark.postgres
def test_concurrent_clients_on_several_workers_never_bill_twice_nor_fail(start, tmp_path):
    server = start("--workers", "2", "--port", "0", "--database", _database(tmp_path), *SUITE)
    url = server.url
    statuses: list[int] = []
    bodies: list[str] = []
    rounds = 60 if LONG else 12
    threads = [threading.Thread(target=_hammer, args=(url, n, rounds, statuses, bodies))
               for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert len(statuses) == 8 * rounds
    assert set(statuses) <= {200, 400, 404}, Counter(statuses)
    assert not [b for b in bodies if "locked" in b.lower() or "server error" in b.lower()]
    payouts = {c["id"]: Decimal(c["payouts"])
               for c in json.loads(SUITE_FIXTURE.read_text())["conversions"]}
    payments = requests.get(f"{url}/3.1/payments", params=EVER, headers=KEY).json()["payments"]
    billed = Counter(c for p in payments for c in p["cpa_actions"])
    assert [c for c, n in billed.items() if n > 1] == []
    for payment in payments:
        corrections = payment["additional_payments"] or {}
        expected = sum((payouts[c] for c in payment["cpa_actions"]), Decimal(0))
        expected += sum((Decimal(c["revenue"]) for c in corrections.values()), Decimal(0))
        assert Decimal(payment["revenue"]) == expected
    # every approved conversion is either billed once or still in the balance
    for aid in (2, 3, 5):
        balance = requests.get(f"{url}/3.0/balance",
                               headers={"API-Key": f"aff{aid}" * 8}).json()["balance"]
        assert all(value >= 0 for value in balance["available"].values())


def _generation_fixture(tmp_path, conversions: int) -> str:
    path = tmp_path / "big.json"
    subprocess.run([*mock_affise_command(), "generate-fixture", "--affiliates", "300",
                    "--conversions", str(conversions), "--seed", "3", "--output", str(path)],
                   check=True, env=clean_environment(), timeout=120)
    return str(path)


def _invoices_and_billed(url: str, key: str) -> tuple[list[dict], Counter]:
    session = requests.Session()
    session.headers.update({"API-Key": key})
    payments, page = [], 1
    while True:
        answer = session.get(f"{url}/3.1/payments", params={**EVER, "page": page}).json()
        payments += answer["payments"]
        if len(payments) >= answer["pagination"]["total"]:
            break
        page += 1
    return payments, Counter(c for p in payments for c in p["cpa_actions"])


@pytest.mark.first
@pytest.mark.skipif(bool(SERVER_URL), reason="kill -9 is about the SQLite file surviving")
def test_kill_9_during_a_bulk_generation_leaves_no_half_made_invoice(start, tmp_path):
    fixture = _generation_fixture(tmp_path, 40_000 if LONG else 15_000)
    seeded = tmp_path / "seeded.db"
    first = start("--port", "0", "--database", f"sqlite:///{seeded}", "--fixtures", fixture)
    key = {"API-Key": first.admin_key}
    first.stop()

    # How many invoices an uninterrupted generation makes, and how long it takes.
    reference = tmp_path / "reference.db"
    shutil.copy(seeded, reference)
    server = start("--port", "0", "--database", f"sqlite:///{reference}")
    began = time.monotonic()
    assert requests.post(f"{server.url}/3.1/payments/generate", headers=key, timeout=120,
                         data={"date": "2024-06-15"}).json()["status"] == 1
    took = time.monotonic() - began
    expected = len(_invoices_and_billed(server.url, key["API-Key"])[0])
    server.stop()
    assert expected > 50
    print(f"uninterrupted generation: {expected} invoices in {took:.2f} s")

    victim_file = tmp_path / "victim.db"
    shutil.copy(seeded, victim_file)
    victim = start("--port", "0", "--database", f"sqlite:///{victim_file}")
    call = threading.Thread(target=lambda: _swallow(requests.post, f"{victim.url}/3.1/payments/"
                                                    "generate", headers=key, timeout=120,
                                                    data={"date": "2024-06-15"}))
    call.start()
    time.sleep(took / 2)
    os.killpg(victim.process.pid, signal.SIGKILL)  # master and workers, no clean-up at all
    victim.process.wait(timeout=10)
    call.join(timeout=30)

    again = start("--port", "0", "--database", f"sqlite:///{victim_file}")
    payments, billed = _invoices_and_billed(again.url, key["API-Key"])
    assert len(payments) in (0, expected)  # the generation happened whole, or not at all
    assert [c for c, n in billed.items() if n > 1] == []
    assert all(p["cpa_actions"] and Decimal(p["revenue"]) > 0 for p in payments)
    # the survivor still works: generating now completes the job exactly once
    assert requests.post(f"{again.url}/3.1/payments/generate", headers=key, timeout=120,
                         data={"date": "2024-06-15"}).json()["status"] == 1
    assert len(_invoices_and_billed(again.url, key["API-Key"])[0]) == expected


def _swallow(call, *args, **kwargs):
    with contextlib.suppress(requests.RequestException):
        call(*args, **kwargs)
