"""Signing in: passwords with lockout and back-off, an optional second factor, sessions and tokens.

A browser session and an API token are the same thing underneath: a random token handed to
the client once, of which only a SHA-256 digest is stored. Sessions also expire after a quiet
spell; tokens expire on a date; both can be revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.config import Settings
from guanxi.errors import GuanxiError, NotFound, PermissionDenied
from guanxi.security import totp
from guanxi.security.actor import Actor
from guanxi.security.models import AuthToken, User
from guanxi.security.permissions import Permission
from guanxi.security.pii import Vault
from guanxi.team.models import Staff

TokenKind = Literal["session", "api"]
LOCK_AFTER = 5
MAX_LOCK = dt.timedelta(hours=1)
# Refreshing "last used" on every request would make each read a write; once a minute is enough.
TOUCH_EVERY = dt.timedelta(minutes=1)
TOKEN_PREFIX = "gx_"
TOTP_COLUMN = "users.totp_secret"

hasher = PasswordHasher()


class AuthenticationFailed(GuanxiError):
    """Wrong user name, password or second factor, or an unknown, expired or revoked token."""

    code = "authentication_failed"
    http_status = 401


class AccountLocked(GuanxiError):
    """Too many failed sign-ins: the account is locked for a while."""

    code = "account_locked"
    http_status = 401


class SecondFactorRequired(GuanxiError):
    """The password was right; the one-time code is missing."""

    code = "second_factor_required"
    http_status = 401


@dataclass(frozen=True)
class IssuedToken:
    """A new session or API token: the secret is shown this once."""

    token: str
    token_id: int
    kind: TokenKind
    expires_at: dt.datetime
    actor: Actor


def digest(token: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def lock_period(failures: int) -> dt.timedelta:
    """How long an account stays locked after ``failures`` failed sign-ins in a row (doubling)."""
    if failures < LOCK_AFTER:
        return dt.timedelta(0)
    doublings = min(failures - LOCK_AFTER, 10)  # 2**10 minutes is past the cap already
    return min(dt.timedelta(minutes=1) * (2**doublings), MAX_LOCK)


class Lockable(Protocol):
    """A credential that counts failures and locks: a staff user or a customer's passcode."""

    failed_sign_ins: int
    locked_until: dt.datetime | None


def count_failure(holder: Lockable, at: dt.datetime) -> None:
    """One more failed sign-in; from the threshold on, lock for a period that doubles each time."""
    holder.failed_sign_ins += 1
    period = lock_period(holder.failed_sign_ins)
    holder.locked_until = at + period if period else None


def lock_refusal(holder: Lockable, at: dt.datetime, message: str) -> AccountLocked | None:
    """The refusal to give while ``holder`` is locked, or None when it is not."""
    if holder.locked_until is None or holder.locked_until <= at:
        return None
    retry = int((holder.locked_until - at).total_seconds()) + 1
    return AccountLocked(message, details={"retry_after_seconds": retry})


def actor_for(session: Session, user: User, *, source: str | None = None, token_id: int | None = None) -> Actor:
    """The actor a user acts as: their role and where they sit (branch, team)."""
    staff = session.get(Staff, user.staff_id) if user.staff_id is not None else None
    return Actor(
        username=user.username,
        role=user.role,
        user_id=user.id,
        staff_id=user.staff_id,
        branch_id=staff.branch_id if staff else None,
        team_id=staff.team_id if staff else None,
        source=source,
        token_id=token_id,
    )


def _check_credentials(
    session: Session, vault: Vault, user: User | None, password: str, code: str | None
) -> GuanxiError | None:
    """The reason the credentials fail, or None; updates the user's failure count and lock."""
    at = now()
    if user is None or not user.active:
        hasher.hash(password)  # same work either way, so timing does not reveal which names exist
        return AuthenticationFailed("wrong user name or password")
    locked = lock_refusal(user, at, "too many failed sign-ins: try again later")
    if locked is not None:
        hasher.hash(password)  # the same work as a real check, so timing tells nothing
        return locked
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        count_failure(user, at)
        return AuthenticationFailed("wrong user name or password")
    if user.totp_secret_enc is not None:
        if not code:
            return SecondFactorRequired("enter the 6-digit code from your authenticator app")
        secret = vault.open_with_kek(user.totp_secret_enc, TOTP_COLUMN)
        step = totp.verify(secret, code, at, last_step=user.totp_last_step)
        if step is None:
            count_failure(user, at)
            return AuthenticationFailed("wrong or already used one-time code")
        user.totp_last_step = step
    user.failed_sign_ins = 0
    user.locked_until = None
    return None


def sign_in(
    *,
    session: Session,
    settings: Settings,
    vault: Vault,
    username: str,
    password: str,
    totp_code: str | None = None,
    kind: TokenKind = "session",
    name: str | None = None,
    days: int | None = None,
    source: str | None = None,
) -> IssuedToken:
    """Check credentials and open a session (or issue an API token); failures are counted and audited."""
    with session.begin():
        user = session.scalar(select(User).where(User.username == username).with_for_update())
        problem = _check_credentials(session, vault, user, password, totp_code)
        if problem is not None:
            record(
                session=session,
                actor=Actor(username=username, role="anonymous", source=source),
                action="auth.sign_in_failed",
                entity="user",
                entity_id=user.id if user else None,
                data={"reason": problem.code},
            )
        else:
            assert user is not None
            issued = _issue(session, settings, user, kind=kind, name=name, days=days, source=source)
    if problem is not None:
        raise problem
    return issued


def _issue(
    session: Session,
    settings: Settings,
    user: User,
    *,
    kind: TokenKind,
    name: str | None,
    days: int | None,
    source: str | None,
) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    at = now()
    lifetime = (
        dt.timedelta(hours=settings.session_max_hours)
        if kind == "session"
        else dt.timedelta(days=days or settings.api_token_days)
    )
    row = AuthToken(
        user_id=user.id,
        kind=kind,
        digest=digest(token),
        name=name,
        created_at=at,
        expires_at=at + lifetime,
        last_used_at=at,
        created_from=source,
    )
    session.add(row)
    session.flush()
    actor = actor_for(session, user, source=source, token_id=row.id)
    record(
        session=session,
        actor=actor,
        action="auth.session_opened" if kind == "session" else "auth.token_issued",
        entity="auth_token",
        entity_id=row.id,
        data={"kind": kind, "name": name, "expires_at": row.expires_at.isoformat()},
    )
    return IssuedToken(token=token, token_id=row.id, kind=kind, expires_at=row.expires_at, actor=actor)


def issue_api_token(
    *, session: Session, settings: Settings, actor: Actor, username: str, name: str, days: int | None = None
) -> IssuedToken:
    """Issue an API token for ``username`` (an operator's command); the caller's transaction."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    if not user.active:
        raise PermissionDenied(f"user '{username}' is disabled")
    issued = _issue(session, settings, user, kind="api", name=name, days=days, source=actor.source)
    return issued


def authenticate_token(
    *, session: Session, settings: Settings, token: str, kinds: tuple[TokenKind, ...], source: str | None = None
) -> Actor:
    """The actor a presented token stands for; raises ``AuthenticationFailed`` when it is not valid."""
    at = now()
    row = session.scalar(select(AuthToken).where(AuthToken.digest == digest(token)))
    if row is None or row.kind not in kinds or row.revoked_at is not None or row.expires_at <= at:
        raise AuthenticationFailed("sign in again: this session or token is not valid")
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    if row.kind == "session" and row.last_used_at is not None and row.last_used_at + idle <= at:
        raise AuthenticationFailed("sign in again: the session ended after inactivity")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("sign in again: this user is disabled")
    actor = actor_for(session, user, source=source, token_id=row.id)
    if row.last_used_at is None or at - row.last_used_at >= TOUCH_EVERY:
        # Keeps an active session alive; committed at once, before the request's own use case.
        # Under a concurrent write SQLite may refuse it; the next request touches the session then.
        try:
            session.execute(update(AuthToken).where(AuthToken.id == row.id).values(last_used_at=at))
            session.commit()
        except OperationalError:
            session.rollback()
    return actor


def revoke_token(*, session: Session, actor: Actor, token_id: int) -> None:
    """Revoke a session or token: one's own, or anyone's with ``user.manage``."""
    with session.begin():
        row = session.get(AuthToken, token_id)
        if row is None or (row.user_id != actor.user_id and not actor.can(Permission.USER_MANAGE)):
            raise NotFound(f"no token with id {token_id}")
        if row.revoked_at is None:
            row.revoked_at = now()
            record(session=session, actor=actor, action="auth.token_revoked", entity="auth_token", entity_id=row.id)


def list_tokens(*, session: Session, actor: Actor) -> list[AuthToken]:
    """The actor's own sessions and tokens, newest first."""
    return list(
        session.scalars(select(AuthToken).where(AuthToken.user_id == actor.user_id).order_by(AuthToken.id.desc()))
    )
