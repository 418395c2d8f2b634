"""Import tests: a mock seeded with generated data plays Affise, over a real socket.

The network is large enough that every list takes more than one page at the page size the
tests import with (PAGE_SIZE), so pagination is exercised on partners, conversions and
invoices alike.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_affise.cli import main
from mock_affise.client import AffiseTenant, MockAffise
from mock_affise.fixturegen import generate_fixture
from mock_affise.testing_server import serve_in_thread

PAGE_SIZE = 7
PERIOD = ("--from", "2023-12-01", "--to", "2024-06-15")


@pytest.fixture(scope="module")
def network() -> dict[str, Any]:
    """The upstream's document: 30 affiliates, 300 conversions, 8 invoices, referrals."""
    return generate_fixture(30, 300, seed=16, currencies=3, invoices=8)


def _server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[MockAffise]:
    # Each its own SQLite file, whatever database the suite runs on: two servers live at once
    # here, and the suite's server database is one per worker (emptied for each app).
    database = tmp_path_factory.mktemp(name) / "mock.db"
    with serve_in_thread({"DATABASE_URL": f"sqlite:///{database.as_posix()}", "SEED": False}) as (
            url, app), MockAffise(url, app=app) as server:
        yield server


@pytest.fixture(scope="module")
def upstream_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockAffise]:
    """The mock that plays Affise."""
    yield from _server(tmp_path_factory, "upstream")


@pytest.fixture(scope="module")
def mirror_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockAffise]:
    """The mock an import seeds."""
    yield from _server(tmp_path_factory, "mirror")


@pytest.fixture
def upstream(upstream_server: MockAffise, network: dict[str, Any]) -> Iterator[AffiseTenant]:
    """A fresh tenant of the generated network, its journal empty."""
    with upstream_server.create_tenant(network) as tenant:
        yield tenant


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run mock-affise with argv; return its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def import_args(tenant: AffiseTenant, output: Path, *extra: str) -> list[str]:
    """The import command line for tenant, at the tenant's frozen time, fast and small-paged."""
    return ["import", "--url", tenant.url, "--key", tenant.admin_key, *PERIOD,
            "--now", tenant.clock()["now"], "--page-size", str(PAGE_SIZE), "--rate", "1000",
            "--window-days", "30", "--output", str(output), *extra]


def imported(tenant: AffiseTenant, output: Path, *extra: str) -> dict[str, Any]:
    """Import tenant's network to output; return the document."""
    code, _, err = run_cli(*import_args(tenant, output, *extra))
    assert code == 0, err
    return json.loads(output.read_text(encoding="utf-8"))
