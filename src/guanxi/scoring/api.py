"""HTTP: a customer's latest scores and offers, and the open drift alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from guanxi.api.deps import RowId, SessionDep, require
from guanxi.scoring.schemas import CustomerScoresRead, DriftAlertRead, OfferRead, ScoreReason
from guanxi.scoring.score_service import customer_scores, open_drift_alerts
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["models"])
Reader = Annotated[Any, Depends(require(Permission.MODEL_READ))]


@router.get("/parties/{party_id}/scores", response_model=CustomerScoresRead)
def party_scores(party_id: RowId, session: SessionDep, actor: Reader) -> CustomerScoresRead:
    """The customer's latest churn risk with its reasons, lifetime value and best offers."""
    scores = customer_scores(session=session, actor=actor, party_id=party_id)
    churn, value = scores.churn, scores.value
    return CustomerScoresRead(
        party_id=party_id,
        as_of=churn.as_of if churn else (scores.offers[0][0].as_of if scores.offers else None),
        churn_probability=churn.score if churn else None,
        churn_band=churn.band if churn else None,
        churn_reasons=[ScoreReason(**r) for r in (churn.reasons or [])] if churn else [],
        lifetime_value=value.amount if value else None,
        offers=[
            OfferRead(
                rank=o.rank,
                product_id=p.id,
                product=p.name,
                product_zh=p.name_zh,
                family=p.family,
                propensity=o.propensity,
                expected_value=o.expected_value,
                contactable=o.contactable,
                reasons=[ScoreReason(**r) for r in (o.reasons or [])],
            )
            for o, p in scores.offers
        ],
    )


@router.get("/models/drift-alerts", response_model=list[DriftAlertRead])
def drift_alerts(session: SessionDep, actor: Reader) -> list[DriftAlertRead]:
    """Drift alerts nobody has acknowledged, newest first."""
    return [DriftAlertRead.model_validate(a) for a in open_drift_alerts(session=session, actor=actor)]
