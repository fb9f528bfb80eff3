"""Factories: small valid rows of each domain, with overridable fields."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from guanxi.accounts.models import Account, AccountRole
from guanxi.cases.models import Case
from guanxi.config import get_settings
from guanxi.parties.models import ContactPoint, Household, HouseholdMember, IdentityDocument, Party
from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
from guanxi.products.models import Product
from guanxi.security.pii import SEARCHABLE_KINDS, Vault, mask, mask_date
from guanxi.team.models import Branch, Staff, Team

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


def vault() -> Vault:
    """The keyring of the test settings."""
    return Vault.from_settings(get_settings())


def make_party(session: Session, *, birth_date: dt.date | None = dt.date(1985, 4, 12), **fields: Any) -> Party:
    """Add an individual customer with a data key; the birth date is stored encrypted."""
    keys = vault()
    dek, wrapped = keys.new_data_key()
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("C"),
        "party_type": "individual",
        "full_name": "王小明",
        "latin_name": "Wang Xiaoming",
        "kyc_status": "verified",
        "status": "active",
        "data_key": wrapped,
    }
    if birth_date is not None:
        values |= {
            "birth_date_enc": keys.encrypt(dek, birth_date.isoformat(), BIRTH_DATE_COLUMN),
            "birth_date_masked": mask_date(birth_date),
            "birth_year": birth_date.year,
        }
    party = Party(**(values | fields))
    session.add(party)
    session.flush()
    return party


def make_contact(
    session: Session, party: Party, *, kind: str = "email", value: str = "wang@example.com", **fields: Any
) -> ContactPoint:
    """Add a contact point to a party, encrypted with the party's key."""
    keys = vault()
    assert party.data_key is not None
    dek = keys.unwrap(party.data_key)
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("CP"),
        "party_id": party.id,
        "kind": kind,
        "value_enc": keys.encrypt(dek, value, CONTACT_COLUMN),
        "value_masked": mask(kind, value),
        "value_index": keys.blind_index(kind, value) if kind in SEARCHABLE_KINDS else None,
        "is_primary": True,
        "verified": True,
    }
    contact = ContactPoint(**(values | fields))
    session.add(contact)
    session.flush()
    return contact


def make_document(session: Session, party: Party, *, number: str = "A123456(7)", **fields: Any) -> IdentityDocument:
    """Add an identity document to a party, its number encrypted."""
    keys = vault()
    assert party.data_key is not None
    dek = keys.unwrap(party.data_key)
    values: dict[str, Any] = {
        "source_system": "test",
        "source_key": _key("ID"),
        "party_id": party.id,
        "doc_type": "national_id",
        "number_enc": keys.encrypt(dek, number, DOCUMENT_COLUMN),
        "number_masked": mask("id_number", number),
        "number_index": keys.blind_index("id_number", number),
    }
    document = IdentityDocument(**(values | fields))
    session.add(document)
    session.flush()
    return document


def make_staff(session: Session, *, role: str, branch: Branch | None = None, team: Team | None = None) -> Staff:
    """Add a member of staff."""
    staff = Staff(
        source_system="test",
        source_key=_key("S"),
        full_name=f"Staff {role}",
        role=role,
        branch_id=branch.id if branch else None,
        team_id=team.id if team else None,
    )
    session.add(staff)
    session.flush()
    return staff


def make_team(session: Session, *, name: str | None = None, kind: str = "service") -> Team:
    """Add a team."""
    team = Team(name=name or _key("Team"), kind=kind)
    session.add(team)
    session.flush()
    return team


def make_household(session: Session, *members: Party) -> Household:
    """Add a household of ``members`` (the first is its head)."""
    household = Household(source_system="test", source_key=_key("H"), name="The Wang family")
    session.add(household)
    session.flush()
    for n, member in enumerate(members):
        session.add(
            HouseholdMember(
                source_system="test",
                source_key=_key("HM"),
                household_id=household.id,
                party_id=member.id,
                role="head" if n == 0 else "spouse",
            )
        )
    session.flush()
    return household


def make_case(session: Session, party: Party, *, team: Team | None, status: str = "new") -> Case:
    """Add a case for ``party`` owned by ``team``."""
    case = Case(
        party_id=party.id,
        team_id=team.id if team else None,
        case_type="complaint",
        category="fees_charges",
        channel="phone",
        status=status,
        subject="Charged twice",
    )
    session.add(case)
    session.flush()
    return case


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
