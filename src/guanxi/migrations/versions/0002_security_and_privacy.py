"""security and privacy: encrypted PII, sign-in tokens, teams and cases, the audit hash chain

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Existing personal data is encrypted in place (each party gets a data key), existing audit
entries are chained in their id order, and the audit table becomes append-only.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import guanxi.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("lead_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", guanxi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_teams_branch_id_branches")),
        sa.ForeignKeyConstraint(
            ["lead_staff_id"],
            ["staff.id"],
            name=op.f("fk_teams_lead_staff_id_staff"),
            ondelete="SET NULL",
            use_alter=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_branch_id"), ["branch_id"], unique=False)

    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("created_at", guanxi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", guanxi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", guanxi.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", guanxi.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_from", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_auth_tokens_digest")),
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "customer_credentials",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", guanxi.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", guanxi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", guanxi.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_customer_credentials_party_id_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_credentials")),
        sa.UniqueConstraint("party_id", name=op.f("uq_customer_credentials_party_id")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("owner_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("case_type", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("opened_at", guanxi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", guanxi.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name=op.f("fk_cases_owner_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_cases_party_id_parties"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_cases_team_id_teams"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_party_id"), ["party_id"], unique=False)
        batch_op.create_index("ix_cases_team_status", ["team_id", "status"], unique=False)

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_audit_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_audit_events_actor", ["actor"], unique=False)
        batch_op.create_index("ix_audit_events_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])
    _make_audit_append_only()

    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("value_masked", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("value_index", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_contact_points_value_index"), ["value_index"], unique=False)

    with op.batch_alter_table("identity_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("number_masked", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("number_index", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_identity_documents_number_index"), ["number_index"], unique=False)

    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("birth_date_masked", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("data_key", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", guanxi.db.UTCDateTime(timezone=True), nullable=True))

    _encrypt_existing_personal_data()
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.alter_column("value_masked", existing_type=sa.String(length=500), nullable=False)
        batch_op.drop_column("value")
    with op.batch_alter_table("identity_documents", schema=None) as batch_op:
        batch_op.alter_column("number_masked", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("number")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_column("birth_date")

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index(batch_op.f("ix_staff_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_team_id_teams"), "teams", ["team_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_changed_at", guanxi.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", guanxi.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_secret_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.execute("UPDATE users SET role = 'marketing_analyst' WHERE role = 'analyst'")


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'analyst' WHERE role = 'marketing_analyst'")
    # 0001 has no read-only auditor: such users become operators who cannot sign in until re-enabled.
    op.execute("UPDATE users SET role = 'operator', active = false WHERE role = 'auditor'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret_enc")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_sign_ins")
        batch_op.drop_column("password_changed_at")

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_staff_team_id_teams"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_staff_team_id"))
        batch_op.drop_column("team_id")

    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.DATE(), nullable=True))
    with op.batch_alter_table("identity_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.VARCHAR(length=64), nullable=True))
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value", sa.VARCHAR(length=500), nullable=True))
    _decrypt_personal_data()

    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("data_key")
        batch_op.drop_column("birth_year")
        batch_op.drop_column("birth_date_masked")
        batch_op.drop_column("birth_date_enc")

    with op.batch_alter_table("identity_documents", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_index(batch_op.f("ix_identity_documents_number_index"))
        batch_op.drop_column("number_index")
        batch_op.drop_column("number_masked")
        batch_op.drop_column("number_enc")

    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.alter_column("value", existing_type=sa.VARCHAR(length=500), nullable=False)
        batch_op.drop_index(batch_op.f("ix_contact_points_value_index"))
        batch_op.drop_column("value_index")
        batch_op.drop_column("value_masked")
        batch_op.drop_column("value_enc")

    _drop_append_only_triggers()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.drop_index("ix_audit_events_entity")
        batch_op.drop_index("ix_audit_events_actor")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("source")
        batch_op.drop_column("seq")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_team_status")
        batch_op.drop_index(batch_op.f("ix_cases_party_id"))

    op.drop_table("cases")
    op.drop_table("customer_credentials")
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_tokens_user_id"))

    op.drop_table("auth_tokens")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_branch_id"))

    op.drop_table("teams")
    op.drop_table("audit_chain_head")


# -- data steps ------------------------------------------------------------------------------
_TRIGGER_TABLE = "audit_events"


def _chain_existing_audit_events() -> None:
    """Give existing entries their seq and chained hashes (in id order), and set the chain's head."""
    from guanxi.audit.service import GENESIS_HASH, audit_key, entry_hash

    bind = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.BigInteger),
        sa.column("occurred_at", guanxi.db.UTCDateTime()),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("source", sa.String),
        sa.column("data", guanxi.db.JsonDocument()),
        sa.column("seq", sa.BigInteger),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    key = audit_key()
    seq, prev = 0, GENESIS_HASH
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    for row in rows:
        seq += 1
        entry = {k: row[k] for k in ("occurred_at", "actor", "action", "entity", "entity_id", "source", "data")}
        digest = entry_hash(key, prev, seq, entry)
        bind.execute(events.update().where(events.c.id == row["id"]).values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    head = sa.table(
        "audit_chain_head",
        sa.column("id", sa.BigInteger),
        sa.column("last_seq", sa.BigInteger),
        sa.column("last_hash", sa.String),
    )
    bind.execute(head.insert().values(id=1, last_seq=seq, last_hash=prev))


def _make_audit_append_only() -> None:
    """Refuse UPDATE and DELETE on the audit log in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION guanxi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION guanxi_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION guanxi_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS guanxi_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")


def _pii_tables() -> tuple[sa.TableClause, sa.TableClause, sa.TableClause]:
    parties = sa.table(
        "parties",
        sa.column("id", sa.BigInteger),
        sa.column("birth_date", sa.Date),
        sa.column("birth_date_enc", sa.LargeBinary),
        sa.column("birth_date_masked", sa.String),
        sa.column("birth_year", sa.Integer),
        sa.column("data_key", sa.LargeBinary),
    )
    contacts = sa.table(
        "contact_points",
        sa.column("id", sa.BigInteger),
        sa.column("party_id", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
        sa.column("value_enc", sa.LargeBinary),
        sa.column("value_masked", sa.String),
        sa.column("value_index", sa.String),
    )
    documents = sa.table(
        "identity_documents",
        sa.column("id", sa.BigInteger),
        sa.column("party_id", sa.BigInteger),
        sa.column("number", sa.String),
        sa.column("number_enc", sa.LargeBinary),
        sa.column("number_masked", sa.String),
        sa.column("number_index", sa.String),
    )
    return parties, contacts, documents


def _encrypt_existing_personal_data() -> None:
    """Give every party a data key and encrypt birth dates, contact values and document numbers."""
    from guanxi.config import get_settings
    from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
    from guanxi.security.pii import SEARCHABLE_KINDS, Vault, mask, mask_date

    bind = op.get_bind()
    vault = Vault.from_settings(get_settings())
    parties, contacts, documents = _pii_tables()
    deks: dict[int, bytes] = {}
    for party_id, born in bind.execute(sa.select(parties.c.id, parties.c.birth_date)).all():
        dek, wrapped = vault.new_data_key()
        deks[party_id] = dek
        values: dict[str, object] = {"data_key": wrapped}
        if born is not None:
            values |= {
                "birth_date_enc": vault.encrypt(dek, born.isoformat(), BIRTH_DATE_COLUMN),
                "birth_date_masked": mask_date(born),
                "birth_year": born.year,
            }
        bind.execute(parties.update().where(parties.c.id == party_id).values(**values))
    for row_id, party_id, kind, value in bind.execute(
        sa.select(contacts.c.id, contacts.c.party_id, contacts.c.kind, contacts.c.value)
    ).all():
        bind.execute(
            contacts.update()
            .where(contacts.c.id == row_id)
            .values(
                value_enc=vault.encrypt(deks[party_id], value, CONTACT_COLUMN),
                value_masked=mask(kind, value),
                value_index=vault.blind_index(kind, value) if kind in SEARCHABLE_KINDS else None,
            )
        )
    for row_id, party_id, number in bind.execute(
        sa.select(documents.c.id, documents.c.party_id, documents.c.number)
    ).all():
        bind.execute(
            documents.update()
            .where(documents.c.id == row_id)
            .values(
                number_enc=vault.encrypt(deks[party_id], number, DOCUMENT_COLUMN),
                number_masked=mask("id_number", number),
                number_index=vault.blind_index("id_number", number),
            )
        )


def _decrypt_personal_data() -> None:
    """Write personal data back in clear (erased parties' data stays gone)."""
    import datetime as dt

    from guanxi.config import get_settings
    from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
    from guanxi.security.pii import ERASED, Vault

    bind = op.get_bind()
    vault = Vault.from_settings(get_settings())
    parties, contacts, documents = _pii_tables()
    deks: dict[int, bytes | None] = {}
    for party_id, wrapped, blob in bind.execute(
        sa.select(parties.c.id, parties.c.data_key, parties.c.birth_date_enc)
    ).all():
        dek = vault.unwrap(wrapped) if wrapped is not None else None
        deks[party_id] = dek
        if dek is not None and blob is not None:
            born = dt.date.fromisoformat(vault.decrypt(dek, blob, BIRTH_DATE_COLUMN))
            bind.execute(parties.update().where(parties.c.id == party_id).values(birth_date=born))
    for table, column, enc, label in (
        (contacts, "value", "value_enc", CONTACT_COLUMN),
        (documents, "number", "number_enc", DOCUMENT_COLUMN),
    ):
        for row_id, party_id, blob in bind.execute(sa.select(table.c.id, table.c.party_id, table.c[enc])).all():
            dek = deks.get(party_id)
            value = vault.decrypt(dek, blob, label) if dek is not None and blob is not None else ERASED
            bind.execute(table.update().where(table.c.id == row_id).values(**{column: value}))
