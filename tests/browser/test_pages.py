"""The business pages worked as each role works them: an owner assigns a callback and the agent completes it,
an agent takes the waiting caller, a customer is found by a number typed with spaces or brackets, an owner
reads the plan's usage; and every link of the overview opens a page (never the REST framework's JSON) for
each role."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.bot import access_token, bot_request
from tests.browser.conftest import follow, goto, needs_browser, screenshot, sync_api

pytestmark = needs_browser
expect = sync_api.expect if sync_api else None


def test_an_owner_assigns_a_callback_and_the_agent_marks_it_done(open_page):
    owner = open_page("owner")
    goto(owner, "/callbacks/?status=scheduled")
    rows = owner.locator("#callbacks-table tbody tr")
    expect(rows.first).to_be_visible()
    # Overdue first, then today's: the list's order is the day's work.
    expect(rows.first).to_have_class(re.compile(r"\boverdue\b"))
    unassigned = rows.filter(has=owner.locator('td[data-label="Assigned"]', has_text="nobody")).first
    customer = unassigned.locator('td[data-label="Customer"] a').inner_text()
    follow(owner, unassigned.get_by_role("link", name="Open"))
    expect(owner.get_by_role("heading", name=f"Callback to {customer}", level=1)).to_be_visible()
    detail_url = owner.url
    owner.get_by_label("Agent").select_option(label="agent")
    follow(owner, owner.get_by_role("button", name="Assign"))
    expect(owner.locator(".message-success")).to_contain_text("Callback assigned.")
    expect(owner.locator("#callback-agent")).to_have_text("agent")

    agent = open_page("agent")
    goto(agent, "/callbacks/?assigned=me&status=scheduled")
    mine = agent.locator("#callbacks-table tbody tr").filter(has=agent.locator('td[data-label="Customer"]', has_text=customer))
    expect(mine).to_have_count(1)
    follow(agent, mine.get_by_role("link", name="Open"))
    agent.get_by_label("Note").fill("Called back: pickup at 5 pm agreed.")
    follow(agent, agent.get_by_role("button", name="Mark done"))
    expect(agent.locator("#callback-status")).to_have_text("completed")
    expect(agent.locator("dd.pre-line")).to_have_text("Called back: pickup at 5 pm agreed.")
    screenshot(agent, "callback-done")

    goto(owner, detail_url)
    expect(owner.locator("#callback-status")).to_have_text("completed")


def test_a_callback_scheduled_while_the_page_is_open_appears_in_the_list(open_page, server):
    """Callbacks the voice agent makes (calls.services.create_callback, a callbackCreated event) show up live."""
    page = open_page("owner")
    goto(page, "/callbacks/")
    expect(page.locator("#callbacks")).to_have_attribute("data-live", "open")
    total = int(page.locator("#callback-total").inner_text())
    caller = "+1555777" + str(uuid.uuid4().int)[:4]
    bot_request(server.url, "POST", "/api/calls", {"callId": "CB-" + uuid.uuid4().hex[:10], "caller": caller, "status": "success"})
    owner = access_token(server.url, "owner")
    customer = bot_request(server.url, "GET", f"/api/customers?q={caller[1:]}", token=owner)[0]
    # Overdue by a minute: the list puts it first.
    when = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    made = bot_request(server.url, "POST", "/api/callbacks", {"customer": customer["id"], "scheduled_at": when, "reason": "Asked for a quote"}, token=owner)
    row = page.locator(f'#callbacks-table tr[data-callback-id="{made["id"]}"]')
    expect(row).to_be_visible()
    expect(row).to_have_class(re.compile(r"\bnew\b"))
    expect(row.locator('td[data-label="Reason"]')).to_have_text("Asked for a quote")
    expect(page.locator("#callback-total")).to_have_text(str(total + 1))
    expect(page.locator("#callbacks-new")).to_contain_text("New callback")
    screenshot(page, "callbacks-live")


def test_an_agent_takes_the_caller_waiting_longest_with_the_highest_priority(open_page):
    page = open_page("agent")
    goto(page, "/live/")
    queue = page.locator("#queue")
    waiting = queue.locator(".queue-list li")
    before = waiting.count()
    assert before >= 1
    # The demo's priority caller has waited past the store's service level: red.
    first = waiting.first
    caller = first.locator("strong").inner_text()
    expect(first).to_have_class(re.compile(r"\blate\b"))
    follow(page, queue.get_by_role("button", name="Take next"))
    expect(page.locator(".message-success")).to_contain_text(f"You have the caller {caller}")
    expect(page.locator("#queue .queue-list li")).to_have_count(before - 1)
    expect(page.locator("#agents li[data-agent='agent']")).to_contain_text(f"with {caller}")

    # Their status, set from the same panel.
    page.get_by_label("My status").select_option("break")
    follow(page, page.get_by_role("button", name="Set status"))
    expect(page.locator("#agents li[data-agent='agent'] .badge")).to_have_text("Break")
    page.get_by_label("My status").select_option("available")
    follow(page, page.get_by_role("button", name="Set status"))
    expect(page.locator("#agents li[data-agent='agent'] .badge")).to_have_text("Available")


@pytest.mark.parametrize("typed", ["+1 555 999 0001", "(555) 999-0001"])
def test_a_customer_is_found_by_a_number_typed_in_any_format(open_page, server, typed):
    bot_request(server.url, "POST", "/api/calls", {"callId": "FIND-" + uuid.uuid4().hex[:10], "caller": "+15559990001", "status": "success"})
    page = open_page("owner")
    goto(page, "/customers/")
    page.get_by_label("Name or number").fill(typed)
    follow(page, page.get_by_role("button", name="Search"))
    rows = page.locator("#customers-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator('td[data-label="Number"]')).to_have_text("+15559990001")
    follow(page, rows.get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_have_text("+15559990001")
    expect(page.locator("#customer-calls tbody tr").first).to_contain_text("success")


def test_an_owner_sees_the_plans_usage(open_page):
    page = open_page("owner")
    goto(page, "/")
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing"))
    card = page.locator("article.subscription", has_text="Professional")
    expect(card).to_be_visible()
    meter = card.get_by_role("meter", name="Minutes used")
    used, limit = int(meter.get_attribute("aria-valuenow")), int(meter.get_attribute("aria-valuemax"))
    expect(card.locator(".usage")).to_contain_text(f"{used} of {limit} minutes used")
    expect(card.locator(".days-left")).to_have_text(re.compile(r"^\d+ days? left"))
    # The bar is drawn as wide as the share used (meters.js; no inline styles under the CSP).
    bar, whole = card.locator(".meter > span").bounding_box(), meter.bounding_box()
    assert abs(bar["width"] / whole["width"] - min(used / limit, 1)) < 0.02
    expect(page.locator("#invoices-table tbody tr").first).to_be_visible()
    expect(page.locator("#plans li").first).to_be_visible()


@pytest.mark.parametrize("username", ["owner", "agent", "admin"])
def test_every_overview_link_opens_a_page(open_page, username):
    page = open_page(username)
    goto(page, "/")
    hrefs = page.locator("main a[href^='/']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    links = sorted({href.split("#")[0] for href in hrefs})
    assert any(link.startswith(("/callbacks/", "/billing/", "/agents/", "/customers/", "/live/")) for link in links), links
    assert not [link for link in links if link.startswith("/api/")], links
    for link in links:
        # The Django admin (an admin's link) is not one of the site's pages: it sets no ready mark.
        response = goto(page, link, ready=not link.startswith("/admin/"))
        assert response.status == 200, link
        assert response.headers["content-type"].startswith("text/html"), link
        expect(page.locator("h1")).to_be_visible()
        assert "Django REST framework" not in page.title(), link


def test_the_favicon_is_served(open_page):
    page = open_page()
    answer = page.request.get("/favicon.ico")
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
