"""Run the mock under gunicorn, configured in code: no config file, no gunicorn command line."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from .serving_worker import WaitressWorker


def bind_address(host: str, port: int) -> str:
    """Return gunicorn's bind string for host and port (IPv6 hosts in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def listen_error(host: str, port: int) -> OSError | None:
    """Return the error gunicorn would meet listening on host and port, or None."""
    address = host.strip("[]")
    # The socket gunicorn would make: IPv6 for an IPv6 literal, else IPv4; SO_REUSEADDR, so a
    # port left in TIME_WAIT by an earlier run counts as free, as it does for gunicorn.
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((address, port))
    except OSError as exc:
        return exc
    return None


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """Return the gunicorn settings the mock runs with."""
    options: dict[str, Any] = {
        "bind": [bind_address(host, port)],
        "workers": workers,
        # Not gunicorn's own workers: sync serves one request at a time, and gthread hands a
        # connection to a thread before its request is read, so a few clients sending their
        # headers slowly (or less body than their Content-Length) hold every thread and stall
        # everyone. The waitress worker reads whole requests first; see serving_worker.
        "worker_class": WaitressWorker,
        "errorlog": "-",
        "loglevel": "info",
        # The default control socket is one fixed path under $HOME: two servers (parallel test
        # runs, or a user's own gunicorn) would fight over it, and the mock does not need it.
        "control_socket_disable": True,
    }
    # The worker heartbeat is an fchmod on a temporary file; on a disk-backed /tmp (as in many
    # containers) that can block a worker, so use memory when the host has it.
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        options["worker_tmp_dir"] = "/dev/shm"
    return options


class MockAffiseServer(BaseApplication):
    """A gunicorn application whose workers get their Flask app from app_factory.

    With preload the factory runs once, in the master, and the workers are forked with the app
    in them; otherwise each worker calls it after the fork, so no database connection is ever
    shared between processes.
    """

    def __init__(self, app_factory: Callable[[], Flask], options: Mapping[str, Any]) -> None:
        self.app_factory = app_factory
        self.options = dict(options)
        super().__init__(prog="mock-affise serve")

    def load_config(self) -> None:
        """Apply the options gunicorn knows (older releases lack some, e.g. the control socket)."""
        assert self.cfg is not None
        for name, value in self.options.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Flask:
        """Return the WSGI app (gunicorn calls this in each worker, or once when preloading)."""
        return self.app_factory()


def serve(app_factory: Callable[[], Flask], host: str, port: int, workers: int,
          preload: bool = False, when_ready: Callable[[Any], None] | None = None) -> None:
    """Serve until a signal stops gunicorn.

    gunicorn ends the master and every forked worker with SystemExit, which is left to
    propagate: a worker must never return into the caller's code.
    """
    options = gunicorn_options(host, port, workers)
    options["preload_app"] = preload
    if when_ready is not None:
        options["when_ready"] = when_ready
    MockAffiseServer(app_factory, options).run()
