"""Cases: routing, the workflow with its history and audit, assignment rights, scope and reports."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import make_branch, make_party, make_staff, make_team
from guanxi.audit.models import AuditEvent
from guanxi.cases.configuration import set_case_route
from guanxi.cases.models import Case, CaseEvent
from guanxi.cases.reports import root_cause_report
from guanxi.cases.schemas import AttachmentCreate, CaseAssign, CaseCreate, CaseNote, CaseTransition
from guanxi.cases.service import CaseFilters, get_case_or_raise, list_cases, open_case
from guanxi.cases.workflow import add_attachment, add_note, allowed_transitions, assign_case, take_case, transition_case
from guanxi.clock import frozen_at
from guanxi.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from guanxi.segments.models import AnalysisRun, CustomerSegment

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai
ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")


def new_case(session: Session, party_id: int, actor: Actor = ADMIN, **fields) -> Case:
    values = {"case_type": "complaint", "category": "fees_charges", "channel": "phone", "subject": "Charged twice"}
    with frozen_at(T0):
        return open_case(session=session, actor=actor, data=CaseCreate(party_id=party_id, **(values | fields)))


@pytest.fixture
def bank(session: Session) -> dict[str, int]:
    """A service desk of two agents (one busy), a card team, an RM team, and three customers."""
    with session.begin():
        branch = make_branch(session)
        desk = make_team(session, name="Service desk", kind="service")
        cards = make_team(session, name="Card disputes", kind="service")
        rm_team = make_team(session, name="Central RMs", kind="relationship")
        busy = make_staff(session, role="service_agent", team=desk)
        free = make_staff(session, role="service_agent", team=desk)
        card_agent = make_staff(session, role="service_agent", team=cards)
        rm = make_staff(session, role="relationship_manager", branch=branch, team=rm_team)
        rich = make_party(session, home_branch_id=branch.id, relationship_manager_id=rm.id)
        modest = make_party(session, home_branch_id=branch.id, relationship_manager_id=rm.id)
        stranger = make_party(session, home_branch_id=branch.id)
        run = AnalysisRun(as_of=dt.date(2026, 11, 1), engine="duckdb")
        session.add(run)
        session.flush()
        for party, tier in ((rich, "private"), (modest, "mass")):
            session.add(
                CustomerSegment(
                    party_id=party.id,
                    segmentation="value_tier",
                    segment=tier,
                    reason="aum",
                    as_of=run.as_of,
                    run_id=run.id,
                )
            )
        # The busy agent already owns an open case.
        session.add(
            Case(
                party_id=stranger.id,
                team_id=desk.id,
                owner_staff_id=busy.id,
                case_type="enquiry",
                category="other",
                channel="phone",
                status="assigned",
                subject="Opening hours",
            )
        )
    return {
        "desk": desk.id,
        "cards": cards.id,
        "rm_team": rm_team.id,
        "busy": busy.id,
        "free": free.id,
        "card_agent": card_agent.id,
        "rm": rm.id,
        "rich": rich.id,
        "modest": modest.id,
        "stranger": stranger.id,
    }


def agent(bank: dict[str, int], key: str = "free", team: str = "desk") -> Actor:
    return Actor(username=f"agent-{key}", role=Role.SERVICE_AGENT, staff_id=bank[key], team_id=bank[team])


def test_a_high_value_customers_case_goes_to_their_rm(session, bank):
    case = new_case(session, bank["rich"])
    assert (case.team_id, case.owner_staff_id, case.routed_by, case.status) == (
        bank["rm_team"],
        bank["rm"],
        "relationship_manager",
        "assigned",
    )


def test_other_cases_go_to_the_service_desk_member_with_the_fewest_open_cases(session, bank):
    case = new_case(session, bank["modest"])
    assert (case.team_id, case.owner_staff_id, case.routed_by) == (bank["desk"], bank["free"], "service_desk")
    # and the next one goes to whoever now has fewer (a tie goes to the longest-serving id)
    second = new_case(session, bank["modest"])
    assert second.owner_staff_id == bank["busy"]


def test_a_category_route_sends_cases_to_its_team(session, bank):
    set_case_route(session=session, actor=ADMIN, category="credit_card", team_id=bank["cards"])
    case = new_case(session, bank["modest"], category="credit_card")
    assert (case.team_id, case.owner_staff_id, case.routed_by) == (bank["cards"], bank["card_agent"], "category_queue")


def test_a_case_lives_through_every_state_with_its_history_and_audit(session, bank):
    # given a new complaint, routed to the free agent
    case = new_case(session, bank["modest"])
    me = agent(bank)
    steps = [
        CaseTransition(to="in_progress"),
        CaseTransition(to="waiting_for_customer", note="asked for the statement"),
        CaseTransition(to="in_progress"),
        CaseTransition(to="resolved", resolution_code="resolved_in_favour", root_cause="system"),
        CaseTransition(to="closed"),
        CaseTransition(to="reopened"),
        CaseTransition(to="resolved", resolution_code="explained", root_cause="communication"),
        CaseTransition(to="closed"),
    ]
    # when the agent moves it through its life, an hour per step
    for n, step in enumerate(steps, start=1):
        with frozen_at(T0 + dt.timedelta(hours=n)):
            case = transition_case(session=session, actor=me, case_id=case.id, data=step)
    # then it ends closed with the second resolution, reopened once
    assert (case.status, case.resolution_code, case.root_cause, case.reopen_count) == (
        "closed",
        "explained",
        "communication",
        1,
    )
    assert case.closed_at == T0 + dt.timedelta(hours=8)
    with session.begin():
        moves = session.execute(
            select(CaseEvent.actor, CaseEvent.from_status, CaseEvent.to_status)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "status")
            .order_by(CaseEvent.id)
        ).all()
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "case", AuditEvent.entity_id == str(case.id))
        ).all()
    assert [tuple(m) for m in moves] == [
        ("agent-free", "assigned", "in_progress"),
        ("agent-free", "in_progress", "waiting_for_customer"),
        ("agent-free", "waiting_for_customer", "in_progress"),
        ("agent-free", "in_progress", "resolved"),
        ("agent-free", "resolved", "closed"),
        ("agent-free", "closed", "reopened"),
        ("agent-free", "reopened", "resolved"),
        ("agent-free", "resolved", "closed"),
    ]
    assert audited == ["case.open"] + ["case.transition"] * 8


def test_an_illegal_move_is_refused_naming_the_allowed_ones(session, bank):
    case = new_case(session, bank["modest"])
    with pytest.raises(Conflict) as raised:
        transition_case(session=session, actor=ADMIN, case_id=case.id, data=CaseTransition(to="closed"))
    assert raised.value.code == "illegal_transition"
    assert raised.value.details == {
        "from": "assigned",
        "to": "closed",
        "allowed": ["in_progress", "waiting_for_customer", "resolved"],
    }
    assert allowed_transitions(case) == ["in_progress", "waiting_for_customer", "resolved"]


def test_resolving_needs_a_resolution_code_and_a_root_cause(session, bank):
    case = new_case(session, bank["modest"])
    with pytest.raises(ValidationFailed) as raised:
        transition_case(
            session=session,
            actor=ADMIN,
            case_id=case.id,
            data=CaseTransition(to="resolved", resolution_code="explained"),
        )
    assert (raised.value.code, raised.value.message) == ("resolution_required", "resolving a case needs root_cause")
    with session.begin():
        # and nothing was half-applied
        assert session.get(Case, case.id).status == "assigned"
        assert session.get(Case, case.id).resolution_code is None


def test_taking_and_assigning(session, bank):
    case_id = new_case(session, bank["modest"], category="credit_card").id  # lands on the service desk
    # an agent of the desk may take it
    taken = take_case(session=session, actor=agent(bank, "busy"), case_id=case_id)
    assert taken.owner_staff_id == bank["busy"]
    # an agent of another team may not see it, nor can an agent assign it anywhere
    with pytest.raises(NotFound):
        take_case(session=session, actor=agent(bank, "card_agent", "cards"), case_id=case_id)
    with pytest.raises(PermissionDenied):
        assign_case(session=session, actor=agent(bank), case_id=case_id, data=CaseAssign(team_id=bank["cards"]))
    # a manager assigns it to the card team's agent, which moves it to that team's queue
    manager = Actor(username="manager", role=Role.BRANCH_MANAGER, branch_id=None)
    with pytest.raises(NotFound):  # the manager of no branch sees no customer
        assign_case(session=session, actor=manager, case_id=case_id, data=CaseAssign(staff_id=bank["card_agent"]))
    moved = assign_case(session=session, actor=ADMIN, case_id=case_id, data=CaseAssign(staff_id=bank["card_agent"]))
    assert (moved.team_id, moved.owner_staff_id) == (bank["cards"], bank["card_agent"])


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        (CaseAssign(), ValidationFailed, "assignee_required"),
        (CaseAssign(staff_id=999_999), NotFound, "staff_not_found"),
        (CaseAssign(team_id=999_999), NotFound, "team_not_found"),
    ],
)
def test_assigning_to_nobody_or_to_unknown_staff_is_refused(session, bank, data, error, code):
    case = new_case(session, bank["modest"])
    with pytest.raises(error) as raised:
        assign_case(session=session, actor=ADMIN, case_id=case.id, data=data)
    assert raised.value.code == code


def test_an_rm_sees_only_cases_of_their_portfolio(session, bank):
    mine, theirs = new_case(session, bank["modest"]), new_case(session, bank["stranger"])
    rm = Actor(username="rm", role=Role.RELATIONSHIP_MANAGER, staff_id=bank["rm"])
    with session.begin():
        assert get_case_or_raise(session=session, actor=rm, case_id=mine.id).id == mine.id
        with pytest.raises(NotFound):
            get_case_or_raise(session=session, actor=rm, case_id=theirs.id)
        items, total = list_cases(session=session, actor=rm, filters=CaseFilters(open_only=True))
    assert ([c.id for c in items], total) == ([mine.id], 1)


def test_a_case_for_an_unknown_customer_is_refused(session, bank):
    with pytest.raises(NotFound) as raised:
        new_case(session, 999_999, actor=agent(bank))
    assert raised.value.details == {"party_id": 999_999}


def test_notes_replies_and_attachments_join_the_history(session, bank):
    case = new_case(session, bank["modest"])
    add_note(session=session, actor=ADMIN, case_id=case.id, data=CaseNote(body="checked the ledger"))
    add_note(
        session=session, actor=ADMIN, case_id=case.id, data=CaseNote(body="refund on its way", visibility="customer")
    )
    add_attachment(
        session=session,
        actor=ADMIN,
        case_id=case.id,
        data=AttachmentCreate(
            filename="statement.pdf", content_type="application/pdf", size_bytes=1024, sha256="a" * 64
        ),
    )
    with session.begin():
        rows = session.execute(
            select(CaseEvent.kind, CaseEvent.visibility, CaseEvent.body)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.id)
        ).all()
    assert [tuple(r) for r in rows][-3:] == [
        ("note", "internal", "checked the ledger"),
        ("reply", "customer", "refund on its way"),
        ("attachment", "internal", None),
    ]


def test_the_root_cause_report_counts_resolved_cases_per_month(session, bank):
    for month, cause in ((12, "system"), (12, "system"), (12, "process")):
        case = new_case(session, bank["modest"])
        with frozen_at(dt.datetime(2026, month, 2, 3, tzinfo=dt.UTC)):
            transition_case(
                session=session,
                actor=ADMIN,
                case_id=case.id,
                data=CaseTransition(to="resolved", resolution_code="explained", root_cause=cause),
            )
    with session.begin():
        report = root_cause_report(session=session, actor=ADMIN, start=dt.date(2026, 11, 1), end=dt.date(2027, 1, 1))
    assert report.top == [("system", 2), ("process", 1)]
    assert [(r.month, r.root_cause, r.cases) for r in report.trend] == [
        ("2026-12", "process", 1),
        ("2026-12", "system", 2),
    ]
    with pytest.raises(ValidationFailed):
        root_cause_report(session=session, actor=ADMIN, start=dt.date(2027, 1, 1), end=dt.date(2026, 1, 1))


def test_sending_a_case_to_its_own_team_keeps_its_owner_and_to_another_empties_it(session, bank):
    case_id = new_case(session, bank["modest"]).id  # the free agent of the desk owns it
    same = assign_case(session=session, actor=ADMIN, case_id=case_id, data=CaseAssign(team_id=bank["desk"]))
    assert (same.status, same.owner_staff_id) == ("assigned", bank["free"])
    moved = assign_case(session=session, actor=ADMIN, case_id=case_id, data=CaseAssign(team_id=bank["cards"]))
    assert (moved.status, moved.team_id, moved.owner_staff_id) == ("new", bank["cards"], None)
