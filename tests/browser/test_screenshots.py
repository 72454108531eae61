"""Every page, as an admin sees it on a desktop and an owner on a phone, saved under tests/browser/screenshots/."""
from __future__ import annotations

from tests.browser.conftest import follow, goto, needs_browser, screenshot, sync_api

pytestmark = needs_browser

PAGES = [
    ("overview", "/", "Overview"),
    ("live", "/live/", "Live calls"),
    ("calls", "/calls/", "Call history"),
    ("analytics", "/analytics/?period=30d", "Analytics"),
    ("store-info", "/store/info/?store=demo-store", "Well Well Well Market"),
    ("store-departments", "/store/departments/?store=demo-store", "Well Well Well Market: departments"),
    ("store-inventory", "/store/inventory/?store=demo-store&q=milk", "Well Well Well Market: inventory"),
    ("store-coupons", "/store/coupons/?store=demo-store", "Well Well Well Market: coupons"),
    ("store-templates", "/store/templates/?store=demo-store", "Well Well Well Market: voice templates"),
    ("store-staff", "/store/staff/?store=demo-store", "Well Well Well Market: staff"),
    ("settings-voice", "/settings/?store=demo-store", "Settings"),
    ("settings-users", "/settings/users/", "Settings"),
    ("settings-api-keys", "/settings/api-keys/?store=demo-store", "Settings"),
    ("simulator", "/simulator/?store=demo-store", "Call simulator"),
    ("callbacks", "/callbacks/", "Callbacks"),
    ("customers", "/customers/", "Customers"),
    ("billing", "/billing/", "Billing and subscription"),
    ("agents", "/agents/", "AI agents"),
    ("profile", "/settings/profile/", "My profile"),
    ("agent-check", "/simulator/check/?store=demo-store", "Check my agent"),
]
# Pages reached from a list: (name, list url, its first row's link to the page, what the page shows).
DETAILS = [
    ("call-detail", "/calls/", "table.calls-table tbody tr a", "Transcript"),
    ("callback-detail", "/callbacks/", "#callbacks-table tbody tr a[href^='/callbacks/']", "Details"),
    ("customer-detail", "/customers/", "#customers-table tbody tr a", "Calls"),
]


def open_details(page, prefix: str) -> None:
    for name, url, row, heading in DETAILS:
        goto(page, url)
        follow(page, page.locator(row).first)
        sync_api.expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
        if prefix == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        screenshot(page, f"{prefix}-{name}")


def test_every_page_on_a_desktop(open_page):
    page = open_page("admin")
    for name, url, heading in PAGES:
        goto(page, url)
        sync_api.expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        if name == "analytics":
            sync_api.expect(page.locator("body")).to_have_attribute("data-charts-ready", "true")
        screenshot(page, f"desktop-{name}")
    open_details(page, "desktop")


def test_every_page_on_a_phone(open_page):
    page = open_page("owner", phone=True)
    for name, url, heading in PAGES:
        goto(page, url)
        sync_api.expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        screenshot(page, f"phone-{name}")
    open_details(page, "phone")
