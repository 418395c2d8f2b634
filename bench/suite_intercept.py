"""The "test suite" figure: the typical test, intercepted in-process, beside its floor.

The typical test makes a fresh tenant, then generate, list, update, read, add-correction, read,
partner, currencies (9 calls), then drops the tenant: every call through `requests` to an Affise
URL that mock_affise.intercept answers in-process, as a suite on the pytest plugin's intercepted
mode does. The floor makes the same calls, intercepted the same way, against a bare Flask app
answering the bodies the mock answered (recorded on a first run, serialised again with orjson
on every call), so the ratio is the mock's own work per test.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
import requests
from flask import Flask, Response, request

import mock_affise

AFFISE = "https://api-bench.affise.com"
EVER = {"date_from": "2000-01-01", "date_to": "2099-12-31"}
INVOICE = 2927  # what generate(date=2024-06-15) makes for affiliate 2 in USD (default fixture)
# Called after every call with its method, path, answer body and milliseconds.
Recorder = Callable[[str, str, Any, float], None]


def typical_test(session: requests.Session, record: Recorder | None = None) -> None:
    """Run the typical test once; raise when any call does not answer 200."""

    def call(method: str, path: str, key: str | None, **kwargs: Any) -> Any:
        headers = {"API-Key": key} if key else {}
        started = time.perf_counter()
        answer = session.request(method, AFFISE + path, headers=headers, **kwargs)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.text}")
        body = answer.json()
        if record is not None:
            record(method, path, body, elapsed_ms)
        return body

    made = call("POST", "/_mock/tenants", None)
    key = made["api_keys"]["admin"]
    call("POST", "/3.1/payments/generate", key, data={"date": "2024-06-15"})
    call("GET", "/3.1/payments", key, params=EVER)
    call("POST", f"/3.1/payments/{INVOICE}", key, data={"comment": "checked"})
    call("GET", f"/3.1/payments/{INVOICE}", key)
    call("POST", f"/3.1/payments/{INVOICE}/add-correction", key,
         data={"revenue": "1.50", "comment": "bonus"})
    call("GET", f"/3.1/payments/{INVOICE}", key)
    call("GET", "/3.0/admin/partner/2", key)
    call("GET", "/3.0/admin/currency", key)
    call("DELETE", f"/_mock/tenants/{made['tenant']}", None)


def bare_app(answers: dict[tuple[str, str], Any]) -> Flask:
    """Return a Flask app answering each recorded (method, path) with its recorded body."""
    app = Flask("bare")

    @app.route("/<path:path>", methods=["GET", "POST", "DELETE"])
    def answer(path: str) -> Response:
        return Response(orjson.dumps(answers[(request.method, "/" + path)]), status=200,
                        mimetype="application/json")

    return app


def timed_test(session: requests.Session, app: Flask, record: Recorder | None = None) -> float:
    """Run the typical test inside its own interception, as the plugin's fixture does; in ms."""
    started = time.perf_counter()
    with mock_affise.intercept(AFFISE, app, others="refuse"):
        typical_test(session, record)
    return (time.perf_counter() - started) * 1000


def measure(runs: int) -> dict[str, Any]:
    """Time the typical test on the mock and on the floor, alternating; return medians in ms."""
    answers: dict[tuple[str, str], Any] = {}
    mock = mock_affise.create_app()  # in memory, the default fixture: the plugin's set-up
    try:
        with requests.Session() as session:
            with mock_affise.intercept(AFFISE, mock, others="refuse"):
                # The recorded run warms the app too (first queries, statement cache).
                typical_test(session, lambda method, path, body, _: answers.__setitem__(
                    (method, path), body))
            floor = bare_app(answers)
            timed_test(session, floor)  # warm the floor the same way
            mock_ms, bare_ms = [], []
            calls: dict[str, list[float]] = {}

            def by_call(method: str, path: str, body: Any, elapsed_ms: float) -> None:
                # Tenant ids differ per run: one row per step, not per URL.
                step = f"{method} {path.rsplit('/', 1)[0] if path.startswith('/_mock/tenants/') else path}"
                calls.setdefault(step, []).append(elapsed_ms)

            for _ in range(runs):
                mock_ms.append(timed_test(session, mock, by_call))
                bare_ms.append(timed_test(session, floor))
    finally:
        mock.extensions["mock_affise"].db.dispose()
    return {"runs": runs, "mock_ms": mock_ms, "bare_ms": bare_ms,
            "mock_median_ms": statistics.median(mock_ms),
            "bare_median_ms": statistics.median(bare_ms),
            "mock_call_median_ms": {step: round(statistics.median(ms), 2)
                                    for step, ms in calls.items()}}


def bench_intercept_suite(results: Any, runs: int) -> None:
    """Add the "test suite" figures: the typical test intercepted, its floor and their ratio."""
    raw = measure(runs)
    results.raw["suite"] = raw
    mock, bare = raw["mock_median_ms"], raw["bare_median_ms"]
    results.info(f"test suite: typical test intercepted (9 calls + drop), median of {runs}",
                 mock, "ms")
    results.info("  its floor: a bare Flask app intercepted the same way", bare, "ms")
    results.add("  typical test / floor", mock / bare, "x", "<= 2x", lambda v: v <= 2)
