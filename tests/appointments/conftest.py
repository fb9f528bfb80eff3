"""Fixtures for appointment tests: a branch open on weekdays, an RM with two customers, a stranger."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from factories import make_branch, make_party, make_staff
from guanxi.calendars.models import BusinessCalendar, Holiday


@pytest.fixture
def bank(session: Session) -> dict[str, int]:
    """The bank's calendar (weekdays 09:00-17:00, Christmas closed), a branch with Saturday mornings
    only, an RM of the first branch with two customers, a second RM, and a customer of nobody."""
    with session.begin():
        default = BusinessCalendar(
            name="default",
            timezone="Asia/Shanghai",
            week={day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        )
        session.add(default)
        session.flush()
        session.add(Holiday(calendar_id=default.id, day=dt.date(2026, 12, 25), name="Christmas"))
        central = make_branch(session, name="Central")
        harbour = make_branch(session, name="Harbour")
        session.add(
            BusinessCalendar(
                name="harbour", timezone="Asia/Shanghai", week={"sat": ["10:00", "12:00"]}, branch_id=harbour.id
            )
        )
        rm = make_staff(session, role="relationship_manager", branch=central)
        second_rm = make_staff(session, role="relationship_manager", branch=central)
        gone = make_staff(session, role="relationship_manager", branch=central)
        gone.active = False
        wang = make_party(session, home_branch_id=central.id, relationship_manager_id=rm.id)
        li = make_party(session, full_name="李四", home_branch_id=central.id, relationship_manager_id=rm.id)
        stranger = make_party(session, full_name="張三", home_branch_id=harbour.id)
    return {
        "central": central.id,
        "harbour": harbour.id,
        "rm": rm.id,
        "second_rm": second_rm.id,
        "gone": gone.id,
        "wang": wang.id,
        "li": li.id,
        "stranger": stranger.id,
    }
