"""Users: creating them and checking who is signing in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.errors import Conflict, GuanxiError, ValidationFailed
from guanxi.security.models import User
from guanxi.security.permissions import Permission, Role, has_permission

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
# HTTP Basic sends the password with every request; argon2 is deliberately slow, so remember a
# keyed digest of each verified (user, stored hash, password) for this process.
_verified: dict[tuple[int, str], bytes] = {}
_cache_key = secrets.token_bytes(32)


def _digest(password: str) -> bytes:
    return hmac.new(_cache_key, password.encode("utf-8"), hashlib.sha256).digest()


class AuthenticationFailed(GuanxiError):
    """Wrong user name or password."""

    code = "authentication_failed"
    http_status = 401


@dataclass(frozen=True)
class Actor:
    """Who is doing something: a signed-in user, or the system."""

    username: str
    role: str
    user_id: int | None = None

    def can(self, permission: Permission) -> bool:
        """Whether this actor holds ``permission``."""
        return has_permission(self.role, permission)


SYSTEM = Actor(username="system", role=Role.ADMIN)


def create_user(*, session: Session, actor: Actor, username: str, display_name: str, role: str, password: str) -> User:
    """Add a user (inside the caller's transaction), with an audit record."""
    try:
        Role(role)
    except ValueError:
        raise ValidationFailed(f"unknown role '{role}' (known: {', '.join(r.value for r in Role)})") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists")
    user = User(username=username, display_name=display_name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    record(
        session=session,
        actor=actor.username,
        action="user.create",
        entity="user",
        entity_id=user.id,
        data={"username": username, "role": role},
    )
    return user


def authenticate(*, session: Session, username: str, password: str) -> Actor:
    """Return the actor for valid credentials; raise ``AuthenticationFailed`` otherwise."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _hasher.hash(password)  # same work either way, so timing does not reveal which names exist
        raise AuthenticationFailed("wrong user name or password")
    remembered = _verified.get((user.id, user.password_hash))
    if remembered is None or not hmac.compare_digest(remembered, _digest(password)):
        try:
            _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            raise AuthenticationFailed("wrong user name or password") from None
        _verified[(user.id, user.password_hash)] = _digest(password)
    return Actor(username=user.username, role=user.role, user_id=user.id)
