"""The scoping rule's SQL form selects exactly the affiliates its pure form sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mock_affise.billing.predicates import seen_by
from mock_affise.billing.rules import Audience, audience
from mock_affise.models import Affiliate, Conversion

BOB = "5f2a9e0c1d2b3c4d5e6f7a8c"
ANN = "5f2a9e0c1d2b3c4d5e6f7a8b"

AUDIENCES = [
    audience("admin", ANN, None),
    audience("affiliate_manager", BOB, None),
    audience("affiliate_manager", ANN, None),  # an id that manages nobody
    audience("affiliate_manager", "000000000000000000000000", None),
    Audience(manager_id=None),
    *(audience("affiliate", None, aid) for aid in (2, 4, 6, 99)),
]


@pytest.mark.parametrize("seen", AUDIENCES, ids=repr)
def test_the_sql_form_picks_the_affiliates_and_conversions_the_rule_sees(network,
                                                                         default_document, seen):
    tenant = network(default_document)
    with tenant.open() as (session, row, _):
        affiliates = session.execute(
            select(Affiliate.id, Affiliate.manager_id).where(Affiliate.tenant_id == row.id)).all()
        selected = set(session.scalars(select(Affiliate.id).where(
            Affiliate.tenant_id == row.id, seen_by(seen, row.id, Affiliate.id))))
        conversions = session.execute(
            select(Conversion.id, Conversion.affiliate_id)
            .where(Conversion.tenant_id == row.id)).all()
        selected_conversions = set(session.scalars(select(Conversion.id).where(
            Conversion.tenant_id == row.id, seen_by(seen, row.id, Conversion.affiliate_id))))

    assert selected == {aid for aid, manager in affiliates if seen.sees(aid, manager)}
    managers = dict(affiliates)
    assert selected_conversions == {cid for cid, aid in conversions
                                    if seen.sees(aid, managers[aid])}


def test_a_manager_sees_the_three_affiliates_it_manages_in_the_default_fixture(network,
                                                                               default_document):
    tenant = network(default_document)
    with tenant.open() as (session, row, _):
        selected = session.scalars(select(Affiliate.id).where(
            Affiliate.tenant_id == row.id,
            seen_by(audience("affiliate_manager", BOB, None), row.id, Affiliate.id))
            .order_by(Affiliate.id)).all()

    assert selected == [2, 3, 5]
