"""Signing in, and each role's navigation: an agent sees no settings and is refused them."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import follow, goto, log_in, needs_browser, screenshot, sync_api

pytestmark = needs_browser

NAV = {
    "admin": ["Overview", "Live calls", "Call history", "Callbacks", "Customers", "Analytics", "AI agents", "Billing", "Store", "Simulator", "Settings", "Admin"],
    "owner": ["Overview", "Live calls", "Call history", "Callbacks", "Customers", "Analytics", "AI agents", "Billing", "Store", "Simulator", "Settings"],
    "agent": ["Overview", "Live calls", "Call history", "Callbacks", "Customers", "Analytics", "AI agents", "Store", "Simulator"],
}


def test_a_wrong_password_is_refused_next_to_the_form(page):
    goto(page, "/live/")
    sync_api.expect(page).to_have_url(re.compile(r"/login/\?next=/live/$"))
    page.get_by_label("Username or email").fill("owner")
    page.get_by_label("Password").fill("not-the-password")
    follow(page, page.get_by_role("button", name="Sign in"))
    sync_api.expect(page.get_by_role("alert")).to_contain_text("do not match")
    screenshot(page, "login-error")


@pytest.mark.parametrize("username", ["admin", "owner", "agent"])
def test_each_role_sees_its_own_navigation(page, username):
    log_in(page, username)
    nav = page.get_by_role("navigation", name="Main")
    sync_api.expect(nav.get_by_role("link")).to_have_text(NAV[username])
    sync_api.expect(nav.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    screenshot(page, f"overview-{username}")

    goto(page, "/settings/")
    if username == "agent":
        sync_api.expect(page.get_by_role("heading", name="You may not open this page")).to_be_visible()
    else:
        sync_api.expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()

    follow(page, page.get_by_role("button", name="Sign out"))
    sync_api.expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sync_api.expect(page.get_by_role("status")).to_contain_text("signed out")


def test_the_phone_menu_opens_and_closes(open_page):
    page = open_page("owner", phone=True)
    goto(page, "/")
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    sync_api.expect(nav).to_be_hidden()
    menu.click()
    sync_api.expect(menu).to_have_attribute("aria-expanded", "true")
    sync_api.expect(nav.get_by_role("link", name="Call history")).to_be_visible()
    screenshot(page, "phone-menu-open", full_page=False)
    follow(page, nav.get_by_role("link", name="Call history"))
    sync_api.expect(page.get_by_role("heading", name="Call history")).to_be_visible()
