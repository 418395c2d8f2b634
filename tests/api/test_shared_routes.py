"""Apps share one compiled URL map, and a route one app adds stays that app's own."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY


def test_apps_built_alike_share_the_compiled_rules(make_app):
    first, second = make_app(), make_app()

    assert first.url_map is not second.url_map
    assert first.url_map._matcher is second.url_map._matcher


def test_a_route_added_to_one_app_is_served_by_it_alone(make_app):
    first, second = make_app(), make_app()
    first.add_url_rule("/3.0/admin/extra", "extra", lambda: "extra")

    assert first.test_client().get("/3.0/admin/extra").text == "extra"
    missing = second.test_client().get("/3.0/admin/extra")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "Page Not Found"
    # the app that added a route still serves every route it had
    for app in (first, second):
        answer = app.test_client().get("/3.1/payments/2921", headers={"API-Key": ADMIN_KEY})
        assert answer.status_code == 200
        assert answer.get_json()["payment"]["id"] == 2921
    assert make_app().test_client().get("/3.0/admin/extra").status_code == 404


def test_a_routing_setting_changed_on_one_app_stays_with_it(make_app):
    first, second = make_app(), make_app()
    first.url_map.merge_slashes = True

    assert first.url_map.merge_slashes is True
    assert second.url_map.merge_slashes is False
    assert make_app().url_map.merge_slashes is False
