"""Services on a SQLAlchemy session, no HTTP: a database per test seeded from a document."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from mock_affise.clock import tenant_now
from mock_affise.db import Database
from mock_affise.fixtures import create_tenant, validate
from mock_affise.models import Tenant


class Network:
    """One seeded tenant; `open()` gives a session, its locked tenant row and the tenant clock."""

    def __init__(self, db: Database, tenant_id: int) -> None:
        self.db = db
        self.tenant_id = tenant_id

    @contextmanager
    def open(self) -> Iterator[tuple[Session, Tenant, datetime]]:
        """Yield (session, tenant, now) in one write transaction, committed on success."""
        with self.db.transaction(write=True) as session:
            tenant = session.get(Tenant, self.tenant_id)
            yield session, tenant, tenant_now(tenant)


@pytest.fixture
def network() -> Iterator[Callable[[dict[str, Any]], Network]]:
    """Return a factory seeding a fresh in-memory database with one document."""
    databases: list[Database] = []

    def seed(document: dict[str, Any]) -> Network:
        db = Database("sqlite://")
        db.create_schema()
        databases.append(db)
        with db.transaction(write=True) as session:
            tenant_id = create_tenant(session, validate(document))["tenant"]
        return Network(db, tenant_id)

    yield seed
    for db in databases:
        db.engine.dispose()
