"""Code lists shared by the data model, the ingest validator and the synthetic bank.

Each list is a ``StrEnum`` so the stored value is the readable English code; the
ingest maps a source system's own codes onto these through its YAML mapping.
"""

from __future__ import annotations

from enum import StrEnum


class PartyType(StrEnum):
    """Whether a party is a person or an organisation."""

    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


class Gender(StrEnum):
    """Gender as recorded by the bank."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class IncomeBand(StrEnum):
    """Declared or derived yearly income band."""

    NONE = "none"
    LOW = "low"
    LOWER_MIDDLE = "lower_middle"
    MIDDLE = "middle"
    UPPER_MIDDLE = "upper_middle"
    HIGH = "high"
    VERY_HIGH = "very_high"


class KycStatus(StrEnum):
    """Know-your-customer review state."""

    PENDING = "pending"
    VERIFIED = "verified"
    EXPIRED = "expired"
    REJECTED = "rejected"


class PartyStatus(StrEnum):
    """Lifecycle state of the relationship, as core banking reports it."""

    PROSPECT = "prospect"
    ACTIVE = "active"
    CLOSED = "closed"
    DECEASED = "deceased"


class Language(StrEnum):
    """Languages the bank serves customers in."""

    EN = "en"
    ZH_HANS = "zh-Hans"
    ZH_HANT = "zh-Hant"


class ContactKind(StrEnum):
    """Kinds of contact point."""

    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    WECHAT = "wechat"


class DocumentType(StrEnum):
    """Identity document types."""

    NATIONAL_ID = "national_id"
    PASSPORT = "passport"
    RESIDENT_PERMIT = "resident_permit"
    DRIVING_LICENCE = "driving_licence"
    BUSINESS_REGISTRATION = "business_registration"


class HouseholdRole(StrEnum):
    """A party's role in a household."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    DEPENDANT = "dependant"
    OTHER = "other"


class RelationshipKind(StrEnum):
    """Directed party-to-party relationships (from → to)."""

    SPOUSE = "spouse"
    GUARANTOR = "guarantor"  # from guarantees to's obligations
    DIRECTOR_OF = "director_of"
    SHAREHOLDER_OF = "shareholder_of"
    PARENT_OF = "parent_of"
    EMPLOYEE_OF = "employee_of"


class StaffRole(StrEnum):
    """What a member of staff does."""

    RELATIONSHIP_MANAGER = "relationship_manager"
    SERVICE_AGENT = "service_agent"
    BRANCH_MANAGER = "branch_manager"
    TELLER = "teller"
    ANALYST = "analyst"
    COMPLIANCE_OFFICER = "compliance_officer"


class ProductFamily(StrEnum):
    """Product catalogue families."""

    CURRENT = "current"
    SAVINGS = "savings"
    TIME_DEPOSIT = "time_deposit"
    CREDIT_CARD = "credit_card"
    MORTGAGE = "mortgage"
    PERSONAL_LOAN = "personal_loan"
    WEALTH_FUND = "wealth_fund"
    INSURANCE = "insurance"


LIABILITY_FAMILIES = frozenset({ProductFamily.CREDIT_CARD, ProductFamily.MORTGAGE, ProductFamily.PERSONAL_LOAN})


class AccountStatus(StrEnum):
    """Account state."""

    ACTIVE = "active"
    DORMANT = "dormant"
    CLOSED = "closed"


class StatementFrequency(StrEnum):
    """How often statements are issued."""

    MONTHLY = "monthly"
    WEEKLY = "weekly"
    PER_TRANSACTION = "per_transaction"


class AccountRoleType(StrEnum):
    """A party's role on an account."""

    OWNER = "owner"
    JOINT = "joint"
    AUTHORISED_USER = "authorised_user"


class CardType(StrEnum):
    """Debit or credit card."""

    DEBIT = "debit"
    CREDIT = "credit"


class CardTier(StrEnum):
    """Card tier."""

    JUNIOR = "junior"
    CLASSIC = "classic"
    GOLD = "gold"
    PLATINUM = "platinum"


class CardStatus(StrEnum):
    """Card state."""

    ACTIVE = "active"
    BLOCKED = "blocked"  # stopped for good (lost, stolen, fraud); a replacement is issued
    EXPIRED = "expired"
    CLOSED = "closed"
    # Last, so the synthetic bank's positional codes keep their meaning.
    LOCKED = "locked"  # paused by the customer; they can unlock it


class LoanStatus(StrEnum):
    """Loan repayment state."""

    CURRENT = "current"  # running, paid as agreed
    IN_ARREARS = "in_arrears"  # running, payments overdue
    REPAID = "repaid"  # finished, paid in full
    DEFAULTED = "defaulted"  # finished, not paid


BAD_LOAN_STATUSES = frozenset({LoanStatus.IN_ARREARS, LoanStatus.DEFAULTED})


class OrderPurpose(StrEnum):
    """Purpose of a standing order."""

    HOUSEHOLD = "household"
    LOAN_PAYMENT = "loan_payment"
    INSURANCE = "insurance"
    LEASING = "leasing"
    SAVINGS = "savings"
    OTHER = "other"


class ConsentPurpose(StrEnum):
    """What a customer consents to."""

    MARKETING = "marketing"
    PROFILING = "profiling"
    DATA_SHARING = "data_sharing"
    SERVICE_MESSAGES = "service_messages"


class ConsentChannel(StrEnum):
    """The channel a consent covers."""

    ANY = "any"
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    POST = "post"
    APP_PUSH = "app_push"
    WECHAT = "wechat"


class ConsentStatus(StrEnum):
    """Given or withdrawn."""

    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class CaptureMethod(StrEnum):
    """How a consent was captured."""

    BRANCH = "branch"
    ONLINE = "online"
    MOBILE = "mobile"
    PHONE = "phone"
    PAPER = "paper"
    IMPORT = "import"


class TxnChannel(StrEnum):
    """Channel a transaction went through."""

    BRANCH = "branch"
    ATM = "atm"
    ONLINE = "online"
    MOBILE = "mobile"
    WECHAT_PAY = "wechat_pay"  # WeChat Pay / third-party payment
    POS = "pos"
    SYSTEM = "system"  # interest, fees, standing orders run by the bank


class Direction(StrEnum):
    """Money in (credit) or out (debit) of the account."""

    CREDIT = "credit"
    DEBIT = "debit"


class TxnType(StrEnum):
    """What a transaction was for."""

    SALARY = "salary"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"
    CARD_PURCHASE = "card_purchase"
    BILL_PAYMENT = "bill_payment"
    CASH_WITHDRAWAL = "cash_withdrawal"
    CASH_DEPOSIT = "cash_deposit"
    LOAN_REPAYMENT = "loan_repayment"
    CARD_REPAYMENT = "card_repayment"
    INTEREST = "interest"
    FEE = "fee"
    INVESTMENT = "investment"
    INSURANCE_PREMIUM = "insurance_premium"
    OTHER = "other"


class DigitalChannel(StrEnum):
    """Digital channel of a browsing event."""

    APP = "app"
    WEB = "web"


class DigitalEventType(StrEnum):
    """Kinds of digital event."""

    SESSION_START = "session_start"
    LOGIN = "login"
    PAGE_VIEW = "page_view"
    PRODUCT_VIEW = "product_view"
    SEARCH = "search"
    LOGOUT = "logout"


MERCHANT_CATEGORIES = (
    "groceries",
    "restaurants",
    "transport",
    "fuel",
    "utilities",
    "telecom",
    "retail",
    "electronics",
    "travel",
    "health",
    "education",
    "entertainment",
    "insurance",
    "cash",
    "other",
)


def values(enum: type[StrEnum]) -> list[str]:
    """Return the stored values of a code list, in declaration order."""
    return [member.value for member in enum]


class CaseType(StrEnum):
    """What kind of case a customer raised."""

    COMPLAINT = "complaint"
    SERVICE_REQUEST = "service_request"
    DISPUTE = "dispute"
    ENQUIRY = "enquiry"


class CaseStatus(StrEnum):
    """Where a case stands in its workflow."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


# A case is open (counts against SLA and scopes a service agent's view) in these states.
OPEN_CASE_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.ASSIGNED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_FOR_CUSTOMER,
    CaseStatus.REOPENED,
)


class CasePriority(StrEnum):
    """How urgent a case is."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class ContactChannel(StrEnum):
    """Channels through which the bank and a customer are in contact."""

    BRANCH = "branch"
    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    MOBILE_APP = "mobile_app"
    WEB = "web"
    WECHAT = "wechat"
    ASSISTANT = "assistant"
    RM_VISIT = "rm_visit"
    LETTER = "letter"


class ResolutionCode(StrEnum):
    """How a case was resolved (required to close it)."""

    RESOLVED_IN_FAVOUR = "resolved_in_favour"
    PARTIALLY_UPHELD = "partially_upheld"
    NOT_UPHELD = "not_upheld"
    EXPLAINED = "explained"
    REQUEST_FULFILLED = "request_fulfilled"
    REFERRED = "referred"
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"


class RootCause(StrEnum):
    """Why the case happened (required to close it; the root-cause report groups by it)."""

    PROCESS = "process"
    SYSTEM = "system"
    STAFF_CONDUCT = "staff_conduct"
    PRODUCT_DESIGN = "product_design"
    FEES_PRICING = "fees_pricing"
    COMMUNICATION = "communication"
    THIRD_PARTY = "third_party"
    FRAUD = "fraud"
    CUSTOMER_ERROR = "customer_error"
    NO_FAULT = "no_fault"
