"""The demo store's bot, as seed 000's phone bot talks to the API: its key as a Bearer token."""
from __future__ import annotations

import json
import urllib.request
from typing import Any

from dashboard.management.commands.seed_demo import demo_api_key
from tests.browser.conftest import NO_PROXY


def bot_request(base_url: str, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {demo_api_key('demo-store')}", "Content-Type": "application/json"},
    )
    with NO_PROXY.open(request, timeout=10) as response:
        return json.loads(response.read())
