"""The tenant's data: SQLAlchemy 2 typed models. Every row belongs to a tenant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .money_column import Money

# Every integer column is 64-bit: the API takes ids of up to 18 digits, and PostgreSQL's INTEGER
# is 32-bit (an out-of-range id there was a 500). SQLite's INTEGER already is 64-bit, and an
# autoincrement key must stay INTEGER there to be the rowid.
BIG_INT = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {int: BIG_INT}


class Tenant(Base):
    """One Affise network: its clock, settings and id counters."""

    __tablename__ = "tenants"
    # Never reuse a dropped tenant's id: a late call naming it must not reach a newer tenant.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True, autoincrement=True)
    # now = clock_base while frozen, else clock_base + (host time - clock_anchor).
    clock_frozen: Mapped[bool] = mapped_column(default=False)
    clock_base: Mapped[datetime]
    clock_anchor: Mapped[datetime]
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_payment_id: Mapped[int] = mapped_column(default=1)
    next_correction_id: Mapped[int] = mapped_column(default=1)
    next_affiliate_id: Mapped[int] = mapped_column(default=1)
    next_binding_id: Mapped[int] = mapped_column(default=1)
    # Bumped by every write that locks the tenant (db.lock_tenant), never restored or exported:
    # a read answer rendered at one version is the answer for as long as the version stands.
    data_version: Mapped[int] = mapped_column(default=0)


class Currency(Base):
    __tablename__ = "currencies"
    __table_args__ = (Index("ix_currencies_code", "tenant_id", "code", unique=True),)

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(8))
    rate: Mapped[Decimal] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    min_payment: Mapped[Decimal] = mapped_column(Money)
    is_crypto: Mapped[bool | None] = mapped_column(default=None)


class PaymentSystem(Base):
    """Settings > Payment systems: fields are [{id, label, required}]."""

    __tablename__ = "payment_systems"

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255))
    currency: Mapped[str | None] = mapped_column(String(8))
    threshold: Mapped[Decimal | None] = mapped_column(Money)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Manager(Base):
    __tablename__ = "managers"
    __table_args__ = (Index("ix_managers_api_key", "api_key", unique=True),)

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(32))
    api_key: Mapped[str] = mapped_column(String(128))


class Affiliate(Base):
    """A partner, in Affise's URLs; an affiliate in its prose."""

    __tablename__ = "affiliates"
    __table_args__ = (Index("ix_affiliates_api_key", "api_key", unique=True),)

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    email: Mapped[str] = mapped_column(String(255))
    login: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="active")
    manager_id: Mapped[str | None] = mapped_column(String(24))
    api_key: Mapped[str] = mapped_column(String(128))
    ref: Mapped[int | None]
    ref_percent: Mapped[Decimal | None] = mapped_column(Money)
    notes: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str | None] = mapped_column(String(8))
    contact_person: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AffiliatePaymentSystem(Base):
    """An affiliate's binding to a payment system for one currency, with its field values."""

    __tablename__ = "affiliate_payment_systems"
    __table_args__ = (Index("ix_bindings_affiliate", "tenant_id", "affiliate_id"),)

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    affiliate_id: Mapped[int]
    system_id: Mapped[int]
    currency: Mapped[str] = mapped_column(String(8))
    active: Mapped[int] = mapped_column(default=1)
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Offer(Base):
    __tablename__ = "offers"

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255))
    advertiser_id: Mapped[str | None] = mapped_column(String(24))


class Conversion(Base):
    """Status codes: 1 approved (confirmed), 2 pending, 3 declined, 5 hold."""

    __tablename__ = "conversions"
    __table_args__ = (
        # created_at last: generation's per-invoice UPDATE and create-for-affiliate's oldest-first
        # walk find an affiliate's unbilled conversions in a period through this one index
        # (without it SQLite prefers ix_conversions_created and scans the whole period).
        Index("ix_conversions_payable", "tenant_id", "payment_id", "affiliate_id", "currency",
              "created_at"),
        Index("ix_conversions_created", "tenant_id", "created_at"),
    )

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    affiliate_id: Mapped[int]
    offer_id: Mapped[int]
    status: Mapped[int]
    payouts: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(8), default="")
    goal: Mapped[str] = mapped_column(String(255), default="1")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    hold_until: Mapped[datetime | None]
    payment_id: Mapped[int | None]
    # What a fixture or POST /3.0/admin/conversion/edit sets; the stats routes show and filter it.
    clickid: Mapped[str | None] = mapped_column(String(255))  # None: the click id is the id
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    sum: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    comment: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(String(32), default="")
    custom_field_1: Mapped[str] = mapped_column(Text, default="")
    custom_field_2: Mapped[str] = mapped_column(Text, default="")
    custom_field_3: Mapped[str] = mapped_column(Text, default="")
    custom_field_4: Mapped[str] = mapped_column(Text, default="")
    custom_field_5: Mapped[str] = mapped_column(Text, default="")
    custom_field_6: Mapped[str] = mapped_column(Text, default="")
    custom_field_7: Mapped[str] = mapped_column(Text, default="")
    custom_field_8: Mapped[str] = mapped_column(Text, default="")
    custom_field_9: Mapped[str] = mapped_column(Text, default="")
    custom_field_10: Mapped[str] = mapped_column(Text, default="")
    custom_field_11: Mapped[str] = mapped_column(Text, default="")
    custom_field_12: Mapped[str] = mapped_column(Text, default="")
    custom_field_13: Mapped[str] = mapped_column(Text, default="")
    custom_field_14: Mapped[str] = mapped_column(Text, default="")
    custom_field_15: Mapped[str] = mapped_column(Text, default="")


class Payment(Base):
    """An affiliate invoice (Affise calls it a payment).

    Its revenue is derived, never stored; only the referral money it took (ref_revenue) is kept,
    as the main affiliate's percent stood when it took it.
    """

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_affiliate", "tenant_id", "pid", "currency_id"),
        Index("ix_payments_posted", "tenant_id", "posted_date"),
        Index("ix_payments_ref", "tenant_id", "ref_payment_id"),
    )

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    pid: Mapped[int]
    manager_id: Mapped[str | None] = mapped_column(String(24))
    currency_id: Mapped[int]
    status: Mapped[int] = mapped_column(default=1)
    posted_date: Mapped[datetime]
    updated_at: Mapped[datetime]
    pay_sys: Mapped[int | None]
    pay_sys_name: Mapped[str] = mapped_column(String(255), default="")
    pay_acc: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Set while a delayed generation is "running": the invoice stays hidden until then.
    visible_at: Mapped[datetime | None] = mapped_column(default=None)
    # Exclusive end of the billed period (midnight after its last day): by_last_invoice starts here.
    period_end: Mapped[datetime | None]
    # A referral invoice: the main affiliate's invoice that took its referral money (None: owed).
    ref_payment_id: Mapped[int | None] = mapped_column(default=None)
    # A main invoice: the referral money it took, fixed when it took it (None: none taken).
    ref_revenue: Mapped[Decimal | None] = mapped_column(Money, default=None)


class Correction(Base):
    """An additional payment: a signed amount added to an invoice."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_payment", "tenant_id", "payment_id"),)

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    payment_id: Mapped[int]
    revenue: Mapped[Decimal] = mapped_column(Money)
    comment: Mapped[str] = mapped_column(Text, default="")
    posted_date: Mapped[datetime]


class Advertiser(Base):
    """An advertiser (Affise's supplier): whom advertiser invoices bill."""

    __tablename__ = "advertisers"

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))


class AdvertiserInvoice(Base):
    """An invoice to an advertiser; detail is [{offer_id, payout_type, actions, amount, comment}]."""

    __tablename__ = "advertiser_invoices"

    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    supplier_id: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="unpaid")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


TENANT_TABLES: tuple[type[Base], ...] = (
    AdvertiserInvoice,
    Advertiser,
    Correction,
    Payment,
    Conversion,
    Offer,
    AffiliatePaymentSystem,
    Affiliate,
    Manager,
    PaymentSystem,
    Currency,
)


class GenerationReport(Base):
    """One generate or create-for-affiliate call: the invoices it made and what it skipped."""

    __tablename__ = "generation_reports"
    __table_args__ = (
        Index("ix_generation_reports_tenant", "tenant_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int]
    created_at: Mapped[datetime]
    operation: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payments: Mapped[list[int]] = mapped_column(JSON, default=list)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Per invoice made (its id as a string): the referral invoices it took.
    referrals: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)

class Snapshot(Base):
    """A named checkpoint of a tenant; its rows live in the snapshot_* shadow tables."""

    __tablename__ = "snapshots"
    __table_args__ = (
        Index("ix_snapshots_name", "tenant_id", "name", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    # The tenant row's state: clock, settings, id counters.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JournalEntry(Base):
    """One request a tenant received: the ring the control plane reads back."""

    __tablename__ = "journal"
    __table_args__ = (
        Index("ix_journal_tenant", "tenant_id", "id"),
        Index("ix_journal_body", "tenant_id", "response_digest"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int]
    # When the call was answered, in nanoseconds of the machine's clock: entries committed in
    # batches by several processes read back in this order (None: order by id).
    seq: Mapped[int | None]
    at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(2048))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[int]
    # The response body is kept once per tenant in journal_bodies: a client polling one
    # 70 KB page a thousand times stores it once.
    response_digest: Mapped[str] = mapped_column(String(32))
    effects: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fault: Mapped[str | None] = mapped_column(String(32), default=None)


class JournalBody(Base):
    """A response body the journal refers to, by its digest."""

    __tablename__ = "journal_bodies"

    tenant_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class FaultRule(Base):
    """A fault to inject on matching requests: first match (lowest id) wins."""

    __tablename__ = "fault_rules"
    __table_args__ = (
        Index("ix_fault_rules_tenant", "tenant_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int]
    method: Mapped[str | None] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(2048))
    action: Mapped[dict[str, Any]] = mapped_column(JSON)
    times: Mapped[int | None]  # remaining; None = every time
    probability: Mapped[float] = mapped_column(Float, default=1.0)
    seed: Mapped[int] = mapped_column(default=0)
    seen: Mapped[int] = mapped_column(default=0)  # matching requests so far (drives the dice)
    fired: Mapped[int] = mapped_column(default=0)


# Data a snapshot copies: the network itself, not the harness's own records.
SNAPSHOT_MODELS = TENANT_TABLES
# Everything reset and tenant deletion clear besides the network's data.
HARNESS_MODELS = (GenerationReport, JournalEntry, JournalBody, FaultRule)


def _shadow(model: type[Base]) -> Table:
    source = model.__table__
    columns = [Column("snapshot_id", BIG_INT, nullable=False, index=True)]
    columns += [Column(c.name, c.type, nullable=True) for c in source.columns]
    return Table(f"snapshot_{source.name}", Base.metadata, *columns)


SNAPSHOT_TABLES = {model: _shadow(model) for model in SNAPSHOT_MODELS}
