"""The dashboard's pages over the suite's network: what a user reads, money to the cent."""

from __future__ import annotations

import re

from tests.api.ui_helpers import T1, UI, invoice_ids, row, text
from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}


def test_the_tenants_page_lists_counts_and_clock_and_masks_the_admin_key(client):
    page = client.get(f"{UI}/")
    assert page.status_code == 200
    assert row(page, 'data-tenant="1"')[:6] == [
        "Tenant 1", "0123…cdef (reveal) 0123456789abcdef0123456789abcdef", "5", "27", "5",
        "2024-06-15 12:00:00 (frozen)"]
    # The key is shown only inside a closed <details>: masked until the user opens it.
    assert re.search(r"<details class=\"key\"><summary>0123…cdef", page.get_data(as_text=True))


def test_the_network_shows_balance_hold_available_per_currency(client):
    page = client.get(f"{T1}/network")
    # Affiliate 2, USD: 22 + 22 + 7.25 approved, 30 whose hold ended on 2024-06-10: available
    # 81.25; 30 on hold until 2024-07-05.
    assert row(page, 'data-affiliate="2" data-currency="USD"') == [
        "2", "USD", "111.25", "30", "81.25", "0"]
    assert row(page, 'data-affiliate="2" data-currency="EUR"') == [
        "2", "EUR", "105", "0", "105", "0"]
    assert row(page, 'id="affiliate-5"')[4] == "2"  # referred by affiliate 2
    body = text(page)
    assert "Webmoney · USD" in body and "Minimum payment" in body


def test_a_referral_main_affiliate_sees_the_money_it_is_owed(make_app, default_document):
    # Affiliate 5 (referred by 2) has a completed EUR invoice of 18 + 40; 2 earns 5% of it.
    for payment in default_document["payments"]:
        if payment["id"] == 2924:
            payment["status"] = 2
    for affiliate in default_document["affiliates"]:
        if affiliate["id"] == 2:
            affiliate["ref_percent"] = "5"
    client = make_app(default_document).test_client()
    page = client.get(f"{T1}/network")
    assert row(page, 'data-affiliate="2" data-currency="EUR"') == [
        "2", "EUR", "107.9", "0", "107.9", "2.9"]


def test_one_affiliate_is_shown_alone(client):
    page = client.get(f"{T1}/network?affiliate=3")
    assert re.findall(r'id="affiliate-(\d+)"', page.get_data(as_text=True)) == ["3"]
    assert client.get(f"{T1}/network?affiliate=x").status_code == 400


def test_currencies_and_payment_systems_page_apart_from_the_affiliates(client):
    page = client.get(f"{T1}/network?limit=2&currencies_page=2&systems_page=1")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    currencies = body[body.index('<h2 id="currencies">'):body.index('<h2 id="payment-systems">')]
    systems = body[body.index('<h2 id="payment-systems">'):]
    assert re.findall(r"<td>([A-Z]{3})</td>", currencies) == ["EUR", "GBP"]
    assert re.findall(r'<th scope="row">(\d+)</th><td>([^<]+)</td>', systems) == [
        ("1", "Webmoney"), ("2", "Wire transfer")]
    assert "4 currencies · page 2 of 2" in text(page) and "4 payment systems · page 1 of 2" in \
        text(page)
    assert client.get(f"{T1}/network?systems_page=0").status_code == 400


def test_invoices_filter_by_status_affiliate_currency_and_date(client):
    assert invoice_ids(client.get(f"{T1}/invoices")) == [2925, 2924, 2923, 2922, 2921]
    assert invoice_ids(client.get(f"{T1}/invoices?status=2")) == [2921]
    assert invoice_ids(client.get(f"{T1}/invoices?status=-1")) == [2923]
    assert invoice_ids(client.get(f"{T1}/invoices?affiliate=2")) == [2925, 2921]
    assert invoice_ids(client.get(f"{T1}/invoices?currency=eur")) == [2924]
    assert invoice_ids(client.get(f"{T1}/invoices?status=&affiliate=&currency=")) == [
        2925, 2924, 2923, 2922, 2921]
    everything = client.get(f"{T1}/invoices")
    assert row(everything, 'data-invoice="2921"')[:5] == ["2921", "2", "USD", "completed", "49.02"]


def test_invoice_dates_filter_on_the_posted_date(client):
    # 2921, 2922 and 2923 were posted on 2024-04-01; 2924 and 2925 on 2024-05-01.
    assert invoice_ids(client.get(f"{T1}/invoices?date_to=2024-04-01")) == [2923, 2922, 2921]
    assert invoice_ids(client.get(f"{T1}/invoices?date_from=2024-05-01")) == [2925, 2924]
    assert invoice_ids(client.get(f"{T1}/invoices?date_from=2024-04-02&date_to=2024-04-30")) == []


def test_bad_filters_are_refused_with_the_field_named(client):
    cases = {"status=9": "status: must be one of -1, 1, 2, 3, 4",
             "affiliate=two": "affiliate: must be an affiliate id",
             "currency=XYZ": "currency: is not one of the tenant's currencies",
             "date_from=2024-13-01": "date_from: must be a real date in YYYY-MM-DD format",
             "date_to=15.06.2024": "date_to: must be a date in YYYY-MM-DD format",
             "limit=101": "limit: must be between 1 and 100",
             "page=0": "page: must be between 1 and 1000000000"}
    for query, message in cases.items():
        page = client.get(f"{T1}/invoices?{query}")
        assert page.status_code == 400, query
        assert message in text(page), query


def test_an_invoice_shows_its_conversions_corrections_and_account(client):
    page = client.get(f"{T1}/invoices/2921")
    assert page.status_code == 200
    body = text(page)
    # 22 + 22 for its two conversions, 5.02 for the bonus correction.
    assert "Revenue 49.02" in body
    assert "Payment account WMZ: Z123456789012 Comment March payout" in body
    assert re.findall(r"conversions/(660{21}\d+)\"", page.get_data(as_text=True)) == [
        "660000000000000000000001", "660000000000000000000002"]
    assert "bonus" in body and "5.02" in body


def test_an_invoice_page_pages_its_conversions(client):
    first = client.get(f"{T1}/invoices/2921?limit=1")
    second = client.get(f"{T1}/invoices/2921?limit=1&page=2")
    assert re.findall(r"conversions/(\w+)\"", first.get_data(as_text=True)) == [
        "660000000000000000000001"]
    assert re.findall(r"conversions/(\w+)\"", second.get_data(as_text=True)) == [
        "660000000000000000000002"]
    assert "2 conversions · page 1 of 2" in text(first)


def test_an_unknown_invoice_or_tenant_is_a_404_page(client):
    assert client.get(f"{T1}/invoices/1").status_code == 404
    missing = client.get(f"{UI}/tenants/77/network")
    assert missing.status_code == 404 and "Tenant not found" in text(missing)


def test_a_generation_shows_in_invoices_generations_and_the_invoice_history(client):
    assert client.post("/3.1/payments/generate", headers=KEY).status_code == 200
    made = invoice_ids(client.get(f"{T1}/invoices"))
    assert made[:4] == [2929, 2928, 2927, 2926]
    reports = text(client.get(f"{T1}/generations"))
    assert "Invoices made (4): 2926, 2927, 2928, 2929" in reports
    assert "4 EUR The affiliate Cobalt Traffic (4) does not have a payment system (EUR)" in reports
    assert "6 RUB Minimum payment - 1000 RUB" in reports
    history = client.get(f"{T1}/invoices/2926")
    assert "POST /3.1/payments/generate" in text(history)


def test_the_journal_lists_calls_newest_first_and_an_entry_masks_keys(client):
    client.get("/3.0/admin/partners", headers=KEY)
    client.post("/3.1/payments/generate", headers=KEY)
    page = client.get(f"{T1}/journal")
    paths = re.findall(r'<td class="path">([^<]*)</td>', page.get_data(as_text=True))
    assert paths[:2] == ["/3.1/payments/generate", "/3.0/admin/partners"]
    entry_id = re.search(r'data-entry="(\d+)"', page.get_data(as_text=True)).group(1)
    entry = client.get(f"{T1}/journal/{entry_id}")
    body = entry.get_data(as_text=True)
    assert ADMIN_KEY not in body
    for pid in (2926, 2927, 2928, 2929):
        assert f'href="{T1}/invoices/{pid}"' in body


def test_the_journal_filters_by_method_path_and_status(client):
    client.get("/3.0/admin/partners", headers=KEY)
    client.get("/3.1/payments/99", headers=KEY)
    client.post("/3.1/payments/generate", headers=KEY)

    def paths(query: str) -> list[str]:
        page = client.get(f"{T1}/journal?{query}").get_data(as_text=True)
        return re.findall(r'<td class="path">([^<]*)</td>', page)

    assert paths("method=post") == ["/3.1/payments/generate"]
    assert paths("path=/3.0/*") == ["/3.0/admin/partners"]
    assert paths("status=404") == ["/3.1/payments/99"]
    assert client.get(f"{T1}/journal?status=abc").status_code == 400
    assert client.get(f"{T1}/journal/999999").status_code == 404


def test_every_list_is_bounded_and_paged(client):
    for _ in range(3):
        client.get("/3.0/admin/partners", headers=KEY)
    page = client.get(f"{T1}/journal?limit=2")
    assert len(re.findall(r"data-entry=", page.get_data(as_text=True))) == 2
    assert "3 calls · page 1 of 2" in text(page)
    assert 'rel="next"' in page.get_data(as_text=True)
    last = client.get(f"{T1}/journal?limit=2&page=2")
    assert len(re.findall(r"data-entry=", last.get_data(as_text=True))) == 1
    for path in ("/", "/tenants/1/network", "/tenants/1/invoices", "/tenants/1/journal",
                 "/tenants/1/generations", "/tenants/1/controls"):
        assert client.get(f"{UI}{path}?limit=1000").status_code == 400, path


def test_the_conversion_page_shows_its_status_on_the_tenant_clock(client):
    page = text(client.get(f"{T1}/conversions/660000000000000000000009"))
    assert "Status on the tenant clock confirmed (stored: 5)" in page
    assert client.get(f"{T1}/conversions/nothing").status_code == 404


def test_a_correction_link_opens_its_invoice(client):
    answer = client.get(f"{T1}/corrections/10")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/invoices/2925")


def test_a_call_that_touched_more_rows_than_the_journal_lists_says_how_many(client, monkeypatch):
    monkeypatch.setattr("mock_affise.effects.MAX_IDS", 1)
    client.post("/3.1/payments/generate", headers=KEY)
    journal = client.get(f"{T1}/journal")
    # 4 invoices made, 10 conversions billed: the journal keeps one id of each, and the counts.
    assert row(journal, "data-entry=")[6] == "created: 4 payments; changed: 10 conversions"
    entry_id = re.search(r'data-entry="(\d+)"', journal.get_data(as_text=True)).group(1)
    entry = text(client.get(f"{T1}/journal/{entry_id}"))
    assert "changed.conversions: 10 rows in all" in entry


def test_a_generation_report_pages_its_skipped_affiliates(client):
    client.post("/3.1/payments/generate", headers=KEY)
    report = re.search(r"/generations/(\d+)\"", client.get(f"{T1}/generations").get_data(
        as_text=True)).group(1)
    second = text(client.get(f"{T1}/generations/{report}?limit=3&page=2"))
    assert "6 RUB Minimum payment - 1000 RUB" in second
    assert "4 EUR" not in second
    assert "4 skipped affiliates · page 2 of 2" in second
    assert client.get(f"{T1}/generations/999").status_code == 404
