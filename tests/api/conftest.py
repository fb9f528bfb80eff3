"""Fixtures for API tests: the app on the test transaction, and one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM, create_user

PASSWORD = "correct-horse-battery"


@pytest.fixture
def users(session: Session) -> dict[Role, tuple[str, str]]:
    """One user per role: role → (username, password)."""
    created = {}
    with session.begin():
        for role in Role:
            username = f"user-{role.value}"
            create_user(
                session=session,
                actor=SYSTEM,
                username=username,
                display_name=username,
                role=role,
                password=PASSWORD,
            )
            created[role] = (username, PASSWORD)
    return created


@pytest.fixture
def client(bind: Connection, lake_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    """An API client whose requests run inside the test's transaction."""
    app = create_app(Settings(var_dir=tmp_path / "var", environment="test"), bind=bind, lake_root=lake_root)
    with TestClient(app) as test_client:
        yield test_client
