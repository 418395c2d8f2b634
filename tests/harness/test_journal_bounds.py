"""The journal stays bounded in bytes: long values and bodies are cut, answers are paged."""

from __future__ import annotations

from mock_affise.harness.journal import truncate
from tests.conftest import ADMIN_KEY
from tests.harness.journal_flood import PER_CALL, flood, stored_bytes

KEY = {"API-Key": ADMIN_KEY}
MEGABYTE = 1024 * 1024


def _journal(client, **query):
    answer = client.get("/_mock/requests", headers=KEY, query_string=query)
    assert answer.status_code == 200
    return answer.json["requests"]


def test_truncate_keeps_whole_characters_and_counts_the_bytes_it_cut():
    assert truncate("abc", 3) == "abc"
    assert truncate("abcdef", 4) == "abcd…[truncated 2 bytes]"
    # "é" is 2 bytes: 5 bytes hold two of them, the third is not cut in half
    assert truncate("é" * 10, 5) == "éé…[truncated 16 bytes]"


def test_a_megabyte_parameter_is_stored_cut_with_a_marker(client):
    client.get("/3.1/payments", headers=KEY, query_string={"blob": "x" * MEGABYTE})
    [entry] = _journal(client)
    assert entry["parameters"]["blob"] == "x" * 16384 + "…[truncated 1032192 bytes]"


def test_a_long_parameter_name_is_cut_too(make_app):
    client = make_app(JOURNAL_VALUE_BYTES=8).test_client()
    client.get("/3.1/payments", headers=KEY, query_string={"n" * 20: "1"})
    [entry] = _journal(client)
    assert entry["parameters"] == {"nnnnnnnn…[truncated 12 bytes]": "1"}


def test_a_response_past_the_body_bound_is_stored_as_its_cut_start(make_app):
    client = make_app(JOURNAL_BODY_BYTES=64).test_client()
    sent = client.get("/3.1/payments/2925", headers=KEY)
    assert sent.status_code == 200 and len(sent.data) > 64
    [entry] = _journal(client)
    assert entry["response"] == (sent.data[:64].decode()
                                 + f"…[truncated {len(sent.data) - 64} bytes]")


def test_parameters_past_the_body_bound_are_stored_as_their_cut_start(make_app):
    client = make_app(JOURNAL_BODY_BYTES=32, JOURNAL_VALUE_BYTES=16).test_client()
    query = {f"p{i}": "v" * 10 for i in range(5)}  # 5 x 18 bytes + braces and commas: 96
    client.get("/3.1/payments", headers=KEY, query_string=query)
    [entry] = _journal(client)
    text = ('{"p0":"vvvvvvvvvv","p1":"vvvvvvvvvv","p2":"vvvvvvvvvv","p3":"vvvvvvvvvv",'
            '"p4":"vvvvvvvvvv"}')
    assert entry["parameters"] == text[:32] + f"…[truncated {len(text) - 32} bytes]"


def test_the_journal_answers_the_newest_100_calls_unless_told_otherwise(client):
    for offer in range(1, 106):
        client.get(f"/3.1/payments/{offer}", headers=KEY)
    default = _journal(client)
    assert [e["path"] for e in default] == [f"/3.1/payments/{n}" for n in range(6, 106)]
    assert len(_journal(client, limit="105")) == 105
    assert [e["path"] for e in _journal(client, limit="2")] == [
        "/3.1/payments/104", "/3.1/payments/105"]


def test_a_limit_above_the_maximum_is_refused_with_the_maximum_named(client):
    refused = client.get("/_mock/requests", headers=KEY, query_string={"limit": "1001"})
    assert refused.status_code == 400
    assert refused.json["message"] == "limit: must be at most 1000"
    assert len(_journal(client, limit="1000")) == 0


def test_the_limit_bounds_are_settings(make_app):
    client = make_app(JOURNAL_LIMIT=2, JOURNAL_MAX_LIMIT=3).test_client()
    for n in range(1, 5):
        client.get(f"/3.1/payments/{n}", headers=KEY)
    assert [e["path"] for e in _journal(client)] == ["/3.1/payments/3", "/3.1/payments/4"]
    assert len(_journal(client, limit="3")) == 3
    refused = client.get("/_mock/requests", headers=KEY, query_string={"limit": "4"})
    assert refused.status_code == 400
    assert refused.json["message"] == "limit: must be at most 3"


def test_megabyte_parameters_add_kilobytes_to_the_journal(make_app):
    app = make_app()
    answered = flood(app, 4)
    assert stored_bytes(app) < 4 * PER_CALL
    assert answered < 4 * PER_CALL


def test_a_path_past_the_column_is_stored_cut_with_a_marker(client):
    path = "/3.1/payments/" + "9" * 5000
    assert client.get(path, headers=KEY).status_code == 404
    [entry] = _journal(client)
    kept = 2048 - len("…[truncated 100000000000000000000 bytes]")  # the column, less a marker
    assert entry["path"] == path[:kept] + f"…[truncated {len(path) - kept} bytes]"
