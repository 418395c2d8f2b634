"""Deterministic stand-ins for the personal data of an imported fixture document.

Emails, names, logins, contact persons, affiliate notes, payment-account values and API keys
are replaced by a keyed hash of the value (HMAC-SHA256): the same value and secret give the
same stand-in, so references stay consistent (an account value in a binding and in an
invoice's pay_acc get the same one), and nobody without the secret can test guesses against
them. Ids, money, statuses and dates are kept.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any


class Anonymizer:
    """Replaces values by stand-ins keyed by secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def digest(self, kind: str, value: str) -> str:
        """The keyed hash of value, as 64 hex digits."""
        return hmac.new(self._secret, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()

    def email(self, value: str | None) -> str | None:
        """user-<hash>@example.com (example.com is reserved: no mail ever reaches anyone)."""
        if not value:
            return value
        return f"user-{self.digest('email', value.strip().lower())[:12]}@example.com"

    def name(self, value: str | None, word: str) -> str | None:
        """`word` and a short hash: "Affiliate 3f9a1c2b"."""
        return f"{word} {self.digest('name', value)[:8]}" if value else value

    def login(self, value: str | None) -> str | None:
        return f"user{self.digest('login', value)[:10]}" if value else value

    def account(self, value: str) -> str:
        """A payment-account value (wallet, IBAN...)."""
        return f"acct-{self.digest('account', value)[:16]}" if value else value

    def api_key(self, value: str | None) -> str | None:
        return self.digest("api_key", value)[:32] if value else value

    def pay_acc(self, value: str) -> str:
        """An invoice's "Label: value" lines, each value as account() replaces it."""
        lines = []
        for line in value.split("\n"):
            label, sep, account = line.partition(": ")
            lines.append(f"{label}{sep}{self.account(account)}" if sep else self.account(line))
        return "\n".join(lines)

    def document(self, document: dict[str, Any]) -> dict[str, Any]:
        """Replace the personal data of a fixture document in place; return it."""
        for manager in document.get("managers", []):
            manager["first_name"] = self.name(manager["first_name"], "Manager")
            manager["last_name"] = self.name(manager["last_name"], "Surname")
            manager["email"] = self.email(manager["email"])
        for affiliate in document.get("affiliates", []):
            affiliate["name"] = self.name(affiliate["name"], "Affiliate")
            affiliate["email"] = self.email(affiliate["email"])
            affiliate["login"] = self.login(affiliate["login"])
            affiliate["contact_person"] = self.name(affiliate["contact_person"], "Person")
            affiliate["notes"] = ""
            affiliate["api_key"] = self.api_key(affiliate["api_key"])
            for binding in affiliate["payment_systems"]:
                binding["fields"] = {k: self.account(v) for k, v in binding["fields"].items()}
        for payment in document.get("payments", []):
            payment["pay_acc"] = self.pay_acc(payment["pay_acc"])
        for advertiser in document.get("advertisers", []):
            advertiser["email"] = self.email(advertiser["email"])
        return document
