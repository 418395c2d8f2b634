"""Fixture documents: load (JSON or YAML), validate with paths, seed a tenant, export it back."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from .billing.rules import (
    CONVERSION_STATUSES,
    effectively_approved,
    format_pay_acc,
    invoice_revenue,
    revenue_allowed,
)
from .billing.rules import INVOICE_STATUSES as PAYMENT_STATUSES
from .billing.rules import PARTNER_STATUSES as AFFILIATE_STATUSES
from .clock import format_timestamp, host_now, parse_timestamp
from .config import default_fixture_path
from .db import Database
from .models import (
    TENANT_TABLES,
    Affiliate,
    AffiliatePaymentSystem,
    Conversion,
    Correction,
    Currency,
    Manager,
    Offer,
    Payment,
    PaymentSystem,
    Tenant,
)
from .money import MoneyError, eight, parse_money, plain
from .network.keys import fresh_key, taken_keys

SECTIONS = (
    "now",
    "currencies",
    "payment_systems",
    "managers",
    "affiliates",
    "offers",
    "conversions",
    "payments",
    "corrections",
)
HEX24 = re.compile(r"^[0-9a-f]{24}$")
CURRENCY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
MANAGER_ROLES = ("admin", "affiliate_manager")
INHERIT = object()  # a seeded payment without manager_id takes its affiliate's


class FixtureError(ValueError):
    """A fixture document has problems; each names its path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def read_document(path: str | Path) -> dict[str, Any]:
    """Read a fixture file, JSON or YAML by its content."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError([f"{path}: cannot read ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise FixtureError([f"{path}: not UTF-8 text"]) from exc
    return parse_document(text, str(path))


def parse_document(text: str, source: str = "fixture") -> dict[str, Any]:
    """Parse fixture text: JSON first, YAML when it is not JSON."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except ValueError as json_error:
        import yaml

        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            # One line, with both parsers' reasons: a broken JSON file should not be explained
            # only in YAML's terms.
            raise FixtureError([f"{source}: neither JSON nor YAML (JSON: "
                                f"{_json_reason(json_error)}; YAML: {_yaml_reason(exc)})"]) from exc
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise FixtureError([f"{source}: the document must be an object of sections"])
    return document


def _json_reason(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    return str(error)


def _yaml_reason(error: Exception) -> str:
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(error).split())


# ----------------------------------------------------------------------------- validation


class _Reader:
    """Reads typed values out of a document, recording every problem with its path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, problem: str) -> None:
        self.problems.append(f"{path}: {problem}")

    def items(self, document: Mapping[str, Any], section: str) -> list[tuple[str, dict]]:
        value = document.get(section)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(section, "must be a list")
            return []
        rows = []
        for index, item in enumerate(value):
            path = f"{section}[{index}]"
            if isinstance(item, dict):
                rows.append((path, item))
            else:
                self.fail(path, "must be an object")
        return rows

    def get(self, row: Mapping[str, Any], path: str, key: str, parse: Callable[[Any], Any],
            default: Any = ..., nullable: bool = False) -> Any:
        if key not in row or (row[key] is None and (nullable or default is not ...)):
            if key in row and nullable:
                return None
            if default is ...:
                self.fail(f"{path}.{key}", "is required")
                return None
            return default
        if row[key] is None:
            self.fail(f"{path}.{key}", "must not be null")
            return None
        try:
            return parse(row[key])
        except (TypeError, ValueError) as exc:
            self.fail(f"{path}.{key}", str(exc) or "is invalid")
            return None


def _int(value: Any) -> int:
    # At most 18 digits whether it came as text or as a JSON number: ids are 64-bit columns.
    if isinstance(value, bool) or not isinstance(value, int | str) or \
            not re.fullmatch(r"-?\d+", str(value)):
        raise ValueError(f"must be an integer, got {value!r}")
    if not re.fullmatch(r"-?\d{1,18}", str(value)):
        raise ValueError(f"must be an integer of at most 18 digits, got {value!r}")
    return int(value)


def _positive_int(value: Any) -> int:
    number = _int(value)
    if number < 1:
        raise ValueError(f"must be a positive integer, got {number}")
    return number


def _text(value: Any) -> str:
    if isinstance(value, dict | list | bool):
        raise ValueError(f"must be a string, got {value!r}")
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    raise ValueError(f"must be true or false, got {value!r}")


def _money(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("must be a decimal amount")
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise ValueError(f"{exc}, got {value!r}") from exc


def _non_negative_money(value: Any) -> Decimal:
    amount = _money(value)
    if amount < 0:
        raise ValueError(f"must not be negative, got {plain(amount)}")
    return amount


def _hex24(value: Any) -> str:
    if not isinstance(value, str) or not HEX24.match(value):
        raise ValueError(f"must be 24 lowercase hex characters, got {value!r}")
    return value


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return parse_timestamp(str(value))
    except ValueError as exc:
        raise ValueError(f"must be a timestamp in YYYY-MM-DD HH:MM:SS format, got {value!r}") from exc


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return datetime.strptime(str(value), "%Y-%m-%d").date()
    except ValueError as exc:
        raise ValueError(f"must be a date in YYYY-MM-DD format, got {value!r}") from exc


def _one_of(choices: tuple) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        for choice in choices:
            if value == choice or (isinstance(choice, int) and str(value) == str(choice)):
                return choice
        raise ValueError(f"must be one of {', '.join(map(str, choices))}, got {value!r}")

    return parse


def _unique(reader: _Reader, seen: dict, value: Any, path: str, what: str) -> None:
    if value is None:
        return
    if value in seen:
        reader.fail(path, f"duplicate {what} {value!r} (also at {seen[value]})")
    else:
        seen[value] = path


def validate(document: Mapping[str, Any]) -> dict[str, Any]:
    """Check a whole fixture document; return it normalised, or raise FixtureError listing all.

    The normalised form holds typed values (Decimal, datetime) keyed like the document.
    """
    reader = _Reader()
    if not isinstance(document, Mapping):
        raise FixtureError(["fixture: the document must be an object of sections"])
    for key in document:
        if key not in SECTIONS:
            reader.fail(str(key), "unknown section (expected one of " + ", ".join(SECTIONS) + ")")
    out: dict[str, Any] = {section: [] for section in SECTIONS[1:]}
    out["now"] = None
    if document.get("now") is not None:
        try:
            out["now"] = _timestamp(document["now"])
        except ValueError as exc:
            reader.fail("now", str(exc))

    currencies: dict[str, dict] = {}
    ids: dict = {}
    codes: dict = {}
    for path, row in reader.items(document, "currencies"):
        item = {
            "id": reader.get(row, path, "id", _positive_int),
            "code": reader.get(row, path, "code", _currency_code),
            "rate": reader.get(row, path, "rate", _non_negative_money, default=Decimal(1)),
            "min_payment": reader.get(row, path, "min_payment", _non_negative_money,
                                      default=Decimal(0)),
            "active": reader.get(row, path, "active", _bool, default=True),
            "default": reader.get(row, path, "default", _bool, default=False),
            "is_crypto": reader.get(row, path, "is_crypto", _bool, nullable=True, default=None),
        }
        _unique(reader, ids, item["id"], f"{path}.id", "currency id")
        _unique(reader, codes, item["code"], f"{path}.code", "currency code")
        out["currencies"].append(item)
        if item["code"]:
            currencies[item["code"]] = item
    defaults = [c for c in out["currencies"] if c["default"]]
    if len(defaults) > 1:
        reader.fail("currencies", "more than one currency is marked default")

    def known_currency(value: Any) -> str:
        code = _text(value)
        if code not in currencies:
            raise ValueError(f"unknown currency code {code!r}")
        return code

    systems: dict[int, dict] = {}
    ids = {}
    for path, row in reader.items(document, "payment_systems"):
        item = {
            "id": reader.get(row, path, "id", _positive_int),
            "title": reader.get(row, path, "title", _text),
            "currency": reader.get(row, path, "currency", known_currency, nullable=True,
                                   default=None),
            "threshold": reader.get(row, path, "threshold", _non_negative_money, nullable=True,
                                    default=None),
            "fields": [],
        }
        _unique(reader, ids, item["id"], f"{path}.id", "payment system id")
        field_ids: dict = {}
        raw_fields = row.get("fields", [])
        if not isinstance(raw_fields, list):
            reader.fail(f"{path}.fields", "must be a list")
            raw_fields = []
        for index, field in enumerate(raw_fields):
            fpath = f"{path}.fields[{index}]"
            if not isinstance(field, dict):
                reader.fail(fpath, "must be an object")
                continue
            entry = {
                "id": reader.get(field, fpath, "id", _positive_int),
                "label": reader.get(field, fpath, "label", _text),
                "required": reader.get(field, fpath, "required", _bool, default=False),
            }
            _unique(reader, field_ids, entry["id"], f"{fpath}.id", "field id")
            item["fields"].append(entry)
        out["payment_systems"].append(item)
        if item["id"] is not None:
            systems[item["id"]] = item

    managers: dict[str, dict] = {}
    ids = {}
    keys: dict = {}
    for path, row in reader.items(document, "managers"):
        item = {
            "id": reader.get(row, path, "id", _hex24),
            "first_name": reader.get(row, path, "first_name", _text, default=""),
            "last_name": reader.get(row, path, "last_name", _text, default=""),
            "email": reader.get(row, path, "email", _text, default=""),
            "role": reader.get(row, path, "role", _one_of(MANAGER_ROLES), default="admin"),
            "api_key": reader.get(row, path, "api_key", _api_key, nullable=True, default=None),
        }
        _unique(reader, ids, item["id"], f"{path}.id", "manager id")
        _unique(reader, keys, item["api_key"], f"{path}.api_key", "api_key")
        out["managers"].append(item)
        if item["id"]:
            managers[item["id"]] = item

    affiliates: dict[int, dict] = {}
    affiliate_paths: list[tuple[str, dict]] = []
    ids = {}
    binding_ids: dict = {}
    for path, row in reader.items(document, "affiliates"):
        item = {
            "id": reader.get(row, path, "id", _positive_int),
            "name": reader.get(row, path, "name", _text, nullable=True, default=None),
            "email": reader.get(row, path, "email", _text, default=""),
            "login": reader.get(row, path, "login", _text, nullable=True, default=None),
            "status": reader.get(row, path, "status", _one_of(AFFILIATE_STATUSES),
                                 default="active"),
            "manager_id": reader.get(row, path, "manager_id", _hex24, nullable=True, default=None),
            "api_key": reader.get(row, path, "api_key", _api_key, nullable=True, default=None),
            "ref": reader.get(row, path, "ref", _positive_int, nullable=True, default=None),
            "ref_percent": reader.get(row, path, "ref_percent", _non_negative_money,
                                      nullable=True, default=None),
            "notes": reader.get(row, path, "notes", _text, default=""),
            "country": reader.get(row, path, "country", _text, nullable=True, default=None),
            "contact_person": reader.get(row, path, "contact_person", _text, nullable=True,
                                         default=None),
            "created_at": reader.get(row, path, "created_at", _timestamp, nullable=True,
                                     default=None),
            "updated_at": reader.get(row, path, "updated_at", _timestamp, nullable=True,
                                     default=None),
            "payment_systems": [],
        }
        _unique(reader, ids, item["id"], f"{path}.id", "affiliate id")
        _unique(reader, keys, item["api_key"], f"{path}.api_key", "api_key")
        if item["manager_id"] and item["manager_id"] not in managers:
            reader.fail(f"{path}.manager_id", f"unknown manager {item['manager_id']!r}")
        raw_bindings = row.get("payment_systems", [])
        if not isinstance(raw_bindings, list):
            reader.fail(f"{path}.payment_systems", "must be a list")
            raw_bindings = []
        for index, binding in enumerate(raw_bindings):
            bpath = f"{path}.payment_systems[{index}]"
            if not isinstance(binding, dict):
                reader.fail(bpath, "must be an object")
                continue
            entry = {
                "id": reader.get(binding, bpath, "id", _positive_int, nullable=True, default=None),
                "system_id": reader.get(binding, bpath, "system_id", _positive_int),
                "currency": reader.get(binding, bpath, "currency", known_currency),
                "active": reader.get(binding, bpath, "active", _one_of((0, 1)), default=1),
                "fields": {},
            }
            _unique(reader, binding_ids, entry["id"], f"{bpath}.id", "payment system binding id")
            system = systems.get(entry["system_id"])
            if entry["system_id"] is not None and system is None:
                reader.fail(f"{bpath}.system_id", f"unknown payment system {entry['system_id']}")
            elif system and system["currency"] and entry["currency"] and \
                    system["currency"] != entry["currency"]:
                reader.fail(f"{bpath}.currency",
                            f"payment system {system['id']} accepts only {system['currency']}")
            entry["fields"] = _binding_fields(reader, binding.get("fields", {}), system,
                                              f"{bpath}.fields")
            item["payment_systems"].append(entry)
        out["affiliates"].append(item)
        affiliate_paths.append((path, item))
        if item["id"] is not None:
            affiliates[item["id"]] = item
    for path, item in affiliate_paths:
        if item["ref"] is not None and item["ref"] not in affiliates:
            reader.fail(f"{path}.ref", f"unknown affiliate {item['ref']}")
        elif item["ref"] is not None and item["ref"] == item["id"]:
            reader.fail(f"{path}.ref", "an affiliate cannot refer itself")

    offers: dict[int, dict] = {}
    ids = {}
    for path, row in reader.items(document, "offers"):
        item = {
            "id": reader.get(row, path, "id", _positive_int),
            "title": reader.get(row, path, "title", _text, default=""),
            "advertiser_id": reader.get(row, path, "advertiser_id", _hex24, nullable=True,
                                        default=None),
        }
        _unique(reader, ids, item["id"], f"{path}.id", "offer id")
        out["offers"].append(item)
        if item["id"] is not None:
            offers[item["id"]] = item

    conversions: dict[str, tuple[str, dict]] = {}
    ids = {}
    for path, row in reader.items(document, "conversions"):
        item = {
            "id": reader.get(row, path, "id", _hex24),
            "affiliate_id": reader.get(row, path, "affiliate_id", _positive_int),
            "offer_id": reader.get(row, path, "offer_id", _positive_int),
            "status": reader.get(row, path, "status", _one_of(CONVERSION_STATUSES)),
            "payouts": reader.get(row, path, "payouts", _non_negative_money),
            "currency": reader.get(row, path, "currency", known_currency),
            "country": reader.get(row, path, "country", _text, default=""),
            "goal": reader.get(row, path, "goal", _text, default="1"),
            "created_at": reader.get(row, path, "created_at", _timestamp),
            "updated_at": reader.get(row, path, "updated_at", _timestamp, nullable=True,
                                     default=None),
            "hold_until": reader.get(row, path, "hold_until", _timestamp, nullable=True,
                                     default=None),
        }
        _unique(reader, ids, item["id"], f"{path}.id", "conversion id")
        if item["affiliate_id"] is not None and item["affiliate_id"] not in affiliates:
            reader.fail(f"{path}.affiliate_id", f"unknown affiliate {item['affiliate_id']}")
        if item["offer_id"] is not None and item["offer_id"] not in offers:
            reader.fail(f"{path}.offer_id", f"unknown offer {item['offer_id']}")
        out["conversions"].append(item)
        if item["id"]:
            conversions[item["id"]] = (path, item)

    payments: dict[int, dict] = {}
    payment_paths: list[tuple[str, dict]] = []
    ids = {}
    billed: dict[str, str] = {}
    for path, row in reader.items(document, "payments"):
        item = {
            "id": reader.get(row, path, "id", _positive_int),
            "pid": reader.get(row, path, "pid", _positive_int),
            "currency": reader.get(row, path, "currency", known_currency),
            "status": reader.get(row, path, "status", _one_of(PAYMENT_STATUSES), default=1),
            "posted_date": reader.get(row, path, "posted_date", _timestamp),
            "updated_at": reader.get(row, path, "updated_at", _timestamp, nullable=True,
                                     default=None),
            "pay_sys": reader.get(row, path, "pay_sys", _positive_int, nullable=True, default=None),
            "pay_sys_name": reader.get(row, path, "pay_sys_name", _text, nullable=True,
                                       default=None),
            "pay_acc": reader.get(row, path, "pay_acc", _text, default=""),
            "comment": reader.get(row, path, "comment", _text, default=""),
            "notes": reader.get(row, path, "notes", _text, default=""),
            # Absent: the affiliate's manager at seeding time; null: no manager.
            "manager_id": reader.get(row, path, "manager_id", _hex24, nullable=True)
            if "manager_id" in row else INHERIT,
            "period_to": reader.get(row, path, "period_to", _day, nullable=True, default=None),
            "cpa_actions": [],
        }
        _unique(reader, ids, item["id"], f"{path}.id", "payment id")
        affiliate = affiliates.get(item["pid"]) if item["pid"] is not None else None
        if item["pid"] is not None and affiliate is None:
            reader.fail(f"{path}.pid", f"unknown affiliate {item['pid']}")
        if item["pay_sys"] is not None and item["pay_sys"] not in systems:
            reader.fail(f"{path}.pay_sys", f"unknown payment system {item['pay_sys']}")
        if isinstance(item["manager_id"], str) and item["manager_id"] not in managers:
            reader.fail(f"{path}.manager_id", f"unknown manager {item['manager_id']!r}")
        actions = row.get("cpa_actions", [])
        if not isinstance(actions, list):
            reader.fail(f"{path}.cpa_actions", "must be a list")
            actions = []
        for index, conversion_id in enumerate(actions):
            cpath = f"{path}.cpa_actions[{index}]"
            found = conversions.get(conversion_id) if isinstance(conversion_id, str) else None
            if found is None:
                reader.fail(cpath, f"unknown conversion {conversion_id!r}")
                continue
            conversion = found[1]
            if conversion_id in billed:
                reader.fail(cpath, f"conversion {conversion_id} is already in {billed[conversion_id]}")
                continue
            billed[conversion_id] = path
            # A field the conversion itself got wrong is reported there, not again here.
            # Billed means approved then: status 1, or a hold already past its hold_until.
            if conversion["status"] is not None and not effectively_approved(
                    conversion["status"], conversion["hold_until"], out["now"] or host_now()):
                reader.fail(cpath, f"conversion {conversion_id} is not approved (status 1, or "
                                   "a hold past its hold_until)")
            if item["pid"] is not None and conversion["affiliate_id"] is not None and \
                    conversion["affiliate_id"] != item["pid"]:
                reader.fail(cpath, f"conversion {conversion_id} belongs to affiliate "
                                   f"{conversion['affiliate_id']}, not {item['pid']}")
            if item["currency"] and conversion["currency"] and \
                    conversion["currency"] != item["currency"]:
                reader.fail(cpath, f"conversion {conversion_id} is in {conversion['currency']}, "
                                   f"not {item['currency']}")
            item["cpa_actions"].append(conversion_id)
        out["payments"].append(item)
        payment_paths.append((path, item))
        if item["id"] is not None:
            payments[item["id"]] = item

    ids = {}
    for path, row in reader.items(document, "corrections"):
        item = {
            "id": reader.get(row, path, "id", _positive_int),
            "payment_id": reader.get(row, path, "payment_id", _positive_int),
            "revenue": reader.get(row, path, "revenue", _money),
            "comment": reader.get(row, path, "comment", _text, default=""),
            "posted_date": reader.get(row, path, "posted_date", _timestamp),
        }
        _unique(reader, ids, item["id"], f"{path}.id", "correction id")
        if item["payment_id"] is not None and item["payment_id"] not in payments:
            reader.fail(f"{path}.payment_id", f"unknown payment {item['payment_id']}")
        if item["revenue"] is not None and item["revenue"] == 0:
            reader.fail(f"{path}.revenue", "must not be zero")
        out["corrections"].append(item)

    # An invoice's revenue is derived (conversions + corrections) and may never be negative.
    for path, payment in payment_paths:
        total = invoice_revenue(
            (conversions[c][1]["payouts"] or Decimal(0) for c in payment["cpa_actions"]),
            (c["revenue"] or Decimal(0) for c in out["corrections"]
             if c["payment_id"] == payment["id"]))
        if not revenue_allowed(total):
            reader.fail(path, f"revenue would be negative ({plain(total)})")
    if reader.problems:
        raise FixtureError(reader.problems)
    return out


def _currency_code(value: Any) -> str:
    if not isinstance(value, str) or not CURRENCY_CODE.match(value):
        raise ValueError(f"must be an upper-case currency code like USD, got {value!r}")
    return value


def _api_key(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_\-]{8,128}", value):
        raise ValueError("must be 8 to 128 letters, digits, '-' or '_'")
    return value


def _binding_fields(reader: _Reader, raw: Any, system: dict | None, path: str) -> dict[str, str]:
    if isinstance(raw, list):  # [] is PHP's empty object
        raw = dict(enumerate(raw)) if raw else {}
    if not isinstance(raw, dict):
        reader.fail(path, "must be an object of field id to value")
        return {}
    values = {str(k): v for k, v in raw.items()}
    result: dict[str, str] = {}
    for field_id, value in values.items():
        if system is not None and field_id not in {str(f["id"]) for f in system["fields"]}:
            reader.fail(f"{path}.{field_id}", f"payment system {system['id']} has no field {field_id}")
            continue
        if isinstance(value, dict | list | bool) or value is None:
            reader.fail(f"{path}.{field_id}", "must be a string")
            continue
        result[field_id] = str(value)
    if system is not None:
        for field in system["fields"]:
            if field["required"] and not result.get(str(field["id"])):
                reader.fail(f"{path}.{field['id']}",
                            f"is required by payment system {system['id']} ({field['label']})")
    return result


# ----------------------------------------------------------------------------- seeding


def fresh_hex_id() -> str:
    """Return a new Mongo-style 24-hex id."""
    return secrets.token_hex(12)


def seed_tenant(session: Session, tenant: Tenant, document: Mapping[str, Any],
                replace_taken_keys: bool = True) -> dict[str, Any]:
    """Validate document and load it into tenant (which must be empty); return its API keys.

    Keys that are missing, or taken by another tenant, get fresh random values. A tenant
    without an admin manager gets one, so there is always an admin key.
    """
    data = validate(document)
    now = data["now"]
    host = host_now()
    tenant.clock_frozen = now is not None
    tenant.clock_base = now or host
    tenant.clock_anchor = host
    seeded_at = now or host

    wanted = [m["api_key"] for m in data["managers"] if m["api_key"]]
    wanted += [a["api_key"] for a in data["affiliates"] if a["api_key"]]
    taken = taken_keys(session, wanted) if replace_taken_keys else set()
    for row in data["managers"] + data["affiliates"]:
        if not row["api_key"] or row["api_key"] in taken:
            row["api_key"] = fresh_key()
    if not any(m["role"] == "admin" for m in data["managers"]):
        data["managers"].insert(0, {"id": fresh_hex_id(), "first_name": "Mock", "last_name": "Admin",
                                    "email": "admin@mock-affise.local", "role": "admin",
                                    "api_key": fresh_key()})

    tid = tenant.id
    currencies = {c["code"]: c for c in data["currencies"]}
    systems = {s["id"]: s for s in data["payment_systems"]}
    affiliates = {a["id"]: a for a in data["affiliates"]}
    _insert(session, Currency, [
        {"tenant_id": tid, "id": c["id"], "code": c["code"], "rate": c["rate"], "active": c["active"],
         "is_default": c["default"], "min_payment": c["min_payment"], "is_crypto": c["is_crypto"]}
        for c in data["currencies"]])
    _insert(session, PaymentSystem, [
        {"tenant_id": tid, "id": s["id"], "title": s["title"], "currency": s["currency"],
         "threshold": s["threshold"], "fields": s["fields"]} for s in data["payment_systems"]])
    _insert(session, Manager, [{"tenant_id": tid, **m} for m in data["managers"]])
    next_binding = 1 + max([b["id"] or 0 for a in data["affiliates"] for b in a["payment_systems"]],
                           default=0)
    bindings = []
    for affiliate in data["affiliates"]:
        for binding in affiliate["payment_systems"]:
            if binding["id"] is None:
                binding["id"] = next_binding
                next_binding += 1
            bindings.append({"tenant_id": tid, "affiliate_id": affiliate["id"], **binding})
    _insert(session, Affiliate, [
        {"tenant_id": tid, **{k: v for k, v in a.items() if k != "payment_systems"},
         "created_at": a["created_at"] or seeded_at, "updated_at": a["updated_at"] or a["created_at"]
         or seeded_at} for a in data["affiliates"]])
    _insert(session, AffiliatePaymentSystem, bindings)
    _insert(session, Offer, [{"tenant_id": tid, **o} for o in data["offers"]])
    invoice_of = {c: p["id"] for p in data["payments"] for c in p["cpa_actions"]}
    _insert(session, Conversion, [
        {"tenant_id": tid, **c, "updated_at": c["updated_at"] or c["created_at"],
         "payment_id": invoice_of.get(c["id"])} for c in data["conversions"]])
    payment_rows = []
    for p in data["payments"]:
        affiliate = affiliates[p["pid"]]
        system = systems.get(p["pay_sys"]) if p["pay_sys"] else None
        payment_rows.append({
            "tenant_id": tid, "id": p["id"], "pid": p["pid"],
            "manager_id": affiliate["manager_id"] if p["manager_id"] is INHERIT else p["manager_id"],
            "currency_id": currencies[p["currency"]]["id"], "status": p["status"],
            "posted_date": p["posted_date"], "updated_at": p["updated_at"] or p["posted_date"],
            "pay_sys": p["pay_sys"],
            "pay_sys_name": p["pay_sys_name"] if p["pay_sys_name"] is not None
            else (system["title"] if system else ""),
            "pay_acc": p["pay_acc"], "comment": p["comment"], "notes": p["notes"],
            "period_end": _day_after(p["period_to"] or p["posted_date"].date()),
        })
    _insert(session, Payment, payment_rows)
    _insert(session, Correction, [{"tenant_id": tid, **c} for c in data["corrections"]])
    tenant.next_payment_id = 1 + max([p["id"] for p in data["payments"]], default=0)
    tenant.next_correction_id = 1 + max([c["id"] for c in data["corrections"]], default=0)
    tenant.next_affiliate_id = 1 + max([a["id"] for a in data["affiliates"]], default=0)
    tenant.next_binding_id = next_binding
    session.flush()
    return {
        "tenant": tid,
        "api_keys": {
            "admin": next(m["api_key"] for m in data["managers"] if m["role"] == "admin"),
            "managers": {m["id"]: m["api_key"] for m in data["managers"]},
            "affiliates": {str(a["id"]): a["api_key"] for a in data["affiliates"]},
        },
    }


def _day_after(day: date) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(days=1)


def _day_before(moment: datetime | None) -> str | None:
    return None if moment is None else (moment - timedelta(days=1)).date().isoformat()


def _insert(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model), rows)


def clear_tenant(session: Session, tenant_id: int) -> None:
    """Delete every row a tenant holds (the tenant row itself stays)."""
    for model in TENANT_TABLES:
        session.execute(delete(model).where(model.tenant_id == tenant_id))


def create_tenant(session: Session, document: Mapping[str, Any]) -> dict[str, Any]:
    """Make a new tenant seeded from document; return its id and API keys."""
    validate(document)  # fail before the tenant row exists
    host = host_now()
    tenant = Tenant(clock_frozen=False, clock_base=host, clock_anchor=host, settings={})
    session.add(tenant)
    session.flush()
    return seed_tenant(session, tenant, document)


# ----------------------------------------------------------------------------- export


def export_tenant(session: Session, tenant: Tenant) -> dict[str, Any]:
    """Return the tenant's whole state as a fixture document (loads back to the same export)."""
    tid = tenant.id

    def rows(model: type, *order: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.tenant_id == tid).order_by(*order)))

    currencies = rows(Currency, Currency.id)
    code_of = {c.id: c.code for c in currencies}
    bindings: dict[int, list[dict]] = {}
    for b in rows(AffiliatePaymentSystem, AffiliatePaymentSystem.id):
        bindings.setdefault(b.affiliate_id, []).append(
            {"id": b.id, "system_id": b.system_id, "currency": b.currency, "active": b.active,
             "fields": dict(b.fields)})
    actions: dict[int, list[str]] = {}
    for payment_id, conversion_id in session.execute(
        select(Conversion.payment_id, Conversion.id)
        .where(Conversion.tenant_id == tid, Conversion.payment_id.is_not(None))
        .order_by(Conversion.created_at, Conversion.id)
    ):
        actions.setdefault(payment_id, []).append(conversion_id)
    document: dict[str, Any] = {}
    if tenant.clock_frozen:
        document["now"] = format_timestamp(tenant.clock_base)
    document["currencies"] = [
        {"id": c.id, "code": c.code, "rate": plain(c.rate), "min_payment": plain(c.min_payment),
         "active": c.active, "default": c.is_default, "is_crypto": c.is_crypto} for c in currencies]
    document["payment_systems"] = [
        {"id": s.id, "title": s.title, "currency": s.currency,
         "threshold": None if s.threshold is None else plain(s.threshold), "fields": s.fields}
        for s in rows(PaymentSystem, PaymentSystem.id)]
    document["managers"] = [
        {"id": m.id, "first_name": m.first_name, "last_name": m.last_name, "email": m.email,
         "role": m.role, "api_key": m.api_key} for m in rows(Manager, Manager.id)]
    document["affiliates"] = [
        {"id": a.id, "name": a.name, "email": a.email, "login": a.login, "status": a.status,
         "manager_id": a.manager_id, "api_key": a.api_key, "ref": a.ref,
         "ref_percent": None if a.ref_percent is None else plain(a.ref_percent),
         "notes": a.notes, "country": a.country, "contact_person": a.contact_person,
         "created_at": format_timestamp(a.created_at), "updated_at": format_timestamp(a.updated_at),
         "payment_systems": bindings.get(a.id, [])} for a in rows(Affiliate, Affiliate.id)]
    document["offers"] = [{"id": o.id, "title": o.title, "advertiser_id": o.advertiser_id}
                          for o in rows(Offer, Offer.id)]
    document["conversions"] = [
        {"id": c.id, "affiliate_id": c.affiliate_id, "offer_id": c.offer_id, "status": c.status,
         "payouts": plain(c.payouts), "currency": c.currency, "country": c.country, "goal": c.goal,
         "created_at": format_timestamp(c.created_at), "updated_at": format_timestamp(c.updated_at),
         "hold_until": format_timestamp(c.hold_until)}
        for c in rows(Conversion, Conversion.created_at, Conversion.id)]
    document["payments"] = [
        {"id": p.id, "pid": p.pid, "currency": code_of.get(p.currency_id), "status": p.status,
         "posted_date": format_timestamp(p.posted_date), "updated_at": format_timestamp(p.updated_at),
         "pay_sys": p.pay_sys, "pay_sys_name": p.pay_sys_name, "pay_acc": p.pay_acc,
         "comment": p.comment, "notes": p.notes, "manager_id": p.manager_id,
         "period_to": _day_before(p.period_end),
         "cpa_actions": actions.get(p.id, [])} for p in rows(Payment, Payment.id)]
    document["corrections"] = [
        {"id": c.id, "payment_id": c.payment_id, "revenue": plain(c.revenue), "comment": c.comment,
         "posted_date": format_timestamp(c.posted_date)} for c in rows(Correction, Correction.id)]
    return document


# ----------------------------------------------------------------------------- start-up


def prepare_database(db: Database, settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """Create the schema; seed the first tenant unless the database already holds one.

    Return the seeded tenant's id and keys, or None when an existing tenant was reused.
    """
    db.create_schema()
    if not settings.get("SEED", True):
        return None
    with db.transaction(write=True) as session:
        db.serialise_setup(session)  # two processes starting at once seed one tenant
        if session.scalar(select(func.count()).select_from(Tenant)):
            return None
        from .harness.tenants import new_tenant

        path = settings.get("FIXTURES") or default_fixture_path()
        return new_tenant(session, read_document(path))


def first_tenant_keys(db: Database) -> dict[str, Any] | None:
    """Return the id and admin key of the oldest tenant, for the serve banner."""
    with db.transaction() as session:
        tenant_id = session.scalar(select(func.min(Tenant.id)))
        if tenant_id is None:
            return None
        key = session.scalar(select(Manager.api_key).where(
            Manager.tenant_id == tenant_id, Manager.role == "admin").order_by(Manager.id).limit(1))
        return {"tenant": tenant_id, "admin": key}


__all__ = [
    "FixtureError",
    "clear_tenant",
    "create_tenant",
    "eight",
    "export_tenant",
    "format_pay_acc",
    "prepare_database",
    "read_document",
    "seed_tenant",
    "validate",
]
