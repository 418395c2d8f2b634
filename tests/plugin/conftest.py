"""What the plugin's tests share: modules imported before pytester's in-process runs."""

from __future__ import annotations

import importlib

import pytest

# What an inner run's servers, sessions and intercepts use. httpcore too: httpx imports it on
# its first transport, and keeps a map of its exception classes from then on. Imported first
# by an inner run, it would be forgotten after it (pytester drops the modules a run imported),
# and a later import's classes would escape that map: httpx would then raise httpcore's own
# errors, not its own, and a client catching httpx's (the importer retrying a dropped
# connection) would not catch them.
OUTLIVE_INNER_RUNS = ("requests", "httpx", "httpcore", "responses", "werkzeug.serving",
                      "mock_affise.app", "mock_affise.interception")


@pytest.fixture(autouse=True)
def modules_outlive_inner_runs() -> None:
    """Import what an inner run uses before any run starts: pytester forgets the modules an
    in-process run imported, and a second import beside objects of the first breaks requests
    (two cookie-jar classes), httpx (see OUTLIVE_INNER_RUNS) and SQLAlchemy's compiled parts."""
    for name in OUTLIVE_INNER_RUNS:
        importlib.import_module(name)
