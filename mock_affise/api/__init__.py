"""HTTP adapters: one blueprint per Affise API family, plus the /_mock control plane
and its dashboard (/_mock/ui)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint the mock serves."""
    from . import advertiser_invoices, control, partners, payments, reference, stats, ui
    from .not_emulated import register_not_emulated

    for module in (control, ui, reference, partners, stats, payments, advertiser_invoices):
        app.register_blueprint(module.blueprint)
    register_not_emulated(app)  # last: a served operation always wins over the list
