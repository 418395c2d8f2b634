"""Small fixture documents for the payments tests, and a client that checks nothing changed.

Every document freezes the tenant clock at NOW, so posted dates, `updated_at` and the default
end date are known, and its amounts are chosen so the expected totals are obvious.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from flask import Flask
from sqlalchemy import select

from mock_affise.clock import parse_timestamp, set_clock
from mock_affise.fixtures import export_tenant
from mock_affise.models import Tenant
from tests.conftest import ADMIN_KEY, MANAGER_KEY

NOW = "2024-06-15 12:00:00"
ADMIN_ID = "5f2a9e0c1d2b3c4d5e6f7a8b"
MANAGER_ID = "5f2a9e0c1d2b3c4d5e6f7a8c"
ADVERTISER_A = "62164a9a5a8b7e788f752f13"
ADVERTISER_B = "62164a9a5a8b7e788f752f99"
GENERATING = {"status": 1, "message": "Payment generates will take a few minutes"}
RESULT_TRUE = {"status": 1, "result": True}
WIDE = {"date_from": "2000-01-01", "date_to": "2099-12-31"}

USD = {"id": 2, "code": "USD", "rate": "1", "min_payment": "20", "active": True, "default": True}
EUR = {"id": 3, "code": "EUR", "rate": "0.92", "min_payment": "50", "active": True,
       "default": False}
GBP = {"id": 4, "code": "GBP", "rate": "0.79", "min_payment": "0", "active": True,
       "default": False}

# Webmoney lists WMR before WMZ although WMZ has the lower id: pay_acc follows this order.
WEBMONEY = {"id": 1, "title": "Webmoney", "currency": None, "threshold": None,
            "fields": [{"id": 7, "label": "WMR", "required": False},
                       {"id": 4, "label": "WMZ", "required": True}]}
WIRE = {"id": 2, "title": "Wire transfer", "currency": None, "threshold": "100",
        "fields": [{"id": 1, "label": "IBAN", "required": True},
                   {"id": 2, "label": "Swift", "required": True},
                   {"id": 3, "label": "Bank name", "required": False}]}
PAYPAL = {"id": 3, "title": "PayPal", "currency": "USD", "threshold": "5",
          "fields": [{"id": 5, "label": "Email", "required": True}]}
SEPA = {"id": 4, "title": "SEPA", "currency": "EUR", "threshold": "12.5",
        "fields": [{"id": 6, "label": "Account", "required": True}]}

MANAGERS = [
    {"id": ADMIN_ID, "first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
     "role": "admin", "api_key": ADMIN_KEY},
    {"id": MANAGER_ID, "first_name": "Bob", "last_name": "Stone", "email": "bob@example.com",
     "role": "affiliate_manager", "api_key": MANAGER_KEY},
]
OFFERS = [
    {"id": 1, "title": "Offer One", "advertiser_id": ADVERTISER_A},
    {"id": 2, "title": "Offer Two", "advertiser_id": ADVERTISER_B},
]


def cid(number: int) -> str:
    """Return a conversion id (24 hex characters) that sorts like number."""
    return f"{number:024x}"


def conversion(number: int, affiliate_id: int, payouts: str, created_at: str = "2024-06-01 10:00:00",
               *, status: int = 1, currency: str = "USD", offer_id: int = 1, country: str = "US",
               hold_until: str | None = None) -> dict[str, Any]:
    """Return one conversion row; status 1 (approved) unless told."""
    return {"id": cid(number), "affiliate_id": affiliate_id, "offer_id": offer_id,
            "status": status, "payouts": payouts, "currency": currency, "country": country,
            "goal": "1", "created_at": created_at, "hold_until": hold_until}


def binding(binding_id: int, system_id: int, currency: str, fields: dict[str, str],
            active: int = 1) -> dict[str, Any]:
    """Return one of an affiliate's payment systems."""
    return {"id": binding_id, "system_id": system_id, "currency": currency, "active": active,
            "fields": fields}


def affiliate(affiliate_id: int, name: str, *bindings: dict[str, Any],
              manager_id: str | None = MANAGER_ID) -> dict[str, Any]:
    """Return an affiliate with its payment-system bindings."""
    return {"id": affiliate_id, "name": name, "email": f"a{affiliate_id}@example.com",
            "login": f"a{affiliate_id}", "status": "active", "manager_id": manager_id,
            "api_key": f"aff{affiliate_id}key" * 4, "ref": None, "ref_percent": None,
            "payment_systems": list(bindings)}


def webmoney(binding_id: int, currency: str = "USD", wmz: str = "Z100", **kwargs: Any) -> dict:
    """Return a Webmoney binding (WMZ only)."""
    return binding(binding_id, WEBMONEY["id"], currency, {"4": wmz}, **kwargs)


def document(*, affiliates: list[dict], conversions: Sequence[dict] = (),
             payments: Sequence[dict] = (), corrections: Sequence[dict] = (),
             currencies: list[dict] | None = None, payment_systems: list[dict] | None = None,
             offers: list[dict] | None = None, now: str = NOW) -> dict[str, Any]:
    """Assemble a fixture document; currencies and systems default to USD/EUR/GBP and all four."""
    return copy.deepcopy({
        "now": now,
        "currencies": currencies if currencies is not None else [USD, EUR, GBP],
        "payment_systems": payment_systems if payment_systems is not None
        else [WEBMONEY, WIRE, PAYPAL, SEPA],
        "managers": MANAGERS,
        "affiliates": affiliates,
        "offers": offers if offers is not None else OFFERS,
        "conversions": list(conversions),
        "payments": list(payments),
        "corrections": list(corrections),
    })


def seeded_payment(payment_id: int, pid: int, currency: str, cpa_actions: list[str], *,
                   status: int = 1, posted_date: str = "2024-05-01 09:00:00",
                   updated_at: str | None = None, pay_sys: int = 1, pay_acc: str = "WMZ: Z100",
                   period_to: str | None = "2024-04-30", comment: str = "",
                   notes: str = "") -> dict[str, Any]:
    """Return an invoice for the payments section."""
    return {"id": payment_id, "pid": pid, "currency": currency, "status": status,
            "posted_date": posted_date, "updated_at": updated_at or posted_date,
            "pay_sys": pay_sys, "pay_acc": pay_acc, "comment": comment, "notes": notes,
            "cpa_actions": cpa_actions, "period_to": period_to}


def assert_error(response, status: int, message: str) -> None:
    """Assert Affise's error envelope: the HTTP status, and the text under message and error."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": 2, "message": message, "error": message}


class Billing:
    """One app on one document, called with the admin key as the API-Key header."""

    def __init__(self, app: Flask, key: str = ADMIN_KEY) -> None:
        self.app = app
        self.client = app.test_client()
        self.key = key

    def call(self, method: str, path: str, **kwargs: Any):
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("API-Key", self.key)
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.call("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, expected: dict | None = None, **kwargs: Any) -> dict:
        """Make a call that must succeed; return its JSON (equal to expected when given)."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        body = response.get_json()
        if expected is not None:
            assert body == expected
        return body

    def generate(self, **params: Any) -> dict:
        return self.ok("POST", "/3.1/payments/generate", GENERATING, data=params)

    def payments(self, **params: Any) -> list[dict]:
        """Every invoice (any posted date), newest id first."""
        return self.ok("GET", "/3.1/payments", query_string={**WIDE, **params})["payments"]

    def payment(self, payment_id: int) -> dict:
        return self.ok("GET", f"/3.1/payments/{payment_id}")["payment"]

    def revenue(self, payment_id: int) -> str:
        return self.payment(payment_id)["revenue"]

    def export(self) -> dict[str, Any]:
        """The tenant's whole state, as a fixture document."""
        with self.app.extensions["mock_affise"].db.transaction() as session:
            tenant = session.scalars(select(Tenant).order_by(Tenant.id)).first()
            return export_tenant(session, tenant)

    def rejected(self, method: str, path: str, status: int, message: str, **kwargs: Any):
        """Make a call that must fail with exactly this error and leave the tenant unchanged."""
        before = self.export()
        response = self.call(method, path, **kwargs)
        assert_error(response, status, message)
        assert self.export() == before
        return response

    def set_clock(self, moment: str) -> None:
        """Move the frozen tenant clock (the /_mock/clock call does the same)."""
        with self.app.extensions["mock_affise"].db.transaction(write=True) as session:
            tenant = session.scalars(select(Tenant).order_by(Tenant.id)).first()
            set_clock(tenant, parse_timestamp(moment), frozen=True)

    def conversion_state(self, conversion_id: str) -> dict | None:
        """The conversion as GET /3.0/stats/conversionsbyid shows it, None if not served yet."""
        response = self.get("/3.0/stats/conversionsbyid", query_string={"id": conversion_id})
        if response.status_code == 404 and response.get_json()["message"] == "Page Not Found":
            return None
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["conversion"]

