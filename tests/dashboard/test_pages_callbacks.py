"""`/callbacks/`: overdue and today's first, the API's filters, and assign, reschedule, mark done and call now
with the API's role rules (an agent changes only theirs and unassigned ones; another store's is a 404)."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from calls.models import Customer, ScheduledCallback
from tests.dashboard.pages import field_errors, signed_in


def reasons(response) -> list[str]:
    return [(cb.customer.phone, cb.status) for cb in response.context["callbacks"]]


def test_overdue_then_today_then_later_then_done_and_another_stores_never(business, owner):
    response = signed_in(owner).get("/callbacks/")
    assert response.status_code == 200
    assert reasons(response) == [
        ("+15550000001", "scheduled"),  # overdue (12:00 UTC, now 14:00)
        ("+15550000002", "scheduled"),  # later today in New York
        ("+15550000005", "scheduled"),  # tomorrow
        ("+15550000004", "cancelled"),
        ("+15550000003", "completed"),
    ]
    assert "+15550000009" not in response.content.decode()


def test_filters_are_the_apis(business, agent):
    client = signed_in(agent)
    assert reasons(client.get("/callbacks/?assigned=me")) == [("+15550000001", "scheduled"), ("+15550000003", "completed")]
    assert reasons(client.get("/callbacks/?overdue=true&assigned=me")) == [("+15550000001", "scheduled")]
    assert reasons(client.get("/callbacks/?priority=urgent")) == [("+15550000005", "scheduled")]
    assert reasons(client.get("/callbacks/?status=completed")) == [("+15550000003", "completed")]


def test_an_owner_assigns_reschedules_and_completes(business, owner, agent2, store):
    callback = ScheduledCallback.objects.get(customer__phone="+15550000002")
    client = signed_in(owner)
    url = f"/callbacks/{callback.pk}/"
    assert client.post(url, {"action": "assign", "assigned_agent": agent2.pk}).status_code == 302
    callback.refresh_from_db()
    assert callback.assigned_agent == agent2
    # 2026-12-31 23:59 in New York is 2027-01-01 04:59 UTC.
    assert client.post(url, {"action": "reschedule", "scheduled_at": "2026-12-31T23:59"}).status_code == 302
    callback.refresh_from_db()
    assert callback.scheduled_at.isoformat() == "2027-01-01T04:59:00+00:00"
    assert client.post(url, {"action": "complete", "notes": "Quoted the catering order."}).status_code == 302
    callback.refresh_from_db()
    assert (callback.status, callback.notes, callback.completed_at) == ("completed", "Quoted the catering order.", timezone.now())


def test_a_reschedule_saved_twice_unchanged_keeps_its_moment_exactly(business, owner):
    callback = ScheduledCallback.objects.get(customer__phone="+15550000005")
    ScheduledCallback.objects.filter(pk=callback.pk).update(scheduled_at=callback.scheduled_at + timedelta(seconds=17, microseconds=5))
    callback.refresh_from_db()
    before = callback.scheduled_at
    client = signed_in(owner)
    for _ in range(2):
        shown = client.get(f"/callbacks/{callback.pk}/").context["reschedule_form"].initial["scheduled_at"]
        client.post(f"/callbacks/{callback.pk}/", {"action": "reschedule", "scheduled_at": shown})
        callback.refresh_from_db()
        assert callback.scheduled_at == before
    assert shown == before.astimezone(callback.store.tzinfo).strftime("%Y-%m-%dT%H:%M:%S")


def test_bad_input_names_the_field_and_writes_nothing(business, owner, other_owner):
    callback = ScheduledCallback.objects.get(customer__phone="+15550000002")
    other_agent = business["customers"][5]  # noqa: F841 - another store's customer
    response = signed_in(owner).post(f"/callbacks/{callback.pk}/", {"action": "reschedule", "scheduled_at": "next tuesday"})
    assert response.status_code == 400
    assert field_errors(response, "scheduled_at") == ["Enter a date and time, e.g. 2026-12-31T23:59."]
    response = signed_in(owner).post(f"/callbacks/{callback.pk}/", {"action": "assign", "assigned_agent": other_owner.pk})
    assert response.status_code == 400 and field_errors(response, "assigned_agent")
    callback.refresh_from_db()
    assert callback.assigned_agent is None and callback.scheduled_at.hour == 18


def test_an_agent_changes_only_theirs_and_unassigned_ones(business, agent, agent2):
    client = signed_in(agent)
    theirs = ScheduledCallback.objects.get(customer__phone="+15550000005")  # agent2's
    assert client.get(f"/callbacks/{theirs.pk}/").status_code == 200
    assert client.post(f"/callbacks/{theirs.pk}/", {"action": "complete", "notes": "x"}).status_code == 404
    free = ScheduledCallback.objects.get(customer__phone="+15550000002")
    assert client.post(f"/callbacks/{free.pk}/", {"action": "assign", "assigned_agent": agent.pk}).status_code == 302
    free.refresh_from_db()
    assert free.assigned_agent == agent
    theirs.refresh_from_db()
    assert theirs.status == "scheduled"


def test_another_stores_callback_is_a_404(business, other_owner, owner):
    mine = ScheduledCallback.objects.get(customer__phone="+15550000002")
    client = signed_in(other_owner)
    assert client.get(f"/callbacks/{mine.pk}/").status_code == 404
    assert client.post(f"/callbacks/{mine.pk}/", {"action": "complete"}).status_code == 404
    assert ScheduledCallback.objects.get(pk=mine.pk).status == "scheduled"


def test_call_now_places_the_call_through_the_outbound_service(business, owner, settings, monkeypatch):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC123", "token"
    placed = []
    monkeypatch.setattr("voice.twilio.place_call", lambda **kw: placed.append(kw) or "CA-callback-1")
    # A number in service (555 numbers are fictional: voice.outbound refuses them).
    Customer.objects.filter(phone="+15550000002").update(phone="+12125550002")
    callback = ScheduledCallback.objects.get(customer__phone="+12125550002")
    client = signed_in(owner)
    assert "Call now" in client.get(f"/callbacks/{callback.pk}/").content.decode()
    response = client.post(f"/callbacks/{callback.pk}/", {"action": "call"})
    assert response.status_code == 302 and response.url.startswith("/calls/")
    assert placed[0]["to"] == "+12125550002" and placed[0]["from_"] == "+15005550006"
    # Do not call: refused, nothing placed.
    Customer.objects.filter(phone="+12125550002").update(do_not_call=True)
    response = client.post(f"/callbacks/{callback.pk}/", {"action": "call"}, follow=True)
    assert "asked not to be called" in response.content.decode() and len(placed) == 1


def test_no_call_button_without_twilio(business, owner, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    callback = ScheduledCallback.objects.get(customer__phone="+15550000002")
    assert "Call now" not in signed_in(owner).get(f"/callbacks/{callback.pk}/").content.decode()


def test_list_query_count_is_pinned_with_thousands_of_callbacks(owner, store, agent, django_assert_num_queries):
    customers = Customer.objects.bulk_create(Customer(store=store, phone=f"+1555{i:07d}") for i in range(500))
    now = timezone.now()
    ScheduledCallback.objects.bulk_create(
        ScheduledCallback(store=store, customer=customers[i % 500], scheduled_at=now + timedelta(hours=i - 1000), assigned_agent=agent if i % 3 else None)
        for i in range(3000)
    )
    client = signed_in(owner)
    client.get("/callbacks/")
    # session, user, stores for the picker, the chosen store, count, page of rows
    with django_assert_num_queries(6):
        response = client.get("/callbacks/?page=3")
    assert len(response.context["callbacks"]) == 25
