"""A hypothesis state machine: the HTTP API next to a plain-Python model of Affise's rules.

After every step the API and the model must agree on every invoice (its affiliate, currency,
status, conversions, corrections and revenue) and on every balance; completed invoices never
change; no conversion is in two invoices; a referral invoice is owed to at most one main
invoice, whose ref_revenue is the percent of what it took; and an export loads back to an equal
export.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mock_affise import create_app
from mock_affise.strategies import advertiser_invoice_params, fixture_documents
from tests.budget import LONG, examples
from tests.conftest import fresh_database_url

from .model import BillingModel, Refused, referral_share

KEY = {"API-Key": "a" * 32}
ALL = {"date_from": "1900-01-01", "date_to": "9000-12-31"}
GENERATING = {"status": 1, "message": "Payment generates will take a few minutes"}
RESULT_TRUE = {"status": 1, "result": True}
STEPS = Counter()


class BillingMachine(RuleBasedStateMachine):
    """Drives create, generate, status updates, corrections, removals, deletes, edits, clock."""

    @initialize(document=fixture_documents(max_affiliates=3, max_conversions=20),
                referral=st.tuples(st.integers(1, 3), st.integers(1, 3),
                                   st.sampled_from([None, "10", "33.3"]),
                                   st.sampled_from([None, "5", "12.5"])))
    def start(self, document, referral):
        referred, main, own_percent, tenant_percent = referral
        ids = {a["id"]: a for a in document["affiliates"]}
        if referred != main and referred in ids and main in ids:
            ids[referred]["ref"] = main
            ids[main]["ref_percent"] = own_percent
        if tenant_percent is not None:
            document["settings"] = {"referral_percent": tenant_percent}
        self.document = document
        self.app = create_app({"DATABASE_URL": fresh_database_url(),
                               "FIXTURE_DOCUMENT": None, "FIXTURES": self._write(document)})
        self.http = self.app.test_client()
        self.model = BillingModel(document)
        self.frozen: dict[int, dict] = {}
        # Advertiser invoices: number -> what the API must show (a paid one never changes).
        self.advertiser_invoices = {
            i["number"]: {"supplier_id": i["supplier_id"], "currency": i["currency"],
                          "status": i.get("status", "unpaid"), "comment": i.get("comment")}
            for i in document["advertiser_invoices"]}

    def _write(self, document) -> str:
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(document, handle)
        return handle.name

    def teardown(self):
        if hasattr(self, "app"):
            self.app.extensions["mock_affise"].db.dispose()

    # ----------------------------------------------------------------- helpers

    def expect(self, response, outcome, success_body=RESULT_TRUE):
        """Compare an answer with what the model said: a success body or a refusal text."""
        STEPS[response.request.path.split("/")[3] if response.request.path.count("/") > 2
              else response.request.path] += 1
        if isinstance(outcome, Refused):
            assert response.status_code == 400, response.json
            assert response.json == {"status": 2, "message": str(outcome),
                                     "error": str(outcome)}
        else:
            assert response.status_code == 200, response.json
            assert response.json == success_body

    def run(self, operation, *args):
        try:
            return operation(*args)
        except Refused as refused:
            return refused

    def invoice_ids(self):
        return sorted(self.model.invoices)

    # ----------------------------------------------------------------- rules

    @rule(aid=st.none() | st.integers(1, 3),
          end=st.none() | st.sampled_from(["2024-04-30", "2024-06-15", "2024-07-31"]),
          start=st.none() | st.sampled_from(["2024-02-01", "2024-05-01"]),
          by_last_invoice=st.booleans())
    def generate(self, aid, end, start, by_last_invoice):
        data = {}
        if aid is not None:
            data["aid"] = aid
        if end:
            data["date"] = end
        if start:
            data["date_from"] = start
        if by_last_invoice:
            data["by_last_invoice"] = "1"
        outcome = self.run(self.model.generate, aid, end, start, by_last_invoice)
        response = self.http.post("/3.1/payments/generate", headers=KEY, data=data)
        self.expect(response, outcome, GENERATING)

    @rule(aid=st.integers(1, 4), amount=st.sampled_from(["0.5", "10", "25", "60", "250"]),
          currency=st.integers(1, 4))
    def create(self, aid, amount, currency):
        outcome = self.run(self.model.create, aid, Decimal(amount), currency)
        response = self.http.post("/3.1/payments/create-for-affiliate", headers=KEY,
                                  data={"aid": aid, "sum": amount, "currency": currency})
        self.expect(response, outcome, GENERATING)

    @precondition(lambda self: self.model.invoices)
    @rule(index=st.integers(0, 20), status=st.sampled_from([-1, 1, 2, 2, 3, 4]))
    def update_status(self, index, status):
        invoice_id = self.invoice_ids()[index % len(self.model.invoices)]
        outcome = self.run(self.model.update_status, invoice_id, status)
        response = self.http.post(f"/3.1/payments/{invoice_id}", headers=KEY,
                                  data={"status": status})
        self.expect(response, outcome)

    @precondition(lambda self: self.model.invoices)
    @rule(index=st.integers(0, 20), amount=st.sampled_from(["7.5", "-2.25", "-40", "0.01"]))
    def add_correction(self, index, amount):
        invoice_id = self.invoice_ids()[index % len(self.model.invoices)]
        outcome = self.run(self.model.add_correction, invoice_id, Decimal(amount))
        response = self.http.post(f"/3.1/payments/{invoice_id}/add-correction", headers=KEY,
                                  data={"revenue": amount, "comment": "machine"})
        self.expect(response, outcome)

    @precondition(lambda self: any(i.corrections for i in self.model.invoices.values()))
    @rule(index=st.integers(0, 20))
    def delete_correction(self, index):
        ids = sorted(c for i in self.model.invoices.values() for c in i.corrections)
        correction_id = ids[index % len(ids)]
        outcome = self.run(self.model.delete_correction, correction_id)
        response = self.http.delete(f"/3.1/payments/del-correction/{correction_id}", headers=KEY)
        self.expect(response, outcome)

    @precondition(lambda self: any(self.model.members(i) for i in self.model.invoices))
    @rule(index=st.integers(0, 20), take=st.integers(1, 3))
    def remove_conversions(self, index, take):
        candidates = [i for i in self.invoice_ids() if self.model.members(i)]
        invoice_id = candidates[index % len(candidates)]
        chosen = sorted(c["id"] for c in self.model.members(invoice_id))[:take]
        outcome = self.run(self.model.remove_conversions, invoice_id, chosen)
        response = self.http.post(f"/3.1/payments/{invoice_id}/conversions/delete", headers=KEY,
                                  data={"conversion_ids[]": chosen})
        self.expect(response, outcome, {"status": 1,
                                        "message": "Conversions successfully deleted from payment"})

    @precondition(lambda self: self.model.invoices)
    @rule(index=st.integers(0, 20))
    def delete(self, index):
        invoice_id = self.invoice_ids()[index % len(self.model.invoices)]
        outcome = self.run(self.model.delete, invoice_id)
        response = self.http.delete(f"/3.1/payments/delete/{invoice_id}", headers=KEY)
        self.expect(response, outcome)

    @rule(picks=st.lists(st.integers(0, 20), min_size=1, max_size=3), unknown=st.booleans())
    def bulk_delete(self, picks, unknown):
        ids = self.invoice_ids()
        chosen = [ids[p % len(ids)] for p in picks] if ids else []
        chosen = list(dict.fromkeys(chosen + ([9999] if unknown or not chosen else [])))
        expected = self.model.bulk_delete(chosen)
        response = self.http.post("/3.1/payments/bulk-delete", headers=KEY,
                                  data={"ids[]": chosen})
        self.expect(response, None, {"status": 1, "result": expected})

    @precondition(lambda self: self.model.conversions)
    @rule(picks=st.lists(st.integers(0, 40), min_size=1, max_size=3),
          status=st.sampled_from(["confirmed", "pending", "declined", "hold"]))
    def edit_conversions(self, picks, status):
        ids = sorted(self.model.conversions)
        chosen = list(dict.fromkeys(ids[p % len(ids)] for p in picks))
        code = {"confirmed": 1, "pending": 2, "declined": 3, "hold": 5}[status]
        before = {c: self.model.conversions[c]["hold"] for c in chosen}
        outcome = self.run(self.model.edit_conversions, chosen, code)
        if not isinstance(outcome, Refused) and code == 5:
            for c in chosen:  # a hold keeps a release date still ahead, else waits forever
                hold = before[c]
                self.model.conversions[c]["hold"] = hold if hold and hold > self.model.now \
                    else None
        response = self.http.post("/3.0/admin/conversion/edit", headers=KEY,
                                  data={"ids[]": chosen, "status": status})
        if isinstance(outcome, Refused):
            self.expect(response, outcome)
        else:
            assert response.status_code == 200, response.json
            assert response.json["data"]["ids"] == chosen

    @rule(data=st.data())
    def create_advertiser_invoice(self, data):
        suppliers = sorted({o["advertiser_id"] for o in self.document["offers"]})
        codes = [c["code"] for c in self.document["currencies"]]
        params = data.draw(advertiser_invoice_params(suppliers, [1, 2], codes))
        response = self.http.post("/3.0/admin/advertiser-invoice", headers=KEY, json=params)
        self.expect(response, None, {"status": 1, "message": "Invoice created."})
        number = max(self.advertiser_invoices, default=0) + 1
        self.advertiser_invoices[number] = {
            "supplier_id": params["supplier_id"], "currency": params["currency"],
            "status": params.get("status", "unpaid"), "comment": params.get("comment")}

    @rule(index=st.integers(0, 10), status=st.none() | st.sampled_from(["paid", "unpaid"]),
          comment=st.none() | st.sampled_from(["checked", "late"]))
    def edit_advertiser_invoice(self, index, status, comment):
        if not self.advertiser_invoices:
            return
        number = sorted(self.advertiser_invoices)[index % len(self.advertiser_invoices)]
        params = {k: v for k, v in (("status", status), ("comment", comment)) if v is not None}
        response = self.http.post(f"/3.0/admin/advertiser-invoice/{number}", headers=KEY,
                                  data=params)
        invoice = self.advertiser_invoices[number]
        if invoice["status"] == "paid":
            self.expect(response, Refused("You can edit only unpaid invoices"))
            return
        self.expect(response, None, {"status": 1, "message": "Invoice updated"})
        invoice.update(params)

    @rule(hours=st.sampled_from([1, 24, 24 * 7, 24 * 30]))
    def advance_clock(self, hours):
        from datetime import timedelta

        self.model.now += timedelta(hours=hours)
        response = self.http.post("/_mock/clock", headers=KEY, json={"advance": f"{hours}h"})
        assert response.json["now"] == self.model.now.strftime("%Y-%m-%d %H:%M:%S")

    # ----------------------------------------------------------------- invariants

    @invariant()
    def api_and_model_agree_on_every_invoice(self):
        if not hasattr(self, "http"):
            return
        listing = self.http.get("/3.1/payments", headers=KEY, query_string=ALL).json
        payments = {p["id"]: p for p in listing["payments"]}
        assert sorted(payments) == self.invoice_ids()
        billed = Counter()
        for invoice_id, invoice in self.model.invoices.items():
            payment = payments[invoice_id]
            billed.update(payment["cpa_actions"])
            assert payment["pid"] == invoice.pid
            assert payment["currency_code"] == invoice.currency
            assert payment["status"] == str(invoice.status)
            assert sorted(payment["cpa_actions"]) == sorted(
                c["id"] for c in self.model.members(invoice_id))
            corrections = payment["additional_payments"] or {}
            assert {int(k): Decimal(v["revenue"]) for k, v in corrections.items()} == \
                invoice.corrections
            revenue = Decimal(payment["revenue"])
            assert revenue == self.model.revenue(invoice)
            assert payment["ref_ids"] == [str(i) for i in invoice.ref_ids]
            assert revenue >= 0
            if invoice.status == 2:  # completed invoices never change
                self.frozen.setdefault(invoice_id, payment)
                assert payment == self.frozen[invoice_id]
        assert [c for c, n in billed.items() if n > 1] == []

    @invariant()
    def each_referral_invoice_is_taken_once_for_the_percent_of_its_revenue(self):
        if not hasattr(self, "http"):
            return
        listing = self.http.get("/3.1/payments", headers=KEY, query_string=ALL).json
        payments = {p["id"]: p for p in listing["payments"]}
        taken = Counter(r for p in payments.values() for r in p["ref_ids"])
        assert [r for r, n in taken.items() if n > 1] == []
        for payment in payments.values():
            if not payment["ref_ids"]:
                assert payment["ref_revenue"] is None
                continue
            own = [Decimal(payments[int(r)]["revenue"])
                   - Decimal(payments[int(r)]["ref_revenue"] or 0) for r in payment["ref_ids"]]
            assert all(payments[int(r)]["status"] == "2" for r in payment["ref_ids"])
            expected = referral_share(own, self.model.percent(payment["pid"]))
            assert Decimal(payment["ref_revenue"]) == expected

    @invariant()
    def api_and_model_agree_on_every_advertiser_invoice(self):
        if not hasattr(self, "http"):
            return
        listing = self.http.get("/3.0/admin/advertiser-invoices", headers=KEY,
                                query_string={"limit": 500}).json["message"]
        shown = {i["number"]: {k: i[k] for k in ("supplier_id", "currency", "status", "comment")}
                 for i in listing}
        assert shown == self.advertiser_invoices
        assert [i["number"] for i in listing] == sorted(shown, reverse=True)

    @invariant()
    def balances_are_payable_plus_hold(self):
        if not hasattr(self, "http"):
            return
        for aid, affiliate in self.model.affiliates.items():
            answer = self.http.get("/3.0/balance", headers={"API-Key": affiliate["api_key"]}).json
            for code, (available, hold) in self.model.balance(aid).items():
                assert Decimal(str(answer["balance"]["available"][code])) == available
                assert Decimal(str(answer["balance"]["hold"][code])) == hold
                assert Decimal(str(answer["balance"]["balance"][code])) == available + hold


@pytest.mark.first
def test_the_billing_api_agrees_with_the_model_of_affises_rules():
    run_state_machine_as_test(BillingMachine, settings=settings(
        max_examples=examples(30, long=300), stateful_step_count=40 if LONG else 15,
        deadline=None, suppress_health_check=list(HealthCheck)))
    assert sum(STEPS.values()) > 0


@pytest.mark.first
def test_an_export_after_any_sequence_loads_back_to_an_equal_export():
    class ExportMachine(BillingMachine):
        @invariant()
        def export_round_trips(self):
            if not hasattr(self, "http"):
                return
            exported = self.http.get("/_mock/export", headers=KEY).json
            # In memory: on a server database a fresh one would empty the machine's own.
            again = create_app({"DATABASE_URL": "sqlite://", "FIXTURES": self._write(exported)})
            try:
                assert again.test_client().get("/_mock/export", headers=KEY).json == exported
            finally:
                again.extensions["mock_affise"].db.dispose()

    run_state_machine_as_test(ExportMachine, settings=settings(
        max_examples=examples(6, long=40), stateful_step_count=20 if LONG else 8, deadline=None,
        suppress_health_check=list(HealthCheck)))
