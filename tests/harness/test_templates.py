"""Tenant templates: a tenant made from a document seen before is a copy of its first seed."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from mock_affise.harness import templates, tenants
from mock_affise.models import HARNESS_MODELS, SNAPSHOT_TABLES, TENANT_TABLES, Snapshot, Tenant
from tests.conftest import ADMIN_KEY

ALL = {"date_from": "2000-01-01", "date_to": "2100-01-01"}
OWN_KEY = "ownadminkey-00000000000000000000"


def _export(client, key):
    exported = client.get("/_mock/export", headers={"API-Key": key})
    assert exported.status_code == 200, exported.json
    return exported.json


def _without_keys(exported):
    stripped = copy.deepcopy(exported)
    for section in ("managers", "affiliates"):
        for holder in stripped[section]:
            holder.pop("api_key")
    return stripped


def _templates_kept(app):
    with app.extensions["mock_affise"].db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Snapshot).where(
            Snapshot.tenant_id == templates.OWNER))


def test_a_copied_tenant_is_the_network_its_document_seeds_with_keys_of_its_own(app, client,
                                                                              monkeypatch):
    # tenant 1 was seeded from the suite's document, which then became a template
    assert _templates_kept(app) == 1
    seeded = client.get("/_mock/keys", headers={"API-Key": ADMIN_KEY}).json
    monkeypatch.setattr(tenants, "create_tenant", _no_seeding)  # a copy, not a seed
    copied = client.post("/_mock/tenants").json
    assert _templates_kept(app) == 1
    first, second = _export(client, ADMIN_KEY), _export(client, copied["api_keys"]["admin"])
    assert _without_keys(first) == _without_keys(second)
    keys = [seeded["api_keys"], copied["api_keys"]]
    assert keys[0]["affiliates"].keys() == keys[1]["affiliates"].keys() == {"2", "3", "4", "5",
                                                                            "6"}
    every_key = [k["admin"] for k in keys] + [v for k in keys for v in k["affiliates"].values()]
    assert len(set(every_key)) == len(every_key)  # no key names two holders
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in every_key)
    # each affiliate key reaches its holder in its own tenant
    balances = [client.get("/3.0/balance", headers={"API-Key": k["affiliates"]["2"]})
                for k in keys]
    assert [b.status_code for b in balances] == [200, 200]
    assert balances[0].json == balances[1].json and balances[0].json["balance"]["balance"]


def test_a_copy_keeps_each_key_its_document_names_while_no_one_holds_it(client, monkeypatch):
    document = json_document(now="2024-01-10 09:00:00", key=OWN_KEY)
    first = client.post("/_mock/tenants", json=document).json
    assert first["api_keys"]["admin"] == OWN_KEY
    monkeypatch.setattr(tenants, "create_tenant", _no_seeding)
    second = client.post("/_mock/tenants", json=document).json  # the key is first's
    assert second["api_keys"]["admin"] != OWN_KEY
    assert client.delete(f"/_mock/tenants/{first['tenant']}").status_code == 200
    third = client.post("/_mock/tenants", json=document).json  # free again
    assert third["api_keys"]["admin"] == OWN_KEY
    clock = client.get("/_mock/clock", headers={"API-Key": OWN_KEY}).json
    assert clock["now"] == "2024-01-10 09:00:00" and clock["frozen"] is True


def test_a_copy_resets_to_its_own_seed_keys_included(client, monkeypatch):
    monkeypatch.setattr(tenants, "create_tenant", _no_seeding)
    copied = client.post("/_mock/tenants").json
    key = copied["api_keys"]["admin"]
    pristine = _export(client, key)
    generated = client.post("/3.1/payments/generate", headers={"API-Key": key},
                            data={"date": "2024-06-15"})
    assert generated.status_code == 200
    assert _export(client, key) != pristine
    reset = client.post("/_mock/reset", headers={"API-Key": key}).json
    assert reset["api_keys"] == copied["api_keys"]
    assert _export(client, key) == pristine


def test_a_copys_seed_is_its_template_until_the_template_is_dropped(app, client, monkeypatch):
    # A copy keeps no rows for reset: its seed names the template and its keys. When the
    # template goes (past KEPT), its rows are copied into that seed first.
    monkeypatch.setattr(templates, "KEPT", 2)
    document = json_document(now="2024-03-01 09:00:00", key=None)
    client.post("/_mock/tenants", json=document)
    monkeypatch.setattr(tenants, "create_tenant", _no_seeding)
    copied = client.post("/_mock/tenants", json=document).json
    key = copied["api_keys"]["admin"]
    pristine = _export(client, key)
    assert _seed_rows(app, copied["tenant"]) == 0
    monkeypatch.undo()
    monkeypatch.setattr(templates, "KEPT", 2)
    for day in (2, 3):  # two more documents: the first one's template is dropped
        made = client.post("/_mock/tenants",
                           json=json_document(now=f"2024-03-0{day} 09:00:00", key=None)).json
        assert made["status"] == 1
    assert _templates_kept(app) == 2
    assert _seed_rows(app, copied["tenant"]) > 0  # the template's rows, now the seed's own
    assert client.post("/3.0/admin/partner", headers={"API-Key": key},
                       data={"email": "new@example.com", "password": "pw",
                             "country": "DE"}).status_code == 200
    assert _export(client, key) != pristine
    reset = client.post("/_mock/reset", headers={"API-Key": key}).json
    assert reset["api_keys"] == copied["api_keys"]
    assert _export(client, key) == pristine


def _seed_rows(app, tenant_id: int) -> int:
    """Count the rows a tenant's seed snapshot holds of its own."""
    with app.extensions["mock_affise"].db.transaction() as session:
        seed = select(Snapshot.id).where(Snapshot.tenant_id == tenant_id,
                                         Snapshot.name == "__seed__").scalar_subquery()
        return sum(session.scalar(select(func.count()).select_from(shadow).where(
            shadow.c.snapshot_id == seed)) for shadow in SNAPSHOT_TABLES.values())


def test_a_document_without_a_now_has_no_template(app, client):
    kept = _templates_kept(app)
    document = json_document(now=None, key=None)
    made = [client.post("/_mock/tenants", json=document).json for _ in range(2)]
    assert all(m["status"] == 1 for m in made)
    assert _templates_kept(app) == kept


def test_a_database_keeps_a_bounded_number_of_templates(app, client, monkeypatch):
    monkeypatch.setattr(templates, "KEPT", 3)
    for day in range(1, 6):
        made = client.post("/_mock/tenants",
                           json=json_document(now=f"2024-01-0{day} 09:00:00", key=None)).json
        assert made["status"] == 1
    assert _templates_kept(app) == 3
    assert _orphan_snapshot_rows(app) == {}  # a dropped template took its rows with it
    # the newest is still a template: another tenant from it is a copy, with a clock of its own
    monkeypatch.setattr(tenants, "create_tenant", _no_seeding)
    again = client.post("/_mock/tenants",
                        json=json_document(now="2024-01-05 09:00:00", key=None)).json
    clock = client.get("/_mock/clock", headers={"API-Key": again["api_keys"]["admin"]}).json
    assert clock["now"] == "2024-01-05 09:00:00"
    assert _templates_kept(app) == 3


@pytest.mark.parametrize("named_snapshot", [True, False])
def test_a_dropped_tenant_leaves_no_row_behind(app, client, named_snapshot):
    client.post("/_mock/tenants")
    copied = client.post("/_mock/tenants").json
    key = copied["api_keys"]["admin"]
    if named_snapshot:  # rows of its own: without one, its seed (the template's) holds none
        client.post("/_mock/snapshots", json={"name": "before"}, headers={"API-Key": key})
    client.post("/3.1/payments/generate", headers={"API-Key": key}, data={"date": "2024-06-15"})
    client.post("/_mock/faults", json={"path": "/3.1/payments", "action": {"status": 500}},
                headers={"API-Key": key})
    assert client.delete(f"/_mock/tenants/{copied['tenant']}").status_code == 200
    db = app.extensions["mock_affise"].db
    with db.transaction() as session:
        assert session.get(Tenant, copied["tenant"]) is None
        for model in (*TENANT_TABLES, *HARNESS_MODELS, Snapshot):
            held = select(func.count()).select_from(model).where(
                model.tenant_id == copied["tenant"])
            assert session.scalar(held) == 0, model.__tablename__
    assert _orphan_snapshot_rows(app) == {}
    assert client.get("/3.1/payments", headers={"API-Key": ADMIN_KEY},
                      query_string=ALL).json["status"] == 1


def test_a_copy_answers_its_keys_in_its_documents_order(client, monkeypatch):
    # Two admins, the one listed first with the higher id: it is the tenant's "admin".
    document = {"now": "2024-02-01 10:00:00",
                "managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7b02", "role": "admin"},
                             {"id": "5f2a9e0c1d2b3c4d5e6f7b01", "role": "admin"}],
                "affiliates": [{"id": 9, "email": "z@example.com"},
                               {"id": 3, "email": "c@example.com"}]}
    seeded = client.post("/_mock/tenants", json=document)
    monkeypatch.setattr(tenants, "create_tenant", _no_seeding)
    copied = client.post("/_mock/tenants", json=document)
    for made in (seeded, copied):
        keys = made.json["api_keys"]
        assert list(keys["managers"]) == ["5f2a9e0c1d2b3c4d5e6f7b02", "5f2a9e0c1d2b3c4d5e6f7b01"]
        assert keys["admin"] == keys["managers"]["5f2a9e0c1d2b3c4d5e6f7b02"]
        assert list(keys["affiliates"]) == ["9", "3"]
        # and the body as sent keeps that order too
        assert made.get_data(as_text=True).index('"9"') < made.get_data(as_text=True).index('"3"')


def _no_seeding(*args, **kwargs):
    raise AssertionError("seeded: a copy of the template was expected")


def _orphan_snapshot_rows(app) -> dict[str, int]:
    """Count, per snapshot table, the rows whose snapshot is gone."""
    with app.extensions["mock_affise"].db.transaction() as session:
        counts = {shadow.name: session.scalar(select(func.count()).select_from(shadow).where(
            ~shadow.c.snapshot_id.in_(select(Snapshot.id)))) for shadow in SNAPSHOT_TABLES.values()}
    return {name: count for name, count in counts.items() if count}


def json_document(now: str | None, key: str | None) -> dict:
    """A small document: an admin (with key, when given), one currency, one affiliate."""
    admin = {"id": "5f2a9e0c1d2b3c4d5e6f7a01", "role": "admin"}
    if key:
        admin["api_key"] = key
    document = {"managers": [admin],
                "currencies": [{"id": 1, "code": "USD", "rate": "1", "default": True}],
                "affiliates": [{"id": 2, "email": "a@example.com"}]}
    if now:
        document["now"] = now
    return document
