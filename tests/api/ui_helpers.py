"""Helpers for the dashboard's HTTP tests: read a page's forms and rows as a user sees them."""

from __future__ import annotations

import html
import re

UI = "/_mock/ui"
T1 = f"{UI}/tenants/1"


def text(response) -> str:
    """Return a page as text: tags dropped, entities read, whitespace folded."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r" ([,.;])", r"\1", " ".join(html.unescape(body).split()))


def csrf(client, path: str = f"{UI}/") -> str:
    """Open a page and return the CSRF token its forms carry."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([0-9a-f]{64}|[0-9a-f]{32})"', page).group(1)


def post(client, path: str, form: dict | None = None, page: str = f"{UI}/"):
    """Send a dashboard form as a browser would: with the page's CSRF token, following the 303."""
    return client.post(path, data={"csrf": csrf(client, page), **(form or {})},
                       follow_redirects=True)


def note(response) -> str:
    """Return the note an action left on the page it went back to."""
    match = re.search(r'<p class="note [a-z]+" role="status">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def row(response, marker: str) -> list[str]:
    """Return the cells of the table row holding marker (an attribute like data-invoice="7")."""
    page = response.get_data(as_text=True)
    match = re.search(rf"<tr[^>]*{re.escape(marker)}[^>]*>(.*?)</tr>", page, re.S)
    assert match, f"no row {marker}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]


def invoice_ids(response) -> list[int]:
    """Return the invoice ids an invoices page lists, in its order."""
    return [int(i) for i in re.findall(r'data-invoice="(\d+)"', response.get_data(as_text=True))]
