"""The fixture document as a JSON schema (contract harness.md section 1)."""

from __future__ import annotations

from collections.abc import Iterable

from .blocks import (
    BOOLEAN,
    DATE_PATTERN,
    DAY,
    DECIMAL_TEXT,
    HEX24,
    INVOICE_STATUS,
    INVOICE_STATUSES,
    STRING,
    TIMESTAMP,
    Schema,
    array,
    integer,
    map_of,
    nullable,
    obj,
    text,
)


def _fixture(exported: bool) -> Schema:
    """The fixture document: what export gives (exact), or what loading reads (fixtures.py).

    Loading is lenient the way the loader is: ids may be digit strings, text may be a number,
    a null field takes its default, and rows may carry fields it does not read.
    """
    if exported:
        ident, label, amount = integer(minimum=1), STRING, text(pattern=r"^-?\d+(\.\d{1,8})?$")
        flag, moment, day = BOOLEAN, TIMESTAMP, DAY
        binary, conversion_status = integer(enum=[0, 1]), integer(enum=[1, 2, 3, 5])
        invoice_status = INVOICE_STATUS
    else:
        ident = {"type": ["integer", "string"], "pattern": r"^-?\d{1,18}$", "minimum": 1}
        label = {"type": ["string", "number"]}
        amount = {"type": ["string", "number"], "pattern": DECIMAL_TEXT}
        flag = {"enum": [True, False, 0, 1, "0", "1"]}
        moment = text(pattern=r"^\s*\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?\s*$")
        day = text(pattern=DATE_PATTERN)
        binary = {"enum": [0, 1, "0", "1"]}
        conversion_status = {"enum": [1, 2, 3, 5, "1", "2", "3", "5"]}
        invoice_status = {"enum": [*INVOICE_STATUSES, *map(str, INVOICE_STATUSES)]}
    key = text(pattern="^[A-Za-z0-9_-]{8,128}$")

    def row(properties: dict[str, Schema], required: Iterable[str]) -> Schema:
        if exported:
            return obj(properties)
        needed = set(required)
        return {"type": "object", "required": list(required), "properties": {
            name: value if name in needed else nullable(value)
            for name, value in properties.items()}}

    def section(item: Schema) -> Schema:
        return array(item) if exported else nullable(array(item))

    binding = row({"id": ident, "system_id": ident, "currency": label, "active": binary,
                   "fields": map_of(label) if exported else {"anyOf": [map_of(label), array(
                       label)]}}, ["system_id", "currency"])
    sections = {
        "now": moment if exported else nullable(moment),
        "currencies": section(row({
            "id": ident, "code": text(pattern="^[A-Z][A-Z0-9]{1,7}$"), "rate": amount,
            "min_payment": amount, "active": flag, "default": flag,
            "is_crypto": nullable(flag)}, ["id", "code"])),
        "payment_systems": section(row({
            "id": ident, "title": label, "currency": nullable(label),
            "threshold": nullable(amount),
            "fields": array(row({"id": ident, "label": label, "required": flag},
                                ["id", "label"]))}, ["id", "title"])),
        "managers": section(row({
            "id": HEX24, "first_name": label, "last_name": label, "email": label,
            "role": text(enum=["admin", "affiliate_manager"]), "api_key": key}, ["id"])),
        "affiliates": section(row({
            "id": ident, "name": nullable(label), "email": label, "login": nullable(label),
            "status": text(enum=["active", "banned", "on moderation", "not active"]),
            "manager_id": nullable(HEX24), "api_key": key, "ref": nullable(ident),
            "ref_percent": nullable(amount), "notes": label, "country": nullable(label),
            "contact_person": nullable(label), "created_at": moment, "updated_at": moment,
            "payment_systems": array(binding)}, ["id"])),
        "offers": section(row({"id": ident, "title": label,
                               "advertiser_id": nullable(HEX24)}, ["id"])),
        "conversions": section(row({
            "id": HEX24, "affiliate_id": ident, "offer_id": ident, "status": conversion_status,
            "payouts": amount, "currency": label, "country": label, "goal": label,
            "created_at": moment, "updated_at": moment, "hold_until": nullable(moment)},
            ["id", "affiliate_id", "offer_id", "status", "payouts", "currency",
             "created_at"])),
        "payments": section(row({
            "id": ident, "pid": ident, "currency": label, "status": invoice_status,
            "posted_date": moment, "updated_at": moment, "pay_sys": nullable(ident),
            "pay_sys_name": nullable(label), "pay_acc": label, "comment": label,
            "notes": label, "manager_id": nullable(HEX24), "period_to": nullable(day),
            "cpa_actions": array(HEX24)}, ["id", "pid", "currency", "posted_date"])),
        "corrections": section(row({
            "id": ident, "payment_id": ident, "revenue": amount, "comment": label,
            "posted_date": moment}, ["id", "payment_id", "revenue", "posted_date"])),
    }
    if exported:
        # now is exported only while the tenant clock is frozen.
        return obj(sections, optional=["now"],
                   description="A tenant's whole state; loads back unchanged")
    return {"type": "object", "properties": sections, "additionalProperties": False,
            "description": "A fixture document (harness.md section 1): every section optional. "
                           "Loading checks the whole document and reports each problem with its "
                           "path; a bad document changes nothing"}

