"""The dashboard figure: each /_mock/ui page over a tenant of 100,000 conversions, rendered in
the Flask test client on a file database after one generation (so invoices hold thousands of
conversions and the journal and generation reports are not empty); median of runs a page."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

UI = "/_mock/ui"


def bench_dashboard(results: Any, work: Path, runs: int, generate_fixture: Any,
                    seed_database: Any, client_on: Any, admin_key: Any, log: Any) -> None:
    """Time every dashboard page over 1,000 affiliates and 100,000 conversions."""
    log("dashboard: generate-fixture --affiliates 1000 --conversions 100000 --invoices, seeding")
    fixture = generate_fixture(work / "ui-100k.json", 1000, 100_000, invoices=50)
    key = admin_key(json.loads(fixture.read_bytes()))
    database = work / "ui-100k.db"
    seed_database(database, fixture)
    headers = {"API-Key": key}
    raw: dict[str, Any] = {}
    with client_on(database) as client:
        answer = client.post("/3.1/payments/generate", headers=headers,
                             data={"date": "2024-06-15"})
        if answer.status_code != 200:
            raise RuntimeError(f"generate failed: {answer.data[:300]!r}")
        for _ in range(20):
            client.get("/3.0/admin/partners", headers=headers)
        made = client.get("/_mock/generations", headers=headers).json["generations"][-1]
        invoice = made["payments"][0]
        entry = client.get("/_mock/requests?limit=1", headers=headers).json["requests"][0]["id"]
        pages = {"tenants": "/", "network": "/tenants/1/network",
                 "invoices": "/tenants/1/invoices",
                 "invoices, filtered": "/tenants/1/invoices?status=1&currency=USD",
                 "invoice": f"/tenants/1/invoices/{invoice}",
                 "journal": "/tenants/1/journal", "journal entry": f"/tenants/1/journal/{entry}",
                 "generations": "/tenants/1/generations",
                 "generation report": f"/tenants/1/generations/{made['id']}",
                 "controls": "/tenants/1/controls"}
        for name, path in pages.items():
            samples = []
            for _ in range(runs + 1):  # the first fills the caches: not counted
                started = time.perf_counter()
                page = client.get(UI + path)
                samples.append(time.perf_counter() - started)
                if page.status_code != 200:
                    raise RuntimeError(f"{path}: {page.status_code} {page.data[:300]!r}")
            raw[name] = {"path": path, "ms": [s * 1000 for s in samples[1:]],
                         "median_ms": statistics.median(samples[1:]) * 1000,
                         "bytes": len(page.data)}
            log(f"dashboard {name}: {raw[name]['median_ms']:.1f} ms")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    slowest = max(raw, key=lambda name: raw[name]["median_ms"])
    results.raw["dashboard"] = raw
    results.add(f"slowest dashboard page ({slowest}), 100,000 conversions, median of {runs}",
                raw[slowest]["median_ms"], "ms", "< 300 ms", lambda v: v < 300)
