"""Fixture documents: a load/export round trip, YAML, and every problem reported by path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from sqlalchemy import create_engine, func, inspect, select, table

from mock_affise import cli, create_app
from mock_affise.db import Database
from mock_affise.fixtures import (
    FixtureError,
    create_tenant,
    document,
    export_tenant,
    fixture_json_schema,
    read_document,
    validate,
)
from mock_affise.models import Tenant
from mock_affise.strategies import fixture_documents
from tests.budget import examples

from .conftest import DEFAULT_ADMIN_KEY, DEFAULT_FIXTURE

SECTIONS = ("now, currencies, payment_systems, managers, affiliates, advertisers, offers, "
            "conversions, payments, corrections, advertiser_invoices, settings")
BASE_ADMIN_KEY = "base0123456789abcdef0123456789ab"


def hex_id(number: int) -> str:
    return f"{number:024x}"


def base_document() -> dict:
    """A small valid network: two currencies, two systems, two affiliates, one invoice."""
    return {
        "now": "2024-06-15 12:00:00",
        "currencies": [
            {"id": 1, "code": "USD", "rate": "1", "min_payment": "20", "default": True},
            {"id": 2, "code": "RUB", "rate": "90", "min_payment": "1000"},
        ],
        "payment_systems": [
            {"id": 1, "title": "Webmoney", "currency": None, "threshold": None,
             "fields": [{"id": 4, "label": "WMZ", "required": True}]},
            {"id": 3, "title": "PayPal", "currency": "USD", "threshold": "10",
             "fields": [{"id": 5, "label": "Email", "required": True}]},
        ],
        "managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7a8b", "first_name": "Ann", "last_name": "Lee",
                      "email": "ann@example.com", "role": "admin", "api_key": BASE_ADMIN_KEY}],
        "affiliates": [
            {"id": 2, "name": "Acme Media", "email": "acme@example.com",
             "manager_id": "5f2a9e0c1d2b3c4d5e6f7a8b", "api_key": "aff2" * 8,
             "payment_systems": [{"id": 10, "system_id": 1, "currency": "USD", "active": 1,
                                  "fields": {"4": "Z123"}}]},
            {"id": 3, "name": "Blue Leads", "email": "blue@example.com", "api_key": "aff3" * 8,
             "payment_systems": [{"id": 11, "system_id": 3, "currency": "USD", "active": 1,
                                  "fields": {"5": "pay@blue.example"}}]},
        ],
        "offers": [{"id": 4, "title": "Offer 4", "advertiser_id": "62164a9a5a8b7e788f752f13"}],
        "conversions": [
            _conversion(1, affiliate_id=2, status=1, payouts="22"),
            _conversion(2, affiliate_id=2, status=1, payouts="10"),
            _conversion(3, affiliate_id=2, status=2, payouts="5"),
            _conversion(4, affiliate_id=3, status=1, payouts="7"),
            _conversion(5, affiliate_id=2, status=1, payouts="900", currency="RUB"),
        ],
        "payments": [{"id": 100, "pid": 2, "currency": "USD", "status": 1,
                      "posted_date": "2024-06-01 09:00:00", "pay_sys": 1, "pay_acc": "WMZ: Z123",
                      "cpa_actions": [hex_id(1)]}],
        "corrections": [{"id": 9, "payment_id": 100, "revenue": "5", "comment": "bonus",
                         "posted_date": "2024-06-02 10:00:00"}],
    }


def _conversion(number: int, affiliate_id: int, status: int, payouts: str,
                currency: str = "USD") -> dict:
    return {"id": hex_id(number), "affiliate_id": affiliate_id, "offer_id": 4, "status": status,
            "payouts": payouts, "currency": currency, "country": "US", "goal": "1",
            "created_at": f"2024-05-{number:02d} 10:00:00", "hold_until": None}


def first_export(database: Database) -> dict:
    """Export the oldest tenant of a database, inside one transaction."""
    with database.transaction() as session:
        tenant = session.scalars(select(Tenant).order_by(Tenant.id)).first()
        assert tenant is not None
        return export_tenant(session, tenant)


def row_counts(url: str) -> dict[str, int]:
    """Count the rows of every table in a database, through an engine of its own."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(select(func.count()).select_from(table(name)))
                    .scalar_one() for name in inspect(connection).get_table_names()}
    finally:
        engine.dispose()


@pytest.fixture
def build(tmp_path):
    """Build apps on fixture files; dispose of their databases afterwards."""
    apps = []

    def make(fixture: Path | str, url: str = "sqlite://"):
        app = create_app({"DATABASE_URL": url, "FIXTURES": str(fixture)})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["mock_affise"].db.dispose()


def write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def database_of(app) -> Database:
    return app.extensions["mock_affise"].db


# ----------------------------------------------------------------------------- round trip


def test_export_of_the_default_fixture_loads_back_to_the_same_export(build, tmp_path):
    first = first_export(database_of(build(DEFAULT_FIXTURE)))
    second = first_export(database_of(build(write_json(tmp_path / "export.json", first))))

    assert second == first


def test_export_keeps_every_id_and_key_of_the_default_fixture(build):
    default_document = json.loads(DEFAULT_FIXTURE.read_text())
    exported = first_export(database_of(build(DEFAULT_FIXTURE)))

    assert exported["now"] == default_document["now"]
    for section in ("currencies", "payment_systems", "managers", "affiliates", "offers",
                    "conversions", "payments", "corrections"):
        assert sorted(row["id"] for row in exported[section]) == \
            sorted(row["id"] for row in default_document[section]), section
    assert {m["api_key"] for m in exported["managers"]} >= {DEFAULT_ADMIN_KEY}
    assert {a["id"]: a["api_key"] for a in exported["affiliates"]} == \
        {a["id"]: a["api_key"] for a in default_document["affiliates"]}
    assert {p["id"]: sorted(p["cpa_actions"]) for p in exported["payments"]} == \
        {p["id"]: sorted(p["cpa_actions"]) for p in default_document["payments"]}


def test_missing_keys_get_fresh_ones_that_survive_the_round_trip(build, tmp_path):
    document = base_document()
    for row in document["managers"] + document["affiliates"]:
        del row["api_key"]
    del document["payments"][0]["cpa_actions"]
    document["corrections"] = []

    first = first_export(database_of(build(write_json(tmp_path / "keyless.json", document))))
    second = first_export(database_of(build(write_json(tmp_path / "export.json", first))))

    assert [m["role"] for m in first["managers"]] == ["admin"]
    assert all(len(a["api_key"]) == 32 for a in first["affiliates"])
    assert second == first


@settings(max_examples=examples(15), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=fixture_documents())
def test_any_valid_document_round_trips_through_export(tmp_path, document):
    databases = []
    try:
        exports = []
        for step in ("seed", "export"):
            path = write_json(tmp_path / f"{step}.json", exports[-1] if exports else document)
            app = create_app({"DATABASE_URL": "sqlite://", "FIXTURES": str(path)})
            databases.append(database_of(app))
            exports.append(first_export(databases[-1]))
        assert exports[1] == exports[0]
    finally:
        for database in databases:
            database.dispose()


# ----------------------------------------------------------------------------- YAML


def test_a_yaml_fixture_loads_like_its_json_twin(build, tmp_path):
    yaml_path = tmp_path / "default.yaml"
    yaml_path.write_text(yaml.safe_dump(json.loads(DEFAULT_FIXTURE.read_text()), sort_keys=False),
                         encoding="utf-8")

    from_yaml = first_export(database_of(build(yaml_path)))
    from_json = first_export(database_of(build(DEFAULT_FIXTURE)))

    assert from_yaml == from_json


def test_hand_written_yaml_with_native_dates_and_numbers_loads(build, tmp_path):
    yaml_path = tmp_path / "network.yml"
    yaml_path.write_text(
        """
# YAML's own timestamps, dates and numbers; hex ids quoted, as they must be.
now: 2024-06-15 12:00:00
currencies:
  - {id: 1, code: USD, rate: 1, min_payment: 20.5, default: true}
payment_systems:
  - id: 1
    title: Webmoney
    fields: [{id: 4, label: WMZ, required: true}]
affiliates:
  - id: 2
    name: Acme Media
    payment_systems: [{system_id: 1, currency: USD, fields: {4: Z123}}]
offers: [{id: 4, title: Offer 4}]
conversions:
  - {id: "660000000000000000000001", affiliate_id: 2, offer_id: 4, status: 1,
     payouts: 22.25, currency: USD, created_at: 2024-05-01 10:00:00}
payments:
  - {id: 7, pid: 2, currency: USD, posted_date: 2024-06-01, period_to: 2024-05-31,
     pay_sys: 1, cpa_actions: ["660000000000000000000001"]}
""", encoding="utf-8")

    exported = first_export(database_of(build(yaml_path)))

    assert exported["now"] == "2024-06-15 12:00:00"
    assert exported["currencies"][0]["min_payment"] == "20.5"
    assert exported["affiliates"][0]["payment_systems"][0]["fields"] == {"4": "Z123"}
    assert exported["conversions"][0]["payouts"] == "22.25"
    assert exported["conversions"][0]["created_at"] == "2024-05-01 10:00:00"
    payment = exported["payments"][0]
    assert (payment["posted_date"], payment["period_to"]) == ("2024-06-01 00:00:00", "2024-05-31")
    assert payment["cpa_actions"] == ["660000000000000000000001"]


# ----------------------------------------------------------------------------- problems


def _set(path: str, value) -> Callable[[dict], None]:
    """Return a change setting the value at a dotted path such as conversions.3.currency."""
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return change


_DELETE = object()


def _append(path: str, value) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        node = document
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        node.append(value)
    return change


def _second_invoice_with(conversion: str) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["payments"].append(
            {"id": 101, "pid": 2, "currency": "USD", "posted_date": "2024-06-02 09:00:00",
             "cpa_actions": [conversion]})
    return change


PROBLEMS = {
    "unknown section": (
        _set("invoices", []),
        [f"invoices: unknown section (expected one of {SECTIONS})"]),
    "a section that is not a list": (
        _set("corrections", {"id": 9}),
        ["corrections: must be a list"]),
    "a row that is not an object": (
        _append("offers", "Offer 5"),
        ["offers[1]: must be an object"]),
    "wrong scalar types": (
        lambda d: [_set("currencies.1.active", "yes")(d), _set("offers.0.title", ["x"])(d),
                   _set("conversions.2.payouts", "a lot")(d), _set("conversions.2.status", "ok")(d)],
        ["currencies[1].active: must be true or false, got 'yes'",
         "offers[0].title: must be a string, got ['x']",
         "conversions[2].status: must be one of 1, 2, 3, 5, got 'ok'",
         "conversions[2].payouts: must be a decimal number, got 'a lot'"]),
    "an id that is not an integer": (
        _set("currencies.1.id", "two"),
        ["currencies[1].id: must be an integer, got 'two'"]),
    "duplicate currency id": (
        _set("currencies.1.id", 1),
        ["currencies[1].id: duplicate currency id 1 (also at currencies[0].id)"]),
    "duplicate conversion id": (
        _set("conversions.2.id", hex_id(4)),
        [f"conversions[3].id: duplicate conversion id '{hex_id(4)}' (also at conversions[2].id)"]),
    "duplicate api key": (
        _set("affiliates.1.api_key", BASE_ADMIN_KEY),
        [f"affiliates[1].api_key: duplicate api_key '{BASE_ADMIN_KEY}' "
         "(also at managers[0].api_key)"]),
    "unknown currency code": (
        _set("conversions.3.currency", "EUR"),
        ["conversions[3].currency: unknown currency code 'EUR'"]),
    "missing required field": (
        lambda d: [_set("conversions.2.created_at", _DELETE)(d), _set("payments.0.pid", _DELETE)(d)],
        ["conversions[2].created_at: is required", "payments[0].pid: is required"]),
    "null required field": (
        _set("offers.0.id", None),
        ["offers[0].id: must not be null"]
        + [f"conversions[{i}].offer_id: unknown offer 4" for i in range(5)]),
    "unknown affiliate": (
        _set("conversions.2.affiliate_id", 99),
        ["conversions[2].affiliate_id: unknown affiliate 99"]),
    "unknown referring affiliate": (
        _set("affiliates.1.ref", 99),
        ["affiliates[1].ref: unknown affiliate 99"]),
    "unknown offer": (
        _set("conversions.2.offer_id", 77),
        ["conversions[2].offer_id: unknown offer 77"]),
    "unknown manager": (
        _set("affiliates.0.manager_id", "ffffffffffffffffffffffff"),
        ["affiliates[0].manager_id: unknown manager 'ffffffffffffffffffffffff'"]),
    "unknown payment system of a binding": (
        _set("affiliates.1.payment_systems.0.system_id", 9),
        ["affiliates[1].payment_systems[0].system_id: unknown payment system 9"]),
    "unknown payment system of an invoice": (
        _set("payments.0.pay_sys", 9),
        ["payments[0].pay_sys: unknown payment system 9"]),
    "unknown payment of a correction": (
        _set("corrections.0.payment_id", 555),
        ["corrections[0].payment_id: unknown payment 555"]),
    "binding without a field its system requires": (
        _set("affiliates.0.payment_systems.0.fields", {}),
        ["affiliates[0].payment_systems[0].fields.4: is required by payment system 1 (WMZ)"]),
    "binding with a field its system lacks": (
        _set("affiliates.0.payment_systems.0.fields.7", "x"),
        ["affiliates[0].payment_systems[0].fields.7: payment system 1 has no field 7"]),
    "binding in a currency its system does not accept": (
        _set("affiliates.1.payment_systems.0.currency", "RUB"),
        ["affiliates[1].payment_systems[0].currency: payment system 3 accepts only USD"]),
    "invoice with a conversion that is not approved": (
        _append("payments.0.cpa_actions", hex_id(3)),
        [f"payments[0].cpa_actions[1]: conversion {hex_id(3)} is not approved (status 1, or a hold past its hold_until)"]),
    "invoice with another affiliate's conversion": (
        _append("payments.0.cpa_actions", hex_id(4)),
        [f"payments[0].cpa_actions[1]: conversion {hex_id(4)} belongs to affiliate 3, not 2"]),
    "invoice with a conversion in another currency": (
        _append("payments.0.cpa_actions", hex_id(5)),
        [f"payments[0].cpa_actions[1]: conversion {hex_id(5)} is in RUB, not USD"]),
    "conversion in two invoices": (
        _second_invoice_with(hex_id(1)),
        [f"payments[1].cpa_actions[0]: conversion {hex_id(1)} is already in payments[0]"]),
    "invoice with an unknown conversion": (
        _append("payments.0.cpa_actions", hex_id(99)),
        [f"payments[0].cpa_actions[1]: unknown conversion '{hex_id(99)}'"]),
    "zero correction": (
        _set("corrections.0.revenue", "0"),
        ["corrections[0].revenue: must not be zero"]),
    "negative invoice revenue": (
        _set("corrections.0.revenue", "-30.5"),
        ["payments[0]: revenue would be negative (-8.5)"]),
    "a misspelt key of a row": (
        _set("conversions.3.hold_untill", "2024-07-01 00:00:00"),
        ["conversions[3].hold_untill: unknown field; did you mean hold_until?"]),
    "a misspelt key of a nested row": (
        _set("affiliates.0.payment_systems.0.sytem_id", 1),
        ["affiliates[0].payment_systems[0].sytem_id: unknown field; did you mean system_id?"]),
    "a key like no known one": (
        _set("offers.0.colour", "red"),
        ["offers[0].colour: unknown field"]),
    "a long value is quoted clipped": (
        _set("currencies.1.active", "y" * 500),
        ["currencies[1].active: must be true or false, got '" + "y" * 79 + "…"]),
    "bad now": (
        _set("now", "yesterday"),
        ["now: must be a timestamp in YYYY-MM-DD HH:MM:SS format, got 'yesterday'"]),
    "impossible now": (
        _set("now", "2024-02-30 00:00:00"),
        ["now: must be a timestamp in YYYY-MM-DD HH:MM:SS format, got '2024-02-30 00:00:00'"]),
    "every problem at once, in document order": (
        lambda d: [_set("now", "soon")(d), _set("conversions.3.currency", "EUR")(d),
                   _set("corrections.0.revenue", "0")(d)],
        ["now: must be a timestamp in YYYY-MM-DD HH:MM:SS format, got 'soon'",
         "conversions[3].currency: unknown currency code 'EUR'",
         "corrections[0].revenue: must not be zero"]),
}


def test_the_base_document_is_valid():
    validate(base_document())


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_validate_reports_each_problem_with_its_path(case):
    change, expected = PROBLEMS[case]
    document = base_document()
    change(document)

    with pytest.raises(FixtureError) as caught:
        validate(document)

    assert caught.value.problems == expected


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_a_bad_fixture_seeds_nothing_at_start_up(case, tmp_path):
    change, expected = PROBLEMS[case]
    document = base_document()
    change(document)
    url = f"sqlite:///{tmp_path / 'mock.db'}"

    with pytest.raises(FixtureError) as caught:
        create_app({"DATABASE_URL": url, "FIXTURES": str(write_json(tmp_path / "bad.json",
                                                                   document))})

    assert caught.value.problems == expected
    assert set(row_counts(url).values()) == {0}


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_a_bad_document_leaves_an_existing_database_as_it_was(case, tmp_path):
    url = f"sqlite:///{tmp_path / 'mock.db'}"
    database = Database(url)
    try:
        database.create_schema()
        with database.transaction(write=True) as session:
            create_tenant(session, validate(base_document()))
        before = first_export(database), row_counts(url)
        change, expected = PROBLEMS[case]
        document = base_document()
        change(document)

        with pytest.raises(FixtureError) as caught, database.transaction(write=True) as session:
            create_tenant(session, validate(copy.deepcopy(document)))

        assert caught.value.problems == expected
        assert (first_export(database), row_counts(url)) == before
        assert row_counts(url)["tenants"] == 1
    finally:
        database.dispose()


def test_a_yaml_document_reports_problems_like_a_json_one(tmp_path):
    document = base_document()
    document["conversions"][3]["currency"] = "EUR"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(FixtureError) as caught:
        create_app({"DATABASE_URL": "sqlite://", "FIXTURES": str(path)})

    assert caught.value.problems == ["conversions[3].currency: unknown currency code 'EUR'"]


@pytest.mark.parametrize(("text", "problem"), [
    ("[1, 2]", "{path}: the document must be an object of sections"),
    ("just words", "{path}: the document must be an object of sections"),
    ("42", "{path}: the document must be an object of sections"),
    ('{"currencies": [}',
     "{path}: neither JSON nor YAML (JSON: Expecting value at line 1, column 17; "
     "YAML: expected the node content, but found '}' at line 1, column 17)"),
    ("now: [\n", "{path}: neither JSON nor YAML (JSON: Expecting value at line 1, column 1; "
                 "YAML: expected the node content, but found '<stream end>' at line 2, column 1)"),
])
def test_a_document_that_is_not_an_object_of_sections_is_refused(tmp_path, text, problem):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'mock.db'}"

    with pytest.raises(FixtureError) as caught:
        create_app({"DATABASE_URL": url, "FIXTURES": str(path)})

    assert caught.value.problems == [problem.replace("{path}", str(path))]
    assert set(row_counts(url).values()) == {0}


def test_an_unreadable_fixture_names_the_file(tmp_path):
    missing = tmp_path / "missing.json"

    with pytest.raises(FixtureError) as caught:
        read_document(missing)

    assert caught.value.problems == [f"{missing}: cannot read (No such file or directory)"]


def test_an_empty_document_seeds_a_tenant_with_only_an_admin(build, tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")

    exported = first_export(database_of(build(path)))

    assert [m["role"] for m in exported["managers"]] == ["admin"]
    assert exported["affiliates"] == exported["conversions"] == exported["payments"] == []


# ----------------------------------------------------------------------------- hostile documents

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8))
DEEP_YAML = "now: " + "[" * 50_000 + "]" * 50_000 + "\n"
DEEP_JSON = '{"now": ' + "[" * 50_000 + "]" * 50_000 + "}"
YAML = "application/yaml"


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (BILLION_LAUGHS, YAML, "body: YAML anchors and aliases are not supported"),
    ("currencies: &c []\n", YAML, "body: YAML anchors and aliases are not supported"),
    (DEEP_YAML, YAML, "body: nested deeper than 8 levels"),
    (DEEP_JSON, "application/json", "body: nested deeper than 8 levels"),
])
def test_a_hostile_document_posted_as_a_tenant_is_a_400(make_app, body, content_type, message):
    client = make_app(MAX_BODY_BYTES=1_000_000).test_client()

    response = client.post("/_mock/tenants", data=body, content_type=content_type)

    assert response.status_code == 400
    assert response.json["error"] == message
    assert len(client.get("/_mock/tenants").json["tenants"]) == 1


@pytest.mark.parametrize(("text", "problem"), [
    (BILLION_LAUGHS, "YAML anchors and aliases are not supported"),
    (DEEP_YAML, "nested deeper than 8 levels"),
    (DEEP_JSON, "nested deeper than 8 levels"),
])
def test_validate_refuses_a_hostile_document(tmp_path, capsys, text, problem):
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")

    assert cli.main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == f"{path}: {problem}\n"


def test_a_long_bad_value_is_quoted_clipped_through_http(client):
    document = base_document()
    document["offers"][0]["advertiser_id"] = "f" * 100_000

    response = client.post("/_mock/tenants", json=document)

    assert response.status_code == 400
    assert response.json["error"] == (
        "Invalid fixture: offers[0].advertiser_id: must be 24 lowercase hex characters, got "
        f"'{'f' * 79}…")


def _with_conversions(count: int) -> dict:
    document = base_document()
    document["payments"], document["corrections"] = [], []
    document["conversions"] = [_conversion(number, affiliate_id=2, status=2, payouts="1")
                               | {"created_at": "2024-05-01 10:00:00"}
                               for number in range(1, count + 1)]
    return document


def test_a_json_document_of_more_than_10000_items_loads_through_the_control_plane(make_app):
    client = make_app(MAX_BODY_BYTES=10_000_000).test_client()

    response = client.post("/_mock/tenants", json=_with_conversions(10_001))

    assert response.status_code == 200, response.json
    key = {"API-Key": response.json["api_keys"]["admin"]}
    assert len(client.get("/_mock/export", headers=key).json["conversions"]) == 10_001


@pytest.mark.engine_free
def test_a_200000_conversion_document_is_within_the_size_rule():
    document.check_size(_with_conversions(200_000))


@pytest.fixture
def three_items(monkeypatch):
    """Make the size rule refuse lists of more than three items."""
    monkeypatch.setattr(document, "MAX_ITEMS", 3)


FOUR_OFFERS = {"offers": [{"id": number} for number in range(1, 5)]}


@pytest.mark.parametrize(("body", "content_type"), [
    (json.dumps(FOUR_OFFERS), "application/json"),
    (yaml.safe_dump(FOUR_OFFERS), YAML),
])
def test_the_size_rule_is_the_same_for_json_and_yaml_bodies(make_app, monkeypatch, body,
                                                            content_type):
    client = make_app(MAX_BODY_BYTES=10_000_000).test_client()
    monkeypatch.setattr(document, "MAX_ITEMS", 3)  # once the default fixture has seeded

    response = client.post("/_mock/tenants", data=body, content_type=content_type)

    assert (response.status_code, response.json["error"]) == (400, "offers: more than 3 items")


@pytest.mark.parametrize("dump", [json.dumps, yaml.safe_dump])
def test_the_size_rule_is_the_same_for_fixture_files(tmp_path, three_items, dump):
    path = tmp_path / "offers.txt"
    path.write_text(dump(FOUR_OFFERS), encoding="utf-8")

    with pytest.raises(FixtureError) as caught:
        create_app({"DATABASE_URL": "sqlite://", "FIXTURES": str(path)})

    assert caught.value.problems == ["offers: more than 3 items"]


# ----------------------------------------------------------------------------- JSON Schema


def test_the_json_schema_accepts_the_default_fixture_and_refuses_a_misspelt_key(
        default_document):
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(fixture_json_schema())
    misspelt = copy.deepcopy(default_document)
    misspelt["conversions"][0]["hold_untill"] = misspelt["conversions"][0].pop("hold_until", None)

    assert list(validator.iter_errors(default_document)) == []
    assert [list(e.path) for e in validator.iter_errors(misspelt)] == [["conversions", 0]]


def test_the_exported_json_schema_describes_an_export_exactly(build, tmp_path):
    from jsonschema import Draft202012Validator

    exported = first_export(database_of(build(write_json(tmp_path / "base.json",
                                                         base_document()))))
    validator = Draft202012Validator(fixture_json_schema(exported=True))

    assert list(validator.iter_errors(exported)) == []
    exported["payments"][0]["status"] = "1"  # loading reads it; export never writes it
    assert {tuple(e.path) for e in validator.iter_errors(exported)} == {("payments", 0, "status")}
