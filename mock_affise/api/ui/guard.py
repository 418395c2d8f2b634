"""The dashboard's locks: the control token (once, then a cookie) and a CSRF token per form.

The token is checked by the control plane's own check (control.base.check_token). The CSRF
token is a signed double-submit: a random nonce in an HttpOnly cookie, and in each form the
HMAC-SHA256 of that nonce under the CONTROL_TOKEN (empty without one). A form posted from
another site carries neither; SameSite=Strict keeps the cookies off cross-site requests too.
A browser not signed in is given the bare nonce for the sign-in form, never a value signed
with the token: a nonce and its signature would let anyone test guesses of the token offline.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import Response, current_app, g, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from ...errors import AffiseError, Forbidden, ValidationError
from ...texts import text_problem
from ..control.base import check_token, settings
from .base import PREFIX, blueprint, page

TOKEN_COOKIE = "mock_affise_control"
CSRF_COOKIE = "mock_affise_csrf"
CSRF_FIELD = "csrf"
_NONCE_SHAPE = re.compile("[0-9a-f]{32}")
_CSRF_SHAPE = re.compile("[0-9a-f]{32}|[0-9a-f]{64}")  # a nonce, or its signature
OPEN_ENDPOINTS = ("ui.sign_in", "ui.stylesheet")  # the stylesheet holds no tenant data


class StaleForm(Forbidden):
    message = "The form has expired or came from elsewhere: reload the page and send it again"


def csrf_token() -> str:
    """Return the CSRF token this browser's forms carry (the bare nonce until signed in)."""
    if not g.get("signed_in"):
        return g.csrf_nonce
    key = str(settings().get("CONTROL_TOKEN") or "").encode()
    return hmac.new(key, g.csrf_nonce.encode(), hashlib.sha256).hexdigest()


def _signed_in() -> bool:
    try:
        check_token(request.cookies.get(TOKEN_COOKIE), "sign in with it")
    except AffiseError:
        return False
    return True


@blueprint.context_processor
def _csrf() -> dict:
    return {"csrf_token": csrf_token, "csrf_field": CSRF_FIELD,
            "locked": bool(settings().get("CONTROL_TOKEN"))}


@blueprint.before_request
def _guard() -> Response | None:
    current_app.extensions["mock_affise"].journal.settle()  # pages see every call answered
    nonce = request.cookies.get(CSRF_COOKIE, "")
    g.new_nonce = not _NONCE_SHAPE.fullmatch(nonce)
    g.csrf_nonce = secrets.token_hex(16) if g.new_nonce else nonce
    if request.endpoint == "ui.stylesheet":
        return None
    _storable(request.args)
    g.signed_in = _signed_in()
    sent = request.form.get(CSRF_FIELD, "")
    if request.method == "POST" and (g.new_nonce or not _CSRF_SHAPE.fullmatch(sent)
                                     or not hmac.compare_digest(sent, csrf_token())):
        raise StaleForm()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not g.signed_in:
        try:
            check_token(request.cookies.get(TOKEN_COOKIE), "sign in with it")
        except AffiseError as error:
            return _sign_in_page(error.message, error.status_code)
    _storable(request.form)
    return None


def _storable(values: MultiDict) -> None:
    """Refuse a query or form value no column could hold, as every way in does (texts.py)."""
    for name, value in values.items(multi=True):
        problem = text_problem(name) or text_problem(value)
        if problem is not None:
            raise ValidationError(name, problem)


@blueprint.after_request
def _headers(response: Response) -> Response:
    if getattr(g, "new_nonce", False):
        response.set_cookie(CSRF_COOKIE, g.csrf_nonce, path=PREFIX, httponly=True,
                            samesite="Strict")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "ui.stylesheet":
        response.headers["Cache-Control"] = "no-store"
    return response


def _sign_in_page(message: str | None, status: int) -> Response:
    back = request.full_path if request.method == "GET" else url_for("ui.tenants")
    return page("sign_in.html", status, message=message, back=back.rstrip("?"))


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response:
    """Ask for the control token; keep it in an HttpOnly, SameSite=Strict cookie."""
    if request.method == "GET":
        return _sign_in_page(None, 200)
    token = request.form.get("token", "")
    try:
        check_token(token, "enter it")
    except AffiseError as error:
        return page("sign_in.html", error.status_code, message=error.message,
                    back=request.form.get("back", ""))
    back = request.form.get("back", "")
    if not back.startswith(PREFIX + "/") or "//" in back or "\\" in back \
            or not (back.isascii() and back.isprintable()):  # a header takes no CR, LF, é
        back = url_for("ui.tenants")  # only a page of the dashboard, never another site
    response = redirect(back, 303)
    response.set_cookie(TOKEN_COOKIE, token, path=PREFIX, httponly=True, samesite="Strict")
    return response


@blueprint.post("/sign-out")
def sign_out() -> Response:
    """Forget the control token this browser holds."""
    response = redirect(url_for("ui.sign_in"), 303)
    response.delete_cookie(TOKEN_COOKIE, path=PREFIX)
    return response
