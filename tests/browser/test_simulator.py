"""A department changed on /store/departments/ is heard on the next simulated call, through the real voice webhooks."""
from __future__ import annotations

import re

from tests.browser.conftest import follow, goto, needs_browser, screenshot, sync_api

pytestmark = needs_browser


def test_change_a_department_and_hear_it_in_the_simulator(open_page):
    page = open_page("owner")
    goto(page, "/store/departments/")
    follow(page, page.get_by_role("link", name="Edit Deli"))
    page.get_by_label("Name").fill("Sandwich Shop")
    page.get_by_label("Extension").fill("777")
    follow(page, page.get_by_role("button", name="Save"))
    sync_api.expect(page.get_by_role("status")).to_contain_text("Department Sandwich Shop saved.")
    sync_api.expect(page.locator("#rows-table")).to_contain_text("Sandwich Shop")

    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Simulator"))
    page.get_by_role("button", name="Start call").click()
    log = page.get_by_role("list", name="Conversation")
    sync_api.expect(log.locator(".from-agent").first).to_contain_text("Well Well Well Market")
    page.get_by_label("Caller says").fill("the sandwich shop please")
    page.get_by_role("button", name="Say").click()
    answer = log.locator(".from-agent").nth(1)
    sync_api.expect(answer).to_contain_text("Sandwich Shop")
    sync_api.expect(answer.locator(".verb")).to_contain_text([re.compile(r"\[Dial \+\d+ sendDigits=ww777\]")])
    # What went to the browser's speech synthesis.
    sync_api.expect(page.locator("#simulator")).to_have_attribute("data-spoken", re.compile("Sandwich Shop"))
    screenshot(page, "simulator")

    # Nobody answers in a simulation: the caller comes back to the agent, then says goodbye.
    page.get_by_label("Caller says").fill("thank you, bye")
    page.get_by_role("button", name="Say").click()
    sync_api.expect(log).to_contain_text("didn't pick up")
    sync_api.expect(page.locator("#sim-state")).to_have_text("The agent ended the call.")
    sync_api.expect(page.get_by_role("button", name="Start call")).to_be_enabled()


def test_the_simulated_call_shows_on_the_live_page(open_page):
    # An admin watches every store's calls while an owner calls their own store.
    watcher, caller = open_page("admin"), open_page("owner")
    goto(watcher, "/live/?store=demo-store")
    sync_api.expect(watcher.locator("#connection")).to_have_attribute("data-state", "open")

    goto(caller, "/simulator/?store=demo-store")
    caller.get_by_role("button", name="Start call").click()
    sync_api.expect(caller.locator("#simulator")).to_have_attribute("data-state", "live")
    call_id = caller.locator("#simulator").get_attribute("data-call-id")
    card = watcher.locator(f'article[data-call-id="{call_id}"]')
    sync_api.expect(card).to_be_visible()
    caller.get_by_label("Caller says").fill("what time do you close")
    caller.get_by_role("button", name="Say").click()
    sync_api.expect(card.get_by_role("log", name="Transcript")).to_contain_text("what time do you close")

    caller.get_by_role("button", name="Hang up").click()
    sync_api.expect(card).to_have_count(0)
