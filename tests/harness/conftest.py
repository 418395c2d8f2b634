"""Harness tests: a live in-thread server on its own database, for faults that need a socket."""

from __future__ import annotations

import pytest

from mock_affise.testing_server import serve_in_thread
from tests.conftest import SUITE_FIXTURE, fresh_database_url


@pytest.fixture
def live_server(tmp_path):
    """Serve the suite's document on a free port from a thread; yield its base URL and app."""
    with serve_in_thread({"DATABASE_URL": fresh_database_url(tmp_path / "live.db"),
                          "FIXTURES": str(SUITE_FIXTURE)}) as served:
        yield served
