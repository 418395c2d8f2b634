"""Kept answers and the journal across `serve`'s worker processes.

Each call goes on a connection of its own, so gunicorn hands consecutive calls to whichever
worker accepts first: a worker that kept an answer must still see another worker's change, and
the journal must list calls in the order they were made, whichever worker wrote them.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.conftest import ADMIN_KEY, SERVER_URL, SUITE_FIXTURE, fresh_database_url
from tests.serving import clean_environment

pytestmark = pytest.mark.serve
KEY = {"API-Key": ADMIN_KEY}
# These servers hold the suite's network: the invoices and keys below are its.
SUITE = ("--fixtures", str(SUITE_FIXTURE))


def _database(tmp_path) -> str:
    return fresh_database_url(tmp_path / "shared.db") if SERVER_URL else \
        f"sqlite:///{tmp_path / 'shared.db'}"


def _get(url: str, path: str, **params) -> requests.Response:
    return requests.get(url + path, headers={**KEY, "Connection": "close"}, params=params,
                        timeout=30)


@pytest.mark.postgres
def test_every_worker_sees_a_change_made_through_another(start, tmp_path):
    server = start("--workers", "2", "--port", "0", "--database", _database(tmp_path), *SUITE)
    for round_ in range(12):
        comment = f"round {round_}"
        changed = requests.post(f"{server.url}/3.1/payments/2925", timeout=30,
                                headers={**KEY, "Connection": "close"}, data={"comment": comment})
        assert changed.status_code == 200
        seen = {_get(server.url, "/3.1/payments/2925").json()["payment"]["comment"]
                for _ in range(6)}
        assert seen == {comment}


@pytest.mark.postgres
def test_the_journal_lists_calls_in_the_order_they_were_made_by_any_worker(start, tmp_path):
    server = start("--workers", "2", "--port", "0", "--database", _database(tmp_path), *SUITE)
    made = []
    for number in range(40):
        # the same few paths again and again: most calls are replayed answers
        path = f"/3.1/payments/{2921 + number % 3}"
        assert _get(server.url, path, n=number % 4).status_code == 200
        made.append((path, str(number % 4)))
        if number % 10 == 9:
            requests.post(f"{server.url}/3.1/payments/2925", headers=KEY, timeout=30,
                          data={"note": f"call {number}"})
            made.append(("/3.1/payments/2925", None))

    entries = _get(server.url, "/_mock/requests").json()["requests"]

    assert [(e["path"], e["parameters"].get("n")) for e in entries] == made
    assert all(e["status"] == 200 for e in entries)


def test_journal_reads_under_load_see_every_answered_call_and_never_starve(start, tmp_path):
    server = start("--workers", "2", "--port", "0", "--database", _database(tmp_path), *SUITE,
                   env=clean_environment(MOCK_AFFISE_JOURNAL_SIZE="1000000",
                                         MOCK_AFFISE_JOURNAL_LIMIT="1000000",
                                         MOCK_AFFISE_JOURNAL_MAX_LIMIT="1000000"))
    answered = [0] * 4
    stop = threading.Event()

    def hammer(number: int) -> None:
        with requests.Session() as session:
            session.headers.update(KEY)
            while not stop.is_set():
                if session.get(f"{server.url}/3.1/payments/2921", timeout=30).ok:
                    answered[number] += 1

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60  # the hammers' first answers, however busy the machine
        while not sum(answered) and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(5):
            before = sum(answered)
            health = requests.get(f"{server.url}/_mock/health", timeout=10)
            listed = requests.get(f"{server.url}/_mock/requests", headers=KEY, timeout=10,
                                  params={"path": "/3.1/payments/2921"})
            assert health.status_code == listed.status_code == 200
            assert len(listed.json()["requests"]) >= before > 0
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
