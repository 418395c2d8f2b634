"""The answer cache is invisible: with it and without it, every call gets the same answer."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_affise import create_app
from tests.budget import examples
from tests.conftest import fresh_database_url

ROLES = ["admin", "manager", "aff2", "aff3"]
AFFILIATE_MANAGER = "5f2a9e0c1d2b3c4d5e6f7a8c"  # the default fixture's affiliate manager
INVOICE = st.sampled_from([2921, 2923, 2925, 2926, 2928, 999])

reads = st.one_of(
    st.tuples(st.just("GET"), INVOICE.map(lambda i: f"/3.1/payments/{i}"), st.just({})),
    st.tuples(st.just("GET"), st.just("/3.1/payments"), st.fixed_dictionaries(
        {"date_from": st.sampled_from(["2000-01-01", "2024-06-01"]),
         "date_to": st.sampled_from(["2024-06-15", "2100-01-01"])},
        optional={"limit": st.sampled_from(["1", "2", "100"]), "page": st.sampled_from(["1", "2"]),
                  "status": st.sampled_from(["1", "2", "x"])})),
    # (not the partner routes: they show each tenant's own API keys)
    st.tuples(st.just("GET"), st.sampled_from(["/3.0/admin/payment_systems", "/3.0/balance",
                                               "/3.0/admin/currency"]), st.just({})),
)
changes = st.one_of(
    st.tuples(st.just("POST"), INVOICE.map(lambda i: f"/3.1/payments/{i}"),
              st.fixed_dictionaries({"comment": st.sampled_from(["a", "b"])},
                                    optional={"status": st.sampled_from(["1", "2", "3"])})),
    st.tuples(st.just("DELETE"), INVOICE.map(lambda i: f"/3.1/payments/delete/{i}"), st.just({})),
    st.tuples(st.just("POST"), st.just("/3.1/payments/generate"),
              st.fixed_dictionaries({"date": st.sampled_from(["2024-06-15", "2024-05-31"])})),
    st.tuples(st.just("POST"), INVOICE.map(lambda i: f"/3.1/payments/{i}/add-correction"),
              st.fixed_dictionaries({"revenue": st.sampled_from(["2", "-1.5"])})),
    st.tuples(st.just("CLOCK"), st.just("/_mock/clock"),
              st.sampled_from([{"advance": "1d"}, {"advance_seconds": 30}])),
    st.tuples(st.just("CONFIG"), st.just("/_mock/config"),
              st.sampled_from([{"generation_delay_seconds": 60},
                               {"generation_delay_seconds": 0}])),
)
calls = st.lists(st.one_of(st.tuples(st.sampled_from(ROLES), reads),
                           st.tuples(st.just("admin"), changes)), min_size=1, max_size=25)


def _call(client, keys: dict[str, str], role: str, method: str, path: str, params: dict):
    headers = {"API-Key": keys[role]}
    if method in ("CLOCK", "CONFIG"):
        return client.post(path, headers={"API-Key": keys["admin"]}, json=params)
    if method == "GET":
        return client.get(path, headers=headers, query_string=params)
    return client.open(path, method=method, headers=headers, data=params)


def _tenant(client) -> dict[str, str]:
    """A fresh tenant from the default fixture; its keys by role."""
    keys = client.post("/_mock/tenants").json["api_keys"]
    return {"admin": keys["admin"], "manager": keys["managers"][AFFILIATE_MANAGER],
            "aff2": keys["affiliates"]["2"], "aff3": keys["affiliates"]["3"]}


@settings(max_examples=examples(25, long=150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@pytest.mark.first
@given(sequence=calls)
def test_every_answer_is_the_same_with_and_without_the_answer_cache(tmp_path, sequence):
    # One database, two apps, a tenant each: the same calls on the same data.
    url = fresh_database_url(tmp_path / "shared.db")
    cached = create_app({"DATABASE_URL": url})
    plain = create_app({"DATABASE_URL": url, "READ_CACHE_BYTES": 0})
    try:
        sides = [(client, _tenant(client)) for client in (cached.test_client(),
                                                          plain.test_client())]
        asked = []
        for role, (method, path, params) in sequence:
            if method == "GET":
                asked.append((role, (method, path, params)))
            # every read asked so far, again: a kept answer must not outlive a change
            for role_, call in [(role, (method, path, params)), *asked]:
                one, other = (_call(client, keys, role_, *call) for client, keys in sides)
                assert (one.status_code, one.data) == (other.status_code, other.data), call
        journals = [client.get("/_mock/requests", headers={"API-Key": keys["admin"]}).json
                    for client, keys in sides]
        assert [{k: v for k, v in e.items() if k != "id"} for e in journals[0]["requests"]] == \
            [{k: v for k, v in e.items() if k != "id"} for e in journals[1]["requests"]]
    finally:
        for app in (cached, plain):
            app.extensions["mock_affise"].db.dispose()
