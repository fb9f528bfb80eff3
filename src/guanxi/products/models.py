"""ORM: the product catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, Rate, SourceKeyed, UTCDateTime, source_unique


class Product(SourceKeyed, Base):
    """A product the bank sells: accounts, cards, loans, funds, insurance."""

    __tablename__ = "products"
    __table_args__ = (
        source_unique(),
        CheckConstraint("risk_class IS NULL OR risk_class BETWEEN 1 AND 5", name="risk_class_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(32), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    risk_class: Mapped[int | None] = mapped_column(Integer)
    interest_rate: Mapped[Decimal | None] = mapped_column(Rate())
    min_age: Mapped[int | None] = mapped_column(Integer)
    margin_rate: Mapped[Decimal | None] = mapped_column(Rate())
    launched_on: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
