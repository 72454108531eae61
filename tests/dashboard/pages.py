"""Helpers for the page tests: a signed-in browser-like client, and reading a page's form errors."""
from __future__ import annotations

import re

from django.test import Client

from callcenter.models import User

# Every page and who may open it (GET); the others get 403, and nobody signed in goes to /login/.
STAFF_PAGES = ["/", "/live/", "/calls/", "/analytics/", "/store/info/", "/store/departments/", "/store/inventory/",
               "/store/coupons/", "/store/templates/", "/store/staff/", "/store/faqs/", "/simulator/", "/simulator/check/", "/callbacks/", "/customers/",
               "/agents/", "/settings/profile/"]  # fmt: skip
MANAGER_PAGES = ["/billing/", "/settings/", "/settings/users/", "/settings/api-keys/"]


def signed_in(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def field_errors(response, name: str) -> list[str]:
    """The messages shown next to a field (Django's `<ul id="id_<name>_error">`)."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{re.escape(name)}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1), re.S) if match else []


def has_csrf_field(response) -> bool:
    return 'name="csrfmiddlewaretoken"' in response.content.decode()
