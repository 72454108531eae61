"""One rule for the client's address (callcenter.addresses.client_address, NUM_PROXIES): a forged
X-Forwarded-For neither dodges the failed-login limit or the anonymous throttle nor locks anyone out."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from callcenter import throttles
from callcenter.addresses import client_address
from tests.callcenter.test_login_paths import ALL_PATHS, RIGHT, refused, sign_in, signed_in

ATTACKER, VICTIM, PROXY = "203.0.113.9", "198.51.100.4", "10.0.0.2"


@pytest.mark.parametrize(
    "proxies,remote,forwarded,expected",
    [
        (0, "203.0.113.9", None, "203.0.113.9"),
        (0, "203.0.113.9", "198.51.100.4", "203.0.113.9"),  # nobody in front: the header is the client's own words
        (1, "10.0.0.2", "198.51.100.4, 203.0.113.9", "203.0.113.9"),  # the proxy appended what it saw
        (1, "10.0.0.2", " 203.0.113.9 ", "203.0.113.9"),
        (1, "10.0.0.2", None, "10.0.0.2"),  # not through the proxy: its own connection
        (1, "10.0.0.2", "", "10.0.0.2"),
        (2, "10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "10.0.0.2", "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: all written by proxies
    ],
)
def test_the_address_rule(settings, proxies, remote, forwarded, expected):
    settings.NUM_PROXIES = proxies
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)

    assert client_address(request) == expected


@pytest.mark.parametrize("path", ALL_PATHS)
def test_rotating_forwarded_for_does_not_dodge_the_login_limit(admin_user, settings, path):
    settings.NUM_PROXIES = 0
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, path, "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert refused(sign_in(client, path, RIGHT, HTTP_X_FORWARDED_FOR="192.0.2.200"))


@pytest.mark.parametrize("path", ALL_PATHS)
def test_a_forged_address_cannot_lock_the_victim_out(admin_user, settings, path):
    settings.NUM_PROXIES = 0
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 2):
        sign_in(attacker, path, "wrong-password", HTTP_X_FORWARDED_FOR=VICTIM)

    assert signed_in(sign_in(Client(REMOTE_ADDR=VICTIM), path, RIGHT), path)
    assert refused(sign_in(attacker, path, RIGHT))


@pytest.mark.parametrize("path", ALL_PATHS)
def test_behind_one_proxy_the_address_it_appended_is_counted(admin_user, settings, path):
    settings.NUM_PROXIES = 1
    attacker = Client(REMOTE_ADDR=PROXY)
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        # The attacker writes any X-Forwarded-For it likes; the proxy appends the address it saw.
        sign_in(attacker, path, "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {VICTIM}, {ATTACKER}")

    assert refused(sign_in(attacker, path, RIGHT, HTTP_X_FORWARDED_FOR=f"{VICTIM}, {ATTACKER}"))
    # The victim, through the same proxy, has a count of their own.
    assert signed_in(sign_in(Client(REMOTE_ADDR=PROXY), path, RIGHT, HTTP_X_FORWARDED_FOR=VICTIM), path)


def anonymous_posts(client: Client, forwarded: list[str]) -> list[int]:
    """Anonymous requests under the anonymous throttle: logins, each for another name (so never the login limit)."""
    return [
        client.post("/api/auth/login/", {"username": f"nobody{n}", "password": "x"}, content_type="application/json", HTTP_X_FORWARDED_FOR=address).status_code
        for n, address in enumerate(forwarded)
    ]


def test_rotating_forwarded_for_does_not_dodge_the_anonymous_throttle(monkeypatch, db, settings):
    settings.NUM_PROXIES = 0
    monkeypatch.setattr(throttles.AnonThrottle, "rate", "3/min", raising=False)

    statuses = anonymous_posts(Client(REMOTE_ADDR=ATTACKER), [f"192.0.2.{n}" for n in range(5)])

    assert statuses == [401, 401, 401, 429, 429]
    assert anonymous_posts(Client(REMOTE_ADDR=VICTIM), [ATTACKER]) == [401]


def test_behind_one_proxy_the_anonymous_throttle_counts_the_appended_address(monkeypatch, db, settings):
    settings.NUM_PROXIES = 1
    monkeypatch.setattr(throttles.AnonThrottle, "rate", "3/min", raising=False)

    statuses = anonymous_posts(Client(REMOTE_ADDR=PROXY), [f"192.0.2.{n}, {ATTACKER}" for n in range(5)])

    assert statuses == [401, 401, 401, 429, 429]
    # Everyone comes from the proxy's address, yet another client keeps their own allowance.
    assert anonymous_posts(Client(REMOTE_ADDR=PROXY), [VICTIM]) == [401]


def test_drf_reads_the_same_setting():
    """DRF's own NUM_PROXIES (its default get_ident) is the same number, should any DRF code read it."""
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.NUM_PROXIES
