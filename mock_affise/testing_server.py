"""The one way tests, the benchmark and the pytest plugin start a mock: in a thread, or a process.

serve_in_thread runs create_app(settings) under werkzeug in a thread of this process (what the
pytest plugin and the in-process tests use); ServerProcess runs a server command (`mock-affise
serve`, or the benchmark's bare app) as a subprocess and reads its banner. Nothing here is
imported by the mock itself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

SERVE_BANNER = "mock-affise serving"
KEY_LINE = "admin API key"
STOP_SECONDS = 10


@contextmanager
def serve_in_thread(settings: Mapping[str, Any]) -> Iterator[tuple[str, Flask]]:
    """Serve create_app(settings) on 127.0.0.1 and a free port in a thread; yield URL and app."""
    from . import create_app

    app = create_app(settings)
    try:
        with serve_wsgi_in_thread(app) as url:
            yield url, app
    finally:
        app.extensions["mock_affise"].db.dispose()


@contextmanager
def serve_wsgi_in_thread(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 and a free port in a thread, as the plugin does; yield URL.

    The benchmark serves its bare Flask floor through this too, so both pay the same server.
    """
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        # Keep-alive: a test's calls reuse one connection instead of a TCP handshake each.
        protocol_version = "HTTP/1.1"

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Skip the access log: the tenant's journal records every call."""

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    # A short poll interval: shutdown() waits for the loop's next look at its flag.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"mock-affise-{server.port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=STOP_SECONDS)
        server.server_close()


def mock_affise_command(*args: str) -> list[str]:
    """Return the argv running the mock-affise console script beside this Python (else the module)."""
    script = Path(sys.executable).with_name("mock-affise")
    if script.exists():
        return [str(script), *args]
    found = shutil.which("mock-affise")
    return [found, *args] if found else [sys.executable, "-m", "mock_affise.cli", *args]


class ServerProcess:
    """A server command run as a subprocess, its output kept in files (no pipe to fill up).

    The server prints `BANNER URL` once it listens (and, for mock-affise, its admin key);
    stop() ends its whole process group, gunicorn's workers included.
    """

    def __init__(self, argv: Sequence[str], output_dir: Path, *, name: str = "serve",
                 env: Mapping[str, str] | None = None, cwd: Path | None = None,
                 banner: str = SERVE_BANNER) -> None:
        self.banner_text = banner
        self.stdout_path = output_dir / f"{name}-{id(self)}.out"
        self.stderr_path = output_dir / f"{name}-{id(self)}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                list(argv), cwd=cwd, env=dict(env) if env is not None else None, stdout=out,
                stderr=err, start_new_session=True)

    @property
    def stdout(self) -> str:
        """Everything the server printed so far."""
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        """Everything the server logged so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def line(self, label: str) -> str | None:
        """Return what follows `label: ` on the server's output, or None before it is printed."""
        match = re.search(rf"^{re.escape(label)}: (.*)$", self.stdout, re.MULTILINE)
        return match.group(1) if match else None

    def banner_url(self) -> str | None:
        """Return the URL the banner names, or None before it is printed."""
        match = re.search(rf"^{re.escape(self.banner_text)} (\S+)$", self.stdout, re.MULTILINE)
        return match.group(1) if match else None

    @property
    def url(self) -> str | None:
        """The URL the banner names, or None before it is printed."""
        return self.banner_url()

    @property
    def admin_key(self) -> str | None:
        """The admin key mock-affise printed, or None (not yet, or not mock-affise)."""
        return self.line(KEY_LINE)

    @property
    def host_port(self) -> tuple[str, int]:
        """The host and port the banner names."""
        url = self.banner_url()
        if url is None:
            raise RuntimeError(f"no {self.banner_text!r} line yet")
        host, port = url.split("://", 1)[1].rsplit(":", 1)
        return host.strip("[]"), int(port)

    def wait_for_banner(self, seconds: float) -> bool:
        """Wait until the banner (and mock-affise's key line) is out; False on exit or timeout."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            if self.banner_url() is not None and (self.banner_text != SERVE_BANNER
                                                  or self.line(KEY_LINE) is not None):
                return True
            time.sleep(0.02)
        return self.banner_url() is not None and self.process.poll() is None

    def stop(self) -> int:
        """Stop the server gracefully (SIGTERM), forcibly after a while; return its exit status."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_SECONDS)
            except ProcessLookupError:
                pass
        return self.process.wait()
