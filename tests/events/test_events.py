"""Events: creation rules, invitations by list and by segment within scope, answers within
capacity, attendance, follow-up tasks raised once, and the event's own workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.models import AuditEvent
from guanxi.clock import frozen_at
from guanxi.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from guanxi.events.invitations import (
    answer_invitation,
    follow_up_event,
    invite_to_event,
    list_invitations,
    mark_attended,
)
from guanxi.events.models import BankEvent, EventInvitation
from guanxi.events.schemas import EventCreate, InvitationRequest
from guanxi.events.service import EventFilters, create_event, event_read, list_events, transition_event
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from guanxi.tasks.models import Task

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
STARTS = dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC)
ENDS = STARTS + dt.timedelta(hours=2)
DURING = STARTS + dt.timedelta(minutes=30)
ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")


def rm_of(bank: dict[str, int]) -> Actor:
    return Actor(username="rm", role=Role.RELATIONSHIP_MANAGER, staff_id=bank["rm"], source="test")


def organiser(bank: dict[str, int]) -> Actor:
    return Actor(username="organiser", role=Role.ADMIN, staff_id=bank["organiser"], source="test")


def new_event(session: Session, actor: Actor = ADMIN, **fields) -> BankEvent:
    values = {
        "title": "Year-end investment salon",
        "kind": "investment_salon",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "venue": "Central branch, 3rd floor",
        "capacity": 2,
    } | fields
    with frozen_at(T0):
        return create_event(session=session, actor=actor, data=EventCreate(**values))


def invite(session: Session, event_id: int, actor: Actor = ADMIN, when: dt.datetime = T0, **request):
    with frozen_at(when):
        return invite_to_event(session=session, actor=actor, event_id=event_id, data=InvitationRequest(**request))


def answer(session: Session, event_id: int, party_id: int, reply: str, when: dt.datetime = T0, actor: Actor = ADMIN):
    with frozen_at(when):
        return answer_invitation(session=session, actor=actor, event_id=event_id, party_id=party_id, answer=reply)


def attend(session: Session, event_id: int, party_id: int, when: dt.datetime = DURING):
    with frozen_at(when):
        return mark_attended(session=session, actor=ADMIN, event_id=event_id, party_id=party_id)


def statuses(session: Session, event_id: int) -> dict[int, str]:
    with session.begin():
        rows = session.execute(
            select(EventInvitation.party_id, EventInvitation.status).where(EventInvitation.event_id == event_id)
        )
        return {party_id: status for party_id, status in rows}


def audited(session: Session, entity: str, entity_id: int) -> list[tuple]:
    with session.begin():
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.data)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.seq)
        )
        return [tuple(r) for r in rows]


def test_an_event_is_created_open_and_audited(session, bank):
    event = new_event(session, branch_id=bank["central"], capacity=40)
    assert (event.status, event.capacity, event.branch_id, event.created_by, event.starts_at) == (
        "open",
        40,
        bank["central"],
        "admin",
        STARTS,
    )
    assert audited(session, "event", event.id) == [
        (
            "event.create",
            {
                "title": "Year-end investment salon",
                "kind": "investment_salon",
                "starts_at": STARTS.isoformat(),
                "capacity": 40,
                "branch_id": bank["central"],
            },
        )
    ]


@pytest.mark.parametrize(
    ("fields", "error", "code"),
    [
        ({"starts_at": T0 - dt.timedelta(days=1), "ends_at": T0}, ValidationFailed, "in_the_past"),
        ({"ends_at": STARTS}, ValidationFailed, "ends_before_start"),
        ({"branch_id": 999_999}, NotFound, "branch_not_found"),
    ],
)
def test_a_bad_event_is_refused_with_its_code(session, bank, fields, error, code):
    with pytest.raises(error) as raised:
        new_event(session, **fields)
    assert raised.value.code == code
    with session.begin():
        assert session.scalars(select(BankEvent)).all() == []


def test_a_capacity_below_one_is_refused_by_the_schema():
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        EventCreate(title="x", kind="seminar", starts_at=STARTS, ends_at=ENDS, capacity=0)


def test_roles_without_case_write_cannot_organise(session, bank):
    with pytest.raises(PermissionDenied):
        new_event(session, actor=Actor(username="analyst", role=Role.MARKETING_ANALYST))


def test_inviting_a_list_skips_those_already_invited(session, bank):
    event_id = new_event(session).id
    first = invite(session, event_id, party_ids=[bank["wang"], bank["li"], bank["wang"]])
    again = invite(session, event_id, party_ids=[bank["li"], bank["orphan"]])
    assert (first.invited, first.already_invited) == ([bank["wang"], bank["li"]], [])
    assert (again.invited, again.already_invited) == ([bank["orphan"]], [bank["li"]])
    assert statuses(session, event_id) == {bank["wang"]: "invited", bank["li"]: "invited", bank["orphan"]: "invited"}
    assert [a for a, _ in audited(session, "event", event_id)] == ["event.create", "event.invite", "event.invite"]


def test_an_rm_invites_their_own_customers_of_a_segment_only(session, bank):
    event_id = new_event(session).id
    # the private tier holds Wang (the RM's) and the stranger (another RM's)
    mine = invite(session, event_id, actor=rm_of(bank), segmentation="value_tier", segment="private")
    assert mine.invited == [bank["wang"]]
    everyone = invite(session, event_id, segmentation="value_tier", segment="private")
    assert (everyone.invited, everyone.already_invited) == ([bank["stranger"]], [bank["wang"]])


@pytest.mark.parametrize(
    ("request_", "error", "code"),
    [
        ({}, ValidationFailed, "invitees_required"),
        ({"party_ids": [1], "segmentation": "value_tier", "segment": "private"}, ValidationFailed, "invitees_required"),
        ({"segmentation": "value_tier"}, ValidationFailed, "invitees_required"),
        ({"segmentation": "star_sign", "segment": "leo"}, ValidationFailed, "unknown_segmentation"),
        ({"party_ids": [999_999]}, NotFound, "not_found"),
    ],
)
def test_a_bad_invitation_is_refused_with_its_code(session, bank, request_, error, code):
    event_id = new_event(session).id
    with pytest.raises(error) as raised:
        invite(session, event_id, **request_)
    assert raised.value.code == code
    assert statuses(session, event_id) == {}


def test_an_rm_cannot_invite_a_customer_out_of_scope(session, bank):
    event_id = new_event(session).id
    with pytest.raises(NotFound) as raised:
        invite(session, event_id, actor=rm_of(bank), party_ids=[bank["wang"], bank["stranger"]])
    assert raised.value.details == {"party_ids": [bank["stranger"]]}
    assert statuses(session, event_id) == {}


def test_inviting_to_an_unknown_started_or_cancelled_event_is_refused(session, bank):
    with pytest.raises(NotFound):
        invite(session, 999_999, party_ids=[bank["wang"]])
    event_id = new_event(session).id
    with pytest.raises(Conflict) as raised:
        invite(session, event_id, when=DURING, party_ids=[bank["wang"]])
    assert raised.value.code == "event_started"
    with frozen_at(T0):
        transition_event(session=session, actor=ADMIN, event_id=event_id, to="cancelled", reason="typhoon")
    with pytest.raises(Conflict) as raised:
        invite(session, event_id, party_ids=[bank["wang"]])
    assert raised.value.code == "event_closed"


def test_answers_respect_the_capacity(session, bank):
    # given an event with two seats and three invited customers
    event_id = new_event(session, capacity=2).id
    invite(session, event_id, party_ids=[bank["wang"], bank["li"], bank["orphan"]])
    # when two accept, the third is told the event is full
    answer(session, event_id, bank["wang"], "accepted")
    answer(session, event_id, bank["li"], "accepted")
    with pytest.raises(Conflict) as raised:
        answer(session, event_id, bank["orphan"], "accepted")
    assert (raised.value.code, raised.value.details) == ("event_full", {"event_id": event_id, "capacity": 2})
    # and once one declines, the seat is free again
    declined = answer(session, event_id, bank["li"], "declined")
    assert (declined.status, declined.responded_at) == ("declined", T0)
    answer(session, event_id, bank["orphan"], "accepted")
    assert statuses(session, event_id) == {bank["wang"]: "accepted", bank["li"]: "declined", bank["orphan"]: "accepted"}
    with session.begin():
        read = event_read(session, session.get(BankEvent, event_id))
    assert (read.invited, read.accepted, read.declined, read.attended, read.seats_left) == (3, 2, 1, 0, 0)
    with session.begin():
        li_invitation = session.scalar(
            select(EventInvitation.id).where(
                EventInvitation.event_id == event_id, EventInvitation.party_id == bank["li"]
            )
        )
    assert audited(session, "event_invitation", li_invitation) == [
        ("event.rsvp", {"event_id": event_id, "party_id": bank["li"], "from": "invited", "to": "accepted"}),
        ("event.rsvp", {"event_id": event_id, "party_id": bank["li"], "from": "accepted", "to": "declined"}),
    ]


def test_bad_answers_are_refused_with_their_code(session, bank):
    event_id = new_event(session).id
    invite(session, event_id, party_ids=[bank["wang"]])
    answer(session, event_id, bank["wang"], "accepted")
    cases = [
        (lambda: answer(session, event_id, bank["wang"], "accepted"), "illegal_transition"),
        (lambda: answer(session, event_id, bank["li"], "accepted"), "invitation_not_found"),
        (lambda: answer(session, event_id, 999_999, "accepted"), "not_found"),
        (lambda: answer(session, 999_999, bank["wang"], "accepted"), "not_found"),
        (lambda: answer(session, event_id, bank["wang"], "declined", when=DURING), "event_started"),
        (lambda: answer(session, event_id, bank["stranger"], "accepted", actor=rm_of(bank)), "not_found"),
    ]
    for call, code in cases:
        with pytest.raises((Conflict, NotFound)) as raised:
            call()
        assert raised.value.code == code
    assert statuses(session, event_id) == {bank["wang"]: "accepted"}


def test_attendance_is_recorded_once_the_event_has_started(session, bank):
    event_id = new_event(session).id
    invite(session, event_id, party_ids=[bank["wang"], bank["li"]])
    answer(session, event_id, bank["wang"], "accepted")
    answer(session, event_id, bank["li"], "declined")
    # not before it starts
    with pytest.raises(Conflict) as raised:
        attend(session, event_id, bank["wang"], when=T0)
    assert raised.value.code == "event_not_started"
    # then both the accepted guest and the one who declined but walked in are recorded
    came = attend(session, event_id, bank["wang"])
    assert (came.status, came.attended_at) == ("attended", DURING)
    assert attend(session, event_id, bank["li"]).status == "attended"
    # and once attended, that is final
    with pytest.raises(Conflict) as raised:
        attend(session, event_id, bank["wang"])
    assert (raised.value.code, raised.value.details["allowed"]) == ("illegal_transition", [])


def test_follow_up_raises_one_task_per_attendee_for_their_rm_once(session, bank):
    # given an event attended by Wang (the RM's) and a customer nobody manages, and Li who only accepted
    event_id = new_event(session, capacity=5).id
    invite(session, event_id, party_ids=[bank["wang"], bank["li"], bank["orphan"]])
    answer(session, event_id, bank["li"], "accepted")
    attend(session, event_id, bank["wang"])
    attend(session, event_id, bank["orphan"])
    # not before the event
    with frozen_at(T0), pytest.raises(Conflict) as raised:
        follow_up_event(session=session, actor=organiser(bank), event_id=event_id)
    assert raised.value.code == "event_not_started"
    # when the organiser follows it up after the event
    after = ENDS + dt.timedelta(hours=1)
    with frozen_at(after):
        result = follow_up_event(session=session, actor=organiser(bank), event_id=event_id)
    # then each attendee's RM (or, lacking one, the organiser) has a task due three days later
    assert (result.attendees, result.tasks_raised, result.already_followed_up) == (2, 2, 0)
    with session.begin():
        tasks = session.execute(
            select(Task.party_id, Task.assignee_staff_id, Task.kind, Task.due_on, Task.status, Task.title)
            .where(Task.source == "event_invitation")
            .order_by(Task.party_id)
        ).all()
        linked = session.scalars(
            select(EventInvitation.follow_up_task_id)
            .where(EventInvitation.event_id == event_id)
            .order_by(EventInvitation.party_id)
        ).all()
    due = dt.date(2026, 12, 13)
    title = "Follow up after Year-end investment salon"
    assert sorted(tuple(t) for t in tasks) == sorted(
        [
            (bank["wang"], bank["rm"], "event_follow_up", due, "open", title),
            (bank["orphan"], bank["organiser"], "event_follow_up", due, "open", title),
        ]
    )
    assert sum(task_id is not None for task_id in linked) == 2
    # and running it again raises nothing new
    with frozen_at(after):
        again = follow_up_event(session=session, actor=organiser(bank), event_id=event_id)
    assert (again.attendees, again.tasks_raised, again.already_followed_up) == (2, 0, 2)
    with session.begin():
        assert len(session.scalars(select(Task.id).where(Task.source == "event_invitation")).all()) == 2
    assert [d for a, d in audited(session, "event", event_id) if a == "event.follow_up"] == [
        {"attendees": 2, "tasks_raised": 2},
        {"attendees": 2, "tasks_raised": 0},
    ]


def test_the_event_workflow_and_its_illegal_moves(session, bank):
    called_off, held = new_event(session).id, new_event(session).id
    invite(session, called_off, party_ids=[bank["wang"]])

    def move(event_id: int, to: str, when: dt.datetime) -> str:
        with frozen_at(when):
            return transition_event(session=session, actor=ADMIN, event_id=event_id, to=to).status

    def refused(event_id: int, to: str, when: dt.datetime) -> str:
        with pytest.raises(Conflict) as raised:
            move(event_id, to, when)
        return raised.value.code

    # an event is called off before it starts, and closed as held only after
    assert refused(held, "completed", T0) == "event_not_started"
    assert refused(held, "cancelled", DURING) == "event_started"
    assert move(called_off, "cancelled", T0) == "cancelled"
    assert move(held, "completed", ENDS) == "completed"
    # and neither moves again
    assert refused(called_off, "completed", ENDS) == "illegal_transition"
    assert refused(held, "cancelled", ENDS) == "illegal_transition"
    # a cancelled event takes no answers nor attendance; a held one still takes attendance
    with pytest.raises(Conflict) as raised:
        answer(session, called_off, bank["wang"], "accepted")
    assert raised.value.code == "event_closed"
    with pytest.raises(Conflict) as raised:
        attend(session, called_off, bank["wang"])
    assert raised.value.code == "event_closed"
    invite_held = new_event(session).id
    invite(session, invite_held, party_ids=[bank["li"]])
    move(invite_held, "completed", ENDS)
    assert attend(session, invite_held, bank["li"], when=ENDS).status == "attended"
    assert [a for a, _ in audited(session, "event", called_off)] == ["event.create", "event.invite", "event.cancel"]


def test_lists_show_counts_and_only_invitations_in_scope(session, bank):
    early = new_event(session, starts_at=STARTS - dt.timedelta(days=1), ends_at=ENDS - dt.timedelta(days=1)).id
    late = new_event(session).id
    invite(session, late, party_ids=[bank["wang"], bank["stranger"]])
    with session.begin():
        events, total = list_events(session=session, actor=rm_of(bank), filters=EventFilters())
        invitations, shown = list_invitations(session=session, actor=rm_of(bank), event_id=late)
        everyone, all_shown = list_invitations(session=session, actor=ADMIN, event_id=late)
    # the RM sees every event, with the counts of all invitations
    assert ([e.id for e in events], total) == ([early, late], 2)
    assert [(e.invited, e.seats_left) for e in events] == [(0, 2), (2, 2)]
    # but only the invitations of their own customers
    assert ([(i.party_id, i.party_name) for i in invitations], shown) == ([(bank["wang"], "王小明")], 1)
    assert all_shown == 2 and {i.party_id for i in everyone} == {bank["wang"], bank["stranger"]}
    with frozen_at(STARTS - dt.timedelta(hours=1)), session.begin():
        upcoming, _ = list_events(session=session, actor=ADMIN, filters=EventFilters(upcoming=True))
    assert [e.id for e in upcoming] == [late]
