"""The /_mock control plane: tenants, state, clock, journal, faults, config, coverage.

A view parses its body or query with a schema (control.schemas), calls one harness service and
renders the answer.
"""

from __future__ import annotations

from . import clock, config, coverage, faults, journal, state, tenants
from .base import TOKEN_HEADER, blueprint

__all__ = ["TOKEN_HEADER", "blueprint", "clock", "config", "coverage", "faults", "journal",
           "state", "tenants"]
