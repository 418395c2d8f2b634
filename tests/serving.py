"""Running `mock-affise serve` as a real subprocess in tests: start, wait, stop."""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mock_affise.testing_server import ServerProcess, mock_affise_command

# Only a bound on a hang: a busy machine may take a while to seed a large fixture before the
# banner, and a healthy server is never waited for longer than it needs.
READY_SECONDS = 60

__all__ = ["Server", "clean_environment", "free_port", "http_get", "mock_affise_command",
           "start"]


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_environment(**extra: str) -> dict[str, str]:
    """The test process's environment without MOCK_AFFISE_* settings, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCK_AFFISE_")}
    env.update(extra)
    return env


def http_get(url: str, key: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"API-Key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Server(ServerProcess):
    """One `mock-affise serve` subprocess whose banner a test reads (failing when it is absent)."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        super().__init__(argv, cwd, env=env, cwd=cwd)

    def banner(self, label: str) -> str:
        found = self.line(label)
        assert found is not None, f"no {label!r} line in:\n{self.stdout}"
        return found

    @property
    def url(self) -> str:
        found = super().url
        assert found, self.stdout
        return found

    @property
    def admin_key(self) -> str:
        return self.banner("admin API key")

    def wait_ready(self, port: int | None = None) -> None:
        """Wait for the banner, then poll /_mock/health until it answers 200.

        Without a port, the one the banner names is polled (serve --port 0).
        """
        deadline = time.monotonic() + READY_SECONDS
        if not self.wait_for_banner(READY_SECONDS):
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.stderr}")
            pytest.fail(f"no banner within {READY_SECONDS} s:\n{self.stdout}\n{self.stderr}")
        target = port or self.host_port[1]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.stderr}")
            try:
                status, _ = http_get(f"http://127.0.0.1:{target}/_mock/health")
            except (OSError, ValueError):
                status = None
            if status == 200:
                return
            time.sleep(0.1)
        pytest.fail(f"not ready within {READY_SECONDS} s:\n{self.stdout}\n{self.stderr}")


@pytest.fixture
def start(tmp_path):
    """Start `mock-affise serve` with the given arguments; every server is stopped afterwards."""
    servers: list[Server] = []

    def run(*args: str, env: dict[str, str] | None = None, argv: list[str] | None = None,
            port: int | None = None) -> Server:
        command = argv if argv is not None else mock_affise_command("serve", *args)
        server = Server(command, tmp_path, env if env is not None else clean_environment())
        servers.append(server)
        server.wait_ready(port)
        return server

    yield run
    for server in servers:
        server.stop()
