"""The start page: segment charts and the lifecycle flow for managers, SLA and satisfaction for
those who work cases, and each user's own work for today."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

from guanxi.security.permissions import Role


def charts(page: str) -> dict[str, dict]:
    """The chart specifications on a page, by their label."""
    found = {}
    for raw in re.findall(r"data-chart='([^']+)'", page):
        spec = json.loads(html.unescape(raw))
        found[spec["label"]] = spec
    return found


def test_a_manager_sees_segments_their_flow_and_cases_against_sla(client, world, browser_sign_in, analyse):
    analyse(dt.date(2026, 9, 1), dt.date(2026, 11, 1))
    browser_sign_in(Role.BRANCH_MANAGER)
    shown = charts(client.get("/").text)
    assert shown["Value tier"]["kind"] == "bar"
    assert shown["Lifecycle stage"]["kind"] == "bar"
    flow = shown["How lifecycle stages moved"]
    assert flow["kind"] == "sankey"
    assert sum(link["value"] for link in flow["links"]) == sum(shown["Lifecycle stage"]["series"][0]["data"])
    sla = shown["Open cases against SLA"]
    assert sla["categories"] == ["On track", "At risk", "Breached", "Paused"]
    # the world's one open case is theirs to see (their branch's customer); it has no SLA clock
    assert sum(sla["series"][0]["data"]) == 1


def test_an_agent_sees_the_cases_they_own_for_today(client, world, browser_sign_in):
    agent = world.headers(Role.SERVICE_AGENT)
    opened = client.post(
        "/api/v1/cases",
        json={
            "party_id": world.ids["own_party"],
            "case_type": "service_request",
            "category": "checking_savings",
            "channel": "branch",
            "subject": "New cheque book",
        },
        headers=agent,
    ).json()
    browser_sign_in(Role.SERVICE_AGENT)
    page = client.get("/").text
    assert f'href="/cases/{opened["id"]}"' in page
    assert "Cases I own" in page
    assert "Value tier" not in charts(page)  # agents do not read segments


def test_an_analyst_sees_no_servicing_panels(client, world, browser_sign_in):
    browser_sign_in(Role.MARKETING_ANALYST)
    page = client.get("/").text
    assert "Open cases against SLA" not in page


def test_the_flow_names_the_missing_side_in_words():
    from guanxi.web.dashboard import _stage
    from guanxi.web.i18n import Translator

    # someone new by the later date comes from "(none)": the flow says they were not a customer
    assert _stage(Translator("en"), "(none)") == "not a customer"
    assert _stage(Translator("en"), "growing") == Translator("en").t("segment.growing")
    assert _stage(Translator("zh-Hant"), "(none)") == Translator("zh-Hant").t("segments.not_a_customer")
