"""What a call created, changed or deleted, noted by the services for the request journal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

MAX_IDS = 1000  # a bulk generation may touch 100,000 conversions: keep the journal small


def note(session: Session, verb: str, kind: str, ids: Iterable[Any]) -> None:
    """Record that this transaction's call did verb (created/changed/deleted) to ids of kind."""
    effects = session.info.setdefault("effects", {})
    entry = effects.setdefault(verb, {}).setdefault(kind, [])
    for value in ids:
        if len(entry) >= MAX_IDS:
            counts = session.info.setdefault("effects_truncated", {})
            counts[f"{verb}.{kind}"] = counts.get(f"{verb}.{kind}", MAX_IDS) + 1
            continue
        entry.append(value)


def collected(session: Session) -> dict[str, Any]:
    """Return the effects noted in this session."""
    effects = dict(session.info.get("effects", {}))
    if session.info.get("effects_truncated"):
        effects["truncated"] = dict(session.info["effects_truncated"])
    return effects
