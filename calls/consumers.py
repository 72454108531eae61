"""/ws/calls/: authenticate, join the right groups, send a snapshot, forward events. Nothing else."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from callcenter.permissions import IsStaffUser, role_of
from calls import events, queries
from calls.models import Call
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
def audience_of(user_id: int) -> tuple[Any, list[str]]:
    """The person as the database has them now (None when gone or inactive) and the groups of the
    events they may see: the admin group, or one per store (the same stores as GET /api/calls/active)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or role_of(user) not in IsStaffUser.roles:
        return user, []
    store_ids = visible_store_ids(user)
    return user, [events.ADMIN_GROUP] if store_ids is None else [events.store_group(pk) for pk in store_ids]


@database_sync_to_async
def snapshot_for(user) -> list[dict]:
    # The same calls and fields as GET /api/calls/active.
    return queries.active_calls_with_transcripts(Call.objects.for_user(user))


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
        self.is_revoked = False
        # Events that arrive before the snapshot has gone out wait here, then follow it.
        self.backlog: list[str] | None = []
        # The person's own group first, then what they may see read afresh: a change to them that
        # commits after this read closes the socket (calls.events.close_user_sockets), one before it is read.
        self.groups_watched = [events.user_group(user.pk)]
        await events.watch(self.groups_watched, self)
        try:
            user, groups = await audience_of(user.pk)
            if user is None or role_of(user) not in IsStaffUser.roles:
                await self._refuse(UNAUTHENTICATED if user is None else FORBIDDEN)
                return
            await events.watch(groups, self)
            self.groups_watched += groups
            # Read after watching: a change in between arrives as an event after the snapshot, never lost.
            snapshot = await snapshot_for(user)
        except BaseException:
            await events.unwatch(self.groups_watched, self)  # the socket dies here: no event for it
            raise
        if self.is_revoked:  # changed while the snapshot was read
            await self._refuse(UNAUTHENTICATED)
            return
        await self.accept(subprotocol=subprotocol)
        await self.send_json({"type": "snapshot", "calls": snapshot})
        backlog, self.backlog = self.backlog, None
        for text in backlog:
            await self.send(text_data=text)

    async def _refuse(self, code: int) -> None:
        await events.unwatch(self.groups_watched, self)
        self.groups_watched = []
        await self.close(code=code)

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
        if self.is_revoked:
            return
        if self.backlog is not None:
            self.backlog.append(text)
        else:
            await self.send(text_data=text)

    async def revoked(self) -> None:
        """What this person may see changed: the client signs in again (a fresh token) and reconnects."""
        self.is_revoked = True
        if self.backlog is None:  # accepted; before that, connect() refuses the socket itself
            await self.close(code=UNAUTHENTICATED)

    async def relay_failed(self) -> None:
        await self.close(code=1011)  # the client reconnects and starts again from a snapshot
