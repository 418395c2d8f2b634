"""One invoice's whole life through the API, with the money checked at every step."""

from __future__ import annotations

from tests.api.billing_fixtures import (
    GENERATING,
    RESULT_TRUE,
    Billing,
    affiliate,
    binding,
    cid,
    conversion,
    document,
    webmoney,
)

FINISHED = "Payment has status finished"
REMOVED = {"status": 1, "message": "Conversions successfully deleted from payment"}


def lifecycle_document() -> dict:
    return document(
        affiliates=[
            affiliate(2, "Acme Media", webmoney(10), binding(11, 4, "EUR", {"6": "AC2"})),
            affiliate(3, "Blue Leads", webmoney(20, wmz="Z300")),
        ],
        conversions=[
            conversion(1, 2, "22", "2024-05-02 10:00:00"),
            conversion(2, 2, "22", "2024-05-03 10:00:00"),
            conversion(3, 2, "10", "2024-05-04 10:00:00", offer_id=2),
            conversion(4, 2, "30", "2024-05-05 10:00:00", currency="EUR"),
            conversion(5, 3, "25", "2024-05-06 10:00:00"),
            conversion(6, 3, "3", "2024-05-07 10:00:00", status=2),
        ],
    )


def revenues(billing: Billing) -> dict[int, tuple[str, str]]:
    return {p["id"]: (p["status"], p["revenue"]) for p in billing.payments()}


def test_generate_correct_trim_complete_delete_and_regenerate(make_app):
    billing = Billing(make_app(lifecycle_document()))

    # 1. Generate May: one invoice per affiliate and currency, (2, EUR) first.
    billing.generate(date="2024-05-31", note="May")
    assert revenues(billing) == {1: ("1", "30.00000000"), 2: ("1", "54.00000000"),
                                 3: ("1", "25.00000000")}

    # 2. Inspect Acme's dollar invoice.
    invoice = billing.payment(2)
    assert (invoice["pid"], invoice["currency_code"], invoice["notes"]) == (2, "USD", "May")
    assert invoice["cpa_actions"] == [cid(1), cid(2), cid(3)]
    assert invoice["details"]["count"] == 3

    # 3. Correct it, up and down.
    billing.ok("POST", "/3.1/payments/2/add-correction", RESULT_TRUE,
               data={"revenue": "6.5", "comment": "bonus"})
    assert billing.revenue(2) == "60.50000000"
    billing.ok("POST", "/3.1/payments/2/add-correction", RESULT_TRUE,
               data={"revenue": "-10.50", "comment": "chargeback"})
    assert billing.revenue(2) == "50.00000000"
    assert set(billing.payment(2)["additional_payments"]) == {"1", "2"}

    # 4. Take a conversion out.
    billing.ok("POST", "/3.1/payments/2/conversions/delete", REMOVED,
               data={"conversion_ids[0]": cid(3)})
    assert billing.revenue(2) == "40.00000000"
    assert billing.payment(2)["cpa_actions"] == [cid(1), cid(2)]

    # 5. Drop the bonus again.
    billing.ok("DELETE", "/3.1/payments/del-correction/1", RESULT_TRUE)
    assert billing.revenue(2) == "33.50000000"
    assert list(billing.payment(2)["additional_payments"]) == ["2"]

    # 6. Update account, comment and status.
    billing.ok("POST", "/3.1/payments/2", RESULT_TRUE,
               data={"payment_account": "WMZ: Z200", "comment": "paid by wire", "status": 3})
    invoice = billing.payment(2)
    assert (invoice["pay_acc"], invoice["comment"], invoice["status"]) == (
        "WMZ: Z200", "paid by wire", "3")

    # 7. Complete it.
    billing.set_clock("2024-06-20 10:00:00")
    billing.ok("POST", "/3.1/payments/2", RESULT_TRUE, data={"status": 2})
    invoice = billing.payment(2)
    assert (invoice["status"], invoice["revenue"], invoice["updated_at"]) == (
        "2", "33.50000000", "2024-06-20 10:00:00")
    for number in (1, 2):
        state = billing.conversion_state(cid(number))
        if state is not None:  # GET /3.0/stats/conversionsbyid may not be served yet
            assert (state["payment_status"], state["is_paid"]) == ("closed", "1")

    # 8. The completed invoice refuses every change; bulk-delete takes the other one.
    for method, path, params in (
        ("POST", "/3.1/payments/2", {"status": 1}),
        ("POST", "/3.1/payments/2/add-correction", {"revenue": "1", "comment": "late"}),
        ("DELETE", "/3.1/payments/del-correction/2", {}),
        ("POST", "/3.1/payments/2/conversions/delete", {"conversion_ids[0]": cid(1)}),
        ("DELETE", "/3.1/payments/delete/2", {}),
    ):
        billing.rejected(method, path, 400, FINISHED, data=params)
    billing.ok("POST", "/3.1/payments/bulk-delete",
               {"status": 1, "result": {"2": False, "3": True}}, data={"ids[0]": 2, "ids[1]": 3})

    # 9. Delete the euro invoice too.
    billing.ok("DELETE", "/3.1/payments/delete/1", RESULT_TRUE)
    assert revenues(billing) == {2: ("2", "33.50000000")}

    # 10. Regenerate: the released conversions are billed again; Acme's lone $10 is too little.
    billing.set_clock("2024-07-01 09:00:00")
    billing.ok("POST", "/3.1/payments/generate", GENERATING, data={"date": "2024-06-30"})
    assert revenues(billing) == {5: ("1", "25.00000000"), 4: ("1", "30.00000000"),
                                 2: ("2", "33.50000000")}
    assert billing.payment(4)["cpa_actions"] == [cid(4)]
    assert billing.payment(5)["cpa_actions"] == [cid(5)]
    assert billing.payment(5)["posted_date"] == "2024-07-01 09:00:00"
    billing.rejected("POST", "/3.1/payments/generate", 400, "Minimum payment - 20 USD",
                     data={"aid": 2})
    billing.rejected("POST", "/3.1/payments/create-for-affiliate", 400,
                     "Minimum payment - 20 USD", data={"aid": 2, "sum": "10", "currency": 2})
    billing.rejected("POST", "/3.1/payments/create-for-affiliate", 400,
                     "The affiliate Acme Media (2) has 10 USD of paid conversions, "
                     "less than 20 USD", data={"aid": 2, "sum": "20", "currency": 2})
    assert billing.payment(2)["cpa_actions"] == [cid(1), cid(2)]  # untouched by it all
