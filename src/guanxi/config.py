"""Settings read from the environment (``GUANXI_`` prefix) and a ``.env`` file.

Nothing here runs at import time: call :func:`get_settings` when a value is needed, so tests
can set the environment first and clear the cache with ``get_settings.cache_clear()``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"
SECRET_SETTINGS = ("secret_key", "pii_key", "pii_index_key", "audit_key")
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Guanxi's configuration."""

    model_config = SettingsConfigDict(env_prefix="GUANXI_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    var_dir: Path = Path("var")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under var_dir if unset")
    lake_path: Path | None = Field(default=None, description="root of the Parquet lake; var_dir/lake if unset")
    engine: Literal["duckdb", "spark"] = Field(default="duckdb", description="analytics engine of guanxi analyze")
    spark_master: str = Field(
        default="local[2]", description="Spark master URL of the spark engine (local or a cluster)"
    )
    spark_driver_memory: str = Field(default="8g", description="memory of the Spark driver the spark engine starts")
    spark_conf: dict[str, str] = Field(
        default_factory=dict, description="more Spark settings for the spark engine, e.g. executor memory (JSON)"
    )
    default_locale: Literal["en", "zh-Hans", "zh-Hant"] = "en"
    default_currency: str = "CNY"
    timezone: str = Field(default="Asia/Shanghai", description="the bank's time zone (default business calendar)")
    sla_at_risk_share: float = Field(
        default=0.25, gt=0, lt=1, description="a case is at risk when less than this share of its SLA is left"
    )
    high_value_tiers: list[str] = Field(
        default_factory=lambda: ["private", "affluent"],
        description="value tiers whose cases go to their own relationship manager's team",
    )
    wechat_token: str | None = Field(
        default=None, description="token of the bank's WeChat official account; the WeChat channel is off if unset"
    )
    smtp_host: str | None = Field(default=None, description="mail server for outbound email; recorded only if unset")
    smtp_port: int = 25
    mail_from: str = "service@guanxi.invalid"
    secret_key: str = Field(default=DEFAULT_SECRET, description="signs CSRF tokens")
    pii_key: str = Field(default=DEFAULT_SECRET, description="key-encryption key for customers' data keys")
    pii_previous_keys: list[str] = Field(default_factory=list, description="older PII keys, readable during rotation")
    pii_index_key: str = Field(
        default=DEFAULT_SECRET, description="key of the blind indexes (search without decrypting)"
    )
    audit_key: str = Field(default=DEFAULT_SECRET, description="keys the audit hash chain; never change it")
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    api_token_days: int = 30
    cookie_secure: bool = True
    max_request_bytes: int = 1_048_576
    sign_in_attempts_per_minute: int = 10
    duckdb_memory_limit: str = "4GB"
    duckdb_threads: int | None = None
    ingest_batch_size: int = 20_000
    fx_rates: dict[str, float] = Field(
        default_factory=lambda: {"CNY": 1.0, "USD": 7.2, "EUR": 7.8, "GBP": 9.1, "HKD": 0.92, "CZK": 0.31},
        description="value of one unit of each currency in the base currency (analytics)",
    )

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        """Outside development, default secret keys are a misconfiguration."""
        if self.environment != "development":
            weak = [name for name in SECRET_SETTINGS if getattr(self, name) == DEFAULT_SECRET]
            if weak:
                names = ", ".join(f"GUANXI_{n.upper()}" for n in weak)
                raise ValueError(f"{names} must be set to a secret value outside development")
            short = [name for name in SECRET_SETTINGS if len(getattr(self, name)) < MIN_SECRET_LENGTH]
            if short and self.environment == "production":
                names = ", ".join(f"GUANXI_{n.upper()}" for n in short)
                raise ValueError(f"{names} must be at least {MIN_SECRET_LENGTH} characters in production")
            values = [getattr(self, name) for name in SECRET_SETTINGS]
            if len(set(values)) < len(values):
                raise ValueError(
                    "each of " + ", ".join(f"GUANXI_{n.upper()}" for n in SECRET_SETTINGS) + " must differ"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'guanxi.db').as_posix()}"

    @property
    def resolved_lake_path(self) -> Path:
        """The lake root, defaulting to ``var_dir/lake``."""
        return self.lake_path if self.lake_path is not None else self.var_dir / "lake"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
