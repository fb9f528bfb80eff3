"""Who is acting: a signed-in user (with where they sit in the bank) or the system."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from guanxi.errors import PermissionDenied
from guanxi.security.permissions import Permission, Role, Scope, has_permission, scope_of


@dataclass(frozen=True)
class Actor:
    """A user acting through some channel, with what scoping needs to know about them."""

    username: str
    role: str
    user_id: int | None = None
    staff_id: int | None = None
    branch_id: int | None = None
    team_id: int | None = None
    source: str | None = None  # where the request came from: an address, "cli", "ingest"
    token_id: int | None = None
    party_id: int | None = None  # the customer a customer-role actor is (see ``CustomerPrincipal``)

    def can(self, permission: Permission) -> bool:
        """Whether this actor holds ``permission``."""
        return has_permission(self.role, permission)

    def require(self, permission: Permission) -> None:
        """Raise ``PermissionDenied`` unless this actor holds ``permission``."""
        if not self.can(permission):
            raise PermissionDenied(f"your role ({self.role}) may not use {permission}")

    @property
    def scope(self) -> Scope:
        """Which customers this actor sees."""
        return scope_of(self.role)

    def from_source(self, source: str | None) -> Actor:
        """The same actor, acting from ``source``."""
        return dataclasses.replace(self, source=source)


SYSTEM = Actor(username="system", role=Role.ADMIN, source="system")
