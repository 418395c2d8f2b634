"""HTTP adapters: one blueprint per Affise API family, plus the /_mock control plane."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint the mock serves."""
    from . import control

    app.register_blueprint(control.blueprint)
    for name in ("reference", "partners", "stats", "payments"):
        try:
            module = __import__(f"{__name__}.{name}", fromlist=["blueprint"])
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        app.register_blueprint(module.blueprint)
