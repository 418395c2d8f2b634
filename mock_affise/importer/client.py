"""A read-only Affise client: GET only, at a polite rate, retrying what a retry can mend.

The API key travels in the API-Key header and nowhere else: no message, exception or file
ever holds it. Timeouts, dropped connections, 429 and 5xx (but 501, a route the server does
not have) are retried with exponential backoff; the sleep and the clock are injectable, so
tests wait for nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

KEY_REFUSED = (401, 403)
BACKOFF_CAP_SECONDS = 60.0
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

    def __enter__(self) -> AffiseReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def get(self, path: str, params: Params | None = None) -> Answer:
        """GET path; retry failures a retry can mend; raise KeyRefused on 401/403.

        Any other answer (200, 400, 404, 501...) is returned for the caller to judge.
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
            if response.status_code in KEY_REFUSED:
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
        next_page} (partners, conversions) and {page, limit, total} (payments). An empty page
        ends it too, so a miscounting server cannot keep it going.
        """
        page = 1
        while True:
            answer = self.get(path, {**params, "page": page, "limit": limit})
            if not answer.ok:
                raise Unexpected(path, answer, self.name)
            rows = answer.body.get(items) or []
            yield rows
            pagination = answer.body.get("pagination") or {}
            total = pagination.get("total_count", pagination.get("total"))
            more = bool(pagination.get("next_page")) or (
                isinstance(total, int) and page * limit < total)
            if not rows or not more:
                return
            page += 1


class Unexpected(ReadFailed):
    """An answer the importer cannot use (an error, or not Affise's shape)."""

    def __init__(self, path: str, answer: Answer, name: str = "Affise") -> None:
        super().__init__(f"GET {path}: {name} answered {answer.status} {_message(answer)!r}")
        self.answer = answer


def _seconds(retry_after: str | None) -> float:
    """A Retry-After given in seconds (an HTTP date is not waited for: backoff decides)."""
    text = (retry_after or "").strip()
    return float(text) if text.isdigit() else 0.0


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message(answer: Answer) -> str:
    if isinstance(answer.body, dict):
        return str(answer.body.get("message") or answer.body.get("error") or "")
    return "(not JSON)"
