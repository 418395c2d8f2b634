"""The "test suite" figures: what a user's tests feel, each beside a bare Flask floor of the same run.

Through the plugin's way of serving (werkzeug in a thread, `requests` sessions): a typical test
(tenant made, nine calls, tenant dropped) against the same nine calls to a bare Flask app served
the same way, and an empty test (tenant made and dropped). In-process (Flask test client): a
write, the first read after it, and the first 100-invoice page after it, each against one bare
Flask test-client call. Then the wall time of bench/suite_example, a suite of a few hundred tests.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, Response, request

from mock_affise.client import MockAffise, api_session
from mock_affise.testing_server import serve_in_thread, serve_wsgi_in_thread

BENCH = Path(__file__).resolve().parent
EXAMPLE = BENCH / "suite_example"
GENERATE_DAY = "2024-06-15"
INVOICE_PAGE = 100
EVER = {"date_from": "2000-01-01", "date_to": "2099-12-31"}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bare_app() -> Flask:
    """A Flask app answering any Affise path with a small JSON body, as the floor."""
    app = Flask("bare-suite")
    body = {"status": 1, "payment": {"id": 1, "status": "pending", "comment": "floor"}}

    @app.route("/<path:anything>", methods=["GET", "POST"])
    def answer(anything: str) -> Response:
        request.get_data()
        return Response(orjson.dumps(body), status=200, mimetype="application/json")

    return app


def typical_calls(session: Any) -> None:
    """The nine calls of a typical test: generate, list, update, read, correct, read, reference."""
    def ok(response: Any) -> Any:
        if response.status_code != 200:
            raise RuntimeError(f"{response.request.method} {response.url}: {response.text[:300]}")
        return response

    ok(session.post("/3.1/payments/generate", data={"date": GENERATE_DAY}))
    listed = ok(session.get("/3.1/payments", params=EVER)).json()
    payment_id = (listed.get("payments") or [{"id": 1}])[0]["id"]
    ok(session.post(f"/3.1/payments/{payment_id}", data={"comment": "checked"}))
    ok(session.get(f"/3.1/payments/{payment_id}"))
    ok(session.post(f"/3.1/payments/{payment_id}/add-correction",
                    data={"revenue": "1.50", "comment": "bonus"}))
    ok(session.get(f"/3.1/payments/{payment_id}"))
    ok(session.get("/3.0/admin/partner/2"))
    ok(session.get("/3.0/admin/currency"))
    ok(session.get("/3.0/admin/payment_systems"))


def timed(runs: int, call: Callable[[], Any]) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def bench_through_plugin(results: Any, work: Path, runs: int) -> None:
    floor_app = bare_app()
    with serve_wsgi_in_thread(floor_app) as floor_url:
        floor_session = api_session(floor_url, "floor-key")
        timed(3, lambda: typical_calls(floor_session))
        floor = timed(runs, lambda: typical_calls(floor_session))
        floor_session.close()
    settings = {"DATABASE_URL": f"sqlite:///{(work / 'suite-plugin.db').as_posix()}"}
    with serve_in_thread(settings) as (url, app), MockAffise(url, None, app) as server:
        def typical() -> None:
            with server.create_tenant(None) as tenant:
                typical_calls(tenant.session)

        def empty() -> None:
            with server.create_tenant(None):
                pass

        timed(3, typical)
        typical_samples = timed(runs, typical)
        timed(3, empty)
        empty_samples = timed(runs, empty)
    floor_ms, typical_ms = median_ms(floor), median_ms(typical_samples)
    results.raw["suite_plugin"] = {"floor_nine_calls_ms": floor_ms, "typical_test_ms": typical_ms,
                                   "empty_test_ms": median_ms(empty_samples)}
    results.info(f"floor: the nine calls to bare Flask served the same way, median of {runs}",
                 floor_ms, "ms")
    results.info(f"typical test through the plugin (tenant, nine calls, drop), median of {runs}",
                 typical_ms, "ms")
    results.add("typical test through the plugin / the floor's nine calls", typical_ms / floor_ms,
                "x", "<= 1.5x", lambda v: v <= 1.5)
    results.add(f"empty test with the affise fixture (tenant made and dropped), median of {runs}",
                median_ms(empty_samples), "ms", "< 3 ms", lambda v: v < 3)


@contextmanager
def mock_client(work: Path) -> Iterator[tuple[Any, dict[str, str], int]]:
    """A test client on a file database seeded with 150 invoices; yield it, headers, an id."""
    from run import generate_fixture

    from mock_affise import create_app

    fixture = generate_fixture(work / "suite.json", 60, 3000, invoices=150)
    document = json.loads(fixture.read_text())
    key = next(m["api_key"] for m in document["managers"] if m["role"] == "admin")
    app = create_app({"DATABASE_URL": f"sqlite:///{(work / 'suite.db').as_posix()}",
                      "FIXTURES": str(fixture)})
    try:
        client = app.test_client()
        headers = {"API-Key": key}
        listed = client.get("/3.1/payments", headers=headers, query_string=EVER).json
        if len(listed.get("payments", [])) < 20:
            raise RuntimeError(f"the suite fixture lists too few invoices: {str(listed)[:300]}")
        first = listed["payments"][0]["id"]
        yield client, headers, first
    finally:
        app.extensions["mock_affise"].db.dispose()


def bench_in_process(results: Any, work: Path, runs: int) -> None:
    floor_client = bare_app().test_client()
    timed(5, lambda: floor_client.get("/3.1/payments/1"))
    floor = median_ms(timed(runs * 2, lambda: floor_client.get("/3.1/payments/1")))
    raw: dict[str, float] = {"floor_ms": floor}
    with mock_client(work) as (client, headers, invoice):
        def expect(answer: Any) -> None:
            if answer.status_code != 200:
                raise RuntimeError(f"in-process call failed: {answer.data[:300]!r}")

        counter = iter(range(10**9))

        def update() -> None:
            expect(client.post(f"/3.1/payments/{invoice}", headers=headers,
                               data={"comment": f"checked {next(counter)}"}))

        def correct() -> None:
            expect(client.post(f"/3.1/payments/{invoice}/add-correction", headers=headers,
                               data={"revenue": "0.01", "comment": "bench"}))

        def after_write(read: Callable[[], Any]) -> float:
            samples = []
            for _ in range(runs):
                update()
                started = time.perf_counter()
                expect(read())
                samples.append(time.perf_counter() - started)
            return median_ms(samples)

        timed(3, update)
        raw["update_ms"] = median_ms(timed(runs, update))
        raw["add_correction_ms"] = median_ms(timed(runs, correct))
        raw["read_after_write_ms"] = after_write(
            lambda: client.get(f"/3.1/payments/{invoice}", headers=headers))
        raw["page_after_write_ms"] = after_write(
            lambda: client.get("/3.1/payments", headers=headers,
                               query_string={**EVER, "limit": INVOICE_PAGE}))
    results.raw["suite_in_process"] = raw
    results.info(f"floor: one bare Flask test-client call, median of {runs * 2}", floor, "ms")
    write = max(raw["update_ms"], raw["add_correction_ms"])
    results.add("in-process write (the slower of update, add-correction) / floor",
                write / floor, "x", "<= 3x", lambda v: v <= 3)
    results.add("in-process first read by id after a write / floor",
                raw["read_after_write_ms"] / floor, "x", "<= 2x", lambda v: v <= 2)
    results.add(f"in-process first {INVOICE_PAGE}-invoice page after a write / floor",
                raw["page_after_write_ms"] / floor, "x", "<= 12x", lambda v: v <= 12)


def bench_example_suite(results: Any) -> None:
    """Run bench/suite_example with pytest in a subprocess; report its wall time."""
    env = {k: v for k, v in os.environ.items() if k != "MOCK_AFFISE_URL"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-p", "no:xdist", str(EXAMPLE)], cwd=BENCH.parent, env=env, capture_output=True,
        text=True, check=False)
    elapsed = time.perf_counter() - started
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    results.raw["suite_example"] = {"seconds": elapsed, "summary": summary}
    if done.returncode != 0:
        raise RuntimeError(f"bench/suite_example failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    results.info(f"bench/suite_example wall time ({summary})", elapsed, "s")


def bench_suite(results: Any, work: Path, runs: int) -> None:
    """The test-suite section: plugin figures, in-process figures, the example suite's time."""
    bench_through_plugin(results, work, runs)
    bench_in_process(results, work, runs)
    bench_example_suite(results)
