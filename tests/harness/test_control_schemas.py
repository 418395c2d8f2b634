"""The control plane's body schemas: what they keep, and the first problem they name."""

from __future__ import annotations

from datetime import datetime

import pytest

from mock_affise.api.control.faults import FaultRuleBody
from mock_affise.api.control.schemas import ClockMove, ConfigChange, parse
from mock_affise.errors import ValidationError


def _problem(schema, body) -> str:
    with pytest.raises(ValidationError) as caught:
        parse(schema, body)
    return caught.value.message


def test_a_fault_rule_without_match_takes_every_request_every_time():
    assert parse(FaultRuleBody(), {"action": {"status": "503"}}) == {
        "method": None, "path": "*", "action": {"status": 503}, "times": None,
        "probability": 1.0, "seed": 0}


@pytest.mark.parametrize(("body", "message"), [
    ([], "body: must be a JSON object with match and action"),
    ({"match": {"method": "head"}, "action": {"status": 500}},
     "match.method: must be one of GET, POST, DELETE, PUT, PATCH"),
    ({"action": {"status": 500, "retry": 1}},
     "action.retry: is not a fault action (expected one of status, delay_ms, "
     "drop_after_commit, body)"),
    ({"action": {"status": 600}}, "action.status: must be between 100 and 599"),
    ({"action": {"drop_after_commit": True, "status": 500}},
     "action: drop_after_commit cannot be combined with status"),
    ({"action": {"status": 500}, "times": 0}, "times: must be between 1 and 1000000"),
    ({"action": {"status": 500}, "probability": True}, "probability: must be a number from 0 to 1"),
    ({"action": {"status": 500}, "seed": None}, "seed: must be an integer"),
])
def test_a_bad_fault_rule_is_refused_naming_the_field(body, message):
    assert _problem(FaultRuleBody(), body) == message


def test_a_clock_move_names_the_move_it_makes():
    assert parse(ClockMove(), {"advance": "2h", "frozen": True}) == {
        "field": "advance", "moment": None, "seconds": 7200, "frozen": True}
    assert parse(ClockMove(), {"set": "2024-06-15"})["moment"] == datetime(2024, 6, 15)


@pytest.mark.parametrize(("body", "message"), [
    ({"set": "2024-06-15", "advance": "1d"}, "advance: cannot be combined with set"),
    ({"frozen": "yes"}, "frozen: must be true or false"),
    ({}, "set: one of set, advance, advance_seconds or frozen is required"),
    ({"advance_seconds": 2**40}, "advance_seconds: must be within 100 years"),
])
def test_a_bad_clock_move_is_refused_naming_the_field(body, message):
    assert _problem(ClockMove(), body) == message


@pytest.mark.parametrize(("body", "message"), [
    ({}, "generation_delay_seconds: is required"),
    ({"delay": 1},
     "delay: is not a setting (expected generation_delay_seconds or referral_percent)"),
    ({"generation_delay_seconds": -1},
     "generation_delay_seconds: must be a whole number of seconds from 0 to 31622400"),
])
def test_a_bad_config_change_is_refused_naming_the_setting(body, message):
    assert _problem(ConfigChange(), body) == message
