"""A read-only Affise client: GET only, at a polite rate, retrying what a retry can mend.

The API key travels in the API-Key header and nowhere else: no message, exception or file
ever holds it. Timeouts, dropped connections, 429 and 5xx (but 501, a route the server does
not have) are retried with exponential backoff; the sleep and the clock are injectable, so
tests wait for nothing. Answers are decoded with their decimals as Decimal: money is never a
float here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

KEY_REFUSED = (401, 403)
FORBIDDEN = 403
BACKOFF_CAP_SECONDS = 60.0
MAX_PAGES = 100_000  # of one list, when its answers give no total to stop at
Params = Mapping[str, Any]


class ReadFailed(Exception):
    """Affise could not be read: the key was refused, or a call failed every retry."""

    exit_code = 4


class KeyRefused(ReadFailed):
    """Affise answered 401 or 403: the key is wrong, or not an admin's."""

    exit_code = 3


@dataclass(frozen=True)
class Answer:
    """One answer: its HTTP status, its JSON body (None when the body is not JSON) and its
    media type ("application/json")."""

    status: int
    body: Any
    media_type: str = ""

    @property
    def ok(self) -> bool:
        """Affise's success: HTTP 200, a JSON object, and `status: 1` unless it has no status
        (Affise's own conversionsbyid example has none)."""
        return self.status == 200 and isinstance(self.body, dict) and \
            self.body.get("status", 1) == 1


class AffiseReader:
    """GET requests to one Affise network, rate-limited and retried; counts what it sent."""

    def __init__(self, url: str, key: str, *, rate: float = 4.0, timeout: float = 30.0,
                 retries: int = 5, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 transport: httpx.BaseTransport | None = None, name: str = "Affise") -> None:
        self.base_url = url.rstrip("/")
        self.name = name  # who answers, in messages
        self._http = httpx.Client(base_url=self.base_url, headers={"API-Key": key},
                                  timeout=timeout, transport=transport)
        self.interval = 1.0 / rate
        self.retries, self.backoff = retries, backoff
        self._sleep, self._clock = sleep, clock
        self._last_start: float | None = None
        self.requests = 0  # every request sent, retries included
        self.retried = 0
        self.notes: list[str] = []  # what the summary should say about how answers were read

    def __enter__(self) -> AffiseReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def get(self, path: str, params: Params | None = None, *, optional: bool = False) -> Answer:
        """GET path; retry failures a retry can mend; raise KeyRefused on 401/403.

        Any other answer (200, 400, 404, 501...) is returned for the caller to judge, and so
        is a 403 to an `optional` read: a key may lack the permission for a route the caller
        can go without (advertiser invoices).
        """
        reason, asked_wait = "", 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                self.retried += 1
                self._sleep(self._delay(attempt, asked_wait))
            self._wait_turn()
            self.requests += 1
            try:
                response = self._http.get(path, params=params)
            except httpx.TimeoutException:
                reason, asked_wait = "timed out", 0.0
                continue
            except httpx.TransportError as exc:  # refused, reset, closed without an answer
                reason, asked_wait = f"connection failed ({type(exc).__name__})", 0.0
                continue
            answer = Answer(response.status_code, _json(response),
                            response.headers.get("Content-Type", "").split(";")[0].strip())
            if response.status_code in KEY_REFUSED and not (
                    optional and response.status_code == FORBIDDEN):
                raise KeyRefused(f"GET {path}: {self.name} answered {response.status_code} "
                                 f"{_message(answer)!r}: the key is wrong or not an admin's")
            if response.status_code == 429 or (response.status_code >= 500
                                               and response.status_code != 501):
                reason = f"HTTP {response.status_code}"
                asked_wait = _seconds(response.headers.get("Retry-After"))
                continue
            return answer
        tries = self.retries + 1
        raise ReadFailed(f"GET {path}: {reason} from {self.name}, tried {tries} "
                         f"time{'s' if tries > 1 else ''}; giving up")

    def _wait_turn(self) -> None:
        now = self._clock()
        if self._last_start is not None:
            wait = self._last_start + self.interval - now
            if wait > 0:
                self._sleep(wait)
                now += wait
        self._last_start = now

    def _delay(self, attempt: int, asked_wait: float) -> float:
        """Exponential backoff, or the server's Retry-After when it asks for longer."""
        return min(BACKOFF_CAP_SECONDS,
                   max(self.backoff * 2 ** (attempt - 1), asked_wait))

    def pages(self, path: str, params: Params, items: str, limit: int) -> Iterator[list[Any]]:
        """Yield each page's list under `items`, page 1 first, until the last page.

        Both of Affise's pagination shapes end the loop: {page, per_page, total_count,
        next_page} (partners, conversions) and {page, limit, total} (payments); a known total
        ends it even when next_page says there is more. So does an empty page, and a page
        that repeats the one before (a server that answers past its end with its last page,
        noted); without a total, MAX_PAGES pages end the import: no server keeps it going.
        """
        page, previous = 1, None
        while True:
            answer = self.get(path, {**params, "page": page, "limit": limit})
            if not answer.ok:
                raise Unexpected(path, answer, self.name)
            rows = listed(path, answer.body, items, self.name)
            if rows == previous:
                self.notes.append(f"GET {path}: page {page} repeated page {page - 1}; read "
                                  f"as the last page")
                return
            yield rows
            pagination = answer.body.get("pagination")
            pagination = pagination if isinstance(pagination, dict) else {}
            total = pagination.get("total_count", pagination.get("total"))
            total = total if isinstance(total, int) and not isinstance(total, bool) else None
            more = page * limit < total if total is not None else \
                bool(pagination.get("next_page"))
            if not rows or not more:
                return
            if total is None and page >= MAX_PAGES:
                raise Malformed(path, f"still more after {MAX_PAGES} pages, and no total",
                                self.name)
            page, previous = page + 1, rows


class Unexpected(ReadFailed):
    """An answer the importer cannot use (an error, or not Affise's shape)."""

    def __init__(self, path: str, answer: Answer, name: str = "Affise") -> None:
        super().__init__(f"GET {path}: {name} answered {answer.status} {_message(answer)!r}")
        self.answer = answer


class Malformed(ReadFailed):
    """An answer of Affise's status but not its shape: a key missing, a value that does not
    parse. The message names the route and what is wrong."""

    def __init__(self, path: str, problem: str, name: str = "Affise") -> None:
        super().__init__(f"GET {path}: {name} answered in a shape the importer cannot read: "
                         f"{problem}")


def listed(path: str, body: dict[str, Any], items: str, name: str = "Affise") -> list[Any]:
    """The list an answer holds under items ([] when absent); raise Malformed if not a list."""
    rows = body.get(items) or []
    if not isinstance(rows, list):
        raise Malformed(path, f"its {items!r} is not a list", name)
    return rows


def _seconds(retry_after: str | None) -> float:
    """A Retry-After given in seconds (an HTTP date is not waited for: backoff decides)."""
    text = (retry_after or "").strip()
    return float(text) if text.isdigit() else 0.0


def _json(response: httpx.Response) -> Any:
    """The body as JSON, its decimals as Decimal (a float would lose digits); None if not JSON."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
        return None


def _message(answer: Answer) -> str:
    if isinstance(answer.body, dict):
        return str(answer.body.get("message") or answer.body.get("error") or "")
    return "(not JSON)"
