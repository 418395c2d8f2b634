"""Known Affise operations the mock does not serve answer 501 naming themselves; others 404."""

from __future__ import annotations

import pytest

from mock_affise.api.unemulated_routes import NOT_EMULATED
from tests.api.test_wire import assert_error
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS


@pytest.mark.parametrize(("method", "path", "named"), [
    ("POST", "/3.0/admin/partners/mass-update", "POST /3.0/admin/partners/mass-update"),
    ("POST", "/3.0/admin/partner/password/5", "POST /3.0/admin/partner/password/{id}"),
    ("POST", "/3.0/admin/partner/5/locale", "POST /3.0/admin/partner/{id}/locale"),
    ("GET", "/3.0/admin/postbacks", "GET /3.0/admin/postbacks"),
    ("POST", "/3.0/admin/conversion/import", "POST /3.0/admin/conversion/import"),
    ("GET", "/3.1/partner/me", "GET /3.1/partner/me"),
    ("GET", "/3.0/stats/getreferralpayments", "GET /3.0/stats/getreferralpayments"),
    ("DELETE", "/3.0/partner/postback/3/remove", "DELETE /3.0/partner/postback/{id}/remove"),
])
def test_a_known_operation_the_mock_does_not_serve_answers_501_naming_it(
        admin, method, path, named):
    response = getattr(admin, method.lower())(path, data={"id[]": "2"})

    assert_error(response, 501, f"mock-affise does not emulate {named}")


@pytest.mark.parametrize("headers", [
    {}, {"API-Key": "nobody-holds-this-key"}, {"API-Key": AFFILIATE_KEYS[2]},
])
def test_the_501_comes_whatever_the_key(client, headers):
    response = client.post("/3.0/admin/partners/mass-update", headers=headers)

    assert_error(response, 501, "mock-affise does not emulate POST /3.0/admin/partners/mass-update")


def test_every_listed_operation_answers_501(admin):
    for method, template in NOT_EMULATED:
        path = template.replace("{id}", "5").replace("{number}", "5")

        response = getattr(admin, method.lower())(path)

        assert_error(response, 501, f"mock-affise does not emulate {method} {template}")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/3.0/admin/nowhere"),
    ("GET", "/3.0/admin/partner/5/nothing"),
    ("POST", "/3.1/partner/you"),
    ("GET", "/3.0/admin/partner/password/5/more"),
])
def test_unknown_paths_stay_page_not_found(admin, method, path):
    assert_error(getattr(admin, method.lower())(path), 404, "Page Not Found")


def test_another_method_on_a_not_emulated_path_is_405(admin):
    response = admin.delete("/3.0/admin/postbacks")

    assert_error(response, 405, "Method Not Allowed")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_501_changes_nothing_and_is_not_journaled(app, admin):
    control = app.test_client()
    before = control.get("/_mock/journal", headers={"API-Key": ADMIN_KEY}).get_json()

    admin.post("/3.0/admin/partners/mass-update", data={"id[]": "2", "status": "banned"})

    assert admin.get("/3.0/admin/partner/2").get_json()["partner"]["status"] == "active"
    after = control.get("/_mock/journal", headers={"API-Key": ADMIN_KEY}).get_json()
    assert after == before
