"""Read a real Affise network, GET only, into a fixture document (`mock-affise import`).

client: the polite read-only HTTP client; reading: which routes, in what order; mapper: each
answer as fixture rows; document: the rows as one document, and what Affise cannot show;
anonymize: stand-ins for personal data; checkpoint: resumable conversion windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .anonymize import Anonymizer
from .checkpoint import Checkpoint
from .client import AffiseReader, KeyRefused, ReadFailed
from .document import UNKNOWABLE, build_document
from .reading import Network, Progress, Scope, read_network

__all__ = ["UNKNOWABLE", "AffiseReader", "Anonymizer", "Checkpoint", "Imported", "KeyRefused",
           "ReadFailed", "Scope", "import_network"]


@dataclass
class Imported:
    """A finished import: the document, what was read, and the notes about this network."""

    document: dict[str, Any]
    network: Network
    notes: list[str]


def import_network(reader: AffiseReader, scope: Scope, now: datetime, progress: Progress,
                   *, checkpoint: Checkpoint | None = None,
                   anonymizer: Anonymizer | None = None) -> Imported:
    """Read the network within scope and return it as a fixture document frozen at now."""
    network = read_network(reader, scope, progress, checkpoint)
    built = build_document(network, now)
    if anonymizer is not None:
        anonymizer.document(built.document)
    return Imported(built.document, network, [*built.notes, *reader.notes])
