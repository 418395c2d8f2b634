"""Running `mock-affise serve` as a real subprocess in tests: start, wait, stop."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

READY_SECONDS = 15


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mock_affise_command() -> list[str]:
    """Return the argv that runs the installed console script (or the module, without one)."""
    script = Path(sys.executable).with_name("mock-affise")
    if script.exists():
        return [str(script)]
    found = shutil.which("mock-affise")
    return [found] if found else [sys.executable, "-m", "mock_affise.cli"]


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


class Server:
    """One `mock-affise serve` subprocess, its output kept in files (no pipe to fill up)."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.stdout_path = cwd / f"serve-{id(self)}.out"
        self.stderr_path = cwd / f"serve-{id(self)}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            # A session of its own: stopping it reaches gunicorn's workers too.
            self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err,
                                            start_new_session=True)

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def banner(self, label: str) -> str:
        match = re.search(rf"^{re.escape(label)}: (.*)$", self.stdout, re.MULTILINE)
        assert match, f"no {label!r} line in:\n{self.stdout}"
        return match.group(1)

    @property
    def url(self) -> str:
        match = re.search(r"^mock-affise serving (\S+)$", self.stdout, re.MULTILINE)
        assert match, self.stdout
        return match.group(1)

    @property
    def admin_key(self) -> str:
        return self.banner("admin API key")

    def wait_ready(self, port: int | None = None) -> None:
        """Wait for the banner, then poll /_mock/health until it answers 200.

        Without a port, the one the banner names is polled (serve --port 0).
        """
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.stderr}")
            if "admin API key:" in self.stdout:
                target = port or int(self.url.rsplit(":", 1)[1])
                try:
                    status, _ = http_get(f"http://127.0.0.1:{target}/_mock/health")
                except (OSError, ValueError):
                    status = None
                if status == 200:
                    return
            time.sleep(0.1)
        pytest.fail(f"not ready within {READY_SECONDS} s:\n{self.stdout}\n{self.stderr}")

    def stop(self) -> int:
        """Stop gunicorn gracefully (SIGTERM), forcibly after 10 s; return the exit status."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        return self.process.wait()


@pytest.fixture
def start(tmp_path):
    """Start `mock-affise serve` with the given arguments; every server is stopped afterwards."""
    servers: list[Server] = []

    def run(*args: str, env: dict[str, str] | None = None, argv: list[str] | None = None,
            port: int | None = None) -> Server:
        command = argv if argv is not None else [*mock_affise_command(), "serve", *args]
        server = Server(command, tmp_path, env if env is not None else clean_environment())
        servers.append(server)
        server.wait_ready(port)
        return server

    yield run
    for server in servers:
        server.stop()
