"""Routes build their URLs on first use (app.LazyBuildRule): url_for still answers exactly."""

from __future__ import annotations

from flask import url_for


def test_url_for_builds_a_path_with_its_id_and_extra_arguments_as_a_query(app):
    with app.test_request_context():
        assert url_for("advertiser_invoices.invoice_get", number=5) == \
            "/3.0/admin/advertiser-invoice/5"
        assert url_for("advertiser_invoices.invoice_get", number=7, page=2) == \
            "/3.0/admin/advertiser-invoice/7?page=2"
        assert url_for("control.add_fault") == "/_mock/faults"
