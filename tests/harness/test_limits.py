"""Flood limits and paged lists of the control plane: tenants, snapshots, fault rules."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from mock_affise.config import ConfigError, load_settings
from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
RULE = {"match": {"path": "/3.1/payments/1"}, "action": {"status": 500}}


def _refused(response, what: str, limit: int, setting: str) -> None:
    text = (f"Limit reached: at most {limit} {what} (setting {setting}, "
            f"environment MOCK_AFFISE_{setting})")
    assert (response.status_code, response.json) == (
        409, {"status": 2, "message": text, "error": text})


def test_tenants_stop_at_max_tenants_and_a_dropped_one_makes_room(make_app):
    client = make_app(MAX_TENANTS=2).test_client()  # the seeded tenant is the first
    second = client.post("/_mock/tenants").json["tenant"]
    _refused(client.post("/_mock/tenants"), "tenants", 2, "MAX_TENANTS")
    assert [t["tenant"] for t in client.get("/_mock/tenants").json["tenants"]] == [1, second]
    client.delete(f"/_mock/tenants/{second}")
    assert client.post("/_mock/tenants").status_code == 200


def test_snapshots_stop_at_max_snapshots_but_a_name_may_be_saved_again(make_app):
    client = make_app(MAX_SNAPSHOTS=2).test_client()
    for name in ("a", "b"):
        assert client.post("/_mock/snapshots", headers=KEY, json={"name": name}).status_code == 200
    _refused(client.post("/_mock/snapshots", headers=KEY, json={"name": "c"}),
             "snapshots per tenant", 2, "MAX_SNAPSHOTS")
    assert client.post("/_mock/snapshots", headers=KEY, json={"name": "a"}).status_code == 200
    client.delete("/_mock/snapshots/a", headers=KEY)
    assert client.post("/_mock/snapshots", headers=KEY, json={"name": "c"}).status_code == 200
    listed = client.get("/_mock/snapshots", headers=KEY).json
    assert [s["name"] for s in listed["snapshots"]] == ["b", "c"]
    assert listed["pagination"] == {"page": 1, "limit": 100, "total": 2}


def test_fault_rules_stop_at_max_fault_rules_per_tenant(make_app):
    app = make_app(MAX_FAULT_RULES=2)
    client = app.test_client()
    for _ in range(2):
        assert client.post("/_mock/faults", headers=KEY, json=RULE).status_code == 200
    _refused(client.post("/_mock/faults", headers=KEY, json=RULE),
             "fault rules per tenant", 2, "MAX_FAULT_RULES")
    other = client.post("/_mock/tenants").json["tenant"]  # the limit is each tenant's own
    assert client.post(f"/_mock/tenants/{other}/faults", json=RULE).status_code == 200
    assert client.delete("/_mock/faults/1", headers=KEY).status_code == 200
    assert client.post("/_mock/faults", headers=KEY, json=RULE).status_code == 200


def test_fault_rules_are_listed_a_page_at_a_time_in_matching_order(client):
    for status in (500, 502, 503):
        client.post("/_mock/faults", headers=KEY,
                    json={"match": {"path": "/x"}, "action": {"status": status}})
    first = client.get("/_mock/faults?limit=2", headers=KEY).json
    second = client.get("/_mock/faults?limit=2&page=2", headers=KEY).json
    assert [r["action"]["status"] for r in first["faults"]] == [500, 502]
    assert [r["action"]["status"] for r in second["faults"]] == [503]
    assert second["pagination"] == {"page": 2, "limit": 2, "total": 3}


def test_tenants_are_listed_a_page_at_a_time_with_their_admin_keys(client):
    made = [client.post("/_mock/tenants").json for _ in range(3)]
    page = client.get("/_mock/tenants?page=2&limit=2").json
    assert page["tenants"] == [{"tenant": m["tenant"], "admin": m["api_keys"]["admin"]}
                               for m in made[1:3]]
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 4}
    assert client.get("/_mock/tenants?page=9").json["tenants"] == []


@pytest.mark.parametrize(("query", "message"), [
    ("limit=0", "limit: must be between 1 and 1000"),
    ("limit=1001", "limit: must be between 1 and 1000"),
    ("page=0", "page: must be between 1 and 1000000000"),
    ("page=x", "page: must be an integer"),
])
def test_a_bad_page_is_refused_naming_the_parameter(client, query, message):
    for path in ("/_mock/tenants", "/_mock/faults", "/_mock/snapshots"):
        response = client.get(f"{path}?{query}", headers=KEY)
        assert (response.status_code, response.json["message"]) == (400, message)


def test_listing_tenants_asks_the_same_few_statements_however_many_there_are(app):
    client = app.test_client()
    statements: list[str] = []
    event.listen(app.extensions["mock_affise"].db.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: statements.append(sql))

    def asked() -> int:
        statements.clear()
        assert client.get("/_mock/tenants").status_code == 200
        return len(statements)

    few = asked()
    assert few > 0
    for _ in range(12):
        client.post("/_mock/tenants")
    assert asked() == few


@pytest.mark.parametrize("name", ["MAX_TENANTS", "MAX_SNAPSHOTS", "MAX_FAULT_RULES"])
def test_a_limit_below_one_is_a_configuration_error(name):
    with pytest.raises(ConfigError, match=f"{name}: must be a positive number"):
        load_settings({name: 0}, environ={})
    assert load_settings({}, environ={f"MOCK_AFFISE_{name}": "7"})[name] == 7
