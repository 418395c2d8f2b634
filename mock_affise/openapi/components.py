"""The shared schemas under components: what the views render, and the control bodies."""

from __future__ import annotations

from ..api.control.faults import FaultRuleBody
from ..billing.rules import CONVERSION_STATUSES, PARTNER_STATUSES, STATUS_WORDS
from ..billing.rules import PAYMENT_STATES as PAYMENT_STATE_WORDS
from .advertisers import advertiser_invoice
from .blocks import (
    BOOLEAN,
    EIGHT_PLACES,
    EMPTY_LIST,
    ERRORS,
    HEX24,
    ID,
    NULL,
    NUMBER,
    STRING,
    TIMESTAMP,
    Schema,
    array,
    error_response,
    integer,
    map_of,
    nullable,
    obj,
    path,
    schema,
    success,
    text,
)
from .control_requests import body_schema
from .fixture import _fixture


def _payment() -> Schema:
    correction = obj({"posted_date": TIMESTAMP, "revenue": EIGHT_PLACES,
                      "currency": text(pattern=r"^\d+$"), "comment": STRING})
    offer_costs = obj({
        "title": STRING,
        "cost": map_of(obj({"count": integer(minimum=1), "currency": integer()}),
                       propertyNames=EIGHT_PLACES,
                       description="Keyed by payout amount"),
    })
    return obj({
        "id": ID,
        "pid": integer(description="The affiliate's id"),
        "manager_id": nullable(HEX24),
        "posted_date": TIMESTAMP,
        "pay_sys": nullable(integer()),
        "pay_sys_name": STRING,
        "pay_acc": text(description="The account fields as `Label: value` lines"),
        "status": text(enum=["-1", "1", "2", "3", "4"],
                       description="1 waiting, 2 completed, 3 paid partly, 4 pending, "
                                   "-1 declined"),
        "revenue": EIGHT_PLACES,
        "ref_revenue": nullable(EIGHT_PLACES),
        "currency": text(pattern=r"^\d+$", description="The currency's id, as a string"),
        "currency_code": STRING,
        "comment": STRING,
        "notes": text(description="What requests call `note`"),
        "cpa_actions": array(HEX24, description="The invoice's conversion ids"),
        "ref_ids": array(integer()),
        "details": obj({
            "details": map_of(offer_costs, propertyNames=text(pattern=r"^\d+$"),
                              description="Keyed by offer id"),
            "count": integer(minimum=0),
        }),
        "additional_payments": {
            "description": "The corrections: [] when there are none, otherwise an object "
                           "keyed by correction id (PHP's habit, as in Affise's example)",
            "oneOf": [EMPTY_LIST, map_of(correction, minProperties=1,
                                         propertyNames=text(pattern=r"^\d+$"))],
        },
        "updated_at": TIMESTAMP,
    }, description="An invoice exactly as Affise's `payment` schema and examples show it")


def _manager() -> Schema:
    return obj({
        "id": HEX24, "username": STRING, "first_name": STRING, "last_name": STRING,
        "email": STRING, "type": text(enum=["admin", "affiliate_manager"]),
        "roles": array(STRING), "avatar": NULL, "skype": NULL, "work_hours": NULL,
        "created_at": NULL, "updated_at": NULL, "last_login_at": NULL,
    })


def _partner() -> Schema:
    money = obj({"balance": NUMBER, "hold": NUMBER, "available": NUMBER})
    binding = obj({
        "id": integer(), "system_id": integer(), "system": STRING,
        "currency": text(description="A currency code: the Go SDK fails on a number"),
        "active": integer(enum=[0, 1]), "fields": map_of(STRING),
    })
    sub_account = obj({"value": STRING, "except": integer()})
    return obj({
        "id": ID, "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "email": STRING,
        "login": STRING, "contactPerson": nullable(STRING),
        "ref_percent": nullable(STRING), "name": nullable(STRING), "notes": STRING,
        "manager": nullable(schema("Manager")),
        "status": text(enum=list(PARTNER_STATUSES)),
        "level": integer(), "payment_systems": array(binding), "customFields": EMPTY_LIST,
        "balance": map_of(money, description="Keyed by currency code"),
        "offersCount": integer(), "api_key": STRING,
        **dict.fromkeys(("address_1", "address_2", "city"), NULL),
        "country": nullable(STRING),
        **dict.fromkeys(("zip_code", "phone", "work_hours", "created_by", "updated_by",
                         "tipalti_payee_id", "tipalti_status"), NULL),
        "ref": text(pattern=r"^\d+$", description="The referring affiliate's id; 0 for none"),
        "sub_accounts": obj({"1": sub_account, "2": sub_account}),
        "tags": EMPTY_LIST, "lang": STRING,
    })


def _partner_pagination() -> Schema:
    return obj({"per_page": integer(), "total_count": integer(), "page": integer(),
                "next_page": integer(description="Present while a further page exists")},
               optional=["next_page"])


CONVERSION_WORDS = list(STATUS_WORDS.values())
PAYMENT_STATES = list(PAYMENT_STATE_WORDS)


def _conversion_parts() -> dict[str, Schema]:
    return {
        "offer": obj({"id": integer(), "title": STRING, "offer_id": STRING, "url": STRING}),
        "partner": obj({"id": integer(), "email": STRING, "login": nullable(STRING),
                        "name": nullable(STRING)}),
        "advertiser": obj({"id": nullable(HEX24), "title": STRING}),
    }


def _conversion() -> Schema:
    parts = _conversion_parts()
    strings = dict.fromkeys(("district", "city", "ip", "browser", "os", "device", "ios_idfa",
                             "android_id", *(f"sub{n}" for n in range(1, 6)),
                             *(f"custom_field_{n}" for n in range(1, 8)), "ua", "comment",
                             "referrer", "decline_reason"), STRING)
    return obj({
        "id": HEX24, "action_id": HEX24, "status": text(enum=CONVERSION_WORDS),
        "currency": STRING, "goal": STRING, "country": STRING, **strings,
        "offer": parts["offer"], "offer_id": integer(),
        "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "click_time": TIMESTAMP,
        "payouts": NUMBER, "clickid": STRING, "partner": parts["partner"],
        "goal_value": STRING, "sum": NUMBER, "revenue": NUMBER, "earnings": NUMBER,
        "advertiser": parts["advertiser"], "payment_status": text(enum=PAYMENT_STATES),
        "is_paid": text(enum=["0", "1"]), "forensiq": NULL, "payment_type": STRING,
        "hold_date_expire": nullable(TIMESTAMP), "fraud_risk_level": STRING,
        "fraud_type": array(STRING),
    }, description="A conversion as GET /3.0/stats/conversions lists it (status as a word)")


def _conversion_by_id() -> Schema:
    parts = _conversion_parts()
    manager = nullable(obj({"id": HEX24, "title": STRING, "first_name": STRING,
                            "last_name": STRING}))
    partner = {**parts["partner"],
               "properties": {**parts["partner"]["properties"], "manager": manager},
               "required": [*parts["partner"]["required"], "manager"]}
    return obj({
        "id": HEX24, "action_id": HEX24, "status": integer(enum=list(CONVERSION_STATUSES)),
        "conversion_id": HEX24, "cbid": HEX24, "currency": STRING, "offer": parts["offer"],
        "offer_id": integer(), "goal": STRING, "hold_date_expire": nullable(TIMESTAMP),
        **dict.fromkeys(("ip", "country", "country_name", "city", "isp_code", "ua", "browser",
                         "os", "device", "device_type", "decline_reason", "fraud_risk_level",
                         "payment_type"), STRING),
        "district": NULL, "city_id": integer(),
        **dict.fromkeys((*(f"sub{n}" for n in range(1, 9)), "referrer", "landing_id",
                         "prelanding_id", "price"), NULL),
        **dict.fromkeys((*(f"custom_field_{n}" for n in range(1, 8)), "comment"),
                        nullable(STRING)),
        **dict.fromkeys(("created_at", "click_time", "updated_at", "createdAt", "updatedAt"),
                        TIMESTAMP),
        "currency_id": nullable(text(pattern=r"^\d+$")), "clickid": STRING, "click_id": STRING,
        "partner": partner, "supplier_id": nullable(HEX24), "partner_id": integer(),
        "goal_value": STRING, "payouts": NUMBER,
        **dict.fromkeys(("sum", "revenue", "earnings", "charge", "earning"), NUMBER),
        "advertiser": parts["advertiser"], "payment_status": text(enum=PAYMENT_STATES),
        "is_paid": text(enum=["0", "1"]), "fraud_type": array(STRING),
    }, description="A conversion as GET /3.0/stats/conversionsbyid shows it (status as its "
                   "code)")



def _keys() -> Schema:
    return obj({"admin": nullable(STRING), "managers": map_of(STRING),
                "affiliates": map_of(STRING, propertyNames=text(pattern=r"^\d+$"))})


def _fault_rule() -> Schema:
    return obj({
        "id": integer(), "match": obj({"method": nullable(STRING), "path": STRING}),
        "action": {"type": "object"}, "times": nullable(integer()), "probability": NUMBER,
        "seed": integer(), "seen": integer(), "fired": integer(),
    })


def components(bodies: dict[str, Schema]) -> Schema:
    """The shared parts, with the request bodies requests.py generated."""
    parameters = {
        "ControlToken": {
            "name": "X-Mock-Control-Token", "in": "header", "required": False,
            "schema": STRING,
            "description": "Required when the mock runs with CONTROL_TOKEN",
        },
        "TenantId": path("tenant_id", integer(minimum=0), "The tenant's id", [1]),
    }
    error = obj({"status": {"const": 2}, "message": STRING, "error": STRING},
                description="Affise's error envelope: the same text under message (the docs, "
                            "the Go SDK) and error (the PHP SDK)")
    return {
        "securitySchemes": {
            "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "API-Key",
                             "description": "Any letter case. On /_mock it names the tenant"},
            "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api-key"},
        },
        "parameters": parameters,
        "responses": {name: error_response(description, message)
                      for name, description, message in ERRORS.values()},
        "schemas": {
            "Error": error,
            "Result": success(result={"const": True}),
            "Payment": _payment(),
            "Manager": _manager(),
            "Partner": _partner(),
            "PartnerPagination": _partner_pagination(),
            "AdvertiserInvoice": advertiser_invoice(),
            "Conversion": _conversion(),
            "ConversionById": _conversion_by_id(),
            "Fixture": _fixture(exported=False),
            "ExportedFixture": _fixture(exported=True),
            "ApiKeys": _keys(),
            "FaultSpec": body_schema(FaultRuleBody()),
            "FaultRule": _fault_rule(),
            "Snapshot": obj({"name": STRING, "created_at": TIMESTAMP}),
            "TenantKeys": success(tenant=integer(), api_keys=schema("ApiKeys")),
            "Clock": success(now=TIMESTAMP, frozen=BOOLEAN),
            "TenantConfig": success(config=obj({"generation_delay_seconds": integer(
                minimum=0), "referral_percent": STRING})),
            **bodies,
        },
    }
