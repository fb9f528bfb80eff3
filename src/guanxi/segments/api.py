"""HTTP: segment sizes, the migration matrix, rule segments, and a customer's segments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from guanxi.api.deps import RowId, SessionDep, require
from guanxi.security.permissions import Permission
from guanxi.segments import rules, service
from guanxi.segments.schemas import (
    CustomerFeatures,
    CustomerSegmentRead,
    MigrationCell,
    RuleCheck,
    RuleCount,
    RuleSegmentCreate,
    RuleSegmentRead,
    SegmentHistoryEntry,
    SegmentSizes,
)

router = APIRouter(prefix="/api/v1", tags=["segments"])
Reader = Annotated[Any, Depends(require(Permission.SEGMENT_READ))]


@router.get("/segments", response_model=SegmentSizes)
def segment_sizes(session: SessionDep, actor: Reader) -> SegmentSizes:
    """Customers per segment of each segmentation, as of the latest run."""
    return service.segment_sizes(session=session, actor=actor)


@router.get("/segments/migration", response_model=list[MigrationCell])
def segment_migration(
    request: Request,
    actor: Reader,
    segmentation: Annotated[str, Query(max_length=32)],
    start: Annotated[dt.date, Query(alias="from", description="the earlier analysed date")],
    end: Annotated[dt.date, Query(alias="to", description="the later analysed date")],
) -> list[MigrationCell]:
    """How many customers moved from each segment to each other between two analysed dates."""
    return service.segment_migration(
        actor=actor, lake_root=request.app.state.lake_root, segmentation=segmentation, start=start, end=end
    )


@router.post("/segments/rules/count", response_model=RuleCount)
def count_rule(body: RuleCheck, request: Request, actor: Reader) -> RuleCount:
    """How many customers a rule over the features selects now (the live count of the builder)."""
    return rules.count_rule(actor=actor, lake_root=request.app.state.lake_root, expression=body.expression)


@router.get("/segments/rules", response_model=list[RuleSegmentRead])
def list_rule_segments(session: SessionDep, actor: Reader) -> list[RuleSegmentRead]:
    """Saved rule segments with their size at the last run."""
    return [RuleSegmentRead.model_validate(r) for r in rules.list_rule_segments(session=session, actor=actor)]


@router.post("/segments/rules", response_model=RuleSegmentRead, status_code=201)
def save_rule_segment(
    body: RuleSegmentCreate,
    request: Request,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.SEGMENT_WRITE))],
) -> RuleSegmentRead:
    """Save a rule segment; it is re-evaluated on every run."""
    saved = rules.save_rule_segment(session=session, actor=actor, lake_root=request.app.state.lake_root, data=body)
    return RuleSegmentRead.model_validate(saved)


@router.get("/parties/{party_id}/segments", response_model=list[CustomerSegmentRead])
def customer_segments(
    party_id: RowId, session: SessionDep, actor: Annotated[Any, Depends(require(Permission.CUSTOMER_READ))]
) -> list[CustomerSegmentRead]:
    """A customer's latest segments, each with its reason and figures."""
    return [
        CustomerSegmentRead.model_validate(s)
        for s in service.customer_segments(session=session, actor=actor, party_id=party_id)
    ]


@router.get("/parties/{party_id}/segments/history", response_model=list[SegmentHistoryEntry])
def customer_segment_history(
    party_id: RowId,
    request: Request,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.CUSTOMER_READ))],
) -> list[SegmentHistoryEntry]:
    """A customer's segments on every analysed date, oldest first."""
    return service.segment_history(
        session=session, actor=actor, lake_root=request.app.state.lake_root, party_id=party_id
    )


@router.get("/parties/{party_id}/features", response_model=CustomerFeatures)
def customer_features(
    party_id: RowId,
    request: Request,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.CUSTOMER_READ))],
) -> CustomerFeatures:
    """A customer's features from the latest analysis."""
    return service.customer_features(
        session=session, actor=actor, lake_root=request.app.state.lake_root, party_id=party_id
    )
