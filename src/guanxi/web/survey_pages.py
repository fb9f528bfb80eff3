"""The customer's survey page: opened from the link in the survey message, no sign-in. The
link's random token is the credential (a forged form would need it), so the page needs no
session; it answers in the customer's language like every page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Request
from fastapi.responses import Response

from guanxi.api.deps import SessionDep
from guanxi.errors import GuanxiError
from guanxi.surveys.service import SCALES, answer_survey, get_survey_by_token
from guanxi.web.render import render

Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def survey_page(request: Request, session: SessionDep, token: Token) -> Response:
    """The survey's question and its scale."""
    survey = get_survey_by_token(session=session, token=token)
    low, high = SCALES[survey.kind]
    return render(
        request, "survey.html", None, survey=survey, scale=list(range(low, high + 1)), token=token, answered=None
    )


def survey_submit(
    request: Request,
    session: SessionDep,
    token: Token,
    score: Annotated[int, Form(ge=0, le=10)],
    comment: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Take the customer's answer and thank them (or say why it was not taken)."""
    session.rollback()
    try:
        survey = answer_survey(session=session, token=token, score=score, comment=comment or None)
    except GuanxiError as exc:
        if exc.http_status == 404:
            raise
        survey = get_survey_by_token(session=session, token=token)
        low, high = SCALES[survey.kind]
        return render(
            request,
            "survey.html",
            None,
            status_code=exc.http_status,
            survey=survey,
            scale=list(range(low, high + 1)),
            token=token,
            answered=None,
            error=exc.code,
        )
    return render(request, "survey.html", None, survey=survey, scale=[], token=token, answered=survey.score)
