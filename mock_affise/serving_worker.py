"""A gunicorn worker that serves with waitress, which reads whole requests before any thread runs.

gunicorn keeps the processes (forking, restarting a dead worker, stopping on a signal); inside
each worker waitress's event loop owns every connection: it reads the request line, the headers
and the whole body without blocking, and only then hands the request to one of THREADS threads.
A client that sends slowly, sends nothing, or sends less body than its Content-Length promised
holds a few bytes of buffer, never a thread; waitress closes it after IDLE_SECONDS of silence.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import orjson
from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer, WSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask

from .errors import envelope

THREADS = 4
# waitress stops accepting at its connection limit (100 by default): far above what any test
# suite opens, and still few file descriptors.
CONNECTION_LIMIT = 1000
# A connection silent this long is closed, whether kept alive or half-way through a request;
# the sweep that closes them runs every CLEANUP_SECONDS.
IDLE_SECONDS = 30
CLEANUP_SECONDS = 5
LOOP_SECONDS = 0.2  # how soon a stopping worker notices: a stop waited up to 1 s per worker


class _SocketInEnviron(WSGITask):
    """A task whose environ carries the client's socket, as gunicorn's own workers do."""

    def get_environment(self) -> dict[str, Any]:
        environ = super().get_environment()
        # The drop_after_commit fault shuts this socket down to leave a call unanswered.
        environ["gunicorn.socket"] = self.channel.socket
        return environ


class _EnvelopeError(ErrorTask):
    """waitress's answer to a request it cannot read (a bad chunk size, a body past the limit),
    in Affise's envelope instead of waitress's plain text."""

    def execute(self) -> None:
        error = self.request.error
        self.status = f"{error.code} {error.reason}"
        body = orjson.dumps(envelope(f"{error.reason}: {error.body}"))
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    task_class = _SocketInEnviron
    error_task_class = _EnvelopeError


class _Server(TcpWSGIServer):
    channel_class = _Channel


class WaitressWorker(Worker):
    """Serve gunicorn's listening sockets with waitress until gunicorn stops this worker."""

    def run(self) -> None:
        """Accept and answer until told to stop, then finish the calls already received."""
        self._log_through_gunicorn()
        connections: dict[int, Any] = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(THREADS)
        servers = [self._server(listener.sock, connections, dispatcher)
                   for listener in self.sockets]
        while self.alive and os.getppid() == self.ppid:
            self.notify()
            _loop_once(connections, LOOP_SECONDS)
        for server in servers:
            server.accepting = False
        self._finish(connections)
        dispatcher.shutdown(cancel_pending=True, timeout=1)

    def _log_through_gunicorn(self) -> None:
        """Send waitress's warnings to gunicorn's error log, formatted as gunicorn's own."""
        waitress = logging.getLogger("waitress")
        waitress.handlers = list(self.log.error_log.handlers)
        waitress.setLevel(logging.WARNING)
        waitress.propagate = False
        # A request waiting for a free thread is the design, not a problem worth a line per call.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    def _server(self, sock: Any, connections: dict[int, Any],
                dispatcher: ThreadedTaskDispatcher) -> WSGIServer:
        return _Server(
            self.wsgi, map=connections, _sock=sock, dispatcher=dispatcher, bind_socket=False,
            sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
            threads=THREADS, connection_limit=CONNECTION_LIMIT, channel_timeout=IDLE_SECONDS,
            cleanup_interval=CLEANUP_SECONDS, asyncore_use_poll=True, ident="mock-affise",
            # The listening socket is gunicorn's: its backlog, options and address stay as set.
            backlog=self.cfg.backlog)

    def _finish(self, connections: dict[int, Any]) -> None:
        """Run the loop until every received call is answered, for graceful_timeout at most."""
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(
                channel.requests or channel.total_outbufs_len
                for channel in list(connections.values()) if isinstance(channel, HTTPChannel)):
            self.notify()
            _loop_once(connections, 0.1)


def _loop_once(connections: dict[int, Any], seconds: float) -> None:
    wasyncore.loop(timeout=seconds, map=connections, use_poll=True, count=1)
