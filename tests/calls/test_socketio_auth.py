"""/socket.io/'s connect handler in-process: an inactive person's access token (a deactivation that
closed no socket, a row changed by hand) opens no socket, by the auth payload or by ?token=."""
from __future__ import annotations

import pytest
import socketio
from channels.db import database_sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from callcenter.models import User
from calls import socketio_server
from calls.consumers import user_from_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("how", ["auth", "query"])
async def test_an_inactive_persons_token_opens_no_socketio_socket(owner, store, how):
    token = str(AccessToken.for_user(owner))
    assert await user_from_token(token) is not None  # the same token while they are active
    await database_sync_to_async(User.objects.filter(pk=owner.pk).update)(is_active=False)
    environ = {"QUERY_STRING": f"token={token}"} if how == "query" else {"QUERY_STRING": ""}

    with pytest.raises(socketio.exceptions.ConnectionRefusedError) as refused:
        await socketio_server.connect("sid-inactive", environ, {"token": token} if how == "auth" else None)

    assert refused.value.error_args == {"message": "unauthorized"}
    assert "sid-inactive" not in socketio_server._watchers
