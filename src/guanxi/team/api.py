"""HTTP: branches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from guanxi.api.deps import SessionDep, require
from guanxi.security.permissions import Permission
from guanxi.team import service
from guanxi.team.schemas import BranchRead

router = APIRouter(prefix="/api/v1/branches", tags=["branches"])


@router.get("", response_model=list[BranchRead])
def list_branches(
    session: SessionDep, _actor: Annotated[Any, Depends(require(Permission.BRANCH_READ))]
) -> list[BranchRead]:
    """Branches with their staff and customer counts."""
    return service.list_branches(session=session)
