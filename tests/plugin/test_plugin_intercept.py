"""The plugin's interception fixtures seen from an inner pytest run: options and the session mode."""

from __future__ import annotations

import pytest

from mock_affise import pytest_plugin

pytest_plugins = ["pytester"]

STRICT = ("--strict-markers", "-W", "error::DeprecationWarning", "-p", "no:cacheprovider")


@pytest.fixture(autouse=True)
def in_thread(monkeypatch):
    """Start the inner run's own server (conftest imports what it uses first)."""
    for name in (pytest_plugin.URL_VARIABLE, pytest_plugin.TOKEN_VARIABLE,
                 pytest_plugin.INTERCEPT_VARIABLE):
        monkeypatch.delenv(name, raising=False)


def test_the_options_fixture_refuses_other_hosts_for_the_test(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def mock_affise_intercept_options():
            return {"others": "refuse"}
    """)
    pytester.makepyfile("""
        import pytest
        import requests

        def test_refused(affise, affise_intercept):
            assert affise_intercept.url == "https://api-mock.affise.com"
            with pytest.raises(requests.exceptions.ConnectionError):
                requests.get(affise.url + "/3.0/admin/currency")  # the thread's own socket
            answer = requests.get("https://api-mock.affise.com/3.0/admin/currency",
                                  headers={"API-Key": affise.admin_key})
            assert answer.json()["quotes"]["USD"] == 1

        def test_the_next_test_is_not_intercepted(affise):
            assert affise.get("/3.0/admin/currency").status_code == 200
    """)

    pytester.runpytest_inprocess(*STRICT).assert_outcomes(passed=2)


def test_a_session_behind_the_intercept_url_serves_its_tenants_there(pytester, monkeypatch):
    monkeypatch.setenv(pytest_plugin.INTERCEPT_VARIABLE, "https://api-acme.affise.com/")
    pytester.makepyfile("""
        import httpx

        def test_the_tenant_lives_behind_the_affise_url(affise, mock_affise_server):
            assert affise.url == mock_affise_server.url == "https://api-acme.affise.com"
            answer = httpx.get(affise.url + "/3.1/payments/2921",
                               headers={"API-Key": affise.admin_key})
            assert answer.json()["payment"]["id"] == 2921
    """)

    pytester.runpytest_inprocess(*STRICT).assert_outcomes(passed=1)
