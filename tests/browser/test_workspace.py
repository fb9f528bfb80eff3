"""The workspace in a real browser: each role signs in, finds a customer, opens the 360,
switches language, reveals a masked field and finds the reveal in the audit log."""

from __future__ import annotations

import re

import pytest

from guanxi.cli.serve_commands import DEMO_USERS

# What each demo user's navigation offers (by the English labels).
NAVIGATION = {
    "admin": ["Home", "Customers", "Cases", "Events", "Assistant", "Segments", "Models", "Audit log", "API"],
    "rm.chen": ["Home", "Customers", "Cases", "Events", "Assistant", "Segments", "Models", "API"],
    "agent.wong": ["Home", "Customers", "Cases", "Events", "Assistant", "API"],
    "manager.li": ["Home", "Customers", "Cases", "Events", "Assistant", "Segments", "Models", "API"],
    "analyst.smith": ["Home", "Segments", "Models", "API"],
    "compliance.zhang": ["Home", "Customers", "Cases", "Models", "Audit log", "API"],
    "auditor.ho": ["Home", "Customers", "Cases", "Segments", "Models", "Audit log", "API"],
}


@pytest.mark.parametrize("username", [u for u, _, _ in DEMO_USERS])
def test_each_role_signs_in_and_sees_its_navigation(page, sign_in, username):
    # when the user signs in through the form
    sign_in(page, username)
    # then the start page greets them and the navigation offers exactly what the role may use
    assert page.locator("h1").inner_text() == f"Welcome, {username}"
    links = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    assert links == NAVIGATION[username]


def test_the_rm_finds_a_customer_and_opens_the_360(page, sign_in, live_bank):
    # given the RM signed in
    sign_in(page, "rm.chen")
    # when they search for a customer of their book from the header
    page.get_by_label("Find a customer").first.fill(live_bank.rm_customer)
    page.keyboard.press("Enter")
    # then the customer is listed and opens
    page.get_by_role("link", name=live_bank.rm_customer).first.click()
    page.wait_for_url(f"**/customers/{live_bank.rm_customer_id}")
    assert page.locator("h1").inner_text() == live_bank.rm_customer
    # and personal data is masked, the charts are drawn
    phone = page.locator("[data-field^='contact_point:']").first.inner_text()
    assert "*" in phone
    page.wait_for_selector(".chart[data-drawn='true'] svg")
    assert page.locator(".chart[data-drawn='true']").count() == 3


def test_an_rm_cannot_open_a_customer_outside_their_book(page, sign_in, live_bank):
    sign_in(page, "rm.chen")
    # when the RM opens a customer of another RM by its address
    response = page.goto(f"/customers/{live_bank.outside_id}")
    # then it does not exist for them
    assert response is not None
    assert response.status == 404
    assert page.get_by_role("alert").inner_text() == "Not found, or not visible to you."


def test_switching_language_translates_the_workspace(page, sign_in):
    sign_in(page, "admin")
    # when the user picks Traditional Chinese
    page.get_by_role("link", name="繁體中文").click()
    # then the page is in Traditional Chinese
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.get_by_role("navigation", name="主選單").get_by_role("link").all_inner_texts()[:2] == ["首頁", "客戶"]
    # when they pick Simplified Chinese
    page.get_by_role("link", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("navigation", name="主菜单").get_by_role("link").all_inner_texts()[:2] == ["首页", "客户"]
    # and back to English
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


def test_revealing_a_masked_field_is_audited(page, sign_in, live_bank):
    # given a compliance officer on a customer's 360
    sign_in(page, "compliance.zhang")
    page.goto(f"/customers/{live_bank.rm_customer_id}")
    masked = page.locator("[data-field^='contact_point:']").first
    field = masked.get_attribute("data-field")
    assert "*" in masked.inner_text()
    # when they reveal it, giving a reason
    page.get_by_label("Show in clear").select_option(field)
    page.get_by_label("Reason (recorded in the audit log)").fill("customer asked to confirm the number")
    page.get_by_role("button", name="Reveal").click()
    # then the value is shown in clear
    clear = page.locator(f"[data-field='{field}'] .revealed").inner_text()
    assert "*" not in clear and re.search(r"\d{4}", clear)
    # and the audit log has the reveal, with the reason and without the value
    page.goto("/audit?action=customer.pii.reveal")
    row = page.locator("table.grid tbody tr").first
    text = row.inner_text()
    assert "compliance.zhang" in text and f"party {live_bank.rm_customer_id}" in text
    assert "customer asked to confirm the number" in text and field in text
    assert clear not in text


def test_the_agent_sees_only_customers_with_an_open_case_for_their_team(page, sign_in, live_bank):
    sign_in(page, "agent.wong")
    page.goto("/customers")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("a").inner_text() == live_bank.rm_customer


def test_the_theme_switches_to_dark_and_back(page, sign_in):
    sign_in(page, "admin")
    page.get_by_role("link", name="Dark theme").click()
    assert page.locator("html").get_attribute("data-theme") == "dark"
    page.get_by_role("link", name="Light theme").click()
    assert page.locator("html").get_attribute("data-theme") == "light"


def test_the_analyst_builds_a_rule_segment_and_sees_its_count(page, sign_in):
    sign_in(page, "analyst.smith")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Segments").click()
    page.wait_for_selector(".chart[data-drawn='true'] svg")
    # the needs clusters are described by profile cards that add up to everyone analysed
    cards = page.locator("article.profile")
    assert 3 <= cards.count() <= 8
    # when they type a rule, the count follows as they type
    page.get_by_label("Rule over the features").fill("txn_count_365d >= 0")
    count = page.locator("#rule-count [data-count]")
    count.wait_for()
    everyone = int(count.inner_text().replace(",", ""))
    assert everyone > 100
    page.get_by_label("Rule over the features").fill("txn_count_365d >= 0 and digital_share >= 0.7")
    page.wait_for_function(
        "n => document.querySelector('#rule-count [data-count]').textContent.replace(/,/g, '') * 1 < n", arg=everyone
    )
    narrower = int(count.inner_text().replace(",", ""))
    assert 0 < narrower < everyone
    # a rule that is not valid says why
    page.get_by_label("Rule over the features").fill("wealth > 1")
    page.wait_for_function("() => document.querySelector('#rule-count').textContent.includes('not valid')")
    assert "unknown feature 'wealth'" in page.locator("#rule-count").inner_text()
    # when they save a valid rule, it is listed with its size
    page.get_by_label("Rule over the features").fill("digital_share >= 0.7")
    page.get_by_label("Name").fill("digital first, by rule")
    page.get_by_role("button", name="Save the segment").click()
    row = page.locator("table.grid tr", has_text="digital first, by rule")
    assert row.locator("code").inner_text() == "digital_share >= 0.7"
    # and the migration matrix between the two analysed dates is shown
    assert page.locator("table.matrix tbody tr").count() >= 2


def test_the_agent_opens_a_case_and_moves_it_through_its_states(page, sign_in, live_bank):
    # given the agent on the 360 of the customer whose complaint their team holds
    sign_in(page, "agent.wong")
    page.goto(f"/customers/{live_bank.rm_customer_id}")
    # when they open a new complaint from the 360
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Category").select_option("credit_card")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Subject").fill("Card blocked abroad")
    page.get_by_label("What the customer said").fill("My card was declined in Tokyo.")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    status = page.locator("#case-status")
    assert status.get_attribute("data-status") in ("new", "assigned")
    # and moves it through its states, resolving with a resolution and a root cause
    for target, extra in (
        ("in_progress", {}),
        ("waiting_for_customer", {"note": "asked for the merchant receipt"}),
        ("in_progress", {}),
        ("resolved", {"resolution": "request_fulfilled", "cause": "system"}),
        ("closed", {}),
    ):
        page.get_by_label("Move to").select_option(target)
        if "note" in extra:
            page.locator("#move-note").fill(extra["note"])
        if "resolution" in extra:
            page.get_by_label("Resolution").select_option(extra["resolution"])
            page.get_by_label("Root cause").select_option(extra["cause"])
        page.get_by_role("button", name="Change status").click()
        page.wait_for_load_state()
        # then the page shows the new state each time
        assert status.get_attribute("data-status") == target
    history = page.locator("#case-history").locator("xpath=..").inner_text()
    assert history.count("Status changed") == 5
    assert "asked for the merchant receipt" in history
    # and the case is in the closed queue
    page.goto("/cases?view=all&status=closed")
    assert page.get_by_role("link", name=re.compile(r"^#\d+$")).count() >= 1


def test_a_customer_chats_on_the_plain_page_signs_in_and_gets_their_balance(page, live_bank):
    # given the chat on a page of its own, as the bank's website would show it
    page.goto("/chat?lang=en")
    log = page.get_by_role("log")
    page.wait_for_selector("[data-guanxi-chat] li[data-sender='assistant']")
    assert log.locator("li").first.inner_text().startswith("Assistant\nHello!")
    # when the customer asks for their balance
    page.get_by_label("Your message").fill("what is my balance?")
    page.keyboard.press("Enter")
    # then they are asked to sign in, and the sign-in form appears
    page.wait_for_selector("[data-guanxi-chat] li:nth-child(3)")
    assert "Please sign in first" in log.locator("li").nth(2).inner_text()
    page.get_by_label("Customer number").fill(str(live_bank.rm_customer_id))
    page.get_by_label("Passcode").fill(live_bank.passcode)
    page.get_by_role("button", name="Sign in").click()
    # and once signed in the question is answered
    page.wait_for_selector("[data-guanxi-chat] li:nth-child(4)")
    assert log.locator("li").nth(3).inner_text().startswith("Assistant\nYour balances:")
    assert page.get_by_role("status").inner_text() == "Signed in"
    assert page.locator(".gx-sign-in").is_hidden()
