"""The /_mock control-plane operations: requests from the control schemas, answers by hand."""

from __future__ import annotations

from ..api.control.schemas import ClockMove, ConfigChange, JournalQuery, PageQuery, SnapshotName
from .blocks import (
    ERRORS,
    KEYED,
    OPEN,
    STRING,
    TIMESTAMP,
    Schema,
    array,
    integer,
    json_body,
    link,
    nullable,
    obj,
    ok_response,
    operation,
    path,
    path_id,
    ref,
    schema,
    success,
    text,
)
from .control_requests import control_body, control_query

CONTROL_TAG = "control plane"
# The X-Mock-Control-Token check may refuse any /_mock call but health.
TOKEN_ERRORS = (401, 403, 500)
CONTROL_PAGINATION = obj({"page": integer(), "limit": integer(), "total": integer()})


def _page_query() -> list[Schema]:
    """?page=&limit= of a paged control list."""
    return control_query(PageQuery())


def _control_routes() -> list[tuple[str, str, Schema]]:
    """(rule, method, operation) for the routes served at /_mock{rule} and per tenant."""
    result = ok_response(schema("Result"))
    snapshot_name = path("name", text(minLength=1, maxLength=255, pattern="^[^/]+$"),
                         "The snapshot's name", ["before"])
    journal_entry = obj({
        "id": integer(), "at": TIMESTAMP, "method": STRING, "path": STRING,
        "parameters": {"type": "object", "description": "Parsed parameters, keys redacted"},
        "status": integer(), "response": {"description": "The body that was answered"},
        "effects": {"type": "object", "description": "Invoices/conversions the call changed"},
        "fault": nullable(text(enum=["status", "drop_after_commit", "delay_ms"]))})
    report = obj({
        "id": integer(), "operation": text(enum=["generate", "create-for-affiliate"]),
        "created_at": TIMESTAMP, "parameters": {"type": "object"},
        "payments": array(integer()),
        "skipped": array(obj({"affiliate_id": nullable(integer()),
                              "currency": nullable(STRING), "reason": STRING})),
        "referrals": {"type": "object", "additionalProperties": array(integer()),
                      "description": "Per invoice made (id): the referral invoices it took"}})
    fault_link = {"DeleteFault": link("deleteFault",
                                      {"path.rule_id": "$response.body#/fault/id"})}
    snapshot_links = {
        "RestoreSnapshot": link("restoreSnapshot",
                                {"path.name": "$response.body#/snapshot/name"}),
        "DeleteSnapshot": link("deleteSnapshot", {"path.name": "$response.body#/snapshot/name"}),
    }
    export_links = {
        "DeleteCorrection": link("deleteCorrection", {
            "path.correction_id": "$response.body#/corrections/0/id"}),
        "GetPayment": link("getPayment", {"path.payment_id": "$response.body#/payments/0/id"}),
    }
    body_errors = (400, 413)
    return [
        ("/keys", "get", operation("getKeys", "The tenant's id and API keys", tag=CONTROL_TAG,
                                   ok=ok_response(schema("TenantKeys")), errors=())),
        ("/reset", "post", operation(
            "resetTenant", "Back to the seed, or reseed from the body's document",
            tag=CONTROL_TAG, ok=ok_response(schema("TenantKeys")), errors=body_errors,
            body=json_body(schema("Fixture"), yaml=True),
            description="The clock, journal, fault rules, reports and settings are cleared. "
                        "A document becomes the tenant's new seed.")),
        ("/export", "get", operation(
            "exportTenant", "The tenant's whole state as a fixture document", tag=CONTROL_TAG,
            ok=ok_response(schema("ExportedFixture"), links=export_links), errors=())),
        ("/snapshots", "post", operation(
            "saveSnapshot", "Save a named checkpoint (replacing one of that name)",
            tag=CONTROL_TAG, errors=(*body_errors, 409),
            body=control_body(SnapshotName()),
            ok=ok_response(success(snapshot=schema("Snapshot")), links=snapshot_links))),
        ("/snapshots", "get", operation(
            "listSnapshots", "List the named checkpoints, oldest first", tag=CONTROL_TAG,
            errors=(400,), parameters=_page_query(),
            ok=ok_response(success(snapshots=array(schema("Snapshot")),
                                   pagination=CONTROL_PAGINATION)))),
        ("/snapshots/{name}/restore", "post", operation(
            "restoreSnapshot", "Put the tenant back as the snapshot has it", tag=CONTROL_TAG,
            ok=result, errors=(404,), parameters=[snapshot_name])),
        ("/snapshots/{name}", "delete", operation(
            "deleteSnapshot", "Forget a snapshot", tag=CONTROL_TAG, ok=result, errors=(404,),
            parameters=[snapshot_name])),
        ("/clock", "get", operation("getClock", "The tenant clock", tag=CONTROL_TAG,
                                    ok=ok_response(schema("Clock")), errors=())),
        ("/clock", "post", operation(
            "moveClock", "Set, advance, freeze or unfreeze the tenant clock", tag=CONTROL_TAG,
            ok=ok_response(schema("Clock")), errors=body_errors,
            body=control_body(ClockMove()))),
        ("/requests", "get", operation(
            "listRequests", "The request journal, oldest first", tag=CONTROL_TAG,
            errors=(400,), parameters=control_query(JournalQuery()),
            ok=ok_response(success(requests=array(journal_entry))))),
        ("/requests", "delete", operation("clearRequests", "Empty the journal",
                                          tag=CONTROL_TAG, ok=result, errors=())),
        ("/faults", "post", operation(
            "addFault", "Add a fault rule after the existing ones", tag=CONTROL_TAG,
            errors=(*body_errors, 409), body=json_body(schema("FaultSpec"), required=True),
            ok=ok_response(success(fault=schema("FaultRule")), links=fault_link))),
        ("/faults", "get", operation(
            "listFaults", "The fault rules in matching order", tag=CONTROL_TAG, errors=(400,),
            parameters=_page_query(), ok=ok_response(success(faults=array(schema("FaultRule")),
                                                             pagination=CONTROL_PAGINATION)))),
        ("/faults", "delete", operation("clearFaults", "Delete every fault rule",
                                        tag=CONTROL_TAG, ok=result, errors=())),
        ("/faults/{rule_id}", "delete", operation(
            "deleteFault", "Delete one fault rule", tag=CONTROL_TAG, ok=result, errors=(404,),
            parameters=[path_id("rule_id", "fault rule", [1])])),
        ("/generations", "get", operation(
            "listGenerations", "One report per generate/create call", tag=CONTROL_TAG,
            errors=(), ok=ok_response(success(generations=array(report))))),
        ("/config", "get", operation("getConfig", "The tenant's settings", tag=CONTROL_TAG,
                                     ok=ok_response(schema("TenantConfig")), errors=())),
        ("/config", "post", operation(
            "setConfig", "Change the tenant's settings", tag=CONTROL_TAG,
            ok=ok_response(schema("TenantConfig")), errors=body_errors,
            body=control_body(ConfigChange()))),
    ]


def _for_tenant(op: Schema, keyed: bool) -> Schema:
    """Adapt a control operation to name its tenant by key, or by /_mock/tenants/{id}."""
    errors = {int(code) for code in op["responses"] if code != "200"} | set(TOKEN_ERRORS)
    result = {**op, "parameters": [ref("parameters", "ControlToken"), *op["parameters"]]}
    if keyed:
        errors |= {400, 401}  # no key: 400 "Name the tenant: ..."; 401 "Unknown API key"
        result["security"] = KEYED
    else:
        errors.add(404)  # no such tenant
        result["operationId"] = op["operationId"] + "ForTenant"
        result["security"] = OPEN
        result["parameters"] = [ref("parameters", "TenantId"), *result["parameters"]]
        result["responses"] = _without_links(op["responses"])
    result["responses"] = {"200": result["responses"]["200"], **{
        str(code): ref("responses", ERRORS[code][0]) for code in sorted(errors)}}
    return result


def _without_links(responses: Schema) -> Schema:
    # Links name the key-addressed operations; the tenant-path twins carry none.
    ok = {k: v for k, v in responses["200"].items() if k != "links"}
    return {**responses, "200": ok}


def control_paths() -> dict[str, Schema]:
    """The /_mock operations: once by key, once per tenant path."""
    control_token = ref("parameters", "ControlToken")
    paths: dict[str, Schema] = {
        "/_mock/health": {"get": operation(
            "health", "Liveness and readiness", tag=CONTROL_TAG, security=OPEN, errors=(500,),
            ok=ok_response(success(ready={"const": True})))},
        "/_mock/coverage": {"get": operation(
            "coverage", "List the Affise operations implemented and those answered 501",
            tag=CONTROL_TAG, security=OPEN, errors=TOKEN_ERRORS, parameters=[control_token],
            description="Computed from the route table: an implemented operation is served; a "
                        "not emulated one is a known Affise operation answered 501.",
            ok=ok_response(success(**dict.fromkeys(("implemented", "not_emulated"), array(obj({
                "method": text(enum=["GET", "POST", "DELETE"]), "path": STRING})))))),
        },
        "/_mock/tenants": {
            "post": operation(
                "createTenant", "Make a new isolated tenant from a fixture document",
                tag=CONTROL_TAG, security=OPEN, errors=(400, 409, 413, *TOKEN_ERRORS),
                parameters=[control_token], body=json_body(schema("Fixture"), yaml=True),
                description="Without a body: the default fixture. Keys already taken, or "
                            "missing, are replaced by fresh random keys.",
                ok=ok_response(schema("TenantKeys"), links={
                    "GetKeys": link("getKeysForTenant",
                                    {"path.tenant_id": "$response.body#/tenant"}),
                    "DeleteTenant": link("deleteTenant",
                                         {"path.tenant_id": "$response.body#/tenant"})})),
            "get": operation(
                "listTenants", "List the tenants with their admin keys", tag=CONTROL_TAG,
                security=OPEN, errors=(400, *TOKEN_ERRORS),
                parameters=[control_token, *_page_query()],
                ok=ok_response(success(tenants=array(obj({
                    "tenant": integer(), "admin": nullable(STRING)})),
                    pagination=CONTROL_PAGINATION))),
        },
        "/_mock/tenants/{tenant_id}": {"delete": operation(
            "deleteTenant", "Drop a tenant and everything it holds", tag=CONTROL_TAG,
            security=OPEN, errors=(404, *TOKEN_ERRORS), ok=ok_response(schema("Result")),
            parameters=[ref("parameters", "TenantId"), control_token])},
    }
    for rule, method, op in _control_routes():
        paths.setdefault(f"/_mock{rule}", {})[method] = _for_tenant(op, keyed=True)
        paths.setdefault(f"/_mock/tenants/{{tenant_id}}{rule}", {})[method] = \
            _for_tenant(op, keyed=False)
    return paths


