"""What each key sees of GET /3.0/stats/conversions and the partner routes (contract section 2).

Default fixture: Bob (MANAGER_KEY) manages affiliates 2, 3 and 5; 4 and 6 have no manager.
"""

from __future__ import annotations

import pytest

from mock_affise.api.not_emulated import ENDPOINT_PREFIX
from tests.api.test_wire import assert_error
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, MANAGER_KEY

ALL_DAYS = "limit=500&date_from=2024-01-01&date_to=2024-12-31"
ADMIN_ONLY_FILTERS = ["update_from_date=2024-06-01", "update_from_hour=3",
                      "update_to_date=2024-06-02", "update_to_hour=4", "partner[]=2",
                      "revenue=1", "revenue_from=1", "revenue_to=2"]


def conversions(client, key: str, query: str = "") -> list[dict]:
    response = client.get(f"/3.0/stats/conversions?{ALL_DAYS}&{query}",
                          headers={"API-Key": key})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["conversions"]


@pytest.mark.parametrize("affiliate_id", sorted(AFFILIATE_KEYS))
def test_an_affiliate_lists_only_its_own_conversions(client, affiliate_id):
    everyone = conversions(client, ADMIN_KEY)
    own = conversions(client, AFFILIATE_KEYS[affiliate_id])

    assert [c["id"] for c in own] == [c["id"] for c in everyone
                                      if c["partner"]["id"] == affiliate_id]
    assert own  # every fixture affiliate has conversions


@pytest.mark.parametrize("given", ADMIN_ONLY_FILTERS)
def test_an_affiliate_is_refused_each_admin_only_filter_by_name(client, given):
    name = given.split("=")[0].removesuffix("[]")

    response = client.get(f"/3.0/stats/conversions?{given}",
                          headers={"API-Key": AFFILIATE_KEYS[2]})

    assert_error(response, 400, f"{name}: available only for admin API-Key")


@pytest.mark.parametrize("given", ["update_from_date=2024-06-01", "partner[]=2"])
def test_a_manager_may_use_the_admin_only_filters(client, given):
    assert conversions(client, MANAGER_KEY, given) is not None


def test_an_empty_admin_only_filter_counts_as_not_sent(client):
    # Affiliate 3 has four conversions in the default fixture.
    assert len(conversions(client, AFFILIATE_KEYS[3], "update_from_date=&revenue=")) == 4


def test_an_affiliates_conversions_leave_out_the_admin_only_fields(client):
    own = conversions(client, AFFILIATE_KEYS[2])
    admin_view = {c["id"]: c for c in conversions(client, ADMIN_KEY, "partner[]=2")}

    for conversion in own:
        full = admin_view[conversion["id"]]
        assert {"partner", "revenue", "earnings"} <= set(full)
        assert conversion == {k: v for k, v in full.items()
                              if k not in ("partner", "revenue", "earnings")}


def test_a_manager_filtering_on_an_affiliate_it_does_not_manage_sees_nothing(client):
    assert conversions(client, MANAGER_KEY, "partner[]=4") == []
    assert {c["partner"]["id"] for c in conversions(client, MANAGER_KEY, "partner[]=4&partner[]=5")
            } == {5}


def test_a_manager_sees_the_full_conversion_shape(client):
    assert {"partner", "revenue", "earnings"} <= set(conversions(client, MANAGER_KEY)[0])


def test_a_manager_pages_count_only_its_own_affiliates(client):
    response = client.get(f"/3.0/stats/conversions?{ALL_DAYS}&limit=5",
                          headers={"API-Key": MANAGER_KEY})

    # Affiliates 2, 3 and 5 have 12 + 4 + 6 conversions in the default fixture.
    assert response.get_json()["pagination"]["total_count"] == 22


def test_a_manager_key_never_sees_an_api_key_and_an_admin_key_always_does(client):
    managed = client.get("/3.0/admin/partners", headers={"API-Key": MANAGER_KEY}).get_json()
    full = client.get("/3.0/admin/partners", headers={"API-Key": ADMIN_KEY}).get_json()

    assert [p["api_key"] for p in managed["partners"]] == [None, None, None]
    assert managed["pagination"]["total_count"] == 3
    assert [p["api_key"] for p in full["partners"]] == [AFFILIATE_KEYS[a] for a in (2, 3, 4, 5, 6)]


def test_a_managers_partner_filters_stay_inside_its_own_affiliates(client):
    response = client.get("/3.0/admin/partners?id[]=4&id[]=6&id[]=3",
                          headers={"API-Key": MANAGER_KEY})

    assert [p["id"] for p in response.get_json()["partners"]] == [3]


def test_a_manager_reads_its_affiliates_balances_only(client):
    own = client.get("/3.0/admin/partner/5", headers={"API-Key": MANAGER_KEY}).get_json()
    admin_view = client.get("/3.0/admin/partner/5", headers={"API-Key": ADMIN_KEY}).get_json()

    assert own["partner"]["balance"] == admin_view["partner"]["balance"]
    assert_error(client.get("/3.0/admin/partner/6", headers={"API-Key": MANAGER_KEY}), 404,
                 "Resource Not Found")


@pytest.mark.parametrize("key", [ADMIN_KEY, MANAGER_KEY, AFFILIATE_KEYS[2], None])
def test_every_route_the_mock_does_not_emulate_answers_501_whoever_calls(app, key):
    client = app.test_client()
    headers = {"API-Key": key} if key else {}
    unemulated = [(method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith(ENDPOINT_PREFIX)
                  for method in rule.methods or () if method not in ("HEAD", "OPTIONS")]
    assert unemulated

    for method, rule in unemulated:
        path = rule.replace("<", "").replace(">", "")
        response = client.open(path.replace("id", "1"), method=method, headers=headers)
        assert response.status_code == 501, (method, rule)
