"""Building blocks of the document: schema helpers, request values, parameters, responses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..billing.rules import INVOICE_STATUSES as INVOICE_STATUS_CODES
from ..errors import envelope

Schema = dict[str, Any]

JSON = "application/json"
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", JSON)
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

# ----------------------------------------------------------------------------- schema helpers


def ref(kind: str, name: str) -> Schema:
    """Point at components/{kind}/{name}."""
    return {"$ref": f"#/components/{kind}/{name}"}


def schema(name: str) -> Schema:
    """Point at a shared schema."""
    return ref("schemas", name)


def obj(properties: dict[str, Schema], optional: Iterable[str] = (), **extra: Any) -> Schema:
    """An object with exactly these properties, all required unless named optional."""
    skip = set(optional)
    return {"type": "object", "properties": properties,
            "required": [name for name in properties if name not in skip],
            "additionalProperties": False, **extra}


def loose(properties: dict[str, Schema], **extra: Any) -> Schema:
    """A request object: every property optional, unknown ones not described."""
    return {"type": "object", "properties": properties, **extra}


def nullable(value: Schema) -> Schema:
    """value, or null (OpenAPI 3.1: a type union, or anyOf for a reference)."""
    if "type" in value and "$ref" not in value:
        types = value["type"] if isinstance(value["type"], list) else [value["type"]]
        return {**value, "type": [*dict.fromkeys([*types, "null"])]}
    return {"anyOf": [value, {"type": "null"}]}


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def map_of(values: Schema, **extra: Any) -> Schema:
    """A JSON object used as a dictionary (PHP's associative array)."""
    return {"type": "object", "additionalProperties": values, **extra}


def text(**extra: Any) -> Schema:
    return {"type": "string", **extra}


def integer(**extra: Any) -> Schema:
    return {"type": "integer", **extra}


def success(**properties: Schema) -> Schema:
    """Affise's success envelope: status 1 and the given fields."""
    return obj({"status": {"const": 1}, **properties})


NULL: Schema = {"type": "null"}
BOOLEAN: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
STRING = text()
TIMESTAMP = text(pattern=TIMESTAMP_PATTERN, examples=["2024-06-15 12:00:00"],
                 description="YYYY-MM-DD HH:MM:SS on the tenant clock, no zone")
DAY = text(format="date", pattern=DATE_PATTERN, examples=["2024-05-01"],
           description="YYYY-MM-DD, between 1900-01-01 and 9000-12-31")
ID = integer(minimum=1, maximum=999_999_999_999_999_999)
HEX24 = text(pattern="^[0-9a-f]{24}$", examples=["660000000000000000000003"])
EIGHT_PLACES = text(pattern=r"^-?\d+\.\d{8}$", examples=["52.12000000"])
EMPTY_LIST = array({}, maxItems=0)
IGNORED: Schema = {"description": "Accepted as Affise documents it, and ignored: the mock "
                                  "keeps no such data"}

# ----------------------------------------------------------------------------- request values
# What the views' parameter fields (api/params.py) read. On a form every value is text; a JSON
# body (the mock's extension) may send numbers and booleans, read as their text the way PHP
# would. An empty value of a non-text field means "not given" (PHP's empty()).

SIGNED_DIGITS = r"^\s*[+-]?\d+\s*$"
DECIMAL_TEXT = r"^\s*[+-]?(\d[\d_]*)?(\.[\d_]*)?([eE][+-]?\d+)?\s*$"
TEXT_IN: Schema = {"type": ["string", "number", "boolean"],
                   "description": "Text; a JSON number or boolean is read as its text"}
FLAG_IN: Schema = {"enum": [0, 1, True, False, "0", "1", "true", "false"],
                   "description": "1 or true for yes, 0 or false for no"}
DAY_IN = text(examples=["2024-05-01"],  # no format "date": surrounding blanks are read too
              pattern=r"^\s*(19\d\d|[2-8]\d\d\d|9000)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\s*$",
              description="YYYY-MM-DD, between 1900-01-01 and 9000-12-31")


def int_in(minimum: int | None = None, maximum: int | None = None, **extra: Any) -> Schema:
    """An integer, or its digits as text (forms, query strings)."""
    bounds = {k: v for k, v in (("minimum", minimum), ("maximum", maximum)) if v is not None}
    return {"type": ["integer", "string"], "pattern": SIGNED_DIGITS, **bounds, **extra}


def money_in(description: str = "") -> Schema:
    return {"type": ["string", "number"], "pattern": DECIMAL_TEXT,
            "examples": ["22.5", "-3.10"],
            "description": ("An exact decimal (at most 8 places, below 10^10 in absolute "
                            "value). " + description).strip()}


def list_in(item: Schema) -> Schema:
    """An array parameter: a list, an index-keyed object (ids[0]=1 on a form), or one value."""
    return {"anyOf": [array(item), map_of(item, propertyNames=text(pattern=r"^-?\d+$")), item],
            "description": "A list; forms send ids=1&ids=2, ids[]=1 or ids[0]=1 alike"}


def blank_or(value: Schema) -> Schema:
    """value, or an empty string: the parameter counts as not given."""
    return {"anyOf": [value, {"const": ""}]}


# ----------------------------------------------------------------------------- parameters


def query(name: str, value: Schema, *, required: bool = False, description: str = "",
          blank: bool = False, **extra: Any) -> Schema:
    """A query parameter; blank: an empty value counts as not given."""
    parameter: Schema = {"name": name, "in": "query", "required": required, "schema": value}
    if blank:
        parameter["allowEmptyValue"] = True
    if description:
        parameter["description"] = description
    return {**parameter, **extra}


def query_list(name: str, items: Schema, description: str = "", required: bool = False
               ) -> Schema:
    """An array query parameter in Affise's documented form, name[]=a&name[]=b.

    The mock reads name[0]=a&name[1]=b and the Go SDK's repeated name=a&name=b the same way.
    """
    note = ("Also read as name[0]=a&name[1]=b (index order) or repeated name=a&name=b. "
            + description).strip()
    return query(f"{name}[]", array(items), required=required, description=note, style="form",
                 explode=True)


def path(name: str, value: Schema, description: str = "", examples: list | None = None
         ) -> Schema:
    parameter: Schema = {"name": name, "in": "path", "required": True, "schema": value}
    if description:
        parameter["description"] = description
    if examples:
        parameter["examples"] = {str(e): {"value": e} for e in examples}
    return parameter


def path_id(name: str, what: str, examples: list[int]) -> Schema:
    return path(name, integer(minimum=0), f"The {what}'s id", examples)


def form_body(schema_name: str, *, required: bool = False,
              encoding: dict[str, Schema] | None = None) -> Schema:
    """A request body Affise takes as a form, a multipart form or (mock) a JSON object.

    Parameters may come in the query string instead (the Go SDK sends them there); query and
    body merge and the body wins.
    """
    content: Schema = {}
    for media_type in FORM_MEDIA_TYPES:
        entry: Schema = {"schema": schema(schema_name)}
        if encoding and media_type != JSON:
            entry["encoding"] = encoding
        content[media_type] = entry
    return {"required": required, "content": content}


def json_body(value: Schema, *, required: bool = False, yaml: bool = False) -> Schema:
    content: Schema = {JSON: {"schema": value}}
    if yaml:  # an empty YAML document (or a bare null) is an empty fixture
        content["application/yaml"] = {"schema": nullable(value)}
    return {"required": required, "content": content}


# ----------------------------------------------------------------------------- responses

ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("BadRequest", "A parameter is missing or malformed (the message names it), the body "
          "cannot be read, or a billing rule refuses the call (Affise's own text)",
          "date_from: is required"),
    401: ("Unauthorized", "No API key, or a key no tenant knows (control plane: the control "
          "token is missing when one is configured)", "Token is necessary"),
    403: ("Forbidden", "The key's role may not call this route (control plane: a wrong control "
          "token)", "Auth Denied"),
    404: ("NotFound", "An unknown id on a known route (Resource Not Found), or a path no route "
          "serves (Page Not Found)", "Resource Not Found"),
    405: ("MethodNotAllowed", "The path exists, the method does not (the Allow header lists "
          "the methods it takes)", "Method Not Allowed"),
    409: ("LimitReached", "A flood limit of the mock is reached (MAX_TENANTS, MAX_SNAPSHOTS, "
          "MAX_FAULT_RULES; the message names it)",
          "Limit reached: at most 100 fault rules per tenant (setting MAX_FAULT_RULES, "
          "environment MOCK_AFFISE_MAX_FAULT_RULES)"),
    413: ("PayloadTooLarge", "The body exceeds MAX_BODY_BYTES or has too many parts",
          "Request Entity Too Large"),
    500: ("ServerError", "Must never happen; no stack trace ever leaks",
          "Server error, Please contact your administrator"),
}


def error_response(description: str, message: str) -> Schema:
    return {"description": description, "content": {JSON: {
        "schema": schema("Error"),
        "example": envelope(message)}}}


def ok_response(value: Schema, description: str = "Success",
                links: dict[str, Schema] | None = None) -> Schema:
    response: Schema = {"description": description, "content": {JSON: {"schema": value}}}
    if links:
        response["links"] = links
    return response


def link(operation_id: str, parameters: dict[str, str], description: str = "") -> Schema:
    """An OpenAPI link: feed values of this answer into operation_id's parameters."""
    result: Schema = {"operationId": operation_id, "parameters": parameters}
    if description:
        result["description"] = description
    return result


KEYED = [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}]
OPEN: list = []


def operation(operation_id: str, summary: str, *, tag: str, ok: Schema, errors: Iterable[int],
              parameters: Iterable[Schema] = (), body: Schema | None = None,
              security: list = KEYED, description: str = "") -> Schema:
    """One operation with its success answer and every error status it can give."""
    responses: Schema = {"200": ok}
    for status in sorted(set(errors)):
        responses[str(status)] = ref("responses", ERRORS[status][0])
    result: Schema = {"operationId": operation_id, "summary": summary, "tags": [tag],
                      "security": security, "parameters": list(parameters),
                      "responses": responses}
    if description:
        result["description"] = description
    if body is not None:
        result["requestBody"] = body
    return result


# Every Affise route reads its key, its role and its parameters (any of which may fail), and
# may be sent a body too large to read.
INVOICE_STATUSES = list(INVOICE_STATUS_CODES)
INVOICE_STATUS = integer(enum=INVOICE_STATUSES,
                         description="1 waiting, 2 completed, 3 paid partly, 4 pending, "
                                     "-1 declined")

AFFISE_ERRORS = (400, 401, 403, 413, 500)
WITH_ID = (*AFFISE_ERRORS, 404)
