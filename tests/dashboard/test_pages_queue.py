"""The waiting-callers panel of /live/: waits against the store's service level, agents and what they are on,
an agent's own status and "Take next" (a caller, else a callback); another store's callers never show."""
from __future__ import annotations

from datetime import timedelta

from calls.models import AgentProfile, QueueEntry, ScheduledCallback
from tests.dashboard.conftest import NOW
from tests.dashboard.pages import signed_in


def test_waiting_callers_with_their_wait_against_the_service_level(business, owner):
    response = signed_in(owner).get("/live/")
    rows = response.context["waiting"]
    assert [(r["waited"], r["late"]) for r in rows] == [(300, True), (120, True), (30, False)]
    assert {r["level"] for r in rows} == {60}
    html = response.content.decode()
    assert html.count('class="late"') == 2
    agents = response.context["agents"]
    assert [(a["profile"].user.username, a["handling"].call.call_id) for a in agents] == [("alex", "B")]


def test_another_stores_queue_is_not_shown_and_its_own_level_applies(business, other_owner):
    rows = signed_in(other_owner).get("/live/").context["waiting"]
    assert [(r["waited"], r["level"], r["late"]) for r in rows] == [(3600, 7200, False)]


def test_an_agent_sets_their_status(business, agent):
    client = signed_in(agent)
    assert client.post("/live/status/", {"status": "break"}).status_code == 302
    assert AgentProfile.objects.get(user=agent).status == "break"
    client.post("/live/status/", {"status": "asleep"})
    assert AgentProfile.objects.get(user=agent).status == "break"


def test_an_owner_may_not_take_callers_or_set_an_agent_status(business, owner):
    assert signed_in(owner).post("/live/take/").status_code == 403
    assert signed_in(owner).post("/live/status/", {"status": "offline"}).status_code == 403


def test_take_next_gives_the_routed_or_longest_waiting_caller_then_a_callback(business, agent):
    client = signed_in(agent)
    taken = []
    for _ in range(3):
        client.post("/live/take/")
        entry = QueueEntry.objects.filter(status="assigned", assigned_agent=agent, assigned_at=NOW).exclude(pk__in=taken).get()
        taken.append(entry.pk)
    assert [QueueEntry.objects.get(pk=pk).enqueued_at for pk in taken] == [NOW - timedelta(seconds=s) for s in (300, 120, 30)]
    # Nobody waits in the store now: the next callback (due first, theirs or nobody's) is theirs.
    response = client.post("/live/take/")
    callback = ScheduledCallback.objects.get(customer__phone="+15550000001")
    assert response.url == f"/callbacks/{callback.pk}/"
    # The other store's waiting caller was never offered.
    assert QueueEntry.objects.get(store__slug="harbor-deli", status="waiting")


def test_panel_query_count_is_pinned_with_thousands_waiting(owner, store, agent, django_assert_num_queries):
    QueueEntry.objects.bulk_create(QueueEntry(store=store, caller=f"+1555{i:07d}", enqueued_at=NOW - timedelta(seconds=i)) for i in range(3000))
    AgentProfile.objects.create(user=agent, status="available")
    client = signed_in(owner)
    client.get("/live/")
    with django_assert_num_queries(9):
        response = client.get("/live/")
    assert len(response.context["waiting"]) == 50


def test_start_a_call_from_live_with_a_number_in_any_format(owner, store, settings, monkeypatch):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC123", "token"
    placed = []
    monkeypatch.setattr("voice.twilio.place_call", lambda **kw: placed.append(kw) or "CA-live-1")
    client = signed_in(owner)
    assert 'id="start-call"' in client.get("/live/").content.decode()
    response = client.post("/live/call/", {"to": "(212) 555-1234"})
    assert response.status_code == 302 and response.url.startswith("/calls/")
    assert placed[0]["to"] == "+12125551234"
    response = client.post("/live/call/", {"to": "not a number"}, follow=True)
    assert "not a dialable phone number" in response.content.decode() and len(placed) == 1
