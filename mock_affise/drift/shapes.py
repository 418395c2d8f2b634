"""The shape of a JSON answer, and the differences between two shapes.

A shape maps each path in the answer ("partners[].payment_systems[].currency") to the JSON
kinds seen there (object, array, string, number, boolean, null). Keys that are data, not
names (PHP's maps keyed by id, amount or currency code), become {id}, {amount} and {code}, so
two networks with different ids have the same shape. A container that is empty on one side
tells nothing about its insides: paths under it are not compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ROOT = "(body)"
_AMOUNT = re.compile(r"^-?\d+\.\d+$")
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass
class Shape:
    """Kinds by path, each path's container, and the containers seen with something inside."""

    kinds: dict[str, set[str]] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)
    filled: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Difference:
    """One way the mock's answer differs from Affise's."""

    operation: str
    field: str
    # "status", "content type", "type", "nullability", "missing on the mock", "only on the mock"
    kind: str
    affise: str
    mock: str

    def as_dict(self) -> dict[str, str]:
        return {"operation": self.operation, "field": self.field, "kind": self.kind,
                "affise": self.affise, "mock": self.mock}


def kind_of(value: Any) -> str:
    """The JSON kind of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):  # the reader decodes decimals as Decimal
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _segment(key: str) -> str:
    if key.isdigit():
        return "{id}"
    if _AMOUNT.match(key):
        return "{amount}"
    return "{code}" if _CODE.match(key) else key


def shape_of(value: Any) -> Shape:
    """Return the shape of a decoded JSON answer."""
    shape = Shape()
    stack: list[tuple[Any, str, str | None]] = [(value, ROOT, None)]
    while stack:
        node, path, parent = stack.pop()
        shape.kinds.setdefault(path, set()).add(kind_of(node))
        shape.parents.setdefault(path, parent)
        if isinstance(node, dict):
            children = [(child, f"{path}.{_segment(str(key))}" if path != ROOT
                         else _segment(str(key))) for key, child in node.items()]
        elif isinstance(node, list):
            children = [(child, f"{path}[]" if path != ROOT else "[]") for child in node]
        else:
            continue
        if children:
            shape.filled.add(path)
        stack.extend((child, child_path, path) for child, child_path in children)
    return shape


def _shown(kinds: set[str] | None) -> str:
    return " or ".join(sorted(kinds)) if kinds else "-"


def compare(operation: str, affise: Shape, mock: Shape) -> list[Difference]:
    """Return how mock's shape differs from affise's, path by path, in path order."""
    found = []
    for path in sorted(set(affise.kinds) | set(mock.kinds)):
        parent = affise.parents.get(path, mock.parents.get(path))
        if parent is not None and not (parent in affise.filled and parent in mock.filled):
            continue  # empty on one side: nothing to compare inside it
        ours, theirs = mock.kinds.get(path), affise.kinds.get(path)
        if ours == theirs:
            continue
        if theirs is None:
            kind = "only on the mock"
        elif ours is None:
            kind = "missing on the mock"
        elif ("null" in ours) != ("null" in theirs) and (
                ours - {"null"} == theirs - {"null"} or not ours - {"null"}
                or not theirs - {"null"}):
            kind = "nullability"  # null on one side only, and no other kind disagrees
        else:
            kind = "type"
        found.append(Difference(operation, path, kind, _shown(theirs), _shown(ours)))
    return found
