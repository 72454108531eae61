"""How bots sign in (a store's API key in one of three headers), and how people's sign-ins are limited
(one failed-login counter for every login path, keyed on `callcenter.addresses.client_address`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from callcenter.addresses import client_address
from callcenter.models import API_KEY_PREFIX, ApiKey, hash_api_key
from callcenter.throttles import LoginFailures


@dataclass(frozen=True)
class BotPrincipal:
    """`request.user` for a request signed with a store's API key."""

    api_key_id: int
    bot_store_id: int
    name: str
    # The key's store, read with the key: a bot's writes need it (tenancy, time zone, slug) on every request.
    bot_store: Any = field(default=None, compare=False, repr=False)
    role: str = "bot"
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    is_anonymous: bool = False

    @property
    def pk(self) -> str:
        return f"apikey:{self.api_key_id}"

    def __str__(self) -> str:
        return f"bot key {self.name}"


def _raw_key_from(request: Request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "api-key" and value:
        return value
    # Seed 000's bot sends its DASHBOARD_API_KEY as a Bearer token; the prefix tells it from a JWT.
    if scheme.lower() == "bearer" and value.startswith(API_KEY_PREFIX):
        return value
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cck_…`, `Authorization: Api-Key cck_…` or `X-API-Key: cck_…`."""

    def authenticate(self, request: Request) -> tuple[BotPrincipal, ApiKey] | None:
        raw = _raw_key_from(request)
        if raw is None:
            return None
        # The store's columns that a bot's requests read (its slug, time zone and name): the whole
        # row would decode its JSON opening hours and numbers on every request.
        keys = (
            ApiKey.objects.active()
            .filter(key_hash=hash_api_key(raw))
            .select_related("store")
            .only("id", "name", "last_used_at", "store__slug", "store__timezone", "store__name")
            .order_by()
        )
        key = next(iter(keys[:1]), None)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        now = timezone.now()
        # Touch last_used_at at most once a minute: a bot writes on every turn of every call.
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return BotPrincipal(api_key_id=key.pk, bot_store_id=key.store_id, name=key.name, bot_store=key.store), key

    def authenticate_header(self, request: Request) -> str:
        return 'Api-Key realm="api"'


# --- People: one failed-login limit for every sign-in path -------------------------------------------


class TooManyLogins(exceptions.Throttled):
    """Raised by `authenticate()` past the failed-login limit: a 429 in the API, a form error on pages."""

    default_detail = "Too many failed logins. Try again later."

    def form_error(self) -> str:
        return f"Too many failed sign-ins. Try again in {self.wait or 1} seconds."


class LimitedModelBackend(ModelBackend):
    """Django's username and password check behind one failed-login limit.

    Every sign-in path calls `django.contrib.auth.authenticate()`: the API's logins, simplejwt's
    token view, the pages' /login/ and the admin's (and so Swagger's) login. Counting here counts
    them all with one counter per (username, client address). A username written as an email is
    resolved first, so switching between the two gains no tries. Without a request (the shell,
    the test client's `login()`) there is no client to count.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any) -> Any:
        username = kwargs.get(get_user_model().USERNAME_FIELD, username)
        if username is None or password is None:
            return None
        username = username_for_login(str(username))
        if request is None:
            return super().authenticate(request, username=username, password=password)
        failures = LoginFailures(username, client_address(request))
        wait = failures.attempt()  # counted before the (slow) password check: parallel guesses count too
        if wait:
            raise TooManyLogins(wait=wait)
        user = super().authenticate(request, username=username, password=password)
        if user is not None:
            failures.clear()
        return user


def username_for_login(login: str) -> str:
    """The username a login names: itself, or the username of the person with that email."""
    login = login.strip()
    if "@" in login:
        return get_user_model().objects.filter(email__iexact=login).values_list("username", flat=True).first() or login
    return login


def refuse_locked_login(response: HttpResponse, wait: int | None) -> HttpResponse:
    """An HTML sign-in form refused by the limit answers 429 with Retry-After, as the API does."""
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response
