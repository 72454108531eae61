"""One failed-login limit for every sign-in path: the API's three, the pages' /login/ and the admin's
(/admin/login/, which Swagger's "Django Login" button opens), all counted by one counter per
(username, client address) in `callcenter.auth.LimitedModelBackend`."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.test import Client

API_PATHS = ["/api/auth/login/", "/api/users/login", "/api/auth/token/"]
PAGE_PATHS = ["/login/", "/admin/login/"]
ALL_PATHS = API_PATHS + PAGE_PATHS
RIGHT = "admin-pass-123"  # tests/conftest.py's admin_user, "root": staff, so the admin lets them in too


def sign_in(client: Client, path: str, password: str, username: str = "root", **headers: str):
    """POST a sign-in as each path expects it: JSON to the API, a form to the pages."""
    if path in API_PATHS:
        return client.post(path, {"username": username, "password": password}, content_type="application/json", **headers)
    return client.post(path, {"username": username, "password": password, "next": "/"}, **headers)


def signed_in(response, path: str) -> bool:
    return response.status_code == (200 if path in API_PATHS else 302)


def refused(response) -> bool:
    """The limit's answer everywhere: 429 with a Retry-After."""
    return response.status_code == 429 and int(response["Retry-After"]) > 0


@pytest.mark.parametrize("path", ALL_PATHS)
def test_past_the_limit_even_the_right_password_is_refused(admin_user, path):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert not signed_in(sign_in(client, path, "wrong-password"), path)

    response = sign_in(client, path, RIGHT)

    assert refused(response), (response.status_code, response.content[:300])
    assert "_auth_user_id" not in client.session
    if path in PAGE_PATHS:
        assert "Too many failed sign-ins. Try again in" in response.content.decode()


def test_the_admin_login_lets_the_right_password_in_below_the_limit(admin_user):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(client, "/admin/login/", "wrong-password").status_code == 200

    response = sign_in(client, "/admin/login/", RIGHT)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_the_reported_attack_twelve_wrong_admin_passwords_then_the_right_one(admin_user):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(12):
        sign_in(client, "/admin/login/", "wrong-password")

    assert refused(sign_in(client, "/admin/login/", RIGHT))
    assert client.get("/admin/").status_code == 302  # still sent to the login


def test_failures_on_every_path_add_up_to_one_count(admin_user, settings):
    settings.LOGIN_FAILURE_LIMIT = len(ALL_PATHS)
    client = Client(REMOTE_ADDR="10.0.0.1")
    for path in ALL_PATHS:
        assert not signed_in(sign_in(client, path, "wrong-password"), path)

    for path in ALL_PATHS:
        assert refused(sign_in(client, path, RIGHT)), path


def test_the_email_on_the_admin_login_shares_the_username_count(admin_user, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="10.0.0.1")
    sign_in(client, "/admin/login/", "wrong-password", username="root@example.com")
    sign_in(client, "/login/", "wrong-password", username="ROOT@example.com")

    assert refused(sign_in(client, "/admin/login/", RIGHT))


@pytest.mark.parametrize("path", ALL_PATHS)
def test_a_success_clears_the_count_on_every_path(admin_user, path):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, path, "wrong-password")
    assert signed_in(sign_in(client, path, RIGHT), path)

    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(Client(REMOTE_ADDR="10.0.0.1"), path, "wrong-password")

    assert signed_in(sign_in(Client(REMOTE_ADDR="10.0.0.1"), path, RIGHT), path)


@pytest.mark.parametrize("path", ALL_PATHS)
def test_concurrent_guesses_cannot_exceed_the_limit(admin_user, monkeypatch, path):
    """Guesses that arrive while earlier ones are still checking a password count too.

    Each guess fires the next one from inside the password check, before its own failure is known:
    that is how parallel requests interleave, made deterministic.
    """
    client, checked, statuses = Client(REMOTE_ADDR="10.0.0.1"), [], []
    real_check = ModelBackend.authenticate

    def slow_check(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        if len(checked) < settings.LOGIN_FAILURE_LIMIT + 3:
            statuses.append(sign_in(client, path, "guess").status_code)
        return real_check(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", slow_check)

    first = sign_in(client, path, "guess")

    assert len(checked) == settings.LOGIN_FAILURE_LIMIT
    assert not signed_in(first, path) and first.status_code != 429
    # Innermost first: the guess past the limit was refused without a password check.
    assert statuses[0] == 429
    assert 429 not in statuses[1:]
