"""Schemathesis against the mock, in-process: every operation of our OpenAPI document, with
generated valid and invalid inputs, must answer as the document says and never 5xx.

The checks are schemathesis's own (no 5xx; documented status codes, response schemas and JSON
content type; invalid input refused with a 4xx; 405 for an undocumented method; 401 without a
key on Affise routes) plus Affise's envelope on every 4xx. Every case meets the default fixture
as it was seeded: after any write a case got through, the tenant is restored from a snapshot
(or the app rebuilt, when the case dropped or reseeded it). The stateful test chains real ids
through the document's links. Bounded by default (the same cases on every run); with
MOCK_AFFISE_FUZZ=long, many more examples, the full coverage phase and a random seed.
"""

from __future__ import annotations

import copy
import os
import re
import zlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from jsonschema import Draft202012Validator
from schemathesis import Case, CheckContext
from schemathesis.checks import load_all_checks
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.pytest.lazy import run_subtest
from schemathesis.python._constants.orchestrator import make_constants_value_source

from mock_affise import create_app
from mock_affise.openapi import build_document
from tests.conftest import ADMIN_KEY, AFFILIATE_KEYS, SUITE_FIXTURE, fresh_database_url

pytestmark = pytest.mark.first
LONG = os.environ.get("MOCK_AFFISE_FUZZ") == "long"
MAX_EXAMPLES = 500 if LONG else 15
SCENARIOS = 200 if LONG else 15
SCENARIO_STEPS = 20 if LONG else 8
# The bounded run (make test, CI) draws the same cases every time; the long run explores.
SEED = None if LONG else 20240615

OPERATIONS: list[dict[str, Any]] = [{
    # The control plane's key names a tenant, it does not authenticate: without one the
    # answer is 400 "Name the tenant...", by design (harness.md section 3).
    "include-path-regex": "^/_mock/",
    "checks": {"ignored_auth": {"enabled": False}},
}]
if not LONG:
    # The coverage phase walks every keyword of a body: ~1,500 cases for each operation that
    # takes the fixture document, ~950 for each that takes a partner's forty fields (a quarter
    # of make test's cases; tests/api/test_partners.py checks those fields one by one). The
    # bounded run fuzzes these operations; the long run covers them too.
    OPERATIONS.append({"include-path-regex": "^/_mock/(tenants|reset|tenants/[^/]+/reset)$",
                       "phases": {"coverage": {"enabled": False}}})
    OPERATIONS.append({"include-name": ["POST /3.0/admin/partner",
                                         "POST /3.0/admin/partner/{partner_id}"],
                       "phases": {"coverage": {"enabled": False}}})

CONFIG = schemathesis.Config.from_dict({
    **({"seed": SEED} if SEED is not None else {}),
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
    "auth": {"openapi": {"ApiKeyHeader": {"api_key": ADMIN_KEY}}},
    "checks": {
        # A valid-looking request may still meet a billing rule (unknown affiliate, minimum
        # payment...): a 400 there is the contract, not a failure.
        "positive_data_acceptance": {"enabled": False},
    },
    "operations": OPERATIONS,
})
DOCUMENT = build_document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=CONFIG)

PRISTINE = "/_mock/tenants/1/snapshots/pristine"


def _reads_as(text: str, value_schema: dict[str, Any]) -> bool:
    """Whether a query value, as text, is one the schema admits (the server parses text)."""
    readings: list[Any] = [text]
    if re.fullmatch(r"-?[0-9]+", text):
        readings.append(int(text))
    if text in ("true", "false"):
        readings.append(text == "true")
    validator = Draft202012Validator(value_schema)
    return any(validator.is_valid(reading) for reading in readings)


def _sent_query_conforms(case: Case, response: Any) -> bool:
    """Whether the query that reached the server conforms to the document, read as text."""
    sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
    operation = DOCUMENT["paths"][case.operation.path][case.method.lower()]
    for parameter in operation["parameters"]:
        if "$ref" in parameter or parameter["in"] != "query":
            continue
        name, value_schema = parameter["name"], parameter["schema"]
        texts = sent.get(name)
        if not texts:
            if parameter["required"]:
                return False
        elif value_schema.get("type") == "array":
            if not all(_reads_as(t, value_schema["items"]) for t in texts):
                return False
        elif not (texts[-1] == "" and parameter.get("allowEmptyValue")) and \
                not _reads_as(texts[-1], value_schema):
            return False
    return True


@schema.hook
def filter_failure(context: Any, failure: Any, case: Case, response: Any) -> bool:
    """Keep a failure, unless it blames "negative" query values that reached the wire as valid
    text: schemathesis can take 166 for a violation of `manager[]` (an array of strings), yet
    manager[]=166 is a valid one-item list. Every other failure stands."""
    meta = case.meta
    if not isinstance(failure, AcceptedNegativeData) or meta is None:
        return True
    negative = [location for location in ParameterLocation if meta.is_negative_at(location)]
    if negative != [ParameterLocation.QUERY]:
        return True
    return not _sent_query_conforms(case, response)


@schema.hook
def filter_body(context: Any, body: Any) -> bool:
    """Skip blank raw bodies: the mock reads a body of only whitespace as no body, by design
    (api/wire.py, api/control.py), which no schema of an optional body can say."""
    return not (isinstance(body, str | bytes) and not body.strip())


class Server:
    """The app under test, put back to the default fixture after any case that may change it."""

    def __init__(self) -> None:
        self.app: Flask | None = None
        self.dirty = False

    def fresh(self) -> Flask:
        if self.app is not None:
            self.app.extensions["mock_affise"].db.dispose()
        self.app = create_app({"DATABASE_URL": fresh_database_url(),
                               "FIXTURES": str(SUITE_FIXTURE)})
        self.app.config["TESTING"] = True
        self.app.test_client().post(PRISTINE.rsplit("/", 1)[0], json={"name": "pristine"})
        self.dirty = False
        return self.app

    def ready(self) -> Flask:
        """Return the app with tenant 1 as the default fixture made it: data, clock, faults."""
        if self.app is None:
            return self.fresh()
        if not self.dirty:
            return self.app
        client = self.app.test_client()
        # Not /_mock/reset: a reset with a body makes that document the tenant's seed. The
        # snapshot brings back data, clock and settings; fault rules are cleared beside it.
        if (client.post(f"{PRISTINE}/restore").status_code != 200
                or client.delete("/_mock/tenants/1/faults").status_code != 200):
            return self.fresh()
        self.dirty = False
        return self.app

    def called(self, case: Case, status: int | None) -> None:
        """Note a case: an answered write (2xx) leaves the tenant to put back before the next.

        A refused call changes nothing (each call is one transaction, rolled back on error).
        """
        self.dirty |= case.method != "GET" and (status is None or 200 <= status < 300)


SERVER = Server()


def current_app(environ: dict, start_response: Any) -> Any:
    """The WSGI app schemathesis calls (checks that re-send a request included): SERVER's."""
    assert SERVER.app is not None
    return SERVER.app(environ, start_response)


schema.app = current_app


def envelope_conformance(ctx: CheckContext, response: Any, case: Case) -> bool | None:
    """Every answer is JSON; every 4xx is Affise's envelope with message == error."""
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.split(";")[0].strip() == "application/json", content_type
    body = response.json()
    if 400 <= response.status_code < 500:
        assert isinstance(body, dict) and body.get("status") == 2, body
        assert set(body) == {"status", "message", "error"}, body
        assert body["message"] == body["error"] and body["message"], body
    return None


def prepare(case: Case) -> None:
    """Sign /3.0/balance with an affiliate's key: it is the affiliate's own route."""
    if case.operation.path == "/3.0/balance" and "API-Key" in case.headers:
        case.headers["API-Key"] = AFFILIATE_KEYS[2]


def answer_conforms(case: Case) -> None:
    """One generated case: sent to the mock as the default fixture made it, and checked."""
    SERVER.ready()
    prepare(case)
    status = None
    try:
        response = case.call()
        status = response.status_code
        case.validate_response(response, additional_checks=[envelope_conformance])
    finally:
        SERVER.called(case, status)


# The operations run in groups, each a test of its own whose cases are built when it runs:
# schemathesis's own parametrize builds every operation's coverage cases at collection (15 s),
# in each xdist worker. A group's operations are fixed by their label, whatever the order.
# (schemathesis.pytest.from_fixture would do the same, but reads a node attribute pytest 9
# no longer has.)
GROUPS = 6


def _group_of(label: str) -> int:
    return zlib.crc32(label.encode()) % GROUPS


@pytest.mark.parametrize("group", range(GROUPS), ids=lambda n: f"group-{n + 1}-of-{GROUPS}")
def test_every_answer_conforms_to_the_document(group: int, subtests: pytest.Subtests) -> None:
    load_all_checks()
    operations = schema.clone(test_function=answer_conforms)
    feedback = FeedbackSources(constants_value_source=make_constants_value_source(operations))
    ran = 0
    for found in operations.get_all_operations():
        if isinstance(found, Ok):
            label = found.ok().label
        else:
            label = f"{(found.err().method or '').upper()} {found.err().path}"
        if _group_of(label) != group:
            continue
        ran += 1
        # A definition the document gets wrong fails on its own, and the group goes on.
        if not isinstance(found, Ok):
            with subtests.test(label=label):
                raise found.err()
            continue
        try:
            test = build_operation_test(config=operations.config, operation=found.ok(),
                                        test_func=answer_conforms,
                                        explicit_settings=settings(deadline=None),
                                        given_kwargs={}, feedback=feedback)
        except InvalidSchema as error:  # its coverage cases could not be built
            with subtests.test(label=label):
                raise error
            continue
        run_subtest(found.ok(), {}, test, subtests)
    assert ran, f"no operation in group {group + 1}"


class APIWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Scenarios that chain real ids through the document's links: generate, then list the
    invoices and get, change, correct or delete the first one; save and restore snapshots..."""

    def setup(self) -> None:
        SERVER.dirty = True  # every scenario starts from the default fixture
        SERVER.ready()

    def before_call(self, case: Case) -> None:
        prepare(case)
        if case.operation.path.startswith("/3."):
            # A fault rule an earlier step added would answer this step instead of the mock
            # (a 500, or a delay of up to two minutes): that is the harness doing its job, not
            # something to check here, so rules live only between control-plane steps.
            SERVER.app.test_client().delete("/_mock/tenants/1/faults")

    def validate_response(self, response: Any, case: Case, additional_checks: Any = None,
                          **kwargs: Any) -> None:
        case.validate_response(response, additional_checks=[envelope_conformance],
                               transport_kwargs=kwargs)


TestAPIWorkflow = APIWorkflow.TestCase
TestAPIWorkflow.settings = settings(
    max_examples=SCENARIOS, stateful_step_count=SCENARIO_STEPS, deadline=None,
    derandomize=not LONG, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
