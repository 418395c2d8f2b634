"""Harness tests: a live in-thread server on a file database, for faults that need a socket."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from mock_affise import create_app
from tests.conftest import fresh_database_url


@pytest.fixture
def live_server(tmp_path):
    """Serve the default fixture on a free port from a thread; yield its base URL and app."""
    app = create_app({"DATABASE_URL": fresh_database_url(tmp_path / "live.db")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["mock_affise"].db.dispose()
