"""mock-affise import: a network read over HTTP seeds a mock that answers as the network did."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest

from mock_affise.billing.rules import effective_status
from mock_affise.cli import main
from mock_affise.client import AffiseTenant, MockAffise
from tests.importer.conftest import PAGE_SIZE, import_args, imported, run_cli

# What Affise's read API does not show (README, "What the importer cannot know").
UNSHOWN = {"payment_systems": ("threshold",), "payments": ("period_to",),
           "managers": ("api_key",)}


def _shown(document: dict[str, Any]) -> dict[str, Any]:
    """The parts of an exported document that Affise's read routes show, by section and id."""
    now = datetime.fromisoformat(document["now"])
    named_offers = {c["offer_id"] for c in document["conversions"]} | {
        line["offer_id"] for i in document["advertiser_invoices"] for line in i["detail"]}
    named_managers = {a["manager_id"] for a in document["affiliates"]} | {
        p["manager_id"] for p in document.get("payments", [])}
    shown: dict[str, Any] = {}
    for section in ("currencies", "payment_systems", "managers", "affiliates", "offers",
                    "conversions", "payments", "corrections", "advertiser_invoices"):
        rows = {}
        for row in document.get(section, []):
            row = {k: v for k, v in row.items() if k not in UNSHOWN.get(section, ())}
            if section == "conversions":  # an expired hold reads as approved
                hold = row["hold_until"] and datetime.fromisoformat(row["hold_until"])
                row["status"] = int(effective_status(row["status"], hold or None, now))
            if section == "advertiser_invoices":  # shown as days
                row["created_at"], row["updated_at"] = (row["created_at"][:10],
                                                        row["updated_at"][:10])
            rows[row.get("id", row.get("number"))] = row
        shown[section] = rows
    shown["offers"] = {k: v for k, v in shown["offers"].items() if k in named_offers}
    shown["managers"] = {k: v for k, v in shown["managers"].items() if k in named_managers}
    return shown


def test_an_imported_network_seeds_a_mock_whose_export_shows_the_same(
        upstream: AffiseTenant, mirror_server: MockAffise, tmp_path):
    document = imported(upstream, tmp_path / "network.json")
    with mirror_server.create_tenant(document) as mirror:
        theirs, ours = _shown(upstream.export()), _shown(mirror.export())
    for section, rows in theirs.items():
        assert ours[section] == rows, section
    # Everything billing turns on made it across, not just empty sections.
    assert len(ours["conversions"]) == 300 and len(ours["affiliates"]) == 30
    assert len(ours["payments"]) == 8 and ours["corrections"]
    assert any(a["ref"] for a in ours["affiliates"].values()) and ours["advertiser_invoices"]


def test_the_import_pages_through_every_list_with_get_requests_only(
        upstream: AffiseTenant, tmp_path):
    imported(upstream, tmp_path / "network.json")
    calls = upstream.requests(limit=1000)
    assert calls and {call["method"] for call in calls} == {"GET"}
    second_pages = {call["path"] for call in calls
                    if str(call["parameters"].get("page")) == "2"}
    assert {"/3.0/admin/partners", "/3.0/stats/conversions", "/3.1/payments"} <= second_pages
    assert all(str(call["parameters"]["limit"]) == str(PAGE_SIZE)
               for call in calls if "page" in call["parameters"])


def test_the_key_is_neither_printed_nor_written(upstream: AffiseTenant, tmp_path):
    output = tmp_path / "network.json"
    code, out, err = run_cli(*import_args(upstream, output))
    assert code == 0
    assert upstream.admin_key not in out + err
    assert upstream.admin_key not in output.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.partial"))  # the checkpoint is gone once done


def test_the_imported_document_passes_validate(upstream: AffiseTenant, tmp_path):
    output = tmp_path / "network.json"
    imported(upstream, output)
    assert run_cli("validate", str(output)) == (0, f"{output}: ok\n", "")


def test_the_summary_counts_each_kind_and_names_what_affise_does_not_show(
        upstream: AffiseTenant, tmp_path):
    code, _, err = run_cli(*import_args(upstream, tmp_path / "network.json"))
    assert code == 0
    assert "  conversions: 300\n" in err and "  affiliates: 30\n" in err
    assert "payment systems' thresholds" in err
    assert "GET /3.0/admin/advertisers (HTTP 501): advertisers have no title or email" in err
    assert "  advertiser invoices: " in err
    assert "(GET only), retried: 0" in err


def test_to_stdout_without_output(upstream: AffiseTenant, tmp_path):
    args = import_args(upstream, tmp_path / "unused.json")
    code, out, _ = run_cli(*args[:-2])
    assert code == 0
    assert len(json.loads(out)["conversions"]) == 300


def test_affiliates_limits_the_import_to_them_and_whom_they_name(
        upstream: AffiseTenant, network: dict[str, Any], tmp_path):
    referral = next(a for a in network["affiliates"] if a["ref"])
    document = imported(upstream, tmp_path / "network.json", "--affiliates",
                        f"{referral['id']}")
    assert {a["id"] for a in document["affiliates"]} == {referral["id"], referral["ref"]}
    assert {c["affiliate_id"] for c in document["conversions"]} <= {referral["id"]}
    assert run_cli("validate", str(tmp_path / "network.json"))[0] == 0


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--from", "2024-13-01", "--from: must be a date in YYYY-MM-DD format, got '2024-13-01'"),
    ("--affiliates", "2,x", "--affiliates: must be affiliate ids separated by commas"),
    ("--page-size", "101", "--page-size: must be a page size from 1 to 100, got '101'"),
    ("--url", "api-demo.affise.com",
     "--url: must be an http:// or https:// URL, got 'api-demo.affise.com'"),
    ("--affiliates", "²", "--affiliates: must be affiliate ids separated by commas, got '²'"),
    ("--affiliates", "٣", "--affiliates: must be affiliate ids separated by commas, got '٣'"),
    ("--url", "http://h:abc",
     "--url: must be an http:// or https:// URL with a port from 1 to 65535, got "
     "'http://h:abc'"),
    ("--url", "http://h:99999",
     "--url: must be an http:// or https:// URL with a port from 1 to 65535, got "
     "'http://h:99999'"),
    ("--output", "no-such-folder/network.json",
     "--output: the folder 'no-such-folder' does not exist"),
])
def test_a_bad_option_is_refused_before_any_request(upstream: AffiseTenant, tmp_path, flag,
                                                    value, message):
    code, _, err = run_cli(*import_args(upstream, tmp_path / "n.json", flag, value))
    assert code == 2 and message in err
    assert upstream.requests() == []


def test_without_url_or_key_the_command_says_which(monkeypatch):
    monkeypatch.delenv("MOCK_AFFISE_AFFISE_KEY", raising=False)
    code, _, err = run_cli("import", "--url", "http://127.0.0.1:9")
    assert code == 2 and "--key is required (or MOCK_AFFISE_AFFISE_KEY)" in err


def _period_args(tenant: AffiseTenant, output, date_from: str) -> list[str]:
    args = import_args(tenant, output)
    args[args.index("--from") + 1] = date_from
    return args


def test_an_invoices_conversions_from_before_the_period_are_read_by_id(
        upstream: AffiseTenant, network: dict[str, Any], tmp_path):
    date_from = "2024-03-01"
    created = {c["id"]: c["created_at"] for c in network["conversions"]}
    invoices = {p["id"]: p["cpa_actions"] for p in network["payments"]
                if p["posted_date"] >= date_from}
    earlier = {c for ids in invoices.values() for c in ids if created[c] < date_from}
    assert earlier  # the generated network bills conversions older than its invoices
    output = tmp_path / "network.json"
    code, _, err = run_cli(*_period_args(upstream, output, date_from))
    assert code == 0, err
    document = json.loads(output.read_text())
    assert {p["id"]: p["cpa_actions"] for p in document["payments"]} == invoices
    asked = {c["parameters"]["id"]
             for c in upstream.requests(path="/3.0/stats/conversionsbyid", limit=1000)}
    assert asked == earlier


def test_a_conversion_gone_from_affise_is_left_out_and_named(upstream: AffiseTenant, tmp_path):
    upstream.fault({"method": "GET", "path": "/3.0/stats/conversionsbyid"},
                   {"status": 404}, times=1)
    output = tmp_path / "network.json"
    code, _, err = run_cli(*_period_args(upstream, output, "2024-03-01"))
    assert code == 0, err
    gone, = upstream.requests(path="/3.0/stats/conversionsbyid", status=404)
    conversion_id = gone["parameters"]["id"]
    assert f"conversion {conversion_id}: named, but Affise answered 404 for it; left out" in err
    assert f"conversion {conversion_id} left out (not found)" in err
    assert run_cli("validate", str(output))[0] == 0


def test_the_key_may_come_from_the_environment(upstream: AffiseTenant, tmp_path, monkeypatch):
    args = import_args(upstream, tmp_path / "network.json")
    at = args.index("--key")
    monkeypatch.setenv("MOCK_AFFISE_AFFISE_KEY", upstream.admin_key)
    code, _, err = run_cli(*args[:at], *args[at + 2:])
    assert code == 0, err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_progress_bar_counts_each_kind(upstream: AffiseTenant, tmp_path,
                                                     monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(import_args(upstream, tmp_path / "network.json")) == 0
    shown = terminal.getvalue()
    assert "importing:" in shown
    assert "currencies 3, payment systems 8, partners 30, conversions 300, payments 8" in shown


READS = [
    ("/3.0/admin/currency", {"extended": 1}),
    ("/3.0/admin/payment_systems", {}),
    ("/3.0/admin/partners", {"limit": 500}),
    ("/3.0/stats/conversions", {"date_from": "2023-12-01", "date_to": "2024-06-15",
                                "limit": 500}),
    ("/3.1/payments", {"date_from": "2023-12-01", "date_to": "2024-06-15"}),
    ("/3.0/admin/partner/2/referrals", {}),
    ("/3.0/admin/advertiser-invoices", {"limit": 500}),
]


def test_the_mirror_answers_every_read_as_the_network_did(upstream: AffiseTenant,
                                                         mirror_server: MockAffise, tmp_path):
    document = imported(upstream, tmp_path / "network.json")
    with mirror_server.create_tenant(document) as mirror:
        for path, params in READS:
            theirs = upstream.get(path, params=params).json()
            assert mirror.get(path, params=params).json() == theirs, path
        # balances, invoice money and payment state included: one affiliate's view
        affiliate = next(a["id"] for a in document["affiliates"] if a["status"] == "active")
        assert mirror.as_affiliate(affiliate).get("/3.0/balance").json() == \
            upstream.as_affiliate(affiliate).get("/3.0/balance").json()
