"""GET /_mock/coverage: what the mock implements and what it answers 501 to; the README agrees."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from mock_affise.api.not_emulated import coverage, register_not_emulated, shape
from mock_affise.api.unemulated_routes import NOT_EMULATED

README = Path(__file__).resolve().parents[2] / "README.md"
IMPLEMENTED = [
    ("POST", "/3.0/admin/advertiser-invoice"),
    ("GET", "/3.0/admin/advertiser-invoice/{number}"),
    ("POST", "/3.0/admin/advertiser-invoice/{number}"),
    ("GET", "/3.0/admin/advertiser-invoices"),
    ("POST", "/3.0/admin/conversion/edit"),
    ("GET", "/3.0/admin/currency"),
    ("POST", "/3.0/admin/partner"),
    ("GET", "/3.0/admin/partner/{partner_id}"),
    ("POST", "/3.0/admin/partner/{partner_id}"),
    ("GET", "/3.0/admin/partner/{partner_id}/referrals"),
    ("GET", "/3.0/admin/partners"),
    ("GET", "/3.0/admin/payment_systems"),
    ("GET", "/3.0/balance"),
    ("GET", "/3.0/stats/conversions"),
    ("GET", "/3.0/stats/conversionsbyid"),
    ("GET", "/3.1/payments"),
    ("POST", "/3.1/payments/bulk-delete"),
    ("POST", "/3.1/payments/create-for-affiliate"),
    ("DELETE", "/3.1/payments/del-correction/{correction_id}"),
    ("DELETE", "/3.1/payments/delete/{payment_id}"),
    ("POST", "/3.1/payments/generate"),
    ("POST", "/3.1/payments/{invoice_id}/conversions/delete"),
    ("GET", "/3.1/payments/{payment_id}"),
    ("POST", "/3.1/payments/{payment_id}"),
    ("POST", "/3.1/payments/{payment_id}/add-correction"),
]
_OPERATION = re.compile(r"`(GET|POST|DELETE) (/[^`\s]+)`")


def listed(body: dict, name: str) -> list[tuple[str, str]]:
    return [(op["method"], op["path"]) for op in body[name]]


def test_coverage_lists_every_implemented_operation_and_every_501_one(client):
    response = client.get("/_mock/coverage")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"status", "implemented", "not_emulated"} and body["status"] == 1
    assert listed(body, "implemented") == IMPLEMENTED
    assert sorted(listed(body, "not_emulated")) == sorted(NOT_EMULATED)
    assert len(body["not_emulated"]) == len(NOT_EMULATED)


def test_coverage_needs_no_api_key_but_the_control_token(make_app):
    client = make_app(CONTROL_TOKEN="s3cret").test_client()

    assert client.get("/_mock/coverage").status_code == 401
    answer = client.get("/_mock/coverage", headers={"X-Mock-Control-Token": "s3cret"})
    assert answer.status_code == 200
    assert len(answer.get_json()["implemented"]) == len(IMPLEMENTED)


def readme_table() -> dict[str, set[tuple[str, str]]]:
    """Read the README's coverage table: each operation named in a row, under its status."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Coverage of Affise operations", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[tuple[str, str]]] = {"implemented": set(), "not emulated": set()}
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| operation"):
            continue
        operations, status = line.strip().strip("|").rsplit("|", 1)
        for kind in table:
            if status.strip().startswith(kind):
                table[kind] |= {(m, shape(p)) for m, p in _OPERATION.findall(operations)}
    return table


def test_the_readme_coverage_table_is_what_the_server_reports(client):
    body = client.get("/_mock/coverage").get_json()
    table = readme_table()

    assert table["implemented"] == {(m, shape(p)) for m, p in listed(body, "implemented")}
    assert table["not emulated"] == {(m, shape(p)) for m, p in listed(body, "not_emulated")}


def test_an_implemented_operation_leaves_the_list_without_an_edit():
    app = Flask("coverage")
    app.add_url_rule("/3.0/admin/partner/<int:partner_id>/referrals", "referrals",
                     lambda partner_id: "served", methods=["GET"])
    register_not_emulated(app, [("GET", "/3.0/admin/partner/{id}/referrals"),
                                ("POST", "/3.0/admin/partner/{id}/locale")])

    assert app.test_client().get("/3.0/admin/partner/4/referrals").text == "served"
    assert coverage(app) == {
        "implemented": [("GET", "/3.0/admin/partner/{partner_id}/referrals")],
        "not_emulated": [("POST", "/3.0/admin/partner/{id}/locale")]}
