"""Request schemas of the control plane: bodies and queries read into plain values.

The texts are the control plane's own (it is the mock's, not Affise's); a problem is raised as
the 400 envelope naming its field as a dotted path (match.method, action.status).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, pre_load
from marshmallow import ValidationError as MarshmallowError

from ...billing.rules import percent_allowed
from ...clock import parse_duration, parse_timestamp
from ...errors import ValidationError
from ...harness.snapshots import SEED
from ...money import MoneyError, parse_money
from ...texts import text_problem
from ..wire import KEY_NAME

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
MAX_DELAY_SECONDS = 366 * 86400
MAX_CLOCK_MOVE = 100 * 366 * 86400
WHOLE = re.compile(r"-?[0-9]{1,20}")


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
                not WHOLE.fullmatch(str(value)):
            raise MarshmallowError("must be an integer")
        number = int(value)
        if not self.minimum <= number <= self.maximum:
            raise MarshmallowError(f"must be between {self.minimum} and {self.maximum}")
        return number

    def json_schema(self) -> dict[str, Any]:
        """Describe what the field reads, as JSON Schema (the OpenAPI document's request side)."""
        return {"type": ["integer", "string"], "pattern": "^-?[0-9]+$",
                "minimum": self.minimum, "maximum": self.maximum}


# ------------------------------------------------------------------------------ clock

_MOVES = ("set", "advance", "advance_seconds")


MOMENT_PATTERN = r"^\s*\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?\s*$"
DURATION_PATTERN = r"^\s*-?\d+\s*[smhdw]\s*$"


class Moment(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        try:
            return parse_timestamp(str(value))
        except ValueError as exc:
            raise MarshmallowError(str(exc)) from exc

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": MOMENT_PATTERN, "examples": ["2024-07-01 00:00:00"]}


class Seconds(fields.Field):
    """A clock move in seconds: a duration (3d) or, as_integer, a number of seconds."""

    def __init__(self, as_integer: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.as_integer = as_integer

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if self.as_integer:
            if isinstance(value, bool) or not WHOLE.fullmatch(str(value)):
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

    def json_schema(self) -> dict[str, Any]:
        if self.as_integer:
            return {"type": ["integer", "string"], "pattern": "^-?[0-9]+$"}
        return {"type": "string", "pattern": DURATION_PATTERN, "examples": ["3d"]}


class Toggle(fields.Raw):
    """true or false (null: unchanged); checked with the body, where the message names it."""

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["boolean", "null"]}


class ClockMove(Body):
    """POST /_mock/clock: {"set": ...} | {"advance": "3d"} | {"advance_seconds": n}, frozen."""

    class Meta:
        unknown = EXCLUDE

    set = Moment(allow_none=True)
    advance = Seconds(allow_none=True)
    advance_seconds = Seconds(as_integer=True, allow_none=True)
    frozen = Toggle(load_default=None, allow_none=True)
    # At least one of the moves or frozen (checked in _one_move).
    json_extra: dict[str, Any] = {  # noqa: RUF012
        "anyOf": [{"required": [name]} for name in (*_MOVES, "frozen")],
        "description": "One of set, advance or advance_seconds, and/or frozen; the clock stays "
                       "between 1900-01-01 and 9000-12-31 and moves at most 100 years"}

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

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 0,
                "maximum": MAX_DELAY_SECONDS}


PERCENT_PROBLEM = "must be a decimal number from 0 to 100"


class Percent(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            percent = parse_money(value)
        except MoneyError as exc:
            raise MarshmallowError(PERCENT_PROBLEM) from exc
        if not percent_allowed(percent):
            raise MarshmallowError(PERCENT_PROBLEM)
        return percent

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["string", "number"], "pattern": r"^[0-9]{1,3}(\.[0-9]{1,8})?$",
                "minimum": 0, "maximum": 100, "examples": ["5"]}


class ConfigChange(Body):
    """POST /_mock/config: {"generation_delay_seconds": 120, "referral_percent": "5"}."""

    body_field = "generation_delay_seconds"
    not_an_object = "is required"
    generation_delay_seconds = Delay(error_messages={"null": DELAY_PROBLEM})
    referral_percent = Percent(error_messages={"null": PERCENT_PROBLEM})
    json_extra: dict[str, Any] = {"minProperties": 1,  # noqa: RUF012
                                  "additionalProperties": False}

    @pre_load
    def _settings_only(self, data: Mapping[str, Any], **kwargs: Any) -> Mapping[str, Any]:
        for name in data:
            if name not in self.fields and name.lower() != KEY_NAME:
                raise MarshmallowError({name: [
                    "is not a setting (expected generation_delay_seconds or referral_percent)"]})
        settings = {k: v for k, v in data.items() if k in self.fields}
        if not settings:  # nothing to change, or only a key: no value given
            raise MarshmallowError({"generation_delay_seconds": ["is required"]})
        return settings


# ------------------------------------------------------------------------------ snapshots

NAME_CHARS = 255
NAME_PROBLEM = f"must be a non-empty string of at most {NAME_CHARS} characters"


class Name(fields.Raw):
    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": NAME_CHARS}


class SnapshotName(Body):
    """POST /_mock/snapshots: {"name": ...}."""

    class Meta:
        unknown = EXCLUDE

    body_field = "name"
    not_an_object = NAME_PROBLEM
    name = Name(required=True, allow_none=True, error_messages={
        "required": NAME_PROBLEM, "null": NAME_PROBLEM})

    @post_load
    def _name(self, loaded: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        value = loaded["name"]
        if not isinstance(value, str) or not value.strip() or len(value) > NAME_CHARS \
                or value == SEED:
            raise MarshmallowError({"name": [NAME_PROBLEM]})
        return loaded


# ------------------------------------------------------------------------------ lists


class PageQuery(Schema):
    """?page=&limit= of a control list (tenants, snapshots, faults)."""

    class Meta:
        unknown = EXCLUDE

    page = Whole(1, 10**9, load_default=1)
    limit = Whole(1, MAX_PAGE_SIZE, load_default=DEFAULT_PAGE_SIZE,
                  metadata={"description": f"Items a page ({DEFAULT_PAGE_SIZE} when not given)"})


class Digits(fields.Field):
    """Digits matching pattern, read as an int; maximum is what the pattern allows."""

    def __init__(self, pattern: str, problem: str, maximum: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pattern, self.problem, self.maximum = re.compile(pattern), problem, maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        # [0-9] with a bound, not isdigit(): "²" breaks int(), a huge number breaks the query.
        if not self.pattern.fullmatch(str(value)):
            raise MarshmallowError(self.problem)
        return int(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 0, "maximum": self.maximum}


class Words(fields.String):
    """Text a query filters by: NUL characters and lone surrogates are refused, as everywhere."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text)
        if problem is not None:
            raise MarshmallowError(problem)
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string"}


class JournalQuery(Schema):
    """GET /_mock/requests: ?method=&path=&status=&since=&limit=."""

    class Meta:
        unknown = EXCLUDE

    method = Words(load_default=None, metadata={"examples": ["POST"]})
    path = Words(load_default=None, metadata={"description": "Exact, or a prefix ending in *",
                                              "examples": ["/3.1/payments*"]})
    status = Digits(r"[0-9]{1,3}", "must be an HTTP status code", 999, load_default=None)
    since = Moment(load_default=None, metadata={"blank": True})  # empty: not given
    limit = Digits(r"[0-9]{1,9}", "must be a positive integer of at most 9 digits",
                   999_999_999, load_default=None, metadata={"description": "The newest N"})

    @pre_load
    def _no_empty_since(self, data: Mapping[str, Any], **kwargs: Any) -> Mapping[str, Any]:
        return {k: v for k, v in data.items() if not (k == "since" and not v)}
