"""The store's forms as an owner uses them (issue 18's rough edges): on a phone the "Add" form waits
behind a button above a compact list, every error of a submit shows at once, a new row heads the list,
a coupon's expiry stays what was typed, and "Store" with "All stores" picked says which store it opened."""
from __future__ import annotations

import re

from tests.browser.conftest import PHONE, follow, goto, needs_browser, screenshot, sync_api

pytestmark = needs_browser

HEIGHT = PHONE["viewport"]["height"]
WIDTH = PHONE["viewport"]["width"]


def test_on_a_phone_the_add_form_is_a_button_above_a_compact_list(open_page):
    page = open_page("owner", phone=True)
    goto(page, "/store/inventory/?store=demo-store")
    add = page.get_by_text("Add item", exact=True)
    box = add.bounding_box()
    assert box["y"] + box["height"] <= HEIGHT  # in the first screen, no scrolling
    name = page.get_by_label("Name", exact=True)
    sync_api.expect(name).to_be_hidden()

    # Every store tab in sight, none past the screen's edge.
    for tab in page.get_by_role("navigation", name="Store sections").get_by_role("link").all():
        tab_box = tab.bounding_box()
        assert tab_box["x"] >= 0 and tab_box["x"] + tab_box["width"] <= WIDTH and tab_box["y"] < HEIGHT, tab.inner_text()

    # 50 rows a page: a line or two each (they were labelled cards, 13,000 px for the page).
    rows = page.locator("#rows-table tbody tr")
    assert rows.count() == 50
    heights = [row.bounding_box()["height"] for row in rows.all()]
    assert max(heights) < 100
    assert page.evaluate("document.documentElement.scrollHeight") < 5000
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    screenshot(page, "phone-store-inventory-compact")

    add.click()
    sync_api.expect(name).to_be_visible()
    screenshot(page, "phone-store-inventory-add-open", full_page=False)


def test_every_error_of_an_item_shows_at_once_and_the_new_item_heads_the_list(open_page):
    page = open_page("owner", phone=True)
    goto(page, "/store/inventory/?store=demo-store")
    taken_name = page.locator("#rows-table tbody tr").first.locator("td").first.inner_text().strip()
    follow(page, page.locator("#rows-table tbody tr").first.get_by_role("link", name=re.compile("^Edit")))
    taken_sku = page.get_by_label("SKU").input_value()
    goto(page, "/store/inventory/?store=demo-store")

    page.get_by_text("Add item", exact=True).click()
    page.get_by_label("Name", exact=True).fill(f"  {taken_name.upper()} ")
    page.get_by_label("SKU").fill(taken_sku.lower())
    page.get_by_label("Price").fill("-1")
    page.get_by_label("In stock").fill("-2")
    follow(page, page.get_by_role("button", name="Add", exact=True))

    # One submit, four errors, the form still open.
    sync_api.expect(page.locator("#id_name_error")).to_contain_text("callers could not tell them apart")
    sync_api.expect(page.locator("#id_sku_error")).to_contain_text("Another item of this store has SKU")
    sync_api.expect(page.locator("#id_price_error")).to_be_visible()
    sync_api.expect(page.locator("#id_stock_quantity_error")).to_be_visible()
    sync_api.expect(page.get_by_label("Name", exact=True)).to_be_visible()
    screenshot(page, "phone-store-inventory-errors", full_page=False)

    page.get_by_label("Name", exact=True).fill("Zzz Browser Test Widget")
    page.get_by_label("SKU").fill("ZZZ-BROWSER-1")
    page.get_by_label("Price").fill("2.50")
    page.get_by_label("In stock").fill("3")
    follow(page, page.get_by_role("button", name="Add", exact=True))
    top = page.locator("#rows-table tbody tr").first
    sync_api.expect(top).to_have_class("just-added")
    sync_api.expect(top).to_contain_text("Zzz Browser Test Widget")

    follow(page, top.get_by_role("link", name=re.compile("^Edit")))
    page.once("dialog", lambda dialog: dialog.accept())
    follow(page, page.get_by_role("button", name="Delete item"))  # leave the shared demo data as it was


def test_a_coupons_expiry_stays_what_was_typed_however_often_it_is_saved(open_page):
    page = open_page("owner")
    goto(page, "/store/coupons/?store=demo-store")
    page.get_by_text("Add coupon", exact=True).click()
    page.get_by_label("Code").fill("ZZNYE")
    page.get_by_label("Discount", exact=True).fill("10")
    page.get_by_label("Expires").fill("2026-12-31T23:59")
    follow(page, page.get_by_role("button", name="Add", exact=True))
    row = page.locator("#rows-table tbody tr", has_text="ZZNYE")
    sync_api.expect(row).to_contain_text("Dec 31 2026, 23:59")

    for _ in range(2):
        follow(page, row.get_by_role("link", name=re.compile("^Edit")))
        sync_api.expect(page.get_by_label("Expires")).to_have_value("2026-12-31T23:59")
        follow(page, page.get_by_role("button", name="Save"))
        sync_api.expect(row).to_contain_text("Dec 31 2026, 23:59")

    follow(page, row.get_by_role("link", name=re.compile("^Edit")))
    page.once("dialog", lambda dialog: dialog.accept())
    follow(page, page.get_by_role("button", name="Delete coupon"))


def test_store_with_all_stores_picked_says_which_store_it_opened(open_page):
    page = open_page("admin")
    goto(page, "/calls/?store=")
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Store"))
    sync_api.expect(page.get_by_role("status")).to_contain_text(re.compile(r"“All stores” is picked.*it opened \S"))
    opened = page.locator("#store-picker option:checked").inner_text()
    sync_api.expect(page.get_by_role("status")).to_contain_text(f"it opened {opened}")
