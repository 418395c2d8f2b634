"""mock-affise: a stateful, wire-faithful emulator of the Affise affiliate billing API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the package stays cheap: Flask loads with the first app
    from flask import Flask

    from .interception import Intercept

__all__ = ["create_app", "intercept"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the WSGI app: settings, database, blueprints and the one error handler family.

    config overrides MOCK_AFFISE_* environment variables, which override the defaults
    (see mock_affise.config). Without a DATABASE_URL the database is in memory, seeded with
    the default fixture; a file or server database that already holds a tenant is reused.
    """
    from .app import build_app

    return build_app(config)


def intercept(url: str, app: Flask | None = None, **options: Any) -> Intercept:
    """Answer calls to url in-process with app (default: a fresh mock); see mock_affise.interception."""
    from .interception import Intercept

    return Intercept(url, app, **options)
