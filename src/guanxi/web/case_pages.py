"""Case pages: the queue with SLA countdowns, a case with its history and actions, opening a case
from the customer 360. Thin over the same case services the API uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.api.csrf import check_csrf_form
from guanxi.api.deps import RowId, SessionDep
from guanxi.cases import service, workflow
from guanxi.cases.schemas import CaseAssign, CaseCreate, CaseNote, CaseTransition
from guanxi.cases.taxonomy import CASE_CATEGORIES
from guanxi.codes import CasePriority, CaseStatus, CaseType, ContactChannel, ResolutionCode, RootCause
from guanxi.errors import GuanxiError
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.team.models import Staff, Team
from guanxi.web.forms import act_then_show, from_form
from guanxi.web.render import render
from guanxi.web.session import PageActor

VIEWS = ("mine", "team", "all")
Csrf = Annotated[str | None, Form(max_length=100)]


def _staff_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(Staff.id, Staff.full_name).where(Staff.id.in_(wanted))).all()
    return {staff_id: name for staff_id, name in rows}


def cases_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    view: Annotated[str | None, Query(max_length=8)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    sla: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The case queue: mine, my team's or everything I may see, due soonest first."""
    actor.require(Permission.CASE_READ)
    if view not in VIEWS:
        view = "mine" if actor.staff_id else "all"
    filters = service.CaseFilters(
        status=(status,) if status in CaseStatus._value2member_map_ else (),
        open_only=status is None or status == "open",
        owner_staff_id=actor.staff_id if view == "mine" else None,
        team_id=actor.team_id if view == "team" else None,
        sla=sla if sla in ("breached", "at_risk") else None,
    )
    size = 50
    cases, total = service.list_cases(
        session=session, actor=actor, filters=filters, limit=size, offset=(page - 1) * size
    )
    rows = [service.case_read(session, case) for case in cases]
    return render(
        request,
        "cases.html",
        actor,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        view=view,
        views=VIEWS if actor.staff_id else ("all",),
        status=status or "open",
        statuses=["open", *CaseStatus],
        sla=sla or "",
        owners=_staff_names(session, {r.owner_staff_id for r in rows}),
    )


def _case_context(session: Session, actor: Actor, case_id: int) -> dict[str, Any]:
    case = service.get_case_or_raise(session=session, actor=actor, case_id=case_id)
    events = service.case_events(session=session, case=case)
    read = service.case_read(session, case)
    can_assign = actor.can(Permission.CASE_ASSIGN)
    return {
        "case": read,
        "events": events,
        "attachments": service.case_attachments(session=session, case=case),
        "allowed": workflow.allowed_transitions(case),
        "names": _staff_names(session, {case.owner_staff_id} | {e.data.get("staff_id") for e in events if e.data}),
        "team": session.get(Team, case.team_id) if case.team_id else None,
        "can_write": actor.can(Permission.CASE_WRITE),
        "can_take": actor.staff_id is not None and case.owner_staff_id != actor.staff_id,
        "can_assign": can_assign,
        "teams": list(session.scalars(select(Team).order_by(Team.name))) if can_assign else [],
        "resolution_codes": list(ResolutionCode),
        "root_causes": list(RootCause),
        "customer_visible": _customer_visible(session, actor, case.party_id),
    }


def _customer_visible(session: Session, actor: Actor, party_id: int) -> bool:
    try:
        get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    except GuanxiError:
        return False
    return actor.can(Permission.CUSTOMER_READ)


def case_page(
    request: Request, session: SessionDep, actor: PageActor, case_id: RowId, error: str | None = None
) -> Response:
    """One case: its clock, the categoriser's suggestion, its history and what can be done next."""
    context = _case_context(session, actor, case_id)
    return render(request, "case.html", actor, error=error, status_code=422 if error else 200, **context)


def _after(request: Request, session: Session, actor: Actor, case_id: int, action: Any) -> Response:
    """Run a case action; show the case again with the error if it was refused."""
    return act_then_show(
        session,
        action,
        then=f"/cases/{case_id}",
        refused=lambda message: case_page(request, session, actor, case_id, error=message),
    )


def transition_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    case_id: RowId,
    to: Annotated[CaseStatus, Form()],
    note: Annotated[str | None, Form(max_length=5000)] = None,
    resolution_code: Annotated[str | None, Form(max_length=32)] = None,
    root_cause: Annotated[str | None, Form(max_length=32)] = None,
    csrf_token: Csrf = None,
) -> Response:
    """Move the case to another state."""
    check_csrf_form(request, csrf_token)
    data = CaseTransition(
        to=to,
        note=note or None,
        resolution_code=resolution_code if resolution_code in ResolutionCode._value2member_map_ else None,
        root_cause=root_cause if root_cause in RootCause._value2member_map_ else None,
    )
    return _after(
        request,
        session,
        actor,
        case_id,
        lambda: workflow.transition_case(session=session, actor=actor, case_id=case_id, data=data),
    )


def take_submit(
    request: Request, session: SessionDep, actor: PageActor, case_id: RowId, csrf_token: Csrf = None
) -> Response:
    """Take the case."""
    check_csrf_form(request, csrf_token)
    return _after(
        request, session, actor, case_id, lambda: workflow.take_case(session=session, actor=actor, case_id=case_id)
    )


def assign_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    case_id: RowId,
    team_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    csrf_token: Csrf = None,
) -> Response:
    """Send the case to a team's queue."""
    check_csrf_form(request, csrf_token)
    return _after(
        request,
        session,
        actor,
        case_id,
        lambda: workflow.assign_case(session=session, actor=actor, case_id=case_id, data=CaseAssign(team_id=team_id)),
    )


def escalate_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    case_id: RowId,
    reason: Annotated[str, Form(min_length=1, max_length=500)],
    csrf_token: Csrf = None,
) -> Response:
    """Escalate the case to its team lead."""
    check_csrf_form(request, csrf_token)
    return _after(
        request,
        session,
        actor,
        case_id,
        lambda: workflow.escalate_case(session=session, actor=actor, case_id=case_id, reason=reason),
    )


def note_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    case_id: RowId,
    body: Annotated[str, Form(min_length=1, max_length=5000)],
    visibility: Annotated[str, Form(pattern="^(internal|customer)$")] = "internal",
    csrf_token: Csrf = None,
) -> Response:
    """Add a note or a reply to the customer."""
    check_csrf_form(request, csrf_token)
    data = CaseNote(body=body, visibility=visibility)  # type: ignore[arg-type]
    return _after(
        request,
        session,
        actor,
        case_id,
        lambda: workflow.add_note(session=session, actor=actor, case_id=case_id, data=data),
    )


def new_case_page(request: Request, session: SessionDep, actor: PageActor, party_id: RowId) -> Response:
    """The form that opens a case for a customer (from the customer 360)."""
    actor.require(Permission.CASE_WRITE)
    party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    return render(
        request,
        "case_new.html",
        actor,
        party=party,
        case_types=list(CaseType),
        categories=CASE_CATEGORIES,
        priorities=list(CasePriority),
        channels=list(ContactChannel),
    )


def new_case_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    party_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    case_type: Annotated[CaseType, Form()],
    category: Annotated[str, Form(max_length=64)],
    priority: Annotated[CasePriority, Form()],
    channel: Annotated[ContactChannel, Form()],
    subject: Annotated[str, Form(min_length=1, max_length=200)],
    description: Annotated[str | None, Form(max_length=10_000)] = None,
    csrf_token: Csrf = None,
) -> Response:
    """Open the case, then show it."""
    check_csrf_form(request, csrf_token)
    data = from_form(
        CaseCreate,
        party_id=party_id,
        case_type=case_type,
        category=category,
        priority=priority,
        channel=channel,
        subject=subject,
        description=description or None,
    )
    session.rollback()
    case = service.open_case(session=session, actor=actor, data=data)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)
