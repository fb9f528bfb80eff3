"""Moving a case through its life: state changes, assignment, escalation, notes and replies.

Every change is one transaction: the case row is locked, the move is checked against the
workflow, the SLA clock is stopped or restarted as the state demands, the step is added to the
case's history and the audit entry is queued.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.calendars.business_time import WorkingCalendar
from guanxi.calendars.service import working_calendar
from guanxi.cases.models import Case, CaseAttachment
from guanxi.cases.schemas import AttachmentCreate, CaseAssign, CaseNote, CaseTransition
from guanxi.cases.service import add_event, get_case_or_raise
from guanxi.cases.sla import resume_clock, stop_clock
from guanxi.clock import now
from guanxi.codes import CaseStatus
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from guanxi.outbox.service import enqueue, reachable_channel
from guanxi.parties.models import Party
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.surveys.service import survey_after
from guanxi.team.models import Staff, Team

S = CaseStatus
ALLOWED: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_FOR_CUSTOMER, S.RESOLVED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.WAITING_FOR_CUSTOMER, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.WAITING_FOR_CUSTOMER, S.RESOLVED}),
    S.WAITING_FOR_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_FOR_CUSTOMER, S.RESOLVED}),
}
# States in which the SLA clock does not run.
CLOCK_STOPPED = frozenset({S.WAITING_FOR_CUSTOMER, S.RESOLVED, S.CLOSED})


def allowed_transitions(case: Case) -> list[str]:
    """The states the case may move to next, in workflow order."""
    targets = ALLOWED[CaseStatus(case.status)]
    return [status.value for status in CaseStatus if status in targets]


def _calendar_of(session: Session, case: Case) -> WorkingCalendar:
    branch = session.scalar(select(Party.home_branch_id).where(Party.id == case.party_id))
    return working_calendar(session, branch)


@use_case
def transition_case(*, session: Session, actor: Actor, case_id: int, data: CaseTransition) -> Case:
    """Move a case to ``data.to`` if the workflow allows it; resolving needs a resolution and root cause."""
    actor.require(Permission.CASE_WRITE)
    case = get_case_or_raise(session=session, actor=actor, case_id=case_id, for_update=True)
    current, target = CaseStatus(case.status), data.to
    if target not in ALLOWED[current]:
        raise Conflict(
            f"a case that is {current.value} cannot move to {target.value}",
            code="illegal_transition",
            details={"from": current.value, "to": target.value, "allowed": allowed_transitions(case)},
        )
    if target is S.ASSIGNED and case.owner_staff_id is None:
        raise ValidationFailed("assign the case to someone first", code="owner_required")
    if target is S.RESOLVED:
        missing = [name for name in ("resolution_code", "root_cause") if getattr(data, name) is None]
        if missing:
            raise ValidationFailed(
                f"resolving a case needs {' and '.join(missing)}",
                code="resolution_required",
                details={"missing": missing},
            )
        case.resolution_code = data.resolution_code.value if data.resolution_code else None
        case.root_cause = data.root_cause.value if data.root_cause else None
    if target is S.CLOSED and (case.resolution_code is None or case.root_cause is None):
        raise ValidationFailed(
            "a case is closed only after it is resolved with a root cause", code="resolution_required"
        )
    at = now()
    calendar = _calendar_of(session, case)
    if target in CLOCK_STOPPED:
        if stop_clock(case, at=at, calendar=calendar):
            # Found late as it stops: the breach is recorded now (the sweep only sees running
            # clocks), and a case still open is escalated like any breach.
            add_event(session, case, actor=actor, kind="sla_breached", at=at, data={"due_at": str(case.breached_at)})
            if target is S.WAITING_FOR_CUSTOMER:
                escalate(session, case, actor=actor, reason="SLA breached")
    else:
        resume_clock(case, at=at, calendar=calendar)
    if target is S.RESOLVED:
        case.resolved_at = at
    elif target is S.CLOSED:
        case.closed_at = at
    elif target is S.REOPENED:
        case.reopen_count += 1
        case.resolved_at = case.closed_at = None
        case.resolution_code = case.root_cause = None
    case.status = target.value
    add_event(
        session,
        case,
        actor=actor,
        kind="status",
        at=at,
        from_status=current.value,
        to_status=target.value,
        body=data.note,
        data={"resolution_code": case.resolution_code, "root_cause": case.root_cause} if target is S.RESOLVED else None,
    )
    if target is S.CLOSED:
        survey_after(
            session,
            actor=actor,
            trigger="case_closed",
            party_id=case.party_id,
            case_id=case.id,
            staff_id=case.owner_staff_id,
            team_id=case.team_id,
            channel=case.channel,
            category=case.category,
        )
    record(
        session=session,
        actor=actor,
        action="case.transition",
        entity="case",
        entity_id=case.id,
        data={"from": current.value, "to": target.value, "resolution_code": case.resolution_code},
    )
    return case


def _give(session: Session, case: Case, *, actor: Actor, staff_id: int | None, team_id: int | None) -> None:
    at, previous = now(), case.status
    case.owner_staff_id, case.team_id = staff_id, team_id
    if case.status in (S.NEW.value, S.REOPENED.value) and staff_id is not None:
        case.status = S.ASSIGNED.value
    elif case.status == S.ASSIGNED.value and staff_id is None:
        case.status = S.NEW.value  # back in a queue, owned by nobody
    add_event(
        session,
        case,
        actor=actor,
        kind="assigned",
        at=at,
        from_status=previous,
        to_status=case.status,
        data={"team_id": team_id, "staff_id": staff_id},
    )
    record(
        session=session,
        actor=actor,
        action="case.assign",
        entity="case",
        entity_id=case.id,
        data={"team_id": team_id, "staff_id": staff_id},
    )


def _open_or_raise(case: Case, what: str) -> None:
    if case.status in (S.RESOLVED.value, S.CLOSED.value):
        raise Conflict(f"a {case.status} case cannot be {what}; reopen it first", code="illegal_transition")


@use_case
def assign_case(*, session: Session, actor: Actor, case_id: int, data: CaseAssign) -> Case:
    """Give the case to a member of staff (joining their team's queue) or to a team's queue."""
    actor.require(Permission.CASE_ASSIGN)
    if data.staff_id is None and data.team_id is None:
        raise ValidationFailed("name a member of staff or a team", code="assignee_required")
    case = get_case_or_raise(session=session, actor=actor, case_id=case_id, for_update=True)
    _open_or_raise(case, "reassigned")
    team_id = data.team_id
    if data.staff_id is not None:
        staff = session.get(Staff, data.staff_id)
        if staff is None or not staff.active:
            raise NotFound(f"no active member of staff with id {data.staff_id}", code="staff_not_found")
        if team_id is not None and staff.team_id != team_id:
            raise ValidationFailed(f"staff {staff.id} is not in team {team_id}", code="staff_not_in_team")
        team_id = staff.team_id
    elif session.get(Team, team_id) is None:
        raise NotFound(f"no team with id {team_id}", code="team_not_found")
    staff_id = data.staff_id
    if staff_id is None and team_id == case.team_id:
        staff_id = case.owner_staff_id  # the same team's queue: whoever owns it keeps it
    _give(session, case, actor=actor, staff_id=staff_id, team_id=team_id)
    return case


@use_case
def take_case(*, session: Session, actor: Actor, case_id: int) -> Case:
    """Make the acting member of staff the owner; a case of another team needs ``case.assign``."""
    actor.require(Permission.CASE_WRITE)
    if actor.staff_id is None:
        raise ValidationFailed("only a user linked to a member of staff can take a case", code="not_staff")
    case = get_case_or_raise(session=session, actor=actor, case_id=case_id, for_update=True)
    _open_or_raise(case, "taken")
    own_team = case.team_id is not None and case.team_id == actor.team_id
    if not own_team and not actor.can(Permission.CASE_ASSIGN):
        raise PermissionDenied(f"your role ({actor.role}) may take cases of its own team only")
    _give(session, case, actor=actor, staff_id=actor.staff_id, team_id=case.team_id)
    return case


def escalate(session: Session, case: Case, *, actor: Actor, reason: str) -> int | None:
    """Raise the case a level and give it to its team's lead (if the team has one); returns the lead."""
    at = now()
    lead = session.scalar(select(Team.lead_staff_id).where(Team.id == case.team_id)) if case.team_id else None
    case.escalation_level += 1
    case.escalated_at = at
    if lead is not None:
        case.owner_staff_id = lead
        enqueue(
            session,
            channel="staff",
            staff_id=lead,
            subject=f"Case {case.id} escalated to you",
            body=f"Case {case.id} ({case.category}, {case.priority}) was escalated: {reason}",
            source="case_escalation",
            source_id=f"{case.id}:{case.escalation_level}",
        )
    add_event(
        session,
        case,
        actor=actor,
        kind="escalated",
        at=at,
        body=reason,
        data={"level": case.escalation_level, "to_staff_id": lead},
    )
    record(
        session=session,
        actor=actor,
        action="case.escalate",
        entity="case",
        entity_id=case.id,
        data={"level": case.escalation_level, "to_staff_id": lead, "reason": reason},
    )
    return lead


@use_case
def escalate_case(*, session: Session, actor: Actor, case_id: int, reason: str) -> Case:
    """Escalate an open case to its team lead by hand."""
    actor.require(Permission.CASE_WRITE)
    case = get_case_or_raise(session=session, actor=actor, case_id=case_id, for_update=True)
    _open_or_raise(case, "escalated")
    escalate(session, case, actor=actor, reason=reason)
    return case


@use_case
def add_note(*, session: Session, actor: Actor, case_id: int, data: CaseNote) -> Case:
    """Add an internal note, or a reply the customer sees, to the case's history."""
    actor.require(Permission.CASE_WRITE)
    case = get_case_or_raise(session=session, actor=actor, case_id=case_id, for_update=True)
    kind = "reply" if data.visibility == "customer" else "note"
    event = add_event(session, case, actor=actor, kind=kind, at=now(), body=data.body, visibility=data.visibility)
    if kind == "reply":
        # The customer gets the reply on the channel they can be reached on (if any).
        session.flush()
        via = reachable_channel(session, case.party_id)
        if via is not None:
            enqueue(
                session,
                channel=via,
                party_id=case.party_id,
                subject=f"About your case {case.id}: {case.subject}",
                body=data.body,
                source="case_reply",
                source_id=event.id,
            )
    record(
        session=session,
        actor=actor,
        action=f"case.{kind}",
        entity="case",
        entity_id=case.id,
        data={"length": len(data.body), "visibility": data.visibility},
    )
    return case


@use_case
def add_attachment(*, session: Session, actor: Actor, case_id: int, data: AttachmentCreate) -> CaseAttachment:
    """Record a file attached to the case (name, type, size, digest)."""
    actor.require(Permission.CASE_WRITE)
    case = get_case_or_raise(session=session, actor=actor, case_id=case_id, for_update=True)
    attachment = CaseAttachment(case_id=case.id, added_by=actor.username, added_at=now(), **data.model_dump())
    session.add(attachment)
    session.flush()
    add_event(session, case, actor=actor, kind="attachment", at=attachment.added_at, data={"filename": data.filename})
    record(
        session=session,
        actor=actor,
        action="case.attach",
        entity="case",
        entity_id=case.id,
        data={"filename": data.filename, "size_bytes": data.size_bytes, "sha256": data.sha256},
    )
    return attachment
