"""Affise's wire rules on the partner, reference and stats routes: keys, arrays, bodies, errors.

The helpers at the top read Affise's own OpenAPI extracts; the other API test files use them.
"""

from __future__ import annotations

import functools
import io
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from tests.conftest import ADMIN_KEY, AFFISE_SPEC

# ----------------------------------------------------------------------------- shared helpers


@functools.cache
def _extracts() -> dict[str, Any]:
    return yaml.safe_load((AFFISE_SPEC / "extracts.yml").read_text(encoding="utf-8"))


def affise_ok(path: str, method: str = "get") -> tuple[dict[str, Any], Any]:
    """Return Affise's 200 schema and example for an operation, or skip without the spec."""
    if not AFFISE_SPEC.exists():
        pytest.skip("Affise spec folder ../shared/affise-spec not present")
    body = _extracts()["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    return body["schema"], body["example"]


_JSON_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool}


def assert_affise_types(schema: dict[str, Any], value: Any, path: str = "",
                        deviations: frozenset[str] = frozenset()) -> None:
    """Check value against an Affise schema's types; null passes (Affise's examples use it).

    deviations names the paths (".partner.sub_accounts") where the mock knowingly differs.
    """
    if value is None or path in deviations:
        return
    kind = schema.get("type")
    if kind in ("integer", "number"):
        allowed = int if kind == "integer" else int | float
        assert isinstance(value, allowed) and not isinstance(value, bool), (path, value)
    elif kind in _JSON_TYPES:
        assert isinstance(value, _JSON_TYPES[kind]), (path, value)
    if kind == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                assert_affise_types(sub, value[name], f"{path}.{name}", deviations)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name, item in value.items():
                assert_affise_types(extra, item, f"{path}.{name}", deviations)
    if kind == "array":
        for item in value:
            assert_affise_types(schema.get("items", {}), item, f"{path}[]", deviations)


def assert_error(response, status: int, message: str) -> None:
    """Check an answer is Affise's error envelope with exactly this text."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    assert response.get_json() == {"status": 2, "message": message, "error": message}


def export(app) -> dict[str, Any]:
    """Return the tenant's whole state (/_mock/export), to show a rejected call changed nothing."""
    response = app.test_client().get("/_mock/export", headers={"API-Key": ADMIN_KEY})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def payment_row(app, payment_id: int) -> dict[str, Any]:
    """Return one invoice as the tenant export shows it."""
    return next(p for p in export(app)["payments"] if p["id"] == payment_id)


# ----------------------------------------------------------------------------- API key


@pytest.mark.parametrize("header", ["API-Key", "api-key", "Api-Key", "API-KEY"])
def test_the_key_is_read_from_the_api_key_header_in_any_case(client, header):
    response = client.get("/3.0/admin/currency", headers={header: ADMIN_KEY})

    assert response.status_code == 200
    assert response.get_json()["status"] == 1


@pytest.mark.parametrize("name", ["api-key", "API-Key"])
def test_the_key_is_read_from_the_query_string(client, name):
    response = client.get(f"/3.0/admin/partners?{name}={ADMIN_KEY}")

    assert response.status_code == 200
    assert [p["id"] for p in response.get_json()["partners"]] == [2, 3, 4, 5, 6]


def test_the_query_key_is_never_an_unknown_parameter_on_the_strict_route(client):
    response = client.get(f"/3.0/stats/conversions?api-key={ADMIN_KEY}&limit=1")

    assert response.status_code == 200
    assert len(response.get_json()["conversions"]) == 1


def test_a_session_cookie_neither_authenticates_nor_disturbs(client):
    cookie = {"Cookie": "PHPSESSID=5n0b1v2c3x4z5l6k7j8h9g0f1d"}

    assert_error(client.get("/3.0/admin/currency", headers=cookie), 401, "Token is necessary")
    response = client.get("/3.0/admin/currency", headers={**cookie, "API-Key": ADMIN_KEY})
    assert response.status_code == 200
    assert response.get_json()["quotes"]["USD"] == 1


# ----------------------------------------------------------------------------- arrays


IDS = ["660000000000000000000007", "660000000000000000000010"]


@pytest.mark.parametrize("query", [
    "partner[0]=2&partner[1]=4",
    "partner[]=2&partner[]=4",
    "partner=2&partner=4",
    "partner%5B0%5D=2&partner%5B1%5D=4",
    "partner%5B%5D=2&partner%5B%5D=4",
    "partner[1]=4&partner[0]=2",
])
def test_every_array_encoding_filters_the_same_conversions(admin, query):
    # date_from: without it the list is the week before today (Affise's default window)
    response = admin.get(f"/3.0/stats/conversions?{query}&limit=500&date_from=2024-01-01")

    assert response.status_code == 200
    partners = {c["partner"]["id"] for c in response.get_json()["conversions"]}
    assert partners == {2, 4}
    assert response.get_json()["pagination"]["total_count"] == 14


@pytest.mark.parametrize("body", [
    {"ids[0]": IDS[0], "ids[1]": IDS[1]},
    {"ids[]": IDS},
    {"ids": IDS},
    {"ids%5B0%5D": IDS[0], "ids%5B1%5D": IDS[1]},
])
def test_every_form_array_encoding_edits_the_same_conversions(admin, body):
    pairs = [(k, v) for k, vs in body.items() for v in (vs if isinstance(vs, list) else [vs])]
    raw = "&".join(f"{k}={quote(v)}" for k, v in pairs) + "&status=confirmed"

    response = admin.post("/3.0/admin/conversion/edit", data=raw,
                          content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert response.get_json()["data"]["ids"] == IDS
    statuses = {c["id"]: c["status"] for c in admin.get(
        "/3.0/stats/conversions?limit=500&date_from=2024-01-01").get_json()["conversions"]}
    assert statuses[IDS[0]] == statuses[IDS[1]] == "confirmed"


def test_a_json_body_list_edits_the_same_conversions(admin):
    response = admin.post("/3.0/admin/conversion/edit",
                          json={"ids": IDS, "status": "confirmed"})

    assert response.status_code == 200
    assert response.get_json()["data"] == {"ids": IDS, "status": "confirmed", "currency": None,
                                           "payouts": None, "revenue": None}


def test_indexed_arrays_keep_index_order_not_arrival_order(admin):
    response = admin.post("/3.0/admin/conversion/edit",
                          data={"ids[1]": IDS[1], "ids[0]": IDS[0], "status": "declined"})

    assert response.get_json()["data"]["ids"] == IDS


# ----------------------------------------------------------------------------- bodies


WIRE_BINDING = {
    "payment_systems[0][system_id]": "2",
    "payment_systems[0][currency]": "EUR",
    "payment_systems[0][fields][1]": "DE00123",
    "payment_systems[0][fields][2]": "BICCODE",
    "payment_systems[1][system_id]": "1",
    "payment_systems[1][currency]": "USD",
    "payment_systems[1][fields][4]": "Z777",
}
EXPECTED_BINDINGS = [
    {"id": 17, "system_id": 2, "system": "Wire transfer", "currency": "EUR", "active": 1,
     "fields": {"1": "DE00123", "2": "BICCODE"}},
    {"id": 18, "system_id": 1, "system": "Webmoney", "currency": "USD", "active": 1,
     "fields": {"4": "Z777"}},
]


def test_nested_payment_systems_in_a_form_body(admin):
    response = admin.post("/3.0/admin/partner/2", data=WIRE_BINDING)

    assert response.status_code == 200
    assert response.get_json()["partner"]["payment_systems"] == EXPECTED_BINDINGS


def test_go_sdk_style_post_with_an_empty_body_and_everything_in_the_query(admin, app):
    # The official Go SDK sends POST parameters in the query string with no body at all.
    query = "&".join(f"{k}={quote(v)}" for k, v in WIRE_BINDING.items())

    response = admin.post(f"/3.0/admin/partner/2?{query}&notes=from%20go")

    assert response.status_code == 200
    partner = response.get_json()["partner"]
    assert partner["payment_systems"] == EXPECTED_BINDINGS
    assert partner["notes"] == "from go"
    assert payment_row(app, 2925)["pay_acc"] == "WMZ: Z777"


def test_percent_encoded_nested_brackets_in_the_query(admin):
    query = "&".join(f"{quote(k, safe='')}={quote(v)}" for k, v in WIRE_BINDING.items())

    response = admin.post(f"/3.0/admin/partner/2?{query}")

    assert response.get_json()["partner"]["payment_systems"] == EXPECTED_BINDINGS


def test_multipart_form_post(admin):
    data = {**WIRE_BINDING, "notes": "multipart"}

    response = admin.post("/3.0/admin/partner/2", data=data, content_type="multipart/form-data")

    assert response.status_code == 200
    assert response.get_json()["partner"]["payment_systems"] == EXPECTED_BINDINGS
    assert response.get_json()["partner"]["notes"] == "multipart"


def test_multipart_create_with_a_file_part_ignores_the_file(admin):
    data = {"email": "mp@example.com", "password": "s3cret", "country": "DE",
            "avatar": (io.BytesIO(b"not an image"), "a.png")}

    response = admin.post("/3.0/admin/partner", data=data, content_type="multipart/form-data")

    assert response.status_code == 200
    assert response.get_json()["partner"]["email"] == "mp@example.com"


def test_json_body_with_nested_payment_systems(admin):
    body = {"payment_systems": [
        {"system_id": 2, "currency": "EUR", "fields": {"1": "DE00123", "2": "BICCODE"}},
        {"system_id": 1, "currency": "USD", "fields": {"4": "Z777"}},
    ]}

    response = admin.post("/3.0/admin/partner/2", json=body)

    assert response.status_code == 200
    assert response.get_json()["partner"]["payment_systems"] == EXPECTED_BINDINGS


def test_the_body_wins_over_the_query_on_a_clash(admin):
    response = admin.post("/3.0/admin/partner/3?notes=query", data={"notes": "body"})

    assert response.get_json()["partner"]["notes"] == "body"


def test_a_body_of_an_unknown_type_is_refused(admin, app):
    before = export(app)

    response = admin.post("/3.0/admin/partner/3", data=b"<notes>x</notes>",
                          content_type="text/xml")

    assert_error(response, 400, "Unsupported Content-Type 'text/xml': send "
                 "application/x-www-form-urlencoded, multipart/form-data or application/json")
    assert export(app) == before


# ----------------------------------------------------------------------------- unknown parameters


def test_unknown_parameters_are_ignored_on_lenient_routes(admin):
    response = admin.get("/3.0/admin/partners?filter[foo]=1&colour=blue")

    assert response.status_code == 200
    assert response.get_json()["pagination"]["total_count"] == 5


def test_stats_conversions_refuses_an_unknown_parameter_with_affise_text(admin):
    assert_error(admin.get("/3.0/stats/conversions?filter[date_from]=2024-01-01"), 400,
                 "Method does not allow extra fields: 'filter'")


def test_stats_conversions_refuses_a_documented_parameter_it_cannot_honour(admin):
    # Applied or refused, never ignored: the mock keeps no sub ids, so subid1 is a 400.
    assert_error(admin.get("/3.0/stats/conversions?subid1=x&date_from=2024-01-01"), 400,
                 "subid1: not supported by mock-affise")


def test_strict_mode_refuses_unknown_parameters_everywhere(make_app):
    client = make_app(STRICT=True).test_client()

    response = client.get("/3.0/admin/partners?colour=blue", headers={"API-Key": ADMIN_KEY})

    assert_error(response, 400, "Method does not allow extra fields: 'colour'")
    ok = client.get("/3.0/admin/partners?limit=1&api-key=" + ADMIN_KEY)
    assert ok.status_code == 200


# ----------------------------------------------------------------------------- envelope


@pytest.mark.parametrize(("method", "path", "status", "message"), [
    ("GET", "/3.0/admin/partner/999", 404, "Resource Not Found"),
    ("GET", "/3.0/admin/nowhere", 404, "Page Not Found"),
    ("GET", "/3.0/admin/partner/abc", 404, "Page Not Found"),
    ("DELETE", "/3.0/admin/partners", 405, "Method Not Allowed"),
    ("GET", "/3.0/admin/partner", 405, "Method Not Allowed"),
    ("POST", "/3.0/admin/currency", 405, "Method Not Allowed"),
    ("GET", "/3.0/admin/conversion/edit", 405, "Method Not Allowed"),
    ("GET", "/3.0/admin/partners?limit=0", 400, "limit: must be at least 1"),
])
def test_every_error_is_json_in_the_affise_envelope(admin, method, path, status, message):
    assert_error(admin.client.open(path, method=method, headers={"API-Key": ADMIN_KEY}),
                 status, message)


def test_no_stack_trace_leaks_on_a_malformed_json_body(admin):
    response = admin.post("/3.0/admin/conversion/edit", data=b"{not json",
                          content_type="application/json")

    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.get_json()["message"].startswith("Malformed JSON body: ")
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_nul_character_is_refused_with_the_same_text_in_a_form_and_in_json(admin):
    as_form = admin.post("/3.1/payments/generate", data={"date": "2024-06-15", "note": "a\x00"})
    as_json = admin.post("/3.1/payments/generate", json={"date": "2024-06-15", "note": "a\x00"})
    assert as_form.status_code == as_json.status_code == 400
    assert as_form.json["message"] == as_json.json["message"] == \
        "note: must not contain NUL characters"
    nested = admin.post("/3.1/payments/generate", json={"ids": ["1", "\x00"]})
    assert nested.json["message"] == "ids[1]: must not contain NUL characters"
