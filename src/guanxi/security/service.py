"""Staff users: creating, disabling, resetting and adding a second factor. Each use case is audited."""

from __future__ import annotations

import secrets
import string

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.security import auth, totp
from guanxi.security.actor import SYSTEM, Actor
from guanxi.security.models import AuthToken, User
from guanxi.security.passwords import require_acceptable
from guanxi.security.permissions import Role
from guanxi.security.pii import Vault
from guanxi.team.models import Staff

__all__ = ["SYSTEM", "Actor", "create_user", "disable_user", "enable_totp", "generate_password", "reset_password"]


def get_user_or_raise(*, session: Session, username: str) -> User:
    """The user called ``username``; raises ``NotFound``."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'", details={"username": username})
    return user


def generate_password() -> str:
    """A random password that meets the policy (for resets handed over out of band)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
        classes = (str.islower, str.isupper, str.isdigit)
        if all(any(test(c) for c in candidate) for test in classes):
            return candidate


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    password: str,
    staff_key: str | None = None,
) -> User:
    """Add a user (inside the caller's transaction), linked to a member of staff when given."""
    try:
        Role(role)
    except ValueError:
        raise ValidationFailed(f"unknown role '{role}' (known: {', '.join(r.value for r in Role)})") from None
    require_acceptable(password, username=username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists")
    staff_id = None
    if staff_key is not None:
        staff_id = session.scalar(select(Staff.id).where(Staff.source_key == staff_key))
        if staff_id is None:
            raise NotFound(f"no member of staff with key '{staff_key}'", details={"staff_key": staff_key})
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=auth.hasher.hash(password),
        password_changed_at=now(),
        staff_id=staff_id,
    )
    session.add(user)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=user.id,
        data={"username": username, "role": role, "staff_id": staff_id},
    )
    return user


def _revoke_all(session: Session, user: User) -> int:
    result = session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def disable_user(*, session: Session, actor: Actor, username: str) -> User:
    """Stop a user signing in and end their sessions and tokens at once."""
    user = get_user_or_raise(session=session, username=username)
    user.active = False
    revoked = _revoke_all(session, user)
    record(
        session=session, actor=actor, action="user.disable", entity="user", entity_id=user.id, data={"revoked": revoked}
    )
    return user


def reset_password(*, session: Session, actor: Actor, username: str, password: str) -> User:
    """Set a new password, lift any lock, re-enable the user and end their sessions."""
    user = get_user_or_raise(session=session, username=username)
    require_acceptable(password, username=username)
    user.password_hash = auth.hasher.hash(password)
    user.password_changed_at = now()
    user.failed_sign_ins = 0
    user.locked_until = None
    user.active = True
    revoked = _revoke_all(session, user)
    record(
        session=session,
        actor=actor,
        action="user.reset_password",
        entity="user",
        entity_id=user.id,
        data={"revoked": revoked},
    )
    return user


def enable_totp(*, session: Session, actor: Actor, vault: Vault, username: str) -> str:
    """Give a user a TOTP second factor; returns the provisioning URI to show once as a QR code or text."""
    user = get_user_or_raise(session=session, username=username)
    secret = totp.new_secret()
    user.totp_secret_enc = vault.seal_with_kek(secret, auth.TOTP_COLUMN)
    user.totp_last_step = None
    record(session=session, actor=actor, action="user.enable_totp", entity="user", entity_id=user.id)
    return totp.provisioning_uri(secret, account=username)
