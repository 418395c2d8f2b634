"""Request schemas: marshmallow fields that read Affise's wire values into plain Python."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, fields
from marshmallow import ValidationError as MarshmallowError

from ..errors import ExtraFields, ValidationError, clip
from ..money import MoneyError, parse_money
from ..numbers import NumberError, is_index, parse_int
from ..texts import column_chars, length_problem

EARLIEST, LATEST = date(1900, 1, 1), date(9000, 12, 31)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_TEXT = 65_536
# Affise's own words for what only a manager's key may use (extracts.yml).
ADMIN_ONLY = "available only for admin API-Key"


class Scalar(fields.Field):
    """One value: a repeated key keeps the last value, as PHP does."""

    default_error_messages = {  # noqa: RUF012
        "required": "is required",
        "null": "is required",
        "single": "must be a single value, not an array",
    }

    def _raw(self, value: Any) -> Any:
        if isinstance(value, list):
            if not value:
                raise self.make_error("single")
            value = value[-1]
        if isinstance(value, dict | list):
            raise self.make_error("single")
        if value is None:  # a JSON [null]: as absent a value as null itself, never "None"
            raise self.make_error("null")
        return value


class Text(Scalar):
    """Text; with column (a model attribute), at most as many characters as it holds.

    An empty value is a value (it clears the text) unless blank_is_absent says otherwise.
    """

    blank_is_absent = False

    def __init__(self, *, column: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_chars = MAX_TEXT if column is None else column_chars(column)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = self._raw(value)
        if isinstance(value, bool):
            value = int(value)
        text = str(value)
        problem = length_problem(text, self.max_chars)
        if problem:
            raise MarshmallowError(problem)
        return text


class Int(Scalar):
    def __init__(self, *, minimum: int | None = None, maximum: int | None = None,
                 choices: tuple[int, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum, self.choices = minimum, maximum, choices

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        value = self._raw(value)
        try:
            number = parse_int(value.strip() if isinstance(value, str) else value,
                               self.minimum, self.maximum)
        except NumberError as exc:
            raise MarshmallowError(str(exc)) from exc
        if self.choices is not None and number not in self.choices:
            raise MarshmallowError("must be one of " + ", ".join(map(str, self.choices)))
        return number


class Money(Scalar):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        value = self._raw(value)
        try:
            return parse_money(value)
        except MoneyError as exc:
            raise MarshmallowError(str(exc)) from exc


class Day(Scalar):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        value = str(self._raw(value)).strip()
        if not _DATE.fullmatch(value):
            raise MarshmallowError("must be a date in YYYY-MM-DD format")
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError as exc:
            raise MarshmallowError("must be a real date in YYYY-MM-DD format") from exc
        if not EARLIEST <= day <= LATEST:
            raise MarshmallowError(f"must be between {EARLIEST} and {LATEST}")
        return day


class Flag(Scalar):
    """0/1, true/false, as forms and the Go SDK send booleans."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        value = self._raw(value)
        text = str(value).strip().lower()
        if text in ("1", "true"):
            return True
        if text in ("0", "false", ""):
            return False
        raise MarshmallowError("must be 0 or 1")


class Refused(Scalar):
    """A parameter Affise documents that the mock cannot honour: any value is a 400."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raise MarshmallowError("not supported by mock-affise")


class Choice(Scalar):
    def __init__(self, choices: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = str(self._raw(value))
        if text not in self.choices:
            raise MarshmallowError("must be one of " + ", ".join(self.choices))
        return text


class ListOf(fields.Field):
    """An array in any encoding: k[0]=, k[]=, repeated k=, JSON list, or a single value."""

    default_error_messages = {"required": "is required", "null": "is required"}  # noqa: RUF012

    def __init__(self, item: Scalar, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, dict):
            value = indexed(value, "must be an array")
        elif not isinstance(value, list):
            value = [value]
        items = []
        for index, raw in enumerate(value):
            if isinstance(raw, dict | list):
                raise MarshmallowError(f"item {index} must be a single value")
            try:
                items.append(self.item._deserialize(raw, attr, data))
            except MarshmallowError as exc:
                raise MarshmallowError(f"item {index} {_first(exc.messages)}") from exc
        return items


def indexed(value: dict[str, Any], problem: str) -> list[Any]:
    """Return the items of an indexed dict (ids[1]=a&ids[0]=b) in index order."""
    if not all(is_index(k) for k in value):
        raise MarshmallowError(problem)
    return [value[k] for k in sorted(value, key=int)]


def _first(messages: Any) -> str:
    while isinstance(messages, dict | list):
        messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
    return str(messages)


class Params(Schema):
    """Base schema: unknown parameters are dropped, or refused on strict routes."""

    class Meta:
        unknown = EXCLUDE

    # Set True on routes where Affise itself refuses extra fields.
    always_strict = False
    # The parameters Affise marks "ONLY FOR ADMIN": an affiliate's key may not send them.
    admin_only: tuple[str, ...] = ()


def load(schema: Params, params: Mapping[str, Any], strict: bool = False,
         admin_api: bool = True) -> dict[str, Any]:
    """Validate params against schema; raise the first problem as an Affise 400.

    admin_api is False for an affiliate's key, which is refused the schema's admin_only names.
    """
    if strict or schema.always_strict:
        known = {f.data_key or name for name, f in schema.fields.items()}
        for name in params:
            if name not in known:
                raise ExtraFields(clip(name))
    if not admin_api:
        for name in schema.admin_only:
            if _sent(params.get(name)):
                raise ValidationError(name, ADMIN_ONLY)
    cleaned = {k: v for k, v in params.items() if not _is_blank(v, schema, k)}
    try:
        return schema.load(cleaned)
    except MarshmallowError as exc:
        field, problem = _first_error(exc.messages, schema)
        raise ValidationError(clip(field), problem) from exc


def _sent(value: Any) -> bool:
    """Tell whether a parameter carries a value (partner[]= alone carries none)."""
    if isinstance(value, list):
        return any(_sent(item) for item in value)
    if isinstance(value, dict):
        return any(_sent(item) for item in value.values())
    return value not in (None, "")


def _is_blank(value: Any, schema: Params, name: str) -> bool:
    # An empty value for a non-text field means "not given", as PHP's empty() reads it.
    field = schema.fields.get(name) or next(
        (f for f in schema.fields.values() if f.data_key == name), None
    )
    return value == "" and field is not None and (
        not isinstance(field, Text) or field.blank_is_absent)


def _first_error(messages: Any, schema: Params) -> tuple[str, str]:
    if isinstance(messages, dict):
        order = [f.data_key or n for n, f in schema.fields.items()]
        keys = sorted(messages, key=lambda k: order.index(k) if k in order else len(order))
        key = keys[0]
        if key == "_schema":
            text = _first(messages[key])
            field, _, problem = text.partition(": ")
            return field, problem
        return key, _first(messages[key])
    return "request", _first(messages)
