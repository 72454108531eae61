"""Pages mark themselves ready once their scripts have bound their handlers (static/js/app.js), and the
browser tests wait for the mark after every navigation (conftest's goto and follow): a click that lands
before a deferred script has run is lost (issue 14: "Start call" did nothing, the call never started)."""
from __future__ import annotations

import re
import time
from pathlib import Path

from tests.browser.conftest import goto, needs_browser, sync_api
from tests.browser.test_screenshots import PAGES

pytestmark = needs_browser


def test_a_slow_page_script_is_waited_for_before_the_first_click(open_page):
    page = open_page("owner")

    def slow_script(route):
        time.sleep(1.5)  # the script arriving late, as on a loaded machine: what the test must wait out
        route.continue_()

    page.route(re.compile(r".*/static/js/simulator[^/]*\.js$"), slow_script)
    goto(page, "/simulator/?store=demo-store")
    page.get_by_role("button", name="Start call").click()

    sync_api.expect(page.locator("#simulator")).to_have_attribute("data-state", "live")
    page.get_by_role("button", name="Hang up").click()


def test_every_page_marks_itself_ready(open_page):
    page = open_page("admin")
    for _, url, _ in PAGES:
        page.goto(url)  # bare on purpose: the mark itself is what is checked
        sync_api.expect(page.locator("html"), url).to_have_attribute("data-ready", "1")


def test_no_browser_test_navigates_without_waiting_for_the_page():
    bare = [
        f"{path.name}:{n}"
        for path in Path(__file__).parent.glob("test_*.py")
        if path.name != Path(__file__).name
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if ".goto(" in line
    ]
    assert not bare, f"use conftest.goto / follow, which wait for the page's scripts: {bare}"
