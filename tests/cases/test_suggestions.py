"""The categoriser's suggestion on a new case: kept with its confidence, never applied; without a
trained model, cases open as usual and the API says there is no categoriser."""

from __future__ import annotations

from sqlalchemy.orm import Session
from test_categoriser import trained  # noqa: F401 - the module-scoped trained model fixture

from factories import make_party
from guanxi.cases.categoriser import save
from guanxi.cases.schemas import CaseCreate
from guanxi.cases.service import open_case
from guanxi.cases.suggestions import model_path, suggest_category
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role

ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")
TEXT = "the collector calls about a debt i do not owe, the collection agency harass me"


def new_case(session: Session, description: str) -> object:
    with session.begin():
        party_id = make_party(session).id
    data = CaseCreate(
        party_id=party_id,
        case_type="complaint",
        category="mortgage",  # what the agent chose, whatever the model thinks
        channel="phone",
        subject="Calls",
        description=description,
    )
    return open_case(session=session, actor=ADMIN, data=data)


def test_without_a_model_there_is_no_suggestion(session):
    assert not model_path().exists()
    assert suggest_category(TEXT) is None
    case = new_case(session, TEXT)
    assert (case.suggested_category, case.suggested_confidence) == (None, None)


def test_the_suggestion_is_kept_beside_the_chosen_category(session, trained):  # noqa: F811
    save(trained, model_path())
    suggestion = suggest_category(TEXT)
    assert suggestion.category == "debt_collection"
    assert suggestion.sub_category == "Attempts to collect debt not owed"
    assert 0.5 < suggestion.confidence <= 1.0
    assert {c for c, _ in suggestion.alternatives} <= {"mortgage", "credit_card"}
    case = new_case(session, TEXT)
    assert (case.category, case.suggested_category) == ("mortgage", "debt_collection")
    assert case.suggested_confidence == suggestion.confidence
