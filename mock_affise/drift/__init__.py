"""Compare the shapes of Affise's answers with a mock's (`mock-affise drift`).

shapes: an answer's shape and the differences between two; probes: the GET operations asked
of both sides, and the report. started_mock serves a mock seeded with a document (by default
an import of the same network) for as long as the comparison runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .probes import Probe, Report, probes, render_table, run_probes
from .shapes import Difference, compare, shape_of

__all__ = ["Difference", "Probe", "Report", "compare", "probes", "render_table", "run_probes",
           "shape_of", "started_mock"]


@contextmanager
def started_mock(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Serve a mock seeded with document on 127.0.0.1; yield its URL and admin key."""
    from ..fixturegen import dump_fixture
    from ..harness.tenants import first_tenant_keys
    from ..testing_server import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="mock-affise-drift-") as folder:
        fixture = Path(folder) / "network.json"
        fixture.write_bytes(dump_fixture(document))
        settings = {"DATABASE_URL": f"sqlite:///{Path(folder, 'mock.db').as_posix()}",
                    "FIXTURES": str(fixture)}
        with serve_in_thread(settings) as (url, app):
            keys = first_tenant_keys(app.extensions["mock_affise"].db)
            yield url, keys["admin"]
