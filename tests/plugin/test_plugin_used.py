"""The pytest plugin as a user meets it: the `affise` fixture against the live server.

The package is installed, so its pytest11 entry point puts the plugin in this suite. Set
MOCK_AFFISE_URL and these tests run unchanged against an external server (a container). Each
tenant is seeded from the suite's document (tests/suite_fixture.json), the network these
numbers were computed from.
"""

from __future__ import annotations

import json

import pytest
import requests

from mock_affise.pytest_plugin import AffiseTenant, MockAffiseControlError
from tests.conftest import SUITE_FIXTURE

GENERATE = "/3.1/payments/generate"
GENERATING = {"status": 1, "message": "Payment generates will take a few minutes"}
RESULT_TRUE = {"status": 1, "result": True}
EVER = {"date_from": "2000-01-01", "date_to": "2099-12-31"}
SEED_INVOICES = [2925, 2924, 2923, 2922, 2921]
# What generate(date=2024-06-15) makes from the suite's document: id -> (affiliate, code, revenue).
JUNE_INVOICES = {
    2929: (5, "USD", "19.98000000"),
    2928: (3, "USD", "12.50000000"),
    2927: (2, "USD", "81.25000000"),
    2926: (2, "EUR", "105.00000000"),
}


@pytest.fixture
def affise_fixture_document() -> dict:
    """Seed each test's tenant from the suite's document, with fresh keys of its own."""
    document = json.loads(SUITE_FIXTURE.read_text())
    for person in document["managers"] + document["affiliates"]:
        del person["api_key"]  # keys are unique on a server: each tenant gets new ones
    return document


def invoices(affise: AffiseTenant) -> dict[int, tuple[int, str, str]]:
    """Every invoice of the tenant, newest first, as id -> (affiliate, currency code, revenue)."""
    answer = affise.get("/3.1/payments", params=EVER)
    assert answer.status_code == 200, answer.text
    return {p["id"]: (p["pid"], p["currency_code"], p["revenue"])
            for p in answer.json()["payments"]}


def error(message: str) -> dict:
    return {"status": 2, "message": message, "error": message}


# ----------------------------------------------------------------------------- billing


def test_generate_bills_the_default_network_and_the_invoices_read_back(affise):
    answer = affise.post(GENERATE, data={"date": "2024-06-15"})

    assert (answer.status_code, answer.json()) == (200, GENERATING)
    assert list(invoices(affise)) == [*JUNE_INVOICES, *SEED_INVOICES]
    invoice = affise.get("/3.1/payments/2927").json()["payment"]
    assert (invoice["pid"], invoice["currency_code"], invoice["revenue"]) == JUNE_INVOICES[2927]
    assert (invoice["pay_sys_name"], invoice["pay_acc"]) == ("Webmoney", "WMZ: Z123456789012")
    assert invoice["posted_date"] == "2024-06-15 12:00:00"  # the seed freezes the tenant clock


def test_the_generation_report_says_why_each_affiliate_was_skipped(affise):
    affise.post(GENERATE, data={"date": "2024-06-15"})

    [report] = affise.generations()

    assert report["payments"] == sorted(JUNE_INVOICES)
    assert report["skipped"] == [
        {"affiliate_id": 4, "currency": "EUR",
         "reason": "The affiliate Cobalt Traffic (4) does not have a payment system (EUR)"},
        {"affiliate_id": 4, "currency": "USD",
         "reason": "The affiliate Cobalt Traffic (4) does not have a payment system (USD)"},
        {"affiliate_id": 5, "currency": "EUR", "reason": "Minimum payment - 50 EUR"},
        {"affiliate_id": 6, "currency": "RUB", "reason": "Minimum payment - 1000 RUB"},
    ]


# ----------------------------------------------------------------------------- isolation

ADMIN_KEYS_SEEN: list[str] = []


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_gets_a_tenant_of_its_own_starting_from_the_seed(affise, run):
    # Each run deletes an invoice; the other run, whichever goes first, still finds it.
    assert affise.admin_key not in ADMIN_KEYS_SEEN
    ADMIN_KEYS_SEEN.append(affise.admin_key)
    assert invoices(affise)[2925] == (2, "USD", "12.40000000")

    assert affise.delete("/3.1/payments/delete/2925").json() == RESULT_TRUE

    gone = affise.get("/3.1/payments/2925")
    assert (gone.status_code, gone.json()) == (404, error("Resource Not Found"))


def test_keys_of_the_tenant_belong_to_it_alone(affise, mock_affise_server):
    other = mock_affise_server.create_tenant()
    try:
        assert other.admin_key != affise.admin_key
        affise.post(GENERATE, data={"date": "2024-06-15"})
        assert list(invoices(other)) == SEED_INVOICES
    finally:
        other.close()
        mock_affise_server.delete_tenant(other.tenant_id)

    dropped = other.get("/3.1/payments", params=EVER)
    assert (dropped.status_code, dropped.json()) == (401, error("Token is necessary"))


def test_an_affiliate_session_sends_that_affiliates_key(affise):
    acme = affise.as_affiliate(2)

    denied = acme.get("/3.1/payments", params=EVER)
    assert (denied.status_code, denied.json()) == (403, error("Auth Denied"))
    balance = acme.get("/3.0/balance").json()["balance"]
    assert balance["hold"] == {"RUB": 0, "USD": 30, "EUR": 0}  # its one unexpired hold
    assert sorted(affise.affiliate_keys) == [2, 3, 4, 5, 6]
    with pytest.raises(KeyError, match="affiliate 99 is not in tenant"):
        affise.as_affiliate(99)


def test_a_manager_session_sends_that_managers_key(affise):
    bob = affise.as_manager("5f2a9e0c1d2b3c4d5e6f7a8c")  # an affiliate_manager

    denied = bob.post(GENERATE, data={"date": "2024-06-15"})

    assert (denied.status_code, denied.json()) == (403, error("Auth Denied"))
    assert list(invoices(affise)) == SEED_INVOICES


# ----------------------------------------------------------------------------- documents

SMALL_NETWORK = {
    "now": "2024-01-31 18:00:00",
    "currencies": [{"id": 2, "code": "USD", "rate": "1", "min_payment": "10", "active": True,
                    "default": True}],
    "payment_systems": [{"id": 1, "title": "Webmoney", "currency": None, "threshold": None,
                         "fields": [{"id": 4, "label": "WMZ", "required": True}]}],
    "managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7a8b", "first_name": "Ann", "last_name": "Lee",
                  "email": "ann@example.com", "role": "admin"}],
    "affiliates": [{"id": 7, "name": "Solo Media", "email": "solo@example.com", "login": "solo",
                    "status": "active", "manager_id": None, "ref": None, "ref_percent": None,
                    "payment_systems": [{"id": 1, "system_id": 1, "currency": "USD", "active": 1,
                                         "fields": {"4": "Z700"}}]}],
    "offers": [{"id": 1, "title": "Offer One", "advertiser_id": "62164a9a5a8b7e788f752f13"}],
    "conversions": [
        {"id": f"{n:024x}", "affiliate_id": 7, "offer_id": 1, "status": status, "payouts": payouts,
         "currency": "USD", "country": "US", "goal": "1", "created_at": f"2024-01-{n:02d} 10:00:00",
         "hold_until": None}
        for n, status, payouts in ((10, 1, "7.25"), (11, 1, "3.10"), (12, 2, "100"))
    ],
}


@pytest.mark.affise_fixture(SMALL_NETWORK)
def test_the_marker_seeds_the_tenant_from_its_document(affise):
    assert affise.clock() == {"now": "2024-01-31 18:00:00", "frozen": True}
    assert list(affise.affiliate_keys) == [7]
    assert len(affise.admin_key) == 32  # a document without keys gets fresh ones

    assert affise.post(GENERATE).json() == GENERATING

    assert invoices(affise) == {1: (7, "USD", "10.35000000")}  # the pending 100 is not billed


class TestAFixtureDocumentFromAFile:
    @pytest.fixture
    def affise_fixture_document(self, tmp_path):
        path = tmp_path / "network.yaml"
        # Unquoted YAML timestamps and numbers: the server reads the file as it is.
        path.write_text(
            "now: 2024-02-29 09:30:00\n"
            "currencies:\n"
            "  - {id: 2, code: USD, rate: 1, min_payment: 0, active: true, default: true}\n"
            "affiliates:\n"
            "  - {id: 9, name: Yaml Leads, email: y@example.com, login: yaml, status: active}\n"
        )
        return path

    def test_an_overriding_fixture_names_a_yaml_file(self, affise):
        assert affise.clock()["now"] == "2024-02-29 09:30:00"
        assert list(affise.affiliate_keys) == [9]


@pytest.mark.affise_fixture({"conversions": [{"id": "1" * 24, "affiliate_id": 99}]})
def test_an_invalid_marker_document_fails_the_fixture_with_the_servers_reasons(request):
    # The marker's document is invalid: the fixture fails before the test with the
    # server's reasons, each with its path.
    with pytest.raises(MockAffiseControlError) as failure:
        request.getfixturevalue("affise")
    assert failure.value.status == 400
    assert failure.value.message.startswith("Invalid fixture: conversions[0]")


def test_reset_to_another_document_changes_the_network_and_the_admin_session_follows(affise):
    affise.post(GENERATE, data={"date": "2024-06-15"})
    old_key = affise.admin_key

    affise.reset(SMALL_NETWORK)

    assert affise.admin_key != old_key
    assert list(affise.affiliate_keys) == [7]
    assert invoices(affise) == {}
    affise.reset()  # back to the seed, which is now the small network
    assert affise.export()["affiliates"][0]["name"] == "Solo Media"


# ----------------------------------------------------------------------------- clock


def test_advancing_the_clock_moves_posted_dates_and_expires_holds(affise):
    affise.post(GENERATE, data={"date": "2024-06-15"})

    assert affise.advance("3d") == {"now": "2024-06-18 12:00:00", "frozen": True}
    affise.set_clock("2024-07-06 08:00:00")
    affise.post(GENERATE)

    assert affise.generations()[-1]["payments"] == [2930, 2931]
    # Conversion ...0a was on hold until 2024-07-05: billed now, alone, on the new date.
    acme = affise.get("/3.1/payments/2930").json()["payment"]
    assert (acme["pid"], acme["revenue"], acme["cpa_actions"]) == (
        2, "30.00000000", ["66000000000000000000000a"])
    assert acme["posted_date"] == "2024-07-06 08:00:00"
    # Echo's RUB hold (until 2024-06-20) lifts it over the 1000 RUB minimum.
    assert invoices(affise)[2931] == (6, "RUB", "1500.00000000")


def test_a_generation_delay_holds_invoices_back_until_the_clock_passes_it(affise):
    affise.set_generation_delay(120)

    assert affise.post(GENERATE, data={"date": "2024-06-15"}).json() == GENERATING
    again = affise.post(GENERATE, data={"date": "2024-06-15"})
    assert (again.status_code, again.json()) == (400, error("Generation is running..."))
    affise.advance(119)
    assert list(invoices(affise)) == SEED_INVOICES

    affise.advance("1s")

    assert list(invoices(affise)) == [*JUNE_INVOICES, *SEED_INVOICES]


def test_a_failed_control_call_raises_with_the_servers_message(affise):
    with pytest.raises(MockAffiseControlError) as failure:
        affise.advance("soon")

    assert str(failure.value) == (
        f"POST /_mock/tenants/{affise.tenant_id}/clock answered 400: "
        "advance: must be a duration like 30s, 15m, 2h, 3d or 1w")


# ----------------------------------------------------------------------------- snapshots


def test_restoring_a_snapshot_undoes_everything_after_it(affise):
    saved = affise.snapshot("before generation")
    affise.post(GENERATE, data={"date": "2024-06-15"})
    affise.delete("/3.1/payments/delete/2925")
    assert len(invoices(affise)) == 8

    affise.restore("before generation")

    assert saved == {"name": "before generation", "created_at": "2024-06-15 12:00:00"}
    assert list(invoices(affise)) == SEED_INVOICES
    with pytest.raises(MockAffiseControlError, match="answered 404: Snapshot 'gone' not found"):
        affise.restore("gone")


# ----------------------------------------------------------------------------- journal


def test_the_journal_records_each_call_with_its_answer_and_no_key(affise):
    affise.get("/3.1/payments", params=EVER)
    affise.clear_requests()

    # The key in the query string this time: the journal must not keep it either.
    refused = affise.post(GENERATE, params={"api-key": affise.admin_key},
                          data={"date": "2024-13-01"})
    affise.post(GENERATE, data={"date": "2024-06-15"})

    message = "date: must be a real date in YYYY-MM-DD format"
    assert (refused.status_code, refused.json()) == (400, error(message))
    first, second = affise.requests()  # the GET before clear_requests() is gone
    assert (first["method"], first["path"]) == ("POST", GENERATE)
    assert (first["status"], first["response"]) == (400, error(message))
    assert first["parameters"] == {"date": "2024-13-01"}
    assert affise.admin_key not in str(first)
    assert (second["status"], second["fault"]) == (200, None)
    assert [e["status"] for e in affise.requests(status=400)] == [400]
    assert affise.requests(method="GET") == []


# ----------------------------------------------------------------------------- faults


def test_a_500_fault_answers_affises_error_and_applies_nothing(affise):
    rule = affise.fault({"method": "POST", "path": GENERATE}, {"status": 500}, times=1)

    failed = affise.post(GENERATE, data={"date": "2024-06-15"})
    assert (failed.status_code, failed.json()) == (
        500, error("Server error, Please contact your administrator"))
    assert list(invoices(affise)) == SEED_INVOICES
    retried = affise.post(GENERATE, data={"date": "2024-06-15"})

    assert rule["action"] == {"status": 500}
    assert retried.json() == GENERATING
    assert list(invoices(affise)) == [*JUNE_INVOICES, *SEED_INVOICES]
    assert [(f["times"], f["fired"]) for f in affise.faults()] == [(0, 1)]


def test_a_dropped_connection_after_commit_still_made_the_invoices(affise):
    affise.fault({"method": "POST", "path": GENERATE}, {"drop_after_commit": True}, times=1)

    with pytest.raises((requests.exceptions.ConnectionError,
                        requests.exceptions.ChunkedEncodingError)):
        affise.post(GENERATE, data={"date": "2024-06-15"})

    # The client saw no answer, yet the generation happened.
    made = invoices(affise)
    assert list(made) == [*JUNE_INVOICES, *SEED_INVOICES]
    assert {i: made[i] for i in JUNE_INVOICES} == JUNE_INVOICES
    assert affise.get("/3.1/payments/2926").json()["payment"]["revenue"] == "105.00000000"
    [dropped] = affise.requests(path=GENERATE)
    assert (dropped["status"], dropped["fault"]) == (200, "drop_after_commit")
    affise.clear_faults()
    assert affise.faults() == []


# ----------------------------------------------------------------------------- the server


def test_the_server_runs_in_this_process_unless_pointed_elsewhere(mock_affise_server):
    if mock_affise_server.app is None:
        pytest.skip("running against an external server (MOCK_AFFISE_URL)")
    assert mock_affise_server.url.startswith("http://127.0.0.1:")
    assert mock_affise_server.app.extensions["mock_affise"].db.url.startswith("sqlite:///")
    health = requests.get(mock_affise_server.url + "/_mock/health", timeout=5)
    assert health.json() == {"status": 1, "ready": True}
