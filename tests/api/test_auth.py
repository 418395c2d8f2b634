"""Who may call what: the key matrix over every partner, reference and stats route.

Contract section 2: admin keys reach every admin route; an affiliate-manager key may only read
partners, currencies, payment systems and the conversion list; an affiliate key gets 403 on
every admin route and may read its own GET /3.0/balance and conversions.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_wire import assert_error, export
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, MANAGER_KEY

CONVERSION = "660000000000000000000007"

# (method, path, a valid request body, who may call it)
ROUTES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("GET", "/3.0/admin/currency", None, {"admin", "manager"}),
    ("GET", "/3.0/admin/payment_systems", None, {"admin", "manager"}),
    ("GET", "/3.0/admin/partners", None, {"admin", "manager"}),
    ("GET", "/3.0/admin/partner/2", None, {"admin", "manager"}),
    ("POST", "/3.0/admin/partner",
     {"email": "auth@example.com", "password": "pw", "country": "NL"}, {"admin"}),
    ("POST", "/3.0/admin/partner/2", {"notes": "edited"}, {"admin"}),
    ("GET", "/3.0/stats/conversions", None, {"admin", "manager", "affiliate"}),
    ("GET", f"/3.0/stats/conversionsbyid?id={CONVERSION}", None, {"admin"}),
    ("POST", "/3.0/admin/conversion/edit", {"ids[]": CONVERSION, "status": "confirmed"},
     {"admin"}),
    ("GET", "/3.0/balance", None, {"affiliate"}),
]
KEYS = {"admin": ADMIN_KEY, "manager": MANAGER_KEY, "affiliate": AFFILIATE_KEYS[2]}
ROUTE_IDS = [f"{method} {path.split('?')[0]}" for method, path, _, _ in ROUTES]


def _call(client, method: str, path: str, body: dict | None, headers: dict[str, str]):
    return client.open(path, method=method, data=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES, ids=ROUTE_IDS)
def test_no_key_is_401(client, app, method, path, body, allowed):
    before = export(app)

    assert_error(_call(client, method, path, body, {}), 401, "Token is necessary")
    assert export(app) == before


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES, ids=ROUTE_IDS)
def test_an_unknown_key_is_401(client, app, method, path, body, allowed):
    before = export(app)

    response = _call(client, method, path, body, {"API-Key": "ffffffffffffffffffffffffffffffff"})

    assert_error(response, 401, "Token is necessary")
    assert export(app) == before


@pytest.mark.parametrize("who", ["admin", "manager", "affiliate"])
@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES, ids=ROUTE_IDS)
def test_each_role_reaches_exactly_its_routes(client, app, who, method, path, body, allowed):
    before = export(app)

    response = _call(client, method, path, body, {"API-Key": KEYS[who]})

    if who in allowed:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.content_type == "application/json"
        assert response.get_json()["status"] == 1
    else:
        assert_error(response, 403, "Auth Denied")
        assert export(app) == before


@pytest.mark.parametrize("affiliate_id", sorted(AFFILIATE_KEYS))
def test_every_affiliate_key_is_denied_the_admin_reads(client, affiliate_id):
    headers = {"API-Key": AFFILIATE_KEYS[affiliate_id]}

    assert_error(client.get(f"/3.0/admin/partner/{affiliate_id}", headers=headers), 403,
                 "Auth Denied")
    assert_error(client.get(f"/3.0/stats/conversionsbyid?id={CONVERSION}", headers=headers),
                 403, "Auth Denied")


def test_a_denied_call_is_refused_before_its_parameters_are_read(client):
    # A manager's malformed edit is a 403, not a 400: the role is checked first.
    response = client.post("/3.0/admin/partner/2", data={"payment_systems": "x"},
                           headers={"API-Key": MANAGER_KEY})

    assert_error(response, 403, "Auth Denied")


def test_the_key_checks_come_before_routing_errors_on_known_routes(client):
    assert_error(client.get("/3.0/admin/partner/999"), 401, "Token is necessary")
    assert_error(client.get("/3.0/admin/partner/999", headers={"API-Key": AFFILIATE_KEYS[2]}),
                 403, "Auth Denied")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/_mock/clock"), ("GET", "/_mock/faults"), ("POST", "/_mock/reset"),
    ("GET", "/_mock/export"), ("GET", "/_mock/keys"),
])
def test_a_control_call_with_a_key_nobody_holds_says_the_key_is_unknown(client, app, method,
                                                                         path):
    before = export(app)

    response = client.open(path, method=method, headers={"API-Key": "f" * 32})

    assert_error(response, 401, "Unknown API key")
    assert export(app) == before


@pytest.mark.parametrize("who", ["admin", "manager", "affiliate"])
def test_any_key_of_a_tenant_names_it_on_a_control_call(client, who):
    response = client.get("/_mock/keys", headers={"API-Key": KEYS[who]})

    assert response.status_code == 200
    assert response.get_json()["api_keys"]["admin"] == ADMIN_KEY
