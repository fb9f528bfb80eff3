"""Reading accounts, their holders and their transactions (the last from the lake)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.accounts.models import Account, AccountRole
from guanxi.accounts.schemas import AccountHolderRead, AccountRead, TransactionPage, TransactionRead
from guanxi.errors import NotFound
from guanxi.lake import reader
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise, visible_parties, visible_party_ids
from guanxi.products.models import Product
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission


def get_account_or_raise(*, session: Session, actor: Actor, account_id: int) -> Account:
    """The account with ``account_id`` if one of its holders is visible to ``actor``; raises ``NotFound``."""
    visible_holder = (
        select(AccountRole.account_id)
        .join(Party, Party.id == AccountRole.party_id)
        .where(AccountRole.account_id == account_id, visible_parties(actor))
    )
    account = session.scalar(select(Account).where(Account.id == account_id, Account.id.in_(visible_holder)))
    if account is None:
        raise NotFound(f"no account with id {account_id}", details={"account_id": account_id})
    return account


def _read(session: Session, actor: Actor, account: Account, product: Product) -> AccountRead:
    holders = session.execute(
        select(AccountRole.party_id, Party.full_name, AccountRole.role)
        .join(Party, Party.id == AccountRole.party_id)
        .where(AccountRole.account_id == account.id)
        .order_by(AccountRole.role, AccountRole.party_id)
    ).all()
    visible = visible_party_ids(session, actor, [p for p, _, _ in holders])
    return AccountRead(
        id=account.id,
        account_number=account.account_number,
        product_id=product.id,
        product_name=product.name,
        product_family=product.family,
        branch_id=account.branch_id,
        currency=account.currency,
        status=account.status,
        opened_on=account.opened_on,
        closed_on=account.closed_on,
        balance=account.balance,
        balance_as_of=account.balance_as_of,
        credit_limit=account.credit_limit,
        # A co-holder's name is shown only to those who may see that customer.
        holders=[AccountHolderRead(party_id=p, full_name=n if p in visible else None, role=r) for p, n, r in holders],
    )


def get_account_detail(*, session: Session, actor: Actor, account_id: int) -> AccountRead:
    """An account with its product and holders."""
    actor.require(Permission.ACCOUNT_READ)
    account = get_account_or_raise(session=session, actor=actor, account_id=account_id)
    product = session.get(Product, account.product_id)
    assert product is not None  # enforced by the foreign key
    return _read(session, actor, account, product)


def list_party_accounts(*, session: Session, actor: Actor, party_id: int) -> list[AccountRead]:
    """Every account a party holds in any role."""
    actor.require(Permission.ACCOUNT_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    rows = session.execute(
        select(Account, Product)
        .join(Product, Product.id == Account.product_id)
        .join(AccountRole, AccountRole.account_id == Account.id)
        .where(AccountRole.party_id == party_id)
        .order_by(Account.opened_on, Account.id)
        .distinct()
    ).all()
    return [_read(session, actor, account, product) for account, product in rows]


def list_account_transactions(
    *, session: Session, actor: Actor, lake_root: Path, account_id: int, limit: int = 50, offset: int = 0
) -> TransactionPage:
    """An account's transactions from the lake, newest first."""
    actor.require(Permission.TRANSACTION_READ)
    get_account_or_raise(session=session, actor=actor, account_id=account_id)
    table, total = reader.account_transactions(lake_root, account_id, limit=limit, offset=offset)
    items = [TransactionRead.model_validate(row) for row in table.to_pylist()]
    return TransactionPage(items=items, total=total, limit=limit, offset=offset)
