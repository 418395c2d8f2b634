"""Hostile input: every case gets a clear 4xx in Affise's envelope and changes nothing."""

from __future__ import annotations

import io

import pytest
from werkzeug.serving import DechunkedInput

from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def small(make_app):
    return make_app(MAX_BODY_BYTES=10_000).test_client()


def _export(client):
    return client.get("/_mock/export", headers=KEY).json


CASES = [
    ("oversized body", "POST", "/3.1/payments/generate", {"data": {"note": "x" * 20_000}}, 413,
     "Request Entity Too Large: the body exceeds 10000 bytes or has too many parts"),
    ("deep brackets", "POST", "/3.1/payments/generate",
     {"data": {"a[1][2][3][4][5][6][7]": "1"}}, 400, "a: nested deeper than 5 levels"),
    ("deep JSON", "POST", "/3.1/payments/generate", {"json": {"a": [[[[[[[[1]]]]]]]]}}, 400,
     "a[0][0][0][0][0][0]: nested deeper than 5 levels"),
    ("array and scalar mixed", "POST", "/3.1/payments/bulk-delete",
     {"data": b"ids=1&ids[0]=2", "content_type": FORM}, 400,
     "ids: mixes array and single-value forms"),
    ("multipart without boundary", "POST", "/3.1/payments/generate",
     {"data": b"garbage", "content_type": "multipart/form-data"}, 400,
     "Malformed multipart body: the Content-Type has no boundary"),
    ("truncated multipart", "POST", "/3.1/payments/generate",
     {"data": b'--xyz\r\nContent-Disposition: form-data; name="date"\r\n\r\n2024',
      "content_type": "multipart/form-data; boundary=xyz"}, 400,
     "Malformed multipart body: it does not end with its boundary"),
    ("invalid UTF-8 in a form", "POST", "/3.1/payments/generate",
     {"data": b"note=%FF%FE&date=2024-06-15", "content_type": FORM}, 400,
     "The request body is not valid UTF-8"),
    ("raw invalid UTF-8 in a form", "POST", "/3.1/payments/generate",
     {"data": b"note=\xff\xfe", "content_type": FORM}, 400, "The request body is not valid UTF-8"),
    ("invalid UTF-8 in the query", "GET", "/3.1/payments?date_from=%FF&date_to=2024-01-01", {},
     400, "The query string is not valid UTF-8"),
    ("invalid UTF-8 in JSON", "POST", "/3.1/payments/generate",
     {"data": b'{"note": "\xff"}', "content_type": "application/json"}, 400,
     "Request body is not valid UTF-8"),
    ("NUL byte", "POST", "/3.1/payments/2925", {"data": {"comment": "a\x00b"}}, 400,
     "comment: must not contain NUL characters"),
    ("1e309", "POST", "/3.1/payments/2925/add-correction",
     {"data": {"revenue": "1e309", "comment": "x"}}, 400,
     "revenue: must be less than 10000000000 in absolute value"),
    ("NaN", "POST", "/3.1/payments/2925/add-correction",
     {"data": {"revenue": "NaN", "comment": "x"}}, 400, "revenue: must be a finite decimal number"),
    ("NaN in JSON", "POST", "/3.1/payments/create-for-affiliate",
     {"data": b'{"aid": 2, "sum": NaN, "currency": 2}', "content_type": "application/json"}, 400,
     "Malformed JSON body: NaN is not a number"),
    ("40-digit integer", "POST", "/3.1/payments/create-for-affiliate",
     {"data": {"aid": "1" * 40, "sum": "1", "currency": "2"}}, 400,
     "aid: must be an integer of at most 18 digits"),
    ("40-digit path id", "GET", "/3.1/payments/" + "9" * 40, {}, 404, "Resource Not Found"),
    ("impossible date", "GET", "/3.1/payments?date_from=2024-02-30&date_to=2024-03-01", {}, 400,
     "date_from: must be a real date in YYYY-MM-DD format"),
    ("far date", "POST", "/3.1/payments/generate", {"data": {"date": "9999-12-31"}}, 400,
     "date: must be between 1900-01-01 and 9000-12-31"),
    ("huge page", "GET", "/3.1/payments?date_from=2024-01-01&date_to=2024-01-02&page=" + "9" * 18,
     {}, 400, "page: must be at most 1000000000"),
    ("JSON array body", "POST", "/3.1/payments/bulk-delete", {"json": [1, 2]}, 400,
     "JSON body must be an object of parameters"),
    ("object for a scalar", "POST", "/3.1/payments/2925", {"json": {"comment": {"x": 1}}}, 400,
     "comment: must be a single value, not an array"),
    ("unsupported content type", "POST", "/3.1/payments/2925",
     {"data": "hello", "content_type": "text/plain"}, 400,
     "Unsupported Content-Type 'text/plain': send application/x-www-form-urlencoded, "
     "multipart/form-data or application/json"),
    ("clock past the year 9000", "POST", "/_mock/clock",
     {"json": {"set": "9999-12-31 23:59:59"}}, 400,
     "set: the clock must stay between 1900-01-01 and 9000-12-31"),
]

JSON = "application/json"
SURROGATE = "must not contain unpaired UTF-16 surrogates"
LONG = "x" * 200
CLIPPED = "x" * 80 + "\u2026"
CASES += [
    # A lone surrogate (JSON's \ud800 escape) fits no UTF-8 column or answer.
    ("lone surrogate in a note", "POST", "/3.1/payments/2925",
     {"data": b'{"note": "\\ud800"}', "content_type": JSON}, 400, f"note: {SURROGATE}"),
    ("lone surrogate in a comment", "POST", "/3.1/payments/2925",
     {"data": b'{"comment": "a\\udfffb"}', "content_type": JSON}, 400,
     f"comment: {SURROGATE}"),
    ("lone surrogate as a parameter name", "POST", "/3.1/payments/2925",
     {"data": b'{"\\ud800": "x", "comment": "c"}', "content_type": JSON}, 400,
     f"\\ud800: {SURROGATE}"),
    ("lone surrogate in a generate note", "POST", "/3.1/payments/generate",
     {"data": b'{"date": "2024-06-15", "note": "\\ud800"}', "content_type": JSON}, 400,
     f"note: {SURROGATE}"),
    ("lone surrogate in a JSON list filter", "GET", "/3.1/payments",
     {"data": b'{"date_from": "2024-01-01", "date_to": "2024-12-31", '
              b'"payment_account": ["WMZ", "\\ud800"]}', "content_type": JSON}, 400,
     f"payment_account[1]: {SURROGATE}"),
    ("lone surrogate in conversionsbyid", "GET", "/3.0/stats/conversionsbyid",
     {"data": b'{"id": "\\ud800"}', "content_type": JSON}, 400, f"id: {SURROGATE}"),
    ("lone surrogate in a binding field", "POST", "/3.0/admin/partner/2",
     {"data": b'{"payment_systems": [{"system_id": 2, "currency": "EUR", '
              b'"fields": {"1": "\\ud800"}}]}', "content_type": JSON}, 400,
     f"payment_systems[0][fields][1]: {SURROGATE}"),
    ("lone surrogate in a snapshot name", "POST", "/_mock/snapshots",
     {"data": b'{"name": "\\ud800"}', "content_type": JSON}, 400, f"name: {SURROGATE}"),
    ("lone surrogate in a fault body", "POST", "/_mock/faults",
     {"data": b'{"action": {"status": 500, "body": {"error": "\\ud800"}}}',
      "content_type": JSON}, 400, f"action[body][error]: {SURROGATE}"),
    ("lone surrogate in a fixture document", "POST", "/_mock/reset",
     {"data": b'{"affiliates": [{"id": 2, "login": "\\ud800"}]}', "content_type": JSON},
     400, f"affiliates[0].login: {SURROGATE}"),  # a fixture names paths as fixtures do
    # Text longer than its column: PostgreSQL refuses it where SQLite would keep it, so every
    # way in refuses it first, on both engines alike.
    ("email past its 255-character column", "POST", "/3.0/admin/partner",
     {"data": {"email": "a" * 250 + "@x.com", "password": "p", "country": "US"}}, 400,
     "email: must be at most 255 characters"),
    ("contact person past its column", "POST", "/3.0/admin/partner/2",
     {"data": {"contact_person": "c" * 256}}, 400,
     "contact_person: must be at most 255 characters"),
    ("fixture country past its 8-character column", "POST", "/_mock/reset",
     {"json": {"affiliates": [{"id": 2, "country": "United States"}]}}, 400,
     "Invalid fixture: affiliates[0].country: must be at most 8 characters"),
    ("fixture offer title past its column", "POST", "/_mock/reset",
     {"json": {"offers": [{"id": 4, "title": "t" * 256}]}}, 400,
     "Invalid fixture: offers[0].title: must be at most 255 characters"),
    ("underscores in a fault probability", "POST", "/_mock/faults",
     {"json": {"action": {"status": 500}, "probability": "0.5_0"}}, 400,
     "probability: must be a number from 0 to 1"),
    ("NUL in the journal's path filter", "GET", "/_mock/requests?path=/3.1%00", {}, 400,
     "path: must not contain NUL characters"),
    ("fault path past its column", "POST", "/_mock/faults",
     {"json": {"match": {"path": "/" + "p" * 2048}, "action": {"status": 500}}}, 400,
     "match.path: must be at most 2048 characters"),
    ("a null fault action", "POST", "/_mock/faults", {"json": {"action": None}}, 400,
     "action: must be an object with one of status, delay_ms, drop_after_commit, body"),
    # Array indices are ASCII digits, at most 18 of them.
    ("superscript index in a form", "POST", "/3.1/payments/bulk-delete",
     {"data": "ids[\u00b2]=1".encode(), "content_type": FORM}, 400, "ids: must be an array"),
    ("superscript index in the query", "GET", "/3.0/stats/conversions?status[%C2%B2]=1", {},
     400, "status: must be an array"),
    ("superscript index in JSON", "POST", "/3.1/payments/bulk-delete",
     {"json": {"ids": {"\u00b2": 1}}}, 400, "ids: must be an array"),
    ("5,000-digit index", "POST", "/3.1/payments/bulk-delete",
     {"data": ("ids[" + "1" * 5000 + "]=1").encode(), "content_type": FORM}, 400,
     "ids: must be an array"),
    ("superscript index after an appended item", "POST", "/3.1/payments/bulk-delete",
     {"data": "ids[]=2925&ids[\u00b2]=1".encode(), "content_type": FORM}, 400,
     "ids: mixes array and single-value forms"),
    ("JSON nested 4,000 deep", "POST", "/3.1/payments/generate",
     {"data": b'{"a": ' + b"[" * 4000 + b"]" * 4000 + b"}", "content_type": JSON}, 400,
     "JSON body: nested deeper than 5 levels"),
    # Affise reads ASCII digits only: int() and Decimal() would take these.
    ("Arabic-Indic path id", "GET", "/3.1/payments/\u0662\u0669\u0662\u0661", {}, 404,
     "Page Not Found"),
    ("5,000-digit path id", "GET", "/3.1/payments/" + "9" * 5000, {}, 404,
     "Resource Not Found"),
    ("fullwidth digits", "POST", "/3.1/payments/create-for-affiliate",
     {"data": {"aid": "\uff19\uff19\uff19\uff19\uff19", "sum": "1", "currency": "2"}}, 400,
     "aid: must be an integer"),
    ("underscores in an amount", "POST", "/3.1/payments/create-for-affiliate",
     {"data": {"aid": "2", "sum": "1_000_000", "currency": "2"}}, 400,
     "sum: must be a decimal number"),
    ("Arabic-Indic digits in an amount", "POST", "/3.1/payments/2925/add-correction",
     {"data": {"revenue": "\u0661\u0660", "comment": "x"}}, 400,
     "revenue: must be a decimal number"),
    ("Arabic-Indic digits in a date", "POST", "/3.1/payments/generate",
     {"data": {"date": "\u0662\u0660\u0662\u0664-06-15"}}, 400,
     "date: must be a date in YYYY-MM-DD format"),
    ("Arabic-Indic digits in a clock advance", "POST", "/_mock/clock",
     {"json": {"advance": "\u0663d"}}, 400,
     "advance: must be a duration like 30s, 15m, 2h, 3d or 1w"),
    # Values quoted in a message are cut at 80 characters.
    ("long unknown parameter on a strict route", "GET", f"/3.0/stats/conversions?{LONG}=1", {},
     400, f"Method does not allow extra fields: '{CLIPPED}'"),
    ("long Content-Type", "POST", "/3.1/payments/2925",
     {"data": "hello", "content_type": f"text/{LONG}"}, 400,
     f"Unsupported Content-Type 'text/{'x' * 75}\u2026': send "
     "application/x-www-form-urlencoded, multipart/form-data or application/json"),
    ("long over-nested name", "POST", "/3.1/payments/generate",
     {"json": {LONG: [[[[[[1]]]]]]}}, 400, f"{CLIPPED}: nested deeper than 5 levels"),
]


@pytest.mark.parametrize(("label", "method", "path", "kwargs", "status", "message"), CASES,
                         ids=[c[0] for c in CASES])
def test_hostile_input_gets_a_clear_4xx_and_changes_nothing(small, label, method, path,
                                                            kwargs, status, message):
    before = _export(small)
    response = small.open(path, method=method, headers=KEY, **kwargs)
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert response.json == {"status": 2, "message": message, "error": message}
    assert _export(small) == before


@pytest.mark.parametrize("text", ["'; DROP TABLE payments;--", "<script>alert(1)</script>",
                                  "Robert'); DELETE FROM conversions WHERE ('1'='1",
                                  "{{7*7}} ${7*7} %s %n"])
def test_sql_and_script_looking_strings_are_stored_and_returned_verbatim(client, text):
    assert client.post("/3.1/payments/2925", headers=KEY, data={"comment": text,
                                                                "note": text}).status_code == 200
    payment = client.get("/3.1/payments/2925", headers=KEY).json["payment"]
    assert (payment["comment"], payment["notes"]) == (text, text)
    listing = client.get("/3.1/payments", headers=KEY, query_string={
        "date_from": "2024-01-01", "date_to": "2024-12-31", "payment_account[]": text}).json
    assert listing["pagination"]["total"] == 0


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<int:tenant_id>", "1")
        for name in rule.arguments - {"tenant_id"}:
            path = path.replace(f"<int:{name}>", "2925").replace(f"<{name}>", "x")
        yield path, rule.methods - {"HEAD", "OPTIONS"}


def test_every_route_answers_every_wrong_method_with_a_json_405(app):
    client = app.test_client()
    allowed: dict[str, set[str]] = {}
    for path, methods in _routes(app):
        allowed.setdefault(path, set()).update(methods)
    assert len(allowed) > 20
    for path, methods in allowed.items():
        for method in {"GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"} - methods:
            response = client.open(path, method=method, headers=KEY)
            assert response.status_code == 405, (method, path)
            assert response.json == {"status": 2, "message": "Method Not Allowed",
                                     "error": "Method Not Allowed"}, (method, path)


def test_a_refused_lone_surrogate_leaves_reports_and_the_journal_readable(client):
    refused = client.post("/3.1/payments/generate", headers=KEY,
                          data=b'{"date": "2024-06-15", "note": "\\ud800"}',
                          content_type="application/json")
    assert refused.status_code == 400

    generations = client.get("/_mock/generations", headers=KEY)
    journal = client.get("/_mock/requests", headers=KEY)

    assert generations.status_code == 200
    assert generations.json["generations"] == []
    assert journal.status_code == 200
    assert [(r["path"], r["status"], r["response"]["message"]) for r in journal.json["requests"]] \
        == [("/3.1/payments/generate", 400, f"note: {SURROGATE}")]


@pytest.mark.parametrize(("method", "path"), [("GET", "//3.1/payments/2925"),
                                              ("POST", "//3.1/payments/2925"),
                                              ("GET", "//3.0/admin/partner/2"),
                                              ("POST", "//_mock/clock")])
def test_a_leading_double_slash_is_a_path_nothing_serves(client, method, path):
    before = _export(client)

    # The test client would read //3.1 as a host name: the path goes in as a server passes it.
    response = client.open("/", method=method, headers=KEY, data={"comment": "twice"},
                           environ_overrides={"PATH_INFO": path})

    assert response.status_code == 404
    assert response.json == {"status": 2, "message": "Page Not Found", "error": "Page Not Found"}
    assert _export(client) == before


def test_json_nested_100000_deep_is_refused_not_a_recursion_error(client):
    body = b'{"note": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    response = client.post("/3.1/payments/generate", headers=KEY, data=body,
                           content_type="application/json")

    assert response.status_code == 400
    assert response.json["message"] == "JSON body: nested deeper than 5 levels"


@pytest.mark.parametrize("chunks", [b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}X\r\n0\r\n\r\n"])
@pytest.mark.parametrize("path", ["/3.1/payments/generate", "/_mock/reset"])
def test_a_bad_chunk_the_server_leaves_to_the_app_is_a_400_in_the_envelope(client, path, chunks):
    before = _export(client)
    # werkzeug's own server hands the app this decoder, which fails as the body is read.
    stream = DechunkedInput(io.BytesIO(chunks))

    response = client.post(path, headers=KEY, content_type="application/json",
                           environ_overrides={"wsgi.input": stream,
                                              "wsgi.input_terminated": True})

    message = "Bad Request: the request body could not be read"
    assert response.status_code == 400
    assert response.json == {"status": 2, "message": message, "error": message}
    assert _export(client) == before
