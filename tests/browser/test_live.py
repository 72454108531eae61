"""/live/: a call a bot starts through the API appears, its transcript grows, and it is hung up from the page."""
from __future__ import annotations

import re
import uuid

from tests.browser.bot import access_token, bot_request
from tests.browser.conftest import follow, goto, needs_browser, screenshot, sync_api

pytestmark = needs_browser


def test_a_bot_call_appears_grows_and_is_terminated(open_page, server):
    page = open_page("owner")
    goto(page, "/")
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Live calls"))
    sync_api.expect(page.locator("#connection")).to_have_attribute("data-state", "open")

    call_id = "BROWSER-" + uuid.uuid4().hex[:10]
    bot_request(server.url, "POST", "/api/calls", {"callId": call_id, "caller": "+15557654321", "receiver": "+15005550006", "status": "in-progress", "language": "en"})
    card = page.locator(f'article[data-call-id="{call_id}"]')
    sync_api.expect(card).to_be_visible()
    sync_api.expect(card.locator(".live-caller")).to_have_text("+15557654321")
    sync_api.expect(card.locator(".live-duration")).to_have_text(re.compile(r"^0:(0[1-9]|[1-5]\d)$"))

    transcript = card.get_by_role("log", name="Transcript")
    bot_request(server.url, "PATCH", f"/api/calls/{call_id}/transcript", {"transcript": "User: Do you sell fresh bread?\n"})
    sync_api.expect(transcript).to_contain_text("Do you sell fresh bread?")
    bot_request(server.url, "PATCH", f"/api/calls/{call_id}/transcript", {"transcript": "Bot: Yes, in the bakery, aisle 1.\n"})
    sync_api.expect(transcript.locator(".bubble")).to_have_count(2)
    sync_api.expect(transcript.locator(".bubble").nth(1)).to_contain_text("in the bakery, aisle 1.")
    screenshot(page, "live")

    card.get_by_role("button", name="Hang up").click()
    dialog = page.get_by_role("dialog", name="Hang up this call?")
    sync_api.expect(dialog).to_contain_text("+15557654321")
    dialog.get_by_role("button", name="Hang up").click()
    sync_api.expect(card.locator(".live-status")).to_have_text("terminated")
    sync_api.expect(card).to_have_count(0)

    answer = page.request.get(f"/api/calls/{call_id}")
    assert answer.json()["data"]["status"] == "terminated"


def test_keeping_the_call_leaves_it_live(open_page, server):
    page = open_page("agent")
    goto(page, "/live/")
    sync_api.expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    call_id = "BROWSER-" + uuid.uuid4().hex[:10]
    bot_request(server.url, "POST", "/api/calls", {"callId": call_id, "caller": "+15550001111", "status": "ringing"})
    card = page.locator(f'article[data-call-id="{call_id}"]')
    card.get_by_role("button", name="Hang up").click()
    page.get_by_role("dialog").get_by_role("button", name="Keep the call").click()
    sync_api.expect(page.get_by_role("dialog")).to_be_hidden()
    sync_api.expect(card.locator(".live-status")).to_have_text("ringing")

    # The bot ends it: the card reports how and leaves.
    bot_request(server.url, "PATCH", f"/api/calls/{call_id}", {"status": "success"})
    sync_api.expect(card.locator(".live-status")).to_have_text("success")
    sync_api.expect(card).to_have_count(0)


def test_after_a_drop_it_reconnects_and_catches_up_from_the_snapshot(open_page, server):
    page = open_page("owner")
    goto(page, "/live/")
    connection = page.locator("#connection")
    sync_api.expect(connection).to_have_attribute("data-state", "open")
    page.evaluate("window.CallcenterLive.socket.close()")
    sync_api.expect(connection).to_have_attribute("data-state", "closed")

    # Started while the page is disconnected: its callStarted event is lost to this page.
    call_id = "BROWSER-" + uuid.uuid4().hex[:10]
    bot_request(server.url, "POST", "/api/calls", {"callId": call_id, "caller": "+15550002222", "status": "in-progress"})
    sync_api.expect(connection).to_have_attribute("data-state", "open")
    sync_api.expect(page.locator(f'article[data-call-id="{call_id}"]')).to_be_visible()
    bot_request(server.url, "PATCH", f"/api/calls/{call_id}", {"status": "success"})


def test_a_live_calls_page_follows_the_call_until_it_ends(open_page, server):
    call_id = "BROWSER-" + uuid.uuid4().hex[:10]
    created = bot_request(server.url, "POST", "/api/calls", {"callId": call_id, "caller": "+15552223333", "status": "in-progress"})
    page = open_page("agent")
    goto(page, f"/calls/{created['data']['id']}/")
    sync_api.expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    transcript = page.locator("#call-transcript")
    sync_api.expect(transcript).to_contain_text("No transcript.")

    bot_request(server.url, "PATCH", f"/api/calls/{call_id}/transcript", {"transcript": "User: Where is the oat milk?\n"})
    sync_api.expect(transcript).to_contain_text("Where is the oat milk?")
    bot_request(server.url, "PATCH", f"/api/calls/{call_id}/transcript", {"transcript": "Bot: Aisle 4, next to the soy milk.\n"})
    sync_api.expect(transcript.locator(".bubble")).to_have_count(2)

    bot_request(server.url, "PATCH", f"/api/calls/{call_id}", {"status": "success", "outcome": "answered"})
    details = page.locator("#call-details")
    sync_api.expect(details.locator(".badge.status-success")).to_have_text("success")
    sync_api.expect(page.locator("#connection")).to_have_text(re.compile("The call has ended"))
    sync_api.expect(details.get_by_role("button", name="Hang up")).to_have_count(0)


def test_an_admin_on_all_stores_sees_every_live_call_when_two_stores_share_a_call_id(open_page, server):
    """Cards were keyed by callId: two stores' calls with the same callId showed as one (2 of 4 on screen)."""
    page = open_page("admin")
    goto(page, "/live/?store=")  # All stores (the session remembers another test's pick otherwise)
    sync_api.expect(page.get_by_label("Store")).to_have_value("")
    sync_api.expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    admin = access_token(server.url, "admin")
    shared = ["SHARED-" + uuid.uuid4().hex[:8] for _ in range(2)]
    made = [
        bot_request(server.url, "POST", "/api/calls", {"callId": call_id, "caller": f"+1555000{n}{i}", "status": "in-progress", "store": slug}, token=admin)["data"]
        for n, slug in enumerate(["demo-store", "corner-cafe"]) for i, call_id in enumerate(shared)
    ]  # fmt: skip
    assert len({call["id"] for call in made}) == 4
    for call in made:
        sync_api.expect(page.locator(f'article[data-id="{call["id"]}"]')).to_be_visible()
    sync_api.expect(page.locator(f'article[data-call-id="{shared[0]}"]')).to_have_count(2)

    # An event for one store's call changes that card only.
    bot_request(server.url, "PATCH", f"/api/calls/{shared[0]}/transcript", {"transcript": "User: Only in the market.\n"})
    market, cafe = (page.locator(f'article[data-id="{made[i]["id"]}"]') for i in (0, 2))
    sync_api.expect(market.get_by_role("log", name="Transcript")).to_contain_text("Only in the market.")
    sync_api.expect(cafe.get_by_role("log", name="Transcript")).not_to_contain_text("Only in the market.")
    screenshot(page, "live-two-stores")
    for call in made:
        bot_request(server.url, "PATCH", f"/api/calls/{call['id']}", {"status": "success"}, token=admin)
    for call in made:
        sync_api.expect(page.locator(f'article[data-id="{call["id"]}"]')).to_have_count(0)
