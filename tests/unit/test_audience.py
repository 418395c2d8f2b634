"""Who sees which affiliate (contract section 2), as the pure rule states it."""

from __future__ import annotations

import pytest

from mock_affise.billing.rules import EVERYONE, Audience, audience

BOB = "5f2a9e0c1d2b3c4d5e6f7a8c"
ANN = "5f2a9e0c1d2b3c4d5e6f7a8b"


def test_an_admin_sees_every_affiliate_and_its_key():
    seen = audience("admin", ANN, None)

    assert seen == EVERYONE
    assert seen.sees(4, None) and seen.sees(2, BOB)
    assert seen.sees_api_keys and seen.admin_api


def test_a_manager_sees_only_the_affiliates_it_manages_and_no_key():
    seen = audience("affiliate_manager", BOB, None)

    assert seen.sees(2, BOB)
    assert not seen.sees(4, None)
    assert not seen.sees(7, ANN)
    assert not seen.sees_api_keys
    assert seen.admin_api


def test_an_affiliate_sees_only_itself_and_not_the_admin_api():
    seen = audience("affiliate", None, 2)

    assert seen.sees(2, BOB)
    assert not seen.sees(3, BOB)
    assert not seen.sees_api_keys
    assert not seen.admin_api


@pytest.mark.parametrize("affiliate_id", [1, 2, 3])
def test_a_manager_without_an_id_sees_no_affiliate(affiliate_id):
    assert not Audience(manager_id=None).sees(affiliate_id, None)
