"""Every visible string of the main pages comes from the catalogue of the page's language.

Data (names, amounts, ids) is rendered inside ``translate="no"`` elements; everything else,
once the catalogue's messages are taken out, must leave no word behind. A string added to a
template without a catalogue entry fails here in every language.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

from bookable import bookable_monday
from guanxi.security.permissions import Role
from guanxi.web.i18n import LOCALES, catalogue

TEMPLATES = Path(resources.files("guanxi.web").joinpath("templates"))
SKIPPED = {"script", "style", "select", "option", "code", "title"}
VISIBLE_ATTRIBUTES = ("placeholder", "aria-label", "alt", "title")
WORD = re.compile(r"[^\W\d_]")  # a letter of any script


class _Texts(HTMLParser):
    """Visible text and visible attributes outside data (translate="no") and non-text elements."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in SKIPPED or values.get("translate") == "no"
        if not skip and not self._skipping():
            self.texts.extend(v for k in VISIBLE_ATTRIBUTES if (v := values.get(k)))
        if tag not in ("input", "meta", "link", "br", "img", "hr"):
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipping():
            self.texts.append(data.strip())


def untranslated(html: str, locale: str) -> list[str]:
    """What is left of the page's visible strings once every message of ``locale`` is removed."""
    parser = _Texts()
    parser.feed(html)
    # A message with placeholders ("assets of {aum} …") appears as its literal pieces around data.
    pieces = {p.strip() for m in catalogue(locale).values() for p in re.split(r"\{[a-z_0-9]+\}", m) if p.strip()}
    messages = sorted(pieces, key=len, reverse=True)
    left = []
    for text in parser.texts:
        rest = text
        for message in messages:
            rest = rest.replace(message, " ")
        if WORD.search(rest):
            left.append(text)
    return left


def test_every_catalogue_has_the_same_messages():
    keys = {locale: set(catalogue(locale)) for locale in LOCALES}
    assert keys["zh-Hant"] == keys["en"]
    assert keys["zh-Hans"] == keys["en"]
    assert all(value.strip() for locale in LOCALES for value in catalogue(locale).values())


def test_every_message_a_template_asks_for_exists():
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']\)""", template.read_text(encoding="utf-8")))
    assert used
    assert sorted(used - set(catalogue("en"))) == []


@pytest.fixture
def signed_in(client, browser_sign_in, analyse):
    """The browser client signed in as the administrator (sees every page), with segments computed
    so the 360 and the segments explorer show them."""
    analyse(dt.date(2026, 11, 1))
    browser_sign_in(Role.ADMIN)
    return client


@pytest.mark.parametrize("locale", LOCALES)
def test_the_main_pages_show_only_catalogue_strings(signed_in, world, locale):
    signed_in.cookies.set("guanxi_lang", locale)
    pages = [
        "/",
        "/customers",
        f"/customers/{world.ids['own_party']}",
        "/audit",
        "/audit?verify=true",
        "/customers/999999",
        "/segments",
        "/segments?rule=aum%20%3E%3D%200",
        "/segments?rule=wealth%20%3E%201",
        "/cases",
        "/cases/insights",
        "/events",
        f"/events/{world.ids['event']}",
        "/cases?view=all&status=closed&sla=breached",
        f"/cases/{world.ids['own_case']}",
        f"/customers/{world.ids['own_party']}/cases/new",
        f"/customers/{world.ids['own_party']}/appointments/new?day={bookable_monday().isoformat()}",
    ]
    for path in pages:
        response = signed_in.get(path)
        assert response.status_code in (200, 404), path
        assert f'<html lang="{locale}"' in response.text
        assert untranslated(response.text, locale) == [], path
        if path == f"/customers/{world.ids['own_party']}":
            assert 'data-segment="value_tier"' in response.text
    signed_in.cookies.delete("guanxi_session")
    assert untranslated(signed_in.get("/sign-in").text, locale) == []


def test_an_english_string_left_in_a_chinese_page_is_caught():
    page = (
        '<html lang="zh-Hant"><body><h1>客戶</h1><p>Customers found</p><span translate="no">王小明</span></body></html>'
    )
    assert untranslated(page, "zh-Hant") == ["Customers found"]


def test_the_catalogues_are_valid_json_files():
    for locale in LOCALES:
        text = resources.files("guanxi.web").joinpath("locales", f"{locale}.json").read_text(encoding="utf-8")
        assert isinstance(json.loads(text), dict)
