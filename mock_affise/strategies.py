"""Hypothesis strategies for property-testing clients of the mock (and the mock itself)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

NOW = datetime(2024, 6, 15, 12, 0, 0)
CODES = ("USD", "EUR", "RUB")
_CURRENCY_IDS = {"RUB": 1, "USD": 2, "EUR": 3}


def storable_text(**kwargs: Any) -> st.SearchStrategy[str]:
    """Text the mock stores: no NUL character, no lone surrogate (the wire refuses both)."""
    return st.text(alphabet=st.characters(exclude_characters="\x00",
                                          exclude_categories=("Cs",)), **kwargs)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _hex(prefix: int, number: int) -> str:
    return f"{prefix:02x}{number:022x}"


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2,
                      allow_nan=False, allow_infinity=False)


@st.composite
def fixture_documents(draw: st.DrawFn, max_affiliates: int = 4,
                      max_conversions: int = 30) -> dict[str, Any]:
    """Draw a valid fixture document: consistent ids, currencies, payment systems, conversions.

    The clock is frozen at 2024-06-15 12:00:00; conversions fall in the six months before it,
    in every status, some on hold with hold_until on either side of now.
    """
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
    currencies = [
        {"id": _CURRENCY_IDS[code], "code": code, "rate": "1",
         "min_payment": str(draw(st.sampled_from([0, 5, 20, 50]))), "active": True,
         "default": index == 0}
        for index, code in enumerate(codes)]
    systems = []
    for system_id in range(1, draw(st.integers(1, 3)) + 1):
        systems.append({
            "id": system_id, "title": f"System {system_id}",
            "currency": draw(st.none() | st.sampled_from(codes)),
            "threshold": draw(st.none() | st.sampled_from(["0", "10", "30"])),
            "fields": [{"id": system_id * 10 + n, "label": f"Field {n}", "required": n == 1}
                       for n in range(1, draw(st.integers(1, 2)) + 1)]})
    manager = {"id": _hex(0x5f, 1), "first_name": "Ann", "last_name": "Lee",
               "email": "ann@example.com", "role": "admin", "api_key": "a" * 32}
    affiliates = []
    binding_id = 100
    for affiliate_id in range(1, draw(st.integers(1, max_affiliates)) + 1):
        bindings = []
        for _ in range(draw(st.integers(0, 2))):
            system = draw(st.sampled_from(systems))
            currency = system["currency"] or draw(st.sampled_from(codes))
            binding_id += 1
            bindings.append({
                "id": binding_id, "system_id": system["id"], "currency": currency,
                "active": draw(st.sampled_from([0, 1])),
                "fields": {str(f["id"]): f"acc-{binding_id}-{f['id']}" for f in system["fields"]}})
        affiliates.append({"id": affiliate_id, "name": f"Affiliate {affiliate_id}",
                           "email": f"a{affiliate_id}@example.com", "login": f"a{affiliate_id}",
                           "status": "active", "manager_id": manager["id"],
                           "api_key": f"{affiliate_id:032d}", "payment_systems": bindings})
    offers = [{"id": n, "title": f"Offer {n}", "advertiser_id": _hex(0x62, n)} for n in (1, 2)]
    conversions = []
    for number in range(1, draw(st.integers(0, max_conversions)) + 1):
        created = NOW - timedelta(hours=draw(st.integers(1, 24 * 180)))
        status = draw(st.sampled_from([1, 1, 1, 2, 3, 5]))
        hold_until = None
        if status == 5:
            hold_until = _ts(NOW + timedelta(days=draw(st.integers(-20, 20))))
        conversions.append({
            "id": _hex(0x66, number), "affiliate_id": draw(st.integers(1, len(affiliates))),
            "offer_id": draw(st.sampled_from([1, 2])), "status": status,
            "payouts": str(draw(amounts)), "currency": draw(st.sampled_from(codes)),
            "country": draw(st.sampled_from(["US", "DE", "GB"])), "goal": "1",
            "created_at": _ts(created), "hold_until": hold_until})
    advertiser_invoices = [
        {"number": number, "currency": draw(st.sampled_from(codes)),
         **draw(advertiser_invoice_params([o["advertiser_id"] for o in offers], [1, 2], codes))}
        for number in range(1, draw(st.integers(0, 3)) + 1)]
    for invoice in advertiser_invoices:
        invoice["detail"] = [{**row, "offer_id": int(row["offer_id"])}
                             for row in invoice.get("detail", [])]
    return {"now": _ts(NOW), "currencies": currencies, "payment_systems": systems,
            "managers": [manager], "affiliates": affiliates,
            "advertisers": [{"id": offers[0]["advertiser_id"], "title": "Advertiser 1"}],
            "offers": offers, "conversions": conversions,
            "advertiser_invoices": advertiser_invoices}


# ------------------------------------------------------------------ request parameters

ENCODINGS = ("indexed", "brackets", "repeated", "json")
"""How real clients send arrays: ids[0]=1 (PHP SDK, Affise's docs), ids[]=1 (help center),
repeated ids=1&ids=2 (Go SDK), and a JSON body."""

encodings = st.sampled_from(ENCODINGS)


def encode(params: dict[str, Any], encoding: str) -> list[tuple[str, str]] | dict[str, Any]:
    """Write params (lists for arrays) the way a client using encoding would send them.

    Returns form pairs for the form encodings (pass as `data=` or a query string) and a dict
    for "json" (pass as `json=`). Scalars are sent as strings.
    """
    if encoding == "json":
        return {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in params.items()}
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                key = {"indexed": f"{name}[{index}]", "brackets": f"{name}[]",
                       "repeated": name}[encoding]
                pairs.append((key, str(item)))
        else:
            pairs.append((name, str(value)))
    return pairs


days = st.dates(min_value=datetime(2024, 1, 1).date(), max_value=datetime(2024, 6, 15).date())
_ids = st.lists(st.integers(1, 6), min_size=1, max_size=4, unique=True)


def generate_params() -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST /3.1/payments/generate parameters, every scope option included sometimes."""
    return st.fixed_dictionaries({}, optional={
        "date": days.map(str), "date_from": st.just("2024-01-01"),
        "include_aids": _ids, "exclude_aids": _ids,
        "offer_ids": st.lists(st.sampled_from([4, 5, 6]), min_size=1, max_size=2, unique=True),
        "currencies": st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True),
        "countries": st.lists(st.sampled_from(["US", "usa", "DE", "deu", "gb"]), min_size=1,
                              max_size=2, unique=True),
        "by_last_invoice": st.sampled_from(["0", "1"]), "note": storable_text(max_size=20)})


def create_for_affiliate_params() -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST /3.1/payments/create-for-affiliate parameters (currency is an id)."""
    return st.fixed_dictionaries({
        "aid": st.integers(1, 6), "sum": amounts.map(str), "currency": st.integers(1, 3)},
        optional={"note": storable_text(max_size=20)})


def bulk_delete_params() -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST /3.1/payments/bulk-delete parameters."""
    return st.fixed_dictionaries({"ids": st.lists(st.integers(1, 3000), min_size=1,
                                                  max_size=5, unique=True)})


def update_params() -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST /3.1/payments/{id} parameters: at least one field."""
    return st.fixed_dictionaries({}, optional={
        "payment_account": storable_text(max_size=30), "status": st.sampled_from([-1, 1, 2, 3, 4]),
        "comment": storable_text(max_size=30), "note": storable_text(max_size=30)}).filter(bool)


def add_correction_params() -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST /3.1/payments/{id}/add-correction parameters (revenue may be negative)."""
    revenue = st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=2,
                          allow_nan=False, allow_infinity=False).filter(lambda d: d != 0)
    return st.fixed_dictionaries({"revenue": revenue.map(str),
                                  "comment": storable_text(min_size=1, max_size=20).filter(str.strip)})


def remove_conversions_params(conversion_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST /3.1/payments/{id}/conversions/delete parameters for an invoice's ids."""
    return st.fixed_dictionaries({"conversion_ids": st.lists(
        st.sampled_from(conversion_ids), min_size=1, unique=True)})


def list_params() -> st.SearchStrategy[dict[str, Any]]:
    """Valid GET /3.1/payments parameters."""
    return st.fixed_dictionaries(
        {"date_from": st.just("2024-01-01"), "date_to": st.just("2024-12-31")},
        optional={"status": st.lists(st.sampled_from([-1, 1, 2, 3, 4]), min_size=1,
                                     max_size=3, unique=True),
                  "aid": _ids, "page": st.integers(1, 3), "limit": st.integers(1, 100)})


PAYOUT_TYPES = ("RPA", "RPS", "RPA + RPS", "RPC", "RPM")


def advertiser_invoice_params(supplier_ids: list[str], offer_ids: list[int],
                              codes: tuple[str, ...] | list[str] = CODES
                              ) -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST /3.0/admin/advertiser-invoice parameters for a tenant's advertisers and offers.

    detail is a list of rows (a JSON body sends it as is; a form as detail[n][field]).
    """
    row = st.fixed_dictionaries(
        {"offer_id": st.sampled_from(offer_ids), "payout_type": st.sampled_from(PAYOUT_TYPES)},
        optional={"actions": st.integers(0, 10_000), "amount": st.integers(0, 1_000_000),
                  "comment": storable_text(min_size=1, max_size=20)})
    period = st.tuples(days, days).map(sorted).map(
        lambda pair: {"start_date": str(pair[0]), "end_date": str(pair[1])})
    return st.tuples(
        st.fixed_dictionaries({"supplier_id": st.sampled_from(supplier_ids),
                               "currency": st.sampled_from(list(codes))},
                              optional={"status": st.sampled_from(["paid", "unpaid"]),
                                        "comment": storable_text(min_size=1, max_size=30),
                                        "detail": st.lists(row, max_size=3)}),
        st.none() | period,
    ).map(lambda drawn: {**drawn[0], **(drawn[1] or {})})


_not_a_number = st.sampled_from(["abc", "1e309", "NaN", "Infinity", "", "1.2.3", "--1"])
_not_a_date = st.sampled_from(["2024-02-30", "15/06/2024", "2024-6-1", "yesterday", "20240615"])

INVALID_CASES: dict[str, list[tuple[dict[str, Any], str]]] = {
    "generate": [({"date": "2024-02-30"}, "date: must be a real date in YYYY-MM-DD format"),
                 ({"date": "2024-06-15", "date_to": "2024-06-14"},
                  "date_to: differs from date; give one end date (date or date_to)"),
                 ({"aid": "x"}, "aid: must be an integer"),
                 ({"countries": ["ZZZ"]}, "countries: item 0 unknown country code 'ZZZ'")],
    "create-for-affiliate": [({"sum": "10", "currency": "2"}, "aid: is required"),
                             ({"aid": "2", "sum": "0", "currency": "2"},
                              "sum: must be greater than 0"),
                             ({"aid": "2", "sum": "abc", "currency": "2"},
                              "sum: must be a decimal number")],
    "bulk-delete": [({}, "ids: is required"), ({"ids": ["x"]}, "ids: item 0 must be an integer")],
    "advertiser-invoice": [({"currency": "USD"}, "supplier_id: is required"),
                           ({"supplier_id": "62164a9a5a8b7e788f752f13"}, "currency: is required"),
                           ({"supplier_id": "62164a9a5a8b7e788f752f13", "currency": "USD",
                             "start_date": "2024-06-02", "end_date": "2024-06-01"},
                            "start_date: must not be after end_date (2024-06-02 > 2024-06-01)"),
                           ({"supplier_id": "62164a9a5a8b7e788f752f13", "currency": "USD",
                             "status": "open"}, "status: must be one of paid, unpaid")],
}
"""Known-bad parameters per operation with the exact message the mock (and Affise's envelope)
answers; a client's error handling can be property-tested against them."""


def invalid_params(operation: str) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """Draw (parameters, exact error message) pairs an operation must refuse with 400."""
    fixed = st.sampled_from(INVALID_CASES[operation])
    if operation == "create-for-affiliate":
        drawn = _not_a_number.map(lambda bad: ({"aid": "2", "sum": bad, "currency": "2"},
                                               None))
        return fixed | drawn
    if operation == "generate":
        return fixed | _not_a_date.map(lambda bad: ({"date": bad}, None))
    return fixed
