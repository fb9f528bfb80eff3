"""Signing in at the service level: passwords, lockout with back-off, the second factor, and the
lifetime of sessions and tokens (expiry, revocation, inactivity)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import make_branch, make_staff, make_team, vault
from guanxi.audit.models import AuditEvent
from guanxi.clock import frozen_at
from guanxi.config import get_settings
from guanxi.errors import ValidationFailed
from guanxi.security import auth
from guanxi.security.auth import AccountLocked, AuthenticationFailed, SecondFactorRequired, lock_period
from guanxi.security.models import AuthToken, User
from guanxi.security.service import SYSTEM, create_user, disable_user, enable_totp, reset_password
from guanxi.security.totp import code_at

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Another-Stable-Lamp-42"
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)
WRONG = "wrong user name or password"
NOT_VALID = "sign in again: this session or token is not valid"


def _user(session: Session, username: str = "mei", role: str = "service_agent", staff_key: str | None = None) -> User:
    with session.begin():
        return create_user(
            session=session,
            actor=SYSTEM,
            username=username,
            display_name=username.title(),
            role=role,
            password=PASSWORD,
            staff_key=staff_key,
        )


def _sign_in(session: Session, username: str = "mei", password: str = PASSWORD, **kwargs) -> auth.IssuedToken:
    return auth.sign_in(
        session=session, settings=get_settings(), vault=vault(), username=username, password=password, **kwargs
    )


def _authenticate(session: Session, token: str, kinds: tuple[str, ...] = ("session",)):
    try:
        return auth.authenticate_token(session=session, settings=get_settings(), token=token, kinds=kinds)
    finally:
        session.rollback()  # authentication may leave a read transaction open


def _fresh(session: Session, username: str = "mei") -> User:
    with session.begin():
        return session.scalars(
            select(User).where(User.username == username).execution_options(populate_existing=True)
        ).one()


def _fail(session: Session, times: int, username: str = "mei") -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            _sign_in(session, username, "not-the-password")


def _events(session: Session, action: str) -> list[AuditEvent]:
    with session.begin():
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _token_row(session: Session, token_id: int) -> AuthToken:
    with session.begin():
        return session.scalars(
            select(AuthToken).where(AuthToken.id == token_id).execution_options(populate_existing=True)
        ).one()


# --- passwords -------------------------------------------------------------------------------


def test_sign_in_returns_a_session_token_that_authenticates_as_the_user(session):
    # given a user not linked to staff
    user_id = _user(session).id
    # when they sign in with the right password
    with frozen_at(T0):
        issued = _sign_in(session, source="10.0.0.7")
        actor = _authenticate(session, issued.token)
    # then the token (shown once) stands for them, with their role and no place in the bank
    assert issued.kind == "session"
    assert issued.token.startswith("gx_")
    assert issued.expires_at == T0 + dt.timedelta(hours=get_settings().session_max_hours)
    assert (actor.username, actor.role, actor.user_id) == ("mei", "service_agent", user_id)
    assert (actor.staff_id, actor.branch_id, actor.team_id) == (None, None, None)
    assert actor.token_id == issued.token_id
    # and only a digest of the token is stored
    row = _token_row(session, issued.token_id)
    assert row.digest == auth.digest(issued.token)
    assert row.digest != issued.token
    assert (row.kind, row.created_from) == ("session", "10.0.0.7")


def test_the_actor_of_a_user_linked_to_staff_carries_their_staff_branch_and_team(session):
    # given a user linked to a member of staff in a branch and a team
    with session.begin():
        branch, team = make_branch(session), make_team(session)
        staff = make_staff(session, role="relationship_manager", branch=branch, team=team)
    _user(session, "li", role="relationship_manager", staff_key=staff.source_key)
    # when they sign in and the token is checked
    issued = _sign_in(session, "li")
    actor = _authenticate(session, issued.token)
    # then the actor sits where the staff member sits
    assert actor.role == "relationship_manager"
    assert (actor.staff_id, actor.branch_id, actor.team_id) == (staff.id, branch.id, team.id)
    assert issued.actor == actor


def test_a_wrong_password_is_refused_counted_and_audited(session):
    # given a user
    user = _user(session)
    # when they sign in with a wrong password
    with pytest.raises(AuthenticationFailed) as caught:
        _sign_in(session, password="Not-The-Password-1", source="10.0.0.9")
    # then the message does not say which half was wrong, and the failure is counted
    assert caught.value.message == WRONG
    assert caught.value.code == "authentication_failed"
    assert _fresh(session).failed_sign_ins == 1
    assert _fresh(session).locked_until is None
    # and the failed attempt is in the audit log once the use case has committed
    [event] = _events(session, "auth.sign_in_failed")
    assert (event.actor, event.entity, event.entity_id, event.source) == ("mei", "user", str(user.id), "10.0.0.9")
    assert event.data == {"reason": "authentication_failed"}


def test_an_unknown_user_gets_the_same_message_and_an_audit_entry(session):
    # given no user called "ghost"
    _user(session)
    # when someone signs in as "ghost"
    with pytest.raises(AuthenticationFailed) as caught:
        _sign_in(session, "ghost")
    # then the message is the one a wrong password gets
    assert caught.value.message == WRONG
    [event] = _events(session, "auth.sign_in_failed")
    assert (event.actor, event.entity, event.entity_id) == ("ghost", "user", None)
    assert event.data == {"reason": "authentication_failed"}


def test_no_session_is_opened_by_a_failed_sign_in(session):
    # given a user
    _user(session)
    # when a sign-in fails
    _fail(session, 1)
    # then no token was issued
    with session.begin():
        assert session.scalar(select(func.count()).select_from(AuthToken)) == 0


# --- lockout ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "period"),
    [
        (0, dt.timedelta(0)),
        (4, dt.timedelta(0)),
        (5, dt.timedelta(minutes=1)),
        (6, dt.timedelta(minutes=2)),
        (7, dt.timedelta(minutes=4)),
        (10, dt.timedelta(minutes=32)),
        (11, dt.timedelta(hours=1)),
        (20, dt.timedelta(hours=1)),
        (46, dt.timedelta(hours=1)),  # 2**41 minutes is past what a timedelta can hold
        (1000, dt.timedelta(hours=1)),
    ],
)
def test_the_lock_period_doubles_from_one_minute_and_is_capped_at_an_hour(failures, period):
    assert lock_period(failures) == period


def test_four_failures_do_not_lock(session):
    # given a user who got the password wrong four times
    _user(session)
    with frozen_at(T0):
        _fail(session, 4)
        # when they then use the right password
        issued = _sign_in(session)
    # then they are in, and the count starts again
    assert issued.actor.username == "mei"
    assert _fresh(session).failed_sign_ins == 0


def test_the_fifth_failure_locks_the_account_even_against_the_right_password(session):
    # given a user who got the password wrong five times
    _user(session)
    with frozen_at(T0):
        _fail(session, 5)
        user = _fresh(session)
        assert (user.failed_sign_ins, user.locked_until) == (5, T0 + dt.timedelta(minutes=1))
    # when they use the right password 20 seconds later
    with frozen_at(T0 + dt.timedelta(seconds=20)), pytest.raises(AccountLocked) as caught:
        _sign_in(session)
    # then the account is locked, and they are told when to try again (rounded up)
    assert caught.value.code == "account_locked"
    assert caught.value.message == "too many failed sign-ins: try again later"
    assert caught.value.details == {"retry_after_seconds": 41}
    # and the refusal is audited without adding to the count
    assert _fresh(session).failed_sign_ins == 5
    reasons = [e.data["reason"] for e in _events(session, "auth.sign_in_failed")]
    assert reasons == ["authentication_failed"] * 5 + ["account_locked"]


def test_the_lock_ends_and_each_further_failure_doubles_it(session):
    # given a user locked after five failures at T0
    _user(session)
    with frozen_at(T0):
        _fail(session, 5)
    # when the minute has passed and they fail again
    after_first = T0 + dt.timedelta(minutes=1)
    with frozen_at(after_first):
        _fail(session, 1)
    # then the lock is two minutes
    assert _fresh(session).locked_until == after_first + dt.timedelta(minutes=2)
    # and once that has passed, another failure locks for four
    after_second = after_first + dt.timedelta(minutes=2)
    with frozen_at(after_second):
        _fail(session, 1)
    user = _fresh(session)
    assert (user.failed_sign_ins, user.locked_until) == (7, after_second + dt.timedelta(minutes=4))


def test_a_long_run_of_failures_keeps_locking_for_an_hour(session):
    # given a user slowly guessed at for two days: 45 failures, the last lock over
    _user(session)
    with session.begin():
        user = session.scalars(select(User).where(User.username == "mei")).one()
        user.failed_sign_ins = 45
        user.locked_until = T0 - dt.timedelta(seconds=1)
    # when the next guess is wrong
    with frozen_at(T0), pytest.raises(AuthenticationFailed) as caught:
        _sign_in(session, password="yet-another-guess")
    # then it is refused as usual, counted, audited and the account locked for the hour
    assert caught.value.message == WRONG
    user = _fresh(session)
    assert (user.failed_sign_ins, user.locked_until) == (46, T0 + dt.timedelta(hours=1))
    assert [e.data["reason"] for e in _events(session, "auth.sign_in_failed")] == ["authentication_failed"]


def test_a_wrong_password_during_the_lock_is_refused_as_locked(session):
    # given a locked user
    _user(session)
    with frozen_at(T0):
        _fail(session, 5)
        # when someone keeps guessing during the lock
        with pytest.raises(AccountLocked):
            _sign_in(session, password="another-guess")
    # then the guess is not even checked, so the lock does not grow
    user = _fresh(session)
    assert (user.failed_sign_ins, user.locked_until) == (5, T0 + dt.timedelta(minutes=1))


def test_success_after_the_lock_resets_the_count(session):
    # given a user locked after five failures
    _user(session)
    with frozen_at(T0):
        _fail(session, 5)
    # when the lock has passed and they use the right password
    with frozen_at(T0 + dt.timedelta(minutes=1, seconds=1)):
        issued = _sign_in(session)
    # then they are in, and the count and lock are cleared
    assert issued.actor.username == "mei"
    user = _fresh(session)
    assert (user.failed_sign_ins, user.locked_until) == (0, None)


# --- second factor ---------------------------------------------------------------------------


def _enable_totp(session: Session, username: str = "mei") -> str:
    with session.begin():
        uri = enable_totp(session=session, actor=SYSTEM, vault=vault(), username=username)
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc, parsed.path) == ("otpauth", "totp", f"/Guanxi:{username}")
    query = parse_qs(parsed.query)
    assert {k: v for k, v in query.items() if k != "secret"} == {
        "issuer": ["Guanxi"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    return query["secret"][0]


def test_enable_totp_stores_the_secret_encrypted_and_audits(session):
    # given a user
    _user(session)
    # when a second factor is enabled
    secret = _enable_totp(session)
    # then the stored secret is sealed, not the base32 text
    user = _fresh(session)
    assert user.totp_secret_enc is not None
    assert secret.encode() not in user.totp_secret_enc
    assert vault().open_with_kek(user.totp_secret_enc, auth.TOTP_COLUMN) == secret
    assert [e.entity_id for e in _events(session, "user.enable_totp")] == [str(user.id)]


def test_with_totp_the_password_alone_asks_for_the_code(session):
    # given a user with a second factor
    _user(session)
    _enable_totp(session)
    # when they sign in with the password only
    with frozen_at(T0), pytest.raises(SecondFactorRequired) as caught:
        _sign_in(session)
    # then the code is asked for, and the attempt does not count as a failure
    assert caught.value.code == "second_factor_required"
    assert caught.value.message == "enter the 6-digit code from your authenticator app"
    assert _fresh(session).failed_sign_ins == 0


def test_the_right_code_signs_in_and_cannot_be_replayed(session):
    # given a user with a second factor
    _user(session)
    secret = _enable_totp(session)
    code = code_at(secret, T0)
    # when they sign in with password and the current code
    with frozen_at(T0):
        issued = _sign_in(session, totp_code=code)
    # then they are in
    assert issued.actor.username == "mei"
    # when the same code is presented again (a replay) a few seconds later
    with frozen_at(T0 + dt.timedelta(seconds=5)), pytest.raises(AuthenticationFailed) as caught:
        _sign_in(session, totp_code=code)
    # then it is refused and counted
    assert caught.value.message == "wrong or already used one-time code"
    assert _fresh(session).failed_sign_ins == 1
    # and the next step's code works
    with frozen_at(T0 + dt.timedelta(seconds=30)):
        again = _sign_in(session, totp_code=code_at(secret, T0 + dt.timedelta(seconds=30)))
    assert again.actor.username == "mei"
    assert _fresh(session).failed_sign_ins == 0


def test_a_wrong_code_is_refused_and_counted(session):
    # given a user with a second factor
    _user(session)
    secret = _enable_totp(session)
    right = code_at(secret, T0)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    # when they give the right password and a wrong code
    with frozen_at(T0), pytest.raises(AuthenticationFailed) as caught:
        _sign_in(session, totp_code=wrong)
    # then the sign-in fails and the failure is counted like a wrong password
    assert caught.value.message == "wrong or already used one-time code"
    assert _fresh(session).failed_sign_ins == 1


# --- tokens and sessions ---------------------------------------------------------------------


def test_an_api_token_works_until_it_expires(session):
    # given an API token issued for one day at T0
    _user(session)
    with frozen_at(T0), session.begin():
        issued = auth.issue_api_token(
            session=session, settings=get_settings(), actor=SYSTEM, username="mei", name="report", days=1
        )
    assert issued.expires_at == T0 + dt.timedelta(days=1)
    # when it is used a second before it expires, then it works
    with frozen_at(T0 + dt.timedelta(days=1) - dt.timedelta(seconds=1)):
        assert _authenticate(session, issued.token, ("api",)).username == "mei"
    # when it is used at its expiry time, then it is refused
    with frozen_at(T0 + dt.timedelta(days=1)), pytest.raises(AuthenticationFailed) as caught:
        _authenticate(session, issued.token, ("api",))
    assert caught.value.message == NOT_VALID


def test_a_token_whose_expiry_is_in_the_past_is_refused(session):
    # given an API token whose expires_at is set in the past
    _user(session)
    with session.begin():
        issued = auth.issue_api_token(session=session, settings=get_settings(), actor=SYSTEM, username="mei", name="x")
        row = session.get(AuthToken, issued.token_id)
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    # when it is presented, then it is refused
    with pytest.raises(AuthenticationFailed) as caught:
        _authenticate(session, issued.token, ("api",))
    assert caught.value.message == NOT_VALID


def test_a_token_is_only_good_for_its_own_kind(session):
    # given a session and an API token
    _user(session)
    session_token = _sign_in(session)
    api_token = _sign_in(session, kind="api", name="cli")
    # then each is refused where the other kind is expected
    with pytest.raises(AuthenticationFailed):
        _authenticate(session, session_token.token, ("api",))
    with pytest.raises(AuthenticationFailed):
        _authenticate(session, api_token.token, ("session",))
    # and an unknown token is refused
    with pytest.raises(AuthenticationFailed) as caught:
        _authenticate(session, "gx_not-a-token", ("session", "api"))
    assert caught.value.message == NOT_VALID


def test_a_revoked_token_is_refused(session):
    # given a user's session that works
    _user(session)
    issued = _sign_in(session)
    actor = _authenticate(session, issued.token)
    # when they revoke it
    auth.revoke_token(session=session, actor=actor, token_id=issued.token_id)
    # then it no longer works, and the revocation is audited
    with pytest.raises(AuthenticationFailed) as caught:
        _authenticate(session, issued.token)
    assert caught.value.message == NOT_VALID
    assert [e.entity_id for e in _events(session, "auth.token_revoked")] == [str(issued.token_id)]


def test_a_session_ends_after_the_idle_timeout(session):
    # given a session opened at T0 and the configured idle timeout
    _user(session)
    idle = dt.timedelta(minutes=get_settings().session_idle_minutes)
    with frozen_at(T0):
        issued = _sign_in(session)
    # when it is used just before the timeout, then it works and its clock restarts
    used_at = T0 + idle - dt.timedelta(seconds=1)
    with frozen_at(used_at):
        assert _authenticate(session, issued.token).username == "mei"
    assert _token_row(session, issued.token_id).last_used_at == used_at
    # when it is next used a full idle period after that, then it has ended
    with frozen_at(used_at + idle), pytest.raises(AuthenticationFailed) as caught:
        _authenticate(session, issued.token)
    assert caught.value.message == "sign in again: the session ended after inactivity"


def test_a_session_whose_last_use_is_older_than_the_idle_timeout_is_refused(session):
    # given a session whose last use was longer ago than the idle timeout
    _user(session)
    issued = _sign_in(session)
    with session.begin():
        row = session.get(AuthToken, issued.token_id)
        row.last_used_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=get_settings().session_idle_minutes + 1)
    # when it is presented, then it is refused
    with pytest.raises(AuthenticationFailed) as caught:
        _authenticate(session, issued.token)
    assert caught.value.message == "sign in again: the session ended after inactivity"


def test_an_api_token_has_no_idle_timeout(session):
    # given an API token not used for longer than a session's idle timeout
    _user(session)
    with frozen_at(T0):
        issued = _sign_in(session, kind="api", name="nightly")
    # when it is used a day later, then it still works
    with frozen_at(T0 + dt.timedelta(days=1)):
        assert _authenticate(session, issued.token, ("api",)).username == "mei"


# --- user management -------------------------------------------------------------------------


def test_disable_user_revokes_every_token_and_stops_sign_in(session):
    # given a user with a session and an API token
    _user(session)
    first = _sign_in(session)
    second = _sign_in(session, kind="api", name="cli")
    # when an administrator disables them
    with session.begin():
        disable_user(session=session, actor=SYSTEM, username="mei")
    # then both tokens are revoked and refused
    assert _token_row(session, first.token_id).revoked_at is not None
    assert _token_row(session, second.token_id).revoked_at is not None
    with pytest.raises(AuthenticationFailed):
        _authenticate(session, first.token)
    with pytest.raises(AuthenticationFailed):
        _authenticate(session, second.token, ("api",))
    # and they cannot sign in again
    with pytest.raises(AuthenticationFailed) as caught:
        _sign_in(session)
    assert caught.value.message == WRONG
    [event] = _events(session, "user.disable")
    assert event.data == {"revoked": 2}


def test_reset_password_unlocks_and_revokes(session):
    # given a user with a session who is then locked out
    _user(session)
    with frozen_at(T0):
        old = _sign_in(session)
        _fail(session, 5)
        # when an administrator resets the password during the lock
        with session.begin():
            reset_password(session=session, actor=SYSTEM, username="mei", password=NEW_PASSWORD)
        # then the lock is lifted and the old session revoked
        user = _fresh(session)
        assert (user.failed_sign_ins, user.locked_until, user.active) == (0, None, True)
        assert _token_row(session, old.token_id).revoked_at == T0
        with pytest.raises(AuthenticationFailed):
            _authenticate(session, old.token)
        # and only the new password works, at once
        with pytest.raises(AuthenticationFailed):
            _sign_in(session)
        assert _sign_in(session, password=NEW_PASSWORD).actor.username == "mei"
    [event] = _events(session, "user.reset_password")
    assert event.data == {"revoked": 1}


def test_reset_password_applies_the_policy(session):
    # given a user
    _user(session)
    # when the new password is weak, then the reset is refused
    with pytest.raises(ValidationFailed) as caught, session.begin():
        reset_password(session=session, actor=SYSTEM, username="mei", password="short")
    assert caught.value.details["problems"][0] == "shorter than 12 characters"
    # and the old password still works
    assert _sign_in(session).actor.username == "mei"


def test_create_user_refuses_a_weak_password_listing_every_problem(session):
    # when a user is created with a weak password
    with pytest.raises(ValidationFailed) as caught, session.begin():
        create_user(
            session=session, actor=SYSTEM, username="zhang", display_name="Zhang", role="auditor", password="zhang111"
        )
    # then every rule broken is named, without quoting the password
    problems = [
        "shorter than 12 characters",
        "uses fewer than 3 of the 4 character classes (lower case, upper case, digit, other)",
        "contains the user name",
        "has the same character three or more times in a row",
    ]
    assert caught.value.code == "validation_failed"
    assert caught.value.details == {"problems": problems}
    assert caught.value.message == "password does not meet the policy: " + "; ".join(problems)
    assert "zhang111" not in caught.value.message
    # and no user was created
    with session.begin():
        assert session.scalar(select(func.count()).select_from(User)) == 0
