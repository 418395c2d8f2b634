"""Known but unserved Affise operations answer 501; the coverage of Affise's API, computed.

A 501 needs no API key: the route does nothing with one, and a user who calls it with a
wrong key learns the more useful fact first. Paths nobody knows stay 404 Page Not Found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from typing import Any, NoReturn

from flask import Flask

from ..errors import NotEmulated
from .unemulated_routes import NOT_EMULATED

ENDPOINT_PREFIX = "not_emulated."
AFFISE_PATH = re.compile(r"^/\d+\.\d+/")
_FLASK_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
_HTTP_METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")

Operation = tuple[str, str]  # METHOD, path template with {name} placeholders


def shape(path: str) -> str:
    """Return a path template with its placeholders unnamed, to compare operations."""
    return _TEMPLATE_VARIABLE.sub("{}", path)


def _served(app: Flask) -> list[tuple[Operation, str]]:
    """Return each Affise operation in the route table with the endpoint serving it."""
    served = []
    for rule in app.url_map.iter_rules():
        if not AFFISE_PATH.match(rule.rule):
            continue
        template = _FLASK_VARIABLE.sub(r"{\1}", rule.rule)
        served.extend(((method, template), rule.endpoint)
                      for method in sorted(rule.methods or ()) if method in _HTTP_METHODS)
    return served


def _answer(method: str, path: str, **_: Any) -> NoReturn:
    raise NotEmulated(method, path)


def register_not_emulated(app: Flask, operations: Iterable[Operation] = NOT_EMULATED) -> None:
    """Route every listed operation the app does not serve to a 501; call after the blueprints."""
    implemented = {(method, shape(path)) for (method, path), _ in _served(app)}
    for method, path in operations:
        if (method, shape(path)) in implemented:
            continue
        rule = _TEMPLATE_VARIABLE.sub(r"<\1>", path)
        app.add_url_rule(rule, f"{ENDPOINT_PREFIX}{method} {path}",
                         partial(_answer, method, path), methods=[method])


def _order(operation: Operation) -> tuple[str, int]:
    method, path = operation
    return path, _HTTP_METHODS.index(method)


def coverage(app: Flask) -> dict[str, list[Operation]]:
    """Return the Affise operations the app implements and the ones it answers 501 to."""
    implemented: set[Operation] = set()
    not_emulated: set[Operation] = set()
    for operation, endpoint in _served(app):
        (not_emulated if endpoint.startswith(ENDPOINT_PREFIX) else implemented).add(operation)
    return {"implemented": sorted(implemented, key=_order),
            "not_emulated": sorted(not_emulated, key=_order)}
