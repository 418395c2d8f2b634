"""The fixture document as a JSON schema (contract harness.md section 1), from its one schema."""

from __future__ import annotations

from .blocks import Schema


def _fixture(exported: bool) -> Schema:
    """The fixture document: what export gives (exact), or what loading reads (fixtures/)."""
    from ..fixtures import fixture_json_schema

    return fixture_json_schema(exported)
