"""The dashboard's blueprint and what its views share: paging, tenant sessions, notes, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.http import dump_cookie

from ...errors import AffiseError, MethodNotAllowed, ValidationError
from ...money import plain
from ..control.schemas import PageQuery, Whole, parse
from ..wire import error_response

PREFIX = "/_mock/ui"
blueprint = Blueprint("ui", __name__, url_prefix=PREFIX, template_folder="templates")
STATIC = Path(__file__).resolve().parent / "static"
NOTE_COOKIE = "mock_affise_ui_note"
NOTE_CHARS = 600  # a note rides in a cookie: the control plane's message, cut to fit
NOTE_BYTES = 3500  # browsers keep cookies of up to 4,096 bytes, name and attributes included


class UiPage(PageQuery):
    """?page=&limit= of a dashboard list: pages of at most 100 rows."""

    limit = Whole(1, 100, load_default=25)


def paging(name: str = "page") -> tuple[int, int]:
    """Return the page (the query's name parameter) and limit asked for (a bad one is the 400
    naming it)."""
    args = request.args.to_dict()
    try:
        query = parse(UiPage(), {**args, "page": args.get(name, 1)})
    except ValidationError as error:
        raise ValidationError(name if error.field == "page" else error.field,
                              error.problem) from error
    return query["page"], query["limit"]


def journal_size() -> int:
    """Return how many calls a tenant's journal ring keeps."""
    return current_app.extensions["mock_affise"].journal.size


def page_url(number: int, name: str = "page") -> str:
    """Return this page's URL at page number, its other query parameters kept."""
    args = {k: v for k, v in request.args.items() if k != name}
    args[name] = str(number)
    return f"{request.path}?{urlencode(args)}"


def money(value: Any) -> str:
    """Render money as the API does (plain decimal text); nothing for None."""
    return "" if value is None else plain(value)


def pretty(value: Any, indent: int | None = 2) -> str:
    """Render a stored JSON value for reading (the template escapes it)."""
    return json.dumps(value, indent=indent, ensure_ascii=False, sort_keys=True, default=str)


def page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a dashboard page, with the note an action left, if any."""
    note = _read_note()
    response = Response(render_template(f"ui/{template}", note=note, **context), status,
                        mimetype="text/html")
    if note is not None:
        response.delete_cookie(NOTE_COOKIE, path=PREFIX)
    return response


def _read_note() -> dict[str, Any] | None:
    raw = request.cookies.get(NOTE_COOKIE)
    if not raw:
        return None
    try:
        note = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(note, dict) or not isinstance(note.get("text"), str):
        return None
    return {"ok": bool(note.get("ok")), "text": note["text"]}


def act(action: Callable[[], str], back: Callable[[], str]) -> Response:
    """Run an action; go back (303) with its result, or the control plane's message, as a note.

    action returns the text that says what it did; a refusal is the control plane's own error.
    """
    try:
        note = {"ok": True, "text": action()}
    except AffiseError as error:
        note = {"ok": False, "text": f"Refused ({error.status_code}): {error.message}"}
    response = redirect(back(), 303)
    response.set_cookie(NOTE_COOKIE, _fitted(note), path=PREFIX, httponly=True,
                        samesite="Strict")
    return response


def _fitted(note: dict[str, Any]) -> str:
    """Return the note as a cookie value a browser keeps: its text cut until the cookie, quoted
    as it is sent, fits NOTE_BYTES (non-ASCII text takes several bytes a character)."""
    text, limit = note["text"], NOTE_CHARS
    while True:
        cut = text if len(text) <= limit else text[:limit] + "…"
        value = json.dumps({**note, "text": cut})
        if len(dump_cookie(NOTE_COOKIE, value, path=PREFIX, max_size=0)) <= NOTE_BYTES \
                or limit == 0:
            return value
        limit //= 2


def tenant_url(endpoint: str, tenant_id: int, **values: Any) -> str:
    """Return the URL of a tenant's page."""
    return url_for(f"ui.{endpoint}", tenant_id=tenant_id, **values)


@blueprint.get("/ui.css")
def stylesheet() -> Response:
    """Serve the dashboard's one stylesheet."""
    return send_from_directory(STATIC, "ui.css", mimetype="text/css", max_age=300)


@blueprint.errorhandler(AffiseError)
def _refused(error: AffiseError) -> Response:
    if isinstance(error, MethodNotAllowed):  # a method no route takes: as every route answers it
        return error_response(error)
    return page("error.html", error.status_code, message=error.message,
                code=error.status_code)


@blueprint.app_template_filter("money")
def _money_filter(value: Any) -> str:
    return money(value)


@blueprint.app_template_filter("pretty")
def _pretty_filter(value: Any) -> str:
    return pretty(value)


@blueprint.app_template_filter("compact")
def _compact_filter(value: Any) -> str:
    return pretty(value, None)


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {"page_url": page_url}
