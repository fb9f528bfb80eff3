"""Checking the lifecycle rules against ground truth: do customers known to be drifting away land
in "declining" or "dormant" more often than everyone else?"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.errors import NotFound, ValidationFailed
from guanxi.lake.snapshots import read_snapshot
from guanxi.parties.models import Party

DRIFT_STAGES = ("declining", "dormant")


@dataclass(frozen=True)
class LifecycleEvaluation:
    """Share of each lifecycle stage among the drifting customers and among everyone."""

    as_of: dt.date
    drifting: int
    everyone: int
    shares: list[tuple[str, float, float]]  # (stage, share among drifting, share among everyone)

    @property
    def drift_share(self) -> tuple[float, float]:
        """Share in declining or dormant: (drifting, everyone)."""
        picked = [s for s in self.shares if s[0] in DRIFT_STAGES]
        return sum(s[1] for s in picked), sum(s[2] for s in picked)


def drifting_keys(labels: Path, as_of: dt.date, horizon_days: int) -> set[str]:
    """Source keys of customers labelled churners whose churn falls in the horizon after ``as_of``:
    at the cut-off they were drifting, not yet gone."""
    if not labels.is_file():
        raise NotFound(f"ground-truth file not found: {labels}")
    keys = set()
    with labels.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row.get("subject_type") != "party" or row.get("label") != "churner":
                continue
            try:
                when = dt.date.fromisoformat(row["event_date"])
            except (KeyError, ValueError):
                raise ValidationFailed(f"{labels.name}: line {line}: event_date is not a date") from None
            if as_of < when <= as_of + dt.timedelta(days=horizon_days):
                keys.add(row["subject_key"])
    return keys


def evaluate_lifecycle(
    *, session: Session, lake_root: Path, labels: Path, as_of: dt.date, horizon_days: int = 180
) -> LifecycleEvaluation:
    """Compare the lifecycle stages of drifting customers with everyone's, as analysed on ``as_of``."""
    segments = read_snapshot(lake_root, "segments", as_of)
    if segments is None:
        raise NotFound(f"no analysis as of {as_of.isoformat()}: run guanxi analyze --as-of {as_of.isoformat()}")
    keys = drifting_keys(labels, as_of, horizon_days)
    drifting_ids = set(session.scalars(select(Party.id).where(Party.source_key.in_(keys)))) if keys else set()
    stages: dict[int, str] = {
        r["party_id"]: r["segment"] for r in segments.to_pylist() if r["segmentation"] == "lifecycle_stage"
    }
    drifting = [stage for pid, stage in stages.items() if pid in drifting_ids]
    everyone = list(stages.values())
    names = sorted(set(everyone))
    shares = [
        (name, drifting.count(name) / len(drifting) if drifting else 0.0, everyone.count(name) / len(everyone))
        for name in names
    ]
    return LifecycleEvaluation(as_of=as_of, drifting=len(drifting), everyone=len(everyone), shares=shares)
