"""`mock-affise serve` refusing to start on a port that is taken, before touching the database."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from mock_affise import cli

from .serving import clean_environment
from .test_cli import run_command


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another program listens on for the whole test."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def _refusal(port: int) -> str:
    return (f"mock-affise: not serving: port {port} is already in use on 127.0.0.1; pick another "
            "port with --port or MOCK_AFFISE_PORT (0 picks any free one)\n")


@pytest.mark.serve
def test_a_taken_port_is_named_at_once_and_no_database_is_made(taken_port, tmp_path):
    database = tmp_path / "mock.db"

    result = run_command("serve", "--port", str(taken_port), "--database",
                         f"sqlite:///{database}", cwd=tmp_path)

    assert (result.returncode, result.stdout, result.stderr) == (1, "", _refusal(taken_port))
    assert not database.exists()
    assert not list(tmp_path.iterdir())


@pytest.mark.serve
def test_a_taken_port_from_the_environment_is_refused_alike(taken_port, tmp_path):
    result = run_command("serve", env=clean_environment(MOCK_AFFISE_PORT=str(taken_port)),
                         cwd=tmp_path)

    assert (result.returncode, result.stderr) == (1, _refusal(taken_port))
    assert not (tmp_path / "mock-affise.db").exists()


def test_a_host_that_cannot_be_listened_on_is_named(monkeypatch, capsys, tmp_path):
    for name in [name for name in os.environ if name.startswith("MOCK_AFFISE_")]:
        monkeypatch.delenv(name)
    database = tmp_path / "mock.db"

    # 192.0.2.1 is TEST-NET-1: never an address of this machine.
    status = cli.main(["serve", "--host", "192.0.2.1", "--port", "8080",
                       "--database", f"sqlite:///{database}"])

    assert status == 1
    assert capsys.readouterr().err == (
        "mock-affise: not serving: cannot listen on 192.0.2.1:8080: Cannot assign requested "
        "address; check --host (MOCK_AFFISE_HOST) and --port (MOCK_AFFISE_PORT)\n")
    assert not database.exists()
