"""Customers signing in to customer channels (the assistant), kept apart from staff sign-in.

A customer proves who they are with a passcode of their own (argon2id-hashed, with the same
lockout and back-off as staff). What they get is a :class:`CustomerPrincipal`: it names one
customer and carries no staff role, so no staff endpoint or permission can ever accept it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.errors import ValidationFailed
from guanxi.security import auth
from guanxi.security.actor import Actor
from guanxi.security.models import CustomerCredential
from guanxi.security.permissions import CUSTOMER_ROLE

MIN_PASSCODE = 6


@dataclass(frozen=True)
class CustomerPrincipal:
    """A signed-in customer: they may act on their own relationship only."""

    party_id: int
    channel: str
    signed_in_at: dt.datetime

    @property
    def username(self) -> str:
        """How the audit log names them."""
        return f"customer:{self.party_id}"

    @property
    def source(self) -> str:
        """The channel they came through."""
        return self.channel

    def actor(self) -> Actor:
        """The actor domain services see: the customer role, scoped to this customer alone."""
        return Actor(username=self.username, role=CUSTOMER_ROLE, party_id=self.party_id, source=self.channel)


def _check_passcode(passcode: str) -> None:
    problems = []
    if len(passcode) < MIN_PASSCODE:
        problems.append(f"shorter than {MIN_PASSCODE} characters")
    if len(set(passcode)) <= 2:
        problems.append("too few different characters")
    if passcode.isdigit() and (passcode in "01234567890123456789" or passcode in "98765432109876543210"):
        problems.append("a run of consecutive digits")
    if problems:
        message = "passcode does not meet the policy: " + "; ".join(problems)
        raise ValidationFailed(message, details={"problems": problems})


def enrol_customer(*, session: Session, actor: Actor, party_id: int, passcode: str) -> CustomerCredential:
    """Set (or replace) a customer's passcode, unlocking them; audited (the passcode never is)."""
    _check_passcode(passcode)
    credential = session.scalar(select(CustomerCredential).where(CustomerCredential.party_id == party_id))
    if credential is None:
        credential = CustomerCredential(party_id=party_id, secret_hash="")
        session.add(credential)
    credential.secret_hash = auth.hasher.hash(passcode)
    credential.failed_sign_ins = 0
    credential.locked_until = None
    session.flush()
    record(session=session, actor=actor, action="customer.enrol", entity="party", entity_id=party_id)
    return credential


def _verified(secret_hash: str | None, passcode: str) -> bool:
    if secret_hash is None:
        auth.hasher.hash(passcode)  # the same work either way, so timing does not tell who is enrolled
        return False
    try:
        auth.hasher.verify(secret_hash, passcode)
    except (VerifyMismatchError, InvalidHashError):
        return False
    return True


def authenticate_customer(*, session: Session, party_id: int, passcode: str, channel: str) -> CustomerPrincipal:
    """Check a customer's passcode; failures count towards a lock with back-off and are audited.

    The hash is checked outside any write transaction (it takes a good part of a second by design),
    so a burst of sign-ins never holds the database's write lock; the outcome is then recorded in a
    short transaction that re-reads the credential under a row lock.
    """
    seen = session.scalar(select(CustomerCredential).where(CustomerCredential.party_id == party_id))
    secret_hash = seen.secret_hash if seen is not None else None
    session.rollback()  # end the read before the slow part
    verified = _verified(secret_hash, passcode)
    with session.begin():
        at = now()
        credential = session.scalar(
            select(CustomerCredential).where(CustomerCredential.party_id == party_id).with_for_update()
        )
        problem: auth.AuthenticationFailed | auth.AccountLocked | None = None
        if credential is None:
            problem = auth.AuthenticationFailed("we could not verify you")
        elif (locked := auth.lock_refusal(credential, at, "too many attempts: try again later")) is not None:
            problem = locked
        elif not verified or credential.secret_hash != secret_hash:  # a passcode changed meanwhile counts as wrong
            auth.count_failure(credential, at)
            problem = auth.AuthenticationFailed("we could not verify you")
        else:
            credential.failed_sign_ins = 0
            credential.last_sign_in_at = at
        principal = CustomerPrincipal(party_id=party_id, channel=channel, signed_in_at=at)
        record(
            session=session,
            actor=principal,
            action="customer.sign_in" if problem is None else "customer.sign_in_failed",
            entity="party",
            entity_id=party_id,
            data=None if problem is None else {"reason": problem.code},
        )
    if problem is not None:
        raise problem
    return principal
