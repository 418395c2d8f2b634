"""The help-center article "How to manage billing via API", its curl examples replayed.

First the article's six calls exactly as it prints them (only the host changed), in its order,
against the default fixture, which is shaped so that each succeeds: in-process, and once against
a real `mock-affise serve`. Then more of its calls on a document of their own.

Each call is sent as the article's curl sends it: the key in a lower-case `api-key` header, the
browser's `Cookie: PHPSESSID=…` alongside (noise the mock ignores), urlencoded bodies with raw
brackets (`exclude_aids[]=8`, `ids[0]=…`), and DELETEs without a body.
"""

from __future__ import annotations

import http.client
import json

import pytest
import requests

from tests.api.billing_fixtures import (
    GENERATING,
    RESULT_TRUE,
    WIDE,
    Billing,
    affiliate,
    assert_error,
    cid,
    conversion,
    document,
    seeded_payment,
    webmoney,
)
from tests.conftest import ADMIN_KEY, DEFAULT_ADMIN_KEY, DEFAULT_FIXTURE

# ----------------------------------------------------------------------------- the article, verbatim

ARTICLE_SESSION = "alcje7al4vd7p27ev26s1gclqm"
ARTICLE_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "api-key": DEFAULT_ADMIN_KEY,
    "Cookie": f"PHPSESSID={ARTICLE_SESSION}",
}
# Each call: method, path, its --data-urlencode arguments as printed, and the answer. curl joins
# the arguments with '&' and encodes the values only, which are all plain here.
ARTICLE_CALLS = [
    ("POST", "/3.1/payments/create-for-affiliate", ["aid=2", "sum=2", "currency=150"],
     GENERATING),
    ("POST", "/3.1/payments/generate", ["date=2022-05-23", "aid=2", "exclude_aids[]=8"],
     GENERATING),
    ("POST", "/3.1/payments/2926", ["status=2"], RESULT_TRUE),
    ("POST", "/3.1/payments/2921/add-correction", ["revenue=5", "comment=Bonus"], RESULT_TRUE),
    ("POST", "/3.1/payments/bulk-delete", ["ids[]=2925", "ids[]=2924"],
     {"status": 1, "result": {"2925": True, "2924": True}}),
    ("POST", "/3.0/admin/partner/2", ["payment_systems[0][system_id]=13",
                                      "payment_systems[0][currency]=USD",
                                      "payment_systems[0][fields][4]=1b765"], None),
]
WEBMONEY_ACME = (1, "Webmoney", "WMZ: Z123456789012")
PAXUM_ACME = (13, "Paxum", "Account: 1b765")
WIRE_ACME = (2, "Wire transfer", "IBAN/Account Number: DE89370400440532013000\n"
                                 "Swift/BIC-Code: COBADEFFXXX\nBank name: Commerzbank")


def seeded(number: int) -> str:
    """The id of a conversion of the default fixture, by its number."""
    return f"66{number:022x}"


def article_body(arguments: list[str]) -> bytes:
    return "&".join(arguments).encode()


def assert_the_partner_answer(body: dict) -> None:
    """Acme Media now has one binding: Paxum for USD, the next binding id after the seed's 16."""
    assert body["status"] == 1
    assert (body["partner"]["id"], body["partner"]["ref_percent"]) == (2, "5")
    assert body["partner"]["payment_systems"] == [
        {"id": 17, "system_id": 13, "system": "Paxum", "currency": "USD", "active": 1,
         "fields": {"4": "1b765"}}]


def assert_the_article_left(payments: dict[int, dict]) -> None:
    """The invoices after the six calls, computed by hand from fixtures/default.json."""
    assert list(payments) == [2928, 2927, 2926, 2923, 2922, 2921]  # 2925 and 2924 deleted

    def shape(pid: int) -> tuple:
        p = payments[pid]
        return (p["pid"], p["currency_code"], p["status"], p["revenue"], p["cpa_actions"],
                (p["pay_sys"], p["pay_sys_name"], p["pay_acc"]))

    # create-for-affiliate, sum 2 in currency 150 (USD): Acme's oldest payable USD conversion
    # (...04, 22.00; ...01-...03 are already invoiced) reaches the sum. Then set Completed,
    # so the partner edit leaves its Webmoney account alone.
    assert shape(2926) == (2, "USD", "2", "22.00000000", [seeded(0x04)], WEBMONEY_ACME)
    # generate up to 2022-05-23 for Acme, one invoice per currency, EUR first: 60 + 45 through
    # Wire transfer (threshold 100); USD 22 + 7.25 + 30 (...09's hold ended 2022-05-10), not the
    # pending ...07, the declined ...08 nor ...0a on hold until 2022-06-05. Open in USD, it now
    # pays to Paxum.
    assert shape(2927) == (2, "EUR", "1", "105.00000000", [seeded(0x0b), seeded(0x0c)], WIRE_ACME)
    assert shape(2928) == (2, "USD", "1", "59.25000000", [seeded(0x05), seeded(0x06), seeded(0x09)], PAXUM_ACME)
    # 2921, paid partly: 22 + 22 + the seeded 5.02 + the article's 5; open, so Paxum too.
    assert shape(2921) == (2, "USD", "3", "54.02000000", [seeded(0x01), seeded(0x02)], PAXUM_ACME)
    assert payments[2921]["additional_payments"]["11"]["revenue"] == "5.00000000"
    assert payments[2921]["additional_payments"]["11"]["comment"] == "Bonus"
    assert (payments[2928]["posted_date"], payments[2928]["ref_revenue"]) == (
        "2022-05-23 12:00:00", None)  # the fixture's clock; referral 5 has no Completed invoice


def test_the_articles_calls_succeed_in_order_on_the_default_fixture(make_app):
    billing = Billing(make_app(FIXTURES=str(DEFAULT_FIXTURE)), key=DEFAULT_ADMIN_KEY)

    for method, path, arguments, expected in ARTICLE_CALLS:
        response = billing.client.open(
            path, method=method, data=article_body(arguments),
            environ_overrides={"CONTENT_TYPE": ARTICLE_HEADERS["Content-Type"],
                               "HTTP_API_KEY": ARTICLE_HEADERS["api-key"],
                               "HTTP_COOKIE": ARTICLE_HEADERS["Cookie"]})
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        assert response.mimetype == "application/json"
        if expected is not None:
            assert response.get_json() == expected, path
    assert_the_partner_answer(response.get_json())

    assert_the_article_left({p["id"]: p for p in billing.payments()})


@pytest.mark.serve
def test_the_articles_calls_succeed_against_mock_affise_serve(start, tmp_path):
    server = start("--port", "0", "--database", f"sqlite:///{tmp_path / 'article.db'}")
    assert server.admin_key == DEFAULT_ADMIN_KEY
    host, port = server.url.removeprefix("http://").rsplit(":", 1)

    answers = []
    for method, path, arguments, expected in ARTICLE_CALLS:
        body = article_body(arguments)
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            # What `curl --location --request POST URL --header … --data-urlencode …` sends.
            connection.putrequest(method, path, skip_accept_encoding=True)
            connection.putheader("User-Agent", "curl/8.5.0")
            connection.putheader("Accept", "*/*")
            for name, value in ARTICLE_HEADERS.items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            answer = (response.status, response.getheader("Content-Type"),
                      json.loads(response.read()))
        finally:
            connection.close()
        assert answer[:2] == (200, "application/json"), (path, answer)
        if expected is not None:
            assert answer[2] == expected, path
        answers.append(answer[2])
    assert_the_partner_answer(answers[-1])

    listing = requests.get(f"{server.url}/3.1/payments", params=WIDE, timeout=30,
                           headers={"api-key": DEFAULT_ADMIN_KEY}).json()
    assert_the_article_left({p["id"]: p for p in listing["payments"]})


# ----------------------------------------------------------------------------- more of the article

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
