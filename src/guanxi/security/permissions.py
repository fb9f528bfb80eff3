"""Roles, the capabilities each grants, and how far each sees.

Endpoints and services check permissions (named capabilities such as ``customer.read``), never
role names. Which customers a role sees is its *scope*, enforced in the service layer.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Roles a user can hold."""

    ADMIN = "admin"
    BRANCH_MANAGER = "branch_manager"
    RELATIONSHIP_MANAGER = "relationship_manager"
    SERVICE_AGENT = "service_agent"
    MARKETING_ANALYST = "marketing_analyst"
    COMPLIANCE_OFFICER = "compliance_officer"
    AUDITOR = "auditor"
    OPERATOR = "operator"


class Permission(StrEnum):
    """Named capabilities."""

    CUSTOMER_READ = "customer.read"
    CUSTOMER_PII_READ = "customer.pii.read"
    CUSTOMER_EXPORT = "customer.export"
    CUSTOMER_ERASE = "customer.erase"
    ACCOUNT_READ = "account.read"
    TRANSACTION_READ = "transaction.read"
    CONSENT_READ = "consent.read"
    CONSENT_WRITE = "consent.write"
    PRODUCT_READ = "product.read"
    BRANCH_READ = "branch.read"
    CASE_READ = "case.read"
    CASE_WRITE = "case.write"
    CASE_ASSIGN = "case.assign"
    CAMPAIGN_READ = "campaign.read"
    CAMPAIGN_LAUNCH = "campaign.launch"
    SEGMENT_READ = "segment.read"
    SEGMENT_WRITE = "segment.write"
    MODEL_READ = "model.read"
    MODEL_PROMOTE = "model.promote"
    INGEST_READ = "ingest.read"
    AUDIT_READ = "audit.read"
    USER_MANAGE = "user.manage"
    SERVICE_CONFIGURE = "service.configure"  # SLA targets, routing, business calendars
    CARD_MANAGE = "card.manage"  # lock, unlock, report lost
    CONTACT_WRITE = "contact.write"  # change a customer's e-mail or phone, proven by a code


class Scope(StrEnum):
    """Which customers a role sees."""

    ALL = "all"
    BRANCH = "branch"  # customers whose home branch is the user's branch
    PORTFOLIO = "portfolio"  # customers the user manages, and their households
    CASE_TEAM = "case_team"  # customers with an open case assigned to the user's team
    NONE = "none"  # aggregates only
    SELF = "self"  # a signed-in customer: their own relationship only


P = Permission
_CUSTOMER_VIEW = {P.CUSTOMER_READ, P.ACCOUNT_READ, P.TRANSACTION_READ, P.CONSENT_READ, P.PRODUCT_READ, P.BRANCH_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.BRANCH_MANAGER: frozenset(
        _CUSTOMER_VIEW
        | {P.CUSTOMER_PII_READ, P.CONSENT_WRITE, P.CASE_READ, P.CASE_WRITE, P.CASE_ASSIGN, P.SEGMENT_READ}
        | {P.CAMPAIGN_READ, P.MODEL_READ, P.SERVICE_CONFIGURE, P.CARD_MANAGE, P.CONTACT_WRITE}
    ),
    Role.RELATIONSHIP_MANAGER: frozenset(
        _CUSTOMER_VIEW
        | {P.CUSTOMER_PII_READ, P.CONSENT_WRITE, P.CASE_READ, P.CASE_WRITE, P.SEGMENT_READ, P.MODEL_READ}
        | {P.CARD_MANAGE, P.CONTACT_WRITE}
    ),
    Role.SERVICE_AGENT: frozenset(
        _CUSTOMER_VIEW | {P.CONSENT_WRITE, P.CASE_READ, P.CASE_WRITE, P.CARD_MANAGE, P.CONTACT_WRITE}
    ),
    Role.MARKETING_ANALYST: frozenset(
        {P.PRODUCT_READ, P.BRANCH_READ, P.SEGMENT_READ, P.SEGMENT_WRITE, P.CAMPAIGN_READ, P.CAMPAIGN_LAUNCH}
        | {P.MODEL_READ}
    ),
    Role.COMPLIANCE_OFFICER: frozenset(
        _CUSTOMER_VIEW
        | {P.CUSTOMER_PII_READ, P.CUSTOMER_EXPORT, P.CUSTOMER_ERASE, P.CONSENT_WRITE, P.AUDIT_READ, P.INGEST_READ}
        | {P.CASE_READ, P.MODEL_READ}
    ),
    # Auditors read everything an examiner needs and change nothing; personal data stays masked.
    Role.AUDITOR: frozenset(_CUSTOMER_VIEW | {P.AUDIT_READ, P.INGEST_READ, P.CASE_READ, P.MODEL_READ, P.SEGMENT_READ}),
    Role.OPERATOR: frozenset(
        {P.INGEST_READ, P.BRANCH_READ, P.PRODUCT_READ, P.USER_MANAGE, P.SEGMENT_READ, P.SEGMENT_WRITE}
    ),
}

ROLE_SCOPE: dict[Role, Scope] = {
    Role.ADMIN: Scope.ALL,
    Role.BRANCH_MANAGER: Scope.BRANCH,
    Role.RELATIONSHIP_MANAGER: Scope.PORTFOLIO,
    Role.SERVICE_AGENT: Scope.CASE_TEAM,
    Role.MARKETING_ANALYST: Scope.NONE,
    Role.COMPLIANCE_OFFICER: Scope.ALL,
    Role.AUDITOR: Scope.ALL,
    Role.OPERATOR: Scope.NONE,
}


# A customer acting for themselves through a customer channel (the assistant). Not a staff role:
# no user account can hold it, so no staff sign-in ever yields it; its scope is the customer alone.
CUSTOMER_ROLE = "customer"
CUSTOMER_PERMISSIONS: frozenset[Permission] = frozenset(
    {P.CUSTOMER_READ, P.ACCOUNT_READ, P.TRANSACTION_READ, P.CONSENT_READ, P.PRODUCT_READ, P.BRANCH_READ}
    | {P.CASE_READ, P.CASE_WRITE, P.CARD_MANAGE, P.CONTACT_WRITE}
)


def has_permission(role: str, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission`` (unknown roles grant nothing)."""
    if role == CUSTOMER_ROLE:
        return permission in CUSTOMER_PERMISSIONS
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def scope_of(role: str) -> Scope:
    """How far ``role`` sees (unknown roles see nothing)."""
    if role == CUSTOMER_ROLE:
        return Scope.SELF
    try:
        return ROLE_SCOPE[Role(role)]
    except ValueError:
        return Scope.NONE
