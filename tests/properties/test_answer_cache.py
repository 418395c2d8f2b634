"""The answer cache is invisible: with it and without it, every call gets the same answer."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_affise import create_app
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, MANAGER_KEY, fresh_database_url

LONG = os.environ.get("MOCK_AFFISE_FUZZ") == "long"
KEYS = [ADMIN_KEY, MANAGER_KEY, AFFILIATE_KEYS[2], AFFILIATE_KEYS[3]]
INVOICE = st.sampled_from([2921, 2923, 2925, 2926, 2928, 999])

reads = st.one_of(
    st.tuples(st.just("GET"), INVOICE.map(lambda i: f"/3.1/payments/{i}"), st.just({})),
    st.tuples(st.just("GET"), st.just("/3.1/payments"), st.fixed_dictionaries(
        {"date_from": st.sampled_from(["2000-01-01", "2024-06-01"]),
         "date_to": st.sampled_from(["2024-06-15", "2100-01-01"])},
        optional={"limit": st.sampled_from(["1", "2", "100"]), "page": st.sampled_from(["1", "2"]),
                  "status": st.sampled_from(["1", "2", "x"])})),
    st.tuples(st.just("GET"), st.sampled_from(["/3.0/admin/partners", "/3.0/balance",
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
calls = st.lists(st.one_of(st.tuples(st.sampled_from(KEYS), reads),
                           st.tuples(st.just(ADMIN_KEY), changes)), min_size=1, max_size=25)


def _call(client, key: str, method: str, path: str, params: dict):
    headers = {"API-Key": key}
    if method in ("CLOCK", "CONFIG"):
        return client.post(path, headers={"API-Key": ADMIN_KEY}, json=params)
    if method == "GET":
        return client.get(path, headers=headers, query_string=params)
    return client.open(path, method=method, headers=headers, data=params)


@settings(max_examples=150 if LONG else 25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sequence=calls)
def test_every_answer_is_the_same_with_and_without_the_answer_cache(tmp_path, sequence):
    cached = create_app({"DATABASE_URL": fresh_database_url(tmp_path / "cached.db")})
    plain = create_app({"DATABASE_URL": fresh_database_url(tmp_path / "plain.db"),
                        "READ_CACHE_BYTES": 0})
    try:
        clients = cached.test_client(), plain.test_client()
        for client in clients:
            client.post("/_mock/reset", headers={"API-Key": ADMIN_KEY})
        asked = []
        for key, (method, path, params) in sequence:
            if method == "GET":
                asked.append((key, (method, path, params)))
            # every read asked so far, again: a kept answer must not outlive a change
            for key_, call in [(key, (method, path, params)), *asked]:
                one, other = (_call(client, key_, *call) for client in clients)
                assert (one.status_code, one.data) == (other.status_code, other.data), call
        journals = [c.get("/_mock/requests", headers={"API-Key": ADMIN_KEY}).json["requests"]
                    for c in clients]
        assert [{k: v for k, v in e.items() if k != "id"} for e in journals[0]] == \
            [{k: v for k, v in e.items() if k != "id"} for e in journals[1]]
    finally:
        for app in (cached, plain):
            app.extensions["mock_affise"].db.dispose()
