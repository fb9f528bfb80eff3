"""The assistant's pages: the chat widget inside the staff workspace, and on a plain page of its own
(what a customer opens from the bank's website; no staff sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from guanxi.security.permissions import Permission
from guanxi.web.render import render, templates, translator
from guanxi.web.session import PageActor

TITLES = {"en": "Ask us", "zh-Hant": "智能客服", "zh-Hans": "智能客服"}


def assistant_page(request: Request, actor: PageActor) -> Response:
    """The widget in the workspace, for staff to see and try what customers get."""
    actor.require(Permission.CASE_WRITE)
    return render(request, "assistant.html", actor)


def chat_page(request: Request, lang: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    """The widget alone on a page, in the language asked for (else the visitor's)."""
    language = lang if lang in TITLES else translator(request).locale
    return templates.TemplateResponse(request, "chat.html", {"language": language, "title": TITLES[language]})
