"""Helpers for the page tests: a signed-in browser-like client, and reading a page's form errors."""
from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _Forms(HTMLParser):
    """Every <form> of a page with the values a browser would submit unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._first_option: tuple[str, str] | None = None
        self._multiple = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "data": {}}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["data"].setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._form["data"].setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self._select, self._first_option = a["name"], None
            self._form["data"].setdefault(a["name"], [])
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = (self._select, value)
            if "selected" in a:
                self._form["data"][self._select].append(value)
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["data"][a["name"]] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            self._form["data"][self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            values = self._form["data"][self._select] if self._form is not None else []
            if not values and not self._multiple and self._first_option is not None:
                values.append(self._first_option[1])
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None and self._form is not None:
                text = self._form["data"][self._textarea][0]
                self._form["data"][self._textarea][0] = text[1:] if text.startswith("\n") else text
            self._textarea = None


def form_data(response, containing: str) -> dict[str, list[str]]:
    """What the page's form with a field named `containing` submits when sent unchanged."""
    parser = _Forms()
    parser.feed(response.content.decode())
    for form in parser.forms:
        if containing in form["data"]:
            return form["data"]
    raise AssertionError(f"no form with a field {containing!r}")
