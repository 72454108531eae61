"""/ws/calls/: authenticate, join the right groups, send a snapshot, forward events. Nothing else."""
from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from calls import events, queries
from calls.models import Call
from calls.serializers import call_to_dict
from store.tenancy import visible_store_ids

UNAUTHENTICATED = 4401
FORBIDDEN = 4403


@database_sync_to_async
def user_from_token(raw: str):
    try:
        token = AccessToken(raw)
    except TokenError:
        return None
    return get_user_model().objects.filter(pk=token.get("user_id"), is_active=True).first()


@database_sync_to_async
def groups_and_snapshot(user) -> tuple[list[str], list[dict]]:
    store_ids = visible_store_ids(user)
    groups = [events.ADMIN_GROUP] if store_ids is None else [events.store_group(pk) for pk in store_ids]
    snapshot = [call_to_dict(call) for call in queries.active_calls(Call.objects.for_user(user))[:500]]
    return groups, snapshot


class CallEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        subprotocol = None
        if not (user and user.is_authenticated):
            user, subprotocol = await self._user_from_jwt()
        if user is None:
            await self.close(code=UNAUTHENTICATED)
            return
        if getattr(user, "role", None) not in ("admin", "user", "agent"):
            await self.close(code=FORBIDDEN)
            return
        self.groups_joined, snapshot = await groups_and_snapshot(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept(subprotocol=subprotocol)
        await self.send_json({"type": "snapshot", "calls": snapshot})

    async def _user_from_jwt(self):
        # Browsers cannot set headers on a WebSocket: the token comes as a subprotocol
        # ("bearer", "<jwt>") or, for simple clients, as ?token=.
        protocols = self.scope.get("subprotocols") or []
        if len(protocols) == 2 and protocols[0].lower() == "bearer":
            return await user_from_token(protocols[1]), protocols[0]
        token = parse_qs(self.scope.get("query_string", b"").decode()).get("token", [None])[0]
        return (await user_from_token(token) if token else None), None

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def call_event(self, message: dict) -> None:
        await self.send_json(message["event"])
