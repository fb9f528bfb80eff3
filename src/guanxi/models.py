"""Imports every ORM module so ``Base.metadata`` knows every table (Alembic and tests use it)."""

from guanxi.accounts import models as accounts_models
from guanxi.audit import models as audit_models
from guanxi.cases import models as cases_models
from guanxi.db import Base
from guanxi.ingest import models as ingest_models
from guanxi.parties import models as parties_models
from guanxi.products import models as products_models
from guanxi.security import models as security_models
from guanxi.segments import models as segments_models
from guanxi.team import models as team_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "cases_models",
    "ingest_models",
    "parties_models",
    "products_models",
    "security_models",
    "segments_models",
    "team_models",
]
