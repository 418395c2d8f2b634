"""The loaded-document cache: a document seen before loads to the same, independent value."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from mock_affise.config import default_fixture_path
from mock_affise.fixtures import FixtureError, validate
from mock_affise.fixtures.schema import INHERIT, document_digest


@pytest.fixture
def document() -> dict:
    return json.loads(default_fixture_path().read_text(encoding="utf-8"), parse_float=Decimal)


def test_a_document_validated_twice_loads_equal_but_independent_values(document):
    first = validate(document)
    first["managers"][0]["api_key"] = "changed by a seed"
    first["affiliates"].clear()
    second = validate(copy.deepcopy(document))
    assert second["managers"][0]["api_key"] == document["managers"][0]["api_key"]
    assert len(second["affiliates"]) == len(document["affiliates"])


def test_the_inherit_marker_survives_a_cached_load(document):
    assert "manager_id" not in document["payments"][0]  # the payment takes its affiliate's
    validate(document)
    assert validate(document)["payments"][0]["manager_id"] is INHERIT


def test_a_value_of_another_type_is_not_taken_for_a_cached_one(document):
    validate(document)
    document["currencies"][0]["rate"] = True  # a flag where an amount belongs
    with pytest.raises(FixtureError):
        validate(document)


def test_a_bad_document_is_refused_every_time(document):
    document["payments"][0]["currency"] = "XXX"
    for _ in range(2):
        with pytest.raises(FixtureError):
            validate(document)


def test_a_document_too_big_to_keep_still_loads_each_time(document):
    billed = {c for p in document["payments"] for c in p["cpa_actions"]}
    free = next(c for c in document["conversions"] if c["id"] not in billed)
    document["conversions"] += [
        {**free, "id": f"{number:024x}"} for number in range(10**9, 10**9 + 5_000)]
    assert document_digest(document) is None  # not kept in memory
    for _ in range(2):
        assert len(validate(document)["conversions"]) == len(document["conversions"])
