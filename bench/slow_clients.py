"""The slow-client figure: a normal client's calls while slow and idle clients hold connections.

SLOW clients send a request line and half their headers, then nothing; IDLE clients connect and
send nothing. All stay connected while a normal client makes 1 + CALLS calls, each on a
connection of its own (so each pays for the accept as well), and every call's time is kept. The
first call also waits for the server to accept the 250 connections opened at once before it, so
it is kept apart: the others show the steady state with those clients connected.
"""

from __future__ import annotations

import http.client
import socket
import time
from contextlib import ExitStack

SLOW = 200
IDLE = 50
CALLS = 100
PARTIAL = b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n"


def normal_call_seconds(host: str, port: int, path: str, headers: dict[str, str],
                        calls: int = 1 + CALLS) -> list[float]:
    """Hold SLOW slow-header and IDLE idle connections; return each normal call's seconds.

    A call that fails or takes over 5 s counts as infinitely long.
    """
    with ExitStack() as held:
        for number in range(SLOW + IDLE):
            connection = held.enter_context(socket.create_connection((host, port), timeout=5))
            if number < SLOW:
                connection.sendall(PARTIAL)
        return [_timed_get(host, port, path, headers) for _ in range(calls)]


def _timed_get(host: str, port: int, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            return float("inf")
    except OSError:
        return float("inf")
    finally:
        connection.close()
    return time.perf_counter() - started
