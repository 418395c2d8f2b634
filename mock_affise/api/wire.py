"""Affise's wire: API key placement, bracket arrays, merged query and body parameters."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import orjson
from flask import Request, Response
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from ..errors import AffiseError, BadRequest, PayloadTooLarge, clip, envelope
from ..numbers import is_index
from ..texts import text_problem

KEY_NAME = "api-key"
MAX_DEPTH = 5
MAX_LIST_ITEMS = 10_000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPE = "application/json"
JSON_TYPES = (JSON_TYPE,)

_BRACKETED = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
_SUBKEY = re.compile(r"\[([^\[\]]*)\]")
# JSON's \ud800 escapes decode to code points no UTF-8 text (database, answer) can hold.
UNREADABLE = "Bad Request: the request body could not be read"


def api_key(request: Request) -> str | None:
    """Return the API key from the API-Key header (any case) or the api-key query parameter."""
    key = request.headers.get(KEY_NAME)
    if key:
        return key.strip()
    for name, value in request.args.items(multi=True):
        if name.lower() == KEY_NAME and value:
            return value.strip()
    return None


def _split(key: str) -> tuple[str, list[str]]:
    match = _BRACKETED.match(key)
    if not match:
        return key, []
    return match.group(1), _SUBKEY.findall(match.group(2))


def _name(path: str) -> str:
    """Return a parameter's name as a message quotes it: printable, at most 80 characters."""
    return clip(path.replace("\x00", "").encode("utf-8", "backslashreplace").decode("utf-8"))


def _refused(path: str, problem: str) -> BadRequest:
    return BadRequest(f"{_name(path)}: {problem}")


def _check_text(text: str, path: str) -> None:
    """Refuse text no column or answer can hold: NUL characters, lone UTF-16 surrogates."""
    problem = text_problem(text)
    if problem is not None:
        raise _refused(path, problem)


def _clash(name: str) -> BadRequest:
    return _refused(name, "mixes array and single-value forms")


def _place(container: dict[str, Any] | list[Any], key: str, subs: list[str], value: str,
           path: str) -> None:
    """Put value at container[key][subs...], creating lists for [] and dicts for [name]."""
    if not subs:
        if isinstance(container, list):
            container.append(value)
        elif isinstance(container.get(key), dict | list):
            raise _clash(path)
        else:
            container[key] = value
        return
    sub, rest = subs[0], subs[1:]
    wanted = list if sub == "" else dict
    if isinstance(container, list):
        child: Any = wanted()
        container.append(child)
    else:
        child = container.get(key)
        if child is None:
            child = container[key] = wanted()
        elif not isinstance(child, wanted):
            if isinstance(child, list) and is_index(sub, signed=False):
                # k[]=a&k[1]=b: PHP keeps both; so do we, as an indexed dict.
                child = container[key] = {str(i): v for i, v in enumerate(child)}
            else:
                raise _clash(path)
    if isinstance(child, list) and len(child) >= MAX_LIST_ITEMS:
        raise _refused(path, f"more than {MAX_LIST_ITEMS} items")
    _place(child, sub, rest, value, f"{path}[{sub}]")


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn (key, value) pairs into nested parameters.

    ids[0]=1&ids[1]=2 gives {"ids": {"0": "1", "1": "2"}}; ids[]=1&ids[]=2 and the Go SDK's
    repeated ids=1&ids=2 give {"ids": ["1", "2"]}; payment_systems[0][fields][4]=x nests.
    Fields decide later whether an indexed dict is a list.
    """
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        _check_text(raw_key, raw_key)
        _check_text(value, raw_key)
        name, subs = _split(raw_key)
        if name.lower() == KEY_NAME:
            continue
        if len(subs) > MAX_DEPTH:
            raise _refused(name, f"nested deeper than {MAX_DEPTH} levels")
        if not subs:
            existing = result.get(name)
            if existing is None:
                result[name] = value
            elif isinstance(existing, str):
                result[name] = [existing, value]
            elif isinstance(existing, list) and all(isinstance(v, str) for v in existing):
                existing.append(value)
            else:
                raise _clash(name)
            continue
        _place(result, name, subs, value, name)
    return result


def _check_json(value: Any, path: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH + 1:
        raise _refused(path, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value, path)
    if isinstance(value, dict):
        _check_keys(value, path)
        return {k: _check_json(v, f"{path}[{k}]", depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise _refused(path, f"more than {MAX_LIST_ITEMS} items")
        return [_check_json(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, float):
        # JSON numbers are read as Decimal below; a float here would be a bug, keep it exact.
        return Decimal(repr(value))
    return value


def _check_keys(value: dict[str, Any], path: str | None) -> None:
    for key in value:
        _check_text(key, key if path is None else f"{path}[{key}]")


def parse_json_body(data: bytes) -> dict[str, Any]:
    """Read a JSON object body; numbers with a fraction stay exact Decimals."""
    import json

    try:
        text = data.decode("utf-8")
        body = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise BadRequest("Request body is not valid UTF-8") from exc
    except RecursionError as exc:  # the decoder recurses once per level: stop it, not us
        raise BadRequest(f"JSON body: nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:
        raise BadRequest(f"Malformed JSON body: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("JSON body must be an object of parameters")
    body = {k: v for k, v in body.items() if k.lower() != KEY_NAME}
    # Paths name the parameter as a form would (note, ids[0]): the message is the same
    # whichever encoding the client sends.
    _check_keys(body, None)
    return {k: _check_json(v, k, 1) for k, v in body.items()}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _strict_utf8(raw: bytes, where: str) -> None:
    """Refuse percent-encoded bytes that are not UTF-8 (werkzeug would replace them silently)."""
    if b"%" not in raw and raw.isascii():
        return
    try:
        raw.decode("utf-8")
        parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                  errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The {where} is not valid UTF-8") from exc


def read_body(request: Request) -> bytes:
    """Return the request body, read once; one the server cannot decode is a 400."""
    try:
        return request.get_data(cache=True, parse_form_data=False)
    except HTTPException:
        raise  # werkzeug's own: too large, or the client went away
    except Exception as exc:  # the server's reader: gunicorn's ParseException (a bad chunk
        raise BadRequest(UNREADABLE) from exc  # size), werkzeug's OSError


def _form(request: Request, data: bytes) -> dict[str, Any]:
    if request.mimetype != "multipart/form-data":
        _strict_utf8(data, "request body")
        return parse_pairs(request.form.items(multi=True))
    boundary = request.mimetype_params.get("boundary")
    if not boundary:
        raise BadRequest("Malformed multipart body: the Content-Type has no boundary")
    if data.strip() and f"--{boundary}--".encode() not in data:
        raise BadRequest("Malformed multipart body: it does not end with its boundary")
    # Not request.form: its parser is silent, and reads a broken body as no parameters at all
    # (so a generate would bill the whole network).
    parser = FormDataParser(max_form_memory_size=request.max_form_memory_size,
                            max_form_parts=request.max_form_parts, silent=False)
    try:
        _, form, _ = parser.parse(io.BytesIO(data), request.mimetype, len(data),
                                  request.mimetype_params)
    except ValueError as exc:
        raise BadRequest("Malformed multipart body: it cannot be parsed") from exc
    pairs = list(form.items(multi=True))
    if any(name is None for name, _ in pairs):  # werkzeug keeps a part with no name as None
        raise BadRequest("Malformed multipart body: a part has no name")
    return parse_pairs(pairs)


def request_params(request: Request) -> dict[str, Any]:
    """Merge query and body parameters (the body wins on a clash), whatever the encoding."""
    try:
        return _request_params(request)
    except RequestEntityTooLarge as exc:
        limit = request.max_content_length
        raise PayloadTooLarge(f"Request Entity Too Large: the body exceeds {limit} bytes "
                              "or has too many parts") from exc
    except HTTPException as exc:  # werkzeug gave up reading the body
        raise BadRequest(UNREADABLE) from exc


def _request_params(request: Request) -> dict[str, Any]:
    _strict_utf8(request.query_string, "query string")
    params = parse_pairs(request.args.items(multi=True))
    mimetype = request.mimetype
    data = read_body(request)
    if mimetype in FORM_TYPES:
        body = _form(request, data)
    elif mimetype in JSON_TYPES or mimetype.endswith("+json"):
        body = parse_json_body(data) if data.strip() else {}
    else:
        if data.strip():
            raise BadRequest(
                f"Unsupported Content-Type '{clip(mimetype or 'none')}': send "
                "application/x-www-form-urlencoded, multipart/form-data or application/json"
            )
        body = {}
    params.update(body)
    return params


def json_response(body: Any, status: int = 200) -> Response:
    """Serialise body as the JSON Affise clients parse (they need the JSON content type)."""
    return Response(orjson.dumps(body), status=status, mimetype=JSON_TYPE)


def error_response(error: AffiseError) -> Response:
    """Render an error in Affise's envelope: the text under message and under error."""
    return json_response(envelope(error.message), error.status_code)
