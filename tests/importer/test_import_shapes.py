"""Answers not of the shape the importer expects: read exactly, skipped where optional, else
named with their route and exit 4; never a traceback, never a float."""

from __future__ import annotations

import json

import httpx
import pytest

from mock_affise.importer import mapper
from tests.importer.fake_affise import (
    CONVERSION,
    KEY,
    conversion,
    import_cli,
    payment,
    routes,
    serve,
)

CANNOT_READ = "mock-affise: import failed: GET {}: Affise answered in a shape the importer " \
              "cannot read: {}\n"
OTHER = "d2" * 12


def test_php_zero_dates_read_as_absent(monkeypatch, tmp_path):
    partners = routes()["/3.0/admin/partners"]
    partners["partners"][0].update(created_at="0000-00-00 00:00:00", updated_at="0000-00-00")
    serve(monkeypatch, routes(**{
        "/3.0/admin/partners": partners,
        "/3.0/stats/conversions": {"status": 1, "conversions": [conversion(
            hold_date_expire="0000-00-00 00:00:00", updated_at="0000-00-00")]}}))
    code, _, err = import_cli(tmp_path / "n.json")
    assert code == 0, err
    document = json.loads((tmp_path / "n.json").read_text())
    assert (document["conversions"][0]["hold_until"],
            document["conversions"][0]["updated_at"]) == (None, None)
    assert (document["affiliates"][0]["created_at"],
            document["affiliates"][0]["updated_at"]) == (None, None)
    assert document["payments"][0]["cpa_actions"] == [CONVERSION]  # no hold: approved


def _by_id_without_its_key(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"status": 1})


@pytest.mark.parametrize(("changes", "path", "problem"), [
    ({"/3.1/payments": {"status": 1, "payments": [
        payment(additional_payments={"7": {"comment": "bonus"}})]}},
     "/3.1/payments", "payment 1: additional_payments.7 has no 'revenue'"),
    ({"/3.1/payments": {"status": 1, "payments": [payment(cpa_actions=[CONVERSION, OTHER])]},
      "/3.0/stats/conversionsbyid": _by_id_without_its_key},
     "/3.0/stats/conversionsbyid", f"status 1 but no 'conversion' for conversion {OTHER}"),
    ({"/3.0/stats/conversions": {"status": 1, "conversions": [conversion(created_at=None)]}},
     "/3.0/stats/conversions", f"conversion {CONVERSION}: no 'created_at'"),
    ({"/3.0/stats/conversions": {"status": 1, "conversions": [
        conversion(created_at="yesterday")]}},
     "/3.0/stats/conversions",
     f"conversion {CONVERSION}: 'created_at' is 'yesterday', not a timestamp"),
    ({"/3.0/stats/conversions": {"status": 1, "conversions": [conversion(payouts="ten")]}},
     "/3.0/stats/conversions", f"conversion {CONVERSION}: 'payouts' is 'ten', not an amount"),
    ({"/3.0/stats/conversions": {"status": 1, "conversions": [conversion(status=None)]}},
     "/3.0/stats/conversions", f"conversion {CONVERSION}: no 'status'"),
    ({"/3.1/payments": {"status": 1, "payments": [payment(ref_revenue="n/a")]}},
     "/3.1/payments", "payment 1: 'ref_revenue' is 'n/a', not an amount"),
    ({"/3.1/payments": {"status": 1, "payments": [payment(pid=None)]}},
     "/3.1/payments", "payment 1: no 'pid'"),
    ({"/3.0/stats/conversions": {"status": 1, "conversions": {"0": conversion()}}},
     "/3.0/stats/conversions", "its 'conversions' is not a list"),
    ({"/3.0/admin/partners": {"status": 1, "partners": ["1"]}},
     "/3.0/admin/partners", "a partner is str, not an object"),
    ({"/3.0/admin/currency": {"status": 1, "quotes": [{"code": "USD"}]}},
     "/3.0/admin/currency", "a currency: no '_id'"),
])
def test_an_answer_the_importer_cannot_read_is_named_with_exit_4(monkeypatch, tmp_path,
                                                                 changes, path, problem):
    serve(monkeypatch, routes(**changes))
    code, out, err = import_cli(tmp_path / "n.json")
    assert (code, out) == (4, "")
    assert err.startswith(CANNOT_READ.format(path, problem)), err
    assert not (tmp_path / "n.json").exists()


@pytest.mark.parametrize("text", ["<html>maintenance</html>", "[" * 100_000 + "]" * 100_000])
def test_an_answer_that_is_not_json_is_named_with_exit_4(monkeypatch, tmp_path, text):
    serve(monkeypatch, routes(**{"/3.0/admin/payment_systems": text}))
    code, _, err = import_cli(tmp_path / "n.json")
    assert code == 4
    assert err.startswith("mock-affise: import failed: GET /3.0/admin/payment_systems: Affise "
                          "answered 200 '(not JSON)'\n"), err


def test_a_403_on_the_optional_reads_is_skipped_and_named(monkeypatch, tmp_path):
    seen = serve(monkeypatch, routes(**{"/3.0/admin/advertiser-invoices": 403,
                                        "/3.0/admin/advertisers": 403}))
    code, _, err = import_cli(tmp_path / "n.json")
    assert code == 0, err
    assert "  - GET /3.0/admin/advertiser-invoices (HTTP 403): advertiser invoices are not " \
           "imported\n" in err
    assert "  - GET /3.0/admin/advertisers (HTTP 403): advertisers have no title or email\n" \
        in err
    assert seen[-1].url.path == "/3.0/admin/advertisers"  # asked once each, at the end
    document = json.loads((tmp_path / "n.json").read_text())
    assert (len(document["conversions"]), len(document["payments"])) == (1, 1)


def test_a_403_on_a_read_the_fixture_needs_is_still_a_refused_key(monkeypatch, tmp_path):
    serve(monkeypatch, routes(**{"/3.1/payments": 403}))
    code, _, err = import_cli(tmp_path / "n.json")
    assert code == 3
    assert "import failed: GET /3.1/payments: Affise answered 403 'HTTP 403': the key is " \
           "wrong or not an admin's" in err


def test_money_is_read_to_the_last_digit_and_kept_so_in_the_checkpoint(monkeypatch, tmp_path):
    amount = "1234567890.12345678"
    answers = routes()
    answers["/3.0/admin/currency"]["quotes"][0]["min_payment"] = "MIN"
    answers["/3.0/stats/conversions"]["conversions"][0]["payouts"] = "AMOUNT"
    answers["/3.1/payments"]["payments"][0]["revenue"] = "AMOUNT"
    for path in ("/3.0/admin/currency", "/3.0/stats/conversions", "/3.1/payments"):
        answers[path] = json.dumps(answers[path]).replace('"AMOUNT"', amount) \
            .replace('"MIN"', "0.00000001")
    payments = answers["/3.1/payments"]
    answers["/3.1/payments"] = 503
    serve(monkeypatch, answers)
    output = tmp_path / "n.json"
    code, _, err = import_cli(output)
    assert code == 4, err  # the conversions are kept in the checkpoint, amounts and all
    kept = (tmp_path / "n.json.partial").read_text()
    assert amount in kept and KEY not in kept
    answers["/3.1/payments"] = payments
    code, _, err = import_cli(output)
    assert code == 0, err
    document = json.loads(output.read_text())
    assert document["conversions"][0]["payouts"] == amount
    assert document["currencies"][0]["min_payment"] == "0.00000001"
    assert "contradicted" not in err  # the invoice's revenue, derived, is the one shown


@pytest.mark.parametrize("ref", ["²", "٣", "0", "ref", None])
def test_a_ref_that_is_no_ascii_id_is_no_referrer(ref):
    assert mapper.affiliate_row({"id": 1, "ref": ref})["ref"] is None
