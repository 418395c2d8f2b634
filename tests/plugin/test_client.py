"""mock_affise.client without the plugin: plain calls against a server the test starts itself."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from mock_affise.client import MockAffise, MockAffiseControlError
from mock_affise.testing_server import serve_in_thread
from tests.conftest import fresh_database_url

GENERATE = "/3.1/payments/generate"
EVER = {"date_from": "2000-01-01", "date_to": "2099-12-31"}
# One affiliate with two approved USD conversions (7.25 + 3.10 = 10.35 to bill) and a pending
# one (100, not payable), over a 10 USD minimum.
ONE_AFFILIATE = {
    "now": "2024-01-31 18:00:00",
    "currencies": [{"id": 2, "code": "USD", "rate": "1", "min_payment": "10", "active": True,
                    "default": True}],
    "payment_systems": [{"id": 1, "title": "Webmoney", "currency": None, "threshold": None,
                         "fields": [{"id": 4, "label": "WMZ", "required": True}]}],
    "affiliates": [{"id": 7, "name": "Solo Media", "email": "solo@example.com", "login": "solo",
                    "status": "active",
                    "payment_systems": [{"id": 1, "system_id": 1, "currency": "USD",
                                         "active": 1, "fields": {"4": "Z700"}}]}],
    "offers": [{"id": 1, "title": "Offer One", "advertiser_id": "62164a9a5a8b7e788f752f13"}],
    "conversions": [
        {"id": f"{n:024x}", "affiliate_id": 7, "offer_id": 1, "status": status,
         "payouts": payouts, "currency": "USD", "country": "US", "goal": "1",
         "created_at": f"2024-01-{n:02d} 10:00:00", "hold_until": None}
        for n, status, payouts in ((10, 1, "7.25"), (11, 1, "3.10"), (12, 2, "100"))
    ],
}


@pytest.fixture
def served(tmp_path):
    """A server on its own database, started here rather than by the plugin."""
    with serve_in_thread({"DATABASE_URL": fresh_database_url(tmp_path / "client.db")}) as (
            url, _app):
        yield url


def test_a_script_drives_the_mock_with_neither_flask_nor_pytest_loaded(served, tmp_path):
    document = tmp_path / "network.json"
    document.write_text(json.dumps(ONE_AFFILIATE))
    script = textwrap.dedent(f"""
        import json, sys
        from mock_affise.client import MockAffise

        with MockAffise({served!r}) as mock, mock.create_tenant({str(document)!r}) as affise:
            made = affise.post("/3.1/payments/generate").json()
            [invoice] = affise.get("/3.1/payments", params={EVER!r}).json()["payments"]
            tenant = affise.tenant_id
        loaded = sorted(m for m in ("flask", "werkzeug", "sqlalchemy", "pytest", "_pytest")
                        if m in sys.modules)
        print(json.dumps({{"made": made, "invoice": [invoice["pid"], invoice["revenue"]],
                          "tenant": tenant, "loaded": loaded}}))
    """)

    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, check=False)

    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["made"] == {"status": 1,
                              "message": "Payment generates will take a few minutes"}
    assert answer["invoice"] == [7, "10.35000000"]
    assert answer["loaded"] == []
    # The tenant was dropped when the script's `with` ended.
    assert answer["tenant"] not in [t["tenant"] for t in MockAffise(served).tenants()]


def test_plain_calls_cover_the_clock_snapshots_faults_config_and_export(served):
    with MockAffise(served) as mock:
        assert mock.health() == {"status": 1, "ready": True}
        affise = mock.create_tenant(ONE_AFFILIATE)
        try:
            assert affise.clock() == {"now": "2024-01-31 18:00:00", "frozen": True}
            affise.snapshot("seeded")
            affise.fault({"method": "POST", "path": GENERATE}, {"status": 500}, times=1)
            failed = affise.post(GENERATE)
            assert failed.status_code == 500
            assert affise.post(GENERATE).json()["status"] == 1
            assert [p["revenue"] for p in affise.get("/3.1/payments", params=EVER)
                    .json()["payments"]] == ["10.35000000"]
            affise.restore("seeded")
            assert affise.get("/3.1/payments", params=EVER).json()["payments"] == []
            assert affise.advance("1d")["now"] == "2024-02-01 18:00:00"
            affise.set_generation_delay(30)
            assert affise.config() == {"generation_delay_seconds": 30, "referral_percent": "0"}
            assert [a["id"] for a in affise.export()["affiliates"]] == [7]
            admin_key = affise.admin_key
        finally:
            affise.drop()

        gone = mock.create_tenant().get("/3.1/payments", params=EVER,
                                        headers={"API-Key": admin_key})
    assert (gone.status_code, gone.json()["message"]) == (401, "Token is necessary")


def test_a_locked_control_plane_needs_the_token_the_client_was_given(tmp_path):
    settings = {"DATABASE_URL": fresh_database_url(tmp_path / "locked.db"),
                "CONTROL_TOKEN": "s3cret"}
    with serve_in_thread(settings) as (url, _app):
        with MockAffise(url) as bare, pytest.raises(MockAffiseControlError) as refused:
            bare.create_tenant()
        with MockAffise(url, control_token="s3cret") as mock, mock.create_tenant() as affise:
            assert sorted(affise.affiliate_keys) == [2, 3, 4, 5, 6]

    assert (refused.value.status, refused.value.message) == (
        401, "Control token is necessary: send it in X-Mock-Control-Token")


def test_a_missing_document_file_is_named_before_any_call(served, tmp_path):
    with MockAffise(served) as mock, pytest.raises(ValueError) as caught:
        mock.create_tenant("missing.json", base_dir=tmp_path)

    assert str(caught.value) == (
        f"create_tenant: fixture file {tmp_path / 'missing.json'} does not exist")


def test_control_calls_reach_an_app_in_this_process_without_a_socket(tmp_path):
    from mock_affise import create_app

    app = create_app({"DATABASE_URL": fresh_database_url(tmp_path / "inproc.db")})
    try:
        # Nothing listens on port 9: every call through a socket would fail.
        with MockAffise("http://127.0.0.1:9", None, app) as mock:
            made = mock.create_tenant()
            assert made.clock()["now"] == "2022-05-23 12:00:00"
            assert made.tenant_id in [t["tenant"] for t in mock.tenants()]
            with pytest.raises(MockAffiseControlError) as missing:
                mock.control("GET", "/_mock/tenants/999999/clock")
            mock.delete_tenant(made.tenant_id)
            assert made.tenant_id not in [t["tenant"] for t in mock.tenants()]
    finally:
        app.extensions["mock_affise"].db.dispose()

    assert (missing.value.status, missing.value.message) == (404, "Tenant not found")


def test_in_process_control_calls_carry_their_query_body_and_path_as_http_would(tmp_path):
    from mock_affise import create_app

    app = create_app({"DATABASE_URL": fresh_database_url(tmp_path / "wsgi.db")})
    try:
        with MockAffise("http://127.0.0.1:9", None, app) as mock:
            made = mock.create_tenant()
            made.snapshot("before the hour")  # a space: the path is unquoted, as a server does
            assert made.advance("1h")["now"] == "2022-05-23 13:00:00"
            made.restore("before the hour")
            assert made.clock()["now"] == "2022-05-23 12:00:00"
            rule = made.fault({"method": "GET", "path": "/3.1/payments"}, {"status": 503},
                              times=2)  # a JSON body
            assert [r["id"] for r in made.faults()] == [rule["id"]]
            keyed = {"API-Key": made.admin_key}
            for invoice in (2921, 2923, 2925):  # Affise calls, straight to the app
                assert app.test_client().get(f"/3.1/payments/{invoice}",
                                             headers=keyed).status_code == 200
            listed = mock.control("GET", f"/_mock/tenants/{made.tenant_id}/requests",
                                  params={"path": "/3.1/payments/2923", "limit": None})
            assert [e["path"] for e in listed["requests"]] == ["/3.1/payments/2923"]
            # a path with a query of its own, and parameters: one query, as requests sends it
            both = mock.control("GET", f"/_mock/tenants/{made.tenant_id}/requests?method=GET",
                                params={"limit": 2})
            # the journal's order, oldest first: the limit keeps the newest two
            assert [e["path"] for e in both["requests"]] == ["/3.1/payments/2923",
                                                              "/3.1/payments/2925"]
    finally:
        app.extensions["mock_affise"].db.dispose()


def test_an_in_process_control_plane_still_needs_its_token(tmp_path):
    from mock_affise import create_app

    app = create_app({"DATABASE_URL": fresh_database_url(tmp_path / "locked.db"),
                      "CONTROL_TOKEN": "s3cret"})
    try:
        with MockAffise("http://127.0.0.1:9", None, app) as bare, \
                pytest.raises(MockAffiseControlError) as refused:
            bare.create_tenant()
        with MockAffise("http://127.0.0.1:9", "s3cret", app) as mock:
            assert sorted(mock.create_tenant().affiliate_keys) == [2, 3, 4, 5, 6]
    finally:
        app.extensions["mock_affise"].db.dispose()

    assert (refused.value.status, refused.value.message) == (
        401, "Control token is necessary: send it in X-Mock-Control-Token")
