"""A dashboard locked with CONTROL_TOKEN: the user signs in once and the cookie keeps it."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard import by_css, fill, note, press
from tests.browser.test_dashboard_pages import OVERFLOW, UNLABELLED

pytestmark = pytest.mark.browser
CONTROL_TOKEN = "browser-control-token"


def test_the_control_token_is_asked_once_and_kept_in_a_strict_http_only_cookie(dashboard):
    tenant, _ = dashboard.new_tenant()
    dashboard.open(f"/tenants/{tenant}/invoices")
    assert by_css(dashboard, "h1")[0].text == "Sign in"
    assert not by_css(dashboard, "tr[data-invoice]")
    for width in (390, 1280):
        dashboard.width(width)
        assert dashboard.browser.execute_script(UNLABELLED) == []
        assert dashboard.browser.execute_script(OVERFLOW) == []
    fill(dashboard, "Control token", "not-it")
    press(dashboard, "Sign in")
    assert by_css(dashboard, "p.note")[0].text == "Control token is wrong"
    fill(dashboard, "Control token", CONTROL_TOKEN)
    press(dashboard, "Sign in")
    # Back on the page the user asked for.
    assert dashboard.browser.current_url == f"{dashboard.url}/_mock/ui/tenants/{tenant}/invoices"
    assert len(by_css(dashboard, "tr[data-invoice]")) == 5
    cookie = dashboard.browser.get_cookie("mock_affise_control")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert dashboard.browser.execute_script("return document.cookie") == ""
    dashboard.open(f"/tenants/{tenant}/controls")
    fill(dashboard, "Snapshot name", "signed-in")
    press(dashboard, "Save snapshot")
    assert note(dashboard) == "Saved snapshot 'signed-in'."
    press(dashboard, "Sign out")
    assert by_css(dashboard, "h1")[0].text == "Sign in"
