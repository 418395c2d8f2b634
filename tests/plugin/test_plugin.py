"""The pytest plugin seen from outside: generated test files run in-process by pytester."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pytest
import requests

from mock_affise import pytest_plugin

pytest_plugins = ["pytester"]

# The inner runs have no pyproject.toml of ours: ask for the same strictness explicitly.
STRICT = ("--strict-markers", "-W", "error::DeprecationWarning", "-p", "no:cacheprovider")


@pytest.fixture
def in_thread(monkeypatch):
    """Make the inner run start a server of its own, whatever this session runs against."""
    monkeypatch.delenv(pytest_plugin.URL_VARIABLE, raising=False)
    monkeypatch.delenv(pytest_plugin.TOKEN_VARIABLE, raising=False)


def run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(*STRICT, *args)


def test_installing_the_package_registers_the_plugin(request):
    assert request.config.pluginmanager.get_plugin("mock_affise") is pytest_plugin


def test_importing_the_plugin_loads_neither_requests_nor_the_server():
    probe = ("import sys, mock_affise.pytest_plugin; print(sorted(m for m in "
             "('requests', 'sqlalchemy', 'mock_affise.app', 'mock_affise.db') "
             "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert loaded.stdout.strip() == "[]"


def test_a_suite_gets_a_live_server_and_a_fresh_tenant_per_test(pytester, in_thread):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def mock_affise_settings():
            return {"GENERATION_DELAY": 60}
    """)
    (pytester.path / "data").mkdir()
    (pytester.path / "data" / "solo.yaml").write_text(textwrap.dedent("""\
        now: 2024-03-01 00:00:00
        currencies:
          - {id: 2, code: USD, rate: 1, min_payment: 0, active: true, default: true}
        affiliates:
          - {id: 7, name: Solo, email: solo@example.com, login: solo, status: active}
    """))
    served_at = pytester.path / "url.txt"
    pytester.makepyfile(test_inner=f"""
        import pytest

        SEEN = []

        def test_server(mock_affise_server):
            assert mock_affise_server.app is not None
            assert mock_affise_server.url.startswith("http://127.0.0.1:")
            with open({str(served_at)!r}, "w") as out:
                out.write(mock_affise_server.url)

        @pytest.mark.parametrize("run", [1, 2])
        def test_default_document_and_isolation(affise, run):
            assert affise.admin_key not in SEEN
            SEEN.append(affise.admin_key)
            assert sorted(affise.affiliate_keys) == [2, 3, 4, 5, 6]
            assert affise.delete("/3.1/payments/delete/2925").json()["result"] is True

        def test_settings_reach_the_in_thread_server(affise):
            assert affise.control("GET", "/config")["config"] == {{"generation_delay_seconds": 60, "referral_percent": "0"}}

        @pytest.mark.affise_fixture("data/solo.yaml")
        def test_marker_path_is_relative_to_the_test_file(affise):
            assert affise.clock() == {{"now": "2024-03-01 00:00:00", "frozen": True}}
            assert list(affise.affiliate_keys) == [7]

        @pytest.mark.affise_fixture({{"now": "2030-01-01 00:00:00"}})
        class TestMarkedClass:
            def test_class_marker(self, affise):
                assert affise.clock()["now"] == "2030-01-01 00:00:00"

        class TestOverride:
            @pytest.fixture
            def affise_fixture_document(self):
                return {{"now": "2025-05-05 05:05:05"}}

            def test_fixture_override(self, affise):
                assert affise.clock()["now"] == "2025-05-05 05:05:05"
    """)

    result = run_inner(pytester)

    result.assert_outcomes(passed=7)
    # The inner session's server stopped with it: its address answers no more.
    with pytest.raises(requests.ConnectionError):
        requests.get(served_at.read_text() + "/_mock/health", timeout=5)


def test_mock_affise_url_points_the_fixtures_at_an_external_server(
        pytester, monkeypatch, mock_affise_server, affise):
    monkeypatch.setenv(pytest_plugin.URL_VARIABLE, mock_affise_server.url)
    if mock_affise_server.control_token:
        monkeypatch.setenv(pytest_plugin.TOKEN_VARIABLE, mock_affise_server.control_token)
    keys = pytester.path / "keys.txt"
    pytester.makepyfile(test_external=f"""
        import os

        def test_same_server(mock_affise_server, affise):
            assert mock_affise_server.app is None
            assert mock_affise_server.url == os.environ["MOCK_AFFISE_URL"]
            listed = mock_affise_server.control("GET", "/_mock/tenants")["tenants"]
            # The outer session's tenant lives on this server too.
            assert {{"tenant": {affise.tenant_id}, "admin": "{affise.admin_key}"}} in listed
            with open({str(keys)!r}, "a") as out:
                out.write(affise.admin_key + "\\n")

        def test_failing_test_still_drops_its_tenant(affise):
            with open({str(keys)!r}, "a") as out:
                out.write(affise.admin_key + "\\n")
            assert False, "fails on purpose"
    """)

    result = run_inner(pytester)

    result.assert_outcomes(passed=1, failed=1)  # the first: no server of its own started
    inner_keys = keys.read_text().split()
    listed = mock_affise_server.control("GET", "/_mock/tenants")["tenants"]
    assert len(inner_keys) == 2
    assert not set(inner_keys) & {t["admin"] for t in listed}
    assert affise.admin_key in {t["admin"] for t in listed}


def test_a_failing_control_call_reads_as_the_servers_message(pytester, in_thread):
    pytester.makepyfile(test_errors="""
        import pytest

        def test_bad_duration(affise):
            affise.advance("soon")

        @pytest.mark.affise_fixture({"conversions": [{"id": "1" * 24, "affiliate_id": 99}]})
        def test_bad_document(affise):
            pass

        @pytest.mark.affise_fixture("missing.json")
        def test_missing_file(affise):
            pass

        @pytest.mark.affise_fixture(42)
        def test_wrong_argument(affise):
            pass
    """)

    result = run_inner(pytester)

    result.assert_outcomes(failed=1, errors=3)
    # Setup errors come first in the report, then the failure.
    result.stdout.fnmatch_lines([
        "E *MockAffiseControlError: POST /_mock/tenants answered 400: "
        "Invalid fixture: conversions*: is required; *: unknown affiliate 99",
        f"@pytest.mark.affise_fixture: fixture file {pytester.path / 'missing.json'} "
        "does not exist",
        "@pytest.mark.affise_fixture: expected a dict or the path of a JSON/YAML file, got int",
        "E *MockAffiseControlError: POST /_mock/tenants/*/clock "
        "answered 400: advance: must be a duration like 30s, 15m, 2h, 3d or 1w",
    ])


def test_an_unreachable_external_server_fails_setup_with_its_address(pytester, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(pytest_plugin.URL_VARIABLE, f"http://127.0.0.1:{port}")
    monkeypatch.setattr(pytest_plugin, "EXTERNAL_WAIT_SECONDS", 0.3)
    pytester.makepyfile(test_unreachable="""
        def test_needs_a_tenant(affise):
            pass
    """)

    result = run_inner(pytester)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        f"E *MockAffiseControlError: GET http://127.0.0.1:{port}"
        f"/_mock/health failed: cannot reach mock-affise at http://127.0.0.1:{port} *",
    ])


def test_the_control_token_goes_with_every_control_call(pytester, in_thread, monkeypatch):
    # The in-thread server reads the same variable as its CONTROL_TOKEN setting.
    monkeypatch.setenv(pytest_plugin.TOKEN_VARIABLE, "s3cret")
    pytester.makepyfile(test_token="""
        import requests

        def test_token(affise):
            assert affise.advance("1h")["now"] == "2022-05-23 13:00:00"  # the default fixture's now + 1h
            bare = requests.get(f"{affise.url}/_mock/tenants/{affise.tenant_id}/clock", timeout=5)
            assert bare.status_code == 401
            assert bare.json()["message"] == (
                "Control token is necessary: send it in X-Mock-Control-Token")
    """)

    result = run_inner(pytester)

    result.assert_outcomes(passed=1)
