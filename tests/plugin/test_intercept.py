"""mock_affise.intercept: unchanged requests and httpx code calling an Affise URL, answered in-process."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter

import mock_affise
from mock_affise.client import AffiseTenant, MockAffise
from mock_affise.interception import InterceptError
from mock_affise.testing_server import serve_in_thread

AFFISE = "https://api-acme.affise.com"
OTHER_NETWORK = "https://api-other.affise.com"
CURRENCY = "/3.0/admin/currency"
GENERATE = "/3.1/payments/generate"
# The default document's rates (fixtures/): what GET /3.0/admin/currency answers.
QUOTES = {"status": 1, "quotes": {"RUB": 90.5, "USD": 1, "EUR": 0.92, "GBP": 0.79}}
GENERATING = {"status": 1, "message": "Payment generates will take a few minutes"}
# Affise's 500 text (contract.md), what a {"status": 500} fault answers.
SERVER_ERROR = {"status": 2, "message": "Server error, Please contact your administrator",
                "error": "Server error, Please contact your administrator"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One app served on a socket too: the "other host" the interception must leave alone."""
    database = tmp_path_factory.mktemp("intercept") / "mock.db"
    with serve_in_thread({"DATABASE_URL": f"sqlite:///{database.as_posix()}"}) as (url, app):
        yield url, app


@pytest.fixture
def tenant(live):
    """A fresh tenant, made over the socket before any interception starts."""
    url, app = live
    with MockAffise(url, app=app) as server, server.create_tenant() as made:
        yield made


@pytest.fixture
def acme(live):
    """The interception of AFFISE by the live app, for the test."""
    with mock_affise.intercept(AFFISE, live[1]) as active:
        yield active


def keyed(tenant: AffiseTenant) -> dict[str, str]:
    return {"API-Key": tenant.admin_key}


def test_a_requests_session_calling_affise_is_answered_in_process(tenant, acme):
    with requests.Session() as session:
        session.headers.update(keyed(tenant))
        answer = session.get(AFFISE + CURRENCY)

    assert (answer.status_code, answer.json()) == (200, QUOTES)
    assert [e["path"] for e in tenant.requests(path=CURRENCY)] == [CURRENCY]


def test_plain_requests_get_with_a_query_and_a_form_post_reach_the_app(tenant, acme):
    listed = requests.get(AFFISE + "/3.1/payments", headers=keyed(tenant),
                          params={"date_from": "2000-01-01", "date_to": "2099-12-31"})
    generated = requests.post(AFFISE + GENERATE, headers=keyed(tenant),
                              data={"date": "2024-06-15"})

    assert [p["id"] for p in listed.json()["payments"]] == [2925, 2924, 2923, 2922, 2921]
    assert generated.json() == GENERATING
    assert [g["payments"] for g in tenant.generations()] == [[2926, 2927, 2928, 2929]]


def test_a_session_subclass_with_its_own_adapters_mounted_is_intercepted(tenant, acme):
    class RetryingAdapter(HTTPAdapter):
        pass

    class ClientSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.mount("https://", RetryingAdapter(max_retries=3))

    with ClientSession() as session:
        answer = session.get(AFFISE + CURRENCY, headers=keyed(tenant))

    assert answer.json() == QUOTES


def test_an_unknown_key_gets_affises_401_in_process(acme):
    answer = requests.get(AFFISE + CURRENCY, headers={"API-Key": "0" * 32})

    assert (answer.status_code, answer.json()["message"]) == (401, "Token is necessary")


def test_an_httpx_client_calling_affise_is_answered_in_process(tenant, acme):
    with httpx.Client(base_url=AFFISE, headers=keyed(tenant)) as client:
        answer = client.post(GENERATE, data={"date": "2024-06-15"})

    assert (answer.status_code, answer.json()) == (200, GENERATING)
    assert [g["payments"] for g in tenant.generations()] == [[2926, 2927, 2928, 2929]]


def test_an_httpx_async_client_calling_affise_is_answered_in_process(tenant, acme):
    async def call() -> httpx.Response:
        async with httpx.AsyncClient(base_url=AFFISE, headers=keyed(tenant)) as client:
            return await client.get(CURRENCY)

    answer = asyncio.run(call())

    assert (answer.status_code, answer.json()) == (200, QUOTES)


def test_other_hosts_are_left_alone(tenant, live, acme):
    url = live[0]
    # The live server answers over its socket; the journal shows the call reached it.
    assert requests.get(url + CURRENCY, headers=keyed(tenant)).json() == QUOTES
    assert httpx.get(url + CURRENCY, headers=keyed(tenant)).json() == QUOTES
    assert len(tenant.requests(path=CURRENCY)) == 2


def test_other_hosts_are_refused_when_chosen(tenant, live):
    url = live[0]
    with mock_affise.intercept(AFFISE, live[1], others="refuse"):
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(url + CURRENCY, headers=keyed(tenant))
        with pytest.raises(httpx.ConnectError, match="only https://api-acme.affise.com"):
            httpx.get(url + CURRENCY, headers=keyed(tenant))
        assert requests.get(AFFISE + CURRENCY, headers=keyed(tenant)).json() == QUOTES

    assert len(tenant.requests(path=CURRENCY)) == 1  # the refused calls never got there


def test_a_status_fault_answers_affises_500_envelope(tenant, acme):
    tenant.fault({"method": "POST", "path": GENERATE}, {"status": 500}, times=1)

    answer = requests.post(AFFISE + GENERATE, headers=keyed(tenant), data={"date": "2024-06-15"})

    assert (answer.status_code, answer.json()) == (500, SERVER_ERROR)
    assert tenant.generations() == []  # nothing applied


def test_a_dropped_connection_is_requests_connection_error_after_the_change(tenant, acme):
    tenant.fault({"method": "POST", "path": GENERATE}, {"drop_after_commit": True}, times=1)

    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(AFFISE + GENERATE, headers=keyed(tenant), data={"date": "2024-06-15"})

    assert [g["payments"] for g in tenant.generations()] == [[2926, 2927, 2928, 2929]]
    assert [e["fault"] for e in tenant.requests(path=GENERATE)] == ["drop_after_commit"]


def test_a_dropped_connection_is_httpx_remote_protocol_error_after_the_change(tenant, acme):
    tenant.fault({"method": "POST", "path": GENERATE}, {"drop_after_commit": True}, times=2)

    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(AFFISE + GENERATE, headers=keyed(tenant), data={"date": "2024-06-15"})

    async def call() -> None:
        async with httpx.AsyncClient() as client:
            await client.post(AFFISE + GENERATE, headers=keyed(tenant))

    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(call())
    assert [g["payments"] for g in tenant.generations()] == [[2926, 2927, 2928, 2929], []]


def test_the_decorator_form_intercepts_during_the_call_only(tenant, live):
    @mock_affise.intercept(AFFISE, live[1], others="refuse")
    def client_code() -> dict:
        return requests.get(AFFISE + CURRENCY, headers=keyed(tenant)).json()

    assert client_code() == QUOTES
    assert client_code() == QUOTES  # the decorator starts afresh on every call
    assert len(tenant.requests(path=CURRENCY)) == 2


def test_exit_restores_the_real_transports(live):
    sends = (HTTPAdapter.send, httpx.HTTPTransport.handle_request,
             httpx.AsyncHTTPTransport.handle_async_request)

    with mock_affise.intercept(AFFISE, live[1]):
        assert HTTPAdapter.send is not sends[0]
        assert httpx.HTTPTransport.handle_request is not sends[1]

    assert (HTTPAdapter.send, httpx.HTTPTransport.handle_request,
            httpx.AsyncHTTPTransport.handle_async_request) == sends


def test_nested_intercepts_answer_each_network_and_unwind_in_order(tenant, live):
    with (mock_affise.intercept(OTHER_NETWORK) as other,  # a fresh mock of its own
          MockAffise(OTHER_NETWORK, app=other.app) as server, server.create_tenant() as second):
        with mock_affise.intercept(AFFISE, live[1]):
            # The inner interception hands other hosts to the outer one, for both clients.
            assert requests.get(OTHER_NETWORK + CURRENCY, headers=keyed(second)).ok
            assert httpx.get(OTHER_NETWORK + CURRENCY, headers=keyed(second)).is_success
            assert requests.get(AFFISE + CURRENCY, headers=keyed(tenant)).ok
            # Each key is known to its own network only.
            assert requests.get(AFFISE + CURRENCY, headers=keyed(second)).status_code == 401
        assert httpx.get(OTHER_NETWORK + CURRENCY, headers=keyed(second)).is_success
        assert [e["path"] for e in second.requests(path=CURRENCY)] == [CURRENCY] * 3


def test_an_intercept_is_refused_twice_at_once_and_without_a_url(live):
    active = mock_affise.intercept(AFFISE, live[1])
    with active, pytest.raises(InterceptError, match="already active"):
        active.__enter__()
    with pytest.raises(InterceptError, match="expected an http"):
        mock_affise.intercept("api-acme.affise.com")


def test_a_missing_helper_library_is_named_with_the_extra_to_install(live, monkeypatch):
    monkeypatch.setitem(sys.modules, "responses", None)  # import responses now fails

    missing = r"needs responses: pip install 'mock-affise\[intercept\]'"
    with (pytest.raises(InterceptError, match=missing),
          mock_affise.intercept(AFFISE, live[1], clients=("requests",))):
        pass
    # httpx alone needs no helper.
    with mock_affise.intercept(AFFISE, live[1], clients=("httpx",)):
        assert HTTPAdapter.send.__qualname__ == "HTTPAdapter.send"


def test_a_delay_fault_still_answers_and_is_journaled(tenant, acme):
    tenant.fault({"method": "GET", "path": CURRENCY}, {"delay_ms": 1}, times=1)

    answer = requests.get(AFFISE + CURRENCY, headers=keyed(tenant))

    assert (answer.status_code, answer.json()) == (200, QUOTES)
    assert [e["fault"] for e in tenant.requests(path=CURRENCY)] == ["delay_ms"]


def test_a_header_answered_twice_reaches_both_clients_twice():
    # Two cookies in one answer (the dashboard's sign-in sets two): neither client loses one.
    from flask import Flask, Response

    app = Flask("two-cookies")

    @app.get("/3.0/admin/currency")
    def two() -> Response:
        answer = Response("{}", mimetype="application/json")
        answer.set_cookie("first", "1")
        answer.set_cookie("second", "2")
        return answer

    with mock_affise.intercept(AFFISE, app):
        by_requests = requests.get(f"{AFFISE}/3.0/admin/currency")
        with httpx.Client() as client:
            by_httpx = client.get(f"{AFFISE}/3.0/admin/currency")
    assert (by_requests.cookies.get("first"), by_requests.cookies.get("second")) == ("1", "2")
    assert (by_httpx.cookies.get("first"), by_httpx.cookies.get("second")) == ("1", "2")
