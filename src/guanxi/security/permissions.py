"""Roles and what each may do. Endpoints and services check permissions, never role names."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Roles a user can hold."""

    ADMIN = "admin"
    RELATIONSHIP_MANAGER = "relationship_manager"
    SERVICE_AGENT = "service_agent"
    BRANCH_MANAGER = "branch_manager"
    ANALYST = "analyst"
    COMPLIANCE_OFFICER = "compliance_officer"
    OPERATOR = "operator"


class Permission(StrEnum):
    """Things a user may be allowed to do."""

    PARTIES_READ = "parties:read"
    ACCOUNTS_READ = "accounts:read"
    TRANSACTIONS_READ = "transactions:read"
    PRODUCTS_READ = "products:read"
    BRANCHES_READ = "branches:read"
    INGEST_READ = "ingest:read"
    AUDIT_READ = "audit:read"


_CUSTOMER_VIEW = {
    Permission.PARTIES_READ,
    Permission.ACCOUNTS_READ,
    Permission.TRANSACTIONS_READ,
    Permission.PRODUCTS_READ,
    Permission.BRANCHES_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.RELATIONSHIP_MANAGER: frozenset(_CUSTOMER_VIEW),
    Role.SERVICE_AGENT: frozenset(_CUSTOMER_VIEW),
    Role.BRANCH_MANAGER: frozenset(_CUSTOMER_VIEW),
    Role.ANALYST: frozenset({Permission.PRODUCTS_READ, Permission.BRANCHES_READ, Permission.INGEST_READ}),
    Role.COMPLIANCE_OFFICER: frozenset(_CUSTOMER_VIEW | {Permission.AUDIT_READ, Permission.INGEST_READ}),
    Role.OPERATOR: frozenset({Permission.INGEST_READ, Permission.BRANCHES_READ, Permission.PRODUCTS_READ}),
}


def has_permission(role: str, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission`` (unknown roles grant nothing)."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
