"""The demo store's bot, as seed 000's phone bot talks to the API: its key as a Bearer token."""
from __future__ import annotations

import json
import urllib.request
from typing import Any

from dashboard.management.commands.seed_demo import demo_api_key
from tests.browser.conftest import NO_PROXY, PASSWORDS


def bot_request(base_url: str, method: str, path: str, body: dict[str, Any] | None = None, *, token: str | None = None) -> dict[str, Any]:
    """A request with the demo store's bot key, or with `token` (a person's access token, see `access_token`)."""
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token or demo_api_key('demo-store')}", "Content-Type": "application/json"},
    )
    with NO_PROXY.open(request, timeout=10) as response:
        return json.loads(response.read())


def access_token(base_url: str, username: str) -> str:
    """A person's JWT from POST /api/auth/login (an admin logs calls for any store with `store`)."""
    request = urllib.request.Request(
        base_url + "/api/auth/login",
        data=json.dumps({"username": username, "password": PASSWORDS[username]}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with NO_PROXY.open(request, timeout=10) as response:
        body = json.loads(response.read())
    return body["tokens"]["access"]
