"""A tiny Affise network served by httpx.MockTransport: one affiliate, one conversion, one
invoice, so a test can change one answer's shape and see what the importer makes of it.

Each route answers a dict (JSON, 200), raw JSON text (200), an int (that status, Affise's
error envelope) or a callable taking the request. Unknown routes answer 404.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from mock_affise import importer
from tests.importer.conftest import run_cli

KEY = "f" * 32
URL = "https://api-demo.affise.test"
NOW = "2024-02-01 12:00:00"
ADVERTISER = "5a" * 12
CONVERSION = "c1" * 12  # 24 hex characters, as Affise ids are


def _page(items: str, rows: list[Any]) -> dict[str, Any]:
    return {"status": 1, items: rows,
            "pagination": {"page": 1, "per_page": 100, "total_count": len(rows)}}


def conversion(**changes: Any) -> dict[str, Any]:
    """Conversion CONVERSION of affiliate 1, approved, 10 USD, as /3.0/stats/conversions
    lists it."""
    return {"id": CONVERSION, "status": "confirmed", "partner": {"id": 1},
            "offer": {"id": 5, "title": "Offer five"}, "advertiser": {"id": ADVERTISER},
            "payouts": 10, "revenue": 12, "currency": "USD", "goal": "1",
            "created_at": "2024-01-10 10:00:00", "hold_date_expire": None, **changes}


def payment(**changes: Any) -> dict[str, Any]:
    """Invoice 1 of affiliate 1, billing CONVERSION, as /3.1/payments lists it."""
    return {"id": 1, "pid": 1, "currency_code": "USD", "status": 1,
            "posted_date": "2024-01-20 10:00:00", "cpa_actions": [CONVERSION], "revenue": 10,
            "additional_payments": [], **changes}


def routes(**changes: Any) -> dict[str, Any]:
    """The network's answers by path; changes replace whole answers."""
    answers: dict[str, Any] = {
        "/3.0/admin/currency": {"status": 1, "quotes": [
            {"_id": 1, "code": "USD", "rate": 1, "min_payment": 0, "active": True,
             "default": True}]},
        "/3.0/admin/payment_systems": {"status": 1, "payment_systems": []},
        "/3.0/admin/partners": _page("partners", [
            {"id": 1, "email": "one@example.com", "status": "active",
             "created_at": "2023-05-01 08:00:00"}]),
        "/3.0/stats/conversions": _page("conversions", [conversion()]),
        "/3.1/payments": {"status": 1, "payments": [payment()],
                          "pagination": {"page": 1, "limit": 100, "total": 1}},
        "/3.0/admin/advertiser-invoices": _page("message", []),
        "/3.0/admin/advertisers": _page("advertisers", [
            {"id": ADVERTISER, "title": "Advertiser", "email": "adv@example.com"}]),
    }
    answers.update({path: copy.deepcopy(answer) for path, answer in changes.items()})
    return answers


def transport(answers: dict[str, Any], seen: list[httpx.Request]) -> httpx.MockTransport:
    """Serve answers; record each request in seen."""
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        found = answers.get(request.url.path, 404)
        if callable(found):
            return found(request)
        if isinstance(found, int):
            return httpx.Response(found, json={"status": 2, "error": f"HTTP {found}"})
        text = found if isinstance(found, str) else json.dumps(found)
        return httpx.Response(200, text=text, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(answer)


def serve(monkeypatch: pytest.MonkeyPatch, answers: dict[str, Any]) -> list[httpx.Request]:
    """Make the commands read answers instead of a network; return the requests they send."""
    seen: list[httpx.Request] = []
    real = importer.AffiseReader

    def reader(*args: Any, **options: Any) -> importer.AffiseReader:
        return real(*args, **options, transport=transport(answers, seen))

    monkeypatch.setattr(importer, "AffiseReader", reader)
    return seen


def import_cli(output: Any, *extra: str) -> tuple[int, str, str]:
    """Run `mock-affise import` against the fake network, January 2024 in one window."""
    return run_cli("import", "--url", URL, "--key", KEY, "--from", "2024-01-01",
                   "--to", "2024-01-31", "--window-days", "31", "--now", NOW, "--rate", "1000",
                   "--retries", "0", "--output", str(output), *extra)
