"""The dashboard's locks and its escaping: the control token, CSRF, headers, hostile text."""

from __future__ import annotations

import re

import pytest

from tests.api.ui_helpers import T1, UI, csrf, text
from tests.conftest import ADMIN_KEY

TOKEN = "s3cret-control-token"
PAGES = ("/", "/tenants/1/network", "/tenants/1/invoices", "/tenants/1/invoices/2921",
         "/tenants/1/journal", "/tenants/1/generations", "/tenants/1/controls")


@pytest.fixture
def locked(make_app):
    return make_app(CONTROL_TOKEN=TOKEN).test_client()


def sign_in(client, token: str, back: str = f"{UI}/"):
    return client.post(f"{UI}/sign-in", data={"csrf": csrf(client, f"{UI}/sign-in"),
                                              "token": token, "back": back})


def test_nothing_of_the_dashboard_is_served_without_the_token(locked):
    for path in PAGES:
        page = locked.get(f"{UI}{path}")
        assert page.status_code == 401, path
        body = page.get_data(as_text=True)
        assert "Control token is necessary: sign in with it" in text(page)
        assert ADMIN_KEY[:4] + "…" not in body and "2921" not in body.replace(path, "")
    token = csrf(locked, f"{UI}/sign-in")
    refused = locked.post(f"{T1}/clock", data={"csrf": token, "move": "advance",
                                                "advance": "1d"})
    assert refused.status_code == 401
    assert locked.get("/_mock/clock", headers={"API-Key": ADMIN_KEY,
                                               "X-Mock-Control-Token": TOKEN}).json["now"] == \
        "2024-06-15 12:00:00"


def test_a_wrong_token_is_refused_and_the_right_one_kept_in_a_strict_http_only_cookie(locked):
    wrong = sign_in(locked, "guess")
    assert wrong.status_code == 403 and "Control token is wrong" in text(wrong)
    assert locked.get(f"{UI}/").status_code == 401
    right = sign_in(locked, TOKEN, f"{T1}/invoices")
    assert right.status_code == 303 and right.headers["Location"] == f"{T1}/invoices"
    cookie = next(c for c in right.headers.getlist("Set-Cookie")
                  if c.startswith("mock_affise_control="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/_mock/ui" in cookie
    for path in PAGES:
        assert locked.get(f"{UI}{path}").status_code == 200, path


def test_sign_in_goes_back_only_to_a_dashboard_page(locked):
    for back in ("https://evil.example/", "//evil.example/_mock/ui/", "/_mock/uix",
                 "/_mock/ui/\\\\evil"):
        answer = sign_in(locked, TOKEN, back)
        assert answer.headers["Location"] == f"{UI}/tenants", back


def test_the_cookie_does_not_unlock_the_json_control_plane(locked):
    sign_in(locked, TOKEN)
    assert locked.get("/_mock/clock", headers={"API-Key": ADMIN_KEY}).status_code == 401


def test_signing_out_forgets_the_token(locked):
    sign_in(locked, TOKEN)
    token = csrf(locked)
    assert locked.post(f"{UI}/sign-out", data={"csrf": token}).status_code == 303
    assert locked.get(f"{UI}/").status_code == 401


def test_forms_of_a_locked_dashboard_need_their_csrf_token_too(locked):
    sign_in(locked, TOKEN)
    assert locked.post(f"{T1}/journal/clear").status_code == 403
    assert locked.post(f"{T1}/journal/clear",
                       data={"csrf": csrf(locked)}).status_code == 303


def test_pages_carry_a_strict_content_security_policy(client):
    page = client.get(f"{UI}/")
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get(f"{UI}/ui.css").status_code == 200


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_stored_text_renders_as_text_everywhere(make_app, default_document):
    for affiliate in default_document["affiliates"]:
        if affiliate["id"] == 2:
            affiliate["name"] = HOSTILE
            affiliate["notes"] = HOSTILE
    for payment in default_document["payments"]:
        if payment["id"] == 2921:
            payment["notes"] = HOSTILE
            payment["comment"] = HOSTILE
    default_document["corrections"][0]["comment"] = HOSTILE
    default_document["offers"][0]["title"] = HOSTILE
    client = make_app(default_document).test_client()
    client.get(f"/3.0/admin/partners?search={HOSTILE}",
               headers={"API-Key": ADMIN_KEY, "X-Evil": HOSTILE})
    for path in (*PAGES, "/tenants/1/network?affiliate=2"):
        body = client.get(f"{UI}{path}").get_data(as_text=True)
        assert "<script" not in body and "<img" not in body, path
    invoice = client.get(f"{T1}/invoices/2921")
    assert text(invoice).count(HOSTILE) >= 3
    network = client.get(f"{T1}/network?affiliate=2")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in network.get_data(as_text=True)
    entry_id = re.search(r'data-entry="(\d+)"', client.get(f"{T1}/journal").get_data(
        as_text=True)).group(1)
    entry = client.get(f"{T1}/journal/{entry_id}").get_data(as_text=True)
    assert "<script" not in entry and "&lt;script&gt;" in entry


def test_text_no_column_could_hold_is_refused_in_queries_and_forms(client):
    page = client.get(f"{T1}/journal?path=/3.1/%00")
    assert page.status_code == 400
    assert "path: must not contain NUL characters" in text(page)
    token = csrf(client)
    refused = client.post(f"{T1}/snapshots", data={"csrf": token, "name": "a\x00b"})
    assert refused.status_code == 400
    assert "name: must not contain NUL characters" in text(refused)
    assert client.get("/_mock/snapshots", headers={"API-Key": ADMIN_KEY}).json[
        "snapshots"] == []


def test_sign_in_goes_back_to_the_tenants_page_when_back_holds_a_line_break(locked):
    for back in ("/_mock/ui/\r\nSet-Cookie: x=1", "/_mock/ui/\u00e9"):
        answer = sign_in(locked, TOKEN, back)
        assert answer.status_code == 303 and answer.headers["Location"] == f"{UI}/tenants"


def test_a_csrf_value_that_is_no_token_is_a_stale_form_not_a_server_error(client):
    csrf(client, f"{UI}/")  # the browser holds a nonce
    for sent in ("\u00e9", "x" * 64, ""):
        answer = client.post(f"{T1}/clock", data={"csrf": sent, "move": "advance",
                                                   "advance": "1d"})
        assert answer.status_code == 403, sent
        assert "The form has expired or came from elsewhere" in text(answer)


def test_a_visitor_not_signed_in_gets_no_value_signed_with_the_token(locked):
    # A nonce and its HMAC under the token would let a visitor test guesses offline.
    page = locked.get(f"{UI}/sign-in")
    nonce = re.search(r"mock_affise_csrf=([0-9a-f]{32})", page.headers["Set-Cookie"])[1]
    sent = re.findall(r'name="csrf" value="([^"]*)"', page.get_data(as_text=True))
    assert sent and set(sent) == {nonce}


@pytest.mark.parametrize("path", [f"{T1}/conversions/%00", "/_mock/snapshots/%00"])
def test_a_nul_in_a_path_segment_is_a_404(client, path):
    answer = client.get(path, headers={"API-Key": ADMIN_KEY}) if path.startswith(UI) else \
        client.delete(path, headers={"API-Key": ADMIN_KEY})
    assert answer.status_code == 404
