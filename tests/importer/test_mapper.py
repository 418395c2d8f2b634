"""Affise's own documented answers (its OpenAPI examples) map to rows the fixture loads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import yaml

from mock_affise.fixtures import validate
from mock_affise.importer import mapper
from mock_affise.importer.document import build_document
from mock_affise.importer.reading import Network
from tests.conftest import AFFISE_SPEC

pytestmark = pytest.mark.skipif(not AFFISE_SPEC.exists(),
                                reason="Affise's OpenAPI extracts (shared/affise-spec) are absent")


def _example(document: str, path: str) -> Any:
    spec = yaml.safe_load((AFFISE_SPEC / document).read_text(encoding="utf-8"))
    content = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    return content["example"]


def test_a_partner_as_affise_documents_it_maps_to_an_affiliate_row():
    partner = _example("extracts.yml", "/3.0/admin/partner/{id}")["partner"]
    row = mapper.affiliate_row(partner)
    assert {k: row[k] for k in ("id", "created_at", "updated_at", "ref", "manager_id",
                                "country", "login")} == {
        "id": 5, "created_at": "2021-05-15 04:07:42", "updated_at": "2021-09-08 20:11:15",
        "ref": None, "manager_id": None, "country": "US", "login": "partner"}  # ref "ref": none
    assert row["payment_systems"][1] == {"id": 5, "system_id": None, "system": "webmoney",
                                         "currency": None, "active": 0,
                                         "fields": {"usd": "Z166558469854"}}


def test_bindings_named_by_title_and_keyed_by_label_are_resolved_or_left_out_and_named():
    systems = _example("extracts.yml", "/3.0/admin/payment_systems")["payment_systems"]
    currencies = _example("extracts.yml", "/3.0/admin/currency")["extended"]["value"]["quotes"]
    network = Network(currencies=[mapper.currency_row(q) for q in currencies],
                      payment_systems=[mapper.payment_system_row(s) for s in systems])
    network.currencies.append({**network.currencies[0], "id": 7, "code": "AED",
                               "default": False})
    partner = _example("extracts.yml", "/3.0/admin/partner/{id}")["partner"]
    partner["payment_systems"].append({"id": 6, "active": 1, "system": "Webmoney WMZ",
                                       "fields": {"WMZ": "Z123"}})
    network.affiliates[5] = mapper.affiliate_row(partner)
    built = build_document(network, datetime(2024, 1, 1))
    assert built.document["affiliates"][0]["payment_systems"] == [
        {"id": 6, "system_id": 3, "currency": "AED", "active": 1, "fields": {"1": "Z123"}}]
    assert built.notes == [
        "affiliate 5: its binding to payment system 'bank', which Affise does not list, is "
        "left out",
        "affiliate 5: its binding to payment system 'webmoney', which Affise does not list, is "
        "left out"]
    validate(built.document)


def test_a_conversion_as_affise_lists_it_and_shows_it_by_id():
    listed = _example("extracts.yml", "/3.0/stats/conversions")["conversions"][0]
    assert mapper.conversion_row(listed) == {
        "id": "59359e1d7e28feb7568b456a", "affiliate_id": 610, "offer_id": 934, "status": 1,
        "payouts": "1234", "currency": "USD", "country": "US", "goal": "1",
        "created_at": "2017-06-06 03:08:29", "updated_at": "2017-06-06 03:08:30",
        "hold_until": None, "clickid": "59359dcb7e28fee0558b4567", "revenue": "12345",
        "sum": "0", "comment": "", "decline_reason": "by_manager"}
    assert mapper.offer_row(listed) == {"id": 934, "title": "HD-smart [Web]",
                                        "advertiser_id": "56cc49dc3b7d9b89058b45f0"}
    shown = _example("extracts.yml", "/3.0/stats/conversionsbyid")["conversion"]
    row = mapper.conversion_row(shown)
    assert (row["status"], row["affiliate_id"], row["offer_id"]) == (1, 2, 7)


def test_an_invoice_as_affise_documents_it_maps_to_a_payment_row():
    payment = _example("affise-admin-payments-api-openapi.yml", "/3.1/payments/{id}")["payment"]
    assert mapper.payment_row(payment) == {
        "id": 5, "pid": 1, "currency": "USD", "status": 1, "posted_date": "2022-03-02 17:28:29",
        "updated_at": "2022-03-03 17:28:29", "pay_sys": 1, "pay_sys_name": "Webmoney",
        "pay_acc": "WMR: 344324\nWMZ: 23423423", "comment": "test", "notes": "test",
        "manager_id": None, "cpa_actions": ["62164a9a5a8b7e788f752f13"], "ref_ids": [],
        "ref_revenue": None}
    assert mapper.correction_rows(payment) == []
