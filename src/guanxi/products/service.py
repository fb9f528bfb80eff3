"""Reading the product catalogue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.products.models import Product
from guanxi.products.schemas import ProductRead


def list_products(*, session: Session, family: str | None = None) -> list[ProductRead]:
    """Products, optionally of one family, by family and name."""
    stmt = select(Product).order_by(Product.family, Product.name, Product.id)
    if family:
        stmt = stmt.where(Product.family == family)
    return [ProductRead.model_validate(p) for p in session.scalars(stmt)]
