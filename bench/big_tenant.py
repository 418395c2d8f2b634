"""The big-tenant figure: how long other tenants' writes wait while a big document loads.

`serve` (one worker, an SQLite file) makes a tenant from a generated document of CONVERSIONS
conversions (POST /_mock/tenants) while a client of the seeded tenant updates an invoice in a
loop. The document is validated before the write transaction opens, so only the set-based
inserts hold SQLite's file-wide write lock; the figures say how long that is.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any

CONVERSIONS = 200_000
AFFILIATES = 2_000


def _post(host: str, port: int, path: str, body: bytes, headers: dict[str, str],
          timeout: float = 600) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def writes_during_creation(host: str, port: int, admin_key: str,
                           document: Path) -> dict[str, Any]:
    """Make a tenant from document while updating invoice 2921 of the seeded tenant in a loop."""
    body = document.read_bytes()
    done = threading.Event()
    created: dict[str, Any] = {}

    def create() -> None:
        started = time.perf_counter()
        status, answer = _post(host, port, "/_mock/tenants", body,
                               {"Content-Type": "application/json"})
        created.update(status=status, seconds=time.perf_counter() - started,
                       answer=answer[:200].decode(errors="replace"))
        done.set()

    writes: list[float] = []
    form = {"API-Key": admin_key, "Content-Type": "application/x-www-form-urlencoded"}
    maker = threading.Thread(target=create)
    maker.start()
    while not done.is_set():
        started = time.perf_counter()
        status, _ = _post(host, port, "/3.1/payments/2921", b"comment=bench", form, timeout=120)
        if status != 200:
            raise RuntimeError(f"the write answered {status}")
        writes.append(time.perf_counter() - started)
    maker.join()
    if created.get("status") != 200:
        raise RuntimeError(f"tenant creation answered {created}")
    return {"creation_s": created["seconds"], "writes": len(writes),
            "longest_write_s": max(writes, default=0.0),
            "median_write_ms": sorted(writes)[len(writes) // 2] * 1000 if writes else None}


def body_size_limit(document: Path) -> str:
    """The MOCK_AFFISE_MAX_BODY_BYTES a server needs to take document."""
    return str(document.stat().st_size + 1024)


def describe(document: Path) -> dict[str, int]:
    data = json.loads(document.read_text())
    return {name: len(rows) for name, rows in data.items() if isinstance(rows, list)}
