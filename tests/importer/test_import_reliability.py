"""The importer against an unreliable Affise: retries with backoff, a refused key, resuming.

Faults come from the upstream mock's fault rules (500s, delays, dropped connections); the
backoff's sleep is recorded, never slept.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from itertools import islice
from typing import Any

import httpx
import pytest

from mock_affise.client import AffiseTenant
from mock_affise.importer import AffiseReader, Checkpoint, ReadFailed, Scope, import_network
from mock_affise.importer.client import KeyRefused
from tests.importer.conftest import PAGE_SIZE, import_args, run_cli

SCOPE = Scope(date(2023, 12, 1), date(2024, 6, 15), page_size=PAGE_SIZE, window_days=30)


def _reader(tenant: AffiseTenant, slept: list[float], **options: Any) -> AffiseReader:
    return AffiseReader(tenant.url, tenant.admin_key, rate=1000, sleep=slept.append,
                        **options)


def _import(reader: AffiseReader, tenant: AffiseTenant) -> dict[str, Any]:
    now = datetime.fromisoformat(tenant.clock()["now"])
    with reader:
        return import_network(reader, SCOPE, now, lambda kind, count: None).document


@pytest.mark.parametrize("action", [
    {"status": 500}, {"status": 503}, {"status": 429}, {"drop_after_commit": True},
])
def test_a_failing_call_is_retried_with_growing_backoff(upstream: AffiseTenant, action):
    upstream.fault({"method": "GET", "path": "/3.0/stats/conversions"}, action, times=3)
    slept: list[float] = []
    reader = _reader(upstream, slept, backoff=0.5)
    document = _import(reader, upstream)
    assert len(document["conversions"]) == 300
    assert reader.retried == 3
    backoffs = [s for s in slept if s >= 0.5]  # the rate limit's waits are far shorter
    assert backoffs == [0.5, 1.0, 2.0]


class _TimesOutOnce(httpx.HTTPTransport):
    """A transport whose first call to path times out, as a call slower than the timeout does
    (not with a real delay: a busy machine would time out other calls too)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path, self.timed_out = path, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path and not self.timed_out:
            self.timed_out += 1
            raise httpx.ReadTimeout("timed out", request=request)
        return super().handle_request(request)


def test_a_call_slower_than_the_timeout_is_retried(upstream: AffiseTenant):
    transport = _TimesOutOnce("/3.0/admin/payment_systems")
    reader = _reader(upstream, [], transport=transport)
    document = _import(reader, upstream)
    assert transport.timed_out == 1
    assert reader.retried == 1 and len(document["payment_systems"]) == 8


def test_a_call_failing_every_retry_ends_the_import(upstream: AffiseTenant):
    upstream.fault({"method": "GET", "path": "/3.1/payments"}, {"status": 502})
    reader = _reader(upstream, [], retries=2)
    with pytest.raises(ReadFailed, match=r"^GET /3.1/payments: HTTP 502 from Affise, tried 3 times; giving up$"):
        _import(reader, upstream)


def test_a_refused_key_is_not_retried(upstream: AffiseTenant):
    slept: list[float] = []
    reader = AffiseReader(upstream.url, "0" * 32, rate=1000, sleep=slept.append)
    with pytest.raises(KeyRefused, match="answered 401 'Token is necessary'"):
        _import(reader, upstream)
    assert reader.requests == 1


def test_the_command_says_what_failed_in_its_exit_status(upstream: AffiseTenant, tmp_path):
    args = import_args(upstream, tmp_path / "n.json", "--retries", "0")
    key = args.index("--key") + 1
    refused = run_cli(*args[:key], "f" * 32, *args[key + 1:])
    assert refused[0] == 3 and "the key is wrong or not an admin's" in refused[2]
    assert "f" * 32 not in refused[1] + refused[2]
    upstream.fault({"method": "GET", "path": "/3.0/admin/currency"}, {"status": 500})
    code, _, err = run_cli(*args)
    assert code == 4
    assert ("import failed: GET /3.0/admin/currency: HTTP 500 from Affise, tried 1 time; "
            "giving up") in err


def test_a_broken_import_resumes_from_its_last_finished_window(upstream: AffiseTenant,
                                                               tmp_path):
    output = tmp_path / "network.json"
    args = import_args(upstream, output, "--retries", "0")
    upstream.fault({"method": "GET", "path": "/3.1/payments"}, {"status": 503})
    assert run_cli(*args)[0] == 4
    assert (tmp_path / "network.json.partial").exists() and not output.exists()
    assert upstream.admin_key not in (tmp_path / "network.json.partial").read_text()
    windows_read = len(upstream.requests(path="/3.0/stats/conversions", limit=1000))
    upstream.clear_faults()
    upstream.clear_requests()
    code, _, err = run_cli(*args)
    assert code == 0, err
    assert upstream.requests(path="/3.0/stats/conversions", limit=1000) == []
    assert windows_read > 0
    assert len(json.loads(output.read_text())["conversions"]) == 300
    assert not (tmp_path / "network.json.partial").exists()


def test_the_rate_limit_spaces_the_requests():
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    def answer(request: httpx.Request) -> httpx.Response:
        clock[0] += 0.05  # each call takes 50 ms
        return httpx.Response(200, json={"status": 1})

    reader = AffiseReader("http://affise.test", "k" * 32, rate=4, sleep=sleep,
                          clock=lambda: clock[0], transport=httpx.MockTransport(answer))
    for _ in range(3):
        reader.get("/3.0/admin/currency")
    assert slept == pytest.approx([0.2, 0.2])  # 250 ms between starts, 50 ms of it answering


def test_a_429_retry_after_is_honoured_and_only_get_is_sent():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(429, headers={"Retry-After": "7"}, json={"status": 2})
        return httpx.Response(200, json={"status": 1})

    slept: list[float] = []
    reader = AffiseReader("http://affise.test", "k" * 32, rate=1000, sleep=slept.append,
                          transport=httpx.MockTransport(answer))
    assert reader.get("/3.0/admin/currency").ok
    assert 7.0 in slept
    assert {r.method for r in seen} == {"GET"}
    assert all(r.headers["API-Key"] == "k" * 32 and "k" * 32 not in str(r.url) for r in seen)


def _paged(pagination: Any, rows: Any = range(5), clamp: bool = False) -> AffiseReader:
    """A reader of a server holding rows, answering with pagination(page, limit, total);
    clamp: a page past the end answers the last page again."""
    rows = list(rows)

    def answer(request: httpx.Request) -> httpx.Response:
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        if clamp:
            page = min(page, -(-len(rows) // limit))
        chunk = rows[(page - 1) * limit:page * limit]
        return httpx.Response(200, json={"status": 1, "items": chunk,
                                         "pagination": pagination(page, limit, len(rows))})

    return AffiseReader("http://affise.test", "k" * 32, rate=1000,
                        transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(("pagination", "clamp"), [
    # partners and conversions: next_page only while there is one
    (lambda page, limit, total: {"per_page": limit, "total_count": total, "page": page,
                                 **({"next_page": page + 1} if page * limit < total else {})},
     False),
    # payments: a total and no next_page
    (lambda page, limit, total: {"page": page, "limit": limit, "total": total}, False),
    # a server that always says there is more: the first empty page ends it
    (lambda page, limit, total: {"page": page, "next_page": page + 1}, False),
    # ... or answers past its end with its last page again: the repeat ends it
    (lambda page, limit, total: {"page": page, "next_page": page + 1}, True),
    # ... or does so while it gives a total: the total ends it
    (lambda page, limit, total: {"page": page, "next_page": page + 1, "total_count": total},
     True),
])
def test_every_page_is_read_once_whichever_pagination(pagination, clamp):
    reader = _paged(pagination, clamp=clamp)
    pages = islice(reader.pages("/list", {}, "items", 2), 10)  # a loop fails, not hangs
    assert [row for page in pages for row in page] == [0, 1, 2, 3, 4]
    assert reader.requests <= 4


def test_a_repeated_page_is_named_in_the_notes():
    reader = _paged(lambda page, limit, total: {"page": page, "next_page": page + 1},
                    clamp=True)
    assert len(list(islice(reader.pages("/list", {}, "items", 2), 10))) == 3
    assert reader.notes == ["GET /list: page 4 repeated page 3; read as the last page"]


def test_a_list_without_end_or_total_stops_after_max_pages(monkeypatch):
    monkeypatch.setattr("mock_affise.importer.client.MAX_PAGES", 3)
    reader = _paged(lambda page, limit, total: {"page": page, "next_page": page + 1},
                    rows=range(100))
    pages = reader.pages("/list", {}, "items", 2)
    assert [next(pages) for _ in range(3)] == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(ReadFailed, match=r"^GET /list: Affise answered in a shape the importer "
                                         r"cannot read: still more after 3 pages, and no "
                                         r"total$"):
        next(pages)
    assert reader.requests == 3


def test_a_checkpoint_resumes_only_the_same_import(tmp_path):
    asked = {"url": "https://api-demo.affise.com", "affiliates": (2, 3), "window_days": 7}
    Checkpoint(tmp_path / "n.partial", asked).keep("2024-01-01/2024-01-07", [{"id": "a"}])
    again = Checkpoint(tmp_path / "n.partial", asked)
    assert again.resumed == 1 and again.window("2024-01-01/2024-01-07") == [{"id": "a"}]
    other = Checkpoint(tmp_path / "n.partial", {**asked, "affiliates": (2,)})
    assert other.resumed == 0 and other.window("2024-01-01/2024-01-07") is None
