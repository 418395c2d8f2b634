"""import --anonymize: personal data gives way to stand-ins; ids, money and dates stay."""

from __future__ import annotations

from typing import Any

import pytest

from mock_affise.client import AffiseTenant, MockAffise
from mock_affise.importer import Anonymizer
from tests.importer.conftest import imported

PERSONAL = {"affiliates": ("name", "email", "login", "api_key"),
            "managers": ("first_name", "last_name", "email")}
KEPT = {"affiliates": ("id", "status", "manager_id", "ref", "created_at"),
        "conversions": ("id", "affiliate_id", "status", "payouts", "currency", "created_at"),
        "payments": ("id", "pid", "status", "posted_date", "cpa_actions", "ref_revenue"),
        "corrections": ("id", "payment_id", "revenue", "posted_date")}


@pytest.fixture
def both(upstream: AffiseTenant, tmp_path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The network imported as it is, and anonymized."""
    return (imported(upstream, tmp_path / "plain.json"),
            imported(upstream, tmp_path / "anonymous.json", "--anonymize"))


def _values(document: dict[str, Any]) -> set[str]:
    found = set()
    for section, names in PERSONAL.items():
        found |= {row[name] for row in document[section] for name in names if row[name]}
    found |= {value for a in document["affiliates"] for b in a["payment_systems"]
              for value in b["fields"].values()}
    return found


def test_no_personal_value_is_left(both):
    plain, anonymous = both
    text = str(anonymous)
    left = [value for value in _values(plain) if value in text]
    assert left == []
    assert all(a["email"].endswith("@example.com") and a["email"].startswith("user-")
               for a in anonymous["affiliates"])


def test_ids_money_statuses_and_dates_are_kept(both):
    plain, anonymous = both
    for section, names in KEPT.items():
        assert [[row[n] for n in names] for row in anonymous[section]] == \
               [[row[n] for n in names] for row in plain[section]], section


def test_the_same_network_gives_the_same_stand_ins(upstream: AffiseTenant, tmp_path, both):
    again = imported(upstream, tmp_path / "again.json", "--anonymize")
    assert again == both[1]


def test_an_invoice_account_is_the_stand_in_of_its_binding(both):
    _, anonymous = both
    accounts = {value for a in anonymous["affiliates"] for b in a["payment_systems"]
                for value in b["fields"].values()}
    billed = [line.split(": ", 1)[1] for p in anonymous["payments"]
              for line in p["pay_acc"].split("\n") if p["pay_acc"]]
    assert billed and set(billed) <= accounts


def test_an_anonymized_network_seeds_a_mock(both, mirror_server: MockAffise):
    with mirror_server.create_tenant(both[1]) as mirror:
        payments = mirror.get("/3.1/payments", params={"date_from": "2023-01-01",
                                                         "date_to": "2024-06-15"}).json()
    assert payments["pagination"]["total"] == len(both[0]["payments"])


def test_stand_ins_follow_the_secret():
    one, other = Anonymizer(b"one"), Anonymizer(b"other")
    assert one.email("Ann@Example.com") == one.email("ann@example.com")
    assert one.email("ann@example.com") != other.email("ann@example.com")
    assert one.pay_acc("WMZ: Z123\nWMR: R9") == \
        f"WMZ: {one.account('Z123')}\nWMR: {one.account('R9')}"
    assert len(one.api_key("k" * 32)) == 32
