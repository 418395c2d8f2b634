"""The mock's own OpenAPI 3.1 document: the Affise routes it serves, /_mock and /openapi.json.

Written here, not copied from Affise: the shapes are what the mock's views render (see
api/payments.py render_payment and friends), so a generated client or a schema-driven fuzzer
can hold every answer against it. Repeated parts (the error envelope, the API key, array
parameters, the fixture document) are defined once under components and referenced.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask

from .billing.rules import CONVERSION_STATUSES, PARTNER_STATUSES, STATUS_WORDS
from .billing.rules import INVOICE_STATUSES as INVOICE_STATUS_CODES
from .billing.rules import PAYMENT_STATES as PAYMENT_STATE_WORDS

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


def query_list(name: str, items: Schema, description: str = "") -> Schema:
    """An array query parameter in Affise's documented form, name[]=a&name[]=b.

    The mock reads name[0]=a&name[1]=b and the Go SDK's repeated name=a&name=b the same way.
    """
    note = ("Also read as name[0]=a&name[1]=b (index order) or repeated name=a&name=b. "
            + description).strip()
    return query(f"{name}[]", array(items), description=note, style="form", explode=True)


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
    413: ("PayloadTooLarge", "The body exceeds MAX_BODY_BYTES or has too many parts",
          "Request Entity Too Large"),
    500: ("ServerError", "Must never happen; no stack trace ever leaks",
          "Server error, Please contact your administrator"),
}


def _error_response(description: str, message: str) -> Schema:
    return {"description": description, "content": {JSON: {
        "schema": schema("Error"),
        "example": {"status": 2, "message": message, "error": message}}}}


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
AFFISE_ERRORS = (400, 401, 403, 413, 500)
WITH_ID = (*AFFISE_ERRORS, 404)

# ----------------------------------------------------------------------------- shared schemas


def _payment() -> Schema:
    correction = obj({"posted_date": TIMESTAMP, "revenue": EIGHT_PLACES,
                      "currency": text(pattern=r"^\d+$"), "comment": STRING})
    offer_costs = obj({
        "title": STRING,
        "cost": map_of(obj({"count": integer(minimum=1), "currency": integer()}),
                       propertyNames=EIGHT_PLACES,
                       description="Keyed by payout amount"),
    })
    return obj({
        "id": ID,
        "pid": integer(description="The affiliate's id"),
        "manager_id": nullable(HEX24),
        "posted_date": TIMESTAMP,
        "pay_sys": nullable(integer()),
        "pay_sys_name": STRING,
        "pay_acc": text(description="The account fields as `Label: value` lines"),
        "status": text(enum=["-1", "1", "2", "3", "4"],
                       description="1 waiting, 2 completed, 3 paid partly, 4 pending, "
                                   "-1 declined"),
        "revenue": EIGHT_PLACES,
        "ref_revenue": nullable(EIGHT_PLACES),
        "currency": text(pattern=r"^\d+$", description="The currency's id, as a string"),
        "currency_code": STRING,
        "comment": STRING,
        "notes": text(description="What requests call `note`"),
        "cpa_actions": array(HEX24, description="The invoice's conversion ids"),
        "ref_ids": array(integer()),
        "details": obj({
            "details": map_of(offer_costs, propertyNames=text(pattern=r"^\d+$"),
                              description="Keyed by offer id"),
            "count": integer(minimum=0),
        }),
        "additional_payments": {
            "description": "The corrections: [] when there are none, otherwise an object "
                           "keyed by correction id (PHP's habit, as in Affise's example)",
            "oneOf": [EMPTY_LIST, map_of(correction, minProperties=1,
                                         propertyNames=text(pattern=r"^\d+$"))],
        },
        "updated_at": TIMESTAMP,
    }, description="An invoice exactly as Affise's `payment` schema and examples show it")


def _manager() -> Schema:
    return obj({
        "id": HEX24, "username": STRING, "first_name": STRING, "last_name": STRING,
        "email": STRING, "type": text(enum=["admin", "affiliate_manager"]),
        "roles": array(STRING), "avatar": NULL, "skype": NULL, "work_hours": NULL,
        "created_at": NULL, "updated_at": NULL, "last_login_at": NULL,
    })


def _partner() -> Schema:
    money = obj({"balance": NUMBER, "hold": NUMBER, "available": NUMBER})
    binding = obj({
        "id": integer(), "system_id": integer(), "system": STRING,
        "currency": text(description="A currency code: the Go SDK fails on a number"),
        "active": integer(enum=[0, 1]), "fields": map_of(STRING),
    })
    sub_account = obj({"value": STRING, "except": integer()})
    return obj({
        "id": ID, "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "email": STRING,
        "login": nullable(STRING), "contactPerson": nullable(STRING),
        "ref_percent": nullable(STRING), "name": nullable(STRING), "notes": STRING,
        "manager": nullable(schema("Manager")),
        "status": text(enum=list(PARTNER_STATUSES)),
        "level": integer(), "payment_systems": array(binding), "customFields": EMPTY_LIST,
        "balance": map_of(money, description="Keyed by currency code"),
        "offersCount": integer(), "api_key": STRING,
        **dict.fromkeys(("address_1", "address_2", "city"), NULL),
        "country": nullable(STRING),
        **dict.fromkeys(("zip_code", "phone", "work_hours", "created_by", "updated_by",
                         "tipalti_payee_id", "tipalti_status"), NULL),
        "ref": nullable(text(pattern=r"^\d+$")),
        "sub_accounts": obj({"1": sub_account, "2": sub_account}),
        "tags": EMPTY_LIST, "lang": STRING,
    })


def _partner_pagination() -> Schema:
    return obj({"per_page": integer(), "total_count": integer(), "page": integer(),
                "next_page": integer(description="Present while a further page exists")},
               optional=["next_page"])


CONVERSION_WORDS = list(STATUS_WORDS.values())
PAYMENT_STATES = list(PAYMENT_STATE_WORDS)


def _conversion_parts() -> dict[str, Schema]:
    return {
        "offer": obj({"id": integer(), "title": STRING, "offer_id": STRING, "url": STRING}),
        "partner": obj({"id": integer(), "email": STRING, "login": nullable(STRING),
                        "name": nullable(STRING)}),
        "advertiser": obj({"id": nullable(HEX24), "title": STRING}),
    }


def _conversion() -> Schema:
    parts = _conversion_parts()
    strings = dict.fromkeys(("district", "city", "ip", "browser", "os", "device", "ios_idfa",
                             "android_id", *(f"sub{n}" for n in range(1, 6)),
                             *(f"custom_field_{n}" for n in range(1, 8)), "ua", "comment",
                             "referrer", "decline_reason"), STRING)
    return obj({
        "id": HEX24, "action_id": HEX24, "status": text(enum=CONVERSION_WORDS),
        "currency": STRING, "goal": STRING, "country": STRING, **strings,
        "offer": parts["offer"], "offer_id": integer(),
        "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "click_time": TIMESTAMP,
        "payouts": NUMBER, "clickid": HEX24, "partner": parts["partner"],
        "goal_value": STRING, "sum": NUMBER, "revenue": NUMBER, "earnings": NUMBER,
        "advertiser": parts["advertiser"], "payment_status": text(enum=PAYMENT_STATES),
        "is_paid": text(enum=["0", "1"]), "forensiq": NULL, "payment_type": STRING,
        "hold_date_expire": nullable(TIMESTAMP), "fraud_risk_level": STRING,
        "fraud_type": array(STRING),
    }, description="A conversion as GET /3.0/stats/conversions lists it (status as a word)")


def _conversion_by_id() -> Schema:
    parts = _conversion_parts()
    manager = nullable(obj({"id": HEX24, "title": STRING, "first_name": STRING,
                            "last_name": STRING}))
    partner = {**parts["partner"],
               "properties": {**parts["partner"]["properties"], "manager": manager},
               "required": [*parts["partner"]["required"], "manager"]}
    return obj({
        "id": HEX24, "action_id": HEX24, "status": integer(enum=list(CONVERSION_STATUSES)),
        "conversion_id": HEX24, "cbid": HEX24, "currency": STRING, "offer": parts["offer"],
        "offer_id": integer(), "goal": STRING, "hold_date_expire": nullable(TIMESTAMP),
        **dict.fromkeys(("ip", "country", "country_name", "city", "isp_code", "ua", "browser",
                         "os", "device", "device_type", "decline_reason", "fraud_risk_level",
                         "payment_type"), STRING),
        "district": NULL, "city_id": integer(),
        **dict.fromkeys((*(f"sub{n}" for n in range(1, 9)),
                         *(f"custom_field_{n}" for n in range(1, 8)), "comment", "referrer",
                         "landing_id", "prelanding_id", "price"), NULL),
        **dict.fromkeys(("created_at", "click_time", "updated_at", "createdAt", "updatedAt"),
                        TIMESTAMP),
        "currency_id": nullable(text(pattern=r"^\d+$")), "clickid": HEX24, "click_id": HEX24,
        "partner": partner, "supplier_id": nullable(HEX24), "partner_id": integer(),
        "goal_value": STRING, "payouts": NUMBER,
        **dict.fromkeys(("sum", "revenue", "earnings", "charge", "earning"), NUMBER),
        "advertiser": parts["advertiser"], "payment_status": text(enum=PAYMENT_STATES),
        "is_paid": text(enum=["0", "1"]), "fraud_type": array(STRING),
    }, description="A conversion as GET /3.0/stats/conversionsbyid shows it (status as its "
                   "code)")


# --- the fixture document (contract harness.md section 1)


def _fixture(exported: bool) -> Schema:
    """The fixture document: what export gives (exact), or what loading reads (fixtures.py).

    Loading is lenient the way the loader is: ids may be digit strings, text may be a number,
    a null field takes its default, and rows may carry fields it does not read.
    """
    if exported:
        ident, label, amount = integer(minimum=1), STRING, text(pattern=r"^-?\d+(\.\d{1,8})?$")
        flag, moment, day = BOOLEAN, TIMESTAMP, DAY
        binary, conversion_status = integer(enum=[0, 1]), integer(enum=list(CONVERSION_STATUSES))
        invoice_status = INVOICE_STATUS
    else:
        ident = {"type": ["integer", "string"], "pattern": r"^-?\d{1,18}$", "minimum": 1}
        label = {"type": ["string", "number"]}
        amount = {"type": ["string", "number"], "pattern": DECIMAL_TEXT}
        flag = {"enum": [True, False, 0, 1, "0", "1"]}
        moment = text(pattern=r"^\s*\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?\s*$")
        day = text(pattern=DATE_PATTERN)
        binary = {"enum": [0, 1, "0", "1"]}
        conversion_status = {"enum": [1, 2, 3, 5, "1", "2", "3", "5"]}
        invoice_status = {"enum": [*INVOICE_STATUSES, *map(str, INVOICE_STATUSES)]}
    key = text(pattern="^[A-Za-z0-9_-]{8,128}$")

    def row(properties: dict[str, Schema], required: Iterable[str]) -> Schema:
        if exported:
            return obj(properties)
        needed = set(required)
        return {"type": "object", "required": list(required), "properties": {
            name: value if name in needed else nullable(value)
            for name, value in properties.items()}}

    def section(item: Schema) -> Schema:
        return array(item) if exported else nullable(array(item))

    binding = row({"id": ident, "system_id": ident, "currency": label, "active": binary,
                   "fields": map_of(label) if exported else {"anyOf": [map_of(label), array(
                       label)]}}, ["system_id", "currency"])
    sections = {
        "now": moment if exported else nullable(moment),
        "currencies": section(row({
            "id": ident, "code": text(pattern="^[A-Z][A-Z0-9]{1,7}$"), "rate": amount,
            "min_payment": amount, "active": flag, "default": flag,
            "is_crypto": nullable(flag)}, ["id", "code"])),
        "payment_systems": section(row({
            "id": ident, "title": label, "currency": nullable(label),
            "threshold": nullable(amount),
            "fields": array(row({"id": ident, "label": label, "required": flag},
                                ["id", "label"]))}, ["id", "title"])),
        "managers": section(row({
            "id": HEX24, "first_name": label, "last_name": label, "email": label,
            "role": text(enum=["admin", "affiliate_manager"]), "api_key": key}, ["id"])),
        "affiliates": section(row({
            "id": ident, "name": nullable(label), "email": label, "login": nullable(label),
            "status": text(enum=list(PARTNER_STATUSES)),
            "manager_id": nullable(HEX24), "api_key": key, "ref": nullable(ident),
            "ref_percent": nullable(amount), "notes": label, "country": nullable(label),
            "contact_person": nullable(label), "created_at": moment, "updated_at": moment,
            "payment_systems": array(binding)}, ["id"])),
        "offers": section(row({"id": ident, "title": label,
                               "advertiser_id": nullable(HEX24)}, ["id"])),
        "conversions": section(row({
            "id": HEX24, "affiliate_id": ident, "offer_id": ident, "status": conversion_status,
            "payouts": amount, "currency": label, "country": label, "goal": label,
            "created_at": moment, "updated_at": moment, "hold_until": nullable(moment)},
            ["id", "affiliate_id", "offer_id", "status", "payouts", "currency",
             "created_at"])),
        "payments": section(row({
            "id": ident, "pid": ident, "currency": label, "status": invoice_status,
            "posted_date": moment, "updated_at": moment, "pay_sys": nullable(ident),
            "pay_sys_name": nullable(label), "pay_acc": label, "comment": label,
            "notes": label, "manager_id": nullable(HEX24), "period_to": nullable(day),
            "cpa_actions": array(HEX24)}, ["id", "pid", "currency", "posted_date"])),
        "corrections": section(row({
            "id": ident, "payment_id": ident, "revenue": amount, "comment": label,
            "posted_date": moment}, ["id", "payment_id", "revenue", "posted_date"])),
    }
    if exported:
        # now is exported only while the tenant clock is frozen.
        return obj(sections, optional=["now"],
                   description="A tenant's whole state; loads back unchanged")
    return {"type": "object", "properties": sections, "additionalProperties": False,
            "description": "A fixture document (harness.md section 1): every section optional. "
                           "Loading checks the whole document and reports each problem with its "
                           "path; a bad document changes nothing"}


def _keys() -> Schema:
    return obj({"admin": nullable(STRING), "managers": map_of(STRING),
                "affiliates": map_of(STRING, propertyNames=text(pattern=r"^\d+$"))})


def _fault_spec() -> Schema:
    def whole(minimum: int, maximum: int) -> Schema:
        return {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": minimum,
                "maximum": maximum}

    methods = "|".join("".join(f"[{c}{c.lower()}]" for c in m)
                       for m in ("GET", "POST", "DELETE", "PUT", "PATCH"))
    return {
        "type": "object",
        "properties": {
            "match": nullable(loose({
                "method": nullable(text(pattern=f"^(?:{methods})$",
                                        description="GET, POST, DELETE, PUT or PATCH, any case")),
                "path": nullable(text(pattern="^(/.*|\\*)?$", description="A * matches any run "
                                      "of characters; empty or null: *"))})),
            "action": loose({
                "status": whole(100, 599),
                "delay_ms": whole(0, 120_000),
                "drop_after_commit": {"const": True},
                "body": {"description": "Sent with status instead of the envelope; numbers "
                                        "must fit 64 bits"},
            }, minProperties=1, additionalProperties=False),
            "times": nullable(whole(1, 1_000_000)),
            "probability": {"type": ["number", "string"], "pattern": DECIMAL_TEXT,
                            "minimum": 0, "maximum": 1},
            "seed": whole(-(2**31), 2**31 - 1),
        },
        "required": ["action"],
        "description": "First match wins. status answers in Affise's envelope (or body) with "
                       "nothing applied; delay_ms sleeps first; drop_after_commit applies the "
                       "change and closes the connection without an answer",
    }


def _fault_rule() -> Schema:
    return obj({
        "id": integer(), "match": obj({"method": nullable(STRING), "path": STRING}),
        "action": {"type": "object"}, "times": nullable(integer()), "probability": NUMBER,
        "seed": integer(), "seen": integer(), "fired": integer(),
    })


def _components() -> Schema:
    parameters = {
        "ControlToken": {
            "name": "X-Mock-Control-Token", "in": "header", "required": False,
            "schema": STRING,
            "description": "Required when the mock runs with CONTROL_TOKEN",
        },
        "TenantId": path("tenant_id", integer(minimum=0), "The tenant's id", [1]),
    }
    error = obj({"status": {"const": 2}, "message": STRING, "error": STRING},
                description="Affise's error envelope: the same text under message (the docs, "
                            "the Go SDK) and error (the PHP SDK)")
    return {
        "securitySchemes": {
            "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "API-Key",
                             "description": "Any letter case. On /_mock it names the tenant"},
            "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api-key"},
        },
        "parameters": parameters,
        "responses": {name: _error_response(description, message)
                      for name, description, message in ERRORS.values()},
        "schemas": {
            "Error": error,
            "Result": success(result={"const": True}),
            "Payment": _payment(),
            "Manager": _manager(),
            "Partner": _partner(),
            "PartnerPagination": _partner_pagination(),
            "Conversion": _conversion(),
            "ConversionById": _conversion_by_id(),
            "Fixture": _fixture(exported=False),
            "ExportedFixture": _fixture(exported=True),
            "ApiKeys": _keys(),
            "FaultSpec": _fault_spec(),
            "FaultRule": _fault_rule(),
            "Snapshot": obj({"name": STRING, "created_at": TIMESTAMP}),
            "TenantKeys": success(tenant=integer(), api_keys=schema("ApiKeys")),
            "Clock": success(now=TIMESTAMP, frozen=BOOLEAN),
            "TenantConfig": success(config=obj({"generation_delay_seconds": integer(
                minimum=0)})),
            **_request_schemas(),
        },
    }


# ----------------------------------------------------------------------------- request bodies

INVOICE_STATUSES = list(INVOICE_STATUS_CODES)
INVOICE_STATUS = integer(enum=INVOICE_STATUSES,
                         description="1 waiting, 2 completed, 3 paid partly, 4 pending, "
                                     "-1 declined")
INVOICE_STATUS_IN = {"enum": [*INVOICE_STATUSES, *map(str, INVOICE_STATUSES)],
                     "description": INVOICE_STATUS["description"]}
ID_IN = int_in(minimum=1)


def _binding_in() -> Schema:
    field_value = {"type": ["string", "number"]}
    binding = {"type": "object", "properties": {
        "system_id": int_in(minimum=1), "currency": blank_or(TEXT_IN), "active": blank_or(FLAG_IN),
        "fields": {"anyOf": [map_of(field_value), array(field_value), {"const": ""}],
                   "description": "Field id to value ([] or empty: none)"}},
        "required": ["system_id"]}
    return {"anyOf": [array(binding), map_of(binding, propertyNames=text(pattern=r"^\d+$"))],
            "description": "Replaces every binding. Forms send payment_systems[0][system_id]=1"
                           "&payment_systems[0][currency]=USD&payment_systems[0][fields][4]=Z1"}


def _partner_fields(required: Iterable[str] = ()) -> Schema:
    ignored = ("custom_fields", "sub_account_1", "sub_account_2", "sub_account_1_except",
               "sub_account_2_except", "notify", "tipalti_payee_id", "tags", "enabledOffers",
               "disabledOffers", "enabledAdvertisers", "disabledAdvertisers",
               "enabledSmartlinks", "disabledSmartlinks", "level", "default_postback",
               "affiliate_trafficback_url", "subaccount_id")
    needed = set(required)

    def maybe_blank(name: str, value: Schema) -> Schema:
        return value if name in needed else blank_or(value)

    return loose({
        "email": maybe_blank("email", {**TEXT_IN, "examples": ["new@example.com"]}),
        "password": maybe_blank("password", TEXT_IN),
        "country": maybe_blank("country", {**TEXT_IN, "examples": ["US"],
                                           "description": "ISO 3166-1 alpha-2"}),
        "login": TEXT_IN, "contact_person": TEXT_IN, "notes": TEXT_IN,
        "ref_percent": blank_or(money_in("0 to 100.")),
        "status": blank_or(text(enum=list(PARTNER_STATUSES))),
        "manager_id": {**TEXT_IN, "description": "A manager's id; empty unassigns"},
        "ref": blank_or(int_in(minimum=0, description="The referring affiliate; 0 clears it")),
        "payment_systems": blank_or(_binding_in()),
        **dict.fromkeys(ignored, IGNORED),
    }, required=list(required))


def _request_schemas() -> dict[str, Schema]:
    ids = blank_or(list_in(ID_IN))
    return {
        "UpdatePaymentRequest": loose({
            "payment_account": TEXT_IN, "status": blank_or(INVOICE_STATUS_IN),
            "comment": TEXT_IN, "note": TEXT_IN}, minProperties=1,
            description="At least one of payment_account, status, comment, note"),
        "CreateForAffiliateRequest": loose({
            "aid": ID_IN, "sum": money_in("Greater than 0."),
            "currency": {**ID_IN, "description": "A currency id (not a code)"},
            "note": TEXT_IN}, required=["aid", "sum", "currency"]),
        "GenerateRequest": loose({
            "date": blank_or(DAY_IN), "date_from": blank_or(DAY_IN), "date_to": blank_or(DAY_IN),
            "aid": blank_or(ID_IN), "note": TEXT_IN, "exclude_aids": ids, "include_aids": ids,
            "by_last_unpaid_conversion": blank_or(FLAG_IN), "by_last_invoice": blank_or(FLAG_IN),
            "offer_ids": ids, "advertiser_ids": blank_or(list_in(TEXT_IN)),
            "currencies": blank_or(list_in({**TEXT_IN, "examples": ["USD"]})),
            "countries": blank_or(list_in({**TEXT_IN, "examples": ["US", "deu"],
                                           "description": "ISO 3166-1 alpha-2 or alpha-3, "
                                                          "any case"})),
        }),
        "AddCorrectionRequest": loose({
            "revenue": money_in("Signed; not 0."), "comment": TEXT_IN},
            required=["revenue", "comment"]),
        "BulkDeleteRequest": loose({"ids": list_in(ID_IN)}, required=["ids"]),
        "RemoveConversionsRequest": loose({
            "conversion_ids": blank_or(list_in(TEXT_IN)), "offer_ids": ids},
            description="At least one of conversion_ids, offer_ids"),
        "NewPartnerRequest": _partner_fields(required=["email", "password", "country"]),
        "EditPartnerRequest": _partner_fields(),
        "ConversionEditRequest": loose({
            "ids": list_in(TEXT_IN), "status": blank_or(text(enum=CONVERSION_WORDS)),
            "payouts": blank_or(money_in()), "currency": TEXT_IN,
            "revenue": blank_or(money_in()), "all": blank_or(FLAG_IN),
            **dict.fromkeys(("comment", "sum", "params",
                             *(f"custom_field_{n}" for n in range(1, 16))), IGNORED),
        }, required=["ids"]),
    }


PARTNER_ENCODING = {"payment_systems": {"style": "deepObject", "explode": True}}

# ----------------------------------------------------------------------------- Affise paths


def _payments_paths() -> dict[str, Schema]:
    invoice_id = path_id("payment_id", "invoice", [2925, 2924, 2921])
    by_id = {"path.payment_id": "$response.body#/payment/id"}
    first = {"path.payment_id": "$response.body#/payments/0/id"}
    listed = ok_response(success(
        payments=array(schema("Payment")),
        pagination=obj({"page": integer(), "limit": integer(), "total": integer()})),
        links={
            "GetPayment": link("getPayment", first),
            "UpdatePayment": link("updatePayment", first),
            "AddCorrection": link("addCorrection", first),
            "RemoveConversions": link("removeConversions",
                                      {"path.invoice_id": "$response.body#/payments/0/id"}),
            "DeletePayment": link("deletePayment", first),
        })
    generating = ok_response(success(message={"const": "Payment generates will take a few "
                                                        "minutes"}),
                             links={"ListPayments": link("listPayments", {
                                 "query.date_from": "2000-01-01",
                                 "query.date_to": "2099-12-31"})})
    result = ok_response(schema("Result"))
    tag = "payments"
    return {
        "/3.1/payments": {"get": operation(
            "listPayments", "List invoices (newest first)", tag=tag, ok=listed,
            errors=AFFISE_ERRORS, parameters=[
                query("date_from", DAY_IN, required=True, description="posted_date from this day"),
                query("date_to", DAY_IN, required=True, description="posted_date to this day"),
                query_list("id", ID), query_list("status", INVOICE_STATUS),
                query_list("aid", ID, "Affiliate ids."),
                query_list("manager_id", STRING),
                query_list("payment_system", STRING, "A system id or title."),
                query_list("payment_account", STRING),
                query("update_from_date", DAY_IN, blank=True),
                query("update_to_date", DAY_IN, blank=True),
                query("update_from_hour", integer(minimum=0, maximum=23),
                      description="Needs update_from_date", blank=True),
                query("update_to_hour", integer(minimum=0, maximum=23),
                      description="Needs update_to_date", blank=True),
                query("page", integer(minimum=1, maximum=1_000_000_000, default=1), blank=True),
                query("limit", integer(minimum=1, maximum=100, default=100), blank=True),
            ])},
        "/3.1/payments/{payment_id}": {
            "get": operation("getPayment", "Show one invoice", tag=tag, errors=WITH_ID,
                             parameters=[invoice_id], ok=ok_response(
                                 success(payment=schema("Payment")), links={
                                     "UpdatePayment": link("updatePayment", by_id),
                                     "AddCorrection": link("addCorrection", by_id),
                                     "DeletePayment": link("deletePayment", by_id)})),
            "post": operation("updatePayment", "Change an invoice's account, status, comment "
                              "or note", tag=tag, ok=result, errors=WITH_ID,
                              parameters=[invoice_id],
                              body=form_body("UpdatePaymentRequest", required=True),
                              description="A completed invoice (status 2) is final: 400 "
                                          "`Payment has status finished`."),
        },
        "/3.1/payments/create-for-affiliate": {"post": operation(
            "createForAffiliate", "Bill an affiliate for at least a sum (by sum)", tag=tag,
            ok=generating, errors=AFFISE_ERRORS,
            body=form_body("CreateForAffiliateRequest", required=True))},
        "/3.1/payments/generate": {"post": operation(
            "generatePayments", "Bill payable conversions up to a date (by date)", tag=tag,
            ok=generating, errors=AFFISE_ERRORS, body=form_body("GenerateRequest"))},
        "/3.1/payments/{payment_id}/add-correction": {"post": operation(
            "addCorrection", "Add a correction (additional payment) to an invoice", tag=tag,
            ok=result, errors=WITH_ID, parameters=[invoice_id],
            body=form_body("AddCorrectionRequest", required=True))},
        "/3.1/payments/del-correction/{correction_id}": {"delete": operation(
            "deleteCorrection", "Delete a correction", tag=tag, ok=result, errors=WITH_ID,
            parameters=[path_id("correction_id", "correction", [10, 9])])},
        "/3.1/payments/delete/{payment_id}": {"delete": operation(
            "deletePayment", "Delete an invoice; its conversions become unbilled", tag=tag,
            ok=result, errors=WITH_ID, parameters=[invoice_id])},
        "/3.1/payments/bulk-delete": {"post": operation(
            "bulkDeletePayments", "Delete several invoices", tag=tag, errors=AFFISE_ERRORS,
            ok=ok_response(success(result=map_of(BOOLEAN, propertyNames=text(
                pattern=r"^\d+$"))), "true per deleted invoice, false for an unknown or "
                                     "completed one"),
            body=form_body("BulkDeleteRequest", required=True))},
        "/3.1/payments/{invoice_id}/conversions/delete": {"post": operation(
            "removeConversions", "Take conversions out of an invoice", tag=tag,
            errors=WITH_ID, parameters=[path_id("invoice_id", "invoice", [2925, 2924])],
            ok=ok_response(success(message={
                "const": "Conversions successfully deleted from payment"})),
            body=form_body("RemoveConversionsRequest", required=True))},
    }


def _network_paths() -> dict[str, Schema]:
    partner_id = path_id("partner_id", "affiliate", [2, 3, 6])
    to_partner = {"path.partner_id": "$response.body#/partner/id"}
    partner = ok_response(success(partner=schema("Partner")), links={
        "GetPartner": link("getPartner", to_partner),
        "EditPartner": link("editPartner", to_partner)})
    first_partner = {"path.partner_id": "$response.body#/partners/0/id"}
    ignored_filters = (
        "browser", "action_id", "clickid", "os", "goal", "goal_id", "device", "payouts",
        "payouts_from", "payouts_to", "hour", "timezone", "subid1", "subid2", "subid3",
        "subid4", "subid5", "smart_id", "promocode", "imp_id", "revenue", "revenue_from",
        "revenue_to", "raw_export", "decline_reason", "fraud_risk_level", "fraud_type",
        "comment", *(f"custom_field_{n}" for n in range(1, 8)))
    return {
        "/3.0/admin/currency": {"get": operation(
            "listCurrencies", "List currencies", tag="reference", errors=AFFISE_ERRORS,
            parameters=[query("get_only_active", FLAG_IN, blank=True),
                        query("extended", FLAG_IN, blank=True)],
            ok=ok_response(success(quotes={"oneOf": [
                map_of(NUMBER, description="Plain: code to rate"),
                array(obj({"_id": integer(), "code": STRING, "active": BOOLEAN,
                           "default": BOOLEAN, "rate": NUMBER, "min_payment": NUMBER,
                           "is_crypto": nullable(BOOLEAN)}),
                      description="extended=1: Affise's currency records"),
            ]})))},
        "/3.0/admin/payment_systems": {"get": operation(
            "listPaymentSystems", "List the network's payment systems", tag="reference",
            errors=AFFISE_ERRORS, ok=ok_response(success(payment_systems=array(obj({
                "id": integer(), "lang_label": STRING, "currency": nullable(STRING),
                "fields": array(obj({"id": integer(), "lang_label": STRING,
                                     "required": BOOLEAN}))})))))},
        "/3.0/admin/partners": {"get": operation(
            "listPartners", "List partners (affiliates)", tag="partners", errors=AFFISE_ERRORS,
            parameters=[
                query_list("id", ID), query("with_balance", FLAG_IN, blank=True),
                query("limit", integer(minimum=1, maximum=500, default=50), blank=True),
                query("page", integer(minimum=1, default=1), blank=True),
                query("updated_at", DAY_IN, description="Updated on or after this day", blank=True),
                query("status", text(enum=list(PARTNER_STATUSES)), blank=True),
                query("search", STRING, description="In email, login and name"),
                query_list("manager", STRING),
                query("field", STRING, description=IGNORED["description"]),
                query("order", text(enum=["id", "-id", "_id", "-_id", "created_at",
                                          "-created_at", "updated_at", "-updated_at"],
                                    default="id"), blank=True),
                query("orderType", text(enum=["asc", "desc"]), blank=True),
            ],
            ok=ok_response(success(partners=array(schema("Partner")),
                                   pagination=schema("PartnerPagination")), links={
                "GetPartner": link("getPartner", first_partner),
                "EditPartner": link("editPartner", first_partner)}))},
        "/3.0/admin/partner": {"post": operation(
            "createPartner", "Add a partner", tag="partners", ok=partner,
            errors=AFFISE_ERRORS,
            body=form_body("NewPartnerRequest", required=True, encoding=PARTNER_ENCODING))},
        "/3.0/admin/partner/{partner_id}": {
            "get": operation("getPartner", "Show a partner", tag="partners", ok=partner,
                             errors=WITH_ID, parameters=[partner_id]),
            "post": operation("editPartner", "Edit a partner and its payment systems",
                              tag="partners", ok=partner, errors=WITH_ID,
                              parameters=[partner_id],
                              body=form_body("EditPartnerRequest", encoding=PARTNER_ENCODING),
                              description="payment_systems replaces the bindings; open "
                                          "invoices take the new system and account."),
        },
        "/3.0/stats/conversions": {"get": operation(
            "listConversions", "List conversions (newest first)", tag="conversions",
            errors=AFFISE_ERRORS, description="Any parameter not listed here is a 400 "
            "`Method does not allow extra fields: 'NAME'`, as on Affise.",
            parameters=[
                query_list("status", integer(enum=list(CONVERSION_STATUSES)),
                           "1 confirmed, 2 pending, 3 declined, 5 hold."),
                query_list("partner", ID), query_list("offer", ID),
                query_list("advertiser", STRING), query_list("country", STRING),
                query("currency", STRING, description="A currency id or code"),
                query("payment_status", text(enum=PAYMENT_STATES), blank=True),
                query("date_from", DAY_IN, blank=True), query("date_to", DAY_IN, blank=True),
                query("update_from_date", DAY_IN, blank=True),
                query("update_from_hour", integer(minimum=0, maximum=23), blank=True),
                query("update_to_date", DAY_IN, blank=True),
                query("update_to_hour", integer(minimum=0, maximum=23), blank=True),
                query("page", integer(minimum=1, default=1), blank=True),
                query("limit", integer(minimum=1, maximum=500, default=100), blank=True),
                *(query(name, STRING, description=IGNORED["description"])
                  for name in ignored_filters),
            ],
            ok=ok_response(success(conversions=array(schema("Conversion")),
                                   pagination=schema("PartnerPagination")), links={
                "GetConversion": link("getConversion",
                                      {"query.id": "$response.body#/conversions/0/id"})}))},
        "/3.0/stats/conversionsbyid": {"get": operation(
            "getConversion", "Show one conversion", tag="conversions", errors=WITH_ID,
            parameters=[query("id", STRING, required=True)],
            ok=ok_response(success(conversion=schema("ConversionById"))))},
        "/3.0/admin/conversion/edit": {"post": operation(
            "editConversions", "Change conversions' status, payouts or currency",
            tag="conversions", errors=AFFISE_ERRORS,
            description="A conversion inside an invoice cannot be edited (400 naming it).",
            body=form_body("ConversionEditRequest", required=True),
            ok=ok_response(success(
                data=obj({"ids": array(HEX24), "status": nullable(text(enum=CONVERSION_WORDS)),
                          "currency": nullable(STRING), "payouts": nullable(NUMBER),
                          "revenue": nullable(NUMBER)}),
                message={"const": "Conversion changes will take a few minutes"})))},
        "/3.0/balance": {"get": operation(
            "getBalance", "Show the calling affiliate its own balance", tag="partners",
            errors=AFFISE_ERRORS, description="An affiliate's key only; managers get 403.",
            ok=ok_response(success(balance=obj({
                name: map_of(NUMBER, description="Keyed by currency code")
                for name in ("balance", "hold", "available")}))))},
    }


# ----------------------------------------------------------------------------- control plane

CONTROL_TAG = "control plane"
# The X-Mock-Control-Token check may refuse any /_mock call but health.
TOKEN_ERRORS = (401, 403, 500)


def _control_routes() -> list[tuple[str, str, Schema]]:
    """(rule, method, operation) for the routes served at /_mock{rule} and per tenant."""
    result = ok_response(schema("Result"))
    snapshot_name = path("name", text(minLength=1, maxLength=255, pattern="^[^/]+$"),
                         "The snapshot's name", ["before"])
    journal_entry = obj({
        "id": integer(), "at": TIMESTAMP, "method": STRING, "path": STRING,
        "parameters": {"type": "object", "description": "Parsed parameters, keys redacted"},
        "status": integer(), "response": {"description": "The body that was answered"},
        "effects": {"type": "object", "description": "Invoices/conversions the call changed"},
        "fault": nullable(text(enum=["status", "drop_after_commit", "delay_ms"]))})
    report = obj({
        "id": integer(), "operation": text(enum=["generate", "create-for-affiliate"]),
        "created_at": TIMESTAMP, "parameters": {"type": "object"},
        "payments": array(integer()),
        "skipped": array(obj({"affiliate_id": nullable(integer()),
                              "currency": nullable(STRING), "reason": STRING}))})
    clock_body = {"type": "object", "properties": {
        "set": text(pattern=r"^\s*\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?\s*$",
                    examples=["2024-07-01 00:00:00"]),
        "advance": text(pattern=r"^\s*-?\d+\s*[smhdw]\s*$", examples=["3d"]),
        "advance_seconds": {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$"},
        "frozen": nullable(BOOLEAN)},
        "anyOf": [{"required": [name]} for name in ("set", "advance", "advance_seconds",
                                                      "frozen")],
        "description": "One of set, advance or advance_seconds, and/or frozen; the clock stays "
                       "between 1900-01-01 and 9000-12-31 and moves at most 100 years"}
    fault_link = {"DeleteFault": link("deleteFault",
                                      {"path.rule_id": "$response.body#/fault/id"})}
    snapshot_links = {
        "RestoreSnapshot": link("restoreSnapshot",
                                {"path.name": "$response.body#/snapshot/name"}),
        "DeleteSnapshot": link("deleteSnapshot", {"path.name": "$response.body#/snapshot/name"}),
    }
    export_links = {
        "DeleteCorrection": link("deleteCorrection", {
            "path.correction_id": "$response.body#/corrections/0/id"}),
        "GetPayment": link("getPayment", {"path.payment_id": "$response.body#/payments/0/id"}),
    }
    body_errors = (400, 413)
    return [
        ("/keys", "get", operation("getKeys", "The tenant's id and API keys", tag=CONTROL_TAG,
                                   ok=ok_response(schema("TenantKeys")), errors=())),
        ("/reset", "post", operation(
            "resetTenant", "Back to the seed, or reseed from the body's document",
            tag=CONTROL_TAG, ok=ok_response(schema("TenantKeys")), errors=body_errors,
            body=json_body(schema("Fixture"), yaml=True),
            description="The clock, journal, fault rules, reports and settings are cleared. "
                        "A document becomes the tenant's new seed.")),
        ("/export", "get", operation(
            "exportTenant", "The tenant's whole state as a fixture document", tag=CONTROL_TAG,
            ok=ok_response(schema("ExportedFixture"), links=export_links), errors=())),
        ("/snapshots", "post", operation(
            "saveSnapshot", "Save a named checkpoint (replacing one of that name)",
            tag=CONTROL_TAG, errors=body_errors,
            body=json_body(loose({"name": text(minLength=1, maxLength=255)}, required=["name"]),
                           required=True),
            ok=ok_response(success(snapshot=schema("Snapshot")), links=snapshot_links))),
        ("/snapshots", "get", operation(
            "listSnapshots", "List the named checkpoints, oldest first", tag=CONTROL_TAG,
            errors=(), ok=ok_response(success(snapshots=array(schema("Snapshot")))))),
        ("/snapshots/{name}/restore", "post", operation(
            "restoreSnapshot", "Put the tenant back as the snapshot has it", tag=CONTROL_TAG,
            ok=result, errors=(404,), parameters=[snapshot_name])),
        ("/snapshots/{name}", "delete", operation(
            "deleteSnapshot", "Forget a snapshot", tag=CONTROL_TAG, ok=result, errors=(404,),
            parameters=[snapshot_name])),
        ("/clock", "get", operation("getClock", "The tenant clock", tag=CONTROL_TAG,
                                    ok=ok_response(schema("Clock")), errors=())),
        ("/clock", "post", operation(
            "moveClock", "Set, advance, freeze or unfreeze the tenant clock", tag=CONTROL_TAG,
            ok=ok_response(schema("Clock")), errors=body_errors,
            body=json_body(clock_body, required=True))),
        ("/requests", "get", operation(
            "listRequests", "The request journal, oldest first", tag=CONTROL_TAG,
            errors=(400,), parameters=[
                query("method", text(examples=["POST"])),
                query("path", text(description="Exact, or a prefix ending in *",
                                   examples=["/3.1/payments*"])),
                query("status", integer(minimum=0, maximum=999)),
                query("since", TIMESTAMP, blank=True),
                query("limit", integer(minimum=0, maximum=999_999_999,
                                       description="The newest N"))],
            ok=ok_response(success(requests=array(journal_entry))))),
        ("/requests", "delete", operation("clearRequests", "Empty the journal",
                                          tag=CONTROL_TAG, ok=result, errors=())),
        ("/faults", "post", operation(
            "addFault", "Add a fault rule after the existing ones", tag=CONTROL_TAG,
            errors=body_errors, body=json_body(schema("FaultSpec"), required=True),
            ok=ok_response(success(fault=schema("FaultRule")), links=fault_link))),
        ("/faults", "get", operation(
            "listFaults", "The fault rules in matching order", tag=CONTROL_TAG, errors=(),
            ok=ok_response(success(faults=array(schema("FaultRule")))))),
        ("/faults", "delete", operation("clearFaults", "Delete every fault rule",
                                        tag=CONTROL_TAG, ok=result, errors=())),
        ("/faults/{rule_id}", "delete", operation(
            "deleteFault", "Delete one fault rule", tag=CONTROL_TAG, ok=result, errors=(404,),
            parameters=[path_id("rule_id", "fault rule", [1])])),
        ("/generations", "get", operation(
            "listGenerations", "One report per generate/create call", tag=CONTROL_TAG,
            errors=(), ok=ok_response(success(generations=array(report))))),
        ("/config", "get", operation("getConfig", "The tenant's settings", tag=CONTROL_TAG,
                                     ok=ok_response(schema("TenantConfig")), errors=())),
        ("/config", "post", operation(
            "setConfig", "Change the tenant's settings", tag=CONTROL_TAG,
            ok=ok_response(schema("TenantConfig")), errors=body_errors,
            body=json_body(obj({"generation_delay_seconds": {
                "type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 0,
                "maximum": 366 * 86400}}), required=True))),
    ]


def _for_tenant(op: Schema, keyed: bool) -> Schema:
    """Adapt a control operation to name its tenant by key, or by /_mock/tenants/{id}."""
    errors = {int(code) for code in op["responses"] if code != "200"} | set(TOKEN_ERRORS)
    result = {**op, "parameters": [ref("parameters", "ControlToken"), *op["parameters"]]}
    if keyed:
        errors.add(400)  # no key: 400 "Name the tenant: ..."
        result["security"] = KEYED
    else:
        errors.add(404)  # no such tenant
        result["operationId"] = op["operationId"] + "ForTenant"
        result["security"] = OPEN
        result["parameters"] = [ref("parameters", "TenantId"), *result["parameters"]]
        result["responses"] = _without_links(op["responses"])
    result["responses"] = {"200": result["responses"]["200"], **{
        str(code): ref("responses", ERRORS[code][0]) for code in sorted(errors)}}
    return result


def _without_links(responses: Schema) -> Schema:
    # Links name the key-addressed operations; the tenant-path twins carry none.
    ok = {k: v for k, v in responses["200"].items() if k != "links"}
    return {**responses, "200": ok}


def _control_paths() -> dict[str, Schema]:
    control_token = ref("parameters", "ControlToken")
    paths: dict[str, Schema] = {
        "/_mock/health": {"get": operation(
            "health", "Liveness and readiness", tag=CONTROL_TAG, security=OPEN, errors=(500,),
            ok=ok_response(success(ready={"const": True})))},
        "/_mock/tenants": {
            "post": operation(
                "createTenant", "Make a new isolated tenant from a fixture document",
                tag=CONTROL_TAG, security=OPEN, errors=(400, 413, *TOKEN_ERRORS),
                parameters=[control_token], body=json_body(schema("Fixture"), yaml=True),
                description="Without a body: the default fixture. Keys already taken, or "
                            "missing, are replaced by fresh random keys.",
                ok=ok_response(schema("TenantKeys"), links={
                    "GetKeys": link("getKeysForTenant",
                                    {"path.tenant_id": "$response.body#/tenant"}),
                    "DeleteTenant": link("deleteTenant",
                                         {"path.tenant_id": "$response.body#/tenant"})})),
            "get": operation(
                "listTenants", "List the tenants with their admin keys", tag=CONTROL_TAG,
                security=OPEN, errors=TOKEN_ERRORS, parameters=[control_token],
                ok=ok_response(success(tenants=array(obj({
                    "tenant": integer(), "admin": nullable(STRING)}))))),
        },
        "/_mock/tenants/{tenant_id}": {"delete": operation(
            "deleteTenant", "Drop a tenant and everything it holds", tag=CONTROL_TAG,
            security=OPEN, errors=(404, *TOKEN_ERRORS), ok=ok_response(schema("Result")),
            parameters=[ref("parameters", "TenantId"), control_token])},
    }
    for rule, method, op in _control_routes():
        paths.setdefault(f"/_mock{rule}", {})[method] = _for_tenant(op, keyed=True)
        paths.setdefault(f"/_mock/tenants/{{tenant_id}}{rule}", {})[method] = \
            _for_tenant(op, keyed=False)
    return paths


# ----------------------------------------------------------------------------- the document


def build_document() -> Schema:
    """Build the whole OpenAPI 3.1 document (a fresh dict on every call)."""
    paths = {**_payments_paths(), **_network_paths(), **_control_paths(),
             "/openapi.json": {"get": operation(
                 "openapi", "This document", tag="documentation", security=OPEN,
                 errors=(500,), ok=ok_response({"type": "object", "required": ["openapi"]},
                                               "The OpenAPI 3.1 document"))}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mock-affise",
            "version": _version(),
            "summary": "A stateful, wire-faithful emulator of the Affise affiliate billing API",
            "description": (
                "The Affise routes the mock implements, in Affise's wire shapes, plus its "
                "/_mock control plane. Every answer is JSON; errors use Affise's envelope "
                "{status: 2, message, error}. POST parameters may be sent as a form, a "
                "multipart form, a JSON object or in the query string (query and body merge, "
                "the body wins). Fault rules (POST /_mock/faults) may answer any status on "
                "any route; this document describes the answers without them."),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [{"name": name} for name in ("payments", "partners", "reference",
                                              "conversions", CONTROL_TAG, "documentation")],
        "security": KEYED,
        "paths": paths,
        "components": _components(),
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mock-affise")
    except PackageNotFoundError:
        return "0.0.0"


def openapi_document(app: Flask) -> Schema:
    """Return the app's document, built on first use and kept for the app's life."""
    extra = app.extensions["mock_affise"].extra
    if "openapi" not in extra:
        extra["openapi"] = build_document()
    return extra["openapi"]
