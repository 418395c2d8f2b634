"""Affise's own x-codeSamples, sent as written, get the answer Affise would give.

The samples are read from Affise's OpenAPI documents (never copied into the repository); the
tests skip when that folder is absent. Placeholders (`{id}`, `<date_from>`, `string`) are sent
as they stand, so most samples meet the refusal Affise gives such a value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from werkzeug.datastructures import MultiDict

from tests.api.billing_fixtures import Billing, affiliate, assert_error, document, webmoney
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, AFFISE_SPEC

NOT_FOUND = (404, "Page Not Found")
EDITED_ID = "59359e1d7e28feb7568b456a"

# (method, path) -> the status and message the default fixture answers; None: status 1.
ANSWERS: dict[tuple[str, str], tuple[int, str] | None] = {
    ("GET", "/3.0/admin/partners"): None,
    ("POST", "/3.0/admin/partner"): (400, "ref_percent: must be a decimal number"),
    ("GET", "/3.0/admin/partner/{id}"): NOT_FOUND,
    ("POST", "/3.0/admin/partner/{id}"): NOT_FOUND,
    ("GET", "/3.0/admin/currency"): None,
    ("GET", "/3.0/admin/payment_systems"): None,
    ("GET", "/3.0/stats/conversionsbyid"): (404, "Resource Not Found"),
    # The sample filters by device; the mock keeps no clicks, so it says so rather than answer
    # an unfiltered list (test_the_conversions_sample_is_otherwise_accepted sends the rest).
    ("GET", "/3.0/stats/conversions"): (400, "device: not supported by mock-affise"),
    ("POST", "/3.0/admin/conversion/edit"): (400, f"ids: unknown conversion {EDITED_ID}"),
    ("GET", "/3.0/balance"): None,  # sent with an affiliate's key: the route is theirs
    ("GET", "/3.1/payments"): (400, "date_from: must be a date in YYYY-MM-DD format"),
    ("GET", "/3.1/payments/{id}"): NOT_FOUND,
    ("POST", "/3.1/payments/{id}"): NOT_FOUND,
    ("POST", "/3.1/payments/create-for-affiliate"): (400, "aid: must be at least 1"),
    ("POST", "/3.1/payments/generate"): (400, "date: must be a date in YYYY-MM-DD format"),
    ("POST", "/3.1/payments/{id}/add-correction"): NOT_FOUND,
    ("DELETE", "/3.1/payments/del-correction/{id}"): NOT_FOUND,
    ("DELETE", "/3.1/payments/delete/{id}"): NOT_FOUND,
    ("POST", "/3.1/payments/bulk-delete"): None,
    ("POST", "/3.1/payments/{invoice_id}/conversions/delete"): NOT_FOUND,
    ("GET", "/3.0/admin/advertiser-invoices"): None,
    ("POST", "/3.0/admin/advertiser-invoice"):
        (400, "start_date: must be a date in YYYY-MM-DD format"),
    ("GET", "/3.0/admin/advertiser-invoice/{number}"): NOT_FOUND,
    ("POST", "/3.0/admin/advertiser-invoice/{number}"): NOT_FOUND,
}


def _samples() -> list[Any]:
    """Return one pytest param per distinct code sample of a route the mock serves."""
    if not AFFISE_SPEC.exists():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"Affise spec folder {AFFISE_SPEC} not present"))]
    found: dict[tuple[str, str, tuple], dict[str, Any]] = {}
    for spec in sorted(Path(AFFISE_SPEC).glob("*.yml")):
        # libyaml's loader when PyYAML has it: the pure-Python one took 1.8 s of each
        # worker's collection.
        loaded = yaml.load(spec.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader",
                                                                    yaml.SafeLoader))
        for route, operations in (loaded.get("paths") or {}).items():
            for method, operation in operations.items():
                for sample in (operation.get("x-codeSamples") or []) \
                        if isinstance(operation, dict) else []:
                    request = _request(method.upper(), route, sample["source"])
                    if (request["method"], route) in ANSWERS:
                        found.setdefault((request["method"], request["url"],
                                          tuple(request["form"])), request)
    return [pytest.param(r, id=f"{r['method']} {r['route']}") for r in found.values()]


def _request(method: str, route: str, source: str) -> dict[str, Any]:
    """Read a cURL sample: its URL and its --form fields, in order."""
    return {"method": method, "route": route,
            "url": re.search(r"--url '([^']+)'", source).group(1),
            "form": re.findall(r"--form '([^=]+)=([^']*)'", source)}


def send(client, request: dict[str, Any], key: str = ADMIN_KEY, drop: str | None = None):
    """Send a sample as its cURL would; drop names a query parameter left out."""
    url = urlsplit(request["url"])
    query = "&".join(p for p in url.query.split("&") if p.split("=")[0] != drop)
    return client.open(url.path, method=request["method"], query_string=query,
                       data=MultiDict(request["form"]) if request["form"] else None,
                       headers={"API-Key": key})


@pytest.mark.parametrize("request_", _samples())
def test_every_code_sample_gets_the_answer_decided_for_it(client, request_):
    key = AFFILIATE_KEYS[2] if request_["route"] == "/3.0/balance" else ADMIN_KEY
    response = send(client, request_, key)

    expected = ANSWERS[(request_["method"], request_["route"])]
    if expected is None:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["status"] == 1
    else:
        assert_error(response, *expected)


def _only(route: str, method: str = "GET") -> dict[str, Any]:
    samples = [p.values[0] for p in _samples()]
    if samples == [None]:
        pytest.skip(f"Affise spec folder {AFFISE_SPEC} not present")
    return next(s for s in samples if s["route"] == route and s["method"] == method)


def test_the_conversions_sample_is_otherwise_accepted(admin):
    # partner[0]=0, offer[0]=0, advertiser "string": ids no conversion has, so nothing matches.
    response = send(admin.client, _only("/3.0/stats/conversions"), drop="device")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"status": 1, "conversions": [],
                                   "pagination": {"per_page": 100, "total_count": 0, "page": 1}}


def test_the_edit_sample_stores_every_field_it_sends(make_app):
    conversion = {"id": EDITED_ID, "affiliate_id": 1, "offer_id": 1, "status": 2,
                  "payouts": "7.25", "currency": "EUR", "created_at": "2024-06-14 10:00:00"}
    api = Billing(make_app(document(affiliates=[affiliate(1, "One", webmoney(1))],
                                    conversions=[conversion])))

    response = send(api.client, _only("/3.0/admin/conversion/edit", "POST"))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["data"] == {"ids": [EDITED_ID], "status": "confirmed",
                                           "currency": "USD", "payouts": 0, "revenue": 0}
    shown = api.client.get(f"/3.0/stats/conversionsbyid?id={EDITED_ID}",
                           headers={"API-Key": ADMIN_KEY}).get_json()["conversion"]
    assert (shown["status"], shown["currency"], shown["payouts"], shown["revenue"], shown["sum"],
            shown["comment"]) == (1, "USD", 0, 0, 0, "string")
    assert [shown[f"custom_field_{n}"] for n in range(1, 8)] == ["string"] * 7
