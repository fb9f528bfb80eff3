"""The Alembic history upgrades and downgrades cleanly on each engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from backends import PG_URL
from guanxi.db import make_engine
from guanxi.migrate import downgrade, upgrade
from guanxi.models import Base


def _roundtrip(engine, schema: str | None = None) -> None:
    # when we upgrade, downgrade to nothing, and upgrade again
    upgrade(engine)
    tables = set(inspect(engine).get_table_names(schema=schema))
    assert set(Base.metadata.tables) <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names(schema=schema)) == {"alembic_version"}
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names(schema=schema))


def test_migrations_roundtrip_on_sqlite(tmp_path: Path):
    _roundtrip(make_engine(f"sqlite:///{tmp_path / 'm.db'}"))


@pytest.mark.skipif(PG_URL is None, reason="PostgreSQL run not configured (GUANXI_TEST_DATABASE_URL)")
def test_migrations_roundtrip_on_postgresql():
    # given a private schema so the shared test database is untouched
    assert PG_URL is not None
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS guanxi_migration_test CASCADE"))
        connection.execute(text("CREATE SCHEMA guanxi_migration_test"))
    engine = make_engine(PG_URL, connect_args={"options": "-csearch_path=guanxi_migration_test"})
    try:
        _roundtrip(engine, schema="guanxi_migration_test")
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text("DROP SCHEMA guanxi_migration_test CASCADE"))
        admin.dispose()


def test_models_and_migrations_agree(tmp_path: Path):
    # given a database built only by migrations
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(f"sqlite:///{tmp_path / 'diff.db'}")
    upgrade(engine)
    # then autogenerate finds nothing left to migrate
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrading_a_database_with_customers_keeps_and_encrypts_them(tmp_path: Path):
    # given a database at 0001 holding a branch, staff, a customer with a contact, a document, an
    # account role and a consent (foreign keys everywhere), and personal data in clear
    from guanxi.config import get_settings
    from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
    from guanxi.security.pii import Vault

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO branches (id, name, source_system, source_key, created_at, updated_at) "
                "VALUES (1, 'Central', 's', 'B1', '2026-01-01', '2026-01-01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO staff (id, full_name, role, branch_id, active, source_system, source_key, "
                "created_at, updated_at) VALUES (1, 'Chen', 'relationship_manager', 1, 1, 's', 'S1', "
                "'2026-01-01', '2026-01-01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO parties (id, party_type, full_name, birth_date, kyc_status, status, "
                "home_branch_id, relationship_manager_id, source_system, source_key, created_at, updated_at) "
                "VALUES (1, 'individual', '王小明', '1985-04-12', 'verified', 'active', 1, 1, 's', 'C1', "
                "'2026-01-01', '2026-01-01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO contact_points (id, party_id, kind, value, is_primary, verified, source_system, "
                "source_key) VALUES (1, 1, 'phone', '13812345678', 1, 1, 's', 'CP1')"
            )
        )
        c.execute(
            text(
                "INSERT INTO identity_documents (id, party_id, doc_type, number, verified, source_system, "
                "source_key) VALUES (1, 1, 'national_id', 'A123456(7)', 1, 's', 'D1')"
            )
        )
        c.execute(
            text(
                "INSERT INTO consents (id, party_id, purpose, channel, status, recorded_at, captured_via, "
                "source_system, source_key) VALUES (1, 1, 'marketing', 'sms', 'given', '2026-01-01', "
                "'branch', 's', 'K1')"
            )
        )
    # when it is upgraded to the head
    upgrade(engine)
    # then every row is still there, and the personal data is encrypted, masked and indexed
    with engine.connect() as c:
        counts = {
            t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("parties", "staff", "contact_points", "identity_documents", "consents")
        }
        assert counts == {"parties": 1, "staff": 1, "contact_points": 1, "identity_documents": 1, "consents": 1}
        party = c.execute(text("SELECT data_key, birth_date_enc, birth_date_masked, birth_year FROM parties")).one()
        contact = c.execute(text("SELECT value_enc, value_masked, value_index FROM contact_points")).one()
        document = c.execute(text("SELECT number_enc, number_masked FROM identity_documents")).one()
    vault = Vault.from_settings(get_settings())
    dek = vault.unwrap(party.data_key)
    assert vault.decrypt(dek, party.birth_date_enc, BIRTH_DATE_COLUMN) == "1985-04-12"
    assert (party.birth_date_masked, party.birth_year) == ("1985-**-**", 1985)
    assert vault.decrypt(dek, contact.value_enc, CONTACT_COLUMN) == "13812345678"
    assert (contact.value_masked, contact.value_index) == ("138****5678", vault.blind_index("phone", "13812345678"))
    assert vault.decrypt(dek, document.number_enc, DOCUMENT_COLUMN) == "A123456(7)"
    assert document.number_masked == "A12****(7)"
    # and a downgrade brings the clear values back without losing a row
    downgrade(engine, "0001")
    with engine.connect() as c:
        assert c.execute(text("SELECT birth_date FROM parties")).scalar() == "1985-04-12"
        assert c.execute(text("SELECT value FROM contact_points")).scalar() == "13812345678"
        assert c.execute(text("SELECT number FROM identity_documents")).scalar() == "A123456(7)"
        assert c.execute(text("SELECT count(*) FROM consents")).scalar() == 1
    engine.dispose()
