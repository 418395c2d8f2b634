"""Control views of fault rules, and the schema of the rule they add."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from flask import request
from marshmallow import INCLUDE, fields, post_load
from marshmallow import ValidationError as MarshmallowError

from ...harness import faults
from ...models import FaultRule
from ...texts import column_chars, length_problem
from .base import body, control, pagination, route, settings
from .schemas import Body, PageQuery, Whole, parse

ACTIONS = ("status", "delay_ms", "drop_after_commit", "body")
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")
PROBABILITY_TEXT = re.compile(r"\s*[0-9]*\.?[0-9]*([eE][+-]?[0-9]+)?\s*")
PATH_CHARS = column_chars(FaultRule.path)
STATUS_RANGE, DELAY_RANGE = (100, 599), (0, 120_000)


# ----------------------------------------------------------------------------- parameters


class Match(fields.Field):
    """{"method": ..., "path": ...}: which requests a fault rule takes (absent: all of them)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise MarshmallowError("must be an object with method and/or path")
        method = value.get("method")
        if method is not None:
            method = str(method).upper()
            if method not in METHODS:
                raise MarshmallowError({"method": ["must be one of " + ", ".join(METHODS)]})
        path = value.get("path")
        if path is None or path == "":
            path = "*"
        if not isinstance(path, str) or (not path.startswith("/") and path != "*"):
            raise MarshmallowError({"path": ["must start with / (a * matches any run of text)"]})
        if (problem := length_problem(path, PATH_CHARS)) is not None:
            raise MarshmallowError({"path": [problem]})
        return {"method": method, "path": path}

    def json_schema(self) -> dict[str, Any]:
        any_case = "|".join("".join(f"[{c}{c.lower()}]" for c in m) for m in METHODS)
        return {"type": ["object", "null"], "properties": {
            "method": {"type": ["string", "null"], "pattern": f"^(?:{any_case})$",
                       "description": ", ".join(METHODS[:-1]) + f" or {METHODS[-1]}, any case"},
            "path": {"type": ["string", "null"], "pattern": "^(/.*|\\*)?$", "maxLength": PATH_CHARS,
                     "description": "A * matches any run of characters; empty or null: *"}}}


class Action(fields.Field):
    """What a rule does: status (and body), delay_ms, or drop_after_commit."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict) or not value:
            raise MarshmallowError("must be an object with one of " + ", ".join(ACTIONS))
        unknown = [k for k in value if k not in ACTIONS]
        if unknown:
            raise MarshmallowError({unknown[0]: [
                "is not a fault action (expected one of " + ", ".join(ACTIONS) + ")"]})
        clean: dict[str, Any] = {}
        for name, (low, high) in (("status", STATUS_RANGE), ("delay_ms", DELAY_RANGE)):
            if name in value:
                clean[name] = _sub(Whole(low, high), name, value[name])
        if "drop_after_commit" in value:
            if value["drop_after_commit"] is not True:
                raise MarshmallowError({"drop_after_commit": ["must be true"]})
            clean["drop_after_commit"] = True
        if "body" in value:
            if "status" not in clean:
                raise MarshmallowError({"body": ["needs a status to send it with"]})
            clean["body"] = _sub(PlainJson(), "body", value["body"])
        if clean.get("drop_after_commit") and "status" in clean:
            raise MarshmallowError("drop_after_commit cannot be combined with status")
        return clean

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": {
            "status": Whole(*STATUS_RANGE).json_schema(),
            "delay_ms": Whole(*DELAY_RANGE).json_schema(),
            "drop_after_commit": {"const": True},
            "body": PlainJson().json_schema()},
            "minProperties": 1, "additionalProperties": False}


def _sub(field: fields.Field, name: str, value: Any) -> Any:
    try:
        return field.deserialize(value)
    except MarshmallowError as exc:
        raise MarshmallowError({name: exc.messages}) from exc


class PlainJson(fields.Field):
    """A JSON value the JSON column and the answer's encoder both take.

    The body parser reads fractions as Decimal (exact money); a fault body is sent back as it
    came, so they become floats, and integers must fit the 64 bits the encoder writes.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, dict):
            return {key: self._deserialize(item, attr, data) for key, item in value.items()}
        if isinstance(value, list):
            return [self._deserialize(item, attr, data) for item in value]
        if isinstance(value, Decimal):
            number = float(value)
            if not math.isfinite(number):
                raise MarshmallowError("numbers must fit a 64-bit float")
            return number
        if isinstance(value, int) and not isinstance(value, bool) and \
                not -(2**63) <= value < 2**64:
            raise MarshmallowError("integers must fit 64 bits")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"description": "Sent with status instead of the envelope; numbers must fit "
                               "64 bits"}


class Probability(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        try:
            if isinstance(value, bool):
                raise TypeError("a boolean is no probability")
            if isinstance(value, str) and not PROBABILITY_TEXT.fullmatch(value):
                raise ValueError("ASCII digits only: no underscores, no other scripts")
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise MarshmallowError("must be a number from 0 to 1") from exc
        if not 0.0 <= number <= 1.0:
            raise MarshmallowError("must be a number from 0 to 1")
        return number

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["number", "string"], "pattern": f"^{PROBABILITY_TEXT.pattern}$",
                "minimum": 0,
                "maximum": 1}


class FaultRuleBody(Body):
    """POST /_mock/faults: {"match": {...}, "action": {...}, "times", "probability", "seed"}."""

    class Meta:
        unknown = INCLUDE  # other keys are ignored, as they always were

    not_an_object = "must be a JSON object with match and action"
    json_extra: dict[str, Any] = {  # noqa: RUF012
        "description": "First match wins. status answers in Affise's envelope (or body) with "
                       "nothing applied; delay_ms sleeps first; drop_after_commit applies the "
                       "change and closes the connection without an answer"}
    match = Match(load_default=None, allow_none=True)
    action = Action(required=True,
                    error_messages={"required": "must be an object with one of "
                                    + ", ".join(ACTIONS),
                                    "null": "must be an object with one of " + ", ".join(ACTIONS)})
    times = Whole(1, 1_000_000, load_default=None, allow_none=True)
    probability = Probability(load_default=1.0,
                              error_messages={"null": "must be a number from 0 to 1"})
    seed = Whole(-(2**31), 2**31 - 1, load_default=0,
                 error_messages={"null": "must be an integer"})

    @post_load
    def _columns(self, loaded: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        match = loaded["match"] or {"method": None, "path": "*"}
        return {"method": match["method"], "path": match["path"], "action": loaded["action"],
                "times": loaded["times"], "probability": loaded["probability"],
                "seed": loaded["seed"]}


# ----------------------------------------------------------------------------- views


def add_fault_rule(session, tenant, request_body) -> dict:
    """Add the fault rule request_body describes after the existing ones; return the answer."""
    rule = faults.add_rule(session, tenant.id, parse(FaultRuleBody(), request_body),
                           settings()["MAX_FAULT_RULES"])
    return {"status": 1, "fault": faults.render(rule)}


@route("/faults", ["POST"])
@control(write=True)
def add_fault(session, tenant):
    """Add a fault rule after the existing ones (first match wins)."""
    return add_fault_rule(session, tenant, body())


@route("/faults", ["GET"])
@control()
def list_faults(session, tenant):
    """List the fault rules in matching order, a page at a time."""
    query = parse(PageQuery(), request.args.to_dict())
    page = faults.page_of_rules(session, tenant.id, query["page"], query["limit"])
    return {"status": 1, "faults": [faults.render(r) for r in page.items],
            "pagination": pagination(page)}


@route("/faults", ["DELETE"])
@control(write=True)
def clear_faults(session, tenant):
    """Delete every fault rule."""
    faults.delete_rules(session, tenant.id)
    return {"status": 1, "result": True}


@route("/faults/<int:rule_id>", ["DELETE"])
@control(write=True)
def delete_fault(session, tenant, rule_id: int):
    """Delete one fault rule."""
    faults.delete_rules(session, tenant.id, rule_id)
    return {"status": 1, "result": True}
