"""HTTP: the case queue, opening cases, moving them through the workflow, SLA configuration."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import PageDep, RowId, SessionDep, require
from guanxi.cases import configuration, reports, service, workflow
from guanxi.cases.schemas import (
    AttachmentCreate,
    AttachmentRead,
    CaseAssign,
    CaseCreate,
    CaseDetail,
    CaseEscalation,
    CaseEventRead,
    CaseNote,
    CasePage,
    CaseRead,
    CaseTransition,
    CategorySuggestion,
    CategorySuggestionRequest,
    RootCauseReport,
    SlaTargetRead,
    SlaTargetWrite,
)
from guanxi.cases.suggestions import suggest_category
from guanxi.cases.taxonomy import CASE_CATEGORIES
from guanxi.codes import CasePriority, CaseStatus
from guanxi.errors import Conflict, ValidationFailed
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Reader = Annotated[Any, Depends(require(Permission.CASE_READ))]
Writer = Annotated[Any, Depends(require(Permission.CASE_WRITE))]
Configurer = Annotated[Any, Depends(require(Permission.SERVICE_CONFIGURE))]


def _read(session: Any, case: Any) -> CaseRead:
    session.rollback()
    return service.case_read(session, case)


@router.get("", response_model=CasePage)
def list_cases(
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    status: Annotated[list[CaseStatus] | None, Query(description="only these states")] = None,
    open_only: Annotated[bool, Query(alias="open", description="only open cases")] = False,
    team_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    owner: Annotated[str | None, Query(pattern=r"^(me|[1-9][0-9]{0,17})$", description="'me' or a staff id")] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    priority: CasePriority | None = None,
    sla: Literal["breached", "at_risk"] | None = None,
    party_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> CasePage:
    """The case queue, due soonest first, with each case's SLA clock."""
    if category is not None and category not in CASE_CATEGORIES:
        raise ValidationFailed(f"unknown category '{category}'", code="unknown_category")
    owner_id = actor.staff_id if owner == "me" else (int(owner) if owner else None)
    if owner == "me" and owner_id is None:
        raise ValidationFailed("'owner=me' needs a user linked to a member of staff", code="not_staff")
    filters = service.CaseFilters(
        status=tuple(s.value for s in status or ()),
        open_only=open_only,
        team_id=team_id,
        owner_staff_id=owner_id,
        category=category,
        priority=priority.value if priority else None,
        sla=sla,
        party_id=party_id,
    )
    items, total = service.list_cases(
        session=session, actor=actor, filters=filters, limit=page.limit, offset=page.offset
    )
    return CasePage(
        items=[service.case_read(session, c) for c in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("", response_model=CaseRead, status_code=201)
def open_case(body: CaseCreate, session: SessionDep, actor: Writer) -> CaseRead:
    """Open a case; it is routed, its SLA clock starts, and the categoriser's suggestion is kept."""
    return _read(session, service.open_case(session=session, actor=actor, data=body))


@router.post("/suggest-category", response_model=CategorySuggestion)
def suggest(body: CategorySuggestionRequest, actor: Writer) -> CategorySuggestion:
    """What the complaint categoriser suggests for a narrative, with its confidence (never applied)."""
    suggestion = suggest_category(body.text)
    if suggestion is None:
        raise Conflict("no complaint categoriser is installed", code="categoriser_unavailable")
    return CategorySuggestion(**suggestion.__dict__)


@router.get("/root-causes", response_model=RootCauseReport)
def root_causes(
    session: SessionDep,
    actor: Reader,
    start: Annotated[dt.date, Query(alias="from")],
    end: Annotated[dt.date, Query(alias="to")],
) -> RootCauseReport:
    """The top root causes of cases resolved in a period, and their monthly trend."""
    return reports.root_cause_report(session=session, actor=actor, start=start, end=end)


@router.get("/sla-targets", response_model=list[SlaTargetRead])
def sla_targets(session: SessionDep, actor: Reader) -> list[SlaTargetRead]:
    """The bank's SLA targets in business hours (built-in defaults apply where none is set)."""
    return [SlaTargetRead.model_validate(t) for t in configuration.list_sla_targets(session=session, actor=actor)]


@router.put("/sla-targets", response_model=SlaTargetRead)
def set_sla_target(body: SlaTargetWrite, session: SessionDep, actor: Configurer) -> SlaTargetRead:
    """Set the business hours allowed for a case type, priority and (optionally) category."""
    return SlaTargetRead.model_validate(configuration.set_sla_target(session=session, actor=actor, data=body))


@router.get("/{case_id}", response_model=CaseDetail)
def get_case(case_id: RowId, session: SessionDep, actor: Reader) -> CaseDetail:
    """A case with its SLA clock, history, attachments and the states it may move to."""
    case = service.get_case_or_raise(session=session, actor=actor, case_id=case_id)
    return CaseDetail(
        case=service.case_read(session, case),
        events=[CaseEventRead.model_validate(e) for e in service.case_events(session=session, case=case)],
        attachments=[AttachmentRead.model_validate(a) for a in service.case_attachments(session=session, case=case)],
        allowed_transitions=workflow.allowed_transitions(case),
    )


@router.post("/{case_id}/transitions", response_model=CaseRead)
def transition(case_id: RowId, body: CaseTransition, session: SessionDep, actor: Writer) -> CaseRead:
    """Move a case to another state (illegal moves are a 409 naming the allowed ones)."""
    return _read(session, workflow.transition_case(session=session, actor=actor, case_id=case_id, data=body))


@router.post("/{case_id}/assign", response_model=CaseRead)
def assign(
    case_id: RowId,
    body: CaseAssign,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.CASE_ASSIGN))],
) -> CaseRead:
    """Give a case to a member of staff or to a team's queue."""
    return _read(session, workflow.assign_case(session=session, actor=actor, case_id=case_id, data=body))


@router.post("/{case_id}/take", response_model=CaseRead)
def take(case_id: RowId, session: SessionDep, actor: Writer) -> CaseRead:
    """Take a case of one's own team (any case, with ``case.assign``)."""
    return _read(session, workflow.take_case(session=session, actor=actor, case_id=case_id))


@router.post("/{case_id}/escalate", response_model=CaseRead)
def escalate(case_id: RowId, body: CaseEscalation, session: SessionDep, actor: Writer) -> CaseRead:
    """Escalate a case to its team lead."""
    return _read(session, workflow.escalate_case(session=session, actor=actor, case_id=case_id, reason=body.reason))


@router.post("/{case_id}/notes", response_model=CaseRead, status_code=201)
def add_note(case_id: RowId, body: CaseNote, session: SessionDep, actor: Writer) -> CaseRead:
    """Add an internal note or a reply the customer sees."""
    return _read(session, workflow.add_note(session=session, actor=actor, case_id=case_id, data=body))


@router.post("/{case_id}/attachments", response_model=AttachmentRead, status_code=201)
def add_attachment(case_id: RowId, body: AttachmentCreate, session: SessionDep, actor: Writer) -> AttachmentRead:
    """Record a file attached to a case (its metadata)."""
    return AttachmentRead.model_validate(
        workflow.add_attachment(session=session, actor=actor, case_id=case_id, data=body)
    )
