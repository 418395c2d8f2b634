"""The mock-affise export and generate-fixture commands, in process and as the installed script."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mock_affise import cli, create_app
from mock_affise.countries import to_alpha2
from mock_affise.db import Database
from mock_affise.fixtures import (
    create_tenant,
    export_tenant,
    read_document,
    validate,
)
from mock_affise.harness.tenants import prepare_database
from mock_affise.models import Tenant

from .conftest import DEFAULT_FIXTURE

NOW = datetime(2024, 6, 15, 12, 0, 0)
SIX_MONTHS = timedelta(days=183)
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(autouse=True)
def no_mock_affise_environment(monkeypatch):
    """Keep the developer's MOCK_AFFISE_* settings out of these tests."""
    import os

    for name in [name for name in os.environ if name.startswith("MOCK_AFFISE_")]:
        monkeypatch.delenv(name)


def generate(capsys, *args: str) -> str:
    """Run generate-fixture in process; return its stdout."""
    assert cli.main(["generate-fixture", *args]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def generated(capsys, affiliates: int, conversions: int, seed: int = 1, *extra: str) -> dict:
    """Generate a document in process and check it validates."""
    document = json.loads(generate(capsys, "--affiliates", str(affiliates), "--conversions",
                                   str(conversions), "--seed", str(seed), *extra))
    validate(document)
    return document


def timestamp(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP)


# ----------------------------------------------------------------------------- generate-fixture


def test_every_advertiser_an_offer_names_is_listed_with_one_to_three_invoices(capsys):
    document = generated(capsys, 40, 300)

    named = {offer["advertiser_id"] for offer in document["offers"]}
    assert {a["id"] for a in document["advertisers"]} == named
    assert all(a["title"] for a in document["advertisers"])
    per_advertiser = {a: 0 for a in named}
    for invoice in document["advertiser_invoices"]:
        per_advertiser[invoice["supplier_id"]] += 1
        offers = {o["id"] for o in document["offers"]
                  if o["advertiser_id"] == invoice["supplier_id"]}
        assert {row["offer_id"] for row in invoice["detail"]} <= offers
    assert set(per_advertiser.values()) <= {1, 2, 3}
    numbers = [i["number"] for i in document["advertiser_invoices"]]
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_document(capsys):
    args = ["--affiliates", "30", "--conversions", "500", "--invoices"]

    first = generate(capsys, *args, "--seed", "7")
    again = generate(capsys, *args, "--seed", "7")
    other = generate(capsys, *args, "--seed", "8")

    assert first == again
    assert first != other
    assert json.loads(first)["conversions"] != json.loads(other)["conversions"]


@pytest.mark.parametrize(("affiliates", "conversions", "extra"), [
    (1, 0, []),
    (1, 25, []),
    (2, 60, ["--currencies", "1"]),
    (12, 300, ["--currencies", "2", "--invoices", "4"]),
    (60, 1500, ["--currencies", "8", "--invoices"]),
])
def test_a_generated_document_validates_with_exactly_the_counts_asked(capsys, affiliates,
                                                                      conversions, extra):
    document = generated(capsys, affiliates, conversions, 3, *extra)

    assert document["now"] == "2024-06-15 12:00:00"
    assert len(document["affiliates"]) == affiliates
    assert len(document["conversions"]) == conversions
    assert len({c["id"] for c in document["conversions"]}) == conversions


def test_conversion_statuses_follow_the_documented_spread(capsys):
    document = generated(capsys, 200, 5000, 11)
    conversions = document["conversions"]

    share = {status: count / len(conversions)
             for status, count in Counter(c["status"] for c in conversions).items()}
    holds = [c for c in conversions if c["status"] == 5]
    expired = [c for c in holds if timestamp(c["hold_until"]) < NOW]

    assert share[1] == pytest.approx(0.70, abs=0.03)
    assert share[2] == pytest.approx(0.15, abs=0.02)
    assert share[3] == pytest.approx(0.08, abs=0.015)
    assert share[5] == pytest.approx(0.07, abs=0.015)
    assert 0.4 < len(expired) / len(holds) < 0.6
    assert all(c["hold_until"] is None for c in conversions if c["status"] != 5)


def test_conversions_look_like_a_real_networks(capsys):
    document = generated(capsys, 100, 3000, 5)
    conversions = document["conversions"]
    payouts = sorted(float(c["payouts"]) for c in conversions)
    created = [timestamp(c["created_at"]) for c in conversions]

    assert all(re.fullmatch(r"66[0-9a-f]{22}", c["id"]) for c in conversions)
    assert all(re.fullmatch(r"\d+\.\d\d", c["payouts"]) for c in conversions)
    assert payouts[0] > 0
    assert payouts[len(payouts) // 2] < sum(payouts) / len(payouts)  # skewed: a long tail
    assert all(to_alpha2(c["country"]) == c["country"] for c in conversions)
    assert len({c["country"] for c in conversions}) > 5
    assert all(NOW - SIX_MONTHS <= moment < NOW for moment in created)
    assert created == sorted(created)  # oldest first, as export writes them
    assert max(created) - min(created) > timedelta(days=150)
    for hold in (c for c in conversions if c["status"] == 5):
        assert timestamp(hold["hold_until"]) > timestamp(hold["created_at"])
    offers = {o["id"]: o for o in document["offers"]}
    assert {c["offer_id"] for c in conversions} <= set(offers)
    assert all(re.fullmatch(r"[0-9a-f]{24}", o["advertiser_id"]) for o in offers.values())


def test_each_affiliate_mostly_earns_in_its_own_currency(capsys):
    document = generated(capsys, 50, 4000, 9)
    by_affiliate: dict[int, Counter] = {}
    for conversion in document["conversions"]:
        by_affiliate.setdefault(conversion["affiliate_id"], Counter())[conversion["currency"]] += 1

    busy = [counts for counts in by_affiliate.values() if sum(counts.values()) >= 40]
    skewed = [counts for counts in busy
              if counts.most_common(1)[0][1] / sum(counts.values()) > 0.7]
    assert busy
    assert len(skewed) >= 0.8 * len(busy)
    traffic = sorted((sum(counts.values()) for counts in by_affiliate.values()), reverse=True)
    assert sum(traffic[:10]) > 0.4 * sum(traffic)  # a few affiliates bring most conversions


def test_the_network_has_every_shape_billing_meets(capsys):
    document = generated(capsys, 300, 1000, 2)
    affiliates = document["affiliates"]
    systems = document["payment_systems"]
    bindings = Counter(min(len(a["payment_systems"]), 2) for a in affiliates)
    fields = [f for s in systems for f in s["fields"]]

    assert bindings[0] and bindings[1] and bindings[2]
    assert bindings[0] < 0.2 * len(affiliates)  # most affiliates can be billed
    assert {a["status"] for a in affiliates} >= {"active", "banned"}
    assert any(a["manager_id"] for a in affiliates) and any(not a["manager_id"]
                                                            for a in affiliates)
    referred = [a for a in affiliates if a["ref"] is not None]
    assert referred and all(a["ref_percent"] and a["ref"] != a["id"] for a in referred)
    assert any(b["active"] == 0 for a in affiliates for b in a["payment_systems"])
    assert {s["threshold"] is None for s in systems} == {True, False}
    assert {s["currency"] is None for s in systems} == {True, False}
    assert {f["required"] for f in fields} == {True, False}
    managers = document["managers"]
    assert [m["role"] for m in managers].count("admin") == 1 and len(managers) > 1
    keys = [p["api_key"] for p in managers + affiliates]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(("count", "codes"), [
    ("1", ["USD"]),
    (None, ["USD", "EUR", "RUB"]),
    ("4", ["USD", "EUR", "RUB", "GBP"]),
])
def test_currencies_start_from_usd_the_default(capsys, count, codes):
    extra = ["--currencies", count] if count else []
    document = generated(capsys, 20, 200, 4, *extra)
    currencies = document["currencies"]

    assert sorted(c["code"] for c in currencies) == sorted(codes)
    assert [c["code"] for c in currencies if c["default"]] == ["USD"]
    assert all(c["min_payment"] is not None for c in currencies)
    assert {c["currency"] for c in document["conversions"]} <= set(codes)
    assert {s["currency"] for s in document["payment_systems"]} - {None} <= set(codes)


def test_no_invoices_unless_asked(capsys):
    document = generated(capsys, 20, 300, 1)

    assert "payments" not in document and "corrections" not in document


def test_invoices_come_in_every_status_and_load_into_a_database(capsys, tmp_path):
    document = generated(capsys, 40, 2000, 6, "--invoices", "10")
    payments = document["payments"]
    conversions = {c["id"]: c for c in document["conversions"]}
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(document))

    assert len(payments) == 10
    assert {p["status"] for p in payments} == {-1, 1, 2, 3, 4}
    for payment in payments:
        assert payment["cpa_actions"]
        assert timestamp(payment["posted_date"]) <= NOW
        for conversion_id in payment["cpa_actions"]:
            conversion = conversions[conversion_id]
            assert (conversion["status"], conversion["affiliate_id"], conversion["currency"]) \
                == (1, payment["pid"], payment["currency"])
            assert conversion["created_at"][:10] <= payment["period_to"]
    url = f"sqlite:///{tmp_path / 'mock.db'}"
    database = Database(url)
    prepare_database(database, {"FIXTURES": str(path)})
    database.dispose()
    assert cli.main(["export", "--database", url]) == 0
    exported = json.loads(capsys.readouterr().out)
    validate(exported)
    assert [p["cpa_actions"] for p in exported["payments"]] == \
        [p["cpa_actions"] for p in payments]
    assert len(exported["conversions"]) == 2000


def test_output_writes_the_same_bytes_as_stdout(capsys, tmp_path):
    args = ["--affiliates", "10", "--conversions", "100", "--seed", "3"]
    target = tmp_path / "out.json"

    printed = generate(capsys, *args)
    assert cli.main(["generate-fixture", *args, "--output", str(target)]) == 0

    assert capsys.readouterr() == ("", "")
    assert target.read_bytes() == printed.encode()


@pytest.mark.parametrize(("args", "message"), [
    (["--affiliates", "0", "--conversions", "5", "--seed", "1"],
     "--affiliates: must be a number of affiliates of at least 1, got '0'"),
    (["--affiliates", "3", "--conversions", "-1", "--seed", "1"],
     "--conversions: must be a number of conversions of at least 0, got '-1'"),
    (["--affiliates", "3", "--conversions", "5", "--seed", "x"],
     "--seed: must be a seed of at least 0, got 'x'"),
    (["--affiliates", "3", "--conversions", "5", "--seed", "1", "--currencies", "9"],
     "--currencies: must be a number of currencies from 1 to 8, got '9'"),
    (["--affiliates", "3", "--conversions", "5", "--seed", "1", "--invoices", "some"],
     "--invoices: must be a number of invoices of at least 0, got 'some'"),
])
def test_a_bad_generate_option_exits_2_naming_it(capsys, args, message):
    assert cli.main(["generate-fixture", *args]) == 2
    assert capsys.readouterr() == ("", f"mock-affise: {message}\n")


def test_an_unwritable_output_exits_1(capsys, tmp_path):
    target = tmp_path / "missing-dir" / "out.json"

    status = cli.main(["generate-fixture", "--affiliates", "1", "--conversions", "1", "--seed",
                       "1", "--output", str(target)])

    assert status == 1
    assert capsys.readouterr().err == \
        f"mock-affise: cannot write {target} (No such file or directory)\n"


@pytest.mark.first
@pytest.mark.engine_free
def test_a_network_of_100000_conversions_validates(capsys, tmp_path):
    target = tmp_path / "large.json"

    assert cli.main(["generate-fixture", "--affiliates", "1000", "--conversions", "100000",
                     "--seed", "42", "--output", str(target)]) == 0

    document = validate(read_document(target))
    assert len(document["affiliates"]) == 1000
    assert len(document["conversions"]) == 100000


def installed_command() -> list[str]:
    script = Path(sys.executable).with_name("mock-affise")
    if not script.exists():
        pytest.skip(f"no mock-affise script next to {sys.executable}")
    return [str(script)]


@pytest.mark.engine_free
def test_the_installed_command_prints_the_same_document(capsys):
    args = ["generate-fixture", "--affiliates", "15", "--conversions", "150", "--seed", "12",
            "--invoices"]

    result = subprocess.run([*installed_command(), *args], capture_output=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert cli.main(args) == 0
    assert result.stdout == capsys.readouterr().out.encode()
    validate(json.loads(result.stdout))


# ----------------------------------------------------------------------------- export


@pytest.fixture
def seeded_database(tmp_path):
    """A database file prepared as serve prepares it, from the default fixture."""
    url = f"sqlite:///{tmp_path / 'mock.db'}"
    database = Database(url)
    prepare_database(database, {"FIXTURES": str(DEFAULT_FIXTURE)})
    yield url, database
    database.dispose()


def export_of(database: Database, tenant_id: int | None = None) -> dict:
    with database.transaction() as session:
        if tenant_id is None:
            tenant_id = session.scalar(select(func.min(Tenant.id)))
        return export_tenant(session, session.get(Tenant, tenant_id))


def test_export_prints_the_oldest_tenant_as_export_tenant_sees_it(capsys, seeded_database):
    url, database = seeded_database

    assert cli.main(["export", "--database", url]) == 0

    out = capsys.readouterr().out
    assert json.loads(out) == export_of(database)
    assert out.startswith('{\n  "now": "2022-05-23 12:00:00",\n')  # indented by 2


def test_an_export_loads_back_to_the_same_export(capsys, seeded_database, tmp_path):
    url, database = seeded_database
    assert cli.main(["export", "--database", url]) == 0
    exported = tmp_path / "exported.json"
    exported.write_text(capsys.readouterr().out)

    validate(read_document(exported))
    app = create_app({"DATABASE_URL": "sqlite://", "FIXTURES": str(exported)})
    try:
        again = export_of(app.extensions["mock_affise"].db)
    finally:
        app.extensions["mock_affise"].db.dispose()

    assert again == export_of(database)
    assert again["payments"] and again["corrections"]  # the round trip carried invoices too


def test_export_picks_a_tenant_by_id_from_the_flag_or_the_environment(capsys, seeded_database,
                                                                      monkeypatch):
    url, database = seeded_database
    second = {"now": "2024-01-01 00:00:00",
              "currencies": [{"id": 2, "code": "USD", "default": True}]}
    with database.transaction(write=True) as session:
        tenant_id = create_tenant(session, validate(second))["tenant"]

    assert cli.main(["export", "--database", url, "--tenant", str(tenant_id)]) == 0
    by_flag = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("MOCK_AFFISE_DATABASE_URL", url)
    monkeypatch.setenv("MOCK_AFFISE_TENANT", str(tenant_id))
    assert cli.main(["export"]) == 0
    by_environment = json.loads(capsys.readouterr().out)
    assert cli.main(["export", "--tenant", "1"]) == 0  # the flag wins
    by_both = json.loads(capsys.readouterr().out)

    assert by_flag == by_environment == export_of(database, tenant_id)
    assert by_flag["now"] == "2024-01-01 00:00:00"
    assert [c["code"] for c in by_flag["currencies"]] == ["USD"]
    assert by_both == export_of(database, 1)


def test_export_defaults_to_the_serve_database_file_in_the_working_directory(
        capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    database = Database("sqlite:///mock-affise.db")
    prepare_database(database, {"FIXTURES": str(DEFAULT_FIXTURE)})
    expected = export_of(database)
    database.dispose()

    assert cli.main(["export"]) == 0
    assert json.loads(capsys.readouterr().out) == expected


def test_exporting_a_missing_database_file_creates_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "missing.db"

    assert cli.main(["export", "--database", f"sqlite:///{missing}"]) == 1
    first = capsys.readouterr()
    assert cli.main(["export"]) == 1
    second = capsys.readouterr()

    assert first == ("", f"mock-affise: nothing to export: no database file {missing} "
                         f"(sqlite:///{missing})\n")
    assert second.err == "mock-affise: nothing to export: no database file mock-affise.db " \
                         "(sqlite:///mock-affise.db)\n"
    assert list(tmp_path.iterdir()) == []


def test_exporting_a_database_without_tenants_exits_1_and_seeds_nothing(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'schema-only.db'}"
    database = Database(url)
    prepare_database(database, {"SEED": False})

    assert cli.main(["export", "--database", url]) == 1

    assert capsys.readouterr() == ("", f"mock-affise: nothing to export: {url} holds no tenant\n")
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 0
    database.dispose()


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "holds no mock-affise data"),
    (b"not a database at all, just some text", "file is not a database"),
])
def test_exporting_a_file_that_is_no_mock_database_exits_1(capsys, tmp_path, content, reason):
    path = tmp_path / "other.db"
    path.write_bytes(content)
    url = f"sqlite:///{path}"

    assert cli.main(["export", "--database", url]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("mock-affise: ") and err.endswith(f"{reason}\n")
    assert err.count("\n") == 1


def test_exporting_an_unknown_tenant_exits_1(capsys, seeded_database):
    url, _ = seeded_database

    assert cli.main(["export", "--database", url, "--tenant", "99"]) == 1
    assert capsys.readouterr() == ("", f"mock-affise: no tenant 99 in {url}\n")


def test_exporting_an_in_memory_database_exits_1(capsys):
    assert cli.main(["export", "--database", "sqlite://"]) == 1
    assert capsys.readouterr().err == (
        "mock-affise: nothing to export: an in-memory database (sqlite://) starts empty; give "
        "the --database of the mock to export\n")


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--tenant", "0"], {}, "--tenant: must be a tenant id of at least 1, got '0'"),
    ([], {"MOCK_AFFISE_TENANT": "first"},
     "MOCK_AFFISE_TENANT: must be a tenant id of at least 1, got 'first'"),
    (["--database", "nonsense"], {}, "--database: not a database URL: 'nonsense'"),
])
def test_a_bad_export_option_exits_2_naming_it(capsys, monkeypatch, args, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert cli.main(["export", *args]) == 2
    assert capsys.readouterr() == ("", f"mock-affise: {message}\n")
