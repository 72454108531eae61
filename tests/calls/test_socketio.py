"""/socket.io/: the original calling dashboard's front end connects with socket.io and hears the same
four events, with the same payloads and audience, as /ws/calls/; across processes too (Redis).

The server is a real uvicorn process; the clients are python-socketio's AsyncClient (Socket.IO v5,
as the JS client 4.x speaks) and, beside it, a plain WebSocket on /ws/calls/ to compare payloads.
"""
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
import socketio
from django.conf import settings
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import connect as ws_connect

BASE_DIR = Path(settings.BASE_DIR)
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
FRONT_END = "http://localhost:3000"  # seed 000's FRONTEND_URL, on its own origin
EVENTS = ("callStarted", "callUpdated", "transcriptUpdated", "callTerminated")
WAIT = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """uvicorn serving callcenter.asgi on a free loopback port."""

    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = log
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "CORS_ALLOWED_ORIGINS")},
            "DJANGO_SETTINGS_MODULE": "callcenter.settings",
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            "CORS_ALLOWED_ORIGINS": FRONT_END,
            **env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "callcenter.asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-proxy-headers", "--lifespan", "off", "--log-level", "warning"],
            cwd=BASE_DIR, env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with NO_PROXY.open(f"{self.url}/api/health", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)  # polling a starting process
        pytest.fail(f"uvicorn on port {self.port} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def http(method: str, url: str, body: dict | None = None, *, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode() if body is not None else None, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


class Listener:
    """A socket.io client as the original front end uses it: `socket.on('callStarted', ...)` for each event."""

    def __init__(self, **client_options) -> None:
        self.client = socketio.AsyncClient(reconnection=False, **client_options)
        self.received: asyncio.Queue[tuple[str, dict]] = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self.refused: list = []
        for name in EVENTS:
            self.client.on(name, self._handler(name))
        self.client.on("disconnect", lambda *args: self.disconnected.set())
        self.client.on("connect_error", lambda data: self.refused.append(data))

    def _handler(self, name: str):
        async def handle(data: dict) -> None:
            await self.received.put((name, data))

        return handle

    async def connect(self, url: str, **options) -> None:
        await self.client.connect(url, socketio_path="socket.io", wait_timeout=WAIT, **options)

    async def next(self) -> tuple[str, dict]:
        return await asyncio.wait_for(self.received.get(), WAIT)

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


# --- one process, the embedded default (in-memory channel layer) ------------------------------------

SETUP = """
import json
from rest_framework_simplejwt.tokens import AccessToken
from callcenter.models import User
from store.models import Store
from store.services import create_api_key
admin = User.objects.create_user("root", "root@example.com", "admin-pass-123", role="admin", is_staff=True, is_superuser=True)
owner = User.objects.create_user("olivia", "olivia@example.com", "owner-pass-123", role="user")
other = User.objects.create_user("oscar", "oscar@example.com", "owner-pass-456", role="user")
store = Store.objects.create(name="Main Street Market", slug="main-street", owner=owner, twilio_numbers=["+15005550006"])
Store.objects.create(name="Harbor Deli", slug="harbor-deli", owner=other, twilio_numbers=["+15005550007"])
agent = User.objects.create_user("alex", "alex@example.com", "agent-pass-123", role="agent", store=store)
_, key = create_api_key(store=store, name="bot")
tokens = {u.username: str(AccessToken.for_user(u)) for u in (admin, owner, other, agent)}
print(json.dumps({"key": key, "tokens": tokens, "ids": {u.username: u.pk for u in (admin, owner, other, agent)}}))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Server, dict]]:
    """One uvicorn process on a file SQLite database of its own, with two stores, their people and a bot key."""
    tmp = tmp_path_factory.mktemp("socketio")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}"}
    manage_env = {**{k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}, "DJANGO_SETTINGS_MODULE": "callcenter.settings", "DEBUG": "1", **env}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=manage_env, check=True, timeout=300)
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=BASE_DIR, env=manage_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])
    server = Server(tmp / "uvicorn.log", env)
    try:
        server.wait_ready(time.monotonic() + 30)
        yield server, data
    finally:
        server.stop()


async def post(server: Server, path: str, body: dict | None, token: str, method: str = "POST") -> tuple[int, dict]:
    return await asyncio.to_thread(http, method, f"{server.url}{path}", body, token=token)


async def test_the_four_events_reach_socketio_with_the_payloads_of_ws_calls(served):
    server, data = served
    owner = data["tokens"]["olivia"]
    listener = Listener()
    await listener.connect(server.url, auth={"token": owner})  # io(URL, {auth: {token}})
    try:
        async with ws_connect(f"ws://127.0.0.1:{server.port}/ws/calls/?token={owner}", origin=server.url, proxy=None, open_timeout=WAIT) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "snapshot"
            # What seed 000's bot sends, then its transcript and its end; then a call an owner hangs up.
            writes = [
                ("POST", "/api/calls", {"callId": "TEST123", "type": "inbound", "caller": "+1234567890", "receiver": "+0987654321",
                                        "startTime": "2025-10-05T10:00:00Z", "status": "in-progress", "language": "mixed"}, data["key"]),
                ("PATCH", "/api/calls/TEST123/transcript", {"transcript": "User: Hello\nBot: Hi there!\n"}, data["key"]),
                ("PATCH", "/api/calls/TEST123", {"endTime": "2025-10-05T10:05:00Z", "status": "success", "duration": 300}, data["key"]),
                ("POST", "/api/calls", {"callId": "TEST124", "caller": "+1234567890", "status": "in-progress"}, data["key"]),
                ("POST", "/api/calls/TEST124/terminate", None, owner),
            ]  # fmt: skip
            for method, path, body, token in writes:
                status, _ = await post(server, path, body, token, method)
                assert status in (200, 201), (path, status)

            over_socketio = [await listener.next() for _ in range(6)]
            over_ws = [json.loads(await asyncio.wait_for(ws.recv(), WAIT)) for _ in range(6)]
    finally:
        await listener.close()

    # The call's end (status success) is announced as an update and as the end of the live call.
    names = ["callStarted", "transcriptUpdated", "callUpdated", "callTerminated", "callStarted", "callTerminated"]
    assert [(name, payload["callId"]) for name, payload in over_socketio] == list(zip(names, ["TEST123"] * 4 + ["TEST124"] * 2))
    # The same payloads, field for field, as the WebSocket's messages.
    assert [payload for _, payload in over_socketio] == over_ws
    started, transcript, updated, ended, _, terminated = (payload for _, payload in over_socketio)
    # What the original front end reads from each.
    assert {k: started[k] for k in ("callId", "caller", "receiver")} == {"callId": "TEST123", "caller": "+1234567890", "receiver": "+0987654321"}
    assert (transcript["callId"], transcript["transcript"]) == ("TEST123", "User: Hello\nBot: Hi there!\n")
    assert (updated["callId"], updated["data"]["status"], updated["data"]["duration"]) == ("TEST123", "success", 300)
    assert (ended["status"], terminated["status"]) == ("success", "terminated")
    assert all(payload["timestamp"] for _, payload in over_socketio)


async def test_the_token_may_come_as_a_query_parameter(served):
    server, data = served
    listener = Listener()
    await listener.connect(f"{server.url}?token={data['tokens']['alex']}")  # an agent of the store
    try:
        await post(server, "/api/calls", {"callId": "QUERY-1", "caller": "+15550001"}, data["key"])
        name, payload = await listener.next()
    finally:
        await listener.close()

    assert (name, payload["callId"]) == ("callStarted", "QUERY-1")


async def test_another_stores_owner_hears_nothing_and_an_admin_hears_everything(served):
    server, data = served
    theirs, admin = Listener(), Listener()
    await theirs.connect(server.url, auth={"token": data["tokens"]["oscar"]})
    await admin.connect(server.url, auth={"token": data["tokens"]["root"]})
    try:
        await post(server, "/api/calls", {"callId": "PRIVATE-1", "caller": "+15550002"}, data["key"])
        name, payload = await admin.next()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(theirs.received.get(), 0.5)
    finally:
        await theirs.close()
        await admin.close()

    assert (name, payload["callId"]) == ("callStarted", "PRIVATE-1")


@pytest.mark.parametrize("auth", [None, {"token": "not-a-jwt"}, "bot-key"])
async def test_a_socket_without_a_valid_access_token_is_refused(served, auth):
    server, data = served
    listener = Listener()
    if auth == "bot-key":  # a bot's API key is not a person's token
        auth = {"token": data["key"]}
    with pytest.raises(socketio.exceptions.ConnectionError):
        await listener.connect(server.url, auth=auth)

    assert not listener.client.connected
    assert listener.refused == [{"message": "unauthorized"}]


def handshake(server: Server, origin: str | None) -> tuple[int, dict[str, str]]:
    """The socket.io client's first request (Engine.IO v4 long-polling open), as a browser sends it."""
    headers = {"Origin": origin} if origin else {}
    request = urllib.request.Request(f"{server.url}/socket.io/?EIO=4&transport=polling", headers=headers)
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


@pytest.mark.parametrize(
    ("origin", "status", "allowed_origin"),
    [
        ("https://evil.example", 400, None),  # a page elsewhere: refused before any token is read
        (FRONT_END, 200, FRONT_END),  # in CORS_ALLOWED_ORIGINS
        (None, 200, None),  # a bot or script sends no Origin
    ],
)
def test_the_handshake_refuses_a_foreign_origin(served, origin, status, allowed_origin):
    server, _ = served

    code, headers = handshake(server, origin)

    assert code == status
    assert headers.get("access-control-allow-origin") == allowed_origin
    assert "access-control-allow-credentials" not in headers  # a token, never cookies


async def test_the_front_end_on_its_own_origin_connects(served):
    server, data = served
    front_end = Listener()
    await front_end.connect(server.url, auth={"token": data["tokens"]["olivia"]}, headers={"Origin": FRONT_END})
    try:
        assert front_end.client.connected
    finally:
        await front_end.close()


async def test_a_person_whose_access_changes_loses_their_socketio_socket(served):
    server, data = served
    agent = Listener()
    await agent.connect(server.url, auth={"token": data["tokens"]["alex"]})
    try:
        # The admin deactivates the agent: every socket of theirs closes (calls.events.close_user_sockets).
        status, _ = await post(server, f"/api/users/{data['ids']['alex']}", {"isActive": False}, data["tokens"]["root"], "PUT")
        assert status == 200
        await asyncio.wait_for(agent.disconnected.wait(), WAIT)
        assert not agent.client.connected
        # And the token no longer opens one.
        again = Listener()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await again.connect(server.url, auth={"token": data["tokens"]["alex"]})
    finally:
        await agent.close()


# --- two processes on Redis and PostgreSQL ------------------------------------------------------------

ON_REDIS_AND_POSTGRES = bool(os.environ.get("REDIS_URL")) and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def two_servers(transactional_db, tmp_path) -> Iterator[tuple[Server, Server]]:
    db = connection.settings_dict
    env = {
        "DATABASE_URL": f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    servers: list[Server] = []
    try:
        servers = [Server(tmp_path / "a.log", env), Server(tmp_path / "b.log", env)]
        deadline = time.monotonic() + 30
        for server in servers:
            server.wait_ready(deadline)
        yield servers[0], servers[1]
    finally:
        for server in servers:  # before pytest-django flushes the tables they hold connections to
            server.stop()


@pytest.mark.postgres
@pytest.mark.skipif(not ON_REDIS_AND_POSTGRES, reason="needs REDIS_URL and a PostgreSQL DATABASE_URL: two processes share events through Redis")
@pytest.mark.django_db(transaction=True)
async def test_a_call_logged_on_one_process_reaches_a_socketio_client_of_the_other(two_servers, owner, store, other_owner, other_store, bot_key):
    writer, reader = two_servers
    mine, theirs = Listener(), Listener()
    await mine.connect(reader.url, auth={"token": str(AccessToken.for_user(owner))})
    await theirs.connect(reader.url, auth={"token": str(AccessToken.for_user(other_owner))})
    try:
        status, _ = await post(writer, "/api/calls", {"callId": "TWO-PROC-IO", "caller": "+1234567890", "receiver": "+0987654321"}, bot_key)
        assert status == 201
        name, payload = await mine.next()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(theirs.received.get(), 0.5)
    finally:
        await mine.close()
        await theirs.close()

    assert (name, payload["callId"], payload["caller"], payload["receiver"]) == ("callStarted", "TWO-PROC-IO", "+1234567890", "+0987654321")
