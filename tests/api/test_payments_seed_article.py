"""The help-center article "How to manage billing via API", its curl examples replayed.

Each call is sent as the article's curl sends it: the key in a lower-case `api-key` header, the
browser's `Cookie: PHPSESSID=…` alongside (noise the mock ignores), urlencoded bodies with raw
brackets (`exclude_aids[]=8`, `ids[0]=…`), and DELETEs without a body.
"""

from __future__ import annotations

import pytest

from tests.api.billing_fixtures import (
    GENERATING,
    RESULT_TRUE,
    Billing,
    affiliate,
    assert_error,
    cid,
    conversion,
    document,
    seeded_payment,
    webmoney,
)
from tests.conftest import ADMIN_KEY

CURL_HEADERS = {"api-key": ADMIN_KEY}
SESSION = "3f1b7c9e2d4a6b8c0e1f2a3b4c5d6e7f"
FORM = "application/x-www-form-urlencoded"


def article_document() -> dict:
    return document(
        affiliates=[
            affiliate(2, "Acme Media", webmoney(10, wmz="Z123456789012")),
            affiliate(5, "Delta Ads", webmoney(50, wmz="Z500")),
            affiliate(8, "Excluded Media", webmoney(80, wmz="Z800")),
        ],
        conversions=[
            conversion(1, 2, "22", "2024-05-03 12:00:00"),
            conversion(2, 2, "22", "2024-05-10 08:30:00"),
            conversion(3, 8, "50", "2024-05-11 10:00:00"),
            *[conversion(10 + n, 5, "3", f"2024-06-0{1 + n // 3} 1{n % 3}:00:00")
              for n in range(9)],
            conversion(30, 2, "15.5", "2024-04-02 09:15:00", offer_id=2),
            conversion(31, 2, "22", "2024-04-03 09:15:00"),
            conversion(32, 5, "40", "2024-04-11 10:00:00"),
            conversion(33, 2, "30", "2024-03-05 10:00:00"),
        ],
        payments=[
            seeded_payment(2925, 2, "USD", [cid(30), cid(31)], pay_acc="WMZ: Z123456789012"),
            seeded_payment(2924, 5, "USD", [cid(32)], status=4, pay_acc="WMZ: Z500"),
            seeded_payment(2921, 2, "USD", [cid(33)], status=2, posted_date="2024-04-01 09:00:00",
                           period_to="2024-03-31", pay_acc="WMZ: Z123456789012"),
        ],
        corrections=[{"id": 9, "payment_id": 2925, "revenue": "5.02", "comment": "bonus",
                      "posted_date": "2024-05-02 10:00:00"}],
    )


@pytest.fixture
def billing(make_app) -> Billing:
    billing = Billing(make_app(article_document()))
    # Werkzeug's test client sends its cookie jar as the Cookie header (a Cookie header passed
    # by hand would be dropped), so this is how the article's PHPSESSID reaches the mock.
    billing.client.set_cookie("PHPSESSID", SESSION)
    return billing


def curl(billing: Billing, method: str, path: str, body: str | None = None, expected=None):
    """Send one curl example: lower-case api-key, a session cookie, a raw urlencoded body."""
    kwargs = {"data": body, "content_type": FORM} if body is not None else {}
    response = billing.client.open(path, method=method, headers=CURL_HEADERS, **kwargs)
    assert response.request.headers["Cookie"] == f"PHPSESSID={SESSION}"
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    if expected is not None:
        assert response.get_json() == expected
    return response.get_json()


def test_generate_by_date_excluding_an_affiliate(billing):
    curl(billing, "POST", "/3.1/payments/generate",
         "date=2024-05-31&exclude_aids[]=8&note=May%20payouts", GENERATING)

    [made] = [p for p in billing.payments() if p["id"] > 2925]
    assert (made["id"], made["pid"], made["revenue"], made["notes"]) == (
        2926, 2, "44.00000000", "May payouts")
    assert made["cpa_actions"] == [cid(1), cid(2)]
    assert made["pay_acc"] == "WMZ: Z123456789012"


def test_create_for_affiliate_by_sum(billing):
    curl(billing, "POST", "/3.1/payments/create-for-affiliate", "aid=5&sum=20&currency=2",
         GENERATING)

    made = billing.payment(2926)
    assert (made["pid"], made["currency_code"], made["revenue"]) == (5, "USD", "21.00000000")
    assert made["cpa_actions"] == [cid(10 + n) for n in range(7)]


def test_update_status_to_completed(billing):
    curl(billing, "POST", "/3.1/payments/2925", "status=2", RESULT_TRUE)

    assert billing.payment(2925)["status"] == "2"
    before = billing.export()
    response = billing.client.post("/3.1/payments/2925", headers=CURL_HEADERS,
                                   data="status=1", content_type=FORM)
    assert_error(response, 400, "Payment has status finished")
    assert billing.export() == before


def test_add_and_delete_a_correction(billing):
    curl(billing, "POST", "/3.1/payments/2925/add-correction",
         "revenue=-3.10&comment=chargeback", RESULT_TRUE)
    assert billing.revenue(2925) == "39.42000000"  # 15.5 + 22 + 5.02 - 3.10

    curl(billing, "DELETE", "/3.1/payments/del-correction/9", expected=RESULT_TRUE)
    assert billing.revenue(2925) == "34.40000000"
    assert list(billing.payment(2925)["additional_payments"]) == ["10"]


def test_delete_an_invoice(billing):
    curl(billing, "DELETE", "/3.1/payments/delete/2924", expected=RESULT_TRUE)

    assert [p["id"] for p in billing.payments()] == [2925, 2921]


def test_bulk_delete(billing):
    curl(billing, "POST", "/3.1/payments/bulk-delete", "ids[0]=2925&ids[1]=2921&ids[2]=999",
         {"status": 1, "result": {"2925": True, "2921": False, "999": False}})

    assert [p["id"] for p in billing.payments()] == [2924, 2921]


def test_delete_conversions_from_an_invoice(billing):
    curl(billing, "POST", "/3.1/payments/2925/conversions/delete", f"conversion_ids[0]={cid(30)}",
         {"status": 1, "message": "Conversions successfully deleted from payment"})

    invoice = billing.payment(2925)
    assert (invoice["cpa_actions"], invoice["revenue"]) == ([cid(31)], "27.02000000")


def test_list_with_the_key_in_the_query(billing):
    response = billing.client.get(
        f"/3.1/payments?api-key={ADMIN_KEY}&date_from=2024-04-01&date_to=2024-05-31"
        "&status[0]=1&aid[0]=2")

    assert response.request.headers["Cookie"] == f"PHPSESSID={SESSION}"
    assert response.status_code == 200
    body = response.get_json()
    assert [p["id"] for p in body["payments"]] == [2925]
    assert body["pagination"] == {"page": 1, "limit": 100, "total": 1}


def test_get_one_invoice(billing):
    body = curl(billing, "GET", "/3.1/payments/2925")

    assert body["payment"]["revenue"] == "42.52000000"
    assert body["payment"]["additional_payments"]["9"]["revenue"] == "5.02000000"
