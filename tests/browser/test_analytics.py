"""/analytics/: a click on a slice or a bar opens the calls it counts; Today is drawn by hour; each figure has the previous period's beside it."""
from __future__ import annotations

import re
import uuid

from tests.browser.bot import bot_request
from tests.browser.conftest import goto, needs_browser, screenshot, sync_api

pytestmark = needs_browser


def click_chart(page, chart: str, index: int, dataset: int = 0) -> None:
    point = page.evaluate("([c, d, i]) => window.CallcenterCharts.at(c, d, i)", [chart, dataset, index])
    with page.expect_navigation():
        page.mouse.click(point["x"], point["y"])


def figures(page) -> dict:
    """The figures the page charts (GET /api/calls/analytics's answer, embedded)."""
    return page.evaluate("JSON.parse(document.getElementById('analytics-data').textContent)")


def test_a_status_slice_opens_its_calls(open_page):
    page = open_page("owner")
    goto(page, "/analytics/?period=30d&store=demo-store")
    sync_api.expect(page.locator("body")).to_have_attribute("data-charts-ready", "true")
    sync_api.expect(page.locator('[data-card="conversion_rate"] .stat-previous')).to_contain_text("the 30 days before")
    labels = page.evaluate("window.CallcenterCharts.labels('status')")
    index = labels.index("missed")
    counted = next(row["count"] for row in figures(page)["statusDistribution"] if row["_id"] == "missed")
    page.locator("#chart-status").scroll_into_view_if_needed()
    click_chart(page, "status", index)
    sync_api.expect(page).to_have_url(re.compile(r"/calls/\?.*status=missed"))
    sync_api.expect(page.locator("#call-total")).to_have_text(str(counted))
    sync_api.expect(page.locator("table.calls-table tbody td[data-label=Status]").first).to_have_text("missed")


def test_today_by_hour_opens_the_hours_calls(open_page, server):
    bot_request(server.url, "POST", "/api/calls", {"callId": "TODAY-" + uuid.uuid4().hex[:8], "caller": "+15550003333", "status": "success"})
    page = open_page("owner")
    goto(page, "/analytics/?period=1d&store=demo-store")
    sync_api.expect(page.locator("body")).to_have_attribute("data-charts-ready", "true")
    sync_api.expect(page.get_by_role("heading", name="Today by hour")).to_be_visible()
    screenshot(page, "analytics-today")
    counts = [row["count"] for row in figures(page)["hourlyDistribution"]]
    busy = max(range(24), key=lambda h: counts[h])
    assert counts[busy] >= 1
    page.locator("#chart-daily").scroll_into_view_if_needed()
    click_chart(page, "daily", busy)
    sync_api.expect(page).to_have_url(re.compile(rf"startDate=\d{{4}}-\d\d-\d\dT{busy:02d}%3A00"))
    sync_api.expect(page.locator("#call-total")).to_have_text(str(counts[busy]))
