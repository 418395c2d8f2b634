"""Kept read answers: a GET asked again is replayed, and never once anything it shows changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mock_affise import create_app
from mock_affise.api.answers import Answer, AnswerCache
from mock_affise.harness.journal import Entry
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, SERVER_URL, SUITE_FIXTURE, fresh_database_url

KEY = {"API-Key": ADMIN_KEY}
ALL = "/3.1/payments?date_from=2000-01-01&date_to=2100-01-01"
DAY = "/3.1/payments?date_from=2024-06-15&date_to=2024-06-15"


def _replays(app) -> int:
    return app.extensions["mock_affise"].answers.replays


def test_a_repeated_read_is_replayed_byte_for_byte_and_journaled_each_time(app, client):
    first = client.get("/3.1/payments/2921", headers=KEY)
    second = client.get("/3.1/payments/2921", headers=KEY)

    assert _replays(app) == 1
    assert (second.status_code, second.data) == (first.status_code, first.data)
    assert second.headers["Content-Type"] == first.headers["Content-Type"] == "application/json"
    assert second.headers["Content-Length"] == first.headers["Content-Length"]
    entries = client.get("/_mock/requests", headers=KEY).json["requests"]
    assert [(e["path"], e["status"]) for e in entries] == [("/3.1/payments/2921", 200)] * 2
    assert entries[0]["response"] == entries[1]["response"] == first.json
    assert entries[1]["id"] > entries[0]["id"]


def test_a_first_read_goes_straight_to_the_endpoint_without_a_second_key_lookup(app, client,
                                                                                 monkeypatch):
    # Nothing kept under a request's key: nothing to replay, so its holder is looked up once,
    # in the endpoint, not first in the replay layer as well. A read asked again is looked up.
    fast_reads = app.wsgi_app
    looked_up = []
    held = fast_reads._holder
    monkeypatch.setattr(fast_reads, "_holder", lambda key: looked_up.append(key) or held(key))
    first = client.get("/3.1/payments/2923", headers=KEY)
    assert (first.status_code, looked_up, _replays(app)) == (200, [], 0)
    second = client.get("/3.1/payments/2923", headers=KEY)
    assert (second.data, looked_up, _replays(app)) == (first.data, [ADMIN_KEY], 1)
    other = client.get("/3.1/payments/2921", headers=KEY)  # another path: kept nothing yet
    assert (other.status_code, looked_up) == (200, [ADMIN_KEY])


def test_a_key_kept_for_one_tenant_then_another_is_still_known_to_be_kept():
    # A key a dropped tenant let go of may be another's: the first's next stamp does not
    # make the cache forget the second's answer under it.
    cache = AnswerCache(max_bytes=1 << 20)
    answer = Answer("200 OK", [], b"{}", Entry("GET", "/3.1/payments/1", "{}", 200, "{}", "d"))
    key, other = ("k", "", "/3.1/payments/1", ""), ("k", "", "/3.1/payments/2", "")
    cache.put(1, (1, None), key, answer)
    cache.put(2, (1, None), key, answer)
    cache.put(1, (2, None), other, answer)  # tenant 1's stamp moves on
    assert cache.may_hold(key) and cache.may_hold(other)
    assert cache.get(2, (1, None), key) is answer
    assert not cache.may_hold(("k", "", "/3.1/payments/3", ""))


def test_a_refused_read_is_replayed_as_refused(app, client):
    first = client.get("/3.1/payments/999", headers=KEY)
    second = client.get("/3.1/payments/999", headers=KEY)
    assert (first.status_code, second.status_code) == (404, 404)
    assert second.json == first.json
    assert _replays(app) == 1


def test_an_update_is_seen_by_the_next_read(client):
    before = client.get("/3.1/payments/2925", headers=KEY).json["payment"]
    assert client.post("/3.1/payments/2925", headers=KEY,
                       data={"comment": "paid late"}).status_code == 200
    after = client.get("/3.1/payments/2925", headers=KEY).json["payment"]
    assert before["comment"] != "paid late"
    assert after["comment"] == "paid late"


def test_a_deleted_invoice_is_gone_from_the_next_read(client):
    assert client.get(ALL, headers=KEY).json["pagination"]["total"] == 5
    client.delete("/3.1/payments/delete/2925", headers=KEY)
    assert client.get(ALL, headers=KEY).json["pagination"]["total"] == 4
    assert client.get("/3.1/payments/2925", headers=KEY).status_code == 404


def test_moving_the_clock_shows_a_delayed_generation(client):
    client.post("/_mock/config", headers=KEY, json={"generation_delay_seconds": 60})
    client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    assert client.get(DAY, headers=KEY).json["payments"] == []
    assert client.get(DAY, headers=KEY).json["payments"] == []
    client.post("/_mock/clock", headers=KEY, json={"advance_seconds": 60})
    assert [p["id"] for p in client.get(DAY, headers=KEY).json["payments"]] == [
        2929, 2928, 2927, 2926]


def test_a_fault_rule_applies_to_a_read_answered_before(client):
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200
    client.post("/_mock/faults", headers=KEY, json={
        "match": {"method": "GET", "path": "/3.1/payments/*"}, "action": {"status": 500},
        "times": 1})
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 500
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200


def test_reset_and_restore_bring_back_what_reads_showed(client):
    original = client.get("/3.1/payments/2925", headers=KEY).data
    client.post("/_mock/snapshots", headers=KEY, json={"name": "before"})
    client.post("/3.1/payments/2925", headers=KEY, data={"comment": "changed once"})
    assert client.get("/3.1/payments/2925", headers=KEY).data != original
    client.post("/_mock/snapshots/before/restore", headers=KEY)
    assert client.get("/3.1/payments/2925", headers=KEY).data == original
    client.post("/3.1/payments/2925", headers=KEY, data={"comment": "changed twice"})
    client.post("/_mock/reset", headers=KEY)
    assert client.get("/3.1/payments/2925", headers=KEY).data == original


def test_a_dropped_tenant_keys_stop_working_for_reads_answered_before(client):
    made = client.post("/_mock/tenants").json
    key = {"API-Key": made["api_keys"]["admin"]}
    assert client.get("/3.1/payments/2921", headers=key).status_code == 200
    client.delete(f"/_mock/tenants/{made['tenant']}")
    gone = client.get("/3.1/payments/2921", headers=key)
    assert (gone.status_code, gone.json["message"]) == (401, "Token is necessary")


def test_each_key_gets_its_own_answer_on_the_same_path(client):
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200
    affiliate = {"API-Key": AFFILIATE_KEYS[2]}
    refused = client.get("/3.1/payments/2921", headers=affiliate)
    assert (refused.status_code, refused.json["message"]) == (403, "Auth Denied")
    assert client.get("/3.1/payments/2921", headers=affiliate).status_code == 403


def test_tenants_do_not_share_answers(client):
    made = client.post("/_mock/tenants").json
    key = {"API-Key": made["api_keys"]["admin"]}
    client.post("/3.1/payments/2925", headers=key, data={"comment": "only here"})
    assert client.get("/3.1/payments/2925", headers=key).json["payment"]["comment"] == "only here"
    assert client.get("/3.1/payments/2925", headers=KEY).json["payment"]["comment"] != "only here"


@pytest.mark.parametrize("extra", [
    {"query_string": {"api-key": ADMIN_KEY}},
    {"headers": {**KEY, "Content-Type": "application/x-www-form-urlencoded"}},
    {"headers": KEY, "data": {"id": "1"}},
])
def test_reads_the_replay_cannot_vouch_for_take_the_full_path(app, client, extra):
    client.open("/3.1/payments/2921", method="GET", **extra)
    again = client.open("/3.1/payments/2921", method="GET", **extra)
    assert again.status_code == 200
    assert _replays(app) == 0


def test_without_a_cache_every_read_takes_the_full_path(make_app):
    app = make_app(READ_CACHE_BYTES=0)
    client = app.test_client()
    first = client.get("/3.1/payments/2921", headers=KEY)
    assert client.get("/3.1/payments/2921", headers=KEY).data == first.data
    assert _replays(app) == 0
    assert len(client.get("/_mock/requests", headers=KEY).json["requests"]) == 2


def test_the_cache_stays_within_its_byte_budget(make_app):
    app = make_app(READ_CACHE_BYTES=20_000)
    client = app.test_client()
    for _ in range(3):
        for page in range(1, 6):
            client.get(f"{ALL}&limit=1&page={page}", headers=KEY)
            client.get(ALL, headers=KEY)
    answers = app.extensions["mock_affise"].answers
    assert 0 < answers._bytes <= 20_000
    assert _replays(app) > 0


@pytest.mark.skipif(bool(SERVER_URL), reason="about SQLite files: the URL spells the path")
def test_two_spellings_of_one_database_file_share_their_change_count(tmp_path, monkeypatch):
    database = tmp_path / "one.db"
    (tmp_path / "alias.db").symlink_to(database)
    monkeypatch.chdir(tmp_path)
    spellings = [f"sqlite:///{database}", "sqlite:///alias.db",
                 f"sqlite:///file:{database}?uri=true"]
    apps = [create_app({"DATABASE_URL": url, "FIXTURES": str(SUITE_FIXTURE)}) for url in spellings]
    try:
        clients = [app.test_client() for app in apps]
        for client in clients[1:]:  # each keeps an answer
            client.get("/3.1/payments/2925", headers=KEY)
            client.get("/3.1/payments/2925", headers=KEY)
        clients[0].post("/3.1/payments/2925", headers=KEY, data={"comment": "from the first"})
        for client in clients[1:]:
            seen = client.get("/3.1/payments/2925", headers=KEY).json["payment"]["comment"]
            assert seen == "from the first"
    finally:
        for app in apps:
            app.extensions["mock_affise"].db.dispose()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count files")
def test_disposing_an_app_closes_the_files_beside_its_database(tmp_path):
    def build_and_dispose(number: int) -> None:
        app = create_app({"DATABASE_URL": fresh_database_url(tmp_path / f"{number}.db"),
                          "FIXTURES": str(SUITE_FIXTURE)})
        client = app.test_client()
        client.get("/3.1/payments/2921", headers=KEY)
        client.post("/3.1/payments/2925", headers=KEY, data={"comment": "x"})
        client.get("/_mock/requests", headers=KEY)
        app.extensions["mock_affise"].db.dispose()

    build_and_dispose(0)
    before = len(os.listdir("/proc/self/fd"))
    for number in range(1, 11):
        build_and_dispose(number)
    assert len(os.listdir("/proc/self/fd")) <= before
