"""mock-affise drift: the shapes of two servers' answers, compared; 1 when they differ."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from mock_affise.client import AffiseTenant, MockAffise
from mock_affise.drift import Probe, compare, run_probes, shape_of
from mock_affise.importer import AffiseReader
from tests.importer.conftest import PERIOD, imported, run_cli


@pytest.fixture
def mirror(upstream: AffiseTenant, mirror_server: MockAffise, tmp_path) -> Iterator[AffiseTenant]:
    """A mock seeded by importing the upstream."""
    with mirror_server.create_tenant(imported(upstream, tmp_path / "network.json")) as tenant:
        yield tenant


def _drift(upstream: AffiseTenant, mirror: AffiseTenant | None, *extra: str):
    mock = ["--mock", mirror.url, "--mock-key", mirror.admin_key] if mirror else []
    return run_cli("drift", "--url", upstream.url, "--key", upstream.admin_key, *mock, *PERIOD,
                   "--now", upstream.clock()["now"], "--rate", "1000", "--page-size", "7",
                   *extra)


def test_a_mock_seeded_by_an_import_answers_in_the_same_shapes(upstream, mirror):
    code, out, err = _drift(upstream, mirror)
    assert (code, out) == (0, "no differences in 15 operations\n"), err
    assert {c["method"] for c in upstream.requests(limit=1000)} == {"GET"}


def test_a_changed_answer_is_named_by_its_field(upstream, mirror):
    systems = mirror.get("/3.0/admin/payment_systems").json()
    for system in systems["payment_systems"]:
        system["id"] = str(system["id"])  # Affise would now send ids as strings
        system["fields"] = []  # (a fault body nests 5 levels at most; empty is not compared)
    mirror.fault({"method": "GET", "path": "/3.0/admin/payment_systems"},
                 {"status": 200, "body": systems})
    code, out, _ = _drift(upstream, mirror)
    assert code == 1
    assert out.splitlines()[0].split() == ["operation", "field", "difference", "Affise", "mock"]
    assert ["payment", "systems", "payment_systems[].id", "type", "number", "string"] in \
        [line.split() for line in out.splitlines()]
    assert out.splitlines()[-1] == "1 differences in 15 operations"


def test_a_changed_status_and_a_missing_key_show_in_the_json_report(upstream, mirror):
    mirror.fault({"method": "GET", "path": "/3.1/payments/999999999"},
                 {"status": 400, "body": {"status": 2, "message": "Bad id"}})
    code, out, _ = _drift(upstream, mirror, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["differences"] == [
        {"operation": "payment, unknown id", "field": "(HTTP status)", "kind": "status",
         "affise": "404", "mock": "400"},
        {"operation": "payment, unknown id", "field": "error", "kind": "missing on the mock",
         "affise": "string", "mock": "-"},
    ]
    assert report["skipped"] == []


def test_without_mock_drift_starts_one_seeded_by_an_import(upstream):
    code, out, err = _drift(upstream, None)
    assert (code, out) == (0, "no differences in 15 operations\n"), err


def test_shapes_compare_kinds_nullability_and_not_the_insides_of_empty_containers():
    affise = {"status": 1, "a": {"12": {"x": 1}}, "b": [], "c": "text", "d": None}
    mock = {"status": 1, "a": {"7": {"x": "1"}}, "b": [{"y": 1}], "c": None, "e": 1}
    found = [(d.field, d.kind, d.affise, d.mock)
             for d in compare("op", shape_of(affise), shape_of(mock))]
    assert found == [
        ("a.{id}.x", "type", "number", "string"),
        ("c", "nullability", "string", "null"),
        ("d", "missing on the mock", "null", "-"),
        ("e", "only on the mock", "-", "number"),
    ]


def test_drift_says_when_a_key_is_refused_or_the_mock_half_named(upstream, mirror):
    code, out, err = run_cli("drift", "--url", upstream.url, "--key", "f" * 32, "--mock",
                             mirror.url, "--mock-key", mirror.admin_key, *PERIOD)
    assert (code, out) == (3, "")
    assert "drift failed: GET /3.0/admin/currency: Affise answered 401" in err
    assert "f" * 32 not in err
    code, _, err = run_cli("drift", "--url", upstream.url, "--key", upstream.admin_key,
                           "--mock", mirror.url, "--mock-key", "f" * 32, *PERIOD)
    assert code == 3 and "GET /3.0/admin/currency: the mock answered 401" in err
    code, _, err = run_cli("drift", "--url", upstream.url, "--key", upstream.admin_key,
                           "--mock", mirror.url)
    assert code == 2 and "--mock and --mock-key go together" in err


def test_an_answer_that_is_not_json_is_a_difference():
    def affise(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": 1, "payment_systems": []})

    def mock(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>",
                              headers={"Content-Type": "text/html; charset=utf-8"})

    readers = [AffiseReader("http://side.test", "k" * 32, transport=httpx.MockTransport(side))
               for side in (affise, mock)]
    report = run_probes(*readers, [Probe("payment systems", "/3.0/admin/payment_systems")])
    assert [(d.field, d.kind, d.affise, d.mock) for d in report.differences] == [
        ("(Content-Type)", "content type", "application/json", "text/html"),
        ("(body)", "type", "JSON", "not JSON"),
    ]


def test_a_403_on_advertiser_invoices_is_not_compared_and_said_so(upstream):
    # The key may not read advertiser invoices: the import skips them, drift does not compare.
    upstream.fault({"method": "GET", "path": "/3.0/admin/advertiser-invoices"},
                   {"status": 403, "body": {"status": 2, "error": "Permission denied"}})
    code, out, err = _drift(upstream, None)
    assert (code, out) == (0, "no differences in 14 operations\nnot compared: advertiser "
                              "invoices: Affise answered 403 (the key may not read it)\n"), err


def test_decimals_are_numbers_and_a_number_sent_as_text_is_a_difference():
    def affise(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text='{"status": 1, "payouts": 1234567890.12345678}',
                              headers={"Content-Type": "application/json"})

    def mock(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": 1, "payouts": "1234567890.12345678"})

    readers = [AffiseReader("http://side.test", "k" * 32, transport=httpx.MockTransport(side))
               for side in (affise, mock)]
    assert readers[0].get("/x").body["payouts"] == Decimal("1234567890.12345678")
    report = run_probes(*readers, [Probe("conversion", "/3.0/stats/conversionsbyid")])
    assert [(d.field, d.kind, d.affise, d.mock) for d in report.differences] == [
        ("payouts", "type", "number", "string")]
