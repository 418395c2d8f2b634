"""Bodies only the server can find broken: a chunked body with a bad chunk is a 400, not a 500.

Under serve the HTTP server (waitress) refuses the body before the app sees it, in Affise's
envelope; a server that hands the app its chunk decoder instead (werkzeug's) gets the envelope
from the app (tests/test_hostile_input.py).
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from tests.conftest import ADMIN_KEY, SUITE_FIXTURE

pytestmark = pytest.mark.serve


def _post_chunked(url: str, path: str, chunks: bytes) -> tuple[int, bytes]:
    """POST a hand-made chunked JSON body; return the status and the answer's body."""
    where = urlsplit(url)
    head = (f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\nAPI-Key: {ADMIN_KEY}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n").encode()
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        sock.sendall(head + chunks)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize(("path", "chunks", "message"), [
    ("/3.1/payments/generate", b"zz\r\n{}\r\n0\r\n\r\n",  # a size that is not hex
     "Bad Request: Invalid chunk size"),
    ("/3.1/payments/generate", b"2\r\n{}X\r\n0\r\n\r\n",  # a chunk longer than its size
     "Bad Request: Chunk not properly terminated"),
    ("/_mock/reset", b"zz\r\n{}\r\n0\r\n\r\n", "Bad Request: Invalid chunk size"),
])
def test_a_chunked_body_with_a_bad_chunk_is_a_400_in_the_envelope_and_the_server_serves_on(
        start, tmp_path, path, chunks, message):
    server = start("--port", "0", "--database", f"sqlite:///{tmp_path / 'bodies.db'}",
                   "--fixtures", str(SUITE_FIXTURE))  # the suite's network, whose key is sent

    status, body = _post_chunked(server.url, path, chunks)

    assert status == 400, body
    assert json.loads(body) == {"status": 2, "message": message, "error": message}
    good, answer = _post_chunked(server.url, "/3.0/admin/partner/3",
                                 b'11\r\n{"notes": "fine"}\r\n0\r\n\r\n')
    assert good == 200
    assert json.loads(answer)["partner"]["notes"] == "fine"
