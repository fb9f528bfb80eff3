"""Settings, money, the clock and the portable column types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factories import make_account, make_party, make_product
from guanxi import clock
from guanxi.accounts.models import Account
from guanxi.config import Settings
from guanxi.migrate import alembic_config
from guanxi.money import Money, minor_unit
from guanxi.parties.models import Party


def test_settings_default_to_sqlite_and_lake_under_var(tmp_path):
    # given a var folder and nothing else configured
    settings = Settings(var_dir=tmp_path / "var")
    # then the database and lake live under it
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'var' / 'guanxi.db').as_posix()}"
    assert settings.resolved_lake_path == tmp_path / "var" / "lake"
    assert settings.default_locale == "en"


def test_settings_read_the_guanxi_prefix(monkeypatch):
    monkeypatch.setenv("GUANXI_DEFAULT_LOCALE", "zh-Hant")
    monkeypatch.setenv("GUANXI_DATABASE_URL", "postgresql://db.internal/guanxi")
    settings = Settings()
    assert settings.default_locale == "zh-Hant"
    assert settings.resolved_database_url == "postgresql://db.internal/guanxi"


SECRETS = ("GUANXI_SECRET_KEY", "GUANXI_PII_KEY", "GUANXI_PII_INDEX_KEY", "GUANXI_AUDIT_KEY")


@pytest.mark.parametrize("environment", ["production", "test"])
def test_outside_development_the_shipped_secrets_are_refused(monkeypatch, environment):
    # given no secret in the environment
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    # when Guanxi starts outside development with the shipped secrets
    with pytest.raises(ValidationError) as excinfo:
        Settings(environment=environment)
    # then each is named
    assert (
        "GUANXI_SECRET_KEY, GUANXI_PII_KEY, GUANXI_PII_INDEX_KEY, GUANXI_AUDIT_KEY must be set to a secret value "
        "outside development"
    ) in str(excinfo.value)


def test_development_runs_with_the_shipped_secrets(monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    assert Settings(environment="development").secret_key == "change-me"


def test_production_accepts_real_secrets():
    settings = Settings(
        environment="production", secret_key="s" * 32, pii_key="p" * 32, pii_index_key="i" * 32, audit_key="a" * 32
    )
    assert settings.environment == "production"


def test_money_is_exact_and_refuses_floats():
    assert Money.of("0.10", "CNY") + Money.of("0.20", "CNY") == Money.of("0.30", "CNY")
    with pytest.raises(TypeError, match="refuses floats"):
        Money.of(0.1, "CNY")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot mix CNY and USD"):
        Money.of("1", "CNY") + Money.of("1", "USD")


def test_money_respects_the_currency_minor_unit():
    assert minor_unit("JPY") == 0 and minor_unit("KWD") == 3 and minor_unit("CNY") == 2
    with pytest.raises(ValueError, match="more decimals than USD allows"):
        Money.of("10.005", "USD")
    assert str(Money.of("1234.5", "CNY")) == "1,234.50 CNY"
    assert Money.of("10.005", "KWD").amount == Decimal("10.005")
    assert Money.rounded(Decimal("2.675"), "USD").amount == Decimal("2.68")
    assert Money.rounded(Decimal("2.665"), "USD").amount == Decimal("2.66")  # half-even
    assert Money.rounded(Decimal("2.6655"), "KWD").amount == Decimal("2.666")


def test_frozen_clock():
    moment = dt.datetime(2026, 1, 31, 9, 30, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        assert clock.now() == moment
        assert clock.today() == dt.date(2026, 1, 31)
    assert clock.now() != moment
    with pytest.raises(ValueError, match="timezone-aware"), clock.frozen_at(dt.datetime(2026, 1, 1)):
        pass


def test_money_columns_round_trip_exactly(session: Session):
    # given an account with a balance no float can hold exactly
    product = make_product(session)
    party = make_party(session)
    balance = Decimal("12345678901234.5678")
    account = make_account(session, party, product, balance=balance, credit_limit=Decimal("0.1"))
    session.expire_all()
    # when it is read back
    stored = session.get(Account, account.id)
    # then it is the same Decimal
    assert stored is not None
    assert stored.balance == balance
    assert stored.credit_limit == Decimal("0.1000")


def test_money_columns_refuse_floats_and_excess_decimals(session: Session):
    product = make_product(session)
    party = make_party(session)
    with pytest.raises(Exception, match=r"exact decimals must be Decimal"):
        make_account(session, party, product, balance=1.5)
    session.rollback()
    product = make_product(session)
    party = make_party(session)
    with pytest.raises(Exception, match="more than 4 decimal places"):
        make_account(session, party, product, balance=Decimal("1.00001"))


def test_timestamps_are_utc_aware_on_every_engine(session: Session):
    # given a timestamp in Hong Kong time
    hk = dt.timezone(dt.timedelta(hours=8))
    party = make_party(session, created_at=dt.datetime(2026, 3, 1, 8, 0, tzinfo=hk))
    session.expire_all()
    stored = session.get(Party, party.id)
    # then it comes back as the same instant in UTC
    assert stored is not None
    assert stored.created_at == dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)
    assert stored.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(session: Session):
    with pytest.raises(Exception, match="naive datetime"):
        make_party(session, created_at=dt.datetime(2026, 3, 1, 8, 0))


def test_names_in_any_script_round_trip(session: Session):
    names = ["陳大文", "陈小红", "Zoë O'Brien", "Сергей", "محمد"]
    ids = [make_party(session, full_name=n).id for n in names]
    session.expire_all()
    assert [session.get(Party, i).full_name for i in ids] == names  # type: ignore[union-attr]


def test_source_key_is_unique_per_source_system(session: Session):
    make_party(session, source_system="core", source_key="C1")
    make_party(session, source_system="cards", source_key="C1")  # another system may reuse the key
    with pytest.raises(Exception, match=r"(?i)unique"):
        make_party(session, source_system="core", source_key="C1")


def test_migrations_created_every_table(session: Session):
    tables = {
        "parties",
        "contact_points",
        "identity_documents",
        "households",
        "household_members",
        "party_relationships",
        "branches",
        "staff",
        "products",
        "accounts",
        "account_roles",
        "cards",
        "loans",
        "standing_orders",
        "consents",
        "users",
        "audit_events",
        "ingest_runs",
    }
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        found = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")))
    else:
        found = set(session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
    assert tables <= found
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert session.scalar(text("SELECT version_num FROM alembic_version")) == head
    assert session.scalar(select(Party.id).limit(1)) is None


def test_production_refuses_short_secrets():
    with pytest.raises(ValidationError) as excinfo:
        Settings(
            environment="production", secret_key="s" * 31, pii_key="p" * 32, pii_index_key="i" * 32, audit_key="a" * 32
        )
    assert "GUANXI_SECRET_KEY must be at least 32 characters in production" in str(excinfo.value)


def test_the_same_secret_may_not_serve_two_purposes():
    with pytest.raises(ValidationError) as excinfo:
        Settings(
            environment="production", secret_key="x" * 32, pii_key="x" * 32, pii_index_key="i" * 32, audit_key="a" * 32
        )
    assert "must differ" in str(excinfo.value)
