"""/ws/calls/: authenticate, join the right groups, send a snapshot, forward events. Nothing else."""
from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from callcenter.permissions import IsStaffUser, role_of
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
def groups_for(user) -> list[str]:
    store_ids = visible_store_ids(user)
    return [events.ADMIN_GROUP] if store_ids is None else [events.store_group(pk) for pk in store_ids]


@database_sync_to_async
def snapshot_for(user) -> list[dict]:
    # The same query and limit as GET /api/calls/active.
    return [call_to_dict(call) for call in queries.active_calls(Call.objects.for_user(user))[:500]]


class CallEventsConsumer(AsyncJsonWebsocketConsumer):
    # No channel of its own: this process's relay (calls.events.watch) listens for every socket.
    # (An alias that names no layer makes Channels skip the per-socket channel and its reader.)
    channel_layer_alias = "calls-sockets-use-the-relay"

    async def connect(self) -> None:
        user = self.scope.get("user")
        subprotocol = None
        if not (user and user.is_authenticated):
            user, subprotocol = await self._user_from_jwt()
        if user is None:
            await self.close(code=UNAUTHENTICATED)
            return
        # The same people as GET /api/calls/active: admins, owners and agents.
        if role_of(user) not in IsStaffUser.roles:
            await self.close(code=FORBIDDEN)
            return
        self.groups_watched = await groups_for(user)
        # Events that arrive before the snapshot has gone out wait here, then follow it.
        self.backlog: list[str] | None = []
        await events.watch(self.groups_watched, self)
        # Read after watching: a change in between arrives as an event after the snapshot, never lost.
        try:
            snapshot = await snapshot_for(user)
        except BaseException:
            await events.unwatch(self.groups_watched, self)  # the socket dies here: no event for it
            raise
        await self.accept(subprotocol=subprotocol)
        await self.send_json({"type": "snapshot", "calls": snapshot})
        backlog, self.backlog = self.backlog, None
        for text in backlog:
            await self.send(text_data=text)

    async def _user_from_jwt(self):
        # Browsers cannot set headers on a WebSocket: the token comes as a subprotocol
        # ("bearer", "<jwt>") or, for simple clients, as ?token=.
        protocols = self.scope.get("subprotocols") or []
        if len(protocols) == 2 and protocols[0].lower() == "bearer":
            return await user_from_token(protocols[1]), protocols[0]
        token = parse_qs(self.scope.get("query_string", b"").decode()).get("token", [None])[0]
        return (await user_from_token(token) if token else None), None

    async def disconnect(self, code: int) -> None:
        await events.unwatch(getattr(self, "groups_watched", []), self)

    async def forward(self, text: str) -> None:
        """An event of one of the groups, from this process's relay (calls.events.watch)."""
        if self.backlog is not None:
            self.backlog.append(text)
        else:
            await self.send(text_data=text)

    async def relay_failed(self) -> None:
        await self.close(code=1011)  # the client reconnects and starts again from a snapshot
