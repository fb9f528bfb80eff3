"""HTTP: the product catalogue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import SessionDep, require
from guanxi.products import service
from guanxi.products.schemas import ProductRead
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/products", tags=["products"])


@router.get("", response_model=list[ProductRead])
def list_products(
    session: SessionDep,
    _actor: Annotated[Any, Depends(require(Permission.PRODUCT_READ))],
    family: Annotated[str | None, Query(max_length=32)] = None,
) -> list[ProductRead]:
    """The product catalogue."""
    return service.list_products(session=session, family=family)
