"""The segments explorer page: sizes, the rule builder (counted on the server without script),
saving a rule with the form's CSRF token, and the migration matrix."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from guanxi.api.csrf import csrf_token
from guanxi.config import get_settings
from guanxi.security import auth
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM
from guanxi.segments.service import run_analysis


@pytest.fixture
def analyst(client, world, session, bind):
    """The marketing analyst signed in, after two analyses."""
    for day in (dt.date(2026, 10, 1), dt.date(2026, 11, 1)):
        run_analysis(
            bind=bind, actor=SYSTEM, lake_root=client.app.state.lake_root, as_of=day, fx_rates=get_settings().fx_rates
        )
    issued = auth.sign_in(
        session=session,
        settings=get_settings(),
        vault=client.app.state.vault,
        username=world.usernames[Role.MARKETING_ANALYST],
        password="Correct-Horse-Battery-9",
    )
    client.cookies.set("guanxi_session", issued.token)
    return issued.token


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


def test_an_rm_without_segment_write_sees_no_save_form(client, world, session, bind):
    run_analysis(
        bind=bind,
        actor=SYSTEM,
        lake_root=client.app.state.lake_root,
        as_of=dt.date(2026, 11, 1),
        fx_rates=get_settings().fx_rates,
    )
    issued = auth.sign_in(
        session=session,
        settings=get_settings(),
        vault=client.app.state.vault,
        username=world.usernames[Role.RELATIONSHIP_MANAGER],
        password="Correct-Horse-Battery-9",
    )
    client.cookies.set("guanxi_session", issued.token)
    page = client.get("/segments")
    assert page.status_code == 200
    assert 'action="/segments/rules"' not in page.text
