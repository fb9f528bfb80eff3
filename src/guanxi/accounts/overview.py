"""The book of customers an actor sees, in figures: the start page's dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from guanxi.accounts.models import Account, AccountRole
from guanxi.parties.models import Party
from guanxi.parties.scope import visible_parties
from guanxi.products.models import Product
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission


@dataclass
class BookOverview:
    """Customers in the actor's scope: how many, their status, holdings, balances and the largest."""

    customers: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)
    holders_by_family: list[tuple[str, int]] = field(default_factory=list)
    # (currency, held by the customers: deposits and investments, owed by them: loans and cards)
    balances: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    largest: list[tuple[int, str, str, Decimal]] = field(default_factory=list)  # (id, name, currency, balance)


def book_overview(*, session: Session, actor: Actor, largest: int = 10) -> BookOverview:
    """Figures over the customers ``actor`` may see (nothing for roles that see no customers)."""
    actor.require(Permission.CUSTOMER_READ)
    visible = visible_parties(actor)
    overview = BookOverview()
    overview.by_status = [
        (status, int(n))
        for status, n in session.execute(
            select(Party.status, func.count()).where(visible).group_by(Party.status).order_by(func.count().desc())
        )
    ]
    overview.customers = sum(n for _, n in overview.by_status)
    if not actor.can(Permission.ACCOUNT_READ):
        return overview
    held = (
        select(
            AccountRole.party_id, Account.id.label("account_id"), Account.currency, Account.balance, Account.product_id
        )
        .join(Account, Account.id == AccountRole.account_id)
        .join(Party, Party.id == AccountRole.party_id)
        .where(visible, Account.status != "closed")
        .subquery()
    )
    overview.holders_by_family = [
        (family, int(n))
        for family, n in session.execute(
            select(Product.family, func.count(func.distinct(held.c.party_id)))
            .join(held, held.c.product_id == Product.id)
            .group_by(Product.family)
            .order_by(func.count(func.distinct(held.c.party_id)).desc())
        )
    ]
    accounts = select(held.c.account_id, held.c.currency, held.c.balance).distinct().subquery()
    held_sum = func.sum(case((accounts.c.balance > 0, accounts.c.balance), else_=0))
    owed_sum = func.sum(case((accounts.c.balance < 0, -accounts.c.balance), else_=0))
    overview.balances = [
        (currency, Decimal(held or 0), Decimal(owed or 0))
        for currency, held, owed in session.execute(
            select(accounts.c.currency, held_sum, owed_sum).group_by(accounts.c.currency).order_by(accounts.c.currency)
        )
    ]
    total = func.sum(held.c.balance)
    overview.largest = [
        (pid, name, currency, amount or Decimal(0))
        for pid, name, currency, amount in session.execute(
            select(held.c.party_id, Party.full_name, held.c.currency, total)
            .join(Party, Party.id == held.c.party_id)
            .group_by(held.c.party_id, Party.full_name, held.c.currency)
            .order_by(total.desc().nulls_last(), held.c.party_id)
            .limit(largest)
        )
    ]
    return overview
