"""Changing invoices: update, corrections, delete, bulk-delete, conversions/delete."""

from __future__ import annotations

import json

import pytest

from tests.api.billing_fixtures import (
    NOW,
    RESULT_TRUE,
    Billing,
    affiliate,
    cid,
    conversion,
    document,
    seeded_payment,
    webmoney,
)

FINISHED = "Payment has status finished"
NOT_FOUND = "Resource Not Found"
FORM = "application/x-www-form-urlencoded"
REMOVED = {"status": 1, "message": "Conversions successfully deleted from payment"}
OPEN, COMPLETED, PENDING, DECLINED, PARTLY = 100, 101, 102, 103, 104


def change_document() -> dict:
    """Five invoices, one per status; amounts chosen so every revenue is easy to follow."""
    return document(
        affiliates=[affiliate(2, "Acme Media", webmoney(10)),
                    affiliate(3, "Blue Leads", webmoney(20, wmz="Z300"))],
        conversions=[
            conversion(1, 2, "22", "2024-05-01 10:00:00"),
            conversion(2, 2, "22", "2024-05-02 10:00:00"),
            conversion(3, 2, "10", "2024-05-03 10:00:00", offer_id=2),
            conversion(4, 2, "30", "2024-04-01 10:00:00"),
            conversion(5, 2, "40", "2024-05-04 10:00:00"),
            conversion(6, 3, "15", "2024-05-05 10:00:00"),
            conversion(7, 3, "25", "2024-05-06 10:00:00"),
            conversion(8, 2, "7", "2024-06-01 10:00:00"),  # unbilled
        ],
        payments=[
            seeded_payment(OPEN, 2, "USD", [cid(1), cid(2), cid(3)], status=1),
            seeded_payment(COMPLETED, 2, "USD", [cid(4)], status=2, period_to="2024-04-30"),
            seeded_payment(PENDING, 2, "USD", [cid(5)], status=4),
            seeded_payment(DECLINED, 3, "USD", [cid(6)], status=-1, pay_acc="WMZ: Z300"),
            seeded_payment(PARTLY, 3, "USD", [cid(7)], status=3, pay_acc="WMZ: Z300"),
        ],
        corrections=[
            {"id": 9, "payment_id": OPEN, "revenue": "5.02", "comment": "bonus",
             "posted_date": "2024-05-02 10:00:00"},
            {"id": 10, "payment_id": COMPLETED, "revenue": "-3.10", "comment": "chargeback",
             "posted_date": "2024-05-02 10:00:00"},
            {"id": 11, "payment_id": PENDING, "revenue": "-30", "comment": "fraud",
             "posted_date": "2024-05-03 10:00:00"},
            {"id": 12, "payment_id": PENDING, "revenue": "20", "comment": "bonus",
             "posted_date": "2024-05-03 11:00:00"},
            {"id": 13, "payment_id": PENDING, "revenue": "-25", "comment": "refund",
             "posted_date": "2024-05-03 12:00:00"},
        ],
    )


@pytest.fixture
def billing(make_app) -> Billing:
    return Billing(make_app(change_document()))


def test_the_seeded_revenues_add_conversions_and_corrections(billing):
    assert {p["id"]: p["revenue"] for p in billing.payments()} == {
        OPEN: "59.02000000", COMPLETED: "26.90000000", PENDING: "5.00000000",
        DECLINED: "15.00000000", PARTLY: "25.00000000"}


# ----------------------------------------------------------------------------- update


def test_update_sets_every_field_and_the_update_time(billing):
    billing.set_clock("2024-06-20 08:30:00")

    billing.ok("POST", f"/3.1/payments/{OPEN}", RESULT_TRUE,
               data={"payment_account": "WMZ: Z999", "status": 3, "comment": "half paid",
                     "note": "see ticket 7"})

    invoice = billing.payment(OPEN)
    assert (invoice["pay_acc"], invoice["status"], invoice["comment"], invoice["notes"]) == (
        "WMZ: Z999", "3", "half paid", "see ticket 7")
    assert invoice["updated_at"] == "2024-06-20 08:30:00"
    assert invoice["posted_date"] == "2024-05-01 09:00:00"
    assert invoice["revenue"] == "59.02000000"


@pytest.mark.parametrize("field", ["payment_account", "comment", "note"])
def test_one_field_is_enough_and_the_others_stay(billing, field):
    before = billing.payment(PARTLY)

    billing.ok("POST", f"/3.1/payments/{PARTLY}", RESULT_TRUE, data={field: "changed"})

    after = billing.payment(PARTLY)
    wire_name = {"payment_account": "pay_acc", "note": "notes"}.get(field, field)
    assert after[wire_name] == "changed"
    assert {k: v for k, v in after.items() if k not in (wire_name, "updated_at")} == {
        k: v for k, v in before.items() if k not in (wire_name, "updated_at")}
    assert after["updated_at"] == NOW


def test_an_empty_comment_clears_it(billing):
    billing.ok("POST", f"/3.1/payments/{OPEN}", RESULT_TRUE, data={"comment": "x"})
    billing.ok("POST", f"/3.1/payments/{OPEN}", RESULT_TRUE, data={"comment": ""})

    assert billing.payment(OPEN)["comment"] == ""


@pytest.mark.parametrize("payment_id", [OPEN, PENDING, DECLINED, PARTLY])
@pytest.mark.parametrize("status", [-1, 1, 2, 3, 4])
def test_an_open_invoice_may_move_to_any_status(billing, payment_id, status):
    billing.ok("POST", f"/3.1/payments/{payment_id}", RESULT_TRUE, data={"status": status})

    assert billing.payment(payment_id)["status"] == str(status)


@pytest.mark.parametrize(("params", "message"), [
    ({}, "payment_account, status, comment, note: at least one is required"),
    ({"status": ""}, "payment_account, status, comment, note: at least one is required"),
    ({"status": 5}, "status: must be one of -1, 1, 2, 3, 4"),
    ({"status": 0}, "status: must be one of -1, 1, 2, 3, 4"),
    ({"status": "paid"}, "status: must be an integer"),
])
def test_a_bad_update_is_refused(billing, params, message):
    billing.rejected("POST", f"/3.1/payments/{OPEN}", 400, message, data=params)


# ----------------------------------------------------------------------------- corrections


def test_a_correction_adds_to_revenue_and_shows_under_additional_payments(billing):
    billing.set_clock("2024-06-16 09:00:00")

    billing.ok("POST", f"/3.1/payments/{OPEN}/add-correction", RESULT_TRUE,
               data={"revenue": "5", "comment": "late bonus"})

    invoice = billing.payment(OPEN)
    assert invoice["revenue"] == "64.02000000"
    assert invoice["additional_payments"] == {
        "9": {"posted_date": "2024-05-02 10:00:00", "revenue": "5.02000000", "currency": "2",
              "comment": "bonus"},
        "14": {"posted_date": "2024-06-16 09:00:00", "revenue": "5.00000000", "currency": "2",
               "comment": "late bonus"},
    }
    assert invoice["updated_at"] == "2024-06-16 09:00:00"


def test_a_negative_correction_may_take_revenue_to_exactly_zero(billing):
    billing.ok("POST", f"/3.1/payments/{OPEN}/add-correction", RESULT_TRUE,
               data={"revenue": "-59.02", "comment": "nothing owed"})

    assert billing.revenue(OPEN) == "0.00000000"
    assert billing.payment(OPEN)["additional_payments"]["14"]["revenue"] == "-59.02000000"


@pytest.mark.parametrize(("params", "message"), [
    ({"revenue": "-59.03", "comment": "too much"},
     "revenue: this correction would make the payment's revenue negative (-0.01)"),
    ({"revenue": "0", "comment": "nothing"}, "revenue: must not be zero"),
    ({"revenue": "0.00", "comment": "nothing"}, "revenue: must not be zero"),
    ({"revenue": "-0", "comment": "nothing"}, "revenue: must not be zero"),
    ({"comment": "no amount"}, "revenue: is required"),
    ({"revenue": "", "comment": "no amount"}, "revenue: is required"),
    ({"revenue": "5,5", "comment": "comma"}, "revenue: must be a decimal number"),
    ({"revenue": "five", "comment": "word"}, "revenue: must be a decimal number"),
    ({"revenue": "5"}, "comment: is required"),
    ({"revenue": "5", "comment": ""}, "comment: is required"),
    ({"revenue": "5", "comment": "   "}, "comment: is required"),
])
def test_a_bad_correction_is_refused(billing, params, message):
    billing.rejected("POST", f"/3.1/payments/{OPEN}/add-correction", 400, message, data=params)


def test_removing_a_correction_takes_it_out_of_revenue(billing):
    billing.ok("DELETE", "/3.1/payments/del-correction/9", RESULT_TRUE)

    invoice = billing.payment(OPEN)
    assert invoice["revenue"] == "54.00000000"
    assert invoice["additional_payments"] == []  # empty is a list again, PHP's habit
    assert invoice["updated_at"] == NOW
    billing.rejected("DELETE", "/3.1/payments/del-correction/9", 404, NOT_FOUND)


def test_removing_a_correction_that_would_leave_revenue_negative_is_refused(billing):
    # 40 - 30 + 20 - 25 = 5: without the +20 it would be -15.
    billing.rejected("DELETE", "/3.1/payments/del-correction/12", 400,
                     "id: removing correction 12 would make the payment's revenue negative (-15)")

    billing.ok("DELETE", "/3.1/payments/del-correction/13", RESULT_TRUE)
    assert billing.revenue(PENDING) == "30.00000000"
    billing.ok("DELETE", "/3.1/payments/del-correction/12", RESULT_TRUE)
    assert billing.revenue(PENDING) == "10.00000000"


# ----------------------------------------------------------------------------- delete


def test_deleting_an_invoice_releases_its_conversions_for_the_next_generation(billing):
    billing.ok("DELETE", f"/3.1/payments/delete/{OPEN}", RESULT_TRUE)

    billing.rejected("GET", f"/3.1/payments/{OPEN}", 404, NOT_FOUND)
    billing.rejected("DELETE", "/3.1/payments/del-correction/9", 404, NOT_FOUND)
    billing.generate(aid=2)
    invoice = billing.payment(105)
    assert invoice["cpa_actions"] == [cid(1), cid(2), cid(3), cid(8)]
    assert invoice["revenue"] == "61.00000000"  # the deleted invoice's correction is gone
    assert invoice["additional_payments"] == []


def test_a_declined_invoice_keeps_its_conversions_until_deleted(billing):
    billing.rejected("POST", "/3.1/payments/generate", 400,
                     "The affiliate Blue Leads (3) does not have paid conversions",
                     data={"aid": 3})

    billing.ok("DELETE", f"/3.1/payments/delete/{DECLINED}", RESULT_TRUE)
    billing.rejected("POST", "/3.1/payments/generate", 400, "Minimum payment - 20 USD",
                     data={"aid": 3})
    billing.ok("DELETE", f"/3.1/payments/delete/{PARTLY}", RESULT_TRUE)
    billing.generate(aid=3)

    assert billing.payment(105)["cpa_actions"] == [cid(6), cid(7)]
    assert billing.revenue(105) == "40.00000000"


FORM_ENCODINGS = [
    {"data": f"ids[0]={OPEN}&ids[1]={COMPLETED}&ids[2]=999", "content_type": FORM},
    {"data": f"ids[]={OPEN}&ids[]={COMPLETED}&ids[]=999", "content_type": FORM},
    {"data": f"ids={OPEN}&ids={COMPLETED}&ids=999", "content_type": FORM},
    {"data": f"ids%5B0%5D={OPEN}&ids%5B1%5D={COMPLETED}&ids%5B2%5D=999", "content_type": FORM},
    {"data": {"ids[0]": str(OPEN), "ids[1]": str(COMPLETED), "ids[2]": "999"},
     "content_type": "multipart/form-data"},
    {"data": json.dumps({"ids": [OPEN, COMPLETED, 999]}), "content_type": "application/json"},
    {"query_string": f"ids[0]={OPEN}&ids[1]={COMPLETED}&ids[2]=999"},
]


@pytest.mark.parametrize("request_kwargs", FORM_ENCODINGS, ids=[
    "indexed", "brackets", "repeated", "encoded", "multipart", "json", "query"])
def test_bulk_delete_answers_per_id_in_every_array_encoding(billing, request_kwargs):
    billing.ok("POST", "/3.1/payments/bulk-delete",
               {"status": 1, "result": {str(OPEN): True, str(COMPLETED): False, "999": False}},
               **request_kwargs)

    assert [p["id"] for p in billing.payments()] == [PARTLY, DECLINED, PENDING, COMPLETED]
    assert billing.revenue(COMPLETED) == "26.90000000"


def test_bulk_delete_removes_every_open_invoice_given(billing):
    billing.ok("POST", "/3.1/payments/bulk-delete",
               {"status": 1, "result": {str(PENDING): True, str(DECLINED): True,
                                        str(PARTLY): True}},
               data={"ids[]": [PENDING, DECLINED, PARTLY]})

    assert [p["id"] for p in billing.payments()] == [COMPLETED, OPEN]
    billing.rejected("DELETE", "/3.1/payments/del-correction/12", 404, NOT_FOUND)


def test_bulk_delete_on_the_default_fixture(app):
    billing = Billing(app)
    billing.ok("POST", "/3.1/payments/bulk-delete",
               {"status": 1, "result": {"2925": True, "2921": False, "999": False}},
               data="ids[0]=2925&ids[1]=2921&ids[2]=999", content_type=FORM)

    assert [p["id"] for p in billing.payments()] == [2924, 2923, 2922, 2921]


@pytest.mark.parametrize(("params", "message"), [
    ({}, "ids: is required"),
    ({"ids[]": "abc"}, "ids: item 0 must be an integer"),
    ({"ids[0]": "0"}, "ids: item 0 must be at least 1"),
    ({"ids[0]": str(OPEN), "ids[1]": "x"}, "ids: item 1 must be an integer"),
])
def test_a_bad_bulk_delete_is_refused(billing, params, message):
    billing.rejected("POST", "/3.1/payments/bulk-delete", 400, message, data=params)


# ----------------------------------------------------------------------------- conversions/delete


def test_removing_a_conversion_lowers_revenue_and_details(billing):
    billing.ok("POST", f"/3.1/payments/{OPEN}/conversions/delete", REMOVED,
               data={"conversion_ids[0]": cid(1)})

    invoice = billing.payment(OPEN)
    assert invoice["cpa_actions"] == [cid(2), cid(3)]
    assert invoice["revenue"] == "37.02000000"
    assert invoice["details"] == {"details": {
        "1": {"title": "Offer One", "cost": {"22.00000000": {"count": 1, "currency": 2}}},
        "2": {"title": "Offer Two", "cost": {"10.00000000": {"count": 1, "currency": 2}}},
    }, "count": 2}
    assert invoice["updated_at"] == NOW
    # The removed conversion is payable again.
    billing.generate(aid=2)
    assert billing.payment(105)["cpa_actions"] == [cid(1), cid(8)]
    assert billing.revenue(105) == "29.00000000"


def test_removing_by_offer_takes_all_its_conversions(billing):
    billing.ok("POST", f"/3.1/payments/{OPEN}/conversions/delete", REMOVED,
               data={"offer_ids[]": 1})

    invoice = billing.payment(OPEN)
    assert (invoice["cpa_actions"], invoice["revenue"]) == ([cid(3)], "15.02000000")
    assert invoice["details"] == {"details": {
        "2": {"title": "Offer Two", "cost": {"10.00000000": {"count": 1, "currency": 2}}},
    }, "count": 1}


def test_conversion_ids_and_offer_ids_together_remove_both(billing):
    billing.ok("POST", f"/3.1/payments/{OPEN}/conversions/delete", REMOVED,
               data=f"conversion_ids[]={cid(1)}&offer_ids[]=2", content_type=FORM)

    invoice = billing.payment(OPEN)
    assert (invoice["cpa_actions"], invoice["revenue"]) == ([cid(2)], "27.02000000")


@pytest.mark.parametrize(("payment_id", "params", "status", "message"), [
    (OPEN, {}, 400, "conversion_ids, offer_ids: at least one is required"),
    (OPEN, {"conversion_ids[0]": cid(8)},
     400, f"conversion_ids: conversion {cid(8)} is not in payment {OPEN}"),
    (OPEN, {"conversion_ids[0]": cid(1), "conversion_ids[1]": "ffffffffffffffffffffffff"},
     400, f"conversion_ids: conversion ffffffffffffffffffffffff is not in payment {OPEN}"),
    (OPEN, {"offer_ids[0]": "one"}, 400, "offer_ids: item 0 must be an integer"),
    (PENDING, {"conversion_ids[0]": cid(5)},
     400, "conversion_ids: removing these conversions would make the payment's revenue "
          "negative (-35)"),
    (PENDING, {"offer_ids[0]": 1},
     400, "offer_ids: removing these conversions would make the payment's revenue "
          "negative (-35)"),
    (999, {"conversion_ids[0]": cid(1)}, 404, NOT_FOUND),
])
def test_a_bad_conversion_removal_is_refused(billing, payment_id, params, status, message):
    billing.rejected("POST", f"/3.1/payments/{payment_id}/conversions/delete", status, message,
                     data=params)


# ----------------------------------------------------------------------------- completed is final


@pytest.mark.parametrize(("method", "path", "params"), [
    ("POST", f"/3.1/payments/{COMPLETED}", {"status": 1}),  # reopening
    ("POST", f"/3.1/payments/{COMPLETED}", {"status": 2}),
    ("POST", f"/3.1/payments/{COMPLETED}", {"comment": "late note"}),
    ("POST", f"/3.1/payments/{COMPLETED}", {"payment_account": "WMZ: other"}),
    ("POST", f"/3.1/payments/{COMPLETED}/add-correction", {"revenue": "1", "comment": "x"}),
    ("DELETE", "/3.1/payments/del-correction/10", {}),
    ("POST", f"/3.1/payments/{COMPLETED}/conversions/delete", {"conversion_ids[0]": cid(4)}),
    ("POST", f"/3.1/payments/{COMPLETED}/conversions/delete", {"offer_ids[0]": 1}),
    ("DELETE", f"/3.1/payments/delete/{COMPLETED}", {}),
])
def test_a_completed_invoice_is_final(billing, method, path, params):
    billing.rejected(method, path, 400, FINISHED, data=params)


def test_completing_freezes_an_invoice_that_was_open(billing):
    billing.ok("POST", f"/3.1/payments/{OPEN}", RESULT_TRUE, data={"status": 2})

    billing.rejected("POST", f"/3.1/payments/{OPEN}", 400, FINISHED, data={"status": 1})
    billing.rejected("DELETE", "/3.1/payments/del-correction/9", 400, FINISHED)
    billing.ok("POST", "/3.1/payments/bulk-delete",
               {"status": 1, "result": {str(OPEN): False}}, data={"ids[0]": OPEN})
    assert billing.payment(OPEN)["status"] == "2"


def test_completing_closes_the_invoice_conversions(billing):
    if billing.conversion_state(cid(1)) is None:
        pytest.skip("GET /3.0/stats/conversionsbyid is not served yet")
    assert (billing.conversion_state(cid(1))["payment_status"],
            billing.conversion_state(cid(1))["is_paid"]) == ("pending", "0")
    assert (billing.conversion_state(cid(8))["payment_status"],
            billing.conversion_state(cid(8))["is_paid"]) == ("opened", "0")

    billing.ok("POST", f"/3.1/payments/{OPEN}", RESULT_TRUE, data={"status": 2})

    for number in (1, 2, 3):
        state = billing.conversion_state(cid(number))
        assert (state["payment_status"], state["is_paid"]) == ("closed", "1")


# ----------------------------------------------------------------------------- unknown ids


@pytest.mark.parametrize(("method", "path", "params"), [
    ("GET", "/3.1/payments/999", {}),
    ("POST", "/3.1/payments/999", {"status": 1}),
    ("POST", "/3.1/payments/999/add-correction", {"revenue": "1", "comment": "x"}),
    ("DELETE", "/3.1/payments/del-correction/999", {}),
    ("DELETE", "/3.1/payments/delete/999", {}),
    ("POST", "/3.1/payments/999/conversions/delete", {"conversion_ids[0]": cid(1)}),
])
def test_an_unknown_id_is_not_found_on_every_route(billing, method, path, params):
    billing.rejected(method, path, 404, NOT_FOUND, data=params)

