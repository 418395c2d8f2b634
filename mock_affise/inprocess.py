"""One call through a WSGI app in this process, handed over as a server would hand it: the
plugin's control calls and mock_affise.intercept both answer this way, without a socket.

The environ is written out here: werkzeug's test client built it with far more machinery (its
EnvironBuilder and response wrapper were a tenth of a test that makes and drops its tenant).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


def call_wsgi(app: Callable[..., Any], method: str, url: str, body: bytes = b"",
              headers: Headers = (), extra: Mapping[str, Any] | None = None,
              ) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run one call (url: a path, or a whole URL whose host the app then sees) through app;
    return its status, headers and body. extra: entries added to the environ."""
    parts = urlsplit(url)
    scheme = parts.scheme or "http"
    host = parts.hostname or "localhost"
    port = parts.port or (443 if scheme == "https" else 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(), "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        # PEP 3333: a string of the bytes sent (as UTF-8), one character a byte
        "QUERY_STRING": parts.query.encode("utf-8").decode("latin-1"),
        "SERVER_NAME": host, "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": parts.netloc or host, "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0), "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False, **(extra or {}),
    }
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    seen: set[str] = set()
    for name, value in pairs:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_LENGTH":
            continue  # the body's own length
        key = key if key == "CONTENT_TYPE" else f"HTTP_{key}"
        if key in seen:  # a header sent twice is one, its values joined (a type: the first)
            if key != "CONTENT_TYPE":
                environ[key] = f"{environ[key]}, {value}"
            continue
        environ[key] = value
        seen.add(key)
    answered: list[Any] = []
    written: list[bytes] = []  # what the legacy write() callable was given, sent first

    def start_response(status: str, sent: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answered[:] = [status, list(sent)]
        return written.append

    chunks = app(environ, start_response)
    try:
        content = b"".join([*written, *chunks])
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(answered[0].split(" ", 1)[0]), answered[1], content
