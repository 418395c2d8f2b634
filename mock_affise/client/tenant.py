"""One tenant on the mock: its keys, an admin session and the per-tenant control calls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from .http import Document, api_session, resolve_document

if TYPE_CHECKING:
    import requests


class TenantHost(Protocol):
    """What a tenant asks of the server holding it (MockAffise is one)."""

    url: str

    def control(self, method: str, path: str, *, json_body: Any = None,
                document: Document | None = None, params: Mapping[str, Any] | None = None,
                ) -> dict[str, Any]: ...

    def delete_tenant(self, tenant_id: int) -> None: ...


class AffiseTenant:
    """One Affise network on the mock: keys, an admin session, control-plane helpers.

    Control calls go to /_mock/tenants/{id}/...; a failed one raises MockAffiseControlError
    with the server's message. As a context manager, the tenant is dropped at the end.
    """

    def __init__(self, server: TenantHost, made: Mapping[str, Any],
                 base_dir: Path | None = None) -> None:
        self.server = server
        self.url = server.url
        self.tenant_id: int = made["tenant"]
        self.base_dir = base_dir or Path.cwd()
        self._sessions: list[requests.Session] = []
        self._take_keys(made)
        self.session = self._session(self.admin_key)

    def __repr__(self) -> str:
        return f"<AffiseTenant {self.tenant_id} at {self.url}>"

    def __enter__(self) -> AffiseTenant:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.drop()

    def _take_keys(self, made: Mapping[str, Any]) -> None:
        keys = made["api_keys"]
        self.admin_key: str = keys["admin"]
        self.manager_keys: dict[str, str] = dict(keys["managers"])
        self.affiliate_keys: dict[int, str] = {int(a): k for a, k in keys["affiliates"].items()}

    def _session(self, key: str | None) -> requests.Session:
        session = api_session(self.url, key)
        self._sessions.append(session)
        return session

    # --------------------------------------------------------------- Affise calls as admin

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send an Affise call with the admin key; path starts with /."""
        return self.session.request(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET path with the admin key."""
        return self.session.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST to path with the admin key."""
        return self.session.post(path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE path with the admin key."""
        return self.session.delete(path, **kwargs)

    def as_affiliate(self, affiliate_id: int) -> requests.Session:
        """Return a session that sends this affiliate's key."""
        try:
            key = self.affiliate_keys[int(affiliate_id)]
        except KeyError:
            known = ", ".join(str(a) for a in sorted(self.affiliate_keys)) or "none"
            raise KeyError(f"affiliate {affiliate_id} is not in tenant {self.tenant_id} "
                           f"(its affiliates: {known})") from None
        return self._session(key)

    def as_manager(self, manager_id: str) -> requests.Session:
        """Return a session that sends this manager's key (admin or affiliate_manager)."""
        try:
            key = self.manager_keys[manager_id]
        except KeyError:
            known = ", ".join(sorted(self.manager_keys)) or "none"
            raise KeyError(f"manager {manager_id} is not in tenant {self.tenant_id} "
                           f"(its managers: {known})") from None
        return self._session(key)

    # --------------------------------------------------------------- control plane

    def control(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Call /_mock/tenants/{id}{path}; see MockAffise.control."""
        __tracebackhide__ = True
        return self.server.control(method, f"/_mock/tenants/{self.tenant_id}{path}", **kwargs)

    def clock(self) -> dict[str, Any]:
        """Return the tenant clock: {"now": "YYYY-MM-DD HH:MM:SS", "frozen": bool}."""
        return _without_status(self.control("GET", "/clock"))

    def set_clock(self, when: str | datetime, frozen: bool | None = None) -> dict[str, Any]:
        """Set the tenant clock to when ("2024-07-01 00:00:00"); return the clock."""
        body: dict[str, Any] = {"set": when}
        if frozen is not None:
            body["frozen"] = frozen
        return _without_status(self.control("POST", "/clock", json_body=body))

    def advance(self, duration: str | int | timedelta) -> dict[str, Any]:
        """Move the tenant clock on by "3d", "90m"..., a timedelta or seconds; return the clock."""
        if isinstance(duration, timedelta):
            duration = int(duration.total_seconds())
        body = ({"advance_seconds": duration} if isinstance(duration, int)
                else {"advance": duration})
        return _without_status(self.control("POST", "/clock", json_body=body))

    def snapshot(self, name: str) -> dict[str, Any]:
        """Save the tenant's state as name; return {"name": ..., "created_at": ...}."""
        return self.control("POST", "/snapshots", json_body={"name": name})["snapshot"]

    def restore(self, name: str) -> None:
        """Put the tenant back exactly as snapshot name has it."""
        self.control("POST", f"/snapshots/{name}/restore")

    def reset(self, document: Document | None = None) -> None:
        """Go back to the seed, or reseed from document; clock, journal and faults are cleared.

        A new document may change the API keys: the admin session follows, affiliate and
        manager sessions made before do not.
        """
        document = resolve_document(document, self.base_dir, "reset")
        made = self.control("POST", "/reset", document=document)
        self._take_keys(made)
        self.session.headers["API-Key"] = self.admin_key

    def export(self) -> dict[str, Any]:
        """Return the tenant's whole state as a fixture document."""
        return self.control("GET", "/export")

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Return the journal, oldest first; filters: method, path (trailing * = prefix),
        status, since, limit."""
        return self.control("GET", "/requests", params=filters)["requests"]

    def clear_requests(self) -> None:
        """Empty the journal."""
        self.control("DELETE", "/requests")

    def fault(self, match: Mapping[str, Any] | None = None,
              action: Mapping[str, Any] | None = None, *, times: int | None = None,
              probability: float | None = None, seed: int | None = None) -> dict[str, Any]:
        """Add a fault rule (first match wins) and return it as the server stored it.

        match: {"method": "POST", "path": "/3.1/payments/generate"} (None: every call);
        action: {"status": 500} | {"delay_ms": 800} | {"drop_after_commit": True} |
        {"status": 502, "body": {...}}.
        """
        rule: dict[str, Any] = {"match": dict(match or {}), "action": dict(action or {})}
        for name, value in (("times", times), ("probability", probability), ("seed", seed)):
            if value is not None:
                rule[name] = value
        return self.control("POST", "/faults", json_body=rule)["fault"]

    def faults(self) -> list[dict[str, Any]]:
        """Return the fault rules in matching order, with how often each was seen and fired."""
        return self.control("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        """Delete every fault rule."""
        self.control("DELETE", "/faults")

    def generations(self) -> list[dict[str, Any]]:
        """Return one report per generate/create call: invoices made, affiliates skipped, why."""
        return self.control("GET", "/generations")["generations"]

    def config(self) -> dict[str, Any]:
        """Return the tenant's settings: {"generation_delay_seconds": ..., "referral_percent": ...}."""
        return self.control("GET", "/config")["config"]

    def set_generation_delay(self, seconds: int) -> None:
        """Make generations take seconds on the tenant clock (0: invoices exist at once)."""
        self.control("POST", "/config", json_body={"generation_delay_seconds": seconds})

    def set_referral_percent(self, percent: str) -> None:
        """Set the tenant's referral percent (main affiliates without their own ref_percent)."""
        self.control("POST", "/config", json_body={"referral_percent": percent})

    def close(self) -> None:
        """Close every session made for this tenant."""
        for session in self._sessions:
            session.close()
        self._sessions.clear()

    def drop(self) -> None:
        """Close the sessions and delete the tenant from the server."""
        __tracebackhide__ = True
        self.close()
        self.server.delete_tenant(self.tenant_id)


def _without_status(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "status"}
