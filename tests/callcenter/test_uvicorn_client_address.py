"""Through a real uvicorn, started by bench/harness.py's command line (the one the load test, the fuzz
run and the benchmark use): a client on loopback rotating X-Forwarded-For is still one address.

uvicorn trusts X-Forwarded-For from 127.0.0.1 by default and rewrites the client's address with it;
the harness starts it with --no-proxy-headers, so Django's NUM_PROXIES alone decides. The victim
connects from 127.0.0.2 (all of 127.0.0.0/8 is loopback), an address uvicorn never trusted.
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.harness import ROOT, Server

LIMIT = 3
ANON_RATE = 30
ATTACKER_SOURCE, VICTIM_SOURCE = "127.0.0.1", "127.0.0.2"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("uvicorn")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS", "NUM_PROXIES"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        NUM_PROXIES="0",
        LOGIN_FAILURE_LIMIT=str(LIMIT),
        THROTTLE_ANON=f"{ANON_RATE}/min",
        LOG_LEVEL="WARNING",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    create = "from callcenter.models import User; [User.objects.create_user(n, f'{n}@example.com', 'right-pass-123') for n in ('root', 'victim')]"
    subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=env, check=True, timeout=120)
    # One worker: the in-process cache then holds every count (no Redis shared with other test runs).
    with Server(env, workers=1, log=tmp / "uvicorn.log") as running:
        yield running


def post(server: Server, path: str, body: dict, *, source: str = ATTACKER_SOURCE, forwarded: str | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
    headers = {"Content-Type": "application/json", **({"X-Forwarded-For": forwarded} if forwarded else {})}
    try:
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def test_forwarded_for_from_loopback_changes_no_address(server):
    login = "/api/auth/login/"
    # 1. Rotating X-Forwarded-For does not reset the failed-login count.
    statuses = [post(server, login, {"username": "root", "password": "wrong"}, forwarded=f"192.0.2.{n}") for n in range(LIMIT)]
    statuses.append(post(server, login, {"username": "root", "password": "right-pass-123"}, forwarded="192.0.2.99"))
    assert statuses == [401] * LIMIT + [429]

    # 2. An attacker naming the victim's address in X-Forwarded-For does not lock the victim out.
    for _ in range(LIMIT + 1):
        post(server, login, {"username": "victim", "password": "wrong"}, forwarded=VICTIM_SOURCE)
    assert post(server, login, {"username": "victim", "password": "right-pass-123"}, source=VICTIM_SOURCE) == 200

    # 3. The anonymous throttle: every request from the attacker's one address counts, whatever it forwards.
    # (A body without credentials: refused with a 400 before any password hashing, but throttled first.)
    statuses = [post(server, login, {}, forwarded=f"198.51.100.{n}") for n in range(ANON_RATE + 3)]
    assert statuses[-1] == 429, statuses
    assert set(statuses) <= {400, 429}
