"""Random tenant, snapshot, reset, restore and partner-create sequences never share a key."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from mock_affise import create_app
from mock_affise.models import Affiliate, Manager
from tests.budget import LONG, examples
from tests.conftest import fresh_database_url

# A handful of keys, so documents and restores keep asking for keys someone holds.
POOL = [f"{n:032x}" for n in range(1, 3)]
keys = st.one_of(st.sampled_from(POOL), st.none())
KEYLESS = {"offers": []}  # a reset to it lets go of every key the tenant held


@st.composite
def documents(draw):
    """A small tenant document whose keys come from the pool (or are left to the mock)."""
    manager_key, *affiliate_keys = draw(st.lists(keys, min_size=1, max_size=3))
    document = {"managers": [{"id": "5f2a9e0c1d2b3c4d5e6f7a01", "role": "admin",
                              "api_key": manager_key}],
                "affiliates": [{"id": n, "email": f"p{n}@example.com", "api_key": key}
                               for n, key in enumerate(affiliate_keys, start=1)]}
    taken = [k for k in [manager_key, *affiliate_keys] if k is not None]
    if len(set(taken)) != len(taken):  # a document repeating a key is refused: covered elsewhere
        for row in document["managers"] + document["affiliates"]:
            row["api_key"] = None
    return document


class KeyHolders(RuleBasedStateMachine):
    """Every write path that hands out keys, in any order, across several tenants."""

    tenants = Bundle("tenants")

    app = None  # one app for every example (building one is most of an example's time)

    @initialize()
    def start(self):
        if KeyHolders.app is None:
            KeyHolders.app = create_app({"DATABASE_URL": fresh_database_url(), "SEED": False})
        self.http = self.app.test_client()
        for listed in self.http.get("/_mock/tenants").json["tenants"]:  # the last example's
            assert self.http.delete(f"/_mock/tenants/{listed['tenant']}").status_code == 200
        self.admin: dict[int, str] = {}
        self.snapshots: dict[int, set[str]] = {}
        self.partners = 0

    def _key(self, tenant: int) -> dict[str, str]:
        return {"API-Key": self.admin[tenant]}

    def _keep_admin(self, tenant: int) -> None:
        answer = self.http.get(f"/_mock/tenants/{tenant}/keys")
        assert answer.status_code == 200, answer.json
        self.admin[tenant] = answer.json["api_keys"]["admin"]

    @rule(target=tenants, document=documents())
    def create(self, document):
        made = self.http.post("/_mock/tenants", json=document)
        assert made.status_code == 200, made.json
        tenant = made.json["tenant"]
        self.admin[tenant] = made.json["api_keys"]["admin"]
        self.snapshots[tenant] = set()
        self.snapshot(tenant, "a")  # every tenant starts with something to restore
        return tenant

    @rule(tenant=tenants, name=st.sampled_from(["a", "b"]))
    def snapshot(self, tenant, name):
        saved = self.http.post("/_mock/snapshots", headers=self._key(tenant), json={"name": name})
        assert saved.status_code == 200, saved.json
        self.snapshots[tenant].add(name)

    @rule(tenant=tenants, document=st.one_of(st.none(), st.just(KEYLESS), documents()))
    def reset(self, tenant, document):
        answer = self.http.post("/_mock/reset", headers=self._key(tenant), json=document or {})
        assert answer.status_code in (200, 409), answer.json
        if answer.status_code == 409:
            assert answer.json["message"].startswith("API keys taken by another tenant: ")
        self._keep_admin(tenant)

    @rule(tenant=tenants, name=st.sampled_from(["a", "b"]))
    def restore(self, tenant, name):
        answer = self.http.post(f"/_mock/snapshots/{name}/restore", headers=self._key(tenant))
        if name not in self.snapshots[tenant]:
            assert answer.status_code == 404, answer.json
            return
        assert answer.status_code in (200, 409), answer.json
        if answer.status_code == 409:
            assert answer.json["message"].startswith("API keys taken by another tenant: ")
        self._keep_admin(tenant)

    @rule(tenant=tenants)
    def create_partner(self, tenant):
        self.partners += 1
        made = self.http.post("/3.0/admin/partner", headers=self._key(tenant), data={
            "email": f"new{self.partners}@example.com", "password": "s3cret", "country": "us"})
        assert made.status_code == 200, made.json

    @invariant()
    def every_key_has_exactly_one_holder(self):
        if not hasattr(self, "http"):
            return
        with self.app.extensions["mock_affise"].db.transaction() as session:
            held = list(session.scalars(select(Manager.api_key)))
            held += list(session.scalars(select(Affiliate.api_key)))
        assert [k for k, n in Counter(held).items() if n > 1] == []

    @invariant()
    def every_admin_key_reaches_its_own_tenant(self):
        for tenant, key in getattr(self, "admin", {}).items():
            assert self.http.get("/_mock/keys", headers={"API-Key": key}).json["tenant"] == tenant


@pytest.mark.first
def test_no_key_ever_has_two_holders():
    try:
        run_state_machine_as_test(KeyHolders, settings=settings(
            max_examples=examples(15, long=300), stateful_step_count=20 if LONG else 8,
            deadline=None, suppress_health_check=[HealthCheck.too_slow]))
    finally:
        if KeyHolders.app is not None:
            KeyHolders.app.extensions["mock_affise"].db.dispose()
            KeyHolders.app = None
