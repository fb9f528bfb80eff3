"""Accessibility: axe-core finds no violation on the main pages (contrast, landmarks, labels, …)
in either theme, and the main workflow works with the keyboard alone."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
PAGES = ["/", "/customers", "/customers/{id}", "/audit", "/cases", "/cases/{case}", "/cases/insights", "/events"]
PAGES += ["/chat"]
AGENT_PAGES = ["/assistant"]
ANALYST_PAGES = ["/segments", "/segments?rule=aum%20%3E%3D%201000000"]


def _violations(page) -> list[str]:
    # Evaluated over the DevTools protocol, so the page's CSP (no inline script) does not apply.
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
    )
    return list(result)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_main_pages_pass_axe(page, sign_in, live_bank, theme):
    # the sign-in page first, before any session
    page.goto("/sign-in")
    assert _violations(page) == []
    sign_in(page, "compliance.zhang")
    page.goto(f"/theme?theme={theme}&next=/")
    for path in PAGES:
        page.goto(path.format(id=live_bank.rm_customer_id, case=live_bank.case_id))
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], path
    page.context.clear_cookies()
    sign_in(page, "analyst.smith")
    page.goto(f"/theme?theme={theme}&next=/")
    for path in ANALYST_PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], path
    page.context.clear_cookies()
    sign_in(page, "agent.wong")
    page.goto(f"/theme?theme={theme}&next=/")
    for path in AGENT_PAGES:
        page.goto(path)
        page.wait_for_selector("[data-guanxi-chat] li")  # the greeting is in
        assert _violations(page) == [], path


def test_the_workflow_works_by_keyboard_alone(page, live_bank):
    # sign in: the user name field, then Tab through the form and Enter
    page.goto("/sign-in")
    page.get_by_label("User name").focus()
    page.keyboard.type("rm.chen")
    page.keyboard.press("Tab")
    page.keyboard.type("Guanxi-Demo-2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    # the first Tab reaches the skip link, which moves focus to the main content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tab on until the search field, type a name and press Enter
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "global-search":
            break
    assert page.evaluate("document.activeElement.id") == "global-search"
    page.keyboard.type(live_bank.rm_customer)
    page.keyboard.press("Enter")
    page.wait_for_url("**/customers?q=*")
    # Tab to the customer's link and open it with Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == live_bank.rm_customer:
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{live_bank.rm_customer_id}")
    assert page.locator("h1").inner_text() == live_bank.rm_customer
    # every form control on the 360 has a label
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)"
    )
    assert unlabelled == []
