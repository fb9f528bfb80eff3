"""Imports every ORM module so ``Base.metadata`` knows every table (Alembic and tests use it)."""

from guanxi.accounts import models as accounts_models
from guanxi.appointments import models as appointments_models
from guanxi.assistant import models as assistant_models
from guanxi.audit import models as audit_models
from guanxi.calendars import models as calendars_models
from guanxi.cases import models as cases_models
from guanxi.db import Base
from guanxi.events import models as events_models
from guanxi.ingest import models as ingest_models
from guanxi.insights import models as insights_models
from guanxi.interactions import models as interactions_models
from guanxi.outbox import models as outbox_models
from guanxi.parties import models as parties_models
from guanxi.products import models as products_models
from guanxi.scoring import models as scoring_models
from guanxi.security import models as security_models
from guanxi.segments import models as segments_models
from guanxi.surveys import models as surveys_models
from guanxi.tasks import models as tasks_models
from guanxi.team import models as team_models

__all__ = [
    "Base",
    "accounts_models",
    "appointments_models",
    "assistant_models",
    "audit_models",
    "calendars_models",
    "cases_models",
    "events_models",
    "ingest_models",
    "insights_models",
    "interactions_models",
    "outbox_models",
    "parties_models",
    "products_models",
    "scoring_models",
    "security_models",
    "segments_models",
    "surveys_models",
    "tasks_models",
    "team_models",
]
