"""Fault rules: Affise's error envelope, custom bodies, delays, dropped connections."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import event

from mock_affise.api.endpoint import ConnectionDropped
from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
GENERATE = {"method": "POST", "path": "/3.1/payments/generate"}
ALL = {"date_from": "2000-01-01", "date_to": "2100-01-01"}


def _count(client):
    return client.get("/3.1/payments", headers=KEY, query_string=ALL).json["pagination"]["total"]


def test_a_status_fault_answers_affises_envelope_and_applies_nothing(client):
    rule = client.post("/_mock/faults", headers=KEY,
                       json={"match": GENERATE, "action": {"status": 500}, "times": 1}).json
    assert rule["fault"]["id"] == 1 and rule["fault"]["times"] == 1
    failed = client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    assert failed.status_code == 500
    assert failed.content_type == "application/json"
    assert failed.json == {"status": 2, "message": "Server error, Please contact your administrator",
                           "error": "Server error, Please contact your administrator"}
    assert _count(client) == 5
    again = client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    assert again.status_code == 200 and _count(client) == 9
    [listed] = client.get("/_mock/faults", headers=KEY).json["faults"]
    assert (listed["times"], listed["fired"]) == (0, 1)


def test_a_custom_body_fault_is_sent_as_given(client):
    client.post("/_mock/faults", headers=KEY, json={
        "match": {"path": "/3.1/payments/*"}, "action": {"status": 502, "body": {"oops": 1}}})
    response = client.get("/3.1/payments/2921", headers=KEY)
    assert (response.status_code, response.json) == (502, {"oops": 1})


def test_the_first_matching_rule_wins_and_methods_must_match(client):
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"method": "DELETE", "path": "*"}, "action": {"status": 404}})
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"path": "/3.1/payments/2921"}, "action": {"status": 403}})
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"path": "/3.1/payments/2921"}, "action": {"status": 401}})
    assert client.get("/3.1/payments/2921", headers=KEY).json["message"] == "Auth Denied"
    assert client.delete("/3.1/payments/delete/2925", headers=KEY).json["message"] == \
        "Resource Not Found"
    assert client.get("/3.1/payments/2922", headers=KEY).status_code == 200
    assert client.delete("/_mock/faults", headers=KEY).json == {"status": 1, "result": True}
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200


def test_probability_with_a_seed_repeats_the_same_pattern(make_app):
    patterns = []
    for _ in range(2):
        client = make_app().test_client()
        client.post("/_mock/faults", headers=KEY, json={
            "match": {"path": "/3.1/payments/2921"}, "action": {"status": 500},
            "probability": 0.5, "seed": 7})
        patterns.append([client.get("/3.1/payments/2921", headers=KEY).status_code
                         for _ in range(20)])
    assert patterns[0] == patterns[1]
    assert 200 in patterns[0] and 500 in patterns[0]


def test_a_delay_fault_slows_the_answer_down(client):
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"path": "/3.1/payments/2921"}, "action": {"delay_ms": 300}})
    started = time.monotonic()
    response = client.get("/3.1/payments/2921", headers=KEY)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3
    [entry] = client.get("/_mock/requests", headers=KEY).json["requests"]
    assert entry["fault"] == "delay_ms"


def test_bad_fault_rules_are_refused_with_the_field(client):
    cases = [({"match": GENERATE}, "action: must be an object with one of status, delay_ms, "
                                   "drop_after_commit, body"),
             ({"match": GENERATE, "action": {"explode": 1}},
              "action.explode: is not a fault action (expected one of status, delay_ms, "
              "drop_after_commit, body)"),
             ({"match": GENERATE, "action": {"status": 99}}, "action.status: must be between 100 "
                                                             "and 599"),
             ({"match": GENERATE, "action": {"body": {}}}, "action.body: needs a status to "
                                                           "send it with"),
             ({"match": GENERATE, "action": {"status": 500}, "probability": 2},
              "probability: must be a number from 0 to 1"),
             ({"match": {"method": "FETCH"}, "action": {"status": 500}},
              "match.method: must be one of GET, POST, DELETE, PUT, PATCH")]
    for body, message in cases:
        response = client.post("/_mock/faults", headers=KEY, json=body)
        assert (response.status_code, response.json["message"]) == (400, message)
    assert client.get("/_mock/faults", headers=KEY).json["faults"] == []


def test_drop_after_commit_in_process_raises_and_the_invoice_exists(app):
    client = app.test_client()
    client.post("/_mock/faults", headers=KEY,
                json={"match": GENERATE, "action": {"drop_after_commit": True}, "times": 1})
    with pytest.raises(ConnectionDropped):
        client.post("/3.1/payments/generate", headers=KEY, data={"date": "2024-06-15"})
    assert _count(client) == 9


def test_drop_after_commit_closes_the_connection_and_the_invoice_exists(live_server):
    url, _app = live_server
    requests.post(f"{url}/_mock/faults", headers=KEY, timeout=10,
                  json={"match": GENERATE, "action": {"drop_after_commit": True}, "times": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f"{url}/3.1/payments/generate", headers=KEY, timeout=10,
                      data={"date": "2024-06-15"})
    listing = requests.get(f"{url}/3.1/payments", headers=KEY, params=ALL, timeout=10).json()
    assert listing["pagination"]["total"] == 9
    journal = requests.get(f"{url}/_mock/requests", headers=KEY, timeout=10,
                           params={"path": GENERATE["path"]}).json()["requests"]
    assert [(e["status"], e["fault"]) for e in journal] == [(200, "drop_after_commit")]


def _replays(app) -> int:
    return app.extensions["mock_affise"].answers.replays


def _count_write_transactions(app) -> list[int]:
    opened: list[int] = []
    event.listen(app.extensions["mock_affise"].db._writer, "after_begin",
                 lambda *args: opened.append(1))
    return opened


def test_a_spent_rule_lets_reads_be_replayed_again(app):
    client = app.test_client()
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"path": "/3.1/payments/*"}, "action": {"status": 500},
                      "times": 1})
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 500
    first = client.get("/3.1/payments/2921", headers=KEY)
    again = client.get("/3.1/payments/2921", headers=KEY)
    assert (first.status_code, again.data) == (200, first.data)
    assert _replays(app) == 1
    [spent] = client.get("/_mock/faults", headers=KEY).json["faults"]
    assert (spent["times"], spent["seen"], spent["fired"]) == (0, 1, 1)  # listed, never counted


@pytest.mark.parametrize("match", [
    {"method": "POST", "path": "*"},       # another method
    {"path": "/3.1/payments/2999"},        # another path
])
def test_a_rule_that_cannot_match_a_read_opens_no_write_transaction(app, match):
    client = app.test_client()
    client.post("/_mock/faults", headers=KEY, json={"match": match, "action": {"status": 500}})
    opened = _count_write_transactions(app)
    for _ in range(3):
        assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200
    assert opened == []
    [rule] = client.get("/_mock/faults", headers=KEY).json["faults"]
    assert rule["seen"] == 0


def test_a_spent_rule_opens_no_write_transaction(app):
    client = app.test_client()
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"path": "*"}, "action": {"delay_ms": 0}, "times": 1})
    assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200  # spends it
    opened = _count_write_transactions(app)
    assert client.get("/3.1/payments/2922", headers=KEY).status_code == 200
    assert opened == []


def test_a_rule_that_can_match_still_counts_every_matching_read(app):
    client = app.test_client()
    client.post("/_mock/faults", headers=KEY,
                json={"match": {"path": "/3.1/payments/2921"}, "action": {"status": 503},
                      "probability": 0})
    for _ in range(3):
        assert client.get("/3.1/payments/2921", headers=KEY).status_code == 200
    [rule] = client.get("/_mock/faults", headers=KEY).json["faults"]
    assert (rule["seen"], rule["fired"]) == (3, 0)
    assert _replays(app) == 0
