"""Two separate server processes share events through Redis: a write on one reaches a socket on the other."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

BASE_DIR = Path(settings.BASE_DIR)
ON_REDIS_AND_POSTGRES = bool(os.environ.get("REDIS_URL")) and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(
        not ON_REDIS_AND_POSTGRES,
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL: the in-memory layer and an in-memory SQLite database do not cross processes",
    ),
    # Committed rows: the server processes read them through their own connections.
    pytest.mark.django_db(transaction=True),
]
# No direct HTTP or WebSocket proxy: every request here goes to loopback.
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Server:
    """One daphne process serving callcenter.asgi on a free loopback port, against the test database."""

    def __init__(self, log: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "callcenter.settings",
            # pytest-django's test database (test_<name>), not the one DATABASE_URL names.
            "DATABASE_URL": f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
        }
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "callcenter.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, deadline: float) -> dict:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with NO_PROXY.open(f"{self.url}/api/health", timeout=1) as response:
                    return json.load(response)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        pytest.fail(f"daphne on port {self.port} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:  # nothing to flush: a test server may just die
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def two_servers(transactional_db, tmp_path) -> Iterator[tuple[Server, Server]]:
    servers: list[Server] = []
    try:
        servers = [Server(tmp_path / "a.log"), Server(tmp_path / "b.log")]
        deadline = time.monotonic() + 20
        health = [server.wait_ready(deadline) for server in servers]
        # Strangers see statuses only (no pid or backend): that the layer is Redis shows in the tests' crossing.
        assert [(h["channelLayer"], h["cache"]) for h in health] == [({"status": "ok"}, {"status": "ok"})] * 2
        yield servers[0], servers[1]
    finally:
        # Before pytest-django flushes the tables: the servers hold connections to the database.
        for server in servers:
            server.stop()


def post_json(url: str, body: dict, *, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    )
    with NO_PROXY.open(request, timeout=10) as response:
        return response.status, json.load(response)


async def test_a_call_logged_on_one_process_reaches_an_idle_socket_on_the_other(two_servers, owner, store, other_owner, other_store, bot_key):
    writer, reader = two_servers
    token = AccessToken.for_user(owner)
    other_token = AccessToken.for_user(other_owner)
    origin = reader.url
    async with (
        connect(f"ws://127.0.0.1:{reader.port}/ws/calls/?token={token}", origin=origin, proxy=None, open_timeout=5) as mine,
        connect(f"ws://127.0.0.1:{reader.port}/ws/calls/?token={other_token}", origin=origin, proxy=None, open_timeout=5) as theirs,
    ):
        assert json.loads(await asyncio.wait_for(mine.recv(), 5)) == {"type": "snapshot", "calls": []}
        assert json.loads(await asyncio.wait_for(theirs.recv(), 5))["type"] == "snapshot"
        # Idle for longer than channels-redis's blocking pop: with redis-py's 5 s default read
        # timeout the server's receive loop would crash every socket (1011) right here.
        await asyncio.sleep(RedisChannelLayer.brpop_timeout + 1)

        status, body = await asyncio.to_thread(
            post_json, f"{writer.url}/api/calls", {"callId": "TWO-PROC-1", "caller": "+1234567890", "receiver": "+0987654321"}, key=bot_key
        )
        assert (status, body["data"]["callId"]) == (201, "TWO-PROC-1")

        event = json.loads(await asyncio.wait_for(mine.recv(), 5))
        assert {k: event[k] for k in ("type", "callId", "caller", "receiver")} == {
            "type": "callStarted",
            "callId": "TWO-PROC-1",
            "caller": "+1234567890",
            "receiver": "+0987654321",
        }
        # The other store's owner, on the same process, hears nothing of it.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(theirs.recv(), 0.3)


def put_json(url: str, body: dict, *, token: str) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="PUT", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    with NO_PROXY.open(request, timeout=10) as response:
        return response.status


async def test_a_user_deactivated_on_one_process_loses_their_socket_on_the_other(two_servers, admin_user, owner, store, bot_key):
    writer, reader = two_servers
    origin = reader.url
    async with connect(f"ws://127.0.0.1:{reader.port}/ws/calls/?token={AccessToken.for_user(owner)}", origin=origin, proxy=None, open_timeout=5) as mine:
        assert json.loads(await asyncio.wait_for(mine.recv(), 5))["type"] == "snapshot"

        status = await asyncio.to_thread(put_json, f"{writer.url}/api/users/{owner.pk}", {"isActive": False}, token=str(AccessToken.for_user(admin_user)))
        assert status == 200
        await asyncio.to_thread(post_json, f"{writer.url}/api/calls", {"callId": "AFTER-REVOKE"}, key=bot_key)

        # The close crossed Redis to the other process before the next event of the store could.
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(mine.recv(), 5)
        assert closed.value.rcvd.code == 4401
