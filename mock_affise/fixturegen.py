"""Generate large, realistic fixture documents: the same arguments give the same bytes.

Everything random is drawn from one random.Random(seed), in a fixed order, so a benchmark's
data is the same on every run and every machine. The generator is built for size: choices are
drawn in bulk, money is integer cents formatted once, and the document is serialised in one call.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from .billing.rules import CONVERSION_STATUSES, PARTNER_STATUSES, choose_bindings, format_pay_acc
from .fixturegen_advertisers import advertiser_sections

NOW = datetime(2024, 6, 15, 12, 0, 0)
HISTORY_SECONDS = 182 * 86400  # conversions fall in the six months before now
CONVERSION_PREFIX = 0x66  # conversion ids read 66000000000000000000002a
MANAGER_PREFIX = 0x5F
ADVERTISER_PREFIX = 0x62
FIRST_INVOICE_ID = 1001
STATUS_WEIGHTS = (70, 15, 8, 7)  # of CONVERSION_STATUSES: approved, pending, declined, hold
INVOICE_STATUSES = (2, 1, 3, 4, -1)  # completed first: most seeded history is paid


@dataclass(frozen=True)
class CurrencySpec:
    """A currency the generator can use: Affise id, rate to USD, minimum payment."""

    code: str
    id: int
    rate: str
    min_payment: str
    popularity: int  # weight as an affiliate's main currency


# USD is the default; --currencies K takes the first K. Ids follow fixtures/default.json.
CURRENCIES = (
    CurrencySpec("USD", 2, "1", "20", 50),
    CurrencySpec("EUR", 3, "0.92", "50", 22),
    CurrencySpec("RUB", 1, "90.5", "1000", 12),
    CurrencySpec("GBP", 4, "0.79", "0", 8),
    CurrencySpec("INR", 5, "83.3", "1500", 3),
    CurrencySpec("BRL", 6, "5.1", "100", 2),
    CurrencySpec("PLN", 7, "3.95", "80", 2),
    CurrencySpec("KZT", 8, "447", "9000", 1),
)

COUNTRIES = ("US", "GB", "DE", "FR", "IN", "BR", "RU", "CA", "AU", "ES", "IT", "PL", "NL", "MX",
             "TR", "UA", "KZ", "JP", "ID", "PH")
COUNTRY_WEIGHTS = (24, 10, 9, 6, 8, 6, 7, 4, 3, 3, 3, 3, 2, 3, 2, 2, 1, 2, 1, 1)


def _digits(prefix: str, count: int) -> Callable[[random.Random, str], str]:
    return lambda rng, login: prefix + "".join(rng.choices("0123456789", k=count))


def _letters(count: int, suffix: str = "") -> Callable[[random.Random, str], str]:
    return lambda rng, login: "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=count)) + suffix


def _email(domain: str) -> Callable[[random.Random, str], str]:
    return lambda rng, login: f"{login}@{domain}"


def _wallet(rng: random.Random, login: str) -> str:
    return "T" + "".join(rng.choices("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
                                     k=33))


def _bank(rng: random.Random, login: str) -> str:
    return rng.choice(("Commerzbank", "Barclays", "ING", "Santander", "BNP Paribas", "Citibank"))


# (title, fixed currency, threshold, fields as (label, required, value maker)). A system whose
# currency is not generated is left out, so the catalogue shrinks with --currencies.
SYSTEMS: tuple[tuple[str, str | None, str | None, tuple], ...] = (
    ("Webmoney", None, None, (("WMZ", True, _digits("Z", 12)),)),
    ("Wire transfer", None, "100", (("IBAN/Account Number", True, _digits("DE", 20)),
                                    ("Swift/BIC-Code", True, _letters(8, "XXX")),
                                    ("Bank name", False, _bank))),
    ("PayPal", "USD", "10", (("Email", True, _email("pay.example")),)),
    ("Payoneer", "EUR", None, (("Payee ID", True, _digits("PY-", 6)),)),
    ("Capitalist", None, "50", (("Account", True, _digits("U", 9)),
                                ("Comment", False, _email("capitalist.example")))),
    ("Qiwi", "RUB", "500", (("Phone", True, _digits("+7", 10)),)),
    ("USDT (TRC20)", None, None, (("Wallet", True, _wallet), ("Memo", False, _digits("", 6)))),
    ("Paxum", "USD", None, (("Email", True, _email("paxum.example")),)),
)

FIRST_NAMES = ("Ann", "Bob", "Carla", "Dmitry", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jon")
LAST_NAMES = ("Lee", "Stone", "Novak", "Ivanova", "Kaya", "Haddad", "Moss", "Brandt", "Silva")
NAME_WORDS = ("Acme", "Blue", "Cobalt", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Indigo",
              "Juniper", "Kite", "Lumen", "Maple", "Nova", "Orbit", "Pixel", "Quartz", "Rocket")
NAME_KINDS = ("Media", "Leads", "Traffic", "Ads", "Digital", "Network", "Partners", "Reach")
VERTICALS = ("Crypto Wallet", "VPN", "Dating", "Casino", "Sportsbook", "Nutra", "Antivirus",
             "E-commerce", "Fintech", "Mobile Game", "Sweepstakes", "Streaming")
FLOWS = ("Install", "Sign-up", "First Deposit", "Trial", "Sale CPS", "Lead", "Subscription")
AFFILIATE_STATUS_WEIGHTS = (90, 5, 3, 2)
ACTIVITY = {"active": 1.0, "banned": 0.5, "on moderation": 0.02, "not active": 0.1}


@dataclass
class _Profile:
    """How one affiliate behaves: which currencies and offers its conversions come in."""

    main: str
    secondary: str
    offers: list[int]
    activity: float  # relative share of the network's conversions
    bindings: list[dict[str, Any]] = field(default_factory=list)


def generate_fixture(affiliates: int, conversions: int, seed: int, currencies: int = 3,
                     invoices: int = 0, now: datetime = NOW) -> dict[str, Any]:
    """Return a valid fixture document of that size, the same one for the same arguments."""
    if affiliates < 1:
        raise ValueError("affiliates must be at least 1")
    if conversions < 0 or invoices < 0:
        raise ValueError("conversions and invoices must not be negative")
    if not 1 <= currencies <= len(CURRENCIES):
        raise ValueError(f"currencies must be from 1 to {len(CURRENCIES)}")
    now = now.replace(microsecond=0)
    rng = random.Random(seed)
    chosen = CURRENCIES[:currencies]
    document: dict[str, Any] = {"now": format_timestamp(now)}
    document["currencies"] = sorted(
        ({"id": c.id, "code": c.code, "rate": c.rate, "min_payment": c.min_payment,
          "active": True, "default": c.code == "USD"} for c in chosen), key=lambda c: c["id"])
    document["payment_systems"] = _payment_systems({c.code for c in chosen})
    document["managers"] = _managers(rng, affiliates)
    document["offers"] = _offers(rng, affiliates)
    document["affiliates"], profiles = _affiliates(rng, affiliates, chosen, document, now)
    document["conversions"], approved = _conversions(rng, conversions, profiles, chosen,
                                                     document["offers"], now, invoices > 0)
    if invoices:
        document["payments"], document["corrections"] = _invoices(
            rng, invoices, approved, profiles, document["payment_systems"], now)
    document["advertisers"], document["advertiser_invoices"] = advertiser_sections(
        seed, document["offers"], [c.code for c in chosen], now)
    return document


def dump_fixture(document: dict[str, Any]) -> bytes:
    """Serialise a document as JSON indented by 2, ending in a newline."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


# ----------------------------------------------------------------------------- reference data


def format_timestamp(moment: datetime) -> str:
    """Render a timestamp as fixtures write it: YYYY-MM-DD HH:MM:SS."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _hex_id(prefix: int, number: int) -> str:
    return f"{prefix:02x}{number:022x}"


def _api_key(rng: random.Random, taken: set[str]) -> str:
    while True:
        key = f"{rng.getrandbits(128):032x}"
        if key not in taken:
            taken.add(key)
            return key


def _payment_systems(codes: set[str]) -> list[dict[str, Any]]:
    systems, field_id = [], 0
    for title, currency, threshold, fields in SYSTEMS:
        if currency is not None and currency not in codes:
            continue
        entries = []
        for label, required, _ in fields:
            field_id += 1
            entries.append({"id": field_id, "label": label, "required": required})
        systems.append({"id": len(systems) + 1, "title": title, "currency": currency,
                        "threshold": threshold, "fields": entries})
    return systems


def _managers(rng: random.Random, affiliates: int) -> list[dict[str, Any]]:
    managers = []
    keys: set[str] = set()
    for number in range(1, 2 + min(10, 1 + affiliates // 100)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        managers.append({"id": _hex_id(MANAGER_PREFIX, number), "first_name": first,
                         "last_name": last, "email": f"{first.lower()}.{number}@example.com",
                         "role": "admin" if number == 1 else "affiliate_manager",
                         "api_key": _api_key(rng, keys)})
    return managers


def _offers(rng: random.Random, affiliates: int) -> list[dict[str, Any]]:
    count = min(500, 3 + affiliates // 4)
    advertisers = [_hex_id(ADVERTISER_PREFIX, n) for n in range(1, 2 + count // 8)]
    return [{"id": n, "title": f"{rng.choice(VERTICALS)} {rng.choice(FLOWS)}",
             "advertiser_id": rng.choice(advertisers)} for n in range(1, count + 1)]


def _affiliates(rng: random.Random, count: int, chosen: Sequence[CurrencySpec],
                document: dict[str, Any],
                now: datetime) -> tuple[list[dict[str, Any]], list[_Profile]]:
    """Return the affiliates (bindings, managers, a few referral pairs) and their profiles."""
    codes = [c.code for c in chosen]
    popularity = [c.popularity for c in chosen]
    managers = [m["id"] for m in document["managers"]]
    offer_ids = [o["id"] for o in document["offers"]]
    offer_weights = [rng.paretovariate(1.5) for _ in offer_ids]  # a few offers carry most
    statuses = rng.choices(PARTNER_STATUSES, weights=AFFILIATE_STATUS_WEIGHTS, k=count)
    keys = {m["api_key"] for m in document["managers"]}
    systems = document["payment_systems"]
    rows, profiles = [], []
    binding_id = 0
    for index in range(count):
        affiliate_id = index + 1
        main = rng.choices(codes, weights=popularity)[0]
        others = [c for c in codes if c != main]
        secondary = rng.choices(others, weights=[popularity[codes.index(c)] for c in others])[0] \
            if others else main
        # Traffic is Pareto-skewed: a few affiliates bring most conversions. Banned ones had
        # theirs before the ban; those not yet approved bring hardly any.
        activity = rng.paretovariate(1.16) * ACTIVITY[statuses[index]]
        profile = _Profile(main, secondary, rng.choices(offer_ids, weights=offer_weights,
                                                        k=rng.randint(1, 6)), activity)
        name = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_KINDS)}"
        login = f"{name.split()[0].lower()}{affiliate_id}"
        # None (10%), one binding for the main currency (60%), or several (30%): the main and
        # secondary currencies, sometimes with an older, inactive binding beside the main one.
        kind = rng.random()
        wanted: list[tuple[str, int]] = []
        if kind >= 0.10:
            wanted.append((main, 1))
        if kind >= 0.70:
            if secondary != main:
                wanted.append((secondary, 1))
            if rng.random() < 0.3 or secondary == main:
                wanted.insert(0, (main, 0))
        for currency, active in wanted:
            system = rng.choice([s for s in systems if s["currency"] in (None, currency)])
            binding_id += 1
            profile.bindings.append({
                "id": binding_id, "system_id": system["id"], "currency": currency,
                "active": active, "fields": _field_values(rng, system, login)})
        rows.append({
            "id": affiliate_id, "name": name, "email": f"{login}@example.com", "login": login,
            "status": statuses[index],
            "manager_id": rng.choice(managers) if rng.random() < 0.65 else None,
            "api_key": _api_key(rng, keys), "ref": None, "ref_percent": None,
            "country": rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0],
            "created_at": format_timestamp(now - timedelta(seconds=rng.randint(
                HISTORY_SECONDS + 86400, 3 * HISTORY_SECONDS))),
            "payment_systems": profile.bindings,
        })
        profiles.append(profile)
    pairs = min(count // 2, max(1, count // 50)) if count >= 2 else 0
    people = rng.sample(range(count), 2 * pairs)
    for referrer, referred in zip(people[::2], people[1::2], strict=True):
        rows[referred]["ref"] = rows[referrer]["id"]
        rows[referred]["ref_percent"] = rng.choice(("3", "5", "10"))
    return rows, profiles


def _field_values(rng: random.Random, system: dict[str, Any], login: str) -> dict[str, str]:
    makers = {label: make for title, _, _, fields in SYSTEMS if title == system["title"]
              for label, _, make in fields}
    return {str(f["id"]): makers[f["label"]](rng, login) for f in system["fields"]
            if f["required"] or rng.random() < 0.5}


# ----------------------------------------------------------------------------- conversions


def _cents(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


def _conversions(rng: random.Random, count: int, profiles: list[_Profile],
                 chosen: Sequence[CurrencySpec], offers: list[dict[str, Any]], now: datetime,
                 keep_approved: bool) -> tuple[list[dict[str, Any]], dict[tuple, list]]:
    """Return the conversions, oldest first, and (when asked) approved ones by invoice key.

    The key is (affiliate index, currency, month); the value lists (id, cents, created_at).
    """
    codes = [c.code for c in chosen]
    rates = {c.code: float(c.rate) for c in chosen}
    # A CPA offer pays the same amount every time (in each currency); a CPS offer pays a share
    # of a sale, so its payout varies. Both skewed: many small payouts, a long tail of big ones.
    fixed: dict[int, dict[str, str] | None] = {}
    for offer in offers:
        if rng.random() < 0.7:
            usd = min(30000, max(50, int(rng.lognormvariate(6.7, 0.9))))
            fixed[offer["id"]] = {code: _cents(max(1, round(usd * rates[code]))) for code in codes}
        else:
            fixed[offer["id"]] = None
    owners = rng.choices(range(len(profiles)), weights=[p.activity for p in profiles], k=count)
    statuses = rng.choices(CONVERSION_STATUSES, weights=STATUS_WEIGHTS, k=count)
    countries = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS, k=count)
    goals = rng.choices(("1", "2"), weights=(92, 8), k=count)
    # Oldest first, so the document reads like export's order; later months a little busier.
    ages = sorted((1 + int(HISTORY_SECONDS * rng.random() ** 1.2) for _ in range(count)),
                  reverse=True)
    random_ = rng.random
    lognorm = rng.lognormvariate
    ncodes = len(codes)
    month_now = format_timestamp(now)[:7]
    approved: dict[tuple, list] = {}
    rows = []
    for number in range(count):
        owner = owners[number]
        profile = profiles[owner]
        roll = random_()
        currency = profile.main if roll < 0.85 else profile.secondary if roll < 0.97 \
            else codes[int(random_() * ncodes)]
        offer = profile.offers[int(random_() * len(profile.offers))]
        amounts = fixed[offer]
        if amounts is None:
            payouts = _cents(max(1, round(min(50000.0, lognorm(7.0, 1.1)) * rates[currency])))
        else:
            payouts = amounts[currency]
        age = ages[number]
        created = now - timedelta(seconds=age)
        status = statuses[number]
        hold_until = None
        if status == 5:
            # Half the holds have expired (they count as approved now), half have not.
            if random_() < 0.5:
                hold_until = str(now - timedelta(seconds=1 + int((age - 1) * random_())))
            else:
                hold_until = str(now + timedelta(seconds=3600 + int(45 * 86400 * random_())))
        conversion_id = _hex_id(CONVERSION_PREFIX, number + 1)
        created_at = str(created)
        rows.append({"id": conversion_id, "affiliate_id": owner + 1, "offer_id": offer,
                     "status": status, "payouts": payouts, "currency": currency,
                     "country": countries[number], "goal": goals[number],
                     "created_at": created_at, "hold_until": hold_until})
        if keep_approved and status == 1 and created_at[:7] < month_now:
            approved.setdefault((owner, currency, created_at[:7]), []).append(
                (conversion_id, payouts))
    return rows, approved


# ----------------------------------------------------------------------------- invoices


def _invoices(rng: random.Random, count: int, approved: dict[tuple, list],
              profiles: list[_Profile], systems: list[dict[str, Any]],
              now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Bill up to count (affiliate, currency, month) groups, cycling through every status.

    Each invoice takes all the affiliate's approved conversions in that currency and month
    (whole closed months only), paid through the binding generation would pick.
    """

    by_id = {s["id"]: s for s in systems}
    candidates = []
    for key in approved:  # insertion order is the conversions' order: deterministic
        owner, currency, _ = key
        binding = _billing_binding(profiles[owner].bindings, currency)
        if binding is not None:
            candidates.append((key, binding))
    picked = rng.sample(candidates, min(count, len(candidates)))
    picked.sort(key=lambda item: (item[0][2], item[0][0], item[0][1]))
    payments, corrections = [], []
    for number, ((owner, currency, month), binding) in enumerate(picked):
        year, month_number = int(month[:4]), int(month[5:7])
        first_next = datetime(year + month_number // 12, month_number % 12 + 1, 1)
        posted = min(now, first_next + timedelta(hours=9, minutes=rng.randint(0, 120)))
        status = INVOICE_STATUSES[number % len(INVOICE_STATUSES)]
        updated = posted if status == 1 else min(
            now, posted + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8)))
        invoice_id = FIRST_INVOICE_ID + number
        payments.append({
            "id": invoice_id, "pid": owner + 1, "currency": currency, "status": status,
            "posted_date": format_timestamp(posted), "updated_at": format_timestamp(updated),
            "pay_sys": binding["system_id"],
            "pay_acc": format_pay_acc(by_id[binding["system_id"]], binding["fields"]),
            "comment": f"{month} payout", "notes": "",
            "period_to": (first_next - timedelta(days=1)).date().isoformat(),
            "cpa_actions": [conversion_id for conversion_id, _ in approved[(owner, currency,
                                                                             month)]],
        })
        if number % 4 == 3:  # now and then a bonus on top
            corrections.append({
                "id": len(corrections) + 1, "payment_id": invoice_id,
                "revenue": _cents(100 * rng.randint(1, 50)), "comment": "bonus",
                "posted_date": format_timestamp(posted + timedelta(hours=1))})
    return payments, corrections


def _billing_binding(bindings: list[dict[str, Any]], currency: str) -> dict[str, Any] | None:
    """Return the binding generation would use (rules.choose_bindings)."""
    return choose_bindings(bindings, key=lambda b: b["currency"],
                           active=lambda b: b["active"]).get(currency)
