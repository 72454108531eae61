"""/login/ and /logout/, and who may open which page."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.dashboard.pages import MANAGER_PAGES, STAFF_PAGES, has_csrf_field, signed_in


def test_the_login_page_has_a_csrf_protected_form(db):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/login/")
    assert response.status_code == 200
    assert has_csrf_field(response)
    refused = client.post("/login/", {"username": "x", "password": "y"})
    assert refused.status_code == 403


def test_signing_in_goes_to_the_page_asked_for(owner, store):
    client = Client()
    response = client.post("/login/?next=/calls/", {"username": "olivia", "password": "owner-pass-123", "next": "/calls/"})
    assert response.status_code == 302 and response["Location"] == "/calls/"
    assert client.get("/calls/").status_code == 200


def test_signing_in_by_email_works_and_offsite_next_is_ignored(owner, store):
    response = Client().post("/login/", {"username": "olivia@example.com", "password": "owner-pass-123", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(owner):
    client = Client()
    response = client.post("/login/", {"username": "olivia", "password": "wrong"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_are_throttled_with_retry_after(owner, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "olivia", "password": "wrong"})
    response = client.post("/login/", {"username": "olivia", "password": "owner-pass-123"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(owner, store):
    client = signed_in(owner)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", STAFF_PAGES + MANAGER_PAGES)
def test_every_page_sends_strangers_to_the_login(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", STAFF_PAGES + MANAGER_PAGES)
def test_every_page_opens_for_owners_and_admins(owner, store, admin_user, path):
    assert signed_in(owner).get(path).status_code == 200
    assert signed_in(admin_user).get(path).status_code == 200


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_agents_open_the_staff_pages(agent, path):
    assert signed_in(agent).get(path).status_code == 200


@pytest.mark.parametrize("path", MANAGER_PAGES)
def test_agents_may_not_open_settings_users_or_api_keys(agent, path):
    response = signed_in(agent).get(path)
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()


def test_paths_answer_without_their_trailing_slash_too(owner, store):
    assert signed_in(owner).get("/calls").status_code == 200


def test_navigation_shows_only_what_the_role_may_open(owner, store, agent, admin_user):
    def links(user):
        html = signed_in(user).get("/").content.decode()
        nav = html[html.index('<nav id="site-nav"') : html.index("</nav>")]
        return nav

    assert "/settings/" in links(owner) and "/admin/" not in links(owner)
    assert "/settings/" not in links(agent) and "/live/" in links(agent)
    assert "/settings/" in links(admin_user) and "/admin/" in links(admin_user)


def test_another_tenants_store_is_a_404(owner, store, other_store):
    client = signed_in(owner)
    assert client.get("/calls/?store=harbor-deli").status_code == 404
    assert client.get("/store/departments/?store=harbor-deli").status_code == 404


def _nav(html: str) -> str:
    return html[html.index('<nav id="site-nav"') : html.index("</nav>")] if '<nav id="site-nav"' in html else ""


def test_a_refused_page_keeps_the_navigation_and_says_why(agent):
    response = signed_in(agent).get("/settings/users/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your role may not open this page." in html
    assert 'href="/live/"' in _nav(html) and 'href="/settings/"' not in _nav(html)


def test_a_missing_page_keeps_the_navigation_for_a_signed_in_user(owner, store, other_store):
    client = signed_in(owner)
    for path in ("/no-such-page/", "/calls/?store=harbor-deli"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Not found" in response.content.decode() and 'href="/calls/"' in _nav(response.content.decode())


def test_a_missing_page_for_a_visitor_has_no_navigation_and_the_api_stays_json(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and _nav(response.content.decode()) == ""
    api = Client().get("/api/no-such-endpoint")
    assert api.status_code == 404 and api.json()["success"] is False
