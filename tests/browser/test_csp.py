"""Every page carries a Content-Security-Policy and breaks none of it: its own scripts (static files,
no inline script or handler), Chart.js, the live socket, the admin and the API docs."""
from __future__ import annotations

from tests.browser.conftest import goto, needs_browser, sync_api
from tests.browser.test_screenshots import PAGES

pytestmark = needs_browser

# Beyond the dashboard's pages: a call's page, the admin (also Swagger's login) and the API docs, each
# with something its scripts draw. (The server runs DEBUG=1: Django's debug 404 page is inline-styled,
# so the 404 template is checked in tests/dashboard/test_csp.py instead.)
MORE = [
    ("/calls/1/", "#call-transcript"),
    ("/admin/", "#content"),
    ("/admin/callcenter/user/", "#changelist-filter"),
    ("/admin/callcenter/user/add/", "#user_form"),
    ("/swagger/", ".swagger-ui .opblock"),
    ("/redoc/", ".redoc-wrap"),
]


def test_no_page_breaks_its_content_security_policy(open_page):
    """open_page fails the test on any violation reported on any of these pages (see conftest)."""
    page = open_page("admin")
    for _, url, heading in PAGES:
        response = goto(page, url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        sync_api.expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        if url.startswith("/analytics/"):
            sync_api.expect(page.locator("body")).to_have_attribute("data-charts-ready", "true")
        if url == "/live/":
            sync_api.expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    for url, drawn in MORE:
        response = goto(page, url, ready=url.startswith("/calls/"))
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        # The docs draw once /swagger.json is built, which takes seconds on a busy machine.
        sync_api.expect(page.locator(drawn).first).to_be_visible(timeout=30_000)


def test_the_sign_in_page_and_the_admin_login_keep_the_policy(open_page):
    page = open_page()
    for url in ("/login/", "/admin/login/"):
        response = goto(page, url, ready=url == "/login/")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        sync_api.expect(page.get_by_role("button", name="Sign in").or_(page.get_by_role("button", name="Log in"))).to_be_visible()
