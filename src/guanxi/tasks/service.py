"""Follow-up tasks: raised by other use cases (inside their transaction), listed and completed by staff."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound
from guanxi.security.actor import Actor
from guanxi.tasks.models import Task

KINDS = ("survey_follow_up", "call_back", "event_follow_up", "case_follow_up", "other")


def raise_task(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    title: str,
    source: str,
    source_id: str | int,
    party_id: int | None = None,
    assignee_staff_id: int | None = None,
    team_id: int | None = None,
    detail: str | None = None,
    priority: str = "normal",
    due_on: dt.date | None = None,
) -> Task:
    """Add a task on the caller's transaction (helpers never commit); one per source."""
    if kind not in KINDS:
        raise ValueError(f"unknown task kind '{kind}'")
    existing = session.scalar(select(Task).where(Task.source == source, Task.source_id == str(source_id)))
    if existing is not None:
        return existing
    task = Task(
        party_id=party_id,
        assignee_staff_id=assignee_staff_id,
        team_id=team_id,
        kind=kind,
        title=title[:200],
        detail=detail,
        priority=priority,
        due_on=due_on,
        status="open",
        source=source,
        source_id=str(source_id),
        created_by=actor.username,
        created_at=now(),
    )
    session.add(task)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="task.raise",
        entity="task",
        entity_id=task.id,
        data={"kind": kind, "party_id": party_id, "assignee": assignee_staff_id, "team_id": team_id},
    )
    return task


def list_open_tasks(*, session: Session, actor: Actor, limit: int = 50) -> list[Task]:
    """The open tasks of the actor and of their team, soonest due first."""
    if actor.staff_id is None and actor.team_id is None:
        return []
    mine = [Task.assignee_staff_id == actor.staff_id] if actor.staff_id is not None else []
    team = [Task.team_id == actor.team_id] if actor.team_id is not None else []
    return list(
        session.scalars(
            select(Task)
            .where(Task.status == "open", or_(*mine, *team))
            .order_by(Task.due_on.is_(None), Task.due_on, Task.id)
            .limit(limit)
        )
    )


@use_case
def complete_task(*, session: Session, actor: Actor, task_id: int) -> Task:
    """Mark one of the actor's (or their team's) tasks done."""
    task = session.get(Task, task_id)
    if task is None or (
        task.assignee_staff_id != actor.staff_id and (task.team_id is None or task.team_id != actor.team_id)
    ):
        raise NotFound(f"no task with id {task_id}", details={"task_id": task_id})
    if task.status != "open":
        raise Conflict(f"task {task_id} is already {task.status}", code="task_closed")
    task.status, task.completed_at = "done", now()
    record(session=session, actor=actor, action="task.complete", entity="task", entity_id=task.id)
    return task
