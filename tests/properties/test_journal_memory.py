"""300 megabyte parameters leave the journal, its answer and the worker's memory small."""

from __future__ import annotations

import os
import resource

import pytest

from tests.harness.journal_flood import MEGABYTE, PER_CALL, flood, stored_bytes

LONG = os.environ.get("MOCK_AFFISE_FUZZ") == "long"


@pytest.mark.slow
@pytest.mark.skipif(not LONG, reason="minutes long: make fuzz runs it (MOCK_AFFISE_FUZZ=long)")
def test_300_megabyte_parameters_keep_the_journal_bounded(make_app):
    app = make_app()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    answered = flood(app, 300)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert stored_bytes(app) < 300 * PER_CALL
    assert answered < 300 * PER_CALL
    # Unbounded, the journal held 300 MB and its answer as much again; now a few requests'
    # worth of megabytes at a time is all the process ever holds.
    assert grown * 1024 < 64 * MEGABYTE
