"""A Content-Security-Policy on every response (callcenter.middleware.ContentSecurityPolicyMiddleware),
and pages written so that it holds: no inline script, event handler or style anywhere in templates/ or
static/js/. The browser proves the pages pass it (tests/browser/test_csp.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.dashboard.pages import MANAGER_PAGES, STAFF_PAGES, signed_in

ROOT = Path(settings.BASE_DIR)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def assert_strict(response) -> None:
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", STAFF_PAGES + MANAGER_PAGES)
def test_every_page_has_the_strict_policy(owner, store, path):
    response = signed_in(owner).get(path)

    assert response.status_code == 200
    assert_strict(response)


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/api/ping", "/api/calls", "/no-such-page/"])
def test_sign_in_pages_api_answers_and_errors_have_it_too(db, path):
    assert_strict(Client().get(path))


def test_the_404_page_of_production_has_it(db, settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert_strict(response)


@pytest.mark.parametrize("path", ["/swagger/", "/redoc/"])
def test_only_the_api_docs_may_inject_styles(db, path):
    directives = policy(Client().get(path))

    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_or_page_script_holds_inline_code():
    found = []
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static" / "js").rglob("*.js")]:
        text = path.read_text()
        for pattern, what in INLINE:
            if path.suffix == ".js" and what == "an inline <script>":
                continue
            found += [f"{path.relative_to(ROOT)}: {what}" for _ in pattern.finditer(text)]
    assert not found
