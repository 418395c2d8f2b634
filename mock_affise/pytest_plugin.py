"""pytest plugin: one live mock-affise server per session, and a fresh tenant for every test.

Installing the package registers it (pytest11 entry point). Fixtures:

- ``mock_affise_server`` (session): the server, a mock_affise.client.MockAffise. By default it
  runs in a thread of the test process, on 127.0.0.1 and a free port, over a temporary SQLite
  file. With MOCK_AFFISE_URL set, no thread starts and every fixture talks to that server
  instead (a container in CI); MOCK_AFFISE_CONTROL_TOKEN, when set, goes with every /_mock call
  as X-Mock-Control-Token.
- ``affise`` (function): a tenant of its own (mock_affise.client.AffiseTenant), made from the
  test's fixture document and dropped after the test.
- ``affise_fixture_document`` (function, override it): the document for ``affise``; None means
  the server's default. The marker ``@pytest.mark.affise_fixture(document_or_path)`` wins over it.
- ``mock_affise_settings`` (session, override it): extra create_app settings for the in-thread
  server, e.g. ``{"STRICT": True}``.
- ``mock_affise_intercept_url`` (session, override it; default MOCK_AFFISE_INTERCEPT or None):
  with a URL, the session runs intercepted: no thread and no socket, the app answers calls to
  that URL in-process (mock_affise.intercept) and ``affise`` talks to it there.
- ``affise_intercept`` (function): calls to the intercept URL (default DEFAULT_INTERCEPT_URL)
  go to the in-process app during the test; ``affise`` takes it in intercepted mode.
- ``mock_affise_intercept_options`` (session, override it): options for the interception, e.g.
  ``{"others": "refuse"}`` to refuse every other host.

The fixtures are a thin layer: the client lives in mock_affise.client, the in-thread server in
mock_affise.testing_server. Importing this module loads only pytest and the client's standard
library part: requests, werkzeug and the app load when a fixture first needs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .client import (
    AffiseTenant,
    Document,
    DocumentError,
    MockAffise,
    MockAffiseControlError,
    api_session,
    resolve_document,
)

if TYPE_CHECKING:
    from .interception import Intercept

# The names this module has always offered: a user's conftest may import them from here.
AffiseServer = MockAffise
__all__ = ["AffiseServer", "AffiseTenant", "MockAffise", "MockAffiseControlError", "api_session"]

URL_VARIABLE = "MOCK_AFFISE_URL"
INTERCEPT_VARIABLE = "MOCK_AFFISE_INTERCEPT"
DEFAULT_INTERCEPT_URL = "https://api-mock.affise.com"
TOKEN_VARIABLE = "MOCK_AFFISE_CONTROL_TOKEN"
MARKER = "affise_fixture"
# An external server (a container) may still be starting when the session begins.
EXTERNAL_WAIT_SECONDS = 10.0


def pytest_configure(config: pytest.Config) -> None:
    """Register the affise_fixture marker, so --strict-markers accepts it."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(document): the fixture document for the test's `affise` tenant: a dict, or "
        "the path of a JSON/YAML file (relative paths start at the test file's directory)",
    )


@pytest.fixture(scope="session")
def mock_affise_settings() -> dict[str, Any]:
    """Extra create_app settings for the in-thread server (override to change them)."""
    return {}


@pytest.fixture(scope="session")
def mock_affise_intercept_url() -> str | None:
    """The Affise URL the session intercepts in-process (None: a live server; override)."""
    return os.environ.get(INTERCEPT_VARIABLE) or None


@pytest.fixture(scope="session")
def mock_affise_intercept_options() -> dict[str, Any]:
    """Options for mock_affise.intercept, e.g. {"others": "refuse"} (override to change them)."""
    return {}


@pytest.fixture(scope="session")
def mock_affise_server(tmp_path_factory: pytest.TempPathFactory,
                       mock_affise_settings: dict[str, Any],
                       mock_affise_intercept_url: str | None) -> Iterator[MockAffise]:
    """The mock for this session: in a thread, in-process intercepted, or MOCK_AFFISE_URL's."""
    token = os.environ.get(TOKEN_VARIABLE) or None
    external = os.environ.get(URL_VARIABLE)
    if external:
        with MockAffise(external, token) as server:
            server.wait_until_ready(EXTERNAL_WAIT_SECONDS)
            yield server
        return
    if mock_affise_intercept_url:
        from . import create_app

        # No DATABASE_URL: one in-memory database, as nothing but this process reaches it.
        app = create_app(mock_affise_settings)
        with MockAffise(mock_affise_intercept_url, token, app) as server:
            yield server
        app.extensions["mock_affise"].db.dispose()
        return
    from .testing_server import serve_in_thread

    # A file, not memory: every server thread then gets a connection of its own.
    database = tmp_path_factory.mktemp("mock-affise") / "mock-affise.db"
    settings = {"DATABASE_URL": f"sqlite:///{database.as_posix()}", **mock_affise_settings}
    with serve_in_thread(settings) as (url, app), MockAffise(url, token, app) as server:
        yield server


@pytest.fixture
def affise_fixture_document() -> Document | None:
    """The fixture document for the test's tenant: None for the server's default (override)."""
    return None


@pytest.fixture
def affise_intercept(mock_affise_server: MockAffise, mock_affise_intercept_url: str | None,
                     mock_affise_intercept_options: dict[str, Any]) -> Iterator[Intercept]:
    """Answer calls to the intercept URL with the session's in-process app during this test."""
    from .interception import Intercept

    if mock_affise_server.app is None:
        pytest.fail(f"affise_intercept needs the mock in this process; {URL_VARIABLE} names "
                    f"an external server ({mock_affise_server.url})", pytrace=False)
    url = mock_affise_intercept_url or DEFAULT_INTERCEPT_URL
    with Intercept(url, mock_affise_server.app, **mock_affise_intercept_options) as active:
        yield active


@pytest.fixture
def affise(request: pytest.FixtureRequest, mock_affise_server: MockAffise,
           affise_fixture_document: Document | None,
           mock_affise_intercept_url: str | None) -> Iterator[AffiseTenant]:
    """A fresh tenant for this test, dropped after it."""
    if mock_affise_intercept_url and mock_affise_server.url == mock_affise_intercept_url.rstrip("/"):
        request.getfixturevalue("affise_intercept")  # the tenant lives behind the intercept
    base_dir = request.path.parent
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if len(marker.args) + len(marker.kwargs) != 1 or set(marker.kwargs) - {"document"}:
            pytest.fail(f"@pytest.mark.{MARKER} takes one argument: a dict or a path",
                        pytrace=False)
        chosen = marker.args[0] if marker.args else marker.kwargs["document"]
        origin = f"@pytest.mark.{MARKER}"
    else:
        chosen, origin = affise_fixture_document, "affise_fixture_document"
    document = _checked(chosen, base_dir, origin)
    with mock_affise_server.create_tenant(document, base_dir) as tenant:
        yield tenant


def _checked(document: Any, base_dir: Path, origin: str) -> Document | None:
    """Return the document with its path made absolute; fail the test's set-up when unusable."""
    try:
        return resolve_document(document, base_dir, origin)
    except DocumentError as exc:
        pytest.fail(str(exc), pytrace=False)
