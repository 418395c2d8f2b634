"""Shared test fixtures: an app per test on the default fixture, or on a document of its own."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from mock_affise import create_app

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURE = ROOT / "fixtures" / "default.json"
ADMIN_KEY = "0123456789abcdef0123456789abcdef"
MANAGER_KEY = "abcdefabcdefabcdefabcdefabcdef01"
AFFILIATE_KEYS = {aid: f"aff{aid}" * 8 for aid in (2, 3, 4, 5, 6)}
AFFISE_SPEC = ROOT.parent / "shared" / "affise-spec"


def test_database_url() -> str:
    """The database under test: in-memory SQLite unless MOCK_AFFISE_TEST_DATABASE_URL is set."""
    return os.environ.get("MOCK_AFFISE_TEST_DATABASE_URL", "sqlite://")


test_database_url.__test__ = False  # not a test, despite its name


@pytest.fixture
def default_document() -> dict:
    """A fresh copy of fixtures/default.json."""
    return json.loads(DEFAULT_FIXTURE.read_text())


@pytest.fixture
def make_app(tmp_path):
    """Build an app seeded from a document (a dict), the default fixture when none is given."""
    apps = []

    def build(document: dict | None = None, **config):
        settings = {"DATABASE_URL": test_database_url()}
        if document is not None:
            path = tmp_path / f"fixture-{len(apps)}.json"
            path.write_text(json.dumps(copy.deepcopy(document)))
            settings["FIXTURES"] = str(path)
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
