"""The segments explorer page: sizes, the rule builder (counted on the server without script),
saving a rule with the form's CSRF token, and the migration matrix."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from guanxi.api.csrf import csrf_token
from guanxi.config import get_settings
from guanxi.security.permissions import Role


@pytest.fixture
def analyst(browser_sign_in, analyse) -> str:
    """The marketing analyst signed in, after two analyses; returns the session token."""
    analyse(dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    return browser_sign_in(Role.MARKETING_ANALYST)


def test_the_explorer_shows_sizes_and_the_migration_matrix(client, analyst):
    page = client.get("/segments")
    assert page.status_code == 200
    assert page.text.count('class="chart"') == 4
    # two customers analysed on both dates: the diagonal holds them
    cells = re.findall(r'<td class="num[^"]*" translate="no">(\d+)</td>', page.text)
    assert sum(int(c) for c in cells) == 2


def test_a_rule_is_counted_without_script(client, analyst):
    page = client.get("/segments", params={"rule": "txn_count_30d >= 0"})
    assert 'Customers matching: <strong translate="no" data-count>2</strong>' in page.text
    bad = client.get("/segments", params={"rule": "wealth > 1"})
    assert "The rule is not valid:" in bad.text and "unknown feature &#39;wealth&#39;" in bad.text


def test_saving_a_rule_needs_the_csrf_token(client, analyst):
    form = {"name": "everyone", "expression": "txn_count_30d >= 0"}
    refused = client.post("/segments/rules", data=form, follow_redirects=False)
    assert refused.status_code == 403
    saved = client.post(
        "/segments/rules",
        data=form | {"csrf_token": csrf_token(get_settings().secret_key, analyst)},
        follow_redirects=False,
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/segments")
    assert "<td>everyone</td><td><code>txn_count_30d &gt;= 0</code></td>" in client.get("/segments").text


def test_an_rm_without_segment_write_sees_no_save_form(client, browser_sign_in, analyse):
    analyse(dt.date(2026, 11, 1))
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    page = client.get("/segments")
    assert page.status_code == 200
    assert 'action="/segments/rules"' not in page.text
