"""Shared test fixtures: an app per test on the suite's document, or on a document of its own."""

from __future__ import annotations

import copy
import functools
import json
import os
from pathlib import Path

import pytest

from mock_affise import create_app

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURE = ROOT / "fixtures" / "default.json"
# The network most tests compute their numbers from: the default fixture as it was before it was
# reshaped around the help-center article, kept so those hand-computed numbers stay true.
SUITE_FIXTURE = Path(__file__).resolve().parent / "suite_fixture.json"
ADMIN_KEY = "0123456789abcdef0123456789abcdef"
# The default fixture's admin key: the one the help-center billing article prints.
DEFAULT_ADMIN_KEY = "5c9f6bbe709c5b331a9630b1fb1db0ed"
MANAGER_KEY = "abcdefabcdefabcdefabcdefabcdef01"
AFFILIATE_KEYS = {aid: f"aff{aid}" * 8 for aid in (2, 3, 4, 5, 6)}
AFFISE_SPEC = ROOT.parent / "shared" / "affise-spec"


SERVER_URL = os.environ.get("MOCK_AFFISE_TEST_DATABASE_URL")
# MOCK_AFFISE_TEST_SQLITE=file: every app on an SQLite file, as `serve` runs (the journal's
# writer thread, the write gate and the change counter only exist there).
SQLITE_FILES = os.environ.get("MOCK_AFFISE_TEST_SQLITE") == "file"


def fresh_database_url(shared_path: Path | None = None) -> str:
    """Return an empty database for one app.

    With MOCK_AFFISE_TEST_DATABASE_URL set (PostgreSQL in CI), that server database, emptied;
    otherwise in-memory SQLite, or an SQLite file at shared_path when the test needs several
    connections (threads, a live server).
    """
    if not SERVER_URL:
        return f"sqlite:///{shared_path}" if shared_path else "sqlite://"
    url = _worker_database(SERVER_URL)
    with _emptying_engine(url).begin() as connection:
        connection.exec_driver_sql(_emptying_sql(connection))
    return url


@functools.cache
def _emptying_engine(url: str):
    """One engine a worker empties its database with; the first use gives it today's schema."""
    from sqlalchemy import create_engine

    from mock_affise.models import Base

    engine = create_engine(url, pool_size=1)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    return engine


_EMPTYING: list[str] = []


def _emptying_sql(connection) -> str:
    """DELETE every table's rows (children first) and restart the sequences, as one batch.

    Not TRUNCATE: on a schema this size TRUNCATE costs about 150 ms an app, DELETE of a
    test's few rows about 2 ms.
    """
    if not _EMPTYING:
        from mock_affise.models import Base

        sequences = connection.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
            " FROM pg_sequences WHERE schemaname = current_schema()").scalars().all()
        statements = [f'DELETE FROM "{table.name}"'
                      for table in reversed(Base.metadata.sorted_tables)]
        if sequences:
            statements.append("SELECT " + ", ".join(
                f"setval('{name}', 1, false)" for name in sequences))
        _EMPTYING.append("; ".join(statements))
    return _EMPTYING[0]


@functools.cache
def _worker_database(url: str) -> str:
    """Give each pytest-xdist worker a database of its own on the server (made on first use)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": own.database})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked first (those that take seconds) before the rest, keeping each
    group's order: a worker that drew one of them last would run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("first") is None)


@pytest.fixture
def default_document() -> dict:
    """A fresh copy of the suite's document (tests/suite_fixture.json)."""
    return json.loads(SUITE_FIXTURE.read_text())


@pytest.fixture
def make_app(tmp_path):
    """Build an app seeded from a document (a dict), the suite's document when none is given."""
    apps = []

    def build(document: dict | None = None, shared: bool = False, **config):
        """shared=True: a database several connections can use at once (threads)."""
        path = tmp_path / f"app-{len(apps)}.db"
        settings = {"DATABASE_URL": fresh_database_url(
            path if shared or SQLITE_FILES else None)}
        if document is not None:
            path = tmp_path / f"fixture-{len(apps)}.json"
            path.write_text(json.dumps(copy.deepcopy(document)))
            settings["FIXTURES"] = str(path)
        else:
            settings["FIXTURES"] = str(SUITE_FIXTURE)
        settings.update(config)
        app = create_app(settings)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["mock_affise"].db.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(client):
    """A client that sends the admin key as Affise's API-Key header."""
    return KeyedClient(client, ADMIN_KEY)


class KeyedClient:
    """Wraps a Flask test client, adding an API-Key header to each call."""

    def __init__(self, client, key: str):
        self.client = client
        self.key = key

    def _call(self, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("API-Key", self.key)
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self._call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self._call("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self._call("DELETE", path, **kwargs)


def test_database_url() -> str:
    """An empty database for one app (see fresh_database_url)."""
    return fresh_database_url()


test_database_url.__test__ = False  # a helper, despite its name


from tests.serving import start  # noqa: E402, F401  (the serve-subprocess fixture, for every test)
