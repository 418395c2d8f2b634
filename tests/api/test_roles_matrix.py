"""Every Affise route x every role x whose object it is, to the letter (contract section 2).

The routes come from the app's route table: a route served without a row in ROUTES fails
test_every_affise_route_has_its_row, so a new route cannot be missed. Roles: the tenant's admin,
its affiliate manager (Bob, who manages affiliates 2, 3 and 5), affiliate 2's own key, no key,
and the admin key of another tenant. Holders: affiliate 2's object ("own"), affiliate 4's
("other": nobody manages it) and an object only the other tenant has ("foreign"); an advertiser
invoice is this tenant's ("own") or only the other tenant's ("foreign").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from mock_affise.api.not_emulated import AFFISE_PATH, ENDPOINT_PREFIX
from tests.api.test_wire import export
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, MANAGER_KEY

FOREIGN_ADMIN_KEY = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
ROLES = {"admin": ADMIN_KEY, "manager": MANAGER_KEY, "affiliate": AFFILIATE_KEYS[2],
         "no key": None, "other tenant": FOREIGN_ADMIN_KEY}
HOLDERS = ("own", "other", "foreign")
DENIED = (403, "Auth Denied")
NO_TOKEN = (401, "Token is necessary")
NOT_FOUND = (404, "Resource Not Found")
OK = (200, "ok")
ALL_DAYS = "date_from=2024-01-01&date_to=2024-12-31"


def cid(suffix: str) -> str:
    """Return a default-fixture conversion id from its last hex digits: "0a" -> 66…0a."""
    return "66" + suffix.rjust(22, "0")


# The objects of each holder. Affiliate 4 gets an invoice (2926, with conversion 12 and
# correction 11) so every kind of object has an "other" one; the other tenant has its own.
AFFILIATE = {"own": 2, "other": 4, "foreign": 9}
CONVERSION = {"own": cid("07"), "other": cid("11"), "foreign": "77" + "1".rjust(22, "0")}
INVOICE = {"own": 2925, "other": 2926, "foreign": 3001}
# An invoice and one of its conversions, which can leave it without a negative revenue.
INVOICED = {"own": (2925, cid("04")), "other": (2926, cid("12")),
            "foreign": (3001, "77" + "2".rjust(22, "0"))}
# USD in each tenant, and a sum each affiliate has earned, at least the tenant's USD minimum.
CURRENCY = {"own": 2, "other": 2, "foreign": 1}
SUM = {"own": "25", "other": "25", "foreign": "5"}
CORRECTION = {"own": 10, "other": 11, "foreign": 31}
# Advertiser invoices belong to a tenant's advertisers, not to an affiliate: this tenant's own,
# or only the other tenant's.
TENANT_ONLY = ("own", "foreign")
ADVERTISER = {"own": "62164a9a5a8b7e788f752f13", "foreign": "63aa00000000000000000009"}
ADVERTISER_INVOICE = {"own": 1, "foreign": 7}

BOBS = [2, 3, 5]
BOBS_CONVERSIONS = sorted([cid(f"{n:02x}") for n in range(0x01, 0x11)]
                          + [cid(f"{n:02x}") for n in range(0x13, 0x19)])
AFFILIATE_2_CONVERSIONS = sorted(cid(f"{n:02x}") for n in range(0x01, 0x0d))
ALL_CONVERSIONS = sorted(cid(f"{n:02x}") for n in range(0x01, 0x1c))


def tenant_document(default_document: dict) -> dict:
    """The default fixture; unmanaged affiliate 4 gets a USD binding, an invoice, a correction."""
    document = copy.deepcopy(default_document)
    assert document["payments"][4]["id"] == 2925
    document["payments"].append({
        "id": 2926, "pid": 4, "currency": "EUR", "status": 1,
        "posted_date": "2024-05-01 09:00:00", "updated_at": "2024-05-01 09:00:00",
        "pay_sys": 2, "pay_acc": "", "comment": "", "notes": "",
        "cpa_actions": [cid("12")], "period_to": "2024-04-30"})
    document["payments"][4]["cpa_actions"].append(cid("04"))  # 2925 can lose one, not both
    document["affiliates"][2]["payment_systems"] = [
        {"id": 17, "system_id": 1, "currency": "USD", "active": 1, "fields": {"4": "Z4"}}]
    document["advertisers"] = [{"id": ADVERTISER["own"], "title": "Acme Ads"}]
    document["advertiser_invoices"] = [{"number": 1, "supplier_id": ADVERTISER["own"],
                                        "currency": "USD", "created_at": "2024-06-01 10:00:00"}]
    document["corrections"].append({"id": 11, "payment_id": 2926, "revenue": "1.5",
                                    "comment": "fee", "posted_date": "2024-05-02 10:00:00"})
    return document


FOREIGN_TENANT = {
    "now": "2024-06-15 12:00:00",
    "currencies": [{"id": 1, "code": "USD", "rate": "1", "min_payment": "0", "active": True,
                    "default": True}],
    "payment_systems": [{"id": 1, "title": "Webmoney", "currency": None, "threshold": None,
                         "fields": [{"id": 4, "label": "WMZ", "required": True}]}],
    "managers": [{"id": "6f2a9e0c1d2b3c4d5e6f7a01", "first_name": "Cy", "last_name": "Moss",
                  "email": "cy@example.org", "role": "admin", "api_key": FOREIGN_ADMIN_KEY}],
    "affiliates": [{"id": 9, "email": "nine@example.org", "login": "nine", "status": "active",
                    "manager_id": None, "api_key": "aff9" * 8, "ref": None, "ref_percent": None,
                    "created_at": "2024-01-10 09:00:00",
                    "payment_systems": [{"id": 90, "system_id": 1, "currency": "USD",
                                         "active": 1, "fields": {"4": "Z9"}}]}],
    "offers": [{"id": 4, "title": "Offer 4", "advertiser_id": ADVERTISER["foreign"]}],
    "advertisers": [{"id": ADVERTISER["foreign"], "title": "Nine Ads"}],
    "advertiser_invoices": [{"number": 7, "supplier_id": ADVERTISER["foreign"],
                             "currency": "USD", "created_at": "2024-06-01 10:00:00"}],
    "conversions": [
        {"id": CONVERSION["foreign"], "affiliate_id": 9, "offer_id": 4, "status": 1,
         "payouts": "5", "currency": "USD", "country": "US", "goal": "1",
         "created_at": "2024-05-20 10:00:00", "hold_until": None},
        {"id": INVOICED["foreign"][1], "affiliate_id": 9, "offer_id": 4, "status": 1,
         "payouts": "6", "currency": "USD", "country": "US", "goal": "1",
         "created_at": "2024-04-01 10:00:00", "hold_until": None},
    ],
    "payments": [{"id": 3001, "pid": 9, "currency": "USD", "status": 1,
                  "posted_date": "2024-05-01 09:00:00", "updated_at": "2024-05-01 09:00:00",
                  "pay_sys": 1, "pay_acc": "WMZ: Z9", "comment": "", "notes": "",
                  "cpa_actions": [INVOICED["foreign"][1]], "period_to": "2024-04-30"}],
    "corrections": [{"id": 31, "payment_id": 3001, "revenue": "2", "comment": "bonus",
                     "posted_date": "2024-05-02 10:00:00"}],
}


# ----------------------------------------------------------------------------- the table

Request = Callable[[str], tuple[str, dict[str, Any] | None]]  # holder -> (path, form body)
Cell = tuple[int, Any]  # (status, error message, or what a 200 shows: see Route.shows)


@dataclass(frozen=True)
class Route:
    """One route's request per holder and the exact outcome per role and holder."""

    request: Request
    outcomes: dict[tuple[str, str], Cell]
    shows: Callable[[dict[str, Any]], Any] = field(default=lambda body: "ok")
    holders: tuple[str, ...] = HOLDERS


def cells(holders: tuple[str, ...] = HOLDERS, **by_role: dict[str, Cell] | Cell) -> dict:
    """Spell out every (role, holder) cell: a role left out is denied (401 without a key)."""
    table = {}
    for role in ROLES:
        given = by_role.get(role.replace(" ", "_"), NO_TOKEN if role == "no key" else DENIED)
        for holder in holders:
            table[role, holder] = given[holder] if isinstance(given, dict) else given
    return table


def admin_write(admin: dict[str, Cell] | Cell, other_tenant: dict[str, Cell] | Cell,
                holders: tuple[str, ...] = HOLDERS) -> dict:
    """An admin-only route: only the two admin keys get past the role check."""
    return cells(holders, admin=admin, other_tenant=other_tenant)


def each(own: Cell, other: Cell, foreign: Cell) -> dict[str, Cell]:
    return {"own": own, "other": other, "foreign": foreign}


ONLY_OWN_TENANT = each(NOT_FOUND, NOT_FOUND, OK)  # another tenant's key on this tenant's ids
ONE = ("any",)  # a route whose request names no affiliate's object


def ids(name: str, key: str = "id") -> Callable[[dict[str, Any]], list]:
    return lambda body: sorted(row[key] for row in body[name])


def partner_shows(body: dict[str, Any]) -> tuple[int, str | None]:
    return body["partner"]["id"], body["partner"]["api_key"]


def partners_show(body: dict[str, Any]) -> list[tuple[int, str | None]]:
    return [(p["id"], p["api_key"]) for p in body["partners"]]


def key(affiliate_id: int) -> str:
    return AFFILIATE_KEYS[affiliate_id]


def unknown(field_name: str, what: str) -> dict[str, Cell]:
    """Admin of this tenant: the foreign object is unknown here (a 400 naming the field)."""
    return each(OK, OK, (400, f"{field_name}: {what}"))


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/3.0/admin/currency"): Route(
        lambda h: ("/3.0/admin/currency", None),
        cells(ONE, admin=(200, ["EUR", "GBP", "RUB", "USD"]),
              manager=(200, ["EUR", "GBP", "RUB", "USD"]), other_tenant=(200, ["USD"])),
        shows=lambda body: sorted(body["quotes"]), holders=ONE),
    ("GET", "/3.0/admin/payment_systems"): Route(
        lambda h: ("/3.0/admin/payment_systems", None),
        cells(ONE, admin=(200, [1, 2, 3, 4]), manager=(200, [1, 2, 3, 4]),
              other_tenant=(200, [1])),
        shows=ids("payment_systems"), holders=ONE),
    ("GET", "/3.0/admin/partners"): Route(
        lambda h: ("/3.0/admin/partners?limit=500", None),
        cells(ONE, admin=(200, [(a, key(a)) for a in (2, 3, 4, 5, 6)]),
              manager=(200, [(a, None) for a in BOBS]),
              other_tenant=(200, [(9, "aff9" * 8)])),
        shows=partners_show, holders=ONE),
    ("GET", "/3.0/admin/partner/<int:partner_id>"): Route(
        lambda h: (f"/3.0/admin/partner/{AFFILIATE[h]}", None),
        cells(admin=each((200, (2, key(2))), (200, (4, key(4))), NOT_FOUND),
              manager=each((200, (2, None)), NOT_FOUND, NOT_FOUND),
              other_tenant=each(NOT_FOUND, NOT_FOUND, (200, (9, "aff9" * 8)))),
        shows=partner_shows),
    ("GET", "/3.0/admin/partner/<int:partner_id>/referrals"): Route(
        lambda h: (f"/3.0/admin/partner/{AFFILIATE[h]}/referrals", None),
        cells(admin=each((200, [5]), (200, []), NOT_FOUND),
              manager=each((200, [5]), NOT_FOUND, NOT_FOUND),
              other_tenant=each(NOT_FOUND, NOT_FOUND, (200, []))),
        shows=ids("referrals")),
    ("POST", "/3.0/admin/partner"): Route(
        lambda h: ("/3.0/admin/partner", {"email": f"new-{h}@example.com", "password": "pw",
                                          "country": "NL", "ref": AFFILIATE[h]}),
        admin_write(unknown("ref", "unknown partner 9"),
                    each((400, "ref: unknown partner 2"), (400, "ref: unknown partner 4"), OK))),
    ("POST", "/3.0/admin/partner/<int:partner_id>"): Route(
        lambda h: (f"/3.0/admin/partner/{AFFILIATE[h]}", {"notes": "edited"}),
        admin_write(each(OK, OK, NOT_FOUND), ONLY_OWN_TENANT)),
    ("GET", "/3.0/stats/conversions"): Route(
        lambda h: (f"/3.0/stats/conversions?limit=500&{ALL_DAYS}", None),
        cells(ONE, admin=(200, ALL_CONVERSIONS), manager=(200, BOBS_CONVERSIONS),
              affiliate=(200, AFFILIATE_2_CONVERSIONS),
              other_tenant=(200, sorted([CONVERSION["foreign"], INVOICED["foreign"][1]]))),
        shows=ids("conversions"), holders=ONE),
    ("GET", "/3.0/stats/conversionsbyid"): Route(
        lambda h: (f"/3.0/stats/conversionsbyid?id={CONVERSION[h]}", None),
        cells(admin=each((200, CONVERSION["own"]), (200, CONVERSION["other"]), NOT_FOUND),
              other_tenant=each(NOT_FOUND, NOT_FOUND, (200, CONVERSION["foreign"]))),
        shows=lambda body: body["conversion"]["id"]),
    ("POST", "/3.0/admin/conversion/edit"): Route(
        lambda h: ("/3.0/admin/conversion/edit", {"ids[]": CONVERSION[h], "status": "hold"}),
        admin_write(unknown("ids", f"unknown conversion {CONVERSION['foreign']}"),
                    each((400, f"ids: unknown conversion {CONVERSION['own']}"),
                         (400, f"ids: unknown conversion {CONVERSION['other']}"), OK))),
    ("GET", "/3.0/balance"): Route(
        lambda h: ("/3.0/balance", None),
        cells(ONE, affiliate=(200, ["EUR", "RUB", "USD"])),
        shows=lambda body: sorted(body["balance"]["available"]), holders=ONE),
    ("GET", "/3.1/payments"): Route(
        lambda h: (f"/3.1/payments?{ALL_DAYS}", None),
        cells(ONE, admin=(200, [2921, 2922, 2923, 2924, 2925, 2926]),
              other_tenant=(200, [3001])),
        shows=ids("payments"), holders=ONE),
    ("GET", "/3.1/payments/<int:payment_id>"): Route(
        lambda h: (f"/3.1/payments/{INVOICE[h]}", None),
        cells(admin=each((200, 2925), (200, 2926), NOT_FOUND),
              other_tenant=each(NOT_FOUND, NOT_FOUND, (200, 3001))),
        shows=lambda body: body["payment"]["id"]),
    ("POST", "/3.1/payments/<int:payment_id>"): Route(
        lambda h: (f"/3.1/payments/{INVOICE[h]}", {"comment": "seen"}),
        admin_write(each(OK, OK, NOT_FOUND), ONLY_OWN_TENANT)),
    ("POST", "/3.1/payments/create-for-affiliate"): Route(
        lambda h: ("/3.1/payments/create-for-affiliate",
                   {"aid": AFFILIATE[h], "sum": SUM[h], "currency": CURRENCY[h]}),
        admin_write(each(OK, OK, (400, "aid: unknown affiliate 9")),
                    each((400, "aid: unknown affiliate 2"), (400, "aid: unknown affiliate 4"),
                         OK))),
    ("POST", "/3.1/payments/generate"): Route(
        lambda h: ("/3.1/payments/generate", {"aid": AFFILIATE[h]}),
        admin_write(each(OK, OK, (400, "aid: unknown affiliate 9")),
                    each((400, "aid: unknown affiliate 2"), (400, "aid: unknown affiliate 4"),
                         OK))),
    ("POST", "/3.1/payments/<int:payment_id>/add-correction"): Route(
        lambda h: (f"/3.1/payments/{INVOICE[h]}/add-correction",
                   {"revenue": "1", "comment": "c"}),
        admin_write(each(OK, OK, NOT_FOUND), ONLY_OWN_TENANT)),
    ("DELETE", "/3.1/payments/del-correction/<int:correction_id>"): Route(
        lambda h: (f"/3.1/payments/del-correction/{CORRECTION[h]}", None),
        admin_write(each(OK, OK, NOT_FOUND), ONLY_OWN_TENANT)),
    ("DELETE", "/3.1/payments/delete/<int:payment_id>"): Route(
        lambda h: (f"/3.1/payments/delete/{INVOICE[h]}", None),
        admin_write(each(OK, OK, NOT_FOUND), ONLY_OWN_TENANT)),
    ("POST", "/3.1/payments/bulk-delete"): Route(
        lambda h: ("/3.1/payments/bulk-delete", {"ids[]": INVOICE[h]}),
        admin_write(each((200, {"2925": True}), (200, {"2926": True}),
                         (200, {"3001": False})),
                    each((200, {"2925": False}), (200, {"2926": False}),
                         (200, {"3001": True}))),
        shows=lambda body: body["result"]),
    ("GET", "/3.0/admin/advertiser-invoices"): Route(
        lambda h: ("/3.0/admin/advertiser-invoices", None),
        cells(ONE, admin=(200, [1]), other_tenant=(200, [7])),
        shows=ids("message", "number"), holders=ONE),
    ("GET", "/3.0/admin/advertiser-invoice/<int:number>"): Route(
        lambda h: (f"/3.0/admin/advertiser-invoice/{ADVERTISER_INVOICE[h]}", None),
        admin_write({"own": (200, 1), "foreign": NOT_FOUND},
                    {"own": NOT_FOUND, "foreign": (200, 7)}, TENANT_ONLY),
        shows=lambda body: body["message"]["number"], holders=TENANT_ONLY),
    ("POST", "/3.0/admin/advertiser-invoice"): Route(
        lambda h: ("/3.0/admin/advertiser-invoice",
                   {"supplier_id": ADVERTISER[h], "currency": "USD"}),
        admin_write(
            {"own": OK, "foreign": (400, f"supplier_id: unknown advertiser "
                                         f"'{ADVERTISER['foreign']}'")},
            {"own": (400, f"supplier_id: unknown advertiser '{ADVERTISER['own']}'"),
             "foreign": OK}, TENANT_ONLY),
        holders=TENANT_ONLY),
    ("POST", "/3.0/admin/advertiser-invoice/<int:number>"): Route(
        lambda h: (f"/3.0/admin/advertiser-invoice/{ADVERTISER_INVOICE[h]}", {"comment": "c"}),
        admin_write({"own": OK, "foreign": NOT_FOUND}, {"own": NOT_FOUND, "foreign": OK},
                    TENANT_ONLY),
        holders=TENANT_ONLY),
    ("POST", "/3.1/payments/<int:invoice_id>/conversions/delete"): Route(
        lambda h: (f"/3.1/payments/{INVOICED[h][0]}/conversions/delete",
                   {"conversion_ids[]": INVOICED[h][1]}),
        admin_write(each(OK, OK, NOT_FOUND), ONLY_OWN_TENANT)),
}


# ----------------------------------------------------------------------------- the matrix


def affise_routes(app) -> list[tuple[str, str]]:
    """Return every emulated Affise (METHOD, rule) in the app's route table."""
    return sorted({(method, rule.rule) for rule in app.url_map.iter_rules()
                   if AFFISE_PATH.match(rule.rule)
                   and not rule.endpoint.startswith(ENDPOINT_PREFIX)
                   for method in rule.methods or () if method not in ("HEAD", "OPTIONS")})


def test_every_affise_route_has_its_row(app):
    assert affise_routes(app) == sorted(ROUTES)


def test_every_row_covers_every_role_and_holder():
    for route in ROUTES.values():
        assert set(route.outcomes) == {(role, holder) for role in ROLES
                                       for holder in route.holders}


@pytest.fixture
def two_tenants(make_app, default_document):
    app = make_app(tenant_document(default_document))
    made = app.test_client().post("/_mock/tenants", json=FOREIGN_TENANT)
    assert made.status_code == 200, made.get_data(as_text=True)
    return app


def _outcome(response, route: Route) -> Cell:
    body = response.get_json()
    assert response.content_type == "application/json", response.get_data(as_text=True)
    if response.status_code != 200:
        assert body == {"status": 2, "message": body["message"], "error": body["message"]}
        return response.status_code, body["message"]
    assert body["status"] == 1
    return 200, route.shows(body)


# Denied calls first, so that what the admins change cannot decide what they see.
ORDER = ("no key", "affiliate", "manager", "other tenant", "admin")


@pytest.mark.parametrize(("method", "rule"), sorted(ROUTES), ids=[f"{m} {r}" for m, r in
                                                                 sorted(ROUTES)])
def test_each_role_gets_exactly_its_outcome_for_each_holder(two_tenants, method, rule):
    route, client = ROUTES[method, rule], two_tenants.test_client()
    before = export(two_tenants)
    seen: dict[tuple[str, str], Cell] = {}
    for role in ORDER:
        if role == "other tenant":  # nobody without a right role changed a thing
            assert export(two_tenants) == before
        for holder in route.holders:
            path, body = route.request(holder)
            headers = {"API-Key": ROLES[role]} if ROLES[role] else {}
            seen[role, holder] = _outcome(client.open(path, method=method, data=body,
                                                      headers=headers), route)

    assert seen == route.outcomes
