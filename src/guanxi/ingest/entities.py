"""The canonical extract format: one file per entity, its columns, types, code lists and references.

This is the single description of what Guanxi accepts. The ingest validator checks rows
against it, the synthetic bank writes it, mappings for other core-banking systems translate
their files into it, and ``docs/extract-format.md`` documents it.

Every entity has a ``key`` column: the row's identifier in the source system, stored as
``source_key`` beside the mapping's ``source_system`` so reloading the same extract
changes nothing. References to other entities use that entity's key (``party_key``…).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from guanxi import codes as c

FieldKind = Literal["str", "int", "decimal", "money", "currency", "date", "datetime", "bool", "code", "json"]
Target = Literal["db", "lake"]


@dataclass(frozen=True)
class FieldSpec:
    """One column of a canonical entity."""

    name: str
    kind: FieldKind
    required: bool = False
    codes: tuple[str, ...] = ()
    max_len: int | None = None
    ref: str | None = None  # entity whose key this column holds
    currency_field: str | None = None  # for money: the column holding its currency
    min_value: int | None = None
    max_value: int | None = None
    pii: bool = False  # personal data: encrypted at rest, never echoed in errors
    doc: str = ""


@dataclass(frozen=True)
class EntitySpec:
    """A canonical entity: one file in an extract."""

    name: str
    target: Target
    table: str
    fields: tuple[FieldSpec, ...]
    doc: str = ""
    # Lake entities are partitioned by the month of this column.
    partition_by: str | None = None
    natural_unique: tuple[str, ...] = field(default_factory=tuple)

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def refs(self) -> list[FieldSpec]:
        """Fields that reference another entity."""
        return [f for f in self.fields if f.ref]


def _key() -> FieldSpec:
    return FieldSpec("key", "str", required=True, max_len=64, doc="identifier in the source system")


def _code(name: str, enum: type, required: bool = False, doc: str = "") -> FieldSpec:
    return FieldSpec(name, "code", required=required, codes=tuple(c.values(enum)), doc=doc)


def _ref(name: str, entity: str, required: bool = True) -> FieldSpec:
    return FieldSpec(name, "str", required=required, max_len=64, ref=entity, doc=f"key of a row in {entity}")


CURRENCY = FieldSpec("currency", "currency", required=True, max_len=3, doc="ISO 4217 code, e.g. CNY")

ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "branches",
        "db",
        "branches",
        (
            _key(),
            FieldSpec("name", "str", required=True, max_len=200),
            FieldSpec("region", "str", max_len=100),
            FieldSpec("city", "str", max_len=100),
            FieldSpec("address", "str", max_len=500),
            FieldSpec("opened_on", "date"),
            FieldSpec("attributes", "json", doc="JSON object of further attributes (demographics…)"),
        ),
        doc="branches (網點)",
    ),
    EntitySpec(
        "staff",
        "db",
        "staff",
        (
            _key(),
            FieldSpec("full_name", "str", required=True, max_len=200),
            _code("role", c.StaffRole, required=True),
            _ref("branch_key", "branches", required=False),
            FieldSpec("email", "str", max_len=254),
            FieldSpec("hired_on", "date"),
            FieldSpec("active", "bool"),
        ),
        doc="members of staff (relationship managers, agents…)",
    ),
    EntitySpec(
        "products",
        "db",
        "products",
        (
            _key(),
            FieldSpec("name", "str", required=True, max_len=200),
            FieldSpec("name_zh", "str", max_len=200),
            _code("family", c.ProductFamily, required=True),
            CURRENCY,
            FieldSpec("risk_class", "int", min_value=1, max_value=5, doc="1 (lowest) to 5; wealth funds"),
            FieldSpec("interest_rate", "decimal", doc="yearly rate as a fraction, e.g. 0.0325"),
            FieldSpec("min_age", "int", min_value=0, max_value=120),
            FieldSpec("margin_rate", "decimal", doc="yearly margin to the bank as a fraction of balance"),
            FieldSpec("launched_on", "date"),
            FieldSpec("active", "bool"),
        ),
        doc="the product catalogue",
    ),
    EntitySpec(
        "parties",
        "db",
        "parties",
        (
            _key(),
            _code("party_type", c.PartyType, required=True),
            FieldSpec("full_name", "str", required=True, max_len=200, doc="name in any script"),
            FieldSpec("given_name", "str", max_len=100),
            FieldSpec("family_name", "str", max_len=100),
            FieldSpec("latin_name", "str", max_len=200, doc="romanised name"),
            _code("gender", c.Gender),
            FieldSpec("birth_date", "date", pii=True, doc="individuals; encrypted at rest"),
            FieldSpec("incorporated_on", "date", doc="organisations"),
            FieldSpec("occupation", "str", max_len=100),
            _code("income_band", c.IncomeBand),
            FieldSpec("risk_tolerance", "int", min_value=1, max_value=5, doc="1 conservative … 5 aggressive"),
            _code("kyc_status", c.KycStatus, required=True),
            _code("preferred_language", c.Language),
            _code("status", c.PartyStatus),
            FieldSpec("customer_since", "date"),
            FieldSpec("closed_on", "date"),
            _ref("home_branch_key", "branches", required=False),
            _ref("relationship_manager_key", "staff", required=False),
        ),
        doc="customers and other parties: individuals and organisations",
    ),
    EntitySpec(
        "contact_points",
        "db",
        "contact_points",
        (
            _key(),
            _ref("party_key", "parties"),
            _code("kind", c.ContactKind, required=True),
            FieldSpec("value", "str", required=True, max_len=500, pii=True, doc="encrypted at rest"),
            FieldSpec("label", "str", max_len=30, doc="home, work, mobile…"),
            FieldSpec("city", "str", max_len=100),
            FieldSpec("region", "str", max_len=100),
            FieldSpec("country", "str", max_len=2),
            FieldSpec("is_primary", "bool"),
            FieldSpec("verified", "bool"),
            FieldSpec("verified_at", "datetime"),
        ),
    ),
    EntitySpec(
        "identity_documents",
        "db",
        "identity_documents",
        (
            _key(),
            _ref("party_key", "parties"),
            _code("doc_type", c.DocumentType, required=True),
            FieldSpec("number", "str", required=True, max_len=64, pii=True, doc="encrypted at rest"),
            FieldSpec("issuing_country", "str", max_len=2),
            FieldSpec("issued_on", "date"),
            FieldSpec("expires_on", "date"),
            FieldSpec("verified", "bool"),
        ),
    ),
    EntitySpec(
        "households",
        "db",
        "households",
        (_key(), FieldSpec("name", "str", required=True, max_len=200)),
    ),
    EntitySpec(
        "household_members",
        "db",
        "household_members",
        (
            _key(),
            _ref("household_key", "households"),
            _ref("party_key", "parties"),
            _code("role", c.HouseholdRole, required=True),
        ),
        natural_unique=("household_key", "party_key"),
    ),
    EntitySpec(
        "party_relationships",
        "db",
        "party_relationships",
        (
            _key(),
            _ref("from_party_key", "parties"),
            _ref("to_party_key", "parties"),
            _code("kind", c.RelationshipKind, required=True),
            FieldSpec("started_on", "date"),
            FieldSpec("ended_on", "date"),
        ),
    ),
    EntitySpec(
        "accounts",
        "db",
        "accounts",
        (
            _key(),
            FieldSpec("account_number", "str", required=True, max_len=34),
            _ref("product_key", "products"),
            _ref("branch_key", "branches", required=False),
            CURRENCY,
            _code("status", c.AccountStatus, required=True),
            FieldSpec("opened_on", "date", required=True),
            FieldSpec("closed_on", "date"),
            FieldSpec("balance", "money", currency_field="currency", doc="current balance; negative = owed"),
            FieldSpec("balance_as_of", "datetime"),
            FieldSpec("credit_limit", "money", currency_field="currency"),
            _code("statement_frequency", c.StatementFrequency),
        ),
    ),
    EntitySpec(
        "account_roles",
        "db",
        "account_roles",
        (
            _key(),
            _ref("account_key", "accounts"),
            _ref("party_key", "parties"),
            _code("role", c.AccountRoleType, required=True),
        ),
        natural_unique=("account_key", "party_key", "role"),
    ),
    EntitySpec(
        "cards",
        "db",
        "cards",
        (
            _key(),
            _ref("account_key", "accounts"),
            _ref("party_key", "parties", required=False),
            _code("card_type", c.CardType, required=True),
            _code("tier", c.CardTier, required=True),
            _code("status", c.CardStatus),
            FieldSpec("issued_on", "date", required=True),
            FieldSpec("expires_on", "date"),
            FieldSpec("co_brand_partner", "str", max_len=100),
        ),
    ),
    EntitySpec(
        "loans",
        "db",
        "loans",
        (
            _key(),
            _ref("account_key", "accounts"),
            FieldSpec("principal", "money", required=True, currency_field="currency"),
            CURRENCY,
            FieldSpec("term_months", "int", required=True, min_value=1, max_value=600),
            FieldSpec("monthly_payment", "money", currency_field="currency"),
            FieldSpec("interest_rate", "decimal"),
            FieldSpec("granted_on", "date", required=True),
            _code("status", c.LoanStatus, required=True),
            FieldSpec("days_past_due", "int", min_value=0),
        ),
    ),
    EntitySpec(
        "standing_orders",
        "db",
        "standing_orders",
        (
            _key(),
            _ref("account_key", "accounts"),
            FieldSpec("beneficiary_bank", "str", max_len=64),
            FieldSpec("beneficiary_account", "str", max_len=64),
            FieldSpec("amount", "money", required=True, currency_field="currency"),
            CURRENCY,
            _code("purpose", c.OrderPurpose, required=True),
        ),
    ),
    EntitySpec(
        "consents",
        "db",
        "consents",
        (
            _key(),
            _ref("party_key", "parties"),
            _code("purpose", c.ConsentPurpose, required=True),
            _code("channel", c.ConsentChannel, required=True),
            _code("status", c.ConsentStatus, required=True),
            FieldSpec("recorded_at", "datetime", required=True),
            _code("captured_via", c.CaptureMethod, required=True),
            FieldSpec("evidence", "str", max_len=500),
        ),
        doc="consent records: history, the latest per purpose × channel wins",
    ),
    EntitySpec(
        "transactions",
        "lake",
        "transactions",
        (
            _key(),
            _ref("account_key", "accounts"),
            FieldSpec("booked_at", "datetime", required=True),
            FieldSpec(
                "amount",
                "money",
                required=True,
                currency_field="currency",
                min_value=0,
                doc="never negative; see direction",
            ),
            CURRENCY,
            _code("direction", c.Direction, required=True),
            _code("channel", c.TxnChannel, required=True),
            _code("txn_type", c.TxnType, required=True),
            FieldSpec("merchant_category", "code", codes=c.MERCHANT_CATEGORIES),
            FieldSpec("counterparty", "str", max_len=200),
            FieldSpec("description", "str", max_len=500),
            FieldSpec("balance_after", "money", currency_field="currency"),
        ),
        partition_by="booked_at",
        doc="booked transactions, to the lake partitioned by month",
    ),
    EntitySpec(
        "digital_events",
        "lake",
        "digital_events",
        (
            _key(),
            _ref("party_key", "parties"),
            FieldSpec("occurred_at", "datetime", required=True),
            _code("channel", c.DigitalChannel, required=True),
            _code("event_type", c.DigitalEventType, required=True),
            FieldSpec("session_id", "str", max_len=64),
            FieldSpec("page", "str", max_len=200),
            FieldSpec("product_family", "code", codes=tuple(c.values(c.ProductFamily))),
            FieldSpec("search_term", "str", max_len=200),
            FieldSpec("device", "str", max_len=30),
        ),
        partition_by="occurred_at",
        doc="app and web browsing: sessions, logins, pages and products viewed, searches",
    ),
)

ENTITY_BY_NAME = {e.name: e for e in ENTITIES}


def get_entity(name: str) -> EntitySpec:
    """Return the canonical entity called ``name``."""
    return ENTITY_BY_NAME[name]
