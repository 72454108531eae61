"""callcenter.asgi: which WebSockets a client without a browser (no Origin) may open, per route."""
from __future__ import annotations

import re

import pytest
from channels.testing import WebsocketCommunicator

from callcenter.asgi import ORIGINLESS_ROUTES, BrowserOriginValidator


async def echo_headers(scope, receive, send):
    """A socket that accepts and says which headers reached it."""
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": ",".join(sorted(name.decode() for name, _ in scope["headers"]))})
    await receive()


# Channels' communicator closes old database connections around each socket.
pytestmark = pytest.mark.django_db(transaction=True)
RELAY = re.compile(r"^/ws/voice/relay/?$")  # what issue 14's ConversationRelay socket adds
gate = BrowserOriginValidator(echo_headers, originless=(*ORIGINLESS_ROUTES, RELAY))


async def opens(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[bool, str | None]:
    communicator = WebsocketCommunicator(gate, path, headers=headers)
    connected, _ = await communicator.connect()
    seen = await communicator.receive_from() if connected else None
    await communicator.disconnect()
    return connected, seen


async def test_an_originless_route_takes_a_client_without_origin_but_not_its_cookies():
    assert await opens("/ws/voice/relay/", [(b"cookie", b"sessionid=x"), (b"x-twilio-signature", b"sig")]) == (True, "x-twilio-signature")
    assert (await opens("/ws/calls/", [(b"cookie", b"sessionid=x")]))[0] is True


async def test_other_routes_refuse_a_client_without_origin():
    assert await opens("/ws/other/", []) == (False, None)


async def test_every_route_refuses_a_foreign_origin_and_takes_our_own(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://dashboard.example.com"]
    for path in ("/ws/calls/", "/ws/voice/relay/", "/ws/other/"):
        assert (await opens(path, [(b"origin", b"https://evil.example")]))[0] is False
        assert (await opens(path, [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", b"sessionid=x")])) == (True, "cookie,origin")
        assert (await opens(path, [(b"origin", b"https://dashboard.example.com")]))[0] is True
