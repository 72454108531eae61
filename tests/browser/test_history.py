"""/calls/: filter the history, sort it, open a call, and download exactly the filtered rows as CSV."""
from __future__ import annotations

import csv
import re

from tests.browser.conftest import follow, goto, needs_browser, screenshot, sync_api

pytestmark = needs_browser


def test_filter_history_and_download_the_csv(open_page):
    page = open_page("owner")
    goto(page, "/calls/")
    rows = page.locator("table.calls-table tbody tr")
    sync_api.expect(rows.first).to_be_visible()

    page.get_by_label("Status").select_option("missed")
    follow(page, page.get_by_role("button", name="Apply filters"))
    sync_api.expect(page).to_have_url(re.compile(r"status=missed"))
    total = int(page.locator("#call-total").inner_text())
    assert total > 0
    sync_api.expect(rows.locator("td[data-label=Status]")).to_have_text(["missed"] * min(total, 25))
    screenshot(page, "calls-filtered")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    with open(download.path(), newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == total
    assert {row["status"] for row in exported} == {"missed"}
    assert {row["store"] for row in exported} == {"demo-store"}

    follow(page, page.get_by_role("link", name="Duration"))
    sync_api.expect(page.get_by_role("columnheader", name="Duration")).to_have_attribute("aria-sort", "descending")
    sync_api.expect(page).to_have_url(re.compile(r"status=missed.*sortBy=duration|sortBy=duration.*status=missed"))


def test_search_finds_a_call_and_opens_its_transcript(open_page):
    page = open_page("owner")
    goto(page, "/calls/?search=DEMO-0000003")
    rows = page.locator("table.calls-table tbody tr")
    sync_api.expect(rows).to_have_count(1)
    follow(page, rows.first.get_by_role("link"))
    sync_api.expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    sync_api.expect(page.locator("dl.details").first).to_contain_text("DEMO-0000003")
    screenshot(page, "call-detail")


def test_a_bad_date_is_shown_next_to_its_field(open_page):
    page = open_page("owner")
    goto(page, "/calls/?startDate=2026-05-10&endDate=2026-05-01")
    field = page.get_by_label("To", exact=True)
    sync_api.expect(field).to_have_attribute("aria-invalid", "true")
    sync_api.expect(page.locator("#id_endDate_error")).to_contain_text("before startDate")


def test_a_click_anywhere_on_a_row_opens_the_call(open_page):
    page = open_page("owner")
    goto(page, "/calls/?search=DEMO-0000004")
    row = page.locator("table.calls-table tbody tr")
    sync_api.expect(row).to_have_count(1)
    # The history says what the call was about: the caller's first words, and its outcome.
    sync_api.expect(row.locator("td[data-label=Summary]")).not_to_have_text("—")
    follow(page, row.locator("td[data-label=Duration]"))
    sync_api.expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    sync_api.expect(page.locator("dl.details").first).to_contain_text("DEMO-0000004")
