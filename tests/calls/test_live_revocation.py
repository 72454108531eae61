"""/ws/calls/ after access is lost: a change to what a person may see closes their open sockets (4401)."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from callcenter import services as user_services
from callcenter.asgi import application
from callcenter.models import User
from calls import events, services
from calls.models import Call
from store.models import Store
from store.services import save_store

# Seconds to wait for a connect or the snapshot: a loaded machine can take more than Channels' default of 1 s.
WAIT = 5

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")
CLOSED_4401 = {"type": "websocket.close", "code": 4401}


async def dashboard(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/calls/?token={AccessToken.for_user(user)}", headers=[ORIGIN])
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "snapshot"
    return communicator


def live_call(store: Store, call_id: str) -> Call:
    return Call.objects.create(store=store, call_id=call_id, status="in-progress", start_time=timezone.now())


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


async def assert_closed_and_silent(socket: WebsocketCommunicator) -> None:
    assert await socket.receive_output(timeout=3) == CLOSED_4401
    assert await socket.receive_nothing(timeout=0.3)


async def test_a_deactivated_user_is_closed_with_4401_and_gets_no_further_event(admin_user, owner, store):
    call = await database_sync_to_async(live_call)(store, "AFTER-DEACTIVATION")
    socket = await dashboard(owner)

    await database_sync_to_async(user_services.update_user)(actor=admin_user, user=await database_sync_to_async(fresh)(owner), data={"isActive": False})
    await database_sync_to_async(services.append_transcript)(call=call, entries=services.parse_transcript_text("User: my card is 4111 1111 1111 1111\n"))

    await assert_closed_and_silent(socket)
    await socket.disconnect()


async def test_an_agent_moved_to_another_store_is_closed_and_never_hears_the_old_store(admin_user, agent, store, other_store):
    call = await database_sync_to_async(live_call)(store, "OLD-STORE")
    socket = await dashboard(agent)

    await database_sync_to_async(user_services.update_user)(actor=admin_user, user=await database_sync_to_async(fresh)(agent), data={"stores": [other_store.slug]})
    await database_sync_to_async(services.append_transcript)(call=call, entries=services.parse_transcript_text("User: my card is 4111 1111 1111 1111\n"))

    await assert_closed_and_silent(socket)
    await socket.disconnect()
    # Reconnected, the agent sees the new store only.
    again = WebsocketCommunicator(application, f"/ws/calls/?token={AccessToken.for_user(agent)}", headers=[ORIGIN])
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=WAIT))["calls"] == []
    await database_sync_to_async(services.append_transcript)(call=call, entries=services.parse_transcript_text("User: still there?\n"))
    assert await again.receive_nothing(timeout=0.3)
    await again.disconnect()


async def test_a_user_made_an_agent_and_a_deleted_user_are_closed(admin_user, owner, store, other_owner, other_store):
    demoted, deleted = await dashboard(owner), await dashboard(other_owner)

    await database_sync_to_async(user_services.update_user)(
        actor=admin_user, user=await database_sync_to_async(fresh)(owner), data={"role": "agent", "stores": [other_store.slug]}
    )
    await database_sync_to_async(user_services.delete_user)(actor=admin_user, user=await database_sync_to_async(fresh)(other_owner))

    for socket in (demoted, deleted):
        assert await socket.receive_output(timeout=3) == CLOSED_4401
        await socket.disconnect()


async def test_a_password_reset_by_a_manager_closes_the_sockets(owner, store, agent):
    socket = await dashboard(agent)

    await database_sync_to_async(user_services.update_user)(actor=owner, user=await database_sync_to_async(fresh)(agent), data={"password": "Another-pass-987"})

    assert await socket.receive_output(timeout=3) == CLOSED_4401
    await socket.disconnect()


async def test_an_owner_whose_store_changes_hands_is_closed(admin_user, owner, store, other_owner):
    socket = await dashboard(owner)

    await database_sync_to_async(save_store)(actor=admin_user, store=await database_sync_to_async(Store.objects.get)(pk=store.pk), data={"owner": other_owner})

    assert await socket.receive_output(timeout=3) == CLOSED_4401
    await socket.disconnect()


async def test_a_change_that_leaves_what_they_see_alone_keeps_the_socket(admin_user, owner, store, agent):
    socket, bystander = await dashboard(agent), await dashboard(owner)

    await database_sync_to_async(user_services.update_user)(actor=admin_user, user=await database_sync_to_async(fresh)(agent), data={"firstName": "Alexandra"})
    await database_sync_to_async(user_services.update_user)(actor=admin_user, user=await database_sync_to_async(fresh)(agent), data={"isActive": False})

    # The agent's socket closes on the deactivation, not on the rename; the owner's never does.
    assert await socket.receive_output(timeout=3) == CLOSED_4401
    await database_sync_to_async(services.create_call)(store=store, fields={"call_id": "STILL-LIVE"})
    assert (await bystander.receive_json_from(timeout=3))["callId"] == "STILL-LIVE"
    await socket.disconnect()
    await bystander.disconnect()


def admin_deactivates(admin_user: User, agent: User) -> int:
    """The Django admin's change form for the agent, saved with `Active` unticked."""
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:callcenter_user_change", args=[agent.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name not in ("password", "groups", "user_permissions")}
    data.update({"is_active": "", "date_joined_0": agent.date_joined.strftime("%Y-%m-%d"), "date_joined_1": agent.date_joined.strftime("%H:%M:%S")})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response.status_code


async def test_a_deactivation_saved_in_the_django_admin_closes_the_sockets(admin_user, agent, store):
    socket = await dashboard(agent)

    await database_sync_to_async(admin_deactivates)(admin_user, agent)

    assert not (await database_sync_to_async(fresh)(agent)).is_active
    assert await socket.receive_output(timeout=3) == CLOSED_4401
    await socket.disconnect()


async def test_an_inactive_users_token_is_refused_at_connect(owner, store):
    token = AccessToken.for_user(owner)
    await database_sync_to_async(User.objects.filter(pk=owner.pk).update)(is_active=False)

    socket = WebsocketCommunicator(application, f"/ws/calls/?token={token}", headers=[ORIGIN])
    assert await socket.connect() == (False, 4401)


async def test_a_change_committed_while_the_socket_connects_still_closes_it(admin_user, agent, store, other_store, monkeypatch):
    """The person's own group is joined before their audience is read: no change slips in between."""
    from calls import consumers

    read = consumers.snapshot_for

    async def move_while_connecting(user):
        await database_sync_to_async(user_services.update_user)(actor=admin_user, user=await database_sync_to_async(fresh)(agent), data={"stores": [other_store.slug]})
        return await read(user)

    monkeypatch.setattr(consumers, "snapshot_for", move_while_connecting)
    socket = WebsocketCommunicator(application, f"/ws/calls/?token={AccessToken.for_user(agent)}", headers=[ORIGIN])
    connected, code = await socket.connect(timeout=3)
    if connected:  # the close may land just after the accept: then it is the next thing the socket gets
        assert (await socket.receive_json_from(timeout=WAIT))["type"] == "snapshot"
        assert await socket.receive_output(timeout=3) == CLOSED_4401
    else:
        assert code == 4401
    await socket.disconnect()


@pytest.mark.django_db(transaction=False)  # the commit is the test's: on_commit callbacks are captured
def test_close_user_sockets_leaves_after_the_commit_for_the_users_group(monkeypatch, django_capture_on_commit_callbacks, owner):
    sent: list[tuple[tuple[str, ...], dict]] = []
    monkeypatch.setattr(events, "_send_to", lambda groups, message: sent.append((groups, message)))

    admin_user = User.objects.create_user("boss", password=None, role=User.Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user_services.update_user(actor=admin_user, user=owner, data={"email": "new@example.com"})
    assert sent == [] and callbacks == []  # nothing about what they see changed

    with django_capture_on_commit_callbacks(execute=True):
        user_services.update_user(actor=admin_user, user=fresh(owner), data={"isActive": False})
        assert sent == []
    assert sent == [((events.user_group(owner.pk),), {"type": events.REVOKED})]
