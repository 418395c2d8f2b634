"""Request schemas of the control plane: bodies and queries read into plain values.

The texts are the control plane's own (it is the mock's, not Affise's); a problem is raised as
the 400 envelope naming its field as a dotted path (match.method, action.status).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, fields, post_load, pre_load
from marshmallow import ValidationError as MarshmallowError

from ...clock import parse_duration, parse_timestamp
from ...errors import ValidationError
from ...harness.snapshots import SEED
from ..wire import KEY_NAME

ACTIONS = ("status", "delay_ms", "drop_after_commit", "body")
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
MAX_DELAY_SECONDS = 366 * 86400
MAX_CLOCK_MOVE = 100 * 366 * 86400
_WHOLE = re.compile(r"-?[0-9]{1,20}")


class Body(Schema):
    """A control body: a JSON object; the first problem becomes a 400 naming its field."""

    not_an_object = "must be a JSON object"
    body_field = "body"  # the field a body that is no object is blamed on


def parse(schema: Schema, data: Any) -> dict[str, Any]:
    """Load data with schema; raise the first problem as a ValidationError (Affise's 400)."""
    if not isinstance(data, Mapping):
        raise ValidationError(getattr(schema, "body_field", "body"),
                              getattr(schema, "not_an_object", "must be a JSON object"))
    try:
        return schema.load(data)
    except MarshmallowError as exc:
        field, problem = _first(exc.messages, schema)
        raise ValidationError(field, problem) from exc


def _first(messages: Any, schema: Schema) -> tuple[str, str]:
    order = [f.data_key or name for name, f in schema.fields.items()]
    key = min(messages, key=lambda k: order.index(k) if k in order else len(order))
    path, problem = key, messages[key]
    while isinstance(problem, dict | list):
        if isinstance(problem, dict):
            sub = next(iter(problem))
            path, problem = (path if sub == "_schema" else f"{path}.{sub}"), problem[sub]
        else:
            problem = problem[0]
    return path, str(problem)


class Whole(fields.Field):
    """An integer (a JSON number or its digits in a string) within bounds."""

    def __init__(self, minimum: int, maximum: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        # [0-9], not isdigit(): "²" and "--5" pass isdigit()-style checks and then break int().
        if isinstance(value, bool) or not isinstance(value, int | str) or \
                not _WHOLE.fullmatch(str(value)):
            raise MarshmallowError("must be an integer")
        number = int(value)
        if not self.minimum <= number <= self.maximum:
            raise MarshmallowError(f"must be between {self.minimum} and {self.maximum}")
        return number


# ------------------------------------------------------------------------------ faults


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
        return {"method": method, "path": path}


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
        for name, low, high in (("status", 100, 599), ("delay_ms", 0, 120_000)):
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


class Probability(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        try:
            if isinstance(value, bool):
                raise TypeError("a boolean is no probability")
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise MarshmallowError("must be a number from 0 to 1") from exc
        if not 0.0 <= number <= 1.0:
            raise MarshmallowError("must be a number from 0 to 1")
        return number


class FaultRuleBody(Body):
    """POST /_mock/faults: {"match": {...}, "action": {...}, "times", "probability", "seed"}."""

    class Meta:
        unknown = INCLUDE  # other keys are ignored, as they always were

    not_an_object = "must be a JSON object with match and action"
    match = Match(load_default=None, allow_none=True)
    action = Action(required=True, allow_none=True,
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


# ------------------------------------------------------------------------------ clock

_MOVES = ("set", "advance", "advance_seconds")


class Moment(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        try:
            return parse_timestamp(str(value))
        except ValueError as exc:
            raise MarshmallowError(str(exc)) from exc


class Seconds(fields.Field):
    """A clock move in seconds: a duration (3d) or, as_integer, a number of seconds."""

    def __init__(self, as_integer: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.as_integer = as_integer

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if self.as_integer:
            if isinstance(value, bool) or not _WHOLE.fullmatch(str(value)):
                raise MarshmallowError("must be an integer")
            seconds = int(value)
        else:
            try:
                seconds = parse_duration(value)
            except ValueError as exc:
                raise MarshmallowError(str(exc)) from exc
        if abs(seconds) > MAX_CLOCK_MOVE:
            raise MarshmallowError("must be within 100 years")
        return seconds


class ClockMove(Body):
    """POST /_mock/clock: {"set": ...} | {"advance": "3d"} | {"advance_seconds": n}, frozen."""

    class Meta:
        unknown = EXCLUDE

    set = Moment(allow_none=True)
    advance = Seconds(allow_none=True)
    advance_seconds = Seconds(as_integer=True, allow_none=True)
    frozen = fields.Raw(load_default=None, allow_none=True)

    @pre_load
    def _one_move(self, data: Mapping[str, Any], **kwargs: Any) -> Mapping[str, Any]:
        given = [k for k in _MOVES if k in data]
        if len(given) > 1:
            raise MarshmallowError({given[1]: [f"cannot be combined with {given[0]}"]})
        frozen = data.get("frozen")
        if frozen is not None and not isinstance(frozen, bool):
            raise MarshmallowError({"frozen": ["must be true or false"]})
        if not given and frozen is None:
            raise MarshmallowError({"set": [
                "one of set, advance, advance_seconds or frozen is required"]})
        return data

    @post_load
    def _move(self, loaded: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        field = next((k for k in _MOVES if k in loaded), "advance")
        seconds = loaded.get("advance", loaded.get("advance_seconds"))
        return {"field": field, "moment": loaded.get("set"), "seconds": seconds or 0,
                "frozen": loaded["frozen"]}


# ------------------------------------------------------------------------------ config

DELAY_PROBLEM = f"must be a whole number of seconds from 0 to {MAX_DELAY_SECONDS}"


class Delay(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,9}", str(value)) or \
                int(value) > MAX_DELAY_SECONDS:
            raise MarshmallowError(DELAY_PROBLEM)
        return int(value)


class ConfigChange(Body):
    """POST /_mock/config: {"generation_delay_seconds": 120}."""

    body_field = "generation_delay_seconds"
    not_an_object = "is required"
    generation_delay_seconds = Delay(required=True, error_messages={
        "required": "is required", "null": DELAY_PROBLEM})

    @pre_load
    def _settings_only(self, data: Mapping[str, Any], **kwargs: Any) -> Mapping[str, Any]:
        for name in data:
            if name not in self.fields and name.lower() != KEY_NAME:
                raise MarshmallowError({name: [
                    "is not a setting (expected generation_delay_seconds)"]})
        if data and "generation_delay_seconds" not in data:  # only a key: no value given
            return {"generation_delay_seconds": None}
        return {k: v for k, v in data.items() if k in self.fields}


# ------------------------------------------------------------------------------ snapshots

NAME_PROBLEM = "must be a non-empty string of at most 255 characters"


class SnapshotName(Body):
    """POST /_mock/snapshots: {"name": ...}."""

    class Meta:
        unknown = EXCLUDE

    body_field = "name"
    not_an_object = NAME_PROBLEM
    name = fields.Raw(required=True, allow_none=True, error_messages={
        "required": NAME_PROBLEM, "null": NAME_PROBLEM})

    @post_load
    def _name(self, loaded: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        value = loaded["name"]
        if not isinstance(value, str) or not value.strip() or len(value) > 255 or value == SEED:
            raise MarshmallowError({"name": [NAME_PROBLEM]})
        return loaded


# ------------------------------------------------------------------------------ lists


class PageQuery(Schema):
    """?page=&limit= of a control list (tenants, snapshots, faults)."""

    class Meta:
        unknown = EXCLUDE

    page = Whole(1, 10**9, load_default=1)
    limit = Whole(1, MAX_PAGE_SIZE, load_default=DEFAULT_PAGE_SIZE)


class Digits(fields.Field):
    def __init__(self, pattern: str, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pattern, self.problem = re.compile(pattern), problem

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        # [0-9] with a bound, not isdigit(): "²" breaks int(), a huge number breaks the query.
        if not self.pattern.fullmatch(str(value)):
            raise MarshmallowError(self.problem)
        return int(value)


class JournalQuery(Schema):
    """GET /_mock/requests: ?method=&path=&status=&since=&limit=."""

    class Meta:
        unknown = EXCLUDE

    method = fields.String(load_default=None)
    path = fields.String(load_default=None)
    status = Digits(r"[0-9]{1,3}", "must be an HTTP status code", load_default=None)
    since = Moment(load_default=None)
    limit = Digits(r"[0-9]{1,9}", "must be a positive integer of at most 9 digits",
                   load_default=None)

    @pre_load
    def _no_empty_since(self, data: Mapping[str, Any], **kwargs: Any) -> Mapping[str, Any]:
        return {k: v for k, v in data.items() if not (k == "since" and not v)}
