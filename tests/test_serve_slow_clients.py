"""`mock-affise serve` against clients that send slowly, send nothing, or break off a body.

Each of them holds a connection open for the whole test; a normal client must still get its
answers. Everything stays on loopback, and every wait is bounded by a socket timeout.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import ADMIN_KEY, SUITE_FIXTURE
from tests.serving import clean_environment

pytestmark = pytest.mark.serve
KEY = {"API-Key": ADMIN_KEY}
# These servers hold the suite's network: the invoices and keys below are its.
SUITE = ("--fixtures", str(SUITE_FIXTURE))
SLOW_HEADERS = 200
IDLE = 50
SHORT_BODIES = 20
GENERATE = {"method": "POST", "path": "/3.1/payments/generate"}
EVER = {"date_from": "1900-01-01", "date_to": "9000-12-31"}


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@contextlib.contextmanager
def _held(port: int, count: int, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    """Open count connections, send first_bytes on each (nothing when empty) and hold them."""
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            held.append(connection)
            if first_bytes:
                connection.sendall(first_bytes)
        yield held
    finally:
        for connection in held:
            connection.close()


def _answered_normally(url: str) -> None:
    """Make the calls of a normal client, each on a new connection with a 5 s timeout."""
    for _ in range(5):
        health = requests.get(f"{url}/_mock/health", timeout=5, headers={"Connection": "close"})
        assert (health.status_code, health.json()) == (200, {"status": 1, "ready": True})
        payment = requests.get(f"{url}/3.1/payments/2921", timeout=5,
                               headers={**KEY, "Connection": "close"})
        assert payment.status_code == 200
        assert payment.json()["payment"]["id"] == 2921


def _everything_sent(connection: socket.socket) -> bytes:
    """Read what the server sends until it closes the connection (5 s at most per read)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def _response(connection: socket.socket) -> tuple[bytes, dict]:
    """Read one answer: its status line and its JSON body (5 s at most per read)."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        assert chunk, f"closed after {received!r}"
        received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE).group(1))
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, f"closed after {received + body!r}"
        body += chunk
    return head.split(b"\r\n", 1)[0], json.loads(body)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_slow_and_idle_clients_do_not_stall_a_normal_one(start, tmp_path, workers):
    server = start("--port", "0", "--workers", workers,
                   "--database", f"sqlite:///{tmp_path / 'mock.db'}", *SUITE)
    port = _port(server.url)
    # A request line and half the headers, then nothing more: the request never completes.
    partial = b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n"

    with _held(port, SLOW_HEADERS, partial) as slow, _held(port, IDLE, b""):
        _answered_normally(server.url)

        # The held clients were waiting, not dropped: one that finishes its headers is answered.
        slow[0].sendall(b"\r\n")
        assert _response(slow[0]) == (b"HTTP/1.1 200 OK", {"status": 1, "ready": True})


def test_a_body_shorter_than_its_content_length_holds_no_thread(start, tmp_path):
    server = start("--port", "0", "--database", f"sqlite:///{tmp_path / 'mock.db'}", *SUITE)
    # 10 bytes of a promised 100: the server waits for the rest, which never comes.
    short = (b"POST /3.1/payments/2925 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"API-Key: " + ADMIN_KEY.encode() + b"\r\n"
             b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
             b"comment=ab")

    with _held(_port(server.url), SHORT_BODIES, short) as held:
        _answered_normally(server.url)
        # None of them was run with its body cut short: the comment is untouched.
        payment = requests.get(f"{server.url}/3.1/payments/2925", headers=KEY, timeout=5)
        assert payment.json()["payment"]["comment"] != "ab"

        # The rest of the body arrives late: that request is then answered in full.
        held[0].sendall(b"c" * 90)
        assert _response(held[0]) == (b"HTTP/1.1 200 OK", {"status": 1, "result": True})
    changed = requests.get(f"{server.url}/3.1/payments/2925", headers=KEY, timeout=5)
    assert changed.json()["payment"]["comment"] == "ab" + "c" * 90


def test_drop_after_commit_closes_the_connection_without_an_answer(start, tmp_path):
    server = start("--port", "0", "--database", f"sqlite:///{tmp_path / 'mock.db'}", *SUITE,
                   env=clean_environment())
    before = requests.get(f"{server.url}/3.1/payments", headers=KEY, params=EVER,
                          timeout=5).json()["pagination"]["total"]
    added = requests.post(f"{server.url}/_mock/faults", headers=KEY, timeout=5,
                          json={"match": GENERATE, "action": {"drop_after_commit": True},
                                "times": 1})
    assert added.status_code == 200
    body = b"date=2024-06-15"
    call = (b"POST /3.1/payments/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"API-Key: " + ADMIN_KEY.encode() + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    with socket.create_connection(("127.0.0.1", _port(server.url)), timeout=5) as connection:
        connection.sendall(call)
        try:
            answer = _everything_sent(connection)
        except ConnectionResetError:
            answer = b""
    assert answer == b""  # not a byte of an answer, not even a status line

    after = requests.get(f"{server.url}/3.1/payments", headers=KEY, params=EVER,
                         timeout=5).json()["pagination"]["total"]
    assert after > before  # the generation was committed all the same
    journal = requests.get(f"{server.url}/_mock/requests", headers=KEY, timeout=5,
                           params={"path": GENERATE["path"]}).json()["requests"]
    assert [(e["status"], e["fault"]) for e in journal] == [(200, "drop_after_commit")]
