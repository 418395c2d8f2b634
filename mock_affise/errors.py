"""The AffiseError family: each error carries Affise's HTTP status and message text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .money import plain

QUOTE_LIMIT = 80


def clip(text: str) -> str:
    """Return a client's value as an error message may quote it: at most 80 characters."""
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "…"


class AffiseError(Exception):
    """An answer in Affise's error envelope: {"status": 2, "message": TEXT, "error": TEXT}."""

    status_code = 400
    message = "Bad Request"

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


def envelope(message: str) -> dict[str, Any]:
    """Return Affise's error envelope for message: the text under message and under error."""
    return {"status": 2, "message": message, "error": message}


class BadRequest(AffiseError):
    """A 400 for a request Affise would refuse."""


class ValidationError(BadRequest):
    """A parameter is missing or malformed: the message names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class ExtraFields(BadRequest):
    """Affise's text for a parameter a route does not accept."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Method does not allow extra fields: '{name}'")


class Unauthorized(AffiseError):
    status_code = 401
    message = "Token is necessary"


class UnknownKey(Unauthorized):
    """A control call's API key that no tenant holds (Affise's routes say Token is necessary)."""

    message = "Unknown API key"


class Forbidden(AffiseError):
    status_code = 403
    message = "Auth Denied"


class NotFound(AffiseError):
    status_code = 404
    message = "Resource Not Found"


class PageNotFound(AffiseError):
    status_code = 404
    message = "Page Not Found"


class MethodNotAllowed(AffiseError):
    status_code = 405
    message = "Method Not Allowed"


class PayloadTooLarge(AffiseError):
    status_code = 413
    message = "Request Entity Too Large"


class NotEmulated(AffiseError):
    """A known Affise operation the mock does not serve (501, not Page Not Found)."""

    status_code = 501

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"mock-affise does not emulate {method} {path}")


class LimitReached(AffiseError):
    """A flood limit of the mock (not Affise's): the message names the limit and its setting."""

    status_code = 409

    def __init__(self, what: str, limit: int, setting: str) -> None:
        super().__init__(f"Limit reached: at most {limit} {what} (setting {setting}, "
                         f"environment MOCK_AFFISE_{setting})")


class ServerError(AffiseError):
    status_code = 500
    message = "Server error, Please contact your administrator"


class InsufficientStorage(AffiseError):
    """The database refused a write for want of space; the same call succeeds once there is."""

    status_code = 507
    message = "Insufficient Storage: the database is out of space"


# Business rules: Affise's own texts (contract section 4).


class PaymentFinished(BadRequest):
    message = "Payment has status finished"


class GenerationRunning(BadRequest):
    message = "Generation is running..."


class NoPaymentSystem(BadRequest):
    def __init__(self, name: str, affiliate_id: int, currency: str) -> None:
        super().__init__(
            f"The affiliate {name} ({affiliate_id}) does not have a payment system ({currency})"
        )


class NoPaidConversions(BadRequest):
    def __init__(self, name: str, affiliate_id: int) -> None:
        super().__init__(f"The affiliate {name} ({affiliate_id}) does not have paid conversions")


class BelowMinimumPayment(BadRequest):
    def __init__(self, minimum: Decimal, currency: str) -> None:
        super().__init__(f"Minimum payment - {plain(minimum)} {currency}")


class NotEnoughPaidConversions(BadRequest):
    def __init__(
        self, name: str, affiliate_id: int, available: Decimal, wanted: Decimal, currency: str
    ) -> None:
        super().__init__(
            f"The affiliate {name} ({affiliate_id}) has {plain(available)} {currency} of paid "
            f"conversions, less than {plain(wanted)} {currency}"
        )


class EditOnlyUnpaid(BadRequest):
    """A paid advertiser invoice is final: the help center's text ([mock] as the API's)."""

    message = "You can edit only unpaid invoices"


class KeysTaken(AffiseError):
    """A restore would hand out API keys another tenant has taken since (a mock-only 409)."""

    status_code = 409

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        super().__init__("API keys taken by another tenant: " + ", ".join(keys))
