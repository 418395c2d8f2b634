"""An in-process call hands the app the environ a server (and werkzeug's test client) would."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from mock_affise.inprocess import call_wsgi

SEEN = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
        "SERVER_PORT", "HTTP_HOST", "wsgi.url_scheme", "CONTENT_TYPE", "CONTENT_LENGTH",
        "HTTP_API_KEY")


def _environ_of(method: str, url: str, body: bytes, headers) -> dict:
    handed = {}

    def app(environ, start_response):
        handed.update(environ, body=environ["wsgi.input"].read())
        start_response("201 Created", [("X-Seen", "yes")])
        return [b"made"]

    assert call_wsgi(app, method, url, body, headers) == (201, [("X-Seen", "yes")], b"made")
    return handed


@pytest.mark.parametrize("url", ["/_mock/tenants", "/_mock/snapshots/a%20b/restore",
                                 "/caf%C3%A9?x=1&y=%20", "https://api-net.affise.com/3.1/payments?a=1",
                                 "http://127.0.0.1:8080/3.0/admin/currency"])
def test_the_environ_is_werkzeugs(url):
    headers = {"API-Key": "k", "Content-Type": "application/x-www-form-urlencoded"}
    body = b"comment=paid"
    handed = _environ_of("post", url, body, headers)
    path, _, query = url.partition("?")
    base = None
    if "://" in path:
        scheme, _, rest = path.partition("://")
        host, _, tail = rest.partition("/")
        base, path = f"{scheme}://{host}", "/" + tail
    expected = EnvironBuilder(path=path, base_url=base, query_string=query, method="POST",
                              headers=headers, data=body).get_environ()
    assert {name: handed.get(name) for name in SEEN} == {name: expected.get(name) for name in SEEN}
    assert handed["body"] == body


def test_a_header_sent_twice_is_one_with_its_values_joined():
    handed = _environ_of("GET", "/x", b"", [("Accept", "a/b"), ("Accept", "c/d"),
                                             ("Content-Length", "99")])
    assert handed["HTTP_ACCEPT"] == "a/b, c/d"
    assert handed["CONTENT_LENGTH"] == "0"  # the body's own length, not what a header claims


def test_a_query_reaches_a_flask_app_as_its_utf8_text():
    from flask import Flask, request

    app = Flask("echo")

    @app.get("/echo")
    def echo():
        return {"q": request.args["q"], "type": request.content_type}

    status, _, body = call_wsgi(app, "GET", "/echo?q=café €", b"",
                                [("Content-Type", "text/plain"), ("Content-Type", "x/y")])
    assert (status, body) == (200, b'{"q":"caf\\u00e9 \\u20ac","type":"text/plain"}\n')


def test_what_an_app_writes_through_write_comes_first():
    def app(environ, start_response):
        write = start_response("200 OK", [])
        write(b"written ")
        return [b"returned"]

    assert call_wsgi(app, "GET", "/")[2] == b"written returned"
