"""The request side, generated from the schemas the views load: path ids, query, form bodies.

Each field class of api/params.py (and the few a view module adds) has one converter below,
found through the class's MRO the way apispec's MarshmallowPlugin maps fields: a field class
with none fails the build, so a new kind of field cannot slip into a route undocumented.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from marshmallow import fields, missing
from werkzeug.routing import IntegerConverter, Rule

from ..api.advertiser_invoices import DetailRows
from ..api.params import MAX_TEXT, Choice, Day, Flag, Int, ListOf, Money, Params, Refused, Text
from ..api.partners import Bindings
from ..network.advertisers import PAYOUT_TYPES
from .blocks import (
    DAY_IN,
    FLAG_IN,
    IGNORED,
    REFUSED,
    STRING,
    TEXT_IN,
    Schema,
    array,
    blank_or,
    form_body,
    int_in,
    integer,
    list_in,
    loose,
    map_of,
    money_in,
    path,
    query,
    query_list,
    text,
)

QUERY, BODY = "query", "body"
Note = str | Schema  # a description, or keywords (examples...) merged into the value schema


@dataclass(frozen=True)
class Request:
    """What the document adds to a route's schema: prose, examples and whole-body rules."""

    notes: Mapping[str, Note] = field(default_factory=dict)
    body: Schema = field(default_factory=dict)  # e.g. minProperties for "at least one of"
    body_required: bool = False


# ----------------------------------------------------------------------------- field converters


def _int(f: Int, where: str) -> Schema:
    if f.choices is not None:
        if where == QUERY:
            return integer(enum=list(f.choices))
        return {"enum": [*f.choices, *map(str, f.choices)]}
    if where == QUERY:
        return integer(**{k: v for k, v in (("minimum", f.minimum), ("maximum", f.maximum))
                          if v is not None})
    return int_in(f.minimum, f.maximum)


def _list(f: ListOf, where: str) -> Schema:
    item = field_schema(f.item, where)
    return array(item) if where == QUERY else list_in(item)


def _bindings(f: Bindings, where: str) -> Schema:
    # The entries are read by hand (api/partners.py _binding), not by a schema.
    value = {"type": ["string", "number"]}
    binding = {"type": "object", "properties": {
        "system_id": int_in(minimum=1), "currency": blank_or(TEXT_IN),
        "active": blank_or(FLAG_IN),
        "fields": {"anyOf": [map_of(value), array(value), {"const": ""}],
                   "description": "Field id to value ([] or empty: none)"}},
        "required": ["system_id"]}
    return {"anyOf": [array(binding), map_of(binding, propertyNames=text(pattern=r"^\d+$"))],
            "description": "Replaces every binding. Forms send payment_systems[0][system_id]=1"
                           "&payment_systems[0][currency]=USD&payment_systems[0][fields][4]=Z1"}


def _detail_rows(f: DetailRows, where: str) -> Schema:
    # The rows are read by hand (api/advertiser_invoices.py _detail_row), not by a schema.
    row = {"type": "object", "properties": {
        "offer_id": int_in(minimum=1), "payout_type": text(enum=list(PAYOUT_TYPES)),
        "actions": blank_or(int_in(minimum=0)), "amount": blank_or(int_in(minimum=0)),
        "comment": TEXT_IN}, "required": ["offer_id", "payout_type"]}
    return {"anyOf": [array(row), map_of(row, propertyNames=text(pattern=r"^\d+$"))],
            "description": "Forms send detail[0][offer_id]=4&detail[0][payout_type]=RPA"
                           "&detail[0][actions]=10&detail[0][amount]=220"}


def _text(f: Text, where: str) -> Schema:
    # Only a column's bound is described: the 64 KiB bound of free text would lead generators
    # (schemathesis) to draw bodies past the body limit.
    schema = STRING if where == QUERY else TEXT_IN
    return schema if f.max_chars == MAX_TEXT else {**schema, "maxLength": f.max_chars}


CONVERTERS: dict[type, Callable[[Any, str], Schema]] = {
    Text: lambda f, where: _text(f, where),
    Int: _int,
    Money: lambda f, where: money_in(),
    Day: lambda f, where: DAY_IN,
    Flag: lambda f, where: FLAG_IN,
    Choice: lambda f, where: text(enum=list(f.choices)),
    ListOf: _list,
    Bindings: _bindings,
    Refused: lambda f, where: {"not": {}, **REFUSED},
    DetailRows: _detail_rows,
    fields.Raw: lambda f, where: {**STRING, **IGNORED} if where == QUERY else IGNORED,
}
# How a form carries a field that is an object (OpenAPI's encoding object).
FORM_ENCODINGS: dict[type, Schema] = {Bindings: {"style": "deepObject", "explode": True},
                                      DetailRows: {"style": "deepObject", "explode": True}}


def field_schema(f: fields.Field, where: str) -> Schema:
    """Describe one field's value as a query parameter or as a body property reads it."""
    for kind in type(f).__mro__:
        if kind in CONVERTERS:
            return dict(CONVERTERS[kind](f, where))
    raise TypeError(f"no OpenAPI converter for {type(f).__name__}: add one to CONVERTERS")


def blank_is_absent(f: fields.Field) -> bool:
    """Whether an empty value reads as "not given" (api/params.py _is_blank), as documented."""
    if isinstance(f, Text):
        return not f.required and f.blank_is_absent
    return not f.required and not isinstance(f, fields.Raw)


def accepted(schema: type[Params]) -> dict[str, fields.Field]:
    """The parameters a schema reads, by wire name."""
    return {f.data_key or name: f for name, f in schema().fields.items()}


# ----------------------------------------------------------------------------- parameters, bodies


def _with_note(value: Schema, note: Note | None) -> Schema:
    """value with the note's keywords, or its text after the value's own description."""
    if isinstance(note, dict):
        return {**value, **note}
    if not note:
        return value
    own = value.get("description", "")
    own = own if not own or own.endswith(".") else own + "."
    return {**value, "description": f"{own} {note}".strip()}


def query_parameters(schema: type[Params], request: Request) -> list[Schema]:
    """The query parameters of a GET route, one per field; lists as name[] (Affise's form)."""
    result = []
    for name, f in accepted(schema).items():
        note = request.notes.get(name)
        value = field_schema(f, QUERY)
        if isinstance(note, dict):
            value, note = {**value, **note}, None
        if f.load_default is not missing and not callable(f.load_default):
            value["default"] = f.load_default
        if isinstance(f, ListOf):
            result.append(query_list(name, value["items"], note or "", required=f.required))
        else:
            result.append(query(name, value, required=f.required, description=note or "",
                                blank=blank_is_absent(f)))
    return result


def body_schema(schema: type[Params], request: Request) -> Schema:
    """The object a POST route takes as a form, a multipart form or a JSON object."""
    properties = {}
    for name, f in accepted(schema).items():
        value = _with_note(field_schema(f, BODY), request.notes.get(name))
        properties[name] = blank_or(value) if blank_is_absent(f) else value
    required = [name for name, f in accepted(schema).items() if f.required]
    return loose(properties, **({"required": required} if required else {}), **request.body)


def form_encoding(schema: type[Params]) -> Schema:
    """How a form carries the schema's object-valued fields (deepObject for bindings)."""
    return {name: FORM_ENCODINGS[kind] for name, f in accepted(schema).items()
            for kind in type(f).__mro__ if kind in FORM_ENCODINGS}


def path_parameters(rule: Rule, ids: Mapping[str, tuple[str, list[int]]]) -> list[Schema]:
    """The rule's path parameters: integer ids described by ids (name: (what, examples))."""
    result = []
    for converter, name in re.findall(r"<(?:([^:>]+):)?([^>]+)>", rule.rule):
        if not issubclass(rule.map.converters[converter or "default"], IntegerConverter):
            raise TypeError(f"{rule.rule}: describe the {name} path parameter")
        what, examples = ids[name]
        result.append(path(name, integer(minimum=0), f"The {what}'s id", examples))
    return result


def openapi_path(rule: Rule) -> str:
    """Flask's /a/<int:b> as OpenAPI's /a/{b}."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)


def routes(app: Flask) -> dict[tuple[str, str], tuple[Rule, type[Params]]]:
    """Every (OpenAPI path, method) the app serves, with its rule and the schema its view loads."""
    result = {}
    for rule in app.url_map.iter_rules():
        schema = getattr(app.view_functions[rule.endpoint], "params", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            result[(openapi_path(rule), method.lower())] = (rule, schema)
    return result


def add_request_side(paths: dict[str, Schema], app: Flask, requests: Mapping[str, Request],
                     ids: Mapping[str, tuple[str, list[int]]]) -> dict[str, Schema]:
    """Give every operation of paths its request side from the route the app serves.

    Return the body schemas to put under components, named after the operation.
    """
    served, bodies = routes(app), {}
    for route, operations in paths.items():
        for method, operation in operations.items():
            if (route, method) not in served:
                raise LookupError(f"{method.upper()} {route} is documented, not served")
            rule, schema = served[(route, method)]
            op_id = operation["operationId"]
            request = requests.get(op_id, Request())
            unknown = set(request.notes) - set(accepted(schema))
            if unknown:
                raise LookupError(f"{op_id}: notes for parameters it does not take: {unknown}")
            operation["parameters"] = path_parameters(rule, ids)
            if not accepted(schema):
                continue
            if method == "get":
                operation["parameters"] += query_parameters(schema, request)
                continue
            name = op_id[0].upper() + op_id[1:] + "Request"
            bodies[name] = body_schema(schema, request)
            operation["requestBody"] = form_body(
                name, required=request.body_required or bool(bodies[name].get("required")),
                encoding=form_encoding(schema) or None)
    return bodies
