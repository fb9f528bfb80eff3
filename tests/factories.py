"""Factories: small valid rows of each domain, with overridable fields."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from guanxi.accounts.models import Account, AccountRole
from guanxi.parties.models import ContactPoint, Party
from guanxi.products.models import Product
from guanxi.team.models import Branch

_seq = itertools.count(1)


def _key(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}"


def make_branch(session: Session, **fields: Any) -> Branch:
    """Add a branch."""
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("BR"),
        "name": "Central",
        "city": "Shanghai",
    }
    branch = Branch(**(values | fields))
    session.add(branch)
    session.flush()
    return branch


def make_product(session: Session, **fields: Any) -> Product:
    """Add a product."""
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("P"),
        "name": "Everyday current account",
        "family": "current",
        "currency": "CNY",
    }
    product = Product(**(values | fields))
    session.add(product)
    session.flush()
    return product


def make_party(session: Session, **fields: Any) -> Party:
    """Add an individual customer."""
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("C"),
        "party_type": "individual",
        "full_name": "王小明",
        "latin_name": "Wang Xiaoming",
        "kyc_status": "verified",
        "status": "active",
        "birth_date": dt.date(1985, 4, 12),
    }
    party = Party(**(values | fields))
    session.add(party)
    session.flush()
    return party


def make_contact(session: Session, party: Party, **fields: Any) -> ContactPoint:
    """Add a contact point to a party."""
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("CP"),
        "party_id": party.id,
        "kind": "email",
        "value": "wang@example.com",
        "is_primary": True,
        "verified": True,
    }
    contact = ContactPoint(**(values | fields))
    session.add(contact)
    session.flush()
    return contact


def make_account(session: Session, party: Party, product: Product, role: str = "owner", **fields: Any) -> Account:
    """Add an account held by ``party``."""
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("A"),
        "account_number": f"6222{next(_seq):08d}",
        "product_id": product.id,
        "currency": "CNY",
        "status": "active",
        "opened_on": dt.date(2020, 1, 2),
        "balance": Decimal("1234.56"),
    }
    account = Account(**(values | fields))
    session.add(account)
    session.flush()
    session.add(
        AccountRole(source_system="test", source_key=_key("R"), account_id=account.id, party_id=party.id, role=role)
    )
    session.flush()
    return account
