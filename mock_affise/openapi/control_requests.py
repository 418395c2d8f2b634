"""The control plane's request side, generated from its marshmallow schemas (api/control).

Each control field says what it reads (json_schema); a body or a query is the sum of its
fields, so a field added to a schema is in the document without a second edit.
"""

from __future__ import annotations

from marshmallow import Schema as Marshmallow

from .blocks import Schema, json_body, nullable, query


def _described(schema: Marshmallow, in_body: bool) -> dict[str, tuple[Schema, bool]]:
    """Each wire name's JSON Schema and whether it is required (a query value is never null)."""
    result = {}
    for name, f in schema.fields.items():
        described = {**f.json_schema(), **{k: v for k, v in f.metadata.items() if k != "blank"}}
        if in_body and f.allow_none and "type" in described:
            described = nullable(described)
        result[f.data_key or name] = (described, f.required)
    return result


def body_schema(schema: Marshmallow) -> Schema:
    """The JSON object a control body schema reads."""
    fields = _described(schema, in_body=True)
    required = [name for name, (_, needed) in fields.items() if needed]
    return {"type": "object", "properties": {name: value for name, (value, _) in fields.items()},
            **({"required": required} if required else {}), **getattr(schema, "json_extra", {})}


def control_body(schema: Marshmallow) -> Schema:
    """The request body of a control operation that reads schema."""
    return json_body(body_schema(schema), required=True)


def control_query(schema: Marshmallow) -> list[Schema]:
    """The query parameters a control query schema reads (a query value is always text)."""
    parameters, described = [], _described(schema, in_body=False)
    for name, f in schema.fields.items():
        value, _ = described[f.data_key or name]
        if isinstance(value.get("type"), list) and "integer" in value["type"]:
            value = {k: v for k, v in value.items() if k != "pattern"} | {"type": "integer"}
        parameters.append(query(f.data_key or name, value, required=f.required,
                                blank=bool(f.metadata.get("blank"))))
    return parameters
