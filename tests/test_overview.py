"""The start page's figures: only customers in scope, money held and owed kept apart, exactly."""

from __future__ import annotations

from decimal import Decimal

from factories import make_account, make_branch, make_party, make_product, make_staff
from guanxi.accounts.overview import book_overview
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role


def test_the_book_of_an_rm_holds_only_their_customers(session):
    # given an RM with two customers (a deposit and a mortgage) and a customer of another RM
    with session.begin():
        branch = make_branch(session)
        rm, other_rm = (
            make_staff(session, role="relationship_manager", branch=branch),
            make_staff(session, role="relationship_manager", branch=branch),
        )
        savings = make_product(session, family="savings")
        mortgage = make_product(session, family="mortgage")
        a = make_party(session, full_name="Ann", relationship_manager_id=rm.id)
        b = make_party(session, full_name="Bo", relationship_manager_id=rm.id, status="closed")
        c = make_party(session, full_name="Cy", relationship_manager_id=other_rm.id)
        make_account(session, a, savings, balance=Decimal("1000.10"))
        make_account(session, b, mortgage, balance=Decimal("-250000.00"))
        make_account(session, c, savings, balance=Decimal("999999.99"))
    actor = Actor(username="rm", role=Role.RELATIONSHIP_MANAGER, staff_id=rm.id)
    # when their book is summarised
    book = book_overview(session=session, actor=actor)
    # then it counts their two customers, held and owed apart, and lists the largest
    assert book.customers == 2
    assert sorted(book.by_status) == [("active", 1), ("closed", 1)]
    assert sorted(book.holders_by_family) == [("mortgage", 1), ("savings", 1)]
    assert book.balances == [("CNY", Decimal("1000.10"), Decimal("250000.00"))]
    assert [(name, amount) for _, name, _, amount in book.largest] == [
        ("Ann", Decimal("1000.10")),
        ("Bo", Decimal("-250000.00")),
    ]
